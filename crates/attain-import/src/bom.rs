//! Skipping the UTF-8 byte order mark Excel and some CRMs put at the start of a CSV file.
//!
//! The csv crate keeps it, so the first header would read `"\u{feff}Activity ID"` and never
//! match, or, when that header is quoted, the quotes would become part of its name.

use std::io::{self, Read};

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// A reader that drops a leading UTF-8 byte order mark and passes everything else through.
#[derive(Debug)]
pub(crate) struct SkipBom<R> {
    inner: R,
    /// Bytes read while looking for the mark that turned out to be data.
    held: [u8; 3],
    held_start: usize,
    held_end: usize,
    checked: bool,
    skipped: bool,
}

impl<R> SkipBom<R> {
    pub(crate) fn new(inner: R) -> SkipBom<R> {
        SkipBom {
            inner,
            held: [0; 3],
            held_start: 0,
            held_end: 0,
            checked: false,
            skipped: false,
        }
    }

    /// How many bytes were dropped: 3 when there was a mark, else 0.
    pub(crate) fn skipped_len(&self) -> u64 {
        if self.skipped { BOM.len() as u64 } else { 0 }
    }
}

impl<R: Read> SkipBom<R> {
    fn check(&mut self) -> io::Result<()> {
        // A reader may hand out the mark a byte at a time, so read until three bytes or the end.
        while self.held_end < BOM.len() {
            match self.inner.read(&mut self.held[self.held_end..]) {
                Ok(0) => break,
                Ok(n) => self.held_end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.checked = true;
        if self.held[..self.held_end] == BOM {
            self.skipped = true;
            self.held_end = 0;
        }
        Ok(())
    }
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.checked {
            self.check()?;
        }
        if self.held_start < self.held_end {
            let held = &self.held[self.held_start..self.held_end];
            let n = held.len().min(buf.len());
            buf[..n].copy_from_slice(&held[..n]);
            self.held_start += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> (Vec<u8>, u64) {
        let mut reader = SkipBom::new(input);
        let mut out = Vec::new();
        reader.read_to_end(&mut out).expect("reading a slice cannot fail");
        (out, reader.skipped_len())
    }

    #[test]
    fn a_leading_mark_is_dropped_and_counted() {
        assert_eq!(read_all(b"\xEF\xBB\xBFa,b\n"), (b"a,b\n".to_vec(), 3));
    }

    #[test]
    fn input_without_a_mark_passes_through() {
        for input in [
            &b""[..],
            b"a",
            b"ab",
            b"\xEF\xBB",
            b"\xEF\xBBx",
            b"abc,def\n\xEF\xBB\xBF",
        ] {
            assert_eq!(read_all(input), (input.to_vec(), 0));
        }
    }
}
