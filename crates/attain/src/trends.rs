//! Trends: which way every unit, measure and group is going, whether each
//! change is real or noise, and whether the gap is closing.
//!
//! The same pools as the gap table ([`crate::compare`]), compared with the
//! same unit's pool in its previous year. One row per (phase, level, unit,
//! measure, group, year) for every year in which the unit has pupils (or
//! published figures) of the phase and an earlier year in which it had them
//! too. Columns ([`crate::schema::TREND_COLUMNS`]):
//!
//! | column | meaning |
//! |---|---|
//! | `previous_year` | the latest earlier year in which the unit has pupils of the phase (2022 is compared with 2019 when 2020 and 2021 are absent) |
//! | `n_member`, `value_member` | the gap table's, this year |
//! | `n_previous`, `value_previous` | the gap table's, in `previous_year` |
//! | `change`, `change_ci_low`, `change_ci_high` | `value_member − value_previous` and its 95% interval, the two years taken as independent cohorts: Newcombe's hybrid score for rates, Welch for means (empty when either side has no value, or for a mean fewer than 2 pupils; published means have none) |
//! | `change_significance` | `rise` (interval above 0), `drop` (below 0), `no_change`; empty without an interval |
//! | `gap`, `gap_previous` | the gap table's `gap` (member − comparison) in each year |
//! | `gap_change`, `gap_change_ci_low`, `gap_change_ci_high` | `gap − gap_previous`, with the MOVER interval (Zou and Donner 2008) built from the two gaps' intervals ([`crate::stats::mover`]) |
//! | `gap_change_significance` | `rise`, `drop` or `no_change` by the same rule. A gap is member − comparison, so for a group behind its comparison (a negative gap) a **rise means the gap narrowed** |
//! | `direction` | over this year, `previous_year` and the year before that: `rising` when each value is above the one before, `falling` when each is below, `mixed` otherwise; empty with fewer than three years or a missing value |
//! | `suppressed` | a value behind the row was withheld |
//!
//! Suppression is the gap table's: a value from fewer than `min_cohort`
//! pupils is withheld in its year, every change computed from it is
//! withheld too, and the row is marked `suppressed`. National rows come from
//! the national source: national pupils (in the years of the local pupils),
//! or a reference table's published figures, which have no intervals, so
//! their changes have none either.

use polars::prelude::*;
use rustc_hash::FxHashMap;

use crate::compare::{Engine, Figures, Pool};
use crate::error::{Error, Result};
use crate::gaps::Comparison;
use crate::geography::{Level, Unit};
use crate::groupings::Groupings;
use crate::groups::Group;
use crate::measures::MeasureKind;
use crate::phase::Phase;
use crate::schema::{self, Categories};
use crate::stats::{self, Interval};
use crate::summary::Summary;

/// What trends are built with, beyond the gap table's options.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrendOptions {
    /// Keep only rows whose change or gap change is significant.
    pub significant_only: bool,
}

/// What a trend needs of one unit's row in one year.
#[derive(Debug, Clone, Copy)]
struct Kept {
    member: Summary,
    n: Option<u64>,
    value: Option<f64>,
    gap: Option<f64>,
    gap_interval: Option<Interval>,
    /// A value of the row (member or comparison) was withheld.
    withheld: bool,
    /// The member's value was withheld.
    member_withheld: bool,
}

impl Kept {
    fn of(figures: &Figures) -> Kept {
        Kept {
            member: figures.member.summary,
            n: figures.n_member,
            value: figures.value_member,
            gap: figures.gap,
            gap_interval: figures.gap_interval,
            withheld: figures.suppressed(),
            member_withheld: figures.member_withheld,
        }
    }
}

/// Where a row's (measure, group) sits in a unit's year.
fn key(measure: usize, group: Group) -> usize {
    measure * Group::ALL.len() + group as usize
}

/// A unit's rows in one year, by [`key`].
type Year = (u16, Vec<Option<Kept>>);

/// Each unit's last two years, as the years go by.
#[derive(Default)]
struct Histories {
    units: FxHashMap<(Phase, Level, Unit), [Option<Year>; 2]>,
}

