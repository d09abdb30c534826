//! The gap table: for every unit, measure and group, the members' value
//! against their comparison group's, against national figures, with 95%
//! intervals and suppression.
//!
//! One row per (phase, year, level, unit, measure, group), for every unit
//! with at least one pupil in that phase and year. Columns, in order:
//!
//! | column | meaning |
//! |---|---|
//! | `phase`, `year` | the phase; the academic year by its ending calendar year |
//! | `level`, `unit` | `national` (`E92000001`), `la` (the LA code), `school` (the URN), `alliance` (the grouping's id) or, from published tables, `region` (its ONS code) |
//! | `measure`, `group` | e.g. `ks2.rwm_exp`, `disadvantaged` |
//! | `n_member` | group members (rate) or members with a value (mean) |
//! | `value_member`, `ci_low`, `ci_high` | the members' value and its 95% interval |
//! | `n_comparison`, `value_comparison` | the comparison group's (empty for `all`) |
//! | `gap`, `gap_ci_low`, `gap_ci_high` | member − comparison and its 95% interval |
//! | `national_member`, `national_comparison` | the same group / the comparison group nationally |
//! | `gap_to_national` | member − national comparison (DfE's convention for disadvantaged gaps) |
//! | `national_gap` | national member − national comparison |
//! | `gap_vs_national_gap` | gap − national gap |
//! | `suppressed` | a value was withheld (see [`crate::suppression`]) |
//!
//! Rates, their intervals and gaps are in percent / percentage points.

use std::fmt;
use std::str::FromStr;

use polars::prelude::*;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::groups::{Group, Population, Profile};
use crate::measures::Measure;
use crate::national::NationalFigures;
use crate::phase::Phase;
use crate::schools::Groupings;
use crate::summary::{Place, Summaries, Summary};
use crate::suppression::Suppression;

/// England's ONS code, the unit of national rows.
pub const ENGLAND: &str = "E92000001";

/// The column names of the gap table, in order.
pub const COLUMNS: [&str; 21] = [
    "phase",
    "year",
    "level",
    "unit",
    "measure",
    "group",
    "n_member",
    "value_member",
    "ci_low",
    "ci_high",
    "n_comparison",
    "value_comparison",
    "gap",
    "gap_ci_low",
    "gap_ci_high",
    "national_member",
    "national_comparison",
    "gap_to_national",
    "national_gap",
    "gap_vs_national_gap",
    "suppressed",
];

/// A level of aggregation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    National,
    /// A region: published LA-level tables only (see [`crate::published`]).
    Region,
    La,
    School,
    /// A grouping of schools pooled as if one school (see [`crate::schools`]).
    Alliance,
}

impl Level {
    /// The levels every pupil table has (the default).
    pub const ALL: [Level; 3] = [Level::National, Level::La, Level::School];
    /// Every level: `alliance` needs groupings, `region` published tables.
    pub const EVERY: [Level; 5] = [
        Level::National,
        Level::Region,
        Level::La,
        Level::School,
        Level::Alliance,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Level::National => "national",
            Level::Region => "region",
            Level::La => "la",
            Level::School => "school",
            Level::Alliance => "alliance",
        }
    }

    /// Parses a comma-separated list such as `national,la,school`.
    pub fn parse_list(text: &str) -> Result<Vec<Level>> {
        let mut levels: Vec<Level> = text
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(str::parse)
            .collect::<Result<_>>()?;
        levels.sort();
        levels.dedup();
        if levels.is_empty() {
            return Err(Error::Usage(
                "no level given: expected national, region, la, school or alliance".into(),
            ));
        }
        Ok(levels)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Level {
    type Err = Error;
    fn from_str(text: &str) -> Result<Level> {
        let wanted = text.trim().to_ascii_lowercase();
        Level::EVERY
            .into_iter()
            .find(|level| level.name() == wanted)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "unknown level {text:?}: expected national, region, la, school or alliance"
                ))
            })
    }
}

