"""Attain: attainment gap analysis for English local authorities.

Every function returns a polars DataFrame; call ``.to_pandas()`` for pandas.
Tables may be given as a path (``str`` or ``pathlib.Path``, CSV or Parquet),
a polars DataFrame or a pandas DataFrame.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, NamedTuple, Optional, Sequence, Union

import polars as pl

from . import _attain, datasets
from ._attain import AttainError, FileError, UsageError, ValidationError

__version__: str = _attain.__version__

#: The columns of the gap table, in order.
GAP_COLUMNS: "list[str]" = list(_attain.GAP_COLUMNS)

#: The columns a gap table from published tables has after ``GAP_COLUMNS``.
PUBLISHED_COLUMNS: "list[str]" = list(_attain.PUBLISHED_COLUMNS)

#: The columns of the trends table, in order.
TREND_COLUMNS: "list[str]" = list(_attain.TREND_COLUMNS)

#: The columns of the summaries table, in order, and its schema version.
SUMMARY_COLUMNS: "list[str]" = list(_attain.SUMMARY_COLUMNS)
SUMMARIES_VERSION: int = _attain.SUMMARIES_VERSION

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

TableLike = Union[str, "os.PathLike[str]", pl.DataFrame, Any]


def _table(table: TableLike, argument: str) -> Union[str, pl.DataFrame]:
    """A path as ``str``, a polars DataFrame as is, a pandas DataFrame converted."""
    if isinstance(table, (str, os.PathLike)):
        return os.fspath(table)
    if isinstance(table, pl.DataFrame):
        return table
    module = type(table).__module__
    if module.startswith("pandas"):
        try:
            # Nullable (Int64, boolean, string) and object columns become
            # polars columns with nulls; whole-valued float columns (pandas'
            # int-with-gaps) are accepted as whole numbers by the validator.
            return pl.from_pandas(table)
        except Exception:  # pyarrow refuses object columns of mixed types
            pass
        # An object column of mixed types (True beside "maybe", say) goes
        # across as text, so that the validator names the bad cell.
        mixed = {name: "string" for name, dtype in table.dtypes.items() if dtype == object}
        try:
            return pl.from_pandas(table.astype(mixed))
        except Exception as error:
            raise UsageError(f"{argument}: this pandas DataFrame could not be converted to polars: {error}") from error
    raise UsageError(
        f"{argument}: expected a path, a polars DataFrame or a pandas DataFrame, got {type(table).__name__}"
    )


def _pupil_table(
    caller: str,
    pupils: TableLike,
    phase: Optional[str],
    national_pupils: Optional[TableLike],
    national: Optional[TableLike],
    levels: Optional[Sequence[str]],
    min_cohort: int,
    groups: Optional[TableLike],
    significant: Optional[bool],
    neighbours: Union[None, int, str, "os.PathLike[str]"] = None,
    la: Union[None, int, Sequence[int]] = None,
    estimates: "Union[None, str, os.PathLike[str]]" = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
) -> pl.DataFrame:
    """The gap table (``significant`` is None) or the trends table from pupils."""
    if phase is not None and not isinstance(phase, str):
        raise UsageError(f"phase: expected eyfs, phonics, ks1, ks2 or ks4, got {phase!r}")
    _check_min_cohort(min_cohort)
    table, notes = _attain.gaps(
        _table(pupils, "pupils"),
        phase,
        None if national_pupils is None else _table(national_pupils, "national_pupils"),
        None if national is None else _table(national, "national"),
        _levels(levels),
        int(min_cohort),
        None if groups is None else _table(groups, "groups"),
        significant,
        _neighbours(neighbours),
        _las(la),
        _estimates(estimates),
        *_progress(progress_sd, progress_bands),
        _disclosure(disclosure),
    )
    for note in notes:
        # What the core decided or could not find (national figures chosen
        # from the pupils, missing neighbours): said as the CLI says it.
        warnings.warn(f"attain.{caller}: {note}", stacklevel=3)
    return table


def _neighbours(neighbours: Union[None, int, str, "os.PathLike[str]"]) -> Optional[str]:
    """2025 or 2021 (DfE's models) or a file, as the core reads it."""
    if neighbours is None:
        return None
    if isinstance(neighbours, bool):
        raise UsageError(f"neighbours: expected 2025, 2021 or a file, got {neighbours!r}")
    if isinstance(neighbours, int):
        return str(neighbours)
    if isinstance(neighbours, (str, os.PathLike)):
        return os.fspath(neighbours)
    raise UsageError(f"neighbours: expected 2025, 2021 or a file, got {type(neighbours).__name__}")


def _estimates(estimates: "Union[None, str, os.PathLike[str]]") -> Optional[str]:
    """``"dfe"`` (DfE's Progress 8 estimates, shipped) or an estimates table's path."""
    if estimates is None or isinstance(estimates, (str, os.PathLike)):
        return None if estimates is None else os.fspath(estimates)
    raise UsageError(f"estimates: expected \"dfe\" or a file, got {type(estimates).__name__}")


def _progress(progress_sd: Union[str, float], progress_bands: str) -> "tuple[str, str]":
    """The progress SD (``"national"``, ``"unit"`` or a number) and bands, as the core parses them."""
    if isinstance(progress_sd, bool) or not isinstance(progress_sd, (str, int, float)):
        raise UsageError(f"progress_sd: expected \"national\", \"unit\" or a number, got {progress_sd!r}")
    if not isinstance(progress_bands, str):
        raise UsageError(f"progress_bands: expected \"dfe\", \"dfe:THRESHOLD\" or \"percentile\", got {progress_bands!r}")
    return str(progress_sd), progress_bands


def _disclosure(disclosure: str) -> str:
    """``"publish"`` (primary and secondary suppression, the default) or ``"secure"`` (primary only)."""
    if disclosure not in ("publish", "secure"):
        raise UsageError(f"disclosure: expected \"publish\" or \"secure\", got {disclosure!r}")
    return disclosure


def _levels(levels: Optional[Sequence[str]]) -> "Optional[list[str]]":
    """Levels as a list (``"la,school"`` or a sequence), or None for the core's default."""
    if levels is None:
        return None
    return levels.split(",") if isinstance(levels, str) else list(levels)


def _check_min_cohort(min_cohort: Any) -> None:
    if isinstance(min_cohort, bool) or not isinstance(min_cohort, int) or min_cohort < 0:
        raise UsageError(f"min_cohort: expected a whole number of pupils, 0 or more, got {min_cohort!r}")


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
    estimates: "Union[None, str, os.PathLike[str]]" = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
) -> pl.DataFrame:
    """The gap table: the same table as ``attain gaps``. Progress measures (``ks4.p8``,
    ``ks2.read_progress``, ``ks2.mat_progress``) are scored with ``estimates`` (``"dfe"`` or a file), else
    with estimates from the national pupils."""
    return _pupil_table(
        "gaps", pupils, phase, national_pupils, national, levels, min_cohort, groups, None, neighbours, la,
        estimates, progress_sd, progress_bands, disclosure,
    )


