//! The version files in the models directory: `pinned-version` (the
//! operator's pin; absent means "newest"), `shadow-version` (the model
//! scoring alongside the active one; absent means none) and
//! `gated-version` (the model the activation gate last let through, what
//! serves unpinned; absent means none yet). Each holds one
//! version string and is written atomically (temp file, fsync, rename), so
//! the choice survives restarts and every replica sharing the directory
//! follows it.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Which choice a version file records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The pinned active model.
    Pinned,
    /// The shadow model.
    Shadow,
    /// The model the activation gate last let through.
    Gated,
}

impl Slot {
    /// File name inside the models directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Slot::Pinned => "pinned-version",
            Slot::Shadow => "shadow-version",
            Slot::Gated => "gated-version",
        }
    }
}

/// Path of a version file.
pub fn path(models_dir: &Path, slot: Slot) -> PathBuf {
    models_dir.join(slot.file_name())
}

/// The version a file names, if it exists and is not empty.
pub fn read(models_dir: &Path, slot: Slot) -> Option<String> {
    let text = std::fs::read_to_string(path(models_dir, slot)).ok()?;
    let v = text.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

/// Records `Some(version)` or removes the file.
pub fn write(models_dir: &Path, slot: Slot, version: Option<&str>) -> std::io::Result<()> {
    let target = path(models_dir, slot);
    match version {
        None => match std::fs::remove_file(&target) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
        Some(v) => {
            let tmp = models_dir.join(format!(".{}.tmp", slot.file_name()));
            let mut f = std::fs::File::create(&tmp)?;
            writeln!(f, "{v}")?;
            f.sync_all()?;
            std::fs::rename(&tmp, &target)?;
            std::fs::File::open(models_dir)?.sync_all()
        }
    }
}
