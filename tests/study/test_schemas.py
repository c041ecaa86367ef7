"""The JSON Schemas and the loaders agree, key by key (``ipss-survey schema``).

Instrument: every object of the schema has exactly the keys the loader's ``_*_KEYS`` sets
allow; a file that uses every key of the schema loads and conforms; an unknown key is
refused by both. Study: the same against the study loader's key tables, and the tables hold
exactly the long options of ``analyze`` and ``compare`` (underscores for dashes).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import typer.main
import yaml
from typer.testing import CliRunner

from ipss_survey.cli import app
from ipss_survey.errors import InstrumentError
from ipss_survey.instrument import builtin_ids, builtin_text, parse_instrument
from ipss_survey.instrument import loader as instrument_loader
from ipss_survey.instrument.model import COMBINERS
from ipss_survey.instrument.schema import TESTS, instrument_schema
from ipss_survey.study import StudyError, parse_study
from ipss_survey.study.schema import study_schema
from ipss_survey.study.spec import (
    ANALYSIS_KEYS,
    COMPARISON_KEYS,
    DEFAULT_KEYS,
    TOP_KEYS,
    key_names,
)
from tests.paths import DATA, REPO
from tests.study.schema_check import errors, object_schemas

EVERY_KEY = DATA / "instrument-every-key.yaml"
L = instrument_loader

# Each object of the instrument schema, and the loader's set of keys for it.
INSTRUMENT_OBJECTS = {
    "top": L._TOP_KEYS,
    ".$defs.scale": L._SCALE_KEYS,
    ".$defs.item.anyOf[1]": L._ITEM_KEYS,
    ".$defs.subdimension": L._SUBDIMENSION_KEYS,
    ".$defs.dimension": L._DIMENSION_KEYS,
    ".$defs.level": L._LEVEL_KEYS,
    ".$defs.maturity": L._MATURITY_KEYS,
    ".$defs.option.anyOf[1]": L._OPTION_KEYS,
    ".$defs.question": L._QUESTION_KEYS,
    ".$defs.condition": {*L._SUBJECT_KEYS, *COMBINERS, *L._TESTS},
    ".$defs.class": L._CLASS_KEYS,
    ".$defs.otherwise": L._OTHERWISE_KEYS,
    ".$defs.classification": L._CLASSIFICATION_KEYS,
}


def _plain(doc: Any) -> Any:
    """YAML as JSON sees it (integer keys become text)."""
    return json.loads(json.dumps(doc))


def _used_keys(value: Any, schema: dict[str, Any], root: dict[str, Any], seen: set[str]) -> None:
    """Record, as 'object path.key', every schema key that ``value`` uses, walking both."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return _used_keys(value, root["$defs"][name], root, seen)
    for alt in schema.get("anyOf", []) + schema.get("oneOf", []):
        if not errors(value, alt, root):
            _used_keys(value, alt, root, seen)
    if isinstance(value, dict) and "properties" in schema:
        where = next(p for p, s in object_schemas(root) if s is schema)
        for key, v in value.items():
            if key in schema["properties"]:
                seen.add(f"{where}:{key}")
                _used_keys(v, schema["properties"][key], root, seen)
    if isinstance(value, list) and "items" in schema:
        for v in value:
            _used_keys(v, schema["items"], root, seen)
    return None


def test_instrument_schema_objects_have_the_loaders_keys():
    schema = instrument_schema()
    found = {path: set(s["properties"]) for path, s in object_schemas(schema)}
    assert set(found) == set(INSTRUMENT_OBJECTS), "an object of the schema is not mapped"
    for path, keys in INSTRUMENT_OBJECTS.items():
        assert found[path] == set(keys), path
        assert object_schemas(schema) and all(
            s.get("additionalProperties") is False for _, s in object_schemas(schema)
        )
    assert set(TESTS) == set(L._TESTS)


def test_a_file_with_every_schema_key_loads_and_conforms():
    schema = instrument_schema()
    doc = yaml.safe_load(EVERY_KEY.read_text(encoding="utf-8"))
    assert errors(_plain(doc), schema, schema) == []
    parse_instrument(EVERY_KEY.read_text(encoding="utf-8"), str(EVERY_KEY))
    seen: set[str] = set()
    _used_keys(_plain(doc), schema, schema, seen)
    every = {f"{p}:{k}" for p, s in object_schemas(schema) for k in s["properties"]}
    assert every - seen == set(), "keys of the schema the test file does not use"


