//! Which activity types, count columns and category levels become
//! features, so the encoding does not invent signal:
//!
//! - an activity type / count column needs at least `--min-feature-leads`
//!   leads with it; a count column with one value on every lead
//!   (constant) is dropped;
//! - a category level needs at least `--min-feature-leads` leads **with**
//!   it (rarer levels are dropped: such leads count as "not answered", the
//!   baseline) and as many **without** it: a level nearly everyone shares
//!   (`newspaper = no` on 9,238 of 9,240 leads) says nothing about the few
//!   others, yet the fit gives it a huge weight cancelled by the
//!   intercept. A column with one level is constant and goes the same way.
//!
//! What was dropped is recorded in the model file (`training.encoding`)
//! and the report.

use std::collections::HashMap;

use leadscore_core::features::{ActivityFeature, CategoricalFeature, FunnelStage};
use serde::Serialize;

use crate::input::History;
use crate::input::attributes::ABSENT;

/// Rare levels listed per column in the record; the others are counted.
pub const RARE_LEVELS_LISTED: usize = 10;

/// Levels of one column seen in fewer than the minimum of leads.
#[derive(Debug, Clone, Serialize)]
pub struct RareLevels {
    /// The attribute (normalized column name).
    pub column: String,
    /// How many levels.
    pub levels: usize,
    /// Leads holding one of them.
    pub leads: usize,
    /// The most frequent of them, at most [`RARE_LEVELS_LISTED`].
    pub examples: Vec<String>,
}

/// A level held by all but fewer than the minimum of leads.
#[derive(Debug, Clone, Serialize)]
pub struct SharedLevel {
    /// The attribute.
    pub column: String,
    /// The level.
    pub value: String,
    /// Leads with it.
    pub leads: usize,
    /// Leads without it (another level or missing).
    pub without: usize,
}

/// What the encoding left out, and why.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Dropped {
    /// The minimum of leads on each side (`--min-feature-leads`).
    pub min_leads: usize,
    /// Activity types / count columns in fewer leads than the minimum.
    pub rare_activities: Vec<String>,
    /// Count columns with one value on every lead.
    pub constant_columns: Vec<String>,
    /// Category levels in fewer leads than the minimum, per column.
    pub rare_levels: Vec<RareLevels>,
    /// Category levels shared by all but fewer leads than the minimum.
    pub shared_levels: Vec<SharedLevel>,
}

/// The candidate features of `history` and what was left out.
pub fn candidates(
    history: &History,
    min_leads: usize,
) -> (Vec<ActivityFeature>, Vec<CategoricalFeature>, Dropped) {
    let mut dropped = Dropped {
        min_leads,
        ..Dropped::default()
    };
    let activities = activities(history, min_leads, &mut dropped);
    let categorical = categorical(history, min_leads, &mut dropped);
    (activities, categorical, dropped)
}

/// Activity types / count columns present in at least `min_leads` leads
/// (before `as_of`) and not constant, in type order.
fn activities(history: &History, min_leads: usize, dropped: &mut Dropped) -> Vec<ActivityFeature> {
    let n = history.activity_types.len();
    let mut type_leads = vec![0usize; n];
    let mut seen = vec![usize::MAX; n];
    for (i, lead) in history.leads.iter().enumerate() {
        let present = lead
            .events
            .clone()
            .filter(|&e| history.events.at[e] <= lead.as_of)
            .map(|e| history.events.types[e])
            .chain(
                lead.counts
                    .iter()
                    .filter(|(_, c)| *c > 0.0)
                    .map(|(t, _)| *t),
            );
        for t in present {
            let t = usize::from(t);
            if seen[t] != i {
                seen[t] = i;
                type_leads[t] += 1;
            }
        }
    }
    let mut kept = Vec::new();
    for (t, name) in history.activity_types.iter().enumerate() {
        if type_leads[t] < min_leads {
            dropped.rare_activities.push(name.clone());
        } else if is_constant_count(history, t) {
            dropped.constant_columns.push(name.clone());
        } else {
            kept.push(ActivityFeature {
                activity_type: name.clone(),
                funnel_stage: FunnelStage::of(name),
                unit: count_unit(history, t),
            });
        }
    }
    kept
}

/// Whether count column `t` (wide shape) has the same value, missing
/// counted as 0, on every lead.
fn is_constant_count(history: &History, t: usize) -> bool {
    if history.leads.iter().all(|l| l.counts.is_empty()) {
        return false;
    }
    let value = |l: &crate::input::Lead| {
        l.counts
            .iter()
            .find(|(c, _)| usize::from(*c) == t)
            .map_or(0.0, |(_, v)| *v)
    };
    let first = history.leads.first().map_or(0.0, value);
    history.leads.iter().all(|l| value(l) == first)
}

/// Unit of a pre-aggregated count column (wide shape): the median of
/// its positive values, so `ln(1 + x / unit)` gives a column in seconds
/// the same diminishing returns as one in visits. `None` (unit 1) for
/// event-shape types, which have no counts.
fn count_unit(history: &History, activity_type: usize) -> Option<f64> {
    let mut positive: Vec<f64> = history
        .leads
        .iter()
        .flat_map(|l| l.counts.iter())
        .filter(|(t, c)| usize::from(*t) == activity_type && *c > 0.0)
        .map(|(_, c)| *c)
        .collect();
    if positive.is_empty() {
        return None;
    }
    positive.sort_by(f64::total_cmp);
    Some(positive[positive.len() / 2])
}

/// Category levels with at least `min_leads` leads with and without them,
/// in column order, then by value.
fn categorical(
    history: &History,
    min_leads: usize,
    dropped: &mut Dropped,
) -> Vec<CategoricalFeature> {
    let total = history.leads.len();
    let mut kept = Vec::new();
    for column in &history.categorical_columns {
        let Some(values) = history.attributes.column(column) else {
            continue;
        };
        let (names, of_lead) = values.levels();
        let mut counts = vec![0usize; names.len()];
        for level in of_lead.into_iter().filter(|&l| l != ABSENT) {
            counts[level as usize] += 1;
        }
        let levels: HashMap<String, usize> = names.into_iter().zip(counts).collect();
        let mut levels: Vec<(String, usize)> = levels.into_iter().collect();
        levels.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let (common, rare): (Vec<_>, Vec<_>) =
            levels.into_iter().partition(|(_, n)| *n >= min_leads);
        if !rare.is_empty() {
            dropped.rare_levels.push(RareLevels {
                column: column.clone(),
                levels: rare.len(),
                leads: rare.iter().map(|(_, n)| n).sum(),
                examples: rare
                    .iter()
                    .take(RARE_LEVELS_LISTED)
                    .map(|(v, _)| v.clone())
                    .collect(),
            });
        }
        let mut column_kept = Vec::new();
        for (value, leads) in common {
            if total - leads < min_leads {
                dropped.shared_levels.push(SharedLevel {
                    column: column.clone(),
                    value,
                    leads,
                    without: total - leads,
                });
            } else {
                column_kept.push(CategoricalFeature {
                    attribute: column.clone(),
                    value,
                });
            }
        }
        column_kept.sort_by(|a, b| a.value.cmp(&b.value));
        kept.extend(column_kept);
    }
    kept
}
