"""CSV and other delimited text files: encoding, delimiter, header, then one of two parsers.

pyarrow's multi-threaded reader (``csv_fast``) is the normal path; pandas' reader
(``csv_general``) reads whatever the fast path cannot give exactly the same cells and ledger
for. Both give the same cells, row numbers, skipped rows and warnings; cells are held as
categories (one byte each) for large files and as plain text otherwise; columns of very many
distinct texts (ids, comments) stay plain text. ``progress`` reports the bytes parsed.

Memory: reading holds about rows x columns bytes of codes plus about 70 bytes a row for each
id-like column; coding adds rows x items bytes (int8).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ipss_survey.errors import DataError
from ipss_survey.read.csv_fast import parse_fast
from ipss_survey.read.csv_general import parse_general
from ipss_survey.read.encoding import Scan, choose_encoding, decode_message
from ipss_survey.read.rows import (
    blank_rows,
    clean_name,
    drop_empty_unnamed,
    empty_cells,
    header_further_down,
    ledger_rows,
    repeated_header_rows,
    unnamed,
)
from ipss_survey.read.sniff import advice, control_share, sniff
from ipss_survey.read.table import Progress, RawTable, ReadSettings
from ipss_survey.warnings import RunWarning, WarningCode

if TYPE_CHECKING:
    import pandas as pd

DELIMITERS = ",;\t|"


def detect_delimiter(sample: str) -> str:
    """The delimiter that splits most rows into the same number (2 or more) of columns.

    Scored on the width most rows share, not on the first row, so a title line above the
    header does not hide the delimiter; ties go to the wider split (a ';' file whose values
    carry one decimal comma each splits on ',' into 2 but on ';' into more).
    """
    best, best_score = ",", (0.0, 0)
    for d in DELIMITERS:
        try:
            rows = list(itertools.islice(csv.reader(io.StringIO(sample), delimiter=d), 200))
        except csv.Error:
            continue
        widths = [len(r) for r in rows if any(c.strip() for c in r)]
        if len(widths) > 2:
            widths = widths[:-1]  # the last record of a sample may be cut short
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        if width < 2:
            continue
        score = (count / len(widths), width)
        if score > best_score:
            best, best_score = d, score
    return best


def read_csv(
    path: Path,
    shown: str,
    head: bytes,
    encoding: str | None,
    header_row: int,
    settings: ReadSettings,
    progress: Progress | None,
) -> RawTable:
    kind = sniff(path, head)
    if kind:
        raise DataError(f"{shown}: this is {kind}, not CSV text; {advice(kind)}")
    enc, scan, enc_warning = choose_encoding(path, shown, head, encoding, settings)
    if header_row > scan.lines:
        raise DataError(
            f"{shown}: --header-row {header_row} is beyond the end of the file "
            f"({scan.lines} line(s)); give the row that holds the column names"
        )
    title, sample = _head_text(path, shown, enc, encoding, header_row)
    sep = detect_delimiter(sample)
    width = _header_width(shown, sample, sep, header_row, scan, settings)
    chunk_rows = max(1, min(200_000, settings.chunk_cells // width))
    parsed = None
    parser = "pyarrow"
    if settings.fast_csv and '"' not in title:  # pandas may skip a quoted title differently
        parsed = parse_fast(path, enc, sep, header_row, width, chunk_rows, scan, settings, progress)
    if parsed is None:
        parser = "pandas"
        parsed = parse_general(
            path, shown, enc, encoding, sep, header_row, width, chunk_rows, settings, scan, progress
        )
    header_cells, frame = parsed
    warnings: list[RunWarning] = [enc_warning] if enc_warning else []
    frame, col_names = _fit_header(
        frame, [clean_name(v) for v in header_cells], width, shown, sep, header_row
    )
    frame, col_names, dropped = drop_empty_unnamed(frame, col_names)
    if dropped:
        warnings.append(
            RunWarning(
                WarningCode.EMPTY_COLUMNS,
                f"{shown}: {dropped} column(s) without a name or any value were "
                "ignored (trailing delimiters)",
                count=dropped,
            )
        )
    frame.columns = [n or unnamed(j) for j, n in enumerate(col_names)]
    blank = blank_rows(frame)
    repeat = repeated_header_rows(frame, col_names)
    frame, row_numbers, skipped, more = ledger_rows(frame, blank, repeat, shown)
    warnings.extend(more)
    fmt = f"csv (delimiter {sep!r}, {encoding or enc})"
    return RawTable(
        frame,
        path.name,
        scan.sha256,
        fmt,
        row_numbers=row_numbers,
        skipped=skipped,
        warnings=warnings,
        parser=parser,
    )


def _head_text(
    path: Path, shown: str, enc: str, encoding: str | None, header_row: int
) -> tuple[str, str]:
    """The lines above the header (a title), and the header record with a sample after it."""
    try:
        with path.open("r", encoding=enc, newline="") as fh:
            title = "".join(fh.readline() for _ in range(header_row - 1))
            sample = fh.readline()
            sample += fh.read(64 * 1024)
            sample += fh.readline()
    except UnicodeDecodeError as exc:
        raise DataError(decode_message(shown, enc, encoding, exc)) from None
    if not sample.strip():
        where = f"row {header_row}: " if header_row > 1 else ""
        raise DataError(
            f"{shown}: {where}the file holds no data, only blank lines; export the data again"
        )
    if control_share(sample[:65536]) > 0.05:  # random bytes hold about 12%; pasted text a few
        raise DataError(
            f"{shown}: holds control characters, so it is a binary file, not CSV text; export "
            "the data as CSV, or give the original file with its own extension"
        )
    return title, sample


def _header_width(
    shown: str, sample: str, sep: str, header_row: int, scan: Scan, settings: ReadSettings
) -> int:
    """The number of columns the header names, checked against the limits."""
    lim = settings.limits
    try:
        header = next(csv.reader(io.StringIO(sample), delimiter=sep), [])
    except csv.Error as exc:
        raise DataError(
            f"{shown}: row {header_row} (the header): cannot be split into columns ({exc}); "
            "check the quotes in the header"
        ) from None
    width = max(len(header), 1)
    if width > lim.max_columns:
        raise DataError(
            f"{shown}: row {header_row} (the header): {width} columns, more than the limit of "
            f"{lim.max_columns}; keep only the survey's columns"
        )
    if width * max(scan.lines - header_row, 1) > lim.max_csv_cells:
        raise DataError(
            f"{shown}: about {width} columns x {scan.lines - header_row} rows, more than the "
            f"limit of {lim.max_csv_cells:,} cells; keep only the survey's columns or split "
            "the file"
        )
    return width


def _fit_header(
    frame: pd.DataFrame, col_names: list[str], width: int, shown: str, sep: str, header_row: int
) -> tuple[pd.DataFrame, list[str]]:
    """The frame cut to the header's width, with one name per column.

    Columns beyond the header: empty ones are trailing delimiters; values there mean a row
    has more values than the header has names, so columns would shift: refuse.
    """
    for j in range(width, frame.shape[1]):
        filled = ~empty_cells(frame.iloc[:, j])
        if filled.any():
            row = int(np.flatnonzero(filled)[0]) + 1
            lower = header_further_down(frame, width)
            if lower:
                raise DataError(
                    f"{shown}: row {header_row}: the first row has {width} column(s) but rows "
                    f"below have more, as when a title sits above the column names; pass "
                    f"--header-row {header_row + lower} if the names are in that row"
                )
            raise DataError(
                f"{shown}: row {row}: more values than the header has columns ({width}); a "
                f"value may contain the delimiter {sep!r} without quotes, or the header lacks "
                "a name; quote that value or add the missing column name"
            )
    frame = frame.iloc[:, :width]
    col_names = col_names[:width] + [""] * (width - len(col_names[:width]))
    return frame, col_names
