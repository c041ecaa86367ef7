"""The fast CSV reader (pyarrow) gives exactly what the general reader (pandas) gives.

Every CSV file of the bad-input catalogue, and generated files, are read both ways and
compared: cells, row numbers, skipped rows, warnings or the error message, then the coded
answers and the row ledger. Files the fast reader cannot take (a row wider or narrower than
the header, a quote left open, ...) must reach the general reader, and these tests say which.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipss_survey.coding import code_responses
from ipss_survey.errors import DataError
from ipss_survey.instrument import load_instrument, parse_instrument
from ipss_survey.read import RawTable, ReadSettings, read_table
from ipss_survey.read.files import CSV_SUFFIXES
from tests.paths import BAD, DATA

MINI = load_instrument(DATA / "mini.yaml")
CASES = yaml.safe_load((BAD / "cases.yaml").read_text(encoding="utf-8"))


class Read:
    """One reading of a file: the table or the error message, and which parser made it."""

    def __init__(
        self, path: Path, fast: bool, settings: ReadSettings | None = None, **kw: Any
    ) -> None:
        self.settings = replace(settings or ReadSettings(), fast_csv=fast)
        self.table: RawTable | None = None
        self.error: str | None = None
        try:
            self.table = read_table(path, settings=self.settings, **kw)
        except DataError as exc:
            self.error = str(exc)
        self.fast = self.table is not None and self.table.parser == "pyarrow"


def cells(table: RawTable) -> list[list[Any]]:
    out = []
    for j in range(table.frame.shape[1]):
        values = table.frame.iloc[:, j].astype(object).tolist()
        out.append([None if isinstance(v, float) and v != v else v for v in values])
    return out


def assert_same_tables(a: Read, b: Read) -> None:
    assert a.error == b.error
    if a.table is None or b.table is None:
        assert a.table is b.table
        return
    ta, tb = a.table, b.table
    assert list(ta.frame.columns) == list(tb.frame.columns)
    assert cells(ta) == cells(tb)
    # Cells are text either way; held as categories or as plain text. The fast reader uses
    # categories from fewer rows on, and among categories keeps a column of very many
    # distinct texts (ids) as Arrow text.
    for j, (da, db) in enumerate(zip(ta.frame.dtypes, tb.frame.dtypes, strict=True)):
        if isinstance(da, pd.CategoricalDtype) and not isinstance(db, pd.CategoricalDtype):
            assert len(ta.frame) + 1 > a.settings.fast_categories_after
        elif isinstance(db, pd.CategoricalDtype) and not isinstance(da, pd.CategoricalDtype):
            assert isinstance(da, pd.StringDtype) and da.storage == "pyarrow"
            assert ta.frame.iloc[:, j].nunique() > a.settings.raw_after
        elif isinstance(da, pd.StringDtype):  # Arrow text where the general reader has text
            assert ta.frame.iloc[:, j].nunique() > a.settings.raw_after
    for name in ("source", "sha256", "file_format", "skipped", "warnings", "where"):
        assert getattr(ta, name) == getattr(tb, name), name
    assert np.array_equal(ta.row_numbers, tb.row_numbers)


def coded(read: Read, instrument: Any, **kw: Any) -> Any:
    if read.table is None:
        return read.error
    try:
        return code_responses(read.table, instrument, **kw)
    except DataError as exc:
        return str(exc)


def assert_same_coded(a: Any, b: Any) -> None:
    if isinstance(a, str) or isinstance(b, str) or a is None or b is None:
        assert a == b
        return
    assert a.codes.dtype == b.codes.dtype == np.int8
    assert a.codes.flags.c_contiguous and b.codes.flags.c_contiguous
    assert np.array_equal(a.codes, b.codes)
    assert np.array_equal(a.row_numbers, b.row_numbers)
    for name in ("item_codes", "ids", "groups", "group_column", "rows_read", "excluded"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.warnings == b.warnings
    assert a.columns == b.columns


def both_ways(path: Path, instrument: Any = MINI, **kw: Any) -> tuple[Read, Read]:
    """Read and code ``path`` with each parser; everything must agree."""
    fast, general = Read(path, True, **kw), Read(path, False, **kw)
    assert not general.fast
    assert_same_tables(fast, general)
    columns = [] if fast.table is None else [str(c) for c in fast.table.frame.columns]
    options = [{}, {"strict": True}]
    if "team" in columns:
        options.append({"group": "team"})
    for opts in options:
        assert_same_coded(coded(fast, instrument, **opts), coded(general, instrument, **opts))
    return fast, general


# --------------------------------------------------------------------------- the catalogue

CSV_CASES = [
    c
    for c in CASES
    if Path(c["file"]).suffix in CSV_SUFFIXES
    and not c.get("absent")
    and not c.get("setup")
    and c.get("about", "data") == "data"  # not the cases of a broken instrument file
]
# Files the fast reader hands to the general one, and why.
GENERAL = {
    "too_many_values.csv": "a row wider than the header",
    "trailing_delimiter_rows_only.csv": "rows wider than the header (trailing delimiters)",
    "unclosed_quote.csv": "a quote left open swallows the rest of the file",
    "title_row.csv": "without --header-row 3 the title line is a one-column header",
}


@pytest.mark.parametrize("case", CSV_CASES, ids=[c["id"] for c in CSV_CASES])
def test_catalogue_files_read_the_same_both_ways(case: dict[str, Any]) -> None:
    args = case.get("args", [])
    kw: dict[str, Any] = {}
    if "--header-row" in args:
        kw["header_row"] = int(args[args.index("--header-row") + 1])
    if "--encoding" in args:
        kw["encoding"] = args[args.index("--encoding") + 1]
    instrument = load_instrument(BAD / case["instrument"]) if "instrument" in case else MINI
    fast, _ = both_ways(BAD / case["file"], instrument, **kw)
    name = case["file"]
    if fast.table is None:  # refused (both parsers give the same message: both_ways)
        assert fast.error and case["exit"] == 2
        return
    expected_fast = not (name in GENERAL and "header_row" not in kw)
    assert fast.fast == expected_fast, GENERAL.get(name, "the fast reader should take this file")


# --------------------------------------------------------------------------- chosen files


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


HEADER = "id,team,A1,A2,A3,B1,B2,B3,Y1"


def rows(n: int, start: int = 1) -> list[str]:
    return [
        f"r{i},{'xyz'[i % 3]},{1 + i % 5},{'' if i % 7 == 0 else 1 + i % 3},4,4,4,3,{i % 2}"
        for i in range(start, start + n)
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(HEADER + "\n" + "\n".join(rows(3)), id="no-final-newline"),
        pytest.param(HEADER + "\r\n" + "\r\n".join(rows(3)) + "\r\n\r\n", id="crlf-blank-end"),
        pytest.param(HEADER + "\r" + "\r".join(rows(3)) + "\r", id="old-mac-cr"),
        pytest.param(HEADER + "\n\n" + "\n".join(rows(3)) + "\n\n\n", id="blank-after-header"),
        pytest.param(HEADER + "\n" + rows(1)[0] + '\n"r9",x,1,1,1,1,1,1,1\n', id="quoted-id"),
        pytest.param(HEADER + "\n" + rows(1)[0] + '\nr9,"x\n\ny",1,1,1,1,1,1,1\n', id="nl-in-q"),
        pytest.param(HEADER + "\n" + rows(2)[0] + '\nr9,x"y,1,1,1,1,1,1,"1\n', id="open-quote-end"),
        pytest.param(HEADER + "\n" + rows(2)[0] + '\nr9,x"y,1,1,1,1,1,1,1"\n', id="stray-quotes"),
        pytest.param(HEADER + "\n" + rows(2)[0] + '\nr9,"x"y,1,1,1,1,1,1,1\n', id="after-close"),
        pytest.param(HEADER + "\n" + rows(2)[0] + "\n  \n" + rows(1)[0] + "\n", id="spaces-line"),
        pytest.param(HEADER + "\n" + rows(2)[0] + "\n,,,,,,,,\n" + rows(1)[0] + "\n", id="commas"),
        pytest.param(HEADER + "\n" + rows(1)[0] + "\nr2,x,1\n", id="short-row"),
        pytest.param(HEADER + ",\n" + "\n".join(r + "," for r in rows(3)) + "\n", id="trailing"),
        pytest.param(HEADER + "\n" + rows(1)[0] + "\n" + HEADER.upper() + "\n", id="repeat-hdr"),
        pytest.param(HEADER + "\nr1,x,é,ü,4,4,4,3,1\nr2,x,€,Ā,4,4,4,3,1\n", id="non-ascii"),
        pytest.param(HEADER + "\nr1,x,\x1a,\x00,4,4,4,3,1\n", id="control-cells"),
        pytest.param("\ufeff" + HEADER + "\n" + "\n".join(rows(3)) + "\n", id="bom"),
        pytest.param(HEADER.replace(",", ";") + "\nr1;x;4,5;1;4;4;4;3;1\n", id="semicolon"),
    ],
)
def test_chosen_files_read_the_same_both_ways(tmp_path: Path, text: str) -> None:
    both_ways(write(tmp_path / "d.csv", text))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le"])
def test_encodings_read_the_same_both_ways(tmp_path: Path, encoding: str) -> None:
    text = HEADER + "\n" + "\n".join(rows(40)) + "\nr99,Café Genève,1,1,1,1,1,1,1\n"
    fast, _ = both_ways(write(tmp_path / "d.csv", text, encoding))
    assert fast.fast
    bad = tmp_path / "bad.csv"  # not UTF-8 although UTF-8 is asked for: the same message
    bad.write_bytes(text.encode("cp1252"))
    both_ways(bad, encoding="utf-8")


@pytest.mark.parametrize("header_row", [1, 2, 3, 4])
def test_header_row_reads_the_same_both_ways(tmp_path: Path, header_row: int) -> None:
    text = "Export 2024\n\nnotes: one, two\n" + HEADER + "\n" + "\n".join(rows(5)) + "\n"
    both_ways(write(tmp_path / "d.csv", text), header_row=header_row)
    quoted = '"Export, 2024"\n\n"notes"\n' + HEADER + "\n" + "\n".join(rows(5)) + "\n"
    fast, _ = both_ways(write(tmp_path / "q.csv", quoted), header_row=4)
    assert not fast.fast  # a quote above the header: pandas decides how the title is skipped


@pytest.mark.parametrize("small_block", [0, 1_000_000], ids=["pyarrow-lookup", "python-lookup"])
def test_many_blocks_and_chunks_read_the_same_both_ways(
    tmp_path: Path, monkeypatch, small_block: int
) -> None:
    """Small blocks (many batches), small chunks (categories), a column of more than 127
    and one of more than raw_after distinct values, blank and repeated header rows; texts
    looked up by pyarrow's compute functions and, in blocks as small as a survey's, in Python."""
    import ipss_survey.read.csv_fast as fast_reader

    monkeypatch.setattr(fast_reader, "_SMALL_BLOCK", small_block)
    small = ReadSettings(fast_block_bytes=2048, chunk_cells=900, raw_after=300)
    lines = [HEADER + ",many,text"]
    for i, row in enumerate(rows(3000), start=1):
        lines.append(f"{row},v{i % 200},t{i}")
        if i % 700 == 0:
            lines.append("")
        if i == 1500:
            lines.append(HEADER + ",many,text")
        if i == 2000:
            lines.append(f'r{i}b,"x\ny",5,5,5,5,5,5,1,"q ""{i}""",t')
    lines.append("r10,x,1,1,1,1,1,1,1,v1,t1")  # a duplicate id
    path = write(tmp_path / "d.csv", "\n".join(lines) + "\n\n")
    fast, _ = both_ways(path, settings=small)
    assert fast.fast
    frame = fast.table.frame
    assert isinstance(frame["A1"].dtype, pd.CategoricalDtype)
    assert len(frame["many"].cat.categories) > 127
    assert frame["text"].dtype == pd.StringDtype("pyarrow")  # more than raw_after texts


