//! Pupil tables: loading and validating one row per pupil in one phase.
//!
//! A pupil table has the common columns `pupil_id, year, urn, la_code, fsm,
//! disadvantaged, sen, cla` and the outcome columns of its phase (see
//! [`Phase::outcome_columns`]). It can come from a CSV file, a Parquet file or
//! a polars `DataFrame`; each goes through the same cell validators, so a
//! value is accepted or refused the same way whatever its source.
//!
//! * Booleans are `true/false`, `1/0` or `Y/N` in any case, surrounding
//!   spaces ignored; anything else, an empty cell included, is an error.
//! * `sen` is `N`, `K` or `E`; teacher-assessment codes are exact upper case.
//! * A whole-number column holds whole numbers: `104.0` is refused in a CSV,
//!   and a Parquet file must type it as an integer column. (A `DataFrame` from
//!   pandas may carry a whole-number column as floats because of missing
//!   values; whole-valued floats are accepted there.)
//! * Extra columns are ignored; columns may come in any order; a UTF-8 BOM,
//!   CRLF line ends and quoted fields load.
//!
//! Every error names the file, the row as a spreadsheet counts it (the header
//! is row 1, the first pupil row 2, for a `DataFrame` too), the column, the
//! value and what was expected. No row is dropped.

mod cells;
mod from_csv;
mod from_parquet;
mod ids;
mod parquet_pages;

use std::fs::File;
use std::io::Read;
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::groups::{Profile, Sen};
use crate::phase::{ColumnKind, OutcomeColumn, Phase, TaCode};

use cells::{Builder, Cell, Field, Strictness};
use from_csv::read_csv;
pub use from_csv::read_csv_from;
pub use from_parquet::parquet_columns;
pub(crate) use from_parquet::{check_parquet, guarded};
use from_parquet::{from_frame, read_parquet};
use ids::check_unique_ids;
pub use ids::{DuplicateFinder, PupilIds, UniqueIds};

/// The chunk size the CLI and the Python module read pupil files in: small
/// enough that ten years of national pupils stay near one year's memory,
/// large enough that each chunk's work spreads over every core.
pub const CHUNK_ROWS: usize = 1 << 18;

/// The common columns every pupil table has, in output order.
pub const COMMON_COLUMNS: [&str; 8] = [
    "pupil_id",
    "year",
    "urn",
    "la_code",
    "fsm",
    "disadvantaged",
    "sen",
    "cla",
];

/// The values of one outcome column. Missing values are `NaN` in a
/// `Number` column and [`TaCode::Missing`] in a `Code` column.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Flag(Vec<bool>),
    Number(Vec<f64>),
    Code(Vec<TaCode>),
}

/// A validated pupil table of one phase.
#[derive(Debug, Clone, PartialEq)]
pub struct PupilTable {
    pub phase: Phase,
    /// Where the table came from, for messages.
    pub source: String,
    /// Data rows of the source before this table's first row (non-zero for
    /// a chunk of a larger file), so that messages name the file's rows.
    pub first_row: u64,
    pub pupil_id: PupilIds,
    pub year: Vec<u16>,
    pub urn: Vec<u32>,
    pub la_code: Vec<u16>,
    pub profile: Vec<Profile>,
    /// The outcome columns present, in the phase's column order.
    pub outcomes: Vec<(&'static OutcomeColumn, Outcome)>,
}

impl PupilTable {
    pub fn len(&self) -> usize {
        self.year.len()
    }

    pub fn is_empty(&self) -> bool {
        self.year.is_empty()
    }

    pub fn outcome(&self, name: &str) -> Option<&Outcome> {
        self.outcomes
            .iter()
            .find(|(column, _)| column.name == name)
            .map(|(_, values)| values)
    }

