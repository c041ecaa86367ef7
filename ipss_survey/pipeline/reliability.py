"""The reliability section of a run: alpha, its interval and omega for every construct.

Computed from the pairwise sums of the one pass over the answers (``scoring.tallies``), so a
million respondents cost no more than the covariance matrix of each construct's items;
the definitions are those of ``stats.reliability``.
"""

from __future__ import annotations

from ipss_survey.coding import CodedData
from ipss_survey.instrument import Instrument
from ipss_survey.pipeline.notes import NoteCollector
from ipss_survey.results import ReliabilityEntry
from ipss_survey.scoring import Scored
from ipss_survey.stats.reliability import reliability_from_cov


def reliability_section(
    coded: CodedData, scored: Scored, instrument: Instrument, notes: NoteCollector
) -> list[ReliabilityEntry]:
    """One entry per construct, in instrument order; the Feldt N is the rows analysed."""
    out = []
    n_rows = int(coded.codes.shape[0])
    pos = {it.code: j for j, it in enumerate(instrument.items)}
    moments = scored.tallies.moments
    for ci, con in enumerate(instrument.constructs):
        cov, cor = moments.cov_cor([pos[c] for c in con.items])
        hist = scored.tallies.histograms[ci]
        respondents = hist.answered_any if hist is not None else n_rows
        rel = reliability_from_cov(cov, cor, list(con.items), n_rows, respondents)
        notes.add(con.id, rel.notes, "reliability")
        out.append(
            ReliabilityEntry(
                construct=con.id,
                level=con.level,
                k=rel.k,
                n=rel.n,
                alpha=rel.alpha,
                alpha_std=rel.alpha_std,
                alpha_ci=list(rel.alpha_ci) if rel.alpha_ci else None,
                average_r=rel.average_r,
                omega_total=rel.omega_total,
                items=list(rel.items),
            )
        )
    return out
