//! The `leadscore` client subcommands against a real server.

mod common;

use common::*;
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::lead_service_client::LeadServiceClient;

/// Runs the binary with `args` (off the async threads); returns stdout.
async fn leadscore(args: Vec<String>) -> (bool, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_leadscore"))
            .args(&args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    })
    .await
    .unwrap()
}

fn args(server: &TestServer, rest: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
    v.extend(["--addr".to_owned(), format!("http://{}", server.addr)]);
    v
}

/// proto3 JSON of the hot lead, as a person would write it.
const LEAD_JSON: &str = r#"{
  "leadId": "cli-1",
  "profile": {"jobTitle": "VP Marketing", "department": "Marketing", "industry": "Software",
              "country": "US", "companySize": 500, "emailDomain": "acme.com"},
  "bant": {"budget": {"status": "BANT_STATUS_YES"}, "authority": {"status": "BANT_STATUS_YES"},
           "need": {"status": "BANT_STATUS_YES"}},
  "activities": [
    {"type": "demo_request", "occurredAt": "2026-05-31T00:00:00Z"},
    {"type": "contact_sales", "occurredAt": "2026-05-31T01:00:00Z"},
    {"type": "pricing_page_view", "occurredAt": "2026-05-30T00:00:00Z"},
    {"type": "pricing_page_view", "occurredAt": "2026-05-29T00:00:00Z"},
    {"type": "webinar_attended", "occurredAt": "2026-05-28T00:00:00Z"}
  ]
}"#;

#[tokio::test]
async fn score_prints_a_table_or_proto3_json() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let lead = dir.path().join("lead.json");
    let request = format!(r#"{{"lead": {LEAD_JSON}, "asOf": "2026-06-01T00:00:00Z"}}"#);
    std::fs::write(&lead, &request).unwrap();

    let (ok, out, err) = leadscore(args(
        &server,
        &["score", "--file", lead.to_str().unwrap(), "--json"],
    ))
    .await;
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["stage"], "STAGE_SQL", "{out}");
    assert_eq!(v["leadId"], "cli-1");
    let sum = v["baselineLogit"].as_f64().unwrap()
        + v["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["logit"].as_f64().unwrap())
            .sum::<f64>();
    assert!((sum - v["logit"].as_f64().unwrap()).abs() < 1e-9);

    let (ok, out, _) = leadscore(args(&server, &["score", "--file", lead.to_str().unwrap()])).await;
    assert!(ok);
    assert!(
        out.contains("stage SQL")
            && out.contains("criteria:")
            && out.contains("Demo request (BOFU)"),
        "{out}"
    );

    std::fs::write(&lead, r#"{"leadId": "x", "profile": {"companySize": -5}}"#).unwrap();
    let (ok, _, err) = leadscore(args(&server, &["score", "--file", lead.to_str().unwrap()])).await;
    assert!(!ok);
    assert!(
        err.contains("InvalidArgument") && err.contains("lead.profile.company_size"),
        "{err}"
    );
}

#[tokio::test]
async fn leads_top_and_show_read_the_store() {
    let server = TestServer::start().await;
    let mut leads = LeadServiceClient::new(server.channel().await);
    let lead = hot_lead("top-1");
    leads
        .upsert_leads(pb::UpsertLeadsRequest {
            leads: vec![pb::LeadUpsert {
                lead_id: lead.lead_id.clone(),
                profile: lead.profile.clone(),
                bant: lead.bant.clone(),
                update_mask: None,
            }],
        })
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let events = [
        "demo_request",
        "contact_sales",
        "pricing_page_view",
        "pricing_page_view",
        "webinar_attended",
    ]
    .iter()
    .enumerate()
    .map(|(i, t)| pb::ActivityEvent {
        event_id: format!("e{i}"),
        lead_id: "top-1".into(),
        r#type: (*t).into(),
        occurred_at: Some(prost_types::Timestamp {
            seconds: now - 3600 * (i as i64 + 1),
            nanos: 0,
        }),
    })
    .collect();
    leads
        .record_activities(pb::RecordActivitiesRequest { events })
        .await
        .unwrap();

    let (ok, out, err) = leadscore(args(
        &server,
        &["leads", "top", "--stage", "sql", "--limit", "5"],
    ))
    .await;
    assert!(ok, "{err}");
    assert!(
        out.lines()
            .nth(1)
            .is_some_and(|l| l.contains("top-1") && l.contains("SQL")),
        "{out}"
    );

    let (ok, out, err) = leadscore(args(&server, &["leads", "show", "top-1", "--json"])).await;
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["lead"]["leadId"], "top-1");

    let (ok, _, err) = leadscore(args(&server, &["leads", "show", "nobody"])).await;
    assert!(!ok && err.contains("NotFound"), "{err}");
}

