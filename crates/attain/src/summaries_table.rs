//! The summaries table: Attain's sufficient statistics as a documented,
//! versioned Arrow table, so that pupils can be summarised where they are
//! (a Spark partition, a council's own server) and the summaries added up
//! anywhere else, exactly.
//!
//! One row per (phase, year, LA, school, pupil profile, measure). Columns,
//! version 1 ([`COLUMNS`]):
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `version` | i32 | the table's schema version, 1 (a key: it survives any group-by) |
//! | `phase` | text | `eyfs`, `phonics`, `ks1`, `ks2`, `ks4` |
//! | `year` | i32 | the academic year by its ending calendar year |
//! | `la_code` | i32 | the school's LA |
//! | `urn` | i64 | the school |
//! | `disadvantaged`, `fsm`, `cla` | bool | the pupils' characteristics |
//! | `sen` | text | `N`, `K` or `E` |
//! | `measure` | text | e.g. `ks2.rwm_exp` |
//! | `cohort` | i64 | pupils (a rate's denominator) |
//! | `with_value` | i64 | pupils with a value (a mean's `n`; equal to `cohort` for a rate) |
//! | `sum`, `sum_sq` | f64 | the sum and the sum of squares of the values (for a rate, pupils meeting it) |
//!
//! The first ten columns are the key ([`KEYS`]); rows with the same key add
//! up, so partial tables from partitions, years or councils combine by
//! summing `cohort`, `with_value`, `sum` and `sum_sq` by key (`GROUP BY`
//! the keys in SQL, `groupBy(...).sum()` in Spark). For whole-number
//! values (every measure's values are whole or half numbers) the sums are
//! exact in any order. A table of another version is refused.

use std::path::Path;

use polars::prelude::*;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::groups::{Profile, Sen};
use crate::measures::{Measure, MeasureKind, Rule};
use crate::phase::Phase;
use crate::schema::{ColumnSpec, Kind};
use crate::summary::{Cell, Place, Summaries, Summary};

/// The schema version this Attain writes and reads.
pub const VERSION: i32 = 1;

const fn column(name: &'static str, kind: Kind) -> ColumnSpec {
    ColumnSpec { name, kind }
}

/// The columns, in order.
pub const COLUMNS: [ColumnSpec; 14] = [
    column("version", Kind::Year),
    column("phase", Kind::Text),
    column("year", Kind::Year),
    column("la_code", Kind::Year),
    column("urn", Kind::Count),
    column("disadvantaged", Kind::Flag),
    column("fsm", Kind::Flag),
    column("sen", Kind::Text),
    column("cla", Kind::Flag),
    column("measure", Kind::Text),
    column("cohort", Kind::Count),
    column("with_value", Kind::Count),
    column("sum", Kind::Number),
    column("sum_sq", Kind::Number),
];

/// The key columns: rows with the same key add up.
pub const KEYS: [&str; 10] = [
    "version",
    "phase",
    "year",
    "la_code",
    "urn",
    "disadvantaged",
    "fsm",
    "sen",
    "cla",
    "measure",
];

