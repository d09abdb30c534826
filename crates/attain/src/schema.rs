//! The gap table's schema, written once: each column's name, type and
//! meaning, used by the row builder ([`crate::compare`]), the writers
//! ([`crate::report`]), the Python module and the docs.
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `phase` | enum | `eyfs`, `phonics`, `ks1`, `ks2`, `ks4` |
//! | `year` | i32 | the academic year by its ending calendar year |
//! | `level` | enum | `national`, `region`, `la`, `school`, `alliance` |
//! | `unit` | text | `E92000001` (England), a region's ONS code, an LA code, a URN or a grouping's id |
//! | `measure` | enum | e.g. `ks2.rwm_exp` (see [`crate::measures::MEASURES`]) |
//! | `group` | enum | `all`, `disadvantaged`, `fsm`, `sen_support`, `ehcp`, `sen_any`, `cla` |
//! | `n_member` | i64 | group members (rate) or members with a value (mean) |
//! | `value_member`, `ci_low`, `ci_high` | f64 | the members' value and its 95% interval |
//! | `n_comparison`, `value_comparison` | i64, f64 | the comparison group's (empty for `all`) |
//! | `gap`, `gap_ci_low`, `gap_ci_high` | f64 | member − comparison and its 95% interval |
//! | `national_member`, `national_comparison` | f64 | the same group / the comparison group nationally |
//! | `gap_to_national` | f64 | member − national comparison (DfE's convention for disadvantaged gaps) |
//! | `national_gap` | f64 | national member − national comparison |
//! | `gap_vs_national_gap` | f64 | gap − national gap |
//! | `suppressed` | bool | a value was withheld (see [`crate::suppression`]) |
//! | `national_all` | f64 | England's value of group `all` for the measure |
//! | `vs_national_same`, `vs_national_other`, `vs_national_all` | enum | the 95% interval against `national_member`, `national_comparison`, `national_all`: `above`, `in_line`, `below` (empty on national rows) |
//! | `neighbour_average`, `neighbours_used` | f64, i64 | LA rows: the mean of the statistical neighbours' own values and how many it is over; `neighbours` rows: how many neighbours the data has (see [`crate::neighbours`]) |
//! | `national_rank`, `national_units` | i64 | LA and school rows: rank among every unit of the level nationally (1 best, ties share), and how many were ranked |
//! | `national_quartile`, `national_quintile` | enum, i64 | LAs: `A`–`D` (LAIT); schools: 1–5 (IDSR) |
//! | `progress_band` | enum | progress measures, rows other than national: `well_above`, `above`, `average`, `below`, `well_below` (see [`crate::progress`]) |
//!
//! A table from published figures has five more ([`PUBLISHED_COLUMNS`]):
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `published_n_member`, `published_member` | i64, f64 | the count and value DfE published for the same unit and group |
//! | `region_member` | f64 | the same group's value in the unit's region, where a file has it |
//! | `rounded` | bool | a count behind the row was recovered from a rounded figure: values and intervals are approximate |
//! | `reason` | text | why `value_member` is empty: DfE's code, `not in file`, `no school figures`, `empty` or `min_cohort` |
//!
//! The four enum columns are polars `Enum`s (Arrow dictionaries in
//! Parquet): cheap categoricals in Python, and text in CSV and JSON.

use std::sync::{Arc, OnceLock};

use polars::prelude::*;

use crate::geography::Level;
use crate::groups::Group;
use crate::measures::MEASURES;
use crate::phase::Phase;

/// A column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One of a fixed list of names.
    Enum(Categories),
    Year,
    Text,
    Count,
    Number,
    Flag,
}

/// The fixed lists the enum columns take their names from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Categories {
    Phase,
    Level,
    Measure,
    Group,
    /// A change's significance: `rise`, `drop`, `no_change`.
    Significance,
    /// Three years' direction: `rising`, `falling`, `mixed`.
    Direction,
    /// An interval against a national figure: `above`, `in_line`, `below`.
    Against,
    /// LAIT's quartile bands: `A` (top quarter) to `D`.
    Quartile,
    /// Progress bands: `well_above`, `above`, `average`, `below`, `well_below`.
    Band,
}

