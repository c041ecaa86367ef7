"""The data-entry template: what it offers, what the reader takes from it once filled."""

from __future__ import annotations

import io

import openpyxl
import pytest

from ipss_survey.errors import InstrumentError
from ipss_survey.fielding.template import read_template_metadata, template_bytes
from ipss_survey.instrument import builtin_instrument, parse_instrument
from ipss_survey.read import read_table
from tests.xlsforms import RICH_YAML, assert_same_instrument


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def validations(ws) -> dict[str, str]:
    """Column letter -> the drop-down's source range."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[rng.coord.split(":")[0].rstrip("0123456789")] = dv.formula1
    return out


def entries(wb, ref: str) -> list:
    sheet, cells = ref.split("!")
    ws = wb[sheet.strip("'")]
    return [c[0].value for c in ws[cells.replace("$", "")]]


def test_layout_of_the_template():
    inst = builtin_instrument("ipss-senior-managers")
    wb = workbook(template_bytes(inst, group_column="municipality", rows=30))
    assert wb.sheetnames == ["Data", "Codebook", "ipss_template", "ipss_lists"]
    assert [ws.sheet_state for ws in wb.worksheets] == ["visible", "visible", "hidden", "hidden"]
    data = wb["Data"]
    header = [c.value for c in data[1]]
    # The items, then the open-ended question CON_OPEN.
    assert header == ["respondent_id", "municipality"] + [i.code for i in inst.items] + ["CON_OPEN"]
    assert data.freeze_panes == "B2"
    assert all(data.column_dimensions[letter].width for letter in "ABC")
    drops = validations(data)
    assert "A" not in drops and "B" not in drops  # id and group are typed
    assert entries(wb, drops["C"]) == [
        "Strongly Disagree",
        "Disagree",
        "Neutral",
        "Agree",
        "Strongly Agree",
    ]
    ext = header.index("EXT01")
    letter = openpyxl.utils.get_column_letter(ext + 1)
    assert entries(wb, drops[letter]) == ["No", "Yes"]
    dv = next(d for d in data.data_validations.dataValidation if str(d.sqref).startswith("C"))
    assert str(dv.sqref) == "C2:C31" and dv.errorStyle == "warning"


def test_codebook_lists_every_column():
    inst = parse_instrument(RICH_YAML, "rich.yaml")
    wb = workbook(template_bytes(inst))
    rows = list(wb["Codebook"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["Resp ID"] + [i.code for i in inst.items] + [
        q.code for q in inst.questions
    ]
    lea02 = next(r for r in rows if r[0] == "LEA02")
    assert lea02[2] == "Leadership" and lea02[4] == "Leaders do not listen." and lea02[5] == "yes"
    assert lea02[6].startswith("1 = Strongly disagree; 2 = Disagree")
    assert lea02[9] == "8 = Don't know; 9 = Refused; 0"


def test_a_filled_template_is_read_back_as_typed(tmp_path):
    inst = parse_instrument(RICH_YAML, "rich.yaml")
    path = tmp_path / "entry.xlsx"
    path.write_bytes(template_bytes(inst, group_column="office"))
    wb = openpyxl.load_workbook(path)
    ws = wb["Data"]
    header = [c.value for c in ws[1]]
    answers = {
        "Resp ID": ["R1", "R2"],
        "office": ["North", "South"],
        "LEA01": ["Strongly agree", "Don't know"],
        "SAT01": ["Very satisfied", -1],
        "SAT02": ["Yes", "No"],
        "muni": ["Cape Town", "George"],
        "comments": ["Fine", None],
    }
    for code, values in answers.items():
        col = header.index(code) + 1
        for r, value in enumerate(values, start=2):
            ws.cell(r, col).value = value
    wb.save(path)
    table = read_table(path)
    assert table.sheet == "Data"
    for code, values in answers.items():
        got = [None if v != v else v for v in table.frame[code].tolist()]  # NaN as None
        assert got == values, code
    meta = read_template_metadata(path)
    assert meta["id_column"] == "Resp ID" and meta["group_column"] == "office"
    assert meta["builtin"] is False and meta["data_sheet"] == "Data"
    assert_same_instrument(meta["instrument"], inst)


def test_a_built_in_instrument_is_named_not_copied(tmp_path):
    inst = builtin_instrument("dtcaf")
    path = tmp_path / "dtcaf.xlsx"
    path.write_bytes(template_bytes(inst))
    keys = [r[0] for r in workbook(path.read_bytes())["ipss_template"].iter_rows(values_only=True)]
    assert "instrument_yaml" not in keys
    meta = read_template_metadata(path)
    assert meta["builtin"] is True and meta["instrument_id"] == "dtcaf"
    assert meta["instrument"] == inst and meta["id_column"] == "respondent_id"
    assert meta["group_column"] is None


def test_an_instrument_larger_than_a_cell_is_stored_in_pieces(tmp_path):
    long_text = "A statement " * 3000  # one line longer than an Excel cell holds
    body = "".join(
        f'      - {{code: Q{i}, text: "{"=" if i == 0 else ""}{long_text if i < 2 else i}"}}\n'
        for i in range(40)
    )
    text = (
        "id: big\nscale: {points: [1, 2], labels: {1: '=No', 2: 'Yes'}, agree: [2]}\n"
        f"dimensions:\n  - id: A\n    items:\n{body}"
    )
    inst = parse_instrument(text, "big.yaml")
    path = tmp_path / "big.xlsx"
    path.write_bytes(template_bytes(inst))
    keys = [r[0] for r in workbook(path.read_bytes())["ipss_template"].iter_rows(values_only=True)]
    assert keys.count("instrument_yaml+") >= 2
    meta = read_template_metadata(path)
    assert_same_instrument(meta["instrument"], inst)
    wb = workbook(path.read_bytes())
    assert entries(wb, validations(wb["Data"])["B"]) == ["=No", "Yes"]
    assert wb["ipss_lists"]["A1"].data_type == "s"  # text, not a formula


def test_files_that_are_not_templates_give_none(tmp_path):
    (tmp_path / "a.csv").write_text("id,q1\n1,2\n")
    assert read_template_metadata(tmp_path / "a.csv") is None
    openpyxl.Workbook().save(tmp_path / "plain.xlsx")
    assert read_template_metadata(tmp_path / "plain.xlsx") is None
    (tmp_path / "fake.xlsx").write_text("not a zip")
    assert read_template_metadata(tmp_path / "fake.xlsx") is None
    assert read_template_metadata(tmp_path / "missing.xlsx") is None


def test_a_damaged_metadata_sheet_is_an_instrument_error(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(template_bytes(builtin_instrument("dtcaf")))
    wb = openpyxl.load_workbook(path)
    ws = wb["ipss_template"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "instrument_id":
            row[1].value = "gone"
    wb.save(path)
    with pytest.raises(InstrumentError, match="built-in instrument 'gone'"):
        read_template_metadata(path)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"rows": 0}, "rows must be"),
        ({"rows": 2_000_000}, "rows must be"),
        ({"group_column": "SUP01"}, "would appear twice"),
        ({"group_column": "Respondent_ID"}, "would appear twice"),
        ({"group_column": " "}, "needs a name"),
    ],
)
def test_options_a_user_can_get_wrong(kwargs, words):
    with pytest.raises(InstrumentError, match=words):
        template_bytes(builtin_instrument("ipss-senior-managers"), **kwargs)
