//! Progress measures: Progress 8 (KS2 to KS4) and KS1–KS2 reading and maths
//! progress, scored against estimates for each prior-attainment group.
//!
//! A pupil's progress is their outcome minus the **estimate** for their
//! prior attainment, divided by the measure's divisor (10 for Progress 8,
//! the slots Attainment 8 spans; 1 for KS2). A pupil without an outcome or a
//! prior value, or whose prior value falls in no group of the estimates,
//! has no score and is not counted. A unit's score is the mean over its
//! pupils; it is summarised like any mean ([`crate::Summary`]), so units,
//! groups and years pool exactly.
//!
//! Estimates come from one of two places ([`Estimates`]):
//! * **national pupils** (the default): per year, the mean outcome of the
//!   national pupils with both values whose prior value, rounded to one
//!   decimal place, is the same ([`EstimatesBuilder`]). The same pass gives
//!   the national pupil-level SD of the progress score: the sample SD (divisor
//!   `N − 1`) over every national pupil with a score;
//! * **a published table** ([`Estimates::read`]): prior-attainment groups as
//!   ranges of the prior value, an estimate per group, and the SD DfE used.
//!   Attain ships DfE's KS4 ready-reckoner estimates for 2022 (revised), 2023
//!   (revised) and 2024 (provisional) ([`Estimates::dfe`], `--estimates dfe`),
//!   so an LA holding only its own pupils can compute Progress 8. DfE
//!   publishes no KS2 progress estimates in a reusable form, so KS2 progress
//!   needs national pupils or a table of your own.
//!
//! An estimates table is a CSV with the columns `measure, year, prior_low,
//! prior_high, estimate, sd` (others, such as `group`, are ignored): one row
//! per prior-attainment group, `prior_low ≤ prior ≤ prior_high`, groups of a
//! measure and year not overlapping, and one `sd` per measure and year. In
//! place of the two range columns a table may have one column `prior`: a
//! pupil's prior value rounded to one decimal place is looked up in it, as
//! with estimates from national pupils ([`Estimates::to_csv`] writes this
//! form, which `attain synth` ships as a dataset's `estimates.csv`).
//!
//! **Intervals** ([`ProgressSd`]): score ± z × SD / √n, with z = Φ⁻¹(0.975)
//! and SD the national pupil-level SD: DfE's published SD with published
//! estimates, else the SD of the national pupils' scores. (That DfE uses the
//! national SD is believed, not confirmed, so a fixed SD or each unit's own
//! SD can be chosen instead.)
//!
//! **Bands** ([`Bands`]): DfE's performance-table rule: *well above* when the
//! score is above a threshold and the interval is wholly above 0, *above*
//! when the interval is wholly above 0, *average* when it contains 0, and
//! *below* and *well below* mirror these. The threshold is 0.5 for Progress
//! 8. DfE's KS2 tables set their own each year (about 3 scaled-score points
//! in 2019) and do not publish it, so KS2 progress computed by Attain is
//! banded above, average or below only, unless a threshold is given
//! (`dfe:THRESHOLD`). A published school row carries DfE's own band
//! (`P8_BANDING`, `READPROG_DESCR`, …) as published. A February 2026 DfE
//! consultation proposes percentile bands, so national quintiles of the
//! level's units are the alternative; they need every unit of the nation
//! (national pupils, or published tables of every LA).
//!
//! **Rounding**: a prior value is rounded to one decimal place as Python's
//! `round` and polars' `round` do: to the nearer of the two, and a value
//! exactly half way (100.25) to the even digit (100.2).

use std::io::Read;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::measures::{Measure, Rule, MEASURES};
use crate::phase::Phase;
use crate::pupils::{Outcome, PupilTable};
use crate::tables;

/// Where a progress interval's SD comes from.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum ProgressSd {
    /// The national pupil-level SD: the published one with published
    /// estimates, else that of the national pupils' scores.
    #[default]
    National,
    /// Each unit's own sample SD (a t interval, as for any mean).
    Unit,
    /// One SD for every measure and year.
    Fixed(f64),
}

impl ProgressSd {
    /// `national`, `unit` or a positive number.
    pub fn parse(text: &str) -> Result<ProgressSd> {
        match text.trim() {
            "national" => Ok(ProgressSd::National),
            "unit" => Ok(ProgressSd::Unit),
            other => match other.parse::<f64>() {
                Ok(sd) if sd.is_finite() && sd > 0.0 => Ok(ProgressSd::Fixed(sd)),
                _ => Err(Error::Usage(format!(
                    "unknown progress SD {text:?}: expected national, unit or a positive number"
                ))),
            },
        }
    }
}