def trends(
    pupils: Optional[TableLike] = None,
    *,
    schools: "Optional[PathsLike]" = None,
    published: "Optional[PathsLike]" = None,
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
    estimates: "Union[None, str, os.PathLike[str]]" = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
) -> pl.DataFrame:
    """The trends table: the same table as ``attain trends``, from pupils or from published tables."""
    if not isinstance(significant, bool):
        raise UsageError(f"significant: expected True or False, got {significant!r}")
    if pupils is not None:
        if schools is not None or published is not None or year is not None:
            raise UsageError("trends: give pupils, or schools/published tables (with year), not both")
        if phase is not None and not isinstance(phase, str):
            raise UsageError(f"phase: expected one phase for pupils, got {phase!r}")
        return _pupil_table(
            "trends", pupils, phase, national_pupils, national, levels, min_cohort, groups, significant, neighbours, la,
            estimates, progress_sd, progress_bands, disclosure,
        )
    if national_pupils is not None or estimates is not None:
        raise UsageError("national_pupils and estimates go with pupils: published tables bring their own figures")
    return _published_table(
        "trends", schools, published, la, year, phase, levels, min_cohort, groups, national, significant, neighbours,
        progress_sd, progress_bands, disclosure,
    )


PathsLike = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]


def _paths(paths: Optional[PathsLike], argument: str) -> "list[str]":
    """One path or several, as a list of ``str``."""
    if paths is None:
        return []
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    result = []
    for path in paths:
        if not isinstance(path, (str, os.PathLike)):
            raise UsageError(f"{argument}: expected file paths, got {type(path).__name__}")
        result.append(os.fspath(path))
    return result


