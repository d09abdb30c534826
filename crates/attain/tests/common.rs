//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;

use attain::schema::GapRows;
use attain::{GapOptions, Group, Level, National, PupilTable, Suppression, Unit};

/// A gap table's cells, typed.
pub type GapTable = GapRows;

/// A unit as the table shows it: a `Unit`, or a grouping's id.
pub trait UnitName: std::fmt::Display {}
impl UnitName for Unit {}
impl UnitName for &str {}

/// Typed cells of a table the engine built.
pub fn rows(frame: attain::Result<polars::prelude::DataFrame>) -> attain::Result<GapRows> {
    frame.and_then(|f| GapRows::from_frame(&f))
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(contents)
            .unwrap();
        path
    }
}

pub fn load(csv: &str) -> PupilTable {
    let fixture = Fixture::new();
    let path = fixture.file("pupils.csv", csv.as_bytes());
    PupilTable::read(&path, None).unwrap()
}

/// The gap table with primary suppression only (`secure` disclosure): what
/// these tests pin is the primary rule; `tests/adversary.rs` checks the
/// published default.
pub fn compute(pupils: &PupilTable, national: National, min_cohort: u64) -> GapTable {
    let options = GapOptions {
        levels: Level::ALL.to_vec(),
        suppression: Suppression { min_cohort },
        groupings: None,
        disclosure: attain::disclosure::Disclosure::Secure,
        ..GapOptions::default()
    };
    rows(attain::gaps(pupils, &national, &options)).unwrap()
}

/// One row of a gap table, by its key.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub n_member: u64,
    pub value_member: Option<f64>,
    pub ci: (Option<f64>, Option<f64>),
    pub n_comparison: Option<u64>,
    pub value_comparison: Option<f64>,
    pub gap: Option<f64>,
    pub gap_ci: (Option<f64>, Option<f64>),
    pub national_member: Option<f64>,
    pub national_comparison: Option<f64>,
    pub gap_to_national: Option<f64>,
    pub national_gap: Option<f64>,
    pub gap_vs_national_gap: Option<f64>,
    pub suppressed: bool,
}

pub fn row(
    table: &GapTable,
    level: Level,
    unit: impl UnitName,
    measure: &str,
    group: Group,
) -> Row {
    let matches: Vec<usize> = (0..table.len())
        .filter(|&i| {
            table.level[i] == level
                && table.unit[i] == unit.to_string()
                && table.measure[i] == measure
                && table.group[i] == group
        })
        .collect();
    assert_eq!(
        matches.len(),
        1,
        "{level} {unit} {measure} {group}: {} rows",
        matches.len()
    );
    let i = matches[0];
    Row {
        n_member: table.n_member[i].expect("a count"),
        value_member: table.value_member[i],
        ci: (table.ci_low[i], table.ci_high[i]),
        n_comparison: table.n_comparison[i],
        value_comparison: table.value_comparison[i],
        gap: table.gap[i],
        gap_ci: (table.gap_ci_low[i], table.gap_ci_high[i]),
        national_member: table.national_member[i],
        national_comparison: table.national_comparison[i],
        gap_to_national: table.gap_to_national[i],
        national_gap: table.national_gap[i],
        gap_vs_national_gap: table.gap_vs_national_gap[i],
        suppressed: table.suppressed[i],
    }
}

pub fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.unwrap_or_else(|| panic!("expected {expected}, found no value"));
    assert!(
        (actual - expected).abs() < 1e-6,
        "found {actual}, expected {expected}"
    );
}

pub fn near(actual: Option<f64>, expected: f64, tolerance: f64) {
    let actual = actual.unwrap_or_else(|| panic!("expected {expected}, found no value"));
    assert!(
        (actual - expected).abs() <= tolerance,
        "found {actual}, expected {expected} ± {tolerance}"
    );
}
