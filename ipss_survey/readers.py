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

Memory, and where the limit lies. A CSV file is never held whole: memory follows the cells,
not the bytes. Reading holds about rows x columns bytes (the codes) plus, for each column of
distinct texts such as the respondent id, about 70 bytes a row (a Python string each), plus
some 100 MB for parsing; coding then adds the int8 answer matrix of rows x items bytes. For
1,000,000 respondents x 94 items with an id and a group column that is about 96 + 70 + 94 MB
of data, some 500 MB in all with Python, numpy, pandas and pyarrow loaded. So a file larger
than memory can be read as long as its rows x (columns + items) bytes (plus the ids) fit; the
2 GiB file-size limit (``Limits``) comes first for most machines: 2 GiB of single-digit answers
is about 10 million rows x 100 columns, 2 GB of codes.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ipss_survey.errors import DataError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

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
    max_cells: int = 250_000_000
    max_unpacked_bytes: int = 2 * GiB  # .xlsx: declared unpacked size of all parts
    max_zip_ratio: int = 200  # .xlsx: unpacked / packed size of one part above 1 MiB


LIMITS = Limits()
CHUNK_CELLS = 10_000_000  # CSV cells parsed at a time; a file of several chunks is categorised
FAST_CSV = True  # CSV through pyarrow's reader first; tests switch it off to compare the parsers
FAST_BLOCK_BYTES = MiB  # CSV text the fast reader parses at a time (5,000 rows of 200 bytes)
FAST_CATEGORIES_AFTER = 10_000  # rows from which the fast reader holds columns as categories


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
        table = _read_excel(p, shown, head, sheet, header_row, lim)
    else:
        table = _read_readstat(p, shown, head, suffix, encoding, header_row, lim)
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
    if width * max(scan.lines - header_row, 1) > lim.max_cells:
        raise DataError(
            f"{shown}: about {width} columns x {scan.lines - header_row} rows, more than the "
            f"limit of {lim.max_cells:,} cells; keep only the survey's columns or split the file"
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

# Appended as one last record: if a quote is left open at the end of the file, the open value
# swallows it, so the fast reader notices what pandas reports as an error.
_END = "\ue000"  # a private-use character: four bytes a column, with the delimiter
_RAW_AFTER = 4096  # distinct texts after which a column keeps its text (ids), not codes


class _Feed(io.RawIOBase):
    """The file as UTF-8 for pyarrow, from the first byte, with the end sentinel appended.

    Other encodings are decoded here with Python's codecs (the same decoding pandas uses);
    ``done`` counts the file's bytes read, for progress.
    """

    def __init__(self, path: Path, enc: str, tail: bytes) -> None:
        super().__init__()
        self._fh = _open_binary(path)
        self._bom = enc == "utf-8-sig"
        self._decoder = (
            None if enc in ("utf-8", "utf-8-sig") else codecs.getincrementaldecoder(enc)()
        )
        self._tail: bytes | None = tail
        self._last = b"\n"
        self.done = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        want = size if size is not None and size > 0 else 4 * MiB
        while True:
            raw = self._fh.read(want)
            self.done += len(raw)
            block = raw
            if self._bom:
                self._bom = False
                block = block.removeprefix(codecs.BOM_UTF8)
            if self._decoder is not None:
                block = self._decoder.decode(raw, final=not raw).encode("utf-8")
            if block:
                self._last = block[-1:]
                return block
            if not raw:
                break
        if self._tail is None:
            return b""
        tail, self._tail = self._tail, None
        return (b"" if self._last in (b"\n", b"\r") else b"\n") + tail

    def close(self) -> None:
        self._fh.close()
        super().close()


def _parse_fast(
    path: Path,
    enc: str,
    sep: str,
    header_row: int,
    width: int,
    chunk_rows: int,
    scan: _Scan,
    progress: Progress | None,
) -> tuple[list[Any], pd.DataFrame] | None:
    """Parse with pyarrow's multi-threaded reader, holding each column as small codes.

    Gives exactly what the general parser gives (same cells, same blank records, a frame of
    categories when the file is more than one chunk) or None when the file needs the general
    parser: a row wider or narrower than the header, a quote left open, text that is not
    valid in its encoding, a record longer than a block. Memory stays near one byte per cell
    of each answer column (plus the text of columns with many distinct values, such as ids),
    since each parsed block is turned into codes and dropped.
    """
    try:
        import pandas as pd
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # a declared dependency; without it the general parser reads all
        return None
    names = [f"c{j}" for j in range(width)]
    tail = (sep.join([_END] * width) + "\n").encode("utf-8")
    table = _CodeTable(width, scan.lines - header_row + 16)
    header: list[Any] | None = None
    held: pa.RecordBatch | None = None
    with _Feed(path, enc, tail) as feed:
        try:
            reader = pacsv.open_csv(
                feed,
                read_options=pacsv.ReadOptions(
                    column_names=names,
                    skip_rows=header_row - 1,
                    block_size=_block_size(scan),
                    encoding="utf8",
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=sep,
                    quote_char='"',
                    double_quote=True,
                    escape_char=False,
                    newlines_in_values=True,
                    ignore_empty_lines=False,  # a blank line is a record of empty cells
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    check_utf8=enc == "utf-8-sig",  # other text is checked or decoded already
                ),
            )
            with contextlib.closing(_read_ahead(reader)) as batches:
                for batch in batches:
                    if header is None and batch.num_rows:
                        header = [batch.column(j)[0].as_py() for j in range(width)]
                        batch = batch.slice(1)
                    if not batch.num_rows:
                        continue
                    if held is not None:  # the sentinel ends the last batch: hold one back
                        table.add(held)
                        if progress is not None:
                            progress(min(feed.done, scan.size), scan.size)
                    held = batch
            if held is None or header is None:
                return None
            last = held.slice(held.num_rows - 1)
            if any(last.column(j)[0].as_py() != _END for j in range(width)):
                return None  # a quote left open swallowed the sentinel
            table.add(held.slice(0, held.num_rows - 1))
            held = None
            # Categories for a file of more than one chunk (as the general parser gives them)
            # or of more than a few thousand rows: one byte a cell instead of eight.
            categorical = table.rows + 1 > min(chunk_rows, FAST_CATEGORIES_AFTER)
            data: dict[str, Any] = {}
            for j, name in enumerate(names):
                codes, values = table.finish(j)
                if codes is None:  # very many distinct texts (ids): plain Python text
                    data[name] = pd.Series(values, dtype=object, copy=False)
                elif categorical:
                    data[name] = pd.Categorical.from_codes(
                        codes, categories=pd.Index(values, dtype=object), validate=False
                    )
                else:  # plain Python text, as the general parser gives a one-chunk file
                    data[name] = pd.Series(values[codes], dtype=object, copy=False)
        except (pa.ArrowException, ValueError):  # also UnicodeDecodeError from the feed
            return None
        finally:
            pa.default_memory_pool().release_unused()  # the parse's blocks, back to the system
    return header, pd.DataFrame(data, copy=False)


def _block_size(scan: _Scan) -> int:
    """Bytes per parsed block: about 5,000 rows of a typical file (numpy's per-call cost is
    spread over many cells, the block's arrays stay in cache), and whole records at least."""
    per_line = scan.size / max(scan.lines, 1)
    scale = min(max(per_line / 200, 1.0), 8.0)
    return max(int(FAST_BLOCK_BYTES * scale), 4 * scan.longest + 4096)


def _read_ahead(reader: Any, depth: int = 3) -> Iterator[pa.RecordBatch]:
    """The reader's batches, the next ones parsed in a thread while the caller codes this one.

    pyarrow's streaming reader parses a block only when asked for it; asking from a second
    thread (parsing releases the GIL) lets parsing and coding share the two cores.
    """
    import queue
    import threading

    done = object()
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for batch in reader:
                if not put(batch):
                    return
            put(done)
        except BaseException as exc:  # handed to the caller, raised there
            put(exc)

    worker = threading.Thread(target=run, name="ipss-csv-read-ahead", daemon=True)
    worker.start()
    try:
        while (item := q.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _code_dtype(n_values: int) -> type[np.signedinteger[Any]]:
    """The smallest code type for ``n_values`` categories (pandas' own choice)."""
    if n_values < 127:
        return np.int8
    return np.int16 if n_values < 32_767 else np.int32


class _CodeTable:
    """All columns of a CSV file as category codes, filled one parsed block at a time.

    A column with fewer than 127 distinct texts (any answer column) writes its int8 codes
    straight into one preallocated (columns x rows) matrix, whose rows the frame's
    categories then use without a copy: one byte per cell, no pieces to join at the end.
    A column with more distinct texts keeps wider codes; one with very many (ids, comments)
    keeps its text and is encoded once at the end.
    """

    def __init__(self, width: int, capacity: int) -> None:
        self.columns = [_ColumnCodes() for _ in range(width)]
        self.small = np.empty((width, max(capacity, 1)), dtype=np.int8)
        self.rows = 0

    def add(self, batch: pa.RecordBatch) -> None:
        n = batch.num_rows
        start, stop = self.rows, self.rows + n
        if stop > self.small.shape[1]:  # more records than lines counted (lone CR endings)
            grown = np.empty((self.small.shape[0], 2 * stop), dtype=np.int8)
            grown[:, :start] = self.small[:, :start]
            self.small = grown
        for j, col in enumerate(self.columns):
            got = col.add(batch.column(j))
            if got is None:
                continue
            if col.chunks is None and len(col.values) < 127:
                self.small[j, start:stop] = got
            else:
                if col.chunks is None:  # too many texts for int8 codes from now on
                    col.chunks = [self.small[j, :start].astype(np.int16)]
                col.chunks.append(got.astype(_code_dtype(len(col.values))))
                if len(col.values) > _RAW_AFTER:
                    col.keep_text()
        self.rows = stop

    def finish(self, j: int) -> tuple[np.ndarray | None, np.ndarray]:
        """Column ``j``: the code of each row and the categories (Python strings), or None
        and the text of each row for a column of very many distinct texts."""
        col = self.columns[j]
        if col.text is None and col.chunks is None:
            return self.small[j, : self.rows], col.categories()
        return col.finish()


class _ColumnCodes:
    """One column's categories, learnt block by block: each distinct text kept once.

    A cell's key is its length (0, 1, more) and first byte, read by numpy from pyarrow's
    buffers, so empty cells and one-character answers ('1'..'5') cost no Python per cell;
    longer texts are dictionary-encoded per block. Categories are numbered in order of first
    appearance, as pandas numbers them.
    """

    def __init__(self) -> None:
        self.values: list[str] = []
        self.index: dict[str, int] = {}  # texts of two or more bytes -> category
        # key -> category; -1 not seen yet; -2 look the text up (longer, or a lone byte >= 128)
        self.lut = np.full(768, -1, dtype=np.int32)
        self.lut[384:] = -2
        self.chunks: list[np.ndarray] | None = None  # codes, once there are 127 or more texts
        self.text: list[Any] | None = None  # the text itself, once there are very many
        self.known: Any = None  # the longer texts seen, as a pyarrow array (built when needed)
        self.known_ids: np.ndarray = np.zeros(0, dtype=np.int32)

    def add(self, arr: Any) -> np.ndarray | None:
        """The category of each cell of ``arr``; None once the column keeps its text."""
        n = len(arr)
        if arr.null_count:  # not expected: strings_can_be_null is off
            arr = arr.fill_null("")
        if self.text is not None:
            self.text.append(arr)
            return None
        _, off_buf, data_buf = arr.buffers()
        off = np.frombuffer(off_buf, dtype=np.int32, count=n + 1, offset=4 * arr.offset)
        if data_buf is None or data_buf.size == 0:
            first = np.zeros(n, dtype=np.int32)
        else:
            first = np.frombuffer(data_buf, dtype=np.uint8).take(off[:-1], mode="clip")
        key = np.diff(off)  # (length 0, 1 or more) * 256 + first byte
        np.minimum(key, 2, out=key)
        key <<= 8
        key |= first
        got = self.lut.take(key)
        if n and got.min() < 0:
            self._learn(arr, key, got)
        return got

    def _learn(self, arr: Any, key: np.ndarray, got: np.ndarray) -> None:
        """Fill ``got`` where a cell's key alone does not give its category.

        Longer texts are looked up among those seen before (pyarrow's ``index_in``, so a
        column of labels costs no Python per cell); texts not seen before become categories
        in order of first appearance.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        looked = np.flatnonzero(got == -2)  # longer texts
        if looked.size and self.index:
            if self.known is None:
                known = pa.array(list(self.index), type=pa.string())
                self.known = pc.SetLookupOptions(value_set=known)
                self.known_ids = np.fromiter(self.index.values(), np.int32, len(self.index))
                self.known_ids = np.append(self.known_ids, -1)  # position -1: not seen
            at = pc.call_function("index_in", [arr], self.known).fill_null(-1)
            got[looked] = self.known_ids[at.to_numpy(zero_copy_only=False)[looked]]
        unseen = np.flatnonzero(got < 0)
        if not unseen.size:
            return
        long = key[unseen] >= 384  # texts, not empty or one-character cells
        fresh, texts = unseen[~long], unseen[long]
        new: list[tuple[int, str, int | None]] = []  # (first row, text, key or None)
        if fresh.size:
            fresh_keys = key[fresh]
            fresh_keys[fresh_keys < 256] = 0  # an empty cell, whatever byte follows it
            keys, first = np.unique(fresh_keys, return_index=True)
            for k, row in zip(keys.tolist(), fresh[first].tolist(), strict=True):
                new.append((row, "" if k < 256 else chr(k - 256), k))
        if texts.size:
            enc = arr.take(pa.array(texts)).dictionary_encode()
            idx = enc.indices.to_numpy(zero_copy_only=False)
            words = enc.dictionary.to_pylist()
            _, first = np.unique(idx, return_index=True)
            new.extend((int(texts[first[w]]), word, None) for w, word in enumerate(words))
        for _, text, k in sorted(new, key=lambda t: t[0]):
            self.values.append(text)
            if k is None:
                self.index[text] = len(self.values) - 1
                self.known = None
            elif k < 256:
                self.lut[:256] = len(self.values) - 1
            else:
                self.lut[k] = len(self.values) - 1
        if fresh.size:
            got[fresh] = self.lut.take(key[fresh])
        if texts.size:
            got[texts] = np.array([self.index[w] for w in words], dtype=np.int32)[idx]

    def keep_text(self) -> None:
        """Turn the codes so far back into text: this column is encoded once, at the end."""
        import pyarrow as pa

        values = pa.array(self.values, type=pa.string())
        self.text = [values.take(pa.array(c)) for c in self.chunks or []]
        self.chunks, self.values, self.index, self.known = None, [], {}, None

    def categories(self) -> np.ndarray:
        values = np.empty(len(self.values), dtype=object)
        values[:] = self.values
        return values

    def finish(self) -> tuple[np.ndarray | None, np.ndarray]:
        """The codes of all rows and the categories (Python strings, object array); for a
        column that kept its text, None and the text of each row."""
        import pyarrow as pa

        if self.text is not None:
            whole = pa.concat_arrays(self.text) if self.text else pa.array([], pa.string())
            self.text = []
            return None, whole.to_numpy(zero_copy_only=False).astype(object, copy=False)
        codes = np.concatenate(self.chunks) if self.chunks else np.zeros(0, dtype=np.int8)
        self.chunks = []
        return codes, self.categories()


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


# --------------------------------------------------------------------------- Excel


def _read_excel(
    path: Path, shown: str, head: bytes, sheet: str | None, header_row: int, lim: Limits
) -> RawTable:
    import zipfile

    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        kind = _sniff(path, head)
        if kind == "a password-protected (encrypted) Excel workbook":
            raise DataError(
                f"{shown}: the workbook is password-protected (encrypted), so it cannot be read; "
                f"{_advice(kind)}"
            )
        if kind and kind != "a damaged ZIP archive":
            raise DataError(f"{shown}: this is {kind}, not an .xlsx workbook; {_advice(kind)}")
        if _looks_like_text(head):
            raise DataError(
                f"{shown}: this is plain text, not an .xlsx workbook; if it is CSV, rename it "
                "to end in .csv"
            )
        raise DataError(
            f"{shown}: not an .xlsx workbook (the file is not a zip package); save the data "
            "from Excel as .xlsx again"
        )
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DataError(
            f"{shown}: the workbook is damaged (an incomplete zip package, perhaps a cut-off "
            "download or copy); save it from Excel again"
        ) from None
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            kind = _zip_kind(path)
            raise DataError(f"{shown}: this is {kind}, not an .xlsx workbook; {_advice(kind)}")
        _check_zip_bomb(shown, infos, lim)
        rows, merged, sheets, name = _excel_rows(path, shown, zf, sheet, header_row, lim)

    warnings: list[dict[str, Any]] = []
    if len(sheets) > 1 and sheet is None:
        warnings.append(
            {
                "code": "sheet_choice",
                "message": f"{shown}: read sheet {name!r}, the first visible table of "
                f"{len(sheets)} sheets ({_names(sheets)}); choose another with --sheet",
            }
        )
    if merged:
        shown_ranges = ", ".join(merged[:5]) + (" ..." if len(merged) > 5 else "")
        warnings.append(
            {
                "code": "merged_cells",
                "message": f"{shown}: {len(merged)} merged cell range(s) ({shown_ranges}) were "
                "read as if each cell held the merged value",
                "count": len(merged),
            }
        )
    table = _excel_frame(rows, header_row, shown)
    table.source = path.name
    table.file_format = f"xlsx (sheet {name!r})"
    table.warnings = warnings + table.warnings
    table.sheets = sheets
    table.sheet = name
    return table


def _check_zip_bomb(shown: str, infos: list[Any], lim: Limits) -> None:
    """Refuse from the zip directory alone: nothing is unpacked before this passes.

    Python's zipfile stops unpacking a part at its declared size, so the directory bounds
    the memory used later.
    """
    total = sum(i.file_size for i in infos)
    if total > lim.max_unpacked_bytes:
        raise DataError(
            f"{shown}: the workbook would unpack to {_size(total)}, more than the "
            f"{_size(lim.max_unpacked_bytes)} limit (it may be a zip bomb); save the survey "
            "data alone as .xlsx or CSV"
        )
    for i in infos:
        if i.file_size > MiB and i.file_size > lim.max_zip_ratio * max(i.compress_size, 1):
            ratio = i.file_size // max(i.compress_size, 1)
            raise DataError(
                f"{shown}: part {i.filename!r} is compressed {ratio}:1 (limit "
                f"{lim.max_zip_ratio}:1), as zip bombs are; save the survey data again from "
                "Excel as .xlsx or CSV"
            )


def _excel_rows(
    path: Path, shown: str, zf: Any, sheet: str | None, header_row: int, lim: Limits
) -> tuple[list[list[Any]], list[str], list[str], str]:
    """Cell values of one sheet from the header row down, merged ranges filled."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types on a malformed package
        raise DataError(
            f"{shown}: the workbook is damaged and cannot be read "
            f"({type(exc).__name__}: {str(exc)[:200]}); save it from Excel again"
        ) from None
    try:
        sheets = list(wb.sheetnames)
        tables = [
            n
            for n in sheets
            if hasattr(wb[n], "iter_rows") and getattr(wb[n], "sheet_state", "visible") == "visible"
        ]
        name = _pick_sheet(shown, sheets, sheet, tables[0] if tables else None)
        ws = wb[name]
        if not hasattr(ws, "iter_rows"):
            raise DataError(
                f"{shown}: sheet {name!r} is a chart, not a table; choose a sheet with --sheet "
                f"(sheets: {_names(sheets)})"
            )
        ws.reset_dimensions()  # a forged <dimension> must not make us pad to a huge size
        rows: list[list[Any]] = []
        cells = 0
        try:
            for r_i, row in enumerate(ws.iter_rows(values_only=True), start=1):
                if len(row) > lim.max_columns:
                    raise DataError(
                        f"{shown}: sheet {name!r}, row {r_i}: {len(row)} columns, more than the "
                        f"limit of {lim.max_columns}; keep only the survey's columns"
                    )
                cells += len(row)
                if cells > lim.max_cells:
                    raise DataError(
                        f"{shown}: sheet {name!r} holds more than {lim.max_cells:,} cells, the "
                        "limit; keep only the survey's columns or split the file"
                    )
                # TRUE/FALSE cells as text, so they never pass for the codes 1 and 0.
                rows.append(
                    [(("TRUE" if v else "FALSE") if isinstance(v, bool) else v) for v in row]
                )
        except DataError:
            raise
        except Exception as exc:
            raise DataError(
                f"{shown}: sheet {name!r} is damaged and cannot be read "
                f"({type(exc).__name__}: {str(exc)[:200]}); save it from Excel again"
            ) from None
        sheet_path = getattr(ws, "_worksheet_path", None)
    finally:
        wb.close()
    merged = _merged_ranges(zf, sheet_path) if sheet_path else []
    used = _fill_merged(rows, merged, header_row)
    if header_row > len(rows):
        raise DataError(
            f"{shown}: sheet {name!r}: --header-row {header_row} is below the last row "
            f"({len(rows)}); give the row that holds the column names"
            if rows
            else f"{shown}: sheet {name!r} is empty; choose the sheet with the data with --sheet "
            f"(sheets: {_names(sheets)})"
        )
    return rows[header_row - 1 :], used, sheets, name


def _pick_sheet(shown: str, sheets: list[str], wanted: str | None, default: str | None) -> str:
    """The sheet asked for (name, any case, or 1-based number), else the first visible table."""
    if not sheets:
        raise DataError(f"{shown}: the workbook has no sheets; save it from Excel again")
    if wanted is None:
        if default is None:
            raise DataError(
                f"{shown}: the workbook has no visible table sheet (sheets: {_names(sheets)}); "
                "choose one with --sheet"
            )
        return default
    if wanted in sheets:
        return wanted
    folded = {s.strip().casefold(): s for s in sheets}
    if wanted.strip().casefold() in folded:
        return folded[wanted.strip().casefold()]
    if wanted.strip().isdigit() and 1 <= int(wanted) <= len(sheets):
        return sheets[int(wanted) - 1]
    raise DataError(
        f"{shown}: no sheet named {wanted!r}; the workbook's sheets are: {_names(sheets)}; "
        "give one of them (or its number) to --sheet"
    )


_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Za-z]+\d+:[A-Za-z]+\d+)\"")


