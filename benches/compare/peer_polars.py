"""KS2 gap table, the way an analyst would write it in Python Polars.

Usage: python peer_polars.py INPUT.parquet OUTPUT.parquet

One lazy group_by per level with one aggregation per (population, statistic),
then the wide table is reshaped to one row per (unit, measure, group) and the
Wilson interval, gaps and suppression are computed as column expressions.
"""

import sys

import polars as pl

Z = 1.959963984540054  # Phi^-1(0.975)
MIN_COHORT = 6
NATIONAL_CODE = "E92000001"
COLUMNS = ["year", "urn", "la_code", "fsm", "disadvantaged", "sen", "cla", "ks2_read", "ks2_mat", "ks2_writ"]

# Every population a group or comparison group can be.
POPULATIONS = {
    "all": pl.col("all"),
    "disadvantaged": pl.col("disadvantaged"),
    "not_disadvantaged": ~pl.col("disadvantaged"),
    "fsm": pl.col("fsm"),
    "not_fsm": ~pl.col("fsm"),
    "sen_support": pl.col("sen") == "K",
    "ehcp": pl.col("sen") == "E",
    "sen_any": pl.col("sen").is_in(["K", "E"]),
    "no_sen": pl.col("sen") == "N",
    "cla": pl.col("cla"),
    "not_cla": ~pl.col("cla"),
}
# group -> comparison group
GROUPS = {
    "all": None,
    "disadvantaged": "not_disadvantaged",
    "fsm": "not_fsm",
    "sen_support": "no_sen",
    "ehcp": "no_sen",
    "sen_any": "no_sen",
    "cla": "not_cla",
}
RATES = {"ks2.rwm_exp": "rwm_exp", "ks2.rwm_high": "rwm_high"}
MEANS = {"ks2.read_avg": "ks2_read", "ks2.mat_avg": "ks2_mat"}
LEVELS = {
    "national": pl.lit(NATIONAL_CODE),
    "la": pl.col("la_code").cast(pl.String),
    "school": pl.col("urn").cast(pl.String),
}


def aggregations():
    aggs = []
    for pop, mask in POPULATIONS.items():
        aggs.append(mask.sum().alias(f"{pop}:n"))
        for flag in RATES.values():
            aggs.append((mask & pl.col(flag)).sum().alias(f"{pop}:{flag}"))
        for col in MEANS.values():
            aggs.append(pl.col(col).filter(mask).count().alias(f"{pop}:{col}:n"))
            aggs.append(pl.col(col).filter(mask).mean().alias(f"{pop}:{col}:mean"))
    return aggs


def long_rows(wide: pl.LazyFrame) -> pl.LazyFrame:
    """One frame per (measure, group), stacked."""
    keys = [pl.col("year"), pl.col("level"), pl.col("unit")]
    parts = []
    for group, comp in GROUPS.items():
        for measure, flag in RATES.items():
            parts.append(
                wide.select(
                    *keys,
                    pl.lit(measure).alias("measure"),
                    pl.lit(group).alias("group"),
                    pl.col(f"{group}:n").alias("n_member"),
                    pl.col(f"{group}:{flag}").alias("x_member"),
                    (pl.col(f"{comp}:n") if comp else pl.lit(None, pl.UInt32)).alias("n_comparison"),
                    (pl.col(f"{comp}:{flag}") if comp else pl.lit(None, pl.UInt32)).alias("x_comparison"),
                    pl.lit(None, pl.Float64).alias("mean_member"),
                    pl.lit(None, pl.Float64).alias("mean_comparison"),
                )
            )
        for measure, col in MEANS.items():
            parts.append(
                wide.select(
                    *keys,
                    pl.lit(measure).alias("measure"),
                    pl.lit(group).alias("group"),
                    pl.col(f"{group}:{col}:n").alias("n_member"),
                    pl.lit(None, pl.UInt32).alias("x_member"),
                    (pl.col(f"{comp}:{col}:n") if comp else pl.lit(None, pl.UInt32)).alias("n_comparison"),
                    pl.lit(None, pl.UInt32).alias("x_comparison"),
                    pl.col(f"{group}:{col}:mean").alias("mean_member"),
                    (pl.col(f"{comp}:{col}:mean") if comp else pl.lit(None, pl.Float64)).alias("mean_comparison"),
                )
            )
    return pl.concat(parts, how="vertical_relaxed")


def rate(x: pl.Expr, n: pl.Expr) -> pl.Expr:
    return pl.when(n > 0).then(100.0 * x / n)


def wilson(x: pl.Expr, n: pl.Expr, sign: float) -> pl.Expr:
    n = n.cast(pl.Float64)
    p = x / n
    z2 = Z * Z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = Z / denom * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt()
    return pl.when(n > 0).then((100 * (centre + sign * half)).clip(0.0, 100.0))


def main(inp: str, out: str) -> None:
    pupils = pl.scan_parquet(inp).select(COLUMNS).with_columns(
        all=pl.lit(True),
        rwm_exp=(
            (pl.col("ks2_read") >= 100) & (pl.col("ks2_mat") >= 100) & pl.col("ks2_writ").is_in(["EXS", "GDS"])
        ).fill_null(False),
        rwm_high=(
            (pl.col("ks2_read") >= 110) & (pl.col("ks2_mat") >= 110) & (pl.col("ks2_writ") == "GDS")
        ).fill_null(False),
    )
    aggs = aggregations()
    wide = pl.concat(
        [
            pupils.group_by("year", unit.alias("unit")).agg(aggs).with_columns(level=pl.lit(level))
            for level, unit in LEVELS.items()
        ]
    )

    is_rate = pl.col("measure").is_in(list(RATES))
    small_member = pl.col("n_member").is_between(1, MIN_COHORT - 1)
    small_comparison = pl.col("n_comparison").is_between(1, MIN_COHORT - 1)
    table = (
        long_rows(wide)
        .with_columns(
            value_member=pl.when(is_rate)
            .then(rate(pl.col("x_member"), pl.col("n_member")))
            .otherwise(pl.col("mean_member")),
            value_comparison=pl.when(is_rate)
            .then(rate(pl.col("x_comparison"), pl.col("n_comparison")))
            .otherwise(pl.col("mean_comparison")),
            ci_low=pl.when(is_rate).then(wilson(pl.col("x_member"), pl.col("n_member"), -1.0)),
            ci_high=pl.when(is_rate).then(wilson(pl.col("x_member"), pl.col("n_member"), 1.0)),
        )
        .with_columns(
            # suppression: small cohorts lose their values
            pl.when(~small_member).then(pl.col("value_member", "ci_low", "ci_high")),
            pl.when(~small_comparison.fill_null(False)).then(pl.col("value_comparison")),
        )
        .with_columns(gap=pl.col("value_member") - pl.col("value_comparison"))
        .select(
            "year",
            "level",
            "unit",
            "measure",
            "group",
            pl.col("n_member").cast(pl.Int64),
            "value_member",
            "ci_low",
            "ci_high",
            pl.col("n_comparison").cast(pl.Int64),
            "value_comparison",
            "gap",
        )
    )
    table.sink_parquet(out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python peer_polars.py INPUT.parquet OUTPUT.parquet")
    main(sys.argv[1], sys.argv[2])
