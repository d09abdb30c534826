//! The one comparison engine: pools of summaries in, gap-table rows out,
//! for every source.
//!
//! Every source (pupil tables, performance tables, EES and LAIT tables,
//! groupings of them) is brought to the same shape: for each unit (a phase,
//! year, level and unit) a [`Pool`] holding, for every measure and
//! [`Population`], a [`Pooled`] figure: the [`Summary`] of its pupils and,
//! where a published source gives less than a summary, what it does give.
//! [`Engine::push_unit`] turns a pool into rows: values, intervals, gaps,
//! national figures and suppression, the rule applied here and nowhere
//! else. Rows go straight into Arrow arrays ([`Rows`]), with the four name
//! columns as polars `Enum`s (see [`crate::schema`]).

use std::sync::Arc;

use polars::prelude::*;

use crate::disclosure::{Disclosure, Withheld};
use crate::error::{Error, Result};
use crate::geography::{Level, Unit};
use crate::groupings::Groupings;
use crate::groups::{Group, Population};
use crate::measures::{Better, Measure, MeasureKind};
use crate::national::NationalFigures;
use crate::phase::Phase;
use crate::progress::{Band, Bands, ProgressOptions};
use crate::schema::{self, Categories};
use crate::stats::Interval;
use crate::summary::Summary;
use crate::suppression::Suppression;
use rustc_hash::FxHashMap;

/// What the gap table is built with.
#[derive(Debug, Clone)]
pub struct GapOptions {
    pub levels: Vec<Level>,
    pub suppression: Suppression,
    /// Groupings of schools, needed for the `alliance` level.
    pub groupings: Option<Arc<Groupings>>,
    /// Statistical neighbours, needed for the `neighbours` level.
    pub neighbours: Option<Arc<crate::neighbours::Neighbours>>,
    /// Only these LAs (and their schools) are reported; empty for every LA.
    /// National rows, ranks and neighbours still use every pupil.
    pub las: Vec<u16>,
    /// Progress intervals and bands.
    pub progress: ProgressOptions,
    /// Secondary suppression and counts (see [`crate::disclosure`]).
    pub disclosure: Disclosure,
}

impl Default for GapOptions {
    fn default() -> Self {
        GapOptions {
            levels: Level::ALL.to_vec(),
            suppression: Suppression::default(),
            groupings: None,
            neighbours: None,
            las: Vec::new(),
            progress: ProgressOptions::default(),
            disclosure: Disclosure::default(),
        }
    }
}

impl GapOptions {
    /// The levels asked for, or `default` when none are; groupings add the
    /// `alliance` level.
    pub fn new(
        levels: Option<Vec<Level>>,
        default: &[Level],
        min_cohort: u64,
        groupings: Option<Groupings>,
    ) -> GapOptions {
        let mut levels = levels.unwrap_or_else(|| default.to_vec());
        if groupings.is_some() && !levels.contains(&Level::Alliance) {
            levels.push(Level::Alliance);
        }
        GapOptions {
            levels,
            suppression: Suppression { min_cohort },
            groupings: groupings.map(Arc::new),
            ..GapOptions::default()
        }
    }

    /// Adds statistical neighbours, and with them the `neighbours` level.
    pub fn with_neighbours(mut self, neighbours: Option<crate::neighbours::Neighbours>) -> Self {
        if neighbours.is_some() && !self.levels.contains(&Level::Neighbours) {
            self.levels.push(Level::Neighbours);
            self.levels.sort();
        }
        self.neighbours = neighbours.map(Arc::new);
        self
    }

    /// Reports only these LAs (and their schools); empty for every LA.
    pub fn with_las(mut self, las: Vec<u16>) -> Self {
        self.las = las;
        self
    }

    /// Sets the disclosure mode (see [`crate::disclosure`]).
    pub fn with_disclosure(mut self, disclosure: Disclosure) -> Self {
        self.disclosure = disclosure;
        self
    }

    /// Sets how progress intervals and bands are made.
    pub fn with_progress(mut self, progress: ProgressOptions) -> Self {
        self.progress = progress;
        self
    }

