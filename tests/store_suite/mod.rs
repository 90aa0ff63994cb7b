//! The lead store suite every backend must pass (`store_sqlite.rs`,
//! `store_postgres.rs` instantiate it with [`store_suite!`]).

use std::sync::Arc;

use arc_swap::ArcSwap;
use leadscore::handoff::{ChangeKind, HandOff, HandOffError, LeadRecord, scoring_lead};
use leadscore::lead::FieldError;
use leadscore::lead::LeadUpsert;
use leadscore::lead::{EventBatch, EventOutcome, NewEvent, UpsertBatch};
use leadscore::lifecycle::Lifecycle;
use leadscore::live::LiveError;
use leadscore::live::LiveStore;
use leadscore::live::writes::HandOffAction;
use leadscore::qualification::Stage;
use leadscore::scoring::Scorer;
use leadscore::store::query::{ListQuery, PageKey};
use leadscore::time::{Span, Timestamp};
use leadscore_core::testkit::{self, NOW, ago, ahead};

use crate::common;

mod exactness;
mod sweep_grid;

pub use exactness::the_stored_score_is_score_leads_answer_after_every_step;
pub use sweep_grid::the_sweep_records_each_decay_change_within_one_interval_never_before;

/// The fixture model with the shipped rules.
pub fn scorer() -> Arc<ArcSwap<Scorer>> {
    let dir = tempfile::tempdir().unwrap();
    common::write_model(
        dir.path(),
        &common::fixture_model("20260601T000000Z-fixture1"),
    );
    let lifecycle = Lifecycle::start(dir.path(), &common::shipped_rules()).unwrap();
    lifecycle.scorer()
}

/// The fixture model as version `version` with another half-life and
/// dedupe window (another decay), with the shipped rules.
pub fn scorer_with(version: &str, half_life_days: f64, window_seconds: u32) -> Arc<Scorer> {
    let mut model = common::fixture_model(version);
    model.features.half_life_days = Some(half_life_days);
    model.features.dedupe_window_seconds = window_seconds;
    scorer_of(model)
}

/// The fixture model as version `version` with its own half-life for some
/// activity types (another decay, though the shared half-life and window
/// are the fixture's), with the shipped rules.
pub fn scorer_with_types(version: &str, by_type: &[(&str, f64)]) -> Arc<Scorer> {
    let mut model = common::fixture_model(version);
    let by_type = by_type.iter().map(|(t, d)| ((*t).to_owned(), *d));
    model.features.half_life_days_by_type = by_type.collect();
    scorer_of(model)
}

/// The scorer of `model` with the shipped rules, loaded from its file.
fn scorer_of(model: leadscore::model::ModelFile) -> Arc<Scorer> {
    let dir = tempfile::tempdir().unwrap();
    common::write_model(dir.path(), &model);
    let lifecycle = Lifecycle::start(dir.path(), &common::shipped_rules()).unwrap();
    lifecycle.scorer().load_full()
}

/// A VP in `country` with BANT budget/authority/need: SQL once it shows intent.
pub fn buyer(id: &str, country: &str) -> LeadUpsert {
    let profile = testkit::buyer_profile(country);
    LeadUpsert::new(id.to_owned(), profile, testkit::buyer_bant(), None).unwrap()
}

/// An event as the edge parses it, checked against its own time (fixture
/// events are never ahead of the clock they are recorded at).
pub fn event(id: &str, lead: &str, kind: &str, at: Timestamp) -> Result<NewEvent, FieldError> {
    NewEvent::parse(id.to_owned(), lead.to_owned(), kind.to_owned(), at, at)
}

/// A batch of events as the edge hands it to the store.
pub fn parsed(events: Vec<Result<NewEvent, FieldError>>) -> EventBatch {
    EventBatch::parse(events, |e| e).unwrap()
}

/// A batch of upserts as the edge hands it to the store.
pub fn parsed_upserts(upserts: Vec<LeadUpsert>) -> UpsertBatch {
    UpsertBatch::parse(upserts, |_, u| Ok(u)).unwrap()
}

