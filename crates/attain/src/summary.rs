//! Mergeable sufficient statistics: the one summary type every capability
//! reuses.
//!
//! A [`Summary`] holds, for one measure over some set of pupils, the cohort
//! size, how many of them have a value, and the sum and sum of squares of the
//! values (for a rate the value is 1 for a pupil who meets the measure and 0
//! otherwise, so the sum is the number meeting it). Summaries add exactly:
//! schools combine into an LA, LAs into England, schools into an alliance,
//! and one chunk of the pupils into another's. For whole-number
//! values (marks, scaled scores, grades, met/not met) the sums are exact in
//! `f64` far beyond a national cohort, so merging in any order gives the
//! same figures as computing from the pupils at once.
//!
//! [`Summaries`] keeps one summary per measure for every *cell*: a year, a
//! school, an LA and one of the 24 pupil [`Profile`]s. Every level and every
//! group is a sum of cells, so the pupils are read once;
//! [`summarise_files`] reads them a chunk at a time.

use std::path::Path;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::groups::{Population, Profile};
use crate::measures::{Condition, Measure, MeasureKind, Rule};
use crate::phase::Phase;
use crate::progress::Estimates;
use crate::pupils::{read_files, Outcome, PupilTable};
use crate::stats::{self, Interval};

/// Sufficient statistics for one measure over a set of pupils.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    /// Every pupil counted (a rate's denominator).
    pub cohort: u64,
    /// Pupils with a value (a mean's `n`; equal to `cohort` for a rate).
    pub with_value: u64,
    /// Sum of the values (for a rate: pupils meeting the measure).
    pub sum: f64,
    /// Sum of the squared values.
    pub sum_sq: f64,
}

impl Summary {
    /// Adds one pupil; `NaN` means the pupil has no value.
    #[inline]
    pub fn add(&mut self, value: f64) {
        self.cohort += 1;
        if !value.is_nan() {
            self.with_value += 1;
            self.sum += value;
            self.sum_sq += value * value;
        }
    }

    #[inline]
    pub fn merge(&mut self, other: &Summary) {
        self.cohort += other.cohort;
        self.with_value += other.with_value;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
    }

    /// The `n` a measure of this kind is computed from.
    pub fn n(&self, kind: MeasureKind) -> u64 {
        match kind {
            MeasureKind::Rate => self.cohort,
            MeasureKind::Mean => self.with_value,
        }
    }

    /// The measure's value: percent for a rate, the mean for a mean; `None`
    /// when `n` is 0.
    pub fn value(&self, kind: MeasureKind) -> Option<f64> {
        let n = self.n(kind);
        (n > 0).then(|| match kind {
            MeasureKind::Rate => 100.0 * self.sum / n as f64,
            MeasureKind::Mean => self.sum / n as f64,
        })
    }

    /// The sample variance of the values (divisor `n − 1`); `None` for
    /// `n < 2`, or when the spread is unknown (`sum_sq` is NaN, as for
    /// summaries of published means: see [`crate::published`]).
    pub fn variance(&self) -> Option<f64> {
        let n = self.with_value as f64;
        (self.with_value >= 2 && !self.sum_sq.is_nan())
            .then(|| ((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0))
    }

    /// The 95% interval of the value (Wilson for a rate, in percent; t for a mean).
    pub fn interval(&self, kind: MeasureKind) -> Option<Interval> {
        match kind {
            MeasureKind::Rate => {
                stats::wilson(self.sum, self.cohort as f64).map(|i| i.scaled(100.0))
            }
            MeasureKind::Mean => {
                stats::t_interval(self.value(kind)?, self.variance()?, self.with_value as f64)
            }
        }
    }

    /// The 95% interval of `self − other` (Newcombe for rates, in percentage
    /// points; Welch for means).
    pub fn difference_interval(&self, other: &Summary, kind: MeasureKind) -> Option<Interval> {
        match kind {
            MeasureKind::Rate => {
                stats::newcombe(self.sum, self.cohort as f64, other.sum, other.cohort as f64)
                    .map(|i| i.scaled(100.0))
            }
            MeasureKind::Mean => stats::welch(
                self.value(kind)?,
                self.variance()?,
                self.with_value as f64,
                other.value(kind)?,
                other.variance()?,
                other.with_value as f64,
            ),
        }
    }
}

/// Where a cell's pupils are: a year, a school and an LA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place {
    pub year: u16,
    pub urn: u32,
    pub la_code: u16,
}