impl Categories {
    /// The names, in code order: a value's code is its position here.
    pub fn names(self) -> Vec<&'static str> {
        match self {
            Categories::Phase => Phase::ALL.iter().map(|p| p.name()).collect(),
            Categories::Level => Level::EVERY.iter().map(|l| l.name()).collect(),
            Categories::Measure => MEASURES.iter().map(|m| m.name).collect(),
            Categories::Group => Group::ALL.iter().map(|g| g.name()).collect(),
            Categories::Significance => vec!["rise", "drop", "no_change"],
            Categories::Direction => vec!["rising", "falling", "mixed"],
            Categories::Against => vec!["above", "in_line", "below"],
            Categories::Quartile => vec!["A", "B", "C", "D"],
            Categories::Band => crate::progress::Band::NAMES.to_vec(),
        }
    }

    /// The polars `Enum` type, made once.
    pub fn dtype(self) -> DataType {
        static TYPES: OnceLock<[DataType; 9]> = OnceLock::new();
        TYPES.get_or_init(|| {
            [
                Categories::Phase,
                Categories::Level,
                Categories::Measure,
                Categories::Group,
                Categories::Significance,
                Categories::Direction,
                Categories::Against,
                Categories::Quartile,
                Categories::Band,
            ]
            .map(|c| {
                let frozen = FrozenCategories::new(c.names().into_iter())
                    .expect("the category names are distinct");
                DataType::from_frozen_categories(frozen)
            })
        })[self as usize]
            .clone()
    }
}

/// One column of the gap table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub kind: Kind,
}

impl ColumnSpec {
    pub fn dtype(&self) -> DataType {
        match self.kind {
            Kind::Enum(categories) => categories.dtype(),
            Kind::Year => DataType::Int32,
            Kind::Text => DataType::String,
            Kind::Count => DataType::Int64,
            Kind::Number => DataType::Float64,
            Kind::Flag => DataType::Boolean,
        }
    }
}

const fn column(name: &'static str, kind: Kind) -> ColumnSpec {
    ColumnSpec { name, kind }
}

/// The gap table's columns, in order.
pub const GAP_COLUMNS: [ColumnSpec; 32] = [
    column("phase", Kind::Enum(Categories::Phase)),
    column("year", Kind::Year),
    column("level", Kind::Enum(Categories::Level)),
    column("unit", Kind::Text),
    column("measure", Kind::Enum(Categories::Measure)),
    column("group", Kind::Enum(Categories::Group)),
    column("n_member", Kind::Count),
    column("value_member", Kind::Number),
    column("ci_low", Kind::Number),
    column("ci_high", Kind::Number),
    column("n_comparison", Kind::Count),
    column("value_comparison", Kind::Number),
    column("gap", Kind::Number),
    column("gap_ci_low", Kind::Number),
    column("gap_ci_high", Kind::Number),
    column("national_member", Kind::Number),
    column("national_comparison", Kind::Number),
    column("gap_to_national", Kind::Number),
    column("national_gap", Kind::Number),
    column("gap_vs_national_gap", Kind::Number),
    column("suppressed", Kind::Flag),
    column("national_all", Kind::Number),
    column("vs_national_same", Kind::Enum(Categories::Against)),
    column("vs_national_other", Kind::Enum(Categories::Against)),
    column("vs_national_all", Kind::Enum(Categories::Against)),
    column("neighbour_average", Kind::Number),
    column("neighbours_used", Kind::Count),
    column("national_rank", Kind::Count),
    column("national_units", Kind::Count),
    column("national_quartile", Kind::Enum(Categories::Quartile)),
    column("national_quintile", Kind::Count),
    column("progress_band", Kind::Enum(Categories::Band)),
];

/// The columns a table from published figures has after [`GAP_COLUMNS`].
pub const PUBLISHED_COLUMNS: [ColumnSpec; 5] = [
    column("published_n_member", Kind::Count),
    column("published_member", Kind::Number),
    column("region_member", Kind::Number),
    column("rounded", Kind::Flag),
    column("reason", Kind::Text),
];

/// The trends table's columns, in order (see [`crate::trends`]).
pub const TREND_COLUMNS: [ColumnSpec; 23] = [
    column("phase", Kind::Enum(Categories::Phase)),
    column("level", Kind::Enum(Categories::Level)),
    column("unit", Kind::Text),
    column("measure", Kind::Enum(Categories::Measure)),
    column("group", Kind::Enum(Categories::Group)),
    column("year", Kind::Year),
    column("previous_year", Kind::Year),
    column("n_member", Kind::Count),
    column("value_member", Kind::Number),
    column("n_previous", Kind::Count),
    column("value_previous", Kind::Number),
    column("change", Kind::Number),
    column("change_ci_low", Kind::Number),
    column("change_ci_high", Kind::Number),
    column("change_significance", Kind::Enum(Categories::Significance)),
    column("gap", Kind::Number),
    column("gap_previous", Kind::Number),
    column("gap_change", Kind::Number),
    column("gap_change_ci_low", Kind::Number),
    column("gap_change_ci_high", Kind::Number),
    column(
        "gap_change_significance",
        Kind::Enum(Categories::Significance),
    ),
    column("direction", Kind::Enum(Categories::Direction)),
    column("suppressed", Kind::Flag),
];

