//! Outbound webhooks from a real `leadscore serve` process (SQLite file) to
//! a real local HTTP receiver: every stage change of a scripted history
//! exactly once per subscription, signed; a receiver down for a while gets
//! everything in order once it is back; kill -9 mid-delivery loses
//! nothing; replay delivers again; a loopback address is refused unless
//! the subscription allows it; a broken webhooks file stops the start.
//!
//! No sleeps: every wait is for a request the receiver reports, or for
//! the service to answer.

mod common;

use common::process::{ServeProcess, fixture_dir};
use common::receiver::{Receiver, change_log, delivered, script};
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::webhook_service_client::WebhookServiceClient;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// Short retries and lease, so the tests wait milliseconds, not minutes.
const DELIVERY: &str =
    "[delivery]\ntimeout_ms = 2000\nbackoff_base_ms = 5\nbackoff_max_ms = 40\nlease_ms = 2500\n";

fn subscription(id: &str, url: &str, extra: &str) -> String {
    format!(
        "[[subscription]]\nid = \"{id}\"\nurl = \"{url}\"\nsecret = \"{SECRET}\"\nallow_private = true\n{extra}\n"
    )
}

/// A models and rules fixture with a webhooks file and a SQLite store in it.
struct Setup {
    fixture: tempfile::TempDir,
    db: String,
    webhooks: String,
}

impl Setup {
    fn new(config: &str) -> Setup {
        let fixture = fixture_dir();
        let db = format!("sqlite://{}", fixture.path().join("leads.db").display());
        let webhooks = fixture
            .path()
            .join("webhooks.toml")
            .to_str()
            .unwrap()
            .to_owned();
        let setup = Setup {
            fixture,
            db,
            webhooks,
        };
        setup.write(config);
        setup
    }

    fn write(&self, config: &str) {
        std::fs::write(&self.webhooks, config).unwrap();
    }

    fn try_serve(&self, extra: &[&str]) -> Result<ServeProcess, String> {
        let flags = [&["--webhooks", self.webhooks.as_str()], extra].concat();
        ServeProcess::try_spawn_with(self.fixture.path(), &self.db, &flags)
    }

    fn serve(&self) -> ServeProcess {
        self.try_serve(&[])
            .unwrap_or_else(|log| panic!("did not start:\n{log}"))
    }
}

