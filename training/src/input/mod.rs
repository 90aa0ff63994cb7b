//! Training history in either shape, loaded into one in-memory form.
//!
//! - [`table`]: CSV / Parquet files read in chunks of text rows, in the
//!   [`charset`] and with the [`delimiter`] of the file; a missing column
//!   names the [`nearest`] ones.
//! - [`arena`]: activity rows grouped by lead into the compact
//!   [`EventArena`]; [`attributes`]: profile values stored once.
//! - [`memory`]: the peak-memory estimate and `--max-memory`;
//!   [`sample`]: `--sample-leads`.
//! - [`timestamp`]: the accepted timestamp formats (and `--date-format`).
//! - [`labels`]: the spellings of won and lost.
//! - [`event_shape`]: the event shape (leads + activities).
//! - [`wide`]: the wide shape (one row per lead with count columns).
//! - [`unique`]: both shapes refuse a lead id on more than one row.
//! - [`cutoff`]: when a lead's features stop (the leakage rule).
//!
//! Only *closed* leads become rows. Each lead carries the time its features
//! are computed for (`as_of`): in the event shape one microsecond before
//! its outcome — or before its outcome's day when the activity times are
//! whole days — so nothing that happened at or after the outcome is seen.

pub mod arena;
pub mod attributes;
pub mod charset;
pub mod cutoff;
pub mod delimiter;
pub mod event_shape;
pub mod labels;
pub mod memory;
pub mod nearest;
pub mod sample;
pub mod table;
pub mod timestamp;
pub mod unique;
pub mod wide;

use std::ops::Range;
use std::path::{Path, PathBuf};

use clap::Args;
use leadscore_core::features::{ActivityRef, CompiledFeatures, FeatureInput};
use leadscore_core::time::Timestamp;
use serde::Serialize;

use self::attributes::Attributes;
use self::charset::Encoding;
use self::labels::Labels;
use self::sample::Sample;
use self::table::{CsvFormat, DEFAULT_CHUNK_ROWS};
use self::timestamp::TimeFormat;
use crate::error::InputError;

/// Input flags shared by `fit` and `evaluate`.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Event shape: leads table (lead_id, created_at, outcome, outcome_at, profile columns…).
    #[arg(long, requires = "activities", conflicts_with = "wide")]
    pub leads: Option<PathBuf>,
    /// Event shape: activities table (lead_id, activity_type, occurred_at[, event_id]).
    #[arg(long, requires = "leads")]
    pub activities: Option<PathBuf>,
    /// Wide shape: one row per lead with activity-count and categorical columns.
    #[arg(long, requires_all = ["id_column", "label_column"])]
    pub wide: Option<PathBuf>,
    /// Wide shape: column holding the lead id.
    #[arg(long)]
    pub id_column: Option<String>,
    /// Wide shape: column holding the label (0/1 or won/lost).
    #[arg(long)]
    pub label_column: Option<String>,
    /// Wide shape: count columns (default: every numeric column not otherwise listed).
    #[arg(long, value_delimiter = ',')]
    pub activity_columns: Vec<String>,
    /// Wide shape: one-hot encoded columns (default: every non-numeric column not otherwise listed).
    #[arg(long, value_delimiter = ',')]
    pub categorical_columns: Vec<String>,
    /// Wide shape: columns to ignore (ids, columns that leak the label).
    #[arg(long, value_delimiter = ',')]
    pub exclude_columns: Vec<String>,
    /// CSV field delimiter, one character or `tab` (default: sniffed from
    /// the header line among `,` `;` tab `|`).
    #[arg(long, value_parser = delimiter_arg)]
    pub delimiter: Option<u8>,
    /// Text encoding of CSV files (a UTF-8 byte-order mark is always skipped).
    #[arg(long, value_enum, default_value_t = Encoding::Utf8)]
    pub encoding: Encoding,
    /// A label / outcome value meaning won, case-insensitive (repeatable),
    /// besides 1, true, yes, y, won, closed won.
    #[arg(long = "positive-label", value_name = "VALUE")]
    pub positive_labels: Vec<String>,
    /// A label / outcome value meaning lost, case-insensitive (repeatable),
    /// besides 0, false, no, n, lost, closed lost.
    #[arg(long = "negative-label", value_name = "VALUE")]
    pub negative_labels: Vec<String>,
    /// strftime pattern tried first for every timestamp (e.g. `%m/%d/%Y`,
    /// `%d.%m.%Y %H:%M`); without an offset (`%z`) times are UTC.
    #[arg(long, value_name = "FMT")]
    pub date_format: Option<String>,
    /// Rows read from a file at a time (memory for text is bounded by one
    /// chunk being parsed and one being converted).
    #[arg(long, default_value_t = DEFAULT_CHUNK_ROWS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub chunk_rows: usize,
    /// Refuse to start when the estimated peak memory is above this
    /// (e.g. `8GB`, `512MB`, `0.5TB`; default: 80 % of the machine's
    /// memory, from /proc/meminfo).
    #[arg(long, value_name = "SIZE", value_parser = memory::parse_size)]
    pub max_memory: Option<u64>,
    /// Train on a random sample of this many closed leads, stratified by
    /// outcome (the won share is kept); their activities only are read.
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub sample_leads: Option<usize>,
    /// Seed of `--sample-leads` (the same seed picks the same leads).
    #[arg(long, default_value_t = 1)]
    pub sample_seed: u64,
}

