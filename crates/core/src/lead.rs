//! The lead as the domain sees it, and the limits every lead must respect.
//!
//! The edge converts its own types and parses them once into checked
//! values ([`ValidLead`], [`NewEvent`] in an [`EventBatch`], [`LeadUpsert`]
//! in an [`UpsertBatch`]); the errors name the field by its path inside the
//! value (`activities[3].occurred_at`), prefixed with where the value sits in
//! its request. Nothing downstream checks them again.

mod event;
mod field;
mod outcome;
mod upsert;
mod valid;

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use crate::features::{ActivityRef, FeatureInput, normalize_name};
use crate::quote::quote;
use crate::time::Timestamp;

pub use event::{DERIVED_ID_PREFIX, EventBatch, EventOutcome, NewEvent, derived_event_id};
pub use field::{NumberField, ProfileField, TextField};
pub use outcome::{NewOutcome, OutcomeBatch};
pub use upsert::{FieldPath, LeadUpsert, UpsertBatch};
pub use valid::ValidLead;
pub(crate) use valid::check_profile;

/// Documented input limits.
pub mod limits {
    use crate::time::Span;

    /// Longest lead id, in bytes.
    pub const MAX_LEAD_ID_BYTES: usize = 128;
    /// Longest profile string, activity type, event id, attribute value,
    /// owner or hand-back reason, in bytes.
    pub const MAX_STRING_BYTES: usize = 256;
    /// Longest e-mail address, in bytes (RFC 5321's path limit).
    pub const MAX_EMAIL_BYTES: usize = 254;
    /// Longest model version a request may name, in bytes (versions the
    /// training job writes are 25).
    pub const MAX_VERSION_BYTES: usize = 128;
    /// Longest attribute key, in bytes.
    pub const MAX_KEY_BYTES: usize = 64;
    /// Most attributes on a profile or an activity.
    pub const MAX_ATTRIBUTES: usize = 64;
    /// Most activities on one lead: in a request, and stored (the event
    /// that would take a stored lead past it is refused).
    pub const MAX_ACTIVITIES: usize = 100_000;
    /// Most distinct pre-aggregated activity counts on one lead.
    pub const MAX_ACTIVITY_COUNTS: usize = 1_000;
    /// Most leads in one batch.
    pub const MAX_BATCH: usize = 10_000;
    /// Most events in one `RecordActivities` call.
    pub const MAX_EVENTS: usize = 10_000;
    /// Most outcomes in one `RecordOutcomes` call.
    pub const MAX_OUTCOMES: usize = 10_000;
    /// How far after `as_of` an activity may be dated (clock skew allowance).
    pub const MAX_FUTURE: Span = Span::days(1);
    /// Largest pre-aggregated activity count: with at most
    /// [`MAX_ACTIVITY_COUNTS`] of them, every feature sum stays finite.
    pub const MAX_COUNT: f64 = 1e12;
}

/// What the caller knows about one BANT criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BantStatus {
    /// Not known.
    #[default]
    Unknown,
    /// Criterion met.
    Yes,
    /// Criterion known not to be met.
    No,
}

/// Budget, authority, need, timeline.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bant {
    /// Has budget.
    pub budget: BantStatus,
    /// Has authority to buy.
    pub authority: BantStatus,
    /// Has a need we solve.
    pub need: BantStatus,
    /// Buys within the agreed timeline.
    pub timeline: BantStatus,
}

impl Bant {
    /// Number of criteria known to be met.
    pub fn met(&self) -> usize {
        [self.budget, self.authority, self.need, self.timeline]
            .iter()
            .filter(|s| **s == BantStatus::Yes)
            .count()
    }
}

