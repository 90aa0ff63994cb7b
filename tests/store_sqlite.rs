//! The store suite on the embedded SQLite backend (a real file).

mod common;
#[macro_use]
mod store_suite;

/// A fresh SQLite file.
async fn open() -> Option<(tempfile::TempDir, String)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("leads.db").display());
    Some((dir, url))
}

store_suite!(open);

/// A store written by the version before event ids became per-lead keeps
/// every event, its ids still make repeats duplicates, and another lead
/// may now use one of them.
#[tokio::test]
async fn a_version_2_store_keeps_its_events() {
    use leadscore::lead::EventOutcome;
    use leadscore::time::Span;
    use leadscore_core::testkit::{NOW, ago};
    use store_suite::{event, parsed};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leads.db");
    let old = rusqlite::Connection::open(&path).unwrap();
    old.execute_batch(concat!(
        include_str!("../crates/store/migrations/sqlite/0001_leads.sql"),
        include_str!("../crates/store/migrations/sqlite/0002_shadow_and_health.sql"),
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
         INSERT INTO schema_migrations VALUES (1, 0), (2, 0);"
    ))
    .unwrap();
    let at = ago(Span::hours(1));
    old.execute(
        "INSERT INTO activities VALUES ('old-1', 'V2', 'demo_request', ?1, ?1)",
        [at.as_micros()],
    )
    .unwrap();
    drop(old);

    let url = format!("sqlite://{}", path.display());
    let book = leadscore::live::LiveStore::open(&url, store_suite::scorer())
        .await
        .unwrap();
    let view = |id: &str, lead: &str| event(id, lead, "pricing_page_view", at);
    let batch = vec![
        view("old-1", "V2"),
        view("new-1", "V2"),
        view("old-1", "W2"),
    ];
    let out = book.record_activities(parsed(batch), NOW).await.unwrap();
    assert_eq!(
        out,
        [
            EventOutcome::Duplicate,
            EventOutcome::Recorded,
            EventOutcome::Recorded
        ]
    );
    let (detail, _, _) = book.get_lead("V2".into()).await.unwrap();
    let mut ids: Vec<_> = detail
        .activities
        .iter()
        .map(|a| a.event_id.clone())
        .collect();
    ids.sort();
    assert_eq!(ids, [Some("new-1".to_owned()), Some("old-1".to_owned())]);
}