/// The gap index table's columns, in order (see [`crate::gap_index`]).
pub const GAP_INDEX_COLUMNS: [ColumnSpec; 8] = [
    column("phase", Kind::Enum(Categories::Phase)),
    column("year", Kind::Year),
    column("level", Kind::Enum(Categories::Level)),
    column("unit", Kind::Text),
    column("gap_index", Kind::Number),
    column("n_disadvantaged", Kind::Count),
    column("n_other", Kind::Count),
    column("suppressed", Kind::Flag),
];

/// The `unit` column: each unit as the tables show it, a grouping by its
/// id (`groupings` names them), formatted into one reused buffer.
pub fn unit_column(
    name: &str,
    units: &[crate::geography::Unit],
    groupings: Option<&crate::groupings::Groupings>,
) -> Column {
    use std::fmt::Write;
    let mut builder = StringChunkedBuilder::new(name.into(), units.len());
    let mut buffer = String::with_capacity(16);
    for unit in units {
        buffer.clear();
        match (unit, groupings) {
            (crate::geography::Unit::Alliance(index), Some(groupings)) => {
                buffer.push_str(&groupings.groups[*index as usize].0)
            }
            _ => {
                let _ = write!(buffer, "{unit}");
            }
        }
        builder.append_value(&buffer);
    }
    builder.finish().into_column()
}

/// The names of a table's columns, with or without the published ones.
pub fn names(published: bool) -> Vec<&'static str> {
    columns(published).map(|c| c.name).collect()
}

/// The columns of a table, with or without the published ones.
pub fn columns(published: bool) -> impl Iterator<Item = &'static ColumnSpec> {
    GAP_COLUMNS
        .iter()
        .chain(PUBLISHED_COLUMNS.iter().take(if published {
            PUBLISHED_COLUMNS.len()
        } else {
            0
        }))
}

/// The polars schema of a table.
pub fn schema(published: bool) -> Arc<Schema> {
    Arc::new(Schema::from_iter(
        columns(published).map(|c| Field::new(c.name.into(), c.dtype())),
    ))
}

/// An empty gap table with the right columns and types.
pub fn empty(published: bool) -> DataFrame {
    DataFrame::empty_with_schema(&schema(published))
}

/// An empty trends table with the right columns and types.
pub fn empty_trends() -> DataFrame {
    DataFrame::empty_with_schema(&Schema::from_iter(
        TREND_COLUMNS
            .iter()
            .map(|c| Field::new(c.name.into(), c.dtype())),
    ))
}

/// A gap table's cells, typed, for Rust code that reads one (tests, a
/// service looking up a figure); decoded from the `DataFrame` the engine
/// builds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GapRows {
    pub phase: Vec<Phase>,
    pub year: Vec<u16>,
    pub level: Vec<Level>,
    pub unit: Vec<String>,
    pub measure: Vec<&'static str>,
    pub group: Vec<Group>,
    pub n_member: Vec<Option<u64>>,
    pub value_member: Vec<Option<f64>>,
    pub ci_low: Vec<Option<f64>>,
    pub ci_high: Vec<Option<f64>>,
    pub n_comparison: Vec<Option<u64>>,
    pub value_comparison: Vec<Option<f64>>,
    pub gap: Vec<Option<f64>>,
    pub gap_ci_low: Vec<Option<f64>>,
    pub gap_ci_high: Vec<Option<f64>>,
    pub national_member: Vec<Option<f64>>,
    pub national_comparison: Vec<Option<f64>>,
    pub gap_to_national: Vec<Option<f64>>,
    pub national_gap: Vec<Option<f64>>,
    pub gap_vs_national_gap: Vec<Option<f64>>,
    pub suppressed: Vec<bool>,
    pub national_all: Vec<Option<f64>>,
    pub vs_national_same: Vec<Option<String>>,
    pub vs_national_other: Vec<Option<String>>,
    pub vs_national_all: Vec<Option<String>>,
    pub neighbour_average: Vec<Option<f64>>,
    pub neighbours_used: Vec<Option<u64>>,
    pub national_rank: Vec<Option<u64>>,
    pub national_units: Vec<Option<u64>>,
    pub national_quartile: Vec<Option<String>>,
    pub national_quintile: Vec<Option<u64>>,
    pub progress_band: Vec<Option<String>>,
    /// The published columns, for a table from published figures.
    pub published: Option<PublishedRows>,
}

/// The cells of [`PUBLISHED_COLUMNS`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PublishedRows {
    pub published_n_member: Vec<Option<u64>>,
    pub published_member: Vec<Option<f64>>,
    pub region_member: Vec<Option<f64>>,
    pub rounded: Vec<bool>,
    pub reason: Vec<Option<String>>,
}

