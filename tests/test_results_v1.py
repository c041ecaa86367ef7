"""A schema 1 results.json (written by the first version, on the bundled senior-manager sample
grouped by municipality) still redraws: every report, with nothing recomputed."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ipss_survey.cli import app
from ipss_survey.results import load_results
from ipss_survey.results_v1 import V1_CONSTRUCT_METHOD
from tests.paths import DATA

V1 = DATA / "results-v1-senior-managers.json"


@pytest.fixture(scope="module")
def doc():
    return json.loads(V1.read_text())


def test_the_file_is_schema_1(doc):
    assert doc["schema_version"] == 1
    assert "se_mean" not in doc["items"][0]


def test_reading_upgrades_to_schema_2_without_inventing_numbers(doc):
    res = load_results(V1)
    assert res.read_from_schema == 1 and res.schema_version == 2
    item = res.items[0]
    assert item.n == doc["items"][0]["n"] and item.n_weighted == item.n
    assert item.se_mean is None and item.se_pct_agree is None
    con = res.constructs[0]
    assert con.pct_agree == doc["constructs"][0]["pct_agree"]
    assert con.se_pct_agree is None and con.ci_pct_agree is None
    assert con.answers == sum(i["n"] for i in doc["items"] if i["code"] in con.items)
    v1_test = next(t for t in doc["acceptance_tests"] if t["id"] == con.id)
    # the schema 1 construct test: respondents agreeing, kept under its own name
    assert con.respondents_agreeing.count == v1_test["successes"]
    assert con.respondents_agreeing.pct == v1_test["pct_agree"]
    test = next(t for t in res.acceptance_tests if t.id == con.id)
    assert test.method == V1_CONSTRUCT_METHOD
    assert test.ci == pytest.approx([100 * v for v in v1_test["ci_wilson"]])
    assert test.ci_exact == pytest.approx([100 * v for v in v1_test["ci_exact"]])
    g_test = res.group_tests[0]
    assert g_test.test in ("kruskal-wallis", "mann-whitney", "chi-square", "fisher-exact")


def test_report_redraws_every_format(tmp_path):
    out = tmp_path / "again"
    r = CliRunner().invoke(app, ["report", str(V1), "--out", str(out), "--format", "all"])
    assert r.exit_code == 0, r.output
    names = {p.name for p in out.iterdir()}
    assert {"report.html", "report.xlsx", "summary.md", "constructs.csv", "charts"} <= names
    html = (out / "report.html").read_text()
    assert "SUP" in html
