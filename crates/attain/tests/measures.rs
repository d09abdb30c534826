//! Hand-computed fixtures for every measure and group.

mod common;

use attain::stats;
use attain::{
    Group, Level, Measure, National, NationalFigure, NationalFigures, Phase, Population, Unit,
};
use common::*;

const KS2: &str = "\
pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,ks2_read,ks2_mat,ks2_writ
p1,2024,100001,883,1,1,N,0,105,101,EXS
p2,2024,100001,883,0,0,N,0,112,115,GDS
p3,2024,100001,883,0,1,K,0,99,104,EXS
p4,2024,100001,883,0,0,E,0,,,D
p5,2024,100001,883,1,1,K,1,100,100,WTS
p6,2024,100002,883,0,0,N,0,110,110,GDS
p7,2024,100002,883,0,1,N,0,95,120,A
";

const SCHOOL: Unit = Unit::School(100001);

#[test]
fn ks2_rates_for_every_group_in_a_school() {
    let table = compute(&load(KS2), National::Local, 0);
    let rate = |group, n, value: f64, n_comparison: Option<u64>, comparison: Option<f64>| {
        let r = row(&table, Level::School, SCHOOL, "ks2.rwm_exp", group);
        assert_eq!(r.n_member, n, "{group}");
        close(r.value_member, value);
        assert_eq!(r.n_comparison, n_comparison, "{group}");
        match comparison {
            Some(c) => {
                close(r.value_comparison, c);
                close(r.gap, value - c);
            }
            None => assert_eq!((r.value_comparison, r.gap), (None, None), "{group}"),
        }
    };
    rate(Group::All, 5, 40.0, None, None);
    rate(Group::Disadvantaged, 3, 100.0 / 3.0, Some(2), Some(50.0));
    rate(Group::Fsm, 2, 50.0, Some(3), Some(100.0 / 3.0));
    rate(Group::SenSupport, 2, 0.0, Some(2), Some(100.0));
    rate(Group::Ehcp, 1, 0.0, Some(2), Some(100.0));
    rate(Group::SenAny, 3, 0.0, Some(2), Some(100.0));
    rate(Group::Cla, 1, 0.0, Some(4), Some(50.0));

    let high = row(&table, Level::School, SCHOOL, "ks2.rwm_high", Group::All);
    close(high.value_member, 20.0);
    // Wilson 2/5 is the textbook 0.1176 to 0.7693.
    let all = row(&table, Level::School, SCHOOL, "ks2.rwm_exp", Group::All);
    near(all.ci.0, 11.76, 0.005);
    near(all.ci.1, 76.93, 0.005);
    // Newcombe for 1/3 - 1/2.
    let disadvantaged = row(
        &table,
        Level::School,
        SCHOOL,
        "ks2.rwm_exp",
        Group::Disadvantaged,
    );
    let expected = stats::newcombe(1.0, 3.0, 1.0, 2.0).unwrap();
    close(disadvantaged.gap_ci.0, 100.0 * expected.low);
    close(disadvantaged.gap_ci.1, 100.0 * expected.high);
}

#[test]
fn ks2_means_use_pupils_with_a_score() {
    let table = compute(&load(KS2), National::Local, 0);
    let read = row(&table, Level::School, SCHOOL, "ks2.read_avg", Group::All);
    assert_eq!(read.n_member, 4);
    close(read.value_member, 104.0);
    // Scores 105, 112, 99, 100: sample variance 106/3, t(0.975, 3) = 3.182446.
    let half = 3.182446305 * (106.0f64 / 3.0 / 4.0).sqrt();
    near(read.ci.0, 104.0 - half, 1e-6);
    near(read.ci.1, 104.0 + half, 1e-6);
    let mat = row(&table, Level::School, SCHOOL, "ks2.mat_avg", Group::All);
    close(mat.value_member, 105.0);

    // Disadvantaged 105, 99, 100 against not disadvantaged 112 (one pupil
    // with a score): a gap but no Welch interval.
    let disadvantaged = row(
        &table,
        Level::School,
        SCHOOL,
        "ks2.read_avg",
        Group::Disadvantaged,
    );
    assert_eq!(
        (disadvantaged.n_member, disadvantaged.n_comparison),
        (3, Some(1))
    );
    close(disadvantaged.gap, 304.0 / 3.0 - 112.0);
    assert_eq!(disadvantaged.gap_ci, (None, None));

    // The EHC plan pupil has no scores: a mean from no pupils is empty, its
    // comparison still filled.
    let ehcp = row(&table, Level::School, SCHOOL, "ks2.read_avg", Group::Ehcp);
    assert_eq!(ehcp.n_member, 0);
    assert_eq!(
        (ehcp.value_member, ehcp.ci, ehcp.gap),
        (None, (None, None), None)
    );
    close(ehcp.value_comparison, 108.5);
}

