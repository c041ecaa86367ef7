"""report.xlsx read back with openpyxl: sheets, headers, formats, numbers, images, print
settings and no formulas."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from ipss_survey.pipeline import Options, analyze
from ipss_survey.read import ExcludedRow
from ipss_survey.report.charts.jobs import render_charts
from ipss_survey.report.charts.plans import ChartImage
from ipss_survey.report.xlsx import xlsx_bytes
from ipss_survey.results import Results
from ipss_survey.warnings import RunWarning
from tests.report.builders import dtcaf_by_ministry, without_stats

HOSTILE = [
    "=cmd|' /C calc'!A0",
    "+SUM(A1:A9)",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://x","y")',
]


@pytest.fixture(scope="module")
def dtcaf() -> Results:
    return dtcaf_by_ministry()


@pytest.fixture(scope="module")
def dtcaf_charts(dtcaf) -> list[ChartImage]:
    """The PNGs a run draws (what write_reports hands the writers), drawn once."""
    return [
        ChartImage(p.name, p.title, p.section, p.caption, drawn["png"])
        for p, drawn in render_charts(dtcaf, ("png",))
    ]


@pytest.fixture(scope="module")
def dtcaf_book(dtcaf, dtcaf_charts):
    return load_workbook(io.BytesIO(xlsx_bytes(dtcaf, charts=dtcaf_charts)))


def _book(res: Results, **kw):
    """A workbook without images unless charts are given (drawing them is slow)."""
    kw.setdefault("charts", [])
    return load_workbook(io.BytesIO(xlsx_bytes(res, **kw)))


TABLE_SHEETS = [
    "Dimensions",
    "Sub-dimensions",
    "Run info",
    "Items",
    "Groups",
    "Group items",
    "Reliability",
    "Reliability items",
    "Acceptance tests",
    "Group tests",
    "Group pairwise",
    "Excluded rows",
    "Warnings",
    "Panels",
]


def _rows(ws) -> list[dict]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(2)]


def test_summary_first_then_one_sheet_per_table_with_frozen_bold_headers(dtcaf_book):
    wb = dtcaf_book
    assert wb.sheetnames == ["Summary", "Dimensions", "Sub-dimensions", "Charts", *TABLE_SHEETS[2:]]
    assert wb.active.title == "Summary"  # the workbook opens on it
    for name in TABLE_SHEETS:
        ws = wb[name]
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.b for c in ws[1] if c.value is not None), ws.title
        assert ws.auto_filter.ref, ws.title
    items = wb["Items"]
    widths = {k: d.width for k, d in items.column_dimensions.items()}
    assert widths["D"] == 60  # statements wrap in a wide column
    assert 6 <= widths["A"] <= 12


def test_numbers_are_the_results_numbers_with_percent_formats(dtcaf, dtcaf_book):
    wb = dtcaf_book
    items = _rows(wb["Items"])
    assert [r["Code"] for r in items] == [it.code for it in dtcaf.items]
    for row, it in zip(items, dtcaf.items, strict=True):
        # 0-100 as in results.json, unrounded: openpyxl writes 16 significant digits
        assert row["Agree %"] == pytest.approx(it.pct_agree, rel=1e-15)
        assert row["Mean"] == pytest.approx(it.mean, rel=1e-15)
        assert row["Count of 5"] == it.counts["5"]
    header = [c.value for c in wb["Items"][1]]
    col = header.index("Agree %") + 1
    assert wb["Items"].cell(row=2, column=col).number_format == "0.0"
    cons = _rows(wb["Dimensions"])
    lea = next(r for r in cons if r["Id"] == "LEA")
    assert lea["Acceptance %"] == pytest.approx(dtcaf.constructs[0].pct_agree, rel=1e-15)
    assert lea["Acceptance 95% CI low %"] == pytest.approx(dtcaf.constructs[0].ci_pct_agree[0])
    assert lea["Maturity"] == "Transformed" and lea["Maturity level"] == 4
    assert lea["Item range min %"] == pytest.approx(dtcaf.constructs[0].acceptance_range[0])
    groups = _rows(wb["Groups"])
    assert len(groups) == sum(len(g.constructs) for g in dtcaf.groups)
    assert groups[0]["Group"] == dtcaf.groups[0].group
    assert groups[0]["Mean"] == pytest.approx(dtcaf.groups[0].constructs[0].mean, rel=1e-15)
    info = {r["Field"]: r["Value"] for r in _rows(wb["Run info"])}
    assert info["Rows analysed"] == 343 and info["Rows excluded"] == 2
    assert info["Interval columns"].startswith("percent (0-100)")
    assert "not official UN DESA thresholds" in info["Maturity bands"]
    assert info["Software: openpyxl"]
    assert len(_rows(wb["Warnings"])) == len(dtcaf.data.warnings)
    assert [r["Row"] for r in _rows(wb["Excluded rows"])] == [122, 164]


def test_statistics_sheets_follow_the_contract(dtcaf, dtcaf_book):
    res = dtcaf
    wb = dtcaf_book
    tests = _rows(wb["Acceptance tests"])
    assert len(tests) == len(res.acceptance_tests)
    first = res.acceptance_tests[0]
    assert tests[0]["Wilson low %"] == pytest.approx(first.ci_wilson[0], rel=1e-15)
    assert tests[0]["CI low %"] == pytest.approx(first.ci[0], rel=1e-15)
    assert tests[0]["Significant"] is first.significant
    assert len(_rows(wb["Reliability"])) == len(res.reliability)
    low = res.reliability[0].alpha_ci[0]
    assert _rows(wb["Reliability"])[0]["Alpha CI low"] == pytest.approx(low, rel=1e-15)
    assert len(_rows(wb["Group pairwise"])) == sum(len(t.pairwise) for t in res.group_tests)
    assert _rows(wb["Group tests"])[0]["Effect"] == res.group_tests[0].effect.name


def test_empty_statistics_give_header_only_sheets(dtcaf):
    wb = _book(without_stats(dtcaf))
    assert wb["Reliability"].max_row == 1
    assert [c.value for c in wb["Acceptance tests"][1]][:2] == ["Target", "Id"]


def test_no_cell_is_a_formula_and_text_survives_exactly(dtcaf):
    items = [replace(it, text=HOSTILE[i % len(HOSTILE)]) for i, it in enumerate(dtcaf.items)]
    groups = [replace(g, group=HOSTILE[i % len(HOSTILE)]) for i, g in enumerate(dtcaf.groups)]
    data = replace(
        dtcaf.data,
        warnings=[RunWarning("x", h, item=h) for h in HOSTILE],
        rows_excluded=[ExcludedRow(1, h, "bad\x01char") for h in HOSTILE],
    )
    res = replace(dtcaf, items=items, groups=groups, data=data)
    wb = _book(res, title="=2+2")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    statements = [r["Statement"] for r in _rows(wb["Items"])]
    assert statements == [it.text.replace("\r", "\n") for it in items]  # XML reads CR as LF
    item_cell = wb["Items"]["D2"]
    assert item_cell.value == HOSTILE[0] and item_cell.quotePrefix
    assert {r["Group"] for r in _rows(wb["Groups"])} >= {h.replace("\r", "\n") for h in HOSTILE}
    assert [r["Message"] for r in _rows(wb["Warnings"])] == [h.replace("\r", "\n") for h in HOSTILE]
    assert _rows(wb["Excluded rows"])[0]["Reason"] == "bad\ufffdchar"
    info = {r["Field"]: r["Value"] for r in _rows(wb["Run info"])}
    assert info["Report"] == "=2+2"


def test_same_results_same_bytes(dtcaf, dtcaf_charts):
    assert xlsx_bytes(dtcaf, charts=dtcaf_charts) == xlsx_bytes(dtcaf, charts=dtcaf_charts)
    assert xlsx_bytes(dtcaf, charts=[]) == xlsx_bytes(dtcaf, charts=[])


def test_without_groups_there_are_no_group_sheets(mini, mini_csv):
    res = analyze(mini_csv, mini, Options())
    wb = load_workbook(io.BytesIO(xlsx_bytes(res)))
    assert "Groups" not in wb.sheetnames and "Group tests" not in wb.sheetnames
    items = _rows(wb["Items"])
    assert [r["Reverse-keyed"] for r in items][:2] == [False, True]


def test_the_package_is_well_formed_spreadsheetml(dtcaf, dtcaf_charts):
    """Written directly (not through openpyxl's cell objects): every part parses as XML, the
    parts are listed in [Content_Types].xml (PNGs by extension), every table's filter range
    and print titles are named, and each image is stored once however many sheets show it."""
    import zipfile
    from xml.etree import ElementTree

    data = xlsx_bytes(dtcaf, charts=dtcaf_charts)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert archive.testzip() is None
        parts = {
            name: ElementTree.fromstring(archive.read(name))
            for name in names
            if not name.endswith(".png")
        }
        media = [archive.read(n) for n in names if n.endswith(".png")]
    types = ElementTree.tostring(parts["[Content_Types].xml"], encoding="unicode")
    for name in names:
        if name.startswith(("xl/worksheets/sheet", "xl/drawings/drawing")) or name.endswith(
            ("workbook.xml", "Strings.xml")
        ):
            assert f'PartName="/{name}"' in types, name
    assert 'Extension="png" ContentType="image/png"' in types
    assert sorted(media) == sorted(c.png for c in dtcaf_charts)  # each chart once
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    book = parts["xl/workbook.xml"]
    sheets = book.findall("m:sheets/m:sheet", ns)
    defined = book.findall("m:definedNames/m:definedName", ns)
    filters = [d for d in defined if d.get("name") == "_xlnm._FilterDatabase"]
    titles = [d for d in defined if d.get("name") == "_xlnm.Print_Titles"]
    assert len(sheets) == 16 and len(filters) == len(titles) == 15  # every sheet but Charts
    items = next(d for d in filters if d.text.startswith("'Items'"))
    assert items.text == "'Items'!$A$1:$Y$95"
    summary = next(d for d in titles if d.text.startswith("'Summary'"))
    wb = load_workbook(io.BytesIO(data))
    head = next(r for r in range(1, 30) if wb["Summary"].cell(r, 1).value == "Dimension")
    assert head > 5 and summary.text == f"'Summary'!${head}:${head}"  # below the facts
    strings = parts["xl/sharedStrings.xml"]
    assert int(strings.get("uniqueCount")) == len(strings.findall("m:si", ns))


def test_odd_values_are_stored_faithfully(dtcaf):
    """Leading and trailing spaces survive, numpy numbers are numbers, NaN and infinity leave
    the cell empty, characters XML cannot hold become U+FFFD."""
    import numpy as np

    data = replace(
        dtcaf.data,
        rows_excluded=[
            ExcludedRow(np.int64(7), "  padded  ", "odd \ufffe char"),
            ExcludedRow(np.float64(8.0), "\tx", "tab first"),
        ],
    )
    items = [replace(dtcaf.items[0], mean=float("nan"), sd=float("inf")), *dtcaf.items[1:]]
    wb = _book(replace(dtcaf, data=data, items=items))
    rows = _rows(wb["Excluded rows"])
    assert [r["Row"] for r in rows] == [7, 8]
    assert isinstance(rows[0]["Row"], int) and isinstance(rows[1]["Row"], float)
    assert rows[0]["Id"] == "  padded  " and rows[0]["Reason"] == "odd \ufffd char"
    assert rows[1]["Id"] == "\tx" and wb["Excluded rows"]["B3"].quotePrefix
    first = _rows(wb["Items"])[0]
    assert first["Mean"] is None and first["SD"] is None and first["Median"] == 4


def test_every_sheet_holds_the_columns_of_its_csv_table(dtcaf, dtcaf_book):
    """One table builder: each sheet has exactly the CSV file's columns (the acceptance
    sheet's signed-rank columns included), in the same order; constructs.csv is split
    between the Dimensions and Sub-dimensions sheets."""
    from ipss_survey.report.tables import build_tables

    wb = dtcaf_book
    for table in build_tables(dtcaf):
        sheets = ["Dimensions", "Sub-dimensions"] if table.name == "constructs" else [table.sheet]
        for sheet in sheets:
            headers = [c.value for c in wb[sheet][1]]
            assert headers == [c.header for c in table.columns], sheet
        rows = sum(wb[sheet].max_row - 1 for sheet in sheets)
        assert rows == len(table.rows), table.sheet
    acceptance = [c.value for c in wb["Acceptance tests"][1]]
    assert {"Signed-rank mu", "Signed-rank V", "Signed-rank p"} <= set(acceptance)


# --------------------------------------------------------------------------- for evaluators


def test_summary_sheet_has_the_runs_facts_then_the_dimensions_table(dtcaf, dtcaf_book):
    ws = dtcaf_book["Summary"]
    facts = {}
    row = 1
    while ws.cell(row=row, column=1).value is not None:
        facts[ws.cell(row=row, column=1).value] = ws.cell(row=row, column=2).value
        row += 1
    assert facts["Rows"] == "343 analysed of 345 read, 2 excluded"
    assert facts["Grouped by"] == "ministry: 12 groups"
    assert facts["Acceptance threshold"].startswith("50% (significance level 0.05, Holm")
    assert "Acceptance by dimension runs from" in facts["Headline"]
    assert "not official UN DESA thresholds" in facts["Maturity bands"]
    head = row + 1  # one blank line, then the table's header
    header = [c.value for c in ws[head] if c.value is not None]
    assert header[:7] == ["Dimension", "Name", "Items", "n", "Mean", "SD", "Acceptance %"]
    assert {"Acceptance 95% CI low %", "Item range min %", "Maturity", "Alpha"} <= set(header)
    dims = [c for c in dtcaf.constructs if c.level == "dimension"]
    body = [
        dict(zip(header, (c.value for c in ws[head + 1 + i]), strict=False))
        for i in range(len(dims))
    ]
    tests = {t.id: t for t in dtcaf.acceptance_tests if t.target == "construct"}
    for got, c in zip(body, dims, strict=True):
        m = next(m for m in dtcaf.maturity if m.construct == c.id)
        assert got["Dimension"] == c.id and got["Name"] == c.name
        assert got["Acceptance %"] == pytest.approx(c.pct_agree, rel=1e-15)
        assert got["Acceptance 95% CI low %"] == pytest.approx(c.ci_pct_agree[0], rel=1e-15)
        assert got["Acceptance 95% CI high %"] == pytest.approx(c.ci_pct_agree[1], rel=1e-15)
        assert got["Item range max %"] == pytest.approx(c.acceptance_range[1], rel=1e-15)
        assert got["Above threshold"] is tests[c.id].significant
        assert got["Maturity"] == m.label and got["Maturity level"] == m.level
    acceptance = header.index("Acceptance %") + 1
    assert ws.cell(row=head + 1, column=acceptance).number_format == "0.0"
    assert ws.cell(row=head, column=1).alignment.wrap_text  # long headers wrap
    assert ws.print_title_rows == f"${head}:${head}"  # the header repeats on every page
    assert ws.freeze_panes is None  # a frozen block of facts would fill a laptop's screen


def test_charts_are_embedded_as_the_runs_pngs(dtcaf_book, dtcaf_charts):
    """Summary charts below the summary table, every other chart on the Charts sheet, each
    titled in the cell above it and shown at its drawn size."""
    from ipss_survey.report.charts.style import DPI

    summary = dtcaf_book["Summary"]
    charts = dtcaf_book["Charts"]
    by_section = [c for c in dtcaf_charts if c.section == "summary"]
    others = [c for c in dtcaf_charts if c.section != "summary"]
    assert [im._data() for im in summary._images] == [c.png for c in by_section]
    assert [im._data() for im in charts._images] == [c.png for c in others]
    head = next(r for r in range(1, 30) if summary.cell(r, 1).value == "Dimension")
    last = head + sum(1 for c in dtcaf_book["Dimensions"].iter_rows(2))  # the table's last row
    for im, chart in zip(charts._images, others, strict=True):
        row = im.anchor._from.row  # 0-based: the title is in the row above
        assert charts.cell(row=row, column=1).value == chart.title
        assert im.anchor.ext.width == round(im.width / DPI * 914400)
    assert summary._images[0].anchor._from.row >= last  # below the table (0-based row)


def test_every_sheet_prints_on_a4_fitted_to_its_width(dtcaf_book):
    for ws in dtcaf_book.worksheets:
        setup = ws.page_setup
        assert setup.paperSize == 9, ws.title  # A4
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        wide = ws.max_column >= 9 and ws.title != "Charts"
        assert setup.orientation == ("landscape" if wide else "portrait"), ws.title


def test_every_column_has_a_width_and_numbers_a_format(dtcaf_book):
    formats = {"Count of 5": "0", "Mean": "0.00", "Agree %": "0.0"}
    items = dtcaf_book["Items"]
    header = [c.value for c in items[1]]
    for name, fmt in formats.items():
        assert items.cell(row=2, column=header.index(name) + 1).number_format == fmt, name
    tests = dtcaf_book["Acceptance tests"]
    header = [c.value for c in tests[1]]
    assert tests.cell(row=2, column=header.index("p adj.") + 1).number_format == "0.0000"
    for ws in dtcaf_book.worksheets:
        if ws.title == "Charts":
            continue
        widths = {k: d.width for k, d in ws.column_dimensions.items()}
        from openpyxl.utils import get_column_letter

        for j in range(1, ws.max_column + 1):
            assert widths.get(get_column_letter(j), 0) >= 4, (ws.title, j)


def test_xlsx_draws_its_own_charts_when_none_are_given(mini, mini_csv):
    res = analyze(mini_csv, mini, Options())
    wb = load_workbook(io.BytesIO(xlsx_bytes(res)))
    assert len(wb["Summary"]._images) == 2  # maturity and acceptance by dimension
    assert len(wb["Charts"]._images) == 6
    assert "Charts" not in _book(res).sheetnames  # charts=[]: a workbook without images


# --------------------------------------------------------------------------- open answers


def test_themes_answers_and_classes_sheets(managers, collaborative):
    """Themes (with the theme chart), every answer with one 1/blank column per theme for
    recoding by hand, and the classes with the unclassified and unmatched cases."""
    wb = _book(managers)
    (q,) = managers.open_answers
    themes = _rows(wb["Themes"])
    overall = [r for r in themes if r["Row"] == "theme" and r["Group"] is None]
    assert [r["Theme"] for r in overall] == q.theme_ids
    entries = {t.theme: t for t in managers.themes}
    for r in overall:
        assert r["Respondents"] == entries[r["Theme"]].respondents
        assert r["% of those who answered"] == pytest.approx(entries[r["Theme"]].pct)
        assert r["Answered"] == q.nonempty
    (rest,) = [r for r in themes if r["Row"] == "unmatched"]
    assert rest["Respondents"] == q.unmatched
    assert rest["% of those who answered"] == pytest.approx(q.pct_unmatched)
    per_group = [r for r in themes if r["Group"] is not None]
    assert len(per_group) == len(q.theme_ids) * len(managers.groups)
    answers = _rows(wb["Answers"])
    assert len(answers) == len(q.coded) == q.nonempty
    for row, a in zip(answers, q.coded, strict=True):
        assert (row["Row"], row["Id"], row["Group"]) == (a.row, a.id, a.group)
        assert row["Answer"] == a.answer and row["Themes"] == ("; ".join(a.themes) or None)
        assert [t for t in q.theme_ids if row[t] == 1] == a.themes
        assert all(row[t] in (1, None) for t in q.theme_ids)
    assert "Themes" not in wb.sheetnames[:4] and "Open answers" not in wb.sheetnames
    drawn = load_workbook(io.BytesIO(xlsx_bytes(managers)))
    assert len(drawn["Themes"]._images) == 1  # the theme chart, below the table
    classes = _rows(_book(collaborative)["Classes"])
    (c,) = collaborative.classifications
    assert [r["Class"] for r in classes if r["Row"] in ("class", "otherwise")] == [
        k.id for k in c.classes
    ]
    assert sum(r["Count"] for r in classes) == c.n
    (unclassified,) = [r for r in classes if r["Row"] == "unclassified"]
    assert unclassified["Count"] == c.unclassified
    assert unclassified["% of cases"] == pytest.approx(c.pct_unclassified)


def test_answers_from_the_data_never_run_as_formulas(managers):
    (q,) = managers.open_answers
    coded = [replace(a, answer=HOSTILE[i % len(HOSTILE)]) for i, a in enumerate(q.coded)]
    res = replace(managers, open_answers=[replace(q, coded=coded)])
    wb = _book(res)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
    col = [c.value for c in wb["Answers"][1]].index("Answer") + 1
    cell = wb["Answers"].cell(row=2, column=col)
    assert cell.value == HOSTILE[0] and cell.quotePrefix


def test_weighted_figures_say_so(weighted_mini):
    wb = _book(weighted_mini)
    dims = [c.value for c in wb["Dimensions"][1]]
    assert "Acceptance % (weighted)" in dims and "Mean (weighted)" in dims
    assert "Agree % (weighted)" in [c.value for c in wb["Items"][1]]
    assert "Acceptance % (weighted)" in [c.value for c in wb["Acceptance tests"][1]]
    ws = wb["Summary"]
    facts = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, 12)}
    assert facts["Headline"].startswith("Weighted acceptance by dimension")
    assert "weights 'w'" in facts["Survey design"]


def test_written_with_the_charts_the_run_drew_once(dtcaf, tmp_path, monkeypatch):
    """write_reports hands the workbook the PNGs it drew for the HTML report (drawing them
    again for the workbook doubled a full run's time); a workbook alone still has them."""
    import ipss_survey.report.xlsx as xlsx_module
    from ipss_survey.report.write import write_reports

    def again(*args, **kwargs):
        raise AssertionError("the workbook drew the charts again")

    monkeypatch.setattr(xlsx_module, "render_charts", again)
    for formats in ("xlsx,html", "xlsx"):
        out = tmp_path / formats.replace(",", "-")
        write_reports(dtcaf, out, formats, processes=1)
        book = load_workbook(out / "report.xlsx")
        assert sum(len(ws._images) for ws in book.worksheets) >= 10, formats
        assert not (out / "charts").exists() or formats != "xlsx"
