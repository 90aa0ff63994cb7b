//! The store suite on the embedded SQLite backend (a real file).

mod common;
#[macro_use]
mod store_suite;

/// A fresh SQLite file.
async fn open() -> Option<(tempfile::TempDir, String)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("leads.db").display());
    Some((dir, url))
}

store_suite!(open);
