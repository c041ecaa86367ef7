"""The example files in configs/ stay valid as the format evolves."""

from __future__ import annotations

from ipss_survey.coding import load_column_map
from ipss_survey.instrument import load_instrument, resolve_instrument
from tests.paths import REPO

CONFIGS = REPO / "configs"


def test_custom_instrument_example_loads():
    inst = load_instrument(CONFIGS / "custom-instrument-example.yaml")
    assert [d.id for d in inst.dimensions] == ["ACC", "DIG", "USE"]
    assert inst.item("ACC3").reverse
    assert inst.item("USE1").scale.points == (0, 1)
    assert [lv.label for lv in inst.maturity] == ["Weak", "Adequate", "Strong"]


def test_column_map_example_targets_dtcaf_items():
    mapping = load_column_map(CONFIGS / "columns-kobo-example.yaml")
    codes = {i.code for i in resolve_instrument("dtcaf").items}
    assert len(mapping) == 11
    assert set(mapping.values()) <= codes
