//! What an import did with each file: rows read, recorded, duplicate and
//! rejected, with the first few reasons, as the command prints it.

use std::fmt;

use crate::lead::EventOutcome;

/// Reasons kept per file (the rest are counted only).
pub const FIRST_REASONS: usize = 10;

/// One file's counts so far (progress) or in all (the summary).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSummary {
    /// Data rows read (the header not counted).
    pub read: usize,
    /// Rows stored by this run.
    pub recorded: usize,
    /// Rows already stored (by an earlier run, or earlier in the file).
    pub duplicate: usize,
    /// Rows refused, nothing stored.
    pub rejected: usize,
    /// The first [`FIRST_REASONS`] refusals, each naming its line and column.
    pub first_reasons: Vec<String>,
}

impl FileSummary {
    /// Counts one row's outcome; `line` names it in a refusal.
    pub fn count(&mut self, outcome: &EventOutcome, line: impl FnOnce() -> String) {
        match outcome {
            EventOutcome::Recorded => self.recorded += 1,
            EventOutcome::Duplicate => self.duplicate += 1,
            EventOutcome::Rejected(why) => {
                self.rejected += 1;
                if self.first_reasons.len() < FIRST_REASONS {
                    self.first_reasons.push(format!("{}: {why}", line()));
                }
            }
        }
    }
}

impl fmt::Display for FileSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} rows read, {} recorded, {} duplicate, {} rejected",
            self.read, self.recorded, self.duplicate, self.rejected
        )
    }
}

/// Both files' summaries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// The leads file (empty when none was given).
    pub leads: FileSummary,
    /// The activities file (empty when none was given).
    pub activities: FileSummary,
}
