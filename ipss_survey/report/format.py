"""Numbers and text as human tables show them: the one place where rounding happens.

results.json and the CSV tables keep full precision; every terminal table, HTML page,
Markdown summary and chart label formats its numbers here, so "40.0-60.0%" reads the same
everywhere. Text bound for a spreadsheet passes ``safe_cell`` so it never runs as a formula.
"""

from __future__ import annotations

import re
from typing import Any

from ipss_survey.stats.groups import Effect

# Text a spreadsheet would read as a formula (or as a command, after a tab or CR).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def fmt_num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """A 0-100 percentage as text with a % sign; '-' when it could not be computed."""
    return "-" if value is None else f"{value:.{digits}f}%"


def fmt_df(df: int | float | list[float] | None) -> str:
    """Degrees of freedom: '3', or '1.97, 62.1' for an F test's numerator and denominator."""
    if df is None:
        return "-"
    if isinstance(df, list):
        return ", ".join(f"{v:.3g}" for v in df)
    return f"{df:g}"


def fmt_range(r: list[float] | None, digits: int = 1) -> str:
    """An acceptance range (0-100) as '40.0-60.0%'."""
    if not r or r[0] is None or r[1] is None:
        return "-"
    return f"{r[0]:.{digits}f}-{r[1]:.{digits}f}%"


def fmt_p(p: float | None) -> str:
    """p-values: three decimals, and '<0.001' below that, as journals print them."""
    if p is None:
        return "-"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def fmt_ci(ci: list[float] | tuple[float, float] | None, digits: int = 2) -> str:
    """An interval as '0.71 to 0.83' (a dash would read as a minus sign)."""
    if not ci or ci[0] is None or ci[1] is None:
        return "-"
    return f"{ci[0]:.{digits}f} to {ci[1]:.{digits}f}"


_EFFECT_NAMES = {
    "epsilon_squared": "epsilon squared",
    "rank_biserial": "rank-biserial r",
    "cramers_v": "Cramer's V",
}


def effect_name(name: str) -> str:
    """A reader's name for an effect size: 'rank-biserial r'."""
    return _EFFECT_NAMES.get(name, name.replace("_", " "))


def fmt_effect(effect: Effect | None) -> str:
    """'epsilon squared 0.28': an effect size with a reader's name for it."""
    if effect is None:
        return "-"
    return f"{effect_name(str(effect.name or ''))} {fmt_num(effect.value)}".strip()


def fmt_yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def slug(text: str) -> str:
    """A file-name-safe form of an id from an instrument file."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "x"
