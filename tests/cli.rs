//! End-to-end: the `attain` binary on the shipped sample data.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::*;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn attain(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_attain"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let output = attain(args);
    assert!(
        output.status.success(),
        "attain {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Two CSV tables equal cell by cell, numbers to 1e-12 (relative): sums of
/// progress scores, unlike whole-number outcomes, depend in their last bits
/// on the order cells are added in.
fn assert_same_table(left: &str, right: &str) {
    let (left, right): (Vec<&str>, Vec<&str>) = (left.lines().collect(), right.lines().collect());
    assert_eq!(left.len(), right.len(), "row counts differ");
    for (row, (a, b)) in left.iter().zip(&right).enumerate() {
        for (x, y) in a.split(',').zip(b.split(',')) {
            let close = match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(x), Ok(y)) => (x - y).abs() <= 1e-12 * x.abs().max(1.0),
                _ => x == y,
            };
            assert!(close, "row {}: {a}\n   vs {b}", row + 1);
        }
    }
}

const HEADER: &str = "phase,year,level,unit,measure,group,n_member,value_member,ci_low,ci_high,n_comparison,value_comparison,gap,gap_ci_low,gap_ci_high,national_member,national_comparison,gap_to_national,national_gap,gap_vs_national_gap,suppressed,national_all,vs_national_same,vs_national_other,vs_national_all,neighbour_average,neighbours_used,national_rank,national_units,national_quartile,national_quintile,progress_band";

#[test]
fn gaps_prints_the_full_table_for_the_sample_ks2_file() {
    let csv = ok(&[
        "gaps",
        "--phase",
        "ks2",
        "--pupils",
        "datasets/sample/ks2.csv",
        "--national",
        "datasets/sample/national.csv",
    ]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(HEADER));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // Every (year, unit) has 4 measures x 7 groups.
    let sample = std::fs::read_to_string(root().join("datasets/sample/ks2.csv")).unwrap();
    let mut units = std::collections::BTreeSet::new();
    for line in sample.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        units.insert((f[1].to_owned(), f[2].to_owned()));
    }
    let years = units
        .iter()
        .map(|(y, _)| y.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert_eq!(rows.len(), (units.len() + 2 * years) * 4 * 7);
    assert!(rows
        .iter()
        .all(|r| r.len() == attain::schema::GAP_COLUMNS.len()));
    let la_disadvantaged = rows
        .iter()
        .find(|r| {
            r[1] == "2024"
                && r[2] == "la"
                && r[3] == "883"
                && r[4] == "ks2.rwm_exp"
                && r[5] == "disadvantaged"
        })
        .unwrap();
    for cell in &la_disadvantaged[6..20] {
        assert!(!cell.is_empty(), "{la_disadvantaged:?}");
    }
    // Tiny schools are suppressed somewhere in the sample.
    assert!(rows.iter().any(|r| r[20] == "true" && r[7].is_empty()));
}

#[test]
fn data_folder_runs_every_phase_and_formats_agree() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("gaps.parquet");
    let json = dir.path().join("gaps.json");
    ok(&[
        "gaps",
        "--data",
        "datasets/sample",
        "--out",
        parquet.to_str().unwrap(),
    ]);
    ok(&[
        "gaps",
        "--data",
        "datasets/sample",
        "--format",
        "json",
        "--out",
        json.to_str().unwrap(),
    ]);
    let csv = ok(&["gaps", "--data", "datasets/sample"]);
    let frame = ParquetReader::new(std::fs::File::open(&parquet).unwrap())
        .finish()
        .unwrap();
    assert_eq!(frame.height(), csv.lines().count() - 1);
    assert_eq!(
        frame
            .get_column_names()
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(","),
        HEADER
    );
    // The name columns are categoricals (polars Enum, a Parquet dictionary).
    for name in ["phase", "level", "measure", "group"] {
        assert!(
            matches!(frame.column(name).unwrap().dtype(), DataType::Enum(..)),
            "{name}"
        );
    }
    let phases: std::collections::BTreeSet<_> = frame
        .column("phase")
        .unwrap()
        .cast(&DataType::String)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .map(str::to_owned)
        .collect();
    assert_eq!(phases.len(), 5);
    let json = std::fs::read_to_string(json).unwrap();
    assert!(json.starts_with("[{\"phase\":\"eyfs\""), "{}", &json[..80]);
    assert_eq!(json.matches("\"phase\":").count(), frame.height());
}

