#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A dirty hive is reported, not silently trusted (scenario dirty-software-hive).

    dirty_hive.py --kbprobe BIN [--fixture-dir DIR]

dirty-software-hive's SOFTWARE hive has primary sequence 7 and secondary 6 and a
SOFTWARE.LOG beside it. The JSON must say hives.software.dirty true, sequence [7, 6],
log_present true with its size, a health text, and carry a note reason
hive.software.health = "dirty"; the verdict stays safe (exit 0); the SYSTEM hive is clean;
the text report says "SOFTWARE hive may be stale". sp2-safe (clean) must say none of it.
"""
import argparse
import json
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kbprobe", required=True)
    ap.add_argument("--fixture-dir", default=os.environ.get("KB_FIXTURE_DIR", ".cache/fixtures"))
    args = ap.parse_args()
    failed = []

    def check(ok, what):
        if not ok:
            failed.append(what)
            print("FAIL " + what)

    dirty = os.path.join(args.fixture_dir, "dirty-software-hive", "disk.raw")
    clean = os.path.join(args.fixture_dir, "sp2-safe", "disk.raw")
    p = subprocess.run([args.kbprobe, "scan", "--format", "json", dirty], capture_output=True,
                       text=True)
    check(p.returncode == 0, "dirty: exit %d (want 0, safe): %s" % (p.returncode, p.stderr))
    image = json.loads(p.stdout)["images"][0]
    check(image["verdict"] == "safe", "dirty: verdict %s" % image["verdict"])
    inst = image["installations"][0]
    sw, sy = inst["hives"]["software"], inst["hives"]["system"]
    check(sw["dirty"] is True and sw["sequence"] == [7, 6], "software: %r" % sw)
    check(sw["log_present"] is True and sw["log_size"] == 16, "software log: %r" % sw)
    check(bool(sw["health"]) and "7" in sw["health"] and "SOFTWARE.LOG" in sw["health"],
          "software health: %r" % sw["health"])
    check(sy["dirty"] is False and sy["log_present"] is False and sy["health"] is None,
          "system: %r" % sy)
    notes = [r for r in image["reasons"] if r["fact"] == "hive.software.health"]
    check(len(notes) == 1 and notes[0]["role"] == "note" and notes[0]["value"] == "dirty",
          "note reason: %r" % notes)
    p = subprocess.run([args.kbprobe, "scan", dirty], capture_output=True, text=True)
    check("SOFTWARE hive may be stale" in p.stdout, "text report lacks the stale-hive line")

    p = subprocess.run([args.kbprobe, "scan", "--format", "json", clean], capture_output=True,
                       text=True)
    image = json.loads(p.stdout)["images"][0]
    sw = image["installations"][0]["hives"]["software"]
    check(sw["dirty"] is False and sw["log_present"] is False and sw["health"] is None,
          "clean sp2-safe: %r" % sw)
    check(not [r for r in image["reasons"] if r["fact"].startswith("hive.")],
          "clean sp2-safe has a hive note")
    print("%d failed" % len(failed) if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
