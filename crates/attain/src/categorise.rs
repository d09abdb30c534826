//! School categorisation: a council's own rules, written in a TOML file,
//! evaluated for every school of an LA and every alliance or trust, with
//! every rule that fired reported in plain words with its figures.
//!
//! Councils categorise schools (RAG ratings, support levels) in
//! spreadsheets whose rules nobody outside the data team can read. Here the
//! rules are a file the council writes and publishes; Attain reads it,
//! refuses anything it does not understand (naming the line), and applies
//! it to the gap table, the trends table and Ofsted's outcomes.
//!
//! # The rules file
//!
//! ```toml
//! # The categories, from least to most concern.
//! categories = ["green", "yellow", "amber", "red"]
//! # The category of a school no rule fires for.
//! default = "green"
//! # How fired rules make the category: "most_severe" (the most concerning
//! # category any rule gives) or "first_match" (the first rule, in file
//! # order, that fires).
//! policy = "most_severe"
//! # The year judged (optional; default: the latest year in the data).
//! # year = 2024
//!
//! [[rule]]
//! name = "KS2 below England"                  # shown in every reason
//! category = "amber"                          # one of `categories`
//! when = "significance"                       # the kind of test (below)
//! measure = "ks2.rwm_exp"
//! group = "all"
//! against = "national_all"
//! is = "below"
//! ```
//!
//! | `when` | fields | fires when |
//! |---|---|---|
//! | `figure` | `measure`, `group`, `field` (`value`, `gap`, `gap_to_national`, `gap_vs_national_gap`), `below` and/or `above` | the figure is below `below` (or above `above`) |
//! | `significance` | `measure`, `group`, `against` (`national_all`, `national_same`, `national_other`), `is` (`above`, `in_line`, `below`) | the 95% interval against that national figure says `is` |
//! | `significant_drop` | `measure`, `group` | the value fell significantly since the previous year |
//! | `falling` | `measure`, `group` | the value fell two years running (three years' direction `falling`) |
//! | `progress_band` | `measure` (a progress measure), `group`, `bands` (e.g. `["below", "well_below"]`) | the progress band is one of them |
//! | `cohort` | `measure`, `group`, `fewer_than` | fewer pupils than that: "too few pupils to judge" |
//! | `ofsted_grade` | `grades` (old framework, 1–4) | the latest old-framework grade is one of them |
//! | `report_card` | `grades` (e.g. `["needs_attention", "urgent_improvement"]`) | any evaluation area of the latest report card has one of them |
//! | `safeguarding_not_met` | | the latest report card's safeguarding is not met |
//! | `inspected_before` | `years` | the latest inspection (either framework) is older than that many years before the inspections' as-at date |
//!
//! Every rule may add `reason = "..."`: plain words shown before the figures.
//!
//! # Evaluation
//!
//! Rules are evaluated in order for every school of the LA (those in the
//! data, and those in the Ofsted file) and every alliance. A rule about a
//! measure the unit has no row for at all (a KS4 rule for a primary school)
//! does not apply. A rule whose figure is withheld (too few pupils) or
//! missing **could not be evaluated**, and says so among the reasons: it is
//! never a silent pass. The optional top-level `not_evaluated = "yellow"`
//! gives such a rule that category; without it, it gives none.

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, Result};
use crate::geography::Level;
use crate::groupings::Groupings;
use crate::groups::Group;
use crate::measures::{Measure, MeasureKind};
use crate::ofsted::Inspections;
use crate::phase::Phase;
use crate::schema::GapRows;

/// How fired rules make a unit's category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    MostSevere,
    FirstMatch,
}

/// A gap-table figure a `figure` rule tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Value,
    Gap,
    GapToNational,
    GapVsNationalGap,
}

impl Field {
    const NAMES: [&'static str; 4] = ["value", "gap", "gap_to_national", "gap_vs_national_gap"];

    fn describe(self) -> &'static str {
        match self {
            Field::Value => "value",
            Field::Gap => "gap to other pupils in the school",
            Field::GapToNational => "gap to other pupils nationally",
            Field::GapVsNationalGap => "gap against England's gap",
        }
    }
}

/// Which national figure a `significance` rule compares with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    NationalAll,
    NationalSame,
    NationalOther,
}

/// What a rule tests.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Figure {
        measure: &'static Measure,
        group: Group,
        field: Field,
        below: Option<f64>,
        above: Option<f64>,
    },
    Significance {
        measure: &'static Measure,
        group: Group,
        against: Against,
        is: String,
    },
    SignificantDrop {
        measure: &'static Measure,
        group: Group,
    },
    Falling {
        measure: &'static Measure,
        group: Group,
    },
    ProgressBand {
        measure: &'static Measure,
        group: Group,
        bands: Vec<String>,
    },
    Cohort {
        measure: &'static Measure,
        group: Group,
        fewer_than: u64,
    },
    OfstedGrade {
        grades: Vec<u8>,
    },
    ReportCard {
        grades: Vec<String>,
    },
    SafeguardingNotMet,
    InspectedBefore {
        years: f64,
    },
}

/// One rule of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    /// The category's position in [`Rules::categories`].
    pub category: usize,
    pub condition: Condition,
    /// The council's own words, shown before the figures.
    pub reason: Option<String>,
}

/// A council's categorisation rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// From least to most concern.
    pub categories: Vec<String>,
    pub default: usize,
    pub policy: Policy,
    pub year: Option<u16>,
    pub not_evaluated: Option<usize>,
    pub rules: Vec<Rule>,
    /// The file, for messages.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    categories: Spanned<Vec<String>>,
    default: Spanned<String>,
    policy: Option<Spanned<String>>,
    year: Option<Spanned<u16>>,
    not_evaluated: Option<Spanned<String>>,
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Spanned<String>,
    category: Spanned<String>,
    when: Spanned<String>,
    reason: Option<String>,
    measure: Option<Spanned<String>>,
    group: Option<Spanned<String>>,
    field: Option<Spanned<String>>,
    below: Option<Spanned<f64>>,
    above: Option<Spanned<f64>>,
    against: Option<Spanned<String>>,
    is: Option<Spanned<String>>,
    bands: Option<Spanned<Vec<String>>>,
    fewer_than: Option<Spanned<u64>>,
    grades: Option<Spanned<toml::Value>>,
    years: Option<Spanned<f64>>,
}

/// A TOML value as the file writes it, for messages.
fn show(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => format!("{text:?}"),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(x) => x.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(show).collect::<Vec<_>>().join(", ")
            )
        }
        other => format!("{other:?}"),
    }
}

/// The line (1-based) of a byte offset.
fn line_of(text: &str, offset: usize) -> u64 {
    text[..offset.min(text.len())].matches('\n').count() as u64 + 1
}

const WHEN: [&str; 10] = [
    "figure",
    "significance",
    "significant_drop",
    "falling",
    "progress_band",
    "cohort",
    "ofsted_grade",
    "report_card",
    "safeguarding_not_met",
    "inspected_before",
];