#[test]
fn national_pupils_give_the_national_rows_and_figures() {
    let csv = ok(&[
        "gaps",
        "--pupils",
        "datasets/sample/ks4.csv",
        "--national-pupils",
        "datasets/sample/ks4.csv",
        "--level",
        "national",
        "--min-cohort",
        "0",
    ]);
    for line in csv.lines().skip(1) {
        let r: Vec<&str> = line.split(',').collect();
        assert_eq!((r[2], r[3]), ("national", "E92000001"));
        assert_eq!(
            r[7], r[15],
            "national_member is the national row's own value: {line}"
        );
    }
}

#[test]
fn bad_input_exits_non_zero_with_a_precise_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(
        &path,
        "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,gld\na,2024,1,883,0,0,N,0,maybe\n",
    )
    .unwrap();
    let output = attain(&["gaps", "--pupils", path.to_str().unwrap()]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains(
            "bad.csv, row 2, column `gld`: found \"maybe\", expected true/false, 1/0 or Y/N"
        ),
        "{message}"
    );
    let output = attain(&[
        "gaps",
        "--pupils",
        "datasets/sample/ks2.csv",
        "--level",
        "county",
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown level"));
    // Pupil tables do not say a school's region.
    let output = attain(&[
        "gaps",
        "--pupils",
        "datasets/sample/ks2.csv",
        "--level",
        "region",
    ]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("region level needs published"));
    // An LA the data lacks is an error, not a table of national rows.
    let output = attain(&["gaps", "--data", "datasets/sample", "--la", "999"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("--la 999: no pupils of this LA in the data (its LAs: 883)"));
    // A model year Attain does not ship is a usage error, not a missing file.
    let output = attain(&["gaps", "--data", "datasets/sample", "--neighbours", "2019"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("models shipped are 2025"));
    // A size limit the user set is never ignored.
    let output = Command::new(env!("CARGO_BIN_EXE_attain"))
        .args(["gaps", "--data", "datasets/sample"])
        .env("ATTAIN_MAX_TABLE_MB", "lots")
        .current_dir(root())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains(
        "column `ATTAIN_MAX_TABLE_MB`: found \"lots\", expected a whole number of megabytes"
    ));
    // Flags that contradict DfE's definitions are counted, not refused.
    let dir = tempfile::tempdir().unwrap();
    let pupils = dir.path().join("eyfs.csv");
    std::fs::write(
        &pupils,
        "pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,gld\na,2024,1,883,1,0,N,0,1\nb,2024,1,883,0,0,N,1,0\nc,2024,1,883,0,1,N,0,1\n",
    )
    .unwrap();
    let output = attain(&["gaps", "--pupils", pupils.to_str().unwrap()]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains(
        "eyfs 2024: 2 pupils are eligible for FSM or looked after but not disadvantaged"
    ));
    // Groupings none of whose schools has pupils are named.
    let dir = tempfile::tempdir().unwrap();
    let groups = dir.path().join("groups.csv");
    std::fs::write(&groups, "urn,group_id,group_name\n999999,Z9,Nowhere\n").unwrap();
    let output = attain(&[
        "gaps",
        "--data",
        "datasets/sample",
        "--phase",
        "ks2",
        "--groups",
        groups.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("1 grouping with no pupils in the data, left out (Z9)"));
}

#[test]
fn synth_reproduces_the_shipped_sample() {
    let dir = tempfile::tempdir().unwrap();
    ok(&[
        "synth",
        "--seed",
        "2024",
        "--la",
        "883",
        "--years",
        "2022-2024",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    for name in [
        "eyfs.csv",
        "phonics.csv",
        "ks1.csv",
        "ks2.csv",
        "ks4.csv",
        "national.csv",
    ] {
        let fresh = std::fs::read(dir.path().join(name)).unwrap();
        let shipped = std::fs::read(root().join("datasets/sample").join(name)).unwrap();
        assert!(
            fresh == shipped,
            "{name} differs from datasets/sample/{name}"
        );
    }
}

#[test]
fn several_pupil_files_of_one_phase_make_one_table() {
    let dir = tempfile::tempdir().unwrap();
    let sample = std::fs::read_to_string(root().join("datasets/sample/ks2.csv")).unwrap();
    let mut lines = sample.lines();
    let header = lines.next().unwrap();
    let mut files = Vec::new();
    for year in ["2022", "2023", "2024"] {
        let path = dir.path().join(format!("ks2_{year}.csv"));
        let rows: Vec<&str> = sample
            .lines()
            .skip(1)
            .filter(|l| l.split(',').nth(1) == Some(year))
            .collect();
        std::fs::write(&path, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        files.push(path);
    }
    let mut args = vec!["gaps", "--national", "datasets/sample/national.csv"];
    for file in &files {
        args.extend(["--pupils", file.to_str().unwrap()]);
    }
    let split = ok(&args);
    let whole = ok(&[
        "gaps",
        "--pupils",
        "datasets/sample/ks2.csv",
        "--national",
        "datasets/sample/national.csv",
    ]);
    assert_eq!(split, whole);
}

#[test]
fn groups_add_alliance_rows() {
    let dir = tempfile::tempdir().unwrap();
    let groups = dir.path().join("groups.csv");
    let sample = std::fs::read_to_string(root().join("datasets/sample/ks2.csv")).unwrap();
    let urns: std::collections::BTreeSet<&str> = sample
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    let urns: Vec<&str> = urns.into_iter().take(4).collect();
    std::fs::write(
        &groups,
        format!(
            "urn,group_id,group_name\n{},A1,Alliance one\n{},A1,Alliance one\n{},A2,Alliance two\n",
            urns[0], urns[1], urns[2]
        ),
    )
    .unwrap();
    let csv = ok(&[
        "gaps",
        "--pupils",
        "datasets/sample/ks2.csv",
        "--national",
        "datasets/sample/national.csv",
        "--level",
        "la",
        "--groups",
        groups.to_str().unwrap(),
    ]);
    let alliance_rows: Vec<&str> = csv
        .lines()
        .filter(|l| l.split(',').nth(2) == Some("alliance"))
        .collect();
    assert_eq!(
        alliance_rows.len(),
        2 * 3 * 4 * 7,
        "two alliances, three years, four measures, seven groups"
    );
    assert!(alliance_rows
        .iter()
        .all(|l| matches!(l.split(',').nth(3), Some("A1" | "A2"))));
    assert!(csv
        .lines()
        .skip(1)
        .all(|l| matches!(l.split(',').nth(2), Some("la" | "alliance"))));
}

const PUBLISHED_HEADER: &str = ",published_n_member,published_member,region_member,rounded,reason";

/// The CSV's rows as maps from column to cell.
fn rows(csv: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|line| {
            header
                .iter()
                .zip(line.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn schools_give_each_las_disadvantaged_gap_with_the_published_figure_beside() {
    let mut args = vec!["gaps"];
    let files = [
        "datasets/dfe/schools/2016-2017_850_ks2final.csv",
        "datasets/dfe/schools/2017-2018_850_ks2final.csv",
        "datasets/dfe/schools/2018-2019_850_ks2final.csv",
        "datasets/dfe/schools/2016-2017_850_ks4final.csv",
        "datasets/dfe/schools/2017-2018_850_ks4final.csv",
        "datasets/dfe/schools/2018-2019_883_845_ks4provisional.csv",
    ];
    for file in &files {
        args.extend(["--schools", file]);
    }
    let output = attain(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    // What a file cannot give is said.
    assert!(stderr.contains("no ATT8SCR_FSM6CLA1A column"), "{stderr}");
    let csv = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        csv.lines().next().unwrap(),
        format!("{HEADER}{PUBLISHED_HEADER}")
    );
    let rows = rows(&csv);
    let find = |year: &str, unit: &str, measure: &str, group: &str| {
        rows.iter()
            .find(|r| {
                r["year"] == year
                    && r["level"] == "la"
                    && r["unit"] == unit
                    && r["measure"] == measure
                    && r["group"] == group
            })
            .unwrap_or_else(|| panic!("no la {unit} {year} {measure} {group} row"))
    };
    let ks2 = find("2019", "850", "ks2.rwm_exp", "disadvantaged");
    assert_eq!(ks2["published_member"], "49.0");
    assert_eq!(ks2["published_n_member"], "3263");
    assert_eq!(ks2["n_member"], "2885");
    assert!((ks2["value_member"].parse::<f64>().unwrap() - 49.08).abs() < 0.01);
    assert!((ks2["gap_to_national"].parse::<f64>().unwrap() - (49.08 - 71.0)).abs() < 0.01);
    let ks4 = find("2018", "850", "ks4.basics4", "disadvantaged");
    assert_eq!(ks4["published_member"], "38.6");
    assert!(!ks4["gap"].is_empty() && !ks4["gap_ci_low"].is_empty());
    // Thurrock and East Sussex from the England KS4 file: all pupils only.
    for la in ["883", "845"] {
        let all = find("2019", la, "ks4.att8", "all");
        assert!(!all["published_member"].is_empty());
        assert!(!rows
            .iter()
            .any(|r| r["unit"] == la && r["group"] == "disadvantaged"));
    }
    assert_eq!(
        find("2019", "883", "ks4.att8", "all")["published_member"],
        "43.5"
    );
}

#[test]
fn published_la_tables_give_an_las_table_for_every_phase() {
    let csv = ok(&[
        "gaps",
        "--published",
        "datasets/dfe/la/eyfsp_headline_measures_2022.csv",
        "--published",
        "datasets/dfe/la/cla_outcomes_ks2_la.csv",
        "--published",
        "datasets/dfe/la/cla_outcomes_ks4_la.csv",
        "--published",
        "datasets/dfe/la/lait_attainment_883_845_850.csv",
        "--la",
        "883",
    ]);
    let rows = rows(&csv);
    let phases: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["phase"].as_str()).collect();
    assert_eq!(
        phases.into_iter().collect::<Vec<_>>(),
        ["eyfs", "ks1", "ks2", "ks4", "phonics"]
    );
    assert!(rows.iter().all(|r| match r["level"].as_str() {
        "national" => r["unit"] == "E92000001",
        "region" => r["unit"] == "E12000006",
        "la" => r["unit"] == "883",
        _ => false,
    }));
    let find = |phase: &str, year: &str, measure: &str, group: &str| {
        rows.iter()
            .find(|r| {
                r["phase"] == phase
                    && r["year"] == year
                    && r["level"] == "la"
                    && r["measure"] == measure
                    && r["group"] == group
            })
            .unwrap_or_else(|| panic!("no {year} {measure} {group} row"))
    };
    // EYFSP (with counts): 1714 of 2518 children, published 68.1.
    let gld = find("eyfs", "2022", "eyfs.gld", "all");
    assert_eq!(
        (gld["n_member"].as_str(), gld["published_member"].as_str()),
        ("2518", "68.1")
    );
    assert!(!gld["ci_low"].is_empty());
    // Looked-after children (EES, with counts): 7 of 12 in 2019.
    let cla = find("ks2", "2019", "ks2.rwm_exp", "cla");
    assert_eq!(
        (cla["n_member"].as_str(), cla["published_member"].as_str()),
        ("12", "58.0")
    );
    // LAIT (no counts): disadvantaged 57 against 76.
    let dis = find("ks2", "2019", "ks2.rwm_exp", "disadvantaged");
    assert_eq!(
        (
            dis["value_member"].as_str(),
            dis["gap"].as_str(),
            dis["n_member"].as_str()
        ),
        ("57.0", "-19.0", "")
    );
    // A figure LAIT does not have keeps its code as the reason.
    let missing = find("ks2", "2016", "ks2.rwm_exp", "cla");
    assert_eq!(
        (missing["value_member"].as_str(), missing["reason"].as_str()),
        ("", "-")
    );
}

#[test]
fn groups_pool_schools_from_school_tables() {
    let csv = ok(&[
        "gaps",
        "--schools",
        "datasets/dfe/schools/2018-2019_850_ks2final.csv",
        "--groups",
        "datasets/dfe/example_groups_850.csv",
        "--level",
        "alliance",
    ]);
    let rows = rows(&csv);
    assert!(rows.iter().all(|r| r["level"] == "alliance"));
    let find = |unit: &str| {
        rows.iter()
            .find(|r| r["unit"] == unit && r["measure"] == "ks2.rwm_exp" && r["group"] == "all")
            .unwrap()
    };
    // 124 + 96 + 29 + 97 pupils.
    assert_eq!(find("WARSASH")["n_member"], "346");
    // The secondaries' grouping: only The Westgate School (all-through) is
    // in the KS2 file, with no KS2 cohort.
    let secondary = find("SECONDARY");
    assert_eq!(
        (
            secondary["value_member"].as_str(),
            secondary["reason"].as_str()
        ),
        ("", "no school figures")
    );
}

#[test]
fn a_bad_published_cell_names_the_file_row_column_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("2018-2019_850_ks2final.csv");
    std::fs::write(
        &path,
        "RECTYPE,LEA,URN,TELIG,PTRWM_EXP\r\n1,850,100001,20,55%\r\n1,850,100002,20,5O%\r\n",
    )
    .unwrap();
    let output = attain(&["gaps", "--schools", path.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("2018-2019_850_ks2final.csv, row 3, column `PTRWM_EXP`: found \"5O%\""),
        "{stderr}"
    );
    // An LA-level file given as a school table is refused with the right flag named.
    let output = attain(&[
        "gaps",
        "--schools",
        "datasets/dfe/la/cla_outcomes_ks2_la.csv",
    ]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--published"));
}

#[test]
fn summaries_tables_give_the_pupils_table() {
    let dir = tempfile::tempdir().unwrap();
    let summaries = dir.path().join("ks4.parquet");
    let csv_summaries = dir.path().join("ks4.csv");
    for out in [&summaries, &csv_summaries] {
        ok(&[
            "summarise",
            "--pupils",
            "datasets/sample/ks4.csv",
            "--out",
            out.to_str().unwrap(),
        ]);
    }
    let from_pupils = ok(&[
        "gaps",
        "--pupils",
        "datasets/sample/ks4.csv",
        "--national",
        "datasets/sample/national.csv",
    ]);
    for table in [&summaries, &csv_summaries] {
        let from_summaries = ok(&[
            "gaps",
            "--summaries",
            table.to_str().unwrap(),
            "--national",
            "datasets/sample/national.csv",
        ]);
        assert_eq!(from_summaries, from_pupils);
    }
    // National rows from national summaries, as from national pupils; the
    // nation's summaries carry progress scored against its own estimates.
    let scored = dir.path().join("scored.parquet");
    ok(&[
        "summarise",
        "--pupils",
        "datasets/sample/ks4.csv",
        "--national-pupils",
        "datasets/sample/ks4.csv",
        "--out",
        scored.to_str().unwrap(),
    ]);
    let from_national_pupils = ok(&[
        "gaps",
        "--pupils",
        "datasets/sample/ks4.csv",
        "--national-pupils",
        "datasets/sample/ks4.csv",
    ]);
    assert!(from_national_pupils.contains(",ks4.p8,"));
    assert_same_table(
        &ok(&[
            "gaps",
            "--summaries",
            scored.to_str().unwrap(),
            "--national-summaries",
            scored.to_str().unwrap(),
        ]),
        &from_national_pupils,
    );
    // The SQL route is printed for every phase.
    let sql = ok(&["summaries-sql", "--phase", "ks4", "--table", "npd_ks4"]);
    assert!(sql.contains("FROM npd_ks4") && sql.contains("'ks4.att8' AS measure"));
    // A summaries table from another version is refused, naming the cell.
    let text = std::fs::read_to_string(&csv_summaries).unwrap();
    let bad = dir.path().join("v2.csv");
    std::fs::write(&bad, text.replacen("\n1,", "\n2,", 1)).unwrap();
    let output = attain(&["gaps", "--summaries", bad.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("row 2") && stderr.contains("version") && stderr.contains("newer"),
        "{stderr}"
    );
}

#[test]
fn the_ofsted_profile_reads_windows_1252_and_keeps_frameworks_apart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("management_information_as_at_31_Oct_2026.csv");
    // Windows-1252: the apostrophe of St Mary’s is byte 0x92.
    let mut bytes = b"Management information - state-funded schools - latest inspections as at 31 October 2026\r\n".to_vec();
    bytes.extend_from_slice(b"URN,LAESTAB,School name,Ofsted phase,Total number of pupils,Latest OEIF overall effectiveness,Inspection start date of latest OEIF graded inspection,Inspection start date,Safeguarding standards,Inclusion,Achievement\r\n");
    bytes
        .extend_from_slice(b"100001,8832001,St Mary\x92s Primary,Primary,300,1,14/03/2023,,,,\r\n");
    bytes.extend_from_slice(b"100002,8832002,Beta Primary,Primary,100,3,01/02/2022,20/11/2025,Met,Expected standard,Needs attention\r\n");
    bytes.extend_from_slice(b"100003,8832003,Gamma Academy,Secondary,1000,2,05/05/2021,,,,\r\n");
    bytes.extend_from_slice(b"100004,8452004,Delta School,Primary,200,Not judged,,,,,\r\n");
    std::fs::write(&path, bytes).unwrap();
    let out = dir.path().join("profile.csv");
    let output = attain(&[
        "ofsted",
        "--inspections",
        path.to_str().unwrap(),
        "--la",
        "883",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("as at 2026-10-31"));
    let text = std::fs::read_to_string(&out).unwrap();
    let row = |prefix: &str| {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in\n{text}"))
            .to_owned()
    };
    // LA 883 primary, old framework: 1 of 2 good or better; 300 of 400 pupils.
    let primary = row("la,883,,primary,old_framework,overall,good_or_outstanding,");
    assert!(
        primary.contains(",1,2,50.0,300,400,75.0,0,2026-10-31"),
        "{primary}"
    );
    // All phases: 2 of 3 schools, 1300 of 1400 pupils.
    let all = row("la,883,,all,old_framework,overall,good_or_outstanding,");
    assert!(
        all.contains(",2,3,66.66666666666667,1300,1400,92.85714285714286,0,"),
        "{all}"
    );
    // Report cards apart: one school, its achievement needs attention.
    let card = row("la,883,,primary,report_card,achievement,needs_attention,");
    assert!(card.contains(",1,1,100.0,100,100,100.0,1,"), "{card}");
    // England counts Delta's "Not judged" as no grade.
    let england = row("national,E92000001,England,all,old_framework,overall,good_or_outstanding,");
    assert!(
        england.contains(",2,3,") && england.ends_with(",1,2026-10-31"),
        "{england}"
    );
}

#[test]
fn categorise_lists_every_reason_with_its_figures() {
    let json = ok(&[
        "categorise",
        "--data",
        "datasets/sample",
        "--la",
        "883",
        "--format",
        "json",
    ]);
    assert!(
        json.contains("\"reasons\":[{\"rule\":\""),
        "{}",
        &json[..500.min(json.len())]
    );
    assert!(json.contains("significantly below all pupils in England"));
    let csv = ok(&["categorise", "--data", "datasets/sample", "--la", "883"]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("level,unit,name,category,reasons"));
    let rows: Vec<&str> = lines.collect();
    assert!(rows.len() >= 40);
    for row in &rows {
        let category = row.split(',').nth(3).unwrap();
        assert!(
            ["green", "yellow", "amber", "red"].contains(&category),
            "{row}"
        );
    }
    // A broken rules file is refused, naming the line.
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    let text = std::fs::read_to_string(root().join("datasets/rules/default.toml")).unwrap();
    std::fs::write(
        &rules,
        text.replacen("measure = \"ks4.p8\"", "measure = \"ks4.p9\"", 1),
    )
    .unwrap();
    let output = attain(&[
        "categorise",
        "--data",
        "datasets/sample",
        "--la",
        "883",
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = text
        .lines()
        .position(|l| l == "measure = \"ks4.p8\"")
        .unwrap()
        + 1;
    assert!(
        stderr.contains(&format!(
            "rules.toml, line {line}, column `measure`: found \"ks4.p9\""
        )),
        "{stderr}"
    );
}

#[test]
fn targets_at_the_interval_edges() {
    let gaps = ok(&[
        "gaps",
        "--data",
        "datasets/sample",
        "--phase",
        "ks2",
        "--la",
        "883",
        "--level",
        "la",
    ]);
    let header: Vec<&str> = gaps.lines().next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row: Vec<&str> = gaps
        .lines()
        .find(|l| l.contains(",2024,la,883,ks2.rwm_exp,all,"))
        .unwrap()
        .split(',')
        .collect();
    let (low, high): (f64, f64) = (
        row[at("ci_low")].parse().unwrap(),
        row[at("ci_high")].parse().unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let targets = dir.path().join("targets.csv");
    std::fs::write(
        &targets,
        format!(
            "unit,measure,group,year,target,level\n883,ks2.rwm_exp,all,2024,{low},la\n883,ks2.rwm_exp,all,2024,{high},la\n883,ks2.rwm_exp,all,2024,{},la\n883,ks2.rwm_exp,all,2024,{},la\n883,ks2.rwm_exp,cla,2024,50,la\n",
            low - 0.01,
            high + 0.01
        ),
    )
    .unwrap();
    let judged = ok(&[
        "targets",
        "--data",
        "datasets/sample",
        "--la",
        "883",
        "--targets",
        targets.to_str().unwrap(),
    ]);
    let status: Vec<&str> = judged
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(10).unwrap())
        .collect();
    assert_eq!(
        status,
        [
            "too_close_to_call",
            "too_close_to_call",
            "met",
            "not_met",
            "not_judged"
        ],
        "{judged}"
    );
    assert!(judged.contains("withheld"), "{judged}");
}

#[test]
fn the_table_does_not_depend_on_thread_count() {
    // Polars and rayon size their pools once per process, so each thread
    // count is its own run of the binary.
    let run = |threads: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_attain"))
            .args(["gaps", "--data", "datasets/sample"])
            .env("POLARS_MAX_THREADS", threads)
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(root())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let one = run("1");
    assert!(one.lines().count() > 1000, "the sample gives a full table");
    for threads in ["2", "4"] {
        assert_eq!(one, run(threads), "{threads} threads");
    }
}
