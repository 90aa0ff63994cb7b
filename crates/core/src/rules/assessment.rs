//! Role, fit points, grade and disqualifiers of one profile.

use super::{Grade, Rules};
use crate::lead::Profile;

/// Seniority in use and whether it makes a decision-maker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAssessment {
    /// Explicit seniority, else the first title pattern's, else `unknown`.
    pub seniority: String,
    /// Seniority is one of the decision-maker seniorities.
    pub decision_maker: bool,
}

/// The profile side of a score.
#[derive(Debug, Clone, PartialEq)]
pub struct FitAssessment {
    /// Role.
    pub role: RoleAssessment,
    /// Sum of matching fit rules' points.
    pub points: i64,
    /// Grade from the bands (D when disqualified).
    pub grade: Grade,
    /// Matching fit rules with their points, in file order.
    pub hits: Vec<(String, i64)>,
    /// Reasons of matching disqualifiers.
    pub disqualified_by: Vec<String>,
}

impl Rules {
    /// Seniority and authority of a profile.
    pub fn role(&self, profile: &Profile) -> RoleAssessment {
        let explicit = profile.seniority.trim().to_lowercase();
        let seniority = if !explicit.is_empty() {
            explicit
        } else {
            (self.roles.seniority_of(&profile.job_title))
                .map_or_else(|| "unknown".to_owned(), str::to_owned)
        };
        let decision_maker = self.decision_maker_seniorities.contains(&seniority);
        RoleAssessment {
            seniority,
            decision_maker,
        }
    }

    /// Fit points, grade and disqualifiers of a profile.
    pub fn assess_fit(&self, profile: &Profile) -> FitAssessment {
        let role = self.role(profile);
        let hits: Vec<(String, i64)> = self
            .fit
            .iter()
            .filter(|r| r.condition.holds(profile, &role.seniority))
            .map(|r| (r.name.clone(), r.points))
            .collect();
        let points = hits.iter().map(|(_, p)| p).sum();
        let disqualified_by: Vec<String> = self
            .disqualifiers
            .iter()
            .filter(|d| d.condition.holds(profile, &role.seniority))
            .map(|d| d.reason.clone())
            .collect();
        let g = self.grades;
        let grade = if !disqualified_by.is_empty() || points < g.c {
            Grade::D
        } else if points >= g.a {
            Grade::A
        } else if points >= g.b {
            Grade::B
        } else {
            Grade::C
        };
        FitAssessment {
            role,
            points,
            grade,
            hits,
            disqualified_by,
        }
    }
}
