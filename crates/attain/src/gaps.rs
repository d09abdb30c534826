//! The gap table from pupils: summaries pooled into units, compared by the
//! one [`crate::compare`] engine. For every unit, measure and group, the
//! members' value against their comparison group's and against national
//! figures, with 95% intervals and suppression; the columns are in
//! [`crate::schema`].
//!
//! One row per (phase, year, level, unit, measure, group), for every unit
//! with at least one pupil in that phase and year. Rates, their intervals
//! and gaps are in percent / percentage points.
//!
//! The policy the CLI and the Python module share lives here too: which
//! national figures are used when none are given ([`National::choose`]),
//! the default levels, and the `alliance` level that groupings add
//! ([`GapOptions::new`]).

use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;

pub use crate::compare::GapOptions;
use std::sync::Arc;

use crate::compare::{slot, Engine, NeighbourFigures, Pool, Pooled, Ranks};
use crate::disclosure::{Disclosure, Layout, Withheld};
use crate::error::{Error, Result};
use crate::geography::{Level, Unit};
use crate::groupings::Groupings;
use crate::groups::{Population, Profile};
use crate::national::NationalFigures;
use crate::neighbours::Neighbours;
use crate::phase::Phase;
use crate::schema;
use crate::summary::{Place, Summaries, Summary};
use rustc_hash::FxHashMap;

pub use crate::geography::ENGLAND;

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

/// What [`National::choose`] decided, for the analyst to read.
#[derive(Debug, Clone, PartialEq)]
pub struct NationalNote(pub String);

impl National {
    /// National rows and figures from national summaries tables (see
    /// [`crate::summaries_table`]): those of the local phase.
    pub fn from_national_summaries(all: &[Summaries], phase: Phase) -> Result<National> {
        all.iter()
            .find(|s| s.phase == phase)
            .map(|s| National::Pupils(s.clone()))
            .ok_or_else(|| Error::Usage(format!("the national summaries have no {phase} rows")))
    }

    /// The national figures for local pupils, by Attain's one rule: a
    /// national pupil table if given (read and summarised once, and not
    /// at all when it is the local file itself), else a reference table,
    /// else the pupils themselves, with a note that this is right only for
    /// a whole national cohort.
    pub fn choose(
        local: &Summaries,
        local_paths: &[PathBuf],
        national_pupils: Option<&Path>,
        reference: Option<NationalFigures>,
        estimates: &crate::progress::Estimates,
    ) -> Result<(National, Option<NationalNote>)> {
        if let Some(path) = national_pupils {
            let same_file = |p: &PathBuf| {
                std::fs::canonicalize(p).ok() == std::fs::canonicalize(path).ok()
                    && std::fs::canonicalize(path).is_ok()
            };
            if local_paths.len() == 1 && same_file(&local_paths[0]) {
                return Ok((National::Local, None));
            }
            let summaries = crate::summarise_files(
                &[path],
                Some(local.phase),
                crate::pupils::CHUNK_ROWS,
                estimates,
            )?;
            return Ok((National::Pupils(summaries), None));
        }
        if let Some(figures) = reference {
            return Ok((National::Reference(figures), None));
        }
        let pupils: u64 = local
            .stats
            .iter()
            .step_by(local.measures.len().max(1))
            .map(|s| s.cohort)
            .sum();
        Ok((
            National::Local,
            Some(NationalNote(format!(
                "no national figures given, so national figures are computed from the pupils given ({pupils} pupils), which is right only when they are the whole national cohort"
            ))),
        ))
    }
}

/// Builds the gap table of one phase from summaries of its pupils, every
/// year in turn.
pub fn gap_table(
    local: &Summaries,
    national: &National,
    options: &GapOptions,
) -> Result<DataFrame> {
    let comparison = Comparison::new(local, national)?;
    let mut table = schema::empty(false);
    for year in local.years() {
        comparison.year_in_batches(year, options, |batch| {
            table
                .vstack_mut_owned(batch)
                .map(|_| ())
                .map_err(|e| Error::table("gap table", e))
        })?;
    }
    table.rechunk_mut_par();
    Ok(table)
}

