//! `leadscore import`: CRM or marketing history in the event shape
//! ([`crate::dataset`], the files `leadscore export` writes and
//! `leadscore-train` reads) into the store, dates and outcomes kept.
//!
//! The leads file first (each lead before its events), then the
//! activities, [`IMPORT_BATCH`] rows per transaction
//! ([`crate::live::import`]). Every row is checked once
//! ([`crate::dataset::rows`]); a refused row is counted and named by its
//! line, and the rest goes on. Idempotent: a lead already stored is left
//! as it is, and an event whose lead has its id already is a duplicate
//! (an activity without an `event_id` gets one derived from its row, so
//! it too is recorded once). A run that stopped part-way has committed
//! whole batches; running it again records the rest.

pub mod summary;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use leadscore_store::Database;

use crate::dataset::rows::{ActivityColumns, LeadColumns};
use crate::lead::{EventOutcome, FieldError};
use crate::live::LiveError;
use crate::live::import::{insert_events, insert_leads};
use crate::time::Timestamp;
pub use summary::{FileSummary, ImportSummary};

/// Rows per transaction: large enough that a transaction's cost is
/// spread over many rows, small enough to bound memory and the work a
/// killed run loses.
pub const IMPORT_BATCH: usize = 10_000;

/// Why an import stopped (a refused row does not stop it).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: csv::Error,
    },
    /// A header lacks a required column (or names one attribute twice).
    #[error("{path}: {error}")]
    Header {
        /// The file.
        path: PathBuf,
        /// The column.
        error: FieldError,
    },
    /// The store failed; batches before this one are committed.
    #[error(transparent)]
    Store(#[from] LiveError),
}

/// What to import.
#[derive(Debug, Clone, Copy)]
pub struct Files<'a> {
    /// The leads file, if any.
    pub leads: Option<&'a Path>,
    /// The activities file, if any.
    pub activities: Option<&'a Path>,
}

/// Imports `files` into `db`, rows checked against `now`. `progress` is
/// called after each batch with the file's name and its counts so far.
pub fn import(
    db: &dyn Database,
    files: Files<'_>,
    now: Timestamp,
    progress: &mut dyn FnMut(&Path, &FileSummary),
) -> Result<ImportSummary, ImportError> {
    let mut out = ImportSummary::default();
    if let Some(path) = files.leads {
        out.leads = run_file(
            path,
            progress,
            LeadColumns::new,
            |cols, cells| cols.lead(cells, now),
            |l| (l.id.clone(), String::new()),
            |batch| {
                let new = insert_leads(db, batch, now)?;
                Ok(new
                    .into_iter()
                    .map(|n| {
                        if n {
                            EventOutcome::Recorded
                        } else {
                            EventOutcome::Duplicate
                        }
                    })
                    .collect())
            },
        )?;
    }
    if let Some(path) = files.activities {
        out.activities = run_file(
            path,
            progress,
            ActivityColumns::new,
            |cols, cells| cols.event(cells, now),
            |e| (e.lead_id().to_owned(), e.event_id().to_owned()),
            |batch| insert_events(db, batch, now),
        )?;
    }
    Ok(out)
}

/// Reads `path` in batches: `columns` reads the header, `parse` a row,
/// `key` names a row's identity (a repeat within a batch is a duplicate),
/// `write` stores a batch and answers each row's outcome.
fn run_file<C, T>(
    path: &Path,
    progress: &mut dyn FnMut(&Path, &FileSummary),
    columns: impl Fn(&[&str]) -> Result<C, FieldError>,
    parse: impl Fn(&C, &[&str]) -> Result<T, FieldError>,
    key: impl Fn(&T) -> (String, String),
    mut write: impl FnMut(&[T]) -> Result<Vec<EventOutcome>, LiveError>,
) -> Result<FileSummary, ImportError> {
    let read_err = |source| ImportError::Read {
        path: path.to_owned(),
        source,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(read_err)?;
    let header = reader.headers().map_err(read_err)?.clone();
    let names: Vec<&str> = header.iter().collect();
    let cols = columns(&names).map_err(|error| ImportError::Header {
        path: path.to_owned(),
        error,
    })?;
    let name = path.display().to_string();
    let mut done = FileSummary::default();
    let mut batch = Batch::default();
    let mut record = csv::StringRecord::new();
    loop {
        let more = match reader.read_record(&mut record) {
            Ok(more) => more,
            Err(e) if e.is_io_error() => return Err(read_err(e)),
            Err(e) => {
                done.read += 1;
                let line = e.position().map_or(0, |p| p.line());
                let why = EventOutcome::Rejected(format!("not a CSV row: {e}"));
                done.count(&why, || format!("{name} line {line}"));
                continue;
            }
        };
        if more {
            done.read += 1;
            let line = record.position().map_or(0, |p| p.line());
            let cells: Vec<&str> = record.iter().collect();
            let row = if cells.len() == names.len() {
                parse(&cols, &cells)
            } else {
                Err(FieldError::new(
                    "row",
                    format!("has {} cells, the header has {}", cells.len(), names.len()),
                ))
            };
            match row {
                Ok(row) => batch.push(row, line, &key, &mut done, &name),
                Err(e) => done.count(&EventOutcome::Rejected(e.to_string()), || {
                    format!("{name} line {line}")
                }),
            }
        }
        if batch.rows.len() >= IMPORT_BATCH || (!more && !batch.rows.is_empty()) {
            let outcomes = write(&batch.rows)?;
            for (outcome, line) in outcomes.iter().zip(&batch.lines) {
                done.count(outcome, || format!("{name} line {line}"));
            }
            batch = Batch::default();
            progress(path, &done);
        }
        if !more {
            return Ok(done);
        }
    }
}

/// Rows waiting for their transaction, distinct by key.
struct Batch<T> {
    rows: Vec<T>,
    /// Each row's line in the file.
    lines: Vec<u64>,
    keys: HashSet<(String, String)>,
}

impl<T> Default for Batch<T> {
    fn default() -> Self {
        Batch {
            rows: Vec::new(),
            lines: Vec::new(),
            keys: HashSet::new(),
        }
    }
}

impl<T> Batch<T> {
    /// Adds `row`, or counts it a duplicate when the batch has its key.
    fn push(
        &mut self,
        row: T,
        line: u64,
        key: &impl Fn(&T) -> (String, String),
        done: &mut FileSummary,
        name: &str,
    ) {
        if self.keys.insert(key(&row)) {
            self.rows.push(row);
            self.lines.push(line);
        } else {
            done.count(&EventOutcome::Duplicate, || format!("{name} line {line}"));
        }
    }
}
