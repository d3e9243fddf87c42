//! One line per call served, at info under the target `attain::access`: the status and the
//! duration, written inside the call's span so it carries the method, the tenant and the trace
//! id too. Failed calls are always written (unless the log is off); successful ones can be
//! sampled for busy installs, evenly (every n-th) rather than at random, so a sample of 0.01
//! is exactly one line per hundred calls.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use tracing::Span;

use crate::config::AccessLog;

#[derive(Debug)]
pub(crate) struct AccessLogger {
    mode: AccessLog,
    sample: f64,
    ok_calls: AtomicU64,
}

impl AccessLogger {
    pub(crate) fn new(mode: AccessLog, sample: f64) -> Self {
        Self {
            mode,
            sample: if sample.is_finite() {
                sample.clamp(0.0, 1.0)
            } else {
                1.0
            },
            ok_calls: AtomicU64::new(0),
        }
    }

    /// Writes the line for a call that ended with `code` after `elapsed`, if it is wanted.
    pub(crate) fn log(&self, span: &Span, code: &'static str, elapsed: Duration) {
        if !self.wants(code) {
            return;
        }
        let duration_ms = (elapsed.as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
        span.in_scope(|| tracing::info!(target: "attain::access", code, duration_ms, "call"));
    }

    fn wants(&self, code: &str) -> bool {
        match self.mode {
            AccessLog::Off => false,
            AccessLog::Errors => code != "OK",
            AccessLog::All if code != "OK" || self.sample >= 1.0 => true,
            AccessLog::All => {
                // The n-th successful call is written when it takes the running count of lines
                // due, floor(n × sample), one higher.
                let n = self.ok_calls.fetch_add(1, Ordering::Relaxed) as f64;
                ((n + 1.0) * self.sample).floor() > (n * self.sample).floor()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(logger: &AccessLogger, codes: &[&str]) -> usize {
        codes.iter().filter(|code| logger.wants(code)).count()
    }

    #[test]
    fn modes_choose_the_calls() {
        let calls = ["OK", "NOT_FOUND", "OK", "INTERNAL"];
        assert_eq!(written(&AccessLogger::new(AccessLog::All, 1.0), &calls), 4);
        assert_eq!(written(&AccessLogger::new(AccessLog::Errors, 1.0), &calls), 2);
        assert_eq!(written(&AccessLogger::new(AccessLog::Off, 1.0), &calls), 0);
    }

    #[test]
    fn sampling_keeps_every_failure_and_exactly_the_share_of_successes() {
        let logger = AccessLogger::new(AccessLog::All, 0.01);
        assert_eq!(written(&logger, &["OK"; 1000]), 10);
        assert_eq!(written(&logger, &["UNAVAILABLE"; 7]), 7);
        assert_eq!(written(&AccessLogger::new(AccessLog::All, 0.0), &["OK"; 100]), 0);
        assert_eq!(written(&AccessLogger::new(AccessLog::All, 0.25), &["OK"; 100]), 25);
    }
}
