"""Classification rules applied to cases: three-valued conditions, first class that holds,
``otherwise``, unclassified cases, counts overall and per group.

Every expected count below is worked out by hand from the cases listed beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipss_survey.coding import MISSING, CodedData, code_responses
from ipss_survey.coding.questions import NOT_ANSWERED, QuestionAnswers
from ipss_survey.instrument import parse_instrument, resolve_instrument, sample_path
from ipss_survey.read import read_table
from ipss_survey.scoring.classification import (
    UNCLASSIFIED,
    UNMATCHED,
    assign_classes,
    classify,
)
from ipss_survey.scoring.groups import group_index

M = int(MISSING)
N = NOT_ANSWERED

HEAD = """\
id: t
scale: {points: [1, 2, 3, 4, 5], agree: [4, 5], missing: [9]}
dimensions:
  - id: D
    items: [I1, {code: I2, reverse: true}]
questions:
  - {code: TARGET, type: categorical, options: [external, internal]}
  - {code: RES, type: select_multiple, options: [budgets, manpower, information]}
  - {code: NOTE, type: text}
"""


def instrument(rules: str):
    return parse_instrument(HEAD + "classifications:\n" + rules, "t.yaml")


def one_hot(column: list[str | None], options: list[str]) -> np.ndarray:
    """Categorical answers as the coding step holds them: one 1 a row, NOT_ANSWERED rows."""
    out = np.zeros((len(column), len(options)), dtype=np.int8)
    for r, value in enumerate(column):
        if value is None:
            out[r] = N
        elif value in options:
            out[r, options.index(value)] = 1
    return out


def many_hot(column: list[list[str] | None], options: list[str]) -> np.ndarray:
    out = np.zeros((len(column), len(options)), dtype=np.int8)
    for r, chosen in enumerate(column):
        if chosen is None:
            out[r] = N
        else:
            for value in chosen:
                out[r, options.index(value)] = 1
    return out


def cases(inst, items: list[list[int]], target=None, res=None, groups=None) -> CodedData:
    """Coded answers of hand-made cases: ``items`` rows of (I1, I2) codes, M for missing."""
    n = len(items)
    questions = {}
    by_code = {q.code: q for q in inst.questions}
    if target is not None:
        q = by_code["TARGET"]
        other = np.array([v is not None and v not in ("external", "internal") for v in target])
        questions["TARGET"] = QuestionAnswers(
            q, ["TARGET"], choices=one_hot(target, ["external", "internal"]), other=other
        )
    if res is not None:
        q = by_code["RES"]
        questions["RES"] = QuestionAnswers(
            q, ["RES"], choices=many_hot(res, ["budgets", "manpower", "information"])
        )
    return CodedData(
        codes=np.array(items, dtype=np.int8).reshape(n, 2),
        item_codes=["I1", "I2"],
        row_numbers=np.arange(1, n + 1),
        ids=[None] * n,
        groups=groups,
        group_column="g" if groups else None,
        rows_read=n,
        questions=questions,
    )


def classes_of(inst, data: CodedData) -> list[str]:
    """Each case's class id, or "?" (unclassified) / "-" (unmatched)."""
    c = inst.classifications[0]
    ids = [r.id for r in c.classes] + ([c.otherwise.id] if c.otherwise else [])
    marks = {UNCLASSIFIED: "?", UNMATCHED: "-"}
    return [marks.get(k) or ids[k] for k in assign_classes(data, c).tolist()]


def summary(inst, data: CodedData):
    labels, index = group_index(data.groups)
    (result,) = classify(data, inst, index, labels)
    return result


TWO_CLASSES = """\
  - id: model
    name: Model
    classes:
      - id: soc
        name: Social
        when: [{question: TARGET, equals: external}, {question: RES, includes: budgets}]
      - id: adm
        name: Administrative
        when: [{question: TARGET, equals: internal}]
    otherwise: {id: mixed, name: Mixed}
"""


def test_conditions_decide_true_false_or_undecided():
    inst = instrument(TWO_CLASSES)
    data = cases(
        inst,
        [[3, 3]] * 6,
        target=["external", "external", "internal", None, None, "external"],
        res=[["budgets"], ["manpower"], ["budgets"], ["manpower"], ["budgets"], None],
    )
    # 1: both conditions of soc hold. 2: soc fails (no budgets), adm fails: mixed.
    # 3: soc fails (internal), adm holds. 4: soc fails on RES whatever the target, but adm
    # hangs on the missing target: unclassified. 5: soc hangs on the target: unclassified.
    # 6: external, RES unanswered: soc undecided, so the case is unclassified.
    assert classes_of(inst, data) == ["soc", "mixed", "adm", "?", "?", "?"]
    s = summary(inst, data)
    assert s.n == 6
    assert [(c.id, c.count, c.otherwise) for c in s.classes] == [
        ("soc", 1, False),
        ("adm", 1, False),
        ("mixed", 1, True),
    ]
    assert (s.unclassified, s.unmatched) == (3, 0)
    assert s.pct_unclassified == 50.0
    assert [c.pct for c in s.classes] == [100 / 6] * 3
    assert s.groups == [] and s.absent == []


