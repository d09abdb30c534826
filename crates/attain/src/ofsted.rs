//! Ofsted inspection outcomes, and an area's "Ofsted profile": the share of
//! its schools, and of their pupils, at each grade.
//!
//! Two frameworks are read and never mixed into one figure, because Ofsted
//! says report cards do not map onto the old grades:
//!
//! * **Old framework** (to August 2024): an overall effectiveness grade, 1
//!   outstanding, 2 good, 3 requires improvement, 4 inadequate. Its profile
//!   is the familiar "good or outstanding" share, plus one row per grade.
//! * **Report cards** (from 10 November 2025): each evaluation area graded
//!   exceptional, strong standard, expected standard, needs attention or
//!   urgent improvement, and safeguarding met or not met. Its profile has
//!   one row per area and grade, and the share of schools whose safeguarding
//!   is met.
//!
//! # Files read
//!
//! Either file is recognised by its header (names trimmed, matched without
//! regard to case, a UTF-8 byte-order mark ignored):
//!
//! * Ofsted's monthly management information ("MI"), "Management information
//!   – state-funded schools – latest inspections as at `<date>`": `URN`,
//!   `LAESTAB` (its first three digits are the LA code), `School name`,
//!   `Ofsted phase`, `Total number of pupils`; old grades from `Latest OEIF
//!   overall effectiveness`, dated by `Inspection start date of latest OEIF
//!   graded inspection` or, when that is empty, `Publication date of latest
//!   OEIF graded inspection` (releases before 2024: `Overall effectiveness`
//!   and `Inspection start date`); report cards from the area columns
//!   (`Inclusion`, `Curriculum and teaching`, `Achievement`, `Attendance and
//!   behaviour`, `Personal development and wellbeing`, `Leadership and
//!   governance`, `Early years (where applicable)`, `Post-16 provision (where
//!   applicable)`), `Safeguarding standards` and `Inspection start date`.
//!   The file is Windows-1252; any file that is not valid UTF-8 is decoded
//!   as Windows-1252, so "St Mary’s" keeps its apostrophe. Older releases
//!   have a title row above the header; up to ten rows above the header are
//!   skipped, still counted in the row numbers of errors, and the "as at"
//!   date is taken from the title, or else from the file name.
//! * GIAS's establishment file (`edubasealldata*.csv`): `URN`, `LA (code)`,
//!   `EstablishmentName`, `PhaseOfEducation (name)`, `TypeOfEstablishment
//!   (name)`, `NumberOfPupils`, `OfstedRating (name)` and `OfstedLastInsp`.
//!   GIAS lists every establishment ever opened, so when its columns are
//!   present, rows whose `EstablishmentStatus (name)` is not "Open…" and
//!   rows outside the state-funded `EstablishmentTypeGroup (name)`s
//!   (Local authority maintained schools, Academies, Free Schools, Special
//!   schools) are left out, as Ofsted's MI leaves them out.
//!
//! # Choices
//!
//! * Phases: primary and middle deemed primary are primary; secondary,
//!   middle deemed secondary and all-through schools are secondary (they
//!   teach to 16 or beyond, and a school is counted in one phase only);
//!   Ofsted's phase "Special", or a GIAS establishment type
//!   containing "special", is special whatever its phase; nursery, pupil
//!   referral units, alternative provision, 16 plus and "not applicable"
//!   are other, counted only in the phase "all".
//! * Pupil shares weight each school by its pupils on roll. A school whose
//!   number of pupils is not given counts in the school shares but adds no
//!   pupils: `pupils_graded` shows how many pupils the share rests on.
//! * A URN on several rows keeps, for each framework, its latest dated
//!   outcome (an undated outcome loses to a dated one); two different
//!   outcomes on the same date are an error. Its name, LA, phase and pupils
//!   come from the row with its latest inspection.
//! * Grades are counted as the file gives them. The MI's flags saying
//!   whether an inspection was of a predecessor school are not read.
//! * GIAS's "Serious Weaknesses" and "Special Measures" are the two
//!   categories of inadequate: grade 4.
//! * "Not judged", 9, NULL, "Not applicable", "No Data", "Insufficient
//!   evidence" and empty cells are no grade; any other text in a grade
//!   column is an error naming the file, row, column and value. Rows whose
//!   cells are all empty are skipped.
//! * A report card exists when any area is graded or safeguarding is
//!   judged, so a safeguarding judgement is never lost; such a school counts
//!   in the safeguarding share but in no area's.
//!
//! No copy of Ofsted's MI file could be obtained offline: the reader is built
//! to the documented columns and tested on files constructed to match them.
//! The GIAS columns are checked against real GIAS extracts.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::fmt;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::geography::{parse_la_code, parse_urn, ENGLAND, LA_CODES};
use crate::groupings::Groupings;
use crate::tables::clean_header;

/// The two inspection frameworks whose outcomes are counted separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Framework {
    Old,
    ReportCard,
}

impl Framework {
    pub fn name(self) -> &'static str {
        match self {
            Framework::Old => "old_framework",
            Framework::ReportCard => "report_card",
        }
    }
}

/// A school's phase, as far as the profile splits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SchoolPhase {
    Primary,
    Secondary,
    Special,
    Other,
}

impl SchoolPhase {
    pub fn name(self) -> &'static str {
        match self {
            SchoolPhase::Primary => "primary",
            SchoolPhase::Secondary => "secondary",
            SchoolPhase::Special => "special",
            SchoolPhase::Other => "other",
        }
    }

    /// From Ofsted's phase or GIAS's `PhaseOfEducation (name)`.
    fn parse(text: &str) -> Option<SchoolPhase> {
        Some(match words(text).as_str() {
            "primary" | "middle deemed primary" => SchoolPhase::Primary,
            "secondary" | "middle deemed secondary" | "all through" => SchoolPhase::Secondary,
            "special" => SchoolPhase::Special,
            "nursery"
            | "pru"
            | "pupil referral unit"
            | "alternative provision"
            | "16 plus"
            | "not applicable" => SchoolPhase::Other,
            _ => return None,
        })
    }
}

/// An old-framework overall effectiveness grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OldGrade {
    /// 1 outstanding, 2 good, 3 requires improvement, 4 inadequate.
    pub grade: u8,
    pub date: Option<Date>,
}

/// A report-card grade for one evaluation area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grade {
    Exceptional,
    StrongStandard,
    ExpectedStandard,
    NeedsAttention,
    UrgentImprovement,
}

impl Grade {
    /// Best first, the order of the profile's rows.
    pub const ALL: [Grade; 5] = [
        Grade::Exceptional,
        Grade::StrongStandard,
        Grade::ExpectedStandard,
        Grade::NeedsAttention,
        Grade::UrgentImprovement,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Grade::Exceptional => "exceptional",
            Grade::StrongStandard => "strong_standard",
            Grade::ExpectedStandard => "expected_standard",
            Grade::NeedsAttention => "needs_attention",
            Grade::UrgentImprovement => "urgent_improvement",
        }
    }

    /// From Ofsted's words ("Strong standard"), in any case, or from
    /// [`Grade::name`].
    pub fn parse(text: &str) -> Option<Grade> {
        let text = words(text);
        Grade::ALL
            .into_iter()
            .find(|grade| grade.name().replace('_', " ") == text)
    }
}

