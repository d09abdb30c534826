//! Targets for schools and alliances, judged against the gap table.
//!
//! A targets file has the columns `unit, measure, group, year, target` and,
//! optionally, `level` (`school`, `alliance` or `la`; without it the unit
//! is looked up at those levels in that order, and a unit found at more
//! than one level is refused). Each target is:
//!
//! * `met`: the value is at or beyond the target (above it for a measure
//!   where higher is better) and the target lies outside the 95% interval;
//! * `not_met`: short of the target, which lies outside the interval;
//! * `too_close_to_call`: the target lies inside the 95% interval (its ends
//!   included), so the data cannot tell;
//! * `not_judged`: no value for the unit, measure, group and year (withheld
//!   for too few pupils, or not in the data), with the reason.

use std::io::Read;
use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::geography::Level;
use crate::groups::Group;
use crate::measures::{Better, Measure};
use crate::schema::GapRows;
use crate::tables;

/// One target of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub level: Option<Level>,
    pub unit: String,
    pub measure: &'static Measure,
    pub group: Group,
    pub year: u16,
    pub target: f64,
    /// The file's row, for messages.
    pub row: u64,
}

/// A target's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Met,
    NotMet,
    TooCloseToCall,
    NotJudged,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not_met",
            Status::TooCloseToCall => "too_close_to_call",
            Status::NotJudged => "not_judged",
        }
    }

    /// The verdict on a value and its interval against a target.
    pub fn of(value: f64, low: f64, high: f64, target: f64, better: Better) -> Status {
        if (low..=high).contains(&target) {
            Status::TooCloseToCall
        } else {
            let beyond = match better {
                Better::Higher => value >= target,
                Better::Lower => value <= target,
            };
            if beyond {
                Status::Met
            } else {
                Status::NotMet
            }
        }
    }
}

/// Reads a targets file.
pub fn read(path: impl AsRef<Path>) -> Result<Vec<Target>> {
    let (file, source) = tables::open(path.as_ref())?;
    read_from(file, &source)
}

/// Reads a targets table (CSV) from any reader.
pub fn read_from(reader: impl Read, source: &str) -> Result<Vec<Target>> {
    let mut table = tables::read(reader, source)?;
    let what = "a targets table (unit, measure, group, year, target[, level])";
    let unit_at = table.require("unit", what)?;
    let measure_at = table.require("measure", what)?;
    let group_at = table.require("group", what)?;
    let year_at = table.require("year", what)?;
    let target_at = table.require("target", what)?;
    let level_at = table.find("level");
    let mut targets = Vec::new();
    let mut row = 1u64;
    while let Some(record) = table.next_row(false) {
        let record = record?;
        row += 1;
        let field = |at: usize| record.get(at).unwrap_or("").trim();
        let invalid = |column: &str, at: usize, expected: String| {
            Error::invalid(source, Some(row), Some(column), Some(field(at)), expected)
        };
        let measure = Measure::named(field(measure_at)).ok_or_else(|| {
            let names: Vec<&str> = crate::MEASURES.iter().map(|m| m.name).collect();
            invalid(
                "measure",
                measure_at,
                format!("a measure: {}", names.join(", ")),
            )
        })?;
        let group = Group::ALL
            .into_iter()
            .find(|g| g.name() == field(group_at))
            .ok_or_else(|| {
                let names: Vec<&str> = Group::ALL.iter().map(|g| g.name()).collect();
                invalid("group", group_at, format!("a group: {}", names.join(", ")))
            })?;
        let year = crate::geography::parse_year(field(year_at), source, row, "year")?;
        let target: f64 = field(target_at)
            .parse()
            .ok()
            .filter(|t: &f64| t.is_finite())
            .ok_or_else(|| {
                invalid(
                    "target",
                    target_at,
                    "a number, in the measure's units (percent for a rate)".into(),
                )
            })?;
        if measure.kind() == crate::MeasureKind::Rate && !(0.0..=100.0).contains(&target) {
            return Err(invalid(
                "target",
                target_at,
                format!("a percentage from 0 to 100 for {}", measure.name),
            ));
        }
        let level = match level_at.map(field) {
            None | Some("") => None,
            Some(text) => Some(match text {
                "school" => Level::School,
                "alliance" => Level::Alliance,
                "la" => Level::La,
                _ => {
                    return Err(invalid(
                        "level",
                        level_at.unwrap(),
                        "school, alliance or la".into(),
                    ))
                }
            }),
        };
        let unit = field(unit_at);
        if unit.is_empty() {
            return Err(invalid(
                "unit",
                unit_at,
                "a URN, a grouping's id or an LA code".into(),
            ));
        }
        targets.push(Target {
            level,
            unit: unit.to_owned(),
            measure,
            group,
            year,
            target,
            row,
        });
    }
    if targets.is_empty() {
        return Err(Error::invalid(
            source,
            None,
            None,
            None,
            format!("{what}, with at least one target"),
        ));
    }
    Ok(targets)
}

/// The targets table's columns, in order.
pub const TARGET_COLUMNS: [&str; 12] = [
    "level",
    "unit",
    "measure",
    "group",
    "year",
    "target",
    "n_member",
    "value_member",
    "ci_low",
    "ci_high",
    "status",
    "reason",
];

