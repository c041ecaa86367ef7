"""results.json text: the direct writer and the clean-everything-first tree agree, number for
number (floats round-trip exactly), and the text is the same on every call."""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from ipss_survey.pipeline import Options, analyze


def same_as_cleaned(results) -> str:
    """The text, after checking it says exactly what the cleaned tree holds."""
    text = results.to_json()
    assert text.endswith("}\n") and "\n" not in text[:-1]
    assert json.loads(text) == results.to_dict()
    assert json.dumps(json.loads(text)) == json.dumps(results.to_dict())  # key order too
    assert results.to_json() == text
    return text


def test_direct_json_equals_the_cleaned_tree(mini, mini_csv):
    res = analyze(mini_csv, mini, Options(group="team"))
    same_as_cleaned(res)


def test_nan_and_numpy_values_are_written_as_json_values(mini, mini_csv):
    res = analyze(mini_csv, mini, Options(group="team"))
    con = dataclasses.replace(res.constructs[0], mean=float("nan"), n=np.int64(7))
    item = dataclasses.replace(res.items[0], counts={np.int64(1): 2}, sd=np.float64(0.5))
    odd = dataclasses.replace(res, constructs=[con, *res.constructs[1:]], items=[item])
    text = same_as_cleaned(odd)
    back = json.loads(text)
    assert back["constructs"][0]["mean"] is None and back["constructs"][0]["n"] == 7
    assert back["items"][0]["counts"] == {"1": 2} and back["items"][0]["sd"] == 0.5
