#!/usr/bin/env python3
"""EDI -> canonical -> EDI -> canonical for every fixture: the two canonical forms must be
equal (envelopes aside: the written interchange has our ids and control numbers), the written
EDI must validate, and every canonical document must conform to its JSON Schema.

Usage: mapping_roundtrip_test.py EDIGATE SOURCE_DIR"""
import json
import pathlib
import subprocess
import sys
import tempfile

edigate, source = sys.argv[1], pathlib.Path(sys.argv[2])
standard_maps = source / "mappings" / "standard"
fixtures = source / "tests" / "fixtures" / "edi" / "canonical"
schemas = source / "docs" / "schemas"

# (fixture, standard, partner identity version for the way back)
CASES = [
    ("850-4010-retail-orders.edi", "x12", "004010"),
    ("850-5010-retail-orders.edi", "x12", "005010"),
    ("856-4010-ship-notices.edi", "x12", "004010"),
    ("856-5010-ship-notices.edi", "x12", "005010"),
    ("210-4010-freight-invoices.edi", "x12", "004010"),
    ("210-5010-freight-invoice.edi", "x12", "005010"),
    ("214-4010-shipment-status.edi", "x12", "004010"),
    ("214-5010-shipment-status.edi", "x12", "005010"),
    ("orders-d96a-orders.edi", "edifact", "D96A"),
    ("orders-d01b-orders.edi", "edifact", "D01B"),
    ("desadv-d96a-despatch-advices.edi", "edifact", "D96A"),
    ("desadv-d01b-despatch-advices.edi", "edifact", "D01B"),
    ("iftsta-d96a-status-reports.edi", "edifact", "D96A"),
    ("iftsta-d01b-status-report.edi", "edifact", "D01B"),
    ("invoic-d96a-freight-invoices.edi", "edifact", "D96A"),
    ("invoic-d01b-freight-invoice.edi", "edifact", "D01B"),
]

failures = 0
passed = 0


def fail(name, message):
    global failures
    failures += 1
    print(f"FAIL: {name}: {message}")


def run(args, **kw):
    return subprocess.run([edigate, *args], capture_output=True, text=True, **kw)


def partner_dir(tmp, standard, version):
    """A partner with no overlays whose identity writes `version`."""
    d = pathlib.Path(tmp) / f"plain-{version}"
    d.mkdir(exist_ok=True)
    x12_version = version if standard == "x12" else "004010"
    edifact_version = version if standard == "edifact" else "D96A"
    repetition = ' repetition="^"' if x12_version >= "004020" else ""
    (d / "partner.xml").write_text(f"""<?xml version="1.0"?>
<partner xmlns="urn:edigate:mapping:1" id="plain">
  <x12 our-qualifier="ZZ" our-id="EDIGATETEST" their-qualifier="ZZ" their-id="PLAINPARTNER"
       version="{x12_version}" component="&gt;"{repetition} line-break="true"/>
  <edifact our-qualifier="14" our-id="4000000000001" their-qualifier="14"
           their-id="4000000000002" version="{edifact_version}" line-break="true"/>
</partner>
""")
    return d


def schema_validator():
    """check(doc) -> problems against the schema its type names; None without jsonschema."""
    try:
        from canonical_validators import load_schemas, make_validator
    except ImportError:
        print("NOTE: python3-jsonschema is not installed: documents not checked against their schemas")
        return None
    schema_files = load_schemas(schemas)
    validators = {}

    def check(doc):
        type_name = doc.get("type")
        if f"{type_name}.schema.json" not in schema_files:
            return [f"no schema {type_name}.schema.json"]
        if type_name not in validators:
            validators[type_name] = make_validator(schemas, schema_files, type_name)
        return [f"{'/'.join(map(str, e.path))}: {e.message}"
                for e in validators[type_name].iter_errors(doc)]

    return check


def strip(doc):
    doc = dict(doc)
    doc.pop("envelope", None)
    return doc


check_schema = schema_validator() if schemas.exists() else None
with tempfile.TemporaryDirectory() as tmp:
    for name, standard, version in CASES:
        fixture = fixtures / name
        partner = partner_dir(tmp, standard, version)
        common = ["--partner", str(partner), "--standard-maps", str(standard_maps)]
        first = run(["map", "in", *common, str(fixture)])
        if first.returncode != 0:
            fail(name, f"map in exit {first.returncode}: {first.stderr.strip()}")
            continue
        docs = [json.loads(line) for line in first.stdout.splitlines()]
        if check_schema:
            for i, d in enumerate(docs):
                for problem in check_schema(d):
                    fail(name, f"document {i + 1} does not match its schema: {problem}")
        written = pathlib.Path(tmp) / (name + ".out")
        out = run(["map", "out", *common, "--standard", standard, "-"], input=first.stdout)
        if out.returncode != 0:
            fail(name, f"map out exit {out.returncode}: {out.stderr.strip()}")
            continue
        written.write_text(out.stdout)
        valid = run(["edi", "validate", str(written)])
        if valid.returncode != 0:
            fail(name, f"written EDI does not validate:\n{valid.stdout}{out.stdout}")
            continue
        second = run(["map", "in", *common, str(written)])
        if second.returncode != 0:
            fail(name, f"second map in exit {second.returncode}: {second.stderr.strip()}")
            continue
        again = [json.loads(line) for line in second.stdout.splitlines()]
        if len(again) != len(docs):
            fail(name, f"{len(docs)} documents became {len(again)}")
            continue
        same = True
        for i, (a, b) in enumerate(zip(docs, again)):
            if strip(a) != strip(b):
                same = False
                fail(name, f"document {i + 1} differs after the round trip:\n"
                     f"  before: {json.dumps(strip(a), sort_keys=True)}\n"
                     f"  after:  {json.dumps(strip(b), sort_keys=True)}")
        if same:
            passed += 1
            print(f"ok: {name}: {len(docs)} document(s) round-trip")

print(f"mapping_roundtrip_test: {passed} passed, {failures} failed")
sys.exit(1 if failures else 0)
