//! The event shape: a leads table and an activities table
//! ([`leadscore_core::dataset`] names their columns and outcomes).
//!
//! Leads: [`leads::FIXED`], optional [`leads::BANT`] (not read), and any
//! profile columns. Activities:
//! [`activities::COLUMNS`], `event_id` optional. Open leads are not
//! training rows; a closed lead's features are computed as of one
//! microsecond before its outcome, or before its outcome's day when the
//! activity times are whole days ([`super::cutoff`], the leakage rule).

use std::collections::HashMap;
use std::path::Path;

use leadscore_core::dataset::{Outcome, activities, leads};
use leadscore_core::features::{normalize_name, outcome_as_of};

use super::arena::RawEvents;
use super::attributes::Attributes;
use super::cutoff::{self, Cutoff};
use super::memory;
use super::sample;
use super::table::{Chunk, Table};
use super::timestamp::TimeFormat;
use super::unique::UniqueIds;
use super::{EventArena, History, Lead, Reading, Shape, SourceFile, required_time};
use crate::error::InputError;
use crate::progress;

/// Loads an event-shape history: checks both files and the memory
/// estimate first, then reads the leads and their activities in chunks.
pub fn load(
    leads_path: &Path,
    activities_path: &Path,
    reading: &Reading,
) -> Result<History, InputError> {
    let step = progress::start(format!(
        "checking {} and {}",
        leads_path.display(),
        activities_path.display()
    ));
    let mut leads_table = Table::open(leads_path, reading.csv, reading.chunk_rows)?;
    let mut activities_table = Table::open(activities_path, reading.csv, reading.chunk_rows)?;
    let estimate = memory::events_estimate(
        leads_table.rows(),
        activities_table.rows(),
        reading.sample.map(|s| s.0),
    );
    memory::check(estimate, reading.max_memory)?;
    step.done(format!(
        "about {} lead rows and {} activity rows: estimated peak {} (limit {})",
        leads_table.rows(),
        activities_table.rows(),
        memory::gb(estimate.bytes),
        reading
            .max_memory
            .map_or("none".into(), |l| memory::gb(l as f64))
    ));

    let step = progress::start(format!("reading {}", leads_path.display()));
    let mut history = read_leads(&mut leads_table, reading)?;
    step.done(format!(
        "{} rows, {} closed{}, {} open",
        leads_table.rows(),
        history.leads.len(),
        history
            .sample
            .map_or(String::new(), |s| format!(" ({} in the sample)", s.leads)),
        history.open_leads
    ));

    let step = progress::start(format!("reading {}", activities_path.display()));
    read_activities(&mut activities_table, &reading.times, &mut history)?;
    cutoff::apply(&mut history);
    history.sources = vec![source(&leads_table), source(&activities_table)];
    step.done(format!(
        "{} rows, {} kept, {} of open, unknown or unsampled leads",
        activities_table.rows(),
        history.events.at.len(),
        history.skipped_activities
    ));
    Ok(history)
}

/// Fingerprint of a table (once its rows were read).
fn source(table: &Table) -> SourceFile {
    SourceFile {
        path: table.path.display().to_string(),
        sha256: table.sha256.clone(),
        rows: table.rows(),
    }
}

/// The columns of the leads table.
struct LeadColumns {
    id: usize,
    created: usize,
    outcome: usize,
    outcome_at: usize,
    /// Profile columns (not record or contact columns).
    profile: Vec<usize>,
}

/// The closed leads (sampled if asked) and their profiles, as a history
/// without activities.
fn read_leads(table: &mut Table, reading: &Reading) -> Result<History, InputError> {
    let profile: Vec<(usize, String)> = table
        .column_names()
        .into_iter()
        .enumerate()
        .filter(|(_, c)| {
            !leads::is_record_column(c.as_str()) && !leads::is_contact_column(c.as_str())
        })
        .map(|(i, c)| (i, normalize_name(&c)))
        .collect();
    let columns = LeadColumns {
        created: table.column(leads::CREATED_AT)?,
        outcome: table.column(leads::OUTCOME)?,
        outcome_at: table.column(leads::OUTCOME_AT)?,
        id: table.column(leads::LEAD_ID)?,
        profile: profile.iter().map(|(i, _)| *i).collect(),
    };
    let mut attributes = Attributes::new(profile.into_iter().map(|(_, key)| key));
    let mut closed = Vec::new();
    let mut open = 0;
    let mut ids = UniqueIds::default();
    let path = table.path.clone();
    table.for_each_chunk(|chunk| {
        for r in 0..chunk.len() {
            match read_lead(chunk, r, &columns, &path, reading, &mut ids)? {
                Some(lead) => {
                    for (column, &c) in attributes.columns.iter_mut().zip(&columns.profile) {
                        column.push(chunk.get(r, c));
                    }
                    closed.push(lead);
                }
                None => open += 1,
            }
        }
        Ok(())
    })?;
    ids.check(&path)?;
    attributes.finish();
    let mut history = History {
        shape: Shape::Events,
        leads: closed,
        events: EventArena::default(),
        id_names: Vec::new(),
        activity_types: Vec::new(),
        categorical_columns: Vec::new(),
        attributes,
        sample: None,
        sources: Vec::new(),
        open_leads: open,
        skipped_activities: 0,
        cutoff: Cutoff::BeforeOutcome,
    };
    if let Some((n, seed)) = reading.sample {
        sample::apply(&mut history, n, seed);
    }
    Ok(history)
}

