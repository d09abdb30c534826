//! `attain`: attainment gap tables from the command line. The work is done
//! by the `attain` crate; this file parses arguments and prints.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use attain::output::{self as report, Format};
use attain::synth::{Scale, SynthOptions};
use attain::{Error, GapOptions, Groupings, Level, National, NationalFigures, Phase, Result};
use clap::{Args, Parser, Subcommand};
use polars::prelude::DataFrame;

// The gap table is built from many large, short-lived column buffers; with
// glibc's allocator each came back as fresh pages from the kernel, and page
// faults were a third of the run. mimalloc reuses them: 0.94 s -> ~0.45 s
// for a national KS2 cohort, Parquet in and out.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "attain",
    version,
    about = "Attainment gap analysis for English local authorities"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the gap table: every unit, measure and group, against its
    /// comparison group and national figures, with 95% intervals.
    Gaps(GapsArgs),
    /// Write the trends table: every unit, measure and group against its
    /// previous year, with the significance of each change and of the
    /// gap's change, and three years' direction.
    Trends(TrendsArgs),
    /// Write DfE's disadvantage gap index for England, every LA and every
    /// school, ranking every pupil in the file as the nation (KS2, KS4).
    GapIndex(GapIndexArgs),
    /// Write the summaries table of pupil files: counts, sums and sums of
    /// squares per school, year, pupil profile and measure, which add up
    /// exactly (see `gaps --summaries`).
    Summarise(SummariseArgs),
    /// Print the SQL that makes a phase's summaries table from a pupil
    /// table in a database (DuckDB, polars, Spark SQL).
    SummariesSql(SummariesSqlArgs),
    /// Write a seeded synthetic dataset: one <phase>.csv (or .parquet) per
    /// phase and national.csv.
    Synth(SynthArgs),
    /// Write the Ofsted profile of England, each LA and each alliance or
    /// trust: the share of schools and of pupils at each grade, by phase,
    /// old framework and report cards apart.
    Ofsted(OfstedArgs),
    /// Categorise every school of an LA and every alliance by a rules file,
    /// with every rule that fired and its figures.
    Categorise(CategoriseArgs),
    /// Judge targets for schools and alliances: met, not met, or too close
    /// to call (the target inside the 95% interval).
    Targets(TargetsArgs),
    /// Write the council evaluation report: one self-contained HTML page
    /// (or Markdown) with headlines, every phase's gaps, trends, progress,
    /// alliances, the Ofsted profile, categorisation and targets.
    Report(ReportArgs),
}

#[derive(Args)]
struct ReportArgs {
    /// The inputs and options of `gaps` (--data, --pupils, --schools, ...),
    /// with --la the LA reported, --year the year reported (default: the
    /// latest), and --format html or md (not csv, json or parquet; default:
    /// from --out's extension, else html).
    #[command(flatten)]
    gaps: GapsArgs,
    /// The council's categorisation rules; default: datasets/rules/default.toml.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Ofsted's management-information file or GIAS's establishment file.
    #[arg(long)]
    ofsted: Option<PathBuf>,
    /// Targets to judge (unit, measure, group, year, target[, level]).
    #[arg(long)]
    targets: Option<PathBuf>,
}

