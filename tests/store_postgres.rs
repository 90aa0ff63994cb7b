//! The store suite on PostgreSQL: a real server named by
//! `LEADSCORE_TEST_POSTGRES_URL` (e.g.
//! `postgres://leadscore:leadscore@127.0.0.1:5432/leadscore_test`; the role
//! must be allowed to create databases). Each test gets a fresh database.
//!
//! Without the variable the tests pass without running, locally only:
//! under CI (`CI` set), a missing variable fails them. `.ci/run` installs
//! and starts PostgreSQL and sets it.

mod common;
#[macro_use]
mod store_suite;

use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Drops its database when the test ends.
struct Fresh {
    admin_url: String,
    name: String,
}

impl Drop for Fresh {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(mut c) = postgres::Client::connect(&url, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        })
        .join();
    }
}

/// A fresh database on the test server.
async fn open() -> Option<(Fresh, String)> {
    let Ok(admin_url) = std::env::var("LEADSCORE_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "LEADSCORE_TEST_POSTGRES_URL must be set in CI (.ci/run sets it)"
        );
        eprintln!("skipped: LEADSCORE_TEST_POSTGRES_URL is not set");
        return None;
    };
    let name = format!(
        "leadscore_t{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let (admin, n) = (admin_url.clone(), name.clone());
    tokio::task::spawn_blocking(move || {
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {n}")).unwrap();
    })
    .await
    .unwrap();
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let url = format!("{base}/{name}");
    Some((Fresh { admin_url, name }, url))
}

store_suite!(open);
