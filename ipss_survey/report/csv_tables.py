"""The CSV tables: one file per ``Table``, full precision, formula-like text defused."""

from __future__ import annotations

import csv
import io

from ipss_survey.report.format import safe_cell
from ipss_survey.report.tables import Table


def csv_text(table: Table) -> str:
    """CSV with full-precision numbers, empty cells for nulls, formula-like text defused."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c.key for c in table.columns])
    w.writerows([_cell(v) for v in row] for row in table.rows)
    return buf.getvalue()


def _cell(value: object) -> object:
    if value is None:
        return ""
    return safe_cell(value) if type(value) is str else value
