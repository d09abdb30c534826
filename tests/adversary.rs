//! The adversary: reads only a published gap table (and which school is in
//! which LA, as GIAS tells anyone), applies every linear relation the table
//! carries, and solves for the withheld cells by Gaussian elimination (which
//! finds everything repeated subtraction finds, and more). In the default
//! mode it must recover nothing, on the sample and on synthetic LAs of
//! several sizes, one year and several.
//!
//! Relations, per phase, year and measure, on counts and on totals (pupils
//! meeting a rate, the sum of a mean's values): all = group + complement
//! (disadvantaged, FSM, looked-after, any SEN), any SEN = SEN support + EHC
//! plan, an LA = its schools, an alliance = its schools, England = its LAs
//! where the table lists them all. And across measures: the rates of a
//! phase count the same pupils, so a withheld cell's count must not show
//! beside another rate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn attain(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_attain"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "attain {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A cell: phase, year, level, unit, measure, population.
type Key = (String, String, String, String, String, String);

#[derive(Debug, Clone, Copy, PartialEq)]
struct Shown {
    n: Option<f64>,
    value: Option<f64>,
}

fn comparison_of(group: &str) -> Option<&'static str> {
    match group {
        "disadvantaged" => Some("not_disadvantaged"),
        "fsm" => Some("not_fsm"),
        "sen_support" | "ehcp" | "sen_any" => Some("no_sen"),
        "cla" => Some("not_cla"),
        _ => None,
    }
}

/// Every cell a gap table (CSV) shows, with its count and value.
fn cells(table: &str) -> BTreeMap<Key, Shown> {
    let mut reader = csv::Reader::from_reader(table.as_bytes());
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let number = |text: &str| text.parse::<f64>().ok();
    let mut out = BTreeMap::new();
    for record in reader.records() {
        let r = record.unwrap();
        let base = |population: &str| -> Key {
            (
                r[at("phase")].to_owned(),
                r[at("year")].to_owned(),
                r[at("level")].to_owned(),
                r[at("unit")].to_owned(),
                r[at("measure")].to_owned(),
                population.to_owned(),
            )
        };
        let group = &r[at("group")];
        out.insert(
            base(group),
            Shown {
                n: number(&r[at("n_member")]),
                value: number(&r[at("value_member")]),
            },
        );
        if let Some(comparison) = comparison_of(group) {
            let shown = Shown {
                n: number(&r[at("n_comparison")]),
                value: number(&r[at("value_comparison")]),
            };
            // The same comparison cell shows in several rows: any row that
            // shows it gives it away.
            let entry = out.entry(base(comparison)).or_insert(shown);
            entry.n = entry.n.or(shown.n);
            entry.value = entry.value.or(shown.value);
        }
    }
    out
}

fn is_rate(measure: &str) -> bool {
    !(measure.ends_with("_avg")
        || measure.ends_with("att8")
        || measure.contains("progress")
        || measure.ends_with(".p8"))
}

/// Which LA each school is in, from the pupil files of a data folder.
fn schools_of(dir: &Path) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".csv") || name == "national.csv" || name == "estimates.csv" {
            continue;
        }
        let mut reader = csv::Reader::from_path(&path).unwrap();
        let header = reader.headers().unwrap().clone();
        let (urn, la) = (
            header.iter().position(|h| h == "urn").unwrap(),
            header.iter().position(|h| h == "la_code").unwrap(),
        );
        for record in reader.records() {
            let record = record.unwrap();
            map.insert(record[urn].to_owned(), record[la].to_owned());
        }
    }
    map
}

