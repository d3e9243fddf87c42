//! Reading a whole CSV file row by row.

use std::io::Read;
use std::iter::FusedIterator;

use chrono_tz::Tz;
use csv::ByteRecord;

use crate::bom::SkipBom;
use crate::error::{ImportError, RowError};
use crate::event::ImportEvent;
use crate::lines::LineTracker;
use crate::mapping::Mapping;
use crate::plan::Plan;

/// Starts reading a CSV file with `mapping`.
///
/// The header is checked up front: every column the mapping uses must be there, and all missing
/// ones are named in one [`ImportError::MissingColumns`]. `time_zone` is the tenant's: a naive
/// date-time is local to it (DST-aware; a repeated hour reads as its first occurrence, a skipped
/// one as the earlier instant it could mean), and a date without a time means 12:00 local on that
/// day, so the event lands on that local day.
///
/// Rows are read as bytes, so a badly encoded row is rejected on its own instead of ending the
/// import. A leading UTF-8 byte order mark is ignored. Rows whose cells are all empty (the
/// trailing `,,,` lines spreadsheets leave) are skipped without a reject.
pub fn read_events<R: Read>(input: R, mapping: &Mapping, time_zone: Tz) -> Result<EventReader<R>, ImportError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        // Rows with the wrong number of fields become row errors rather than ending the import.
        .flexible(true)
        .from_reader(LineTracker::new(SkipBom::new(input)));
    let header = csv
        .byte_headers()
        .map_err(|e| ImportError::Header(e.to_string()))?
        .clone();
    let plan = Plan::new(mapping, &header)?;
    let mut reader = EventReader {
        csv,
        plan,
        time_zone,
        record: ByteRecord::new(),
        bytes_read: 0,
        done: false,
    };
    reader.note_position();
    Ok(reader)
}

/// The rows of a CSV file as events; see [`read_events`].
///
/// Yields one item per data row: the row's events (its main event, then any extra metrics), or
/// a [`RowError`] saying why the row is rejected. If the input itself fails (an I/O error), one
/// last `RowError` says that the rest of the file was not read, and iteration ends.
#[derive(Debug)]
pub struct EventReader<R> {
    csv: csv::Reader<LineTracker<SkipBom<R>>>,
    plan: Plan,
    time_zone: Tz,
    /// Reused for every row to avoid an allocation per row.
    record: ByteRecord,
    bytes_read: u64,
    done: bool,
}

impl<R> EventReader<R> {
    /// Bytes of the input consumed so far, for a progress bar over the file size. It reaches the
    /// file size when iteration ends.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }
}

impl<R: Read> EventReader<R> {
    fn note_position(&mut self) {
        self.bytes_read = self.csv.position().byte() + self.csv.get_ref().get_ref().skipped_len();
    }

    /// The row as a CSV record again, for the rejects file.
    fn raw_row(&self) -> String {
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let written = writer
            .write_byte_record(&self.record)
            .ok()
            .and_then(|()| writer.into_inner().ok());
        let bytes = match written {
            Some(mut bytes) => {
                if bytes.last() == Some(&b'\n') {
                    bytes.pop();
                }
                bytes
            }
            // Writing to memory does not fail; if it ever did, the cells joined still help.
            None => self.record.iter().collect::<Vec<_>>().join(&b','),
        };
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl<R: Read> Iterator for EventReader<R> {
    type Item = Result<Vec<ImportEvent>, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            let read = self.csv.read_byte_record(&mut self.record);
            let start = self.record.position().map_or(0, csv::Position::byte);
            let line = self.csv.get_mut().line_of_record_at(start);
            self.note_position();
            match read {
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Ok(true) if is_blank(&self.record) => continue,
                Ok(true) => {
                    return Some(
                        self.plan
                            .events(&self.record, line, self.time_zone)
                            .map_err(|reason| RowError {
                                line,
                                reason,
                                raw: self.raw_row(),
                            }),
                    );
                }
                Err(e) => {
                    // The csv reader cannot resume after an I/O error, and retrying could loop.
                    self.done = true;
                    return Some(Err(RowError {
                        line,
                        reason: format!("the file could not be read from here on, so the rest was not imported: {e}"),
                        raw: String::new(),
                    }));
                }
            }
        }
    }
}

impl<R: Read> FusedIterator for EventReader<R> {}

fn is_blank(record: &ByteRecord) -> bool {
    record.iter().all(|cell| cell.iter().all(u8::is_ascii_whitespace))
}
