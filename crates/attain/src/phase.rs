//! The five phases of English statutory assessment and the outcome columns a
//! pupil table carries for each.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A phase of statutory assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// End of reception (age 5): the Early Years Foundation Stage Profile.
    Eyfs,
    /// The Year 1 phonics screening check.
    Phonics,
    /// Key stage 1 (Year 2, age 7): teacher assessment.
    Ks1,
    /// Key stage 2 (Year 6, age 11): tests and writing teacher assessment.
    Ks2,
    /// Key stage 4 (Year 11, age 16): GCSEs.
    Ks4,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Eyfs,
        Phase::Phonics,
        Phase::Ks1,
        Phase::Ks2,
        Phase::Ks4,
    ];

    /// The lower-case name used in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Eyfs => "eyfs",
            Phase::Phonics => "phonics",
            Phase::Ks1 => "ks1",
            Phase::Ks2 => "ks2",
            Phase::Ks4 => "ks4",
        }
    }

    /// The outcome columns of this phase's pupil table, in a fixed order.
    pub fn outcome_columns(self) -> &'static [OutcomeColumn] {
        match self {
            Phase::Eyfs => &EYFS_COLUMNS,
            Phase::Phonics => &PHONICS_COLUMNS,
            Phase::Ks1 => &KS1_COLUMNS,
            Phase::Ks2 => &KS2_COLUMNS,
            Phase::Ks4 => &KS4_COLUMNS,
        }
    }

    /// Which phase a set of column names belongs to: the phase whose required
    /// outcome columns are all present. `None` when no phase or more than one
    /// phase matches.
    pub fn detect<'a>(columns: impl IntoIterator<Item = &'a str> + Clone) -> Option<Phase> {
        let mut found = Phase::ALL.into_iter().filter(|phase| {
            phase
                .outcome_columns()
                .iter()
                .filter(|column| column.required)
                .all(|column| columns.clone().into_iter().any(|c| c == column.name))
        });
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Phase {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        Phase::ALL
            .into_iter()
            .find(|phase| phase.name() == wanted)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "unknown phase {text:?}: expected one of eyfs, phonics, ks1, ks2, ks4"
                ))
            })
    }
}

/// How an outcome column is typed and validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnKind {
    /// A boolean that may never be empty.
    Flag,
    /// A whole number in `min..=max`; empty means no valid result.
    Whole { min: i64, max: i64 },
    /// A number in `min..=max`; empty means no valid result.
    Number { min: f64, max: f64 },
    /// A teacher-assessment code (see [`TaCode`]); empty means none.
    TeacherAssessment,
}

/// One outcome column of a phase's pupil table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutcomeColumn {
    pub name: &'static str,
    pub kind: ColumnKind,
    /// A required column must be present; an optional one may be absent.
    pub required: bool,
    pub description: &'static str,
}

const fn column(
    name: &'static str,
    kind: ColumnKind,
    required: bool,
    description: &'static str,
) -> OutcomeColumn {
    OutcomeColumn {
        name,
        kind,
        required,
        description,
    }
}

const SCALED_SCORE: ColumnKind = ColumnKind::Whole { min: 80, max: 120 };

static EYFS_COLUMNS: [OutcomeColumn; 1] = [column(
    "gld",
    ColumnKind::Flag,
    true,
    "good level of development",
)];
static PHONICS_COLUMNS: [OutcomeColumn; 1] = [column(
    "phonics_mark",
    ColumnKind::Whole { min: 0, max: 40 },
    true,
    "phonics screening check mark out of 40",
)];
static KS1_COLUMNS: [OutcomeColumn; 3] = [
    column(
        "ks1_read",
        ColumnKind::TeacherAssessment,
        true,
        "KS1 reading teacher assessment",
    ),
    column(
        "ks1_writ",
        ColumnKind::TeacherAssessment,
        true,
        "KS1 writing teacher assessment",
    ),
    column(
        "ks1_mat",
        ColumnKind::TeacherAssessment,
        true,
        "KS1 maths teacher assessment",
    ),
];
static KS2_COLUMNS: [OutcomeColumn; 4] = [
    column("ks2_read", SCALED_SCORE, true, "KS2 reading scaled score"),
    column("ks2_mat", SCALED_SCORE, true, "KS2 maths scaled score"),
    column(
        "ks2_writ",
        ColumnKind::TeacherAssessment,
        true,
        "KS2 writing teacher assessment",
    ),
    column(
        "ks1_aps",
        ColumnKind::Number {
            min: 0.0,
            max: 100.0,
        },
        false,
        "KS1 average point score (prior attainment)",
    ),
];
static KS4_COLUMNS: [OutcomeColumn; 4] = [
    column(
        "att8",
        ColumnKind::Number {
            min: 0.0,
            max: 90.0,
        },
        true,
        "Attainment 8 score",
    ),
    column(
        "eng_grade",
        ColumnKind::Whole { min: 0, max: 9 },
        true,
        "GCSE English grade (0 = U)",
    ),
    column(
        "mat_grade",
        ColumnKind::Whole { min: 0, max: 9 },
        true,
        "GCSE maths grade (0 = U)",
    ),
    column(
        "ks2_prior",
        ColumnKind::Number {
            min: 0.0,
            max: 200.0,
        },
        false,
        "KS2 prior attainment",
    ),
];

/// A KS1 or KS2 teacher-assessment code. `Missing` is an empty cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(u8)]
pub enum TaCode {
    #[default]
    Missing = 0,
    /// Absent.
    A,
    /// Disapplied.
    D,
    /// Has not met the standard.
    Hnm,
    /// Below the pre-key-stage standards.
    Blw,
    /// Pre-key-stage: foundations for the expected standard.
    Pkf,
    /// Working towards the expected standard.
    Wts,
    /// Working at the expected standard.
    Exs,
    /// Working at greater depth.
    Gds,
}

impl TaCode {
    pub const CODES: [TaCode; 8] = [
        TaCode::Gds,
        TaCode::Exs,
        TaCode::Wts,
        TaCode::Pkf,
        TaCode::Blw,
        TaCode::Hnm,
        TaCode::A,
        TaCode::D,
    ];

    /// The code as DfE writes it (empty for `Missing`).
    pub fn code(self) -> &'static str {
        match self {
            TaCode::Missing => "",
            TaCode::A => "A",
            TaCode::D => "D",
            TaCode::Hnm => "HNM",
            TaCode::Blw => "BLW",
            TaCode::Pkf => "PKF",
            TaCode::Wts => "WTS",
            TaCode::Exs => "EXS",
            TaCode::Gds => "GDS",
        }
    }

    /// Parses an exact upper-case code; the empty string is `Missing`.
    pub fn parse(text: &str) -> Option<TaCode> {
        if text.is_empty() {
            return Some(TaCode::Missing);
        }
        TaCode::CODES.into_iter().find(|code| code.code() == text)
    }

    pub(crate) const EXPECTED: &'static str = "a teacher-assessment code GDS, EXS, WTS, PKF, BLW, HNM, A (absent), D (disapplied), or empty";
}
