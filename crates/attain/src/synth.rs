//! Seeded synthetic pupil data, for trying Attain without real pupils and
//! for benchmarking on England-sized cohorts.
//!
//! The model: 158 LAs (England's LA codes), each with primary, secondary and
//! special schools that persist across years. A pupil's latent attainment is
//! an LA effect, a school effect (worse in more deprived schools), penalties
//! for disadvantage, FSM, SEN support, an EHC plan and being looked after,
//! and noise. Each phase's outcomes are thresholds or scaled functions of it.
//! A year offset is calibrated so that England's headline rate for each
//! phase and year is near the published figure (shipped in
//! `datasets/national/`). About 5% of primary schools have cohorts of 1–5;
//! pupils are absent, disapplied or working below the test at realistic
//! rates, more often with an EHC plan.
//!
//! The same seed gives the same pupils, whatever the thread count.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;

use crate::datasets;
use crate::error::{Error, Result};
use crate::groups::{Population, Profile, Sen};
use crate::measures::Measure;
use crate::national::NationalFigures;
use crate::phase::{Phase, TaCode};
use crate::pupils::{Outcome, PupilIds, PupilTable};
use crate::summary::summarise;

/// England's LA codes used by the synthetic model.
pub const LA_CODES: [u16; 158] = [
    201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 301, 302, 303, 304, 305, 306,
    307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 330, 331, 332, 333, 334,
    335, 336, 340, 341, 342, 343, 344, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 370, 371,
    372, 373, 380, 381, 382, 383, 384, 390, 391, 392, 393, 394, 420, 800, 801, 802, 803, 805, 806,
    807, 808, 810, 811, 812, 813, 815, 816, 821, 822, 823, 825, 826, 830, 831, 835, 836, 837, 838,
    839, 840, 841, 845, 846, 850, 851, 852, 855, 856, 857, 860, 861, 865, 866, 867, 868, 869, 870,
    871, 872, 873, 874, 876, 877, 878, 879, 880, 881, 882, 883, 884, 885, 886, 887, 888, 889, 890,
    891, 892, 893, 894, 895, 896, 908, 909, 916, 919, 921, 925, 926, 928, 929, 931, 933, 935, 936,
    937, 938, 940, 941, 942, 943,
];

/// How much of England to write out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// One LA's pupils (a few dozen schools); national figures still come
    /// from the whole synthetic England.
    La,
    /// Every LA: about 650,000 pupils a year group.
    National,
}

impl std::str::FromStr for Scale {
    type Err = Error;
    fn from_str(text: &str) -> Result<Scale> {
        match text.trim().to_ascii_lowercase().as_str() {
            "la" => Ok(Scale::La),
            "national" => Ok(Scale::National),
            _ => Err(Error::Usage(format!(
                "unknown scale {text:?}: expected la or national"
            ))),
        }
    }
}

/// What to synthesise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthOptions {
    pub scale: Scale,
    /// The LA written at `Scale::La` (default 883, Thurrock).
    pub la_code: u16,
    pub years: Vec<u16>,
    pub seed: u64,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            scale: Scale::La,
            la_code: 883,
            years: vec![2022, 2023, 2024],
            seed: 2024,
        }
    }
}

/// One phase of a synthetic dataset.
#[derive(Debug, Clone)]
pub struct SyntheticPhase {
    /// The pupils written out (one LA's, or England's).
    pub pupils: PupilTable,
    /// England's figures, from every synthetic pupil of the phase.
    pub national: NationalFigures,
    /// The synthetic nation's progress estimates (KS2 and KS4).
    pub estimates: crate::progress::Estimates,
}

#[derive(Debug, Clone, Copy)]
struct School {
    urn: u32,
    la_code: u16,
    la_index: usize,
    secondary: bool,
    special: bool,
    tiny: bool,
    effect: f64,
    deprivation: f64,
    cohort: f64,
}

/// SplitMix64: derives independent stream seeds from the user's seed.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn rng(seed: u64, parts: &[u64]) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(parts.iter().fold(mix(seed), |acc, &p| mix(acc ^ p)))
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample(StandardNormal)
}

