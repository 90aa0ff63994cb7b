//! `leadscore export`: the store as the training job's event shape (the
//! schema is [`leadscore_core::dataset`]), so closed leads become training rows.
//!
//! - `leads.csv`: one row per lead, columns [`leads::header`]: `outcome`
//!   won / lost / open, `outcome_at` empty while open, BANT `yes` / `no` /
//!   empty, numbers empty when unknown, then one column per attribute key
//!   any lead has (sorted; empty where a lead has none). An attribute whose
//!   key is a fixed or profile column's name cannot be a column: the export
//!   refuses it, naming the key.
//! - `activities.csv`: [`activities::COLUMNS`], every activity ever
//!   recorded (recycled or not), oldest first per lead (ties by event id).
//!
//! Times are RFC 3339 in UTC (`2026-06-01T00:00:00Z`, microseconds when
//! not whole seconds). Each file is written to `NAME.tmp` beside it,
//! fsynced and renamed over `NAME`, so a reader never sees half a file.
//! Leads are read in id order, a page per transaction with the page's
//! activities in one statement (a live store is not frozen for the export).

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::db::Database;
use crate::error::StoreError;
use crate::reads;
use leadscore_core::dataset::{Outcome, activities, bant_cell, leads};
use leadscore_core::handoff::{HandOff, LeadRecord};
use leadscore_core::lead::ProfileField;

/// Leads read per transaction.
const PAGE: usize = 1_000;

/// Rows written so far (progress) or in all (the summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportSummary {
    /// Rows of `leads.csv`.
    pub leads: usize,
    /// Rows of `activities.csv`.
    pub activities: usize,
}

/// A file being written as `NAME.tmp`, renamed to `NAME` once complete.
struct AtomicCsv {
    /// Final path.
    path: PathBuf,
    /// Temporary path beside it.
    tmp: PathBuf,
    /// CSV writer on the temporary file.
    out: csv::Writer<BufWriter<File>>,
}

fn failed(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Export(format!("writing {}: {e}", path.display()))
}

impl AtomicCsv {
    fn create(dir: &Path, name: &str, header: &[&str]) -> Result<AtomicCsv, StoreError> {
        let path = dir.join(name);
        let tmp = dir.join(format!("{name}.tmp"));
        let file = File::create(&tmp).map_err(|e| failed(&tmp, e))?;
        let mut out = csv::Writer::from_writer(BufWriter::new(file));
        out.write_record(header).map_err(|e| failed(&tmp, e))?;
        Ok(AtomicCsv { path, tmp, out })
    }

    fn row<I: AsRef<[u8]>>(
        &mut self,
        fields: impl IntoIterator<Item = I>,
    ) -> Result<(), StoreError> {
        self.out
            .write_record(fields)
            .map_err(|e| failed(&self.tmp, e))
    }

    /// Flushes and fsyncs the temporary file (the rename comes later).
    fn finish(self) -> Result<(PathBuf, PathBuf), StoreError> {
        let AtomicCsv { path, tmp, out } = self;
        let file = out
            .into_inner()
            .map_err(|e| failed(&tmp, e.error()))?
            .into_inner()
            .map_err(|e| failed(&tmp, e.error()))?;
        file.sync_all().map_err(|e| failed(&tmp, e))?;
        Ok((tmp, path))
    }
}

fn number(v: Option<f64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

fn lead_row(l: &LeadRecord, attribute_keys: &[String]) -> Vec<String> {
    let outcome = match l.hand_off {
        HandOff::Won => Outcome::Won,
        HandOff::Lost => Outcome::Lost,
        HandOff::Open | HandOff::Accepted => Outcome::Open,
    };
    let outcome_at = match (l.hand_off.closed(), l.outcome_at) {
        (true, Some(at)) => at.to_rfc3339(),
        _ => String::new(),
    };
    let p = &l.profile;
    let mut row = vec![
        l.id.clone(),
        l.created_at.to_rfc3339(),
        outcome.name().to_owned(),
        outcome_at,
    ];
    let b = &l.bant;
    row.extend([b.budget, b.authority, b.need, b.timeline].map(|s| bant_cell(s).to_owned()));
    row.extend(ProfileField::ALL.map(|f| match f {
        ProfileField::Text(t) => t.get(p).to_owned(),
        ProfileField::Number(n) => number(n.get(p)),
    }));
    row.extend(
        attribute_keys
            .iter()
            .map(|k| p.attributes.get(k).cloned().unwrap_or_default()),
    );
    row
}

/// The attribute columns: every key any lead has, none a named column.
fn attribute_columns(db: &dyn Database) -> Result<Vec<String>, StoreError> {
    let keys = crate::db::in_tx(db, |tx| tx.attribute_keys())?;
    match keys.iter().find(|k| leads::is_named(k)) {
        Some(k) => Err(StoreError::Export(format!(
            "a lead has the attribute {k:?}, which is also a column of {}; rename the attribute",
            leads::FILE
        ))),
        None => Ok(keys),
    }
}

/// Writes `leads.csv` and `activities.csv` of every lead in `db` into
/// `dir` (created if missing). `progress` is called after each page of
/// leads with the rows written so far.
pub fn export(
    db: &dyn Database,
    dir: &Path,
    progress: &mut dyn FnMut(ExportSummary),
) -> Result<ExportSummary, StoreError> {
    std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
    let keys = attribute_columns(db)?;
    let mut leads_out = AtomicCsv::create(dir, leads::FILE, &leads::header(&keys))?;
    let mut activities_out = AtomicCsv::create(dir, activities::FILE, &activities::COLUMNS)?;
    let mut done = ExportSummary::default();
    let mut after = String::new();
    loop {
        let page = reads::export_page(db, &after, PAGE)?;
        let Some((last, _)) = page.last() else { break };
        after = last.id.clone();
        for (lead, acts) in &page {
            leads_out.row(lead_row(lead, &keys))?;
            for a in acts {
                let event_id = a.event_id.as_deref().unwrap_or("");
                let at = a.occurred_at.to_rfc3339();
                activities_out.row([lead.id.as_str(), &a.activity_type, &at, event_id])?;
            }
            done.leads += 1;
            done.activities += acts.len();
        }
        progress(done);
    }
    let files = [leads_out.finish()?, activities_out.finish()?];
    for (tmp, path) in files {
        std::fs::rename(&tmp, &path).map_err(|e| failed(&path, e))?;
    }
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(done)
}