/// How the input files are read, from [`InputArgs`].
#[derive(Debug, Clone)]
pub struct Reading {
    /// Delimiter and encoding of CSV files.
    pub csv: CsvFormat,
    /// Accepted timestamp forms.
    pub times: TimeFormat,
    /// Spellings of won and lost.
    pub labels: Labels,
    /// Rows read at a time.
    pub chunk_rows: usize,
    /// The memory limit, if any (`--max-memory` or the default share).
    pub max_memory: Option<u64>,
    /// `--sample-leads` with its seed.
    pub sample: Option<(usize, u64)>,
}

/// `--delimiter`: one ASCII character other than a quote or line break,
/// or `tab` / `\t`.
fn delimiter_arg(raw: &str) -> Result<u8, String> {
    match raw {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ => match raw.as_bytes() {
            [b] if b.is_ascii() && !matches!(b, b'"' | b'\n' | b'\r') => Ok(*b),
            _ => Err(format!(
                "{raw:?} is not one ASCII character (use e.g. ';', '|' or tab)"
            )),
        },
    }
}

/// Which shape the history came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// Leads + timestamped activities.
    Events,
    /// One row per lead with counts.
    Wide,
}

/// One closed lead (a training row).
#[derive(Debug, Clone)]
pub struct Lead {
    /// The lead id from the file.
    pub id: String,
    /// Whether it was won.
    pub won: bool,
    /// Outcome time (event shape only).
    pub outcome_at: Option<Timestamp>,
    /// Time features are computed for (outcome − 1 µs; 0 in the wide shape).
    pub as_of: Timestamp,
    /// This lead's slice of [`History::events`].
    pub events: Range<usize>,
    /// Counts per index into [`History::activity_types`] (wide shape).
    pub counts: Vec<(u16, f64)>,
}

/// Timestamped activities of all leads, grouped by lead (struct of arrays).
#[derive(Debug, Clone, Default)]
pub struct EventArena {
    /// Index into [`History::activity_types`].
    pub types: Vec<u16>,
    /// When it happened.
    pub at: Vec<Timestamp>,
    /// Event id, interned per lead (index into [`History::id_names`]), or
    /// `u32::MAX` when the row had none.
    pub ids: Vec<u32>,
}

impl EventArena {
    /// Bytes its vectors hold (their capacity).
    pub fn bytes(&self) -> usize {
        self.types.capacity() * size_of::<u16>()
            + self.at.capacity() * size_of::<Timestamp>()
            + self.ids.capacity() * size_of::<u32>()
    }
}

/// An input file and its fingerprint.
#[derive(Debug, Clone, Serialize)]
pub struct SourceFile {
    /// Path as given.
    pub path: String,
    /// Hex SHA-256 of its bytes.
    pub sha256: String,
    /// Data rows.
    pub rows: usize,
}

/// The loaded training history.
#[derive(Debug, Clone)]
pub struct History {
    /// Input shape.
    pub shape: Shape,
    /// Closed leads, in file order.
    pub leads: Vec<Lead>,
    /// Activities of those leads.
    pub events: EventArena,
    /// Per-lead event-id names (`"0"`, `"1"`, …) shared by all leads.
    pub id_names: Vec<String>,
    /// Normalized activity types (event shape) or count columns (wide).
    pub activity_types: Vec<String>,
    /// Normalized keys of one-hot candidate columns (wide shape).
    pub categorical_columns: Vec<String>,
    /// Profile columns (event shape) or categorical columns (wide), per
    /// lead: the profile-lift table and the one-hot features read them.
    pub attributes: Attributes,
    /// The `--sample-leads` sample, when the history is one.
    pub sample: Option<Sample>,
    /// Input files.
    pub sources: Vec<SourceFile>,
    /// Leads skipped because they are still open.
    pub open_leads: usize,
    /// Activity rows dropped because their lead is open or unknown.
    pub skipped_activities: usize,
    /// Where each lead's features stop.
    pub cutoff: cutoff::Cutoff,
}

