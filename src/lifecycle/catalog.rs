//! What the models directory holds: every `*.json` file with its load
//! outcome, reloaded only when its size or modification time changes (so
//! a refused file is logged once, not at every rescan). A valid file is
//! kept as its [`LinearModel`], built once: activating it, shadowing it and
//! showing its card all share that one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::model::{LinearModel, ModelDirError, ModelFile, candidates};

use super::LifecycleError;

/// Size and modification time of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    /// Bytes.
    len: u64,
    /// Last modification.
    modified: Option<SystemTime>,
}

impl Fingerprint {
    /// Fingerprint of `path`, `None` if it cannot be read.
    pub fn of(path: &Path) -> Option<Fingerprint> {
        let m = std::fs::metadata(path).ok()?;
        Some(Fingerprint {
            len: m.len(),
            modified: m.modified().ok(),
        })
    }
}

/// One model file and its load outcome.
#[derive(Debug, Clone)]
pub struct Entry {
    /// File path.
    pub path: PathBuf,
    /// The model, or why it is refused.
    pub model: Result<Arc<LinearModel>, String>,
}

/// Why a version cannot be used.
#[derive(Debug, Clone)]
pub enum Unusable {
    /// No file has it.
    Unknown,
    /// Its file is refused.
    Refused(String),
}

impl Unusable {
    /// As a lifecycle error about `version`.
    pub fn for_version(self, version: &str) -> LifecycleError {
        match self {
            Unusable::Unknown => LifecycleError::UnknownVersion(version.to_owned()),
            Unusable::Refused(reason) => LifecycleError::InvalidModel {
                version: version.to_owned(),
                reason,
            },
        }
    }
}

/// Model files by path.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Path → (fingerprint when loaded, entry).
    files: BTreeMap<PathBuf, (Option<Fingerprint>, Entry)>,
}

impl Catalog {
    /// Reloads new or changed files and forgets deleted ones; returns how
    /// many new or changed files were refused.
    pub fn rescan(&mut self, dir: &Path) -> Result<u64, ModelDirError> {
        let paths = candidates::model_paths(dir)?;
        let mut refused = 0;
        self.files.retain(|p, _| paths.contains(p));
        for path in paths {
            let fingerprint = Fingerprint::of(&path);
            if self
                .files
                .get(&path)
                .is_some_and(|(f, _)| *f == fingerprint)
            {
                continue;
            }
            let model = ModelFile::load(&path)
                .map(|file| Arc::new(LinearModel::new(file)))
                .map_err(|e| {
                    tracing::warn!(file = %path.display(), error = %e, "model file refused");
                    refused += 1;
                    e.to_string()
                });
            self.files
                .insert(path.clone(), (fingerprint, Entry { path, model }));
        }
        Ok(refused)
    }

    /// All entries, newest valid version first, refused files last.
    pub fn entries(&self) -> Vec<Entry> {
        let mut all: Vec<Entry> = self.files.values().map(|(_, e)| e.clone()).collect();
        all.sort_by(|a, b| match (&a.model, &b.model) {
            (Ok(x), Ok(y)) => y.version().cmp(x.version()),
            (Ok(_), Err(_)) => std::cmp::Ordering::Less,
            (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
            (Err(_), Err(_)) => a.path.cmp(&b.path),
        });
        all
    }

    /// The newest valid model.
    pub fn newest(&self) -> Option<Arc<LinearModel>> {
        self.files
            .values()
            .filter_map(|(_, e)| e.model.as_ref().ok())
            .max_by(|a, b| a.version().cmp(b.version()))
            .cloned()
    }

    /// The valid model with `version`.
    pub fn valid(&self, version: &str) -> Result<Arc<LinearModel>, Unusable> {
        let mut refused = None;
        for (_, e) in self.files.values() {
            match &e.model {
                Ok(m) if m.version() == version => return Ok(m.clone()),
                Err(reason) if e.path.file_stem().is_some_and(|s| s == version) => {
                    refused = Some(reason.clone())
                }
                _ => {}
            }
        }
        Err(refused.map_or(Unusable::Unknown, Unusable::Refused))
    }

    /// Number of refused files.
    pub fn refused_count(&self) -> usize {
        self.files
            .values()
            .filter(|(_, e)| e.model.is_err())
            .count()
    }
}
