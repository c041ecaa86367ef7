"""Column diagnostics: every way the file's columns and the instrument's codes (and a
--columns mapping) can fail to meet has its own one-line message, pinned here with its exit
code as the command line prints it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ipss_survey.cli import app
from ipss_survey.errors import ExitCode
from tests.paths import DATA

MINI = DATA / "mini.yaml"
ROWS = ["r1,x,5,1,4,4,4,3,1", "r2,y,4,2,4,3,2,5,0", "r3,y,2,4,5,5,5,4,1"]


def data_file(folder: Path, header: str, name: str = "d.csv") -> Path:
    path = folder / name
    path.write_text("\n".join([header, *ROWS]) + "\n")
    return path


def analyze(data: Path, *extra: object):
    out = data.parent / "out"
    args = ["analyze", str(data), "-i", str(MINI), "-o", str(out), "-f", "json", *map(str, extra)]
    return CliRunner().invoke(app, args)


def error_of(result) -> str:
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def mapping(folder: Path, text: str) -> Path:
    path = folder / "map.yaml"
    path.write_text(text)
    return path


def test_other_codes_list_the_files_columns_beside_the_instruments(tmp_path):
    data = data_file(tmp_path, "id,Q1,Q2,Q3,Q4,Q5,Q6,Q7,Q8")
    assert error_of(analyze(data)) == (
        f"error: {data}: columns: none of the 7 item column(s) of instrument 'mini' is in the "
        "file; the file's columns are id, Q1, Q2, Q3, Q4, Q5, Q6, Q7, Q8, the instrument's "
        "codes A1, A2, A3, B1, B2, B3, Y1: map them with --columns map.yaml (lines such as "
        "'Q1: A1'), or check that this is the right --instrument"
    )


def test_a_mapping_to_a_code_that_does_not_exist(tmp_path):
    data = data_file(tmp_path, "id,team,Q1,A2,A3,B1,B2,B3,Y1")
    m = mapping(tmp_path, "Q1: A01\n")
    assert error_of(analyze(data, "--columns", m)) == (
        f"error: {m}: line 'Q1: A01': 'A01' is no item code of instrument 'mini' (nor a "
        "question, or a column an option names); did you mean 'A1'? item codes: A1, A2, A3, "
        "B1, B2, B3, Y1; correct the line or remove it"
    )


def test_a_mapping_that_renames_a_good_column_away(tmp_path):
    data = data_file(tmp_path, "id,team,A1,A2,A3,B1,B2,B3,Y1")
    m = mapping(tmp_path, "A1: ZZ9\n")
    assert error_of(analyze(data, "--columns", m)) == (
        f"error: {m}: line 'A1: ZZ9': 'ZZ9' is no item code of instrument 'mini' (nor a "
        "question, or a column an option names); item codes: A1, A2, A3, B1, B2, B3, Y1; "
        "correct the line or remove it"
    )


def test_a_mapping_may_name_the_group_and_id_columns(tmp_path):
    data = data_file(tmp_path, "key,unit,Q1,A2,A3,B1,B2,B3,Y1")
    m = mapping(tmp_path, "Q1: A1\nunit: team\nkey: person\n")
    r = analyze(data, "--columns", m, "--group", "team", "--id", "person")
    assert r.exit_code == ExitCode.OK, r.output


def test_a_mapping_from_a_column_that_does_not_exist(tmp_path):
    data = data_file(tmp_path, "id,team,Q1,A2,A3,B1,B2,B3,Y1")
    m = mapping(tmp_path, "Q01: A1\n")
    assert error_of(analyze(data, "--columns", m)) == (
        f"error: {data}: columns: 1 item column(s) of instrument 'mini' are missing: A1; "
        f"{m} maps 'Q01' to A1, but {data} has no column 'Q01'; correct the line (the file's "
        "columns: id, team, Q1, A2, A3, B1, B2, B3, Y1)"
    )


def test_a_mapping_line_whose_column_is_absent_is_a_warning_when_nothing_is_missing(tmp_path):
    import json

    data = data_file(tmp_path, "id,team,A1,A2,A3,B1,B2,B3,Y1")
    m = mapping(tmp_path, "A_1: A1\n")
    r = analyze(data, "--columns", m)
    assert r.exit_code == ExitCode.OK, r.output
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    (w,) = [w for w in doc["data"]["warnings"] if w["code"] == "mapped_column_absent"]
    assert w["message"] == (
        f"{m}: line 'A_1: A1': {data} has no column 'A_1' (did you mean 'A1'?); the line is ignored"
    )


def test_two_columns_mapped_to_one_code(tmp_path):
    data = data_file(tmp_path, "id,team,Q1,Q2,A3,B1,B2,B3,Y1")
    m = mapping(tmp_path, "Q1: A1\nQ2: A1\n")
    assert error_of(analyze(data, "--columns", m)) == (
        f"error: {data}: {m} maps both 'Q1' (column 3) and 'Q2' (column 4) to item 'A1'; map "
        "each column to its own code"
    )


def test_a_column_mapped_to_a_code_another_column_already_has(tmp_path):
    data = data_file(tmp_path, "id,team,A1,Q2,A3,B1,B2,B3,Y1")
    m = mapping(tmp_path, "Q2: A1\n")
    assert error_of(analyze(data, "--columns", m)) == (
        f"error: {data}: {m} maps 'Q2' (column 4) to item 'A1', but column 3 is 'A1' itself; "
        "map or rename that column too, or remove the line"
    )


def test_two_columns_with_the_same_name(tmp_path):
    data = data_file(tmp_path, "id,team,A1,A1,A3,B1,B2,B3,Y1")
    assert error_of(analyze(data)) == (
        f"error: {data}: columns 3 and 4 are both named 'A1' (item 'A1'); rename one of them "
        "in the file"
    )


def test_two_spellings_of_one_name(tmp_path):
    data = data_file(tmp_path, "id,team,A1,A2,A3,B1,B2,B3,Y1,a 1")
    text = data.read_text().splitlines()
    data.write_text("\n".join([text[0], *(row + ",3" for row in text[1:])]) + "\n")
    assert error_of(analyze(data)) == (
        f"error: {data}: columns 3 and 10 ('A1' and 'a 1') both match item 'A1' (names are "
        "compared ignoring case and spaces); rename or remove one, or map them with --columns"
    )


def test_some_columns_missing_lists_the_others(tmp_path):
    data = data_file(tmp_path, "id,team,A1,A2,A3,B1,Bx2,B3,Yes1")
    assert error_of(analyze(data)) == (
        f"error: {data}: columns: 2 item column(s) of instrument 'mini' are missing: B2, Y1; "
        "rename those columns or map them with --columns map.yaml (the file's other columns: "
        "id, team, Bx2, Yes1)"
    )
