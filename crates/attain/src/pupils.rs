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

use std::fs::File;
use std::io::Read;
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::groups::{Profile, Sen};
use crate::measures::{Condition, Measure, Rule};
use crate::phase::{ColumnKind, OutcomeColumn, Phase, TaCode};

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

/// Pupil identifiers, stored back to back in one buffer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PupilIds {
    text: String,
    ends: Vec<usize>,
}

impl PupilIds {
    pub fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len());
    }
    pub fn get(&self, row: usize) -> &str {
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        &self.text[start..self.ends[row]]
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|row| self.get(row))
    }
}

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

    /// Each pupil's value for a measure: 1 or 0 for a rate, the value or
    /// `NaN` (no value) for a mean.
    pub fn measure_values(&self, measure: &Measure) -> Vec<f64> {
        assert_eq!(
            measure.phase, self.phase,
            "{} is not a {} measure",
            measure.name, self.phase
        );
        let column = |name: &str| {
            self.outcome(name)
                .unwrap_or_else(|| panic!("{name} is a required column of {}", self.phase))
        };
        match measure.rule {
            Rule::MeanOf(name) => match column(name) {
                Outcome::Number(values) => values.clone(),
                other => panic!("{name} is not numeric: {other:?}"),
            },
            Rule::AllOf(conditions) => {
                let mut met = vec![true; self.len()];
                for condition in conditions {
                    match (condition, column(condition.column())) {
                        (Condition::IsTrue(_), Outcome::Flag(values)) => {
                            met.iter_mut().zip(values).for_each(|(m, &v)| *m &= v)
                        }
                        (Condition::AtLeast(_, threshold), Outcome::Number(values)) => met
                            .iter_mut()
                            .zip(values)
                            .for_each(|(m, &v)| *m &= v >= *threshold),
                        (Condition::CodeIn(_, codes), Outcome::Code(values)) => met
                            .iter_mut()
                            .zip(values)
                            .for_each(|(m, v)| *m &= codes.contains(v)),
                        (condition, _) => panic!("{condition:?} does not fit its column's type"),
                    }
                }
                met.into_iter().map(|m| if m { 1.0 } else { 0.0 }).collect()
            }
        }
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

/// How strictly typed columns are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strictness {
    /// CSV: every cell is text.
    Csv,
    /// Parquet: a whole-number column must be integer typed.
    Parquet,
    /// An in-memory frame (pandas turns an int column with gaps into floats).
    DataFrame,
}

/// One cell as found in the source, before validation.
#[derive(Debug, Clone, Copy)]
enum Cell<'a> {
    Empty,
    Text(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Cell<'_> {
    fn shown(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => (*text).to_owned(),
            Cell::Int(value) => value.to_string(),
            Cell::Float(value) => format!("{value:?}"),
            Cell::Bool(value) => value.to_string(),
        }
    }
}

/// What a column holds, and so how its cells are validated.
#[derive(Debug, Clone, Copy)]
enum Field {
    PupilId,
    Year,
    Urn,
    LaCode,
    Fsm,
    Disadvantaged,
    Sen,
    Cla,
    Outcome(usize),
}

const EXPECTED_BOOLEAN: &str = "true/false, 1/0 or Y/N";

/// Reasons a cell is refused: the `expected` part of the message.
fn parse_flag(cell: Cell) -> Result<bool, String> {
    match cell {
        Cell::Bool(value) => Ok(value),
        Cell::Int(0) => Ok(false),
        Cell::Int(1) => Ok(true),
        Cell::Text(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "y" => Ok(true),
            "false" | "0" | "n" => Ok(false),
            _ => Err(EXPECTED_BOOLEAN.into()),
        },
        Cell::Float(value) if value == 0.0 || value == 1.0 => Ok(value == 1.0),
        _ => Err(EXPECTED_BOOLEAN.into()),
    }
}

