//! A real local HTTP receiver for webhook tests: a hyper server on
//! 127.0.0.1:0 that reports every request it gets on a channel. It can
//! answer 503 to the next N requests (the receiver "down"), or hold the
//! next request unanswered (a delivery in flight) until told.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::sync::{mpsc, oneshot};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature` (empty when absent).
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    /// The JSON body.
    pub body: serde_json::Value,
    /// The raw body, as signed.
    pub raw: Bytes,
    /// What the receiver answered (0: held, never answered).
    pub status: u16,
}

impl Received {
    /// `data.cursor` of a standard body.
    pub fn cursor(&self) -> i64 {
        self.body["data"]["cursor"].as_i64().unwrap()
    }
}

#[derive(Default)]
struct Behaviour {
    /// Requests still to answer with 503.
    failing: AtomicUsize,
    /// Requests seen.
    seen: AtomicUsize,
    /// When set, the request with this number (1-based) is held until the
    /// sender is dropped.
    hold: Mutex<Option<(usize, oneshot::Receiver<()>)>>,
}

/// A running receiver.
pub struct Receiver {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Every request, in arrival order.
    pub got: mpsc::UnboundedReceiver<Received>,
    behaviour: Arc<Behaviour>,
}

impl Receiver {
    /// Starts a receiver answering 204.
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, got) = mpsc::unbounded_channel();
        let behaviour = Arc::new(Behaviour::default());
        let b = behaviour.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let (tx, b) = (tx.clone(), b.clone());
                let service =
                    hyper::service::service_fn(move |req| answer(req, tx.clone(), b.clone()));
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), service),
                );
            }
        });
        Receiver {
            addr,
            got,
            behaviour,
        }
    }

    /// `http://127.0.0.1:PORT/hook`.
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Answers 503 to the next `n` requests.
    pub fn fail_next(&self, n: usize) {
        self.behaviour.failing.store(n, Ordering::SeqCst);
    }

    /// Holds request number `n` (1-based, counted from the start)
    /// unanswered; dropping the sender lets it be answered.
    pub fn hold(&self, n: usize) -> oneshot::Sender<()> {
        let (tx, rx) = oneshot::channel();
        *self.behaviour.hold.lock().unwrap() = Some((n, rx));
        tx
    }

    /// The next request (panics after 60 s: a delivery that never came).
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(std::time::Duration::from_secs(60), self.got.recv())
            .await
            .expect("no webhook delivery within 60 s")
            .expect("receiver stopped")
    }

    /// Requests until `n` answered 2xx ones arrived; all of them, in order.
    pub async fn until_delivered(&mut self, n: usize) -> Vec<Received> {
        let mut all = Vec::new();
        while all
            .iter()
            .filter(|r: &&Received| (200..300).contains(&r.status))
            .count()
            < n
        {
            all.push(self.next().await);
        }
        all
    }
}

async fn answer(
    req: hyper::Request<Incoming>,
    tx: mpsc::UnboundedSender<Received>,
    b: Arc<Behaviour>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (id, timestamp, signature) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let raw = req.into_body().collect().await.unwrap().to_bytes();
    let n = b.seen.fetch_add(1, Ordering::SeqCst) + 1;
    let held = {
        let mut hold = b.hold.lock().unwrap();
        match hold.take() {
            Some((at, rx)) if at == n => Some(rx),
            other => {
                *hold = other;
                None
            }
        }
    };
    let failing = b
        .failing
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let status = match (&held, failing) {
        (Some(_), _) => 0,
        (None, true) => 503,
        (None, false) => 204,
    };
    let body = serde_json::from_slice(&raw).unwrap();
    let _ = tx.send(Received {
        id,
        timestamp,
        signature,
        body,
        raw,
        status,
    });
    if let Some(rx) = held {
        let _ = rx.await;
    }
    let code = if status == 0 { 204 } else { status };
    Ok(hyper::Response::builder()
        .status(code)
        .body(Full::new(Bytes::from_static(b"")))
        .unwrap())
}

/// A scripted history on `leads`: each lead becomes an SQL (auto-assigned),
/// is accepted by its owner, then the first is handed back, the second
/// won and the third lost.
pub async fn script(
    c: &mut leadscore::pb::v1::lead_service_client::LeadServiceClient<tonic::transport::Channel>,
    leads: &[&str],
) {
    use leadscore::pb::v1 as pb;
    for (i, id) in leads.iter().enumerate() {
        super::make_sql(c, id).await;
        let owner = super::get_lead(c, id).await.lead.unwrap().owner;
        c.accept_lead(pb::AcceptLeadRequest {
            lead_id: (*id).into(),
            owner,
        })
        .await
        .unwrap();
        let now = leadscore::time::Timestamp::now().unix_seconds();
        let outcome = |o: pb::Outcome| pb::RecordOutcomeRequest {
            lead_id: (*id).into(),
            outcome: o as i32,
            occurred_at: Some(prost_types::Timestamp {
                seconds: now,
                nanos: 0,
            }),
        };
        match i % 3 {
            0 => drop(
                c.reject_lead(pb::RejectLeadRequest {
                    lead_id: (*id).into(),
                    reason: "no budget this year".into(),
                })
                .await
                .unwrap(),
            ),
            1 => drop(c.record_outcome(outcome(pb::Outcome::Won)).await.unwrap()),
            _ => drop(c.record_outcome(outcome(pb::Outcome::Lost)).await.unwrap()),
        }
    }
}

/// The whole change log, `(cursor, kind name)`, read through the service
/// up to the newest change of `leads` (the only leads written).
pub async fn change_log(
    c: &mut leadscore::pb::v1::lead_service_client::LeadServiceClient<tonic::transport::Channel>,
    leads: &[&str],
) -> Vec<(i64, String)> {
    use leadscore::pb::v1 as pb;
    let mut newest = 0;
    for id in leads {
        let history = super::get_lead(c, id).await.history;
        newest = history
            .iter()
            .map(|h| h.cursor as i64)
            .fold(newest, i64::max);
    }
    let mut stream = c
        .watch_stage_changes(pb::WatchStageChangesRequest {
            after_cursor: 0,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut out = Vec::new();
    while out.last().is_none_or(|(cursor, _)| *cursor < newest) {
        let ch = stream.message().await.unwrap().expect("feed ended");
        let kind = pb::StageChangeKind::try_from(ch.kind)
            .unwrap()
            .as_str_name();
        let name = kind
            .trim_start_matches("STAGE_CHANGE_KIND_")
            .to_ascii_lowercase();
        out.push((ch.cursor as i64, name));
    }
    out
}

/// `(cursor, kind)` of answered-2xx standard deliveries.
pub fn delivered(got: &[Received]) -> Vec<(i64, String)> {
    got.iter()
        .filter(|r| (200..300).contains(&r.status))
        .map(|r| {
            (
                r.cursor(),
                r.body["data"]["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}
