//! [`next_due`] against brute-force re-scoring on a fine grid of times:
//! nothing changes before the due time, and (where the score moves one
//! way) the change comes within [`SEARCH_RESOLUTION`] after it.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::{DEFAULT_SCORE_TOLERANCE_POINTS, Due, DueReason, SEARCH_RESOLUTION, next_due};
use crate::features::LeadFeatureState;
use crate::lead::{Lead, Profile, ValidLead};
use crate::qualification::{Criterion, Stage};
use crate::scoring::{LeadScore, Scorer};
use crate::testkit::{self, secs};
use crate::time::{Span, Timestamp};

const DAY: i64 = 86_400;
const TOLERANCE: f64 = DEFAULT_SCORE_TOLERANCE_POINTS;

/// Model types: a hand-raise, a warm-up and a negative signal; the
/// second hand-raise type is unknown to the model.
const TYPES: [&str; 4] = [
    "demo_request",
    "blog_read",
    "unsubscribe",
    "pricing_page_view",
];

fn spec(half_life_days: Option<f64>) -> crate::features::FeatureSpec {
    testkit::spec(
        half_life_days,
        60,
        &[(TYPES[0], None), (TYPES[1], Some(3.0)), (TYPES[2], None)],
    )
}

fn attributes(referral: bool) -> BTreeMap<String, String> {
    let source = if referral { "referral" } else { "ad" };
    BTreeMap::from([("source".to_owned(), source.to_owned())])
}

fn answer(
    scorer: &Scorer,
    state: &LeadFeatureState,
    attrs: &BTreeMap<String, String>,
    at: Timestamp,
) -> LeadScore {
    let lead = Lead {
        id: "L1".to_owned(),
        profile: Profile {
            attributes: attrs.clone(),
            ..Profile::default()
        },
        ..Lead::default()
    };
    scorer
        .score_state(&ValidLead::stored(lead), state, at)
        .unwrap()
}

fn hand_raise_met(s: &LeadScore) -> bool {
    s.qualification
        .verdicts
        .iter()
        .any(|v| v.criterion == Criterion::HandRaise && v.met)
}

fn points(s: &LeadScore) -> f64 {
    s.explanation.probability * 100.0
}

/// Nothing the due time promises changes on a grid of `[now, due)`.
fn assert_nothing_changes_before(
    scorer: &Scorer,
    state: &LeadFeatureState,
    attrs: &BTreeMap<String, String>,
    now: Timestamp,
    until: Timestamp,
) {
    let start = answer(scorer, state, attrs, now);
    let span = until.since(now).as_micros();
    let grid = (0..600).map(|i| now.saturating_add(Span::micros(span / 600 * i)));
    for t in grid
        .chain([until.saturating_sub(Span::micros(1))])
        .filter(|t| *t >= now && *t < until)
    {
        let s = answer(scorer, state, attrs, t);
        assert_eq!(
            s.qualification.stage, start.qualification.stage,
            "stage at {t}, due {until}"
        );
        assert_eq!(
            hand_raise_met(&s),
            hand_raise_met(&start),
            "hand-raise at {t}"
        );
        let moved = (points(&s) - points(&start)).abs();
        assert!(
            moved <= TOLERANCE + 1e-9,
            "score moved {moved} by {t}, due {until}"
        );
    }
}

/// Where the score moves one way, what the due time announces has
/// happened [`SEARCH_RESOLUTION`] later (or the score sits on the edge).
fn assert_change_follows(
    scorer: &Scorer,
    state: &LeadFeatureState,
    attrs: &BTreeMap<String, String>,
    now: Timestamp,
    due: Due,
) {
    let start = answer(scorer, state, attrs, now);
    let after = answer(
        scorer,
        state,
        attrs,
        due.at.saturating_add(SEARCH_RESOLUTION),
    );
    let (p0, p1, threshold) = (
        start.explanation.probability,
        after.explanation.probability,
        start.mql_threshold,
    );
    match due.reason {
        DueReason::MqlCrossing => {
            let flipped = (p0 >= threshold) != (p1 >= threshold);
            assert!(
                flipped || (p1 - threshold).abs() < 1e-9,
                "no crossing by {}: {p0} -> {p1}",
                due.at
            );
        }
        DueReason::ScoreDrift => {
            let moved = (points(&after) - points(&start)).abs();
            assert!(
                moved >= TOLERANCE - 1e-9,
                "moved only {moved} by {}",
                due.at
            );
        }
        DueReason::HandRaiseExpires => {
            let at_expiry = answer(scorer, state, attrs, due.at);
            assert!(hand_raise_met(&start) && !hand_raise_met(&at_expiry));
        }
        DueReason::PendingActivity => assert_eq!(state.next_pending_after(now), Some(due.at)),
    }
}

