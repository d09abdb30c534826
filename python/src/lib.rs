//! The Python module `attain._attain`: a thin layer that converts arguments,
//! releases the GIL, calls the `attain` crate and converts results. It
//! computes nothing itself; `attain/__init__.py` is the typed public face.

use attain::neighbours::Neighbours;
use attain::synth::{Scale, SynthOptions};
use attain::{
    Error, Estimates, GapOptions, Level, National, NationalFigures, Phase, ProgressOptions,
    PupilTable,
};
use polars::prelude::*;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyString;
use pyo3_polars::PyDataFrame;

// As in the CLI: the gap table's short-lived column buffers make glibc's
// allocator fault in fresh pages again and again; mimalloc reuses them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

create_exception!(
    attain,
    AttainError,
    PyException,
    "Base class of every error Attain raises."
);
create_exception!(
    attain,
    ValidationError,
    AttainError,
    "Input data is not what Attain needs. Attributes: file, row (spreadsheet numbering: the header is row 1), column, value, expected."
);
create_exception!(
    attain,
    UsageError,
    AttainError,
    "An argument does not make sense (an unknown phase, level or format, conflicting options)."
);
create_exception!(
    attain,
    FileError,
    AttainError,
    "A file could not be read or written. Attribute: file."
);

fn to_py(error: Error) -> PyErr {
    Python::attach(|py| {
        let message = error.to_string();
        let (err, attributes): (PyErr, Vec<(&str, Py<PyAny>)>) = match error {
            Error::Invalid(invalid) => (
                ValidationError::new_err(message),
                vec![
                    (
                        "file",
                        invalid.file.into_pyobject(py).unwrap().into_any().unbind(),
                    ),
                    (
                        "row",
                        invalid.row.into_pyobject(py).unwrap().into_any().unbind(),
                    ),
                    (
                        "column",
                        invalid
                            .column
                            .into_pyobject(py)
                            .unwrap()
                            .into_any()
                            .unbind(),
                    ),
                    (
                        "value",
                        invalid.value.into_pyobject(py).unwrap().into_any().unbind(),
                    ),
                    (
                        "expected",
                        invalid
                            .expected
                            .into_pyobject(py)
                            .unwrap()
                            .into_any()
                            .unbind(),
                    ),
                ],
            ),
            Error::Io { file, .. } | Error::Table { file, .. } => (
                FileError::new_err(message),
                vec![("file", file.into_pyobject(py).unwrap().into_any().unbind())],
            ),
            Error::Usage(_) => (UsageError::new_err(message), vec![]),
        };
        let value = err.value(py);
        for (name, attribute) in attributes {
            // Setting an attribute on a fresh exception instance cannot fail.
            let _ = value.setattr(name, attribute);
        }
        err
    })
}

/// A table argument: a path, or a polars DataFrame (the Python layer turns
/// pandas into polars first).
enum Table {
    Path(String),
    Frame(DataFrame),
}

impl Table {
    fn from_py(object: &Bound<'_, PyAny>) -> PyResult<Table> {
        if let Ok(path) = object.cast::<PyString>() {
            return Ok(Table::Path(path.to_cow()?.into_owned()));
        }
        Ok(Table::Frame(object.extract::<PyDataFrame>()?.0))
    }

    fn pupils(&self, phase: Option<Phase>) -> attain::Result<PupilTable> {
        match self {
            Table::Path(path) => PupilTable::read(path, phase),
            Table::Frame(frame) => PupilTable::from_dataframe(frame, phase, "DataFrame"),
        }
    }

    /// Summaries of a pupil table: a file is read a chunk at a time, as the
    /// CLI reads it.
    fn summaries(
        &self,
        phase: Option<Phase>,
        estimates: &Estimates,
    ) -> attain::Result<attain::Summaries> {
        match self {
            Table::Path(path) => {
                attain::summarise_files(&[path], phase, attain::pupils::CHUNK_ROWS, estimates)
            }
            Table::Frame(_) => Ok(attain::summarise(&self.pupils(phase)?, estimates)),
        }
    }

    /// Progress estimates from a national pupil table.
    fn estimates(&self, phase: Option<Phase>) -> attain::Result<Estimates> {
        match self {
            Table::Path(path) => {
                attain::progress::estimates_from_files(&[path], phase, attain::pupils::CHUNK_ROWS)
            }
            Table::Frame(_) => {
                let mut builder =
                    attain::progress::EstimatesBuilder::new("national pupils (DataFrame)");
                builder.add(&self.pupils(phase)?);
                Ok(builder.finish())
            }
        }
    }

