//! Bearer tokens: a TOML file of named hashes with scopes.
//!
//! ```toml
//! [[tokens]]
//! name = "crm-sync"
//! sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
//! scopes = ["score", "leads:write"]
//! ```
//!
//! Only hashes are stored; `leadscore new-token` makes a token and its
//! entry. A presented token is hashed and looked up, so the clear token is
//! never kept or logged.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::scopes::Scope;
use crate::hex;
use crate::spelling::Spelled;

/// A tokens file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TokensError {
    /// The file could not be read.
    #[error("cannot read tokens file {path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is malformed.
    #[error("tokens file {path}: {reason}")]
    Invalid {
        /// File.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    tokens: Vec<RawToken>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToken {
    name: String,
    sha256: String,
    scopes: Vec<Scope>,
}

/// A known token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Who holds it (logged instead of the token).
    pub name: String,
    /// What it may do.
    pub scopes: HashSet<Scope>,
}

/// All known tokens by hash.
#[derive(Debug, Clone, Default)]
pub struct TokenSet {
    /// SHA-256 of the token → token.
    by_hash: HashMap<[u8; 32], Token>,
}

/// SHA-256 of a token.
pub fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The 32 bytes of a file entry's `sha256`, `None` unless 64 hex digits.
fn parse_sha256(s: &str) -> Option<[u8; 32]> {
    hex::decode(s.trim())?.try_into().ok()
}

impl TokenSet {
    /// Reads a tokens file.
    pub fn load(path: &Path) -> Result<TokenSet, TokensError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| TokensError::Read {
            path: shown.clone(),
            source,
        })?;
        TokenSet::parse(&shown, &text)
    }

    /// Parses tokens-file text; `path` is only used in errors.
    pub fn parse(path: &str, text: &str) -> Result<TokenSet, TokensError> {
        let invalid = |reason: String| TokensError::Invalid {
            path: path.to_owned(),
            reason,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let mut by_hash = HashMap::new();
        for t in raw.tokens {
            let h = parse_sha256(&t.sha256).ok_or_else(|| {
                invalid(format!("token {:?}: sha256 must be 64 hex digits", t.name))
            })?;
            let token = Token {
                name: t.name.clone(),
                scopes: t.scopes.into_iter().collect(),
            };
            if by_hash.insert(h, token).is_some() {
                return Err(invalid(format!(
                    "token {:?}: the same hash appears twice",
                    t.name
                )));
            }
        }
        Ok(TokenSet { by_hash })
    }

    /// The token a caller presented, if known.
    pub fn verify(&self, presented: &str) -> Option<&Token> {
        self.by_hash.get(&hash(presented))
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}

/// A new random token (32 bytes from the OS, hex) and its file entry.
pub fn generate(name: &str, scopes: &[Scope]) -> std::io::Result<(String, String)> {
    let mut bytes = [0u8; 32];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut bytes)?;
    let token = hex::encode(&bytes);
    let digest = hex::encode(&hash(&token));
    let scopes: Vec<String> = scopes.iter().map(|s| format!("{:?}", s.as_str())).collect();
    let entry = format!(
        "[[tokens]]\nname = {name:?}\nsha256 = \"{digest}\"\nscopes = [{}]\n",
        scopes.join(", ")
    );
    Ok((token, entry))
}

/// Reloads the tokens file into `shared` whenever it changes (rotation);
/// a broken file is logged and the current tokens stay in force.
pub async fn watch(
    path: std::path::PathBuf,
    shared: super::auth_layer::SharedTokens,
    interval: std::time::Duration,
) {
    crate::reload::watch_file(path, interval, "tokens", TokenSet::load, |tokens| {
        tracing::info!(tokens = tokens.len(), "tokens file reloaded");
        shared.store(std::sync::Arc::new(tokens));
    })
    .await;
}
