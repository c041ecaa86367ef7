"""report.xlsx read back with openpyxl: sheets, headers, formats, numbers and no formulas."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from ipss_survey.pipeline import Options, analyze
from ipss_survey.read import ExcludedRow
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


def _book(res: Results, **kw):
    return load_workbook(io.BytesIO(xlsx_bytes(res, **kw)))


def _rows(ws) -> list[dict]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(2)]


def test_one_sheet_per_table_with_frozen_bold_headers(dtcaf):
    wb = _book(dtcaf)
    assert wb.sheetnames == [
        "Run info",
        "Items",
        "Constructs",
        "Groups",
        "Group items",
        "Reliability",
        "Reliability items",
        "Acceptance tests",
        "Group tests",
        "Group pairwise",
        "Excluded rows",
        "Warnings",
    ]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.b for c in ws[1] if c.value is not None), ws.title
        assert ws.auto_filter.ref, ws.title
    items = wb["Items"]
    widths = {k: d.width for k, d in items.column_dimensions.items()}
    assert widths["D"] == 60  # statements wrap in a wide column
    assert 6 <= widths["A"] <= 12


def test_numbers_are_the_results_numbers_with_percent_formats(dtcaf):
    wb = _book(dtcaf)
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
    cons = _rows(wb["Constructs"])
    lea = next(r for r in cons if r["Id"] == "LEA")
    assert lea["Maturity"] == "Transformed" and lea["Maturity level"] == 4
    assert lea["Item range min %"] == pytest.approx(dtcaf.constructs[0].acceptance_range[0])
    groups = _rows(wb["Groups"])
    assert len(groups) == sum(len(g.constructs) for g in dtcaf.groups)
    assert groups[0]["Group"] == dtcaf.groups[0].group
    assert groups[0]["Mean"] == pytest.approx(dtcaf.groups[0].constructs[0].mean, rel=1e-15)
    info = {r["Field"]: r["Value"] for r in _rows(wb["Run info"])}
    assert info["Rows analysed"] == 343 and info["Rows excluded"] == 2
    assert "not official UN DESA thresholds" in info["Maturity bands"]
    assert info["Software: openpyxl"]
    assert len(_rows(wb["Warnings"])) == len(dtcaf.data.warnings)
    assert [r["Row"] for r in _rows(wb["Excluded rows"])] == [122, 164]


def test_statistics_sheets_follow_the_contract(dtcaf):
    res = dtcaf
    wb = _book(res)
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


def test_same_results_same_bytes(dtcaf):
    assert xlsx_bytes(dtcaf) == xlsx_bytes(dtcaf)


def test_without_groups_there_are_no_group_sheets(mini, mini_csv):
    res = analyze(mini_csv, mini, Options())
    wb = load_workbook(io.BytesIO(xlsx_bytes(res)))
    assert "Groups" not in wb.sheetnames and "Group tests" not in wb.sheetnames
    items = _rows(wb["Items"])
    assert [r["Reverse-keyed"] for r in items][:2] == [False, True]


def test_the_package_is_well_formed_spreadsheetml(dtcaf):
    """Written directly (not through openpyxl's cell objects): every part parses as XML, the
    parts are listed in [Content_Types].xml and every sheet's filter range is named."""
    import zipfile
    from xml.etree import ElementTree

    data = xlsx_bytes(dtcaf)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert archive.testzip() is None
        parts = {name: ElementTree.fromstring(archive.read(name)) for name in names}
    types = ElementTree.tostring(parts["[Content_Types].xml"], encoding="unicode")
    for name in names:
        if name.startswith("xl/worksheets/") or name.endswith(("workbook.xml", "Strings.xml")):
            assert f'PartName="/{name}"' in types, name
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    book = parts["xl/workbook.xml"]
    sheets = book.findall("m:sheets/m:sheet", ns)
    filters = book.findall("m:definedNames/m:definedName", ns)
    assert len(filters) == len(sheets) == 12
    assert filters[1].text == "'Items'!$A$1:$Y$95"
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


def test_every_sheet_holds_the_columns_of_its_csv_table(dtcaf):
    """One table builder: each sheet has exactly the CSV file's columns (the acceptance
    sheet's signed-rank columns included), in the same order."""
    from ipss_survey.report.tables import build_tables

    wb = _book(dtcaf)
    for table in build_tables(dtcaf):
        headers = [c.value for c in wb[table.sheet][1]]
        assert headers == [c.header for c in table.columns], table.sheet
        assert wb[table.sheet].max_row == len(table.rows) + 1, table.sheet
    acceptance = [c.value for c in wb["Acceptance tests"][1]]
    assert {"Signed-rank mu", "Signed-rank V", "Signed-rank p"} <= set(acceptance)
