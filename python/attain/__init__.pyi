"""Attain: attainment gap analysis for English local authorities.

Every function returns a polars DataFrame; call ``.to_pandas()`` for pandas.
"""

import os
from typing import Any, List, NamedTuple, Optional, Sequence, Union

import polars as pl

from . import datasets as datasets
from ._attain import AttainError as AttainError
from ._attain import FileError as FileError
from ._attain import UsageError as UsageError
from ._attain import ValidationError as ValidationError

__all__ = [
    "AttainError",
    "FileError",
    "GAP_COLUMNS",
    "PUBLISHED_COLUMNS",
    "Published",
    "Synthetic",
    "SUMMARIES_VERSION",
    "SUMMARY_COLUMNS",
    "TREND_COLUMNS",
    "UsageError",
    "ValidationError",
    "categorise",
    "datasets",
    "gap_index",
    "gaps",
    "gaps_from_summaries",
    "ofsted_profile",
    "published_gaps",
    "read_published",
    "read_pupils",
    "report",
    "Report",
    "summarise",
    "synth",
    "targets",
    "trends",
]

#: The phases, in order.
PHASES: tuple

__version__: str
GAP_COLUMNS: List[str]
PUBLISHED_COLUMNS: List[str]
TREND_COLUMNS: List[str]
SUMMARY_COLUMNS: List[str]
SUMMARIES_VERSION: int

#: A path (``str`` or ``pathlib.Path``; CSV or Parquet), a polars DataFrame or a pandas DataFrame.
TableLike = Union[str, "os.PathLike[str]", pl.DataFrame, Any]

def gaps(
    pupils: TableLike,
    *,
    phase: Optional[str] = None,
    national_pupils: Optional[TableLike] = None,
    national: Optional[TableLike] = None,
    levels: Optional[Sequence[str]] = None,
    min_cohort: int = 6,
    groups: Optional[TableLike] = None,
    neighbours: Union[None, int, str, "os.PathLike[str]"] = None,
    la: Union[None, int, Sequence[int]] = None,
    estimates: Union[None, str, "os.PathLike[str]"] = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
) -> pl.DataFrame:
    """The gap table: one row per (phase, year, level, unit, measure, group), as ``attain gaps`` writes it.

    Args:
        pupils: the pupil table of one phase.
        phase: ``eyfs``, ``phonics``, ``ks1``, ``ks2`` or ``ks4``; found from the columns when omitted.
        national_pupils: the national pupil table of the same phase; national rows and figures come from it.
        national: a national reference table (``phase, year, measure, group, value`` and optional ``n``),
            for example :func:`attain.datasets.national`.
        levels: any of ``national``, ``la``, ``school`` and ``alliance``; by default ``national``, ``la`` and
            ``school``. ``phase``, ``level``, ``measure`` and ``group`` come back as polars ``Enum`` columns.
        min_cohort: values computed from fewer pupils are withheld; 0 turns suppression off.
        groups: groupings of schools (``urn, group_id, group_name``); adds the level ``alliance``,
            each grouping's pupils pooled as if one school.
        neighbours: statistical neighbours, ``2025`` or ``2021`` (DfE's models) or a file; adds the level
            ``neighbours`` (each LA's neighbours' pupils pooled) and ``neighbour_average``/``neighbours_used``.
        la: only these LAs and their schools are reported; national rows, ranks and neighbours use every pupil.
        estimates: progress estimates: ``"dfe"`` (DfE's Progress 8 estimates, 2022-2024, shipped) or an estimates
            table (``measure, year, prior_low, prior_high, estimate, sd``). By default the estimates come from the
            national pupils (``national_pupils``, or the pupils when they are the nation); with only a
            ``national`` reference table and no estimates, progress measures are left out with a warning.
        progress_sd: the SD of progress intervals (score +/- 1.96 x SD / sqrt(n)): ``"national"`` (the
            published SD with published estimates, else the national pupils'), ``"unit"`` (each unit's own)
            or a number.
        progress_bands: ``"dfe"`` (DfE's rule, threshold 0.5), ``"dfe:THRESHOLD"`` or
            ``"percentile"`` (national quintiles of the level's units): the ``progress_band`` column.
        disclosure: ``"publish"`` (the default: primary and secondary suppression, withheld cells' counts hidden,
            so that no withheld figure can be worked out by subtraction) or ``"secure"`` (primary suppression
            only, every count shown, for use inside a secure setting).

    With neither ``national_pupils`` nor ``national``, the pupils are taken to be the whole national cohort.

    Raises:
        ValidationError: bad data, with ``file``, ``row``, ``column``, ``value`` and ``expected``.
        UsageError: a bad argument.
        FileError: a file that cannot be read.
    """

#: One path or several.
PathsLike = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]

def gap_index(
    pupils: TableLike,
    *,
    phase: Optional[str] = None,
    levels: Optional[Sequence[str]] = None,
    min_cohort: int = 6,
) -> pl.DataFrame:
    """DfE's disadvantage gap index for England, every LA and every school (``phase, year, level, unit,
    gap_index, n_disadvantaged, n_other, suppressed``), ranking every pupil given as the nation: 0 is no gap,
    10 total separation."""