#[tokio::test]
async fn models_list_show_and_activate() {
    let server = TestServer::start().await;
    let mut v2 = fixture_model("20260701T000000Z-fixture2");
    v2.intercept += 1.0;
    write_model(server.models.path(), &v2);

    let (ok, out, err) = leadscore(args(&server, &["models", "list"])).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("20260701T000000Z-fixture2") && out.contains("20260601T000000Z-fixture1"),
        "{out}"
    );

    let (ok, out, _) = leadscore(args(
        &server,
        &["models", "activate", "20260601T000000Z-fixture1"],
    ))
    .await;
    assert!(ok);
    assert!(out.contains("pinned: 20260601T000000Z-fixture1"), "{out}");
    let (ok, out, _) = leadscore(args(&server, &["models", "show", "--json"])).await;
    assert!(ok);
    let card: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(card["summary"]["version"], "20260601T000000Z-fixture1");
    assert_eq!(card["halfLifeDays"], 30.0);

    let (ok, out, err) = leadscore(args(
        &server,
        &["models", "shadow", "20260701T000000Z-fixture2"],
    ))
    .await;
    assert!(ok, "{err}");
    assert!(out.contains("shadow: 20260701T000000Z-fixture2"), "{out}");
    let (_, out, _) = leadscore(args(&server, &["models", "list"])).await;
    assert!(
        out.contains("active, pinned") && out.contains("shadow"),
        "{out}"
    );
    let (ok, out, err) = leadscore(args(&server, &["health"])).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("funnel: qualified 0") && out.contains("only 0 outcomes"),
        "{out}"
    );
    let (ok, out, _) = leadscore(args(&server, &["health", "--days", "7", "--json"])).await;
    assert!(ok);
    let health: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        health["active"]["modelVersion"],
        "20260601T000000Z-fixture1"
    );
    assert_eq!(
        health["shadow"]["modelVersion"],
        "20260701T000000Z-fixture2"
    );
    let (ok, out, _) = leadscore(args(&server, &["models", "shadow", "--clear"])).await;
    assert!(ok && out.contains("shadow: (none)"), "{out}");

    let (ok, out, _) = leadscore(args(&server, &["models", "activate", "--latest"])).await;
    assert!(ok);
    assert!(out.contains("active: 20260701T000000Z-fixture2"), "{out}");
    let (ok, out, _) = leadscore(args(&server, &["models", "show"])).await;
    assert!(
        ok && out.contains("Demo request") || out.contains("activity:demo_request"),
        "{out}"
    );
}

#[tokio::test]
async fn models_activate_force_passes_the_coverage_refusal() {
    let server = TestServer::start().await;
    make_hot(
        &mut LeadServiceClient::new(server.channel().await),
        "seen-1",
        None,
    )
    .await;
    // A model of activity types the store never saw.
    let blind = leadscore_core::testkit::ModelBuilder::new(
        "20260901T000000Z-blind001",
        &[("sms_sent", 1.0)],
    )
    .build();
    write_model(server.models.path(), &blind);
    server.lifecycle.refresh();

    let activate = ["models", "activate", "20260901T000000Z-blind001"];
    let (ok, _, err) = leadscore(args(&server, &activate)).await;
    assert!(
        !ok && err.contains("FailedPrecondition") && err.contains("minimum 50 %"),
        "{err}"
    );
    let forced = [&activate[..], &["--force"]].concat();
    let (ok, out, err) = leadscore(args(&server, &forced)).await;
    assert!(ok, "{err}");
    assert!(out.contains("pinned: 20260901T000000Z-blind001"), "{out}");
}

/// Stores `id` with the hot lead's profile changed by `change`, and no
/// activity (a nurturing lead with that profile).
async fn store_profile(
    c: &mut LeadServiceClient<tonic::transport::Channel>,
    id: &str,
    change: impl FnOnce(&mut pb::Profile),
) {
    let mut profile = hot_lead(id).profile.unwrap();
    change(&mut profile);
    c.upsert_leads(pb::UpsertLeadsRequest {
        leads: vec![pb::LeadUpsert {
            lead_id: id.into(),
            profile: Some(profile),
            bant: None,
            update_mask: None,
        }],
    })
    .await
    .unwrap();
}

