//! Field tests on a profile, used by fit rules and disqualifiers.

use crate::lead::Profile;

/// A profile field a rule can test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileField {
    /// `job_title`.
    JobTitle,
    /// `seniority` (explicit, or inferred from the title).
    Seniority,
    /// `department`.
    Department,
    /// `industry`.
    Industry,
    /// `country`.
    Country,
    /// `company_size` (numeric).
    CompanySize,
    /// `annual_revenue` (numeric).
    AnnualRevenue,
    /// `email_domain`.
    EmailDomain,
    /// `attributes.KEY` (key normalized).
    Attribute(String),
}

impl ProfileField {
    /// Parses a field name as written in the rules file.
    pub fn parse(name: &str) -> Option<ProfileField> {
        Some(match name {
            "job_title" => ProfileField::JobTitle,
            "seniority" => ProfileField::Seniority,
            "department" => ProfileField::Department,
            "industry" => ProfileField::Industry,
            "country" => ProfileField::Country,
            "company_size" => ProfileField::CompanySize,
            "annual_revenue" => ProfileField::AnnualRevenue,
            "email_domain" => ProfileField::EmailDomain,
            other => {
                let key = other.strip_prefix("attributes.")?;
                let key = crate::features::normalize_name(key);
                if key.is_empty() {
                    return None;
                }
                ProfileField::Attribute(key)
            }
        })
    }

    /// Whether the field holds a number.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            ProfileField::CompanySize | ProfileField::AnnualRevenue
        )
    }
}

/// The test applied to the field's value.
#[derive(Debug, Clone)]
pub enum Test {
    /// Equal, ignoring case and surrounding space.
    Equals(String),
    /// Equal to one of the list (ignoring case), stored lower case.
    In(Vec<String>),
    /// `min <= value < max`; either bound may be open.
    Range {
        /// Inclusive lower bound.
        min: Option<f64>,
        /// Exclusive upper bound.
        max: Option<f64>,
    },
    /// Regular expression (case-insensitive) found in the value.
    Regex(regex::Regex),
}

/// A test on one field.
#[derive(Debug, Clone)]
pub struct Condition {
    /// Field tested.
    pub field: ProfileField,
    /// Test applied; an unknown (empty) value never matches.
    pub test: Test,
}

impl Condition {
    /// Whether the condition holds for `profile` with the seniority in use.
    pub fn holds(&self, profile: &Profile, seniority: &str) -> bool {
        let text: &str = match &self.field {
            ProfileField::JobTitle => &profile.job_title,
            ProfileField::Seniority => seniority,
            ProfileField::Department => &profile.department,
            ProfileField::Industry => &profile.industry,
            ProfileField::Country => &profile.country,
            ProfileField::EmailDomain => &profile.email_domain,
            ProfileField::Attribute(key) => profile.attributes.get(key).map_or("", String::as_str),
            ProfileField::CompanySize => return self.holds_number(profile.company_size),
            ProfileField::AnnualRevenue => return self.holds_number(profile.annual_revenue),
        };
        let text = text.trim();
        if text.is_empty() {
            return false;
        }
        match &self.test {
            Test::Equals(v) => text.eq_ignore_ascii_case(v),
            // The list is lower case; ASCII text (nearly all) compares without
            // allocating a lower-cased copy.
            Test::In(list) if text.is_ascii() => list.iter().any(|v| text.eq_ignore_ascii_case(v)),
            Test::In(list) => list.contains(&text.to_lowercase()),
            Test::Range { .. } => self.holds_number(text.parse().ok()),
            Test::Regex(re) => re.is_match(text),
        }
    }

    fn holds_number(&self, value: Option<f64>) -> bool {
        let Some(x) = value else { return false };
        match &self.test {
            Test::Range { min, max } => min.is_none_or(|m| x >= m) && max.is_none_or(|m| x < m),
            Test::Equals(_) | Test::In(_) | Test::Regex(_) => false,
        }
    }
}
