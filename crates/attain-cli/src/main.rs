//! `attain`: attainment gap tables from the command line. The work is done
//! by the `attain` crate; this file parses arguments and prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use attain::report::{self, Format};
use attain::synth::{Scale, SynthOptions};
use attain::{
    Error, GapOptions, GapTable, Groupings, Level, National, NationalFigures, Phase, Result,
    Suppression,
};
use clap::{Args, Parser, Subcommand};

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
    /// Write a seeded synthetic dataset: one <phase>.csv (or .parquet) per
    /// phase and national.csv.
    Synth(SynthArgs),
    /// Benchmark floor: read the columns `gaps` reads from a Parquet pupil
    /// file and write a table of the gap table's shape and size, computing
    /// nothing.
    IoFloor(IoFloorArgs),
}

#[derive(Args)]
struct IoFloorArgs {
    #[arg(long)]
    pupils: PathBuf,
    #[arg(long)]
    phase: Option<String>,
    /// A Parquet file to write.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct GapsArgs {
    /// The phase (eyfs, phonics, ks1, ks2, ks4); found from the columns when omitted.
    #[arg(long)]
    phase: Option<String>,
    /// A pupil table, CSV or Parquet. Repeat for several files of one phase
    /// (one per year, say): they are read a chunk at a time, so many years of
    /// national pupils need no more memory than about one.
    #[arg(long, required_unless_present_any = ["data", "schools", "published"], conflicts_with_all = ["data", "schools", "published"])]
    pupils: Vec<PathBuf>,
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
    /// With --schools or --published: only these LAs (comma-separated codes,
    /// e.g. 883,845), their schools and their regions; England is kept.
    #[arg(long)]
    la: Option<String>,
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
    /// csv, json or parquet (default: from --out's extension, else csv).
    #[arg(long)]
    format: Option<String>,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Gaps(args) => gaps(args),
        Command::Synth(args) => synth(args),
        Command::IoFloor(args) => io_floor(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("attain: error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn parse_phases(text: &str) -> Result<Vec<Phase>> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(str::parse)
        .collect()
}

/// The pupil file of a phase in a dataset folder, if there is one.
fn data_file(dir: &Path, phase: Phase) -> Result<Option<PathBuf>> {
    let found: Vec<PathBuf> = ["csv", "parquet"]
        .iter()
        .map(|ext| dir.join(format!("{phase}.{ext}")))
        .filter(|p| p.is_file())
        .collect();
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        _ => Err(Error::Usage(format!(
            "{} holds both {phase}.csv and {phase}.parquet: keep one, or name it with --pupils",
            dir.display()
        ))),
    }
}

/// Levels, suppression and groupings; groupings add the alliance level.
fn gap_options(args: &GapsArgs, default_levels: &str) -> Result<GapOptions> {
    let groupings = args
        .groups
        .as_ref()
        .map(Groupings::read)
        .transpose()?
        .map(std::sync::Arc::new);
    let mut levels = Level::parse_list(args.level.as_deref().unwrap_or(default_levels))?;
    if groupings.is_some() && !levels.contains(&Level::Alliance) {
        levels.push(Level::Alliance);
    }
    Ok(GapOptions {
        levels,
        suppression: Suppression {
            min_cohort: args.min_cohort,
        },
        groupings,
    })
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

fn parse_las(text: &str) -> Result<Vec<u16>> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|code| {
            code.trim()
                .parse::<u16>()
                .ok()
                .filter(|c| (100..=999).contains(c))
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "--la {text:?}: expected three-digit LA codes separated by commas, e.g. 883,845"
                    ))
                })
        })
        .collect()
}

