"""What is this file? Its first bytes, when they say it is not what its extension claims.

A file named ``.csv`` may be a renamed workbook, a PDF, a zip or a login page saved by a
download; naming what it really is, with the step that fixes it, saves a user the guessing.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ipss_survey.read.table import MiB

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


def sniff(path: Path, head: bytes) -> str | None:
    """What the bytes say the file is, when they say it is not CSV text."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if kind == "zip":
                return zip_kind(path)
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


def zip_kind(path: Path) -> str:
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
    with path.open("rb") as fh:
        data = fh.read(16 * MiB)
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "a password-protected (encrypted) Excel workbook"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "an old Excel 97-2003 .xls workbook"
    if "WordDocument".encode("utf-16-le") in data:
        return "a Word 97-2003 .doc document"
    return "an old Microsoft Office (OLE2) file"


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")  # not \t \n \v \f \r, DOS EOF


def control_share(text: str) -> float:
    """Share of control characters: text has a few at most, binary data about one in eight."""
    return len(_CONTROL.findall(text)) / max(len(text), 1)


def looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    text = head.decode("utf-8", errors="replace")
    return control_share(text) <= 0.01 and text.count("\ufffd") <= len(text) // 50


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


def advice(kind: str) -> str:
    return _ADVICE.get(kind, "export the survey data as CSV or .xlsx and give that file")
