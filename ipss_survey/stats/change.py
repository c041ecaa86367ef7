"""Did anything change between two waves? Rank tests of scores and tests of the share agreeing.

Two designs. **Paired**: the same respondents answered both waves (matched by id,
``match_pairs``): construct scores by the Wilcoxon signed-rank test of the differences, item
agreement by McNemar's test. **Independent**: two samples: scores by the Wilcoxon rank-sum
(Mann-Whitney) test, agreement by the two-sample test of proportions, or Fisher's exact test
when an expected count is small. Every number is as the named R function computes it with its
defaults; the follow-up wave is R's ``x`` (first argument), so a positive effect means the
follow-up tends higher.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from ipss_survey.stats.contingency import MIN_EXPECTED, fisher_test
from ipss_survey.stats.groups import Effect
from ipss_survey.stats.notes import Note, NoteCode
from ipss_survey.stats.rank_tests import mann_whitney_u
from ipss_survey.stats.signed_rank import EXACT_BELOW, signed_rank_from_counts

# wilcox.test(paired = TRUE, digits.rank = 7): differences of mean scores are ranked on 7
# significant digits, so 10/3 - 1/3 and 3 - 0 tie as they should.
DIGITS_RANK = 7
CI_LEVEL = 0.95
_MAX10E = 308  # (int)(DBL_MAX_EXP * log10(2)), as fprec.c


@dataclass(frozen=True)
class ChangeTest:
    """The test of a change: results' ``test`` object.

    name: "wilcoxon-signed-rank", "mann-whitney", "mcnemar", "chi-square" (prop.test) or
    "fisher-exact"; statistic as R names it (V, W, McNemar's chi-squared, X-squared; None for
    Fisher); n: respondents in the test (pairs for a paired test, both samples together for
    independent ones).
    """

    name: str
    statistic: float | None
    p_value: float | None
    n: int
    effect: Effect | None


@dataclass(frozen=True)
class ScoreChange:
    """Change of one construct's scores between a baseline and a follow-up wave.

    Paired: n_baseline = n_followup = pairs with both scores, n_zeros = pairs whose difference
    is exactly 0 (left out of the ranks, as R does). Independent: the two samples' sizes,
    n_zeros None.
    """

    test: ChangeTest
    method: str
    paired: bool
    n_baseline: int
    n_followup: int
    n_zeros: int | None
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class AgreementChange:
    """Change of the share agreeing (one item or construct) between two waves.

    Counts are respondents who agree out of those with an answer (paired: out of the pairs
    with both answers); pct_* and difference (follow-up minus baseline) in percentage points.
    ci: prop.test's continuity-corrected 95% interval of the difference, in percentage points
    (independent waves only; given whether prop.test or Fisher's test gave the p-value).
    table (paired only): ((both agree, baseline only), (follow-up only, neither)), rows the
    baseline's answer, as table(baseline, followup).
    """

    test: ChangeTest
    method: str
    paired: bool
    agree_baseline: int
    n_baseline: int
    agree_followup: int
    n_followup: int
    pct_baseline: float | None
    pct_followup: float | None
    difference: float | None
    ci: tuple[float, float] | None
    table: tuple[tuple[int, int], tuple[int, int]] | None
    notes: list[Note] = field(default_factory=list)


def _num(value: float) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _pow_di(x: float, n: np.ndarray) -> np.ndarray:
    """x ** n for whole n >= 0 by repeated squaring, as R's R_pow_di (bit for bit)."""
    n = np.asarray(n, dtype=np.int64).copy()
    result = np.ones(n.shape)
    base = np.full(n.shape, float(x))
    with np.errstate(over="ignore"):
        while np.any(n > 0):
            odd = (n & 1) == 1
            result = np.where(odd, result * base, result)
            n >>= 1
            base = np.where(n > 0, base * base, base)
    return result


_DISTINCT_FIRST = 10_000  # above this many values, signif rounds the distinct ones


def signif(x: Any, digits: int = DIGITS_RANK) -> np.ndarray:
    """Round to ``digits`` significant digits, as R's signif(x, digits) (its C fprec).

    With e = digits - 1 - floor(log10 |x|): rint(|x| 10^e) / 10^e when e > 0, else
    rint(|x| / 10^-e) 10^-e, the powers of ten by repeated squaring (R_pow_di) and halves
    rounded to even, so the doubles are R's. Zero, NaN and infinities are kept; so are
    magnitudes beyond 1e306 or below 1e-306 (R rounds those through a scaled path).

    R: ``signif(x, digits)``.

    References
    ----------
    R Core Team, ``src/nmath/fprec.c`` (R 4.2).
    """
    values = np.asarray(x, dtype=float)
    if values.size > _DISTINCT_FIRST:  # differences of mean scores repeat: round each once
        distinct, where = np.unique(values, return_inverse=True)
        if distinct.size < values.size // 2:
            return _signif_each(distinct, digits)[where.reshape(values.shape)]
    return _signif_each(values, digits)


def _signif_each(values: np.ndarray, digits: int) -> np.ndarray:
    """``signif`` value by value (vectorised)."""
    out = values.copy()
    dig = int(np.floor(digits + 0.5))
    if dig > 22:  # R's MAX_DIGITS
        return out
    dig = max(dig, 1)
    ok = np.isfinite(values) & (values != 0)
    with np.errstate(divide="ignore"):
        log10 = np.log10(np.abs(values), where=ok, out=np.zeros(values.shape))
    ok &= np.abs(log10) < _MAX10E - 2
    magnitude = np.abs(values[ok])
    e10 = (dig - 1 - np.floor(log10[ok])).astype(np.int64)
    p10 = np.where(e10 > _MAX10E, _pow_di(10.0, np.maximum(e10 - _MAX10E, 0)), 1.0)
    e10 = np.minimum(e10, _MAX10E)
    up = e10 > 0
    power = _pow_di(10.0, np.abs(e10))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        rounded = np.where(
            up, np.rint(magnitude * power * p10) / power / p10, np.rint(magnitude / power) * power
        )
    out[ok] = np.where(values[ok] < 0, -rounded, rounded)
    return out


def _object_text(values: np.ndarray) -> np.ndarray:
    """Ids held as Python objects, as stripped text; missing ones (None, NaN) as ""."""
    import pandas as pd

    if not values.size:
        return np.zeros(0, dtype=str)
    ids = pd.Series(values, dtype=object)
    ids = ids.where(~ids.isna(), "")
    return ids.astype(str).str.strip().to_numpy(dtype=str)


def _id_text(values: np.ndarray) -> np.ndarray:
    """Ids as text, whole numbers without a decimal point (12.0 -> "12")."""
    if values.dtype.kind == "U":
        return values
    return np.array([str(int(v)) if float(v).is_integer() else str(v) for v in values.tolist()])


def match_pairs(baseline_ids: Any, followup_ids: Any) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the two waves that belong to the same respondent, matched by id.

    Returns (baseline rows, follow-up rows), index arrays in the order of the sorted ids.
    Missing ids (None, NaN, empty text) match nothing; an id given twice within one wave is
    an error (ValueError), since its pair would be ambiguous. Ids given as numbers in one wave
    and as text in the other are compared as text (12.0 as "12").

    R: ``merge(baseline, followup, by = "id")`` gives the same pairs.
    """
    rows = []
    for ids in (baseline_ids, followup_ids):
        values = np.asarray(ids)
        if values.dtype.kind == "O":
            text = _object_text(values)
            keep = np.flatnonzero(text != "") if text.size else np.arange(0)
            values = text[keep]
        elif values.dtype.kind in "fc":
            keep = np.flatnonzero(~np.isnan(values))
            values = values[keep]
        elif values.dtype.kind == "U":
            keep = np.flatnonzero(np.char.strip(values) != "")
            values = values[keep]
        else:
            keep = np.arange(values.size)
        distinct, counts = np.unique(values, return_counts=True)
        if np.any(counts > 1):
            twice = ", ".join(str(v) for v in distinct[counts > 1][:5])
            raise ValueError(f"ids given more than once within a wave: {twice}")
        rows.append((values, keep))
    (b_values, b_keep), (f_values, f_keep) = rows
    if (b_values.dtype.kind in "U") != (f_values.dtype.kind in "U"):  # numbers in one wave only
        b_values, f_values = _id_text(b_values), _id_text(f_values)
    _, b_at, f_at = np.intersect1d(b_values, f_values, assume_unique=True, return_indices=True)
    return b_keep[b_at], f_keep[f_at]


def paired_score_change(baseline: Any, followup: Any) -> ScoreChange:
    """Wilcoxon signed-rank test of paired scores (follow-up minus baseline), with the
    matched-pairs rank-biserial correlation.

    Pairs with a missing score are dropped (complete cases); differences exactly 0 are
    dropped and counted in n_zeros; the others are ranked by |d| on 7 significant digits
    (``signif``), ties sharing their average rank; V is the sum of the ranks of the positive
    differences. p is exact (the signed-rank distribution) when fewer than 50 differences are
    left and there are neither ties nor zeros, else the normal approximation with tie-corrected
    variance and continuity correction (as ``signed_rank.signed_rank_test``).
    Effect ("rank_biserial"): Kerby's matched-pairs rank-biserial correlation
    r = (R+ - R-) / (R+ + R-) = 4V / (n(n+1)) - 1 over the n non-zero differences.

    R: ``wilcox.test(followup, baseline, paired = TRUE, digits.rank = 7)`` (exact = NULL,
    correct = TRUE); r from its V.

    References
    ----------
    Wilcoxon, F. (1945). Individual comparisons by ranking methods. Biometrics Bulletin 1(6),
    80-83. Kerby, D. S. (2014). The simple difference formula: an approach to teaching
    nonparametric correlation. Comprehensive Psychology 3, 11.IT.3.1.
    """
    before = np.asarray(baseline, dtype=float).ravel()
    after = np.asarray(followup, dtype=float).ravel()
    if before.shape != after.shape:
        raise ValueError("baseline and followup must hold one score per pair")
    complete = ~np.isnan(before) & ~np.isnan(after)
    n_pairs = int(complete.sum())
    if n_pairs == 0:
        test = ChangeTest("wilcoxon-signed-rank", None, None, 0, None)
        note = Note(NoteCode.NO_PAIRS, "no respondent has a score in both waves")
        return ScoreChange(test, "Wilcoxon signed rank test", True, 0, 0, 0, [note])
    difference = after[complete] - before[complete]
    # signed_rank_test(signif(difference, 7)) from the distinct differences and their counts:
    # a million pairs hold a few thousand distinct differences, rounded once each, without
    # sorting the million twice more (once to round the distinct ones, once to count them).
    distinct, counts = np.unique(difference, return_counts=True)
    rounded, where = np.unique(signif(distinct, DIGITS_RANK), return_inverse=True)
    tallied = np.bincount(where.ravel(), weights=counts, minlength=rounded.size)
    result = signed_rank_from_counts(rounded, tallied.astype(np.int64), mu=0.0)
    effect = None
    if result.statistic is not None:
        total = result.n * (result.n + 1) / 2.0
        effect = Effect("rank_biserial", _num((2.0 * result.statistic - total) / total))
    notes = list(result.notes)
    if result.statistic is None and result.n_zeros:
        notes = [Note(NoteCode.ALL_ZERO, "no score changed between the waves: nothing to test")]
    test = ChangeTest("wilcoxon-signed-rank", result.statistic, result.p_value, n_pairs, effect)
    return ScoreChange(test, result.method, True, n_pairs, n_pairs, result.n_zeros, notes)


@lru_cache(maxsize=64)
def _rank_sum_counts(m: int, n: int) -> np.ndarray:
    """Number of the C(m+n, m) rankings giving each Mann-Whitney U = 0..mn (R's cwilcox).

    Subsets of size m of the ranks 0..m+n-1 counted by their sum, one rank at a time: only
    additions, so tail counts keep their relative precision.
    """
    total = m + n
    width = m * (total - 1) - m * (m - 1) // 2 + 1  # largest sum of m ranks, plus one
    counts = np.zeros((m + 1, width))
    counts[0, 0] = 1.0
    for rank in range(total):
        if rank == 0:
            counts[1:, :] = counts[1:, :] + counts[:-1, :]
        else:
            counts[1:, rank:] = counts[1:, rank:] + counts[:-1, :-rank]
    low = m * (m - 1) // 2
    return counts[m, low : low + m * n + 1].copy()


def pwilcox(q: Any, m: int, n: int, lower_tail: bool = True) -> np.ndarray:
    """Distribution function of the Mann-Whitney U of samples of m and n (no ties):
    P(U <= q), or P(U > q) with lower_tail False, each tail summed directly (no 1 - cdf).

    R: ``pwilcox(q, m, n, lower.tail = lower_tail)`` (q rounded down as R does).

    References
    ----------
    Mann & Whitney (1947), see independent_score_change.
    """
    counts = _rank_sum_counts(int(m), int(n))
    total = counts.sum()
    q = np.floor(np.asarray(q, dtype=float) + 1e-7)
    top = m * n
    k = np.clip(q, -1, top).astype(np.int64)
    below = np.concatenate([[0.0], np.cumsum(counts)])  # below[i] = counts of U < i
    above = np.concatenate([np.cumsum(counts[::-1])[::-1], [0.0]])  # above[i] = U >= i
    if lower_tail:
        return below[k + 1] / total
    return above[k + 1] / total


def rank_sum_exact_p(w: float, m: int, n: int) -> float:
    """Two-sided exact p of the Mann-Whitney W of a sample of m against one of n, no ties:
    min(1, 2 P(U >= W)) when W > mn/2, else min(1, 2 P(U <= W)).

    R: ``wilcox.test(x, y)$p.value`` in its exact branch: 2 * ``pwilcox(W, m, n)`` or
    2 * ``pwilcox(W - 1, m, n, lower.tail = FALSE)``.

    References
    ----------
    Mann & Whitney (1947), see independent_score_change.
    """
    if w > m * n / 2.0:
        tail = float(pwilcox(w - 1, m, n, lower_tail=False))
    else:
        tail = float(pwilcox(w, m, n))
    return min(1.0, 2.0 * tail)


def independent_score_change(baseline: Any, followup: Any) -> ScoreChange:
    """Wilcoxon rank-sum (Mann-Whitney) test of the follow-up's scores against the baseline's,
    with the rank-biserial correlation.

    Missing scores dropped; W = rank sum of the follow-up - n_f(n_f + 1)/2 (average ranks for
    ties). p exact (the distribution of U, R's pwilcox) when both samples have fewer than 50
    scores and no two scores tie, else the normal approximation with tie-corrected variance
    and continuity correction 0.5. Effect ("rank_biserial"): r = 2W / (n_f n_b) - 1.

    R: ``wilcox.test(followup, baseline)`` (exact = NULL, correct = TRUE).

    References
    ----------
    Mann, H. B. & Whitney, D. R. (1947). On a test of whether one of two random variables is
    stochastically larger than the other. Ann. Math. Statist. 18(1), 50-60.
    Glass, G. V. (1965). A ranking variable analogue of biserial correlation. Educational and
    Psychological Measurement 25(1), 91-95. Kerby (2014).
    """
    before = np.asarray(baseline, dtype=float).ravel()
    after = np.asarray(followup, dtype=float).ravel()
    before, after = before[~np.isnan(before)], after[~np.isnan(after)]
    nb, nf = before.size, after.size
    method = "Wilcoxon rank sum test"
    if nb == 0 or nf == 0:
        test = ChangeTest("mann-whitney", None, None, nb + nf, None)
        note = Note(NoteCode.NO_SCORES, "a wave has no scores to compare")
        return ScoreChange(test, method, False, nb, nf, None, [note])
    w, p_normal, r = mann_whitney_u(after, before)
    ties = np.unique(np.concatenate([after, before])).size < nb + nf
    notes: list[Note] = []
    if nf < EXACT_BELOW and nb < EXACT_BELOW and not ties:
        p_value: float | None = rank_sum_exact_p(w, nf, nb)
        method = "Wilcoxon rank sum exact test"
    else:
        p_value = p_normal
        method += " with continuity correction"
        if p_value is None:
            notes.append(Note(NoteCode.NO_VARIANCE, "every score is the same"))
    test = ChangeTest("mann-whitney", w, p_value, nb + nf, Effect("rank_biserial", _num(r)))
    return ScoreChange(test, method, False, nb, nf, None, notes)


def _chi2_sf(x: float, df: int) -> float:
    from scipy.special import chdtrc

    return float(chdtrc(df, x))


def _agree_values(agree: Any) -> np.ndarray:
    values = np.asarray(agree, dtype=float).ravel()
    present = values[~np.isnan(values)]
    if np.any((present != 0) & (present != 1)):
        raise ValueError("agree must hold 1/True, 0/False or missing values only")
    return values


def mcnemar_test(baseline_only: int, followup_only: int) -> tuple[float | None, float | None, str]:
    """McNemar's chi-square from the discordant pairs b (agrees at baseline only) and c
    (at follow-up only): (|b - c| - 1)^2 / (b + c) when b != c, else (b - c)^2 / (b + c)
    (R corrects only when the table is asymmetric); df 1. (None, None) when b + c = 0.

    R: ``mcnemar.test(matrix(c(a, c, b, d), 2))`` (correct = TRUE): statistic, p.value, method.

    References
    ----------
    McNemar, Q. (1947). Note on the sampling error of the difference between correlated
    proportions or percentages. Psychometrika 12(2), 153-157. Edwards, A. L. (1948). Note on
    the "correction for continuity" in testing the significance of the difference between
    correlated proportions. Psychometrika 13(3), 185-187.
    """
    b, c = int(baseline_only), int(followup_only)
    method = "McNemar's Chi-squared test"
    if b + c == 0:
        return None, None, method
    if b != c:
        statistic = (abs(b - c) - 1.0) ** 2 / (b + c)
        method += " with continuity correction"
    else:
        statistic = 0.0
    return statistic, _chi2_sf(statistic, 1), method


def paired_agreement_change(baseline_agree: Any, followup_agree: Any) -> AgreementChange:
    """McNemar's test of the change in the share agreeing among respondents in both waves.

    agree: per matched respondent 1/True, 0/False or NaN (no answer); pairs with a missing
    answer are dropped. The 2 x 2 table is table(baseline, followup) with both levels kept;
    the test uses its discordant cells (``mcnemar_test``). Effect ("difference_pp"): the
    change in the percentage agreeing over the pairs, 100 (c - b) / n.

    R: ``mcnemar.test(table(factor(baseline, c(TRUE, FALSE)), factor(followup, c(TRUE,
    FALSE))))``; with both levels present in both waves this is ``mcnemar.test(table(baseline,
    followup))``.

    References
    ----------
    McNemar (1947); Edwards (1948): see ``mcnemar_test``.
    """
    before = _agree_values(baseline_agree)
    after = _agree_values(followup_agree)
    if before.shape != after.shape:
        raise ValueError("baseline and followup must hold one answer per pair")
    complete = ~np.isnan(before) & ~np.isnan(after)
    b0, a0 = before[complete] == 1, after[complete] == 1
    n = int(complete.sum())
    both = int(np.sum(b0 & a0))
    b_only = int(np.sum(b0 & ~a0))
    f_only = int(np.sum(~b0 & a0))
    neither = n - both - b_only - f_only
    statistic, p_value, method = mcnemar_test(b_only, f_only)
    notes: list[Note] = []
    if n == 0:
        notes.append(Note(NoteCode.NO_PAIRS, "no respondent answered in both waves"))
    elif statistic is None:
        notes.append(
            Note(
                NoteCode.NO_DISCORDANT_PAIRS,
                "no respondent changed between agreeing and not: nothing to test",
            )
        )
    agree_b, agree_f = both + b_only, both + f_only
    pct_b = 100.0 * agree_b / n if n else None
    pct_f = 100.0 * agree_f / n if n else None
    difference = 100.0 * (f_only - b_only) / n if n else None
    effect = Effect("difference_pp", difference) if n else None
    return AgreementChange(
        test=ChangeTest("mcnemar", statistic, p_value, n, effect),
        method=method,
        paired=True,
        agree_baseline=agree_b,
        n_baseline=n,
        agree_followup=agree_f,
        n_followup=n,
        pct_baseline=pct_b,
        pct_followup=pct_f,
        difference=difference,
        ci=None,
        table=((both, b_only), (f_only, neither)),
        notes=notes,
    )


def prop_test(
    x_followup: int, n_followup: int, x_baseline: int, n_baseline: int, level: float = CI_LEVEL
) -> tuple[float | None, float | None, tuple[float, float], str, float]:
    """Two-sample test for equality of proportions with Yates' correction, and the interval
    of the difference p_f - p_b.

    With p_f, p_b the proportions, p the pooled one and E = (n p, n (1 - p)) per sample:
    Yates = min(0.5, |p_f - p_b| / (1/n_f + 1/n_b)), X2 = sum((|O - E| - Yates)^2 / E), df 1;
    interval p_f - p_b -/+ (z sqrt(sum p(1-p)/n) + Yates (1/n_f + 1/n_b)), clipped to
    [-1, 1]. Returns (X2, p, interval, method, smallest expected count); X2 and p are None
    when an expected count is 0 (everyone agrees, or no one).

    R: ``prop.test(c(x_followup, x_baseline), c(n_followup, n_baseline))`` (correct = TRUE):
    statistic, p.value, conf.int, method.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Statistics in Medicine 17(8), 873-890
    (method 2, the Wald interval with continuity correction).
    """
    from scipy.special import ndtri

    x = np.array([x_followup, x_baseline], dtype=float)
    n = np.array([n_followup, n_baseline], dtype=float)
    estimate = x / n
    delta = float(estimate[0] - estimate[1])
    yates = min(0.5, abs(delta) / float(np.sum(1.0 / n)))
    z = float(ndtri((1.0 + level) / 2.0))
    width = z * float(np.sqrt(np.sum(estimate * (1.0 - estimate) / n))) + yates * float(
        np.sum(1.0 / n)
    )
    ci = (max(delta - width, -1.0), min(delta + width, 1.0))
    method = "2-sample test for equality of proportions " + (
        "with continuity correction" if yates else "without continuity correction"
    )
    p = x.sum() / n.sum()
    observed = np.stack([x, n - x], axis=1)
    expected = np.stack([n * p, n * (1.0 - p)], axis=1)
    expected_min = float(expected.min())
    if expected_min <= 0:
        return None, None, ci, method, expected_min
    statistic = float(np.sum((np.abs(observed - expected) - yates) ** 2 / expected))
    return statistic, _chi2_sf(statistic, 1), ci, method, expected_min


def independent_agreement_from_counts(
    agree_baseline: int, n_baseline: int, agree_followup: int, n_followup: int
) -> AgreementChange:
    """The change in the share agreeing between two independent samples, from their counts.

    prop.test (test "chi-square", ``prop_test``) unless an expected count is below 5, where
    Fisher's exact test of the 2 x 2 table (waves x agrees / not) gives the p-value (test
    "fisher-exact", statistic None) and a note says so. Either way difference and ci are
    prop.test's, in percentage points; effect ("difference_pp") is the difference.

    R: ``prop.test(c(x_f, x_b), c(n_f, n_b))``, or ``fisher.test(matrix(c(x_f, x_b, n_f - x_f,
    n_b - x_b), 2))$p.value`` when ``min(chisq.test(that matrix)$expected) < 5``.

    References
    ----------
    Yates, F. (1934). Contingency tables involving small numbers and the chi-square test.
    Supplement to JRSS 1(2), 217-235. Fisher, R. A. (1935). The logic of inductive inference.
    JRSS 98(1), 39-82. Newcombe (1998).
    """
    xb, nb, xf, nf = int(agree_baseline), int(n_baseline), int(agree_followup), int(n_followup)
    if not (0 <= xb <= nb and 0 <= xf <= nf):
        raise ValueError("agreeing counts must lie between 0 and the number answering")
    base: dict[str, Any] = {
        "paired": False,
        "agree_baseline": xb,
        "n_baseline": nb,
        "agree_followup": xf,
        "n_followup": nf,
        "pct_baseline": 100.0 * xb / nb if nb else None,
        "pct_followup": 100.0 * xf / nf if nf else None,
        "table": None,
    }
    if nb == 0 or nf == 0:
        note = Note(NoteCode.NO_TRIALS, "a wave has no answers: nothing to compare")
        test = ChangeTest("chi-square", None, None, nb + nf, None)
        method = "2-sample test for equality of proportions with continuity correction"
        return AgreementChange(test, method, difference=None, ci=None, notes=[note], **base)
    statistic, p_value, ci, method, expected_min = prop_test(xf, nf, xb, nb)
    difference = 100.0 * (xf * nb - xb * nf) / (nf * nb)
    ci_pp = (100.0 * ci[0], 100.0 * ci[1])
    effect = Effect("difference_pp", difference)
    notes: list[Note] = []
    if expected_min < MIN_EXPECTED:
        notes.append(
            Note(
                NoteCode.SMALL_EXPECTED_COUNTS,
                f"an expected count is below {MIN_EXPECTED:g} "
                f"(smallest {expected_min:.2f}): Fisher's exact test used",
            )
        )
        fisher = fisher_test(np.array([[xf, nf - xf], [xb, nb - xb]]))
        test = ChangeTest("fisher-exact", None, fisher.p_value, nb + nf, effect)
        return AgreementChange(test, fisher.method, difference=difference, ci=ci_pp, notes=notes,
                               **base)  # fmt: skip
    test = ChangeTest("chi-square", statistic, p_value, nb + nf, effect)
    return AgreementChange(test, method, difference=difference, ci=ci_pp, notes=notes, **base)


def independent_agreement_change(baseline_agree: Any, followup_agree: Any) -> AgreementChange:
    """The change in the share agreeing between two independent samples, from the answers
    (1/True agrees, 0/False not, NaN no answer); see independent_agreement_from_counts.

    R: ``prop.test(c(sum(followup), sum(baseline)), c(length(followup), length(baseline)))``
    on the non-missing answers, or ``fisher.test`` when an expected count is below 5.
    """
    before = _agree_values(baseline_agree)
    after = _agree_values(followup_agree)
    before, after = before[~np.isnan(before)], after[~np.isnan(after)]
    return independent_agreement_from_counts(
        int(before.sum()), before.size, int(after.sum()), after.size
    )
