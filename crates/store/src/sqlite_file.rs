//! The SQLite store file kept safe to write, beyond what SQLite's own
//! locking does (it lets any number of processes share a file, and
//! happily creates an empty one where a store used to be):
//!
//! - **One serving process per file.** `PATH.lock` beside it is held with
//!   an OS file lock (`flock`) while the store is open. The kernel drops
//!   that lock when the process ends however it ends, `kill -9` included:
//!   a crash leaves the file behind, never a stale lock. Stores opened
//!   twice in one process share the lock (they are that process's own
//!   connections, like the store suite's two "replicas").
//! - **No empty store in place of a lost one.** The lock file also records
//!   that a store was created beside it. A missing PATH is created only on
//!   a first run (no lock file, or an empty one), loudly logged, or with
//!   `--create`; otherwise the start is refused, saying what to do.
//! - **Commits land in the file that is there.** Before every commit, the
//!   path's device and inode are compared with those of the file opened
//!   (one `stat`): into a file deleted or replaced while serving, every
//!   later commit would be acknowledged and then vanish at restart, so the
//!   store refuses them instead (UNAVAILABLE, naming the file).

use std::collections::HashMap;
use std::fs::{File, Metadata, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, Weak};

use crate::error::StoreError;

/// How a caller uses a SQLite store file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileUse {
    /// Serve it, as the only process: a missing file is created on a first
    /// run only, or when `create`.
    Serve {
        /// Start an empty store even where the lock file shows that one
        /// existed (`serve --create`).
        create: bool,
    },
    /// Read it, possibly beside the process serving it (`export`): it must
    /// exist, and it is not locked.
    Read,
}

/// What the lock file says once a store exists beside it.
const MARKER: &str = "The leadscore lead store beside this file exists. A serving process \
                      locks this file; while it is here, a missing store is not re-created \
                      without `leadscore serve --create`.\n";

/// Lock files this process holds, by canonical path, so that a second
/// store of the same file in this process shares the lock.
static HELD: LazyLock<Mutex<HashMap<PathBuf, Weak<File>>>> = LazyLock::new(Mutex::default);

/// The store file as opened: what it was, and (serving) its lock.
#[derive(Debug)]
pub struct StoreFile {
    /// Absolute path of the database file.
    path: PathBuf,
    /// Device and inode of the file opened.
    identity: (u64, u64),
    /// The lock file, held while any store of this file in this process is
    /// open (serving only).
    _lock: Option<Arc<File>>,
    /// Whether the loss of the file was logged (once, not on every call).
    loss_logged: AtomicBool,
}

impl StoreFile {
    /// Claims `path` for `use_`, opens it with `open` (told whether it may
    /// create the file) and records what it opened.
    pub fn open<C>(
        path: &Path,
        use_: FileUse,
        open: impl FnOnce(bool) -> Result<C, StoreError>,
    ) -> Result<(StoreFile, C), StoreError> {
        let path = std::path::absolute(path).map_err(|e| unusable(path, &e))?;
        let lock_path = lock_path(&path);
        let lock = match use_ {
            FileUse::Serve { .. } => Some(hold(&lock_path)?),
            FileUse::Read => None,
        };
        let existed = match &lock {
            Some(lock) => marked(lock, &lock_path)?,
            None => false,
        };
        let conn = open(may_create(&path, use_, existed)?)?;
        let opened = std::fs::metadata(&path).map_err(|e| unusable(&path, &e))?;
        if let Some(lock) = &lock
            && !existed
        {
            (&**lock)
                .write_all(MARKER.as_bytes())
                .map_err(|e| unusable(&lock_path, &e))?;
        }
        let file = StoreFile {
            path,
            identity: identity(&opened),
            _lock: lock,
            loss_logged: AtomicBool::new(false),
        };
        Ok((file, conn))
    }