/// Hand-raising events (`days_ago` before NOW) for `lead`.
pub fn intent(lead: &str, tag: &str, days_ago: i64) -> Vec<Result<NewEvent, FieldError>> {
    [
        "demo_request",
        "pricing_page_view",
        "webinar_attended",
        "contact_sales",
    ]
    .iter()
    .enumerate()
    .map(|(i, t)| {
        let when = ago(Span::days(days_ago + i as i64));
        event(&format!("{lead}-{tag}-{i}"), lead, t, when)
    })
    .collect()
}

/// Makes an SQL lead `id` in `country`.
pub async fn make_sql(book: &LiveStore, id: &str, country: &str) {
    book.upsert_leads(parsed_upserts(vec![buyer(id, country)]), NOW)
        .await
        .unwrap();
    book.record_activities(parsed(intent(id, "a", 1)), NOW)
        .await
        .unwrap();
}

pub async fn events_keep_the_score_exactly_as_score_lead_gives_it(book: Arc<LiveStore>) {
    let up = book
        .upsert_leads(parsed_upserts(vec![buyer("L1", "US")]), NOW)
        .await
        .unwrap();
    assert_eq!(up[0].stage, Stage::Nurturing);
    let out = book
        .record_activities(parsed(intent("L1", "a", 1)), NOW)
        .await
        .unwrap();
    assert!(out.iter().all(|o| *o == EventOutcome::Recorded), "{out:?}");
    let (detail, score, _) = book.get_lead("L1".into()).await.unwrap();
    assert_eq!(detail.lead.stage, Stage::Sql);
    assert_eq!(detail.activities.len(), 4);
    let expected = book
        .scorer()
        .load()
        .score(
            &scoring_lead(&detail.lead, detail.activities.clone(), NOW),
            NOW,
        )
        .unwrap();
    assert_eq!(score, expected);
    assert_eq!(detail.lead.score, expected.explanation.probability * 100.0);
    let kinds: Vec<ChangeKind> = detail.history.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [ChangeKind::ToSql, ChangeKind::Assigned]);
}

pub async fn a_retried_batch_records_nothing_twice(book: Arc<LiveStore>) {
    let mut batch = intent("L2", "a", 3);
    batch.push(batch[0].clone());
    let first = book
        .record_activities(parsed(batch.clone()), NOW)
        .await
        .unwrap();
    assert!(first[..4].iter().all(|o| *o == EventOutcome::Recorded));
    assert_eq!(first[4], EventOutcome::Duplicate);
    let again = book.record_activities(parsed(batch), NOW).await.unwrap();
    assert!(
        again.iter().all(|o| *o == EventOutcome::Duplicate),
        "{again:?}"
    );
    let (detail, _, _) = book.get_lead("L2".into()).await.unwrap();
    assert_eq!(
        detail.activities.len(),
        4,
        "an unknown lead is created, once"
    );
}

