//! The event shape: a leads table and an activities table
//! ([`leadscore_core::dataset`] names their columns and outcomes).
//!
//! Leads: [`leads::FIXED`], optional [`leads::BANT`] (not read), and any
//! profile columns. Activities:
//! [`activities::COLUMNS`], `event_id` optional. Open leads are not
//! training rows; a closed lead's features are computed as of one
//! microsecond before its outcome, or before its outcome's day when the
//! activity times are whole days ([`super::cutoff`], the leakage rule).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use leadscore_core::dataset::{Outcome, activities, leads};
use leadscore_core::features::{normalize_category, normalize_name, outcome_as_of};
use leadscore_core::time::Timestamp;
use polars::prelude::StringChunked;

use super::cutoff::{self, Cutoff};
use super::table::Table;
use super::timestamp::TimeFormat;
use super::unique::UniqueIds;
use super::{EventArena, History, Lead, Reading, Shape, SourceFile, required_time, rows_of};
use crate::error::InputError;
use crate::progress;

/// Loads an event-shape history.
pub fn load(
    leads_path: &Path,
    activities_path: &Path,
    reading: &Reading,
) -> Result<History, InputError> {
    let step = progress::start(format!("reading {}", leads_path.display()));
    let leads_table = Table::read(leads_path, reading.csv)?;
    let (leads, open_leads, profile_columns) = read_leads(&leads_table, reading)?;
    step.done(format!(
        "{} rows, {} closed, {} open",
        leads_table.rows(),
        leads.len(),
        open_leads
    ));

    let step = progress::start(format!("reading {}", activities_path.display()));
    let activities_table = Table::read(activities_path, reading.csv)?;
    let mut history = History {
        shape: Shape::Events,
        leads,
        events: EventArena::default(),
        id_names: Vec::new(),
        activity_types: Vec::new(),
        categorical_columns: Vec::new(),
        profile_columns,
        sources: vec![source(&leads_table), source(&activities_table)],
        open_leads,
        skipped_activities: 0,
        cutoff: Cutoff::BeforeOutcome,
    };
    read_activities(&activities_table, &reading.times, &mut history)?;
    cutoff::apply(&mut history);
    step.done(format!(
        "{} rows, {} kept, {} of open or unknown leads",
        activities_table.rows(),
        history.events.at.len(),
        history.skipped_activities
    ));
    Ok(history)
}

/// Fingerprint of a table.
fn source(table: &Table) -> SourceFile {
    SourceFile {
        path: table.path.display().to_string(),
        sha256: table.sha256.clone(),
        rows: table.rows(),
    }
}

/// Closed leads, the number of open ones, and the profile columns.
fn read_leads(
    table: &Table,
    reading: &Reading,
) -> Result<(Vec<Lead>, usize, Vec<String>), InputError> {
    let created = table.strings(leads::CREATED_AT)?;
    let outcomes = table.strings(leads::OUTCOME)?;
    let outcome_at = table.strings(leads::OUTCOME_AT)?;
    let profile: Vec<(String, String)> = table
        .column_names()
        .into_iter()
        .filter(|c| !leads::is_record_column(c.as_str()) && !leads::is_contact_column(c.as_str()))
        .map(|c| (normalize_name(&c), c))
        .collect();
    let profile_values = profile
        .iter()
        .map(|(_, c)| table.strings(c))
        .collect::<Result<Vec<_>, InputError>>()?;
    let mut closed = Vec::new();
    let mut open = 0;
    let mut ids = UniqueIds::default();
    for (row, id) in rows_of(table, leads::LEAD_ID)? {
        let id = ids.read(&table.path, leads::LEAD_ID, row, id)?;
        let times = &reading.times;
        required_time(table, times, leads::CREATED_AT, row, created.get(row - 1))?;
        let cell = outcomes.get(row - 1).unwrap_or("");
        let outcome = match reading.labels.outcome(cell) {
            Some(Outcome::Open) => {
                open += 1;
                continue;
            }
            Some(won_or_lost) => won_or_lost,
            None => {
                return Err(InputError::BadLabel {
                    path: table.path.clone(),
                    row,
                    column: leads::OUTCOME.into(),
                    value: cell.to_owned(),
                    expected: reading.labels.expected(Outcome::EXPECTED),
                });
            }
        };
        let at = outcome_at
            .get(row - 1)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| InputError::MissingOutcomeTime {
                path: table.path.clone(),
                row,
                lead: id.to_owned(),
                outcome: outcome.name().to_owned(),
            })?;
        let at = required_time(table, times, leads::OUTCOME_AT, row, Some(at))?;
        let attributes: BTreeMap<String, String> = profile
            .iter()
            .zip(&profile_values)
            .filter_map(|((key, _), values)| {
                let v = values.get(row - 1)?;
                normalize_category(v).map(|_| (key.clone(), v.to_owned()))
            })
            .collect();
        closed.push(Lead {
            id: id.to_owned(),
            won: outcome == Outcome::Won,
            outcome_at: Some(at),
            as_of: outcome_as_of(at),
            events: 0..0,
            counts: Vec::new(),
            attributes,
        });
    }
    ids.check(&table.path)?;
    Ok((
        closed,
        open,
        profile.into_iter().map(|(key, _)| key).collect(),
    ))
}

