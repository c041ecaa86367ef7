"""YAML through libyaml: the same data as PyYAML's own parser, the same account of bad text."""

from __future__ import annotations

import pytest
import yaml

from ipss_survey.instrument import builtin_ids
from ipss_survey.instrument.builtin import builtin_text
from ipss_survey.yamltext import YamlSyntaxError, safe_load


@pytest.mark.parametrize("instrument_id", builtin_ids())
def test_built_in_instruments_read_the_same_as_with_the_python_parser(instrument_id):
    text = builtin_text(instrument_id)
    assert safe_load(text) == yaml.load(text, Loader=yaml.SafeLoader)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("analyses: [{name: a, data: x.csv}]\nanalyses: [", "line 2, column 12: "),
        ("id: x\n  title: y\n", "line 2, column 8: "),
        ("a: [1, 2\nb: 3\n", "line 2, column 2: "),
    ],
)
def test_bad_text_is_placed_where_the_python_parser_places_it(text, where):
    with pytest.raises(YamlSyntaxError) as caught:
        safe_load(text)
    assert str(caught.value).startswith(where)
    with pytest.raises(yaml.YAMLError) as python:
        yaml.load(text, Loader=yaml.SafeLoader)
    mark = python.value.problem_mark
    assert where == f"line {mark.line + 1}, column {mark.column + 1}: "