#[derive(Args)]
struct OfstedArgs {
    /// Ofsted's management-information file ("state-funded schools - latest
    /// inspections", Windows-1252) or GIAS's establishment file.
    #[arg(long)]
    inspections: PathBuf,
    /// Only these LAs (comma-separated codes); England is always given.
    #[arg(long)]
    la: Option<String>,
    /// Groupings of schools (urn, group_id, group_name) or GIAS's file for
    /// trusts: each grouping's profile.
    #[arg(long)]
    groups: Option<PathBuf>,
    /// csv, json or parquet (default: from --out's extension, else csv).
    #[arg(long)]
    format: Option<String>,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct CategoriseArgs {
    #[command(flatten)]
    gaps: GapsArgs,
    /// The council's rules (TOML); default: datasets/rules/default.toml.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Ofsted's management-information file or GIAS's establishment file:
    /// grades, dates and school names for the rules.
    #[arg(long)]
    ofsted: Option<PathBuf>,
}

#[derive(Args)]
struct TargetsArgs {
    #[command(flatten)]
    gaps: GapsArgs,
    /// The targets (unit, measure, group, year, target[, level]).
    #[arg(long)]
    targets: PathBuf,
}

#[derive(Args, Clone)]
struct GapsArgs {
    /// The phase (eyfs, phonics, ks1, ks2, ks4); found from the columns when omitted.
    #[arg(long)]
    phase: Option<String>,
    /// A pupil table, CSV or Parquet. Repeat for several files of one phase
    /// (one per year, say): they are read a chunk at a time, so many years of
    /// national pupils need no more memory than about one.
    #[arg(long, required_unless_present_any = ["data", "schools", "published", "summaries"], conflicts_with_all = ["data", "schools", "published", "summaries"])]
    pupils: Vec<PathBuf>,
    /// A summaries table (from `attain summarise`, a Spark job or SQL),
    /// Parquet or CSV. Repeat for partial tables: rows with the same key
    /// add up.
    #[arg(long, conflicts_with_all = ["data", "schools", "published"])]
    summaries: Vec<PathBuf>,
    /// Summaries tables of the national cohort: national rows and figures
    /// are computed from them.
    #[arg(long, conflicts_with_all = ["national", "national_pupils"])]
    national_summaries: Vec<PathBuf>,
    /// A DfE school performance table (KS2 or KS4), as downloaded. Repeat
    /// for several years or LAs. The la rows pool the LA's schools, with
    /// DfE's own LA figure beside them (published_member).
    #[arg(long, conflicts_with = "data")]
    schools: Vec<PathBuf>,
    /// A published LA-level table: Explore Education Statistics CSV (EYFSP,
    /// children-in-need outcomes) or a LAIT attainment extract. Repeat for
    /// several files; may be combined with --schools.
    #[arg(long, conflicts_with = "data")]
    published: Vec<PathBuf>,
    /// Only these LAs (comma-separated codes, e.g. 883,845), their schools
    /// (and, from published tables, their regions) are reported. National
    /// rows, ranks and neighbours still use every pupil given.
    #[arg(long)]
    la: Option<String>,
    /// Statistical neighbours: 2025 or 2021 (DfE's models, shipped) or a
    /// file (la_code, rank, neighbour_la_code[, section]). Adds the level
    /// neighbours and neighbour_average / neighbours_used on LA rows.
    #[arg(long)]
    neighbours: Option<String>,
    /// With --schools: the academic year (by its ending year) of a
    /// performance table whose file name does not carry it.
    #[arg(long)]
    year: Option<u16>,
    /// A dataset folder: <phase>.csv or <phase>.parquet per phase, and
    /// national.csv (used unless --national or --national-pupils is given).
    /// Every phase present is analysed unless --phase is given.
    #[arg(long)]
    data: Option<PathBuf>,
    /// The national pupil table of the same phase: national rows and figures
    /// are computed from it.
    #[arg(long, conflicts_with = "national")]
    national_pupils: Option<PathBuf>,
    /// A national reference table: phase, year, measure, group, value[, n].
    #[arg(long)]
    national: Option<PathBuf>,
    /// Levels to report, comma-separated: national, region (published
    /// tables), la, school, alliance [default: national,la,school; with
    /// --published, national,region,la,school].
    #[arg(long)]
    level: Option<String>,
    /// Groupings of schools (urn, group_id, group_name): adds the level
    /// alliance, each grouping's pupils pooled as if one school.
    #[arg(long)]
    groups: Option<PathBuf>,
    /// Withhold values computed from fewer pupils than this (0 = off).
    #[arg(long, default_value_t = 6)]
    min_cohort: u64,
    /// publish (default): primary and secondary suppression, withheld
    /// cells' counts hidden, safe to publish; secure: primary suppression
    /// only, every count shown, for use inside a secure setting.
    #[arg(long, default_value = "publish")]
    disclosure: String,
    /// Progress estimates: dfe (DfE's Progress 8 estimates for 2022-2024,
    /// shipped) or an estimates table (measure, year, prior_low,
    /// prior_high, estimate, sd). Default: from the national pupils, or a
    /// --data folder's estimates.csv.
    #[arg(long)]
    estimates: Option<String>,
    /// The SD of progress intervals: national (default: the published SD
    /// with published estimates, else the national pupils'; from published
    /// tables, the SD DfE's school intervals imply), unit (each unit's own)
    /// or a number.
    #[arg(long, default_value = "national")]
    progress_sd: String,
    /// Progress bands: dfe (DfE's rule: above or below when the interval
    /// is; well above or below past 0.5, and as DfE published them on
    /// published school rows), dfe:THRESHOLD, or percentile
    /// (national quintiles; needs national pupils).
    #[arg(long, default_value = "dfe")]
    progress_bands: String,
    /// csv, json or parquet (default: from --out's extension, else csv);
    /// for `report`, html or md (default: from --out's extension, else html).
    #[arg(long)]
    format: Option<String>,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct GapIndexArgs {
    /// ks2 or ks4; found from the columns when omitted.
    #[arg(long)]
    phase: Option<String>,
    /// The national pupil table (repeat for several files of one phase).
    #[arg(long, required = true)]
    pupils: Vec<PathBuf>,
    /// Levels, comma-separated: national, la, school.
    #[arg(long, default_value = "national,la,school")]
    level: String,
    /// Withhold a unit's index when either side has fewer pupils (0 = off).
    #[arg(long, default_value_t = 6)]
    min_cohort: u64,
    /// csv, json or parquet (default: from --out's extension, else csv).
    #[arg(long)]
    format: Option<String>,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct SummariseArgs {
    /// Pupil tables of one phase, CSV or Parquet (read a chunk at a time).
    #[arg(long, required = true)]
    pupils: Vec<PathBuf>,
    /// The phase; found from the columns when omitted.
    #[arg(long)]
    phase: Option<String>,
    /// Progress estimates to score progress measures with: dfe or an
    /// estimates table (see `gaps --estimates`).
    #[arg(long, conflicts_with = "national_pupils")]
    estimates: Option<String>,
    /// Score progress measures with estimates from these national pupils
    /// (the same files as --pupils when summarising the nation).
    #[arg(long)]
    national_pupils: Option<PathBuf>,
    /// parquet or csv (default: from --out's extension, else parquet).
    #[arg(long)]
    format: Option<String>,
    /// The file to write.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct SummariesSqlArgs {
    /// The phase.
    #[arg(long)]
    phase: String,
    /// The pupil table's name in the database.
    #[arg(long, default_value = "pupils")]
    table: String,
}

#[derive(Args)]
struct TrendsArgs {
    #[command(flatten)]
    gaps: GapsArgs,
    /// Keep only rows whose change or gap change is significant.
    #[arg(long)]
    significant: bool,
}

/// What a run writes.
#[derive(Clone, Copy)]
enum Job {
    Gaps,
    Trends(attain::trends::TrendOptions),
}

#[derive(Args)]
struct SynthArgs {
    /// la: one LA's pupils; national: every LA (about 650,000 pupils a year group).
    #[arg(long, default_value = "la")]
    scale: String,
    /// The LA written at --scale la.
    #[arg(long, default_value_t = 883)]
    la: u16,
    /// Years, as 2022-2024 or 2022,2024.
    #[arg(long, default_value = "2022-2024")]
    years: String,
    /// Phases to write, comma-separated (default: all five).
    #[arg(long)]
    phase: Option<String>,
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    /// csv or parquet, for the pupil files.
    #[arg(long, default_value = "csv")]
    format: String,
    /// The folder to write into (created if needed).
    #[arg(long)]
    out: PathBuf,
}

/// Exit codes, documented in the README: scripts can tell a problem with
/// the data from a problem with the command.
mod exit {
    /// The input data is not what Attain needs (a file, row, column, value).
    pub const BAD_INPUT: u8 = 1;
    /// The command is wrong: an unknown option or value, conflicting options
    /// (clap's own errors exit 2 too).
    pub const BAD_ARGUMENTS: u8 = 2;
    /// A file cannot be opened, read or written.
    pub const FILE: u8 = 3;
    /// Attain itself failed (a panic): a bug to report.
    pub const INTERNAL: u8 = 4;
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Gaps(args) => gaps(args, Job::Gaps),
        Command::Trends(args) => gaps(
            args.gaps,
            Job::Trends(attain::trends::TrendOptions {
                significant_only: args.significant,
            }),
        ),
        Command::Synth(args) => synth(args),
        Command::Ofsted(args) => ofsted(args),
        Command::Categorise(args) => categorise(args),
        Command::Targets(args) => targets(args),
        Command::Report(args) => report_command(args),
        Command::Summarise(args) => summarise(args),
        Command::GapIndex(args) => gap_index(args),
        Command::SummariesSql(args) => args.phase.parse::<Phase>().map(|phase| {
            print!("{}", attain::summaries_table::sql(phase, &args.table));
        }),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A panic is a bug: say so plainly, with the exit code for one. The
    // message is kept and printed only if the panic reaches here: the
    // library turns some panics inside polars (a damaged Parquet file) into
    // data errors.
    static PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut last) = PANIC.lock() {
            *last = Some(info.to_string());
        }
    }));
    let outcome = std::panic::catch_unwind(|| run(cli.command));
    if outcome.is_err() {
        let message = PANIC
            .lock()
            .ok()
            .and_then(|m| m.clone())
            .unwrap_or_default();
        eprintln!(
            "attain: internal error (a bug: please report it with the command that gave it): {message}"
        );
    }
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) => {
            eprintln!("attain: error: {error}");
            ExitCode::from(match error {
                // A table polars cannot parse is bad input too.
                Error::Invalid(_) | Error::Table { .. } => exit::BAD_INPUT,
                Error::Usage(_) => exit::BAD_ARGUMENTS,
                Error::Io { .. } => exit::FILE,
            })
        }
        Err(_) => ExitCode::from(exit::INTERNAL),
    }
}

