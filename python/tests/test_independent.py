"""The definitions recomputed independently in plain polars, on national synthetic cohorts.

Each test follows the definition as written (domain notes and the README), not Attain's code: DfE's disadvantage
gap index at every level, and Progress 8 and KS2 progress scored against estimates from the national pupils
(estimates, scores, the national SD, intervals and gaps).
"""

from __future__ import annotations

import math

import polars as pl
import pytest

import attain

Z = 1.959963984540054  # the 97.5th percentile of the standard normal


@pytest.fixture(scope="module")
def national() -> "dict[str, pl.DataFrame]":
    return {phase: attain.synth(phase, scale="national", years=[2023, 2024], seed=11)[0] for phase in ("ks2", "ks4")}


def t_quantile(df: float) -> float:
    """Student's t at 0.975 by the Cornish-Fisher expansion, within 1e-6 for 20 or more degrees of freedom."""
    z = Z
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * df**4)
    )


def close(a: "float | None", b: "float | None", tolerance: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tolerance * max(1.0, abs(a))


@pytest.mark.parametrize("phase", ["ks2", "ks4"])
def test_the_gap_index_recomputed(national: "dict[str, pl.DataFrame]", phase: str) -> None:
    pupils = national[phase]
    first, second = ("ks2_read", "ks2_mat") if phase == "ks2" else ("eng_grade", "mat_grade")
    ranked = pupils.filter(pl.col(first).is_not_null() & pl.col(second).is_not_null())
    if phase == "ks2":
        # The mean of the two percentile ranks (mid-rank / N) orders pupils as the sum of the mid-ranks does,
        # and the sum of half-integers is exact, so equal scores tie.
        score = pl.col(first).rank("average").over("year") + pl.col(second).rank("average").over("year")
    else:
        score = pl.col(first).cast(pl.Float64) + pl.col(second).cast(pl.Float64)
    ranked = ranked.with_columns(score.alias("score")).with_columns(
        (pl.col("score").rank("average").over("year") / pl.len().over("year")).alias("rank")
    )
    expected = []
    for level, unit in [("national", pl.lit("E92000001")), ("la", pl.col("la_code").cast(pl.String)),
                        ("school", pl.col("urn").cast(pl.String))]:
        expected.append(
            ranked.group_by("year", unit.alias("unit")).agg(
                pl.col("rank").filter(pl.col("disadvantaged")).mean().alias("dis"),
                pl.col("rank").filter(~pl.col("disadvantaged")).mean().alias("other"),
                pl.col("disadvantaged").sum().cast(pl.Int64).alias("n_disadvantaged"),
                (~pl.col("disadvantaged")).sum().cast(pl.Int64).alias("n_other"),
            ).with_columns(pl.lit(level).alias("level"))
        )
    want = pl.concat(expected).with_columns((20 * (pl.col("other") - pl.col("dis"))).alias("expected"))
    got = attain.gap_index(pupils, levels=["national", "la", "school"], min_cohort=0).with_columns(
        pl.col("level").cast(pl.String)
    )
    joined = want.join(got, on=["year", "level", "unit"], how="full", coalesce=True)
    assert joined.height == got.height == want.height
    assert joined.filter(pl.col("level") == "school").height > 5_000
    assert (joined["n_disadvantaged"] == joined["n_disadvantaged_right"]).all()
    assert (joined["n_other"] == joined["n_other_right"]).all()
    for row in joined.iter_rows(named=True):
        assert close(row["expected"], row["gap_index"]), row
    # With min_cohort, units with too few pupils on either side are withheld; the rest are unchanged.
    withheld = attain.gap_index(pupils, levels=["school"], min_cohort=6)
    both = (pl.col("n_disadvantaged") > 0) & (pl.col("n_other") > 0)
    small = withheld.filter(both & ((pl.col("n_disadvantaged") < 6) | (pl.col("n_other") < 6)))
    assert small.height > 0 and small["gap_index"].is_null().all() and small["suppressed"].all()
    # A unit with nobody on one side has no index to withhold.
    one_sided = withheld.filter(~both)
    assert one_sided.height > 0 and one_sided["gap_index"].is_null().all()
    shown = withheld.filter(~pl.col("suppressed") & both)
    assert shown.height > 0
    for row in shown.join(joined.filter(pl.col("level") == "school").select("year", "unit", "expected"), on=["year", "unit"]).iter_rows(named=True):
        assert close(row["gap_index"], row["expected"]), row


def progress_recomputed(
    pupils: pl.DataFrame, outcome: str, prior: str, divisor: float
) -> "tuple[pl.DataFrame, dict[int, float]]":
    """Each pupil's score against the national estimates, and the national SD of the scores, per year."""
    scored = pupils.filter(pl.col(outcome).is_not_null() & pl.col(prior).is_not_null()).with_columns(
        pl.col(prior).cast(pl.Float64).round(1).alias("prior_group")
    )
    scored = scored.with_columns(
        ((pl.col(outcome) - pl.col(outcome).cast(pl.Float64).mean().over("year", "prior_group")) / divisor)
        .alias("progress")
    )
    sd = {year: scores["progress"].std(ddof=1) for (year,), scores in scored.group_by("year")}
    return scored, sd  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("phase", "measure", "outcome", "prior", "divisor"),
    [
        ("ks4", "ks4.p8", "att8", "ks2_prior", 10.0),
        ("ks2", "ks2.read_progress", "ks2_read", "ks1_aps", 1.0),
        ("ks2", "ks2.mat_progress", "ks2_mat", "ks1_aps", 1.0),
    ],
)
def test_progress_recomputed(
    national: "dict[str, pl.DataFrame]", phase: str, measure: str, outcome: str, prior: str, divisor: float
) -> None:
    pupils = national[phase]
    scored, sd = progress_recomputed(pupils, outcome, prior, divisor)
    got = attain.gaps(pupils, levels=["national", "la"], min_cohort=0, disclosure="secure").filter(
        pl.col("measure") == measure, pl.col("group").is_in(["all", "disadvantaged"])
    ).with_columns(pl.col("level", "group").cast(pl.String))
    assert got.height > 300
    checked = 0
    for level, unit in [("national", pl.lit("E92000001")), ("la", pl.col("la_code").cast(pl.String))]:
        for group in ("all", "disadvantaged"):
            member = scored if group == "all" else scored.filter(pl.col("disadvantaged"))
            comparison = scored.filter(~pl.col("disadvantaged"))
            stats = lambda frame, prefix: frame.group_by("year", unit.alias("unit")).agg(  # noqa: E731
                pl.col("progress").mean().alias(f"{prefix}_mean"),
                pl.col("progress").var(ddof=1).alias(f"{prefix}_var"),
                pl.len().alias(f"{prefix}_n"),
            )
            want = stats(member, "m").join(stats(comparison, "c"), on=["year", "unit"], how="left")
            rows = got.filter(pl.col("level") == level, pl.col("group") == group).join(
                want, on=["year", "unit"], how="left"
            )
            for row in rows.iter_rows(named=True):
                n, value = row["m_n"], row["m_mean"]
                assert row["n_member"] == n, row
                assert close(row["value_member"], value), row
                half = Z * sd[row["year"]] / math.sqrt(n)
                assert close(row["ci_low"], value - half) and close(row["ci_high"], value + half), row
                if level == "la":
                    # DfE's banding rule (domain notes), 0.5 for every progress measure.
                    low, high = row["ci_low"], row["ci_high"]
                    band = (
                        ("well_above" if value > 0.5 else "above") if low > 0
                        else ("well_below" if value < -0.5 else "below") if high < 0
                        else "average"
                    )
                    assert row["progress_band"] == band, row
                if group == "disadvantaged":
                    assert row["n_comparison"] == row["c_n"], row
                    assert close(row["gap"], value - row["c_mean"]), row
                    # Welch's interval around the gap, from the two groups' own variances.
                    m_se, c_se = row["m_var"] / n, row["c_var"] / row["c_n"]
                    df = (m_se + c_se) ** 2 / (m_se**2 / (n - 1) + c_se**2 / (row["c_n"] - 1))
                    width = row["gap_ci_high"] - row["gap_ci_low"]
                    assert df > 20
                    assert width == pytest.approx(2 * t_quantile(df) * math.sqrt(m_se + c_se), rel=1e-5), row
                checked += 1
    assert checked == got.height
