//! What can go wrong: a whole import ([`ImportError`]) or one row of it ([`RowError`]).

use std::fmt;

/// A problem that stops an import before any row is read: the file's header or the mapping.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The header row could not be read (empty file, unreadable input).
    #[error("cannot read the CSV header: {0}")]
    Header(String),
    /// Columns the mapping uses are not in the header. All of them are named at once so the
    /// file or mapping can be fixed in one go.
    #[error("{}", missing_columns_message(.missing, .found))]
    MissingColumns {
        /// Columns the mapping needs that the header lacks, in mapping order.
        missing: Vec<String>,
        /// The columns the header does have, to spot a misspelling.
        found: Vec<String>,
    },
    /// Columns the mapping uses appear more than once in the header, so which cell to read is
    /// ambiguous.
    #[error("the CSV header has these columns more than once, so it is unclear which to read: {}", quoted_list(.0))]
    DuplicateColumns(Vec<String>),
    /// The mapping file is not valid JSON or does not have the mapping's shape.
    #[error("the mapping JSON is invalid: {0}")]
    MappingJson(String),
    /// The mapping parsed but cannot work as written; the message names every problem.
    #[error("the mapping is invalid: {0}")]
    InvalidMapping(String),
}

fn missing_columns_message(missing: &[String], found: &[String]) -> String {
    let noun = if missing.len() == 1 { "column" } else { "columns" };
    format!(
        "the CSV file is missing {noun} {} (its header has {})",
        quoted_list(missing),
        quoted_list(found)
    )
}

fn quoted_list(names: &[String]) -> String {
    if names.is_empty() {
        return "no columns".to_owned();
    }
    names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")
}

/// Why one data row was rejected; the import goes on with the next row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line in the file where the row starts (the header is line 1).
    pub line: u64,
    /// What is wrong, naming the column, in words a sales-ops engineer can act on.
    pub reason: String,
    /// The row re-encoded as one CSV record (quoted where needed, lossy UTF-8), so a rejects
    /// file with the original header can be fixed and imported again.
    pub raw: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for RowError {}
