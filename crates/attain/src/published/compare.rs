//! The gap table from published figures: the same rows and columns as from
//! pupils, plus five columns only published data has.
//!
//! | level | unit's value |
//! |---|---|
//! | `national` | England's state-funded figure as published (the national comparator for every row) |
//! | `region` | the region's figure, where a file has regions |
//! | `la` | **the sum of the LA's state-funded schools' figures** when school tables are given (cohort weighted, never an average of percentages); the LA's own figure otherwise |
//! | `school` | the school's figure |
//! | `alliance` | the sum of the member schools' figures |
//!
//! Extra columns ([`PUBLISHED_COLUMNS`]):
//!
//! | column | meaning |
//! |---|---|
//! | `published_n_member`, `published_member` | the count and value DfE published for the same unit and group (for an `la` row built from schools, the LA's own row) |
//! | `region_member` | the same group's value in the unit's region, where a file has it |
//! | `rounded` | a count behind the row was recovered from a rounded percentage or mean, or rounded by DfE: values and intervals are approximate |
//! | `reason` | why `value_member` is empty: the file's code (`SUPP`, `NE`, `NP`, `c`, `x`, `z`, `-`, `empty`, …), `not in file` (no figure for this unit and group), `no school figures` (a pooled unit none of whose schools has a value) or `min_cohort` (Attain's own suppression) |
//!
//! Why an LA pooled from its schools differs from DfE's LA row: schools
//! whose group figure is suppressed (`SUPP`, 1–5 pupils in either group)
//! drop out of the pooled group, and they are disproportionately small and
//! special schools; and a school's count of pupils meeting a measure is
//! recovered from a whole-number percentage, which is exact only for
//! cohorts under about 200 pupils. The `n_member` beside
//! `published_n_member` shows how many of the LA's pupils the pooled figure
//! covers. On Hampshire's KS2 tables (2017–2019) the pooled all-pupil and
//! disadvantaged RWM figures are within DfE's rounding of the published LA
//! figure, covering 88–90% of its disadvantaged pupils; on its KS4 tables
//! the pooled disadvantaged figures run 0.6–1.1 points above it, as most
//! suppressed pupils are in special schools.
//!
//! Groups: a row is written for each group whose members the files
//! publish for that measure and year; a comparison group a file does not
//! publish (no file publishes children *not* looked after) leaves the
//! comparison and gap empty. Means have no intervals (published tables give
//! no spread); a rate's interval uses the recovered count.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};

use super::{Area, Figure, FigureKey, Published, Region, School};
use crate::error::{Error, Result};
use crate::gaps::{national_pair, GapOptions, GapTable, Level, PublishedColumns, Side, Unit};
use crate::groups::{Group, Population};
use crate::measures::Measure;
use crate::national::{NationalFigure, NationalFigures};
use crate::phase::Phase;
use crate::summary::Summary;

/// The columns a gap table from published figures has after the pupil
/// table's [`crate::gaps::COLUMNS`].
pub const PUBLISHED_COLUMNS: [&str; 5] = [
    "published_n_member",
    "published_member",
    "region_member",
    "rounded",
    "reason",
];

/// What the gap table from published figures is built with.
#[derive(Debug, Clone, Default)]
pub struct PublishedOptions {
    /// Levels, suppression and groupings, as for pupils (the `region`
    /// level is available here).
    pub gap: GapOptions,
    /// Only these LAs (with their schools and regions); empty for every LA.
    pub las: Vec<u16>,
    /// National figures used where the files have no England figure.
    pub national: Option<NationalFigures>,
}

/// One side of a row: figures pooled, or one figure.
#[derive(Debug, Clone, Copy, Default)]
struct Pool {
    summary: Summary,
    /// A figure without a count, shown as published.
    value_only: Option<f64>,
    n: Option<u64>,
    rounded: bool,
    missing: Option<&'static str>,
}

impl Pool {
    fn of(figure: Option<&Figure>) -> Pool {
        let Some(figure) = figure else {
            return Pool {
                missing: Some("not in file"),
                ..Pool::default()
            };
        };
        match figure.summary() {
            Some((summary, rounded)) => Pool {
                summary,
                n: figure.n,
                rounded,
                ..Pool::default()
            },
            None => Pool {
                value_only: figure.value,
                n: figure.n,
                missing: figure.missing,
                ..Pool::default()
            },
        }
    }

    fn pooled<'f>(figures: impl Iterator<Item = &'f Figure>) -> Pool {
        let mut pool = Pool {
            missing: Some("no school figures"),
            ..Pool::default()
        };
        for (summary, rounded) in figures.filter_map(Figure::summary) {
            pool.summary.merge(&summary);
            pool.rounded |= rounded;
            pool.missing = None;
        }
        pool.n = Some(pool.summary.cohort);
        pool
    }

    fn side(&self, measure: &Measure) -> Side {
        let kind = measure.kind();
        if self.summary.n(kind) > 0 {
            Side::of(&self.summary, measure)
        } else {
            Side {
                n: self.n,
                value: self.value_only,
                low: None,
                high: None,
            }
        }
    }
}

