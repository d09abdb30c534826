//! Progress measures: scores hand-computed on a small cohort, DfE's
//! interval and bands, and published progress read from real performance
//! tables (Hampshire's, and 2022/23 rows of the national KS4 table) with the
//! LA pool checked against DfE's own LA row.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use attain::progress::{Bands, Estimates, EstimatesBuilder, ProgressSd};
use attain::{
    GapOptions, Group, Level, National, Phase, ProgressOptions, Published, PublishedOptions,
    PupilTable,
};
use common::{rows, GapTable};

fn shared(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(path)
}

fn shipped(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets/dfe/schools")
        .join(path)
}

/// Row index of a unit, measure and group.
fn find(table: &GapTable, level: Level, unit: &str, measure: &str, group: Group) -> usize {
    (0..table.len())
        .find(|&i| {
            table.level[i] == level
                && table.unit[i] == unit
                && table.measure[i] == measure
                && table.group[i] == group
        })
        .unwrap_or_else(|| panic!("no {level:?} {unit} {measure} {group:?} row"))
}

/// A KS4 cohort: two schools of one LA, pupils with and without priors.
fn cohort() -> PupilTable {
    let mut csv = String::from(
        "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,att8,eng_grade,mat_grade,ks2_prior\n",
    );
    // School 1: priors 100 and 110; school 2 the same, and pupils who
    // cannot be scored.
    let pupils = [
        (1, true, "40", "100.0"),
        (1, false, "50", "100.0"),
        (1, false, "72", "110.0"),
        (1, true, "70", "110.0"),
        (1, false, "80", "110.0"),
        (1, false, "60", "100.0"),
        (2, true, "45", "100.0"),
        (2, false, "55", "100.0"),
        (2, false, "78", "110.0"),
        (2, true, "70", "110.0"),
        (2, false, "", "110.0"),
        (2, false, "65", ""),
    ];
    for (i, (school, disadvantaged, att8, prior)) in pupils.iter().enumerate() {
        csv += &format!(
            "p{i},2024,10000{school},883,{disadvantaged},{disadvantaged},N,false,{att8},5,5,{prior}\n"
        );
    }
    attain::pupils::read_csv_from(csv.as_bytes(), "cohort", Some(Phase::Ks4)).unwrap()
}

