"""Codebook format rules (docs/codebook-format.md) and the built-in codebooks."""

from __future__ import annotations

import textwrap
import tracemalloc
from pathlib import Path

import pytest

from ipss_survey.errors import InstrumentError
from ipss_survey.instrument.codebook import (
    builtin_codebook,
    builtin_codebook_ids,
    builtin_codebook_text,
    load_codebook,
    parse_codebook,
    pattern_words,
    resolve_codebook,
)

BASE = """\
id: t
title: Test codebook
"""


def parse(body: str, base: str = BASE):
    return parse_codebook(base + textwrap.dedent(body), "book.yaml")


def error_of(body: str, base: str = BASE) -> InstrumentError:
    with pytest.raises(InstrumentError) as info:
        parse(body, base)
    return info.value


def test_minimal_codebook_and_defaults():
    book = parse_codebook(
        "id: mini\nthemes:\n  - {id: a, name: Alpha, patterns: [' alpha ']}\n", "mini.yaml"
    )
    assert book.id == "mini" and book.title == "mini"  # title defaults to the id
    assert book.source == "" and book.description == ""
    (theme,) = book.themes
    assert (theme.id, theme.name, theme.description, theme.patterns) == (
        "a",
        "Alpha",
        "",
        ("alpha",),
    )
    assert book.origin == "mini.yaml"


def test_full_codebook_keeps_every_field_in_order():
    book = parse("""\
        source: Somewhere (2017)
        description: Proposed patterns.
        themes:
          - id: Cap
            name: Capacity
            description: Skills and training.
            patterns: [training, "skill*", capacity building]
          - id: trust
            name: Low trust
            patterns: ["trust*"]
        """)
    assert book.title == "Test codebook"
    assert book.source == "Somewhere (2017)" and book.description == "Proposed patterns."
    assert book.theme_ids == ("Cap", "trust")
    assert book.themes[0].patterns == ("training", "skill*", "capacity building")
    assert book.themes[0].description == "Skills and training."
    # theme ids are looked up ignoring case and surrounding spaces
    assert book.theme(" cap ").name == "Capacity"
    assert book.find_theme("TRUST").id == "trust"
    assert book.find_theme("other") is None
    with pytest.raises(KeyError):
        book.theme("other")


@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        (
            "colour: red\nthemes: [{id: a, name: A, patterns: [x]}]\n",
            "colour",
            "unknown key 'colour'",
        ),
        (
            "themes: [{id: a, name: A, patterns: [x], weight: 2}]\n",
            "themes[0].weight",
            "unknown key 'weight'",
        ),
        (
            "themes: [{id: a, name: A, pattern: [x]}]\n",
            "themes[0].pattern",
            "unknown key 'pattern'",
        ),
        (
            "version: '1'\nthemes: [{id: a, name: A, patterns: [x]}]\n",
            "version",
            "unknown key 'version'",
        ),
    ],
)
def test_unknown_keys_are_refused_with_file_key_path_and_allowed_keys(body, path, words):
    err = error_of(body)
    assert err.source == "book.yaml" and err.path == path
    assert str(err).startswith(f"book.yaml: {path}: ")
    assert words in str(err)
    assert "allowed keys:" in str(err)


def test_allowed_keys_are_listed():
    assert "allowed keys: description, id, name, patterns" in str(
        error_of("themes: [{id: a, name: A, patterns: [x], weight: 2}]\n")
    )
    assert "allowed keys: description, id, source, themes, title" in str(
        error_of("colour: red\nthemes: [{id: a, name: A, patterns: [x]}]\n")
    )


