//! `attain-fuzz TARGET --seconds N`: mutational fuzzing of one loader.
//!
//! cargo-fuzz needs a nightly compiler, which these machines cannot install,
//! so this is a stable, dependency-light harness: it starts from a corpus of
//! real and malformed files (`datasets/`, `tests/bad_inputs/`), mutates them
//! (bit flips, byte and line edits, splices with another seed, cells
//! replaced by hostile values) and feeds each input to the loader, catching
//! panics. A loader may refuse an input with an error: that is the contract.
//! It must never panic, hang (an input taking over two seconds is reported)
//! or allocate without bound. Each finding is saved under
//! `fuzz/findings/<target>/` to become a regression case.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A loader under test: the seed files, and how to feed it bytes.
struct Target {
    name: &'static str,
    seeds: &'static [&'static str],
    run: fn(&[u8], &Path) -> bool,
}

fn scratch(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("scratch file");
    path
}

const TARGETS: &[Target] = &[
    Target {
        name: "pupils-csv",
        seeds: &[
            "datasets/sample/ks2.csv",
            "datasets/sample/ks4.csv",
            "datasets/sample/eyfs.csv",
            "tests/bad_inputs/pupils",
        ],
        run: |bytes, _| attain::pupils::read_csv_from(bytes, "fuzz", None).is_ok(),
    },
    Target {
        name: "pupils-parquet",
        seeds: &["fuzz/seeds/ks2.parquet"],
        run: |bytes, dir| attain::PupilTable::read(scratch(dir, "p.parquet", bytes), None).is_ok(),
    },
    Target {
        name: "performance",
        seeds: &["datasets/dfe/schools", "tests/bad_inputs/performance"],
        run: |bytes, _| {
            attain::Published::read_from(bytes, "fuzz", Some("2018-2019_850_ks2final.csv"), None)
                .is_ok()
        },
    },
    Target {
        name: "ees",
        seeds: &["datasets/dfe/la", "tests/bad_inputs/ees"],
        run: |bytes, _| attain::Published::read_from(bytes, "fuzz", Some("ees.csv"), None).is_ok(),
    },
    Target {
        name: "lait",
        seeds: &[
            "datasets/dfe/la/lait_attainment_883_845_850.csv",
            "tests/bad_inputs/lait",
        ],
        run: |bytes, _| attain::Published::read_from(bytes, "fuzz", Some("lait.csv"), None).is_ok(),
    },
    Target {
        name: "national",
        seeds: &["datasets/sample/national.csv", "tests/bad_inputs/national"],
        run: |bytes, _| attain::NationalFigures::read_reference_from(bytes, "fuzz").is_ok(),
    },
    Target {
        name: "groupings",
        seeds: &["tests/bad_inputs/groupings"],
        run: |bytes, _| attain::Groupings::read_from(bytes, "fuzz").is_ok(),
    },
    Target {
        name: "neighbours",
        seeds: &["datasets/neighbours", "tests/bad_inputs/neighbours"],
        run: |bytes, _| attain::neighbours::Neighbours::read_from(bytes, "fuzz").is_ok(),
    },
    Target {
        name: "estimates",
        seeds: &[
            "datasets/progress/dfe_p8_estimates.csv",
            "tests/bad_inputs/estimates",
        ],
        run: |bytes, _| attain::Estimates::read_from(bytes, "fuzz").is_ok(),
    },
    Target {
        name: "summaries",
        seeds: &["tests/bad_inputs/summaries"],
        run: |bytes, dir| attain::summaries_table::read_file(&scratch(dir, "s.csv", bytes)).is_ok(),
    },
    Target {
        name: "rules",
        seeds: &["datasets/rules/default.toml"],
        run: |bytes, _| {
            attain::categorise::Rules::parse(&String::from_utf8_lossy(bytes), "fuzz.toml").is_ok()
        },
    },
    Target {
        name: "ofsted",
        seeds: &["tests/bad_inputs/ofsted"],
        run: |bytes, _| attain::ofsted::Inspections::read_from(bytes, "fuzz", None).is_ok(),
    },
    Target {
        name: "targets",
        seeds: &["fuzz/seeds/targets.csv"],
        run: |bytes, _| attain::targets::read_from(bytes, "fuzz").is_ok(),
    },
];

