"""Design-based statistics against R's survey package (tests/reference/survey.json, written by
tests/reference/survey.R: svymean, svytotal, svyvar, svyciprop, svyby, svychisq, svyranktest)
on apistrat, apiclus1, designs derived from them (strata of districts, lonely PSUs) and bfi."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ipss_survey.stats.design import (
    Domains,
    LonelyPSUError,
    SurveyDesign,
    by_domain,
    survey_design,
)
from ipss_survey.stats.survey_estimates import (
    survey_means,
    survey_proportions,
    survey_ratio_proportions,
    survey_totals,
    survey_variances,
)
from ipss_survey.stats.survey_tests import (
    rao_scott_counts_test,
    rao_scott_test,
    survey_rank_test,
)
from tests.paths import REFERENCE

RTOL = 1e-6
ATOL = 1e-12
ITEMS = [f"q{i}" for i in range(1, 8)]


@cache
def reference() -> dict[str, Any]:
    return json.loads((REFERENCE / "survey.json").read_text())


@cache
def api() -> pd.DataFrame:
    data = pd.read_csv(REFERENCE / "api.csv", keep_default_na=False, na_values=[""])
    for column in ("cstratum", "lonely_stratum"):
        data[column] = data[column].fillna("")
    return data


def close(actual: float | None, expected: float | None, rtol: float = RTOL) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and actual == pytest.approx(expected, rel=rtol, abs=ATOL)


def build(name: str, policy: str = "fail") -> tuple[pd.DataFrame, SurveyDesign]:
    """The rows and design of one of survey.R's `specs`."""
    spec = reference()["specs"][name]
    data = api()[api()["design"] == spec["rows"]]
    if spec.get("lonely"):
        data = data[data["lonely_stratum"] != ""]
    data = data.reset_index(drop=True)

    def column(key: str) -> np.ndarray | None:
        return None if spec[key] is None else data[spec[key]].to_numpy()

    design = survey_design(
        len(data),
        weights=column("weights"),
        strata=column("strata"),
        clusters=column("cluster"),
        lonely_psu=policy,
    )
    return data, design


def codes(data: pd.DataFrame) -> np.ndarray:
    return data[ITEMS].to_numpy(dtype=float)


def agreement(x: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(x), np.nan, (x >= 4).astype(float))


