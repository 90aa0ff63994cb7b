//! The one list of a profile's fixed fields: their names and how each is
//! read and written.
//!
//! Validation, rules, update masks, the store's columns and the export
//! header all enumerate the fields through [`ProfileField::ALL`], so a new
//! field is added here once. Free-form attributes are a map, not a field,
//! and stay [`Profile::attributes`]. Only protobuf struct literals at the
//! edge still name each field by hand (the compiler checks those).

use super::Profile;

/// A text field of the profile; empty means unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextField {
    /// `job_title`.
    JobTitle,
    /// `seniority` (explicit; rules infer it from the title when empty).
    Seniority,
    /// `department`.
    Department,
    /// `industry`.
    Industry,
    /// `country`.
    Country,
    /// `email_domain`.
    EmailDomain,
    /// `display_name`: the lead's name as people recognise it (personal data).
    DisplayName,
    /// `company`: the company's name as written (personal data).
    Company,
    /// `email`: the lead's e-mail address (personal data), checked for a
    /// plausible shape ([`super::check_email`]).
    Email,
}

/// A numeric field of the profile; `None` means unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumberField {
    /// `company_size`.
    CompanySize,
    /// `annual_revenue`.
    AnnualRevenue,
}

/// A fixed field of the profile, text or number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileField {
    /// A text field.
    Text(TextField),
    /// A numeric field.
    Number(NumberField),
}

impl TextField {
    /// Its value in `p`.
    pub fn get(self, p: &Profile) -> &str {
        match self {
            TextField::JobTitle => &p.job_title,
            TextField::Seniority => &p.seniority,
            TextField::Department => &p.department,
            TextField::Industry => &p.industry,
            TextField::Country => &p.country,
            TextField::EmailDomain => &p.email_domain,
            TextField::DisplayName => &p.display_name,
            TextField::Company => &p.company,
            TextField::Email => &p.email,
        }
    }

    fn get_mut(self, p: &mut Profile) -> &mut String {
        match self {
            TextField::JobTitle => &mut p.job_title,
            TextField::Seniority => &mut p.seniority,
            TextField::Department => &mut p.department,
            TextField::Industry => &mut p.industry,
            TextField::Country => &mut p.country,
            TextField::EmailDomain => &mut p.email_domain,
            TextField::DisplayName => &mut p.display_name,
            TextField::Company => &mut p.company,
            TextField::Email => &mut p.email,
        }
    }

    /// Sets it in `p` to `value`.
    pub fn set(self, p: &mut Profile, value: impl Into<String>) {
        *self.get_mut(p) = value.into();
    }
}

impl NumberField {
    /// Its value in `p`.
    pub fn get(self, p: &Profile) -> Option<f64> {
        match self {
            NumberField::CompanySize => p.company_size,
            NumberField::AnnualRevenue => p.annual_revenue,
        }
    }

    /// Sets it in `p` to `value`.
    pub fn set(self, p: &mut Profile, value: Option<f64>) {
        match self {
            NumberField::CompanySize => p.company_size = value,
            NumberField::AnnualRevenue => p.annual_revenue = value,
        }
    }
}

impl ProfileField {
    /// Every fixed field, in the order of the store's columns and the
    /// export's header. The contact fields come last: columns added later
    /// append, so older exports keep their column order.
    pub const ALL: [ProfileField; 11] = [
        ProfileField::Text(TextField::JobTitle),
        ProfileField::Text(TextField::Seniority),
        ProfileField::Text(TextField::Department),
        ProfileField::Text(TextField::Industry),
        ProfileField::Text(TextField::Country),
        ProfileField::Number(NumberField::CompanySize),
        ProfileField::Number(NumberField::AnnualRevenue),
        ProfileField::Text(TextField::EmailDomain),
        ProfileField::Text(TextField::DisplayName),
        ProfileField::Text(TextField::Company),
        ProfileField::Text(TextField::Email),
    ];

    /// The contact fields, shown first wherever a lead is shown; personal
    /// data, so never logged.
    pub const CONTACT: [TextField; 3] =
        [TextField::DisplayName, TextField::Company, TextField::Email];

