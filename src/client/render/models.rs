//! Model lists and cards, and the answers of activate and shadow.

use std::fmt::Write;

use crate::client::table::{Align, Table};
use crate::pb::v1 as pb;

/// `value`, or `placeholder` when the answer left it empty.
fn or<'a>(value: &'a str, placeholder: &'a str) -> &'a str {
    if value.is_empty() { placeholder } else { value }
}

/// The answer to `models activate`.
pub fn activated(a: &pb::ActivateModelResponse) -> String {
    format!(
        "active: {}  pinned: {}\n",
        a.active_version,
        or(&a.pinned_version, "(none: newest wins)")
    )
}

/// The answer to `models shadow`.
pub fn shadow(a: &pb::SetShadowModelResponse) -> String {
    format!(
        "active: {}  shadow: {}\n",
        a.active_version,
        or(&a.shadow_version, "(none)")
    )
}

/// The model list: a refused file says why in its state column.
pub fn models(list: &pb::ListModelsResponse) -> String {
    let mut table = Table::new(&[
        ("version", Align::Left),
        ("created", Align::Left),
        ("auc", Align::Right),
        ("source", Align::Right),
        ("state", Align::Left),
    ]);
    for m in &list.models {
        if !m.valid {
            let refused = format!("refused: {}", m.refusal);
            table.row([
                m.file.clone(),
                String::new(),
                String::new(),
                String::new(),
                refused,
            ]);
            continue;
        }
        let state: Vec<&str> = [
            (m.active, "active"),
            (m.pinned, "pinned"),
            (m.shadow, "shadow"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect();
        table.row([
            m.version.clone(),
            m.created_at.clone(),
            format!("{:.3}", m.auc),
            m.source.clone(),
            state.join(", "),
        ]);
    }
    table.to_string()
}

/// A model card: its metrics, then every weight with its points.
pub fn card(c: &pb::ModelCard) -> String {
    let s = c.summary.clone().unwrap_or_default();
    let mut out = format!(
        "model {} ({}), AUC {:.3}, log-loss {:.3}, Brier {:.3}\nhalf-life {} days, MQL threshold {:.3} = {} points\n\n",
        s.version,
        s.created_at,
        s.auc,
        s.log_loss,
        s.brier,
        if c.half_life_days > 0.0 {
            format!("{:.0}", c.half_life_days)
        } else {
            "∞ (no decay)".into()
        },
        c.mql_threshold,
        c.points_threshold
    );
    let mut table = Table::new(&[
        ("feature", Align::Left),
        ("stage", Align::Left),
        ("weight", Align::Right),
        ("points", Align::Right),
        ("half-life", Align::Right),
    ]);
    for w in &c.weights {
        table.row([
            w.feature.clone(),
            w.funnel_stage.clone(),
            format!("{:.4}", w.weight),
            w.points.to_string(),
            feature_half_life(w, c.half_life_days),
        ]);
    }
    let _ = write!(out, "{table}");
    out
}

/// The half-life column of a weight: days for an activity, `*` marking a
/// half-life learned for that type (not the model's shared one), `none`
/// without decay, empty for an attribute.
fn feature_half_life(w: &pb::FeatureWeight, shared_days: f64) -> String {
    if w.funnel_stage.is_empty() {
        String::new()
    } else if w.half_life_days > 0.0 {
        let own = if w.half_life_days == shared_days {
            ""
        } else {
            "*"
        };
        format!("{} d{own}", w.half_life_days)
    } else {
        "none".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_prints_each_activity_s_half_life_and_marks_per_type_ones() {
        let weight = |feature: &str, stage: &str, days: f64| pb::FeatureWeight {
            feature: feature.to_owned(),
            funnel_stage: stage.to_owned(),
            half_life_days: days,
            ..Default::default()
        };
        let card = card(&pb::ModelCard {
            half_life_days: 30.0,
            weights: vec![
                weight("activity:page_view", "tofu", 3.0),
                weight("activity:demo_request", "bofu", 30.0),
                weight("attribute:source=web", "", 0.0),
            ],
            ..Default::default()
        });
        let line = |name: &str| card.lines().find(|l| l.contains(name)).unwrap().to_owned();
        assert!(line("page_view").trim_end().ends_with("3 d*"), "{card}");
        assert!(line("demo_request").trim_end().ends_with("30 d"), "{card}");
        assert!(!line("source=web").contains(" d"), "{card}");
    }
}
