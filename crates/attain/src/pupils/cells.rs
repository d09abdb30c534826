//! The cell validators every pupil source goes through, and the builder
//! that assembles validated columns.

use super::*;

/// How strictly typed columns are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Strictness {
    /// CSV: every cell is text.
    Csv,
    /// Parquet: a whole-number column must be integer typed.
    Parquet,
    /// An in-memory frame (pandas turns an int column with gaps into floats).
    DataFrame,
}

/// One cell as found in the source, before validation.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cell<'a> {
    Empty,
    Text(&'a str),
    /// Wide enough for every Parquet integer, unsigned 64-bit included, so
    /// that an out-of-range value is shown as it is.
    Int(i128),
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
pub(super) enum Field {
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

pub(super) const EXPECTED_BOOLEAN: &str = "true/false, 1/0 or Y/N";

/// Reasons a cell is refused: the `expected` part of the message.
pub(super) fn parse_flag(cell: Cell) -> Result<bool, String> {
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
pub(super) fn parse_whole(
    cell: Cell,
    min: i64,
    max: i64,
    strictness: Strictness,
) -> Result<Option<i64>, String> {
    let expected = || format!("a whole number from {min} to {max}");
    let value = match cell {
        Cell::Empty => return Ok(None),
        Cell::Int(value) => i64::try_from(value).map_err(|_| expected())?,
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
        Cell::Float(value) if value.is_nan() && strictness == Strictness::Parquet => {
            return Err(format!("{}, or a null cell for none (NaN is not a missing value in Parquet, where missing is null)", expected()))
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
/// A `NaN` is none in a DataFrame (pandas' missing value) but an error in
/// Parquet, which has nulls: there a NaN is more likely a failed
/// computation than a pupil without a result, and CSV refuses one too.
pub(super) fn parse_number(
    cell: Cell,
    min: f64,
    max: f64,
    strictness: Strictness,
) -> Result<Option<f64>, String> {
    let expected = || format!("a number from {min} to {max}");
    let value = match cell {
        Cell::Empty => return Ok(None),
        Cell::Int(value) => value as f64,
        Cell::Float(value) if value.is_nan() && strictness == Strictness::Parquet => {
            return Err(format!("{}, or a null cell for none (NaN is not a missing value in Parquet, where missing is null)", expected()))
        }
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
pub(super) fn typed(what: &str, reason: &str) -> String {
    match reason.find(" (an integer-typed") {
        Some(at) => format!("{what}{}", &reason[at..]),
        None => what.to_owned(),
    }
}

pub(super) fn text_of(cell: Cell<'_>) -> Option<&str> {
    match cell {
        Cell::Text(text) if text.trim().is_empty() => Some(""),
        Cell::Text(text) => Some(text),
        Cell::Empty => Some(""),
        _ => None,
    }
}

/// Validated columns as they are built, row by row or column by column.
pub(super) struct Builder<'s> {
    pub(super) source: &'s str,
    /// Data rows read before this chunk.
    pub(super) row_offset: u64,
    pub(super) phase: Phase,
    pub(super) strictness: Strictness,
    pub(super) columns: Vec<&'static OutcomeColumn>,
    pub(super) pupil_id: PupilIds,
    pub(super) year: Vec<u16>,
    pub(super) urn: Vec<u32>,
    pub(super) la_code: Vec<u16>,
    pub(super) fsm: Vec<bool>,
    pub(super) disadvantaged: Vec<bool>,
    pub(super) sen: Vec<Sen>,
    pub(super) cla: Vec<bool>,
    pub(super) outcomes: Vec<Outcome>,
}

impl<'s> Builder<'s> {
    pub(super) fn new(
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
    pub(super) fn fields(&self) -> Vec<(Field, &'static str)> {
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
    pub(super) fn accept(
        &mut self,
        field: Field,
        name: &str,
        index: usize,
        cell: Cell,
    ) -> Result<()> {
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

    pub(super) fn accept_cell(&mut self, field: Field, cell: Cell) -> Result<(), String> {
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
                        values.push(parse_number(cell, min, max, strictness)?.unwrap_or(f64::NAN))
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

    pub(super) fn len(&self) -> usize {
        self.year.len()
    }

    pub(super) fn reserve(&mut self, field: Field, rows: usize) {
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
    pub(super) fn adopt(&mut self, field: Field, mut part: Builder) {
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
    pub(super) fn take(&mut self) -> PupilTable {
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
        assert!(parse_whole(Cell::Float(f64::NAN), 80, 120, Strictness::Parquet).is_err());
        assert_eq!(
            parse_number(Cell::Float(f64::NAN), 0.0, 90.0, Strictness::DataFrame),
            Ok(None)
        );
        let refused = parse_number(Cell::Float(f64::NAN), 0.0, 90.0, Strictness::Parquet);
        assert!(refused.unwrap_err().contains("NaN is not a missing value"));
    }
}
