//! Table-driven tests of each qualification verdict and the stage it
//! leads to: one row per case, boundaries included, with each met and
//! unmet reason's text.

use super::*;
use crate::lead::Activity;
use crate::rules::{Grade, RoleAssessment};
use crate::testkit::{self, HAND_RAISES, NOW, ago, ahead, secs};

/// Everything `qualify` reads, starting as the textbook SQL.
struct World {
    rules: Rules,
    bant: Bant,
    lead: Lead,
    fit: FitAssessment,
    behavior: Behavior,
}

impl World {
    /// Rules needing grade B, a [`HAND_RAISES`] activity within 30 days,
    /// authority and 2 BANT criteria; a VP (decision-maker) of grade A
    /// with 3 BANT criteria met, scored 0.8 against 0.5, who asked for a
    /// demo 2 days ago.
    fn sql() -> World {
        let mut rules = Rules::parse("rules.toml", &testkit::rules_toml(&HAND_RAISES, 30)).unwrap();
        rules.mql.min_grade = Grade::B;
        rules.sql.require_authority = true;
        rules.sql.min_bant_met = 2;
        World {
            rules,
            bant: testkit::buyer_bant(),
            lead: Lead {
                activities: vec![activity(HAND_RAISES[0], ago(Span::days(2)))],
                ..Lead::default()
            },
            fit: FitAssessment {
                role: RoleAssessment {
                    seniority: "vp".to_owned(),
                    decision_maker: true,
                },
                points: 70,
                grade: Grade::A,
                hits: vec![("target industry".to_owned(), 70)],
                disqualified_by: vec![],
            },
            behavior: Behavior {
                probability: 0.8,
                threshold: 0.5,
            },
        }
    }

    fn qualify(&self) -> Qualification {
        qualify(
            &self.rules,
            &self.bant,
            &self.lead,
            &self.fit,
            self.behavior,
            NOW,
        )
    }

    /// The lead's only activity: `kind` at `at`.
    fn only_activity(&mut self, kind: &str, at: Timestamp) {
        self.lead.activities = vec![activity(kind, at)];
    }

    /// A manager (not a decision-maker) without BANT authority.
    fn no_authority(&mut self) {
        self.fit.role = RoleAssessment {
            seniority: "manager".to_owned(),
            decision_maker: false,
        };
        self.bant.authority = BantStatus::Unknown;
    }
}

fn activity(kind: &str, at: Timestamp) -> Activity {
    Activity {
        activity_type: kind.to_owned(),
        occurred_at: at,
        event_id: None,
    }
}

/// The criteria in the order `qualify` answers them, with the stage each
/// is required for.
const CRITERIA: [(Criterion, Stage); 6] = [
    (Criterion::NotDisqualified, Stage::Mql),
    (Criterion::BehaviorScore, Stage::Mql),
    (Criterion::FitGrade, Stage::Mql),
    (Criterion::HandRaise, Stage::Sql),
    (Criterion::Authority, Stage::Sql),
    (Criterion::Bant, Stage::Sql),
];

#[test]
fn the_textbook_sql_meets_every_criterion_and_says_why() {
    let q = World::sql().qualify();
    assert_eq!(q.stage, Stage::Sql);
    let got: Vec<(Criterion, Stage, bool, &str)> = q
        .verdicts
        .iter()
        .map(|v| (v.criterion, v.required_for, v.met, v.reason.as_str()))
        .collect();
    let reasons = [
        "no disqualifier applies",
        "behavior score 80.0 is at or above the MQL threshold 50.0",
        "fit grade A (70 points) is at least the minimum B",
        "demo_request within the last 30 days",
        "seniority vp is a decision-maker",
        "3 of 4 BANT criteria met, 2 required",
    ];
    let want: Vec<(Criterion, Stage, bool, &str)> = CRITERIA
        .iter()
        .zip(reasons)
        .map(|(&(c, stage), reason)| (c, stage, true, reason))
        .collect();
    assert_eq!(got, want);
}

