//! Reading a rules file: TOML syntax first, then every rule checked, so a
//! bad file is refused at start with its path, line and reason.

use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::conditions::{Condition, RuleField, Test};
use super::{
    AssignmentRules, DEFAULT_FOLLOW_UP_HOURS, Disqualifier, FitRule, Grade, GradeBands,
    MAX_HAND_BACK_REASONS, MqlRules, RoleMatcher, Rules, SqlRules, Territory,
};
use crate::features::normalize_name;
use crate::lead::ProfileField;

/// A rules file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The file could not be read.
    #[error("cannot read rules file {path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file has a syntax or rule error.
    #[error("{path}:{line}:{column}: {reason}")]
    Invalid {
        /// File.
        path: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong and how to fix it.
        reason: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    roles: Vec<Spanned<RawRole>>,
    #[serde(default)]
    decision_maker_seniorities: Vec<String>,
    #[serde(default)]
    fit: Vec<Spanned<RawCondition>>,
    grades: Spanned<RawGrades>,
    #[serde(default)]
    disqualifiers: Vec<Spanned<RawCondition>>,
    mql: Spanned<RawMql>,
    sql: Spanned<RawSql>,
    #[serde(default)]
    assignment: RawAssignment,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAssignment {
    #[serde(default)]
    follow_up_hours: Option<u32>,
    #[serde(default)]
    territories: Vec<RawTerritory>,
    #[serde(default)]
    default_owners: Vec<String>,
    #[serde(default)]
    hand_back_reasons: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerritory {
    countries: Vec<String>,
    owners: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    pattern: String,
    seniority: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    field: String,
    /// Fit rules: the rule's name. Disqualifiers: the reason shown.
    #[serde(alias = "reason")]
    name: String,
    points: Option<i64>,
    equals: Option<String>,
    #[serde(rename = "in")]
    in_list: Option<Vec<String>>,
    min: Option<f64>,
    max: Option<f64>,
    regex: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrades {
    a: i64,
    b: i64,
    c: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMql {
    threshold: Option<f64>,
    min_grade: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSql {
    hand_raise_types: Vec<String>,
    hand_raise_within_days: u32,
    require_authority: bool,
    min_bant_met: usize,
}

/// Position-aware error builder for one file.
struct Source<'a> {
    path: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn error(&self, offset: usize, reason: impl Into<String>) -> RulesError {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        RulesError::Invalid {
            path: self.path.to_owned(),
            line,
            column,
            reason: reason.into(),
        }
    }
}

impl Rules {
    /// Reads and checks the rules file at `path`.
    pub fn load(path: &Path) -> Result<Rules, RulesError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Read {
            path: shown.clone(),
            source,
        })?;
        Rules::parse(&shown, &text)
    }

    /// Checks rules text; `path` is only used in errors.
    pub fn parse(path: &str, text: &str) -> Result<Rules, RulesError> {
        let src = Source { path, text };
        let raw: RawRules = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            src.error(offset, e.message().trim().to_owned())
        })?;
        let digest = Sha256::digest(text.as_bytes());
        // Fields in the order the sections are checked, so the first error
        // reported stays the same.
        Ok(Rules {
            version: format!("sha256:{}", &crate::hex::encode(&digest)[..16]),
            roles: roles(&src, &raw.roles)?,
            decision_maker_seniorities: raw
                .decision_maker_seniorities
                .iter()
                .map(|s| s.trim().to_lowercase())
                .collect(),
            fit: fit_rules(&src, &raw.fit)?,
            disqualifiers: disqualifiers(&src, &raw.disqualifiers)?,
            grades: grades(&src, &raw.grades)?,
            mql: mql(&src, &raw.mql)?,
            sql: sql(&src, &raw.sql)?,
            assignment: assignment(&src, raw.assignment)?,
        })
    }
}

