//! Automatic assignment of new SQLs: the round-robin group that owns a
//! lead (its territory's owners, else the default owners) and whose turn
//! it is. The turn counters themselves are persisted by the caller.

use std::collections::BTreeMap;

use super::error::HandOffError;
use super::record::{HandOff, LeadRecord, StageChange};
use super::transitions::assign;
use crate::qualification::Stage;
use crate::rules::AssignmentRules;
use crate::time::Timestamp;

/// Whether the assignment rules should give `rec` an owner: an open,
/// unassigned SQL.
pub fn needs_owner(rec: &LeadRecord) -> bool {
    rec.stage == Stage::Sql && rec.owner.is_none() && rec.hand_off == HandOff::Open
}

/// The round-robin group that owns `rec` under `rules`: its counter name
/// and owners; `None` when nobody does.
pub fn owner_group<'r>(
    rules: &'r AssignmentRules,
    rec: &LeadRecord,
) -> Option<(String, &'r [String])> {
    let country = rec.profile.country.trim().to_lowercase();
    let territory = rules
        .territories
        .iter()
        .enumerate()
        .find(|(_, t)| !t.owners.is_empty() && t.countries.contains(&country));
    match territory {
        Some((i, t)) => Some((format!("round_robin:territory:{i}"), &t.owners)),
        None if !rules.default_owners.is_empty() => {
            Some(("round_robin:default".to_owned(), &rules.default_owners))
        }
        None => None,
    }
}

/// The leads of one batch that one round-robin group is to assign.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnGroup<'r> {
    /// Name of the group's turn counter.
    pub counter: String,
    /// The group's owners, in turn order.
    pub owners: &'r [String],
    /// Indexes (into the batch) of the leads it assigns, in batch order.
    pub members: Vec<usize>,
}

/// The leads of `leads` that [`needs_owner`], by the group that owns them,
/// in counter-name order (the order the caller locks the counters in).
pub fn round_robin_groups<'r>(
    rules: &'r AssignmentRules,
    leads: &[LeadRecord],
) -> Vec<TurnGroup<'r>> {
    let mut groups: BTreeMap<String, TurnGroup<'r>> = BTreeMap::new();
    for (i, rec) in leads.iter().enumerate() {
        if !needs_owner(rec) {
            continue;
        }
        let Some((counter, owners)) = owner_group(rules, rec) else {
            continue;
        };
        groups
            .entry(counter.clone())
            .or_insert_with(|| TurnGroup {
                counter,
                owners,
                members: Vec::new(),
            })
            .members
            .push(i);
    }
    groups.into_values().collect()
}

impl TurnGroup<'_> {
    /// Assigns the members of `leads` (the batch the group was made from) in turn, the first taking turn
    /// `first_turn` (the group's counter before this batch; turns wrap
    /// around the owners).
    pub fn assign(
        &self,
        leads: &mut [LeadRecord],
        first_turn: i64,
        now: Timestamp,
        changes: &mut Vec<StageChange>,
    ) -> Result<(), HandOffError> {
        let reason = format!("round-robin of {:?}", self.counter);
        for (j, &i) in self.members.iter().enumerate() {
            let turn = (first_turn + j as i64).rem_euclid(self.owners.len() as i64) as usize;
            assign(
                &mut leads[i],
                &self.owners[turn],
                reason.clone(),
                now,
                changes,
            )?;
        }
        Ok(())
    }
}
