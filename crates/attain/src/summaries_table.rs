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
use crate::geography::{parse_la_code, parse_urn, parse_year};
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
        DataFrame::new(rows, columns).map_err(|e| Error::table("summaries table", e))
    }
}

/// Reads summaries tables (Parquet or CSV, told apart by content) and adds
/// them up: one [`Summaries`] per phase present, in phase order.
pub fn read(paths: &[impl AsRef<Path>]) -> Result<Vec<Summaries>> {
    let mut total: FxHashMap<Phase, Summaries> = FxHashMap::default();
    for path in paths {
        let path = path.as_ref();
        let source = path.display().to_string();
        let mut magic = [0u8; 4];
        let is_parquet = std::fs::File::open(path)
            .and_then(|mut f| std::io::Read::read(&mut f, &mut magic))
            .map_err(|e| Error::io(&source, e))?
            == 4
            && &magic == b"PAR1";
        let frame = if is_parquet {
            ParquetReader::new(std::fs::File::open(path).map_err(|e| Error::io(&source, e))?)
                .finish()
        } else {
            // Every column as text: the validator below names a bad cell.
            CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(Some(0))
                .try_into_reader_with_file_path(Some(path.to_path_buf()))
                .and_then(|reader| reader.finish())
        }
        .map_err(|e| Error::table(&source, e))?;
        for part in from_table(&frame, &source)? {
            match total.get_mut(&part.phase) {
                Some(sum) => sum.merge(&part),
                None => {
                    total.insert(part.phase, part);
                }
            }
        }
    }
    let mut phases: Vec<Summaries> = total.into_values().collect();
    phases.sort_by_key(|s| s.phase);
    if phases.is_empty() {
        return Err(Error::Usage("no summaries tables given".into()));
    }
    Ok(phases)
}