/// Reads, groups by lead and interns the activities of closed leads.
fn read_activities(
    table: &Table,
    times: &TimeFormat,
    history: &mut History,
) -> Result<(), InputError> {
    let columns = ActivityColumns::read(table)?;
    let (rows, type_index) = activity_rows(table, &columns, times, history)?;
    let (mut arena, max_ids) = group_by_lead(&rows, columns.event_ids, history);
    history.activity_types = sort_types(type_index, &mut arena);
    history.id_names = (0..max_ids).map(|i| i.to_string()).collect();
    history.events = arena;
    Ok(())
}

/// The columns of the activities table.
struct ActivityColumns<'a> {
    lead_ids: &'a StringChunked,
    types: &'a StringChunked,
    times: &'a StringChunked,
    /// `None` when the table has no `event_id` column.
    event_ids: Option<&'a StringChunked>,
}

impl<'a> ActivityColumns<'a> {
    /// The columns of `table`; a missing required column is an error.
    fn read(table: &'a Table) -> Result<Self, InputError> {
        Ok(ActivityColumns {
            lead_ids: table.strings(activities::LEAD_ID)?,
            types: table.strings(activities::ACTIVITY_TYPE)?,
            times: table.strings(activities::OCCURRED_AT)?,
            event_ids: if table.has_column(activities::EVENT_ID) {
                Some(table.strings(activities::EVENT_ID)?)
            } else {
                None
            },
        })
    }
}

/// One kept activity: lead index, interned type, time, row in the table.
type ActivityRow = (u32, u16, Timestamp, u32);

/// The activities of known (closed) leads, sorted by lead then table row,
/// with the types interned in order of appearance; the others are counted
/// as skipped.
fn activity_rows(
    table: &Table,
    columns: &ActivityColumns<'_>,
    format: &TimeFormat,
    history: &mut History,
) -> Result<(Vec<ActivityRow>, HashMap<String, u16>), InputError> {
    let index: HashMap<&str, u32> = history
        .leads
        .iter()
        .enumerate()
        .map(|(i, l)| (l.id.as_str(), i as u32))
        .collect();
    let mut type_index: HashMap<String, u16> = HashMap::new();
    let mut rows: Vec<ActivityRow> = Vec::with_capacity(table.rows());
    let (lead_ids, types, times) = (columns.lead_ids, columns.types, columns.times);
    for (i, ((lead, activity_type), at)) in lead_ids.into_iter().zip(types).zip(times).enumerate() {
        let row = i + 1;
        let Some(&lead) = lead.and_then(|l| index.get(l.trim())) else {
            history.skipped_activities += 1;
            continue;
        };
        let raw_type = activity_type
            .map(normalize_name)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| InputError::MissingValue {
                path: table.path.clone(),
                row,
                column: activities::ACTIVITY_TYPE.into(),
            })?;
        let next = type_index.len();
        let t = *type_index.entry(raw_type).or_insert(next as u16);
        let at = required_time(table, format, activities::OCCURRED_AT, row, at)?;
        rows.push((lead, t, at, i as u32));
    }
    rows.sort_unstable_by_key(|r| (r.0, r.3));
    Ok((rows, type_index))
}

/// The sorted rows as one arena, each lead's events a contiguous range with
/// its event ids numbered per lead; also the most distinct ids of a lead.
fn group_by_lead(
    rows: &[ActivityRow],
    event_ids: Option<&StringChunked>,
    history: &mut History,
) -> (EventArena, usize) {
    let mut arena = EventArena {
        types: Vec::with_capacity(rows.len()),
        at: Vec::with_capacity(rows.len()),
        ids: Vec::with_capacity(rows.len()),
    };
    let mut max_ids = 0usize;
    let mut start = 0;
    while start < rows.len() {
        let lead = rows[start].0;
        let end = start + rows[start..].iter().take_while(|r| r.0 == lead).count();
        let mut local: HashMap<&str, u32> = HashMap::new();
        for &(_, t, at, raw_row) in &rows[start..end] {
            let id = event_ids
                .and_then(|ids| ids.get(raw_row as usize))
                .map(str::trim)
                .filter(|v| !v.is_empty());
            let id = match id {
                Some(id) => {
                    let next = local.len() as u32;
                    *local.entry(id).or_insert(next)
                }
                None => u32::MAX,
            };
            arena.types.push(t);
            arena.at.push(at);
            arena.ids.push(id);
        }
        max_ids = max_ids.max(local.len());
        history.leads[lead as usize].events = start..end;
        start = end;
    }
    (arena, max_ids)
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
