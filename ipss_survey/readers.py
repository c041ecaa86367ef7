"""Reading survey files (CSV, Excel, SPSS, Stata, SAS) into one raw table.

Reading does no interpretation of answers: cells come back as the file holds them (text for
CSV, numbers or text for the others), with the value labels and user-defined missing values of
statistical formats kept beside them for the coding step.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipss_survey.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
READSTAT_SUFFIXES = {".sav", ".zsav", ".dta", ".sas7bdat", ".xpt"}
SUPPORTED = sorted(CSV_SUFFIXES | EXCEL_SUFFIXES | READSTAT_SUFFIXES)
DELIMITERS = ",;\t|"


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
    notes: list[str] = field(default_factory=list)
    where: str = ""  # the path as the user gave it, for messages


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_table(
    path: str | Path, *, encoding: str | None = None, sheet: str | None = None
) -> RawTable:
    """Read a survey file by its extension."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file; check the path")
    if p.is_dir():
        raise DataError(f"{p}: is a folder; give the data file itself")
    suffix = p.suffix.lower()
    if suffix not in set(SUPPORTED):
        raise DataError(
            f"{p}: unsupported file type {suffix or '(no extension)'!r}; "
            f"use one of {', '.join(SUPPORTED)}"
        )
    try:
        digest = file_sha256(p)
    except OSError as exc:
        raise DataError(f"{p}: cannot be read ({exc.strerror})") from None
    if p.stat().st_size == 0:
        raise DataError(f"{p}: the file is empty")
    if suffix in CSV_SUFFIXES:
        table = _read_csv(p, encoding)
    elif suffix in EXCEL_SUFFIXES:
        table = _read_excel(p, sheet)
    else:
        table = _read_readstat(p, suffix, encoding)
    table.sha256 = digest
    table.where = str(path)
    if table.frame.shape[1] == 0:
        raise DataError(f"{p}: no columns found; the first row must hold the column names")
    return table


# --------------------------------------------------------------------------- CSV


def _detect_encoding(head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start < len(head) - 4:
            return "cp1252"
    return "utf-8"


def _detect_delimiter(sample: str, path: Path) -> str:
    """The delimiter that splits the header into most columns and the rows consistently."""
    import io

    if not sample.strip():
        raise DataError(f"{path}: the file holds no data, only blank lines")
    text = sample if len(sample) < (1 << 16) - 16 else sample[: sample.rfind("\n") + 1]
    best, best_score = ",", (-1.0, 0)
    for d in DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(text), delimiter=d) if r][:200]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        body = rows[1:] or rows
        consistent = sum(len(r) == width for r in body) / len(body)
        score = (consistent, width)
        if score > best_score:
            best, best_score = d, score
    return best


def _read_csv(path: Path, encoding: str | None) -> RawTable:
    import pandas as pd

    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(
            f"{path}: looks like a binary file, not CSV text; export the data as CSV, or give "
            "the original file with its own extension (.xlsx, .sav, ...)"
        )
    notes: list[str] = []
    enc = encoding or _detect_encoding(head)
    try:
        sample = head.decode(enc, errors="ignore")
    except LookupError:
        raise DataError(f"{path}: unknown encoding {enc!r}; try --encoding cp1252") from None
    sep = _detect_delimiter(sample, path)

    def parse(enc_: str) -> pd.DataFrame:
        return pd.read_csv(
            path,
            sep=sep,
            encoding=enc_,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
            skipinitialspace=False,
        )

    try:
        frame = parse(enc)
    except UnicodeDecodeError:
        if encoding:
            raise DataError(
                f"{path}: cannot be decoded as {encoding}; try --encoding cp1252 or utf-8"
            ) from None
        enc = "cp1252"
        notes.append(
            f"{path.name}: not valid UTF-8; read as cp1252 (Windows). If accents look "
            "wrong, pass --encoding"
        )
        try:
            frame = parse(enc)
        except UnicodeDecodeError:
            enc = "latin-1"
            frame = parse(enc)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file holds no data") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: not a readable CSV file ({str(exc).strip()})") from None
    if enc == "cp1252" and not notes:
        notes.append(f"{path.name}: read as cp1252 (Windows)")
    frame.columns = [str(c).strip() for c in frame.columns]
    return RawTable(frame, path.name, "", f"csv (delimiter {sep!r}, {enc})", notes=notes)


# --------------------------------------------------------------------------- Excel


def _read_excel(path: Path, sheet: str | None) -> RawTable:
    import zipfile

    import pandas as pd

    if not zipfile.is_zipfile(path):
        raise DataError(
            f"{path}: not an Excel .xlsx workbook (the file is not a zip package); if it is "
            "encrypted, save an unprotected copy; if it is an old .xls, save it as .xlsx"
        )
    try:
        frame = pd.read_excel(
            path, sheet_name=sheet if sheet else 0, dtype=object, engine="openpyxl"
        )
    except ValueError as exc:
        raise DataError(f"{path}: {exc}") from None
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise DataError(f"{path}: the workbook is damaged and cannot be read ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.dropna(how="all")
    return RawTable(frame.reset_index(drop=True), path.name, "", "xlsx")


# --------------------------------------------------------------------------- SPSS / Stata / SAS


def _read_readstat(path: Path, suffix: str, encoding: str | None) -> RawTable:
    import pyreadstat

    readers = {
        ".sav": pyreadstat.read_sav,
        ".zsav": pyreadstat.read_sav,
        ".dta": pyreadstat.read_dta,
        ".sas7bdat": pyreadstat.read_sas7bdat,
        ".xpt": pyreadstat.read_xport,
    }
    kwargs: dict[str, Any] = {}
    if suffix in {".sav", ".zsav", ".dta", ".sas7bdat"}:
        kwargs["user_missing"] = True
    if encoding:
        kwargs["encoding"] = encoding
    try:
        frame, meta = readers[suffix](str(path), **kwargs)
    except Exception as exc:  # pyreadstat raises its own ReadstatError/PyreadstatError
        raise DataError(
            f"{path}: cannot be read as a {suffix} file ({str(exc).strip() or type(exc).__name__})"
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    labels = {str(k).strip(): dict(v) for k, v in (meta.variable_value_labels or {}).items()}
    user_missing = {str(k).strip(): list(v) for k, v in (meta.missing_user_values or {}).items()}
    ranges = {
        str(k).strip(): [(r["lo"], r["hi"]) for r in v]
        for k, v in (getattr(meta, "missing_ranges", None) or {}).items()
    }
    return RawTable(frame, path.name, "", suffix.lstrip("."), labels, user_missing, ranges)
