"""Each analysed row's group, as an index into the groups in the contract's order."""

from __future__ import annotations

import numpy as np

from ipss_survey.stats.groups import group_order


def group_index(groups: list[str | None] | None) -> tuple[list[str], np.ndarray]:
    """Group labels in ``group_order``, and each row's index into them (-1 for no group)."""
    import pandas as pd

    if groups is None:
        return [], np.zeros(0, dtype=np.int32)
    codes, uniques = pd.factorize(np.asarray(groups, dtype=object), use_na_sentinel=True)
    labels = group_order(uniques.tolist())
    rank = {g: i for i, g in enumerate(labels)}
    to_sorted = np.array([rank[u] for u in uniques.tolist()] + [-1], dtype=np.int32)
    return labels, to_sorted[codes]
