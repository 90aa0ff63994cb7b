//! `leadscore.v1.SessionService`: what the presented token may do, read
//! from the token the auth layer verified ([`crate::security::auth_layer`]
//! puts it in the request's extensions).

use tonic::{Request, Response, Status};

use crate::lifecycle::SharedScorer;
use crate::pb::v1 as pb;
use crate::pb::v1::session_service_server::SessionService;
use crate::security::scopes::Scope;
use crate::security::tokens::Token;
use crate::spelling::Spelled;

/// The session service.
#[derive(Debug, Clone)]
pub struct SessionApi {
    /// The scorer in force, for its rules' hand-back reasons.
    scorer: SharedScorer,
}

impl SessionApi {
    /// A service reading the rules of `scorer`.
    pub fn new(scorer: SharedScorer) -> SessionApi {
        SessionApi { scorer }
    }
}

#[tonic::async_trait]
impl SessionService for SessionApi {
    async fn get_session(
        &self,
        request: Request<pb::GetSessionRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        let rules = self.scorer.load().rules.clone();
        // No token in the extensions: the server runs without tokens (the
        // layer is only there with a tokens file), so everything is allowed.
        let (token_name, scopes, authentication) = match request.extensions().get::<Token>() {
            Some(t) => {
                let scopes = Scope::ALL.iter().filter(|s| t.scopes.contains(s));
                (t.name.clone(), scopes.copied().collect(), true)
            }
            None => (String::new(), Scope::ALL.to_vec(), false),
        };
        Ok(Response::new(pb::Session {
            token_name,
            scopes: scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            authentication,
            hand_back_reasons: rules.assignment.hand_back_reasons.clone(),
            rules_version: rules.version.clone(),
        }))
    }
}
