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
        ..testkit::buyer_profile("US")
    };
    let lost = Profile {
        job_title: "Analyst".into(),
        country: "DE".into(),
        company_size: Some(12.5),
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
    expected_header.extend(ProfileField::names());
    assert_eq!(header, expected_header);
    let owned = |s: &str| s.to_owned();
    let created = NOW.to_rfc3339();
    let closed = ago(Span::micros(1)).to_rfc3339();
    #[rustfmt::skip]
    let expected: Vec<Vec<String>> = vec![
        ["lost", &created, "lost", &closed, "Analyst", "", "", "", "DE", "12.5", "", ""].map(owned).to_vec(),
        ["open", &created, "open", "", "", "", "", "", "", "", "", ""].map(owned).to_vec(),
        ["won", &created, "won", &closed, "VP, \"Growth\"", "", "Marketing", "Software", "US", "500", "20000000", "acme.com"].map(owned).to_vec(),
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
