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
use crate::compare::{slot, Engine, Pool, Pooled};
use crate::error::{Error, Result};
use crate::geography::{Level, Unit};
use crate::groupings::Groupings;
use crate::groups::{Population, Profile};
use crate::national::NationalFigures;
use crate::phase::Phase;
use crate::schema;
use crate::summary::{Place, Summaries, Summary};

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
    ) -> Result<(National, Option<NationalNote>)> {
        if let Some(path) = national_pupils {
            let same_file = |p: &PathBuf| {
                std::fs::canonicalize(p).ok() == std::fs::canonicalize(path).ok()
                    && std::fs::canonicalize(path).is_ok()
            };
            if local_paths.len() == 1 && same_file(&local_paths[0]) {
                return Ok((National::Local, None));
            }
            let summaries =
                crate::summarise_files(&[path], Some(local.phase), crate::pupils::CHUNK_ROWS)?;
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

    /// The engine that makes one year's rows.
    pub fn engine(&self, year: u16, options: &GapOptions) -> Result<Engine> {
        options.check_alliance()?;
        if options.levels.contains(&Level::Region) {
            return Err(Error::Usage(
                "the region level needs published LA-level tables (--published FILE): pupil tables do not say a school's region".into(),
            ));
        }
        let measures = &self.local.measures;
        Ok(Engine::new(
            self.local.phase,
            year,
            measures.clone(),
            Engine::every_row(measures.len()),
            &self.figures,
            options.suppression,
            false,
        ))
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
        let engine = self.engine(year, options)?;
        let groupings = options.groupings.as_deref();
        self.map_units(
            &engine,
            options,
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
        start: impl Fn(usize) -> P + Sync,
        add: impl Fn(&mut P, &Pool) + Sync,
        mut each: impl FnMut(Level, Vec<P>) -> Result<()>,
    ) -> Result<()> {
        const UNITS_PER_BATCH: usize = 4096;
        let measures = engine.measures.len();
        let groupings = options.groupings.as_deref();
        for &level in &options.levels {
            let source = if level == Level::National {
                self.national_rows
            } else {
                Some(self.local)
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
            let (cells, units) = units(source, engine.year, level, groupings);
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

    /// The years of the local pupils, ascending.
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

/// The pupil file of each phase in a dataset folder (`<phase>.csv` or
/// `<phase>.parquet`), and its `national.csv` if it has one: the layout
/// `attain gaps --data DIR` reads.
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
