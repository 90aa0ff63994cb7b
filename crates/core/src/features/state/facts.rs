//! What qualification reads from a lead's activity, answered by the state
//! (the full history answers it in [`crate::qualification`]): one
//! qualification code path for both.

use super::LeadFeatureState;
use crate::qualification::ActivityFacts;
use crate::time::Timestamp;

/// Exact for `as_of` at or after the state's [`LeadFeatureState::horizon`]
/// (what [`LeadFeatureState::check`] ensures, and
/// [`crate::scoring::Scorer::score_state`] checks before qualifying).
impl ActivityFacts for LeadFeatureState {
    fn newest_of<'a>(
        &'a self,
        types: &'a [String],
        as_of: Timestamp,
    ) -> Option<(&'a str, Timestamp)> {
        let mut newest: Option<(&str, Timestamp)> = None;
        for activity_type in types {
            let Some(at) = self
                .types
                .get(activity_type)
                .and_then(|c| c.newest_as_of(as_of))
            else {
                continue;
            };
            // Strictly newer: on a tie the type listed first wins.
            if newest.is_none_or(|(_, n)| at > n) {
                newest = Some((activity_type, at));
            }
        }
        newest
    }
}