    /// Loads a CSV or Parquet file (told apart by content, not name).
    pub fn read(path: impl AsRef<Path>, phase: Option<Phase>) -> Result<PupilTable> {
        let path = path.as_ref();
        let source = path.display().to_string();
        let mut magic = [0u8; 4];
        let mut file = File::open(path).map_err(|e| Error::io(&source, e))?;
        let read = file.read(&mut magic).map_err(|e| Error::io(&source, e))?;
        let mut table = None;
        let store = |chunk: PupilTable| {
            table = Some(chunk);
            Ok(())
        };
        if read == 4 && &magic == b"PAR1" {
            read_parquet(path, &source, phase, usize::MAX, store)?;
        } else {
            read_csv(
                file_again(path, &source)?,
                &source,
                phase,
                usize::MAX,
                store,
            )?;
        }
        let table = table.expect("a file with no pupils is refused before this");
        check_unique_ids(&table)?;
        Ok(table)
    }

    /// Validates a polars `DataFrame` with the same rules as a file.
    /// `source` names it in error messages (for example `"DataFrame"`).
    pub fn from_dataframe(
        frame: &DataFrame,
        phase: Option<Phase>,
        source: &str,
    ) -> Result<PupilTable> {
        from_frame(frame, phase, source, Strictness::DataFrame)
    }

