//! The flags of `leadscore leads …`, each mapped to its API field.

use clap::{Args, Subcommand, ValueEnum};

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
        /// Only changes of these kinds (repeatable or comma-separated).
        #[arg(long, value_enum, value_delimiter = ',')]
        kind: Vec<KindArg>,
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
    /// Only these stages (repeatable or comma-separated).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub stage: Vec<StageArg>,
    /// Only these fit grades (repeatable or comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', ignore_case = true)]
    pub grade: Vec<GradeArg>,
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

/// A stage.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StageArg {
    /// Nurturing.
    Nurturing,
    /// Marketing qualified.
    Mql,
    /// Sales qualified.
    Sql,
}

impl From<StageArg> for pb::Stage {
    fn from(s: StageArg) -> Self {
        match s {
            StageArg::Nurturing => pb::Stage::Nurturing,
            StageArg::Mql => pb::Stage::Mql,
            StageArg::Sql => pb::Stage::Sql,
        }
    }
}

/// A fit grade.
#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum GradeArg {
    /// Best fit.
    A,
    /// Good fit.
    B,
    /// Weak fit.
    C,
    /// Poor fit.
    D,
}

impl From<GradeArg> for pb::FitGrade {
    fn from(g: GradeArg) -> Self {
        match g {
            GradeArg::A => pb::FitGrade::A,
            GradeArg::B => pb::FitGrade::B,
            GradeArg::C => pb::FitGrade::C,
            GradeArg::D => pb::FitGrade::D,
        }
    }
}

/// A kind of stage change, spelled as the API's enum (`to_sql`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum KindArg {
    /// Back to nurturing.
    ToNurturing,
    /// Became MQL.
    ToMql,
    /// Became SQL.
    ToSql,
    /// Given to an owner.
    Assigned,
    /// Accepted by its owner.
    Accepted,
    /// Handed back.
    Recycled,
    /// Follow-up deadline passed.
    FollowUpOverdue,
    /// Won.
    Won,
    /// Lost.
    Lost,
}

impl From<KindArg> for pb::StageChangeKind {
    fn from(k: KindArg) -> Self {
        use pb::StageChangeKind as K;
        match k {
            KindArg::ToNurturing => K::ToNurturing,
            KindArg::ToMql => K::ToMql,
            KindArg::ToSql => K::ToSql,
            KindArg::Assigned => K::Assigned,
            KindArg::Accepted => K::Accepted,
            KindArg::Recycled => K::Recycled,
            KindArg::FollowUpOverdue => K::FollowUpOverdue,
            KindArg::Won => K::Won,
            KindArg::Lost => K::Lost,
        }
    }
}