    pub(crate) fn check_levels(&self) -> Result<()> {
        if self.levels.contains(&Level::Alliance) && self.groupings.is_none() {
            return Err(Error::Usage(
                "the alliance level needs groupings of schools (--groups FILE)".into(),
            ));
        }
        if self.levels.contains(&Level::Neighbours) && self.neighbours.is_none() {
            return Err(Error::Usage(
                "the neighbours level needs statistical neighbours (--neighbours 2025, 2021 or FILE)"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// A unit's figure for one measure and population.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pooled {
    /// The sufficient statistics of the pupils behind it (empty when a
    /// source gives no count to summarise).
    pub summary: Summary,
    /// What to show when `summary` has no pupils: the count and value a
    /// published source gives without the means to summarise them (a
    /// national figure without a count, a suppressed cell), or `None` from
    /// pupils, where an empty summary is a count of 0.
    pub shown: Option<(Option<u64>, Option<f64>)>,
    /// The counts behind it were recovered from a rounded figure.
    pub rounded: bool,
    /// Why a published source has no value: its code, or Attain's reason.
    pub missing: Option<&'static str>,
    /// The interval a published source gives with the value (DfE's
    /// progress intervals), shown as published.
    pub interval: Option<Interval>,
    /// The value a published source gives for exactly this unit, shown as
    /// published rather than recomputed from the summary (`mean × n / n`
    /// is not always the mean in floating point).
    pub value: Option<f64>,
    /// The progress band a published source gives for exactly this unit.
    pub band: Option<Band>,
    /// The source withheld this unit's band (DfE's `SUPP`): none is
    /// computed in its place.
    pub band_withheld: bool,
}

impl Pooled {
    /// A figure given as a count and value only (published national figures).
    pub fn shown(n: Option<u64>, value: Option<f64>) -> Pooled {
        Pooled {
            shown: Some((n, value)),
            ..Pooled::default()
        }
    }

    /// No figure for this unit and population in the source.
    pub fn not_in_source() -> Pooled {
        Pooled {
            shown: Some((None, None)),
            missing: Some("not in file"),
            ..Pooled::default()
        }
    }

    fn side(&self, kind: MeasureKind, rule: IntervalRule) -> Side {
        match self.shown {
            Some((n, value)) if self.summary.n(kind) == 0 => Side {
                n,
                value,
                low: self.interval.map(|i| i.low),
                high: self.interval.map(|i| i.high),
            },
            _ => {
                let interval = match rule {
                    IntervalRule::Progress(_) if self.interval.is_some() => self.interval,
                    IntervalRule::Progress(Some(sd)) => {
                        self.summary.value(kind).and_then(|value| {
                            crate::stats::z_interval(value, sd, self.summary.n(kind) as f64)
                        })
                    }
                    _ => self.summary.interval(kind),
                };
                Side {
                    n: Some(self.summary.n(kind)),
                    value: self.value.or_else(|| self.summary.value(kind)),
                    low: interval.map(|i| i.low),
                    high: interval.map(|i| i.high),
                }
            }
        }
    }
}

/// What a published source says of a unit beside Attain's own figure.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Beside {
    /// DfE's own count and value for the unit and population.
    pub published_n: Option<u64>,
    pub published_value: Option<f64>,
    /// The population's value in the unit's region.
    pub region_value: Option<f64>,
}

/// One unit's figures: `measures × Population::ALL` entries, measure-major.
#[derive(Debug, Clone, Copy)]
pub struct Pool<'a> {
    pub level: Level,
    pub unit: Unit,
    pub figures: &'a [Pooled],
    /// Published sources only: the same shape as `figures`.
    pub beside: Option<&'a [Beside]>,
}

/// Where a measure's population sits in a pool's slices.
#[inline]
pub fn slot(measure: usize, population: Population) -> usize {
    measure * Population::ALL.len() + population as usize
}

/// How a measure's intervals are made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IntervalRule {
    /// Wilson for a rate, t for a mean.
    Standard,
    /// A progress score: ± z × SD / √n with this national SD, or the
    /// unit's own (a t interval) without one; a published interval as
    /// published.
    Progress(Option<f64>),
}

/// One side of a comparison, before suppression.
#[derive(Debug, Clone, Copy, Default)]
struct Side {
    n: Option<u64>,
    value: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
}

/// How the rows of one phase and year are made: which measures and groups
/// each unit gets, the national figures, and the suppression rule.
#[derive(Debug, Clone)]
pub struct Engine {
    pub phase: Phase,
    pub year: u16,
    pub measures: Vec<&'static Measure>,
    /// Each unit's rows: a measure (its index in `measures`) and a group.
    /// Pupil tables give every pair; published tables those whose members
    /// the files publish.
    pub rows: Vec<(usize, Group)>,
    pub suppression: Suppression,
    /// The national figures of each row's member and comparison.
    national: Vec<(Option<f64>, Option<f64>)>,
    /// The national figure of group `all` for each row's measure.
    national_all: Vec<Option<f64>>,
    /// Every unit's value nationally, for ranks; empty without a national
    /// source of units.
    pub ranks: Ranks,
    /// Every LA's values, for `neighbour_average`; `None` without
    /// neighbours.
    pub neighbour_figures: Option<NeighbourFigures>,
    /// Published sources: the five extra columns.
    pub published: bool,
    /// Each measure's interval rule.
    pub intervals: Vec<IntervalRule>,
    pub bands: Bands,
    /// Cells withheld by primary and secondary suppression, when the
    /// disclosure mode is `publish`; `None` for primary suppression alone.
    pub withheld: Option<Arc<Withheld>>,
    /// Hide the counts of withheld cells (`publish` mode).
    pub hide_counts: bool,
}

/// Every unit's value nationally, per level and row, ascending, for
/// national ranks. Units whose value is withheld (fewer pupils than the
/// minimum cohort) are not ranked.
#[derive(Debug, Clone, Default)]
pub struct Ranks {
    /// `(level, row) → values`; only `la` and `school` are ranked.
    values: FxHashMap<(Level, usize), Vec<f64>>,
}

impl Ranks {
    /// Adds a unit's values, one per row (`None` for no value).
    pub fn add(&mut self, level: Level, values: impl IntoIterator<Item = Option<f64>>) {
        for (row, value) in values.into_iter().enumerate() {
            if let Some(value) = value {
                self.values.entry((level, row)).or_default().push(value);
            }
        }
    }

