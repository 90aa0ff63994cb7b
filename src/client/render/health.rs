//! A pipeline health report: the verdict in words, the funnel, hand-backs,
//! and each model judged on outcomes with its deciles and its calibration
//! (predicted against observed conversion per probability bin).

use std::fmt::Write;

use crate::client::table::{Align, Table};
use crate::client::words::Zone;
use crate::pb::v1 as pb;

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn deciles(m: &pb::ModelHealth) -> Table {
    let mut table = Table::new(&[
        ("decile", Align::Left),
        ("leads", Align::Right),
        ("won", Align::Right),
        ("conversion", Align::Right),
        ("lift", Align::Right),
    ])
    .indented("  ");
    for d in &m.deciles {
        table.row([
            d.decile.to_string(),
            d.leads.to_string(),
            d.won.to_string(),
            percent(d.conversion_rate),
            format!("{:.2}", d.lift),
        ]);
    }
    table
}

/// The calibration table: does a predicted 30 % convert 30 % of the time?
fn calibration(m: &pb::ModelHealth) -> Table {
    let mut table = Table::new(&[
        ("probability", Align::Left),
        ("leads", Align::Right),
        ("predicted", Align::Right),
        ("observed", Align::Right),
        ("gap", Align::Right),
    ])
    .indented("  ");
    for b in &m.calibration {
        table.row([
            format!("{:.0}–{:.0}%", b.lower * 100.0, b.upper * 100.0),
            b.count.to_string(),
            percent(b.predicted_mean),
            percent(b.observed_rate),
            format!("{:+.1} pts", (b.observed_rate - b.predicted_mean) * 100.0),
        ]);
    }
    table
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
    let _ = write!(out, "{}", deciles(m));
    let _ = write!(out, "\n  calibration:\n{}", calibration(m));
}

/// A pipeline health report, its window's times in `zone`.
pub fn health(h: &pb::PipelineHealth, zone: Zone) -> String {
    let mut out = format!(
        "window: {} to {}\n",
        zone.time(h.from.as_ref()),
        zone.time(h.to.as_ref())
    );
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
        let mut reasons =
            Table::new(&[("count", Align::Right), ("reason", Align::Left)]).indented("  ");
        for r in &b.reasons {
            reasons.row([r.count.to_string(), r.reason.clone()]);
        }
        if !b.reasons.is_empty() {
            let _ = write!(out, "{reasons}");
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