/// The relations of one block (phase, year, measure): total = Σ parts.
fn relations(
    block: &BTreeSet<Key>,
    las_of_school: &BTreeMap<String, String>,
    alliances: &BTreeMap<String, Vec<String>>,
    england_is_las: bool,
) -> Vec<(Key, Vec<Key>)> {
    let mut out = Vec::new();
    let within = [
        ("all", ["disadvantaged", "not_disadvantaged"]),
        ("all", ["fsm", "not_fsm"]),
        ("all", ["cla", "not_cla"]),
        ("all", ["sen_any", "no_sen"]),
        ("sen_any", ["sen_support", "ehcp"]),
    ];
    let with = |key: &Key, population: &str| -> Key {
        let mut k = key.clone();
        k.5 = population.to_owned();
        k
    };
    let units: BTreeSet<(String, String)> =
        block.iter().map(|k| (k.2.clone(), k.3.clone())).collect();
    let any = block.iter().next().unwrap().clone();
    for (level, unit) in &units {
        let mut key = any.clone();
        key.2 = level.clone();
        key.3 = unit.clone();
        for (total, parts) in within {
            out.push((
                with(&key, total),
                parts.iter().map(|p| with(&key, p)).collect(),
            ));
        }
    }
    let populations: BTreeSet<String> = block.iter().map(|k| k.5.clone()).collect();
    for population in &populations {
        let cell = |level: &str, unit: &str| -> Key {
            (
                any.0.clone(),
                any.1.clone(),
                level.to_owned(),
                unit.to_owned(),
                any.4.clone(),
                population.clone(),
            )
        };
        let mut las: BTreeMap<String, Vec<Key>> = BTreeMap::new();
        for (level, unit) in &units {
            if level == "school" {
                if let Some(la) = las_of_school.get(unit) {
                    las.entry(la.clone())
                        .or_default()
                        .push(cell("school", unit));
                }
            }
        }
        for (la, schools) in &las {
            if units.contains(&("la".to_owned(), la.clone())) {
                out.push((cell("la", la), schools.clone()));
            }
        }
        for (id, members) in alliances {
            // Neighbour groups come in as "neighbours:<la>" with their LAs.
            if let Some(la) = id.strip_prefix("neighbours:") {
                if units.contains(&("neighbours".to_owned(), la.to_owned())) {
                    out.push((
                        cell("neighbours", la),
                        members.iter().map(|u| cell("la", u)).collect(),
                    ));
                }
            } else if units.contains(&("alliance".to_owned(), id.clone())) {
                out.push((
                    cell("alliance", id),
                    members.iter().map(|u| cell("school", u)).collect(),
                ));
            }
        }
        if england_is_las {
            let every: Vec<Key> = units
                .iter()
                .filter(|(l, _)| l == "la")
                .map(|(_, u)| cell("la", u))
                .collect();
            out.push((cell("national", "E92000001"), every));
        }
    }
    out
}

