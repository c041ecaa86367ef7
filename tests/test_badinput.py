"""The bad-input catalogue (tests/badinput/cases.yaml), each case run through the CLI.

Odd but valid files must be analysed with the warning that says what changed and the right
numbers; invalid ones must exit 2 with one line on stderr naming the file, where and what to do.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from ipss_survey.cli import app
from ipss_survey.errors import SurveyError, one_line
from ipss_survey.instrument import load_instrument
from ipss_survey.pipeline import analyze
from ipss_survey.read import ReadSettings
from ipss_survey.read.table import open_binary
from tests.paths import BAD, DATA

MINI = DATA / "mini.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load((BAD / "cases.yaml").read_text(encoding="utf-8"))
_KEYS = {
    "id", "file", "instrument", "args", "setup", "absent", "exit", "warnings", "no_warnings",
    "data", "excluded", "items", "groups", "message", "about",
}  # fmt: skip


def _check_catalogue() -> None:
    """Every case is well formed and every file in the folder belongs to a case."""
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    used = {c["file"] for c in CASES} | {c.get("instrument") for c in CASES}
    for c in CASES:
        assert set(c) <= _KEYS, f"{c['id']}: unknown keys {set(c) - _KEYS}"
        assert c["exit"] in (0, 2), c["id"]
        if not c.get("absent") and c.get("setup") != "folder":
            assert (BAD / c["file"]).is_file(), f"{c['id']}: no file {c['file']}"
    spare = {p.name for p in BAD.iterdir()} - used - {"cases.yaml", "make_cases.py"}
    assert not {n for n in spare if not n.startswith(".")}, f"files with no case: {spare}"


_check_catalogue()


# Input handling is under test, not report drawing: write only what the checks read.
FAST = ["--format", "json,csv"]


def _refusing(path: Path) -> Any:
    """An opener that refuses ``path`` as the system refuses a file without read permission
    (running as root, chmod 000 does not stop reading, so the refusal is simulated)."""

    def opener(p: Path) -> Any:
        if Path(p) == path:
            raise PermissionError(13, "Permission denied", str(p))
        return open_binary(p)

    return opener


def _library_error(data: Path, inst: Path) -> str:
    """The one-line message the CLI would print for an unreadable file (via the library)."""
    try:
        analyze(data, load_instrument(inst), read_settings=ReadSettings(opener=_refusing(data)))
    except SurveyError as exc:
        return f"error: {one_line(exc)}"
    raise AssertionError("an unreadable file was analysed")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_catalogue_case(case: dict[str, Any], tmp_path: Path):
    data = tmp_path / case["file"]
    if case.get("setup") == "folder":
        data.mkdir()
    elif not case.get("absent"):
        shutil.copyfile(BAD / case["file"], data)
    inst = BAD / case["instrument"] if case.get("instrument") else MINI
    out = tmp_path / "out"
    if case.get("setup") == "unreadable":
        line = _library_error(data, inst)
        assert line.startswith(f"error: {data}: ") and "\n" not in line
        for words in case["message"]:
            assert str(words) in line, f"{words!r} not in {line!r}"
        return
    args = ["analyze", str(data), "-i", str(inst), "--out", str(out), *case.get("args", [])]
    result = CliRunner().invoke(app, [*args, *FAST])

    assert "Traceback" not in result.output
    assert result.exit_code == case["exit"], result.output
    if case["exit"] == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        about = case.get("about", "data")
        start = {"data": f"error: {data}: ", "instrument": f"error: {inst}: ", "none": "error: "}
        assert lines[0].startswith(start[about]), lines[0]
        for words in case["message"]:
            assert str(words) in lines[0], f"{words!r} not in {lines[0]!r}"
        assert not out.exists() or not any(out.iterdir()), "an invalid input wrote output"
        return

    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    d = doc["data"]
    assert d["rows_read"] == d["rows_analysed"] + len(d["rows_excluded"])
    messages: dict[str, list[str]] = {}
    for w in d["warnings"]:
        messages.setdefault(w["code"], []).append(w["message"])
    for code, words in case.get("warnings", {}).items():
        assert code in messages, f"no {code} warning in {sorted(messages)}"
        text = " | ".join(messages[code])
        for word in words:
            assert str(word) in text, f"{word!r} not in {text!r}"
    for code in case.get("no_warnings", []):
        assert code not in messages, messages[code]
    for key, value in case.get("data", {}).items():
        assert d[key] == value, key
    if "excluded" in case:
        assert [[e["row"], e["reason"]] for e in d["rows_excluded"]] == case["excluded"]
    items = {i["code"]: i for i in doc["items"]}
    for code, fields in case.get("items", {}).items():
        for key, value in fields.items():
            got = items[code][key]
            assert got == pytest.approx(value) if isinstance(value, float) else got == value, (
                f"{code}.{key}: {got!r} != {value!r}"
            )
    if "groups" in case:
        assert {g["group"]: g["n"] for g in doc["groups"]} == case["groups"]
