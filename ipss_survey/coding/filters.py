"""Row filters (``--where``): which rows are respondents of this analysis.

A filter is ``COLUMN=VALUE`` (also ``!=``, and ``<``, ``<=``, ``>``, ``>=`` on numbers);
``COLUMN=V1,V2`` holds for any of several values; ``COLUMN=`` for an empty cell and
``COLUMN!=`` for a filled one. Every filter must hold. Text compares ignoring case and runs
of spaces, numbers as numbers ("1" = "1.0"), and a statistical file's value label counts as
the cell's text (``--where consent=Yes`` on a labelled 1). A row a filter removes is listed in
the row ledger with the filter that removed it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ipss_survey.errors import DataError, one_line
from ipss_survey.instrument import normalise_label
from ipss_survey.read.rows import per_value

if TYPE_CHECKING:
    from ipss_survey.coding.columns import ColumnMatcher
    from ipss_survey.read import RawTable

_FILTER = re.compile(r"^\s*(?P<column>[^<>=!]+?)\s*(?P<op>!=|<=|>=|=|<|>)\s*(?P<value>.*)$")
NUMERIC_OPS = ("<", "<=", ">", ">=")


@dataclass(frozen=True)
class RowFilter:
    column: str
    op: str
    values: tuple[str, ...]
    text: str  # as the user wrote it, for the ledger

    def numbers(self) -> tuple[float, ...]:
        return tuple(float(v) for v in self.values)


def parse_filter(text: str) -> RowFilter:
    """One ``--where`` expression, or a DataError saying how to write it."""
    m = _FILTER.match(text)
    if not m:
        raise DataError(
            f"--where {one_line(text)[:60]!r}: expected COLUMN=VALUE (or !=, <, <=, >, >=), "
            "e.g. --where Finished=1 or --where consent=Yes,yes"
        )
    op = m.group("op")
    raw = m.group("value").strip()
    values = tuple(v.strip() for v in raw.split(",")) if raw else ("",)
    if op in NUMERIC_OPS and (len(values) != 1 or _number(values[0]) is None):
        raise DataError(
            f"--where {one_line(text)[:60]!r}: {op} compares numbers; give one number, "
            "e.g. --where Progress>=80"
        )
    return RowFilter(m.group("column").strip(), op, values, text.strip())


def _number(text: Any) -> float | None:
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float | np.integer | np.floating):
        value = float(text)
        return value if math.isfinite(value) else None
    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _empty(value: Any) -> bool:
    return (
        value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()
    )


def _holds(flt: RowFilter, value: Any, label: str | None) -> bool:
    """Whether one cell (and its value label) passes the filter."""
    if flt.op in NUMERIC_OPS:
        x = _number(value)
        if x is None:
            return False
        (bound,) = flt.numbers()
        return {"<": x < bound, "<=": x <= bound, ">": x > bound, ">=": x >= bound}[flt.op]
    if flt.values == ("",):  # COLUMN= (empty) or COLUMN!= (filled)
        return _empty(value) == (flt.op == "=")
    texts = {normalise_label(str(value))} if not _empty(value) else set()
    if label:
        texts.add(normalise_label(label))
    x = _number(value)
    wanted_numbers = {_number(w) for w in flt.values} - {None}
    match = any(normalise_label(w) in texts for w in flt.values) or (
        x is not None and x in wanted_numbers
    )
    return match if flt.op == "=" else not match


def filter_rows(
    raw: RawTable, matcher: ColumnMatcher, filters: Sequence[RowFilter], src: str
) -> dict[int, str]:
    """The rows some filter removes (position -> the first filter each fails)."""
    keep = np.ones(len(raw.frame), dtype=bool)
    reason: dict[int, str] = {}
    for flt in filters:
        pos = matcher.find(flt.column, "the --where column")
        if pos is None:
            raise DataError(
                f"{src}: --where {one_line(flt.text)[:60]!r}: no column {flt.column!r}; "
                "give a column of the file (any case; spaces ignored)"
            )
        col = matcher.columns[pos]
        labels = raw.value_labels.get(col) or {}
        passed = per_value(
            raw.frame.iloc[:, pos], lambda v, f=flt, lb=labels: _holds(f, v, lb.get(v))
        )
        for i in np.flatnonzero(keep & ~passed).tolist():
            reason[i] = f"left out by --where {flt.text}"
        keep &= passed
    return reason
