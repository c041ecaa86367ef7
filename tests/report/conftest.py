from __future__ import annotations

import pytest

from ipss_survey.instrument import resolve_instrument, sample_path
from ipss_survey.pipeline import Options, analyze
from ipss_survey.results import Results
from tests.report.builders import dtcaf_by_ministry


@pytest.fixture(scope="session")
def dtcaf() -> Results:
    """The DTCAF sample grouped by ministry (tests never mutate it)."""
    return dtcaf_by_ministry()


@pytest.fixture(scope="session")
def managers() -> Results:
    """The senior-manager sample by municipality, tested against 75%."""
    inst = resolve_instrument("ipss-senior-managers")
    return analyze(sample_path(inst.id), inst, Options(group="municipality", threshold=75))


@pytest.fixture(scope="session")
def collaborative() -> Results:
    """The collaborative-PA sample: multi-select and categorical questions, a classification."""
    inst = resolve_instrument("collaborative-pa")
    return analyze(sample_path(inst.id), inst, Options())


@pytest.fixture(scope="session")
def weighted_mini(tmp_path_factory) -> Results:
    """The mini sample under a survey design with weights (every figure weighted)."""
    from tests.paths import DATA

    src = (DATA / "mini.csv").read_text(encoding="utf-8").splitlines()
    rows = [src[0] + ",w"] + [f"{line},{1 + i % 3}" for i, line in enumerate(src[1:])]
    path = tmp_path_factory.mktemp("weighted") / "mini-weighted.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    from ipss_survey.instrument import load_instrument

    inst = load_instrument(DATA / "mini.yaml")
    return analyze(path, inst, Options(weight="w", group="team", min_group_size=2))
