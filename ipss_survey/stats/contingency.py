"""Does the share agreeing differ between groups? Chi-square and Fisher's exact test.

A groups x (agrees, does not) table is tested with Pearson's chi-square, or with Fisher's
exact test when the table is 2 x 2 or an expected count is below 5 (small samples: 15
municipalities of four or five managers each).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ipss_survey.stats.groups import MIN_GROUP_SIZE, Effect, GroupCounts, GroupTest
from ipss_survey.stats.notes import Note, NoteCode

MIN_EXPECTED = 5.0
# Fisher's exact test on r x 2 tables: exact enumeration while it carries at most this many
# partial tables in all, else a Monte Carlo p-value with a fixed seed (reproducible runs).
FISHER_MAX_STATES = 500_000
FISHER_RESAMPLES = 2_000  # fisher.test's default B
FISHER_SEED = 20240601
# R's fisher.test counts tables whose probability is within a relative 1e-7 of the observed one.
_REL_ERR = 1e-7


@dataclass(frozen=True)
class ContingencyTest:
    """A test of independence on a contingency table (chisq.test or fisher.test)."""

    statistic: float | None
    df: int | None
    p_value: float | None
    cramers_v: float | None
    expected_min: float | None
    method: str
    notes: list[Note] = field(default_factory=list)


def _num(value: float) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _chi2_sf(x: float, df: int) -> float:
    """Upper tail of the chi-square distribution, as pchisq(x, df, lower.tail = FALSE)."""
    from scipy.special import chdtrc

    return float(chdtrc(df, x))


def chi_square_test(table: np.ndarray, correct: bool = True) -> ContingencyTest:
    """Pearson's chi-square test of independence, as chisq.test(table) (correct = TRUE).

    Yates' continuity correction only on a 2 x 2 table (|O - E| less min(0.5, |O - E|)), as R.
    Cramer's V = sqrt(X2 / (N (min(r, c) - 1))) from the uncorrected X2 (Cramer 1946), so V
    does not depend on the correction.  None with a note when a row or column is empty.

    References
    ----------
    Pearson, K. (1900). On the criterion that a given system of deviations from the probable
    in the case of a correlated system of variables is such that it can be reasonably
    supposed to have arisen from random sampling. Philosophical Magazine 50(302), 157-175.
    Cramer, H. (1946). Mathematical Methods of Statistics. Princeton University Press.
    """
    observed = np.asarray(table, dtype=float)
    r, c = observed.shape
    total = observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / total if total else None
    yates = correct and (r, c) == (2, 2)
    method = "Pearson's Chi-squared test" + (" with Yates' continuity correction" if yates else "")
    if expected is None or np.any(expected == 0) or min(r, c) < 2:
        return ContingencyTest(
            None,
            None,
            None,
            None,
            None,
            method,
            [Note(NoteCode.EMPTY_MARGIN, "a row or column of the table is empty")],
        )
    deviation = np.abs(observed - expected)
    uncorrected = float(np.sum(deviation**2 / expected))
    shift = min(0.5, float(deviation.min())) if yates else 0.0
    statistic = float(np.sum((deviation - shift) ** 2 / expected))
    df = (r - 1) * (c - 1)
    return ContingencyTest(
        statistic=statistic,
        df=df,
        p_value=_num(_chi2_sf(statistic, df)),
        cramers_v=_num(np.sqrt(uncorrected / (total * (min(r, c) - 1)))),
        expected_min=float(expected.min()),
        method=method,
    )


_log_fact = np.zeros(1)


def _log_choose(n: np.ndarray | int, k: np.ndarray | int) -> np.ndarray:
    """log C(n, k) for whole numbers (-inf where k is outside 0..n), by table lookup.

    The log-factorial table (gammaln) is built once and grown on demand: the exact Fisher
    enumeration calls this millions of times, where gammaln itself dominated the run time.
    """
    global _log_fact
    n = np.asarray(n, dtype=np.int64)
    k = np.asarray(k, dtype=np.int64)
    top = int(n.max(initial=0))
    if top >= _log_fact.size:
        from scipy.special import gammaln

        _log_fact = gammaln(np.arange(max(top + 1, 2 * _log_fact.size)) + 1.0)
    inside = (k >= 0) & (k <= n)
    kk = np.where(inside, k, 0)
    out = _log_fact[n] - _log_fact[kk] - _log_fact[n - kk]
    return np.where(inside, out, -np.inf)


def _max_completion(sizes: np.ndarray, m: int) -> list[np.ndarray]:
    """best[j][t] = max over a_j..a_last (sum t, 0 <= a_i <= n_i) of sum log C(n_i, a_i).

    log C(n, a) is concave in a, so the best way to place t units among the rows is to take
    the t largest steps log C(n_i, a) - log C(n_i, a - 1) = log((n_i - a + 1) / a) (each row's
    steps decrease): the best values for every t are the running sums of all steps, sorted.
    """
    best: list[np.ndarray] = [np.empty(0)] * len(sizes)
    steps = np.empty(0)
    for j in range(len(sizes) - 1, -1, -1):
        a = np.arange(1, int(sizes[j]) + 1, dtype=np.float64)
        steps = np.concatenate([steps, np.log(sizes[j] - a + 1) - np.log(a)])
        ordered = -np.sort(-steps)[:m]
        current = np.full(m + 1, -np.inf)
        current[0] = 0.0
        current[1 : ordered.size + 1] = np.cumsum(ordered)
        best[j] = current
    return best


def _hypergeometric_tails(
    total: int, drawn_from: int, t: np.ndarray, left: np.ndarray, right: np.ndarray
) -> np.ndarray:
    """P(A <= left) + P(A >= right) for A ~ hypergeometric(total, drawn_from, t), vectorised.

    One pmf row per distinct t, summed from each end separately so small tails keep their
    precision (scipy.stats.hypergeom.cdf on long vectors is much slower).
    """
    values, index = np.unique(t, return_inverse=True)
    a = np.arange(drawn_from + 1)
    other = values[:, None] - a[None, :]
    feasible = (other >= 0) & (other <= total - drawn_from)
    with np.errstate(invalid="ignore"):
        log_pmf = (
            _log_choose(drawn_from, a)[None, :]
            + _log_choose(total - drawn_from, np.where(feasible, other, 0))
            - _log_choose(total, values)[:, None]
        )
    pmf = np.where(feasible, np.exp(log_pmf), 0.0)
    lower = np.cumsum(pmf, axis=1)
    upper = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]
    index = index.ravel()
    below = np.where(left >= 0, lower[index, np.clip(left, 0, drawn_from)], 0.0)
    above = np.where(right <= drawn_from, upper[index, np.clip(right, 0, drawn_from)], 0.0)
    return below + above


def _first_true(pred: Any, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Smallest a in [lo, hi] with pred(a), elementwise, where pred goes false..true."""
    lo, hi = lo.copy(), hi.copy()
    while np.any(lo < hi):
        active = lo < hi
        mid = (lo + hi) // 2
        ok = pred(mid)
        hi = np.where(active & ok, mid, hi)
        lo = np.where(active & ~ok, mid + 1, lo)
    return lo


