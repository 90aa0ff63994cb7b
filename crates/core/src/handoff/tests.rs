//! Table-driven tests of each hand-off transition and each refusal.

use std::sync::Arc;

use super::*;
use crate::features::cutoff::Closing;
use crate::lead::Activity;
use crate::qualification::Stage;
use crate::rules::{AssignmentRules, Rules};
use crate::scoring::Scorer;
use crate::testkit::{self, ModelBuilder};
use crate::time::{Span, Timestamp};

/// Territories and owners, after [`testkit::rules_toml`]'s qualification.
const ASSIGNMENT: &str = r#"
[assignment]
follow_up_hours = 48
default_owners = ["inside-1", "inside-2"]

[[assignment.territories]]
countries = ["US", "CA"]
owners = ["ava", "ben"]

[[assignment.territories]]
countries = ["JP"]
owners = []

[[assignment.territories]]
countries = ["DE", "FR"]
owners = ["chloe"]
"#;

fn t(hours: i64) -> Timestamp {
    Timestamp::UNIX_EPOCH.saturating_add(Span::hours(20_000 * 24 + hours))
}

/// Every lead is an MQL (a high intercept, grade D suffices); a demo
/// request in the last 30 days makes it an SQL.
fn scorer() -> Scorer {
    let text = testkit::rules_toml(&["demo_request"], 30) + ASSIGNMENT;
    let rules = Rules::parse("rules.toml", &text).unwrap();
    let model = ModelBuilder::new("m1", &[("demo_request", 1.0)])
        .intercept(3.0)
        .linear();
    Scorer::new(Arc::new(model), Arc::new(rules))
}

fn rules() -> AssignmentRules {
    scorer().rules.assignment.clone()
}

fn demo(hours: i64) -> Activity {
    Activity {
        activity_type: "demo_request".to_owned(),
        occurred_at: t(hours),
        event_id: Some(format!("e{hours}")),
    }
}

/// A lead `L1` created at `t(0)`, in `hand_off` at `stage`, owned by `owner`.
fn lead(hand_off: HandOff, stage: Stage, owner: Option<&str>) -> LeadRecord {
    let mut rec = LeadRecord::new("L1", t(0));
    rec.hand_off = hand_off;
    rec.stage = stage;
    rec.owner = owner.map(str::to_owned);
    rec
}

fn kinds(changes: &[StageChange]) -> Vec<ChangeKind> {
    changes.iter().map(|c| c.kind).collect()
}

#[test]
fn assign_gives_an_owner_unless_closed() {
    for (hand_off, refused) in [
        (HandOff::Open, false),
        (HandOff::Accepted, false),
        (HandOff::Won, true),
        (HandOff::Lost, true),
    ] {
        let mut rec = lead(hand_off, Stage::Sql, None);
        let mut changes = Vec::new();
        let got = assign(&mut rec, "ava", "by hand".into(), t(1), &mut changes);
        if refused {
            let err = got.unwrap_err();
            assert_eq!(
                err,
                HandOffError::AssignClosed {
                    lead_id: "L1".into()
                }
            );
            assert_eq!(
                err.to_string(),
                r#"lead "L1" is closed; a closed lead cannot be assigned"#
            );
            assert_eq!((rec.owner, changes.len()), (None, 0), "{hand_off:?}");
        } else {
            got.unwrap();
            assert_eq!(rec.owner.as_deref(), Some("ava"), "{hand_off:?}");
            assert_eq!(kinds(&changes), [ChangeKind::Assigned]);
            assert_eq!(changes[0].reason, "by hand");
            assert_eq!(changes[0].owner.as_deref(), Some("ava"));
        }
    }
}

