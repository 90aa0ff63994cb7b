//! The scope each RPC needs, decided from the gRPC path.

use crate::spelling::Spelled;

/// A permission a token carries; spelled by [`Scope::as_str`] in tokens
/// files, `new-token --scopes` and refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `ScoringService`.
    Score,
    /// Reading leads, lists, stage changes, pipeline health.
    LeadsRead,
    /// Writing leads, activities, hand-offs and outcomes.
    LeadsWrite,
    /// Activating (pinning) models and naming the shadow model.
    ModelsAdmin,
    /// Listing webhook subscriptions (their URLs and errors) and replaying.
    WebhooksAdmin,
}

impl Spelled for Scope {
    const KIND: &'static str = "scope";
    const ALL: &'static [Scope] = &[
        Scope::Score,
        Scope::LeadsRead,
        Scope::LeadsWrite,
        Scope::ModelsAdmin,
        Scope::WebhooksAdmin,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Scope::Score => "score",
            Scope::LeadsRead => "leads:read",
            Scope::LeadsWrite => "leads:write",
            Scope::ModelsAdmin => "models:admin",
            Scope::WebhooksAdmin => "webhooks:admin",
        }
    }
}

leadscore_core::spelled_traits!(Scope);

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
        // Listing shows where leads go and why deliveries fail: admin too.
        "leadscore.v1.WebhookService" => Requirement::Scope(Scope::WebhooksAdmin),
        _ => Requirement::Authenticated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_spelled_the_same_in_files_flags_and_refusals() {
        let words: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            words,
            [
                "score",
                "leads:read",
                "leads:write",
                "models:admin",
                "webhooks:admin"
            ]
        );
        for &s in Scope::ALL {
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("{:?}", s.as_str())
            );
            assert_eq!(s.as_str().parse::<Scope>(), Ok(s));
            assert_eq!(s.to_string(), s.as_str());
        }
        assert_eq!(
            "everything".parse::<Scope>().unwrap_err().to_string(),
            "unknown scope \"everything\"; use score, leads:read, leads:write, models:admin or webhooks:admin"
        );
    }
}
