"""report.xlsx: one sheet per table of Results, for people who work in a spreadsheet.

Choices a reader should know (also written on the "Run info" sheet):

- Percentages are stored as 0-100 numbers, exactly as results.json holds them, under headers
  ending in "%" and shown with one decimal; confidence intervals of proportions stay 0-1, as
  in results.json. No number is rounded in the cell: rounding is only the display format.
- Every string is stored as a string cell (never a formula), and text that a spreadsheet would
  read as a formula (starting with =, +, -, @, tab or CR) also gets Excel's quote prefix, so
  nothing from a data file or instrument can run when the file is opened.
- Header rows are bold and frozen, with filters; the file's bytes depend only on Results
  (fixed document dates and zip timestamps).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any

from ipss_survey.report.render import View, default_title
from ipss_survey.report.tables import build_tables
from ipss_survey.results import Results

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FIXED_TIME = dt.datetime(2000, 1, 1)
_FORMATS = {"int": "0", "num": "0.00", "pct": "0.0", "p": "0.0000", "prop": "0.000"}
_WRAP_WIDTH = 60

# key -> (header, kind); kinds: text, wrap (long text), int, num, pct (0-100), p, prop (0-1), bool
_COLUMNS: dict[str, tuple[str, str]] = {
    "group": ("Group", "text"),
    "group_n": ("Group n", "int"),
    "code": ("Code", "text"),
    "dimension": ("Dimension", "text"),
    "subdimension": ("Sub-dimension", "text"),
    "text": ("Statement", "wrap"),
    "reverse": ("Reverse-keyed", "bool"),
    "id": ("Id", "text"),
    "level": ("Level", "text"),
    "name": ("Name", "text"),
    "parent": ("Parent", "text"),
    "n_items": ("Items", "int"),
    "n": ("n", "int"),
    "missing": ("Missing", "int"),
    "mean": ("Mean", "num"),
    "sd": ("SD", "num"),
    "median": ("Median", "num"),
    "pct_agree": ("Agree %", "pct"),
    "pct_neutral": ("Neutral %", "pct"),
    "pct_disagree": ("Disagree %", "pct"),
    "pct_favourable": ("Favourable %", "pct"),
    "acceptance_min": ("Item range min %", "pct"),
    "acceptance_max": ("Item range max %", "pct"),
    "maturity_level": ("Maturity level", "int"),
    "maturity_label": ("Maturity", "text"),
    "row": ("Row", "int"),
    "reason": ("Reason", "wrap"),
    "item": ("Item", "text"),
    "count": ("Count", "int"),
    "message": ("Message", "wrap"),
}


def _column(key: str) -> tuple[str, str]:
    if key.startswith("count_"):
        return (f"Count of {key[6:]}", "int")
    return _COLUMNS.get(key, (key, "text"))


def _sheet_from_rows(rows: list[dict[str, Any]], keys: Sequence[str] | None = None) -> tuple:
    cols = list(keys or (rows[0].keys() if rows else []))
    return [_column(k) for k in cols], [[r.get(k) for k in cols] for r in rows]


def _reliability(results: Results) -> tuple[tuple, tuple]:
    cols = [
        ("Construct", "text"),
        ("k", "int"),
        ("n", "int"),
        ("Alpha", "num"),
        ("Alpha CI low", "num"),
        ("Alpha CI high", "num"),
        ("Alpha std.", "num"),
        ("Mean r", "num"),
        ("Omega total", "num"),
    ]
    rows, item_rows = [], []
    for e in results.reliability:
        ci = e.get("alpha_ci") or [None, None]
        rows.append(
            [
                e.get("construct"),
                e.get("k"),
                e.get("n"),
                e.get("alpha"),
                ci[0],
                ci[1],
                e.get("alpha_std"),
                e.get("average_r"),
                e.get("omega_total"),
            ]
        )
        for it in e.get("items") or []:
            item_rows.append(
                [e.get("construct"), it.get("code"), it.get("r_drop"), it.get("alpha_if_deleted")]
            )
    item_cols = [
        ("Construct", "text"),
        ("Item", "text"),
        ("Item-rest r", "num"),
        ("Alpha if deleted", "num"),
    ]
    return (cols, rows), (item_cols, item_rows)


def _acceptance(results: Results) -> tuple:
    cols = [
        ("Target", "text"),
        ("Id", "text"),
        ("Successes", "int"),
        ("n", "int"),
        ("Agree %", "pct"),
        ("Threshold %", "pct"),
        ("p", "p"),
        ("p adj.", "p"),
        ("Wilson low (0-1)", "prop"),
        ("Wilson high (0-1)", "prop"),
        ("Exact low (0-1)", "prop"),
        ("Exact high (0-1)", "prop"),
        ("Meets threshold", "bool"),
        ("Significant", "bool"),
    ]
    rows = []
    for t in results.acceptance_tests:
        w = t.get("ci_wilson") or [None, None]
        x = t.get("ci_exact") or [None, None]
        rows.append(
            [
                t.get("target"),
                t.get("id"),
                t.get("successes"),
                t.get("n"),
                t.get("pct_agree"),
                t.get("threshold"),
                t.get("p_value"),
                t.get("p_adj"),
                w[0],
                w[1],
                x[0],
                x[1],
                t.get("meets_threshold"),
                t.get("significant"),
            ]
        )
    return cols, rows


def _group_tests(results: Results) -> tuple[tuple, tuple]:
    cols = [
        ("Construct", "text"),
        ("Test", "text"),
        ("Statistic", "num"),
        ("df", "num"),
        ("p", "p"),
        ("p adj.", "p"),
        ("Effect", "text"),
        ("Effect size", "num"),
        ("Method", "wrap"),
    ]
    pair_cols = [
        ("Construct", "text"),
        ("Test", "text"),
        ("Group a", "text"),
        ("Group b", "text"),
        ("Statistic", "num"),
        ("p", "p"),
        ("p adj.", "p"),
        ("Effect", "text"),
        ("Effect size", "num"),
    ]
    rows, pairs = [], []
    for t in results.group_tests:
        eff = t.get("effect") or {}
        rows.append(
            [
                t.get("construct"),
                t.get("test"),
                t.get("statistic"),
                t.get("df"),
                t.get("p_value"),
                t.get("p_adj"),
                eff.get("name"),
                eff.get("value"),
                t.get("method"),
            ]
        )
        for p in t.get("pairwise") or []:
            pe = p.get("effect") or {}
            pairs.append(
                [
                    t.get("construct"),
                    t.get("test"),
                    p.get("a"),
                    p.get("b"),
                    p.get("statistic"),
                    p.get("p_value"),
                    p.get("p_adj"),
                    pe.get("name"),
                    pe.get("value"),
                ]
            )
    return (cols, rows), (pair_cols, pairs)


def _run_info(results: Results, title: str) -> tuple:
    r, v = results, View(results)
    d, inst, tool = r.data, r.instrument, r.tool or {}
    rows: list[list[Any]] = [
        ["Report", title],
        ["Instrument", inst.get("title")],
        ["Instrument id", inst.get("id")],
        ["Instrument version", inst.get("version")],
        ["Instrument source", inst.get("source")],
        ["Data file", d.get("source")],
        ["Data format", d.get("format")],
        ["Data SHA-256", d.get("sha256")],
        ["Rows read", d.get("rows_read")],
        ["Rows analysed", d.get("rows_analysed")],
        ["Rows excluded", len(d.get("rows_excluded", []))],
        ["Grouped by", d.get("group_by")],
        ["Warnings", len(d.get("warnings", []))],
    ]
    rows += [[f"Option: {k}", val] for k, val in r.options.items()]
    if v.levels:
        rows.append(["Maturity bands", v.maturity_basis])
        rows += [
            [f"Maturity level {i}", f"{lv['label']} from mean {lv['min']:g}"]
            for i, lv in enumerate(v.levels, 1)
        ]
    rows += [
        ["Percent columns", "0-100 as in results.json (headers end in %), shown to 1 decimal"],
        ["Interval columns (0-1)", "proportions, as in results.json"],
        ["Software", f"{tool.get('name', 'ipss-survey')} {tool.get('version', '')}".strip()],
    ]
    rows += [[f"Software: {k}", val] for k, val in (tool.get("dependencies") or {}).items()]
    rows.append(["results.json schema version", r.schema_version])
    return [("Field", "text"), ("Value", "wrap")], rows


def _sheets(results: Results, title: str) -> list[tuple[str, tuple]]:
    tables = build_tables(results)
    rel, rel_items = _reliability(results)
    tests, pairs = _group_tests(results)
    sheets: list[tuple[str, tuple]] = [
        ("Run info", _run_info(results, title)),
        ("Items", _sheet_from_rows(tables["items"])),
        ("Constructs", _sheet_from_rows(tables["constructs"])),
        ("Reliability", rel),
        ("Reliability items", rel_items),
        ("Acceptance tests", _acceptance(results)),
    ]
    if results.data.get("group_by"):
        sheets += [
            ("Group tests", tests),
            ("Group pairwise", pairs),
            ("Groups", _sheet_from_rows(tables["group_constructs"])),
            ("Group items", _sheet_from_rows(tables["group_items"])),
        ]
    sheets += [
        ("Warnings", _sheet_from_rows(tables["warnings"], ["code", "item", "count", "message"])),
        ("Excluded rows", _sheet_from_rows(tables["excluded_rows"], ["row", "id", "reason"])),
    ]
    return sheets


def _put(cell: Any, value: Any, kind: str) -> None:
    """Store one value; strings are always string cells, never formulas."""
    if value is None:
        return
    if isinstance(value, str):
        text = _ILLEGAL.sub("\ufffd", value)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(_FORMULA_START):
            cell.quotePrefix = True
        return
    if isinstance(value, bool) or kind == "bool":
        cell.value = bool(value)
        return
    if isinstance(value, int | float):
        cell.value = value
        if kind in _FORMATS:
            cell.number_format = _FORMATS[kind]
        return
    _put(cell, str(value), kind)


def _width(header: str, values: list[Any], kind: str) -> float:
    if kind == "wrap":
        return _WRAP_WIDTH
    longest = max([len(header), *(len(str(v)) for v in values[:500] if v is not None)])
    if kind in ("num", "pct", "p", "prop"):
        longest = max(len(header), 8)
    return min(max(longest + 2, 6), 40)


def xlsx_bytes(results: Results, title: str | None = None) -> bytes:
    """The workbook as bytes (deterministic for the same Results)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for name, (cols, rows) in _sheets(results, title or default_title(results)):
        ws = wb.create_sheet(name)
        for j, (header, _) in enumerate(cols, 1):
            cell = ws.cell(row=1, column=j)
            _put(cell, header, "text")
            cell.font = bold
        for i, row in enumerate(rows, 2):
            for j, (value, (_, kind)) in enumerate(zip(row, cols, strict=True), 1):
                cell = ws.cell(row=i, column=j)
                _put(cell, value, kind)
                if kind == "wrap":
                    cell.alignment = wrap
        for j, (header, kind) in enumerate(cols, 1):
            values = [row[j - 1] for row in rows]
            ws.column_dimensions[get_column_letter(j)].width = _width(header, values, kind)
        ws.freeze_panes = "A2"
        if cols:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(len(rows) + 1, 1)}"
    wb.properties.creator = "ipss-survey"
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with every entry dated 1980-01-01, so equal inputs give equal bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
