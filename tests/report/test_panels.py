"""The "where the panel disagrees" worksheet: items ranked by rwg per group, flagged under
the cut-off, with the answers' spread, as CSV and printable HTML."""

from __future__ import annotations

import csv
import io

import pytest

from ipss_survey.instrument import builtin_instrument, sample_path
from ipss_survey.pipeline import Options, analyze
from ipss_survey.report.panels import disagreement_csv, disagreement_rows, panels_html


@pytest.fixture(scope="module")
def dtcaf():
    inst = builtin_instrument("dtcaf")
    return analyze(sample_path(inst.id), inst, Options(group="ministry", rwg_cutoff=0.5))


def test_each_group_lists_every_item_least_agreed_first(dtcaf):
    rows = disagreement_rows(dtcaf)
    assert len(rows) == 12 * 94
    for g in dtcaf.groups:
        mine = [r for r in rows if r.group == g.group]
        values = [r.rwg for r in mine if r.rwg is not None]
        assert values == sorted(values)
        assert all(r.flagged == (r.rwg is not None and r.rwg < 0.5) for r in mine)
        item = next(it for it in g.items if it.code == mine[0].code)
        assert mine[0].counts == item.counts  # the spread shown is the group's own counts
    found = {(a.group, i.code): i.rwg for a in dtcaf.agreement for i in a.items}
    assert all(found[(r.group, r.code)] == r.rwg for r in rows)


def test_csv_ranks_within_groups_and_html_has_a_page_per_group(dtcaf):
    table = list(csv.DictReader(io.StringIO(disagreement_csv(dtcaf).decode())))
    assert table[0]["rank"] == "1" and table[93]["rank"] == "94" and table[94]["rank"] == "1"
    assert {"count_1", "count_5", "flagged"} <= set(table[0])
    page = panels_html(dtcaf)
    assert page.count("<section>") == 12
    assert "Cut-off here: 0.5." in page
    assert page.count("class=flag") == sum(r.flagged for r in disagreement_rows(dtcaf))


def test_without_groups_there_is_nothing_to_rank():
    inst = builtin_instrument("dtcaf")
    res = analyze(sample_path(inst.id), inst, Options())
    assert disagreement_rows(res) == []
    assert "run analyze with --group" in panels_html(res)


def test_written_beside_the_report_only_when_there_are_panels(dtcaf, tmp_path):
    from ipss_survey.report.write import write_reports

    grouped = write_reports(dtcaf, tmp_path / "g", formats="csv,html", processes=1)
    names = {p.name for p in grouped}
    assert {"panel_disagreement.csv", "panels.html"} <= names
    assert (tmp_path / "g" / "panel_disagreement.csv").read_bytes() == disagreement_csv(dtcaf)
    only_json = write_reports(dtcaf, tmp_path / "j", formats="json", processes=1)
    assert [p.name for p in only_json] == ["results.json"]
    inst = builtin_instrument("dtcaf")
    alone = analyze(sample_path(inst.id), inst, Options())
    names = {p.name for p in write_reports(alone, tmp_path / "a", formats="csv,html")}
    assert not names & {"panel_disagreement.csv", "panels.html"}


def test_the_command_line_cutoff_reaches_the_worksheet(tmp_path):
    from typer.testing import CliRunner

    from ipss_survey.cli import app

    out = tmp_path / "r"
    args = ["analyze", "-i", "dtcaf", "--group", "ministry", "--out", str(out)]
    done = CliRunner().invoke(app, [*args, "--format", "csv", "--rwg-cutoff", "0.3"])
    assert done.exit_code == 0, done.output
    text = (out / "panel_disagreement.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and all(
        (r["flagged"] == "True") == (float(r["rwg"]) < 0.3) for r in rows if r["rwg"]
    )
    bad = CliRunner().invoke(app, [*args, "--format", "csv", "--rwg-cutoff", "1.5"])
    assert bad.exit_code == 2
    assert "--rwg-cutoff must lie between 0 and 1" in bad.output


def test_the_workbook_has_the_worksheet_as_its_panels_sheet(dtcaf):
    import openpyxl

    from ipss_survey.report.xlsx import xlsx_bytes

    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(dtcaf, charts=[])))
    assert book.sheetnames[-1] == "Panels"
    sheet = book["Panels"]
    header = [c.value for c in sheet[1]]
    assert header[:7] == ["Group", "Rank", "Item", "Statement", "rwg", "n", "Under 0.50"]
    table = list(csv.DictReader(io.StringIO(disagreement_csv(dtcaf).decode())))
    assert sheet.max_row == len(table) + 1
    first = [c.value for c in sheet[2]]
    assert first[2] == table[0]["code"] and first[4] == pytest.approx(float(table[0]["rwg"]))
    inst = builtin_instrument("dtcaf")
    alone = analyze(sample_path(inst.id), inst, Options())
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(alone, charts=[])))
    assert "Panels" not in book.sheetnames