def test_categories_of_dropped_rows_are_not_reported(tmp_path: Path) -> None:
    """Above FAST_CATEGORIES_AFTER rows the fast reader holds categories (the general one
    plain text up to a chunk): the text of a dropped repeated header row stays a category
    but no cell holds it, so the warnings must not name it."""
    lines = [HEADER, *rows(6000), HEADER, *rows(6000, 7000), "r1b,x,Agree-ish,1,1,1,1,1,1"]
    fast, general = both_ways(write(tmp_path / "d.csv", "\n".join(lines) + "\n"))
    assert fast.fast and isinstance(fast.table.frame["A1"].dtype, pd.CategoricalDtype)
    assert not isinstance(general.table.frame["A1"].dtype, pd.CategoricalDtype)
    c = code_responses(fast.table, MINI)
    (w,) = [w for w in c.warnings if w.code == "unknown_label"]
    assert "'Agree-ish' (1x)" in w.message and "'A1'" not in w.message


def test_a_narrow_file_of_many_ids_in_one_block(tmp_path: Path) -> None:
    """Short lines: tens of thousands of rows in the first block, all ids new at once, some
    of one character after thousands of longer ones."""
    inst = parse_instrument(
        "id: q\nscale: {points: [1, 2], agree: [2]}\ndimensions: [{id: D, items: [Q1]}]\n", "q.yaml"
    )
    ids = [str(i) for i in range(40_000, 100_000)] + [str(i) for i in range(10)]
    body = "\n".join(f"{v},{1 + i % 2}" for i, v in enumerate(ids))
    fast, _ = both_ways(write(tmp_path / "d.csv", "id,Q1\n" + body + "\n"), inst)
    assert fast.fast
    assert fast.table.frame["id"].tolist()[-3:] == ["7", "8", "9"]


