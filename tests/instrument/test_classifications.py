"""The ``classifications:`` block of an instrument file: what it reads into, how it is written
back (YAML and XLSForm), and the errors for blocks that break its rules."""

from __future__ import annotations

import io
import textwrap

import openpyxl
import pytest

from ipss_survey.errors import InstrumentError
from ipss_survey.fielding.xlsform import xlsform_bytes
from ipss_survey.instrument import builtin_text, parse_instrument
from ipss_survey.instrument.dump import instrument_yaml
from ipss_survey.instrument.model import Classification, ClassRule, Condition
from ipss_survey.instrument.xlsform import read_xlsform
from tests.paths import REPO
from tests.xlsforms import assert_same_instrument, converts

HEAD = """\
id: t
scale: {points: [1, 2, 3, 4, 5], agree: [4, 5], missing: [9]}
dimensions:
  - id: D
    items: [I1, I2]
questions:
  - {code: TARGET, type: categorical, options: [{code: external, label: Citizens}, internal]}
  - {code: RES, type: select_multiple, options: [budgets, manpower, information]}
  - {code: NOTE, type: text}
"""

GOOD = """\
classifications:
  - id: model
    name: Collaboration model
    description: Two models.
    source: A table.
    classes:
      - id: social
        name: Social innovation
        description: For citizens.
        when:
          - {question: target, equals: Citizens}
          - {question: RES, includes: [budgets, manpower]}
          - any: [{item: I1, at_least: 4}, {item: I2, any_of: [4, 5]}]
      - id: admin
        name: Administrative innovation
        when:
          - {question: TARGET, any_of: [internal]}
          - {question: RES, excludes: budgets}
          - {question: RES, at_most: 2}
          - all: [{item: I1, equals: 3}, {question: RES, includes_any: [manpower, information]}]
    otherwise: {id: mixed, name: Mixed}
  - id: sharing
    name: Sharing
    classes:
      - {id: wide, name: Wide, when: [{question: RES, at_least: 2}]}
"""


def parse(body: str):
    return parse_instrument(HEAD + textwrap.dedent(body), "test.yaml")


def error_of(body: str) -> str:
    with pytest.raises(InstrumentError) as info:
        parse(body)
    return str(info.value)


def test_a_classification_block_reads_into_frozen_rules():
    inst = parse(GOOD)
    model, sharing = inst.classifications
    assert isinstance(model, Classification)
    assert (model.id, model.name, model.description, model.source) == (
        "model",
        "Collaboration model",
        "Two models.",
        "A table.",
    )
    social, admin = model.classes
    assert isinstance(social, ClassRule) and social.description == "For citizens."
    # Codes are spelt as the instrument spells them; an option named by its label is its code.
    assert social.when[0] == Condition("equals", "question", "TARGET", ("external",))
    assert social.when[1] == Condition("includes", "question", "RES", ("budgets", "manpower"))
    assert social.when[2] == Condition(
        "any",
        parts=(
            Condition("at_least", "item", "I1", (4,)),
            Condition("any_of", "item", "I2", (4, 5)),
        ),
    )
    assert admin.when[1] == Condition("excludes", "question", "RES", ("budgets",))
    assert admin.when[2] == Condition("at_most", "question", "RES", (2,))
    assert model.otherwise == ClassRule("mixed", "Mixed", ())
    assert sharing.otherwise is None
    with pytest.raises(AttributeError):
        social.id = "x"  # type: ignore[misc]


def test_an_instrument_without_the_block_has_no_classifications():
    assert parse("").classifications == ()


