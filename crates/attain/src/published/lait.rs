//! The LA Interactive Tool's attainment table, long format:
//! `measure_code, year, la_number, area_name, value`.
//!
//! `la_number` `970` is England, `980`–`990` the regions (see
//! [`super::REGIONS`]), anything else an LA; an LA's region comes from
//! LAIT's own area list, shipped in `datasets/dfe/lait_areas.csv`. `year`
//! is the year the academic year ends (`2025 (prov)` is read as 2025).
//! Values are percentages or means with no counts, so LAIT figures carry no
//! `n`: they are shown as published, without intervals, and cannot be
//! pooled. The only missing-value code is `-`.
//!
//! Measure codes Attain reads are in [`CODES`]; the other LAIT codes
//! (absence, exclusions, progress, …) are counted and noted. Attainment 8
//! for 2016 is on the pre-2017 point scale and is left out.

use rustc_hash::FxHashMap;

use super::{Area, Figure, Region, Sheet};
use crate::error::{Error, Result};
use crate::groups::Population::{self, *};
use crate::measures::Measure;

/// LAIT measure codes, the Attain measure and population each gives.
pub const CODES: [(&str, &str, Population); 38] = [
    ("FSP_NEW_GOODDEV", "eyfs.gld", All),
    ("FSP_Gooddev_FSM", "eyfs.gld", Fsm),
    ("FSP_Gooddev_FSM_Other", "eyfs.gld", NotFsm),
    ("FSP_Gooddev_Without_SENSTATE", "eyfs.gld", SenSupport),
    ("FSP_Gooddev_With_SENSTATE", "eyfs.gld", Ehcp),
    ("LAC_Good_Develop", "eyfs.gld", Cla),
    ("KS1P_all", "phonics.met", All),
    ("KS1P_FSM", "phonics.met", Fsm),
    ("KS1P_SEND", "phonics.met", SenSupport),
    ("KS1P_EHCP", "phonics.met", Ehcp),
    ("KS1P_NonSEND", "phonics.met", NoSen),
    ("KS1R_Expected_STD", "ks1.read_exp", All),
    ("KS1W_Expected _STD", "ks1.writ_exp", All),
    ("KS1M_Expected _STD", "ks1.mat_exp", All),
    ("KS2RWM_Expected_STD", "ks2.rwm_exp", All),
    ("DAP_NEW_KS2_RWM", "ks2.rwm_exp", Disadvantaged),
    ("NonDAP_NEW_KS2_RWM", "ks2.rwm_exp", NotDisadvantaged),
    ("FSM_NEW_KS2_RWM", "ks2.rwm_exp", Fsm),
    ("NonFSM_NEW_KS2_RWM", "ks2.rwm_exp", NotFsm),
    ("NEW_KS2_RWM_Sen_W/Osta", "ks2.rwm_exp", SenSupport),
    ("NEW_KS2_RWM_Sen_Withsta", "ks2.rwm_exp", Ehcp),
    ("NoID_SEN_NEW_KS2_RWM", "ks2.rwm_exp", NoSen),
    ("LAC_KS2_ExpStd_RWM", "ks2.rwm_exp", Cla),
    ("KS2RWM_Higher_STD", "ks2.rwm_high", All),
    ("KS2R_AVG_Scaled_Score", "ks2.read_avg", All),
    ("KS2M_AVG_Scaled_Score", "ks2.mat_avg", All),
    ("AVG_Attain8_Score", "ks4.att8", All),
    ("DAP_KS4_ATT8", "ks4.att8", Disadvantaged),
    ("NonDAP_KS4_ATT8", "ks4.att8", NotDisadvantaged),
    ("FSM_AVG_Attain8_Score", "ks4.att8", Fsm),
    ("NonFSM_AVG_Attain8_Score", "ks4.att8", NotFsm),
    ("SEN_WoStat_AVG_Attain8_Score", "ks4.att8", SenSupport),
    ("SEN_Stat_AVG_Attain8_Score", "ks4.att8", Ehcp),
    ("SEN_NoID_AVG_Attain8_Score", "ks4.att8", NoSen),
    ("LAC_KS4_AVG_Attain8", "ks4.att8", Cla),
    ("EngMaths9-4", "ks4.basics4", All),
    ("LAC_EngMaths9-4", "ks4.basics4", Cla),
    ("EngMaths9-5", "ks4.basics5", All),
];

/// LAIT's area list (`la_number, area_name, region`), shipped with Attain.
const AREAS: &str = include_str!("../../../../datasets/dfe/lait_areas.csv");

