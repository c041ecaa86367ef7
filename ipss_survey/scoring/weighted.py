"""Item and construct statistics under a survey design, for every group at once.

With ``--weight``, ``--strata`` or ``--cluster`` every mean, share and SD is weighted and every
standard error is design-based, as R's ``survey`` package gives them: ``svymean`` for means
and shares (an item's answers as given, a construct's scores), ``svyvar`` for SDs,
``svyciprop(method = "logit")`` for acceptance intervals, ``svyquantile(qrule = "school")``
for medians, and per group ``svyby``. Each is a ratio of weighted totals, worked out from the
tally pass's sums over units (``stats.design_sums``). Construct acceptance pools the answers
as R does on long data (one row per valid answer carrying its respondent's weight): the
respondent's PSU (their cluster, or themselves) is the cluster of their answers, and the
design is that of the respondents with an answer. Counts (``n``, ``counts``) stay counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ipss_survey.instrument import Instrument
from ipss_survey.scoring.acceptance import Acceptance
from ipss_survey.scoring.summaries import ConstructStats, ItemStats, RespondentsAgreeing
from ipss_survey.scoring.tallies import Tallies
from ipss_survey.stats.descriptive import weighted_median
from ipss_survey.stats.design_sums import (
    DomainRatios,
    Units,
    domain_df,
    domain_ratios,
    present_psus,
)


@dataclass
class DomainSummaries:
    """Per domain (groups in order, then everyone): items, constructs and their acceptance."""

    items: list[list[ItemStats]]
    constructs: list[list[ConstructStats]]
    item_acceptance: list[list[Acceptance]]
    construct_acceptance: list[list[Acceptance]]


def _by_slot(units: Units, values: np.ndarray) -> np.ndarray:
    """Per-unit values summed per domain: groups, then everyone (D, ...)."""
    g = units.n_slots - 1
    out = np.zeros((units.n_slots, *values.shape[1:]))
    np.add.at(out, units.slot, values)
    return np.concatenate([out[:g], out.sum(axis=0, keepdims=True)])


def _pct(r: DomainRatios, d: int, j: int) -> tuple[float | None, float | None]:
    est, var = r.estimate[d, j], r.variance[d, j]
    if not np.isfinite(est):
        return None, None
    return 100.0 * float(est), (100.0 * float(np.sqrt(var)) if np.isfinite(var) else None)


def _value(r: DomainRatios, d: int, j: int) -> tuple[float | None, float | None]:
    est, var = r.estimate[d, j], r.variance[d, j]
    if not np.isfinite(est):
        return None, None
    return float(est), (float(np.sqrt(var)) if np.isfinite(var) else None)


def _svyvar(mean_sq: float, mean: float, rows: float) -> float | None:
    """svyvar's variance from the weighted means of x^2 and x, and the domain's rows (n/(n-1)
    with n the design's rows in the domain, answered or not)."""
    if rows < 2:
        return None
    return float(max(mean_sq - mean * mean, 0.0) * rows / (rows - 1))


class WeightedSummaries:
    """Design-based statistics of every item and construct, per group and overall."""

    def __init__(self, instrument: Instrument, tallies: Tallies, units: Units) -> None:
        if tallies.code_sums is None or tallies.sums is None:
            raise ValueError("the tallies of a design run hold code and construct sums")
        self.instrument = instrument
        self.tallies = tallies
        self.units = units
        self.rows = _by_slot(units, units.rows.astype(float))  # (D,)
        self.item_df = domain_df(units, units.rows[:, None].astype(float))[:, 0]

    def summaries(self) -> DomainSummaries:
        items, item_acc = self._items()
        constructs, con_acc = self._constructs(items)
        return DomainSummaries(items, constructs, item_acc, con_acc)

    # -- items ------------------------------------------------------------------------------

    def _ratio(self, y, x, squares, **kw) -> DomainRatios:
        return domain_ratios(self.units, y, x, squares if self.units.psu is None else None, **kw)

    def _items(self) -> tuple[list[list[ItemStats]], list[list[Acceptance]]]:
        inst, cs = self.instrument, self.tallies.code_sums
        assert cs is not None
        width = cs.w1.shape[2] - 1
        k = len(inst.items)
        # per item: the code of each slot (code - low), NaN beyond its scale's points
        code_of = np.full((k, width), np.nan)
        masks: dict[str, np.ndarray] = {n: np.zeros((k, width)) for n in ("a", "e", "f", "p")}
        for j, it in enumerate(inst.items):
            sc = it.scale
            for p in sc.points:
                code_of[j, p - sc.low] = p
                masks["p"][j, p - sc.low] = 1.0
            for p in sc.agree:
                masks["a"][j, p - sc.low] = 1.0
            for p in sc.neutral:
                masks["e"][j, p - sc.low] = 1.0
            for p in sc.favourable_codes(it.reverse):
                masks["f"][j, p - sc.low] = 1.0
        w1 = cs.w1[:, :, :width]
        w2 = cs.w2[:, :, :width] if cs.w2 is not None else np.zeros_like(w1)
        pts = masks["p"]
        codes0 = np.nan_to_num(code_of)
        x = (w1 * pts).sum(axis=2)
        xx = (w2 * pts).sum(axis=2)
        answered = (cs.counts[:, :, :width] * pts).sum(axis=2)
        y_mean = (w1 * codes0).sum(axis=2)
        y_sq = (w1 * codes0 * codes0).sum(axis=2)
        mean = self._ratio(
            y_mean,
            x,
            ((w2 * codes0 * codes0).sum(axis=2), (w2 * codes0).sum(axis=2), xx),
            counts=answered,
        )
        shares = {}
        for name in ("a", "e", "f"):
            ya = (w1 * masks[name]).sum(axis=2)
            ya2 = (w2 * masks[name]).sum(axis=2)
            shares[name] = self._ratio(ya, x, (ya2, ya2, xx), counts=answered)
        ae = masks["a"] + masks["e"]
        y_ae, y_ae2 = (w1 * ae).sum(axis=2), (w2 * ae).sum(axis=2)
        shares["ae"] = self._ratio(y_ae, x, (y_ae2, y_ae2, xx), counts=answered)
        w1_dom = _by_slot(self.units, w1)  # (D, k, width)
        n_dom = _by_slot(self.units, cs.counts.astype(float))  # (D, k, width + 1)
        x_dom, ysq_dom = _by_slot(self.units, x), _by_slot(self.units, y_sq)
        out: list[list[ItemStats]] = []
        acc: list[list[Acceptance]] = []
        for d in range(self.units.n_domains):
            row_items, row_acc = [], []
            for j, it in enumerate(inst.items):
                sc = it.scale
                take = np.array(sc.points) - sc.low
                counts = n_dom[d, j, take].astype(np.int64)
                n = int(counts.sum())
                m, se_m = _value(mean, d, j)
                sd = None
                if m is not None and x_dom[d, j] > 0:
                    var = _svyvar(ysq_dom[d, j] / x_dom[d, j], m, self.rows[d])
                    sd = None if var is None else float(np.sqrt(var))
                pa, se_a = _pct(shares["a"], d, j)
                pe, se_e = _pct(shares["e"], d, j)
                pae, se_d = _pct(shares["ae"], d, j)
                pf, se_f = _pct(shares["f"], d, j)
                weights = w1_dom[d, j, take]
                row_items.append(
                    ItemStats(
                        code=it.code,
                        dimension=it.dimension,
                        subdimension=it.subdimension,
                        text=it.text,
                        reverse=it.reverse,
                        n=n,
                        n_weighted=float(weights.sum()),
                        missing=int(n_dom[d, j, width]),
                        mean=m,
                        se_mean=se_m,
                        sd=sd,
                        median=weighted_median(np.array(sc.points, float), weights),
                        counts={str(p): int(c) for p, c in zip(sc.points, counts, strict=True)},
                        pct_agree=pa,
                        se_pct_agree=se_a,
                        pct_neutral=pe,
                        se_pct_neutral=se_e,
                        pct_disagree=None if pae is None else 100.0 - pae,
                        se_pct_disagree=se_d,
                        pct_favourable=pf,
                        se_pct_favourable=se_f,
                        weighted_counts={
                            str(p): float(v) for p, v in zip(sc.points, weights, strict=True)
                        },
                    )
                )
                agree_n = int(sum(counts[sc.points.index(p)] for p in sc.agree))
                est, se = _value(shares["a"], d, j)
                row_acc.append(Acceptance(agree_n, n, n, est, se, int(self.item_df[d]), True))
            out.append(row_items)
            acc.append(row_acc)
        return out, acc

    # -- constructs -------------------------------------------------------------------------

    def _constructs(
        self, items: list[list[ItemStats]]
    ) -> tuple[list[list[ConstructStats]], list[list[Acceptance]]]:
        inst, sums, units = self.instrument, self.tallies.sums, self.units
        assert sums is not None
        second = units.psu is None

        def s2(name: str) -> np.ndarray | None:
            return sums.get2(name) if second else None

        responded = sums.count("responded").astype(float)
        restricted = present_psus(units, responded)  # the long data's design, per construct
        con_df = domain_df(units, responded)
        scored = sums.get("scored")
        score = self._ratio(
            sums.get("score"),
            scored,
            (s2("score_sq"), s2("score"), s2("scored")),
            counts=sums.count("scored").astype(float),
        )
        agree = self._ratio(
            sums.get("A"),
            sums.get("N"),
            (s2("AA"), s2("AN"), s2("NN")),
            psu_count=restricted,
            counts=responded,
        )
        neutral = self._ratio(
            sums.get("E"),
            sums.get("N"),
            (s2("EE"), s2("EN"), s2("NN")),
            psu_count=restricted,
            counts=responded,
        )
        ae2 = None
        if second:
            ae2 = (
                sums.get2("AA") + 2.0 * sums.get2("AE") + sums.get2("EE"),
                sums.get2("AN") + sums.get2("EN"),
                sums.get2("NN"),
            )
        agree_or_neutral = domain_ratios(
            units,
            sums.get("A") + sums.get("E"),
            sums.get("N"),
            ae2,
            psu_count=restricted,
            counts=responded,
        )
        agrees = self._ratio(
            sums.get("agrees"),
            scored,
            (s2("agrees"), s2("agrees"), s2("scored")),
            counts=sums.count("scored").astype(float),
        )
        dom = {
            name: _by_slot(units, arr)
            for name, arr in (
                ("score_sq", sums.get("score_sq")),
                ("scored_w", scored),
                ("A", sums.get("A")),
                ("N", sums.get("N")),
                ("n_scored", sums.count("scored").astype(float)),
                ("n_agrees", sums.count("agrees").astype(float)),
                ("responded", responded),
            )
        }
        answers_n = self._answer_counts(items)
        out: list[list[ConstructStats]] = []
        acc: list[list[Acceptance]] = []
        for d in range(units.n_domains):
            row, row_acc = [], []
            for ci, con in enumerate(inst.constructs):
                scale = inst.shared_scale(con)
                hist = self.tallies.histograms[ci]
                n = int(dom["n_scored"][d, ci])
                m, se_m = _value(score, d, ci)
                sd = median = None
                if m is not None and dom["scored_w"][d, ci] > 0:
                    var = _svyvar(dom["score_sq"][d, ci] / dom["scored_w"][d, ci], m, self.rows[d])
                    sd = None if var is None else float(np.sqrt(var))
                if hist is not None and hist.weights is not None:
                    wts = hist.weights.sum(axis=0) if d == units.n_slots - 1 else hist.weights[d]
                    median = weighted_median(hist.values, wts)
                pooled = scale is not None
                pa, se_a = _pct(agree, d, ci) if pooled else (None, None)
                pe, se_e = _pct(neutral, d, ci) if pooled else (None, None)
                pae, se_d = _pct(agree_or_neutral, d, ci) if pooled else (None, None)
                a_est, a_se = _value(agree, d, ci) if pooled else (None, None)
                acceptance = Acceptance(
                    self._agree_count(items[d], con) if pooled else 0,
                    answers_n[d][ci],
                    int(dom["responded"][d, ci]),
                    a_est,
                    a_se,
                    int(con_df[d, ci]),
                    True,
                )
                fav = [
                    it.pct_favourable
                    for it in items[d]
                    if it.code in con.items and it.pct_favourable is not None
                ]
                respondents = None
                if scale is not None and scale.agree_side is not None and n:
                    p_ag, se_ag = _pct(agrees, d, ci)
                    respondents = RespondentsAgreeing(int(dom["n_agrees"][d, ci]), n, p_ag, se_ag)
                row.append(
                    ConstructStats(
                        id=con.id,
                        level=con.level,
                        name=con.name,
                        parent=con.parent,
                        items=list(con.items),
                        n=n,
                        n_weighted=float(dom["scored_w"][d, ci]),
                        mean=m,
                        se_mean=se_m,
                        sd=sd,
                        median=median,
                        answers=answers_n[d][ci],
                        pct_agree=pa,
                        se_pct_agree=se_a,
                        ci_pct_agree=acceptance.ci_percent() if pooled else None,
                        acceptance_range=[min(fav), max(fav)] if fav else None,
                        pct_neutral=pe,
                        se_pct_neutral=se_e,
                        pct_disagree=None if pae is None else 100.0 - pae,
                        se_pct_disagree=se_d,
                        respondents_agreeing=respondents,
                    )
                )
                row_acc.append(acceptance)
            out.append(row)
            acc.append(row_acc)
        return out, acc

    def _answer_counts(self, items: list[list[ItemStats]]) -> list[list[int]]:
        """Valid answers to each construct's items, per domain (counts, not weights)."""
        out = []
        for row in items:
            by_code = {it.code: it.n for it in row}
            out.append([sum(by_code[c] for c in con.items) for con in self.instrument.constructs])
        return out

    def _agree_count(self, row: list[ItemStats], con) -> int:
        """Agreeing keyed answers to a construct's items (counts), from the items' counts."""
        total = 0
        for it in row:
            if it.code not in con.items:
                continue
            scale = self.instrument.item(it.code).scale
            total += sum(it.counts[str(c)] for c in scale.favourable_codes(it.reverse))
        return total
