//! `attain rollups rebuild`: recomputes a tenant's daily rollups from its raw events through
//! the metrics API, e.g. after the tenant's time zone changed.

use anyhow::Context;
use attain_proto::metrics::v1::{RebuildRollupsRequest, metrics_service_client::MetricsServiceClient};
use attain_server::api;

#[derive(clap::Subcommand)]
pub enum RollupsCommand {
    /// Rebuild every daily rollup of the key's tenant from the raw events.
    Rebuild {
        /// API key (or JWT) of an ADMIN of the tenant.
        #[arg(long, env = "ATTAIN_API_KEY", hide_env_values = true)]
        api_key: String,
        /// The metrics service.
        #[arg(long, env = "ATTAIN_METRICS_URL", default_value = "http://127.0.0.1:50051")]
        metrics_url: String,
    },
}

pub async fn run(cmd: RollupsCommand) -> anyhow::Result<()> {
    let RollupsCommand::Rebuild { api_key, metrics_url } = cmd;
    let mut client = MetricsServiceClient::new(api::channel(&metrics_url)?);
    let request = api::authorized(RebuildRollupsRequest {}, &api_key)?;
    let done = client
        .rebuild_rollups(request)
        .await
        .with_context(|| format!("rebuilding at {metrics_url}"))?
        .into_inner();
    println!(
        "rebuilt {} daily rollup rows from {} events",
        done.rollup_row_count, done.event_count
    );
    Ok(())
}