/// `[[roles]]`: each pattern checked on its own (to point at its line),
/// then all of them compiled together.
fn roles(src: &Source<'_>, raw: &[Spanned<RawRole>]) -> Result<RoleMatcher, RulesError> {
    for r in raw {
        case_insensitive(&r.get_ref().pattern)
            .map_err(|e| src.error(r.span().start, format!("roles: bad pattern: {e}")))?;
    }
    RoleMatcher::new(
        raw.iter()
            .map(|r| (r.get_ref().pattern.as_str(), r.get_ref().seniority.as_str())),
    )
    .map_err(|e| {
        src.error(
            0,
            format!("roles: the patterns together are too large: {e}"),
        )
    })
}

/// `[[fit]]`: a condition and its points each.
fn fit_rules(src: &Source<'_>, raw: &[Spanned<RawCondition>]) -> Result<Vec<FitRule>, RulesError> {
    raw.iter()
        .map(|r| {
            let condition = condition(src, r)?;
            let points = r
                .get_ref()
                .points
                .ok_or_else(|| src.error(r.span().start, "fit rule needs `points`"))?;
            Ok(FitRule {
                name: r.get_ref().name.clone(),
                condition,
                points,
            })
        })
        .collect()
}

/// `[[disqualifiers]]`: a condition and a reason each, no points.
fn disqualifiers(
    src: &Source<'_>,
    raw: &[Spanned<RawCondition>],
) -> Result<Vec<Disqualifier>, RulesError> {
    raw.iter()
        .map(|r| {
            if r.get_ref().points.is_some() {
                return Err(src.error(r.span().start, "disqualifiers take no `points`"));
            }
            Ok(Disqualifier {
                reason: r.get_ref().name.clone(),
                condition: condition(src, r)?,
            })
        })
        .collect()
}

/// `[grades]`: strictly decreasing bands.
fn grades(src: &Source<'_>, raw: &Spanned<RawGrades>) -> Result<GradeBands, RulesError> {
    let g = raw.get_ref();
    if !(g.a > g.b && g.b > g.c) {
        return Err(src.error(raw.span().start, "grades must satisfy a > b > c"));
    }
    Ok(GradeBands {
        a: g.a,
        b: g.b,
        c: g.c,
    })
}

/// `[mql]`: an optional threshold in (0, 1) and a minimum grade.
fn mql(src: &Source<'_>, raw: &Spanned<RawMql>) -> Result<MqlRules, RulesError> {
    let m = raw.get_ref();
    if let Some(t) = m.threshold
        && !(t > 0.0 && t < 1.0)
    {
        return Err(src.error(
            raw.span().start,
            format!("mql.threshold {t} must be a probability in (0, 1)"),
        ));
    }
    let min_grade = Grade::parse(&m.min_grade).ok_or_else(|| {
        src.error(
            raw.span().start,
            format!("mql.min_grade {:?} must be A, B, C or D", m.min_grade),
        )
    })?;
    Ok(MqlRules {
        threshold: m.threshold,
        min_grade,
    })
}

/// `[sql]`: hand-raise types and window, authority, minimum BANT.
fn sql(src: &Source<'_>, raw: &Spanned<RawSql>) -> Result<SqlRules, RulesError> {
    let s = raw.get_ref();
    if s.min_bant_met > 4 {
        return Err(src.error(raw.span().start, "sql.min_bant_met must be between 0 and 4"));
    }
    if s.hand_raise_types.is_empty() || s.hand_raise_within_days == 0 {
        return Err(src.error(
            raw.span().start,
            "sql needs hand_raise_types and hand_raise_within_days > 0",
        ));
    }
    Ok(SqlRules {
        hand_raise_types: s
            .hand_raise_types
            .iter()
            .map(|t| normalize_name(t))
            .collect(),
        hand_raise_within_days: s.hand_raise_within_days,
        require_authority: s.require_authority,
        min_bant_met: s.min_bant_met,
    })
}

