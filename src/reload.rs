//! "The file changed → parse it again → swap it in": the one loop for
//! every single file the service reloads while serving (the tokens file,
//! the webhooks file). A file that does not parse is logged and what is in
//! force stays; the models directory and rules file have their own
//! rescan in [`crate::lifecycle`], which also chooses among models.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::lifecycle::catalog::Fingerprint;

/// Every `interval`, when the file at `path` changed (size or modification
/// time), loads it with `load` and hands the result to `apply`; a refused
/// file is logged as `what`. Runs forever.
pub async fn watch_file<T, E: std::fmt::Display>(
    path: PathBuf,
    interval: Duration,
    what: &'static str,
    load: impl Fn(&Path) -> Result<T, E>,
    mut apply: impl FnMut(T),
) {
    // Starts unknown, so the first tick re-reads the file: a change made
    // between the initial load and this task's start is never missed.
    let mut seen = None;
    let mut tick = tokio::time::interval(interval);
    loop {
        tick.tick().await;
        let now = Fingerprint::of(&path);
        if now == seen {
            continue;
        }
        seen = now;
        match load(&path) {
            Ok(value) => apply(value),
            Err(e) => {
                tracing::error!(file = what, error = %e, "file refused; keeping what is in force")
            }
        }
    }
}
