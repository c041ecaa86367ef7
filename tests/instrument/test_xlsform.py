"""Reading an XLSForm as an instrument: what is read, what is inferred, what is refused."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from ipss_survey.errors import InstrumentError
from ipss_survey.instrument.xlsform import (
    ImportNote,
    XlsformImport,
    anchor_side,
    is_other,
    missing_kind,
    read_xlsform,
)
from tests.xlsforms import AGREE5, write_form

SURVEY = ["type", "name", "label"]
CHOICES = ["list_name", "name", "label"]


def read(tmp_path: Path, survey, choices=None, settings=None, **kw) -> XlsformImport:
    return read_xlsform(write_form(tmp_path / "form.xlsx", survey, choices, settings, **kw))


def error_of(tmp_path: Path, survey, choices=None, settings=None) -> str:
    with pytest.raises(InstrumentError) as info:
        read(tmp_path, survey, choices, settings)
    return str(info.value)


def codes(result: XlsformImport) -> set[str]:
    return {n.code for n in result.notes}


def one_item(tmp_path: Path, rows, name="q1", **kw):
    """A form of one question on list ``l`` with the given choice rows (name, label)."""
    survey = [SURVEY, ["select_one l", name, "How is it?"]]
    choices = [CHOICES] + [["l", *r] for r in rows]
    result = read(tmp_path, survey, choices, **kw)
    return result, result.instrument.items[0].scale if result.instrument.items else None


# --- structure ---------------------------------------------------------------------------------


MULTI_SURVEY = [
    ["type", "name", "label::English (en)", "label::Français (fr)", "hint::English (en)"],
    ["start", "start", None, None, None],
    ["begin group", "lead", "Leadership", "Direction", None],
    ["select_one agree5", "q1", "Leaders support change", "Les dirigeants", "hint"],
    ["select_one agree5", "q2", "Vision is clear", "La vision", None],
    ["end group", None, None, None, None],
    ["begin_group", "svc", "Services", "Services", None],
    ["begin group", "quality", "Quality", "Qualité", None],
    ["select_one qual", "q3", "Quality of service", "Qualité du service", None],
    ["end group", None, None, None, None],
    ["select_multiple chan", "q4", "Channels used", "Canaux", None],
    ["end_group", None, None, None, None],
    ["select_one yn", "q5", "Do you work with partners?", "Partenaires ?", None],
    ["text", "q6", "Comments", "Commentaires", None],
    ["note", "n1", "Thank you", "Merci", None],
    ["calculate", "c1", None, None, None],
]
MULTI_CHOICES = [
    ["list_name", "name", "label::English (en)", "label::Français (fr)"],
    ["agree5", "strongly_disagree", "Strongly disagree", "Pas du tout d'accord"],
    ["agree5", "disagree", "Disagree", "Pas d'accord"],
    ["agree5", "neutral", "Neither agree nor disagree", "Ni d'accord ni pas d'accord"],
    ["agree5", "agree", "Agree", "D'accord"],
    ["agree5", "strongly_agree", "Strongly agree", "Tout à fait d'accord"],
    ["agree5", "dont_know", "Don't know", "Ne sait pas"],
    ["qual", "excellent", "Excellent", "Excellent"],
    ["qual", "good", "Good", "Bon"],
    ["qual", "fair", "Fair", "Moyen"],
    ["qual", "poor", "Poor", "Mauvais"],
    ["qual", "very_poor", "Very poor", "Très mauvais"],
    ["yn", "yes", "Yes", "Oui"],
    ["yn", "no", "No", "Non"],
    ["chan", "web", "Website", "Site web"],
    ["chan", "phone", "Phone", "Téléphone"],
]


def test_groups_become_dimensions_and_nested_groups_sub_dimensions(tmp_path):
    result = read(tmp_path, MULTI_SURVEY, MULTI_CHOICES, {"form_id": "svc_survey"})
    inst = result.instrument
    assert [(c.id, c.level, c.parent, c.items) for c in inst.constructs] == [
        ("lead", "dimension", None, ("q1", "q2")),
        ("svc", "dimension", None, ("q3",)),
        ("quality", "subdimension", "svc", ("q3",)),
        ("svc_survey", "dimension", None, ("q5",)),  # outside any group: named after the form
    ]
    assert [c.name for c in inst.constructs][:3] == ["Leadership", "Services", "Quality"]
    assert [i.code for i in inst.items] == ["q1", "q2", "q3", "q5"]
    assert inst.item("q3").dimension == "svc" and inst.item("q3").subdimension == "quality"
    assert inst.item("q1").text == "Leaders support change"
    assert inst.id == "svc_survey" and inst.origin == str(tmp_path / "form.xlsx")
    assert "ungrouped_items" in codes(result)


def test_questions_that_are_not_rated(tmp_path):
    inst = read(tmp_path, MULTI_SURVEY, MULTI_CHOICES).instrument
    by_code = {q.code: q for q in inst.questions}
    multi = by_code["q4"]
    assert multi.type == "select_multiple" and multi.dimension == "svc"
    assert [(o.code, o.labels) for o in multi.options] == [
        ("web", ("Website", "Site web")),
        ("phone", ("Phone", "Téléphone")),
    ]
    assert by_code["q6"].type == "text" and by_code["q6"].options == ()
    assert set(by_code) == {"q4", "q6"}


def test_rows_that_are_not_questions_are_listed_in_a_note(tmp_path):
    result = read(tmp_path, MULTI_SURVEY, MULTI_CHOICES)
    (note,) = [n for n in result.notes if n.code == "rows_ignored"]
    assert "1 start" in note.message and "1 note" in note.message and "1 calculate" in note.message


def test_every_language_and_the_choice_names_are_accepted_default_language_first(tmp_path):
    inst = read(tmp_path, MULTI_SURVEY, MULTI_CHOICES).instrument
    scale = inst.item("q1").scale
    assert scale.points == (1, 2, 3, 4, 5)
    assert scale.labels[5] == "Strongly agree"
    assert scale.aliases[5] == ("Strongly agree", "Tout à fait d'accord", "strongly_agree")
    assert scale.aliases[2] == ("Disagree", "Pas d'accord")  # the name "disagree" is the label
    assert scale.missing == (98,) and scale.aliases[98][:2] == ("Don't know", "Ne sait pas")


def test_the_settings_default_language_comes_first(tmp_path):
    settings = {"form_id": "f", "default_language": "Français (fr)"}
    inst = read(tmp_path, MULTI_SURVEY, MULTI_CHOICES, settings).instrument
    assert inst.item("q1").scale.labels[5] == "Tout à fait d'accord"
    assert inst.item("q1").scale.aliases[5][1] == "Strongly agree"
    assert inst.item("q1").text == "Les dirigeants"
    assert inst.constructs[0].name == "Direction"


def test_a_default_language_given_by_its_code_only(tmp_path):
    settings = {"form_id": "f", "default_language": "fr"}
    inst = read(tmp_path, MULTI_SURVEY, MULTI_CHOICES, settings).instrument
    assert inst.item("q5").scale.labels[2] == "Oui"


def test_settings_give_id_title_and_version(tmp_path):
    settings = {"form_title": "Service survey", "form_id": "svc2024", "version": 2024}
    inst = read(tmp_path, MULTI_SURVEY, MULTI_CHOICES, settings).instrument
    assert (inst.id, inst.title, inst.version) == ("svc2024", "Service survey", "2024")


def test_without_settings_the_form_is_named_after_its_file(tmp_path):
    inst = read(tmp_path, MULTI_SURVEY, MULTI_CHOICES).instrument
    assert inst.id == "form" and inst.title == "form" and inst.version == ""


def test_groups_nested_deeper_than_two_are_flattened_into_the_sub_dimension(tmp_path):
    survey = [
        SURVEY,
        ["begin group", "a", "A"],
        ["begin group", "b", "B"],
        ["begin group", "c", "C"],
        ["select_one agree5", "q1", "One"],
        ["end group"],
        ["select_one agree5", "q2", "Two"],
        ["end group"],
        ["end group"],
    ]
    result = read(tmp_path, survey, AGREE5)
    inst = result.instrument
    assert inst.item("q1").subdimension == "b" and inst.item("q2").subdimension == "b"
    assert "groups_flattened" in codes(result)


def test_a_group_holding_questions_and_groups_puts_its_own_in_a_sub_dimension(tmp_path):
    survey = [
        SURVEY,
        ["begin group", "a", "Alpha"],
        ["select_one agree5", "q1", "One"],
        ["begin group", "b", "Beta"],
        ["select_one agree5", "q2", "Two"],
        ["end group"],
        ["end group"],
    ]
    result = read(tmp_path, survey, AGREE5)
    inst = result.instrument
    assert [(c.id, c.level, c.items) for c in inst.constructs] == [
        ("a", "dimension", ("q1", "q2")),
        ("a-items", "subdimension", ("q1",)),
        ("b", "subdimension", ("q2",)),
    ]
    assert "direct_items" in codes(result)


def test_sub_groups_of_one_name_in_two_groups_get_distinct_ids(tmp_path):
    survey = [
        SURVEY,
        ["begin group", "lea", "Leadership"],
        ["begin group", "data", "Data"],
        ["select_one agree5", "q1", "One"],
        ["end group"],
        ["end group"],
        ["begin group", "str", "Strategy"],
        ["begin group", "data", "Data"],
        ["select_one agree5", "q2", "Two"],
        ["end group"],
        ["end group"],
    ]
    inst = read(tmp_path, survey, AGREE5).instrument
    assert inst.item("q1").subdimension == "data"
    assert inst.item("q2").subdimension == "str-data"


def test_groups_without_rating_questions_are_not_dimensions(tmp_path):
    survey = [
        SURVEY,
        ["begin group", "intro", "Introduction"],
        ["note", "hello", "Welcome"],
        ["text", "role", "Your role"],
        ["end group"],
        ["begin group", "a", "A"],
        ["select_one agree5", "q1", "One"],
        ["end group"],
    ]
    inst = read(tmp_path, survey, AGREE5).instrument
    assert [c.id for c in inst.constructs] == ["a"]
    assert inst.questions[0].code == "role" and inst.questions[0].dimension is None


def test_questions_inside_repeats_are_not_read(tmp_path):
    survey = [
        SURVEY,
        ["select_one agree5", "q1", "One"],
        ["begin repeat", "members", "Members"],
        ["select_one agree5", "q2", "Two"],
        ["end repeat"],
    ]
    result = read(tmp_path, survey, AGREE5)
    assert [i.code for i in result.instrument.items] == ["q1"]
    assert "repeat_ignored" in {n.code for n in result.warnings}


def test_a_text_question_named_like_a_respondent_id_is_the_id_column(tmp_path):
    survey = [
        SURVEY,
        ["text", "respondent_id", "Questionnaire number"],
        ["select_one agree5", "q1", "x"],
    ]
    result = read(tmp_path, survey, AGREE5)
    assert result.instrument.respondent_id == "respondent_id"
    assert result.instrument.questions == ()
    assert "respondent_id" in codes(result)


def test_html_in_labels_is_dropped(tmp_path):
    survey = [SURVEY, ["select_one agree5", "q1", '<span style="color:red">Leaders</span> act']]
    inst = read(tmp_path, survey, AGREE5).instrument
    assert inst.item("q1").text == "Leaders act"


def test_a_label_that_is_only_the_name_is_no_statement(tmp_path):
    survey = [SURVEY, ["select_one agree5", "LEA01", "LEA01"]]
    assert read(tmp_path, survey, AGREE5).instrument.item("LEA01").text == ""


# --- codes and direction -----------------------------------------------------------------------


def test_integer_names_are_the_codes(tmp_path):
    rows = [["1", "Strongly disagree"], ["2", "Disagree"], ["3", "Agree"], ["4", "Strongly agree"]]
    result, scale = one_item(tmp_path, rows)
    assert scale.points == (1, 2, 3, 4) and scale.agree == (3, 4) and scale.neutral == ()
    assert scale.aliases[1] == ("Strongly disagree",)  # the name "1" is the code, not an alias
    assert "direction_guessed" not in codes(result)


def test_integer_names_favourable_first_keep_their_codes_and_agree_at_the_low_end(tmp_path):
    rows = [
        [1, "Strongly agree"],
        [2, "Agree"],
        [3, "Neutral"],
        [4, "Disagree"],
        [5, "Strongly disagree"],
    ]
    result, scale = one_item(tmp_path, rows)
    assert scale.points == (1, 2, 3, 4, 5) and scale.labels[1] == "Strongly agree"
    assert scale.agree == (1, 2) and scale.neutral == (3,) and scale.agree_side == "low"
    assert "direction_guessed" in codes(result)


def test_text_names_are_coded_by_position(tmp_path):
    rows = [
        ["never", "Never"],
        ["sometimes", "Sometimes"],
        ["often", "Often"],
        ["always", "Always"],
    ]
    result, scale = one_item(tmp_path, rows)
    assert {c: scale.labels[c] for c in scale.points} == {
        1: "Never",
        2: "Sometimes",
        3: "Often",
        4: "Always",
    }
    assert scale.aliases[1] == ("Never",)
    assert "direction_guessed" not in codes(result)


@pytest.mark.parametrize(
    "rows",
    [
        [["exc", "Excellent"], ["vg", "Very good"], ["g", "Good"], ["f", "Fair"], ["p", "Poor"]],
        [["sa", "Strongly agree"], ["a", "Agree"], ["d", "Disagree"], ["sd", "Strongly disagree"]],
        [["a", "Tout à fait d'accord"], ["b", "Plutôt d'accord"], ["c", "Pas du tout d'accord"]],
        [
            ["a", "Muy satisfecho"],
            ["b", "Satisfecho"],
            ["c", "Insatisfecho"],
            ["d", "Muy insatisfecho"],
        ],
        [["yes", "Yes"], ["no", "No"]],
    ],
)
def test_a_list_with_the_favourable_answer_first_is_coded_favourable_highest(tmp_path, rows):
    result, scale = one_item(tmp_path, rows)
    n = len(rows)
    assert scale.labels[n] == rows[0][1] and scale.labels[1] == rows[-1][1]
    assert scale.agree_side == "high"
    (note,) = [x for x in result.notes if x.code == "direction_guessed"]
    assert rows[0][1] in note.message and note.level == "note"


def test_an_undecidable_direction_is_a_warning_and_keeps_list_order(tmp_path):
    rows = [["a", "Red"], ["b", "Amber"], ["c", "Green"]]
    result, scale = one_item(tmp_path, rows, name="traffic")
    assert {c: scale.labels[c] for c in scale.points} == {1: "Red", 2: "Amber", 3: "Green"}
    assert scale.agree == (3,)
    assert "direction_unknown" in {n.code for n in result.warnings}


def test_numbered_labels_are_read_past_their_numbers(tmp_path):
    rows = [
        ["a", "5 - Strongly agree"],
        ["b", "4"],
        ["c", "3"],
        ["d", "2"],
        ["e", "1 - Strongly disagree"],
    ]
    _, scale = one_item(tmp_path, rows)
    assert scale.labels[5] == "5 - Strongly agree"


# --- agreement, neutral, missing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "agree", "neutral"),
    [
        (["No", "Yes"], (2,), ()),
        (["None", "Some", "Good"], (3,), (2,)),
        (["Never", "Rarely", "Often", "Always"], (3, 4), ()),
        (["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"], (4, 5), (3,)),
        (["Strongly disagree", "2", "3", "4", "5", "6", "Strongly agree"], (6, 7), (4,)),
    ],
)
def test_agreement_is_guessed_from_the_favourable_end(tmp_path, labels, agree, neutral):
    rows = [[f"c{i}", label] for i, label in enumerate(labels)]
    result, scale = one_item(tmp_path, rows)
    assert scale.agree == agree and scale.neutral == neutral
    (note,) = [n for n in result.notes if n.code == "agree_guessed"]
    assert note.message.startswith("agreement codes guessed:")
    assert note.scope == "scale" and note.subjects == ("q1",)


@pytest.mark.parametrize(
    ("name", "label", "code"),
    [
        ("dont_know", "Don't know", 98),
        ("prefer_not_answer", "Prefer not to answer", 99),
        ("refused", "Refused", 99),
        ("na", "N/A", 97),
        ("no_sabe", "No sabe", 98),
        ("x9", "Ne sait pas", 98),
        ("x8", "Não se aplica", 97),
        ("x7", "Weet nie", 98),
    ],
)
def test_no_answer_choices_get_missing_codes_by_kind(tmp_path, name, label, code):
    rows = [
        ["sd", "Strongly disagree"],
        ["d", "Disagree"],
        ["a", "Agree"],
        ["sa", "Strongly agree"],
    ]
    result, scale = one_item(tmp_path, [*rows, [name, label]])
    assert scale.points == (1, 2, 3, 4)
    assert scale.missing == (code,) and scale.labels[code] == label
    assert "missing_guessed" in codes(result)


def test_a_numeric_no_answer_name_is_its_code(tmp_path):
    rows = [["1", "Disagree"], ["2", "Agree"], ["9", "Don't know"], ["-8", "Refused"]]
    _, scale = one_item(tmp_path, rows)
    assert scale.points == (1, 2) and scale.missing == (9, -8)


def test_two_no_answer_choices_of_one_kind_get_distinct_codes(tmp_path):
    rows = [
        ["d", "Disagree"],
        ["a", "Agree"],
        ["dk", "Don't know"],
        ["ns", "Not sure / don't know"],
    ]
    _, scale = one_item(tmp_path, rows)
    assert scale.missing == (98, 97)


# --- lists that are not rating scales ----------------------------------------------------------


def test_long_lists_places_and_other_choices_make_categorical_questions(tmp_path):
    survey = [
        SURVEY,
        ["select_one many", "sector", "Sector"],
        ["select_one muni", "muni", "Municipality"],
        ["select_one channel", "chan", "Main channel"],
        ["select_one agree5", "q1", "One"],
        ["select_one agree5 or_other", "q2", "Two"],
    ]
    choices = [
        *AGREE5,
        *[["many", f"s{i}", f"Sector {i}"] for i in range(12)],
        ["muni", "cpt", "Cape Town"],
        ["muni", "stb", "Stellenbosch"],
        ["channel", "web", "Web"],
        ["channel", "office", "Office"],
        ["channel", "other", "Other (specify)"],
    ]
    result = read(tmp_path, survey, choices)
    inst = result.instrument
    assert [i.code for i in inst.items] == ["q1"]
    by_code = {q.code: q for q in inst.questions}
    assert {c: q.type for c, q in by_code.items()} == dict.fromkeys(
        ["sector", "muni", "chan", "q2"], "categorical"
    )
    assert by_code["muni"].options[0].code == "cpt"
    assert by_code["muni"].options[0].labels == ("Cape Town",)
    notes = [n for n in result.notes if n.code == "categorical"]
    assert {n.subjects for n in notes} == {("sector",), ("muni",), ("chan",), ("q2",)}


def test_a_directional_list_is_a_scale_whatever_its_question_is_called(tmp_path):
    survey = [SURVEY, ["select_one agree5", "area_support", "Support in my area"]]
    inst = read(tmp_path, survey, AGREE5).instrument
    assert [i.code for i in inst.items] == ["area_support"]


# --- the project's own columns -----------------------------------------------------------------


def test_custom_columns_win_over_the_guesses(tmp_path):
    survey = [
        [
            *SURVEY,
            *("ipss_code", "ipss_reverse", "ipss_dimension", "ipss_subdimension", "ipss_source"),
            *("ipss_provenance", "ipss_type", "ipss_text_incomplete"),
        ],
        ["begin group", "g1", "Group one", None, None, "DIM-A", None, None, None, None, None],
        [
            *("select_one sat", "q_1", "Satisfied?", "Q1", "true", None, None, "Paper 2020"),
            *("source", None, "TRUE"),
        ],
        [
            "select_one sat",
            "q_2",
            "Happy?",
            None,
            "no",
            "DIM-B",
            "SUB-B1",
            None,
            "proposed",
            None,
            None,
        ],
        ["end group"] + [None] * 10,
        [
            "select_one colours",
            "q_3",
            "Colour",
            None,
            None,
            "DIM-A",
            None,
            None,
            None,
            "item",
            None,
        ],
        ["select_one sat", "q_4", "Sat 4", None, None, None, None, None, None, "categorical", None],
    ]
    choices = [
        [*CHOICES, "ipss_code", "ipss_agree", "ipss_neutral", "ipss_missing"],
        ["sat", "vs", "Very satisfied", -2, "yes", None, None],
        ["sat", "s", "Satisfied", -1, "yes", None, None],
        ["sat", "n", "Not applicable", 0, None, "yes", "false"],
        ["sat", "d", "Dissatisfied", 1, None, None, None],
        ["sat", "vd", "Very dissatisfied", 2, None, None, None],
        ["sat", "dk", "No idea", 9, None, None, "true"],
        ["colours", "red", "Red", None, None, None, None],
        ["colours", "green", "Green", None, "true", None, None],
    ]
    inst = read(tmp_path, survey, choices).instrument
    q1 = inst.item("Q1")
    assert q1.reverse and q1.text_incomplete and q1.source == "Paper 2020"
    assert q1.provenance == "source" and q1.dimension == "DIM-A"
    scale = q1.scale
    assert scale.points == (-2, -1, 0, 1, 2) and scale.agree == (-2, -1) and scale.neutral == (0,)
    assert scale.missing == (9,) and scale.labels[0] == "Not applicable"
    q2 = inst.item("q_2")
    assert (q2.dimension, q2.subdimension, q2.reverse, q2.provenance) == (
        "DIM-B",
        "SUB-B1",
        False,
        "proposed",
    )
    q3 = inst.item("q_3")
    assert q3.dimension == "DIM-A" and q3.scale.agree == (2,)
    assert [(c.id, c.name) for c in inst.dimensions] == [("DIM-A", "Group one"), ("DIM-B", "DIM-B")]
    assert inst.questions[0].code == "q_4" and inst.questions[0].type == "categorical"


def test_settings_and_maturity_columns(tmp_path):
    settings = {
        "form_id": "f",
        "ipss_id": "my instrument",
        "ipss_source": "A paper",
        "ipss_description": "About it",
        "ipss_scale": "",
        "ipss_maturity_basis": "Equal bands",
    }
    maturity = [["min", "label"], [1, "Low"], [3, "High"]]
    survey = [SURVEY, ["select_one agree5", "q1", "One"]]
    result = read(tmp_path, survey, AGREE5, settings, extra={"ipss_maturity": maturity})
    inst = result.instrument
    assert (
        inst.id == "my-instrument" and inst.source == "A paper" and inst.description == "About it"
    )
    assert inst.scale is None
    assert [(m.min, m.label) for m in inst.maturity] == [(1.0, "Low"), (3.0, "High")]
    assert inst.maturity_basis == "Equal bands"


def test_an_alias_used_for_two_codes_is_kept_for_the_first_only(tmp_path):
    rows = [["d", "Disagree", "Non"], ["a", "Agree", "Non"]]
    survey = [SURVEY, ["select_one l", "q1", "x"]]
    choices = [[*CHOICES, "label::fr"]] + [["l", *r] for r in rows]
    result = read(tmp_path, survey, choices)
    scale = result.instrument.items[0].scale
    assert scale.aliases[1] == ("Disagree", "Non", "d") and scale.aliases[2] == ("Agree", "a")
    assert "alias_dropped" in {n.code for n in result.warnings}


# --- errors ------------------------------------------------------------------------------------


def test_a_workbook_without_a_survey_sheet(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.save(tmp_path / "data.xlsx")
    with pytest.raises(InstrumentError) as info:
        read_xlsform(tmp_path / "data.xlsx")
    assert "no 'survey' sheet" in str(info.value) and "Data" in str(info.value)


@pytest.mark.parametrize(
    ("survey", "choices", "words"),
    [
        (
            [SURVEY, ["select_one agree5", "q1", "a"], ["select_one agree5", "Q1", "b"]],
            AGREE5,
            ["survey row 3 (name: Q1)", "already used at survey row 2"],
        ),
        (
            [SURVEY, ["select_one nolist", "q1", "a"]],
            AGREE5,
            ["survey row 2 (name: q1)", "'nolist' has no choices", "agree5"],
        ),
        (
            [SURVEY, ["select_one agree5", "q1", "a"]],
            None,
            ["survey row 2 (name: q1)", "no 'choices' sheet"],
        ),
        (
            [SURVEY, ["begin group", "g", "G"], ["select_one agree5", "q1", "a"]],
            AGREE5,
            ["survey row 2 (name: g)", "no matching 'end group'"],
        ),
        (
            [SURVEY, ["select_one agree5", "q1", "a"], ["end group", None, None]],
            AGREE5,
            ["survey row 3", "no 'begin group'"],
        ),
        (
            [SURVEY, ["select_one agree5", None, "a"]],
            AGREE5,
            ["survey row 2", "needs a 'name'"],
        ),
        (
            [SURVEY, ["text", "t", "Comments"]],
            AGREE5,
            ["no rating questions"],
        ),
        (
            [[*SURVEY, "ipss_reverse"], ["select_one agree5", "q1", "a", "maybe"]],
            AGREE5,
            ["survey row 2 (name: q1), column ipss_reverse", "true or false", "'maybe'"],
        ),
        (
            [SURVEY, ["select_one agree5", "q1", "a"]],
            [*AGREE5, ["agree5", "agree", "Agree again"]],
            ["choices row 7 (list agree5, name: agree)", "used twice"],
        ),
        (
            [SURVEY, ["select_one l", "q1", "a"]],
            [[*CHOICES, "ipss_code"], ["l", "a", "A", 1], ["l", "b", "B", None]],
            ["choices row 3 (list l, name: b)", "give every choice"],
        ),
        (
            [SURVEY, ["select_one l", "q1", "a"]],
            [[*CHOICES, "ipss_code"], ["l", "a", "A", "one"], ["l", "b", "B", 2]],
            ["choices row 2 (list l, name: a), column ipss_code", "whole-number code"],
        ),
        (
            [[*SURVEY, "ipss_reverse"], ["select_one l", "q1", "a", "true"]],
            [[*CHOICES, "ipss_code"], ["l", "a", "A", 1], ["l", "b", "B", 2], ["l", "c", "C", 5]],
            ["column ipss_reverse", "not symmetric"],
        ),
        (
            [SURVEY, ["select_one l", "q1", "a"]],
            [[*CHOICES, "ipss_agree"], ["l", "a", "Low", "false"], ["l", "b", "High", "false"]],
            ["(list l)", "marks ipss_agree on no choice"],
        ),
    ],
)
def test_forms_that_cannot_be_read_name_the_sheet_and_row(tmp_path, survey, choices, words):
    message = error_of(tmp_path, survey, choices)
    assert message.startswith(str(tmp_path / "form.xlsx"))
    for w in words:
        assert w in message, message


def test_files_that_are_not_xlsx_workbooks(tmp_path):
    with pytest.raises(InstrumentError, match="no such file"):
        read_xlsform(tmp_path / "missing.xlsx")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InstrumentError, match=r"save it as \.xlsx"):
        read_xlsform(tmp_path / "old.xls")
    (tmp_path / "text.xlsx").write_text("type,name\n")
    with pytest.raises(InstrumentError, match=r"not an \.xlsx workbook"):
        read_xlsform(tmp_path / "text.xlsx")


# --- the vocabularies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("Strongly agree", "favourable"),
        ("strongly_agree", "favourable"),
        ("5 - Strongly Agree", "favourable"),
        ("(1) Never", "unfavourable"),
        ("Très mauvais", "unfavourable"),
        ("Totalmente de acuerdo", "favourable"),
        ("Discordo totalmente", "unfavourable"),
        ("Stimme überhaupt nicht zu", "unfavourable"),
        ("Stem sterk saam", "favourable"),
        ("Sometimes", None),
        ("Cape Town", None),
    ],
)
def test_anchor_vocabulary(text, side):
    assert anchor_side([text]) == side


def test_missing_and_other_vocabularies():
    assert missing_kind(["Don\u2019t know"]) == "dont_know"  # a typographic apostrophe
    assert missing_kind(["Don't know / can't say"]) == "dont_know"
    assert missing_kind(["NS/NR"]) == "refused"
    assert missing_kind(["Agree"]) is None
    assert is_other(["Other, please specify"]) and is_other(["other_specify"])
    assert not is_other(["Mother"])


def test_import_note_reads_as_a_code_and_a_message():
    note = ImportNote("direction_guessed", "list 'q' lists the favourable answer first")
    code, message, *_ = note
    assert code == "direction_guessed" and message.startswith("list 'q'")
    assert note.level == "note" and note.scope == "form"
