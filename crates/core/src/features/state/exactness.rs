//! The exactness property: after every step of a random history (late and
//! future activities, repeats inside the dedupe window, recycles, a
//! lagging caller clock, counts, stored-form round trips), the state
//! answers what the full history answers: features of two models sharing
//! its decay (a shared half-life and per-type ones), qualification's
//! hand-raise facts, and the scorer's answer (the active model, and a
//! shadow with another feature list).

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;

use super::{Applied, LeadFeatureState, Replay, StateError};
use crate::features::{CompiledFeatures, Decay, FeatureInput, FeatureSpec, FeatureVector};
use crate::lead::{Activity, Lead, Profile, ValidLead};
use crate::qualification::{ActivityFacts, Criterion};
use crate::scoring::Scorer;
use crate::testkit::{self, HAND_RAISES};
use crate::time::{Span, Timestamp};

/// The activity types of the histories: three known to model A, two to
/// model B (one shared), one known to neither.
const TYPES: [&str; 5] = [
    "demo_request",
    "blog_read",
    "pricing_page_view",
    "webinar_attended",
    "mystery",
];

/// When a generated activity is dated.
#[derive(Debug, Clone)]
enum When {
    /// Seconds from the newest logged activity of its type (from now if
    /// none): repeats inside and just outside the dedupe window.
    NearNewest(i64),
    /// Seconds before now (late arrivals).
    Ago(i64),
    /// Seconds after now, at most a day (the clock-skew allowance).
    Ahead(i64),
}

/// One step of a history.
#[derive(Debug, Clone)]
enum Op {
    /// An activity of `TYPES[kind]`, received by a caller whose clock lags
    /// the true one by `lag` seconds.
    Event { kind: usize, when: When, lag: i64 },
    /// Time passes.
    Advance { seconds: i64 },
    /// The lead is handed back at the caller's clock, `lag` seconds behind.
    Recycle { lag: i64 },
    /// The lead's pre-aggregated counts change.
    Counts(Vec<(usize, f64)>),
}

fn op() -> impl Strategy<Value = Op> {
    let when = prop_oneof![
        3 => (-150i64..150).prop_map(When::NearNewest),
        2 => (-8_000i64..8_000).prop_map(When::NearNewest),
        2 => (0i64..30 * 86_400).prop_map(When::Ago),
        2 => (0i64..=86_400).prop_map(When::Ahead),
    ];
    let lag = prop_oneof![3 => Just(0i64), 1 => 0i64..120];
    prop_oneof![
        8 => (0..TYPES.len(), when, lag.clone()).prop_map(|(kind, when, lag)| Op::Event { kind, when, lag }),
        3 => prop_oneof![0i64..120, 0i64..3 * 86_400].prop_map(|seconds| Op::Advance { seconds }),
        1 => lag.prop_map(|lag| Op::Recycle { lag }),
        1 => proptest::collection::vec((0..TYPES.len(), 0.0f64..50.0), 0..3).prop_map(Op::Counts),
    ]
}

/// The specs of one case: models A and B share a decay, C has another
/// (another shared half-life and window, or only other per-type ones).
#[derive(Debug, Clone)]
struct Specs {
    half_life_days: Option<f64>,
    /// Per-type half-lives (index into [`TYPES`], days), shared by A and B.
    by_type: Vec<(usize, f64)>,
    dedupe_window_seconds: u32,
    units: [Option<f64>; 3],
    /// Whether C differs from A only in its per-type half-lives.
    other_by_type_only: bool,
}

fn specs() -> impl Strategy<Value = Specs> {
    let half_life = prop_oneof![Just(None), (0.05f64..60.0).prop_map(Some)];
    let by_type = proptest::collection::vec((0..TYPES.len() - 1, 0.05f64..90.0), 0..3);
    let window = prop_oneof![Just(0u32), 1u32..3_600];
    let unit = prop_oneof![Just(None), (0.5f64..20.0).prop_map(Some)];
    let units = [unit.clone(), unit.clone(), unit];
    (half_life, by_type, window, units, any::<bool>()).prop_map(
        |(half_life_days, by_type, dedupe_window_seconds, units, other_by_type_only)| Specs {
            half_life_days,
            by_type,
            dedupe_window_seconds,
            units,
            other_by_type_only,
        },
    )
}

