"""report.xlsx: the run's tables as a workbook, for people who work in a spreadsheet.

Choices a reader should know (also written on the "Run info" sheet):

- The sheets are the CSV tables (``tables.build_tables``), column for column, after a
  "Run info" sheet that records the instrument, the data file, the options and the software.
- Percentages are stored as 0-100 numbers, exactly as results.json holds them, under headers
  ending in "%" and shown with one decimal; confidence intervals of proportions stay 0-1, as
  in results.json. No number is rounded in the cell: rounding is only the display format.
- Text that a spreadsheet would read as a formula is kept as text (``spreadsheetml``).
"""

from __future__ import annotations

from typing import Any

from ipss_survey.report.spreadsheetml import workbook_bytes
from ipss_survey.report.tables import Column, Table, build_tables
from ipss_survey.report.view import View, default_title
from ipss_survey.results import Results


def run_info(results: Results, title: str) -> Table:
    """The Run info sheet: what was analysed, how, and with which software."""
    r, v = results, View(results)
    d, inst, tool = r.data, r.instrument, r.tool
    rows: list[list[Any]] = [
        ["Report", title],
        ["Instrument", inst.title],
        ["Instrument id", inst.id],
        ["Instrument version", inst.version],
        ["Instrument source", inst.source],
        ["Data file", d.source],
        ["Data format", d.format],
        ["Data SHA-256", d.sha256],
        ["Rows read", d.rows_read],
        ["Rows analysed", d.rows_analysed],
        ["Rows excluded", len(d.rows_excluded)],
        ["Grouped by", d.group_by],
        ["Warnings", len(d.warnings)],
    ]
    rows += [[f"Option: {k}", val] for k, val in r.options.items()]
    if v.levels:
        rows.append(["Maturity bands", v.maturity_basis])
        rows += [
            [f"Maturity level {i}", f"{lv.label} from mean {lv.min:g}"]
            for i, lv in enumerate(v.levels, 1)
        ]
    rows += [
        ["Percent columns", "0-100 as in results.json (headers end in %), shown to 1 decimal"],
        ["Interval columns (0-1)", "proportions, as in results.json"],
        ["Software", f"{tool.name} {tool.version}".strip()],
    ]
    rows += [[f"Software: {k}", val] for k, val in tool.dependencies.items()]
    rows.append(["results.json schema version", r.schema_version])
    return Table(
        "run_info", "Run info", [Column("field", "Field"), Column("value", "Value", "wrap")], rows
    )


def xlsx_bytes(results: Results, title: str | None = None) -> bytes:
    """The workbook as bytes (deterministic for the same Results)."""
    tables = build_tables(results)
    return workbook_bytes([run_info(results, title or default_title(results)), *tables])
