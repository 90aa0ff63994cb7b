//! Partial updates of a lead's profile and BANT (`UpsertLeads`).
//!
//! Without a mask, every non-empty value of the update overwrites the
//! stored one and the rest is kept (so a caller that only knows the title
//! sends only the title). With a mask, exactly the named fields are written
//! from the update, empty or not, so a field can be cleared.

use std::sync::LazyLock;

use super::event::check_batch_len;
use super::valid::check_profile;
use crate::lead::{Bant, BantStatus, FieldError, Profile, ProfileField, check_lead_id, limits};
use crate::quote::quote;

/// A field path of the update mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldPath {
    /// The whole profile.
    Profile,
    /// The whole BANT.
    Bant,
    /// `profile.NAME`: one fixed field of the profile.
    ProfileField(ProfileField),
    /// `profile.attributes`.
    Attributes,
    /// `bant.budget`.
    Budget,
    /// `bant.authority`.
    Authority,
    /// `bant.need`.
    Need,
    /// `bant.timeline`.
    Timeline,
}

/// Every path with its spelling, in the order an error lists them; the
/// profile's fields come from their one list.
static PATHS: LazyLock<Vec<(String, FieldPath)>> = LazyLock::new(|| {
    let named = |name: &str, path| (name.to_owned(), path);
    [
        named("profile", FieldPath::Profile),
        named("bant", FieldPath::Bant),
    ]
    .into_iter()
    .chain(ProfileField::ALL.map(|f| (format!("profile.{}", f.name()), FieldPath::ProfileField(f))))
    .chain([
        named("profile.attributes", FieldPath::Attributes),
        named("bant.budget", FieldPath::Budget),
        named("bant.authority", FieldPath::Authority),
        named("bant.need", FieldPath::Need),
        named("bant.timeline", FieldPath::Timeline),
    ])
    .collect()
});

impl FieldPath {
    /// Parses a mask path; `field` names it in the error.
    pub fn parse(field: &str, path: &str) -> Result<FieldPath, FieldError> {
        PATHS
            .iter()
            .find(|(name, _)| name == path)
            .map(|(_, p)| *p)
            .ok_or_else(|| {
                let known: Vec<&str> = PATHS.iter().map(|(n, _)| n.as_str()).collect();
                FieldError::new(
                    field,
                    format!("unknown path {}; known: {}", quote(path), known.join(", ")),
                )
            })
    }
}

/// One lead's update, checked: the lead id by its rule and the profile
/// within [`limits`]. Only [`LeadUpsert::new`] builds one.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadUpsert {
    lead_id: String,
    profile: Profile,
    bant: Bant,
    mask: Option<Vec<FieldPath>>,
}

impl LeadUpsert {
    /// Checks one update; errors name the field inside the update
    /// (`profile.title`). `mask` names the fields to write; `None` writes
    /// every non-empty value.
    pub fn new(
        lead_id: String,
        profile: Profile,
        bant: Bant,
        mask: Option<Vec<FieldPath>>,
    ) -> Result<LeadUpsert, FieldError> {
        check_lead_id("lead_id", &lead_id)?;
        check_profile(&profile)?;
        Ok(LeadUpsert {
            lead_id,
            profile,
            bant,
            mask,
        })
    }

    /// Lead to create or update.
    pub fn lead_id(&self) -> &str {
        &self.lead_id
    }
}

/// One `UpsertLeads` batch: at most [`limits::MAX_BATCH`] checked updates.
#[derive(Debug, Clone, PartialEq)]
pub struct UpsertBatch(Vec<LeadUpsert>);

impl UpsertBatch {
    /// Refuses more than [`limits::MAX_BATCH`] entries before parsing any,
    /// then parses each with `parse` (given its index); the first refusal
    /// refuses the batch, named by the entry's place (`leads[2].lead_id`).
    pub fn parse<T>(
        raw: Vec<T>,
        mut parse: impl FnMut(usize, T) -> Result<LeadUpsert, FieldError>,
    ) -> Result<UpsertBatch, FieldError> {
        check_batch_len("leads", "leads", raw.len(), limits::MAX_BATCH)?;
        raw.into_iter()
            .enumerate()
            .map(|(i, r)| parse(i, r).map_err(|e| e.within(&format!("leads[{i}]"))))
            .collect::<Result<_, _>>()
            .map(UpsertBatch)
    }