    /// `Ok` while the path still names the file opened; otherwise an error
    /// naming it and what to do (logged once, with how to save the data).
    pub fn check(&self) -> Result<(), StoreError> {
        let found = match std::fs::metadata(&self.path) {
            Ok(m) if identity(&m) == self.identity => return Ok(()),
            Ok(_) => "another file is there now".to_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "it is missing".to_owned(),
            Err(e) => e.to_string(),
        };
        if !self.loss_logged.swap(true, Ordering::Relaxed) {
            tracing::error!(
                path = %self.path.display(),
                found,
                pid = std::process::id(),
                "the lead store file was deleted or replaced while serving; every store call \
                 now fails. What this process committed is still in its open files (`ls -l \
                 /proc/PID/fd` lists them as deleted): copy the database and its -wal file \
                 back from there before stopping the service, then restart it"
            );
        }
        Err(StoreError::FileUnusable(format!(
            "the lead store file {} was deleted or replaced while the service ran ({found}); \
             nothing is written until an operator restores it and restarts the service",
            self.path.display()
        )))
    }
}

/// `PATH.lock`.
fn lock_path(path: &Path) -> PathBuf {
    let mut lock = path.as_os_str().to_owned();
    lock.push(".lock");
    PathBuf::from(lock)
}

/// This process's hold on the lock file at `path`: taken now, or shared
/// with a store of the same file already open here.
fn hold(path: &Path) -> Result<Arc<File>, StoreError> {
    let file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| unusable(path, &e))?;
    let key = std::fs::canonicalize(path).map_err(|e| unusable(path, &e))?;
    let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
    held.retain(|_, lock| lock.strong_count() > 0);
    if let Some(shared) = held.get(&key).and_then(Weak::upgrade) {
        // `file` is another open file description: dropping it leaves the
        // shared one's `flock` alone.
        return Ok(shared);
    }
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(StoreError::FileUnusable(format!(
                "another process is serving this store: it holds {}; stop it first, or give \
                 this one another --db",
                path.display()
            )));
        }
        Err(TryLockError::Error(e)) => return Err(unusable(path, &e)),
    }
    let file = Arc::new(file);
    held.insert(key, Arc::downgrade(&file));
    Ok(file)
}

/// Whether the lock file records that a store was created beside it.
fn marked(lock: &File, path: &Path) -> Result<bool, StoreError> {
    Ok(lock.metadata().map_err(|e| unusable(path, &e))?.len() > 0)
}

/// Whether SQLite may create the file at `path`: no when it exists; when
/// it is missing, yes on a first run or with `--create`, else an error
/// saying what to do.
fn may_create(path: &Path, use_: FileUse, existed: bool) -> Result<bool, StoreError> {
    if path.try_exists().map_err(|e| unusable(path, &e))? {
        return Ok(false);
    }
    let shown = path.display();
    match use_ {
        FileUse::Read => Err(StoreError::FileUnusable(format!(
            "{shown} does not exist: there is no store to read (check --db)"
        ))),
        FileUse::Serve { create: false } if existed => Err(StoreError::FileUnusable(format!(
            "{shown} is missing, but {} shows that a store was created there: it was deleted \
             or moved. Restore it (with its -wal file) from a backup, or start with --create \
             for a new, empty store",
            lock_path(path).display()
        ))),
        FileUse::Serve { create } => {
            let why = if create {
                "--create"
            } else {
                "first run: no store was created here before"
            };
            tracing::warn!(path = %shown, why, "creating a new, empty lead store");
            Ok(true)
        }
    }
}

fn unusable(path: &Path, e: &std::io::Error) -> StoreError {
    StoreError::FileUnusable(format!("{}: {e}", path.display()))
}

/// A file's device and inode.
#[cfg(unix)]
fn identity(m: &Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

/// Without inode numbers, only a missing file is detected.
#[cfg(not(unix))]
fn identity(_: &Metadata) -> (u64, u64) {
    (0, 0)
}
