"""Fuzzing the whole command over generated CSV files and instrument files.

Whatever the bytes, ``analyze`` must end with exit 0 or 2 (never an internal error, never a
traceback), say what is wrong in one line when it refuses, and when it succeeds account for
every row: rows_read == rows_analysed + len(rows_excluded).

The default run is bounded (150 examples per test); set IPSS_FUZZ_EXAMPLES for a longer hunt.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ipss_survey.cli import app

EXAMPLES = int(os.environ.get("IPSS_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ITEMS = ["A1", "A2", "B1", "B2"]


def _fast_outputs() -> list[str]:
    """Only results.json and CSV tables: reading and coding are fuzzed, not chart drawing."""
    import typer.main

    command = typer.main.get_command(app).commands["analyze"]  # type: ignore[attr-defined]
    has = any("--format" in p.opts for p in command.params)
    return ["--format", "json,csv"] if has else []


FAST = _fast_outputs()


def chance(draw: st.DrawFn, percent: int) -> bool:
    """True about ``percent`` % of the time (hypothesis favours bounds, so avoid them)."""
    return 20 <= draw(st.integers(0, 119)) < 20 + percent


# ----------------------------------------------------------------------------- cells and files

# fmt: off
ODD_CELLS = [
    "", " ", "1", "2", "3", "4", "5", "0", "9", "7", "-1", "4.5", "4,0", "3.0", "1e3",
    "Agree", " strongly AGREE ", "Agree strongly", "Don\u2019t know", "\u201cAgree\u201d",
    "=1+1", "+2", "@x", "NaN", "None", "TRUE", "inf", "\u00dcn\u00efc\u00f6d\u00e9", '"', '""',
    "a,b", "a;b", "x\ny", "\t", "A1", "id", "team", "1 - Strongly disagree", "5 - Agree",
]
# fmt: on
TEXT = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=12),
    st.text(max_size=6),  # now and then a control character
)
CELLS = st.one_of(st.sampled_from(ODD_CELLS), st.sampled_from("12345"), TEXT)
NAMES = st.one_of(
    st.sampled_from([*ITEMS, "a1", " A2 ", "b 1", "id", "ID", "team", "", "x", "Comment"]),
    TEXT,
)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, str]:
    """A CSV-ish file: usually the instrument's columns, with every kind of odd cell and row."""
    if chance(draw, 5):
        return draw(st.binary(max_size=300)), ".csv"
    header = ["id", "team", *ITEMS] if not chance(draw, 15) else []
    header += draw(st.lists(NAMES, max_size=4))
    header = draw(st.permutations(header)) if header else [draw(NAMES)]
    n_rows = 0 if chance(draw, 5) else draw(st.integers(1, 8))
    rows: list[list[str]] = []
    for _ in range(n_rows):
        width = len(header)
        if chance(draw, 8):
            width += draw(st.sampled_from([-2, -1, 1, 3]))  # short and long rows
        rows.append(draw(st.lists(CELLS, min_size=max(width, 0), max_size=max(width, 0))))
        if chance(draw, 8):
            rows.append([])  # a blank line
        if chance(draw, 5):
            rows.append(list(header))  # a repeated header
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    buf = io.StringIO()
    if not chance(draw, 20):
        csv.writer(buf, delimiter=sep, lineterminator="\n").writerows([header, *rows])
    else:  # written by hand: no quoting at all
        buf.write("".join(sep.join(r) + "\n" for r in [header, *rows]))
    text = buf.getvalue()
    if chance(draw, 10):
        text = "Title line\n\n" + text
    if chance(draw, 30):
        text = text.replace("\n", "\r\n")
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le"]))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    suffix = draw(st.sampled_from([".csv", ".csv", ".csv", ".tsv", ".txt"]))
    return data, suffix


@st.composite
def scales(draw: st.DrawFn) -> dict[str, Any]:
    points = sorted(draw(st.sets(st.integers(-3, 12), min_size=2, max_size=7)))
    scale: dict[str, Any] = {"points": points}
    wrong = chance(draw, 5)  # now and then a code that is not a point
    scale["agree"] = draw(
        st.lists(
            st.sampled_from([*points, 13] if wrong else points), min_size=1, max_size=3, unique=True
        )
    )
    if draw(st.booleans()):
        rest = [p for p in points if p not in scale["agree"]] or points
        scale["neutral"] = draw(st.lists(st.sampled_from(rest), max_size=2, unique=True))
    if draw(st.booleans()):
        scale["missing"] = draw(
            st.lists(st.integers(-9, 99).filter(lambda c: c not in points), max_size=2, unique=True)
        )
    if draw(st.booleans()):
        words = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree", "Yes"]
        chosen = draw(st.permutations(words))
        scale["labels"] = dict(zip(points[:5], chosen, strict=False))
    return scale


