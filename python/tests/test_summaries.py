"""The summaries table: summarise, add up, compute; the SQL route; Spark in local mode."""

from __future__ import annotations

import importlib.util
import pathlib
import random
import subprocess

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import attain

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "datasets" / "sample"
NATIONAL = SAMPLE / "national.csv"


@pytest.mark.parametrize("phase", ["eyfs", "phonics", "ks1", "ks2", "ks4"])
def test_summarise_write_read_compute_equals_the_pupils(tmp_path: pathlib.Path, phase: str) -> None:
    pupils = SAMPLE / f"{phase}.csv"
    table = attain.summarise(pupils)
    assert table.columns == attain.SUMMARY_COLUMNS
    assert (table["version"] == attain.SUMMARIES_VERSION).all()
    path = tmp_path / "summaries.parquet"
    table.write_parquet(path)
    expected = attain.gaps(pupils, national=NATIONAL)
    assert_frame_equal(attain.gaps_from_summaries(str(path), national=NATIONAL), expected, check_exact=True)
    trends = attain.gaps_from_summaries(table, national=NATIONAL, trends=True)
    assert_frame_equal(trends, attain.trends(pupils, national=NATIONAL), check_exact=True)


def _halves(frame: pl.DataFrame, mask: pl.Series) -> "list[pl.DataFrame]":
    return [attain.summarise(frame.filter(mask)), attain.summarise(frame.filter(~mask))]


def test_summaries_of_halves_add_up_to_the_whole() -> None:
    pupils = attain.read_pupils(SAMPLE / "ks2.csv")
    whole = attain.gaps(pupils, national=NATIONAL)
    rng = random.Random(7)
    splits = {
        "by school": pupils["urn"] % 2 == 0,
        "by year": pupils["year"] == 2023,
        "at random": pl.Series([rng.random() < 0.5 for _ in range(pupils.height)]),
    }
    for name, mask in splits.items():
        parts = _halves(pupils, mask)
        assert_frame_equal(attain.gaps_from_summaries(parts, national=NATIONAL), whole, check_exact=True), name
        # Concatenated into one table, the repeated keys add up too.
        stacked = pl.concat(parts)
        assert_frame_equal(attain.gaps_from_summaries(stacked, national=NATIONAL), whole, check_exact=True), name
    # Split by LA: two councils' pupils, summarised apart.
    one, _ = attain.synth("ks2", scale="la", la=883, years=[2023, 2024], seed=1)
    two, _ = attain.synth("ks2", scale="la", la=845, years=[2023, 2024], seed=2)
    two = two.with_columns((pl.lit("b-") + pl.col("pupil_id")).alias("pupil_id"), pl.col("urn") + 500_000)
    both = pl.concat([one, two])
    parts = _halves(both, both["la_code"] == 883)
    assert_frame_equal(
        attain.gaps_from_summaries(parts, national=NATIONAL),
        attain.gaps(both, national=NATIONAL),
        check_exact=True,
    )
    # Two councils pooled as summaries: the national rows come from national summaries.
    national = attain.summarise(pupils)
    from_national = attain.gaps_from_summaries(_halves(pupils, pupils["urn"] % 3 == 0), national_summaries=national)
    without_progress = attain.gaps(pupils, national_pupils=pupils).filter(
        ~pl.col("measure").cast(pl.String).str.contains("progress")
    )
    assert_frame_equal(from_national, without_progress, check_exact=True)
    # Scored against the nation's estimates, summaries carry progress too;
    # sums of scores differ in their last bits with the order of adding.
    scored = attain.summarise(pupils, national_pupils=pupils)
    halves = [
        attain.summarise(part, national_pupils=pupils)
        for part in (pupils.filter(pupils["urn"] % 3 == 0), pupils.filter(pupils["urn"] % 3 != 0))
    ]
    assert_frame_equal(
        attain.gaps_from_summaries(halves, national_summaries=scored),
        attain.gaps(pupils, national_pupils=pupils),
        rel_tol=1e-12,
    )