/// A whole number in `min..=max`, or `None` for an empty cell.
fn parse_whole(
    cell: Cell,
    min: i64,
    max: i64,
    strictness: Strictness,
) -> Result<Option<i64>, String> {
    let expected = || format!("a whole number from {min} to {max}");
    let value = match cell {
        Cell::Empty => return Ok(None),
        Cell::Int(value) => value,
        Cell::Text(text) if text.trim().is_empty() => return Ok(None),
        Cell::Text(_) if strictness == Strictness::Parquet => {
            return Err(format!("{} (an integer-typed Parquet column)", expected()))
        }
        Cell::Text(text) => {
            let text = text.trim();
            let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(expected());
            }
            text.parse::<i64>().map_err(|_| expected())?
        }
        Cell::Float(value) if value.is_nan() => return Ok(None),
        Cell::Float(_) if strictness == Strictness::Parquet => {
            return Err(format!("{} (an integer-typed Parquet column)", expected()))
        }
        Cell::Float(value) if value.fract() == 0.0 && value.is_finite() => value as i64,
        _ => return Err(expected()),
    };
    if (min..=max).contains(&value) {
        Ok(Some(value))
    } else {
        Err(expected())
    }
}

/// A number in `min..=max`, or `None` for an empty cell.
fn parse_number(cell: Cell, min: f64, max: f64) -> Result<Option<f64>, String> {
    let expected = || format!("a number from {min} to {max}");
    let value = match cell {
        Cell::Empty => return Ok(None),
        Cell::Int(value) => value as f64,
        Cell::Float(value) if value.is_nan() => return Ok(None),
        Cell::Float(value) => value,
        Cell::Text(text) => {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse::<f64>().map_err(|_| expected())?
        }
        Cell::Bool(_) => return Err(expected()),
    };
    if value.is_finite() && value >= min && value <= max {
        Ok(Some(value))
    } else {
        Err(expected())
    }
}

/// A code cell's text: exact (codes are not trimmed), or empty when the
/// cell is empty or only spaces.
/// A field's own description of what it expects, keeping the reason a typed
/// column was refused.
fn typed(what: &str, reason: &str) -> String {
    match reason.find(" (an integer-typed") {
        Some(at) => format!("{what}{}", &reason[at..]),
        None => what.to_owned(),
    }
}

fn text_of(cell: Cell<'_>) -> Option<&str> {
    match cell {
        Cell::Text(text) if text.trim().is_empty() => Some(""),
        Cell::Text(text) => Some(text),
        Cell::Empty => Some(""),
        _ => None,
    }
}

/// Validated columns as they are built, row by row or column by column.
struct Builder<'s> {
    source: &'s str,
    /// Data rows read before this chunk.
    row_offset: u64,
    phase: Phase,
    strictness: Strictness,
    columns: Vec<&'static OutcomeColumn>,
    pupil_id: PupilIds,
    year: Vec<u16>,
    urn: Vec<u32>,
    la_code: Vec<u16>,
    fsm: Vec<bool>,
    disadvantaged: Vec<bool>,
    sen: Vec<Sen>,
    cla: Vec<bool>,
    outcomes: Vec<Outcome>,
}

impl<'s> Builder<'s> {
    fn new(
        source: &'s str,
        strictness: Strictness,
        phase: Phase,
        columns: Vec<&'static OutcomeColumn>,
        rows: usize,
    ) -> Self {
        let outcomes = columns
            .iter()
            .map(|column| match column.kind {
                ColumnKind::Flag => Outcome::Flag(Vec::with_capacity(rows)),
                ColumnKind::Whole { .. } | ColumnKind::Number { .. } => {
                    Outcome::Number(Vec::with_capacity(rows))
                }
                ColumnKind::TeacherAssessment => Outcome::Code(Vec::with_capacity(rows)),
            })
            .collect();
        Builder {
            source,
            row_offset: 0,
            phase,
            strictness,
            columns,
            pupil_id: PupilIds::default(),
            year: Vec::with_capacity(rows),
            urn: Vec::with_capacity(rows),
            la_code: Vec::with_capacity(rows),
            fsm: Vec::with_capacity(rows),
            disadvantaged: Vec::with_capacity(rows),
            sen: Vec::with_capacity(rows),
            cla: Vec::with_capacity(rows),
            outcomes,
        }
    }

