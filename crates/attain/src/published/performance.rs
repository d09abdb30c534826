//! School performance tables (KS2 `*_ks2final.csv`; KS4 `*_ks4final.csv`,
//! `*_ks4provisional.csv`, `*_ks4revised.csv`), read exactly as DfE
//! publishes them: UTF-8 BOM, CRLF, ragged rows, columns found by name
//! (ignoring case, as KS2 writes `TNotFSM6CLA1A` and KS4 `TNOTFSM6CLA1A`),
//! whatever the year's column set.
//!
//! | `RECTYPE` | KS2 | KS4 |
//! |---|---|---|
//! | 1, 2 | mainstream, special school | mainstream, special school |
//! | 3 | the LA | – |
//! | 4 | England, all schools (not read) | the LA |
//! | 5 | England, state-funded: the national comparator | England, all schools (not read) |
//! | 7 | – | England, state-funded: the national comparator |
//!
//! Counts come from the `T*` columns and values from the `PT*` and average
//! columns ([`KS2`], [`KS4`]). The files give all pupils, disadvantaged and
//! not disadvantaged; no file gives FSM, SEN or looked-after breakdowns of
//! a measure (SEN columns are counts of pupils only).
//!
//! The year is not in the file: it is read from the file name as DfE names
//! it (`2018-2019_…`: year 2019), or given.

use super::{Area, Figure, School, Sheet};
use crate::error::{Error, Result};
use crate::geography::{parse_la_code, parse_urn};
use crate::groups::Population;
use crate::measures::Measure;
use crate::phase::Phase;

/// Where one measure for one population is in a performance table.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    pub measure: &'static str,
    pub population: Population,
    /// The cohort count (`T*`).
    pub count: &'static str,
    /// The published value (`PT*` or an average).
    pub value: &'static str,
    /// A published total of a mean's scores, where the file has one.
    pub total: Option<&'static str>,
    /// The published 95% interval's bounds (progress measures).
    pub interval: Option<(&'static str, &'static str)>,
    /// The published progress band (`P8_BANDING`, `READPROG_DESCR`, …).
    pub band: Option<&'static str>,
}

const fn columns(
    measure: &'static str,
    population: Population,
    count: &'static str,
    value: &'static str,
) -> Columns {
    Columns {
        measure,
        population,
        count,
        value,
        total: None,
        interval: None,
        band: None,
    }
}

/// A progress measure's columns: value, interval bounds, and the count of
/// pupils with a score.
const fn progress(
    measure: &'static str,
    population: Population,
    count: &'static str,
    value: &'static str,
    low: &'static str,
    high: &'static str,
) -> Columns {
    Columns {
        measure,
        population,
        count,
        value,
        total: None,
        interval: Some((low, high)),
        band: None,
    }
}

use Population::{All, Disadvantaged, NotDisadvantaged};

