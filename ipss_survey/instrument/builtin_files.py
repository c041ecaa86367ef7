"""Where the built-in instruments lie: their folder, their ids and their YAML text.

Kept apart from ``builtin`` (which opens and parses instruments) so that listing the
built-ins loads neither the YAML parser nor the instrument model.
"""

from __future__ import annotations

from pathlib import Path

BUILTINS_DIR = Path(__file__).with_name("builtins")


def builtin_ids() -> list[str]:
    """Ids of the instruments that ship with the package, sorted."""
    return sorted(p.name[: -len(".yaml")] for p in BUILTINS_DIR.glob("*.yaml"))


def builtin_text(iid: str) -> str:
    """The YAML source of built-in instrument ``iid``."""
    return (BUILTINS_DIR / f"{iid}.yaml").read_text("utf-8")