    /// The fields to read, with the column names they are read from.
    fn fields(&self) -> Vec<(Field, &'static str)> {
        let common = [
            Field::PupilId,
            Field::Year,
            Field::Urn,
            Field::LaCode,
            Field::Fsm,
            Field::Disadvantaged,
            Field::Sen,
            Field::Cla,
        ];
        common
            .into_iter()
            .zip(COMMON_COLUMNS)
            .chain(
                self.columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (Field::Outcome(i), c.name)),
            )
            .collect()
    }

    /// Validates one cell (of data row `index`, counted from 0) and keeps it.
    fn accept(&mut self, field: Field, name: &str, index: usize, cell: Cell) -> Result<()> {
        self.accept_cell(field, cell).map_err(|expected| {
            let shown = cell.shown();
            Error::invalid(
                self.source,
                Some(self.row_offset + index as u64 + 2),
                Some(name),
                Some(&shown),
                expected,
            )
        })
    }

    fn accept_cell(&mut self, field: Field, cell: Cell) -> Result<(), String> {
        let strictness = self.strictness;
        let required = |value: Option<i64>, what: &str| value.ok_or_else(|| what.to_owned());
        match field {
            Field::PupilId => match cell {
                Cell::Text(text) if !text.trim().is_empty() => self.pupil_id.push(text.trim()),
                Cell::Int(value) => self.pupil_id.push(&value.to_string()),
                _ => return Err("a non-empty pupil identifier".into()),
            },
            Field::Year => {
                let what = "an academic year as its ending calendar year, a whole number from 1990 to 2100";
                let year =
                    parse_whole(cell, 1990, 2100, strictness).map_err(|e| typed(what, &e))?;
                self.year.push(required(year, what)? as u16);
            }
            Field::Urn => {
                let what = "a school URN, a whole number from 1 to 99999999";
                let urn =
                    parse_whole(cell, 1, 99_999_999, strictness).map_err(|e| typed(what, &e))?;
                self.urn.push(required(urn, what)? as u32);
            }
            Field::LaCode => {
                let what = "a three-digit DfE LA code, a whole number from 100 to 999";
                let la = parse_whole(cell, 100, 999, strictness).map_err(|e| typed(what, &e))?;
                self.la_code.push(required(la, what)? as u16);
            }
            Field::Fsm => self.fsm.push(parse_flag(cell)?),
            Field::Disadvantaged => self.disadvantaged.push(parse_flag(cell)?),
            Field::Cla => self.cla.push(parse_flag(cell)?),
            Field::Sen => {
                let sen = text_of(cell).and_then(Sen::parse);
                self.sen.push(
                    sen.ok_or("a SEN provision code N (none), K (SEN support) or E (EHC plan)")?,
                );
            }
            Field::Outcome(i) => {
                let column = self.columns[i];
                match (&mut self.outcomes[i], column.kind) {
                    (Outcome::Flag(values), ColumnKind::Flag) => values.push(parse_flag(cell)?),
                    (Outcome::Number(values), ColumnKind::Whole { min, max }) => values.push(
                        parse_whole(cell, min, max, strictness)?.map_or(f64::NAN, |v| v as f64),
                    ),
                    (Outcome::Number(values), ColumnKind::Number { min, max }) => {
                        values.push(parse_number(cell, min, max)?.unwrap_or(f64::NAN))
                    }
                    (Outcome::Code(values), ColumnKind::TeacherAssessment) => values.push(
                        text_of(cell)
                            .and_then(TaCode::parse)
                            .ok_or(TaCode::EXPECTED)?,
                    ),
                    _ => unreachable!("outcome storage follows the column kind"),
                }
            }
        }
        Ok(())
    }

    fn len(&self) -> usize {
        self.year.len()
    }

    fn reserve(&mut self, field: Field, rows: usize) {
        match field {
            Field::PupilId => self.pupil_id.ends.reserve(rows),
            Field::Year => self.year.reserve(rows),
            Field::Urn => self.urn.reserve(rows),
            Field::LaCode => self.la_code.reserve(rows),
            Field::Fsm => self.fsm.reserve(rows),
            Field::Disadvantaged => self.disadvantaged.reserve(rows),
            Field::Sen => self.sen.reserve(rows),
            Field::Cla => self.cla.reserve(rows),
            Field::Outcome(i) => match &mut self.outcomes[i] {
                Outcome::Flag(v) => v.reserve(rows),
                Outcome::Number(v) => v.reserve(rows),
                Outcome::Code(v) => v.reserve(rows),
            },
        }
    }

    /// Takes one field's validated values from a builder that read only it.
    fn adopt(&mut self, field: Field, mut part: Builder) {
        use std::mem::take;
        match field {
            Field::PupilId => self.pupil_id = take(&mut part.pupil_id),
            Field::Year => self.year = take(&mut part.year),
            Field::Urn => self.urn = take(&mut part.urn),
            Field::LaCode => self.la_code = take(&mut part.la_code),
            Field::Fsm => self.fsm = take(&mut part.fsm),
            Field::Disadvantaged => self.disadvantaged = take(&mut part.disadvantaged),
            Field::Sen => self.sen = take(&mut part.sen),
            Field::Cla => self.cla = take(&mut part.cla),
            Field::Outcome(i) => {
                self.outcomes[i] =
                    std::mem::replace(&mut part.outcomes[i], Outcome::Flag(Vec::new()))
            }
        }
    }

    /// The rows built so far as a table; the builder starts a new chunk.
    fn take(&mut self) -> PupilTable {
        let phase = self.phase;
        let rows = self.len();
        let profile = (0..rows)
            .map(|i| Profile::new(self.disadvantaged[i], self.fsm[i], self.cla[i], self.sen[i]))
            .collect();
        let outcomes = self
            .outcomes
            .iter_mut()
            .map(|values| match values {
                Outcome::Flag(v) => Outcome::Flag(std::mem::take(v)),
                Outcome::Number(v) => Outcome::Number(std::mem::take(v)),
                Outcome::Code(v) => Outcome::Code(std::mem::take(v)),
            })
            .collect::<Vec<_>>();
        let table = PupilTable {
            phase,
            source: self.source.to_owned(),
            first_row: self.row_offset,
            pupil_id: std::mem::take(&mut self.pupil_id),
            year: std::mem::take(&mut self.year),
            urn: std::mem::take(&mut self.urn),
            la_code: std::mem::take(&mut self.la_code),
            profile,
            outcomes: self.columns.iter().copied().zip(outcomes).collect(),
        };
        self.fsm.clear();
        self.disadvantaged.clear();
        self.cla.clear();
        self.sen.clear();
        self.row_offset += rows as u64;
        table
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

/// A 64-bit fingerprint of a pupil's year and identifier.
fn fingerprint(year: u16, id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(id.as_bytes(), year as u64)
}

/// Checks that pupil identifiers are unique within a year, over one table
/// or many chunks, in 8 bytes a pupil.
///
/// Fingerprints of (year, pupil_id) are collected and sorted; only pupils
/// whose fingerprint repeats (a duplicate, or very rarely two identifiers
/// with the same hash) are then compared exactly, in a second look at the
/// data. A hash set of the identifiers themselves would hold every string.
#[derive(Debug, Default)]
pub struct UniqueIds {
    fingerprints: Vec<u64>,
}

impl UniqueIds {
    pub fn add(&mut self, table: &PupilTable) {
        self.fingerprints.extend(
            table
                .pupil_id
                .iter()
                .zip(&table.year)
                .map(|(id, &year)| fingerprint(year, id)),
        );
    }

    /// The fingerprints seen more than once; empty when every pupil is unique.
    pub fn repeated(mut self) -> DuplicateFinder {
        use rayon::slice::ParallelSliceMut;
        self.fingerprints.par_sort_unstable();
        let mut suspects: Vec<u64> = self
            .fingerprints
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| w[0])
            .collect();
        suspects.dedup();
        DuplicateFinder {
            suspects,
            seen: FxHashMap::default(),
        }
    }
}

