"""The analysis a user would write by hand, for comparison with ``ipss-survey analyze``.

pandas ``read_csv``; per DTCAF dimension pingouin's ``cronbach_alpha``; agreement percentages
per item with pandas; scipy's ``kruskal`` of dimension scores across groups. It computes far
less than ``analyze`` (no sub-dimensions, intervals, omega, binomial tests, pairwise tests or
output files), so the comparison flatters the baseline.

    python benchmarks/baseline.py benchmarks/data/dtcaf-100000.csv
"""

from __future__ import annotations

import sys

import pandas as pd
import pingouin as pg
from scipy import stats

DIMENSIONS = {"LEA": 11, "STR": 15, "GOV": 19, "LEG": 25, "TEC": 17, "PWD": 7}


def main(path: str) -> None:
    df = pd.read_csv(path)
    out = {}
    for dim, k in DIMENSIONS.items():
        cols = [f"{dim}{i:02d}" for i in range(1, k + 1)]
        items = df[cols]
        alpha, _ci = pg.cronbach_alpha(data=items)
        agree = (items >= 4).sum() / items.notna().sum() * 100
        score = items.mean(axis=1)
        groups = [s.dropna().to_numpy() for _, s in score.groupby(df["group"])]
        h, p = stats.kruskal(*groups)
        out[dim] = (alpha, float(agree.mean()), h, p)
    for dim, (alpha, agree, h, p) in out.items():
        print(f"{dim}: alpha {alpha:.3f}, mean item agreement {agree:.1f}%, H {h:.1f}, p {p:.3g}")


if __name__ == "__main__":
    main(sys.argv[1])