#[test]
fn progress_8_is_scored_against_the_nations_estimates() {
    let pupils = cohort();
    let mut builder = EstimatesBuilder::new("cohort");
    builder.add(&pupils);
    let estimates = Arc::new(builder.finish());
    // Estimates: prior 100 → (40+50+60+45+55)/5 = 50; prior 110 →
    // (72+70+80+78+70)/5 = 74. Scores (÷10): school 1: −1, 0, −0.2, −0.4,
    // 0.6, 1; school 2: −0.5, 0.5, 0.4, −0.4.
    let p8 = attain::Measure::named("ks4.p8").unwrap();
    let scores = estimates.scores(&pupils, p8);
    let expected = [-1.0, 0.0, -0.2, -0.4, 0.6, 1.0, -0.5, 0.5, 0.4, -0.4];
    for (score, want) in scores.iter().zip(expected) {
        assert!((score - want).abs() < 1e-12, "{scores:?}");
    }
    assert!(scores[10].is_nan() && scores[11].is_nan());
    let squares: f64 = expected.iter().map(|s| s * s).sum();
    let sd = (squares / 9.0).sqrt();
    assert!((estimates.sd(p8, 2024).unwrap() - sd).abs() < 1e-12);

    let options = GapOptions {
        levels: vec![Level::National, Level::School],
        ..GapOptions::default()
    }
    .with_progress(ProgressOptions {
        estimates: Some(estimates.clone()),
        ..ProgressOptions::default()
    });
    let options = GapOptions {
        suppression: attain::Suppression { min_cohort: 0 },
        ..options
    };
    let table = rows(attain::gaps(&pupils, &National::Local, &options)).unwrap();
    let school = find(&table, Level::School, "100001", "ks4.p8", Group::All);
    // School 1: mean of −1, 0, −0.2, −0.4, 0.6, 1 = 0; n = 6; interval ±
    // 1.96 × sd / √6 with the national SD.
    assert_eq!(table.n_member[school], Some(6));
    assert!(table.value_member[school].unwrap().abs() < 1e-12);
    let half = attain::stats::z95() * sd / 6f64.sqrt();
    assert!((table.ci_high[school].unwrap() - half).abs() < 1e-12);
    assert!((table.ci_low[school].unwrap() + half).abs() < 1e-12);
    assert_eq!(table.progress_band[school].as_deref(), Some("average"));
    // School 2's disadvantaged pupils: −0.5 and −0.4, against its others
    // 0.5 and 0.4: a Welch gap of −0.9.
    let disadvantaged = find(
        &table,
        Level::School,
        "100002",
        "ks4.p8",
        Group::Disadvantaged,
    );
    assert_eq!(table.n_member[disadvantaged], Some(2));
    assert!((table.value_member[disadvantaged].unwrap() + 0.45).abs() < 1e-12);
    assert!((table.gap[disadvantaged].unwrap() + 0.9).abs() < 1e-12);
    // The national row: every scored pupil, a mean of 0.
    let national = find(&table, Level::National, "E92000001", "ks4.p8", Group::All);
    assert_eq!(table.n_member[national], Some(10));
    assert!(table.progress_band[national].is_none());

    // A fixed SD and each unit's own SD are the configurable alternatives.
    let fixed = GapOptions {
        progress: ProgressOptions {
            sd: ProgressSd::Fixed(2.0),
            ..options.progress.clone()
        },
        ..options.clone()
    };
    let table = rows(attain::gaps(&pupils, &National::Local, &fixed)).unwrap();
    let school = find(&table, Level::School, "100001", "ks4.p8", Group::All);
    let half = attain::stats::z95() * 2.0 / 6f64.sqrt();
    assert!((table.ci_high[school].unwrap() - half).abs() < 1e-12);
    let unit = GapOptions {
        progress: ProgressOptions {
            sd: ProgressSd::Unit,
            ..options.progress.clone()
        },
        ..options.clone()
    };
    let table = rows(attain::gaps(&pupils, &National::Local, &unit)).unwrap();
    let school = find(&table, Level::School, "100001", "ks4.p8", Group::All);
    let own = (2.56f64 / 5.0).sqrt(); // squares 1+0+0.04+0.16+0.36+1 = 2.56
    let half = attain::stats::t95(5.0) * own / 6f64.sqrt();
    assert!((table.ci_high[school].unwrap() - half).abs() < 1e-9);

    // Percentile bands are the alternative: national quintiles of the
    // level's units (two schools: the first fifth and the middle one).
    let percentile = GapOptions {
        progress: ProgressOptions {
            bands: Bands::Percentile,
            ..options.progress.clone()
        },
        ..options.clone()
    };
    let table = rows(attain::gaps(&pupils, &National::Local, &percentile)).unwrap();
    let band =
        |urn| table.progress_band[find(&table, Level::School, urn, "ks4.p8", Group::All)].clone();
    // School 1's mean is 0, school 2's (−0.5+0.5+0.4−0.4)/4 = 0: tied, both first.
    assert_eq!(band("100001").as_deref(), Some("well_above"));
    assert_eq!(band("100002").as_deref(), Some("well_above"));

    // Without estimates the measure has no scores and no rows.
    let none = GapOptions {
        progress: ProgressOptions::default(),
        ..options
    };
    let table = rows(attain::gaps(&pupils, &National::Local, &none)).unwrap();
    assert!(table.measure.iter().all(|m| *m != "ks4.p8"));
}

