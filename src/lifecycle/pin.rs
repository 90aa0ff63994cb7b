//! The pin file: `<models>/pinned-version`, holding one version string.
//! Written atomically (temp file, fsync, rename); absent means "newest".

use std::io::Write;
use std::path::{Path, PathBuf};

/// Name of the pin file inside the models directory.
pub const PIN_FILE: &str = "pinned-version";

/// Path of the pin file.
pub fn path(models_dir: &Path) -> PathBuf {
    models_dir.join(PIN_FILE)
}

/// The pinned version, if the pin file exists and is not empty.
pub fn read(models_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path(models_dir)).ok()?;
    let v = text.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

/// Pins `Some(version)` or removes the pin.
pub fn write(models_dir: &Path, version: Option<&str>) -> std::io::Result<()> {
    let target = path(models_dir);
    match version {
        None => match std::fs::remove_file(&target) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
        Some(v) => {
            let tmp = models_dir.join(format!(".{PIN_FILE}.tmp"));
            let mut f = std::fs::File::create(&tmp)?;
            writeln!(f, "{v}")?;
            f.sync_all()?;
            std::fs::rename(&tmp, &target)?;
            std::fs::File::open(models_dir)?.sync_all()
        }
    }
}
