//! Shared by the integration tests: a fixture model with known weights and
//! a real server on 127.0.0.1:0.

#![allow(dead_code)]

pub mod http_client;
pub mod postgres;
pub mod process;
pub mod sockets;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use leadscore::features::{ActivityFeature, FeatureSource, FeatureSpec, FunnelStage};
use leadscore::lifecycle::Lifecycle;
use leadscore::model::{MODEL_FORMAT, ModelFile, PointsScale, Standardization};
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::lead_service_client::LeadServiceClient;
use leadscore::pb::v1::scoring_service_client::ScoringServiceClient;
use leadscore::server::ServerOptions;
use tokio::sync::oneshot;
use tonic::transport::Channel;

/// Seconds in a day.
pub const DAY: i64 = 86_400;
/// A fixed "now" for deterministic tests: 2026-06-01T00:00:00Z.
pub const NOW: i64 = 1_780_272_000;

/// The time `seconds` after the Unix epoch.
pub fn time(seconds: i64) -> leadscore::time::Timestamp {
    leadscore::time::Timestamp::from_unix(seconds, 0).unwrap()
}

/// The shipped rules file.
pub fn shipped_rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/rules.toml")
}

/// (type, raw weight) of the fixture model.
pub const WEIGHTS: &[(&str, f64)] = &[
    ("demo_request", 2.0),
    ("contact_sales", 1.8),
    ("pricing_page_view", 1.0),
    ("webinar_attended", 0.8),
    ("blog_read", 0.3),
    ("unsubscribe", -2.0),
];

/// A model file with known weights; `version` distinguishes files.
pub fn fixture_model(version: &str) -> ModelFile {
    // Non-trivial standardization so the raw-weight folding is exercised.
    let scale: Vec<f64> = (0..WEIGHTS.len()).map(|i| 0.5 + i as f64 * 0.25).collect();
    let mean: Vec<f64> = (0..WEIGHTS.len()).map(|i| 0.1 * i as f64).collect();
    let coefficients: Vec<f64> = WEIGHTS
        .iter()
        .zip(&scale)
        .map(|((_, w), s)| w * s)
        .collect();
    let shift: f64 = WEIGHTS.iter().zip(&mean).map(|((_, w), m)| w * m).sum();
    ModelFile {
        format: MODEL_FORMAT.to_owned(),
        version: version.to_owned(),
        created_at: "2026-06-01T00:00:00Z".to_owned(),
        features: FeatureSpec {
            source: FeatureSource::Events,
            half_life_days: Some(30.0),
            dedupe_window_seconds: 60,
            activities: WEIGHTS
                .iter()
                .map(|(t, _)| ActivityFeature {
                    activity_type: (*t).to_owned(),
                    funnel_stage: FunnelStage::of(t),
                    unit: None,
                })
                .collect(),
            categorical: vec![],
        },
        standardization: Standardization { mean, scale },
        coefficients,
        intercept: -3.0 + shift,
        mql_threshold: 0.5,
        points: PointsScale {
            per_logit: 33.3,
            threshold: 100,
            per_activity: BTreeMap::new(),
        },
        hyperparameters: serde_json::Value::Null,
        metrics: serde_json::Value::Null,
        training: serde_json::Value::Null,
    }
}

/// Writes a model file into `dir`.
pub fn write_model(dir: &Path, model: &ModelFile) {
    let path = dir.join(format!("{}.json", model.version));
    std::fs::write(path, serde_json::to_vec_pretty(model).unwrap()).unwrap();
}

/// A plaintext channel to `addr` (`host:port`).
pub async fn connect(addr: &str) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// A running server; dropped or [`TestServer::stop`]ped, it shuts down.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Where its HTTP/JSON listener is, when started with one.
    pub http_addr: Option<SocketAddr>,
    /// Models directory, also holding the server's `rules.toml` copy.
    pub models: tempfile::TempDir,
    /// The server's model lifecycle (refresh it after changing `models`).
    pub lifecycle: Arc<Lifecycle>,
    /// The server's lead store (a SQLite file in `models`); tests call its
    /// `sweep` directly instead of waiting for the timer.
    pub book: Arc<leadscore::store::LeadBook>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<Result<(), leadscore::config::StartError>>>,
}

impl TestServer {
    /// Starts a server on 127.0.0.1:0 with the fixture model and the shipped rules.
    pub async fn start() -> TestServer {
        TestServer::start_with(ServerOptions::default()).await
    }

    /// Starts a server with the given security and limit options.
    pub async fn start_with(options: ServerOptions) -> TestServer {
        TestServer::start_on(options, false).await
    }

    /// Starts a server with an HTTP/JSON listener too (see `http_addr`).
    pub async fn start_with_http(options: ServerOptions) -> TestServer {
        TestServer::start_on(options, true).await
    }

