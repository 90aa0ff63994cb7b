//! Finding the model to serve in a models directory.
//!
//! Every `*.json` file is a candidate. Invalid ones (half-written, corrupt,
//! from another format) are skipped with a logged reason; the newest valid
//! version wins.

use std::path::{Path, PathBuf};

use super::file::{ModelFile, ModelFileError};
use super::linear::LinearModel;

/// Why no model could be served.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The directory could not be listed.
    #[error("cannot list models directory {dir}: {source}")]
    ListDir {
        /// Directory.
        dir: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// No candidate was valid.
    #[error(
        "no valid model in {dir} ({skipped} file(s) skipped); train one with \
         `leadscore-train fit … --out {dir}` or point --models at a directory holding one"
    )]
    NoValidModel {
        /// Directory.
        dir: PathBuf,
        /// Number of invalid candidates.
        skipped: usize,
    },
}

/// A candidate file and the outcome of loading it.
pub type Candidate = (PathBuf, Result<ModelFile, ModelFileError>);

/// Model files in `dir`, each loaded or refused, sorted by path.
pub fn scan(dir: &Path) -> Result<Vec<Candidate>, RegistryError> {
    let entries = std::fs::read_dir(dir).map_err(|source| RegistryError::ListDir {
        dir: dir.to_owned(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
        .collect();
    paths.sort();
    Ok(paths
        .into_iter()
        .map(|p| {
            let m = ModelFile::load(&p);
            (p, m)
        })
        .collect())
}

/// Loads the newest valid model of `dir`, logging every refused file.
pub fn load_newest(dir: &Path) -> Result<LinearModel, RegistryError> {
    let mut best: Option<ModelFile> = None;
    let mut skipped = 0;
    for (path, loaded) in scan(dir)? {
        match loaded {
            Ok(m) => {
                if best.as_ref().is_none_or(|b| m.version > b.version) {
                    best = Some(m);
                }
            }
            Err(e) => {
                skipped += 1;
                tracing::warn!(file = %path.display(), error = %e, "model file refused");
            }
        }
    }
    best.map(LinearModel::new)
        .ok_or(RegistryError::NoValidModel {
            dir: dir.to_owned(),
            skipped,
        })
}