/// KS2 columns. A KS2 average is over pupils with a scaled score, a count
/// DfE does not publish: the eligible cohort stands in for it, so means
/// pooled from KS2 tables are approximate (and marked `rounded`). Progress
/// is the same: KS2 tables give no count of pupils with a progress score,
/// so the eligible pupils of the group (`TELIG`, `TFSM6CLA1A`,
/// `TNOTFSM6CLA1A`) weight the pool, and a note says so.
pub const KS2: [Columns; 21] = [
    columns("ks2.rwm_exp", All, "TELIG", "PTRWM_EXP"),
    columns(
        "ks2.rwm_exp",
        Disadvantaged,
        "TFSM6CLA1A",
        "PTRWM_EXP_FSM6CLA1A",
    ),
    columns(
        "ks2.rwm_exp",
        NotDisadvantaged,
        "TNOTFSM6CLA1A",
        "PTRWM_EXP_NOTFSM6CLA1A",
    ),
    columns("ks2.rwm_high", All, "TELIG", "PTRWM_HIGH"),
    columns(
        "ks2.rwm_high",
        Disadvantaged,
        "TFSM6CLA1A",
        "PTRWM_HIGH_FSM6CLA1A",
    ),
    columns(
        "ks2.rwm_high",
        NotDisadvantaged,
        "TNOTFSM6CLA1A",
        "PTRWM_HIGH_NOTFSM6CLA1A",
    ),
    columns("ks2.read_avg", All, "TELIG", "READ_AVERAGE"),
    columns(
        "ks2.read_avg",
        Disadvantaged,
        "TFSM6CLA1A",
        "READ_AVERAGE_FSM6CLA1A",
    ),
    columns(
        "ks2.read_avg",
        NotDisadvantaged,
        "TNOTFSM6CLA1A",
        "READ_AVERAGE_NOTFSM6CLA1A",
    ),
    columns("ks2.mat_avg", All, "TELIG", "MAT_AVERAGE"),
    columns(
        "ks2.mat_avg",
        Disadvantaged,
        "TFSM6CLA1A",
        "MAT_AVERAGE_FSM6CLA1A",
    ),
    columns(
        "ks2.mat_avg",
        NotDisadvantaged,
        "TNOTFSM6CLA1A",
        "MAT_AVERAGE_NOTFSM6CLA1A",
    ),
    Columns {
        band: Some("READPROG_DESCR"),
        ..progress(
            "ks2.read_progress",
            All,
            "TELIG",
            "READPROG",
            "READPROG_LOWER",
            "READPROG_UPPER",
        )
    },
    progress(
        "ks2.read_progress",
        Disadvantaged,
        "TFSM6CLA1A",
        "READPROG_FSM6CLA1A",
        "READPROG_FSM6CLA1A_LOWER",
        "READPROG_FSM6CLA1A_UPPER",
    ),
    progress(
        "ks2.read_progress",
        NotDisadvantaged,
        "TNOTFSM6CLA1A",
        "READPROG_NOTFSM6CLA1A",
        "READPROG_NOTFSM6CLA1A_LOWER",
        "READPROG_NOTFSM6CLA1A_UPPER",
    ),
    Columns {
        band: Some("WRITPROG_DESCR"),
        ..progress(
            "ks2.writ_progress",
            All,
            "TELIG",
            "WRITPROG",
            "WRITPROG_LOWER",
            "WRITPROG_UPPER",
        )
    },
    progress(
        "ks2.writ_progress",
        Disadvantaged,
        "TFSM6CLA1A",
        "WRITPROG_FSM6CLA1A",
        "WRITPROG_FSM6CLA1A_LOWER",
        "WRITPROG_FSM6CLA1A_UPPER",
    ),
    progress(
        "ks2.writ_progress",
        NotDisadvantaged,
        "TNOTFSM6CLA1A",
        "WRITPROG_NOTFSM6CLA1A",
        "WRITPROG_NOTFSM6CLA1A_LOWER",
        "WRITPROG_NOTFSM6CLA1A_UPPER",
    ),
    Columns {
        band: Some("MATPROG_DESCR"),
        ..progress(
            "ks2.mat_progress",
            All,
            "TELIG",
            "MATPROG",
            "MATPROG_LOWER",
            "MATPROG_UPPER",
        )
    },
    progress(
        "ks2.mat_progress",
        Disadvantaged,
        "TFSM6CLA1A",
        "MATPROG_FSM6CLA1A",
        "MATPROG_FSM6CLA1A_LOWER",
        "MATPROG_FSM6CLA1A_UPPER",
    ),
    progress(
        "ks2.mat_progress",
        NotDisadvantaged,
        "TNOTFSM6CLA1A",
        "MATPROG_NOTFSM6CLA1A",
        "MATPROG_NOTFSM6CLA1A_LOWER",
        "MATPROG_NOTFSM6CLA1A_UPPER",
    ),
];

