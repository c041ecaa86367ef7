"""The built-in instruments' catalogue: what ``instruments list`` shows, without parsing them.

Parsing the eight instrument files (the YAML parser, the instrument model and its checks)
costs more than everything else ``instruments list`` does. ``builtins/catalogue.json`` holds
each built-in's id, title, counts and scale together with the SHA-256 of the YAML text it was
made from; an entry whose file has changed since, and a built-in the catalogue lacks, is
parsed instead, so the listing is never stale, only slower. Write the file again with
``python -m ipss_survey.instrument.catalogue``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from ipss_survey.instrument.builtin_files import BUILTINS_DIR, builtin_ids, builtin_text

if TYPE_CHECKING:
    from ipss_survey.instrument.model import Instrument

CATALOGUE_FILE = BUILTINS_DIR / "catalogue.json"


@dataclass(frozen=True)
class CatalogueEntry:
    """One built-in as listed: counts of items and dimensions, the scale's lowest and highest
    point (``None`` where each dimension has its own scale), and the source text's hash."""

    id: str
    title: str
    items: int
    dimensions: int
    scale: tuple[int, int] | None
    sha256: str


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def catalogue_entry(instrument: Instrument, text: str) -> CatalogueEntry:
    """The entry of ``instrument``, parsed from YAML ``text``."""
    points = instrument.scale.points if instrument.scale else ()
    return CatalogueEntry(
        id=instrument.id,
        title=instrument.title,
        items=len(instrument.items),
        dimensions=len(instrument.dimensions),
        scale=(points[0], points[-1]) if points else None,
        sha256=_digest(text),
    )


def _parsed_entry(iid: str, text: str) -> CatalogueEntry:
    from ipss_survey.instrument.loader import parse_instrument

    return catalogue_entry(parse_instrument(text, f"built-in instrument {iid}"), text)


def _stored() -> dict[str, CatalogueEntry]:
    try:
        rows = json.loads(CATALOGUE_FILE.read_text("utf-8"))
        return {
            row["id"]: CatalogueEntry(**{**row, "scale": tuple(row["scale"] or ()) or None})
            for row in rows
        }
    except (OSError, ValueError, TypeError, KeyError):
        return {}


def builtin_catalogue() -> list[CatalogueEntry]:
    """Every built-in instrument's entry, by id; parsed where the stored one is out of date."""
    stored = _stored()
    entries = []
    for iid in builtin_ids():
        text = builtin_text(iid)
        entry = stored.get(iid)
        if entry is None or entry.sha256 != _digest(text):
            entry = _parsed_entry(iid, text)
        entries.append(entry)
    return entries


def catalogue_json(entries: list[CatalogueEntry]) -> str:
    """The catalogue file's text: one JSON object per built-in, sorted by id."""
    return json.dumps([asdict(e) for e in entries], indent=1, ensure_ascii=False) + "\n"


def fresh_catalogue() -> list[CatalogueEntry]:
    """Every built-in parsed now (what the catalogue file should hold)."""
    return [_parsed_entry(iid, builtin_text(iid)) for iid in builtin_ids()]


if __name__ == "__main__":
    CATALOGUE_FILE.write_text(catalogue_json(fresh_catalogue()), "utf-8")
    print(f"wrote {CATALOGUE_FILE.name}")
