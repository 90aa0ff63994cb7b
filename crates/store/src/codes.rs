//! The codes the store keeps enums as: each a small integer, stable
//! across versions (append only).

use leadscore_core::handoff::{ChangeKind, HandOff};
use leadscore_core::qualification::Stage;

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
    [Stage::Nurturing, Stage::Mql, Stage::Sql]
        .into_iter()
        .find(|s| stage_code(*s) == c)
}

/// Every change kind, in stored-code order (a kind's code is its index:
/// append only).
const CHANGE_CODES: [ChangeKind; 9] = [
    ChangeKind::ToNurturing,
    ChangeKind::ToMql,
    ChangeKind::ToSql,
    ChangeKind::Assigned,
    ChangeKind::Accepted,
    ChangeKind::Recycled,
    ChangeKind::FollowUpOverdue,
    ChangeKind::Won,
    ChangeKind::Lost,
];

/// Stored code of a change kind.
pub fn change_code(k: ChangeKind) -> i16 {
    CHANGE_CODES.iter().position(|c| *c == k).unwrap_or(0) as i16
}

/// Change kind of a stored code.
pub fn change_from_code(c: i16) -> Option<ChangeKind> {
    usize::try_from(c)
        .ok()
        .and_then(|i| CHANGE_CODES.get(i).copied())
}