fn parse_phases(text: &str) -> Result<Vec<Phase>> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(str::parse)
        .collect()
}

/// Levels, suppression, groupings, neighbours and LAs, by the core's rule.
fn gap_options(args: &GapsArgs, default_levels: &[Level]) -> Result<GapOptions> {
    Ok(GapOptions::new(
        args.level.as_deref().map(Level::parse_list).transpose()?,
        default_levels,
        args.min_cohort,
        args.groups.as_ref().map(Groupings::read).transpose()?,
    )
    .with_neighbours(
        args.neighbours
            .as_deref()
            .map(attain::neighbours::Neighbours::choose)
            .transpose()?,
    )
    .with_las(
        args.la
            .as_deref()
            .map(attain::geography::parse_la_list)
            .transpose()?
            .unwrap_or_default(),
    )
    .with_progress(attain::ProgressOptions {
        sd: attain::progress::ProgressSd::parse(&args.progress_sd)?,
        bands: attain::progress::Bands::parse(&args.progress_bands)?,
        estimates: None,
    })
    .with_disclosure(attain::disclosure::Disclosure::parse(&args.disclosure)?))
}

/// Where the gap table is written, and how.
fn table_writer(args: &GapsArgs) -> Result<report::TableWriter<Box<dyn Write>>> {
    let format = match (&args.format, &args.out) {
        (Some(format), _) => format.parse()?,
        (None, Some(out)) => Format::from_extension(out).unwrap_or_default(),
        (None, None) => Format::Csv,
    };
    let (sink, name): (Box<dyn Write>, String) = match &args.out {
        Some(out) => (Box::new(report::create(out)?), out.display().to_string()),
        None => (
            Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            "standard output".into(),
        ),
    };
    Ok(report::TableWriter::new(format, sink, &name))
}

