//! Presenting a table: CSV, JSON or Parquet, to a file or a stream.

use std::fmt;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::str::FromStr;

use polars::prelude::*;

use crate::error::{Error, Result};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Comma-separated, a header row, empty cells for missing values.
    #[default]
    Csv,
    /// A JSON array of row objects, `null` for missing values.
    Json,
    /// Apache Parquet (LZ4-compressed).
    Parquet,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Parquet => "parquet",
        }
    }

    /// The format a file name implies, if any.
    pub fn from_extension(path: &Path) -> Option<Format> {
        path.extension()?.to_str()?.parse().ok()
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = Error;
    fn from_str(text: &str) -> Result<Format> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "parquet" | "pq" => Ok(Format::Parquet),
            _ => Err(Error::Usage(format!(
                "unknown format {text:?}: expected csv, json or parquet"
            ))),
        }
    }
}

/// Writes a table to any writer.
pub fn write(frame: &mut DataFrame, format: Format, writer: impl Write, name: &str) -> Result<()> {
    let mut table = TableWriter::new(format, writer, name);
    table.write(frame)?;
    table.finish(&mut DataFrame::empty())
}

/// Writes a table to a file.
pub fn write_file(frame: &mut DataFrame, format: Format, path: &Path) -> Result<()> {
    let name = path.display().to_string();
    write(frame, format, create(path)?, &name)
}

/// Creates a file to write a table into, buffered. Parquet's writer sends
/// every page header and statistic as its own small write: unbuffered, a
/// national gap table took 11% of its run in `write` system calls. The
/// buffer cannot hide a failed last write: Parquet's footer ends with a
/// flush whose error is returned, and [`TableWriter::finish`] flushes CSV
/// and JSON.
pub fn create(path: &Path) -> Result<std::io::BufWriter<File>> {
    File::create(path)
        .map(|file| std::io::BufWriter::with_capacity(1 << 20, file))
        .map_err(|e| Error::io(path.display().to_string(), e))
}

/// Writes a table in parts (a year at a time, say), so that a large table
/// never has to be held whole: the parts must share one schema.
pub struct TableWriter<W: Write> {
    format: Format,
    name: String,
    state: WriterState<W>,
}

enum WriterState<W: Write> {
    /// Nothing written yet.
    Start(W),
    Csv(W),
    Json(W),
    Parquet(polars::io::parquet::write::BatchedWriter<W>),
    Done,
}

impl<W: Write> TableWriter<W> {
    pub fn new(format: Format, writer: W, name: &str) -> TableWriter<W> {
        TableWriter {
            format,
            name: name.to_owned(),
            state: WriterState::Start(writer),
        }
    }

    /// Appends a part.
    pub fn write(&mut self, frame: &mut DataFrame) -> Result<()> {
        let name = self.name.clone();
        let failed = |e: PolarsError| Error::table(&name, e);
        let io = |e: std::io::Error| Error::io(&name, e);
        self.state = match std::mem::replace(&mut self.state, WriterState::Done) {
            WriterState::Start(mut writer) => match self.format {
                Format::Csv => {
                    CsvWriter::new(&mut writer)
                        .include_header(true)
                        .finish(frame)
                        .map_err(failed)?;
                    WriterState::Csv(writer)
                }
                Format::Json => {
                    writer.write_all(b"[").map_err(io)?;
                    write_json_rows(frame, &mut writer, &name)?;
                    WriterState::Json(writer)
                }
                Format::Parquet => {
                    // LZ4 without min/max statistics: measured on a national
                    // KS2 gap table (522,088 rows), 94 ms and 11.2 MB against
                    // zstd with statistics' 169 ms and 8.1 MB. Every Parquet
                    // reader (pyarrow, polars, DuckDB, Spark) reads LZ4_RAW.
                    let mut batched = ParquetWriter::new(writer)
                        .with_compression(ParquetCompression::Lz4Raw)
                        .with_statistics(StatisticsOptions {
                            null_count: true,
                            ..StatisticsOptions::empty()
                        })
                        .batched(frame.schema())
                        .map_err(failed)?;
                    batched.write_batch(frame).map_err(failed)?;
                    WriterState::Parquet(batched)
                }
            },
            WriterState::Csv(mut writer) => {
                CsvWriter::new(&mut writer)
                    .include_header(false)
                    .finish(frame)
                    .map_err(failed)?;
                WriterState::Csv(writer)
            }
            WriterState::Json(mut writer) => {
                if frame.height() > 0 {
                    writer.write_all(b",").map_err(io)?;
                }
                write_json_rows(frame, &mut writer, &name)?;
                WriterState::Json(writer)
            }
            WriterState::Parquet(mut batched) => {
                batched.write_batch(frame).map_err(failed)?;
                WriterState::Parquet(batched)
            }
            WriterState::Done => {
                return Err(Error::Usage(format!(
                    "{name}: written after it was finished"
                )))
            }
        };
        Ok(())
    }

    /// Finishes the file (a Parquet footer, a JSON closing bracket) and
    /// flushes it. A table with no parts writes an empty table with
    /// `empty`'s columns.
    pub fn finish(mut self, empty: &mut DataFrame) -> Result<()> {
        if matches!(self.state, WriterState::Start(_)) {
            self.write(empty)?;
        }
        let name = self.name.clone();
        let io = |e: std::io::Error| Error::io(&name, e);
        match std::mem::replace(&mut self.state, WriterState::Done) {
            WriterState::Csv(mut writer) => writer.flush().map_err(io),
            WriterState::Json(mut writer) => {
                writer.write_all(b"]").map_err(io)?;
                writer.flush().map_err(io)
            }
            // polars' batched writer owns the sink; writing the footer
            // ends with a flush, whose error comes back here.
            WriterState::Parquet(batched) => batched
                .finish()
                .map(|_| ())
                .map_err(|e| Error::table(&name, e)),
            WriterState::Start(_) | WriterState::Done => unreachable!("written above"),
        }
    }
}

/// A frame's rows as JSON objects separated by commas, without brackets.
fn write_json_rows(frame: &mut DataFrame, writer: &mut impl Write, name: &str) -> Result<()> {
    if frame.height() == 0 {
        return Ok(());
    }
    let mut rows = Vec::new();
    JsonWriter::new(&mut rows)
        .with_json_format(JsonFormat::Json)
        .finish(frame)
        .map_err(|e| Error::table(name, e))?;
    // polars writes `[{...},{...}]`: the brackets go, the objects stay.
    let inner = rows
        .strip_prefix(b"[")
        .and_then(|r| r.strip_suffix(b"]"))
        .unwrap_or(&rows);
    writer.write_all(inner).map_err(|e| Error::io(name, e))
}