def _merged_ranges(zf: Any, member: str) -> list[str]:
    """Merged ranges of a sheet, by streaming its XML (read-only openpyxl does not keep them)."""
    member = member.lstrip("/")
    if member not in zf.namelist():
        return []
    found: list[str] = []
    tail = b""
    with zf.open(member) as fh:
        for block in iter(lambda: fh.read(MiB), b""):
            data = tail + block
            found.extend(m.decode("ascii") for m in _MERGE_REF.findall(data))
            tail = data[-512:]  # a tag cut by the block edge is found next time (deduplicated)
    return list(dict.fromkeys(found))


def _fill_merged(rows: list[list[Any]], merged: list[str], header_row: int) -> list[str]:
    """Give every cell of a merged range its top-left value; ranges used are returned."""
    from openpyxl.utils.cell import range_boundaries

    used = []
    for ref in merged:
        try:
            c1, r1, c2, r2 = range_boundaries(ref)
        except ValueError:
            continue
        if r2 < header_row or r1 > len(rows) or c1 is None or r1 is None:
            continue
        top = rows[r1 - 1]
        value = top[c1 - 1] if c1 - 1 < len(top) else None
        if value is None:
            continue
        changed = False
        for r in range(max(r1, 1), min(r2, len(rows)) + 1):
            row = rows[r - 1]
            if len(row) < c2:
                row.extend([None] * (c2 - len(row)))
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1) and row[c - 1] is None:
                    row[c - 1] = value
                    changed = True
        if changed:
            used.append(ref)
    return used


