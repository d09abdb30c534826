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

use rustc_hash::{FxHashMap, FxHashSet};

use super::{Area, Figure, Published, Region, School};
use crate::error::{Error, Result};
use crate::gaps::{national_pair, GapOptions, GapTable, Level, Side, Unit};
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

type Key = (u16, usize, Population, Area);

/// Builds the gap table from published figures, phase by phase and year by
/// year.
pub fn gap_table(published: &Published, options: &PublishedOptions) -> Result<GapTable> {
    let gap = &options.gap;
    if gap.levels.contains(&Level::Alliance) && gap.groupings.is_none() {
        return Err(Error::Usage(
            "the alliance level needs groupings of schools (--groups FILE)".into(),
        ));
    }
    let mut index: FxHashMap<Key, usize> = FxHashMap::default();
    for (i, figure) in published.figures.iter().enumerate() {
        let key = (
            figure.year,
            super::measure_index(figure.measure),
            figure.population,
            figure.area,
        );
        if let Some(&first) = index.get(&key) {
            let (level, unit) = super::area_label(&figure.area);
            return Err(Error::invalid(
                &published.files[figure.file as usize].path,
                Some(figure.row),
                None,
                None,
                format!(
                    "one figure for {} {} {} pupils at {level} {unit}, but it is also given at {}",
                    figure.year,
                    figure.measure.name,
                    figure.population,
                    published.origin(&published.figures[first])
                ),
            ));
        }
        index.insert(key, i);
    }
    let wanted_la = |la: u16| options.las.is_empty() || options.las.contains(&la);
    let wanted_regions: Option<FxHashSet<Region>> = (!options.las.is_empty()).then(|| {
        options
            .las
            .iter()
            .filter_map(|la| published.la_regions.get(la).copied())
            .collect()
    });

    let mut years: Vec<(Phase, u16)> = published
        .figures
        .iter()
        .map(|f| (f.measure.phase, f.year))
        .collect();
    years.sort();
    years.dedup();

    let mut table = GapTable {
        published: true,
        groupings: gap.groupings.clone(),
        ..GapTable::default()
    };
    for (phase, year) in years {
        let of_year: Vec<&Figure> = published
            .figures
            .iter()
            .filter(|f| f.measure.phase == phase && f.year == year)
            .collect();
        let measures: Vec<&'static Measure> = Measure::of_phase(phase)
            .filter(|m| of_year.iter().any(|f| std::ptr::eq(f.measure, *m)))
            .collect();
        // The groups each measure's files publish members of.
        let groups: Vec<Vec<Group>> = measures
            .iter()
            .map(|m| {
                Group::ALL
                    .into_iter()
                    .filter(|g| {
                        of_year
                            .iter()
                            .any(|f| std::ptr::eq(f.measure, *m) && f.population == g.members())
                    })
                    .collect()
            })
            .collect();
        let mut national = NationalFigures::default();
        for figure in of_year.iter().filter(|f| f.area == Area::England) {
            if let Some(value) = figure.value {
                national.insert(
                    year,
                    figure.measure,
                    figure.population,
                    NationalFigure { value, n: figure.n },
                );
            }
        }
        if let Some(fallback) = &options.national {
            for &measure in &measures {
                for population in Population::ALL {
                    if national.get(year, measure, population).is_none() {
                        if let Some(figure) = fallback.get(year, measure, population) {
                            national.insert(year, measure, population, figure);
                        }
                    }
                }
            }
        }
        let figure = |measure: &Measure, population: Population, area: Area| {
            index
                .get(&(year, super::measure_index(measure), population, area))
                .map(|&i| &published.figures[i])
        };
        // Schools by LA and by grouping, for pooling.
        let schools: Vec<School> = {
            let mut schools: Vec<School> = of_year
                .iter()
                .filter_map(|f| match f.area {
                    Area::School(s) if wanted_la(s.la_code) => Some(s),
                    _ => None,
                })
                .collect();
            schools.sort();
            schools.dedup();
            schools
        };

        for &level in &gap.levels {
            let units: Vec<(Unit, Vec<Area>, Option<Area>)> = match level {
                Level::National => {
                    let has = of_year.iter().any(|f| f.area == Area::England)
                        || measures.iter().any(|m| {
                            Population::ALL
                                .into_iter()
                                .any(|p| national.get(year, m, p).is_some())
                        });
                    if has {
                        vec![(Unit::England, vec![Area::England], None)]
                    } else {
                        vec![]
                    }
                }
                Level::Region => {
                    let mut regions: Vec<Region> = of_year
                        .iter()
                        .filter_map(|f| match f.area {
                            Area::Region(r) => Some(r),
                            _ => None,
                        })
                        .filter(|r| wanted_regions.as_ref().is_none_or(|w| w.contains(r)))
                        .collect();
                    regions.sort();
                    regions.dedup();
                    regions
                        .into_iter()
                        .map(|r| (Unit::Region(r), vec![Area::Region(r)], None))
                        .collect()
                }
                Level::La => {
                    let mut las: Vec<u16> = of_year
                        .iter()
                        .filter_map(|f| match f.area {
                            Area::La(la) => Some(la),
                            Area::School(s) => Some(s.la_code),
                            _ => None,
                        })
                        .filter(|&la| wanted_la(la))
                        .collect();
                    las.sort_unstable();
                    las.dedup();
                    las.into_iter()
                        .map(|la| {
                            let members: Vec<Area> = schools
                                .iter()
                                .filter(|s| s.la_code == la && s.state_funded)
                                .map(|s| Area::School(*s))
                                .collect();
                            if members.is_empty() {
                                (Unit::La(la), vec![Area::La(la)], None)
                            } else {
                                (Unit::La(la), members, Some(Area::La(la)))
                            }
                        })
                        .collect()
                }
                Level::School => schools
                    .iter()
                    .map(|s| (Unit::School(s.urn), vec![Area::School(*s)], None))
                    .collect(),
                Level::Alliance => {
                    let groupings = gap.groupings.as_deref().expect("checked above");
                    let mut members: Vec<Vec<Area>> = vec![Vec::new(); groupings.groups.len()];
                    for school in &schools {
                        for &group in groupings.of_school(school.urn) {
                            members[group as usize].push(Area::School(*school));
                        }
                    }
                    members
                        .into_iter()
                        .enumerate()
                        .filter(|(_, m)| !m.is_empty())
                        .map(|(g, m)| (Unit::Alliance(g as u32), m, None))
                        .collect()
                }
            };
            for (unit, members, published_area) in units {
                let region = match unit {
                    Unit::La(la) => published.la_regions.get(&la).copied(),
                    Unit::School(_) => match members[0] {
                        Area::School(s) => published.la_regions.get(&s.la_code).copied(),
                        _ => None,
                    },
                    _ => None,
                };
                let pooled = members.len() > 1
                    || published_area.is_some()
                    || matches!(unit, Unit::Alliance(_));
                for (m, &measure) in measures.iter().enumerate() {
                    for &group in &groups[m] {
                        let pool = |population: Population| {
                            if pooled {
                                Pool::pooled(
                                    members
                                        .iter()
                                        .filter_map(|&area| figure(measure, population, area)),
                                )
                            } else {
                                match (figure(measure, population, members[0]), unit) {
                                    // No England row in the files: the
                                    // national figures given instead.
                                    (None, Unit::England) => {
                                        national.get(year, measure, population).map_or_else(
                                            || Pool::of(None),
                                            |f| Pool {
                                                value_only: Some(f.value),
                                                n: f.n,
                                                ..Pool::default()
                                            },
                                        )
                                    }
                                    (found, _) => Pool::of(found),
                                }
                            }
                        };
                        let member = pool(group.members());
                        let comparison = group.comparison().map(pool);
                        let gap_interval = comparison.and_then(|c| {
                            (member.summary.n(measure.kind()) > 0
                                && c.summary.n(measure.kind()) > 0)
                                .then(|| {
                                    member
                                        .summary
                                        .difference_interval(&c.summary, measure.kind())
                                })
                                .flatten()
                                .map(|i| (i.low, i.high))
                        });
                        let own = figure(
                            measure,
                            group.members(),
                            published_area.unwrap_or(members[0]),
                        )
                        .filter(|_| published_area.is_some() || !pooled);
                        let region_value = region
                            .and_then(|r| figure(measure, group.members(), Area::Region(r)))
                            .and_then(|f| f.value);
                        let member_side = member.side(measure);
                        table.push(
                            (phase, year, level, unit),
                            measure,
                            group,
                            member_side,
                            comparison.map(|c| c.side(measure)),
                            gap_interval,
                            national_pair(&national, year, measure, group, gap.suppression),
                            gap.suppression,
                        );
                        let withheld = table.suppressed.last() == Some(&true)
                            && member_side.value.is_some()
                            && table.value_member.last() == Some(&None);
                        let reason = if withheld {
                            Some("min_cohort")
                        } else if member_side.value.is_none() {
                            member.missing.or(Some("empty"))
                        } else {
                            None
                        };
                        table.set_published(
                            own.and_then(|f| f.n),
                            own.and_then(|f| f.value).filter(|_| !withheld),
                            region_value,
                            member.rounded || comparison.is_some_and(|c| c.rounded),
                            reason,
                        );
                    }
                }
            }
        }
    }
    Ok(table)
}
