"""The one ``Comparison`` that ``ipss-survey compare`` produces; ``compare.json`` is its form.

Field names and order follow the contract (``docs/compare.md``), with its own
``schema_version``: each section is a dataclass whose fields, in order, are the keys of its
JSON object. Every table, chart and report of a comparison is drawn from this object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ipss_survey.jsonform import OMIT_NONE, dumps, plain
from ipss_survey.results import ToolInfo
from ipss_survey.stats.groups import Effect
from ipss_survey.warnings import RunWarning

COMPARE_SCHEMA_VERSION = 1


@dataclass
class WaveInfo:
    """One wave: its label, data file and what became of its rows."""

    label: str
    source: str
    sha256: str
    rows_analysed: int
    instrument: str  # id and version of the instrument it was analysed with


@dataclass
class Matching:
    """Respondents matched by id across consecutive waves (paired comparisons only)."""

    id_column: str | None
    pairs: list[int]  # pairs matched between wave i and wave i + 1
    unmatched: list[list[int]]  # per step: [rows of the earlier wave unmatched, of the later]


@dataclass
class ChangeTestInfo:
    """The test of one change; ``n`` pairs (paired) or both waves' respondents (independent)."""

    name: str
    statistic: float | None
    p_value: float | None
    p_adj: float | None
    n: int
    effect: Effect | None


@dataclass
class WaveFigures:
    """A construct's or an item's figures in one wave (``null`` where the wave lacks it)."""

    n: int
    mean: float | None
    sd: float | None
    pct_agree: float | None
    ci_pct_agree: list[float] | None = field(default=None, metadata=OMIT_NONE)
    maturity_level: int | None = field(default=None, metadata=OMIT_NONE)
    maturity_label: str | None = field(default=None, metadata=OMIT_NONE)


@dataclass
class Change:
    """From one wave (``from``, by index) to the next: differences (later minus earlier) and
    the test. ``pct_agree_ci``: the difference's 95% interval in percentage points
    (independent waves, items). ``maturity_change``: levels moved (constructs)."""

    from_: int
    to: int
    n: int
    mean_change: float | None
    pct_agree_change: float | None
    method: str
    test: ChangeTestInfo | None
    pct_agree_ci: list[float] | None = field(default=None, metadata=OMIT_NONE)
    maturity_change: int | None = field(default=None, metadata=OMIT_NONE)


@dataclass
class ConstructComparison:
    id: str
    level: str
    name: str
    waves: list[WaveFigures | None]
    changes: list[Change]


@dataclass
class ItemComparison:
    code: str
    text: str
    dimension: str
    waves: list[WaveFigures | None]
    changes: list[Change]


@dataclass
class GroupComparison:
    """The constructs of one group (``--group``), in every wave."""

    group: str
    constructs: list[ConstructComparison]


@dataclass
class OnlyIn:
    """What one wave's instrument has and another's lacks: compared only where both have it."""

    wave: str
    items: list[str]
    constructs: list[str]


@dataclass
class Comparison:
    schema_version: int
    tool: ToolInfo
    options: dict[str, Any]
    waves: list[WaveInfo]
    paired: bool
    matched: Matching | None
    constructs: list[ConstructComparison]
    items: list[ItemComparison]
    groups: list[GroupComparison] = field(default_factory=list)
    only_in: list[OnlyIn] = field(default_factory=list)
    warnings: list[RunWarning] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _renamed(plain(self))

    def to_json(self) -> str:
        """compare.json: deterministic, one line, final newline."""
        return dumps(self.to_dict()) + "\n"


def _renamed(value: Any) -> Any:
    """``from_`` is ``from`` in JSON (a Python keyword)."""
    if isinstance(value, dict):
        return {("from" if k == "from_" else k): _renamed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v) for v in value]
    return value