/// The exact second look of [`UniqueIds`]: shown the pupils again, in order,
/// it finds the first real duplicate.
#[derive(Debug)]
pub struct DuplicateFinder {
    suspects: Vec<u64>,
    seen: FxHashMap<(u16, String), (String, u64)>,
}

impl DuplicateFinder {
    /// True when no fingerprint repeated: there is nothing to look at again.
    pub fn is_clear(&self) -> bool {
        self.suspects.is_empty()
    }

    /// Looks at a table (or the next chunk) again; fails on a duplicate.
    pub fn scan(&mut self, table: &PupilTable) -> Result<()> {
        if self.suspects.is_empty() {
            return Ok(());
        }
        for (index, id) in table.pupil_id.iter().enumerate() {
            let year = table.year[index];
            if self.suspects.binary_search(&fingerprint(year, id)).is_err() {
                continue;
            }
            let row = table.first_row + index as u64 + 2;
            if let Some((source, first)) = self.seen.get(&(year, id.to_owned())) {
                let place = if *source == table.source {
                    String::new()
                } else {
                    format!(" in {source}")
                };
                return Err(Error::invalid(
                    &table.source,
                    Some(row),
                    Some("pupil_id"),
                    Some(id),
                    format!("a pupil_id unique within phase and year: {id} already appears for {year}{place} at row {first}"),
                ));
            }
            self.seen
                .insert((year, id.to_owned()), (table.source.clone(), row));
        }
        Ok(())
    }
}

