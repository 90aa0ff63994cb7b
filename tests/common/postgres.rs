//! A fresh PostgreSQL database per test, on the server named by
//! `LEADSCORE_TEST_POSTGRES_URL` (e.g.
//! `postgres://leadscore:leadscore@127.0.0.1:5432/leadscore_test`; the role
//! must be allowed to create databases).
//!
//! Without the variable the tests pass without running, locally only:
//! under CI (`CI` set), a missing variable fails them. `.ci/run` installs
//! and starts PostgreSQL and sets it.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Numbers the databases of one test process.
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Drops its database when the test ends.
pub struct Fresh {
    /// URL of the database the test server was named with.
    admin_url: String,
    /// The fresh database.
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

/// A fresh database and its URL; `None` (after saying so) when
/// `LEADSCORE_TEST_POSTGRES_URL` is unset outside CI.
pub async fn fresh_database() -> Option<(Fresh, String)> {
    let Ok(admin_url) = std::env::var("LEADSCORE_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "LEADSCORE_TEST_POSTGRES_URL must be set in CI (.ci/run sets it)"
        );
        eprintln!("skipped: LEADSCORE_TEST_POSTGRES_URL is not set");
        return None;
    };
    let fresh = tokio::task::spawn_blocking(move || create_database(&admin_url))
        .await
        .unwrap();
    Some(fresh)
}

/// Creates a fresh database on the server `admin_url` names (the role
/// needs CREATEDB); dropped with the returned guard. Blocking.
pub fn create_database(admin_url: &str) -> (Fresh, String) {
    let name = format!(
        "leadscore_t{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let mut c = postgres::Client::connect(admin_url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL (is it running?): {e}"));
    c.batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("CREATE DATABASE (the role needs CREATEDB): {e}"));
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    let url = format!("{base}/{name}");
    let admin_url = admin_url.to_owned();
    (Fresh { admin_url, name }, url)
}
