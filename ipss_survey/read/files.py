"""Reading a survey file by its extension into one ``RawTable``; every failure one line.

CSV and other delimited text (``csv_reader``), Excel workbooks (``excel``), and SPSS, Stata
and SAS files (``readstat``); the libraries behind them (pyarrow, pandas, openpyxl,
pyreadstat) load when a file of theirs is read, so the command line starts fast. The path,
the file type and the size are checked before any of them opens the file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ipss_survey.errors import DataError, one_line
from ipss_survey.read.csv_reader import read_csv
from ipss_survey.read.excel import read_excel
from ipss_survey.read.platforms import recognise
from ipss_survey.read.readstat import read_readstat
from ipss_survey.read.sniff import looks_like_text
from ipss_survey.read.table import MiB, Progress, RawTable, ReadSettings, size_text
from ipss_survey.warnings import RunWarning, WarningCode

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
READSTAT_SUFFIXES = {".sav", ".zsav", ".dta", ".sas7bdat", ".xpt"}
SUPPORTED = sorted(CSV_SUFFIXES | EXCEL_SUFFIXES | READSTAT_SUFFIXES)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(MiB), b""):
            h.update(block)
    return h.hexdigest()


def read_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    header_row: int = 1,
    settings: ReadSettings | None = None,
    progress: Progress | None = None,
) -> RawTable:
    """Read a survey file by its extension; every failure is a one-line ``DataError``.

    ``header_row`` is the 1-based row (line of a CSV, row of a sheet) holding the column names;
    rows above it (titles, notes) are ignored. ``progress``, if given, is called with (bytes
    read, file size) as a CSV file is parsed, and once with (size, size) when the file is read,
    whatever its format; it draws nothing itself, so the caller decides whether a bar is shown.
    """
    settings = settings or ReadSettings()
    lim = settings.limits
    p = Path(path)
    shown = one_line(path)
    if isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1:
        raise DataError(
            f"{shown}: --header-row must be a row number of 1 or more (the row holding the "
            f"column names), not {header_row!r}"
        )
    if not p.exists():
        raise DataError(f"{shown}: no such file; check the path and the current folder")
    if p.is_dir():
        raise DataError(f"{shown}: is a folder; give the data file itself")
    if not p.is_file():
        raise DataError(f"{shown}: is not a regular file; give a data file saved on disk")
    suffix = p.suffix.lower()
    try:
        size = p.stat().st_size
        with settings.opener(p) as fh:
            head = fh.read(64 * 1024)
    except PermissionError:
        raise DataError(
            f"{shown}: permission denied: the file cannot be read; check its permissions "
            "or copy it to a folder you can read"
        ) from None
    except OSError as exc:
        raise DataError(
            f"{shown}: cannot be read ({exc.strerror or exc}); check the file"
        ) from None
    if suffix not in set(SUPPORTED):
        raise DataError(_unsupported_message(shown, suffix, head))
    if size == 0:
        raise DataError(f"{shown}: the file is empty (0 bytes); export the data again")
    if size > lim.max_file_bytes:
        raise DataError(
            f"{shown}: the file is {size_text(size)}, more than the "
            f"{size_text(lim.max_file_bytes)} limit for one data file; split it or keep only "
            "the survey's columns"
        )
    if suffix in CSV_SUFFIXES:
        table = read_csv(p, shown, head, encoding, header_row, settings, progress)
    elif suffix in EXCEL_SUFFIXES:
        table = read_excel(p, shown, head, sheet, header_row, lim)
    else:
        table = read_readstat(p, shown, head, suffix, encoding, header_row, lim)
    if not table.sha256:
        table.sha256 = file_sha256(p)
    table.where = shown
    table.header_row = header_row
    if table.frame.shape[1] == 0:
        raise DataError(
            f"{shown}: row {header_row}: no column names found; the header row must hold "
            "the column names (pass --header-row if they are lower down)"
        )
    if sheet is not None and suffix not in EXCEL_SUFFIXES:
        table.warnings.append(
            RunWarning(WarningCode.OPTION_IGNORED, "--sheet applies to Excel files only; ignored")
        )
    if progress is not None:
        progress(size, size)
    return recognise(table)


def _unsupported_message(shown: str, suffix: str, head: bytes) -> str:
    if suffix == ".xls":
        return (
            f"{shown}: old Excel 97-2003 .xls workbooks are not read; open it in Excel and "
            "save it as .xlsx, or export CSV"
        )
    if suffix == ".ods":
        return f"{shown}: OpenDocument .ods spreadsheets are not read; save it as .xlsx or CSV"
    name = suffix or "(no extension)"
    hint = "; if it is CSV text, rename it to end in .csv" if looks_like_text(head) else ""
    return f"{shown}: unsupported file type {name!r}; use one of {', '.join(SUPPORTED)}{hint}"
