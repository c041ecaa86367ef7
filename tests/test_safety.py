"""Hostile input: YAML never builds objects, data text never runs as a formula, names from data
never leave --out, outputs are whole or absent, and huge files fail fast in bounded memory."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipss_survey import readers
from ipss_survey.cli import app
from ipss_survey.errors import DataError
from ipss_survey.readers import Limits, read_table
from ipss_survey.report import atomic
from ipss_survey.report.paths import path_in, safe_filename, unique_filenames

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini.yaml"
HEADER = "id,team,A1,A2,A3,B1,B2,B3,Y1\n"
runner = CliRunner()


def _analyze_has(option: str) -> bool:
    import typer.main

    command = typer.main.get_command(app).commands["analyze"]  # type: ignore[attr-defined]
    return any(option in p.opts for p in command.params)


FAST = ["--format", "json,csv"] if _analyze_has("--format") else []


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
    started = time.perf_counter()
    r1 = analyze(DATA / "mini.csv", "-i", inst, "--out", tmp_path / "o1")
    r2 = analyze(DATA / "mini.csv", "-i", MINI, "--columns", mapping, "--out", tmp_path / "o2")
    assert time.perf_counter() - started < 10
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
    from ipss_survey.analysis import Options
    from ipss_survey.analysis import analyze as run
    from ipss_survey.instrument import load_instrument

    results = run(_formula_csv(tmp_path), load_instrument(MINI), Options(group="team"))
    texts = _assert_no_formula_cells(xlsx.xlsx_bytes(results))
    assert set(FORMULAS) & texts  # the texts are there, as plain strings


# --------------------------------------------------------------------------- names from data


@pytest.mark.parametrize(
    "name",
    [
        "../../etc",
        "..",
        ".",
        "",
        "/etc/passwd",
        "a/b",
        "a\\b",
        "C:\\Windows\\system32",
        "x\x00y",
        "CON",
        "con.txt",
        "LPT1 ",
        "COM¹",
        "trailing. ",
        "\u202etxt.exe",
        "A" * 400,
        "Ωμέγα / Süd",
    ],
)
def test_safe_filename_stays_inside_the_folder(tmp_path, name):
    out = tmp_path / "out"
    out.mkdir()
    stem = safe_filename(name)
    assert stem and "/" not in stem and "\\" not in stem and "\x00" not in stem
    assert stem not in {".", ".."} and not stem.startswith(".")
    assert stem.split(".")[0].strip().upper() not in {"CON", "PRN", "AUX", "NUL", "LPT1", "COM¹"}
    assert len(stem.encode("utf-8")) <= 100
    path = path_in(out, name, ".csv")
    path.write_text("x")
    assert path.resolve().parent == out.resolve()
    assert tree(tmp_path) == {"out", f"out/{stem}.csv"}


def test_safe_filename_keeps_plain_names_and_separates_changed_ones():
    assert safe_filename("Cape Town") == "Cape Town"
    assert safe_filename("Drakenstein \u2013 Süd") == "Drakenstein \u2013 Süd"
    assert safe_filename("a/b") != safe_filename("a_b") == "a_b"
    names = unique_filenames(["Cape Town", "cape town", "a/b", "a_b", "../x", "_.._x"])
    assert len({v.casefold() for v in names.values()}) == 6


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


# --------------------------------------------------------------------------- whole or nothing


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
@pytest.mark.parametrize("exc", [KeyboardInterrupt, OSError])
def test_interrupted_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch, where, exc):
    target = tmp_path / "results.json"
    atomic.write_text(target, "old and whole\n")

    def boom(*args, **kwargs):
        raise exc("interrupted")

    if where == "replace":
        monkeypatch.setattr(atomic.os, "replace", boom)
    elif where == "fsync":
        monkeypatch.setattr(atomic.os, "fsync", boom)
    else:
        real_fdopen = os.fdopen

        class Breaks(io.BufferedWriter):
            def write(self, data):  # half the data, then the interruption
                super().write(data[: len(data) // 2])
                raise exc("interrupted")

        def fdopen(fd, mode="r", *a, **k):
            return Breaks(real_fdopen(fd, mode, *a, buffering=0, **k))

        monkeypatch.setattr(atomic.os, "fdopen", fdopen)
    with pytest.raises(exc):
        atomic.write_text(target, "new " * 100_000)
    monkeypatch.undo()
    assert target.read_text() == "old and whole\n"
    assert leftovers(tmp_path) == []
    atomic.write_text(target, "rerun\n")  # rerunning overwrites cleanly
    assert target.read_text() == "rerun\n" and leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_new_files_get_ordinary_permissions_and_keep_existing_ones(tmp_path):
    old = os.umask(0o022)
    try:
        atomic.write_text(tmp_path / "new.csv", "x")
        assert (tmp_path / "new.csv").stat().st_mode & 0o777 == 0o644
        (tmp_path / "kept.csv").write_text("x")
        (tmp_path / "kept.csv").chmod(0o640)
        atomic.write_text(tmp_path / "kept.csv", "y")
        assert (tmp_path / "kept.csv").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="symbolic links need privileges on Windows")
def test_a_planted_symlink_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").symlink_to(victim)
    atomic.write_text(out / "results.json", "{}")
    assert victim.read_text() == "precious"
    assert not (out / "results.json").is_symlink()


def test_write_many_is_all_or_nothing_while_staging(tmp_path, monkeypatch):
    a, b, c = (tmp_path / n for n in ("a.csv", "b.csv", "c.csv"))
    a.write_text("old a")
    calls = {"n": 0}
    real = atomic._stage

    def stage(path, data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(path, data)

    monkeypatch.setattr(atomic, "_stage", stage)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_many({a: "new a", b: "new b", c: b"new c"})
    assert a.read_text() == "old a" and not b.exists() and not c.exists()
    assert leftovers(tmp_path) == []
    monkeypatch.undo()
    atomic.write_many({a: "new a", b: "new b", c: b"new c"})
    assert [p.read_text() for p in (a, b, c)] == ["new a", "new b", "new c"]


def test_ctrl_c_during_the_run_leaves_no_partial_output(tmp_path, monkeypatch):
    out = tmp_path / "out"
    real = atomic.os.replace
    calls = {"n": 0}

    def replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:  # results.json and one table written, then Ctrl-C
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    r = analyze(DATA / "mini.csv", "-i", MINI, "--out", out)
    assert r.exit_code == 130 and "interrupted" in r.stderr
    assert leftovers(out) == []
    for p in out.iterdir():  # what was written is whole
        if p.suffix == ".json":
            json.loads(p.read_text())
    monkeypatch.undo()
    r = analyze(DATA / "mini.csv", "-i", MINI, "--out", out)
    assert r.exit_code == 0 and leftovers(out) == []


# --------------------------------------------------------------------------- bounded time/memory


class CountingReads:
    """Counts bytes read from data files, to show a refusal came before reading them."""

    def __init__(self, monkeypatch):
        self.total = 0
        real = readers._open_binary
        outer = self

        class Counted(io.BufferedReader):
            def read(self, n=-1):
                data = super().read(n)
                outer.total += len(data)
                return data

        def open_counted(p):
            real(p).close()
            return Counted(io.FileIO(p, "rb"))

        monkeypatch.setattr(readers, "_open_binary", open_counted)


def bounded(fn, seconds: float = 5.0, megabytes: float = 64.0):
    """Run fn; assert it took less than ``seconds`` and allocated less than ``megabytes``."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        return fn()
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        assert elapsed < seconds, f"took {elapsed:.1f} s"
        assert peak < megabytes, f"peak {peak:.0f} MB"


