//! The gRPC server's side of TLS, reloaded when its files change: certificates are rotated
//! (cert-manager renews them, Kubernetes swaps the mounted Secret's files in place), and a
//! restart per rotation would drop every open stream. New connections get the new files within a
//! second or so; connections already open keep the certificate they were made with.

use std::{io, path::PathBuf, sync::Arc, time::Duration};

use anyhow::Context;
use futures::{Stream, StreamExt};
use rustls::{
    RootCertStore, ServerConfig,
    pki_types::{PrivateKeyDer, pem::PemObject},
    server::WebPkiClientVerifier,
};
use tokio::net::TcpStream;
use tokio_rustls::{TlsAcceptor, server::TlsStream};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::TcpIncoming;

use super::{certificates, reload::Reloading};
use crate::config::TlsArgs;

/// A client that has not finished its handshake by then is dropped, so it holds nothing.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

struct Files {
    cert: PathBuf,
    key: PathBuf,
    client_ca: Option<PathBuf>,
}

/// The server's certificate, key and (for mutual TLS) client CA, as a rustls configuration that
/// follows the files.
pub struct ServerTls {
    config: Reloading<ServerConfig>,
}

impl ServerTls {
    /// Reads the files named by `ATTAIN_TLS_*`, or `None` for plaintext. A setting without its
    /// partner, or a file that cannot be used, fails with the setting's name.
    pub fn from_args(args: &TlsArgs) -> anyhow::Result<Option<Arc<ServerTls>>> {
        let files = match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => Files {
                cert: cert.clone(),
                key: key.clone(),
                client_ca: args.tls_client_ca.clone(),
            },
            (None, None) => {
                anyhow::ensure!(
                    args.tls_client_ca.is_none(),
                    "ATTAIN_TLS_CLIENT_CA needs ATTAIN_TLS_CERT and ATTAIN_TLS_KEY: mutual TLS is TLS first"
                );
                return Ok(None);
            }
            (Some(_), None) => anyhow::bail!("ATTAIN_TLS_CERT is set but ATTAIN_TLS_KEY is not: set both, or neither"),
            (None, Some(_)) => anyhow::bail!("ATTAIN_TLS_KEY is set but ATTAIN_TLS_CERT is not: set both, or neither"),
        };
        let paths = [Some(&files.cert), Some(&files.key), files.client_ca.as_ref()]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let config = Reloading::new("server certificate", paths, move || build(&files))?;
        Ok(Some(Arc::new(ServerTls { config })))
    }

    /// Wraps `incoming` connections in TLS. Handshakes run side by side, so a slow or silent
    /// client holds up only itself; failed handshakes are logged at debug level and dropped.
    pub fn accept(self: Arc<Self>, mut incoming: TcpIncoming) -> impl Stream<Item = io::Result<TlsStream<TcpStream>>> {
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let tcp = tokio::select! {
                    next = incoming.next() => match next {
                        Some(Ok(tcp)) => tcp,
                        Some(Err(e)) => {
                            tracing::debug!(error = %e, "accepting a connection failed");
                            continue;
                        }
                        None => break,
                    },
                    // The server stopped taking connections: stop listening too.
                    () = tx.closed() => break,
                };
                let acceptor = TlsAcceptor::from(self.config.current());
                let tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            let _ = tx.send(Ok(stream)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                });
            }
        });
        ReceiverStream::new(rx)
    }
}

fn build(files: &Files) -> anyhow::Result<ServerConfig> {
    let chain = certificates(&files.cert, "ATTAIN_TLS_CERT")?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .with_context(|| format!("ATTAIN_TLS_KEY: cannot read a private key from {}", files.key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?;
    let builder = match &files.client_ca {
        Some(path) => {
            let mut roots = RootCertStore::empty();
            for ca in certificates(path, "ATTAIN_TLS_CLIENT_CA")? {
                roots.add(ca).with_context(|| {
                    format!("ATTAIN_TLS_CLIENT_CA: an unusable CA certificate in {}", path.display())
                })?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .context("ATTAIN_TLS_CLIENT_CA")?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .context("ATTAIN_TLS_CERT and ATTAIN_TLS_KEY do not belong together")?;
    // gRPC is HTTP/2 only.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}
