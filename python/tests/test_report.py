"""The council report in a real browser: Debian's Chromium, headless, driven by Selenium (no download: the driver
and browser are the system's). No console errors, no network requests, the figures in the page equal the gap
table's, no serious or critical axe-core violation, a full-page screenshot kept under target/."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
from typing import Any

import polars as pl
import pytest

import attain

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "datasets" / "sample"
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
CLI = pathlib.Path(os.environ.get("ATTAIN_CLI", TARGET / "debug" / "attain"))
AXE = pathlib.Path(
    os.environ.get("ATTAIN_AXE", pathlib.Path.home() / ".cache" / "attain-npm" / "node_modules" / "axe-core" / "axe.min.js")
)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def groups(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """Alliances of the sample's schools: primaries and secondaries, one school in two."""
    urns = sorted(set(pl.read_csv(SAMPLE / "ks2.csv")["urn"].to_list()) | set(pl.read_csv(SAMPLE / "ks4.csv")["urn"].to_list()))
    rows = [(urn, f"A{i % 4 + 1}", f"Alliance {i % 4 + 1}") for i, urn in enumerate(urns)] + [(urns[0], "A5", "Alliance 5")]
    path = tmp_path_factory.mktemp("groups") / "groups.csv"
    pl.DataFrame(rows, schema=["urn", "group_id", "group_name"], orient="row").write_csv(path)
    return path


@pytest.fixture(scope="module", params=["plain", "groups"])
def report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, groups: pathlib.Path) -> "dict[str, Any]":
    out = tmp_path_factory.mktemp("report")
    extra = ["--groups", str(groups)] if request.param == "groups" else []
    paths: "dict[str, Any]" = {"variant": request.param, "groups": groups if extra else None}
    for fmt in ("html", "md"):
        path = out / f"report.{fmt}"
        done = subprocess.run(
            [str(CLI), "report", "--data", str(SAMPLE), "--la", "883", *extra, "--out", str(path)],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )
        assert done.returncode == 0, done.stderr
        paths[fmt] = path
    return paths


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not try to download anything
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def test_the_report_in_a_browser(report: "dict[str, Any]", browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    url = report["html"].as_uri()
    browser.get(url)
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Attainment and gaps: LA 883")

    # No console errors.
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == [], errors

    # No network requests but the page itself.
    requests = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    assert requests and all(r == url for r in requests), requests

    # The figures in the page are the gap table's.
    gaps = pl.concat(
        [
            attain.gaps(
                SAMPLE / f"{phase}.csv", national=SAMPLE / "national.csv", estimates=SAMPLE / "estimates.csv",
                groups=report["groups"], levels=["national", "la", "school", "alliance"] if report["groups"] else None,
            )
            for phase in ("eyfs", "phonics", "ks1", "ks2", "ks4")
        ]
    )
    cells = browser.find_elements(By.CSS_SELECTOR, "td[data-field][data-measure][data-group]")
    checked = withheld = alliances = 0
    for cell in cells:
        unit, measure, group, field = (
            cell.get_attribute(a) for a in ("data-unit", "data-measure", "data-group", "data-field")
        )
        year = int(cell.get_attribute("data-year") or 2024)
        row = gaps.filter(
            (pl.col("unit") == unit) & (pl.col("measure") == measure) & (pl.col("group") == group) & (pl.col("year") == year)
        )
        assert row.height == 1, (unit, measure, group, year)
        alliances += unit.startswith("A")
        expected = row[field][0]
        value = cell.get_attribute("data-value")
        if expected is None:
            assert value is None and cell.text in ("withheld", ""), (measure, group, field, cell.text)
            withheld += cell.text == "withheld"
        else:
            assert value is not None and abs(float(value) - expected) < 1e-6, (measure, group, field, value, expected)
            checked += 1
    assert checked > 100 and withheld > 0, (checked, withheld)
    assert (alliances > 0) == (report["variant"] == "groups"), alliances

    # axe-core: no serious or critical violation.
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations)).catch(e => done(String(e)));"
    )
    assert isinstance(result, list), result
    serious = [(v["id"], v["impact"], len(v["nodes"])) for v in result if v["impact"] in ("serious", "critical")]
    assert serious == [], serious

    # A full-page screenshot, kept as an artefact.
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(int(height) + 100, 30000))
    shots = ROOT / "target"
    shots.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(shots / f"report-{report['variant']}.png"))


def test_the_markdown_has_the_same_figures(report: "dict[str, Any]") -> None:
    html = report["html"].read_text(encoding="utf-8")
    markdown = report["md"].read_text(encoding="utf-8")
    import re

    # Every figure a table cell shows in the page is in the Markdown too.
    figures = re.findall(r'data-field="value_member"[^>]*>([^<]+)<', html)
    assert len(figures) > 100
    for figure in figures:
        assert figure in markdown, figure
    assert markdown.count("withheld") > 0


def test_the_python_object_renders(tmp_path: pathlib.Path) -> None:
    made = attain.report(la=883, data=SAMPLE)
    assert made.html.startswith("<!DOCTYPE html>")
    rendered = made._repr_html_()
    assert rendered.startswith("<iframe") and "&lt;h1&gt;Attainment and gaps: LA 883" in rendered
    made.save(tmp_path / "report.md")
    assert (tmp_path / "report.md").read_text(encoding="utf-8").startswith("# Attainment and gaps: LA 883")
    with pytest.raises(attain.UsageError):
        attain.report(la="883", data=SAMPLE)  # type: ignore[arg-type]
