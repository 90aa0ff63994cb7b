//! The wide shape: one row per lead, as many CRM exports look.
//!
//! Count columns become undecayed activity counts; categorical columns are
//! one-hot encoded by the shared feature code (values case-folded, `Select`,
//! empty, `NA` … are missing). Columns are classified from the flags, and
//! columns no flag names are auto-detected: numeric when every present
//! value parses as a number, categorical otherwise. A missing count means
//! "no recorded activity" (0), as in the service. An auto-detected column
//! with a different value on every filled row (an id, see [`is_id_like`])
//! is refused unless a flag names it.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use leadscore_core::features::{normalize_category, normalize_name};
use leadscore_core::time::Timestamp;
use polars::prelude::StringChunked;

use super::labels::Labels;
use super::table::Table;
use super::unique::UniqueIds;
use super::{EventArena, History, InputArgs, Lead, Reading, Shape, SourceFile, rows_of};
use crate::error::InputError;
use crate::progress;

/// Loads a wide-shape history.
pub fn load(path: &Path, args: &InputArgs, reading: &Reading) -> Result<History, InputError> {
    let step = progress::start(format!("reading {}", path.display()));
    let table = Table::read(path, reading.csv)?;
    let id_column = args.id_column.clone().unwrap_or_default();
    let label_column = args.label_column.clone().unwrap_or_default();
    let (activity_columns, categorical_columns) =
        classify(&table, args, &id_column, &label_column)?;

    let count_values = activity_columns
        .iter()
        .map(|c| table.strings(c))
        .collect::<Result<Vec<_>, InputError>>()?;
    let category_values = categorical_columns
        .iter()
        .map(|c| table.strings(c))
        .collect::<Result<Vec<_>, InputError>>()?;
    let categorical_keys: Vec<String> = categorical_columns
        .iter()
        .map(|c| normalize_name(c))
        .collect();
    let labels = table.strings(&label_column)?;
    let mut leads = Vec::with_capacity(table.rows());
    let mut ids = UniqueIds::default();
    for (row, id) in rows_of(&table, &id_column)? {
        let id = ids.read(&table.path, &id_column, row, id)?;
        let won = label(
            &table,
            &reading.labels,
            &label_column,
            row,
            labels.get(row - 1),
        )?;
        let counts = counts(&table, row, &count_values, &activity_columns)?;
        let attributes: BTreeMap<String, String> = category_values
            .iter()
            .zip(&categorical_keys)
            .filter_map(|(values, key)| {
                let v = values.get(row - 1)?;
                normalize_category(v).map(|_| (key.clone(), v.to_owned()))
            })
            .collect();
        leads.push(Lead {
            id: id.to_owned(),
            won,
            outcome_at: None,
            as_of: Timestamp::UNIX_EPOCH,
            events: 0..0,
            counts,
            attributes,
        });
    }
    ids.check(&table.path)?;
    step.done(format!(
        "{} rows, {} count columns, {} categorical columns",
        table.rows(),
        activity_columns.len(),
        categorical_columns.len()
    ));
    Ok(History {
        shape: Shape::Wide,
        leads,
        events: EventArena::default(),
        id_names: Vec::new(),
        activity_types: activity_columns.iter().map(|c| normalize_name(c)).collect(),
        categorical_columns: categorical_keys.clone(),
        profile_columns: categorical_keys,
        sources: vec![SourceFile {
            path: table.path.display().to_string(),
            sha256: table.sha256.clone(),
            rows: table.rows(),
        }],
        open_leads: 0,
        skipped_activities: 0,
        cutoff: super::cutoff::Cutoff::NoTimes,
    })
}

/// Won or lost ([`Labels`]): the label cell of `row`.
fn label(
    table: &Table,
    labels: &Labels,
    column: &str,
    row: usize,
    raw: Option<&str>,
) -> Result<bool, InputError> {
    let raw = raw.unwrap_or("");
    labels.won(raw).ok_or_else(|| InputError::BadLabel {
        path: table.path.clone(),
        row,
        column: column.to_owned(),
        value: raw.to_owned(),
        expected: labels.expected("0/1 or won/lost"),
    })
}

/// The present counts of `row`, by count-column index.
fn counts(
    table: &Table,
    row: usize,
    values: &[&StringChunked],
    columns: &[String],
) -> Result<Vec<(u16, f64)>, InputError> {
    let mut counts = Vec::new();
    for (t, (values, column)) in values.iter().zip(columns).enumerate() {
        let raw = values.get(row - 1).unwrap_or("");
        if normalize_category(raw).is_none() {
            continue;
        }
        match raw.trim().parse::<f64>() {
            Ok(c) if c.is_finite() && c >= 0.0 => counts.push((t as u16, c)),
            _ => {
                return Err(InputError::BadCount {
                    path: table.path.clone(),
                    row,
                    column: column.clone(),
                    value: raw.to_owned(),
                });
            }
        }
    }
    Ok(counts)
}

/// Splits the columns into (count columns, categorical columns).
fn classify(
    table: &Table,
    args: &InputArgs,
    id_column: &str,
    label_column: &str,
) -> Result<(Vec<String>, Vec<String>), InputError> {
    for c in args
        .activity_columns
        .iter()
        .chain(&args.categorical_columns)
        .chain(&args.exclude_columns)
    {
        table.strings(c)?;
    }
    let listed = |c: &str, list: &[String]| list.iter().any(|l| l.trim() == c);
    let mut activities = Vec::new();
    let mut categorical = Vec::new();
    for column in table.column_names() {
        let c = column.as_str();
        if c == id_column.trim() || c == label_column.trim() || listed(c, &args.exclude_columns) {
            continue;
        }
        if listed(c, &args.activity_columns) {
            activities.push(column);
        } else if listed(c, &args.categorical_columns) {
            categorical.push(column);
        } else {
            refuse_id_like(table, c)?;
            if is_numeric(table, c)? {
                activities.push(column);
            } else {
                categorical.push(column);
            }
        }
    }
    if activities.is_empty() && categorical.is_empty() {
        return Err(InputError::Flags(format!(
            "{}: no feature columns left after excluding the id, label and --exclude-columns",
            table.path.display()
        )));
    }
    Ok((activities, categorical))
}

/// Fewest filled rows for a column of distinct values to count as an id.
pub const ID_MIN_ROWS: usize = 20;

/// Refuses a column [`is_id_like`].
fn refuse_id_like(table: &Table, column: &str) -> Result<(), InputError> {
    match is_id_like(table, column)? {
        Some(rows) => Err(InputError::IdLikeColumn {
            path: table.path.clone(),
            column: column.to_owned(),
            rows,
        }),
        None => Ok(()),
    }
}

/// The filled rows of a column when it looks like an id: no value repeats,
/// and it is filled on at least half the rows and [`ID_MIN_ROWS`].
fn is_id_like(table: &Table, column: &str) -> Result<Option<usize>, InputError> {
    let mut seen = HashSet::new();
    for v in table.strings(column)?.into_iter().flatten() {
        if let Some(value) = normalize_category(v)
            && !seen.insert(value)
        {
            return Ok(None);
        }
    }
    let filled = seen.len();
    Ok((filled >= ID_MIN_ROWS && filled * 2 >= table.rows()).then_some(filled))
}

/// Whether every present value of a column is a number (and one is present).
fn is_numeric(table: &Table, column: &str) -> Result<bool, InputError> {
    let mut any = false;
    for v in table.strings(column)?.into_iter().flatten() {
        if normalize_category(v).is_none() {
            continue;
        }
        if v.trim().parse::<f64>().is_err() {
            return Ok(false);
        }
        any = true;
    }
    Ok(any)
}
