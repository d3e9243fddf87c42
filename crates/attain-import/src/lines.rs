//! Line numbers for CSV records, counted from the bytes themselves.
//!
//! The csv crate's record positions start where the previous record stopped, which is before any
//! skipped blank lines, and for CRLF files before the `\n` of the previous line end; its line
//! count also ignores lone `\r` line ends. So a record's position can be one or more lines early.
//! This reader watches the bytes on their way to the csv parser and answers "which line holds the
//! first byte of the record that starts here?".

use std::collections::VecDeque;
use std::io::{self, Read};

/// A reader that remembers where line breaks are, for [`LineTracker::line_of_record_at`].
#[derive(Debug)]
pub(crate) struct LineTracker<R> {
    inner: R,
    /// Bytes passed through so far.
    offset: u64,
    /// Runs of `\r`/`\n` bytes not yet behind the last record asked about.
    runs: VecDeque<Run>,
    /// Line breaks in runs already dropped from `runs`.
    breaks_before: u64,
}

/// Consecutive line-break bytes: blank lines, or the end of one line.
#[derive(Debug)]
struct Run {
    start: u64,
    bytes: Vec<u8>,
}

impl Run {
    fn end(&self) -> u64 {
        self.start + self.bytes.len() as u64
    }

    /// `\r\n`, `\n` and a lone `\r` each end a line.
    fn breaks(&self) -> u64 {
        let lone_cr =
            self.bytes.windows(2).filter(|w| w == b"\r\r").count() + usize::from(self.bytes.last() == Some(&b'\r'));
        let lf = self.bytes.iter().filter(|&&b| b == b'\n').count();
        (lf + lone_cr) as u64
    }
}

impl<R> LineTracker<R> {
    pub(crate) fn new(inner: R) -> LineTracker<R> {
        LineTracker {
            inner,
            offset: 0,
            runs: VecDeque::new(),
            breaks_before: 0,
        }
    }

    pub(crate) fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The 1-based line of the first byte after `offset` that is not a line break, where
    /// `offset` is where the csv parser started reading a record.
    ///
    /// Offsets must not go backwards between calls: runs behind the answer are forgotten, so
    /// memory stays bounded by the parser's read-ahead plus one record.
    pub(crate) fn line_of_record_at(&mut self, offset: u64) -> u64 {
        let content = self
            .runs
            .iter()
            .find(|r| r.start <= offset && offset < r.end())
            .map_or(offset, Run::end);
        while let Some(run) = self.runs.front() {
            if run.end() > content {
                break;
            }
            self.breaks_before += run.breaks();
            self.runs.pop_front();
        }
        1 + self.breaks_before
    }

    fn observe(&mut self, bytes: &[u8]) {
        for (i, &byte) in bytes.iter().enumerate() {
            if byte != b'\r' && byte != b'\n' {
                continue;
            }
            let at = self.offset + i as u64;
            match self.runs.back_mut() {
                Some(run) if run.end() == at => run.bytes.push(byte),
                _ => self.runs.push_back(Run {
                    start: at,
                    bytes: vec![byte],
                }),
            }
        }
        self.offset += bytes.len() as u64;
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        // A misbehaving reader could claim more than the buffer; never index past it.
        let n = n.min(buf.len());
        self.observe(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Line of each record as csv parses `input`.
    fn record_lines(input: &[u8]) -> Vec<u64> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(LineTracker::new(input));
        let mut record = csv::ByteRecord::new();
        let mut lines = Vec::new();
        while let Ok(true) = csv.read_byte_record(&mut record) {
            let start = record.position().map_or(0, csv::Position::byte);
            lines.push(csv.get_mut().line_of_record_at(start));
        }
        lines
    }

    #[test]
    fn lf_crlf_and_lone_cr_files_count_alike() {
        assert_eq!(record_lines(b"h\na\nb\n"), [1, 2, 3]);
        assert_eq!(record_lines(b"h\r\na\r\nb\r\n"), [1, 2, 3]);
        assert_eq!(record_lines(b"h\ra\rb"), [1, 2, 3]);
    }

    #[test]
    fn blank_lines_before_a_record_are_counted() {
        assert_eq!(record_lines(b"\n\nh\na\n\n\nb"), [3, 4, 7]);
        assert_eq!(record_lines(b"h\r\n\r\na\r\n\r\n\r\nb\r\n"), [1, 3, 6]);
        assert_eq!(record_lines(b"h\r\ra\n\r\nb"), [1, 3, 5]);
    }

    #[test]
    fn line_breaks_inside_quoted_cells_are_counted() {
        assert_eq!(record_lines(b"h\n\"x\n\ny\",1\nz\n\"\r\n\"\nw"), [1, 2, 5, 6, 8]);
    }

    #[test]
    fn long_files_keep_memory_bounded() {
        let input = "a,b\n".repeat(20_000);
        let mut csv = csv::Reader::from_reader(LineTracker::new(input.as_bytes()));
        let mut record = csv::ByteRecord::new();
        let mut last = 0;
        while let Ok(true) = csv.read_byte_record(&mut record) {
            let start = record.position().map_or(0, csv::Position::byte);
            last = csv.get_mut().line_of_record_at(start);
            assert!(csv.get_ref().runs.len() < 5_000);
        }
        assert_eq!(last, 20_000);
    }
}
