"""Reading survey files (CSV, Excel, SPSS, Stata, SAS) into one raw table.

Reading does no interpretation of answers: cells come back as the file holds them (text for
CSV, numbers or text for the others), with the value labels and user-defined missing values of
statistical formats kept beside them for the coding step.

Row numbers. Data row N is the N-th record after the header row, so it is spreadsheet row
``header_row + N`` (a quoted value spanning several lines stays one record, as in a spreadsheet).
Blank records between data rows and header rows repeated mid-file are read but are not
respondents: they are returned in ``RawTable.skipped`` (reasons "blank row" and "repeated header
row") so the row ledger accounts for them. Blank records after the last data row are padding
and are not counted. SPSS/Stata/SAS files number their cases 1..n.

Limits (``Limits``; a file beyond one fails at once with a message, before it is parsed):
a data file of at most 2 GiB; a CSV line of at most 4 MiB; at most 16,384 columns (Excel's own
maximum); at most 250 million cells (rows x columns); an .xlsx package whose parts unpack to at
most 2 GiB, none of them compressed more than 200:1 (a zip bomb is refused from its directory,
before anything is unpacked).

CSV, two parsers. pyarrow's multi-threaded reader is the normal path: the file is parsed in
blocks of about 5,000 rows (the next block parsed in a thread while this one is coded), and each
column is kept as category codes, one byte a cell for any column of fewer than 127 distinct
texts, so a parsed block is dropped at once. pandas' reader is the general path: a file goes
to it only when the fast reader cannot give exactly the same cells and ledger (pyarrow not
installed; a row with more or fewer values than the header, such as trailing delimiters on data
rows only; a quote left open to the end of the file; a quote in the lines above
``header_row``; text invalid in its encoding; a record longer than a block), and then its errors
and messages are the ones reported. Both give the same cells, row numbers, skipped rows and
warnings; cells are held as categories (one byte each) above ``FAST_CATEGORIES_AFTER`` rows, or
above one chunk for pandas, and as plain text otherwise; columns of very many distinct texts
(ids, comments) stay plain text. ``progress`` reports the bytes parsed, for a progress bar.

Memory: reading holds about rows x columns bytes of codes plus about 70 bytes a row for each
id-like column; coding adds rows x items bytes (int8). The 2 GiB file limit comes first in
practice (benchmarks/README.md has the measured figures).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ipss_survey.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

# Called with (bytes of the file read so far, the file's size) while a file is parsed.
Progress = Callable[[int, int], None]

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
READSTAT_SUFFIXES = {".sav", ".zsav", ".dta", ".sas7bdat", ".xpt"}
SUPPORTED = sorted(CSV_SUFFIXES | EXCEL_SUFFIXES | READSTAT_SUFFIXES)
DELIMITERS = ",;\t|"

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class Limits:
    """Bounds on what one data file may hold, so huge or hostile files fail fast."""

    max_file_bytes: int = 2 * GiB
    max_line_bytes: int = 4 * MiB
    max_columns: int = 16_384
    max_cells: int = 250_000_000  # SPSS, Stata, SAS and Excel: 8 bytes or more a cell when read
    # CSV: answer columns are held as one byte a cell, so a 2 GiB file (about 10 million
    # respondents to 94 items) may be read whole; about 2 GB of memory at 5 million.
    max_csv_cells: int = 1_100_000_000
    max_unpacked_bytes: int = 2 * GiB  # .xlsx: declared unpacked size of all parts
    max_zip_ratio: int = 200  # .xlsx: unpacked / packed size of one part above 1 MiB


LIMITS = Limits()
CHUNK_CELLS = 10_000_000  # CSV cells parsed at a time; a file of several chunks is categorised
FAST_CSV = True  # CSV through pyarrow's reader first; tests switch it off to compare the parsers


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
    # Data row number (1-based, see the module docstring) of each frame row; None: 1..n.
    row_numbers: np.ndarray | None = None
    # Records read that are not respondents: [{"row", "id": None, "reason"}].
    skipped: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    header_row: int = 1
    sheets: list[str] = field(default_factory=list)  # all sheets of a workbook
    sheet: str | None = None  # the sheet read


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def one_line(text: object) -> str:
    """Text fit for a one-line message: line breaks and control characters shown escaped.

    Column, sheet and file names come from the user's files and may hold a line break.
    """
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], str(text))


def _names(names: list[str]) -> str:
    return ", ".join(one_line(n) for n in names)


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
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> RawTable:
    """Read a survey file by its extension; every failure is a one-line ``DataError``.

    ``header_row`` is the 1-based row (line of a CSV, row of a sheet) holding the column names;
    rows above it (titles, notes) are ignored. ``progress``, if given, is called with (bytes
    read, file size) as a CSV file is parsed, and once with (size, size) when the file is read,
    whatever its format; it draws nothing itself, so the caller decides whether a bar is shown.
    """
    lim = limits or LIMITS
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
        with _open_binary(p) as fh:
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
            f"{shown}: the file is {_size(size)}, more than the {_size(lim.max_file_bytes)} "
            "limit for one data file; split it or keep only the survey's columns"
        )
    if suffix in CSV_SUFFIXES:
        table = _read_csv(p, shown, head, encoding, header_row, lim, progress)
    elif suffix in EXCEL_SUFFIXES:
        from ipss_survey.excel import read_excel  # the format modules load when needed

        table = read_excel(p, shown, head, sheet, header_row, lim)
    else:
        from ipss_survey.readstat import read_readstat

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
            {"code": "option_ignored", "message": "--sheet applies to Excel files only; ignored"}
        )
    if progress is not None:
        progress(size, size)
    return table


def _open_binary(p: Path) -> Any:
    """Open for reading (a seam for tests that simulate an unreadable file)."""
    return p.open("rb")


def _size(n: int) -> str:
    for unit, scale in (("GB", GiB), ("MB", MiB), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


# --------------------------------------------------------------------------- what is this file?

_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"$FL2", "an SPSS .sav data file"),
    (b"$FL3", "an SPSS .zsav data file"),
    (b"<stata_dta>", "a Stata .dta data file"),
    (b"HEADER RECORD*******", "a SAS transport .xpt file"),
    (b"\x00" * 12 + b"\xc2\xea\x81\x60\xb3\x14\x11\xcf", "a SAS .sas7bdat data file"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"{\\rtf", "an RTF document"),
]


def _sniff(path: Path, head: bytes) -> str | None:
    """What the bytes say the file is, when they say it is not CSV text."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if kind == "zip":
                return _zip_kind(path)
            if kind == "ole2":
                return _ole2_kind(path)
            return kind
    low = head[:2048].lstrip().lower()
    if low.startswith((b"<!doctype html", b"<html")) or b"<html" in low[:512]:
        return "an HTML web page (a download may have saved a login or error page)"
    if low.startswith(b"<?xml"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in head:
            return "an Excel 2003 XML spreadsheet"
        return "an XML file"
    return None


def _zip_kind(path: Path) -> str:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return "a damaged ZIP archive"
    if "xl/workbook.xml" in names:
        return "an Excel .xlsx workbook"
    if "word/document.xml" in names:
        return "a Word .docx document"
    if any(n.startswith("ppt/") for n in names):
        return "a PowerPoint .pptx presentation"
    if b"opendocument.spreadsheet" in mimetype:
        return "an OpenDocument .ods spreadsheet"
    return "a ZIP archive"


def _ole2_kind(path: Path) -> str:
    """Old Office container: an encrypted .xlsx, an .xls workbook or a .doc."""
    with _open_binary(path) as fh:
        data = fh.read(16 * MiB)
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "a password-protected (encrypted) Excel workbook"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "an old Excel 97-2003 .xls workbook"
    if "WordDocument".encode("utf-16-le") in data:
        return "a Word 97-2003 .doc document"
    return "an old Microsoft Office (OLE2) file"


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")  # not \t \n \v \f \r, DOS EOF


def _control_share(text: str) -> float:
    """Share of control characters: text has a few at most, binary data about one in eight."""
    return len(_CONTROL.findall(text)) / max(len(text), 1)


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    text = head.decode("utf-8", errors="replace")
    return _control_share(text) <= 0.01 and text.count("\ufffd") <= len(text) // 50


_ADVICE = {
    "a password-protected (encrypted) Excel workbook": "open it in Excel, remove the password "
    "(File > Info > Protect Workbook > Encrypt with Password) and save an unprotected copy",
    "an old Excel 97-2003 .xls workbook": "open it in Excel and save it as .xlsx, or export CSV",
    "an Excel .xlsx workbook": "rename it to end in .xlsx",
    "an SPSS .sav data file": "rename it to end in .sav",
    "an SPSS .zsav data file": "rename it to end in .zsav",
    "a Stata .dta data file": "rename it to end in .dta",
    "a SAS transport .xpt file": "rename it to end in .xpt",
    "a SAS .sas7bdat data file": "rename it to end in .sas7bdat",
    "an OpenDocument .ods spreadsheet": "save it as .xlsx or CSV",
    "an Excel 2003 XML spreadsheet": "open it in Excel and save it as .xlsx",
    "a ZIP archive": "unzip it and give the data file inside",
    "a gzip-compressed file": "unpack it and give the data file inside",
}


def _advice(kind: str) -> str:
    return _ADVICE.get(kind, "export the survey data as CSV or .xlsx and give that file")


def _unsupported_message(shown: str, suffix: str, head: bytes) -> str:
    if suffix == ".xls":
        return (
            f"{shown}: old Excel 97-2003 .xls workbooks are not read; open it in Excel and "
            "save it as .xlsx, or export CSV"
        )
    if suffix == ".ods":
        return f"{shown}: OpenDocument .ods spreadsheets are not read; save it as .xlsx or CSV"
    name = suffix or "(no extension)"
    hint = "; if it is CSV text, rename it to end in .csv" if _looks_like_text(head) else ""
    return f"{shown}: unsupported file type {name!r}; use one of {', '.join(SUPPORTED)}{hint}"


# --------------------------------------------------------------------------- CSV


@dataclass
class _Scan:
    sha256: str = ""
    lines: int = 0
    utf8_bad_at: int | None = None  # byte offset of the first invalid UTF-8 sequence
    utf8_bad_line: int = 0  # and its line (1-based)
    cp1252_undefined: bool = False  # holds bytes cp1252 leaves undefined (read as latin-1)
    longest: int = 0  # bytes in the longest line
    size: int = 0  # bytes in the file


_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


def _scan(path: Path, shown: str, eight_bit: bool, check_utf8: bool, lim: Limits) -> _Scan:
    """One pass over the bytes: hash, line lengths, NUL bytes and UTF-8 validity.

    Runs before parsing so that a gigabyte-long line or a binary file is refused after reading
    at most ``max_line_bytes`` past the last line break, whatever the file's size.
    """
    out = _Scan()
    h = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")() if check_utf8 else None
    offset, prev_nl, lines = 0, -1, 0
    with _open_binary(path) as fh:
        for block in iter(lambda: fh.read(MiB), b""):
            h.update(block)
            if eight_bit and b"\x00" in block:
                at = offset + block.index(b"\x00")
                raise DataError(
                    f"{shown}: byte {at}: holds NUL bytes, so it is a binary file, not CSV "
                    "text; export the data as CSV, or give the original file with its own "
                    "extension (.xlsx, .sav, ...)"
                )
            nl = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
            if nl.size:
                longest = offset + int(nl[0]) - prev_nl - 1
                if nl.size > 1:
                    longest = max(longest, int(np.diff(nl).max()) - 1)
                if longest > lim.max_line_bytes:
                    _line_too_long(shown, lines + 1, lim)
                out.longest = max(out.longest, longest)
                lines += int(nl.size)
                prev_nl = offset + int(nl[-1])
            offset += len(block)
            if offset - prev_nl - 1 > lim.max_line_bytes:
                _line_too_long(shown, lines + 1, lim)
            if not block.isascii():
                if decoder is not None and out.utf8_bad_at is None:
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError as exc:
                        start = max(exc.start, 0)
                        out.utf8_bad_at = offset - len(block) + start
                        out.utf8_bad_line = lines - int(nl.size) + block.count(b"\n", 0, start) + 1
                if eight_bit and _CP1252_UNDEFINED.search(block):
                    out.cp1252_undefined = True
            elif decoder is not None and out.utf8_bad_at is None and decoder.getstate()[0]:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    out.utf8_bad_at = offset - len(block)
                    out.utf8_bad_line = lines - int(nl.size) + 1
    if decoder is not None and out.utf8_bad_at is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            out.utf8_bad_at = offset
            out.utf8_bad_line = lines + 1
    out.sha256 = h.hexdigest()
    out.lines = lines + (1 if offset - prev_nl - 1 > 0 else 0)
    out.longest = max(out.longest, offset - prev_nl - 1)
    out.size = offset
    return out


def _line_too_long(shown: str, line: int, lim: Limits) -> None:
    raise DataError(
        f"{shown}: line {line}: longer than {_size(lim.max_line_bytes)}, the limit for one "
        "line of a CSV file; this is not a survey table (check that it was exported as CSV)"
    )


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text without a byte-order mark: NUL bytes in every other position."""
    sample = head[: 4096 - (len(head[:4096]) % 2)]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _choose_encoding(
    path: Path, shown: str, head: bytes, encoding: str | None, lim: Limits
) -> tuple[str, _Scan, dict[str, Any] | None]:
    """The encoding to read with, the byte scan, and a warning when it is a guess."""
    if encoding:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise DataError(
                f"{shown}: unknown encoding {encoding!r} given to --encoding; use a name such as "
                "utf-8, cp1252, latin-1 or utf-16"
            ) from None
        if name == "utf-8" and head.startswith(codecs.BOM_UTF8):
            name = "utf-8-sig"
        wide = name.startswith(("utf-16", "utf-32"))
        scan = _scan(path, shown, not wide, name == "utf-8", lim)
        if scan.utf8_bad_at is not None:
            raise DataError(
                f"{shown}: line {scan.utf8_bad_line}: not valid UTF-8 (byte {scan.utf8_bad_at}) "
                f"although --encoding {encoding} was given; try --encoding cp1252, or leave "
                "--encoding out to detect it"
            )
        return name, scan, None
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", _scan(path, shown, True, False, lim), None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", _scan(path, shown, False, False, lim), None
    wide = _utf16_without_bom(head)
    if wide:
        return wide, _scan(path, shown, False, False, lim), None
    scan = _scan(path, shown, True, True, lim)
    if scan.utf8_bad_at is None:
        return "utf-8", scan, None
    enc = "latin-1" if scan.cp1252_undefined else "cp1252"
    sample = _sample_word(path, scan.utf8_bad_at, enc)
    label = "latin-1 (ISO-8859-1)" if enc == "latin-1" else "cp1252 (Windows Western European)"
    warning = {
        "code": "encoding_guess",
        "message": f"{shown}: line {scan.utf8_bad_line}: not valid UTF-8; read as {label}, "
        f"which gives e.g. {sample!r}; if letters look wrong, rerun with --encoding "
        "(e.g. --encoding cp1250 or --encoding mac-roman)",
    }
    return enc, scan, warning


def _sample_word(path: Path, at: int, enc: str) -> str:
    with _open_binary(path) as fh:
        fh.seek(max(0, at - 24))
        chunk = fh.read(48).decode(enc, errors="replace")
    words = [w for w in re.split(r"[\s,;|\t\"]+", chunk) if any(ord(c) > 127 for c in w)]
    return words[0] if words else chunk.strip()


def _detect_delimiter(sample: str) -> str:
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


def _clean_name(value: Any) -> str:
    """A column name as the user sees it (spaces, BOM and zero-width marks removed)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\ufeff", "").replace("\u200b", "").strip()


def _unnamed(j: int) -> str:
    return f"(unnamed column {j + 1})"


def _read_csv(
    path: Path,
    shown: str,
    head: bytes,
    encoding: str | None,
    header_row: int,
    lim: Limits,
    progress: Progress | None,
) -> RawTable:
    kind = _sniff(path, head)
    if kind:
        raise DataError(f"{shown}: this is {kind}, not CSV text; {_advice(kind)}")
    enc, scan, enc_warning = _choose_encoding(path, shown, head, encoding, lim)
    if header_row > scan.lines:
        raise DataError(
            f"{shown}: --header-row {header_row} is beyond the end of the file "
            f"({scan.lines} line(s)); give the row that holds the column names"
        )

    # The header record and a sample after it, decoded, for the delimiter and the names.
    try:
        with path.open("r", encoding=enc, newline="") as fh:
            title = "".join(fh.readline() for _ in range(header_row - 1))
            sample = fh.readline()
            sample += fh.read(64 * 1024)
            sample += fh.readline()
    except UnicodeDecodeError as exc:
        raise DataError(_decode_message(shown, enc, encoding, exc)) from None
    if not sample.strip():
        where = f"row {header_row}: " if header_row > 1 else ""
        raise DataError(
            f"{shown}: {where}the file holds no data, only blank lines; export the data again"
        )
    head_text = sample[:65536]
    if _control_share(head_text) > 0.05:  # random bytes hold about 12%; pasted text a few
        raise DataError(
            f"{shown}: holds control characters, so it is a binary file, not CSV text; export "
            "the data as CSV, or give the original file with its own extension"
        )
    sep = _detect_delimiter(sample)
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

    chunk_rows = max(1, min(200_000, CHUNK_CELLS // width))
    parsed = None
    if FAST_CSV and '"' not in title:  # pandas may skip a quoted title differently
        parsed = _parse_fast(path, enc, sep, header_row, width, chunk_rows, scan, progress)
    if parsed is None:
        parsed = _parse_general(
            path, shown, enc, encoding, sep, header_row, width, chunk_rows, lim, scan, progress
        )
    header_cells, frame = parsed
    col_names = [_clean_name(v) for v in header_cells]

    warnings: list[dict[str, Any]] = [enc_warning] if enc_warning else []
    # Columns beyond the header: empty ones are trailing delimiters; values there mean a row
    # has more values than the header has names, so columns would shift: refuse.
    for j in range(width, frame.shape[1]):
        filled = ~_empty_cells(frame.iloc[:, j])
        if filled.any():
            row = int(np.flatnonzero(filled)[0]) + 1
            lower = _header_further_down(frame, width)
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
    frame, col_names, dropped = _drop_empty_unnamed(frame, col_names)
    if dropped:
        warnings.append(
            {
                "code": "empty_columns",
                "message": f"{shown}: {dropped} column(s) without a name or any value were "
                "ignored (trailing delimiters)",
                "count": dropped,
            }
        )
    frame.columns = [n or _unnamed(j) for j, n in enumerate(col_names)]
    blank = _blank_rows(frame)
    repeat = _repeated_header_rows(frame, col_names)
    frame, row_numbers, skipped, more = _ledger_rows(frame, blank, repeat, shown)
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
    )


def _parse_general(
    path: Path,
    shown: str,
    enc: str,
    encoding: str | None,
    sep: str,
    header_row: int,
    width: int,
    chunk_rows: int,
    lim: Limits,
    scan: _Scan,
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
            raise DataError(_decode_message(shown, enc, encoding, exc)) from None
        except pd.errors.EmptyDataError:
            raise DataError(f"{shown}: the file holds no data; export the data again") from None
        except pd.errors.ParserError as exc:
            m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
            if m and attempt < 3 and int(m.group(3)) <= lim.max_columns:
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


def _header_further_down(frame: pd.DataFrame, width: int) -> int:
    """Offset of a row below the header that looks like the real header (a title is above).

    A wide row of text cells within the first 30 rows, at least twice as wide as the header.
    """
    top = frame.iloc[:30]
    for i in range(len(top)):
        cells = [v for v in top.iloc[i].tolist() if isinstance(v, str) and v.strip()]
        if len(cells) >= max(2, 2 * width) and not any(_looks_numeric(v) for v in cells):
            return i + 1
    return 0


def _looks_numeric(text: str) -> bool:
    return bool(re.fullmatch(r"\s*[-+]?\d+(?:[.,]\d+)?\s*", text))


def _decode_message(shown: str, enc: str, given: str | None, exc: UnicodeDecodeError) -> str:
    others = [e for e in ("utf-8", "cp1252", "utf-16") if e != enc]
    hint = " or ".join(f"--encoding {e}" for e in others)
    how = f"as {given} (--encoding)" if given else f"as {enc}"
    return f"{shown}: cannot be decoded {how}: {exc.reason}; try {hint}"


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


# --------------------------------------------------------------------------- CSV, fast path


def _parse_fast(*args: Any, **kwargs: Any) -> Any:
    """The pyarrow reader (csv_fast.parse_fast); a name here so tests can stand in for it."""
    from ipss_survey.csv_fast import parse_fast

    return parse_fast(*args, **kwargs)


# --------------------------------------------------------------------------- rows and columns


def _per_value(
    s: pd.Series, test: Callable[[Any], bool], rows: np.ndarray | None = None
) -> np.ndarray:
    """``test`` of each cell (of ``rows`` only, if given), run once per distinct value."""
    import pandas as pd

    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = np.asarray(s.cat.codes)
        if rows is not None:
            codes = codes[rows]
        cats = s.cat.categories.to_numpy(dtype=object)
        hit = np.zeros(len(cats) + 1, dtype=bool)
        hit[-1] = test(None)  # code -1: no value
        if len(cats) > codes.size:  # many distinct values (ids), few rows asked about
            used = np.unique(codes[codes >= 0])
            hit[used] = [test(u) for u in cats[used]]
        else:
            hit[:-1] = [test(u) for u in cats]
        return hit[codes]
    values = s.to_numpy(dtype=object)
    idx, uniques = pd.factorize(values if rows is None else values[rows], use_na_sentinel=True)
    hit = np.array([test(u) for u in uniques] + [test(None)], dtype=bool)
    return hit[np.asarray(idx)]


def _is_empty(value: Any) -> bool:
    """An empty cell (None stands for no value: NaN, a short row) or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def _empty_cells(s: pd.Series) -> np.ndarray:
    """True where a cell is empty or only spaces (vectorised over distinct values)."""
    return _per_value(s, _is_empty)


def _rows_where_all(
    frame: pd.DataFrame, columns: list[int], test: Callable[[int, Any], bool]
) -> np.ndarray:
    """Rows where ``test(column, cell)`` holds in every one of ``columns``.

    Columns with few distinct values are tried first and only the rows still in question are
    looked at, so an id column of a million distinct values is rarely read at all.
    """
    import pandas as pd

    def distinct(j: int) -> int:  # how many values, or how many among the first rows
        s = frame.iloc[:, j]
        if isinstance(s.dtype, pd.CategoricalDtype):
            return len(s.cat.categories)
        return len(pd.unique(s.iloc[:512].to_numpy(dtype=object)))

    rows = np.arange(len(frame))
    for j in sorted(columns, key=distinct):
        if not rows.size:
            break
        asked = None if rows.size == len(frame) else rows
        rows = rows[_per_value(frame.iloc[:, j], lambda u, j=j: test(j, u), asked)]
    mask = np.zeros(len(frame), dtype=bool)
    mask[rows] = True
    return mask


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty or only spaces."""
    return _rows_where_all(frame, list(range(frame.shape[1])), lambda _, u: _is_empty(u))


def _repeated_header_rows(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Rows whose every named cell repeats its column's name (a header pasted mid-file)."""
    named = [j for j, n in enumerate(names) if n]
    if not named or not len(frame):
        return np.zeros(len(frame), dtype=bool)
    want = {j: names[j].strip().casefold() for j in named}
    return _rows_where_all(
        frame, named, lambda j, u: isinstance(u, str) and u.strip().casefold() == want[j]
    )


def _drop_empty_unnamed(
    frame: pd.DataFrame, names: list[str]
) -> tuple[pd.DataFrame, list[str], int]:
    keep = [j for j, n in enumerate(names) if n or not _empty_cells(frame.iloc[:, j]).all()]
    dropped = len(names) - len(keep)
    if dropped:
        frame = frame.iloc[:, keep]
        names = [names[j] for j in keep]
    return frame, names, dropped


def _ledger_rows(
    frame: pd.DataFrame, blank: np.ndarray, repeat: np.ndarray, shown: str
) -> tuple[pd.DataFrame, np.ndarray, list[dict[str, Any]], list[dict[str, Any]]]:
    """Drop blank and repeated-header rows, keeping each one's data row number in the ledger.

    Trailing blank rows are padding and are dropped without a trace.
    """
    n = len(frame)
    filled = np.flatnonzero(~blank)
    last = int(filled[-1]) + 1 if filled.size else 0
    keep = ~(blank | repeat)
    keep[last:] = False
    skipped: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    inner_blank = np.flatnonzero(blank[:last])
    repeats = np.flatnonzero(repeat)
    skipped.extend({"row": int(i) + 1, "id": None, "reason": "blank row"} for i in inner_blank)
    skipped.extend(
        {"row": int(i) + 1, "id": None, "reason": "repeated header row"} for i in repeats
    )
    skipped.sort(key=lambda e: e["row"])
    if repeats.size:
        rows = ", ".join(str(int(i) + 1) for i in repeats[:5])
        warnings.append(
            {
                "code": "repeated_header",
                "message": f"{shown}: {repeats.size} row(s) repeat the header (row(s) {rows}"
                f"{' ...' if repeats.size > 5 else ''}); they were skipped and are listed as "
                "excluded rows",
                "count": int(repeats.size),
            }
        )
    if inner_blank.size:
        warnings.append(
            {
                "code": "blank_rows",
                "message": f"{shown}: {inner_blank.size} blank row(s) between data rows were "
                "skipped and are listed as excluded rows",
                "count": int(inner_blank.size),
            }
        )
    rows = np.flatnonzero(keep) + 1
    if keep.all() and n == last:
        return frame, rows, skipped, warnings
    if rows.size == last and keep[:last].all():  # only trailing blank rows: no copy
        return frame.iloc[:last], rows, skipped, warnings
    return frame.iloc[np.flatnonzero(keep)].reset_index(drop=True), rows, skipped, warnings
