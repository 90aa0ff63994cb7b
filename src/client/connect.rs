//! Connecting: plaintext for `http://`, TLS for `https://` (with an optional
//! CA and client certificate for mutual TLS), and a bearer token on every
//! call when one is given.

use std::path::PathBuf;

use tonic::metadata::MetadataValue;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};
use tonic::{Request, Status};

use super::ClientError;

/// Connection settings shared by every client subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// Server address (`http://…` plaintext, `https://…` TLS).
    #[arg(
        long,
        env = "LEADSCORE_ADDR",
        default_value = "http://127.0.0.1:50051",
        global = true
    )]
    pub addr: String,
    /// Bearer token (see `leadscore new-token`).
    #[arg(long, env = "LEADSCORE_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// PEM CA that signed the server certificate (TLS).
    #[arg(long, env = "LEADSCORE_CA_CERT", global = true)]
    pub ca_cert: Option<PathBuf>,
    /// PEM client certificate (mutual TLS), with `--client-key`.
    #[arg(
        long,
        env = "LEADSCORE_CLIENT_CERT",
        requires = "client_key",
        global = true
    )]
    pub client_cert: Option<PathBuf>,
    /// PEM private key of `--client-cert`.
    #[arg(
        long,
        env = "LEADSCORE_CLIENT_KEY",
        requires = "client_cert",
        global = true
    )]
    pub client_key: Option<PathBuf>,
    /// Print proto3 JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// Show times in UTC (default: the local zone, with its offset).
    #[arg(long, global = true)]
    pub utc: bool,
}

/// Adds the bearer token to every call.
#[derive(Debug, Clone)]
pub struct Bearer {
    /// `Bearer <token>`, if any.
    header: Option<MetadataValue<tonic::metadata::Ascii>>,
}

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut req: Request<()>) -> Result<Request<()>, Status> {
        if let Some(h) = &self.header {
            req.metadata_mut().insert("authorization", h.clone());
        }
        Ok(req)
    }
}

/// A channel with the token interceptor.
pub type Connection = InterceptedService<Channel, Bearer>;

fn read(path: &PathBuf) -> Result<Vec<u8>, ClientError> {
    std::fs::read(path)
        .map_err(|e| ClientError::Settings(format!("cannot read {}: {e}", path.display())))
}

impl ClientArgs {
    /// The zone the tables show times in.
    pub fn zone(&self) -> super::words::Zone {
        if self.utc {
            super::words::Zone::Utc
        } else {
            super::words::Zone::Local
        }
    }

    /// Connects as these settings say.
    pub async fn connect(&self) -> Result<Connection, ClientError> {
        let mut endpoint = Channel::from_shared(self.addr.clone()).map_err(|e| {
            ClientError::Settings(format!("--addr {:?} is not a URL: {e}", self.addr))
        })?;
        if self.addr.starts_with("https://") {
            let mut tls = ClientTlsConfig::new().with_enabled_roots();
            if let Some(ca) = &self.ca_cert {
                tls = tls.ca_certificate(Certificate::from_pem(read(ca)?));
            }
            if let (Some(cert), Some(key)) = (&self.client_cert, &self.client_key) {
                tls = tls.identity(Identity::from_pem(read(cert)?, read(key)?));
            }
            endpoint = endpoint
                .tls_config(tls)
                .map_err(|e| ClientError::Settings(format!("TLS settings: {e}")))?;
        }
        let channel = endpoint
            .connect()
            .await
            .map_err(|source| ClientError::Connect {
                addr: self.addr.clone(),
                source,
            })?;
        let header =
            match &self.token {
                Some(t) => Some(format!("Bearer {t}").parse().map_err(|_| {
                    ClientError::Settings("--token must be printable ASCII".into())
                })?),
                None => None,
            };
        Ok(InterceptedService::new(channel, Bearer { header }))
    }
}
