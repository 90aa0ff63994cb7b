//! Leads for a sales rep: the prioritized list, one lead with its
//! history, the one line a hand-off prints and the line of a watched
//! change. Every lead is named by [`lead_label`], every time shown in the
//! reader's [`Zone`].

use std::fmt::Write;

use crate::client::table::{Align, Table, printable};
use crate::client::words::{Zone, grade, kind, lead_label, or_dash, stage, status};
use crate::pb::v1 as pb;

/// The prioritized list as a table, in priority order.
pub fn leads(rows: &[pb::PrioritizedLead], zone: Zone) -> String {
    let mut table = Table::new(&[
        ("lead", Align::Left),
        ("stage", Align::Left),
        ("status", Align::Left),
        ("score", Align::Right),
        ("grade", Align::Left),
        ("owner", Align::Left),
        ("country", Align::Left),
        ("follow-up due", Align::Left),
        ("why", Align::Left),
    ]);
    for r in rows {
        table.row([
            lead_label(&r.lead_id, &r.display_name, &r.company),
            stage(r.stage).to_owned(),
            status(r.status).to_owned(),
            format!("{:.1}", r.score),
            grade(r.fit_grade).to_owned(),
            or_dash(&r.owner).to_owned(),
            or_dash(&r.country).to_owned(),
            zone.time(r.follow_up_due.as_ref()),
            r.stage_reason.clone(),
        ]);
    }
    table.to_string()
}

/// A stored lead's standing in one line: what a hand-off command prints.
pub fn standing(l: &pb::StoredLead, zone: Zone) -> String {
    let (name, company) = l
        .profile
        .as_ref()
        .map_or(("", ""), |p| (p.display_name.as_str(), p.company.as_str()));
    let mut line = format!(
        "{}: {} ({}), owner {}",
        lead_label(&l.lead_id, name, company),
        stage(l.stage),
        status(l.status),
        or_dash(&l.owner)
    );
    if let Some(due) = &l.follow_up_due {
        let _ = write!(line, ", follow-up due {}", zone.time(Some(due)));
    }
    if let Some(at) = &l.outcome_at {
        let _ = write!(line, ", closed {}", zone.time(Some(at)));
    }
    line.push('\n');
    line
}

/// A stored lead with its score and its history, each change dated.
pub fn lead(l: &pb::GetLeadResponse, zone: Zone) -> String {
    let Some(lead) = &l.lead else {
        return String::new();
    };
    let mut out = standing(lead, zone);
    let _ = writeln!(out, "why: {}", lead.stage_reason);
    if let Some(s) = &lead.score {
        let _ = write!(out, "\n{}", super::score::score(s));
    }
    if !l.history.is_empty() {
        let mut table = Table::new(&[
            ("#", Align::Right),
            ("when", Align::Left),
            ("what", Align::Left),
            ("stage", Align::Left),
            ("score", Align::Right),
            ("owner", Align::Left),
            ("why", Align::Left),
        ])
        .indented("  ");
        for c in &l.history {
            table.row([
                c.cursor.to_string(),
                zone.time(c.at.as_ref()),
                kind(c.kind).to_owned(),
                stage(c.stage).to_owned(),
                format!("{:.1}", c.score),
                or_dash(&c.owner).to_owned(),
                c.reason.clone(),
            ]);
        }
        let _ = write!(out, "\nhistory:\n{table}");
    }
    out
}

/// One watched change in one line: when, which lead, what happened, where
/// it stands, why (`… #9  acme-1 won (SQL, score 78.9, owner ava): won`).
pub fn change(c: &pb::StageChange, zone: Zone) -> String {
    let line = format!(
        "{}  #{}  {} {} ({}, score {:.1}, owner {}): {}",
        zone.time(c.at.as_ref()),
        c.cursor,
        lead_label(&c.lead_id, "", ""),
        kind(c.kind),
        stage(c.stage),
        c.score,
        or_dash(&c.owner),
        c.reason
    );
    // A reason or owner is caller text: no newline or escape gets through.
    let mut line = printable(line);
    line.push('\n');
    line
}
