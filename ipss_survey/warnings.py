"""Warnings a run reports: every code declared once, and the record results.json holds.

A warning is something the run handled and the reader should know (an encoding guessed, an
answer out of range, a group too small to test); an error stops the run instead. Each code
is a member of ``WarningCode`` (reading, coding and scoring) or of the statistics' own
``NoteCode`` (``ipss_survey.stats.notes``), so a code is never spelled twice, and
``results.json`` lists them under ``data.warnings`` as ``RunWarning`` records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ipss_survey.jsonform import OMIT_NONE
from ipss_survey.stats.notes import Note, NoteCode


class WarningCode(StrEnum):
    """Codes of warnings raised while reading, coding and scoring (the stats have NoteCode)."""

    # how the file was read (also shown on stderr: see READING)
    ENCODING_GUESS = "encoding_guess"
    SHEET_CHOICE = "sheet_choice"
    REPEATED_HEADER = "repeated_header"
    BLANK_ROWS = "blank_rows"
    MERGED_CELLS = "merged_cells"
    EMPTY_COLUMNS = "empty_columns"
    OPTION_IGNORED = "option_ignored"
    INCOMPLETE_RESPONSES = "incomplete_responses"
    # coding answers against the instrument
    MISSING_CODE = "missing_code"
    OUT_OF_RANGE = "out_of_range"
    UNKNOWN_LABEL = "unknown_label"
    RECODED_BY_LABEL = "recoded_by_label"
    MAPPED_COLUMN_ABSENT = "mapped_column_absent"
    EMPTY_GROUP = "empty_group"
    GROUP_SPELLINGS_MERGED = "group_spellings_merged"
    QUESTION_ABSENT = "question_absent"
    UNMATCHED_CHOICE = "unmatched_choice"
    # scoring and the statistics step
    MIXED_SCALES = "mixed_scales"
    AGREE_NOT_AT_END = "agree_not_at_end"
    ITEM_UNANSWERED = "item_unanswered"
    # comparing waves
    WAVES_NOT_PAIRED = "waves_not_paired"
    NOT_IN_EVERY_WAVE = "not_in_every_wave"


# Warnings about how the file was understood: the CLI shows them on stderr as well.
READING = frozenset(
    {
        WarningCode.ENCODING_GUESS,
        WarningCode.SHEET_CHOICE,
        WarningCode.REPEATED_HEADER,
        WarningCode.BLANK_ROWS,
        WarningCode.MERGED_CELLS,
        WarningCode.EMPTY_COLUMNS,
        WarningCode.OPTION_IGNORED,
        WarningCode.INCOMPLETE_RESPONSES,
    }
)


@dataclass
class RunWarning:
    """One entry of ``data.warnings``: a code, a sentence, and what it is about.

    ``item`` and ``count`` for warnings about one item's answers; ``constructs`` for a
    statistics warning shared by several constructs; ``items`` and ``groups`` name the
    items or groups a statistics warning is about.
    """

    code: str
    message: str
    item: str | None = field(default=None, metadata=OMIT_NONE)
    count: int | None = field(default=None, metadata=OMIT_NONE)
    constructs: list[str] | None = field(default=None, metadata=OMIT_NONE)
    items: list[str] | None = field(default=None, metadata=OMIT_NONE)
    groups: list[str] | None = field(default=None, metadata=OMIT_NONE)

    @classmethod
    def from_note(cls, note: Note, constructs: list[str] | None = None) -> RunWarning:
        """A statistics note, said of these constructs."""
        return cls(
            note.code,
            note.message,
            constructs=constructs,
            items=list(note.items) if note.items is not None else None,
            groups=list(note.groups) if note.groups is not None else None,
        )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunWarning:
        return cls(**d)


__all__ = ["READING", "NoteCode", "RunWarning", "WarningCode"]
