"""Reading a study file: defaults, paths relative to the file, and every problem with its key
path (``ipss_survey.study.spec``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipss_survey.errors import SurveyError
from ipss_survey.pipeline import Options
from ipss_survey.report.write import FORMATS
from ipss_survey.study import StudyError, load_study, parse_study


def _parse(text: str, folder: Path = Path("studies")):
    return parse_study(text, "s.yaml", folder)


def _problems(text: str) -> list[str]:
    with pytest.raises(StudyError) as info:
        _parse(text)
    return [str(p) for p in info.value.problems]


def test_defaults_apply_to_every_analysis_unless_it_sets_them():
    study = _parse(
        """
        title: T
        defaults: {threshold: 75, group: ministry, format: "json,md", where: consent=yes}
        analyses:
          - {name: a, data: a.csv}
          - {name: b, data: b.csv, threshold: 60, group: municipality, where: [x=1, y=2]}
        """
    )
    a, b = study.analyses
    assert a.options == Options(threshold=75.0, group="ministry", where=("consent=yes",))
    assert b.options == Options(threshold=60.0, group="municipality", where=("x=1", "y=2"))
    assert a.formats == b.formats == ("json", "md")
    assert a.given == {
        "data": "a.csv",
        "group": "ministry",
        "threshold": 75,
        "where": ["consent=yes"],
        "format": ["json", "md"],
    }


def test_comparisons_take_the_defaults_compare_has():
    study = _parse(
        """
        defaults: {threshold: 75, group: ministry, alpha: 0.01, format: xlsx, title: X}
        comparisons:
          - {name: w, data: [a.csv, b.csv]}
        """
    )
    (w,) = study.comparisons
    assert w.options == Options(threshold=75.0, group="ministry")
    assert w.formats == ("json", "csv", "html", "png", "svg")  # xlsx is analyze's only
    assert w.title is None
    assert w.instruments == ("dtcaf",)


def test_paths_are_relative_to_the_study_file(tmp_path):
    (tmp_path / "configs").mkdir()
    path = tmp_path / "configs" / "study.yaml"
    path.write_text(
        "out: ../out\n"
        "analyses:\n"
        "  - {name: a, data: ../data/x.csv, instrument: my.yaml, columns: map.yaml}\n"
        "  - {name: b, data: /abs/y.csv, instrument: dtcaf, out: sub/b}\n"
        "comparisons:\n"
        "  - {name: w, data: [../data/x.csv, ../data/y.csv], instrument: [dtcaf, own.yml]}\n"
    )
    study = load_study(path)
    a, b = study.analyses
    assert a.data == tmp_path / "data" / "x.csv"
    assert a.instrument == str(tmp_path / "configs" / "my.yaml")
    assert a.options.columns == str(tmp_path / "configs" / "map.yaml")
    assert a.out == Path("a")
    assert b.data == Path("/abs/y.csv") and b.instrument == "dtcaf" and b.out == Path("sub/b")
    assert study.out == tmp_path / "out"
    (w,) = study.comparisons
    assert w.data == (tmp_path / "data" / "x.csv", tmp_path / "data" / "y.csv")
    assert w.instruments == ("dtcaf", str(tmp_path / "configs" / "own.yml"))
    assert len(study.sha256) == 64


def test_relative_folder_gives_paths_as_one_would_type_them():
    study = _parse("analyses: [{name: a, data: ../data/x.csv}]", Path("configs"))
    assert study.analyses[0].data == Path("data/x.csv")


def test_title_defaults_to_the_file_name():
    assert _parse("analyses: [{name: a, data: x.csv}]").title == "s"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "analyses: [{name: a, data: x.csv, weigth: w}]",
            "analyses[0].weigth: unknown key 'weigth' in analysis (did you mean 'weight'?)",
        ),
        ("analyses: [{name: a}]", "analyses[0]: analysis needs 'data'"),
        ("analyses: [{data: x.csv}]", "analyses[0]: analysis needs 'name'"),
        (
            "analyses: [{name: a b, data: x.csv}]",
            "analyses[0].name: name 'a b': a run's name is its folder's name",
        ),
        (
            "analyses: [{name: a, data: x.csv}, {name: A, data: y.csv}]",
            "analyses[1].name: name 'A' is already used at analyses[0]",
        ),
        (
            "analyses: [{name: a, data: x.csv, threshold: high}]",
            "analyses[0].threshold: expected a number, found text 'high'",
        ),
        (
            "analyses: [{name: a, data: x.csv, threshold: 150}]",
            "analyses[0].threshold: --threshold must lie between 0 and 100",
        ),
        (
            "analyses: [{name: a, data: x.csv, strict: yes please}]",
            "analyses[0].strict: expected true or false",
        ),
        (
            "analyses: [{name: a, data: x.csv, p_adjust: sidak}]",
            "analyses[0].p_adjust: expected one of holm, bonferroni, fdr_bh, none",
        ),
        ("analyses: [{name: a, data: x.csv, where: consent}]", "analyses[0].where: "),
        (
            "analyses: [{name: a, data: x.csv, format: 'json,pdf'}]",
            "analyses[0].format: --format: unknown format 'pdf'",
        ),
        (
            "analyses: [{name: a, data: x.csv, min_group_size: 2.5}]",
            "analyses[0].min_group_size: expected a whole number",
        ),
        (
            "analyses: [{name: a, data: x.csv, group: 2024}]",
            "analyses[0].group: expected text, found the number 2024; quote it",
        ),
        (
            "defaults: {alpha: 2}\nanalyses: [{name: a, data: x.csv}]",
            "defaults.alpha: --alpha must lie between 0 and 1",
        ),
        (
            "defaults: {data: x.csv}\nanalyses: [{name: a, data: x.csv}]",
            "defaults.data: unknown key 'data' in defaults",
        ),
        (
            "comparisons: [{name: w, data: x.csv}]",
            "comparisons[0].data: expected a list of two or more files",
        ),
        (
            "comparisons: [{name: w, data: [x.csv]}]",
            "comparisons[0].data: a comparison needs two or more files",
        ),
        (
            "comparisons: [{name: w, data: [x.csv, y.csv], labels: [a, b, c]}]",
            "comparisons[0].labels: 3 label(s) for 2 files",
        ),
        (
            "comparisons: [{name: w, data: [x.csv, y.csv, z.csv], instrument: [dtcaf, dtcaf]}]",
            "comparisons[0].instrument: 2 instruments for 3 files",
        ),
        (
            "comparisons: [{name: w, data: [x.csv, y.csv], format: xlsx}]",
            "comparisons[0].format: --format: xlsx not known for compare",
        ),
        (
            "comparisons: [{name: w, data: [x.csv, y.csv], alpha: 0.1}]",
            "comparisons[0].alpha: unknown key 'alpha' in comparison",
        ),
        (
            "analyses: [{name: a, data: x.csv, out: .}]",
            "analyses[0].out: a run cannot write into the study's output folder itself",
        ),
        (
            "analyses: [{name: a, data: x.csv}, {name: b, data: x.csv, out: ./A}]",
            "analyses[1].out: folder 'A' is also the folder of analyses[0]",
        ),
        ("title: T", "a study needs 'analyses' or 'comparisons'"),
        ("analyses: {name: a}", "analyses: expected a list of runs (analyses)"),
        ("- a\n- b", "expected a mapping (study), found a list"),
        ("analyses: [{name: a, data: x.csv}]\nanalyses: [", "not valid YAML: line 2"),
    ],
)
def test_each_kind_of_problem_names_its_key_path(text, expected):
    problems = _problems(text)
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_listed_at_once():
    problems = _problems(
        """
        defaults: {threshold: 0}
        analyses:
          - {name: a, data: x.csv, weigth: w}
          - {name: b, data: y.csv, alpha: 5}
        comparisons:
          - {name: a, data: [x.csv]}
        """
    )
    assert [p.split(":")[0] for p in problems] == [
        "defaults.threshold",
        "analyses[0].weigth",
        "analyses[1].alpha",
        "comparisons[0].data",
        "comparisons[0].name",
    ]


def test_study_error_lines_name_the_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("analyses: [{name: a}]\n")
    with pytest.raises(StudyError) as info:
        load_study(path)
    assert info.value.lines() == [f"{path}: analyses[0]: analysis needs 'data'"]


@pytest.mark.parametrize(
    ("content", "words"),
    [(None, "no such file"), (b"", "the file is empty"), (b"\xff\xfe\x00x", "not UTF-8")],
)
def test_unreadable_study_files(tmp_path, content, words):
    path = tmp_path / "s.yaml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(StudyError, match=words):
        load_study(path)


def test_only_selects_runs_by_name():
    study = _parse(
        "analyses: [{name: a, data: x.csv}, {name: b, data: y.csv}]\n"
        "comparisons: [{name: w, data: [x.csv, y.csv]}]"
    )
    assert [r.name for r in study.select(None)] == ["a", "b", "w"]
    assert [r.name for r in study.select(["w", "A"])] == ["a", "w"]
    assert [r.name for r in study.select(["b,w"])] == ["b", "w"]
    with pytest.raises(SurveyError, match=r"no analysis or comparison named 'c'.*names: a, b, w"):
        study.select(["c"])


def test_default_formats_are_analyzes():
    assert _parse("analyses: [{name: a, data: x.csv}]").analyses[0].formats == FORMATS


@pytest.mark.parametrize("doc", ["README.md", "docs/study-format.md"])
def test_the_documented_examples_are_valid_studies(doc):
    import re

    from tests.paths import REPO

    text = (REPO / doc).read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "analyses:" in b]
    assert blocks
    for block in blocks:
        study = _parse(block)
        assert [r.name for r in study.runs] == ["ministries", "municipalities", "waves"]
