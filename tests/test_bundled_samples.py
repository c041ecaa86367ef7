"""The bundled samples through the whole pipeline.

The senior-manager sample is reconstructed from the percentages Uys & Jessa report in sections 5
and 6; analysing it must give those figures back (rounded to whole percents, as published).
"""

from __future__ import annotations

import json

import pytest

from ipss_survey.coding import code_responses
from ipss_survey.coding.themes import code_answers
from ipss_survey.instrument import resolve_instrument, sample_path
from ipss_survey.instrument.codebook import resolve_codebook
from ipss_survey.pipeline import Options, analyze
from ipss_survey.read import read_table


@pytest.fixture(scope="module")
def managers():
    inst = resolve_instrument("ipss-senior-managers")
    return analyze(sample_path(inst.id), inst, Options(group="municipality"))


@pytest.fixture(scope="module")
def dtcaf():
    inst = resolve_instrument("dtcaf")
    return analyze(sample_path(inst.id), inst, Options(group="ministry"))


def pct(results, code, field="pct_agree"):
    return round(getattr(next(i for i in results.items if i.code == code), field))


@pytest.mark.parametrize(
    ("code", "published"),
    [
        ("SUP01", 88),  # section 5: transformative change supported by executive leadership
        ("EXT01", 70),  # section 6: participate in programmes with external stakeholders
        ("SUP02", 82),  # network stakeholder teams generate PV more effectively
        ("SUP03", 95),  # capacity building required for consensus building
        ("CON08", 92),  # political interference debilitating
        ("SUP04", 83),  # participatory budgeting
    ],
)
def test_single_findings(managers, code, published):
    assert pct(managers, code) == published


def test_some_understanding_of_collaboration(managers):
    # 53% 'some' understanding: the middle code of none/some/good, counted as neutral.
    assert pct(managers, "COL01", "pct_neutral") == 53
    col = next(i for i in managers.items if i.code == "COL01")
    assert round(100 * col.counts["2"] / col.n) == 53


def test_element_and_performance_measure_ranges(managers):
    cons = {c.id: c for c in managers.constructs}
    lo, hi = cons["ELE"].acceptance_range
    assert (round(lo), round(hi)) == (71, 86)
    lo, hi = cons["PER"].acceptance_range
    assert (round(lo), round(hi)) == (95, 100)
    assert len(cons["ELE"].items) == 8


def test_managers_design(managers):
    d = managers.data
    assert d.rows_read == d.rows_analysed == 66
    assert len(managers.groups) == 15
    assert sorted({g.n for g in managers.groups}) == [4, 5]


def test_dtcaf_sample_ledger_and_warnings(dtcaf):
    d = dtcaf.data
    assert d.rows_read == 345
    assert d.rows_analysed == 343
    assert [(e.row, e.reason.split(" (")[0]) for e in d.rows_excluded] == [
        (122, "duplicate respondent id"),
        (164, "no item answered"),
    ]
    kinds = sorted(
        (w.code, w.item) for w in d.warnings if w.code in ("missing_code", "out_of_range")
    )
    assert kinds == [
        ("missing_code", "GOV07"),
        ("missing_code", "LEG14"),
        ("missing_code", "TEC05"),
        ("out_of_range", "PWD02"),
        ("out_of_range", "STR03"),
    ]
    assert len(dtcaf.items) == 94
    assert len(dtcaf.groups) == 12


def test_dtcaf_maturity_is_reported(dtcaf):
    labels = {m.construct: m.label for m in dtcaf.maturity}
    assert set(labels) == {c.id for c in dtcaf.constructs}
    valid = {"Nascent", "Emerging", "Agile and Integrated", "Transformed", "Innovative"}
    assert set(labels.values()) <= valid


