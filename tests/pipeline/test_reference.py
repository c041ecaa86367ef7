"""The whole analyze pipeline against R, on two real data sets with missing data and
reverse-keyed items: psych::bfi (2,800 x 25, 6-point) and psychTools::tai (3,032 x 20, 4-point).

Unlike tests/test_stats_*.py, which call the statistics functions on prepared arrays, these go
from the CSV file through reading, coding, reverse keying, scoring and statistics, so they also
prove the keying, the half-answered construct scores and the wiring into results.json. Expected
numbers come from tests/reference/*.json, written by the R scripts beside them.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ipss_survey.instrument import load_instrument
from ipss_survey.pipeline import Options, analyze
from tests.paths import DATA, REFERENCE

REF = REFERENCE
TOL = 1e-6


def ref(name: str) -> dict:
    return json.loads((REF / f"{name}.json").read_text())


@pytest.fixture(scope="module")
def bfi():
    inst = load_instrument(DATA / "bfi.yaml")
    return analyze(
        REF / "bfi.csv", inst, Options(group="gender")
    ).to_dict()  # results.json, the contract


@pytest.fixture(scope="module")
def bfi_education():
    inst = load_instrument(DATA / "bfi.yaml")
    return analyze(
        REF / "bfi.csv", inst, Options(group="education")
    ).to_dict()  # results.json, the contract


@pytest.fixture(scope="module")
def tai():
    inst = load_instrument(DATA / "tai.yaml")
    return analyze(
        REF / "tai.csv", inst, Options(group="study", threshold=50)
    ).to_dict()  # results.json, the contract


def holm_by_hand(values) -> np.ndarray:
    """Holm (1979): sorted p times (m - rank + 1), cumulative maximum, capped at 1."""
    p = np.asarray(values, dtype=float)
    order = np.argsort(p)
    m = p.size
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(1, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    return adjusted


def by(seq, key, value):
    return next(x for x in seq if x[key] == value)


def test_rows_are_all_analysed(bfi, tai):
    assert bfi["data"]["rows_read"] == bfi["data"]["rows_analysed"] == 2800
    assert tai["data"]["rows_read"] == 3032


@pytest.mark.parametrize("construct", ["A", "C", "E", "N", "O"])
def test_bfi_reliability_matches_psych_alpha_and_omega(bfi, construct):
    """psych::alpha(bfi[keys]) with keys = bfi.keys; psych::omega(nfactors = 1)."""
    case = next(
        c
        for c in ref("reliability")["cases"]
        if c["dataset"] == "bfi" and c["construct"] == construct
    )
    got = by(bfi["reliability"], "construct", construct)
    assert got["k"] == case["k"] and got["n"] == case["n_rows"]
    assert got["alpha"] == pytest.approx(case["raw_alpha"], abs=TOL)
    assert got["alpha_std"] == pytest.approx(case["std_alpha"], abs=TOL)
    assert got["average_r"] == pytest.approx(case["average_r"], abs=TOL)
    assert got["alpha_ci"] == pytest.approx([case["feldt_lower"], case["feldt_upper"]], abs=TOL)
    assert [i["r_drop"] for i in got["items"]] == pytest.approx(case["r_drop"], abs=TOL)
    assert [i["alpha_if_deleted"] for i in got["items"]] == pytest.approx(
        case["alpha_drop_raw_alpha"], abs=TOL
    )
    assert got["omega_total"] == pytest.approx(case["omega_total"], abs=TOL)


def test_tai_reliability_matches_psych_alpha(tai):
    case = next(c for c in ref("reliability")["cases"] if c["dataset"] == "tai")
    got = by(tai["reliability"], "construct", "tai")
    assert got["alpha"] == pytest.approx(case["raw_alpha"], abs=TOL)
    assert got["alpha_std"] == pytest.approx(case["std_alpha"], abs=TOL)
    # Feldt's N is rows analysed (3025: 7 rows answered nothing), where psych::alpha counts
    # every row passed to it (3032); pipeline.R gives psych's interval on the analysed rows.
    rows = ref("pipeline")["tai_rows_analysed"]
    assert tai["data"]["rows_analysed"] == rows["rows_analysed"] == got["n"]
    assert got["alpha_ci"] == pytest.approx([rows["feldt_lower"], rows["feldt_upper"]], abs=TOL)
    assert [i["r_drop"] for i in got["items"]] == pytest.approx(case["r_drop"], abs=TOL)
    assert got["omega_total"] == pytest.approx(case["omega_total"], abs=TOL)


@pytest.mark.parametrize(
    ("dataset", "constructs"), [("bfi", ["A", "C", "E", "N", "O"]), ("tai", ["tai"])]
)
def test_construct_scores_match_r(bfi, tai, dataset, constructs):
    """Scores as R computes them in tests/reference/common.R (keyed, half-answered rule)."""
    res = {"bfi": bfi, "tai": tai}[dataset]
    scores = pd.read_csv(REF / f"scores_{dataset}.csv")
    for c in constructs:
        r_scores = scores[c].dropna()
        got = by(res["constructs"], "id", c)
        assert got["n"] == r_scores.size
        assert got["mean"] == pytest.approx(r_scores.mean(), abs=1e-12)
        assert got["sd"] == pytest.approx(r_scores.std(ddof=1), abs=1e-12)
        assert got["median"] == pytest.approx(r_scores.median(), abs=1e-12)


def test_item_binomial_tests_match_binom_test(bfi):
    """binom.test(x, n, 0.5, "greater"), binom.test(x, n)$conf.int, prop.test(correct=F)."""
    cases = [
        b
        for b in ref("acceptance")["binomial"]
        if b["label"].startswith("bfi item ") and b["p0"] == 0.5
    ]
    assert len(cases) == 25
    for case in cases:
        code = case["label"].split()[-1]
        got = next(a for a in bfi["acceptance_tests"] if a["target"] == "item" and a["id"] == code)
        assert (got["successes"], got["n"]) == (case["successes"], case["n"])
        assert got["p_value"] == pytest.approx(case["p_value"], rel=TOL, abs=1e-300)
        # results.json holds intervals of percentages in percent (schema 2)
        assert got["ci_exact"] == pytest.approx([100 * v for v in case["ci_exact"]], rel=TOL)
        assert got["ci_wilson"] == pytest.approx([100 * v for v in case["ci_wilson"]], rel=TOL)
        assert got["ci"] == got["ci_wilson"]


def test_item_p_adjust_is_holm_over_items(bfi):
    items = [a for a in bfi["acceptance_tests"] if a["target"] == "item"]
    expected = holm_by_hand([a["p_value"] for a in items])
    assert [a["p_adj"] for a in items] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("construct", ["A", "C", "E", "N", "O"])
def test_signed_rank_against_the_midpoint_matches_wilcox_test(bfi, construct):
    """wilcox.test(score, mu = 3.5): 3.5 is the midpoint of the 1-6 scale."""
    case = by(ref("acceptance")["wilcox"], "label", f"bfi {construct} mu=3.5")
    got = by([a for a in bfi["acceptance_tests"] if a["target"] == "construct"], "id", construct)
    w = got["wilcoxon"]
    assert w["mu"] == 3.5
    assert w["statistic"] == pytest.approx(case["V"], rel=1e-12)
    assert w["p_value"] == pytest.approx(case["p_value"], rel=TOL, abs=1e-300)
    assert w["method"] == case["method"]


def _rank_case(dataset, construct, grouping):
    return next(
        r
        for r in ref("group_tests")["rank_tests"]
        if (r["dataset"], r["construct"], r["grouping"]) == (dataset, construct, grouping)
    )


@pytest.mark.parametrize("construct", ["A", "C", "E", "N", "O"])
def test_group_tests_by_gender_match_kruskal_and_wilcox(bfi, construct):
    case = _rank_case("bfi", construct, "gender")
    tests = [g for g in bfi["group_tests"] if g["construct"] == construct]
    kw = by(tests, "test", "kruskal-wallis")
    assert kw["statistic"] == pytest.approx(case["kruskal"]["statistic"], rel=TOL)
    assert kw["df"] == case["kruskal"]["df"]
    assert kw["p_value"] == pytest.approx(case["kruskal"]["p_value"], rel=TOL)
    assert kw["groups"] == case["groups"] and kw["group_sizes"] == case["group_sizes"]
    mw = by(tests, "test", "mann-whitney")
    assert mw["statistic"] == case["mann_whitney"]["W"]
    assert mw["p_value"] == pytest.approx(case["mann_whitney"]["p_value"], rel=TOL)
    assert mw["df"] is None


@pytest.mark.parametrize("construct", ["A", "C", "E", "N", "O"])
def test_group_tests_by_education_match_pairwise_wilcox_test(bfi_education, construct):
    case = _rank_case("bfi", construct, "education")
    kw = next(
        g
        for g in bfi_education["group_tests"]
        if g["construct"] == construct and g["test"] == "kruskal-wallis"
    )
    assert kw["statistic"] == pytest.approx(case["kruskal"]["statistic"], rel=TOL)
    assert kw["p_value"] == pytest.approx(case["kruskal"]["p_value"], rel=TOL)
    pw = case["pairwise"]
    assert [(p["a"], p["b"]) for p in kw["pairwise"]] == list(zip(pw["a"], pw["b"], strict=True))
    assert [p["statistic"] for p in kw["pairwise"]] == pytest.approx(pw["W"], rel=1e-12)
    assert [p["p_value"] for p in kw["pairwise"]] == pytest.approx(pw["p_value"], rel=TOL)
    assert [p["p_adj"] for p in kw["pairwise"]] == pytest.approx(pw["p_adj"], rel=TOL)


def _survey_case(construct: str) -> dict:
    return by(ref("survey")["bfi"]["constructs"], "construct", construct)


@pytest.mark.parametrize("construct", ["A", "C", "E", "N", "O"])
def test_construct_acceptance_matches_svyciprop_on_long_data(bfi, construct):
    """svydesign(ids = ~respondent, data = long): svyciprop(logit), SE(svymean), degf, and
    the t test against 50% (tests/reference/survey.R). The estimate is compared with
    svymean's: svyciprop's comes from a glm fit, within about 1e-9 of it."""
    case = _survey_case(construct)
    con = by(bfi["constructs"], "id", construct)
    test = by([a for a in bfi["acceptance_tests"] if a["target"] == "construct"], "id", construct)
    overall = case["overall"]
    assert con["pct_agree"] == pytest.approx(100 * overall["mean"], rel=1e-9)
    assert con["answers"] == overall["n"] == test["answers"]
    assert test["n"] == case["respondents"] and test["df"] == case["df"]
    assert con["se_pct_agree"] == pytest.approx(100 * overall["se"], rel=TOL)
    assert con["ci_pct_agree"] == pytest.approx([100 * v for v in overall["ci"]], rel=TOL)
    assert test["pct_agree"] == con["pct_agree"] and test["ci"] == con["ci_pct_agree"]
    at_half = next(t for t in overall["tests"] if t["p0"] == 0.5)
    assert test["statistic"] == pytest.approx(at_half["t"], rel=TOL)
    assert test["p_value"] == pytest.approx(at_half["p_value"], rel=TOL, abs=1e-300)


@pytest.mark.parametrize("grouping", ["gender", "education"])
@pytest.mark.parametrize("construct", ["A", "C", "E", "N", "O"])
def test_group_acceptance_matches_svyby_and_svychisq(bfi, bfi_education, grouping, construct):
    """Per group: svyby(svyciprop) on the long design (the whole design's clusters, the
    group's own df); between groups: svychisq(~agree + group, statistic = "F")."""
    res = {"gender": bfi, "education": bfi_education}[grouping]
    case = _survey_case(construct)
    for ref_group in case[grouping]:
        group = by(res["groups"], "group", ref_group["group"])
        con = by(group["constructs"], "id", construct)
        assert con["pct_agree"] == pytest.approx(100 * ref_group["mean"], rel=1e-9)
        assert con["se_pct_agree"] == pytest.approx(100 * ref_group["se"], rel=TOL)
        assert con["ci_pct_agree"] == pytest.approx([100 * v for v in ref_group["ci"]], rel=TOL)
    rs = next(
        g for g in res["group_tests"] if g["construct"] == construct and g["test"] == "rao-scott"
    )
    chisq = case[f"chisq_{grouping}"]
    assert rs["statistic"] == pytest.approx(chisq["F"], rel=TOL)
    assert rs["df"] == pytest.approx([chisq["ndf"], chisq["ddf"]], rel=TOL)
    assert rs["p_value"] == pytest.approx(chisq["p_value"], rel=TOL, abs=1e-300)


def test_tai_by_study_matches_kruskal_test(tai):
    case = _rank_case("tai", "tai", "study")
    kw = next(g for g in tai["group_tests"] if g["test"] == "kruskal-wallis")
    assert kw["statistic"] == pytest.approx(case["kruskal"]["statistic"], rel=TOL)
    assert kw["p_value"] == pytest.approx(case["kruskal"]["p_value"], rel=TOL)
    assert [e["group"] for e in kw["excluded_groups"]] == [
        e["group"] if isinstance(e, dict) else e for e in case["excluded"]
    ]


def test_group_p_adj_is_holm_over_constructs_of_a_level(bfi):
    kws = [g for g in bfi["group_tests"] if g["test"] == "kruskal-wallis"]
    expected = holm_by_hand([g["p_value"] for g in kws])
    assert [g["p_adj"] for g in kws] == pytest.approx(expected, rel=1e-12)


def _panel_case(dataset: str, grouping: str) -> dict:
    return next(
        c
        for c in ref("within_group")["cases"]
        if (c["dataset"], c["grouping"]) == (dataset, grouping) and c["rows"] is None
    )


@pytest.mark.parametrize(("dataset", "grouping"), [("tai", "study"), ("bfi", "education")])
def test_within_group_agreement_matches_multilevel(tai, bfi_education, dataset, grouping):
    """rwg per item, rwg.j per construct and ICC1/ICC2 of the scores, through the whole
    pipeline (tests/reference/within_group.R: multilevel::rwg, rwg.j, ICC1, ICC2)."""
    res = {"tai": tai, "bfi": bfi_education}[dataset]
    case = _panel_case(dataset, grouping)
    found = {(a["construct"], a["group"]): a for a in res["agreement"]}
    for r in case["rwg_j"]:
        for group, value, size in zip(r["groups"], r["rwg_j"], r["gsize"], strict=True):
            got = found[(r["construct"], group)]
            assert got["n"] == size
            assert got["rwg_j"] == pytest.approx(value, rel=TOL, abs=1e-12)
    by_item = {}
    for a in res["agreement"]:
        for it in a["items"]:
            by_item[(it["code"], a["group"])] = it
    for r in case["rwg"]:
        for group, value, size in zip(r["groups"], r["rwg"], r["gsize"], strict=True):
            got = by_item[(r["item"], group)]
            assert got["n"] == size
            if value is None:
                assert got["rwg"] is None
            else:
                assert got["rwg"] == pytest.approx(value, rel=TOL, abs=1e-12)
    for r in case["icc"]:
        got = by(res["icc"], "construct", r["construct"])
        assert (got["n"], got["n_groups"]) == (r["n"], r["n_groups"])
        assert got["icc1"] == pytest.approx(r["icc1"], rel=TOL)
        assert got["icc2"] == pytest.approx(r["icc2"], rel=TOL)
