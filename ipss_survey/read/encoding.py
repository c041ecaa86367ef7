"""Which text encoding a CSV file is in, found in one pass over its bytes.

The pass also hashes the file and measures its lines, so a gigabyte-long line or a binary
file is refused after reading at most ``max_line_bytes`` past the last line break, whatever
the file's size. UTF-8 (with or without a byte-order mark) and UTF-16 are recognised for
sure; a file that is not valid UTF-8 is read as Windows' cp1252 (latin-1 where cp1252 leaves
bytes undefined), with a warning that names an example word and the flag that overrides it.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ipss_survey.errors import DataError
from ipss_survey.read.table import Limits, MiB, ReadSettings, size_text
from ipss_survey.warnings import RunWarning, WarningCode


@dataclass
class Scan:
    """What one pass over a CSV file's bytes found."""

    sha256: str = ""
    lines: int = 0
    utf8_bad_at: int | None = None  # byte offset of the first invalid UTF-8 sequence
    utf8_bad_line: int = 0  # and its line (1-based)
    cp1252_undefined: bool = False  # holds bytes cp1252 leaves undefined (read as latin-1)
    longest: int = 0  # bytes in the longest line
    size: int = 0  # bytes in the file


_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


def scan(path: Path, shown: str, eight_bit: bool, check_utf8: bool, settings: ReadSettings) -> Scan:
    """One pass over the bytes: hash, line lengths, NUL bytes and UTF-8 validity.

    Runs before parsing so that a gigabyte-long line or a binary file is refused after reading
    at most ``max_line_bytes`` past the last line break, whatever the file's size.
    """
    out = Scan()
    lim = settings.limits
    h = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")() if check_utf8 else None
    offset, prev_nl, lines = 0, -1, 0
    with settings.opener(path) as fh:
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
        f"{shown}: line {line}: longer than {size_text(lim.max_line_bytes)}, the limit for one "
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


def choose_encoding(
    path: Path, shown: str, head: bytes, encoding: str | None, settings: ReadSettings
) -> tuple[str, Scan, RunWarning | None]:
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
        found = scan(path, shown, not wide, name == "utf-8", settings)
        if found.utf8_bad_at is not None:
            raise DataError(
                f"{shown}: line {found.utf8_bad_line}: not valid UTF-8 (byte "
                f"{found.utf8_bad_at}) although --encoding {encoding} was given; try "
                "--encoding cp1252, or leave --encoding out to detect it"
            )
        return name, found, None
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", scan(path, shown, True, False, settings), None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", scan(path, shown, False, False, settings), None
    wide = _utf16_without_bom(head)
    if wide:
        return wide, scan(path, shown, False, False, settings), None
    found = scan(path, shown, True, True, settings)
    if found.utf8_bad_at is None:
        return "utf-8", found, None
    enc = "latin-1" if found.cp1252_undefined else "cp1252"
    sample = _sample_word(path, found.utf8_bad_at, enc, settings)
    label = "latin-1 (ISO-8859-1)" if enc == "latin-1" else "cp1252 (Windows Western European)"
    warning = RunWarning(
        WarningCode.ENCODING_GUESS,
        f"{shown}: line {found.utf8_bad_line}: not valid UTF-8; read as {label}, "
        f"which gives e.g. {sample!r}; if letters look wrong, rerun with --encoding "
        "(e.g. --encoding cp1250 or --encoding mac-roman)",
    )
    return enc, found, warning


def _sample_word(path: Path, at: int, enc: str, settings: ReadSettings) -> str:
    with settings.opener(path) as fh:
        fh.seek(max(0, at - 24))
        chunk = fh.read(48).decode(enc, errors="replace")
    words = [w for w in re.split(r"[\s,;|\t\"]+", chunk) if any(ord(c) > 127 for c in w)]
    return words[0] if words else chunk.strip()


def decode_message(shown: str, enc: str, given: str | None, exc: UnicodeDecodeError) -> str:
    others = [e for e in ("utf-8", "cp1252", "utf-16") if e != enc]
    hint = " or ".join(f"--encoding {e}" for e in others)
    how = f"as {given} (--encoding)" if given else f"as {enc}"
    return f"{shown}: cannot be decoded {how}: {exc.reason}; try {hint}"
