"""Survey designs: weights, strata and clusters, and the linearised variance under them.

A design is what R's ``svydesign(ids = ~cluster or ~1, strata = ~strata, weights = ~w)``
describes: a single-stage sample drawn with replacement (no finite population correction),
clusters (PSUs) nested in strata. The variance of an estimate is the Taylor-linearised one of
R's ``svyrecvar``: the estimate's influence values are summed by PSU and the PSU totals' spread
about their stratum mean, times n_h/(n_h - 1), is summed over the strata. The estimators
(``survey_estimates``) and tests (``survey_tests``) hand their influence values to the design;
nothing here loops over rows.

How R treats subsets, which the estimators follow: ``design[rows, ]`` (svyby's domains, and the
rows with an answer under ``na.rm = TRUE``) drops the other rows but keeps each stratum's PSU
count n_h from the full design, so a PSU without a row in the subset counts as a PSU with a zero
total; ``degf()`` of the subset counts only the PSUs and strata it still holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ipss_survey.stats.groups import group_order
from ipss_survey.stats.notes import Note, NoteCode

LONELY_PSU_POLICIES = ("fail", "remove", "adjust", "average", "certainty")
# Pairs of (PSU, group) units handled at once by SurveyDesign.block_covariance.
_PAIR_CHUNK = 1 << 22
_SHOWN_ROWS = 10

T = TypeVar("T")


class DesignError(ValueError):
    """Bad design input. ``rows`` are the offending rows (0-based positions), ``strata`` the
    offending strata's labels."""

    def __init__(self, message: str, rows: Any = (), strata: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.rows: tuple[int, ...] = tuple(np.asarray(rows, dtype=np.int64).ravel().tolist())
        self.strata: tuple[str, ...] = tuple(strata)


class InvalidWeightsError(DesignError):
    """Weights missing, zero, negative or not finite (``rows`` lists them)."""


class MissingDesignValueError(DesignError):
    """A stratum or cluster value is missing (``rows`` lists them), as svydesign refuses."""


class LonelyPSUError(DesignError):
    """A stratum holds a single PSU under ``lonely_psu = "fail"`` (``strata`` names them)."""


def _shown(rows: np.ndarray) -> str:
    head = ", ".join(str(r) for r in rows[:_SHOWN_ROWS].tolist())
    return head + (f", ... ({rows.size} rows)" if rows.size > _SHOWN_ROWS else "")


def _label(value: Any) -> str:
    """A stratum or group value as text: whole floats without '.0'."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def missing_values(values: Any) -> np.ndarray:
    """Which entries are missing: NaN, None or the empty string (vectorised)."""
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        return np.isnan(arr)
    if arr.dtype.kind in "iub":
        return np.zeros(arr.shape, dtype=bool)
    if arr.dtype.kind in "US":
        return arr == arr.dtype.type("")
    with np.errstate(invalid="ignore"):
        nan = np.asarray(arr != arr, dtype=bool)  # NaN is the only value unequal to itself
    return np.asarray(np.equal(arr, None), dtype=bool) | nan | np.asarray(arr == "", dtype=bool)


def _codes(values: Any, n: int, what: str) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Integer codes (sorted distinct values; -1 where missing), labels and missing rows."""
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.size != n:
        raise ValueError(f"{what} must be one value per row ({n} rows), got shape {arr.shape}")
    missing = missing_values(arr)
    keys = arr.astype(str) if arr.dtype.kind == "O" else arr
    present = ~missing
    distinct, inverse = np.unique(keys[present], return_inverse=True)
    codes = np.full(n, -1, dtype=np.intp)
    codes[present] = inverse
    return codes, [_label(v) for v in distinct.tolist()], np.flatnonzero(missing)


def stratum_scales(psu_count: np.ndarray, lonely_psu: str) -> tuple[np.ndarray, np.ndarray]:
    """Per stratum: the factor n_h/(n_h - 1) on its squared deviations, and whether they are
    deviations from the stratum mean (True) or from zero (a lonely PSU under "adjust", factor
    1). A lonely PSU under "remove" or "certainty" gets factor 0; a stratum with no PSU too.

    R: the ``survey.lonely.psu`` handling of ``survey:::onestage``.
    """
    n_h = np.asarray(psu_count, dtype=float)
    lonely = n_h == 1
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(lonely, 1.0 if lonely_psu == "adjust" else 0.0, n_h / (n_h - 1))
    scale = np.where(n_h == 0, 0.0, scale)
    return scale, ~lonely


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """A single-stage with-replacement design, as svydesign(ids, strata, weights) without fpc.

    Build it with ``survey_design``. Rows are the data's rows in order; PSUs are numbered
    stratum by stratum. ``psu_count[h]`` is n_h, the PSUs of stratum h (every weight is
    positive, so every row counts, as R's degf counts the rows with non-zero weight).
    """

    weights: np.ndarray  # (n,) positive, finite
    stratum: np.ndarray  # (n,) stratum code of each row
    psu: np.ndarray  # (n,) PSU code of each row, PSUs sorted by stratum
    psu_stratum: np.ndarray  # (P,) stratum of each PSU, non-decreasing
    psu_count: np.ndarray  # (H,) n_h
    stratum_labels: tuple[str, ...]
    lonely_psu: str
    has_clusters: bool
    has_strata: bool
    has_weights: bool

    @property
    def n_rows(self) -> int:
        return int(self.weights.size)

    @property
    def n_psu(self) -> int:
        return int(self.psu_stratum.size)

    @property
    def n_strata(self) -> int:
        return int(self.psu_count.size)

    @property
    def lonely_strata(self) -> tuple[str, ...]:
        """Labels of the strata holding a single PSU."""
        return tuple(self.stratum_labels[h] for h in np.flatnonzero(self.psu_count == 1))

    def rows_mask(self, rows: Any = None) -> np.ndarray:
        """A boolean row mask from None (all rows), a mask or row positions."""
        if rows is None:
            return np.ones(self.n_rows, dtype=bool)
        arr = np.asarray(rows)
        if arr.dtype == bool:
            if arr.shape != (self.n_rows,):
                raise ValueError(f"a row mask must have {self.n_rows} entries, got {arr.shape}")
            return arr
        mask = np.zeros(self.n_rows, dtype=bool)
        mask[arr.astype(np.intp)] = True
        return mask

    def degf(self, rows: Any = None) -> int:
        """Design degrees of freedom of these rows: PSUs minus strata among them.

        As R's ``degf(design)`` (``degf(design[rows, ])`` for a subset): the number of distinct
        PSUs minus the number of distinct strata among the rows (rows of zero weight, which R
        leaves out, cannot occur here).

        R: ``degf(design)``, ``degf(design[rows, ])``.

        References
        ----------
        Korn, E. L. & Graubard, B. I. (1999). Analysis of Health Surveys, sec. 5.2. Wiley.
        """
        psus, strata = self.count_psus(rows)
        return psus - strata

    def count_psus(self, rows: Any = None) -> tuple[int, int]:
        """The numbers of distinct PSUs and strata among these rows."""
        mask = self.rows_mask(rows)
        present = np.bincount(self.psu, weights=mask, minlength=self.n_psu) > 0
        strata = np.bincount(self.psu_stratum[present], minlength=self.n_strata) > 0
        return int(present.sum()), int(strata.sum())

    def restrict(self, rows: Any) -> SurveyDesign:
        """A design of these rows alone, as svydesign() called on the subset of the data.

        Unlike ``design[rows, ]`` in R, the PSU counts n_h are those of the subset: this is the
        design R builds on "long" data that hold only the rows with an answer. Raises
        LonelyPSUError when a stratum is left with one PSU under ``lonely_psu = "fail"``.

        R: ``svydesign(ids, strata, weights, data = data[rows, ])``.

        References
        ----------
        Lumley (2010), sec. 2.2.
        """
        mask = self.rows_mask(rows)
        return _build(
            self.weights[mask],
            self.stratum[mask],
            self.stratum_labels,
            self.psu[mask] if self.has_clusters else None,
            self.lonely_psu,
            self.has_strata,
            self.has_weights,
        )

    def psu_totals(self, values: np.ndarray) -> np.ndarray:
        """Sums of values (n,) or (n, k) by PSU: (P,) or (P, k)."""
        if values.ndim == 1:
            return np.bincount(self.psu, weights=values, minlength=self.n_psu)
        out = np.empty((self.n_psu, values.shape[1]))
        for j in range(values.shape[1]):
            out[:, j] = np.bincount(self.psu, weights=values[:, j], minlength=self.n_psu)
        return out

    def _scales(self) -> tuple[np.ndarray, np.ndarray]:
        return stratum_scales(self.psu_count, self.lonely_psu)

    def _average_factor(self, used: np.ndarray | None) -> np.ndarray | float:
        """lonely.psu = "average": strata present / strata present with more than one PSU.

        As R's onestage: the strata counted are those of the rows used (per column of a
        (n, k) mask); 1.0 for every other policy.
        """
        lonely = self.psu_count == 1
        if self.lonely_psu != "average" or not lonely.any():
            return 1.0
        present = self._present_strata(used)
        n_strata = present.sum(axis=0)
        n_ok = present[~lonely].sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n_ok > 0, n_strata / np.maximum(n_ok, 1), np.nan)

    def _present_strata(self, used: np.ndarray | None) -> np.ndarray:
        """(H,) or (H, k): whether each stratum has a row in use."""
        if used is None:
            return np.ones(self.n_strata, dtype=bool)
        starts = np.concatenate([[0], np.cumsum(self.psu_count)[:-1]])
        psu_used = self.psu_totals(used.astype(float)) > 0
        return np.add.reduceat(psu_used.astype(np.int64), starts, axis=0) > 0

    def variances(self, influence: np.ndarray, used: np.ndarray | None = None) -> np.ndarray:
        """Linearised variance of each column of influence values (n,) or (n, k): (k,).

        sum_h n_h/(n_h - 1) sum_i (t_hi - mean_h t)^2 over the PSU totals t_hi (zero for a PSU
        without a row in use; mean over all n_h PSUs of the stratum), with the lonely-PSU
        policy applied: R's survey:::svyrecvar(influence, clusters, strata, fpc = NULL).
        ``used`` (n,) or (n, k) marks the rows in use ("average" counts their strata).

        R: ``survey:::svyrecvar(x, design$cluster, design$strata, design$fpc)`` with the policy
        of ``options(survey.lonely.psu)``; ``vcov(svymean(...))`` is this for the mean's
        influence values.

        References
        ----------
        Wolter, K. M. (2007). Introduction to Variance Estimation, 2nd ed., ch. 6 (Taylor
        series methods). Springer. Lumley (2010), Complex Surveys, appendix C.
        """
        x = influence[:, None] if influence.ndim == 1 else influence
        totals = self.psu_totals(x)
        scale, centred = self._scales()
        starts = np.concatenate([[0], np.cumsum(self.psu_count)[:-1]])
        means = np.add.reduceat(totals, starts, axis=0) / self.psu_count[:, None]
        dev = totals - np.where(centred[:, None], means, 0.0)[self.psu_stratum]
        var = (scale[self.psu_stratum][:, None] * dev**2).sum(axis=0)
        if used is not None and used.ndim == 1:
            used = used[:, None]
        return var * self._average_factor(used)

    def covariance(self, influence: np.ndarray, used: np.ndarray | None = None) -> np.ndarray:
        """Linearised covariance matrix (k, k) of the columns of influence values (n, k);
        see ``variances``. ``used`` (n,) marks the rows in use.

        R: ``survey:::svyrecvar(x, design$cluster, design$strata, design$fpc)`` on a matrix x.

        References
        ----------
        Wolter (2007), ch. 6; Lumley (2010), appendix C.
        """
        totals = self.psu_totals(influence)
        scale, centred = self._scales()
        starts = np.concatenate([[0], np.cumsum(self.psu_count)[:-1]])
        means = np.add.reduceat(totals, starts, axis=0) / self.psu_count[:, None]
        dev = totals - np.where(centred[:, None], means, 0.0)[self.psu_stratum]
        cov = dev.T @ (scale[self.psu_stratum][:, None] * dev)
        return cov * float(self._average_factor(used))

    def block_covariance(
        self,
        values: np.ndarray,
        groups: np.ndarray,
        n_groups: int,
        offset: np.ndarray | None = None,
        shift: np.ndarray | None = None,
    ) -> np.ndarray:
        """Linearised covariance of influence values that live in their row's group.

        Row i (in group g_i >= 0; rows with g_i < 0 are not used) has the influence vector
        u_i = e_{g_i} (x) values_i - offset_i * shift over G * R cells (cell g * R + r), i.e.
        values_i (R,) in its group's block, less offset_i times a fixed vector ``shift``. The
        result equals ``covariance`` of the dense (n, G R) matrix of the u_i, without building
        it: sum_psu s t t' is summed over the pairs of (PSU, group) units within each PSU, and
        the stratum means enter through the strata's totals, so a million rows in 50 groups cost
        a few bincounts. Used by the rank tests (R = 1) and the Rao-Scott test (R = 2).

        R: ``survey:::svyrecvar(u, design$cluster, design$strata, design$fpc)`` on the dense
        matrix u, e.g. ``vcov(svymean(mm, design))`` for svychisq's cell indicators mm.

        References
        ----------
        Wolter (2007), ch. 6; Lumley (2010), appendix C.
        """
        rows = np.flatnonzero(groups >= 0)
        g = groups[rows].astype(np.int64)
        r_count = values.shape[1]
        cells = n_groups * r_count
        a = values[rows]
        psu = self.psu[rows].astype(np.int64)
        if self.has_clusters:
            key = psu * n_groups + g
            unit_keys, inverse = np.unique(key, return_inverse=True)
            unit_values = np.empty((unit_keys.size, r_count))
            for r in range(r_count):
                unit_values[:, r] = np.bincount(inverse, weights=a[:, r], minlength=unit_keys.size)
            unit_psu, unit_group = unit_keys // n_groups, unit_keys % n_groups
        else:  # every row its own PSU: the rows are the units, one per PSU
            order = np.argsort(psu, kind="stable")
            unit_psu, unit_group, unit_values = psu[order], g[order], a[order]
        scale, centred = self._scales()
        unit_scale = scale[self.psu_stratum[unit_psu]]
        products = self._unit_pair_products(unit_psu, unit_group, unit_values, unit_scale, n_groups)
        # stratum totals of the values, cell by cell: (H, G R)
        unit_stratum = self.psu_stratum[unit_psu]
        strata_a = np.empty((self.n_strata, n_groups, r_count))
        for r in range(r_count):
            strata_a[:, :, r] = np.bincount(
                unit_stratum * n_groups + unit_group,
                weights=unit_values[:, r],
                minlength=self.n_strata * n_groups,
            ).reshape(self.n_strata, n_groups)
        strata_t = strata_a.reshape(self.n_strata, cells)
        if offset is not None and shift is not None:
            b = np.bincount(psu, weights=offset[rows], minlength=self.n_psu)
            psu_scale = scale[self.psu_stratum]
            cross = np.empty((n_groups, r_count))
            for r in range(r_count):
                cross[:, r] = np.bincount(
                    unit_group,
                    weights=unit_scale * b[unit_psu] * unit_values[:, r],
                    minlength=n_groups,
                )
            cross_v = cross.reshape(cells)
            products = (
                products
                - np.outer(cross_v, shift)
                - np.outer(shift, cross_v)
                + float(psu_scale @ (b * b)) * np.outer(shift, shift)
            )
            strata_b = np.bincount(self.psu_stratum, weights=b, minlength=self.n_strata)
            strata_t = strata_t - strata_b[:, None] * shift[None, :]
        centre = np.where(centred, scale / self.psu_count, 0.0)
        cov = products - strata_t.T @ (centre[:, None] * strata_t)
        cov = (cov + cov.T) / 2.0
        used = np.zeros(self.n_rows, dtype=bool)
        used[rows] = True
        return cov * float(self._average_factor(used))

    @staticmethod
    def _unit_pair_products(
        unit_psu: np.ndarray,
        unit_group: np.ndarray,
        unit_values: np.ndarray,
        unit_scale: np.ndarray,
        n_groups: int,
    ) -> np.ndarray:
        """sum over PSUs of s * A_psu A_psu' (G R x G R), A_psu the PSU's cell totals, from the
        pairs of units (PSU, group) within each PSU; units are sorted by PSU."""
        n_units, r_count = unit_values.shape
        cells = n_groups * r_count
        out = np.zeros((n_groups, r_count, n_groups, r_count))
        if n_units == 0:
            return out.reshape(cells, cells)
        new_run = np.concatenate([[True], unit_psu[1:] != unit_psu[:-1]])
        run_id = np.cumsum(new_run) - 1
        run_start = np.flatnonzero(new_run)
        run_length = np.diff(np.concatenate([run_start, [n_units]]))
        partners = run_length[run_id]  # pairs each unit starts
        ends = np.cumsum(partners)
        first = 0
        while first < n_units:
            last = int(np.searchsorted(ends, ends[first] - partners[first] + _PAIR_CHUNK, "right"))
            last = max(last, first + 1)
            left_units = np.arange(first, last)
            counts = partners[first:last]
            left = np.repeat(left_units, counts)
            offsets = np.arange(left.size) - np.repeat(np.cumsum(counts) - counts, counts)
            right = run_start[run_id[left]] + offsets
            key = unit_group[left] * n_groups + unit_group[right]
            for r in range(r_count):
                for r2 in range(r_count):
                    weights = unit_scale[left] * unit_values[left, r] * unit_values[right, r2]
                    block = np.bincount(key, weights=weights, minlength=n_groups * n_groups)
                    out[:, r, :, r2] += block.reshape(n_groups, n_groups)
            first = last
        return out.reshape(cells, cells)

    def lonely_notes(self, used: np.ndarray | None = None) -> list[Note]:
        """A note when a stratum with a single PSU holds a row in use (non-"fail" policies)."""
        lonely = self.psu_count == 1
        if not lonely.any():
            return []
        present = self._present_strata(None if used is None else used.reshape(self.n_rows, -1))
        present = present.any(axis=1) if present.ndim == 2 else present
        which = np.flatnonzero(lonely & present)
        if which.size == 0:
            return []
        labels = ", ".join(self.stratum_labels[h] for h in which)
        how = {
            "remove": "they add nothing to the variance",
            "certainty": "they add nothing to the variance (PSUs sampled with certainty)",
            "adjust": "each one's PSU total is taken about zero, the estimate's centre, "
            "instead of its stratum mean",
            "average": "the variance of the other strata is scaled up by "
            "strata / (strata with more than one PSU)",
        }[self.lonely_psu]
        return [
            Note(
                NoteCode.LONELY_PSU,
                f"strata with a single PSU ({labels}) handled as lonely.psu = "
                f'"{self.lonely_psu}": {how}',
            )
        ]