    /// Its name: in the rules file, update masks (after `profile.`), the
    /// store's columns and the export's header.
    pub fn name(self) -> &'static str {
        match self {
            ProfileField::Text(TextField::JobTitle) => "job_title",
            ProfileField::Text(TextField::Seniority) => "seniority",
            ProfileField::Text(TextField::Department) => "department",
            ProfileField::Text(TextField::Industry) => "industry",
            ProfileField::Text(TextField::Country) => "country",
            ProfileField::Text(TextField::EmailDomain) => "email_domain",
            ProfileField::Text(TextField::DisplayName) => "display_name",
            ProfileField::Text(TextField::Company) => "company",
            ProfileField::Text(TextField::Email) => "email",
            ProfileField::Number(NumberField::CompanySize) => "company_size",
            ProfileField::Number(NumberField::AnnualRevenue) => "annual_revenue",
        }
    }

    /// The field named `name` (exactly, as [`ProfileField::name`] spells it).
    pub fn parse(name: &str) -> Option<ProfileField> {
        ProfileField::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Every name, in [`ProfileField::ALL`] order.
    pub fn names() -> impl Iterator<Item = &'static str> {
        ProfileField::ALL.into_iter().map(ProfileField::name)
    }

    /// Copies the field's value from `from` into `to`.
    pub fn copy(self, from: &Profile, to: &mut Profile) {
        match self {
            ProfileField::Text(f) => f.set(to, f.get(from)),
            ProfileField::Number(f) => f.set(to, f.get(from)),
        }
    }

    /// Copies the field's value from `from` into `to` when it is known
    /// there (a non-empty text, a number); an unknown value keeps `to`'s.
    pub fn copy_known(self, from: &Profile, to: &mut Profile) {
        let known = match self {
            ProfileField::Text(f) => !f.get(from).is_empty(),
            ProfileField::Number(f) => f.get(from).is_some(),
        };
        if known {
            self.copy(from, to);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A profile whose every field differs from the others' and from the default.
    fn filled() -> Profile {
        let mut p = Profile::default();
        for (i, f) in ProfileField::ALL.into_iter().enumerate() {
            match f {
                ProfileField::Text(t) => t.set(&mut p, format!("v{i}")),
                ProfileField::Number(n) => n.set(&mut p, Some(i as f64)),
            }
        }
        p
    }

    #[test]
    fn every_field_is_listed_once_and_names_parse_back() {
        let names: Vec<&str> = ProfileField::names().collect();
        assert_eq!(
            names,
            [
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
                "email"
            ]
        );
        for f in ProfileField::ALL {
            assert_eq!(ProfileField::parse(f.name()), Some(f));
        }
        assert_eq!(ProfileField::parse("attributes"), None);
        assert_eq!(ProfileField::parse("Job_Title"), None);
    }

    #[test]
    fn get_and_set_reach_every_field_of_the_profile() {
        let p = filled();
        // Each setter wrote its own struct field: copying all of them gives
        // back the same profile, and every struct field is non-default.
        let mut copy = Profile::default();
        for f in ProfileField::ALL {
            f.copy(&p, &mut copy);
        }
        assert_eq!(copy, p);
        let expected = Profile {
            job_title: "v0".into(),
            seniority: "v1".into(),
            department: "v2".into(),
            industry: "v3".into(),
            country: "v4".into(),
            company_size: Some(5.0),
            annual_revenue: Some(6.0),
            email_domain: "v7".into(),
            display_name: "v8".into(),
            company: "v9".into(),
            email: "v10".into(),
            attributes: Default::default(),
        };
        assert_eq!(p, expected);
    }

    #[test]
    fn copy_known_keeps_what_the_update_does_not_know() {
        let stored = filled();
        for f in ProfileField::ALL {
            let mut to = stored.clone();
            f.copy_known(&Profile::default(), &mut to);
            assert_eq!(to, stored, "{}", f.name());
            let mut cleared = stored.clone();
            f.copy(&Profile::default(), &mut cleared);
            assert_ne!(cleared, stored, "{}", f.name());
        }
    }
}
