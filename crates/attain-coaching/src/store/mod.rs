//! SQL of the coaching schema. Every function runs inside a tenant transaction
//! (`attain_runtime::db::begin_tenant`) and filters on the tenant explicitly as well.

pub mod cadences;
pub mod plans;
pub mod sessions;
pub mod surveys;

pub type Conn = sqlx::PgConnection;
pub type Result<T> = std::result::Result<T, sqlx::Error>;
