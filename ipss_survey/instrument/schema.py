"""The instrument format as a JSON Schema (draft 2020-12), for editors that check YAML.

``ipss-survey schema instrument`` prints it; with the YAML language server, a first line
``# yaml-language-server: $schema=instrument.schema.json`` makes an editor complete and check
an instrument file as it is typed. The schema says what the loader (``loader.py``) accepts key
by key, and a test holds the two together (every key of the schema is accepted by the
loader, every key the loader accepts is in the schema). Rules that span keys (an ``agree``
code must be one of ``points``, codes are unique) are the loader's alone: ``ipss-survey
instruments check FILE`` says them with the file and key path.
"""

from __future__ import annotations

from typing import Any

from ipss_survey.instrument.model import (
    CATEGORICAL_TESTS,
    DIRECTIONS,
    ITEM_TESTS,
    MULTIPLE_TESTS,
    PROVENANCES,
    QUESTION_TYPES,
)

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
TESTS = tuple(dict.fromkeys(ITEM_TESTS + CATEGORICAL_TESTS + MULTIPLE_TESTS))

_TEXT = {"type": "string"}
_CODE = {"type": "integer", "minimum": -100, "maximum": 100}
_CODES = {"type": "array", "items": _CODE, "uniqueItems": True}
_NAME_OR_NUMBER = {"type": ["string", "number"]}  # YAML reads 2024 as a number; the loader takes it
_LABELS = {"anyOf": [_NAME_OR_NUMBER, {"type": "array", "items": _NAME_OR_NUMBER, "minItems": 1}]}
_ID = {"type": "string", "pattern": r"^\S+$"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _obj(about: str, properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "description": about,
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        out["required"] = list(required)
    return out


def _d(about: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": about, **schema}


def instrument_schema() -> dict[str, Any]:
    """The instrument format (``docs/instrument-format.md``) as a JSON Schema."""
    defs: dict[str, Any] = {
        "scale": _obj(
            "A response scale: ordered codes, their labels, which codes count as agreement, "
            "neutral and no answer.",
            {
                "points": _d(
                    "Ordered response codes, lowest first (at least two, -100 to 100).",
                    {**_CODES, "minItems": 2},
                ),
                "labels": _d(
                    "Text a data file may carry instead of a code: a label, or a list of labels "
                    "(the first is shown), per code.",
                    {
                        "type": "object",
                        "propertyNames": {"pattern": r"^-?[0-9]+$"},
                        "additionalProperties": _LABELS,
                    },
                ),
                "agree": _d("Codes counted as agreement (acceptance).", {**_CODES, "minItems": 1}),
                "neutral": _d("Codes counted as neutral.", _CODES),
                "missing": _d("Codes that mean 'no answer', outside points.", _CODES),
            },
            ("points", "agree"),
        ),
        "item": _d(
            "An item: a bare code (its column name), or a mapping.",
            {
                "anyOf": [
                    {"type": ["string", "integer"]},
                    _obj(
                        "An item with its statement and keying.",
                        {
                            "code": _d("The item's column name.", _NAME_OR_NUMBER),
                            "text": _d("The statement.", _TEXT),
                            "reverse": _d(
                                "Reverse-keyed (min + max - value).", {"type": "boolean"}
                            ),
                            "scale": _ref("scale"),
                            "text_incomplete": _d(
                                "The statement is cut off in the source.", {"type": "boolean"}
                            ),
                            "source": _d("Where the statement comes from.", _TEXT),
                            "provenance": _d(
                                "'source' when quoted, 'proposed' when written for the instrument.",
                                {"enum": list(PROVENANCES)},
                            ),
                        },
                        ("code",),
                    ),
                ]
            },
        ),
        "items": {"type": "array", "items": _ref("item"), "minItems": 1},
        "subdimension": _obj(
            "A sub-dimension: a construct within a dimension.",
            {
                "id": _d("Construct id, unique in the instrument.", _ID),
                "name": _d("Name shown in reports.", _NAME_OR_NUMBER),
                "description": _TEXT,
                "direction": _d("Whether a higher score is better.", {"enum": list(DIRECTIONS)}),
                "scale": _ref("scale"),
                "items": _ref("items"),
            },
            ("id", "items"),
        ),
        "dimension": {
            **_obj(
                "A dimension: its items, or sub-dimensions that hold the items.",
                {
                    "id": _d("Construct id, unique in the instrument.", _ID),
                    "name": _d("Name shown in reports.", _NAME_OR_NUMBER),
                    "description": _TEXT,
                    "direction": _d(
                        "Whether a higher score is better.", {"enum": list(DIRECTIONS)}
                    ),
                    "scale": _ref("scale"),
                    "items": _ref("items"),
                    "subdimensions": {
                        "type": "array",
                        "items": _ref("subdimension"),
                        "minItems": 1,
                    },
                },
                ("id",),
            ),
            "oneOf": [{"required": ["items"]}, {"required": ["subdimensions"]}],
        },
        "level": _obj(
            "A maturity level: the lowest construct mean that reaches it.",
            {"min": {"type": "number"}, "label": _NAME_OR_NUMBER},
            ("min", "label"),
        ),
        "maturity": _obj(
            "Maturity levels on the construct mean, lowest first.",
            {
                "levels": {"type": "array", "items": _ref("level"), "minItems": 1},
                "basis": _d("Where the bands come from.", _TEXT),
            },
            ("levels",),
        ),
        "option": _d(
            "A choice of a question: a bare code, or a code with its label(s).",
            {
                "anyOf": [
                    {"type": ["string", "integer"]},
                    _obj(
                        "A choice with its label(s).",
                        {"code": _NAME_OR_NUMBER, "label": _LABELS},
                        ("code",),
                    ),
                ]
            },
        ),
        "question": _obj(
            "A question that is not scored: multi-select, categorical or open-ended.",
            {
                "code": _d("The question's column name.", _NAME_OR_NUMBER),
                "type": {"enum": list(QUESTION_TYPES)},
                "text": _TEXT,
                "options": {"type": "array", "items": _ref("option")},
                "codebook": _d(
                    "A text question's codebook: a built-in id or a codebook file.", _TEXT
                ),
                "dimension": _d("The dimension reports show the question with.", _TEXT),
                "source": _TEXT,
                "provenance": {"enum": list(PROVENANCES)},
                "coders": _d("Columns of human coders' theme ids.", _LABELS),
            },
            ("code", "type"),
        ),
        "condition": _condition(),
        "conditions": {"type": "array", "items": _ref("condition"), "minItems": 1},
        "class": _obj(
            "A class: the conditions a case must all meet.",
            {
                "id": _ID,
                "name": _NAME_OR_NUMBER,
                "description": _TEXT,
                "when": _ref("conditions"),
            },
            ("id", "when"),
        ),
        "otherwise": _obj(
            "The class of the cases no class holds for.",
            {"id": _ID, "name": _NAME_OR_NUMBER, "description": _TEXT},
            ("id",),
        ),
        "classification": _obj(
            "Rules that sort cases into classes by their answers.",
            {
                "id": _ID,
                "name": _NAME_OR_NUMBER,
                "description": _TEXT,
                "source": _TEXT,
                "classes": {"type": "array", "items": _ref("class"), "minItems": 1},
                "otherwise": _ref("otherwise"),
            },
            ("id", "classes"),
        ),
    }
    top = _obj(
        "An ipss-survey instrument: a questionnaire's response scale and its dimensions, "
        "sub-dimensions and items (docs/instrument-format.md).",
        {
            "id": _d("Short id, used as --instrument ID.", _ID),
            "title": _d("Title for reports.", _NAME_OR_NUMBER),
            "version": _d("The instrument's own version.", _NAME_OR_NUMBER),
            "source": _d("Where it comes from (citation or URL).", _TEXT),
            "description": _TEXT,
            "respondent_id": _d("The column that identifies a respondent.", _NAME_OR_NUMBER),
            "scale": _ref("scale"),
            "dimensions": {"type": "array", "items": _ref("dimension"), "minItems": 1},
            "maturity": _ref("maturity"),
            "questions": {"type": "array", "items": _ref("question")},
            "classifications": {"type": "array", "items": _ref("classification"), "minItems": 1},
        },
        ("id", "dimensions"),
    )
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": "urn:ipss-survey:instrument:1",
        "title": "ipss-survey instrument",
        **top,
        "$defs": defs,
    }


def _condition() -> dict[str, Any]:
    """``{item|question: CODE, TEST: VALUE}``, or ``{all: [...]}`` / ``{any: [...]}``."""
    value = {"type": ["string", "integer"]}
    values = {"anyOf": [value, {"type": "array", "items": value, "minItems": 1}]}
    tests: dict[str, Any] = {
        "equals": _d("The answer is this code (an item) or option (a question).", value),
        "any_of": _d(
            "The answer is one of these.", {"type": "array", "items": value, "minItems": 1}
        ),
        "at_least": _d(
            "An item's code is at least N; a multi-select has at least N options chosen.",
            {"type": "integer"},
        ),
        "at_most": _d(
            "An item's code is at most N; a multi-select has at most N options chosen.",
            {"type": "integer"},
        ),
        "includes": _d("Every option listed was chosen.", values),
        "includes_any": _d("At least one of them was chosen.", values),
        "excludes": _d("None of them was chosen.", values),
    }
    combiners = {
        "all": _d("Every condition holds.", _ref("conditions")),
        "any": _d("At least one condition holds.", _ref("conditions")),
    }
    return {
        "type": "object",
        "description": "One test on an item or a question, or conditions combined.",
        "properties": {
            "item": _d("An item's code.", _NAME_OR_NUMBER),
            "question": _d("A question's code.", _NAME_OR_NUMBER),
            **combiners,
            **tests,
        },
        "additionalProperties": False,
        "oneOf": [
            {"required": ["item"]},
            {"required": ["question"]},
            {"required": ["all"]},
            {"required": ["any"]},
        ],
    }