/// The gap table from published DfE tables (--schools, --published).
fn gaps_published(args: GapsArgs) -> Result<()> {
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
        eprintln!("attain: {} ({}):", file.path, file.kind.name());
        if gives.is_empty() {
            eprintln!("attain:   no figures Attain reads");
        }
        for ((_, measure), years) in gives {
            let years: Vec<String> = years.iter().map(u16::to_string).collect();
            eprintln!("attain:   {measure}: {}", years.join(", "));
        }
        for note in &file.notes {
            eprintln!("attain:   {note}");
        }
    }
    let default_levels = if args.published.is_empty() {
        "national,la,school"
    } else {
        "national,region,la,school"
    };
    let options = attain::PublishedOptions {
        gap: gap_options(&args, default_levels)?,
        las: args
            .la
            .as_deref()
            .map(parse_las)
            .transpose()?
            .unwrap_or_default(),
        national: args
            .national
            .as_ref()
            .map(NationalFigures::read_reference)
            .transpose()?,
    };
    let table = attain::published::gap_table(&published, &options)?;
    if table.is_empty() {
        eprintln!(
            "attain: no rows: the files have no figures for the LAs, phases and levels asked for"
        );
    }
    let mut writer = table_writer(&args)?;
    let mut frame = table.to_dataframe()?;
    writer.write(&mut frame)?;
    writer.finish(
        &mut GapTable {
            published: Some(Default::default()),
            ..GapTable::default()
        }
        .to_dataframe()?,
    )
}

fn gaps(args: GapsArgs) -> Result<()> {
    if !args.schools.is_empty() || !args.published.is_empty() {
        return gaps_published(args);
    }
    if args.la.is_some() || args.year.is_some() {
        return Err(Error::Usage(
            "--la and --year go with --schools or --published".into(),
        ));
    }
    let phases: Option<Vec<Phase>> = args.phase.as_deref().map(parse_phases).transpose()?;
    // Each input is a phase and its files.
    let inputs: Vec<(Vec<PathBuf>, Option<Phase>)> = match &args.data {
        None => match phases.as_deref() {
            None => vec![(args.pupils.clone(), None)],
            Some([phase]) => vec![(args.pupils.clone(), Some(*phase))],
            Some(_) => return Err(Error::Usage("--pupils files take a single --phase".into())),
        },
        Some(dir) => {
            let wanted = phases.unwrap_or_else(|| Phase::ALL.to_vec());
            let mut found = Vec::new();
            for &phase in &wanted {
                if let Some(file) = data_file(dir, phase)? {
                    found.push((vec![file], Some(phase)));
                }
            }
            if found.is_empty() {
                return Err(Error::Usage(format!(
                    "{} holds no <phase>.csv or <phase>.parquet file",
                    dir.display()
                )));
            }
            found
        }
    };
    let reference_path = args.national.clone().or_else(|| {
        let candidate = args.data.as_ref()?.join("national.csv");
        (args.national_pupils.is_none() && candidate.is_file()).then_some(candidate)
    });
    let reference = reference_path
        .as_ref()
        .map(NationalFigures::read_reference)
        .transpose()?;
    let options = gap_options(&args, "national,la,school")?;
    let mut writer = table_writer(&args)?;

    for (paths, phase) in inputs {
        let local = attain::summarise_files(&paths, phase, attain::pupils::CHUNK_ROWS)?;
        let national = match (&args.national_pupils, &reference) {
            (Some(path), _) => National::Pupils(attain::summarise_files(
                &[path],
                Some(local.phase),
                attain::pupils::CHUNK_ROWS,
            )?),
            (None, Some(figures)) => National::Reference(figures.clone()),
            (None, None) => {
                let pupils: u64 = local
                    .stats
                    .iter()
                    .step_by(local.measures.len())
                    .map(|s| s.cohort)
                    .sum();
                eprintln!(
                    "attain: no --national or --national-pupils: national figures are computed from the pupils given ({pupils} pupils), which is right only when they are the whole national cohort"
                );
                National::Local
            }
        };
        // A few thousand units at a time: the table is written as it is built.
        let comparison = attain::gaps::Comparison::new(&local, &national)?;
        for year in local.years() {
            comparison.year_in_batches(year, &options, |batch| {
                writer.write(&mut batch.to_dataframe()?)
            })?;
        }
    }
    writer.finish(&mut GapTable::default().to_dataframe()?)
}

