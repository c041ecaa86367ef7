"""``--fail-under``: let a batch job fail when a construct misses an acceptance or maturity target.

A target is either a percentage ("75", "75%", "82.5 %"), compared with each construct's
agreement (``pct_agree``, the acceptance shown in every report), or the label of one of the
instrument's maturity levels ("Transformed", any case), which each construct's level must
reach. Dimensions are checked by default. The CLI turns a miss into exit code 1
(``ExitCode.BELOW_TARGET``) and prints ``GateResult.message``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ipss_survey.errors import SurveyError
from ipss_survey.instrument import find_level
from ipss_survey.results import InstrumentInfo, LevelInfo, Results
from ipss_survey.scoring import ConstructStats

LEVELS = ("dimension", "subdimension", "all")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*$")


@dataclass(frozen=True)
class Target:
    """What a construct must reach: ``kind`` is "percent" or "maturity"."""

    kind: str
    value: float  # percent 0-100, or the 1-based maturity level
    label: str  # how messages name the target: "75%" or "level 4 Transformed (mean >= 3.4)"


@dataclass(frozen=True)
class Shortfall:
    construct: str
    name: str
    value: float | None  # the construct's pct_agree or mean
    reached: str  # its percentage or maturity label, as text


@dataclass(frozen=True)
class GateResult:
    target: Target
    checked: int
    shortfalls: list[Shortfall] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.shortfalls

    @property
    def message(self) -> str:
        what = f"{self.checked} construct(s)"
        if self.passed:
            return f"--fail-under {self.target.label}: all {what} reach the target"
        listed = "; ".join(f"{s.construct} {s.name}: {s.reached}" for s in self.shortfalls)
        return (
            f"--fail-under {self.target.label}: {len(self.shortfalls)} of {what} fall short: "
            f"{listed}"
        )


def _levels(instrument: InstrumentInfo) -> list[LevelInfo]:
    return list(instrument.maturity.levels) if instrument.maturity else []


def parse_target(spec: str, instrument: InstrumentInfo) -> Target:
    """Read a --fail-under value against an instrument (as ``Results.instrument`` holds it).

    Raises SurveyError for an empty value, a percentage outside 0-100, or a label that is not
    one of the instrument's maturity levels (the message lists the valid ones).
    """
    text = str(spec).strip()
    if not text:
        raise SurveyError("--fail-under needs a percentage such as 75 or a maturity label")
    m = _PERCENT.match(text)
    if m:
        value = float(m.group(1))
        if not 0 <= value <= 100:
            raise SurveyError(f"--fail-under {text}: a percentage must lie between 0 and 100")
        return Target("percent", value, f"{value:g}%")
    levels = _levels(instrument)
    inst_id = instrument.id
    if not levels:
        raise SurveyError(
            f"--fail-under {text!r}: instrument {inst_id!r} defines no maturity levels; "
            "give an acceptance percentage such as 75"
        )
    wanted = " ".join(text.casefold().split())
    for i, lv in enumerate(levels, 1):
        if " ".join(str(lv.label).casefold().split()) == wanted:
            return Target("maturity", i, f"level {i} {lv.label} (mean >= {lv.min:g})")
    valid = ", ".join(repr(str(lv.label)) for lv in levels)
    raise SurveyError(
        f"--fail-under {text!r} is neither a percentage nor a maturity level of {inst_id!r}; "
        f"valid levels: {valid}"
    )


def _constructs(results: Results, level: str) -> list[ConstructStats]:
    if level not in LEVELS:
        raise SurveyError(f"gate level must be one of {', '.join(LEVELS)}, not {level!r}")
    if level == "all":
        return list(results.constructs)
    return [c for c in results.constructs if c.level == level]


def _maturity_level(results: Results, c: ConstructStats) -> tuple[int | None, str | None]:
    """The construct's level from results.maturity, else from its mean and the bands."""
    for m in results.maturity:
        if m.construct == c.id:
            return m.level, m.label
    found = find_level(_levels(results.instrument), c.mean)
    return found if found else (None, None)


def check_gate(results: Results, spec: str | Target, level: str = "dimension") -> GateResult:
    """Which constructs (dimensions by default) fall short of the target.

    A construct whose statistic could not be computed (no answers) counts as short: a gate
    must not pass on missing evidence.
    """
    target = spec if isinstance(spec, Target) else parse_target(spec, results.instrument)
    cons = _constructs(results, level)
    short = []
    for c in cons:
        if target.kind == "percent":
            ok = c.pct_agree is not None and c.pct_agree >= target.value - 1e-9
            reached = "no answers" if c.pct_agree is None else f"{c.pct_agree:.1f}%"
            value = c.pct_agree
        else:
            lvl, label = _maturity_level(results, c)
            ok = lvl is not None and lvl >= target.value
            if lvl is not None:
                reached = f"level {lvl} {label} (mean {c.mean:.2f})"
            elif c.mean is None or math.isnan(c.mean):
                reached = "no score"
            else:
                reached = f"below the lowest level (mean {c.mean:.2f})"
            value = c.mean
        if not ok:
            short.append(Shortfall(c.id, c.name, value, reached))
    return GateResult(target, len(cons), short)
