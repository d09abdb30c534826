//! The measures Attain computes, as data.
//!
//! A measure is an entry in [`MEASURES`]: its phase, its name, whether it is a
//! rate or a mean, and the rule a pupil's outcomes are judged by. Adding a
//! measure (KS1 greater depth, say) is one more entry; no code path changes.
//!
//! * A **rate** counts every pupil of the cohort in its denominator. A pupil
//!   with a missing outcome (absent `A`, disapplied `D`, empty) has not met
//!   it. Rates are reported in percent (0..100).
//! * A **mean** averages over the pupils that have a value; its `n` is the
//!   number of pupils with a value.

use crate::phase::{Phase, TaCode};

/// Whether a measure is a percentage of the cohort or an average.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeasureKind {
    Rate,
    Mean,
}

/// One test on one outcome column of a pupil.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Condition {
    /// A boolean outcome is true.
    IsTrue(&'static str),
    /// A numeric outcome is present and at least the threshold.
    AtLeast(&'static str, f64),
    /// A teacher-assessment outcome is one of the codes.
    CodeIn(&'static str, &'static [TaCode]),
}

impl Condition {
    pub fn column(&self) -> &'static str {
        match *self {
            Condition::IsTrue(column)
            | Condition::AtLeast(column, _)
            | Condition::CodeIn(column, _) => column,
        }
    }
}

/// How a pupil's outcomes give the measure's value for that pupil.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// A rate: the pupil meets the measure when every condition holds.
    AllOf(&'static [Condition]),
    /// A mean of a numeric outcome column, over pupils with a value.
    MeanOf(&'static str),
    /// A progress score: a mean, over pupils with both values, of the
    /// outcome minus the estimate for the pupil's prior attainment (see
    /// [`crate::progress`]), divided by `divisor`.
    Progress(Progress),
    /// A measure DfE publishes that a pupil table cannot give (KS2 writing
    /// progress: the pupil table holds writing as a teacher assessment).
    PublishedOnly,
}

/// How a progress measure scores a pupil.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// The outcome column (Attainment 8, a KS2 scaled score).
    pub outcome: &'static str,
    /// The prior-attainment column the estimate is looked up by.
    pub prior: &'static str,
    /// Progress 8 divides by 10, the slots Attainment 8 spans; KS2 progress
    /// by 1.
    pub divisor: f64,
}

/// A headline measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measure {
    pub phase: Phase,
    /// Which way is better: ranks put the best value first.
    pub better: Better,
    /// The measure's name as written in output, `phase.short_name`, e.g. `ks2.rwm_exp`.
    pub name: &'static str,
    pub rule: Rule,
    pub description: &'static str,
}

impl Measure {
    pub fn kind(&self) -> MeasureKind {
        match self.rule {
            Rule::AllOf(_) => MeasureKind::Rate,
            Rule::MeanOf(_) | Rule::Progress(_) | Rule::PublishedOnly => MeasureKind::Mean,
        }
    }

    /// Whether the measure's count is its phase's cohort (every rate is):
    /// rates of one phase share their counts.
    pub fn counts_cohort(&self) -> bool {
        self.kind() == MeasureKind::Rate
    }

    /// Whether every pupil meeting this rate meets `other` too (the higher
    /// standard implies the expected one; RWM implies reading): each of
    /// `other`'s conditions is one of this rate's or a stricter one.
    pub fn implies(&self, other: &Measure) -> bool {
        let (Rule::AllOf(mine), Rule::AllOf(theirs)) = (self.rule, other.rule) else {
            return false;
        };
        self.phase == other.phase
            && self.name != other.name
            && theirs.iter().all(|t| {
                mine.iter().any(|m| match (m, t) {
                    (Condition::IsTrue(a), Condition::IsTrue(b)) => a == b,
                    (Condition::AtLeast(a, x), Condition::AtLeast(b, y)) => a == b && x >= y,
                    (Condition::CodeIn(a, x), Condition::CodeIn(b, y)) => {
                        a == b && x.iter().all(|code| y.contains(code))
                    }
                    _ => false,
                })
            })
    }

    /// Whether this is a progress measure (Progress 8, KS2 progress): its
    /// interval uses the national pupil-level SD and it has a band.
    pub fn is_progress(&self) -> bool {
        matches!(self.rule, Rule::Progress(_) | Rule::PublishedOnly)
    }

    /// The furthest from 0 a progress score can be: Progress 8 within ±9
    /// (Attainment 8 spans 0 to 90, divided by 10), KS2 progress within
    /// ±40 (scaled scores span 80 to 120).
    pub fn progress_limit(&self) -> f64 {
        match self.rule {
            Rule::Progress(progress) if progress.divisor == 10.0 => 9.0,
            _ => 40.0,
        }
    }

