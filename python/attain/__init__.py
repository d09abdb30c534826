"""Attain: attainment gap analysis for English local authorities.

Every function returns a polars DataFrame; call ``.to_pandas()`` for pandas.
Tables may be given as a path (``str`` or ``pathlib.Path``, CSV or Parquet),
a polars DataFrame or a pandas DataFrame.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple, Optional, Sequence, Union

import polars as pl

from . import _attain, datasets
from ._attain import AttainError, FileError, UsageError, ValidationError

__version__: str = _attain.__version__

#: The columns of the gap table, in order.
GAP_COLUMNS: "list[str]" = list(_attain.GAP_COLUMNS)

__all__ = [
    "AttainError",
    "FileError",
    "GAP_COLUMNS",
    "Synthetic",
    "UsageError",
    "ValidationError",
    "datasets",
    "gaps",
    "read_pupils",
    "synth",
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
        except Exception as error:  # pyarrow's conversion errors vary by version
            raise UsageError(f"{argument}: this pandas DataFrame could not be converted to polars: {error}") from error
    raise UsageError(
        f"{argument}: expected a path, a polars DataFrame or a pandas DataFrame, got {type(table).__name__}"
    )


def gaps(
    pupils: TableLike,
    *,
    phase: Optional[str] = None,
    national_pupils: Optional[TableLike] = None,
    national: Optional[TableLike] = None,
    levels: Sequence[str] = ("national", "la", "school"),
    min_cohort: int = 6,
) -> pl.DataFrame:
    """The gap table: the same table as ``attain gaps``."""
    if isinstance(levels, str):
        levels = levels.split(",")
    return _attain.gaps(
        _table(pupils, "pupils"),
        phase,
        None if national_pupils is None else _table(national_pupils, "national_pupils"),
        None if national is None else _table(national, "national"),
        list(levels),
        int(min_cohort),
    )


def read_pupils(pupils: TableLike, phase: Optional[str] = None) -> pl.DataFrame:
    """A pupil table, validated and typed."""
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
