"""The project's own exceptions and exit codes, turned into one stderr line at the CLI.

Every error a user can fix is a ``SurveyError`` whose message names the file, the row or
column and what to do; the CLI prints it on one line (``one_line``) and exits with its
``exit_code``. Anything else is a bug, reported as ``ExitCode.INTERNAL_ERROR``.
"""

from __future__ import annotations

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


def one_line(text: object) -> str:
    """Text fit for a one-line message: line breaks and control characters shown escaped.

    Column, sheet and file names come from the user's files and may hold a line break.
    """
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], str(text))


def name_list(names: object, limit: int | None = None) -> str:
    """Names from a file (columns, sheets) as one line: 'a, b, c ... (40 in all)'."""
    shown = [one_line(n) for n in names]  # type: ignore[attr-defined]
    if limit is None or len(shown) <= limit:
        return ", ".join(shown)
    return ", ".join(shown[:limit]) + f" ... ({len(shown)} in all)"