#[test]
fn accept_refuses_what_is_not_an_open_sql_of_the_named_owner() {
    let not_sql = "only an open SQL can be accepted";
    for (hand_off, stage, owner, named, refusal) in [
        (
            HandOff::Open,
            Stage::Mql,
            Some("ava"),
            Some("ava"),
            r#"lead "L1" is MQL; "#,
        ),
        (
            HandOff::Open,
            Stage::Nurturing,
            None,
            Some("ava"),
            r#"lead "L1" is NURTURING; "#,
        ),
        (
            HandOff::Accepted,
            Stage::Sql,
            Some("ava"),
            None,
            r#"lead "L1" is accepted; "#,
        ),
        (
            HandOff::Won,
            Stage::Sql,
            Some("ava"),
            None,
            r#"lead "L1" is won; "#,
        ),
        (
            HandOff::Lost,
            Stage::Mql,
            None,
            None,
            r#"lead "L1" is lost; "#,
        ),
    ] {
        let mut rec = lead(hand_off, stage, owner);
        let before = rec.clone();
        let mut changes = Vec::new();
        let err = accept(&mut rec, named, &rules(), t(1), &mut changes).unwrap_err();
        assert!(matches!(err, HandOffError::NotAcceptable { .. }), "{err:?}");
        assert_eq!(err.to_string(), format!("{refusal}{not_sql}"));
        assert_eq!((rec, changes.len()), (before, 0));
    }
    for (owner, named, refusal) in [
        (
            Some("ava"),
            Some("ben"),
            r#"lead "L1" is assigned to "ava", not "ben""#,
        ),
        (
            None,
            None,
            r#"lead "L1" has no owner; assign it or name the owner accepting it"#,
        ),
    ] {
        let mut rec = lead(HandOff::Open, Stage::Sql, owner);
        let before = rec.clone();
        let mut changes = Vec::new();
        let err = accept(&mut rec, named, &rules(), t(1), &mut changes).unwrap_err();
        assert!(
            matches!(
                err,
                HandOffError::OtherOwner { .. } | HandOffError::NoOwner { .. }
            ),
            "{err:?}"
        );
        assert_eq!(err.to_string(), refusal);
        assert_eq!((rec, changes.len()), (before, 0));
    }
}

#[test]
fn accept_takes_the_owner_and_sets_the_follow_up_deadline() {
    for (owner, named) in [
        (Some("ava"), None),
        (Some("ava"), Some("ava")),
        (None, Some("ava")),
    ] {
        let mut rec = lead(HandOff::Open, Stage::Sql, owner);
        rec.overdue_notified = true;
        let mut changes = Vec::new();
        accept(&mut rec, named, &rules(), t(1), &mut changes).unwrap();
        assert_eq!(rec.hand_off, HandOff::Accepted);
        assert_eq!(rec.owner.as_deref(), Some("ava"), "{owner:?} {named:?}");
        assert_eq!(rec.follow_up_due, Some(t(49)));
        assert!(!rec.overdue_notified);
        assert_eq!(kinds(&changes), [ChangeKind::Accepted]);
        assert_eq!(changes[0].reason, "follow up within 48 hours");
    }
}

#[test]
fn recycle_hands_back_an_open_or_accepted_lead_but_not_a_closed_one() {
    let scorer = scorer();
    for (hand_off, refused) in [
        (HandOff::Open, false),
        (HandOff::Accepted, false),
        (HandOff::Won, true),
        (HandOff::Lost, true),
    ] {
        let mut rec = lead(hand_off, Stage::Sql, Some("ava"));
        rec.follow_up_due = Some(t(2));
        let mut changes = Vec::new();
        let got = recycle(
            &scorer,
            &mut rec,
            "not now",
            Evidence::History(vec![]),
            t(5),
            &mut changes,
        );
        if refused {
            let err = got.unwrap_err();
            assert_eq!(
                err,
                HandOffError::RecycleClosed {
                    lead_id: "L1".into()
                }
            );
            assert_eq!(
                err.to_string(),
                r#"lead "L1" is closed; a closed lead cannot be handed back"#
            );
            assert_eq!((rec.hand_off, changes.len()), (hand_off, 0));
            continue;
        }
        got.unwrap();
        assert_eq!(rec.hand_off, HandOff::Open, "{hand_off:?}");
        assert_eq!((rec.owner, rec.follow_up_due), (None, None));
        assert_eq!(rec.recycled_at, Some(t(5)));
        // No counted activity since the hand-back: no hand raise, back to MQL.
        assert_eq!(rec.stage, Stage::Mql);
        assert_eq!(kinds(&changes), [ChangeKind::Recycled]);
        assert_eq!(changes[0].reason, "not now");
    }
}

