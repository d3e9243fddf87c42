//! What this process trusts and presents when it calls other services over `https://`, reloaded
//! when the files change like the server's own (a renewed client certificate, a new CA), for
//! connections made from then on.
//!
//! tonic's own TLS is built once per channel, so peer channels connect through
//! [`PeerConnector`] instead: a TCP connection, then a handshake with the current configuration.

use std::{
    future::Future,
    io,
    path::PathBuf,
    pin::Pin,
    sync::Arc,
    task::{Context as TaskContext, Poll},
};

use anyhow::Context;
use http::Uri;
use hyper_util::rt::TokioIo;
use rustls::{
    ClientConfig, RootCertStore,
    pki_types::{PrivateKeyDer, ServerName, pem::PemObject},
};
use tokio::net::TcpStream;
use tokio_rustls::{TlsConnector, client::TlsStream};

use super::{certificates, reload::Reloading};

pub struct Files {
    pub ca: PathBuf,
    pub identity: Option<(PathBuf, PathBuf)>,
}

/// The client configuration for `https://` peers, following its files.
pub struct PeerTls {
    config: Reloading<ClientConfig>,
}

impl PeerTls {
    pub fn new(files: Files) -> anyhow::Result<PeerTls> {
        let mut paths = vec![files.ca.clone()];
        if let Some((cert, key)) = &files.identity {
            paths.extend([cert.clone(), key.clone()]);
        }
        let config = Reloading::new("peer client certificate", paths, move || build(&files))?;
        Ok(PeerTls { config })
    }
}

fn build(files: &Files) -> anyhow::Result<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for ca in certificates(&files.ca, "ATTAIN_PEER_TLS_CA")? {
        roots.add(ca).with_context(|| {
            format!(
                "ATTAIN_PEER_TLS_CA: an unusable CA certificate in {}",
                files.ca.display()
            )
        })?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_root_certificates(roots);
    let mut config = match &files.identity {
        Some((cert, key)) => {
            let chain = certificates(cert, "ATTAIN_PEER_TLS_CERT")?;
            let key = PrivateKeyDer::from_pem_file(key)
                .with_context(|| format!("ATTAIN_PEER_TLS_KEY: cannot read a private key from {}", key.display()))?;
            builder
                .with_client_auth_cert(chain, key)
                .context("ATTAIN_PEER_TLS_CERT and ATTAIN_PEER_TLS_KEY do not belong together")?
        }
        None => builder.with_no_client_auth(),
    };
    // gRPC is HTTP/2 only.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Connects to a peer: TCP, then TLS with the configuration current at that moment, checking
/// the peer's certificate against the host of `host`.
#[derive(Clone)]
pub struct PeerConnector {
    tls: Arc<PeerTls>,
    host: String,
    /// The one address of `host` to connect to, when calls are balanced over its addresses.
    addr: Option<std::net::SocketAddr>,
}

impl PeerConnector {
    /// A connector to peers named `host` (a DNS name or an IP address, as in the peer URL).
    pub fn new(tls: Arc<PeerTls>, host: &str) -> PeerConnector {
        PeerConnector {
            tls,
            host: host.trim_start_matches('[').trim_end_matches(']').to_string(),
            addr: None,
        }
    }

    /// The same peer name (which its certificate must carry), reached at one of its addresses.
    pub fn at(&self, addr: std::net::SocketAddr) -> PeerConnector {
        PeerConnector {
            addr: Some(addr),
            ..self.clone()
        }
    }
}

impl tower::Service<Uri> for PeerConnector {
    type Response = TokioIo<TlsStream<TcpStream>>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let config = self.tls.config.current();
        let host = self.host.clone();
        let addr = self.addr;
        Box::pin(async move {
            let port = uri.port_u16().unwrap_or(443);
            let name = ServerName::try_from(host.clone())
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("peer host {host}: {e}")))?;
            let tcp = match addr {
                Some(addr) => TcpStream::connect(addr).await?,
                None => TcpStream::connect((host.as_str(), port)).await?,
            };
            // Small request/response calls must not wait on delayed ACKs.
            tcp.set_nodelay(true)?;
            let stream = TlsConnector::from(config).connect(name, tcp).await?;
            Ok(TokioIo::new(stream))
        })
    }
}