@pytest.mark.parametrize("instrument_id", builtin_ids())
def test_built_in_instruments_conform_to_the_schema(instrument_id):
    schema = instrument_schema()
    doc = _plain(yaml.safe_load(builtin_text(instrument_id)))
    assert errors(doc, schema, schema) == []


def test_the_configs_instrument_conforms():
    schema = instrument_schema()
    path = REPO / "configs" / "custom-instrument-example.yaml"
    assert errors(_plain(yaml.safe_load(path.read_text())), schema, schema) == []


# Where to put an unknown key in the every-key file, and the key path the loader names.
UNKNOWN_AT = [
    (lambda d: d, "zzz"),
    (lambda d: d["scale"], "scale.zzz"),
    (lambda d: d["dimensions"][0], "dimensions[0].zzz"),
    (lambda d: d["dimensions"][0]["items"][1], "dimensions[0].items[1].zzz"),
    (lambda d: d["dimensions"][1]["subdimensions"][0], "dimensions[1].subdimensions[0].zzz"),
    (lambda d: d["maturity"], "maturity.zzz"),
    (lambda d: d["maturity"]["levels"][0], "maturity.levels[0].zzz"),
    (lambda d: d["questions"][0], "questions[0].zzz"),
    (lambda d: d["questions"][0]["options"][1], "questions[0].options[1].zzz"),
    (lambda d: d["classifications"][0], "classifications[0].zzz"),
    (lambda d: d["classifications"][0]["classes"][0], "classifications[0].classes[0].zzz"),
    (lambda d: d["classifications"][0]["otherwise"], "classifications[0].otherwise.zzz"),
]


@pytest.mark.parametrize(("where", "path"), UNKNOWN_AT, ids=[p for _, p in UNKNOWN_AT])
def test_an_unknown_key_is_refused_by_the_loader_and_the_schema(where, path):
    schema = instrument_schema()
    doc = yaml.safe_load(EVERY_KEY.read_text(encoding="utf-8"))
    where(doc)["zzz"] = 1
    assert errors(_plain(doc), schema, schema) != []  # the file conforms without the key
    with pytest.raises(InstrumentError, match="unknown key 'zzz'") as info:
        parse_instrument(yaml.safe_dump(doc), "x.yaml")
    assert info.value.path == path


# --------------------------------------------------------------------------- study


def _long_options(command: str) -> set[str]:
    """A command's options as a study file names them: long names, underscores for dashes."""
    cmd = typer.main.get_command(app).commands[command]
    names = set()
    for param in cmd.params:
        if param.param_type_name == "argument":
            names.add("data")
            continue
        long = next(o for o in param.opts if o.startswith("--"))
        names.add(long[2:].replace("-", "_"))
    return names - {"debug", "json"}


def test_study_keys_are_analyze_and_compare_options():
    """Every option of analyze and compare is a key, and every key an option (or an Options
    field the command line does not offer yet); every Options field has its key."""
    from dataclasses import fields

    from ipss_survey.pipeline import Options

    analysis = key_names(ANALYSIS_KEYS) - {"name"}
    cli = _long_options("analyze")
    assert cli <= analysis, "analyze options a study file cannot say"
    only_options = {k.name for k in ANALYSIS_KEYS if k.name in analysis - cli}
    assert all(k.sets for k in ANALYSIS_KEYS if k.name in only_options), only_options
    assert {f.name for f in fields(Options)} == {k.sets for k in ANALYSIS_KEYS if k.sets}
    assert key_names(COMPARISON_KEYS) - {"name"} == _long_options("compare")
    assert key_names(DEFAULT_KEYS) == key_names(ANALYSIS_KEYS) - {"name", "data", "out"}


def test_study_schema_objects_have_the_loaders_keys():
    schema = study_schema()
    found = {path: set(s["properties"]) for path, s in object_schemas(schema)}
    assert found == {
        "top": key_names(TOP_KEYS),
        ".$defs.defaults": key_names(DEFAULT_KEYS),
        ".$defs.analysis": key_names(ANALYSIS_KEYS),
        ".$defs.comparison": key_names(COMPARISON_KEYS),
    }
    assert all(s["additionalProperties"] is False for _, s in object_schemas(schema))


