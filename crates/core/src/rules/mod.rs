//! The explicit rules marketing and sales agreed on, loaded from a TOML
//! file (`config/rules.toml` ships with the project).
//!
//! - [`parse`]: reading and checking the file; errors carry file, line and
//!   reason.
//! - [`conditions`]: the field tests (equals / in list / range / regex)
//!   shared by fit points and disqualifiers.
//! - [`assessment`]: roles (title pattern → seniority → decision-maker), fit
//!   points, grades and disqualifiers of one profile.
//! - [`roles`]: the title patterns and the seniority each implies.

pub mod assessment;
pub mod conditions;
pub mod parse;
pub mod roles;

use std::fmt;

use crate::spelling::Spelled;

pub use assessment::{FitAssessment, RoleAssessment};
pub use conditions::{Condition, RuleField, Test};
pub use parse::RulesError;
pub use roles::RoleMatcher;

/// Fit grade, A best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grade {
    /// Best fit.
    A,
    /// Good fit.
    B,
    /// Acceptable fit.
    C,
    /// Poor fit (or disqualified).
    D,
}

impl Grade {
    /// Parses `A`–`D` (any case).
    pub fn parse(s: &str) -> Option<Grade> {
        match s.trim().to_ascii_uppercase().as_str() {
            "A" => Some(Grade::A),
            "B" => Some(Grade::B),
            "C" => Some(Grade::C),
            "D" => Some(Grade::D),
            _ => None,
        }
    }

    /// Whether this grade is `min` or better.
    pub fn at_least(self, min: Grade) -> bool {
        self <= min
    }
}

impl Spelled for Grade {
    const KIND: &'static str = "grade";
    const ALL: &'static [Grade] = &[Grade::A, Grade::B, Grade::C, Grade::D];

    fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Points awarded when a condition holds.
#[derive(Debug, Clone)]
pub struct FitRule {
    /// Human name shown in answers ("Target industry").
    pub name: String,
    /// When the points apply.
    pub condition: Condition,
    /// Points (may be negative).
    pub points: i64,
}

/// A condition that stops qualification outright.
#[derive(Debug, Clone)]
pub struct Disqualifier {
    /// Sentence shown in answers ("Students do not buy").
    pub reason: String,
    /// When it applies.
    pub condition: Condition,
}

/// Minimum fit points for each grade; below `c` is D.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GradeBands {
    /// Minimum points for A.
    pub a: i64,
    /// Minimum points for B.
    pub b: i64,
    /// Minimum points for C.
    pub c: i64,
}

/// MQL rules.
#[derive(Debug, Clone, PartialEq)]
pub struct MqlRules {
    /// Probability threshold overriding the model's recommendation.
    pub threshold: Option<f64>,
    /// Worst acceptable fit grade.
    pub min_grade: Grade,
}

/// SQL rules (on top of MQL).
#[derive(Debug, Clone, PartialEq)]
pub struct SqlRules {
    /// Activity types that count as an explicit hand-raise (normalized).
    pub hand_raise_types: Vec<String>,
    /// How recent the hand-raise must be.
    pub hand_raise_within_days: u32,
    /// Whether authority (decision-maker role or BANT authority) is required.
    pub require_authority: bool,
    /// Minimum number of BANT criteria known to be met.
    pub min_bant_met: usize,
}

/// Follow-up deadline of accepted SQLs when the rules file names none.
pub const DEFAULT_FOLLOW_UP_HOURS: u32 = 48;

/// Owners of the leads from some countries.
#[derive(Debug, Clone, PartialEq)]
pub struct Territory {
    /// Country codes or names, lower case, as the profiles carry them.
    pub countries: Vec<String>,
    /// Owners, served round-robin.
    pub owners: Vec<String>,
}

/// Automatic assignment of new SQLs and the sales side of the agreement.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentRules {
    /// Hours an owner has to follow up an accepted SQL.
    pub follow_up_hours: u32,
    /// Territories by country, first match wins.
    pub territories: Vec<Territory>,
    /// Owners (round-robin) of SQLs no territory claims; empty leaves them unassigned.
    pub default_owners: Vec<String>,
    /// The hand-back reasons sales picks from (a console offers them; any
    /// other non-empty reason is still accepted).
    pub hand_back_reasons: Vec<String>,
}

/// Most hand-back reasons a rules file may list.
pub const MAX_HAND_BACK_REASONS: usize = 32;

/// The whole rules file, checked.
#[derive(Debug, Clone)]
pub struct Rules {
    /// `sha256:` + 16 hex digits of the file's bytes.
    pub version: String,
    /// Title patterns and their seniorities, first match wins.
    pub roles: RoleMatcher,
    /// Seniorities that make a lead a decision-maker (lower case).
    pub decision_maker_seniorities: Vec<String>,
    /// Fit point rules; every matching rule adds its points.
    pub fit: Vec<FitRule>,
    /// Grade bands on the fit points.
    pub grades: GradeBands,
    /// Disqualifiers; any match disqualifies.
    pub disqualifiers: Vec<Disqualifier>,
    /// MQL rules.
    pub mql: MqlRules,
    /// SQL rules.
    pub sql: SqlRules,
    /// Assignment of new SQLs and follow-up deadlines (`[assignment]`, optional).
    pub assignment: AssignmentRules,
}