/// Where national figures and national rows come from.
#[derive(Debug, Clone)]
pub enum National {
    /// The local pupils are the whole national cohort: national rows and
    /// figures are computed from them.
    Local,
    /// A national pupil table, summarised ([`crate::summarise`]).
    Pupils(Summaries),
    /// Published national figures; national rows carry their values and
    /// counts but no intervals.
    Reference(NationalFigures),
}

/// What the gap table is built with.
#[derive(Debug, Clone)]
pub struct GapOptions {
    pub levels: Vec<Level>,
    pub suppression: Suppression,
    /// Groupings of schools, needed for the `alliance` level.
    pub groupings: Option<std::sync::Arc<Groupings>>,
}

impl Default for GapOptions {
    fn default() -> Self {
        GapOptions {
            levels: Level::ALL.to_vec(),
            suppression: Suppression::default(),
            groupings: None,
        }
    }
}

/// A unit of a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    England,
    Region(crate::published::Region),
    La(u16),
    School(u32),
    /// A grouping, by its index in the [`crate::Groupings`]; the table shows its id.
    Alliance(u32),
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unit::England => f.write_str(ENGLAND),
            Unit::Region(region) => f.write_str(region.code()),
            Unit::La(code) => write!(f, "{code}"),
            Unit::School(urn) => write!(f, "{urn}"),
            Unit::Alliance(index) => write!(f, "grouping {index}"),
        }
    }
}

/// Calls a macro with the name of every column field of [`GapTable`].
macro_rules! every_column {
    ($action:ident) => {
        $action!(
            phase,
            year,
            level,
            unit,
            measure,
            group,
            n_member,
            value_member,
            ci_low,
            ci_high,
            n_comparison,
            value_comparison,
            gap,
            gap_ci_low,
            gap_ci_high,
            national_member,
            national_comparison,
            gap_to_national,
            national_gap,
            gap_vs_national_gap,
            suppressed
        )
    };
}

/// The gap table, column by column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GapTable {
    pub phase: Vec<Phase>,
    pub year: Vec<u16>,
    pub level: Vec<Level>,
    pub unit: Vec<Unit>,
    pub measure: Vec<&'static str>,
    pub group: Vec<Group>,
    /// `None` only on national rows from published figures without a count.
    pub n_member: Vec<Option<u64>>,
    pub value_member: Vec<Option<f64>>,
    pub ci_low: Vec<Option<f64>>,
    pub ci_high: Vec<Option<f64>>,
    pub n_comparison: Vec<Option<u64>>,
    pub value_comparison: Vec<Option<f64>>,
    pub gap: Vec<Option<f64>>,
    pub gap_ci_low: Vec<Option<f64>>,
    pub gap_ci_high: Vec<Option<f64>>,
    pub national_member: Vec<Option<f64>>,
    pub national_comparison: Vec<Option<f64>>,
    pub gap_to_national: Vec<Option<f64>>,
    pub national_gap: Vec<Option<f64>>,
    pub gap_vs_national_gap: Vec<Option<f64>>,
    pub suppressed: Vec<bool>,
    /// The columns only a table from published figures has, after the
    /// others; `None` for a table from pupils.
    pub published: Option<PublishedColumns>,
    /// The groupings `Unit::Alliance` rows refer to, for their ids.
    pub groupings: Option<std::sync::Arc<Groupings>>,
}

/// The columns of a gap table from published figures (see
/// [`crate::published::PUBLISHED_COLUMNS`]), one value a row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PublishedColumns {
    pub published_n_member: Vec<Option<u64>>,
    pub published_member: Vec<Option<f64>>,
    pub region_member: Vec<Option<f64>>,
    pub rounded: Vec<bool>,
    pub reason: Vec<Option<&'static str>>,
}

impl PublishedColumns {
    fn append(&mut self, other: PublishedColumns) {
        self.published_n_member.extend(other.published_n_member);
        self.published_member.extend(other.published_member);
        self.region_member.extend(other.region_member);
        self.rounded.extend(other.rounded);
        self.reason.extend(other.reason);
    }
}

/// One side of a comparison, before suppression.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Side {
    pub n: Option<u64>,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

