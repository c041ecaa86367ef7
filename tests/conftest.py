from __future__ import annotations

from pathlib import Path

import pytest

from ipss_survey.instrument import Instrument, load_instrument
from tests.paths import DATA


@pytest.fixture
def mini() -> Instrument:
    return load_instrument(DATA / "mini.yaml")


@pytest.fixture
def mini_csv() -> Path:
    return DATA / "mini.csv"