#[test]
fn dfe_estimates_score_an_la_on_its_own() {
    let estimates = Estimates::dfe();
    // 2024 group 20: KS2 average 104.5 to 105 (read from the shipped table,
    // DfE's p8est); a pupil at 105 with Attainment 8 ten above it scores 1.
    let csv =
        "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,att8,eng_grade,mat_grade,ks2_prior\n";
    let text = attain::datasets::DFE_P8_ESTIMATES;
    let line = text
        .lines()
        .find(|l| l.starts_with("ks4.p8,2024,") && l.split(',').nth(5) == Some("105"))
        .expect("a 2024 group ending at 105");
    let estimate: f64 = line.split(',').nth(6).unwrap().parse().unwrap();
    let pupils = attain::pupils::read_csv_from(
        format!("{csv}a,2024,100001,883,false,false,N,false,{},5,5,105\nb,2021,100001,883,false,false,N,false,50,5,5,105\n", estimate + 10.0).as_bytes(),
        "one",
        Some(Phase::Ks4),
    )
    .unwrap();
    let scores = estimates.scores(&pupils, attain::Measure::named("ks4.p8").unwrap());
    assert!((scores[0] - 1.0).abs() < 1e-9, "{scores:?}");
    // 2021 is not covered: no score, and a note says so.
    assert!(scores[1].is_nan());
    let summaries = attain::summarise(&pupils, &estimates);
    let notes = attain::progress::notes(&summaries, &estimates);
    assert!(notes.iter().any(|n| n.contains("2021")), "{notes:?}");
}

fn published_options(levels: &[Level]) -> PublishedOptions {
    PublishedOptions {
        gap: GapOptions {
            levels: levels.to_vec(),
            ..GapOptions::default()
        },
        national: None,
    }
}

