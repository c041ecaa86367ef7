"""Questions that are not scored: multi-select (one cell or one 0/1 column per option),
categorical, open-ended; counted per option, overall and per group."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from ipss_survey.instrument import parse_instrument
from ipss_survey.pipeline import Options, analyze
from ipss_survey.report.tables import build_tables
from ipss_survey.report.write import write_reports

INSTRUMENT = """
id: q
scale: {points: [1, 2, 3, 4, 5], agree: [4, 5]}
dimensions:
  - {id: D, items: [Q1, Q2]}
questions:
  - code: fields
    type: select_multiple
    text: Service fields of the collaboration
    options:
      - {code: health, label: Health}
      - {code: welfare, label: "Welfare, social security"}
      - {code: housing, label: Housing}
  - code: region
    type: categorical
    options:
      - {code: north, label: [North, Northern region]}
      - {code: south, label: South}
  - {code: comment, type: text}
"""


def inst():
    return parse_instrument(INSTRUMENT, "q.yaml")


def write(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def by_id(summaries, code):
    return next(s for s in summaries if s.id == code)


@pytest.mark.parametrize(
    "layout",
    ["kobo-names", "kobo-columns", "google-labels", "limesurvey-columns"],
)
def test_multi_select_in_every_layout(tmp_path, layout):
    chosen = [["health", "welfare"], ["welfare"], [], None, ["health", "welfare", "housing"]]
    labels = {"health": "Health", "welfare": "Welfare, social security", "housing": "Housing"}
    head = ["Q1", "Q2"]
    body = [["4", "5"], ["2", "3"], ["5", "5"], ["1", "2"], ["4", "4"]]
    if layout == "kobo-names":
        head.append("fields")
        for row, c in zip(body, chosen, strict=True):
            row.append("" if c is None else " ".join(c))
    elif layout == "google-labels":
        head.append("fields")
        for row, c in zip(body, chosen, strict=True):
            row.append("" if c is None else ", ".join(labels[x] for x in c))
    else:
        sep = "/" if layout == "kobo-columns" else "["
        end = "" if layout == "kobo-columns" else "]"
        head += [f"fields{sep}{o}{end}" for o in labels]
        for row, c in zip(body, chosen, strict=True):
            if layout == "kobo-columns":
                row += ["" if c is None else str(int(o in c)) for o in labels]
            else:  # LimeSurvey: Y or empty; a respondent with none chosen has all empty
                row += ["Y" if c and o in c else "" for o in labels]
    path = write(tmp_path / "d.csv", [head, *[r for r in body]])
    res = analyze(path, inst())
    fields = by_id(res.multiple_choice, "fields")
    # Only Kobo's 0/1 columns tell "answered, chose nothing" (all 0) from "not answered"
    # (empty); one cell left empty, or LimeSurvey's empty Y columns, are no answer.
    n_answered = 4 if layout == "kobo-columns" else 3
    assert fields.n == n_answered
    assert [(o.code, o.count) for o in fields.options] == [
        ("health", 2),
        ("welfare", 3),
        ("housing", 1),
    ]
    assert fields.options[1].pct == pytest.approx(100 * 3 / n_answered)
    assert [w.code for w in res.data.warnings if w.code == "unmatched_choice"] == []


def test_categorical_questions_are_counted_and_odd_values_warned(tmp_path):
    path = write(
        tmp_path / "d.csv",
        [
            ["Q1", "Q2", "region", "comment"],
            ["4", "5", "north", "fine"],
            ["2", "3", "Northern Region", ""],
            ["5", "5", "South", "good"],
            ["1", "2", "east", "x"],
            ["4", "4", "", ""],
        ],
    )
    res = analyze(path, inst())
    region = by_id(res.categories, "region")
    assert region.n == 4 and region.other == 1
    assert [(o.label, o.count) for o in region.options] == [("North", 2), ("South", 1)]
    (w,) = [w for w in res.data.warnings if w.code == "unmatched_choice"]
    assert w.item == "region" and "'east' (1x)" in w.message
    absent = [w for w in res.data.warnings if w.code == "question_absent"]
    assert [w.item for w in absent] == ["fields"]


def test_per_group_counts_tables_json_and_report(tmp_path):
    path = write(
        tmp_path / "d.csv",
        [
            ["Q1", "Q2", "team", "fields"],
            ["4", "5", "a", "health welfare"],
            ["2", "3", "a", "welfare"],
            ["5", "5", "b", "housing"],
            ["1", "2", "b", ""],
        ],
    )
    res = analyze(path, inst(), Options(group="team", min_group_size=1))
    a, b = res.groups
    assert [(o.code, o.count) for o in by_id(a.multiple_choice, "fields").options] == [
        ("health", 1),
        ("welfare", 2),
        ("housing", 0),
    ]
    assert by_id(b.multiple_choice, "fields").n == 1
    rows = next(t for t in build_tables(res) if t.name == "multiple_choice").as_dicts()
    assert {(r["group"], r["option"], r["count"]) for r in rows} >= {
        (None, "welfare", 2),
        ("a", "welfare", 2),
        ("b", "housing", 1),
    }
    out = tmp_path / "out"
    write_reports(res, out, "json,csv,html", processes=1)
    doc = json.loads((out / "results.json").read_text())
    assert doc["multiple_choice"][0]["options"][1] == {
        "code": "welfare",
        "label": "Welfare, social security",
        "count": 2,
        "pct": pytest.approx(200 / 3),
    }
    assert "categories" not in doc  # the declared categorical question has no column here
    page = (out / "report.html").read_text()
    assert 'id="questions"' in page and "Welfare, social security" in page
    assert (out / "multiple_choice.csv").exists()


def test_group_labels_differing_in_case_or_spaces_are_one_group(tmp_path):
    """' cape town ' is Cape Town: the first spelling is kept, the merge is warned about;
    grouping by a categorical question uses its options' labels."""
    path = write(
        tmp_path / "d.csv",
        [
            ["Q1", "Q2", "city", "region"],
            ["4", "5", "Cape Town", "north"],
            ["2", "3", " cape  town ", "NORTHERN REGION"],
            ["5", "5", "Stellenbosch", "south"],
            ["1", "2", "CAPE TOWN", "South"],
        ],
    )
    res = analyze(path, inst(), Options(group="city", min_group_size=1))
    assert [(g.group, g.n) for g in res.groups] == [("Cape Town", 3), ("Stellenbosch", 1)]
    (w,) = [w for w in res.data.warnings if w.code == "group_spellings_merged"]
    assert "'cape  town', 'CAPE TOWN' counted as 'Cape Town'" in w.message  # cells are stripped
    res = analyze(path, inst(), Options(group="region", min_group_size=1))
    assert [(g.group, g.n) for g in res.groups] == [("North", 2), ("South", 2)]
