//! `leadscore export` on a real SQLite store filled through the store API:
//! the files parse back (csv crate) into exactly what was stored, in the
//! training job's event shape, and replace earlier exports whole.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use leadscore::dataset::activities::COLUMNS as ACTIVITY_COLUMNS;
use leadscore::lead::LeadUpsert;
use leadscore::lead::{EventBatch, NewEvent, UpsertBatch};
use leadscore::lead::{Profile, ProfileField};
use leadscore::lifecycle::Lifecycle;
use leadscore::live::writes::{self, HandOffAction};
use leadscore::store::db::Database;
use leadscore::store::export::{ExportSummary, export};
use leadscore::time::{Span, Timestamp};
use leadscore_core::testkit::{self, NOW, ago};

/// RFC 3339 text of the time `micros` µs after the epoch.
fn rfc3339(micros: i64) -> String {
    Timestamp::from_micros(micros).unwrap().to_rfc3339()
}

fn upsert(id: &str, profile: Profile) -> LeadUpsert {
    LeadUpsert::new(id.to_owned(), profile, testkit::buyer_bant(), None).unwrap()
}

fn event(id: &str, lead: &str, kind: &str, at: Timestamp) -> NewEvent {
    NewEvent::parse(id.into(), lead.into(), kind.into(), at, NOW).unwrap()
}

/// `leadscore export --db sqlite://DB --out OUT`, run as a process.
fn export_by_binary(db: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(["export", "--db"])
        .arg(format!("sqlite://{}", db.display()))
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// Fills a store: a won lead (quoted title, fractional-second events), a
/// lost one, an open one without profile, created by its event alone.
fn fill(db: &dyn Database) -> Vec<NewEvent> {
    let models = common::process::fixture_dir();
    let lifecycle = Lifecycle::start(models.path(), &models.path().join("rules.toml")).unwrap();
    let scorer = lifecycle.scorer().load_full();
    let won = Profile {
        job_title: "VP, \"Growth\"".into(),
        display_name: "Silva, Ana".into(),
        company: "Acme \"Labs\"".into(),
        email: "ana.silva@acme.com".into(),
        ..testkit::buyer_profile("US")
    };
    let lost = Profile {
        job_title: "Analyst".into(),
        country: "DE".into(),
        company_size: Some(12.5),
        attributes: [("lead_source".to_owned(), "ads, \"paid\"".to_owned())].into(),
        ..Profile::default()
    };
    writes::upsert_leads(
        db,
        &scorer,
        &UpsertBatch::parse(vec![upsert("won", won), upsert("lost", lost)], |_, u| Ok(u)).unwrap(),
        NOW,
    )
    .unwrap();
    // `days` before NOW and `micros` µs later: fractional seconds must survive.
    let at = |days: i64, micros: i64| ago(Span::days(days)).saturating_add(Span::micros(micros));
    let events = vec![
        event("e1", "won", "demo_request", at(2, 7)),
        event("e2", "won", "pricing_page_view", at(3, 0)),
        event("e3", "won", "contact_sales", at(1, -500_000)),
        event("e4", "lost", "blog_read", at(10, 0)),
        event("e5", "open", "webinar_attended", at(5, 0)),
    ];
    let outcomes = writes::record_activities(
        db,
        &scorer,
        EventBatch::parse(events.clone(), Ok).unwrap(),
        NOW,
    )
    .unwrap();
    assert_eq!(outcomes.value.len(), events.len());
    for (id, won) in [("won", true), ("lost", false)] {
        let action = HandOffAction::Outcome {
            won,
            at: ago(Span::micros(1)),
        };
        writes::hand_off(db, &scorer, id, &action, NOW).unwrap();
    }
    events
}

fn read(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn check_files(dir: &Path, events: &[NewEvent]) {
    let (header, leads) = read(&dir.join("leads.csv"));
    let mut expected_header = vec!["lead_id", "created_at", "outcome", "outcome_at"];
    expected_header.extend([
        "bant_budget",
        "bant_authority",
        "bant_need",
        "bant_timeline",
    ]);
    expected_header.extend(ProfileField::names());
    expected_header.push("lead_source");
    assert_eq!(header, expected_header);
    let owned = |s: &str| s.to_owned();
    let created = NOW.to_rfc3339();
    let closed = ago(Span::micros(1)).to_rfc3339();
    #[rustfmt::skip]
    let expected: Vec<Vec<String>> = vec![
        ["lost", &created, "lost", &closed, "yes", "yes", "yes", "", "Analyst", "", "", "", "DE", "12.5", "", "", "", "", "", "ads, \"paid\""].map(owned).to_vec(),
        ["open", &created, "open", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""].map(owned).to_vec(),
        ["won", &created, "won", &closed, "yes", "yes", "yes", "", "VP, \"Growth\"", "", "Marketing", "Software", "US", "500", "20000000", "acme.com", "Silva, Ana", "Acme \"Labs\"", "ana.silva@acme.com", ""].map(owned).to_vec(),
    ];
    assert_eq!(leads, expected);

    let (header, activities) = read(&dir.join("activities.csv"));
    assert_eq!(header, ACTIVITY_COLUMNS);
    let got: BTreeSet<Vec<String>> = activities.into_iter().collect();
    let want: BTreeSet<Vec<String>> = events
        .iter()
        .map(|e| {
            let t = e.occurred_at().to_rfc3339();
            [e.lead_id(), e.activity_type(), &*t, e.event_id()]
                .map(owned)
                .to_vec()
        })
        .collect();
    assert_eq!(got, want);
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn times_are_rfc3339_utc() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(NOW.to_rfc3339(), "2026-06-01T00:00:00Z");
    assert_eq!(
        rfc3339(1_709_210_096_000_007),
        "2024-02-29T12:34:56.000007Z"
    );
    assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.999999Z");
    assert_eq!(rfc3339(951_782_400_000_000), "2000-02-29T00:00:00Z");
}

#[test]
fn the_export_parses_back_into_what_was_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = leadscore::store::open(&format!(
        "sqlite://{}",
        dir.path().join("leads.db").display()
    ))
    .unwrap();
    let events = fill(db.as_ref());
    let out = dir.path().join("out");
    let mut pages = Vec::new();
    let summary = export(db.as_ref(), &out, &mut |p| pages.push(p)).unwrap();
    assert_eq!(
        summary,
        ExportSummary {
            leads: 3,
            activities: 5
        }
    );
    assert_eq!(pages, [summary]);
    check_files(&out, &events);

    // A second export (here by the binary) replaces the files whole.
    std::fs::write(out.join("leads.csv"), "stale").unwrap();
    let run = export_by_binary(&dir.path().join("leads.db"), &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("wrote 3 leads") && stderr.contains("5 activities"),
        "{stderr}"
    );
    check_files(&out, &events);
}

#[test]
fn an_unwritable_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    // A store to export: `export` never creates one.
    let db = dir.path().join("leads.db");
    drop(leadscore::store::open(&format!("sqlite://{}", db.display())).unwrap());
    let run = export_by_binary(&db, &file);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(stderr.contains("not-a-dir"), "{stderr}");
}

