//! DfE's published tables as input: school performance tables (KS2, KS4),
//! Explore Education Statistics (EES) tidy CSVs and the LA Interactive Tool
//! (LAIT) extract, read into the same [`Summary`] values as pupil data and
//! compared in the same gap table.
//!
//! A council data team does not always hold pupil-level data, but it always
//! has DfE's published figures. Each published cell becomes a [`Figure`]: a
//! year, a measure, a population, an area (England, a region, an LA or a
//! school), the published count and value, and, when the value is missing,
//! the code DfE gave instead (`SUPP`, `NE`, `c`, `x`, …). A figure with a
//! count and a value gives a [`Summary`]:
//!
//! * a rate's number of pupils meeting it is the published numerator where
//!   the file has one (EES `t_*` columns), else `round(percent × n / 100)`,
//!   and the figure is marked `rounded`;
//! * a mean's sum is the published total where there is one, else
//!   `mean × n` (marked `rounded`); its spread is unknown, so a mean from
//!   published data has no interval.
//!
//! Summaries add, so an LA's row is the sum of its schools' rows (cohort
//! weighted, never an average of percentages) and an alliance is the sum of
//! its schools. See [`gap_table`] for the table built from them and
//! `docs/published-tables.md` for every file format, code and column.
//!
//! Sources:
//!
//! | reader | files | areas |
//! |---|---|---|
//! | [`performance`] | `*_ks2final.csv`, `*_ks4final.csv`, `*_ks4provisional.csv`, `*_ks4revised.csv` | schools, LA, England |
//! | [`ees`] | EES tidy CSVs: children-in-need outcomes (`ks2_la.csv`, `ks4_la.csv`), EYFSP headline measures | England, regions, LAs |
//! | [`lait`] | LAIT attainment, long format (`measure_code, year, la_number, area_name, value`) | England, regions, LAs |
//!
//! [`Published::read`] tells them apart by their columns.

mod compare;
pub mod ees;
pub mod lait;
pub mod performance;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::groups::Population;
use crate::measures::{Measure, MeasureKind};
use crate::phase::Phase;
use crate::summary::Summary;

pub use crate::geography::{Region, REGIONS};
pub use compare::{gap_table, neighbour_notes, visit_units, PublishedOptions};

/// A school as a performance table describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct School {
    pub urn: u32,
    pub la_code: u16,
    /// False for independent schools (`NFTYPE` `IND`, `INDSPEC`, `NMSS`),
    /// which DfE's LA figures leave out.
    pub state_funded: bool,
}

/// Where a published figure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Area {
    /// England, state-funded schools.
    England,
    Region(Region),
    La(u16),
    School(School),
}

/// One published figure: a measure for a population in an area and year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    pub year: u16,
    pub measure: &'static Measure,
    pub population: Population,
    pub area: Area,
    /// The published number of pupils (a rate's denominator).
    pub n: Option<u64>,
    /// The published value: percent for a rate, the mean for a mean.
    pub value: Option<f64>,
    /// The published numerator where the file gives one: pupils meeting a
    /// rate, or the total of a mean's scores.
    pub numerator: Option<f64>,
    /// Why the value is missing: the code in the file (`SUPP`, `NE`, `c`,
    /// `x`, …, `empty` for a blank cell).
    pub missing: Option<&'static str>,
    /// DfE rounded the published count (EES national and regional counts are
    /// rounded to the nearest 10).
    pub count_rounded: bool,
    /// The published 95% interval, where the file gives one (progress).
    pub interval: Option<(f64, f64)>,
    /// The published progress band, where the file gives one.
    pub band: Option<crate::progress::Band>,
    /// The file has a band column but gives a code (`SUPP`, `NE`, …) in
    /// place of this figure's band: DfE withheld it, so none is computed.
    pub band_withheld: bool,
    /// Which file of the [`Published`] it came from, and its row there
    /// (spreadsheet numbering: the header is row 1).
    pub file: u32,
    pub row: u64,
}

