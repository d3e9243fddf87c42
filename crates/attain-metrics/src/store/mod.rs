//! SQL of the metrics service. Every function runs in a transaction from
//! `attain_runtime::db::begin_tenant` and also filters on the tenant explicitly.

pub mod catalog;
pub mod events;
pub mod monthly;
pub mod totals;
pub mod windows;

pub type Conn = sqlx::PgConnection;
pub type Result<T> = std::result::Result<T, sqlx::Error>;
