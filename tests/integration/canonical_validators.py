"""Validators for the canonical JSON Schemas in docs/schemas/, whose relative $refs
("common.schema.json#/...") resolve, with jsonschema from 4.18 on (the referencing package) and
before it (Debian 12 ships 4.10: a RefResolver with a store of the files).

Imported by canonical_schema_test.py and mapping_roundtrip_test.py; needs python3-jsonschema.
"""
import json
import pathlib

import jsonschema


def load_schemas(schema_dir):
    """{file name: schema} for every *.schema.json in SCHEMA_DIR."""
    return {p.name: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(pathlib.Path(schema_dir).glob("*.schema.json"))}


def make_validator(schema_dir, schemas, type_name):
    """A 2020-12 validator for TYPE_NAME (SCHEMAS as load_schemas returns them)."""
    name = f"{type_name}.schema.json"
    cls = jsonschema.Draft202012Validator
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012
    except ImportError:  # jsonschema before 4.18
        base = pathlib.Path(schema_dir).resolve().as_uri() + "/"
        store = {base + n: s for n, s in schemas.items()}
        resolver = jsonschema.RefResolver(base + name, schemas[name], store=store)
        return cls(schemas[name], resolver=resolver)
    registry = Registry().with_resources(
        (n, Resource.from_contents(s, default_specification=DRAFT202012)) for n, s in schemas.items()
    )
    # Without an $id the root's base URI is its file name, so relative refs land in the registry.
    return cls({"$id": name, **schemas[name]}, registry=registry)
