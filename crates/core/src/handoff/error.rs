//! Why the hand-off refused an action: one variant per precondition, so
//! the edge maps each to its status without reading text.

use super::record::HandOff;
use crate::features::StateError;
use crate::lead::FieldError;
use crate::qualification::Stage;
use crate::quote::quote;
use crate::scoring::ScoreStateError;

/// A hand-off action the lead's state does not allow.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HandOffError {
    /// Assigning a won or lost lead.
    #[error("lead {} is closed; a closed lead cannot be assigned", quote(.lead_id))]
    AssignClosed {
        /// The lead.
        lead_id: String,
    },
    /// Accepting a lead that is not an open SQL.
    #[error(
        "lead {} is {}; only an open SQL can be accepted",
        quote(.lead_id),
        state_name(*.hand_off, *.stage)
    )]
    NotAcceptable {
        /// The lead.
        lead_id: String,
        /// Its hand-off state.
        hand_off: HandOff,
        /// Its stage.
        stage: Stage,
    },
    /// Accepting, in another owner's name, a lead assigned to `owner`.
    #[error(
        "lead {} is assigned to {}, not {}",
        quote(.lead_id),
        quote(.owner),
        quote(.claimed)
    )]
    OtherOwner {
        /// The lead.
        lead_id: String,
        /// Its owner.
        owner: String,
        /// The owner named by the caller.
        claimed: String,
    },
    /// Accepting an unassigned lead without naming who accepts it.
    #[error(
        "lead {} has no owner; assign it or name the owner accepting it",
        quote(.lead_id)
    )]
    NoOwner {
        /// The lead.
        lead_id: String,
    },
    /// Handing back a won or lost lead.
    #[error("lead {} is closed; a closed lead cannot be handed back", quote(.lead_id))]
    RecycleClosed {
        /// The lead.
        lead_id: String,
    },
    /// Recording a second outcome.
    #[error("lead {lead_id:?} already has an outcome ({outcome:?})")]
    AlreadyClosed {
        /// The lead.
        lead_id: String,
        /// The outcome it has.
        outcome: HandOff,
    },
    /// The lead does not score (see [`crate::scoring::Scorer::score`]), so
    /// the transition, which re-scores it, cannot happen.
    #[error(transparent)]
    Unscored(#[from] FieldError),
    /// The lead's feature state could not answer: its caller did not
    /// replay it from the log first (a fault of the service, not the
    /// caller's).
    #[error(transparent)]
    State(StateError),
}

impl From<ScoreStateError> for HandOffError {
    fn from(e: ScoreStateError) -> HandOffError {
        match e {
            ScoreStateError::Field(f) => HandOffError::Unscored(f),
            ScoreStateError::State(s) => HandOffError::State(s),
        }
    }
}

/// A lead's state as the accept refusal names it: its stage while open
/// ("MQL"), else its hand-off ("accepted", "won").
fn state_name(hand_off: HandOff, stage: Stage) -> String {
    match hand_off {
        HandOff::Open => format!("{stage:?}").to_uppercase(),
        other => format!("{other:?}").to_lowercase(),
    }
}