/// `t` as the client prints it with `--utc`.
fn utc(t: &prost_types::Timestamp) -> String {
    chrono::DateTime::from_timestamp(t.seconds, 0)
        .unwrap()
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}

#[tokio::test]
async fn hand_off_commands_change_the_stage_and_print_it() {
    let server = TestServer::start().await;
    let mut c = LeadServiceClient::new(server.channel().await);
    for id in ["h-1", "h-2", "h-3"] {
        make_sql(&mut c, id).await;
    }
    let leads = |rest: &[&str]| leadscore(args(&server, rest));

    let (ok, out, err) = leads(&["leads", "assign", "h-1", "--owner", "alice", "--utc"]).await;
    assert!(ok, "{err}");
    assert_eq!(out, "h-1: SQL (open), owner alice\n");
    assert_eq!(get_lead(&mut c, "h-1").await.lead.unwrap().owner, "alice");

    // Someone else cannot accept alice's lead: the server's refusal, non-zero.
    let (ok, out, err) = leads(&["leads", "accept", "h-1", "--me", "bob"]).await;
    assert!(!ok && out.is_empty(), "{out}");
    assert!(
        err.contains("FailedPrecondition") && err.contains("alice"),
        "{err}"
    );

    let (ok, out, err) = leads(&["leads", "accept", "h-1", "--me", "alice", "--utc"]).await;
    assert!(ok, "{err}");
    let lead = get_lead(&mut c, "h-1").await.lead.unwrap();
    assert_eq!(lead.status, pb::HandOffStatus::Accepted as i32);
    let due = utc(lead.follow_up_due.as_ref().unwrap());
    assert_eq!(
        out,
        format!("h-1: SQL (accepted), owner alice, follow-up due {due}\n")
    );

    let (ok, out, err) =
        leads(&["leads", "reject", "h-2", "--reason", "no budget this year"]).await;
    assert!(ok, "{err}");
    assert!(out.starts_with("h-2: nurturing (open)"), "{out}");
    let lead = get_lead(&mut c, "h-2").await.lead.unwrap();
    assert_eq!(lead.stage, pb::Stage::Nurturing as i32);
    assert!(lead.recycled_at.is_some());

    let at = leadscore::time::Timestamp::now().to_rfc3339();
    let (ok, out, err) = leads(&["leads", "outcome", "h-1", "--won", "--at", &at, "--utc"]).await;
    assert!(ok, "{err}");
    let lead = get_lead(&mut c, "h-1").await.lead.unwrap();
    assert_eq!(lead.status, pb::HandOffStatus::Won as i32);
    assert!(
        out.contains("(won)") && out.contains(&utc(lead.outcome_at.as_ref().unwrap())),
        "{out}"
    );
    let (ok, out, err) = leads(&["leads", "outcome", "h-3", "--lost"]).await;
    assert!(ok && out.contains("(lost)"), "{out}{err}");
    assert_eq!(
        get_lead(&mut c, "h-3").await.lead.unwrap().status,
        pb::HandOffStatus::Lost as i32
    );
    let (ok, _, err) = leads(&["leads", "outcome", "h-3", "--won"]).await;
    assert!(
        !ok && err.contains("FailedPrecondition"),
        "closed already: {err}"
    );
    let (ok, _, err) = leads(&["leads", "outcome", "h-2"]).await;
    assert!(
        !ok && err.contains("--won"),
        "won or lost is required: {err}"
    );

    // The history in words, each change dated.
    let (ok, out, err) = leads(&["leads", "show", "h-1", "--utc"]).await;
    assert!(ok, "{err}");
    let history = get_lead(&mut c, "h-1").await.history;
    for change in &history {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{} ", change.cursor)))
            .unwrap_or_else(|| panic!("change #{} in\n{out}", change.cursor));
        assert!(line.contains(&utc(change.at.as_ref().unwrap())), "{line}");
    }
    for words in ["became SQL", "assigned", "accepted", "won"] {
        assert!(out.contains(words), "{words} in\n{out}");
    }
    assert!(
        !out.contains("ToSql") && !out.contains("Accepted "),
        "{out}"
    );

    // The SQL says what made it one, on every surface.
    let sql = history
        .iter()
        .find(|c| c.kind == pb::StageChangeKind::ToSql as i32)
        .unwrap();
    assert!(
        sql.reason.starts_with("demo request on ")
            && sql.reason.ends_with("vp (decision-maker), BANT 3/4"),
        "{}",
        sql.reason
    );

    // Two closed outcomes: the health report has the active model's
    // calibration table.
    let (ok, out, err) = leads(&["health", "--utc"]).await;
    assert!(ok, "{err}");
    let window = out.lines().next().unwrap();
    assert!(
        window.starts_with("window: ") && window.matches(" UTC").count() == 2,
        "{window}"
    );
    let table = out
        .split_once("  calibration:\n")
        .unwrap_or_else(|| panic!("calibration table in\n{out}"))
        .1;
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["probability", "leads", "predicted", "observed", "gap"]
    );
    let counted: u64 = lines
        .map_while(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum();
    assert_eq!(counted, 2, "both outcomes in a bin:\n{out}");
}

