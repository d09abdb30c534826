//! The bad-input catalogue (`tests/bad_inputs/`, see its README): every
//! malformed file, through the command line, gives exactly its expected
//! error and exit code, and nothing panics.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn every_malformed_file_gives_its_exact_error() {
    let root = root();
    let mut reader = csv::Reader::from_path(root.join("tests/bad_inputs/cases.csv")).unwrap();
    let mut failures = Vec::new();
    let mut cases = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let (file, args, exit, expected) = (&record[0], &record[1], &record[2], &record[3]);
        let path = format!("tests/bad_inputs/{file}");
        let args: Vec<String> = args
            .split_whitespace()
            .map(|a| a.replace("{file}", &path))
            .collect();
        let output = Command::new(env!("CARGO_BIN_EXE_attain"))
            .args(&args)
            .current_dir(&root)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("attain: error:"))
            .collect();
        let want = expected.replace("{file}", &path);
        let code = output
            .status
            .code()
            .map(|c| c.to_string())
            .unwrap_or_default();
        if code != exit || errors != [want.as_str()] || stderr.contains("panicked") {
            failures.push(format!(
                "{file}: exit {code} (want {exit})\n  got:  {errors:?}\n  want: {want}"
            ));
        }
        cases += 1;
    }
    assert!(cases >= 40, "only {cases} cases");
    assert!(
        failures.is_empty(),
        "{} of {cases} cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