impl Summaries {
    /// The summaries as a summaries table (see [`crate::summaries_table`]).
    pub fn to_table(&self) -> Result<DataFrame> {
        let width = self.measures.len();
        let rows = self.cells.len() * width;
        let per_row = |f: &dyn Fn(&Cell) -> i64| -> Vec<i64> {
            self.cells
                .iter()
                .flat_map(|cell| std::iter::repeat_n(f(cell), width))
                .collect()
        };
        let flag = |f: fn(Profile) -> bool| -> Vec<bool> {
            self.cells
                .iter()
                .flat_map(|cell| std::iter::repeat_n(f(cell.profile), width))
                .collect()
        };
        let columns = vec![
            Column::new("version".into(), vec![VERSION; rows]),
            Column::new("phase".into(), vec![self.phase.name(); rows]),
            Column::new(
                "year".into(),
                per_row(&|c| c.place.year as i64)
                    .into_iter()
                    .map(|y| y as i32)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "la_code".into(),
                per_row(&|c| c.place.la_code as i64)
                    .into_iter()
                    .map(|l| l as i32)
                    .collect::<Vec<_>>(),
            ),
            Column::new("urn".into(), per_row(&|c| c.place.urn as i64)),
            Column::new("disadvantaged".into(), flag(Profile::disadvantaged)),
            Column::new("fsm".into(), flag(Profile::fsm)),
            Column::new(
                "sen".into(),
                self.cells
                    .iter()
                    .flat_map(|cell| std::iter::repeat_n(cell.profile.sen().code(), width))
                    .collect::<Vec<_>>(),
            ),
            Column::new("cla".into(), flag(Profile::cla)),
            Column::new(
                "measure".into(),
                (0..rows)
                    .map(|row| self.measures[row % width].name)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "cohort".into(),
                self.stats
                    .iter()
                    .map(|s| s.cohort as i64)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "with_value".into(),
                self.stats
                    .iter()
                    .map(|s| s.with_value as i64)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "sum".into(),
                self.stats.iter().map(|s| s.sum).collect::<Vec<_>>(),
            ),
            Column::new(
                "sum_sq".into(),
                self.stats.iter().map(|s| s.sum_sq).collect::<Vec<_>>(),
            ),
        ];
        let table =
            DataFrame::new(rows, columns).map_err(|e| Error::table("summaries table", e))?;
        // Progress measures no pupil has a score for (no estimates) are left
        // out, as the SQL route leaves them out: reading the table back
        // gives the same summaries.
        let keep: Vec<bool> = (0..width)
            .map(|m| !self.measures[m].is_progress() || self.has_values(m))
            .collect();
        if keep.iter().all(|&k| k) {
            return Ok(table);
        }
        let mask: BooleanChunked = (0..rows).map(|row| Some(keep[row % width])).collect();
        table
            .filter(&mask)
            .map_err(|e| Error::table("summaries table", e))
    }
}

/// Reads summaries tables (Parquet or CSV, told apart by content) and adds
/// them up: one [`Summaries`] per phase present, in phase order, checked
/// complete once all are added ([`check_complete`]).
pub fn read(paths: &[impl AsRef<Path>]) -> Result<Vec<Summaries>> {
    let mut total: Vec<Summaries> = Vec::new();
    for path in paths {
        add(&mut total, read_file(path.as_ref())?);
    }
    let names: Vec<String> = paths
        .iter()
        .map(|p| p.as_ref().display().to_string())
        .collect();
    finish(total, &names.join(" + "))
}

/// Adds parts of summaries into a running total, phase by phase.
pub fn add(total: &mut Vec<Summaries>, parts: Vec<Summaries>) {
    for part in parts {
        match total.iter_mut().find(|s| s.phase == part.phase) {
            Some(sum) => sum.merge(&part),
            None => total.push(part),
        }
    }
}

/// The added-up summaries, in phase order, checked complete; an error when
/// none has pupils.
pub fn finish(mut total: Vec<Summaries>, source: &str) -> Result<Vec<Summaries>> {
    total.sort_by_key(|s| s.phase);
    if total.is_empty() {
        return Err(Error::Usage(format!(
            "{source}: the summaries tables have no rows with pupils"
        )));
    }
    for summaries in &mut total {
        fill_progress_cohorts(summaries);
        check_complete(summaries, source)?;
    }
    Ok(total)
}

/// One summaries table file, Parquet or CSV (told apart by content), not
/// yet checked complete: it may be one part of several.
pub fn read_file(path: &Path) -> Result<Vec<Summaries>> {
    let source = path.display().to_string();
    crate::tables::check_size(path, &source)?;
    if std::fs::metadata(path)
        .map_err(|e| Error::io(&source, e))?
        .len()
        == 0
    {
        return Err(Error::invalid(
            &source,
            None,
            None,
            None,
            "a summaries table: a header row and rows of summaries",
        ));
    }
    let mut magic = [0u8; 4];
    let is_parquet = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut magic))
        .map_err(|e| Error::io(&source, e))?
        == 4
        && &magic == b"PAR1";
    let frame = if is_parquet {
        crate::pupils::check_parquet(path, &source)?;
        let file = std::fs::File::open(path).map_err(|e| Error::io(&source, e))?;
        crate::pupils::guarded(&source, || {
            ParquetReader::new(file)
                .finish()
                .map_err(|e| Error::table(&source, e))
        })?
    } else {
        // Every column as text: the validator names a bad cell.
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(|reader| reader.finish())
            .map_err(|e| Error::table(&source, e))?
    };
    from_table(&frame, &source)
}

