#!/usr/bin/env python3
"""Partner overlays and mapping-file errors through the real binary: code translations both
ways, extensions, defaults, partner rules that reach the 997, outbound with a partner's own
qualifiers, `map check` on every shipped file, and line-numbered errors for bad files.

Usage: mapping_partner_test.py EDIGATE SOURCE_DIR"""
import json
import pathlib
import subprocess
import sys
import tempfile

edigate, source = sys.argv[1], pathlib.Path(sys.argv[2])
retailer = source / "mappings" / "partners" / "retailer"
fixtures = source / "tests" / "fixtures" / "edi" / "canonical"
bad = source / "tests" / "fixtures" / "mapping" / "bad"
passed = failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name}" + (f"\n  {detail}" if detail else ""))


def run(*args, stdin=None):
    return subprocess.run([edigate, *map(str, args)], capture_output=True, text=True, input=stdin)


def docs(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


with tempfile.TemporaryDirectory() as tmp:
    tmp = pathlib.Path(tmp)

    # --- inbound 850 through the retailer overlay ---------------------------------------------
    r = run("map", "in", "--partner", retailer, fixtures / "partners/retailer/850-4010-retailer.edi")
    check("retailer 850 maps", r.returncode == 0, r.stderr)
    po = docs(r.stdout)
    check("two orders", len(po) == 2)
    lines = po[0]["lines"]
    check("PC becomes EA, CA becomes CS", [l["unit"] for l in lines] == ["EA", "CS", "EA"],
          [l["unit"] for l in lines])
    check("line REF*IA kept as an extension",
          all(l.get("extensions", {}).get("vendor_number") == "00778812" for l in lines))
    check("line REF*IA not also in references",
          all("references" not in l for l in lines), lines[0].get("references"))
    check("header REF*DP is extensions.department", po[0]["extensions"]["department"] == "0214")
    check("other header references stay", {"qualifier": "19", "value": "HOME"} in po[0]["references"])
    check("partner id in the envelope", po[0]["envelope"]["partner"] == "retailer")

    # the default fills a missing currency
    text = (fixtures / "partners/retailer/850-4010-retailer.edi").read_text()
    no_cur = tmp / "no-cur.edi"
    no_cur.write_text(text.replace("CUR*BY*USD~\n", "", 1).replace("SE*35*0001", "SE*34*0001"))
    r = run("map", "in", "--partner", retailer, no_cur)
    check("850 without CUR maps", r.returncode == 0, r.stderr)
    check("currency defaults to USD", docs(r.stdout)[0].get("currency") == "USD")

    # --- partner rules reach the acknowledgement --------------------------------------------
    ack = tmp / "ack.edi"
    r = run("map", "in", "--partner", retailer, "--acks", ack,
            fixtures / "partners/retailer/850-4010-retailer-line-missing-ref-ia.edi")
    check("missing REF*IA fails the set", r.returncode == 1)
    check("problem names the PO1 line", ":22:" in r.stderr and "REF with IA" in r.stderr, r.stderr)
    a = ack.read_text()
    check("997 AK3 says REF missing in the PO1 loop at segment 20", "AK3*REF*20*PO1*3~" in a, a)
    check("997 rejects the set", "AK5*R*5~" in a, a)
    check("rejected set is not delivered", r.stdout.strip() == "")

    bad_unit = tmp / "bad-unit.edi"
    bad_unit.write_text(text.replace("PO1*1*24*PC*", "PO1*1*24*BX*", 1))
    r = run("map", "in", "--partner", retailer, "--acks", ack, bad_unit)
    a = ack.read_text()
    check("a unit outside the partner's list fails", r.returncode == 1)
    check("997 AK4 code 7 for PO103", "AK4*3**7*BX~" in a, a)

    # the same file through the plain standard maps has no such rules
    plain = source / "tests" / "fixtures" / "mapping" / "plain"
    r = run("map", "in", "--partner", plain, "--standard-maps", source / "mappings" / "standard",
            fixtures / "partners/retailer/850-4010-retailer-line-missing-ref-ia.edi")
    check("without the overlay the file is fine", r.returncode == 0, r.stderr)
    check("and the units are as sent", docs(r.stdout)[0]["lines"][0]["unit"] == "PC")

    # --- outbound 850 through the retailer overlay: translated back ---------------------------
    r = run("map", "out", "--partner", retailer, "--type", "purchase_order", "-",
            stdin=json.dumps(po[0]))
    check("retailer 850 out", r.returncode == 0, r.stderr)
    check("EA goes out as PC", "PO1*1*24*PC*12.9" in r.stdout, r.stdout)
    check("extension goes out as line REF*IA", "REF*IA*00778812~" in r.stdout)
    check("department goes out as REF*DP", "REF*DP*0214~" in r.stdout)
    again = tmp / "again.edi"
    again.write_text(r.stdout)
    r2 = run("map", "in", "--partner", retailer, again)
    doc = docs(r2.stdout)[0]
    for d in (doc, po[0]):
        d.pop("envelope")
    check("retailer 850 round trip", doc == po[0], json.dumps(doc)[:400])

    # --- outbound 856 with the retailer's qualifiers and units ------------------------------
    r = run("map", "in", "--partner", plain, "--standard-maps", source / "mappings" / "standard",
            fixtures / "856-4010-ship-notices.edi")
    asn = docs(r.stdout)[0]
    for pack in asn["orders"][0]["packs"]:
        for item in pack.get("items", []):
            item["unit"] = "EA"
    asn["orders"][0]["extensions"] = {"department": "0214"}
    r = run("map", "out", "--partner", retailer, "--type", "ship_notice", "-", stdin=json.dumps(asn))
    check("retailer 856 out", r.returncode == 0, r.stderr)
    out = r.stdout
    check("856 items in PC", "*PC" in out and "SN1**24*PC" in out.replace("SN1*1*", "SN1**"), out[:600])
    check("856 structure 0001", "*0001~" in out.split("\n")[3], out.split("\n")[3])
    check("856 has SSCC cartons", "MAN*GM*00" in out)
    check("856 vendor number default as REF*IA", "REF*IA*00778812~" in out)
    check("856 order department as REF*DP", "REF*DP*0214~" in out)
    written = tmp / "asn.edi"
    written.write_text(out)
    v = run("edi", "validate", written)
    check("retailer 856 validates", v.returncode == 0, v.stdout)

    # an ERP document with a bad value gets its JSON path
    broken = dict(asn)
    broken["shipment_date"] = "14/03/2025"
    r = run("map", "out", "--partner", retailer, "-", stdin=json.dumps(broken))
    check("bad date refused", r.returncode == 1)
    check("bad date names its path", "/shipment_date" in r.stderr, r.stderr)
    r = run("map", "out", "--partner", retailer, "--type", "purchase_order", "-",
            stdin=json.dumps(asn))
    check("--type mismatch refused", r.returncode == 1 and "not purchase_order" in r.stderr, r.stderr)
    # EDIFACT for a mapping directory with no EDIFACT identity: the file to fix is named
    r = run("map", "out", "--partner", retailer, "--standard", "edifact", "-", stdin=json.dumps(asn))
    check("no <edifact> in the mapping's partner.xml: said so",
          r.returncode == 1 and "partner.xml" in r.stderr and "<edifact> identity" in r.stderr,
          r.stderr)
    # a value the maps let through but X12 does not: read back, refused with its position
    long_id = dict(asn)
    long_id["shipment_id"] = "S" * 40  # BSN02 holds 30
    r = run("map", "out", "--partner", retailer, "--type", "ship_notice", "-",
            stdin=json.dumps(long_id))
    check("an interchange that does not validate: exit 1",
          r.returncode == 1 and "does not validate" in r.stderr and "BSN02" in r.stderr, r.stderr)
    check("and it is still written", "BSN*00*" + "S" * 40 in r.stdout, r.stdout[:300])

    # --- a 005010 partner rule reaches the 999 (IK3/IK5) ----------------------------------
    p5010 = tmp / "partner-5010"
    p5010.mkdir()
    (p5010 / "partner.xml").write_text('''<?xml version="1.0"?>
<partner xmlns="urn:edigate:mapping:1" id="strict5010">
  <x12 our-id="US" their-id="THEM" version="005010"/>
  <map file="850.xml"/>
</partner>''')
    (p5010 / "850.xml").write_text(f'''<?xml version="1.0"?>
<mapping xmlns="urn:edigate:mapping:1" extends="{source.resolve()}/mappings/standard/x12/850.xml"
         versions="005010">
  <add after="po1-ref">
    <segment id="po1-ref-ia" tag="REF" when="1=IA">
      <element pos="2" field="extensions.vendor_number"/>
    </segment>
  </add>
  <rule ref="po1-ref-ia" required="true"/>
</mapping>''')
    ack999 = tmp / "ack999.edi"
    r = run("map", "in", "--partner", p5010, "--standard-maps", source / "mappings" / "standard",
            "--acks", ack999, fixtures / "850-5010-retail-orders.edi")
    a = ack999.read_text()
    check("5010 lines without REF*IA fail", r.returncode == 1, r.stderr)
    check("999 IK3 code 3 for the missing REF at the first PO1", "IK3*REF*" in a and "*PO1*3~" in a, a)
    check("999 rejects the sets", "IK5*R*" in a, a)

    # --- the EDIFACT customer: ORDERS in, DESADV out ------------------------------------------
    euro = source / "mappings" / "partners" / "euro-customer"
    orders_file = fixtures / "partners/euro-customer/orders-d96a-euro-customer.edi"
    r = run("map", "in", "--partner", euro, orders_file)
    check("euro ORDERS maps", r.returncode == 0, r.stderr)
    order = docs(r.stdout)[0]
    check("STK becomes PCE, KAR becomes CT",
          [l["unit"] for l in order["lines"]] == ["PCE", "CT", "PCE"], order.get("lines"))
    check("FTX+ZZZ kept as extensions.delivery_note",
          order["extensions"].get("delivery_note", "").startswith("Bitte Lieferschein"))
    check("RFF+ZZZ is extensions.department, not a reference",
          order["extensions"].get("department") == "ABT-12"
          and all(r["qualifier"] != "ZZZ" for r in order["references"]))
    text = orders_file.read_text()
    no_price = tmp / "no-price.edi"
    no_price.write_text(text.replace("PRI+AAB:41.5'\n", "").replace("UNT+38+", "UNT+37+"))
    contrl = tmp / "contrl.edi"
    r = run("map", "in", "--partner", euro, "--acks", contrl, no_price)
    check("a line without PRI fails", r.returncode == 1 and "PRI with AAA/AAB" in r.stderr, r.stderr)
    c = contrl.read_text()
    check("CONTRL rejects the message (UCM action 4)", "UCM+LDN22001+ORDERS:D:96A:UN+4'" in c, c)
    check("CONTRL UCS 13 (missing) at the LIN of the line", "UCS+30+13'" in c, c)

    r = run("map", "in", "--partner", plain, "--standard-maps", source / "mappings" / "standard",
            fixtures / "desadv-d96a-despatch-advices.edi")
    desadv = docs(r.stdout)[0]
    r = run("map", "out", "--partner", euro, "--standard", "edifact", "--type", "ship_notice", "-",
            stdin=json.dumps(desadv))
    check("euro DESADV out", r.returncode == 0, r.stderr)
    check("PCE goes out as STK", "QTY+12:30:STK'" in r.stdout, r.stdout[:800])
    check("our ids in the UNB", "UNB+UNOC:3+4098765000003:14+9008390000007:14+" in r.stdout)
    written = tmp / "desadv.edi"
    written.write_text(r.stdout)
    v = run("edi", "validate", written)
    check("euro DESADV validates", v.returncode == 0, v.stdout)

    # --- freight totals that do not reconcile: mapped, with a warning on L3 ----------------
    r = run("map", "in", "--partner", plain, "--standard-maps", source / "mappings" / "standard",
            fixtures / "210-4010-totals-mismatch.edi")
    check("unreconciled 210 still maps", r.returncode == 0 and len(docs(r.stdout)) == 1, r.stderr)
    check("the difference is reported on L3",
          ":26: warning" in r.stderr and "add up to 345.00 but the total charge is 354.00" in r.stderr,
          r.stderr)

    # --- map check ------------------------------------------------------------------------------
    shipped = sorted((source / "mappings").rglob("*.xml"))
    r = run("map", "check", *shipped)
    check("every shipped map and profile checks", r.returncode == 0, r.stderr)
    expected = {
        "unclosed.xml": ":7:",
        "bad-path.xml": ":6:",
        "unknown-ref.xml": ":4:",
        "missing-base-overlay.xml": ":3:",
        "empty-element.xml": ":6:",
        "doctype.xml": ":3:",
    }
    for name, where in expected.items():
        r = run("map", "check", bad / name)
        check(f"{name} refused", r.returncode == 1)
        check(f"{name} error has its position", f"{name}{where}" in r.stderr, r.stderr)

print(f"mapping_partner_test: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