/// `leadscore import --db sqlite://DB` of `leads` and `activities`, run
/// as a process: its stderr (progress and summary).
fn import_by_binary(db: &Path, leads: Option<&Path>, activities: Option<&Path>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leadscore"));
    cmd.args(["import", "--db"])
        .arg(format!("sqlite://{}", db.display()));
    if let Some(l) = leads {
        cmd.arg("--leads").arg(l);
    }
    if let Some(a) = activities {
        cmd.arg("--activities").arg(a);
    }
    let run = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "{stderr}");
    stderr
}

/// A filled store exported into `dir/first`: (leads.csv, activities.csv).
fn first_export(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let db = leadscore::store::open(&format!("sqlite://{}", dir.join("a.db").display())).unwrap();
    fill(db.as_ref());
    let out = dir.join("first");
    export(db.as_ref(), &out, &mut |_| {}).unwrap();
    (out.join("leads.csv"), out.join("activities.csv"))
}

/// Exports `db` into `dir/name` and asserts both files equal `first`'s, byte for byte.
fn assert_same_export(
    db: &Path,
    dir: &Path,
    name: &str,
    first: &(std::path::PathBuf, std::path::PathBuf),
) {
    let out = dir.join(name);
    let run = export_by_binary(db, &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for (file, original) in [("leads.csv", &first.0), ("activities.csv", &first.1)] {
        let again = std::fs::read_to_string(out.join(file)).unwrap();
        assert_eq!(again, std::fs::read_to_string(original).unwrap(), "{file}");
    }
}

#[test]
fn export_import_export_gives_the_same_bytes_and_a_second_import_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let first = first_export(dir.path());
    let db = dir.path().join("b.db");
    let stderr = import_by_binary(&db, Some(&first.0), Some(&first.1));
    assert!(
        stderr.contains("3 rows read, 3 recorded, 0 duplicate, 0 rejected"),
        "{stderr}"
    );
    assert!(
        stderr.contains("5 rows read, 5 recorded, 0 duplicate, 0 rejected"),
        "{stderr}"
    );
    assert_same_export(&db, dir.path(), "second", &first);

    let stderr = import_by_binary(&db, Some(&first.0), Some(&first.1));
    assert!(
        stderr.contains("3 rows read, 0 recorded, 3 duplicate, 0 rejected"),
        "{stderr}"
    );
    assert!(
        stderr.contains("5 rows read, 0 recorded, 5 duplicate, 0 rejected"),
        "{stderr}"
    );
    assert_same_export(&db, dir.path(), "third", &first);
}

