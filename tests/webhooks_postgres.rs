//! Two `leadscore serve` replicas on one PostgreSQL database (a fresh one,
//! see `common::postgres`), both with the same webhooks file: the
//! subscription's lease lets one replica at a time deliver, so a real
//! local receiver gets each stage change once, in cursor order, whichever
//! replica recorded it.

mod common;

use common::process::{ServeProcess, fixture_dir};
use common::receiver::{Receiver, change_log, delivered, script};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_deliver_each_change_once() {
    let Some((_fresh, url)) = common::postgres::fresh_database().await else {
        return;
    };
    let fixture = fixture_dir();
    let mut rx = Receiver::start().await;
    let webhooks = fixture.path().join("webhooks.toml");
    std::fs::write(
        &webhooks,
        format!(
            "[delivery]\nbackoff_base_ms = 5\nbackoff_max_ms = 40\n\
             [[subscription]]\nid = \"crm\"\nurl = \"{}\"\n\
             secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\nallow_private = true\n",
            rx.url()
        ),
    )
    .unwrap();
    let flags = ["--webhooks", webhooks.to_str().unwrap()];
    let replicas = [
        ServeProcess::spawn_with(fixture.path(), &url, &flags),
        ServeProcess::spawn_with(fixture.path(), &url, &flags),
    ];
    let (mut a, mut b) = (replicas[0].leads().await, replicas[1].leads().await);
    script(&mut a, &["p0", "p1"]).await;
    script(&mut b, &["p2"]).await;
    let first = change_log(&mut a, &["p0", "p1", "p2"]).await;
    let mut got = delivered(&rx.until_delivered(first.len()).await);
    assert_eq!(got, first, "each change once, in order");

    // More through the other replica: a duplicate of anything earlier
    // would arrive before these.
    script(&mut b, &["p3"]).await;
    let all = change_log(&mut b, &["p0", "p1", "p2", "p3"]).await;
    got.extend(delivered(
        &rx.until_delivered(all.len() - first.len()).await,
    ));
    assert_eq!(got, all, "each change once, in order, across both replicas");
}
