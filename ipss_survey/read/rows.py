"""Rows and columns that are not answers: blank rows, repeated headers, unnamed empty columns.

Shared by the CSV and Excel readers, so both account for the same rows the same way: blank
records between data rows and header rows pasted mid-file are dropped from the table and
listed in the ledger with their data row number; trailing blank rows are padding. Tests on
cells run once per distinct value, never once per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ipss_survey.read.table import ExcludedRow
from ipss_survey.warnings import RunWarning, WarningCode

if TYPE_CHECKING:
    import pandas as pd


def clean_name(value: Any) -> str:
    """A column name as the user sees it (spaces, BOM and zero-width marks removed)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\ufeff", "").replace("\u200b", "").strip()


def unnamed(j: int) -> str:
    return f"(unnamed column {j + 1})"


def header_further_down(frame: pd.DataFrame, width: int) -> int:
    """Offset of a row below the header that looks like the real header (a title is above).

    A wide row of text cells within the first 30 rows, at least twice as wide as the header.
    """
    top = frame.iloc[:30]
    for i in range(len(top)):
        cells = [v for v in top.iloc[i].tolist() if isinstance(v, str) and v.strip()]
        if len(cells) >= max(2, 2 * width) and not any(_looks_numeric(v) for v in cells):
            return i + 1
    return 0


def _looks_numeric(text: str) -> bool:
    return bool(re.fullmatch(r"\s*[-+]?\d+(?:[.,]\d+)?\s*", text))


def per_value(
    s: pd.Series, test: Callable[[Any], bool], rows: np.ndarray | None = None
) -> np.ndarray:
    """``test`` of each cell (of ``rows`` only, if given), run once per distinct value."""
    import pandas as pd

    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = np.asarray(s.cat.codes)
        if rows is not None:
            codes = codes[rows]
        cats = s.cat.categories.to_numpy(dtype=object)
        hit = np.zeros(len(cats) + 1, dtype=bool)
        hit[-1] = test(None)  # code -1: no value
        if len(cats) > codes.size:  # many distinct values (ids), few rows asked about
            used = np.unique(codes[codes >= 0])
            hit[used] = [test(u) for u in cats[used]]
        else:
            hit[:-1] = [test(u) for u in cats]
        return hit[codes]
    values = s.to_numpy(dtype=object)
    idx, uniques = pd.factorize(values if rows is None else values[rows], use_na_sentinel=True)
    hit = np.array([test(u) for u in uniques] + [test(None)], dtype=bool)
    return hit[np.asarray(idx)]


def _is_empty(value: Any) -> bool:
    """An empty cell (None stands for no value: NaN, a short row) or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def empty_cells(s: pd.Series) -> np.ndarray:
    """True where a cell is empty or only spaces (vectorised over distinct values)."""
    return per_value(s, _is_empty)


def _rows_where_all(
    frame: pd.DataFrame, columns: list[int], test: Callable[[int, Any], bool]
) -> np.ndarray:
    """Rows where ``test(column, cell)`` holds in every one of ``columns``.

    Columns with few distinct values are tried first and only the rows still in question are
    looked at, so an id column of a million distinct values is rarely read at all.
    """
    import pandas as pd

    def distinct(j: int) -> int:  # how many values, or how many among the first rows
        s = frame.iloc[:, j]
        if isinstance(s.dtype, pd.CategoricalDtype):
            return len(s.cat.categories)
        return len(pd.unique(s.iloc[:512].to_numpy(dtype=object)))

    rows = np.arange(len(frame))
    for j in sorted(columns, key=distinct):
        if not rows.size:
            break
        asked = None if rows.size == len(frame) else rows
        rows = rows[per_value(frame.iloc[:, j], lambda u, j=j: test(j, u), asked)]
    mask = np.zeros(len(frame), dtype=bool)
    mask[rows] = True
    return mask


def blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty or only spaces."""
    return _rows_where_all(frame, list(range(frame.shape[1])), lambda _, u: _is_empty(u))


def repeated_header_rows(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Rows whose every named cell repeats its column's name (a header pasted mid-file)."""
    named = [j for j, n in enumerate(names) if n]
    if not named or not len(frame):
        return np.zeros(len(frame), dtype=bool)
    want = {j: names[j].strip().casefold() for j in named}
    return _rows_where_all(
        frame, named, lambda j, u: isinstance(u, str) and u.strip().casefold() == want[j]
    )


def drop_empty_unnamed(
    frame: pd.DataFrame, names: list[str]
) -> tuple[pd.DataFrame, list[str], int]:
    keep = [j for j, n in enumerate(names) if n or not empty_cells(frame.iloc[:, j]).all()]
    dropped = len(names) - len(keep)
    if dropped:
        frame = frame.iloc[:, keep]
        names = [names[j] for j in keep]
    return frame, names, dropped


def ledger_rows(
    frame: pd.DataFrame, blank: np.ndarray, repeat: np.ndarray, shown: str
) -> tuple[pd.DataFrame, np.ndarray, list[ExcludedRow], list[RunWarning]]:
    """Drop blank and repeated-header rows, keeping each one's data row number in the ledger.

    Trailing blank rows are padding and are dropped without a trace.
    """
    n = len(frame)
    filled = np.flatnonzero(~blank)
    last = int(filled[-1]) + 1 if filled.size else 0
    keep = ~(blank | repeat)
    keep[last:] = False
    inner_blank = np.flatnonzero(blank[:last])
    repeats = np.flatnonzero(repeat)
    skipped = [ExcludedRow(int(i) + 1, None, "blank row") for i in inner_blank]
    skipped += [ExcludedRow(int(i) + 1, None, "repeated header row") for i in repeats]
    skipped.sort(key=lambda e: e.row)
    warnings: list[RunWarning] = []
    if repeats.size:
        rows = ", ".join(str(int(i) + 1) for i in repeats[:5])
        warnings.append(
            RunWarning(
                WarningCode.REPEATED_HEADER,
                f"{shown}: {repeats.size} row(s) repeat the header (row(s) {rows}"
                f"{' ...' if repeats.size > 5 else ''}); they were skipped and are listed as "
                "excluded rows",
                count=int(repeats.size),
            )
        )
    if inner_blank.size:
        warnings.append(
            RunWarning(
                WarningCode.BLANK_ROWS,
                f"{shown}: {inner_blank.size} blank row(s) between data rows were "
                "skipped and are listed as excluded rows",
                count=int(inner_blank.size),
            )
        )
    rows = np.flatnonzero(keep) + 1
    if keep.all() and n == last:
        return frame, rows, skipped, warnings
    if rows.size == last and keep[:last].all():  # only trailing blank rows: no copy
        return frame.iloc[:last], rows, skipped, warnings
    return frame.iloc[np.flatnonzero(keep)].reset_index(drop=True), rows, skipped, warnings
