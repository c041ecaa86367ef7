"""Writing an instrument as an XLSForm: pyxform converts it, and it reads back unchanged."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from ipss_survey.fielding.xlsform import HIDE_FILTER, xlsform_bytes
from ipss_survey.instrument import builtin_ids, builtin_instrument, parse_instrument
from ipss_survey.instrument.xlsform import read_xlsform
from tests.instrument.test_xlsform import MULTI_CHOICES, MULTI_SURVEY
from tests.xlsforms import RICH_YAML, assert_same_instrument, converts, write_form

XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


def sheet_rows(data: bytes, name: str) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(io.BytesIO(data))[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def exported_and_read(tmp_path, inst):
    data = xlsform_bytes(inst)
    assert converts(data) == []  # pyxform converts it, with no warning
    path = tmp_path / "form.xlsx"
    path.write_bytes(data)
    return data, read_xlsform(path)


@pytest.mark.parametrize("iid", builtin_ids())
def test_built_in_instruments_convert_and_read_back(tmp_path, iid):
    inst = builtin_instrument(iid)
    _, result = exported_and_read(tmp_path, inst)
    assert_same_instrument(result.instrument, inst)
    assert result.notes == ()  # nothing had to be guessed


def test_an_instrument_with_every_field_converts_and_reads_back(tmp_path):
    inst = parse_instrument(RICH_YAML, "rich.yaml")
    data, result = exported_and_read(tmp_path, inst)
    assert_same_instrument(result.instrument, inst)
    assert result.notes == ()
    survey = sheet_rows(data, "survey")
    by_code = {r["ipss_code"] or r["name"]: r for r in survey if r["name"]}
    assert by_code["1a"]["name"] == "_1a" and by_code["Q 7"]["name"] == "Q_7"
    assert by_code["LEA02"]["ipss_reverse"] == "true"
    assert by_code["channels"]["type"].startswith("select_multiple ")
    assert by_code["muni"]["ipss_type"] == "categorical"


def test_every_name_is_a_valid_xlsform_name(tmp_path):
    inst = parse_instrument(RICH_YAML, "rich.yaml")
    data = xlsform_bytes(inst)
    names = [r["name"] for r in sheet_rows(data, "survey") if r["name"]]
    assert all(XML_NAME.fullmatch(n) for n in names), names
    assert len({n.casefold() for n in names}) == len(names)
    lists = {r["list_name"] for r in sheet_rows(data, "choices")}
    assert all(XML_NAME.fullmatch(n) for n in lists), lists
    multi = [r for r in sheet_rows(data, "choices") if r["list_name"] == "channels_options"]
    assert [(r["name"], r["ipss_code"]) for r in multi] == [
        ("web", None),
        ("walk_in", "walk in"),
        ("phone", None),
    ]


def test_one_list_per_distinct_scale_with_the_codes_as_names(tmp_path):
    data = xlsform_bytes(builtin_instrument("ipss-senior-managers"))
    choices = sheet_rows(data, "choices")
    lists = {}
    for r in choices:
        lists.setdefault(r["list_name"], []).append(r["name"])
    assert lists == {
        "scale": ["1", "2", "3", "4", "5", "9"],
        "EXT_scale": ["0", "1", "9"],
        "COL_scale": ["1", "2", "3", "9"],
    }
    settings = sheet_rows(data, "settings")[0]
    assert settings["form_id"] == "ipss-senior-managers" and settings["ipss_scale"] == "scale"


def test_unlabelled_missing_codes_are_hidden_from_respondents(tmp_path):
    data = xlsform_bytes(builtin_instrument("dtcaf"))
    hidden = [r for r in sheet_rows(data, "choices") if r["ipss_hidden"] == "true"]
    assert [r["name"] for r in hidden] == ["0", "9"]
    items = [r for r in sheet_rows(data, "survey") if str(r["type"]).startswith("select_one")]
    assert items and all(r["choice_filter"] == HIDE_FILTER for r in items)
    from pyxform.xls2xform import convert

    xform = convert(data, file_type=".xlsx").xform
    assert "item[not(ipss_hidden = 'true')]" in xform


def test_labelled_missing_codes_are_offered(tmp_path):
    inst = parse_instrument(RICH_YAML, "rich.yaml")
    choices = [r for r in sheet_rows(xlsform_bytes(inst), "choices") if r["list_name"] == "scale"]
    shown = {r["name"]: r["label"] for r in choices if r["ipss_hidden"] != "true"}
    assert shown["8"] == "Don't know" and shown["9"] == "Refused" and "0" not in shown


def test_a_form_read_from_kobo_exports_back_to_the_same_instrument(tmp_path):
    first = read_xlsform(write_form(tmp_path / "kobo.xlsx", MULTI_SURVEY, MULTI_CHOICES))
    _, again = exported_and_read(tmp_path, first.instrument)
    assert_same_instrument(again.instrument, first.instrument)


def test_a_point_worded_like_no_answer_stays_a_point(tmp_path):
    text = """\
id: na-point
scale:
  points: [1, 2, 3]
  labels: {1: Never, 2: Sometimes, 3: Not applicable}
  agree: [2]
dimensions: [{id: A, items: [Q1]}]
"""
    inst = parse_instrument(text, "na.yaml")
    _, result = exported_and_read(tmp_path, inst)
    assert_same_instrument(result.instrument, inst)