pub async fn event_ids_are_unique_per_lead(book: Arc<LiveStore>) {
    let event =
        |event_id: &str, lead: &str| event(event_id, lead, "demo_request", ago(Span::days(1)));
    let first = book
        .record_activities(parsed(vec![event("crm-1", "U1")]), NOW)
        .await
        .unwrap();
    assert_eq!(first, [EventOutcome::Recorded]);
    // Another source numbers its events the same way for its own lead.
    let other = book
        .record_activities(
            parsed(vec![
                event("crm-1", "U2"),
                event("crm-2", "U1"),
                event("crm-2", "U2"),
            ]),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(other, [const { EventOutcome::Recorded }; 3], "{other:?}");
    let again = book
        .record_activities(
            parsed(vec![
                event("crm-1", "U2"),
                event("crm-3", "U2"),
                event("crm-3", "U2"),
            ]),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        again,
        [
            EventOutcome::Duplicate,
            EventOutcome::Recorded,
            EventOutcome::Duplicate
        ]
    );
    for (lead, count) in [("U1", 2), ("U2", 3)] {
        let (detail, _, _) = book.get_lead(lead.into()).await.unwrap();
        assert_eq!(detail.activities.len(), count, "{lead}");
    }
}

/// No per-lead limit on stored activities: a lead is scored from its
/// feature state, so the 100,000 a `ScoreLead` request may carry bounds
/// nothing in the store. Past that many, events are recorded and count.
pub async fn a_lead_past_100000_activities_keeps_recording_and_counting(book: Arc<LiveStore>) {
    let max = leadscore::lead::limits::MAX_ACTIVITIES;
    let when = |n: usize| ago(Span::days(1)).saturating_add(Span::micros(n as i64));
    let view = |lead: &str, n: usize| event(&format!("view-{n}"), lead, "page_view", when(n));
    let per_call = leadscore::lead::limits::MAX_EVENTS;
    for call in 0..max / per_call {
        let batch = (call * per_call..(call + 1) * per_call)
            .map(|n| view("BOT", n))
            .collect();
        let out = book.record_activities(parsed(batch), NOW).await.unwrap();
        assert!(out.iter().all(|o| *o == EventOutcome::Recorded));
    }
    let demo = |id: &str| event(id, "BOT", "demo_request", when(max));
    let batch = vec![
        view("BOT", 7),
        demo(&format!("view-{max}")),
        view("OTHER", 0),
        demo("demo-2"),
    ];
    let out = book.record_activities(parsed(batch), NOW).await.unwrap();
    assert_eq!(out[0], EventOutcome::Duplicate, "a repeat is still one");
    assert_eq!(
        out[1..],
        [const { EventOutcome::Recorded }; 3],
        "past {max} stored activities"
    );
    let (detail, score, _) = book.get_lead("BOT".into()).await.unwrap();
    assert_eq!(
        detail.activities.len(),
        max + 2,
        "every stored activity counts"
    );
    assert!(
        score
            .contributions
            .iter()
            .any(|c| c.feature == "activity:demo_request"),
        "the demo request past {max} is scored: {:?}",
        score.contributions
    );
    assert_eq!(detail.lead.score, score.explanation.probability * 100.0);
}

pub async fn a_malformed_event_rejects_that_event_only(book: Arc<LiveStore>) {
    let mut batch = intent("L3", "a", 1);
    let checked = |kind: &str, when: Timestamp| {
        NewEvent::parse("e".into(), "L3".into(), kind.into(), when, NOW)
    };
    batch[1] = checked("", ago(Span::days(1)));
    batch[2] = Err(FieldError::new("occurred_at", "is required"));
    batch[3] = checked("demo_request", ahead(Span::days(3)));
    let out = book.record_activities(parsed(batch), NOW).await.unwrap();
    assert_eq!(out[0], EventOutcome::Recorded);
    assert_eq!(
        out[1],
        EventOutcome::Rejected("events[1].type: is required".into())
    );
    assert_eq!(
        out[2],
        EventOutcome::Rejected("events[2].occurred_at: is required".into())
    );
    assert!(matches!(&out[3], EventOutcome::Rejected(r) if r.starts_with("events[3].occurred_at")));
    assert_eq!(
        book.get_lead("L3".into()).await.unwrap().0.activities.len(),
        1
    );
}

pub async fn the_list_is_ordered_by_stage_then_score_with_stable_pages(book: Arc<LiveStore>) {
    for (i, id) in ["S1", "S2", "S3"].iter().enumerate() {
        book.upsert_leads(parsed_upserts(vec![buyer(id, "FR")]), NOW)
            .await
            .unwrap();
        book.record_activities(parsed(intent(id, "a", 1 + 5 * i as i64)), NOW)
            .await
            .unwrap();
    }
    for id in ["N1", "N2", "N3", "N4"] {
        book.upsert_leads(parsed_upserts(vec![buyer(id, "JP")]), NOW)
            .await
            .unwrap();
    }
    let mut all = Vec::new();
    let mut after: Option<PageKey> = None;
    loop {
        let q = ListQuery {
            page_size: 2,
            after: after.clone(),
            ..ListQuery::default()
        };
        let page = book.list(q, NOW).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(PageKey {
            stage: last.stage,
            score: last.score,
            lead_id: last.id.clone(),
        });
        all.extend(page);
    }
    let ids: Vec<&str> = all.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids.len(), 7, "{ids:?}");
    for w in all.windows(2) {
        let key = |l: &LeadRecord| (std::cmp::Reverse(l.stage), -l.score, l.id.clone());
        assert!(key(&w[0]) < key(&w[1]), "{ids:?}");
    }
    assert!(
        all[..3]
            .iter()
            .all(|l| l.stage == Stage::Sql && !l.stage_reason.is_empty())
    );
    let sql_only = ListQuery {
        stages: vec![Stage::Sql],
        page_size: 10,
        ..ListQuery::default()
    };
    assert_eq!(book.list(sql_only, NOW).await.unwrap().len(), 3);
    let jp = ListQuery {
        country: Some("JP".into()),
        page_size: 10,
        ..ListQuery::default()
    };
    assert_eq!(book.list(jp, NOW).await.unwrap().len(), 4);
    let top = all[0].score;
    let min = ListQuery {
        min_score: top,
        page_size: 10,
        ..ListQuery::default()
    };
    assert_eq!(book.list(min, NOW).await.unwrap().len(), 1);
    let chloe = ListQuery {
        owner: Some("chloe".into()),
        page_size: 10,
        ..ListQuery::default()
    };
    assert_eq!(
        book.list(chloe, NOW).await.unwrap().len(),
        3,
        "FR is chloe's territory"
    );
}

