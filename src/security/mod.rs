//! Who may call what.
//!
//! - [`scopes`]: the scope each RPC needs (health and reflection stay open).
//! - [`tokens`]: bearer tokens from a TOML file, stored as SHA-256 hashes,
//!   reloadable for rotation.
//! - [`auth_layer`]: the tower layer that checks every call.
//! - [`tls`]: rustls server configuration (TLS, optional mutual TLS).

pub mod auth_layer;
pub mod scopes;
pub mod tls;
pub mod tokens;
