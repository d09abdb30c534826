//! Trends: changes and their intervals worked by hand, the MOVER interval of
//! a gap's change, previous years that skip, units in one year only,
//! suppression and every direction.

mod common;

use attain::gaps::Comparison;
use attain::schema::GapRows;
use attain::trends::{trends, TrendOptions};
use attain::{stats, summarise, GapOptions, Level, National, Suppression};
use common::*;
use polars::prelude::*;
use statrs::distribution::{ContinuousCDF, StudentsT};

const PHONICS_HEADER: &str = "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,phonics_mark";

/// `met` of `n` pupils of a school meet the phonics standard in a year; the
/// first `disadvantaged` pupils are disadvantaged.
fn phonics(rows: &mut String, year: u16, urn: u32, n: usize, met: usize, disadvantaged: usize) {
    for i in 0..n {
        let dis = i < disadvantaged;
        let mark = if i < met { 36 } else { 20 };
        rows.push_str(&format!(
            "{year}-{urn}-{i},{year},{urn},883,{dis},{dis},N,false,{mark}\n"
        ));
    }
}

fn trends_of(csv: &str, min_cohort: u64, levels: &[Level]) -> DataFrame {
    let pupils = load(csv);
    let summaries = summarise(&pupils, &attain::Estimates::none());
    let national = National::Local;
    let comparison = Comparison::new(&summaries, &national).unwrap();
    let options = GapOptions {
        levels: levels.to_vec(),
        suppression: Suppression { min_cohort },
        groupings: None,
        ..GapOptions::default()
    };
    trends(&comparison, &options, TrendOptions::default()).unwrap()
}

/// One row's cells, by unit, group and year.
fn cell(frame: &DataFrame, unit: &str, group: &str, year: i32, column: &str) -> AnyValue<'static> {
    let text = |name: &str| {
        frame
            .column(name)
            .unwrap()
            .cast(&DataType::String)
            .unwrap()
            .str()
            .unwrap()
            .clone()
    };
    let (units, groups) = (text("unit"), text("group"));
    let years = frame.column("year").unwrap().i32().unwrap().clone();
    let rows: Vec<usize> = (0..frame.height())
        .filter(|&i| {
            units.get(i) == Some(unit) && groups.get(i) == Some(group) && years.get(i) == Some(year)
        })
        .collect();
    assert_eq!(rows.len(), 1, "{unit} {group} {year}: {} rows", rows.len());
    let column = frame.column(column).unwrap();
    let column = if matches!(column.dtype(), DataType::Enum(..)) {
        column.cast(&DataType::String).unwrap()
    } else {
        column.clone()
    };
    column.get(rows[0]).unwrap().into_static()
}

fn number(value: AnyValue) -> Option<f64> {
    match value {
        AnyValue::Null => None,
        other => Some(other.extract::<f64>().unwrap()),
    }
}

fn text(value: AnyValue) -> Option<String> {
    match value {
        AnyValue::Null => None,
        AnyValue::String(s) => Some(s.to_owned()),
        AnyValue::StringOwned(s) => Some(s.to_string()),
        other => panic!("not text: {other:?}"),
    }
}

#[test]
fn a_rate_change_has_newcombes_interval() {
    // Newcombe (1998b), method 10: 56/70 against 48/80 is 0.0524 to 0.3339;
    // the same interval for a school's change from 48/80 to 56/70.
    let mut csv = format!("{PHONICS_HEADER}\n");
    phonics(&mut csv, 2023, 100001, 80, 48, 0);
    phonics(&mut csv, 2024, 100001, 70, 56, 0);
    let frame = trends_of(&csv, 0, &[Level::School]);
    let get = |column| cell(&frame, "100001", "all", 2024, column);
    assert_eq!(number(get("previous_year")), Some(2023.0));
    assert_eq!(number(get("n_member")), Some(70.0));
    assert_eq!(number(get("n_previous")), Some(80.0));
    close(number(get("change")), 20.0);
    near(number(get("change_ci_low")), 5.24, 0.005);
    near(number(get("change_ci_high")), 33.39, 0.005);
    assert_eq!(text(get("change_significance")).as_deref(), Some("rise"));
    // Two years: no direction.
    assert_eq!(text(get("direction")), None);
    // The first year has no row.
    assert_eq!(frame.height(), 7);
}

