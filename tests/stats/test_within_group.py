"""Agreement within groups against R (tests/reference/within_group.json, written by
tests/reference/within_group.R: multilevel::rwg, rwg.j, ICC1, ICC2) on psychTools::tai by
study (also as small "panels") and psych::bfi by education and by age."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ipss_survey.stats.groups import group_index
from ipss_survey.stats.within_group import (
    WithinGroupAgreement,
    icc,
    rwg,
    rwg_items,
    rwg_j,
    uniform_null_variance,
)
from tests.paths import REFERENCE

RTOL = 1e-6
ATOL = 1e-12


@cache
def reference() -> dict[str, Any]:
    return json.loads((REFERENCE / "within_group.json").read_text())


@cache
def items_of(dataset: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / f"{dataset}.csv")


@cache
def scores_of(dataset: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / f"scores_{dataset}.csv")


def case_frames(case: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Items, scores and group column of a case (the rows R used)."""
    items, scores = items_of(case["dataset"]), scores_of(case["dataset"])
    grouping = "study" if case["grouping"] == "panel" else case["grouping"]
    if case["rows"] is not None:
        rows = np.array(case["rows"]) - 1
        items, scores = items.iloc[rows], scores.iloc[rows]
    return items, scores, items[grouping]


CASES = reference()["cases"]


def case_id(case: dict[str, Any]) -> str:
    return f"{case['dataset']}-{case['grouping']}"


def close(actual: float | None, expected: float | None) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and actual == pytest.approx(expected, rel=RTOL, abs=ATOL)


def assert_matches(
    result: WithinGroupAgreement, groups: list[str], values: list[float | None], sizes: list[int]
) -> None:
    """Python lists every labelled group; R only those with an answer: compare those."""
    by_group = {g.group: g for g in result.groups}
    answered = {g.group for g in result.groups if g.n > 0}
    assert answered == set(groups)
    for group, value, size in zip(groups, values, sizes, strict=True):
        entry = by_group[group]
        assert entry.n == size, group
        assert close(entry.value, value), (group, entry.value, value)


def test_reference_records_versions() -> None:
    versions = reference()["versions"]
    assert versions["multilevel"] == "2.7" and versions["R"].startswith("R version 4.2.2")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_rwg_per_item_matches_multilevel_rwg(case: dict[str, Any]) -> None:
    items, _, group = case_frames(case)
    names = [r["item"] for r in case["rwg"]]
    results = rwg_items(items[names].to_numpy(dtype=float), group, len(case["points"]))
    for ref, result in zip(case["rwg"], results, strict=True):
        assert result.statistic == "rwg" and result.n_items == 1
        assert result.ranvar == pytest.approx(case["ranvar"], rel=1e-15)
        assert_matches(result, ref["groups"], ref["rwg"], ref["gsize"])


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_rwg_j_per_construct_matches_multilevel_rwg_j(case: dict[str, Any]) -> None:
    items, _, group = case_frames(case)
    for ref in case["rwg_j"]:
        result = rwg_j(items[ref["items"]].to_numpy(dtype=float), group, len(case["points"]))
        assert result.statistic == "rwg_j" and result.n_items == len(ref["items"])
        assert_matches(result, ref["groups"], ref["rwg_j"], ref["gsize"])
        assert sum(g.n for g in result.groups) == ref["complete"]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_icc_matches_multilevel_icc1_icc2(case: dict[str, Any]) -> None:
    _, scores, group = case_frames(case)
    for ref in case["icc"]:
        result = icc(scores[ref["construct"]], group)
        assert close(result.icc1, ref["icc1"]) and close(result.icc2, ref["icc2"])
        assert close(result.ms_between, ref["ms_between"])
        assert close(result.ms_within, ref["ms_within"])
        assert (result.df_between, result.df_within) == (ref["df_between"], ref["df_within"])
        assert (result.n, result.n_groups) == (ref["n"], ref["n_groups"])
        assert result.mean_group_size == ref["n"] / ref["n_groups"]
        assert result.notes == []