impl Side {
    pub(crate) fn of(summary: &Summary, measure: &Measure) -> Side {
        let kind = measure.kind();
        let interval = summary.interval(kind);
        Side {
            n: Some(summary.n(kind)),
            value: summary.value(kind),
            low: interval.map(|i| i.low),
            high: interval.map(|i| i.high),
        }
    }
}

impl GapTable {
    /// An empty table with room for `rows` rows.
    pub fn with_capacity(rows: usize) -> GapTable {
        let mut table = GapTable::default();
        table.reserve(rows);
        table
    }

    pub fn len(&self) -> usize {
        self.year.len()
    }

    pub fn is_empty(&self) -> bool {
        self.year.is_empty()
    }

    pub fn reserve(&mut self, rows: usize) {
        macro_rules! reserve { ($($c:ident),*) => { $(self.$c.reserve(rows);)* } }
        every_column!(reserve);
    }

    /// Appends another table's rows.
    pub fn append(&mut self, other: GapTable) {
        if self.groupings.is_none() {
            self.groupings = other.groupings.clone();
        }
        match (&mut self.published, other.published) {
            (Some(mine), Some(theirs)) => mine.append(theirs),
            (None, Some(theirs)) => {
                // Rows already here have no published figures.
                let rows = self.len();
                let mut mine = PublishedColumns {
                    published_n_member: vec![None; rows],
                    published_member: vec![None; rows],
                    region_member: vec![None; rows],
                    rounded: vec![false; rows],
                    reason: vec![None; rows],
                };
                mine.append(theirs);
                self.published = Some(mine);
            }
            (_, None) => {}
        }
        macro_rules! extend { ($($c:ident),*) => { $(self.$c.extend(other.$c);)* } }
        every_column!(extend);
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &mut self,
        key: (Phase, u16, Level, Unit),
        measure: &'static Measure,
        group: Group,
        member: Side,
        comparison: Option<Side>,
        gap_interval: Option<(f64, f64)>,
        national: (Option<f64>, Option<f64>),
        suppression: Suppression,
    ) {
        let (phase, year, level, unit) = key;
        let (national_member, national_comparison) = national;
        let member_withheld =
            suppression.withholds(member.n.unwrap_or(0)) && member.value.is_some();
        let comparison_withheld = comparison
            .is_some_and(|c| suppression.withholds(c.n.unwrap_or(0)) && c.value.is_some());
        let member_value = member.value.filter(|_| !member_withheld);
        let comparison_value = comparison
            .and_then(|c| c.value)
            .filter(|_| !comparison_withheld);
        let gap = member_value.zip(comparison_value).map(|(m, c)| m - c);
        let gap_interval = gap_interval.filter(|_| gap.is_some());
        let national_gap =
            comparison.and(national_member.zip(national_comparison).map(|(m, c)| m - c));
        self.phase.push(phase);
        self.year.push(year);
        self.level.push(level);
        self.unit.push(unit);
        self.measure.push(measure.name);
        self.group.push(group);
        self.n_member.push(member.n);
        self.value_member.push(member_value);
        self.ci_low.push(member.low.filter(|_| !member_withheld));
        self.ci_high.push(member.high.filter(|_| !member_withheld));
        self.n_comparison.push(comparison.and_then(|c| c.n));
        self.value_comparison.push(comparison_value);
        self.gap.push(gap);
        self.gap_ci_low.push(gap_interval.map(|i| i.0));
        self.gap_ci_high.push(gap_interval.map(|i| i.1));
        self.national_member.push(national_member);
        self.national_comparison
            .push(comparison.and(national_comparison));
        self.gap_to_national.push(
            comparison
                .and(member_value)
                .zip(national_comparison)
                .map(|(m, c)| m - c),
        );
        self.national_gap.push(national_gap);
        self.gap_vs_national_gap
            .push(gap.zip(national_gap).map(|(g, n)| g - n));
        self.suppressed.push(member_withheld || comparison_withheld);
    }

