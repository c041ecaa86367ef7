"""Agreement between coders: Cohen's kappa as psych::cohen.kappa, Krippendorff's alpha (nominal).

Codes are numbers (for a theme: 1 = the answer mentions it, 0 = it does not), NaN where a coder
did not code a unit. Kappa compares two coders on the units both coded; alpha takes any number
of coders and every unit that at least two of them coded. Neither is defined when every code
given is the same value (a theme nobody used): the number is None with a note, never NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from ipss_survey.stats.notes import Note, NoteCode

CI_LEVEL = 0.95


@dataclass(frozen=True)
class CohenKappa:
    """Unweighted Cohen's kappa of two coders, as psych::cohen.kappa reports it.

    ``n`` is the number of units both coders coded; ``agreement`` the share of them given the
    same code (0-1); ``expected`` the agreement expected by chance from the two coders' margins;
    ``variance`` and ``ci`` the large-sample variance and normal interval psych reports.
    """

    kappa: float | None
    ci: tuple[float, float] | None
    variance: float | None
    n: int
    agreement: float | None
    expected: float | None
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class KrippendorffAlpha:
    """Krippendorff's alpha for nominal data, with the counts it rests on.

    ``units`` are the pairable units (coded by at least two coders), ``values`` the codes they
    hold (n in Krippendorff's notation); ``observed`` and ``expected`` the disagreements D_o and
    D_e (alpha = 1 - D_o / D_e).
    """

    alpha: float | None
    units: int
    values: int
    observed: float | None
    expected: float | None
    notes: list[Note] = field(default_factory=list)


def _codes(values: ArrayLike, what: str) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if np.isinf(x).any():
        raise ValueError(f"{what} must be finite codes or NaN for 'not coded'")
    return x


def _normal_quantile(p: float) -> float:
    """qnorm(p)."""
    from scipy.special import ndtri

    return float(ndtri(p))


def cohen_kappa(first: ArrayLike, second: ArrayLike, level: float = CI_LEVEL) -> CohenKappa:
    """Unweighted Cohen's kappa of two coders' nominal codes (NaN = not coded).

    Units one coder did not code are left out. With p the table of proportions of the units
    both coded (rows: first coder, columns: second), r and c its row and column sums,
    po = tr(p) and pc = sum_i r_i c_i: kappa = (po - pc) / (1 - pc) (Cohen 1960). The variance
    is the large-sample variance of Fleiss, Cohen & Everitt (1969) as psych writes it,

        var = [sum_i p_ii ((1 - pc) - (r_i + c_i)(1 - po))^2
               + (1 - po)^2 sum_{i != j} p_ij (c_i + r_j)^2 - (po pc - 2 pc + po)^2]
              / (N (1 - pc)^4),

    set to 0 when it comes out negative (rounding, e.g. at perfect agreement), and the
    interval is kappa -+ z sqrt(var), z = qnorm((1 + level) / 2), clipped to [-1, 1]:
    ``psych::cohen.kappa(data.frame(first, second))`` gives ``$kappa``, ``$var.kappa`` and
    ``$confid[1, ]`` (``alpha = 1 - level``). When every code given is the same value
    (pc = 1: a theme neither coder used) kappa is None with a note (psych: NA); with no unit
    coded by both, too.

    psych reads a data frame of exactly two rows as a 2 x 2 table of counts rather than two
    coders' codes of two units; this function always reads codes.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
    Psychological Measurement 20(1), 37-46. Fleiss, J. L., Cohen, J. & Everitt, B. S. (1969).
    Large sample standard errors of kappa and weighted kappa. Psychological Bulletin 72(5),
    323-327. Revelle, W., ``psych::cohen.kappa``.
    """
    a, b = _codes(first, "first"), _codes(second, "second")
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError("first and second must be 1-D codes of the same units")
    both = ~(np.isnan(a) | np.isnan(b))
    a, b = a[both], b[both]
    n = int(a.size)
    if n == 0:
        note = Note(NoteCode.TOO_FEW_CODED, "no unit was coded by both coders: no kappa")
        return CohenKappa(None, None, None, 0, None, None, [note])
    values, index = np.unique(np.concatenate([a, b]), return_inverse=True)
    table = np.zeros((values.size, values.size))
    np.add.at(table, (index[:n], index[n:]), 1.0)
    return cohen_kappa_table(table, level)


def cohen_kappa_table(table: ArrayLike, level: float = CI_LEVEL) -> CohenKappa:
    """Cohen's kappa from a square table of counts (rows: first coder, columns: second).

    Same definitions as ``cohen_kappa``; ``psych::cohen.kappa(table)`` on a table of counts.
    """
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or (counts < 0).any():
        raise ValueError("table must be a square table of counts")
    total = float(counts.sum())
    if total <= 0:
        note = Note(NoteCode.TOO_FEW_CODED, "no unit was coded by both coders: no kappa")
        return CohenKappa(None, None, None, 0, None, None, [note])
    n = round(total)
    p = counts / total
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    po = float(np.trace(p))
    pc = float(rows @ cols)
    if 1.0 - pc <= 1e-15:
        note = Note(
            NoteCode.AGREEMENT_UNDEFINED,
            "both coders gave every unit the same code: agreement is complete but chance "
            "agreement is too, so kappa is undefined (0/0)",
        )
        return CohenKappa(None, None, None, n, po, pc, [note])
    kappa = (po - pc) / (1.0 - pc)
    diag = np.diag(p)
    first = float(np.sum(diag * ((1.0 - pc) - (rows + cols) * (1.0 - po)) ** 2))
    spread = (cols[:, None] + rows[None, :]) ** 2  # [i, j] = (c_i + r_j)^2
    off = p * spread
    second = (1.0 - po) ** 2 * float(off.sum() - np.trace(off))
    third = (po * pc - 2.0 * pc + po) ** 2
    variance = (first + second - third) / (total * (1.0 - pc) ** 4)
    variance = max(variance, 0.0)
    z = _normal_quantile(1.0 - (1.0 - level) / 2.0)
    half = z * np.sqrt(variance)
    ci = (float(max(kappa - half, -1.0)), float(min(kappa + half, 1.0)))
    return CohenKappa(float(kappa), ci, float(variance), n, po, pc)


def krippendorff_alpha(data: ArrayLike) -> KrippendorffAlpha:
    """Krippendorff's alpha for nominal codes: coders x units, NaN where a coder did not code.

    The definition of Krippendorff (2011): units with fewer than two codes are not pairable
    and left out; the coincidence matrix o_ck = sum_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1)
    (n_uc the number of coders giving unit u code c, m_u = sum_c n_uc), its margins
    n_c = sum_k o_ck and n = sum_c n_c; with the nominal difference [c != k],

        D_o = (1/n) sum_{c != k} o_ck,   D_e = 1/(n (n - 1)) sum_{c != k} n_c n_k,
        alpha = 1 - D_o / D_e = 1 - (n - 1) sum_{c != k} o_ck / sum_{c != k} n_c n_k.

    Any number of coders, missing codes allowed. None with a note when no unit is pairable, or
    when every code given is the same value (D_e = 0: a theme nobody used). The tests check it
    against the worked examples of Krippendorff (2011, sections A-C) and against the Python
    package ``krippendorff`` (``alpha(reliability_data=data, level_of_measurement="nominal")``);
    psych has no alpha for coders, and R's ``irr::kripp.alpha(data, "nominal")``, which
    implements the same definition, is not among the reference scripts' packages.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
    Communication, University of Pennsylvania (https://repository.upenn.edu/asc_papers/43).
    Hayes, A. F. & Krippendorff, K. (2007). Answering the call for a standard reliability
    measure for coding data. Communication Methods and Measures 1(1), 77-89.
    """
    x = _codes(data, "data")
    if x.ndim != 2:
        raise ValueError("data must be a coders x units array")
    coded = ~np.isnan(x)
    m = coded.sum(axis=0)
    pairable = m >= 2
    units = int(pairable.sum())
    if units == 0:
        note = Note(NoteCode.TOO_FEW_CODED, "no unit was coded by two or more coders: no alpha")
        return KrippendorffAlpha(None, 0, 0, None, None, [note])
    x = x[:, pairable]
    coded = coded[:, pairable]
    m = m[pairable].astype(float)
    values, index = np.unique(x[coded], return_inverse=True)
    # n_uc: units x values, how many coders gave unit u the value c
    unit_of = np.broadcast_to(np.arange(units), x.shape)[coded]
    n_uc = np.zeros((units, values.size))
    np.add.at(n_uc, (unit_of, index), 1.0)
    # sum over c of o_cc = sum_u sum_c n_uc (n_uc - 1) / (m_u - 1)
    agree = float(np.sum(np.sum(n_uc * (n_uc - 1.0), axis=1) / (m - 1.0)))
    n_c = n_uc.sum(axis=0)
    n = float(n_c.sum())
    disagree = n - agree  # sum_{c != k} o_ck
    expected_pairs = n * n - float(np.sum(n_c * n_c))  # sum_{c != k} n_c n_k
    observed = disagree / n
    if expected_pairs <= 0:
        note = Note(
            NoteCode.AGREEMENT_UNDEFINED,
            "every code given is the same value: no disagreement is expected by chance, so "
            "alpha is undefined (0/0)",
        )
        return KrippendorffAlpha(None, units, round(n), observed, 0.0, [note])
    expected = expected_pairs / (n * (n - 1.0))
    alpha = 1.0 - (n - 1.0) * disagree / expected_pairs
    return KrippendorffAlpha(float(alpha), units, round(n), float(observed), float(expected))
