//! Each behaviour of the feature state on a small, hand-checked history.

use std::collections::BTreeMap;

use super::exactness::assert_same_features;
use super::{Applied, LeadFeatureState, Replay, StateError};
use crate::features::{ActivityRef, CompiledFeatures, Decay, FeatureInput, FeatureVector};
use crate::testkit::{self, secs};
use crate::time::{Span, Timestamp};

const DAY: i64 = 86_400;

fn features(half_life_days: Option<f64>, window: u32) -> CompiledFeatures {
    CompiledFeatures::new(testkit::spec(
        half_life_days,
        window,
        &[("demo_request", None), ("blog_read", Some(2.0))],
    ))
}

/// `compute` over `(type, time)` activities as of `as_of`.
fn full(f: &CompiledFeatures, activities: &[(&str, Timestamp)], as_of: Timestamp) -> FeatureVector {
    let refs: Vec<ActivityRef<'_>> = activities
        .iter()
        .map(|&(activity_type, occurred_at)| ActivityRef {
            activity_type,
            occurred_at,
            event_id: None,
        })
        .collect();
    f.compute(&FeatureInput {
        activities: &refs,
        counts: &[],
        attributes: &BTreeMap::new(),
        as_of,
    })
}

fn of_state(f: &CompiledFeatures, s: &LeadFeatureState, as_of: Timestamp) -> FeatureVector {
    s.features(f, as_of, &BTreeMap::new()).unwrap()
}

#[test]
fn in_order_activities_fold_exactly_and_repeats_inside_the_window_count_once() {
    let f = features(Some(10.0), 60);
    let mut s = LeadFeatureState::new(f.decay().clone());
    let acts = [
        ("demo_request", secs(0)),
        ("demo_request", secs(30)),
        ("demo_request", secs(70)),
        ("blog_read", secs(5 * DAY)),
        ("mystery", secs(0)),
        ("mystery", secs(59)),
    ];
    for (t, at) in acts {
        assert_eq!(s.apply(t, at, secs(6 * DAY)), Applied::Folded, "{t} {at}");
    }
    let as_of = secs(20 * DAY);
    assert_same_features(&of_state(&f, &s, as_of), &full(&f, &acts, as_of));
    assert_eq!(
        of_state(&f, &s, as_of).unscored,
        vec![("mystery".to_owned(), 1.0)]
    );
}

#[test]
fn an_early_activity_that_can_flip_the_chain_asks_for_a_replay() {
    // Kept: 0 and 100 (30 and 50 repeat 0). A late activity at -40 keeps
    // -40 and 30, drops 0 and 50, and 100 repeats 30 (70 s < 60? no: kept).
    let f = features(None, 60);
    let mut log = vec![
        ("demo_request", secs(0)),
        ("demo_request", secs(30)),
        ("demo_request", secs(50)),
        ("demo_request", secs(100)),
    ];
    let mut s = LeadFeatureState::rebuild(f.decay().clone(), None, secs(200), log.iter().copied());
    log.push(("demo_request", secs(-40)));
    let applied = s.apply("demo_request", secs(-40), secs(200));
    assert_eq!(
        applied,
        Applied::NeedsReplay(Replay::Types(vec!["demo_request".to_owned()]))
    );
    let refused = s.features(&f, secs(200), &BTreeMap::new());
    assert_eq!(
        refused,
        Err(StateError::NeedsReplay(Replay::Types(vec![
            "demo_request".to_owned()
        ])))
    );
    s.rebuild_type("demo_request", log.iter().map(|(_, at)| *at));
    assert_same_features(&of_state(&f, &s, secs(200)), &full(&f, &log, secs(200)));
    // Without a dedupe window nothing cascades: the same late activity folds in.
    let f0 = features(Some(3.0), 0);
    let mut s0 = LeadFeatureState::rebuild(
        f0.decay().clone(),
        None,
        secs(200),
        log[..4].iter().copied(),
    );
    assert_eq!(
        s0.apply("demo_request", secs(-40), secs(200)),
        Applied::Folded
    );
    assert_same_features(&of_state(&f0, &s0, secs(300)), &full(&f0, &log, secs(300)));
}

#[test]
fn a_future_activity_counts_from_its_time_on() {
    let f = features(Some(1.0), 60);
    let mut s = LeadFeatureState::new(f.decay().clone());
    assert_eq!(
        s.apply("demo_request", secs(3_600), secs(0)),
        Applied::Pending
    );
    assert_eq!(s.horizon(), None);
    assert_eq!(s.next_pending_after(secs(0)), Some(secs(3_600)));
    let acts = [("demo_request", secs(3_600))];
    assert_eq!(of_state(&f, &s, secs(3_599)).values[0], 0.0, "not yet");
    assert_same_features(
        &of_state(&f, &s, secs(7_200)),
        &full(&f, &acts, secs(7_200)),
    );
    // Folding it (the clock passes it) changes nothing but the stored form.
    let before = of_state(&f, &s, secs(DAY));
    s.advance(secs(4_000));
    assert_eq!(s.next_pending_after(secs(0)), None);
    assert_eq!(s.horizon(), Some(secs(3_600)));
    assert_eq!(of_state(&f, &s, secs(DAY)), before);
    let early = s.features(&f, secs(3_000), &BTreeMap::new());
    assert_eq!(
        early,
        Err(StateError::BeforeHorizon {
            as_of: secs(3_000),
            horizon: secs(3_600)
        })
    );
}