/// Judges every target against a gap table.
pub fn judge(targets: &[Target], gaps: &DataFrame, source: &str) -> Result<DataFrame> {
    let rows = GapRows::from_frame(gaps)?;
    let levels = [Level::School, Level::Alliance, Level::La];
    let find = |level: Level, t: &Target| {
        (0..rows.len()).find(|&i| {
            rows.level[i] == level
                && rows.unit[i] == t.unit
                && rows.measure[i] == t.measure.name
                && rows.group[i] == t.group
                && rows.year[i] == t.year
        })
    };
    let (mut level_col, mut unit, mut measure, mut group, mut year, mut target) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut n, mut value, mut low, mut high, mut status, mut reason) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for t in targets {
        let found: Vec<(Level, usize)> = match t.level {
            Some(level) => find(level, t).map(|i| (level, i)).into_iter().collect(),
            None => levels
                .iter()
                .filter_map(|&l| find(l, t).map(|i| (l, i)))
                .collect(),
        };
        if found.len() > 1 {
            return Err(Error::invalid(
                source,
                Some(t.row),
                Some("unit"),
                Some(&t.unit),
                format!(
                    "a unit at one level: {} is a {}; add a level column to say which",
                    t.unit,
                    found
                        .iter()
                        .map(|(l, _)| l.name())
                        .collect::<Vec<_>>()
                        .join(" and a ")
                ),
            ));
        }
        let hit = found.first().copied();
        level_col.push(hit.map(|(l, _)| l.name()).or(t.level.map(Level::name)));
        unit.push(t.unit.clone());
        measure.push(t.measure.name);
        group.push(t.group.name());
        year.push(t.year as i32);
        target.push(t.target);
        let i = hit.map(|(_, i)| i);
        n.push(i.and_then(|i| rows.n_member[i]).map(|n| n as i64));
        let v = i.and_then(|i| rows.value_member[i]);
        let (l, h) = (
            i.and_then(|i| rows.ci_low[i]),
            i.and_then(|i| rows.ci_high[i]),
        );
        value.push(v);
        low.push(l);
        high.push(h);
        let (s, why) = match (i, v, l, h) {
            (None, ..) => (
                Status::NotJudged,
                Some(format!(
                    "{} {} {} {}: not in the data",
                    t.unit,
                    t.measure.name,
                    t.group.name(),
                    t.year
                )),
            ),
            (Some(i), None, ..) => (
                Status::NotJudged,
                Some(if rows.suppressed[i] {
                    match rows.n_member[i] {
                        Some(n) => format!("withheld: fewer pupils than the minimum cohort ({n})"),
                        None => "withheld to protect a small group (too few pupils, or so that another withheld figure cannot be worked out from it)".to_owned(),
                    }
                } else {
                    "no value".to_owned()
                }),
            ),
            (Some(_), Some(_), None, _) | (Some(_), Some(_), _, None) => (
                Status::NotJudged,
                Some("no interval (too few pupils with a value)".to_owned()),
            ),
            (Some(_), Some(v), Some(l), Some(h)) => {
                (Status::of(v, l, h, t.target, t.measure.better), None)
            }
        };
        status.push(s.name());
        reason.push(why);
    }
    let columns = vec![
        Column::new("level".into(), level_col),
        Column::new("unit".into(), unit),
        Column::new("measure".into(), measure),
        Column::new("group".into(), group),
        Column::new("year".into(), year),
        Column::new("target".into(), target),
        Column::new("n_member".into(), n),
        Column::new("value_member".into(), value),
        Column::new("ci_low".into(), low),
        Column::new("ci_high".into(), high),
        Column::new("status".into(), status),
        Column::new("reason".into(), reason),
    ];
    DataFrame::new(targets.len(), columns).map_err(|e| Error::table("targets", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_at_the_interval_edges_are_too_close_to_call() {
        let higher = Better::Higher;
        assert_eq!(
            Status::of(60.0, 55.0, 65.0, 65.0, higher),
            Status::TooCloseToCall
        );
        assert_eq!(
            Status::of(60.0, 55.0, 65.0, 55.0, higher),
            Status::TooCloseToCall
        );
        assert_eq!(Status::of(60.0, 55.0, 65.0, 65.01, higher), Status::NotMet);
        assert_eq!(Status::of(60.0, 55.0, 65.0, 54.99, higher), Status::Met);
        assert_eq!(
            Status::of(60.0, 55.0, 65.0, 54.99, Better::Lower),
            Status::NotMet
        );
    }

    #[test]
    fn a_bad_target_names_its_row_and_column() {
        let text = "unit,measure,group,year,target\n117597,ks2.rwm_exp,all,2024,70\n117597,ks2.rwm_exp,all,2024,170\n";
        let error = read_from(text.as_bytes(), "targets.csv").unwrap_err();
        assert_eq!(
            error.to_string(),
            "targets.csv, row 3, column `target`: found \"170\", expected a percentage from 0 to 100 for ks2.rwm_exp"
        );
        let text = "unit,measure,group,year,target\n117597,ks2.rwm,all,2024,70\n";
        let error = read_from(text.as_bytes(), "targets.csv").unwrap_err();
        assert!(
            error.to_string().contains("row 2, column `measure`"),
            "{error}"
        );
    }
}