#[test]
fn la_and_national_levels_pool_every_school() {
    let table = compute(&load(KS2), National::Local, 0);
    let la = row(&table, Level::La, Unit::La(883), "ks2.rwm_exp", Group::All);
    assert_eq!(la.n_member, 7);
    close(la.value_member, 300.0 / 7.0);
    let disadvantaged = row(
        &table,
        Level::La,
        Unit::La(883),
        "ks2.rwm_exp",
        Group::Disadvantaged,
    );
    close(disadvantaged.value_member, 25.0);
    close(disadvantaged.value_comparison, 200.0 / 3.0);
    let read = row(
        &table,
        Level::National,
        Unit::England,
        "ks2.read_avg",
        Group::All,
    );
    close(read.value_member, 621.0 / 6.0);
    // With the pupils as the national cohort, national figures are theirs.
    close(disadvantaged.national_member, 25.0);
    close(disadvantaged.national_comparison, 200.0 / 3.0);
    close(disadvantaged.gap_to_national, 25.0 - 200.0 / 3.0);
    close(disadvantaged.gap_vs_national_gap, 0.0);
    // A row for every unit, measure and group: 1 + 1 + 2 units.
    assert_eq!(table.len(), 4 * 4 * 7);
}

#[test]
fn an_empty_group_has_no_values_but_keeps_its_comparison() {
    let csv = "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,gld\n\
               a,2023,1,883,0,0,N,0,true\nb,2023,1,883,0,0,N,0,false\nc,2023,1,883,0,1,N,0,true\n";
    let table = compute(&load(csv), National::Local, 0);
    let cla = row(
        &table,
        Level::School,
        Unit::School(1),
        "eyfs.gld",
        Group::Cla,
    );
    assert_eq!(cla.n_member, 0);
    assert_eq!(
        (cla.value_member, cla.ci, cla.gap, cla.gap_ci),
        (None, (None, None), None, (None, None))
    );
    assert_eq!(cla.n_comparison, Some(3));
    close(cla.value_comparison, 200.0 / 3.0);
    assert!(!cla.suppressed);
    let all = row(
        &table,
        Level::School,
        Unit::School(1),
        "eyfs.gld",
        Group::All,
    );
    assert_eq!(
        (
            all.n_comparison,
            all.value_comparison,
            all.gap,
            all.gap_to_national
        ),
        (None, None, None, None)
    );
    assert_eq!((all.national_comparison, all.national_gap), (None, None));
    close(all.national_member, 200.0 / 3.0);
}