/// The synthetic England's schools, the same for every phase and year.
fn schools(options: &SynthOptions) -> (Vec<School>, Vec<f64>) {
    let mut schools = Vec::new();
    let mut la_effects = Vec::new();
    let mut urn = 100_000u32;
    for (la_index, &la_code) in LA_CODES.iter().enumerate() {
        let mut r = rng(options.seed, &[1, la_code as u64]);
        la_effects.push(0.12 * normal(&mut r));
        let deprivation = r.random_range(0.12..0.42);
        let chosen = options.scale == Scale::La && la_code == options.la_code;
        let primaries = if chosen {
            36
        } else {
            (104.0 * (0.45 * normal(&mut r)).exp())
                .round()
                .clamp(20.0, 400.0) as usize
        };
        let secondaries = if chosen { 8 } else { (primaries / 5).max(3) };
        for index in 0..primaries + secondaries + 2 {
            let secondary = index >= primaries && index != primaries + secondaries + 1;
            let special = index >= primaries + secondaries;
            let school_deprivation = (deprivation + 0.1 * normal(&mut r)).clamp(0.02, 0.85);
            let tiny = !secondary && !special && r.random_bool(0.05);
            let cohort = if special {
                r.random_range(3.0..15.0)
            } else if tiny {
                r.random_range(1.0..5.99)
            } else if secondary {
                (180.0 + 55.0 * normal(&mut r)).clamp(40.0, 360.0)
            } else {
                (37.0 + 17.0 * normal(&mut r)).clamp(6.0, 120.0)
            };
            schools.push(School {
                urn,
                la_code,
                la_index,
                secondary,
                special,
                tiny,
                effect: 0.22 * normal(&mut r) - 0.3 * (school_deprivation - 0.25),
                deprivation: school_deprivation,
                cohort,
            });
            urn += 1;
        }
    }
    (schools, la_effects)
}

/// A pupil's random draws: characteristics and latent attainment.
#[derive(Debug, Clone, Copy)]
struct Draw {
    profile: Profile,
    latent: f64,
    noise: [f64; 4],
    missing: f64,
    special_code: f64,
}

fn draw(r: &mut ChaCha8Rng, school: &School, la_effect: f64, year_wobble: f64) -> Draw {
    let disadvantaged = r.random_bool(school.deprivation);
    // Eligible for FSM now is disadvantaged (FSM in the last six years), as
    // DfE defines them. The draw for other pupils, and its weight in their
    // attainment below, are kept so that every other figure of the samples
    // made from a seed stays as it was.
    let fsm_draw = r.random_bool(if disadvantaged { 0.75 } else { 0.01 });
    let fsm = disadvantaged && fsm_draw;
    let cla = disadvantaged && r.random_bool(0.02);
    let sen_roll: f64 = r.random();
    let (ehcp_share, support_share) = if school.special {
        (0.8, 0.15)
    } else {
        (0.02, 0.11 + 0.06 * disadvantaged as u8 as f64)
    };
    let sen = if sen_roll < ehcp_share {
        Sen::Ehcp
    } else if sen_roll < ehcp_share + support_share {
        Sen::Support
    } else {
        Sen::None
    };
    let latent = la_effect + school.effect + year_wobble
        - 0.5 * disadvantaged as u8 as f64
        - 0.15 * fsm_draw as u8 as f64
        - 0.3 * cla as u8 as f64
        - match sen {
            Sen::None => 0.0,
            Sen::Support => 0.85,
            Sen::Ehcp => 1.7,
        }
        + normal(r);
    Draw {
        profile: Profile::new(disadvantaged, fsm, cla, sen),
        latent,
        noise: [normal(r), normal(r), normal(r), normal(r)],
        missing: r.random(),
        special_code: r.random(),
    }
}

/// A phase's outcomes for one pupil, given the year's calibrated offset.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcomes {
    Eyfs(bool),
    Phonics(f64),
    Ks1([TaCode; 3]),
    Ks2 {
        read: f64,
        mat: f64,
        writ: TaCode,
        ks1_aps: f64,
    },
    Ks4 {
        att8: f64,
        eng: f64,
        mat: f64,
        ks2_prior: f64,
    },
}