/// Fit attributes of a lead; empty strings mean unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// Job title as written by the lead.
    pub job_title: String,
    /// Explicit seniority, if known (else inferred from the title).
    pub seniority: String,
    /// Department.
    pub department: String,
    /// Industry.
    pub industry: String,
    /// Country code or name.
    pub country: String,
    /// Employees.
    pub company_size: Option<f64>,
    /// Annual revenue.
    pub annual_revenue: Option<f64>,
    /// Domain of the lead's e-mail address.
    pub email_domain: String,
    /// The lead's name as people recognise it (personal data: never logged).
    pub display_name: String,
    /// The lead's company as written (personal data: never logged).
    pub company: String,
    /// The lead's e-mail address, plausibly shaped (personal data: never logged).
    pub email: String,
    /// Free-form attributes, keys normalized.
    pub attributes: BTreeMap<String, String>,
}

/// Something the lead did.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    /// Normalized activity type.
    pub activity_type: String,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// Caller's id, for de-duplication.
    pub event_id: Option<String>,
}

/// A lead to score.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lead {
    /// Caller's id.
    pub id: String,
    /// Fit attributes.
    pub profile: Profile,
    /// BANT qualification.
    pub bant: Bant,
    /// Timestamped activities.
    pub activities: Vec<Activity>,
    /// Pre-aggregated totals per normalized type.
    pub activity_counts: Vec<(String, f64)>,
}

/// A field that breaks the rules, named by its path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    /// Path of the field, e.g. `activities[3].occurred_at`.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FieldError {
    /// A new error on `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The same error with `prefix.` in front of the path.
    pub fn within(self, prefix: &str) -> FieldError {
        FieldError {
            field: format!("{prefix}.{}", self.field),
            reason: self.reason,
        }
    }
}

/// Refuses a time more than [`limits::MAX_FUTURE`] (the clock-skew
/// allowance) after `reference`; `relation` names the reference in the
/// message ("after as_of", "in the future"). Activities, events and
/// outcomes share this one bound.
pub fn check_not_ahead(
    field: impl std::fmt::Display,
    at: Timestamp,
    reference: Timestamp,
    relation: &str,
) -> Result<(), FieldError> {
    if at <= reference.saturating_add(limits::MAX_FUTURE) {
        return Ok(());
    }
    let days = at.since(reference).as_days_f64();
    Err(FieldError::new(
        field.to_string(),
        format!("is {days:.1} days {relation}; at most 1 day of clock skew is accepted"),
    ))
}

/// Checks a string's length (inlined: it runs twice per activity).
#[inline]
pub fn check_len(field: impl std::fmt::Display, value: &str, max: usize) -> Result<(), FieldError> {
    if value.len() > max {
        return Err(FieldError::new(
            field.to_string(),
            format!("is {} bytes long, the limit is {max}", value.len()),
        ));
    }
    Ok(())
}

/// Checks an e-mail address, when one is given, for a plausible shape:
/// one `@` between a local part of at most 64 bytes and a dotted domain,
/// no spaces or control characters, at most [`limits::MAX_EMAIL_BYTES`].
/// The message never repeats the address (personal data).
pub(crate) fn check_email(field: impl std::fmt::Display, value: &str) -> Result<(), FieldError> {
    if value.is_empty() {
        return Ok(());
    }
    check_len(&field, value, limits::MAX_EMAIL_BYTES)?;
    let plausible = value.split_once('@').is_some_and(|(local, domain)| {
        let labels_ok = domain.split('.').all(|l| !l.is_empty());
        !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && labels_ok
            && !domain.contains('@')
    }) && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if !plausible {
        return Err(FieldError::new(
            field.to_string(),
            "is not an e-mail address (expected name@example.com)",
        ));
    }
    Ok(())
}

fn check_amount(field: impl std::fmt::Display, value: Option<f64>) -> Result<(), FieldError> {
    match value {
        Some(v) if !v.is_finite() || v < 0.0 => Err(FieldError::new(
            field.to_string(),
            format!("must be a finite number >= 0, got {v}"),
        )),
        _ => Ok(()),
    }
}