/// A report card: the latest report-card inspection of a school.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportCard {
    pub date: Option<Date>,
    /// `None` when the file gives no safeguarding judgement.
    pub safeguarding_met: Option<bool>,
    /// The areas graded, in the order of [`AREAS`]; areas that do not apply
    /// (early years, post-16) are absent.
    pub areas: Vec<(&'static str, Grade)>,
}

/// Report-card evaluation areas: the canonical name, and the MI columns
/// that may hold it.
pub const AREAS: [(&str, &[&str]); 8] = [
    ("inclusion", &["Inclusion"]),
    ("curriculum_and_teaching", &["Curriculum and teaching"]),
    ("achievement", &["Achievement"]),
    ("attendance_and_behaviour", &["Attendance and behaviour"]),
    (
        "personal_development_and_wellbeing",
        &[
            "Personal development and wellbeing",
            "Personal development and well-being",
        ],
    ),
    ("leadership_and_governance", &["Leadership and governance"]),
    (
        "early_years",
        &["Early years (where applicable)", "Early years"],
    ),
    (
        "post_16",
        &["Post-16 provision (where applicable)", "Post-16 provision"],
    ),
];

/// A calendar date. Orders chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// A date that exists in the calendar.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            1..=12 => 31,
            _ => return None,
        };
        (year > 0 && (1..=days).contains(&day)).then_some(Date { year, month, day })
    }

    /// `dd/mm/yyyy` (Ofsted, GIAS) or `yyyy-mm-dd`, with any time of day
    /// after it ignored, as spreadsheets add "00:00:00" to dates.
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        let (date, time) = text
            .split_once(|c: char| c == ' ' || c == 'T')
            .unwrap_or((text, ""));
        if !time
            .trim()
            .chars()
            .all(|c| c.is_ascii_digit() || c == ':' || c == '.')
        {
            return None;
        }
        let slashes = date.contains('/');
        let parts: Vec<&str> = date.split(if slashes { '/' } else { '-' }).collect();
        let &[a, b, c] = &parts[..] else { return None };
        let (year, day) = if slashes { (c, a) } else { (a, c) };
        if year.len() != 4
            || ![year, b, day]
                .iter()
                .all(|p| p.bytes().all(|d| d.is_ascii_digit()))
        {
            return None;
        }
        Date::new(year.parse().ok()?, b.parse().ok()?, day.parse().ok()?)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A school and its latest outcome under each framework.
#[derive(Debug, Clone, PartialEq)]
pub struct School {
    pub urn: u32,
    pub la_code: Option<u16>,
    pub name: String,
    pub phase: SchoolPhase,
    pub pupils: Option<u64>,
    pub old: Option<OldGrade>,
    pub report_card: Option<ReportCard>,
}

/// The schools of one Ofsted MI or GIAS file.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspections {
    /// The file read, as errors name it.
    pub source: String,
    /// The date the MI is "as at", from its title row or file name.
    pub as_at: Option<Date>,
    /// One per URN, sorted by URN.
    pub schools: Vec<School>,
}

/// Rows above the header an MI file may have (titles, notes).
const MAX_TITLE_ROWS: u64 = 10;
const GIAS_STATE_FUNDED: [&str; 4] = [
    "local authority maintained schools",
    "academies",
    "free schools",
    "special schools",
];
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

impl Inspections {
    pub fn read(path: &Path) -> Result<Inspections> {
        let source = path.display().to_string();
        crate::tables::check_size(path, &source)?;
        let bytes = std::fs::read(path).map_err(|e| Error::io(&source, e))?;
        let file_name = path.file_name().and_then(|n| n.to_str());
        Self::read_from(&bytes, &source, file_name)
    }