def _excel_frame(rows: list[list[Any]], header_row: int, shown: str) -> RawTable:
    import pandas as pd

    header = rows[0] if rows else []
    data = rows[1:]
    width = max([len(header), *(len(r) for r in data)], default=0)
    names = [_clean_name(v) for v in header] + [""] * (width - len(header))
    arr = np.full((len(data), width), None, dtype=object)
    for i, r in enumerate(data):
        arr[i, : len(r)] = r
    frame = pd.DataFrame(arr, columns=[f"c{j}" for j in range(width)])
    frame, names, dropped = _drop_empty_unnamed(frame, names)
    frame.columns = [n or _unnamed(j) for j, n in enumerate(names)]
    blank = _blank_rows(frame)
    repeat = _repeated_header_rows(frame, names)
    frame, row_numbers, skipped, warnings = _ledger_rows(frame, blank, repeat, shown)
    if dropped:
        warnings.insert(
            0,
            {
                "code": "empty_columns",
                "message": f"{shown}: {dropped} column(s) without a name or any value were ignored",
                "count": dropped,
            },
        )
    return RawTable(
        frame, "", "", "xlsx", row_numbers=row_numbers, skipped=skipped, warnings=warnings
    )


# --------------------------------------------------------------------------- SPSS / Stata / SAS