/// How progress intervals and bands are made in the gap table.
#[derive(Debug, Clone, Default)]
pub struct ProgressOptions {
    pub sd: ProgressSd,
    pub bands: Bands,
    /// The estimates the pupils were scored with: published estimates carry
    /// the national SD DfE used.
    pub estimates: Option<std::sync::Arc<Estimates>>,
}

impl ProgressOptions {
    /// The SD a progress measure's intervals use in a year, by the
    /// [`ProgressSd`] rule: `national_sd` is the SD of the national
    /// pupils' scores where they are summarised.
    pub fn sd(&self, measure: &Measure, year: u16, national_sd: Option<f64>) -> Option<f64> {
        match self.sd {
            ProgressSd::Unit => None,
            ProgressSd::Fixed(sd) => Some(sd),
            ProgressSd::National => self
                .estimates
                .as_ref()
                .and_then(|e| e.sd(measure, year))
                .or(national_sd),
        }
    }
}

/// How progress scores are banded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bands {
    /// DfE's rule, with the score threshold for *well* above or below;
    /// `None` for the rule's own 0.5, for every progress measure.
    Dfe { well: Option<f64> },
    /// National quintiles of the level's units (LA and school rows).
    Percentile,
}

impl Default for Bands {
    fn default() -> Self {
        Bands::Dfe { well: None }
    }
}

impl Bands {
    /// `dfe`, `dfe:THRESHOLD` or `percentile`.
    pub fn parse(text: &str) -> Result<Bands> {
        let text = text.trim();
        match text.split_once(':') {
            None if text == "dfe" => Ok(Bands::default()),
            None if text == "percentile" => Ok(Bands::Percentile),
            Some(("dfe", well)) => match well.trim().parse::<f64>() {
                Ok(well) if well.is_finite() && well >= 0.0 => Ok(Bands::Dfe { well: Some(well) }),
                _ => Err(Error::Usage(format!(
                    "bad band threshold in {text:?}: expected dfe:NUMBER, a number 0 or more"
                ))),
            },
            _ => Err(Error::Usage(format!(
                "unknown progress bands {text:?}: expected dfe, dfe:THRESHOLD or percentile"
            ))),
        }
    }
}

/// A progress band, in the order of [`Band::NAMES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    WellAbove,
    Above,
    Average,
    Below,
    WellBelow,
}

impl Band {
    pub const NAMES: [&'static str; 5] = ["well_above", "above", "average", "below", "well_below"];

    pub fn name(self) -> &'static str {
        Band::NAMES[self as usize]
    }

    /// DfE's rule for a score and its 95% interval; without a threshold,
    /// never *well* above or below.
    pub fn dfe(score: f64, low: f64, high: f64, well: Option<f64>) -> Band {
        let well = well.unwrap_or(f64::INFINITY);
        if low > 0.0 {
            if score > well {
                Band::WellAbove
            } else {
                Band::Above
            }
        } else if high < 0.0 {
            if score < -well {
                Band::WellBelow
            } else {
                Band::Below
            }
        } else {
            Band::Average
        }
    }

    /// A band as DfE publishes it: a code 1 (well above) to 5 (well below)
    /// or its words ("Well above average", …).
    pub fn parse(text: &str) -> Option<Band> {
        let text = text.trim().to_ascii_lowercase();
        let bands = [
            Band::WellAbove,
            Band::Above,
            Band::Average,
            Band::Below,
            Band::WellBelow,
        ];
        match text.as_str() {
            "1" | "2" | "3" | "4" | "5" => Some(bands[text.parse::<usize>().ok()? - 1]),
            _ => bands.into_iter().find(|b| {
                text == format!("{} average", b.name().replace('_', " "))
                    || text == "average" && *b == Band::Average
            }),
        }
    }

    /// The band of a national quintile (0 = the top fifth).
    pub fn of_quintile(quintile: u64) -> Band {
        [
            Band::WellAbove,
            Band::Above,
            Band::Average,
            Band::Below,
            Band::WellBelow,
        ][quintile.min(4) as usize]
    }
}

/// How a table's prior values fall into groups.
#[derive(Debug, Clone, PartialEq)]
enum Groups {
    /// The prior rounded to one decimal place, stored ×10.
    Rounded(FxHashMap<i64, f64>),
    /// `(low, high, estimate)`, sorted by `low`, not overlapping.
    Ranges(Vec<(f64, f64, f64)>),
}