impl Rules {
    /// The names of the rules that need Ofsted's outcomes: left out, with a
    /// note, when no Ofsted file is given.
    pub fn ofsted_rules(&self) -> Vec<&str> {
        self.rules
            .iter()
            .filter(|r| {
                matches!(
                    r.condition,
                    Condition::OfstedGrade { .. }
                        | Condition::ReportCard { .. }
                        | Condition::SafeguardingNotMet
                        | Condition::InspectedBefore { .. }
                )
            })
            .map(|r| r.name.as_str())
            .collect()
    }

    /// The default rules shipped with Attain (`datasets/rules/default.toml`).
    pub fn default_rules() -> Rules {
        Rules::parse(
            crate::datasets::DEFAULT_RULES,
            "datasets/rules/default.toml (shipped)",
        )
        .expect("the shipped rules are valid")
    }

    pub fn read(path: impl AsRef<Path>) -> Result<Rules> {
        let path = path.as_ref();
        let source = path.display().to_string();
        crate::tables::check_size(path, &source)?;
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(&source, e))?;
        Rules::parse(&text, &source)
    }

    /// Parses a rules file; every error names the line and what was
    /// expected.
    pub fn parse(text: &str, source: &str) -> Result<Rules> {
        // Errors are Invalid with the line as the row: a rules file is read
        // by line, as a spreadsheet is by row.
        let error = |offset: usize, field: &str, value: Option<&str>, expected: String| {
            Error::invalid(
                source,
                Some(line_of(text, offset)),
                Some(field),
                value,
                expected,
            )
        };
        let raw: RawRules = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            Error::invalid(
                source,
                line,
                None,
                None,
                format!(
                    "a rules file as the docs describe it: {}",
                    e.message().trim_end_matches('.')
                ),
            )
        })?;
        let categories = raw.categories.get_ref().clone();
        if categories.is_empty() {
            return Err(error(
                raw.categories.span().start,
                "categories",
                None,
                "at least one category, from least to most concern".into(),
            ));
        }
        for (at, name) in categories.iter().enumerate() {
            if name.trim().is_empty() || categories[..at].contains(name) {
                return Err(error(
                    raw.categories.span().start,
                    "categories",
                    Some(name),
                    "distinct, non-empty category names, from least to most concern".into(),
                ));
            }
        }
        let category = |spanned: &Spanned<String>, field: &str| -> Result<usize> {
            categories
                .iter()
                .position(|c| c == spanned.get_ref())
                .ok_or_else(|| {
                    error(
                        spanned.span().start,
                        field,
                        Some(spanned.get_ref()),
                        format!("one of the categories: {}", categories.join(", ")),
                    )
                })
        };
        let default = category(&raw.default, "default")?;
        let not_evaluated = raw
            .not_evaluated
            .as_ref()
            .map(|c| category(c, "not_evaluated"))
            .transpose()?;
        let policy = match raw.policy.as_ref().map(|p| p.get_ref().as_str()) {
            None | Some("most_severe") => Policy::MostSevere,
            Some("first_match") => Policy::FirstMatch,
            Some(other) => {
                return Err(error(
                    raw.policy.as_ref().unwrap().span().start,
                    "policy",
                    Some(other),
                    "most_severe or first_match".into(),
                ))
            }
        };
        let mut rules = Vec::new();
        for rule in &raw.rule {
            let at = rule.when.span().start;
            let required =
                |value: &Option<Spanned<String>>, field: &str| -> Result<Spanned<String>> {
                    value.clone().ok_or_else(|| {
                        error(
                            at,
                            field,
                            None,
                            format!("a `{field}` for a rule when = \"{}\"", rule.when.get_ref()),
                        )
                    })
                };
            let measure = || -> Result<&'static Measure> {
                let name = required(&rule.measure, "measure")?;
                Measure::named(name.get_ref()).ok_or_else(|| {
                    let names: Vec<&str> = crate::MEASURES.iter().map(|m| m.name).collect();
                    error(
                        name.span().start,
                        "measure",
                        Some(name.get_ref()),
                        format!("a measure: {}", names.join(", ")),
                    )
                })
            };
            let group = || -> Result<Group> {
                let name = required(&rule.group, "group")?;
                Group::ALL
                    .into_iter()
                    .find(|g| g.name() == name.get_ref())
                    .ok_or_else(|| {
                        let names: Vec<&str> = Group::ALL.iter().map(|g| g.name()).collect();
                        error(
                            name.span().start,
                            "group",
                            Some(name.get_ref()),
                            format!("a group: {}", names.join(", ")),
                        )
                    })
            };
            let one_of = |value: &Spanned<String>, field: &str, names: &[&str]| -> Result<usize> {
                names
                    .iter()
                    .position(|n| *n == value.get_ref())
                    .ok_or_else(|| {
                        error(
                            value.span().start,
                            field,
                            Some(value.get_ref()),
                            format!("one of {}", names.join(", ")),
                        )
                    })
            };
            let words = |field: &str, allowed: &[&str]| -> Result<Vec<String>> {
                let Some(value) = &rule.grades else {
                    return Err(error(
                        at,
                        field,
                        None,
                        format!("`{field}`: a list of {}", allowed.join(", ")),
                    ));
                };
                let list = value.get_ref().as_array().ok_or_else(|| {
                    error(
                        value.span().start,
                        field,
                        None,
                        format!("a list of {}", allowed.join(", ")),
                    )
                })?;
                list.iter()
                    .map(|v| match v.as_str() {
                        Some(word) if allowed.contains(&word) => Ok(word.to_owned()),
                        _ => Err(error(
                            value.span().start,
                            field,
                            Some(&show(v)),
                            format!("a list of {}", allowed.join(", ")),
                        )),
                    })
                    .collect()
            };
            let kind = one_of(&rule.when, "when", &WHEN)?;
            // A field of another kind of rule is refused, not ignored: a
            // council that writes `fewer_than` on a significance rule means
            // something the rule would not do.
            let allowed: &[&str] = match WHEN[kind] {
                "figure" => &["measure", "group", "field", "below", "above"],
                "significance" => &["measure", "group", "against", "is"],
                "significant_drop" | "falling" => &["measure", "group"],
                "progress_band" => &["measure", "group", "bands"],
                "cohort" => &["measure", "group", "fewer_than"],
                "ofsted_grade" | "report_card" => &["grades"],
                "inspected_before" => &["years"],
                _ => &[],
            };
            let present = [
                ("measure", rule.measure.as_ref().map(|v| v.span().start)),
                ("group", rule.group.as_ref().map(|v| v.span().start)),
                ("field", rule.field.as_ref().map(|v| v.span().start)),
                ("below", rule.below.as_ref().map(|v| v.span().start)),
                ("above", rule.above.as_ref().map(|v| v.span().start)),
                ("against", rule.against.as_ref().map(|v| v.span().start)),
                ("is", rule.is.as_ref().map(|v| v.span().start)),
                ("bands", rule.bands.as_ref().map(|v| v.span().start)),
                (
                    "fewer_than",
                    rule.fewer_than.as_ref().map(|v| v.span().start),
                ),
                ("grades", rule.grades.as_ref().map(|v| v.span().start)),
                ("years", rule.years.as_ref().map(|v| v.span().start)),
            ];
            if let Some((field, Some(offset))) = present
                .iter()
                .find(|(field, offset)| offset.is_some() && !allowed.contains(field))
            {
                return Err(error(
                    *offset,
                    field,
                    None,
                    format!(
                        "only the fields of a rule when = \"{}\": {}",
                        rule.when.get_ref(),
                        if allowed.is_empty() {
                            "none beyond name, category, when and reason".to_owned()
                        } else {
                            allowed.join(", ")
                        }
                    ),
                ));
            }
            let condition = match kind {
                0 => {
                    let field = required(&rule.field, "field")?;
                    let field = [
                        Field::Value,
                        Field::Gap,
                        Field::GapToNational,
                        Field::GapVsNationalGap,
                    ][one_of(&field, "field", &Field::NAMES)?];
                    if rule.below.is_none() && rule.above.is_none() {
                        return Err(error(at, "below", None, "`below` or `above`: the threshold, in the measure's units (percent for a rate)".into()));
                    }
                    for (name, threshold) in [("below", &rule.below), ("above", &rule.above)] {
                        if let Some(threshold) =
                            threshold.as_ref().filter(|t| !t.get_ref().is_finite())
                        {
                            return Err(error(
                                threshold.span().start,
                                name,
                                Some(&threshold.get_ref().to_string()),
                                "a finite threshold, in the measure's units (percent for a rate)"
                                    .into(),
                            ));
                        }
                    }
                    Condition::Figure {
                        measure: measure()?,
                        group: group()?,
                        field,
                        below: rule.below.as_ref().map(|b| *b.get_ref()),
                        above: rule.above.as_ref().map(|a| *a.get_ref()),
                    }
                }
                1 => {
                    let against = required(&rule.against, "against")?;
                    let against = [
                        Against::NationalAll,
                        Against::NationalSame,
                        Against::NationalOther,
                    ][one_of(
                        &against,
                        "against",
                        &["national_all", "national_same", "national_other"],
                    )?];
                    let is = required(&rule.is, "is")?;
                    one_of(&is, "is", &["above", "in_line", "below"])?;
                    Condition::Significance {
                        measure: measure()?,
                        group: group()?,
                        against,
                        is: is.get_ref().clone(),
                    }
                }
                2 => Condition::SignificantDrop {
                    measure: measure()?,
                    group: group()?,
                },
                3 => Condition::Falling {
                    measure: measure()?,
                    group: group()?,
                },
                4 => {
                    let measure = measure()?;
                    if !measure.is_progress() {
                        return Err(error(
                            rule.measure.as_ref().unwrap().span().start,
                            "measure",
                            Some(measure.name),
                            "a progress measure: ks4.p8, ks2.read_progress, ks2.writ_progress or ks2.mat_progress".into(),
                        ));
                    }
                    let bands = rule.bands.as_ref().ok_or_else(|| {
                        error(
                            at,
                            "bands",
                            None,
                            "`bands`: a list of well_above, above, average, below, well_below"
                                .into(),
                        )
                    })?;
                    for band in bands.get_ref() {
                        if !crate::progress::Band::NAMES.contains(&band.as_str()) {
                            return Err(error(
                                bands.span().start,
                                "bands",
                                Some(band),
                                "a list of well_above, above, average, below, well_below".into(),
                            ));
                        }
                    }
                    Condition::ProgressBand {
                        measure,
                        group: group()?,
                        bands: bands.get_ref().clone(),
                    }
                }
                5 => Condition::Cohort {
                    measure: measure()?,
                    group: group()?,
                    fewer_than: *rule
                        .fewer_than
                        .as_ref()
                        .ok_or_else(|| {
                            error(
                                at,
                                "fewer_than",
                                None,
                                "`fewer_than`: a number of pupils".into(),
                            )
                        })?
                        .get_ref(),
                },
                6 => {
                    let Some(value) = &rule.grades else {
                        return Err(error(
                            at,
                            "grades",
                            None,
                            "`grades`: a list of old-framework grades, 1 to 4".into(),
                        ));
                    };
                    let grades = value
                        .get_ref()
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|v| {
                            v.as_integer()
                                .filter(|g| (1..=4).contains(g))
                                .map(|g| g as u8)
                        })
                        .collect::<Option<Vec<u8>>>()
                        .filter(|g| !g.is_empty())
                        .ok_or_else(|| {
                            error(
                                value.span().start,
                                "grades",
                                Some(&show(value.get_ref())),
                                "a list of old-framework grades, 1 (outstanding) to 4 (inadequate)"
                                    .into(),
                            )
                        })?;
                    Condition::OfstedGrade { grades }
                }
                7 => Condition::ReportCard {
                    grades: words("grades", &crate::ofsted::Grade::ALL.map(|g| g.name()))?,
                },
                8 => Condition::SafeguardingNotMet,
                _ => Condition::InspectedBefore {
                    years: *rule
                        .years
                        .as_ref()
                        .filter(|y| *y.get_ref() > 0.0)
                        .ok_or_else(|| {
                            error(
                                at,
                                "years",
                                None,
                                "`years`: a positive number of years".into(),
                            )
                        })?
                        .get_ref(),
                },
            };
            rules.push(Rule {
                name: rule.name.get_ref().clone(),
                category: category(&rule.category, "category")?,
                condition,
                reason: rule.reason.clone(),
            });
        }
        Ok(Rules {
            categories,
            default,
            policy,
            year: raw.year.map(|y| *y.get_ref()),
            not_evaluated,
            rules,
            source: source.to_owned(),
        })
    }
}

