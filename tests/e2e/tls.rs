//! TLS and mutual TLS through the real binary: the scorecard and metrics services each serve
//! gRPC over mutual TLS with certificates from a test CA, the metrics service calls the org
//! directory over https:// with its own client certificate, and clients without a certificate,
//! or speaking plaintext, are turned away.

use std::path::{Path, PathBuf};

use attain_proto::{
    metrics::v1::{ListMetricsRequest, metrics_service_client::MetricsServiceClient},
    org::v1::{GetTenantRequest, org_service_client::OrgServiceClient},
};
use attain_testing::{Bearer, TestDb};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

use crate::{Running, attain, free_port, spawn};

/// A CA, and a certificate it signed for 127.0.0.1 usable by servers and clients alike.
struct Pki {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
    /// A certificate from a CA nobody trusts.
    stranger: (PathBuf, PathBuf),
}

fn issue(dir: &Path, name: &str) -> (CertifiedIssuer<'static, KeyPair>, PathBuf, PathBuf, PathBuf) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, format!("{name} CA"));
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("CA key")).expect("CA");
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).expect("params");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
    let key = KeyPair::generate().expect("key");
    let cert = leaf.signed_by(&key, &ca).expect("certificate");
    let paths = (
        dir.join(format!("{name}-ca.pem")),
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    std::fs::write(&paths.0, ca.pem()).expect("write CA");
    std::fs::write(&paths.1, cert.pem()).expect("write certificate");
    std::fs::write(&paths.2, key.serialize_pem()).expect("write key");
    (ca, paths.0, paths.1, paths.2)
}