/// One case: what changes from [`World::sql`], the stage that follows, and
/// the one verdict that changes (every other stays met).
type Case = (
    &'static str,
    fn(&mut World),
    Stage,
    Criterion,
    bool,
    &'static str,
);

/// Runs `cases`, each on a fresh [`World::sql`].
fn check(cases: &[Case]) {
    for &(name, change, stage, criterion, met, reason) in cases {
        let mut world = World::sql();
        change(&mut world);
        let q = world.qualify();
        assert_eq!(q.stage, stage, "{name}: {:?}", q.verdicts);
        for v in &q.verdicts {
            if v.criterion == criterion {
                assert_eq!((v.met, v.reason.as_str()), (met, reason), "{name}");
            } else {
                assert!(v.met, "{name}: only {criterion:?} changes: {v:?}");
            }
        }
        let order = q.verdicts.iter().map(|v| (v.criterion, v.required_for));
        assert!(order.eq(CRITERIA), "{name}: all six, in order");
    }
}

#[test]
fn each_mql_criterion_unmet_keeps_the_lead_nurturing() {
    use Criterion::*;
    check(&[
        (
            "one disqualifier",
            |w| w.fit.disqualified_by = vec!["competitor domain".into()],
            Stage::Nurturing,
            NotDisqualified,
            false,
            "disqualified: competitor domain",
        ),
        (
            "two disqualifiers, in rule order",
            |w| w.fit.disqualified_by = vec!["competitor domain".into(), "student".into()],
            Stage::Nurturing,
            NotDisqualified,
            false,
            "disqualified: competitor domain; student",
        ),
        (
            "behavior just under the threshold",
            |w| w.behavior.probability = 0.4999,
            Stage::Nurturing,
            BehaviorScore,
            false,
            "behavior score 50.0 is below the MQL threshold 50.0",
        ),
        (
            "behavior well under",
            |w| w.behavior.probability = 0.123,
            Stage::Nurturing,
            BehaviorScore,
            false,
            "behavior score 12.3 is below the MQL threshold 50.0",
        ),
        (
            "fit grade under the minimum",
            |w| (w.fit.grade, w.fit.points) = (Grade::C, 25),
            Stage::Nurturing,
            FitGrade,
            false,
            "fit grade C (25 points) is below the minimum B",
        ),
        (
            "fit grade D",
            |w| (w.fit.grade, w.fit.points) = (Grade::D, -10),
            Stage::Nurturing,
            FitGrade,
            false,
            "fit grade D (-10 points) is below the minimum B",
        ),
    ]);
}

#[test]
fn mql_boundaries_are_met() {
    use Criterion::*;
    check(&[
        (
            "behavior exactly at the threshold",
            |w| w.behavior.probability = 0.5,
            Stage::Sql,
            BehaviorScore,
            true,
            "behavior score 50.0 is at or above the MQL threshold 50.0",
        ),
        (
            "fit grade exactly the minimum",
            |w| (w.fit.grade, w.fit.points) = (Grade::B, 45),
            Stage::Sql,
            FitGrade,
            true,
            "fit grade B (45 points) is at least the minimum B",
        ),
    ]);
}

