//! SQL of the hiring schema. Every function runs inside a tenant transaction
//! (`attain_runtime::db::begin_tenant`) and filters on the tenant explicitly as well.

pub mod candidates;
pub mod requisitions;

pub type Conn = sqlx::PgConnection;
pub type Result<T> = std::result::Result<T, sqlx::Error>;
