"""The built-ins' catalogue: what ``instruments list`` shows, kept equal to the YAML files."""

from __future__ import annotations

import dataclasses

import pytest

from ipss_survey.instrument import builtin_ids, builtin_instrument, builtin_text
from ipss_survey.instrument import catalogue as cat


def test_the_stored_catalogue_is_what_the_yaml_files_say():
    stored = cat.CATALOGUE_FILE.read_text("utf-8")
    assert stored == cat.catalogue_json(cat.fresh_catalogue()), (
        "builtins/catalogue.json is out of date: run python -m ipss_survey.instrument.catalogue"
    )


def test_an_entry_holds_the_instruments_counts_and_scale():
    entries = {e.id: e for e in cat.builtin_catalogue()}
    assert sorted(entries) == builtin_ids()
    for iid, entry in entries.items():
        inst = builtin_instrument(iid)
        assert (entry.title, entry.items, entry.dimensions) == (
            inst.title,
            len(inst.items),
            len(inst.dimensions),
        )
        assert entry.scale == (inst.scale.points[0], inst.scale.points[-1])


@pytest.fixture
def stale_catalogue(tmp_path, monkeypatch):
    """A catalogue whose dtcaf entry was made from other text and lies about its counts,
    and which lacks isdip altogether."""
    entries = [
        dataclasses.replace(e, items=1, sha256="0" * 64) if e.id == "dtcaf" else e
        for e in cat.fresh_catalogue()
        if e.id != "isdip"
    ]
    path = tmp_path / "catalogue.json"
    path.write_text(cat.catalogue_json(entries), "utf-8")
    monkeypatch.setattr(cat, "CATALOGUE_FILE", path)


def test_a_stale_or_missing_entry_is_parsed_instead(stale_catalogue):
    entries = {e.id: e for e in cat.builtin_catalogue()}
    assert entries["dtcaf"].items == 94
    assert entries["isdip"].items == 22
    assert sorted(entries) == builtin_ids()


def test_an_unreadable_catalogue_means_parsing_every_file(tmp_path, monkeypatch):
    broken = tmp_path / "catalogue.json"
    broken.write_text("[{", "utf-8")
    monkeypatch.setattr(cat, "CATALOGUE_FILE", broken)
    assert cat.builtin_catalogue() == cat.fresh_catalogue()


def test_the_hash_is_of_the_text_the_instrument_was_read_from():
    entry = next(e for e in cat.builtin_catalogue() if e.id == "dtcaf")
    changed = builtin_text("dtcaf") + "\n# a comment\n"
    assert cat.catalogue_entry(builtin_instrument("dtcaf"), changed).sha256 != entry.sha256