/// The lead, its log and its state, moved by [`Op`]s.
struct World {
    /// Every activity received (the store's log).
    log: Vec<Activity>,
    /// The last recycle's time.
    recycled_at: Option<Timestamp>,
    counts: Vec<(String, f64)>,
    /// The true clock (queries are at or after it).
    now: Timestamp,
    state: LeadFeatureState,
}

impl World {
    fn new(decay: Decay) -> World {
        World {
            log: Vec::new(),
            recycled_at: None,
            counts: Vec::new(),
            now: testkit::NOW,
            state: LeadFeatureState::new(decay),
        }
    }

    /// What the store counts: activities at or after the last recycle.
    fn counted(&self) -> Vec<Activity> {
        let since = self.recycled_at;
        let kept = |a: &&Activity| since.is_none_or(|s| a.occurred_at >= s);
        self.log.iter().filter(kept).cloned().collect()
    }

    fn times_of(&self, activity_type: &str) -> Vec<Timestamp> {
        let of_type = |a: &&Activity| a.activity_type == activity_type;
        self.log
            .iter()
            .filter(of_type)
            .map(|a| a.occurred_at)
            .collect()
    }

    fn date(&self, activity_type: &str, when: &When) -> Timestamp {
        let newest = self.times_of(activity_type).into_iter().max();
        let at = match *when {
            When::NearNewest(s) => newest.unwrap_or(self.now).saturating_add(Span::seconds(s)),
            When::Ago(s) => self.now.saturating_sub(Span::seconds(s)),
            When::Ahead(s) => self.now.saturating_add(Span::seconds(s)),
        };
        at.min(self.now.saturating_add(Span::days(1)))
    }

    fn step(&mut self, op: &Op) {
        match op {
            Op::Event { kind, when, lag } => {
                let activity_type = TYPES[*kind];
                let at = self.date(activity_type, when);
                self.log.push(Activity {
                    activity_type: activity_type.to_owned(),
                    occurred_at: at,
                    event_id: Some(format!("e{}", self.log.len())),
                });
                let caller_now = self.now.saturating_sub(Span::seconds(*lag));
                let applied = self.state.apply(activity_type, at, caller_now);
                let before_recycle = self.recycled_at.is_some_and(|r| at < r);
                assert_eq!(
                    applied == Applied::BeforeRecycle,
                    before_recycle,
                    "{applied:?}"
                );
                if let Applied::NeedsReplay(replay) = applied {
                    assert!(self.state.decay().dedupe_window() > Span::ZERO);
                    assert_eq!(replay, Replay::Types(vec![activity_type.to_owned()]));
                    self.replay(replay);
                }
            }
            Op::Advance { seconds } => {
                self.now = self.now.saturating_add(Span::seconds(*seconds));
                if seconds % 2 == 0 {
                    self.state.advance(self.now);
                }
            }
            Op::Recycle { lag } => {
                let at = self.now.saturating_sub(Span::seconds(*lag));
                self.recycled_at = Some(at);
                let replay = self.state.recycle(at);
                self.replay(replay);
            }
            Op::Counts(counts) => {
                self.counts = counts
                    .iter()
                    .map(|(k, c)| (TYPES[*k].to_owned(), *c))
                    .collect();
                self.state.set_counts(self.counts.clone());
            }
        }
    }