def summarise(
    pupils: TableLike,
    *,
    phase: Optional[str] = None,
    estimates: Union[None, str, "os.PathLike[str]"] = None,
    national_pupils: Optional[TableLike] = None,
) -> pl.DataFrame:
    """The summaries table of pupils (``SUMMARY_COLUMNS``, schema version ``SUMMARIES_VERSION``): one row per
    (phase, year, LA, school, pupil profile, measure) with ``cohort``, ``with_value``, ``sum`` and ``sum_sq``,
    which add up exactly by the key columns."""

def gaps_from_summaries(
    summaries: Union[TableLike, Sequence[TableLike]],
    *,
    national_summaries: Union[None, TableLike, Sequence[TableLike]] = None,
    national: Optional[TableLike] = None,
    levels: Optional[Sequence[str]] = None,
    min_cohort: int = 6,
    groups: Optional[TableLike] = None,
    neighbours: Union[None, int, str, "os.PathLike[str]"] = None,
    la: Union[None, int, Sequence[int]] = None,
    trends: bool = False,
    significant: bool = False,
    estimates: Union[None, str, "os.PathLike[str]"] = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
) -> pl.DataFrame:
    """The gap table (or the trends table, ``trends=True``) from summaries tables, as ``attain gaps
    --summaries`` writes it; several tables add up by key, and the result equals the table from the pupils."""

def trends(
    pupils: Optional[TableLike] = None,
    *,
    schools: Optional[PathsLike] = None,
    published: Optional[PathsLike] = None,
    la: Union[None, int, Sequence[int]] = None,
    year: Optional[int] = None,
    phase: Union[None, str, Sequence[str]] = None,
    national_pupils: Optional[TableLike] = None,
    national: Optional[TableLike] = None,
    levels: Optional[Sequence[str]] = None,
    min_cohort: int = 6,
    groups: Optional[TableLike] = None,
    significant: bool = False,
    neighbours: Union[None, int, str, "os.PathLike[str]"] = None,
    estimates: Union[None, str, "os.PathLike[str]"] = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
) -> pl.DataFrame:
    """The trends table, as ``attain trends`` writes it: every unit, measure and group against the unit's
    previous year, from pupils (``pupils``, with ``national_pupils`` or ``national``) or from published
    tables (``schools``, ``published``, with ``la`` and ``year``).

    Columns: ``TREND_COLUMNS``. ``change`` is this year's value minus ``value_previous`` (the latest earlier
    year with pupils), with a 95% interval (Newcombe for rates, Welch for means); ``gap_change`` is the change
    of the gap (member - comparison) with the MOVER interval; ``change_significance`` and
    ``gap_change_significance`` are ``rise``, ``drop`` or ``no_change``. A rise of a negative gap means the
    gap narrowed. ``direction`` is ``rising``, ``falling`` or ``mixed`` over three years.
    ``significant=True`` keeps only rows with a significant change or gap change.
    """

def published_gaps(
    *,
    schools: Optional[PathsLike] = None,
    published: Optional[PathsLike] = None,
    la: Union[None, int, Sequence[int]] = None,
    year: Optional[int] = None,
    phase: Union[None, str, Sequence[str]] = None,
    levels: Optional[Sequence[str]] = None,
    min_cohort: int = 6,
    groups: Optional[TableLike] = None,
    national: Optional[TableLike] = None,
    neighbours: Union[None, int, str, "os.PathLike[str]"] = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
) -> pl.DataFrame:
    """The gap table from DfE's published tables, as ``attain gaps --schools/--published`` writes it.

    Args:
        schools: school performance tables (``*_ks2final.csv``, ``*_ks4final.csv``, ``*_ks4provisional.csv``),
            exactly as downloaded. ``la`` rows pool each LA's state-funded schools; DfE's own LA figure is in
            ``published_member``.
        published: LA-level tables: Explore Education Statistics CSVs (EYFSP headline measures,
            children-in-need outcomes) and LAIT attainment extracts.
        la: only these LAs (with their schools and regions); England is always kept.
        year: the academic year (ending year) of performance tables whose file names lack it.
        phase: only these phases.
        levels: any of ``national``, ``region``, ``la``, ``school``, ``alliance``
            (default ``national, region, la, school`` with ``published``, else ``national, la, school``).
        min_cohort: values from fewer pupils are withheld; 0 turns suppression off.
        groups: groupings of schools (``urn, group_id, group_name``); adds the level ``alliance``.
        national: a national reference table used where the files have no England figure.

    The table has the columns ``GAP_COLUMNS + PUBLISHED_COLUMNS``: ``published_n_member``,
    ``published_member``, ``region_member``, ``rounded`` and ``reason`` (why a value is missing).

    Raises:
        ValidationError: bad data, with ``file``, ``row``, ``column``, ``value`` and ``expected``.
        UsageError: a bad argument.
        FileError: a file that cannot be read.
    """

class Published(NamedTuple):
    """Published tables as Attain reads them."""

    figures: pl.DataFrame
    notes: pl.DataFrame