/// Where each of `names` starts in the header line (in characters).
fn column_starts(header: &str, names: &[&str]) -> Vec<usize> {
    let mut from = 0;
    names
        .iter()
        .map(|name| {
            let at = header[from..].find(name).unwrap() + from;
            from = at + name.len();
            header[..at].chars().count()
        })
        .collect()
}

/// The cell of `row` that starts at character `start` (up to two spaces).
fn cell_at(row: &str, start: usize) -> String {
    let rest: String = row.chars().skip(start).collect();
    rest.split("  ").next().unwrap().to_owned()
}

#[tokio::test]
async fn top_filters_and_keeps_columns_aligned_for_long_owners() {
    let server = TestServer::start().await;
    let mut c = LeadServiceClient::new(server.channel().await);
    make_sql(&mut c, "t-sql").await;
    store_profile(&mut c, "t-de", |p| p.country = "DE".into()).await;
    store_profile(&mut c, "t-b", |p| {
        (p.industry, p.department) = ("Retail".into(), "Legal".into());
    })
    .await;
    let long_owner = "Maximiliane Korsakova-Lindqvist";
    assert_eq!(long_owner.chars().count(), 31);
    let owner30 = &long_owner[..30];
    for (id, owner) in [("t-de", owner30), ("t-b", "Zoë Ø")] {
        let (ok, _, err) =
            leadscore(args(&server, &["leads", "assign", id, "--owner", owner])).await;
        assert!(ok, "{err}");
    }
    let top = |rest: &[&str]| {
        let mut v = vec!["leads", "top", "--utc"];
        v.extend(rest);
        leadscore(args(&server, &v))
    };
    let ids = |out: &str| -> Vec<String> {
        out.lines()
            .skip(1)
            .map(|l| l.split_whitespace().next().unwrap().to_owned())
            .collect()
    };

    let (ok, out, err) = top(&[]).await;
    assert!(ok, "{err}");
    assert_eq!(ids(&out)[0], "t-sql", "SQL first:\n{out}");
    let mut lines = out.lines();
    let header = lines.next().unwrap();
    let names = [
        "lead",
        "stage",
        "status",
        "score",
        "grade",
        "owner",
        "country",
        "follow-up due",
        "why",
    ];
    let starts = column_starts(header, &names);
    let owner = names.iter().position(|n| *n == "owner").unwrap();
    for row in lines {
        let id = cell_at(row, starts[0]);
        let got_owner = cell_at(row, starts[owner]);
        match id.as_str() {
            "t-de" => assert_eq!(got_owner, owner30, "{out}"),
            "t-b" => assert_eq!(got_owner, "Zoë Ø", "{out}"),
            _ => assert!(["ava", "ben"].contains(&got_owner.as_str()), "{out}"),
        }
        let country = cell_at(row, starts[owner + 1]);
        assert_eq!(country, if id == "t-de" { "DE" } else { "US" }, "{out}");
        assert_eq!(cell_at(row, starts[owner + 2]), "-", "not accepted: {out}");
    }

    for (filter, want) in [
        (&["--stage", "sql"][..], &["t-sql"][..]),
        (&["--country", "DE"], &["t-de"]),
        (&["--owner", owner30], &["t-de"]),
        (&["--mine", "--me", "Zoë Ø"], &["t-b"]),
        (&["--grade", "b"], &["t-b"]),
        (&["--min-score", "100"], &[]),
        (&["--overdue"], &[]),
    ] {
        let (ok, out, err) = top(filter).await;
        assert!(ok, "{filter:?}: {err}");
        assert_eq!(ids(&out), want, "{filter:?}:\n{out}");
    }
    let (ok, _, err) = top(&["--mine"]).await;
    assert!(!ok && err.contains("--me"), "{err}");

    // Paging: the token of the next page is said on stderr.
    let (ok, first, err) = top(&["--limit", "2"]).await;
    assert!(ok, "{err}");
    let token = err.trim().strip_prefix("more: add --page-token ").unwrap();
    let (ok, second, err) = top(&["--limit", "2", "--page-token", token]).await;
    assert!(ok && err.is_empty(), "{err}");
    let mut all = ids(&first);
    all.extend(ids(&second));
    all.sort();
    assert_eq!(all, ["t-b", "t-de", "t-sql"]);
}

