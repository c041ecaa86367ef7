"""Records to JSON text: field order, omitted fields, NaN as null, numpy numbers as Python's."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from ipss_survey.jsonform import OMIT_NONE, dumps, plain, record


@dataclass(frozen=True)
class Inner:
    b: float
    a: int


@dataclass(frozen=True)
class Outer:
    name: str
    inner: Inner
    note: str | None = field(default=None, metadata=OMIT_NONE)


def test_fields_in_declaration_order_and_omitted_while_none():
    text = dumps(Outer("x", Inner(0.5, 2)))
    assert text == '{"name":"x","inner":{"b":0.5,"a":2}}'
    assert dumps(Outer("x", Inner(0.5, 2), note="n")).endswith(',"note":"n"}')


def test_nan_infinity_and_numpy_numbers():
    value = [float("nan"), float("inf"), np.float64(0.25), np.int64(3), np.bool_(True)]
    assert dumps(value) == "[null,null,0.25,3,true]"
    assert plain(value) == [None, None, 0.25, 3, True]


def test_floats_round_trip_exactly():
    values = [0.1 + 0.2, 1e-05, 2.5e-300, 1 / 3, -0.0, 123456789.123456789]
    assert json.loads(dumps(values)) == values


def test_keys_that_are_not_text_become_their_text():
    assert json.loads(dumps({np.int64(1): 2, 3: Inner(1.0, 1)})) == {
        "1": 2,
        "3": {"b": 1.0, "a": 1},
    }


def test_integers_beyond_64_bits_are_written_whole():
    assert dumps({"n": 2**70}) == '{"n":1180591620717411303424}'


def test_a_record_with_extra_attributes_is_only_its_fields():
    inner = Inner(1.0, 2)
    object.__setattr__(inner, "cache", "not a field")
    assert record(inner) == {"b": 1.0, "a": 2}
    assert dumps(inner) == '{"b":1.0,"a":2}'
