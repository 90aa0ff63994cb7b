//! The event-shape dataset: the files `leadscore export` writes and
//! `leadscore-train` reads (CSV or Parquet with these column names).
//!
//! - [`leads`]: one row per lead: [`leads::FIXED`], then profile columns
//!   (the export writes the profile's fields, [`leads::header`]; training
//!   takes every other column as a profile attribute).
//! - [`activities`]: one row per activity, [`activities::COLUMNS`].
//! - [`Outcome`]: how a lead ended, spelled in the `outcome` column.
//!
//! Both sides name columns and outcomes only through this module, so the
//! format is written down once.

use crate::lead::ProfileField;

/// The leads table.
pub mod leads {
    use super::ProfileField;

    /// File name the export writes.
    pub const FILE: &str = "leads.csv";
    /// The lead's id.
    pub const LEAD_ID: &str = "lead_id";
    /// When the lead was first seen.
    pub const CREATED_AT: &str = "created_at";
    /// How it ended so far ([`Outcome`](super::Outcome)).
    pub const OUTCOME: &str = "outcome";
    /// When it was won or lost; empty while open.
    pub const OUTCOME_AT: &str = "outcome_at";
    /// The columns that are not profile columns, first in file order.
    pub const FIXED: [&str; 4] = [LEAD_ID, CREATED_AT, OUTCOME, OUTCOME_AT];

    /// The header the export writes: [`FIXED`], then every profile field.
    pub fn header() -> Vec<&'static str> {
        FIXED.into_iter().chain(ProfileField::names()).collect()
    }
}

/// The activities table.
pub mod activities {
    /// File name the export writes.
    pub const FILE: &str = "activities.csv";
    /// The lead it belongs to.
    pub const LEAD_ID: &str = "lead_id";
    /// What the lead did.
    pub const ACTIVITY_TYPE: &str = "activity_type";
    /// When.
    pub const OCCURRED_AT: &str = "occurred_at";
    /// The caller's event id (optional column; empty when unknown).
    pub const EVENT_ID: &str = "event_id";
    /// Every column, in file order.
    pub const COLUMNS: [&str; 4] = [LEAD_ID, ACTIVITY_TYPE, OCCURRED_AT, EVENT_ID];
}

/// How a lead ended, as the `outcome` column spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Won: a positive training row.
    Won,
    /// Lost: a negative training row.
    Lost,
    /// Not closed yet: not a training row.
    Open,
}

impl Outcome {
    /// Every outcome, in the order errors list them.
    pub const ALL: [Outcome; 3] = [Outcome::Won, Outcome::Lost, Outcome::Open];
    /// The accepted spellings, for error messages.
    pub const EXPECTED: &str = "won, lost or open";

    /// Its spelling.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Won => "won",
            Outcome::Lost => "lost",
            Outcome::Open => "open",
        }
    }

    /// The outcome spelled `cell` (ignoring case and surrounding space).
    pub fn parse(cell: &str) -> Option<Outcome> {
        let cell = cell.trim();
        Outcome::ALL
            .into_iter()
            .find(|o| o.name().eq_ignore_ascii_case(cell))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_formats_keep_their_columns() {
        assert_eq!(
            leads::header(),
            [
                "lead_id",
                "created_at",
                "outcome",
                "outcome_at",
                "job_title",
                "seniority",
                "department",
                "industry",
                "country",
                "company_size",
                "annual_revenue",
                "email_domain"
            ]
        );
        assert_eq!(
            activities::COLUMNS,
            ["lead_id", "activity_type", "occurred_at", "event_id"]
        );
    }

    #[test]
    fn outcomes_parse_in_any_case_and_the_expected_text_lists_them_all() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.name()), Some(o));
            assert_eq!(
                Outcome::parse(&format!(" {} ", o.name().to_uppercase())),
                Some(o)
            );
        }
        assert_eq!(Outcome::parse("closed"), None);
        assert_eq!(Outcome::parse(""), None);
        let names: Vec<&str> = Outcome::ALL.map(Outcome::name).to_vec();
        assert_eq!(
            Outcome::EXPECTED,
            format!("{}, {} or {}", names[0], names[1], names[2])
        );
    }
}
