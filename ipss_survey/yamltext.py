"""YAML text to data, with libyaml's C parser where PyYAML has it, and one wording for text
that is not YAML.

Instruments, codebooks, column maps and study files are YAML. The pure-Python parser takes
about a tenth of a second for a 94-statement instrument, which ``instruments list`` pays for
every built-in; libyaml's parser (``yaml.CSafeLoader``) reads the same safe subset in a
fraction of that and gives the same data.
"""

from __future__ import annotations

from typing import Any


class YamlSyntaxError(ValueError):
    """Text that is not YAML; the message says where: "line 2, column 14: could not find
    expected ':'" (the callers prefix the file and "not valid YAML: ")."""


def safe_load(text: str) -> Any:
    """``yaml.safe_load``, through libyaml when it is available.

    Raises
    ------
    YamlSyntaxError
        When the text is not YAML, with the line and column of the problem when known.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        # libyaml places some problems a line later (at the end of the input): the message
        # comes from the pure-Python parser, which points at the line where the text breaks
        raise YamlSyntaxError(_where(text, exc)) from None


def _where(text: str, found: Exception) -> str:
    """Why ``text`` is not YAML, as the pure-Python parser says it: "line L, column C: ..."
    (``found``, the first parser's error, when that one reads the text)."""
    import yaml

    try:
        yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        found = exc
    mark = getattr(found, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    problem = getattr(found, "problem", None) or str(found).splitlines()[0]
    return f"{where}{problem}"