def test_the_block_is_written_back_as_yaml_and_as_an_xlsform(tmp_path):
    inst = parse(GOOD)
    text = instrument_yaml(inst)
    assert "          - {question: TARGET, equals: external}" in text
    assert "          - {any: [{item: I1, at_least: 4}, {item: I2, any_of: [4, 5]}]}" in text
    assert parse_instrument(text, "test.yaml") == inst
    data = xlsform_bytes(inst)
    assert converts(data) == []
    sheet = openpyxl.load_workbook(io.BytesIO(data))["ipss_classifications"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("classification", "classification_name")
    assert [(r[0], r[4]) for r in rows[1:]] == [
        ("model", "social"),
        ("model", "admin"),
        ("model", "mixed"),
        ("sharing", "wide"),
    ]
    path = tmp_path / "form.xlsx"
    path.write_bytes(data)
    back = read_xlsform(path)
    assert_same_instrument(back.instrument, inst)


def test_a_bad_when_cell_in_a_form_is_an_error_naming_the_sheet(tmp_path):
    inst = parse(GOOD)
    wb = openpyxl.load_workbook(io.BytesIO(xlsform_bytes(inst)))
    ws = wb["ipss_classifications"]
    ws.cell(2, 8).value = "[{question: TARGET, equals: nobody}]"
    path = tmp_path / "form.xlsx"
    wb.save(path)
    with pytest.raises(InstrumentError) as info:
        read_xlsform(path)
    assert str(info.value) == (
        f"{path}: sheet ipss_classifications: classifications[0].classes[0].when[0].equals: "
        "question 'TARGET' has no option 'nobody'; options: external, internal"
    )


def rules(when: str, extra: str = "") -> str:
    """One classification with one class whose ``when`` is ``when`` (YAML flow)."""
    return (
        "classifications:\n"
        "  - id: c\n"
        "    name: C\n"
        "    classes:\n"
        f"      - {{id: k, name: K, when: {when}}}\n" + extra
    )


WHEN = "classifications[0].classes[0].when"


@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        ("classifications: {id: c}\n", "classifications", "expected a non-empty list"),
        ("classifications: []\n", "classifications", "expected a non-empty list"),
        (
            "classifications:\n  - {id: c, rules: []}\n",
            "classifications[0].rules",
            "unknown key 'rules' in classification; allowed keys: classes, description, id,",
        ),
        (
            "classifications:\n  - {name: C}\n",
            "classifications[0]",
            "a classification needs an 'id'",
        ),
        (
            "classifications:\n  - {id: my model, classes: []}\n",
            "classifications[0].id",
            "must not contain spaces",
        ),
        (
            "classifications:\n  - {id: c}\n",
            "classifications[0].classes",
            "needs a non-empty list of classes",
        ),
        (
            "classifications:\n  - {id: c, classes: [{id: k, name: K}]}\n",
            "classifications[0].classes[0]",
            "class 'k' needs 'when'",
        ),
        (rules("[]"), WHEN, "expected a non-empty list of conditions"),
        (rules("{item: I1, equals: 4}"), WHEN, "expected a non-empty list of conditions"),
        (
            rules(
                "[{item: I1, equals: 4}]",
                "  - {id: C, classes: [{id: k, when: [{item: I1, equals: 1}]}]}\n",
            ),
            "classifications[1].id",
            "classification id 'C' is already used at classifications[0]",
        ),
        (
            rules("[{item: I1, equals: 4}]").replace(
                "when: [{item: I1, equals: 4}]}",
                "when: [{item: I1, equals: 4}]}\n      - {id: K, when: [{item: I2, equals: 4}]}",
            ),
            "classifications[0].classes[1].id",
            "class id 'K' is already used at classifications[0].classes[0]",
        ),
        (
            rules("[{item: I1, equals: 4}]", "    otherwise: {id: k}\n"),
            "classifications[0].otherwise.id",
            "class id 'k' is already used",
        ),
        (
            rules("[{item: I1, equals: 4}]", "    otherwise: {id: rest, when: []}\n"),
            "classifications[0].otherwise.when",
            "unknown key 'when' in otherwise class",
        ),
        (rules("[{item: I1, question: RES, equals: 4}]"), f"{WHEN}[0]", "names one item"),
        (rules("[{equals: 4}]"), f"{WHEN}[0]", "names one item"),
        (rules("[{item: I1}]"), f"{WHEN}[0]", "exactly one test"),
        (rules("[{item: I1, equals: 4, at_least: 2}]"), f"{WHEN}[0]", "found equals, at_least"),
        (rules("[{item: I1, is: 4}]"), f"{WHEN}[0].is", "unknown key 'is' in condition"),
        (rules("[{item: I9, equals: 4}]"), f"{WHEN}[0].item", "no item 'I9'"),
        (
            rules("[{item: RES, at_least: 1}]"),
            f"{WHEN}[0].item",
            "no item 'RES' (it is a question: write 'question: ...')",
        ),
        (
            rules("[{question: I1, equals: 4}]"),
            f"{WHEN}[0].question",
            "no question 'I1' (it is an item: write 'item: ...')",
        ),
        (
            rules("[{question: NOTE, equals: x}]"),
            f"{WHEN}[0].question",
            "question 'NOTE' is open-ended (text); a rule can test only items",
        ),
        (
            rules("[{question: TARGET, includes: external}]"),
            f"{WHEN}[0].includes",
            "'includes' does not apply to the categorical question 'TARGET'; tests for it: "
            "equals, any_of",
        ),
        (
            rules("[{question: RES, equals: budgets}]"),
            f"{WHEN}[0].equals",
            "tests for it: includes, includes_any, excludes, at_least, at_most",
        ),
        (
            rules("[{item: I1, includes: 4}]"),
            f"{WHEN}[0].includes",
            "'includes' does not apply to item 'I1'; tests for it: equals, any_of",
        ),
        (rules("[{item: I1, equals: [4, 5]}]"), f"{WHEN}[0].equals", "for several write 'any_of"),
        (rules("[{item: I1, equals: 7}]"), f"{WHEN}[0].equals", "code 7 is not one of item"),
        (rules("[{item: I1, equals: '4'}]"), f"{WHEN}[0].equals", "expected a whole number"),
        (rules("[{item: I1, any_of: 4}]"), f"{WHEN}[0].any_of", "non-empty list of scale codes"),
        (rules("[{item: I1, any_of: [4, 9]}]"), f"{WHEN}[0].any_of[1]", "code 9 is not one of"),
        (
            rules("[{item: I1, at_least: 6}]"),
            f"{WHEN}[0].at_least",
            "6 lies outside the scale of item 'I1' (1-5)",
        ),
        (
            rules("[{question: TARGET, equals: nobody}]"),
            f"{WHEN}[0].equals",
            "question 'TARGET' has no option 'nobody'; options: external, internal",
        ),
        (
            rules("[{question: RES, includes: [budgets, money]}]"),
            f"{WHEN}[0].includes[1]",
            "has no option 'money'",
        ),
        (rules("[{question: RES, includes: []}]"), f"{WHEN}[0].includes", "a non-empty list"),
        (
            rules("[{question: RES, at_least: 4}]"),
            f"{WHEN}[0].at_least",
            "counts the options chosen: expected 0 to 3, found 4",
        ),
        (
            rules("[{any: [{item: I1, equals: 4}], item: I2}]"),
            f"{WHEN}[0]",
            "'any' combines conditions and stands alone in its mapping; found also item",
        ),
        (rules("[{all: []}]"), f"{WHEN}[0].all", "expected a non-empty list of conditions"),
        (
            rules("[{any: [{item: I1, equals: 4}, {all: [{item: I3, equals: 1}]}]}]"),
            f"{WHEN}[0].any[1].all[0].item",
            "no item 'I3'",
        ),
        (rules("[{question: TARGET, equals: yes}]"), f"{WHEN}[0].equals", "true/false value"),
    ],
)
def test_bad_classification_blocks_name_the_key_path(body, path, words):
    message = error_of(body)
    assert message.startswith(f"test.yaml: {path}: "), message
    assert words in message, message


def test_the_documented_example_reads_against_the_collaborative_pa_instrument():
    """docs/instrument-format.md, "Classifications": the example's rules are valid."""
    doc = (REPO / "docs" / "instrument-format.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Classifications") :]
    start = section.index("```yaml\n") + len("```yaml\n")
    example = section[start : section.index("```", start)]
    base = builtin_text("collaborative-pa")
    inst = parse_instrument(base[: base.index("classifications:")] + example, "doc")
    assert [c.id for c in inst.classifications] == ["model", "sharing"]
    documented, built_in = inst.classifications[0], parse_instrument(base, "b").classifications[0]
    assert [c.when for c in documented.classes] == [c.when for c in built_in.classes]
