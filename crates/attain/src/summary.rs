//! Mergeable sufficient statistics: the one summary type every capability
//! reuses.
//!
//! A [`Summary`] holds, for one measure over some set of pupils, the cohort
//! size, how many of them have a value, and the sum and sum of squares of the
//! values (for a rate the value is 1 for a pupil who meets the measure and 0
//! otherwise, so the sum is the number meeting it). Summaries add exactly:
//! schools combine into an LA, LAs into England, schools into an alliance,
//! and one thread's part of the pupils into another's. For whole-number
//! values (marks, scaled scores, grades, met/not met) the sums are exact in
//! `f64` far beyond a national cohort, so merging in any order gives the
//! same figures as computing from the pupils at once.
//!
//! [`Summaries`] keeps one summary per measure for every *cell*: a year, a
//! school, an LA and one of the 24 pupil [`Profile`]s. Every level and every
//! group is a sum of cells, so the pupils are read once.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::groups::{Population, Profile};
use crate::measures::{Measure, MeasureKind};
use crate::phase::Phase;
use crate::pupils::PupilTable;
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

    /// A summary for a rate: `met` of `cohort` pupils.
    pub fn rate(cohort: u64, met: u64) -> Summary {
        Summary {
            cohort,
            with_value: cohort,
            sum: met as f64,
            sum_sq: met as f64,
        }
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

    /// The sample variance of the values (divisor `n − 1`); `None` for `n < 2`.
    pub fn variance(&self) -> Option<f64> {
        let n = self.with_value as f64;
        (self.with_value >= 2)
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

/// Summaries of one phase per place and pupil profile.
///
/// `stats` is laid out place-major: the summaries of place `p`, profile `f`
/// and measure `m` are at `(p * Profile::COUNT + f) * measures.len() + m`.
#[derive(Debug, Clone, PartialEq)]
pub struct Summaries {
    pub phase: Phase,
    pub measures: Vec<&'static Measure>,
    pub places: Vec<Place>,
    pub stats: Vec<Summary>,
}

impl Summaries {
    pub fn empty(phase: Phase) -> Summaries {
        Summaries {
            phase,
            measures: Measure::of_phase(phase).collect(),
            places: Vec::new(),
            stats: Vec::new(),
        }
    }

    fn stride(&self) -> usize {
        Profile::COUNT * self.measures.len()
    }

    /// The summaries of one place: `Profile::COUNT × measures` entries.
    pub fn of_place(&self, place: usize) -> &[Summary] {
        let stride = self.stride();
        &self.stats[place * stride..(place + 1) * stride]
    }

    /// The summary of one measure over a population, from a place's (or a
    /// merged unit's) per-profile summaries.
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

    /// Adds another set of summaries of the same phase into this one.
    pub fn merge(&mut self, other: &Summaries) {
        assert_eq!(
            self.phase, other.phase,
            "summaries of different phases cannot merge"
        );
        let stride = self.stride();
        let mut index: FxHashMap<Place, usize> = self
            .places
            .iter()
            .enumerate()
            .map(|(i, p)| (*p, i))
            .collect();
        for (theirs, place) in other.places.iter().enumerate() {
            let ours = *index.entry(*place).or_insert_with(|| {
                self.places.push(*place);
                self.stats
                    .extend(std::iter::repeat_n(Summary::default(), stride));
                self.places.len() - 1
            });
            for (mine, their) in self.stats[ours * stride..(ours + 1) * stride]
                .iter_mut()
                .zip(other.of_place(theirs))
            {
                mine.merge(their);
            }
        }
    }

    /// The years present, ascending.
    pub fn years(&self) -> Vec<u16> {
        let mut years: Vec<u16> = self.places.iter().map(|p| p.year).collect();
        years.sort_unstable();
        years.dedup();
        years
    }
}

/// Summarises a pupil table in one pass over its columns.
pub fn summarise(pupils: &PupilTable) -> Summaries {
    let mut summaries = Summaries::empty(pupils.phase);
    let measures = summaries.measures.len();
    let stride = Profile::COUNT * measures;

    // Integer-code the places once, so the accumulation indexes a flat array.
    let mut place_index: FxHashMap<Place, u32> = FxHashMap::default();
    let mut place_of_pupil = Vec::with_capacity(pupils.len());
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
                let next = place_index.len() as u32;
                let code = *place_index.entry(place).or_insert(next);
                if code == next {
                    summaries.places.push(place);
                }
                code
            }
        };
        last = Some((place, code));
        place_of_pupil.push(code);
    }

    let values: Vec<Vec<f64>> = summaries
        .measures
        .iter()
        .map(|measure| pupils.measure_values(measure))
        .collect();
    let cells = summaries.places.len() * stride;
    let accumulate = |range: std::ops::Range<usize>| {
        let mut stats = vec![Summary::default(); cells];
        for row in range {
            let base =
                place_of_pupil[row] as usize * stride + pupils.profile[row].index() * measures;
            for (measure, column) in values.iter().enumerate() {
                stats[base + measure].add(column[row]);
            }
        }
        stats
    };
    // Each thread sums its share of the pupils; the shares then merge, which
    // is exact (see the module docs).
    let threads = rayon::current_num_threads().max(1);
    let chunk = pupils.len().div_ceil(threads).max(1 << 16);
    let ranges: Vec<_> = (0..pupils.len())
        .step_by(chunk)
        .map(|start| start..(start + chunk).min(pupils.len()))
        .collect();
    summaries.stats = ranges
        .into_par_iter()
        .map(accumulate)
        .reduce_with(|mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, y)| x.merge(y));
            a
        })
        .unwrap_or_default();
    summaries
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
