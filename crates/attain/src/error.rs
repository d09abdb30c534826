//! Errors. Every problem with input data is an [`Invalid`]: it names the file,
//! the row (as a spreadsheet user counts it: the header is row 1, the first
//! pupil row 2), the column, the value found and what was expected, so that an
//! analyst can open the file and fix it without reading code.

use std::fmt;

/// A problem with the data an analyst supplied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The file (or `DataFrame`) the data came from.
    pub file: String,
    /// The row, counted as a spreadsheet does (header = 1), or in a TOML
    /// file (categorisation rules) the line. `None` when the problem is with
    /// the whole file or a whole column.
    pub row: Option<u64>,
    /// The column, when one column is at fault.
    pub column: Option<String>,
    /// The value found, exactly as read.
    pub value: Option<String>,
    /// What was expected instead.
    pub expected: String,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        // A TOML file (categorisation rules) is read by line, a table by row.
        let unit = if self.file.ends_with(".toml") || self.file.ends_with(".toml (shipped)") {
            "line"
        } else {
            "row"
        };
        if let Some(row) = self.row {
            write!(f, ", {unit} {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column `{column}`")?;
        }
        match &self.value {
            Some(value) => write!(f, ": found {value:?}, expected {}", self.expected),
            None => write!(f, ": expected {}", self.expected),
        }
    }
}

/// Everything that can go wrong in Attain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input data is not what Attain needs (see [`Invalid`]).
    #[error("{0}")]
    Invalid(Box<Invalid>),
    /// A file could not be opened, read or written.
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// Polars failed while reading or writing a table.
    #[error("{file}: {message}")]
    Table { file: String, message: String },
    /// The caller asked for something that does not make sense (an unknown
    /// phase, level or format, or conflicting options).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// A data error with every field given.
    pub fn invalid(
        file: impl Into<String>,
        row: Option<u64>,
        column: Option<&str>,
        value: Option<&str>,
        expected: impl Into<String>,
    ) -> Self {
        Error::Invalid(Box::new(Invalid {
            file: file.into(),
            row,
            column: column.map(str::to_owned),
            value: value.map(str::to_owned),
            expected: expected.into(),
        }))
    }

    pub fn table(file: impl Into<String>, error: impl fmt::Display) -> Self {
        Error::Table {
            file: file.into(),
            message: error.to_string(),
        }
    }

    pub fn io(file: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            file: file.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
