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
//! Extra columns ([`crate::schema::PUBLISHED_COLUMNS`]):
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
use std::sync::Arc;

use polars::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::{Area, Figure, FigureKey, Published, School};
use crate::compare::{slot, Beside, Engine, GapOptions, NeighbourFigures, Pool, Pooled};
use crate::disclosure::{Disclosure, Layout, Withheld};
use crate::error::{Error, Result};
use crate::geography::{Level, Region, Unit};
use crate::groups::Population;
use crate::measures::Measure;
use crate::national::{NationalFigure, NationalFigures};
use crate::phase::Phase;
use crate::schema;
use crate::stats::Interval;

/// What the gap table from published figures is built with.
#[derive(Debug, Clone, Default)]
pub struct PublishedOptions {
    /// Levels, suppression and groupings, as for pupils (the `region`
    /// level is available here).
    pub gap: GapOptions,
    /// National figures used where the files have no England figure.
    pub national: Option<NationalFigures>,
}

impl Published {
    /// The levels a table from these files gives by default: `region` too
    /// when an LA-level file (EES, LAIT) is among them.
    pub fn default_levels(&self) -> Vec<Level> {
        let la_tables = self
            .files
            .iter()
            .any(|f| f.kind != super::SourceKind::SchoolPerformance);
        if la_tables {
            vec![Level::National, Level::Region, Level::La, Level::School]
        } else {
            Level::ALL.to_vec()
        }
    }
}

impl Pooled {
    /// One published figure: its summary where it has a count and a
    /// value, else what it shows and why it has no value.
    fn of_figure(figure: Option<&Figure>) -> Pooled {
        let Some(figure) = figure else {
            return Pooled::not_in_source();
        };
        match figure.summary() {
            Some((summary, rounded)) => Pooled {
                summary,
                shown: Some((figure.n, None)),
                rounded,
                missing: None,
                interval: figure.interval.map(|(low, high)| Interval { low, high }),
                band: figure.band,
                band_withheld: figure.band_withheld,
                // A mean without a published total shows DfE's value.
                value: figure
                    .value
                    .filter(|_| figure.numerator.is_none() && summary.with_value > 0)
                    .filter(|_| figure.measure.kind() == crate::measures::MeasureKind::Mean),
            },
            None => Pooled {
                shown: Some((figure.n, figure.value)),
                missing: figure.missing,
                interval: figure
                    .interval
                    .filter(|_| figure.value.is_some())
                    .map(|(low, high)| Interval { low, high }),
                ..Pooled::default()
            },
        }
    }

    /// Schools' figures pooled: a merge of their summaries.
    fn of_schools<'f>(figures: impl Iterator<Item = &'f Figure>) -> Pooled {
        let mut pool = Pooled {
            missing: Some("no school figures"),
            ..Pooled::default()
        };
        for (summary, rounded) in figures.filter_map(Figure::summary) {
            pool.summary.merge(&summary);
            pool.rounded |= rounded;
            pool.missing = None;
        }
        pool.shown = Some((Some(pool.summary.cohort), None));
        pool
    }
}

/// The national pupil-level SD of a progress measure, recovered from the
/// schools' published intervals (each is score ± z × SD / √n, so SD =
/// half-width × √n / z): the median over the schools with an interval and a
/// count, which shrugs off the rounding of small schools' bounds. LA and
/// alliance rows pool schools, and their intervals use it.
fn published_progress_sd(figures: &[&Figure], measure: &'static Measure) -> Option<f64> {
    let mut sds: Vec<f64> = figures
        .iter()
        .filter(|f| std::ptr::eq(f.measure, measure) && matches!(f.area, Area::School(_)))
        .filter_map(|f| {
            let (low, high) = f.interval?;
            let n = f.n.filter(|&n| n > 0)? as f64;
            let sd = (high - low) / 2.0 / crate::stats::z95() * n.sqrt();
            (sd > 0.0 && sd.is_finite()).then_some(sd)
        })
        .collect();
    if sds.is_empty() {
        return None;
    }
    sds.sort_unstable_by(f64::total_cmp);
    let middle = sds.len() / 2;
    Some(if sds.len() % 2 == 1 {
        sds[middle]
    } else {
        (sds[middle - 1] + sds[middle]) / 2.0
    })
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
    year: u16,
    figures: Vec<&'p Figure>,
    index: &'p FxHashMap<FigureKey, usize>,
    all: &'p [Figure],
    national: NationalFigures,
}