impl Figure {
    /// The figure as sufficient statistics, and whether they are
    /// approximate (recovered from a rounded value or a rounded count).
    /// `None` without both a count and a value.
    pub fn summary(&self) -> Option<(Summary, bool)> {
        let n = self.n.filter(|&n| n > 0)?;
        let exact = self.numerator.is_some() && !self.count_rounded;
        let summary = match self.measure.kind() {
            MeasureKind::Rate => {
                let met = match self.numerator {
                    Some(met) => met,
                    // Half up, as DfE rounds; a percentage of n pupils is
                    // k/n for a whole k, so this recovers k when the
                    // percentage was rounded finely enough, and is within
                    // n/200 pupils of it otherwise.
                    None => (self.value? * n as f64 / 100.0 + 0.5).floor().min(n as f64),
                };
                Summary {
                    cohort: n,
                    with_value: n,
                    sum: met,
                    sum_sq: met,
                }
            }
            MeasureKind::Mean => Summary {
                cohort: n,
                with_value: n,
                sum: self.numerator.or(self.value.map(|v| v * n as f64))?,
                // Published tables never give a spread: NaN marks it unknown,
                // and stays NaN through every merge.
                sum_sq: f64::NAN,
            },
        };
        Some((summary, !exact))
    }
}

/// What kind of published table a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A school performance table (school, LA and England rows).
    SchoolPerformance,
    /// An Explore Education Statistics tidy CSV (England, region and LA rows).
    ExploreEducationStatistics,
    /// The LA Interactive Tool's long attainment table.
    Lait,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::SchoolPerformance => "school performance table",
            SourceKind::ExploreEducationStatistics => "Explore Education Statistics table",
            SourceKind::Lait => "LA Interactive Tool (LAIT) attainment table",
        }
    }
}

/// A file that was read, and what in it Attain could not use.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFile {
    pub path: String,
    pub kind: SourceKind,
    /// Plain-English notes on what the file cannot give or what was left
    /// out (rows of other areas, groups Attain has no name for, columns a
    /// year's file lacks), for the analyst to read.
    pub notes: Vec<String>,
}

/// Figures from one or more published files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Published {
    pub files: Vec<SourceFile>,
    pub figures: Vec<Figure>,
    /// The region of each LA, where a file says.
    pub la_regions: FxHashMap<u16, Region>,
}

impl Published {
    /// Reads a published file of any supported kind, found from its columns.
    /// `year` is needed only for a performance table whose file name does
    /// not carry the academic year (DfE names them `2018-2019_…`).
    pub fn read(path: impl AsRef<Path>, year: Option<u16>) -> Result<Published> {
        let path = path.as_ref();
        let (file, source) = crate::tables::open(path)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        Published::read_from(file, &source, name.as_deref(), year)
    }

    /// As [`Published::read`], from any reader; `file_name` is where a
    /// performance table's year is looked for.
    pub fn read_from(
        input: impl Read,
        source: &str,
        file_name: Option<&str>,
        year: Option<u16>,
    ) -> Result<Published> {
        let sheet = Sheet::read(input, source)?;
        if sheet.records.is_empty() {
            return Err(Error::invalid(
                source,
                None,
                None,
                None,
                "a header row and at least one row of figures",
            ));
        }
        let kind = if sheet.find("RECTYPE").is_some() {
            SourceKind::SchoolPerformance
        } else if sheet.find("time_period").is_some() && sheet.find("geographic_level").is_some() {
            SourceKind::ExploreEducationStatistics
        } else if sheet.find("measure_code").is_some() && sheet.find("la_number").is_some() {
            SourceKind::Lait
        } else {
            return Err(Error::invalid(
                source,
                Some(1),
                None,
                None,
                "a published DfE table: a school performance table (a RECTYPE column), an Explore Education Statistics CSV (time_period and geographic_level columns) or a LAIT long table (measure_code, year, la_number, value)",
            ));
        };
        if year.is_some() && kind != SourceKind::SchoolPerformance {
            return Err(Error::Usage(format!(
                "{source} is an {}, which names its own years: a year is given only for a school performance table",
                kind.name()
            )));
        }
        let mut published = Published::default();
        let mut file = SourceFile {
            path: source.to_owned(),
            kind,
            notes: Vec::new(),
        };
        match kind {
            SourceKind::SchoolPerformance => performance::read(
                &sheet,
                file_name,
                year,
                &mut published.figures,
                &mut file.notes,
            )?,
            SourceKind::ExploreEducationStatistics => ees::read(
                &sheet,
                &mut published.figures,
                &mut published.la_regions,
                &mut file.notes,
            )?,
            SourceKind::Lait => lait::read(
                &sheet,
                &mut published.figures,
                &mut published.la_regions,
                &mut file.notes,
            )?,
        }
        published.files.push(file);
        // A file that gives one figure twice is refused here, so that every
        // set of figures holds each figure once.
        published.index()?;
        Ok(published)
    }

