"""Writing an instrument as YAML: the loader reads back an equal instrument, labels included."""

from __future__ import annotations

import yaml
from hypothesis import given
from hypothesis import strategies as st

from ipss_survey.instrument import iter_builtins, parse_instrument
from ipss_survey.instrument.dump import instrument_yaml, scalar
from ipss_survey.instrument.xlsform import ImportNote, read_xlsform
from tests.instrument.test_xlsform import MULTI_CHOICES, MULTI_SURVEY
from tests.xlsforms import RICH_YAML, assert_same_instrument, write_form


def round_trip(inst, notes=()):
    text = instrument_yaml(inst, notes)
    back = parse_instrument(text, inst.origin)
    assert back == inst
    assert_same_instrument(back, inst)
    return text


def test_built_in_instruments_round_trip():
    for inst in iter_builtins():
        round_trip(inst)


def test_an_instrument_with_every_field_round_trips():
    text = round_trip(parse_instrument(RICH_YAML, "rich.yaml"))
    assert "reverse: true" in text and "direction: higher_worse" in text


def test_an_imported_form_round_trips_with_its_notes_as_comments(tmp_path):
    result = read_xlsform(write_form(tmp_path / "f.xlsx", MULTI_SURVEY, MULTI_CHOICES))
    text = round_trip(result.instrument, result.notes)
    lines = text.splitlines()
    # The guess about the 5-point list sits right above the scale it is about.
    at = next(i for i, line in enumerate(lines) if line.startswith("# agreement codes guessed"))
    following = lines[at:]
    first_code = next(line for line in following if not line.lstrip().startswith("#"))
    assert first_code == "scale:"
    assert "# list 'qual' lists the favourable answer first" in text
    # The note about the ungrouped questions is above that dimension.
    ungrouped = next(i for i, line in enumerate(lines) if "outside any group" in line)
    assert lines[ungrouped].startswith("  # ") and lines[ungrouped + 1] == "  - id: f"


def test_warnings_are_marked_and_notes_about_nothing_known_go_at_the_top():
    inst = next(iter_builtins())
    notes = [
        ImportNote("direction_unknown", "cannot tell", "warning", "scale", (inst.items[0].code,)),
        ImportNote("x", "about the form"),
        ImportNote("y", "about an unknown item", scope="item", subjects=("nope",)),
    ]
    text = round_trip(inst, notes)
    lines = text.splitlines()
    assert lines[:2] == ["# about the form", "# about an unknown item"]
    assert "# warning: cannot tell" in lines


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40))
def test_any_text_is_written_so_yaml_reads_it_back(value):
    for flow in (False, True):
        written = scalar(value, flow=flow)
        doc = f"k: {written}\nl: [{scalar(value, flow=True)}]\n"
        assert yaml.safe_load(doc) == {"k": value, "l": [value]}


def test_texts_that_yaml_would_read_as_something_else_are_quoted():
    for value in ["Yes", "No", "null", "true", "1.10", "007", "1_000", "- x", "a: b", "a #b", ""]:
        assert scalar(value).startswith('"'), value
    assert scalar("Strongly agree") == "Strongly agree"
