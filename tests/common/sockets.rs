//! Raw sockets against a test server: waiting (bounded) until the server
//! closes a connection, and one gRPC health check over a raw HTTP/2
//! connection the test holds open itself.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Generous bound of every wait for the server to act.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// Reads `conn` until the server closes it (end of stream, reset, or a
/// TLS stream cut short), discarding what it sends; panics if it is still
/// open after [`PATIENCE`].
pub async fn closed_by_server(conn: &mut (impl AsyncRead + Unpin)) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionReset, UnexpectedEof};
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, conn.read(&mut buf)).await {
            Err(_) => panic!("the server kept the connection open for {PATIENCE:?}"),
            Ok(Ok(0)) => return,
            Ok(Ok(_)) => {}
            Ok(Err(e))
                if matches!(
                    e.kind(),
                    ConnectionReset | ConnectionAborted | UnexpectedEof
                ) =>
            {
                return;
            }
            Ok(Err(e)) => panic!("reading failed: {e}"),
        }
    }
}

/// Whether the server still holds `tcp` open (without waiting).
pub fn still_open(tcp: &tokio::net::TcpStream) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        match tcp.try_read(&mut buf) {
            Ok(0) => return false,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return true,
            Err(_) => return false,
        }
    }
}

/// An HTTP/2 connection to `addr`, driven in the background (so it
/// answers the server's PINGs).
pub async fn h2_connection(addr: std::net::SocketAddr) -> h2::client::SendRequest<bytes::Bytes> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(connection);
    client
}

/// `grpc.health.v1.Health/Check` over `client`; its `grpc-status`.
pub async fn health_check(
    client: h2::client::SendRequest<bytes::Bytes>,
    addr: std::net::SocketAddr,
) -> String {
    let mut client = client.ready().await.unwrap();
    let request = http::Request::post(format!("http://{addr}/grpc.health.v1.Health/Check"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .unwrap();
    let (response, mut body) = client.send_request(request, false).unwrap();
    // One empty, uncompressed message: a HealthCheckRequest for the server.
    body.send_data(bytes::Bytes::from_static(&[0, 0, 0, 0, 0]), true)
        .unwrap();
    let mut response = response.await.unwrap().into_body();
    while let Some(chunk) = response.data().await {
        let chunk = chunk.unwrap();
        let _ = response.flow_control().release_capacity(chunk.len());
    }
    let trailers = response.trailers().await.unwrap().unwrap_or_default();
    let status = trailers
        .get("grpc-status")
        .map(|v| v.to_str().unwrap().to_owned());
    status.unwrap_or_else(|| "no grpc-status".into())
}