def test_cases_cover_small_groups_missing_answers_and_truncation() -> None:
    panel = next(c for c in CASES if c["grouping"] == "panel")
    sizes = {s for r in panel["rwg"] for s in r["gsize"]}
    assert {1, 2} <= sizes
    assert any(v == 0 for r in panel["rwg"] for v in r["rwg"])  # truncated at the null
    age = next(c for c in CASES if c["grouping"] == "age")
    assert any(v is None for r in age["rwg_j"] for v in r["rwg_j"])
    items, _, _ = case_frames(CASES[0])
    assert items.drop(columns=["study", "time", "id"]).isna().any().all()


def test_hand_case_matches_r() -> None:
    hand = reference()["hand"]
    d = pd.DataFrame(hand["data"])
    one = rwg(d["x"], d["g"], 4)
    assert_matches(one, hand["rwg"]["groups"], hand["rwg"]["rwg"], hand["rwg"]["gsize"])
    both = rwg_j(d[["x", "y"]], d["g"], 4)
    assert_matches(both, hand["rwg_j"]["groups"], hand["rwg_j"]["rwg_j"], hand["rwg_j"]["gsize"])


def test_hand_computed_rwg_rwg_j_and_icc() -> None:
    # a: 1, 4 (variance 4.5 > 1.25: rwg 0); b: 2, 2, 3 (variance 1/3); c: one answer
    x = np.array([1, 4, 2, 2, 3, 4], dtype=float)
    g = ["a", "a", "b", "b", "b", "c"]
    result = rwg(x, g, 4)
    assert [e.group for e in result.groups] == ["a", "b", "c"]
    assert [e.n for e in result.groups] == [2, 3, 1]
    assert result.groups[0].value == 0.0 and result.groups[0].variance == 4.5
    assert result.groups[1].value == pytest.approx(1 - (1 / 3) / 1.25, abs=1e-15)
    assert result.groups[2].value is None and result.groups[2].variance is None
    codes = sorted(n.code for n in result.notes)
    assert codes == ["group_too_small", "rwg_truncated"]
    assert next(n for n in result.notes if n.code == "rwg_truncated").groups == ("a",)
    # rwg(j) of two items, b with variances 1/3 and 0: s2 = 1/6, J = 2
    y = np.array([1, 4, 2, 2, 2, 4], dtype=float)
    s = (1 / 6) / 1.25
    both = rwg_j(np.column_stack([x, y]), g, 4)
    assert both.groups[1].value == pytest.approx(2 * (1 - s) / (2 * (1 - s) + s), abs=1e-15)
    # ICC: means 2, 4, 1 of 1 2 3 | 4 4 | 1; grand 2.5; MSB = 7.5/2, MSW = 2/3, g = 2
    result_icc = icc([1, 2, 3, 4, 4, 1], ["a", "a", "a", "b", "b", "c"])
    msb, msw = 7.5 / 2, 2 / 3
    assert result_icc.icc1 == pytest.approx((msb - msw) / (msb + msw), abs=1e-15)
    assert result_icc.icc2 == pytest.approx((msb - msw) / msb, abs=1e-15)
    assert (result_icc.n_groups, result_icc.n) == (3, 6)


def test_uniform_null_variance() -> None:
    assert uniform_null_variance(4) == 1.25 and uniform_null_variance(6) == 35 / 12
    assert uniform_null_variance(5) == 2.0  # multilevel's default ranvar = 2 is the 5-point null
    with pytest.raises(ValueError):
        uniform_null_variance(1)
    with pytest.raises(ValueError):
        rwg([1, 2], ["a", "a"], 4, ranvar=0.0)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_rwg_and_rwg_j_lie_in_the_unit_interval(case: dict[str, Any]) -> None:
    items, _, group = case_frames(case)
    names = [r["item"] for r in case["rwg"]]
    results = rwg_items(items[names].to_numpy(dtype=float), group, len(case["points"]))
    results += [
        rwg_j(items[ref["items"]].to_numpy(dtype=float), group, len(case["points"]))
        for ref in case["rwg_j"]
    ]
    values = [e.value for r in results for e in r.groups if e.value is not None]
    assert values and all(0.0 <= v <= 1.0 for v in values)
    for r in results:
        for e in r.groups:
            assert (e.value is None) == (e.n < 2)