#[test]
fn eyfs_and_phonics() {
    let eyfs = "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,gld\n\
                a,2023,1,883,1,1,N,0,true\nb,2023,1,883,0,0,N,0,false\nc,2023,1,883,0,0,K,0,true\nd,2023,1,883,0,0,N,0,true\n";
    let table = compute(&load(eyfs), National::Local, 0);
    close(
        row(
            &table,
            Level::School,
            Unit::School(1),
            "eyfs.gld",
            Group::All,
        )
        .value_member,
        75.0,
    );
    close(
        row(
            &table,
            Level::School,
            Unit::School(1),
            "eyfs.gld",
            Group::Fsm,
        )
        .value_comparison,
        200.0 / 3.0,
    );

    let phonics = "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,phonics_mark\n\
                   a,2023,1,883,0,0,N,0,32\nb,2023,1,883,0,0,N,0,31\nc,2023,1,883,0,0,N,0,\nd,2023,1,883,0,0,N,0,40\n";
    let table = compute(&load(phonics), National::Local, 0);
    let met = row(
        &table,
        Level::School,
        Unit::School(1),
        "phonics.met",
        Group::All,
    );
    assert_eq!(
        met.n_member, 4,
        "a pupil with no mark is in the denominator"
    );
    close(met.value_member, 50.0);
}

#[test]
fn ks1_codes_absent_and_disapplied_count_as_not_met() {
    let csv = "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,ks1_read,ks1_writ,ks1_mat\n\
               a,2019,1,883,0,0,N,0,EXS,EXS,GDS\nb,2019,1,883,0,0,N,0,GDS,WTS,EXS\n\
               c,2019,1,883,0,0,N,0,A,A,A\nd,2019,1,883,0,0,N,0,,D,EXS\n";
    let table = compute(&load(csv), National::Local, 0);
    let value =
        |measure| row(&table, Level::School, Unit::School(1), measure, Group::All).value_member;
    close(value("ks1.read_exp"), 50.0);
    close(value("ks1.writ_exp"), 25.0);
    close(value("ks1.mat_exp"), 75.0);
    close(value("ks1.rwm_exp"), 25.0);
}

#[test]
fn ks4_attainment_8_and_basics() {
    let csv = "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,att8,eng_grade,mat_grade\n\
               a,2024,1,883,0,0,N,0,50.5,5,4\nb,2024,1,883,0,0,N,0,30,3,6\n\
               c,2024,1,883,0,0,N,0,,,9\nd,2024,1,883,0,0,N,0,70,9,9\n";
    let table = compute(&load(csv), National::Local, 0);
    let get = |measure| row(&table, Level::School, Unit::School(1), measure, Group::All);
    assert_eq!(get("ks4.att8").n_member, 3);
    close(get("ks4.att8").value_member, 150.5 / 3.0);
    close(get("ks4.basics4").value_member, 50.0);
    close(get("ks4.basics5").value_member, 25.0);
}

#[test]
fn one_pupil_has_a_value_but_no_mean_interval() {
    let csv = "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,att8,eng_grade,mat_grade\n\
               a,2024,1,883,0,0,N,0,44,4,4\n";
    let table = compute(&load(csv), National::Local, 0);
    let att8 = row(
        &table,
        Level::School,
        Unit::School(1),
        "ks4.att8",
        Group::All,
    );
    assert_eq!(
        (att8.n_member, att8.value_member, att8.ci),
        (1, Some(44.0), (None, None))
    );
    let basics = row(
        &table,
        Level::School,
        Unit::School(1),
        "ks4.basics4",
        Group::All,
    );
    close(basics.value_member, 100.0);
    assert!(basics.ci.0.is_some(), "Wilson is defined for one pupil");
    assert_eq!(basics.ci.1, Some(100.0));
}