def test_parts_split_by_measure_add_up(tmp_path: pathlib.Path) -> None:
    # A Spark job's output files may hold one measure of a cell in one part
    # and the rest in another: only the total must be complete.
    table = attain.summarise(SAMPLE / "ks2.csv")
    first = table.filter(pl.col("measure") == "ks2.rwm_exp")
    rest = table.filter(pl.col("measure") != "ks2.rwm_exp")
    paths = []
    for i, part in enumerate([first, rest, table.head(0)]):
        paths.append(str(tmp_path / f"part-{i}.parquet"))
        part.write_parquet(paths[-1])
    expected = attain.gaps(SAMPLE / "ks2.csv", national=NATIONAL)
    assert_frame_equal(attain.gaps_from_summaries(paths, national=NATIONAL), expected, check_exact=True)
    assert_frame_equal(attain.gaps_from_summaries([first, rest], national=NATIONAL), expected, check_exact=True)
    # Float counts from pandas are read as numbers only when whole.
    floats = table.with_columns(pl.col("cohort").cast(pl.Float64) + 0.5)
    with pytest.raises(attain.ValidationError) as error:
        attain.gaps_from_summaries(floats, national=NATIONAL)
    assert error.value.column == "cohort"


def test_another_schema_version_is_refused(tmp_path: pathlib.Path) -> None:
    table = attain.summarise(SAMPLE / "eyfs.csv").with_columns(pl.lit(2, dtype=pl.Int32).alias("version"))
    with pytest.raises(attain.ValidationError) as error:
        attain.gaps_from_summaries(table, national=NATIONAL)
    assert error.value.column == "version" and error.value.row == 2
    assert "newer" in error.value.expected
    cut = attain.summarise(SAMPLE / "ks2.csv").filter(~((pl.col("measure") == "ks2.read_avg") & (pl.col("urn") == 117597)))
    with pytest.raises(attain.ValidationError, match="the same cohort for every measure"):
        attain.gaps_from_summaries(cut, national=NATIONAL)


@pytest.mark.parametrize("phase", ["eyfs", "phonics", "ks1", "ks2", "ks4"])
def test_the_sql_route_gives_attains_summaries(phase: str) -> None:
    cli = pathlib.Path(__import__("os").environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug" / "attain"
    sql = subprocess.run([str(cli), "summaries-sql", "--phase", phase], capture_output=True, text=True, check=True).stdout
    pupils = attain.read_pupils(SAMPLE / f"{phase}.csv")
    from_sql = pl.SQLContext(pupils=pupils).execute(sql, eager=True)
    key = attain.SUMMARY_COLUMNS[:10]
    from_attain = attain.summarise(pupils)
    # The same table, up to row order and integer widths.
    assert_frame_equal(
        from_sql.select(attain.SUMMARY_COLUMNS).cast(from_attain.schema).sort(key),
        from_attain.sort(key),
        check_exact=True,
    )
    assert_frame_equal(
        attain.gaps_from_summaries(from_sql.cast(from_attain.schema), national=NATIONAL),
        attain.gaps(pupils, national=NATIONAL),
        check_exact=True,
    )


def test_spark_gives_exactly_the_table_attain_gives() -> None:
    spec = importlib.util.spec_from_file_location("spark_gaps", ROOT / "python" / "examples" / "spark_gaps.py")
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("attain-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    try:
        for phase in ["ks2", "ks4"]:
            pupils = attain.read_pupils(SAMPLE / f"{phase}.csv")
            frame = spark.createDataFrame(pupils.to_arrow(compat_level=pl.CompatLevel.oldest())).repartition(5)
            table = example.gap_table(frame, national=NATIONAL)
            assert_frame_equal(table, attain.gaps(pupils, national=NATIONAL), check_exact=True)
    finally:
        spark.stop()