/// The gap table from published DfE tables (--schools, --published).
fn gaps_published(args: &GapsArgs, job: Job, sink: Sink) -> Result<()> {
    if args.estimates.is_some() {
        return Err(Error::Usage(
            "--estimates goes with pupil tables: published tables give DfE's progress scores as published".into(),
        ));
    }
    if args.national_pupils.is_some() {
        return Err(Error::Usage(
            "--national-pupils goes with pupil tables: published tables bring their own England rows (add --national for years they lack)".into(),
        ));
    }
    let mut published = attain::Published::read_files(&args.schools, &args.published, args.year)?;
    if let Some(phases) = args.phase.as_deref().map(parse_phases).transpose()? {
        published.retain_phases(&phases);
    }
    // Say what each file gives, so that a group it cannot give is seen to
    // be missing rather than mistaken for zero.
    for (index, file) in published.files.iter().enumerate() {
        let mut gives: std::collections::BTreeMap<(usize, String), Vec<u16>> = Default::default();
        for (year, measure, populations) in published.coverage(index) {
            let order = attain::MEASURES
                .iter()
                .position(|m| m.name == measure.name)
                .unwrap_or(0);
            let names: Vec<&str> = populations.iter().map(|p| p.name()).collect();
            gives
                .entry((order, format!("{} ({})", measure.name, names.join(", "))))
                .or_default()
                .push(year);
        }
        let mut said = format!("attain: {} ({}):", file.path, file.kind.name());
        if gives.is_empty() {
            said += "\nattain:   no figures Attain reads";
        }
        for ((_, measure), years) in gives {
            let years: Vec<String> = years.iter().map(u16::to_string).collect();
            said += &format!("\nattain:   {measure}: {}", years.join(", "));
        }
        for note in &file.notes {
            said += &format!("\nattain:   {note}");
        }
        say_once(said);
    }
    let options = attain::PublishedOptions {
        gap: gap_options(&args, &published.default_levels())?,
        national: args
            .national
            .as_ref()
            .map(NationalFigures::read_reference)
            .transpose()?,
    };
    for note in attain::published::neighbour_notes(&published, &options) {
        say_once(format!("attain: warning: {note}"));
    }
    let table = match job {
        Job::Gaps => attain::published::gap_table(&published, &options)?,
        Job::Trends(trend_options) => {
            attain::trends::published_trends(&published, &options, trend_options)?
        }
    };
    if table.height() == 0 && matches!(job, Job::Gaps) {
        eprintln!(
            "attain: no rows: the files have no figures for the LAs, phases, levels and years asked for"
        );
    }
    sink(table)
}

/// Where a run's tables go, a batch at a time.
type Sink<'a> = &'a mut dyn FnMut(DataFrame) -> Result<()>;

/// `gaps` and `trends`: the table written as it is built.
fn gaps(args: GapsArgs, job: Job) -> Result<()> {
    let mut writer = table_writer(&args)?;
    let published = !args.schools.is_empty() || !args.published.is_empty();
    tables(&args, job, &mut |mut batch| writer.write(&mut batch))?;
    writer.finish(&mut match job {
        Job::Gaps => attain::schema::empty(published),
        Job::Trends(_) => attain::schema::empty_trends(),
    })
}

