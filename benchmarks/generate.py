"""Generate DTCAF-shaped benchmark data: N respondents x 94 items in 50 groups, with a
stratum (10 regions) and a survey weight per respondent.

Deterministic for a given N and seed. Answers come from a latent model (a general factor, one
factor per dimension and a group effect, cut into five ordered categories), so items correlate
within dimensions as real assessments do; about 3% of cells are left empty at random.

    python benchmarks/generate.py 100000 --out benchmarks/data          # CSV
    python benchmarks/generate.py 100000 --out benchmarks/data --sav    # CSV and SPSS .sav
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

DIMENSIONS = {"LEA": 11, "STR": 15, "GOV": 19, "LEG": 25, "TEC": 17, "PWD": 7}
N_GROUPS = 50
MISSING_SHARE = 0.03
CHUNK = 100_000


def item_codes() -> list[str]:
    return [f"{d}{i:02d}" for d, k in DIMENSIONS.items() for i in range(1, k + 1)]


def chunk(
    rng: np.random.Generator, start: int, rows: int, group_effect: np.ndarray
) -> pd.DataFrame:
    """One block of respondents; ids continue from ``start``."""
    groups = rng.integers(0, N_GROUPS, size=rows)
    general = rng.standard_normal(rows)
    parts = []
    for k in DIMENSIONS.values():
        dim = rng.standard_normal(rows)
        noise = rng.standard_normal((rows, k))
        latent = (0.55 * general + 0.55 * dim + group_effect[groups])[:, None] + 0.65 * noise
        parts.append(latent)
    latent = np.hstack(parts)
    cuts = np.array([-1.3, -0.5, 0.3, 1.1])
    codes = (np.searchsorted(cuts, latent) + 1).astype(np.float32)
    codes[rng.random(codes.shape) < MISSING_SHARE] = np.nan
    frame = pd.DataFrame(codes, columns=item_codes()).astype("Int8")
    # A stratified, weighted sample: ten regions (strata) of five groups each, weights that
    # differ by region and by respondent (for the weighted benchmark: --weight, --strata).
    frame.insert(0, "weight", np.round((1 + groups // 5) * rng.lognormal(0, 0.4, rows), 4))
    frame.insert(0, "stratum", [f"R{g // 5 + 1:02d}" for g in groups])
    frame.insert(0, "group", [f"G{g + 1:02d}" for g in groups])
    frame.insert(0, "respondent_id", np.arange(start + 1, start + rows + 1))
    return frame


def generate(
    n: int, out: Path, seed: int = 2026, sav: bool = False, stem: str | None = None
) -> list[Path]:
    """Write ``<stem>.csv`` (and ``.sav``) into ``out``, ``stem`` by default ``dtcaf-<n>``;
    return the paths. Another seed gives another wave of the same respondents (same ids)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    group_effect = rng.normal(0, 0.35, size=N_GROUPS)
    stem = stem or f"dtcaf-{n}"
    csv_path = out / f"{stem}.csv"
    frames = []
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        for start in range(0, n, CHUNK):
            frame = chunk(rng, start, min(CHUNK, n - start), group_effect)
            frame.to_csv(fh, index=False, header=start == 0, na_rep="")
            if sav:
                frames.append(frame)
    paths = [csv_path]
    if sav:
        import pyreadstat

        whole = pd.concat(frames, ignore_index=True)
        items = item_codes()
        whole[items] = whole[items].astype("float64")
        sav_path = out / f"{stem}.sav"
        pyreadstat.write_sav(whole, sav_path)
        paths.append(sav_path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of respondents")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/data"))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--sav", action="store_true", help="also write an SPSS .sav file")
    args = parser.parse_args()
    for p in generate(args.n, args.out, args.seed, args.sav):
        print(p)


if __name__ == "__main__":
    main()
