//! TLS and mutual TLS from PEM files: the gRPC server's identity and the CA its clients must be
//! signed by, and what this process uses when it calls other services over `https://`.
//!
//! The peer settings are process-wide because every peer client of a service (the org
//! directory, the metrics service, …) trusts the same CA and presents the same identity, and they
//! are built deep inside each service; the binary sets them once at start. The server side
//! lives in [`server`].

mod server;

pub use server::ServerTls;

use std::{path::Path, sync::OnceLock};

use anyhow::Context;
use tonic::transport::{Certificate, ClientTlsConfig, Identity};

use crate::config::TlsArgs;

fn read(path: &Path, setting: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("{setting}: cannot read {}", path.display()))
}

/// A certificate and its key, both or neither.
fn identity(
    cert: Option<&Path>,
    key: Option<&Path>,
    cert_setting: &str,
    key_setting: &str,
) -> anyhow::Result<Option<Identity>> {
    match (cert, key) {
        (Some(cert), Some(key)) => Ok(Some(Identity::from_pem(
            read(cert, cert_setting)?,
            read(key, key_setting)?,
        ))),
        (None, None) => Ok(None),
        (Some(_), None) => anyhow::bail!("{cert_setting} is set but {key_setting} is not: set both, or neither"),
        (None, Some(_)) => anyhow::bail!("{key_setting} is set but {cert_setting} is not: set both, or neither"),
    }
}

static PEER: OnceLock<ClientTlsConfig> = OnceLock::new();

/// Sets what calls to `https://` peers trust and present. Call once at start, before any peer
/// client is built; later calls are ignored.
pub fn set_peer_tls(args: &TlsArgs) -> anyhow::Result<()> {
    let identity = identity(
        args.peer_tls_cert.as_deref(),
        args.peer_tls_key.as_deref(),
        "ATTAIN_PEER_TLS_CERT",
        "ATTAIN_PEER_TLS_KEY",
    )?;
    let Some(ca) = &args.peer_tls_ca else {
        anyhow::ensure!(
            identity.is_none(),
            "ATTAIN_PEER_TLS_CERT needs ATTAIN_PEER_TLS_CA: the peers' certificates must be checked too"
        );
        return Ok(());
    };
    let mut config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read(ca, "ATTAIN_PEER_TLS_CA")?));
    if let Some(identity) = identity {
        config = config.identity(identity);
    }
    let _ = PEER.set(config);
    Ok(())
}

/// The TLS settings for a peer URL: `None` for `http://`; an error for `https://` without a CA.
pub fn peer_config(url: &str, setting: &str) -> anyhow::Result<Option<ClientTlsConfig>> {
    if !url.starts_with("https://") {
        return Ok(None);
    }
    PEER.get().cloned().map(Some).ok_or_else(|| {
        anyhow::anyhow!("{setting} \"{url}\" is https:// but ATTAIN_PEER_TLS_CA is not set: which CA signs the peer?")
    })
}
