"""Outputs are whole or absent: a write interrupted at any point leaves the old file and no
temporary file; a set of files is staged in full before any is renamed into place."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipss_survey.cli import app
from ipss_survey.report import atomic
from tests.paths import DATA

MINI = DATA / "mini.yaml"


def analyze(*args: object):
    return CliRunner().invoke(app, ["analyze", *map(str, args), "--format", "json,csv"])


def write_text(path: Path, text: str) -> None:
    atomic.write_many({path: text})


class Interrupting(str):
    """Text whose encoding is interrupted: staging it raises KeyboardInterrupt."""

    def encode(self, *args: object, **kwargs: object) -> bytes:
        raise KeyboardInterrupt


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
@pytest.mark.parametrize("exc", [KeyboardInterrupt, OSError])
def test_interrupted_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch, where, exc):
    target = tmp_path / "results.json"
    write_text(target, "old and whole\n")

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
        write_text(target, "new " * 100_000)
    monkeypatch.undo()
    assert target.read_text() == "old and whole\n"
    assert leftovers(tmp_path) == []
    write_text(target, "rerun\n")  # rerunning overwrites cleanly
    assert target.read_text() == "rerun\n" and leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_new_files_get_ordinary_permissions_and_keep_existing_ones(tmp_path):
    old = os.umask(0o022)
    try:
        write_text(tmp_path / "new.csv", "x")
        assert (tmp_path / "new.csv").stat().st_mode & 0o777 == 0o644
        (tmp_path / "kept.csv").write_text("x")
        (tmp_path / "kept.csv").chmod(0o640)
        write_text(tmp_path / "kept.csv", "y")
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
    write_text(out / "results.json", "{}")
    assert victim.read_text() == "precious"
    assert not (out / "results.json").is_symlink()


def test_write_many_is_all_or_nothing_while_staging(tmp_path):
    a, b, c = (tmp_path / n for n in ("a.csv", "b.csv", "c.csv"))
    a.write_text("old a")
    with pytest.raises(KeyboardInterrupt):  # a and b staged, then c is interrupted
        atomic.write_many({a: "new a", b: "new b", c: Interrupting("new c")})
    assert a.read_text() == "old a" and not b.exists() and not c.exists()
    assert leftovers(tmp_path) == []
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
