//! The scorecard service. So far it holds the org directory (`attain.org.v1.OrgService`):
//! tenants, teams, people and API keys in the `org` schema.

pub mod org;

use attain_runtime::db::SchemaSet;
use sqlx::migrate::Migrator;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The schemas this service owns and the migrations that make them.
pub const SCHEMAS: SchemaSet = SchemaSet {
    service: "scorecard",
    schemas: &["org", "scorecard"],
    migrator: &MIGRATOR,
};