#[test]
fn a_mean_change_has_welchs_interval() {
    // Attainment 8 of 40, 50, 60 in 2023 and 50, 60, 70, 80 in 2024:
    // change 15; variances 100 and 166.67; Welch–Satterthwaite df 4.959.
    let header = "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,att8,eng_grade,mat_grade";
    let mut csv = format!("{header}\n");
    for (i, score) in [40, 50, 60].iter().enumerate() {
        csv += &format!("a{i},2023,100001,883,0,0,N,0,{score},5,5\n");
    }
    for (i, score) in [50, 60, 70, 80].iter().enumerate() {
        csv += &format!("b{i},2024,100001,883,0,0,N,0,{score},5,5\n");
    }
    let frame = trends_of(&csv, 0, &[Level::School]);
    let measures = frame
        .column("measure")
        .unwrap()
        .cast(&DataType::String)
        .unwrap();
    let mask: BooleanChunked = measures
        .str()
        .unwrap()
        .iter()
        .map(|m| m == Some("ks4.att8"))
        .collect();
    let rows = frame.filter(&mask).unwrap();
    let get = |column| cell(&rows, "100001", "all", 2024, column);
    close(number(get("change")), 15.0);
    let (v1, v2): (f64, f64) = (100.0 / 3.0, (500.0 / 3.0) / 4.0);
    let se = (v1 + v2).sqrt();
    let df = (v1 + v2).powi(2) / (v1 * v1 / 2.0 + v2 * v2 / 3.0);
    let t = StudentsT::new(0.0, 1.0, df).unwrap().inverse_cdf(0.975);
    near(number(get("change_ci_low")), 15.0 - t * se, 1e-4);
    near(number(get("change_ci_high")), 15.0 + t * se, 1e-4);
    assert_eq!(
        text(get("change_significance")).as_deref(),
        Some("no_change")
    );
}

#[test]
fn a_gap_change_has_the_mover_interval_of_the_two_gaps() {
    let mut csv = format!("{PHONICS_HEADER}\n");
    phonics(&mut csv, 2023, 100001, 60, 30, 20); // disadvantaged 20/20 met
    phonics(&mut csv, 2024, 100001, 60, 45, 20);
    let pupils = load(&csv);
    let frame = trends_of(&csv, 0, &[Level::School]);
    let gaps = GapRows::from_frame(
        &attain::gaps(
            &pupils,
            &National::Local,
            &GapOptions {
                levels: vec![Level::School],
                suppression: Suppression { min_cohort: 0 },
                groupings: None,
                ..GapOptions::default()
            },
        )
        .unwrap(),
    )
    .unwrap();
    let gap_row = |year: u16| {
        (0..gaps.len())
            .find(|&i| gaps.year[i] == year && gaps.group[i] == attain::Group::Disadvantaged)
            .unwrap()
    };
    let (now, then) = (gap_row(2024), gap_row(2023));
    let interval = |i: usize| stats::Interval {
        low: gaps.gap_ci_low[i].unwrap(),
        high: gaps.gap_ci_high[i].unwrap(),
    };
    let (a, b) = (gaps.gap[now].unwrap(), gaps.gap[then].unwrap());
    let expected_low =
        (a - b) - ((a - interval(now).low).powi(2) + (interval(then).high - b).powi(2)).sqrt();
    let expected_high =
        (a - b) + ((interval(now).high - a).powi(2) + (b - interval(then).low).powi(2)).sqrt();
    let get = |column| cell(&frame, "100001", "disadvantaged", 2024, column);
    close(number(get("gap")), a);
    close(number(get("gap_previous")), b);
    close(number(get("gap_change")), a - b);
    close(number(get("gap_change_ci_low")), expected_low);
    close(number(get("gap_change_ci_high")), expected_high);
}

