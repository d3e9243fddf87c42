//! A TLS configuration that follows its PEM files: rebuilt when one of them changes, looked at
//! no more than once a second and only when a connection is being made, so an idle process does
//! no work. Files caught half-written keep the previous configuration until a later look.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant, SystemTime},
};

/// How often the files' modification times are looked at, at most.
const CHECK_EVERY: Duration = Duration::from_secs(1);

type Build<T> = Box<dyn Fn() -> anyhow::Result<T> + Send + Sync>;

struct Loaded<T> {
    current: Arc<T>,
    stamp: Vec<Option<SystemTime>>,
    checked: Instant,
}

pub struct Reloading<T> {
    paths: Vec<PathBuf>,
    build: Build<T>,
    what: &'static str,
    loaded: Mutex<Loaded<T>>,
}

impl<T> Reloading<T> {
    /// Builds the configuration from `paths` now (an error names the bad setting), and again by
    /// `build` whenever one of them changes. `what` names it in the log.
    pub fn new(
        what: &'static str,
        paths: Vec<PathBuf>,
        build: impl Fn() -> anyhow::Result<T> + Send + Sync + 'static,
    ) -> anyhow::Result<Reloading<T>> {
        let stamp = stamp(&paths);
        let current = Arc::new(build()?);
        Ok(Reloading {
            paths,
            build: Box::new(build),
            what,
            loaded: Mutex::new(Loaded {
                current,
                stamp,
                checked: Instant::now(),
            }),
        })
    }

    /// The configuration for a new connection, rebuilt first if a file changed.
    pub fn current(&self) -> Arc<T> {
        let mut loaded = self.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        if loaded.checked.elapsed() >= CHECK_EVERY {
            loaded.checked = Instant::now();
            let stamp = stamp(&self.paths);
            if stamp != loaded.stamp {
                match (self.build)() {
                    Ok(config) => {
                        loaded.current = Arc::new(config);
                        loaded.stamp = stamp;
                        tracing::info!(what = self.what, "TLS files changed: new connections use the new ones");
                    }
                    Err(e) => tracing::warn!(
                        what = self.what,
                        error = format!("{e:#}"),
                        "TLS files changed but cannot be used (yet); keeping the previous ones"
                    ),
                }
            }
        }
        loaded.current.clone()
    }
}

/// When each file last changed; a file that cannot be read counts as changed.
fn stamp(paths: &[PathBuf]) -> Vec<Option<SystemTime>> {
    paths
        .iter()
        .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .collect()
}