def test_a_label_coded_file_reads_the_same_both_ways(tmp_path: Path) -> None:
    """Labels rather than codes in every cell, read in many blocks."""
    inst = parse_instrument(
        "id: q\nscale: {points: [1, 2, 3], labels: {1: Disagree, 2: Neutral, 3: Agree}, "
        "agree: [3]}\ndimensions: [{id: D, items: [Q1, Q2]}]\n",
        "q.yaml",
    )
    words = ["Agree", " agree ", "Neutral", "Disagree", "", "N/A", "Agree strongly", "3"]
    body = [f"{i},{words[i % 8]},{words[(i * 3) % 8]}" for i in range(2000)]
    path = write(tmp_path / "d.csv", "id,Q1,Q2\n" + "\n".join(body) + "\n")
    fast, _ = both_ways(path, inst, settings=ReadSettings(fast_block_bytes=4096))
    assert fast.fast


def test_without_pyarrow_the_general_reader_reads_all(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    path = write(tmp_path / "d.csv", HEADER + "\n" + "\n".join(rows(20)) + "\n")
    fast = Read(path, True)
    assert not fast.fast and fast.table is not None
    assert_same_tables(fast, Read(path, False))


def test_progress_reports_bytes_read_up_to_the_size(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", HEADER + "\n" + "\n".join(rows(3000)) + "\n")
    size = path.stat().st_size
    for fast in (True, False):
        small = ReadSettings(fast_block_bytes=4096, chunk_cells=9000, fast_csv=fast)
        calls: list[tuple[int, int]] = []
        read_table(
            path,
            settings=small,
            progress=lambda done, total, calls=calls: calls.append((done, total)),
        )
        assert len(calls) >= (2 if fast else 4) and calls[-1] == (size, size)
        assert all(t == size and 0 <= d <= size for d, t in calls)
        assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_progress_is_called_once_for_other_formats(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    pd.DataFrame({"id": ["p1"], "A1": [1]}).to_excel(path, index=False)
    calls: list[tuple[int, int]] = []
    read_table(path, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(path.stat().st_size,) * 2]


# --------------------------------------------------------------------------- generated files

EXAMPLES = int(os.environ.get("IPSS_FUZZ_EXAMPLES", "150"))
ODD_CELLS = [
    "", " ", "1", "2", "3", "5", "9", "4.5", "Agree", " agree ", '"', '""', "a,b", "a;b",
    "x\ny", "x\r\ny", "\t", "A1", "id", "é", "€", "\x1a", "  \n  ", 'q"q', "1 - Agree",
]  # fmt: skip
CELL = st.one_of(
    st.sampled_from(ODD_CELLS),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6),
)
NAME = st.sampled_from(["id", "team", "A1", "A2", "B1", "B2", "", "x", "A1"])
FUZZ_INSTRUMENT = parse_instrument(
    "id: fuzz\nrespondent_id: id\n"
    "scale: {points: [1, 2, 3, 4, 5], agree: [4, 5], missing: [9],\n"
    "        labels: {1: Disagree, 3: Neutral, 4: Agree}}\n"
    "dimensions: [{id: A, items: [A1, A2]}, {id: B, items: [B1, B2]}]\n",
    "fuzz.yaml",
)


@st.composite
def csv_texts(draw: st.DrawFn) -> tuple[bytes, int]:
    header = draw(st.lists(NAME, min_size=1, max_size=7))
    lines: list[list[str]] = [header]
    for _ in range(draw(st.integers(0, 9))):
        kind = draw(st.integers(0, 19))
        if kind == 0:
            lines.append([])  # a blank line
        elif kind == 1:
            lines.append(list(header))  # a repeated header
        else:
            width = len(header) + (draw(st.sampled_from([-1, 1])) if kind == 2 else 0)
            lines.append(draw(st.lists(CELL, min_size=width, max_size=width)))
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    style = draw(st.sampled_from(["minimal", "all", "none"]))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    buf = io.StringIO()
    if style == "none":
        buf.write("".join(sep.join(r) + end for r in lines))
    else:
        quoting = csv.QUOTE_ALL if style == "all" else csv.QUOTE_MINIMAL
        csv.writer(buf, delimiter=sep, lineterminator=end, quoting=quoting).writerows(lines)
    text = buf.getvalue()
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # no line break after the last record
    if draw(st.integers(0, 9)) == 0:
        text += draw(st.sampled_from(["\n\n", '"', "\n,\n"]))
    header_row = 1
    if draw(st.integers(0, 9)) == 0:
        text = "Title\n" + text
        header_row = 2
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    try:
        return text.encode(encoding), header_row
    except UnicodeEncodeError:
        return text.encode("utf-8"), header_row


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(csv_texts())
def test_generated_files_read_the_same_both_ways(tmp_path: Path, made: tuple[bytes, int]) -> None:
    data, header_row = made
    path = tmp_path / "g.csv"
    path.write_bytes(data)
    both_ways(path, FUZZ_INSTRUMENT, header_row=header_row)


def test_weights_and_ids_of_many_distinct_texts_code_the_same_both_ways(tmp_path: Path) -> None:
    """A weight and an id column of more than raw_after distinct texts (Arrow text in the
    fast reader's frame) give the same ids, weights and strata as the general reader's."""
    from ipss_survey.coding.design_columns import DesignSpec

    small = ReadSettings(fast_block_bytes=4096, chunk_cells=900, raw_after=300)
    lines = [HEADER + ",weight"]
    lines += [f"{row},{1 + (i * 37 % 1000) / 997:.6f}" for i, row in enumerate(rows(2000))]
    lines.append("r9999,x,1,1,4,4,4,3,1, 2.5 ")  # a weight with spaces around it
    path = write(tmp_path / "w.csv", "\n".join(lines) + "\n")
    fast, general = both_ways(path, settings=small)
    assert fast.table.frame["weight"].dtype == pd.StringDtype("pyarrow")
    spec = DesignSpec(weight="weight", strata="team")
    a, b = coded(fast, MINI, design=spec), coded(general, MINI, design=spec)
    assert_same_coded(a, b)
    assert np.array_equal(a.design.design.weights, b.design.design.weights)
    assert a.design.design.weights[-1] == 2.5
    assert np.array_equal(a.design.design.stratum, b.design.design.stratum)
    assert a.design.design.stratum_labels == b.design.design.stratum_labels


@pytest.mark.parametrize("spaced", [" r5", "r5 ", "r5\x1f", "\u3000r5", "r5\t"])
def test_ids_of_many_distinct_texts_are_stripped_as_python_strips(
    tmp_path: Path, spaced: str
) -> None:
    """Arrow-text ids are checked for outer spaces in Arrow; one such id is stripped exactly
    as str.strip strips it, as the general reader's ids are."""
    small = ReadSettings(fast_block_bytes=4096, chunk_cells=900, raw_after=300)
    lines = [HEADER, *rows(2000)]
    lines[5] = lines[5].replace("r5,", f'"{spaced}",', 1)
    path = write(tmp_path / "ids.csv", "\n".join(lines) + "\n")
    fast, general = both_ways(path, settings=small)
    assert fast.table.frame["id"].dtype == pd.StringDtype("pyarrow")
    ids = coded(fast, MINI).ids
    assert ids[4] == "r5" and ids == coded(general, MINI).ids