@pytest.mark.parametrize(
    ("text", "path", "words"),
    [
        ("title: T\nthemes: [{id: a, name: A, patterns: [x]}]\n", "id", "needs an 'id'"),
        (
            "id: my book\nthemes: [{id: a, name: A, patterns: [x]}]\n",
            "id",
            "must not contain spaces",
        ),
        ("id: t\n", "themes", "expected a non-empty list of themes, found nothing"),
        ("id: t\nthemes: []\n", "themes", "expected a non-empty list of themes"),
        ("id: t\nthemes: {a: 1}\n", "themes", "found a mapping"),
        ("id: t\nthemes: [training]\n", "themes[0]", "expected a mapping (theme), found text"),
        ("- a\n- b\n", "", "expected a mapping (codebook), found a list"),
    ],
)
def test_top_level_rules(text, path, words):
    with pytest.raises(InstrumentError) as info:
        parse_codebook(text, "book.yaml")
    assert info.value.path == path
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("themes", "path", "words"),
    [
        ("[{name: A, patterns: [x]}]", "themes[0]", "a theme needs an 'id'"),
        (
            "[{id: a b, name: A, patterns: [x]}]",
            "themes[0].id",
            "theme id 'a b' must not contain spaces",
        ),
        ("[{id: 'a;b', name: A, patterns: [x]}]", "themes[0].id", "must not contain ';'"),
        ("[{id: '-', name: A, patterns: [x]}]", "themes[0].id", "is reserved"),
        ("[{id: None, name: A, patterns: [x]}]", "themes[0].id", "is reserved"),
        ("[{id: '', name: A, patterns: [x]}]", "themes[0].id", "expected non-empty text"),
        ("[{id: a, patterns: [x]}]", "themes[0]", "theme 'a' needs a 'name'"),
        ("[{id: a, name: '', patterns: [x]}]", "themes[0].name", "expected non-empty text"),
        ("[{id: a, name: yes, patterns: [x]}]", "themes[0].name", "true/false value"),
        (
            "[{id: a, name: A, patterns: [x]}, {id: A, name: B, patterns: [y]}]",
            "themes[1].id",
            "duplicate theme id 'A' (first at themes[0])",
        ),
    ],
)
def test_theme_rules(themes, path, words):
    err = error_of(f"themes: {themes}\n")
    assert err.path == path
    assert words in str(err)


@pytest.mark.parametrize(
    ("patterns", "path", "words"),
    [
        ("", "themes[0].patterns", "needs a non-empty list of patterns, found nothing"),
        ("[]", "themes[0].patterns", "needs a non-empty list of patterns, found a list"),
        ("training", "themes[0].patterns", "found text 'training'"),
        ("[x, '']", "themes[0].patterns[1]", "a pattern must not be empty"),
        ("['   ']", "themes[0].patterns[0]", "a pattern must not be empty"),
        ("[x, 2017]", "themes[0].patterns[1]", "must be text, found the number 2017 (quote it)"),
        ("[x, 1.5]", "themes[0].patterns[1]", "found the number 1.5"),
        ("[yes]", "themes[0].patterns[0]", "true/false value (quote words"),
        ("[x, null]", "themes[0].patterns[1]", "must be text, found nothing"),
        ("[{a: b}]", "themes[0].patterns[0]", "must be text, found a mapping"),
        ("[[a, b]]", "themes[0].patterns[0]", "must be text, found a list"),
        ("['*']", "themes[0].patterns[0]", "'*' must follow the start of a word"),
        ("['*train']", "themes[0].patterns[0]", "'*' must follow the start of a word"),
        ("['tr*ain']", "themes[0].patterns[0]", "'*' may only end a word"),
        ("['train**']", "themes[0].patterns[0]", "one '*' only"),
        ("['capacity * building']", "themes[0].patterns[0]", "'*' must follow the start"),
        ("['--']", "themes[0].patterns[0]", "holds no word"),
        (
            "[capacity building, Capacity-Building]",
            "themes[0].patterns[1]",
            "repeats pattern 0 of this theme",
        ),
    ],
)
def test_pattern_rules(patterns, path, words):
    err = error_of(f"themes:\n  - id: a\n    name: A\n    patterns: {patterns}\n")
    assert err.path == path
    assert words in str(err)
    assert str(err).startswith(f"book.yaml: {path}: ")


def test_the_same_pattern_may_serve_two_themes():
    book = parse(
        "themes: [{id: a, name: A, patterns: [trust]}, {id: b, name: B, patterns: [trust]}]\n"
    )
    assert [t.patterns for t in book.themes] == [("trust",), ("trust",)]


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("training", ("training",)),
        ("Capacity  Building", ("capacity", "building")),
        ("e-government", ("e", "government")),
        ("m&e", ("m", "e")),
        ("don\u2019t", ("don", "t")),
        ("collaborat*", ("collaborat*",)),
        ("capacit* build*", ("capacit*", "build*")),
        ("ISO 9001", ("iso", "9001")),
        ("Participaci\u00f3n", ("participaci\u00f3n",)),
        ("Participacio\u0301n", ("participaci\u00f3n",)),  # decomposed accent: NFC
        ("Stra\u00dfe", ("strasse",)),  # case-folded
    ],
)
def test_pattern_words(pattern, words):
    assert pattern_words(pattern) == words


def test_invalid_yaml_and_empty_file():
    with pytest.raises(InstrumentError, match=r"book.yaml: not valid YAML: line 2, column 14"):
        parse_codebook("id: t\nthemes: [a: b: c]\n", "book.yaml")
    with pytest.raises(InstrumentError, match=r"book.yaml: the file is empty"):
        parse_codebook("", "book.yaml")


