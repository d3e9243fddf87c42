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

        /// Stored as its name in a TEXT column; a name this build does not know fails to decode
        /// (a row a newer release wrote), rather than passing on as an unchecked string.
        #[cfg(feature = "sqlx")]
        impl sqlx::Type<sqlx::Postgres> for $name {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <str as sqlx::Type<sqlx::Postgres>>::type_info()
            }
            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
            fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<'r, sqlx::Postgres>>::decode(value)?;
                Self::parse(text).ok_or_else(|| format!("{text:?} is not a known {}", stringify!($name)).into())
            }
        }

        #[cfg(feature = "sqlx")]
        impl sqlx::Encode<'_, sqlx::Postgres> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut sqlx::postgres::PgArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'_, sqlx::Postgres>>::encode_by_ref(&self.as_str(), buf)
            }
        }

        /// A column of these names is a TEXT[].
        #[cfg(feature = "sqlx")]
        impl sqlx::postgres::PgHasArrayType for $name {
            fn array_type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::postgres::PgHasArrayType>::array_type_info()
            }
            fn array_compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::postgres::PgHasArrayType>::array_compatible(ty)
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
pub mod board;
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