/// KS4 columns. Attainment 8 is over every pupil at the end of KS4 (`TPUP`),
/// and `TOTATT8` is its exact total where the file has it. Progress 8 is
/// over the pupils with a score (`P8PUP`), with DfE's interval.
pub const KS4: [Columns; 12] = [
    Columns {
        total: Some("TOTATT8"),
        ..columns("ks4.att8", All, "TPUP", "ATT8SCR")
    },
    columns("ks4.att8", Disadvantaged, "TFSM6CLA1A", "ATT8SCR_FSM6CLA1A"),
    columns(
        "ks4.att8",
        NotDisadvantaged,
        "TNOTFSM6CLA1A",
        "ATT8SCR_NFSM6CLA1A",
    ),
    columns("ks4.basics4", All, "TPUP", "PTL2BASICS_94"),
    columns(
        "ks4.basics4",
        Disadvantaged,
        "TFSM6CLA1A",
        "PTFSM6CLA1ABASICS_94",
    ),
    columns(
        "ks4.basics4",
        NotDisadvantaged,
        "TNOTFSM6CLA1A",
        "PTNOTFSM6CLA1ABASICS_94",
    ),
    columns("ks4.basics5", All, "TPUP", "PTL2BASICS_95"),
    columns(
        "ks4.basics5",
        Disadvantaged,
        "TFSM6CLA1A",
        "PTFSM6CLA1ABASICS_95",
    ),
    columns(
        "ks4.basics5",
        NotDisadvantaged,
        "TNOTFSM6CLA1A",
        "PTNOTFSM6CLA1ABASICS_95",
    ),
    Columns {
        band: Some("P8_BANDING"),
        ..progress("ks4.p8", All, "P8PUP", "P8MEA", "P8CILOW", "P8CIUPP")
    },
    progress(
        "ks4.p8",
        Disadvantaged,
        "P8PUP_FSM6CLA1A",
        "P8MEA_FSM6CLA1A",
        "P8CILOW_FSM6CLA1A",
        "P8CIUPP_FSM6CLA1A",
    ),
    progress(
        "ks4.p8",
        NotDisadvantaged,
        "P8PUP_NFSM6CLA1A",
        "P8MEA_NFSM6CLA1A",
        "P8CILOW_NFSM6CLA1A",
        "P8CIUPP_NFSM6CLA1A",
    ),
];

/// Independent schools' `NFTYPE`s: DfE's LA and England rows leave them out.
const INDEPENDENT: [&str; 3] = ["IND", "INDSPEC", "NMSS"];

/// The academic year a DfE file name carries: `2018-2019_850_ks2final.csv`
/// is 2019.
pub fn year_from_file_name(name: &str) -> Option<u16> {
    let number = |digits: &[u8]| -> Option<u16> {
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0u16, |n, d| n * 10 + (d - b'0') as u16))
    };
    name.as_bytes().windows(9).find_map(|window| {
        if window[4] != b'-' {
            return None;
        }
        let (first, second) = (number(&window[..4])?, number(&window[5..])?);
        (second == first + 1 && crate::geography::YEARS.contains(&second)).then_some(second)
    })
}

/// The school names (`SCHNAME`) of a performance table, by URN: for
/// categorisation and the report, which name each school they judge.
pub fn school_names(path: impl AsRef<std::path::Path>) -> Result<Vec<(u32, String)>> {
    let (file, source) = crate::tables::open(path.as_ref())?;
    let sheet = Sheet::read(file, &source)?;
    let (Some(urn_at), Some(name_at), Some(rectype_at)) = (
        sheet.find("URN"),
        sheet.find("SCHNAME"),
        sheet.find("RECTYPE"),
    ) else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    for (row, record) in &sheet.records {
        if !matches!(Sheet::field(record, rectype_at).trim(), "1" | "2") {
            continue;
        }
        let urn = parse_urn(Sheet::field(record, urn_at), &source, *row, "URN")?;
        let name = Sheet::field(record, name_at).trim();
        if !name.is_empty() {
            names.push((urn, name.to_owned()));
        }
    }
    Ok(names)
}

enum Row {
    School,
    La,
    England,
    Skipped,
}

