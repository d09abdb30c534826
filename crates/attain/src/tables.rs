//! Small tables an analyst supplies beside the pupils (national figures,
//! groupings of schools), from a CSV file or a polars `DataFrame`: the
//! header read (names trimmed, a UTF-8 BOM dropped), columns found by name,
//! and rows handed to one parser whichever the source, so that a cell is
//! accepted or refused, and named in an error, the same way.

use std::io::Read;
use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Result};

/// A CSV header's names: trimmed, and a UTF-8 byte-order mark dropped
/// from the first (Excel writes one). Every CSV reader reads its header here.
pub(crate) fn clean_header<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    names
        .into_iter()
        .enumerate()
        .map(|(i, h)| {
            if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                h
            }
            .trim()
            .to_owned()
        })
        .collect()
}

/// Where a table's rows come from.
enum Rows<R: Read> {
    Csv(csv::Reader<R>),
    /// A `DataFrame`'s rows, each cell as text.
    Frame(std::vec::IntoIter<csv::StringRecord>),
}

/// A small table's header and rows.
pub(crate) struct CsvTable<R: Read> {
    rows: Rows<R>,
    pub header: Vec<String>,
    pub source: String,
}

/// The largest table Attain reads whole (published tables, groupings,
/// reference tables, estimates, rules, Ofsted files, summaries tables), in
/// megabytes: `ATTAIN_MAX_TABLE_MB`, 2048 unless set. A larger file is
/// refused with a clear error rather than risk running out of memory; pupil
/// files are read a chunk at a time and have no such limit.
/// A value that is not a whole number of megabytes is an error, not the
/// default: a limit the user set and Attain ignored would surprise them.
pub fn max_table_bytes() -> Result<u64> {
    match std::env::var("ATTAIN_MAX_TABLE_MB") {
        Err(_) => Ok(2048 << 20),
        Ok(mb) => match mb.trim().parse::<u64>() {
            Ok(mb) if mb > 0 => Ok(mb.saturating_mul(1 << 20)),
            _ => Err(Error::invalid(
                "environment",
                None,
                Some("ATTAIN_MAX_TABLE_MB"),
                Some(&mb),
                "a whole number of megabytes, at least 1 (2048 when unset)",
            )),
        },
    }
}

fn too_large(source: &str, size: u64, limit: u64) -> Error {
    Error::invalid(
        source,
        None,
        None,
        None,
        format!(
            "a table of at most {} MB, which Attain reads whole ({} MB here; set ATTAIN_MAX_TABLE_MB to raise the limit)",
            limit >> 20,
            size.div_ceil(1 << 20)
        ),
    )
}

/// Refuses a file larger than [`max_table_bytes`].
pub(crate) fn check_size(path: &Path, source: &str) -> Result<()> {
    let limit = max_table_bytes()?;
    let size = std::fs::metadata(path)
        .map_err(|e| Error::io(source, e))?
        .len();
    if size > limit {
        return Err(too_large(source, size, limit));
    }
    Ok(())
}

/// Opens a file for [`read`], refusing one over the size limit.
pub(crate) fn open(path: &Path) -> Result<(std::fs::File, String)> {
    let source = path.display().to_string();
    check_size(path, &source)?;
    let file = std::fs::File::open(path).map_err(|e| Error::io(&source, e))?;
    Ok((file, source))
}

/// A small table's text: read whole (up to [`max_table_bytes`]), UTF-8, or
/// else Windows-1252, the encoding GIAS and Ofsted write (a school called
/// "St Mary’s" is not a reason to refuse a file).
pub(crate) fn read_text(mut input: impl Read, source: &str) -> Result<String> {
    let limit = max_table_bytes()?;
    let mut bytes = Vec::new();
    input
        .by_ref()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(source, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(source, bytes.len() as u64, limit));
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => encoding_rs::WINDOWS_1252
            .decode(error.as_bytes())
            .0
            .into_owned(),
    })
}

