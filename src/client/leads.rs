//! `leadscore leads …`: read the prioritized list and one lead, and act on
//! leads as a sales rep does (accept, hand back, assign, record the
//! outcome). Each action is one RPC and prints the lead's resulting
//! standing in one line; a refusal is the server's message.

use super::args::{ActCommand, LeadsCommand, TopArgs};
use super::connect::{ClientArgs, Connection};
use super::render::leads as render;
use super::{ClientError, json};
use crate::grpc::convert::timestamp;
use crate::pb::v1 as pb;
use crate::pb::v1::lead_service_client::LeadServiceClient;
use crate::time::Timestamp;

/// Runs `leads COMMAND` and returns what it prints (`watch` prints as it
/// goes, and returns only on a lasting failure); `me` is the rep's owner
/// name (`--me`).
pub async fn run(
    args: &ClientArgs,
    me: Option<&str>,
    command: LeadsCommand,
) -> Result<String, ClientError> {
    match command {
        LeadsCommand::Watch { after, kind } => {
            super::watch::follow(args, after, &kind).await?;
            Ok(String::new())
        }
        LeadsCommand::Top(top) => list(args, list_request(top, me)?).await,
        LeadsCommand::Show { id } => show(args, id).await,
        LeadsCommand::Act(action) => act(args, me, action).await,
    }
}

async fn client(args: &ClientArgs) -> Result<LeadServiceClient<Connection>, ClientError> {
    Ok(LeadServiceClient::new(args.connect().await?))
}

/// One hand-off RPC; prints the lead's standing after it.
async fn act(
    args: &ClientArgs,
    me: Option<&str>,
    action: ActCommand,
) -> Result<String, ClientError> {
    let mut client = client(args).await?;
    let answer = match action {
        ActCommand::Accept { id, owner } => {
            let owner = owner.or(me.map(str::to_owned)).unwrap_or_default();
            let request = pb::AcceptLeadRequest { lead_id: id, owner };
            client.accept_lead(request).await?
        }
        ActCommand::Reject { id, reason } => {
            let request = pb::RejectLeadRequest {
                lead_id: id,
                reason,
            };
            client.reject_lead(request).await?
        }
        ActCommand::Assign { id, owner } => {
            let request = pb::AssignLeadRequest { lead_id: id, owner };
            client.assign_lead(request).await?
        }
        ActCommand::Outcome { id, won, at, .. } => {
            let outcome = if won {
                pb::Outcome::Won
            } else {
                pb::Outcome::Lost
            };
            let request = pb::RecordOutcomeRequest {
                lead_id: id,
                outcome: outcome as i32,
                occurred_at: Some(timestamp(at.unwrap_or_else(Timestamp::now))),
            };
            client.record_outcome(request).await?
        }
    }
    .into_inner();
    Ok(if args.json {
        json::render("leadscore.v1.HandOffResponse", &answer)
    } else {
        render::standing(&answer.lead.unwrap_or_default(), args.zone())
    })
}

/// The ListPrioritizedLeads request `top` asks for.
fn list_request(
    top: TopArgs,
    me: Option<&str>,
) -> Result<pb::ListPrioritizedLeadsRequest, ClientError> {
    let owner = match (top.mine, me) {
        (true, Some(me)) => me.to_owned(),
        (true, None) => {
            return Err(ClientError::Settings(
                "--mine needs your owner name: --me NAME or LEADSCORE_OWNER".into(),
            ));
        }
        (false, _) => top.owner.unwrap_or_default(),
    };
    Ok(pb::ListPrioritizedLeadsRequest {
        stages: top.stage.into_iter().map(|s| s as i32).collect(),
        min_score: top.min_score,
        grades: top.grade.into_iter().map(|g| g as i32).collect(),
        owner,
        country: top.country.unwrap_or_default(),
        overdue_only: top.overdue,
        include_closed: top.include_closed,
        page_size: top.limit,
        page_token: top.page_token.unwrap_or_default(),
    })
}

/// `leads top`: one page; the token of the next one is said on stderr,
/// so stdout stays the table.
async fn list(
    args: &ClientArgs,
    request: pb::ListPrioritizedLeadsRequest,
) -> Result<String, ClientError> {
    let answer = client(args)
        .await?
        .list_prioritized_leads(request)
        .await?
        .into_inner();
    if args.json {
        return Ok(json::render(
            "leadscore.v1.ListPrioritizedLeadsResponse",
            &answer,
        ));
    }
    if !answer.next_page_token.is_empty() {
        eprintln!("more: add --page-token {}", answer.next_page_token);
    }
    Ok(render::leads(&answer.leads, args.zone()))
}

/// `leads show ID`.
async fn show(args: &ClientArgs, id: String) -> Result<String, ClientError> {
    let answer = client(args)
        .await?
        .get_lead(pb::GetLeadRequest { lead_id: id })
        .await?
        .into_inner();
    Ok(if args.json {
        json::render("leadscore.v1.GetLeadResponse", &answer)
    } else {
        render::lead(&answer, args.zone())
    })
}