pub(super) fn read(
    sheet: &Sheet,
    file_name: Option<&str>,
    year: Option<u16>,
    figures: &mut Vec<Figure>,
    notes: &mut Vec<String>,
) -> Result<()> {
    let source = &*sheet.source;
    let phase = if sheet.find("TELIG").is_some() || sheet.find("PTRWM_EXP").is_some() {
        Phase::Ks2
    } else if sheet.find("TPUP").is_some() || sheet.find("ATT8SCR").is_some() {
        Phase::Ks4
    } else {
        return Err(Error::invalid(
            source,
            Some(1),
            None,
            None,
            "a KS2 performance table (TELIG, PTRWM_EXP columns) or a KS4 one (TPUP, ATT8SCR columns)",
        ));
    };
    let from_name = file_name.and_then(year_from_file_name);
    let year = match (year, from_name) {
        (Some(given), Some(named)) if given != named => {
            return Err(Error::Usage(format!(
                "{source}: the file name says the academic year ending {named}, but the year given is {given}"
            )))
        }
        (Some(year), _) | (None, Some(year)) => year,
        (None, None) => {
            return Err(Error::Usage(format!(
                "{source}: a performance table does not say its year, and the file name does not either (DfE names them 2018-2019_…): give the year (--year 2019 for 2018/19)"
            )))
        }
    };
    let rectype_at = sheet.require("RECTYPE", "a school performance table")?;
    let lea_at = sheet.require("LEA", "a school performance table")?;
    let urn_at = sheet.require("URN", "a school performance table")?;
    let nftype_at = sheet.find("NFTYPE");
    if nftype_at.is_none() {
        notes.push("no NFTYPE column: independent schools cannot be told apart, so every school counts towards its LA".into());
    }

    let wanted: &[Columns] = match phase {
        Phase::Ks2 => &KS2,
        _ => &KS4,
    };
    // Each measure and population the file has columns for.
    let mut present = Vec::new();
    let mut not_published_noted = false;
    for columns in wanted {
        let measure = Measure::named(columns.measure).expect("catalogued measure");
        // Years DfE published no progress: say why, once, whatever the
        // columns hold (placeholders such as NP).
        if let Some(why) = crate::progress::not_published(measure, year) {
            if !not_published_noted {
                notes.push(format!("{}: {why}", measure.name));
                not_published_noted = true;
            }
            continue;
        }
        match (sheet.find(columns.count), sheet.find(columns.value)) {
            (Some(count), Some(value)) => present.push((
                columns,
                measure,
                count,
                value,
                columns.total.and_then(|t| sheet.find(t)),
                columns
                    .interval
                    .and_then(|(low, high)| Some((sheet.find(low)?, sheet.find(high)?))),
                columns.band.and_then(|band| sheet.find(band)),
            )),
            (_, value) => notes.push(format!(
                "no {} column: {} for {} pupils not given",
                if value.is_none() {
                    columns.value
                } else {
                    columns.count
                },
                measure.name,
                columns.population
            )),
        }
    }
    if phase == Phase::Ks2 && present.iter().any(|(_, measure, ..)| measure.is_progress()) {
        notes.push(format!(
            "KS2 {year} progress: the tables give no count of pupils with a progress score, so LA and alliance rows weight schools by their eligible pupils (TELIG, TFSM6CLA1A, TNOTFSM6CLA1A) and n_member is that count"
        ));
    }
    notes.push(format!(
        "{phase} {year}: groups all and disadvantaged only (performance tables publish no FSM, SEN or looked-after breakdown of a measure)"
    ));

    let mut skipped = 0usize;
    for (row, record) in &sheet.records {
        let row = *row;
        let rectype = Sheet::field(record, rectype_at).trim();
        let kind = match (phase, rectype) {
            (_, "1" | "2") => Row::School,
            (Phase::Ks2, "3") | (Phase::Ks4, "4") => Row::La,
            (Phase::Ks2, "5") | (Phase::Ks4, "7") => Row::England,
            (Phase::Ks2, "4") | (Phase::Ks4, "5") => Row::Skipped,
            _ => {
                return Err(Error::invalid(
                    source,
                    Some(row),
                    Some("RECTYPE"),
                    Some(rectype),
                    match phase {
                        Phase::Ks2 => {
                            "a KS2 record type: 1 or 2 (school), 3 (LA), 4 or 5 (England)"
                        }
                        _ => "a KS4 record type: 1 or 2 (school), 4 (LA), 5 or 7 (England)",
                    },
                ))
            }
        };
        let la_code = || parse_la_code(Sheet::field(record, lea_at), source, row, "LEA");
        let area = match kind {
            Row::Skipped => {
                skipped += 1;
                continue;
            }
            Row::England => Area::England,
            Row::La => Area::La(la_code()?),
            Row::School => {
                let urn = parse_urn(Sheet::field(record, urn_at), source, row, "URN")?;
                let nftype = nftype_at.map_or("", |at| Sheet::field(record, at).trim());
                Area::School(School {
                    urn,
                    la_code: la_code()?,
                    state_funded: !INDEPENDENT.contains(&nftype),
                })
            }
        };
        // A group's pupils counted in a measure are some of the school's
        // counted in it: more would be a shifted or mislabelled column, and
        // every pooled figure wrong.
        let mut counts: Vec<(&str, Population, usize, u64)> = Vec::new();
        for &(columns, _, count_at, ..) in &present {
            if let Ok(n) = sheet.count(row, record, count_at)? {
                counts.push((columns.measure, columns.population, count_at, n));
            }
        }
        for &(measure, population, at, n) in &counts {
            let all = counts
                .iter()
                .find(|&&(m, p, ..)| m == measure && p == All && population != All);
            if let Some(&(_, _, all_at, all)) = all.filter(|all| n > all.3) {
                return Err(Error::invalid(
                    source,
                    Some(row),
                    Some(&sheet.header[at]),
                    Some(Sheet::field(record, at)),
                    format!(
                        "a count of a group's pupils no larger than the row's {} ({all})",
                        sheet.header[all_at]
                    ),
                ));
            }
        }
        for &(columns, measure, count_at, value_at, total_at, interval_at, band_at) in &present {
            let count = sheet.count(row, record, count_at)?;
            let value = sheet.value(row, record, value_at, measure)?;
            let total = match total_at {
                Some(at) => match sheet.cell(row, record, at)? {
                    super::Cell::Number(t) if t >= 0.0 => Some(t),
                    _ => None,
                },
                None => None,
            };
            let bound = |at: usize| match sheet.cell(row, record, at) {
                Ok(super::Cell::Number(bound)) => Ok(Some(bound)),
                Ok(_) => Ok(None),
                Err(error) => Err(error),
            };
            // DfE fills some rows' bounds with 0, 0 (England's): an
            // interval that does not hold its value is no interval.
            let interval = match (interval_at, &value) {
                (Some((low, high)), Ok(v)) => bound(low)?
                    .zip(bound(high)?)
                    .filter(|&(low, high)| low < high && low <= *v && *v <= high),
                _ => None,
            };
            let band_cell = band_at
                .filter(|_| value.is_ok())
                .map(|at| Sheet::field(record, at));
            let band = band_cell.and_then(crate::progress::Band::parse);
            figures.push(Figure {
                year,
                measure,
                population: columns.population,
                area,
                n: count.ok(),
                value: value.ok(),
                numerator: total.filter(|_| value.is_ok()),
                missing: value.err(),
                count_rounded: false,
                interval,
                band,
                band_withheld: band_cell.is_some() && band.is_none(),
                file: 0,
                row,
            });
        }
    }
    if skipped > 0 {
        notes.push(format!(
            "{skipped} England (all schools) row(s) not read: the state-funded England row is the national comparator, as in DfE's headline figures"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_come_from_dfe_file_names() {
        assert_eq!(
            year_from_file_name("2018-2019_850_ks2final.csv"),
            Some(2019)
        );
        assert_eq!(
            year_from_file_name("england_2016-2017_ks4final.csv"),
            Some(2017)
        );
        assert_eq!(year_from_file_name("england_ks4provisional.csv"), None);
        assert_eq!(year_from_file_name("2018-2020_x.csv"), None);
    }
}
