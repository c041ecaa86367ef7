"""Interpreting a cell against an item's scale: a code, a label, a missing code, or neither.

Each distinct cell value of a column is interpreted once (a million rows of a five-point
scale hold a handful of distinct values), and the warnings for a column are counted per
distinct value too, so no pass over the rows is needed unless ``--strict`` must name one.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from ipss_survey.errors import DataError
from ipss_survey.instrument import Scale, normalise_label
from ipss_survey.warnings import RunWarning, WarningCode

# Interpretation of one distinct cell value: a code of the scale, or one of these, which lie
# outside any code a scale may use (-100..100).
BLANK, MISSING_CODE, OUT_OF_RANGE, UNKNOWN_LABEL = -1001, -1002, -1003, -1004
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_QUOTES_OPEN = "\"'\u201c\u2018\u00ab"
_QUOTES_CLOSE = "\"'\u201d\u2019\u00bb"
_CODE_AND_LABEL = re.compile(r"^\s*([+-]?\d+)\s*(?:[-:.)=]|\s)\s*(\S.*)$")


class CellCoder:
    """Interprets distinct cell values of one column against one scale."""

    def __init__(
        self,
        scale: Scale,
        value_labels: dict[Any, str] | None,
        user_missing: set[float],
        missing_ranges: list[tuple[float, float]],
    ) -> None:
        self.scale = scale
        self.points = set(scale.points)
        self.missing = set(scale.missing)
        self.by_label = {
            normalise_label(t): c for c in {*scale.labels, *scale.aliases} for t in scale.texts(c)
        }
        self.value_labels = value_labels or {}
        self.user_missing = user_missing
        self.missing_ranges = missing_ranges
        self.relabelled: Counter[tuple[Any, int]] = Counter()

    def number(self, x: float) -> int:
        if not math.isfinite(x):  # inf cannot be a code (and math.floor(inf) raises)
            return OUT_OF_RANGE
        if any(lo <= x <= hi for lo, hi in self.missing_ranges) or x in self.user_missing:
            return MISSING_CODE
        if x != math.floor(x):
            return OUT_OF_RANGE
        c = int(x)
        if c in self.points:
            return c
        return MISSING_CODE if c in self.missing else OUT_OF_RANGE

    def text(self, s: str) -> int:
        t = normalise_label(s)
        if not t:
            return BLANK
        if t in self.by_label:
            c = self.by_label[t]
            return c if c in self.points else MISSING_CODE
        if _NUMBER.match(t):
            return self.number(float(t.replace(",", ".")))
        m = _CODE_AND_LABEL.match(t)
        if m and self.by_label.get(m.group(2).strip()) == int(m.group(1)):
            return self.number(float(m.group(1)))
        if len(t) > 2 and t[0] in _QUOTES_OPEN and t[-1] in _QUOTES_CLOSE:
            return self.text(t[1:-1])  # a label pasted with its quotes: "Agree"
        return UNKNOWN_LABEL

    def __call__(self, value: Any) -> int:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return BLANK
        if isinstance(value, bool):
            return UNKNOWN_LABEL
        if value in self.value_labels and value not in self.user_missing:
            label = normalise_label(self.value_labels[value])
            if label in self.by_label:
                code = self.by_label[label]
                if isinstance(value, int | float) and code != value:
                    self.relabelled[(value, code)] += 1
                return code if code in self.points else MISSING_CODE
        if isinstance(value, int | float | np.integer | np.floating):
            return self.number(float(value))
        if isinstance(value, str) and value in self.user_missing:
            return MISSING_CODE
        return self.text(str(value))


@dataclass
class ColumnValues:
    """One item column's distinct cell values and what each was coded as.

    ``idx`` gives each row's value (-1: an empty cell); ``mapped`` holds one code per distinct
    value plus a last slot for empty cells (a scale code, or BLANK, MISSING_CODE, OUT_OF_RANGE,
    UNKNOWN_LABEL); ``per_value`` counts the cells holding each, aligned with ``mapped``.
    """

    idx: np.ndarray
    uniques: np.ndarray
    mapped: np.ndarray
    per_value: np.ndarray

    def count(self, kind: int) -> int:
        return int(self.per_value[self.mapped == kind].sum())

    def examples(self, kind: int) -> list[str]:
        """Up to five values coded as ``kind``, most frequent first, with their counts."""
        # Only values some cell holds: categories may keep values of rows the reader dropped.
        which = np.flatnonzero((self.mapped[:-1] == kind) & (self.per_value[:-1] > 0))
        top = which[np.argsort(-self.per_value[which], kind="stable")][:5]
        return [f"{str(self.uniques[u])[:80]!r} ({int(self.per_value[u])}x)" for u in top]

    def examples_of(self, kinds: tuple[int, ...]) -> list[str]:
        """Up to five values coded as any of ``kinds``, most frequent first."""
        which = np.flatnonzero(np.isin(self.mapped[:-1], kinds) & (self.per_value[:-1] > 0))
        top = which[np.argsort(-self.per_value[which], kind="stable")][:5]
        return [f"{str(self.uniques[u])[:40]!r} ({int(self.per_value[u])}x)" for u in top]

    def raw_values(self, kinds: tuple[int, ...]) -> list[str]:
        which = np.flatnonzero(np.isin(self.mapped[:-1], kinds) & (self.per_value[:-1] > 0))
        return [str(self.uniques[u]) for u in which]

    def first_row(self, kind: int) -> int:
        """Position of the first row holding a value coded as ``kind``."""
        bad = np.flatnonzero(self.mapped[:-1] == kind)
        return int(np.flatnonzero(np.isin(self.idx, bad))[0])


_CHOICE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # good, very_poor, prefer_not_answer
_LIMESURVEY_CODE = re.compile(r"^[A-Z]{1,3}\d{1,3}$")  # A1, AO02, SQ001


def check_mostly_answers(code: str, scale: Scale, values: ColumnValues, where: str) -> None:
    """Refuse a column whose non-empty cells mostly (or all) match no answer of the scale.

    A few odd cells are typing slips and are warned about; most of a column being unreadable
    means the file and the instrument disagree (choice names where the instrument has labels,
    another question in the column, another scale), and counting those cells as missing would
    give a wrong number with no error. The message says the likeliest fix.
    """
    blank = values.count(BLANK)
    total = int(values.per_value.sum())
    filled = total - blank
    invalid = values.count(OUT_OF_RANGE) + values.count(UNKNOWN_LABEL)
    valid = filled - invalid - values.count(MISSING_CODE)
    if not invalid or (valid > 0 and invalid * 2 <= filled):
        return
    shown = ", ".join(values.examples_of((OUT_OF_RANGE, UNKNOWN_LABEL)))
    raw = values.raw_values((UNKNOWN_LABEL,))
    names = [v.strip() for v in raw]
    if names and all(_CHOICE_NAME.match(v) for v in names) and any("_" in v for v in names):
        fix = (
            "these look like XLSForm choice names: pass the form as --instrument FORM.xlsx, "
            "or add them as labels of the scale"
        )
    elif raw and all(_LIMESURVEY_CODE.match(v.strip()) for v in raw):
        fix = (
            "these look like LimeSurvey answer codes: export the responses with full answers, "
            "or add the codes as labels of the scale"
        )
    elif not raw:
        fix = (
            f"the values lie outside the scale's points {list(scale.points)}: check that this "
            "is the right --instrument and that the column holds this item (map columns with "
            "--columns)"
        )
    else:
        fix = (
            "add them as labels of the scale in the instrument file (a point may have several "
            "labels), or recode the column"
        )
    raise DataError(
        f"{where}: {invalid} of {filled} answers match no answer of item {code}'s scale "
        f"({shown}); {fix}"
    )


def cell_warnings(
    code: str,
    scale: Scale,
    values: ColumnValues,
    coder: CellCoder,
    strict: bool,
    where: str,
    row_no: np.ndarray,
) -> list[RunWarning]:
    """Warnings for one item's column (``where``: "file: column 'Q1'" for errors); with
    ``strict``, an out-of-range value or an unknown label is an error naming its first row."""
    out: list[RunWarning] = []
    n_missing_code = values.count(MISSING_CODE)
    if n_missing_code:
        out.append(
            RunWarning(
                WarningCode.MISSING_CODE,
                f"{code}: {n_missing_code} answer(s) hold a 'no answer' code; counted as missing",
                item=code,
                count=n_missing_code,
            )
        )
    for kind, name in (
        (OUT_OF_RANGE, WarningCode.OUT_OF_RANGE),
        (UNKNOWN_LABEL, WarningCode.UNKNOWN_LABEL),
    ):
        n_bad = values.count(kind)
        if not n_bad:
            continue
        shown = ", ".join(values.examples(kind))
        if kind == OUT_OF_RANGE:
            what = (
                f"{n_bad} value(s) outside the scale {list(scale.points)} "
                f"(missing codes {list(scale.missing)}): {shown}"
            )
        else:
            accepted = ", ".join(repr(t) for t in scale.labels.values()) or "none defined"
            what = (
                f"{n_bad} cell(s) hold text that matches no label of the scale: {shown}; "
                f"accepted labels: {accepted}, or the codes {list(scale.points)}"
            )
        if strict:
            first = int(row_no[values.first_row(kind)])
            raise DataError(
                f"{where}, row {first}: {what}; correct the cells or drop "
                "--strict to count them as missing"
            )
        out.append(RunWarning(name, f"{code}: {what}; counted as missing", item=code, count=n_bad))
    for (value, new), count in sorted(coder.relabelled.items(), key=lambda kv: str(kv[0])):
        out.append(
            RunWarning(
                WarningCode.RECODED_BY_LABEL,
                f"{code}: value {value!r} carries the label of code {new}; "
                f"{count} answer(s) coded {new}",
                item=code,
                count=count,
            )
        )
    return out