/// A summaries table's rows, validated and added up by key: one
/// [`Summaries`] per phase present, in phase order. Every error names the
/// table, the row (the header is row 1), the column and the value.
pub fn from_table(frame: &DataFrame, source: &str) -> Result<Vec<Summaries>> {
    let failed = |e: PolarsError| Error::table(source, e);
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
    // Each column as text, so that one validator serves Parquet, CSV and
    // frames, and names a bad cell as it was written.
    let text: Vec<StringChunked> = COLUMNS
        .iter()
        .map(|spec| {
            frame
                .column(spec.name)
                .and_then(|c| c.cast(&DataType::String))
                .and_then(|c| c.str().cloned())
                .map_err(failed)
        })
        .collect::<Result<_>>()?;
    let mut by_phase: FxHashMap<Phase, (Summaries, FxHashMap<Cell, usize>)> = FxHashMap::default();
    for index in 0..frame.height() {
        let row = index as u64 + 2;
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
        let version: i32 = cell(0)
            .trim()
            .parse()
            .map_err(|_| invalid(0, "a schema version, a whole number"))?;
        if version != VERSION {
            let which = if version > VERSION {
                "written by a newer Attain"
            } else {
                "written by an older Attain"
            };
            return Err(invalid(
                0,
                &format!("a version {VERSION} summaries table: this one is version {version}, {which}; write it again with this Attain's `attain summarise`"),
            ));
        }
        let phase: Phase = cell(1)
            .parse()
            .map_err(|_| invalid(1, "a phase: eyfs, phonics, ks1, ks2 or ks4"))?;
        let year = parse_year(cell(2), source, row, "year")?;
        let la_code = parse_la_code(cell(3), source, row, "la_code")?;
        let urn = parse_urn(cell(4), source, row, "urn")?;
        let flag = |column: usize| match cell(column).trim() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(invalid(column, "true or false")),
        };
        let (disadvantaged, fsm, cla) = (flag(5)?, flag(6)?, flag(8)?);
        let sen = Sen::parse(cell(7).trim()).ok_or_else(|| invalid(7, "N, K or E"))?;
        let measure = Measure::find(phase, cell(9))
            .filter(|m| m.name == cell(9).trim())
            .ok_or_else(|| {
                let names: Vec<&str> = Measure::of_phase(phase).map(|m| m.name).collect();
                invalid(9, &format!("a {phase} measure: {}", names.join(", ")))
            })?;
        let count = |column: usize| -> Result<u64> {
            cell(column)
                .trim()
                .parse::<u64>()
                .map_err(|_| invalid(column, "a whole number of pupils, 0 or more"))
        };
        let (cohort, with_value) = (count(10)?, count(11)?);
        if with_value > cohort {
            return Err(invalid(11, &format!("at most the cohort, {cohort}")));
        }
        let number = |column: usize| -> Result<f64> {
            cell(column)
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| invalid(column, "a finite number"))
        };
        let (sum, sum_sq) = (number(12)?, number(13)?);
        if measure.kind() == MeasureKind::Rate
            && (with_value != cohort || !(0.0..=cohort as f64).contains(&sum) || sum_sq != sum)
        {
            return Err(invalid(
                12,
                &format!("for the rate {}: with_value equal to the cohort, a sum (pupils meeting it) from 0 to the cohort, and sum_sq equal to sum", measure.name),
            ));
        }
        if sum_sq < 0.0 {
            return Err(invalid(13, "a sum of squares, 0 or more"));
        }
        let (summaries, index) = by_phase
            .entry(phase)
            .or_insert_with(|| (Summaries::empty(phase), FxHashMap::default()));
        let width = summaries.measures.len();
        let key = Cell {
            place: Place { year, urn, la_code },
            profile: Profile::new(disadvantaged, fsm, cla, sen),
        };
        let at = *index.entry(key).or_insert_with(|| {
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
            sum,
            sum_sq,
        });
    }
    let mut phases: Vec<Summaries> = Vec::new();
    for (_, (summaries, _)) in by_phase {
        // Every pupil counts in every measure's cohort: a cell whose
        // measures disagree is missing rows (a partial table was cut).
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
                        "the same cohort for every measure of a school, year and pupil profile: {} {} URN {} has {}",
                        summaries.phase,
                        cell.place.year,
                        cell.place.urn,
                        names.join(", ")
                    ),
                ));
            }
        }
        phases.push(summaries);
    }
    phases.sort_by_key(|s| s.phase);
    if phases.is_empty() {
        return Err(Error::invalid(
            source,
            None,
            None,
            None,
            "at least one row of summaries",
        ));
    }
    Ok(phases)
}

/// SQL (DuckDB, polars, Spark SQL) that makes the summaries table of one
/// phase from a pupil table named `pupils` with the phase's columns: the
/// route for analysts whose pupils are in a database. It applies the
/// measures' rules as [`crate::measures`] defines them but none of the
/// pupil table's validation, so validate the pupils first or read them
/// with Attain.
pub fn sql(phase: Phase, table: &str) -> String {
    let keys = "version, phase, year, la_code, urn, disadvantaged, fsm, sen, cla";
    let selects: Vec<String> = Measure::of_phase(phase)
        .map(|measure| {
            let (with_value, sum, sum_sq) = match measure.rule {
                Rule::MeanOf(column) => (
                    format!("COUNT({column})"),
                    format!("SUM(CAST({column} AS DOUBLE))"),
                    format!("SUM(CAST({column} AS DOUBLE) * CAST({column} AS DOUBLE))"),
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
            format!("COALESCE({column} >= {threshold}, FALSE)")
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
        for phase in Phase::ALL {
            let summaries = crate::summarise(&crate::datasets::sample(phase).unwrap());
            let table = summaries.to_table().unwrap();
            assert_eq!(
                table
                    .get_column_names()
                    .iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>(),
                COLUMNS.map(|c| c.name)
            );
            let back = from_table(&table, "table").unwrap();
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
        let summaries = crate::summarise(&crate::datasets::sample(Phase::Eyfs).unwrap());
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
