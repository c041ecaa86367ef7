"""Huge and hostile files fail fast, in bounded time and memory, before they are parsed."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipss_survey.cli import app
from ipss_survey.errors import DataError
from ipss_survey.instrument import load_instrument
from ipss_survey.pipeline import analyze as run
from ipss_survey.read import Limits, ReadSettings, read_table
from tests.paths import DATA

MINI = DATA / "mini.yaml"
HEADER = "id,team,A1,A2,A3,B1,B2,B3,Y1\n"


def analyze(*args: object):
    return CliRunner().invoke(app, ["analyze", *map(str, args), "--format", "json,csv"])


class CountingReads:
    """An opener that counts the bytes read from data files, to show a refusal came before
    reading them; ``settings(...)`` gives read settings that use it."""

    def __init__(self) -> None:
        self.total = 0
        outer = self

        class Counted(io.BufferedReader):
            def read(self, n=-1):
                data = super().read(n)
                outer.total += len(data)
                return data

        self.opener = lambda p: Counted(io.FileIO(p, "rb"))

    def settings(self, limits: Limits | None = None) -> ReadSettings:
        return ReadSettings(limits=limits or Limits(), opener=self.opener)


def bounded(fn, megabytes: float = 64.0):
    """Run fn; assert it allocated less than ``megabytes`` (time is for the benchmarks)."""
    tracemalloc.start()
    try:
        return fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
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
    r = analyze(path, "-i", MINI, "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output


def test_too_many_columns_are_refused_before_parsing(tmp_path):
    path = tmp_path / "wider.csv"
    path.write_text(",".join(f"X{i}" for i in range(20_000)) + "\n" + "1," * 19_999 + "1\n")
    with pytest.raises(
        DataError, match=r"row 1 \(the header\): 20000 columns, more than the limit of 16384"
    ):
        bounded(lambda: read_table(path))


def test_a_huge_single_line_is_refused_after_reading_little(tmp_path):
    """Stands in for a 1 GB line: 8 MiB with a 1 MiB line limit; reading stops near the limit."""
    path = tmp_path / "line.csv"
    with path.open("w") as fh:
        fh.write(HEADER + "p1,x,5,1,4,4,4,3,1\n")
        fh.write("x" * (8 * 2**20) + "\n")
    counter = CountingReads()
    settings = counter.settings(Limits(max_line_bytes=2**20))
    with pytest.raises(DataError, match=r"line 3: longer than 1.0 MB, the limit"):
        bounded(lambda: read_table(path, settings=settings), megabytes=16)
    assert counter.total < 3 * 2**20


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "p1,x,5,1,4,4,4,3,1\n" * 20_000)
    counter = CountingReads()
    settings = counter.settings(Limits(max_file_bytes=100_000))
    with pytest.raises(DataError, match=r"more than the 97\.7 KB limit for one data file"):
        run(path, load_instrument(MINI), read_settings=settings)
    assert counter.total <= 64 * 1024


def test_too_many_cells_are_refused_before_parsing(tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text(HEADER + "p1,x,5,1,4,4,4,3,1\n" * 2_000)
    with pytest.raises(DataError, match=r"more than the limit of 10,000 cells"):
        read_table(path, settings=ReadSettings(limits=Limits(max_csv_cells=10_000)))


def _zip_xlsx(path: Path, sheet: bytes, level: int = 9) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def test_zip_bomb_is_refused_from_the_directory(tmp_path):
    """64 MB of XML packed into about 64 KB: refused without unpacking a byte."""
    path = _zip_xlsx(tmp_path / "bomb.xlsx", b"<row>" + b" " * (64 * 2**20) + b"</row>")
    assert path.stat().st_size < 100_000
    counter = CountingReads()
    with pytest.raises(DataError, match=r"compressed 1\d\d\d:1 \(limit 200:1\), as zip bombs are"):
        bounded(lambda: read_table(path, settings=counter.settings()), megabytes=8)
    assert counter.total <= 64 * 1024


def test_unpacked_size_limit(tmp_path):
    """Ordinary compression but too much in all: the total unpacked size is the bound."""
    settings = ReadSettings(limits=Limits(max_unpacked_bytes=2**20))
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%d</t></is></c></row>' % (i, i, i * 7919)
        for i in range(1, 40_000)
    )
    path = _zip_xlsx(tmp_path / "large.xlsx", rows, level=1)
    with pytest.raises(DataError, match=r"would unpack to .* MB, more than the 1.0 MB limit"):
        bounded(lambda: read_table(path, settings=settings), megabytes=8)


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
    table = bounded(lambda: read_table(forged), megabytes=32)
    assert table.frame.shape == (1, 9)


def test_statistical_file_with_too_many_variables_is_refused(tmp_path):
    import pandas as pd
    import pyreadstat

    path = tmp_path / "wide.sav"
    pyreadstat.write_sav(pd.DataFrame({f"v{i}": [1.0, 2.0] for i in range(50)}), path)
    with pytest.raises(DataError, match=r"50 variables, more than the limit of 20"):
        read_table(path, settings=ReadSettings(limits=Limits(max_columns=20)))