#[test]
fn close_records_one_outcome_scored_as_of_it() {
    let scorer = scorer();
    for won in [true, false] {
        let mut rec = lead(HandOff::Accepted, Stage::Sql, Some("ava"));
        let mut changes = Vec::new();
        close(
            &scorer,
            &mut rec,
            won,
            Closing::of_lead(t(10), [t(5)]),
            Evidence::History(vec![demo(5)]),
            t(20),
            &mut changes,
        )
        .unwrap();
        let (outcome, kind) = if won {
            (HandOff::Won, ChangeKind::Won)
        } else {
            (HandOff::Lost, ChangeKind::Lost)
        };
        assert_eq!(rec.hand_off, outcome);
        assert_eq!((rec.outcome_at, rec.follow_up_due), (Some(t(10)), None));
        assert!(rec.scored_at < t(10), "scored before the outcome");
        assert_eq!(rec.stage, Stage::Sql);
        assert_eq!(kinds(&changes), [kind]);
        assert_eq!(changes[0].reason, if won { "won" } else { "lost" });

        let again = close(
            &scorer,
            &mut rec,
            !won,
            Closing::of_lead(t(11), []),
            Evidence::History(vec![]),
            t(21),
            &mut changes,
        );
        let err = again.unwrap_err();
        assert_eq!(
            err,
            HandOffError::AlreadyClosed {
                lead_id: "L1".into(),
                outcome
            }
        );
        assert_eq!(
            err.to_string(),
            format!(r#"lead "L1" already has an outcome ({outcome:?})"#)
        );
        assert_eq!((rec.hand_off, rec.outcome_at), (outcome, Some(t(10))));
        assert_eq!(changes.len(), 1);
    }
}

#[test]
fn outcome_time_is_bounded_by_the_clock_and_the_lead() {
    let rec = lead(HandOff::Open, Stage::Sql, None); // created at t(0)
    let now = t(100);
    for (at, activities, refusal) in [
        (t(124), vec![], None),
        (t(125), vec![], Some("is 1.0 days in the future")),
        (t(0), vec![], None),
        (
            t(-1),
            vec![],
            Some("is before the lead's first activity or creation"),
        ),
        // History imported later: activity older than the record counts.
        (t(-5), vec![demo(-10)], None),
        (
            t(-11),
            vec![demo(-10)],
            Some("is before the lead's first activity"),
        ),
    ] {
        let got = check_outcome_time(&rec, at, &activities, now);
        match refusal {
            None => assert_eq!(got, Ok(()), "{at}"),
            Some(text) => {
                let err = got.unwrap_err();
                assert_eq!(err.field, "occurred_at");
                assert!(err.reason.contains(text), "{at}: {}", err.reason);
            }
        }
    }
}

#[test]
fn an_overdue_follow_up_is_announced_once() {
    for (hand_off, due, notified, announced) in [
        (HandOff::Accepted, Some(t(10)), false, true),
        (HandOff::Accepted, Some(t(10)), true, false),
        (HandOff::Accepted, Some(t(30)), false, false),
        (HandOff::Accepted, None, false, false),
        (HandOff::Open, Some(t(10)), false, false),
        (HandOff::Won, Some(t(10)), false, false),
    ] {
        let mut rec = lead(hand_off, Stage::Sql, Some("ava"));
        rec.follow_up_due = due;
        rec.overdue_notified = notified;
        let mut changes = Vec::new();
        check_overdue(&mut rec, t(22), &mut changes);
        check_overdue(&mut rec, t(23), &mut changes);
        let case = format!("{hand_off:?} {due:?} {notified}");
        if announced {
            assert_eq!(kinds(&changes), [ChangeKind::FollowUpOverdue], "{case}");
            assert_eq!(changes[0].reason, "follow-up was due 12 hour(s) ago");
            assert!(rec.overdue_notified);
        } else {
            assert_eq!(changes, [], "{case}");
            assert_eq!(rec.overdue_notified, notified, "{case}");
        }
    }
}

#[test]
fn needs_owner_only_for_an_open_unassigned_sql() {
    for (hand_off, stage, owner, needs) in [
        (HandOff::Open, Stage::Sql, None, true),
        (HandOff::Open, Stage::Sql, Some("ava"), false),
        (HandOff::Open, Stage::Mql, None, false),
        (HandOff::Accepted, Stage::Sql, None, false),
        (HandOff::Won, Stage::Sql, None, false),
    ] {
        let rec = lead(hand_off, stage, owner);
        assert_eq!(needs_owner(&rec), needs, "{hand_off:?} {stage:?} {owner:?}");
    }
}

#[test]
fn owner_group_by_territory_then_default_else_none() {
    let with_default = rules();
    let without_default = AssignmentRules {
        default_owners: vec![],
        ..rules()
    };
    for (rules, country, group) in [
        (
            &with_default,
            "US",
            Some(("round_robin:territory:0", "ava")),
        ),
        (
            &with_default,
            " ca ",
            Some(("round_robin:territory:0", "ava")),
        ),
        (
            &with_default,
            "fr",
            Some(("round_robin:territory:2", "chloe")),
        ),
        // A territory without owners claims nobody.
        (
            &with_default,
            "JP",
            Some(("round_robin:default", "inside-1")),
        ),
        (&with_default, "", Some(("round_robin:default", "inside-1"))),
        (&without_default, "BR", None),
        (
            &without_default,
            "US",
            Some(("round_robin:territory:0", "ava")),
        ),
    ] {
        let mut rec = lead(HandOff::Open, Stage::Sql, None);
        rec.profile.country = country.to_owned();
        let got = owner_group(rules, &rec);
        let got = got.as_ref().map(|(k, o)| (k.as_str(), o[0].as_str()));
        assert_eq!(got, group, "{country:?}");
    }
}

#[test]
fn round_robin_turns_continue_from_the_counter() {
    let rules = rules();
    // Batch: US, DE, US (owned), US, JP (default), US (MQL), US.
    let mut leads: Vec<LeadRecord> = [
        ("US", Stage::Sql, None),
        ("DE", Stage::Sql, None),
        ("US", Stage::Sql, Some("zoe")),
        ("US", Stage::Sql, None),
        ("JP", Stage::Sql, None),
        ("US", Stage::Mql, None),
        ("US", Stage::Sql, None),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (country, stage, owner))| {
        let mut rec = lead(HandOff::Open, stage, owner);
        rec.id = format!("L{i}");
        rec.profile.country = country.to_owned();
        rec
    })
    .collect();
    let groups = round_robin_groups(&rules, &leads);
    let shape: Vec<(&str, Vec<usize>)> = groups
        .iter()
        .map(|g| (g.counter.as_str(), g.members.clone()))
        .collect();
    assert_eq!(
        shape,
        [
            ("round_robin:default", vec![4]),
            ("round_robin:territory:0", vec![0, 3, 6]),
            ("round_robin:territory:2", vec![1]),
        ]
    );
    let mut changes = Vec::new();
    for (group, first_turn) in groups.iter().zip([1, 7, 0]) {
        group
            .assign(&mut leads, first_turn, t(1), &mut changes)
            .unwrap();
    }
    let owners: Vec<Option<&str>> = leads.iter().map(|l| l.owner.as_deref()).collect();
    assert_eq!(
        owners,
        [
            Some("ben"),      // territory 0, turn 7
            Some("chloe"),    // territory 2, turn 0
            Some("zoe"),      // already owned
            Some("ava"),      // territory 0, turn 8
            Some("inside-2"), // default, turn 1
            None,             // not an SQL
            Some("ben"),      // territory 0, turn 9
        ]
    );
    assert_eq!(changes.len(), 5);
    assert!(changes.iter().all(|c| c.kind == ChangeKind::Assigned));
    assert_eq!(
        changes[1].reason,
        r#"round-robin of "round_robin:territory:0""#
    );
}