    /// Where each figure is, by year, measure, population and area; an
    /// error if one is given twice.
    pub(crate) fn index(&self) -> Result<FxHashMap<FigureKey, usize>> {
        let mut index = FxHashMap::default();
        for (i, figure) in self.figures.iter().enumerate() {
            if let Some(first) = index.insert(figure_key(figure), i) {
                let (level, unit) = area_label(&figure.area);
                return Err(Error::invalid(
                    &self.files[figure.file as usize].path,
                    Some(figure.row),
                    None,
                    None,
                    format!(
                        "one figure for {} {} {} pupils at {level} {unit}, but it is also given at {}",
                        figure.year,
                        figure.measure.name,
                        figure.population,
                        self.origin(&self.figures[first])
                    ),
                ));
            }
        }
        Ok(index)
    }

    /// Adds other files' figures. Where two files give the same figure
    /// (year, measure, population and area), the one with more behind it
    /// is kept: a count and a numerator beat a count, which beats a bare
    /// value (so performance tables and EES files beat LAIT, which has no
    /// counts), and each file's notes say how many of its figures gave way
    /// and how many of those differed. Two equally detailed figures must
    /// agree (to within 0.5, DfE's rounding), or this is an error naming
    /// both.
    pub fn extend(&mut self, other: Published) -> Result<()> {
        let offset = self.files.len() as u32;
        let mut index = self.index()?;
        self.files.extend(other.files);
        self.la_regions.extend(other.la_regions);
        let detail = |f: &Figure| {
            (f.n.is_some() && f.value.is_some()) as u8 * 2 + f.numerator.is_some() as u8
        };
        // (losing file, winning file, tie) → (figures, differing, an example).
        type Tally = (usize, usize, Option<String>);
        let mut gave_way: FxHashMap<(u32, u32, bool), Tally> = FxHashMap::default();
        let mut dropped = vec![false; self.figures.len() + other.figures.len()];
        for mut figure in other.figures {
            figure.file += offset;
            let at = self.figures.len();
            let Some(&before) = index.get(&figure_key(&figure)) else {
                index.insert(figure_key(&figure), at);
                self.figures.push(figure);
                continue;
            };
            let first = self.figures[before];
            let differ = match (first.value, figure.value) {
                (Some(a), Some(b)) => (a - b).abs() > 0.5,
                (a, b) => a.is_some() != b.is_some(),
            };
            let tie = detail(&figure) == detail(&first);
            let (winner, loser, loser_at) = match detail(&figure).cmp(&detail(&first)) {
                std::cmp::Ordering::Greater => (figure, first, before),
                std::cmp::Ordering::Less => (first, figure, at),
                std::cmp::Ordering::Equal if !differ => (first, figure, at),
                std::cmp::Ordering::Equal => {
                    let (level, unit) = area_label(&figure.area);
                    return Err(Error::invalid(
                        &self.files[figure.file as usize].path,
                        Some(figure.row),
                        None,
                        figure.value.map(|v| v.to_string()).as_deref(),
                        format!(
                            "the same figure as {} gives for {} {} {} pupils at {level} {unit} ({}): two files disagree, so give only one of them",
                            self.origin(&first),
                            figure.year,
                            figure.measure.name,
                            figure.population,
                            first.value.map_or("no value".into(), |v| v.to_string())
                        ),
                    ));
                }
            };
            self.figures.push(figure);
            dropped[loser_at] = true;
            if loser_at == before {
                index.insert(figure_key(&figure), at);
            }
            let entry = gave_way.entry((loser.file, winner.file, tie)).or_default();
            entry.0 += 1;
            if differ {
                entry.1 += 1;
                if entry.2.is_none() {
                    let (level, unit) = area_label(&loser.area);
                    let show = |v: Option<f64>| v.map_or("none".to_owned(), |v| v.to_string());
                    entry.2 = Some(format!(
                        "{} {} {} at {level} {unit}: {} here, {} there",
                        loser.year,
                        loser.measure.name,
                        loser.population,
                        show(loser.value),
                        show(winner.value)
                    ));
                }
            }
        }
        let mut kept = dropped.iter();
        self.figures
            .retain(|_| !kept.next().copied().unwrap_or(false));
        let mut gave_way: Vec<_> = gave_way.into_iter().collect();
        gave_way.sort_by_key(|(files, _)| *files);
        for ((loser, winner, tie), (figures, differing, example)) in gave_way {
            let winner_path = self.files[winner as usize].path.clone();
            let mut note = if tie {
                format!("{figures} figures are also in {winner_path}, which was read first, and agree; they were taken from there")
            } else {
                format!("{figures} figures are also in {winner_path}, which has more behind them (counts), and were taken from there")
            };
            if let Some(example) = example {
                note.push_str(&format!(
                    "; {differing} of them differ by more than rounding, e.g. {example}"
                ));
            }
            self.files[loser as usize].notes.push(note);
        }
        Ok(())
    }

