//! The PostgreSQL cluster of a test process: `DATABASE_URL` if set (a superuser URL, so tests
//! can create databases), otherwise a private cluster started on first use in the system temp
//! folder, which stops when the test process ends.

use std::sync::OnceLock;

use attain_runtime::local_pg::{LocalPostgres, LocalPostgresOptions};

pub enum Cluster {
    External(String),
    Local(LocalPostgres),
}

impl Cluster {
    pub fn url(&self, database: &str) -> String {
        match self {
            Cluster::Local(pg) => pg.url(database),
            Cluster::External(url) => attain_runtime::db::with_database(url, database),
        }
    }
}

pub fn shared() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => Cluster::External(url),
        _ => {
            remove_stale_clusters();
            let dir = std::env::temp_dir().join(format!("attain-test-pg-{}", std::process::id()));
            let pg = LocalPostgres::start(
                &dir,
                LocalPostgresOptions {
                    ephemeral: true,
                    port: None,
                },
            )
            .unwrap_or_else(|e| panic!("cannot start a test PostgreSQL (or set DATABASE_URL): {e:#}"));
            Cluster::Local(pg)
        }
    })
}

/// Clusters of test processes that are gone (they cannot clean up after themselves).
fn remove_stale_clusters() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix("attain-test-pg-")) else {
            continue;
        };
        if !std::path::Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
