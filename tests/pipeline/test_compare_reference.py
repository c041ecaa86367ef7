"""Comparing two waves against R, through the whole pipeline: psychTools::msqR (the same
people at two times), tests/reference/change.R -> change.json."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ipss_survey.instrument import load_instrument
from ipss_survey.pipeline import Options
from ipss_survey.pipeline.compare import compare, load_waves
from tests.paths import DATA, REFERENCE

TOL = 1e-6
REF = json.loads((REFERENCE / "change.json").read_text())


def _waves(tmp_path, with_ids: bool):
    frame = pd.read_csv(REFERENCE / "msqR_change.csv")
    paths = []
    for t in (1, 2):
        part = frame[frame["time"] == t].drop(columns=["id"])
        if not with_ids:
            part = part.drop(columns=["person"])
        path = tmp_path / f"time{t}.csv"
        part.to_csv(path, index=False)
        paths.append(path)
    inst = load_instrument(DATA / "msq.yaml")
    opts = Options(id_column="person" if with_ids else None)
    return compare(load_waves(paths, [inst], opts, ["time 1", "time 2"]), opts)


@pytest.fixture(scope="module")
def paired(tmp_path_factory):
    return _waves(tmp_path_factory.mktemp("paired"), with_ids=True)


@pytest.fixture(scope="module")
def independent(tmp_path_factory):
    return _waves(tmp_path_factory.mktemp("independent"), with_ids=False)


@pytest.mark.parametrize("scale", ["EA", "TA"])
def test_paired_scores_match_wilcox_test_paired(paired, scale):
    """wilcox.test(followup, baseline, paired = TRUE, digits.rank = 7)."""
    case = next(c for c in REF["signed_rank"] if c["label"] == "all pairs" and c["scale"] == scale)
    assert paired.paired
    (change,) = next(c for c in paired.constructs if c.id == scale).changes
    assert change.n == case["n"]
    assert change.test.name == "wilcoxon-signed-rank"
    assert change.test.statistic == case["V"]
    assert change.test.p_value == pytest.approx(case["p_value"], rel=TOL)
    assert change.method == case["method"]
    assert change.test.effect.value == pytest.approx(case["rank_biserial"], rel=TOL)


def test_paired_items_match_mcnemar_test(paired):
    cases = {c["item"]: c for c in REF["mcnemar"] if c["label"] == "all pairs"}
    checked = 0
    for it in paired.items:
        case = cases.get(it.code)
        if case is None:
            continue
        (change,) = it.changes
        assert change.n == case["n"]
        assert change.test.statistic == pytest.approx(case["statistic"], rel=TOL)
        assert change.test.p_value == pytest.approx(case["p_value"], rel=TOL, abs=1e-300)
        assert change.method == case["method"]
        checked += 1
    assert checked == len(paired.items) == 20


@pytest.mark.parametrize("scale", ["EA", "TA"])
def test_independent_scores_match_wilcox_test(independent, scale):
    """wilcox.test(followup, baseline): the two times as independent samples."""
    case = next(c for c in REF["rank_sum"] if c["label"] == "all" and c["scale"] == scale)
    assert not independent.paired
    (change,) = next(c for c in independent.constructs if c.id == scale).changes
    assert change.n == case["n_followup"] + case["n_baseline"]
    assert change.test.statistic == pytest.approx(case["W"], rel=1e-12)
    assert change.test.p_value == pytest.approx(case["p_value"], rel=TOL)
    assert change.test.effect.value == pytest.approx(case["rank_biserial"], rel=TOL)


def test_independent_items_match_prop_test(independent):
    cases = {c["item"]: c for c in REF["proportions"] if c["label"] == "all"}
    for it in independent.items:
        case = cases[it.code]
        (change,) = it.changes
        assert change.n == sum(case["n"])
        small = case["expected_min"] < 5
        want = case["fisher_p_value"] if small else case["p_value"]
        assert change.test.p_value == pytest.approx(want, rel=TOL, abs=1e-300)
        if not small:
            assert change.test.statistic == pytest.approx(case["statistic"], rel=TOL)
        # prop.test's interval of follow-up minus baseline, in percentage points
        assert change.pct_agree_ci == pytest.approx([100 * v for v in case["conf_int"]], rel=TOL)


def test_unmatched_respondents_are_counted(paired):
    """Pairs are the analysed respondents of both waves (rows answering none of the items are
    left out of each wave first); the rest are counted as unmatched."""
    frame = pd.read_csv(REFERENCE / "msqR_change.csv")
    persons = [set(frame.loc[frame["time"] == t, "person"]) for t in (1, 2)]
    (pairs,) = paired.matched.pairs
    assert pairs <= len(persons[0] & persons[1])
    rows = [w.rows_analysed for w in paired.waves]
    assert paired.matched.unmatched == [[rows[0] - pairs, rows[1] - pairs]]
    assert max(c.changes[0].n for c in paired.constructs) <= pairs