    /// Reads school performance tables (`schools`; an error if one is
    /// another kind of table) and LA-level tables (`published`) into one
    /// set of figures, as `attain gaps --schools … --published …` does.
    /// `year` is for performance tables whose names lack it.
    pub fn read_files(
        schools: &[impl AsRef<Path>],
        published: &[impl AsRef<Path>],
        year: Option<u16>,
    ) -> Result<Published> {
        if let Some(year) = year {
            if !crate::geography::YEARS.contains(&year) {
                return Err(Error::Usage(format!(
                    "--year {year}: expected the year an academic year ends, from 1990 to 2100 (2019 for 2018/19)"
                )));
            }
            if schools.is_empty() {
                return Err(Error::Usage(
                    "--year goes with --schools: LA-level tables (--published) name their own years".into(),
                ));
            }
        }
        let mut all = Published::default();
        for path in schools {
            let file = Published::read(path, year)?;
            if file.files[0].kind != SourceKind::SchoolPerformance {
                return Err(Error::Usage(format!(
                    "{} is an {}, not a school performance table: give it as a published LA-level table (--published)",
                    path.as_ref().display(),
                    file.files[0].kind.name()
                )));
            }
            all.extend(file)?;
        }
        for path in published {
            all.extend(Published::read(path, None)?)?;
        }
        if all.files.is_empty() {
            return Err(Error::Usage("no published tables given".into()));
        }
        Ok(all)
    }

    /// Keeps only the figures of some phases.
    pub fn retain_phases(&mut self, phases: &[Phase]) {
        self.figures.retain(|f| phases.contains(&f.measure.phase));
    }

    /// Where a figure came from, as `file, row N`.
    pub fn origin(&self, figure: &Figure) -> String {
        format!(
            "{}, row {}",
            self.files[figure.file as usize].path, figure.row
        )
    }

    /// The phases with figures, in phase order.
    pub fn phases(&self) -> Vec<Phase> {
        let mut phases: Vec<Phase> = self.figures.iter().map(|f| f.measure.phase).collect();
        phases.sort();
        phases.dedup();
        phases
    }

