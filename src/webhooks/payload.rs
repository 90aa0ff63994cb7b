//! What a subscription is sent for one change: the Standard Webhooks JSON
//! event, or a Slack incoming-webhook message.
//!
//! `kind`, `reason`, `at` and `cursor` are the change's; `stage`, `score`,
//! `grade`, `owner` and `top_reasons` are the lead as it is when the
//! change is delivered (what a salesperson opening it will see).

use serde_json::json;

use crate::handoff::{ChangeKind, LeadRecord, StageChange};
use crate::scoring::LeadScore;
use crate::spelling::Spelled;

use super::config::Template;

/// Reasons (largest contributions) a payload names.
pub const TOP_REASONS: usize = 3;

/// One change with the lead it happened to, as delivered.
#[derive(Debug, Clone)]
pub struct Event {
    /// The change.
    pub change: StageChange,
    /// The lead now.
    pub lead: LeadRecord,
    /// Its largest positive contributions, in words.
    pub top_reasons: Vec<String>,
}

impl Event {
    /// The event of `change`, with the lead and its score as they are now.
    pub fn new(change: StageChange, lead: LeadRecord, score: &LeadScore) -> Event {
        let top_reasons = score
            .contributions
            .iter()
            .filter(|c| c.points > 0)
            .take(TOP_REASONS)
            .map(|c| format!("{} (+{} points)", c.label, c.points))
            .collect();
        Event {
            change,
            lead,
            top_reasons,
        }
    }

    /// The body for `template`.
    pub fn body(&self, template: Template) -> Vec<u8> {
        let value = match template {
            Template::Standard => self.standard(),
            Template::Slack => json!({ "text": self.slack_text() }),
        };
        value.to_string().into_bytes()
    }

    fn standard(&self) -> serde_json::Value {
        let (c, l) = (&self.change, &self.lead);
        json!({
            "type": format!("lead.{}", c.kind.as_str()),
            "timestamp": c.at.to_rfc3339(),
            "data": {
                "cursor": c.cursor,
                "lead_id": c.lead_id,
                "kind": c.kind.as_str(),
                "stage": l.stage.as_str(),
                "score": l.score,
                "grade": l.grade.to_string(),
                "owner": l.owner,
                "reason": c.reason,
                "top_reasons": self.top_reasons,
                "at": c.at.to_rfc3339(),
            }
        })
    }

    /// One line a channel reads: what happened, to whom, and why.
    fn slack_text(&self) -> String {
        let c = &self.change;
        let owner = c.owner.as_deref().unwrap_or("nobody");
        let what = match c.kind {
            ChangeKind::ToSql => {
                return self.with_reasons(&format!("New SQL for you: {}", c.lead_id));
            }
            ChangeKind::ToMql => "became an MQL".to_owned(),
            ChangeKind::ToNurturing => "is back to nurturing".to_owned(),
            ChangeKind::Assigned => format!("was assigned to {owner}"),
            ChangeKind::Accepted => format!("was accepted by {owner}"),
            ChangeKind::Recycled => "was handed back by sales".to_owned(),
            ChangeKind::FollowUpOverdue => format!("is overdue for follow-up by {owner}"),
            ChangeKind::Won => "was won".to_owned(),
            ChangeKind::Lost => "was lost".to_owned(),
        };
        self.with_reasons(&format!("Lead {} {what}", c.lead_id))
    }

    fn with_reasons(&self, head: &str) -> String {
        let l = &self.lead;
        let mut text = format!("{head} (score {:.0}, grade {})", l.score, l.grade);
        let reasons = if self.top_reasons.is_empty() {
            self.change.reason.clone()
        } else {
            self.top_reasons.join("; ")
        };
        if !reasons.is_empty() {
            text.push_str(" — ");
            text.push_str(&reasons);
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qualification::Stage;
    use crate::rules::Grade;
    use crate::time::Timestamp;

    fn event(kind: ChangeKind) -> Event {
        let at = Timestamp::from_unix(1_780_000_000, 0).unwrap();
        let mut lead = LeadRecord::new("lead-7", at);
        lead.stage = Stage::Sql;
        lead.score = 87.4;
        lead.grade = Grade::A;
        lead.owner = Some("ann".into());
        Event {
            change: StageChange {
                cursor: 12,
                lead_id: "lead-7".into(),
                kind,
                stage: Stage::Sql,
                score: 87.4,
                owner: Some("ann".into()),
                reason: "demo requested".into(),
                at,
            },
            lead,
            top_reasons: vec!["Demo request (BOFU) (+40 points)".into()],
        }
    }

    #[test]
    fn the_standard_body_carries_the_change_and_the_lead_now() {
        let body: serde_json::Value =
            serde_json::from_slice(&event(ChangeKind::ToSql).body(Template::Standard)).unwrap();
        assert_eq!(body["type"], "lead.to_sql");
        assert_eq!(body["data"]["cursor"], 12);
        assert_eq!(body["data"]["grade"], "A");
        assert_eq!(body["data"]["stage"], "sql");
        assert_eq!(body["data"]["owner"], "ann");
        assert_eq!(
            body["data"]["top_reasons"][0],
            "Demo request (BOFU) (+40 points)"
        );
        assert_eq!(body["timestamp"], body["data"]["at"]);
    }

    #[test]
    fn the_slack_body_is_one_text_field_saying_new_sql_for_you() {
        let body: serde_json::Value =
            serde_json::from_slice(&event(ChangeKind::ToSql).body(Template::Slack)).unwrap();
        assert_eq!(
            body,
            json!({"text": "New SQL for you: lead-7 (score 87, grade A) — Demo request (BOFU) (+40 points)"})
        );
        let won: serde_json::Value =
            serde_json::from_slice(&event(ChangeKind::Won).body(Template::Slack)).unwrap();
        assert_eq!(
            won["text"],
            "Lead lead-7 was won (score 87, grade A) — Demo request (BOFU) (+40 points)"
        );
    }
}
