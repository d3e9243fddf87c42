//! What each `attain.hiring.v1.HiringService` RPC does: one use case each, a method of
//! [`HiringApi`] taking the request context and typed input (decoded by `grpc/`) and returning
//! store records or domain values. The access rules, the checks against the directory and the
//! store, and the domain math live here; this service's protobuf does not (what the directory
//! answers comes as its messages, through the peer client).

pub mod access;
pub mod bench;
pub mod candidates;
pub mod hire;
pub mod interviews;
pub mod kpis;
pub mod requisitions;

use std::sync::Arc;

use sqlx::PgPool;

use attain_runtime::clients::Peers;

#[derive(Clone)]
pub struct HiringApi {
    pool: PgPool,
    peers: Arc<Peers>,
}

impl HiringApi {
    pub fn new(pool: PgPool, peers: Arc<Peers>) -> Self {
        Self { pool, peers }
    }
}