    /// Does what the store does on a [`Replay`]: reads the log.
    fn replay(&mut self, replay: Replay) {
        match replay {
            Replay::Nothing => {}
            Replay::Types(types) => {
                for t in types {
                    let times = self.times_of(&t);
                    self.state.rebuild_type(&t, times);
                }
            }
            Replay::Lead => {
                let log = self
                    .log
                    .iter()
                    .map(|a| (a.activity_type.as_str(), a.occurred_at));
                let (decay, clock) = (self.state.decay().clone(), self.state.clock());
                self.state = LeadFeatureState::rebuild(decay, self.recycled_at, clock, log);
                self.state.set_counts(self.counts.clone());
            }
        }
        assert_eq!(self.state.replay_needed(), Replay::Nothing);
    }

    /// The full lead `ScoreLead` would see, with profile `attributes`.
    fn full_lead(&self, attributes: &BTreeMap<String, String>) -> Lead {
        Lead {
            id: "L1".to_owned(),
            profile: Profile {
                attributes: attributes.clone(),
                ..Profile::default()
            },
            activities: self.counted(),
            activity_counts: self.counts.clone(),
            ..Lead::default()
        }
    }
}

/// Equal within 1e-9 relative; below 1e-300 (f64's subnormal range, where
/// no relative precision exists, reached after ~1,000 half-lives) equal.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) + 1e-300
}

