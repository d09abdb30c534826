//! Golden outputs: every path through the engine (the gap table and
//! trends), pinned cell for cell.
//!
//! Each case runs the `attain` binary on shipped data and compares a digest
//! of its CSV output with `tests/golden/digests.txt`. The JSON output and the
//! Parquet output (read back, categoricals as text, written as CSV) must give
//! the same table. Any change to the engine that moves a single cell shows up
//! here. After a deliberate change of output, rewrite the digests with
//! `ATTAIN_BLESS=1 cargo test --test golden` and say why in the commit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use polars::prelude::*;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn digest(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

/// Every path: pupil tables with each source of national figures, every
/// level, groupings, suppression off, and published tables of every kind.
fn cases() -> Vec<(&'static str, Vec<String>)> {
    let schools: Vec<String> = [
        "2016-2017_850_ks2final.csv",
        "2016-2017_850_ks4final.csv",
        "2017-2018_850_ks2final.csv",
        "2017-2018_850_ks4final.csv",
        "2018-2019_850_ks2final.csv",
        "2018-2019_883_845_ks4provisional.csv",
    ]
    .iter()
    .flat_map(|f| ["--schools".to_owned(), format!("datasets/dfe/schools/{f}")])
    .collect();
    let la: Vec<String> = [
        "cla_outcomes_ks2_la.csv",
        "cla_outcomes_ks4_la.csv",
        "eyfsp_headline_measures_2022.csv",
        "lait_attainment_883_845_850.csv",
    ]
    .iter()
    .flat_map(|f| ["--published".to_owned(), format!("datasets/dfe/la/{f}")])
    .collect();
    let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let with = |base: &[&str], extra: &[String]| {
        let mut all = args(base);
        all.extend(extra.iter().cloned());
        all
    };
    let every_file: Vec<String> = schools.iter().chain(&la).cloned().collect();
    vec![
        (
            "sample_reference",
            args(&["gaps", "--data", "datasets/sample"]),
        ),
        (
            "sample_groups_every_level",
            args(&[
                "gaps",
                "--data",
                "datasets/sample",
                "--groups",
                "tests/golden/sample_groups.csv",
                "--level",
                "national,la,school,alliance",
            ]),
        ),
        (
            "sample_unsuppressed_la_school",
            args(&[
                "gaps",
                "--data",
                "datasets/sample",
                "--min-cohort",
                "0",
                "--level",
                "la,school",
            ]),
        ),
        (
            "ks2_local_national",
            args(&["gaps", "--pupils", "datasets/sample/ks2.csv"]),
        ),
        (
            "ks4_national_pupils",
            args(&[
                "gaps",
                "--pupils",
                "datasets/sample/ks4.csv",
                "--national-pupils",
                "datasets/sample/ks4.csv",
                "--min-cohort",
                "10",
            ]),
        ),
        (
            "eyfs_shipped_national",
            args(&[
                "gaps",
                "--pupils",
                "datasets/sample/eyfs.csv",
                "--national",
                "datasets/national/national.csv",
            ]),
        ),
        (
            "sample_neighbours_one_la",
            args(&[
                "gaps",
                "--data",
                "datasets/sample",
                "--neighbours",
                "2025",
                "--la",
                "883",
            ]),
        ),
        (
            "published_lait_neighbours",
            args(&[
                "gaps",
                "--published",
                "datasets/dfe/la/lait_attainment_883_845_850.csv",
                "--neighbours",
                "2021",
                "--level",
                "la,neighbours",
            ]),
        ),
        ("published_schools", with(&["gaps"], &schools)),
        ("published_la_tables", with(&["gaps"], &la)),
        (
            "published_every_level",
            with(
                &[
                    "gaps",
                    "--groups",
                    "datasets/dfe/example_groups_850.csv",
                    "--level",
                    "national,region,la,school,alliance",
                ],
                &every_file,
            ),
        ),
        (
            "trends_sample_every_level",
            args(&[
                "trends",
                "--data",
                "datasets/sample",
                "--groups",
                "tests/golden/sample_groups.csv",
            ]),
        ),
        (
            "trends_ks4_national_pupils_unsuppressed",
            args(&[
                "trends",
                "--pupils",
                "datasets/sample/ks4.csv",
                "--national-pupils",
                "datasets/sample/ks4.csv",
                "--min-cohort",
                "0",
            ]),
        ),
        ("trends_published_schools", with(&["trends"], &schools)),
        (
            "gap_index_ks2",
            args(&["gap-index", "--pupils", "datasets/sample/ks2.csv"]),
        ),
        (
            "gap_index_ks4_unsuppressed",
            args(&[
                "gap-index",
                "--pupils",
                "datasets/sample/ks4.csv",
                "--min-cohort",
                "0",
            ]),
        ),
        (
            "published_one_la_national_fallback",
            with(
                &[
                    "gaps",
                    "--la",
                    "883",
                    "--national",
                    "datasets/national/national.csv",
                    "--min-cohort",
                    "3",
                ],
                &every_file,
            ),
        ),
    ]
}

