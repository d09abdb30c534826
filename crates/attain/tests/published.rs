//! Published DfE tables: golden figures checked by hand against the CSV
//! text of the real files shipped in `datasets/dfe/`, every missing-value
//! code, LA pooling against DfE's LA row, and alliance pooling against the
//! pupil path.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use attain::published::{Area, Figure, Region, School};
use attain::{
    datasets, Error, GapOptions, Group, Level, National, Phase, Population, Published,
    PublishedOptions, Suppression, Unit,
};
use common::{rows, Fixture, GapTable, UnitName};

fn gap_table(published: &Published, options: &PublishedOptions) -> attain::Result<GapTable> {
    rows(attain::published::gap_table(published, options))
}

fn gaps(
    pupils: &attain::PupilTable,
    national: &National,
    options: &GapOptions,
) -> attain::Result<GapTable> {
    rows(attain::gaps(pupils, national, options))
}

fn dfe(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets/dfe")
        .join(path)
}

fn read(path: &str) -> Published {
    Published::read(dfe(path), None).unwrap()
}

/// The figure for a measure, population and area; panics if absent.
fn figure<'p>(
    published: &'p Published,
    measure: &str,
    population: Population,
    area: Area,
) -> &'p Figure {
    published
        .figures
        .iter()
        .find(|f| f.measure.name == measure && f.population == population && f.area == area)
        .unwrap_or_else(|| panic!("no {measure} {population} figure for {area:?}"))
}

fn school(urn: u32, la_code: u16) -> Area {
    Area::School(School {
        urn,
        la_code,
        state_funded: true,
    })
}

/// (n, value, missing) of a figure.
fn cells(f: &Figure) -> (Option<u64>, Option<f64>, Option<&'static str>) {
    (f.n, f.value, f.missing)
}

/// The columns only a table from published figures has.
fn extra(table: &GapTable) -> &attain::schema::PublishedRows {
    table
        .published
        .as_ref()
        .expect("a table from published figures")
}

fn options(levels: &[Level]) -> PublishedOptions {
    PublishedOptions {
        gap: GapOptions {
            levels: levels.to_vec(),
            suppression: Suppression::default(),
            groupings: None,
            ..GapOptions::default()
        },
        ..PublishedOptions::default()
    }
}

fn row(
    table: &GapTable,
    level: Level,
    unit: impl UnitName,
    year: u16,
    measure: &str,
    group: Group,
) -> usize {
    (0..table.len())
        .find(|&i| {
            table.level[i] == level
                && table.unit[i] == unit.to_string()
                && table.year[i] == year
                && table.measure[i] == measure
                && table.group[i] == group
        })
        .unwrap_or_else(|| panic!("no {level} {unit} {year} {measure} {group} row"))
}

