"""A scale whose agreement codes are its lowest points (1 = Strongly agree, 1 = Yes) gives the
same acceptance, tests and maturity as its mirror image coded the usual way round."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ipss_survey.instrument import parse_instrument
from ipss_survey.pipeline import Options, analyze

LABELS_UP = "{1: Strongly disagree, 2: Disagree, 3: Neutral, 4: Agree, 5: Strongly agree}"
LABELS_DOWN = "{1: Strongly agree, 2: Agree, 3: Neutral, 4: Disagree, 5: Strongly disagree}"


def _instrument(labels: str, agree: str, yes_no: str) -> str:
    return f"""
id: side
title: Agreement side
version: "1"
scale:
  points: [1, 2, 3, 4, 5]
  labels: {labels}
  agree: {agree}
  neutral: [3]
dimensions:
  - id: A
    name: First
    items: [A1, A2, {{code: A3, reverse: true}}, A4]
  - id: Y
    name: Yes or no
    scale: {yes_no}
    items: [Y1, Y2, Y3]
maturity:
  levels: [{{min: 1, label: Low}}, {{min: 2.5, label: Mid}}, {{min: 3.6, label: High}}]
"""


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    rng = np.random.default_rng(7)
    n = 120
    lean = rng.normal(0.6, 1.0, n)
    up = pd.DataFrame(
        {
            f"A{j}": np.clip(np.rint(3 + lean + rng.normal(0, 1, n)), 1, 5).astype(int)
            for j in range(1, 5)
        }
    )
    for j in range(1, 4):
        up[f"Y{j}"] = (rng.random(n) < 0.55 + 0.1 * (lean > 0)).astype(int)  # 1 = yes
    up["team"] = rng.choice(["north", "south", "east"], n)
    up.loc[rng.random(n) < 0.05, "A2"] = np.nan
    down = up.copy()
    for j in range(1, 5):
        down[f"A{j}"] = 6 - up[f"A{j}"]
    for j in range(1, 4):
        down[f"Y{j}"] = 2 - up[f"Y{j}"]  # 1 = yes, 2 = no
    folder = tmp_path_factory.mktemp("side")
    up.to_csv(folder / "up.csv", index=False)
    down.to_csv(folder / "down.csv", index=False)
    inst_up = parse_instrument(
        _instrument(
            LABELS_UP, "[4, 5]", "{points: [0, 1], labels: {0: 'No', 1: 'Yes'}, agree: [1]}"
        ),
        "up.yaml",
    )
    inst_down = parse_instrument(
        _instrument(
            LABELS_DOWN, "[1, 2]", "{points: [1, 2], labels: {1: 'Yes', 2: 'No'}, agree: [1]}"
        ),
        "down.yaml",
    )
    opts = Options(group="team", threshold=50)
    return (
        analyze(folder / "up.csv", inst_up, opts),
        analyze(folder / "down.csv", inst_down, opts),
    )


def test_construct_acceptance_is_the_same_on_either_side(pair):
    up, down = pair
    for a, b in zip(up.constructs, down.constructs, strict=True):
        assert a.pct_agree == pytest.approx(b.pct_agree, rel=1e-12)
        assert a.se_pct_agree == pytest.approx(b.se_pct_agree, rel=1e-12)
        assert a.ci_pct_agree == pytest.approx(b.ci_pct_agree, rel=1e-12)
        assert a.respondents_agreeing.count == b.respondents_agreeing.count
        assert 0 < a.respondents_agreeing.count < a.n  # not everyone: the old bug gave 100%
    for a, b in zip(up.acceptance_tests, down.acceptance_tests, strict=True):
        assert (a.successes, a.answers, a.n) == (b.successes, b.answers, b.n)
        assert a.p_value == pytest.approx(b.p_value, rel=1e-9)


def test_yes_no_coded_one_two_is_not_everyone_agreeing(pair):
    _, down = pair
    y = next(c for c in down.constructs if c.id == "Y")
    yes = sum(it.counts["1"] for it in down.items if it.dimension == "Y")
    assert y.pct_agree == pytest.approx(100 * yes / y.answers)
    assert y.pct_agree < 90


def test_group_tests_and_maturity_are_the_same_on_either_side(pair):
    up, down = pair
    rs_up = [g for g in up.group_tests if g.test == "rao-scott"]
    rs_down = [g for g in down.group_tests if g.test == "rao-scott"]
    assert rs_up and [g.statistic for g in rs_up] == pytest.approx(
        [g.statistic for g in rs_down], rel=1e-9
    )
    for a, b in zip(up.maturity, down.maturity, strict=True):
        if a.construct == "Y":  # 0/1 against 1/2: a shift as well as a mirror
            assert b.oriented_mean == pytest.approx(a.oriented_mean + 1, rel=1e-12)
            continue
        assert b.oriented_mean == pytest.approx(a.oriented_mean, rel=1e-12)
        assert (a.level, a.label) == (b.level, b.label)
    mean_up = next(c.mean for c in up.constructs if c.id == "A")
    mean_down = next(c.mean for c in down.constructs if c.id == "A")
    assert mean_down == pytest.approx(6 - mean_up)  # reported as answered, read turned round