impl InputArgs {
    /// How cells are read; a contradictory flag is refused.
    pub fn reading(&self) -> Result<Reading, InputError> {
        Ok(Reading {
            csv: CsvFormat {
                delimiter: self.delimiter,
                encoding: self.encoding,
            },
            times: TimeFormat::new(self.date_format.as_deref()).map_err(InputError::Flags)?,
            labels: Labels::new(&self.positive_labels, &self.negative_labels)
                .map_err(InputError::Flags)?,
            chunk_rows: self.chunk_rows,
            max_memory: self.max_memory.or_else(memory::default_limit),
            sample: self.sample_leads.map(|n| (n, self.sample_seed)),
        })
    }

    /// Loads the history the flags describe.
    pub fn load(&self) -> Result<History, InputError> {
        let reading = self.reading()?;
        match (&self.leads, &self.activities, &self.wide) {
            (Some(leads), Some(activities), None) => {
                event_shape::load(leads, activities, &reading)
            }
            (None, None, Some(path)) => wide::load(path, self, &reading),
            _ => Err(InputError::Flags(
                "give either --leads FILE --activities FILE (event shape) or --wide FILE --id-column C \
                 --label-column C (wide shape)"
                    .into(),
            )),
        }
    }
}

impl History {
    /// Number of won leads.
    pub fn won(&self) -> usize {
        self.leads.iter().filter(|l| l.won).count()
    }

    /// Labels in lead order.
    pub fn labels(&self) -> Vec<bool> {
        self.leads.iter().map(|l| l.won).collect()
    }

    /// Outcome times when every lead has one (enables the out-of-time test).
    pub fn outcome_times(&self) -> Option<Vec<Timestamp>> {
        self.leads.iter().map(|l| l.outcome_at).collect()
    }

    /// Profile columns' normalized keys, for the profile-lift table.
    pub fn profile_columns(&self) -> Vec<String> {
        self.attributes.keys()
    }

    /// Runs `f` on the feature input of lead `i`, as the service would see it
    /// at the lead's `as_of`.
    pub fn with_input<R>(&self, i: usize, f: impl FnOnce(&FeatureInput<'_>) -> R) -> R {
        self.input_of(i, |_| true, f)
    }

    /// [`Self::with_input`] with only the attributes `compiled` has
    /// indicators for: the others cannot change its features, and building
    /// them for every lead and every grid point would cost more than the
    /// features.
    pub fn with_input_for<R>(
        &self,
        i: usize,
        compiled: &CompiledFeatures,
        f: impl FnOnce(&FeatureInput<'_>) -> R,
    ) -> R {
        let categorical = &compiled.spec().categorical;
        self.input_of(i, |key| categorical.iter().any(|c| c.attribute == key), f)
    }

    /// The feature input of lead `i` with the attribute columns `wanted` accepts.
    fn input_of<R>(
        &self,
        i: usize,
        wanted: impl Fn(&str) -> bool,
        f: impl FnOnce(&FeatureInput<'_>) -> R,
    ) -> R {
        let lead = &self.leads[i];
        let activities: Vec<ActivityRef<'_>> = lead
            .events
            .clone()
            .map(|e| ActivityRef {
                activity_type: &self.activity_types[usize::from(self.events.types[e])],
                occurred_at: self.events.at[e],
                event_id: self
                    .id_names
                    .get(self.events.ids[e] as usize)
                    .map(String::as_str),
            })
            .collect();
        let counts: Vec<(&str, f64)> = lead
            .counts
            .iter()
            .map(|&(t, c)| (self.activity_types[usize::from(t)].as_str(), c))
            .collect();
        f(&FeatureInput {
            activities: &activities,
            counts: &counts,
            attributes: &self.attributes.of_lead(i, wanted),
            as_of: lead.as_of,
        })
    }
}

/// Parses a required timestamp cell of data row `row` of `path`.
pub fn required_time(
    path: &Path,
    times: &TimeFormat,
    column: &str,
    row: usize,
    v: Option<&str>,
) -> Result<Timestamp, InputError> {
    let v = v
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| InputError::MissingValue {
            path: path.to_owned(),
            row,
            column: column.to_owned(),
        })?;
    times.parse(v).ok_or_else(|| InputError::BadTimestamp {
        path: path.to_owned(),
        row,
        column: column.to_owned(),
        value: v.to_owned(),
        expected: times.described(),
    })
}
