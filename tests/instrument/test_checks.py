"""Advice on loaded instruments: agreement codes off the ends, lists typed the wrong way round."""

from __future__ import annotations

from ipss_survey.instrument import builtin_instrument, parse_instrument
from ipss_survey.instrument.checks import check_instrument


def _instrument(scale: str) -> str:
    return f"""
id: t
title: T
version: "1"
scale:
{scale}
dimensions:
  - id: A
    name: A
    items:
      - {{code: A1, text: one}}
      - {{code: A2, text: two}}
"""


def test_builtin_instruments_need_no_advice():
    for iid in ("dtcaf", "ipss-senior-managers"):
        assert check_instrument(builtin_instrument(iid)) == []


def test_agreement_in_the_middle_of_the_scale_is_named():
    inst = parse_instrument(
        _instrument(
            "  points: [1, 2, 3, 4, 5]\n"
            "  labels: {1: Never, 2: Rarely, 3: Sometimes, 4: Often, 5: Always}\n"
            "  agree: [2, 3]\n"
        ),
        "t.yaml",
    )
    advice = check_instrument(inst)
    assert [a.code for a in advice] == ["agree_not_at_end"]
    assert advice[0].items == ("A1", "A2")
    assert "[2, 3]" in advice[0].message and "A1, A2" in advice[0].message


def test_agreement_at_the_top_with_strongly_agree_at_the_bottom_looks_reversed():
    inst = parse_instrument(
        _instrument(
            "  points: [1, 2, 3, 4]\n"
            "  labels: {1: Strongly agree, 2: Agree, 3: Disagree, 4: Strongly disagree}\n"
            "  agree: [3, 4]\n"
        ),
        "t.yaml",
    )
    (advice,) = check_instrument(inst)
    assert advice.code == "scale_looks_reversed"
    assert "'Strongly disagree'" in advice.message and "'Strongly agree'" in advice.message


def test_agreement_at_the_bottom_matching_its_labels_is_fine():
    inst = parse_instrument(
        _instrument(
            "  points: [1, 2, 3, 4]\n"
            "  labels: {1: Strongly agree, 2: Agree, 3: Disagree, 4: Strongly disagree}\n"
            "  agree: [1, 2]\n"
        ),
        "t.yaml",
    )
    assert check_instrument(inst) == []


def test_yes_no_coded_one_two_with_agreement_on_no_looks_reversed():
    inst = parse_instrument(
        _instrument("  points: [1, 2]\n  labels: {1: 'Yes', 2: 'No'}\n  agree: [2]\n"), "t.yaml"
    )
    assert [a.code for a in check_instrument(inst)] == ["scale_looks_reversed"]


def test_labels_that_say_nothing_of_direction_give_no_advice():
    inst = parse_instrument(
        _instrument("  points: [1, 2, 3]\n  labels: {1: Low, 2: Mid, 3: High}\n  agree: [3]\n"),
        "t.yaml",
    )
    assert check_instrument(inst) == []
