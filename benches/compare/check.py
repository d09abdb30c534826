"""Compare a peer's gap table with Attain's.

Usage: python check.py PEER.parquet ATTAIN.parquet

Rows are matched on (year, level, unit, measure, group) and both sides must hold
the same set of rows. Counts must be equal (nulls included); floats must agree
within 1e-9 absolute and be null in the same places. Interval columns are only
compared for rate measures (Attain's mean intervals are Student t; the peers
leave them null). Only the columns below are compared; Attain's others are
ignored. Exits 1 with a description of the first differences on a mismatch.
"""

import sys

import polars as pl

KEYS = ["year", "level", "unit", "measure", "group"]
COUNTS = ["n_member", "n_comparison"]
FLOATS = ["value_member", "ci_low", "ci_high", "value_comparison", "gap"]
RATE_ONLY = {"ci_low", "ci_high"}
RATES = ["ks2.rwm_exp", "ks2.rwm_high"]
TOLERANCE = 1e-9
SHOW = 5


def load(path: str) -> pl.DataFrame:
    df = pl.read_parquet(path, columns=KEYS + COUNTS + FLOATS)
    return df.with_columns(
        pl.col("year").cast(pl.Int64),
        pl.col("level", "unit", "measure", "group").cast(pl.String),
        pl.col(COUNTS).cast(pl.Int64),
        pl.col(FLOATS).cast(pl.Float64),
    )


def compare(peer_path: str, attain_path: str) -> list[str]:
    """Every problem found, as text; empty when the tables agree."""
    peer, attain = load(peer_path), load(attain_path)
    problems = []

    for name, df in (("peer", peer), ("attain", attain)):
        dups = df.group_by(KEYS).len().filter(pl.col("len") > 1)
        if dups.height:
            problems.append(f"{name}: {dups.height} duplicated keys, e.g.\n{dups.head(SHOW)}")
        nans = df.select(pl.col(FLOATS).is_nan().sum()).row(0, named=True)
        for col, count in nans.items():
            if count:
                problems.append(f"{name}: {count} NaN values in {col} (expected null)")

    only_peer = peer.join(attain, on=KEYS, how="anti")
    only_attain = attain.join(peer, on=KEYS, how="anti")
    if only_peer.height:
        problems.append(f"{only_peer.height} rows only in the peer, e.g.\n{only_peer.select(KEYS).head(SHOW)}")
    if only_attain.height:
        problems.append(f"{only_attain.height} rows only in Attain, e.g.\n{only_attain.select(KEYS).head(SHOW)}")

    both = peer.join(attain, on=KEYS, how="inner", suffix="_attain")
    is_rate = pl.col("measure").is_in(RATES)
    for col in COUNTS + FLOATS:
        a, b = pl.col(col), pl.col(f"{col}_attain")
        null_differs = a.is_null() != b.is_null()
        if col in COUNTS:
            value_differs = a != b
        else:
            value_differs = (a - b).abs() > TOLERANCE
        bad = null_differs | value_differs.fill_null(False)
        if col in RATE_ONLY:
            bad = bad & is_rate
        diffs = both.filter(bad)
        if diffs.height:
            shown = list(dict.fromkeys(KEYS + ["n_member", "n_comparison", col, f"{col}_attain"]))
            problems.append(
                f"{col}: {diffs.height} rows differ (peer vs attain), e.g.\n{diffs.select(shown).head(SHOW)}"
            )
    return problems


def summary(peer_path: str, attain_path: str) -> tuple[bool, str]:
    problems = compare(peer_path, attain_path)
    if problems:
        return False, f"MISMATCH {peer_path} vs {attain_path}:\n" + "\n".join(problems)
    rows = pl.scan_parquet(peer_path).select(pl.len()).collect().item()
    return True, f"OK {peer_path}: {rows} rows agree with {attain_path}"


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: python check.py PEER.parquet ATTAIN.parquet", file=sys.stderr)
        return 2
    pl.Config.set_tbl_cols(20)
    pl.Config.set_tbl_width_chars(200)
    pl.Config.set_fmt_float("full")
    ok, text = summary(sys.argv[1], sys.argv[2])
    print(text, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
