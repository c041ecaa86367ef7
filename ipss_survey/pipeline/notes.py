"""The statistics' notes as the run's warnings, one entry for what many constructs share.

With 26 constructs a note such as "omega needs at least three items" would otherwise be
repeated for each; identical notes of one section are merged into one warning that lists
the constructs it concerns.
"""

from __future__ import annotations

from ipss_survey.stats.notes import Note
from ipss_survey.warnings import RunWarning


class NoteCollector:
    """Collects notes per construct (or item), merging identical ones of one section."""

    def __init__(self) -> None:
        self._where: dict[tuple[str, str, str], list[str]] = {}
        self._first: dict[tuple[str, str, str], Note] = {}

    def add(self, where: str, notes: list[Note], section: str) -> None:
        """The ``notes`` of one statistic (``section``: "reliability", "kruskal-wallis"...)
        about ``where`` (a construct id or an item code)."""
        for note in notes:
            key = (section, str(note.code), note.message)
            self._where.setdefault(key, []).append(where)
            self._first.setdefault(key, note)

    def warnings(self) -> list[RunWarning]:
        out = []
        for key, where in self._where.items():
            section, _, message = key
            note = self._first[key]
            text = f"{section} of {', '.join(where)}: {message}"
            merged = Note(note.code, text, note.items, note.groups)
            out.append(RunWarning.from_note(merged, constructs=where))
        return out