    /// The validated table as a polars `DataFrame`: the common columns, then
    /// the phase's outcome columns, typed (whole numbers as `Int32`, missing
    /// values null).
    pub fn to_dataframe(&self) -> Result<DataFrame> {
        let profile = |f: fn(Profile) -> bool| {
            Column::new(
                "".into(),
                self.profile.iter().map(|&p| f(p)).collect::<Vec<_>>(),
            )
        };
        let mut columns = vec![
            Column::new("pupil_id".into(), self.pupil_id.iter().collect::<Vec<_>>()),
            Column::new(
                "year".into(),
                self.year.iter().map(|&y| y as i32).collect::<Vec<_>>(),
            ),
            Column::new(
                "urn".into(),
                self.urn.iter().map(|&u| u as i64).collect::<Vec<_>>(),
            ),
            Column::new(
                "la_code".into(),
                self.la_code.iter().map(|&l| l as i32).collect::<Vec<_>>(),
            ),
            profile(Profile::fsm).with_name("fsm".into()),
            profile(Profile::disadvantaged).with_name("disadvantaged".into()),
            Column::new(
                "sen".into(),
                self.profile
                    .iter()
                    .map(|p| p.sen().code())
                    .collect::<Vec<_>>(),
            ),
            profile(Profile::cla).with_name("cla".into()),
        ];
        for (column, values) in &self.outcomes {
            let name = column.name.into();
            columns.push(match (values, column.kind) {
                (Outcome::Flag(v), _) => Column::new(name, v),
                (Outcome::Number(v), ColumnKind::Whole { .. }) => Column::new(
                    name,
                    v.iter()
                        .map(|x| (!x.is_nan()).then_some(*x as i32))
                        .collect::<Vec<_>>(),
                ),
                (Outcome::Number(v), _) => Column::new(
                    name,
                    v.iter()
                        .map(|x| (!x.is_nan()).then_some(*x))
                        .collect::<Vec<_>>(),
                ),
                (Outcome::Code(v), _) => Column::new(
                    name,
                    v.iter()
                        .map(|c| (*c != TaCode::Missing).then_some(c.code()))
                        .collect::<Vec<_>>(),
                ),
            });
        }
        DataFrame::new_infer_height(columns).map_err(|e| Error::table(&self.source, e))
    }
}

fn file_again(path: &Path, source: &str) -> Result<File> {
    File::open(path).map_err(|e| Error::io(source, e))
}

/// Reads pupil files of one phase a chunk at a time, handing each chunk to
/// `each`, and checks pupil identifiers for duplicates across every file and
/// chunk (a second look at the files only when a fingerprint repeats).
/// Returns the phase.
pub fn read_files(
    paths: &[impl AsRef<Path>],
    phase: Option<Phase>,
    chunk_rows: usize,
    mut each: impl FnMut(PupilTable) -> Result<()>,
) -> Result<Phase> {
    let mut phase = phase;
    let mut ids = UniqueIds::default();
    for path in paths {
        let found = read_chunks(path, phase, chunk_rows, |chunk| {
            ids.add(&chunk);
            each(chunk)
        })?;
        phase = Some(found);
    }
    let phase = phase.ok_or_else(|| Error::Usage("no pupil files given".into()))?;
    let mut finder = ids.repeated();
    if !finder.is_clear() {
        for path in paths {
            read_chunks(path, Some(phase), chunk_rows, |chunk| finder.scan(&chunk))?;
        }
    }
    Ok(phase)
}

/// Reads a pupil file (CSV or Parquet) in chunks of at most `chunk_rows`
/// pupils, validating each and handing it to `each`, so that a file larger
/// than memory can be summarised. Pupil identifiers are not checked for
/// duplicates here: feed every chunk to a [`UniqueIds`]. Returns the phase.
pub fn read_chunks(
    path: impl AsRef<Path>,
    phase: Option<Phase>,
    chunk_rows: usize,
    each: impl FnMut(PupilTable) -> Result<()>,
) -> Result<Phase> {
    let path = path.as_ref();
    let source = path.display().to_string();
    let mut magic = [0u8; 4];
    let read = file_again(path, &source)?
        .read(&mut magic)
        .map_err(|e| Error::io(&source, e))?;
    if read == 4 && &magic == b"PAR1" {
        read_parquet(path, &source, phase, chunk_rows, each)
    } else {
        read_csv(file_again(path, &source)?, &source, phase, chunk_rows, each)
    }
}

fn no_pupils(source: &str) -> Error {
    Error::invalid(
        source,
        None,
        None,
        None,
        "a header row and at least one pupil row",
    )
}

/// Resolves the phase and the outcome columns to read from a header.
fn plan(
    source: &str,
    header: &[&str],
    phase: Option<Phase>,
) -> Result<(Phase, Vec<&'static OutcomeColumn>)> {
    let phase = match phase {
        Some(phase) => phase,
        // Only one phase has any of its outcome columns: that phase, so that
        // the check below names the column it lacks.
        None => Phase::detect(header.iter().copied()).or_else(|| {
            let mut partial = Phase::ALL.into_iter().filter(|phase| {
                phase.outcome_columns().iter().any(|c| c.required && header.contains(&c.name))
            });
            match (partial.next(), partial.next()) {
                (Some(phase), None) => Some(phase),
                _ => None,
            }
        }).ok_or_else(|| {
            // The header as found, so that a misnamed or misplaced column
            // shows in the message.
            let mut found = header.join(",");
            if found.chars().count() > 200 {
                found = found.chars().take(200).collect::<String>() + "…";
            }
            let lower: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
            let case_hint = if Phase::detect(lower.iter().map(String::as_str)).is_some() {
                "; column names are lower case"
            } else {
                ""
            };
            Error::invalid(
                source,
                Some(1),
                None,
                Some(&found),
                format!("the outcome columns of exactly one phase (gld for eyfs, phonics_mark for phonics, ks1_read/ks1_writ/ks1_mat for ks1, ks2_read/ks2_mat/ks2_writ for ks2, att8/eng_grade/mat_grade for ks4), or a phase given explicitly{case_hint}"),
            )
        })?,
    };
    for name in COMMON_COLUMNS.iter().copied().chain(
        phase
            .outcome_columns()
            .iter()
            .filter(|c| c.required)
            .map(|c| c.name),
    ) {
        match header.iter().filter(|&&h| h == name).count() {
            1 => {}
            0 => {
                // A column named in another case is named back, not taken:
                // a header is matched exactly.
                let near = header
                    .iter()
                    .find(|h| h.eq_ignore_ascii_case(name) || h.trim().eq_ignore_ascii_case(name));
                return Err(Error::invalid(
                    source,
                    Some(1),
                    Some(name),
                    near.copied(),
                    match near {
                        Some(_) => format!("a column named {name} (a {phase} pupil table needs it; column names are lower case)"),
                        None => format!("a column named {name} (a {phase} pupil table needs it)"),
                    },
                ));
            }
            _ => {
                return Err(Error::invalid(
                    source,
                    Some(1),
                    Some(name),
                    None,
                    format!("one column named {name}, not several"),
                ))
            }
        }
    }
    let columns = phase
        .outcome_columns()
        .iter()
        .filter(|c| header.contains(&c.name))
        .collect();
    Ok((phase, columns))
}
