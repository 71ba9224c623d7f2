#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""`kbprobe scan --candidate`: would an update's w3core.dll load on this image?

The candidate is the post-SP2 w3core.dll (6.0.3790.4582, imports ?Copy@MULTISZ@@QAEHPBGK@Z)
taken with icat out of the kb973917-broken fixture. Against an SP2 system with SP1 IIS
binaries it must be reported unresolved (verdict at least at-risk, flag candidate-breaks);
against an SP2 system with SP2 IIS it resolves (verdict stays safe). A missing candidate file
is a usage error (16).

  candidate.py --kbprobe BUILD/kbprobe --fixture-dir DIR
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

MISSING = "?Copy@MULTISZ@@QAEHPBGK@Z"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kbprobe", required=True)
    ap.add_argument("--fixture-dir", required=True)
    args = ap.parse_args()
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL:", what)

    src = os.path.join(args.fixture_dir, "kb973917-broken")
    with open(os.path.join(src, "expected.json")) as fh:
        exp = json.load(fh)
    w3core = [f for f in exp["files"] if f["path"].lower() == "\\windows\\system32\\inetsrv\\w3core.dll"][0]
    with tempfile.TemporaryDirectory() as tmp:
        candidate = os.path.join(tmp, "w3core.dll")
        with open(candidate, "wb") as fh:
            fh.write(subprocess.run(
                ["icat", "-o", str(w3core["partition_offset"] // exp["sector_size"]),
                 os.path.join(src, "disk.raw"), str(w3core["inode"])],
                check=True, capture_output=True).stdout)

        for scenario, want_verdict, want_unresolved in (
                ("sp2-sp1-iis", "at-risk", True), ("sp2-safe", "safe", False)):
            image = os.path.join(args.fixture_dir, scenario, "disk.raw")
            proc = subprocess.run([args.kbprobe, "scan", "--format", "jsonl", "--candidate", candidate, image],
                                  capture_output=True, text=True, timeout=120)
            check(proc.returncode >= 0 and "Sanitizer" not in proc.stderr, f"{scenario}: crashed: {proc.stderr}")
            doc = json.loads(proc.stdout)
            check(doc["verdict"] == want_verdict, f"{scenario}: verdict {doc['verdict']}, want {want_verdict}")
            inst = doc["installations"][0]
            check(inst["candidate"] is not None and inst["candidate"]["from_host"], f"{scenario}: candidate missing")
            check(inst["candidate"]["sha256"] == w3core["sha256"], f"{scenario}: candidate sha256")
            ci = inst["iis"]["system32"]["candidate_imports"] or {}
            names = ci.get("unresolved_names") or []
            if want_unresolved:
                check(MISSING in names, f"{scenario}: candidate's {MISSING} not reported: {ci}")
                check("candidate-breaks" in doc["flags"], f"{scenario}: flags {doc['flags']}")
            else:
                check(ci.get("state") == "present" and ci.get("unresolved") == 0,
                      f"{scenario}: candidate should resolve: {ci}")

        proc = subprocess.run([args.kbprobe, "scan", "--candidate", os.path.join(tmp, "nope.dll"),
                               os.path.join(args.fixture_dir, "sp2-safe", "disk.raw")],
                              capture_output=True, text=True)
        check(proc.returncode == 16 and "nope.dll" in proc.stderr, f"missing candidate: exit {proc.returncode}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