/// Which pupils a level's units come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    /// The local pupils (national rows from the national source).
    Local,
    /// The national source for every level: to rank units nationally.
    National,
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
        local.check_one_la_per_school(&format!("the {phase} pupils"))?;
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

    /// The engine that makes one year's rows.
    pub fn engine(&self, year: u16, options: &GapOptions) -> Result<Engine> {
        options.check_levels()?;
        if options.levels.contains(&Level::Region) {
            return Err(Error::Usage(
                "the region level needs published LA-level tables (--published FILE): pupil tables do not say a school's region".into(),
            ));
        }
        if options.progress.bands == crate::progress::Bands::Percentile
            && self.national_rows.is_none()
        {
            return Err(Error::Usage(
                "percentile progress bands rank every school or LA of England: give the national pupils (--national-pupils), or use dfe bands".into(),
            ));
        }
        self.check_las(options)?;
        let measures = &self.local.measures;
        // Progress measures without a score this year (no prior column, no
        // estimates for the year) are left out rather than shown empty.
        let rows = Engine::every_row(measures.len())
            .into_iter()
            .filter(|&(m, _)| !measures[m].is_progress() || self.local.has_values_in(year, m))
            .collect();
        let national_sd = |measure: &'static crate::measures::Measure| {
            let index = measures.iter().position(|m| std::ptr::eq(*m, measure))?;
            self.national_rows?.sd_of(year, index)
        };
        let mut engine = Engine::new(
            self.local.phase,
            year,
            measures.clone(),
            rows,
            &self.figures,
            options.suppression,
            false,
        )
        .with_progress_sd(
            |measure| options.progress.sd(measure, year, national_sd(measure)),
            options.progress.bands,
        );
        if options.disclosure == Disclosure::Publish && options.suppression.min_cohort > 0 {
            let started = std::time::Instant::now();
            engine.withheld = Some(Arc::new(self.withheld(&engine, options)?));
            if std::env::var_os("ATTAIN_TIMING").is_some() {
                eprintln!("disclosure: {year} in {:?}", started.elapsed());
            }
            engine.hide_counts = true;
        }
        Ok(engine)
    }

    /// The cells a year's table withholds, primary and secondary (see
    /// [`crate::disclosure`]): every cell the table shows, with the units
    /// each LA, alliance, neighbour group and England adds up.
    pub fn withheld(&self, engine: &Engine, options: &GapOptions) -> Result<Withheld> {
        let year = engine.year;
        let mut layout = Layout::default();
        // England's figures show in every row's national columns, whether
        // or not the national rows are asked for: they are in the layout.
        let mut shown = options.clone();
        if !shown.levels.contains(&Level::National) {
            shown.levels.insert(0, Level::National);
        }
        self.map_units(
            engine,
            &shown,
            From::Local,
            |_| Layout::default(),
            |part, pool| engine.add_to_layout(part, pool),
            |_, parts| {
                for part in parts {
                    layout.known.extend(part.known);
                    layout.primary.extend(part.primary);
                    layout.units.extend(part.units);
                    layout.cohorts.extend(part.cohorts);
                }
                Ok(())
            },
        )?;
        let mut schools_of_la: FxHashMap<u16, Vec<u32>> = FxHashMap::default();
        for cell in self.local.cells.iter().filter(|c| c.place.year == year) {
            schools_of_la
                .entry(cell.place.la_code)
                .or_default()
                .push(cell.place.urn);
        }
        for urns in schools_of_la.values_mut() {
            urns.sort_unstable();
            urns.dedup();
        }
        let national = self.national_rows.unwrap_or(self.local);
        let mut every_la: Vec<u16> = national
            .cells
            .iter()
            .filter(|c| c.place.year == year)
            .map(|c| c.place.la_code)
            .collect();
        every_la.sort_unstable();
        every_la.dedup();
        let schools = |urns: &mut dyn Iterator<Item = u32>| -> Vec<(Level, Unit)> {
            urns.map(|urn| (Level::School, Unit::School(urn))).collect()
        };
        let shown: Vec<(Level, Unit)> = layout.units.keys().copied().collect();
        for (level, unit) in shown {
            let members = match unit {
                Unit::La(la) => schools(&mut schools_of_la.get(&la).into_iter().flatten().copied()),
                Unit::Alliance(group) => {
                    let groupings = options.groupings.as_deref();
                    schools(
                        &mut schools_of_la.values().flatten().copied().filter(|&urn| {
                            groupings.is_some_and(|g| g.of_school(urn).contains(&group))
                        }),
                    )
                }
                Unit::Neighbours(la) => crate::disclosure::neighbour_members(
                    options.neighbours.as_deref(),
                    la,
                    &every_la,
                ),
                // Published national figures cover LAs the data lacks (LA 0
                // stands for them): no exact relation.
                Unit::England => every_la
                    .iter()
                    .map(|&l| (Level::La, Unit::La(l)))
                    .chain(
                        self.national_rows
                            .is_none()
                            .then_some((Level::La, Unit::La(0))),
                    )
                    .collect(),
                Unit::Region(_) | Unit::School(_) => continue,
            };
            layout.aggregates.push(((level, unit), members));
        }
        crate::disclosure::decide(&layout)
    }

    /// An LA asked for (`--la`) that has no pupils in any year of the data
    /// is an error: a table of national rows alone would look like an
    /// answer.
    fn check_las(&self, options: &GapOptions) -> Result<()> {
        if options.las.is_empty() {
            return Ok(());
        }
        let present: rustc_hash::FxHashSet<u16> =
            self.local.cells.iter().map(|c| c.place.la_code).collect();
        let missing: Vec<String> = options
            .las
            .iter()
            .filter(|la| !present.contains(la))
            .map(|la| la.to_string())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let mut there: Vec<u16> = present.into_iter().collect();
        there.sort_unstable();
        let listed: Vec<String> = there.iter().take(12).map(|la| la.to_string()).collect();
        Err(Error::Usage(format!(
            "--la {}: no pupils of {} in the data (its LAs: {}{})",
            missing.join(","),
            if missing.len() == 1 {
                "this LA"
            } else {
                "these LAs"
            },
            listed.join(", "),
            if there.len() > listed.len() {
                format!(" and {} more", there.len() - listed.len())
            } else {
                String::new()
            }
        )))
    }

    /// What an analyst should know about a year's table: neighbours the
    /// model or the data lack, progress intervals without a national SD,
    /// and flags that contradict DfE's definitions.
    pub fn notes(&self, year: u16, options: &GapOptions) -> Vec<String> {
        let mut notes = self.neighbour_notes(year, options);
        notes.extend(self.progress_notes(year, options));
        // Flags that contradict DfE's definitions are reported, not
        // refused: the figures follow the flags as given, but a column
        // mapped from the wrong field shows here first.
        {
            // Every measure's summary counts every pupil of its cell.
            let contradictory: u64 = (0..self.local.cells.len())
                .filter(|&c| self.local.cells[c].place.year == year)
                .filter(|&c| {
                    let profile = self.local.cells[c].profile;
                    (profile.fsm() || profile.cla()) && !profile.disadvantaged()
                })
                .map(|c| self.local.of_cell(c).first().map_or(0, |s| s.cohort))
                .sum();
            if contradictory > 0 {
                notes.push(format!(
                    "{} {year}: {contradictory} pupil{} eligible for FSM or looked after but not disadvantaged; DfE's disadvantaged includes every pupil eligible for FSM in the last six years and every looked-after child, so check the disadvantaged, fsm and cla columns (figures follow the flags as given)",
                    self.local.phase.name(),
                    if contradictory == 1 { " is" } else { "s are" },
                ));
            }
        }
        notes
    }

    /// The groupings (ids) none of whose schools has pupils in any year of
    /// this phase: left out of the table. A caller analysing several phases
    /// warns about those empty in all of them (a primary alliance has no
    /// KS4 pupils); see [`Groupings::note_without_pupils`].
    pub fn groupings_without_pupils(&self, options: &GapOptions) -> Vec<String> {
        let Some(groupings) = options.groupings.as_deref() else {
            return Vec::new();
        };
        let mut has_pupils = vec![false; groupings.groups.len()];
        for cell in &self.local.cells {
            for &group in groupings.of_school(cell.place.urn) {
                has_pupils[group as usize] = true;
            }
        }
        groupings
            .groups
            .iter()
            .zip(&has_pupils)
            .filter(|(_, has)| !**has)
            .map(|((id, _), _)| id.clone())
            .collect()
    }

    /// What an analyst should know about a year's progress intervals: a
    /// progress measure whose intervals cannot use the national SD (no
    /// national pupils, no published SD) uses each unit's own.
    fn progress_notes(&self, year: u16, options: &GapOptions) -> Vec<String> {
        if options.progress.sd != crate::progress::ProgressSd::National {
            return Vec::new();
        }
        let measures = &self.local.measures;
        (0..measures.len())
            .filter(|&m| measures[m].is_progress() && self.local.has_values_in(year, m))
            .filter(|&m| {
                let national = self.national_rows.and_then(|n| n.sd_of(year, m));
                options.progress.sd(measures[m], year, national).is_none()
            })
            .map(|m| {
                format!(
                    "{} {year}: no national SD of the scores (no national pupils or summaries, no published SD), so its intervals use each unit's own SD (--progress-sd unit); give --national-pupils, --estimates with an sd, or --progress-sd NUMBER",
                    measures[m].name
                )
            })
            .collect()
    }

    /// Every LA's and school's values nationally, for ranks: from the
    /// national pupils (or the pupils, when they are the national cohort);
    /// none from a reference table, which has no units.
    pub fn ranks(&self, engine: &Engine, options: &GapOptions) -> Result<Ranks> {
        let mut ranks = Ranks::default();
        let levels: Vec<Level> = [Level::La, Level::School]
            .into_iter()
            .filter(|level| options.levels.contains(level))
            .collect();
        if self.national_rows.is_none() || levels.is_empty() {
            return Ok(ranks);
        }
        let national = GapOptions {
            levels,
            suppression: options.suppression,
            ..GapOptions::default()
        };
        self.map_units(
            engine,
            &national,
            From::National,
            |_| Vec::new(),
            |part: &mut Vec<(Level, Vec<Option<f64>>)>, pool| {
                let values = (0..engine.rows.len())
                    .map(|row| engine.value(pool, row))
                    .collect();
                part.push((pool.level, values));
            },
            |_, parts| {
                for (level, values) in parts.into_iter().flatten() {
                    ranks.add(level, values);
                }
                Ok(())
            },
        )?;
        Ok(ranks.finish())
    }

    /// The gap table's rows for one year, handed to `each` a few thousand
    /// units at a time and in order, so that a caller writing them out never
    /// holds the whole table.
    pub fn year_in_batches(
        &self,
        year: u16,
        options: &GapOptions,
        mut each: impl FnMut(DataFrame) -> Result<()>,
    ) -> Result<()> {
        let mut engine = self.engine(year, options)?;
        engine.ranks = self.ranks(&engine, options)?;
        engine.neighbour_figures = self.neighbour_figures(&engine, options)?;
        let groupings = options.groupings.as_deref();
        self.map_units(
            &engine,
            options,
            From::Local,
            |units| engine.rows_for(units),
            |rows, pool| engine.push_unit(rows, pool),
            |_, parts| {
                let mut parts = parts.into_iter();
                let mut table = parts.next().expect("a batch has units").finish(groupings)?;
                for part in parts {
                    table
                        .vstack_mut_owned(part.finish(groupings)?)
                        .map_err(|e| Error::table("gap table", e))?;
                }
                each(table)
            },
        )
    }

    /// Every unit of one year at every level asked for, pooled: units are
    /// independent, so they are pooled on every core, a chunk at a time,
    /// each chunk folded into a part (`start` makes one, `add` adds a unit
    /// to it); `each` receives a level's parts in unit order, a few
    /// thousand units at a time.
    pub fn map_units<P: Send>(
        &self,
        engine: &Engine,
        options: &GapOptions,
        from: From,
        start: impl Fn(usize) -> P + Sync,
        add: impl Fn(&mut P, &Pool) + Sync,
        mut each: impl FnMut(Level, Vec<P>) -> Result<()>,
    ) -> Result<()> {
        const UNITS_PER_BATCH: usize = 4096;
        let measures = engine.measures.len();
        let reported = self.reported_las(engine.year, options);
        for &level in &options.levels {
            // National rows, national ranks and neighbour pools come from
            // the national pupils where there are some.
            let source = match (level, from) {
                (Level::National, _) => self.national_rows,
                (Level::Neighbours, _) | (_, From::National) => {
                    Some(self.national_rows.unwrap_or(self.local))
                }
                _ => Some(self.local),
            };
            let scope = Scope {
                groupings: options.groupings.as_deref(),
                neighbours: options.neighbours.as_deref(),
                las: match (from, level) {
                    (From::National, _) => &[],
                    (_, Level::Neighbours) => &reported,
                    _ => &options.las,
                },
            };
            let Some(source) = source else {
                let figures = crate::compare::national_pool(engine, &self.figures);
                let mut part = start(1);
                let pool = Pool {
                    level,
                    unit: Unit::England,
                    figures: &figures,
                    beside: None,
                };
                add(&mut part, &pool);
                each(level, vec![part])?;
                continue;
            };
            let (cells, units) = units(source, engine.year, level, scope);
            for batch in units.chunks(UNITS_PER_BATCH) {
                let parts: Vec<P> = batch
                    .par_chunks(512)
                    .map(|chunk| {
                        let mut part = start(chunk.len());
                        let mut per_profile = vec![Summary::default(); Profile::COUNT * measures];
                        let mut pooled = vec![Pooled::default(); measures * Population::ALL.len()];
                        for (unit, range) in chunk {
                            per_profile.fill(Summary::default());
                            for &cell in &cells[range.clone()] {
                                source.add_cell_to(cell, &mut per_profile);
                            }
                            for measure in 0..measures {
                                for population in Population::ALL {
                                    pooled[slot(measure, population)].summary =
                                        Summaries::population(
                                            &per_profile,
                                            measures,
                                            measure,
                                            population,
                                        );
                                }
                            }
                            let pool = Pool {
                                level,
                                unit: *unit,
                                figures: &pooled,
                                beside: None,
                            };
                            add(&mut part, &pool);
                        }
                        part
                    })
                    .collect();
                each(level, parts)?;
            }
        }
        Ok(())
    }

    /// The LAs reported in a year: those asked for (`--la`), else every LA
    /// with local pupils that year.
    pub fn reported_las(&self, year: u16, options: &GapOptions) -> Vec<u16> {
        let mut las: Vec<u16> = self
            .local
            .cells
            .iter()
            .filter(|c| c.place.year == year)
            .map(|c| c.place.la_code)
            .filter(|la| options.las.is_empty() || options.las.contains(la))
            .collect();
        las.sort_unstable();
        las.dedup();
        las
    }

    /// What an analyst should know about the neighbours of a year: an LA
    /// the model lacks, and neighbours with no pupils in the data (an LA
    /// that older data calls by a pre-reorganisation code, or one not in
    /// the file).
    fn neighbour_notes(&self, year: u16, options: &GapOptions) -> Vec<String> {
        let Some(neighbours) = options.neighbours.as_deref() else {
            return Vec::new();
        };
        let source = self.national_rows.unwrap_or(self.local);
        let present: rustc_hash::FxHashSet<u16> = source
            .cells
            .iter()
            .filter(|c| c.place.year == year)
            .map(|c| c.place.la_code)
            .collect();
        neighbours.notes(
            &year.to_string(),
            &self.reported_las(year, options),
            &present,
            "no pupils in the data",
        )
    }

    /// Every LA's values in the neighbours' source (the national pupils
    /// where given, else the local ones), and how many of each reported
    /// LA's neighbours have pupils: what `neighbour_average` and
    /// `neighbours_used` are made of.
    pub fn neighbour_figures(
        &self,
        engine: &Engine,
        options: &GapOptions,
    ) -> Result<Option<NeighbourFigures>> {
        let Some(neighbours) = options.neighbours.clone() else {
            return Ok(None);
        };
        let mut values: FxHashMap<u16, Vec<Option<f64>>> = FxHashMap::default();
        let every_la = GapOptions {
            levels: vec![Level::La],
            suppression: options.suppression,
            ..GapOptions::default()
        };
        self.map_units(
            engine,
            &every_la,
            From::National,
            |_| Vec::new(),
            |part: &mut Vec<(Unit, Vec<Option<f64>>)>, pool| {
                let row_values = (0..engine.rows.len())
                    .map(|row| engine.value(pool, row))
                    .collect();
                part.push((pool.unit, row_values));
            },
            |_, parts| {
                for (unit, row_values) in parts.into_iter().flatten() {
                    if let Unit::La(la) = unit {
                        values.insert(la, row_values);
                    }
                }
                Ok(())
            },
        )?;
        Ok(Some(NeighbourFigures { neighbours, values }))
    }
    pub fn years(&self) -> Vec<u16> {
        self.local.years()
    }

    /// Whether national rows of a year have figures: always from pupils;
    /// from a reference table, when it has any figure of the phase that year.
    pub fn has_national(&self, year: u16) -> bool {
        self.national_rows.is_some() || self.figures.years(self.local.phase).contains(&year)
    }
}