    /// What each file gives: for every phase, year and measure, the
    /// populations with at least one figure. Used to say which groups a
    /// file cannot give.
    pub fn coverage(&self, file: usize) -> Vec<(u16, &'static Measure, Vec<Population>)> {
        let mut seen: Vec<(u16, usize, Population)> = self
            .figures
            .iter()
            .filter(|f| f.file as usize == file)
            .map(|f| (f.year, f.measure.index(), f.population))
            .collect();
        seen.sort();
        seen.dedup();
        let mut coverage: Vec<(u16, &'static Measure, Vec<Population>)> = Vec::new();
        for (year, measure, population) in seen {
            let measure = &crate::measures::MEASURES[measure];
            match coverage.last_mut() {
                Some((y, m, populations)) if *y == year && std::ptr::eq(*m, measure) => {
                    populations.push(population)
                }
                _ => coverage.push((year, measure, vec![population])),
            }
        }
        coverage
    }

    /// Every figure as a long table: `file, row, phase, year, level, unit,
    /// measure, population, n, value, numerator, count_rounded, missing`.
    pub fn to_dataframe(&self) -> Result<DataFrame> {
        let figures = &self.figures;
        let text = |name: &str, values: Vec<String>| Column::new(name.into(), values);
        let (levels, units): (Vec<String>, Vec<String>) =
            figures.iter().map(|f| area_label(&f.area)).unzip();
        let columns = vec![
            text(
                "file",
                figures
                    .iter()
                    .map(|f| self.files[f.file as usize].path.clone())
                    .collect(),
            ),
            Column::new(
                "row".into(),
                figures.iter().map(|f| f.row as i64).collect::<Vec<_>>(),
            ),
            text(
                "phase",
                figures
                    .iter()
                    .map(|f| f.measure.phase.name().to_owned())
                    .collect(),
            ),
            Column::new(
                "year".into(),
                figures.iter().map(|f| f.year as i32).collect::<Vec<_>>(),
            ),
            text("level", levels),
            text("unit", units),
            text(
                "measure",
                figures.iter().map(|f| f.measure.name.to_owned()).collect(),
            ),
            text(
                "population",
                figures
                    .iter()
                    .map(|f| f.population.name().to_owned())
                    .collect(),
            ),
            Column::new(
                "n".into(),
                figures
                    .iter()
                    .map(|f| f.n.map(|n| n as i64))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "value".into(),
                figures.iter().map(|f| f.value).collect::<Vec<_>>(),
            ),
            Column::new(
                "numerator".into(),
                figures.iter().map(|f| f.numerator).collect::<Vec<_>>(),
            ),
            Column::new(
                "count_rounded".into(),
                figures.iter().map(|f| f.count_rounded).collect::<Vec<_>>(),
            ),
            Column::new(
                "missing".into(),
                figures.iter().map(|f| f.missing).collect::<Vec<_>>(),
            ),
        ];
        DataFrame::new(figures.len(), columns).map_err(|e| Error::table("published figures", e))
    }
}

/// A figure's identity: year, measure, population and area.
pub(crate) type FigureKey = (u16, u8, Population, Area);

pub(crate) fn figure_key(figure: &Figure) -> FigureKey {
    (
        figure.year,
        figure.measure.index() as u8,
        figure.population,
        figure.area,
    )
}

/// The gap table's `level` and `unit` for an area.
pub(crate) fn area_label(area: &Area) -> (String, String) {
    match area {
        Area::England => ("national".into(), crate::geography::ENGLAND.into()),
        Area::Region(region) => ("region".into(), region.code().into()),
        Area::La(code) => ("la".into(), code.to_string()),
        Area::School(school) => ("school".into(), school.urn.to_string()),
    }
}

/// The codes published tables use in place of a number, and the name each
/// keeps in Attain's output. Matched ignoring case; a blank cell is `empty`.
pub const CODES: [(&str, &str); 17] = [
    ("SUPP", "suppressed by DfE (small cohort)"),
    ("NE", "no entries, or none eligible"),
    (
        "NP",
        "not published (e.g. independent schools' disadvantaged figures)",
    ),
    ("NEW", "new school"),
    ("LOWCOV", "low coverage of prior attainment"),
    ("NA", "not applicable"),
    ("DNS", "did not submit"),
    ("c", "confidential: suppressed by DfE (small number)"),
    ("x", "not available"),
    ("z", "not applicable"),
    ("k", "rounds to zero"),
    ("u", "low reliability"),
    ("low", "rounds to zero"),
    (":", "not available"),
    ("-", "not available"),
    ("..", "not available"),
    ("empty", "blank cell"),
];

/// One published cell: a number, or the code given instead.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell {
    Number(f64),
    Missing(&'static str),
}

impl Cell {
    /// Reads a cell: a plain decimal, optionally with one trailing `%`
    /// (kept as percent), or one of [`CODES`]. `None` for anything else,
    /// which the caller reports as an error: an unknown code is never
    /// guessed to mean "missing".
    pub(crate) fn parse(text: &str) -> Option<Cell> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Some(Cell::Missing("empty"));
        }
        let number = trimmed.strip_suffix('%').unwrap_or(trimmed);
        let digits = number.strip_prefix('-').unwrap_or(number);
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && fraction.bytes().all(|b| b.is_ascii_digit())
            && !(digits.contains('.') && fraction.is_empty())
        {
            return number.parse().ok().map(Cell::Number);
        }
        CODES
            .iter()
            .find(|(code, _)| *code != "empty" && code.eq_ignore_ascii_case(trimmed))
            .map(|(code, _)| Cell::Missing(code))
    }
}