/// Whether a rule fired for a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Fired,
    NotEvaluated,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Fired => "fired",
            Outcome::NotEvaluated => "not_evaluated",
        }
    }
}

/// One reason behind a unit's category.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub rule: String,
    pub category: Option<String>,
    pub outcome: Outcome,
    /// The reason in plain words, with its figures.
    pub text: String,
    pub measure: Option<&'static str>,
    pub group: Option<&'static str>,
    pub year: Option<u16>,
    pub n: Option<u64>,
    /// The unit's value of the measure.
    pub value: Option<f64>,
    /// The England figure the rule compared with: the same group's value,
    /// other pupils', all pupils' or England's gap, as the rule reads.
    pub national: Option<f64>,
    /// The figure a `figure` rule tested (the value, or a gap).
    pub figure: Option<f64>,
    /// The rule's threshold (`below`/`above`, or a cohort's `fewer_than`).
    pub threshold: Option<f64>,
}

/// One school's or alliance's category.
#[derive(Debug, Clone, PartialEq)]
pub struct Categorised {
    pub level: Level,
    pub unit: String,
    pub name: Option<String>,
    pub category: String,
    pub reasons: Vec<Reason>,
}

/// A gap-table row's figures, by (level, unit, measure, group).
type RowKey = (Level, String, &'static str, Group);

/// The trends of one row: this year's change and direction, and the
/// values of the years before.
#[derive(Debug, Clone, Default)]
struct Trend {
    value: Option<f64>,
    previous_year: Option<u16>,
    value_previous: Option<f64>,
    change: Option<f64>,
    change_low: Option<f64>,
    change_high: Option<f64>,
    significance: Option<String>,
    direction: Option<String>,
}

/// The figures the rules read.
pub struct Evidence<'a> {
    gaps: GapRows,
    rows: FxHashMap<RowKey, usize>,
    /// Rows of any year, to tell "no such measure here" from "withheld".
    measures_of_unit: FxHashMap<(Level, String), Vec<&'static str>>,
    trends: FxHashMap<(RowKey, u16), Trend>,
    /// The year judged in each phase: the one asked for, else the phase's
    /// latest in the data (a KS4 table a year behind the KS2 one is
    /// judged on its own latest year, not on a year it lacks).
    years: FxHashMap<Phase, u16>,
    /// The latest year judged, for rules about no phase (Ofsted's).
    latest: u16,
    /// Counts withheld in `gaps` (publish mode) but known to the council
    /// (from the same table made in secure mode): a cohort rule can judge
    /// "too few pupils" without printing the count.
    secure_counts: FxHashMap<RowKey, u64>,
    /// School names from the performance tables, where Ofsted's file gives
    /// none.
    names: FxHashMap<u32, String>,
    inspections: Option<&'a Inspections>,
}

