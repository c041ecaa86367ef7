"""Whole-or-nothing file writes: a temporary file in the same folder, then a rename.

A reader (or a rerun after Ctrl-C) sees either the old file or the complete new one, never a
half-written file, and no temporary ``.name.*.part`` file is left behind when writing fails or
is interrupted. The rename replaces a symbolic link at the target rather than writing through
it, so a planted link cannot redirect a report outside its folder.

``check_folder`` says before any work whether a folder can take the files at all, and
``remove_unchanged`` removes a file an earlier run wrote only while it still holds exactly
what that run wrote.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path


def _new_file_mode(path: Path) -> int:
    """The mode a plain ``open()`` would give: keep an existing file's, else 0666 - umask."""
    try:
        st = os.lstat(path)
        if stat.S_ISREG(st.st_mode):
            return stat.S_IMODE(st.st_mode)
    except OSError:
        pass
    return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where the system allows (Linux)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # elsewhere reading it means setting it; put it straight back
    os.umask(mask)
    return mask


def _remove(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _stage(path: Path, data: bytes) -> str:
    """Write ``data`` to a new temporary file beside ``path``; return its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _new_file_mode(path))  # mkstemp makes 0600; reports are shared files
    except BaseException:
        if tmp:
            _remove(tmp)
        raise
    return tmp


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); best effort elsewhere."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_many(files: Mapping[Path, bytes | str]) -> None:
    """Write several files as a set: each is staged in full before any is renamed into place.

    If staging any file fails or is interrupted, no target is touched and no temporary file
    remains; only an interruption during the final renames (microseconds) can leave a mix of
    old and new files, each of them whole.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            raw = data.encode("utf-8") if isinstance(data, str) else data
            staged.append((_stage(Path(path), raw), Path(path)))
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            _remove(tmp)  # already renamed ones are gone; the rest must not linger
        raise
    for folder in {p.parent for _, p in staged}:
        _sync_folder(folder)


def check_folder(folder: Path) -> str | None:
    """Why files cannot be written into ``folder`` (creating it), or None when they can.

    The folder may exist or not; the check creates (and removes) a temporary folder in the
    nearest existing one, so it catches a path under a file, a read-only or virtual file
    system (``/proc``) and missing permissions without leaving anything behind.

    Parameters
    ----------
    folder
        The output folder.

    Returns
    -------
    str or None
        A phrase such as ``"is a file, not a folder"``, or None.
    """
    if folder.exists() and not folder.is_dir():
        return "is a file, not a folder"
    existing = folder
    while not existing.exists() and existing.parent != existing:
        if existing.is_symlink():
            return f"{existing} is a broken link"
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    try:
        probe = tempfile.mkdtemp(prefix=".ipss-survey-probe-", dir=existing)
        os.rmdir(probe)
    except OSError as exc:
        return f"cannot create files in {existing} ({exc.strerror or exc})"
    return None


def digest(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex, as a manifest records each file."""
    return hashlib.sha256(data).hexdigest()


def remove_unchanged(path: Path, sha256: str) -> bool:
    """Remove ``path`` if it is a regular file (not a link) holding exactly the bytes whose
    digest is ``sha256``; return whether it was removed. Anything else is left alone."""
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            return False
        if digest(path.read_bytes()) != sha256:
            return False
        os.unlink(path)
    except OSError:
        return False
    return True