def test_ten_thousand_columns_are_handled_quickly(tmp_path):
    """Within the 16,384-column limit: a wide export with the survey inside still works."""
    extra = [f"X{i}" for i in range(10_000 - 9)]
    header = HEADER.strip().split(",") + extra
    rows = [",".join(header)]
    for i in range(30):
        rows.append(
            ",".join([f"p{i}", "x", "5", "1", "4", "4", "4", "3", "1"] + ["0"] * len(extra))
        )
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(rows) + "\n")
    started = time.perf_counter()
    r = analyze(path, "-i", MINI, "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert time.perf_counter() - started < 20


def test_too_many_columns_are_refused_before_parsing(tmp_path, monkeypatch):
    path = tmp_path / "wider.csv"
    path.write_text(",".join(f"X{i}" for i in range(20_000)) + "\n" + "1," * 19_999 + "1\n")
    with pytest.raises(
        DataError, match=r"row 1 \(the header\): 20000 columns, more than the limit of 16384"
    ):
        bounded(lambda: read_table(path))


def test_a_huge_single_line_is_refused_after_reading_little(tmp_path, monkeypatch):
    """Stands in for a 1 GB line: 8 MiB with a 1 MiB line limit; reading stops near the limit."""
    monkeypatch.setattr(readers, "LIMITS", Limits(max_line_bytes=2**20))
    path = tmp_path / "line.csv"
    with path.open("w") as fh:
        fh.write(HEADER + "p1,x,5,1,4,4,4,3,1\n")
        fh.write("x" * (8 * 2**20) + "\n")
    counter = CountingReads(monkeypatch)
    with pytest.raises(DataError, match=r"line 3: longer than 1.0 MB, the limit"):
        bounded(lambda: read_table(path), megabytes=16)
    assert counter.total < 3 * 2**20


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "LIMITS", Limits(max_file_bytes=100_000))
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "p1,x,5,1,4,4,4,3,1\n" * 20_000)
    counter = CountingReads(monkeypatch)
    r = analyze(path, "-i", MINI, "--out", tmp_path / "out")
    assert r.exit_code == 2
    assert "more than the 97.7 KB limit for one data file" in r.stderr
    assert counter.total <= 64 * 1024


