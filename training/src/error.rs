//! Errors of the training job, one enum per concern, each saying what to do
//! next. [`TrainError`] gathers them for `main`.

use std::path::PathBuf;

/// Problems with the input files: the user fixes the file or the flags.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}; check the path and permissions")]
    Read {
        /// File that failed.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The extension does not say CSV or Parquet.
    #[error("{path}: unknown file type; use a .csv or .parquet file")]
    UnknownFormat {
        /// File that failed.
        path: PathBuf,
    },
    /// The CSV / Parquet reader refused the file.
    #[error("{path} is not a readable table: {reason}")]
    Malformed {
        /// File that failed.
        path: PathBuf,
        /// What the reader said.
        reason: String,
    },
    /// The file has no data rows.
    #[error("{path} is empty: it needs a header and at least one data row")]
    Empty {
        /// File that failed.
        path: PathBuf,
    },
    /// A required column is absent.
    #[error(
        "{path} has no column {column:?}{hint} (columns are: {available}); rename the column or pass the right name"
    )]
    MissingColumn {
        /// File that failed.
        path: PathBuf,
        /// Column that is needed.
        column: String,
        /// `; did you mean "…"?` with the nearest names, or empty.
        hint: String,
        /// Columns that exist, comma separated.
        available: String,
    },
    /// A CSV file declared (or defaulted to) UTF-8 is not.
    #[error(
        "{path}, line {line}, byte column {byte_column}: invalid UTF-8; the file is probably \
         in another encoding: pass --encoding windows-1252 (Excel on Windows) or --encoding latin-1"
    )]
    InvalidUtf8 {
        /// File that failed.
        path: PathBuf,
        /// 1-based line (the header is line 1).
        line: usize,
        /// 1-based byte within the line.
        byte_column: usize,
    },
    /// A timestamp could not be parsed.
    #[error(
        "{path}, row {row}, column {column:?}: cannot parse timestamp {value:?}; use {expected}"
    )]
    BadTimestamp {
        /// File that failed.
        path: PathBuf,
        /// 1-based data row (the header is row 0).
        row: usize,
        /// Column of the value.
        column: String,
        /// The value.
        value: String,
        /// The accepted forms.
        expected: String,
    },
    /// A label is not one of the accepted spellings.
    #[error("{path}, row {row}, column {column:?}: label {value:?} is not {expected}")]
    BadLabel {
        /// File that failed.
        path: PathBuf,
        /// 1-based data row.
        row: usize,
        /// Column of the value.
        column: String,
        /// The value.
        value: String,
        /// The accepted values.
        expected: String,
    },
    /// A count column holds something that is not a non-negative number.
    #[error(
        "{path}, row {row}, column {column:?}: {value:?} is not a non-negative count; fix it or pass the column in --categorical-columns / --exclude-columns"
    )]
    BadCount {
        /// File that failed.
        path: PathBuf,
        /// 1-based data row.
        row: usize,
        /// Column of the value.
        column: String,
        /// The value.
        value: String,
    },
    /// The run would need more memory than `--max-memory` allows.
    #[error(
        "training on {leads} leads and {events} activity rows needs about {estimate} of memory at \
         its peak, more than the limit of {limit} (--max-memory, default 80 % of this machine's \
         memory); pass --sample-leads {sample} (or fewer) to train on a stratified sample that \
         fits, or run on a machine with more memory and raise --max-memory"
    )]
    TooBig {
        /// Lead rows that would be kept.
        leads: usize,
        /// Activity rows (wide: cells) that would be kept.
        events: usize,
        /// The estimate.
        estimate: String,
        /// The limit.
        limit: String,
        /// The largest sample that fits.
        sample: usize,
    },
    /// A value that must be present is missing.
    #[error("{path}, row {row}, column {column:?}: value is missing")]
    MissingValue {
        /// File that failed.
        path: PathBuf,
        /// 1-based data row.
        row: usize,
        /// Column of the value.
        column: String,
    },
    /// Lead ids on more than one row (the rows named, see `input::unique`).
    #[error("{path}: {summary}; keep one row per lead")]
    RepeatedIds {
        /// File that failed.
        path: PathBuf,
        /// How many ids repeat, on how many rows, the first few with their rows.
        summary: String,
    },
    /// A closed lead has no usable outcome time.
    #[error(
        "{path}, row {row}: lead {lead} is {outcome} but `outcome_at` is empty; fill it in or mark the lead open"
    )]
    MissingOutcomeTime {
        /// File that failed.
        path: PathBuf,
        /// 1-based data row.
        row: usize,
        /// Lead id.
        lead: String,
        /// `won` or `lost`.
        outcome: String,
    },
    /// An auto-detected wide column has a different value on every row.
    #[error(
        "{path}: column {column:?} has a different value on each of its {rows} filled rows, like an id; \
         a model learns nothing from it that carries over to new leads. Pass it in --exclude-columns, \
         or name it in --categorical-columns (or --activity-columns for a number) to use it anyway"
    )]
    IdLikeColumn {
        /// File that failed.
        path: PathBuf,
        /// The column.
        column: String,
        /// Its filled rows.
        rows: usize,
    },
    /// Command-line flags contradict each other or the file.
    #[error("{0}")]
    Flags(String),
}

/// The data cannot support a model: the user collects more history or
/// lowers the limit knowingly.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// Too few closed leads of one class.
    #[error(
        "not enough closed leads to train: {won} won and {lost} lost, at least {min} of each are needed; \
         wait for more outcomes, or pass --min-per-class N to accept a less reliable model"
    )]
    TooFewOutcomes {
        /// Won leads found.
        won: usize,
        /// Lost leads found.
        lost: usize,
        /// Required per class.
        min: usize,
    },
    /// No feature survived the filters.
    #[error(
        "no usable feature: no activity type or category level occurs in at least {min} leads \
         (levels also need {min} leads without them); lower --min-feature-leads or check the columns"
    )]
    NoFeatures {
        /// The `--min-feature-leads` value.
        min: usize,
    },
    /// A hyper-parameter is out of range.
    #[error("invalid setting: {0}")]
    Setting(String),
}

/// The optimizer failed.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// linfa-logistic returned an error.
    #[error("logistic regression fit failed: {0}; check for constant or extreme columns")]
    Linfa(String),
}

/// Writing model files or reports failed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file could not be written.
    #[error("cannot write {path}: {source}; check that the directory exists and is writable")]
    Write {
        /// File that failed.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The target file exists already (models are never overwritten).
    #[error("{path} exists already; models are never overwritten, retry to get a new version")]
    Exists {
        /// File that exists.
        path: PathBuf,
    },
    /// A plot could not be drawn.
    #[error("cannot draw {path}: {reason}")]
    Plot {
        /// Image that failed.
        path: PathBuf,
        /// What the plotting library said.
        reason: String,
    },
    /// The model to evaluate could not be loaded.
    #[error(transparent)]
    Model(#[from] leadscore_core::model::ModelFileError),
    /// The fitted model is one the service would refuse (e.g. weights that
    /// fold to infinity): nothing is written.
    #[error(
        "the fitted model is not servable: {reason}; nothing was written. Try a stronger \
         regularization (smaller --c-grid values) or drop near-constant columns"
    )]
    Unservable {
        /// What the service's model check said.
        reason: String,
    },
}

/// Any error of the training job.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Bad input.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Not enough or unusable data.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Optimizer failure.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// Output failure.
    #[error(transparent)]
    Output(#[from] OutputError),
}
