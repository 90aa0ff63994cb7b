//! The gRPC edge: decode, validate, convert to domain types, call the
//! domain, convert back, map errors to `tonic::Status`. No scoring logic
//! lives here.

pub mod codec;
pub mod convert;
pub mod lead_convert;
pub mod lead_service;
pub mod message_limit;
pub mod model_service;
pub mod page_token;
pub mod pipeline_convert;
pub mod scoring_service;
pub mod session_service;
pub mod status;
pub mod webhook_service;
