//! A tower layer in front of every gRPC service: checks the bearer token
//! and the scope the called method needs ([`super::scopes::requirement`]).
//! Missing or unknown token → `UNAUTHENTICATED`; known token without the
//! scope → `PERMISSION_DENIED`; health and reflection stay open.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use arc_swap::ArcSwap;
use tonic::Status;
use tower::{Layer, Service};

use super::scopes::{Requirement, requirement};
use super::tokens::{Token, TokenSet};
use crate::quote::quote;
use crate::spelling::Spelled;

/// The token set in force; swapped on reload.
pub type SharedTokens = Arc<ArcSwap<TokenSet>>;

/// Layer checking tokens; `None` disables authentication (loopback only).
#[derive(Debug, Clone)]
pub struct AuthLayer {
    /// Known tokens, reloadable.
    tokens: SharedTokens,
}

impl AuthLayer {
    /// A layer checking against `tokens`. With authentication off, the
    /// server adds no layer at all (no check, no boxed future per call).
    pub fn new(tokens: SharedTokens) -> AuthLayer {
        AuthLayer { tokens }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Auth<S>;

    fn layer(&self, inner: S) -> Auth<S> {
        Auth {
            inner,
            tokens: self.tokens.clone(),
        }
    }
}

/// The service the layer wraps.
#[derive(Debug, Clone)]
pub struct Auth<S> {
    /// The wrapped service.
    inner: S,
    /// Known tokens, reloadable.
    tokens: SharedTokens,
}

/// Decides whether a call with `authorization` may reach `path`; the
/// verified token, when the call needs one.
pub fn check(
    tokens: &TokenSet,
    path: &str,
    authorization: Option<&str>,
) -> Result<Option<Token>, Status> {
    let needed = requirement(path);
    if needed == Requirement::Open {
        return Ok(None);
    }
    let presented = authorization
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim);
    let token = presented.and_then(|t| tokens.verify(t)).ok_or_else(|| {
        Status::unauthenticated(
            "missing or unknown bearer token (send `authorization: Bearer <token>`)",
        )
    })?;
    match needed {
        Requirement::Scope(scope) if !token.scopes.contains(&scope) => {
            Err(Status::permission_denied(format!(
                "token {:?} lacks the scope {:?} that {} needs",
                token.name,
                scope.as_str(),
                quote(path)
            )))
        }
        Requirement::Open | Requirement::Authenticated | Requirement::Scope(_) => {
            Ok(Some(token.clone()))
        }
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> Service<http::Request<B>> for Auth<S>
where
    S: Service<http::Request<B>, Response = http::Response<tonic::body::Body>> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let authorization = req
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        match check(&self.tokens.load(), req.uri().path(), authorization) {
            Err(status) => return Box::pin(async move { Ok(status.into_http()) }),
            // The handler may ask who calls (`SessionService`).
            Ok(Some(token)) => {
                req.extensions_mut().insert(token);
            }
            Ok(None) => {}
        }
        Box::pin(self.inner.call(req))
    }
}