/// A whole published CSV in memory (the largest, LAIT, is about 10 MB):
/// its header, without a UTF-8 BOM, and its records with their row numbers.
/// Rows may be shorter than the header (performance tables are ragged): a
/// field past a row's end reads as blank.
pub(crate) struct Sheet {
    pub source: Arc<str>,
    pub header: Vec<String>,
    pub records: Vec<(u64, csv::StringRecord)>,
    /// Column positions by upper-cased name: performance tables spell the
    /// same column `TNotFSM6CLA1A` in KS2 and `TNOTFSM6CLA1A` in KS4.
    by_name: FxHashMap<String, usize>,
}

impl Sheet {
    pub fn read(input: impl Read, source: &str) -> Result<Sheet> {
        let text = crate::tables::read_text(input, source)?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(text.as_bytes());
        let header = crate::tables::clean_header(
            reader
                .headers()
                .map_err(|e| crate::tables::csv_error(source, e))?,
        );
        let mut by_name = FxHashMap::default();
        for (i, name) in header.iter().enumerate() {
            by_name.entry(name.to_ascii_uppercase()).or_insert(i);
        }
        // Rows as a spreadsheet numbers them: the header is row 1, and a
        // quoted cell spanning lines is still one row. (The csv crate's
        // line numbers are off by one in CRLF files, which DfE's are.)
        let mut records = Vec::new();
        for (index, record) in reader.records().enumerate() {
            let record = record.map_err(|e| crate::tables::csv_error(source, e))?;
            records.push((index as u64 + 2, record));
        }
        Ok(Sheet {
            source: source.into(),
            header,
            records,
            by_name,
        })
    }

