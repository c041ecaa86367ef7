"""What a user sees when something is wrong or unusual: the output folder, a data file given as
an instrument, group spellings, help text, --json. Each message is pinned with its exit code.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from ipss_survey.cli import app
from ipss_survey.errors import ExitCode
from tests.paths import DATA

MINI = DATA / "mini.yaml"
runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def error_line(result) -> str:
    """The one stderr line of a failed run (and nothing on stdout)."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# --------------------------------------------------------------- point 1: --out checked first


def test_out_that_is_a_file_fails_before_the_data_are_read(tmp_path):
    taken = tmp_path / "survey.csv"
    taken.write_text("not a folder")
    # The data file does not exist: the --out message proves the data were never read.
    r = run("analyze", tmp_path / "absent.csv", "-i", MINI, "-o", taken)
    assert r.exit_code == ExitCode.BAD_INPUT
    assert error_line(r) == (
        f"error: --out {taken}: is a file, not a folder; give a folder (created if need be), "
        f"e.g. --out {tmp_path / 'survey-reports'}"
    )
    assert taken.read_text() == "not a folder"


def test_out_under_a_file(tmp_path):
    taken = tmp_path / "survey.csv"
    taken.write_text("x")
    r = run("analyze", tmp_path / "absent.csv", "-i", MINI, "-o", taken / "sub")
    assert r.exit_code == ExitCode.BAD_INPUT
    assert error_line(r) == (
        f"error: --out {taken / 'sub'}: {taken} is a file, not a folder; choose a folder you "
        "can write to with --out"
    )


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_out_that_cannot_be_created():
    r = run("analyze", DATA / "mini.csv", "-i", MINI, "-o", "/proc/nope")
    assert r.exit_code == ExitCode.BAD_INPUT
    assert error_line(r) == (
        "error: --out /proc/nope: cannot create files in /proc (No such file or directory); "
        "choose a folder you can write to with --out"
    )


def test_report_checks_its_out_folder_too(tmp_path):
    taken = tmp_path / "file"
    taken.write_text("x")
    r = run("report", tmp_path / "results.json", "-o", taken)
    assert r.exit_code == ExitCode.BAD_INPUT
    assert error_line(r).startswith(f"error: --out {taken}: is a file, not a folder; ")


# ----------------------------------------------------- point 2: a data file as an instrument


def _data_advice(name: str) -> str:
    return (
        f"not an instrument: give it as the data file (ipss-survey analyze {name} --instrument "
        "ID), and give --instrument a built-in id (ipss-survey instruments list), an instrument "
        ".yaml file or an XLSForm .xlsx"
    )


