//! The gate's verdicts: coverage figures, live AUCs, the cards' fallback.

use std::collections::BTreeMap;

use super::*;
use crate::lead::{Activity, Lead, ValidLead};
use crate::testkit::{self, ModelBuilder, NOW};

fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
}

fn with_auc(b: ModelBuilder, auc: f64) -> LinearModel {
    let mut file = b.build();
    file.metrics =
        serde_json::json!({"auc": auc, "log_loss": 0.5, "brier": 0.2, "calibration": []});
    LinearModel::new(file)
}

/// `n` closed leads: the won ones asked for a demo before their outcome.
fn outcomes(n: usize) -> Vec<ClosedLead> {
    (0..n)
        .map(|i| {
            let won = i % 3 == 0;
            let mut lead = Lead {
                id: format!("o-{i}"),
                ..Default::default()
            };
            let kind = if won { "demo_request" } else { "blog_read" };
            lead.activities.push(Activity {
                activity_type: kind.to_owned(),
                occurred_at: testkit::days_ago(10.0),
                event_id: None,
            });
            ClosedLead {
                lead: ValidLead::parse(lead, NOW).unwrap(),
                outcome_at: testkit::days_ago(1.0),
                won,
            }
        })
        .collect()
}

#[test]
fn coverage_counts_what_the_model_scores_of_the_live_data() {
    let live = LiveData {
        activity_types: counts(&[("demo_request", 30), ("sms_sent", 70)]),
        attribute_keys: counts(&[("lead_source", 5)]),
        outcomes: vec![],
    };
    let spec = ModelBuilder::fixture("20260601T000000Z-cover001")
        .build()
        .features;
    let c = Coverage::of(&spec, &live);
    assert_eq!(
        c.activities,
        Some(Share {
            known: 30,
            total: 100
        })
    );
    assert_eq!(c.attributes, None, "a model without attribute features");
    assert!(!c.passes());
    assert!(
        c.describe()
            .contains("30.0 % of the window's stored activities (30 of 100)"),
        "{}",
        c.describe()
    );
    let empty = Coverage::of(&spec, &LiveData::default());
    assert!(empty.passes() && empty.lowest().is_none());
}

#[test]
fn live_outcomes_decide_when_the_window_holds_enough() {
    let active = testkit::ModelBuilder::fixture("20260601T000000Z-active01").linear();
    let mirror = ModelBuilder::fixture("20260701T000000Z-mirror01")
        .scaled(-1.0)
        .linear();
    let live = LiveData {
        activity_types: counts(&[("demo_request", 10), ("blog_read", 20)]),
        outcomes: outcomes(MIN_OUTCOMES),
        ..Default::default()
    };
    let v = judge(&mirror, &active, &live);
    assert!(!v.passed, "{}", v.reason);
    assert_eq!(v.decided.name(), "outcomes");
    let (c, a) = v.decided.aucs().unwrap();
    assert!(a > 0.99 && c < 0.01, "{c} {a}");
    assert!(
        v.reason
            .contains("worse than the active model 20260601T000000Z-active01"),
        "{}",
        v.reason
    );
    let same = ModelBuilder::fixture("20260701T000000Z-double01")
        .scaled(2.0)
        .linear();
    assert!(judge(&same, &active, &live).passed);
}

#[test]
fn with_few_outcomes_the_cards_decide_else_coverage_alone() {
    let b = |v: &str| ModelBuilder::fixture(v);
    let active = with_auc(b("20260601T000000Z-active01"), 0.80);
    let live = LiveData {
        outcomes: outcomes(MIN_OUTCOMES - 1),
        ..Default::default()
    };
    let poor = judge(
        &with_auc(b("20260701T000000Z-poor0001"), 0.70),
        &active,
        &live,
    );
    assert!(!poor.passed);
    assert_eq!(poor.decided.name(), "cards");
    assert!(poor.reason.contains("only 199 outcomes"), "{}", poor.reason);
    let close = judge(
        &with_auc(b("20260701T000000Z-close001"), 0.79),
        &active,
        &live,
    );
    assert!(close.passed, "within the margin: {}", close.reason);
    let bare = judge(&b("20260701T000000Z-bare0001").linear(), &active, &live);
    assert!(bare.passed);
    assert_eq!(bare.decided, Decided::CoverageOnly { outcomes: 199 });
}

#[test]
fn with_date_only_activity_the_live_auc_does_not_see_the_outcome_day() {
    // Every activity at midnight: the won leads' demo request is on their
    // outcome day (15:00), the lost leads' blog read ten days before.
    let day = testkit::days_ago(1.0);
    let mut live = LiveData {
        activity_types: counts(&[("demo_request", 10), ("blog_read", 20)]),
        outcomes: outcomes(MIN_OUTCOMES),
        ..Default::default()
    };
    for o in &mut live.outcomes {
        let mut lead = (*o.lead).clone();
        let at = if o.won { day } else { testkit::days_ago(10.0) };
        lead.activities[0].occurred_at = at;
        o.lead = ValidLead::parse(lead, NOW).unwrap();
        o.outcome_at = day.saturating_add(crate::time::Span::hours(15));
        assert_eq!(o.as_of(), day.saturating_sub(crate::time::Span::micros(1)));
    }
    let active = testkit::ModelBuilder::fixture("20260601T000000Z-active01").linear();
    let (_, a) = judge(&active, &active, &live).decided.aucs().unwrap();
    // Seen, the outcome day's demo requests would rank every won lead first.
    assert!(a < 0.5, "live AUC {a}: the outcome day leaked");
}
