//! One row of the event-shape files read back into domain types: a
//! leads row into a [`LeadRecord`], an activities row into a checked
//! [`NewEvent`]. Columns are found by name in the header once
//! ([`LeadColumns`], [`ActivityColumns`]); every cell is checked here,
//! and a refusal names its column.

use super::{Outcome, activities, leads, parse_bant};
use crate::handoff::{HandOff, LeadRecord};
use crate::lead::{
    Bant, BantStatus, FieldError, NewEvent, Profile, ProfileField, check_lead_id, check_not_ahead,
    check_profile, derived_event_id, normalize_attributes,
};
use crate::quote::quote;
use crate::time::Timestamp;

/// Source name of the ids derived for imported activities without an
/// `event_id` ([`derived_event_id`]).
pub const IMPORT_SOURCE: &str = "import";

/// Where a header names `column` (exactly, as the export writes it).
fn find(header: &[&str], column: &str) -> Option<usize> {
    header.iter().position(|c| *c == column)
}

fn require(header: &[&str], column: &str) -> Result<usize, FieldError> {
    find(header, column).ok_or_else(|| FieldError::new(column, "column is missing from the header"))
}

fn cell<'a>(cells: &[&'a str], i: usize) -> &'a str {
    cells.get(i).copied().unwrap_or("")
}

fn time(column: &str, text: &str) -> Result<Timestamp, FieldError> {
    Timestamp::parse_rfc3339(text)
        .map_err(|e| FieldError::new(column, format!("{e} (RFC 3339 expected)")))
}

/// The columns of a leads header.
#[derive(Debug, Clone)]
pub struct LeadColumns {
    id: usize,
    created_at: usize,
    outcome: usize,
    outcome_at: Option<usize>,
    bant: [Option<usize>; 4],
    profile: Vec<(ProfileField, usize)>,
    /// Normalized attribute key and its column.
    attributes: Vec<(String, usize)>,
}

impl LeadColumns {
    /// Finds the columns: `lead_id`, `created_at` and `outcome` are
    /// required; every column not fixed and not a profile field is an
    /// attribute, its key normalized (two headers normalizing alike, or
    /// to a fixed or profile column's name, are refused).
    pub fn new(header: &[&str]) -> Result<LeadColumns, FieldError> {
        let profile = ProfileField::ALL
            .into_iter()
            .filter_map(|f| find(header, f.name()).map(|i| (f, i)))
            .collect();
        let others = header
            .iter()
            .enumerate()
            .filter(|(_, c)| !leads::is_named(c))
            .map(|(i, c)| ((*c).to_owned(), i.to_string()));
        let mut attributes = Vec::new();
        for (key, i) in normalize_attributes("header", others)? {
            if leads::is_named(&key) {
                return Err(FieldError::new(
                    "header",
                    format!(
                        "an attribute column normalizes to {}, a fixed or profile column; rename it",
                        quote(&key)
                    ),
                ));
            }
            // The value carried through the one collision rule is the column's
            // index, written just above: it always parses back.
            attributes.push((key, i.parse().unwrap_or(usize::MAX)));
        }
        let bant = leads::BANT.map(|c| find(header, c));
        Ok(LeadColumns {
            id: require(header, leads::LEAD_ID)?,
            created_at: require(header, leads::CREATED_AT)?,
            outcome: require(header, leads::OUTCOME)?,
            outcome_at: find(header, leads::OUTCOME_AT),
            bant,
            profile,
            attributes,
        })
    }

