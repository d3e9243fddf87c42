//! Assembles and runs the Attain services. `attain serve <service>` and `attain dev` are thin
//! commands over this crate: a service starts from one [`Settings`] value, decided once from
//! configuration and validated before anything binds, so a bad setting fails the start and
//! names itself (`docs/architecture.md`, "Configuration"). The dev tools (`attain-devtools`)
//! build on it too: its migrations and client channel, and `attain serve` run as processes.
//!
//! The clap `Args` structs live here rather than in the binary because they *are* the
//! configuration: their flags and `ATTAIN_*` variables are what [`Settings`] is built from.

pub mod api;
pub mod dev;
pub mod dev_idp;
mod migrate;
mod serve;
mod service;
mod settings;

pub use migrate::migrate_all;
pub use serve::serve;
pub use service::{BUILT, Service};
pub use settings::{ServeArgs, Settings};