    /// The measures of a phase a pupil table can give, in catalogue order:
    /// the columns of every summary of pupils.
    pub fn from_pupils(phase: Phase) -> impl Iterator<Item = &'static Measure> {
        Measure::of_phase(phase).filter(|measure| measure.rule != Rule::PublishedOnly)
    }

    /// The measure's position in [`MEASURES`]: the key measures are stored
    /// and compared by, never their names.
    pub fn index(&self) -> usize {
        let offset = (self as *const Measure as usize).wrapping_sub(MEASURES.as_ptr() as usize)
            / std::mem::size_of::<Measure>();
        assert!(
            offset < MEASURES.len() && std::ptr::eq(&MEASURES[offset], self),
            "{} is not a measure of the catalogue",
            self.name
        );
        offset
    }

    /// The measures of one phase, in catalogue order.
    pub fn of_phase(phase: Phase) -> impl Iterator<Item = &'static Measure> {
        MEASURES
            .iter()
            .filter(move |measure| measure.phase == phase)
    }

    /// A measure of the catalogue by its full name (`ks2.rwm_exp`).
    pub fn named(name: &str) -> Option<&'static Measure> {
        MEASURES.iter().find(|measure| measure.name == name)
    }

    /// Finds a measure by its full name (`ks2.rwm_exp`), or by its short name
    /// (`rwm_exp`) within a phase.
    pub fn find(phase: Phase, name: &str) -> Option<&'static Measure> {
        let name = name.trim();
        Measure::of_phase(phase).find(|measure| {
            measure.name == name
                || measure.name.split_once('.').map(|(_, short)| short) == Some(name)
        })
    }
}

const EXPECTED_OR_ABOVE: &[TaCode] = &[TaCode::Exs, TaCode::Gds];
const GREATER_DEPTH: &[TaCode] = &[TaCode::Gds];

/// Which way a measure is better. Every measure so far is higher-is-better;
/// one where lower is better (persistent absence, say) ranks the other way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

