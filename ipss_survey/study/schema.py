"""The study format as a JSON Schema (draft 2020-12), made from the key tables of ``spec``.

``ipss-survey schema study`` prints it; with the YAML language server, a first line
``# yaml-language-server: $schema=study.schema.json`` makes an editor complete and check a
study file as it is typed. Each key's description, type and limits come from the same
``Key`` the loader reads it by, so the two cannot drift apart; rules that span keys (names
unique, one label per file) are the loader's.
"""

from __future__ import annotations

import json
from typing import Any

from ipss_survey.errors import SurveyError
from ipss_survey.instrument.schema import instrument_schema
from ipss_survey.study.spec import (
    ANALYSIS_KEYS,
    COMPARISON_KEYS,
    DEFAULT_KEYS,
    NAME_PATTERN,
    TOP_KEYS,
    Key,
)

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _one_or_list(item: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [item, {"type": "array", "items": item, "minItems": 1}]}


def _formats(choices: tuple[str, ...]) -> dict[str, Any]:
    words = "|".join(("all", *choices))
    listed = rf"^\s*({words})\s*(,\s*({words})\s*)*$"
    return {
        "anyOf": [
            {"type": "string", "pattern": listed},
            {"type": "array", "items": {"enum": ["all", *choices]}, "minItems": 1},
        ]
    }


def key_schema(key: Key) -> dict[str, Any]:
    """One key's schema: its description, and the values its kind takes."""
    text = {"type": "string", "minLength": 1}
    kinds: dict[str, dict[str, Any]] = {
        "text": text,
        "path": text,
        "number": {"type": "number", **key.bounds},
        "integer": {"type": "integer", **key.bounds},
        "boolean": {"type": "boolean"},
        "choice": {"enum": list(key.choices)},
        "texts": _one_or_list(text),
        "formats": _formats(key.choices),
        "target": {"anyOf": [text, {"type": "number", "minimum": 0, "maximum": 100}]},
        "paths": {"type": "array", "items": text, "minItems": 2},
        "instruments": _one_or_list(text),
        "labels": {"anyOf": [text, {"type": "array", "items": {"type": ["string", "number"]}}]},
    }
    out: dict[str, Any] = {"description": key.about}
    if key.name == "name":
        out.update({"type": "string", "pattern": NAME_PATTERN})
    else:
        out.update(kinds[key.kind])
    return out


def _object(keys: tuple[Key, ...], about: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "description": about,
        "properties": {k.name: key_schema(k) for k in keys},
        "additionalProperties": False,
    }
    required = [k.name for k in keys if k.required]
    if required:
        out["required"] = required
    return out


def study_schema() -> dict[str, Any]:
    """The study format (``docs/study-format.md``) as a JSON Schema."""
    top = {k.name: k for k in TOP_KEYS}
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": "urn:ipss-survey:study:1",
        "title": "ipss-survey study",
        "description": "Analyses and wave comparisons run by 'ipss-survey run STUDY.yaml'; "
        "keys are analyze's and compare's long options with underscores for dashes.",
        "type": "object",
        "properties": {
            "title": key_schema(top["title"]),
            "out": key_schema(top["out"]),
            "defaults": {"description": top["defaults"].about, "$ref": "#/$defs/defaults"},
            "analyses": {
                "description": top["analyses"].about,
                "type": "array",
                "items": {"$ref": "#/$defs/analysis"},
            },
            "comparisons": {
                "description": top["comparisons"].about,
                "type": "array",
                "items": {"$ref": "#/$defs/comparison"},
            },
        },
        "additionalProperties": False,
        "anyOf": [{"required": ["analyses"]}, {"required": ["comparisons"]}],
        "$defs": {
            "defaults": _object(DEFAULT_KEYS, top["defaults"].about),
            "analysis": _object(
                ANALYSIS_KEYS, "An analysis: 'ipss-survey analyze' with these options."
            ),
            "comparison": _object(
                COMPARISON_KEYS, "A comparison of waves: 'ipss-survey compare' with these options."
            ),
        },
    }


SCHEMAS = {"instrument": instrument_schema, "study": study_schema}


def schema_text(kind: str) -> str:
    """``ipss-survey schema KIND``: the schema of ``instrument`` or ``study`` as JSON text."""
    if kind not in SCHEMAS:
        raise SurveyError(f"schema: no format {kind!r}; choose {' or '.join(SCHEMAS)}")
    return json.dumps(SCHEMAS[kind](), indent=2, ensure_ascii=False) + "\n"