def _last_true(pred: Any, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Largest a in [lo, hi] with pred(a), elementwise, where pred goes true..false."""
    lo, hi = lo.copy(), hi.copy()
    while np.any(lo < hi):
        active = lo < hi
        mid = (lo + hi + 1) // 2
        ok = pred(mid)
        lo = np.where(active & ok, mid, lo)
        hi = np.where(active & ~ok, mid - 1, hi)
    return lo


def _fisher_rx2_exact(sizes: np.ndarray, observed: np.ndarray, max_states: int) -> float | None:
    """Exact two-sided Fisher p for an r x 2 table: rows of `sizes`, first column `observed`.

    Sums the probabilities of all tables with the observed margins whose probability is at most
    the observed one (times 1 + 1e-7, as R's fisher.test).  Rows are taken one at a time, with
    partial tables (first-column total so far, log weight, multiplicity) as states.  For a state,
    the next row's count a is hypergeometric given the remaining rows, and
    g(a) = log C(n_j, a) + (best log weight of the remaining rows) is concave in a, so the
    values of a whose every completion is at most as likely as the observed table form two
    tails, whose mass is hypergeometric; only the middle values are carried on (a network
    algorithm, after Mehta & Patel 1983).  None once more than max_states partial tables have
    been carried (the caller then simulates).
    """
    m = int(observed.sum())
    threshold = float(np.sum(_log_choose(sizes, observed))) + np.log1p(_REL_ERR)
    log_all = float(_log_choose(int(sizes.sum()), m))
    best = _max_completion(sizes, m)
    rest = np.concatenate([np.cumsum(sizes[::-1])[::-1], [0]])  # size of rows j, j+1, ...
    s = np.zeros(1, dtype=np.int64)
    lp = np.zeros(1)
    count = np.ones(1)
    p_value = 0.0
    carried = 0
    for j in range(sizes.size - 1):
        n_j, t = int(sizes[j]), m - s
        a_min = np.maximum(0, t - rest[j + 1])
        a_max = np.minimum(n_j, t)

        def g(a: np.ndarray, t: np.ndarray = t, n_j: int = n_j, f=best[j + 1]) -> np.ndarray:
            return _log_choose(n_j, a) + f[t - a]

        def counted(a: np.ndarray, lp: np.ndarray = lp, g=g) -> np.ndarray:
            return lp + g(a) <= threshold

        def past_mode(a: np.ndarray, a_max: np.ndarray = a_max, g=g) -> np.ndarray:
            return (a >= a_max) | (g(np.minimum(a + 1, a_max)) < g(a))

        mode = _first_true(past_mode, a_min, a_max)
        left = np.where(counted(a_min), _last_true(counted, a_min, mode), a_min - 1)
        right = np.where(counted(a_max), _first_true(counted, mode, a_max), a_max + 1)
        everything = counted(mode)
        tail = np.where(everything, 1.0, _hypergeometric_tails(int(rest[j]), n_j, t, left, right))
        weight = count * np.exp(lp + _log_choose(int(rest[j]), t) - log_all)
        p_value += float(np.sum(weight * tail))
        if j == sizes.size - 2:
            break
        # Carry on the undecided middle values as partial tables of rows 0..j.
        length = np.where(everything, 0, right - left - 1)
        carried += int(length.sum())
        # Give up early when the states carried now, kept for each row still to come, would
        # pass the limit: tables that large rarely shrink back, and a table given up late
        # costs as much as many simulated p-values.
        if carried + int(length.sum()) * (sizes.size - 3 - j) > max_states:
            return None
        owner = np.repeat(np.arange(s.size), length)
        a = left[owner] + 1 + np.arange(owner.size) - np.repeat(np.cumsum(length) - length, length)
        new_s = s[owner] + a
        new_lp = lp[owner] + _log_choose(n_j, a)
        # Merge partial tables with the same column total and the same probability.
        # (a lexicographic sort and run boundaries: np.unique(axis=0) was the bottleneck.)
        rounded = np.round(new_lp, 9)
        order = np.lexsort((rounded, new_s))
        ss, rr = new_s[order], rounded[order]
        starts = np.ones(order.size, dtype=bool)
        starts[1:] = (ss[1:] != ss[:-1]) | (rr[1:] != rr[:-1])
        first = order[starts]
        inverse = np.empty(order.size, dtype=np.int64)
        inverse[order] = np.cumsum(starts) - 1
        s, lp = new_s[first], new_lp[first]
        count = np.bincount(inverse, weights=count[owner], minlength=first.size)
        if s.size == 0:
            break
    return min(1.0, p_value)


def _fisher_rx2_monte_carlo(
    sizes: np.ndarray, observed: np.ndarray, resamples: int, seed: int
) -> float:
    """Monte Carlo Fisher p for an r x 2 table, as fisher.test(simulate.p.value = TRUE):
    (1 + number of random tables with the observed margins at most as likely) / (B + 1)."""
    rng = np.random.default_rng(seed)
    m = int(observed.sum())
    tables = rng.multivariate_hypergeometric(
        sizes.astype(np.int64), m, size=resamples, method="count"
    )
    log_p = _log_choose(sizes, tables).sum(axis=1)
    threshold = float(np.sum(_log_choose(sizes, observed)))
    hits = int(np.sum(log_p <= threshold + np.log1p(_REL_ERR)))
    return (1 + hits) / (resamples + 1)


def fisher_test(
    table: np.ndarray,
    max_states: int = FISHER_MAX_STATES,
    resamples: int = FISHER_RESAMPLES,
    seed: int = FISHER_SEED,
) -> ContingencyTest:
    """Two-sided Fisher's exact test of an r x 2 (or 2 x c) table, as fisher.test(table).

    Exact (fisher.test's default; "Fisher's Exact Test for Count Data") while enumeration stays
    small; past that, which is also where fisher.test stops with a workspace error, a Monte Carlo
    p-value with a fixed seed (as fisher.test(simulate.p.value = TRUE, B = resamples); method
    says so).  cramers_v and expected_min are left to chi_square_test.

    References
    ----------
    Fisher, R. A. (1935). The logic of inductive inference. JRSS 98(1), 39-82.
    Mehta, C. R. & Patel, N. R. (1983). A network algorithm for performing Fisher's exact test
    in r x c contingency tables. JASA 78(382), 427-434.
    """
    counts = np.asarray(table, dtype=np.int64)
    if counts.ndim != 2 or 2 not in counts.shape:
        raise ValueError("fisher_test handles r x 2 tables")
    if counts.shape[1] != 2:
        counts = counts.T
    counts = counts[counts.sum(axis=1) > 0]
    method = "Fisher's Exact Test for Count Data"
    if counts.shape[0] < 2 or np.any(counts.sum(axis=0) == 0):
        return ContingencyTest(None, None, 1.0, None, None, method)
    column = 0 if counts[:, 0].sum() <= counts[:, 1].sum() else 1
    order = np.argsort(counts.sum(axis=1), kind="stable")
    sizes = counts.sum(axis=1)[order]
    observed = counts[order, column]
    p_value = _fisher_rx2_exact(sizes, observed, max_states)
    if p_value is None:
        p_value = _fisher_rx2_monte_carlo(sizes, observed, resamples, seed)
        method += f" with simulated p-value (based on {resamples} replicates)"
    return ContingencyTest(None, None, float(p_value), None, None, method)


def agreement_test(
    agree: Any,
    groups: Any,
    min_group_size: int = MIN_GROUP_SIZE,
) -> GroupTest:
    """Does the share of respondents who agree differ between groups?

    agree: per respondent 1/True (agrees), 0/False, NaN/None (no score).  The groups x
    (agree, not) table is tested with chisq.test (test "chi-square") unless it is 2 x 2 or an
    expected count is below 5, where fisher.test is used instead (test "fisher-exact",
    statistic and df None); method is R's name of the test that ran.  Effect: Cramer's V from
    the uncorrected chi-square in both cases.
    """
    gc = GroupCounts.from_scores(agree, groups)
    if np.any((gc.values != 0) & (gc.values != 1)):
        raise ValueError("agree must hold 1/True, 0/False or missing values only")
    return agreement_from_counts(gc, min_group_size)


def agreement_from_counts(gc: GroupCounts, min_group_size: int = MIN_GROUP_SIZE) -> GroupTest:
    """agreement_test() from the groups' counts of the values 0 (does not agree) and 1."""
    tested, excluded, notes = gc.select(min_group_size)
    base: dict[str, Any] = {
        "groups": tested.labels,
        "group_sizes": tested.sizes,
        "excluded_groups": excluded,
        "notes": notes,
    }
    if len(tested.labels) < 2:
        notes.append(Note(NoteCode.TOO_FEW_GROUPS, "fewer than two groups to compare"))
        return GroupTest("chi-square", None, None, None, None, "Pearson's Chi-squared test", **base)
    ones = tested.counts[:, tested.values == 1].sum(axis=1)
    zeros = tested.counts[:, tested.values == 0].sum(axis=1)
    table = np.stack([ones, zeros], axis=1).astype(np.int64)
    chi = chi_square_test(table)
    if chi.statistic is None:
        notes.append(
            Note(
                NoteCode.AGREEMENT_CONSTANT,
                "every respondent tested agrees, or none does: nothing to compare",
            )
        )
        return GroupTest("chi-square", None, None, None, None, chi.method, **base)
    effect = Effect("cramers_v", chi.cramers_v)
    small = chi.expected_min is not None and chi.expected_min < MIN_EXPECTED
    if table.shape == (2, 2) or small:
        if small:
            notes.append(
                Note(
                    NoteCode.SMALL_EXPECTED_COUNTS,
                    f"an expected count is below {MIN_EXPECTED:g} "
                    f"(smallest {chi.expected_min:.2f}): Fisher's exact test used",
                )
            )
        fisher = fisher_test(table)
        return GroupTest("fisher-exact", None, None, fisher.p_value, effect, fisher.method, **base)
    return GroupTest("chi-square", chi.statistic, chi.df, chi.p_value, effect, chi.method, **base)