/// `[assignment]`: owners, follow-up hours and the hand-back reasons.
fn assignment(src: &Source<'_>, raw: RawAssignment) -> Result<AssignmentRules, RulesError> {
    let names = |v: Vec<String>| -> Vec<String> {
        v.iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    Ok(AssignmentRules {
        follow_up_hours: raw.follow_up_hours.unwrap_or(DEFAULT_FOLLOW_UP_HOURS),
        territories: raw
            .territories
            .into_iter()
            .map(|t| Territory {
                countries: t
                    .countries
                    .iter()
                    .map(|c| c.trim().to_lowercase())
                    .collect(),
                owners: names(t.owners),
            })
            .collect(),
        default_owners: names(raw.default_owners),
        hand_back_reasons: hand_back_reasons(src, raw.hand_back_reasons)?,
    })
}

/// `assignment.hand_back_reasons`: at most [`MAX_HAND_BACK_REASONS`], each
/// a hand-back reason the API accepts (non-empty, at most 256 bytes).
fn hand_back_reasons(
    src: &Source<'_>,
    raw: Option<Spanned<Vec<String>>>,
) -> Result<Vec<String>, RulesError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let at = raw.span().start;
    let reasons: Vec<String> = raw
        .into_inner()
        .iter()
        .map(|r| r.trim().to_owned())
        .collect();
    if reasons.len() > MAX_HAND_BACK_REASONS {
        return Err(src.error(
            at,
            format!("assignment.hand_back_reasons: at most {MAX_HAND_BACK_REASONS} reasons"),
        ));
    }
    let limit = crate::lead::limits::MAX_STRING_BYTES;
    if reasons.iter().any(|r| r.is_empty() || r.len() > limit) {
        return Err(src.error(
            at,
            format!("assignment.hand_back_reasons: each reason needs 1 to {limit} bytes"),
        ));
    }
    Ok(reasons)
}

fn case_insensitive(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
}

fn condition(src: &Source<'_>, rule: &Spanned<RawCondition>) -> Result<Condition, RulesError> {
    let at = rule.span().start;
    let r = rule.get_ref();
    let field = RuleField::parse(&r.field).ok_or_else(|| {
        let known: Vec<&str> = ProfileField::names().collect();
        src.error(
            at,
            format!(
                "unknown field {:?}; use {} or attributes.KEY",
                r.field,
                known.join(", ")
            ),
        )
    })?;
    let given = [
        r.equals.is_some(),
        r.in_list.is_some(),
        r.min.is_some() || r.max.is_some(),
        r.regex.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(src.error(
            at,
            format!(
                "rule {:?} needs exactly one test: equals, in, min/max (range) or regex",
                r.name
            ),
        ));
    }
    let numeric_ok = field.is_numeric() || matches!(field, RuleField::Attribute(_));
    let test = if let Some(v) = &r.equals {
        Test::Equals(v.trim().to_owned())
    } else if let Some(list) = &r.in_list {
        Test::In(list.iter().map(|v| v.trim().to_lowercase()).collect())
    } else if let Some(re) = &r.regex {
        Test::Regex(
            case_insensitive(re)
                .map_err(|e| src.error(at, format!("rule {:?}: bad regex: {e}", r.name)))?,
        )
    } else {
        if !numeric_ok {
            return Err(src.error(
                at,
                format!(
                    "rule {:?}: a range needs a numeric field, not {}",
                    r.name, r.field
                ),
            ));
        }
        if let (Some(lo), Some(hi)) = (r.min, r.max)
            && lo >= hi
        {
            return Err(src.error(
                at,
                format!("rule {:?}: min {lo} must be below max {hi}", r.name),
            ));
        }
        Test::Range {
            min: r.min,
            max: r.max,
        }
    };
    if field.is_numeric() && !matches!(test, Test::Range { .. }) {
        return Err(src.error(
            at,
            format!("rule {:?}: {} is numeric; use min/max", r.name, r.field),
        ));
    }
    Ok(Condition { field, test })
}