def _build(
    weights: np.ndarray,
    stratum: np.ndarray,
    labels: Sequence[str],
    clusters: np.ndarray | None,
    lonely_psu: str,
    has_strata: bool,
    has_weights: bool,
) -> SurveyDesign:
    """The design from row weights, stratum codes (with their labels) and cluster codes."""
    used_strata, stratum = np.unique(stratum, return_inverse=True)
    stratum = stratum.astype(np.intp)
    stratum_labels = tuple(labels[h] for h in used_strata.tolist())
    n = weights.size
    if clusters is None:
        order = np.argsort(stratum, kind="stable")
        psu = np.empty(n, dtype=np.intp)
        psu[order] = np.arange(n)
        psu_stratum = stratum[order]
    else:
        span = np.int64(clusters.max(initial=0)) + 1
        key = stratum.astype(np.int64) * span + clusters.astype(np.int64)
        distinct, psu = np.unique(key, return_inverse=True)
        psu = psu.astype(np.intp)
        psu_stratum = (distinct // span).astype(np.intp)
    psu_count = np.bincount(psu_stratum, minlength=len(stratum_labels))
    lonely = np.flatnonzero(psu_count == 1)
    if lonely.size and lonely_psu == "fail":
        names = [stratum_labels[h] for h in lonely]
        rows = np.flatnonzero(np.isin(stratum, lonely))
        raise LonelyPSUError(
            f"stratum {', '.join(names)} has only one PSU (lonely.psu = 'fail', R's default); "
            f"rows {_shown(rows)}",
            rows=rows,
            strata=names,
        )
    return SurveyDesign(
        weights=weights,
        stratum=stratum,
        psu=psu,
        psu_stratum=psu_stratum,
        psu_count=psu_count,
        stratum_labels=stratum_labels,
        lonely_psu=lonely_psu,
        has_clusters=clusters is not None,
        has_strata=has_strata,
        has_weights=has_weights,
    )


def survey_design(
    n_rows: int | None = None,
    weights: Any = None,
    strata: Any = None,
    clusters: Any = None,
    lonely_psu: str = "fail",
) -> SurveyDesign:
    """A survey design from per-row weights, strata and clusters.

    Implements the single-stage with-replacement design of R's ``svydesign`` without ``fpc``:
    weights None means 1 for every row; strata None means one stratum; clusters None means every
    row is its own PSU. Clusters are nested in strata: a cluster label is a PSU within its
    stratum (``nest = TRUE``; the same as R's default whenever labels are unique across strata).
    ``lonely_psu`` is R's ``options(survey.lonely.psu = ...)``: "fail" (R's default) raises
    LonelyPSUError naming a stratum with a single PSU; "remove" and "certainty" let such a
    stratum add nothing to the variance; "adjust" takes its PSU total about zero (the
    estimate's centre) instead of its stratum mean, with factor 1; "average" scales the other
    strata's variance by strata / (strata with more than one PSU). Results computed with a
    lonely stratum carry a LONELY_PSU note saying so. (R stops at the first variance that
    involves a lonely stratum; "fail" here stops when the design is built.)

    Raises InvalidWeightsError (weights missing, zero, negative or not finite),
    MissingDesignValueError (a stratum or cluster value missing) and LonelyPSUError, each with
    the offending rows (0-based) or strata.

    R: ``svydesign(ids = ~cluster (or ~1), strata = ~stratum, weights = ~w, data = d)``;
    ``degf(design)`` is ``SurveyDesign.degf()``.

    References
    ----------
    Lumley, T. (2004). Analysis of complex survey samples. Journal of Statistical Software
    9(8), 1-19. Lumley, T. (2010). Complex Surveys: A Guide to Analysis Using R. Wiley.
    """
    if lonely_psu not in LONELY_PSU_POLICIES:
        raise ValueError(f"lonely_psu must be one of {', '.join(LONELY_PSU_POLICIES)}")
    sizes = {np.asarray(v).shape[0] for v in (weights, strata, clusters) if v is not None}
    if n_rows is not None:
        sizes.add(int(n_rows))
    if len(sizes) != 1:
        raise ValueError("weights, strata and clusters must have one value per row")
    n = sizes.pop()
    if n == 0:
        raise ValueError("a design needs at least one row")
    if weights is None:
        w = np.ones(n)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (n,):
            raise ValueError(f"weights must be one value per row ({n} rows)")
        bad = np.flatnonzero(~np.isfinite(w) | (w <= 0))
        if bad.size:
            raise InvalidWeightsError(
                f"weights missing, zero, negative or not finite at rows {_shown(bad)}", rows=bad
            )
    if strata is None:
        stratum, labels = np.zeros(n, dtype=np.intp), ["1"]
    else:
        stratum, labels, missing = _codes(strata, n, "strata")
        if missing.size:
            raise MissingDesignValueError(
                f"stratum missing at rows {_shown(missing)}", rows=missing
            )
    cluster_codes = None
    if clusters is not None:
        cluster_codes, _, missing = _codes(clusters, n, "clusters")
        if missing.size:
            raise MissingDesignValueError(
                f"cluster missing at rows {_shown(missing)}", rows=missing
            )
    return _build(
        w, stratum, labels, cluster_codes, lonely_psu, strata is not None, weights is not None
    )


@dataclass(frozen=True, eq=False)
class Domains:
    """Subpopulations (groups) of the rows: ``codes[i]`` indexes ``labels``; -1 = no group."""

    labels: tuple[str, ...]
    codes: np.ndarray

    @classmethod
    def from_values(cls, values: Any) -> Domains:
        """Groups from one value per row (NaN, None and '' = no group), labels in the
        package's group order (numeric when every label is a number, else text)."""
        arr = np.asarray(values)
        codes, labels, _ = _codes(arr, arr.shape[0] if arr.ndim else 0, "groups")
        order = group_order(labels)
        if len(set(order)) != len(labels):
            raise ValueError("two distinct group values have the same label")
        position = np.array([order.index(lb) for lb in labels], dtype=np.intp)
        new_codes = np.where(codes >= 0, position[np.maximum(codes, 0)] if labels else -1, -1)
        return cls(tuple(order), new_codes.astype(np.intp))

    def mask(self, index: int) -> np.ndarray:
        return self.codes == index


def by_domain(
    estimator: Callable[..., T], domains: Domains, *args: Any, **kwargs: Any
) -> dict[str, T]:
    """``estimator(*args, domain=mask, **kwargs)`` for every group, keyed by label in order.

    Domain estimation as R's svyby: each group is the domain ``design[group == label, ]``
    (rows outside it dropped, n_h kept; its own degf). Rows without a group are in no domain.

    R: ``svyby(~x, ~group, design, FUN, ...)``.

    References
    ----------
    Lumley (2010), sec. 2.4 (domain estimation).
    """
    return {
        label: estimator(*args, domain=domains.mask(i), **kwargs)
        for i, label in enumerate(domains.labels)
    }