#[test]
fn published_progress_shows_schools_as_published_and_pools_las_near_dfe() {
    let published = Published::read_files(
        &[
            shipped("2017-2018_850_ks4final.csv"),
            shipped("2018-2019_850_ks2final.csv"),
        ],
        &Vec::<PathBuf>::new(),
        None,
    )
    .unwrap();
    let table = rows(attain::published::gap_table(
        &published,
        &published_options(&[Level::La, Level::School]),
    ))
    .unwrap();
    let extra = table.published.as_ref().unwrap();
    // A school as published (2017-2018_850_ks4final.csv, the row of URN
    // 116476 is read from the file itself).
    let text = std::fs::read_to_string(shipped("2017-2018_850_ks4final.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .split(',')
        .collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let mut checked = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != header.len() || !matches!(cells[at("RECTYPE")], "1" | "2") {
            continue;
        }
        let Ok(value) = cells[at("P8MEA")].parse::<f64>() else {
            continue;
        };
        let row = find(
            &table,
            Level::School,
            cells[at("URN")],
            "ks4.p8",
            Group::All,
        );
        assert_eq!(table.value_member[row], Some(value));
        assert_eq!(table.ci_low[row], cells[at("P8CILOW")].parse().ok());
        assert_eq!(table.ci_high[row], cells[at("P8CIUPP")].parse().ok());
        assert_eq!(table.n_member[row], cells[at("P8PUP")].parse().ok());
        checked += 1;
    }
    assert!(checked > 50, "{checked} schools checked");
    // The LA pools its schools, weighted by pupils with a score; DfE's LA
    // figure is beside it. Hampshire 2018: −0.09 all, −0.68 disadvantaged.
    for (measure, group, dfe, tolerance) in [
        ("ks4.p8", Group::All, -0.09, 0.01),
        ("ks4.p8", Group::Disadvantaged, -0.68, 0.04),
        ("ks2.read_progress", Group::All, -0.4, 0.05),
        ("ks2.mat_progress", Group::All, -0.7, 0.1),
    ] {
        let row = find(&table, Level::La, "850", measure, group);
        assert_eq!(
            extra.published_member[row],
            Some(dfe),
            "{measure} {group:?}"
        );
        let pooled = table.value_member[row].unwrap();
        assert!(
            (pooled - dfe).abs() <= tolerance,
            "{measure} {group:?}: {pooled} vs {dfe}"
        );
        // The pooled interval uses the SD recovered from the schools'
        // intervals: a few hundredths wide for thousands of pupils.
        let width = table.ci_high[row].unwrap() - table.ci_low[row].unwrap();
        assert!(width > 0.0 && width < 0.3, "{measure}: {width}");
    }
}

/// Every LA of England in DfE's 2018/19 KS4 table (a column subset of the
/// national file): schools as published, and each LA's pool against DfE's
/// LA row. The pool can only hold the pupils of the schools the table lists;
/// where it holds all of DfE's LA pupils it lands within rounding of DfE's
/// figure, and the difference elsewhere grows with the pupils it lacks.
#[test]
fn published_progress_for_every_la_of_england() {
    let published = Published::read_files(
        &[shared(
            "perf_tables_ks4_2019_england/england_ks4provisional.csv",
        )],
        &Vec::<PathBuf>::new(),
        Some(2019),
    )
    .unwrap();
    let table = rows(attain::published::gap_table(
        &published,
        &published_options(&[Level::La, Level::School]),
    ))
    .unwrap();
    let extra = table.published.as_ref().unwrap();
    let (mut schools, mut full, mut most) = (0, 0, 0);
    let mut differences = Vec::new();
    for row in 0..table.len() {
        if table.measure[row] != "ks4.p8" || table.group[row] != Group::All {
            continue;
        }
        match table.level[row] {
            Level::School if table.value_member[row].is_some() => {
                // DfE's own value and interval: two decimal places.
                let value = table.value_member[row].unwrap();
                assert_eq!(value, (value * 100.0).round() / 100.0);
                assert!(
                    table.ci_low[row].unwrap() <= value && value <= table.ci_high[row].unwrap()
                );
                schools += 1;
            }
            Level::La => {
                let (Some(pooled), Some(dfe), Some(n), Some(dfe_n)) = (
                    table.value_member[row],
                    extra.published_member[row],
                    table.n_member[row],
                    extra.published_n_member[row],
                ) else {
                    continue;
                };
                let difference = (pooled - dfe).abs();
                assert!(
                    n <= dfe_n,
                    "LA {}: {n} pupils pooled, DfE {dfe_n}",
                    table.unit[row]
                );
                if n == dfe_n {
                    assert!(
                        difference <= 0.01,
                        "LA {}: {pooled} vs {dfe}",
                        table.unit[row]
                    );
                    full += 1;
                } else if n as f64 >= 0.98 * dfe_n as f64 {
                    assert!(
                        difference <= 0.04,
                        "LA {}: {pooled} vs {dfe}",
                        table.unit[row]
                    );
                    most += 1;
                }
                differences.push(difference);
            }
            _ => {}
        }
    }
    assert!(schools > 3000, "{schools} schools");
    assert!(
        full >= 5 && most >= 100,
        "{full} LAs fully covered, {most} at 98%"
    );
    differences.sort_by(f64::total_cmp);
    assert_eq!(differences.len(), 150);
    let median = differences[differences.len() / 2];
    assert!(median <= 0.015, "median difference {median}");
}

#[test]
fn bands_match_dfes_published_banding() {
    let path = shared("perf_tables_2023_extracts/ebi_fixture_mat_ks4_2022-23.csv");
    let published = Published::read_files(&[&path], &Vec::<PathBuf>::new(), Some(2023)).unwrap();
    let table = rows(attain::published::gap_table(
        &published,
        &published_options(&[Level::School]),
    ))
    .unwrap();
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .unwrap()
    };
    let (mut agreed, mut withheld) = (0, 0);
    for record in reader.records() {
        let record = record.unwrap();
        let band = match &record[at("P8_BANDING")] {
            "Well above average" => "well_above",
            "Above average" => "above",
            "Average" => "average",
            "Below average" => "below",
            "Well below average" => "well_below",
            // DfE withheld the band (SUPP): none is computed in its place.
            code if !record[at("P8MEA")].trim().is_empty()
                && record[at("P8MEA")].trim().parse::<f64>().is_ok() =>
            {
                let row = find(
                    &table,
                    Level::School,
                    &record[at("URN")],
                    "ks4.p8",
                    Group::All,
                );
                assert_eq!(
                    table.progress_band[row],
                    None,
                    "URN {} band {code}",
                    &record[at("URN")]
                );
                withheld += 1;
                continue;
            }
            _ => continue,
        };
        let row = find(
            &table,
            Level::School,
            &record[at("URN")],
            "ks4.p8",
            Group::All,
        );
        assert_eq!(
            table.progress_band[row].as_deref(),
            Some(band),
            "URN {}",
            &record[at("URN")]
        );
        agreed += 1;
    }
    assert!(agreed >= 20, "{agreed}");
    assert!(withheld >= 1, "a school whose band DfE withheld");

    // KS2: DfE's own bands (`READPROG_DESCR`, codes 1 to 5) on school rows,
    // as published; Attain does not guess KS2's unpublished threshold.
    let path = shared("perf_tables_2023_extracts/ebi_fixture_maintained_ks2.csv");
    let published = Published::read_files(&[&path], &Vec::<PathBuf>::new(), Some(2023)).unwrap();
    let table = rows(attain::published::gap_table(
        &published,
        &published_options(&[Level::School]),
    ))
    .unwrap();
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .unwrap()
    };
    let mut agreed = 0;
    for record in reader.records() {
        let record = record.unwrap();
        for (measure, column) in [
            ("ks2.read_progress", "READPROG_DESCR"),
            ("ks2.writ_progress", "WRITPROG_DESCR"),
            ("ks2.mat_progress", "MATPROG_DESCR"),
        ] {
            let Some(code) = record[at(column)].trim().parse::<usize>().ok() else {
                continue;
            };
            let row = find(
                &table,
                Level::School,
                &record[at("URN")],
                measure,
                Group::All,
            );
            let band = ["well_above", "above", "average", "below", "well_below"][code - 1];
            assert_eq!(
                table.progress_band[row].as_deref(),
                Some(band),
                "URN {} {measure}",
                &record[at("URN")]
            );
            agreed += 1;
        }
    }
    assert!(agreed >= 20, "{agreed}");
}

