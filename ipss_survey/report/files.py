"""Write results.json and the CSV tables into an output folder."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ipss_survey.report.atomic import write_text
from ipss_survey.report.tables import build_tables, safe_cell
from ipss_survey.results import Results

_HEADERS = {
    "excluded_rows": ["row", "id", "reason"],
    "warnings": ["code", "item", "count", "message"],
}


def csv_text(rows: list[dict], header: list[str] | None = None) -> str:
    """CSV with full-precision numbers, empty cells for nulls, formula-like text defused."""
    cols = header or (list(rows[0]) if rows else [])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    cell = _csv_cell
    w.writerows([cell(row.get(c)) for c in cols] for row in rows)
    return buf.getvalue()


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    return safe_cell(value) if type(value) is str else value


def write_json(results: Results, out: Path) -> Path:
    path = out / "results.json"
    write_text(path, results.to_json())
    return path


def write_csv(results: Results, out: Path) -> list[Path]:
    written = []
    for name, rows in build_tables(results).items():
        path = out / f"{name}.csv"
        write_text(path, csv_text(rows, _HEADERS.get(name)))
        written.append(path)
    return written
