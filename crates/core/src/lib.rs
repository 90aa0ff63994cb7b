//! leadscore-core: the pure domain of leadscore, shared verbatim by the
//! service and the training job (training/serving skew is a bug).
//!
//! - [`time`]: the bounded time type every module uses.
//! - [`features`]: activities and attributes to a feature vector.
//! - [`lead`]: the lead, its limits and validation; [`quote`]: user input
//!   quoted in errors; [`hex`]: the one hex codec; [`spelling`]: enums
//!   written as words.
//! - [`model`]: model files and the linear model that explains each score.
//! - [`rules`]: the explicit role, fit and qualification rules.
//! - [`qualification`] and [`scoring`]: one lead in, the whole answer out.
//! - [`handoff`]: the live lead's sales hand-off and assignment rules;
//!   [`due`]: when a stored lead must next be re-scored without an event.
//! - [`evaluation`] and [`pipeline_health`]: probability metrics and the
//!   verdict on whether a model still holds up; [`gate`]: whether a new
//!   model file may replace the active one.
//! - [`dataset`]: the event-shape files the service exports and training reads.
//! - `testkit` (feature `testkit`, for dev-dependencies): shared fixtures.
//!
//! No async runtime, no RPC and no SQL here: the `leadscore` service
//! converts and persists at its edges, `leadscore-train` reads files.

pub mod dataset;
pub mod due;
pub mod evaluation;
pub mod features;
pub mod gate;
pub mod handoff;
pub mod hex;
pub mod lead;
pub mod model;
pub mod pipeline_health;
pub mod qualification;
pub mod quote;
pub mod rules;
pub mod scoring;
pub mod spelling;
pub mod time;

#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