#[test]
fn an_import_stopped_part_way_records_the_rest_when_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let first = first_export(dir.path());
    // What a run killed after its first batch left: the leads and some events.
    let text = std::fs::read_to_string(&first.1).unwrap();
    let head: Vec<&str> = text.lines().take(3).collect();
    let partial = dir.path().join("partial.csv");
    std::fs::write(&partial, head.join("\n") + "\n").unwrap();
    let db = dir.path().join("b.db");
    let stderr = import_by_binary(&db, Some(&first.0), Some(&partial));
    assert!(stderr.contains("2 rows read, 2 recorded"), "{stderr}");

    let stderr = import_by_binary(&db, None, Some(&first.1));
    assert!(
        stderr.contains("5 rows read, 3 recorded, 2 duplicate, 0 rejected"),
        "{stderr}"
    );
    assert_same_export(&db, dir.path(), "second", &first);
}

#[test]
fn activities_without_event_ids_get_derived_ids_so_a_retry_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let leads = dir.path().join("leads.csv");
    std::fs::write(
        &leads,
        "lead_id,created_at,outcome,Lead Source\nL1,2026-01-01T00:00:00Z,open,ads\n",
    )
    .unwrap();
    let acts = dir.path().join("activities.csv");
    std::fs::write(
        &acts,
        "lead_id,activity_type,occurred_at\n\
         L1,Page View,2026-02-01T00:00:00Z\n\
         L1,page_view,2026-02-01T00:00:00Z\n\
         L1,email_open,2026-02-02T00:00:00Z\n\
         L1,email_open,yesterday\n\
         L9,email_open,2026-02-02T00:00:00Z\n",
    )
    .unwrap();
    let db = dir.path().join("b.db");
    let stderr = import_by_binary(&db, Some(&leads), Some(&acts));
    assert!(
        stderr.contains("5 rows read, 2 recorded, 1 duplicate, 2 rejected"),
        "{stderr}"
    );
    assert!(
        stderr.contains("activities.csv line 5: occurred_at:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("activities.csv line 6: lead_id: no lead \"L9\""),
        "{stderr}"
    );
    let stderr = import_by_binary(&db, Some(&leads), Some(&acts));
    assert!(
        stderr.contains("5 rows read, 0 recorded, 3 duplicate, 2 rejected"),
        "{stderr}"
    );

    let out = dir.path().join("out");
    assert!(export_by_binary(&db, &out).status.success());
    let (header, rows) = read(&out.join("leads.csv"));
    assert_eq!(header.last().map(String::as_str), Some("lead_source"));
    assert_eq!(rows[0].last().map(String::as_str), Some("ads"));
    let (_, rows) = read(&out.join("activities.csv"));
    let at = Timestamp::parse_rfc3339("2026-02-01T00:00:00Z").unwrap();
    let derived = leadscore::lead::derived_event_id("import", "L1", "page_view", at);
    assert_eq!(
        rows[0],
        ["L1", "page_view", "2026-02-01T00:00:00Z", derived.as_str()]
    );
}

#[test]
fn imported_open_leads_are_due_and_the_next_sweep_scores_them() {
    let dir = tempfile::tempdir().unwrap();
    let first = first_export(dir.path());
    let db_path = dir.path().join("b.db");
    import_by_binary(&db_path, Some(&first.0), Some(&first.1));
    let db = leadscore::store::open(&format!("sqlite://{}", db_path.display())).unwrap();
    let lead = |id: &str| {
        leadscore::store::db::in_tx(db.as_ref(), |tx| tx.lock_lead(id))
            .unwrap()
            .unwrap()
    };
    assert_eq!(lead("won").model_version, "", "the import scores nothing");
    let models = common::process::fixture_dir();
    let lifecycle = Lifecycle::start(models.path(), &models.path().join("rules.toml")).unwrap();
    let scorer = lifecycle.scorer().load_full();
    let swept = leadscore::live::sweep::due_chunk(db.as_ref(), &scorer, 1_000, Timestamp::now())
        .unwrap()
        .value;
    assert_eq!(swept.leads, 3, "every imported lead was due");
    assert_eq!(lead("open").model_version, scorer.model.version());
    assert!(
        lead("open").score > 0.0,
        "scored from its imported activity"
    );
    assert_eq!(
        lead("won").model_version,
        "",
        "a closed lead keeps no score"
    );
}