fn check_unique_ids(table: &PupilTable) -> Result<()> {
    let mut ids = UniqueIds::default();
    ids.add(table);
    ids.repeated().scan(table)
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
            Error::invalid(
                source,
                Some(1),
                None,
                None,
                "the outcome columns of exactly one phase (gld for eyfs, phonics_mark for phonics, ks1_read/ks1_writ/ks1_mat for ks1, ks2_read/ks2_mat/ks2_writ for ks2, att8/eng_grade/mat_grade for ks4), or a phase given explicitly",
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
                return Err(Error::invalid(
                    source,
                    Some(1),
                    Some(name),
                    None,
                    format!("a column named {name} (a {phase} pupil table needs it)"),
                ))
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

/// Reads a pupil table from CSV text in any reader; `source` names it in
/// error messages.
pub fn read_csv_from(input: impl Read, source: &str, phase: Option<Phase>) -> Result<PupilTable> {
    let mut table = None;
    read_csv(input, source, phase, usize::MAX, |chunk| {
        table = Some(chunk);
        Ok(())
    })?;
    let table = table.expect("a file with no pupils is refused before this");
    check_unique_ids(&table)?;
    Ok(table)
}

fn read_csv(
    input: impl Read,
    source: &str,
    phase: Option<Phase>,
    chunk_rows: usize,
    mut each: impl FnMut(PupilTable) -> Result<()>,
) -> Result<Phase> {
    // The csv crate rather than polars' reader: it streams, and it reports the
    // exact record an error is in, which a multi-threaded reader cannot.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let csv_error = |e: csv::Error| match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => Error::invalid(
            source,
            pos.as_ref().map(|p| p.record() + 1),
            None,
            Some(&format!("{len} fields")),
            format!("{expected_len} fields, as in the header"),
        ),
        csv::ErrorKind::Io(_) => Error::io(source, std::io::Error::other(e.to_string())),
        _ => Error::table(source, e),
    };
    let header: Vec<String> = reader
        .byte_headers()
        .map_err(csv_error)?
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            let text = String::from_utf8_lossy(bytes);
            let text = if i == 0 {
                text.trim_start_matches('\u{feff}')
            } else {
                &text
            };
            text.trim().to_owned()
        })
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(no_pupils(source));
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let (phase, columns) = plan(source, &header_refs, phase)?;
    let mut builder = Builder::new(source, Strictness::Csv, phase, columns, 0);
    let fields: Vec<(Field, &'static str, usize)> = builder
        .fields()
        .into_iter()
        .map(|(field, name)| {
            (
                field,
                name,
                header.iter().position(|h| h == name).expect("planned"),
            )
        })
        .collect();
    let mut record = csv::ByteRecord::new();
    let mut index = 0usize;
    while reader.read_byte_record(&mut record).map_err(csv_error)? {
        for &(field, name, position) in &fields {
            let bytes = record.get(position).unwrap_or_default();
            let text = std::str::from_utf8(bytes).map_err(|_| {
                Error::invalid(
                    source,
                    Some(builder.row_offset + index as u64 + 2),
                    Some(name),
                    Some(&String::from_utf8_lossy(bytes)),
                    "UTF-8 text",
                )
            })?;
            // Kept raw (spaces and all) so an error shows exactly what was found;
            // every validator trims.
            builder.accept(field, name, index, Cell::Text(text))?;
        }
        index += 1;
        if builder.len() >= chunk_rows {
            each(builder.take())?;
            index = 0;
        }
    }
    if builder.len() > 0 {
        each(builder.take())?;
    } else if builder.row_offset == 0 {
        return Err(no_pupils(source));
    }
    Ok(phase)
}

