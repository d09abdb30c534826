"""KS2 gap table, the way an analyst would write it in pandas.

Usage: python peer_pandas.py INPUT.parquet OUTPUT.parquet

For each level and each population (group or comparison group) one groupby
with named aggregations; the per-unit statistics are then laid out as one row
per (unit, measure, group) and the Wilson interval, gaps and suppression are
computed with vectorised NumPy.
"""

import sys

import numpy as np
import pandas as pd

Z = 1.959963984540054  # Phi^-1(0.975)
MIN_COHORT = 6
NATIONAL_CODE = "E92000001"
COLUMNS = ["year", "urn", "la_code", "fsm", "disadvantaged", "sen", "cla", "ks2_read", "ks2_mat", "ks2_writ"]

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
OUTPUT = [
    "year", "level", "unit", "measure", "group", "n_member", "value_member",
    "ci_low", "ci_high", "n_comparison", "value_comparison", "gap",
]  # fmt: skip


def populations(df: pd.DataFrame) -> dict[str, pd.Series]:
    return {
        "all": pd.Series(True, index=df.index),
        "disadvantaged": df["disadvantaged"],
        "not_disadvantaged": ~df["disadvantaged"],
        "fsm": df["fsm"],
        "not_fsm": ~df["fsm"],
        "sen_support": df["sen"] == "K",
        "ehcp": df["sen"] == "E",
        "sen_any": df["sen"].isin(["K", "E"]),
        "no_sen": df["sen"] == "N",
        "cla": df["cla"],
        "not_cla": ~df["cla"],
    }


def unit_stats(df: pd.DataFrame, masks: dict[str, pd.Series]) -> dict[str, pd.DataFrame]:
    """Per (year, unit) statistics of every population, all on the same index of units."""
    stats = {}
    for name, mask in masks.items():
        stats[name] = (
            df[mask]
            .groupby(["year", "unit"], observed=True)
            .agg(
                n=("rwm_exp", "size"),
                rwm_exp=("rwm_exp", "sum"),
                rwm_high=("rwm_high", "sum"),
                ks2_read_n=("ks2_read", "count"),
                ks2_read_mean=("ks2_read", "mean"),
                ks2_mat_n=("ks2_mat", "count"),
                ks2_mat_mean=("ks2_mat", "mean"),
            )
        )
    units = stats["all"].index
    counts = ["n", "rwm_exp", "rwm_high", "ks2_read_n", "ks2_mat_n"]
    for name in stats:
        s = stats[name].reindex(units)
        s[counts] = s[counts].fillna(0).astype("int64")
        stats[name] = s
    return stats


def long_rows(stats: dict[str, pd.DataFrame], level: str) -> pd.DataFrame:
    parts = []
    units = stats["all"].index.to_frame(index=False)
    for group, comp in GROUPS.items():
        m = stats[group]
        c = stats[comp] if comp else None
        for measure, flag in RATES.items():
            parts.append(
                units.assign(
                    measure=measure,
                    group=group,
                    n_member=m["n"].to_numpy(),
                    x_member=m[flag].to_numpy(),
                    n_comparison=c["n"].to_numpy() if comp else np.nan,
                    x_comparison=c[flag].to_numpy() if comp else np.nan,
                    mean_member=np.nan,
                    mean_comparison=np.nan,
                )
            )
        for measure, col in MEANS.items():
            parts.append(
                units.assign(
                    measure=measure,
                    group=group,
                    n_member=m[f"{col}_n"].to_numpy(),
                    x_member=np.nan,
                    n_comparison=c[f"{col}_n"].to_numpy() if comp else np.nan,
                    x_comparison=np.nan,
                    mean_member=m[f"{col}_mean"].to_numpy(),
                    mean_comparison=c[f"{col}_mean"].to_numpy() if comp else np.nan,
                )
            )
    out = pd.concat(parts, ignore_index=True)
    out["level"] = level
    return out


def wilson(x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        z2 = Z * Z
        denom = 1 + z2 / n
        centre = (p + z2 / (2 * n)) / denom
        half = Z / denom * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
        return np.clip(100 * (centre - half), 0, 100), np.clip(100 * (centre + half), 0, 100)


def main(inp: str, out: str) -> None:
    df = pd.read_parquet(inp, columns=COLUMNS)
    df["rwm_exp"] = (df["ks2_read"] >= 100) & (df["ks2_mat"] >= 100) & df["ks2_writ"].isin(["EXS", "GDS"])
    df["rwm_high"] = (df["ks2_read"] >= 110) & (df["ks2_mat"] >= 110) & (df["ks2_writ"] == "GDS")
    masks = populations(df)

    units = {
        "national": NATIONAL_CODE,
        "la": df["la_code"].astype(str),
        "school": df["urn"].astype(str),
    }
    tables = []
    for level, unit in units.items():
        df["unit"] = unit
        tables.append(long_rows(unit_stats(df, masks), level))
    t = pd.concat(tables, ignore_index=True)

    is_rate = t["measure"].isin(list(RATES)).to_numpy()
    n_m = t["n_member"].to_numpy(dtype="float64")
    n_c = t["n_comparison"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        value_m = np.where(is_rate, 100 * t["x_member"] / n_m, t["mean_member"])
        value_c = np.where(is_rate, 100 * t["x_comparison"] / n_c, t["mean_comparison"])
    low, high = wilson(t["x_member"].to_numpy(dtype="float64"), n_m)

    # n = 0 gives no value; small cohorts are suppressed
    small_m = (n_m > 0) & (n_m < MIN_COHORT)
    small_c = (n_c > 0) & (n_c < MIN_COHORT)
    value_m[(n_m == 0) | small_m] = np.nan
    value_c[(n_c == 0) | small_c] = np.nan
    low[~is_rate | (n_m == 0) | small_m] = np.nan
    high[~is_rate | (n_m == 0) | small_m] = np.nan

    t["value_member"] = value_m
    t["value_comparison"] = value_c
    t["ci_low"] = low
    t["ci_high"] = high
    t["gap"] = value_m - value_c
    t["n_comparison"] = t["n_comparison"].astype("Int64")
    t[OUTPUT].to_parquet(out, index=False)  # NaN is written as null


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python peer_pandas.py INPUT.parquet OUTPUT.parquet")
    main(sys.argv[1], sys.argv[2])
