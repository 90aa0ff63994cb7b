//! Partial updates of a lead's profile and BANT (`UpsertLeads`).
//!
//! Without a mask, every non-empty value of the update overwrites the
//! stored one and the rest is kept (so a caller that only knows the title
//! sends only the title). With a mask, exactly the named fields are written
//! from the update, empty or not, so a field can be cleared.

use crate::lead::{Bant, BantStatus, FieldError, Profile};
use crate::quote::quote;

/// A field path of the update mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldPath {
    /// The whole profile.
    Profile,
    /// The whole BANT.
    Bant,
    /// `profile.job_title`.
    JobTitle,
    /// `profile.seniority`.
    Seniority,
    /// `profile.department`.
    Department,
    /// `profile.industry`.
    Industry,
    /// `profile.country`.
    Country,
    /// `profile.company_size`.
    CompanySize,
    /// `profile.annual_revenue`.
    AnnualRevenue,
    /// `profile.email_domain`.
    EmailDomain,
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

impl FieldPath {
    /// Every path with its spelling.
    const ALL: [(&'static str, FieldPath); 15] = [
        ("profile", FieldPath::Profile),
        ("bant", FieldPath::Bant),
        ("profile.job_title", FieldPath::JobTitle),
        ("profile.seniority", FieldPath::Seniority),
        ("profile.department", FieldPath::Department),
        ("profile.industry", FieldPath::Industry),
        ("profile.country", FieldPath::Country),
        ("profile.company_size", FieldPath::CompanySize),
        ("profile.annual_revenue", FieldPath::AnnualRevenue),
        ("profile.email_domain", FieldPath::EmailDomain),
        ("profile.attributes", FieldPath::Attributes),
        ("bant.budget", FieldPath::Budget),
        ("bant.authority", FieldPath::Authority),
        ("bant.need", FieldPath::Need),
        ("bant.timeline", FieldPath::Timeline),
    ];

    /// Parses a mask path; `field` names it in the error.
    pub fn parse(field: &str, path: &str) -> Result<FieldPath, FieldError> {
        FieldPath::ALL
            .iter()
            .find(|(name, _)| *name == path)
            .map(|(_, p)| *p)
            .ok_or_else(|| {
                let known: Vec<&str> = FieldPath::ALL.iter().map(|(n, _)| *n).collect();
                FieldError::new(
                    field,
                    format!("unknown path {}; known: {}", quote(path), known.join(", ")),
                )
            })
    }
}

/// One lead's update.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadUpsert {
    /// Lead to create or update.
    pub lead_id: String,
    /// New profile values.
    pub profile: Profile,
    /// New BANT values.
    pub bant: Bant,
    /// Fields to write; `None`: every non-empty value.
    pub mask: Option<Vec<FieldPath>>,
}

fn keep_or(old: &mut String, new: &str) {
    if !new.is_empty() {
        new.clone_into(old);
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
            keep_or(&mut profile.job_title, &p.job_title);
            keep_or(&mut profile.seniority, &p.seniority);
            keep_or(&mut profile.department, &p.department);
            keep_or(&mut profile.industry, &p.industry);
            keep_or(&mut profile.country, &p.country);
            keep_or(&mut profile.email_domain, &p.email_domain);
            profile.company_size = p.company_size.or(profile.company_size);
            profile.annual_revenue = p.annual_revenue.or(profile.annual_revenue);
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
                FieldPath::JobTitle => p.job_title.clone_into(&mut profile.job_title),
                FieldPath::Seniority => p.seniority.clone_into(&mut profile.seniority),
                FieldPath::Department => p.department.clone_into(&mut profile.department),
                FieldPath::Industry => p.industry.clone_into(&mut profile.industry),
                FieldPath::Country => p.country.clone_into(&mut profile.country),
                FieldPath::CompanySize => profile.company_size = p.company_size,
                FieldPath::AnnualRevenue => profile.annual_revenue = p.annual_revenue,
                FieldPath::EmailDomain => p.email_domain.clone_into(&mut profile.email_domain),
                FieldPath::Attributes => p.attributes.clone_into(&mut profile.attributes),
                FieldPath::Budget => bant.budget = b.budget,
                FieldPath::Authority => bant.authority = b.authority,
                FieldPath::Need => bant.need = b.need,
                FieldPath::Timeline => bant.timeline = b.timeline,
            }
        }
    }
}