#[test]
fn small_cohorts_are_withheld() {
    let table = compute(&load(KS2), National::Local, 6);
    // School 100001 has 5 pupils: every value there is withheld, counts stay.
    let all = row(&table, Level::School, SCHOOL, "ks2.rwm_exp", Group::All);
    assert_eq!(
        (all.n_member, all.value_member, all.ci),
        (5, None, (None, None))
    );
    assert!(all.suppressed);
    close(all.national_member, 300.0 / 7.0);
    // The LA has 7 pupils: 4 disadvantaged (withheld), 3 others (withheld).
    let disadvantaged = row(
        &table,
        Level::La,
        Unit::La(883),
        "ks2.rwm_exp",
        Group::Disadvantaged,
    );
    assert_eq!(
        (disadvantaged.n_member, disadvantaged.n_comparison),
        (4, Some(3))
    );
    assert_eq!(
        (
            disadvantaged.value_member,
            disadvantaged.value_comparison,
            disadvantaged.gap
        ),
        (None, None, None)
    );
    assert_eq!(
        (
            disadvantaged.gap_to_national,
            disadvantaged.gap_vs_national_gap
        ),
        (None, None)
    );
    assert!(disadvantaged.suppressed);
    // These pupils are also "England" here: 4 and 3 pupils nationally, so
    // the national figures are withheld as well.
    assert_eq!(
        (disadvantaged.national_member, disadvantaged.national_gap),
        (None, None)
    );
    // 7 pupils in all: shown.
    let la = row(&table, Level::La, Unit::La(883), "ks2.rwm_exp", Group::All);
    assert!(!la.suppressed);
    close(la.value_member, 300.0 / 7.0);
}

#[test]
fn a_small_comparison_withholds_the_gap_but_not_the_member() {
    // 6 not-disadvantaged pupils and 2 disadvantaged: the comparison side is
    // shown, the member side withheld; then the reverse.
    let mut csv = String::from("pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,gld\n");
    for i in 0..8 {
        csv += &format!("p{i},2023,1,883,0,{},N,0,{}\n", (i < 2) as u8, i % 2 == 0);
    }
    let national = NationalFigures::read_reference_from(
        "phase,year,measure,group,value\neyfs,2023,gld,disadvantaged,50\neyfs,2023,gld,not_disadvantaged,70\n".as_bytes(),
        "reference",
    )
    .unwrap();
    let table = compute(&load(&csv), National::Reference(national), 6);
    let r = row(
        &table,
        Level::School,
        Unit::School(1),
        "eyfs.gld",
        Group::Disadvantaged,
    );
    assert_eq!(
        (r.value_member, r.gap, r.gap_to_national),
        (None, None, None)
    );
    close(r.value_comparison, 50.0);
    assert!(r.suppressed);

    let mut csv = String::from("pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,gld\n");
    for i in 0..8 {
        csv += &format!("p{i},2023,1,883,0,{},N,0,{}\n", (i >= 2) as u8, i % 2 == 0);
    }
    let national = NationalFigures::read_reference_from(
        "phase,year,measure,group,value\neyfs,2023,eyfs.gld,disadvantaged,50\neyfs,2023,eyfs.gld,not_disadvantaged,70\n".as_bytes(),
        "reference",
    )
    .unwrap();
    let table = compute(&load(&csv), National::Reference(national), 6);
    let r = row(
        &table,
        Level::School,
        Unit::School(1),
        "eyfs.gld",
        Group::Disadvantaged,
    );
    close(r.value_member, 50.0);
    assert_eq!(
        (r.value_comparison, r.gap, r.gap_ci, r.gap_vs_national_gap),
        (None, None, (None, None), None)
    );
    close(r.gap_to_national, 50.0 - 70.0);
    close(r.national_gap, -20.0);
    assert!(r.suppressed);
}

#[test]
fn national_reference_figures_fill_the_national_columns_and_rows() {
    let mut national = NationalFigures::default();
    let measure = Measure::find(Phase::Ks2, "rwm_exp").unwrap();
    national.insert(
        2024,
        measure,
        Population::Disadvantaged,
        NationalFigure {
            value: 46.0,
            n: Some(160_000),
        },
    );
    national.insert(
        2024,
        measure,
        Population::NotDisadvantaged,
        NationalFigure {
            value: 68.0,
            n: None,
        },
    );
    let table = compute(&load(KS2), National::Reference(national), 0);
    let la = row(
        &table,
        Level::La,
        Unit::La(883),
        "ks2.rwm_exp",
        Group::Disadvantaged,
    );
    close(la.national_member, 46.0);
    close(la.national_comparison, 68.0);
    close(la.gap_to_national, 25.0 - 68.0);
    close(la.national_gap, -22.0);
    close(la.gap_vs_national_gap, (25.0 - 200.0 / 3.0) + 22.0);
    // National rows carry the published values and counts, without intervals.
    let england = row(
        &table,
        Level::National,
        Unit::England,
        "ks2.rwm_exp",
        Group::Disadvantaged,
    );
    assert_eq!(
        (england.n_member, england.value_member, england.ci),
        (160_000, Some(46.0), (None, None))
    );
    close(england.gap, -22.0);
    let missing = row(&table, Level::La, Unit::La(883), "ks2.rwm_exp", Group::Fsm);
    assert_eq!(
        (missing.national_member, missing.gap_to_national),
        (None, None)
    );
}