/// The gap or trends table of the inputs `args` names, handed to `sink` a
/// batch at a time: from pupils, summaries or published tables.
fn tables(args: &GapsArgs, job: Job, sink: Sink) -> Result<()> {
    if !args.schools.is_empty() || !args.published.is_empty() {
        return gaps_published(args, job, sink);
    }
    if args.year.is_some() {
        return Err(Error::Usage(
            "--year goes with --schools: a pupil table names its own years".into(),
        ));
    }
    let phases: Option<Vec<Phase>> = args.phase.as_deref().map(parse_phases).transpose()?;
    // Each input is a phase's pupil files, or a phase's summaries.
    enum Input {
        Pupils(Vec<PathBuf>, Option<Phase>),
        Summaries(attain::Summaries),
    }
    let (inputs, folder_national): (Vec<Input>, Option<PathBuf>) = match &args.data {
        None if !args.summaries.is_empty() => {
            let mut all = attain::summaries_table::read(&args.summaries)?;
            if let Some(phases) = &phases {
                all.retain(|s| phases.contains(&s.phase));
                if all.is_empty() {
                    return Err(Error::Usage(format!(
                        "the summaries tables have no {} rows",
                        args.phase.as_deref().unwrap_or_default()
                    )));
                }
            }
            (all.into_iter().map(Input::Summaries).collect(), None)
        }
        None => match phases.as_deref() {
            None => (vec![Input::Pupils(args.pupils.clone(), None)], None),
            Some([phase]) => (vec![Input::Pupils(args.pupils.clone(), Some(*phase))], None),
            Some(_) => return Err(Error::Usage("--pupils files take a single --phase".into())),
        },
        Some(dir) => {
            let (found, national) = attain::gaps::data_folder(dir, phases.as_deref())?;
            let inputs = found
                .into_iter()
                .map(|(phase, file)| Input::Pupils(vec![file], Some(phase)))
                .collect();
            (inputs, national)
        }
    };
    // A folder's national.csv serves unless national pupils are given.
    let reference = match (&args.national, &args.national_pupils) {
        (Some(path), _) => Some(NationalFigures::read_reference(path)?),
        (None, None) => folder_national
            .as_ref()
            .map(NationalFigures::read_reference)
            .transpose()?,
        (None, Some(_)) => None,
    };
    let national_summaries = (!args.national_summaries.is_empty())
        .then(|| attain::summaries_table::read(&args.national_summaries))
        .transpose()?;
    let mut options = gap_options(args, &Level::ALL)?;
    let folder_estimates = args
        .data
        .as_deref()
        .and_then(attain::gaps::folder_estimates);

    // Groupings with no pupils in any phase analysed: a primary alliance
    // has no KS4 pupils, so only those empty everywhere are warned about.
    let mut empty_groupings: Option<Vec<String>> = None;
    for input in inputs {
        let (local, paths, estimates) = match input {
            Input::Pupils(paths, phase) => {
                let estimates = attain::progress::choose_estimates(
                    args.estimates.as_deref(),
                    args.national_pupils.as_deref(),
                    folder_estimates.as_deref(),
                    reference.is_some(),
                    &paths,
                    phase,
                )?;
                let local =
                    attain::summarise_files(&paths, phase, attain::pupils::CHUNK_ROWS, &estimates)?;
                for note in attain::progress::notes(&local, &estimates) {
                    say_once(format!("attain: {note}"));
                }
                (local, paths, estimates)
            }
            Input::Summaries(summaries) => {
                let estimates = args
                    .estimates
                    .as_deref()
                    .map(attain::Estimates::choose_file)
                    .transpose()?
                    .unwrap_or_default();
                (summaries, Vec::new(), estimates)
            }
        };
        let (national, note) = match &national_summaries {
            Some(all) => (National::from_national_summaries(all, local.phase)?, None),
            None => National::choose(
                &local,
                &paths,
                args.national_pupils.as_deref(),
                reference.clone(),
                &estimates,
            )?,
        };
        if let Some(note) = note {
            say_once(format!("attain: {}", note.0));
        }
        options.progress.estimates = Some(std::sync::Arc::new(estimates));
        let comparison = attain::gaps::Comparison::new(&local, &national)?;
        for year in local.years() {
            for note in comparison.notes(year, &options) {
                say_once(format!("attain: warning: {note}"));
            }
        }
        let empty = comparison.groupings_without_pupils(&options);
        empty_groupings = Some(match empty_groupings {
            None => empty,
            Some(before) => before.into_iter().filter(|id| empty.contains(id)).collect(),
        });
        match job {
            // A few thousand units at a time: the table is written as it is built.
            Job::Gaps => {
                for year in local.years() {
                    comparison.year_in_batches(year, &options, &mut *sink)?;
                }
            }
            Job::Trends(trend_options) => sink(attain::trends::trends(
                &comparison,
                &options,
                trend_options,
            )?)?,
        }
    }
    if let Some(note) =
        Groupings::note_without_pupils(&empty_groupings.unwrap_or_default(), "the data")
    {
        say_once(format!("attain: warning: {note}"));
    }
    Ok(())
}

fn gap_index(args: GapIndexArgs) -> Result<()> {
    let phase = args.phase.as_deref().map(str::parse::<Phase>).transpose()?;
    let mut table = attain::gap_index::gap_index(
        &args.pupils,
        phase,
        &Level::parse_list(&args.level)?,
        attain::Suppression {
            min_cohort: args.min_cohort,
        },
    )?;
    let format = match (&args.format, &args.out) {
        (Some(format), _) => format.parse()?,
        (None, Some(out)) => Format::from_extension(out).unwrap_or_default(),
        (None, None) => Format::Csv,
    };
    match &args.out {
        Some(out) => report::write_file(&mut table, format, out),
        None => report::write(
            &mut table,
            format,
            std::io::BufWriter::new(std::io::stdout().lock()),
            "standard output",
        ),
    }
}

/// Writes a whole table to --out (or standard output) in --format.
fn write_table(mut table: DataFrame, format: Option<&str>, out: Option<&PathBuf>) -> Result<()> {
    let format = match (format, out) {
        (Some(format), _) => format.parse()?,
        (None, Some(out)) => Format::from_extension(out).unwrap_or_default(),
        (None, None) => Format::Csv,
    };
    match out {
        Some(out) => report::write_file(&mut table, format, out),
        None => report::write(
            &mut table,
            format,
            std::io::BufWriter::new(std::io::stdout().lock()),
            "standard output",
        ),
    }
}

fn ofsted(args: OfstedArgs) -> Result<()> {
    let inspections = attain::ofsted::Inspections::read(&args.inspections)?;
    let las = args
        .la
        .as_deref()
        .map(attain::geography::parse_la_list)
        .transpose()?
        .unwrap_or_default();
    let groupings = args.groups.as_ref().map(Groupings::read).transpose()?;
    let rows = attain::ofsted::profile(&inspections, &las, groupings.as_ref());
    eprintln!(
        "attain: {} schools read from {}{}",
        inspections.schools.len(),
        inspections.source,
        inspections
            .as_at
            .map(|d| format!(", as at {d}"))
            .unwrap_or_default()
    );
    write_table(
        attain::ofsted::profile_frame(&rows)?,
        args.format.as_deref(),
        args.out.as_ref(),
    )
}