/// The pupils of one profile at one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    pub place: Place,
    pub profile: Profile,
}

/// Summaries of one phase per cell (place and pupil profile), kept only for
/// cells that have pupils.
///
/// `stats` holds `measures.len()` summaries per cell, in cell order: cell
/// `c`'s summary of measure `m` is `stats[c * measures.len() + m]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Summaries {
    pub phase: Phase,
    pub measures: Vec<&'static Measure>,
    pub cells: Vec<Cell>,
    pub stats: Vec<Summary>,
}

impl Summaries {
    pub fn empty(phase: Phase) -> Summaries {
        Summaries {
            phase,
            measures: Measure::from_pupils(phase).collect(),
            cells: Vec::new(),
            stats: Vec::new(),
        }
    }

    /// The summaries of one cell, one per measure.
    pub fn of_cell(&self, cell: usize) -> &[Summary] {
        let width = self.measures.len();
        &self.stats[cell * width..(cell + 1) * width]
    }

    /// The summary of one measure over a population, from per-profile
    /// summaries (`Profile::COUNT × measures`, profile-major) of one unit.
    pub fn population(
        per_profile: &[Summary],
        measures: usize,
        measure: usize,
        population: Population,
    ) -> Summary {
        let mask = population.profile_mask();
        let mut total = Summary::default();
        for profile in 0..Profile::COUNT {
            if mask & (1 << profile) != 0 {
                total.merge(&per_profile[profile * measures + measure]);
            }
        }
        total
    }

    /// Adds cell `cell`'s summaries into a unit's per-profile summaries
    /// (`Profile::COUNT × measures`, profile-major): how every level and
    /// grouping is built from cells.
    pub fn add_cell_to(&self, cell: usize, per_profile: &mut [Summary]) {
        let width = self.measures.len();
        let start = self.cells[cell].profile.index() * width;
        for (total, part) in per_profile[start..start + width]
            .iter_mut()
            .zip(self.of_cell(cell))
        {
            total.merge(part);
        }
    }

    /// Adds another set of summaries of the same phase into this one.
    pub fn merge(&mut self, other: &Summaries) {
        let mut index = self.cell_index();
        self.merge_indexed(other, &mut index);
    }

