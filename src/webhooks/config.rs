//! The webhooks file (`--webhooks PATH`, TOML): each subscription and the
//! delivery settings, parsed once into valid types, with errors that name
//! the subscription and the field.
//!
//! ```toml
//! [delivery]              # optional; these are the defaults
//! timeout_ms = 10000      # one attempt, connect to last byte
//! max_attempts = 10       # then the change is dead-lettered
//! backoff_base_ms = 1000  # first retry after about this long, doubling
//! backoff_max_ms = 300000 # never longer between attempts
//! lease_ms = 30000        # how long a replica's lease lasts unrenewed
//!
//! [[subscription]]
//! id = "crm"
//! url = "https://crm.example.com/hooks/leadscore"
//! secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
//! kinds = ["to_sql", "assigned"]   # default: every kind
//! stages = ["sql"]                 # optional filters
//! owners = ["ann"]
//! grades = ["A", "B"]
//! template = "standard"            # or "slack"
//! allow_private = false
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;

use crate::handoff::ChangeKind;
use crate::qualification::Stage;
use crate::rules::Grade;
use crate::spelling::Spelled;

/// Most subscriptions one file may hold (one delivery task each).
pub const MAX_SUBSCRIPTIONS: usize = 64;
/// Longest subscription id.
const MAX_ID: usize = 64;
/// Longest URL.
const MAX_URL: usize = 2_048;

/// Why the webhooks file is refused.
#[derive(Debug, thiserror::Error)]
pub enum WebhooksError {
    /// The file cannot be read.
    #[error("webhooks file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// Not TOML of the expected shape.
    #[error("webhooks file {path}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A value breaks a rule; `field` names it (`subscription[1].url`).
    #[error("webhooks file {path}: {field}: {reason}")]
    Field {
        /// The file.
        path: PathBuf,
        /// Where, e.g. `subscription "crm".secret`.
        field: String,
        /// What is wrong.
        reason: String,
    },
}

/// The body a subscription is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// The Standard Webhooks JSON event (`type`, `timestamp`, `data`).
    Standard,
    /// A Slack incoming-webhook message (`{"text": …}`).
    Slack,
}

/// Retry, timeout and lease settings shared by every subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// One attempt's deadline.
    pub timeout: Duration,
    /// Attempts at one change before it is dead-lettered.
    pub max_attempts: u32,
    /// The first retry's delay (doubled per attempt, with jitter).
    pub backoff_base: Duration,
    /// The longest delay between attempts.
    pub backoff_max: Duration,
    /// How long a lease lasts unless renewed.
    pub lease: Duration,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery {
            timeout: Duration::from_secs(10),
            max_attempts: 10,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            lease: Duration::from_secs(30),
        }
    }
}

/// Where a subscription posts: an `http` or `https` URL, split once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The whole URL, as given.
    pub url: String,
    /// The parsed URL.
    pub uri: http::Uri,
    /// Whether it is `https`.
    pub https: bool,
    /// Host name or address (without brackets).
    pub host: String,
    /// Port (the scheme's default when not given).
    pub port: u16,
}

/// One validated subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Stable id (the store's key for its cursor).
    pub id: String,
    /// Where it posts.
    pub target: Target,
    /// The signing key (the bytes after `whsec_`, base64-decoded); a Slack
    /// subscription may have none (then no signature headers are sent).
    pub secret: Option<Vec<u8>>,
    /// Kinds delivered.
    pub kinds: Vec<ChangeKind>,
    /// Only changes into these stages, if set.
    pub stages: Option<Vec<Stage>>,
    /// Only changes of leads with these owners, if set.
    pub owners: Option<Vec<String>>,
    /// Only leads of these (current) grades, if set.
    pub grades: Option<Vec<Grade>>,
    /// The body.
    pub template: Template,
    /// Whether loopback and private addresses may be called.
    pub allow_private: bool,
}