    /// The lead of one row, as it would be stored, checked against `now`:
    /// created then, its outcome (won or lost with `outcome_at`, or open
    /// with none), BANT, profile fields and attributes (an empty cell is
    /// unknown). It holds no score yet.
    pub fn lead(&self, cells: &[&str], now: Timestamp) -> Result<LeadRecord, FieldError> {
        let id = cell(cells, self.id);
        check_lead_id(leads::LEAD_ID, id)?;
        let created_at = time(leads::CREATED_AT, cell(cells, self.created_at))?;
        check_not_ahead(leads::CREATED_AT, created_at, now, "in the future")?;
        let mut rec = LeadRecord::new(id, created_at);
        rec.updated_at = now;
        rec.profile = self.profile(cells)?;
        check_profile(&rec.profile)?;
        rec.bant = self.bant(cells)?;
        let outcome_cell = cell(cells, self.outcome);
        let outcome = Outcome::parse(outcome_cell).ok_or_else(|| {
            FieldError::new(
                leads::OUTCOME,
                format!("{} is not {}", quote(outcome_cell), Outcome::EXPECTED),
            )
        })?;
        let at = self.outcome_at.map(|i| cell(cells, i).trim()).unwrap_or("");
        match (outcome, at.is_empty()) {
            (Outcome::Open, true) => {}
            (Outcome::Open, false) => {
                return Err(FieldError::new(
                    leads::OUTCOME_AT,
                    "is set on an open lead; leave it empty or give the outcome",
                ));
            }
            (_, true) => {
                return Err(FieldError::new(
                    leads::OUTCOME_AT,
                    "is required when won or lost",
                ));
            }
            (won_or_lost, false) => {
                // Not checked against `created_at`: a store's lead may be
                // closed before the store first saw it (older history
                // recorded later), and what it holds must read back.
                let at = time(leads::OUTCOME_AT, at)?;
                check_not_ahead(leads::OUTCOME_AT, at, now, "in the future")?;
                rec.hand_off = match won_or_lost {
                    Outcome::Won => HandOff::Won,
                    _ => HandOff::Lost,
                };
                rec.outcome_at = Some(at);
            }
        }
        Ok(rec)
    }

    fn profile(&self, cells: &[&str]) -> Result<Profile, FieldError> {
        let mut p = Profile::default();
        for &(f, i) in &self.profile {
            let c = cell(cells, i);
            match f {
                ProfileField::Text(t) => t.set(&mut p, c.to_owned()),
                ProfileField::Number(n) if c.trim().is_empty() => n.set(&mut p, None),
                ProfileField::Number(n) => {
                    let v = c.trim().parse::<f64>().map_err(|_| {
                        FieldError::new(f.name(), format!("{} is not a number", quote(c)))
                    })?;
                    n.set(&mut p, Some(v));
                }
            }
        }
        for (key, i) in &self.attributes {
            let c = cell(cells, *i);
            if !c.is_empty() {
                p.attributes.insert(key.clone(), c.to_owned());
            }
        }
        Ok(p)
    }

    fn bant(&self, cells: &[&str]) -> Result<Bant, FieldError> {
        let mut out = [BantStatus::Unknown; 4];
        for ((slot, column), name) in out.iter_mut().zip(self.bant).zip(leads::BANT) {
            let Some(i) = column else { continue };
            let c = cell(cells, i);
            *slot = parse_bant(c).ok_or_else(|| {
                FieldError::new(name, format!("{} is not yes, no or empty", quote(c)))
            })?;
        }
        let [budget, authority, need, timeline] = out;
        Ok(Bant {
            budget,
            authority,
            need,
            timeline,
        })
    }
}

/// The columns of an activities header (`event_id` optional).
#[derive(Debug, Clone, Copy)]
pub struct ActivityColumns {
    lead_id: usize,
    activity_type: usize,
    occurred_at: usize,
    event_id: Option<usize>,
}

impl ActivityColumns {
    /// Finds the columns; all but `event_id` are required.
    pub fn new(header: &[&str]) -> Result<ActivityColumns, FieldError> {
        Ok(ActivityColumns {
            lead_id: require(header, activities::LEAD_ID)?,
            activity_type: require(header, activities::ACTIVITY_TYPE)?,
            occurred_at: require(header, activities::OCCURRED_AT)?,
            event_id: find(header, activities::EVENT_ID),
        })
    }

    /// The event of one row, checked against `now` like a
    /// `RecordActivities` event; an empty or absent `event_id` is derived
    /// from the row ([`derived_event_id`] with source [`IMPORT_SOURCE`]).
    pub fn event(&self, cells: &[&str], now: Timestamp) -> Result<NewEvent, FieldError> {
        let lead_id = cell(cells, self.lead_id);
        let activity_type = cell(cells, self.activity_type);
        let at = time(activities::OCCURRED_AT, cell(cells, self.occurred_at))?;
        let given = self.event_id.map(|i| cell(cells, i)).unwrap_or("");
        let event_id = if given.is_empty() {
            derived_event_id(IMPORT_SOURCE, lead_id, activity_type, at)
        } else {
            given.to_owned()
        };
        NewEvent::parse(
            event_id,
            lead_id.to_owned(),
            activity_type.to_owned(),
            at,
            now,
        )
        .map_err(|e| match e.field.as_str() {
            "type" => FieldError::new(activities::ACTIVITY_TYPE, e.reason),
            _ => e,
        })
    }
}