/// The state's features equal the full history's within [`close`].
pub(super) fn assert_same_features(state: &FeatureVector, full: &FeatureVector) {
    assert_eq!(state.values.len(), full.values.len());
    for (i, (s, f)) in state.values.iter().zip(&full.values).enumerate() {
        assert!(close(*s, *f), "feature {i}: state {s} != full {f}");
    }
    let names = |v: &FeatureVector| {
        v.unscored
            .iter()
            .map(|(t, _)| t.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(state), names(full), "unscored types");
    for ((t, s), (_, f)) in state.unscored.iter().zip(&full.unscored) {
        assert!(close(*s, *f), "unscored {t}: state {s} != full {f}");
    }
}

/// The scorer's answers from the state and from the full lead agree.
fn assert_same_score(scorer: &Scorer, world: &World, lead: &Lead, as_of: Timestamp) {
    let valid = ValidLead::stored(lead.clone());
    let full = scorer.score(&valid, as_of).unwrap();
    let meta = ValidLead::stored(Lead {
        activities: Vec::new(),
        activity_counts: Vec::new(),
        ..lead.clone()
    });
    let state = scorer.score_state(&meta, &world.state, as_of).unwrap();
    let (p, q) = (full.explanation.probability, state.explanation.probability);
    assert!((p - q).abs() <= 1e-9, "probability: full {p} != state {q}");
    let at_threshold = (p - full.mql_threshold).abs() <= 1e-9;
    if !at_threshold {
        assert_eq!(full.qualification.stage, state.qualification.stage);
    }
    let verdicts = |s: &crate::scoring::LeadScore| {
        let v = s.qualification.verdicts.iter();
        v.filter(|v| v.criterion != Criterion::BehaviorScore)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        verdicts(&full),
        verdicts(&state),
        "verdicts other than the score's"
    );
    let shadow = scorer.shadow_probability(&valid, as_of).unwrap();
    let attributes = &lead.profile.attributes;
    let shadow_state = scorer.shadow_probability_state(&world.state, attributes, as_of);
    let shadow_state = shadow_state.unwrap().unwrap();
    assert_eq!(shadow.0, shadow_state.0);
    assert!(
        (shadow.1 - shadow_state.1).abs() <= 1e-9,
        "shadow: {shadow:?} != {shadow_state:?}"
    );
}

/// Every check at one `as_of` (at or after the true clock).
fn check(
    world: &World,
    models: &[&CompiledFeatures; 2],
    other: &CompiledFeatures,
    scorer: &Scorer,
    as_of: Timestamp,
) {
    let attributes = BTreeMap::from([("source".to_owned(), "Referral".to_owned())]);
    let lead = world.full_lead(&attributes);
    for f in models {
        let state = world.state.features(f, as_of, &attributes).unwrap();
        let full = lead.with_feature_input(as_of, |input: &FeatureInput<'_>| f.compute(input));
        assert_same_features(&state, &full);
    }
    let mismatch = world.state.features(other, as_of, &attributes);
    assert!(
        matches!(mismatch, Err(StateError::DecayMismatch { .. })),
        "{mismatch:?}"
    );
    let types = HAND_RAISES.map(str::to_owned);
    assert_eq!(
        world.state.newest_of(&types, as_of),
        lead.newest_of(&types, as_of)
    );
    assert_same_score(scorer, world, &lead, as_of);
}

/// The stored form reads back to a state that answers the same.
fn round_trip(state: &LeadFeatureState) -> LeadFeatureState {
    let json = serde_json::to_string(state).unwrap();
    let back: LeadFeatureState = serde_json::from_str(&json).unwrap();
    assert_eq!(back.replay_needed(), state.replay_needed());
    back
}

fn models(s: &Specs) -> (CompiledFeatures, CompiledFeatures, CompiledFeatures) {
    let (h, w, u) = (s.half_life_days, s.dedupe_window_seconds, s.units);
    let by_type: BTreeMap<String, f64> = s
        .by_type
        .iter()
        .map(|&(k, d)| (TYPES[k].to_owned(), d))
        .collect();
    let with_types = |mut spec: FeatureSpec, by_type: &BTreeMap<String, f64>| {
        spec.half_life_days_by_type = by_type.clone();
        spec
    };
    let a = testkit::spec(
        h,
        w,
        &[(TYPES[0], u[0]), (TYPES[1], u[1]), (TYPES[2], None)],
    );
    let b = testkit::spec(h, w, &[(TYPES[3], u[2]), (TYPES[1], None)]);
    let (a, b) = (with_types(a, &by_type), with_types(b, &by_type));
    let other = if s.other_by_type_only {
        // Only the first type's own half-life differs from A's.
        let first = by_type
            .get(TYPES[0])
            .copied()
            .or(h)
            .map_or(10.0, |d| d * 2.0);
        let mut changed = by_type.clone();
        changed.insert(TYPES[0].to_owned(), first);
        with_types(testkit::spec(h, w, &[(TYPES[0], None)]), &changed)
    } else {
        let other = testkit::spec(
            Some(h.map_or(10.0, |d| d * 2.0)),
            w + 1,
            &[(TYPES[0], None)],
        );
        with_types(other, &by_type)
    };
    (
        CompiledFeatures::new(a),
        CompiledFeatures::new(b),
        CompiledFeatures::new(other),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_state_answers_what_the_full_history_does(
        specs in specs(),
        weights in proptest::collection::vec(-2.0f64..2.0, 7),
        intercept in -3.0f64..1.0,
        ops in proptest::collection::vec(op(), 1..60),
    ) {
        let (a, b, other) = models(&specs);
        let model = testkit::model(a.spec().clone(), weights[..4].to_vec(), intercept, 0.5);
        let shadow = testkit::model(b.spec().clone(), weights[4..].to_vec(), -intercept, 0.5);
        let scorer = testkit::scorer(model, 7).with_shadow(Some(Arc::new(shadow)));
        let mut world = World::new(a.decay().clone());
        for op in &ops {
            world.step(op);
            world.state = round_trip(&world.state);
            for ahead in [Span::ZERO, Span::hours(1), Span::micros(Span::days(1).as_micros() + 1)] {
                check(&world, &[&a, &b], &other, &scorer, world.now.saturating_add(ahead));
            }
        }
        // A model change to another decay: one rebuild from the log.
        let log = world.log.iter().map(|x| (x.activity_type.as_str(), x.occurred_at));
        let mut rebuilt = LeadFeatureState::rebuild(other.decay().clone(), world.recycled_at, world.state.clock(), log);
        rebuilt.set_counts(world.counts.clone());
        let attributes = BTreeMap::new();
        let as_of = world.now;
        let full = world.full_lead(&attributes).with_feature_input(as_of, |i| other.compute(i));
        assert_same_features(&rebuilt.features(&other, as_of, &attributes).unwrap(), &full);
    }
}
