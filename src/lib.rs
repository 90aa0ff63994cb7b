//! leadscore: explainable, decaying, learned lead scores with MQL / SQL
//! qualification.
//!
//! The domain ([`features`], [`model`], [`rules`], [`qualification`],
//! [`scoring`]) knows nothing of gRPC; [`grpc`] converts at the edge and
//! [`server`] runs it.

pub mod features;
pub mod lead;
pub mod model;
pub mod qualification;
pub mod rules;
pub mod scoring;
