//! The scope each RPC needs, decided from the gRPC path.

use serde::{Deserialize, Serialize};

/// A permission a token carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// `ScoringService`.
    #[serde(rename = "score")]
    Score,
    /// Reading leads, lists, stage changes, pipeline health.
    #[serde(rename = "leads:read")]
    LeadsRead,
    /// Writing leads, activities, hand-offs and outcomes.
    #[serde(rename = "leads:write")]
    LeadsWrite,
    /// Activating (pinning) models and naming the shadow model.
    #[serde(rename = "models:admin")]
    ModelsAdmin,
}

/// What a call needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// No token (health checks, reflection).
    Open,
    /// Any valid token (model cards hold no personal data).
    Authenticated,
    /// A valid token with this scope.
    Scope(Scope),
}

/// The requirement of a gRPC path `/package.Service/Method`. Unknown paths
/// need a valid token, so probing reveals nothing.
pub fn requirement(path: &str) -> Requirement {
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let (service, method) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    match service {
        "grpc.health.v1.Health"
        | "grpc.reflection.v1.ServerReflection"
        | "grpc.reflection.v1alpha.ServerReflection" => Requirement::Open,
        "leadscore.v1.ScoringService" => Requirement::Scope(Scope::Score),
        "leadscore.v1.LeadService"
            if ["Get", "List", "Watch"]
                .iter()
                .any(|p| method.starts_with(p)) =>
        {
            Requirement::Scope(Scope::LeadsRead)
        }
        "leadscore.v1.LeadService" => Requirement::Scope(Scope::LeadsWrite),
        "leadscore.v1.ModelService" if method == "ActivateModel" || method == "SetShadowModel" => {
            Requirement::Scope(Scope::ModelsAdmin)
        }
        _ => Requirement::Authenticated,
    }
}