fn pki() -> Pki {
    let dir = std::env::temp_dir().join(format!("attain-tls-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("folder");
    let (_, ca, cert, key) = issue(&dir, "attain");
    let (_, _, stranger_cert, stranger_key) = issue(&dir, "stranger");
    Pki {
        ca,
        cert,
        key,
        stranger: (stranger_cert, stranger_key),
    }
}

fn client_tls(pki: &Pki, identity: Option<(&Path, &Path)>) -> ClientTlsConfig {
    let mut tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(std::fs::read(&pki.ca).expect("CA")));
    if let Some((cert, key)) = identity {
        tls = tls.identity(Identity::from_pem(
            std::fs::read(cert).expect("cert"),
            std::fs::read(key).expect("key"),
        ));
    }
    tls
}

/// Waits until a mutual-TLS client reaches the server at `addr`.
async fn connect(addr: &str, tls: ClientTlsConfig) -> Channel {
    let mut last = None;
    for _ in 0..400 {
        let endpoint = Channel::from_shared(format!("https://{addr}"))
            .expect("url")
            .tls_config(tls.clone())
            .expect("tls");
        match endpoint.connect().await {
            Ok(channel) => return channel,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no TLS connection to {addr}: {last:?}");
}

#[tokio::test]
async fn services_speak_mutual_tls_to_clients_and_to_each_other() {
    let db = TestDb::empty().await;
    let url = db.owner_url.clone();
    let (_, key) = crate::migrate_with_admin_key(&url, &["tenant", "create", "--name", "Acme"]);
    let pki = pki();
    let (scorecard, metrics) = (
        format!("127.0.0.1:{}", free_port()),
        format!("127.0.0.1:{}", free_port()),
    );
    let serve = |service: &str, listen: &str, role: &str| -> Running {
        spawn(
            attain()
                .args(["serve", service, "--listen", listen, "--admin-listen"])
                .arg(format!("127.0.0.1:{}", free_port()))
                .env("DATABASE_URL", &url)
                .env("ATTAIN_DB_ROLE", role)
                .env("ATTAIN_TLS_CERT", &pki.cert)
                .env("ATTAIN_TLS_KEY", &pki.key)
                .env("ATTAIN_TLS_CLIENT_CA", &pki.ca)
                .env("ATTAIN_PEER_TLS_CA", &pki.ca)
                .env("ATTAIN_PEER_TLS_CERT", &pki.cert)
                .env("ATTAIN_PEER_TLS_KEY", &pki.key)
                .env("ATTAIN_ORG_URL", format!("https://{scorecard}"))
                .env("ATTAIN_METRICS_URL", format!("https://{metrics}")),
        )
    };
    let mut scorecard_server = serve("scorecard", &scorecard, "attain_scorecard");
    let mut metrics_server = serve("metrics", &metrics, "attain_metrics");

    // The metrics service checks the key with the org directory: a call over mutual TLS too.
    let channel = connect(&metrics, client_tls(&pki, Some((&pki.cert, &pki.key)))).await;
    let listed = MetricsServiceClient::with_interceptor(channel, Bearer::new(&key))
        .list_metrics(ListMetricsRequest::default())
        .await
        .expect("a call across both services over mutual TLS");
    assert!(!listed.into_inner().metrics.is_empty());

    // No client certificate, a certificate from an unknown CA, or plaintext: no call gets through.
    let endpoint = |scheme: &str| Channel::from_shared(format!("{scheme}://{metrics}")).expect("url");
    let (stranger_cert, stranger_key) = (&pki.stranger.0, &pki.stranger.1);
    for (what, channel) in [
        (
            "no client certificate",
            endpoint("https")
                .tls_config(client_tls(&pki, None))
                .expect("tls")
                .connect()
                .await,
        ),
        (
            "a certificate from another CA",
            endpoint("https")
                .tls_config(client_tls(&pki, Some((stranger_cert, stranger_key))))
                .expect("tls")
                .connect()
                .await,
        ),
        ("plaintext", endpoint("http").connect().await),
    ] {
        assert!(refused(channel, &key).await, "{what} was let through");
    }

    tokio::task::spawn_blocking(move || {
        metrics_server.terminate();
        scorecard_server.terminate();
    })
    .await
    .expect("stop");
}

/// Whether no call gets through on `channel` (or it never connected).
async fn refused(channel: Result<Channel, tonic::transport::Error>, key: &str) -> bool {
    match channel {
        Err(_) => true,
        Ok(channel) => MetricsServiceClient::with_interceptor(channel, Bearer::new(key))
            .list_metrics(ListMetricsRequest::default())
            .await
            .is_err(),
    }
}

#[test]
fn tls_settings_that_do_not_fit_together_stop_the_start_with_their_names() {
    let out = crate::run_err(
        attain()
            .args([
                "serve",
                "metrics",
                "--listen",
                "127.0.0.1:0",
                "--admin-listen",
                "127.0.0.1:0",
            ])
            .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
            .env("ATTAIN_TLS_CERT", "/nonexistent/cert.pem"),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ATTAIN_TLS_KEY"), "{stderr}");
    let out = crate::run_err(
        attain()
            .args([
                "serve",
                "metrics",
                "--listen",
                "127.0.0.1:0",
                "--admin-listen",
                "127.0.0.1:0",
            ])
            .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
            .env("ATTAIN_ORG_URL", "https://127.0.0.1:1"),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ATTAIN_PEER_TLS_CA"), "{stderr}");
}

/// Certificates are rotated in place (a renewed Secret): new connections get the new one without
/// a restart, and a connection made before keeps working.
#[tokio::test]
async fn a_renewed_certificate_is_served_without_a_restart() {
    let db = TestDb::empty().await;
    let url = db.owner_url.clone();
    let (_, key) = crate::migrate_with_admin_key(&url, &["tenant", "create", "--name", "Acme"]);
    let pki = pki();
    let dir = pki.cert.parent().expect("folder").to_path_buf();
    let (cert, cert_key) = (dir.join("served.pem"), dir.join("served.key"));
    std::fs::copy(&pki.cert, &cert).expect("copy");
    std::fs::copy(&pki.key, &cert_key).expect("copy");
    let addr = format!("127.0.0.1:{}", free_port());
    let mut server = spawn(
        attain()
            .args(["serve", "scorecard", "--listen", &addr, "--admin-listen"])
            .arg(format!("127.0.0.1:{}", free_port()))
            .env("DATABASE_URL", &url)
            .env("ATTAIN_DB_ROLE", "attain_scorecard")
            .env("ATTAIN_TLS_CERT", &cert)
            .env("ATTAIN_TLS_KEY", &cert_key)
            // The scorecard code reads the directory over gRPC too, here its own, over TLS.
            .env("ATTAIN_PEER_TLS_CA", &pki.ca),
    );
    let trusting =
        |ca: &Path| ClientTlsConfig::new().ca_certificate(Certificate::from_pem(std::fs::read(ca).expect("CA")));
    let tenant = |channel: Channel| async {
        OrgServiceClient::with_interceptor(channel, Bearer::new(&key))
            .get_tenant(GetTenantRequest {})
            .await
    };
    let before = connect(&addr, trusting(&pki.ca)).await;
    tenant(before.clone()).await.expect("a call with the first certificate");

    // The renewal: another CA's certificate, swapped in as Kubernetes does (write, then rename).
    let (_, renewed_ca, renewed_cert, renewed_key) = issue(&dir, "renewed");
    for (from, to) in [(&renewed_cert, &cert), (&renewed_key, &cert_key)] {
        let staged = to.with_extension("staged");
        std::fs::copy(from, &staged).expect("stage");
        std::fs::rename(&staged, to).expect("swap");
    }
    let after = connect(&addr, trusting(&renewed_ca)).await;
    tenant(after).await.expect("a call with the renewed certificate");
    // A new client that trusts only the old CA is turned away; the old connection still works.
    let old_only = Channel::from_shared(format!("https://{addr}"))
        .expect("url")
        .tls_config(trusting(&pki.ca))
        .expect("tls")
        .connect()
        .await;
    assert!(
        old_only.is_err(),
        "the old certificate is still served to new connections"
    );
    tenant(before).await.expect("the connection made before the renewal");

    tokio::task::spawn_blocking(move || server.terminate())
        .await
        .expect("stop");
}

/// A service's peer settings follow their files too: the metrics service, still running, is
/// handed a new CA and a new client certificate, and reaches an org directory that now serves
/// and accepts only certificates of that new CA.
#[tokio::test]
async fn renewed_peer_certificates_are_used_without_a_restart() {
    let db = TestDb::empty().await;
    let url = db.owner_url.clone();
    let (tenant, key) = crate::migrate_with_admin_key(&url, &["tenant", "create", "--name", "Acme"]);
    // A second key, unknown to the metrics service's cache of checked keys, for after the swap.
    let later_key = crate::run_ok(
        attain()
            .args(["apikey", "create", "--tenant", &tenant, "--role", "admin"])
            .env("DATABASE_URL", &url),
    )
    .trim()
    .to_string();
    let pki = pki();
    let dir = pki.cert.parent().expect("folder").to_path_buf();
    let (peer_ca, peer_cert, peer_key) = (dir.join("peer-ca.pem"), dir.join("peer.pem"), dir.join("peer.key"));
    for (from, to) in [(&pki.ca, &peer_ca), (&pki.cert, &peer_cert), (&pki.key, &peer_key)] {
        std::fs::copy(from, to).expect("copy");
    }
    let (scorecard, metrics) = (
        format!("127.0.0.1:{}", free_port()),
        format!("127.0.0.1:{}", free_port()),
    );
    let directory = |ca: &Path, cert: &Path, key: &Path| -> Running {
        spawn(
            attain()
                .args(["serve", "scorecard", "--listen", &scorecard, "--admin-listen"])
                .arg(format!("127.0.0.1:{}", free_port()))
                .env("DATABASE_URL", &url)
                .env("ATTAIN_DB_ROLE", "attain_scorecard")
                .env("ATTAIN_TLS_CERT", cert)
                .env("ATTAIN_TLS_KEY", key)
                .env("ATTAIN_TLS_CLIENT_CA", ca)
                // Its scorecard code is a client of the directory too: it proves itself with
                // the same certificate when it reads it.
                .env("ATTAIN_PEER_TLS_CA", ca)
                .env("ATTAIN_PEER_TLS_CERT", cert)
                .env("ATTAIN_PEER_TLS_KEY", key),
        )
    };
    let mut org = directory(&pki.ca, &pki.cert, &pki.key);
    // The metrics service serves plaintext here; what is checked is how it calls the directory.
    let mut metrics_server = spawn(
        attain()
            .args(["serve", "metrics", "--listen", &metrics, "--admin-listen"])
            .arg(format!("127.0.0.1:{}", free_port()))
            .env("DATABASE_URL", &url)
            .env("ATTAIN_DB_ROLE", "attain_metrics")
            .env("ATTAIN_PEER_TLS_CA", &peer_ca)
            .env("ATTAIN_PEER_TLS_CERT", &peer_cert)
            .env("ATTAIN_PEER_TLS_KEY", &peer_key)
            .env("ATTAIN_ORG_URL", format!("https://{scorecard}")),
    );
    let list = |key: String| {
        let metrics = metrics.clone();
        async move {
            // The first calls may find the server not listening yet, or a channel reconnecting.
            let mut last = None;
            for _ in 0..100 {
                let channel = Channel::from_shared(format!("http://{metrics}")).expect("url");
                if let Ok(channel) = channel.connect().await {
                    match MetricsServiceClient::with_interceptor(channel, Bearer::new(&key))
                        .list_metrics(ListMetricsRequest::default())
                        .await
                    {
                        Ok(_) => return Ok(()),
                        Err(e) => last = Some(e),
                    }
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(last)
        }
    };
    list(key)
        .await
        .expect("the key checked with the directory over mutual TLS");

    // The renewal: another CA. The metrics service's files change under it; the directory
    // restarts with the new CA's certificate and accepts only clients of the new CA.
    let (_, renewed_ca, renewed_cert, renewed_key) = issue(&dir, "renewed");
    for (from, to) in [
        (&renewed_ca, &peer_ca),
        (&renewed_cert, &peer_cert),
        (&renewed_key, &peer_key),
    ] {
        let staged = to.with_extension("staged");
        std::fs::copy(from, &staged).expect("stage");
        std::fs::rename(&staged, to).expect("swap");
    }
    tokio::task::spawn_blocking(move || org.terminate())
        .await
        .expect("stop");
    let mut org = directory(&renewed_ca, &renewed_cert, &renewed_key);
    list(later_key)
        .await
        .expect("a new key checked with the renewed directory, by the same metrics process");

    tokio::task::spawn_blocking(move || {
        metrics_server.terminate();
        org.terminate();
    })
    .await
    .expect("stop");
}
