#!/usr/bin/python3
"""Checks the canonical JSON Schemas in docs/schemas/ (JSON Schema 2020-12).

1. Each schema is a valid 2020-12 schema, closed (additionalProperties false on every object
   outside `extensions`), its arrays have minItems 1 and every field it names is in
   docs/canonical.md.
2. Each example in docs/schemas/examples/ validates against the schema its `type` names.
3. Broken variants of the examples (canonical_invalid_cases.json: numbers for decimals,
   unknown fields, bad dates, empty values) are rejected.

Usage: canonical_schema_test.py [DOCS_DIR]   (default: the docs/ next to tests/)
Exit 0 when everything holds, 1 otherwise, 77 (skipped) when python3-jsonschema is missing.
"""
import copy
import json
import pathlib
import sys

try:
    import jsonschema
    from canonical_validators import load_schemas, make_validator
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


schemas = load_schemas(schema_dir)


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
            for field in node.get("required", []):
                if field not in node.get("properties", {}):
                    fail(f"{path}: required field {field} is not among the properties")
            if "$ref" in node and resolve_ref(name, node["$ref"]) is None:
                fail(f"{path}: $ref {node['$ref']} leads nowhere")


def resolve_ref(name, ref):
    """The subschema a "file#/json/pointer" or "#/json/pointer" $ref names, or None."""
    file, _, pointer = ref.partition("#")
    node = schemas.get(file or name)
    for token in pointer.split("/")[1:]:
        if not isinstance(node, dict) or token not in node:
            return None
        node = node[token]
    return node


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


def mutate(document, case):
    """Applies one broken case: sets (or, with "delete", removes) the member at its path."""
    node = document
    for key in case["path"][:-1]:
        node = node[key]
    if case.get("delete"):
        del node[case["path"][-1]]
    else:
        node[case["path"][-1]] = case["value"]


def check_broken(validators, examples):
    # The same cases drive the C++ reader's test (tests/unit/edi/test_canonical.cpp), so the
    # schemas and the reader reject the same documents.
    cases = load(pathlib.Path(__file__).with_name("canonical_invalid_cases.json"))
    for case in cases:
        document = copy.deepcopy(examples[case["example"]])
        mutate(document, case)
        if not errors(validators[case["example"]], document):
            where = "/" + "/".join(map(str, case["path"]))
            fail(f"{case['example']} with {case['why']} ({where}) was accepted")
    return len(cases)


def main():
    check_schemas()
    if failures:  # validating with broken schemas would only add a traceback
        return 1
    validators = {t: make_validator(schema_dir, schemas, t) for t in TYPES}
    examples = check_examples(validators)
    broken = check_broken(validators, examples) if all(t in examples for t in TYPES) else 0
    print(f"canonical schemas: {len(examples)} examples, {broken} broken documents, "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