/// Rise, drop or no change, from an interval of a change.
fn significance(interval: Option<Interval>) -> Option<u8> {
    interval.map(|i| {
        if i.low > 0.0 {
            0 // rise
        } else if i.high < 0.0 {
            1 // drop
        } else {
            2 // no_change
        }
    })
}

/// The trends table's rows, column by column.
struct TrendRows {
    phase: Vec<u8>,
    level: Vec<u8>,
    unit: Vec<Unit>,
    measure: Vec<u8>,
    group: Vec<u8>,
    year: Vec<i32>,
    previous_year: Vec<i32>,
    n_member: PrimitiveChunkedBuilder<Int64Type>,
    value_member: PrimitiveChunkedBuilder<Float64Type>,
    n_previous: PrimitiveChunkedBuilder<Int64Type>,
    value_previous: PrimitiveChunkedBuilder<Float64Type>,
    change: PrimitiveChunkedBuilder<Float64Type>,
    change_ci_low: PrimitiveChunkedBuilder<Float64Type>,
    change_ci_high: PrimitiveChunkedBuilder<Float64Type>,
    change_significance: Vec<Option<u8>>,
    gap: PrimitiveChunkedBuilder<Float64Type>,
    gap_previous: PrimitiveChunkedBuilder<Float64Type>,
    gap_change: PrimitiveChunkedBuilder<Float64Type>,
    gap_change_ci_low: PrimitiveChunkedBuilder<Float64Type>,
    gap_change_ci_high: PrimitiveChunkedBuilder<Float64Type>,
    gap_change_significance: Vec<Option<u8>>,
    direction: Vec<Option<u8>>,
    suppressed: BooleanChunkedBuilder,
}

impl TrendRows {
    fn new() -> TrendRows {
        let float = |name: &str| PrimitiveChunkedBuilder::<Float64Type>::new(name.into(), 0);
        let count = |name: &str| PrimitiveChunkedBuilder::<Int64Type>::new(name.into(), 0);
        TrendRows {
            phase: Vec::new(),
            level: Vec::new(),
            unit: Vec::new(),
            measure: Vec::new(),
            group: Vec::new(),
            year: Vec::new(),
            previous_year: Vec::new(),
            n_member: count("n_member"),
            value_member: float("value_member"),
            n_previous: count("n_previous"),
            value_previous: float("value_previous"),
            change: float("change"),
            change_ci_low: float("change_ci_low"),
            change_ci_high: float("change_ci_high"),
            change_significance: Vec::new(),
            gap: float("gap"),
            gap_previous: float("gap_previous"),
            gap_change: float("gap_change"),
            gap_change_ci_low: float("gap_change_ci_low"),
            gap_change_ci_high: float("gap_change_ci_high"),
            gap_change_significance: Vec::new(),
            direction: Vec::new(),
            suppressed: BooleanChunkedBuilder::new("suppressed".into(), 0),
        }
    }