/// The figures a unit's row is built from.
enum Members {
    /// One published figure (England, a region, an LA without school
    /// tables, a school).
    One(Area),
    /// Schools' figures pooled, and the area whose own published figure
    /// goes beside them (an LA's row).
    Pooled {
        schools: Vec<Area>,
        published: Option<Area>,
    },
}

/// The figures of one phase and year, and what is compared with them.
struct Year<'p> {
    phase: Phase,
    year: u16,
    figures: Vec<&'p Figure>,
    index: &'p FxHashMap<FigureKey, usize>,
    all: &'p [Figure],
    national: NationalFigures,
    /// Each measure and group the files publish members of, in catalogue
    /// order: every unit's rows.
    rows: Vec<(&'static Measure, Group)>,
}

impl<'p> Year<'p> {
    fn figure(&self, measure: &Measure, population: Population, area: Area) -> Option<&'p Figure> {
        self.index
            .get(&(self.year, measure.name, population, area))
            .map(|&i| &self.all[i])
    }

    /// One side of a row: the unit's figure, or its schools' pooled.
    fn pool(&self, members: &Members, measure: &Measure, population: Population) -> Pool {
        match members {
            Members::Pooled { schools, .. } => Pool::pooled(
                schools
                    .iter()
                    .filter_map(|&area| self.figure(measure, population, area)),
            ),
            // No England row in the files: the national figures given instead.
            Members::One(Area::England)
                if self.figure(measure, population, Area::England).is_none() =>
            {
                self.national
                    .get(self.year, measure, population)
                    .map_or_else(
                        || Pool::of(None),
                        |f| Pool {
                            value_only: Some(f.value),
                            n: f.n,
                            ..Pool::default()
                        },
                    )
            }
            Members::One(area) => Pool::of(self.figure(measure, population, *area)),
        }
    }
}

/// Builds the gap table from published figures, phase by phase and year by
/// year.
pub fn gap_table(published: &Published, options: &PublishedOptions) -> Result<GapTable> {
    let gap = &options.gap;
    if gap.levels.contains(&Level::Alliance) && gap.groupings.is_none() {
        return Err(Error::Usage(
            "the alliance level needs groupings of schools (--groups FILE)".into(),
        ));
    }
    let index = published.index()?;
    let mut by_year: BTreeMap<(Phase, u16), Vec<&Figure>> = BTreeMap::new();
    for figure in &published.figures {
        by_year
            .entry((figure.measure.phase, figure.year))
            .or_default()
            .push(figure);
    }
    let mut table = GapTable {
        published: Some(PublishedColumns::default()),
        groupings: gap.groupings.clone(),
        ..GapTable::default()
    };
    for ((phase, year), figures) in by_year {
        let national = national_figures(&figures, year, options.national.as_ref());
        let published_populations: FxHashSet<(&str, Population)> = figures
            .iter()
            .map(|f| (f.measure.name, f.population))
            .collect();
        let rows = Measure::of_phase(phase)
            .flat_map(|measure| Group::ALL.map(|group| (measure, group)))
            .filter(|(measure, group)| {
                published_populations.contains(&(measure.name, group.members()))
            })
            .collect();
        let year = Year {
            phase,
            year,
            figures,
            index: &index,
            all: &published.figures,
            national,
            rows,
        };
        for &level in &gap.levels {
            for (unit, members) in units(&year, level, published, options) {
                push_unit(&mut table, &year, level, unit, &members, published, gap);
            }
        }
    }
    Ok(table)
}

/// England's figures as published, with `fallback` where the files have none.
fn national_figures(
    figures: &[&Figure],
    year: u16,
    fallback: Option<&NationalFigures>,
) -> NationalFigures {
    let mut national = NationalFigures::default();
    for figure in figures.iter().filter(|f| f.area == Area::England) {
        if let Some(value) = figure.value {
            national.insert(
                year,
                figure.measure,
                figure.population,
                NationalFigure { value, n: figure.n },
            );
        }
    }
    if let Some(fallback) = fallback {
        for measure in figures.iter().map(|f| f.measure) {
            for population in Population::ALL {
                if national.get(year, measure, population).is_none() {
                    if let Some(figure) = fallback.get(year, measure, population) {
                        national.insert(year, measure, population, figure);
                    }
                }
            }
        }
    }
    national
}

