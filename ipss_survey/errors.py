"""The project's own exceptions and exit codes, turned into one stderr line at the CLI."""

from __future__ import annotations

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