pub async fn hand_off_assigns_accepts_recycles_and_closes(book: Arc<LiveStore>) {
    make_sql(&book, "H1", "US").await;
    make_sql(&book, "H2", "US").await;
    let h1 = book.get_lead("H1".into()).await.unwrap().0.lead;
    let h2 = book.get_lead("H2".into()).await.unwrap().0.lead;
    let owners = [h1.owner.clone().unwrap(), h2.owner.clone().unwrap()];
    assert!(
        owners.contains(&"ava".to_owned()) && owners.contains(&"ben".to_owned()),
        "{owners:?}"
    );

    let accepted = book
        .hand_off("H1".into(), HandOffAction::Accept(None), NOW)
        .await
        .unwrap();
    assert_eq!(accepted.hand_off, HandOff::Accepted);
    assert_eq!(accepted.follow_up_due, Some(ahead(Span::hours(48))));
    let again = book
        .hand_off("H1".into(), HandOffAction::Accept(None), NOW)
        .await;
    assert!(
        matches!(
            again,
            Err(LiveError::HandOff(HandOffError::NotAcceptable { .. }))
        ),
        "{again:?}"
    );
    book.upsert_leads(parsed_upserts(vec![buyer("M1", "US")]), NOW)
        .await
        .unwrap();
    let not_sql = book
        .hand_off("M1".into(), HandOffAction::Accept(Some("ava".into())), NOW)
        .await;
    assert!(
        matches!(
            not_sql,
            Err(LiveError::HandOff(HandOffError::NotAcceptable { .. }))
        ),
        "{not_sql:?}"
    );
    let unknown = book
        .hand_off("nobody".into(), HandOffAction::Accept(None), NOW)
        .await;
    assert!(
        matches!(
            unknown,
            Err(LiveError::Store(leadscore::store::StoreError::NotFound(_)))
        ),
        "{unknown:?}"
    );

    let later = ahead(Span::days(1));
    let back = book
        .hand_off(
            "H2".into(),
            HandOffAction::Reject("no budget this year".into()),
            later,
        )
        .await
        .unwrap();
    assert_eq!(back.stage, Stage::Nurturing);
    assert_eq!(
        (back.owner.as_deref(), back.recycled_at),
        (None, Some(later))
    );
    // Old activity, even reported late, does not re-qualify it.
    book.record_activities(parsed(intent("H2", "late", 3)), later)
        .await
        .unwrap();
    assert_eq!(
        book.get_lead("H2".into()).await.unwrap().0.lead.stage,
        Stage::Nurturing
    );
    // New intent does.
    book.record_activities(
        parsed(intent("H2", "new", -5)),
        later.saturating_add(Span::days(4)),
    )
    .await
    .unwrap();
    let (h2, _, _) = book.get_lead("H2".into()).await.unwrap();
    assert_eq!(h2.lead.stage, Stage::Sql);
    let kinds: Vec<ChangeKind> = h2.history.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::ToSql,
            ChangeKind::Assigned,
            ChangeKind::Recycled,
            ChangeKind::ToSql,
            ChangeKind::Assigned
        ]
    );

    let won = book
        .hand_off(
            "H1".into(),
            HandOffAction::Outcome {
                won: true,
                at: later,
            },
            later,
        )
        .await
        .unwrap();
    assert_eq!((won.hand_off, won.outcome_at), (HandOff::Won, Some(later)));
    let open = ListQuery {
        page_size: 10,
        ..ListQuery::default()
    };
    assert!(
        book.list(open, later)
            .await
            .unwrap()
            .iter()
            .all(|l| l.id != "H1")
    );
}

