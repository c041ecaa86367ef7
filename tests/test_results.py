"""results.json text: the direct writer and the clean-everything-first writer agree."""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from ipss_survey.pipeline import Options, analyze


def cleaned(results) -> str:
    return json.dumps(results.to_dict(), ensure_ascii=False, allow_nan=False) + "\n"


def test_direct_json_equals_the_cleaned_tree(mini, mini_csv):
    res = analyze(mini_csv, mini, Options(group="team"))
    assert res.to_json() == cleaned(res)


def test_nan_and_numpy_values_are_written_as_json_values(mini, mini_csv):
    res = analyze(mini_csv, mini, Options(group="team"))
    con = dataclasses.replace(res.constructs[0], mean=float("nan"), n=np.int64(7))
    item = dataclasses.replace(res.items[0], counts={np.int64(1): 2}, sd=np.float64(0.5))
    odd = dataclasses.replace(res, constructs=[con, *res.constructs[1:]], items=[item])
    text = odd.to_json()
    assert text == cleaned(odd)
    back = json.loads(text)
    assert back["constructs"][0]["mean"] is None and back["constructs"][0]["n"] == 7
    assert back["items"][0]["counts"] == {"1": 2} and back["items"][0]["sd"] == 0.5
