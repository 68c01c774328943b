//! HTTPS and WSS on the server's one port, beside plain HTTP and WS: what a
//! browser guest on the LAN needs for its camera, while the seed page and the
//! app keep `ws://`.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use lancall::signal::tls::TlsIdentity;
use lancall::signal::Config;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use tokio_rustls::rustls::crypto::{ring, verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{self, ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{TestServer, PROMPT};

/// Trusts exactly one certificate, by its SHA-256 fingerprint: a guest who
/// compared the fingerprint the host shows, and nothing else.
#[derive(Debug)]
struct Pinned {
    fingerprint: String,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen: Vec<String> = Sha256::digest(end_entity.as_ref()).iter().map(|b| format!("{b:02X}")).collect();
        if seen.join(":") == self.fingerprint {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("certificate fingerprint does not match".into()))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

async fn tls_server() -> (TestServer, TlsIdentity) {
    let identity = TlsIdentity::ephemeral().expect("certificate");
    let server = TestServer::with(Config { tls: Some(identity.clone()), ..Config::default() }).await;
    (server, identity)
}

/// A TLS connection to the server that trusts only `fingerprint`.
async fn connect_tls(server: &TestServer, fingerprint: &str) -> std::io::Result<TlsStream<TcpStream>> {
    let provider = Arc::new(ring::default_provider());
    let verifier =
        Pinned { fingerprint: fingerprint.to_owned(), algorithms: provider.signature_verification_algorithms };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let tcp = TcpStream::connect(server.addr).await?;
    let name = ServerName::try_from("127.0.0.1").expect("name");
    TlsConnector::from(Arc::new(config)).connect(name, tcp).await
}

/// One HTTP/1.1 GET on an open stream; returns the response as text.
async fn get<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(mut stream: S, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    tokio::time::timeout(PROMPT, stream.read_to_end(&mut response)).await.expect("response in time").ok();
    String::from_utf8_lossy(&response).into_owned()
}

/// One port answers both: a TLS client and a plain client each get `/healthz`.
#[tokio::test]
async fn https_and_http_share_the_port() {
    let (server, identity) = tls_server().await;
    let tls = connect_tls(&server, identity.fingerprint()).await.expect("TLS handshake");
    let secure = get(tls, "/healthz").await;
    assert!(secure.starts_with("HTTP/1.1 200") && secure.contains("\"status\":\"ok\""), "{secure}");
    let plain = get(TcpStream::connect(server.addr).await.expect("connect"), "/healthz").await;
    assert!(plain.starts_with("HTTP/1.1 200"), "{plain}");
    server.stop().await;
}

/// The certificate served is the one whose fingerprint the host shows; a
/// client pinning any other fingerprint refuses the handshake.
#[tokio::test]
async fn certificate_matches_the_shown_fingerprint() {
    let (server, _) = tls_server().await;
    let other = TlsIdentity::ephemeral().expect("certificate");
    let refused = connect_tls(&server, other.fingerprint()).await;
    assert!(refused.is_err(), "a certificate with another fingerprint was accepted");
    server.stop().await;
}

/// A guest over WSS and a peer over plain WS meet in one room and relay.
#[tokio::test]
async fn wss_guest_and_ws_peer_share_a_room() {
    let (server, identity) = tls_server().await;
    let tls = connect_tls(&server, identity.fingerprint()).await.expect("TLS handshake");
    let url = format!("wss://127.0.0.1:{}/ws", server.addr.port());
    let request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url.as_str())
        .expect("request");
    let (mut guest, _) = tokio_tungstenite::client_async(request, tls).await.expect("WSS upgrade");

    let send = json!({"event": "join", "data": {"user_id": "guest", "room_id": "tls", "version": 1}});
    guest.send(Message::text(send.to_string())).await.expect("send");
    let welcome = next_json(&mut guest).await;
    assert_eq!(welcome["event"], "welcome", "{welcome}");

    let (mut app, _) = server.joined("app", "tls").await;
    let joined = next_json(&mut guest).await;
    assert_eq!(joined["event"], "join");
    assert_eq!(joined["data"]["user_id"], "app");

    app.send(json!({"event": "offer_sdp", "data": {"value": {"type": "offer", "sdp": "v=0"}}})).await;
    let offer = next_json(&mut guest).await;
    assert_eq!(offer["event"], "offer_sdp");
    assert_eq!(offer["data"]["value"]["sdp"], "v=0");
    server.stop().await;
}

async fn next_json<S>(ws: &mut tokio_tungstenite::WebSocketStream<S>) -> Value
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        let msg = tokio::time::timeout(PROMPT, ws.next()).await.expect("message in time").expect("open").expect("frame");
        if let Message::Text(text) = msg {
            return serde_json::from_str(&text).expect("JSON");
        }
    }
}