    async fn start_on(options: ServerOptions, http: bool) -> TestServer {
        let models = tempfile::tempdir().unwrap();
        write_model(models.path(), &fixture_model("20260601T000000Z-fixture1"));
        let rules = models.path().join("rules.toml");
        std::fs::copy(shipped_rules(), &rules).unwrap();
        let lifecycle = Arc::new(Lifecycle::start(models.path(), &rules).unwrap());
        let db = format!("sqlite://{}", models.path().join("leads.db").display());
        let book = Arc::new(
            leadscore::store::LeadBook::open(&db, lifecycle.scorer())
                .await
                .unwrap(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let http = match http {
            true => Some(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()),
            false => None,
        };
        let http_addr = http.as_ref().map(|l| l.local_addr().unwrap());
        let (tx, rx) = oneshot::channel();
        let listeners = leadscore::server::Listeners {
            grpc: listener,
            http,
        };
        let handle = tokio::spawn(leadscore::server::run(
            listeners,
            lifecycle.clone(),
            book.clone(),
            options,
            async {
                let _ = rx.await;
            },
        ));
        TestServer {
            addr,
            http_addr,
            models,
            lifecycle,
            book,
            shutdown: Some(tx),
            handle: Some(handle),
        }
    }

    /// A connected channel.
    pub async fn channel(&self) -> Channel {
        connect(&self.addr.to_string()).await
    }

    /// The HTTP/JSON address; panics unless started with one.
    pub fn http(&self) -> SocketAddr {
        self.http_addr.expect("started with start_with_http")
    }

    /// A scoring client.
    pub async fn client(&self) -> ScoringServiceClient<Channel> {
        ScoringServiceClient::new(self.channel().await)
            .max_encoding_message_size(64 << 20)
            .max_decoding_message_size(64 << 20)
    }

    /// Shuts down and waits for the drain to finish.
    pub async fn stop(mut self) {
        self.shutdown.take().unwrap().send(()).unwrap();
        self.handle.take().unwrap().await.unwrap().unwrap();
    }
}

/// A timestamp `days_ago` days before [`NOW`].
pub fn ago(days_ago: f64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: NOW - (days_ago * DAY as f64) as i64,
        nanos: 0,
    }
}

/// An activity of `kind`, `days_ago` days before [`NOW`].
pub fn activity(kind: &str, days_ago: f64) -> pb::Activity {
    pb::Activity {
        r#type: kind.to_owned(),
        occurred_at: Some(ago(days_ago)),
        ..Default::default()
    }
}

fn yes() -> Option<pb::BantCriterion> {
    Some(pb::BantCriterion {
        status: pb::BantStatus::Yes.into(),
        value: String::new(),
    })
}

/// A VP at a target company, BANT budget/authority/need met, with recent
/// BOFU intent: the textbook SQL.
pub fn hot_lead(id: &str) -> pb::Lead {
    pb::Lead {
        lead_id: id.to_owned(),
        profile: Some(pb::Profile {
            job_title: "VP Marketing".into(),
            department: "Marketing".into(),
            industry: "Software".into(),
            country: "US".into(),
            company_size: Some(500.0),
            annual_revenue: Some(20e6),
            email_domain: "acme.com".into(),
            ..Default::default()
        }),
        bant: Some(pb::Bant {
            budget: yes(),
            authority: yes(),
            need: yes(),
            timeline: None,
        }),
        activities: vec![
            activity("demo_request", 2.0),
            activity("pricing_page_view", 3.0),
            activity("pricing_page_view", 5.0),
            activity("webinar_attended", 10.0),
            activity("webinar_attended", 20.0),
            activity("blog_read", 1.0),
        ],
        activity_counts: Default::default(),
    }
}

/// `ScoreLead` request for `lead` at [`NOW`].
pub fn request(lead: pb::Lead) -> pb::ScoreLeadRequest {
    pb::ScoreLeadRequest {
        lead: Some(lead),
        as_of: Some(ago(0.0)),
    }
}

/// The activities of [`hot_lead`] as store events with ids `{lead}-{i}`,
/// shifted so that they end at the real current time (the store refuses
/// events from the future and decays from its own clock).
pub fn hot_events(lead: &str) -> Vec<pb::ActivityEvent> {
    let shift = leadscore::time::Timestamp::now().unix_seconds() - NOW;
    hot_lead(lead)
        .activities
        .into_iter()
        .enumerate()
        .map(|(i, a)| pb::ActivityEvent {
            event_id: format!("{lead}-{i}"),
            lead_id: lead.to_owned(),
            r#type: a.r#type,
            occurred_at: Some(prost_types::Timestamp {
                seconds: a.occurred_at.unwrap().seconds + shift,
                nanos: 0,
            }),
        })
        .collect()
}

/// Asserts that every event of a `RecordActivities` answer was recorded.
pub fn assert_all_recorded(results: &[pb::EventResult]) {
    assert!(
        results
            .iter()
            .all(|r| r.status == pb::EventStatus::Recorded as i32),
        "{results:?}"
    );
}

/// Makes `id` an SQL in the store: the hot lead's profile and BANT, then
/// its events.
pub async fn make_sql(c: &mut LeadServiceClient<Channel>, id: &str) {
    let hot = hot_lead(id);
    c.upsert_leads(pb::UpsertLeadsRequest {
        leads: vec![pb::LeadUpsert {
            lead_id: id.into(),
            profile: hot.profile,
            bant: hot.bant,
            update_mask: None,
        }],
    })
    .await
    .unwrap();
    c.record_activities(pb::RecordActivitiesRequest {
        events: hot_events(id),
    })
    .await
    .unwrap();
}