#[test]
fn a_crossing_is_found_within_the_resolution_of_its_exact_time() {
    // One demo request at `now`, weight 2, intercept -1: the logit is
    // -1 + 2·ln(1 + 2^(-t/h)), zero when 2^(-t/h) = e^(1/2) − 1.
    let h = 10.0;
    let model = testkit::model(spec(Some(h)), vec![2.0, 0.0, 0.0, 0.0], -1.0, 0.5);
    let scorer = testkit::scorer(model, 7);
    let now = secs(0);
    let state = LeadFeatureState::rebuild(
        scorer.model.features().decay().clone(),
        None,
        now,
        [(TYPES[1], now), (TYPES[0], now)],
    );
    let attrs = attributes(false);
    let due = next_due(&scorer, &state, &attrs, now, 100.0)
        .unwrap()
        .unwrap();
    let exact_days = -h * (0.5f64.exp() - 1.0).log2();
    let exact = now.saturating_add(Span::from_days_f64(exact_days));
    assert_eq!(due.reason, DueReason::MqlCrossing);
    assert!(
        due.at <= exact && exact.since(due.at) <= SEARCH_RESOLUTION,
        "{due:?} vs {exact}"
    );
    assert_eq!(
        answer(&scorer, &state, &attrs, now).qualification.stage,
        Stage::Sql
    );
}

#[test]
fn without_decay_only_the_hand_raise_window_and_pending_activity_are_due() {
    let model = testkit::model(spec(None), vec![1.0, 1.0, -1.0, 0.5], 0.0, 0.5);
    let scorer = testkit::scorer(model, 7);
    let decay = scorer.model.features().decay();
    let now = secs(0);
    let attrs = attributes(true);
    let quiet = LeadFeatureState::rebuild(decay.clone(), None, now, [(TYPES[1], secs(-DAY))]);
    assert_eq!(
        next_due(&scorer, &quiet, &attrs, now, TOLERANCE).unwrap(),
        None
    );
    let raised = LeadFeatureState::rebuild(
        decay.clone(),
        None,
        now,
        [(TYPES[3], secs(-DAY)), (TYPES[0], secs(3_600))],
    );
    let due = next_due(&scorer, &raised, &attrs, now, TOLERANCE).unwrap();
    assert_eq!(
        due,
        Some(Due {
            at: secs(3_600),
            reason: DueReason::PendingActivity
        })
    );
    let raised = LeadFeatureState::rebuild(decay.clone(), None, now, [(TYPES[3], secs(-DAY))]);
    let due = next_due(&scorer, &raised, &attrs, now, TOLERANCE)
        .unwrap()
        .unwrap();
    // Window 7 days: met through -1 day + 7 days, expired a microsecond later.
    let expiry = secs(6 * DAY).saturating_add(Span::micros(1));
    assert_eq!(
        due,
        Due {
            at: expiry,
            reason: DueReason::HandRaiseExpires
        }
    );
}

/// A random lead: activities before `now`, a few dated ahead.
#[derive(Debug, Clone)]
struct Case {
    half_life_days: f64,
    /// Per-type half-lives (index into [`TYPES`], days): each term still
    /// decays monotonically, at its own rate.
    by_type: Vec<(usize, f64)>,
    weights: Vec<f64>,
    intercept: f64,
    past: Vec<(usize, i64)>,
    ahead: Vec<(usize, i64)>,
    referral: bool,
}

