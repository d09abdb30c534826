//! Categorisation: every kind of rule on constructed schools, rules-file
//! errors that name the line, the shipped sample under the default rules,
//! and targets at the edges of their intervals.

use attain::categorise::{categorise, Evidence, Outcome, Rules};
use attain::ofsted::Inspections;
use attain::{GapOptions, Level, National, NationalFigures, Phase};
use polars::prelude::*;

/// Two KS2 schools over three years: school 100001 has 19 of its 20 pupils
/// at the expected standard; school 100002 falls from 90% to 80% to 20%.
fn cohort() -> attain::PupilTable {
    let mut csv = String::from(
        "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,ks2_read,ks2_mat,ks2_writ\n",
    );
    for (year, second_met) in [(2022, 18), (2023, 16), (2024, 4)] {
        for i in 0..20 {
            // One pupil of school 100001 falls short, and three reach the
            // higher standard: a school where every pupil, or none, meets a
            // rate gives away its withheld groups (they all met it too, or
            // none did), so its figure would be withheld, in every rate.
            let a = if i == 19 { 95 } else { 110 };
            let writing = if (5..8).contains(&i) { "GDS" } else { "EXS" };
            csv += &format!(
                "a{year}-{i},{year},100001,883,false,{},N,false,{a},{a},{writing}\n",
                i < 5
            );
            // Its first pupil reaches the higher standard, so that it
            // too has a rate met by some pupils and not others.
            let met = i < second_met;
            let (score, writing) = match (met, i) {
                (true, 0) => (110, "GDS"),
                (true, _) => (105, "EXS"),
                _ => (95, "EXS"),
            };
            csv += &format!(
                "b{year}-{i},{year},100002,883,false,{},N,false,{score},{score},{writing}\n",
                i < 5
            );
        }
    }
    attain::pupils::read_csv_from(csv.as_bytes(), "cohort", Some(Phase::Ks2)).unwrap()
}

fn national() -> National {
    let mut text = String::from("phase,year,measure,group,value\n");
    for year in [2022, 2023, 2024] {
        for (group, value) in [
            ("all", 60.0),
            ("disadvantaged", 45.0),
            ("not_disadvantaged", 66.0),
        ] {
            text += &format!("ks2,{year},ks2.rwm_exp,{group},{value}\n");
        }
    }
    National::Reference(NationalFigures::read_reference_from(text.as_bytes(), "national").unwrap())
}

fn tables() -> (DataFrame, DataFrame) {
    let summaries = attain::summarise(&cohort(), &attain::Estimates::none());
    let national = national();
    let options = GapOptions {
        levels: vec![Level::School],
        ..GapOptions::default()
    };
    let gaps = attain::gap_table(&summaries, &national, &options).unwrap();
    let comparison = attain::gaps::Comparison::new(&summaries, &national).unwrap();
    let trends = attain::trends::trends(&comparison, &options, Default::default()).unwrap();
    (gaps, trends)
}

/// The reasons of a unit, by rule name and outcome.
fn fired(result: &[attain::categorise::Categorised], unit: &str) -> Vec<(String, Outcome, String)> {
    result
        .iter()
        .find(|c| c.unit == unit)
        .unwrap_or_else(|| panic!("no unit {unit}"))
        .reasons
        .iter()
        .map(|r| (r.rule.clone(), r.outcome, r.text.clone()))
        .collect()
}

const OFSTED: &str = "URN,LAESTAB,School name,Ofsted phase,Total number of pupils,Latest OEIF overall effectiveness,Inspection start date of latest OEIF graded inspection,Inspection start date,Safeguarding standards,Inclusion,Achievement\n\
100001,8832001,Alpha Primary,Primary,210,2,14/03/2023,,,,\n\
100002,8832002,Beta Primary,Primary,180,4,01/02/2017,20/11/2025,Not met,Needs attention,Urgent improvement\n";

