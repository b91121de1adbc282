#!/usr/bin/python3
"""Checks the canonical JSON Schemas in docs/schemas/ (JSON Schema 2020-12).

1. Each schema is a valid 2020-12 schema, closed (additionalProperties false on every object
   outside `extensions`), its arrays have minItems 1 and every field it names is in
   docs/canonical.md.
2. Each example in docs/schemas/examples/ validates against the schema its `type` names.
3. Broken variants of the examples (numbers for decimals, unknown fields, bad dates, empty
   values) are rejected.

Usage: canonical_schema_test.py [DOCS_DIR]   (default: the docs/ next to tests/)
Exit 0 when everything holds, 1 otherwise, 77 (skipped) when python3-jsonschema is missing.
"""
import copy
import json
import pathlib
import re
import sys

try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema is not installed")
    sys.exit(77)

TYPES = ["purchase_order", "ship_notice", "freight_invoice", "shipment_status"]

docs = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parents[2] / "docs")
schema_dir = docs / "schemas"
failures = []


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


schemas = {p.name: load(p) for p in sorted(schema_dir.glob("*.schema.json"))}


def make_validator(type_name):
    """A validator for TYPE_NAME whose relative $refs ("common.schema.json#/...") resolve."""
    name = f"{type_name}.schema.json"
    cls = jsonschema.Draft202012Validator
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012
    except ImportError:  # jsonschema before 4.18: RefResolver with a store of the files
        base = schema_dir.resolve().as_uri() + "/"
        store = {base + n: s for n, s in schemas.items()}
        resolver = jsonschema.RefResolver(base + name, schemas[name], store=store)
        return cls(schemas[name], resolver=resolver)
    registry = Registry().with_resources(
        (n, Resource.from_contents(s, default_specification=DRAFT202012)) for n, s in schemas.items()
    )
    # Without an $id the root's base URI is its file name, so relative refs land in the registry.
    return cls({"$id": name, **schemas[name]}, registry=registry)


def fail(message):
    failures.append(message)
    print("FAIL:", message)


def walk(node, path, in_extensions=False):
    """Yields (path, subschema, in_extensions) for every schema object below NODE."""
    if isinstance(node, dict):
        yield path, node, in_extensions
        for key, value in node.items():
            inner = in_extensions or path.endswith("$defs") and key in ("extensions", "extension_value")
            yield from walk(value, f"{path}/{key}", inner)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}/{i}", in_extensions)


def check_schemas():
    expected = {"common.schema.json"} | {f"{t}.schema.json" for t in TYPES}
    if set(schemas) != expected:
        fail(f"schema files {sorted(schemas)}, expected {sorted(expected)}")
    contract = (docs / "canonical.md").read_text(encoding="utf-8")
    for name, schema in schemas.items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            fail(f"{name}: not a valid 2020-12 schema: {e.message}")
        for path, node, in_extensions in walk(schema, name):
            if in_extensions:
                continue
            if "properties" in node and node.get("additionalProperties") is not False:
                fail(f"{path}: object without additionalProperties: false")
            if node.get("type") == "array" and node.get("minItems") != 1:
                fail(f"{path}: array without minItems 1")
            for field in node.get("properties", {}):
                if f"`{field}`" not in contract:
                    fail(f"{path}: field {field} is not in docs/canonical.md")


def errors(validator, document):
    return sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))


def check_examples(validators):
    examples = {p.stem: load(p) for p in sorted((schema_dir / "examples").glob("*.json"))}
    for type_name in TYPES:
        if type_name not in examples:
            fail(f"no example for {type_name}")
    for stem, document in examples.items():
        type_name = document.get("type")
        if type_name not in validators:
            fail(f"examples/{stem}.json: unknown type {type_name!r}")
            continue
        for e in errors(validators[type_name], document):
            fail(f"examples/{stem}.json: /{'/'.join(map(str, e.absolute_path))}: {e.message}")
    return examples


def set_at(document, path, value):
    """Sets (or, for value DELETE, removes) the member at PATH (a list of keys and indexes)."""
    node = document
    for key in path[:-1]:
        node = node[key]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value


DELETE = object()