def test_relabelling_and_permuting_groups_changes_nothing() -> None:
    case = next(c for c in CASES if c["grouping"] == "panel")
    items, scores, group = case_frames(case)
    x = items[[r["item"] for r in case["rwg"]]].to_numpy(dtype=float)
    names = sorted(set(group))
    renamed = dict(zip(names, [f"panel {i:02d}" for i in range(len(names), 0, -1)], strict=True))
    other = group.map(renamed)
    order = np.random.default_rng(3).permutation(len(group))

    def by_group(out: list[WithinGroupAgreement], labels: dict[str, str]) -> list[dict]:
        # values to 1e-12: permuting rows changes the order of the sums
        def near(v: float | None) -> Any:
            return None if v is None else pytest.approx(v, abs=1e-12)

        return [{labels.get(e.group, e.group): (e.n, near(e.value)) for e in r.groups} for r in out]

    base = by_group(rwg_items(x, group, 4), renamed)
    assert by_group(rwg_items(x, other, 4), {}) == base
    assert by_group(rwg_items(x[order], group.to_numpy()[order], 4), renamed) == base
    tai = case["rwg_j"][0]["items"]
    j = items[tai].to_numpy(dtype=float)
    assert by_group([rwg_j(j[order], other.to_numpy()[order], 4)], {}) == by_group(
        [rwg_j(j, group, 4)], renamed
    )
    first = icc(scores["tai"], group)
    second = icc(scores["tai"].to_numpy()[order], other.to_numpy()[order])
    assert second.icc1 == pytest.approx(first.icc1, rel=1e-12)
    assert second.icc2 == pytest.approx(first.icc2, rel=1e-12)


def test_missing_groups_and_answers_are_left_out() -> None:
    x = np.array([1, 2, np.nan, 3, 3, 4, 2], dtype=float)
    g = np.array(["a", "a", "a", None, "b", "b", ""], dtype=object)
    result = rwg(x, g, 4)
    assert [(e.group, e.n) for e in result.groups] == [("a", 2), ("b", 2)]
    icc_result = icc(x, g)
    assert (icc_result.n, icc_result.n_groups) == (4, 2)
    # a group with no answer to the item is listed with n = 0
    y = np.array([np.nan, np.nan, 2, 3], dtype=float)
    listed = rwg(y, ["a", "a", "b", "b"], 4)
    assert [(e.group, e.n, e.value) for e in listed.groups] == [("a", 0, None), ("b", 2, 0.6)]


def test_icc_without_two_groups_or_within_variance_is_none() -> None:
    one = icc([1, 2, 3], ["a", "a", "a"])
    assert one.icc1 is None and [n.code for n in one.notes] == ["too_few_groups"]
    singles = icc([1, 2, 3], ["a", "b", "c"])
    assert singles.icc1 is None and [n.code for n in singles.notes] == ["group_too_small"]
    flat = icc([2, 2, 2, 2], ["a", "a", "b", "b"])
    assert flat.icc1 is None and flat.icc2 is None and flat.notes[0].code == "no_variance"
    equal_means = icc([1, 3, 1, 3], ["a", "a", "b", "b"])
    assert equal_means.icc1 == pytest.approx(-1.0) and equal_means.icc2 is None


def test_group_index_orders_like_the_group_tests() -> None:
    labels, codes = group_index(np.array([10.0, 2.0, np.nan, 2.0]))
    assert labels == ["2", "10"] and codes.tolist() == [1, 0, -1, 0]
    labels, codes = group_index(["b", " a", None, "", "b"])
    assert labels == ["a", "b"] and codes.tolist() == [1, 0, -1, -1, 1]
    labels, codes = group_index(np.array([1, 1.0, "1"], dtype=object))
    assert labels == ["1"] and codes.tolist() == [0, 0, 0]


def test_fifty_groups_of_a_hundred_thousand_respondents() -> None:
    rng = np.random.default_rng(11)
    n, k = 100_000, 20
    x = rng.integers(1, 5, size=(n, k)).astype(float)
    x[rng.random((n, k)) < 0.02] = np.nan
    g = rng.integers(0, 50, n)
    per_item = rwg_items(x, g, 4)
    construct = rwg_j(x, g, 4)
    result = icc(np.nanmean(x, axis=1), g)
    assert len(per_item) == k and len(construct.groups) == 50 and result.n_groups == 50