    /// Reads an Ofsted MI or GIAS file's bytes; `source` names it in errors
    /// and `file_name` may carry the "as at" date.
    pub fn read_from(bytes: &[u8], source: &str, file_name: Option<&str>) -> Result<Inspections> {
        let text = decode(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut records = reader.records();
        let mut row = 0u64;
        let mut title = String::new();
        let header = loop {
            row += 1;
            let cells = match records.next() {
                Some(record) => clean_header(record.map_err(|e| Error::table(source, e))?.iter()),
                None => Vec::new(),
            };
            if cells.iter().any(|c| c.eq_ignore_ascii_case("URN")) {
                break cells;
            }
            if cells.is_empty() || row > MAX_TITLE_ROWS {
                return Err(Error::invalid(
                    source,
                    None,
                    Some("URN"),
                    None,
                    format!(
                        "a header row with a URN column within the first {} rows: {WHAT_FILE}",
                        MAX_TITLE_ROWS + 1
                    ),
                ));
            }
            title.push_str(&cells.join(" "));
            title.push(' ');
        };
        let columns = Columns::of_header(&header, source, row)?;
        let reading = Reading {
            source,
            header: &header,
            columns: &columns,
        };
        let mut kept: FxHashMap<u32, Kept> = FxHashMap::default();
        for record in records {
            row += 1;
            let record = record.map_err(|e| Error::table(source, e))?;
            if record.iter().all(|cell| cell.trim().is_empty()) {
                continue;
            }
            if record.len() != header.len() {
                return Err(Error::invalid(
                    source,
                    Some(row),
                    None,
                    Some(format!("{} cells", record.len()).as_str()),
                    format!("{} cells, as the header has", header.len()),
                ));
            }
            if let Some(school) = reading.school(&record, row)? {
                let urn_text = record.get(columns.urn).unwrap_or("");
                keep(&mut kept, school, row).map_err(|(framework, earlier)| {
                    Error::invalid(
                        source,
                        Some(row),
                        Some(header[columns.urn].as_str()),
                        Some(urn_text),
                        format!(
                            "one {} outcome per school and inspection date: row {earlier} \
                             gives this URN a different one on the same date",
                            framework.name()
                        ),
                    )
                })?;
            }
        }
        if kept.is_empty() {
            return Err(Error::invalid(
                source,
                None,
                None,
                None,
                "at least one school's row",
            ));
        }
        let mut schools: Vec<School> = kept
            .into_values()
            .map(|k| School {
                old: k.old.map(|(grade, _)| grade),
                report_card: k.report_card.map(|(card, _)| card),
                ..k.school
            })
            .collect();
        schools.sort_unstable_by_key(|s| s.urn);
        let as_at = as_at_in(&title)
            .or_else(|| file_name.and_then(as_at_in))
            .or_else(|| file_name.and_then(gias_date_in));
        Ok(Inspections {
            source: source.to_owned(),
            as_at,
            schools,
        })
    }

    pub fn school(&self, urn: u32) -> Option<&School> {
        self.schools
            .binary_search_by_key(&urn, |s| s.urn)
            .ok()
            .map(|i| &self.schools[i])
    }
}

// What each kind of cell must hold, for errors.
const WHAT_FILE: &str = "an Ofsted management-information file (columns URN and Ofsted phase, \
    Latest OEIF overall effectiveness or Overall effectiveness) or GIAS's establishment file \
    (columns URN and OfstedRating (name))";
const LAESTAB_EXPECTED: &str =
    "a seven-digit LAESTAB, the LA code then the establishment number (e.g. 8832001)";
const PHASE_EXPECTED: &str = "a phase: Primary, Middle deemed primary, Secondary, Middle deemed \
    secondary, All-through, Special, Nursery, PRU, Alternative provision, 16 plus or Not applicable";
const OLD_GRADE_EXPECTED: &str = "an overall effectiveness grade: 1 to 4, Outstanding, Good, \
    Requires improvement, Inadequate, Serious Weaknesses or Special Measures; or empty, \
    Not judged, 9 or NULL for none";
const GRADE_EXPECTED: &str = "a report-card grade: Exceptional, Strong standard, Expected \
    standard, Needs attention or Urgent improvement (or empty, Not applicable, NULL)";

fn is_laestab(text: &str) -> bool {
    text.len() == 7 && text.bytes().all(|b| b.is_ascii_digit())
}

/// UTF-8 when the bytes are; otherwise Windows-1252, Ofsted's encoding,
/// in which every byte is a character.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text.strip_prefix('\u{feff}').unwrap_or(text)),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}

/// Lower case, `_` and `-` as spaces, runs of spaces as one: how Ofsted's
/// and GIAS's words are compared.
fn words(text: &str) -> String {
    text.to_lowercase()
        .replace(&['_', '-'][..], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Cells that hold no value: empty, or saying so.
fn is_blank(text: &str) -> bool {
    matches!(words(text).as_str(), "" | "null" | "n/a" | "not applicable")
}

/// Grade cells that say there is no grade: Ofsted writes "Not judged" or 9
/// (not applicable), GIAS "No Data" or "Insufficient evidence".
fn is_no_grade(text: &str) -> bool {
    is_blank(text)
        || matches!(
            words(text).as_str(),
            "not judged" | "9" | "no data" | "insufficient evidence"
        )
}

/// The date after "as at" in a title or file name ("as at 31 October 2026",
/// "..._as_at_31_Oct_2026.csv").
fn as_at_in(text: &str) -> Option<Date> {
    let text = words(text);
    let after = &text[text.find("as at ")? + "as at ".len()..];
    let mut parts = after.split_whitespace();
    let leading_number = |word: &str| -> Option<u32> {
        let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let day = leading_number(parts.next()?)?;
    let month: String = parts
        .next()?
        .chars()
        .take_while(|c| c.is_alphabetic())
        .collect();
    let month = MONTHS
        .iter()
        .position(|m| month.len() >= 3 && m.starts_with(&month))?
        + 1;
    let year = leading_number(parts.next()?)?;
    Date::new(
        u16::try_from(year).ok()?,
        month as u8,
        u8::try_from(day).ok()?,
    )
}

/// The extract date in GIAS's own file name: `edubasealldata20240603.csv`
/// (the establishment data as at 3 June 2024).
fn gias_date_in(name: &str) -> Option<Date> {
    let lower = name.to_ascii_lowercase();
    let after = &lower[lower.find("edubasealldata")? + "edubasealldata".len()..];
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() != 8 {
        return None;
    }
    Date::new(
        digits[..4].parse().ok()?,
        digits[4..6].parse().ok()?,
        digits[6..].parse().ok()?,
    )
}

/// Which columns of the header hold what.
struct Columns {
    urn: usize,
    name: usize,
    /// MI: `LAESTAB`; GIAS: `LA (code)`.
    la: usize,
    la_is_laestab: bool,
    phase: usize,
    /// GIAS's `TypeOfEstablishment (name)`, to find special schools.
    establishment_type: Option<usize>,
    pupils: usize,
    old_grade: Option<usize>,
    /// In order of preference: the first non-empty one dates the grade.
    old_dates: Vec<usize>,
    report_date: Option<usize>,
    safeguarding: Option<usize>,
    areas: Vec<(&'static str, usize)>,
    /// GIAS's status and type group, to keep open state-funded schools.
    status: Option<usize>,
    type_group: Option<usize>,
}

fn find(header: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|name| header.iter().position(|h| h.eq_ignore_ascii_case(name)))
}

impl Columns {
    fn of_header(header: &[String], source: &str, header_row: u64) -> Result<Columns> {
        let need = |name: &str, what: &str| {
            find(header, &[name]).ok_or_else(|| {
                Error::invalid(
                    source,
                    Some(header_row),
                    Some(name),
                    None,
                    format!("a column named {name} in {what}"),
                )
            })
        };
        let urn = need("URN", "any inspections file")?;
        if find(header, &["OfstedRating (name)"]).is_some() {
            let what = "GIAS's establishment file";
            return Ok(Columns {
                urn,
                name: need("EstablishmentName", what)?,
                la: need("LA (code)", what)?,
                la_is_laestab: false,
                phase: need("PhaseOfEducation (name)", what)?,
                establishment_type: Some(need("TypeOfEstablishment (name)", what)?),
                pupils: need("NumberOfPupils", what)?,
                old_grade: find(header, &["OfstedRating (name)"]),
                old_dates: find(header, &["OfstedLastInsp"]).into_iter().collect(),
                report_date: None,
                safeguarding: None,
                areas: Vec::new(),
                status: find(header, &["EstablishmentStatus (name)"]),
                type_group: find(header, &["EstablishmentTypeGroup (name)"]),
            });
        }
        let mi_markers = [
            "Ofsted phase",
            "Latest OEIF overall effectiveness",
            "Overall effectiveness",
        ];
        if find(header, &mi_markers).is_none() {
            return Err(Error::invalid(
                source,
                Some(header_row),
                None,
                None,
                WHAT_FILE,
            ));
        }
        let what = "Ofsted's management-information file";
        let (old_grade, old_dates): (Option<usize>, Vec<usize>) =
            match find(header, &["Latest OEIF overall effectiveness"]) {
                Some(at) => (
                    Some(at),
                    [
                        "Inspection start date of latest OEIF graded inspection",
                        "Publication date of latest OEIF graded inspection",
                    ]
                    .iter()
                    .filter_map(|&name| find(header, &[name]))
                    .collect(),
                ),
                None => (
                    find(header, &["Overall effectiveness"]),
                    find(header, &["Inspection start date"])
                        .into_iter()
                        .collect(),
                ),
            };
        Ok(Columns {
            urn,
            name: need("School name", what)?,
            la: need("LAESTAB", what)?,
            la_is_laestab: true,
            phase: need("Ofsted phase", what)?,
            establishment_type: None,
            pupils: need("Total number of pupils", what)?,
            old_grade,
            old_dates,
            report_date: find(header, &["Inspection start date"]),
            safeguarding: find(header, &["Safeguarding standards"]),
            areas: AREAS
                .iter()
                .filter_map(|&(area, names)| Some((area, find(header, names)?)))
                .collect(),
            status: None,
            type_group: None,
        })
    }
}

/// One file's rows being read into schools.
struct Reading<'a> {
    source: &'a str,
    header: &'a [String],
    columns: &'a Columns,
}

impl Reading<'_> {
    /// A row's school, or `None` for a GIAS establishment that is closed or
    /// not state-funded.
    fn school(&self, record: &csv::StringRecord, row: u64) -> Result<Option<School>> {
        let c = self.columns;
        let cell = |at: usize| record.get(at).unwrap_or("");
        let is_state_funded = c
            .type_group
            .is_none_or(|at| GIAS_STATE_FUNDED.contains(&words(cell(at)).as_str()));
        if !is_state_funded
            || c.status
                .is_some_and(|at| !words(cell(at)).starts_with("open"))
        {
            return Ok(None);
        }
        let invalid = |at: usize, expected: &str| {
            Error::invalid(
                self.source,
                Some(row),
                Some(self.header[at].as_str()),
                Some(cell(at)),
                expected,
            )
        };
        let urn = parse_urn(cell(c.urn), self.source, row, &self.header[c.urn])?;
        let la_code = match cell(c.la).trim() {
            text if is_blank(text) => None,
            text if c.la_is_laestab => {
                let la = text.get(..3).and_then(|la| la.parse::<u16>().ok());
                match la {
                    Some(la) if is_laestab(text) && LA_CODES.contains(&la) => Some(la),
                    _ => return Err(invalid(c.la, LAESTAB_EXPECTED)),
                }
            }
            text => Some(parse_la_code(text, self.source, row, &self.header[c.la])?),
        };
        let special_type = c
            .establishment_type
            .is_some_and(|at| cell(at).to_lowercase().contains("special"));
        let phase = match SchoolPhase::parse(cell(c.phase)) {
            _ if special_type => SchoolPhase::Special,
            Some(phase) => phase,
            None => return Err(invalid(c.phase, PHASE_EXPECTED)),
        };
        let pupils =
            match cell(c.pupils).trim() {
                text if is_blank(text) => None,
                text => Some(text.parse::<u64>().map_err(|_| {
                    invalid(c.pupils, "a number of pupils, a whole number (or empty)")
                })?),
            };
        let date = |at: usize| -> Result<Option<Date>> {
            match cell(at).trim() {
                text if is_blank(text) => Ok(None),
                text => Date::parse(text)
                    .map(Some)
                    .ok_or_else(|| invalid(at, "a date as dd/mm/yyyy or yyyy-mm-dd (or empty)")),
            }
        };
        let old = match c.old_grade {
            None => None,
            Some(at) => match old_grade(cell(at)) {
                Err(()) => return Err(invalid(at, OLD_GRADE_EXPECTED)),
                Ok(None) => None,
                Ok(Some(grade)) => {
                    let mut when = None;
                    for &at in &c.old_dates {
                        if when.is_none() {
                            when = date(at)?;
                        }
                    }
                    Some(OldGrade { grade, date: when })
                }
            },
        };
        let mut areas = Vec::new();
        for &(area, at) in &c.areas {
            if is_blank(cell(at)) {
                continue;
            }
            let grade = Grade::parse(cell(at)).ok_or_else(|| invalid(at, GRADE_EXPECTED))?;
            areas.push((area, grade));
        }
        let safeguarding_met = match c.safeguarding {
            None => None,
            Some(at) => match words(cell(at)).as_str() {
                "met" => Some(true),
                "not met" => Some(false),
                text if is_blank(text) => None,
                _ => return Err(invalid(at, "Met or Not met (or empty)")),
            },
        };
        // A safeguarding judgement alone still belongs to a report-card
        // inspection: dropping it would lose the school from the
        // safeguarding share.
        let report_card = if areas.is_empty() && safeguarding_met.is_none() {
            None
        } else {
            let when = match c.report_date {
                Some(at) => date(at)?,
                None => None,
            };
            Some(ReportCard {
                date: when,
                safeguarding_met,
                areas,
            })
        };
        Ok(Some(School {
            urn,
            la_code,
            name: cell(c.name).trim().to_owned(),
            phase,
            pupils,
            old,
            report_card,
        }))
    }
}

/// `Ok(None)` for a cell saying there is no grade; `Err` for text that is
/// neither a grade nor "no grade".
fn old_grade(text: &str) -> std::result::Result<Option<u8>, ()> {
    Ok(Some(match words(text).as_str() {
        "1" | "outstanding" => 1,
        "2" | "good" => 2,
        "3" | "requires improvement" => 3,
        "4" | "inadequate" | "serious weaknesses" | "special measures" => 4,
        text if is_no_grade(text) => return Ok(None),
        _ => return Err(()),
    }))
}

/// A school being read, with the row each kept outcome came from (to name
/// it if a later row contradicts it).
struct Kept {
    school: School,
    details_date: Option<Date>,
    old: Option<(OldGrade, u64)>,
    report_card: Option<(ReportCard, u64)>,
}

/// Adds a row's school, keeping each framework's latest outcome; on two
/// different outcomes of the same date, the framework and the earlier row.
fn keep(
    kept: &mut FxHashMap<u32, Kept>,
    mut school: School,
    row: u64,
) -> std::result::Result<(), (Framework, u64)> {
    let old = school.old.take();
    let report_card = school.report_card.take();
    let latest = old
        .and_then(|o| o.date)
        .max(report_card.as_ref().and_then(|r| r.date));
    match kept.entry(school.urn) {
        Entry::Vacant(slot) => {
            slot.insert(Kept {
                school,
                details_date: latest,
                old: old.map(|o| (o, row)),
                report_card: report_card.map(|r| (r, row)),
            });
        }
        Entry::Occupied(slot) => {
            let k = slot.into_mut();
            keep_later(&mut k.old, old, row, |o| o.date).map_err(|r| (Framework::Old, r))?;
            keep_later(&mut k.report_card, report_card, row, |r| r.date)
                .map_err(|r| (Framework::ReportCard, r))?;
            if latest > k.details_date {
                k.school = school;
                k.details_date = latest;
            }
        }
    }
    Ok(())
}

fn keep_later<T: PartialEq>(
    kept: &mut Option<(T, u64)>,
    new: Option<T>,
    row: u64,
    date: impl Fn(&T) -> Option<Date>,
) -> std::result::Result<(), u64> {
    let Some(new) = new else { return Ok(()) };
    let replace = match kept.as_ref() {
        None => true,
        Some((old, old_row)) => {
            if date(&new) == date(old) && new != *old {
                return Err(*old_row);
            }
            date(&new) > date(old)
        }
    };
    if replace {
        *kept = Some((new, row));
    }
    Ok(())
}

/// One figure of an Ofsted profile: how many schools (and their pupils) in
/// a unit and phase have one grade, among those graded under one framework
/// in one area.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileRow {
    /// "national", "la" or "alliance".
    pub level: &'static str,
    /// England's ONS code, an LA code, or a grouping id.
    pub unit: String,
    /// "England", or the grouping's name; `None` for LAs.
    pub name: Option<String>,
    /// "primary", "secondary", "special" or "all" (every school, including
    /// nursery, PRU and 16 plus).
    pub phase: &'static str,
    pub framework: Framework,
    /// "overall" for the old framework; an area or "safeguarding" for
    /// report cards.
    pub area: &'static str,
    /// Old framework: "good_or_outstanding", "outstanding", "good",
    /// "requires_improvement", "inadequate". Report cards: a grade name, or
    /// "met" for safeguarding.
    pub grade: &'static str,
    /// Schools with this grade.
    pub schools: u64,
    /// Schools graded under this framework, in this area.
    pub schools_graded: u64,
    /// `schools` as a percentage (0 to 100) of `schools_graded`.
    pub pct_schools: Option<f64>,
    /// Pupils on roll at schools with this grade (unknown rolls count 0).
    pub pupils: u64,
    pub pupils_graded: u64,
    pub pct_pupils: Option<f64>,
    /// Schools of the unit and phase with no outcome under this framework.
    pub schools_without_grade: u64,
    /// The date the inspections are "as at", `yyyy-mm-dd`.
    pub as_at: Option<String>,
}

const PHASES: [(&str, Option<SchoolPhase>); 4] = [
    ("primary", Some(SchoolPhase::Primary)),
    ("secondary", Some(SchoolPhase::Secondary)),
    ("special", Some(SchoolPhase::Special)),
    ("all", None),
];
const OLD_GRADES: [(&str, &[u8]); 5] = [
    ("good_or_outstanding", &[1, 2]),
    ("outstanding", &[1]),
    ("good", &[2]),
    ("requires_improvement", &[3]),
    ("inadequate", &[4]),
];

/// The Ofsted profile of England, of each LA in `las` (every LA in the file
/// when empty) and of each grouping with a school in the file; each in
/// the phases primary, secondary, special and all. Rows come in the order
/// level, unit (LAs by code, groupings as in the groupings file), phase,
/// framework, area, grade. Shares of pupils weight each school by its
/// pupils on roll; a school whose roll is unknown counts 0 pupils.
pub fn profile(
    inspections: &Inspections,
    las: &[u16],
    groupings: Option<&Groupings>,
) -> Vec<ProfileRow> {
    let schools = &inspections.schools;
    let mut units: Vec<(&'static str, String, Option<String>, Vec<&School>)> = vec![(
        "national",
        ENGLAND.to_owned(),
        Some("England".to_owned()),
        schools.iter().collect(),
    )];
    let mut la_codes: Vec<u16> = if las.is_empty() {
        schools.iter().filter_map(|s| s.la_code).collect()
    } else {
        las.to_vec()
    };
    la_codes.sort_unstable();
    la_codes.dedup();
    for la in la_codes {
        let members = schools.iter().filter(|s| s.la_code == Some(la)).collect();
        units.push(("la", la.to_string(), None, members));
    }
    if let Some(groupings) = groupings {
        let mut members: Vec<Vec<&School>> = vec![Vec::new(); groupings.groups.len()];
        for school in schools {
            for &group in groupings.of_school(school.urn) {
                members[group as usize].push(school);
            }
        }
        for ((id, name), members) in groupings.groups.iter().zip(members) {
            if !members.is_empty() {
                units.push(("alliance", id.clone(), Some(name.clone()), members));
            }
        }
    }
    let as_at = inspections.as_at.map(|d| d.to_string());
    let mut rows = Vec::new();
    for (level, unit, name, members) in &units {
        for (phase, only) in PHASES {
            let members: Vec<&School> = members
                .iter()
                .copied()
                .filter(|s| only.is_none_or(|p| s.phase == p))
                .collect();
            let key = Key {
                level: *level,
                unit,
                name,
                phase,
                as_at: &as_at,
            };
            let without = |graded: fn(&School) -> bool| {
                members.iter().filter(|&&s| !graded(s)).count() as u64
            };
            let no_old = without(|s| s.old.is_some());
            for (grade, grades) in OLD_GRADES {
                let t = tally(
                    &members,
                    |s| s.old.is_some(),
                    |s| s.old.is_some_and(|o| grades.contains(&o.grade)),
                );
                rows.push(key.row(Framework::Old, "overall", grade, t, no_old));
            }
            let no_card = without(|s| s.report_card.is_some());
            for (area, _) in AREAS {
                for grade in Grade::ALL {
                    let t = tally(
                        &members,
                        |s| area_grade(s, area).is_some(),
                        |s| area_grade(s, area) == Some(grade),
                    );
                    rows.push(key.row(Framework::ReportCard, area, grade.name(), t, no_card));
                }
            }
            let safeguarding = |s: &School| s.report_card.as_ref().and_then(|r| r.safeguarding_met);
            let t = tally(
                &members,
                |s| safeguarding(s).is_some(),
                |s| safeguarding(s) == Some(true),
            );
            rows.push(key.row(Framework::ReportCard, "safeguarding", "met", t, no_card));
        }
    }
    rows
}