/// The units of a level in one year, in order, and the figures of each.
fn units(
    year: &Year,
    level: Level,
    published: &Published,
    options: &PublishedOptions,
) -> Vec<(Unit, Members)> {
    let wanted_la = |la: u16| options.las.is_empty() || options.las.contains(&la);
    let schools: Vec<School> = sorted(
        year.figures
            .iter()
            .filter_map(|f| match f.area {
                Area::School(s) if wanted_la(s.la_code) => Some(s),
                _ => None,
            })
            .collect(),
    );
    match level {
        Level::National => {
            let has = year.figures.iter().any(|f| f.area == Area::England)
                || year.figures.iter().any(|f| {
                    Population::ALL
                        .into_iter()
                        .any(|p| year.national.get(year.year, f.measure, p).is_some())
                });
            if has {
                vec![(Unit::England, Members::One(Area::England))]
            } else {
                vec![]
            }
        }
        Level::Region => {
            let wanted: Option<FxHashSet<Region>> = (!options.las.is_empty()).then(|| {
                options
                    .las
                    .iter()
                    .filter_map(|la| published.la_regions.get(la).copied())
                    .collect()
            });
            sorted(
                year.figures
                    .iter()
                    .filter_map(|f| match f.area {
                        Area::Region(r) if wanted.as_ref().is_none_or(|w| w.contains(&r)) => {
                            Some(r)
                        }
                        _ => None,
                    })
                    .collect(),
            )
            .into_iter()
            .map(|r| (Unit::Region(r), Members::One(Area::Region(r))))
            .collect()
        }
        Level::La => sorted(
            year.figures
                .iter()
                .filter_map(|f| match f.area {
                    Area::La(la) => Some(la),
                    Area::School(s) => Some(s.la_code),
                    _ => None,
                })
                .filter(|&la| wanted_la(la))
                .collect(),
        )
        .into_iter()
        .map(|la| {
            let schools: Vec<Area> = schools
                .iter()
                .filter(|s| s.la_code == la && s.state_funded)
                .map(|s| Area::School(*s))
                .collect();
            let members = if schools.is_empty() {
                Members::One(Area::La(la))
            } else {
                Members::Pooled {
                    schools,
                    published: Some(Area::La(la)),
                }
            };
            (Unit::La(la), members)
        })
        .collect(),
        Level::School => schools
            .iter()
            .map(|s| (Unit::School(s.urn), Members::One(Area::School(*s))))
            .collect(),
        Level::Alliance => {
            let groupings = options.gap.groupings.as_deref().expect("checked before");
            let mut members: Vec<Vec<Area>> = vec![Vec::new(); groupings.groups.len()];
            for school in &schools {
                for &group in groupings.of_school(school.urn) {
                    members[group as usize].push(Area::School(*school));
                }
            }
            members
                .into_iter()
                .enumerate()
                .filter(|(_, schools)| !schools.is_empty())
                .map(|(group, schools)| {
                    (
                        Unit::Alliance(group as u32),
                        Members::Pooled {
                            schools,
                            published: None,
                        },
                    )
                })
                .collect()
        }
    }
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

/// A unit's rows: each measure and each group the files publish members of.
fn push_unit(
    table: &mut GapTable,
    year: &Year,
    level: Level,
    unit: Unit,
    members: &Members,
    published: &Published,
    gap: &GapOptions,
) {
    let own_area = match members {
        Members::One(area) => Some(*area),
        Members::Pooled { published, .. } => *published,
    };
    let region = match own_area {
        Some(Area::La(la_code) | Area::School(School { la_code, .. })) => {
            published.la_regions.get(&la_code).copied()
        }
        _ => None,
    };
    for &(measure, group) in &year.rows {
        let member = year.pool(members, measure, group.members());
        let comparison = group
            .comparison()
            .map(|population| year.pool(members, measure, population));
        let kind = measure.kind();
        let gap_interval = comparison
            .filter(|c| member.summary.n(kind) > 0 && c.summary.n(kind) > 0)
            .and_then(|c| member.summary.difference_interval(&c.summary, kind))
            .map(|i| (i.low, i.high));
        let member_side = member.side(measure);
        // As `GapTable::push` withholds a member's value.
        let withheld =
            gap.suppression.withholds(member_side.n.unwrap_or(0)) && member_side.value.is_some();
        let own = own_area.and_then(|area| year.figure(measure, group.members(), area));
        table.push(
            (year.phase, year.year, level, unit),
            measure,
            group,
            member_side,
            comparison.map(|c| c.side(measure)),
            gap_interval,
            national_pair(&year.national, year.year, measure, group, gap.suppression),
            gap.suppression,
        );
        let columns = table.published.as_mut().expect("a published table");
        columns.published_n_member.push(own.and_then(|f| f.n));
        columns
            .published_member
            .push(own.and_then(|f| f.value).filter(|_| !withheld));
        columns.region_member.push(
            region
                .and_then(|r| year.figure(measure, group.members(), Area::Region(r)))
                .and_then(|f| f.value),
        );
        columns
            .rounded
            .push(member.rounded || comparison.is_some_and(|c| c.rounded));
        columns.reason.push(if withheld {
            Some("min_cohort")
        } else if member_side.value.is_none() {
            member.missing.or(Some("empty"))
        } else {
            None
        });
    }
}
