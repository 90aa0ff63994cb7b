//! Domain errors to gRPC status codes, in one exhaustive place.

use tonic::Status;

use crate::handoff::HandOffError;
use crate::lead::FieldError;
use crate::lifecycle::LifecycleError;
use crate::store::StoreError;

/// Errors the gRPC services report.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A request field breaks a rule; the path names it.
    #[error(transparent)]
    InvalidField(#[from] FieldError),
    /// The lead store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A model could not be listed or activated.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// A blocking task failed (panicked or was cancelled).
    #[error("internal error: {0}")]
    Internal(String),
}

fn invalid(f: &FieldError) -> Status {
    Status::invalid_argument(format!("{}: {}", f.field, f.reason))
}

fn hand_off(e: HandOffError) -> Status {
    match e {
        HandOffError::Unscored(f) => invalid(&f),
        e @ (HandOffError::AssignClosed { .. }
        | HandOffError::NotAcceptable { .. }
        | HandOffError::OtherOwner { .. }
        | HandOffError::NoOwner { .. }
        | HandOffError::RecycleClosed { .. }
        | HandOffError::AlreadyClosed { .. }) => Status::failed_precondition(e.to_string()),
    }
}

impl From<ApiError> for Status {
    fn from(e: ApiError) -> Status {
        match e {
            ApiError::InvalidField(f) | ApiError::Store(StoreError::InvalidField(f)) => invalid(&f),
            ApiError::Store(e @ StoreError::NotFound(_)) => Status::not_found(e.to_string()),
            ApiError::Store(StoreError::HandOff(e)) => hand_off(e),
            ApiError::Store(e @ StoreError::Unscorable { .. }) => {
                Status::failed_precondition(e.to_string())
            }
            // Logged once by the store, not on every call.
            ApiError::Store(e @ StoreError::FileUnusable(_)) => Status::unavailable(e.to_string()),
            // Not UNAVAILABLE: a client retrying the same call would start
            // again from its first cursor; it must resume from the one named.
            ApiError::Store(e @ StoreError::FellBehind { .. }) => Status::aborted(e.to_string()),
            ApiError::Store(e @ (StoreError::Sqlite(_) | StoreError::Postgres(_))) => {
                tracing::error!(error = %e, "store failed");
                Status::unavailable(e.to_string())
            }
            ApiError::Store(
                e @ (StoreError::BadUrl { .. }
                | StoreError::Corrupt(_)
                | StoreError::NonFinite(_)
                | StoreError::Aborted(_)
                | StoreError::Export(_)),
            ) => {
                tracing::error!(error = %e, "store failed");
                Status::internal(e.to_string())
            }
            ApiError::Lifecycle(e @ LifecycleError::UnknownVersion(_)) => {
                Status::not_found(e.to_string())
            }
            ApiError::Lifecycle(
                e @ (LifecycleError::InvalidModel { .. } | LifecycleError::ShadowIsActive(_)),
            ) => Status::failed_precondition(e.to_string()),
            ApiError::Lifecycle(
                e @ (LifecycleError::Registry(_)
                | LifecycleError::Rules(_)
                | LifecycleError::Pin { .. }),
            ) => Status::internal(e.to_string()),
            ApiError::Internal(msg) => Status::internal(msg),
        }
    }
}
