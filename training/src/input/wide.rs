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
//!
//! The file is read in chunks; every feature column is kept as codes into
//! its distinct values ([`AttributeColumn`]) until the columns are
//! classified, so the text is never held whole.

use std::path::Path;

use leadscore_core::features::normalize_name;
use leadscore_core::time::Timestamp;

use super::attributes::{ABSENT, AttributeColumn, Attributes};
use super::labels::Labels;
use super::memory;
use super::sample;
use super::table::Table;
use super::unique::UniqueIds;
use super::{EventArena, History, InputArgs, Lead, Reading, Shape, SourceFile};
use crate::error::InputError;
use crate::progress;

/// Loads a wide-shape history.
pub fn load(path: &Path, args: &InputArgs, reading: &Reading) -> Result<History, InputError> {
    let step = progress::start(format!("reading {}", path.display()));
    let mut table = Table::open(path, reading.csv, reading.chunk_rows)?;
    let estimate = memory::wide_estimate(
        table.rows(),
        table.column_names().len(),
        reading.sample.map(|s| s.0),
    );
    memory::check(estimate, reading.max_memory)?;
    let id_column = args.id_column.clone().unwrap_or_default();
    let label_column = args.label_column.clone().unwrap_or_default();
    for c in args
        .activity_columns
        .iter()
        .chain(&args.categorical_columns)
        .chain(&args.exclude_columns)
    {
        table.column(c)?;
    }
    let (mut leads, columns) =
        read_rows(&mut table, &reading.labels, &id_column, &label_column, args)?;
    let (activity_columns, categorical) = classify(&table, args, columns)?;
    add_counts(&table.path, &activity_columns, &mut leads)?;
    let activity_names: Vec<String> = activity_columns.iter().map(|c| c.key.clone()).collect();
    let mut attributes = Attributes {
        columns: categorical
            .into_iter()
            .map(|mut c| {
                c.key = normalize_name(&c.key);
                c
            })
            .collect(),
    };
    attributes.finish();
    step.done(format!(
        "{} rows, {} count columns, {} categorical columns",
        table.rows(),
        activity_names.len(),
        attributes.columns.len()
    ));
    let mut history = History {
        shape: Shape::Wide,
        leads,
        events: EventArena::default(),
        id_names: Vec::new(),
        activity_types: activity_names.iter().map(|c| normalize_name(c)).collect(),
        categorical_columns: attributes.keys(),
        attributes,
        sample: None,
        sources: vec![SourceFile {
            path: table.path.display().to_string(),
            sha256: table.sha256.clone(),
            rows: table.rows(),
        }],
        open_leads: 0,
        skipped_activities: 0,
        cutoff: super::cutoff::Cutoff::NoTimes,
    };
    if let Some((n, seed)) = reading.sample {
        sample::apply(&mut history, n, seed);
    }
    Ok(history)
}

/// Every row as a lead (id and label checked) and every feature column
/// (not the id, the label or excluded), keyed by its name as in the file.
fn read_rows(
    table: &mut Table,
    labels: &Labels,
    id_column: &str,
    label_column: &str,
    args: &InputArgs,
) -> Result<(Vec<Lead>, Vec<AttributeColumn>), InputError> {
    let id = table.column(id_column)?;
    let label = table.column(label_column)?;
    let listed = |c: &str, list: &[String]| list.iter().any(|l| l.trim() == c);
    let feature_columns: Vec<(usize, String)> = table
        .column_names()
        .into_iter()
        .enumerate()
        .filter(|(i, c)| *i != id && *i != label && !listed(c, &args.exclude_columns))
        .collect();
    let mut columns: Vec<AttributeColumn> = feature_columns
        .iter()
        .map(|(_, c)| AttributeColumn::new(c.clone()))
        .collect();
    let mut leads = Vec::with_capacity(table.rows());
    let mut ids = UniqueIds::default();
    let path = table.path.clone();
    table.for_each_chunk(|chunk| {
        for r in 0..chunk.len() {
            let row = chunk.row_number(r);
            let lead_id = ids.read(&path, id_column, row, chunk.get(r, id))?;
            let raw = chunk.get(r, label).unwrap_or("");
            let won = labels.won(raw).ok_or_else(|| InputError::BadLabel {
                path: path.clone(),
                row,
                column: label_column.to_owned(),
                value: raw.to_owned(),
                expected: labels.expected("0/1 or won/lost"),
            })?;
            for (column, (c, _)) in columns.iter_mut().zip(&feature_columns) {
                column.push(chunk.get(r, *c));
            }
            leads.push(Lead {
                id: lead_id.to_owned(),
                won,
                outcome_at: None,
                as_of: Timestamp::UNIX_EPOCH,
                events: 0..0,
                counts: Vec::new(),
            });
        }
        Ok(())
    })?;
    ids.check(&path)?;
    Ok((leads, columns))
}