def test_the_first_class_that_holds_wins_once_earlier_ones_are_ruled_out():
    inst = instrument(
        """\
  - id: c
    name: C
    classes:
      - {id: high, name: High, when: [{item: I1, at_least: 4}]}
      - {id: any, name: Any answer, when: [{item: I1, at_least: 1}]}
"""
    )
    data = cases(inst, [[5, 1], [2, 1], [M, 1]])
    # 5 is high and would also be "any": the first wins. 2 is not high, so "any". A missing
    # I1 leaves "high" open: unclassified, though "any" would not hold either.
    assert classes_of(inst, data) == ["high", "any", "?"]


def test_without_otherwise_the_cases_no_class_holds_for_are_unmatched():
    inst = instrument(
        """\
  - id: c
    name: C
    classes:
      - {id: agree, name: Agree, when: [{item: I1, any_of: [4, 5]}]}
"""
    )
    data = cases(inst, [[4, 1], [1, 1], [3, 1], [M, 1]])
    assert classes_of(inst, data) == ["agree", "-", "-", "?"]
    s = summary(inst, data)
    assert [(c.id, c.count) for c in s.classes] == [("agree", 1)]
    assert (s.unmatched, s.pct_unmatched, s.unclassified) == (2, 50.0, 1)


def test_item_tests_compare_the_code_as_answered_not_reverse_keyed():
    inst = instrument(
        """\
  - id: c
    name: C
    classes:
      - {id: eq, name: Equals, when: [{item: I2, equals: 5}]}
      - {id: low, name: At most 2, when: [{item: I2, at_most: 2}]}
"""
    )
    # I2 is reverse-keyed: an answer of 5 is unfavourable, but the rule reads 5.
    data = cases(inst, [[1, 5], [1, 2], [1, 1], [1, 3], [1, M]])
    assert classes_of(inst, data) == ["eq", "low", "low", "-", "?"]


def test_multi_select_tests():
    rules = """\
  - id: c
    name: C
    classes:
      - {id: all2, name: Budgets and manpower, when: [{question: RES, includes: [budgets, manpower]}]}
      - {id: info, name: Information, when: [{question: RES, includes_any: [information]}]}
      - {id: many, name: Two or more, when: [{question: RES, at_least: 2}]}
      - {id: none, name: No budgets, when: [{question: RES, excludes: budgets}, {question: RES, at_most: 0}]}
"""  # noqa: E501
    inst = instrument(rules)
    res = [
        ["budgets", "manpower"],  # all2
        ["manpower", "information"],  # info (checked before "many")
        ["budgets", "information"],  # info
        ["budgets"],  # none of the four: no class
        [],  # answered, nothing chosen (one 0/1 column per option): "none"
        None,  # not answered: unclassified
    ]
    data = cases(inst, [[1, 1]] * 6, res=res)
    assert classes_of(inst, data) == ["all2", "info", "info", "-", "none", "?"]


def test_any_and_all_combine_in_three_valued_logic():
    inst = instrument(
        """\
  - id: c
    name: C
    classes:
      - id: either
        name: Either
        when:
          - any: [{item: I1, at_least: 4}, {question: TARGET, equals: external}]
      - id: both
        name: Both
        when:
          - all: [{item: I1, at_most: 2}, {question: TARGET, equals: internal}]
    otherwise: {id: rest, name: Rest}
"""
    )
    data = cases(
        inst,
        [[5, 1], [M, 1], [M, 1], [1, 1], [M, 1], [3, 1]],
        target=[None, "external", "internal", "internal", None, "internal"],
    )
    # 1: I1 = 5 makes "either" true although TARGET is missing. 2: external: true.
    # 3: I1 unknown, internal: "either" undecided. 4: either false (1, internal); both true.
    # 5: nothing known: undecided. 6: either false; both false (3 > 2): rest.
    assert classes_of(inst, data) == ["either", "either", "?", "both", "?", "rest"]


def test_an_answer_that_matched_no_option_is_an_answer():
    inst = instrument(TWO_CLASSES)
    data = cases(inst, [[1, 1]] * 2, target=["somebody else", "external"], res=[["budgets"]] * 2)
    # "somebody else" matched no option: equals external and equals internal are both false.
    assert classes_of(inst, data) == ["mixed", "soc"]


def test_a_question_the_data_do_not_hold_leaves_its_conditions_undecided():
    inst = instrument(TWO_CLASSES)
    data = cases(inst, [[1, 1]] * 3, target=["internal", "external", None])  # no RES column
    assert classes_of(inst, data) == ["adm", "?", "?"]
    assert summary(inst, data).absent == ["RES"]