/// The phase of a Parquet file and the columns to read from it.
pub fn parquet_columns(path: &Path, phase: Option<Phase>) -> Result<(Phase, Vec<String>)> {
    let source = path.display().to_string();
    let mut reader = ParquetReader::new(file_again(path, &source)?);
    let schema = reader.schema().map_err(|e| Error::table(&source, e))?;
    let header: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
    let (phase, columns) = plan(&source, &header, phase)?;
    let wanted = COMMON_COLUMNS
        .iter()
        .copied()
        .chain(columns.iter().map(|c| c.name))
        .map(str::to_owned)
        .collect();
    Ok((phase, wanted))
}

fn read_parquet(
    path: &Path,
    source: &str,
    phase: Option<Phase>,
    chunk_rows: usize,
    mut each: impl FnMut(PupilTable) -> Result<()>,
) -> Result<Phase> {
    let (phase, wanted) = parquet_columns(path, phase)?;
    let rows = ParquetReader::new(file_again(path, source)?)
        .num_rows()
        .map_err(|e| Error::table(source, e))?;
    if rows == 0 {
        return Err(no_pupils(source));
    }
    let mut offset = 0;
    while offset < rows {
        let length = chunk_rows.min(rows - offset);
        // Only the needed columns, and only this chunk's row groups, are read.
        let slice = (length < rows).then_some((offset, length));
        let frame = ParquetReader::new(file_again(path, source)?)
            .with_columns(Some(wanted.clone()))
            .with_slice(slice)
            .finish()
            .map_err(|e| Error::table(source, e))?;
        let mut builder = fill(
            &frame,
            Some(phase),
            source,
            Strictness::Parquet,
            offset as u64,
        )?;
        each(builder.take())?;
        offset += length;
    }
    Ok(phase)
}

fn from_frame(
    frame: &DataFrame,
    phase: Option<Phase>,
    source: &str,
    strictness: Strictness,
) -> Result<PupilTable> {
    if frame.height() == 0 {
        return Err(no_pupils(source));
    }
    let mut builder = fill(frame, phase, source, strictness, 0)?;
    let table = builder.take();
    check_unique_ids(&table)?;
    Ok(table)
}

