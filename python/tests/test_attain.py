"""The Python package: the same table as the CLI, every input kind, readable errors."""

from __future__ import annotations

import os
import pathlib
import subprocess

import pandas as pd
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import attain

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "datasets" / "sample"
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
CLI = pathlib.Path(os.environ.get("ATTAIN_CLI", TARGET / "debug" / "attain"))


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *args], cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("phase", ["eyfs", "phonics", "ks1", "ks2", "ks4"])
def test_gaps_equals_the_cli_cell_for_cell(tmp_path: pathlib.Path, phase: str) -> None:
    out = tmp_path / "gaps.parquet"
    done = cli("gaps", "--pupils", str(SAMPLE / f"{phase}.csv"), "--national", str(SAMPLE / "national.csv"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    from_cli = pl.read_parquet(out)
    from_python = attain.gaps(SAMPLE / f"{phase}.csv", national=SAMPLE / "national.csv")
    assert from_python.columns == attain.GAP_COLUMNS
    assert_frame_equal(from_python, from_cli, check_exact=True)


def test_csv_output_matches_too(tmp_path: pathlib.Path) -> None:
    done = cli("gaps", "--pupils", str(SAMPLE / "ks2.csv"), "--national", str(SAMPLE / "national.csv"))
    assert done.returncode == 0, done.stderr
    out = tmp_path / "gaps.csv"
    out.write_text(done.stdout)
    table = attain.gaps(str(SAMPLE / "ks2.csv"), national=str(SAMPLE / "national.csv"))
    from_cli = pl.read_csv(out, schema=table.schema)
    assert_frame_equal(table, from_cli, check_exact=True)


def test_path_polars_and_pandas_inputs_agree() -> None:
    by_path = attain.gaps(SAMPLE / "ks4.csv", national=SAMPLE / "national.csv", min_cohort=0)
    pupils = attain.read_pupils(SAMPLE / "ks4.csv")
    national = pl.read_csv(SAMPLE / "national.csv")
    by_polars = attain.gaps(pupils, national=national, min_cohort=0)
    by_pandas = attain.gaps(pupils.to_pandas(), national=national.to_pandas(), min_cohort=0)
    assert_frame_equal(by_path, by_polars, check_exact=True)
    assert_frame_equal(by_path, by_pandas, check_exact=True)


def test_pandas_nullable_and_object_dtypes_load() -> None:
    frame = pd.read_csv(SAMPLE / "ks2.csv", dtype={"ks2_writ": "object", "sen": "object", "pupil_id": "object"})
    assert frame["ks2_read"].dtype == "float64"  # pandas' int-with-gaps
    nullable = frame.convert_dtypes()
    assert str(nullable["ks2_read"].dtype) == "Int64"
    expected = attain.gaps(SAMPLE / "ks2.csv", levels=["la"])
    assert_frame_equal(attain.gaps(frame, levels=["la"]), expected, check_exact=True)
    assert_frame_equal(attain.gaps(nullable, levels=("la",)), expected, check_exact=True)


def test_national_pupils_and_levels() -> None:
    table = attain.gaps(SAMPLE / "ks2.csv", national_pupils=SAMPLE / "ks2.csv", levels="national", min_cohort=0)
    assert set(table["level"]) == {"national"}
    assert (table["unit"] == "E92000001").all()
    assert_frame_equal(table.select("value_member"), table.select(pl.col("national_member").alias("value_member")))


def test_validation_errors_carry_their_fields(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("pupil_id,year,urn,la_code,fsm,disadvantaged,sen,cla,gld\na,2024,1,883,0,0,X,0,true\n")
    with pytest.raises(attain.ValidationError) as caught:
        attain.gaps(bad)
    error = caught.value
    assert isinstance(error, attain.AttainError)
    assert (error.file, error.row, error.column, error.value) == (str(bad), 2, "sen", "X")
    assert "K (SEN support)" in error.expected
    assert str(bad) in str(error)


def test_validation_errors_on_a_dataframe_name_row_and_column() -> None:
    pupils = attain.read_pupils(SAMPLE / "eyfs.csv").with_columns(
        pl.when(pl.int_range(pl.len()) == 4).then(pl.lit("maybe")).otherwise(pl.col("fsm").cast(pl.String)).alias("fsm")
    )
    with pytest.raises(attain.ValidationError) as caught:
        attain.gaps(pupils)
    error = caught.value
    assert (error.file, error.row, error.column, error.value) == ("DataFrame", 6, "fsm", "maybe")
    with pytest.raises(attain.ValidationError) as caught:
        attain.read_pupils(pupils.to_pandas())
    assert (caught.value.row, caught.value.column) == (6, "fsm")


def test_other_errors() -> None:
    with pytest.raises(attain.UsageError):
        attain.gaps(SAMPLE / "ks2.csv", phase="ks3")
    with pytest.raises(attain.UsageError):
        attain.gaps(SAMPLE / "ks2.csv", levels=["region"])
    with pytest.raises(attain.UsageError):
        attain.gaps(42)  # type: ignore[arg-type]
    with pytest.raises(attain.FileError) as caught:
        attain.gaps("no/such/file.csv")
    assert caught.value.file == "no/such/file.csv"
    with pytest.raises(attain.ValidationError) as invalid:
        attain.gaps(SAMPLE / "ks2.csv", national=pl.DataFrame({"phase": ["ks2"], "year": [2024], "measure": ["nope"], "group": ["all"], "value": [1.0]}))
    assert (invalid.value.file, invalid.value.row, invalid.value.column) == ("DataFrame", 2, "measure")


def test_datasets_ship_inside_the_package() -> None:
    ks2 = attain.datasets.sample("ks2")
    assert ks2.columns[:8] == ["pupil_id", "year", "urn", "la_code", "fsm", "disadvantaged", "sen", "cla"]
    assert set(ks2["la_code"]) == {883}
    national = attain.datasets.national()
    assert national.filter(pl.col("measure") == "ks2.rwm_exp", pl.col("year") == 2019, pl.col("group") == "disadvantaged")["value"].item() == 51.0
    table = attain.gaps(attain.datasets.sample("ks2"), national=attain.datasets.national())
    assert table.height > 0
    assert_frame_equal(attain.datasets.sample_national(), pl.read_csv(SAMPLE / "national.csv", schema=attain.datasets.sample_national().schema))


def test_synth_is_seeded() -> None:
    first = attain.synth("eyfs", years=[2023], seed=7)
    second = attain.synth("eyfs", years=[2023], seed=7)
    assert_frame_equal(first.pupils, second.pupils)
    assert set(first.pupils["la_code"]) == {883}
    assert first.national.filter(pl.col("group") == "all")["n"].item() > 500_000


def test_a_mixed_pandas_column_is_named_like_a_file_cell() -> None:
    frame = attain.read_pupils(SAMPLE / "eyfs.csv").to_pandas()
    frame["fsm"] = frame["fsm"].astype(object)
    frame.loc[3, "fsm"] = "maybe"
    with pytest.raises(attain.ValidationError) as caught:
        attain.gaps(frame, national=SAMPLE / "national.csv")
    assert (caught.value.file, caught.value.row, caught.value.column, caught.value.value) == ("DataFrame", 5, "fsm", "maybe")


def test_a_pandas_national_table_with_gaps_in_n_loads() -> None:
    national = attain.datasets.sample_national().to_pandas()
    national.loc[0, "n"] = None
    assert str(national["n"].dtype) == "float64"
    table = attain.gaps(SAMPLE / "ks2.csv", national=national)
    assert_frame_equal(table, attain.gaps(SAMPLE / "ks2.csv", national=SAMPLE / "national.csv"), check_exact=True)


def test_bad_arguments_raise_attain_errors() -> None:
    with pytest.raises(attain.UsageError):
        attain.gaps(SAMPLE / "ks2.csv", min_cohort=-1)
    with pytest.raises(attain.UsageError):
        attain.gaps(SAMPLE / "ks2.csv", phase=3)  # type: ignore[arg-type]
    with pytest.warns(UserWarning, match="national figures are computed from the pupils"):
        attain.gaps(SAMPLE / "ks2.csv", levels=["la"])


def test_groups_pool_schools_as_one() -> None:
    urns = attain.read_pupils(SAMPLE / "ks2.csv")["urn"].unique().sort().to_list()
    groups = pl.DataFrame({"urn": urns[:3], "group_id": ["N1"] * 3, "group_name": ["North"] * 3})
    table = attain.gaps(SAMPLE / "ks2.csv", national=SAMPLE / "national.csv", levels=["la"], groups=groups)
    alliance = table.filter(pl.col("level") == "alliance")
    assert set(alliance["unit"]) == {"N1"}
    assert alliance.height == 3 * 4 * 7
    assert_frame_equal(
        alliance,
        attain.gaps(SAMPLE / "ks2.csv", national=SAMPLE / "national.csv", levels=["la"], groups=groups.to_pandas()).filter(pl.col("level") == "alliance"),
    )


DFE = ROOT / "datasets" / "dfe"
KS2_2019 = DFE / "schools" / "2018-2019_850_ks2final.csv"


def test_published_gaps_equals_the_cli(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "published.parquet"
    la_files = [DFE / "la" / "eyfsp_headline_measures_2022.csv", DFE / "la" / "lait_attainment_883_845_850.csv"]
    args = ["gaps", "--schools", str(KS2_2019)]
    for path in la_files:
        args += ["--published", str(path)]
    done = cli(*args, "--la", "850", "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = attain.published_gaps(schools=KS2_2019, published=la_files, la=850)
    assert table.columns == attain.GAP_COLUMNS + attain.PUBLISHED_COLUMNS
    assert_frame_equal(table, pl.read_parquet(out))


def test_published_gaps_la_row_pools_schools_beside_the_published_figure() -> None:
    table = attain.published_gaps(schools=[KS2_2019], levels=["la"])
    row = table.filter((pl.col("measure") == "ks2.rwm_exp") & (pl.col("group") == "disadvantaged")).row(0, named=True)
    assert (row["unit"], row["n_member"], row["published_n_member"], row["published_member"]) == ("850", 2885, 3263, 49.0)
    assert row["value_member"] == pytest.approx(49.08, abs=0.005)
    assert row["rounded"] is True
    assert set(table["group"]) == {"all", "disadvantaged"}


def test_read_published_gives_every_figure_and_what_a_file_cannot_give() -> None:
    published = attain.read_published(published=DFE / "la" / "cla_outcomes_ks2_la.csv")
    thurrock = published.figures.filter(
        (pl.col("unit") == "883") & (pl.col("year") == 2019) & (pl.col("population") == "cla")
    ).row(0, named=True)
    assert (thurrock["n"], thurrock["numerator"], thurrock["value"], thurrock["row"]) == (12, 7.0, 58.0, thurrock["row"])
    assert published.figures.filter(pl.col("missing") == "c").height > 0
    assert any("CINO" in note for note in published.notes["note"])


def test_published_errors_are_attain_errors(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "2018-2019_850_ks2final.csv"
    bad.write_text("RECTYPE,LEA,URN,TELIG,PTRWM_EXP\n1,850,100001,20,??\n")
    with pytest.raises(attain.ValidationError) as caught:
        attain.published_gaps(schools=bad)
    assert (caught.value.row, caught.value.column, caught.value.value) == (2, "PTRWM_EXP", "??")
    with pytest.raises(attain.UsageError):
        attain.published_gaps()
    with pytest.raises(attain.UsageError):
        attain.published_gaps(schools=KS2_2019, la=[88])
    with pytest.raises(attain.UsageError, match="--published"):
        attain.published_gaps(schools=DFE / "la" / "cla_outcomes_ks2_la.csv")


def test_published_alliances_and_trusts() -> None:
    groups = pl.DataFrame({"urn": [115926, 116010], "group_id": ["A", "A"], "group_name": ["Pair", "Pair"]})
    table = attain.published_gaps(schools=KS2_2019, groups=groups, levels=["alliance"])
    row = table.filter((pl.col("measure") == "ks2.rwm_exp") & (pl.col("group") == "all")).row(0, named=True)
    assert (row["unit"], row["n_member"]) == ("A", 124 + 96)


@pytest.mark.parametrize("phase", ["eyfs", "ks2", "ks4"])
def test_trends_equal_the_cli_cell_for_cell(tmp_path: pathlib.Path, phase: str) -> None:
    out = tmp_path / "trends.parquet"
    done = cli("trends", "--pupils", str(SAMPLE / f"{phase}.csv"), "--national", str(SAMPLE / "national.csv"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = attain.trends(SAMPLE / f"{phase}.csv", national=SAMPLE / "national.csv")
    assert table.columns == attain.TREND_COLUMNS
    assert_frame_equal(table, pl.read_parquet(out), check_exact=True)
    # The shipped sample has three years: every unit's 2023 and 2024 rows.
    assert sorted(table["year"].unique().to_list()) == [2023, 2024]
    assert (table["previous_year"] == table["year"] - 1).all()


def test_trends_answer_the_reviewers_questions() -> None:
    table = attain.trends(SAMPLE / "ks2.csv", national=SAMPLE / "national.csv", levels=["school"])
    dropped = table.filter(
        pl.col("measure") == "ks2.rwm_exp", pl.col("group") == "all", pl.col("change_significance") == "drop"
    )
    # Every significant drop has its whole interval below zero.
    assert (dropped["change_ci_high"] < 0).all()
    significant = attain.trends(SAMPLE / "ks2.csv", national=SAMPLE / "national.csv", levels=["school"], significant=True)
    kinds = significant.select(
        pl.col("change_significance").cast(pl.String).is_in(["rise", "drop"])
        | pl.col("gap_change_significance").cast(pl.String).is_in(["rise", "drop"])
    ).to_series()
    assert kinds.all() and 0 < significant.height < table.height
    # A gap change is the change of the gap.
    both = table.drop_nulls(["gap", "gap_previous"])
    assert ((both["gap"] - both["gap_previous"] - both["gap_change"]).abs() < 1e-9).all()


def test_trends_from_published_tables_of_several_years(tmp_path: pathlib.Path) -> None:
    schools = sorted((DFE / "schools").glob("*_850_ks2final.csv"))
    out = tmp_path / "trends.parquet"
    args = ["trends", "--level", "la,school"]
    for path in schools:
        args += ["--schools", str(path)]
    done = cli(*args, "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = attain.trends(schools=schools, levels=["la", "school"])
    assert_frame_equal(table, pl.read_parquet(out))
    la = table.filter(pl.col("level") == "la", pl.col("measure") == "ks2.rwm_exp", pl.col("group") == "all")
    assert la["year"].to_list() == [2018, 2019]
    # Rates from counts have intervals; means without a published spread have none.
    assert la["change_ci_low"].null_count() == 0
    means = table.filter(pl.col("measure") == "ks2.read_avg")
    assert means["change_ci_low"].null_count() == means.height
    with pytest.raises(attain.UsageError):
        attain.trends(SAMPLE / "ks2.csv", schools=schools)


def test_neighbours_and_la_from_a_national_file(tmp_path: pathlib.Path) -> None:
    pupils, _ = attain.synth("phonics", scale="national", la=883, years=[2024], seed=7)
    path = tmp_path / "phonics.parquet"
    pupils.write_parquet(path)
    out = tmp_path / "gaps.parquet"
    done = cli("gaps", "--pupils", str(path), "--la", "883", "--neighbours", "2025", "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = attain.gaps(pupils, la=883, neighbours=2025)
    from_cli = pl.read_parquet(out)
    assert_frame_equal(table, from_cli)
    assert set(table["level"].cast(pl.String)) == {"national", "la", "neighbours", "school"}
    la = table.filter(pl.col("level") == "la", pl.col("group") == "all").row(0, named=True)
    assert la["unit"] == "883" and la["neighbours_used"] == 10
    assert la["national_units"] > 100 and la["national_quartile"] in {"A", "B", "C", "D"}
    # Schools of other LAs are not reported, but national rows use every pupil.
    national = table.filter(pl.col("level") == "national", pl.col("group") == "all").row(0, named=True)
    assert national["n_member"] == pupils.height


def test_a_missing_neighbour_warns() -> None:
    with pytest.warns(UserWarning, match="neighbours .* have no pupils"):
        table = attain.gaps(SAMPLE / "ks2.csv", national=SAMPLE / "national.csv", neighbours="2025")
    la = table.filter(pl.col("level") == "la", pl.col("group") == "all")
    assert (la["neighbours_used"] == 0).all() and la["neighbour_average"].null_count() == la.height
    with pytest.raises(attain.UsageError):
        attain.gaps(SAMPLE / "ks2.csv", neighbours=True)  # type: ignore[arg-type]


def test_gap_index_equals_the_cli_and_behaves_at_the_extremes(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "index.csv"
    done = cli("gap-index", "--pupils", str(SAMPLE / "ks2.csv"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = attain.gap_index(SAMPLE / "ks2.csv")
    assert_frame_equal(table.with_columns(pl.col("phase", "level").cast(pl.String)), pl.read_csv(out, schema_overrides={"unit": pl.String, "year": pl.Int32}), check_dtypes=False)
    # Constructed cohorts: disadvantaged pupils all below the others give 10,
    # the same scores on both sides give 0.
    rows = []
    for i in range(40):
        dis = i < 20
        rows.append({"pupil_id": f"p{i}", "year": 2024, "urn": 100001 + i % 2, "la_code": 883, "fsm": dis,
                     "disadvantaged": dis, "sen": "N", "cla": False, "eng_grade": 2 + (i - 20) // 3 if not dis else i % 2,
                     "mat_grade": 9 if not dis else 0, "att8": 40.0})
    separated = attain.gap_index(pl.DataFrame(rows), levels=["national"])
    assert separated["gap_index"][0] == pytest.approx(10.0)
    same = [dict(r, eng_grade=5, mat_grade=5) for r in rows]
    assert attain.gap_index(pl.DataFrame(same), levels=["national"])["gap_index"][0] == pytest.approx(0.0)


def test_the_national_gap_index_lands_near_dfes() -> None:
    pupils, _ = attain.synth("ks2", scale="national", la=883, years=[2024], seed=2024)
    national = attain.gap_index(pupils, levels=["national"])
    # DfE's KS2 index has run from 2.9 to 3.3 since 2019.
    assert 2.7 < national["gap_index"][0] < 3.6
    schools = attain.gap_index(pupils, levels=["school"], min_cohort=6)
    assert schools["suppressed"].any() and schools["gap_index"].is_not_null().any()


def test_progress_from_estimates_matches_the_cli(tmp_path: pathlib.Path) -> None:
    estimates = SAMPLE / "estimates.csv"
    out = tmp_path / "gaps.parquet"
    done = cli(
        "gaps", "--pupils", str(SAMPLE / "ks4.csv"), "--national", str(SAMPLE / "national.csv"),
        "--estimates", str(estimates), "--progress-bands", "dfe:0.3", "--out", str(out),
    )
    assert done.returncode == 0, done.stderr
    table = attain.gaps(
        SAMPLE / "ks4.csv", national=SAMPLE / "national.csv", estimates=estimates, progress_bands="dfe:0.3"
    )
    assert_frame_equal(table, pl.read_parquet(out), check_exact=True)
    p8 = table.filter((pl.col("measure") == "ks4.p8") & (pl.col("level") == "school") & pl.col("ci_low").is_not_null())
    assert p8.height > 0
    # Every banded row follows DfE's rule with the threshold given.
    for row in p8.iter_rows(named=True):
        low, high, value = row["ci_low"], row["ci_high"], row["value_member"]
        expected = (
            ("well_above" if value > 0.3 else "above") if low > 0
            else ("well_below" if value < -0.3 else "below") if high < 0
            else "average"
        )
        assert row["progress_band"] == expected, row
    # With only a reference table and no estimates, progress is left out, with a warning that says why.
    with pytest.warns(UserWarning, match="ks4.p8 is left out"):
        plain = attain.gaps(SAMPLE / "ks4.csv", national=SAMPLE / "national.csv")
    assert "ks4.p8" not in plain["measure"].cast(pl.String).to_list()
    with pytest.raises(attain.UsageError, match="progress_sd"):
        attain.gaps(SAMPLE / "ks4.csv", national=SAMPLE / "national.csv", progress_sd=True)
    with pytest.raises(attain.UsageError, match="progress bands"):
        attain.gaps(SAMPLE / "ks4.csv", national=SAMPLE / "national.csv", progress_bands="quartiles")


def test_categorise_and_targets_match_the_cli(tmp_path: pathlib.Path) -> None:
    import json

    with pytest.warns(UserWarning, match="no Ofsted file"):
        table = attain.categorise(la=883, data=SAMPLE)
    done = cli("categorise", "--data", str(SAMPLE), "--la", "883", "--format", "json")
    assert done.returncode == 0, done.stderr
    from_cli = [json.loads(line) for line in done.stdout.splitlines()] if done.stdout.lstrip().startswith("{") else json.loads(done.stdout)
    assert [r["category"] for r in from_cli] == table["category"].to_list()
    assert [len(r["reasons"]) for r in from_cli] == [len(r) for r in table["reasons"].to_list()]
    assert set(table["category"]) <= {"green", "yellow", "amber", "red"}
    targets = tmp_path / "targets.csv"
    targets.write_text("unit,measure,group,year,target,level\n883,ks2.rwm_exp,all,2024,99,la\n")
    judged = attain.targets(targets, la=883, data=SAMPLE)
    assert judged["status"].to_list() == ["not_met"]
    with pytest.raises(attain.UsageError, match="la"):
        attain.categorise(la=[], data=SAMPLE)


def test_ofsted_profile_from_gias() -> None:
    gias = ROOT.parent / "shared" / "data" / "gias_extract" / "ebi_fixture_mat_gias.csv"
    if not gias.exists():
        pytest.skip("the shared GIAS extract is not beside the repository")
    profile = attain.ofsted_profile(gias)
    england = profile.filter(
        (pl.col("level") == "national") & (pl.col("phase") == "all") & (pl.col("grade") == "good_or_outstanding")
    )
    assert england.height == 1
    assert 0 <= england["pct_schools"][0] <= 100
    assert set(profile["framework"]) == {"old_framework", "report_card"}
