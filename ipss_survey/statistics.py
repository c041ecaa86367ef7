"""The statistics step: reliability, acceptance tests and group tests for every construct.

Turns the scored data into the ``reliability``, ``acceptance_tests`` and ``group_tests``
sections of results.json (contracts/results-v1.md) by calling ``ipss_survey.stats``; the
definitions and their R equivalents live there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ipss_survey.instrument import Construct, Instrument

if TYPE_CHECKING:
    from ipss_survey.analysis import Options
    from ipss_survey.coding import CodedData
    from ipss_survey.scoring import Scored


@dataclass
class Statistics:
    reliability: list[dict[str, Any]]
    acceptance_tests: list[dict[str, Any]]
    group_tests: list[dict[str, Any]]
    warnings: list[dict[str, Any]] = field(default_factory=list)


class _Warnings:
    """Collects per-construct warnings, merging identical ones into a single entry."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.extra: dict[tuple[str, str], dict[str, Any]] = {}

    def add(self, where: str, warning: dict[str, Any], section: str) -> None:
        key = (f"{section}:{warning['code']}", warning["message"])
        self.seen[key].append(where)
        self.extra.setdefault(
            key, {k: v for k, v in warning.items() if k not in ("code", "message")}
        )

    def entries(self) -> list[dict[str, Any]]:
        out = []
        for (code, message), where in self.seen.items():
            section, kind = code.split(":", 1)
            entry = {
                "code": kind,
                "message": f"{section} of {', '.join(where)}: {message}",
                "constructs": where,
            }
            entry.update(self.extra[(code, message)])
            out.append(entry)
        return out


def _lowest_agree(con: Construct, instrument: Instrument) -> int | None:
    """The smallest agreement code, when all the construct's items share one scale."""
    scales = {instrument.item(c).scale.key() for c in con.items}
    if len(scales) != 1:
        return None
    return min(instrument.item(con.items[0]).scale.agree)


def reliability_section(
    coded: CodedData, scored: Scored, instrument: Instrument, warn: _Warnings
) -> list[dict[str, Any]]:
    from ipss_survey.stats.reliability import reliability_from_cov

    out = []
    n_rows = int(coded.codes.shape[0])
    pos = {it.code: j for j, it in enumerate(instrument.items)}
    moments = scored.tallies.moments
    for ci, con in enumerate(instrument.constructs):
        cov, cor = moments.cov_cor([pos[c] for c in con.items])
        hist = scored.tallies.histograms[ci]
        respondents = hist.answered_any if hist is not None else n_rows
        rel = reliability_from_cov(cov, cor, list(con.items), n_rows, respondents)
        for w in rel.warnings:
            warn.add(con.id, w, "reliability")
        out.append(
            {
                "construct": con.id,
                "level": con.level,
                "k": rel.k,
                "n": rel.n,
                "alpha": rel.alpha,
                "alpha_std": rel.alpha_std,
                "alpha_ci": list(rel.alpha_ci) if rel.alpha_ci else None,
                "average_r": rel.average_r,
                "omega_total": rel.omega_total,
                "items": [
                    {"code": it.code, "r_drop": it.r_drop, "alpha_if_deleted": it.alpha_if_deleted}
                    for it in rel.items
                ],
            }
        )
    return out