/// Validates every needed column of a frame into a builder.
fn fill<'s>(
    frame: &DataFrame,
    phase: Option<Phase>,
    source: &'s str,
    strictness: Strictness,
    row_offset: u64,
) -> Result<Builder<'s>> {
    let header: Vec<&str> = frame
        .get_column_names()
        .into_iter()
        .map(|n| n.as_str())
        .collect();
    let (phase, columns) = plan(source, &header, phase)?;
    let mut builder = Builder::new(source, strictness, phase, columns.clone(), 0);
    builder.row_offset = row_offset;
    // Columns are validated independently, on every core; the first column
    // (in the common-then-outcome order) with a bad cell names the error.
    let parts: Vec<Result<Builder<'s>>> = builder
        .fields()
        .into_par_iter()
        .map(|(field, name)| {
            let mut part = Builder::new(source, strictness, phase, columns.clone(), 0);
            part.row_offset = row_offset;
            part.reserve(field, frame.height());
            let column = frame.column(name).map_err(|e| Error::table(source, e))?;
            for_each_cell(column, source, |index, cell| {
                part.accept(field, name, index, cell)
            })?;
            Ok(part)
        })
        .collect();
    for ((field, _), part) in builder.fields().into_iter().zip(parts) {
        builder.adopt(field, part?);
    }
    Ok(builder)
}

/// Calls `f` with every cell of a column, typed as the column is.
fn for_each_cell(
    column: &Column,
    source: &str,
    mut f: impl FnMut(usize, Cell) -> Result<()>,
) -> Result<()> {
    let series = column.as_materialized_series();
    macro_rules! each {
        ($chunked:expr, $cell:expr) => {
            for (index, value) in $chunked.iter().enumerate() {
                f(index, value.map_or(Cell::Empty, $cell))?;
            }
        };
    }
    let table_error = |e: PolarsError| Error::table(source, e);
    match series.dtype() {
        DataType::String => each!(series.str().map_err(table_error)?, Cell::Text),
        DataType::Boolean => each!(series.bool().map_err(table_error)?, Cell::Bool),
        DataType::Float32 | DataType::Float64 => {
            let floats = series.cast(&DataType::Float64).map_err(table_error)?;
            each!(floats.f64().map_err(table_error)?, Cell::Float)
        }
        DataType::Null => {
            for index in 0..series.len() {
                f(index, Cell::Empty)?;
            }
        }
        dtype if dtype.is_integer() => {
            let ints = series.cast(&DataType::Int64).map_err(table_error)?;
            each!(ints.i64().map_err(table_error)?, Cell::Int)
        }
        _ => {
            let text = series.cast(&DataType::String).map_err(table_error)?;
            each!(text.str().map_err(table_error)?, Cell::Text)
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_accept_the_documented_spellings_only() {
        for yes in ["true", "TRUE", " Y ", "y", "1", "True"] {
            assert_eq!(parse_flag(Cell::Text(yes)), Ok(true), "{yes}");
        }
        for no in ["false", "N", " n", "0", "FALSE"] {
            assert_eq!(parse_flag(Cell::Text(no)), Ok(false), "{no}");
        }
        for bad in ["yes", "2", "t", ""] {
            assert!(parse_flag(Cell::Text(bad)).is_err(), "{bad}");
        }
        assert!(parse_flag(Cell::Empty).is_err());
    }

    #[test]
    fn whole_numbers_refuse_decimals() {
        assert_eq!(
            parse_whole(Cell::Text("104"), 80, 120, Strictness::Csv),
            Ok(Some(104))
        );
        assert!(parse_whole(Cell::Text("104.0"), 80, 120, Strictness::Csv).is_err());
        assert!(parse_whole(Cell::Text("79"), 80, 120, Strictness::Csv).is_err());
        assert!(parse_whole(Cell::Text("104"), 80, 120, Strictness::Parquet).is_err());
        assert_eq!(
            parse_whole(Cell::Text("  "), 80, 120, Strictness::Csv),
            Ok(None)
        );
        assert!(parse_whole(Cell::Float(104.0), 80, 120, Strictness::Parquet).is_err());
        assert_eq!(
            parse_whole(Cell::Float(104.0), 80, 120, Strictness::DataFrame),
            Ok(Some(104))
        );
        assert_eq!(
            parse_whole(Cell::Float(f64::NAN), 80, 120, Strictness::DataFrame),
            Ok(None)
        );
        assert!(parse_whole(Cell::Float(104.5), 80, 120, Strictness::DataFrame).is_err());
    }
}