    /// Groupings and national figures reach the core as Arrow columns,
    /// read by the same parser as a file.
    fn groupings(&self) -> attain::Result<attain::Groupings> {
        match self {
            Table::Path(path) => attain::Groupings::read(path),
            Table::Frame(frame) => attain::Groupings::from_dataframe(frame, "DataFrame"),
        }
    }

    fn national_figures(&self) -> attain::Result<NationalFigures> {
        match self {
            Table::Path(path) => NationalFigures::read_reference(path),
            Table::Frame(frame) => NationalFigures::from_dataframe(frame, "DataFrame"),
        }
    }
}

fn parse<T: std::str::FromStr<Err = Error>>(text: Option<&str>) -> PyResult<Option<T>> {
    text.map(str::parse).transpose().map_err(to_py)
}

fn parse_levels(levels: Option<Vec<String>>) -> PyResult<Option<Vec<Level>>> {
    levels
        .map(|levels| Level::parse_list(&levels.join(",")))
        .transpose()
        .map_err(to_py)
}

/// What a table from pupils is built from: the local summaries, the
/// national figures (by the core's rule), and the options.
struct PupilJob {
    local: attain::Summaries,
    national: National,
    options: GapOptions,
    notes: Vec<String>,
}

/// Progress intervals and bands from their Python spellings.
fn progress_options(sd: &str, bands: &str) -> attain::Result<ProgressOptions> {
    Ok(ProgressOptions {
        sd: attain::progress::ProgressSd::parse(sd)?,
        bands: attain::progress::Bands::parse(bands)?,
        estimates: None,
    })
}

impl PupilJob {
    fn new(
        pupils: Table,
        phase: Option<Phase>,
        national_pupils: Option<Table>,
        national: Option<Table>,
        levels: Option<Vec<Level>>,
        min_cohort: u64,
        groups: Option<Table>,
        neighbours: Option<String>,
        la: Vec<u16>,
        estimates: Option<String>,
        progress: ProgressOptions,
        disclosure: attain::disclosure::Disclosure,
    ) -> attain::Result<PupilJob> {
        if national_pupils.is_some() && national.is_some() {
            return Err(Error::Usage(
                "give national_pupils or national, not both".into(),
            ));
        }
        // The CLI's rule (attain::progress::choose_estimates), for tables
        // that may be frames.
        let estimates = match (&estimates, &national_pupils, &national) {
            (Some(given), _, _) => Estimates::choose_file(given)?,
            (None, Some(table), _) => table.estimates(phase)?,
            (None, None, Some(_)) => Estimates::none(),
            (None, None, None) => pupils.estimates(phase)?,
        };
        let local = pupils.summaries(phase, &estimates)?;
        let mut notes = attain::progress::notes(&local, &estimates);
        let local_paths: Vec<std::path::PathBuf> = match &pupils {
            Table::Path(path) => vec![path.into()],
            Table::Frame(_) => vec![],
        };
        let reference = national.map(|t| t.national_figures()).transpose()?;
        let (national, note) = match national_pupils {
            Some(table @ Table::Frame(_)) => (
                National::Pupils(table.summaries(Some(local.phase), &estimates)?),
                None,
            ),
            Some(Table::Path(path)) => National::choose(
                &local,
                &local_paths,
                Some(path.as_ref()),
                reference,
                &estimates,
            )?,
            None => National::choose(&local, &local_paths, None, reference, &estimates)?,
        };
        notes.extend(note.map(|n| n.0));
        let options = GapOptions::new(
            levels,
            &Level::ALL,
            min_cohort,
            groups.map(|table| table.groupings()).transpose()?,
        )
        .with_neighbours(neighbours.as_deref().map(Neighbours::choose).transpose()?)
        .with_las(la)
        .with_progress(ProgressOptions {
            estimates: Some(std::sync::Arc::new(estimates)),
            ..progress
        })
        .with_disclosure(disclosure);
        Ok(PupilJob {
            local,
            national,
            options,
            notes,
        })
    }
}

