//! Job title → seniority: the roles' title patterns in one automaton, kept
//! together with the seniority each implies so the two cannot drift apart.

/// The roles of a rules file, first match wins.
#[derive(Debug, Clone)]
pub struct RoleMatcher {
    /// Every title pattern, case-insensitive, in one automaton: each lead's
    /// title is matched in a single pass.
    patterns: regex::RegexSet,
    /// The seniority (lower case) of the pattern at the same index.
    seniorities: Vec<String>,
}

impl RoleMatcher {
    /// Compiles `(title pattern, seniority)` pairs in file order; seniorities
    /// are normalized to lower case. Fails when the patterns together exceed
    /// the automaton's size limit (1 MiB per pattern).
    pub fn new<'a>(
        roles: impl ExactSizeIterator<Item = (&'a str, &'a str)> + Clone,
    ) -> Result<RoleMatcher, regex::Error> {
        let patterns = regex::RegexSetBuilder::new(roles.clone().map(|(pattern, _)| pattern))
            .case_insensitive(true)
            .size_limit(roles.len().max(1) << 20)
            .build()?;
        let seniorities = roles.map(|(_, s)| s.trim().to_lowercase()).collect();
        Ok(RoleMatcher {
            patterns,
            seniorities,
        })
    }

    /// The seniority of the first pattern matching `title`, if any.
    pub fn seniority_of(&self, title: &str) -> Option<&str> {
        let first = self.patterns.matches(title).iter().next()?;
        Some(&self.seniorities[first])
    }
}
