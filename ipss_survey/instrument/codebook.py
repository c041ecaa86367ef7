"""Codebooks: the themes open-ended answers are coded into, each with its patterns, from YAML.

A codebook is data, like an instrument: one YAML file (``docs/codebook-format.md``) gives its
themes and, per theme, the words and phrases that mark an answer as mentioning it. This module
reads and checks the file (every error names the file and the key path, unknown keys are
refused) and lists the codebooks that ship in ``codebooks/``; ``ipss_survey.coding.themes``
compiles the patterns and codes answers.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ipss_survey.errors import InstrumentError
from ipss_survey.yamltext import YamlSyntaxError, safe_load

_TOP_KEYS = {"id", "title", "source", "description", "themes"}
_THEME_KEYS = {"id", "name", "description", "patterns"}
# What a coder writes for "coded: no theme applies" (an empty cell means "not coded").
NO_THEME_MARKERS = frozenset({"-", "none"})
THEME_SEPARATOR = ";"
MAX_FILE_BYTES = 5_000_000


@dataclass(frozen=True)
class Theme:
    """One theme: its id (what coders write), name, description and patterns as written."""

    id: str
    name: str
    description: str
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Codebook:
    id: str
    title: str
    source: str
    description: str
    themes: tuple[Theme, ...]
    origin: str = ""
    _by_key: dict[str, Theme] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        self._by_key.update((theme_key(t.id), t) for t in self.themes)

    @property
    def theme_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)

    def theme(self, theme_id: str) -> Theme:
        """The theme with this id, ignoring case and surrounding spaces (KeyError if none)."""
        return self._by_key[theme_key(theme_id)]

    def find_theme(self, theme_id: str) -> Theme | None:
        return self._by_key.get(theme_key(theme_id))


def theme_key(theme_id: str) -> str:
    """How theme ids are compared: ignoring case and surrounding spaces."""
    return unicodedata.normalize("NFC", theme_id.strip()).casefold()


def is_word_char(ch: str) -> bool:
    """A character that belongs to a word: a letter, a digit, or a combining mark (accent)."""
    return ch.isalnum() or unicodedata.category(ch).startswith("M")


def pattern_words(pattern: str) -> tuple[str, ...]:
    """The words of a pattern, as matched: NFC-normalised and case-folded, ``*`` kept at the end.

    A word is a run of letters, digits and combining marks, optionally ending in ``*``; any
    other characters (spaces, hyphens, apostrophes, punctuation) only separate words, so
    ``e-government`` is the two words ``e`` and ``government``. Raises ValueError for a pattern
    without a word, or with a ``*`` that does not end a word.
    """
    text = unicodedata.normalize("NFC", pattern).casefold()
    words: list[str] = []
    current: list[str] = []
    starred = False
    for ch in text + " ":
        if ch == "*":
            if not current:
                raise ValueError(
                    f"pattern {pattern!r}: '*' must follow the start of a word (as in "
                    "'collaborat*'), not stand alone or open a word"
                )
            if starred:
                raise ValueError(f"pattern {pattern!r}: a word may end in one '*' only")
            starred = True
        elif is_word_char(ch):
            if starred:
                raise ValueError(
                    f"pattern {pattern!r}: '*' may only end a word ('collaborat*'), not stand "
                    "inside one"
                )
            current.append(ch)
        else:
            if current:
                words.append("".join(current) + ("*" if starred else ""))
            current, starred = [], False
    if not words:
        raise ValueError(f"pattern {pattern!r} holds no word (letters or digits)")
    return tuple(words)


class _Loader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> InstrumentError:
        return InstrumentError(self.source, path, message)

    def mapping(self, value: Any, path: str, allowed: set[str], what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping ({what}), found {_kind(value)}")
        for key in value:
            if not isinstance(key, str) or key not in allowed:
                raise self.fail(
                    _join(path, str(key)),
                    f"unknown key {key!r} in {what}; allowed keys: {', '.join(sorted(allowed))}",
                )
        return value

    def text(self, value: Any, path: str, *, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if isinstance(value, bool):
            raise self.fail(
                path,
                "expected text, found a true/false value (quote words such as Yes, No, On, Off)",
            )
        if isinstance(value, int | float):
            return str(value)
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(path, f"expected non-empty text, found {_kind(value)}")
        return value.strip()

    def identifier(self, value: Any, path: str, what: str) -> str:
        ident = self.text(value, path)
        if any(ch.isspace() for ch in ident):
            raise self.fail(path, f"{what} {ident!r} must not contain spaces")
        return ident

    def load(self, doc: Any) -> Codebook:
        top = self.mapping(doc, "", _TOP_KEYS, "codebook")
        if "id" not in top:
            raise self.fail("id", "a codebook needs an 'id' (used to choose it by name)")
        cid = self.identifier(top["id"], "id", "id")
        title = self.text(top.get("title", cid), "title")
        source = self.text(top.get("source"), "source", required=False)
        description = self.text(top.get("description"), "description", required=False)
        raw = top.get("themes")
        if not isinstance(raw, list) or not raw:
            raise self.fail("themes", f"expected a non-empty list of themes, found {_kind(raw)}")
        seen: dict[str, str] = {}
        themes = tuple(self.theme(t, f"themes[{i}]", seen) for i, t in enumerate(raw))
        return Codebook(cid, title, source, description, themes, origin=self.source)

    def theme(self, raw: Any, tpath: str, seen: dict[str, str]) -> Theme:
        d = self.mapping(raw, tpath, _THEME_KEYS, "theme")
        if "id" not in d:
            raise self.fail(tpath, "a theme needs an 'id' (what coders write in their column)")
        tid = self.identifier(d["id"], _join(tpath, "id"), "theme id")
        if THEME_SEPARATOR in tid:
            raise self.fail(
                _join(tpath, "id"),
                f"theme id {tid!r} must not contain {THEME_SEPARATOR!r}, which separates "
                "theme ids in a coder's column",
            )
        if theme_key(tid) in NO_THEME_MARKERS:
            raise self.fail(
                _join(tpath, "id"),
                f"theme id {tid!r} is reserved: coders write it for 'no theme applies'",
            )
        key = theme_key(tid)
        if key in seen:
            raise self.fail(
                _join(tpath, "id"), f"duplicate theme id {tid!r} (first at {seen[key]})"
            )
        seen[key] = tpath
        if "name" not in d:
            raise self.fail(tpath, f"theme {tid!r} needs a 'name'")
        name = self.text(d["name"], _join(tpath, "name"))
        description = self.text(d.get("description"), _join(tpath, "description"), required=False)
        ppath = _join(tpath, "patterns")
        raw = d.get("patterns")
        if not isinstance(raw, list) or not raw:
            raise self.fail(
                ppath,
                f"theme {tid!r} needs a non-empty list of patterns, found {_kind(raw)}",
            )
        patterns: list[str] = []
        words_seen: dict[tuple[str, ...], int] = {}
        for i, p in enumerate(raw):
            path = f"{ppath}[{i}]"
            if isinstance(p, bool):
                raise self.fail(
                    path,
                    "a pattern must be text, found a true/false value (quote words such as "
                    "yes, no, on, off)",
                )
            if isinstance(p, int | float):
                raise self.fail(path, f"a pattern must be text, found the number {p!r} (quote it)")
            if not isinstance(p, str):
                raise self.fail(path, f"a pattern must be text, found {_kind(p)}")
            if not p.strip():
                raise self.fail(path, "a pattern must not be empty")
            try:
                words = pattern_words(p)
            except ValueError as exc:
                raise self.fail(path, str(exc)) from None
            if words in words_seen:
                raise self.fail(
                    path,
                    f"pattern {p!r} repeats pattern {words_seen[words]} of this theme "
                    "(patterns are compared ignoring case and punctuation)",
                )
            words_seen[words] = i
            patterns.append(p.strip())
        return Theme(tid, name, description, tuple(patterns))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: f"text {value!r}"}.get(
        type(value), f"{type(value).__name__} {value!r}"
    )


def parse_codebook(text: str, source: str) -> Codebook:
    """Parse codebook YAML text; ``source`` names it in error messages."""
    try:
        doc = safe_load(text)
    except YamlSyntaxError as exc:
        raise InstrumentError(source, "", f"not valid YAML: {exc}") from None
    if doc is None:
        raise InstrumentError(source, "", "the file is empty")
    return _Loader(source).load(doc)


def load_codebook(path: str | Path) -> Codebook:
    """Load and check a codebook file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InstrumentError(str(p), "", "no such file") from None
    except IsADirectoryError:
        raise InstrumentError(str(p), "", "is a folder, not a codebook file") from None
    except OSError as exc:
        raise InstrumentError(str(p), "", f"cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InstrumentError(str(p), "", "is larger than 5 MB; a codebook file is small YAML")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InstrumentError(str(p), "", "is not UTF-8 text; save it as UTF-8") from None
    return parse_codebook(text, str(p))


def _folder() -> resources.abc.Traversable:
    return resources.files("ipss_survey.instrument").joinpath("codebooks")


def builtin_codebook_ids() -> list[str]:
    """Ids of the codebooks that ship with the package, sorted."""
    return sorted(f.name[: -len(".yaml")] for f in _folder().iterdir() if f.name.endswith(".yaml"))


def builtin_codebook_text(codebook_id: str) -> str:
    """The YAML text of a built-in codebook."""
    if codebook_id not in builtin_codebook_ids():
        raise InstrumentError(
            codebook_id,
            "",
            f"no built-in codebook with this id; built-in ids: {', '.join(builtin_codebook_ids())}",
        )
    return _folder().joinpath(f"{codebook_id}.yaml").read_text("utf-8")


def builtin_codebook(codebook_id: str) -> Codebook:
    """A built-in codebook by id."""
    return parse_codebook(builtin_codebook_text(codebook_id), f"built-in codebook {codebook_id}")


def resolve_codebook(id_or_path: str | Path) -> Codebook:
    """A built-in codebook id, or the path of a codebook YAML file."""
    ids = builtin_codebook_ids()
    if isinstance(id_or_path, str) and id_or_path in ids:
        return builtin_codebook(id_or_path)
    p = Path(id_or_path)
    if p.suffix.lower() in {".yaml", ".yml"} or p.exists():
        return load_codebook(p)
    raise InstrumentError(
        str(id_or_path),
        "",
        f"no built-in codebook with this id and no such file; built-in ids: {', '.join(ids)} "
        "(or give the path of a .yaml file)",
    )