/// The gap table (`significant` is None) or the trends table from pupils,
/// and the note the core gives when it had to choose the national figures
/// itself (the Python layer turns it into a warning).
#[pyfunction]
#[pyo3(signature = (pupils, phase, national_pupils, national, levels, min_cohort, groups, significant, neighbours, la, estimates, progress_sd, progress_bands, disclosure))]
#[allow(clippy::too_many_arguments)]
fn gaps(
    py: Python<'_>,
    pupils: &Bound<'_, PyAny>,
    phase: Option<&str>,
    national_pupils: Option<&Bound<'_, PyAny>>,
    national: Option<&Bound<'_, PyAny>>,
    levels: Option<Vec<String>>,
    min_cohort: u64,
    groups: Option<&Bound<'_, PyAny>>,
    significant: Option<bool>,
    neighbours: Option<String>,
    la: Vec<u16>,
    estimates: Option<String>,
    progress_sd: String,
    progress_bands: String,
    disclosure: String,
) -> PyResult<(PyDataFrame, Vec<String>)> {
    let phase: Option<Phase> = parse(phase)?;
    let pupils = Table::from_py(pupils)?;
    let groups = groups.map(Table::from_py).transpose()?;
    let national_pupils = national_pupils.map(Table::from_py).transpose()?;
    let national = national.map(Table::from_py).transpose()?;
    let levels = parse_levels(levels)?;
    py.detach(move || {
        let job = PupilJob::new(
            pupils,
            phase,
            national_pupils,
            national,
            levels,
            min_cohort,
            groups,
            neighbours,
            la,
            estimates,
            progress_options(&progress_sd, &progress_bands)?,
            attain::disclosure::Disclosure::parse(&disclosure)?,
        )?;
        let comparison = attain::gaps::Comparison::new(&job.local, &job.national)?;
        let mut notes: Vec<String> = job.notes.clone();
        for year in job.local.years() {
            notes.extend(comparison.notes(year, &job.options));
        }
        notes.extend(attain::Groupings::note_without_pupils(
            &comparison.groupings_without_pupils(&job.options),
            &format!("the {} pupils", job.local.phase.name()),
        ));
        let table = match significant {
            None => attain::gap_table(&job.local, &job.national, &job.options)?,
            Some(significant_only) => attain::trends::trends(
                &comparison,
                &job.options,
                attain::trends::TrendOptions { significant_only },
            )?,
        };
        Ok((PyDataFrame(table), notes))
    })
    .map_err(to_py)
}

/// The gap table (`significant` is None) or the trends table from
/// published tables.
#[pyfunction]
#[pyo3(signature = (schools, published, la, year, phase, levels, min_cohort, groups, national, significant, neighbours, progress_sd, progress_bands, disclosure))]
#[allow(clippy::too_many_arguments)]
fn published_gaps(
    py: Python<'_>,
    schools: Vec<String>,
    published: Vec<String>,
    la: Vec<u16>,
    year: Option<u16>,
    phase: Option<Vec<String>>,
    levels: Option<Vec<String>>,
    min_cohort: u64,
    groups: Option<&Bound<'_, PyAny>>,
    national: Option<&Bound<'_, PyAny>>,
    significant: Option<bool>,
    neighbours: Option<String>,
    progress_sd: String,
    progress_bands: String,
    disclosure: String,
) -> PyResult<PyDataFrame> {
    let phases: Option<Vec<Phase>> = phase
        .map(|names| {
            names
                .iter()
                .map(|p| p.parse())
                .collect::<attain::Result<_>>()
        })
        .transpose()
        .map_err(to_py)?;
    let levels = parse_levels(levels)?;
    let groups = groups.map(Table::from_py).transpose()?;
    let national = national.map(Table::from_py).transpose()?;
    py.detach(move || {
        let mut figures = attain::Published::read_files(&schools, &published, year)?;
        if let Some(phases) = phases {
            figures.retain_phases(&phases);
        }
        let options = attain::PublishedOptions {
            gap: GapOptions::new(
                levels,
                &figures.default_levels(),
                min_cohort,
                groups.map(|table| table.groupings()).transpose()?,
            )
            .with_neighbours(neighbours.as_deref().map(Neighbours::choose).transpose()?)
            .with_las(la)
            .with_progress(progress_options(&progress_sd, &progress_bands)?)
            .with_disclosure(attain::disclosure::Disclosure::parse(&disclosure)?),
            national: national.map(|table| table.national_figures()).transpose()?,
        };
        match significant {
            None => attain::published::gap_table(&figures, &options),
            Some(significant_only) => attain::trends::published_trends(
                &figures,
                &options,
                attain::trends::TrendOptions { significant_only },
            ),
        }
    })
    .map(PyDataFrame)
    .map_err(to_py)
}