def test_file_errors(tmp_path: Path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(InstrumentError, match="no such file") as info:
        load_codebook(missing)
    assert info.value.source == str(missing)
    with pytest.raises(InstrumentError, match="is a folder"):
        load_codebook(tmp_path)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(
        "id: t\nthemes: [{id: a, name: Caf\u00e9, patterns: [x]}]\n".encode("latin-1")
    )
    with pytest.raises(InstrumentError, match="not UTF-8"):
        load_codebook(latin)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 5_000_001)
    with pytest.raises(InstrumentError, match="larger than 5 MB"):
        load_codebook(big)


def test_load_codebook_reads_utf8_with_bom_and_names_the_file_in_errors(tmp_path: Path):
    good = tmp_path / "good.yaml"
    good.write_bytes(
        "\ufeffid: g\nthemes: [{id: a, name: Caf\u00e9, patterns: [caf\u00e9]}]\n".encode()
    )
    book = load_codebook(good)
    assert book.themes[0].name == "Caf\u00e9" and book.origin == str(good)
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: g\nthemes: [{id: a, name: A, patterns: []}]\n", encoding="utf-8")
    with pytest.raises(InstrumentError) as info:
        load_codebook(bad)
    assert str(info.value).startswith(f"{bad}: themes[0].patterns: ")


# ---- built-in codebooks


IPSS_THEMES = [
    "initiation",
    "public-value",
    "capacity",
    "e-government",
    "monitoring",
    "collaborative-governance",
    "stakeholder-networks",
    "low-trust",
    "restricted-dialogue",
    "fragmentation",
]


def test_builtin_codebooks_are_listed_and_load():
    ids = builtin_codebook_ids()
    assert "ipss-constraints" in ids
    for cid in ids:
        book = builtin_codebook(cid)
        assert book.id == cid
        assert book.origin == f"built-in codebook {cid}"


def test_ipss_constraints_has_the_seven_areas_and_three_views():
    book = builtin_codebook("ipss-constraints")
    assert list(book.theme_ids) == IPSS_THEMES
    assert book.theme("capacity").name == "Training and capacity building"
    assert book.theme("public-value").name == "Public value (PV) generation"
    assert book.theme("fragmentation").name == "Structural fragmentation"
    assert "Uys" in book.source and "Jessa" in book.source
    assert "not taken from the source" in book.description
    assert all(t.patterns and t.description for t in book.themes)


def test_resolve_codebook_by_id_or_path(tmp_path: Path):
    assert resolve_codebook("ipss-constraints").id == "ipss-constraints"
    own = tmp_path / "own.yml"
    own.write_text("id: own\nthemes: [{id: a, name: A, patterns: [x]}]\n", encoding="utf-8")
    assert resolve_codebook(str(own)).id == "own"
    assert resolve_codebook(own).id == "own"
    with pytest.raises(InstrumentError, match="no built-in codebook with this id and no such file"):
        resolve_codebook("no-such-book")
    with pytest.raises(InstrumentError, match="no such file"):
        resolve_codebook(str(tmp_path / "missing.yaml"))


def test_builtin_text_is_the_yaml_and_unknown_ids_are_refused():
    assert "id: ipss-constraints" in builtin_codebook_text("ipss-constraints")
    with pytest.raises(InstrumentError, match="built-in ids: ipss-constraints"):
        builtin_codebook_text("nope")


def test_codebook_yaml_cannot_construct_objects(tmp_path: Path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.yaml"
    evil.write_text(
        f'id: !!python/object/apply:os.system ["echo pwned > {marker}"]\nthemes: []\n',
        encoding="utf-8",
    )
    with pytest.raises(InstrumentError, match="not valid YAML"):
        load_codebook(evil)
    assert not marker.exists()


def test_yaml_alias_bomb_fails_fast():
    """A billion-laughs document: aliases nested nine deep would expand to 10^9 items."""
    levels = ['&a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 10):
        levels.append(f"&a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    as_keys = "\n".join(f"a{i}: {level}" for i, level in enumerate(levels))
    tracemalloc.start()
    with pytest.raises(InstrumentError, match="unknown key 'a0'"):
        parse_codebook(as_keys + "\nid: x\nthemes: *a9\n", "bomb.yaml")
    as_patterns = "id: x\nthemes:\n  - {id: a, name: A, patterns: [" + ", ".join(levels) + "]}\n"
    with pytest.raises(
        InstrumentError, match=r"patterns\[0\]: a pattern must be text, found a list"
    ):
        parse_codebook(as_patterns, "bomb.yaml")
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    assert peak < 64, f"peak {peak:.0f} MB: the aliases were expanded"