pub async fn the_sweep_decays_scores_and_flags_overdue_follow_ups_once(book: Arc<LiveStore>) {
    make_sql(&book, "W1", "US").await;
    make_sql(&book, "W2", "US").await;
    book.hand_off("W1".into(), HandOffAction::Accept(None), NOW)
        .await
        .unwrap();
    let in_3_days = ahead(Span::days(3));
    let report = book.sweep(in_3_days).await.unwrap();
    assert_eq!(report.leads, 2);
    let overdue = ListQuery {
        overdue_only: true,
        page_size: 10,
        ..ListQuery::default()
    };
    let rows = book.list(overdue, in_3_days).await.unwrap();
    assert_eq!(
        rows.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(),
        ["W1"]
    );
    book.sweep(in_3_days.saturating_add(Span::days(1)))
        .await
        .unwrap();
    let changes = book.changes_after(0, 1000).await.unwrap();
    let flagged = changes
        .iter()
        .filter(|c| c.kind == ChangeKind::FollowUpOverdue)
        .count();
    assert_eq!(flagged, 1);
    // Half a year later the hand-raise is out of its window: no longer SQL.
    let much_later = ahead(Span::days(180));
    book.sweep(much_later).await.unwrap();
    let w2 = book.get_lead("W2".into()).await.unwrap().0.lead;
    assert_ne!(w2.stage, Stage::Sql);
    assert_eq!(w2.scored_at, much_later);
    let cursors: Vec<i64> = book
        .changes_after(0, 1000)
        .await
        .unwrap()
        .iter()
        .map(|c| c.cursor)
        .collect();
    assert_eq!(
        cursors,
        (1..=cursors.len() as i64).collect::<Vec<_>>(),
        "gap-free"
    );
    let tail = book.changes_after(2, 1000).await.unwrap();
    assert_eq!(tail.first().map(|c| c.cursor), Some(3));
}