fn teacher_assessment(z: f64, d: &Draw, gds: f64, exs: f64, wts: f64) -> TaCode {
    let ehcp = d.profile.sen() == Sen::Ehcp;
    if d.missing < 0.005 {
        TaCode::A
    } else if ehcp && d.missing < 0.12 {
        TaCode::D
    } else if z > gds {
        TaCode::Gds
    } else if z > exs {
        TaCode::Exs
    } else if z > wts {
        TaCode::Wts
    } else if ehcp && d.special_code < 0.5 {
        TaCode::Blw
    } else {
        TaCode::Pkf
    }
}

fn outcomes(phase: Phase, d: &Draw, offset: f64) -> Outcomes {
    let z = d.latent + offset;
    let ehcp = d.profile.sen() == Sen::Ehcp;
    let clamp_round = |x: f64, lo: f64, hi: f64| x.round().clamp(lo, hi);
    match phase {
        Phase::Eyfs => Outcomes::Eyfs(z > 0.0),
        Phase::Phonics => {
            let absent = d.missing < 0.01 || (ehcp && d.missing < 0.3);
            Outcomes::Phonics(if absent {
                f64::NAN
            } else {
                clamp_round(33.0 + 6.5 * (z + 0.3 * d.noise[0]), 0.0, 40.0)
            })
        }
        Phase::Ks1 => Outcomes::Ks1([
            teacher_assessment(z + 0.45 * d.noise[0], d, 1.1, -0.55, -1.5),
            teacher_assessment(z + 0.45 * d.noise[1] - 0.2, d, 1.1, -0.55, -1.5),
            teacher_assessment(z + 0.45 * d.noise[2] + 0.05, d, 1.1, -0.55, -1.5),
        ]),
        Phase::Ks2 => {
            let no_test = d.missing < 0.01 || (ehcp && d.missing < 0.4);
            let score = |noise: f64| {
                if no_test {
                    f64::NAN
                } else {
                    clamp_round(104.0 + 7.5 * (z + 0.55 * noise), 80.0, 120.0)
                }
            };
            Outcomes::Ks2 {
                read: score(d.noise[0]),
                mat: score(d.noise[1]),
                writ: teacher_assessment(z + 0.45 * d.noise[2] - 0.1, d, 1.6, -0.75, -1.6),
                ks1_aps: ((16.0 + 3.5 * (z + 0.5 * d.noise[3])).clamp(3.0, 27.0) * 10.0).round()
                    / 10.0,
            }
        }
        Phase::Ks4 => {
            let no_att8 = d.missing < 0.015 || (ehcp && d.missing < 0.2);
            let no_grades = d.missing < 0.02 || (ehcp && d.missing < 0.25);
            let grade = |base: f64, spread: f64, noise: f64| {
                if no_grades {
                    f64::NAN
                } else {
                    clamp_round(base + spread * (z + 0.5 * noise), 0.0, 9.0)
                }
            };
            Outcomes::Ks4 {
                att8: if no_att8 {
                    f64::NAN
                } else {
                    ((42.0 + 18.0 * (z + 0.35 * d.noise[0])).clamp(0.0, 90.0) * 2.0).round() / 2.0
                },
                eng: grade(4.6, 1.6, d.noise[1]),
                mat: grade(4.5, 1.7, d.noise[2]),
                // The mean of two whole scaled scores, as DfE's prior is:
                // a multiple of 0.5.
                ks2_prior: ((104.0 + 7.0 * (z + 0.5 * d.noise[3])).clamp(80.0, 120.0) * 2.0)
                    .round()
                    / 2.0,
            }
        }
    }
}

/// Whether a pupil meets the phase's headline measure (for calibration).
fn headline(outcomes: &Outcomes) -> bool {
    let exp = |code: TaCode| matches!(code, TaCode::Exs | TaCode::Gds);
    match *outcomes {
        Outcomes::Eyfs(gld) => gld,
        Outcomes::Phonics(mark) => mark >= 32.0,
        Outcomes::Ks1(codes) => exp(codes[0]),
        Outcomes::Ks2 {
            read, mat, writ, ..
        } => read >= 100.0 && mat >= 100.0 && exp(writ),
        Outcomes::Ks4 { eng, mat, .. } => eng >= 4.0 && mat >= 4.0,
    }
}

