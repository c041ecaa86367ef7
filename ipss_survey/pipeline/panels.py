"""Agreement within groups (with ``--group``): does each panel agree before it meets?

Per construct and group rwg(j) on the respondents who answered every item, per item rwg on
its own answers, and across groups ICC(1) and ICC(2) of the construct scores
(``stats.within_group``, as R's ``multilevel``), from the tally pass's per-group sums: the
complete respondents' item sums, the answer counts and the score histograms. The null
distribution is the uniform one over the scale's points; the figures are not weighted
(``multilevel`` has no survey weights).
"""

from __future__ import annotations

import numpy as np

from ipss_survey.instrument import Instrument
from ipss_survey.pipeline.notes import NoteCollector
from ipss_survey.results import IccEntry, ItemAgreement, PanelAgreement
from ipss_survey.scoring import Scored
from ipss_survey.stats.within_group import (
    icc_from_moments,
    rwg_from_variances,
    rwg_j_from_variances,
    uniform_null_variance,
    variances_from_sums,
)


def _item_rwg(scored: Scored, instrument: Instrument, labels: list[str]) -> dict[str, list]:
    """Each item's rwg per group, from the groups' counts of each code."""
    g = len(labels)
    out = {}
    for j, item in enumerate(instrument.items):
        sc = item.scale
        take = np.array(sc.points) - sc.low
        counts = scored.tallies.code_counts[:g, j, take].astype(float)  # groups x points
        points = np.array(sc.points, dtype=float)
        n = counts.sum(axis=1)
        total = counts @ points
        squares = counts @ (points * points)
        variance = variances_from_sums(n, total, squares)
        found = rwg_from_variances(
            labels,
            n.astype(np.int64)[:, None],
            variance[:, None],
            uniform_null_variance(len(sc.points)),
        )
        out[item.code] = found[0].groups
    return out


def panels_section(
    scored: Scored, instrument: Instrument, notes: NoteCollector
) -> tuple[list[PanelAgreement], list[IccEntry]]:
    """rwg(j) and rwg per construct and group, and ICC(1)/ICC(2) per construct."""
    labels = list(scored.group_labels)
    g = len(labels)
    complete = scored.tallies.complete
    assert complete is not None
    per_item = _item_rwg(scored, instrument, labels)
    position = {it.code: j for j, it in enumerate(instrument.items)}
    agreement: list[PanelAgreement] = []
    iccs: list[IccEntry] = []
    for ci, con in enumerate(instrument.constructs):
        points = instrument.shared_points(con)
        cols = [position[c] for c in con.items]
        if points is not None:
            n = complete.n[:g, ci].astype(float)
            variance = variances_from_sums(
                n[:, None],
                complete.total[:g, ci][:, cols],
                complete.squares[:g, ci][:, cols],
            )
            found = rwg_j_from_variances(
                labels, n.astype(np.int64), variance, uniform_null_variance(len(points))
            )
            notes.add(con.id, found.notes, "rwg(j)")
            rwg_j = found.groups
        else:
            rwg_j = None
        for gi, label in enumerate(labels):
            items = [
                ItemAgreement(code, per_item[code][gi].n, per_item[code][gi].value)
                for code in con.items
            ]
            agreement.append(
                PanelAgreement(
                    con.id,
                    label,
                    rwg_j[gi].n if rwg_j else 0,
                    rwg_j[gi].value if rwg_j else None,
                    items,
                )
            )
        hist = scored.tallies.histograms[ci]
        if hist is None:
            continue
        counts = hist.counts[:g].astype(float)
        sizes = counts.sum(axis=1)
        totals = counts @ hist.values
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(sizes > 0, totals / sizes, 0.0)
        ss_within = float((counts * (hist.values[None, :] - means[:, None]) ** 2).sum())
        found_icc = icc_from_moments(sizes, totals, ss_within)
        notes.add(con.id, found_icc.notes, "ICC")
        iccs.append(
            IccEntry(
                con.id,
                con.level,
                found_icc.icc1,
                found_icc.icc2,
                found_icc.n_groups,
                found_icc.n,
                found_icc.mean_group_size,
            )
        )
    return agreement, iccs
