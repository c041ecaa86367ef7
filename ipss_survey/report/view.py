"""Read-only lookups over Results that every report format shares.

Every writer (terminal, HTML, Markdown, spreadsheet, charts) finds its numbers through
``View``, so a figure in one format is the same figure in every other.
"""

from __future__ import annotations

from ipss_survey.results import (
    AcceptanceTest,
    GroupTestEntry,
    LevelInfo,
    MaturityEntry,
    ReliabilityEntry,
    Results,
)
from ipss_survey.scoring import ConstructStats, ItemStats
from ipss_survey.stats.padjust import method_name


def default_title(results: Results) -> str:
    return f"Survey report: {results.instrument.title or results.instrument.id}"


class View:
    """Lookups by id over one Results, and the run's options as the reports name them."""

    def __init__(self, results: Results) -> None:
        self.r = results
        self.items_by_code = {it.code: it for it in results.items}
        self.constructs_by_id = {c.id: c for c in results.constructs}
        self.maturity_by_id = {m.construct: m for m in results.maturity}
        self.tests = {(t.target, t.id): t for t in results.acceptance_tests}
        self.reliability_by_id = {r.construct: r for r in results.reliability}
        self._group_tests: dict[str, list[GroupTestEntry]] = {}
        for gt in results.group_tests:
            self._group_tests.setdefault(gt.construct, []).append(gt)

    @property
    def dimensions(self) -> list[ConstructStats]:
        return [c for c in self.r.constructs if c.level == "dimension"]

    def children(self, construct_id: str) -> list[ConstructStats]:
        return [c for c in self.r.constructs if c.parent == construct_id]

    def family(self, dimension_id: str) -> list[ConstructStats]:
        """A dimension followed by its sub-dimensions."""
        return [self.constructs_by_id[dimension_id], *self.children(dimension_id)]

    def items_of(self, construct: ConstructStats) -> list[ItemStats]:
        return [self.items_by_code[c] for c in construct.items if c in self.items_by_code]

    def maturity(self, construct_id: str) -> MaturityEntry | None:
        return self.maturity_by_id.get(construct_id)

    def maturity_label(self, construct_id: str) -> str:
        m = self.maturity(construct_id)
        return (m.label if m else None) or "-"

    def maturity_text(self, construct_id: str) -> str:
        """'4 Transformed', or '-' without a level."""
        m = self.maturity(construct_id)
        return f"{m.level} {m.label}" if m and m.level is not None else "-"

    @property
    def levels(self) -> list[LevelInfo]:
        m = self.r.instrument.maturity
        return list(m.levels) if m else []

    @property
    def maturity_basis(self) -> str:
        m = self.r.instrument.maturity
        return (m.basis if m else "") or "Bands as defined in the instrument file."

    def test(self, target: str, ident: str) -> AcceptanceTest | None:
        return self.tests.get((target, ident))

    def reliability(self, construct_id: str) -> ReliabilityEntry | None:
        return self.reliability_by_id.get(construct_id)

    def group_tests(self, construct_id: str) -> list[GroupTestEntry]:
        return self._group_tests.get(construct_id, [])

    def higher_is_worse(self, construct_id: str) -> bool:
        """Whether a higher score (more agreement) is worse for this construct, as for a list
        of constraints: its charts then colour agreement as the bad end.

        The instrument declares it (``direction: higher_worse``), but results.json does not
        carry it yet: a construct record that has a ``direction`` (a later schema) is read,
        any other counts as higher-is-better.
        """
        c = self.constructs_by_id.get(construct_id)
        return getattr(c, "direction", "higher_better") == "higher_worse"

    @property
    def agree_low(self) -> bool:
        """Whether the agreement codes are the scale's lowest points (1 = Strongly agree), so
        that a lower mean is more agreement."""
        scale = self.r.instrument.scale or {}
        points = [int(p) for p in scale.get("points") or []]
        agree = [int(p) for p in scale.get("agree") or []]
        others = [p for p in points if p not in agree]
        if not agree or not others:
            return False
        return sum(agree) / len(agree) < sum(others) / len(others)

    @property
    def design(self) -> bool:
        """Whether the run used a survey design (weights, strata or clusters)."""
        return self.r.data.design is not None

    @property
    def weighted(self) -> str:
        """'weighted ' under a design with weights, else ''; for labels."""
        d = self.r.data.design
        return "weighted " if d is not None and d.weights else ""

    @property
    def has_tests(self) -> bool:
        return bool(self.r.acceptance_tests)

    @property
    def threshold(self) -> float:
        return float(self.r.options.get("threshold", 50.0))

    @property
    def alpha(self) -> float:
        return float(self.r.options.get("alpha", 0.05))

    @property
    def p_adjust(self) -> str:
        return str(self.r.options.get("p_adjust", "holm"))

    @property
    def p_adjust_name(self) -> str:
        """'Holm', 'Bonferroni', 'Benjamini-Hochberg' or 'no': the correction as applied."""
        return method_name(self.p_adjust)

    def warning_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for w in self.r.data.warnings:
            counts[w.code or "warning"] = counts.get(w.code or "warning", 0) + 1
        return counts

    def acceptance_span(self) -> tuple[float, float] | None:
        """Lowest and highest item acceptance (pct_favourable) across the whole instrument."""
        values = [it.pct_favourable for it in self.r.items if it.pct_favourable is not None]
        return (min(values), max(values)) if values else None
