"""Which instrument and options a run uses: --instrument, an XLSForm, a filled template."""

from __future__ import annotations

import openpyxl

from ipss_survey.fielding.template import template_bytes
from ipss_survey.fielding.xlsform import xlsform_bytes
from ipss_survey.instrument import builtin_instrument
from ipss_survey.pipeline import Options, analyze
from ipss_survey.pipeline.inputs import run_inputs

INSTRUMENT = "ipss-senior-managers"


def _filled_template(tmp_path, rows: int = 12):
    """A template filled in as a data-entry clerk would: labels from the drop-downs, some
    codes typed, a municipality per row."""
    inst = builtin_instrument(INSTRUMENT)
    path = tmp_path / "entry.xlsx"
    path.write_bytes(template_bytes(inst, group_column="municipality", rows=rows))
    wb = openpyxl.load_workbook(path)
    ws = wb["Data"]
    header = [c.value for c in ws[1]]
    towns = ["Cape Town", "George", "Drakenstein"]
    codes = {it.code for it in inst.items}
    for r in range(rows):
        for j, name in enumerate(header, start=1):
            if j == 1:
                ws.cell(r + 2, j, f"R{r + 1}")
            elif name == "municipality":
                ws.cell(r + 2, j, towns[r % 3])
            elif name not in codes:  # an open-ended question: left empty
                continue
            else:
                scale = inst.item(name).scale
                point = scale.points[(r + j) % len(scale.points)]
                ws.cell(r + 2, j, scale.labels[point] if r % 2 else point)
    wb.save(path)
    return path, inst


def test_a_filled_template_supplies_instrument_sheet_and_columns(tmp_path):
    path, _ = _filled_template(tmp_path)
    inputs = run_inputs(path, None, Options())
    assert inputs.instrument.id == INSTRUMENT
    assert inputs.options.sheet == "Data"
    assert inputs.options.group == "municipality"
    assert inputs.options.id_column is not None
    assert "data-entry template" in inputs.notes[0] and "'municipality'" in inputs.notes[0]
    results = analyze(path, inputs.instrument, inputs.options)
    assert results.data.rows_read == results.data.rows_analysed == 12
    assert [g.group for g in results.groups] == ["Cape Town", "Drakenstein", "George"]
    # labels and typed codes are the same answers: each item's counts add up to the rows
    assert all(it.n == 12 for it in results.items)
    assert not [w for w in results.data.warnings if w.code == "sheet_choice"]


def test_options_given_win_over_the_template(tmp_path):
    path, _ = _filled_template(tmp_path)
    inputs = run_inputs(path, "dtcaf", Options(group="respondent_id"))
    assert inputs.instrument.id == "dtcaf"
    assert inputs.options.group == "respondent_id"
    assert "instrument" not in inputs.notes[0].split(":", 1)[1]


def test_an_xlsform_as_instrument(tmp_path):
    form = tmp_path / "form.xlsx"
    form.write_bytes(xlsform_bytes(builtin_instrument(INSTRUMENT)))
    inputs = run_inputs(None, str(form), Options())
    assert [i.code for i in inputs.instrument.items] == [
        i.code for i in builtin_instrument(INSTRUMENT).items
    ]
    assert inputs.notes == ()  # a form this tool wrote leaves nothing to guess


def test_without_instrument_or_template_the_default_is_dtcaf(tmp_path):
    assert run_inputs(None, None, Options()).instrument.id == "dtcaf"