def _las(la: Union[None, int, Sequence[int]]) -> "list[int]":
    codes = [] if la is None else [la] if isinstance(la, int) else list(la)
    for code in codes:
        if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 999:
            raise UsageError(f"la: expected three-digit LA codes such as 883, got {code!r}")
    return codes


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
    """The gap table from DfE's published tables: the same table as ``attain gaps --schools/--published``."""
    return _published_table(
        "published_gaps", schools, published, la, year, phase, levels, min_cohort, groups, national, None, neighbours,
        progress_sd, progress_bands, disclosure,
    )


def _published_table(
    caller: str,
    schools: Optional[PathsLike],
    published: Optional[PathsLike],
    la: Union[None, int, Sequence[int]],
    year: Optional[int],
    phase: Union[None, str, Sequence[str]],
    levels: Optional[Sequence[str]],
    min_cohort: int,
    groups: Optional[TableLike],
    national: Optional[TableLike],
    significant: Optional[bool],
    neighbours: Union[None, int, str, "os.PathLike[str]"] = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
) -> pl.DataFrame:
    """The gap table (``significant`` is None) or the trends table from published tables."""
    schools_list = _paths(schools, "schools")
    published_list = _paths(published, "published")
    if not schools_list and not published_list:
        raise UsageError(f"{caller}: give schools (performance tables), published (LA-level tables) or both")
    if isinstance(phase, str):
        phase = [phase]
    _check_min_cohort(min_cohort)
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise UsageError(f"year: expected the year an academic year ends, such as 2019, got {year!r}")
    return _attain.published_gaps(
        schools_list,
        published_list,
        _las(la),
        year,
        None if phase is None else list(phase),
        _levels(levels),
        int(min_cohort),
        None if groups is None else _table(groups, "groups"),
        None if national is None else _table(national, "national"),
        significant,
        _neighbours(neighbours),
        *_progress(progress_sd, progress_bands),
        _disclosure(disclosure),
    )


class Published(NamedTuple):
    """Published tables as Attain reads them."""

    #: One row per figure: file, row, phase, year, level, unit, measure, population, n, value,
    #: numerator, count_rounded, missing.
    figures: pl.DataFrame
    #: What each file cannot give or what was left out: file, kind, note.
    notes: pl.DataFrame


def read_published(
    *,
    schools: Optional[PathsLike] = None,
    published: Optional[PathsLike] = None,
    year: Optional[int] = None,
) -> Published:
    """Every figure Attain reads from published tables, and notes on what each file cannot give."""
    figures, notes = _attain.read_published(_paths(schools, "schools"), _paths(published, "published"), year)
    return Published(
        figures,
        pl.DataFrame(notes, schema={"file": pl.String, "kind": pl.String, "note": pl.String}, orient="row"),
    )


def gap_index(
    pupils: TableLike,
    *,
    phase: Optional[str] = None,
    levels: Optional[Sequence[str]] = None,
    min_cohort: int = 6,
) -> pl.DataFrame:
    """DfE's disadvantage gap index (KS2, KS4) for England, every LA and every school: the same table as
    ``attain gap-index``. Every pupil given is ranked as the nation."""
    _check_min_cohort(min_cohort)
    return _attain.gap_index(_table(pupils, "pupils"), phase, _levels(levels), int(min_cohort))