/// The whole gap table and trends table of the inputs, in memory.
/// Prints a note to stderr once per run: the report and categorisation
/// build several tables from the same inputs, and each would say it again.
fn say_once(text: String) {
    static SAID: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<String>>> =
        std::sync::OnceLock::new();
    let mut said = SAID
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if said.insert(text.clone()) {
        eprintln!("{text}");
    }
}

fn gap_and_trend_tables(args: &GapsArgs) -> Result<(DataFrame, DataFrame)> {
    let mut gaps: Option<DataFrame> = None;
    let mut trends: Option<DataFrame> = None;
    let stack = |into: &mut Option<DataFrame>, batch: DataFrame| -> Result<()> {
        match into {
            None => *into = Some(batch),
            Some(all) => {
                all.vstack_mut_owned(batch)
                    .map_err(|e| Error::table("gap table", e))?;
            }
        }
        Ok(())
    };
    tables(args, Job::Gaps, &mut |batch| stack(&mut gaps, batch))?;
    tables(
        args,
        Job::Trends(attain::trends::TrendOptions::default()),
        &mut |batch| stack(&mut trends, batch),
    )?;
    Ok((
        gaps.unwrap_or_else(|| attain::schema::empty(false)),
        trends.unwrap_or_else(attain::schema::empty_trends),
    ))
}

/// What the rules read: the tables as published, and, where the published
/// table withholds counts, the council's own counts (the same table in
/// secure mode) so that a cohort rule can judge them without printing them.
fn evidence<'a>(
    args: &GapsArgs,
    gaps: &DataFrame,
    trends: &DataFrame,
    inspections: Option<&'a attain::ofsted::Inspections>,
    year: Option<u16>,
) -> Result<attain::categorise::Evidence<'a>> {
    let mut names = Vec::new();
    for path in &args.schools {
        names.extend(attain::published::performance::school_names(path)?);
    }
    let evidence =
        attain::categorise::Evidence::new(gaps, Some(trends), inspections, year)?.with_names(names);
    let publish = attain::disclosure::Disclosure::parse(&args.disclosure)?
        == attain::disclosure::Disclosure::Publish;
    if !publish || args.min_cohort == 0 {
        return Ok(evidence);
    }
    let mut secure_args = args.clone();
    secure_args.disclosure = "secure".into();
    let mut secure: Option<DataFrame> = None;
    tables(&secure_args, Job::Gaps, &mut |batch| {
        match &mut secure {
            None => secure = Some(batch),
            Some(all) => {
                all.vstack_mut_owned(batch)
                    .map_err(|e| Error::table("gap table", e))?;
            }
        }
        Ok(())
    })?;
    match secure {
        Some(secure) => evidence.with_secure_counts(&secure),
        None => Ok(evidence),
    }
}

fn categorise(args: CategoriseArgs) -> Result<()> {
    let las = args
        .gaps
        .la
        .as_deref()
        .map(attain::geography::parse_la_list)
        .transpose()?
        .unwrap_or_default();
    if las.is_empty() {
        return Err(Error::Usage(
            "categorise needs the LA whose schools it categorises: --la CODE".into(),
        ));
    }
    let rules = match &args.rules {
        Some(path) => attain::categorise::Rules::read(path)?,
        None => attain::categorise::Rules::default_rules(),
    };
    let inspections = args
        .ofsted
        .as_ref()
        .map(|p| attain::ofsted::Inspections::read(p))
        .transpose()?;
    if inspections.is_none() && !rules.ofsted_rules().is_empty() {
        eprintln!(
            "attain: warning: no Ofsted file (--ofsted), so these rules are left out: {}",
            rules.ofsted_rules().join(", ")
        );
    }
    let groupings = args.gaps.groups.as_ref().map(Groupings::read).transpose()?;
    let (gaps, trends) = gap_and_trend_tables(&args.gaps)?;
    let evidence = evidence(&args.gaps, &gaps, &trends, inspections.as_ref(), rules.year)?;
    let categorised = attain::categorise::categorise(&rules, &evidence, &las, groupings.as_ref());
    if categorised.is_empty() {
        return Err(Error::Usage(format!(
            "no school of LA {} and no alliance is in the data: give --la with an LA whose schools the data holds",
            args.gaps.la.as_deref().unwrap_or_default()
        )));
    }
    let mut counts: std::collections::BTreeMap<usize, usize> = Default::default();
    for unit in &categorised {
        let at = rules
            .categories
            .iter()
            .position(|c| *c == unit.category)
            .unwrap_or(0);
        *counts.entry(at).or_default() += 1;
    }
    let summary: Vec<String> = counts
        .iter()
        .map(|(at, n)| format!("{n} {}", rules.categories[*at]))
        .collect();
    eprintln!(
        "attain: {} units categorised for {} by {} ({} rules): {}",
        categorised.len(),
        evidence.years_judged(),
        rules.source,
        rules.rules.len(),
        summary.join(", ")
    );
    let format = match (&args.gaps.format, &args.gaps.out) {
        (Some(format), _) => format.parse()?,
        (None, Some(out)) => Format::from_extension(out).unwrap_or_default(),
        (None, None) => Format::Csv,
    };
    // CSV holds text only: the reasons joined; JSON and Parquet keep the
    // list of reasons with their figures.
    let table = match format {
        Format::Csv => attain::categorise::reasons_as_text(&categorised)?,
        _ => attain::categorise::to_frame(&categorised)?,
    };
    write_table(table, Some(format.name()), args.gaps.out.as_ref())
}

