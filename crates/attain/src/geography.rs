//! Where figures are about: England, its regions, LAs, schools and
//! groupings of schools, as the gap table's levels and units; and the one
//! place each for the ranges a year, a URN and an LA code must lie in.
//!
//! A leaf of the flow: every step may use it, and it uses none of them.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// England's ONS code, the unit of national rows.
pub const ENGLAND: &str = "E92000001";

/// Academic years, by their ending calendar year, that Attain accepts.
pub const YEARS: std::ops::RangeInclusive<u16> = 1990..=2100;
/// What a year must be, for messages.
pub const YEAR_EXPECTED: &str = "a year from 1990 to 2100";
/// School URNs.
pub const URNS: std::ops::RangeInclusive<u32> = 1..=99_999_999;
/// DfE's three-digit LA codes.
pub const LA_CODES: std::ops::RangeInclusive<u16> = 100..=999;

/// A level of aggregation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    National,
    /// A region: published LA-level tables only (see [`crate::published`]).
    Region,
    La,
    /// An LA's statistical neighbours pooled as if one LA (see
    /// [`crate::neighbours`]); the unit is the LA's code.
    Neighbours,
    School,
    /// A grouping of schools pooled as if one school (see [`crate::groupings`]).
    Alliance,
}

impl Level {
    /// The levels a pupil table gives by default.
    pub const ALL: [Level; 3] = [Level::National, Level::La, Level::School];
    /// Every level: `alliance` needs groupings, `region` published tables.
    pub const EVERY: [Level; 6] = [
        Level::National,
        Level::Region,
        Level::La,
        Level::Neighbours,
        Level::School,
        Level::Alliance,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Level::National => "national",
            Level::Region => "region",
            Level::La => "la",
            Level::Neighbours => "neighbours",
            Level::School => "school",
            Level::Alliance => "alliance",
        }
    }

    /// Parses a comma-separated list such as `national,la,school`.
    pub fn parse_list(text: &str) -> Result<Vec<Level>> {
        let mut levels: Vec<Level> = text
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(str::parse)
            .collect::<Result<_>>()?;
        levels.sort();
        levels.dedup();
        if levels.is_empty() {
            return Err(Error::Usage(
                "no level given: expected national, region, la, neighbours, school or alliance"
                    .into(),
            ));
        }
        Ok(levels)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Level {
    type Err = Error;
    fn from_str(text: &str) -> Result<Level> {
        let wanted = text.trim().to_ascii_lowercase();
        Level::EVERY
            .into_iter()
            .find(|level| level.name() == wanted)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "unknown level {text:?}: expected national, region, la, neighbours, school or alliance"
                ))
            })
    }
}

/// England's regions (and London's two halves, which some files use as
/// regions): ONS code, LAIT area number and name.
pub const REGIONS: [(&str, u16, &str); 11] = [
    ("E12000001", 980, "North East"),
    ("E12000002", 981, "North West"),
    ("E12000003", 982, "Yorkshire and The Humber"),
    ("E12000004", 983, "East Midlands"),
    ("E12000005", 984, "West Midlands"),
    ("E12000006", 985, "East of England"),
    ("E12000007", 986, "London"),
    ("E13000001", 987, "Inner London"),
    ("E13000002", 988, "Outer London"),
    ("E12000008", 989, "South East"),
    ("E12000009", 990, "South West"),
];

/// A region, by its index in [`REGIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(pub u8);

impl Region {
    pub fn from_code(code: &str) -> Option<Region> {
        REGIONS
            .iter()
            .position(|(ons, _, _)| *ons == code.trim())
            .map(|i| Region(i as u8))
    }

    pub fn from_lait_number(number: u16) -> Option<Region> {
        REGIONS
            .iter()
            .position(|(_, lait, _)| *lait == number)
            .map(|i| Region(i as u8))
    }