#[test]
fn the_hand_raise_counts_within_the_window_up_to_its_last_instant() {
    use Criterion::HandRaise;
    const NONE: &str = "no demo_request or pricing_page_view in the last 30 days";
    check(&[
        (
            "exactly 30 days ago",
            |w| w.only_activity(HAND_RAISES[0], ago(Span::days(30))),
            Stage::Sql,
            HandRaise,
            true,
            "demo_request within the last 30 days",
        ),
        (
            "30 days and 1 µs ago",
            |w| {
                let at = ago(Span::days(30)).saturating_sub(Span::micros(1));
                w.only_activity(HAND_RAISES[0], at)
            },
            Stage::Mql,
            HandRaise,
            false,
            NONE,
        ),
        (
            "at as_of itself",
            |w| w.only_activity(HAND_RAISES[1], NOW),
            Stage::Sql,
            HandRaise,
            true,
            "pricing_page_view within the last 30 days",
        ),
        (
            "1 µs after as_of: not yet",
            |w| w.only_activity(HAND_RAISES[0], ahead(Span::micros(1))),
            Stage::Mql,
            HandRaise,
            false,
            NONE,
        ),
        (
            "activity, but no hand-raise type",
            |w| w.only_activity("blog_read", secs(-60)),
            Stage::Mql,
            HandRaise,
            false,
            NONE,
        ),
        (
            "no activity at all",
            |w| w.lead.activities.clear(),
            Stage::Mql,
            HandRaise,
            false,
            NONE,
        ),
        (
            "the newest hand-raise is named",
            |w| {
                w.lead
                    .activities
                    .push(activity(HAND_RAISES[1], ago(Span::days(1))))
            },
            Stage::Sql,
            HandRaise,
            true,
            "pricing_page_view within the last 30 days",
        ),
        (
            "every hand-raise older than the window",
            |w| {
                w.only_activity(HAND_RAISES[0], ago(Span::days(40)));
                w.lead
                    .activities
                    .push(activity(HAND_RAISES[1], ago(Span::days(31))));
            },
            Stage::Mql,
            HandRaise,
            false,
            NONE,
        ),
    ]);
}

#[test]
fn authority_is_seniority_or_bant_when_the_rules_require_it() {
    use Criterion::Authority;
    check(&[
        (
            "a decision-maker without BANT authority",
            |w| w.bant.authority = BantStatus::No,
            Stage::Sql,
            Authority,
            true,
            "seniority vp is a decision-maker",
        ),
        (
            "BANT authority without a decision-maker's seniority",
            |w| {
                w.no_authority();
                w.bant.authority = BantStatus::Yes;
            },
            Stage::Sql,
            Authority,
            true,
            "BANT authority confirmed",
        ),
        (
            "neither",
            World::no_authority,
            Stage::Mql,
            Authority,
            false,
            "seniority manager is not a decision-maker and BANT authority is not confirmed",
        ),
        (
            "neither, but the rules do not require it",
            |w| {
                w.no_authority();
                w.rules.sql.require_authority = false;
            },
            Stage::Sql,
            Authority,
            true,
            "authority not required by the rules",
        ),
    ]);
}

#[test]
fn bant_counts_only_criteria_known_to_be_met() {
    use Criterion::Bant;
    check(&[
        (
            "one met of two required",
            |w| (w.bant.need, w.bant.authority) = (BantStatus::No, BantStatus::Unknown),
            Stage::Mql,
            Bant,
            false,
            "1 of 4 BANT criteria met, 2 required",
        ),
        (
            "exactly the minimum",
            |w| w.bant.need = BantStatus::Unknown,
            Stage::Sql,
            Bant,
            true,
            "2 of 4 BANT criteria met, 2 required",
        ),
        (
            "all four",
            |w| w.bant.timeline = BantStatus::Yes,
            Stage::Sql,
            Bant,
            true,
            "4 of 4 BANT criteria met, 2 required",
        ),
        (
            "none needed",
            |w| {
                w.bant = crate::lead::Bant::default();
                w.rules.sql.min_bant_met = 0;
            },
            Stage::Sql,
            Bant,
            true,
            "0 of 4 BANT criteria met, 0 required",
        ),
    ]);
}

#[test]
fn an_unmet_mql_criterion_outranks_met_sql_ones_and_vice_versa() {
    // Every SQL criterion met cannot make an MQL failure more than nurturing;
    // every SQL criterion unmet still leaves an MQL.
    let mut w = World::sql();
    w.behavior.probability = 0.1;
    assert_eq!(w.qualify().stage, Stage::Nurturing);
    let mut w = World::sql();
    w.lead.activities.clear();
    w.no_authority();
    w.bant = crate::lead::Bant::default();
    let q = w.qualify();
    assert_eq!(q.stage, Stage::Mql);
    let unmet: Vec<Criterion> = q
        .verdicts
        .iter()
        .filter(|v| !v.met)
        .map(|v| v.criterion)
        .collect();
    assert_eq!(
        unmet,
        [Criterion::HandRaise, Criterion::Authority, Criterion::Bant]
    );
}

