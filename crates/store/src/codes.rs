//! The codes the store keeps enums as: each a small integer, stable
//! across versions (append only).

use leadscore_core::handoff::{ChangeKind, HandOff};
use leadscore_core::qualification::Stage;
use leadscore_core::spelling::Spelled;

/// Stored code of a hand-off state.
pub fn hand_off_code(h: HandOff) -> i16 {
    match h {
        HandOff::Open => 0,
        HandOff::Accepted => 1,
        HandOff::Won => 2,
        HandOff::Lost => 3,
    }
}

/// Hand-off state of a stored code.
pub fn hand_off_from_code(c: i16) -> Option<HandOff> {
    [
        HandOff::Open,
        HandOff::Accepted,
        HandOff::Won,
        HandOff::Lost,
    ]
    .into_iter()
    .find(|h| hand_off_code(*h) == c)
}

/// Stored code of a stage (its order: nurturing < MQL < SQL).
pub fn stage_code(s: Stage) -> i16 {
    match s {
        Stage::Nurturing => 0,
        Stage::Mql => 1,
        Stage::Sql => 2,
    }
}

/// Stage of a stored code.
pub fn stage_from_code(c: i16) -> Option<Stage> {
    Stage::ALL.iter().copied().find(|s| stage_code(*s) == c)
}

/// Stored code of a change kind: its index in [`ChangeKind::ALL`]
/// (which is append only for this reason).
pub fn change_code(k: ChangeKind) -> i16 {
    ChangeKind::ALL.iter().position(|c| *c == k).unwrap_or(0) as i16
}

/// Change kind of a stored code.
pub fn change_from_code(c: i16) -> Option<ChangeKind> {
    usize::try_from(c)
        .ok()
        .and_then(|i| ChangeKind::ALL.get(i).copied())
}