/// Values that break parsers: empties, signs, huge and tiny numbers,
/// codes, quotes, separators, encodings.
const HOSTILE: &[&str] = &[
    "",
    " ",
    "-",
    "-1",
    "0",
    "-0",
    "1e309",
    "NaN",
    "inf",
    "18446744073709551616",
    "99999999999",
    "0.0000001",
    "1,5",
    "\"",
    "\"\"",
    ",",
    "\n",
    "\r\n",
    "\u{feff}",
    "\u{0}",
    "SUPP",
    "NE",
    "c",
    "x",
    "low",
    "true",
    "Y",
    "GDS",
    "2024",
    "201819",
    "999999",
    "E92000001",
    "ks2.rwm_exp",
    "all",
    "é",
    "\u{2019}",
    "\u{1F600}",
    "[",
    "]",
    "=",
    "#",
];

fn mutate(rng: &mut ChaCha8Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..rng.random_range(1..=4) {
        match rng.random_range(0..9) {
            0 if !data.is_empty() => {
                let at = rng.random_range(0..data.len());
                data[at] ^= 1 << rng.random_range(0..8);
            }
            1 => {
                let at = rng.random_range(0..=data.len());
                data.insert(at, rng.random());
            }
            2 if !data.is_empty() => {
                let at = rng.random_range(0..data.len());
                let end = (at + rng.random_range(1..64)).min(data.len());
                data.drain(at..end);
            }
            3 if !data.is_empty() => {
                let at = rng.random_range(0..data.len());
                data.truncate(at);
            }
            4 => {
                // Replace one CSV cell (or TOML value) with a hostile value.
                let text = String::from_utf8_lossy(&data).into_owned();
                let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
                if !lines.is_empty() {
                    let line = rng.random_range(0..lines.len());
                    let mut cells: Vec<String> =
                        lines[line].split(',').map(str::to_owned).collect();
                    let cell = rng.random_range(0..cells.len());
                    cells[cell] = HOSTILE[rng.random_range(0..HOSTILE.len())].to_owned();
                    lines[line] = cells.join(",");
                    data = lines.join("\n").into_bytes();
                }
            }
            5 => {
                // Duplicate or drop a line.
                let text = String::from_utf8_lossy(&data).into_owned();
                let mut lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let line = rng.random_range(0..lines.len());
                    if rng.random_bool(0.5) {
                        lines.insert(line, lines[line]);
                    } else {
                        lines.remove(line);
                    }
                    data = lines.join("\n").into_bytes();
                }
            }
            6 if !corpus.is_empty() => {
                // Splice with another seed.
                let other = &corpus[rng.random_range(0..corpus.len())];
                let at = rng.random_range(0..=data.len());
                let from = rng.random_range(0..=other.len());
                let to = (from + rng.random_range(0..512)).min(other.len());
                data.splice(at..at, other[from..to].iter().copied());
            }
            7 if !data.is_empty() => {
                // Repeat a chunk: long cells and many rows.
                let at = rng.random_range(0..data.len());
                let end = (at + rng.random_range(1..128)).min(data.len());
                let chunk = data[at..end].to_vec();
                for _ in 0..rng.random_range(1..32) {
                    data.splice(at..at, chunk.iter().copied());
                }
            }
            _ => {
                let at = rng.random_range(0..=data.len());
                let value = HOSTILE[rng.random_range(0..HOSTILE.len())];
                data.splice(at..at, value.bytes());
            }
        }
    }
    data.truncate(1 << 18);
    data
}

