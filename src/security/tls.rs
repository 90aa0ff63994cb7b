//! TLS for the gRPC listener (rustls through tonic), with optional mutual
//! TLS: when a client CA is given, clients must present a certificate it
//! signed.

use std::path::{Path, PathBuf};

use tonic::transport::{Certificate, Identity, ServerTlsConfig};

/// A TLS file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read TLS {what} {path}: {source}")]
pub struct TlsError {
    /// Which file ("certificate", "private key", "client CA").
    what: &'static str,
    /// Its path.
    path: PathBuf,
    /// Underlying error.
    source: std::io::Error,
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError {
        what,
        path: path.to_owned(),
        source,
    })
}

/// Server TLS from PEM files; `client_ca` turns on mutual TLS.
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> Result<ServerTlsConfig, TlsError> {
    let identity = Identity::from_pem(read("certificate", cert)?, read("private key", key)?);
    let mut config = ServerTlsConfig::new().identity(identity);
    if let Some(ca) = client_ca {
        config = config.client_ca_root(Certificate::from_pem(read("client CA", ca)?));
    }
    Ok(config)
}
