//! The data Attain ships: England's published national figures and a
//! synthetic sample LA, built into the library so that every user (Rust,
//! the CLI, Python) has them without knowing a path.
//!
//! * [`national_reference`]: England's published figures for every phase,
//!   converted from DfE releases (see `datasets/national/README.md` for
//!   provenance; Open Government Licence v3.0).
//! * [`sample`] and [`sample_national`]: a synthetic LA (code 883, 44
//!   schools, 2022–2024) made by `attain synth --seed 2024`, with the
//!   synthetic England's national figures. No real pupil is in it.

use crate::error::Result;
use crate::national::NationalFigures;
use crate::phase::Phase;
use crate::pupils::{read_csv_from, PupilTable};

const NATIONAL_REFERENCE: &str = include_str!("../../../datasets/national/national.csv");
/// DfE's KS4 ready-reckoner Progress 8 estimates, 2022–2024
/// (`datasets/progress/`, see its README for provenance).
pub const DFE_P8_ESTIMATES: &str = include_str!("../../../datasets/progress/dfe_p8_estimates.csv");
/// The default categorisation rules (`datasets/rules/default.toml`).
pub const DEFAULT_RULES: &str = include_str!("../../../datasets/rules/default.toml");
const SAMPLE_NATIONAL: &str = include_str!("../../../datasets/sample/national.csv");
const SAMPLE_EYFS: &str = include_str!("../../../datasets/sample/eyfs.csv");
const SAMPLE_PHONICS: &str = include_str!("../../../datasets/sample/phonics.csv");
const SAMPLE_KS1: &str = include_str!("../../../datasets/sample/ks1.csv");
const SAMPLE_KS2: &str = include_str!("../../../datasets/sample/ks2.csv");
const SAMPLE_KS4: &str = include_str!("../../../datasets/sample/ks4.csv");

/// England's published national figures (`datasets/national/national.csv`).
pub fn national_reference() -> Result<NationalFigures> {
    NationalFigures::read_reference_from(
        NATIONAL_REFERENCE.as_bytes(),
        "datasets/national/national.csv",
    )
}

/// The CSV text of the sample's pupils for a phase (`datasets/sample/<phase>.csv`).
pub fn sample_csv(phase: Phase) -> &'static str {
    match phase {
        Phase::Eyfs => SAMPLE_EYFS,
        Phase::Phonics => SAMPLE_PHONICS,
        Phase::Ks1 => SAMPLE_KS1,
        Phase::Ks2 => SAMPLE_KS2,
        Phase::Ks4 => SAMPLE_KS4,
    }
}

/// The sample LA's pupils for a phase.
pub fn sample(phase: Phase) -> Result<PupilTable> {
    let source = format!("datasets/sample/{phase}.csv");
    read_csv_from(sample_csv(phase).as_bytes(), &source, Some(phase))
}

/// The CSV text of the sample's national figures (`datasets/sample/national.csv`).
pub fn sample_national_csv() -> &'static str {
    SAMPLE_NATIONAL
}

/// The synthetic England's national figures that go with [`sample`].
pub fn sample_national() -> Result<NationalFigures> {
    NationalFigures::read_reference_from(SAMPLE_NATIONAL.as_bytes(), "datasets/sample/national.csv")
}
