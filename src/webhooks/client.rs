//! One delivery attempt: POST a body to the address [`super::ssrf`]
//! passed, over HTTP/1.1 (TLS for `https`, checked against the system's
//! CA certificates), all under one deadline. One connection per attempt,
//! closed after it: a subscription has one attempt in flight at most, so
//! there is no pool to bound. At most [`MAX_RESPONSE_BYTES`] of the answer
//! are read (and dropped; its start goes into the error of a failure).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_TYPE, HOST, HeaderName, HeaderValue, USER_AGENT};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::config::Target;

/// Bytes of a receiver's answer read at most (the rest is not read).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// Bytes of a failed answer quoted in the subscription's last error.
const QUOTED: usize = 200;

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered,
    /// Anything else (connect error, timeout, non-2xx), in words.
    Failed(String),
    /// The address may not be called; nothing was sent.
    Refused(String),
}

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct Post<'a> {
    /// Where.
    pub target: &'a Target,
    /// Whether private addresses may be called.
    pub allow_private: bool,
    /// Extra headers (the signature's).
    pub headers: Vec<(HeaderName, String)>,
    /// The JSON body.
    pub body: Bytes,
    /// The deadline of the whole attempt.
    pub timeout: Duration,
}

/// Sends `post` once.
pub async fn send(post: Post<'_>) -> Outcome {
    let addr = match tokio::time::timeout(
        post.timeout,
        super::ssrf::resolve(post.target, post.allow_private),
    )
    .await
    {
        Ok(Ok(addr)) => addr,
        Ok(Err(refused)) => return Outcome::Refused(refused),
        Err(_) => return Outcome::Failed(format!("resolving took over {:?}", post.timeout)),
    };
    let timeout = post.timeout;
    match tokio::time::timeout(timeout, exchange(addr, &post)).await {
        Ok(Ok(())) => Outcome::Delivered,
        Ok(Err(e)) => Outcome::Failed(e),
        Err(_) => Outcome::Failed(format!("no answer within {timeout:?} from {addr}")),
    }
}

async fn exchange(addr: std::net::SocketAddr, post: &Post<'_>) -> Result<(), String> {
    let tcp = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    if !post.target.https {
        return request(tcp, post).await;
    }
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(post.target.host.clone())
        .map_err(|e| format!("bad TLS name {}: {e}", post.target.host))?;
    let tls = tokio_rustls::TlsConnector::from(tls_config())
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS with {addr}: {e}"))?;
    request(tls, post).await
}

async fn request<S>(io: S, post: &Post<'_>) -> Result<(), String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    // Ends when the exchange is over (`Connection: close`), or is
    // aborted with this guard when the deadline cuts it short.
    let driver = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    let mut req = http::Request::post(post.target.uri.clone())
        .body(Full::new(post.body.clone()))
        .map_err(|e| format!("building the request: {e}"))?;
    let h = req.headers_mut();
    let host = match post.target.uri.authority() {
        Some(a) => HeaderValue::from_str(a.as_str()).map_err(|e| e.to_string())?,
        None => return Err("the URL names no host".into()),
    };
    h.insert(HOST, host);
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(USER_AGENT, HeaderValue::from_static("leadscore-webhooks"));
    h.insert(CONNECTION, HeaderValue::from_static("close"));
    for (name, value) in &post.headers {
        let value = HeaderValue::from_str(value).map_err(|e| e.to_string())?;
        h.insert(name.clone(), value);
    }
    *req.uri_mut() = post
        .target
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .parse()
        .map_err(|e| format!("{e}"))?;
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| format!("sending: {e}"))?;
    let status = resp.status();
    let start = read_bounded(resp.into_body()).await;
    drop(driver);
    if status.is_success() {
        Ok(())
    } else {
        Err(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&start)
        ))
    }
}

/// Reads up to [`MAX_RESPONSE_BYTES`] of `body`, keeping the first
/// [`QUOTED`]; a broken body reads as what arrived.
async fn read_bounded(mut body: hyper::body::Incoming) -> Vec<u8> {
    let mut start = Vec::new();
    let mut read = 0;
    while read < MAX_RESPONSE_BYTES {
        let Some(Ok(frame)) = body.frame().await else {
            break;
        };
        if let Ok(data) = frame.into_data() {
            read += data.len();
            let room = QUOTED.saturating_sub(start.len());
            start.extend_from_slice(&data[..data.len().min(room)]);
        }
    }
    start
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// TLS settings of every https webhook: the system's CA certificates,
/// loaded once (an unreadable one is skipped, logged).
fn tls_config() -> Arc<tokio_rustls::rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<tokio_rustls::rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = tokio_rustls::rustls::RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            for e in &found.errors {
                tracing::warn!(error = %e, "webhooks: a system CA certificate is unreadable");
            }
            let (added, _) = roots.add_parsable_certificates(found.certs);
            tracing::info!(
                certificates = added,
                "webhooks: system CA certificates loaded"
            );
            let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
            let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map(|b| b.with_root_certificates(roots).with_no_client_auth());
            Arc::new(config.unwrap_or_else(|_| unreachable!("ring supports the default versions")))
        })
        .clone()
}
