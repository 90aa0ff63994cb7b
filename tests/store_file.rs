//! The SQLite store file under real `leadscore serve` processes: a file
//! deleted while serving stops writes and is not silently re-created at
//! the next start, a second process on the file is refused, a `kill -9`
//! leaves no lock behind, and `export` never creates a store.

mod common;

use std::path::Path;
use std::process::Command;

use common::hot_events;
use common::process::{ServeProcess, fixture_dir};
use leadscore::pb::v1 as pb;
use tonic::Code;

fn url(db: &Path) -> String {
    format!("sqlite://{}", db.display())
}

async fn record(server: &ServeProcess, lead: &str) -> Result<(), tonic::Status> {
    let results = server
        .leads()
        .await
        .record_activities(pb::RecordActivitiesRequest {
            events: hot_events(lead),
        })
        .await?
        .into_inner()
        .results;
    common::assert_all_recorded(&results);
    Ok(())
}

async fn lead_exists(server: &ServeProcess, lead: &str) -> bool {
    let got = server
        .leads()
        .await
        .get_lead(pb::GetLeadRequest {
            lead_id: lead.into(),
        })
        .await;
    match got {
        Ok(_) => true,
        Err(e) if e.code() == Code::NotFound => false,
        Err(e) => panic!("GetLead failed: {e:?}"),
    }
}

#[tokio::test]
async fn a_first_run_creates_the_store_and_says_so() {
    let fixture = fixture_dir();
    let db = fixture.path().join("leads.db");
    let server = ServeProcess::spawn(fixture.path(), &url(&db));
    let log = server.startup_log.join("\n");
    assert!(
        log.contains("creating a new, empty lead store") && log.contains("leads.db"),
        "{log}"
    );
    record(&server, "first").await.unwrap();
}

#[tokio::test]
async fn a_store_deleted_while_serving_refuses_writes_and_is_not_recreated() {
    let fixture = fixture_dir();
    let db = fixture.path().join("leads.db");
    let mut server = ServeProcess::spawn(fixture.path(), &url(&db));
    record(&server, "before").await.unwrap();

    std::fs::remove_file(&db).unwrap();
    let err = record(&server, "after").await.unwrap_err();
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    assert!(
        err.message().contains(&db.display().to_string())
            && err.message().contains("deleted or replaced"),
        "{err:?}"
    );
    server.kill();

    let refused = ServeProcess::try_spawn_with(fixture.path(), &url(&db), &[])
        .err()
        .expect("a lost store must not be replaced by an empty one");
    assert!(
        refused.contains(&db.display().to_string()) && refused.contains("--create"),
        "{refused}"
    );
    assert!(!db.exists(), "nothing was created");

    let server = ServeProcess::spawn_with(fixture.path(), &url(&db), &["--create"]);
    assert!(
        !lead_exists(&server, "before").await,
        "an empty store, as asked"
    );
    record(&server, "after").await.unwrap();
}

#[tokio::test]
async fn a_second_process_is_refused_and_a_killed_one_leaves_no_lock() {
    let fixture = fixture_dir();
    let db = fixture.path().join("leads.db");
    let mut first = ServeProcess::spawn(fixture.path(), &url(&db));
    record(&first, "kept").await.unwrap();

    let refused = ServeProcess::try_spawn_with(fixture.path(), &url(&db), &[])
        .err()
        .expect("a second server on one file must be refused");
    assert!(
        refused.contains("another process") && refused.contains("leads.db.lock"),
        "{refused}"
    );
    assert!(lead_exists(&first, "kept").await, "the first one goes on");

    first.kill();
    let restarted = ServeProcess::spawn(fixture.path(), &url(&db));
    assert!(lead_exists(&restarted, "kept").await);
}

#[test]
fn export_of_a_missing_store_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("missing.db");
    let out = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(["export", "--db", &url(&db), "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("missing.db") && stderr.contains("does not exist"),
        "{stderr}"
    );
    assert!(!db.exists());
}
