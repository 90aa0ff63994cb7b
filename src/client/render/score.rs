//! A score answer: headline, verdicts, contributions that add up.

use std::fmt::Write;

use crate::client::table::{Align, Table};
use crate::client::words::{grade, lead_label, stage};
use crate::pb::v1 as pb;

/// A score answer: headline, the criteria met and unmet, and the
/// contributions from the baseline to the lead's logit.
pub fn score(s: &pb::LeadScore) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "lead {}  stage {}  score {:.1}  grade {} ({} fit points)  seniority {}{}",
        lead_label(&s.lead_id, "", ""),
        stage(s.stage),
        s.score,
        grade(s.fit_grade),
        s.fit_points,
        s.seniority,
        if s.decision_maker {
            " (decision-maker)"
        } else {
            ""
        }
    );
    let _ = writeln!(out, "model {}  rules {}", s.model_version, s.rules_version);
    let _ = writeln!(out, "\ncriteria:");
    for v in &s.verdicts {
        let _ = writeln!(out, "  [{}] {}", if v.met { "x" } else { " " }, v.reason);
    }
    let mut table = Table::new(&[
        ("contribution", Align::Left),
        ("value", Align::Right),
        ("logit", Align::Right),
        ("points", Align::Right),
    ]);
    table.row([
        baseline_label(s).to_owned(),
        String::new(),
        format!("{:.4}", s.baseline_logit),
    ]);
    for c in &s.contributions {
        table.row([
            c.label.clone(),
            format!("{:.4}", c.value),
            format!("{:.4}", c.logit),
            c.points.to_string(),
        ]);
    }
    table.row([
        "= logit / behavior points".to_owned(),
        String::new(),
        format!("{:.4}", s.logit),
        s.behavior_points.to_string(),
    ]);
    let _ = write!(out, "\n{table}");
    let _ = writeln!(out, "MQL at {} behavior points", s.points_threshold);
    for u in &s.unscored {
        let _ = writeln!(
            out,
            "unscored: {} x{} (the model does not know this type)",
            u.r#type, u.count
        );
    }
    out
}

/// What the explanation starts from: an average training lead, or the
/// intercept for a model file written before baselines.
fn baseline_label(s: &pb::LeadScore) -> &'static str {
    match s.explanation_form() {
        pb::ExplanationForm::Intercept => "baseline (intercept)",
        pb::ExplanationForm::Baseline | pb::ExplanationForm::Unspecified => {
            "baseline (an average lead)"
        }
    }
}
