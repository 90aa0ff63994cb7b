//! Models: the versioned files the training job writes and the service
//! serves.
//!
//! - [`file`]: the on-disk JSON format and its validation.
//! - [`linear`]: a loaded model turned into raw-unit weights that explain
//!   every score term by term.
//! - [`candidates`]: which files of a directory are model candidates.

pub mod candidates;
pub mod file;
pub mod linear;

pub use candidates::ModelDirError;
pub use file::{
    CalibrationBin, HeadlineMetrics, MODEL_FORMAT, ModelFile, ModelFileError, PointsScale,
    Standardization,
};
pub use linear::{Explanation, ExplanationForm, LinearModel, Term};