impl GapRows {
    pub fn from_frame(frame: &DataFrame) -> crate::Result<GapRows> {
        use crate::error::Error;
        let failed = |e: PolarsError| Error::table("gap table", e);
        let column = |name: &str| frame.column(name).map_err(failed);
        let text = |name: &str| -> crate::Result<Vec<String>> {
            let cast = column(name)?.cast(&DataType::String).map_err(failed)?;
            Ok(cast
                .str()
                .map_err(failed)?
                .iter()
                .map(|v| v.unwrap_or_default().to_owned())
                .collect())
        };
        let numbers = |name: &str| -> crate::Result<Vec<Option<f64>>> {
            Ok(column(name)?.f64().map_err(failed)?.iter().collect())
        };
        let counts = |name: &str| -> crate::Result<Vec<Option<u64>>> {
            Ok(column(name)?
                .i64()
                .map_err(failed)?
                .iter()
                .map(|v| v.map(|n| n as u64))
                .collect())
        };
        let flags = |name: &str| -> crate::Result<Vec<bool>> {
            Ok(column(name)?
                .bool()
                .map_err(failed)?
                .iter()
                .map(|v| v.unwrap_or(false))
                .collect())
        };
        let unknown = |what: &str, value: &str| Error::Usage(format!("not a {what}: {value:?}"));
        let optional_text = |name: &str| -> crate::Result<Vec<Option<String>>> {
            let cast = column(name)?.cast(&DataType::String).map_err(failed)?;
            Ok(cast
                .str()
                .map_err(failed)?
                .iter()
                .map(|v| v.map(str::to_owned))
                .collect())
        };
        Ok(GapRows {
            phase: text("phase")?
                .iter()
                .map(|p| p.parse())
                .collect::<crate::Result<_>>()?,
            year: column("year")?
                .i32()
                .map_err(failed)?
                .iter()
                .map(|y| y.unwrap_or(0) as u16)
                .collect(),
            level: text("level")?
                .iter()
                .map(|l| l.parse())
                .collect::<crate::Result<_>>()?,
            unit: text("unit")?,
            measure: text("measure")?
                .iter()
                .map(|m| {
                    crate::measures::Measure::named(m)
                        .map(|m| m.name)
                        .ok_or_else(|| unknown("measure", m))
                })
                .collect::<crate::Result<_>>()?,
            group: text("group")?
                .iter()
                .map(|g| {
                    Group::ALL
                        .into_iter()
                        .find(|x| x.name() == g)
                        .ok_or_else(|| unknown("group", g))
                })
                .collect::<crate::Result<_>>()?,
            n_member: counts("n_member")?,
            value_member: numbers("value_member")?,
            ci_low: numbers("ci_low")?,
            ci_high: numbers("ci_high")?,
            n_comparison: counts("n_comparison")?,
            value_comparison: numbers("value_comparison")?,
            gap: numbers("gap")?,
            gap_ci_low: numbers("gap_ci_low")?,
            gap_ci_high: numbers("gap_ci_high")?,
            national_member: numbers("national_member")?,
            national_comparison: numbers("national_comparison")?,
            gap_to_national: numbers("gap_to_national")?,
            national_gap: numbers("national_gap")?,
            gap_vs_national_gap: numbers("gap_vs_national_gap")?,
            suppressed: flags("suppressed")?,
            national_all: numbers("national_all")?,
            vs_national_same: optional_text("vs_national_same")?,
            vs_national_other: optional_text("vs_national_other")?,
            vs_national_all: optional_text("vs_national_all")?,
            neighbour_average: numbers("neighbour_average")?,
            neighbours_used: counts("neighbours_used")?,
            national_rank: counts("national_rank")?,
            national_units: counts("national_units")?,
            national_quartile: optional_text("national_quartile")?,
            national_quintile: counts("national_quintile")?,
            progress_band: optional_text("progress_band")?,
            published: match frame.column("reason") {
                Err(_) => None,
                Ok(reason) => Some(PublishedRows {
                    published_n_member: counts("published_n_member")?,
                    published_member: numbers("published_member")?,
                    region_member: numbers("region_member")?,
                    rounded: flags("rounded")?,
                    reason: reason
                        .str()
                        .map_err(failed)?
                        .iter()
                        .map(|v| v.map(str::to_owned))
                        .collect(),
                }),
            },
        })
    }

    pub fn len(&self) -> usize {
        self.year.len()
    }

    pub fn is_empty(&self) -> bool {
        self.year.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_enum_fits_a_byte_and_has_distinct_names() {
        for categories in [
            Categories::Phase,
            Categories::Level,
            Categories::Measure,
            Categories::Group,
            Categories::Significance,
            Categories::Direction,
            Categories::Against,
            Categories::Quartile,
            Categories::Band,
        ] {
            let names = categories.names();
            assert!(names.len() <= 256);
            let mut sorted = names.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), names.len());
            assert!(matches!(categories.dtype(), DataType::Enum(..)));
        }
    }
}
