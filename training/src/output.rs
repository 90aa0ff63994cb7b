//! Writing a model: `<dir>/<version>.json`, atomically and never over an
//! existing file, plus its report (`<version>.md` and `<version>/*.svg`).
//!
//! The version is the UTC creation time (`YYYYMMDDTHHMMSSZ`) and the first 8
//! hex digits of the SHA-256 of the file content (with an empty version),
//! so versions sort by time and differ whenever the content does. The file
//! is written to a hidden temporary name, synced, then hard-linked to its
//! final name (which fails if that name exists) — a reader never sees a
//! half-written model.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::OutputError;
use crate::report;
use crate::train::Trained;

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    /// Model version.
    pub version: String,
    /// The model file.
    pub model: PathBuf,
    /// The Markdown report.
    pub report: PathBuf,
}

/// Stamps `trained.file` with a version and writes model and report.
pub fn write(dir: &Path, trained: &mut Trained) -> Result<Written, OutputError> {
    std::fs::create_dir_all(dir).map_err(|source| OutputError::Write {
        path: dir.to_owned(),
        source,
    })?;
    let now = chrono::Utc::now();
    let file = &mut trained.file;
    file.created_at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    file.version = String::new();
    let unversioned = serde_json::to_vec_pretty(file).expect("model serializes");
    let hash = leadscore_core::hex::encode(&Sha256::digest(&unversioned)[..4]);
    file.version = format!("{}-{hash}", now.format("%Y%m%dT%H%M%SZ"));
    let version = file.version.clone();
    let model = dir.join(format!("{version}.json"));
    if model.exists() {
        return Err(OutputError::Exists { path: model });
    }
    // The service's own check: never write a file it would refuse.
    trained
        .file
        .validate()
        .map_err(|reason| OutputError::Unservable { reason })?;
    let report = report::write(dir, &version, trained)?;
    let bytes = serde_json::to_vec_pretty(&trained.file).expect("model serializes");
    write_new(&model, &bytes)?;
    Ok(Written {
        version,
        model,
        report,
    })
}

/// Writes `bytes` to `path` atomically; fails if `path` exists.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let err = |p: &Path| {
        let path = p.to_owned();
        move |source| OutputError::Write { path, source }
    };
    let mut f = std::fs::File::create(&tmp).map_err(err(&tmp))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(err(&tmp))?;
    drop(f);
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(OutputError::Exists {
            path: path.to_owned(),
        }),
        Err(source) => Err(OutputError::Write {
            path: path.to_owned(),
            source,
        }),
    }
}
