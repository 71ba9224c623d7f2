#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Runs the real kbprobe CLI on every container of one fixture scenario and checks it.

  scan_scenario.py --kbprobe BUILD/kbprobe --fixture-dir DIR SCENARIO

For each container of the scenario (expected.json, written by the fixture factory):
  * `scan --format jsonl`: the verdict and the exit status the scenario expects, the
    "image" member equal to the path given, "chain" listing the files read (the image alone,
    or a differencing child then its parent), the expected unresolved imports and installed
    updates present; or, for `expect open-error`, exit bit 8 and a one-line error on stderr
    naming the image;
  * differencing chains (the scenario's `chain`): the child gives the scenario's verdict and
    its parent alone the base scenario's verdict (so the child's clusters are what changed
    it); a child whose parent is missing fails to open, one line naming the parent;
  * `scan` (text): the first line names the same verdict, the same exit status;
  * `extract` (containers The Sleuth Kit reads, scenarios that expect files): every file the
    scenario lists is written, byte-identical to what `icat` gives from the same container,
    and manifest.json agrees (source path, partition, MFT entry, size, SHA-256); a second
    extract into the same directory is refused.
No run may crash or print a sanitizer report. Ends with "N passed, N failed".
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

EXIT_BITS = {"safe": 0, "not-applicable": 0, "at-risk": 1, "broken": 2, "unknown": 4}
SANITIZER_MARKS = ("AddressSanitizer", "runtime error:", "LeakSanitizer", "UndefinedBehaviorSanitizer")


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL:", what)
        return ok


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, timeout=300)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def clean_run(c, what, code, stderr):
    c.check(code >= 0, f"{what}: killed by signal {-code}")
    c.check(not any(m in stderr for m in SANITIZER_MARKS), f"{what}: sanitizer report:\n{stderr}")


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def all_imports(doc):
    """Every unresolved import name reported in any installation and directory."""
    names = set()
    for inst in doc.get("installations") or []:
        iis = inst.get("iis") or {}
        for d in iis.values():
            if isinstance(d, dict) and isinstance(d.get("imports"), dict):
                names.update(d["imports"].get("unresolved_names") or [])
    return names


def all_updates(doc):
    ids = set()
    for inst in doc.get("installations") or []:
        for u in inst.get("updates") or []:
            ids.add(u.get("id"))
    return ids


def check_extract_refused(c, kbprobe, image, label):
    """An image kbprobe cannot read: extract fails with one line naming the image."""
    with tempfile.TemporaryDirectory() as tmp:
        code, out, err = run([kbprobe, "extract", image, os.path.join(tmp, "out")])
        clean_run(c, f"{label} extract", code, err)
        err_lines = [l for l in err.splitlines() if l.strip()]
        c.check(code == 8, f"{label}: extract exit {code}, want 8")
        c.check(len(err_lines) == 1 and image in err_lines[0],
                f"{label}: extract stderr should be one line naming the image, got {err!r}")


def check_scan(c, kbprobe, image, expect, label, chain=None):
    code, out, err = run([kbprobe, "scan", "--format", "jsonl", image])
    clean_run(c, f"{label} scan", code, err)
    if expect.get("open_error") or (expect.get("verdict") == "unknown" and err.strip()):
        check_extract_refused(c, kbprobe, image, label)
    lines = [l for l in out.splitlines() if l.strip()]
    if not c.check(len(lines) == 1, f"{label}: jsonl gave {len(lines)} lines, want 1:\n{out}\n{err}"):
        return
    doc = json.loads(lines[0])
    c.check(doc.get("schema") == "kbprobe/scan/1", f"{label}: schema {doc.get('schema')}")
    c.check(doc.get("image") == image, f"{label}: image member {doc.get('image')!r}")
    if expect.get("open_error"):
        c.check(code & 8 == 8, f"{label}: exit {code}, want bit 8 (could not be opened)")
        c.check(doc.get("error"), f"{label}: no error member")
        err_lines = [l for l in err.splitlines() if l.strip()]
        c.check(len(err_lines) == 1 and image in err_lines[0],
                f"{label}: stderr should be one line naming the image, got {err!r}")
        if expect.get("missing_parent"):
            c.check(len(err_lines) == 1 and expect["missing_parent"] in err_lines[0]
                    and "not found" in err_lines[0],
                    f"{label}: error should name the missing parent "
                    f"{expect['missing_parent']}, got {err!r}")
        return
    c.check(doc.get("chain") == (chain or [image]),
            f"{label}: chain {doc.get('chain')!r}, want {chain or [image]!r}")
    want = expect["verdict"]
    c.check(doc.get("verdict") == want,
            f"{label}: verdict {doc.get('verdict')!r}, want {want!r}: {doc.get('summary')} "
            f"{json.dumps(doc.get('reasons'))[:600]} error={doc.get('error')}")
    c.check(code == EXIT_BITS[want], f"{label}: exit {code}, want {EXIT_BITS[want]}")
    if want == "unknown":
        c.check(doc.get("reasons"), f"{label}: unknown without a reason")
        if doc.get("error"):
            err_lines = [l for l in err.splitlines() if l.strip()]
            c.check(len(err_lines) == 1 and image in err_lines[0],
                    f"{label}: stderr should be one line naming the image, got {err!r}")
    missing = all_imports(doc)
    for name in expect.get("missing_imports") or []:
        c.check(name in missing, f"{label}: unresolved import {name} not reported ({sorted(missing)})")
    updates = all_updates(doc)
    for kb in expect.get("installed_updates") or []:
        c.check(kb in updates, f"{label}: update {kb} not reported ({sorted(updates)})")
    if expect.get("windows_dir") and want not in ("not-applicable", "unknown"):
        dirs = [i.get("windows_dir", "").lower() for i in doc.get("installations") or []]
        c.check(expect["windows_dir"].lower() in dirs, f"{label}: windows dirs {dirs}")

    code2, out2, err2 = run([kbprobe, "scan", image])
    clean_run(c, f"{label} scan text", code2, err2)
    first = out2.splitlines()[0] if out2 else ""
    c.check(code2 == code, f"{label}: text exit {code2} != jsonl exit {code}")
    c.check(want in first.lower(), f"{label}: text report's first line {first!r} lacks {want}")


