"""--fail-under: targets parsed from a percentage or a maturity label; constructs short listed."""

from __future__ import annotations

import pytest

from ipss_survey.errors import SurveyError
from ipss_survey.instrument import resolve_instrument, sample_path
from ipss_survey.pipeline import Options, Target, analyze, check_gate, parse_target
from ipss_survey.results import Results


@pytest.fixture(scope="module")
def dtcaf() -> Results:
    inst = resolve_instrument("dtcaf")
    return analyze(sample_path(inst.id), inst, Options())


@pytest.fixture(scope="module")
def managers() -> Results:
    inst = resolve_instrument("ipss-senior-managers")
    return analyze(sample_path(inst.id), inst, Options())


@pytest.mark.parametrize(("spec", "value"), [("75", 75.0), ("75%", 75.0), (" 82.5 % ", 82.5)])
def test_percentages(dtcaf, spec, value):
    assert parse_target(spec, dtcaf.instrument) == Target("percent", value, f"{value:g}%")


@pytest.mark.parametrize("spec", ["Transformed", "transformed", "  TRANSFORMED "])
def test_maturity_labels_in_any_case(dtcaf, spec):
    target = parse_target(spec, dtcaf.instrument)
    assert (target.kind, target.value) == ("maturity", 4)
    assert target.label == "level 4 Transformed (mean >= 3.4)"


def test_label_with_spaces(dtcaf):
    assert parse_target("agile and  integrated", dtcaf.instrument).value == 3


def test_unknown_label_lists_the_valid_ones(dtcaf):
    with pytest.raises(SurveyError) as err:
        parse_target("Excellent", dtcaf.instrument)
    assert str(err.value) == (
        "--fail-under 'Excellent' is neither a percentage nor a maturity level of 'dtcaf'; "
        "valid levels: 'Nascent', 'Emerging', 'Agile and Integrated', 'Transformed', 'Innovative'"
    )


def test_label_for_an_instrument_without_levels(managers):
    with pytest.raises(SurveyError, match="defines no maturity levels; give an acceptance"):
        parse_target("Transformed", managers.instrument)


@pytest.mark.parametrize("spec", ["", "  ", "101", "150%"])
def test_bad_values(dtcaf, spec):
    with pytest.raises(SurveyError, match="--fail-under"):
        parse_target(spec, dtcaf.instrument)


def test_acceptance_gate_lists_dimensions_short_of_the_target(dtcaf):
    result = check_gate(dtcaf, "50")
    dims = [c for c in dtcaf.constructs if c.level == "dimension"]
    expected = [c.id for c in dims if c.pct_agree < 50]
    assert [s.construct for s in result.shortfalls] == expected == ["STR", "GOV", "LEG", "PWD"]
    assert not result.passed and result.checked == 6
    assert result.message.startswith("--fail-under 50%: 4 of 6 construct(s) fall short: ")
    assert "STR Strategy: 39.3%" in result.message


def test_acceptance_gate_passes(managers):
    result = check_gate(managers, "25%")
    assert result.passed
    assert result.message == "--fail-under 25%: all 6 construct(s) reach the target"


def test_maturity_gate(dtcaf):
    assert check_gate(dtcaf, "Agile and Integrated").passed
    result = check_gate(dtcaf, "Transformed")
    assert [s.construct for s in result.shortfalls] == ["STR", "GOV", "LEG", "PWD"]
    assert "LEG Legal: level 3 Agile and Integrated (mean 2.67)" in result.message


def test_levels_checked(dtcaf):
    subs = check_gate(dtcaf, "50", level="subdimension")
    assert subs.checked == 20
    assert check_gate(dtcaf, "50", level="all").checked == 26
    with pytest.raises(SurveyError, match="gate level must be one of"):
        check_gate(dtcaf, "50", level="item")


def test_missing_statistics_count_as_short(dtcaf):
    from dataclasses import replace

    first = replace(dtcaf.constructs[0], pct_agree=None, mean=None)
    res = replace(dtcaf, constructs=[first, *dtcaf.constructs[1:]], maturity=[])
    assert check_gate(res, "10").shortfalls[0].reached == "no answers"
    assert check_gate(res, "Nascent").shortfalls[0].reached == "no score"


def test_mean_below_every_band(mini, mini_csv):
    res = analyze(mini_csv, mini, Options())
    y = next(c for c in res.constructs if c.id == "Y")
    result = check_gate(res, "Low")
    assert [s.construct for s in result.shortfalls] == ["Y"]
    assert result.shortfalls[0].reached == f"below the lowest level (mean {y.mean:.2f})"
