"""The compiled core. Use the functions of :mod:`attain`, not these."""

from typing import List, Optional, Tuple, Union

import polars as pl

__all__ = [
    "AttainError",
    "FileError",
    "GAP_COLUMNS",
    "UsageError",
    "ValidationError",
    "gaps",
    "national_reference",
    "published_gaps",
    "read_published",
    "PUBLISHED_COLUMNS",
    "TREND_COLUMNS",
    "SUMMARY_COLUMNS",
    "SUMMARIES_VERSION",
    "summarise",
    "gap_index",
    "gaps_from_summaries",
    "read_pupils",
    "sample",
    "sample_national",
    "synth",
    "ofsted_profile",
    "categorise",
    "targets",
    "report",
    "__version__",
]

__version__: str
GAP_COLUMNS: List[str]
PUBLISHED_COLUMNS: List[str]
TREND_COLUMNS: List[str]
SUMMARY_COLUMNS: List[str]
SUMMARIES_VERSION: int

class AttainError(Exception):
    """Base class of every error Attain raises."""

class ValidationError(AttainError):
    """Input data is not what Attain needs."""

    file: str
    row: Optional[int]
    column: Optional[str]
    value: Optional[str]
    expected: str

class UsageError(AttainError):
    """An argument does not make sense."""

class FileError(AttainError):
    """A file could not be read or written."""

    file: str

def gaps(
    pupils: Union[str, pl.DataFrame],
    phase: Optional[str],
    national_pupils: Optional[Union[str, pl.DataFrame]],
    national: Optional[Union[str, pl.DataFrame]],
    levels: Optional[List[str]],
    min_cohort: int,
    groups: Optional[Union[str, pl.DataFrame]],
    significant: Optional[bool],
    neighbours: Optional[str],
    la: List[int],
    estimates: Optional[str],
    progress_sd: str,
    progress_bands: str,
    disclosure: str,
) -> Tuple[pl.DataFrame, List[str]]: ...
def published_gaps(
    schools: List[str],
    published: List[str],
    la: List[int],
    year: Optional[int],
    phase: Optional[List[str]],
    levels: Optional[List[str]],
    min_cohort: int,
    groups: Optional[Union[str, pl.DataFrame]],
    national: Optional[Union[str, pl.DataFrame]],
    significant: Optional[bool],
    neighbours: Optional[str],
    progress_sd: str,
    progress_bands: str,
    disclosure: str,
) -> pl.DataFrame: ...
def read_published(
    schools: List[str], published: List[str], year: Optional[int]
) -> Tuple[pl.DataFrame, List[Tuple[str, str, str]]]: ...
def summarise(
    pupils: Union[str, pl.DataFrame],
    phase: Optional[str],
    estimates: Optional[str],
    national_pupils: Optional[Union[str, pl.DataFrame]],
) -> pl.DataFrame: ...
def gap_index(
    pupils: Union[str, pl.DataFrame], phase: Optional[str], levels: Optional[List[str]], min_cohort: int
) -> pl.DataFrame: ...
def gaps_from_summaries(
    summaries: List[Union[str, pl.DataFrame]],
    national_summaries: List[Union[str, pl.DataFrame]],
    national: Optional[Union[str, pl.DataFrame]],
    levels: Optional[List[str]],
    min_cohort: int,
    groups: Optional[Union[str, pl.DataFrame]],
    neighbours: Optional[str],
    la: List[int],
    significant: Optional[bool],
    estimates: Optional[str],
    progress_sd: str,
    progress_bands: str,
    disclosure: str,
) -> Tuple[pl.DataFrame, List[str]]: ...
def read_pupils(pupils: Union[str, pl.DataFrame], phase: Optional[str]) -> pl.DataFrame: ...
def synth(phase: str, scale: str, la: int, years: List[int], seed: int) -> Tuple[pl.DataFrame, pl.DataFrame]: ...
def sample(phase: str) -> pl.DataFrame: ...
def national_reference() -> pl.DataFrame: ...
def sample_national() -> pl.DataFrame: ...
def ofsted_profile(inspections: str, la: List[int], groups: Optional[Union[str, pl.DataFrame]]) -> pl.DataFrame: ...
def categorise(
    gaps: pl.DataFrame,
    trends: Optional[pl.DataFrame],
    secure: Optional[pl.DataFrame],
    rules: Optional[str],
    ofsted: Optional[str],
    groups: Optional[Union[str, pl.DataFrame]],
    la: List[int],
    schools: List[str],
) -> Tuple[pl.DataFrame, List[str]]: ...
def targets(targets: str, gaps: pl.DataFrame) -> pl.DataFrame: ...
def report(
    gaps: pl.DataFrame,
    trends: Optional[pl.DataFrame],
    secure: Optional[pl.DataFrame],
    la: int,
    year: Optional[int],
    rules: Optional[str],
    ofsted: Optional[str],
    groups: Optional[Union[str, pl.DataFrame]],
    targets: Optional[str],
    min_cohort: int,
    disclosure: str,
    sources: List[str],
    notes: List[str],
    schools: List[str],
) -> Tuple[str, str]: ...
