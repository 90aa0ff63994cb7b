//! Shared by the integration tests: a fixture model with known weights and
//! a real server on 127.0.0.1:0.

// Each test or bench binary uses its own part of these fixtures, re-exports
// included.
#![allow(dead_code, unused_imports)]

pub mod http_client;
pub mod postgres;
pub mod process;
pub mod receiver;
pub mod sockets;
pub mod wire;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use leadscore::grpc::convert::timestamp;
use leadscore::lifecycle::Lifecycle;
use leadscore::model::ModelFile;
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::lead_service_client::LeadServiceClient;
use leadscore::pb::v1::scoring_service_client::ScoringServiceClient;
use leadscore::server::ServerOptions;
use leadscore::time::Timestamp;
use leadscore_core::testkit::{self, ModelBuilder};
use tokio::sync::oneshot;
use tonic::transport::Channel;

pub use leadscore_core::testkit::FIXTURE_WEIGHTS as WEIGHTS;
pub use leadscore_core::testkit::NOW;
pub use wire::request;

/// The shipped rules file.
pub fn shipped_rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/rules.toml")
}

/// The fixture model file (`testkit::ModelBuilder::fixture`); `version`
/// distinguishes files.
pub fn fixture_model(version: &str) -> ModelFile {
    ModelBuilder::fixture(version).build()
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
    pub book: Arc<leadscore::live::LiveStore>,
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
            leadscore::live::LiveStore::open(&db, lifecycle.scorer())
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
    timestamp(testkit::days_ago(days_ago))
}

/// An activity of `kind`, `days_ago` days before [`NOW`].
pub fn activity(kind: &str, days_ago: f64) -> pb::Activity {
    pb::Activity {
        r#type: kind.to_owned(),
        occurred_at: Some(ago(days_ago)),
        ..Default::default()
    }
}

/// A VP at a target company, BANT budget/authority/need met, with recent
/// BOFU intent: the textbook SQL (`testkit::hot_lead`).
pub fn hot_lead(id: &str) -> pb::Lead {
    wire::lead(&testkit::hot_lead(id, testkit::HOT_ACTIVITIES))
}

/// The activities of [`hot_lead`] as store events with ids `{lead}-{i}`,
/// shifted so that they end at the real current time (the store refuses
/// events from the future and decays from its own clock).
pub fn hot_events(lead: &str) -> Vec<pb::ActivityEvent> {
    let shift = Timestamp::now().since(NOW);
    testkit::hot_lead(lead, testkit::HOT_ACTIVITIES)
        .activities
        .into_iter()
        .enumerate()
        .map(|(i, a)| pb::ActivityEvent {
            event_id: format!("{lead}-{i}"),
            lead_id: lead.to_owned(),
            r#type: a.activity_type,
            occurred_at: Some(timestamp(a.occurred_at.saturating_add(shift))),
        })
        .collect()
}

/// The score `ScoreLead` answers for `request`; the call must succeed.
pub async fn score_of(
    c: &mut ScoringServiceClient<Channel>,
    request: pb::ScoreLeadRequest,
) -> pb::LeadScore {
    c.score_lead(request)
        .await
        .unwrap()
        .into_inner()
        .score
        .unwrap()
}

/// The `GetLead` answer for `id` (the stored lead and its history); the
/// call must succeed.
pub async fn get_lead(c: &mut LeadServiceClient<Channel>, id: &str) -> pb::GetLeadResponse {
    c.get_lead(pb::GetLeadRequest { lead_id: id.into() })
        .await
        .unwrap()
        .into_inner()
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
    make_hot(c, id, hot_lead(id).bant).await;
}

/// Stores `id` with the hot lead's profile, `bant`, then its events.
pub async fn make_hot(c: &mut LeadServiceClient<Channel>, id: &str, bant: Option<pb::Bant>) {
    c.upsert_leads(pb::UpsertLeadsRequest {
        leads: vec![pb::LeadUpsert {
            lead_id: id.into(),
            profile: hot_lead(id).profile,
            bant,
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

/// The results `RecordActivities` answers for `events`; the call must
/// succeed.
pub async fn record_of(
    c: &mut LeadServiceClient<Channel>,
    events: Vec<pb::ActivityEvent>,
) -> Vec<pb::EventResult> {
    c.record_activities(pb::RecordActivitiesRequest { events })
        .await
        .unwrap()
        .into_inner()
        .results
}
