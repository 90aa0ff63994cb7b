//! `leadscore.v1.LeadService`: thin handlers over [`LiveStore`]: validate,
//! convert, call, map errors.

use std::pin::Pin;
use std::sync::Arc;

use tokio_stream::Stream;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::convert;
use super::lead_convert as lc;
use super::page_token::{self, Filters};
use super::pipeline_convert;
use super::status::ApiError;
use crate::lead::{EventBatch, OutcomeBatch, UpsertBatch};
use crate::lead::{FieldError, check_lead_id, check_len, limits};
use crate::live::LiveStore;
use crate::live::writes::HandOffAction;
use crate::pb::v1 as pb;
use crate::pb::v1::lead_service_server::LeadService;
use crate::slots::{Holding, Slots};
use crate::time::Timestamp;

/// The lead service.
#[derive(Debug, Clone)]
pub struct LeadApi {
    /// The store, kept live by the scorer.
    book: Arc<LiveStore>,
    /// One slot per open `WatchStageChanges` stream.
    watchers: Arc<Slots>,
}

impl LeadApi {
    /// A service over `book`, serving at most `max_watchers` change
    /// streams at once.
    pub fn new(book: Arc<LiveStore>, max_watchers: usize) -> LeadApi {
        LeadApi {
            book,
            watchers: Slots::new(max_watchers),
        }
    }

    async fn hand_off(
        &self,
        lead_id: String,
        action: HandOffAction,
    ) -> Result<Response<pb::HandOffResponse>, Status> {
        let lead = self
            .book
            .hand_off(lead_id_of(lead_id)?, action, Timestamp::now())
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::HandOffResponse {
            lead: Some(lc::stored_lead(&lead, None)),
        }))
    }

    /// Records a parsed batch; `ids` are its event ids, in order.
    async fn record(
        &self,
        ids: Vec<String>,
        batch: EventBatch,
        now: Timestamp,
    ) -> Result<Response<pb::RecordActivitiesResponse>, Status> {
        let outcomes = self
            .book
            .record_activities(batch, now)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::RecordActivitiesResponse {
            results: ids
                .into_iter()
                .zip(outcomes)
                .map(|(id, o)| lc::event_result(id, o))
                .collect(),
        }))
    }
}

/// Longest `source` of `IngestEvents`, in bytes.
pub const MAX_SOURCE_BYTES: usize = 64;

/// A request's `lead_id`, checked like every lead id ([`check_lead_id`]).
fn lead_id_of(value: String) -> Result<String, Status> {
    check_lead_id("lead_id", &value).map_err(ApiError::from)?;
    Ok(value)
}

/// An optional free-text field (owner): `None` when blank, else at most a
/// profile string's length.
fn text(field: &str, value: String) -> Result<Option<String>, Status> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    check_len(field, &value, limits::MAX_STRING_BYTES).map_err(ApiError::from)?;
    Ok(Some(value))
}

/// A required [`text`] field (owner, reason).
fn required_text(field: &str, value: String) -> Result<String, Status> {
    text(field, value)?.ok_or_else(|| ApiError::from(FieldError::new(field, "is required")).into())
}

/// The change feed as sent to a watcher.
type ChangeStream = Pin<Box<dyn Stream<Item = Result<pb::StageChange, Status>> + Send>>;