    /// Where each cell is in `cells`, for repeated merges.
    pub fn cell_index(&self) -> FxHashMap<Cell, usize> {
        self.cells
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, i))
            .collect()
    }

    /// As [`Summaries::merge`], with `index` (from [`Summaries::cell_index`])
    /// kept up to date, so that merging many parts costs each part's size,
    /// not the total's.
    pub fn merge_indexed(&mut self, other: &Summaries, index: &mut FxHashMap<Cell, usize>) {
        assert_eq!(
            self.phase, other.phase,
            "summaries of different phases cannot merge"
        );
        assert_eq!(
            self.measures, other.measures,
            "summaries of different measures cannot merge"
        );
        let width = self.measures.len();
        for (theirs, cell) in other.cells.iter().enumerate() {
            let ours = *index.entry(*cell).or_insert_with(|| {
                self.cells.push(*cell);
                self.stats
                    .extend(std::iter::repeat_n(Summary::default(), width));
                self.cells.len() - 1
            });
            for (mine, their) in self.stats[ours * width..(ours + 1) * width]
                .iter_mut()
                .zip(other.of_cell(theirs))
            {
                mine.merge(their);
            }
        }
    }

    /// Whether any pupil has a value for a measure (by its index in
    /// `measures`): progress measures without estimates have none, and are
    /// left out of the gap table.
    pub fn has_values(&self, measure: usize) -> bool {
        let width = self.measures.len();
        self.stats
            .iter()
            .skip(measure)
            .step_by(width.max(1))
            .any(|s| s.with_value > 0)
    }

    /// Whether any pupil of a year has a value for a measure.
    pub fn has_values_in(&self, year: u16, measure: usize) -> bool {
        let width = self.measures.len();
        self.cells
            .iter()
            .zip(self.stats.iter().skip(measure).step_by(width.max(1)))
            .any(|(cell, s)| cell.place.year == year && s.with_value > 0)
    }

    /// The sample SD of every pupil's value of a measure (by its index in
    /// `measures`) in a year: for a progress measure of the national
    /// pupils, the national pupil-level SD its intervals use.
    pub fn sd_of(&self, year: u16, measure: usize) -> Option<f64> {
        let width = self.measures.len();
        let mut total = Summary::default();
        for (cell, _) in self
            .cells
            .iter()
            .enumerate()
            .filter(|(_, c)| c.place.year == year)
        {
            total.merge(&self.stats[cell * width + measure]);
        }
        total.variance().map(f64::sqrt)
    }

    /// Refuses a school with pupils in two LAs in one year: the LA rows
    /// would each hold some of its pupils and the school row all of them, so
    /// LA figures and the sum of their schools would disagree.
    pub fn check_one_la_per_school(&self, source: &str) -> Result<()> {
        let mut la_of: FxHashMap<(u16, u32), u16> = FxHashMap::default();
        for cell in &self.cells {
            let place = cell.place;
            let la = *la_of
                .entry((place.year, place.urn))
                .or_insert(place.la_code);
            if la != place.la_code {
                return Err(Error::invalid(
                    source,
                    None,
                    Some("la_code"),
                    Some(&format!(
                        "{} and {}",
                        la.min(place.la_code),
                        la.max(place.la_code)
                    )),
                    format!(
                        "one LA for each school in a year: URN {} has pupils in two LAs in {}",
                        place.urn, place.year
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The years present, ascending.
    pub fn years(&self) -> Vec<u16> {
        let mut years: Vec<u16> = self.cells.iter().map(|c| c.place.year).collect();
        years.sort_unstable();
        years.dedup();
        years
    }
}

/// Summarises a pupil table in one pass over its columns. Progress
/// measures are scored with `estimates` ([`Estimates::none`] for none:
/// their summaries then count the pupils but hold no values).
pub fn summarise(pupils: &PupilTable, estimates: &Estimates) -> Summaries {
    let mut summaries = Summaries::empty(pupils.phase);
    let width = summaries.measures.len();

    // Integer-code the cells once, so the accumulation indexes a flat array:
    // places through a hash map (with the previous pupil's place remembered,
    // as files usually list a school's pupils together), then a small table
    // of the place's 24 profiles.
    const NONE: u32 = u32::MAX;
    let mut place_index: FxHashMap<Place, u32> = FxHashMap::default();
    let mut profile_cells: Vec<[u32; Profile::COUNT]> = Vec::new();
    let mut cell_of_pupil = Vec::with_capacity(pupils.len());
    let mut last: Option<(Place, u32)> = None;
    for row in 0..pupils.len() {
        let place = Place {
            year: pupils.year[row],
            urn: pupils.urn[row],
            la_code: pupils.la_code[row],
        };
        let code = match last {
            Some((previous, code)) if previous == place => code,
            _ => {
                let next = profile_cells.len() as u32;
                let code = *place_index.entry(place).or_insert(next);
                if code == next {
                    profile_cells.push([NONE; Profile::COUNT]);
                }
                code
            }
        };
        last = Some((place, code));
        let profile = pupils.profile[row];
        let slot = &mut profile_cells[code as usize][profile.index()];
        if *slot == NONE {
            *slot = summaries.cells.len() as u32;
            summaries.cells.push(Cell { place, profile });
        }
        cell_of_pupil.push(*slot);
    }

    let values: Vec<MeasureValues> = summaries
        .measures
        .iter()
        .map(|measure| measure_values(pupils, measure, estimates))
        .collect();
    // Each measure is summed over every pupil on its own core, into its own
    // column of summaries, then the columns are laid side by side. Summing
    // each thread's share of the pupils into a whole table instead held one
    // table a thread (20 MB each for a national KS2 chunk).
    let cells = summaries.cells.len();
    let columns: Vec<Vec<Summary>> = values
        .par_iter()
        .map(|column| {
            let mut sums = vec![Summary::default(); cells];
            for (row, &cell) in cell_of_pupil.iter().enumerate() {
                sums[cell as usize].add(column.get(row));
            }
            sums
        })
        .collect();
    summaries.stats = Vec::with_capacity(cells * width);
    for cell in 0..cells {
        summaries
            .stats
            .extend(columns.iter().map(|column| column[cell]));
    }
    summaries
}

/// Summarises pupil files of one phase chunk by chunk, so that many years of
/// national pupils never have to fit in memory at once: each chunk is read,
/// validated, summarised and dropped, and the summaries merge. Pupil
/// identifiers are checked for duplicates across every file and chunk.
pub fn summarise_files(
    paths: &[impl AsRef<Path>],
    phase: Option<Phase>,
    chunk_rows: usize,
    estimates: &Estimates,
) -> Result<Summaries> {
    let mut summaries: Option<(Summaries, FxHashMap<Cell, usize>)> = None;
    read_files(paths, phase, chunk_rows, |chunk| {
        let part = summarise(&chunk, estimates);
        match &mut summaries {
            Some((total, index)) => total.merge_indexed(&part, index),
            None => {
                let index = part.cell_index();
                summaries = Some((part, index));
            }
        }
        Ok(())
    })?;
    summaries
        .map(|(total, _)| total)
        .ok_or_else(|| Error::Usage("no pupil files given".into()))
}

/// Each pupil's value for one measure.
#[derive(Debug, Clone, PartialEq)]
enum MeasureValues<'a> {
    /// A rate: whether each pupil meets it.
    Met(Vec<bool>),
    /// A mean: each pupil's value, `NaN` for none.
    Values(&'a [f64]),
    /// A progress score: each pupil's score, `NaN` for none.
    Scores(Vec<f64>),
}

impl MeasureValues<'_> {
    /// A pupil's value: 1 or 0 for a rate, the value or `NaN` for a mean.
    #[inline]
    fn get(&self, row: usize) -> f64 {
        match self {
            MeasureValues::Met(met) => met[row] as u8 as f64,
            MeasureValues::Values(values) => values[row],
            MeasureValues::Scores(scores) => scores[row],
        }
    }
}

/// Each pupil's value for a measure: whether each pupil meets a rate,
/// or each pupil's value (`NaN` for none) of a mean, borrowed from the
/// table. A national cohort's four KS2 measures took 21 MB as `f64`
/// columns; as flags and borrowed values they take 1.3 MB. Progress
/// scores need `estimates` (see [`crate::progress`]).
fn measure_values<'a>(
    pupils: &'a PupilTable,
    measure: &Measure,
    estimates: &Estimates,
) -> MeasureValues<'a> {
    assert_eq!(
        measure.phase, pupils.phase,
        "{} is not a {} measure",
        measure.name, pupils.phase
    );
    let column = |name: &str| {
        pupils
            .outcome(name)
            .unwrap_or_else(|| panic!("{name} is a required column of {}", pupils.phase))
    };
    match measure.rule {
        Rule::Progress(_) | Rule::PublishedOnly => {
            MeasureValues::Scores(estimates.scores(pupils, measure))
        }
        Rule::MeanOf(name) => match column(name) {
            Outcome::Number(values) => MeasureValues::Values(values),
            other => panic!("{name} is not numeric: {other:?}"),
        },
        Rule::AllOf(conditions) => {
            let mut met = vec![true; pupils.len()];
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
            MeasureValues::Met(met)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_and_mean_values() {
        let mut rate = Summary::default();
        for met in [1.0, 0.0, 1.0, 1.0] {
            rate.add(met);
        }
        assert_eq!(rate.value(MeasureKind::Rate), Some(75.0));
        let mut mean = Summary::default();
        for score in [100.0, f64::NAN, 110.0] {
            mean.add(score);
        }
        assert_eq!(mean.n(MeasureKind::Mean), 2);
        assert_eq!(mean.n(MeasureKind::Rate), 3);
        assert_eq!(mean.value(MeasureKind::Mean), Some(105.0));
        assert_eq!(mean.variance(), Some(50.0));
        assert_eq!(Summary::default().value(MeasureKind::Mean), None);
    }

    #[test]
    fn merging_is_adding() {
        let mut a = Summary::default();
        let mut b = Summary::default();
        let mut both = Summary::default();
        for (i, v) in [101.0, 99.0, 87.0, 120.0, f64::NAN].into_iter().enumerate() {
            if i % 2 == 0 {
                a.add(v)
            } else {
                b.add(v)
            }
            both.add(v);
        }
        a.merge(&b);
        assert_eq!(a, both);
    }
}