def icat(tsk_type, image, offset, sector_size, inode):
    cmd = ["icat", "-i", tsk_type, "-o", str(offset // sector_size), image, str(inode)]
    proc = subprocess.run(cmd, capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def check_extract(c, kbprobe, image, tsk_type, exp, label, oracle_image=None, chain=None):
    wanted = exp["expect"].get("extract") or []
    if not wanted:
        return
    files = {f["path"].lower(): f for f in exp.get("files") or [] if f.get("partition") == exp["expect"].get("partition")}
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = os.path.join(tmp, "out")
        code, out, err = run([kbprobe, "extract", "--quiet", image, out_dir])
        clean_run(c, f"{label} extract", code, err)
        if not c.check(code == 0, f"{label}: extract exit {code}: {err}"):
            return
        with open(os.path.join(out_dir, "manifest.json")) as fh:
            manifest = json.load(fh)
        c.check(manifest.get("chain") == (chain or [image]),
                f"{label}: manifest chain {manifest.get('chain')!r}, want {chain or [image]!r}")
        by_source = {m["source"].lower(): m for m in manifest["files"]}
        for path in wanted:
            m = by_source.get(path.lower())
            if not c.check(m is not None, f"{label}: extract lacks {path} (has {sorted(by_source)})"):
                continue
            with open(os.path.join(out_dir, m["file"]), "rb") as fh:
                data = fh.read()
            fact = files.get(path.lower())
            if not c.check(fact is not None, f"{label}: expected.json lacks {path}"):
                continue
            oracle = icat(tsk_type, oracle_image or image, fact["partition_offset"],
                          exp["sector_size"], fact["inode"])
            c.check(data == oracle, f"{label}: {path} differs from icat ({len(data)} vs {len(oracle)} bytes)")
            c.check(m["sha256"] == sha256_bytes(data) == fact["sha256"], f"{label}: {path} sha256 mismatch")
            c.check(m["mft_entry"] == fact["inode"], f"{label}: {path} MFT entry {m['mft_entry']} != {fact['inode']}")
            c.check(m["size"] == len(data), f"{label}: {path} size")
            # kbprobe numbers a bare volume (no partition table) 0; the factory calls it 1
            bare = all(p.get("scheme") == "none" for p in exp.get("partitions") or [])
            want_partition = 0 if bare else fact["partition"]
            c.check(m["partition"] == want_partition, f"{label}: {path} partition {m['partition']}")
        # refuses to overwrite
        code, out, err = run([kbprobe, "extract", "--quiet", image, out_dir])
        clean_run(c, f"{label} extract again", code, err)
        c.check(code != 0 and "refusing to overwrite" in err, f"{label}: second extract exit {code}: {err}")


def fingerprint(base, files):
    """sha256, size and mtime of every file of a container: the evidence must not change."""
    out = {}
    for name in files:
        path = os.path.join(base, name)
        st = os.stat(path)
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        out[name] = (h.hexdigest(), st.st_size, st.st_mtime_ns)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kbprobe", required=True)
    ap.add_argument("--fixture-dir", required=True)
    ap.add_argument("scenario")
    args = ap.parse_args()

    base = os.path.join(args.fixture_dir, args.scenario)
    with open(os.path.join(base, "expected.json")) as fh:
        exp = json.load(fh)
    c = Checker()
    chains = (exp.get("chain") or {}).get("containers") or {}
    for container, files in sorted(exp["images"].items()):
        image = os.path.join(base, files[0])
        label = f"{args.scenario}/{container}"
        expect = dict(exp["expect"])
        chain = None
        if container in chains:
            parent = os.path.join(base, chains[container]["base"])
            if exp["chain"]["parent"] == "missing":
                expect = {"open_error": True, "missing_parent": parent}
            else:
                chain = [image, parent]
        before = fingerprint(base, files)
        check_scan(c, args.kbprobe, image, expect, label, chain)
        if chain is not None:
            # the parent alone is the older state: a different verdict proves the child counts
            base_expect = {"verdict": exp["chain"]["base_verdict"]}
            c.check(base_expect["verdict"] != expect.get("verdict"),
                    f"{label}: base and chain expect the same verdict; the test proves nothing")
            check_scan(c, args.kbprobe, parent, base_expect, f"{label} (parent alone)")
        tsk_type = (exp.get("tsk_types") or {}).get(container)
        oracle_image = None
        if tsk_type is None and container in (exp.get("qemu_formats") or {}):
            # QCOW2 and the chains: TSK cannot read them, so icat reads disk.raw, which
            # verify_images has checked equal to them with qemu-img compare
            tsk_type, oracle_image = "raw", os.path.join(base, "disk.raw")
        if tsk_type and not exp["expect"].get("open_error") and exp["expect"].get("verdict") != "unknown":
            check_extract(c, args.kbprobe, image, tsk_type, exp, label, oracle_image, chain)
        c.check(fingerprint(base, files) == before, f"{label}: the image changed (bytes or mtime)")
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
