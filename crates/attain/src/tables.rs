//! Small CSV tables an analyst supplies beside the pupils (national
//! figures, groupings of schools): opened, their header read with a UTF-8
//! BOM dropped, and their columns found by name.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// A CSV table's reader and its header.
pub(crate) struct CsvTable<R: Read> {
    pub reader: csv::Reader<R>,
    pub header: Vec<String>,
    pub source: String,
}

/// Opens a file for [`read`].
pub(crate) fn open(path: &Path) -> Result<(std::fs::File, String)> {
    let source = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| Error::io(&source, e))?;
    Ok((file, source))
}

/// Starts reading a CSV table: its header, names trimmed and a BOM dropped.
pub(crate) fn read<R: Read>(input: R, source: &str) -> Result<CsvTable<R>> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let header = reader
        .headers()
        .map_err(|e| Error::table(source, e))?
        .iter()
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
        .collect();
    Ok(CsvTable {
        reader,
        header,
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
}
