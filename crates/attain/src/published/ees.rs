//! Explore Education Statistics (EES) tidy CSVs: one row per year, area and
//! group, `t_*` counts and `pt_*` values, and EES's symbols (`c`
//! suppressed, `x` not available, `z` not applicable, `k` and `low` round
//! to zero).
//!
//! Rows: `geographic_level` `National` (England), `Regional` (by
//! `region_code`) and `Local authority` (by `old_la_code`, with its
//! `region_code` remembered as the LA's region); other levels (LA
//! districts, which carry their county's LA code, parliamentary
//! constituencies) are left out and noted. `time_period` `201819` is 2019.
//!
//! Measures are found by their columns ([`MEASURES`]); the group by one of
//! the group columns below. A file with neither group column is all pupils.
//!
//! | column(s) | value | Attain population |
//! |---|---|---|
//! | `social_care_group` | `CLA 12 months at 31 March` | `cla` |
//! | `characteristic` / `characteristic_type` (EYFSP names them swapped) | `Total` / `Total` | `all` |
//! | | `Free school meal eligibility` / `Known to be eligible for free school meals` | `fsm` |
//! | | `Free school meal eligibility` / `Not known to be eligible for free school meals` | `not_fsm` |
//! | | `SEN provision` / `SEN support`, `EHC plan`, `All SEN`, `No identified SEN` | `sen_support`, `ehcp`, `sen_any`, `no_sen` |
//!
//! Other groups (children in need `CINO`, on a protection plan `CPPO`,
//! ethnicity, first language, term of birth) have no Attain population and
//! are left out and noted; a `gender` column is read at `Total` only. The
//! children-in-need release rounds national and regional counts to the
//! nearest 10, so their figures are marked `count_rounded`.

use rustc_hash::{FxHashMap, FxHashSet};

use super::{Area, Figure, Region, Sheet};
use crate::error::{Error, Result};
use crate::groups::Population;
use crate::measures::Measure;

/// The columns of one measure in an EES file.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    pub measure: &'static str,
    /// Pupils in the cohort.
    pub count: &'static str,
    /// Pupils meeting a rate, or the total of a mean's scores.
    pub numerator: &'static str,
    pub value: &'static str,
}

pub const MEASURES: [Columns; 5] = [
    Columns {
        measure: "eyfs.gld",
        count: "children_number",
        numerator: "gld_number",
        value: "gld_percentage",
    },
    Columns {
        measure: "ks2.rwm_exp",
        count: "t_rwm_eligible_pupils",
        numerator: "t_rwm_met_expected_standard",
        value: "pt_rwm_met_expected_standard",
    },
    Columns {
        measure: "ks4.att8",
        count: "t_pupils",
        numerator: "t_att8",
        value: "avg_att8",
    },
    Columns {
        measure: "ks4.basics4",
        count: "t_pupils",
        numerator: "t_l2basics_94",
        value: "pt_l2basics_94",
    },
    Columns {
        measure: "ks4.basics5",
        count: "t_pupils",
        numerator: "t_l2basics_95",
        value: "pt_l2basics_95",
    },
];

/// `(characteristic, characteristic_type)` pairs and their populations.
const CHARACTERISTICS: [(&str, &str, Population); 7] = [
    ("Total", "Total", Population::All),
    (
        "Free school meal eligibility",
        "Known to be eligible for free school meals",
        Population::Fsm,
    ),
    (
        "Free school meal eligibility",
        "Not known to be eligible for free school meals",
        Population::NotFsm,
    ),
    ("SEN provision", "SEN support", Population::SenSupport),
    ("SEN provision", "EHC plan", Population::Ehcp),
    ("SEN provision", "All SEN", Population::SenAny),
    ("SEN provision", "No identified SEN", Population::NoSen),
];

const SOCIAL_CARE_GROUPS: [(&str, Population); 1] =
    [("CLA 12 months at 31 March", Population::Cla)];

/// `201819` → 2019.
fn year_of(period: &str) -> Option<u16> {
    let period = period.trim();
    if period.len() != 6 || !period.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let first: u16 = period[..4].parse().ok()?;
    let second: u16 = period[4..].parse().ok()?;
    ((first + 1) % 100 == second && crate::geography::YEARS.contains(&(first + 1)))
        .then_some(first + 1)
}