fn io_floor(args: IoFloorArgs) -> Result<()> {
    use polars::prelude::*;
    let phase = args.phase.as_deref().map(str::parse::<Phase>).transpose()?;
    let (phase, columns) = attain::pupils::parquet_columns(&args.pupils, phase)?;
    let source = args.pupils.display().to_string();
    let file = std::fs::File::open(&args.pupils).map_err(|e| Error::io(&source, e))?;
    let frame = ParquetReader::new(file)
        .with_columns(Some(columns))
        .finish()
        .map_err(|e| Error::table(&source, e))?;
    // The gap table's shape: (schools + LAs + England) × measures × groups
    // rows a year. Its cells are filled from the input, not computed.
    let ints = |name: &str| -> Result<Vec<i64>> {
        let column = frame.column(name).map_err(|e| Error::table(&source, e))?;
        let cast = column
            .cast(&DataType::Int64)
            .map_err(|e| Error::table(&source, e))?;
        Ok(cast
            .i64()
            .map_err(|e| Error::table(&source, e))?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let (years, urns, las) = (ints("year")?, ints("urn")?, ints("la_code")?);
    let mut units: Vec<(i64, attain::Unit)> = years
        .iter()
        .zip(&urns)
        .map(|(&y, &u)| (y, attain::Unit::School(u as u32)))
        .collect();
    units.extend(
        years
            .iter()
            .zip(&las)
            .map(|(&y, &l)| (y, attain::Unit::La(l as u16))),
    );
    units.extend(years.iter().map(|&y| (y, attain::Unit::England)));
    units.sort_unstable();
    units.dedup();
    let measures: Vec<&attain::Measure> = attain::Measure::of_phase(phase).collect();
    let rows = units.len() * measures.len() * attain::Group::ALL.len();
    let mut table = GapTable::default();
    // Values like a real gap table's: tens of thousands of distinct figures
    // and about half the cells empty (small groups are suppressed), so the
    // file is about as large as a real one and takes as long to encode.
    let value = |row: usize| {
        (row % 8 >= 4).then(|| {
            ((row as u64 + urns[row % urns.len()] as u64) * 2_654_435_761 % 100_003) as f64 / 7.0
        })
    };
    for row in 0..rows {
        let (year, unit) = units[row / (measures.len() * 7)];
        table.phase.push(phase);
        table.year.push(year as u16);
        table.level.push(match unit {
            attain::Unit::England => Level::National,
            attain::Unit::La(_) => Level::La,
            attain::Unit::School(_) => Level::School,
            attain::Unit::Alliance(_) => Level::Alliance,
            attain::Unit::Region(_) => Level::Region,
        });
        table.unit.push(unit);
        table.measure.push(measures[row / 7 % measures.len()].name);
        table.group.push(attain::Group::ALL[row % 7]);
        table.n_member.push(Some(las[row % las.len()] as u64));
        table
            .n_comparison
            .push(Some(urns[row % urns.len()] as u64 % 97));
        table.suppressed.push(row % 11 == 0);
        for column in [
            &mut table.value_member,
            &mut table.ci_low,
            &mut table.ci_high,
            &mut table.value_comparison,
            &mut table.gap,
            &mut table.gap_ci_low,
            &mut table.gap_ci_high,
            &mut table.national_member,
            &mut table.national_comparison,
            &mut table.gap_to_national,
            &mut table.national_gap,
            &mut table.gap_vs_national_gap,
        ] {
            column.push(value(row + column.len() % 13));
        }
    }
    report::write_file(&mut table.to_dataframe()?, Format::Parquet, &args.out)
}

fn parse_years(text: &str) -> Result<Vec<u16>> {
    let bad = || {
        Error::Usage(format!(
            "--years {text:?}: expected a range such as 2022-2024 or a list such as 2022,2024"
        ))
    };
    let year = |s: &str| {
        s.trim()
            .parse::<u16>()
            .ok()
            .filter(|y| (1990..=2100).contains(y))
            .ok_or_else(bad)
    };
    let years: Vec<u16> = match text.split_once('-') {
        Some((first, last)) => (year(first)?..=year(last)?).collect(),
        None => text.split(',').map(year).collect::<Result<_>>()?,
    };
    if years.is_empty() {
        return Err(bad());
    }
    Ok(years)
}

fn synth(args: SynthArgs) -> Result<()> {
    let options = SynthOptions {
        scale: args.scale.parse::<Scale>()?,
        la_code: args.la,
        years: parse_years(&args.years)?,
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
    for phase in phases {
        let data = attain::synth::synthesise(&options, phase)?;
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
    Ok(())
}
