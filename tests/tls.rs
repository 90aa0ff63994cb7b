//! Real TLS handshakes with certificates generated at test time: server
//! TLS works; mutual TLS refuses a client without a certificate and one
//! signed by another CA.

mod common;

use common::*;
use leadscore::pb::v1::scoring_service_client::ScoringServiceClient;
use leadscore::security::tls;
use leadscore::server::ServerOptions;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

/// A certificate authority able to sign leaf certificates.
struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Ca {
        pem: cert.pem(),
        issuer: Issuer::new(params, key),
    }
}

/// (certificate PEM, key PEM) for `names`, signed by `ca`.
fn leaf(ca: &Ca, names: &[&str]) -> (String, String) {
    let params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn write(&self, name: &str, text: &str) -> std::path::PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

async fn tls_server(server_ca: &Ca, client_ca: Option<&Ca>) -> TestServer {
    let files = Files {
        dir: tempfile::tempdir().unwrap(),
    };
    let (cert, key) = leaf(server_ca, &["localhost"]);
    let cert = files.write("server.pem", &cert);
    let key = files.write("server.key", &key);
    let client_ca = client_ca.map(|c| files.write("client-ca.pem", &c.pem));
    let tls = tls::server_config(&cert, &key, client_ca.as_deref()).unwrap();
    TestServer::start_with(ServerOptions {
        tls: Some(tls),
        ..Default::default()
    })
    .await
}

async fn score_over_tls(
    server: &TestServer,
    ca: &Ca,
    identity: Option<(String, String)>,
) -> Result<String, String> {
    let mut config = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(&ca.pem))
        .domain_name("localhost");
    if let Some((cert, key)) = identity {
        config = config.identity(Identity::from_pem(cert, key));
    }
    let channel = Channel::from_shared(format!("https://localhost:{}", server.addr.port()))
        .unwrap()
        .tls_config(config)
        .map_err(|e| e.to_string())?;
    let channel = channel
        .connect()
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    let mut client = ScoringServiceClient::new(channel);
    let answer = client
        .score_lead(request(hot_lead("tls")))
        .await
        .map_err(|e| format!("call: {e:?}"))?;
    Ok(answer.into_inner().score.unwrap().model_version)
}

#[tokio::test]
async fn server_tls_serves_a_client_that_trusts_its_ca() {
    let server_ca = ca("server CA");
    let server = tls_server(&server_ca, None).await;
    assert_eq!(
        score_over_tls(&server, &server_ca, None).await.unwrap(),
        "20260601T000000Z-fixture1"
    );
    let stranger = ca("not the server's CA");
    assert!(
        score_over_tls(&server, &stranger, None).await.is_err(),
        "a client must not trust another CA"
    );
}

#[tokio::test]
async fn mutual_tls_refuses_clients_without_a_certificate_from_the_client_ca() {
    let server_ca = ca("server CA");
    let client_ca = ca("client CA");
    let other_ca = ca("other CA");
    let server = tls_server(&server_ca, Some(&client_ca)).await;

    let good = leaf(&client_ca, &["crm-sync"]);
    assert!(
        score_over_tls(&server, &server_ca, Some(good))
            .await
            .is_ok()
    );
    assert!(
        score_over_tls(&server, &server_ca, None).await.is_err(),
        "no client certificate"
    );
    let forged = leaf(&other_ca, &["crm-sync"]);
    assert!(
        score_over_tls(&server, &server_ca, Some(forged))
            .await
            .is_err(),
        "certificate from another CA"
    );
}
