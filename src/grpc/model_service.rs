//! `leadscore.v1.ModelService`: thin handlers over [`Lifecycle`].

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::status::ApiError;
use crate::features::FeatureSource;
use crate::gate::{Share, Verdict};
use crate::lead::{FieldError, check_len, limits};
use crate::lifecycle::{Lifecycle, LifecycleError};
use crate::model::{LinearModel, ModelFile};
use crate::pb::v1 as pb;
use crate::pb::v1::activate_model_request::Target;
use crate::pb::v1::model_service_server::ModelService;
use crate::pb::v1::set_shadow_model_request::Target as ShadowTarget;
use crate::spelling::Spelled;
use crate::time::Span;

/// The model service.
#[derive(Debug, Clone)]
pub struct ModelApi {
    /// Models directory, pin and active scorer.
    lifecycle: Arc<Lifecycle>,
}

impl ModelApi {
    /// A service over `lifecycle`.
    pub fn new(lifecycle: Arc<Lifecycle>) -> ModelApi {
        ModelApi { lifecycle }
    }

    /// Runs `f` on the lifecycle off the async threads (it reads the
    /// models directory).
    async fn blocking<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Lifecycle) -> Result<R, LifecycleError> + Send + 'static,
    ) -> Result<R, ApiError> {
        let l = self.lifecycle.clone();
        tokio::task::spawn_blocking(move || f(&l))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(ApiError::from)
    }

    /// The active version, the pin and the shadow, read once per call.
    fn choices(&self) -> Choices {
        Choices {
            active: self.lifecycle.scorer().load().model.version().to_owned(),
            pinned: self.lifecycle.pinned(),
            shadow: self.lifecycle.shadow(),
        }
    }
}

/// A request's `oneof target { string version; bool <flag> }`.
#[derive(Debug)]
enum Choice {
    /// `version` was set.
    Version(String),
    /// The flag (`latest` / `clear`) was set, or nothing (`false`).
    Flag(bool),
}

impl Choice {
    /// `Some(version)` (trimmed), or `None` for a set flag; an empty or
    /// too long version or no target is INVALID_ARGUMENT naming the field,
    /// with `hint` saying what to set.
    fn version(self, hint: &str) -> Result<Option<String>, ApiError> {
        match self {
            Choice::Version(v) if !v.trim().is_empty() => {
                check_version(v.trim())?;
                Ok(Some(v.trim().to_owned()))
            }
            Choice::Version(_) => Err(FieldError::new("version", "is empty").into()),
            Choice::Flag(true) => Ok(None),
            Choice::Flag(false) => Err(FieldError::new("target", hint).into()),
        }
    }
}

/// A version a request names: at most [`limits::MAX_VERSION_BYTES`].
fn check_version(version: &str) -> Result<(), FieldError> {
    check_len("version", version, limits::MAX_VERSION_BYTES)
}

/// Which versions an operator's choices name right now.
#[derive(Debug, Clone)]
struct Choices {
    /// Serving (deciding stages).
    active: String,
    /// Pinned, if any.
    pinned: Option<String>,
    /// Shadow, if any.
    shadow: Option<String>,
}

/// A gate verdict as the API shows it.
fn gate_verdict(v: &Verdict) -> pb::GateVerdict {
    let ratio = |s: Option<Share>| s.map_or(-1.0, |s| s.ratio());
    let (challenger_auc, active_auc) = v.decided.aucs().unwrap_or((0.0, 0.0));
    let outcomes = match v.decided {
        crate::gate::Decided::Outcomes { count, .. } => count,
        crate::gate::Decided::Cards { outcomes, .. }
        | crate::gate::Decided::CoverageOnly { outcomes } => outcomes,
        crate::gate::Decided::Coverage => 0,
    };
    pb::GateVerdict {
        passed: v.passed,
        reason: v.reason.clone(),
        decided_by: v.decided.name().to_owned(),
        against_version: v.against.clone(),
        activity_coverage: ratio(v.coverage.activities),
        attribute_coverage: ratio(v.coverage.attributes),
        challenger_auc,
        active_auc,
        outcomes: outcomes as u64,
    }
}

/// The summary of one model file, given the operator's choices.
fn summary(
    path: &std::path::Path,
    model: Result<&ModelFile, &str>,
    choices: &Choices,
) -> pb::ModelSummary {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Loading validated the metrics, so this refuses only what the
    // catalog already refused; never shown as zeros.
    let read = model.map_err(str::to_owned).and_then(|m| {
        let h = m.headline_metrics()?;
        Ok((m, h))
    });
    match read {
        Ok((m, h)) => {
            // The proto's 0s for a file that records no metrics.
            let h = h.unwrap_or_default();
            pb::ModelSummary {
                version: m.version.clone(),
                created_at: m.created_at.clone(),
                active: m.version == choices.active,
                pinned: choices.pinned.as_deref() == Some(m.version.as_str()),
                shadow: choices.shadow.as_deref() == Some(m.version.as_str()),
                valid: true,
                refusal: String::new(),
                file,
                auc: h.auc,
                log_loss: h.log_loss,
                brier: h.brier,
                source: match m.features.source {
                    FeatureSource::Events => "events",
                    FeatureSource::Counts => "counts",
                }
                .to_owned(),
                gate: None,
            }
        }
        Err(reason) => pb::ModelSummary {
            valid: false,
            refusal: reason,
            file,
            ..Default::default()
        },
    }
}

