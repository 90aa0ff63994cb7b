//! Real TLS handshakes with certificates generated at test time: server
//! TLS works; mutual TLS refuses a client without a certificate and one
//! signed by another CA; a stalled handshake, and a finished one that
//! never sends the HTTP/2 preface, are closed at the handshake deadline.

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
    tls_server_with(server_ca, client_ca, ServerOptions::default()).await
}

async fn tls_server_with(
    server_ca: &Ca,
    client_ca: Option<&Ca>,
    options: ServerOptions,
) -> TestServer {
    TestServer::start_with(ServerOptions {
        tls: Some(server_tls(server_ca, client_ca)),
        ..options
    })
    .await
}

/// Server TLS with a `localhost` certificate signed by `server_ca`.
fn server_tls(server_ca: &Ca, client_ca: Option<&Ca>) -> tls::ServerTls {
    let files = Files {
        dir: tempfile::tempdir().unwrap(),
    };
    let (cert, key) = leaf(server_ca, &["localhost"]);
    let cert = files.write("server.pem", &cert);
    let key = files.write("server.key", &key);
    let client_ca = client_ca.map(|c| files.write("client-ca.pem", &c.pem));
    tls::server_config(&cert, &key, client_ca.as_deref()).unwrap()
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

/// A TLS client that trusts `ca` and offers HTTP/2.
fn tls_client(ca: &Ca) -> tokio_rustls::TlsConnector {
    tls_client_offering(ca, b"h2")
}

/// A TLS client that trusts `ca` and offers `protocol` in ALPN.
fn tls_client_offering(ca: &Ca, protocol: &[u8]) -> tokio_rustls::TlsConnector {
    use tokio_rustls::rustls::pki_types::CertificateDer;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto::ring};
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca.pem.as_bytes()).unwrap())
        .unwrap();
    let mut config =
        ClientConfig::builder_with_provider(std::sync::Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = vec![protocol.to_vec()];
    tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
}

#[tokio::test]
async fn stalled_handshakes_are_closed_at_the_handshake_deadline() {
    use common::sockets::closed_by_server;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpStream;
    let server_ca = ca("server CA");
    let options = ServerOptions {
        connections: leadscore::connections::ConnectionLimits {
            handshake_timeout: std::time::Duration::from_millis(300),
            ..ServerOptions::default().connections
        },
        ..Default::default()
    };
    let server = tls_server_with(&server_ca, None, options).await;
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    // A TLS record header announcing a ClientHello that never comes.
    let mut stalled = TcpStream::connect(server.addr).await.unwrap();
    stalled
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00])
        .await
        .unwrap();
    // A finished handshake, then not a byte of HTTP/2.
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut mute = tls_client(&server_ca).connect(name, tcp).await.unwrap();
    closed_by_server(&mut silent).await;
    closed_by_server(&mut stalled).await;
    closed_by_server(&mut mute).await;
    assert_eq!(
        score_over_tls(&server, &server_ca, None).await.unwrap(),
        "20260601T000000Z-fixture1",
        "a client that talks is served"
    );
}

#[tokio::test]
async fn http_json_is_served_with_the_same_tls_and_offers_http1() {
    let server_ca = ca("server CA");
    let server = TestServer::start_with_http(ServerOptions {
        tls: Some(server_tls(&server_ca, None)),
        ..Default::default()
    })
    .await;
    let tcp = tokio::net::TcpStream::connect(server.http()).await.unwrap();
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = tls_client_offering(&server_ca, b"http/1.1")
        .connect(name, tcp)
        .await
        .unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let (parts, _) = common::http_client::Request::new("GET", "/v1/models")
        .send_on(tls, server.http())
        .await;
    assert_eq!(parts.status, 200);
    let plain = tokio::net::TcpStream::connect(server.http()).await.unwrap();
    let mut plain = plain;
    tokio::io::AsyncWriteExt::write_all(&mut plain, b"GET /v1/models HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    common::sockets::closed_by_server(&mut plain).await;
    server.stop().await;
}
