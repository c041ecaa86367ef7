"""The terminal summary: intervals written 'a to b', aligned columns, counts in words, and
how much of the data each group test covered."""

from __future__ import annotations

import pytest
from rich.console import Console

from ipss_survey.instrument import builtin_instrument, load_instrument, sample_path
from ipss_survey.pipeline import Options, analyze
from ipss_survey.report.instrument_text import instrument_tree
from ipss_survey.report.terminal import (
    group_test_coverage,
    results_summary,
    statistics_table,
)
from ipss_survey.results import Results
from tests.paths import DATA


def render(*parts: object, width: int = 80) -> str:
    console = Console(width=width, record=True, file=None, color_system=None)
    with console.capture() as cap:
        for part in parts:
            console.print(part)
    return cap.get()


@pytest.fixture(scope="module")
def managers() -> Results:
    """The bundled senior-manager sample by municipality: 9 of 15 municipalities have 4
    respondents, fewer than --min-group-size 5 (data/README.md)."""
    inst = builtin_instrument("ipss-senior-managers")
    return analyze(sample_path(inst.id), inst, Options(group="municipality"))


def test_group_tests_say_what_they_covered(managers):
    assert group_test_coverage(managers) == [
        "Group tests (Kruskal-Wallis) cover 6 of 15 groups, 30 of 66 respondents, for every "
        "construct.",
        "Left out of the group tests with fewer than 5 respondents: Bitou (4), Cape Agulhas "
        "(4), Knysna (4), Oudtshoorn (4), Overstrand (4), Saldanha Bay (4), Swartland (4), "
        "Theewaterskloof (4), Witzenberg (4) (9 groups, 36 respondents).",
    ]
    text = render(*results_summary(managers), width=200)
    assert "Group tests (Kruskal-Wallis) cover 6 of 15 groups, 30 of 66 respondents" in text


def test_coverage_with_every_group_tested(managers):
    inst = builtin_instrument("ipss-senior-managers")
    res = analyze(sample_path(inst.id), inst, Options(group="municipality", min_group_size=2))
    assert group_test_coverage(res) == [
        "Group tests (Kruskal-Wallis) cover 15 of 15 groups, 66 of 66 respondents, for every "
        "construct."
    ]
    no_groups = analyze(sample_path(inst.id), inst, Options())
    assert group_test_coverage(no_groups) == []


def test_intervals_read_a_to_b_and_columns_align(managers):
    text = render(statistics_table(managers))
    assert "0.64 to 0.84" in text and "[" not in text
    rows = [line for line in text.splitlines() if line.strip().startswith(("SUP", "EXT", "CON"))]
    assert len(rows) == 5
    # Right-aligned numbers end in the same column on every row: Agree, then the p-values.
    for token in ("%", "<0.001"):
        ends = {line.index(token) for line in rows if token in line}
        assert len(ends) == 1, (token, rows)
    dims = render(*results_summary(managers)[1:2])
    assert "87%" in dims and "80 to 92%" in dims and "[" not in dims


def test_counts_are_in_words():
    mini = load_instrument(DATA / "mini.yaml")
    text = render(instrument_tree(mini))
    assert "B-y Beta y (1 item)" in text and "(1 items)" not in text
    assert "A Alpha (3 items)" in text
    assert "missing [9]" in text
