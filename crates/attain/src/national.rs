//! National comparators: the England figure for each phase, year, measure
//! and population.
//!
//! They come from one of two places:
//! * a national pupil table, summarised exactly like any other level
//!   ([`NationalFigures::from_summaries`]);
//! * a national reference table of published figures (`phase, year, measure,
//!   group, value`, optional `n`), for an analyst who holds only their own
//!   LA's pupils ([`NationalFigures::read_reference`]). Attain ships England's
//!   published figures in this form (`datasets/national/`, see
//!   [`crate::datasets::national_reference`]).

use std::io::Read;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::groups::{Population, Profile};
use crate::measures::Measure;
use crate::phase::Phase;
use crate::summary::Summaries;
use crate::tables;

/// One national figure: the value (percent or mean) and, where known, the
/// number of pupils it is computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NationalFigure {
    pub value: f64,
    pub n: Option<u64>,
}

/// National figures keyed by phase, year, measure and population.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NationalFigures {
    figures: FxHashMap<(u16, u8, Population), NationalFigure>,
}

impl NationalFigures {
    pub fn get(
        &self,
        year: u16,
        measure: &Measure,
        population: Population,
    ) -> Option<NationalFigure> {
        self.figures
            .get(&(year, measure.index() as u8, population))
            .copied()
    }

    pub fn len(&self) -> usize {
        self.figures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.figures.is_empty()
    }

    /// Inserts a figure; returns the previous one for the same key.
    pub fn insert(
        &mut self,
        year: u16,
        measure: &'static Measure,
        population: Population,
        figure: NationalFigure,
    ) -> Option<NationalFigure> {
        self.figures
            .insert((year, measure.index() as u8, population), figure)
    }

    /// The years that have at least one figure for a phase.
    pub fn years(&self, phase: Phase) -> Vec<u16> {
        let mut years: Vec<u16> = self
            .figures
            .keys()
            .filter(|(_, measure, _)| crate::measures::MEASURES[*measure as usize].phase == phase)
            .map(|(year, _, _)| *year)
            .collect();
        years.sort_unstable();
        years.dedup();
        years
    }

    /// Every population's figure, computed from a whole national cohort.
    pub fn from_summaries(summaries: &Summaries) -> NationalFigures {
        let mut figures = NationalFigures::default();
        let measures = summaries.measures.len();
        for year in summaries.years() {
            let mut per_profile = vec![Default::default(); Profile::COUNT * measures];
            for (cell, _) in summaries
                .cells
                .iter()
                .enumerate()
                .filter(|(_, c)| c.place.year == year)
            {
                summaries.add_cell_to(cell, &mut per_profile);
            }
            for (index, measure) in summaries.measures.iter().enumerate() {
                for population in Population::ALL {
                    let summary = Summaries::population(&per_profile, measures, index, population);
                    let kind = measure.kind();
                    if let Some(value) = summary.value(kind) {
                        figures.insert(
                            year,
                            measure,
                            population,
                            NationalFigure {
                                value,
                                n: Some(summary.n(kind)),
                            },
                        );
                    }
                }
            }
        }
        figures
    }

    /// Reads a national reference table (CSV): columns `phase, year,
    /// measure, group, value` and optionally `n`; other columns are ignored.
    /// `measure` is the full (`ks2.rwm_exp`) or short (`rwm_exp`) name and
    /// `group` a population name (`disadvantaged`, `not_disadvantaged`,
    /// `no_sen`, ...).
    pub fn read_reference(path: impl AsRef<Path>) -> Result<NationalFigures> {
        let (file, source) = tables::open(path.as_ref())?;
        Self::read_reference_from(file, &source)
    }

    /// As [`NationalFigures::read_reference`], from any reader.
    pub fn read_reference_from(reader: impl Read, source: &str) -> Result<NationalFigures> {
        Self::from_table(tables::read(reader, source)?)
    }

    /// As [`NationalFigures::read_reference`], from a `DataFrame`'s
    /// columns; `source` names it in errors.
    pub fn from_dataframe(
        frame: &polars::prelude::DataFrame,
        source: &str,
    ) -> Result<NationalFigures> {
        Self::from_table(tables::from_frame(frame, source)?)
    }

