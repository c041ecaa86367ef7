"""The questions that are not scored: multi-select, categorical and open-ended answers.

A multi-select question is read from one cell per respondent (the choices' names separated
by spaces, as KoboToolbox writes them, or their labels separated by ", ", as Google Forms
does) or from one 0/1 column per option (``q/option``, ``q.option``, ``q_option``, LimeSurvey's
``q[option]``). A categorical question's cells are matched to its options by code or label
(ignoring case and spaces). Open-ended answers are kept as text for theme coding. Values that
match no option are counted and warned about, never guessed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ipss_survey.coding.text_columns import factorize
from ipss_survey.instrument import Option, Question, normalise_label
from ipss_survey.warnings import RunWarning, WarningCode

if TYPE_CHECKING:
    from ipss_survey.coding.columns import ColumnMatcher
    from ipss_survey.read import RawTable

NOT_ANSWERED = -1
_CHECKED = {"1", "1.0", "true", "yes", "y", "x", "checked", "selected"}
_UNCHECKED = {"0", "0.0", "false", "no", "n"}


@dataclass
class QuestionAnswers:
    """One question's answers for every row read (the caller keeps the analysed rows).

    ``choices``: rows x options, 1 chosen, 0 not, NOT_ANSWERED for a row that did not answer
    (multi-select: several 1s a row; categorical: at most one). ``texts``: the open answers.
    ``unmatched``: distinct values that matched no option, with their counts.
    """

    question: Question
    columns: list[str]
    choices: np.ndarray | None = None
    texts: list[str | None] | None = None
    unmatched: dict[str, int] = field(default_factory=dict)
    other: np.ndarray | None = None  # categorical: rows whose value matched no option

    def subset(self, rows: np.ndarray) -> QuestionAnswers:
        return QuestionAnswers(
            self.question,
            self.columns,
            None if self.choices is None else self.choices[rows],
            None if self.texts is None else [self.texts[i] for i in rows.tolist()],
            self.unmatched,
            None if self.other is None else self.other[rows],
        )


def _blank(value: Any) -> bool:
    return (
        value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()
    )


def _option_keys(question: Question) -> dict[str, int]:
    """Every text an option answers to (code and labels, normalised) -> its position."""
    keys: dict[str, int] = {}
    for j, opt in enumerate(question.options):
        for text in (opt.code, *opt.labels):
            keys.setdefault(normalise_label(text), j)
    return keys


def read_questions(
    raw: RawTable, questions: tuple[Question, ...], matcher: ColumnMatcher, src: str
) -> tuple[dict[str, QuestionAnswers], list[RunWarning]]:
    """Every question the file holds; a question with no column is skipped with a warning."""
    out: dict[str, QuestionAnswers] = {}
    warnings: list[RunWarning] = []
    for q in questions:
        if q.type == "select_multiple":
            found = _multiple(raw, q, matcher)
        else:
            pos = matcher.find(q.code, "question", q.text)
            found = None
            if pos is not None:
                col = raw.frame.iloc[:, pos]
                name = matcher.columns[pos]
                found = (
                    _categorical(col, q, name) if q.type == "categorical" else _text(col, q, name)
                )
        if found is None:
            warnings.append(
                RunWarning(
                    WarningCode.QUESTION_ABSENT,
                    f"{src}: question {q.code!r} ({q.type}) has no column; it is not reported",
                    item=q.code,
                )
            )
            continue
        if found.unmatched:
            shown = ", ".join(
                f"{v[:40]!r} ({n}x)"
                for v, n in sorted(found.unmatched.items(), key=lambda kv: -kv[1])[:5]
            )
            total = sum(found.unmatched.values())
            warnings.append(
                RunWarning(
                    WarningCode.UNMATCHED_CHOICE,
                    f"{q.code}: {total} value(s) match no option of the question: {shown}; "
                    "counted under no option (add them to its options to count them)",
                    item=q.code,
                    count=total,
                )
            )
        out[q.code] = found
    return out, warnings


def _multiple(raw: RawTable, q: Question, matcher: ColumnMatcher) -> QuestionAnswers | None:
    """One 0/1 column per option, else one cell of separated names or labels."""
    option_cols = []
    for opt in q.options:
        pos = None
        for name in (f"{q.code}/{opt.code}", f"{q.code}.{opt.code}", f"{q.code}_{opt.code}",
                     f"{q.code}[{opt.code}]"):  # fmt: skip
            pos = matcher.find(name, "option column")
            if pos is not None:
                break
        option_cols.append(pos)
    if any(p is not None for p in option_cols):
        return _option_columns(raw, q, matcher, option_cols)
    pos = matcher.find(q.code, "question", q.text)
    if pos is None:
        return None
    return _one_cell(raw.frame.iloc[:, pos], q, matcher.columns[pos])


def _option_columns(
    raw: RawTable, q: Question, matcher: ColumnMatcher, cols: list[int | None]
) -> QuestionAnswers:
    n = len(raw.frame)
    choices = np.zeros((n, len(q.options)), dtype=np.int8)
    answered = np.zeros(n, dtype=bool)
    unmatched: dict[str, int] = {}
    for j, pos in enumerate(cols):
        if pos is None:
            continue
        idx, uniques = factorize(raw.frame.iloc[:, pos])
        state = np.zeros(len(uniques) + 1, dtype=np.int8)  # 1 chosen, 0 not, -1 empty
        for u, value in enumerate(uniques):
            text = "" if _blank(value) else normalise_label(str(value))
            if not text:
                state[u] = NOT_ANSWERED
            elif text in _CHECKED:
                state[u] = 1
            elif text in _UNCHECKED:
                state[u] = 0
            else:
                state[u] = NOT_ANSWERED
                unmatched[str(value)] = unmatched.get(str(value), 0) + int(np.sum(idx == u))
        state[-1] = NOT_ANSWERED
        cell = state[idx]
        choices[:, j] = cell == 1
        answered |= cell >= 0
    choices[~answered] = NOT_ANSWERED
    names = [matcher.columns[p] for p in cols if p is not None]
    return QuestionAnswers(q, names, choices=choices, unmatched=unmatched)


def _tokens(text: str, keys: dict[str, int]) -> tuple[list[int], list[str]]:
    """The options one cell names, and the pieces that match no option.

    KoboToolbox writes the chosen names separated by spaces; Google Forms the chosen labels
    separated by ", " (a label may hold a comma itself, so labels are looked for whole,
    longest first).
    """
    whole = normalise_label(text)
    if whole in keys:
        return [keys[whole]], []
    words = text.split()
    if words and all(normalise_label(w) in keys for w in words):
        return list(dict.fromkeys(keys[normalise_label(w)] for w in words)), []
    rest = ", " + whole.replace(";", ", ") + ", "
    rest = re.sub(r"\s*,\s*", ", ", rest)
    found: list[int] = []
    for key, j in sorted(keys.items(), key=lambda kv: -len(kv[0])):
        piece = f", {key}, "
        if piece in rest:
            found.append(j)
            rest = rest.replace(piece, ", ", 1)
    missing = [p.strip() for p in rest.split(", ") if p.strip()]
    return list(dict.fromkeys(found)), missing


def _one_cell(values: Any, q: Question, name: str) -> QuestionAnswers:
    idx, uniques = factorize(values)
    keys = _option_keys(q)
    table = np.full((len(uniques) + 1, len(q.options)), NOT_ANSWERED, dtype=np.int8)
    counts = np.bincount(idx + 1, minlength=len(uniques) + 1)[1:] if idx.size else np.zeros(0)
    unmatched: dict[str, int] = {}
    for u, value in enumerate(uniques):
        if _blank(value):
            continue
        hits, missing = _tokens(str(value), keys)
        table[u] = 0
        table[u, hits] = 1
        for piece in missing:
            unmatched[piece] = unmatched.get(piece, 0) + int(counts[u])
    return QuestionAnswers(q, [name], choices=table[idx], unmatched=unmatched)


def _categorical(values: Any, q: Question, name: str) -> QuestionAnswers:
    idx, uniques = factorize(values)
    if not q.options:  # no list given: each distinct value is a category of its own
        labels = list(dict.fromkeys(str(v).strip() for v in uniques if not _blank(v)))
        q = Question(q.code, q.type, q.text, tuple(Option(v, (v,)) for v in labels), None,
                     q.dimension, q.source, q.provenance)  # fmt: skip
    keys = _option_keys(q)
    table = np.full((len(uniques) + 1, len(q.options)), NOT_ANSWERED, dtype=np.int8)
    other = np.zeros(len(uniques) + 1, dtype=bool)
    counts = np.bincount(idx + 1, minlength=len(uniques) + 1)[1:] if idx.size else np.zeros(0)
    unmatched: dict[str, int] = {}
    for u, value in enumerate(uniques):
        if _blank(value):
            continue
        table[u] = 0
        hit = keys.get(normalise_label(str(value)))
        if hit is None:
            other[u] = True
            unmatched[str(value)] = unmatched.get(str(value), 0) + int(counts[u])
        else:
            table[u, hit] = 1
    return QuestionAnswers(q, [name], choices=table[idx], unmatched=unmatched, other=other[idx])


def _text(values: Any, q: Question, name: str) -> QuestionAnswers:
    idx, uniques = factorize(values)
    texts = np.empty(len(uniques) + 1, dtype=object)
    texts[:-1] = [None if _blank(v) else str(v) for v in uniques]
    texts[-1] = None
    return QuestionAnswers(q, [name], texts=texts[idx].tolist())