#[test]
fn ks2_2019_figures_match_the_csv_text() {
    let p = read("schools/2018-2019_850_ks2final.csv");
    assert!(p.figures.iter().all(|f| f.year == 2019));
    use Population::{All, Disadvantaged as Dis, NotDisadvantaged as NotDis};
    // Locks Heath Junior: TELIG 124, TFSM6CLA1A 23, TNotFSM6CLA1A 101,
    // PTRWM_EXP 70%, _FSM6CLA1A 61%, _NotFSM6CLA1A 72%, READ_AVERAGE 105,
    // MAT_AVERAGE_FSM6CLA1A 104, PTRWM_HIGH_NotFSM6CLA1A 16%.
    let locks = school(115926, 850);
    assert_eq!(
        cells(figure(&p, "ks2.rwm_exp", All, locks)),
        (Some(124), Some(70.0), None)
    );
    assert_eq!(
        cells(figure(&p, "ks2.rwm_exp", Dis, locks)),
        (Some(23), Some(61.0), None)
    );
    assert_eq!(
        cells(figure(&p, "ks2.rwm_exp", NotDis, locks)),
        (Some(101), Some(72.0), None)
    );
    assert_eq!(
        cells(figure(&p, "ks2.read_avg", All, locks)),
        (Some(124), Some(105.0), None)
    );
    assert_eq!(
        cells(figure(&p, "ks2.mat_avg", Dis, locks)),
        (Some(23), Some(104.0), None)
    );
    assert_eq!(
        cells(figure(&p, "ks2.rwm_high", NotDis, locks)),
        (Some(101), Some(16.0), None)
    );
    // Heatherside: 7 disadvantaged pupils, 0% of them met RWM (a zero, not a gap).
    let heatherside = school(116010, 850);
    assert_eq!(
        cells(figure(&p, "ks2.rwm_exp", Dis, heatherside)),
        (Some(7), Some(0.0), None)
    );
    // Hiltingbury: 2 disadvantaged pupils, both sides SUPP, all pupils published.
    let hiltingbury = school(116007, 850);
    assert_eq!(
        cells(figure(&p, "ks2.rwm_exp", Dis, hiltingbury)),
        (Some(2), None, Some("SUPP"))
    );
    assert_eq!(
        cells(figure(&p, "ks2.rwm_exp", NotDis, hiltingbury)),
        (Some(95), None, Some("SUPP"))
    );
    assert_eq!(
        cells(figure(&p, "ks2.rwm_exp", All, hiltingbury)),
        (Some(97), Some(84.0), None)
    );
    // Cliddesden: no disadvantaged pupils, so an empty value cell.
    let cliddesden = school(115877, 850);
    assert_eq!(
        cells(figure(&p, "ks2.rwm_exp", Dis, cliddesden)),
        (Some(0), None, Some("empty"))
    );
    // Hyde: a whole-school SUPP (TELIG 2).
    let hyde = school(116294, 850);
    assert_eq!(
        cells(figure(&p, "ks2.rwm_exp", All, hyde)),
        (Some(2), None, Some("SUPP"))
    );
    assert_eq!(
        cells(figure(&p, "ks2.rwm_exp", NotDis, hyde)),
        (None, None, Some("SUPP"))
    );
    // The LA row (RECTYPE 3) and England, state-funded (RECTYPE 5).
    assert_eq!(
        cells(figure(&p, "ks2.rwm_exp", All, Area::La(850))),
        (Some(14855), Some(68.0), None)
    );
    assert_eq!(
        cells(figure(&p, "ks2.rwm_exp", Dis, Area::La(850))),
        (Some(3263), Some(49.0), None)
    );
    assert_eq!(
        cells(figure(&p, "ks2.rwm_exp", NotDis, Area::La(850))),
        (Some(11592), Some(73.0), None)
    );
    assert_eq!(
        cells(figure(&p, "ks2.rwm_exp", All, Area::England)),
        (Some(644967), Some(65.0), None)
    );
    assert_eq!(
        cells(figure(&p, "ks2.read_avg", NotDis, Area::England)),
        (Some(447479), Some(105.0), None)
    );
    // RECTYPE 4 (England, all schools: TELIG 649249) is not read.
    assert!(!p.figures.iter().any(|f| f.n == Some(649249)));
}

#[test]
fn ks4_2018_figures_match_the_csv_text() {
    let p = read("schools/2017-2018_850_ks4final.csv");
    use Population::{All, Disadvantaged as Dis, NotDisadvantaged as NotDis};
    // Testwood (ATT8SCR printed `44`, TOTATT8 its exact total).
    let testwood = school(137315, 850);
    let att8 = figure(&p, "ks4.att8", All, testwood);
    assert_eq!(cells(att8), (Some(107), Some(44.0), None));
    assert!(att8.numerator.is_some());
    assert_eq!(
        cells(figure(&p, "ks4.att8", Dis, testwood)),
        (Some(30), Some(36.4), None)
    );
    assert_eq!(
        cells(figure(&p, "ks4.basics4", NotDis, testwood)),
        (Some(77), Some(69.0), None)
    );
    assert_eq!(
        cells(figure(&p, "ks4.basics5", Dis, testwood)),
        (Some(30), Some(17.0), None)
    );
    // Rookwood, independent: disadvantaged NP, and not state-funded.
    let rookwood = Area::School(School {
        urn: 116513,
        la_code: 850,
        state_funded: false,
    });
    assert_eq!(
        cells(figure(&p, "ks4.basics4", Dis, rookwood)),
        (None, None, Some("NP"))
    );
    assert_eq!(
        cells(figure(&p, "ks4.basics4", All, rookwood)),
        (Some(27), Some(100.0), None)
    );
    // Prospect, special: no non-disadvantaged pupils, NE.
    let prospect = school(133581, 850);
    assert_eq!(
        cells(figure(&p, "ks4.att8", NotDis, prospect)),
        (Some(0), None, Some("NE"))
    );
    assert_eq!(
        cells(figure(&p, "ks4.basics4", Dis, prospect)),
        (Some(7), Some(0.0), None)
    );
    // The Mark Way: 5 disadvantaged pupils, SUPP.
    assert_eq!(
        cells(figure(&p, "ks4.att8", Dis, school(116641, 850))),
        (Some(5), None, Some("SUPP"))
    );
    // LA (RECTYPE 4): percentages printed with two decimals.
    assert_eq!(
        cells(figure(&p, "ks4.basics4", All, Area::La(850))),
        (Some(12497), Some(66.7), None)
    );
    assert_eq!(
        cells(figure(&p, "ks4.att8", Dis, Area::La(850))),
        (Some(2293), Some(33.8), None)
    );
    assert_eq!(
        cells(figure(&p, "ks4.basics5", Dis, Area::La(850))),
        (Some(2293), Some(20.0), None)
    );
    // England, state-funded (RECTYPE 7), not all schools (RECTYPE 5: 583615).
    assert_eq!(
        cells(figure(&p, "ks4.att8", All, Area::England)),
        (Some(523636), Some(46.5), None)
    );
    assert_eq!(
        cells(figure(&p, "ks4.basics4", Dis, Area::England)),
        (Some(141134), Some(44.5), None)
    );
    assert!(!p.figures.iter().any(|f| f.n == Some(583615)));
}