    /// The table as a polars `DataFrame`, columns as in [`COLUMNS`].
    pub fn to_dataframe(&self) -> Result<DataFrame> {
        let rows = self.len();
        let text = |name: &str, value: &dyn Fn(usize) -> &'static str| {
            let mut builder = StringChunkedBuilder::new(name.into(), rows);
            (0..rows).for_each(|row| builder.append_value(value(row)));
            builder.finish().into_column()
        };
        let numbers = |name: &str, values: &[Option<f64>]| {
            Float64Chunked::from_slice_options(name.into(), values).into_column()
        };
        let counts = |name: &str, values: &[Option<u64>]| {
            Int64Chunked::from_iter_options(name.into(), values.iter().map(|n| n.map(|n| n as i64)))
                .into_column()
        };
        // Independent columns: built on every core.
        let build = |index: usize| -> Column {
            match index {
                0 => text("phase", &|row| self.phase[row].name()),
                1 => Int32Chunked::from_iter_values(
                    "year".into(),
                    self.year.iter().map(|&y| y as i32),
                )
                .into_column(),
                2 => text("level", &|row| self.level[row].name()),
                3 => {
                    // Formatted into one reused buffer: no allocation a row.
                    let mut builder = StringChunkedBuilder::new("unit".into(), rows);
                    let mut buffer = String::with_capacity(16);
                    for unit in &self.unit {
                        use std::fmt::Write;
                        buffer.clear();
                        match (unit, &self.groupings) {
                            (Unit::Alliance(index), Some(groupings)) => {
                                buffer.push_str(&groupings.groups[*index as usize].0)
                            }
                            _ => {
                                let _ = write!(buffer, "{unit}");
                            }
                        }
                        builder.append_value(&buffer);
                    }
                    builder.finish().into_column()
                }
                4 => text("measure", &|row| self.measure[row]),
                5 => text("group", &|row| self.group[row].name()),
                6 => counts("n_member", &self.n_member),
                7 => numbers("value_member", &self.value_member),
                8 => numbers("ci_low", &self.ci_low),
                9 => numbers("ci_high", &self.ci_high),
                10 => counts("n_comparison", &self.n_comparison),
                11 => numbers("value_comparison", &self.value_comparison),
                12 => numbers("gap", &self.gap),
                13 => numbers("gap_ci_low", &self.gap_ci_low),
                14 => numbers("gap_ci_high", &self.gap_ci_high),
                15 => numbers("national_member", &self.national_member),
                16 => numbers("national_comparison", &self.national_comparison),
                17 => numbers("gap_to_national", &self.gap_to_national),
                18 => numbers("national_gap", &self.national_gap),
                19 => numbers("gap_vs_national_gap", &self.gap_vs_national_gap),
                20 => {
                    BooleanChunked::from_slice("suppressed".into(), &self.suppressed).into_column()
                }
                _ => {
                    let published = self.published.as_ref().expect("published columns");
                    match index {
                        21 => counts("published_n_member", &published.published_n_member),
                        22 => numbers("published_member", &published.published_member),
                        23 => numbers("region_member", &published.region_member),
                        24 => BooleanChunked::from_slice("rounded".into(), &published.rounded)
                            .into_column(),
                        _ => {
                            let mut builder = StringChunkedBuilder::new("reason".into(), rows);
                            for reason in &published.reason {
                                builder.append_option(*reason);
                            }
                            builder.finish().into_column()
                        }
                    }
                }
            }
        };
        let width = COLUMNS.len()
            + self
                .published
                .as_ref()
                .map_or(0, |_| crate::published::PUBLISHED_COLUMNS.len());
        let columns: Vec<Column> = (0..width).into_par_iter().map(build).collect();
        DataFrame::new(rows, columns).map_err(|e| Error::table("gap table", e))
    }
}

/// Builds the gap table of one phase from summaries of its pupils, every
/// year in turn.
pub fn gap_table(local: &Summaries, national: &National, options: &GapOptions) -> Result<GapTable> {
    let comparison = Comparison::new(local, national)?;
    let mut table = GapTable::default();
    for year in local.years() {
        table.append(comparison.year(year, options)?);
    }
    Ok(table)
}

