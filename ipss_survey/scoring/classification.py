"""Cases sorted into the classes an instrument's classification rules define.

A classification (``docs/instrument-format.md``, ``classifications:``) is a list of classes,
each with conditions on the case's answers: a collaboration project is a social-innovation
or an administrative-innovation collaboration by its targets, participants and duration.
Every condition is true, false or undecided (the answer it tests is missing), and they
combine as in three-valued logic: ``all`` is false as soon as one part is false, ``any`` true
as soon as one part is true, and otherwise undecided while a part is. Classes are tried in
order: a case takes the first class whose conditions hold once every earlier class is known
not to hold. A case that no class holds for takes the ``otherwise`` class, or is unmatched
when there is none; a case whose missing answers leave open which class it takes is
unclassified. So each case is counted once, and the counts of the classes, ``unmatched`` and
``unclassified`` add up to the cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ipss_survey.coding import CodedData
from ipss_survey.coding.coded import MISSING
from ipss_survey.coding.questions import NOT_ANSWERED, QuestionAnswers
from ipss_survey.instrument import Instrument, normalise_label
from ipss_survey.instrument.model import Classification, Condition

# Three truth values ordered so that "all" is the minimum and "any" the maximum.
FALSE, UNDECIDED, TRUE = np.int8(0), np.int8(1), np.int8(2)
UNCLASSIFIED, UNMATCHED = -1, -2  # a case's class index (``assign_classes``) when it has none


@dataclass
class ClassCount:
    """How many cases one class holds.

    Attributes
    ----------
    id, name
        The class's id and name, as the instrument gives them.
    count
        Cases in the class.
    pct
        ``100 * count / n`` of the set of cases counted (0-100); None when it has no cases.
    otherwise
        True for the classification's ``otherwise`` class (the cases no class's rules hold
        for).
    """

    id: str
    name: str
    count: int
    pct: float | None
    otherwise: bool = False


@dataclass
class ClassificationGroup:
    """One group's cases by class (the same fields as the overall counts).

    Attributes
    ----------
    group
        The group label.
    n
        Cases in the group: the base of every percentage.
    classes
        One ``ClassCount`` per class, in the instrument's order, the ``otherwise`` class last.
    unclassified, pct_unclassified
        Cases whose missing answers leave their class open.
    unmatched, pct_unmatched
        Cases no class holds for, when the classification has no ``otherwise`` class (else 0).
    """

    group: str
    n: int
    classes: list[ClassCount]
    unclassified: int
    pct_unclassified: float | None
    unmatched: int
    pct_unmatched: float | None


@dataclass
class ClassificationSummary:
    """One classification's counts over the analysed cases, and per group.

    Attributes
    ----------
    id, name
        The classification's id and name.
    n
        Cases analysed: the base of every overall percentage.
    classes
        One ``ClassCount`` per class, in the instrument's order, the ``otherwise`` class last.
    unclassified, pct_unclassified
        Cases whose missing answers leave their class open.
    unmatched, pct_unmatched
        Cases no class holds for, when the classification has no ``otherwise`` class (else 0).
    groups
        The same counts per group, in the order of ``group_labels`` (empty without groups).
    absent
        Item and question codes the rules test that the data have no answers for (a
        question with no column): every condition on them is undecided.
    """

    id: str
    name: str
    n: int
    classes: list[ClassCount]
    unclassified: int
    pct_unclassified: float | None
    unmatched: int
    pct_unmatched: float | None
    groups: list[ClassificationGroup] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)


def classify(
    coded: CodedData,
    instrument: Instrument,
    group_index: np.ndarray,
    group_labels: list[str],
) -> list[ClassificationSummary]:
    """Count the cases of each class of each of the instrument's classifications.

    Parameters
    ----------
    coded
        The analysed cases: item answers as given (``coded.codes``, not reverse-keyed) and the
        answers to the questions that are not scored (``coded.questions``).
    instrument
        The instrument whose ``classifications`` are applied.
    group_index
        Per analysed case, its index into ``group_labels``, -1 for no group (as
        ``scoring.groups.group_index`` gives it); may be empty when there are no groups.
    group_labels
        The group labels, in the order the per-group counts are reported.

    Returns
    -------
    list of ClassificationSummary
        One per classification, in the instrument's order (empty when it has none). Within
        each set of cases (all of them, or one group's), the class counts, ``unclassified``
        and ``unmatched`` add up to ``n``.

    Raises
    ------
    ValueError
        When there are groups and ``group_index`` does not have one entry per case.

    Notes
    -----
    An item condition compares the code as answered, before reverse keying; a missing answer
    (no valid code) leaves it undecided. A question a case did not answer leaves its
    conditions undecided; a categorical answer that matched none of the question's options
    is an answer, so ``equals`` is false for it.

    With the ``collaborative-pa`` rules, a project for citizens, run by public and private
    partners over the mid to long term, is a social-innovation collaboration; one that has not
    said who its targets are is unclassified, unless its other answers already rule out both
    models (then it takes the ``otherwise`` class, "mixed").
    """
    if group_labels and len(group_index) != coded.codes.shape[0]:
        raise ValueError(
            f"group_index has {len(group_index)} entries for {coded.codes.shape[0]} cases"
        )
    out = []
    for c in instrument.classifications:
        evaluator = _Evaluator(coded)
        assigned = _assign(c, evaluator)
        k = len(c.classes) + (c.otherwise is not None)
        overall = _counts(assigned, k)
        groups = []
        if len(group_labels):
            for g, label in enumerate(group_labels):
                counts = _counts(assigned[group_index == g], k)
                groups.append(ClassificationGroup(label, *_fields(c, *counts)))
        out.append(
            ClassificationSummary(
                c.id,
                c.name,
                *_fields(c, *overall),
                groups=groups,
                absent=sorted(evaluator.absent),
            )
        )
    return out


def assign_classes(coded: CodedData, classification: Classification) -> np.ndarray:
    """Each case's class under one classification.

    Parameters
    ----------
    coded
        The analysed cases.
    classification
        One of the instrument's ``classifications``.

    Returns
    -------
    numpy.ndarray
        int32, one per analysed case: the index of its class in ``classification.classes``
        (``len(classes)`` for the ``otherwise`` class), ``UNCLASSIFIED`` (-1) when its missing
        answers leave the class open, ``UNMATCHED`` (-2) when no class holds and there is no
        ``otherwise`` class.
    """
    return _assign(classification, _Evaluator(coded))


def _assign(c: Classification, evaluator: _Evaluator) -> np.ndarray:
    n = evaluator.n
    assigned = np.full(n, UNMATCHED, dtype=np.int32)
    open_ = np.ones(n, dtype=bool)  # every class so far is known not to hold
    for k, rule in enumerate(c.classes):
        state = evaluator.all(rule.when)
        take = open_ & (state == TRUE)
        assigned[take] = k
        undecided = open_ & (state == UNDECIDED)
        assigned[undecided] = UNCLASSIFIED
        open_ &= state == FALSE
    if c.otherwise is not None:
        assigned[open_] = len(c.classes)
    return assigned


def _counts(assigned: np.ndarray, k: int) -> tuple[int, np.ndarray, int, int]:
    """Cases, per-class counts, unclassified and unmatched."""
    per_class = np.bincount(assigned[assigned >= 0], minlength=k)
    unclassified = int(np.sum(assigned == UNCLASSIFIED))
    unmatched = int(np.sum(assigned == UNMATCHED))
    return len(assigned), per_class, unclassified, unmatched


def _pct(count: int, n: int) -> float | None:
    return 100.0 * count / n if n else None


def _fields(
    c: Classification, n: int, per_class: np.ndarray, unclassified: int, unmatched: int
) -> tuple[int, list[ClassCount], int, float | None, int, float | None]:
    rules = [(rule, False) for rule in c.classes]
    if c.otherwise is not None:
        rules.append((c.otherwise, True))
    classes = [
        ClassCount(rule.id, rule.name, int(count), _pct(int(count), n), otherwise)
        for (rule, otherwise), count in zip(rules, per_class.tolist(), strict=True)
    ]
    return n, classes, unclassified, _pct(unclassified, n), unmatched, _pct(unmatched, n)


class _Evaluator:
    """Conditions evaluated over every case: int8 arrays of FALSE, UNDECIDED and TRUE."""

    def __init__(self, coded: CodedData) -> None:
        self.coded = coded
        self.columns = {code: j for j, code in enumerate(coded.item_codes)}
        self.n = int(coded.codes.shape[0])
        self.absent: set[str] = set()

    def all(self, conditions: tuple[Condition, ...]) -> np.ndarray:
        """Three-valued AND: false if any is false, else undecided if any is, else true."""
        out = np.full(self.n, TRUE, dtype=np.int8)
        for cond in conditions:
            np.minimum(out, self.one(cond), out=out)
        return out

    def any(self, conditions: tuple[Condition, ...]) -> np.ndarray:
        """Three-valued OR: true if any is true, else undecided if any is, else false."""
        out = np.full(self.n, FALSE, dtype=np.int8)
        for cond in conditions:
            np.maximum(out, self.one(cond), out=out)
        return out

    def one(self, cond: Condition) -> np.ndarray:
        if cond.test == "all":
            return self.all(cond.parts)
        if cond.test == "any":
            return self.any(cond.parts)
        if cond.kind == "item":
            return self.item(cond)
        answers = self.coded.questions.get(cond.code)
        if answers is None or answers.choices is None:
            self.absent.add(cond.code)
            return np.full(self.n, UNDECIDED, dtype=np.int8)
        return self.question(cond, answers)

    def item(self, cond: Condition) -> np.ndarray:
        j = self.columns.get(cond.code)
        if j is None:
            self.absent.add(cond.code)
            return np.full(self.n, UNDECIDED, dtype=np.int8)
        codes = self.coded.codes[:, j]
        values = np.array(cond.values, dtype=np.int16)
        if cond.test == "at_least":
            holds = codes >= values[0]
        elif cond.test == "at_most":
            holds = codes <= values[0]
        else:  # equals, any_of
            holds = np.isin(codes, values)
        return _truth(holds, codes != MISSING)

    def question(self, cond: Condition, answers: QuestionAnswers) -> np.ndarray:
        choices = answers.choices
        assert choices is not None
        answered = (
            choices[:, 0] != NOT_ANSWERED if choices.shape[1] else np.zeros(self.n, dtype=bool)
        )
        chosen = choices == 1
        if cond.test in ("at_least", "at_most"):
            count = chosen.sum(axis=1)
            holds = count >= cond.values[0] if cond.test == "at_least" else count <= cond.values[0]
            return _truth(holds, answered)
        picked = chosen[:, _option_columns(answers, cond.values)]
        if cond.test == "includes":
            holds = picked.all(axis=1)
        elif cond.test == "excludes":
            holds = ~picked.any(axis=1)
        else:  # equals, any_of, includes_any
            holds = picked.any(axis=1)
        return _truth(holds, answered)


def _option_columns(answers: QuestionAnswers, values: tuple[int | str, ...]) -> list[int]:
    """The columns of ``answers.choices`` for these option codes. A categorical question
    without a list of options takes its options from the data, so one the data never hold
    has no column (and is never chosen)."""
    position = {normalise_label(opt.code): j for j, opt in enumerate(answers.question.options)}
    found = (position.get(normalise_label(str(v))) for v in values)
    return [j for j in found if j is not None]


def _truth(holds: np.ndarray, known: np.ndarray) -> np.ndarray:
    """TRUE where ``holds``, FALSE where not, UNDECIDED where the answer is not ``known``."""
    out = np.where(holds, TRUE, FALSE).astype(np.int8)
    out[~known] = UNDECIDED
    return out