def counts(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per school: agreeing answers and valid answers over the seven items."""
    x = codes(data)
    return np.nansum(x >= 4, axis=1).astype(float), (~np.isnan(x)).sum(axis=1).astype(float)


def cases() -> list[tuple[str, str, dict[str, Any]]]:
    """(design, policy, battery) for every design R ran, lonely-PSU policies included."""
    out = [(b["design"], "fail", b) for b in reference()["designs"]]
    out += [(b["design"], b["policy"], b) for b in reference()["lonely"]]
    return out


CASES = cases()
IDS = [f"{d}-{p}" for d, p, _ in CASES]


def test_reference_records_versions() -> None:
    versions = reference()["versions"]
    assert versions["survey"].startswith("4.")
    assert versions["R"].startswith("R version")


def test_design_degrees_of_freedom_match_degf() -> None:
    for name, policy, battery in CASES:
        data, design = build(name, policy)
        assert design.degf() == battery["df"], name
        answered = counts(data)[1] > 0
        assert design.restrict(answered).degf() == battery["long_df"], name


@pytest.mark.parametrize(("name", "policy", "battery"), CASES, ids=IDS)
def test_means_totals_variances_match_r(name: str, policy: str, battery: dict[str, Any]) -> None:
    # svymean / svytotal / svyvar(~q, design, na.rm = TRUE), items with missing answers
    data, design = build(name, policy)
    x = codes(data)
    means, totals, variances = (
        f(x, design) for f in (survey_means, survey_totals, survey_variances)
    )
    for j, expected in enumerate(battery["means"]):
        label = f"{name} {policy} {expected['item']}"
        assert close(means[j].estimate, expected["mean"]), label
        assert close(means[j].se, expected["mean_se"]), label
        assert close(totals[j].estimate, expected["total"]), label
        assert close(totals[j].se, expected["total_se"]), label
        assert close(variances[j].variance, expected["var"]), label
        assert close(variances[j].se, expected["var_se"]), label
        assert means[j].n == expected["n"] and means[j].df == expected["df"], label


@pytest.mark.parametrize(("name", "policy", "battery"), CASES, ids=IDS)
def test_proportions_match_svyciprop(name: str, policy: str, battery: dict[str, Any]) -> None:
    # svyciprop(~a, design, method = "logit"); SE(svymean); pt((p - p0)/SE, degf, lower = F)
    data, design = build(name, policy)
    a = agreement(codes(data))
    for k, p0 in enumerate(reference()["p0"]):
        results = survey_proportions(a, design, p0=p0)
        for j, expected in enumerate(battery["proportions"]):
            label = f"{name} {policy} {expected['item']} p0={p0}"
            result = results[j]
            assert close(result.estimate, expected["estimate"]), label
            assert close(result.se, expected["se"]), label
            assert result.ci == pytest.approx(expected["ci"], rel=RTOL, abs=ATOL), label
            assert result.df == expected["df"], label
            assert close(result.p_value, expected["tests"][k]["p_value"]), label
            assert close(result.statistic, expected["tests"][k]["t"]), label


@pytest.mark.parametrize(("name", "policy", "battery"), CASES, ids=IDS)
def test_construct_acceptance_matches_long_data(
    name: str, policy: str, battery: dict[str, Any]
) -> None:
    # R on long data (one row per valid answer): svyciprop(~agree, d), svymean, degf(d)
    data, design = build(name, policy)
    successes, trials = counts(data)
    expected = battery["construct"]
    for k, p0 in enumerate(reference()["p0"]):
        result = survey_ratio_proportions(successes, trials, design, p0=p0)[0]
        assert close(result.estimate, expected["estimate"])
        assert close(result.se, expected["se"])
        assert result.ci == pytest.approx(expected["ci"], rel=RTOL, abs=ATOL)
        assert result.df == expected["df"] == battery["long_df"]
        assert result.n == expected["n"]
        assert close(result.p_value, expected["tests"][k]["p_value"])


@pytest.mark.parametrize(("name", "policy", "battery"), CASES, ids=IDS)
def test_domains_match_svyby(name: str, policy: str, battery: dict[str, Any]) -> None:
    # svyby(~q, ~g, design, svymean | svyvar, na.rm = TRUE); svyby(~a, ~g, design, svyciprop)
    # with each group's own degf (svyciprop's default df = degf(design[g, ]))
    data, design = build(name, policy)
    x = codes(data)
    a = agreement(x)
    for domain in battery["domains"]:
        groups = Domains.from_values(data[domain["group"]].to_numpy(dtype=object))
        j = ITEMS.index(domain["item"])
        means = by_domain(survey_means, groups, x[:, j], design)
        totals = by_domain(survey_totals, groups, x[:, j], design)
        variances = by_domain(survey_variances, groups, x[:, j], design)
        props = by_domain(survey_proportions, groups, a[:, j], design, p0=0.5)
        for expected in domain["means"]:
            label = f"{name} {policy} {domain['item']} {domain['group']}={expected['group']}"
            mean = means[expected["group"]][0]
            if "error" in expected:  # no answer in the group: R's svyglm stops
                assert mean.estimate is None and mean.notes[0].code == "no_scores", label
                continue
            assert close(mean.estimate, expected["mean"]), label
            assert close(mean.se, expected["mean_se"]), label
            assert close(totals[expected["group"]][0].se, expected["total_se"]), label
            assert close(variances[expected["group"]][0].variance, expected["var"]), label
            assert close(variances[expected["group"]][0].se, expected["var_se"]), label
            assert mean.df == expected["df"], label
        for expected in domain["proportions"]:
            label = f"{name} {policy} {domain['item']} {domain['group']}={expected['group']}"
            prop = props[expected["group"]][0]
            if "error" in expected:
                assert prop.estimate is None and prop.notes[0].code == "no_trials", label
                continue
            assert close(prop.estimate, expected["estimate"]), label
            assert close(prop.se, expected["se"]), label
            assert prop.ci == pytest.approx(expected["ci"], rel=RTOL, abs=ATOL), label
            assert prop.df == expected["df"], label
            assert close(prop.p_value, expected["tests"][0]["p_value"]), label


@pytest.mark.parametrize(("name", "policy", "battery"), CASES, ids=IDS)
def test_construct_domains_match_svyby_on_long_data(
    name: str, policy: str, battery: dict[str, Any]
) -> None:
    data, design = build(name, policy)
    successes, trials = counts(data)
    for domain in battery["construct_domains"]:
        groups = Domains.from_values(data[domain["group"]].to_numpy(dtype=object))
        results = by_domain(survey_ratio_proportions, groups, successes, trials, design, p0=0.75)
        assert list(results) == [e["group"] for e in domain["proportions"]]
        for expected in domain["proportions"]:
            label = f"{name} {policy} {domain['group']}={expected['group']}"
            result = results[expected["group"]][0]
            assert close(result.estimate, expected["estimate"]), label
            assert close(result.se, expected["se"]), label
            assert result.ci == pytest.approx(expected["ci"], rel=RTOL, abs=ATOL), label
            assert result.df == expected["df"], label
            assert close(result.p_value, expected["tests"][1]["p_value"]), label


def _no_answers_in_a_group(data: pd.DataFrame, item: str, group: str) -> bool:
    answered = data[item].notna()
    return bool(set(data[group]) - set(data.loc[answered, group]))


@pytest.mark.parametrize(("name", "policy", "battery"), CASES, ids=IDS)
def test_rao_scott_matches_svychisq(name: str, policy: str, battery: dict[str, Any]) -> None:
    # svychisq(~a + g, design, statistic = "F"): items (one answer per row) and the construct
    # (per-school counts; R on long data with the school or district as PSU)
    data, design = build(name, policy)
    a = agreement(codes(data))
    successes, trials = counts(data)
    for expected in battery["chisq"]:
        groups = Domains.from_values(data[expected["group"]].to_numpy(dtype=object))
        label = f"{name} {policy} {expected['item']} by {expected['group']}"
        if expected["item"] == "construct":
            result = rao_scott_counts_test(successes, trials, groups, design)
        else:
            result = rao_scott_test(a[:, ITEMS.index(expected["item"])], groups, design)
            if _no_answers_in_a_group(data, expected["item"], expected["group"]):
                # R fails ("computationally singular") or tests a table with an empty column
                assert result.statistic is None, label
                assert [n.code for n in result.notes][-1] == "empty_margin", label
                continue
        assert close(result.statistic, expected["F"]), label
        assert close(result.ndf, expected["ndf"]), label
        assert close(result.ddf, expected["ddf"]), label
        assert close(result.p_value, expected["p_value"]), label
        assert close(result.pearson, expected["pearson"]), label


@pytest.mark.parametrize(("name", "policy", "battery"), CASES, ids=IDS)
def test_rank_tests_match_svyranktest(name: str, policy: str, battery: dict[str, Any]) -> None:
    # untied scores: svyranktest itself; tied scores: svyranktest with one mid-rank per tie
    # (svyranktest_midrank in survey.R)
    data, design = build(name, policy)
    for ranks in battery["ranks"]:
        groups = Domains.from_values(data[ranks["group"]].to_numpy(dtype=object))
        for column, key in (("untied", "untied_r"), ("score", "tied_midrank")):
            label = f"{name} {policy} {column} by {ranks['group']}"
            expected = ranks[key]
            result = survey_rank_test(data[column].to_numpy(dtype=float), groups, design)
            assert close(result.p_value, expected["p_value"]), label
            if "chisq" in expected:
                assert result.test == "kruskal-wallis", label
                assert close(result.statistic, expected["chisq"]), label
                assert result.df == expected["ndf"] and result.ddf == expected["ddf"], label
            else:
                assert result.test == "wilcoxon", label
                assert close(result.statistic, expected["statistic"]), label
                assert close(result.estimate, expected["estimate"]), label
                assert result.df == expected["df"] and result.ddf is None, label


def test_r_rank_test_depends_on_row_order_with_weighted_ties() -> None:
    # The deliberate difference: with ties and unequal weights (apistrat's strata weights) R's
    # own svyranktest changes when the rows are reversed; the mid-rank version does not.
    strat = next(b for b in reference()["designs"] if b["design"] == "strat")
    changed = 0
    for ranks in strat["ranks"]:
        forward, backward = ranks["tied_r"], ranks["tied_r_reversed"]
        key = "statistic" if "statistic" in forward else "chisq"
        changed += forward[key] != pytest.approx(backward[key], rel=1e-9)
        assert ranks["tied_midrank"][key] == pytest.approx(
            ranks["tied_midrank_reversed"][key], rel=1e-12
        )
    assert changed == len(strat["ranks"])


def test_rank_test_equals_r_when_weights_are_equal_within_ties() -> None:
    # apiclus1 has one weight for every school, so R's tied ranks are mid-ranks: R's own
    # svyranktest is the reference even with ties
    for ranks in next(b for b in reference()["designs"] if b["design"] == "clus1")["ranks"]:
        assert ranks["tied_r"] == pytest.approx(ranks["tied_midrank"], rel=1e-12)


@pytest.mark.parametrize("case", reference()["lonely_fail"], ids=lambda c: c["design"])
def test_lonely_psu_fail_raises_naming_the_stratum(case: dict[str, Any]) -> None:
    r_stratum = re.search(r"Stratum \((.*)\) has only one PSU", case["error"]).group(1)
    with pytest.raises(LonelyPSUError) as raised:
        build(case["design"], "fail")
    assert raised.value.strata == (r_stratum,)
    assert r_stratum in str(raised.value)
    data, _ = build(case["design"], "adjust")
    column = reference()["specs"][case["design"]]["strata"]
    assert set(raised.value.rows) == set(np.flatnonzero(data[column] == r_stratum).tolist())


def test_lonely_policies_give_different_numbers_and_say_so() -> None:
    for name in ("lonely_strat", "lonely_clus"):
        ses = {
            b["policy"]: b["means"][0]["mean_se"]
            for b in reference()["lonely"]
            if b["design"] == name
        }
        assert ses["remove"] == ses["certainty"]  # the same in this version of survey
        assert len({ses["remove"], ses["adjust"], ses["average"]}) == 3
        for policy in ("remove", "adjust", "average", "certainty"):
            data, design = build(name, policy)
            result = survey_means(codes(data)[:, 0], design)[0]
            assert [n.code for n in result.notes] == ["lonely_psu"]
            assert policy in result.notes[0].message


# ---- bfi: respondents as clusters, no weights ----------------------------------------------


@cache
def bfi() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "bfi.csv")


BFI_KEYS = {
    "A": ["-A1", "A2", "A3", "A4", "A5"],
    "C": ["C1", "C2", "C3", "-C4", "-C5"],
    "E": ["-E1", "-E2", "E3", "E4", "E5"],
    "N": ["N1", "N2", "N3", "N4", "N5"],
    "O": ["O1", "-O2", "O3", "O4", "-O5"],
}


def bfi_counts(construct: str) -> tuple[np.ndarray, np.ndarray]:
    """Keyed answers in 4..6 and valid answers per respondent (reverse-keyed: 7 - x)."""
    columns = []
    for key in BFI_KEYS[construct]:
        x = bfi()[key.lstrip("-")].to_numpy(dtype=float)
        columns.append(7.0 - x if key.startswith("-") else x)
    x = np.column_stack(columns)
    return np.nansum(x >= 4, axis=1).astype(float), (~np.isnan(x)).sum(axis=1).astype(float)


@pytest.mark.parametrize("case", reference()["bfi"]["constructs"], ids=lambda c: c["construct"])
def test_bfi_construct_acceptance_matches_long_data(case: dict[str, Any]) -> None:
    # svydesign(ids = ~respondent, data = long): df = respondents with an answer - 1
    successes, trials = bfi_counts(case["construct"])
    design = survey_design(len(successes))
    assert case["df"] == case["respondents"] - 1
    for k, p0 in enumerate(reference()["p0"]):
        result = survey_ratio_proportions(successes, trials, design, p0=p0)[0]
        expected = case["overall"]
        assert close(result.estimate, expected["estimate"])
        assert close(result.se, expected["se"])
        assert result.ci == pytest.approx(expected["ci"], rel=RTOL, abs=ATOL)
        assert result.df == case["df"] and result.respondents == case["respondents"]
        assert close(result.p_value, expected["tests"][k]["p_value"])
    for group in ("gender", "education"):
        domains = Domains.from_values(bfi()[group].to_numpy(dtype=float))
        results = by_domain(survey_ratio_proportions, domains, successes, trials, design)
        for expected in case[group]:
            result = results[expected["group"]][0]
            label = f"{case['construct']} {group}={expected['group']}"
            assert close(result.estimate, expected["estimate"]), label
            assert close(result.se, expected["se"]), label
            assert result.ci == pytest.approx(expected["ci"], rel=RTOL, abs=ATOL), label
            assert result.df == expected["df"], label
            assert close(result.p_value, expected["tests"][0]["p_value"]), label
        test = rao_scott_counts_test(successes, trials, domains, design)
        expected = case[f"chisq_{group}"]
        assert close(test.statistic, expected["F"]), group
        assert close(test.ndf, expected["ndf"]) and close(test.ddf, expected["ddf"]), group
        assert close(test.p_value, expected["p_value"]), group


@pytest.mark.parametrize(
    "case", reference()["bfi"]["item_chisq"], ids=lambda c: f"{c['item']}-{c['group']}"
)
def test_bfi_item_rao_scott_matches_svychisq(case: dict[str, Any]) -> None:
    # svychisq(~A1 + education, svydesign(ids = ~1, data = bfi)): education has missing values,
    # and nu counts every row of the design
    x = bfi()[case["item"]].to_numpy(dtype=float)
    agree = np.where(np.isnan(x), np.nan, (x >= 4).astype(float))
    design = survey_design(len(x))
    groups = Domains.from_values(bfi()[case["group"]].to_numpy(dtype=float))
    result = rao_scott_test(agree, groups, design)
    assert close(result.statistic, case["F"])
    assert close(result.ndf, case["ndf"]) and close(result.ddf, case["ddf"])
    assert close(result.p_value, case["p_value"])
    assert close(result.pearson, case["pearson"])


@pytest.mark.parametrize(
    "case", reference()["bfi"]["ranks"], ids=lambda c: f"{c['construct']}-{c['group']}"
)
def test_bfi_rank_tests_match_svyranktest(case: dict[str, Any]) -> None:
    # equal weights: R's own svyranktest, ties and all
    scores = pd.read_csv(REFERENCE / "scores_bfi.csv")
    design = survey_design(len(scores))
    groups = Domains.from_values(scores[case["group"]].to_numpy(dtype=float))
    result = survey_rank_test(scores[case["construct"]].to_numpy(dtype=float), groups, design)
    assert close(result.p_value, case["p_value"])
    if "chisq" in case:
        assert close(result.statistic, case["chisq"])
        assert (result.df, result.ddf) == (case["ndf"], case["ddf"])
    else:
        assert close(result.statistic, case["statistic"])
        assert close(result.estimate, case["estimate"])
        assert result.df == case["df"]
