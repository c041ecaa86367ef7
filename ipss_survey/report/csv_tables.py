"""The CSV tables: one file per ``Table``, full precision, formula-like text defused."""

from __future__ import annotations

import csv
import io
from operator import itemgetter

from ipss_survey.report.format import safe_cell
from ipss_survey.report.tables import Table


def csv_text(table: Table) -> str:
    """CSV with full-precision numbers, empty cells for nulls, formula-like text defused.

    The rows are written as they are unless a column holds text a spreadsheet would run as a
    formula; only then are they copied (the group-pairwise table of a 50-group run has
    30,000 rows, and looking at each cell in Python cost more than writing them).
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")  # writes None as an empty cell
    w.writerow([c.key for c in table.columns])
    rows = table.rows
    risky = _risky_columns(rows, len(table.columns))
    if risky:
        rows = [_defused(row, risky) for row in rows]
    w.writerows(rows)
    return buf.getvalue()


def _risky_columns(rows: list[list[object]], width: int) -> list[int]:
    """The columns holding some text that ``safe_cell`` would change."""
    risky = []
    for i in range(width):
        cells = list(map(itemgetter(i), rows))
        if str in set(map(type, cells)) and any(
            safe_cell(v) is not v for v in {v for v in cells if type(v) is str}
        ):
            risky.append(i)
    return risky


def _defused(row: list[object], risky: list[int]) -> list[object]:
    row = list(row)
    for i in risky:
        if type(row[i]) is str:
            row[i] = safe_cell(row[i])
    return row
