//! TLS for the gRPC listener (rustls), with optional mutual TLS: when a
//! client CA is given, clients must present a certificate it signed.
//!
//! The server runs the handshake itself (see [`crate::connections`])
//! instead of leaving it to tonic, so that one deadline covers a new
//! connection from accept to its first HTTP/2 bytes, TLS included. The
//! files are read and checked here, before any port is bound.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::rustls::crypto::{CryptoProvider, ring};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};

/// The server's TLS settings, ready for every handshake.
pub type ServerTls = Arc<ServerConfig>;

/// gRPC is HTTP/2 only: the one protocol offered in ALPN.
const ALPN_H2: &[u8] = b"h2";

/// The HTTP/JSON listener also speaks HTTP/1.1.
const ALPN_HTTP1: &[u8] = b"http/1.1";

/// A TLS file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The file cannot be read.
    #[error("cannot read TLS {what} {path}: {source}")]
    Read {
        /// Which file ("certificate", "private key", "client CA").
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is read but holds nothing usable.
    #[error("TLS {what} {path} is not usable: {reason}")]
    Invalid {
        /// Which file.
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// One file's contents, with what it is for error messages.
struct PemFile<'a> {
    what: &'static str,
    path: &'a Path,
    bytes: Vec<u8>,
}

impl<'a> PemFile<'a> {
    fn read(what: &'static str, path: &'a Path) -> Result<PemFile<'a>, TlsError> {
        let bytes = std::fs::read(path).map_err(|source| TlsError::Read {
            what,
            path: path.to_owned(),
            source,
        })?;
        Ok(PemFile { what, path, bytes })
    }

    fn invalid(&self, reason: impl std::fmt::Display) -> TlsError {
        TlsError::Invalid {
            what: self.what,
            path: self.path.to_owned(),
            reason: reason.to_string(),
        }
    }

    fn certificates(&self) -> Result<Vec<CertificateDer<'static>>, TlsError> {
        let certs = CertificateDer::pem_slice_iter(&self.bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.invalid(e))?;
        if certs.is_empty() {
            return Err(self.invalid("no PEM certificate in it"));
        }
        Ok(certs)
    }

    fn private_key(&self) -> Result<PrivateKeyDer<'static>, TlsError> {
        PrivateKeyDer::from_pem_slice(&self.bytes).map_err(|e| self.invalid(e))
    }
}

/// Server TLS from PEM files; `client_ca` turns on mutual TLS.
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> Result<ServerTls, TlsError> {
    let cert = PemFile::read("certificate", cert)?;
    let key = PemFile::read("private key", key)?;
    let provider = Arc::new(ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| cert.invalid(e))?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let ca = PemFile::read("client CA", path)?;
            builder.with_client_cert_verifier(client_verifier(&ca, provider)?)
        }
    };
    let mut config = builder
        .with_single_cert(cert.certificates()?, key.private_key()?)
        .map_err(|e| key.invalid(format!("does not match the certificate: {e}")))?;
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    Ok(Arc::new(config))
}

/// Accepts only client certificates signed by a CA in `ca`.
fn client_verifier(
    ca: &PemFile<'_>,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn tokio_rustls::rustls::server::danger::ClientCertVerifier>, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in ca.certificates()? {
        roots.add(cert).map_err(|e| ca.invalid(e))?;
    }
    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| ca.invalid(e))
}

/// The same certificate, key and client CA for the HTTP/JSON listener,
/// with ALPN offering `http/1.1` beside `h2`.
pub fn with_http1(tls: &ServerTls) -> ServerTls {
    let mut config = ServerConfig::clone(tls);
    config.alpn_protocols = vec![ALPN_H2.to_vec(), ALPN_HTTP1.to_vec()];
    Arc::new(config)
}