/// Checks a lead id: required, at most [`limits::MAX_LEAD_ID_BYTES`], and
/// without leading or trailing whitespace.
///
/// Surrounding whitespace is refused, not trimmed: an id is the caller's
/// key, compared byte for byte by every later call. Trimming would
/// silently turn `" WS1 "` into `"WS1"`, merging two keys of the source
/// system into one lead and answering with an id the caller never sent;
/// refusing tells the caller at once, on every RPC that takes a lead id.
pub fn check_lead_id(field: &str, id: &str) -> Result<(), FieldError> {
    if id.trim().is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    check_len(field, id, limits::MAX_LEAD_ID_BYTES)?;
    if id.trim() != id {
        return Err(FieldError::new(
            field,
            format!(
                "{} has leading or trailing whitespace; ids are matched exactly, send it without",
                quote(id)
            ),
        ));
    }
    Ok(())
}

/// Checks an attribute map (profile or activity) against [`limits`].
pub fn check_attributes(
    field: &str,
    attributes: &BTreeMap<String, String>,
) -> Result<(), FieldError> {
    if attributes.len() > limits::MAX_ATTRIBUTES {
        return Err(FieldError::new(
            field,
            format!(
                "has {} entries, the limit is {}",
                attributes.len(),
                limits::MAX_ATTRIBUTES
            ),
        ));
    }
    for (k, v) in attributes {
        if k.is_empty() {
            return Err(FieldError::new(field, "has an empty key"));
        }
        check_len(
            format_args!("{field}[{}]", quote(k)),
            k,
            limits::MAX_KEY_BYTES,
        )?;
        check_len(
            format_args!("{field}[{}]", quote(k)),
            v,
            limits::MAX_STRING_BYTES,
        )?;
    }
    Ok(())
}

impl Lead {
    /// Borrowed views of the activities for the feature code.
    pub fn activity_refs(&self) -> Vec<ActivityRef<'_>> {
        self.activities
            .iter()
            .map(|a| ActivityRef {
                activity_type: &a.activity_type,
                occurred_at: a.occurred_at,
                event_id: a.event_id.as_deref(),
            })
            .collect()
    }

    /// Borrowed views of the pre-aggregated counts.
    pub fn count_refs(&self) -> Vec<(&str, f64)> {
        self.activity_counts
            .iter()
            .map(|(t, c)| (t.as_str(), *c))
            .collect()
    }

    /// Runs `f` with this lead's feature input as of `as_of`.
    pub fn with_feature_input<R>(
        &self,
        as_of: Timestamp,
        f: impl FnOnce(&FeatureInput<'_>) -> R,
    ) -> R {
        let activities = self.activity_refs();
        let counts = self.count_refs();
        f(&FeatureInput {
            activities: &activities,
            counts: &counts,
            attributes: &self.profile.attributes,
            as_of,
        })
    }
}

/// Normalizes an attribute map's keys (see [`crate::features::normalize_name`]).
/// Two keys that normalize alike (`"Lead Source"`, `"lead_source"`) are
/// refused on `field`, both named: keeping either value would silently
/// drop the other.
pub fn normalize_attributes(
    field: &str,
    raw: impl IntoIterator<Item = (String, String)>,
) -> Result<BTreeMap<String, String>, FieldError> {
    // Normalized key -> (key as sent, value), to name both keys of a collision.
    let mut by_normal: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (key, value) in raw {
        match by_normal.entry(normalize_name(&key)) {
            Entry::Occupied(e) => return Err(collision(field, &e.get().0, &key, e.key())),
            Entry::Vacant(e) => {
                e.insert((key, value));
            }
        }
    }
    Ok(by_normal.into_iter().map(|(k, (_, v))| (k, v)).collect())
}

/// Two keys `a`, `b` both normalized to `normal` (named in a stable order,
/// whatever order the map arrived in).
fn collision(field: &str, a: &str, b: &str, normal: &str) -> FieldError {
    let (first, second) = if a <= b { (a, b) } else { (b, a) };
    FieldError::new(
        field,
        format!(
            "keys {} and {} are the same attribute {} once normalized; send one",
            quote(first),
            quote(second),
            quote(normal)
        ),
    )
}
