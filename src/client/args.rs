//! The flags of `leadscore leads …`, each mapped to its API field.

use clap::{Args, Subcommand};

use crate::pb::v1 as pb;

/// `leadscore leads …`.
#[derive(Debug, Subcommand)]
pub enum LeadsCommand {
    /// The prioritized list (SQL first, then score), with every filter of
    /// ListPrioritizedLeads.
    Top(TopArgs),
    /// One lead: standing, score, criteria, contributions, dated history.
    Show {
        /// Lead id.
        id: String,
    },
    /// Acting on one lead.
    #[command(flatten)]
    Act(ActCommand),
    /// Follow stage changes as they happen, one line each; reconnects
    /// (with backoff) after a disconnect and resumes from the last change.
    Watch {
        /// Start after this cursor (the `#` of a change; 0: from the first).
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// Only changes of these kinds (repeatable or comma-separated):
        /// to_nurturing, to_mql, to_sql, assigned, accepted, recycled,
        /// follow_up_overdue, won, lost.
        #[arg(long, value_parser = kind, value_delimiter = ',')]
        kind: Vec<pb::StageChangeKind>,
    },
}

/// What a sales rep does to a lead: one RPC each.
#[derive(Debug, Subcommand)]
pub enum ActCommand {
    /// Accept an SQL (it gets a follow-up deadline from the rules).
    Accept {
        /// Lead id.
        id: String,
        /// Who accepts: must be the lead's owner (an unassigned lead is
        /// assigned to them). Default: `--me`.
        #[arg(long)]
        owner: Option<String>,
    },
    /// Hand a lead back to marketing: it returns to nurturing, recycled.
    Reject {
        /// Lead id.
        id: String,
        /// Why (required), e.g. "no budget this year".
        #[arg(long)]
        reason: String,
    },
    /// Give a lead to an owner (replaces the current one).
    Assign {
        /// Lead id.
        id: String,
        /// The new owner.
        #[arg(long)]
        owner: String,
    },
    /// Record the lead's outcome and close it.
    #[command(group(clap::ArgGroup::new("result").required(true).args(["won", "lost"])))]
    Outcome {
        /// Lead id.
        id: String,
        /// The deal was won.
        #[arg(long)]
        won: bool,
        /// The deal was lost.
        #[arg(long)]
        lost: bool,
        /// When (RFC 3339, e.g. 2026-06-01T09:30:00Z). Default: now.
        #[arg(long, value_parser = parse_time)]
        at: Option<crate::time::Timestamp>,
    },
}

/// The filters and paging of `leads top`.
#[derive(Debug, Args)]
pub struct TopArgs {
    /// Only these stages (repeatable or comma-separated): nurturing, mql, sql.
    #[arg(long, value_parser = stage, value_delimiter = ',')]
    pub stage: Vec<pb::Stage>,
    /// Only these fit grades (repeatable or comma-separated): a, b, c, d.
    #[arg(long, value_parser = grade, value_delimiter = ',')]
    pub grade: Vec<pb::FitGrade>,
    /// Only leads owned by this owner.
    #[arg(long, conflicts_with = "mine")]
    pub owner: Option<String>,
    /// Only my leads (the owner named by `--me`).
    #[arg(long)]
    pub mine: bool,
    /// Only leads of this country (exact, as stored, e.g. US).
    #[arg(long)]
    pub country: Option<String>,
    /// Only accepted leads whose follow-up is past due.
    #[arg(long)]
    pub overdue: bool,
    /// Only leads scoring at least this (0 to 100).
    #[arg(long, default_value_t = 0.0)]
    pub min_score: f64,
    /// Also list won and lost leads.
    #[arg(long)]
    pub include_closed: bool,
    /// Rows per page (1 to 1,000).
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// The page after the one that printed this token (same filters).
    #[arg(long)]
    pub page_token: Option<String>,
}

fn parse_time(text: &str) -> Result<crate::time::Timestamp, crate::time::TimeError> {
    crate::time::Timestamp::parse_rfc3339(text)
}

/// The value of proto enum `E` written as its name without `prefix`, in
/// any case (`to_sql` for `STAGE_CHANGE_KIND_TO_SQL`), so the flags spell
/// exactly what the API does; 0 (unspecified) is none of them. The values
/// are 1, 2, … without gaps.
fn proto_word<E: TryFrom<i32>>(
    text: &str,
    prefix: &str,
    name: fn(&E) -> &'static str,
) -> Result<E, String> {
    let mut words = Vec::new();
    for value in (1..).map_while(|i| E::try_from(i).ok()) {
        let word = name(&value).trim_start_matches(prefix).to_ascii_lowercase();
        if word.eq_ignore_ascii_case(text.trim()) {
            return Ok(value);
        }
        words.push(word);
    }
    Err(format!("use one of {}", words.join(", ")))
}

fn stage(text: &str) -> Result<pb::Stage, String> {
    proto_word(text, "STAGE_", pb::Stage::as_str_name)
}

fn grade(text: &str) -> Result<pb::FitGrade, String> {
    proto_word(text, "FIT_GRADE_", pb::FitGrade::as_str_name)
}

fn kind(text: &str) -> Result<pb::StageChangeKind, String> {
    proto_word(text, "STAGE_CHANGE_KIND_", pb::StageChangeKind::as_str_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_flags_are_the_api_names_in_any_case() {
        assert_eq!(kind("to_sql"), Ok(pb::StageChangeKind::ToSql));
        assert_eq!(
            kind("FOLLOW_UP_OVERDUE"),
            Ok(pb::StageChangeKind::FollowUpOverdue)
        );
        assert_eq!(grade("b"), Ok(pb::FitGrade::B));
        assert_eq!(stage("Sql"), Ok(pb::Stage::Sql));
        assert_eq!(
            stage("unspecified"),
            Err("use one of nurturing, mql, sql".to_owned())
        );
        assert!(
            kind("sql")
                .unwrap_err()
                .ends_with("follow_up_overdue, won, lost")
        );
    }
}
