//! The sweep against brute force: leads whose stage changes by decay, by
//! the hand-raise window, by an activity dated ahead, an overdue follow-up
//! and leads that never change, swept on a grid of times (with a model of
//! another half-life swapped in halfway), each time checked against
//! `ScoreLead` on the lead's whole history as of that time.

use std::collections::BTreeMap;
use std::sync::Arc;

use leadscore::handoff::{ChangeKind, LeadRecord, StageChange, scoring_lead};
use leadscore::live::LiveStore;
use leadscore::live::state::SCORE_TOLERANCE_POINTS;
use leadscore::live::writes::HandOffAction;
use leadscore::qualification::Stage;
use leadscore::scoring::{LeadScore, Scorer};
use leadscore::store::query::ListQuery;

use leadscore::time::{Span, Timestamp};
use leadscore_core::testkit::{NOW, ago};

use super::{buyer, event, intent, make_sql, parsed, parsed_upserts, scorer_with};

/// The sweep interval of the grid.
const INTERVAL: Span = Span::hours(12);
/// Sweeps on the grid: 120 days.
const TICKS: i64 = 240;
/// The tick at which a model with another half-life is swapped in.
const MODEL_CHANGE: i64 = 100;

/// `ScoreLead`'s answer on `lead`'s whole counted history as of `t`.
/// The time of tick `k` of the grid.
fn tick(k: i64) -> Timestamp {
    NOW.saturating_add(Span::micros(k * INTERVAL.as_micros()))
}

async fn exact(
    book: &LiveStore,
    scorer: &Scorer,
    id: &str,
    as_of: Timestamp,
) -> (LeadRecord, LeadScore) {
    let (detail, _, _) = book.get_lead(id.into()).await.unwrap();
    let lead = scoring_lead(&detail.lead, detail.activities, as_of);
    (detail.lead, scorer.score(&lead, as_of).unwrap())
}

/// The leads of the grid: their ids.
async fn leads(book: &LiveStore) -> Vec<String> {
    // SQL by intent a day old: decays out of MQL, the hand-raise expires.
    make_sql(book, "G1", "US").await;
    // No authority: MQL at most, decays to nurturing.
    book.record_activities(parsed(intent("G2", "a", 2)), NOW)
        .await
        .unwrap();
    // A demo request dated 12 hours ahead: it counts from then on.
    book.upsert_leads(parsed_upserts(vec![buyer("G3", "US")]), NOW)
        .await
        .unwrap();
    let mut g3 = intent("G3", "a", 2);
    g3[0] = leadscore::lead::NewEvent::parse(
        "G3-ahead".into(),
        "G3".into(),
        "demo_request".into(),
        tick(1),
        NOW,
    );
    book.record_activities(parsed(g3), NOW).await.unwrap();
    // A negative activity beside positive ones.
    let mut g4 = intent("G4", "a", 5);
    g4.push(event("G4-unsub", "G4", "unsubscribe", ago(Span::hours(8))));
    book.record_activities(parsed(g4), NOW).await.unwrap();
    // Accepted: its follow-up deadline passes after 48 hours.
    make_sql(book, "G5", "US").await;
    book.hand_off("G5".into(), HandOffAction::Accept(None), NOW)
        .await
        .unwrap();
    let quiet: Vec<String> = (0..5).map(|i| format!("Q{i}")).collect();
    for id in &quiet {
        book.upsert_leads(parsed_upserts(vec![buyer(id, "US")]), NOW)
            .await
            .unwrap();
    }
    let mut ids: Vec<String> = ["G1", "G2", "G3", "G4", "G5"].map(String::from).into();
    ids.extend(quiet);
    ids
}

/// Whether a change is of the stage.
fn is_stage(kind: ChangeKind) -> bool {
    matches!(
        kind,
        ChangeKind::ToNurturing | ChangeKind::ToMql | ChangeKind::ToSql
    )
}

/// One sweep of the grid and the changes it recorded.
struct Tick<'a> {
    k: i64,
    t: Timestamp,
    changes: &'a [StageChange],
}

