//! One function per client subcommand outside `leads` (see [`super::leads`]);
//! each returns what it prints.

use std::io::Read;
use std::path::Path;

use super::connect::ClientArgs;
use super::{ClientError, json, render};
use crate::pb::v1 as pb;
use crate::pb::v1::activate_model_request::Target;
use crate::pb::v1::lead_service_client::LeadServiceClient;
use crate::pb::v1::model_service_client::ModelServiceClient;
use crate::pb::v1::scoring_service_client::ScoringServiceClient;
use crate::pb::v1::set_shadow_model_request::Target as ShadowTarget;
use crate::time::{Span, Timestamp};

fn read_input(file: &Path) -> Result<String, ClientError> {
    let mut text = String::new();
    let result = if file == Path::new("-") {
        std::io::stdin().read_to_string(&mut text).map(drop)
    } else {
        std::fs::read_to_string(file).map(|t| text = t)
    };
    result.map_err(|e| ClientError::Input(format!("cannot read {}: {e}", file.display())))?;
    Ok(text)
}

/// `leadscore score --file F`: the file holds a `leadscore.v1.Lead` or a
/// whole `leadscore.v1.ScoreLeadRequest` (with `as_of`), in proto3 JSON.
pub async fn score(args: &ClientArgs, file: &Path) -> Result<String, ClientError> {
    let text = read_input(file)?;
    let is_request = serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|e| ClientError::Input(format!("{} is not JSON: {e}", file.display())))?
        .get("lead")
        .is_some();
    let request = if is_request {
        json::parse::<pb::ScoreLeadRequest>("leadscore.v1.ScoreLeadRequest", &text)?
    } else {
        pb::ScoreLeadRequest {
            lead: Some(json::parse("leadscore.v1.Lead", &text)?),
            as_of: None,
        }
    };
    let mut client = ScoringServiceClient::new(args.connect().await?);
    let score = client
        .score_lead(request)
        .await?
        .into_inner()
        .score
        .unwrap_or_default();
    Ok(if args.json {
        json::render("leadscore.v1.LeadScore", &score)
    } else {
        render::score::score(&score)
    })
}

/// `leadscore models list`.
pub async fn list_models(args: &ClientArgs) -> Result<String, ClientError> {
    let mut client = ModelServiceClient::new(args.connect().await?);
    let answer = client
        .list_models(pb::ListModelsRequest {})
        .await?
        .into_inner();
    Ok(if args.json {
        json::render("leadscore.v1.ListModelsResponse", &answer)
    } else {
        render::models::models(&answer)
    })
}

/// `leadscore models show [VERSION]` (default: the active model).
pub async fn show_model(args: &ClientArgs, version: Option<&str>) -> Result<String, ClientError> {
    let mut client = ModelServiceClient::new(args.connect().await?);
    let request = pb::GetModelRequest {
        version: version.unwrap_or_default().to_owned(),
    };
    let card = client.get_model(request).await?.into_inner();
    Ok(if args.json {
        json::render("leadscore.v1.ModelCard", &card)
    } else {
        render::models::card(&card)
    })
}

/// `leadscore models activate VERSION` or `--latest` (`--force`: past the
/// activation gate's coverage check).
pub async fn activate(
    args: &ClientArgs,
    version: Option<&str>,
    force: bool,
) -> Result<String, ClientError> {
    let mut client = ModelServiceClient::new(args.connect().await?);
    let target = match version {
        Some(v) => Target::Version(v.to_owned()),
        None => Target::Latest(true),
    };
    let answer = client
        .activate_model(pb::ActivateModelRequest {
            target: Some(target),
            force,
        })
        .await?
        .into_inner();
    Ok(if args.json {
        json::render("leadscore.v1.ActivateModelResponse", &answer)
    } else {
        render::models::activated(&answer)
    })
}

/// `leadscore models shadow VERSION` or `--clear`.
pub async fn shadow(args: &ClientArgs, version: Option<&str>) -> Result<String, ClientError> {
    let mut client = ModelServiceClient::new(args.connect().await?);
    let target = match version {
        Some(v) => ShadowTarget::Version(v.to_owned()),
        None => ShadowTarget::Clear(true),
    };
    let answer = client
        .set_shadow_model(pb::SetShadowModelRequest {
            target: Some(target),
        })
        .await?
        .into_inner();
    Ok(if args.json {
        json::render("leadscore.v1.SetShadowModelResponse", &answer)
    } else {
        render::models::shadow(&answer)
    })
}

/// `leadscore health [--days N]`.
pub async fn health(args: &ClientArgs, days: u32) -> Result<String, ClientError> {
    let mut client = LeadServiceClient::new(args.connect().await?);
    let to = Timestamp::now();
    let from = to.saturating_sub(Span::days(i64::from(days)));
    let answer = client
        .get_pipeline_health(pb::GetPipelineHealthRequest {
            from: Some(crate::grpc::convert::timestamp(from)),
            to: Some(crate::grpc::convert::timestamp(to)),
            ..Default::default()
        })
        .await?
        .into_inner();
    Ok(if args.json {
        json::render("leadscore.v1.PipelineHealth", &answer)
    } else {
        render::health::health(&answer, args.zone())
    })
}
