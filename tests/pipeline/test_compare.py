"""Comparing waves: pairing, what both waves have, descriptive comparison of results files,
groups, and the command line."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from ipss_survey.cli import app
from ipss_survey.errors import DataError, ExitCode
from ipss_survey.instrument import builtin_instrument, parse_instrument, sample_waves
from ipss_survey.pipeline import Options, analyze
from ipss_survey.pipeline.compare import NO_TEST_RESULTS, compare, load_waves

DTCAF = builtin_instrument("dtcaf")


@pytest.fixture(scope="module")
def bundled():
    opts = Options(group="ministry")
    return compare(load_waves(sample_waves("dtcaf"), [DTCAF], opts, ["2024", "2026"]), opts)


def test_bundled_waves_are_paired_and_every_construct_compared(bundled):
    assert bundled.paired and bundled.matched.pairs[0] > 250
    assert [c.id for c in bundled.constructs] == [c.id for c in DTCAF.constructs]
    assert len(bundled.items) == 94
    for c in bundled.constructs:
        (change,) = c.changes
        a, b = c.waves
        assert change.mean_change == pytest.approx(b.mean - a.mean)
        assert change.pct_agree_change == pytest.approx(b.pct_agree - a.pct_agree)
        assert change.test.name == "wilcoxon-signed-rank"
        assert change.test.p_adj >= change.test.p_value
    tec = next(c for c in bundled.constructs if c.id == "TEC")
    assert tec.changes[0].pct_agree_change > 5 and tec.changes[0].test.p_adj < 0.001


def test_groups_are_compared_with_their_own_pairs(bundled):
    assert len(bundled.groups) == 12
    g = bundled.groups[0]
    lea = next(c for c in g.constructs if c.id == "LEA")
    assert lea.changes[0].n <= lea.waves[0].n
    assert (
        sum(next(c for c in grp.constructs if c.id == "LEA").changes[0].n for grp in bundled.groups)
        == next(c for c in bundled.constructs if c.id == "LEA").changes[0].n
    )


def test_waves_with_different_items_compare_what_both_have(tmp_path):
    text = (
        "id: small\ntitle: S\nversion: '1'\nscale: {points: [1, 2, 3, 4, 5], agree: [4, 5]}\n"
        "respondent_id: respondent_id\n"
        "dimensions:\n  - {id: LEA, items: [LEA01, LEA02, LEA03]}\n"
    )
    first = parse_instrument(text, "a.yaml")
    second = parse_instrument(text.replace("LEA03]", "LEA03, LEA04]"), "b.yaml")
    waves = sample_waves("dtcaf")
    found = compare(load_waves(waves, [first, second], Options()), Options())
    assert [it.code for it in found.items] == ["LEA01", "LEA02", "LEA03"]
    assert [(o.wave, o.items) for o in found.only_in] == [("dtcaf-sample-wave2", ["LEA04"])]
    assert any(w.code == "not_in_every_wave" for w in found.warnings)


def test_results_files_are_compared_without_tests(tmp_path):
    paths = []
    for i, path in enumerate(sample_waves("dtcaf")):
        out = tmp_path / f"r{i}.json"
        out.write_text(analyze(path, DTCAF, Options()).to_json())
        paths.append(out)
    found = compare(load_waves(paths, [DTCAF], Options()), Options())
    assert not found.paired and found.matched is None
    for c in found.constructs:
        assert c.changes[0].test is None and c.changes[0].method == NO_TEST_RESULTS
        assert c.changes[0].mean_change is not None


def test_waves_without_shared_ids_are_independent(tmp_path):
    paths = []
    for i, path in enumerate(sample_waves("dtcaf")):
        frame = pd.read_csv(path, dtype=str)
        frame["respondent_id"] = [f"W{i}-{j}" for j in range(len(frame))]
        out = tmp_path / f"w{i}.csv"
        frame.to_csv(out, index=False)
        paths.append(out)
    found = compare(load_waves(paths, [DTCAF], Options()), Options())
    assert not found.paired
    assert found.constructs[0].changes[0].test.name == "mann-whitney"
    assert found.items[0].changes[0].test.name in ("chi-square", "fisher-exact")
    assert any(w.code == "waves_not_paired" for w in found.warnings)


def test_wrong_numbers_of_labels_or_files_are_errors():
    with pytest.raises(DataError, match="--labels gives 1 label"):
        load_waves(sample_waves("dtcaf"), [DTCAF], Options(), ["only"])
    with pytest.raises(DataError, match="two or more files"):
        load_waves(sample_waves("dtcaf")[:1], [DTCAF], Options())


def test_compare_command_writes_every_output(tmp_path):
    out = tmp_path / "cmp"
    r = CliRunner().invoke(app, ["compare", "--labels", "2024,2026", "--out", str(out)])
    assert r.exit_code == ExitCode.OK, r.output
    assert "paired by respondent id" in r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        ".ipss-survey-manifest.json",
        "charts",
        "compare.html",
        "compare.json",
        "compare_constructs.csv",
        "compare_items.csv",
    ]
    doc = json.loads((out / "compare.json").read_text())
    assert doc["schema_version"] == 1 and doc["paired"] is True
    assert doc["constructs"][0]["changes"][0]["from"] == 0
    rows = pd.read_csv(out / "compare_constructs.csv")
    assert len(rows) == len(doc["constructs"])
    html = (out / "compare.html").read_text()
    assert "2024" in html and "data:image/png;base64," in html
    r = CliRunner().invoke(app, ["compare", "--format", "pdf", "--out", str(out)])
    assert r.exit_code == ExitCode.BAD_INPUT and "pdf" in r.output


def test_a_bad_out_folder_fails_before_the_waves_are_read(tmp_path, monkeypatch):
    import ipss_survey.pipeline.compare as module

    def never(*args, **kwargs):
        raise AssertionError("the waves were read")

    monkeypatch.setattr(module, "load_waves", never)
    taken = tmp_path / "survey.csv"
    taken.write_text("a,b\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["compare", "--out", str(taken)])
    assert r.exit_code == ExitCode.BAD_INPUT
    assert f"--out {taken}: is a file, not a folder" in r.output


def test_compare_help_names_its_placeholders():
    r = CliRunner().invoke(app, ["compare", "--help"], env={"COLUMNS": "120"})
    assert r.exit_code == 0
    assert "<str>" not in r.output  # typer shows an argument's type (<path>) beside its name
    for shown in ("FILE...", "ID|FILE", "LABELS", "FOLDER", "FORMATS"):
        assert shown in r.output


def test_a_rerun_with_fewer_formats_removes_the_earlier_outputs(tmp_path):
    out = tmp_path / "cmp"
    assert CliRunner().invoke(app, ["compare", "--out", str(out)]).exit_code == ExitCode.OK
    assert (out / "compare.html").exists() and (out / "charts").is_dir()
    mine = out / "notes.txt"  # not written by the tool: kept
    mine.write_text("mine", encoding="utf-8")
    r = CliRunner().invoke(app, ["compare", "--format", "json", "--out", str(out)])
    assert r.exit_code == ExitCode.OK, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [".ipss-survey-manifest.json", "compare.json", "notes.txt"]