impl<'p> Year<'p> {
    fn figure(&self, measure: &Measure, population: Population, area: Area) -> Option<&'p Figure> {
        self.index
            .get(&(self.year, measure.index() as u8, population, area))
            .map(|&i| &self.all[i])
    }

    /// One side of a row: the unit's figure, or its schools' pooled.
    fn pool(&self, members: &Members, measure: &Measure, population: Population) -> Pooled {
        match members {
            Members::Pooled { schools, .. } => Pooled::of_schools(
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
                    .map_or_else(Pooled::not_in_source, |f| Pooled::shown(f.n, Some(f.value)))
            }
            Members::One(area) => Pooled::of_figure(self.figure(measure, population, *area)),
        }
    }
}

/// What an analyst should know about the neighbours in published files: an
/// LA the model lacks, and neighbours the files have no figures for.
pub fn neighbour_notes(published: &Published, options: &PublishedOptions) -> Vec<String> {
    let Some(neighbours) = options.gap.neighbours.as_deref() else {
        return Vec::new();
    };
    let mut by_year: BTreeMap<(Phase, u16), FxHashSet<u16>> = BTreeMap::new();
    for figure in &published.figures {
        let la = match figure.area {
            Area::La(la) => la,
            Area::School(school) => school.la_code,
            _ => continue,
        };
        by_year
            .entry((figure.measure.phase, figure.year))
            .or_default()
            .insert(la);
    }
    let mut notes = Vec::new();
    for ((phase, year), present) in by_year {
        let mut reported: Vec<u16> = present
            .iter()
            .copied()
            .filter(|la| options.gap.las.is_empty() || options.gap.las.contains(la))
            .collect();
        reported.sort_unstable();
        notes.extend(neighbours.notes(
            &format!("{phase} {year}"),
            &reported,
            &present,
            "no figures in the files",
        ));
    }
    notes
}

/// Files whose units of a level span at least this many LAs are taken to
/// cover England, and rank their units nationally (England has 153 LAs; a
/// file of one LA's schools, or a few LAs', would otherwise rank schools
/// within the LA and call it national).
pub const ALL_ENGLAND_LAS: usize = 100;

/// Builds the gap table from published figures, phase by phase and year by
/// year.
pub fn gap_table(published: &Published, options: &PublishedOptions) -> Result<DataFrame> {
    let groupings = options.gap.groupings.as_deref();
    let mut table = schema::empty(true);
    let mut rows = None;
    visit_units(published, options, |engine, pool| {
        match pool {
            Some(pool) => engine.push_unit(rows.get_or_insert_with(|| engine.rows_for(64)), pool),
            None => {
                if let Some(rows) = rows.take() {
                    table
                        .vstack_mut_owned(rows.finish(groupings)?)
                        .map_err(|e| Error::table("gap table", e))?;
                }
            }
        }
        Ok(())
    })?;
    table.rechunk_mut_par();
    Ok(table)
}

