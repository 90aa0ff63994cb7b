//! Human-readable output, every table through [`super::table::Table`] and
//! every enum and time through [`super::words`]:
//!
//! - [`score`]: a score with its criteria and contributions that add up.
//! - [`leads`]: the prioritized list, one lead with its history, the line
//!   a hand-off prints, the line of a watched change.
//! - [`models`]: model lists and cards, activation and shadow answers.
//! - [`health`]: pipeline health with deciles and calibration.

pub mod health;
pub mod leads;
pub mod models;
pub mod score;