/// Sets every lead's counts from the count columns (their index is the
/// activity type); a value that is not a non-negative number is refused
/// at its first row.
fn add_counts(
    path: &Path,
    columns: &[AttributeColumn],
    leads: &mut [Lead],
) -> Result<(), InputError> {
    for (t, column) in columns.iter().enumerate() {
        let parsed: Vec<Option<f64>> = column
            .values()
            .iter()
            .map(|v| {
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|c| c.is_finite() && *c >= 0.0)
            })
            .collect();
        for (i, lead) in leads.iter_mut().enumerate() {
            let code = column.code(i);
            if code == ABSENT {
                continue;
            }
            let count = parsed[code as usize].ok_or_else(|| InputError::BadCount {
                path: path.to_owned(),
                row: i + 1,
                column: column.key.clone(),
                value: column.values()[code as usize].clone(),
            })?;
            lead.counts.push((t as u16, count));
        }
    }
    leads.iter_mut().for_each(|l| l.counts.shrink_to_fit());
    Ok(())
}

/// Splits the feature columns into (count columns, categorical columns).
fn classify(
    table: &Table,
    args: &InputArgs,
    columns: Vec<AttributeColumn>,
) -> Result<(Vec<AttributeColumn>, Vec<AttributeColumn>), InputError> {
    let listed = |c: &str, list: &[String]| list.iter().any(|l| l.trim() == c);
    let mut activities = Vec::new();
    let mut categorical = Vec::new();
    for column in columns {
        let c = column.key.as_str();
        if listed(c, &args.activity_columns) {
            activities.push(column);
        } else if listed(c, &args.categorical_columns) {
            categorical.push(column);
        } else {
            refuse_id_like(table, &column)?;
            if is_numeric(&column) {
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
fn refuse_id_like(table: &Table, column: &AttributeColumn) -> Result<(), InputError> {
    match is_id_like(column, table.rows()) {
        Some(rows) => Err(InputError::IdLikeColumn {
            path: table.path.clone(),
            column: column.key.clone(),
            rows,
        }),
        None => Ok(()),
    }
}

/// The filled rows of a column when it looks like an id: no (normalized)
/// value repeats, and it is filled on at least half the `rows` and
/// [`ID_MIN_ROWS`].
fn is_id_like(column: &AttributeColumn, rows: usize) -> Option<usize> {
    let (levels, of_lead) = column.levels();
    let mut seen = vec![false; levels.len()];
    let mut filled = 0;
    for level in of_lead.into_iter().filter(|&l| l != ABSENT) {
        if std::mem::replace(&mut seen[level as usize], true) {
            return None;
        }
        filled += 1;
    }
    (filled >= ID_MIN_ROWS && filled * 2 >= rows).then_some(filled)
}

/// Whether every present value of a column is a number (and one is present).
fn is_numeric(column: &AttributeColumn) -> bool {
    let values = column.values();
    !values.is_empty() && values.iter().all(|v| v.trim().parse::<f64>().is_ok())
}