/// One measure and year's estimates.
#[derive(Debug, Clone, PartialEq)]
struct Table {
    groups: Groups,
    /// The national pupil-level SD of the progress score.
    sd: Option<f64>,
}

/// The key a prior value is grouped by when estimates come from pupils:
/// ten times the value rounded to one decimal place, half way to even on
/// the value's exact decimal expansion, as Python and polars round.
#[inline]
fn rounded(prior: f64) -> i64 {
    let scaled = prior * 10.0;
    // Far from a tie the product decides; near one, only the exact decimal
    // expansion (which Rust's formatting rounds half to even) does.
    if ((scaled - scaled.trunc()).abs() - 0.5).abs() > 1e-6 {
        return scaled.round() as i64;
    }
    let text = format!("{prior:.1}");
    let (whole, tenth) = text.split_once('.').unwrap_or((&text, "0"));
    let magnitude = whole.trim_start_matches('-').parse::<i64>().unwrap_or(0) * 10
        + tenth.parse::<i64>().unwrap_or(0);
    if text.starts_with('-') {
        -magnitude
    } else {
        magnitude
    }
}

impl Table {
    fn estimate(&self, prior: f64) -> Option<f64> {
        match &self.groups {
            Groups::Rounded(map) => map.get(&rounded(prior)).copied(),
            Groups::Ranges(ranges) => {
                let after = ranges.partition_point(|&(low, _, _)| low <= prior);
                let &(_, high, estimate) = ranges.get(after.checked_sub(1)?)?;
                (prior <= high).then_some(estimate)
            }
        }
    }
}

/// Estimates for progress measures, per measure and year.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Estimates {
    /// `(year, measure index) → table`.
    tables: FxHashMap<(u16, usize), Table>,
    /// Where they came from, for notes and errors.
    pub source: String,
    /// Pupils scored so far whose prior value fell in no group.
    outside_groups: Tally,
}