/// A summaries table's rows, validated and added up by key: one
/// [`Summaries`] per phase present, in phase order, not yet checked
/// complete. Every error names the table, the row (the header is row 1),
/// the column and the value.
pub fn from_table(frame: &DataFrame, source: &str) -> Result<Vec<Summaries>> {
    let failed = |e: PolarsError| Error::table(source, e);
    // The version first: a table of another version may differ anywhere
    // else, and should be refused for what it is.
    if let Ok(version) = frame.column("version") {
        let cast = version.cast(&DataType::String).map_err(failed)?;
        let text = cast.str().map_err(failed)?;
        let wanted = VERSION.to_string();
        let first_other = text
            .iter()
            .enumerate()
            .find(|(_, v)| v.map(str::trim) != Some(wanted.as_str()))
            .map(|(index, value)| (index, value.unwrap_or("").to_owned()));
        if let Some((index, value)) = first_other {
            let expected = match value.trim().parse::<i64>() {
                Ok(v) if v > VERSION as i64 => format!("a version {VERSION} summaries table: this one is version {v}, written by a newer Attain; write it again with this Attain's `attain summarise`"),
                Ok(v) => format!("a version {VERSION} summaries table: this one is version {v}, written by an older Attain; write it again with this Attain's `attain summarise`"),
                Err(_) => "a schema version, a whole number".to_owned(),
            };
            return Err(Error::invalid(
                source,
                Some(index as u64 + 2),
                Some("version"),
                Some(&value),
                expected,
            ));
        }
    }
    for spec in COLUMNS {
        if frame.column(spec.name).is_err() {
            return Err(Error::invalid(
                source,
                Some(1),
                Some(spec.name),
                None,
                format!(
                    "a column named {} in a summaries table (version {VERSION}: {})",
                    spec.name,
                    COLUMNS.map(|c| c.name).join(", ")
                ),
            ));
        }
    }
    // Typed columns where the table is typed as written (Parquet, frames);
    // text otherwise (CSV), parsed cell by cell so that a bad cell is named
    // as it was written. A typed table with a cell that does not convert
    // takes the text path too, to name it.
    let typed = Typed::of(frame);
    let text: Option<Vec<StringChunked>> = match typed {
        Some(_) => None,
        None => Some(
            COLUMNS
                .iter()
                .map(|spec| {
                    frame
                        .column(spec.name)
                        .and_then(|c| c.cast(&DataType::String))
                        .and_then(|c| c.str().cloned())
                        .map_err(failed)
                })
                .collect::<Result<_>>()?,
        ),
    };
    let mut by_phase: FxHashMap<Phase, (Summaries, FxHashMap<Cell, usize>)> = FxHashMap::default();
    // The phase and measure of the previous row: tables list a phase's
    // rows together, so each name is looked up once a run.
    let mut last_phase: Option<(String, Phase)> = None;
    for index in 0..frame.height() {
        let row_number = index as u64 + 2;
        let row = match (&typed, &text) {
            (Some(typed), _) => typed.row(index),
            (None, Some(text)) => Row::parse(text, index, source, row_number)?,
            (None, None) => unreachable!("one of the two"),
        };
        let invalid = |column: usize, value: String, expected: &str| {
            Error::invalid(
                source,
                Some(row_number),
                Some(COLUMNS[column].name),
                Some(&value),
                expected,
            )
        };
        let phase = match &last_phase {
            Some((name, phase)) if name == row.phase => *phase,
            _ => {
                let phase: Phase = row.phase.parse().map_err(|_| {
                    invalid(
                        1,
                        row.phase.to_owned(),
                        "a phase: eyfs, phonics, ks1, ks2 or ks4",
                    )
                })?;
                last_phase = Some((row.phase.to_owned(), phase));
                phase
            }
        };
        let in_range =
            |column: usize, value: i64, range: std::ops::RangeInclusive<i64>, what: &str| {
                if range.contains(&value) {
                    Ok(value)
                } else {
                    Err(invalid(column, value.to_string(), what))
                }
            };
        let year = in_range(2, row.year, 1990..=2100, crate::geography::YEAR_EXPECTED)? as u16;
        let la_code = in_range(3, row.la_code, 100..=999, "a three-digit LA code")? as u16;
        let urn = in_range(
            4,
            row.urn,
            1..=99_999_999,
            "a school URN, a whole number from 1 to 99999999",
        )? as u32;
        let sen = Sen::parse(row.sen).ok_or_else(|| invalid(7, row.sen.to_owned(), "N, K or E"))?;
        let measure = Measure::from_pupils(phase)
            .find(|m| m.name == row.measure)
            .ok_or_else(|| {
                let names: Vec<&str> = Measure::from_pupils(phase).map(|m| m.name).collect();
                invalid(
                    9,
                    row.measure.to_owned(),
                    &format!("a {phase} measure: {}", names.join(", ")),
                )
            })?;
        let cohort = in_range(
            10,
            row.cohort,
            0..=i64::MAX,
            "a whole number of pupils, 0 or more",
        )? as u64;
        let with_value = in_range(
            11,
            row.with_value,
            0..=cohort as i64,
            &format!("a whole number of pupils from 0 to the cohort, {cohort}"),
        )? as u64;
        if !row.sum.is_finite() {
            return Err(invalid(12, row.sum.to_string(), "a finite number"));
        }
        if !row.sum_sq.is_finite() || row.sum_sq < 0.0 {
            return Err(invalid(
                13,
                row.sum_sq.to_string(),
                "a finite sum of squares, 0 or more",
            ));
        }
        if with_value == 0 && (row.sum != 0.0 || row.sum_sq != 0.0) {
            return Err(invalid(
                12,
                row.sum.to_string(),
                "a sum and sum_sq of 0 when no pupil has a value (with_value 0)",
            ));
        }
        // Sums of squares never fall below sum² / n (a variance is never
        // negative), allowing for rounding in the sums.
        let least = row.sum * row.sum / with_value.max(1) as f64;
        if measure.kind() == MeasureKind::Mean && row.sum_sq < least - 1e-9 * least.max(1.0) {
            return Err(invalid(
                13,
                row.sum_sq.to_string(),
                &format!(
                    "a sum of squares of at least sum² / with_value ({least}): less is a negative variance"
                ),
            ));
        }
        if measure.kind() == MeasureKind::Rate && row.sum.fract() != 0.0 {
            return Err(invalid(
                12,
                row.sum.to_string(),
                &format!("a whole number of pupils meeting the rate {}", measure.name),
            ));
        }
        if measure.kind() == MeasureKind::Rate
            && (with_value != cohort
                || !(0.0..=cohort as f64).contains(&row.sum)
                || row.sum_sq != row.sum)
        {
            return Err(invalid(
                12,
                row.sum.to_string(),
                &format!("for the rate {}: with_value equal to the cohort, a sum (pupils meeting it) from 0 to the cohort, and sum_sq equal to sum", measure.name),
            ));
        }
        let (summaries, cells) = by_phase
            .entry(phase)
            .or_insert_with(|| (Summaries::empty(phase), FxHashMap::default()));
        let width = summaries.measures.len();
        let key = Cell {
            place: Place { year, urn, la_code },
            profile: Profile::new(row.disadvantaged, row.fsm, row.cla, sen),
        };
        let at = *cells.entry(key).or_insert_with(|| {
            summaries.cells.push(key);
            summaries
                .stats
                .extend(std::iter::repeat_n(Summary::default(), width));
            summaries.cells.len() - 1
        });
        let slot = summaries
            .measures
            .iter()
            .position(|m| std::ptr::eq(*m, measure))
            .expect("a measure of the phase");
        summaries.stats[at * width + slot].merge(&Summary {
            cohort,
            with_value,
            sum: row.sum,
            sum_sq: row.sum_sq,
        });
    }
    let mut phases: Vec<Summaries> = by_phase.into_values().map(|(s, _)| s).collect();
    phases.sort_by_key(|s| s.phase);
    Ok(phases)
}

