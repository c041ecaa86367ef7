"""A small JSON Schema checker for the keywords the package's schemas use (draft 2020-12).

The test environment has no jsonschema package; this covers what ``ipss-survey schema``
writes (type, enum, properties, additionalProperties, required, items, minItems, uniqueItems,
anyOf, oneOf, pattern, numeric bounds, minLength, propertyNames, local $ref) and refuses a
schema that uses any other keyword, so a new keyword cannot pass unchecked.
"""

from __future__ import annotations

import re
from typing import Any

ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description"}
CHECKED = {
    "$ref",
    "type",
    "enum",
    "properties",
    "additionalProperties",
    "required",
    "items",
    "minItems",
    "uniqueItems",
    "anyOf",
    "oneOf",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "propertyNames",
}


def _is(kind: str, value: Any) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return {
        "string": str,
        "boolean": bool,
        "object": dict,
        "array": list,
        "null": type(None),
    }[kind] is type(value) or (kind == "object" and isinstance(value, dict))


def errors(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str = "") -> list[str]:
    """Every way ``value`` breaks ``schema`` (empty when it conforms)."""
    unknown = set(schema) - CHECKED - ANNOTATIONS
    if unknown:
        raise AssertionError(f"schema keyword(s) {sorted(unknown)} at {path or 'top'} unchecked")
    found: list[str] = []
    where = path or "top"
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        found += errors(value, root["$defs"][name], root, path)
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(k, value) for k in kinds):
            return [*found, f"{where}: {value!r} is not {kinds}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0):
            found.append(f"{where}: too short")
    if _is("number", value):
        for key, ok in (
            ("minimum", lambda b: value >= b),
            ("maximum", lambda b: value <= b),
            ("exclusiveMinimum", lambda b: value > b),
            ("exclusiveMaximum", lambda b: value < b),
        ):
            if key in schema and not ok(schema[key]):
                found.append(f"{where}: {value!r} breaks {key} {schema[key]}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            found.append(f"{where}: fewer than {schema['minItems']} items")
        if schema.get("uniqueItems") and len({repr(v) for v in value}) < len(value):
            found.append(f"{where}: items repeat")
        if "items" in schema:
            for i, v in enumerate(value):
                found += errors(v, schema["items"], root, f"{path}[{i}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                found.append(f"{where}: '{key}' is required")
        for key, v in value.items():
            kpath = f"{path}.{key}" if path else str(key)
            if "propertyNames" in schema:
                found += errors(str(key), schema["propertyNames"], root, kpath)
            if key in props:
                found += errors(v, props[key], root, kpath)
            elif schema.get("additionalProperties") is False:
                found.append(f"{kpath}: not allowed")
            elif isinstance(schema.get("additionalProperties"), dict):
                found += errors(v, schema["additionalProperties"], root, kpath)
    if "anyOf" in schema and not any(not errors(value, s, root, path) for s in schema["anyOf"]):
        found.append(f"{where}: matches none of anyOf")
    if "oneOf" in schema:
        hits = sum(not errors(value, s, root, path) for s in schema["oneOf"])
        if hits != 1:
            found.append(f"{where}: matches {hits} of oneOf, not exactly one")
    return found


def object_schemas(schema: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every object schema with ``properties`` inside ``schema``, with where it is."""
    out = []
    if isinstance(schema, dict):
        if "properties" in schema:
            out.append((path or "top", schema))
        for key, sub in schema.items():
            if key == "properties":
                for name, s in sub.items():
                    out += object_schemas(s, f"{path}.properties.{name}")
            elif isinstance(sub, dict):
                out += object_schemas(sub, f"{path}.{key}")
            elif isinstance(sub, list):
                for i, s in enumerate(sub):
                    out += object_schemas(s, f"{path}.{key}[{i}]")
    return out