fn area_grade(school: &School, area: &str) -> Option<Grade> {
    let card = school.report_card.as_ref()?;
    card.areas
        .iter()
        .find(|(a, _)| *a == area)
        .map(|&(_, grade)| grade)
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    schools: u64,
    schools_graded: u64,
    pupils: u64,
    pupils_graded: u64,
}

fn tally(
    schools: &[&School],
    graded: impl Fn(&School) -> bool,
    hit: impl Fn(&School) -> bool,
) -> Tally {
    let mut t = Tally::default();
    for &school in schools.iter().filter(|&&s| graded(s)) {
        let pupils = school.pupils.unwrap_or(0);
        t.schools_graded += 1;
        t.pupils_graded += pupils;
        if hit(school) {
            t.schools += 1;
            t.pupils += pupils;
        }
    }
    t
}

/// What every row of one unit and phase shares.
struct Key<'a> {
    level: &'static str,
    unit: &'a str,
    name: &'a Option<String>,
    phase: &'static str,
    as_at: &'a Option<String>,
}

impl Key<'_> {
    fn row(
        &self,
        framework: Framework,
        area: &'static str,
        grade: &'static str,
        t: Tally,
        without: u64,
    ) -> ProfileRow {
        let pct = |part: u64, whole: u64| (whole > 0).then(|| 100.0 * part as f64 / whole as f64);
        ProfileRow {
            level: self.level,
            unit: self.unit.to_owned(),
            name: self.name.clone(),
            phase: self.phase,
            framework,
            area,
            grade,
            schools: t.schools,
            schools_graded: t.schools_graded,
            pct_schools: pct(t.schools, t.schools_graded),
            pupils: t.pupils,
            pupils_graded: t.pupils_graded,
            pct_pupils: pct(t.pupils, t.pupils_graded),
            schools_without_grade: without,
            as_at: self.as_at.clone(),
        }
    }
}