def test_too_many_cells_are_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "LIMITS", Limits(max_csv_cells=10_000))
    path = tmp_path / "cells.csv"
    path.write_text(HEADER + "p1,x,5,1,4,4,4,3,1\n" * 2_000)
    with pytest.raises(DataError, match=r"more than the limit of 10,000 cells"):
        read_table(path)


def _zip_xlsx(path: Path, sheet: bytes, level: int = 9) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def test_zip_bomb_is_refused_from_the_directory(tmp_path, monkeypatch):
    """64 MB of XML packed into about 64 KB: refused without unpacking a byte."""
    path = _zip_xlsx(tmp_path / "bomb.xlsx", b"<row>" + b" " * (64 * 2**20) + b"</row>")
    assert path.stat().st_size < 100_000
    counter = CountingReads(monkeypatch)
    with pytest.raises(DataError, match=r"compressed 1\d\d\d:1 \(limit 200:1\), as zip bombs are"):
        bounded(lambda: read_table(path), seconds=2, megabytes=8)
    assert counter.total <= 64 * 1024


def test_unpacked_size_limit(tmp_path, monkeypatch):
    """Ordinary compression but too much in all: the total unpacked size is the bound."""
    monkeypatch.setattr(readers, "LIMITS", Limits(max_unpacked_bytes=2**20))
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%d</t></is></c></row>' % (i, i, i * 7919)
        for i in range(1, 40_000)
    )
    path = _zip_xlsx(tmp_path / "large.xlsx", rows, level=1)
    with pytest.raises(DataError, match=r"would unpack to .* MB, more than the 1.0 MB limit"):
        bounded(lambda: read_table(path), seconds=2, megabytes=8)


def test_forged_sheet_dimension_does_not_pad_to_a_huge_grid(tmp_path):
    """A sheet that claims A1:XFD1048576 but holds 2 rows must not become 17 billion cells."""
    import openpyxl

    path = tmp_path / "forged.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for j, name in enumerate(HEADER.strip().split(","), start=1):
        ws.cell(1, j, name)
    for j, v in enumerate(["p1", "x", 5, 1, 4, 4, 4, 3, 1], start=1):
        ws.cell(2, j, v)
    wb.save(path)
    src = zipfile.ZipFile(path)
    forged = tmp_path / "forged2.xlsx"
    with zipfile.ZipFile(forged, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
                assert b"XFD1048576" in data
            zf.writestr(info, data)
    table = bounded(lambda: read_table(forged), seconds=5, megabytes=32)
    assert table.frame.shape == (1, 9)


def test_statistical_file_with_too_many_variables_is_refused(tmp_path, monkeypatch):
    import pandas as pd
    import pyreadstat

    path = tmp_path / "wide.sav"
    pyreadstat.write_sav(pd.DataFrame({f"v{i}": [1.0, 2.0] for i in range(50)}), path)
    monkeypatch.setattr(readers, "LIMITS", Limits(max_columns=20))
    with pytest.raises(DataError, match=r"50 variables, more than the limit of 20"):
        read_table(path)
