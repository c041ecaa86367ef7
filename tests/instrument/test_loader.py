"""Instrument format rules (docs/instrument-format.md) and the built-in instruments."""

from __future__ import annotations

import textwrap

import pytest

from ipss_survey.errors import InstrumentError
from ipss_survey.instrument import (
    builtin_ids,
    load_instrument,
    parse_instrument,
    resolve_instrument,
)

BASE = """\
id: t
title: Test
scale:
  points: [1, 2, 3, 4, 5]
  labels: {1: Strongly disagree, 5: Strongly agree}
  agree: [4, 5]
  neutral: [3]
  missing: [9]
"""


def parse(body: str, base: str = BASE):
    return parse_instrument(base + textwrap.dedent(body), "test.yaml")


def error_of(body: str, base: str = BASE) -> str:
    with pytest.raises(InstrumentError) as info:
        parse(body, base)
    return str(info.value)


def test_minimal_instrument_with_bare_and_mapped_items():
    inst = parse("""\
        dimensions:
          - id: A
            name: Alpha
            items: [A1, {code: A2, text: Hello, reverse: true}]
        """)
    assert [i.code for i in inst.items] == ["A1", "A2"]
    assert inst.item("A2").reverse and inst.item("A2").text == "Hello"
    assert inst.constructs[0].items == ("A1", "A2")
    assert inst.item("A1").scale.disagree == (1, 2)


@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        ("colour: red\ndimensions: [{id: A, items: [A1]}]\n", "colour", "unknown key 'colour'"),
        (
            "dimensions: [{id: A, items: [A1], weight: 2}]\n",
            "dimensions[0].weight",
            "unknown key 'weight'",
        ),
        (
            "dimensions: [{id: A, items: [{code: A1, revers: true}]}]\n",
            "dimensions[0].items[0].revers",
            "unknown key 'revers'",
        ),
        (
            "dimensions: [{id: A, subdimensions: [{id: s, items: [A1], extra: 1}]}]\n",
            "dimensions[0].subdimensions[0].extra",
            "unknown key 'extra'",
        ),
        (
            "dimensions: [{id: A, items: [A1]}]\nmaturity: {levels: [{min: 1, label: x}], "
            "colour: 1}\n",
            "maturity.colour",
            "unknown key 'colour'",
        ),
    ],
)
def test_unknown_keys_are_rejected_with_file_and_key_path(body, path, words):
    msg = error_of(body)
    assert msg.startswith(f"test.yaml: {path}: ")
    assert words in msg


def test_unknown_key_in_scale():
    msg = error_of(
        "dimensions: [{id: A, items: [A1]}]\n",
        base=BASE.replace("  missing: [9]\n", "  missing: [9]\n  weights: [1]\n"),
    )
    assert "test.yaml: scale.weights: unknown key 'weights'" in msg


def test_duplicate_item_codes_ignore_case():
    msg = error_of("dimensions: [{id: A, items: [A1, B1]}, {id: B, items: [b1]}]\n")
    assert "dimensions[1].items[0].code" in msg
    assert "duplicate item code 'b1'" in msg and "dimensions[0].items[1]" in msg


def test_duplicate_construct_ids():
    msg = error_of("dimensions: [{id: A, items: [A1]}, {id: a, items: [A2]}]\n")
    assert "construct id 'a' is already used" in msg


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("dimensions: [{id: A}]\n", "dimension 'A' is empty"),
        ("dimensions: [{id: A, items: []}]\n", "non-empty list of items"),
        ("dimensions: [{id: A, subdimensions: []}]\n", "is empty"),
        ("dimensions: [{id: A, subdimensions: [{id: s}]}]\n", "sub-dimension 's' is empty"),
        ("dimensions: []\n", "non-empty list of dimensions"),
    ],
)
def test_empty_dimensions_are_errors(body, words):
    assert words in error_of(body)


def test_dimension_with_items_and_subdimensions():
    msg = error_of("dimensions: [{id: A, items: [A1], subdimensions: [{id: s, items: [A2]}]}]\n")
    assert "not both" in msg


def test_reverse_flag_without_any_scale():
    msg = error_of("id: t\ndimensions: [{id: A, items: [{code: A1, reverse: true}]}]\n", base="")
    assert "dimensions[0].items[0]" in msg
    assert "no scale" in msg and "reverse-keyed" in msg


