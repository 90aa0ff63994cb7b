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
