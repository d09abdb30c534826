"""Attain inside Spark: the gap table of pupils held in a Spark DataFrame.

The three steps, as a Databricks notebook would run them:

1. each partition of the pupils is summarised where it lies, with
   ``mapInArrow`` calling ``attain.summarise`` on each Arrow batch;
2. the partial summaries are added up by their key columns with
   ``groupBy(...).sum()`` (summaries are counts and sums, so this is exact);
3. the small total comes back to the driver, and
   ``attain.gaps_from_summaries`` computes intervals, gaps and suppression
   once.

Run it on the shipped sample in Spark's local mode::

    python python/examples/spark_gaps.py datasets/sample/ks2.csv datasets/sample/national.csv

It needs PySpark 4.0 or later (``createDataFrame`` from Arrow and
``DataFrame.toArrow``). On a Databricks cluster, install the ``attain`` wheel
on the cluster (it needs only polars and pyarrow), read the pupils from the Unity Catalog
(``spark.table("...")``) and call :func:`gap_table` the same way.
"""

from __future__ import annotations

import sys
from typing import Iterator, Optional

import polars as pl
import pyarrow as pa

import attain

#: The summaries table's Spark schema (``attain.SUMMARY_COLUMNS``, version 1).
SUMMARY_SCHEMA = (
    "version int, phase string, year int, la_code int, urn bigint, disadvantaged boolean, fsm boolean, "
    "sen string, cla boolean, measure string, cohort bigint, with_value bigint, sum double, sum_sq double"
)
KEYS = attain.SUMMARY_COLUMNS[:10]
VALUES = attain.SUMMARY_COLUMNS[10:]
#: The same schema in Arrow, so that each batch matches what Spark declared.
ARROW_SCHEMA = pa.schema(
    [
        ("version", pa.int32()),
        ("phase", pa.string()),
        ("year", pa.int32()),
        ("la_code", pa.int32()),
        ("urn", pa.int64()),
        ("disadvantaged", pa.bool_()),
        ("fsm", pa.bool_()),
        ("sen", pa.string()),
        ("cla", pa.bool_()),
        ("measure", pa.string()),
        ("cohort", pa.int64()),
        ("with_value", pa.int64()),
        ("sum", pa.float64()),
        ("sum_sq", pa.float64()),
    ]
)


def summarise_batches(batches: Iterator[pa.RecordBatch], phase: Optional[str] = None) -> Iterator[pa.RecordBatch]:
    """Step 1, run on the executors: each Arrow batch of pupils becomes its summaries."""
    for batch in batches:
        if batch.num_rows == 0:
            continue
        summaries = attain.summarise(pl.from_arrow(batch), phase=phase)
        yield from summaries.to_arrow().cast(ARROW_SCHEMA).to_batches()


def summaries(pupils, phase: Optional[str] = None):  # pupils: pyspark.sql.DataFrame
    """Steps 1 and 2: the pupils' summaries, added up by key (a small Spark DataFrame)."""
    from pyspark.sql import functions as F

    partial = pupils.mapInArrow(lambda batches: summarise_batches(batches, phase), SUMMARY_SCHEMA)
    return partial.groupBy(*KEYS).agg(*[F.sum(column).alias(column) for column in VALUES])


def gap_table(pupils, phase: Optional[str] = None, **options) -> pl.DataFrame:
    """All three steps: the gap table of a Spark DataFrame of pupils, as ``attain.gaps`` gives it."""
    total = pl.from_arrow(summaries(pupils, phase).toArrow())
    return attain.gaps_from_summaries(total, **options)


def main(pupils_path: str, national_path: Optional[str] = None) -> None:
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.master("local[2]").appName("attain").getOrCreate()
    try:
        # The pupils as Spark holds them: here from a file, on Databricks a table.
        pupils = spark.createDataFrame(attain.read_pupils(pupils_path).to_arrow())
        table = gap_table(pupils.repartition(4), national=national_path)
        print(table.filter(pl.col("level") == "la", pl.col("group") == "disadvantaged"))
    finally:
        spark.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])
