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
            Cluster::External(url) => with_database(url, database),
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
            let pg = LocalPostgres::start(&dir, LocalPostgresOptions { ephemeral: true })
                .unwrap_or_else(|e| panic!("cannot start a test PostgreSQL (or set DATABASE_URL): {e:#}"));
            Cluster::Local(pg)
        }
    })
}

/// Swaps the database name of a PostgreSQL URL.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
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

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_is_swapped_in_urls() {
        assert_eq!(
            with_database("postgres://u:p@h:5/db?sslmode=disable", "t1"),
            "postgres://u:p@h:5/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h:5", "t1"), "postgres://u@h:5/t1");
    }
}
