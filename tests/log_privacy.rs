//! No profile field in the logs: a real `leadscore serve` logging at
//! debug level is sent every profile text (the contact fields among them)
//! through upserts, scoring, reads and refusals, and none of the values
//! appears in anything it logged. Lead ids are what logs name.

mod common;

use common::process::{ServeProcess, fixture_dir};
use leadscore::lead::{Profile, ProfileField, TextField};
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::scoring_service_client::ScoringServiceClient;

/// A distinct value per text field, easy to find in a log.
fn value(f: TextField) -> String {
    let name = ProfileField::Text(f).name();
    match f {
        TextField::Email => format!("pf-{name}-9q@example.com"),
        _ => format!("pf-{name}-9q"),
    }
}

/// A profile whose every text field holds its [`value`] (through the
/// edge's own conversion), and those values.
fn profile() -> (pb::Profile, Vec<String>) {
    let mut p = Profile::default();
    let mut values = Vec::new();
    for f in ProfileField::ALL {
        if let ProfileField::Text(t) = f {
            t.set(&mut p, value(t));
            values.push(value(t));
        }
    }
    (leadscore::grpc::lead_convert::profile(&p), values)
}

#[tokio::test]
async fn no_profile_field_is_ever_logged() {
    let fixture = fixture_dir();
    let db = format!("sqlite://{}", fixture.path().join("leads.db").display());
    let mut server = ServeProcess::try_spawn_logging(fixture.path(), &db, &[], "debug").unwrap();
    let (profile, values) = profile();
    let mut leads = server.leads().await;
    let upsert = |p: pb::Profile| pb::UpsertLeadsRequest {
        leads: vec![pb::LeadUpsert {
            lead_id: "privacy-1".into(),
            profile: Some(p),
            ..Default::default()
        }],
    };
    leads.upsert_leads(upsert(profile.clone())).await.unwrap();
    let bad_email = pb::Profile {
        email: "pf-email-9q-not-an-address".into(),
        ..profile.clone()
    };
    let refused = leads.upsert_leads(upsert(bad_email)).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    assert!(refused.message().contains("profile.email"), "{refused:?}");
    let get = pb::GetLeadRequest {
        lead_id: "privacy-1".into(),
    };
    let stored = leads.get_lead(get).await.unwrap().into_inner();
    assert_eq!(stored.lead.unwrap().profile.unwrap(), profile);
    let list = pb::ListPrioritizedLeadsRequest::default();
    let listed = leads
        .list_prioritized_leads(list)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.leads[0].display_name, value(TextField::DisplayName));
    let mut scoring = ScoringServiceClient::new(server.channel().await);
    let lead = pb::Lead {
        lead_id: "privacy-2".into(),
        profile: Some(profile),
        ..Default::default()
    };
    let score = pb::ScoreLeadRequest {
        lead: Some(lead),
        ..Default::default()
    };
    scoring.score_lead(score).await.unwrap();
    server.kill();
    let log: Vec<String> = server
        .startup_log
        .drain(..)
        .chain(server.log.iter())
        .collect();
    assert!(
        log.iter().any(|l| l.contains("\"DEBUG\"")),
        "the server logged at debug level: {log:?}"
    );
    for line in &log {
        for v in values
            .iter()
            .chain(["pf-email-9q-not-an-address".to_owned()].iter())
        {
            assert!(!line.contains(v.as_str()), "{v} logged: {line}");
        }
    }
}