/// The whole file, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookConfig {
    /// Delivery settings.
    pub delivery: Delivery,
    /// Subscriptions, ids distinct.
    pub subscriptions: Vec<Arc<Subscription>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    delivery: DeliveryShape,
    #[serde(default)]
    subscription: Vec<SubscriptionShape>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryShape {
    timeout_ms: Option<u64>,
    max_attempts: Option<u32>,
    backoff_base_ms: Option<u64>,
    backoff_max_ms: Option<u64>,
    lease_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionShape {
    id: String,
    url: String,
    secret: Option<String>,
    kinds: Option<Vec<String>>,
    stages: Option<Vec<String>>,
    owners: Option<Vec<String>>,
    grades: Option<Vec<String>>,
    template: Option<String>,
    #[serde(default)]
    allow_private: bool,
}

impl WebhookConfig {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<WebhookConfig, WebhooksError> {
        let text = std::fs::read_to_string(path).map_err(|source| WebhooksError::Read {
            path: path.to_owned(),
            source,
        })?;
        WebhookConfig::parse(&text).map_err(|e| e.at(path))
    }

    /// Validates the file's text.
    pub fn parse(text: &str) -> Result<WebhookConfig, Refusal> {
        let shape: FileShape = toml::from_str(text).map_err(|e| Refusal::Syntax(e.to_string()))?;
        if shape.subscription.len() > MAX_SUBSCRIPTIONS {
            return Err(Refusal::field(
                "subscription",
                format!("at most {MAX_SUBSCRIPTIONS} subscriptions"),
            ));
        }
        let delivery = delivery(&shape.delivery)?;
        let mut subscriptions: Vec<Arc<Subscription>> = Vec::new();
        for (i, s) in shape.subscription.iter().enumerate() {
            let sub = subscription(i, s)?;
            if subscriptions.iter().any(|o| o.id == sub.id) {
                return Err(Refusal::field(
                    format!("subscription[{i}].id"),
                    format!("{:?} is used twice; ids must be distinct", sub.id),
                ));
            }
            subscriptions.push(Arc::new(sub));
        }
        Ok(WebhookConfig {
            delivery,
            subscriptions,
        })
    }

    /// The subscription with this id.
    pub fn get(&self, id: &str) -> Option<&Arc<Subscription>> {
        self.subscriptions.iter().find(|s| s.id == id)
    }
}

/// A refusal before the file's path is known.
#[derive(Debug)]
pub enum Refusal {
    /// TOML syntax or shape.
    Syntax(String),
    /// A field breaks a rule.
    Field(String, String),
}

impl Refusal {
    fn field(field: impl Into<String>, reason: impl Into<String>) -> Refusal {
        Refusal::Field(field.into(), reason.into())
    }

    fn at(self, path: &Path) -> WebhooksError {
        let path = path.to_owned();
        match self {
            Refusal::Syntax(message) => WebhooksError::Syntax { path, message },
            Refusal::Field(field, reason) => WebhooksError::Field {
                path,
                field,
                reason,
            },
        }
    }
}

fn millis(v: Option<u64>, default: Duration, field: &str) -> Result<Duration, Refusal> {
    match v {
        None => Ok(default),
        Some(0) => Err(Refusal::field(
            format!("delivery.{field}"),
            "must be at least 1",
        )),
        Some(ms) if ms > 86_400_000 => Err(Refusal::field(
            format!("delivery.{field}"),
            "must be at most 86400000 (a day)",
        )),
        Some(ms) => Ok(Duration::from_millis(ms)),
    }
}

fn delivery(d: &DeliveryShape) -> Result<Delivery, Refusal> {
    let default = Delivery::default();
    let out = Delivery {
        timeout: millis(d.timeout_ms, default.timeout, "timeout_ms")?,
        max_attempts: match d.max_attempts {
            None => default.max_attempts,
            Some(n @ 1..=1000) => n,
            Some(_) => {
                return Err(Refusal::field("delivery.max_attempts", "must be 1 to 1000"));
            }
        },
        backoff_base: millis(d.backoff_base_ms, default.backoff_base, "backoff_base_ms")?,
        backoff_max: millis(d.backoff_max_ms, default.backoff_max, "backoff_max_ms")?,
        lease: millis(d.lease_ms, default.lease, "lease_ms")?,
    };
    if out.backoff_max < out.backoff_base {
        return Err(Refusal::field(
            "delivery.backoff_max_ms",
            "must be at least backoff_base_ms",
        ));
    }
    // A lease must outlast one attempt, or a slow receiver would see a
    // second replica deliver the same change while the first still waits.
    if out.lease <= out.timeout {
        return Err(Refusal::field(
            "delivery.lease_ms",
            "must be longer than timeout_ms",
        ));
    }
    Ok(out)
}

fn words<T: Spelled>(list: &Option<Vec<String>>, field: &str) -> Result<Option<Vec<T>>, Refusal> {
    let Some(list) = list else { return Ok(None) };
    if list.is_empty() {
        return Err(Refusal::field(
            field,
            "must not be empty (leave it out for all)",
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, w)| {
            T::parse_word(w).map_err(|e| Refusal::field(format!("{field}[{i}]"), e.to_string()))
        })
        .collect::<Result<Vec<T>, Refusal>>()
        .map(Some)
}

fn subscription(i: usize, s: &SubscriptionShape) -> Result<Subscription, Refusal> {
    let id_ok = !s.id.is_empty()
        && s.id.len() <= MAX_ID
        && s.id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !id_ok {
        return Err(Refusal::field(
            format!("subscription[{i}].id"),
            format!("must be 1 to {MAX_ID} letters, digits, '-' or '_'"),
        ));
    }
    let at = |field: &str| format!("subscription {:?}.{field}", s.id);
    let template = match s.template.as_deref() {
        None | Some("standard") => Template::Standard,
        Some("slack") => Template::Slack,
        Some(other) => {
            return Err(Refusal::field(
                at("template"),
                format!("unknown template {other:?}; use standard or slack"),
            ));
        }
    };
    let secret = match (&s.secret, template) {
        (Some(text), _) => Some(secret(text).map_err(|r| Refusal::field(at("secret"), r))?),
        (None, Template::Slack) => None,
        (None, Template::Standard) => {
            return Err(Refusal::field(
                at("secret"),
                "is required (\"whsec_\" + base64 of 24 to 64 random bytes)",
            ));
        }
    };
    let kinds = words(&s.kinds, &at("kinds"))?.unwrap_or_else(|| ChangeKind::ALL.to_vec());
    let owners = match &s.owners {
        Some(o) if o.is_empty() => {
            return Err(Refusal::field(
                at("owners"),
                "must not be empty (leave it out for all)",
            ));
        }
        other => other.clone(),
    };
    Ok(Subscription {
        id: s.id.clone(),
        target: target(&s.url).map_err(|r| Refusal::field(at("url"), r))?,
        secret,
        kinds,
        stages: words(&s.stages, &at("stages"))?,
        owners,
        grades: words(&s.grades, &at("grades"))?,
        template,
        allow_private: s.allow_private,
    })
}

/// The key of a `whsec_…` secret (Standard Webhooks: base64 after the
/// prefix, 24 to 64 bytes).
fn secret(text: &str) -> Result<Vec<u8>, String> {
    let b64 = text
        .strip_prefix("whsec_")
        .ok_or("must start with \"whsec_\"")?;
    let key = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| format!("is not base64 after \"whsec_\": {e}"))?;
    if !(24..=64).contains(&key.len()) {
        return Err(format!("decodes to {} bytes; use 24 to 64", key.len()));
    }
    Ok(key)
}

fn target(url: &str) -> Result<Target, String> {
    if url.len() > MAX_URL {
        return Err(format!("is longer than {MAX_URL} characters"));
    }
    let uri: http::Uri = url.parse().map_err(|e| format!("is not a URL: {e}"))?;
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err("must start with http:// or https://".into()),
    };
    let auth = uri.authority().ok_or("names no host")?;
    if auth.as_str().contains('@') {
        return Err("must not carry user info (put secrets in `secret`)".into());
    }
    let host = auth.host().trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err("names no host".into());
    }
    Ok(Target {
        url: url.to_owned(),
        https,
        host: host.to_owned(),
        port: auth.port_u16().unwrap_or(if https { 443 } else { 80 }),
        uri,
    })
}

#[cfg(test)]
mod tests;
