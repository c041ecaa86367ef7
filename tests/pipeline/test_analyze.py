"""The pipeline's one Results: groups in one order everywhere, options recorded as used."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ipss_survey.pipeline import Options, analyze
from ipss_survey.report.tables import build_tables
from ipss_survey.stats.rank_tests import kruskal_wallis

LABELS = ["10", "2", "9", "inf", "nan"]  # not all finite numbers: text order, as given here


def _grouped_file(tmp_path: Path) -> Path:
    rng = np.random.default_rng(7)
    rows = ["id,team,A1,A2,A3,B1,B2,B3,Y1"]
    for i in range(60):
        answers = ",".join(str(v) for v in rng.integers(1, 6, 6))
        rows.append(f"r{i},{LABELS[i % 5]},{answers},{i % 2}")
    path = tmp_path / "teams.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_groups_are_listed_in_one_order_everywhere(tmp_path, mini):
    """groups[], every group test's groups and every per-group table list the groups in the
    contract's order (a label such as "inf" or "nan" makes it text order)."""
    res = analyze(_grouped_file(tmp_path), mini, Options(group="team"))
    assert [g.group for g in res.groups] == LABELS
    assert res.group_tests and all(t.groups == LABELS for t in res.group_tests)
    for t in res.group_tests:
        if t.pairwise:
            pairs = [(p.a, p.b) for p in t.pairwise]
            assert pairs == [(a, b) for i, a in enumerate(LABELS) for b in LABELS[i + 1 :]]
    tables = {t.name: t.as_dicts() for t in build_tables(res)}
    seen = list(dict.fromkeys(r["group"] for r in tables["group_constructs"]))
    assert seen == LABELS
    # The statistics' own entry point, given the raw labels, orders them by the same rule.
    scores = np.arange(60.0)
    assert kruskal_wallis(scores, [LABELS[i % 5] for i in range(60)]).groups == LABELS


def test_numeric_group_labels_sort_as_numbers(tmp_path, mini):
    path = _grouped_file(tmp_path)
    path.write_text(path.read_text().replace(",inf,", ",1.5,").replace(",nan,", ",100,"))
    res = analyze(path, mini, Options(group="team"))
    order = ["1.5", "2", "9", "10", "100"]
    assert [g.group for g in res.groups] == order
    assert all(t.groups == order for t in res.group_tests)


def test_options_are_recorded_as_used(mini, mini_csv):
    res = analyze(mini_csv, mini, Options(group="team", p_adjust="bonferroni", threshold=60))
    assert res.options["p_adjust"] == "bonferroni" and res.options["threshold"] == 60
    assert res.options["group"] == "team" and res.options["columns"] is None
