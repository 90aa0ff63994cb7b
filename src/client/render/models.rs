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
    ]);
    for w in &c.weights {
        table.row([
            w.feature.clone(),
            w.funnel_stage.clone(),
            format!("{:.4}", w.weight),
            w.points.to_string(),
        ]);
    }
    let _ = write!(out, "{table}");
    out
}