/// A CSV reader's error as the data error it is, naming the row.
pub(crate) fn csv_error(source: &str, error: csv::Error) -> Error {
    let row = error.position().map(|p| p.record() + 1);
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Error::invalid(
            source,
            row,
            None,
            Some(&format!("{len} cells")),
            format!("{expected_len} cells, as the header has"),
        ),
        csv::ErrorKind::Utf8 { .. } => Error::invalid(source, row, None, None, "text in UTF-8"),
        csv::ErrorKind::Io(_) => Error::table(source, error),
        _ => Error::invalid(source, row, None, None, format!("a CSV file ({error})")),
    }
}

/// Starts reading a CSV table: its header, names trimmed and a BOM dropped.
pub(crate) fn read(input: impl Read, source: &str) -> Result<CsvTable<std::io::Cursor<Vec<u8>>>> {
    let text = read_text(input, source)?;
    if text.trim().is_empty() {
        return Err(Error::invalid(
            source,
            None,
            None,
            None,
            "a header row and at least one row",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(std::io::Cursor::new(text.into_bytes()));
    let header = clean_header(reader.headers().map_err(|e| csv_error(source, e))?);
    Ok(CsvTable {
        rows: Rows::Csv(reader),
        header,
        source: source.to_owned(),
    })
}

/// A `DataFrame` as a small table, its Arrow columns read as text. A float
/// column whose values are all whole numbers reads as whole numbers, as
/// pandas stores a whole-number column with gaps as floats.
pub(crate) fn from_frame(frame: &DataFrame, source: &str) -> Result<CsvTable<std::io::Empty>> {
    let failed = |e: PolarsError| Error::table(source, e);
    let mut columns = Vec::with_capacity(frame.width());
    for column in frame.columns() {
        let mut column = column.as_materialized_series().clone();
        if column.dtype().is_float() {
            let floats = column.cast(&DataType::Float64).map_err(failed)?;
            let whole = floats
                .f64()
                .map_err(failed)?
                .iter()
                .flatten()
                .all(|v| v.fract() == 0.0 && v.abs() < 1e15);
            if whole {
                column = floats.cast(&DataType::Int64).map_err(failed)?;
            }
        }
        columns.push(column.cast(&DataType::String).map_err(failed)?);
    }
    let texts: Vec<&StringChunked> = columns
        .iter()
        .map(|c| c.str())
        .collect::<PolarsResult<_>>()
        .map_err(failed)?;
    let rows: Vec<csv::StringRecord> = (0..frame.height())
        .map(|row| {
            texts
                .iter()
                .map(|column| column.get(row).unwrap_or(""))
                .collect()
        })
        .collect();
    Ok(CsvTable {
        rows: Rows::Frame(rows.into_iter()),
        header: clean_header(frame.get_column_names().into_iter().map(|n| n.as_str())),
        source: source.to_owned(),
    })
}

impl<R: Read> CsvTable<R> {
    /// Where a column is, if the table has it.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Where a required column is; `table` says what kind of table needs it.
    pub fn require(&self, name: &str, table: &str) -> Result<usize> {
        self.find(name).ok_or_else(|| {
            Error::invalid(
                &self.source,
                Some(1),
                Some(name),
                None,
                format!("a column named {name} in {table}"),
            )
        })
    }

    /// The next row and its number as a spreadsheet counts it (the header
    /// is row 1); text that is not UTF-8 is an error when `lossy` is false
    /// and decoded with replacement characters when it is true.
    pub fn next_row(&mut self, lossy: bool) -> Option<Result<csv::StringRecord>> {
        match &mut self.rows {
            Rows::Frame(rows) => rows.next().map(Ok),
            Rows::Csv(reader) => {
                let mut record = csv::ByteRecord::new();
                match reader.read_byte_record(&mut record) {
                    Ok(false) => None,
                    Err(e) => Some(Err(csv_error(&self.source, e))),
                    Ok(true) if lossy => {
                        Some(Ok(csv::StringRecord::from_byte_record_lossy(record)))
                    }
                    Ok(true) => Some(
                        csv::StringRecord::from_byte_record(record)
                            .map_err(|e| Error::table(&self.source, e)),
                    ),
                }
            }
        }
    }
}
