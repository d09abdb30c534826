//! Presenting a table: CSV, JSON or Parquet, to a file or a stream.

use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
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
    /// Apache Parquet (zstd-compressed).
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
    let failed = |e: PolarsError| Error::table(name, e);
    match format {
        Format::Csv => CsvWriter::new(writer)
            .include_header(true)
            .finish(frame)
            .map_err(failed),
        Format::Json => JsonWriter::new(writer)
            .with_json_format(JsonFormat::Json)
            .finish(frame)
            .map_err(failed),
        Format::Parquet => ParquetWriter::new(writer)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(frame)
            .map(|_| ())
            .map_err(failed),
    }
}

/// Writes a table to a file.
pub fn write_file(frame: &mut DataFrame, format: Format, path: &Path) -> Result<()> {
    let name = path.display().to_string();
    let file = File::create(path).map_err(|e| Error::io(&name, e))?;
    let mut writer = BufWriter::new(file);
    write(frame, format, &mut writer, &name)?;
    writer.flush().map_err(|e| Error::io(&name, e))
}