/// Cells a reader recovers exactly: for each withheld cell (a value in
/// `truth`, none shown), whether elimination determines its count and total
/// and they give its true value.
fn recovered(
    shown: &BTreeMap<Key, Shown>,
    truth: &BTreeMap<Key, Shown>,
    las_of_school: &BTreeMap<String, String>,
    alliances: &BTreeMap<String, Vec<String>>,
    england_is_las: bool,
) -> Vec<(Key, f64)> {
    let mut blocks: BTreeMap<(String, String, String), BTreeSet<Key>> = BTreeMap::new();
    for key in truth.keys() {
        blocks
            .entry((key.0.clone(), key.1.clone(), key.4.clone()))
            .or_default()
            .insert(key.clone());
    }
    let mut found = Vec::new();
    for ((_, _, measure), block) in blocks {
        let rate = is_rate(&measure);
        let total_of = |s: &Shown| -> Option<(f64, f64)> {
            match (s.n, s.value) {
                (Some(n), Some(v)) => Some((n, if rate { n * v / 100.0 } else { n * v })),
                (Some(n), None) if n == 0.0 => Some((0.0, 0.0)),
                _ => None,
            }
        };
        // Unknowns: cells with pupils whose count and total the table does
        // not give (withheld, or shown without a value).
        let known = |k: &Key| shown.get(k).and_then(total_of);
        let unknowns: Vec<Key> = block
            .iter()
            .filter(|k| truth[*k].n.unwrap_or(0.0) > 0.0 && known(k).is_none())
            .cloned()
            .collect();
        if unknowns.is_empty() {
            continue;
        }
        let index: BTreeMap<&Key, usize> =
            unknowns.iter().enumerate().map(|(i, k)| (k, i)).collect();
        let width = unknowns.len();
        // Rows: coefficients, then the right-hand sides for counts and totals.
        let mut rows: Vec<Vec<f64>> = Vec::new();
        for (total, parts) in relations(&block, las_of_school, alliances, england_is_las) {
            if !block.contains(&total) && !truth.contains_key(&total) {
                continue;
            }
            let mut row = vec![0.0; width + 2];
            let mut usable = true;
            for (key, sign) in std::iter::once((&total, 1.0)).chain(parts.iter().map(|p| (p, -1.0)))
            {
                match (index.get(key), known(key)) {
                    (Some(&i), _) => row[i] += sign,
                    (None, Some((n, t))) => {
                        row[width] -= sign * n;
                        row[width + 1] -= sign * t;
                    }
                    // A cell with no pupils, or one the table never lists.
                    (None, None) if truth.get(key).is_some_and(|s| s.n.unwrap_or(0.0) == 0.0) => {}
                    (None, None) => usable = false,
                }
            }
            if usable && row[..width].iter().any(|c| *c != 0.0) {
                rows.push(row);
            }
        }
        // Reduced row echelon form.
        let mut pivot_row = 0;
        let mut pivots = Vec::new();
        for column in 0..width {
            let Some(best) = (pivot_row..rows.len())
                .max_by(|&a, &b| rows[a][column].abs().total_cmp(&rows[b][column].abs()))
            else {
                break;
            };
            if rows[best][column].abs() < 1e-9 {
                continue;
            }
            rows.swap(pivot_row, best);
            let lead = rows[pivot_row][column];
            for x in rows[pivot_row].iter_mut() {
                *x /= lead;
            }
            for r in 0..rows.len() {
                if r != pivot_row && rows[r][column].abs() > 1e-12 {
                    let factor = rows[r][column];
                    for c in 0..width + 2 {
                        rows[r][c] -= factor * rows[pivot_row][c];
                    }
                }
            }
            pivots.push((pivot_row, column));
            pivot_row += 1;
        }
        // Bounds on counts: a withheld cell has at least one pupil (one
        // without shows 0), so a shown total whose withheld parts number as
        // many as its pupils not shown elsewhere gives each a count of 1.
        for (total, parts) in relations(&block, las_of_school, alliances, england_is_las) {
            let Some((n, _)) = known(&total) else {
                continue;
            };
            let (mut rest_n, mut withheld_parts) = (n, Vec::new());
            for part in &parts {
                match (known(part), shown.get(part)) {
                    (Some((pn, _)), _) => rest_n -= pn,
                    (None, Some(s)) if s.value.is_none() && s.n.is_none() => {
                        withheld_parts.push(part.clone())
                    }
                    _ => {}
                }
            }
            let pinned =
                !withheld_parts.is_empty() && (rest_n - withheld_parts.len() as f64).abs() < 1e-6;
            for part in withheld_parts.into_iter().filter(|_| pinned) {
                if truth.get(&part).is_some_and(|s| s.n == Some(1.0)) {
                    found.push((part, 1.0));
                }
            }
        }
        // Bounds: a shown rate whose hidden parts, together, meet it for
        // none or all of their pupils gives each of them away (0% or 100%).
        if rate {
            for (total, parts) in relations(&block, las_of_school, alliances, england_is_las) {
                let Some((n, t)) = known(&total) else {
                    continue;
                };
                let (mut rest_n, mut rest_t, mut hidden) = (n, t, Vec::new());
                for part in &parts {
                    match known(part) {
                        Some((pn, pt)) => {
                            rest_n -= pn;
                            rest_t -= pt;
                        }
                        None if truth.get(part).is_some_and(|s| s.n.unwrap_or(0.0) > 0.0) => {
                            hidden.push(part.clone())
                        }
                        None => {}
                    }
                }
                let extreme = rest_t.abs() < 1e-6 || (rest_t - rest_n).abs() < 1e-6;
                if hidden.is_empty() || rest_n < 0.5 || !extreme {
                    continue;
                }
                let value = if rest_t.abs() < 1e-6 { 0.0 } else { 100.0 };
                for part in hidden {
                    if truth[&part].value.is_some_and(|v| (v - value).abs() < 1e-6) {
                        found.push((part, value));
                    }
                }
            }
        }
        let pivot_columns: BTreeSet<usize> = pivots.iter().map(|p| p.1).collect();
        for (r, column) in pivots {
            let free = (0..width).any(|c| !pivot_columns.contains(&c) && rows[r][c].abs() > 1e-9);
            if free {
                continue;
            }
            let key = &unknowns[column];
            let (n, total) = (rows[r][width], rows[r][width + 1]);
            let Some(true_value) = truth[key].value else {
                continue;
            };
            if n > 0.5 {
                let value = if rate { 100.0 * total / n } else { total / n };
                if (value - true_value).abs() < 1e-6 {
                    found.push((key.clone(), value));
                }
            }
        }
    }
    found
}

/// Runs the adversary on a data folder; returns (withheld cells with a
/// value, recovered, of them withheld by secondary suppression).
fn attack(dir: &Path, extra: &[&str], england_is_las: bool) -> (usize, Vec<(Key, f64)>, usize) {
    let dir_text = dir.to_str().unwrap();
    let mut args = vec!["gaps", "--data", dir_text];
    args.extend_from_slice(extra);
    let schools = schools_of(dir);
    attack_with(&args, &schools, &groupings(extra), england_is_las)
}