/// The cells of every unit of a level in one year: cell indices grouped by
/// unit, and each unit's range of them, in unit order.
/// Which units a level has: groupings for alliances, the LAs reported and
/// their neighbours for `neighbours`, and the LAs reported (none: every LA)
/// for `la`, `school` and the schools pooled into alliances.
#[derive(Clone, Copy)]
struct Scope<'a> {
    groupings: Option<&'a Groupings>,
    neighbours: Option<&'a Neighbours>,
    /// The LAs reported; for `la` and `school`, empty means every LA.
    las: &'a [u16],
}

fn units(
    summaries: &Summaries,
    year: u16,
    level: Level,
    scope: Scope,
) -> (Vec<usize>, Vec<(Unit, std::ops::Range<usize>)>) {
    let of_year = summaries
        .cells
        .iter()
        .enumerate()
        .filter(|(_, cell)| cell.place.year == year);
    let reported = |la: u16| scope.las.is_empty() || scope.las.contains(&la);
    let mut keyed: Vec<(Unit, usize)> = match (level, scope.groupings, scope.neighbours) {
        // A school in several groupings counts in each.
        (Level::Alliance, Some(groupings), _) => of_year
            .filter(|(_, cell)| reported(cell.place.la_code))
            .flat_map(|(index, cell)| {
                groupings
                    .of_school(cell.place.urn)
                    .iter()
                    .map(move |&group| (Unit::Alliance(group), index))
            })
            .collect(),
        // An LA's pupils count in the pool of every reported LA whose
        // neighbour it is.
        (Level::Neighbours, _, Some(neighbours)) => {
            let mut pools_of: FxHashMap<u16, Vec<u16>> = FxHashMap::default();
            for &la in scope.las {
                for &neighbour in neighbours.of(la) {
                    pools_of.entry(neighbour).or_default().push(la);
                }
            }
            of_year
                .flat_map(|(index, cell)| {
                    pools_of
                        .get(&cell.place.la_code)
                        .into_iter()
                        .flatten()
                        .map(move |&la| (Unit::Neighbours(la), index))
                })
                .collect()
        }
        _ => of_year
            .filter(|(_, cell)| level == Level::National || reported(cell.place.la_code))
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
        Level::Neighbours => unreachable!("neighbour pools are found through the model"),
        Level::Region => unreachable!("refused before: pupil tables have no regions"),
    }
}