_READSTAT_MAGIC = {
    ".sav": (b"$FL2", b"$FL3"),
    ".zsav": (b"$FL2", b"$FL3"),
    ".xpt": (b"HEADER RECORD",),
}
_READSTAT_NAME = {
    ".sav": "an SPSS .sav",
    ".zsav": "an SPSS .zsav",
    ".dta": "a Stata .dta",
    ".sas7bdat": "a SAS .sas7bdat",
    ".xpt": "a SAS transport .xpt",
}


def _read_readstat(
    path: Path,
    shown: str,
    head: bytes,
    suffix: str,
    encoding: str | None,
    header_row: int,
    lim: Limits,
) -> RawTable:
    import pyreadstat

    what = _READSTAT_NAME[suffix]
    magic = _READSTAT_MAGIC.get(suffix)
    if not (magic and head.startswith(magic)):
        kind = _sniff(path, head)
        if kind and not kind.startswith(what):
            raise DataError(f"{shown}: this is {kind}, not {what} file; {_advice(kind)}")
        if _looks_like_text(head) and (magic or kind is None):
            raise DataError(
                f"{shown}: this is plain text, not {what} file; if it is CSV, rename it to end "
                "in .csv"
            )
        if magic:
            raise DataError(
                f"{shown}: not {what} file (its first bytes are not the format's signature); "
                "save the data again from the statistics program, or export CSV"
            )
    if header_row != 1:
        raise DataError(
            f"{shown}: --header-row applies to CSV and Excel files; {what} file names its "
            "variables itself"
        )
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
    read = readers[suffix]
    try:
        _, meta = read(str(path), metadataonly=True, **kwargs)
        cols = int(meta.number_columns or 0)
        if cols > lim.max_columns:
            raise DataError(
                f"{shown}: {cols} variables, more than the limit of {lim.max_columns}; keep "
                "only the survey's variables"
            )
        rows = meta.number_rows
        if rows is not None and rows > 0 and rows * max(cols, 1) > lim.max_cells:
            raise DataError(
                f"{shown}: {rows} cases x {cols} variables, more than the limit of "
                f"{lim.max_cells:,} cells; keep only the survey's variables or split the file"
            )
        frame, meta = read(str(path), **kwargs)
    except DataError:
        raise
    except Exception as exc:  # pyreadstat raises its own ReadstatError/PyreadstatError
        detail = str(exc).strip() or type(exc).__name__
        raise DataError(
            f"{shown}: cannot be read as {what} file ({detail}); save it again from the "
            "statistics program, or export CSV"
        ) from None
    frame.columns = [_clean_name(c) for c in frame.columns]
    labels = {_clean_name(k): dict(v) for k, v in (meta.variable_value_labels or {}).items()}
    user_missing = {_clean_name(k): list(v) for k, v in (meta.missing_user_values or {}).items()}
    ranges = {
        _clean_name(k): [(r["lo"], r["hi"]) for r in v]
        for k, v in (getattr(meta, "missing_ranges", None) or {}).items()
    }
    return RawTable(frame, path.name, "", suffix.lstrip("."), labels, user_missing, ranges)