fn case() -> impl Strategy<Value = Case> {
    let weight = |sign: u8| match sign {
        0 => (0.0f64..3.0).boxed(),
        1 => (-3.0f64..0.0).boxed(),
        _ => (-3.0f64..3.0).boxed(),
    };
    (0u8..3)
        .prop_flat_map(move |sign| {
            (
                (
                    0.5f64..30.0,
                    proptest::collection::vec((0..3usize, 0.2f64..90.0), 0..3),
                ),
                proptest::collection::vec(weight(sign), 4),
                -4.0f64..2.0,
                proptest::collection::vec((0..TYPES.len(), 0i64..20 * DAY), 1..12),
                proptest::collection::vec((0..TYPES.len(), 1i64..=DAY), 0..2),
                any::<bool>(),
            )
        })
        .prop_map(
            |((half_life_days, by_type), weights, intercept, past, ahead, referral)| Case {
                half_life_days,
                by_type,
                weights,
                intercept,
                past,
                ahead,
                referral,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn nothing_changes_before_the_due_time_and_the_change_follows_it(c in case()) {
        let one_sign = c.weights[..3].iter().all(|w| *w >= 0.0) || c.weights[..3].iter().all(|w| *w <= 0.0);
        let mut spec = spec(Some(c.half_life_days));
        spec.half_life_days_by_type = c.by_type.iter().map(|&(k, d)| (TYPES[k].to_owned(), d)).collect();
        let model = testkit::model(spec, c.weights.clone(), c.intercept, 0.5);
        let scorer = testkit::scorer(model, 7);
        let now = secs(30 * DAY);
        let events = c.past.iter().map(|&(k, ago)| (TYPES[k], now.saturating_sub(Span::seconds(ago))));
        let ahead = c.ahead.iter().map(|&(k, s)| (TYPES[k], now.saturating_add(Span::seconds(s))));
        let state = LeadFeatureState::rebuild(scorer.model.features().decay().clone(), None, now, events.chain(ahead));
        let attrs = attributes(c.referral);
        let due = next_due(&scorer, &state, &attrs, now, TOLERANCE).unwrap();
        let until = due.map_or(now.saturating_add(Span::days(400)), |d| d.at);
        prop_assert!(until >= now);
        assert_nothing_changes_before(&scorer, &state, &attrs, now, until);
        if let Some(due) = due {
            let clear_of_pending = state.next_pending_after(now).is_none_or(|p| due.at.saturating_add(SEARCH_RESOLUTION) < p);
            if one_sign && clear_of_pending || due.reason == DueReason::PendingActivity || due.reason == DueReason::HandRaiseExpires {
                assert_change_follows(&scorer, &state, &attrs, now, due);
            }
        }
    }
}

#[test]
fn a_dip_below_the_threshold_between_two_mql_ends_is_found() {
    // One demo request (+2) against ten unsubscribes (-1): as both decay
    // the logit first dips, then rises to the intercept. With the
    // threshold inside the dip, the lead is an MQL now and for ever after
    // the dip, so the two ends of any long stretch say nothing changes.
    let now = secs(0);
    let mut events = vec![(TYPES[0], now)];
    events.extend((0..10).map(|i| (TYPES[2], secs(-120 * i))));
    let build = |intercept: f64| {
        let model = testkit::model(spec(Some(5.0)), vec![2.0, 0.0, -1.0, 0.0], intercept, 0.5);
        let scorer = testkit::scorer(model, 7);
        let state = LeadFeatureState::rebuild(
            scorer.model.features().decay().clone(),
            None,
            now,
            events.iter().copied(),
        );
        (scorer, state)
    };
    let attrs = attributes(false);
    let (plain, state) = build(0.0);
    let logit = |t: Timestamp| answer(&plain, &state, &attrs, t).explanation.logit;
    let grid: Vec<Timestamp> = (0..2_000).map(|i| secs(i * 300)).collect();
    let bottom = grid.iter().map(|t| logit(*t)).fold(f64::INFINITY, f64::min);
    assert!(bottom < logit(now), "the fixture dips");
    let (scorer, state) = build(-(bottom + logit(now)) / 2.0);
    let mql = |t: Timestamp| answer(&scorer, &state, &attrs, t).qualification.stage >= Stage::Mql;
    assert!(mql(now) && mql(Timestamp::MAX));
    let first_change = grid.iter().copied().find(|t| !mql(*t)).unwrap();
    let due = next_due(&scorer, &state, &attrs, now, 100.0)
        .unwrap()
        .unwrap();
    assert_eq!(due.reason, DueReason::MqlCrossing);
    assert!(
        due.at <= first_change,
        "{due:?} after the stage changed at {first_change}"
    );
    assert_nothing_changes_before(&scorer, &state, &attrs, now, due.at);
}