/// The pupil file of each phase in a dataset folder (`<phase>.csv` or
/// `<phase>.parquet`), and its `national.csv` if it has one: the layout
/// `attain gaps --data DIR` reads.
/// A dataset folder's progress estimates (`estimates.csv`, as `attain
/// synth` writes it), if it has them.
pub fn folder_estimates(dir: &Path) -> Option<PathBuf> {
    Some(dir.join("estimates.csv")).filter(|p| p.is_file())
}

pub fn data_folder(
    dir: &Path,
    phases: Option<&[Phase]>,
) -> Result<(Vec<(Phase, PathBuf)>, Option<PathBuf>)> {
    let wanted = phases.unwrap_or(&Phase::ALL);
    let mut found = Vec::new();
    for &phase in wanted {
        let files: Vec<PathBuf> = ["csv", "parquet"]
            .iter()
            .map(|ext| dir.join(format!("{phase}.{ext}")))
            .filter(|p| p.is_file())
            .collect();
        if files.len() > 1 {
            return Err(Error::Usage(format!(
                "{} holds both {phase}.csv and {phase}.parquet: keep one, or name it with --pupils",
                dir.display()
            )));
        }
        found.extend(files.into_iter().map(|file| (phase, file)));
    }
    if found.is_empty() {
        return Err(Error::Usage(format!(
            "{} holds no <phase>.csv or <phase>.parquet file",
            dir.display()
        )));
    }
    let national = Some(dir.join("national.csv")).filter(|p| p.is_file());
    Ok((found, national))
}
