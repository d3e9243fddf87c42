//! What each `attain.hiring.v1.HiringService` RPC does, one function each (`grpc.rs` names
//! which): protobuf in, checks and access rules, store and peer calls, domain math, protobuf out.

pub(crate) mod access;
pub(crate) mod bench;
pub(crate) mod candidates;
pub(crate) mod convert;
pub(crate) mod hire;
pub(crate) mod interviews;
pub(crate) mod kpis;
pub(crate) mod requisitions;

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