impl Tick<'_> {
    /// Checks lead `id` after the sweep against `ScoreLead` as of the
    /// tick: its stored score within the tolerance, its stored stage, and a
    /// stage change recorded at the tick exactly when the exact stage
    /// moved since the last tick (`previous`). The stage changes seen.
    async fn check(
        &self,
        book: &LiveStore,
        scorer: &Scorer,
        id: &str,
        previous: &mut BTreeMap<String, Stage>,
    ) -> usize {
        let (k, t) = (self.k, self.t);
        let (stored, want) = exact(book, scorer, id, t).await;
        let p = want.explanation.probability;
        let points = p * 100.0;
        assert!(
            (stored.score - points).abs() <= SCORE_TOLERANCE_POINTS,
            "{id} at tick {k}: stored {} exact {points}",
            stored.score
        );
        let stage = want.qualification.stage;
        let before = previous.insert(id.to_owned(), stage);
        if (p - want.mql_threshold).abs() <= 1e-9 {
            return 0;
        }
        let mine: Vec<_> = self
            .changes
            .iter()
            .filter(|c| c.lead_id == id && is_stage(c.kind))
            .collect();
        assert_eq!(stored.stage, stage, "{id} at tick {k}");
        let moved = before != Some(stage);
        assert_eq!(mine.len(), usize::from(moved), "{id} at tick {k}: {mine:?}");
        assert!(mine.iter().all(|c| c.at == t && c.stage == stage));
        mine.len()
    }
}

pub async fn the_sweep_records_each_decay_change_within_one_interval_never_before(
    book: Arc<LiveStore>,
) {
    let ids = leads(&book).await;
    book.sweep(NOW).await.unwrap();
    let mut cursor = book.last_change().await.unwrap();
    let mut scorer = book.scorer().load_full();
    let mut previous: BTreeMap<String, Stage> = BTreeMap::new();
    for id in &ids {
        previous.insert(
            id.clone(),
            exact(&book, &scorer, id, NOW).await.1.qualification.stage,
        );
    }
    let (mut touched, mut stage_changes) = (0, 0);
    for k in 1..=TICKS {
        let t = tick(k);
        if k == MODEL_CHANGE {
            book.scorer()
                .store(scorer_with("20260701T000000Z-short", 10.0, 120));
            scorer = book.scorer().load_full();
        }
        let report = book.sweep(t).await.unwrap();
        if k == MODEL_CHANGE {
            assert_eq!(
                report.leads,
                ids.len(),
                "a model change makes every lead due"
            );
            assert_eq!(
                report.rebuilt,
                ids.len(),
                "another half-life: every state rebuilt"
            );
        } else {
            touched += report.leads;
        }
        let changes = book.changes_after(cursor, 10_000).await.unwrap();
        cursor = changes.last().map_or(cursor, |c| c.cursor);
        let grid = Tick {
            k,
            t,
            changes: &changes,
        };
        for id in &ids {
            stage_changes += grid.check(&book, &scorer, id, &mut previous).await;
        }
        let page = ListQuery {
            page_size: 100,
            ..ListQuery::default()
        };
        let rows = book.list(page, t).await.unwrap();
        let key = |l: &LeadRecord| (std::cmp::Reverse(l.stage), -l.score, l.id.clone());
        assert!(
            rows.windows(2).all(|w| key(&w[0]) < key(&w[1])),
            "by stored score"
        );
    }
    assert!(
        stage_changes >= 4,
        "the grid sees stage changes: {stage_changes}"
    );
    let every = (TICKS as usize - 1) * ids.len();
    assert!(
        touched * 4 <= every,
        "a sweep reads only due leads: {touched} of {every} lead-sweeps"
    );
    let overdue: Vec<_> = book
        .changes_after(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.kind == ChangeKind::FollowUpOverdue)
        .collect();
    assert_eq!(overdue.len(), 1);
    // Due the instant after the 48-hour deadline: the first sweep after it.
    assert_eq!(overdue[0].at, tick(5));
}