#[test]
fn a_recycle_drops_what_came_before_it() {
    let f = features(Some(10.0), 60);
    let mut s = LeadFeatureState::new(f.decay().clone());
    let _ = s.apply("demo_request", secs(0), secs(100));
    let _ = s.apply("blog_read", secs(DAY), secs(DAY));
    assert_eq!(s.recycle(secs(2 * DAY)), Replay::Nothing);
    assert_eq!(
        s.apply("demo_request", secs(DAY), secs(3 * DAY)),
        Applied::BeforeRecycle
    );
    let _ = s.apply("blog_read", secs(2 * DAY), secs(3 * DAY));
    let counted = [("blog_read", secs(2 * DAY))];
    assert_same_features(
        &of_state(&f, &s, secs(3 * DAY)),
        &full(&f, &counted, secs(3 * DAY)),
    );
    // A recycle at or before a folded activity cannot split its sum.
    assert_eq!(
        s.recycle(secs(2 * DAY)),
        Replay::Types(vec!["blog_read".to_owned()])
    );
    s.rebuild_type("blog_read", [secs(DAY), secs(2 * DAY)]);
    assert_same_features(
        &of_state(&f, &s, secs(3 * DAY)),
        &full(&f, &counted, secs(3 * DAY)),
    );
    // One earlier than the last would bring back what it dropped.
    assert_eq!(s.recycle(secs(DAY)), Replay::Lead);
    assert!(matches!(
        s.features(&f, secs(3 * DAY), &BTreeMap::new()),
        Err(StateError::NeedsReplay(Replay::Lead))
    ));
}

#[test]
fn factors_stay_finite_across_the_whole_time_range() {
    // A one-microsecond half-life over 8,000 years: every factor is
    // 0.5^(age ≥ 0), so nothing overflows; old sums underflow to 0.
    let f = CompiledFeatures::new(testkit::spec(Some(1e-11), 0, &[("demo_request", None)]));
    let mut s = LeadFeatureState::new(f.decay().clone());
    for at in [
        Timestamp::MIN,
        Timestamp::MAX.saturating_sub(Span::micros(3)),
        Timestamp::MIN.saturating_add(Span::micros(1)),
    ] {
        assert_eq!(s.apply("demo_request", at, Timestamp::MAX), Applied::Folded);
    }
    let v = of_state(&f, &s, Timestamp::MAX);
    assert!(v.values.iter().all(|x| x.is_finite()), "{v:?}");
    assert!(v.values[0] > 0.0, "the newest, 3 µs old, still weighs");
}

#[test]
fn the_stored_form_is_compact_and_reads_back_the_same() {
    let f = features(Some(30.0), 60);
    let events = [
        ("demo_request", secs(0)),
        ("blog_read", secs(10)),
        ("demo_request", secs(DAY + 1)),
    ];
    let s = LeadFeatureState::rebuild(f.decay().clone(), Some(secs(-5)), secs(DAY), events);
    let json = serde_json::to_string(&s).unwrap();
    assert!(json.len() < 300, "{} bytes: {json}", json.len());
    let back: LeadFeatureState = serde_json::from_str(&json).unwrap();
    assert_eq!(
        of_state(&f, &back, secs(2 * DAY)),
        of_state(&f, &s, secs(2 * DAY))
    );
    // A time outside the supported range is refused, not trusted.
    let corrupt = json.replacen(&secs(0).as_micros().to_string(), &i64::MAX.to_string(), 1);
    assert!(
        serde_json::from_str::<LeadFeatureState>(&corrupt).is_err(),
        "{corrupt}"
    );
}

#[test]
fn a_state_serves_every_model_of_its_decay_and_refuses_another() {
    let f = features(Some(30.0), 60);
    let other_units = CompiledFeatures::new(testkit::spec(
        Some(30.0),
        60,
        &[("blog_read", None), ("mystery", Some(4.0))],
    ));
    let events = [("demo_request", secs(0)), ("mystery", secs(10))];
    let s = LeadFeatureState::rebuild(f.decay().clone(), None, secs(DAY), events);
    assert_same_features(
        &of_state(&other_units, &s, secs(DAY)),
        &full(&other_units, &events, secs(DAY)),
    );
    let slower = features(Some(60.0), 60);
    let refused = s.features(&slower, secs(DAY), &BTreeMap::new());
    assert_eq!(
        refused,
        Err(StateError::DecayMismatch {
            state: f.decay().clone(),
            model: slower.decay().clone()
        })
    );
    assert_ne!(Decay::of(slower.spec()), *s.decay());
}
