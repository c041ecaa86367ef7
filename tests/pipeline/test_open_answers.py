"""Open-ended answers and classifications in a run: themes, every coded answer, coders'
agreement, classes, overall and per group, and their round trip through results.json."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ipss_survey.errors import DataError
from ipss_survey.instrument import builtin_instrument, sample_path
from ipss_survey.pipeline import Options, analyze
from ipss_survey.results import Results


@pytest.fixture(scope="module")
def managers():
    inst = builtin_instrument("ipss-senior-managers")
    return analyze(sample_path(inst.id), inst, Options(group="municipality"))


def test_every_theme_of_the_codebook_is_reported_with_its_share(managers):
    (open_q,) = managers.open_answers
    themes = [t for t in managers.themes if t.item == "CON_OPEN"]
    assert [t.theme for t in themes] == open_q.theme_ids
    answers = pd.read_csv(sample_path("ipss-senior-managers"), keep_default_na=False)["CON_OPEN"]
    nonempty = int((answers.str.strip() != "").sum())
    assert open_q.nonempty == nonempty == len(open_q.coded)
    for t in themes:
        hits = sum(1 for a in open_q.coded if t.theme in a.themes)
        assert (
            t.respondents
            == hits
            == open_q.cooccurrence[open_q.theme_ids.index(t.theme)][open_q.theme_ids.index(t.theme)]
        )
        assert t.pct == pytest.approx(100 * hits / nonempty)
        assert sum(g.respondents for g in t.groups) == hits
        assert len(t.examples) <= 5
    assert open_q.unmatched == sum(1 for a in open_q.coded if not a.themes)


def test_open_answers_round_trip_through_results_json(managers):
    again = Results.from_dict(json.loads(managers.to_json()))
    assert again.to_json() == managers.to_json()
    assert again.open_answers[0].coded[0].answer == managers.open_answers[0].coded[0].answer


def test_coders_agreeing_with_the_codebook_give_kappa_one(tmp_path, managers):
    inst = builtin_instrument("ipss-senior-managers")
    frame = pd.read_csv(sample_path(inst.id), keep_default_na=False)
    by_row = {a.row: a.themes for a in managers.open_answers[0].coded}
    frame["coder_a"] = [
        "; ".join(by_row[i + 1]) or "none" if i + 1 in by_row else "" for i in range(len(frame))
    ]
    frame["coder_b"] = frame["coder_a"]
    path = tmp_path / "coded.csv"
    frame.to_csv(path, index=False)
    res = analyze(path, inst, Options(coders=("CON_OPEN=coder_a,coder_b",)))
    (open_q,) = res.open_answers
    assert open_q.coders == ["coder_a", "coder_b"]
    for theme in open_q.agreement:
        assert set(theme.mentions) == {"coder_a", "coder_b", "codebook"}
        for pair in theme.pairs:
            assert pair.agreement == 1.0
            assert pair.kappa in (1.0, None)  # None: a theme nobody used (0/0)


def test_a_coder_column_the_file_lacks_is_an_error(managers):
    inst = builtin_instrument("ipss-senior-managers")
    with pytest.raises(DataError, match="no column 'coder_x'"):
        analyze(sample_path(inst.id), inst, Options(coders=("coder_x",)))


def test_classifications_count_every_case():
    inst = builtin_instrument("collaborative-pa")
    res = analyze(sample_path(inst.id), inst, Options())
    (found,) = res.classifications
    assert sum(c.count for c in found.classes) + found.unclassified + found.unmatched == found.n
    assert found.n == res.data.rows_analysed
    again = Results.from_dict(json.loads(res.to_json()))
    assert again.to_json() == res.to_json()
