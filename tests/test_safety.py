"""Hostile input: YAML never builds objects, data text never runs as a formula, and names from
data never leave --out. (Outputs whole or absent: tests/report/test_atomic.py; huge files
failing fast in bounded memory: tests/read/test_limits.py.)"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipss_survey.cli import app
from tests.paths import DATA

MINI = DATA / "mini.yaml"
HEADER = "id,team,A1,A2,A3,B1,B2,B3,Y1\n"
FAST = ["--format", "json,csv"]
runner = CliRunner()


def analyze(*args: object, every_format: bool = False):
    """The analyze command; only JSON and CSV unless every report format is under test."""
    return runner.invoke(app, ["analyze", *map(str, args), *([] if every_format else FAST)])


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


# --------------------------------------------------------------------------- YAML is data only

PYTHON_TAG = '!!python/object/apply:os.system ["echo pwned > {marker}"]'


def test_instrument_yaml_cannot_construct_objects(tmp_path):
    marker = tmp_path / "pwned"
    inst = tmp_path / "evil.yaml"
    inst.write_text(f"id: {PYTHON_TAG.format(marker=marker)}\ndimensions: []\n")
    r = analyze(DATA / "mini.csv", "-i", inst, "--out", tmp_path / "out")
    assert r.exit_code == 2
    assert "not valid YAML" in r.stderr and str(inst) in r.stderr
    assert not marker.exists()


def test_column_map_yaml_cannot_construct_objects(tmp_path):
    marker = tmp_path / "pwned"
    mapping = tmp_path / "map.yaml"
    mapping.write_text(f"Q1: {PYTHON_TAG.format(marker=marker)}\n")
    r = analyze(DATA / "mini.csv", "-i", MINI, "--columns", mapping, "--out", tmp_path / "o")
    assert r.exit_code == 2
    assert f"{mapping}: not valid YAML" in r.stderr
    assert not marker.exists()


def test_yaml_alias_bomb_fails_fast(tmp_path):
    """A billion-laughs document: aliases nested nine deep would expand to 10^9 items."""
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    bomb = "\n".join(lines)
    inst = tmp_path / "bomb.yaml"
    inst.write_text(bomb + "\nid: x\nscale: {points: [1, 2], agree: [2]}\ndimensions: *a9\n")
    mapping = tmp_path / "bomb-map.yaml"
    mapping.write_text(bomb + "\nQ1: *a9\n")
    r1 = analyze(DATA / "mini.csv", "-i", inst, "--out", tmp_path / "o1")
    r2 = analyze(DATA / "mini.csv", "-i", MINI, "--columns", mapping, "--out", tmp_path / "o2")
    assert r1.exit_code == 2 and "unknown key 'a0'" in r1.stderr
    assert r2.exit_code == 2 and "expected an instrument code" in r2.stderr


# --------------------------------------------------------------------------- formulas

SCRIPT = "<script>alert(1)</script>"
FORMULAS = ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "=cmd|' /C calc'!A0"]


def _formula_csv(tmp_path: Path) -> Path:
    rows = [HEADER]
    for i, text in enumerate(FORMULAS):
        cell = '"' + text.replace('"', '""') + '"'
        rows.append(f"{cell},{cell},5,1,4,4,4,3,1\n")  # id and group are formulas
        rows.append(f"{cell},{cell},=1+{i},1,4,4,4,3,1\n")  # a duplicate id, a formula answer
    path = tmp_path / "formulas.csv"
    path.write_text("".join(rows), encoding="utf-8")
    return path


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_text_from_data_never_becomes_a_formula(tmp_path):
    """Every output cell that starts like a formula is a number or carries the ' prefix;
    every report format the command writes is checked (CSV, XLSX, HTML, Markdown)."""
    out = tmp_path / "out"
    data = _formula_csv(tmp_path)
    with data.open("a", encoding="utf-8") as fh:  # and markup as a group name
        fh.write(f"s1,{SCRIPT},5,1,4,4,4,3,1\n")
    r = analyze(data, "-i", MINI, "--group", "team", "--out", out, every_format=True)
    assert r.exit_code == 0, r.output
    for path in out.rglob("*.xlsx"):
        _assert_no_formula_cells(path.read_bytes())
    for path in [*out.rglob("*.html"), *out.rglob("*.md")]:
        assert SCRIPT not in path.read_text(encoding="utf-8"), path.name
    risky = ("=", "+", "-", "@", "\t", "\r")
    seen_groups = set()
    for path in out.glob("*.csv"):
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
            for cell in row:
                assert not cell.startswith(risky) or _is_number(cell), (path.name, cell)
                if cell.startswith("'"):
                    seen_groups.add(cell[1:])
    # The group tables and the excluded-row ids carried the formula text (a leading tab is
    # whitespace, stripped from group names and ids like any other).
    assert {f for f in FORMULAS if f == f.strip()} <= seen_groups
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert {g["group"] for g in doc["groups"]} == {f.strip() for f in FORMULAS} | {SCRIPT}


def _assert_no_formula_cells(data: bytes) -> set[str]:
    import openpyxl

    texts = set()
    for ws in openpyxl.load_workbook(io.BytesIO(data)).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    return texts


def test_xlsx_report_holds_no_formula_cells(tmp_path):
    """The spreadsheet report (when the xlsx writer is present) stores text, never formulas."""
    xlsx = pytest.importorskip("ipss_survey.report.xlsx")
    from ipss_survey.instrument import load_instrument
    from ipss_survey.pipeline import Options
    from ipss_survey.pipeline import analyze as run

    results = run(_formula_csv(tmp_path), load_instrument(MINI), Options(group="team"))
    texts = _assert_no_formula_cells(xlsx.xlsx_bytes(results))
    assert set(FORMULAS) & texts  # the texts are there, as plain strings


# --------------------------------------------------------------------------- names from data


def test_hostile_group_names_write_nothing_outside_out(tmp_path):
    work = tmp_path / "work"
    (work / "deep" / "deeper").mkdir(parents=True)
    names = ["../../etc", "..", "CON", "a/b", "/tmp/x", "C:\\evil", ".hidden"]
    body = "".join(
        f'p{i}{k},"{n.replace(chr(34), chr(34) * 2)}",5,1,4,4,4,3,1\n'
        for i, n in enumerate(names)
        for k in range(2)
    )
    data = work / "deep" / "deeper" / "groups.csv"
    data.write_text(HEADER + body)
    before = tree(tmp_path)
    out = work / "deep" / "deeper" / "out"
    r = analyze(data, "-i", MINI, "--group", "team", "--out", out)
    assert r.exit_code == 0, r.output
    after = tree(tmp_path)
    assert {p for p in after - before if not p.startswith("work/deep/deeper/out")} == set()
    doc = json.loads((out / "results.json").read_text())
    assert sorted(g["group"] for g in doc["groups"]) == sorted(names)
