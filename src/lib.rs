//! leadscore: explainable, decaying, learned lead scores with MQL / SQL
//! qualification.
//!
//! The domain lives in the `leadscore-core` crate (re-exported here as
//! [`features`], [`lead`], [`model`], [`rules`], [`qualification`],
//! [`scoring`], [`handoff`], [`time`], …) and knows nothing of gRPC or SQL; the
//! `leadscore-store` crate (re-exported as [`store`]) persists; [`live`] keeps
//! stored leads scored and staged, [`grpc`] converts at the edge ([`http`]
//! transcodes HTTP/JSON to it), [`webhooks`] pushes stage changes out,
//! [`server`] runs it and [`cli`] / [`config`]
//! start it.

pub mod call_limits;
pub mod cli;
pub mod client;
pub mod config;
pub mod connections;
pub mod grpc;
pub mod http;
pub mod import;
pub mod lifecycle;
pub mod live;
pub mod metrics;
pub mod pb;
pub mod reload;
pub mod security;
pub mod server;
pub mod slots;
pub mod webhooks;

pub use leadscore_store as store;

pub use leadscore_core::{
    dataset, due, evaluation, features, handoff, hex, lead, model, pipeline_health, qualification,
    quote, rules, scoring, spelling, time,
};
