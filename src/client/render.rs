//! Human-readable output: a score with its reasons and contributions, the
//! prioritized list, model lists and cards, pipeline health.

use std::fmt::Write;

use crate::pb::v1 as pb;

fn stage(s: i32) -> &'static str {
    match pb::Stage::try_from(s) {
        Ok(pb::Stage::Sql) => "SQL",
        Ok(pb::Stage::Mql) => "MQL",
        Ok(pb::Stage::Nurturing) => "nurturing",
        Ok(pb::Stage::Unspecified) | Err(_) => "?",
    }
}

fn grade(g: i32) -> &'static str {
    match pb::FitGrade::try_from(g) {
        Ok(pb::FitGrade::A) => "A",
        Ok(pb::FitGrade::B) => "B",
        Ok(pb::FitGrade::C) => "C",
        Ok(pb::FitGrade::D) => "D",
        Ok(pb::FitGrade::Unspecified) | Err(_) => "?",
    }
}

/// A score answer: headline, verdicts, contributions that add up.
pub fn score(s: &pb::LeadScore) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "lead {}  stage {}  score {:.1}  grade {} ({} fit points)  seniority {}{}",
        s.lead_id,
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
    let _ = writeln!(
        out,
        "\n{:<44} {:>9} {:>9} {:>7}",
        "contribution", "value", "logit", "points"
    );
    let _ = writeln!(
        out,
        "{:<44} {:>9} {:>9.4} {:>7}",
        "baseline (an average lead)", "", s.baseline_logit, ""
    );
    for c in &s.contributions {
        let _ = writeln!(
            out,
            "{:<44} {:>9.4} {:>9.4} {:>7}",
            c.label, c.value, c.logit, c.points
        );
    }
    let _ = writeln!(
        out,
        "{:<44} {:>9} {:>9.4} {:>7}   (MQL at {} points)",
        "= logit / behavior points", "", s.logit, s.behavior_points, s.points_threshold
    );
    for u in &s.unscored {
        let _ = writeln!(
            out,
            "unscored: {} x{} (the model does not know this type)",
            u.r#type, u.count
        );
    }
    out
}

/// The prioritized list as a table.
pub fn leads(rows: &[pb::PrioritizedLead]) -> String {
    let mut out = format!(
        "{:>4}  {:<20} {:<10} {:>6} {:>5}  {:<12} {:<7} {}\n",
        "#", "lead", "stage", "score", "grade", "owner", "country", "why"
    );
    for (i, r) in rows.iter().enumerate() {
        let _ = writeln!(
            out,
            "{:>4}  {:<20} {:<10} {:>6.1} {:>5}  {:<12} {:<7} {}",
            i + 1,
            r.lead_id,
            stage(r.stage),
            r.score,
            grade(r.fit_grade),
            r.owner,
            r.country,
            r.stage_reason
        );
    }
    out
}

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

/// A stored lead with its history.
pub fn lead(l: &pb::GetLeadResponse) -> String {
    let Some(lead) = &l.lead else {
        return String::new();
    };
    let mut out = format!(
        "owner {}  stage reason: {}\n",
        or(&lead.owner, "-"),
        lead.stage_reason
    );
    if let Some(s) = &lead.score {
        out.push_str(&score(s));
    }
    if !l.history.is_empty() {
        let _ = writeln!(out, "\nhistory:");
        for c in &l.history {
            let _ = writeln!(
                out,
                "  #{} {:?} {}",
                c.cursor,
                pb::StageChangeKind::try_from(c.kind).unwrap_or_default(),
                c.reason
            );
        }
    }
    out
}

/// The model list.
pub fn models(list: &pb::ListModelsResponse) -> String {
    let mut out = format!(
        "{:<28} {:<22} {:>6} {:>7}  {:<7} {}\n",
        "version", "created", "auc", "source", "state", ""
    );
    for m in &list.models {
        if !m.valid {
            let _ = writeln!(out, "{:<28} refused: {}", m.file, m.refusal);
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
        let state = state.join(", ");
        let _ = writeln!(
            out,
            "{:<28} {:<22} {:>6.3} {:>7}  {}",
            m.version, m.created_at, m.auc, m.source, state
        );
    }
    out
}

/// A model card.
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
    let _ = writeln!(
        out,
        "{:<44} {:<12} {:>9} {:>7}",
        "feature", "stage", "weight", "points"
    );
    for w in &c.weights {
        let _ = writeln!(
            out,
            "{:<44} {:<12} {:>9.4} {:>7}",
            w.feature, w.funnel_stage, w.weight, w.points
        );
    }
    out
}

fn model_health(out: &mut String, title: &str, m: &pb::ModelHealth) {
    if m.outcomes == 0 {
        // Metrics of no outcomes (AUC 0.5, log-loss -0) would read as a verdict.
        let _ = writeln!(
            out,
            "\n{title} {}: no outcomes in this window yet",
            m.model_version
        );
        return;
    }
    let _ = writeln!(
        out,
        "\n{title} {}: {} outcomes ({} won), AUC {:.3}, log-loss {:.3}, calibration gap {:.3}, rank correlation {:.2}{}",
        m.model_version,
        m.outcomes,
        m.won,
        m.auc,
        m.log_loss,
        m.calibration_error,
        m.rank_correlation,
        if m.stale { "  STALE" } else { "" }
    );
    let _ = writeln!(
        out,
        "  {:<7} {:>6} {:>5} {:>11} {:>6}",
        "decile", "leads", "won", "conversion", "lift"
    );
    for d in &m.deciles {
        let _ = writeln!(
            out,
            "  {:<7} {:>6} {:>5} {:>10.1}% {:>6.2}",
            d.decile,
            d.leads,
            d.won,
            d.conversion_rate * 100.0,
            d.lift
        );
    }
}

/// A pipeline health report.
pub fn health(h: &pb::PipelineHealth) -> String {
    let mut out = String::new();
    for line in &h.summary {
        let _ = writeln!(out, "{line}");
    }
    let f = h.funnel.unwrap_or_default();
    let _ = writeln!(
        out,
        "\nfunnel: qualified {} -> SQL {} ({:.0}%) -> accepted {} ({:.0}%); outcomes: won {} ({:.0}% of {} closed), lost {}",
        f.qualified,
        f.reached_sql,
        f.sql_rate * 100.0,
        f.accepted,
        f.accept_rate * 100.0,
        f.won,
        f.win_rate * 100.0,
        f.won + f.lost,
        f.lost
    );
    if let Some(b) = &h.hand_back {
        let _ = writeln!(
            out,
            "handed back: {} of {} SQLs ({:.0}%)",
            b.handed_back,
            b.sqls,
            b.share * 100.0
        );
        for r in &b.reasons {
            let _ = writeln!(out, "  {:>5}  {}", r.count, r.reason);
        }
    }
    let _ = writeln!(out, "follow-ups overdue now: {}", h.overdue_open);
    if let Some(m) = &h.active {
        model_health(&mut out, "active", m);
    }
    if let (Some(a), Some(s)) = (&h.active_on_shadow_outcomes, &h.shadow) {
        model_health(&mut out, "active (shadow's outcomes)", a);
        model_health(&mut out, "shadow", s);
    }
    out
}
