//! TLS and mutual TLS from PEM files: the gRPC server's identity and the CA its clients must be
//! signed by, and what this process uses when it calls other services over `https://`.
//!
//! The peer settings are process-wide because every peer client of a service (the org
//! directory, the metrics service, …) trusts the same CA and presents the same identity, and they
//! are built deep inside each service; the binary sets them once at start. The server side
//! lives in [`server`].

mod client;
mod reload;
mod server;

pub use client::PeerConnector;
pub use server::ServerTls;

use std::{
    path::{Path, PathBuf},
    sync::{Arc, OnceLock},
};

use anyhow::Context;
use rustls::pki_types::{CertificateDer, pem::PemObject};

use crate::config::TlsArgs;

/// The certificates of a PEM file, at least one; an error names `setting`.
fn certificates(path: &Path, setting: &str) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("{setting}: cannot read certificates from {}", path.display()))?;
    anyhow::ensure!(!certs.is_empty(), "{setting}: no certificate in {}", path.display());
    Ok(certs)
}

static PEER: OnceLock<Arc<client::PeerTls>> = OnceLock::new();

/// Sets what calls to `https://` peers trust and present. Call once at start, before any peer
/// client is built; later calls are ignored. The files are read now (a bad one fails the start
/// with its setting's name) and again whenever they change.
pub fn set_peer_tls(args: &TlsArgs) -> anyhow::Result<()> {
    let identity: Option<(PathBuf, PathBuf)> = match (&args.peer_tls_cert, &args.peer_tls_key) {
        (Some(cert), Some(key)) => Some((cert.clone(), key.clone())),
        (None, None) => None,
        (Some(_), None) => {
            anyhow::bail!("ATTAIN_PEER_TLS_CERT is set but ATTAIN_PEER_TLS_KEY is not: set both, or neither")
        }
        (None, Some(_)) => {
            anyhow::bail!("ATTAIN_PEER_TLS_KEY is set but ATTAIN_PEER_TLS_CERT is not: set both, or neither")
        }
    };
    let Some(ca) = &args.peer_tls_ca else {
        anyhow::ensure!(
            identity.is_none(),
            "ATTAIN_PEER_TLS_CERT needs ATTAIN_PEER_TLS_CA: the peers' certificates must be checked too"
        );
        return Ok(());
    };
    let tls = client::PeerTls::new(client::Files {
        ca: ca.clone(),
        identity,
    })?;
    let _ = PEER.set(Arc::new(tls));
    Ok(())
}

/// How to connect to a peer URL: `None` for `http://`; for `https://`, a connector that speaks
/// TLS with the current peer settings, and an error when there are none.
pub fn peer_connector(url: &str, setting: &str) -> anyhow::Result<Option<PeerConnector>> {
    if !url.starts_with("https://") {
        return Ok(None);
    }
    let tls = PEER.get().cloned().ok_or_else(|| {
        anyhow::anyhow!("{setting} \"{url}\" is https:// but ATTAIN_PEER_TLS_CA is not set: which CA signs the peer?")
    })?;
    let uri: http::Uri = url
        .parse()
        .map_err(|e| anyhow::anyhow!("{setting} \"{url}\" is not a valid URL: {e}"))?;
    let host = uri
        .host()
        .ok_or_else(|| anyhow::anyhow!("{setting} \"{url}\" names no host"))?;
    Ok(Some(PeerConnector::new(tls, host)))
}