#[test]
fn every_kind_of_rule_fires_with_its_figures() {
    let (gaps, trends) = tables();
    let rules = Rules::parse(
        r#"
categories = ["green", "amber", "red"]
default = "green"

[[rule]]
name = "below England"
category = "amber"
when = "significance"
measure = "ks2.rwm_exp"
group = "all"
against = "national_all"
is = "below"

[[rule]]
name = "low value"
category = "amber"
when = "figure"
measure = "ks2.rwm_exp"
group = "all"
field = "value"
below = 50

[[rule]]
name = "dropped"
category = "amber"
when = "significant_drop"
measure = "ks2.rwm_exp"
group = "all"

[[rule]]
name = "falling"
category = "amber"
when = "falling"
measure = "ks2.rwm_exp"
group = "all"

[[rule]]
name = "small"
category = "green"
when = "cohort"
measure = "ks2.rwm_exp"
group = "all"
fewer_than = 25

[[rule]]
name = "disadvantaged withheld"
category = "amber"
when = "figure"
measure = "ks2.rwm_exp"
group = "disadvantaged"
field = "value"
below = 50

[[rule]]
name = "no ks4 here"
category = "red"
when = "figure"
measure = "ks4.att8"
group = "all"
field = "value"
below = 100

[[rule]]
name = "inadequate"
category = "red"
when = "ofsted_grade"
grades = [4]

[[rule]]
name = "urgent"
category = "red"
when = "report_card"
grades = ["urgent_improvement"]

[[rule]]
name = "safeguarding"
category = "red"
when = "safeguarding_not_met"

[[rule]]
name = "old inspection"
category = "amber"
when = "inspected_before"
years = 1
"#,
        "rules.toml",
    )
    .unwrap();
    let inspections = Inspections::read_from(OFSTED.as_bytes(), "ofsted.csv", None).unwrap();
    let evidence = Evidence::new(&gaps, Some(&trends), Some(&inspections), None).unwrap();
    assert_eq!(evidence.years_judged(), "2024");
    let result = categorise(&rules, &evidence, &[883], None);
    assert_eq!(result.len(), 2);

    let good = fired(&result, "100001");
    let names: Vec<&str> = good.iter().map(|(n, _, _)| n.as_str()).collect();
    // 100% against 60%: nothing but its cohort (20 < 25), the
    // disadvantaged figure of 5 pupils, withheld (not evaluated, not
    // passed), and its inspection of March 2023, 1.5 years before the end of
    // the year judged. It has no report card: those rules do not apply.
    assert_eq!(
        names,
        ["small", "disadvantaged withheld", "old inspection"],
        "{good:?}"
    );
    assert_eq!(good[1].1, Outcome::NotEvaluated);
    assert!(good[1].2.contains("figure withheld"), "{}", good[1].2);
    let alpha = result.iter().find(|c| c.unit == "100001").unwrap();
    assert_eq!(
        (alpha.category.as_str(), alpha.name.as_deref()),
        ("amber", Some("Alpha Primary"))
    );
    assert!(
        good[2].2.contains("last inspected 2023-03-14"),
        "{}",
        good[2].2
    );

    let bad = fired(&result, "100002");
    let names: Vec<&str> = bad.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "below England",
            "low value",
            "dropped",
            "falling",
            "small",
            "disadvantaged withheld",
            "inadequate",
            "urgent",
            "safeguarding",
        ],
        "{bad:?}"
    );
    let text = |name: &str| bad.iter().find(|(n, _, _)| n == name).unwrap().2.clone();
    assert!(text("below England").contains("20.0%") && text("below England").contains("(60.0%)"));
    assert!(
        text("falling").contains("90.0% → 80.0% → 20.0%"),
        "{}",
        text("falling")
    );
    assert!(
        text("dropped").contains("80.0% (2023) to 20.0% (2024)"),
        "{}",
        text("dropped")
    );
    assert!(text("inadequate").contains("inadequate (inspected 2017-02-01)"));
    assert!(
        text("urgent").contains("achievement urgent improvement"),
        "{}",
        text("urgent")
    );
    let beta = result.iter().find(|c| c.unit == "100002").unwrap();
    assert_eq!(beta.category, "red");

    // First match takes the first rule that fires, not the most severe.
    let first = Rules {
        policy: attain::categorise::Policy::FirstMatch,
        ..rules.clone()
    };
    let result = categorise(&first, &evidence, &[883], None);
    assert_eq!(
        result.iter().find(|c| c.unit == "100002").unwrap().category,
        "amber"
    );
}