@st.composite
def instruments(draw: st.DrawFn) -> str:
    """Instrument YAML: mostly valid, sometimes breaking a rule, sometimes not YAML at all."""
    items: list[Any] = []
    for code in draw(st.lists(st.sampled_from(ITEMS), min_size=1, max_size=4, unique=True)):
        if draw(st.booleans()):
            items.append(code)
        else:
            item: dict[str, Any] = {"code": code, "reverse": draw(st.booleans())}
            if chance(draw, 15):
                item["scale"] = draw(scales())
            items.append(item)
    half = max(1, len(items) // 2)
    dims: list[dict[str, Any]] = [{"id": "D1", "items": items[:half]}]
    if items[half:]:
        if draw(st.booleans()):
            dims.append({"id": "D2", "subdimensions": [{"id": "S1", "items": items[half:]}]})
        else:
            dims.append({"id": "D2", "items": items[half:]})
    doc: dict[str, Any] = {"id": "fuzz", "scale": draw(scales()), "dimensions": dims}
    _reverse_only_symmetric(doc)
    if draw(st.booleans()):
        doc["respondent_id"] = draw(st.sampled_from(["id", "ID", "nope"]))
    if chance(draw, 15):
        mins = sorted(draw(st.sets(st.integers(0, 6), min_size=1, max_size=4)))
        doc["maturity"] = {"levels": [{"min": m, "label": f"L{m}"} for m in mins]}
    if chance(draw, 5):
        doc[draw(st.sampled_from(["dimension", "scales", "extra"]))] = 1
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    if chance(draw, 5):
        text = text[: draw(st.integers(0, len(text)))] + draw(st.sampled_from(["[", ": :", "\t"]))
    return text


def _symmetric(points: list[int]) -> bool:
    return {points[0] + points[-1] - p for p in points} == set(points)


def _reverse_only_symmetric(doc: dict[str, Any]) -> None:
    """Reverse keying only where min + max - code stays on the scale.

    Known finding (scoring.py, not this module's): a reverse-keyed item on an uneven scale
    such as [1, 2, 5] ends in KeyError; test_reverse_keyed_item_on_an_uneven_scale pins it.
    """
    top = doc["scale"]["points"]
    for dim in doc["dimensions"]:
        groups = [dim["items"]] if "items" in dim else [s["items"] for s in dim["subdimensions"]]
        for items in groups:
            for item in items:
                if isinstance(item, dict) and item["reverse"]:
                    item["reverse"] = _symmetric(item.get("scale", {}).get("points", top))


OPTIONS = st.lists(
    st.sampled_from([("--group", "team"), ("--strict",), ("--id", "id"), ("--group", "nope")]),
    max_size=2,
    unique=True,
)

# ----------------------------------------------------------------------------- the property


def run(data: bytes, suffix: str, instrument: str, options: list[tuple[str, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / f"data{suffix}"
        path.write_bytes(data)
        inst = folder / "inst.yaml"
        inst.write_text(instrument, encoding="utf-8")
        out = folder / "out"
        args = ["analyze", str(path), "-i", str(inst), "--out", str(out)]
        args += [a for opt in options for a in opt] + FAST
        result = CliRunner().invoke(app, args)
        context = f"args={args[5:]}\ninstrument:\n{instrument}\ndata: {data[:400]!r}\n"
        assert "Traceback" not in result.output, context + result.output
        assert result.exit_code in (0, 2), context + result.output
        if result.exit_code == 2:
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), context + result.stderr
            return
        doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
        d = doc["data"]
        assert d["rows_read"] == d["rows_analysed"] + len(d["rows_excluded"]), context
        rows = [e["row"] for e in d["rows_excluded"]]
        assert len(rows) == len(set(rows)) and all(r >= 1 for r in rows), context
        assert d["rows_analysed"] >= 1, context


@FUZZ
@given(csv_files(), OPTIONS)
def test_fuzz_csv_files(file: tuple[bytes, str], options: list[tuple[str, ...]]) -> None:
    """Generated CSV contents against a fixed, valid instrument."""
    instrument = (
        "id: fuzz\nrespondent_id: id\n"
        "scale: {points: [1, 2, 3, 4, 5], agree: [4, 5], neutral: [3], missing: [9],\n"
        "        labels: {1: Strongly disagree, 3: Neutral, 4: Agree, 5: Strongly agree}}\n"
        "dimensions:\n  - {id: A, items: [A1, {code: A2, reverse: true}]}\n"
        "  - {id: B, subdimensions: [{id: B-x, items: [B1, B2]}]}\n"
    )
    run(*file, instrument, options)


@FUZZ
@given(csv_files(), instruments(), OPTIONS)
def test_fuzz_instruments_and_files(
    file: tuple[bytes, str], instrument: str, options: list[tuple[str, ...]]
) -> None:
    """Generated instrument files (valid, rule-breaking or broken YAML) with generated data."""
    run(*file, instrument, options)


def test_reverse_keyed_item_on_an_uneven_scale(tmp_path: Path) -> None:
    """min + max - 2 = 4 is no point of [1, 2, 5]: a load error naming the key, not exit 3."""
    inst = tmp_path / "rev.yaml"
    inst.write_text(
        "id: rev\nscale: {points: [1, 2, 5], agree: [2]}\n"
        "dimensions: [{id: D, items: [{code: Q1, reverse: true}, Q2]}]\n"
    )
    data = tmp_path / "rev.csv"
    data.write_text("Q1,Q2\n1,2\n5,5\n")
    result = CliRunner().invoke(
        app, ["analyze", str(data), "-i", str(inst), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2, result.output
    assert "dimensions[0].items[0].reverse" in result.stderr
    assert "not symmetric" in result.stderr