def acceptance_section(
    scored: Scored, instrument: Instrument, opts: Options, warn: _Warnings
) -> list[dict[str, Any]]:
    from ipss_survey.stats.acceptance import binomial_tests, signed_rank_from_counts
    from ipss_survey.stats.padjust import p_adjust

    p0 = opts.threshold / 100
    item_succ = [
        sum(it.counts[str(c)] for c in instrument.item(it.code).scale.agree) for it in scored.items
    ]
    item_n = [it.n for it in scored.items]
    con_succ, con_n, con_ok = [], [], []
    for ci, con in enumerate(instrument.constructs):
        low = _lowest_agree(con, instrument)
        hist = scored.tallies.histograms[ci]
        if hist is None:
            low = None
        if low is None:
            warn.add(
                con.id,
                {
                    "code": "mixed_scales",
                    "message": "items use different scales: no acceptance test",
                },
                "acceptance test",
            )
        con_ok.append(low is not None)
        if low is None:
            con_succ.append(0)
            con_n.append(0)
            continue
        total = hist.total()
        con_succ.append(int(total[hist.values >= low].sum()))
        con_n.append(int(total.sum()))

    entries: list[dict[str, Any]] = []
    for target, ids, succ, trials in (
        ("item", [it.code for it in scored.items], item_succ, item_n),
        ("construct", [c.id for c in instrument.constructs], con_succ, con_n),
    ):
        tests = binomial_tests(succ, trials, p0)
        p_adj = p_adjust([t.p_value for t in tests], opts.p_adjust)
        for i, (tid, t) in enumerate(zip(ids, tests, strict=True)):
            pct = 100 * t.proportion if t.proportion is not None else None
            adj = None if np.isnan(p_adj[i]) else float(p_adj[i])
            entry: dict[str, Any] = {
                "target": target,
                "id": tid,
                "successes": t.successes,
                "n": t.n,
                "pct_agree": pct,
                "threshold": opts.threshold,
                "p_value": t.p_value,
                "p_adj": adj,
                "ci_wilson": list(t.ci_wilson) if t.ci_wilson else None,
                "ci_exact": list(t.ci_exact) if t.ci_exact else None,
                "meets_threshold": None if pct is None else pct >= opts.threshold,
                "significant": None if adj is None else adj < opts.alpha,
            }
            if target == "construct":
                con = instrument.constructs[i]
                entry["level"] = con.level
                if not con_ok[i]:
                    entries.append(entry)
                    continue
                mid = instrument.item(con.items[0]).scale.midpoint
                hist = scored.tallies.histograms[i]
                sr = signed_rank_from_counts(hist.values, hist.total(), mid)
                entry["wilcoxon"] = {
                    "mu": mid,
                    "statistic": sr.statistic,
                    "p_value": sr.p_value,
                    "n": sr.n,
                    "method": sr.method,
                }
                for w in sr.warnings:
                    warn.add(con.id, w, "signed-rank test")
            for w in t.warnings:
                warn.add(tid, w, "acceptance test")
            entries.append(entry)
    return entries


def group_section(
    scored: Scored, instrument: Instrument, opts: Options, warn: _Warnings
) -> list[dict[str, Any]]:
    from ipss_survey.stats.group_tests import (
        GroupCounts,
        agreement_from_counts,
        group_tests_from_counts,
    )
    from ipss_survey.stats.padjust import p_adjust

    labels = list(scored.group_labels)
    n_groups = len(labels)
    entries: list[dict[str, Any]] = []
    for ci, con in enumerate(instrument.constructs):
        hist = scored.tallies.histograms[ci]
        if hist is None:
            values, counts = np.empty(0), np.zeros((n_groups, 0), dtype=np.int64)
        else:
            values, counts = hist.values, hist.counts[:n_groups]  # last row: no group
        tests = group_tests_from_counts(
            GroupCounts(labels, values, counts), opts.min_group_size, opts.p_adjust
        )
        low = _lowest_agree(con, instrument)
        if low is not None and hist is not None:
            agrees = values >= low
            table = np.stack(
                [counts[:, ~agrees].sum(axis=1), counts[:, agrees].sum(axis=1)], axis=1
            )
            tests.append(
                agreement_from_counts(
                    GroupCounts(labels, np.array([0.0, 1.0]), table), opts.min_group_size
                )
            )
        for t in tests:
            for w in t.warnings:
                warn.add(con.id, w, t.test)
            entries.append(
                {
                    "construct": con.id,
                    "level": con.level,
                    "test": t.test,
                    "statistic": t.statistic,
                    "df": t.df,
                    "p_value": t.p_value,
                    "p_adj": None,
                    "effect": {"name": t.effect.name, "value": t.effect.value}
                    if t.effect
                    else None,
                    "method": t.method,
                    "pairwise": [
                        {
                            "a": p.a,
                            "b": p.b,
                            "statistic": p.statistic,
                            "p_value": p.p_value,
                            "p_adj": p.p_adj,
                            "effect": {"name": p.effect.name, "value": p.effect.value},
                        }
                        for p in t.pairwise
                    ],
                    "groups": list(t.groups),
                    "group_sizes": list(t.group_sizes),
                    "excluded_groups": list(t.excluded_groups),
                }
            )
    # p_adj: within one test kind, over the constructs of one level.
    families: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, e in enumerate(entries):
        kind = "agreement" if e["test"] in ("chi-square", "fisher-exact") else e["test"]
        families[(kind, e["level"])].append(i)
    for members in families.values():
        adj = p_adjust([entries[i]["p_value"] for i in members], opts.p_adjust)
        for i, a in zip(members, adj, strict=True):
            entries[i]["p_adj"] = None if np.isnan(a) else float(a)
    return entries


def compute(coded: CodedData, scored: Scored, instrument: Instrument, opts: Options) -> Statistics:
    """All statistics of one run."""
    warn = _Warnings()
    rel = reliability_section(coded, scored, instrument, warn)
    acc = acceptance_section(scored, instrument, opts, warn)
    grp = group_section(scored, instrument, opts, warn) if scored.group_labels else []
    return Statistics(rel, acc, grp, warn.entries())