def summarise(
    pupils: TableLike,
    *,
    phase: Optional[str] = None,
    estimates: "Union[None, str, os.PathLike[str]]" = None,
    national_pupils: Optional[TableLike] = None,
) -> pl.DataFrame:
    """The summaries table of pupils: counts, sums and sums of squares per school, year, pupil profile and
    measure (``SUMMARY_COLUMNS``), which add up exactly: summarise partitions, add them up by the key columns,
    and ``gaps_from_summaries`` gives the table ``gaps`` gives on the pupils. Progress measures are scored with
    ``estimates`` (``"dfe"`` or a file) or estimates from ``national_pupils``; without either they hold no
    scores."""
    if phase is not None and not isinstance(phase, str):
        raise UsageError(f"phase: expected eyfs, phonics, ks1, ks2 or ks4, got {phase!r}")
    if estimates is not None and national_pupils is not None:
        raise UsageError("give estimates or national_pupils, not both")
    return _attain.summarise(
        _table(pupils, "pupils"),
        phase,
        _estimates(estimates),
        None if national_pupils is None else _table(national_pupils, "national_pupils"),
    )


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
    estimates: "Union[None, str, os.PathLike[str]]" = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
) -> pl.DataFrame:
    """The gap table (or, with ``trends=True``, the trends table) from summaries tables: the same table as
    ``attain gaps --summaries``. Several tables (partitions, years, councils) add up by key."""
    def tables(value: Union[TableLike, Sequence[TableLike]], argument: str) -> "list[Any]":
        if isinstance(value, (list, tuple)):
            return [_table(v, argument) for v in value]
        return [_table(value, argument)]

    _check_min_cohort(min_cohort)
    if national_summaries is not None and national is not None:
        raise UsageError("give national_summaries or national, not both")
    table, notes = _attain.gaps_from_summaries(
        tables(summaries, "summaries"),
        [] if national_summaries is None else tables(national_summaries, "national_summaries"),
        None if national is None else _table(national, "national"),
        _levels(levels),
        int(min_cohort),
        None if groups is None else _table(groups, "groups"),
        _neighbours(neighbours),
        _las(la),
        bool(significant) if trends else None,
        _estimates(estimates),
        *_progress(progress_sd, progress_bands),
        _disclosure(disclosure),
    )
    for note in notes:
        warnings.warn(f"attain.gaps_from_summaries: {note}", stacklevel=2)
    return table


def read_pupils(pupils: TableLike, phase: Optional[str] = None) -> pl.DataFrame:
    """A pupil table, validated and typed."""
    if phase is not None and not isinstance(phase, str):
        raise UsageError(f"phase: expected eyfs, phonics, ks1, ks2 or ks4, got {phase!r}")
    return _attain.read_pupils(_table(pupils, "pupils"), phase)


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
    """Seeded synthetic pupils for one phase (the model behind ``attain synth``)."""
    pupils, national = _attain.synth(phase, scale, int(la), [int(y) for y in years], int(seed))
    return Synthetic(pupils, national)


PHASES = ("eyfs", "phonics", "ks1", "ks2", "ks4")


def ofsted_profile(
    inspections: "Union[str, os.PathLike[str]]",
    *,
    la: Union[None, int, Sequence[int]] = None,
    groups: Optional[TableLike] = None,
) -> pl.DataFrame:
    """The Ofsted profile of England, each LA and each grouping, by phase: the same table as ``attain ofsted``.
    Old-framework grades and report cards are never mixed into one figure."""
    if not isinstance(inspections, (str, os.PathLike)):
        raise UsageError(f"inspections: expected a file path, got {type(inspections).__name__}")
    return _attain.ofsted_profile(
        os.fspath(inspections), _las(la), None if groups is None else _table(groups, "groups")
    )


