//! Logging setup for the binary: human lines by default, JSON on request.

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::{LogArgs, LogFormat};

/// Installs the global subscriber. Call once, at start.
pub fn init(args: &LogArgs) -> anyhow::Result<()> {
    // PostgreSQL NOTICEs (e.g. "schema already exists, skipping") are not worth an info line.
    let filter = EnvFilter::try_new(format!("sqlx::postgres::notice=warn,{}", args.log))
        .map_err(|e| anyhow::anyhow!("ATTAIN_LOG \"{}\" is not a valid log filter: {e}", args.log))?;
    let registry = tracing_subscriber::registry().with(filter);
    match args.log_format {
        LogFormat::Human => registry
            .with(
                fmt::layer()
                    .with_ansi(std::io::stderr().is_terminal())
                    .with_writer(std::io::stderr),
            )
            .try_init()?,
        LogFormat::Json => registry
            .with(fmt::layer().json().with_current_span(true).with_writer(std::io::stderr))
            .try_init()?,
    }
    Ok(())
}