#[test]
fn the_newest_hand_raise_does_not_depend_on_the_stored_order() {
    let types = HAND_RAISES.map(str::to_owned);
    let act = |t: &str, s: i64| Activity {
        activity_type: t.to_owned(),
        occurred_at: secs(s),
        event_id: None,
    };
    let mut lead = Lead {
        activities: vec![
            act(HAND_RAISES[0], 10),
            act(HAND_RAISES[1], 10),
            act("blog_read", 20),
        ],
        ..Lead::default()
    };
    let first = Some((HAND_RAISES[0], secs(10)));
    assert_eq!(lead.newest_of(&types, secs(30)), first);
    lead.activities.reverse();
    assert_eq!(
        lead.newest_of(&types, secs(30)),
        first,
        "ties go to the type listed first"
    );
    lead.activities.push(act(HAND_RAISES[1], 31));
    assert_eq!(
        lead.newest_of(&types, secs(30)),
        first,
        "after as_of: not counted"
    );
    assert_eq!(
        lead.newest_of(&types, secs(31)),
        Some((HAND_RAISES[1], secs(31)))
    );
}

#[test]
fn one_decimal_formats_like_the_answers_always_did() {
    for (x, shown) in [
        (98.46, "98.5"),
        (50.0, "50.0"),
        (0.04, "0.0"),
        (99.99, "100.0"),
        (-1.25, "-1.3"),
        (f64::NAN, "NaN"),
    ] {
        assert_eq!(OneDecimal(x).to_string(), shown, "{x}");
    }
}

#[test]
fn the_stage_reason_of_an_sql_names_the_criteria_that_made_it() {
    type Change = fn(&mut World);
    let cases: [(&str, Change, Stage, &str); 6] = [
        (
            "the textbook SQL",
            |_| {},
            Stage::Sql,
            "demo request on 2026-05-30 00:00 UTC, vp (decision-maker), BANT 3/4",
        ),
        (
            "the newest hand-raise, to the minute",
            |w| {
                let t = ago(Span::seconds(90 * 60 + 59));
                w.lead.activities.push(activity(HAND_RAISES[1], t));
            },
            Stage::Sql,
            "pricing page view on 2026-05-31 22:29 UTC, vp (decision-maker), BANT 3/4",
        ),
        (
            "authority from BANT",
            |w| {
                w.no_authority();
                w.bant.authority = BantStatus::Yes;
            },
            Stage::Sql,
            "demo request on 2026-05-30 00:00 UTC, BANT authority, BANT 3/4",
        ),
        (
            "authority not required",
            |w| {
                w.no_authority();
                w.rules.sql.require_authority = false;
            },
            Stage::Sql,
            "demo request on 2026-05-30 00:00 UTC, BANT 2/4",
        ),
        (
            "an MQL: the unmet SQL criteria",
            |w| {
                w.lead.activities.clear();
                w.bant.need = BantStatus::No;
                w.bant.authority = BantStatus::No;
            },
            Stage::Mql,
            "no demo_request or pricing_page_view in the last 30 days; \
             1 of 4 BANT criteria met, 2 required",
        ),
        (
            "nurturing: the unmet MQL criteria only",
            |w| {
                w.behavior.probability = 0.25;
                w.lead.activities.clear();
            },
            Stage::Nurturing,
            "behavior score 25.0 is below the MQL threshold 50.0",
        ),
    ];
    for (name, change, stage, reason) in cases {
        let mut w = World::sql();
        change(&mut w);
        let q = w.qualify();
        assert_eq!(
            (q.stage, q.stage_reason().as_str()),
            (stage, reason),
            "{name}"
        );
        assert_eq!(q.sql_basis.is_some(), stage == Stage::Sql, "{name}");
    }
}