    /// A column's position, by name ignoring case.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.by_name.get(&name.to_ascii_uppercase()).copied()
    }

    pub fn require(&self, name: &str, what: &str) -> Result<usize> {
        self.find(name).ok_or_else(|| {
            Error::invalid(
                &*self.source,
                Some(1),
                Some(name),
                None,
                format!("a column named {name} in {what}"),
            )
        })
    }

    /// A field, blank past the row's end.
    pub fn field(record: &csv::StringRecord, column: usize) -> &str {
        record.get(column).unwrap_or("")
    }

    /// A published cell, or an error naming it.
    pub fn cell(&self, row: u64, record: &csv::StringRecord, column: usize) -> Result<Cell> {
        let text = Self::field(record, column);
        Cell::parse(text).ok_or_else(|| {
            Error::invalid(
                &*self.source,
                Some(row),
                Some(&self.header[column]),
                Some(text),
                "a number (optionally with a % sign) or one of DfE's codes: SUPP, NE, NP, NEW, LOWCOV, NA, DNS, c, x, z, k, u, low, :, -, .. or blank",
            )
        })
    }

    /// A published count: a whole number of pupils, or a code.
    pub fn count(
        &self,
        row: u64,
        record: &csv::StringRecord,
        column: usize,
    ) -> Result<Result<u64, &'static str>> {
        match self.cell(row, record, column)? {
            Cell::Missing(code) => Ok(Err(code)),
            Cell::Number(n)
                if n >= 0.0
                    && n.fract() == 0.0
                    && n < 1e12
                    && !Self::field(record, column).contains('%') =>
            {
                Ok(Ok(n as u64))
            }
            Cell::Number(_) => Err(Error::invalid(
                &*self.source,
                Some(row),
                Some(&self.header[column]),
                Some(Self::field(record, column)),
                "a count of pupils: a whole number, 0 or more, or one of DfE's codes",
            )),
        }
    }

    /// A published value of a measure: a percentage from 0 to 100 for a
    /// rate, a mean of 0 or more for a mean, or a code.
    pub fn value(
        &self,
        row: u64,
        record: &csv::StringRecord,
        column: usize,
        measure: &Measure,
    ) -> Result<Result<f64, &'static str>> {
        match self.cell(row, record, column)? {
            Cell::Missing(code) => Ok(Err(code)),
            Cell::Number(v) => {
                // Progress scores are centred on 0: any sign, but no
                // further from it than a score can be.
                let fits = match measure.kind() {
                    _ if measure.is_progress() => v.abs() <= measure.progress_limit(),
                    MeasureKind::Rate => (0.0..=100.0).contains(&v),
                    MeasureKind::Mean => v >= 0.0,
                };
                if fits {
                    Ok(Ok(v))
                } else {
                    Err(Error::invalid(
                        &*self.source,
                        Some(row),
                        Some(&self.header[column]),
                        Some(Self::field(record, column)),
                        match measure.kind() {
                            _ if measure.is_progress() => {
                                format!(
                                    "a progress score from -{limit} to {limit} for {}",
                                    measure.name,
                                    limit = measure.progress_limit()
                                )
                            }
                            MeasureKind::Rate => {
                                format!("a percentage from 0 to 100 for {}", measure.name)
                            }
                            MeasureKind::Mean => {
                                format!("a mean of 0 or more for {}", measure.name)
                            }
                        },
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_numbers_or_known_codes() {
        assert_eq!(Cell::parse("68%"), Some(Cell::Number(68.0)));
        assert_eq!(Cell::parse("66.70%"), Some(Cell::Number(66.7)));
        assert_eq!(Cell::parse("31.3"), Some(Cell::Number(31.3)));
        assert_eq!(Cell::parse("-0.07"), Some(Cell::Number(-0.07)));
        assert_eq!(Cell::parse("SUPP"), Some(Cell::Missing("SUPP")));
        assert_eq!(Cell::parse("supp"), Some(Cell::Missing("SUPP")));
        assert_eq!(Cell::parse(" "), Some(Cell::Missing("empty")));
        assert_eq!(Cell::parse(""), Some(Cell::Missing("empty")));
        assert_eq!(Cell::parse("c"), Some(Cell::Missing("c")));
        assert_eq!(Cell::parse("-"), Some(Cell::Missing("-")));
        assert_eq!(Cell::parse("low"), Some(Cell::Missing("low")));
        for bad in [
            "1e5", "inf", "NaN", "5.", ".5", "1,234", "12%%", "ABC", "--",
        ] {
            assert_eq!(Cell::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_rate_recovers_its_count_half_up() {
        let figure = Figure {
            year: 2019,
            measure: Measure::find(Phase::Ks2, "rwm_exp").unwrap(),
            population: Population::Disadvantaged,
            area: Area::La(850),
            n: Some(23),
            value: Some(61.0),
            numerator: None,
            missing: None,
            count_rounded: false,
            interval: None,
            band: None,
            band_withheld: false,
            file: 0,
            row: 2,
        };
        let (summary, approximate) = figure.summary().unwrap();
        assert_eq!((summary.cohort, summary.sum, approximate), (23, 14.0, true));
        let exact = Figure {
            numerator: Some(7.0),
            n: Some(12),
            value: Some(58.0),
            ..figure
        };
        assert_eq!(exact.summary().unwrap().1, false);
        assert_eq!(
            Figure {
                value: None,
                ..figure
            }
            .summary(),
            None
        );
    }
}