#[test]
fn placeholder_bounds_are_not_an_interval() {
    // England's KS2 2018 disadvantaged progress: -0.6 with bounds 0 and 0.
    let published = Published::read(shipped("2017-2018_850_ks2final.csv"), None).unwrap();
    let england = published
        .figures
        .iter()
        .find(|f| {
            f.measure.name == "ks2.read_progress"
                && f.population == attain::Population::Disadvantaged
                && f.area == attain::published::Area::England
        })
        .unwrap();
    assert_eq!((england.value, england.interval), (Some(-0.6), None));
}

#[test]
fn years_without_progress_say_why() {
    let fixture = common::Fixture::new();
    let path = fixture.file(
        "2024-2025_850_ks4final.csv",
        b"RECTYPE,LEA,URN,TPUP,ATT8SCR,TFSM6CLA1A,TNOTFSM6CLA1A\r\n1,850,100001,100,45.2,20,80\r\n",
    );
    let published = Published::read(&path, None).unwrap();
    let notes = published.files[0].notes.join("\n");
    assert!(
        notes.contains("no Progress 8 for 2024/25") && notes.contains("no KS2 tests"),
        "{notes}"
    );
    assert!(!notes.contains("no P8MEA column"), "{notes}");
    let ks2 = fixture.file(
        "2023-2024_850_ks2final.csv",
        b"RECTYPE,LEA,URN,TELIG,PTRWM_EXP\r\n1,850,100001,30,60%\r\n",
    );
    let published = Published::read(&ks2, None).unwrap();
    let notes = published.files[0].notes.join("\n");
    assert!(notes.contains("no KS1 baseline"), "{notes}");
}
