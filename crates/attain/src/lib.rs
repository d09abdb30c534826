//! # Attain: attainment gap analysis for English local authorities
//!
//! Attain turns pupil-level attainment data for every phase (EYFS, Year 1
//! phonics, KS1, KS2, KS4) into the gap table a council's data team needs:
//! for every school, LA and England, every headline measure and every
//! vulnerable group, the group's value against its comparison group and
//! against national figures, with 95% confidence intervals and small-cohort
//! suppression.
//!
//! ```no_run
//! use attain::{gaps, GapOptions, National, PupilTable};
//!
//! let pupils = PupilTable::read("datasets/sample/ks2.csv", None)?;
//! let national = National::Reference(attain::NationalFigures::read_reference("datasets/sample/national.csv")?);
//! let mut frame = gaps(&pupils, &national, &GapOptions::default())?;
//! attain::output::write(&mut frame, attain::output::Format::Csv, std::io::stdout(), "stdout")?;
//! # Ok::<(), attain::Error>(())
//! ```
//!
//! Data flows one way, one module a step, every source on the same path:
//!
//! 1. **sources**: [`pupils`] (CSV, Parquet, `DataFrame`; loaded and
//!    validated), [`published`] (DfE's performance tables, EES and LAIT
//!    files), [`groupings`] of schools, [`national`] figures;
//! 2. **[`summary`]**: mergeable sufficient statistics per year, school, LA
//!    and pupil profile (a published cell becomes the same [`Summary`]);
//! 3. **pools**: per (phase, year, level, unit), a summary per measure and
//!    population, with DfE's own figure beside it where a file gives one
//!    ([`compare::Pool`]), built by [`gaps()`] from pupils and by
//!    [`published::gap_table`] from published figures;
//! 4. **[`compare`]**: the one engine that turns pools into rows: values,
//!    [`stats`] intervals, gaps, national figures, significance against
//!    national, national ranks, [`neighbours`] and [`suppression`]; rows go
//!    straight into Arrow arrays;
//!    [`trends`] compares each unit's rows with the same unit's previous
//!    year (change intervals, MOVER for a gap's change, direction);
//! 5. **present**: [`schema`] (the columns, written once) and [`report`]
//!    (CSV, JSON, Parquet, in batches).
//!
//! [`geography`] (levels, units, regions and the ranges a year, URN and LA
//! code must lie in) is a leaf every step may use. No module imports one
//! later in the flow.
//!
//! [`gap_index`] computes DfE's disadvantage gap index for England, every
//! LA and every school from national ranks.
//!
//! The summaries can leave the process and come back: [`summaries_table`]
//! is their documented, versioned Arrow form, which partial tables
//! (partitions, years, councils) add up to exactly; it is how Attain runs
//! inside Spark.
//!
//! Without pupil data, [`published`] reads DfE's published tables into the
//! same [`Summary`] values, so LAs are pooled from their schools and
//! alliances from their members exactly as from pupils, and the same gap
//! table comes out, with DfE's own figure beside Attain's.
//!
//! ## Measures
//! Defined as data in [`measures::MEASURES`]. Rates count every pupil of the
//! cohort in the denominator (a missing outcome: absent `A`, disapplied `D`
//! or empty, counts as not met) and are in percent; means average over the
//! pupils with a value.
//!
//! | measure | kind | a pupil meets it when |
//! |---|---|---|
//! | `eyfs.gld` | rate | good level of development |
//! | `phonics.met` | rate | phonics mark ≥ 32 |
//! | `ks1.read_exp`, `ks1.writ_exp`, `ks1.mat_exp` | rate | the subject's TA is EXS or GDS |
//! | `ks1.rwm_exp` | rate | all three are EXS or GDS |
//! | `ks2.rwm_exp` | rate | reading ≥ 100, maths ≥ 100, writing EXS or GDS |
//! | `ks2.rwm_high` | rate | reading ≥ 110, maths ≥ 110, writing GDS |
//! | `ks2.read_avg`, `ks2.mat_avg` | mean | mean scaled score of pupils with one |
//! | `ks4.att8` | mean | mean Attainment 8 of pupils with a score |
//! | `ks4.basics4`, `ks4.basics5` | rate | English and maths both grade 4+ / 5+ |
//!
//! ## The table
//! See [`schema`] for every column; `phase`, `level`, `measure` and `group`
//! are polars `Enum`s.
//!
//! ## Groups
//! See [`groups`]: `all` (no comparison), `disadvantaged` vs
//! `not_disadvantaged`, `fsm` vs `not_fsm`, `sen_support` (K), `ehcp` (E) and
//! `sen_any` (K or E) each vs `no_sen` (N), `cla` vs `not_cla`.
//!
//! ## Intervals
//! See [`stats`]: 95% two-sided, `z = Φ⁻¹(0.975)`. Wilson score for a rate;
//! Student's t (sample SD, `n ≥ 2`) for a mean; Newcombe's hybrid score
//! (Newcombe 1998, method 10) for a difference of rates; Welch with
//! Welch–Satterthwaite degrees of freedom for a difference of means (`n ≥ 2`
//! on both sides).
//!
//! ## National figures
//! See [`national`] and [`gaps::National`] ([`National::choose`] is the
//! rule the CLI and Python share): from a national pupil table
//! (computed like any other level), from a reference table of published
//! figures, or, when the pupils are the whole national cohort, from the
//! pupils themselves. `gap_to_national` follows DfE's convention: the
//! group's value minus the *comparison* group's national value (for
//! disadvantaged pupils, other pupils nationally).
//!
//! ## Suppression
//! See [`suppression`]: values from fewer than `min_cohort` pupils (default
//! 6) are withheld; counts and national figures never are. Secondary
//! suppression is not yet applied.

pub mod categorise;
pub mod compare;
pub mod datasets;
pub mod disclosure;
pub mod error;
pub mod gap_index;
pub mod gaps;
pub mod geography;
pub mod groupings;
pub mod groups;
pub mod measures;
pub mod national;
pub mod neighbours;
pub mod ofsted;
pub mod output;
pub mod phase;
pub mod progress;
pub mod published;
pub mod pupils;
pub mod report;
pub mod schema;
pub mod stats;
pub mod summaries_table;
pub mod summary;
pub mod suppression;
pub mod synth;
mod tables;
pub mod targets;
pub mod trends;

pub use compare::GapOptions;
pub use error::{Error, Invalid, Result};
pub use gaps::{gap_table, National};
pub use geography::{Level, Unit};
pub use groupings::Groupings;
pub use groups::{Group, Population, Profile, Sen};
pub use measures::{Measure, MeasureKind, MEASURES};
pub use national::{NationalFigure, NationalFigures};
pub use output::Format;
pub use phase::{Phase, TaCode};
pub use progress::{Estimates, ProgressOptions};
pub use published::{Published, PublishedOptions};
pub use pupils::PupilTable;
pub use summary::{summarise, summarise_files, Summaries, Summary};
pub use suppression::Suppression;

/// The gap table for one phase's pupils: summarise, then compare.
pub fn gaps(
    pupils: &PupilTable,
    national: &National,
    options: &GapOptions,
) -> Result<polars::prelude::DataFrame> {
    let none = Estimates::none();
    let estimates = options.progress.estimates.as_deref().unwrap_or(&none);
    gap_table(&summarise(pupils, estimates), national, options)
}
