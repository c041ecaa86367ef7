"""What reading produces (``RawTable``), the bounds it keeps (``Limits``), and its settings.

Reading does no interpretation of answers: cells come back as the file holds them (text for
CSV, numbers or text for the others), with the value labels and user-defined missing values
of statistical formats kept beside them for the coding step.

Row numbers. Data row N is the N-th record after the header row, so it is spreadsheet row
``header_row + N`` (a quoted value spanning several lines stays one record, as in a
spreadsheet). Blank records between data rows and header rows repeated mid-file are read but
are not respondents: they are returned in ``RawTable.skipped`` (reasons "blank row" and
"repeated header row") so the row ledger accounts for them. Blank records after the last data
row are padding and are not counted. SPSS/Stata/SAS files number their cases 1..n.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from ipss_survey.warnings import RunWarning

if TYPE_CHECKING:
    import pandas as pd

    from ipss_survey.read.platforms import Layout

# Called with (bytes of the file read so far, the file's size) while a file is parsed.
Progress = Callable[[int, int], None]

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class Limits:
    """Bounds on what one data file may hold, so huge or hostile files fail fast.

    A file beyond one fails at once with a message, before it is parsed: a data file of at
    most 2 GiB; a CSV line of at most 4 MiB; at most 16,384 columns (Excel's own maximum); at
    most 250 million cells (1.1 billion in a CSV file, read at one byte a cell); an .xlsx
    package whose parts unpack to at most 2 GiB, none of them compressed more than 200:1 (a
    zip bomb is refused from its directory, before anything is unpacked).
    """

    max_file_bytes: int = 2 * GiB
    max_line_bytes: int = 4 * MiB
    max_columns: int = 16_384
    max_cells: int = 250_000_000  # SPSS, Stata, SAS and Excel: 8 bytes or more a cell when read
    # CSV: answer columns are held as one byte a cell, so a 2 GiB file (about 10 million
    # respondents to 94 items) may be read whole; about 2 GB of memory at 5 million.
    max_csv_cells: int = 1_100_000_000
    max_unpacked_bytes: int = 2 * GiB  # .xlsx: declared unpacked size of all parts
    max_zip_ratio: int = 200  # .xlsx: unpacked / packed size of one part above 1 MiB


def open_binary(path: Path) -> BinaryIO:
    return path.open("rb")


@dataclass(frozen=True)
class ReadSettings:
    """How files are read: the limits, and the CSV parsers' block sizes.

    The defaults are what the tool uses; tests pass smaller blocks to exercise several of
    them on a small file, ``fast_csv=False`` to compare the two CSV parsers, and an
    ``opener`` that counts or refuses reads.
    """

    limits: Limits = field(default_factory=Limits)
    fast_csv: bool = True  # CSV through pyarrow's reader first (the general one when it can't)
    chunk_cells: int = 10_000_000  # CSV cells parsed at a time; several chunks: categories
    fast_block_bytes: int = MiB  # CSV text the fast reader parses at a time
    fast_categories_after: int = 10_000  # rows from which the fast reader holds categories
    raw_after: int = 4096  # distinct texts after which a column keeps its text (ids)
    opener: Callable[[Path], BinaryIO] = open_binary  # every read of a data file's bytes


@dataclass(frozen=True)
class ExcludedRow:
    """A row of the data file that is not analysed, and why (``data.rows_excluded``)."""

    row: int  # the 1-based data row (see the module docstring)
    id: str | None
    reason: str


@dataclass
class RawTable:
    """A data file as read: cells untouched, plus what the file says about them."""

    frame: pd.DataFrame
    source: str
    sha256: str
    file_format: str
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    user_missing: dict[str, list[Any]] = field(default_factory=dict)
    missing_ranges: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    where: str = ""  # the path as the user gave it, for messages
    # Data row number (1-based, see the module docstring) of each frame row; None: 1..n.
    row_numbers: np.ndarray | None = None
    skipped: list[ExcludedRow] = field(default_factory=list)  # read, but not respondents
    warnings: list[RunWarning] = field(default_factory=list)
    header_row: int = 1
    sheets: list[str] = field(default_factory=list)  # all sheets of a workbook
    sheet: str | None = None  # the sheet read
    parser: str = ""  # what parsed it: "pyarrow" or "pandas" (CSV), "openpyxl", "pyreadstat"
    layout: Layout | None = None  # the survey platform's export layout (``platforms``)


def size_text(n: int) -> str:
    """A byte count as people read it: 97.7 KB, 2.0 GB."""
    for unit, scale in (("GB", GiB), ("MB", MiB), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"