fn load_seeds(root: &Path, seeds: &[&str]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for seed in seeds {
        let path = root.join(seed);
        let files: Vec<PathBuf> = if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
                .map(|d| {
                    d.flatten()
                        .map(|e| e.path())
                        .filter(|p| p.is_file())
                        .collect()
                })
                .unwrap_or_default();
            files.sort();
            files
        } else {
            vec![path]
        };
        for file in files {
            if let Ok(bytes) = std::fs::read(&file) {
                // The first 200 lines are enough to reach every code path,
                // and keep each run fast.
                let cut = bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .nth(200)
                    .map_or(bytes.len(), |(i, _)| i + 1);
                out.push(bytes[..cut].to_vec());
            }
        }
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = || {
        let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
        eprintln!(
            "usage: attain-fuzz TARGET|all --seconds N [--seed S]\ntargets: {}",
            names.join(", ")
        );
        std::process::exit(2);
    };
    let Some(which) = args.get(1) else { usage() };
    let value = |flag: &str, default: u64| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    // --replay FILE: run one input with panics shown, to debug a finding.
    if let Some(at) = args.iter().position(|a| a == "--replay") {
        let target = TARGETS
            .iter()
            .find(|t| t.name == which.as_str())
            .unwrap_or_else(|| usage());
        let input = std::fs::read(&args[at + 1]).expect("the input to replay");
        let dir = std::env::temp_dir();
        println!("accepted: {}", (target.run)(&input, &dir));
        return;
    }
    let seconds = value("--seconds", 60);
    let seed = value("--seed", 1);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let targets: Vec<&Target> = TARGETS
        .iter()
        .filter(|t| which == "all" || t.name == which)
        .collect();
    if targets.is_empty() {
        usage();
    }
    // Panics are findings, reported below: keep the default hook quiet.
    std::panic::set_hook(Box::new(|_| {}));
    let scratch_dir = std::env::temp_dir().join(format!("attain-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&scratch_dir).unwrap();
    let mut total_findings = 0;
    for target in targets {
        let corpus = load_seeds(&root, target.seeds);
        assert!(!corpus.is_empty(), "{}: no seeds", target.name);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let findings_dir = root.join("fuzz/findings").join(target.name);
        let start = Instant::now();
        let (mut runs, mut accepted, mut findings, mut slowest) = (0u64, 0u64, 0, Duration::ZERO);
        while start.elapsed() < Duration::from_secs(seconds) {
            let base = &corpus[rng.random_range(0..corpus.len())];
            let input = mutate(&mut rng, base, &corpus);
            let began = Instant::now();
            let outcome = std::panic::catch_unwind(|| (target.run)(&input, &scratch_dir));
            let took = began.elapsed();
            slowest = slowest.max(took);
            runs += 1;
            let kind = match outcome {
                Ok(true) => {
                    accepted += 1;
                    None
                }
                Ok(false) => None,
                Err(_) => Some("panic"),
            };
            let kind = kind.or((took > Duration::from_secs(2)).then_some("slow"));
            if let Some(kind) = kind {
                findings += 1;
                std::fs::create_dir_all(&findings_dir).unwrap();
                let name = format!("{kind}-{:016x}", xxhash_rust::xxh3::xxh3_64(&input));
                std::fs::write(findings_dir.join(&name), &input).unwrap();
                eprintln!(
                    "{}: {kind} ({took:?}), saved as fuzz/findings/{}/{name}",
                    target.name, target.name
                );
            }
        }
        println!(
            "{}: {runs} inputs in {:.0} s ({:.0}/s), {accepted} accepted, {} refused with an error, {findings} findings, slowest {:.1} ms",
            target.name,
            start.elapsed().as_secs_f64(),
            runs as f64 / start.elapsed().as_secs_f64(),
            runs - accepted - findings as u64,
            slowest.as_secs_f64() * 1000.0
        );
        std::io::stdout().flush().ok();
        total_findings += findings;
    }
    std::fs::remove_dir_all(&scratch_dir).ok();
    std::process::exit(if total_findings == 0 { 0 } else { 1 });
}
