//! The council evaluation report: the gap table, trends, progress, the gap
//! index, alliances, the Ofsted profile, categorisation and targets of one
//! LA, presented for elected members, headteachers and governors as one
//! self-contained HTML page (or Markdown for committee papers).
//!
//! The report is built from the tables Attain already makes, after their
//! disclosure control ([`crate::disclosure`]): it prints only figures those
//! tables show, so it withholds exactly what they withhold and prints
//! nothing that would undo it.
//!
//! Sections whose inputs were not given are left out with one line saying
//! what would add them.

mod charts;
mod document;

use polars::prelude::*;
use rustc_hash::FxHashMap;

pub use document::{Block, Cell, Document, Figure, Table};

use crate::categorise::{Categorised, Outcome, Rules};
use crate::error::{Error, Result};
use crate::geography::Level;
use crate::groups::Group;
use crate::measures::{Measure, MeasureKind};
use crate::phase::Phase;
use crate::schema::GapRows;

/// What the report is about and where its figures came from.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    pub la: u16,
    /// The year reported; the latest in the data when `None`.
    pub year: Option<u16>,
    pub min_cohort: u64,
    pub disclosure: crate::disclosure::Disclosure,
    /// The data sources, one line each (file, what it is, its date and
    /// licence), for the appendix.
    pub sources: Vec<String>,
    /// When the report was made, for its subtitle (`yyyy-mm-dd`).
    pub made: String,
}

/// The tables a report presents; all but the gap table are optional.
#[derive(Default)]
pub struct Inputs<'a> {
    pub gaps: Option<&'a DataFrame>,
    pub trends: Option<&'a DataFrame>,
    pub categorised: Option<&'a [Categorised]>,
    pub rules: Option<&'a Rules>,
    pub ofsted: Option<&'a [crate::ofsted::ProfileRow]>,
    pub targets: Option<&'a DataFrame>,
    pub gap_index: Option<&'a DataFrame>,
    /// Notes from building the tables (estimates missing, files' gaps).
    pub notes: Vec<String>,
}

/// A date as yyyy-mm-dd (UTC), for the report's dates without a date
/// crate (Howard Hinnant's civil-from-days).
pub fn date_of(time: std::time::SystemTime) -> String {
    let seconds = time
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let z = (seconds / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The headline measure of each phase, first, then the others.
const HEADLINE: [&str; 5] = [
    "eyfs.gld",
    "phonics.met",
    "ks1.rwm_exp",
    "ks2.rwm_exp",
    "ks4.basics4",
];
const VULNERABLE: [Group; 6] = [
    Group::Disadvantaged,
    Group::Fsm,
    Group::SenSupport,
    Group::Ehcp,
    Group::SenAny,
    Group::Cla,
];

fn group_words(group: Group) -> &'static str {
    match group {
        Group::All => "all pupils",
        Group::Disadvantaged => "disadvantaged pupils",
        Group::Fsm => "pupils eligible for free school meals",
        Group::SenSupport => "pupils with SEN support",
        Group::Ehcp => "pupils with an EHC plan",
        Group::SenAny => "pupils with any SEN",
        Group::Cla => "looked-after pupils",
    }
}

fn short_group(group: Group) -> &'static str {
    match group {
        Group::All => "All pupils",
        Group::Disadvantaged => "Disadvantaged",
        Group::Fsm => "FSM",
        Group::SenSupport => "SEN support",
        Group::Ehcp => "EHC plan",
        Group::SenAny => "Any SEN",
        Group::Cla => "Looked after",
    }
}

fn phase_title(phase: Phase) -> &'static str {
    match phase {
        Phase::Eyfs => "Early years (EYFS)",
        Phase::Phonics => "Year 1 phonics",
        Phase::Ks1 => "Key stage 1",
        Phase::Ks2 => "Key stage 2",
        Phase::Ks4 => "Key stage 4",
    }
}

/// A value as the report prints it: percent for a rate, a signed score for
/// progress, one decimal for a mean.
fn shown(measure: &Measure, value: f64) -> String {
    no_negative_zero(if measure.is_progress() {
        format!("{value:+.2}")
    } else {
        match measure.kind() {
            MeasureKind::Rate => format!("{value:.1}%"),
            MeasureKind::Mean => format!("{value:.1}"),
        }
    })
}

/// "-0.00" (a tiny negative rounded) printed as "0.00".
fn no_negative_zero(text: String) -> String {
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| !c.is_ascii_digit() || c == '0') => rest.to_owned(),
        _ => text,
    }
}

/// A difference as the report prints it.
fn points(measure: &Measure, value: f64) -> String {
    no_negative_zero(if measure.is_progress() {
        format!("{value:+.2}")
    } else {
        match measure.kind() {
            MeasureKind::Rate => format!("{value:+.1} pts"),
            MeasureKind::Mean => format!("{value:+.1}"),
        }
    })
}

fn unit_words(measure: &Measure) -> &'static str {
    if measure.is_progress() {
        "progress score"
    } else {
        match measure.kind() {
            MeasureKind::Rate => "percentage points",
            MeasureKind::Mean => "points",
        }
    }
}

/// What a chart of a measure's values (not differences) is in.
fn value_words(measure: &Measure) -> &'static str {
    if measure.is_progress() {
        "progress score"
    } else {
        match measure.kind() {
            MeasureKind::Rate => "per cent",
            MeasureKind::Mean => "average score",
        }
    }
}

const WITHHELD: &str = "withheld";

/// The trends rows the report reads, by (level, unit, measure, group, year).
#[derive(Debug, Clone, Default)]
struct Trend {
    previous_year: Option<u16>,
    change: Option<f64>,
    significance: Option<String>,
    gap_change: Option<f64>,
    gap_significance: Option<String>,
    value: Option<f64>,
    value_previous: Option<f64>,
}

