//! Field tests on a profile, used by fit rules and disqualifiers.

use crate::lead::{Profile, ProfileField, TextField};

/// What a rule can test: a fixed profile field or an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleField {
    /// A field of [`ProfileField::ALL`], by its name (`seniority`:
    /// explicit, or inferred from the title).
    Profile(ProfileField),
    /// `attributes.KEY` (key normalized).
    Attribute(String),
}

impl RuleField {
    /// Parses a field name as written in the rules file.
    pub fn parse(name: &str) -> Option<RuleField> {
        if let Some(f) = ProfileField::parse(name) {
            return Some(RuleField::Profile(f));
        }
        let key = name.strip_prefix("attributes.")?;
        let key = crate::features::normalize_name(key);
        if key.is_empty() {
            return None;
        }
        Some(RuleField::Attribute(key))
    }

    /// Whether the field holds a number.
    pub fn is_numeric(&self) -> bool {
        matches!(self, RuleField::Profile(ProfileField::Number(_)))
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
    pub field: RuleField,
    /// Test applied; an unknown (empty) value never matches.
    pub test: Test,
}

impl Condition {
    /// Whether the condition holds for `profile` with the seniority in use.
    pub fn holds(&self, profile: &Profile, seniority: &str) -> bool {
        let text: &str = match &self.field {
            RuleField::Profile(ProfileField::Text(TextField::Seniority)) => seniority,
            RuleField::Profile(ProfileField::Text(f)) => f.get(profile),
            RuleField::Profile(ProfileField::Number(f)) => {
                return self.holds_number(f.get(profile));
            }
            RuleField::Attribute(key) => profile.attributes.get(key).map_or("", String::as_str),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_field_and_any_attribute_can_be_tested() {
        for f in ProfileField::ALL {
            let parsed = RuleField::parse(f.name());
            assert_eq!(parsed, Some(RuleField::Profile(f)));
            let numeric = matches!(f, ProfileField::Number(_));
            assert_eq!(parsed.is_some_and(|p| p.is_numeric()), numeric);
        }
        assert_eq!(
            RuleField::parse("attributes.Lead Source"),
            Some(RuleField::Attribute("lead_source".into()))
        );
        assert_eq!(RuleField::parse("attributes."), None);
        assert_eq!(RuleField::parse("industri"), None);
    }

    #[test]
    fn a_condition_reads_its_own_field() {
        let mut profile = Profile::default();
        for f in ProfileField::ALL {
            match f {
                ProfileField::Text(t) => t.set(&mut profile, f.name()),
                ProfileField::Number(n) => n.set(&mut profile, Some(10.0)),
            }
        }
        // Seniority is the one in use (explicit or inferred), passed in,
        // not the stored text.
        TextField::Seniority.set(&mut profile, "stored");
        for f in ProfileField::ALL {
            let test = match f {
                ProfileField::Text(_) => Test::Equals(f.name().to_uppercase()),
                ProfileField::Number(_) => Test::Range {
                    min: Some(10.0),
                    max: Some(11.0),
                },
            };
            let condition = Condition {
                field: RuleField::Profile(f),
                test,
            };
            assert!(condition.holds(&profile, "seniority"), "{}", f.name());
        }
    }
}