def read_published(
    *,
    schools: Optional[PathsLike] = None,
    published: Optional[PathsLike] = None,
    year: Optional[int] = None,
) -> Published:
    """Every figure Attain reads from published tables (one row per figure, with the file and row it came
    from and the code given where a value is missing), and notes on what each file cannot give."""

def read_pupils(pupils: TableLike, phase: Optional[str] = None) -> pl.DataFrame:
    """A pupil table, validated and typed (whole numbers as Int32, missing values null).

    Raises:
        ValidationError: bad data, with ``file``, ``row``, ``column``, ``value`` and ``expected``.
    """

class Synthetic(NamedTuple):
    """A synthetic phase: the pupils, and the synthetic England's national figures."""

    pupils: pl.DataFrame
    national: pl.DataFrame

def synth(
    phase: str,
    *,
    scale: str = "la",
    la: int = 883,
    years: Sequence[int] = (2022, 2023, 2024),
    seed: int = 2024,
) -> Synthetic:
    """Seeded synthetic pupils for one phase: ``scale="la"`` for one LA, ``"national"`` for England (~650,000 a year)."""

def ofsted_profile(
    inspections: Union[str, "os.PathLike[str]"],
    *,
    la: Union[None, int, Sequence[int]] = None,
    groups: Optional[TableLike] = None,
) -> pl.DataFrame:
    """The Ofsted profile (``level, unit, name, phase, framework, area, grade, schools, schools_graded,
    pct_schools, pupils, pupils_graded, pct_pupils, schools_without_grade, as_at``) of England, each LA and each
    grouping, by phase, from Ofsted's management-information file (Windows-1252) or GIAS's establishment file.
    Old-framework grades and report cards are never mixed."""

def categorise(
    *,
    la: Union[int, Sequence[int]],
    pupils: Union[None, TableLike, Sequence[TableLike]] = None,
    data: Union[None, str, "os.PathLike[str]"] = None,
    schools: Optional[PathsLike] = None,
    published: Optional[PathsLike] = None,
    year: Optional[int] = None,
    national: Optional[TableLike] = None,
    national_pupils: Optional[TableLike] = None,
    groups: Optional[TableLike] = None,
    rules: Union[None, str, "os.PathLike[str]"] = None,
    ofsted: Union[None, str, "os.PathLike[str]"] = None,
    min_cohort: int = 6,
    estimates: Union[None, str, "os.PathLike[str]"] = None,
    neighbours: Union[None, int, str, "os.PathLike[str]"] = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
) -> pl.DataFrame:
    """Every school of the LA and every alliance categorised by a council's rules file (TOML; default
    ``datasets/rules/default.toml``): ``level, unit, name, category, reasons``, where ``reasons`` lists every rule
    that fired (or could not be evaluated) with its text and figures."""

def targets(
    targets: Union[str, "os.PathLike[str]"],
    *,
    la: Union[None, int, Sequence[int]] = None,
    pupils: Union[None, TableLike, Sequence[TableLike]] = None,
    data: Union[None, str, "os.PathLike[str]"] = None,
    schools: Optional[PathsLike] = None,
    published: Optional[PathsLike] = None,
    year: Optional[int] = None,
    national: Optional[TableLike] = None,
    national_pupils: Optional[TableLike] = None,
    groups: Optional[TableLike] = None,
    min_cohort: int = 6,
    estimates: Union[None, str, "os.PathLike[str]"] = None,
    neighbours: Union[None, int, str, "os.PathLike[str]"] = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
) -> pl.DataFrame:
    """Targets (``unit, measure, group, year, target[, level]``) judged against the gap table: ``met``,
    ``not_met``, ``too_close_to_call`` (the target inside the 95% interval) or ``not_judged`` (with the reason)."""

class Report:
    """The council evaluation report: renders in Jupyter (``_repr_html_``) and saves as HTML or Markdown."""

    html: str
    markdown: str
    def __init__(self, html: str, markdown: str) -> None: ...
    def _repr_html_(self) -> str: ...
    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes the report: Markdown for a ``.md`` path, else HTML."""

def report(
    *,
    la: int,
    pupils: Union[None, TableLike, Sequence[TableLike]] = None,
    data: Union[None, str, "os.PathLike[str]"] = None,
    schools: Optional[PathsLike] = None,
    published: Optional[PathsLike] = None,
    year: Optional[int] = None,
    national: Optional[TableLike] = None,
    national_pupils: Optional[TableLike] = None,
    groups: Optional[TableLike] = None,
    rules: Union[None, str, "os.PathLike[str]"] = None,
    ofsted: Union[None, str, "os.PathLike[str]"] = None,
    targets: Union[None, str, "os.PathLike[str]"] = None,
    min_cohort: int = 6,
    estimates: Union[None, str, "os.PathLike[str]"] = None,
    neighbours: Union[None, int, str, "os.PathLike[str]"] = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
) -> Report:
    """The council evaluation report of an LA (``attain report``): a self-contained, accessible HTML page, and the
    same content as Markdown."""
