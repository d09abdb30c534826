//! Shared set-up for the benchmarks: England-sized synthetic cohorts
//! written once to CSV and Parquet in a temporary folder.

use std::path::PathBuf;

use attain::output::{write_file, Format};
use attain::synth::{synthesise, Scale, SynthOptions};
use attain::Phase;

/// A national cohort of one phase and year, on disk in both formats.
pub struct Cohort {
    pub phase: Phase,
    pub pupils: usize,
    pub csv: PathBuf,
    pub parquet: PathBuf,
    _dir: tempfile::TempDir,
}

pub fn national_cohort(phase: Phase, year: u16) -> Cohort {
    let options = SynthOptions {
        scale: Scale::National,
        la_code: 883,
        years: vec![year],
        seed: 2024,
    };
    let data = synthesise(&options, phase).expect("synthetic data");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut frame = data.pupils.to_dataframe().expect("a frame");
    let csv = dir.path().join(format!("{phase}.csv"));
    let parquet = dir.path().join(format!("{phase}.parquet"));
    write_file(&mut frame, Format::Csv, &csv).expect("CSV written");
    write_file(&mut frame, Format::Parquet, &parquet).expect("Parquet written");
    Cohort {
        phase,
        pupils: data.pupils.len(),
        csv,
        parquet,
        _dir: dir,
    }
}
