//! `leadscore.v1.WebhookService`: the subscriptions in force with their
//! delivery state from the store, and replay from a cursor.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::convert::timestamp;
use super::status::ApiError;
use crate::lead::FieldError;
use crate::live::LiveStore;
use crate::live::webhooks::WebhookStatus;
use crate::pb::v1 as pb;
use crate::pb::v1::webhook_service_server::WebhookService;
use crate::spelling::Spelled;
use crate::webhooks::SharedWebhooks;
use crate::webhooks::config::{Subscription, Template};

/// Dead letters listed per subscription when the request names no limit.
const DEFAULT_DEAD_LETTERS: usize = 20;
/// Most dead letters listed per subscription.
const MAX_DEAD_LETTERS: i32 = 100;

/// The webhook service.
#[derive(Debug, Clone)]
pub struct WebhookApi {
    /// The store (cursors, dead letters).
    book: Arc<LiveStore>,
    /// The subscriptions in force; `None` when webhooks are off.
    config: Option<SharedWebhooks>,
}

impl WebhookApi {
    /// A service over `book`, listing what `config` holds.
    pub fn new(book: Arc<LiveStore>, config: Option<SharedWebhooks>) -> WebhookApi {
        WebhookApi { book, config }
    }

    fn subscriptions(&self) -> Vec<Arc<Subscription>> {
        self.config
            .as_ref()
            .map(|c| c.load().subscriptions.clone())
            .unwrap_or_default()
    }
}

fn dead_letter_limit(n: i32) -> Result<usize, FieldError> {
    match n {
        0 => Ok(DEFAULT_DEAD_LETTERS),
        1..=MAX_DEAD_LETTERS => Ok(usize::try_from(n).unwrap_or(DEFAULT_DEAD_LETTERS)),
        _ => Err(FieldError::new(
            "dead_letter_limit",
            format!("must be 0 (the default, {DEFAULT_DEAD_LETTERS}) to {MAX_DEAD_LETTERS}"),
        )),
    }
}

fn subscription(s: &Subscription, status: WebhookStatus) -> pb::WebhookSubscription {
    let cursor = status.cursor.unwrap_or_default();
    pb::WebhookSubscription {
        id: s.id.clone(),
        url: s.target.url.clone(),
        kinds: s.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
        template: match s.template {
            Template::Standard => "standard",
            Template::Slack => "slack",
        }
        .to_owned(),
        allow_private: s.allow_private,
        delivered_cursor: cursor.delivered,
        lag: (status.newest - cursor.delivered).max(0),
        attempts: cursor.attempts,
        last_error: cursor.last_error.unwrap_or_default(),
        last_error_at: cursor.last_error_at.map(timestamp),
        dead_letter_count: status.dead_letter_count,
        dead_letters: status
            .dead_letters
            .into_iter()
            .map(|d| pb::WebhookDeadLetter {
                cursor: d.cursor,
                attempts: d.attempts,
                last_error: d.last_error,
                at: Some(timestamp(d.at)),
            })
            .collect(),
    }
}

#[tonic::async_trait]
impl WebhookService for WebhookApi {
    async fn list_webhook_subscriptions(
        &self,
        request: Request<pb::ListWebhookSubscriptionsRequest>,
    ) -> Result<Response<pb::ListWebhookSubscriptionsResponse>, Status> {
        let limit =
            dead_letter_limit(request.into_inner().dead_letter_limit).map_err(ApiError::from)?;
        let mut subscriptions = Vec::new();
        for s in self.subscriptions() {
            let status = self
                .book
                .webhook_status(s.id.clone(), limit)
                .await
                .map_err(ApiError::from)?;
            subscriptions.push(subscription(&s, status));
        }
        Ok(Response::new(pb::ListWebhookSubscriptionsResponse {
            subscriptions,
        }))
    }

    async fn replay_webhook(
        &self,
        request: Request<pb::ReplayWebhookRequest>,
    ) -> Result<Response<pb::ReplayWebhookResponse>, Status> {
        let r = request.into_inner();
        if r.from_cursor < 0 {
            return Err(ApiError::from(FieldError::new("from_cursor", "must be 0 or more")).into());
        }
        if !self
            .subscriptions()
            .iter()
            .any(|s| s.id == r.subscription_id)
        {
            return Err(ApiError::UnknownSubscription(r.subscription_id).into());
        }
        self.book
            .webhook_replay(r.subscription_id, r.from_cursor)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::ReplayWebhookResponse {
            delivered_cursor: r.from_cursor,
        }))
    }
}