#[test]
fn the_england_ks4_extract_needs_a_year_and_gives_all_pupils_only() {
    let p = read("schools/2018-2019_883_845_ks4provisional.csv");
    let thurrock = figure(&p, "ks4.att8", Population::All, Area::La(883));
    assert_eq!(
        (thurrock.year, cells(thurrock)),
        (2019, (Some(1750), Some(43.5), None))
    );
    let gateway = figure(&p, "ks4.basics4", Population::All, school(133114, 883));
    assert_eq!(cells(gateway), (Some(196), Some(54.6), None));
    assert!(p.figures.iter().all(|f| f.population == Population::All));
    assert!(p.files[0]
        .notes
        .iter()
        .any(|n| n.contains("ATT8SCR_FSM6CLA1A")));
    // The file as DfE names it has no year: it must be given.
    let fixture = Fixture::new();
    let bytes = std::fs::read(dfe("schools/2018-2019_883_845_ks4provisional.csv")).unwrap();
    let path = fixture.file("england_ks4provisional.csv", &bytes);
    match Published::read(&path, None) {
        Err(Error::Usage(message)) => assert!(message.contains("--year"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        Published::read(&path, Some(2019)).unwrap().figures.len(),
        p.figures.len()
    );
}

#[test]
fn every_code_becomes_a_missing_value_that_keeps_its_reason() {
    let codes = [
        "SUPP", "NE", "NP", "NEW", "LOWCOV", "NA", "DNS", "x", "c", "z", "k", "u", "low", "-", ":",
        "..", "", " ",
    ];
    let mut text = String::from("\u{feff}RECTYPE,LEA,URN,NFTYPE,TELIG,PTRWM_EXP\r\n");
    for (i, code) in codes.iter().enumerate() {
        text += &format!("1,850,{},CY,20,{code}\r\n", 100001 + i);
    }
    text += "1,850,100100,CY,20,55.5%\r\n1,850,100101,CY,20"; // unterminated, ragged
    let fixture = Fixture::new();
    let path = fixture.file("2018-2019_850_ks2final.csv", text.as_bytes());
    let published = Published::read(&path, None).unwrap();
    let table = gap_table(&published, &options(&[Level::School])).unwrap();
    for (i, code) in codes.iter().enumerate() {
        let r = row(
            &table,
            Level::School,
            Unit::School(100001 + i as u32),
            2019,
            "ks2.rwm_exp",
            Group::All,
        );
        assert_eq!(table.value_member[r], None);
        assert_eq!(table.n_member[r], Some(20));
        let expected = match code.trim() {
            "" => "empty",
            other => other,
        };
        assert_eq!(
            extra(&table).reason[r].as_deref(),
            Some(expected),
            "{code:?}"
        );
    }
    let r = row(
        &table,
        Level::School,
        Unit::School(100100),
        2019,
        "ks2.rwm_exp",
        Group::All,
    );
    assert_eq!(
        (table.value_member[r], extra(&table).reason[r].as_deref()),
        (Some(55.0), None)
    );
    assert_eq!(extra(&table).published_member[r], Some(55.5));
    let r = row(
        &table,
        Level::School,
        Unit::School(100101),
        2019,
        "ks2.rwm_exp",
        Group::All,
    );
    assert_eq!(extra(&table).reason[r].as_deref(), Some("empty"));

    // An unknown code is an error naming the file, row, column and value.
    let bad = fixture.file(
        "2018-2019_bad_ks2final.csv",
        b"RECTYPE,LEA,URN,TELIG,PTRWM_EXP\n1,850,100001,20,55%\n1,850,100002,20,n/a\n",
    );
    match Published::read(&bad, None) {
        Err(Error::Invalid(e)) => {
            assert_eq!(
                (e.row, e.column.as_deref(), e.value.as_deref()),
                (Some(3), Some("PTRWM_EXP"), Some("n/a"))
            );
            assert!(e.file.ends_with("2018-2019_bad_ks2final.csv"));
        }
        other => panic!("{other:?}"),
    }
    // So is a percentage over 100 and a fractional count.
    for (line, column) in [
        ("1,850,100001,20,101%", "PTRWM_EXP"),
        ("1,850,100001,20.5,50%", "TELIG"),
    ] {
        let bad = fixture.file(
            "2018-2019_x_ks2final.csv",
            format!("RECTYPE,LEA,URN,TELIG,PTRWM_EXP\n{line}\n").as_bytes(),
        );
        match Published::read(&bad, None) {
            Err(Error::Invalid(e)) => assert_eq!(e.column.as_deref(), Some(column)),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn la_rows_pool_the_schools_with_the_published_la_figure_beside() {
    // Pooled from the state-funded schools' rows; see docs/published-tables.md §4.
    let cases = [
        (
            "schools/2016-2017_850_ks2final.csv",
            2017,
            "ks2.rwm_exp",
            Group::All,
            65.68,
            66.0,
            14025,
            14040,
        ),
        (
            "schools/2016-2017_850_ks2final.csv",
            2017,
            "ks2.rwm_exp",
            Group::Disadvantaged,
            46.85,
            47.0,
            2749,
            3075,
        ),
        (
            "schools/2017-2018_850_ks2final.csv",
            2018,
            "ks2.rwm_exp",
            Group::Disadvantaged,
            49.32,
            49.0,
            2806,
            3110,
        ),
        (
            "schools/2018-2019_850_ks2final.csv",
            2019,
            "ks2.rwm_exp",
            Group::All,
            67.72,
            68.0,
            14846,
            14855,
        ),
        (
            "schools/2018-2019_850_ks2final.csv",
            2019,
            "ks2.rwm_exp",
            Group::Disadvantaged,
            49.08,
            49.0,
            2885,
            3263,
        ),
        (
            "schools/2016-2017_850_ks4final.csv",
            2017,
            "ks4.basics4",
            Group::All,
            68.45,
            68.3,
            12711,
            12740,
        ),
        (
            "schools/2016-2017_850_ks4final.csv",
            2017,
            "ks4.basics4",
            Group::Disadvantaged,
            40.12,
            39.0,
            2181,
            2241,
        ),
        (
            "schools/2017-2018_850_ks4final.csv",
            2018,
            "ks4.att8",
            Group::Disadvantaged,
            34.38,
            33.8,
            2246,
            2293,
        ),
        (
            "schools/2017-2018_850_ks4final.csv",
            2018,
            "ks4.basics4",
            Group::Disadvantaged,
            39.36,
            38.6,
            2246,
            2293,
        ),
    ];
    for (file, year, measure, group, pooled, published, n, published_n) in cases {
        let table = gap_table(&read(file), &options(&[Level::La])).unwrap();
        let r = row(&table, Level::La, Unit::La(850), year, measure, group);
        let value = table.value_member[r].unwrap();
        assert!(
            (value - pooled).abs() < 0.005,
            "{file} {measure} {group}: {value}"
        );
        assert_eq!(extra(&table).published_member[r], Some(published));
        assert_eq!(
            (table.n_member[r], extra(&table).published_n_member[r]),
            (Some(n), Some(published_n))
        );
        assert!(extra(&table).rounded[r]);
        // KS2: within DfE's rounding of the whole-number LA figure; KS4:
        // the suppressed special-school pupils push the pooled figure up.
        let tolerance = if measure.starts_with("ks2") { 0.5 } else { 1.2 };
        assert!(
            (value - published).abs() <= tolerance,
            "{file} {measure} {group}: {value} vs {published}"
        );
    }
}

#[test]
fn gaps_and_intervals_use_the_recovered_counts() {
    let table = gap_table(
        &read("schools/2018-2019_850_ks2final.csv"),
        &options(&Level::ALL),
    )
    .unwrap();
    // Locks Heath: 14 of 23 disadvantaged (61%), 73 of 101 others (72%).
    let r = row(
        &table,
        Level::School,
        Unit::School(115926),
        2019,
        "ks2.rwm_exp",
        Group::Disadvantaged,
    );
    let expected = attain::stats::newcombe(14.0, 23.0, 73.0, 101.0).unwrap();
    assert!((table.value_member[r].unwrap() - 100.0 * 14.0 / 23.0).abs() < 1e-9);
    assert!((table.gap[r].unwrap() - 100.0 * (14.0 / 23.0 - 73.0 / 101.0)).abs() < 1e-9);
    assert!((table.gap_ci_low[r].unwrap() - 100.0 * expected.low).abs() < 1e-9);
    assert_eq!(extra(&table).published_member[r], Some(61.0));
    // National comparator: England's state-funded row as published.
    assert_eq!(
        (table.national_member[r], table.national_comparison[r]),
        (Some(51.0), Some(71.0))
    );
    assert!((table.gap_to_national[r].unwrap() - (100.0 * 14.0 / 23.0 - 71.0)).abs() < 1e-9);
    // Means have no spread in published tables: no interval.
    let r = row(
        &table,
        Level::School,
        Unit::School(115926),
        2019,
        "ks2.read_avg",
        Group::All,
    );
    assert_eq!(
        (table.value_member[r], table.ci_low[r]),
        (Some(105.0), None)
    );
    // Hiltingbury: suppressed by DfE, so the reason is SUPP.
    let r = row(
        &table,
        Level::School,
        Unit::School(116007),
        2019,
        "ks2.rwm_exp",
        Group::Disadvantaged,
    );
    assert_eq!(
        (
            table.value_member[r],
            table.gap[r],
            extra(&table).reason[r].as_deref()
        ),
        (None, None, Some("SUPP"))
    );
    // Only the groups the file publishes.
    assert!(table
        .group
        .iter()
        .all(|g| matches!(g, Group::All | Group::Disadvantaged)));
}

#[test]
fn ees_files_give_known_la_figures() {
    let cla = read("la/cla_outcomes_ks2_la.csv");
    let in_2019 = |area| {
        cla.figures
            .iter()
            .find(|f| f.year == 2019 && f.area == area)
            .unwrap()
    };
    let thurrock = in_2019(Area::La(883));
    // 201819,…,883,Thurrock,E06000034,CLA 12 months at 31 March,Final,…,12,7,58
    assert_eq!(
        (cells(thurrock), thurrock.numerator, thurrock.year),
        ((Some(12), Some(58.0), None), Some(7.0), 2019)
    );
    // East Sussex 2019: `c` (suppressed numerator).
    let east_sussex = in_2019(Area::La(845));
    assert_eq!(cells(east_sussex), (Some(24), None, Some("c")));
    assert_eq!(
        cla.la_regions.get(&883),
        Some(&Region::from_code("E12000006").unwrap())
    );
    // England's counts are rounded to 10 in this release.
    let england = cla
        .figures
        .iter()
        .find(|f| f.area == Area::England && f.year == 2019)
        .unwrap();
    assert!(england.count_rounded);

    let ks4 = read("la/cla_outcomes_ks4_la.csv");
    let att8 = ks4
        .figures
        .iter()
        .find(|f| f.measure.name == "ks4.att8" && f.area == Area::La(883) && f.year == 2023)
        .unwrap();
    assert_eq!(
        (cells(att8), att8.numerator),
        ((Some(24), Some(30.1), None), Some(723.0))
    );

    let eyfsp = read("la/eyfsp_headline_measures_2022.csv");
    let check = |population, area, expected: (u64, f64, f64)| {
        let f = eyfsp
            .figures
            .iter()
            .find(|f| f.population == population && f.area == area)
            .unwrap();
        assert_eq!(
            (f.n, f.numerator, f.value),
            (Some(expected.0), Some(expected.1), Some(expected.2))
        );
    };
    check(Population::All, Area::La(883), (2518, 1714.0, 68.1));
    check(Population::Fsm, Area::La(883), (452, 240.0, 53.1));
    check(Population::Ehcp, Area::La(845), (73, 1.0, 1.4));
    check(Population::NoSen, Area::England, (552523, 391972.0, 70.9));
    // LA districts carry their county's code; they are left out, not doubled.
    assert_eq!(
        eyfsp
            .figures
            .iter()
            .filter(|f| f.area == Area::La(845) && f.population == Population::All)
            .count(),
        1
    );

    // The gap table: LA value from exact counts, the published figure beside it.
    let mut opts = options(&[Level::National, Level::Region, Level::La]);
    opts.gap.las = vec![883];
    let table = gap_table(&eyfsp, &opts).unwrap();
    let r = row(
        &table,
        Level::La,
        Unit::La(883),
        2022,
        "eyfs.gld",
        Group::Fsm,
    );
    assert!((table.value_member[r].unwrap() - 100.0 * 240.0 / 452.0).abs() < 1e-9);
    assert!((table.value_comparison[r].unwrap() - 100.0 * 1474.0 / 2066.0).abs() < 1e-9);
    assert_eq!(extra(&table).published_member[r], Some(53.1));
    assert_eq!(table.national_comparison[r], Some(68.8));
    assert!(table.ci_low[r].is_some() && !extra(&table).rounded[r]);
    assert_eq!(extra(&table).region_member[r], Some(46.5));
    // Only Thurrock and its region.
    assert!(table.unit.iter().all(|u| [
        Unit::England,
        Unit::La(883),
        Unit::Region(Region::from_code("E12000006").unwrap())
    ]
    .iter()
    .any(|x| *u == x.to_string())));
}

#[test]
fn a_lait_extract_gives_known_la_figures_without_counts() {
    let lait = read("la/lait_attainment_883_845_850.csv");
    let value = |code_measure: &str, population, area, year| {
        let f = lait
            .figures
            .iter()
            .find(|f| {
                f.measure.name == code_measure
                    && f.population == population
                    && f.area == area
                    && f.year == year
            })
            .unwrap();
        assert_eq!(f.n, None);
        (f.value, f.missing)
    };
    // DAP_NEW_KS2_RWM,2019,883,Thurrock,57 and NonDAP …,76; England 51, 72.
    assert_eq!(
        value(
            "ks2.rwm_exp",
            Population::Disadvantaged,
            Area::La(883),
            2019
        ),
        (Some(57.0), None)
    );
    assert_eq!(
        value(
            "ks2.rwm_exp",
            Population::NotDisadvantaged,
            Area::La(883),
            2019
        ),
        (Some(76.0), None)
    );
    assert_eq!(
        value(
            "ks2.rwm_exp",
            Population::Disadvantaged,
            Area::England,
            2019
        ),
        (Some(51.0), None)
    );
    assert_eq!(
        value(
            "ks4.att8",
            Population::NotDisadvantaged,
            Area::La(883),
            2023
        ),
        (Some(46.9), None)
    );
    assert_eq!(
        value("eyfs.gld", Population::All, Area::La(845), 2022),
        (Some(69.0), None)
    );
    // LAC_KS2_ExpStd_RWM,2016,883,Thurrock,-
    assert_eq!(
        value("ks2.rwm_exp", Population::Cla, Area::La(883), 2016),
        (None, Some("-"))
    );
    // Attainment 8 for 2016 (old point scale) is left out.
    assert!(!lait
        .figures
        .iter()
        .any(|f| f.measure.name == "ks4.att8" && f.year == 2016));
    assert_eq!(
        lait.la_regions.get(&845),
        Some(&Region::from_code("E12000008").unwrap())
    );

    let mut opts = options(&[Level::National, Level::Region, Level::La]);
    opts.gap.las = vec![883];
    let table = gap_table(&lait, &opts).unwrap();
    let r = row(
        &table,
        Level::La,
        Unit::La(883),
        2019,
        "ks2.rwm_exp",
        Group::Disadvantaged,
    );
    assert_eq!(
        (table.value_member[r], table.value_comparison[r]),
        (Some(57.0), Some(76.0))
    );
    assert_eq!(
        (table.gap[r], table.n_member[r], table.ci_low[r]),
        (Some(-19.0), None, None)
    );
    assert_eq!(table.gap_to_national[r], Some(57.0 - 72.0));
    let region = row(
        &table,
        Level::Region,
        Unit::Region(Region::from_code("E12000006").unwrap()),
        2019,
        "ks2.rwm_exp",
        Group::Disadvantaged,
    );
    assert_eq!(extra(&table).region_member[r], table.value_member[region]);
}

#[test]
fn files_that_overlap_keep_the_figure_with_counts_and_say_so() {
    let mut both = read("la/lait_attainment_883_845_850.csv");
    both.extend(read("la/cla_outcomes_ks2_la.csv")).unwrap();
    // Thurrock's looked-after KS2 2019 figure is in both: the EES one (with counts) is kept.
    let kept: Vec<&Figure> = both
        .figures
        .iter()
        .filter(|f| {
            f.measure.name == "ks2.rwm_exp"
                && f.population == Population::Cla
                && f.area == Area::La(883)
                && f.year == 2019
        })
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!((kept[0].n, kept[0].numerator), (Some(12), Some(7.0)));
    assert!(both.files[0]
        .notes
        .iter()
        .any(|n| n.contains("taken from there")));
    gap_table(&both, &options(&[Level::La])).unwrap();

    // Two equally detailed files that disagree are an error naming both.
    let fixture = Fixture::new();
    let a = fixture.file(
        "2018-2019_a_ks2final.csv",
        b"RECTYPE,LEA,URN,TELIG,PTRWM_EXP\n3,850,,100,60%\n",
    );
    let b = fixture.file(
        "2018-2019_b_ks2final.csv",
        b"RECTYPE,LEA,URN,TELIG,PTRWM_EXP\n3,850,,100,70%\n",
    );
    match Published::read_files(&[a, b], &[] as &[PathBuf], None) {
        Err(Error::Invalid(e)) => {
            assert!(e.file.ends_with("2018-2019_b_ks2final.csv"));
            assert!(
                e.expected.contains("2018-2019_a_ks2final.csv, row 2"),
                "{}",
                e.expected
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_alliance_from_school_tables_equals_the_pupil_level_result() {
    // School tables written from the sample pupils, as DfE would publish
    // them (whole percentages), pool to the same alliance as the pupils.
    let pupils = datasets::sample(Phase::Ks2).unwrap();
    let national = National::Reference(datasets::sample_national().unwrap());
    let school_rows = gaps(
        &pupils,
        &national,
        &GapOptions {
            levels: vec![Level::School],
            suppression: Suppression { min_cohort: 0 },
            groupings: None,
            ..GapOptions::default()
        },
    )
    .unwrap();
    let year = 2024;
    let mut csv = String::from("RECTYPE,LEA,URN,NFTYPE,TELIG,TFSM6CLA1A,TNotFSM6CLA1A,PTRWM_EXP,PTRWM_EXP_FSM6CLA1A,PTRWM_EXP_NotFSM6CLA1A\n");
    let mut urns = Vec::new();
    for i in 0..school_rows.len() {
        if school_rows.year[i] != year
            || school_rows.measure[i] != "ks2.rwm_exp"
            || school_rows.group[i] != Group::Disadvantaged
        {
            continue;
        }
        let urn: u32 = school_rows.unit[i].parse().unwrap();
        let all = row(
            &school_rows,
            Level::School,
            Unit::School(urn),
            year,
            "ks2.rwm_exp",
            Group::All,
        );
        let (n, n_dis, n_other) = (
            school_rows.n_member[all].unwrap(),
            school_rows.n_member[i].unwrap(),
            school_rows.n_comparison[i].unwrap(),
        );
        // Whole percentages recover the count exactly for cohorts up to 100.
        if n > 100 || n_dis == 0 || n_other == 0 {
            continue;
        }
        let pct = |v: Option<f64>| format!("{:.0}%", v.unwrap());
        csv += &format!(
            "1,883,{urn},CY,{n},{n_dis},{n_other},{},{},{}\n",
            pct(school_rows.value_member[all]),
            pct(school_rows.value_member[i]),
            pct(school_rows.value_comparison[i])
        );
        urns.push(urn);
    }
    assert!(urns.len() >= 6, "{} schools", urns.len());
    let fixture = Fixture::new();
    let path = fixture.file("2023-2024_883_ks2final.csv", csv.as_bytes());
    let published = Published::read(&path, None).unwrap();

    let mut groups = String::from("urn,group_id,group_name\n");
    for &urn in &urns[0..4] {
        groups += &format!("{urn},NORTH,North alliance\n");
    }
    for &urn in &urns[3..6] {
        groups += &format!("{urn},T42,Trust 42\n");
    }
    let groupings =
        Arc::new(attain::Groupings::read_from(groups.as_bytes(), "groups.csv").unwrap());
    let gap = GapOptions {
        levels: vec![Level::Alliance],
        suppression: Suppression::default(),
        groupings: Some(groupings),
        ..GapOptions::default()
    };
    let from_tables = gap_table(
        &published,
        &PublishedOptions {
            gap: gap.clone(),
            ..PublishedOptions::default()
        },
    )
    .unwrap();
    let from_pupils = gaps(&pupils, &national, &gap).unwrap();
    for alliance in ["NORTH", "T42"] {
        for group in [Group::All, Group::Disadvantaged] {
            let t = row(
                &from_tables,
                Level::Alliance,
                alliance,
                year,
                "ks2.rwm_exp",
                group,
            );
            let p = row(
                &from_pupils,
                Level::Alliance,
                alliance,
                year,
                "ks2.rwm_exp",
                group,
            );
            assert!(
                from_pupils.value_member[p].is_some() && from_pupils.gap[p].is_some()
                    || group == Group::All
            );
            assert_eq!(from_tables.n_member[t], from_pupils.n_member[p]);
            assert_eq!(from_tables.n_comparison[t], from_pupils.n_comparison[p]);
            for (a, b) in [
                (from_tables.value_member[t], from_pupils.value_member[p]),
                (from_tables.ci_low[t], from_pupils.ci_low[p]),
                (from_tables.ci_high[t], from_pupils.ci_high[p]),
                (from_tables.gap[t], from_pupils.gap[p]),
                (from_tables.gap_ci_low[t], from_pupils.gap_ci_low[p]),
                (from_tables.gap_ci_high[t], from_pupils.gap_ci_high[p]),
            ] {
                assert_eq!(a.is_some(), b.is_some(), "alliance {alliance} {group}");
                if let (Some(a), Some(b)) = (a, b) {
                    assert!(
                        (a - b).abs() < 1e-9,
                        "alliance {alliance} {group}: {a} vs {b}"
                    );
                }
            }
        }
    }
}

#[test]
fn levels_and_options_are_checked() {
    let published = read("schools/2018-2019_850_ks2final.csv");
    match gap_table(&published, &options(&[Level::Alliance])) {
        Err(Error::Usage(message)) => assert!(message.contains("--groups")),
        other => panic!("{other:?}"),
    }
    // The region level is for published tables only.
    let pupils = datasets::sample(Phase::Ks2).unwrap();
    let national = National::Reference(datasets::sample_national().unwrap());
    let region = GapOptions {
        levels: vec![Level::Region],
        ..GapOptions::default()
    };
    assert!(matches!(
        gaps(&pupils, &national, &region),
        Err(Error::Usage(_))
    ));
    // An LA filter keeps England and that LA's schools only.
    let mut opts = options(&Level::ALL);
    opts.gap.las = vec![883];
    let table = gap_table(&published, &opts).unwrap();
    assert!(table.unit.iter().all(|u| *u == Unit::England.to_string()));
    // Suppression applies to published figures too, and withholds the
    // published value beside a withheld one.
    let mut strict = options(&[Level::School]);
    strict.gap.suppression = Suppression { min_cohort: 30 };
    let table = gap_table(&published, &strict).unwrap();
    let r = row(
        &table,
        Level::School,
        Unit::School(115926),
        2019,
        "ks2.rwm_exp",
        Group::Disadvantaged,
    );
    assert_eq!(
        (
            table.value_member[r],
            extra(&table).published_member[r],
            extra(&table).reason[r].as_deref()
        ),
        (None, None, Some("min_cohort"))
    );
    assert!(table.suppressed[r]);
    // The frame has the published columns after the pupil table's.
    let frame = attain::published::gap_table(&published, &strict).unwrap();
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let expected: Vec<&str> = attain::schema::GAP_COLUMNS
        .iter()
        .chain(attain::schema::PUBLISHED_COLUMNS.iter())
        .map(|c| c.name)
        .collect();
    assert_eq!(names, expected);
}
