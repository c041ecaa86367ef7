"""Advice on an instrument that loads: scales whose codes may not mean what the file says.

The loader refuses what cannot be analysed; these checks find what can be analysed but may
give a wrong reading. A scale whose agreement codes sit in the middle of it has no
respondent-level agreement ("agrees on average" needs an end), and a scale whose lowest code
is labelled "Strongly agree" while its agreement codes are the top points was most likely
typed the wrong way round: every agreement percentage would then be a disagreement
percentage. ``ipss-survey instruments check`` prints them; nothing here stops a run.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipss_survey.instrument.anchors import anchor_side
from ipss_survey.instrument.model import Instrument, Scale


@dataclass(frozen=True)
class Advice:
    """One finding: a stable ``code`` for programs, the ``message`` for people, and the items
    of the scale it concerns."""

    code: str
    message: str
    items: tuple[str, ...]


def check_instrument(instrument: Instrument) -> list[Advice]:
    """Warnings about each distinct scale of the instrument, in the order its items use them."""
    by_scale: dict[tuple, tuple[Scale, list[str]]] = {}
    for item in instrument.items:
        sc = item.scale
        key = (sc.key(), tuple(sorted(sc.labels.items())))  # labels are not part of equality
        by_scale.setdefault(key, (sc, []))[1].append(item.code)
    out: list[Advice] = []
    for scale, codes in by_scale.values():
        out += _scale_advice(scale, tuple(codes))
    return out


def _where(codes: tuple[str, ...]) -> str:
    shown = ", ".join(codes[:3]) + (f" and {len(codes) - 3} more" if len(codes) > 3 else "")
    return f"the scale of {shown}"


def _label(scale: Scale, code: int) -> str:
    return scale.labels.get(code, str(code))


def _scale_advice(scale: Scale, codes: tuple[str, ...]) -> list[Advice]:
    where = _where(codes)
    points = f"{scale.low}-{scale.high}"
    if scale.agree_side is None:
        return [
            Advice(
                "agree_not_at_end",
                f"{where} ({points}): its agreement codes {list(scale.agree)} are not the top or "
                "the bottom points, so no respondent can be said to agree on average and "
                "construct acceptance tests by respondent are skipped; list the points that "
                "mean agreement at one end",
                codes,
            )
        ]
    agree_end, other_end = (
        (scale.high, scale.low) if scale.agree_side == "high" else (scale.low, scale.high)
    )
    at_agree = anchor_side(scale.texts(agree_end))
    at_other = anchor_side(scale.texts(other_end))
    if at_agree == "unfavourable" or at_other == "favourable":
        return [
            Advice(
                "scale_looks_reversed",
                f"{where} ({points}) looks reversed: agreement is {list(scale.agree)}, but "
                f"{agree_end} is labelled {_label(scale, agree_end)!r} and {other_end} "
                f"{_label(scale, other_end)!r}; if the labels are right, set agree to the "
                "codes at the other end (or swap the labels)",
                codes,
            )
        ]
    return []