    /// Whether no unit was ranked.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Sorts the values once all units are in.
    pub fn finish(mut self) -> Ranks {
        for values in self.values.values_mut() {
            values.sort_unstable_by(f64::total_cmp);
        }
        self
    }

    /// A value's rank among the level's units (1 is the best; ties share
    /// the best rank) and how many units were ranked.
    pub fn position(
        &self,
        level: Level,
        row: usize,
        value: f64,
        better: Better,
    ) -> Option<(u64, u64)> {
        let values = self.values.get(&(level, row))?;
        let better_than = match better {
            Better::Higher => values.len() - values.partition_point(|&v| v <= value),
            Better::Lower => values.partition_point(|&v| v < value),
        };
        // A local unit whose value is not among the national units' (a
        // local file that is not part of the national one) is placed among
        // them, never past the last.
        let units = values.len() as u64;
        Some(((better_than as u64 + 1).min(units), units))
    }
}

/// Every LA's own values, one per row, and the neighbours model: LAIT's
/// neighbour average is the mean of the neighbours' own LA values.
#[derive(Debug, Clone)]
pub struct NeighbourFigures {
    pub neighbours: Arc<crate::neighbours::Neighbours>,
    /// `la → values`, one per row (`None`: no value, or withheld).
    pub values: FxHashMap<u16, Vec<Option<f64>>>,
}

impl NeighbourFigures {
    /// How many of an LA's neighbours the data has.
    pub fn used(&self, la: u16) -> u64 {
        self.neighbours
            .of(la)
            .iter()
            .filter(|n| self.values.contains_key(n))
            .count() as u64
    }

    /// The mean of the neighbours' own values for a row, over those with
    /// one, and how many those are.
    pub fn average(&self, la: u16, row: usize) -> (Option<f64>, u64) {
        let values: Vec<f64> = self
            .neighbours
            .of(la)
            .iter()
            .filter_map(|n| self.values.get(n)?.get(row).copied().flatten())
            .collect();
        let average =
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
        (average, values.len() as u64)
    }
}

/// Above, in line with or below a national figure, by the 95% interval:
/// above when `ci_low` > the figure, below when `ci_high` < it. Published
/// national figures are taken as fixed.
fn against(interval: Option<Interval>, national: Option<f64>) -> Option<u8> {
    let (interval, national) = (interval?, national?);
    Some(if interval.low > national {
        0 // above
    } else if interval.high < national {
        2 // below
    } else {
        1 // in_line
    })
}

/// The band of a rank among `units`: 0 for the top `1/bands`, and so on.
fn band(rank: u64, units: u64, bands: u64) -> u64 {
    ((rank.max(1) - 1) * bands / units.max(1)).min(bands - 1)
}

impl Engine {
    pub fn new(
        phase: Phase,
        year: u16,
        measures: Vec<&'static Measure>,
        rows: Vec<(usize, Group)>,
        figures: &NationalFigures,
        suppression: Suppression,
        published: bool,
    ) -> Engine {
        let national = rows
            .iter()
            .map(|&(measure, group)| {
                national_pair(figures, year, measures[measure], group, suppression)
            })
            .collect();
        let national_all = rows
            .iter()
            .map(|&(measure, _)| {
                national_pair(figures, year, measures[measure], Group::All, suppression).0
            })
            .collect();
        Engine {
            phase,
            year,
            measures,
            rows,
            suppression,
            national,
            national_all,
            ranks: Ranks::default(),
            neighbour_figures: None,
            published,
            intervals: Vec::new(),
            bands: Bands::default(),
            withheld: None,
            hide_counts: false,
        }
        .with_progress_sd(|_| None, Bands::default())
    }

