"""The eight built-in instruments: each loads, lists, analyses its bundled sample, becomes an
XLSForm, and has the structure its source gives it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ipss_survey.cli import app
from ipss_survey.fielding.xlsform import xlsform_bytes
from ipss_survey.instrument import builtin_ids, builtin_instrument, sample_path
from ipss_survey.instrument.codebook import builtin_codebook_ids
from ipss_survey.instrument.model import PROVENANCES
from ipss_survey.pipeline import Options, analyze
from tests.xlsforms import converts

# id: (item count, dimension count, group column of its bundled sample)
BUILTINS = {
    "cgr-performance": (36, 3, "regime"),
    "collaborative-pa": (17, 5, "province"),
    "dt-social-value": (33, 2, "local_government"),
    "dtcaf": (94, 6, "ministry"),
    "ipss-senior-managers": (31, 6, "municipality"),
    "isdip": (22, 5, "department"),
    "smart-governance": (32, 4, "agency"),
    "un-cepa": (62, 3, "institution"),
}
# The instruments built from the sources' frameworks: every statement says where it comes from.
FRAMEWORKS = sorted(set(BUILTINS) - {"dtcaf", "ipss-senior-managers"})


def subdimensions(inst, dimension: str) -> list[tuple[str, int]]:
    return [(c.name, len(c.items)) for c in inst.constructs if c.parent == dimension]


@pytest.mark.parametrize("iid", sorted(BUILTINS))
def test_every_built_in_loads_with_its_counts(iid):
    inst = builtin_instrument(iid)
    items, dimensions, _ = BUILTINS[iid]
    assert inst.id == iid
    assert (len(inst.items), len(inst.dimensions)) == (items, dimensions)
    assert inst.source and inst.title


def test_there_are_eight():
    assert builtin_ids() == sorted(BUILTINS)


def test_instruments_list_shows_all_eight_with_their_item_counts():
    result = CliRunner().invoke(app, ["instruments", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].split()[:4] == ["id", "items", "dimensions", "scale"]
    rows = {cells[0]: cells for line in lines[2:] if (cells := line.split())}
    assert sorted(rows) == sorted(BUILTINS)
    for iid, (items, dimensions, _) in BUILTINS.items():
        assert rows[iid][1:4] == [str(items), str(dimensions), "1-5"], rows[iid]
        assert line_of(lines, iid).endswith(builtin_instrument(iid).title)


def line_of(lines: list[str], iid: str) -> str:
    return next(line for line in lines if line.split()[0] == iid)


@pytest.mark.parametrize("iid", FRAMEWORKS)
def test_instruments_show_prints_the_tree(iid):
    result = CliRunner().invoke(app, ["instruments", "show", iid], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    inst = builtin_instrument(iid)
    assert f"{len(inst.items)} items, {len(inst.dimensions)} dimensions" in result.output
    assert inst.items[0].text in result.output


@pytest.mark.parametrize("iid", FRAMEWORKS)
def test_every_statement_names_its_source_and_provenance(iid):
    inst = builtin_instrument(iid)
    for part in (*inst.items, *inst.questions):
        assert part.text, part.code
        assert part.source, part.code
        assert part.provenance in PROVENANCES, part.code


@pytest.mark.parametrize("iid", sorted(BUILTINS))
def test_every_built_in_analyses_its_bundled_sample(iid):
    inst = builtin_instrument(iid)
    results = analyze(sample_path(iid), inst, Options(group=BUILTINS[iid][2]))
    errors = [w for w in results.data.warnings if w.code in {"out_of_range", "unmatched_choice"}]
    assert errors == [] or iid == "dtcaf"  # the DTCAF sample holds deliberate oddities
    assert len(results.items) == len(inst.items)
    assert all(c.mean is not None and c.n > 0 for c in results.constructs)
    assert len(results.groups) >= 6


@pytest.mark.parametrize("iid", FRAMEWORKS)
def test_every_framework_sample_has_every_case_analysed_and_a_few_missing_answers(iid):
    results = analyze(sample_path(iid), builtin_instrument(iid), Options(group=BUILTINS[iid][2]))
    assert results.data.rows_excluded == []
    assert results.data.rows_read == results.data.rows_analysed
    assert (
        0
        < sum(i.missing for i in results.items)
        < 0.05 * len(results.items) * (results.data.rows_analysed)
    )
    assert any(w.code == "missing_code" for w in results.data.warnings)
    # Latent-factor answers: each construct's items hang together, as a real scale's would.
    assert all(r.alpha is not None and r.alpha > 0.65 for r in results.reliability)


@pytest.mark.parametrize("iid", FRAMEWORKS)
def test_every_framework_becomes_an_xlsform_pyxform_converts(iid):
    assert converts(xlsform_bytes(builtin_instrument(iid))) == []


def test_cgr_performance_is_the_nine_cell_matrix():
    """Uys & Jessa, figure 3 (Emerson & Nabatchi 2015: 723): performance levels by units of
    analysis, at least three statements a cell."""
    inst = builtin_instrument("cgr-performance")
    assert [d.name for d in inst.dimensions] == [
        "Level one: actions and outputs",
        "Level two: outcomes",
        "Level three: adaptation",
    ]
    cells = [[name for name, _ in subdimensions(inst, d.id)] for d in inst.dimensions]
    assert cells == [
        [
            "Participant organisation: efficiency",
            "Collaborative governance regime: efficacy",
            "Target goals: equity",
        ],
        [
            "Participant organisation: effectiveness",
            "Collaborative governance regime: external legitimacy",
            "Target goals: effectiveness",
        ],
        [
            "Participant organisation: equilibrium",
            "Collaborative governance regime: viability",
            "Target goals: sustainability",
        ],
    ]
    sizes = [n for d in inst.dimensions for _, n in subdimensions(inst, d.id)]
    assert len(sizes) == 9 and min(sizes) >= 3
    assert all(it.provenance == "proposed" for it in inst.items)


def test_smart_governance_has_the_arrangement_and_the_programme_areas():
    """Nur et al., table 1 (after Bolivar & Meijer) and table 3 (Makassar IT governance)."""
    inst = builtin_instrument("smart-governance")
    assert [d.name for d in inst.dimensions] == [
        "Connected organizational process",
        "Use of technology",
        "Innovation capacity",
        "IT governance programme",
    ]
    assert [n for n, _ in subdimensions(inst, "COP")] == [
        "Collaboration and participation",
        "Internal coordination",
        "Decision making",
        "E-administration",
    ]
    assert [n for n, _ in subdimensions(inst, "ITG")] == [
        "Smart ICT governance and management",
        "Smart ICT infrastructure and security",
        "Smart ICT capacity and capability",
    ]
    constructs = [c for c in inst.constructs if not any(x.parent == c.id for x in inst.constructs)]
    assert min(len(c.items) for c in constructs) >= 3


def test_collaborative_pa_asks_the_sources_questions_and_classifies_projects():
    """Kang, Lee & Lee, section 2.2 (criteria) and 2.4 (models, after Lee & Eom 2021)."""
    inst = builtin_instrument("collaborative-pa")
    assert inst.respondent_id == "project_id"
    assert [d.name for d in inst.dimensions] == [
        "Diversity of participants",
        "Policy effects and targets",
        "Resource sharing",
        "Innovation",
        "Sustainability",
    ]
    questions = {q.code: q for q in inst.questions}
    fields = questions["FIELDS"]
    assert fields.type == "select_multiple" and len(fields.options) == 8
    assert [o.label for o in fields.options] == [
        "Education",
        "Community",
        "Culture/tourism",
        "Social welfare",
        "Life/convenience",
        "Safety/security",
        "Regional development/environment",
        "Administrative management",
    ]
    resources = questions["RESOURCES"]
    assert resources.type == "select_multiple"
    codes = [o.code for o in resources.options]
    assert codes == ["budgets", "manpower", "information", "technologies"]
    assert resources.text == (
        "Do collaborative entities share budgets, manpower, information and technologies?"
    )
    (model,) = inst.classifications
    assert [c.id for c in model.classes] == ["social-innovation", "administrative-innovation"]
    assert model.otherwise is not None and model.otherwise.id == "mixed"
    tested = {cond.code for c in model.classes for cond in c.when}
    assert tested == {"TARGET", "PARTICIPANTS", "DURATION"}


def test_dt_social_value_has_three_factors_and_five_tools():
    """Kang, Lee & Lee, table 1.4 (challenges and solutions) and section 3.4 (five tools)."""
    inst = builtin_instrument("dt-social-value")
    assert subdimensions(inst, "DT") == [
        ("Digital leadership", 6),
        ("Digital manpower", 6),
        ("Organizational structure for digital transformation", 6),
    ]
    assert [n for n, _ in subdimensions(inst, "SV")] == [
        "Legislation of social value",
        "Social value exchange",
        "Collaborative governance",
        "Quantification and measurement",
        "Value-driven public servants",
    ]
    for sub in (c for c in inst.constructs if c.parent == "DT"):
        keyed = [inst.item(code).reverse for code in sub.items]
        assert keyed == [True, True, True, False, False, False], sub.id  # challenges reversed
    for sub in (c for c in inst.constructs if c.parent == "SV"):
        # The source's own sentence about the tool first, then two proposed practice statements.
        provenance = [inst.item(code).provenance for code in sub.items]
        assert provenance == ["source", "proposed", "proposed"], sub.id


def test_isdip_has_the_four_domains_and_change_management():
    inst = builtin_instrument("isdip")
    assert [d.name for d in inst.dimensions] == [
        "Technical support",
        "Advocacy",
        "Alignment",
        "Reporting",
        "Change management",
    ]
    assert all(len(d.items) >= 4 for d in inst.dimensions)


UN_CEPA = [
    ("Effectiveness", [("Competence", 8), ("Sound policy-making", 8), ("Collaboration", 5)]),
    ("Accountability", [("Integrity", 7), ("Transparency", 5), ("Independent oversight", 4)]),
    (
        "Inclusiveness",
        [
            ("Leaving no one behind", 4),
            ("Non-discrimination", 7),
            ("Participation", 5),
            ("Subsidiarity", 4),
            ("Intergenerational equity", 5),
        ],
    ),
]


def test_un_cepa_has_the_62_strategies_in_order_under_the_11_principles():
    """The CEPA table (Rabinovitch 2020): 3 dimensions, 11 principles, strategies 1-62."""
    inst = builtin_instrument("un-cepa")
    assert [it.code for it in inst.items] == [f"S{k:02d}" for k in range(1, 63)]
    assert [(d.name, subdimensions(inst, d.id)) for d in inst.dimensions] == UN_CEPA
    subs = [c for c in inst.constructs if c.level == "subdimension"]
    assert len(subs) == 11
    assert [code for c in subs for code in c.items] == [f"S{k:02d}" for k in range(1, 63)]
    assert all(it.provenance == "source" for it in inst.items)
    assert inst.item("S01").text == "Promotion of a professional public sector workforce"
    assert inst.item("S62").text == "Ecosystem management"
    assert inst.scale is not None
    assert inst.scale.labels[1] == "Not in place" and inst.scale.labels[5] == "Fully in place"


def test_the_senior_manager_survey_asks_for_constraints_in_the_managers_own_words():
    inst = builtin_instrument("ipss-senior-managers")
    (question,) = inst.questions
    assert (question.code, question.type, question.codebook) == (
        "CON_OPEN",
        "text",
        "ipss-constraints",
    )
    assert question.codebook in builtin_codebook_ids()
    assert question.dimension == "CON" and question.provenance == "proposed"
