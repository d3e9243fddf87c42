//! Reading single cells: text that must be clean UTF-8, and whole numbers written the way CRM
//! exports and spreadsheets write them.

use csv::ByteRecord;

/// A mapped column found in the header.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) name: String,
    pub(crate) index: usize,
}

impl Column {
    /// The cell's text with surrounding whitespace removed.
    ///
    /// Rows are read as bytes so that one badly encoded cell rejects its row instead of the
    /// whole file; this is where such a cell is caught, but only if the mapping uses it.
    pub(crate) fn text<'r>(&self, record: &'r ByteRecord) -> Result<&'r str, String> {
        let bytes = record.get(self.index).unwrap_or_default();
        if bytes.contains(&0) {
            return Err(format!("column {} contains a NUL byte", self.name));
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.trim()),
            Err(_) => Err(format!(
                "column {} is not valid UTF-8 (export or save the file as UTF-8)",
                self.name
            )),
        }
    }

    /// Like [`Column::text`], but an empty cell is an error saying what the column is for.
    pub(crate) fn required_text<'r>(&self, record: &'r ByteRecord, purpose: &str) -> Result<&'r str, String> {
        let text = self.text(record)?;
        if text.is_empty() {
            return Err(format!("column {} is empty; it must hold {purpose}", self.name));
        }
        Ok(text)
    }

    /// The cell as a whole number ≥ 0, or `None` when the cell is empty.
    pub(crate) fn whole_number(&self, record: &ByteRecord) -> Result<Option<i64>, String> {
        let text = self.text(record)?;
        if text.is_empty() {
            return Ok(None);
        }
        parse_whole_number(text).map(Some).map_err(|e| {
            let value = quoted(text);
            match e {
                NumberError::NotWhole => format!("column {}: {value} is not a whole number", self.name),
                NumberError::Negative => format!("column {}: {value} is negative; values must be 0 or more", self.name),
                NumberError::TooLarge => format!("column {}: {value} is too large", self.name),
            }
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberError {
    NotWhole,
    Negative,
    TooLarge,
}

/// Parses `42`, ` 1,234 `, `12.0` or `+7`.
///
/// Thousands separators must group exactly three digits: `1,23` may be a decimal comma in
/// another locale, and guessing would silently change the number. A decimal point is only
/// accepted when nothing but zeros follows it, for the same reason.
pub(crate) fn parse_whole_number(text: &str) -> Result<i64, NumberError> {
    let text = text.trim();
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (integer, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if integer.is_empty() || !fraction.bytes().all(|b| b == b'0') {
        return Err(NumberError::NotWhole);
    }
    let mut groups = integer.split(',');
    let first = groups.next().unwrap_or_default();
    let grouped = integer.contains(',');
    if first.is_empty() || !all_digits(first) || (grouped && first.len() > 3) {
        return Err(NumberError::NotWhole);
    }
    if groups.any(|g| g.len() != 3 || !all_digits(g)) {
        return Err(NumberError::NotWhole);
    }
    let digits = integer.replace(',', "");
    if negative && digits.bytes().any(|b| b != b'0') {
        return Err(NumberError::Negative);
    }
    // Only ASCII digits remain, so the one way to fail is overflow.
    digits.parse::<i64>().map_err(|_| NumberError::TooLarge)
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// A cell value quoted for an error message: escaped so control characters in a hostile file
/// cannot drive the terminal the message is printed on, and cut short so one huge cell does
/// not flood the summary.
pub(crate) fn quoted(text: &str) -> String {
    const MAX_CHARS: usize = 60;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_accept_spreadsheet_spellings() {
        for (text, expected) in [
            ("0", 0),
            ("42", 42),
            (" 42 ", 42),
            ("+7", 7),
            ("1,234", 1234),
            ("12,345,678", 12_345_678),
            ("12.0", 12),
            ("12.", 12),
            ("1,234.00", 1234),
            ("-0", 0),
            ("9223372036854775807", i64::MAX),
        ] {
            assert_eq!(parse_whole_number(text), Ok(expected), "{text:?}");
        }
    }

    #[test]
    fn whole_numbers_reject_what_could_be_misread() {
        for text in [
            "", "abc", "12.5", "1,23", "1234,567", ",123", "1,,234", "1.0.0", ".5", "$12", "1e3", "+-5", "١٢",
        ] {
            assert_eq!(parse_whole_number(text), Err(NumberError::NotWhole), "{text:?}");
        }
    }

    #[test]
    fn negative_and_overflowing_numbers_are_named_as_such() {
        assert_eq!(parse_whole_number("-5"), Err(NumberError::Negative));
        assert_eq!(parse_whole_number("-1,000"), Err(NumberError::Negative));
        assert_eq!(parse_whole_number("9223372036854775808"), Err(NumberError::TooLarge));
    }

    #[test]
    fn quoted_escapes_control_characters_and_truncates() {
        assert_eq!(quoted("Task"), "\"Task\"");
        assert_eq!(quoted("\u{1b}[31mred"), "\"\\u{1b}[31mred\"");
        let long = "é".repeat(100);
        assert_eq!(quoted(&long), format!("{:?}…", "é".repeat(60)));
    }
}