/// Summaries tables (paths or frames), added up by phase and checked
/// complete once all are in.
fn summaries_of(tables: Vec<Table>) -> attain::Result<Vec<attain::Summaries>> {
    let mut total = Vec::new();
    for table in tables {
        let parts = match table {
            Table::Path(path) => attain::summaries_table::read_file(path.as_ref())?,
            Table::Frame(frame) => attain::summaries_table::from_table(&frame, "DataFrame")?,
        };
        attain::summaries_table::add(&mut total, parts);
    }
    attain::summaries_table::finish(total, "the summaries tables")
}

/// DfE's disadvantage gap index of a national pupil table.
#[pyfunction]
#[pyo3(signature = (pupils, phase, levels, min_cohort))]
fn gap_index(
    py: Python<'_>,
    pupils: &Bound<'_, PyAny>,
    phase: Option<&str>,
    levels: Option<Vec<String>>,
    min_cohort: u64,
) -> PyResult<PyDataFrame> {
    let phase: Option<Phase> = parse(phase)?;
    let pupils = Table::from_py(pupils)?;
    let levels = parse_levels(levels)?.unwrap_or_else(|| Level::ALL.to_vec());
    py.detach(move || {
        let suppression = attain::Suppression { min_cohort };
        match pupils {
            Table::Path(path) => attain::gap_index::gap_index(&[path], phase, &levels, suppression),
            Table::Frame(_) => {
                attain::gap_index::gap_index_of(&pupils.pupils(phase)?, &levels, suppression)
            }
        }
    })
    .map(PyDataFrame)
    .map_err(to_py)
}