/// A running `leadscore leads watch`: its stdout lines arrive on `lines`;
/// killed when dropped.
struct Watcher {
    child: std::process::Child,
    lines: tokio::sync::mpsc::Receiver<String>,
}

/// Lines a watcher may print before the test reads them.
const WATCH_LINES: usize = 1_024;
/// The longest a watched line may take to arrive (through a restart).
const WATCH_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

impl Watcher {
    fn spawn(addr: &str, rest: &[&str]) -> Watcher {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_leadscore"))
            .args([
                "leads",
                "watch",
                "--utc",
                "--addr",
                &format!("http://{addr}"),
            ])
            .args(rest)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = tokio::sync::mpsc::channel(WATCH_LINES);
        std::thread::spawn(move || {
            for line in std::io::BufRead::lines(stdout) {
                let Ok(line) = line else { return };
                if tx.blocking_send(line).is_err() {
                    return;
                }
            }
        });
        Watcher { child, lines }
    }

    /// The lines up to and including the first that `done` accepts.
    async fn until(&mut self, done: impl Fn(&str) -> bool) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let line = tokio::time::timeout(WATCH_WAIT, self.lines.recv())
                .await
                .unwrap_or_else(|_| panic!("no matching line in {WATCH_WAIT:?}; saw {seen:#?}"))
                .unwrap_or_else(|| panic!("the watcher exited; saw {seen:#?}"));
            let last = done(&line);
            seen.push(line);
            if last {
                return seen;
            }
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The cursor of a watched line (`TIME  #CURSOR  LEAD  WHAT …`).
fn cursor_of(line: &str) -> u64 {
    let after = line.split_once("  #").unwrap().1;
    after.split_whitespace().next().unwrap().parse().unwrap()
}

fn became_sql(lead: &'static str) -> impl Fn(&str) -> bool {
    move |l: &str| l.contains(&format!("  {lead} became SQL ("))
}

#[tokio::test]
async fn watch_prints_each_change_once_across_a_server_restart() {
    let fixture = common::process::fixture_dir();
    let db = format!("sqlite://{}", fixture.path().join("leads.db").display());
    let mut server = common::process::ServeProcess::spawn(fixture.path(), &db);
    let addr = server.addr.clone();
    let mut watcher = Watcher::spawn(&addr, &[]);
    make_sql(&mut server.leads().await, "w-1").await;
    let before = watcher.until(became_sql("w-1")).await;
    let line = before.last().unwrap();
    assert!(
        line.starts_with("20") && line.contains(" UTC  #") && line.contains("demo request on "),
        "{line}"
    );

    // The server dies under the watcher and comes back on its address.
    server.kill();
    let server = common::process::ServeProcess::spawn_on(fixture.path(), &db, &addr);
    make_sql(&mut server.leads().await, "w-2").await;
    let after = watcher.until(became_sql("w-2")).await;
    let w1_sql = cursor_of(line);
    assert!(
        after.iter().all(|l| cursor_of(l) > w1_sql),
        "resumed after #{w1_sql}, nothing twice: {after:#?}"
    );

    // From a cursor, only one kind.
    let after_w1 = w1_sql.to_string();
    let mut sqls = Watcher::spawn(&addr, &["--after", &after_w1, "--kind", "to_sql"]);
    let lines = sqls.until(became_sql("w-2")).await;
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(cursor_of(&lines[0]) > w1_sql);

    // For scripts: JSON Lines, one StageChange in proto3 JSON each.
    let mut json = Watcher::spawn(&addr, &["--after", &after_w1, "--json"]);
    let first = json.until(|_| true).await.remove(0);
    let change: serde_json::Value = serde_json::from_str(&first).unwrap();
    let cursor: u64 = change["cursor"].as_str().unwrap().parse().unwrap();
    assert_eq!(cursor, w1_sql + 1, "{first}");
}