/// The schools of each grouping of a `--groups` file among the arguments.
fn groupings(args: &[&str]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(at) = args.iter().position(|a| *a == "--groups") {
        let mut reader = csv::Reader::from_path(args[at + 1]).unwrap();
        for record in reader.records() {
            let record = record.unwrap();
            out.entry(record[1].to_owned())
                .or_default()
                .push(record[0].to_owned());
        }
    }
    out
}

fn attack_with(
    args: &[&str],
    schools: &BTreeMap<String, String>,
    alliances: &BTreeMap<String, Vec<String>>,
    england_is_las: bool,
) -> (usize, Vec<(Key, f64)>, usize) {
    let args = args.to_vec();
    let published = cells(&attain(&args));
    let mut truth_args = args.clone();
    truth_args.extend(["--min-cohort", "0"]);
    let truth = cells(&attain(&truth_args));
    let mut secure_args = args.clone();
    secure_args.extend(["--disclosure", "secure"]);
    let secure = cells(&attain(&secure_args));
    let withheld = |table: &BTreeMap<Key, Shown>| {
        table
            .iter()
            .filter(|(k, s)| s.value.is_none() && truth.get(*k).is_some_and(|t| t.value.is_some()))
            .count()
    };
    let mut recovered = recovered(&published, &truth, schools, alliances, england_is_las);
    // The rates of a phase count the same pupils: a withheld cell's count
    // shown beside another rate of its phase gives the count away.
    let mut cohorts: BTreeMap<(&str, &str, &str, &str, &str), f64> = BTreeMap::new();
    for (k, s) in &published {
        if let (true, Some(n)) = (is_rate(&k.4), s.n) {
            cohorts.insert((&k.0, &k.1, &k.2, &k.3, &k.5), n);
        }
    }
    for (k, s) in &published {
        let hidden = s.value.is_none() && s.n.is_none();
        let has_pupils = truth.get(k).is_some_and(|t| t.n.unwrap_or(0.0) > 0.0);
        if is_rate(&k.4) && hidden && has_pupils {
            if let Some(&n) = cohorts.get(&(&k.0, &k.1, &k.2, &k.3, &k.5)) {
                recovered.push((k.clone(), n));
            }
        }
    }
    (
        withheld(&published),
        recovered,
        withheld(&published) - withheld(&secure),
    )
}

/// Records a case's figures and fails it if the adversary recovered any
/// withheld value; returns the cells withheld by secondary suppression.
fn survives(
    report: &mut Vec<String>,
    case: &str,
    attacked: (usize, Vec<(Key, f64)>, usize),
) -> usize {
    let (withheld, recovered, secondary) = attacked;
    report.push(format!(
        "{case}: {withheld} withheld ({secondary} by secondary suppression), {} recovered",
        recovered.len()
    ));
    assert!(
        recovered.is_empty(),
        "{case}: {} recovered, e.g. {:?}",
        recovered.len(),
        &recovered[..recovered.len().min(5)]
    );
    secondary
}

