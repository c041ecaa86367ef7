"""Pattern semantics (docs/codebook-format.md) and coding a text item by a codebook."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipss_survey.coding.themes import (
    ThemeMatcher,
    answer_text,
    code_answers,
    compile_codebook,
)
from ipss_survey.instrument.codebook import Codebook, Theme, builtin_codebook, parse_codebook


def book(*themes: tuple[str, list[str]]) -> Codebook:
    return Codebook(
        "t", "Test", "", "", tuple(Theme(tid, tid.title(), "", tuple(p)) for tid, p in themes)
    )


def matches(pattern: str, answer: object) -> bool:
    found = ThemeMatcher(book(("x", [pattern]))).themes_of(answer)
    return bool(found)


# ---- one pattern on hand-made answers


@pytest.mark.parametrize(
    ("answer", "hit"),
    [
        ("train", True),
        ("Train.", True),
        ("(train)", True),
        ("staff need to train!", True),
        ("training", False),  # no '*': whole words only
        ("restrain", False),
        ("retrain", False),
        ("train_station", True),  # '_' is not a letter: it separates words
        ("train2", False),  # a digit continues the word
    ],
)
def test_words_match_on_word_boundaries(answer, hit):
    assert matches("train", answer) is hit


def test_digits_are_part_of_words():
    assert matches("iso", "ISO 9001 is not applied")
    assert not matches("iso", "iso9001")
    assert matches("iso 9001", "ISO-9001")
    assert matches("9001", "the 9001 standard")


@pytest.mark.parametrize(
    ("answer", "hit"),
    [
        ("collaborate", True),
        ("Collaboration is lacking", True),
        ("collaborative governance", True),
        ("collaborat", True),  # the continuation may be empty
        ("uncollaborative", False),  # '*' extends to the right only
        ("collabor", False),
        ("co-laboration", False),
    ],
)
def test_star_matches_any_continuation(answer, hit):
    assert matches("collaborat*", answer) is hit


@pytest.mark.parametrize(
    ("answer", "hit"),
    [
        ("capacity building", True),
        ("Capacity-Building", True),
        ("capacity,  building", True),
        ("capacity\nbuilding", True),
        ("capacity \u2014 building", True),  # an em dash
        ("capacity... (building)", True),
        ("capacity for building", False),  # another word between
        ("capacitybuilding", False),
        ("building capacity", False),  # order matters
        ("capacity buildings", False),
    ],
)
def test_multi_word_patterns_match_the_words_in_sequence(answer, hit):
    assert matches("capacity building", answer) is hit


def test_stars_inside_a_phrase():
    assert matches("capacit* build*", "capacities-building work")
    assert matches("capacit* build*", "capacity builders")
    assert not matches("capacit* build*", "capacity to build")
    assert matches("e-gov*", "E Governance")
    assert matches("e-gov*", "e-government portal")
    assert not matches("e-gov*", "egovernment")


def test_case_is_ignored_and_case_folded():
    assert matches("training", "TRAINING")
    assert matches("TRAINING", "training")
    assert matches("stra\u00dfe", "STRASSE")  # casefold: sharp s = ss
    assert matches("strasse", "Stra\u00dfe")


def test_accented_letters_are_letters_and_accents_count():
    assert matches("participaci\u00f3n", "PARTICIPACI\u00d3N ciudadana")
    assert matches("participaci\u00f3n", "participacio\u0301n")  # decomposed accent
    assert matches("participacio\u0301n", "participaci\u00f3n")
    assert not matches("participacion", "participaci\u00f3n")  # accents are significant
    assert not matches("caf", "caf\u00e9")  # an accented letter continues the word
    assert matches("caf*", "caf\u00e9")
    assert not matches("na", "na\u0308ive")  # a combining mark continues the word too
    assert matches(
        "\u0928\u0947\u091f\u0935\u0930\u094d\u0915",
        "\u0928\u0947\u091f\u0935\u0930\u094d\u0915 \u0939\u0948",
    )


def test_smart_quotes_and_apostrophes_separate_words():
    assert matches("don't", "we don\u2019t talk")
    assert matches("don\u2019t", "we don't talk")
    assert matches("stakeholder", "the stakeholder\u2019s view")
    assert matches("stakeholder", "\u201cstakeholder\u201d")
    assert matches("low trust", "\u2018low\u2019 trust")


def test_an_answer_mentions_every_theme_that_matches():
    matcher = ThemeMatcher(
        book(("cap", ["training", "skill*"]), ("trust", ["trust*"]), ("silo", ["silo*"]))
    )
    assert matcher.themes_of("Training; trust; silos") == ("cap", "trust", "silo")
    assert matcher.themes_of("silos and skills") == ("cap", "silo")  # codebook order
    assert matcher.themes_of("nothing relevant") == ()


@pytest.mark.parametrize(
    "answer",
    [
        None,
        math.nan,
        np.nan,
        np.float64("nan"),
        3,
        2.5,
        np.int64(4),
        True,
        b"training",
        "",
        "   ",
        "-",
        "...",
        "?!",
        "\u2014",
    ],
)
def test_empty_and_non_text_answers_are_not_coded(answer):
    matcher = ThemeMatcher(book(("x", ["training"])))
    assert matcher.themes_of(answer) is None
    assert answer_text(answer) is None


def test_text_answers_are_stripped_and_numpy_text_is_text():
    assert answer_text("  training  ") == "training"
    assert answer_text(np.str_("training")) == "training"
    assert answer_text("n/a") == "n/a"  # text with letters is an answer


def test_very_long_answers_are_coded():
    """Long answers are coded in one pass over their words (timed in the benchmarks)."""
    matcher = ThemeMatcher(book(("x", ["capacit* build*", "silo*"]), ("y", ["never here"])))
    long = ("word, " * 200_000) + "Capacity-building"
    assert matcher.themes_of(long) == ("x",)
    assert matcher.themes_of("capacity " * 200_000) == ()
    assert matcher.themes_of("a" * 1_000_000) == ()


def test_compile_codebook_codes_many_answers():
    matcher = compile_codebook(builtin_codebook("ipss-constraints"))
    answers = [f"answer {i}: silos, lack of training and no trust" for i in range(20_000)]
    coding = code_answers(answers, matcher)
    assert coding.theme("fragmentation").n == 20_000
    assert coding.theme("capacity").n == 20_000


# ---- the built-in codebook on hand-made answers


@pytest.mark.parametrize(
    ("answer", "themes"),
    [
        ("Resistance to change stalls implementation", {"initiation"}),
        ("No link to public value or the social agenda", {"public-value"}),
        ("Too little training; managers lack skills", {"capacity"}),
        ("The e-government portal is offline", {"e-government"}),
        ("M&E is weak: no indicators", {"monitoring"}),
        ("Departments do not collaborate", {"collaborative-governance"}),
        ("NGOs and ward committees are kept out", {"stakeholder-networks"}),
        ("Officials distrust community leaders", {"low-trust", "stakeholder-networks"}),
        ("Only certain officials may hold dialogue", {"restricted-dialogue"}),
        ("Silos everywhere", {"fragmentation"}),
        ("The weather", set()),
    ],
)
def test_builtin_codebook_on_hand_made_answers(answer, themes):
    matcher = ThemeMatcher(builtin_codebook("ipss-constraints"))
    assert set(matcher.themes_of(answer)) == themes


# ---- code_answers: counts, percentages, groups, co-occurrence, examples

BOOK = book(("cap", ["training", "skill*"]), ("trust", ["trust*"]), ("silo", ["silo*"]))
ANSWERS = [
    "Training is lacking",  # 0: cap          group b
    "trust and silos",  # 1: trust, silo      group a
    None,  # 2: empty                          group a
    "nothing to say",  # 3: unmatched          group b
    "skills; trust",  # 4: cap, trust          group a
    "   ",  # 5: empty                         group 10
    "silo mentality",  # 6: silo               None
    "more training",  # 7: cap                 group 2
    "training, training",  # 8: cap            group 2
    "skills again",  # 9: cap                  group 2
    "skilled staff",  # 10: cap                group 2
    "skill shortage",  # 11: cap               group 2
]
GROUPS = ["b", "a", "a", "b", "a", "10", None, "2", "2", "2", 2.0, "2"]


def test_counts_and_percentages_of_non_empty_answers():
    coding = code_answers(ANSWERS, BOOK)
    assert coding.answers == 12 and coding.nonempty == 10 and coding.unmatched == 1
    cap, trust, silo = coding.themes
    assert (cap.id, cap.name, cap.n, cap.pct) == ("cap", "Cap", 7, 70.0)
    assert (trust.n, trust.pct) == (2, 20.0)
    assert (silo.n, silo.pct) == (2, 20.0)
    assert coding.theme("trust") is trust
    assert coding.groups == () and coding.ungrouped == 0
    assert all(t.groups == () for t in coding.themes)


def test_per_answer_codes_distinguish_empty_from_unmatched():
    coding = code_answers(ANSWERS, BOOK)
    assert coding.codes[:6] == [("cap",), ("trust", "silo"), None, (), ("cap", "trust"), None]
    assert len(coding.codes) == len(ANSWERS)


def test_examples_are_the_first_five_in_data_order():
    coding = code_answers(ANSWERS, BOOK)
    assert coding.theme("cap").examples == (
        "Training is lacking",
        "skills; trust",
        "more training",
        "training, training",
        "skills again",
    )
    assert coding.theme("silo").examples == ("trust and silos", "silo mentality")
    assert code_answers(ANSWERS, BOOK, max_examples=1).theme("cap").examples == (
        "Training is lacking",
    )


def test_per_group_counts_and_percentages():
    coding = code_answers(ANSWERS, BOOK, GROUPS)
    # numeric labels would sort as numbers, but 'a' and 'b' make this text order
    assert [g.group for g in coding.groups] == ["10", "2", "a", "b"]
    by_group = {g.group: g for g in coding.groups}
    assert (by_group["a"].answers, by_group["a"].nonempty, by_group["a"].unmatched) == (3, 2, 0)
    assert (by_group["b"].answers, by_group["b"].nonempty, by_group["b"].unmatched) == (2, 2, 1)
    assert (by_group["2"].answers, by_group["2"].nonempty) == (5, 5)  # 2.0 is group "2"
    assert (by_group["10"].answers, by_group["10"].nonempty) == (1, 0)
    assert coding.ungrouped == 1
    cap = {s.group: s for s in coding.theme("cap").groups}
    assert (cap["a"].n, cap["a"].base, cap["a"].pct) == (1, 2, 50.0)
    assert (cap["b"].n, cap["b"].base, cap["b"].pct) == (1, 2, 50.0)
    assert (cap["2"].n, cap["2"].pct) == (5, 100.0)
    assert cap["10"].pct is None  # nobody in the group answered
    trust = {s.group: s.pct for s in coding.theme("trust").groups}
    assert trust == {"10": None, "2": 0.0, "a": 100.0, "b": 0.0}
    # totals still count the answer without a group
    assert coding.theme("silo").n == 2
    assert sum(s.n for s in coding.theme("silo").groups) == 1


def test_numeric_group_labels_sort_as_numbers():
    coding = code_answers(["training"] * 3, BOOK, [10, 2, "1"])
    assert [g.group for g in coding.groups] == ["1", "2", "10"]


def test_cooccurrence_counts_respondents_mentioning_both():
    coding = code_answers(ANSWERS, BOOK)
    assert coding.cooccurrence == ((7, 1, 0), (1, 2, 1), (0, 1, 2))
    assert coding.both("trust", "silo") == 1 and coding.both("cap", "silo") == 0
    assert coding.both("cap", "cap") == coding.theme("cap").n


def test_no_answers_at_all():
    coding = code_answers([None, "", 5], BOOK, ["a", "a", "b"])
    assert coding.nonempty == 0 and coding.unmatched == 0
    assert all(t.pct is None and t.n == 0 for t in coding.themes)
    assert coding.codes == [None, None, None]
    coding = code_answers([], BOOK)
    assert coding.answers == 0 and coding.cooccurrence == ((0, 0, 0),) * 3


def test_groups_must_match_the_answers():
    with pytest.raises(ValueError, match="2 group labels for 3 answers"):
        code_answers(["a", "b", "c"], BOOK, ["x", "y"])


def test_a_codebook_or_a_compiled_matcher_give_the_same_coding():
    assert code_answers(ANSWERS, BOOK, GROUPS) == code_answers(ANSWERS, ThemeMatcher(BOOK), GROUPS)


def test_parsed_codebook_codes_like_the_built_one():
    parsed = parse_codebook(
        "id: t\nthemes:\n  - {id: cap, name: Cap, patterns: [training, 'skill*']}\n"
        "  - {id: trust, name: Trust, patterns: ['trust*']}\n"
        "  - {id: silo, name: Silo, patterns: ['silo*']}\n",
        "t.yaml",
    )
    assert code_answers(ANSWERS, parsed).codes == code_answers(ANSWERS, BOOK).codes


WORDS = ["training", "Skills", "trust", "TRUSTED", "silo", "silos", "none", "other", "-", "é"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.floats(allow_nan=True),
            st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join),
            st.text(max_size=20),
        ),
        max_size=40,
    ),
    st.data(),
)
def test_tables_agree_with_the_per_answer_codes(answers, data):
    groups = data.draw(
        st.lists(st.sampled_from(["a", "b", None]), min_size=len(answers), max_size=len(answers))
    )
    coding = code_answers(answers, BOOK, groups)
    matcher = ThemeMatcher(BOOK)
    assert coding.codes == [matcher.themes_of(a) for a in answers]
    coded = [c for c in coding.codes if c is not None]
    assert coding.nonempty == len(coded)
    assert coding.unmatched == sum(1 for c in coded if not c)
    for i, t in enumerate(coding.themes):
        assert t.n == sum(t.id in c for c in coded) == coding.cooccurrence[i][i]
        assert t.pct is None if not coded else t.pct == pytest.approx(100 * t.n / len(coded))
        assert len(t.examples) == min(5, t.n)
        assert sum(s.n for s in t.groups) <= t.n
        for s in t.groups:
            assert s.pct is None or 0 <= s.pct <= 100
    both = np.array(coding.cooccurrence)
    assert (both == both.T).all()
    assert sum(g.answers for g in coding.groups) + coding.ungrouped == len(answers)
