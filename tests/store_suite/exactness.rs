//! Exactness in the store: random histories (late, duplicate and future
//! events, repeats inside the dedupe window, recycles, profile changes,
//! time passing with sweeps, model changes to another decay and a shadow
//! of another decay) through the live writes; after every step the stored
//! score is `ScoreLead`'s answer on the lead's history from the log, and
//! the stored feature state is the one a rebuild from the log gives.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use leadscore::features::LeadFeatureState;
use leadscore::handoff::scoring_lead;
use leadscore::lead::NewEvent;
use leadscore::live::LiveStore;
use leadscore::live::writes::HandOffAction;
use leadscore::scoring::Scorer;
use leadscore::time::{Span, Timestamp};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use leadscore_core::testkit::NOW;

use super::{buyer, parsed, parsed_upserts, scorer_with, scorer_with_types};

/// Activity types: five the fixture model knows, one it does not.
const TYPES: [&str; 6] = [
    "demo_request",
    "pricing_page_view",
    "blog_read",
    "unsubscribe",
    "webinar_attended",
    "mystery",
];

/// When a generated event is dated.
#[derive(Debug, Clone)]
enum When {
    /// Seconds from the newest logged event of its type (inside and just
    /// outside the 60 s and 120 s dedupe windows).
    NearNewest(i64),
    /// Seconds before now.
    Ago(i64),
    /// Seconds after now, at most a day.
    Ahead(i64),
}

/// One step of a history.
#[derive(Debug, Clone)]
enum Op {
    /// An event of `TYPES[kind]`; `again` re-sends the last event's id.
    Event {
        kind: usize,
        when: When,
        again: bool,
    },
    /// Time passes, then a sweep.
    Advance { seconds: i64 },
    /// The lead is handed back.
    Recycle,
    /// The lead's profile makes it a buyer.
    Profile,
    /// Another scorer (0: the fixture, 1: another half-life and window,
    /// 2: the fixture with a shadow of another decay, 3: the fixture with
    /// per-type half-lives), then a sweep.
    Model(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let when = prop_oneof![
        3 => (-200i64..200).prop_map(When::NearNewest),
        2 => (0i64..40 * 86_400).prop_map(When::Ago),
        1 => (0i64..=86_400).prop_map(When::Ahead),
    ];
    prop_oneof![
        10 => (0..TYPES.len(), when, proptest::bool::weighted(0.1))
            .prop_map(|(kind, when, again)| Op::Event { kind, when, again }),
        3 => prop_oneof![0i64..300, 0i64..5 * 86_400].prop_map(|seconds| Op::Advance { seconds }),
        1 => Just(Op::Recycle),
        1 => Just(Op::Profile),
        1 => (0usize..4).prop_map(Op::Model),
    ]
}

/// The scorers a history switches between.
struct Scorers([Arc<Scorer>; 4]);

impl Scorers {
    fn new(fixture: Arc<Scorer>) -> Scorers {
        let short = scorer_with("20260701T000000Z-short", 10.0, 120);
        let shadowed = Arc::new((*fixture).clone().with_shadow(Some(short.model.clone())));
        let by_type = [("pricing_page_view", 2.0), ("blog_read", 90.0)];
        let per_type = scorer_with_types("20260701T000000Z-pertype", &by_type);
        Scorers([fixture, short, shadowed, per_type])
    }
}

/// One lead's history as the test drives it.
struct Case<'a> {
    book: &'a LiveStore,
    id: String,
    now: Timestamp,
    /// (event id, type, time) of every event sent.
    sent: Vec<(String, &'static str, Timestamp)>,
    /// Whether the lead was created (by an event or a profile).
    exists: bool,
}

impl Case<'_> {
    async fn step(&mut self, op: &Op, scorers: &Scorers) {
        match op {
            Op::Event { kind, when, again } => self.event(*kind, when, *again).await,
            Op::Advance { seconds } => {
                self.now = self.now.saturating_add(Span::seconds(*seconds));
                self.book.sweep(self.now).await.unwrap();
            }
            Op::Recycle if !self.exists => {}
            Op::Recycle => {
                let reject = HandOffAction::Reject("not now".into());
                self.book
                    .hand_off(self.id.clone(), reject, self.now)
                    .await
                    .unwrap();
            }
            Op::Profile => {
                let up = parsed_upserts(vec![buyer(&self.id, "US")]);
                self.book.upsert_leads(up, self.now).await.unwrap();
                self.exists = true;
            }
            Op::Model(m) => {
                self.book.scorer().store(scorers.0[*m].clone());
                self.book.sweep(self.now).await.unwrap();
            }
        }
    }