/// The summaries table of a pupil table (a path is read a chunk at a time).
#[pyfunction]
#[pyo3(signature = (pupils, phase, estimates, national_pupils))]
fn summarise(
    py: Python<'_>,
    pupils: &Bound<'_, PyAny>,
    phase: Option<&str>,
    estimates: Option<String>,
    national_pupils: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyDataFrame> {
    let phase: Option<Phase> = parse(phase)?;
    let pupils = Table::from_py(pupils)?;
    let national_pupils = national_pupils.map(Table::from_py).transpose()?;
    py.detach(move || {
        let estimates = match (&estimates, &national_pupils) {
            (Some(given), _) => Estimates::choose_file(given)?,
            (None, Some(national)) => national.estimates(phase)?,
            (None, None) => Estimates::none(),
        };
        pupils.summaries(phase, &estimates)?.to_table()
    })
    .map(PyDataFrame)
    .map_err(to_py)
}

/// The gap table (`significant` None) or the trends table from summaries
/// tables, every phase they hold, and the notes for warnings.
#[pyfunction]
#[pyo3(signature = (summaries, national_summaries, national, levels, min_cohort, groups, neighbours, la, significant, estimates, progress_sd, progress_bands, disclosure))]
#[allow(clippy::too_many_arguments)]
fn gaps_from_summaries(
    py: Python<'_>,
    summaries: Vec<Bound<'_, PyAny>>,
    national_summaries: Vec<Bound<'_, PyAny>>,
    national: Option<&Bound<'_, PyAny>>,
    levels: Option<Vec<String>>,
    min_cohort: u64,
    groups: Option<&Bound<'_, PyAny>>,
    neighbours: Option<String>,
    la: Vec<u16>,
    significant: Option<bool>,
    estimates: Option<String>,
    progress_sd: String,
    progress_bands: String,
    disclosure: String,
) -> PyResult<(PyDataFrame, Vec<String>)> {
    let local = summaries
        .iter()
        .map(Table::from_py)
        .collect::<PyResult<Vec<_>>>()?;
    let national_tables = national_summaries
        .iter()
        .map(Table::from_py)
        .collect::<PyResult<Vec<_>>>()?;
    let national = national.map(Table::from_py).transpose()?;
    let groups = groups.map(Table::from_py).transpose()?;
    let levels = parse_levels(levels)?;
    py.detach(move || {
        let local = summaries_of(local)?;
        let national_summaries = (!national_tables.is_empty())
            .then(|| summaries_of(national_tables))
            .transpose()?;
        let reference = national.map(|t| t.national_figures()).transpose()?;
        let options = GapOptions::new(
            levels,
            &Level::ALL,
            min_cohort,
            groups.map(|table| table.groupings()).transpose()?,
        )
        .with_neighbours(neighbours.as_deref().map(Neighbours::choose).transpose()?)
        .with_las(la)
        .with_progress(ProgressOptions {
            // Summaries were scored already: published estimates given here
            // only lend their SDs to the intervals.
            estimates: estimates
                .as_deref()
                .map(Estimates::choose_file)
                .transpose()?
                .map(std::sync::Arc::new),
            ..progress_options(&progress_sd, &progress_bands)?
        })
        .with_disclosure(attain::disclosure::Disclosure::parse(&disclosure)?);
        let none = Estimates::none();
        let mut notes = Vec::new();
        let mut table: Option<DataFrame> = None;
        for phase in local {
            let (national, note) = match &national_summaries {
                Some(all) => (National::from_national_summaries(all, phase.phase)?, None),
                None => National::choose(&phase, &[], None, reference.clone(), &none)?,
            };
            notes.extend(note.map(|n| n.0));
            let comparison = attain::gaps::Comparison::new(&phase, &national)?;
            for year in phase.years() {
                notes.extend(comparison.notes(year, &options));
            }
            notes.extend(attain::Groupings::note_without_pupils(
                &comparison.groupings_without_pupils(&options),
                &format!("the {} summaries", phase.phase.name()),
            ));
            let part = match significant {
                None => attain::gap_table(&phase, &national, &options)?,
                Some(significant_only) => attain::trends::trends(
                    &comparison,
                    &options,
                    attain::trends::TrendOptions { significant_only },
                )?,
            };
            table = Some(match table {
                None => part,
                Some(mut all) => {
                    all.vstack_mut_owned(part)
                        .map_err(|e| Error::table("gap table", e))?;
                    all
                }
            });
        }
        Ok((PyDataFrame(table.expect("at least one phase")), notes))
    })
    .map_err(to_py)
}

/// Every figure of some published files, and each file's notes.
#[pyfunction]
#[pyo3(signature = (schools, published, year))]
fn read_published(
    py: Python<'_>,
    schools: Vec<String>,
    published: Vec<String>,
    year: Option<u16>,
) -> PyResult<(PyDataFrame, Vec<(String, String, String)>)> {
    py.detach(move || {
        let figures = attain::Published::read_files(&schools, &published, year)?;
        let notes = figures
            .files
            .iter()
            .flat_map(|file| {
                file.notes
                    .iter()
                    .map(|note| (file.path.clone(), file.kind.name().to_owned(), note.clone()))
            })
            .collect();
        Ok((PyDataFrame(figures.to_dataframe()?), notes))
    })
    .map_err(to_py)
}

/// The Ofsted profile of an Ofsted MI or GIAS file.
#[pyfunction]
#[pyo3(signature = (inspections, la, groups))]
fn ofsted_profile(
    py: Python<'_>,
    inspections: String,
    la: Vec<u16>,
    groups: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyDataFrame> {
    let groups = groups.map(Table::from_py).transpose()?;
    py.detach(move || {
        let inspections = attain::ofsted::Inspections::read(inspections.as_ref())?;
        let groupings = groups.map(|table| table.groupings()).transpose()?;
        attain::ofsted::profile_frame(&attain::ofsted::profile(
            &inspections,
            &la,
            groupings.as_ref(),
        ))
    })
    .map(PyDataFrame)
    .map_err(to_py)
}

/// Categorisation of an LA's schools and alliances from its gap and trends
/// tables (the rules file's path, or None for the shipped default), and
/// the notes (rules left out).
#[pyfunction]
#[pyo3(signature = (gaps, trends, secure, rules, ofsted, groups, la, schools))]
#[allow(clippy::too_many_arguments)]
fn categorise(
    py: Python<'_>,
    gaps: PyDataFrame,
    trends: Option<PyDataFrame>,
    secure: Option<PyDataFrame>,
    rules: Option<String>,
    ofsted: Option<String>,
    groups: Option<&Bound<'_, PyAny>>,
    la: Vec<u16>,
    schools: Vec<String>,
) -> PyResult<(PyDataFrame, Vec<String>)> {
    let groups = groups.map(Table::from_py).transpose()?;
    py.detach(move || {
        let rules = match rules {
            Some(path) => attain::categorise::Rules::read(path)?,
            None => attain::categorise::Rules::default_rules(),
        };
        let inspections = ofsted
            .map(|path| attain::ofsted::Inspections::read(path.as_ref()))
            .transpose()?;
        let mut notes = Vec::new();
        if inspections.is_none() && !rules.ofsted_rules().is_empty() {
            notes.push(format!(
                "no Ofsted file (ofsted=...), so these rules are left out: {}",
                rules.ofsted_rules().join(", ")
            ));
        }
        let groupings = groups.map(|table| table.groupings()).transpose()?;
        let mut evidence = attain::categorise::Evidence::new(
            &gaps.0,
            trends.as_ref().map(|t| &t.0),
            inspections.as_ref(),
            rules.year,
        )?;
        if let Some(secure) = &secure {
            evidence = evidence.with_secure_counts(&secure.0)?;
        }
        evidence = evidence.with_names(school_names(&schools)?);
        let categorised =
            attain::categorise::categorise(&rules, &evidence, &la, groupings.as_ref());
        if categorised.is_empty() {
            return Err(attain::Error::Usage(format!(
                "no school of LA {la:?} and no alliance is in the data: give la= an LA whose schools the data holds"
            )));
        }
        Ok((
            PyDataFrame(attain::categorise::to_frame(&categorised)?),
            notes,
        ))
    })
    .map_err(to_py)
}

/// The school names of performance tables, for categorisation.
fn school_names(paths: &[String]) -> attain::Result<Vec<(u32, String)>> {
    let mut names = Vec::new();
    for path in paths {
        names.extend(attain::published::performance::school_names(path)?);
    }
    Ok(names)
}

/// Targets (a path) judged against a gap table.
#[pyfunction]
#[pyo3(signature = (targets, gaps))]
fn targets(py: Python<'_>, targets: String, gaps: PyDataFrame) -> PyResult<PyDataFrame> {
    py.detach(move || {
        let list = attain::targets::read(&targets)?;
        attain::targets::judge(&list, &gaps.0, &targets)
    })
    .map(PyDataFrame)
    .map_err(to_py)
}

/// The council evaluation report of an LA from its gap and trends tables:
/// (HTML, Markdown).
#[pyfunction]
#[pyo3(signature = (gaps, trends, secure, la, year, rules, ofsted, groups, targets, min_cohort, disclosure, sources, notes, schools))]
#[allow(clippy::too_many_arguments)]
fn report(
    py: Python<'_>,
    gaps: PyDataFrame,
    trends: Option<PyDataFrame>,
    secure: Option<PyDataFrame>,
    la: u16,
    year: Option<u16>,
    rules: Option<String>,
    ofsted: Option<String>,
    groups: Option<&Bound<'_, PyAny>>,
    targets: Option<String>,
    min_cohort: u64,
    disclosure: String,
    sources: Vec<String>,
    notes: Vec<String>,
    schools: Vec<String>,
) -> PyResult<(String, String)> {
    let groups = groups.map(Table::from_py).transpose()?;
    py.detach(move || {
        let rules = match rules {
            Some(path) => attain::categorise::Rules::read(path)?,
            None => attain::categorise::Rules::default_rules(),
        };
        let inspections = ofsted
            .map(|path| attain::ofsted::Inspections::read(path.as_ref()))
            .transpose()?;
        let groupings = groups.map(|table| table.groupings()).transpose()?;
        let trends = trends.map(|t| t.0);
        let mut evidence = attain::categorise::Evidence::new(
            &gaps.0,
            trends.as_ref(),
            inspections.as_ref(),
            year.or(rules.year),
        )?;
        if let Some(secure) = &secure {
            evidence = evidence.with_secure_counts(&secure.0)?;
        }
        evidence = evidence.with_names(school_names(&schools)?);
        let categorised =
            attain::categorise::categorise(&rules, &evidence, &[la], groupings.as_ref());
        let profile = inspections
            .as_ref()
            .map(|i| attain::ofsted::profile(i, &[la], groupings.as_ref()));
        let targets = targets
            .map(|path| attain::targets::judge(&attain::targets::read(&path)?, &gaps.0, &path))
            .transpose()?;
        let inputs = attain::report::Inputs {
            gaps: Some(&gaps.0),
            trends: trends.as_ref(),
            categorised: Some(&categorised),
            rules: Some(&rules),
            ofsted: profile.as_deref(),
            targets: targets.as_ref(),
            gap_index: None,
            notes,
        };
        let options = attain::report::ReportOptions {
            la,
            year,
            min_cohort,
            disclosure: attain::disclosure::Disclosure::parse(&disclosure)?,
            sources,
            made: attain::report::date_of(std::time::SystemTime::now()),
        };
        let document = attain::report::build(&inputs, &options)?;
        Ok((document.to_html(), document.to_markdown()))
    })
    .map_err(to_py)
}

#[pyfunction]
#[pyo3(signature = (pupils, phase))]
fn read_pupils(
    py: Python<'_>,
    pupils: &Bound<'_, PyAny>,
    phase: Option<&str>,
) -> PyResult<PyDataFrame> {
    let phase: Option<Phase> = parse(phase)?;
    let pupils = Table::from_py(pupils)?;
    py.detach(move || pupils.pupils(phase)?.to_dataframe())
        .map(PyDataFrame)
        .map_err(to_py)
}

#[pyfunction]
#[pyo3(signature = (phase, scale, la, years, seed))]
fn synth(
    py: Python<'_>,
    phase: &str,
    scale: &str,
    la: u16,
    years: Vec<u16>,
    seed: u64,
) -> PyResult<(PyDataFrame, PyDataFrame)> {
    let phase: Phase = phase.parse().map_err(to_py)?;
    let scale: Scale = scale.parse().map_err(to_py)?;
    let options = SynthOptions {
        scale,
        la_code: la,
        years,
        seed,
    };
    py.detach(move || {
        let data = attain::synth::synthesise(&options, phase)?;
        Ok((
            PyDataFrame(data.pupils.to_dataframe()?),
            PyDataFrame(data.national.to_dataframe()?),
        ))
    })
    .map_err(to_py)
}

#[pyfunction]
fn sample(py: Python<'_>, phase: &str) -> PyResult<PyDataFrame> {
    let phase: Phase = phase.parse().map_err(to_py)?;
    py.detach(move || attain::datasets::sample(phase)?.to_dataframe())
        .map(PyDataFrame)
        .map_err(to_py)
}

#[pyfunction]
fn national_reference() -> PyResult<PyDataFrame> {
    attain::datasets::national_reference()
        .and_then(|f| f.to_dataframe())
        .map(PyDataFrame)
        .map_err(to_py)
}

#[pyfunction]
fn sample_national() -> PyResult<PyDataFrame> {
    attain::datasets::sample_national()
        .and_then(|f| f.to_dataframe())
        .map(PyDataFrame)
        .map_err(to_py)
}

#[pymodule]
fn _attain(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("AttainError", py.get_type::<AttainError>())?;
    m.add("ValidationError", py.get_type::<ValidationError>())?;
    m.add("UsageError", py.get_type::<UsageError>())?;
    m.add("FileError", py.get_type::<FileError>())?;
    m.add("GAP_COLUMNS", attain::schema::names(false))?;
    m.add(
        "PUBLISHED_COLUMNS",
        attain::schema::PUBLISHED_COLUMNS
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>(),
    )?;
    m.add(
        "TREND_COLUMNS",
        attain::schema::TREND_COLUMNS
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>(),
    )?;
    m.add(
        "SUMMARY_COLUMNS",
        attain::summaries_table::COLUMNS
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>(),
    )?;
    m.add("SUMMARIES_VERSION", attain::summaries_table::VERSION)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(gaps, m)?)?;
    m.add_function(wrap_pyfunction!(read_pupils, m)?)?;
    m.add_function(wrap_pyfunction!(ofsted_profile, m)?)?;
    m.add_function(wrap_pyfunction!(categorise, m)?)?;
    m.add_function(wrap_pyfunction!(targets, m)?)?;
    m.add_function(wrap_pyfunction!(report, m)?)?;
    m.add_function(wrap_pyfunction!(summarise, m)?)?;
    m.add_function(wrap_pyfunction!(gap_index, m)?)?;
    m.add_function(wrap_pyfunction!(gaps_from_summaries, m)?)?;
    m.add_function(wrap_pyfunction!(published_gaps, m)?)?;
    m.add_function(wrap_pyfunction!(read_published, m)?)?;
    m.add_function(wrap_pyfunction!(synth, m)?)?;
    m.add_function(wrap_pyfunction!(sample, m)?)?;
    m.add_function(wrap_pyfunction!(national_reference, m)?)?;
    m.add_function(wrap_pyfunction!(sample_national, m)?)?;
    Ok(())
}