fn run(args: &[String]) -> Vec<u8> {
    let output = Command::new(env!("CARGO_BIN_EXE_attain"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "attain {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// A table read back from Parquet or JSON, as CSV text: categorical
/// columns become text, so the comparison is of cells, not of encodings.
fn as_csv(mut frame: DataFrame) -> Vec<u8> {
    let names: Vec<PlSmallStr> = frame.get_column_names_owned();
    for name in names {
        let column = frame.column(&name).unwrap();
        if !column.dtype().is_primitive_numeric()
            && !matches!(column.dtype(), DataType::Boolean | DataType::String)
        {
            let text = column.cast(&DataType::String).unwrap();
            frame.with_column(text).unwrap();
        }
    }
    let mut out = Vec::new();
    CsvWriter::new(&mut out)
        .include_header(true)
        .finish(&mut frame)
        .unwrap();
    out
}

#[test]
fn every_path_gives_the_pinned_table() {
    let root = root();
    let expected_path = root.join("tests/golden/digests.txt");
    let expected: BTreeMap<String, (String, usize)> = std::fs::read_to_string(&expected_path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].to_owned(), (f[1].to_owned(), f[2].parse().unwrap()))
        })
        .collect();
    let bless = std::env::var_os("ATTAIN_BLESS").is_some();
    let dir = tempfile::tempdir().unwrap();
    let mut found = BTreeMap::new();
    let mut failures = Vec::new();
    for (name, args) in cases() {
        let csv = run(&args);
        // ATTAIN_GOLDEN_DUMP=DIR keeps every case's table, to compare the
        // tables of two versions before blessing.
        if let Some(dump) = std::env::var_os("ATTAIN_GOLDEN_DUMP") {
            std::fs::create_dir_all(&dump).unwrap();
            std::fs::write(PathBuf::from(dump).join(format!("{name}.csv")), &csv).unwrap();
        }
        let rows = csv.iter().filter(|&&b| b == b'\n').count() - 1;
        assert!(rows > 0, "{name}: no rows");
        let csv_digest = digest(&csv);

        let parquet = dir.path().join(format!("{name}.parquet"));
        let mut parquet_args = args.clone();
        parquet_args.extend(["--out".into(), parquet.display().to_string()]);
        run(&parquet_args);
        let frame = ParquetReader::new(std::fs::File::open(&parquet).unwrap())
            .finish()
            .unwrap();
        assert_eq!(
            digest(&as_csv(frame)),
            csv_digest,
            "{name}: the Parquet output is not the CSV output's table"
        );

        let json = dir.path().join(format!("{name}.json"));
        let mut json_args = args.clone();
        json_args.extend(["--out".into(), json.display().to_string()]);
        run(&json_args);
        let rows_json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        let rows_json = rows_json.as_array().unwrap();
        assert_eq!(rows_json.len(), rows, "{name}: JSON rows");
        let header: Vec<&str> = std::str::from_utf8(&csv)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .split(',')
            .collect();
        let first: Vec<&str> = rows_json[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut sorted_header = header.clone();
        sorted_header.sort();
        let mut sorted_first = first.clone();
        sorted_first.sort();
        assert_eq!(sorted_first, sorted_header, "{name}: JSON columns");
        let json_digest = digest(serde_json::to_string(rows_json).unwrap().as_bytes());

        let key = format!("{name}.csv");
        match expected.get(&key) {
            Some((want, want_rows)) if *want == csv_digest && *want_rows == rows => {}
            _ if bless => {}
            other => {
                let keep = std::env::temp_dir().join(format!("attain-golden-{name}.csv"));
                std::fs::write(&keep, &csv).unwrap();
                failures.push(format!(
                    "{name}: {rows} rows, digest {csv_digest}; expected {other:?}; the output is in {}",
                    keep.display()
                ));
            }
        }
        let key_json = format!("{name}.json");
        match expected.get(&key_json) {
            Some((want, _)) if *want == json_digest => {}
            _ if bless => {}
            other => failures.push(format!(
                "{name}: JSON digest {json_digest}; expected {other:?}"
            )),
        }
        found.insert(key, (csv_digest, rows));
        found.insert(key_json, (json_digest, rows));
    }
    if bless {
        let mut text = String::from(
            "# name digest rows: written by ATTAIN_BLESS=1 cargo test --test golden (see tests/golden.rs)\n",
        );
        for (name, (digest, rows)) in &found {
            text.push_str(&format!("{name} {digest} {rows}\n"));
        }
        std::fs::write(&expected_path, text).unwrap();
        return;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
