//! The web console's static files, served beside the transcoder: `/`
//! redirects to `/console/`, and `/console/...` answers the page and its
//! scripts and style, all compiled into the binary (no CDN, no files read
//! at run time). Every call the page makes goes through the transcoder's
//! routes with the signed-in token; nothing here reads or writes a lead.
//!
//! Each answer carries a strict Content-Security-Policy (scripts and
//! styles from this origin only, no inline script, no framing),
//! `nosniff`, no referrer, and `Cache-Control: no-cache` with a strong
//! ETag: the browser keeps the files and revalidates them, so a new binary
//! is picked up at once and an unchanged one costs a 304.

use std::sync::LazyLock;

use bytes::Bytes;
use http_body_util::Full;
use sha2::{Digest, Sha256};
use tonic::body::Body;

/// Where the console is mounted.
pub const PREFIX: &str = "/console/";

/// The policy of every console answer: nothing but this origin's own
/// scripts, styles and API calls.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// One file of the console.
struct Asset {
    /// Its name under [`PREFIX`].
    name: &'static str,
    /// Its `Content-Type`.
    content_type: &'static str,
    /// Its bytes.
    body: &'static str,
}

macro_rules! asset {
    ($name:literal, $type:expr) => {
        Asset {
            name: $name,
            content_type: $type,
            body: include_str!(concat!("console/", $name)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file; `index.html` is also the answer for `/console/`.
const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("dom.js", JS),
    asset!("charts.js", JS),
    asset!("queue.js", JS),
    asset!("lead.js", JS),
    asset!("pipeline.js", JS),
    asset!("models.js", JS),
];

/// Each asset's ETag (a hash of its bytes), computed once.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            let digest = Sha256::digest(a.body.as_bytes());
            format!("\"{}\"", &leadscore_core::hex::encode(&digest)[..16])
        })
        .collect()
});

/// The console's answer to `GET`/`HEAD` `path`, or `None` when the path is
/// not the console's (the transcoder answers it).
pub fn answer(
    method: &http::Method,
    path: &str,
    if_none_match: Option<&http::HeaderValue>,
) -> Option<http::Response<Body>> {
    if method != http::Method::GET && method != http::Method::HEAD {
        return None;
    }
    if path == "/" || path == "/console" {
        return Some(redirect());
    }
    let name = path.strip_prefix(PREFIX)?;
    let name = if name.is_empty() { "index.html" } else { name };
    let Some(i) = ASSETS.iter().position(|a| a.name == name) else {
        return Some(not_found());
    };
    let (asset, etag) = (&ASSETS[i], &ETAGS[i]);
    let fresh = if_none_match.is_some_and(|v| v.as_bytes() == etag.as_bytes());
    let (status, body) = match (fresh, method == http::Method::HEAD) {
        (true, _) => (http::StatusCode::NOT_MODIFIED, Bytes::new()),
        (false, true) => (http::StatusCode::OK, Bytes::new()),
        (false, false) => (
            http::StatusCode::OK,
            Bytes::from_static(asset.body.as_bytes()),
        ),
    };
    let response = secured(http::Response::builder().status(status))
        .header(http::header::CONTENT_TYPE, asset.content_type)
        .header(http::header::CACHE_CONTROL, "no-cache")
        .header(http::header::ETAG, etag.as_str())
        .body(Body::new(Full::new(body)));
    Some(response.unwrap_or_else(|_| http::Response::new(Body::empty())))
}

/// The headers every console answer carries.
fn secured(builder: http::response::Builder) -> http::response::Builder {
    builder
        .header(
            http::header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        )
        .header(http::header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(http::header::REFERRER_POLICY, "no-referrer")
        .header(http::header::X_FRAME_OPTIONS, "DENY")
}

fn redirect() -> http::Response<Body> {
    secured(http::Response::builder().status(http::StatusCode::FOUND))
        .header(http::header::LOCATION, PREFIX)
        .header(http::header::CACHE_CONTROL, "no-cache")
        .body(Body::empty())
        .unwrap_or_else(|_| http::Response::new(Body::empty()))
}

fn not_found() -> http::Response<Body> {
    secured(http::Response::builder().status(http::StatusCode::NOT_FOUND))
        .header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::new(Full::new(Bytes::from_static(
            b"no such console file\n",
        ))))
        .unwrap_or_else(|_| http::Response::new(Body::empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_the_page_imports_is_served() {
        // A module imported but not listed would be a 404 in the browser.
        for a in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            for line in a.body.lines().filter(|l| l.starts_with("import ")) {
                let file = line.rsplit("\"./").next().unwrap().trim_end_matches("\";");
                assert!(ASSETS.iter().any(|b| b.name == file), "{}: {line}", a.name);
            }
        }
    }

    #[test]
    fn no_file_holds_inline_script_or_style() {
        let html = ASSETS[0].body;
        assert!(
            !html.contains("<script>") && !html.contains("style="),
            "{html}"
        );
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{html}"
        );
    }
}