/// Every measure, grouped by phase in phase order.
pub static MEASURES: [Measure; 17] = [
    Measure {
        phase: Phase::Eyfs,
        better: Better::Higher,
        name: "eyfs.gld",
        rule: Rule::AllOf(&[Condition::IsTrue("gld")]),
        description: "% of pupils reaching a good level of development",
    },
    Measure {
        phase: Phase::Phonics,
        better: Better::Higher,
        name: "phonics.met",
        rule: Rule::AllOf(&[Condition::AtLeast("phonics_mark", 32.0)]),
        description: "% of pupils meeting the phonics expected standard (mark 32 or more out of 40)",
    },
    Measure {
        phase: Phase::Ks1,
        better: Better::Higher,
        name: "ks1.read_exp",
        rule: Rule::AllOf(&[Condition::CodeIn("ks1_read", EXPECTED_OR_ABOVE)]),
        description: "% of pupils at the expected standard or above in KS1 reading (EXS or GDS)",
    },
    Measure {
        phase: Phase::Ks1,
        better: Better::Higher,
        name: "ks1.writ_exp",
        rule: Rule::AllOf(&[Condition::CodeIn("ks1_writ", EXPECTED_OR_ABOVE)]),
        description: "% of pupils at the expected standard or above in KS1 writing (EXS or GDS)",
    },
    Measure {
        phase: Phase::Ks1,
        better: Better::Higher,
        name: "ks1.mat_exp",
        rule: Rule::AllOf(&[Condition::CodeIn("ks1_mat", EXPECTED_OR_ABOVE)]),
        description: "% of pupils at the expected standard or above in KS1 maths (EXS or GDS)",
    },
    Measure {
        phase: Phase::Ks1,
        better: Better::Higher,
        name: "ks1.rwm_exp",
        rule: Rule::AllOf(&[
            Condition::CodeIn("ks1_read", EXPECTED_OR_ABOVE),
            Condition::CodeIn("ks1_writ", EXPECTED_OR_ABOVE),
            Condition::CodeIn("ks1_mat", EXPECTED_OR_ABOVE),
        ]),
        description: "% of pupils at the expected standard or above in all of KS1 reading, writing and maths",
    },
    Measure {
        phase: Phase::Ks2,
        better: Better::Higher,
        name: "ks2.rwm_exp",
        rule: Rule::AllOf(&[
            Condition::AtLeast("ks2_read", 100.0),
            Condition::AtLeast("ks2_mat", 100.0),
            Condition::CodeIn("ks2_writ", EXPECTED_OR_ABOVE),
        ]),
        description: "% of pupils meeting the expected standard in reading, writing and maths (reading and maths scaled score 100+, writing EXS or GDS)",
    },
    Measure {
        phase: Phase::Ks2,
        better: Better::Higher,
        name: "ks2.rwm_high",
        rule: Rule::AllOf(&[
            Condition::AtLeast("ks2_read", 110.0),
            Condition::AtLeast("ks2_mat", 110.0),
            Condition::CodeIn("ks2_writ", GREATER_DEPTH),
        ]),
        description: "% of pupils at the higher standard in reading, writing and maths (reading and maths scaled score 110+, writing GDS)",
    },
    Measure {
        phase: Phase::Ks2,
        better: Better::Higher,
        name: "ks2.read_avg",
        rule: Rule::MeanOf("ks2_read"),
        description: "average KS2 reading scaled score, over pupils with a scaled score",
    },
    Measure {
        phase: Phase::Ks2,
        better: Better::Higher,
        name: "ks2.mat_avg",
        rule: Rule::MeanOf("ks2_mat"),
        description: "average KS2 maths scaled score, over pupils with a scaled score",
    },
    Measure {
        phase: Phase::Ks2,
        better: Better::Higher,
        name: "ks2.read_progress",
        rule: Rule::Progress(Progress {
            outcome: "ks2_read",
            prior: "ks1_aps",
            divisor: 1.0,
        }),
        description: "KS1-KS2 reading progress: the mean of each pupil's reading scaled score minus the national average of pupils with the same KS1 average point score",
    },
    Measure {
        phase: Phase::Ks2,
        better: Better::Higher,
        name: "ks2.writ_progress",
        rule: Rule::PublishedOnly,
        description: "KS1-KS2 writing progress, as DfE publishes it (performance tables only: a pupil table holds writing as a teacher assessment)",
    },
    Measure {
        phase: Phase::Ks2,
        better: Better::Higher,
        name: "ks2.mat_progress",
        rule: Rule::Progress(Progress {
            outcome: "ks2_mat",
            prior: "ks1_aps",
            divisor: 1.0,
        }),
        description: "KS1-KS2 maths progress: the mean of each pupil's maths scaled score minus the national average of pupils with the same KS1 average point score",
    },
    Measure {
        phase: Phase::Ks4,
        better: Better::Higher,
        name: "ks4.att8",
        rule: Rule::MeanOf("att8"),
        description: "average Attainment 8 score, over pupils with a score",
    },
    Measure {
        phase: Phase::Ks4,
        better: Better::Higher,
        name: "ks4.basics4",
        rule: Rule::AllOf(&[Condition::AtLeast("eng_grade", 4.0), Condition::AtLeast("mat_grade", 4.0)]),
        description: "% of pupils with grade 4 or above in both English and maths",
    },
    Measure {
        phase: Phase::Ks4,
        better: Better::Higher,
        name: "ks4.basics5",
        rule: Rule::AllOf(&[Condition::AtLeast("eng_grade", 5.0), Condition::AtLeast("mat_grade", 5.0)]),
        description: "% of pupils with grade 5 or above in both English and maths",
    },
    Measure {
        phase: Phase::Ks4,
        better: Better::Higher,
        name: "ks4.p8",
        rule: Rule::Progress(Progress {
            outcome: "att8",
            prior: "ks2_prior",
            divisor: 10.0,
        }),
        description: "Progress 8: the mean of each pupil's Attainment 8 minus the national average of pupils with the same KS2 prior attainment, divided by 10",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_condition_names_a_column_of_its_phase() {
        for measure in &MEASURES {
            let columns = measure.phase.outcome_columns();
            let named: Vec<&str> = match measure.rule {
                Rule::AllOf(conditions) => conditions.iter().map(Condition::column).collect(),
                Rule::MeanOf(column) => vec![column],
                Rule::Progress(progress) => vec![progress.outcome, progress.prior],
                Rule::PublishedOnly => vec![],
            };
            for name in named {
                assert!(
                    columns.iter().any(|c| c.name == name),
                    "{} names {name}",
                    measure.name
                );
            }
            assert!(measure.name.starts_with(measure.phase.name()));
        }
    }

    #[test]
    fn measures_are_found_by_full_or_short_name() {
        assert_eq!(
            Measure::find(Phase::Ks2, "ks2.rwm_exp").unwrap().name,
            "ks2.rwm_exp"
        );
        assert_eq!(
            Measure::find(Phase::Ks2, "rwm_high").unwrap().name,
            "ks2.rwm_high"
        );
        assert!(Measure::find(Phase::Ks4, "rwm_exp").is_none());
    }
}