    /// The rows as a frame, ordered as the key columns read: phase, level,
    /// unit, measure, group, then year.
    fn finish(self, groupings: Option<&Groupings>) -> Result<DataFrame> {
        let rows = self.year.len();
        let mut order: Vec<IdxSize> = (0..rows as IdxSize).collect();
        order.sort_by_key(|&i| {
            let i = i as usize;
            (
                self.phase[i],
                self.level[i],
                self.unit[i],
                self.measure[i],
                self.group[i],
                self.year[i],
            )
        });
        let named = |name: &str, codes: Vec<Option<u8>>, categories: Categories| -> Column {
            let codes = UInt8Chunked::from_iter_options(name.into(), codes.into_iter());
            // Safety: every code is a position in `categories.names()`.
            unsafe { Categorical8Chunked::from_cats_and_dtype_unchecked(codes, categories.dtype()) }
                .into_series()
                .into_column()
        };
        let all = |codes: Vec<u8>| codes.into_iter().map(Some).collect::<Vec<_>>();
        let columns = vec![
            named("phase", all(self.phase), Categories::Phase),
            named("level", all(self.level), Categories::Level),
            schema::unit_column("unit", &self.unit, groupings),
            named("measure", all(self.measure), Categories::Measure),
            named("group", all(self.group), Categories::Group),
            Int32Chunked::from_vec("year".into(), self.year).into_column(),
            Int32Chunked::from_vec("previous_year".into(), self.previous_year).into_column(),
            self.n_member.finish().into_column(),
            self.value_member.finish().into_column(),
            self.n_previous.finish().into_column(),
            self.value_previous.finish().into_column(),
            self.change.finish().into_column(),
            self.change_ci_low.finish().into_column(),
            self.change_ci_high.finish().into_column(),
            named(
                "change_significance",
                self.change_significance,
                Categories::Significance,
            ),
            self.gap.finish().into_column(),
            self.gap_previous.finish().into_column(),
            self.gap_change.finish().into_column(),
            self.gap_change_ci_low.finish().into_column(),
            self.gap_change_ci_high.finish().into_column(),
            named(
                "gap_change_significance",
                self.gap_change_significance,
                Categories::Significance,
            ),
            named("direction", self.direction, Categories::Direction),
            self.suppressed.finish().into_column(),
        ];
        let failed = |e: PolarsError| Error::table("trends table", e);
        DataFrame::new(rows, columns)
            .and_then(|frame| frame.take(&IdxCa::from_vec("order".into(), order)))
            .map_err(failed)
    }
}

impl Histories {
    /// A unit's year: its trend rows against its previous year, if it has
    /// one; then this year becomes its latest.
    fn add(
        &mut self,
        out: &mut TrendRows,
        engine: &Engine,
        pool_key: (Level, Unit),
        kept: Vec<Option<Kept>>,
        options: TrendOptions,
    ) {
        let (level, unit) = pool_key;
        let history = self
            .units
            .entry((engine.phase, level, unit))
            .or_insert([None, None]);
        if let Some((previous_year, previous)) = &history[1] {
            let before = history[0].as_ref();
            for &(measure_index, group) in &engine.rows {
                let k = key(measure_index, group);
                let Some(now) = kept[k] else { continue };
                let then = previous[k];
                let kind = engine.measures[measure_index].kind();
                push_trend(
                    out,
                    engine,
                    (level, unit, measure_index, group, *previous_year),
                    now,
                    then,
                    before.and_then(|(_, year)| year[k]),
                    kind,
                    options,
                );
            }
        }
        history[0] = history[1].take();
        history[1] = Some((engine.year, kept));
    }
}

