//! The folder: a background task of the metrics service that moves the monthly rollup
//! additions ingestion appends (`metrics.monthly_pending`) into the monthly rollups, so reads
//! of whole months keep reading about one row per person, month and metric. Reads are exact
//! with or without it; it only keeps the pending rows few. Pending rows are committed with
//! their events, so a crash between ingest and fold loses nothing: the next fold, by any
//! replica, takes them.

use std::time::Duration;

use attain_runtime::db::begin_tenant;
use sqlx::PgPool;
use tokio::sync::watch;

use crate::store::monthly;

/// How often the folder looks for pending rows. A fold costs about one upsert per distinct
/// (person, month, metric) it adds to, so a longer interval merges more additions into each:
/// in one pair of ingestion benchmark runs (events spread at random, 4 streams) 5 s instead of
/// 1 s took ingestion from 0.25x to 0.31x of COPY. Reads unpack what is pending, at most about
/// this much ingestion.
pub const EVERY: Duration = Duration::from_secs(5);

/// Folds the pending monthly additions of every tenant, each tenant in its own transaction;
/// returns the pending rows folded.
pub async fn fold_all(pool: &PgPool) -> Result<i64, sqlx::Error> {
    let mut folded = 0;
    let mut first_error = None;
    for tenant in monthly::tenants_with_pending(pool).await? {
        // One tenant's failure must not hold back the others' folds: go on, report it after.
        match fold_tenant(pool, tenant).await {
            Ok(n) => folded += n,
            Err(e) => {
                tracing::warn!(%tenant, error = %e, "monthly fold failed; its additions stay pending");
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(folded),
    }
}

async fn fold_tenant(pool: &PgPool, tenant: uuid::Uuid) -> Result<i64, sqlx::Error> {
    match fold_month(pool, tenant, None).await {
        Ok(folded) => Ok(folded),
        // The whole tenant in one go failed: month by month, so that one month the fold cannot
        // apply is set aside and the others still fold. A database that is away fails again
        // at once, and everything stays pending for the next turn.
        Err(whole) if !is_unavailable(&whole) => {
            tracing::warn!(%tenant, error = %whole, "monthly fold failed; folding month by month");
            let mut folded = 0;
            let months = {
                let mut tx = begin_tenant(pool, tenant).await?;
                let months = monthly::pending_months(&mut tx, tenant).await?;
                tx.commit().await?;
                months
            };
            for month in months {
                match fold_month(pool, tenant, Some(month)).await {
                    Ok(n) => folded += n,
                    Err(e) if is_unavailable(&e) => return Err(e),
                    Err(e) => {
                        let mut tx = begin_tenant(pool, tenant).await?;
                        let rows = monthly::set_aside(&mut tx, tenant, month, &e.to_string()).await?;
                        tx.commit().await?;
                        crate::counters::SET_ASIDE.inc_by(rows);
                        tracing::warn!(
                            %tenant, %month, rows, error = %e,
                            "pending monthly rows the fold cannot apply were set aside; reads still count them, \
                             and RebuildRollups repairs the month"
                        );
                    }
                }
            }
            Ok(folded)
        }
        Err(e) => Err(e),
    }
}

/// Folds `tenant`'s pending rows (of `month` only, when given) in one transaction.
async fn fold_month(pool: &PgPool, tenant: uuid::Uuid, month: Option<chrono::NaiveDate>) -> Result<i64, sqlx::Error> {
    let mut tx = begin_tenant(pool, tenant).await?;
    monthly::lock(&mut tx, tenant).await?;
    let folded = monthly::fold(&mut tx, tenant, &crate::store::Recompute::default(), month).await?;
    tx.commit().await?;
    Ok(folded)
}

/// Whether an error is the database being away (nothing to set aside: try again later).
fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed
    )
}

/// Folds every `every` until `stop` turns true (or its sender is gone). A fold in progress is
/// abandoned then, so stopping never waits for a tenant's lock (a rebuild may hold it for
/// minutes): its transaction rolls back and its rows stay pending. A fold that fails is
/// retried at the next turn.
pub async fn run(pool: PgPool, every: Duration, mut stop: watch::Receiver<bool>) {
    let mut stopped = std::pin::pin!(async move {
        let _ = stop.wait_for(|stopped| *stopped).await;
    });
    loop {
        tokio::select! {
            () = &mut stopped => return,
            () = tokio::time::sleep(every) => {}
        }
        tokio::select! {
            () = &mut stopped => return,
            folded = fold_all(&pool) => {
                if let Err(e) = folded {
                    crate::counters::FOLD_FAILURES.inc();
                    tracing::warn!(error = %e, "folding the monthly rollups failed; retrying at the next turn");
                }
                report_backlog(&pool).await;
            }
        }
    }
}

/// What is left to fold after a turn, for /metrics (an alert fires when it keeps growing old).
async fn report_backlog(pool: &PgPool) {
    match monthly::backlog(pool).await {
        Ok((rows, oldest)) => {
            crate::counters::FOLD_BACKLOG.set(rows);
            crate::counters::FOLD_OLDEST.set(oldest);
        }
        Err(e) => tracing::warn!(error = %e, "reading the fold backlog failed"),
    }
}