def test_results_json_follows_the_contract(dtcaf):
    doc = json.loads(dtcaf.to_json())
    assert list(doc)[:8] == [
        "schema_version",
        "tool",
        "options",
        "instrument",
        "data",
        "items",
        "constructs",
        "groups",
    ]
    assert {"name", "version", "dependencies"} <= set(doc["tool"])
    assert {"threshold", "alpha", "p_adjust", "min_answered"} <= set(doc["options"])
    assert set(doc["instrument"]["scale"]) == {"points", "agree", "neutral", "missing"}
    assert {
        "source",
        "sha256",
        "rows_read",
        "rows_analysed",
        "group_by",
        "rows_excluded",
        "warnings",
    } <= set(doc["data"])
    item_fields = [
        "code",
        "dimension",
        "subdimension",
        "text",
        "reverse",
        "n",
        "n_weighted",
        "missing",
        "mean",
        "se_mean",
        "sd",
        "median",
        "counts",
        "pct_agree",
        "se_pct_agree",
        "pct_neutral",
        "se_pct_neutral",
        "pct_disagree",
        "se_pct_disagree",
        "pct_favourable",
        "se_pct_favourable",
    ]
    assert list(doc["items"][0]) == item_fields  # weighted_counts only under weights
    assert list(doc["items"][0]["counts"]) == ["1", "2", "3", "4", "5"]
    con_fields = [
        "id",
        "level",
        "name",
        "parent",
        "items",
        "n",
        "n_weighted",
        "mean",
        "se_mean",
        "sd",
        "median",
        "answers",
        "pct_agree",
        "se_pct_agree",
        "ci_pct_agree",
        "acceptance_range",
        "pct_neutral",
        "se_pct_neutral",
        "pct_disagree",
        "se_pct_disagree",
        "respondents_agreeing",
    ]
    assert list(doc["constructs"][0]) == con_fields
    assert list(doc["constructs"][0]["respondents_agreeing"]) == ["count", "n", "pct", "se_pct"]
    assert doc["constructs"][0]["level"] == "dimension"
    assert doc["constructs"][1]["level"] == "subdimension"
    assert doc["groups"][0]["group"] == "Ministry of Agriculture"  # sorted as text
    assert list(doc["maturity"][0]) == ["construct", "mean", "level", "label", "oriented_mean"]
    assert doc["data"]["design"] is None
    # Percentages are 0-100 floats, not rounded.
    assert any(i["pct_agree"] != round(i["pct_agree"], 2) for i in doc["items"])


def test_each_construct_has_one_acceptance_figure(dtcaf):
    """The dimensions table, the acceptance test and its chart show the same figure: the
    pooled share of agreeing answers, with one interval."""
    tests = {t.id: t for t in dtcaf.acceptance_tests if t.target == "construct"}
    for c in dtcaf.constructs:
        t = tests[c.id]
        assert t.pct_agree == c.pct_agree
        assert t.ci == c.ci_pct_agree
        assert t.se == c.se_pct_agree
        assert t.answers == c.answers
        assert c.ci_pct_agree[0] < c.pct_agree < c.ci_pct_agree[1]
    # the respondent-level figure has its own name and is never the acceptance figure
    lea = next(c for c in dtcaf.constructs if c.id == "LEA")
    assert lea.respondents_agreeing.pct != lea.pct_agree


def test_results_json_is_deterministic(tmp_path):
    inst = resolve_instrument("dtcaf")
    a = analyze(sample_path("dtcaf"), inst, Options(group="ministry")).to_json()
    b = analyze(sample_path("dtcaf"), inst, Options(group="ministry")).to_json()
    assert a == b
    assert "NaN" not in a and "Infinity" not in a


def test_open_answers_of_the_managers_coded_into_the_constraint_themes():
    """CON_OPEN as the package reads it, coded with its codebook (ipss-constraints): 47 of the 66
    synthetic managers answered; the answers mention each of the ten themes, some several
    themes at once, and some (staff shortages, land, an answer in Afrikaans, "n/a") none."""
    inst = resolve_instrument("ipss-senior-managers")
    coded = code_responses(read_table(sample_path(inst.id)), inst, group="municipality")
    question = inst.questions[0]
    texts = coded.questions[question.code].texts
    coding = code_answers(texts, resolve_codebook(question.codebook), coded.groups)
    assert (coding.answers, coding.nonempty) == (66, 47)
    assert all(t.n > 0 for t in coding.themes)
    assert coding.unmatched == 10
    assert sum(len(c) > 1 for c in coding.codes if c) >= 10