def test_counts_per_group_and_overall():
    inst = instrument(TWO_CLASSES)
    target = ["external", "internal", "internal", "external", None, "internal"]
    res = [["budgets"], ["budgets"], None, ["manpower"], ["budgets"], ["manpower"]]
    groups = ["B", "A", "A", "B", "A", None]  # the last case belongs to no group
    data = cases(inst, [[1, 1]] * 6, target=target, res=res, groups=groups)
    assert classes_of(inst, data) == ["soc", "adm", "adm", "mixed", "?", "adm"]
    s = summary(inst, data)
    assert [(c.id, c.count) for c in s.classes] == [("soc", 1), ("adm", 3), ("mixed", 1)]
    assert s.unclassified == 1
    a, b = s.groups
    assert (a.group, a.n, [c.count for c in a.classes], a.unclassified) == ("A", 3, [0, 2, 0], 1)
    assert a.pct_unclassified == 100 / 3
    assert (b.group, b.n, [c.count for c in b.classes], b.unclassified) == ("B", 2, [1, 0, 1], 0)
    assert [c.pct for c in b.classes] == [50.0, 0.0, 50.0]


def test_no_cases_and_no_classifications():
    inst = instrument(TWO_CLASSES)
    s = summary(inst, cases(inst, [], target=[], res=[]))
    assert s.n == 0 and all(c.count == 0 and c.pct is None for c in s.classes)
    assert s.pct_unclassified is None and s.pct_unmatched is None
    plain = parse_instrument(HEAD, "t.yaml")
    assert classify(cases(plain, [[1, 1]]), plain, np.zeros(0, np.int32), []) == []


chosen = st.lists(st.sampled_from(["budgets", "manpower", "information"]), unique=True)
answer = st.tuples(
    st.sampled_from([1, 2, 3, 4, 5, M]),
    st.sampled_from(["external", "internal", "other", None]),
    st.one_of(st.none(), chosen),
    st.sampled_from(["A", "B", "C", None]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(answer, max_size=30))
def test_every_case_is_counted_once(rows):
    inst = instrument(
        TWO_CLASSES.replace(
            "when: [{question: TARGET, equals: internal}]",
            "when: [{any: [{item: I1, at_least: 4}, {question: TARGET, equals: internal}]}]",
        )
    )
    data = cases(
        inst,
        [[r[0], 1] for r in rows],
        target=[r[1] for r in rows],
        res=[r[2] for r in rows],
        groups=[r[3] for r in rows] if rows else None,
    )
    s = summary(inst, data)
    for part in [s, *s.groups]:
        assert sum(c.count for c in part.classes) + part.unclassified + part.unmatched == part.n
    assert sum(g.n for g in s.groups) == sum(r[3] is not None for r in rows)


def test_the_collaborative_pa_sample_by_its_models():
    """The bundled sample through reading and coding; the models worked out again with pandas
    from the file, following the source's table (target, participants, duration)."""
    inst = resolve_instrument("collaborative-pa")
    path = sample_path(inst.id)
    data = code_responses(read_table(path), inst, group="province")
    labels, index = group_index(data.groups)
    (s,) = classify(data, inst, index, labels)

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    social = (
        (frame.TARGET == "external")
        & (frame.PARTICIPANTS == "public-private")
        & (frame.DURATION == "mid-long")
    )
    admin = (
        (frame.TARGET == "internal")
        & (frame.PARTICIPANTS == "public")
        & (frame.DURATION == "short")
    )
    known = (frame[["TARGET", "PARTICIPANTS", "DURATION"]] != "").all(axis=1)

    def could_be(target: str, participants: str, duration: str) -> pd.Series:
        """Every answer given fits the model (a missing one might)."""
        return (
            frame.TARGET.isin([target, ""])
            & frame.PARTICIPANTS.isin([participants, ""])
            & frame.DURATION.isin([duration, ""])
        )

    open_ = ~known & (
        could_be("external", "public-private", "mid-long") | could_be("internal", "public", "short")
    )
    expected = {
        "social-innovation": int(social.sum()),
        "administrative-innovation": int(admin.sum()),
        "mixed": int((~social & ~admin & ~open_).sum()),
    }
    assert {c.id: c.count for c in s.classes} == expected
    assert s.unclassified == int(open_.sum()) > 0
    assert s.n == len(frame) == 64
    assert min(expected.values()) >= 10  # the sample shows both models and mixed projects
    assert [g.group for g in s.groups] == labels and len(labels) == 8


def test_a_group_index_of_the_wrong_length_is_refused():
    inst = instrument(TWO_CLASSES)
    data = cases(inst, [[1, 1]] * 3, target=["external"] * 3, res=[["budgets"]] * 3)
    with pytest.raises(ValueError, match="group_index has 2 entries for 3 cases"):
        classify(data, inst, np.zeros(2, dtype=np.int32), ["A"])
