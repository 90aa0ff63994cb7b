//! `leadscore.v1.ScoringService`: thin handlers over [`Scorer`].

use tonic::{Request, Response, Status};

use super::convert;
use super::status::ApiError;
use crate::lead::{FieldError, ValidLead, limits};
use std::sync::Arc;

use crate::lifecycle::SharedScorer;
use crate::metrics::Metrics;
use crate::pb::v1 as pb;
use crate::pb::v1::scoring_service_server::ScoringService;
use crate::scoring::Scorer;
use crate::time::Timestamp;

/// Leads a batch scores between two yields to the runtime (a few ms of
/// work), so a 10,000-lead call shares its worker thread with other calls
/// instead of holding it for tens of milliseconds. Scoring on the runtime's
/// own threads, not a blocking-pool thread per call, and in long stretches:
/// yielding often keeps every concurrent call's answer half-built at once,
/// which costs memory and throughput (figures in docs/benchmarks.md,
/// "Measurements behind code choices").
const YIELD_EVERY: usize = 1_000;

/// The scoring service; each request takes one scorer snapshot.
#[derive(Debug, Clone)]
pub struct ScoringApi {
    /// The active model + rules, swappable without a restart.
    scorer: SharedScorer,
    /// Counts leads scored, when metrics are on.
    metrics: Option<Arc<Metrics>>,
}

impl ScoringApi {
    /// A service scoring with whatever `scorer` holds at each request.
    pub fn new(scorer: SharedScorer, metrics: Option<Arc<Metrics>>) -> ScoringApi {
        ScoringApi { scorer, metrics }
    }

    fn served(&self, leads: usize) {
        if let Some(m) = &self.metrics {
            m.scores_served.inc_by(leads as u64);
        }
    }
}

/// One lead's answer; error paths are relative to the lead.
fn score_one(
    scorer: &Scorer,
    lead: pb::Lead,
    as_of: Timestamp,
) -> Result<pb::LeadScore, FieldError> {
    let lead = ValidLead::parse(convert::lead(lead)?, as_of)?;
    let score = scorer.score(&lead, as_of)?;
    Ok(convert::lead_score(score))
}

#[tonic::async_trait]
impl ScoringService for ScoringApi {
    async fn score_lead(
        &self,
        request: Request<pb::ScoreLeadRequest>,
    ) -> Result<Response<pb::ScoreLeadResponse>, Status> {
        let req = request.into_inner();
        let as_of = convert::as_of(req.as_of.as_ref()).map_err(ApiError::from)?;
        let lead = req
            .lead
            .ok_or_else(|| ApiError::from(FieldError::new("lead", "is required")))?;
        // A guard, not a clone: no shared reference count bounces between
        // cores on every call.
        let scorer = self.scorer.load();
        let score =
            score_one(&scorer, lead, as_of).map_err(|e| ApiError::from(e.within("lead")))?;
        self.served(1);
        Ok(Response::new(pb::ScoreLeadResponse { score: Some(score) }))
    }

    async fn score_leads(
        &self,
        request: Request<pb::ScoreLeadsRequest>,
    ) -> Result<Response<pb::ScoreLeadsResponse>, Status> {
        let req = request.into_inner();
        let as_of = convert::as_of(req.as_of.as_ref()).map_err(ApiError::from)?;
        if req.leads.len() > limits::MAX_BATCH {
            let reason = format!(
                "has {} leads, the limit is {} per call",
                req.leads.len(),
                limits::MAX_BATCH
            );
            return Err(ApiError::from(FieldError::new("leads", reason)).into());
        }
        let scorer = self.scorer.load_full();
        let mut scores = Vec::with_capacity(req.leads.len());
        for (i, lead) in req.leads.into_iter().enumerate() {
            if i > 0 && i % YIELD_EVERY == 0 {
                tokio::task::yield_now().await;
            }
            let score = score_one(&scorer, lead, as_of)
                .map_err(|e| ApiError::from(e.within(&format!("leads[{i}]"))))?;
            scores.push(score);
        }
        self.served(scores.len());
        Ok(Response::new(pb::ScoreLeadsResponse { scores }))
    }
}