    /// Sets the national SD of each progress measure (`sd(measure)`) and
    /// the bands.
    pub fn with_progress_sd(
        mut self,
        sd: impl Fn(&'static Measure) -> Option<f64>,
        bands: Bands,
    ) -> Engine {
        self.intervals = self
            .measures
            .iter()
            .map(|&measure| {
                if measure.is_progress() {
                    IntervalRule::Progress(sd(measure))
                } else {
                    IntervalRule::Standard
                }
            })
            .collect();
        self.bands = bands;
        self
    }

    /// Every measure with every group.
    pub fn every_row(measures: usize) -> Vec<(usize, Group)> {
        (0..measures)
            .flat_map(|m| Group::ALL.map(|g| (m, g)))
            .collect()
    }

    /// An empty table to push rows into.
    pub fn rows_for(&self, units: usize) -> Rows {
        Rows::with_capacity(units * self.rows.len(), self.published)
    }

    /// One row's figures for a unit. The suppression rule lives here, once:
    /// a side with fewer than `min_cohort` pupils (and a value) is withheld,
    /// with every figure computed from it.
    pub fn figures(&self, unit: &Pool, row: usize) -> Figures {
        let pool = unit.figures;
        let (index, group) = self.rows[row];
        let kind = self.measures[index].kind();
        let rule = self.intervals[index];
        let member_pool = pool[slot(index, group.members())];
        let comparison_pool = group
            .comparison()
            .map(|population| pool[slot(index, population)]);
        let member = member_pool.side(kind, rule);
        let comparison = comparison_pool.map(|c| c.side(kind, rule));
        let withholds =
            |side: &Side| self.suppression.withholds(side.n.unwrap_or(0)) && side.value.is_some();
        let secondary = |population: Population| {
            self.withheld
                .as_ref()
                .is_some_and(|w| w.contains(unit.level, unit.unit, index, population))
        };
        let member_withheld = withholds(&member) || secondary(group.members());
        let comparison_withheld =
            comparison.as_ref().is_some_and(withholds) || group.comparison().is_some_and(secondary);
        let member_value = member.value.filter(|_| !member_withheld);
        let comparison_value = comparison
            .and_then(|c| c.value)
            .filter(|_| !comparison_withheld);
        let gap = member_value.zip(comparison_value).map(|(m, c)| m - c);
        let gap_interval = comparison_pool
            .filter(|c| gap.is_some() && member_pool.summary.n(kind) > 0 && c.summary.n(kind) > 0)
            .and_then(|c| member_pool.summary.difference_interval(&c.summary, kind));
        let (national_member, national_comparison) = self.national[row];
        Figures {
            member: member_pool,
            comparison: comparison_pool,
            n_member: member.n,
            value_member: member_value,
            interval: member
                .low
                .zip(member.high)
                .filter(|_| !member_withheld)
                .map(|(low, high)| crate::stats::Interval { low, high }),
            n_comparison: comparison.and_then(|c| c.n),
            value_comparison: comparison_value,
            gap,
            gap_interval,
            national_member,
            national_comparison: comparison.and(national_comparison),
            member_withheld,
            comparison_withheld,
        }
    }

    /// A row's members' value for a unit, after suppression, without the
    /// intervals [`Engine::figures`] computes: what ranks and neighbour
    /// averages need of every unit in England.
    pub fn value(&self, unit: &Pool, row: usize) -> Option<f64> {
        let (index, group) = self.rows[row];
        let member = unit.figures[slot(index, group.members())];
        if self
            .withheld
            .as_ref()
            .is_some_and(|w| w.contains(unit.level, unit.unit, index, group.members()))
        {
            return None;
        }
        let kind = self.measures[index].kind();
        let (n, value) = match member.shown {
            Some(shown) if member.summary.n(kind) == 0 => shown,
            _ => (
                Some(member.summary.n(kind)),
                member.value.or_else(|| member.summary.value(kind)),
            ),
        };
        value.filter(|_| !self.suppression.withholds(n.unwrap_or(0)))
    }

    /// A cell as a table shows it: its count, whether it has a value, and
    /// whether primary suppression withholds it (see
    /// [`crate::disclosure::Layout`]).
    pub fn cell(
        &self,
        pool: &[Pooled],
        index: usize,
        population: Population,
    ) -> (Option<u64>, Option<f64>, bool) {
        let figure = pool[slot(index, population)];
        let kind = self.measures[index].kind();
        let (n, value) = match figure.shown {
            Some(shown) if figure.summary.n(kind) == 0 => shown,
            _ => (
                Some(figure.summary.n(kind)),
                figure.value.or_else(|| figure.summary.value(kind)),
            ),
        };
        let withheld = self.suppression.withholds(n.unwrap_or(0)) && value.is_some();
        (n, value, withheld)
    }

    /// Records every cell a unit's rows show.
    pub fn add_to_layout(&self, layout: &mut crate::disclosure::Layout, pool: &Pool) {
        for &(index, group) in &self.rows {
            let measure = self.measures[index];
            if measure.counts_cohort() {
                layout.cohorts.insert(index as u8, measure);
            }
            for population in std::iter::once(group.members()).chain(group.comparison()) {
                let (n, value, withheld) = self.cell(pool.figures, index, population);
                // For a rate, the pupils meeting it (what a reader can work
                // out from the count and the percentage).
                let met = match self.measures[index].kind() {
                    MeasureKind::Rate => n.zip(value).map(|(n, v)| (v * n as f64 / 100.0).round()),
                    MeasureKind::Mean => None,
                };
                layout.add(
                    (pool.level, pool.unit, index as u8, population),
                    n,
                    met,
                    value.is_some(),
                    withheld,
                );
            }
        }
    }

    /// Whether England's figure of a measure and population is withheld
    /// (a small group in a small nation): the national columns hide it.
    fn national_withheld(&self, index: usize, population: Population) -> bool {
        self.withheld
            .as_ref()
            .is_some_and(|w| w.contains(Level::National, Unit::England, index, population))
    }

    /// A unit's rows.
    pub fn push_unit(&self, out: &mut Rows, pool: &Pool) {
        for (row, &(index, group)) in self.rows.iter().enumerate() {
            let measure = self.measures[index];
            let mut f = self.figures(pool, row);
            if self.national_withheld(index, group.members()) {
                f.national_member = None;
            }
            if group
                .comparison()
                .is_some_and(|c| self.national_withheld(index, c))
            {
                f.national_comparison = None;
            }
            let national_gap = f
                .comparison
                .and(f.national_member)
                .zip(f.national_comparison)
                .map(|(m, c)| m - c);
            out.phase.push(self.phase as u8);
            out.year.push(self.year as i32);
            out.level.push(pool.level as u8);
            out.unit.push(pool.unit);
            out.measure.push(measure.index() as u8);
            out.group.push(group as u8);
            let hide = |withheld: bool| withheld && self.hide_counts;
            out.n_member.append_option(
                f.n_member
                    .filter(|_| !hide(f.member_withheld))
                    .map(|n| n as i64),
            );
            out.value_member.append_option(f.value_member);
            out.ci_low.append_option(f.interval.map(|i| i.low));
            out.ci_high.append_option(f.interval.map(|i| i.high));
            out.n_comparison.append_option(
                f.n_comparison
                    .filter(|_| !hide(f.comparison_withheld))
                    .map(|n| n as i64),
            );
            out.value_comparison.append_option(f.value_comparison);
            out.gap.append_option(f.gap);
            out.gap_ci_low.append_option(f.gap_interval.map(|i| i.low));
            out.gap_ci_high
                .append_option(f.gap_interval.map(|i| i.high));
            out.national_member.append_option(f.national_member);
            out.national_comparison.append_option(f.national_comparison);
            out.gap_to_national.append_option(
                f.comparison
                    .and(f.value_member)
                    .zip(f.national_comparison)
                    .map(|(m, c)| m - c),
            );
            out.national_gap.append_option(national_gap);
            out.gap_vs_national_gap
                .append_option(f.gap.zip(national_gap).map(|(g, n)| g - n));
            out.suppressed.append_value(f.suppressed());
            let national_all =
                self.national_all[row].filter(|_| !self.national_withheld(index, Population::All));
            let flag = |national| {
                (pool.level != Level::National)
                    .then(|| against(f.interval, national))
                    .flatten()
            };
            out.national_all.append_option(national_all);
            out.vs_national_same.push(flag(f.national_member));
            out.vs_national_other.push(flag(f.national_comparison));
            out.vs_national_all.push(flag(national_all));
            let neighbours = self.neighbour_figures.as_ref();
            let (average, used) = match (pool.unit, neighbours) {
                (Unit::La(la), Some(n)) if n.neighbours.has(la) => {
                    let (average, used) = n.average(la, row);
                    (average, Some(used))
                }
                (Unit::Neighbours(la), Some(n)) => (None, Some(n.used(la))),
                _ => (None, None),
            };
            out.neighbour_average.append_option(average);
            out.neighbours_used.append_option(used.map(|u| u as i64));
            let position = f
                .value_member
                .and_then(|v| self.ranks.position(pool.level, row, v, measure.better));
            out.national_rank
                .append_option(position.map(|(r, _)| r as i64));
            out.national_units
                .append_option(position.map(|(_, n)| n as i64));
            out.national_quartile.push(
                position
                    .filter(|_| pool.level == Level::La)
                    .map(|(r, n)| band(r, n, 4) as u8),
            );
            out.national_quintile.append_option(
                position
                    .filter(|_| pool.level == Level::School)
                    .map(|(r, n)| band(r, n, 5) as i64 + 1),
            );
            let published = &pool.figures[slot(index, group.members())];
            let published_band = published.band.filter(|_| f.value_member.is_some());
            let progress_band = match self.bands {
                _ if !measure.is_progress() || pool.level == Level::National => None,
                Bands::Dfe { .. } if published_band.is_some() => published_band,
                Bands::Dfe { .. } if published.band_withheld => None,
                Bands::Dfe { well } => f.value_member.zip(f.interval).map(|(value, i)| {
                    // The rule's 0.5 (domain notes, FFT Education
                    // Datalab's summary of DfE's performance tables) for
                    // every progress measure unless another is given.
                    let well = well.or(Some(0.5));
                    Band::dfe(value, i.low, i.high, well)
                }),
                Bands::Percentile => position.map(|(r, n)| Band::of_quintile(band(r, n, 5))),
            };
            out.progress_band.push(progress_band.map(|b| b as u8));

            if let Some(extra) = out.published.as_mut() {
                let beside = pool
                    .beside
                    .map(|b| b[slot(index, group.members())])
                    .unwrap_or_default();
                extra
                    .published_n_member
                    .append_option(beside.published_n.map(|n| n as i64));
                extra
                    .published_member
                    .append_option(beside.published_value.filter(|_| !f.member_withheld));
                extra.region_member.append_option(beside.region_value);
                extra
                    .rounded
                    .append_value(f.member.rounded || f.comparison.is_some_and(|c| c.rounded));
                extra.reason.append_option(if f.member_withheld {
                    Some("min_cohort")
                } else if f.value_member.is_none() {
                    f.member.missing.or(Some("empty"))
                } else {
                    None
                });
            }
        }
    }
}

/// One row's figures for one unit, after suppression: what the gap table
/// shows, and what trends compare across years.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    /// The members' and the comparison group's pooled figures, before
    /// suppression (trends take intervals of change from them).
    pub member: Pooled,
    pub comparison: Option<Pooled>,
    pub n_member: Option<u64>,
    pub value_member: Option<f64>,
    pub interval: Option<crate::stats::Interval>,
    pub n_comparison: Option<u64>,
    pub value_comparison: Option<f64>,
    pub gap: Option<f64>,
    pub gap_interval: Option<crate::stats::Interval>,
    pub national_member: Option<f64>,
    pub national_comparison: Option<f64>,
    pub member_withheld: bool,
    pub comparison_withheld: bool,
}

impl Figures {
    /// A value in the row was withheld.
    pub fn suppressed(&self) -> bool {
        self.member_withheld || self.comparison_withheld
    }
}

/// The national figures of a group and its comparison. A figure computed
/// from fewer pupils than the minimum cohort is withheld like any other
/// value, or a national row's withheld value could be read back from every
/// other row (as when the "national" pupils are a handful).
fn national_pair(
    figures: &NationalFigures,
    year: u16,
    measure: &Measure,
    group: Group,
    suppression: Suppression,
) -> (Option<f64>, Option<f64>) {
    let value = |population: Population| {
        figures
            .get(year, measure, population)
            .filter(|f| !f.n.is_some_and(|n| suppression.withholds(n)))
            .map(|f| f.value)
    };
    (value(group.members()), group.comparison().and_then(value))
}

/// The national rows of a year from published figures alone: values and
/// counts, no intervals.
pub fn national_pool(engine: &Engine, figures: &NationalFigures) -> Vec<Pooled> {
    let mut pooled = vec![Pooled::not_in_source(); engine.measures.len() * Population::ALL.len()];
    for (index, &measure) in engine.measures.iter().enumerate() {
        for population in Population::ALL {
            pooled[slot(index, population)] = figures
                .get(engine.year, measure, population)
                .map_or_else(Pooled::not_in_source, |f| Pooled::shown(f.n, Some(f.value)));
        }
    }
    pooled
}

/// Rows of the gap table, column by column, in Arrow arrays.
pub struct Rows {
    phase: Vec<u8>,
    year: Vec<i32>,
    level: Vec<u8>,
    unit: Vec<Unit>,
    measure: Vec<u8>,
    group: Vec<u8>,
    n_member: PrimitiveChunkedBuilder<Int64Type>,
    value_member: PrimitiveChunkedBuilder<Float64Type>,
    ci_low: PrimitiveChunkedBuilder<Float64Type>,
    ci_high: PrimitiveChunkedBuilder<Float64Type>,
    n_comparison: PrimitiveChunkedBuilder<Int64Type>,
    value_comparison: PrimitiveChunkedBuilder<Float64Type>,
    gap: PrimitiveChunkedBuilder<Float64Type>,
    gap_ci_low: PrimitiveChunkedBuilder<Float64Type>,
    gap_ci_high: PrimitiveChunkedBuilder<Float64Type>,
    national_member: PrimitiveChunkedBuilder<Float64Type>,
    national_comparison: PrimitiveChunkedBuilder<Float64Type>,
    gap_to_national: PrimitiveChunkedBuilder<Float64Type>,
    national_gap: PrimitiveChunkedBuilder<Float64Type>,
    gap_vs_national_gap: PrimitiveChunkedBuilder<Float64Type>,
    suppressed: BooleanChunkedBuilder,
    national_all: PrimitiveChunkedBuilder<Float64Type>,
    vs_national_same: Vec<Option<u8>>,
    vs_national_other: Vec<Option<u8>>,
    vs_national_all: Vec<Option<u8>>,
    neighbour_average: PrimitiveChunkedBuilder<Float64Type>,
    neighbours_used: PrimitiveChunkedBuilder<Int64Type>,
    national_rank: PrimitiveChunkedBuilder<Int64Type>,
    national_units: PrimitiveChunkedBuilder<Int64Type>,
    national_quartile: Vec<Option<u8>>,
    national_quintile: PrimitiveChunkedBuilder<Int64Type>,
    progress_band: Vec<Option<u8>>,
    published: Option<PublishedRows>,
}

struct PublishedRows {
    published_n_member: PrimitiveChunkedBuilder<Int64Type>,
    published_member: PrimitiveChunkedBuilder<Float64Type>,
    region_member: PrimitiveChunkedBuilder<Float64Type>,
    rounded: BooleanChunkedBuilder,
    reason: StringChunkedBuilder,
}

impl Rows {
    pub fn with_capacity(rows: usize, published: bool) -> Rows {
        let names = schema::names(true);
        let float = |i: usize| PrimitiveChunkedBuilder::<Float64Type>::new(names[i].into(), rows);
        let count = |i: usize| PrimitiveChunkedBuilder::<Int64Type>::new(names[i].into(), rows);
        Rows {
            phase: Vec::with_capacity(rows),
            year: Vec::with_capacity(rows),
            level: Vec::with_capacity(rows),
            unit: Vec::with_capacity(rows),
            measure: Vec::with_capacity(rows),
            group: Vec::with_capacity(rows),
            n_member: count(6),
            value_member: float(7),
            ci_low: float(8),
            ci_high: float(9),
            n_comparison: count(10),
            value_comparison: float(11),
            gap: float(12),
            gap_ci_low: float(13),
            gap_ci_high: float(14),
            national_member: float(15),
            national_comparison: float(16),
            gap_to_national: float(17),
            national_gap: float(18),
            gap_vs_national_gap: float(19),
            suppressed: BooleanChunkedBuilder::new(names[20].into(), rows),
            national_all: float(21),
            vs_national_same: Vec::with_capacity(rows),
            vs_national_other: Vec::with_capacity(rows),
            vs_national_all: Vec::with_capacity(rows),
            neighbour_average: float(25),
            neighbours_used: count(26),
            national_rank: count(27),
            national_units: count(28),
            national_quartile: Vec::with_capacity(rows),
            national_quintile: count(30),
            progress_band: Vec::with_capacity(rows),
            published: published.then(|| PublishedRows {
                published_n_member: count(32),
                published_member: float(33),
                region_member: float(34),
                rounded: BooleanChunkedBuilder::new(names[35].into(), rows),
                reason: StringChunkedBuilder::new(names[36].into(), rows),
            }),
        }
    }

