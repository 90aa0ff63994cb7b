//! The `leadscore` command-line client: score a lead; read the prioritized
//! list and a lead; accept, hand back, assign and close leads; follow stage
//! changes; pipeline health; list / show / activate models — for people
//! (tables) and scripts (`--json`, proto3 JSON).
//!
//! - [`connect`]: channel with the same TLS and token settings as any client.
//! - [`json`]: proto3 JSON in and out, from the service's own descriptors.
//! - [`table`]: the one table renderer; [`words`]: enums, times and lead
//!   labels as people read them; [`render`]: every answer for people.
//! - [`args`]: the flags of `leads`; [`leads`]: its commands; [`watch`]:
//!   following stage changes across disconnects.
//! - [`commands`]: the other subcommands.

pub mod args;
pub mod commands;
pub mod connect;
pub mod json;
pub mod leads;
pub mod render;
pub mod table;
pub mod watch;
pub mod words;

/// Why a client command failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached.
    #[error("cannot connect to {addr}: {source} (is `leadscore serve` running there? see --addr)")]
    Connect {
        /// Address tried.
        addr: String,
        /// Underlying error.
        source: tonic::transport::Error,
    },
    /// A TLS or token setting is unusable.
    #[error("{0}")]
    Settings(String),
    /// The server answered with an error.
    #[error("server said {code:?}: {message}")]
    Call {
        /// gRPC status code.
        code: tonic::Code,
        /// Its message (names the field for INVALID_ARGUMENT).
        message: String,
    },
    /// Input could not be read or parsed.
    #[error("{0}")]
    Input(String),
}

impl From<tonic::Status> for ClientError {
    fn from(s: tonic::Status) -> ClientError {
        ClientError::Call {
            code: s.code(),
            message: s.message().to_owned(),
        }
    }
}