fn headline_measure(phase: Phase) -> &'static str {
    match phase {
        Phase::Eyfs => "eyfs.gld",
        Phase::Phonics => "phonics.met",
        Phase::Ks1 => "ks1.read_exp",
        Phase::Ks2 => "ks2.rwm_exp",
        Phase::Ks4 => "ks4.basics4",
    }
}

/// England's published headline rate for a phase and year, or the nearest
/// year's where none was published.
fn target(published: &NationalFigures, phase: Phase, year: u16) -> f64 {
    let measure = Measure::find(phase, headline_measure(phase)).expect("headline measures exist");
    (0..30u16)
        .flat_map(|distance| [year.saturating_sub(distance), year + distance])
        .find_map(|y| published.get(y, measure, Population::All))
        .map_or(60.0, |figure| figure.value)
}

/// Generates one phase for the options' years.
pub fn synthesise(options: &SynthOptions, phase: Phase) -> Result<SyntheticPhase> {
    if options.scale == Scale::La && !LA_CODES.contains(&options.la_code) {
        return Err(Error::Usage(format!(
            "LA code {} is not one of England's LA codes",
            options.la_code
        )));
    }
    if options.years.is_empty() {
        return Err(Error::Usage("no years to synthesise".into()));
    }
    if let Some(year) = options
        .years
        .iter()
        .find(|y| !crate::geography::YEARS.contains(*y))
    {
        return Err(Error::Usage(format!(
            "year {year}: expected a year from 1990 to 2100"
        )));
    }
    // A year asked for twice is made once: twice would repeat every pupil.
    let mut options = options.clone();
    options.years.sort_unstable();
    options.years.dedup();
    let options = &options;
    let published = datasets::national_reference()?;
    let (schools, la_effects) = schools(options);
    let schools: Vec<School> = schools
        .into_iter()
        .filter(|s| s.secondary == (phase == Phase::Ks4))
        .collect();
    let phase_code = Phase::ALL.iter().position(|&p| p == phase).unwrap() as u64;

    let mut national = PupilTableParts::default();
    let mut written = PupilTableParts::default();
    for &year in &options.years {
        // Calibrate the year's offset on a sample of pupils so that the
        // headline rate is near England's published one.
        let mut r = rng(options.seed, &[2, phase_code, year as u64]);
        let sample: Vec<Draw> = (0..20_000)
            .map(|_| {
                let school = &schools[r.random_range(0..schools.len())];
                draw(&mut r, school, la_effects[school.la_index], 0.0)
            })
            .collect();
        let goal = target(&published, phase, year) / 100.0;
        let (mut low, mut high) = (-4.0, 4.0);
        for _ in 0..40 {
            let offset = (low + high) / 2.0;
            let met = sample
                .iter()
                .filter(|d| headline(&outcomes(phase, d, offset)))
                .count() as f64;
            if met / sample.len() as f64 > goal {
                high = offset
            } else {
                low = offset
            }
        }
        let offset = (low + high) / 2.0;

        let parts: Vec<PupilTableParts> = schools
            .par_iter()
            .map(|school| {
                let mut r = rng(
                    options.seed,
                    &[3, phase_code, year as u64, school.urn as u64],
                );
                let wobble = 0.08 * normal(&mut r);
                let cohort = if school.tiny || school.special {
                    school.cohort.round().max(1.0)
                } else {
                    (school.cohort * (1.0 + 0.1 * normal(&mut r)))
                        .round()
                        .max(6.0)
                } as usize;
                let mut part = PupilTableParts::default();
                for index in 0..cohort {
                    let d = draw(&mut r, school, la_effects[school.la_index], wobble);
                    let id = format!("{}-{year}-{}-{:03}", phase.name(), school.urn, index + 1);
                    part.push(&id, year, school, d.profile, outcomes(phase, &d, offset));
                }
                part
            })
            .collect();
        for part in parts {
            if options.scale == Scale::National || part.la_code.first() == Some(&options.la_code) {
                written.extend(&part);
            }
            national.extend(&part);
        }
    }
    let national_table = national.into_table(phase, "synthetic England");
    // The synthetic nation's own progress estimates, as a national pupil
    // table would give them: the LA's progress is scored against them.
    let mut builder = crate::progress::EstimatesBuilder::new("synthetic England");
    builder.add(&national_table);
    let estimates = builder.finish();
    let national_figures = NationalFigures::from_summaries(&summarise(&national_table, &estimates));
    let pupils = match options.scale {
        Scale::National => national_table,
        Scale::La => written.into_table(phase, "synthetic LA"),
    };
    Ok(SyntheticPhase {
        pupils,
        national: national_figures,
        estimates,
    })
}