    async fn event(&mut self, kind: usize, when: &When, again: bool) {
        let activity_type = TYPES[kind];
        let newest = self
            .sent
            .iter()
            .filter(|e| e.1 == activity_type)
            .map(|e| e.2)
            .max();
        let occurred = match *when {
            When::NearNewest(s) => newest.unwrap_or(self.now).saturating_add(Span::seconds(s)),
            When::Ago(s) => self.now.saturating_sub(Span::seconds(s)),
            When::Ahead(s) => self.now.saturating_add(Span::seconds(s)),
        };
        let occurred = occurred.min(self.now.saturating_add(Span::days(1)));
        let event_id = match self.sent.last() {
            Some(last) if again => last.0.clone(),
            _ => format!("e{}", self.sent.len()),
        };
        let e = NewEvent::parse(
            event_id.clone(),
            self.id.clone(),
            activity_type.to_owned(),
            occurred,
            self.now,
        );
        self.book
            .record_activities(parsed(vec![e]), self.now)
            .await
            .unwrap();
        self.exists = true;
        if !again || self.sent.is_empty() {
            self.sent.push((event_id, activity_type, occurred));
        }
    }

    /// The stored lead against `ScoreLead` on its history, and its stored
    /// state against a rebuild from the log.
    async fn check(&self, step: usize) {
        let scorer = self.book.scorer().load_full();
        let (detail, _, _) = self.book.get_lead(self.id.clone()).await.unwrap();
        let rec = &detail.lead;
        let lead = scoring_lead(rec, detail.activities.clone(), rec.scored_at);
        let want = scorer.score(&lead, rec.scored_at).unwrap();
        let p = want.explanation.probability;
        assert!(
            (rec.score - p * 100.0).abs() <= 1e-7,
            "step {step}: stored {} != ScoreLead {}",
            rec.score,
            p * 100.0
        );
        if (p - want.mql_threshold).abs() > 1e-9 {
            assert_eq!(rec.stage, want.qualification.stage, "step {step}");
        }
        let shadow = scorer.shadow_probability(&lead, rec.scored_at);
        match (&rec.shadow, shadow) {
            (Some(s), Some((version, q))) => {
                assert_eq!(s.model_version, version);
                assert!((s.score - q * 100.0).abs() <= 1e-7, "step {step}: shadow");
            }
            (None, None) => {}
            (got, want) => panic!("step {step}: shadow {got:?}, want {want:?}"),
        }
        let state = detail.state.expect("a written lead has a state");
        let decay = scorer.model.features().decay().clone();
        assert_eq!(*state.decay(), decay, "step {step}: the model's decay");
        let log = detail
            .activities
            .iter()
            .map(|a| (a.activity_type.as_str(), a.occurred_at));
        let rebuilt = LeadFeatureState::rebuild(decay, rec.recycled_at, state.clock(), log);
        let attributes = &rec.profile.attributes;
        let as_of = rec.scored_at.max(state.clock());
        let features = scorer.model.features();
        let (a, b) = (
            state.features(features, as_of, attributes).unwrap(),
            rebuilt.features(features, as_of, attributes).unwrap(),
        );
        for (x, y) in a.values.iter().zip(&b.values) {
            assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(y.abs()) + 1e-300,
                "step {step}: {x} {y}"
            );
        }
    }
}

/// Lead ids of the cases, distinct across the run (shrinking included).
static CASES: AtomicUsize = AtomicUsize::new(0);

pub async fn the_stored_score_is_score_leads_answer_after_every_step(book: Arc<LiveStore>) {
    let scorers = Scorers::new(book.scorer().load_full());
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() {
        Config::default().cases
    } else {
        48
    };
    let config = Config {
        cases,
        max_shrink_iters: 200,
        failure_persistence: None,
        ..Config::default()
    };
    let strategy = proptest::collection::vec(op(), 1..30);
    let handle = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| {
        let mut runner = TestRunner::new(config);
        let result = runner.run(&strategy, |ops| {
            handle.block_on(async {
                book.scorer().store(scorers.0[0].clone());
                let mut case = Case {
                    book: &book,
                    id: format!("P{}", CASES.fetch_add(1, Ordering::Relaxed)),
                    now: NOW,
                    sent: Vec::new(),
                    exists: false,
                };
                for (i, op) in ops.iter().enumerate() {
                    case.step(op, &scorers).await;
                    if case.exists {
                        case.check(i).await;
                    }
                }
            });
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    });
}
