"""How often each option of a multi-select or categorical question was chosen.

``n`` counts the respondents who answered the question; each option's ``pct`` is of them, so
the percentages of a multi-select question may add up to more than 100.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ipss_survey.coding.questions import NOT_ANSWERED, QuestionAnswers


@dataclass
class OptionCount:
    code: str
    label: str
    count: int
    pct: float | None  # of the respondents who answered the question (0-100)


@dataclass
class ChoiceSummary:
    """One question's option counts (``multiple_choice[]`` and ``categories[]``)."""

    id: str
    text: str
    n: int
    options: list[OptionCount]
    other: int = 0  # respondents whose answer matched no option (categorical questions)


def summarise_choices(
    answers: QuestionAnswers, rows: np.ndarray | slice | None = None
) -> ChoiceSummary:
    """Option counts over the analysed rows, or over the rows ``rows`` (a group)."""
    choices = answers.choices
    assert choices is not None
    part = choices if rows is None else choices[rows]
    answered = part[:, 0] != NOT_ANSWERED if part.shape[1] else np.zeros(len(part), dtype=bool)
    n = int(answered.sum())
    counts = (part[answered] == 1).sum(axis=0) if n else np.zeros(part.shape[1], dtype=np.int64)
    q = answers.question
    options = [
        OptionCount(opt.code, opt.label, int(c), 100.0 * int(c) / n if n else None)
        for opt, c in zip(q.options, counts, strict=True)
    ]
    other = 0
    if answers.other is not None:
        other_rows = answers.other if rows is None else answers.other[rows]
        other = int(other_rows.sum())
    return ChoiceSummary(q.code, q.text, n, options, other)
