"""CSV, general path: pandas' C parser, for any file the fast path cannot read exactly.

A file comes here when pyarrow is not installed, a row has more or fewer values than the
header (trailing delimiters on data rows only), a quote is left open to the end of the file,
a quote sits in the lines above ``header_row``, text is invalid in its encoding, or a record
is longer than a block; its errors and messages are then the ones reported. Files of more
than one chunk are held as categories (one small code per cell), as the fast path holds them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipss_survey.errors import DataError
from ipss_survey.read.encoding import Scan, decode_message
from ipss_survey.read.table import Progress, ReadSettings

if TYPE_CHECKING:
    import pandas as pd


def parse_general(
    path: Path,
    shown: str,
    enc: str,
    encoding: str | None,
    sep: str,
    header_row: int,
    width: int,
    chunk_rows: int,
    settings: ReadSettings,
    scan: Scan,
    progress: Progress | None,
) -> tuple[list[Any], pd.DataFrame]:
    """The general CSV parser (pandas): header cells and data rows, for any file it can read.

    Rows may be shorter (padded) or longer (up to a few extra columns) than the header, so the
    caller can tell trailing delimiters from values without a column.
    """
    import pandas as pd

    def rows_done(rows: int) -> None:
        if progress is not None:  # an estimate: records parsed of the lines in the file
            size = scan.size
            progress(min(size, size * (rows + header_row - 1) // max(scan.lines, 1)), size)

    slack = 4
    for attempt in range(4):
        names = [f"c{i}" for i in range(width + slack)]
        try:
            reader = pd.read_csv(
                path,
                sep=sep,
                encoding=enc,
                header=None,
                names=names,
                skiprows=header_row - 1,
                dtype=object,  # plain Python text: no Arrow conversion for cells about to be coded
                na_filter=False,
                skip_blank_lines=False,
                index_col=False,
                engine="c",
                chunksize=chunk_rows,
            )
            with reader:
                frame = _collect_chunks(reader, names, rows_done)
            break
        except UnicodeDecodeError as exc:
            raise DataError(decode_message(shown, enc, encoding, exc)) from None
        except pd.errors.EmptyDataError:
            raise DataError(f"{shown}: the file holds no data; export the data again") from None
        except pd.errors.ParserError as exc:
            m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
            if m and attempt < 3 and int(m.group(3)) <= settings.limits.max_columns:
                slack = int(m.group(3)) - width + 4
                continue
            raise DataError(_parser_message(shown, str(exc), header_row, width, sep)) from None

    header_cells = [frame.iloc[0, j] for j in range(frame.shape[1])] if len(frame) else []
    return header_cells, frame.iloc[1:].reset_index(drop=True)


def _collect_chunks(
    reader: Any, names: list[str], rows_done: Callable[[int], None] | None = None
) -> pd.DataFrame:
    """The parsed chunks as one frame; a file of several chunks is held as categories.

    Each chunk is turned into categories as soon as it is parsed (a small code per cell, each
    distinct text once), so memory follows the distinct answers, not rows x columns.
    """
    import pandas as pd
    from pandas.api.types import union_categoricals

    first: pd.DataFrame | None = None
    parts: list[dict[str, Any]] = []
    rows = 0
    for chunk in reader:
        rows += len(chunk)
        if rows_done is not None:
            rows_done(rows)
        if first is None:
            first = chunk
            continue
        if not parts:
            parts.append({n: _categories(first[n]) for n in names})
        parts.append({n: _categories(chunk[n]) for n in names})
    if first is None:
        return pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
    if not parts:
        return first.reset_index(drop=True)
    joined = {}
    for n in names:  # free each column's pieces once joined: memory peaks at one column
        joined[n] = union_categoricals([p.pop(n) for p in parts])
    return pd.DataFrame(joined, copy=False)


def _categories(s: pd.Series) -> pd.Categorical:
    """A text column as categories of plain Python strings (no detour through Arrow)."""
    import pandas as pd

    codes, uniques = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))


def _parser_message(shown: str, text: str, header_row: int, width: int, sep: str) -> str:
    text = " ".join(text.split())
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        row = int(m.group(2)) - header_row
        return (
            f"{shown}: row {row}: {m.group(3)} values where the header has {width} columns; a "
            f"value may contain the delimiter {sep!r} without quotes; quote that value or fix "
            "the row"
        )
    m = re.search(r"EOF inside string starting at row (\d+)", text)
    if m:
        row = int(m.group(1)) - header_row + 1
        return (
            f'{shown}: row {row}: a quote (") opens a value that never closes; remove the '
            "stray quote or close it"
        )
    return f"{shown}: not a readable CSV file ({text}); check the delimiter and quotes"