/// Every unit of every phase and year the files give, at every level asked
/// for, pooled: `visit` gets each in order (phase, year, level, unit), and
/// `None` after each phase and year.
pub fn visit_units(
    published: &Published,
    options: &PublishedOptions,
    mut visit: impl FnMut(&Engine, Option<&Pool>) -> Result<()>,
) -> Result<()> {
    let gap = &options.gap;
    gap.check_levels()?;
    let index = published.index()?;
    let mut by_year: BTreeMap<(Phase, u16), Vec<&Figure>> = BTreeMap::new();
    for figure in &published.figures {
        by_year
            .entry((figure.measure.phase, figure.year))
            .or_default()
            .push(figure);
    }
    for ((phase, year), figures) in by_year {
        let national = national_figures(&figures, year, options.national.as_ref());
        let published_populations: FxHashSet<(usize, Population)> = figures
            .iter()
            .map(|f| (f.measure.index(), f.population))
            .collect();
        let measures: Vec<&'static Measure> = Measure::of_phase(phase).collect();
        let rows = Engine::every_row(measures.len())
            .into_iter()
            .filter(|&(measure, group)| {
                published_populations.contains(&(measures[measure].index(), group.members()))
            })
            .collect();
        let published_sd = |measure: &'static Measure| published_progress_sd(&figures, measure);
        let engine = Engine::new(
            phase,
            year,
            measures,
            rows,
            &national,
            gap.suppression,
            true,
        )
        .with_progress_sd(
            |measure| gap.progress.sd(measure, year, published_sd(measure)),
            gap.progress.bands,
        );
        let year = Year {
            year,
            figures,
            index: &index,
            all: &published.figures,
            national,
        };
        let mut engine = engine;
        let size = engine.measures.len() * Population::ALL.len();
        let mut pooled = vec![Pooled::default(); size];
        let mut beside = vec![Beside::default(); size];
        if gap.disclosure == Disclosure::Publish && gap.suppression.min_cohort > 0 {
            engine.withheld = Some(Arc::new(withheld(&engine, &year, published, options)?));
            engine.hide_counts = true;
        }
        // Every LA and school, whatever LAs are reported: for national
        // ranks and neighbour averages.
        let every_la = PublishedOptions {
            gap: GapOptions {
                las: Vec::new(),
                ..gap.clone()
            },
            national: options.national.clone(),
        };
        // Each LA's value as its own row shows it (its schools pooled, or
        // its published figure): LAIT's neighbour average is their mean.
        engine.neighbour_figures = gap.neighbours.clone().map(|neighbours| {
            let values = every_unit_value(&engine, &year, Level::La, published, &every_la)
                .into_iter()
                .filter(|(_, _, values)| values.iter().any(Option::is_some))
                .filter_map(|(unit, _, values)| match unit {
                    Unit::La(la) => Some((la, values)),
                    _ => None,
                })
                .collect();
            NeighbourFigures { neighbours, values }
        });
        let mut ranks = crate::compare::Ranks::default();
        for level in [Level::La, Level::School] {
            if !gap.levels.contains(&level) {
                continue;
            }
            let all_units = every_unit_value(&engine, &year, level, published, &every_la);
            let las: FxHashSet<u16> = all_units.iter().filter_map(|(_, la, _)| *la).collect();
            if las.len() < ALL_ENGLAND_LAS {
                continue;
            }
            for (_, _, values) in all_units {
                ranks.add(level, values);
            }
        }
        engine.ranks = ranks.finish();
        if gap.progress.bands == crate::progress::Bands::Percentile && engine.ranks.is_empty() {
            return Err(crate::error::Error::Usage(
                "percentile progress bands rank every school or LA of England: give performance tables of every LA (or use dfe bands)".into(),
            ));
        }
        for &level in &gap.levels {
            for (unit, members) in units(&year, level, published, options) {
                fill_unit(
                    &engine,
                    &year,
                    &members,
                    published,
                    &mut pooled,
                    &mut beside,
                );
                visit(
                    &engine,
                    Some(&Pool {
                        level,
                        unit,
                        figures: &pooled,
                        beside: Some(&beside),
                    }),
                )?;
            }
        }
        visit(&engine, None)?;
    }
    Ok(())
}

/// The cells a year's table withholds, primary and secondary (see
/// [`crate::disclosure`]): every cell the table shows, with the schools each
/// pooled LA or alliance adds up, the LAs of each region, neighbour group
/// and England.
fn withheld(
    engine: &Engine,
    year: &Year,
    published: &Published,
    options: &PublishedOptions,
) -> Result<Withheld> {
    let size = engine.measures.len() * Population::ALL.len();
    let mut pooled = vec![Pooled::default(); size];
    let mut beside = vec![Beside::default(); size];
    let mut layout = Layout::default();
    let mut every_la: Vec<u16> = Vec::new();
    // England's figures show in every row's national columns.
    let mut levels = options.gap.levels.clone();
    if !levels.contains(&Level::National) {
        levels.insert(0, Level::National);
    }
    for &level in &levels {
        for (unit, members) in units(year, level, published, options) {
            fill_unit(engine, year, &members, published, &mut pooled, &mut beside);
            engine.add_to_layout(
                &mut layout,
                &Pool {
                    level,
                    unit,
                    figures: &pooled,
                    beside: None,
                },
            );
            if let Unit::La(la) = unit {
                every_la.push(la);
            }
            if let Members::Pooled { schools, .. } = &members {
                let parts = schools
                    .iter()
                    .filter_map(|area| match area {
                        Area::School(school) => Some((Level::School, Unit::School(school.urn))),
                        _ => None,
                    })
                    .collect();
                layout.aggregates.push(((level, unit), parts));
            }
        }
    }
    // England and regions add up every LA, reported or not; an LA the
    // files do not have is an unknown a reader cannot subtract (LA 0 stands
    // for it), so a relation is exact only when the files hold every LA.
    let every = PublishedOptions {
        gap: GapOptions {
            las: Vec::new(),
            ..options.gap.clone()
        },
        national: options.national.clone(),
    };
    every_la.extend(
        units(year, Level::La, published, &every)
            .into_iter()
            .filter_map(|(unit, _)| match unit {
                Unit::La(la) => Some(la),
                _ => None,
            }),
    );
    every_la.sort_unstable();
    every_la.dedup();
    let complete = every_la.len() >= ALL_ENGLAND_LAS;
    let las = |keep: &dyn Fn(u16) -> bool, complete: bool| -> Vec<(Level, Unit)> {
        let mut members: Vec<(Level, Unit)> = every_la
            .iter()
            .filter(|&&la| keep(la))
            .map(|&la| (Level::La, Unit::La(la)))
            .collect();
        if !complete {
            members.push((Level::La, Unit::La(0)));
        }
        members
    };
    let shown: Vec<(Level, Unit)> = layout.units.keys().copied().collect();
    for (level, unit) in shown {
        let members = match unit {
            Unit::England => las(&|_| true, complete),
            Unit::Region(region) => las(
                &|la| published.la_regions.get(&la) == Some(&region),
                complete,
            ),
            Unit::Neighbours(la) => crate::disclosure::neighbour_members(
                options.gap.neighbours.as_deref(),
                la,
                &every_la,
            ),
            _ => continue,
        };
        layout.aggregates.push(((level, unit), members));
    }
    crate::disclosure::decide(&layout)
}