#[test]
fn the_default_output_survives_the_adversary() {
    let mut report = Vec::new();
    // The shipped sample, every level and phase, three years.
    let secondary = survives(
        &mut report,
        "sample",
        attack(&root().join("datasets/sample"), &[], false),
    );
    assert!(secondary > 0);

    // Alliances: each grouping adds up its schools.
    let dir = tempfile::tempdir().unwrap();
    let groups = dir.path().join("groups.csv");
    std::fs::write(
        &groups,
        "urn,group_id,group_name\n117597,N,North\n117598,N,North\n117599,N,North\n117633,S,South\n117634,S,South\n117600,S,South\n",
    )
    .unwrap();
    survives(
        &mut report,
        "sample with alliances",
        attack(
            &root().join("datasets/sample"),
            &[
                "--groups",
                groups.to_str().unwrap(),
                "--level",
                "national,la,school,alliance",
            ],
            false,
        ),
    );

    // Overlapping alliances: chains of four schools, each sharing one with
    // the next, so that relations solve only together.
    let chains = dir.path().join("chains.csv");
    let schools: Vec<String> = schools_of(&root().join("datasets/sample"))
        .into_keys()
        .collect();
    let mut text = String::from("urn,group_id,group_name\n");
    for (g, start) in (0..schools.len().saturating_sub(4)).step_by(3).enumerate() {
        for urn in &schools[start..start + 4] {
            text += &format!("{urn},G{g},Chain {g}\n");
        }
    }
    std::fs::write(&chains, text).unwrap();
    survives(
        &mut report,
        "sample with overlapping alliances",
        attack(
            &root().join("datasets/sample"),
            &[
                "--groups",
                chains.to_str().unwrap(),
                "--level",
                "national,la,school,alliance",
            ],
            false,
        ),
    );

    // Statistical neighbours: four synthetic LAs as the nation, each LA's
    // neighbours pooled; a neighbour group adds up its LAs in the data.
    let nation = dir.path().join("nation");
    std::fs::create_dir_all(&nation).unwrap();
    let mut ks2 = String::new();
    for la in [883, 866, 303, 311] {
        let out = dir.path().join(format!("n{la}"));
        attain(&[
            "synth",
            "--scale",
            "la",
            "--la",
            &la.to_string(),
            "--years",
            "2023-2024",
            "--seed",
            "3",
            "--phase",
            "ks2",
            "--out",
            out.to_str().unwrap(),
        ]);
        let text = std::fs::read_to_string(out.join("ks2.csv")).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        if ks2.is_empty() {
            ks2 = format!("{header}\n");
        }
        for line in lines {
            ks2 += line;
            ks2.push('\n');
        }
    }
    std::fs::write(nation.join("ks2.csv"), ks2).unwrap();
    let mut model: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut reader =
        csv::Reader::from_path(root().join("datasets/neighbours/sn_2025.csv")).unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        if ["883", "866", "303", "311"].contains(&&record[3]) {
            model
                .entry(format!("neighbours:{}", &record[0]))
                .or_default()
                .push(record[3].to_owned());
        }
    }
    let args = [
        "gaps",
        "--data",
        nation.to_str().unwrap(),
        "--level",
        "national,la,school,neighbours",
        "--neighbours",
        "2025",
    ];
    survives(
        &mut report,
        "four LAs with neighbours",
        attack_with(&args, &schools_of(&nation), &model, true),
    );

    // Published tables: an LA's row pools its schools' published figures.
    let schools_file = root().join("datasets/dfe/schools/2018-2019_850_ks2final.csv");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&schools_file)
        .unwrap();
    let header = reader.headers().unwrap().clone();
    let (urn, lea) = (
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == "URN")
            .unwrap(),
        header.iter().position(|h| h == "LEA").unwrap(),
    );
    let mut published_schools = BTreeMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        if record.len() > urn.max(lea) {
            published_schools.insert(record[urn].to_owned(), record[lea].to_owned());
        }
    }
    survives(
        &mut report,
        "Hampshire KS2 2019 tables",
        attack_with(
            &["gaps", "--schools", schools_file.to_str().unwrap()],
            &published_schools,
            &BTreeMap::new(),
            false,
        ),
    );

    // Synthetic LAs of several sizes, one year and three; a whole synthetic
    // nation of small size is not made here (too slow for the suite), but an
    // LA compared with itself as the nation lists every LA: England = its LAs.
    let dir = tempfile::tempdir().unwrap();
    for (la, years) in [(201, "2024"), (885, "2023-2024"), (330, "2022-2024")] {
        let out = dir.path().join(format!("la{la}"));
        attain(&[
            "synth",
            "--scale",
            "la",
            "--la",
            &la.to_string(),
            "--years",
            years,
            "--seed",
            "7",
            "--phase",
            "eyfs,ks2,ks4",
            "--out",
            out.to_str().unwrap(),
        ]);
        std::fs::remove_file(out.join("national.csv")).unwrap();
        // National rows from the LA's own pupils: England = this one LA.
        survives(
            &mut report,
            &format!("LA {la} ({years})"),
            attack(&out, &[], true),
        );
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn primary_suppression_alone_is_undone_by_the_adversary() {
    // The adversary is not toothless: in the secure mode (primary only,
    // counts shown) it recovers withheld values by subtraction.
    let dir = root().join("datasets/sample");
    let args = [
        "gaps",
        "--data",
        dir.to_str().unwrap(),
        "--disclosure",
        "secure",
    ];
    let published = cells(&attain(&args));
    let truth = cells(&attain(&[&args[..], &["--min-cohort", "0"]].concat()));
    let recovered = recovered(
        &published,
        &truth,
        &schools_of(&dir),
        &BTreeMap::new(),
        false,
    );
    assert!(recovered.len() > 100, "{}", recovered.len());
}