def _gap_and_trend_tables(
    la: Union[None, int, Sequence[int]],
    pupils: Union[None, TableLike, Sequence[TableLike]],
    data: "Union[None, str, os.PathLike[str]]",
    schools: Optional[PathsLike],
    published: Optional[PathsLike],
    year: Optional[int],
    national: Optional[TableLike],
    national_pupils: Optional[TableLike],
    groups: Optional[TableLike],
    min_cohort: int,
    estimates: "Union[None, str, os.PathLike[str]]",
    neighbours: Union[None, int, str, "os.PathLike[str]"] = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
    with_trends: bool = True,
) -> "tuple[pl.DataFrame, Optional[pl.DataFrame]]":
    """The gap and trends tables of every phase given, as ``attain categorise`` builds them."""
    common: "dict[str, Any]" = dict(
        neighbours=neighbours, progress_sd=progress_sd, progress_bands=progress_bands, disclosure=disclosure,
    )
    if schools is not None or published is not None:
        kwargs: "dict[str, Any]" = dict(
            schools=schools, published=published, la=la, year=year, national=national, min_cohort=min_cohort,
            groups=groups, **common,
        )
        return published_gaps(**kwargs), trends(**kwargs) if with_trends else None
    tables: "list[Any]" = []
    if data is not None:
        folder = os.fspath(data)
        for phase in PHASES:
            for ext in ("csv", "parquet"):
                path = os.path.join(folder, f"{phase}.{ext}")
                if os.path.isfile(path):
                    tables.append(path)
        if national is None and national_pupils is None and os.path.isfile(os.path.join(folder, "national.csv")):
            national = os.path.join(folder, "national.csv")
        if estimates is None and os.path.isfile(os.path.join(folder, "estimates.csv")):
            estimates = os.path.join(folder, "estimates.csv")
    elif pupils is not None:
        tables = list(pupils) if isinstance(pupils, (list, tuple)) else [pupils]
    else:
        raise UsageError("give pupils, data (a dataset folder), or schools/published tables")
    gap_parts, trend_parts = [], []
    for table in tables:
        kwargs = dict(
            national=national, national_pupils=national_pupils, la=la, min_cohort=min_cohort, groups=groups,
            estimates=estimates, **common,
        )
        gap_parts.append(gaps(table, **kwargs))
        if with_trends:
            trend_parts.append(trends(table, **kwargs))
    return pl.concat(gap_parts), pl.concat(trend_parts) if with_trends else None


def _secure_gap_table(*args: Any, disclosure: str, min_cohort: int, **kwargs: Any) -> Optional[pl.DataFrame]:
    """The same gap table in secure mode, whose counts a cohort rule judges where the published table withholds
    them (the counts are not printed); None when the published table withholds no count."""
    if _disclosure(disclosure) != "publish" or min_cohort == 0:
        return None
    table, _ = _gap_and_trend_tables(*args, disclosure="secure", with_trends=False, **kwargs)
    return table


def _source_line(path: "Union[str, os.PathLike[str]]", what: str) -> str:
    """A line for the report's appendix: a file, what it is, and when it was last modified."""
    import datetime

    try:
        modified = datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)
        return f"{os.fspath(path)} ({what}, file last modified {modified:%Y-%m-%d})"
    except OSError:
        return f"{os.fspath(path)} ({what})"