/// The Ofsted profile's columns, in order.
pub const PROFILE_COLUMNS: [&str; 15] = [
    "level",
    "unit",
    "name",
    "phase",
    "framework",
    "area",
    "grade",
    "schools",
    "schools_graded",
    "pct_schools",
    "pupils",
    "pupils_graded",
    "pct_pupils",
    "schools_without_grade",
    "as_at",
];

/// An Ofsted profile as a table ([`PROFILE_COLUMNS`]).
pub fn profile_frame(rows: &[ProfileRow]) -> Result<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let text = |f: fn(&ProfileRow) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    let count = |f: fn(&ProfileRow) -> u64| rows.iter().map(|r| f(r) as i64).collect::<Vec<_>>();
    let share = |f: fn(&ProfileRow) -> Option<f64>| rows.iter().map(f).collect::<Vec<_>>();
    let columns = vec![
        Column::new("level".into(), text(|r| r.level)),
        Column::new("unit".into(), text(|r| &r.unit)),
        Column::new(
            "name".into(),
            rows.iter().map(|r| r.name.as_deref()).collect::<Vec<_>>(),
        ),
        Column::new("phase".into(), text(|r| r.phase)),
        Column::new("framework".into(), text(|r| r.framework.name())),
        Column::new("area".into(), text(|r| r.area)),
        Column::new("grade".into(), text(|r| r.grade)),
        Column::new("schools".into(), count(|r| r.schools)),
        Column::new("schools_graded".into(), count(|r| r.schools_graded)),
        Column::new("pct_schools".into(), share(|r| r.pct_schools)),
        Column::new("pupils".into(), count(|r| r.pupils)),
        Column::new("pupils_graded".into(), count(|r| r.pupils_graded)),
        Column::new("pct_pupils".into(), share(|r| r.pct_pupils)),
        Column::new(
            "schools_without_grade".into(),
            count(|r| r.schools_without_grade),
        ),
        Column::new(
            "as_at".into(),
            rows.iter().map(|r| r.as_at.as_deref()).collect::<Vec<_>>(),
        ),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| Error::table("Ofsted profile", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Invalid;

    const MI_HEADER: &str = "URN,LAESTAB,School name,Ofsted phase,Total number of pupils,\
        Inspection start date,Safeguarding standards,Inclusion,Curriculum and teaching,\
        Achievement,Attendance and behaviour,Personal development and wellbeing,\
        Early years (where applicable),Post-16 provision (where applicable),\
        Leadership and governance,Latest OEIF overall effectiveness,\
        Inspection start date of latest OEIF graded inspection,\
        Publication date of latest OEIF graded inspection";
    /// A report card (six areas graded, early years and post-16 not
    /// applicable) and an old grade dated only by its publication.
    const ALPHA: &str = "200001,8832002,Alpha Primary,Primary,300,01/12/2025,Met,\
        Strong standard,Expected standard,expected STANDARD,Exceptional,Strong standard,\
        Not applicable,NULL,Needs attention,1,,20/06/2019";
    const GIAS_HEADER: &str = "URN,LA (code),EstablishmentName,TypeOfEstablishment (name),\
        EstablishmentStatus (name),EstablishmentTypeGroup (name),PhaseOfEducation (name),\
        NumberOfPupils,OfstedRating (name),OfstedLastInsp";

    fn csv_text(header: &str, rows: &[&str]) -> String {
        let width = header.split(',').count();
        for row in rows {
            assert_eq!(row.split(',').count(), width, "test row {row}");
        }
        [header]
            .iter()
            .chain(rows)
            .map(|row| format!("{row}\n"))
            .collect()
    }

    /// An MI row: ALPHA with one cell changed.
    fn alpha_with(column: usize, value: &str) -> String {
        let mut cells: Vec<&str> = ALPHA.split(',').collect();
        cells[column] = value;
        cells.join(",")
    }

    fn invalid_of(text: &str) -> Invalid {
        match Inspections::read_from(text.as_bytes(), "mi.csv", None) {
            Err(Error::Invalid(e)) => *e,
            other => panic!("expected a data error, got {other:?}"),
        }
    }

    #[test]
    fn windows_1252_mi_with_a_title_row() {
        let mut bytes = b"Management information - state-funded schools - latest inspections \
            as at 31 October 2026\n urn , Laestab,School Name,OFSTED PHASE,Total number of pupils,\
            Overall effectiveness,Inspection start date\n100001,8832001,St Mary"
            .to_vec();
        bytes.push(0x92);
        bytes.extend_from_slice(b"s CofE Primary,Primary,210,2,14/03/2019\n100002,8454000,Caf");
        bytes.push(0xE9);
        bytes.extend_from_slice(b" Academy,Secondary,,9,NULL\n");
        let inspections = Inspections::read_from(&bytes, "mi.csv", None).unwrap();
        assert_eq!(inspections.as_at, Date::new(2026, 10, 31));
        assert_eq!(inspections.schools.len(), 2);
        let mary = inspections.school(100001).unwrap();
        assert_eq!(mary.name, "St Mary\u{2019}s CofE Primary");
        let expected = (Some(883), SchoolPhase::Primary, Some(210));
        assert_eq!((mary.la_code, mary.phase, mary.pupils), expected);
        let good = OldGrade {
            grade: 2,
            date: Date::new(2019, 3, 14),
        };
        assert_eq!((mary.old, &mary.report_card), (Some(good), &None));
        let cafe = inspections.school(100002).unwrap();
        assert_eq!(cafe.name, "Café Academy");
        assert_eq!(
            (cafe.la_code, cafe.pupils, cafe.old),
            (Some(845), None, None)
        );
        assert!(inspections.school(100003).is_none());
    }

    #[test]
    fn utf8_mi_with_both_frameworks() {
        let text = csv_text(
            MI_HEADER,
            &[
                ALPHA,
                "200002,8832003,Beta Secondary,Secondary,900,10/05/2022,,,,,,,,,,3,10/05/2022,17/06/2022",
                "200003,8832004,Gamma Special,Special,80,,,,,,,,,,,Not judged,,",
                // Safeguarding judged with no area graded: still a report card.
                "200004,,Delta Nursery,Nursery,,02/02/2026,Not met,,,,,,,,,NULL,,",
            ],
        );
        let bytes = format!("\u{feff}{text}");
        let name = "Management_information_-_state-funded_schools_-_latest_inspections\
            _as_at_31_Jan_2026.csv";
        let inspections = Inspections::read_from(bytes.as_bytes(), "mi.csv", Some(name)).unwrap();
        assert_eq!(inspections.as_at, Date::new(2026, 1, 31));
        let alpha = inspections.school(200001).unwrap();
        let outstanding = OldGrade {
            grade: 1,
            date: Date::new(2019, 6, 20),
        };
        assert_eq!(alpha.old, Some(outstanding));
        let card = alpha.report_card.as_ref().unwrap();
        assert_eq!(card.date, Date::new(2025, 12, 1));
        assert_eq!(card.safeguarding_met, Some(true));
        let areas = [
            ("inclusion", Grade::StrongStandard),
            ("curriculum_and_teaching", Grade::ExpectedStandard),
            ("achievement", Grade::ExpectedStandard),
            ("attendance_and_behaviour", Grade::Exceptional),
            ("personal_development_and_wellbeing", Grade::StrongStandard),
            ("leadership_and_governance", Grade::NeedsAttention),
        ];
        assert_eq!(card.areas, areas);
        let beta = inspections.school(200002).unwrap();
        let requires_improvement = OldGrade {
            grade: 3,
            date: Date::new(2022, 5, 10),
        };
        assert_eq!(
            (beta.old, &beta.report_card),
            (Some(requires_improvement), &None)
        );
        let gamma = inspections.school(200003).unwrap();
        assert_eq!(
            (gamma.phase, gamma.old, &gamma.report_card),
            (SchoolPhase::Special, None, &None)
        );
        let delta = inspections.school(200004).unwrap();
        let expected = (None, SchoolPhase::Other, None);
        assert_eq!((delta.la_code, delta.phase, delta.pupils), expected);
        let card = delta.report_card.as_ref().unwrap();
        assert_eq!((card.safeguarding_met, card.areas.len()), (Some(false), 0));

        let rows = profile(&inspections, &[883], None);
        let get = |unit: &str, area: &str, grade: &str| {
            rows.iter()
                .find(|r| {
                    (r.unit.as_str(), r.phase, r.framework, r.area, r.grade)
                        == (unit, "all", Framework::ReportCard, area, grade)
                })
                .unwrap()
        };
        let strong = get(ENGLAND, "inclusion", "strong_standard");
        let counts = (strong.schools, strong.schools_graded, strong.pupils);
        assert_eq!((counts, strong.schools_without_grade), ((1, 1, 300), 2));
        assert_eq!(strong.as_at.as_deref(), Some("2026-01-31"));
        let met = get(ENGLAND, "safeguarding", "met");
        assert_eq!(
            (met.schools, met.schools_graded, met.pct_schools),
            (1, 2, Some(50.0))
        );
        // Delta's roll is unknown: it counts as a school but adds no pupils.
        assert_eq!(
            (met.pupils, met.pupils_graded, met.pct_pupils),
            (300, 300, Some(100.0))
        );
        let met = get("883", "safeguarding", "met");
        assert_eq!((met.schools_graded, met.pct_schools), (1, Some(100.0)));
    }

    #[test]
    fn gias_keeps_open_state_funded_schools() {
        let rows = [
            "130908,806,Macmillan Academy,Academy sponsor led,Open,Academies,Secondary,1500,Good,16/11/2022",
            "100005,202,Frank Wise School,Community special school,Open,Special schools,Not applicable,100,Special Measures,2019-01-16 00:00:00",
            "100000,201,Aclet Close Nursery School,Local authority nursery school,Open,Local authority maintained schools,Nursery,,,",
            "100001,201,A Closed School,Community school,Closed,Local authority maintained schools,Primary,,Good,01/01/2010",
            "100002,000,An Independent School,Other independent school,Open,Independent schools,Not applicable,50,Good,01/01/2020",
            "140000,380,Dixons Middle,Academy converter,\"Open, but proposed to close\",Academies,Middle deemed primary,200,Serious Weaknesses,02/10/2019",
            "140001,380,Dixons All-through,Academy converter,Open,Academies,All-through,1200,Inadequate,11/10/2023",
            "140002,380,New Free School,Free schools,Open,Free Schools,Primary,30,Insufficient evidence,",
        ];
        let mut text = csv_text(GIAS_HEADER, &rows[..5]);
        text.push_str(&rows[5..].join("\n"));
        let inspections =
            Inspections::read_from(text.as_bytes(), "edubasealldata.csv", None).unwrap();
        let urns: Vec<u32> = inspections.schools.iter().map(|s| s.urn).collect();
        assert_eq!(urns, [100000, 100005, 130908, 140000, 140001, 140002]);
        assert_eq!(inspections.as_at, None);
        // GIAS's own file name carries the extract date.
        let dated =
            Inspections::read_from(text.as_bytes(), "x", Some("edubasealldata20240603.csv"))
                .unwrap();
        assert_eq!(dated.as_at, Date::new(2024, 6, 3));
        assert_eq!(gias_date_in("edubasealldata2024.csv"), None);
        let macmillan = inspections.school(130908).unwrap();
        let expected = (Some(806), SchoolPhase::Secondary, Some(1500));
        assert_eq!(
            (macmillan.la_code, macmillan.phase, macmillan.pupils),
            expected
        );
        let good = OldGrade {
            grade: 2,
            date: Date::new(2022, 11, 16),
        };
        assert_eq!(macmillan.old, Some(good));
        let frank_wise = inspections.school(100005).unwrap();
        let inadequate = OldGrade {
            grade: 4,
            date: Date::new(2019, 1, 16),
        };
        assert_eq!(
            (frank_wise.phase, frank_wise.old),
            (SchoolPhase::Special, Some(inadequate))
        );
        let nursery = inspections.school(100000).unwrap();
        assert_eq!(
            (nursery.phase, nursery.pupils, nursery.old),
            (SchoolPhase::Other, None, None)
        );
        let middle = inspections.school(140000).unwrap();
        assert_eq!(
            (middle.phase, middle.old.map(|o| o.grade)),
            (SchoolPhase::Primary, Some(4))
        );
        assert_eq!(
            inspections.school(140001).unwrap().phase,
            SchoolPhase::Secondary
        );
        assert_eq!(inspections.school(140002).unwrap().old, None);

        let bad = rows[0].replace("Good", "Excellent");
        let e = invalid_of(&csv_text(GIAS_HEADER, &[bad.as_str()]));
        let found = (e.row, e.column.as_deref(), e.value.as_deref());
        assert_eq!(
            found,
            (Some(2), Some("OfstedRating (name)"), Some("Excellent"))
        );
    }

    #[test]
    fn a_urn_on_several_rows_keeps_its_latest_outcomes() {
        let rows = [
            "300001,8832001,Old name,Primary,100,,,,,,,,,,,3,01/02/2018,",
            "300001,8832001,New name,Primary,120,02/12/2025,Met,Expected standard,,,,,,,,2,05/05/2022,",
            // An undated old grade, and an earlier report card: both lose.
            "300001,8832001,Other name,Primary,90,01/11/2025,,Exceptional,,,,,,,,1,,",
        ];
        let text = csv_text(MI_HEADER, &rows);
        let inspections = Inspections::read_from(text.as_bytes(), "mi.csv", None).unwrap();
        assert_eq!(inspections.schools.len(), 1);
        let school = &inspections.schools[0];
        assert_eq!(
            (school.name.as_str(), school.pupils),
            ("New name", Some(120))
        );
        let good = OldGrade {
            grade: 2,
            date: Date::new(2022, 5, 5),
        };
        assert_eq!(school.old, Some(good));
        let card = school.report_card.as_ref().unwrap();
        assert_eq!(card.date, Date::new(2025, 12, 2));
        assert_eq!(card.areas, [("inclusion", Grade::ExpectedStandard)]);

        // Two different grades on one date cannot both be the latest.
        let conflicting = rows[0].replace(",3,", ",2,");
        let e = invalid_of(&csv_text(MI_HEADER, &[rows[0], conflicting.as_str()]));
        let found = (e.row, e.column.as_deref(), e.value.as_deref());
        assert_eq!(found, (Some(3), Some("URN"), Some("300001")));
        assert!(e.expected.contains("row 2"), "{}", e.expected);
    }

    #[test]
    fn bad_cells_are_named_counting_the_title_row() {
        let columns: Vec<&str> = MI_HEADER.split(',').collect();
        for (column, value) in [
            (7, "Excellent"),
            (15, "5"),
            (17, "31/02/2024"),
            (1, "88320"),
            (6, "Yes"),
            (3, "Infant"),
            (4, "3OO"),
            (0, "abc"),
            (5, "2025-13-01"),
        ] {
            let row = alpha_with(column, value);
            let text = format!(
                "Latest inspections as at 1 Sep 2025,,\n{}",
                csv_text(MI_HEADER, &[row.as_str()])
            );
            let e = invalid_of(&text);
            let found = (
                e.file.as_str(),
                e.row,
                e.column.as_deref(),
                e.value.as_deref(),
            );
            assert_eq!(
                found,
                ("mi.csv", Some(3), Some(columns[column]), Some(value))
            );
        }
        let e = invalid_of(&format!(
            "{}200009,8832009\n",
            csv_text(MI_HEADER, &[ALPHA])
        ));
        assert_eq!((e.row, e.column), (Some(3), None));
        let e = invalid_of("name,URN\nx,1\n");
        assert!(e.expected.contains("OfstedRating (name)"), "{}", e.expected);
        let e = invalid_of("a,b\n1,2\n");
        assert_eq!(e.column.as_deref(), Some("URN"));
        let e = invalid_of(&csv_text(MI_HEADER, &[]));
        assert_eq!(e.row, None);
    }

    fn school(
        urn: u32,
        la: u16,
        phase: SchoolPhase,
        pupils: Option<u64>,
        grade: Option<u8>,
    ) -> School {
        School {
            urn,
            la_code: Some(la),
            name: format!("School {urn}"),
            phase,
            pupils,
            old: grade.map(|grade| OldGrade {
                grade,
                date: Date::new(2019, 5, 1),
            }),
            report_card: None,
        }
    }

    fn card(inclusion: Grade, met: bool) -> Option<ReportCard> {
        let areas = vec![("inclusion", inclusion)];
        Some(ReportCard {
            date: Date::new(2026, 1, 10),
            safeguarding_met: Some(met),
            areas,
        })
    }

    fn close(pct: Option<f64>, expected: f64) -> bool {
        pct.is_some_and(|pct| (pct - expected).abs() < 1e-9)
    }

    #[test]
    fn profile_percentages_by_hand() {
        use SchoolPhase::*;
        let mut schools = vec![
            school(1, 883, Primary, Some(100), Some(2)),
            school(2, 883, Primary, Some(50), Some(1)),
            school(3, 883, Secondary, Some(50), Some(4)),
            school(4, 883, Primary, Some(500), None),
            school(5, 845, Special, None, Some(2)),
        ];
        schools[0].report_card = card(Grade::Exceptional, true);
        schools[2].report_card = card(Grade::NeedsAttention, false);
        let as_at = Date::new(2026, 1, 31);
        let inspections = Inspections {
            source: "mi.csv".into(),
            as_at,
            schools,
        };
        let mut groupings = Groupings::default();
        groupings.add(1, "A1", "North alliance");
        groupings.add(5, "A1", "North alliance");
        groupings.add(77777, "EMPTY", "No school in the file");
        let rows = profile(&inspections, &[999, 883], Some(&groupings));
        let get = |unit: &str, phase: &str, framework: Framework, area: &str, grade: &str| {
            rows.iter()
                .find(|r| {
                    (r.unit.as_str(), r.phase, r.framework, r.area, r.grade)
                        == (unit, phase, framework, area, grade)
                })
                .unwrap_or_else(|| panic!("no row {unit} {phase} {area} {grade}"))
        };
        let old = |unit, phase, grade| get(unit, phase, Framework::Old, "overall", grade);

        // Good 100 pupils, outstanding 50, inadequate 50; school 4 ungraded.
        let good = old("883", "all", "good_or_outstanding");
        let counts = (
            good.schools,
            good.schools_graded,
            good.pupils,
            good.pupils_graded,
        );
        assert_eq!(counts, (2, 3, 150, 200));
        assert!(
            close(good.pct_schools, 200.0 / 3.0) && close(good.pct_pupils, 75.0),
            "{good:?}"
        );
        assert_eq!(
            (good.schools_without_grade, good.level, &good.name),
            (1, "la", &None)
        );
        let inadequate = old("883", "all", "inadequate");
        assert!(close(inadequate.pct_schools, 100.0 / 3.0) && close(inadequate.pct_pupils, 25.0));
        let primary = old("883", "primary", "good_or_outstanding");
        let counts = (
            primary.schools,
            primary.schools_graded,
            primary.schools_without_grade,
        );
        assert_eq!((counts, primary.pct_schools), ((2, 2, 1), Some(100.0)));
        assert_eq!(old("883", "primary", "outstanding").pupils, 50);

        let exceptional = get(
            "883",
            "all",
            Framework::ReportCard,
            "inclusion",
            "exceptional",
        );
        let counts = (
            exceptional.schools,
            exceptional.schools_graded,
            exceptional.schools_without_grade,
        );
        assert_eq!(counts, (1, 2, 2));
        assert!(close(exceptional.pct_schools, 50.0) && close(exceptional.pct_pupils, 200.0 / 3.0));
        let met = get("883", "all", Framework::ReportCard, "safeguarding", "met");
        assert!(close(met.pct_schools, 50.0));
        let none = get(
            "883",
            "all",
            Framework::ReportCard,
            "achievement",
            "exceptional",
        );
        assert_eq!(
            (none.schools_graded, none.pct_schools, none.pct_pupils),
            (0, None, None)
        );

        // School 5's roll is unknown: counted as a school, with no pupils.
        let national = old(ENGLAND, "all", "good_or_outstanding");
        let counts = (
            national.schools,
            national.schools_graded,
            national.pupils,
            national.pupils_graded,
        );
        assert_eq!(counts, (3, 4, 150, 200));
        let labels = (national.name.as_deref(), national.as_at.as_deref());
        assert_eq!(labels, (Some("England"), Some("2026-01-31")));
        let special = old(ENGLAND, "special", "good_or_outstanding");
        let shares = (
            special.pct_schools,
            special.pupils_graded,
            special.pct_pupils,
        );
        assert_eq!(shares, (Some(100.0), 0, None));

        let empty_la = old("999", "all", "good_or_outstanding");
        let counts = (
            empty_la.schools_graded,
            empty_la.schools_without_grade,
            empty_la.pct_schools,
        );
        assert_eq!(counts, (0, 0, None));
        assert!(rows.iter().all(|r| r.unit != "845" && r.unit != "EMPTY"));
        let alliance = old("A1", "all", "good_or_outstanding");
        let found = (
            alliance.level,
            alliance.name.as_deref(),
            alliance.schools,
            alliance.schools_graded,
        );
        assert_eq!(found, ("alliance", Some("North alliance"), 2, 2));

        // Units national, 883, 999, A1; four phases; 5 old + 8 × 5 + 1 report-card rows.
        assert_eq!(rows.len(), 4 * 4 * 46);
        let units: Vec<&str> = rows
            .iter()
            .step_by(46 * 4)
            .map(|r| r.unit.as_str())
            .collect();
        assert_eq!(units, [ENGLAND, "883", "999", "A1"]);
        let order = |r: &ProfileRow| (r.phase, r.framework, r.area, r.grade);
        assert_eq!(
            order(&rows[0]),
            ("primary", Framework::Old, "overall", "good_or_outstanding")
        );
        assert_eq!(
            order(&rows[5]),
            ("primary", Framework::ReportCard, "inclusion", "exceptional")
        );
        assert_eq!(
            order(&rows[45]),
            ("primary", Framework::ReportCard, "safeguarding", "met")
        );
        assert_eq!(order(&rows[46]).0, "secondary");

        let mut every_la: Vec<String> = profile(&inspections, &[], None)
            .into_iter()
            .map(|r| r.unit)
            .collect();
        every_la.dedup();
        assert_eq!(every_la, [ENGLAND, "845", "883"]);
    }

    #[test]
    fn dates_grades_and_as_at() {
        assert_eq!(Date::parse("29/02/2024"), Date::new(2024, 2, 29));
        assert_eq!(Date::parse("29/02/2023"), None);
        assert_eq!(Date::parse("1/2/2020"), Date::new(2020, 2, 1));
        assert_eq!(Date::parse(" 2019-01-16 00:00:00 "), Date::new(2019, 1, 16));
        assert_eq!(Date::parse("2019-01-16T10:30"), Date::new(2019, 1, 16));
        for bad in [
            "16-01-2019",
            "2020/01/02",
            "01/02/2020 noon",
            "",
            "Not judged",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert!(Date::new(2019, 12, 31) < Date::new(2020, 1, 1));
        assert!(Date::new(2020, 1, 2) > Date::new(2020, 1, 1));
        assert_eq!(Date::new(2020, 2, 1).unwrap().to_string(), "2020-02-01");
        let file = "..._latest_inspections_as_at_31_Oct_2026.csv";
        assert_eq!(as_at_in(file), Date::new(2026, 10, 31));
        assert_eq!(as_at_in("as at 1 Sept 2025"), Date::new(2025, 9, 1));
        assert_eq!(as_at_in("latest inspections"), None);
        assert_eq!(
            Grade::parse("  strong   STANDARD "),
            Some(Grade::StrongStandard)
        );
        assert_eq!(
            Grade::parse("urgent_improvement"),
            Some(Grade::UrgentImprovement)
        );
        assert_eq!(Grade::parse("Good"), None);
        assert_eq!(Framework::ReportCard.name(), "report_card");
        let phase = SchoolPhase::parse("Middle deemed secondary");
        assert_eq!(phase, Some(SchoolPhase::Secondary));
    }
}