/// Columns of a pupil table under construction.
#[derive(Debug, Default)]
struct PupilTableParts {
    pupil_id: PupilIds,
    year: Vec<u16>,
    urn: Vec<u32>,
    la_code: Vec<u16>,
    profile: Vec<Profile>,
    outcomes: Vec<Outcomes>,
}

impl PupilTableParts {
    fn push(&mut self, id: &str, year: u16, school: &School, profile: Profile, outcomes: Outcomes) {
        self.pupil_id.push(id);
        self.year.push(year);
        self.urn.push(school.urn);
        self.la_code.push(school.la_code);
        self.profile.push(profile);
        self.outcomes.push(outcomes);
    }

    fn extend(&mut self, other: &PupilTableParts) {
        other.pupil_id.iter().for_each(|id| self.pupil_id.push(id));
        self.year.extend(&other.year);
        self.urn.extend(&other.urn);
        self.la_code.extend(&other.la_code);
        self.profile.extend(&other.profile);
        self.outcomes.extend(&other.outcomes);
    }

    fn into_table(self, phase: Phase, source: &str) -> PupilTable {
        let columns = phase.outcome_columns();
        let number =
            |f: &dyn Fn(&Outcomes) -> f64| Outcome::Number(self.outcomes.iter().map(f).collect());
        let code = |i: usize| {
            Outcome::Code(
                self.outcomes
                    .iter()
                    .map(|o| {
                        if let Outcomes::Ks1(c) = o {
                            c[i]
                        } else {
                            unreachable!()
                        }
                    })
                    .collect(),
            )
        };
        let values: Vec<Outcome> = match phase {
            Phase::Eyfs => vec![Outcome::Flag(
                self.outcomes
                    .iter()
                    .map(|o| matches!(o, Outcomes::Eyfs(true)))
                    .collect(),
            )],
            Phase::Phonics => vec![number(&|o| {
                if let Outcomes::Phonics(m) = o {
                    *m
                } else {
                    unreachable!()
                }
            })],
            Phase::Ks1 => vec![code(0), code(1), code(2)],
            Phase::Ks2 => {
                let get = |o: &Outcomes| {
                    if let Outcomes::Ks2 {
                        read,
                        mat,
                        writ,
                        ks1_aps,
                    } = *o
                    {
                        (read, mat, writ, ks1_aps)
                    } else {
                        unreachable!()
                    }
                };
                vec![
                    number(&|o| get(o).0),
                    number(&|o| get(o).1),
                    Outcome::Code(self.outcomes.iter().map(|o| get(o).2).collect()),
                    number(&|o| get(o).3),
                ]
            }
            Phase::Ks4 => {
                let get = |o: &Outcomes| {
                    if let Outcomes::Ks4 {
                        att8,
                        eng,
                        mat,
                        ks2_prior,
                    } = *o
                    {
                        (att8, eng, mat, ks2_prior)
                    } else {
                        unreachable!()
                    }
                };
                vec![
                    number(&|o| get(o).0),
                    number(&|o| get(o).1),
                    number(&|o| get(o).2),
                    number(&|o| get(o).3),
                ]
            }
        };
        PupilTable {
            phase,
            source: source.to_owned(),
            first_row: 0,
            pupil_id: self.pupil_id,
            year: self.year,
            urn: self.urn,
            la_code: self.la_code,
            profile: self.profile,
            outcomes: columns.iter().zip(values).collect(),
        }
    }
}