#[test]
fn years_are_computed_on_their_own() {
    let csv = "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,gld\n\
               a,2023,1,883,0,0,N,0,true\na,2024,1,883,0,0,N,0,false\nb,2024,1,883,0,0,N,0,false\n";
    let table = compute(&load(csv), National::Local, 0);
    let years: Vec<u16> = table.year.iter().copied().collect();
    assert!(years.contains(&2023) && years.contains(&2024));
    let only = |year: u16| {
        (0..table.len())
            .find(|&i| {
                table.year[i] == year
                    && table.level[i] == Level::School
                    && table.group[i] == Group::All
            })
            .unwrap()
    };
    assert_eq!(table.value_member[only(2023)], Some(100.0));
    assert_eq!(table.value_member[only(2024)], Some(0.0));
}

#[test]
fn national_figures_from_a_handful_of_pupils_are_withheld_too() {
    // Three pupils as "England": the national row is withheld, and so is every
    // national figure computed from it.
    let csv = "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,gld\n\
               a,2023,1,883,0,0,N,0,true\nb,2023,1,883,0,1,N,0,false\nc,2023,2,883,0,0,N,0,true\n";
    let table = compute(&load(csv), National::Local, 6);
    for i in 0..table.len() {
        assert_eq!(
            (
                table.national_member[i],
                table.national_comparison[i],
                table.national_gap[i]
            ),
            (None, None, None),
            "row {i}"
        );
    }
    let table = compute(&load(csv), National::Local, 0);
    let all = row(
        &table,
        Level::School,
        Unit::School(1),
        "eyfs.gld",
        Group::All,
    );
    close(all.national_member, 200.0 / 3.0);
}

#[test]
fn published_national_rows_without_counts_have_no_n() {
    let mut national = NationalFigures::default();
    let measure = Measure::find(Phase::Ks2, "rwm_exp").unwrap();
    national.insert(
        2024,
        measure,
        Population::All,
        NationalFigure {
            value: 61.0,
            n: None,
        },
    );
    let table = compute(&load(KS2), National::Reference(national), 6);
    let i = (0..table.len())
        .find(|&i| {
            table.level[i] == Level::National
                && table.measure[i] == "ks2.rwm_exp"
                && table.group[i] == Group::All
        })
        .unwrap();
    assert_eq!(
        (
            table.n_member[i],
            table.value_member[i],
            table.suppressed[i]
        ),
        (None, Some(61.0), false)
    );
    let j = (0..table.len())
        .find(|&i| {
            table.level[i] == Level::National
                && table.measure[i] == "ks2.read_avg"
                && table.group[i] == Group::All
        })
        .unwrap();
    assert_eq!((table.n_member[j], table.value_member[j]), (None, None));
}

#[test]
fn a_rate_out_of_range_is_refused() {
    let text =
        "phase,year,measure,group,value\nks2,2024,rwm_exp,all,161\nks2,2024,read_avg,all,105\n";
    match NationalFigures::read_reference_from(text.as_bytes(), "national.csv") {
        Err(attain::Error::Invalid(e)) => {
            assert_eq!(
                (e.row, e.column.as_deref(), e.value.as_deref()),
                (Some(2), Some("value"), Some("161"))
            );
            assert!(e.expected.contains("percentage from 0 to 100"));
        }
        other => panic!("{other:?}"),
    }
}