async fn subscriptions(p: &ServeProcess) -> Vec<pb::WebhookSubscription> {
    WebhookServiceClient::new(p.channel().await)
        .list_webhook_subscriptions(pb::ListWebhookSubscriptionsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .subscriptions
}

/// The subscriptions once `id` has stored its cursor past every change.
/// The receiver sees a delivery before the service has its 2xx and moves
/// the cursor, so a lag read right after the last delivery can still be
/// 1: asked again until it is 0, within a bound.
async fn caught_up(p: &ServeProcess, id: &str) -> Vec<pb::WebhookSubscription> {
    let ask = async {
        loop {
            let listed = subscriptions(p).await;
            if listed.iter().any(|s| s.id == id && s.lag == 0) {
                return listed;
            }
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), ask)
        .await
        .unwrap_or_else(|_| panic!("subscription {id} never caught up"))
}

/// The signature a receiver checks: HMAC-SHA256 of `id.timestamp.body`.
fn signed_right(r: &common::receiver::Received) -> bool {
    use base64::Engine as _;
    let key = base64::engine::general_purpose::STANDARD
        .decode(SECRET.trim_start_matches("whsec_"))
        .unwrap();
    let ts: i64 = r.timestamp.parse().unwrap();
    r.signature == leadscore::webhooks::signature::sign(&key, &r.id, ts, &r.raw)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_reaches_each_subscription_once_in_order_and_replays() {
    let (mut all, mut sql) = (Receiver::start().await, Receiver::start().await);
    let config = format!(
        "{DELIVERY}{}{}",
        subscription("all", &all.url(), ""),
        subscription(
            "sql",
            &sql.url(),
            "kinds = [\"to_sql\"]\ntemplate = \"slack\""
        )
    );
    let setup = Setup::new(&config);
    let p = setup.serve();
    let mut c = p.leads().await;
    let leads = ["w0", "w1", "w2"];
    script(&mut c, &leads).await;
    let log = change_log(&mut c, &leads).await;
    for kind in ["to_sql", "assigned", "accepted", "recycled", "won", "lost"] {
        assert!(
            log.iter().any(|(_, k)| k == kind),
            "the history has {kind}: {log:?}"
        );
    }

    let got = all.until_delivered(log.len()).await;
    assert_eq!(delivered(&got), log, "every change once, in cursor order");
    assert!(got.iter().all(signed_right), "every delivery is signed");
    for (r, (cursor, _)) in got.iter().zip(&log) {
        assert_eq!(r.id, format!("msg_all_{cursor}"));
        assert_eq!(
            r.body["type"],
            format!("lead.{}", r.body["data"]["kind"].as_str().unwrap())
        );
        assert!(r.body["data"]["grade"].is_string() && r.body["data"]["top_reasons"].is_array());
    }
    let sqls = log.iter().filter(|(_, k)| k == "to_sql").count();
    let slack = sql.until_delivered(sqls).await;
    for r in &slack {
        let text = r.body["text"].as_str().unwrap();
        assert!(text.starts_with("New SQL for you: w"), "{text}");
        assert_eq!(
            r.body.as_object().unwrap().len(),
            1,
            "Slack takes {{\"text\": …}}"
        );
    }

    let listed = caught_up(&p, "all").await;
    let all_row = listed.iter().find(|s| s.id == "all").unwrap();
    assert_eq!(all_row.lag, 0);
    assert_eq!(all_row.delivered_cursor, log.last().unwrap().0);
    assert!(all_row.last_error.is_empty() && all_row.dead_letter_count == 0);

    let from = log[log.len() - 3].0;
    WebhookServiceClient::new(p.channel().await)
        .replay_webhook(pb::ReplayWebhookRequest {
            subscription_id: "all".into(),
            from_cursor: from,
        })
        .await
        .unwrap();
    let again = all.until_delivered(2).await;
    assert_eq!(
        delivered(&again),
        log[log.len() - 2..].to_vec(),
        "replayed after {from}"
    );
    assert_eq!(
        again[0].id,
        got[log.len() - 2].id,
        "same webhook-id on replay"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_for_a_while_gets_everything_in_order_once_back() {
    let mut rx = Receiver::start().await;
    rx.fail_next(4);
    let setup = Setup::new(&format!("{DELIVERY}{}", subscription("crm", &rx.url(), "")));
    let p = setup.serve();
    let mut c = p.leads().await;
    let leads = ["r0", "r1"];
    script(&mut c, &leads).await;
    let log = change_log(&mut c, &leads).await;

    let got = rx.until_delivered(log.len()).await;
    let refused: Vec<&str> = got
        .iter()
        .filter(|r| r.status == 503)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(refused.len(), 4);
    assert!(
        refused
            .iter()
            .all(|id| *id == format!("msg_crm_{}", log[0].0)),
        "the first change retried: {refused:?}"
    );
    assert_eq!(delivered(&got), log, "then everything, in order, once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_delivery_loses_nothing() {
    let mut rx = Receiver::start().await;
    // Three delivered, the fourth in flight when the process dies.
    let release = rx.hold(4);
    let setup = Setup::new(&format!("{DELIVERY}{}", subscription("crm", &rx.url(), "")));
    let mut p = setup.serve();
    let mut c = p.leads().await;
    let leads = ["k0", "k1", "k2"];
    script(&mut c, &leads).await;
    let log = change_log(&mut c, &leads).await;

    let before = rx.until_delivered(3).await;
    let held = rx.next().await;
    assert_eq!(held.status, 0, "held in flight");
    p.kill();
    drop(release);

    let p = setup.serve();
    let after = rx.until_delivered(log.len() - 3).await;
    assert_eq!(
        after[0].id, held.id,
        "the change in flight is delivered again first"
    );
    let mut all = delivered(&before);
    all.extend(delivered(&after));
    assert_eq!(all, log, "nothing lost, nothing out of order");
    caught_up(&p, "crm").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loopback_address_is_refused_unless_allowed() {
    let (mut allowed, mut refused) = (Receiver::start().await, Receiver::start().await);
    let config = format!(
        "{DELIVERY}{}[[subscription]]\nid = \"strict\"\nurl = \"{}\"\nsecret = \"{SECRET}\"\n",
        subscription("open", &allowed.url(), ""),
        refused.url()
    );
    let setup = Setup::new(&config);
    let p = setup.serve();
    let mut c = p.leads().await;
    script(&mut c, &["s0"]).await;
    let log = change_log(&mut c, &["s0"]).await;
    allowed.until_delivered(log.len()).await;

    // The strict subscription reports the refusal (asked until it has).
    let strict = loop {
        let listed = subscriptions(&p).await;
        let s = listed.into_iter().find(|s| s.id == "strict").unwrap();
        if !s.last_error.is_empty() {
            break s;
        }
        tokio::task::yield_now().await;
    };
    assert!(
        strict.last_error.contains("refused to call 127.0.0.1"),
        "{}",
        strict.last_error
    );
    assert!(
        strict.last_error.contains("allow_private"),
        "{}",
        strict.last_error
    );
    assert_eq!(
        strict.dead_letter_count, 0,
        "a refusal is not dead-lettered"
    );
    assert!(strict.lag > 0);
    assert!(refused.got.try_recv().is_err(), "nothing was sent to it");
}

#[test]
fn a_broken_webhooks_file_stops_the_start_naming_subscription_and_field() {
    let setup = Setup::new(
        "[[subscription]]\nid = \"crm\"\nurl = \"https://crm.example\"\nsecret = \"nope\"\n",
    );
    let log = setup.try_serve(&[]).err().expect("must not start");
    assert!(
        log.contains("subscription \\\"crm\\\".secret: must start with \\\"whsec_\\\"")
            || log.contains("subscription \"crm\".secret: must start with \"whsec_\""),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_webhooks_file_is_reloaded_and_delivery_resumes_at_the_cursor() {
    let (mut first, mut second) = (Receiver::start().await, Receiver::start().await);
    let setup = Setup::new(&format!(
        "{DELIVERY}{}",
        subscription("crm", &first.url(), "")
    ));
    let p = setup.try_serve(&["--reload-interval-ms", "20"]).unwrap();
    let mut c = p.leads().await;
    script(&mut c, &["x0"]).await;
    let before = change_log(&mut c, &["x0"]).await;
    assert_eq!(
        delivered(&first.until_delivered(before.len()).await),
        before
    );

    setup.write(&format!(
        "{DELIVERY}{}",
        subscription("crm", &second.url(), "")
    ));
    // Asked until the service shows the new URL (no sleep).
    while subscriptions(&p).await[0].url != second.url() {
        tokio::task::yield_now().await;
    }
    script(&mut c, &["x1"]).await;
    let all = change_log(&mut c, &["x0", "x1"]).await;
    let after = delivered(&second.until_delivered(all.len() - before.len()).await);
    assert_eq!(
        after,
        all[before.len()..].to_vec(),
        "the rest, from the stored cursor"
    );
    assert!(first.got.try_recv().is_err(), "nothing more to the old URL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_failing_max_attempts_times_is_dead_lettered_and_replay_sends_it_again() {
    let mut rx = Receiver::start().await;
    rx.fail_next(3);
    let config = format!(
        "{DELIVERY}max_attempts = 3\n{}",
        subscription("crm", &rx.url(), "")
    );
    let setup = Setup::new(&config);
    let p = setup.serve();
    let mut c = p.leads().await;
    script(&mut c, &["d0"]).await;
    let log = change_log(&mut c, &["d0"]).await;

    let got = rx.until_delivered(log.len() - 1).await;
    assert_eq!(got.iter().filter(|r| r.status == 503).count(), 3);
    assert_eq!(
        delivered(&got),
        log[1..].to_vec(),
        "the first given up on, the rest delivered"
    );
    let crm = caught_up(&p, "crm").await.remove(0);
    assert_eq!((crm.dead_letter_count, crm.lag), (1, 0));
    let letter = &crm.dead_letters[0];
    assert_eq!((letter.cursor, letter.attempts), (log[0].0, 3));
    assert!(letter.last_error.contains("503"), "{}", letter.last_error);

    WebhookServiceClient::new(p.channel().await)
        .replay_webhook(pb::ReplayWebhookRequest {
            subscription_id: "crm".into(),
            from_cursor: 0,
        })
        .await
        .unwrap();
    assert_eq!(
        delivered(&rx.until_delivered(log.len()).await),
        log,
        "replayed, dead letter included"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_url_is_called_over_tls() {
    // A plain HTTP receiver behind an https URL: the TLS handshake fails,
    // which shows the attempt went through TLS (and nothing was accepted).
    let mut rx = Receiver::start().await;
    let url = rx.url().replace("http://", "https://");
    let setup = Setup::new(&format!("{DELIVERY}{}", subscription("tls", &url, "")));
    let p = setup.serve();
    script(&mut p.leads().await, &["t0"]).await;
    let tls = loop {
        let s = subscriptions(&p).await.remove(0);
        if !s.last_error.is_empty() {
            break s;
        }
        tokio::task::yield_now().await;
    };
    assert!(
        tls.last_error.starts_with("TLS with 127.0.0.1:"),
        "{}",
        tls.last_error
    );
    assert!(rx.got.try_recv().is_err(), "no request was read as HTTP");
}
