"""Coders' theme columns and agreement per theme (docs/codebook-format.md, 'Human coders')."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ipss_survey.coding.agreement import AUTOMATIC, coder_agreement, parse_coder_column
from ipss_survey.coding.themes import ThemeMatcher
from ipss_survey.errors import DataError
from ipss_survey.instrument.codebook import Codebook, Theme
from ipss_survey.stats.coder_agreement import cohen_kappa, krippendorff_alpha
from ipss_survey.stats.notes import NoteCode
from tests.paths import REFERENCE

BOOK = Codebook(
    "t",
    "Test",
    "",
    "",
    (
        Theme("cap", "Capacity", "", ("training", "skill*")),
        Theme("trust", "Low trust", "", ("trust*",)),
        Theme("silo", "Fragmentation", "", ("silo*",)),
        Theme("egov", "E-government", "", ("portal*",)),
    ),
)


def test_parse_coder_column():
    cells = ["cap; trust", "TRUST", " silo ;", "", None, np.nan, "-", "None", "cap;cap", ";"]
    out = parse_coder_column(cells, BOOK, "A")
    nan = np.nan
    expected = np.array(
        [
            [1, 1, 0, 0],
            [0, 1, 0, 0],
            [0, 0, 1, 0],
            [nan] * 4,  # empty: not coded
            [nan] * 4,
            [nan] * 4,
            [0, 0, 0, 0],  # '-': coded, no theme
            [0, 0, 0, 0],  # 'none' in any case
            [1, 0, 0, 0],
            [nan] * 4,  # only separators: nothing written
        ]
    )
    np.testing.assert_array_equal(out, expected)


def test_unknown_theme_ids_are_errors_naming_coder_answer_and_ids():
    with pytest.raises(DataError) as info:
        parse_coder_column(["cap", "trst; cap", "x", "trst"], BOOK, "coder B")
    msg = str(info.value)
    assert "coder 'coder B'" in msg
    assert "'trst' (answer 2, 4)" in msg and "'x' (answer 3)" in msg
    assert "cap, trust, silo, egov" in msg


def test_no_theme_beside_theme_ids_is_an_error():
    with pytest.raises(DataError, match=r"coder 'A', answer 2: '- ; cap' says both"):
        parse_coder_column(["cap", "- ; cap"], BOOK, "A")


ANSWERS = [
    "training and trust",  # auto: cap, trust
    "silos",  # silo
    "",  # empty answer: not a unit
    "more training",  # cap
    "the portal",  # egov
    "skills",  # cap
    "nothing",  # no theme
    "trust",  # trust
]
CODERS = {
    "A": ["cap;trust", "silo", "-", "cap", "egov", "cap", "-", "trust"],
    "B": ["cap", "silo", "", "cap", "-", "cap", "trust", "trust"],
    "C": ["cap;trust", "silo", "", "", "egov", "cap", "-", "trust"],
}


def test_kappa_and_alpha_per_theme_equal_the_statistics_on_the_parsed_columns():
    result = coder_agreement(CODERS, BOOK, ANSWERS)
    assert result.codebook == "t" and result.coders == ("A", "B", "C")
    assert result.automatic and result.units == 7  # the empty answer is left out
    keep = [i for i, a in enumerate(ANSWERS) if a]
    parsed = {c: parse_coder_column(v, BOOK, c)[keep] for c, v in CODERS.items()}
    auto = np.array(
        [
            [t in (ThemeMatcher(BOOK).themes_of(ANSWERS[i]) or ()) for t in BOOK.theme_ids]
            for i in keep
        ],
        dtype=float,
    )
    for j, theme in enumerate(result.themes):
        assert theme.theme == BOOK.theme_ids[j]
        assert [(p.first, p.second) for p in theme.pairs] == [
            ("A", "B"),
            ("A", "C"),
            ("B", "C"),
            ("A", AUTOMATIC),
            ("B", AUTOMATIC),
            ("C", AUTOMATIC),
        ]
        for p in theme.pairs:
            x = parsed[p.first][:, j]
            y = auto[:, j] if p.second == AUTOMATIC else parsed[p.second][:, j]
            assert p.kappa.kappa == cohen_kappa(x, y).kappa
            assert theme.kappa(p.second, p.first) is p.kappa
        expected = krippendorff_alpha(np.vstack([parsed[c][:, j] for c in CODERS]))
        assert theme.alpha.alpha == expected.alpha
        assert theme.mentions == {
            **{c: int(np.nansum(parsed[c][:, j])) for c in CODERS},
            AUTOMATIC: int(auto[:, j].sum()),
        }


def test_hand_computed_theme():
    result = coder_agreement(CODERS, BOOK, ANSWERS)
    cap = result.theme("cap")
    # A and the codebook agree on every answer for 'cap': kappa 1
    assert cap.kappa("A", AUTOMATIC).kappa == pytest.approx(1.0)
    # A vs B on 'trust': A = 1 0 0 0 0 0 1, B = 0 0 0 0 0 1 1 over the 7 units
    trust = result.theme("trust").kappa("A", "B")
    assert trust.n == 7 and trust.agreement == pytest.approx(5 / 7)
    # po = 5/7, pc = (5*5 + 2*2)/49 = 29/49
    assert trust.kappa == pytest.approx((5 / 7 - 29 / 49) / (1 - 29 / 49))
    # C did not code the fourth answer: A vs C compare 6 units
    assert result.theme("cap").kappa("A", "C").n == 6


def test_a_theme_nobody_used_has_no_kappa_or_alpha_and_says_why():
    coders = {"A": ["cap", "-", "cap", "-"], "B": ["cap", "cap", "-", "-"]}
    result = coder_agreement(coders, BOOK)
    assert not result.automatic and result.units == 4
    silo = result.theme("silo")
    assert silo.mentions == {"A": 0, "B": 0}
    assert silo.alpha.alpha is None
    assert [n.code for n in silo.alpha.notes] == [NoteCode.THEME_NOT_USED]
    (pair,) = silo.pairs
    assert pair.kappa.kappa is None and pair.kappa.ci is None
    assert [n.code for n in pair.kappa.notes] == [NoteCode.THEME_NOT_USED]
    assert "theme 'silo': A and B gave it to no answer" in pair.kappa.notes[0].message
    # the theme they used is computed
    assert result.theme("cap").pairs[0].kappa.kappa == pytest.approx(0.0)


def test_a_theme_every_coder_gave_every_answer_is_undefined_not_unused():
    coders = {"A": ["cap"] * 4, "B": ["cap"] * 4}
    cap = coder_agreement(coders, BOOK).theme("cap")
    assert cap.alpha.alpha is None
    assert cap.alpha.notes[0].code == NoteCode.AGREEMENT_UNDEFINED
    assert cap.pairs[0].kappa.notes[0].code == NoteCode.AGREEMENT_UNDEFINED


def test_one_coder_against_the_codebook():
    result = coder_agreement({"A": CODERS["A"]}, BOOK, ANSWERS)
    cap = result.theme("cap")
    assert [(p.first, p.second) for p in cap.pairs] == [("A", AUTOMATIC)]
    assert cap.alpha.alpha is None and cap.alpha.notes[0].code == NoteCode.TOO_FEW_CODED


def test_kappa_through_the_coders_columns_equals_psych():
    # the R reference case 'moderate' written as two coders' theme columns
    ref = {c["case"]: c for c in json.loads((REFERENCE / "coders.json").read_text())["cases"]}
    d = pd.read_csv(REFERENCE / "coders.csv")
    for name in ("moderate", "skewed", "with_missing"):
        rows = d[d.case == name].sort_values("unit")
        cells = {
            coder: ["" if pd.isna(v) else ("trust" if v == 1 else "-") for v in rows[coder]]
            for coder in ("coder1", "coder2")
        }
        pair = coder_agreement(cells, BOOK).theme("trust").pairs[0].kappa
        assert pair.kappa == pytest.approx(ref[name]["kappa"], abs=1e-6)
        assert pair.ci == pytest.approx(tuple(ref[name]["ci"]), abs=1e-6)


def test_swapping_coders_changes_nothing():
    ab = coder_agreement({"A": CODERS["A"], "B": CODERS["B"]}, BOOK, ANSWERS)
    ba = coder_agreement({"B": CODERS["B"], "A": CODERS["A"]}, BOOK, ANSWERS)
    for x, y in zip(ab.themes, ba.themes, strict=True):
        assert x.alpha == y.alpha
        assert x.kappa("A", "B") == y.kappa("A", "B")
        assert x.kappa("A", AUTOMATIC) == y.kappa("A", AUTOMATIC)


def test_bad_calls():
    with pytest.raises(ValueError, match="at least one coder"):
        coder_agreement({}, BOOK)
    with pytest.raises(ValueError, match="differ in length"):
        coder_agreement({"A": ["cap"], "B": ["cap", "cap"]}, BOOK)
    with pytest.raises(ValueError, match="differ in length"):
        coder_agreement({"A": ["cap"]}, BOOK, ["training", "x"])
    with pytest.raises(DataError, match="named 'codebook'"):
        coder_agreement({"codebook": ["cap"]}, BOOK, ["training"])