type TrendKey = (Level, String, &'static str, Group, u16);

fn read_trends(frame: &DataFrame) -> Result<FxHashMap<TrendKey, Trend>> {
    let failed = |e: PolarsError| Error::table("trends table", e);
    let text = |name: &str| -> Result<Vec<Option<String>>> {
        let column = frame
            .column(name)
            .map_err(failed)?
            .cast(&DataType::String)
            .map_err(failed)?;
        Ok(column
            .str()
            .map_err(failed)?
            .iter()
            .map(|v| v.map(str::to_owned))
            .collect())
    };
    let number = |name: &str| -> Result<Vec<Option<f64>>> {
        Ok(frame
            .column(name)
            .map_err(failed)?
            .f64()
            .map_err(failed)?
            .iter()
            .collect())
    };
    let years = |name: &str| -> Result<Vec<Option<u16>>> {
        Ok(frame
            .column(name)
            .map_err(failed)?
            .i32()
            .map_err(failed)?
            .iter()
            .map(|v| v.map(|y| y as u16))
            .collect())
    };
    let (level, unit, measure, group) = (
        text("level")?,
        text("unit")?,
        text("measure")?,
        text("group")?,
    );
    let (year, previous) = (years("year")?, years("previous_year")?);
    let (change, gap_change, value, value_previous) = (
        number("change")?,
        number("gap_change")?,
        number("value_member")?,
        number("value_previous")?,
    );
    let (significance, gap_significance) = (
        text("change_significance")?,
        text("gap_change_significance")?,
    );
    let mut out = FxHashMap::default();
    for i in 0..frame.height() {
        let (Some(l), Some(m), Some(g), Some(y)) = (
            level[i].as_deref().and_then(|l| l.parse::<Level>().ok()),
            measure[i].as_deref().and_then(Measure::named),
            group[i]
                .as_deref()
                .and_then(|g| Group::ALL.into_iter().find(|x| x.name() == g)),
            year[i],
        ) else {
            continue;
        };
        out.insert(
            (l, unit[i].clone().unwrap_or_default(), m.name, g, y),
            Trend {
                previous_year: previous[i],
                change: change[i],
                significance: significance[i].clone(),
                gap_change: gap_change[i],
                gap_significance: gap_significance[i].clone(),
                value: value[i],
                value_previous: value_previous[i],
            },
        );
    }
    Ok(out)
}

/// The report's figures, indexed.
struct Figures {
    rows: GapRows,
    /// (level, unit, measure, group, year) → row.
    index: FxHashMap<(Level, String, &'static str, Group, u16), usize>,
    trends: FxHashMap<TrendKey, Trend>,
}

impl Figures {
    fn row(
        &self,
        level: Level,
        unit: &str,
        measure: &str,
        group: Group,
        year: u16,
    ) -> Option<usize> {
        let measure = Measure::named(measure)?.name;
        self.index
            .get(&(level, unit.to_owned(), measure, group, year))
            .copied()
    }

    fn trend(
        &self,
        level: Level,
        unit: &str,
        measure: &'static str,
        group: Group,
        year: u16,
    ) -> Option<&Trend> {
        self.trends
            .get(&(level, unit.to_owned(), measure, group, year))
    }
}

fn against_words(flag: Option<&str>) -> &'static str {
    match flag {
        Some("above") => "significantly above",
        Some("below") => "significantly below",
        Some("in_line") => "in line with",
        _ => "not compared with",
    }
}

fn change_words(trend: Option<&Trend>, measure: &Measure) -> String {
    let Some(trend) = trend else {
        return String::new();
    };
    let (Some(change), Some(previous)) = (trend.change, trend.previous_year) else {
        return String::new();
    };
    let how = match trend.significance.as_deref() {
        Some("rise") => "a significant rise",
        Some("drop") => "a significant fall",
        Some(_) => "no significant change",
        // Published figures without counts or intervals.
        None => "whether significant cannot be judged from the data",
    };
    format!(" Since {previous}: {} ({how}).", points(measure, change))
}

/// Builds the report's document.
pub fn build(inputs: &Inputs, options: &ReportOptions) -> Result<Document> {
    let gaps = inputs
        .gaps
        .ok_or_else(|| Error::Usage("a report needs the gap table".into()))?;
    let rows = GapRows::from_frame(gaps)?;
    let la = options.la.to_string();
    let years: Vec<u16> = {
        let mut years: Vec<u16> = (0..rows.len())
            .filter(|&i| rows.level[i] == Level::La && rows.unit[i] == la)
            .map(|i| rows.year[i])
            .collect();
        years.sort_unstable();
        years.dedup();
        years
    };
    let Some(&latest) = years.last() else {
        return Err(Error::Usage(format!(
            "the data has no rows for LA {la}: give --la with an LA in the data"
        )));
    };
    if let Some(year) = options.year.filter(|y| !years.contains(y)) {
        return Err(Error::Usage(format!(
            "the data has no {year} rows for LA {la}: it has {}",
            years
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    // Each phase is reported on its own latest year (a KS4 table may be a
    // year behind the KS2 one), or on the year asked for; a phase without
    // that year says so in one line rather than vanishing.
    let mut phase_years: Vec<(Phase, u16)> = Vec::new();
    let mut left_out: Vec<String> = Vec::new();
    for phase in Phase::ALL {
        let mut of_phase: Vec<u16> = (0..rows.len())
            .filter(|&i| rows.level[i] == Level::La && rows.unit[i] == la && rows.phase[i] == phase)
            .map(|i| rows.year[i])
            .collect();
        of_phase.sort_unstable();
        of_phase.dedup();
        match (options.year, of_phase.last()) {
            (_, None) => {}
            (None, Some(&last)) => phase_years.push((phase, last)),
            (Some(year), Some(_)) if of_phase.contains(&year) => phase_years.push((phase, year)),
            (Some(year), Some(_)) => left_out.push(format!(
                "{}: the data has no {year} figures for LA {la} (it has {}); give --year {} to report it.",
                phase_title(phase),
                of_phase.iter().map(u16::to_string).collect::<Vec<_>>().join(", "),
                of_phase.last().unwrap()
            )),
        }
    }
    let year = options.year.unwrap_or(latest);
    let mut index = FxHashMap::default();
    for i in 0..rows.len() {
        index.insert(
            (
                rows.level[i],
                rows.unit[i].clone(),
                rows.measure[i],
                rows.group[i],
                rows.year[i],
            ),
            i,
        );
    }
    let trends = inputs
        .trends
        .map(read_trends)
        .transpose()?
        .unwrap_or_default();
    let figures = Figures {
        rows,
        index,
        trends,
    };
    let mut document = Document {
        title: format!("Attainment and gaps: LA {la}, {}/{}", year - 1, year % 100),
        subtitle: format!(
            "Every phase, every vulnerable group, against England. Made with Attain on {}. {}",
            options.made,
            match (options.min_cohort, options.disclosure) {
                (0, _) => "Nothing is withheld (minimum cohort 0): for use inside a secure setting only; do not publish.".to_owned(),
                (k, crate::disclosure::Disclosure::Publish) => format!(
                    "Figures from fewer than {k} pupils, and figures that would reveal them, are withheld."
                ),
                (k, crate::disclosure::Disclosure::Secure) => format!(
                    "Figures from fewer than {k} pupils are withheld, but some can be worked out from others (secure mode): for use inside a secure setting only; do not publish."
                ),
            }
        ),
        blocks: Vec::new(),
    };

    // Headlines.
    let mut headline = vec![Block::Heading {
        level: 2,
        text: "Headlines".into(),
        id: "headlines".into(),
    }];
    for &(phase, phase_year) in &phase_years {
        headline.push(Block::Heading {
            level: 3,
            text: if phase_year == year {
                phase_title(phase).into()
            } else {
                format!(
                    "{} ({}/{})",
                    phase_title(phase),
                    phase_year - 1,
                    phase_year % 100
                )
            },
            id: format!("headline-{phase}"),
        });
        headline.extend(phase_headline(&figures, &la, phase, phase_year));
    }
    if !left_out.is_empty() {
        headline.push(Block::List(left_out));
    }
    // Statistical neighbours: compared where given and in the data, else
    // one line on what would add them.
    let la_rows = (0..figures.rows.len())
        .filter(|&i| figures.rows.level[i] == Level::La && figures.rows.unit[i] == la);
    let used: Vec<Option<u64>> = la_rows.map(|i| figures.rows.neighbours_used[i]).collect();
    if !used.iter().any(|u| u.is_some_and(|n| n > 0)) {
        headline.push(Block::Paragraph(if used.iter().any(Option::is_some) {
            format!("LA {la}'s statistical neighbours are not in the data: give their pupils or tables (a national file) to compare the LA with them.")
        } else {
            "Give statistical neighbours (--neighbours 2025) with national data to compare the LA with similar LAs.".to_owned()
        }));
    }
    if !inputs.notes.is_empty() {
        headline.push(Block::Paragraph("Notes on the data:".into()));
        headline.push(Block::List(inputs.notes.clone()));
    }
    document.blocks.push(Block::Section {
        id: "headlines-section".into(),
        blocks: headline,
    });

    // One section per phase.
    for &(phase, phase_year) in &phase_years {
        document.blocks.push(Block::Section {
            id: format!("phase-{phase}"),
            blocks: phase_section(&figures, &la, phase, phase_year),
        });
    }

    // Trends.
    document.blocks.push(Block::Section {
        id: "trends".into(),
        blocks: trends_section(&figures, &la, &phase_years, inputs.trends.is_some()),
    });

    // Progress and the gap index.
    document.blocks.push(Block::Section {
        id: "progress".into(),
        blocks: progress_section(&figures, &la, &phase_years, inputs.gap_index, options.la)?,
    });

    // Alliances, Ofsted, categorisation, targets.
    document.blocks.push(Block::Section {
        id: "schools".into(),
        blocks: schools_section(&figures, &la, &phase_years, inputs)?,
    });

    document.blocks.push(Block::Section {
        id: "appendix".into(),
        blocks: appendix(options, inputs.rules),
    });
    Ok(document)
}

fn phase_headline(figures: &Figures, la: &str, phase: Phase, year: u16) -> Vec<Block> {
    let rows = &figures.rows;
    let mut blocks = Vec::new();
    let measures: Vec<&'static Measure> = Measure::of_phase(phase)
        .filter(|m| HEADLINE.contains(&m.name) || m.name == "ks4.p8" || m.name == "ks4.att8")
        .filter(|m| {
            figures
                .row(Level::La, la, m.name, Group::All, year)
                .is_some()
        })
        .collect();
    if measures.is_empty() {
        blocks.push(Block::Paragraph(format!(
            "The data has no all-pupil figures for LA {la} in {year} in this phase (a table of one group only, such as looked-after pupils' outcomes): see the phase's table below."
        )));
    }
    for measure in measures {
        let Some(i) = figures.row(Level::La, la, measure.name, Group::All, year) else {
            continue;
        };
        let mut sentence = match rows.value_member[i] {
            None => format!(
                "{year}: the LA's {} is {}.",
                measure.name,
                match missing_words(figures, i) {
                    why if why.is_empty() => "not in the data".to_owned(),
                    why => why,
                }
            ),
            Some(value) => {
                let interval = rows.ci_low[i]
                    .zip(rows.ci_high[i])
                    .map(|(l, h)| {
                        format!(
                            " (95% interval {} to {})",
                            shown(measure, l),
                            shown(measure, h)
                        )
                    })
                    .unwrap_or_default();
                let england = rows.national_all[i]
                    .map(|n| {
                        format!(
                            ", against {} in England: {} England",
                            shown(measure, n),
                            against_words(rows.vs_national_all[i].as_deref())
                        )
                    })
                    .unwrap_or_default();
                format!(
                    "In {year}, {}{interval}{england}.",
                    what_it_is(measure, value, rows.n_member[i])
                )
            }
        };
        if let Some(average) = rows.neighbour_average[i] {
            sentence += &format!(
                " Its statistical neighbours average {}.",
                shown(measure, average)
            );
        }
        sentence += &change_words(
            figures.trend(Level::La, la, measure.name, Group::All, year),
            measure,
        );
        blocks.push(Block::Paragraph(sentence));
        // The vulnerable groups, widest gap to other pupils nationally first.
        let mut gaps: Vec<(Group, Option<f64>, usize)> = VULNERABLE
            .iter()
            .filter(|g| **g != Group::SenAny)
            .filter_map(|&g| {
                let j = figures.row(Level::La, la, measure.name, g, year)?;
                Some((g, rows.gap_to_national[j], j))
            })
            .collect();
        gaps.sort_by(|a, b| match (a.1, b.1) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            _ => std::cmp::Ordering::Equal,
        });
        let items: Vec<String> = gaps
            .iter()
            .map(|&(group, gap, j)| match (rows.value_member[j], gap) {
                (Some(value), Some(gap)) => {
                    let other = rows.national_comparison[j].map(|n| shown(measure, n)).unwrap_or_default();
                    format!(
                        "{}: {} against {other} for other pupils nationally, a gap of {}; {} other pupils nationally.{}",
                        capitalise(group_words(group)),
                        shown(measure, value),
                        points(measure, gap),
                        against_words(rows.vs_national_other[j].as_deref()),
                        change_words(figures.trend(Level::La, la, measure.name, group, year), measure)
                    )
                }
                (Some(value), None) => format!("{}: {}.", capitalise(group_words(group)), shown(measure, value)),
                (None, _) => match published_figure(figures, j) {
                    Some(dfe) => format!(
                        "{}: {} (DfE's LA figure; not compared).",
                        capitalise(group_words(group)),
                        shown(measure, dfe)
                    ),
                    None => format!(
                        "{}: {}.",
                        capitalise(group_words(group)),
                        match missing_words(figures, j) {
                            why if why == WITHHELD => "withheld (too few pupils, or to protect another figure)".to_owned(),
                            why if why.is_empty() => "not in the data".to_owned(),
                            why => why,
                        }
                    ),
                },
            })
            .collect();
        if !items.is_empty() && HEADLINE.contains(&measure.name) {
            blocks.push(Block::List(items));
        }
    }
    blocks
}

/// A measure's value in words: "61.5% of the LA's 1304 pupils met the
/// expected standard…", "the LA's average Attainment 8 score was 45.3".
fn what_it_is(measure: &Measure, value: f64, n: Option<u64>) -> String {
    let pupils = n.map_or("the LA's pupils".to_owned(), |n| {
        format!("the LA's {n} pupils")
    });
    if let Some(rest) = measure.description.strip_prefix("% of pupils ") {
        return format!("{} of {pupils} were {rest}", shown(measure, value))
            .replace("were with ", "had ")
            .replace("were meeting", "met")
            .replace("were reaching", "reached");
    }
    let name = measure
        .description
        .split([',', ':'])
        .next()
        .unwrap_or(measure.name)
        .trim();
    format!(
        "the LA's {name} was {} ({pupils} with a value)",
        shown(measure, value)
    )
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// Why row `i` has no value, in words: the published table's code or
/// Attain's reason where the table carries one, else "withheld" for a
/// suppressed figure, else nothing (a figure the data does not give).
fn missing_words(figures: &Figures, i: usize) -> String {
    let reason = figures
        .rows
        .published
        .as_ref()
        .and_then(|p| p.reason[i].as_deref());
    match reason {
        Some("min_cohort") => "withheld (too few pupils)".to_owned(),
        Some("no school figures") => "no school figures".to_owned(),
        Some("not in file") => "not published".to_owned(),
        Some("empty") => "blank in the published table".to_owned(),
        Some(code) => match crate::published::CODES
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(code))
        {
            Some((c, words)) => format!("{words} ({c})"),
            None => code.to_owned(),
        },
        None if figures.rows.suppressed[i] => WITHHELD.to_owned(),
        None => String::new(),
    }
}

/// DfE's own figure for a row whose value Attain could not compute (an LA
/// row pooled from schools whose tables lack the group), printed as DfE's.
fn published_figure(figures: &Figures, i: usize) -> Option<f64> {
    let published = figures.rows.published.as_ref()?;
    published.published_member[i].filter(|_| figures.rows.value_member[i].is_none())
}

/// A unit's own figure for a measure, shown as the measure shows values
/// (or why it is missing).
fn member_cell(figures: &Figures, i: usize, measure: &Measure) -> Cell {
    let value = figures.rows.value_member[i];
    value_cell(
        figures,
        i,
        measure,
        "value_member",
        value,
        value.map(|v| shown(measure, v)).unwrap_or_default(),
    )
}

fn value_cell(
    figures: &Figures,
    i: usize,
    measure: &Measure,
    field: &'static str,
    value: Option<f64>,
    text: String,
) -> Cell {
    let rows = &figures.rows;
    let mut cell = Cell::text(if value.is_some() {
        text
    } else {
        missing_words(figures, i)
    })
    .with("unit", rows.unit[i].clone())
    .with("measure", measure.name)
    .with("group", rows.group[i].name())
    .with("field", field);
    if let Some(value) = value {
        cell = cell.with("value", format!("{value:.6}"));
    }
    cell
}

fn phase_section(figures: &Figures, la: &str, phase: Phase, year: u16) -> Vec<Block> {
    let rows = &figures.rows;
    let mut blocks = vec![Block::Heading {
        level: 2,
        text: format!("{}, {year}", phase_title(phase)),
        id: format!("{phase}"),
    }];
    // Every measure with a figure for any group (a table of looked-after
    // pupils' outcomes has no all-pupil rows).
    let measures: Vec<&'static Measure> = Measure::of_phase(phase)
        .filter(|m| {
            Group::ALL
                .iter()
                .any(|&g| figures.row(Level::La, la, m.name, g, year).is_some())
        })
        .collect();
    // The gap to other pupils nationally, by group, for the headline.
    if let Some(measure) = measures
        .iter()
        .find(|m| HEADLINE.contains(&m.name))
        .copied()
    {
        let bars: Vec<(String, Option<f64>)> = VULNERABLE
            .iter()
            .filter_map(|&g| {
                let j = figures.row(Level::La, la, measure.name, g, year)?;
                Some((short_group(g).to_owned(), rows.gap_to_national[j]))
            })
            .collect();
        let described: Vec<String> = VULNERABLE
            .iter()
            .filter_map(|&g| {
                let j = figures.row(Level::La, la, measure.name, g, year)?;
                Some(format!(
                    "{} {}",
                    short_group(g),
                    match rows.gap_to_national[j] {
                        Some(v) => points(measure, v),
                        None if rows.suppressed[j] => WITHHELD.to_owned(),
                        None => "not available".to_owned(),
                    }
                ))
            })
            .collect();
        let table = Table {
            caption: format!(
                "Gap to other pupils nationally, {} {year} ({})",
                measure.name,
                unit_words(measure)
            ),
            header: vec!["Group".into(), "Gap to other pupils nationally".into()],
            rows: VULNERABLE
                .iter()
                .filter_map(|&g| {
                    let j = figures.row(Level::La, la, measure.name, g, year)?;
                    Some(vec![
                        Cell::row_header(short_group(g)),
                        value_cell(
                            figures,
                            j,
                            measure,
                            "gap_to_national",
                            rows.gap_to_national[j],
                            rows.gap_to_national[j]
                                .map(|v| points(measure, v))
                                .unwrap_or_default(),
                        ),
                    ])
                })
                .collect(),
        };
        let alt = format!(
            "Bar chart of each vulnerable group's gap to other pupils nationally in {} ({year}): {}.",
            measure.description,
            described.join("; ")
        );
        blocks.push(Block::Figure(Figure {
            svg: charts::bars(
                &format!("gap-{phase}"),
                &format!("Gap to other pupils nationally, {}", measure.name),
                &alt,
                &bars,
                unit_words(measure),
            ),
            alt,
            caption: format!(
                "{}: each group's gap to other pupils nationally, {year}",
                measure.name
            ),
            table,
        }));
    }
    // Every measure and group.
    for measure in measures {
        let mut table = Table {
            caption: format!(
                "{} ({}), LA {la}, {year}",
                measure.name, measure.description
            ),
            header: [
                "Group",
                "Pupils",
                "Value",
                "95% interval",
                "England (same group)",
                "Gap to others in LA",
                "Gap to others nationally",
                "Against England (same group)",
            ]
            .map(str::to_owned)
            .to_vec(),
            rows: Vec::new(),
        };
        for group in Group::ALL {
            let Some(i) = figures.row(Level::La, la, measure.name, group, year) else {
                continue;
            };
            let interval = rows.ci_low[i]
                .zip(rows.ci_high[i])
                .map(|(l, h)| format!("{} to {}", shown(measure, l), shown(measure, h)))
                .unwrap_or_default();
            table.rows.push(vec![
                Cell::row_header(short_group(group)),
                {
                    // A pool of no school figures has no pupils to show;
                    // DfE's own count stands beside DfE's figure.
                    let dfe_n = published_figure(figures, i).and(
                        rows.published
                            .as_ref()
                            .and_then(|p| p.published_n_member[i]),
                    );
                    let n = match rows.n_member[i] {
                        Some(0) if rows.value_member[i].is_none() => None,
                        n => n,
                    };
                    let cell = Cell::text(match (n, dfe_n) {
                        (Some(n), _) => n.to_string(),
                        (None, Some(n)) => format!("{n} (DfE)"),
                        (None, None) if rows.suppressed[i] => WITHHELD.to_owned(),
                        (None, None) => String::new(),
                    })
                    .with("unit", la.to_owned())
                    .with("measure", measure.name)
                    .with("group", group.name())
                    .with("field", "n_member");
                    match n {
                        Some(n) => cell.with("value", n.to_string()),
                        None => cell,
                    }
                },
                match published_figure(figures, i) {
                    Some(dfe) => Cell::text(format!("{} (DfE's LA figure)", shown(measure, dfe)))
                        .with("unit", la.to_owned())
                        .with("measure", measure.name)
                        .with("group", group.name())
                        .with("field", "published_member")
                        .with("value", format!("{dfe:.6}")),
                    None => member_cell(figures, i, measure),
                },
                Cell::text(if rows.value_member[i].is_some() {
                    interval
                } else {
                    String::new()
                }),
                Cell::text(
                    rows.national_member[i]
                        .map(|v| shown(measure, v))
                        .unwrap_or_default(),
                ),
                value_cell(
                    figures,
                    i,
                    measure,
                    "gap",
                    rows.gap[i],
                    rows.gap[i].map(|v| points(measure, v)).unwrap_or_default(),
                ),
                value_cell(
                    figures,
                    i,
                    measure,
                    "gap_to_national",
                    rows.gap_to_national[i],
                    rows.gap_to_national[i]
                        .map(|v| points(measure, v))
                        .unwrap_or_default(),
                ),
                Cell::text(match rows.vs_national_same[i].as_deref() {
                    Some("above") => "above",
                    Some("below") => "below",
                    Some("in_line") => "in line",
                    _ => "",
                }),
            ]);
        }
        blocks.push(Block::Table(table));
    }
    blocks.push(Block::Paragraph(
        "\"withheld\": fewer pupils than the minimum cohort, or withheld so that another withheld figure cannot be worked out by subtraction. Gaps are the group's value minus that of other pupils (in the LA, or in England); a negative gap means the group is behind.".into(),
    ));
    blocks
}

fn trends_section(
    figures: &Figures,
    la: &str,
    phase_years: &[(Phase, u16)],
    have_trends: bool,
) -> Vec<Block> {
    let rows = &figures.rows;
    let mut blocks = vec![Block::Heading {
        level: 2,
        text: "Trends".into(),
        id: "trends-heading".into(),
    }];
    let mut single: Vec<String> = Vec::new();
    for &(phase, year) in phase_years {
        // The years up to the one reported: a report on 2023 does not
        // show 2024.
        let years: Vec<u16> = {
            let mut years: Vec<u16> = (0..rows.len())
                .filter(|&i| {
                    rows.level[i] == Level::La
                        && rows.unit[i] == la
                        && rows.phase[i] == phase
                        && rows.year[i] <= year
                })
                .map(|i| rows.year[i])
                .collect();
            years.sort_unstable();
            years.dedup();
            years
        };
        if years.len() < 2 {
            single.push(format!("{} ({year})", phase_title(phase)));
            continue;
        }
        let years = &years[..];
        let Some(measure) = Measure::of_phase(phase).find(|m| HEADLINE.contains(&m.name)) else {
            continue;
        };
        if figures
            .row(Level::La, la, measure.name, Group::All, year)
            .is_none()
        {
            continue;
        }
        let at = |group: Group, y: u16| figures.row(Level::La, la, measure.name, group, y);
        let series_of = |name: String, group: Group, england: bool| charts::Series {
            name,
            points: years
                .iter()
                .map(|&y| match at(group, y) {
                    Some(i) if england => (
                        y,
                        if group == Group::All {
                            rows.national_all[i]
                        } else {
                            rows.national_member[i]
                        },
                        None,
                    ),
                    Some(i) => (y, rows.value_member[i], rows.ci_low[i].zip(rows.ci_high[i])),
                    None => (y, None, None),
                })
                .collect(),
        };
        let series = vec![
            series_of(format!("LA {la}, all"), Group::All, false),
            series_of("England, all".into(), Group::All, true),
            series_of(
                format!("LA {la}, disadvantaged"),
                Group::Disadvantaged,
                false,
            ),
            series_of("England, disadvantaged".into(), Group::Disadvantaged, true),
        ];
        let mut table = Table {
            caption: format!("{} over the years: LA {la} and England", measure.name),
            header: {
                let mut header = vec![
                    "Year".to_owned(),
                    format!("LA {la}, all"),
                    "England, all".into(),
                ];
                for group in VULNERABLE {
                    header.push(format!("LA {la}, {}", short_group(group)));
                    header.push(format!("England, {}", short_group(group)));
                }
                header.push("Disadvantaged gap to others nationally".into());
                header
            },
            rows: Vec::new(),
        };
        for &y in years {
            let cell = |group: Group, england: bool| -> Cell {
                match at(group, y) {
                    Some(i) if england => Cell::text(
                        (if group == Group::All {
                            rows.national_all[i]
                        } else {
                            rows.national_member[i]
                        })
                        .map(|v| shown(measure, v))
                        .unwrap_or_default(),
                    ),
                    Some(i) => member_cell(figures, i, measure).with("year", y.to_string()),
                    None => Cell::text(""),
                }
            };
            let gap = at(Group::Disadvantaged, y).map_or(Cell::text(""), |i| {
                value_cell(
                    figures,
                    i,
                    measure,
                    "gap_to_national",
                    rows.gap_to_national[i],
                    rows.gap_to_national[i]
                        .map(|v| points(measure, v))
                        .unwrap_or_default(),
                )
                .with("year", y.to_string())
            });
            let mut row = vec![
                Cell::row_header(y.to_string()),
                cell(Group::All, false),
                cell(Group::All, true),
            ];
            for group in VULNERABLE {
                row.push(cell(group, false));
                row.push(cell(group, true));
            }
            row.push(gap);
            table.rows.push(row);
        }
        let banded = series
            .iter()
            .any(|s| s.points.iter().any(|p| p.2.is_some()));
        let alt = format!(
            "Line chart of {} for LA {la} and England, all pupils and disadvantaged pupils, {} to {}{}; the table beside it gives every value, for every vulnerable group.",
            measure.description,
            years[0],
            years[years.len() - 1],
            if banded { ", with the LA's 95% intervals as shaded bands" } else { "" }
        );
        blocks.push(Block::Heading {
            level: 3,
            text: phase_title(phase).into(),
            id: format!("trend-{phase}"),
        });
        blocks.push(Block::Figure(Figure {
            svg: charts::lines(
                &format!("trend-{phase}"),
                &format!("{} over the years", measure.name),
                &alt,
                &series,
                value_words(measure),
            ),
            alt,
            caption: format!("{}: LA {la} against England over the years", measure.name),
            table,
        }));
        // Schools with significant drops.
        if have_trends {
            let mut drops: Vec<String> = Vec::new();
            let mut judged = false;
            for i in 0..rows.len() {
                if rows.level[i] != Level::School
                    || rows.measure[i] != measure.name
                    || rows.group[i] != Group::All
                    || rows.year[i] != year
                {
                    continue;
                }
                if let Some(t) =
                    figures.trend(Level::School, &rows.unit[i], measure.name, Group::All, year)
                {
                    if t.significance.as_deref() == Some("drop") {
                        drops.push(format!(
                            "School {}: {} in {} to {} in {year} ({})",
                            rows.unit[i],
                            t.value_previous
                                .map(|v| shown(measure, v))
                                .unwrap_or_default(),
                            t.previous_year.map(|y| y.to_string()).unwrap_or_default(),
                            t.value.map(|v| shown(measure, v)).unwrap_or_default(),
                            t.change.map(|c| points(measure, c)).unwrap_or_default()
                        ));
                    }
                    judged |= t.significance.is_some();
                }
            }
            blocks.push(Block::Paragraph(if drops.is_empty() && !judged {
                format!(
                    "Whether a school's {} fell significantly in {year} cannot be judged: the data gives no school's change with an interval (published tables carry no counts behind some figures).",
                    measure.name
                )
            } else if drops.is_empty() {
                format!("No school's {} fell significantly in {year}.", measure.name)
            } else {
                format!(
                    "Schools whose {} fell significantly in {year}:",
                    measure.name
                )
            }));
            if !drops.is_empty() {
                blocks.push(Block::List(drops));
            }
        }
        let _ = figures.trend(Level::La, la, measure.name, Group::Disadvantaged, year).map(|t| {
            if let (Some(change), Some(significance)) = (t.gap_change, t.gap_significance.as_deref()) {
                blocks.push(Block::Paragraph(format!(
                    "The gap between the LA's disadvantaged and other pupils changed by {} since {} ({}).",
                    points(measure, change),
                    t.previous_year.map(|y| y.to_string()).unwrap_or_default(),
                    match significance {
                        "rise" => "it narrowed significantly",
                        "drop" => "it widened significantly",
                        _ => "not a significant change",
                    }
                )));
            }
        });
    }
    if !single.is_empty() {
        blocks.push(Block::Paragraph(format!(
            "One year of data, so no trend: {}. Give earlier years' data to see trends.",
            single.join("; ")
        )));
    }
    blocks
}

fn progress_section(
    figures: &Figures,
    la: &str,
    phase_years: &[(Phase, u16)],
    gap_index: Option<&DataFrame>,
    la_code: u16,
) -> Result<Vec<Block>> {
    let rows = &figures.rows;
    let mut blocks = vec![Block::Heading {
        level: 2,
        text: "Progress and the disadvantage gap index".into(),
        id: "progress-heading".into(),
    }];
    let year_of = |phase: Phase| {
        phase_years
            .iter()
            .find(|(p, _)| *p == phase)
            .map(|&(_, y)| y)
    };
    let progress: Vec<(&'static Measure, u16)> = crate::MEASURES
        .iter()
        .filter(|m| m.is_progress())
        .filter_map(|m| Some((m, year_of(m.phase)?)))
        .filter(|&(m, year)| {
            figures
                .row(Level::La, la, m.name, Group::All, year)
                .is_some()
        })
        .collect();
    if progress.is_empty() {
        blocks.push(Block::Paragraph(
            "No progress measure for this year: progress needs prior attainment (ks2_prior, ks1_aps) and estimates (the national pupils, or --estimates dfe), and DfE publishes none for KS4 in 2025 and 2026 or KS2 in 2024 and 2025.".into(),
        ));
    } else {
        let years: Vec<String> = {
            let mut years: Vec<u16> = progress.iter().map(|&(_, y)| y).collect();
            years.sort_unstable();
            years.dedup();
            years.iter().map(u16::to_string).collect()
        };
        let mut table = Table {
            caption: format!("Progress, LA {la}, {}", years.join(" and ")),
            header: [
                "Measure",
                "Group",
                "Pupils",
                "Score",
                "95% interval",
                "England (same group)",
                "Band",
            ]
            .map(str::to_owned)
            .to_vec(),
            rows: Vec::new(),
        };
        for (measure, year) in progress {
            for group in [Group::All, Group::Disadvantaged, Group::SenAny] {
                let Some(i) = figures.row(Level::La, la, measure.name, group, year) else {
                    continue;
                };
                table.rows.push(vec![
                    Cell::row_header(measure.name),
                    Cell::text(short_group(group)),
                    Cell::text(rows.n_member[i].map_or(String::new(), |n| n.to_string())),
                    member_cell(figures, i, measure),
                    Cell::text(
                        rows.ci_low[i]
                            .zip(rows.ci_high[i])
                            .filter(|_| rows.value_member[i].is_some())
                            .map(|(l, h)| format!("{} to {}", shown(measure, l), shown(measure, h)))
                            .unwrap_or_default(),
                    ),
                    Cell::text(
                        rows.national_member[i]
                            .map(|v| shown(measure, v))
                            .unwrap_or_default(),
                    ),
                    Cell::text(
                        rows.progress_band[i]
                            .clone()
                            .unwrap_or_default()
                            .replace('_', " "),
                    ),
                ]);
            }
        }
        blocks.push(Block::Table(table));
    }
    match gap_index {
        Some(frame) if frame.height() > 0 => {
            let failed = |e: PolarsError| Error::table("gap index", e);
            let text = |name: &str| -> Result<Vec<Option<String>>> {
                let c = frame.column(name).map_err(failed)?.cast(&DataType::String).map_err(failed)?;
                Ok(c.str().map_err(failed)?.iter().map(|v| v.map(str::to_owned)).collect())
            };
            let (phase, level, unit) = (text("phase")?, text("level")?, text("unit")?);
            let index: Vec<Option<f64>> = frame.column("gap_index").map_err(failed)?.f64().map_err(failed)?.iter().collect();
            let years: Vec<Option<i32>> = frame.column("year").map_err(failed)?.i32().map_err(failed)?.iter().collect();
            let mut table = Table {
                caption: format!("The disadvantage gap index, LA {la_code} and England"),
                header: ["Phase", "Year", "LA", "England"].map(str::to_owned).to_vec(),
                rows: Vec::new(),
            };
            let mut keys: Vec<(String, i32)> = (0..frame.height())
                .filter_map(|i| Some((phase[i].clone()?, years[i]?)))
                .collect();
            keys.sort();
            keys.dedup();
            for (p, y) in keys {
                let find = |lvl: &str, u: &str| {
                    (0..frame.height())
                        .find(|&i| phase[i].as_deref() == Some(p.as_str()) && years[i] == Some(y) && level[i].as_deref() == Some(lvl) && unit[i].as_deref() == Some(u))
                        .and_then(|i| index[i])
                };
                let show = |v: Option<f64>| v.map_or(WITHHELD.to_owned(), |v| format!("{v:.2}"));
                table.rows.push(vec![
                    Cell::row_header(p.to_uppercase()),
                    Cell::text(y.to_string()),
                    Cell::text(show(find("la", &la_code.to_string()))),
                    Cell::text(show(find("national", crate::geography::ENGLAND))),
                ]);
            }
            blocks.push(Block::Table(table));
            blocks.push(Block::Paragraph("The index runs from 0 (no gap) to 10 (every disadvantaged pupil below every other pupil), ranking every pupil in England (DfE's method; the LA's index compares the national ranks of its own pupils).".into()));
        }
        _ => blocks.push(Block::Paragraph(
            "The disadvantage gap index ranks every pupil in England: give the national pupil file (--national-pupils) to add the LA's index beside England's.".into(),
        )),
    }
    Ok(blocks)
}

fn schools_section(
    figures: &Figures,
    la: &str,
    phase_years: &[(Phase, u16)],
    inputs: &Inputs,
) -> Result<Vec<Block>> {
    let rows = &figures.rows;
    let mut blocks = vec![Block::Heading {
        level: 2,
        text: "Schools, alliances and trusts".into(),
        id: "schools-heading".into(),
    }];
    // Alliances as one school.
    let alliances: Vec<String> = {
        let mut units: Vec<String> = (0..rows.len())
            .filter(|&i| {
                rows.level[i] == Level::Alliance
                    && phase_years.contains(&(rows.phase[i], rows.year[i]))
            })
            .map(|i| rows.unit[i].clone())
            .collect();
        units.sort();
        units.dedup();
        units
    };
    blocks.push(Block::Heading {
        level: 3,
        text: "Alliances and trusts as one school".into(),
        id: "alliances".into(),
    });
    if alliances.is_empty() {
        blocks.push(Block::Paragraph("Give the alliances or trusts (--groups FILE, or GIAS's establishment file for trusts) to see each as one school.".into()));
    } else {
        for &(phase, year) in phase_years {
            let Some(measure) = Measure::of_phase(phase).find(|m| HEADLINE.contains(&m.name))
            else {
                continue;
            };
            let mut table = Table {
                caption: format!(
                    "{}: alliances and trusts as one school, {year}",
                    measure.name
                ),
                header: [
                    "Alliance",
                    "Pupils",
                    "All pupils",
                    "Against England",
                    "Disadvantaged",
                    "Disadvantaged gap to others nationally",
                ]
                .map(str::to_owned)
                .to_vec(),
                rows: Vec::new(),
            };
            for unit in &alliances {
                let (Some(i), d) = (
                    figures
                        .row(Level::Alliance, unit, measure.name, Group::All, year)
                        // An alliance with no pupils in this phase.
                        .filter(|&i| rows.n_member[i] != Some(0) || rows.value_member[i].is_some()),
                    figures.row(
                        Level::Alliance,
                        unit,
                        measure.name,
                        Group::Disadvantaged,
                        year,
                    ),
                ) else {
                    continue;
                };
                table.rows.push(vec![
                    Cell::row_header(unit.clone()),
                    Cell::text(rows.n_member[i].map_or(WITHHELD.to_owned(), |n| n.to_string())),
                    member_cell(figures, i, measure),
                    Cell::text(against_words(rows.vs_national_all[i].as_deref())),
                    d.map_or(Cell::text(""), |d| member_cell(figures, d, measure)),
                    d.map_or(Cell::text(""), |d| {
                        value_cell(
                            figures,
                            d,
                            measure,
                            "gap_to_national",
                            rows.gap_to_national[d],
                            rows.gap_to_national[d]
                                .map(|v| points(measure, v))
                                .unwrap_or_default(),
                        )
                    }),
                ]);
            }
            if !table.rows.is_empty() {
                blocks.push(Block::Table(table));
            }
        }
    }
    // The Ofsted profile.
    blocks.push(Block::Heading {
        level: 3,
        text: "Ofsted profile".into(),
        id: "ofsted".into(),
    });
    match inputs.ofsted {
        None => blocks.push(Block::Paragraph("Give Ofsted's management-information file or GIAS's establishment file (--ofsted FILE) to add the Ofsted profile.".into())),
        Some(profile) => {
            let mut table = Table {
                caption: "Schools and pupils in good or outstanding schools (old framework)".into(),
                header: ["Area", "Phase", "Schools good or better", "Pupils in good or better schools", "Schools without a grade", "As at"].map(str::to_owned).to_vec(),
                rows: Vec::new(),
            };
            for row in profile.iter().filter(|r| {
                r.grade == "good_or_outstanding" && (r.level == "national" || (r.level == "la" && r.unit == la))
            }) {
                let pct = |v: Option<f64>, n: u64, of: u64| v.map_or("no grades".to_owned(), |v| format!("{v:.1}% ({n} of {of})"));
                table.rows.push(vec![
                    Cell::row_header(if row.level == "national" { "England".to_owned() } else { format!("LA {}", row.unit) }),
                    Cell::text(row.phase),
                    Cell::text(pct(row.pct_schools, row.schools, row.schools_graded)),
                    Cell::text(pct(row.pct_pupils, row.pupils, row.pupils_graded)),
                    Cell::text(row.schools_without_grade.to_string()),
                    Cell::text(row.as_at.clone().unwrap_or_default()),
                ]);
            }
            blocks.push(Block::Table(table));
            let cards = profile.iter().filter(|r| r.level == "la" && r.unit == la && r.framework == crate::ofsted::Framework::ReportCard && r.phase == "all" && r.schools > 0).count();
            blocks.push(Block::Paragraph(format!(
                "Report cards (from November 2025) are counted apart, never mixed with the old grades: {cards} grade counts for LA {la} in the full profile (attain ofsted)."
            )));
        }
    }
    // Categorisation.
    blocks.push(Block::Heading {
        level: 3,
        text: "School categorisation".into(),
        id: "categorisation".into(),
    });
    match (inputs.categorised, inputs.rules) {
        (Some([]), Some(_)) => blocks.push(Block::Paragraph(
            "No school or alliance to categorise: the data has no school figures for the LA (give pupil data or school performance tables, --schools).".into(),
        )),
        (Some(categorised), Some(rules)) => {
            let counts: Vec<String> = rules
                .categories
                .iter()
                .map(|c| {
                    format!(
                        "{} {c}",
                        categorised.iter().filter(|u| u.category == *c).count()
                    )
                })
                .collect();
            blocks.push(Block::Paragraph(format!(
                "By the rules in {} ({} rules, the most concerning category any rule gives): {}. Every rule that fired is listed with its figures; a rule whose figure is withheld is listed as not evaluated.",
                rules.source,
                rules.rules.len(),
                counts.join(", ")
            )));
            let mut table = Table {
                caption: format!(
                    "Categories and reasons, {}",
                    phase_years
                        .iter()
                        .map(|(p, y)| format!("{} {y}", p.to_string().to_uppercase()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                header: ["School or alliance", "Name", "Category", "Reasons"]
                    .map(str::to_owned)
                    .to_vec(),
                rows: Vec::new(),
            };
            let severity = |c: &str| rules.categories.iter().position(|x| x == c).unwrap_or(0);
            let mut ordered: Vec<&Categorised> = categorised.iter().collect();
            ordered.sort_by_key(|u| (std::cmp::Reverse(severity(&u.category)), u.unit.clone()));
            for unit in ordered {
                let reasons: Vec<String> = unit
                    .reasons
                    .iter()
                    .map(|r| match r.outcome {
                        Outcome::Fired => format!("{}: {}", r.rule, r.text),
                        Outcome::NotEvaluated => format!("{} (not evaluated): {}", r.rule, r.text),
                    })
                    .collect();
                table.rows.push(vec![
                    Cell::row_header(format!("{} {}", unit.level.name(), unit.unit)),
                    Cell::text(unit.name.clone().unwrap_or_default()),
                    Cell::text(unit.category.clone())
                        .with("field", "category")
                        .with("unit", unit.unit.clone()),
                    Cell::text(if reasons.is_empty() {
                        "no rule fired".to_owned()
                    } else {
                        reasons.join(" • ")
                    }),
                ]);
            }
            blocks.push(Block::Table(table));
        }
        _ => blocks.push(Block::Paragraph(
            "Give a rules file (--rules) to categorise the schools.".into(),
        )),
    }
    // Targets.
    blocks.push(Block::Heading {
        level: 3,
        text: "Targets".into(),
        id: "targets".into(),
    });
    match inputs.targets {
        None => blocks.push(Block::Paragraph("Give a targets file (--targets FILE: unit, measure, group, year, target) to judge each school's and alliance's targets.".into())),
        Some(frame) => {
            let failed = |e: PolarsError| Error::table("targets", e);
            let text = |name: &str| -> Result<Vec<String>> {
                let c = frame.column(name).map_err(failed)?.cast(&DataType::String).map_err(failed)?;
                Ok(c.str().map_err(failed)?.iter().map(|v| v.unwrap_or_default().to_owned()).collect())
            };
            let (unit, measure, group, year_col, target, value, status, why) = (
                text("unit")?,
                text("measure")?,
                text("group")?,
                text("year")?,
                text("target")?,
                text("value_member")?,
                text("status")?,
                text("reason")?,
            );
            let mut table = Table {
                caption: "Targets".into(),
                header: ["Unit", "Measure", "Group", "Year", "Target", "Value", "Verdict"].map(str::to_owned).to_vec(),
                rows: Vec::new(),
            };
            for i in 0..frame.height() {
                table.rows.push(vec![
                    Cell::row_header(unit[i].clone()),
                    Cell::text(measure[i].clone()),
                    Cell::text(group[i].clone()),
                    Cell::text(year_col[i].clone()),
                    Cell::text(target[i].clone()),
                    Cell::text(value[i].parse::<f64>().map(|v| format!("{v:.1}")).unwrap_or_default()),
                    Cell::text(if why[i].is_empty() {
                        status[i].replace('_', " ")
                    } else {
                        format!("{} ({})", status[i].replace('_', " "), why[i])
                    }),
                ]);
            }
            blocks.push(Block::Table(table));
        }
    }
    Ok(blocks)
}

fn appendix(options: &ReportOptions, rules: Option<&Rules>) -> Vec<Block> {
    let mut blocks = vec![
        Block::Heading {
            level: 2,
            text: "How these figures are calculated".into(),
            id: "appendix-heading".into(),
        },
        Block::Heading { level: 3, text: "Measures".into(), id: "definitions".into() },
        Block::List(
            crate::MEASURES
                .iter()
                .map(|m| format!("{}: {}.", m.name, m.description))
                .collect(),
        ),
        Block::Heading { level: 3, text: "Groups and gaps".into(), id: "groups".into() },
        Block::Paragraph("Each group is compared with the other pupils: disadvantaged with not disadvantaged, FSM with not FSM, SEN support, EHC plan and any SEN with no SEN, looked-after with not looked-after. A gap is the group's value minus its comparison's; the gap to other pupils nationally is DfE's measure of the disadvantage gap.".into()),
        Block::Heading { level: 3, text: "Intervals and significance".into(), id: "intervals".into() },
        Block::Paragraph("Every value computed from pupils has a 95% confidence interval: Wilson score intervals for percentages, Student's t for averages, Newcombe's hybrid score interval for a difference of percentages and Welch's for a difference of averages; progress scores use the score plus or minus 1.96 times the national standard deviation over the square root of the number of pupils, as DfE's performance tables do. A figure is significantly above (below) England when its whole interval lies above (below) England's figure. A change is significant when its interval excludes zero. Figures taken from DfE's published tables are shown as published: with DfE's own intervals where DfE gives them (progress scores), and otherwise without an interval, so no significance is claimed for them.".into()),
        Block::Heading { level: 3, text: "Withheld figures".into(), id: "suppression".into() },
        Block::Paragraph(match (options.min_cohort, options.disclosure) {
            (0, _) => "This report was made with a minimum cohort of 0: nothing is withheld. It is for use inside a secure setting only; do not publish it.".to_owned(),
            (k, crate::disclosure::Disclosure::Secure) => format!(
                "Figures from fewer than {k} pupils are withheld; counts are shown. This report was made in secure mode: only figures from too few pupils are withheld, so some can be worked out by subtraction. Do not publish it."
            ),
            (k, crate::disclosure::Disclosure::Publish) => format!(
                "Figures from fewer than {k} pupils are withheld, with their counts. So that no withheld figure can be worked out by subtraction (all pupils = a group + the others; an LA = its schools; England = its LAs), or from a total where every pupil (or none) met a measure, further figures are withheld: the smallest that protects each one. Figures derived from a withheld figure (gaps, ranks, trends, categorisation reasons and this report) are withheld with it. What this does not protect: counts and ranks still bound a withheld figure, and a reader with outside knowledge can learn more."
            ),
        }),
    ];
    if let Some(rules) = rules {
        blocks.push(Block::Heading {
            level: 3,
            text: "Categorisation rules".into(),
            id: "rules".into(),
        });
        blocks.push(Block::List(
            rules
                .rules
                .iter()
                .map(|r| format!("{} → {}", r.name, rules.categories[r.category]))
                .collect(),
        ));
    }
    blocks.push(Block::Heading {
        level: 3,
        text: "Data sources".into(),
        id: "sources".into(),
    });
    blocks.push(Block::List(options.sources.clone()));
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_dates() {
        let at = |s: u64| date_of(std::time::UNIX_EPOCH + std::time::Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01");
        assert_eq!(at(951_782_400), "2000-02-29");
        assert_eq!(at(1_796_083_200), "2026-12-01");
    }
}
