"""File names made from data (a municipality's name for its own report), safe on every system.

A group label comes from the data file, so it may be ``../../etc``, ``CON``, hold slashes or a
NUL, or differ from another label only by case or by a character a file system refuses. A name
from ``safe_filename`` is one plain file name: it cannot climb out of ``--out``, is not a
Windows device name, and two different labels never share a file (a name that had to change
carries a short hash of the original label).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

MAX_NAME_BYTES = 100  # well under every file system's 255, leaving room for a suffix

_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')  # path separators, Windows' refusals
_WINDOWS_DEVICES = {
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$",
    *(f"{dev}{n}" for dev in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]),
}  # fmt: skip


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _cut(text: str, max_bytes: int) -> str:
    """At most ``max_bytes`` of UTF-8, never splitting a character."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", "ignore")


def safe_filename(name: object, *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file-name stem for ``name``: the label itself when that is safe, else a cleaned form.

    Add the suffix yourself: ``out / (safe_filename(group) + ".html")``.
    """
    text = str(name)
    clean = unicodedata.normalize("NFC", text)
    clean = _FORBIDDEN.sub("_", clean)
    clean = "".join(ch for ch in clean if unicodedata.category(ch) not in {"Cs", "Co", "Cn"})
    clean = re.sub(r"_{2,}", "_", clean)
    # Windows drops trailing dots and spaces; a leading dot hides a file or names ".." itself.
    clean = clean.strip(" .")
    if not clean:
        clean = "_"
    if clean.split(".")[0].strip().upper() in _WINDOWS_DEVICES:
        clean = "_" + clean
    if clean == text and len(text.encode("utf-8", "surrogatepass")) <= max_bytes:
        return clean
    tag = "-" + _digest(text)
    return _cut(clean, max_bytes - len(tag)).rstrip(" .") + tag


def unique_filenames(names: Iterable[object], *, max_bytes: int = MAX_NAME_BYTES) -> dict[str, str]:
    """Label -> file-name stem, distinct even where file systems ignore case (macOS, Windows).

    The first label (in sorted order) keeps its plain name; later ones that would clash with
    it in another case get a hash of their label appended.
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for label in sorted({str(n) for n in names}):
        stem = safe_filename(label, max_bytes=max_bytes)
        if stem.casefold() in taken:
            tag = "-" + _digest("case:" + label)
            stem = _cut(stem, max_bytes - len(tag)) + tag
        taken.add(stem.casefold())
        out[label] = stem
    return out


def path_in(folder: Path, name: object, suffix: str = "") -> Path:
    """``folder / safe name + suffix``, checked to lie directly inside ``folder``."""
    path = Path(folder) / (safe_filename(name) + suffix)
    if path.parent.resolve() != Path(folder).resolve() or path.name in {"", ".", ".."}:
        raise ValueError(f"{name!r} does not make a file name inside {folder}")
    return path