/// Two books on one database (two replicas) racing on the same leads.
pub async fn two_replicas_record_each_transition_once(a: Arc<LiveStore>, b: Arc<LiveStore>) {
    let ids: Vec<String> = (0..20).map(|i| format!("R{i:02}")).collect();
    let ups: Vec<LeadUpsert> = ids.iter().map(|id| buyer(id, "US")).collect();
    a.upsert_leads(parsed_upserts(ups), NOW).await.unwrap();
    let mut tasks = Vec::new();
    for (n, book) in [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .enumerate()
    {
        let ids = ids.clone();
        tasks.push(tokio::spawn(async move {
            let mut events = Vec::new();
            for id in &ids {
                events.extend(intent(id, &format!("r{}", n % 2), 1));
            }
            book.record_activities(parsed(events), NOW).await.unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let changes = a.changes_after(0, 10_000).await.unwrap();
    for id in &ids {
        let mine: Vec<ChangeKind> = changes
            .iter()
            .filter(|c| &c.lead_id == id)
            .map(|c| c.kind)
            .collect();
        assert_eq!(mine, [ChangeKind::ToSql, ChangeKind::Assigned], "{id}");
    }
    let q = ListQuery {
        page_size: 100,
        ..ListQuery::default()
    };
    let la: Vec<String> = a
        .list(q.clone(), NOW)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.id)
        .collect();
    let lb: Vec<String> = b
        .list(q, NOW)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(la, lb);
    assert_eq!(la.len(), 20);
}

/// The activation gate's window: activity types and attribute keys of the
/// window only, and each closed lead as it stood at its outcome.
pub async fn the_gate_window_counts_types_and_closed_leads(book: Arc<LiveStore>) {
    make_sql(&book, "G1", "US").await;
    make_sql(&book, "G2", "US").await;
    let out = book
        .hand_off(
            "G1".into(),
            HandOffAction::Outcome { won: true, at: NOW },
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(out.hand_off, HandOff::Won);
    let db = book.database();
    // The synchronous PostgreSQL client runs its own runtime: off this one.
    let window = move |from: Timestamp, to: Timestamp, max: usize| {
        let db = db.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                leadscore::store::reads::gate_window(&*db, from, to, max).unwrap()
            })
            .await
            .unwrap()
        }
    };
    let (from, to) = (ago(Span::days(90)), ahead(Span::seconds(1)));
    let live = window(from, to, 10).await;
    let per_lead = intent("x", "y", 1).len();
    let total: u64 = live.activity_types.values().sum();
    assert_eq!(total, 2 * per_lead as u64);
    assert_eq!(live.outcomes.len(), 1);
    let closed = &live.outcomes[0];
    assert!(closed.won && closed.outcome_at == NOW && closed.lead.id == "G1");
    assert_eq!(closed.lead.activities.len(), per_lead);
    let none = window(from, to, 0).await;
    assert!(none.outcomes.is_empty() && none.activity_types == live.activity_types);
    let later = window(ahead(Span::days(1)), ahead(Span::days(2)), 10).await;
    assert!(later.activity_types.is_empty() && later.outcomes.is_empty());
}

/// Instantiates the suite for a backend: `$open` is an async fn returning
/// a guard and the database URL; each test gets a fresh database.
#[macro_export]
macro_rules! store_suite {
    ($open:path) => {
        async fn book(url: &str) -> std::sync::Arc<leadscore::live::LiveStore> {
            std::sync::Arc::new(
                leadscore::live::LiveStore::open(url, store_suite::scorer())
                    .await
                    .unwrap(),
            )
        }

        macro_rules! one {
            ($name:ident) => {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some((_guard, url)) = $open().await else {
                        return;
                    };
                    store_suite::$name(book(&url).await).await;
                }
            };
        }

        one!(events_keep_the_score_exactly_as_score_lead_gives_it);
        one!(a_retried_batch_records_nothing_twice);
        one!(a_malformed_event_rejects_that_event_only);
        one!(event_ids_are_unique_per_lead);
        one!(a_lead_past_100000_activities_keeps_recording_and_counting);
        one!(the_list_is_ordered_by_stage_then_score_with_stable_pages);
        one!(hand_off_assigns_accepts_recycles_and_closes);
        one!(the_sweep_decays_scores_and_flags_overdue_follow_ups_once);
        one!(the_sweep_records_each_decay_change_within_one_interval_never_before);
        one!(the_stored_score_is_score_leads_answer_after_every_step);
        one!(the_gate_window_counts_types_and_closed_leads);

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn two_replicas_record_each_transition_once() {
            let Some((_guard, url)) = $open().await else {
                return;
            };
            store_suite::two_replicas_record_each_transition_once(
                book(&url).await,
                book(&url).await,
            )
            .await;
        }
    };
}
