"""Small XLSForms for tests, laid out as form builders and Kobo/ODK downloads lay them out.

A form is given as rows: ``survey`` and ``choices`` as lists of rows whose first row is the
header; ``settings`` as one mapping. Cells left as None stay empty.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

Rows = Sequence[Sequence[Any]]

AGREE5 = [
    ["list_name", "name", "label"],
    ["agree5", "strongly_disagree", "Strongly disagree"],
    ["agree5", "disagree", "Disagree"],
    ["agree5", "neutral", "Neither agree nor disagree"],
    ["agree5", "agree", "Agree"],
    ["agree5", "strongly_agree", "Strongly agree"],
]


def form_bytes(
    survey: Rows,
    choices: Rows | None = None,
    settings: dict[str, Any] | None = None,
    extra: dict[str, Rows] | None = None,
) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for row in survey:
        ws.append(list(row))
    if choices is not None:
        cs = wb.create_sheet("choices")
        for row in choices:
            cs.append(list(row))
    if settings is not None:
        ss = wb.create_sheet("settings")
        ss.append(list(settings))
        ss.append(list(settings.values()))
    for name, rows in (extra or {}).items():
        es = wb.create_sheet(name)
        for row in rows:
            es.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_form(path: Path, *args: Any, **kwargs: Any) -> Path:
    path.write_bytes(form_bytes(*args, **kwargs))
    return path


def converts(data: bytes) -> list[str]:
    """Convert a form with pyxform as Kobo and ODK do; the conversion's warnings."""
    from pyxform.xls2xform import convert

    warnings: list[str] = []
    convert(data, warnings=warnings, file_type=".xlsx")
    return warnings


def assert_same_instrument(got: Any, want: Any) -> None:
    """Every field the model compares (its origin aside), and every label and alias, which
    ``Scale`` leaves out of ``==``; a failure names the field."""
    from dataclasses import fields

    for f in fields(want):
        if f.name in {"origin", "_by_code"}:
            continue
        assert getattr(got, f.name) == getattr(want, f.name), f.name
    scales = [(got.scale, want.scale, "scale")] if want.scale is not None else []
    scales += [(g.scale, w.scale, w.code) for g, w in zip(got.items, want.items, strict=True)]
    for g, w, where in scales:
        assert g.labels == w.labels, f"labels of {where}"
        assert g.aliases == w.aliases, f"aliases of {where}"


# An instrument with what the formats must carry: reverse keying, a dimension's own scale and
# an item's, negative codes, labels only at the ends, several labels a code, labelled and
# unlabelled "no answer" codes, construct directions, codes that are not XLSForm names, and the
# questions that are not scored.
RICH_YAML = """\
id: rich-test
title: "Rich: a test instrument"
version: "1.10"
source: "Test # not a comment"
description: "Line one\\nLine two"
respondent_id: "Resp ID"
scale:
  points: [1, 2, 3, 4, 5]
  labels:
    1: [Strongly disagree, "Pas du tout d'accord", strongly_disagree]
    2: Disagree
    3: "Neither: nor"
    4: Agree
    5: Strongly agree
    8: ["Don't know", No sabe]
    9: Refused
  agree: [4, 5]
  neutral: [3]
  missing: [8, 9, 0]
dimensions:
  - id: LEA
    name: Leadership
    description: "About leaders"
    items:
      - {code: LEA01, text: "Leaders act.", source: "Smith 2020", provenance: source}
      - {code: LEA02, text: "Leaders do not listen.", reverse: true, provenance: proposed}
      - {code: "1a", text: "A code starting with a digit"}
      - {code: "Q 7", text: "A code with a space", text_incomplete: true}
  - id: SAT
    name: Satisfaction
    scale:
      points: [-2, -1, 0, 1, 2]
      labels: {-2: Very dissatisfied, 2: Very satisfied}
      agree: [1, 2]
      neutral: [0]
    subdimensions:
      - id: SAT-a
        name: A
        items:
          - SAT01
          - code: SAT02
            scale: {points: [0, 1], labels: {0: "No", 1: "Yes"}, agree: [1], missing: [9]}
      - id: SAT-b
        name: B
        direction: higher_worse
        items: [{code: SAT03, reverse: true}]
  - id: CON
    name: Constraints
    direction: higher_worse
    subdimensions:
      - id: CON-x
        name: X
        items: [CON01]
      - id: CON-y
        name: "Y"
        direction: higher_better
        items: [CON02]
maturity:
  basis: "Bands"
  levels:
    - {min: 1.0, label: Low}
    - {min: 2.5, label: "Mid: 2"}
questions:
  - code: channels
    type: select_multiple
    text: "Which channels?"
    dimension: LEA
    options:
      - {code: web, label: Website}
      - {code: "walk in", label: [Walk-in, "En persona"]}
      - phone
  - code: muni
    type: categorical
    text: Municipality
    options:
      - {code: cpt, label: Cape Town}
      - {code: "1", label: George}
  - code: comments
    type: text
    codebook: themes.yaml
    source: "Open"
    provenance: proposed
"""
