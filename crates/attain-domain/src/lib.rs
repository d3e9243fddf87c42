//! Attain's domain logic, pure Rust with no I/O: what a sales org's calendar means, what makes
//! an org directory entry valid. Services translate protobuf into these types, call into them,
//! and store the results.

/// Declares an enum whose variants have stable lower-case names for storage and the CLI.
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name stored in the database and shown by the CLI.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl $crate::TextEnum for $name {
            fn parse_text(text: &str) -> Option<Self> {
                Self::parse(text)
            }
            fn text(self) -> &'static str {
                self.as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// An enum with stable lower-case names (see [`text_enum!`]), for code generic over such enums.
pub trait TextEnum: Copy + 'static {
    fn parse_text(text: &str) -> Option<Self>;
    fn text(self) -> &'static str;
}

pub mod analysis;
pub mod calendar;
pub mod coaching;
pub mod contest;
pub mod focus;
pub mod funnel;
pub mod hiring;
pub mod incentive;
pub mod metric;
pub mod milestone;
pub mod money;
pub mod org;
pub mod org_view;
pub mod period;
pub mod ranking;
pub mod scorecard;
pub mod survey;
pub mod violation;
pub mod webhook;

pub use violation::{Violation, Violations};