@pytest.mark.parametrize(
    ("scale", "path", "words"),
    [
        ("{points: [1, 2, 3], agree: [4]}", "scale.agree[0]", "code 4 is not one of"),
        ("{points: [1, 2, 3], agree: [3], neutral: [0]}", "scale.neutral[0]", "code 0"),
        (
            "{points: [1, 2, 3], agree: [3], missing: [2]}",
            "scale.missing[0]",
            "missing code 2 is also a scale point",
        ),
        ("{points: [3, 2, 1], agree: [3]}", "scale.points", "lowest first"),
        ("{points: [1], agree: [1]}", "scale.points", "at least two points"),
        ("{points: [1, 2], agree: [2], neutral: [2]}", "scale", "both 'agree' and 'neutral'"),
        ("{points: [1, 2], agree: []}", "scale.agree", "agreement"),
        ("{points: [1, 2.5], agree: [1]}", "scale.points[1]", "whole-number code"),
        ("{points: [1, 2], agree: [2], labels: {3: x}}", "scale.labels.3", "not a scale point"),
        ("{points: [0, 1], agree: [1], labels: {0: No}}", "scale.labels.0", "quote words"),
        (
            "{points: [1, 2], agree: [2], labels: {1: Agree, 2: '  agree'}}",
            "scale.labels.2",
            "also used",
        ),
    ],
)
def test_scale_rules(scale, path, words):
    msg = error_of(f"id: t\nscale: {scale}\ndimensions: [{{id: A, items: [A1]}}]\n", base="")
    assert f"test.yaml: {path}: " in msg
    assert words in msg


def test_reverse_keying_needs_a_symmetric_scale():
    msg = error_of(
        "id: t\nscale: {points: [1, 2, 5], agree: [2]}\n"
        "dimensions: [{id: D, items: [{code: Q1, reverse: true}]}]\n",
        base="",
    )
    assert "dimensions[0].items[0].reverse" in msg and "not symmetric" in msg
    # Evenly spaced but shifted points are fine: 0 + 4 - x stays on [0, 2, 4].
    parse_instrument(
        "id: t\nscale: {points: [0, 2, 4], agree: [4]}\n"
        "dimensions: [{id: D, items: [{code: Q1, reverse: true}]}]\n",
        "t.yaml",
    )


def test_missing_codes_may_lie_outside_points_and_carry_labels():
    inst = parse_instrument(
        "id: t\nscale: {points: [1, 2], agree: [2], missing: [9, -1], labels: {9: Don't know}}\n"
        "dimensions: [{id: A, items: [A1]}]\n",
        "t.yaml",
    )
    assert inst.scale.missing == (9, -1)


def test_maturity_levels_out_of_order():
    msg = error_of(
        "dimensions: [{id: A, items: [A1]}]\nmaturity:\n  levels:\n"
        "    - {min: 2, label: b}\n    - {min: 1, label: a}\n"
    )
    assert "maturity.levels[1].min" in msg and "lowest first" in msg


def test_maturity_level_lookup_uses_band_minimums():
    inst = parse(
        "dimensions: [{id: A, items: [A1]}]\nmaturity:\n  levels:\n"
        "    - {min: 1, label: low}\n    - {min: 2.5, label: mid}\n"
        "    - {min: 4, label: high}\n"
    )
    assert inst.maturity_level(1.0) == (1, "low")
    assert inst.maturity_level(2.4999) == (1, "low")
    assert inst.maturity_level(2.5) == (2, "mid")
    assert inst.maturity_level(5.0) == (3, "high")
    assert inst.maturity_level(0.5) is None
    assert inst.maturity_level(None) is None


def test_nearest_scale_wins_whole():
    inst = parse("""\
        dimensions:
          - id: A
            scale: {points: [1, 2, 3], agree: [3]}
            subdimensions:
              - id: s
                items: [A1, {code: A2, scale: {points: [0, 1], agree: [1]}}]
              - id: t
                scale: {points: [1, 2, 3, 4], agree: [4]}
                items: [A3]
          - id: B
            items: [B1]
        """)
    assert inst.item("A1").scale.points == (1, 2, 3)
    assert inst.item("A1").scale.missing == ()  # replaced whole, not merged
    assert inst.item("A2").scale.points == (0, 1)
    assert inst.item("A3").scale.points == (1, 2, 3, 4)
    assert inst.item("B1").scale.points == (1, 2, 3, 4, 5)
    assert [c.id for c in inst.constructs] == ["A", "s", "t", "B"]
    assert inst.constructs[0].items == ("A1", "A2", "A3")
    assert inst.constructs[1].parent == "A" and inst.constructs[1].level == "subdimension"


def test_yaml_syntax_error_names_line():
    msg = error_of("dimensions: [{id: A, items: [A1]\n")
    assert msg.startswith("test.yaml: not valid YAML: line")


def test_yaml_is_loaded_safely():
    msg = error_of("", base="!!python/object/apply:os.system ['echo hacked']\n")
    assert "not valid YAML" in msg


def test_item_code_must_be_given():
    assert "needs a 'code'" in error_of("dimensions: [{id: A, items: [{text: hi}]}]\n")


