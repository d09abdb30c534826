"""The data shipped inside Attain, without knowing a path."""

from __future__ import annotations

import polars as pl

from . import _attain

__all__ = ["national", "sample", "sample_national"]


def sample(phase: str) -> pl.DataFrame:
    """The synthetic sample LA's pupils (LA 883, 2022-2024) for a phase."""
    return _attain.sample(phase)


def sample_national() -> pl.DataFrame:
    """The synthetic England's national figures that go with :func:`sample`."""
    return _attain.sample_national()


def national() -> pl.DataFrame:
    """England's published national figures (DfE, Open Government Licence v3.0)."""
    return _attain.national_reference()
