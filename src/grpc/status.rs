//! Domain errors to gRPC status codes, in one exhaustive place.

use tonic::Status;

use crate::handoff::HandOffError;
use crate::lead::FieldError;
use crate::lifecycle::LifecycleError;
use crate::live::LiveError;
use crate::store::StoreError;

/// Errors the gRPC services report.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A request field breaks a rule; the path names it.
    #[error(transparent)]
    InvalidField(#[from] FieldError),
    /// Keeping leads live failed: the store failed, or the domain refused.
    #[error(transparent)]
    Live(#[from] LiveError),
    /// A model could not be listed or activated.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// No webhook subscription has this id.
    #[error("no webhook subscription {0:?}; ListWebhookSubscriptions shows the ids")]
    UnknownSubscription(String),
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
        e @ HandOffError::State(_) => {
            tracing::error!(error = %e, "feature state not ready for a hand-off");
            Status::internal(e.to_string())
        }
        e @ (HandOffError::AssignClosed { .. }
        | HandOffError::NotAcceptable { .. }
        | HandOffError::OtherOwner { .. }
        | HandOffError::NoOwner { .. }
        | HandOffError::RecycleClosed { .. }
        | HandOffError::AlreadyClosed { .. }) => Status::failed_precondition(e.to_string()),
    }
}

fn store(e: StoreError) -> Status {
    match e {
        e @ StoreError::NotFound(_) => Status::not_found(e.to_string()),
        // Logged once by the store, not on every call.
        e @ StoreError::FileUnusable(_) => Status::unavailable(e.to_string()),
        e @ (StoreError::Sqlite(_) | StoreError::Postgres(_)) => {
            tracing::error!(error = %e, "store failed");
            Status::unavailable(e.to_string())
        }
        e @ (StoreError::BadUrl { .. }
        | StoreError::Corrupt(_)
        | StoreError::NonFinite(_)
        | StoreError::RolledBack
        | StoreError::Export(_)) => {
            tracing::error!(error = %e, "store failed");
            Status::internal(e.to_string())
        }
    }
}

fn live(e: LiveError) -> Status {
    match e {
        LiveError::Store(e) => store(e),
        LiveError::InvalidField(f) => invalid(&f),
        LiveError::HandOff(e) => hand_off(e),
        e @ LiveError::Unscorable { .. } => Status::failed_precondition(e.to_string()),
        // Not UNAVAILABLE: a client retrying the same call would start
        // again from its first cursor; it must resume from the one named.
        e @ LiveError::FellBehind { .. } => Status::aborted(e.to_string()),
        e @ LiveError::Aborted(_) => {
            tracing::error!(error = %e, "store call failed");
            Status::internal(e.to_string())
        }
    }
}

impl From<ApiError> for Status {
    fn from(e: ApiError) -> Status {
        match e {
            ApiError::InvalidField(f) => invalid(&f),
            ApiError::Live(e) => live(e),
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
            e @ ApiError::UnknownSubscription(_) => Status::not_found(e.to_string()),
            ApiError::Internal(msg) => Status::internal(msg),
        }
    }
}