#[test]
fn previous_years_skip_and_one_year_units_have_no_rows() {
    let mut csv = format!("{PHONICS_HEADER}\n");
    phonics(&mut csv, 2019, 100001, 30, 20, 0);
    phonics(&mut csv, 2022, 100001, 30, 25, 0);
    phonics(&mut csv, 2022, 100002, 30, 25, 0); // only in 2022
    let frame = trends_of(&csv, 0, &[Level::School]);
    assert_eq!(
        number(cell(&frame, "100001", "all", 2022, "previous_year")),
        Some(2019.0)
    );
    let units = frame
        .column("unit")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .filter(|u| *u == "100002")
        .count();
    assert_eq!(units, 0);
}

#[test]
fn a_withheld_side_withholds_its_changes() {
    let mut csv = format!("{PHONICS_HEADER}\n");
    phonics(&mut csv, 2023, 100001, 30, 20, 3); // 3 disadvantaged: withheld at 6
    phonics(&mut csv, 2024, 100001, 30, 25, 10);
    let frame = trends_of(&csv, 6, &[Level::School]);
    let get = |column| cell(&frame, "100001", "disadvantaged", 2024, column);
    // Published tables hide a withheld figure's count too.
    assert_eq!(number(get("n_previous")), None);
    assert_eq!(number(get("value_previous")), None);
    assert_eq!(number(get("change")), None);
    assert_eq!(number(get("change_ci_low")), None);
    assert_eq!(number(get("gap_previous")), None);
    assert_eq!(number(get("gap_change")), None);
    assert!(number(get("value_member")).is_some());
    assert_eq!(get("suppressed"), AnyValue::Boolean(true));
    // The all-pupil row is untouched.
    let all = |column| cell(&frame, "100001", "all", 2024, column);
    assert!(number(all("change")).is_some());
    assert_eq!(all("suppressed"), AnyValue::Boolean(false));
}

#[test]
fn direction_over_three_years() {
    let mut csv = format!("{PHONICS_HEADER}\n");
    // Rising, falling, mixed, and a school with a missing middle value.
    for (urn, mets) in [
        (100001, [10, 15, 20]),
        (100002, [20, 15, 10]),
        (100003, [10, 20, 15]),
        (100004, [10, 10, 20]),
    ] {
        for (year, met) in [2022, 2023, 2024].iter().zip(mets) {
            phonics(&mut csv, *year, urn, 30, met, 0);
        }
    }
    let frame = trends_of(&csv, 0, &[Level::School, Level::La]);
    let direction = |urn: &str, year| text(cell(&frame, urn, "all", year, "direction"));
    assert_eq!(direction("100001", 2024).as_deref(), Some("rising"));
    assert_eq!(direction("100002", 2024).as_deref(), Some("falling"));
    assert_eq!(direction("100003", 2024).as_deref(), Some("mixed"));
    // Equal values are neither rising nor falling.
    assert_eq!(direction("100004", 2024).as_deref(), Some("mixed"));
    // Two years: none.
    assert_eq!(direction("100001", 2023), None);
    // A group with no members has no value: no direction.
    assert_eq!(
        text(cell(&frame, "100001", "disadvantaged", 2024, "direction")),
        None
    );
}

#[test]
fn the_columns_are_the_schemas() {
    let mut csv = format!("{PHONICS_HEADER}\n");
    phonics(&mut csv, 2023, 100001, 10, 5, 0);
    phonics(&mut csv, 2024, 100001, 10, 6, 0);
    let frame = trends_of(&csv, 0, &Level::ALL);
    let names: Vec<&str> = frame
        .get_column_names()
        .iter()
        .map(|n| n.as_str())
        .collect();
    let expected: Vec<&str> = attain::schema::TREND_COLUMNS
        .iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, expected);
    for (column, spec) in frame
        .columns()
        .iter()
        .zip(attain::schema::TREND_COLUMNS.iter())
    {
        assert_eq!(column.dtype(), &spec.dtype(), "{}", spec.name);
    }
    assert_eq!(
        attain::schema::empty_trends().get_column_names().len(),
        expected.len()
    );
}
