"""report.xlsx: the run's tables as a workbook, for evaluators and for people who work in a
spreadsheet.

Choices a reader should know (also written on the "Run info" sheet):

- It opens on "Summary": the run's facts, then the dimensions as the HTML summary shows them
  (acceptance with its 95% interval, item range, the test against the threshold, alpha,
  maturity), then the summary charts. "Dimensions" and "Sub-dimensions" follow (constructs.csv
  split by level), then "Charts" (every other chart of the report, as the run drew it), "Run
  info", and the CSV tables (``tables.build_tables``), column for column.
- Open-ended answers: "Themes" (themes.csv, with the theme charts) and "Answers" (every coded
  answer: open_answers.csv's columns, then one column per theme holding 1 where the answer
  was coded to it, for checking and recoding by hand); classifications: "Classes".
- Panels (with a grouping): "Panels", each group's items from the least agreed (lowest rwg)
  with the group's answer counts and the items under the rwg cut-off marked (as
  panel_disagreement.csv).
- Percentages and their intervals are stored as 0-100 numbers, exactly as results.json holds
  them, under headers ending in "%" and shown with one decimal. No number is rounded in the
  cell: rounding is only the display format.
- Every sheet prints on A4, fitted to the page's width.
- Text that a spreadsheet would read as a formula is kept as text (``spreadsheetml``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ipss_survey.report.charts.jobs import render_charts
from ipss_survey.report.charts.plans import ChartImage
from ipss_survey.report.charts.style import DPI
from ipss_survey.report.format import fmt_pct, fmt_range
from ipss_survey.report.methods import design_text
from ipss_survey.report.panels import panel_table
from ipss_survey.report.spreadsheetml import Sheet, SheetImage, workbook_bytes
from ipss_survey.report.tables import (
    Column,
    Table,
    answers_table,
    build_tables,
    level_tables,
    summary_table,
)
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
        ["Survey design", design_text(r) or "none: every answer counts alike"],
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
        ["Interval columns", "percent (0-100) for shares, as in results.json"],
        ["Software", f"{tool.name} {tool.version}".strip()],
    ]
    rows += [[f"Software: {k}", val] for k, val in tool.dependencies.items()]
    rows.append(["results.json schema version", r.schema_version])
    return Table(
        "run_info", "Run info", [Column("field", "Field"), Column("value", "Value", "wrap")], rows
    )


def summary_facts(results: Results, title: str) -> list[tuple[str, Any]]:
    """The lines above the Summary sheet's table: the run in a few facts and its headline."""
    r, v = results, View(results)
    d, inst = r.data, r.instrument
    facts: list[tuple[str, Any]] = [
        ("Report", title),
        ("Instrument", f"{inst.title} ({inst.id}, version {inst.version or '-'})"),
        ("Data", f"{d.source} ({d.format or 'file'})"),
        (
            "Rows",
            f"{d.rows_analysed} analysed of {d.rows_read} read, {len(d.rows_excluded)} excluded",
        ),
    ]
    if d.group_by:
        facts.append(("Grouped by", f"{d.group_by}: {len(r.groups)} groups"))
    if d.design is not None:
        facts.append(("Survey design", design_text(r)))
    facts.append(
        (
            "Acceptance threshold",
            f"{v.threshold:g}% (significance level {v.alpha:g}, {v.p_adjust_name} correction)",
        )
    )
    dims = [c for c in v.dimensions if c.pct_agree is not None]
    if dims:
        lo = min(dims, key=lambda c: c.pct_agree)
        hi = max(dims, key=lambda c: c.pct_agree)
        facts.append(
            (
                "Headline",
                f"{_sentence(f'{v.weighted}acceptance')} by dimension runs from "
                f"{_with_ci(lo.pct_agree, lo.ci_pct_agree)} ({lo.id}) to "
                f"{_with_ci(hi.pct_agree, hi.ci_pct_agree)} ({hi.id}).",
            )
        )
    clusters = "the design's clusters" if v.design else "each respondent's answers"
    facts.append(
        (
            "Columns",
            _sentence(
                f"{v.weighted}acceptance %: the {v.weighted}share of the dimension's answers in "
                "the agreement codes, pooled after reverse keying, with its 95% interval "
                f"({clusters} as clusters); item range: its lowest and highest item acceptance."
            ),
        )
    )
    if v.levels:
        facts.append(("Maturity bands", v.maturity_basis))
    facts.append(("Warnings", len(d.warnings)))
    return facts


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _with_ci(pct: float | None, ci: list[float] | None) -> str:
    return fmt_pct(pct) if ci is None else f"{fmt_pct(pct)} (95% CI {fmt_range(ci)})"


def _images(charts: Sequence[ChartImage]) -> list[SheetImage]:
    return [SheetImage(c.png, c.title, DPI) for c in charts]


def workbook_sheets(
    results: Results, title: str, charts: Sequence[ChartImage]
) -> list[Sheet | Table]:
    """The workbook's sheets in order (``xlsx_bytes`` writes them)."""
    summary = [c for c in charts if c.section == "summary"]
    themes = [c for c in charts if c.section.startswith("open-")]
    others = [c for c in charts if c not in summary and c not in themes]
    sheets: list[Sheet | Table] = [
        Sheet(
            "Summary",
            summary_table(results),
            facts=summary_facts(results, title),
            images=_images(summary),
            freeze=False,
        ),
        *level_tables(results),
    ]
    if others:
        note = [("Charts", "The report's charts as the run drew them (charts/*.png).")]
        sheets.append(Sheet("Charts", None, facts=note, images=_images(others), freeze=False))
    sheets.append(run_info(results, title))
    for table in build_tables(results):
        if table.name == "constructs":  # on the Dimensions and Sub-dimensions sheets
            continue
        if table.name == "open_answers":  # the Answers sheet holds its columns, and more
            answers = answers_table(results)
            if answers is not None:
                sheets.append(answers)
            continue
        if table.name == "themes" and themes:
            sheets.append(Sheet(table.sheet, table, images=_images(themes)))
            continue
        sheets.append(table)
    if results.agreement:
        sheets.append(panel_table(results))
    return sheets


def xlsx_bytes(
    results: Results,
    title: str | None = None,
    charts: Sequence[ChartImage] | None = None,
) -> bytes:
    """The workbook as bytes (deterministic for the same Results and charts).

    Parameters
    ----------
    results
        The run.
    title
        The report's title (the Summary and Run info sheets show it).
    charts
        The PNG charts the run drew (what ``write_reports`` hands the HTML report), embedded
        as images; None draws them here, as ``html_report`` does, so a workbook written on its
        own has them too; an empty list gives a workbook without images.
    """
    if charts is None:
        charts = [
            ChartImage(p.name, p.title, p.section, p.caption, drawn["png"])
            for p, drawn in render_charts(results, ("png",))
        ]
    return workbook_bytes(workbook_sheets(results, title or default_title(results), charts))