def categorise(
    *,
    la: Union[int, Sequence[int]],
    pupils: Union[None, TableLike, Sequence[TableLike]] = None,
    data: "Union[None, str, os.PathLike[str]]" = None,
    schools: Optional[PathsLike] = None,
    published: Optional[PathsLike] = None,
    year: Optional[int] = None,
    national: Optional[TableLike] = None,
    national_pupils: Optional[TableLike] = None,
    groups: Optional[TableLike] = None,
    rules: "Union[None, str, os.PathLike[str]]" = None,
    ofsted: "Union[None, str, os.PathLike[str]]" = None,
    min_cohort: int = 6,
    estimates: "Union[None, str, os.PathLike[str]]" = None,
    neighbours: Union[None, int, str, "os.PathLike[str]"] = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
) -> pl.DataFrame:
    """Every school of the LA and every alliance categorised by a rules file (default: the shipped
    ``datasets/rules/default.toml``): the same table as ``attain categorise`` in JSON, ``reasons`` a list of
    structs (rule, category, outcome, text, measure, group, year, n, value, national, figure, threshold)."""
    las = _las(la)
    if not las:
        raise UsageError("la: categorise needs the LA whose schools it categorises")
    args = (la, pupils, data, schools, published, year, national, national_pupils, groups, min_cohort, estimates)
    options: "dict[str, Any]" = dict(neighbours=neighbours, progress_sd=progress_sd, progress_bands=progress_bands)
    gap_table, trend_table = _gap_and_trend_tables(*args, disclosure=disclosure, **options)
    table, notes = _attain.categorise(
        gap_table,
        trend_table,
        _secure_gap_table(*args, disclosure=disclosure, min_cohort=min_cohort, **options),
        None if rules is None else os.fspath(rules),
        None if ofsted is None else os.fspath(ofsted),
        None if groups is None else _table(groups, "groups"),
        las,
        _paths(schools, "schools"),
    )
    for note in notes:
        warnings.warn(f"attain.categorise: {note}", stacklevel=2)
    return table


def targets(
    targets: "Union[str, os.PathLike[str]]",
    *,
    la: Union[None, int, Sequence[int]] = None,
    pupils: Union[None, TableLike, Sequence[TableLike]] = None,
    data: "Union[None, str, os.PathLike[str]]" = None,
    schools: Optional[PathsLike] = None,
    published: Optional[PathsLike] = None,
    year: Optional[int] = None,
    national: Optional[TableLike] = None,
    national_pupils: Optional[TableLike] = None,
    groups: Optional[TableLike] = None,
    min_cohort: int = 6,
    estimates: "Union[None, str, os.PathLike[str]]" = None,
    neighbours: Union[None, int, str, "os.PathLike[str]"] = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
) -> pl.DataFrame:
    """Targets (``unit, measure, group, year, target[, level]``) judged: ``met``, ``not_met``,
    ``too_close_to_call`` (the target inside the 95% interval) or ``not_judged``: the same table as
    ``attain targets``."""
    if not isinstance(targets, (str, os.PathLike)):
        raise UsageError(f"targets: expected a file path, got {type(targets).__name__}")
    gap_table, _ = _gap_and_trend_tables(
        la, pupils, data, schools, published, year, national, national_pupils, groups, min_cohort, estimates,
        neighbours=neighbours, progress_sd=progress_sd, progress_bands=progress_bands, disclosure=disclosure,
        with_trends=False,
    )
    return _attain.targets(os.fspath(targets), gap_table)


class Report:
    """The council evaluation report: renders in Jupyter, saves as HTML or Markdown."""

    def __init__(self, html: str, markdown: str) -> None:
        #: One self-contained HTML page.
        self.html = html
        #: The same content as Markdown, for committee papers.
        self.markdown = markdown

    def _repr_html_(self) -> str:
        # In a frame of its own: the page's stylesheet must not restyle the notebook.
        import html as _html

        return (
            '<iframe style="width:100%;height:720px;border:1px solid #ccc" title="Attain report" '
            f'srcdoc="{_html.escape(self.html, quote=True)}"></iframe>'
        )

    def save(self, path: "Union[str, os.PathLike[str]]") -> None:
        """Writes the report: Markdown for a ``.md`` path, else HTML."""
        text = self.markdown if os.fspath(path).endswith(".md") else self.html
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)