    fn from_table<R: Read>(mut table: tables::CsvTable<R>) -> Result<NationalFigures> {
        let source = &table.source.clone();
        let mut columns = [0usize; 5];
        for (slot, name) in columns
            .iter_mut()
            .zip(["phase", "year", "measure", "group", "value"])
        {
            *slot = table.require(name, "a national reference table")?;
        }
        let n_column = table.find("n");
        let mut figures = NationalFigures::default();
        let mut first_row: FxHashMap<(u16, u8, Population), u64> = FxHashMap::default();
        let mut row = 1;
        while let Some(record) = table.next_row(false) {
            row += 1;
            let record = record?;
            let cell = |i: usize| record.get(i).unwrap_or("").trim();
            let invalid = |column: &str, value: &str, expected: &str| {
                Error::invalid(source, Some(row), Some(column), Some(value), expected)
            };
            let phase: Phase = cell(columns[0]).parse().map_err(|_| {
                invalid(
                    "phase",
                    cell(columns[0]),
                    "a phase: eyfs, phonics, ks1, ks2 or ks4",
                )
            })?;
            let year = crate::geography::parse_year(cell(columns[1]), source, row, "year")?;
            let measure = Measure::find(phase, cell(columns[2])).ok_or_else(|| {
                let names: Vec<&str> = Measure::of_phase(phase).map(|m| m.name).collect();
                invalid(
                    "measure",
                    cell(columns[2]),
                    &format!("a {phase} measure: {}", names.join(", ")),
                )
            })?;
            let population: Population = cell(columns[3])
                .parse()
                .map_err(|e: Error| invalid("group", cell(columns[3]), &e.to_string()))?;
            let value: f64 = cell(columns[4])
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| invalid("value", cell(columns[4]), "a number"))?;
            // Rates are percentages: anything outside 0 to 100 is a typo or
            // another unit, and would make every national gap wrong.
            if measure.kind() == crate::measures::MeasureKind::Rate
                && !(0.0..=100.0).contains(&value)
            {
                return Err(invalid(
                    "value",
                    cell(columns[4]),
                    "a percentage from 0 to 100",
                ));
            }
            let n = match n_column.map(cell) {
                None | Some("") => None,
                Some(text) => Some(
                    text.parse::<u64>()
                        .map_err(|_| invalid("n", text, "a whole number of pupils, or empty"))?,
                ),
            };
            let key = (year, measure.index() as u8, population);
            if let Some(first) = first_row.insert(key, row) {
                return Err(invalid(
                    "group",
                    cell(columns[3]),
                    &format!("one figure per phase, year, measure and group: row {first} has {year} {} {population} already", measure.name),
                ));
            }
            figures.insert(year, measure, population, NationalFigure { value, n });
        }
        if figures.is_empty() {
            return Err(Error::invalid(
                &table.source,
                None,
                None,
                None,
                "a national reference table with at least one figure",
            ));
        }
        Ok(figures)
    }
}

impl NationalFigures {
    /// Every figure, sorted by year, measure (catalogue order) and population.
    pub fn rows(&self) -> Vec<(u16, &'static Measure, Population, NationalFigure)> {
        let mut rows: Vec<_> = self
            .figures
            .iter()
            .map(|(&(year, measure, population), &figure)| {
                (
                    year,
                    &crate::measures::MEASURES[measure as usize],
                    population,
                    figure,
                )
            })
            .collect();
        rows.sort_by_key(|&(year, measure, population, _)| (year, measure.index(), population));
        rows
    }

    /// Writes the figures as a national reference table (`phase, year,
    /// measure, group, value, n`), the form [`NationalFigures::read_reference`] reads.
    pub fn write_reference(&self, writer: impl std::io::Write, name: &str) -> Result<()> {
        let mut csv = csv::Writer::from_writer(writer);
        let failed = |e: csv::Error| Error::table(name, e);
        csv.write_record(["phase", "year", "measure", "group", "value", "n"])
            .map_err(failed)?;
        for (year, measure, population, figure) in self.rows() {
            csv.write_record([
                measure.phase.name().to_owned(),
                year.to_string(),
                measure.name.to_owned(),
                population.name().to_owned(),
                figure.value.to_string(),
                figure.n.map(|n| n.to_string()).unwrap_or_default(),
            ])
            .map_err(failed)?;
        }
        csv.flush().map_err(|e| Error::io(name, e))
    }

    /// The figures as a reference table (`phase, year, measure, group,
    /// value, n`) in a `DataFrame`.
    pub fn to_dataframe(&self) -> Result<polars::prelude::DataFrame> {
        use polars::prelude::{Column, DataFrame};
        let rows = self.rows();
        let text = |name: &str,
                    f: &dyn Fn(
            &(u16, &'static Measure, Population, NationalFigure),
        ) -> &'static str| {
            Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
        };
        let columns = vec![
            text("phase", &|r| r.1.phase.name()),
            Column::new(
                "year".into(),
                rows.iter().map(|r| r.0 as i32).collect::<Vec<_>>(),
            ),
            text("measure", &|r| r.1.name),
            text("group", &|r| r.2.name()),
            Column::new(
                "value".into(),
                rows.iter().map(|r| r.3.value).collect::<Vec<_>>(),
            ),
            Column::new(
                "n".into(),
                rows.iter()
                    .map(|r| r.3.n.map(|n| n as i64))
                    .collect::<Vec<_>>(),
            ),
        ];
        DataFrame::new(rows.len(), columns).map_err(|e| Error::table("national figures", e))
    }

    /// Adds every figure of another set (later figures win).
    pub fn extend(&mut self, other: NationalFigures) {
        self.figures.extend(other.figures);
    }
}
