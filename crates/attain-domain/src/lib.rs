//! Attain's domain logic, pure Rust with no I/O: what a sales org's calendar means, what makes
//! an org directory entry valid. Services translate protobuf into these types, call into them,
//! and store the results.

pub mod calendar;
pub mod org;
pub mod violation;

pub use violation::{Violation, Violations};
