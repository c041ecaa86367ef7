"""The "where the panel disagrees" worksheet: items ranked by rwg per group, flagged under
the cut-off, with the answers' spread, as CSV and printable HTML."""

from __future__ import annotations

import csv
import io

import pytest

from ipss_survey.instrument import builtin_instrument, sample_path
from ipss_survey.pipeline import Options, analyze
from ipss_survey.report.panels import disagreement_csv, disagreement_rows, panels_html


@pytest.fixture(scope="module")
def dtcaf():
    inst = builtin_instrument("dtcaf")
    return analyze(sample_path(inst.id), inst, Options(group="ministry", rwg_cutoff=0.5))


def test_each_group_lists_every_item_least_agreed_first(dtcaf):
    rows = disagreement_rows(dtcaf)
    assert len(rows) == 12 * 94
    for g in dtcaf.groups:
        mine = [r for r in rows if r.group == g.group]
        values = [r.rwg for r in mine if r.rwg is not None]
        assert values == sorted(values)
        assert all(r.flagged == (r.rwg is not None and r.rwg < 0.5) for r in mine)
        item = next(it for it in g.items if it.code == mine[0].code)
        assert mine[0].counts == item.counts  # the spread shown is the group's own counts
    found = {(a.group, i.code): i.rwg for a in dtcaf.agreement for i in a.items}
    assert all(found[(r.group, r.code)] == r.rwg for r in rows)


def test_csv_ranks_within_groups_and_html_has_a_page_per_group(dtcaf):
    table = list(csv.DictReader(io.StringIO(disagreement_csv(dtcaf).decode())))
    assert table[0]["rank"] == "1" and table[93]["rank"] == "94" and table[94]["rank"] == "1"
    assert {"count_1", "count_5", "flagged"} <= set(table[0])
    page = panels_html(dtcaf)
    assert page.count("<section>") == 12
    assert "Cut-off here: 0.5." in page
    assert page.count("class=flag") == sum(r.flagged for r in disagreement_rows(dtcaf))


def test_without_groups_there_is_nothing_to_rank():
    inst = builtin_instrument("dtcaf")
    res = analyze(sample_path(inst.id), inst, Options())
    assert disagreement_rows(res) == []
    assert "run analyze with --group" in panels_html(res)