/// Row `r` of a leads chunk: the closed lead, or `None` when it is open.
fn read_lead(
    chunk: &Chunk,
    r: usize,
    columns: &LeadColumns,
    path: &Path,
    reading: &Reading,
    ids: &mut UniqueIds,
) -> Result<Option<Lead>, InputError> {
    let row = chunk.row_number(r);
    let id = ids.read(path, leads::LEAD_ID, row, chunk.get(r, columns.id))?;
    let times = &reading.times;
    required_time(
        path,
        times,
        leads::CREATED_AT,
        row,
        chunk.get(r, columns.created),
    )?;
    let cell = chunk.get(r, columns.outcome).unwrap_or("");
    let outcome = match reading.labels.outcome(cell) {
        Some(Outcome::Open) => return Ok(None),
        Some(won_or_lost) => won_or_lost,
        None => {
            return Err(InputError::BadLabel {
                path: path.to_owned(),
                row,
                column: leads::OUTCOME.into(),
                value: cell.to_owned(),
                expected: reading.labels.expected(Outcome::EXPECTED),
            });
        }
    };
    let at = chunk
        .get(r, columns.outcome_at)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| InputError::MissingOutcomeTime {
            path: path.to_owned(),
            row,
            lead: id.to_owned(),
            outcome: outcome.name().to_owned(),
        })?;
    let at = required_time(path, times, leads::OUTCOME_AT, row, Some(at))?;
    Ok(Some(Lead {
        id: id.to_owned(),
        won: outcome == Outcome::Won,
        outcome_at: Some(at),
        as_of: outcome_as_of(at),
        events: 0..0,
        counts: Vec::new(),
    }))
}

/// The columns of the activities table.
struct ActivityColumns {
    lead: usize,
    kind: usize,
    time: usize,
    /// `None` when the table has no `event_id` column.
    event_id: Option<usize>,
}

/// Activity types interned in order of appearance, looked up by the text
/// as in the file first (no normalizing per row).
#[derive(Default)]
struct TypeIndex {
    /// Text as in the file → code.
    raw: HashMap<String, u16>,
    /// Normalized type → code.
    normalized: HashMap<String, u16>,
}

impl TypeIndex {
    /// The code of `raw`; `None` when it normalizes to nothing.
    fn code(&mut self, raw: &str, path: &Path) -> Result<Option<u16>, InputError> {
        if let Some(&t) = self.raw.get(raw) {
            return Ok(Some(t));
        }
        let name = normalize_name(raw);
        if name.is_empty() {
            return Ok(None);
        }
        let next = u16::try_from(self.normalized.len()).map_err(|_| InputError::Malformed {
            path: path.to_owned(),
            reason: "more than 65,535 distinct activity types".into(),
        })?;
        let t = *self.normalized.entry(name).or_insert(next);
        self.raw.insert(raw.to_owned(), t);
        Ok(Some(t))
    }
}

/// Reads, groups by lead and interns the activities of the history's
/// leads; the others are counted as skipped.
fn read_activities(
    table: &mut Table,
    times: &TimeFormat,
    history: &mut History,
) -> Result<(), InputError> {
    let columns = ActivityColumns {
        lead: table.column(activities::LEAD_ID)?,
        kind: table.column(activities::ACTIVITY_TYPE)?,
        time: table.column(activities::OCCURRED_AT)?,
        event_id: table
            .has_column(activities::EVENT_ID)
            .then(|| table.column(activities::EVENT_ID))
            .transpose()?,
    };
    let index: HashMap<&str, u32> = history
        .leads
        .iter()
        .enumerate()
        .map(|(i, l)| (l.id.as_str(), i as u32))
        .collect();
    let mut types = TypeIndex::default();
    let mut raw = RawEvents::default();
    let mut skipped = 0;
    let path = table.path.clone();
    table.for_each_chunk(|chunk| {
        for r in 0..chunk.len() {
            let Some(&lead) = chunk.get(r, columns.lead).and_then(|l| index.get(l.trim())) else {
                skipped += 1;
                continue;
            };
            let row = chunk.row_number(r);
            let t = chunk
                .get(r, columns.kind)
                .map(|k| types.code(k, &path))
                .transpose()?
                .flatten()
                .ok_or_else(|| InputError::MissingValue {
                    path: path.clone(),
                    row,
                    column: activities::ACTIVITY_TYPE.into(),
                })?;
            let at = required_time(
                &path,
                times,
                activities::OCCURRED_AT,
                row,
                chunk.get(r, columns.time),
            )?;
            let id = columns
                .event_id
                .map(|c| chunk.get(r, c).map(str::trim).filter(|v| !v.is_empty()));
            raw.push(lead, t, at, id);
        }
        Ok(())
    })?;
    drop(index);
    let (mut arena, max_ids) = raw.group(&mut history.leads);
    history.skipped_activities = skipped;
    history.activity_types = sort_types(types.normalized, &mut arena);
    history.id_names = (0..max_ids).map(|i| i.to_string()).collect();
    history.events = arena;
    Ok(())
}

/// Renumbers the interned types in alphabetical order, so the feature order
/// does not depend on row order; the type names in that order.
fn sort_types(type_index: HashMap<String, u16>, arena: &mut EventArena) -> Vec<String> {
    let mut names: Vec<(String, u16)> = type_index.into_iter().collect();
    names.sort();
    let mut remap = vec![0u16; names.len()];
    for (new, (_, old)) in names.iter().enumerate() {
        remap[usize::from(*old)] = new as u16;
    }
    arena
        .types
        .iter_mut()
        .for_each(|t| *t = remap[usize::from(*t)]);
    names.into_iter().map(|(n, _)| n).collect()
}