/// Local summaries with what they are compared against, prepared once so
/// that the table can be built (and written) a year at a time.
#[derive(Debug)]
pub struct Comparison<'a> {
    local: &'a Summaries,
    /// The source of national rows; `None` when they come from published figures.
    national_rows: Option<&'a Summaries>,
    figures: NationalFigures,
}

impl<'a> Comparison<'a> {
    pub fn new(local: &'a Summaries, national: &'a National) -> Result<Comparison<'a>> {
        let phase = local.phase;
        let (national_rows, figures) = match national {
            National::Local => (Some(local), NationalFigures::from_summaries(local)),
            National::Pupils(summaries) => {
                if summaries.phase != phase {
                    return Err(Error::Usage(format!(
                        "the national pupils are {} pupils but the pupils are {phase}: give a national table of the same phase",
                        summaries.phase
                    )));
                }
                (Some(summaries), NationalFigures::from_summaries(summaries))
            }
            National::Reference(figures) => (None, figures.clone()),
        };
        Ok(Comparison {
            local,
            national_rows,
            figures,
        })
    }

    /// The gap table's rows for one year.
    pub fn year(&self, year: u16, options: &GapOptions) -> Result<GapTable> {
        let mut table = GapTable::default();
        self.year_in_batches(year, options, |batch| {
            table.append(batch);
            Ok(())
        })?;
        Ok(table)
    }

    /// The gap table's rows for one year, handed to `each` a few thousand
    /// units at a time and in order, so that a caller writing them out never
    /// holds the whole table.
    pub fn year_in_batches(
        &self,
        year: u16,
        options: &GapOptions,
        mut each: impl FnMut(GapTable) -> Result<()>,
    ) -> Result<()> {
        const UNITS_PER_BATCH: usize = 4096;
        if options.levels.contains(&Level::Alliance) && options.groupings.is_none() {
            return Err(Error::Usage(
                "the alliance level needs groupings of schools (--groups FILE)".into(),
            ));
        }
        if options.levels.contains(&Level::Region) {
            return Err(Error::Usage(
                "the region level needs published LA-level tables (--published FILE): pupil tables do not say a school's region".into(),
            ));
        }
        let phase = self.local.phase;
        let measures = &self.local.measures;
        let width = measures.len();
        // The national pair of every measure and group, looked up once.
        let national: Vec<[(Option<f64>, Option<f64>); Group::ALL.len()]> = measures
            .iter()
            .map(|measure| {
                Group::ALL.map(|group| {
                    national_pair(&self.figures, year, measure, group, options.suppression)
                })
            })
            .collect();
        for &level in &options.levels {
            let source = if level == Level::National {
                self.national_rows
            } else {
                Some(self.local)
            };
            let Some(source) = source else {
                let mut table = GapTable::default();
                push_reference_rows(
                    &mut table,
                    phase,
                    year,
                    measures,
                    &self.figures,
                    options.suppression,
                );
                each(table)?;
                continue;
            };
            let (cells, units) = units(source, year, level, options.groupings.as_deref());
            for batch in units.chunks(UNITS_PER_BATCH) {
                // Units are independent: their rows are built on every core,
                // in order, each task summing a unit's cells into one reused
                // buffer.
                let parts: Vec<GapTable> = batch
                    .par_chunks(512)
                    .map(|chunk| {
                        let mut part =
                            GapTable::with_capacity(chunk.len() * width * Group::ALL.len());
                        let mut per_profile = vec![Summary::default(); Profile::COUNT * width];
                        for (unit, range) in chunk {
                            per_profile.fill(Summary::default());
                            for &cell in &cells[range.clone()] {
                                source.add_cell_to(cell, &mut per_profile);
                            }
                            self.push_unit(
                                &mut part,
                                (phase, year, level, *unit),
                                &per_profile,
                                &national,
                                options.suppression,
                            );
                        }
                        part
                    })
                    .collect();
                let mut table = GapTable::with_capacity(parts.iter().map(GapTable::len).sum());
                table.groupings = options.groupings.clone();
                for part in parts {
                    table.append(part);
                }
                each(table)?;
            }
        }
        Ok(())
    }

    fn push_unit(
        &self,
        table: &mut GapTable,
        key: (Phase, u16, Level, Unit),
        per_profile: &[Summary],
        national: &[[(Option<f64>, Option<f64>); Group::ALL.len()]],
        suppression: Suppression,
    ) {
        let measures = &self.local.measures;
        for (index, &measure) in measures.iter().enumerate() {
            for (group_index, group) in Group::ALL.into_iter().enumerate() {
                let member =
                    Summaries::population(per_profile, measures.len(), index, group.members());
                let comparison = group.comparison().map(|population| {
                    Summaries::population(per_profile, measures.len(), index, population)
                });
                let gap_interval = comparison
                    .and_then(|c| member.difference_interval(&c, measure.kind()))
                    .map(|i| (i.low, i.high));
                table.push(
                    key,
                    measure,
                    group,
                    Side::of(&member, measure),
                    comparison.map(|c| Side::of(&c, measure)),
                    gap_interval,
                    national[index][group_index],
                    suppression,
                );
            }
        }
    }
}