def test_data_csv_as_instrument_is_one_short_line(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("id," + ",".join(f"Q{i}" for i in range(5000)) + "\n1,2\n" * 2000)
    r = run("analyze", DATA / "mini.csv", "--instrument", data, "-o", tmp_path / "out")
    assert r.exit_code == ExitCode.BAD_INPUT
    assert error_line(r) == f"error: {data}: is a data file (.csv), {_data_advice('data.csv')}"


def test_instruments_check_of_a_data_file():
    r = run("instruments", "check", DATA / "mini.csv")
    assert r.exit_code == ExitCode.BAD_INPUT
    assert error_line(r) == (
        f"error: {DATA / 'mini.csv'}: is a data file (.csv), {_data_advice('mini.csv')}"
    )


def test_a_table_under_another_name_quotes_only_its_first_characters(tmp_path):
    data = tmp_path / "survey.txt"
    header = "respondent_id,municipality," + ",".join(f"SUP{i:02}" for i in range(1, 400))
    data.write_text(header + "\n" + "\n".join("SM1,George," + "4," * 399 for _ in range(100)))
    r = run("instruments", "check", data)
    assert r.exit_code == ExitCode.BAD_INPUT
    assert error_line(r) == (
        f"error: {data}: is a data table (first line 'respondent_id,municipality,SUP01,SUP0...'), "
        + _data_advice("survey.txt")
    )


def test_a_workbook_that_is_no_xlsform(tmp_path):
    book = tmp_path / "survey.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Responses"
    wb.active.append(["id", "A1"])
    wb.save(book)
    r = run("analyze", DATA / "mini.csv", "--instrument", book, "-o", tmp_path / "out")
    assert r.exit_code == ExitCode.BAD_INPUT
    assert error_line(r) == (
        f"error: {book}: the workbook has no 'survey' sheet (sheets: Responses), so it is not "
        "an XLSForm (sheets survey, choices, settings); if it holds answers, give it as the "
        "data file (ipss-survey analyze survey.xlsx --instrument ID)"
    )


def test_a_data_entry_template_as_instrument(tmp_path):
    entry = tmp_path / "entry.xlsx"
    assert run("instruments", "template", "dtcaf", "--out", entry).exit_code == 0
    r = run("analyze", DATA / "mini.csv", "--instrument", entry, "-o", tmp_path / "out")
    assert r.exit_code == ExitCode.BAD_INPUT
    assert error_line(r) == (
        f"error: {entry}: is a data-entry template, not an XLSForm: give it as the data file "
        "(ipss-survey analyze entry.xlsx); it names its own instrument"
    )


@pytest.mark.parametrize(
    ("name", "content", "what"),
    [
        ("legacy.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100, "is an old-style .xls workbook"),
        ("form.yaml", b"PK\x03\x04" + b"\0" * 100, "is a zip file (an Excel .xlsx workbook?)"),
        ("form.yaml", b"$FL2" + b"\0" * 100, "is an SPSS data file, not an instrument"),
        ("form.yaml", b"\xff\xfe\x00garbage\x9c", "is not UTF-8 text: an instrument is a YAML"),
    ],
)
def test_binary_files_as_instruments_get_the_right_advice(tmp_path, name, content, what):
    path = tmp_path / name
    path.write_bytes(content)
    r = run("instruments", "check", path)
    assert r.exit_code == ExitCode.BAD_INPUT
    line = error_line(r)
    assert line.startswith(f"error: {path}: {what}")
    assert "save it as UTF-8" not in line or "not UTF-8" in what
    assert f"ipss-survey analyze {name} --instrument ID" in line


def test_mistyped_instrument_id_gets_did_you_mean(tmp_path):
    r = run("analyze", DATA / "mini.csv", "-i", "ipss-senior-manager", "-o", tmp_path)
    assert r.exit_code == ExitCode.BAD_INPUT
    assert error_line(r).startswith(
        "error: ipss-senior-manager: no built-in instrument with this id and no such file; "
        "did you mean 'ipss-senior-managers'? built-in ids: cgr-performance, "
    )


# ------------------------------------------------------------ point 4: group label spellings


def test_group_spellings_are_merged_with_a_note(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text(
        "id,city,A1,A2,A3,B1,B2,B3,Y1\n"
        "r1,Cape Town,5,1,4,4,4,3,1\n"
        "r2, cape town ,4,2,4,3,2,5,1\n"
        "r3,CAPE  TOWN,1,5,2,2,2,1,0\n"
        "r4,George,3,3,3,1,2,2,0\n"
    )
    r = run("analyze", data, "-i", MINI, "-g", "city", "-o", tmp_path / "out", "-f", "json")
    assert r.exit_code == ExitCode.OK, r.output
    assert (
        "note: 'city': 'cape town', 'CAPE  TOWN' counted as 'Cape Town' (group labels are "
        "matched ignoring case and spaces)"
    ) in r.stderr
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [(g["group"], g["n"]) for g in doc["groups"]] == [("Cape Town", 3), ("George", 1)]


# ------------------------------------------------------------------- point 10: conventions


def test_analyze_help_groups_options_in_panels_with_named_placeholders():
    r = run("analyze", "--help")
    assert r.exit_code == 0
    for panel in ("Input", "Analysis", "Survey design", "Output", "CI"):
        assert f"─ {panel} " in r.stdout, panel
    words = r.stdout.split()
    for option, metavar in [
        ("--instrument", "ID|FILE"),
        ("--out", "FOLDER"),
        ("--threshold", "PERCENT"),
        ("--group", "COLUMN"),
        ("--columns", "FILE"),
        ("--fail-under", "PERCENT|LEVEL"),
    ]:
        at = [i for i, w in enumerate(words) if w == option]
        assert any(metavar in words[i + 1 : i + 4] for i in at), option
    assert "<str>" not in r.stdout and "<float>" not in r.stdout and "<int>" not in r.stdout
    assert "Example: ipss-survey analyze responses.sav" in r.stdout


def test_version_short_flag_and_completion():
    r = run("-V")
    assert r.exit_code == 0 and r.stdout.startswith("ipss-survey ")
    r = run("--help")
    assert "--install-completion" in r.stdout and "--show-completion" in r.stdout


def test_json_alone_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("analyze", DATA / "mini.csv", "-i", MINI, "--json")
    assert r.exit_code == ExitCode.OK, r.output
    assert json.loads(r.stdout)["data"]["rows_analysed"] == 7
    assert list(tmp_path.iterdir()) == []


def test_json_with_format_or_out_writes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("analyze", DATA / "mini.csv", "-i", MINI, "--json", "--format", "md")
    assert r.exit_code == ExitCode.OK, r.output
    assert (tmp_path / "reports" / "mini" / "summary.md").is_file()
    r = run("analyze", DATA / "mini.csv", "-i", MINI, "--json", "--out", "o", "-f", "json")
    assert r.exit_code == ExitCode.OK, r.output
    assert json.loads((tmp_path / "o" / "results.json").read_text()) == json.loads(r.stdout)
