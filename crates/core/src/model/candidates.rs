//! Where model files live: every `*.json` file of the models directory is a
//! candidate (the training job writes `<version>.json` atomically; its temp
//! files have another extension).

use std::path::{Path, PathBuf};

/// Why no model could be served.
#[derive(Debug, thiserror::Error)]
pub enum ModelDirError {
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

/// Candidate model files in `dir`, sorted by path.
pub fn model_paths(dir: &Path) -> Result<Vec<PathBuf>, ModelDirError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ModelDirError::ListDir {
        dir: dir.to_owned(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
        .collect();
    paths.sort();
    Ok(paths)
}
