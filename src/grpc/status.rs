//! Domain errors to gRPC status codes, in one exhaustive place.

use tonic::Status;

use crate::lead::FieldError;

/// Errors the gRPC services report.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A request field breaks a rule; the path names it.
    #[error(transparent)]
    InvalidField(#[from] FieldError),
    /// A blocking task failed (panicked or was cancelled).
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ApiError> for Status {
    fn from(e: ApiError) -> Status {
        match e {
            ApiError::InvalidField(f) => {
                Status::invalid_argument(format!("{}: {}", f.field, f.reason))
            }
            ApiError::Internal(msg) => Status::internal(msg),
        }
    }
}