fn targets(args: TargetsArgs) -> Result<()> {
    let targets = attain::targets::read(&args.targets)?;
    let (gaps, _) = gap_and_trend_tables(&args.gaps)?;
    let table = attain::targets::judge(&targets, &gaps, &args.targets.display().to_string())?;
    write_table(table, args.gaps.format.as_deref(), args.gaps.out.as_ref())
}

/// A line for the report's appendix: a file, what it is and its date.
fn source_line(path: &std::path::Path, what: &str) -> String {
    let dated = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map(|t| format!(", file last modified {}", attain::report::date_of(t)))
        .unwrap_or_default();
    format!("{} ({what}{dated})", path.display())
}

fn report_command(args: ReportArgs) -> Result<()> {
    let la = args
        .gaps
        .la
        .as_deref()
        .map(attain::geography::parse_la_list)
        .transpose()?
        .unwrap_or_default();
    let [la] = la[..] else {
        return Err(Error::Usage(
            "report needs the one LA it reports on: --la CODE".into(),
        ));
    };
    let format = match (&args.gaps.format, &args.gaps.out) {
        (Some(format), _) => format.clone(),
        (None, Some(out)) if out.extension().is_some_and(|e| e == "md") => "md".into(),
        _ => "html".into(),
    };
    if format != "html" && format != "md" {
        return Err(Error::Usage(format!(
            "unknown report format {format:?}: expected html or md"
        )));
    }
    let Some(out) = args.gaps.out.clone() else {
        return Err(Error::Usage(
            "report writes a file: give --out FILE.html (or .md)".into(),
        ));
    };
    let started = std::time::Instant::now();
    // --year is the year reported; with performance tables it is also
    // their year, as for `gaps`.
    let year = args.gaps.year;
    let mut gaps_args = args.gaps;
    // Performance tables named as DfE names them carry their own years, so
    // --year is then only the year reported.
    let named = gaps_args.schools.iter().all(|path| {
        path.file_name()
            .and_then(|n| n.to_str())
            .and_then(attain::published::performance::year_from_file_name)
            .is_some()
    });
    if gaps_args.schools.is_empty() || named {
        gaps_args.year = None;
    }
    gaps_args.format = None;
    gaps_args.out = None;
    let rules = match &args.rules {
        Some(path) => attain::categorise::Rules::read(path)?,
        None => attain::categorise::Rules::default_rules(),
    };
    let inspections = args
        .ofsted
        .as_ref()
        .map(|p| attain::ofsted::Inspections::read(p))
        .transpose()?;
    let groupings = gaps_args.groups.as_ref().map(Groupings::read).transpose()?;
    let (gaps, trends) = gap_and_trend_tables(&gaps_args)?;
    let evidence = evidence(
        &gaps_args,
        &gaps,
        &trends,
        inspections.as_ref(),
        year.or(rules.year),
    )?;
    let categorised = attain::categorise::categorise(&rules, &evidence, &[la], groupings.as_ref());
    let profile = inspections
        .as_ref()
        .map(|i| attain::ofsted::profile(i, &[la], groupings.as_ref()));
    let targets = args
        .targets
        .as_ref()
        .map(|path| {
            attain::targets::judge(
                &attain::targets::read(path)?,
                &gaps,
                &path.display().to_string(),
            )
        })
        .transpose()?;
    let suppression = attain::Suppression {
        min_cohort: gaps_args.min_cohort,
    };
    let gap_index = match (
        &gaps_args.national_pupils,
        gaps_args.pupils.as_slice(),
        &gaps_args.national,
    ) {
        (Some(national), _, _) => Some(national.clone()),
        (None, [pupils], None) if gaps_args.data.is_none() => Some(pupils.clone()),
        _ => None,
    }
    .map(|path| {
        attain::gap_index::gap_index(&[&path], None, &[Level::National, Level::La], suppression)
    })
    .transpose()
    .ok()
    .flatten();
    let mut sources = Vec::new();
    let mut describe = |path: &std::path::Path, what: &str| sources.push(source_line(path, what));
    if let Some(dir) = &gaps_args.data {
        for (phase, file) in attain::gaps::data_folder(dir, None)?.0 {
            describe(&file, &format!("{phase} pupil table"));
        }
        for (name, what) in [
            ("national.csv", "national reference figures"),
            ("estimates.csv", "progress estimates"),
        ] {
            if dir.join(name).is_file() {
                describe(&dir.join(name), what);
            }
        }
    }
    for path in &gaps_args.pupils {
        describe(path, "pupil table");
    }
    for path in &gaps_args.schools {
        describe(
            path,
            "DfE school performance table (Crown copyright, Open Government Licence v3.0)",
        );
    }
    for path in &gaps_args.published {
        describe(
            path,
            "DfE LA-level table (Crown copyright, Open Government Licence v3.0)",
        );
    }
    for (path, what) in [
        (&gaps_args.national, "national reference figures"),
        (&gaps_args.national_pupils, "national pupil table"),
        (&gaps_args.groups, "groupings of schools"),
        (
            &args.ofsted,
            "Ofsted inspection outcomes (Crown copyright, Open Government Licence v3.0)",
        ),
        (&args.targets, "targets"),
        (&args.rules, "categorisation rules"),
    ] {
        if let Some(path) = path {
            describe(path, what);
        }
    }
    match gaps_args.neighbours.as_deref() {
        Some(model @ ("2021" | "2025")) => sources.push(format!(
            "DfE's statistical neighbours, the {model} model shipped with Attain (Crown copyright, Open Government Licence v3.0)"
        )),
        Some(file) => sources.push(source_line(std::path::Path::new(file), "statistical neighbours")),
        None => {}
    }
    sources.push("DfE's published national figures and Progress 8 estimates shipped with Attain: Crown copyright, Open Government Licence v3.0 (datasets/national, datasets/progress). The shipped sample (datasets/sample) is synthetic: no real pupil is in it.".into());
    let inputs = attain::report::Inputs {
        gaps: Some(&gaps),
        trends: Some(&trends),
        categorised: Some(&categorised),
        rules: Some(&rules),
        ofsted: profile.as_deref(),
        targets: targets.as_ref(),
        gap_index: gap_index.as_ref(),
        notes: Vec::new(),
    };
    let options = attain::report::ReportOptions {
        la,
        year,
        min_cohort: gaps_args.min_cohort,
        disclosure: attain::disclosure::Disclosure::parse(&gaps_args.disclosure)?,
        sources,
        made: attain::report::date_of(std::time::SystemTime::now()),
    };
    let document = attain::report::build(&inputs, &options)?;
    let text = if format == "md" {
        document.to_markdown()
    } else {
        document.to_html()
    };
    std::fs::write(&out, &text).map_err(|e| Error::io(out.display().to_string(), e))?;
    eprintln!(
        "attain: wrote {} ({} KB, {format}) in {:.2} s",
        out.display(),
        text.len().div_ceil(1024),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn summarise(args: SummariseArgs) -> Result<()> {
    let phase = args.phase.as_deref().map(str::parse::<Phase>).transpose()?;
    let format = match &args.format {
        Some(format) => format.parse()?,
        None => Format::from_extension(&args.out).unwrap_or(Format::Parquet),
    };
    if format == Format::Json {
        return Err(Error::Usage(
            "summarise writes parquet or csv, the forms `gaps --summaries` reads".into(),
        ));
    }
    // Without estimates the progress measures count pupils but hold no
    // scores: summaries are only ever scored against the nation's.
    let estimates = match (&args.estimates, &args.national_pupils) {
        (Some(given), _) => attain::Estimates::choose_file(given)?,
        (None, Some(national)) => {
            attain::progress::estimates_from_files(&[national], phase, attain::pupils::CHUNK_ROWS)?
        }
        (None, None) => attain::Estimates::none(),
    };
    let summaries =
        attain::summarise_files(&args.pupils, phase, attain::pupils::CHUNK_ROWS, &estimates)?;
    for note in attain::progress::notes(&summaries, &estimates) {
        eprintln!("attain: {note}");
    }
    let mut table = summaries.to_table()?;
    report::write_file(&mut table, format, &args.out)?;
    eprintln!(
        "attain: wrote {} ({} rows: {} cells of school, year and pupil profile, {} measures)",
        args.out.display(),
        table.height(),
        summaries.cells.len(),
        summaries.measures.len()
    );
    Ok(())
}

fn synth(args: SynthArgs) -> Result<()> {
    let options = SynthOptions {
        scale: args.scale.parse::<Scale>()?,
        la_code: args.la,
        years: attain::geography::parse_year_list(&args.years)?,
        seed: args.seed,
    };
    let format: Format = args.format.parse()?;
    if format == Format::Json {
        return Err(Error::Usage("synth writes csv or parquet".into()));
    }
    let phases = args
        .phase
        .as_deref()
        .map(parse_phases)
        .transpose()?
        .unwrap_or_else(|| Phase::ALL.to_vec());
    std::fs::create_dir_all(&args.out).map_err(|e| Error::io(args.out.display().to_string(), e))?;
    let mut national = NationalFigures::default();
    let mut estimates = attain::Estimates::none();
    for phase in phases {
        let data = attain::synth::synthesise(&options, phase)?;
        estimates.extend(data.estimates);
        let path = args.out.join(format!("{phase}.{format}"));
        report::write_file(&mut data.pupils.to_dataframe()?, format, &path)?;
        eprintln!(
            "attain: wrote {} ({} pupils)",
            path.display(),
            data.pupils.len()
        );
        national.extend(data.national);
    }
    let path = args.out.join("national.csv");
    let name = path.display().to_string();
    let file = std::fs::File::create(&path).map_err(|e| Error::io(&name, e))?;
    national.write_reference(std::io::BufWriter::new(file), &name)?;
    eprintln!("attain: wrote {name} ({} national figures)", national.len());
    // The synthetic nation's progress estimates: `gaps --data` scores the
    // pupils' progress with them, as with a real LA's national estimates.
    if let Some(text) = estimates.to_csv() {
        let path = args.out.join("estimates.csv");
        let name = path.display().to_string();
        std::fs::write(&path, text).map_err(|e| Error::io(&name, e))?;
        eprintln!("attain: wrote {name} (progress estimates)");
    }
    Ok(())
}