def report(
    *,
    la: int,
    pupils: Union[None, TableLike, Sequence[TableLike]] = None,
    data: "Union[None, str, os.PathLike[str]]" = None,
    schools: Optional[PathsLike] = None,
    published: Optional[PathsLike] = None,
    year: Optional[int] = None,
    national: Optional[TableLike] = None,
    national_pupils: Optional[TableLike] = None,
    groups: Optional[TableLike] = None,
    rules: "Union[None, str, os.PathLike[str]]" = None,
    ofsted: "Union[None, str, os.PathLike[str]]" = None,
    targets: "Union[None, str, os.PathLike[str]]" = None,
    min_cohort: int = 6,
    estimates: "Union[None, str, os.PathLike[str]]" = None,
    neighbours: Union[None, int, str, "os.PathLike[str]"] = None,
    progress_sd: Union[str, float] = "national",
    progress_bands: str = "dfe",
    disclosure: str = "publish",
) -> Report:
    """The council evaluation report of an LA, as ``attain report`` writes it: headlines, every phase's gaps,
    trends, progress, alliances, the Ofsted profile, categorisation and targets. The object renders in Jupyter
    and saves to a file (``.save("report.html")`` or ``.md``)."""
    if isinstance(la, bool) or not isinstance(la, int):
        raise UsageError(f"la: expected the three-digit code of the LA reported, got {la!r}")
    _las(la)
    _check_min_cohort(min_cohort)
    args = (
        la, pupils, data, schools, published, None if schools is None else year, national, national_pupils, groups,
        min_cohort, estimates,
    )
    options: "dict[str, Any]" = dict(neighbours=neighbours, progress_sd=progress_sd, progress_bands=progress_bands)
    gap_table, trend_table = _gap_and_trend_tables(*args, disclosure=disclosure, **options)
    secure_table = _secure_gap_table(*args, disclosure=disclosure, min_cohort=min_cohort, **options)
    sources = []
    if data is not None:
        folder = os.fspath(data)
        for name in sorted(os.listdir(folder)):
            stem, ext = os.path.splitext(name)
            if ext in (".csv", ".parquet") and stem in PHASES:
                sources.append(_source_line(os.path.join(folder, name), f"{stem} pupil table"))
        for name, what in [("national.csv", "national reference figures"), ("estimates.csv", "progress estimates")]:
            if os.path.isfile(os.path.join(folder, name)):
                sources.append(_source_line(os.path.join(folder, name), what))
    ogl = "Crown copyright, Open Government Licence v3.0"
    for value, what in [(pupils, "pupil table"), (schools, f"DfE school performance table ({ogl})"),
                        (published, f"DfE LA-level table ({ogl})"), (national, "national reference figures"),
                        (national_pupils, "national pupil table"), (groups, "groupings of schools"),
                        (ofsted, f"Ofsted inspection outcomes ({ogl})"), (rules, "categorisation rules"),
                        (targets, "targets"), (estimates if estimates != "dfe" else None, "progress estimates")]:
        paths = [value] if isinstance(value, (str, os.PathLike)) else value if isinstance(value, (list, tuple)) else []
        for path in paths:
            if isinstance(path, (str, os.PathLike)):
                sources.append(_source_line(path, what))
    if neighbours is not None:
        sources.append(
            f"DfE's statistical neighbours, the {neighbours} model shipped with Attain ({ogl})"
            if str(neighbours) in ("2021", "2025") else _source_line(os.fspath(neighbours), "statistical neighbours")
        )
    sources.append(
        f"DfE's published national figures and Progress 8 estimates shipped with Attain: {ogl} (datasets/national, "
        "datasets/progress). The shipped sample (datasets/sample) is synthetic: no real pupil is in it."
    )
    html, markdown = _attain.report(
        gap_table,
        trend_table,
        secure_table,
        la,
        year,
        None if rules is None else os.fspath(rules),
        None if ofsted is None else os.fspath(ofsted),
        None if groups is None else _table(groups, "groups"),
        None if targets is None else os.fspath(targets),
        int(min_cohort),
        _disclosure(disclosure),
        sources,
        [],
        _paths(schools, "schools"),
    )
    return Report(html, markdown)
