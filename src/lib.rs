//! leadscore: explainable, decaying, learned lead scores with MQL / SQL
//! qualification.
//!
//! The domain ([`features`], [`lead`], [`model`], [`rules`],
//! [`qualification`], [`scoring`], the lead [`store`]) knows nothing of gRPC; [`grpc`] converts
//! at the edge, [`server`] runs it and [`cli`] / [`config`] start it.

pub mod cli;
pub mod client;
pub mod config;
pub mod connections;
pub mod evaluation;
pub mod features;
pub mod grpc;
pub mod lead;
pub mod lifecycle;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod pb;
pub mod pipeline_health;
pub mod qualification;
pub mod quote;
pub mod rules;
pub mod scoring;
pub mod security;
pub mod server;
pub mod slots;
pub mod store;
pub mod time;