# (example, path, new value, why it must fail)
BROKEN = [
    ("purchase_order", ["lines", 0, "quantity"], 48, "a JSON number for a decimal"),
    ("purchase_order", ["lines", 0, "unit_price"], "12,50", "a decimal with a comma"),
    ("purchase_order", ["lines", 0, "unit_price"], "1.2e3", "a decimal with an exponent"),
    ("purchase_order", ["totals", "amount"], 639.0, "a JSON number for a total"),
    ("purchase_order", ["colour"], "blue", "an unknown top-level field"),
    ("purchase_order", ["lines", 1, "colour"], "blue", "an unknown line field"),
    ("purchase_order", ["parties", 0, "address", "street"], "x", "an unknown address field"),
    ("purchase_order", ["order_date"], "20261128", "a date without dashes"),
    ("purchase_order", ["order_date"], "2026-13-01", "a date with month 13"),
    ("purchase_order", ["order_date"], "2026-11-28T10:00", "a date-time where a date belongs"),
    ("purchase_order", ["dates", 1, "value"], "2026-12-01T8:00", "a one-digit hour"),
    ("purchase_order", ["envelope", "received_at"], "2026-11-29T14:03:27+0500", "an offset without colon"),
    ("purchase_order", ["envelope", "received_at"], "2026-11-29", "a date where a date-time belongs"),
    ("purchase_order", ["currency"], "", "an empty string"),
    ("purchase_order", ["currency"], None, "a null"),
    ("purchase_order", ["references"], [], "an empty array"),
    ("purchase_order", ["fob"], {}, "an empty object"),
    ("purchase_order", ["order_number"], DELETE, "a missing order_number"),
    ("purchase_order", ["envelope", "version"], DELETE, "an envelope without version"),
    ("purchase_order", ["envelope", "standard"], "x13", "an unknown standard"),
    ("purchase_order", ["envelope", "test"], "false", "a string for a boolean"),
    ("purchase_order", ["charges", 0, "indicator"], "X", "a charge indicator that is not A or C"),
    ("purchase_order", ["type"], "ship_notice", "the wrong type"),
    ("purchase_order", ["extensions", "season"], 2026, "a number in extensions"),
    ("purchase_order", ["lines", 1, "extensions", "colors", 1], True, "a boolean in extensions"),
    ("ship_notice", ["shipment_id"], DELETE, "a missing shipment_id"),
    ("ship_notice", ["orders", 0, "packs", 0, "packs", 0, "sscc"], "12345", "a short SSCC"),
    ("ship_notice", ["orders", 0, "packs", 0, "packs", 1, "items", 0, "quantity"], 24, "a number in an inner pack"),
    ("ship_notice", ["orders", 0, "packs", 0, "packs", 1, "seal"], "x", "an unknown field in an inner pack"),
    ("ship_notice", ["orders", 0, "packs", 0, "packs", 0, "packs"], [], "empty inner packs"),
    ("ship_notice", ["shipment_date"], "2026-12-01 16:45", "a space instead of T"),
    ("freight_invoice", ["invoice_number"], DELETE, "a missing invoice_number"),
    ("freight_invoice", ["lines", 0, "charges", 0, "amount"], 385.12, "a number for a charge amount"),
    ("freight_invoice", ["totals", "charge"], "412.87 ", "a decimal with a trailing space"),
    ("freight_invoice", ["lines", 0, "descriptions", 0, "text"], DELETE, "a description without text"),
    ("shipment_status", ["events"], DELETE, "a missing events array"),
    ("shipment_status", ["events"], [], "no events"),
    ("shipment_status", ["events", 0, "date_time"], "2026-12-01T17:30:00.5", "fractional seconds"),
    ("shipment_status", ["events", 0, "location", "zip"], "45402", "an unknown location field"),
]


def check_broken(validators, examples):
    for type_name, path, value, why in BROKEN:
        document = copy.deepcopy(examples[type_name])
        set_at(document, path, value)
        if not errors(validators[type_name], document):
            fail(f"{type_name} with {why} (/{'/'.join(map(str, path))}) was accepted")


def main():
    check_schemas()
    validators = {t: make_validator(t) for t in TYPES}
    examples = check_examples(validators)
    if all(t in examples for t in TYPES):
        check_broken(validators, examples)
    print(f"canonical schemas: {len(BROKEN)} broken documents, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
