//! A lead that passed its checks: the only kind the scorer takes.
//!
//! A caller's lead is checked once, where it enters ([`ValidLead::parse`]);
//! a stored lead passed the same checks when it was written, so the core
//! rebuilds it as valid without checking again ([`ValidLead::stored`]).

use std::ops::Deref;

use super::{
    Activity, FieldError, Lead, Profile, ProfileField, TextField, check_amount, check_attributes,
    check_email, check_lead_id, check_len, check_not_ahead, limits,
};
use crate::quote::quote;
use crate::time::Timestamp;

/// A [`Lead`] within every [`limits`] bound, with no activity more than
/// [`limits::MAX_FUTURE`] after the time it was checked for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValidLead(Lead);

impl ValidLead {
    /// Checks `lead` against [`limits`] and `as_of`; the error names the
    /// field by its path inside the lead (`activities[3].occurred_at`).
    pub fn parse(lead: Lead, as_of: Timestamp) -> Result<ValidLead, FieldError> {
        check_lead_id("lead_id", &lead.id)?;
        check_profile(&lead.profile)?;
        check_activities(&lead.activities, as_of)?;
        check_counts(&lead.activity_counts)?;
        Ok(ValidLead(lead))
    }

    /// A lead rebuilt from what the store kept: every part of it passed
    /// [`ValidLead::parse`]'s checks when it was written.
    pub(crate) fn stored(lead: Lead) -> ValidLead {
        ValidLead(lead)
    }

    /// The lead itself.
    pub fn into_inner(self) -> Lead {
        self.0
    }
}

impl Deref for ValidLead {
    type Target = Lead;

    fn deref(&self) -> &Lead {
        &self.0
    }
}

/// Checks a profile's fields (paths `profile.…`).
pub(crate) fn check_profile(p: &Profile) -> Result<(), FieldError> {
    // Every text before any number: the first error named stays the one
    // it always was.
    for f in ProfileField::ALL {
        if let ProfileField::Text(t) = f {
            check_len(
                format_args!("profile.{}", f.name()),
                t.get(p),
                limits::MAX_STRING_BYTES,
            )?;
        }
    }
    check_email("profile.email", TextField::Email.get(p))?;
    for f in ProfileField::ALL {
        if let ProfileField::Number(n) = f {
            check_amount(format_args!("profile.{}", f.name()), n.get(p))?;
        }
    }
    check_attributes("profile.attributes", &p.attributes)
}

fn check_activities(activities: &[Activity], as_of: Timestamp) -> Result<(), FieldError> {
    if activities.len() > limits::MAX_ACTIVITIES {
        return Err(FieldError::new(
            "activities",
            format!(
                "has {} entries, the limit is {} per lead",
                activities.len(),
                limits::MAX_ACTIVITIES
            ),
        ));
    }
    for (i, a) in activities.iter().enumerate() {
        if a.activity_type.is_empty() {
            return Err(FieldError::new(
                format!("activities[{i}].type"),
                "is required",
            ));
        }
        check_len(
            format_args!("activities[{i}].type"),
            &a.activity_type,
            limits::MAX_STRING_BYTES,
        )?;
        if let Some(id) = &a.event_id {
            check_len(
                format_args!("activities[{i}].event_id"),
                id,
                limits::MAX_STRING_BYTES,
            )?;
        }
        check_not_ahead(
            format_args!("activities[{i}].occurred_at"),
            a.occurred_at,
            as_of,
            "after as_of",
        )?;
    }
    Ok(())
}

fn check_counts(counts: &[(String, f64)]) -> Result<(), FieldError> {
    if counts.len() > limits::MAX_ACTIVITY_COUNTS {
        return Err(FieldError::new(
            "activity_counts",
            format!("has more than {} entries", limits::MAX_ACTIVITY_COUNTS),
        ));
    }
    for (t, c) in counts {
        let field = format!("activity_counts[{}]", quote(t));
        if t.is_empty() {
            return Err(FieldError::new(
                "activity_counts",
                "has an empty activity type",
            ));
        }
        check_len(&field, t, limits::MAX_STRING_BYTES)?;
        check_amount(&field, Some(*c))?;
        if *c > limits::MAX_COUNT {
            return Err(FieldError::new(
                field,
                format!("is {c}, the limit is {:e}", limits::MAX_COUNT),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_email(email: &str) -> Result<(), FieldError> {
        let p = Profile {
            email: email.into(),
            ..Profile::default()
        };
        check_profile(&p)
    }

    #[test]
    fn an_email_is_optional_bounded_and_plausibly_shaped() {
        for ok in ["", "ana@acme.com", "a.b+c@mail.example.co.uk"] {
            assert_eq!(with_email(ok), Ok(()), "{ok}");
        }
        let long = format!("{}@acme.com", "a".repeat(250));
        for bad in [
            "ana",
            "@acme.com",
            "ana@",
            "ana@acme",
            "ana@acme..com",
            "ana@b@acme.com",
            "ana maria@acme.com",
            "ana@acme.com\n",
            &long,
        ] {
            let err = with_email(bad).unwrap_err();
            assert_eq!(err.field, "profile.email", "{bad}");
            // Personal data: the refusal never repeats the address.
            assert!(bad.is_empty() || !err.reason.contains(bad), "{err:?}");
        }
    }

    #[test]
    fn contact_fields_are_bounded_like_every_text() {
        for f in ProfileField::CONTACT {
            let mut p = Profile::default();
            f.set(&mut p, "x".repeat(limits::MAX_STRING_BYTES + 1));
            let err = check_profile(&p).unwrap_err();
            assert_eq!(
                err.field,
                format!("profile.{}", ProfileField::Text(f).name())
            );
        }
    }
}
