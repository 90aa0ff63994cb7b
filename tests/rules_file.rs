//! The rules file: the shipped one loads; broken ones are refused with
//! file, line and reason.

mod common;

use leadscore::lead::Profile;
use leadscore::rules::{Grade, Rules, RulesError};

fn shipped_text() -> String {
    std::fs::read_to_string(common::shipped_rules()).unwrap()
}

fn refused(text: &str) -> (usize, String) {
    match Rules::parse("rules.toml", text) {
        Err(RulesError::Invalid {
            path, line, reason, ..
        }) => {
            assert_eq!(path, "rules.toml");
            (line, reason)
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn the_shipped_rules_load_and_grade_profiles() {
    let rules = Rules::load(&common::shipped_rules()).unwrap();
    let vp = Profile {
        job_title: "VP of Sales".into(),
        industry: "SaaS".into(),
        department: "sales".into(),
        company_size: Some(300.0),
        ..Default::default()
    };
    let fit = rules.assess_fit(&vp);
    assert_eq!(
        (fit.role.seniority.as_str(), fit.role.decision_maker),
        ("vp", true)
    );
    assert_eq!((fit.points, fit.grade), (75, Grade::A));
    let associate = Profile {
        job_title: "Marketing Associate".into(),
        email_domain: "gmail.com".into(),
        ..Default::default()
    };
    let fit = rules.assess_fit(&associate);
    assert_eq!(
        (fit.role.seniority.as_str(), fit.role.decision_maker),
        ("individual_contributor", false)
    );
    assert_eq!((fit.points, fit.grade), (-15, Grade::D));
    let explicit = Profile {
        job_title: "Marketing Associate".into(),
        seniority: "Director".into(),
        ..Default::default()
    };
    assert!(
        rules.role(&explicit).decision_maker,
        "explicit seniority wins over the title"
    );
}

#[test]
fn the_first_matching_role_wins_and_lists_ignore_case() {
    let rules = Rules::load(&common::shipped_rules()).unwrap();
    let role = |title: &str| {
        let profile = Profile {
            job_title: title.into(),
            ..Default::default()
        };
        rules.role(&profile).seniority
    };
    // Both the `vp` (2nd) and the `director` (3rd) patterns match.
    assert_eq!(role("Director and Head of Sales"), "vp");
    assert_eq!(role("MANAGING DIRECTOR"), "director");
    assert_eq!(role("Sales Intern"), "student");
    assert_eq!(role("Astronaut"), "unknown");
    let fit = |industry: &str| {
        let profile = Profile {
            industry: industry.into(),
            ..Default::default()
        };
        rules.assess_fit(&profile).hits
    };
    let target = vec![("Target industry".to_owned(), 20)];
    assert_eq!(fit("  SaaS "), target, "ASCII, any case, trimmed");
    assert_eq!(fit("FINANCIAL SERVICES"), target);
    assert!(
        fit("Software ä").is_empty(),
        "non-ASCII text compared lower-cased"
    );
}

#[test]
fn the_version_is_a_hash_of_the_content() {
    let text = shipped_text();
    let a = Rules::parse("a", &text).unwrap().version;
    let b = Rules::parse("b", &format!("{text}\n# a comment\n"))
        .unwrap()
        .version;
    assert!(a.starts_with("sha256:") && a.len() == 23);
    assert_ne!(a, b);
}

#[test]
fn a_bad_regex_is_refused_with_its_line() {
    let text = shipped_text().replacen(r"'\bdirector\b'", "'(director'", 1);
    let line = text
        .lines()
        .position(|l| l.contains("'(director'"))
        .unwrap()
        + 1;
    let (got, reason) = refused(&text);
    assert!(reason.contains("bad pattern"), "{reason}");
    assert!(
        got <= line && got >= line - 2,
        "line {got}, pattern on {line}"
    );
}

#[test]
fn rule_errors_name_the_line_and_the_fix() {
    let base = shipped_text();
    let cases = [
        (
            "field = \"industry\"",
            "field = \"industri\"",
            "unknown field \"industri\"; use job_title, seniority, department, industry, \
             country, company_size, annual_revenue, email_domain, display_name, company, email \
             or attributes.KEY",
        ),
        (
            "min = 50\n",
            "min = 50\nequals = \"x\"\n",
            "needs exactly one test",
        ),
        ("a = 60", "a = 10", "a > b > c"),
        (
            "min_grade = \"C\"",
            "min_grade = \"E\"",
            "must be A, B, C or D",
        ),
        ("min_bant_met = 2", "min_bant_met = 7", "between 0 and 4"),
        (
            "in = [\"KP\"",
            "regex = \"(\"\nin = [\"KP\"",
            "needs exactly one test",
        ),
        ("[mql]", "[mql]\nthreshold = 1.5", "must be a probability"),
        (
            "require_authority = true",
            "require_authority = \"yes\"",
            "invalid type",
        ),
        (
            "\"Unreachable\",",
            "\"  \",",
            "each reason needs 1 to 256 bytes",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(base.contains(from), "fixture text {from:?} missing");
        let (line, reason) = refused(&base.replacen(from, to, 1));
        assert!(reason.contains(expected), "{to:?}: {reason}");
        assert!(line > 1, "{to:?}: line {line}");
    }
}

#[test]
fn the_shipped_rules_list_hand_back_reasons_trimmed_in_order() {
    let rules = Rules::parse("rules.toml", &shipped_text()).unwrap();
    let reasons = &rules.assignment.hand_back_reasons;
    assert_eq!(
        reasons.first().map(String::as_str),
        Some("No budget this year")
    );
    assert_eq!(reasons.len(), 6);
    let many = format!(
        "hand_back_reasons = [{}]",
        (0..33)
            .map(|i| format!("\"r{i}\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    let from = shipped_text().find("hand_back_reasons = [").unwrap();
    let to = from + shipped_text()[from..].find(']').unwrap() + 1;
    let mut text = shipped_text();
    text.replace_range(from..to, &many);
    let (_, reason) = refused(&text);
    assert!(reason.contains("at most 32 reasons"), "{reason}");
}

#[test]
fn a_syntax_error_points_at_its_line() {
    let (line, _) = refused("[grades]\na = 3\nb = = 2\n");
    assert_eq!(line, 3);
}