/// The region of every LA in LAIT's area list.
pub fn la_regions() -> Result<FxHashMap<u16, Region>> {
    let source = "datasets/dfe/lait_areas.csv";
    let sheet = Sheet::read(AREAS.as_bytes(), source)?;
    let (la_at, region_at) = (
        sheet.require("la_number", "LAIT's area list")?,
        sheet.require("region", "LAIT's area list")?,
    );
    let mut regions = FxHashMap::default();
    for (row, record) in &sheet.records {
        let region = Sheet::field(record, region_at);
        if region == "NA" {
            continue; // England and the regions themselves
        }
        let la = Sheet::field(record, la_at);
        match (la.trim().parse::<u16>(), Region::from_name(region)) {
            (Ok(la), Some(region)) => {
                regions.insert(la, region);
            }
            _ => {
                return Err(Error::invalid(
                    source,
                    Some(*row),
                    Some("region"),
                    Some(region),
                    "an LA number and an English region's name",
                ))
            }
        }
    }
    Ok(regions)
}

pub(super) fn read(
    sheet: &Sheet,
    figures: &mut Vec<Figure>,
    la_regions: &mut FxHashMap<u16, Region>,
    notes: &mut Vec<String>,
) -> Result<()> {
    let source = &*sheet.source;
    let what = "a LAIT attainment table";
    let code_at = sheet.require("measure_code", what)?;
    let year_at = sheet.require("year", what)?;
    let la_at = sheet.require("la_number", what)?;
    let value_at = sheet.require("value", what)?;
    let known: FxHashMap<&str, (&'static Measure, Population)> = CODES
        .iter()
        .map(|&(code, measure, population)| {
            (
                code,
                (
                    Measure::named(measure).expect("catalogued measure"),
                    population,
                ),
            )
        })
        .collect();
    let regions = self::la_regions();
    let mut other_codes: FxHashMap<String, usize> = FxHashMap::default();
    let mut old_scale = 0usize;
    let mut las = Vec::new();
    for (row, record) in &sheet.records {
        let row = *row;
        let code = Sheet::field(record, code_at);
        let Some(&(measure, population)) = known.get(code) else {
            *other_codes.entry(code.to_owned()).or_default() += 1;
            continue;
        };
        let text = Sheet::field(record, year_at);
        let year = text
            .trim()
            .strip_suffix("(prov)")
            .unwrap_or(text)
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|y| crate::geography::YEARS.contains(y))
            .ok_or_else(|| {
                Error::invalid(
                    source,
                    Some(row),
                    Some("year"),
                    Some(text),
                    "the year the academic year ends, e.g. 2019 or 2025 (prov)",
                )
            })?;
        if measure.name == "ks4.att8" && year <= 2016 {
            old_scale += 1;
            continue;
        }
        let text = Sheet::field(record, la_at);
        let number = text.trim().parse::<u16>().ok().ok_or_else(|| {
            Error::invalid(
                source,
                Some(row),
                Some("la_number"),
                Some(text),
                "an LA number (970 England, 980-990 regions)",
            )
        })?;
        let area = match number {
            970 => Area::England,
            980..=990 => Area::Region(Region::from_lait_number(number).expect("980-990")),
            100..=979 => {
                las.push(number);
                Area::La(number)
            }
            _ => {
                return Err(Error::invalid(
                    source,
                    Some(row),
                    Some("la_number"),
                    Some(text),
                    "an LA number (970 England, 980-990 regions)",
                ))
            }
        };
        let value = sheet.value(row, record, value_at, measure)?;
        figures.push(Figure {
            year,
            measure,
            population,
            area,
            n: None,
            value: value.ok(),
            numerator: None,
            missing: value.err(),
            count_rounded: false,
            interval: None,
            band: None,
            band_withheld: false,
            file: 0,
            row,
        });
    }
    let regions = regions?;
    las.sort_unstable();
    las.dedup();
    for la in las {
        if let Some(region) = regions.get(&la) {
            la_regions.insert(la, *region);
        }
    }
    if old_scale > 0 {
        notes.push(format!(
            "{old_scale} Attainment 8 figures for 2016 left out: they are on the pre-2017 point scale"
        ));
    }
    if !other_codes.is_empty() {
        let rows: usize = other_codes.values().sum();
        notes.push(format!(
            "{} LAIT measure codes ({rows} rows) are not Attain measures and were left out",
            other_codes.len()
        ));
    }
    notes.push(
        "LAIT publishes values without counts: its figures have no intervals and cannot be pooled"
            .into(),
    );
    Ok(())
}
