"""Multiple-testing adjustment of p-values, identical to R's p.adjust."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Names the CLI accepts (--p-adjust), with R's names as aliases.
METHODS = ("holm", "bonferroni", "fdr_bh", "none")
_ALIASES = {"bh": "fdr_bh", "fdr": "fdr_bh"}
# How a report names each method.
NAMES = {
    "holm": "Holm",
    "bonferroni": "Bonferroni",
    "fdr_bh": "Benjamini-Hochberg",
    "none": "no",
}


def method_name(method: str) -> str:
    """A reader's name for an adjustment method: 'Holm', 'Benjamini-Hochberg', 'no'."""
    name = _ALIASES.get(method.lower(), method.lower())
    return NAMES.get(name, method)


def p_adjust(p: Sequence[float | None] | np.ndarray, method: str = "holm") -> np.ndarray:
    """Adjusted p-values, as R's p.adjust(p, method) with method holm, bonferroni, BH or none.

    NaN (or None) entries stay NaN and do not count in the number of tests n, as p.adjust does
    (n = number of non-NA p-values).
    - holm (Holm 1979):       p.adjust(p, "holm"): cummax((n - i + 1) p_(i)), capped at 1
    - bonferroni:             p.adjust(p, "bonferroni"): min(1, n p)
    - fdr_bh (Benjamini & Hochberg 1995): p.adjust(p, "BH"): from the largest down,
      cummin(n / i p_(i)), capped at 1
    - none:                   p unchanged
    """
    name = _ALIASES.get(method.lower(), method.lower())
    if name not in METHODS:
        raise ValueError(f"unknown p-value adjustment {method!r}; choose from {', '.join(METHODS)}")
    if isinstance(p, np.ndarray) and p.dtype.kind == "f":
        values = p.astype(float).ravel()
    else:
        values = np.array([np.nan if v is None else v for v in np.ravel(p)], dtype=float)
    out = np.full(values.shape, np.nan)
    present = ~np.isnan(values)
    q = values[present]
    n = q.size
    if n == 0 or name == "none":
        out[present] = q
        return out
    if name == "bonferroni":
        adjusted = np.minimum(1.0, n * q)
    elif name == "holm":
        order = np.argsort(q, kind="stable")
        steps = (n - np.arange(n)) * q[order]
        adjusted = np.empty(n)
        adjusted[order] = np.minimum(1.0, np.maximum.accumulate(steps))
    else:
        order = np.argsort(-q, kind="stable")  # largest first
        steps = n / np.arange(n, 0, -1) * q[order]
        adjusted = np.empty(n)
        adjusted[order] = np.minimum(1.0, np.minimum.accumulate(steps))
    out[present] = adjusted
    return out