#[test]
fn rules_file_errors_name_the_line() {
    let base = "categories = [\"green\", \"red\"]\ndefault = \"green\"\n\n[[rule]]\nname = \"x\"\ncategory = \"red\"\nwhen = \"figure\"\nmeasure = \"ks2.rwm_exp\"\ngroup = \"all\"\nfield = \"value\"\nbelow = 50\n";
    assert!(Rules::parse(base, "rules.toml").is_ok());
    for (from, to, expected) in [
        ("measure = \"ks2.rwm_exp\"", "measure = \"ks2.rwm\"", "rules.toml, line 8, column `measure`: found \"ks2.rwm\", expected a measure: eyfs.gld"),
        ("group = \"all\"", "group = \"everyone\"", "rules.toml, line 9, column `group`: found \"everyone\""),
        ("category = \"red\"", "category = \"orange\"", "rules.toml, line 6, column `category`: found \"orange\", expected one of the categories: green, red"),
        ("below = 50", "below = \"fifty\"", "rules.toml, line 11: expected a rules file as the docs describe it: invalid type: string \"fifty\", expected f64"),
        ("field = \"value\"", "feild = \"value\"", "rules.toml, line 10: expected a rules file as the docs describe it: unknown field `feild`"),
        ("when = \"figure\"", "when = \"vibes\"", "rules.toml, line 7, column `when`: found \"vibes\", expected one of figure, significance"),
        ("below = 50", "", "rules.toml, line 7, column `below`: expected `below` or `above`"),
        ("default = \"green\"", "default = \"blue\"", "rules.toml, line 2, column `default`: found \"blue\""),
        ("below = 50", "below = 50\nfewer_than = 5", "rules.toml, line 12, column `fewer_than`: expected only the fields of a rule when = \"figure\": measure, group, field, below, above"),
    ] {
        let text = base.replace(from, to);
        let error = Rules::parse(&text, "rules.toml").unwrap_err().to_string();
        assert!(error.starts_with(expected), "{from} → {to}:\n{error}");
    }
}

#[test]
fn the_sample_under_the_default_rules_gives_each_school_one_category() {
    let rules = Rules::default_rules();
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sample");
    let national =
        National::Reference(NationalFigures::read_reference(root.join("national.csv")).unwrap());
    let estimates = attain::Estimates::read(root.join("estimates.csv")).unwrap();
    let options =
        GapOptions::default()
            .with_las(vec![883])
            .with_progress(attain::ProgressOptions {
                estimates: Some(std::sync::Arc::new(estimates.clone())),
                ..Default::default()
            });
    let (mut gaps, mut trends) = (attain::schema::empty(false), attain::schema::empty_trends());
    for phase in Phase::ALL {
        let summaries = attain::summarise(&attain::datasets::sample(phase).unwrap(), &estimates);
        gaps.vstack_mut_owned(attain::gap_table(&summaries, &national, &options).unwrap())
            .unwrap();
        let comparison = attain::gaps::Comparison::new(&summaries, &national).unwrap();
        trends
            .vstack_mut_owned(
                attain::trends::trends(&comparison, &options, Default::default()).unwrap(),
            )
            .unwrap();
    }
    let evidence = Evidence::new(&gaps, Some(&trends), None, None).unwrap();
    let result = categorise(&rules, &evidence, &[883], None);
    let rows = attain::schema::GapRows::from_frame(&gaps).unwrap();
    let mut schools: Vec<&str> = (0..rows.len())
        .filter(|&i| rows.level[i] == Level::School)
        .map(|i| rows.unit[i].as_str())
        .collect();
    schools.sort();
    schools.dedup();
    let mut categorised: Vec<&str> = result.iter().map(|c| c.unit.as_str()).collect();
    categorised.sort();
    assert_eq!(categorised, schools, "every school once");
    for unit in &result {
        assert!(rules.categories.contains(&unit.category));
        // A school above the default category has a fired rule saying why.
        if unit.category != "green" {
            assert!(unit.reasons.iter().any(|r| r.outcome == Outcome::Fired
                && r.category.as_deref() == Some(unit.category.as_str())));
        }
    }
    assert!(result.iter().any(|c| c.category != "green"));
    // JSON keeps each reason's figures.
    let frame = attain::categorise::to_frame(&result).unwrap();
    assert_eq!(
        frame.get_column_names(),
        ["level", "unit", "name", "category", "reasons"]
    );
}
