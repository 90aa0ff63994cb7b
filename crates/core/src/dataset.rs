//! The event-shape dataset: the files `leadscore export` writes and
//! `leadscore-train` reads (CSV or Parquet with these column names).
//!
//! - [`leads`]: one row per lead: [`leads::FIXED`] (the id, the dates, the
//!   outcome), [`leads::BANT`], then profile columns (the export writes the
//!   profile's fields, then one column per attribute key, [`leads::header`];
//!   training and the import take every column not fixed and not a profile
//!   field as a profile attribute).
//! - [`activities`]: one row per activity, [`activities::COLUMNS`].
//! - [`Outcome`]: how a lead ended, spelled in the `outcome` column.
//!
//! - [`rows`]: one row of either file read back into domain types (the
//!   import), checked once with errors naming the column.
//!
//! Both sides name columns and outcomes only through this module, so the
//! format is written down once.

pub mod rows;

use crate::lead::{BantStatus, ProfileField};

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
    /// BANT: has budget ([`bant_cell`](super::bant_cell) spells it).
    pub const BANT_BUDGET: &str = "bant_budget";
    /// BANT: has authority to buy.
    pub const BANT_AUTHORITY: &str = "bant_authority";
    /// BANT: has a need we solve.
    pub const BANT_NEED: &str = "bant_need";
    /// BANT: buys within the agreed timeline.
    pub const BANT_TIMELINE: &str = "bant_timeline";
    /// The columns every leads file has, first in file order.
    pub const FIXED: [&str; 4] = [LEAD_ID, CREATED_AT, OUTCOME, OUTCOME_AT];
    /// The BANT columns (optional), after [`FIXED`] in the export.
    pub const BANT: [&str; 4] = [BANT_BUDGET, BANT_AUTHORITY, BANT_NEED, BANT_TIMELINE];

    /// Whether `column` is one of the record's, not of the profile
    /// ([`FIXED`] or [`BANT`]): training reads no such column as a profile
    /// attribute (qualification reads BANT; the model never learned from it).
    pub fn is_record_column(column: &str) -> bool {
        FIXED.contains(&column) || BANT.contains(&column)
    }

    /// Whether `column` is a contact field's ([`ProfileField::CONTACT`]):
    /// personal data, one value per person, so training neither learns
    /// from it nor reports its values.
    pub fn is_contact_column(column: &str) -> bool {
        ProfileField::CONTACT
            .into_iter()
            .any(|f| ProfileField::Text(f).name() == column)
    }

    /// The header the export writes: [`FIXED`], [`BANT`], every profile field, then
    /// one column per attribute key in `attribute_keys` (sorted, distinct,
    /// none a fixed or profile column name).
    pub fn header<'a>(attribute_keys: &'a [String]) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = FIXED
            .into_iter()
            .chain(BANT)
            .chain(ProfileField::names())
            .collect();
        out.extend(attribute_keys.iter().map(String::as_str));
        out
    }

    /// Whether `column` is a fixed or profile field column (so an
    /// attribute with that key cannot be a column of its own).
    pub fn is_named(column: &str) -> bool {
        is_record_column(column) || ProfileField::names().any(|n| n == column)
    }
}

/// The cell of a BANT column: `yes`, `no`, or empty when unknown.
pub fn bant_cell(status: BantStatus) -> &'static str {
    match status {
        BantStatus::Yes => "yes",
        BantStatus::No => "no",
        BantStatus::Unknown => "",
    }
}

/// The BANT status a cell spells (`yes`, `no`, `unknown` or empty, any
/// case, surrounding space ignored).
pub fn parse_bant(cell: &str) -> Option<BantStatus> {
    let cell = cell.trim();
    [
        ("yes", BantStatus::Yes),
        ("no", BantStatus::No),
        ("unknown", BantStatus::Unknown),
        ("", BantStatus::Unknown),
    ]
    .into_iter()
    .find(|(name, _)| name.eq_ignore_ascii_case(cell))
    .map(|(_, s)| s)
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
            leads::header(&["lead_source".to_owned()]),
            [
                "lead_id",
                "created_at",
                "outcome",
                "outcome_at",
                "bant_budget",
                "bant_authority",
                "bant_need",
                "bant_timeline",
                "job_title",
                "seniority",
                "department",
                "industry",
                "country",
                "company_size",
                "annual_revenue",
                "email_domain",
                "display_name",
                "company",
                "email",
                "lead_source"
            ]
        );
        assert_eq!(
            activities::COLUMNS,
            ["lead_id", "activity_type", "occurred_at", "event_id"]
        );
    }

    #[test]
    fn bant_cells_read_back_as_written() {
        for s in [BantStatus::Yes, BantStatus::No, BantStatus::Unknown] {
            assert_eq!(parse_bant(bant_cell(s)), Some(s));
        }
        assert_eq!(parse_bant(" Unknown "), Some(BantStatus::Unknown));
        assert_eq!(parse_bant("maybe"), None);
        assert!(leads::is_named("bant_need") && leads::is_named("job_title"));
        assert!(!leads::is_named("lead_source"));
        assert!(leads::is_record_column("bant_budget") && !leads::is_record_column("job_title"));
        assert!(leads::is_contact_column("email") && leads::is_contact_column("display_name"));
        assert!(!leads::is_contact_column("email_domain"));
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