pub(super) fn read(
    sheet: &Sheet,
    figures: &mut Vec<Figure>,
    la_regions: &mut FxHashMap<u16, Region>,
    notes: &mut Vec<String>,
) -> Result<()> {
    let source = &*sheet.source;
    let what = "an Explore Education Statistics table";
    let period_at = sheet.require("time_period", what)?;
    let level_at = sheet.require("geographic_level", what)?;
    let present: Vec<(&'static Measure, usize, Option<usize>, usize)> = MEASURES
        .iter()
        .filter_map(|columns| {
            let value = sheet.find(columns.value)?;
            Some((
                Measure::named(columns.measure).expect("catalogued measure"),
                sheet.find(columns.count)?,
                sheet.find(columns.numerator),
                value,
            ))
        })
        .collect();
    if present.is_empty() {
        let known: Vec<String> = MEASURES
            .iter()
            .map(|c| format!("{} ({}, {})", c.measure, c.count, c.value))
            .collect();
        return Err(Error::invalid(
            source,
            Some(1),
            None,
            None,
            format!(
                "columns of at least one measure Attain reads: {}",
                known.join("; ")
            ),
        ));
    }
    let social_care_at = sheet.find("social_care_group");
    let characteristic_at = sheet
        .find("characteristic")
        .zip(sheet.find("characteristic_type"));
    let gender_at = sheet.find("gender");
    let region_at = sheet.find("region_code");
    let la_at = sheet.find("old_la_code");
    let counts_rounded_above_la = social_care_at.is_some();

    let mut skipped_levels: FxHashMap<String, usize> = FxHashMap::default();
    let mut skipped_groups: FxHashSet<String> = FxHashSet::default();
    let mut skipped_gender = 0usize;
    for (row, record) in &sheet.records {
        let row = *row;
        let field = |at: usize| Sheet::field(record, at);
        let population = if let Some(at) = social_care_at {
            let group = field(at).trim();
            match SOCIAL_CARE_GROUPS.iter().find(|(name, _)| *name == group) {
                Some((_, population)) => *population,
                None => {
                    skipped_groups.insert(format!("social_care_group {group:?}"));
                    continue;
                }
            }
        } else if let Some((topic_at, group_at)) = characteristic_at {
            let (topic, group) = (field(topic_at).trim(), field(group_at).trim());
            match CHARACTERISTICS
                .iter()
                .find(|(t, g, _)| *t == topic && *g == group)
            {
                Some((_, _, population)) => *population,
                None => {
                    skipped_groups.insert(format!("{topic} / {group}"));
                    continue;
                }
            }
        } else {
            Population::All
        };
        if let Some(at) = gender_at {
            if !field(at).trim().eq_ignore_ascii_case("Total") {
                skipped_gender += 1;
                continue;
            }
        }
        let level = field(level_at).trim();
        let region = |column: Option<usize>| -> Result<Region> {
            let text = column.map_or("", |at| field(at));
            Region::from_code(text).ok_or_else(|| {
                Error::invalid(
                    source,
                    Some(row),
                    Some("region_code"),
                    Some(text),
                    "an English region's ONS code (E12000001 to E12000009, or E13000001/E13000002 for Inner/Outer London)",
                )
            })
        };
        let area = match level {
            "National" => Area::England,
            "Regional" => Area::Region(region(region_at)?),
            "Local authority" => {
                let text = la_at.map_or("", |at| field(at));
                let code = crate::geography::parse_la_code(text, source, row, "old_la_code")?;
                if let Ok(region) = region(region_at) {
                    la_regions.insert(code, region);
                }
                Area::La(code)
            }
            other => {
                *skipped_levels.entry(other.to_owned()).or_default() += 1;
                continue;
            }
        };
        let text = field(period_at);
        let year = year_of(text).ok_or_else(|| {
            Error::invalid(
                source,
                Some(row),
                Some("time_period"),
                Some(text),
                "an academic year as six digits, e.g. 201819 for 2018/19, ending from 1990 to 2100",
            )
        })?;
        for &(measure, count_at, numerator_at, value_at) in &present {
            let count = sheet.count(row, record, count_at)?;
            let value = sheet.value(row, record, value_at, measure)?;
            let numerator = match numerator_at {
                Some(at) => match sheet.cell(row, record, at)? {
                    super::Cell::Number(v) if v >= 0.0 => Some(v),
                    _ => None,
                },
                None => None,
            };
            if let (Ok(n), Some(met), crate::measures::MeasureKind::Rate) =
                (count, numerator, measure.kind())
            {
                if met > n as f64 {
                    let at = numerator_at.expect("a numerator was read");
                    return Err(Error::invalid(
                        source,
                        Some(row),
                        Some(&sheet.header[at]),
                        Some(Sheet::field(record, at)),
                        format!("at most the {n} pupils in {}", sheet.header[count_at]),
                    ));
                }
            }
            figures.push(Figure {
                year,
                measure,
                population,
                area,
                n: count.ok(),
                value: value.ok(),
                numerator: numerator.filter(|_| value.is_ok()),
                missing: value.err(),
                count_rounded: counts_rounded_above_la && !matches!(area, Area::La(_)),
                interval: None,
                band: None,
                band_withheld: false,
                file: 0,
                row,
            });
        }
    }
    let mut levels: Vec<_> = skipped_levels.into_iter().collect();
    levels.sort();
    for (level, rows) in levels {
        notes.push(format!(
            "{rows} rows at geographic level {level:?} left out"
        ));
    }
    let mut groups: Vec<_> = skipped_groups.into_iter().collect();
    groups.sort();
    if !groups.is_empty() {
        notes.push(format!(
            "groups with no Attain population left out: {}",
            groups.join(", ")
        ));
    }
    if skipped_gender > 0 {
        notes.push(format!(
            "{skipped_gender} rows for girls or boys left out (gender Total is read)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn academic_years() {
        assert_eq!(super::year_of("201819"), Some(2019));
        assert_eq!(super::year_of("199900"), Some(2000));
        assert_eq!(super::year_of("2019"), None);
        assert_eq!(super::year_of("201820"), None);
    }
}
