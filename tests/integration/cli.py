#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The command line itself: help, version, usage errors and unreadable inputs, with the exit
statuses the contract gives (16 usage, 8 could not be opened). Needs no fixture.

  cli.py --kbprobe BUILD/kbprobe
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kbprobe", required=True)
    kb = ap.parse_args().kbprobe
    passed = failed = 0

    def expect(args, code, out_has=None, err_has=None, err_lines=None):
        nonlocal passed, failed
        p = subprocess.run([kb] + args, capture_output=True, text=True, timeout=60)
        problems = []
        if p.returncode != code:
            problems.append(f"exit {p.returncode}, want {code}")
        if out_has and out_has not in p.stdout:
            problems.append(f"stdout lacks {out_has!r}")
        if err_has and err_has not in p.stderr:
            problems.append(f"stderr lacks {err_has!r}: {p.stderr!r}")
        if err_lines is not None and len(p.stderr.strip().splitlines()) != err_lines:
            problems.append(f"stderr has {len(p.stderr.strip().splitlines())} lines, want {err_lines}: {p.stderr!r}")
        if "Sanitizer" in p.stderr or "runtime error" in p.stderr:
            problems.append("sanitizer report")
        if problems:
            failed += 1
            print("FAIL:", " ".join(args), "-", "; ".join(problems))
        else:
            passed += 1
        return p

    expect([], 16, err_has="Usage: kbprobe")
    expect(["--help"], 0, out_has="Commands:")
    expect(["--version"], 0, out_has="kbprobe ")
    expect(["help", "scan"], 0, out_has="Exit status")
    expect(["help", "extract"], 0, out_has="manifest.json")
    expect(["scan", "--help"], 0, out_has="--candidate")
    expect(["frobnicate"], 16, err_has="unknown command")
    expect(["scan"], 16, err_has="no image given")
    expect(["scan", "--format", "xml", "x.raw"], 16, err_has="unknown format")
    expect(["extract", "only-one-arg"], 16, err_has="need IMAGE and DIR")
    with tempfile.TemporaryDirectory() as tmp:
        missing = os.path.join(tmp, "missing.vhd")
        expect(["scan", missing], 8, err_has=missing, err_lines=1)
        p = expect(["scan", "--quiet", "--format", "jsonl", missing], 8, err_lines=0)
        doc = json.loads(p.stdout)
        if doc["verdict"] != "unknown" or not doc["error"] or doc["image"] != missing:
            failed += 1
            print("FAIL: jsonl of a missing image:", p.stdout)
        else:
            passed += 1
        expect(["scan", tmp], 8, err_has="directory", err_lines=1)
        expect(["extract", missing, os.path.join(tmp, "out")], 8, err_has=missing, err_lines=1)
        # several images, one unreadable: the flags combine, one JSON document
        # (two different paths: scan scans a path given twice once)
        p = expect(["scan", "--quiet", "--format", "json", missing, missing + "2"], 8)
        doc = json.loads(p.stdout)
        if len(doc["images"]) != 2:
            failed += 1
            print("FAIL: json document for two images:", p.stdout[:300])
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
