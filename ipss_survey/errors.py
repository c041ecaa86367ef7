"""The project's own exceptions and exit codes, turned into one stderr line at the CLI.

Every error a user can fix is a ``SurveyError`` whose message names the file, the row or
column and what to do; the CLI prints it on one line (``one_line``) and exits with its
``exit_code``. Anything else is a bug, reported as ``ExitCode.INTERNAL_ERROR``.
"""

from __future__ import annotations

import bisect
import re
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes; batch jobs branch on these."""

    OK = 0
    BELOW_TARGET = 1
    BAD_INPUT = 2
    INTERNAL_ERROR = 3


class SurveyError(Exception):
    """Base class: an error the user can fix; the message says what and where."""

    exit_code: ExitCode = ExitCode.BAD_INPUT


class InstrumentError(SurveyError):
    """An instrument file breaks a rule of the instrument format."""

    def __init__(self, source: str, path: str, message: str) -> None:
        self.source = source
        self.path = path
        where = f"{source}: {path}: " if path else f"{source}: "
        super().__init__(where + message)


class DataError(SurveyError):
    """A data file cannot be read or does not fit the instrument."""


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")

QUOTE_LIMIT = 60
"""Characters of a quoted piece of input (a cell, a line of a file) a message shows."""
LINE_LIMIT = 600
"""Characters of a whole message; longer ones keep their start and end (the advice)."""


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _shorten_quotes(text: str) -> str:
    """Every quoted piece longer than ``QUOTE_LIMIT`` cut to that length, ending in '...'.

    A quote opens after a space or bracket and closes before one, so the apostrophe of
    "scale's" or "Don't" neither opens nor closes a quote. Linear in the text's length.
    """
    closers: dict[str, list[int]] = {"'": [], '"': []}
    for i, ch in enumerate(text):
        if ch in closers and (i + 1 == len(text) or not _is_word(text[i + 1])):
            closers[ch].append(i)
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        before = text[i - 1] if i else " "
        if ch in closers and not _is_word(before) and before not in "'\"":
            ends = closers[ch]
            k = bisect.bisect_right(ends, i)
            if k < len(ends):
                j = ends[k]
                inner = text[i + 1 : j]
                if len(inner) > QUOTE_LIMIT:
                    inner = inner[: QUOTE_LIMIT - 3] + "..."
                out.append(f"{ch}{inner}{ch}")
                i = j + 1
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def one_line(text: object) -> str:
    """Text fit for a one-line message: short, with line breaks and control characters escaped.

    Column, sheet and file names come from the user's files and may hold a line break; a
    quoted piece of input longer than ``QUOTE_LIMIT`` characters is cut (``'id,team,A1...'``),
    and a message longer than ``LINE_LIMIT`` keeps its beginning and its end, where the
    advice is, so that a data file read as something else never floods the terminal.

    Parameters
    ----------
    text
        The message (an exception or a string).

    Returns
    -------
    str
        One line of at most about ``LINE_LIMIT`` characters.
    """
    shortened = _shorten_quotes(str(text))
    line = _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], shortened)
    if len(line) <= LINE_LIMIT:
        return line
    tail = LINE_LIMIT // 4
    return f"{line[: LINE_LIMIT - tail - 5]} ... {line[-tail:]}"


def name_list(names: object, limit: int | None = None) -> str:
    """Names from a file (columns, sheets) as one line: 'a, b, c ... (40 in all)'."""
    shown = [one_line(n) for n in names]  # type: ignore[attr-defined]
    if limit is None or len(shown) <= limit:
        return ", ".join(shown)
    return ", ".join(shown[:limit]) + f" ... ({len(shown)} in all)"