fn percent_or_mean(measure: &Measure, value: f64) -> String {
    if measure.is_progress() {
        format!("{value:+.2}")
    } else {
        match measure.kind() {
            MeasureKind::Rate => format!("{value:.1}%"),
            MeasureKind::Mean => format!("{value:.1}"),
        }
    }
}

fn points(measure: &Measure, value: f64) -> String {
    if measure.is_progress() {
        format!("{value:+.2}")
    } else {
        match measure.kind() {
            MeasureKind::Rate => format!("{value:+.1} points"),
            MeasureKind::Mean => format!("{value:+.1}"),
        }
    }
}

fn group_words(group: Group) -> &'static str {
    match group {
        Group::All => "all pupils",
        Group::Disadvantaged => "disadvantaged pupils",
        Group::Fsm => "pupils eligible for free school meals",
        Group::SenSupport => "pupils with SEN support",
        Group::Ehcp => "pupils with an EHC plan",
        Group::SenAny => "pupils with SEN",
        Group::Cla => "looked-after pupils",
    }
}

impl<'a> Evidence<'a> {
    /// The gap table and (optionally) the trends table of the same inputs,
    /// and Ofsted's outcomes; `year` is the year judged (the latest in the
    /// gap table when `None`).
    pub fn new(
        gaps: &DataFrame,
        trends: Option<&DataFrame>,
        inspections: Option<&'a Inspections>,
        year: Option<u16>,
    ) -> Result<Evidence<'a>> {
        let gaps = GapRows::from_frame(gaps)?;
        let mut years: FxHashMap<Phase, u16> = FxHashMap::default();
        for i in 0..gaps.len() {
            let judged = years.entry(gaps.phase[i]).or_insert(gaps.year[i]);
            *judged = year.unwrap_or((*judged).max(gaps.year[i]));
        }
        let Some(latest) = years.values().copied().max() else {
            return Err(Error::Usage(
                "the data has no rows to categorise schools by".into(),
            ));
        };
        let mut rows = FxHashMap::default();
        let mut measures_of_unit: FxHashMap<(Level, String), Vec<&'static str>> =
            FxHashMap::default();
        for i in 0..gaps.len() {
            // A pooled row without pupils (an alliance of secondaries in a
            // KS2 table) does not give the unit the measure.
            let no_pupils = gaps.n_member[i] == Some(0) && gaps.value_member[i].is_none();
            let key = (gaps.level[i], gaps.unit[i].clone());
            let list = measures_of_unit.entry(key).or_default();
            if !no_pupils && !list.contains(&gaps.measure[i]) {
                list.push(gaps.measure[i]);
            }
            if gaps.year[i] == years[&gaps.phase[i]] {
                rows.insert(
                    (
                        gaps.level[i],
                        gaps.unit[i].clone(),
                        gaps.measure[i],
                        gaps.group[i],
                    ),
                    i,
                );
            }
        }
        let mut trend_rows = FxHashMap::default();
        if let Some(trends) = trends {
            let failed = |e: PolarsError| Error::table("trends table", e);
            let text = |name: &str| -> Result<Vec<Option<String>>> {
                let column = trends
                    .column(name)
                    .map_err(failed)?
                    .cast(&DataType::String)
                    .map_err(failed)?;
                Ok(column
                    .str()
                    .map_err(failed)?
                    .iter()
                    .map(|v| v.map(str::to_owned))
                    .collect())
            };
            let number = |name: &str| -> Result<Vec<Option<f64>>> {
                Ok(trends
                    .column(name)
                    .map_err(failed)?
                    .f64()
                    .map_err(failed)?
                    .iter()
                    .collect())
            };
            let year_of = |name: &str| -> Result<Vec<Option<u16>>> {
                Ok(trends
                    .column(name)
                    .map_err(failed)?
                    .i32()
                    .map_err(failed)?
                    .iter()
                    .map(|v| v.map(|y| y as u16))
                    .collect())
            };
            let (levels, units, measures, groups) = (
                text("level")?,
                text("unit")?,
                text("measure")?,
                text("group")?,
            );
            let (years, previous) = (year_of("year")?, year_of("previous_year")?);
            let (value, value_previous, change, low, high) = (
                number("value_member")?,
                number("value_previous")?,
                number("change")?,
                number("change_ci_low")?,
                number("change_ci_high")?,
            );
            let (significance, direction) = (text("change_significance")?, text("direction")?);
            for i in 0..trends.height() {
                let level: Level = levels[i].as_deref().unwrap_or_default().parse()?;
                let (Some(measure), Some(group), Some(year)) = (
                    measures[i].as_deref().and_then(Measure::named),
                    groups[i]
                        .as_deref()
                        .and_then(|g| Group::ALL.into_iter().find(|x| x.name() == g)),
                    years[i],
                ) else {
                    continue;
                };
                let key = (
                    level,
                    units[i].clone().unwrap_or_default(),
                    measure.name,
                    group,
                );
                trend_rows.insert(
                    (key, year),
                    Trend {
                        value: value[i],
                        previous_year: previous[i],
                        value_previous: value_previous[i],
                        change: change[i],
                        change_low: low[i],
                        change_high: high[i],
                        significance: significance[i].clone(),
                        direction: direction[i].clone(),
                    },
                );
            }
        }
        Ok(Evidence {
            gaps,
            rows,
            measures_of_unit,
            trends: trend_rows,
            years,
            latest,
            secure_counts: FxHashMap::default(),
            names: FxHashMap::default(),
            inspections,
        })
    }

    /// Adds the counts of the same gap table made in secure mode, so that a
    /// cohort rule can judge a count the published table withholds.
    pub fn with_secure_counts(mut self, secure: &DataFrame) -> Result<Evidence<'a>> {
        let secure = GapRows::from_frame(secure)?;
        for i in 0..secure.len() {
            let Some(n) = secure.n_member[i] else {
                continue;
            };
            if secure.year[i] != self.years.get(&secure.phase[i]).copied().unwrap_or(0) {
                continue;
            }
            let key = (
                secure.level[i],
                secure.unit[i].clone(),
                secure.measure[i],
                secure.group[i],
            );
            self.secure_counts.insert(key, n);
        }
        Ok(self)
    }

    /// Adds school names (from performance tables' `SCHNAME`).
    pub fn with_names(mut self, names: impl IntoIterator<Item = (u32, String)>) -> Evidence<'a> {
        self.names.extend(names);
        self
    }

    /// The year judged in a phase.
    pub fn year_of(&self, phase: Phase) -> u16 {
        self.years.get(&phase).copied().unwrap_or(self.latest)
    }

    /// The years judged, in words: "2024", or "2019 (KS4 2018)" where a
    /// phase's latest year is earlier.
    pub fn years_judged(&self) -> String {
        let mut behind: Vec<(Phase, u16)> = self
            .years
            .iter()
            .filter(|(_, &y)| y != self.latest)
            .map(|(&p, &y)| (p, y))
            .collect();
        behind.sort();
        if behind.is_empty() {
            self.latest.to_string()
        } else {
            format!(
                "{} ({})",
                self.latest,
                behind
                    .iter()
                    .map(|(p, y)| format!("{} {y}", p.to_string().to_uppercase()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }

    /// The units to categorise: every school of the LAs (in the data and
    /// in the inspections) and every alliance, with names where known.
    fn units(
        &self,
        las: &[u16],
        groupings: Option<&Groupings>,
    ) -> Vec<(Level, String, Option<String>)> {
        let mut schools: BTreeMap<u32, Option<String>> = BTreeMap::new();
        let mut alliances: Vec<String> = Vec::new();
        for i in 0..self.gaps.len() {
            // A school with rows only in earlier years (closed, or merged)
            // is not categorised on a year it has no data for.
            if self.gaps.year[i] != self.year_of(self.gaps.phase[i]) {
                continue;
            }
            match self.gaps.level[i] {
                Level::School => {
                    if let Ok(urn) = self.gaps.unit[i].parse::<u32>() {
                        schools.entry(urn).or_default();
                    }
                }
                Level::Alliance if !alliances.contains(&self.gaps.unit[i]) => {
                    alliances.push(self.gaps.unit[i].clone())
                }
                _ => {}
            }
        }
        if let Some(inspections) = self.inspections {
            for school in &inspections.schools {
                let in_la = school.la_code.is_some_and(|la| las.contains(&la));
                if in_la || schools.contains_key(&school.urn) {
                    schools.insert(school.urn, Some(school.name.clone()));
                }
            }
        }
        let mut units: Vec<(Level, String, Option<String>)> = schools
            .into_iter()
            .map(|(urn, name)| {
                let name = name.or_else(|| self.names.get(&urn).cloned());
                (Level::School, urn.to_string(), name)
            })
            .collect();
        for id in alliances {
            let name = groupings.and_then(|g| {
                g.groups
                    .iter()
                    .find(|(gid, _)| *gid == id)
                    .map(|(_, n)| n.clone())
            });
            units.push((Level::Alliance, id, name));
        }
        units
    }

    fn row(
        &self,
        level: Level,
        unit: &str,
        measure: &'static Measure,
        group: Group,
    ) -> Option<usize> {
        self.rows
            .get(&(level, unit.to_owned(), measure.name, group))
            .copied()
    }

    fn has_measure(&self, level: Level, unit: &str, measure: &Measure) -> bool {
        self.measures_of_unit
            .get(&(level, unit.to_owned()))
            .is_some_and(|m| m.contains(&measure.name))
    }
}

/// What a rule found for one unit.
enum Finding {
    Fired(Reason),
    NotEvaluated(Reason),
    Passed,
    NotApplicable,
}

fn reason(rule: &Rule, rules: &Rules, outcome: Outcome, text: String) -> Reason {
    let text = match &rule.reason {
        Some(words) => format!("{words}: {text}"),
        None => text,
    };
    Reason {
        rule: rule.name.clone(),
        category: match outcome {
            Outcome::Fired => Some(rules.categories[rule.category].clone()),
            Outcome::NotEvaluated => rules.not_evaluated.map(|c| rules.categories[c].clone()),
        },
        outcome,
        text,
        measure: None,
        group: None,
        year: None,
        n: None,
        value: None,
        national: None,
        figure: None,
        threshold: None,
    }
}

fn evaluate(rule: &Rule, rules: &Rules, evidence: &Evidence, level: Level, unit: &str) -> Finding {
    let gaps = &evidence.gaps;
    let year = match &rule.condition {
        Condition::Figure { measure, .. }
        | Condition::Significance { measure, .. }
        | Condition::SignificantDrop { measure, .. }
        | Condition::Falling { measure, .. }
        | Condition::ProgressBand { measure, .. }
        | Condition::Cohort { measure, .. } => evidence.year_of(measure.phase),
        _ => evidence.latest,
    };
    // A rule about a measure that cannot be judged, and why.
    let not_evaluated = |measure: &'static Measure, group: Group, why: String| {
        let mut r = reason(
            rule,
            rules,
            Outcome::NotEvaluated,
            format!(
                "{} {year}, {}: {why}, so this rule could not be evaluated",
                measure.name,
                group_words(group)
            ),
        );
        r.measure = Some(measure.name);
        r.group = Some(group.name());
        r.year = Some(year);
        r
    };
    // A rule about a measure: its row, or why it cannot be judged.
    let figure_row = |measure: &'static Measure,
                      group: Group|
     -> std::result::Result<usize, Finding> {
        if !evidence.has_measure(level, unit, measure) {
            return Err(Finding::NotApplicable);
        }
        let what = format!("{} {year}, {}", measure.name, group_words(group));
        match evidence.row(level, unit, measure, group) {
            None => Err(Finding::NotEvaluated(reason(
                rule,
                rules,
                Outcome::NotEvaluated,
                format!("{what}: not in the data for {year}, so this rule could not be evaluated"),
            ))),
            Some(i) if gaps.value_member[i].is_none() => {
                let why = match gaps.n_member[i] {
                    Some(n) if gaps.suppressed[i] => {
                        format!("too few pupils to judge ({n} pupils, figure withheld)")
                    }
                    // Published tables hide a withheld figure's count too.
                    None if gaps.suppressed[i] => "figure withheld to protect a small group (too few pupils, or so that another withheld figure cannot be worked out from it)".to_owned(),
                    Some(0) => "no pupils".to_owned(),
                    _ => "no figure".to_owned(),
                };
                let mut r = not_evaluated(measure, group, why);
                r.n = gaps.n_member[i];
                Err(Finding::NotEvaluated(r))
            }
            Some(i) => Ok(i),
        }
    };
    let with_figures = |mut r: Reason,
                        measure: &'static Measure,
                        group: Group,
                        i: usize,
                        national: Option<f64>| {
        r.measure = Some(measure.name);
        r.group = Some(group.name());
        r.year = Some(year);
        r.n = gaps.n_member[i];
        r.value = gaps.value_member[i];
        r.national = national;
        r
    };
    match &rule.condition {
        Condition::Figure {
            measure,
            group,
            field,
            below,
            above,
        } => {
            let i = match figure_row(measure, *group) {
                Ok(i) => i,
                Err(finding) => return finding,
            };
            let figure = match field {
                Field::Value => gaps.value_member[i],
                Field::Gap => gaps.gap[i],
                Field::GapToNational => gaps.gap_to_national[i],
                Field::GapVsNationalGap => gaps.gap_vs_national_gap[i],
            };
            let Some(figure) = figure else {
                let r = reason(
                    rule,
                    rules,
                    Outcome::NotEvaluated,
                    format!(
                        "{} {year}, {}: no {} (the comparison is withheld or missing), so this rule could not be evaluated",
                        measure.name,
                        group_words(*group),
                        field.describe()
                    ),
                );
                return Finding::NotEvaluated(with_figures(r, measure, *group, i, None));
            };
            let shown = |v: f64| match field {
                Field::Value => percent_or_mean(measure, v),
                _ => points(measure, v),
            };
            let fired = below.is_some_and(|b| figure < b) || above.is_some_and(|a| figure > a);
            if !fired {
                return Finding::Passed;
            }
            let limit = match (below, above) {
                (Some(b), _) if figure < *b => Some(*b),
                (_, Some(a)) => Some(*a),
                _ => None,
            };
            let threshold = match (below, above) {
                (Some(b), _) if figure < *b => format!("below {}", shown(*b)),
                (_, Some(a)) => format!("above {}", shown(*a)),
                _ => String::new(),
            };
            // The England figure this field is read against.
            let england = match field {
                Field::Value => gaps.national_member[i],
                Field::Gap => None,
                Field::GapToNational => gaps.national_comparison[i],
                Field::GapVsNationalGap => gaps.national_gap[i],
            };
            let context = match field {
                Field::Value => gaps.national_member[i]
                    .map(|n| format!(" (England {})", percent_or_mean(measure, n)))
                    .unwrap_or_default(),
                _ => format!(
                    " ({} {})",
                    group_words(*group),
                    gaps.value_member[i]
                        .map(|v| percent_or_mean(measure, v))
                        .unwrap_or_default()
                ),
            };
            let text = format!(
                "{} {year}, {}: {} {}, {threshold}{context}",
                measure.name,
                group_words(*group),
                field.describe(),
                shown(figure)
            );
            let mut r = with_figures(
                reason(rule, rules, Outcome::Fired, text),
                measure,
                *group,
                i,
                england,
            );
            r.figure = Some(figure);
            r.threshold = limit;
            Finding::Fired(r)
        }
        Condition::Significance {
            measure,
            group,
            against,
            is,
        } => {
            let i = match figure_row(measure, *group) {
                Ok(i) => i,
                Err(finding) => return finding,
            };
            let (flag, national, words) = match against {
                Against::NationalAll => (
                    &gaps.vs_national_all[i],
                    gaps.national_all[i],
                    "all pupils in England",
                ),
                Against::NationalSame => (
                    &gaps.vs_national_same[i],
                    gaps.national_member[i],
                    "the same group in England",
                ),
                Against::NationalOther => (
                    &gaps.vs_national_other[i],
                    gaps.national_comparison[i],
                    "other pupils in England",
                ),
            };
            match flag {
                None => Finding::NotEvaluated(with_figures(
                    reason(
                        rule,
                        rules,
                        Outcome::NotEvaluated,
                        format!(
                            "{} {year}, {}: no interval or national figure to compare, so this rule could not be evaluated",
                            measure.name,
                            group_words(*group)
                        ),
                    ),
                    measure,
                    *group,
                    i,
                    national,
                )),
                Some(found) if found == is => {
                    let interval = gaps.ci_low[i]
                        .zip(gaps.ci_high[i])
                        .map(|(l, h)| format!(" (95% interval {} to {})", percent_or_mean(measure, l), percent_or_mean(measure, h)))
                        .unwrap_or_default();
                    let judgement = match is.as_str() {
                        "above" => "significantly above",
                        "below" => "significantly below",
                        _ => "in line with",
                    };
                    let text = format!(
                        "{} {year}, {}: {}{interval}, {judgement} {words} ({})",
                        measure.name,
                        group_words(*group),
                        gaps.value_member[i].map(|v| percent_or_mean(measure, v)).unwrap_or_default(),
                        national.map(|n| percent_or_mean(measure, n)).unwrap_or_default()
                    );
                    Finding::Fired(with_figures(reason(rule, rules, Outcome::Fired, text), measure, *group, i, national))
                }
                Some(_) => Finding::Passed,
            }
        }
        Condition::SignificantDrop { measure, group } | Condition::Falling { measure, group } => {
            let i = match figure_row(measure, *group) {
                Ok(i) => i,
                Err(finding) => return finding,
            };
            let key = (level, unit.to_owned(), measure.name, *group);
            let Some(trend) = evidence.trends.get(&(key.clone(), year)) else {
                return Finding::NotEvaluated(with_figures(
                    reason(
                        rule,
                        rules,
                        Outcome::NotEvaluated,
                        format!(
                            "{} {year}, {}: no earlier year to compare with, so this rule could not be evaluated",
                            measure.name,
                            group_words(*group)
                        ),
                    ),
                    measure,
                    *group,
                    i,
                    None,
                ));
            };
            let falling = matches!(rule.condition, Condition::Falling { .. });
            let status = if falling {
                &trend.direction
            } else {
                &trend.significance
            };
            let national = gaps.national_member[i]
                .map(|n| format!(" (England {})", percent_or_mean(measure, n)))
                .unwrap_or_default();
            match status.as_deref() {
                None => Finding::NotEvaluated(with_figures(
                    reason(
                        rule,
                        rules,
                        Outcome::NotEvaluated,
                        format!(
                            "{} {year}, {}: {}, so this rule could not be evaluated",
                            measure.name,
                            group_words(*group),
                            if falling {
                                "fewer than three years with figures"
                            } else {
                                "no change can be computed (a figure is withheld or missing)"
                            }
                        ),
                    ),
                    measure,
                    *group,
                    i,
                    None,
                )),
                Some("falling") if falling => {
                    let before = trend
                        .previous_year
                        .and_then(|p| evidence.trends.get(&(key.clone(), p)));
                    let values: Vec<String> = [
                        before.and_then(|b| b.value_previous),
                        trend.value_previous,
                        trend.value,
                    ]
                    .iter()
                    .flatten()
                    .map(|v| percent_or_mean(measure, *v))
                    .collect();
                    let text = format!(
                        "{} {}: fell two years running to {year}: {}{national}",
                        measure.name,
                        group_words(*group),
                        values.join(" → ")
                    );
                    Finding::Fired(with_figures(
                        reason(rule, rules, Outcome::Fired, text),
                        measure,
                        *group,
                        i,
                        gaps.national_member[i],
                    ))
                }
                Some("drop") if !falling => {
                    let change = trend.change.map(|c| points(measure, c)).unwrap_or_default();
                    let interval = trend
                        .change_low
                        .zip(trend.change_high)
                        .map(|(l, h)| {
                            format!(
                                ", 95% interval {} to {}",
                                points(measure, l),
                                points(measure, h)
                            )
                        })
                        .unwrap_or_default();
                    let text = format!(
                        "{} {}: fell significantly from {} ({}) to {} ({year}): {change}{interval}{national}",
                        measure.name,
                        group_words(*group),
                        trend.value_previous.map(|v| percent_or_mean(measure, v)).unwrap_or_default(),
                        trend.previous_year.map(|y| y.to_string()).unwrap_or_default(),
                        trend.value.map(|v| percent_or_mean(measure, v)).unwrap_or_default(),
                    );
                    Finding::Fired(with_figures(
                        reason(rule, rules, Outcome::Fired, text),
                        measure,
                        *group,
                        i,
                        gaps.national_member[i],
                    ))
                }
                Some(_) => Finding::Passed,
            }
        }
        Condition::ProgressBand {
            measure,
            group,
            bands,
        } => {
            let i = match figure_row(measure, *group) {
                Ok(i) => i,
                Err(finding) => return finding,
            };
            match &gaps.progress_band[i] {
                None => Finding::NotEvaluated(with_figures(
                    reason(
                        rule,
                        rules,
                        Outcome::NotEvaluated,
                        format!("{} {year}, {}: no band (no interval), so this rule could not be evaluated", measure.name, group_words(*group)),
                    ),
                    measure,
                    *group,
                    i,
                    None,
                )),
                Some(band) if bands.contains(band) => {
                    let interval = gaps.ci_low[i]
                        .zip(gaps.ci_high[i])
                        .map(|(l, h)| format!(" (95% interval {l:+.2} to {h:+.2})"))
                        .unwrap_or_default();
                    let text = format!(
                        "{} {year}, {}: {}{interval}, {} average",
                        measure.name,
                        group_words(*group),
                        gaps.value_member[i].map(|v| format!("{v:+.2}")).unwrap_or_default(),
                        band.replace('_', " ").replace(" average", "")
                    );
                    Finding::Fired(with_figures(reason(rule, rules, Outcome::Fired, text), measure, *group, i, None))
                }
                Some(_) => Finding::Passed,
            }
        }
        Condition::Cohort {
            measure,
            group,
            fewer_than,
        } => {
            if !evidence.has_measure(level, unit, measure) {
                return Finding::NotApplicable;
            }
            let key = (level, unit.to_owned(), measure.name, *group);
            let Some(i) = evidence.row(level, unit, measure, *group) else {
                return Finding::NotEvaluated(not_evaluated(
                    measure,
                    *group,
                    format!("not in the data for {year}"),
                ));
            };
            // A count the published table withholds is judged on the
            // council's own count, and the reason does not print it.
            let (n, withheld) = match gaps.n_member[i] {
                Some(n) => (Some(n), false),
                None => (evidence.secure_counts.get(&key).copied(), true),
            };
            let Some(n) = n else {
                return Finding::NotEvaluated(not_evaluated(
                    measure,
                    *group,
                    "the count is withheld to protect a small group".into(),
                ));
            };
            if n >= *fewer_than {
                return Finding::Passed;
            }
            let count = if withheld {
                format!("fewer than {fewer_than}; the count is withheld")
            } else {
                format!("{n}, fewer than {fewer_than}")
            };
            let mut r = reason(
                rule,
                rules,
                Outcome::Fired,
                format!(
                    "{} {year}, {}: too few pupils to judge ({count})",
                    measure.name,
                    group_words(*group)
                ),
            );
            r.measure = Some(measure.name);
            r.group = Some(group.name());
            r.year = Some(year);
            r.n = (!withheld).then_some(n);
            r.threshold = Some(*fewer_than as f64);
            Finding::Fired(r)
        }
        Condition::OfstedGrade { .. }
        | Condition::ReportCard { .. }
        | Condition::SafeguardingNotMet
        | Condition::InspectedBefore { .. } => {
            if level != Level::School {
                return Finding::NotApplicable;
            }
            // A school without an outcome under a framework (new, or not yet
            // inspected under report cards) is not judged by that framework's
            // rules. Without an Ofsted file the Ofsted rules are left out, with one
            // note for the whole run ([`Rules::ofsted_rules`]), not per school.
            let Some(inspections) = evidence.inspections else {
                return Finding::NotApplicable;
            };
            let school = unit
                .parse::<u32>()
                .ok()
                .and_then(|urn| inspections.school(urn));
            let Some(school) = school else {
                return Finding::NotEvaluated(reason(
                    rule,
                    rules,
                    Outcome::NotEvaluated,
                    format!(
                        "URN {unit} is not in the Ofsted file, so this rule could not be evaluated"
                    ),
                ));
            };
            let dated = |date: &Option<crate::ofsted::Date>| {
                date.map(|d| format!(" (inspected {d})"))
                    .unwrap_or_default()
            };
            match &rule.condition {
                Condition::OfstedGrade { grades } => match &school.old {
                    None => Finding::NotApplicable,
                    Some(old) if grades.contains(&old.grade) => {
                        let words = ["outstanding", "good", "requires improvement", "inadequate"];
                        Finding::Fired(reason(
                            rule,
                            rules,
                            Outcome::Fired,
                            format!(
                                "Ofsted: {}{}",
                                words[(old.grade - 1) as usize],
                                dated(&old.date)
                            ),
                        ))
                    }
                    Some(_) => Finding::Passed,
                },
                Condition::ReportCard { grades } => match &school.report_card {
                    None => Finding::NotApplicable,
                    Some(card) => {
                        let hits: Vec<String> = card
                            .areas
                            .iter()
                            .filter(|(_, grade)| grades.iter().any(|g| g == grade.name()))
                            .map(|(area, grade)| {
                                format!(
                                    "{} {}",
                                    area.replace('_', " "),
                                    grade.name().replace('_', " ")
                                )
                            })
                            .collect();
                        if hits.is_empty() {
                            Finding::Passed
                        } else {
                            Finding::Fired(reason(
                                rule,
                                rules,
                                Outcome::Fired,
                                format!(
                                    "Ofsted report card: {}{}",
                                    hits.join(", "),
                                    dated(&card.date)
                                ),
                            ))
                        }
                    }
                },
                Condition::SafeguardingNotMet => {
                    match school.report_card.as_ref().and_then(|c| c.safeguarding_met) {
                        None => Finding::NotApplicable,
                        Some(false) => Finding::Fired(reason(
                            rule,
                            rules,
                            Outcome::Fired,
                            format!(
                                "Ofsted report card: safeguarding not met{}",
                                dated(&school.report_card.as_ref().and_then(|c| c.date))
                            ),
                        )),
                        Some(true) => Finding::Passed,
                    }
                }
                Condition::InspectedBefore { years } => {
                    let latest = [
                        school.old.as_ref().and_then(|o| o.date),
                        school.report_card.as_ref().and_then(|c| c.date),
                    ]
                    .into_iter()
                    .flatten()
                    .max();
                    // Measured from the file's as-at date, else the end of
                    // the academic year judged.
                    let reference = inspections.as_at.unwrap_or(crate::ofsted::Date {
                        year,
                        month: 8,
                        day: 31,
                    });
                    let Some(latest) = latest else {
                        return Finding::NotEvaluated(reason(
                            rule,
                            rules,
                            Outcome::NotEvaluated,
                            "no dated inspection, so this rule could not be evaluated".into(),
                        ));
                    };
                    let age = (reference.year as f64
                        + (reference.month as f64 - 1.0) / 12.0
                        + reference.day as f64 / 365.0)
                        - (latest.year as f64
                            + (latest.month as f64 - 1.0) / 12.0
                            + latest.day as f64 / 365.0);
                    if age > *years {
                        Finding::Fired(reason(
                            rule,
                            rules,
                            Outcome::Fired,
                            format!("Ofsted: last inspected {latest}, {age:.1} years before {reference} (more than {years})"),
                        ))
                    } else {
                        Finding::Passed
                    }
                }
                _ => unreachable!("Ofsted conditions only"),
            }
        }
    }
}

/// Categorises every school of `las` and every alliance in the evidence.
pub fn categorise(
    rules: &Rules,
    evidence: &Evidence,
    las: &[u16],
    groupings: Option<&Groupings>,
) -> Vec<Categorised> {
    let mut out = Vec::new();
    for (level, unit, name) in evidence.units(las, groupings) {
        let mut reasons = Vec::new();
        let mut category: Option<usize> = None;
        for rule in &rules.rules {
            match evaluate(rule, rules, evidence, level, &unit) {
                Finding::Fired(reason) => {
                    category = match (rules.policy, category) {
                        (Policy::FirstMatch, Some(first)) => Some(first),
                        (_, current) => {
                            Some(current.map_or(rule.category, |c| c.max(rule.category)))
                        }
                    };
                    reasons.push(reason);
                }
                Finding::NotEvaluated(reason) => {
                    if let Some(c) = rules.not_evaluated {
                        category = match (rules.policy, category) {
                            (Policy::FirstMatch, Some(first)) => Some(first),
                            (_, current) => Some(current.map_or(c, |k| k.max(c))),
                        };
                    }
                    reasons.push(reason);
                }
                Finding::Passed | Finding::NotApplicable => {}
            }
        }
        out.push(Categorised {
            level,
            unit,
            name,
            category: rules.categories[category.unwrap_or(rules.default)].clone(),
            reasons,
        });
    }
    out
}

/// The categorisation as a table: `level, unit, name, category, reasons`,
/// `reasons` a list of structs (rule, category, outcome, text, measure,
/// group, year, n, value, national, figure, threshold): JSON and Parquet
/// keep it so; for CSV,
/// [`reasons_as_text`] joins the texts.
pub fn to_frame(categorised: &[Categorised]) -> Result<DataFrame> {
    let failed = |e: PolarsError| Error::table("categorisation", e);
    let mut reason_series = Vec::with_capacity(categorised.len());
    for unit in categorised {
        let r = &unit.reasons;
        let fields = vec![
            Series::new(
                "rule".into(),
                r.iter().map(|x| x.rule.as_str()).collect::<Vec<_>>(),
            ),
            Series::new(
                "category".into(),
                r.iter().map(|x| x.category.as_deref()).collect::<Vec<_>>(),
            ),
            Series::new(
                "outcome".into(),
                r.iter().map(|x| x.outcome.name()).collect::<Vec<_>>(),
            ),
            Series::new(
                "text".into(),
                r.iter().map(|x| x.text.as_str()).collect::<Vec<_>>(),
            ),
            Series::new(
                "measure".into(),
                r.iter().map(|x| x.measure).collect::<Vec<_>>(),
            ),
            Series::new(
                "group".into(),
                r.iter().map(|x| x.group).collect::<Vec<_>>(),
            ),
            Series::new(
                "year".into(),
                r.iter().map(|x| x.year.map(i32::from)).collect::<Vec<_>>(),
            ),
            Series::new(
                "n".into(),
                r.iter().map(|x| x.n.map(|n| n as i64)).collect::<Vec<_>>(),
            ),
            Series::new(
                "value".into(),
                r.iter().map(|x| x.value).collect::<Vec<_>>(),
            ),
            Series::new(
                "national".into(),
                r.iter().map(|x| x.national).collect::<Vec<_>>(),
            ),
            Series::new(
                "figure".into(),
                r.iter().map(|x| x.figure).collect::<Vec<_>>(),
            ),
            Series::new(
                "threshold".into(),
                r.iter().map(|x| x.threshold).collect::<Vec<_>>(),
            ),
        ];
        let structs = StructChunked::from_series("reasons".into(), r.len(), fields.iter())
            .map_err(failed)?
            .into_series();
        reason_series.push(Some(structs));
    }
    let mut reasons: ListChunked = reason_series.into_iter().collect();
    reasons.rename("reasons".into());
    let columns = vec![
        Column::new(
            "level".into(),
            categorised
                .iter()
                .map(|c| c.level.name())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "unit".into(),
            categorised
                .iter()
                .map(|c| c.unit.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "name".into(),
            categorised
                .iter()
                .map(|c| c.name.as_deref())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "category".into(),
            categorised
                .iter()
                .map(|c| c.category.as_str())
                .collect::<Vec<_>>(),
        ),
        reasons.into_series().into_column(),
    ];
    DataFrame::new(categorised.len(), columns).map_err(failed)
}

/// The table with `reasons` as one text per unit (each reason's text,
/// joined by " | "): what CSV can hold.
pub fn reasons_as_text(categorised: &[Categorised]) -> Result<DataFrame> {
    let mut frame = to_frame(categorised)?;
    let texts: Vec<String> = categorised
        .iter()
        .map(|c| {
            c.reasons
                .iter()
                .map(|r| match r.outcome {
                    Outcome::Fired => {
                        format!(
                            "[{}] {}: {}",
                            r.category.as_deref().unwrap_or(""),
                            r.rule,
                            r.text
                        )
                    }
                    Outcome::NotEvaluated => format!("[not evaluated] {}: {}", r.rule, r.text),
                })
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    frame
        .replace("reasons", Column::new("reasons".into(), texts))
        .map_err(|e| Error::table("categorisation", e))?;
    Ok(frame)
}