/// Every unit of a level (whatever LAs are reported, as `every_la` asks),
/// with the LA it is in and its value for each row: what ranks and
/// neighbour averages are made of.
fn every_unit_value(
    engine: &Engine,
    year: &Year,
    level: Level,
    published: &Published,
    every_la: &PublishedOptions,
) -> Vec<(Unit, Option<u16>, Vec<Option<f64>>)> {
    let size = engine.measures.len() * Population::ALL.len();
    let mut pooled = vec![Pooled::default(); size];
    let mut beside = vec![Beside::default(); size];
    units(year, level, published, every_la)
        .into_iter()
        .map(|(unit, members)| {
            let la = match (&unit, &members) {
                (Unit::La(la), _) => Some(*la),
                (_, Members::One(Area::School(school))) => Some(school.la_code),
                _ => None,
            };
            fill_unit(engine, year, &members, published, &mut pooled, &mut beside);
            let pool = Pool {
                level,
                unit,
                figures: &pooled,
                beside: None,
            };
            let values = (0..engine.rows.len())
                .map(|row| engine.value(&pool, row))
                .collect();
            (unit, la, values)
        })
        .collect()
}

/// A unit's pool: each population the rows need, and what DfE published
/// beside it.
fn fill_unit(
    engine: &Engine,
    year: &Year,
    members: &Members,
    published: &Published,
    pooled: &mut [Pooled],
    beside: &mut [Beside],
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
    for &(index, group) in &engine.rows {
        let measure = engine.measures[index];
        let populations = std::iter::once(group.members()).chain(group.comparison());
        for population in populations {
            pooled[slot(index, population)] = year.pool(members, measure, population);
        }
        let population = group.members();
        let own = own_area.and_then(|area| year.figure(measure, population, area));
        beside[slot(index, population)] = Beside {
            published_n: own.and_then(|f| f.n),
            published_value: own.and_then(|f| f.value),
            region_value: region
                .and_then(|r| year.figure(measure, population, Area::Region(r)))
                .and_then(|f| f.value),
        };
    }
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
    let wanted_la = |la: u16| options.gap.las.is_empty() || options.gap.las.contains(&la);
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
            let wanted: Option<FxHashSet<Region>> = (!options.gap.las.is_empty()).then(|| {
                options
                    .gap
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
        Level::Neighbours => {
            // Each neighbour's LA members (its schools, or its own figure),
            // pooled as one LA.
            let neighbours = options.gap.neighbours.as_deref().expect("checked before");
            let every_la = PublishedOptions {
                gap: GapOptions {
                    las: Vec::new(),
                    ..options.gap.clone()
                },
                national: None,
            };
            let la_members: FxHashMap<u16, Members> = units(year, Level::La, published, &every_la)
                .into_iter()
                .filter_map(|(unit, members)| match unit {
                    Unit::La(la) => Some((la, members)),
                    _ => None,
                })
                .collect();
            let mut reported: Vec<u16> = la_members
                .keys()
                .copied()
                .filter(|&la| wanted_la(la) && neighbours.has(la))
                .collect();
            reported.sort_unstable();
            reported
                .into_iter()
                .map(|la| {
                    let mut pool = Vec::new();
                    for n in neighbours.of(la) {
                        match la_members.get(n) {
                            Some(Members::Pooled { schools, .. }) => pool.extend(schools),
                            Some(Members::One(area)) => pool.push(*area),
                            None => {}
                        }
                    }
                    (
                        Unit::Neighbours(la),
                        Members::Pooled {
                            schools: pool,
                            published: None,
                        },
                    )
                })
                .collect()
        }
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
