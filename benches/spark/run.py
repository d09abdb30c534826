"""Attain inside Spark on a national file, against `attain gaps` on the same file.

Usage: python benches/spark/run.py PUPILS.parquet ATTAIN_BINARY [--partitions N]

Runs the Spark example (python/examples/spark_gaps.py) in local mode on the
Parquet file as Spark reads it, checks the table equals `attain gaps`'s
cell for cell, and prints both wall times. Needs PySpark and Java.
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib
import subprocess
import tempfile
import time

import polars as pl
from polars.testing import assert_frame_equal

ROOT = pathlib.Path(__file__).resolve().parents[2]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pupils")
    ap.add_argument("attain")
    ap.add_argument("--partitions", type=int, default=8)
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("spark_gaps", ROOT / "python" / "examples" / "spark_gaps.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    from pyspark.sql import SparkSession

    with tempfile.TemporaryDirectory() as work:
        out = pathlib.Path(work) / "gaps.parquet"
        start = time.perf_counter()
        subprocess.run([args.attain, "gaps", "--pupils", args.pupils, "--out", str(out)], check=True, capture_output=True)
        attain_wall = time.perf_counter() - start
        expected = pl.read_parquet(out)

        start = time.perf_counter()
        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.driver.memory", "6g")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", str(args.partitions))
            .getOrCreate()
        )
        started = time.perf_counter() - start
        start = time.perf_counter()
        pupils = spark.read.parquet(args.pupils).repartition(args.partitions)
        table = example.gap_table(pupils)
        spark_wall = time.perf_counter() - start
        spark.stop()
    assert_frame_equal(table, expected, check_exact=True)
    print(f"rows: {table.height}; attain gaps {attain_wall:.2f} s; Spark session start {started:.1f} s; "
          f"Spark summarise + groupBy + gaps_from_summaries {spark_wall:.1f} s; tables equal cell for cell")


if __name__ == "__main__":
    main()
