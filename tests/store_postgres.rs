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

/// A fresh database on the test server.
async fn open() -> Option<(common::postgres::Fresh, String)> {
    common::postgres::fresh_database().await
}

store_suite!(open);