    pub fn from_name(name: &str) -> Option<Region> {
        REGIONS
            .iter()
            .position(|(_, _, n)| n.eq_ignore_ascii_case(name.trim()))
            .map(|i| Region(i as u8))
    }

    /// The ONS code, e.g. `E12000006`.
    pub fn code(self) -> &'static str {
        REGIONS[self.0 as usize].0
    }

    pub fn name(self) -> &'static str {
        REGIONS[self.0 as usize].2
    }
}

/// A unit of a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    England,
    Region(Region),
    La(u16),
    /// An LA's statistical neighbours, by the LA's code.
    Neighbours(u16),
    School(u32),
    /// A grouping, by its index in the [`crate::Groupings`]; the table shows its id.
    Alliance(u32),
}

impl Unit {
    /// The level this unit is a unit of.
    pub fn level(self) -> Level {
        match self {
            Unit::England => Level::National,
            Unit::Region(_) => Level::Region,
            Unit::La(_) => Level::La,
            Unit::Neighbours(_) => Level::Neighbours,
            Unit::School(_) => Level::School,
            Unit::Alliance(_) => Level::Alliance,
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unit::England => f.write_str(ENGLAND),
            Unit::Region(region) => f.write_str(region.code()),
            Unit::La(code) | Unit::Neighbours(code) => write!(f, "{code}"),
            Unit::School(urn) => write!(f, "{urn}"),
            Unit::Alliance(index) => write!(f, "grouping {index}"),
        }
    }
}

/// A whole number in a range, or an error naming the cell.
fn parse_in<T: FromStr + PartialOrd>(
    text: &str,
    range: std::ops::RangeInclusive<T>,
    (source, row, column): (&str, u64, &str),
    expected: &str,
) -> Result<T> {
    text.trim()
        .parse::<T>()
        .ok()
        .filter(|value| range.contains(value))
        .ok_or_else(|| Error::invalid(source, Some(row), Some(column), Some(text), expected))
}

/// A school's URN, or an error naming the cell.
pub fn parse_urn(text: &str, source: &str, row: u64, column: &str) -> Result<u32> {
    parse_in(
        text,
        URNS,
        (source, row, column),
        "a school URN, a whole number from 1 to 99999999",
    )
}

/// A three-digit LA code, or an error naming the cell.
pub fn parse_la_code(text: &str, source: &str, row: u64, column: &str) -> Result<u16> {
    parse_in(
        text,
        LA_CODES,
        (source, row, column),
        "a three-digit LA code",
    )
}

/// A year, or an error naming the cell.
pub fn parse_year(text: &str, source: &str, row: u64, column: &str) -> Result<u16> {
    parse_in(text, YEARS, (source, row, column), YEAR_EXPECTED)
}

/// A comma-separated list of LA codes, as `--la 883,845` gives them.
pub fn parse_la_list(text: &str) -> Result<Vec<u16>> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|code| {
            code.trim()
                .parse::<u16>()
                .ok()
                .filter(|c| LA_CODES.contains(c))
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "--la {text:?}: expected three-digit LA codes separated by commas, e.g. 883,845"
                    ))
                })
        })
        .collect()
}

/// Years as a range (`2022-2024`) or a list (`2022,2024`).
pub fn parse_year_list(text: &str) -> Result<Vec<u16>> {
    let bad = || {
        Error::Usage(format!(
            "--years {text:?}: expected a range such as 2022-2024 or a list such as 2022,2024"
        ))
    };
    let year = |s: &str| {
        s.trim()
            .parse::<u16>()
            .ok()
            .filter(|y| YEARS.contains(y))
            .ok_or_else(bad)
    };
    let years: Vec<u16> = match text.split_once('-') {
        Some((first, last)) => (year(first)?..=year(last)?).collect(),
        None => text.split(',').map(year).collect::<Result<_>>()?,
    };
    if years.is_empty() {
        return Err(bad());
    }
    Ok(years)
}
