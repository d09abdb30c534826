//! `attain`: attainment gap tables from the command line. The work is done
//! by the `attain` crate; this file parses arguments and prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use attain::report::{self, Format};
use attain::synth::{Scale, SynthOptions};
use attain::{
    Error, GapOptions, GapTable, Level, National, NationalFigures, Phase, PupilTable, Result,
    Suppression,
};
use clap::{Args, Parser, Subcommand};

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
}

#[derive(Args)]
struct GapsArgs {
    /// The phase (eyfs, phonics, ks1, ks2, ks4); found from the columns when omitted.
    #[arg(long)]
    phase: Option<String>,
    /// A pupil table, CSV or Parquet.
    #[arg(long, required_unless_present = "data", conflicts_with = "data")]
    pupils: Option<PathBuf>,
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
    /// Levels to report, comma-separated.
    #[arg(long, default_value = "national,la,school")]
    level: String,
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
fn data_file(dir: &Path, phase: Phase) -> Option<PathBuf> {
    ["csv", "parquet"]
        .iter()
        .map(|ext| dir.join(format!("{phase}.{ext}")))
        .find(|p| p.is_file())
}

fn gaps(args: GapsArgs) -> Result<()> {
    let phases: Option<Vec<Phase>> = args.phase.as_deref().map(parse_phases).transpose()?;
    let inputs: Vec<(PathBuf, Option<Phase>)> = match (&args.pupils, &args.data) {
        (Some(path), _) => match phases.as_deref() {
            None => vec![(path.clone(), None)],
            Some([phase]) => vec![(path.clone(), Some(*phase))],
            Some(_) => {
                return Err(Error::Usage(
                    "a single --pupils file takes a single --phase".into(),
                ))
            }
        },
        (None, Some(dir)) => {
            let wanted = phases.unwrap_or_else(|| Phase::ALL.to_vec());
            let found: Vec<_> = wanted
                .iter()
                .filter_map(|&p| data_file(dir, p).map(|f| (f, Some(p))))
                .collect();
            if found.is_empty() {
                return Err(Error::Usage(format!(
                    "{} holds no <phase>.csv or <phase>.parquet file",
                    dir.display()
                )));
            }
            found
        }
        (None, None) => unreachable!("clap requires --pupils or --data"),
    };
    let reference_path = args.national.clone().or_else(|| {
        let candidate = args.data.as_ref()?.join("national.csv");
        (args.national_pupils.is_none() && candidate.is_file()).then_some(candidate)
    });
    let reference = reference_path
        .as_ref()
        .map(NationalFigures::read_reference)
        .transpose()?;
    let options = GapOptions {
        levels: Level::parse_list(&args.level)?,
        suppression: Suppression {
            min_cohort: args.min_cohort,
        },
    };

    let mut table = GapTable::default();
    for (path, phase) in inputs {
        let pupils = PupilTable::read(&path, phase)?;
        let national = match (&args.national_pupils, &reference) {
            (Some(national_path), _) => National::Pupils(attain::summarise(&PupilTable::read(
                national_path,
                Some(pupils.phase),
            )?)),
            (None, Some(figures)) => National::Reference(figures.clone()),
            (None, None) => {
                eprintln!(
                    "attain: no --national or --national-pupils: national figures are computed from {} itself ({} pupils), which is right only when it is the whole national cohort",
                    path.display(),
                    pupils.len()
                );
                National::Local
            }
        };
        table.append(attain::gaps(&pupils, &national, &options)?);
    }
    let mut frame = table.to_dataframe()?;
    let format = match (&args.format, &args.out) {
        (Some(format), _) => format.parse()?,
        (None, Some(out)) => Format::from_extension(out).unwrap_or_default(),
        (None, None) => Format::Csv,
    };
    match &args.out {
        Some(out) => report::write_file(&mut frame, format, out),
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            report::write(&mut frame, format, &mut lock, "standard output")?;
            lock.flush().map_err(|e| Error::Io {
                file: "standard output".into(),
                source: e,
            })
        }
    }
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