#[allow(clippy::too_many_arguments)]
fn push_trend(
    out: &mut TrendRows,
    engine: &Engine,
    (level, unit, measure_index, group, previous_year): (Level, Unit, usize, Group, u16),
    now: Kept,
    then: Option<Kept>,
    before: Option<Kept>,
    kind: MeasureKind,
    options: TrendOptions,
) {
    let value_previous = then.and_then(|t| t.value);
    let change = now.value.zip(value_previous).map(|(a, b)| a - b);
    let change_interval = then
        .filter(|_| change.is_some())
        .and_then(|t| now.member.difference_interval(&t.member, kind));
    let gap_previous = then.and_then(|t| t.gap);
    let gap_change = now.gap.zip(gap_previous).map(|(a, b)| a - b);
    let gap_change_interval = match (now.gap, now.gap_interval, then) {
        (Some(gap), Some(interval), Some(then)) => {
            then.gap
                .zip(then.gap_interval)
                .map(|(previous, previous_interval)| {
                    stats::mover(gap, interval, previous, previous_interval)
                })
        }
        _ => None,
    };
    let change_significance = significance(change_interval);
    let gap_change_significance = significance(gap_change_interval);
    if options.significant_only
        && !matches!(change_significance, Some(0 | 1))
        && !matches!(gap_change_significance, Some(0 | 1))
    {
        return;
    }
    let direction = match (before.and_then(|b| b.value), value_previous, now.value) {
        (Some(a), Some(b), Some(c)) => Some(if a < b && b < c {
            0 // rising
        } else if a > b && b > c {
            1 // falling
        } else {
            2 // mixed
        }),
        _ => None,
    };
    // The direction is computed from the year before too: its member's
    // value withheld withholds the direction.
    let withheld = now.withheld
        || then.is_some_and(|t| t.withheld)
        || before.is_some_and(|b| b.member_withheld);
    out.phase.push(engine.phase as u8);
    out.level.push(level as u8);
    out.unit.push(unit);
    out.measure
        .push(engine.measures[measure_index].index() as u8);
    out.group.push(group as u8);
    out.year.push(engine.year as i32);
    out.previous_year.push(previous_year as i32);
    out.n_member.append_option(now.n.map(|n| n as i64));
    out.value_member.append_option(now.value);
    out.n_previous
        .append_option(then.and_then(|t| t.n).map(|n| n as i64));
    out.value_previous.append_option(value_previous);
    out.change.append_option(change);
    out.change_ci_low
        .append_option(change_interval.map(|i| i.low));
    out.change_ci_high
        .append_option(change_interval.map(|i| i.high));
    out.change_significance.push(change_significance);
    out.gap.append_option(now.gap);
    out.gap_previous.append_option(gap_previous);
    out.gap_change.append_option(gap_change);
    out.gap_change_ci_low
        .append_option(gap_change_interval.map(|i| i.low));
    out.gap_change_ci_high
        .append_option(gap_change_interval.map(|i| i.high));
    out.gap_change_significance.push(gap_change_significance);
    out.direction.push(direction);
    out.suppressed.append_value(withheld);
}

/// A unit's rows in one year, kept for the next.
fn keep(engine: &Engine, pool: &Pool) -> Vec<Option<Kept>> {
    let mut kept = vec![None; engine.measures.len() * Group::ALL.len()];
    for (row, &(measure, group)) in engine.rows.iter().enumerate() {
        let mut figures = engine.figures(pool, row);
        // Counts of withheld figures are hidden as the gap table hides them.
        if engine.hide_counts && figures.member_withheld {
            figures.n_member = None;
        }
        kept[key(measure, group)] = Some(Kept::of(&figures));
    }
    kept
}

/// The trends table of one phase's pupils, every year against the unit's
/// previous year.
pub fn trends(
    comparison: &Comparison,
    gap: &crate::compare::GapOptions,
    options: TrendOptions,
) -> Result<DataFrame> {
    let mut histories = Histories::default();
    let mut out = TrendRows::new();
    for year in comparison.years() {
        let engine = comparison.engine(year, gap)?;
        let has_national = comparison.has_national(year);
        comparison.map_units(
            &engine,
            gap,
            crate::gaps::From::Local,
            |_| Vec::new(),
            |part: &mut Vec<((Level, Unit), Vec<Option<Kept>>)>, pool| {
                part.push(((pool.level, pool.unit), keep(&engine, pool)))
            },
            |level, parts| {
                for (unit, kept) in parts.into_iter().flatten() {
                    if level == Level::National && !has_national {
                        continue;
                    }
                    histories.add(&mut out, &engine, unit, kept, options);
                }
                Ok(())
            },
        )?;
    }
    out.finish(gap.groupings.as_deref())
}

/// The trends table from published figures of several years.
pub fn published_trends(
    published: &crate::published::Published,
    gap: &crate::published::PublishedOptions,
    options: TrendOptions,
) -> Result<DataFrame> {
    let mut histories = Histories::default();
    let mut out = TrendRows::new();
    crate::published::visit_units(published, gap, |engine, pool| {
        if let Some(pool) = pool {
            let kept = keep(engine, pool);
            // A unit with no figure at all this year has no year to compare.
            let any = kept
                .iter()
                .flatten()
                .any(|k| k.n.is_some() || k.value.is_some());
            if any {
                histories.add(&mut out, engine, (pool.level, pool.unit), kept, options);
            }
        }
        Ok(())
    })?;
    out.finish(gap.gap.groupings.as_deref())
}
