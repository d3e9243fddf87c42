//! Tools for developing Attain rather than running it: `attain demo seed`, a believable demo
//! org built through the public APIs, and `attain bench`, benchmarks that start their own
//! PostgreSQL and the real services and print figures next to baselines measured in the same
//! run. Kept out of `attain-server` so that what runs in production does not carry them, and
//! out of the binary so that the CLI stays parsing and dispatch.
//!
//! The benchmarks' baselines read the services' schemas directly, as the database owner: that
//! SQL is in named files under `sql/` (loaded by the `sql` module), not in the Rust.

pub mod bench;
pub mod demo;
mod sql;
mod synthetic;