/// The national figures of a group and its comparison. A figure computed
/// from fewer pupils than the minimum cohort is withheld like any other
/// value, or a national row's withheld value could be read back from every
/// other row (as when the "national" pupils are a handful).
pub(crate) fn national_pair(
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

/// National rows from published figures: values and counts, no intervals.
fn push_reference_rows(
    table: &mut GapTable,
    phase: Phase,
    year: u16,
    measures: &[&'static Measure],
    figures: &NationalFigures,
    suppression: Suppression,
) {
    for &measure in measures {
        for group in Group::ALL {
            let side = |population: Population| {
                let figure = figures.get(year, measure, population);
                Side {
                    n: figure.and_then(|f| f.n),
                    value: figure.map(|f| f.value),
                    low: None,
                    high: None,
                }
            };
            let national = national_pair(figures, year, measure, group, suppression);
            table.push(
                (phase, year, Level::National, Unit::England),
                measure,
                group,
                side(group.members()),
                group.comparison().map(side),
                None,
                national,
                suppression,
            );
        }
    }
}

/// The per-profile summaries of every unit of a level in one year, in unit
/// order.
/// The cells of every unit of a level in one year: cell indices grouped by
/// unit, and each unit's range of them, in unit order.
fn units(
    summaries: &Summaries,
    year: u16,
    level: Level,
    groupings: Option<&Groupings>,
) -> (Vec<usize>, Vec<(Unit, std::ops::Range<usize>)>) {
    let of_year = summaries
        .cells
        .iter()
        .enumerate()
        .filter(|(_, cell)| cell.place.year == year);
    let mut keyed: Vec<(Unit, usize)> = match (level, groupings) {
        // A school in several groupings counts in each.
        (Level::Alliance, Some(groupings)) => of_year
            .flat_map(|(index, cell)| {
                groupings
                    .of_school(cell.place.urn)
                    .iter()
                    .map(move |&group| (Unit::Alliance(group), index))
            })
            .collect(),
        _ => of_year
            .map(|(index, cell)| (unit_of(&cell.place, level), index))
            .collect(),
    };
    keyed.par_sort_unstable();
    let mut runs: Vec<(Unit, std::ops::Range<usize>)> = Vec::new();
    for (position, (unit, _)) in keyed.iter().enumerate() {
        match runs.last_mut() {
            Some((last, range)) if last == unit => range.end = position + 1,
            _ => runs.push((*unit, position..position + 1)),
        }
    }
    (keyed.into_iter().map(|(_, cell)| cell).collect(), runs)
}

fn unit_of(place: &Place, level: Level) -> Unit {
    match level {
        Level::National => Unit::England,
        Level::La => Unit::La(place.la_code),
        Level::School => Unit::School(place.urn),
        Level::Alliance => unreachable!("alliances are found through their groupings"),
        Level::Region => unreachable!("refused before: pupil tables have no regions"),
    }
}