/// A count kept across threads for a note; two tallies compare equal, so
/// that estimates compare by their tables.
#[derive(Debug, Clone, Default)]
struct Tally(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl PartialEq for Tally {
    fn eq(&self, _: &Tally) -> bool {
        true
    }
}

impl Tally {
    fn add(&self, n: u64) {
        self.0.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Estimates {
    /// No estimates: progress measures have no scores.
    pub fn none() -> Estimates {
        Estimates::default()
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Whether there are estimates for a measure and year.
    pub fn has(&self, measure: &Measure, year: u16) -> bool {
        self.tables.contains_key(&(year, measure.index()))
    }

    /// The national pupil-level SD of a measure's score in a year.
    pub fn sd(&self, measure: &Measure, year: u16) -> Option<f64> {
        self.tables.get(&(year, measure.index()))?.sd
    }

    /// The (year, measure) pairs covered, sorted.
    pub fn covered(&self) -> Vec<(u16, &'static Measure)> {
        let mut keys: Vec<(u16, usize)> = self.tables.keys().copied().collect();
        keys.sort_unstable();
        keys.into_iter().map(|(y, m)| (y, &MEASURES[m])).collect()
    }

    /// Adds another set's tables (for other measures or years); a measure
    /// and year in both keeps this set's.
    pub fn extend(&mut self, other: Estimates) {
        for (key, table) in other.tables {
            self.tables.entry(key).or_insert(table);
        }
        if self.source.is_empty() {
            self.source = other.source;
        }
    }

    /// Each pupil's score for a progress measure (`NaN` for none).
    pub fn scores(&self, pupils: &PupilTable, measure: &Measure) -> Vec<f64> {
        let Rule::Progress(rule) = measure.rule else {
            return vec![f64::NAN; pupils.len()];
        };
        let numbers = |name| match pupils.outcome(name) {
            Some(Outcome::Number(values)) => Some(values),
            _ => None,
        };
        let (Some(outcome), Some(prior)) = (numbers(rule.outcome), numbers(rule.prior)) else {
            return vec![f64::NAN; pupils.len()];
        };
        let index = measure.index();
        // Files list a year's pupils together: look the table up again only
        // when the year changes.
        let mut current: Option<(u16, Option<&Table>)> = None;
        let mut outside = 0u64;
        let scores = (0..pupils.len())
            .map(|row| {
                let year = pupils.year[row];
                let table = match current {
                    Some((y, table)) if y == year => table,
                    _ => {
                        let table = self.tables.get(&(year, index));
                        current = Some((year, table));
                        table
                    }
                };
                let (outcome, prior) = (outcome[row], prior[row]);
                match table {
                    Some(table) if !outcome.is_nan() && !prior.is_nan() => {
                        match table.estimate(prior) {
                            Some(estimate) => (outcome - estimate) / rule.divisor,
                            None => {
                                outside += 1;
                                f64::NAN
                            }
                        }
                    }
                    _ => f64::NAN,
                }
            })
            .collect();
        self.outside_groups.add(outside);
        scores
    }

    /// How many pupils scored so far had an outcome and a prior value but a
    /// prior in no group of the estimates (between or beyond the groups).
    pub fn outside_groups(&self) -> u64 {
        self.outside_groups.get()
    }

    /// DfE's KS4 ready-reckoner estimates shipped with Attain (Progress 8,
    /// 2022 revised, 2023 revised, 2024 provisional).
    pub fn dfe() -> Estimates {
        Estimates::read_from(
            crate::datasets::DFE_P8_ESTIMATES.as_bytes(),
            "datasets/progress/dfe_p8_estimates.csv (shipped)",
        )
        .expect("the shipped estimates are valid")
    }

    /// `dfe` for the shipped estimates, else a file.
    pub fn choose_file(text: &str) -> Result<Estimates> {
        if text.trim() == "dfe" {
            Ok(Estimates::dfe())
        } else {
            Estimates::read(text.trim())
        }
    }

    pub fn read(path: impl AsRef<Path>) -> Result<Estimates> {
        let (file, source) = tables::open(path.as_ref())?;
        Estimates::read_from(file, &source)
    }

    /// Reads an estimates table (see the module docs).
    pub fn read_from(reader: impl Read, source: &str) -> Result<Estimates> {
        let mut table = tables::read(reader, source)?;
        let what = "an estimates table (measure, year, prior_low, prior_high, estimate, sd)";
        let at = |table: &tables::CsvTable<_>, name: &str| table.require(name, what);
        let measure_at = at(&table, "measure")?;
        let year_at = at(&table, "year")?;
        // One `prior` column: rounded priors; else a range per group.
        let single = table
            .find("prior")
            .filter(|_| table.find("prior_low").is_none());
        let (low_at, high_at) = match single {
            Some(prior) => (prior, prior),
            None => (at(&table, "prior_low")?, at(&table, "prior_high")?),
        };
        let (low_name, high_name) = match single {
            Some(_) => ("prior", "prior"),
            None => ("prior_low", "prior_high"),
        };
        let estimate_at = at(&table, "estimate")?;
        let sd_at = at(&table, "sd")?;
        let mut ranges: FxHashMap<(u16, usize), (Vec<(f64, f64, f64, u64)>, f64, u64)> =
            FxHashMap::default();
        let mut row = 1u64;
        while let Some(record) = table.next_row(false) {
            let record = record?;
            row += 1;
            let field = |at: usize| record.get(at).unwrap_or("").trim();
            let number = |at: usize, column: &str, expected: &str| -> Result<f64> {
                field(at)
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        Error::invalid(source, Some(row), Some(column), Some(field(at)), expected)
                    })
            };
            let name = field(measure_at);
            let measure = Measure::named(name)
                .filter(|m| matches!(m.rule, Rule::Progress(_)))
                .ok_or_else(|| {
                    Error::invalid(
                        source,
                        Some(row),
                        Some("measure"),
                        Some(name),
                        "a progress measure computed from pupils: ks4.p8, ks2.read_progress or ks2.mat_progress",
                    )
                })?;
            let year = crate::geography::parse_year(field(year_at), source, row, "year")?;
            let low = number(low_at, low_name, "a number")?;
            let high = number(high_at, high_name, "a number, prior_low or more")?;
            if high < low {
                return Err(Error::invalid(
                    source,
                    Some(row),
                    Some("prior_high"),
                    Some(field(high_at)),
                    format!("a number no less than prior_low ({low})"),
                ));
            }
            let estimate = number(estimate_at, "estimate", "a number")?;
            let sd = number(sd_at, "sd", "a positive number")?;
            if sd <= 0.0 {
                return Err(Error::invalid(
                    source,
                    Some(row),
                    Some("sd"),
                    Some(field(sd_at)),
                    "a positive number",
                ));
            }
            let entry = ranges
                .entry((year, measure.index()))
                .or_insert_with(|| (Vec::new(), sd, row));
            if entry.1 != sd {
                return Err(Error::invalid(
                    source,
                    Some(row),
                    Some("sd"),
                    Some(field(sd_at)),
                    format!(
                        "one SD per measure and year: row {} gives {} for {} {year}",
                        entry.2, entry.1, measure.name
                    ),
                ));
            }
            entry.0.push((low, high, estimate, row));
        }
        if ranges.is_empty() {
            return Err(Error::invalid(
                source,
                None,
                None,
                None,
                format!("{what}, with at least one row"),
            ));
        }
        let mut tables = FxHashMap::default();
        for ((year, index), (mut groups, sd, _)) in ranges {
            groups.sort_by(|a, b| a.0.total_cmp(&b.0));
            if single.is_some() {
                let mut rounded_groups = FxHashMap::default();
                for &(prior, _, estimate, row) in &groups {
                    if rounded_groups.insert(rounded(prior), estimate).is_some() {
                        return Err(Error::invalid(
                            source,
                            Some(row),
                            Some("prior"),
                            Some(&prior.to_string()),
                            format!(
                                "one row per prior value (to one decimal place) of {} {year}",
                                MEASURES[index].name
                            ),
                        ));
                    }
                }
                tables.insert(
                    (year, index),
                    Table {
                        groups: Groups::Rounded(rounded_groups),
                        sd: Some(sd),
                    },
                );
                continue;
            }
            for pair in groups.windows(2) {
                if pair[1].0 <= pair[0].1 {
                    return Err(Error::invalid(
                        source,
                        Some(pair[1].3),
                        Some("prior_low"),
                        Some(&pair[1].0.to_string()),
                        format!(
                            "groups of {} {year} that do not overlap: row {} already covers {} to {}",
                            MEASURES[index].name, pair[0].3, pair[0].0, pair[0].1
                        ),
                    ));
                }
            }
            tables.insert(
                (year, index),
                Table {
                    groups: Groups::Ranges(
                        groups.into_iter().map(|(l, h, e, _)| (l, h, e)).collect(),
                    ),
                    sd: Some(sd),
                },
            );
        }
        Ok(Estimates {
            tables,
            source: source.to_owned(),
            outside_groups: Tally::default(),
        })
    }

    /// The estimates as a table [`Estimates::read_from`] reads back:
    /// `measure, year, prior, estimate, sd` for estimates from pupils,
    /// `measure, year, prior_low, prior_high, estimate, sd` for ranges.
    /// `None` when there are none, or when the two kinds are mixed.
    pub fn to_csv(&self) -> Option<String> {
        let keys = self.covered();
        let first = self
            .tables
            .get(&(keys.first()?.0, keys.first()?.1.index()))?;
        let by_ranges = matches!(first.groups, Groups::Ranges(_));
        let mut text = String::from(if by_ranges {
            "measure,year,prior_low,prior_high,estimate,sd\n"
        } else {
            "measure,year,prior,estimate,sd\n"
        });
        for (year, measure) in keys {
            let table = &self.tables[&(year, measure.index())];
            let sd = table.sd.map_or(String::new(), |sd| sd.to_string());
            match (&table.groups, by_ranges) {
                (Groups::Ranges(ranges), true) => {
                    for (low, high, estimate) in ranges {
                        text += &format!("{},{year},{low},{high},{estimate},{sd}\n", measure.name);
                    }
                }
                (Groups::Rounded(groups), false) => {
                    let mut groups: Vec<(i64, f64)> =
                        groups.iter().map(|(k, e)| (*k, *e)).collect();
                    groups.sort_unstable_by_key(|g| g.0);
                    for (key, estimate) in groups {
                        text += &format!(
                            "{},{year},{},{estimate},{sd}\n",
                            measure.name,
                            key as f64 / 10.0
                        );
                    }
                }
                _ => return None,
            }
        }
        Some(text)
    }
}

/// Sums per prior group, for estimates from national pupils.
#[derive(Debug, Clone, Copy, Default)]
struct GroupSums {
    n: u64,
    sum: f64,
    sum_sq: f64,
}

/// Builds [`Estimates`] from national pupils, a chunk at a time.
#[derive(Debug, Default)]
pub struct EstimatesBuilder {
    /// `(year, measure index, rounded prior) → sums of the outcome`.
    sums: FxHashMap<(u16, usize, i64), GroupSums>,
    source: String,
}

impl EstimatesBuilder {
    pub fn new(source: impl Into<String>) -> EstimatesBuilder {
        EstimatesBuilder {
            sums: FxHashMap::default(),
            source: source.into(),
        }
    }

    /// Adds a table's pupils with both an outcome and a prior value.
    pub fn add(&mut self, pupils: &PupilTable) {
        for measure in Measure::of_phase(pupils.phase) {
            let Rule::Progress(rule) = measure.rule else {
                continue;
            };
            let (Some(Outcome::Number(outcome)), Some(Outcome::Number(prior))) =
                (pupils.outcome(rule.outcome), pupils.outcome(rule.prior))
            else {
                continue;
            };
            let index = measure.index();
            for row in 0..pupils.len() {
                let (value, prior) = (outcome[row], prior[row]);
                if value.is_nan() || prior.is_nan() {
                    continue;
                }
                let sums = self
                    .sums
                    .entry((pupils.year[row], index, rounded(prior)))
                    .or_default();
                sums.n += 1;
                sums.sum += value;
                sums.sum_sq += value * value;
            }
        }
    }

    /// The estimates: each group's mean outcome, and per measure and year
    /// the sample SD of the pupils' scores. Every group's scores sum to 0,
    /// so the SD is the pooled within-group spread: √(Σ_g Σ (x − x̄_g)² /
    /// (N − 1)) / divisor.
    pub fn finish(self) -> Estimates {
        let mut tables: FxHashMap<(u16, usize), (FxHashMap<i64, f64>, f64, u64)> =
            FxHashMap::default();
        for ((year, index, key), sums) in self.sums {
            let entry = tables.entry((year, index)).or_default();
            let mean = sums.sum / sums.n as f64;
            entry.0.insert(key, mean);
            entry.1 += (sums.sum_sq - sums.sum * mean).max(0.0);
            entry.2 += sums.n;
        }
        let tables = tables
            .into_iter()
            .map(|((year, index), (groups, squares, n))| {
                let Rule::Progress(rule) = MEASURES[index].rule else {
                    unreachable!("only progress measures are summed")
                };
                let sd = (n >= 2).then(|| (squares / (n - 1) as f64).sqrt() / rule.divisor);
                (
                    (year, index),
                    Table {
                        groups: Groups::Rounded(groups),
                        sd,
                    },
                )
            })
            .collect();
        Estimates {
            tables,
            source: self.source,
            outside_groups: Tally::default(),
        }
    }
}

/// Estimates from national pupil files (read a chunk at a time), for the
/// progress measures of their phase.
pub fn estimates_from_files(
    paths: &[impl AsRef<Path>],
    phase: Option<Phase>,
    chunk_rows: usize,
) -> Result<Estimates> {
    let source = paths
        .iter()
        .map(|p| p.as_ref().display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut builder = EstimatesBuilder::new(format!("national pupils ({source})"));
    crate::pupils::read_files(paths, phase, chunk_rows, |chunk| {
        builder.add(&chunk);
        Ok(())
    })?;
    Ok(builder.finish())
}

/// Which estimates score the pupils, by Attain's one rule: those given
/// (`dfe` or a file); else the national pupils' own, when national pupils
/// are given; else a data folder's `estimates.csv`; else, when the pupils
/// are compared with a published reference table, none; else (the pupils
/// are taken as the nation) the pupils' own. Estimates from pupils cost one
/// more read of those files, and only for a phase with progress measures.
pub fn choose_estimates(
    given: Option<&str>,
    national_pupils: Option<&Path>,
    folder_estimates: Option<&Path>,
    reference_given: bool,
    local_paths: &[impl AsRef<Path>],
    phase: Option<Phase>,
) -> Result<Estimates> {
    if let Some(given) = given {
        return Estimates::choose_file(given);
    }
    if phase.is_some_and(|phase| !phase_has_progress(phase)) {
        return Ok(Estimates::none());
    }
    if let Some(national) = national_pupils {
        return estimates_from_files(&[national], phase, crate::pupils::CHUNK_ROWS);
    }
    if let Some(path) = folder_estimates {
        return Estimates::read(path);
    }
    if reference_given || local_paths.is_empty() {
        return Ok(Estimates::none());
    }
    estimates_from_files(local_paths, phase, crate::pupils::CHUNK_ROWS)
}

/// What an analyst should know about the progress measures of summaries
/// scored with `estimates`: a measure left out, or years without scores.
pub fn notes(summaries: &crate::Summaries, estimates: &Estimates) -> Vec<String> {
    let mut notes = Vec::new();
    for (index, measure) in summaries.measures.iter().enumerate() {
        let Rule::Progress(rule) = measure.rule else {
            continue;
        };
        let uncovered: Vec<String> = summaries
            .years()
            .into_iter()
            .filter(|&year| !estimates.has(measure, year))
            .map(|year| year.to_string())
            .collect();
        let why: Vec<&str> = summaries
            .years()
            .into_iter()
            .filter(|&year| !estimates.has(measure, year))
            .filter_map(|year| not_published(measure, year))
            .collect();
        if !summaries.has_values(index) && !why.is_empty() && !estimates.is_empty() {
            notes.push(format!("{} is left out: {}", measure.name, why[0]));
        } else if !summaries.has_values(index) {
            notes.push(format!(
                "{} is left out: no pupil has a score ({}; a score needs {} and {}, and estimates for the year: give the national pupils with --national-pupils, DfE's Progress 8 estimates for 2022-2024 with --estimates dfe, or an estimates table with --estimates FILE)",
                measure.name,
                if estimates.is_empty() {
                    "no estimates".to_owned()
                } else {
                    format!("estimates from {}", estimates.source)
                },
                rule.outcome,
                rule.prior
            ));
        } else if !uncovered.is_empty() {
            notes.push(format!(
                "{} has no scores for {}: the estimates ({}) do not cover it{}",
                measure.name,
                uncovered.join(", "),
                estimates.source,
                why.first().map(|w| format!(" ({w})")).unwrap_or_default()
            ));
        }
    }
    if estimates.outside_groups() > 0 {
        notes.push(format!(
            "{} pupils with an outcome and a prior value have a prior in no group of the estimates ({}): they have no progress score and are not counted",
            estimates.outside_groups(),
            estimates.source
        ));
    }
    notes
}

/// Whether a phase has progress measures computed from pupils.
pub fn phase_has_progress(phase: Phase) -> bool {
    Measure::of_phase(phase).any(|m| matches!(m.rule, Rule::Progress(_)))
}

/// Why DfE publishes no progress measure for a year, where it does not:
/// `None` for the years it does.
pub fn not_published(measure: &Measure, year: u16) -> Option<&'static str> {
    match (measure.phase, year) {
        (Phase::Ks4, 2025 | 2026) if measure.is_progress() => Some(
            "DfE publishes no Progress 8 for 2024/25 or 2025/26: those pupils sat no KS2 tests (cancelled in 2020 and 2021), so there is no prior attainment; Progress 8 returns in 2026/27",
        ),
        (Phase::Ks2, 2024 | 2025) if measure.is_progress() => Some(
            "DfE publishes no KS1-KS2 progress for 2024 or 2025: those pupils have no KS1 baseline (KS1 assessments were cancelled in 2020 and 2021); it returns for 2025/26 and 2026/27, then Reception Baseline measures from 2027/28",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ks4(rows: &[(&str, Option<f64>, Option<f64>)]) -> PupilTable {
        let mut csv = String::from("pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,att8,eng_grade,mat_grade,ks2_prior\n");
        for (id, att8, prior) in rows {
            let show = |v: &Option<f64>| v.map_or(String::new(), |v| v.to_string());
            csv += &format!(
                "{id},2024,100001,883,false,false,N,false,{},5,5,{}\n",
                show(att8),
                show(prior)
            );
        }
        crate::pupils::read_csv_from(csv.as_bytes(), "test", Some(Phase::Ks4)).unwrap()
    }

    #[test]
    fn estimates_from_pupils_are_group_means_and_scores_are_tenths() {
        // Prior 100.0 (and 100.04, which rounds to it): att8 40, 50, 60 →
        // estimate 50. Prior 110.0: 70, 80 → 75. One pupil without att8,
        // one without prior.
        let pupils = ks4(&[
            ("a", Some(40.0), Some(100.0)),
            ("b", Some(50.0), Some(100.04)),
            ("c", Some(60.0), Some(100.0)),
            ("d", Some(70.0), Some(110.0)),
            ("e", Some(80.0), Some(110.0)),
            ("f", None, Some(110.0)),
            ("g", Some(55.0), None),
        ]);
        let mut builder = EstimatesBuilder::new("test");
        builder.add(&pupils);
        let estimates = builder.finish();
        let p8 = Measure::named("ks4.p8").unwrap();
        let scores = estimates.scores(&pupils, p8);
        let expected = [-1.0, 0.0, 1.0, -0.5, 0.5];
        for (score, want) in scores.iter().zip(expected) {
            assert!((score - want).abs() < 1e-12, "{scores:?}");
        }
        assert!(scores[5].is_nan() && scores[6].is_nan());
        // Squares of the scores: 1 + 0 + 1 + 0.25 + 0.25 = 2.5 over N − 1 = 4.
        let sd = estimates.sd(p8, 2024).unwrap();
        assert!((sd - (2.5f64 / 4.0).sqrt()).abs() < 1e-12, "{sd}");
        assert!(!estimates.has(p8, 2023));
    }

    #[test]
    fn published_estimates_look_up_ranges_and_refuse_overlaps() {
        let table = "measure,year,group,prior_low,prior_high,estimate,sd\nks4.p8,2024,1,59,82,15.96,1.41628\nks4.p8,2024,2,82.5,86,16.63,1.41628\n";
        let estimates = Estimates::read_from(table.as_bytes(), "est.csv").unwrap();
        let pupils = ks4(&[
            ("a", Some(25.96), Some(82.0)),
            ("b", Some(16.63), Some(82.5)),
            ("c", Some(30.0), Some(82.25)),
            ("d", Some(30.0), Some(86.5)),
            ("e", Some(30.0), Some(58.5)),
        ]);
        let p8 = Measure::named("ks4.p8").unwrap();
        let scores = estimates.scores(&pupils, p8);
        assert!((scores[0] - 1.0).abs() < 1e-12);
        assert!(scores[1].abs() < 1e-12);
        // Between groups, above the last and below the first: no score.
        assert!(scores[2..].iter().all(|s| s.is_nan()), "{scores:?}");
        assert_eq!(estimates.sd(p8, 2024), Some(1.41628));

        let overlapping = "measure,year,prior_low,prior_high,estimate,sd\nks4.p8,2024,59,82,15.96,1.4\nks4.p8,2024,81,86,16.63,1.4\n";
        let error = Estimates::read_from(overlapping.as_bytes(), "est.csv").unwrap_err();
        assert!(error.to_string().contains("row 3"), "{error}");
        let two_sds = "measure,year,prior_low,prior_high,estimate,sd\nks4.p8,2024,59,82,15.96,1.4\nks4.p8,2024,83,86,16.63,1.5\n";
        let error = Estimates::read_from(two_sds.as_bytes(), "est.csv").unwrap_err();
        assert!(
            error.to_string().contains("one SD per measure and year"),
            "{error}"
        );
        let not_progress =
            "measure,year,prior_low,prior_high,estimate,sd\nks4.att8,2024,59,82,15.96,1.4\n";
        let error = Estimates::read_from(not_progress.as_bytes(), "est.csv").unwrap_err();
        assert!(error.to_string().contains("column `measure`"), "{error}");
    }

    #[test]
    fn the_shipped_dfe_estimates_cover_2022_to_2024() {
        let estimates = Estimates::dfe();
        let p8 = Measure::named("ks4.p8").unwrap();
        for year in [2022, 2023, 2024] {
            assert!(estimates.has(p8, year));
        }
        assert_eq!(estimates.sd(p8, 2024), Some(1.41628));
    }

    #[test]
    fn band_edges_follow_dfe() {
        let well = Some(0.5);
        assert_eq!(Band::dfe(3.0, 0.01, 6.0, None), Band::Above);
        assert_eq!(Band::parse("1"), Some(Band::WellAbove));
        assert_eq!(Band::parse("Well below average"), Some(Band::WellBelow));
        assert_eq!(Band::parse("Average"), Some(Band::Average));
        assert_eq!(Band::parse("SUPP"), None);
        // Half way rounds to even, as Python's round(100.25, 1) == 100.2.
        assert_eq!(
            (
                rounded(100.25),
                rounded(100.35),
                rounded(15.25),
                rounded(93.35)
            ),
            (1002, 1003, 152, 933)
        );
        assert_eq!(
            (rounded(104.04), rounded(104.06), rounded(-0.25)),
            (1040, 1041, -2)
        );
        assert_eq!(Band::dfe(0.51, 0.01, 1.0, well), Band::WellAbove);
        assert_eq!(Band::dfe(0.5, 0.01, 1.0, well), Band::Above);
        assert_eq!(Band::dfe(0.6, 0.0, 1.2, well), Band::Average);
        assert_eq!(Band::dfe(0.0, -0.3, 0.3, well), Band::Average);
        assert_eq!(Band::dfe(-0.4, -0.8, -0.01, well), Band::Below);
        assert_eq!(Band::dfe(-0.51, -1.0, -0.01, well), Band::WellBelow);
        assert_eq!(
            Bands::parse("dfe:1").unwrap(),
            Bands::Dfe { well: Some(1.0) }
        );
        assert!(Bands::parse("quartile").is_err());
        assert_eq!(ProgressSd::parse("1.4").unwrap(), ProgressSd::Fixed(1.4));
        assert!(ProgressSd::parse("-1").is_err());
    }
}
