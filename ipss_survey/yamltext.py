"""YAML text to data, with libyaml's C parser where PyYAML has it.

Instruments, codebooks, column maps and study files are YAML. The pure-Python parser takes
about a tenth of a second for a 94-statement instrument, which ``instruments list`` pays for
every built-in; libyaml's parser (``yaml.CSafeLoader``) reads the same safe subset in a
fraction of that and gives the same data.
"""

from __future__ import annotations

from typing import Any


def safe_load(text: str) -> Any:
    """``yaml.safe_load``, through libyaml when it is available."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)