#[tonic::async_trait]
impl LeadService for LeadApi {
    async fn upsert_leads(
        &self,
        request: Request<pb::UpsertLeadsRequest>,
    ) -> Result<Response<pb::UpsertLeadsResponse>, Status> {
        let upserts = UpsertBatch::parse(request.into_inner().leads, |_, u| lc::upsert(u))
            .map_err(ApiError::from)?;
        let leads = self
            .book
            .upsert_leads(upserts, Timestamp::now())
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::UpsertLeadsResponse {
            leads: leads.iter().map(|l| lc::stored_lead(l, None)).collect(),
        }))
    }

    async fn record_activities(
        &self,
        request: Request<pb::RecordActivitiesRequest>,
    ) -> Result<Response<pb::RecordActivitiesResponse>, Status> {
        let events = request.into_inner().events;
        let ids: Vec<String> = events.iter().map(|e| e.event_id.clone()).collect();
        let now = Timestamp::now();
        let batch = EventBatch::parse(events, |e| lc::event(e, now)).map_err(ApiError::from)?;
        self.record(ids, batch, now).await
    }

    async fn ingest_events(
        &self,
        request: Request<pb::IngestEventsRequest>,
    ) -> Result<Response<pb::RecordActivitiesResponse>, Status> {
        let r = request.into_inner();
        check_len("source", &r.source, MAX_SOURCE_BYTES).map_err(ApiError::from)?;
        let all: Vec<pb::ActivityEvent> = r.event.into_iter().chain(r.events).collect();
        let mut ids = Vec::with_capacity(all.len());
        let now = Timestamp::now();
        // The batch bound is checked before any id is derived.
        let batch = EventBatch::parse(all, |e| {
            let e = lc::with_derived_id(&r.source, e);
            ids.push(e.event_id.clone());
            lc::event(e, now)
        })
        .map_err(ApiError::from)?;
        self.record(ids, batch, now).await
    }

    async fn get_pipeline_health(
        &self,
        request: Request<pb::GetPipelineHealthRequest>,
    ) -> Result<Response<pb::PipelineHealth>, Status> {
        let q = pipeline_convert::health_query(request.get_ref()).map_err(ApiError::from)?;
        let health = self
            .book
            .pipeline_health(q.from, q.to, q.thresholds)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pipeline_convert::pipeline_health(&health)))
    }

    async fn get_lead(
        &self,
        request: Request<pb::GetLeadRequest>,
    ) -> Result<Response<pb::GetLeadResponse>, Status> {
        let id = lead_id_of(request.into_inner().lead_id)?;
        let (detail, score, decay) = self.book.get_lead(id).await.map_err(ApiError::from)?;
        let as_of = score.as_of;
        Ok(Response::new(pb::GetLeadResponse {
            lead: Some(lc::stored_lead(
                &detail.lead,
                Some(convert::lead_score(score)),
            )),
            history: detail.history.iter().map(lc::stage_change).collect(),
            activities: lc::timeline(&detail.activities, &decay, as_of),
            activity_count: detail.activities.len() as u64,
        }))
    }

    async fn list_prioritized_leads(
        &self,
        request: Request<pb::ListPrioritizedLeadsRequest>,
    ) -> Result<Response<pb::ListPrioritizedLeadsResponse>, Status> {
        let query = lc::list_query(request.into_inner()).map_err(ApiError::from)?;
        let (size, filters) = (query.page_size, Filters::of(&query));
        let rows = self
            .book
            .list(query, Timestamp::now())
            .await
            .map_err(ApiError::from)?;
        let next_page_token = match rows.last() {
            Some(last) if rows.len() == size => page_token::encode(last, &filters),
            _ => String::new(),
        };
        Ok(Response::new(pb::ListPrioritizedLeadsResponse {
            leads: rows.iter().map(lc::prioritized).collect(),
            next_page_token,
        }))
    }

    async fn assign_lead(
        &self,
        request: Request<pb::AssignLeadRequest>,
    ) -> Result<Response<pb::HandOffResponse>, Status> {
        let r = request.into_inner();
        let owner = required_text("owner", r.owner)?;
        self.hand_off(r.lead_id, HandOffAction::Assign(owner)).await
    }

    async fn accept_lead(
        &self,
        request: Request<pb::AcceptLeadRequest>,
    ) -> Result<Response<pb::HandOffResponse>, Status> {
        let r = request.into_inner();
        let owner = text("owner", r.owner)?;
        self.hand_off(r.lead_id, HandOffAction::Accept(owner)).await
    }

    async fn reject_lead(
        &self,
        request: Request<pb::RejectLeadRequest>,
    ) -> Result<Response<pb::HandOffResponse>, Status> {
        let r = request.into_inner();
        let reason = required_text("reason", r.reason)?;
        self.hand_off(r.lead_id, HandOffAction::Reject(reason))
            .await
    }

    async fn record_outcome(
        &self,
        request: Request<pb::RecordOutcomeRequest>,
    ) -> Result<Response<pb::HandOffResponse>, Status> {
        let o = lc::outcome(request.into_inner()).map_err(ApiError::from)?;
        let (won, at) = (o.won, o.at);
        self.hand_off(o.lead_id, HandOffAction::Outcome { won, at })
            .await
    }

    async fn record_outcomes(
        &self,
        request: Request<pb::RecordOutcomesRequest>,
    ) -> Result<Response<pb::RecordOutcomesResponse>, Status> {
        let entries = request.into_inner().outcomes;
        let ids: Vec<String> = entries.iter().map(|e| e.lead_id.clone()).collect();
        let batch = OutcomeBatch::parse(entries, lc::outcome).map_err(ApiError::from)?;
        let results = self
            .book
            .record_outcomes(batch, Timestamp::now())
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::RecordOutcomesResponse {
            results: ids
                .into_iter()
                .zip(results)
                .map(|(id, r)| lc::outcome_result(id, r))
                .collect(),
        }))
    }

    type WatchStageChangesStream = ChangeStream;

    async fn watch_stage_changes(
        &self,
        request: Request<pb::WatchStageChangesRequest>,
    ) -> Result<Response<ChangeStream>, Status> {
        let request = request.into_inner();
        let after = i64::try_from(request.after_cursor).map_err(|_| {
            ApiError::from(FieldError::new(
                "after_cursor",
                "is beyond the largest cursor",
            ))
        })?;
        let after = match (request.from_newest, after) {
            (false, after) => after,
            (true, 0) => self.book.last_change().await.map_err(ApiError::from)?,
            (true, _) => {
                return Err(ApiError::from(FieldError::new(
                    "from_newest",
                    "cannot be combined with after_cursor",
                ))
                .into());
            }
        };
        let slot = self.watchers.try_acquire().ok_or_else(|| {
            Status::resource_exhausted(format!(
                "server is at its limit of {} change watchers (--max-watchers); \
                 retry later or share a watcher",
                self.watchers.max()
            ))
        })?;
        let feed = ReceiverStream::new(self.book.watch(after)).map(|c| {
            c.map(|c| lc::stage_change(&c))
                .map_err(|e| Status::from(ApiError::from(e)))
        });
        Ok(Response::new(Box::pin(Holding::new(feed, slot))))
    }
}
