"""Id and group columns as text: the spaces stripped are exactly Python's."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from ipss_survey.coding.text_columns import PY_SPACES, _no_outer_space, text_column


def test_the_space_list_is_what_str_isspace_says():
    listed = {c for lo, hi in PY_SPACES for c in range(lo, hi + 1)}
    assert listed == {c for c in range(0x110000) if chr(c).isspace()}


def arrow(values: list[str]) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(pa.array(values, type=pa.string())))


@pytest.mark.parametrize("spaced", [" r1", "r1 ", "\tr1", "r1\x1f", "\u3000r1", "r1\u2009"])
def test_an_arrow_id_with_an_outer_space_is_stripped_as_python_strips(spaced):
    values = arrow(["r0", spaced, "r2"])
    assert not _no_outer_space(values)
    column = text_column(values, None)
    assert column.texts[column.idx].tolist() == ["r0", "r1", "r2"]


def test_inner_spaces_and_other_control_characters_are_kept():
    values = arrow(["a b", "r\x1b", "x"])
    assert _no_outer_space(values)
    column = text_column(values, None)
    assert column.texts[column.idx].tolist() == ["a b", "r\x1b", "x"]


def test_python_text_is_stripped_whatever_it_holds():
    assert not _no_outer_space(pd.Series([" a", "b"], dtype=object))
    column = text_column(pd.Series([" a", "b", ""], dtype=object), None)
    assert column.texts[column.idx].tolist() == ["a", "b", None]