#[test]
fn rescore_announces_a_changed_stage_of_an_open_lead() {
    let scorer = scorer();
    for (hand_off, stage, activities, after, kind) in [
        (
            HandOff::Open,
            Stage::Nurturing,
            vec![],
            Stage::Mql,
            Some(ChangeKind::ToMql),
        ),
        (
            HandOff::Open,
            Stage::Mql,
            vec![demo(1)],
            Stage::Sql,
            Some(ChangeKind::ToSql),
        ),
        (HandOff::Open, Stage::Mql, vec![], Stage::Mql, None),
        (
            HandOff::Accepted,
            Stage::Sql,
            vec![],
            Stage::Mql,
            Some(ChangeKind::ToMql),
        ),
        // A closed lead keeps the score it was closed with.
        (
            HandOff::Won,
            Stage::Nurturing,
            vec![demo(1)],
            Stage::Nurturing,
            None,
        ),
    ] {
        let mut rec = lead(hand_off, stage, None);
        let mut changes = Vec::new();
        rescore(
            &scorer,
            &mut rec,
            Evidence::History(activities),
            t(2),
            &mut changes,
        )
        .unwrap();
        assert_eq!(rec.stage, after, "{hand_off:?} {stage:?}");
        assert_eq!(changes.first().map(|c| c.kind), kind);
        if hand_off.closed() {
            assert_eq!(rec.model_version, "");
        } else {
            assert_eq!((rec.model_version.as_str(), rec.scored_at), ("m1", t(2)));
        }
    }
}

#[test]
fn the_stage_reason_names_the_next_stage_unmet_criteria_or_what_made_an_sql() {
    let scorer = scorer();
    let mut rec = lead(HandOff::Open, Stage::Nurturing, None);
    rescore(
        &scorer,
        &mut rec,
        Evidence::History(vec![]),
        t(2),
        &mut Vec::new(),
    )
    .unwrap();
    assert_eq!(rec.stage, Stage::Mql);
    assert!(!rec.stage_reason.is_empty(), "the unmet SQL criteria");
    rescore(
        &scorer,
        &mut rec,
        Evidence::History(vec![demo(1)]),
        t(2),
        &mut Vec::new(),
    )
    .unwrap();
    assert!(
        rec.stage_reason.starts_with("demo request on "),
        "the criteria that made it: {}",
        rec.stage_reason
    );
}