/// The card of a loaded `model`; INTERNAL if its metrics, validated at
/// load, do not read.
fn card(summary: pb::ModelSummary, model: &LinearModel) -> Result<pb::ModelCard, ApiError> {
    let file = model.file();
    let headline = file
        .headline_metrics()
        .map_err(ApiError::Internal)?
        .unwrap_or_default();
    let spec = &file.features;
    let decay = model.features().decay();
    let weights = model
        .weights()
        .iter()
        .zip(&file.coefficients)
        .enumerate()
        .map(|(i, (&weight, &coefficient))| {
            let activity = spec.activities.get(i);
            pb::FeatureWeight {
                feature: model.feature_name(i).to_owned(),
                funnel_stage: activity
                    .map(|a| a.funnel_stage.as_str().to_owned())
                    .unwrap_or_default(),
                weight,
                standardized_coefficient: coefficient,
                points: activity
                    .and_then(|a| file.points.per_activity.get(&a.activity_type))
                    .copied()
                    .unwrap_or(0),
                half_life_days: activity
                    .and_then(|a| decay.half_life_of(&a.activity_type))
                    .map_or(0.0, Span::as_days_f64),
            }
        })
        .collect();
    let json = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    Ok(pb::ModelCard {
        summary: Some(summary),
        weights,
        intercept: model.intercept(),
        half_life_days: spec.half_life_days.unwrap_or(0.0),
        dedupe_window_seconds: spec.dedupe_window_seconds,
        mql_threshold: file.mql_threshold,
        points_threshold: file.points.threshold,
        points_per_logit: file.points.per_logit,
        calibration: headline
            .calibration
            .iter()
            .map(super::convert::calibration_bin)
            .collect(),
        metrics_json: json(&file.metrics),
        hyperparameters_json: json(&file.hyperparameters),
        training_json: json(&file.training),
    })
}

#[tonic::async_trait]
impl ModelService for ModelApi {
    async fn list_models(
        &self,
        _: Request<pb::ListModelsRequest>,
    ) -> Result<Response<pb::ListModelsResponse>, Status> {
        let entries = self
            .blocking(|l| {
                l.refresh();
                Ok(l.models())
            })
            .await?;
        let choices = self.choices();
        let verdicts = self.lifecycle.verdicts();
        let models = entries
            .iter()
            .map(|e| {
                let model = e.model.as_deref();
                let mut s = summary(
                    &e.path,
                    model.map(LinearModel::file).map_err(String::as_str),
                    &choices,
                );
                s.gate = model
                    .ok()
                    .and_then(|m| verdicts.get(m.version()))
                    .map(gate_verdict);
                s
            })
            .collect();
        Ok(Response::new(pb::ListModelsResponse {
            models,
            active_version: choices.active,
            pinned_version: choices.pinned.unwrap_or_default(),
            shadow_version: choices.shadow.unwrap_or_default(),
        }))
    }

    async fn get_model(
        &self,
        request: Request<pb::GetModelRequest>,
    ) -> Result<Response<pb::ModelCard>, Status> {
        let version = request.into_inner().version;
        check_version(&version).map_err(ApiError::from)?;
        let model = if version.is_empty() {
            self.lifecycle.scorer().load().model.clone()
        } else {
            self.lifecycle.model(&version).map_err(ApiError::from)?
        };
        let path = self
            .lifecycle
            .models_dir()
            .join(format!("{}.json", model.version()));
        let summary = summary(&path, Ok(model.file()), &self.choices());
        Ok(Response::new(card(summary, &model)?))
    }

    async fn activate_model(
        &self,
        request: Request<pb::ActivateModelRequest>,
    ) -> Result<Response<pb::ActivateModelResponse>, Status> {
        let request = request.into_inner();
        let force = request.force;
        let target = match request.target {
            Some(Target::Version(v)) => Choice::Version(v),
            Some(Target::Latest(flag)) => Choice::Flag(flag),
            None => Choice::Flag(false),
        }
        .version("set `version` to pin or `latest: true` to unpin")?;
        let active = self
            .blocking(move |l| l.activate(target.as_deref(), force))
            .await?;
        Ok(Response::new(pb::ActivateModelResponse {
            active_version: active,
            pinned_version: self.lifecycle.pinned().unwrap_or_default(),
            shadow_version: self.lifecycle.shadow().unwrap_or_default(),
        }))
    }

    async fn set_shadow_model(
        &self,
        request: Request<pb::SetShadowModelRequest>,
    ) -> Result<Response<pb::SetShadowModelResponse>, Status> {
        let target = match request.into_inner().target {
            Some(ShadowTarget::Version(v)) => Choice::Version(v),
            Some(ShadowTarget::Clear(flag)) => Choice::Flag(flag),
            None => Choice::Flag(false),
        }
        .version("set `version` to name a shadow or `clear: true` to stop shadow scoring")?;
        let shadow = self
            .blocking(move |l| l.set_shadow(target.as_deref()))
            .await?;
        Ok(Response::new(pb::SetShadowModelResponse {
            shadow_version: shadow.unwrap_or_default(),
            active_version: self.lifecycle.scorer().load().model.version().to_owned(),
        }))
    }
}