/// Progress rows are optional in a summaries table (SQL and Spark cannot
/// score progress without estimates): a cell with none counts its pupils in
/// the progress measures' cohorts, with no values.
fn fill_progress_cohorts(summaries: &mut Summaries) {
    let width = summaries.measures.len();
    let Some(first) = summaries.measures.iter().position(|m| !m.is_progress()) else {
        return;
    };
    for cell in summaries.stats.chunks_mut(width) {
        let cohort = cell[first].cohort;
        for (summary, measure) in cell.iter_mut().zip(&summaries.measures) {
            if measure.is_progress() && *summary == Summary::default() {
                summary.cohort = cohort;
            }
        }
    }
}

/// Checks added-up summaries: every pupil counts in every measure's cohort,
/// so a cell whose measures disagree is missing rows (a partial table was
/// cut, or a part file left out). Run once all parts are added up: one part
/// of a Spark job's output may hold one measure of a cell and another part
/// the rest.
pub fn check_complete(summaries: &Summaries, source: &str) -> Result<()> {
    let width = summaries.measures.len();
    for (c, cell) in summaries.cells.iter().enumerate() {
        let cohorts: Vec<u64> = summaries.stats[c * width..(c + 1) * width]
            .iter()
            .map(|s| s.cohort)
            .collect();
        if cohorts.iter().any(|&n| n != cohorts[0]) {
            let names: Vec<String> = summaries
                .measures
                .iter()
                .zip(&cohorts)
                .map(|(m, n)| format!("{} {n}", m.name))
                .collect();
            return Err(Error::invalid(
                source,
                None,
                Some("cohort"),
                None,
                format!(
                    "the same cohort for every measure of a school, year and pupil profile: {} {} URN {} has {}; a part of the table is missing",
                    summaries.phase,
                    cell.place.year,
                    cell.place.urn,
                    names.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// One row of a summaries table, as written.
struct Row<'a> {
    phase: &'a str,
    year: i64,
    la_code: i64,
    urn: i64,
    disadvantaged: bool,
    fsm: bool,
    sen: &'a str,
    cla: bool,
    measure: &'a str,
    cohort: i64,
    with_value: i64,
    sum: f64,
    sum_sq: f64,
}

impl<'a> Row<'a> {
    /// A row of text cells, or an error naming the first bad one.
    fn parse(text: &'a [StringChunked], index: usize, source: &str, row: u64) -> Result<Row<'a>> {
        let cell = |column: usize| text[column].get(index).unwrap_or("");
        let invalid = |column: usize, expected: &str| {
            Error::invalid(
                source,
                Some(row),
                Some(COLUMNS[column].name),
                Some(cell(column)),
                expected,
            )
        };
        let whole = |column: usize, what: &str| -> Result<i64> {
            cell(column)
                .trim()
                .parse()
                .map_err(|_| invalid(column, what))
        };
        let flag = |column: usize| match cell(column).trim() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(invalid(column, "true or false")),
        };
        let number = |column: usize| -> Result<f64> {
            cell(column)
                .trim()
                .parse::<f64>()
                .map_err(|_| invalid(column, "a number"))
        };
        Ok(Row {
            phase: cell(1).trim(),
            year: whole(2, crate::geography::YEAR_EXPECTED)?,
            la_code: whole(3, "a three-digit LA code")?,
            urn: whole(4, "a school URN, a whole number from 1 to 99999999")?,
            disadvantaged: flag(5)?,
            fsm: flag(6)?,
            sen: cell(7).trim(),
            cla: flag(8)?,
            measure: cell(9).trim(),
            cohort: whole(10, "a whole number of pupils, 0 or more")?,
            with_value: whole(11, "a whole number of pupils, 0 or more")?,
            sum: number(12)?,
            sum_sq: number(13)?,
        })
    }
}

/// A table's columns in their own types, when every cell converts and none
/// is missing.
struct Typed {
    ints: [Int64Chunked; 5],
    flags: [BooleanChunked; 3],
    texts: [StringChunked; 3],
    numbers: [Float64Chunked; 2],
}

impl Typed {
    fn of(frame: &DataFrame) -> Option<Typed> {
        let get = |name: &str, dtype: &DataType| -> Option<Column> {
            let column = frame.column(name).ok()?;
            // Only columns already of the kind asked for: a cast could
            // truncate 2.5 pupils to 2, or read 2 as true. Anything else
            // (text from a CSV, floats from pandas) is parsed cell by cell.
            let fits = match dtype {
                DataType::Int64 => column.dtype().is_integer(),
                DataType::Boolean => column.dtype() == &DataType::Boolean,
                DataType::String => column.dtype() == &DataType::String,
                _ => column.dtype().is_primitive_numeric(),
            };
            if !fits {
                return None;
            }
            let cast = column.strict_cast(dtype).ok()?;
            (cast.null_count() == 0).then_some(cast)
        };
        // One chunk each, so that reading a cell by index is direct.
        let int = |name: &str| {
            Some(
                get(name, &DataType::Int64)?
                    .i64()
                    .ok()?
                    .rechunk()
                    .into_owned(),
            )
        };
        let flag = |name: &str| {
            Some(
                get(name, &DataType::Boolean)?
                    .bool()
                    .ok()?
                    .rechunk()
                    .into_owned(),
            )
        };
        let text = |name: &str| {
            Some(
                get(name, &DataType::String)?
                    .str()
                    .ok()?
                    .rechunk()
                    .into_owned(),
            )
        };
        let number = |name: &str| {
            Some(
                get(name, &DataType::Float64)?
                    .f64()
                    .ok()?
                    .rechunk()
                    .into_owned(),
            )
        };
        Some(Typed {
            ints: [
                int("year")?,
                int("la_code")?,
                int("urn")?,
                int("cohort")?,
                int("with_value")?,
            ],
            flags: [flag("disadvantaged")?, flag("fsm")?, flag("cla")?],
            texts: [text("phase")?, text("sen")?, text("measure")?],
            numbers: [number("sum")?, number("sum_sq")?],
        })
    }

    fn row(&self, index: usize) -> Row<'_> {
        let int = |i: usize| self.ints[i].get(index).expect("no nulls");
        let flag = |i: usize| self.flags[i].get(index).expect("no nulls");
        let text = |i: usize| self.texts[i].get(index).expect("no nulls");
        let number = |i: usize| self.numbers[i].get(index).expect("no nulls");
        Row {
            phase: text(0),
            year: int(0),
            la_code: int(1),
            urn: int(2),
            disadvantaged: flag(0),
            fsm: flag(1),
            sen: text(1),
            cla: flag(2),
            measure: text(2),
            cohort: int(3),
            with_value: int(4),
            sum: number(0),
            sum_sq: number(1),
        }
    }
}

/// SQL (DuckDB, polars, Spark SQL) that makes the summaries table of one
/// phase from a pupil table named `pupils` with the phase's columns: the
/// route for analysts whose pupils are in a database. It applies the
/// measures' rules as [`crate::measures`] defines them but none of the
/// pupil table's validation, so validate the pupils first or read them
/// with Attain. Missing values must be NULL (a NaN in a DOUBLE column is a
/// value to SQL). Progress measures are left out: they need estimates
/// (`attain summarise --estimates`), and a table without them is read as
/// having no progress scores.
pub fn sql(phase: Phase, table: &str) -> String {
    let keys = "version, phase, year, la_code, urn, disadvantaged, fsm, sen, cla";
    let selects: Vec<String> = Measure::from_pupils(phase)
        .filter(|measure| !measure.is_progress())
        .map(|measure| {
            let (with_value, sum, sum_sq) = match measure.rule {
                Rule::Progress(_) | Rule::PublishedOnly => {
                    unreachable!("progress measures are left out")
                }
                Rule::MeanOf(column) => (
                    format!("COUNT({column})"),
                    format!("COALESCE(SUM(CAST({column} AS DOUBLE)), 0.0)"),
                    format!("COALESCE(SUM(CAST({column} AS DOUBLE) * CAST({column} AS DOUBLE)), 0.0)"),
                ),
                Rule::AllOf(conditions) => {
                    let met: Vec<String> = conditions.iter().map(condition_sql).collect();
                    let met = format!(
                        "CAST(SUM(CASE WHEN {} THEN 1 ELSE 0 END) AS DOUBLE)",
                        met.join(" AND ")
                    );
                    ("COUNT(*)".to_owned(), met.clone(), met)
                }
            };
            format!(
                "SELECT {VERSION} AS version, '{phase}' AS phase, CAST(year AS INTEGER) AS year, CAST(la_code AS INTEGER) AS la_code, CAST(urn AS BIGINT) AS urn, disadvantaged, fsm, sen, cla, '{name}' AS measure,\n       COUNT(*) AS cohort, {with_value} AS with_value, {sum} AS sum, {sum_sq} AS sum_sq\nFROM {table}\nGROUP BY year, la_code, urn, disadvantaged, fsm, sen, cla",
                phase = phase.name(),
                name = measure.name
            )
        })
        .collect();
    format!(
        "-- The Attain summaries table (version {VERSION}) of {phase} pupils in `{table}`.\n-- Keys: {keys}, measure.\n{}\n",
        selects.join("\nUNION ALL\n"),
        phase = phase.name()
    )
}

fn condition_sql(condition: &crate::measures::Condition) -> String {
    use crate::measures::Condition;
    match condition {
        Condition::IsTrue(column) => format!("COALESCE({column}, FALSE)"),
        Condition::AtLeast(column, threshold) => {
            format!("COALESCE(CAST({column} AS DOUBLE) >= {threshold}, FALSE)")
        }
        Condition::CodeIn(column, codes) => {
            let codes: Vec<String> = codes.iter().map(|c| format!("'{}'", c.code())).collect();
            format!("COALESCE({column} IN ({}), FALSE)", codes.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phase_round_trips_through_the_table() {
        for (phase, scored) in Phase::ALL
            .into_iter()
            .flat_map(|phase| [(phase, false), (phase, true)])
        {
            // Progress rows are left out without estimates, and kept with.
            let pupils = crate::datasets::sample(phase).unwrap();
            let mut estimates = crate::progress::EstimatesBuilder::new("sample");
            if scored {
                estimates.add(&pupils);
            }
            let summaries = crate::summarise(&pupils, &estimates.finish());
            let table = summaries.to_table().unwrap();
            assert_eq!(
                table
                    .get_column_names()
                    .iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>(),
                COLUMNS.map(|c| c.name)
            );
            let back = finish(from_table(&table, "table").unwrap(), "table").unwrap();
            assert_eq!(back.len(), 1);
            let mut a: Vec<_> = summaries
                .cells
                .iter()
                .zip(summaries.stats.chunks(summaries.measures.len()))
                .collect();
            let mut b: Vec<_> = back[0]
                .cells
                .iter()
                .zip(back[0].stats.chunks(back[0].measures.len()))
                .collect();
            a.sort_by_key(|(c, _)| **c);
            b.sort_by_key(|(c, _)| **c);
            assert_eq!(a, b, "{phase}");
        }
    }

    #[test]
    fn another_version_is_refused() {
        let summaries = crate::summarise(
            &crate::datasets::sample(Phase::Eyfs).unwrap(),
            &crate::Estimates::none(),
        );
        let mut table = summaries.to_table().unwrap();
        let rows = table.height();
        table
            .with_column(Column::new("version".into(), vec![2i32; rows]))
            .unwrap();
        match from_table(&table, "t.parquet") {
            Err(Error::Invalid(e)) => {
                assert_eq!((e.row, e.column.as_deref()), (Some(2), Some("version")));
                assert!(e.expected.contains("newer"), "{}", e.expected);
            }
            other => panic!("{other:?}"),
        }
    }
}