    /// The updates, in request order.
    pub fn updates(&self) -> &[LeadUpsert] {
        &self.0
    }
}

fn keep_status(old: &mut BantStatus, new: BantStatus) {
    if new != BantStatus::Unknown {
        *old = new;
    }
}

impl LeadUpsert {
    /// Applies the update to the stored profile and BANT.
    pub fn apply(&self, profile: &mut Profile, bant: &mut Bant) {
        let (p, b) = (&self.profile, &self.bant);
        let Some(mask) = &self.mask else {
            for f in ProfileField::ALL {
                f.copy_known(p, profile);
            }
            for (k, v) in &p.attributes {
                profile.attributes.insert(k.clone(), v.clone());
            }
            keep_status(&mut bant.budget, b.budget);
            keep_status(&mut bant.authority, b.authority);
            keep_status(&mut bant.need, b.need);
            keep_status(&mut bant.timeline, b.timeline);
            return;
        };
        for path in mask {
            match path {
                FieldPath::Profile => p.clone_into(profile),
                FieldPath::Bant => b.clone_into(bant),
                FieldPath::ProfileField(f) => f.copy(p, profile),
                FieldPath::Attributes => p.attributes.clone_into(&mut profile.attributes),
                FieldPath::Budget => bant.budget = b.budget,
                FieldPath::Authority => bant.authority = b.authority,
                FieldPath::Need => bant.need = b.need,
                FieldPath::Timeline => bant.timeline = b.timeline,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored() -> (Profile, Bant) {
        let profile = Profile {
            job_title: "CTO".into(),
            seniority: "c_level".into(),
            department: "IT".into(),
            industry: "Software".into(),
            country: "US".into(),
            company_size: Some(500.0),
            annual_revenue: Some(2e7),
            email_domain: "acme.com".into(),
            display_name: "Ana Silva".into(),
            company: "Acme".into(),
            email: "ana@acme.com".into(),
            attributes: [("source".to_owned(), "ads".to_owned())].into(),
        };
        let bant = Bant {
            budget: BantStatus::Yes,
            ..Bant::default()
        };
        (profile, bant)
    }

    fn upsert(profile: Profile, mask: Option<&[&str]>) -> LeadUpsert {
        let mask = mask.map(|m| {
            m.iter()
                .map(|p| FieldPath::parse("f", p).unwrap())
                .collect()
        });
        LeadUpsert {
            lead_id: "L1".into(),
            profile,
            bant: Bant::default(),
            mask,
        }
    }

    #[test]
    fn an_unknown_path_lists_every_known_one_in_order() {
        let err = FieldPath::parse("f", "profile.shoe_size").unwrap_err();
        assert_eq!(err.field, "f");
        assert_eq!(
            err.reason,
            "unknown path \"profile.shoe_size\"; known: profile, bant, profile.job_title, \
             profile.seniority, profile.department, profile.industry, profile.country, \
             profile.company_size, profile.annual_revenue, profile.email_domain, \
             profile.display_name, profile.company, profile.email, profile.attributes, bant.budget, bant.authority, bant.need, bant.timeline"
        );
    }

    #[test]
    fn a_masked_field_is_written_even_empty_and_nothing_else_is() {
        let (before, bant) = stored();
        for path in [
            "profile.job_title",
            "profile.company_size",
            "profile.email_domain",
            "profile.email",
        ] {
            let (mut profile, mut b) = (before.clone(), bant.clone());
            upsert(Profile::default(), Some(&[path])).apply(&mut profile, &mut b);
            let mut expected = before.clone();
            match path {
                "profile.job_title" => expected.job_title.clear(),
                "profile.company_size" => expected.company_size = None,
                "profile.email" => expected.email.clear(),
                _ => expected.email_domain.clear(),
            }
            assert_eq!(profile, expected, "{path}");
            assert_eq!(b, bant);
        }
    }

    #[test]
    fn without_a_mask_only_known_values_overwrite() {
        let (before, bant) = stored();
        let (mut profile, mut b) = (before.clone(), bant.clone());
        let update = Profile {
            industry: "Retail".into(),
            annual_revenue: Some(1e6),
            ..Profile::default()
        };
        upsert(update, None).apply(&mut profile, &mut b);
        let expected = Profile {
            industry: "Retail".into(),
            annual_revenue: Some(1e6),
            ..before
        };
        assert_eq!(profile, expected);
        assert_eq!(b, bant);
    }
}