def test_load_instrument_file_errors(tmp_path):
    with pytest.raises(InstrumentError, match="no such file"):
        load_instrument(tmp_path / "absent.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(InstrumentError, match=r"empty\.yaml: the file is empty"):
        load_instrument(empty)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage\x9c")
    with pytest.raises(InstrumentError, match="not UTF-8"):
        load_instrument(binary)


def test_resolve_unknown_id_lists_builtins():
    with pytest.raises(InstrumentError) as info:
        resolve_instrument("dtcfa")
    assert "dtcaf" in str(info.value) and "ipss-senior-managers" in str(info.value)


# --------------------------------------------------------------------------- built-ins

DTCAF_TABLE = [
    ("LEA", "Leadership", [("Vision", 4), ("Policy", 4), ("Data", 3)]),
    ("STR", "Strategy", [("General", 8), ("Integration and Interoperability", 3), ("Data", 4)]),
    (
        "GOV",
        "Governance",
        [
            ("General", 6),
            ("Citizens and Business", 5),
            ("Partnership", 2),
            ("Data", 2),
            ("Organization", 4),
        ],
    ),
    (
        "LEG",
        "Legal",
        [
            ("Laws and Regulations", 5),
            ("Policies and Procedures", 13),
            ("Data", 3),
            ("Procurement", 4),
        ],
    ),
    (
        "TEC",
        "Technology",
        [
            ("General", 2),
            ("Citizens and Business", 5),
            ("Public Servants", 3),
            ("Cybersecurity", 7),
        ],
    ),
    ("PWD", "Professional and Workforce Development", [("General", 7)]),
]


def test_builtins_are_listed():
    assert builtin_ids() == [
        "cgr-performance",
        "collaborative-pa",
        "dt-social-value",
        "dtcaf",
        "ipss-senior-managers",
        "isdip",
        "smart-governance",
        "un-cepa",
    ]


def test_dtcaf_matches_the_published_table():
    """Seed 002 (UN DESA slides): 6 dimensions, 20 sub-dimensions, 94 statements."""
    inst = resolve_instrument("dtcaf")
    assert len(inst.items) == 94
    dims = inst.dimensions
    assert [(d.id, d.name) for d in dims] == [(d, n) for d, n, _ in DTCAF_TABLE]
    for dim, (did, _, subs) in zip(dims, DTCAF_TABLE, strict=True):
        children = [c for c in inst.constructs if c.parent == dim.id]
        assert [(c.name, len(c.items)) for c in children] == subs
        total = sum(k for _, k in subs)
        assert dim.items == tuple(f"{did}{i:02d}" for i in range(1, total + 1))
    assert sum(c.level == "subdimension" for c in inst.constructs) == 20


@pytest.mark.parametrize(
    ("code", "subdimension"),
    [
        ("LEA04", "Vision"),
        ("LEA07", "Policy"),
        ("STR07", "General"),
        ("STR09", "Integration and Interoperability"),
        ("GOV01", "General"),
        ("GOV18", "Organization"),
        ("LEG06", "Policies and Procedures"),
        ("LEG24", "Procurement"),
        ("TEC02", "General"),
        ("TEC12", "Cybersecurity"),
        ("PWD03", "General"),
        ("PWD07", "General"),
    ],
)
def test_dtcaf_quoted_statements_sit_in_the_slides_subdimensions(code, subdimension):
    inst = resolve_instrument("dtcaf")
    item = inst.item(code)
    sub = next(c for c in inst.constructs if c.id == item.subdimension)
    assert sub.name == subdimension
    assert item.text


def test_dtcaf_texts_and_scale():
    inst = resolve_instrument("dtcaf")
    with_text = [i.code for i in inst.items if i.text]
    assert len(with_text) == 12
    assert inst.item("TEC12").text_incomplete
    assert [i.code for i in inst.items if i.text_incomplete] == ["TEC12"]
    assert "Chief Information Officer" in inst.item("LEA04").text
    sc = inst.scale
    assert sc.points == (1, 2, 3, 4, 5) and sc.agree == (4, 5) and sc.neutral == (3,)
    assert sc.disagree == (1, 2)
    assert sc.labels[5] == "Strongly Agree" and sc.labels[3] == "Neither Agree nor Disagree"


def test_dtcaf_maturity_bands_are_labelled_defaults():
    inst = resolve_instrument("dtcaf")
    assert [(lv.min, lv.label) for lv in inst.maturity] == [
        (1.0, "Nascent"),
        (1.8, "Emerging"),
        (2.6, "Agile and Integrated"),
        (3.4, "Transformed"),
        (4.2, "Innovative"),
    ]
    assert "not official" in inst.maturity_basis


def test_senior_managers_instrument_structure():
    inst = resolve_instrument("ipss-senior-managers")
    dims = {d.id: d for d in inst.dimensions}
    assert len(dims["ELE"].items) == 8
    assert len(dims["PER"].items) == 9
    # Political interference is a constraint: never part of the support score.
    assert "CON08" in dims["CON"].items
    assert "CON08" not in dims["SUP"].items
    assert "interference" in inst.item("CON08").text
    assert inst.item("EXT01").scale.points == (0, 1)
    assert inst.item("EXT01").scale.labels == {0: "No", 1: "Yes"}
    assert inst.item("COL01").scale.labels == {1: "None", 2: "Some", 3: "Good"}
    areas = next(c for c in inst.constructs if c.id == "CON-areas")
    assert len(areas.items) == 7