EVERY_STUDY_KEY = """
title: Every key
out: reports/every
defaults:
  instrument: dtcaf
  group: ministry
  columns: map.yaml
  id: rid
  threshold: 60
  alpha: 0.01
  p_adjust: bonferroni
  min_answered: 0.75
  min_group_size: 3
  strict: true
  encoding: utf-8
  sheet: Data
  header_row: 2
  where: consent=yes
  keep_test_responses: true
  weight: w
  strata: s
  cluster: c
  lonely_psu: adjust
  coders: OPEN=c1,c2
  rwg_cutoff: 0.8
  format: json,md
  title: A title
  fail_under: 75
analyses:
  - name: one
    data: a.csv
    instrument: my.yaml
    group: g
    out: somewhere
    columns: other.yaml
    id: rid2
    threshold: 70
    alpha: 0.1
    p_adjust: fdr_bh
    min_answered: 1
    min_group_size: 2
    strict: false
    encoding: cp1252
    sheet: Sheet1
    header_row: 1
    where: [consent=yes, "age>=18"]
    keep_test_responses: false
    weight: w2
    strata: s2
    cluster: c2
    lonely_psu: remove
    coders: [OPEN=c1,c2]
    rwg_cutoff: 1
    format: [json, csv]
    title: Another
    fail_under: Transformed
comparisons:
  - name: waves
    data: [a.csv, b.csv]
    instrument: [dtcaf, dtcaf]
    id: rid
    group: ministry
    labels: [2024, 2026]
    out: waves-out
    threshold: 55
    p_adjust: none
    min_answered: 0.5
    where: consent=yes
    format: json,html
    title: Waves
"""


def test_a_study_with_every_schema_key_loads_and_conforms(tmp_path):
    schema = study_schema()
    doc = yaml.safe_load(EVERY_STUDY_KEY)
    assert errors(_plain(doc), schema, schema) == []
    study = parse_study(EVERY_STUDY_KEY, "every.yaml", tmp_path)
    assert [r.name for r in study.runs] == ["one", "waves"]
    seen: set[str] = set()
    _used_keys(_plain(doc), schema, schema, seen)
    every = {f"{p}:{k}" for p, s in object_schemas(schema) for k in s["properties"]}
    assert every - seen == set()


@pytest.mark.parametrize("where", ["", "defaults", "analyses[0]", "comparisons[0]"])
def test_an_unknown_study_key_is_refused_by_the_loader_and_the_schema(tmp_path, where):
    doc = yaml.safe_load(EVERY_STUDY_KEY)
    target = doc
    if where == "defaults":
        target = doc["defaults"]
    elif where:
        section, index = where.rstrip("]").split("[")
        target = doc[section][int(index)]
    target["weigth"] = "w"
    schema = study_schema()
    assert any("not allowed" in e for e in errors(_plain(doc), schema, schema))
    with pytest.raises(StudyError) as info:
        parse_study(yaml.safe_dump(doc), "s.yaml", tmp_path)
    paths = [p.path for p in info.value.problems]
    assert paths == [f"{where}.weigth" if where else "weigth"]


def test_the_configs_study_conforms_to_the_schema():
    schema = study_schema()
    doc = yaml.safe_load((REPO / "configs" / "study-example.yaml").read_text())
    assert errors(_plain(doc), schema, schema) == []


def test_schema_option_limits_are_the_options_checks():
    """A value the schema allows at its limit passes Options.check; one beyond fails."""
    from ipss_survey.errors import DataError
    from ipss_survey.pipeline import Options

    for key in ANALYSIS_KEYS:
        for bound, value in key.bounds.items():
            inside = value if bound in ("minimum", "maximum") else None
            beyond = value if bound.startswith("exclusive") else None
            if inside is not None:
                Options(**{key.sets: inside}).check()
            if beyond is not None:
                with pytest.raises(DataError):
                    Options(**{key.sets: beyond}).check()


@pytest.mark.parametrize("kind", ["instrument", "study"])
def test_schema_command_prints_the_schema(kind):
    r = CliRunner().invoke(app, ["schema", kind])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc == (instrument_schema() if kind == "instrument" else study_schema())


def test_schema_command_refuses_an_unknown_format():
    r = CliRunner().invoke(app, ["schema", "results"])
    assert r.exit_code == 2
    assert "choose instrument or study" in r.stderr


@pytest.mark.parametrize("kind", ["instrument", "study"])
def test_the_schema_files_in_docs_are_the_commands_output(kind):
    """docs/schemas/ holds the schemas for editors; regenerate with 'ipss-survey schema KIND >
    docs/schemas/KIND.schema.json' when a format changes."""
    r = CliRunner().invoke(app, ["schema", kind])
    saved = (REPO / "docs" / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert saved == r.stdout