    pub fn len(&self) -> usize {
        self.year.len()
    }

    pub fn is_empty(&self) -> bool {
        self.year.is_empty()
    }

    /// The rows as a `DataFrame`, columns as in [`crate::schema`];
    /// `group_ids` names alliances.
    pub fn finish(self, group_ids: Option<&Groupings>) -> Result<DataFrame> {
        let rows = self.len();
        let names = schema::names(true);
        let optional = |i: usize, codes: Vec<Option<u8>>, categories: Categories| -> Column {
            let codes = UInt8Chunked::from_iter_options(names[i].into(), codes.into_iter());
            // Safety: every code is a position in `categories.names()`.
            unsafe { Categorical8Chunked::from_cats_and_dtype_unchecked(codes, categories.dtype()) }
                .into_series()
                .into_column()
        };
        let named = |i: usize, codes: Vec<u8>, categories: Categories| -> Column {
            let codes = UInt8Chunked::from_vec(names[i].into(), codes);
            // Safety: every code is a position in `categories.names()`,
            // written by `Engine::push_unit` from the same lists.
            unsafe { Categorical8Chunked::from_cats_and_dtype_unchecked(codes, categories.dtype()) }
                .into_series()
                .into_column()
        };
        let mut columns = vec![
            named(0, self.phase, Categories::Phase),
            Int32Chunked::from_vec(names[1].into(), self.year).into_column(),
            named(2, self.level, Categories::Level),
            schema::unit_column(names[3], &self.unit, group_ids),
            named(4, self.measure, Categories::Measure),
            named(5, self.group, Categories::Group),
            self.n_member.finish().into_column(),
            self.value_member.finish().into_column(),
            self.ci_low.finish().into_column(),
            self.ci_high.finish().into_column(),
            self.n_comparison.finish().into_column(),
            self.value_comparison.finish().into_column(),
            self.gap.finish().into_column(),
            self.gap_ci_low.finish().into_column(),
            self.gap_ci_high.finish().into_column(),
            self.national_member.finish().into_column(),
            self.national_comparison.finish().into_column(),
            self.gap_to_national.finish().into_column(),
            self.national_gap.finish().into_column(),
            self.gap_vs_national_gap.finish().into_column(),
            self.suppressed.finish().into_column(),
            self.national_all.finish().into_column(),
            optional(22, self.vs_national_same, Categories::Against),
            optional(23, self.vs_national_other, Categories::Against),
            optional(24, self.vs_national_all, Categories::Against),
            self.neighbour_average.finish().into_column(),
            self.neighbours_used.finish().into_column(),
            self.national_rank.finish().into_column(),
            self.national_units.finish().into_column(),
            optional(29, self.national_quartile, Categories::Quartile),
            self.national_quintile.finish().into_column(),
            optional(31, self.progress_band, Categories::Band),
        ];
        if let Some(extra) = self.published {
            columns.extend([
                extra.published_n_member.finish().into_column(),
                extra.published_member.finish().into_column(),
                extra.region_member.finish().into_column(),
                extra.rounded.finish().into_column(),
                extra.reason.finish().into_column(),
            ]);
        }
        DataFrame::new(rows, columns).map_err(|e| Error::table("gap table", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_at_the_boundaries_are_in_line() {
        let interval = Some(Interval {
            low: 50.0,
            high: 60.0,
        });
        assert_eq!(
            against(interval, Some(50.0)),
            Some(1),
            "ci_low equal: in line"
        );
        assert_eq!(
            against(interval, Some(60.0)),
            Some(1),
            "ci_high equal: in line"
        );
        assert_eq!(against(interval, Some(49.999)), Some(0), "above");
        assert_eq!(against(interval, Some(60.001)), Some(2), "below");
        assert_eq!(against(None, Some(50.0)), None);
        assert_eq!(against(interval, None), None);
    }

    #[test]
    fn ties_share_the_best_rank_and_bands_split_evenly() {
        let mut ranks = Ranks::default();
        for value in [70.0, 80.0, 80.0, 60.0, 90.0] {
            ranks.add(Level::La, [Some(value)]);
        }
        ranks.add(Level::La, [None]); // withheld: not ranked
        let ranks = ranks.finish();
        let rank = |v| ranks.position(Level::La, 0, v, Better::Higher);
        assert_eq!(rank(90.0), Some((1, 5)));
        assert_eq!(rank(80.0), Some((2, 5)));
        assert_eq!(rank(70.0), Some((4, 5)));
        assert_eq!(rank(60.0), Some((5, 5)));
        let lower = |v| ranks.position(Level::La, 0, v, Better::Lower);
        assert_eq!(lower(60.0), Some((1, 5)));
        assert_eq!(lower(80.0), Some((3, 5)));
        assert_eq!(ranks.position(Level::School, 0, 60.0, Better::Higher), None);
        // 152 LAs: 38 in each quartile; 5 schools in each fifth of 25.
        assert_eq!(band(38, 152, 4), 0);
        assert_eq!(band(39, 152, 4), 1);
        assert_eq!(band(152, 152, 4), 3);
        assert_eq!((band(5, 25, 5), band(6, 25, 5), band(25, 25, 5)), (0, 1, 4));
        // A local value below every national one is placed last, not past it.
        assert_eq!(rank(10.0), Some((5, 5)));
        assert_eq!(band(6, 5, 4), 3);
    }
}
