#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The evidence stays untouched and extract writes only where it is told.

    evidence_safety.py --kbprobe BIN [--fixture-dir DIR]

Complements tests/integration/scan_scenario.py (which fingerprints one scenario's
containers around its own scan and extract):

1. Integrity, all at once: every file under the fixture directory's scenario folders (every
   container, every segment) is fingerprinted (sha256, size, mtime), then every command form
   runs on the first file of every container of every scenario - scan --format json and
   extract on each, scan (text), --format jsonl and --candidate on the raw one - and then
   everything is fingerprinted again: no byte,
   size or mtime may change, and no file may appear beside the evidence.
2. extract refuses, writing nothing anywhere:
   - an output directory that is a symbolic link (to an empty directory that must stay empty),
   - an output directory that is a regular file,
   - an existing manifest.json, and an existing p1-install1 directory or link in it,
   - a second extract into the same directory (nothing overwritten: hashes unchanged).
3. Host names come from kbprobe, never from the image: after extracting images whose names
   are unusual (custom Windows directory \\WIN2K3, upper-case SYSTEM32\\CONFIG\\software,
   two installations), every path created is one of manifest.json and
   p<N>-install<M>/{iisutil.dll, w3core.dll, wow64-iisutil.dll, wow64-w3core.dll, SOFTWARE,
   SYSTEM}, a regular file inside the output directory, and nothing appeared in the working
   directory or beside the output directory.
Ends with "N passed, N failed".
"""
import argparse
import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import tempfile

HOST_NAME = re.compile(r"^(manifest\.json|p[0-9]+-install[0-9]+(/(iisutil\.dll|w3core\.dll|"
                       r"wow64-iisutil\.dll|wow64-w3core\.dll|SOFTWARE|SYSTEM))?)$")


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL " + what)
        return ok


def run(cmd, cwd=None):
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def fingerprint_tree(root, dirs):
    out = {}
    for d in dirs:
        for name in sorted(os.listdir(os.path.join(root, d))):
            path = os.path.join(root, d, name)
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode):
                continue
            h = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            out[path] = (h.hexdigest(), st.st_size, st.st_mtime_ns)
    return out


def tree(root):
    """Every path under root, relative, '/'-separated, with its kind."""
    out = {}
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(base, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            out[rel] = "link" if stat.S_ISLNK(st.st_mode) else (
                "dir" if stat.S_ISDIR(st.st_mode) else "file")
    return out


def integrity(c, kbprobe, fixture_dir, index):
    dirs = [s["dir"] for s in index["scenarios"]]
    before = fingerprint_tree(fixture_dir, dirs)
    with tempfile.TemporaryDirectory(prefix="kb-evidence-") as tmp:
        # Any PE will do as a --candidate: the first one the fixture factory built.
        adir = os.path.join(fixture_dir, ".artefacts")
        cand_path = next((os.path.join(adir, n) for n in sorted(os.listdir(adir))
                          if n.endswith(".pe")), None)
        runs = 0
        for s in index["scenarios"]:
            for container, files in sorted(s["images"].items()):
                image = os.path.join(fixture_dir, files[0])
                # Every container gets scan --format json and extract; the other forms read
                # the same bytes, so the raw container alone gets them (keeps ASan runs short).
                forms = [["scan", "--format", "json"]]
                if container == "raw":
                    forms += [["scan"], ["scan", "--format", "jsonl"]]
                    if cand_path:
                        forms.append(["scan", "--candidate", cand_path])
                for args in forms:
                    code, out, err = run([kbprobe] + args + [image])
                    c.check(0 <= code < 16, "%s %s: exit %d" % (" ".join(args), image, code))
                    runs += 1
                out_dir = os.path.join(tmp, "x-%s-%s" % (s["name"], container))
                code, out, err = run([kbprobe, "extract", "--quiet", image, out_dir])
                c.check(code >= 0, "extract %s: signal %d" % (image, -code))
                runs += 1
    after = fingerprint_tree(fixture_dir, dirs)
    changed = sorted(p for p in before if before[p] != after.get(p))
    c.check(not changed, "evidence changed (bytes, size or mtime): %s" % changed[:5])
    c.check(set(after) == set(before), "files appeared or vanished beside the evidence: %s"
            % sorted(set(after) ^ set(before))[:5])
    print("integrity: %d files fingerprinted, %d commands run" % (len(before), runs))


def extract_refusals(c, kbprobe, image):
    with tempfile.TemporaryDirectory(prefix="kb-extract-") as tmp:
        target = os.path.join(tmp, "target")
        os.mkdir(target)
        link = os.path.join(tmp, "link")
        os.symlink(target, link)
        code, out, err = run([kbprobe, "extract", "--quiet", image, link])
        c.check(code != 0 and code > 0, "extract into a symlinked directory: exit %d" % code)
        c.check(os.listdir(target) == [], "extract wrote through a symlink: %s" % os.listdir(target))

        plain = os.path.join(tmp, "plain")
        with open(plain, "w") as f:
            f.write("keep\n")
        code, out, err = run([kbprobe, "extract", "--quiet", image, plain])
        c.check(code > 0 and open(plain).read() == "keep\n",
                "extract into a regular file: exit %d" % code)

        pre = os.path.join(tmp, "pre")
        os.mkdir(pre)
        with open(os.path.join(pre, "manifest.json"), "w") as f:
            f.write("{}\n")
        code, out, err = run([kbprobe, "extract", "--quiet", image, pre])
        c.check(code > 0 and "refusing to overwrite" in err, "existing manifest.json: exit %d %s"
                % (code, err.strip()))
        c.check(sorted(os.listdir(pre)) == ["manifest.json"] and
                open(os.path.join(pre, "manifest.json")).read() == "{}\n",
                "existing manifest.json: something was written: %s" % os.listdir(pre))

        sub_target = os.path.join(tmp, "sub-target")
        os.mkdir(sub_target)
        pre_link = os.path.join(tmp, "pre-link")
        os.mkdir(pre_link)
        os.symlink(sub_target, os.path.join(pre_link, "p1-install1"))
        code, out, err = run([kbprobe, "extract", "--quiet", image, pre_link])
        c.check(code > 0, "p1-install1 a symlink: exit %d" % code)
        c.check(os.listdir(sub_target) == [], "extract wrote through p1-install1 -> %s: %s"
                % (sub_target, os.listdir(sub_target)))

        pre_dir = os.path.join(tmp, "pre-dir")
        os.makedirs(os.path.join(pre_dir, "p1-install1"))
        with open(os.path.join(pre_dir, "p1-install1", "SOFTWARE"), "w") as f:
            f.write("keep\n")
        code, out, err = run([kbprobe, "extract", "--quiet", image, pre_dir])
        c.check(code > 0, "existing p1-install1 directory: exit %d" % code)
        c.check(open(os.path.join(pre_dir, "p1-install1", "SOFTWARE")).read() == "keep\n",
                "existing p1-install1/SOFTWARE was overwritten")

        again = os.path.join(tmp, "again")
        code, out, err = run([kbprobe, "extract", "--quiet", image, again])
        c.check(code == 0, "first extract: exit %d %s" % (code, err.strip()))
        first = fingerprint_tree(again, [d for d in [""] + sorted(
            d for d in os.listdir(again) if os.path.isdir(os.path.join(again, d)))])
        code, out, err = run([kbprobe, "extract", "--quiet", image, again])
        c.check(code > 0 and "refusing to overwrite" in err, "second extract: exit %d" % code)
        second = fingerprint_tree(again, [d for d in [""] + sorted(
            d for d in os.listdir(again) if os.path.isdir(os.path.join(again, d)))])
        c.check(first == second, "second extract changed the first one's files")


def host_names(c, kbprobe, fixture_dir, index):
    names = {s["name"]: s for s in index["scenarios"]}
    for scenario in ("custom-windir", "odd-case", "data-first", "x64-sp2-safe", "sp2-safe"):
        if scenario not in names:
            continue
        image = os.path.abspath(os.path.join(fixture_dir, names[scenario]["images"]["raw"][0]))
        with tempfile.TemporaryDirectory(prefix="kb-names-") as tmp:
            cwd = os.path.join(tmp, "cwd")
            os.mkdir(cwd)
            out_dir = os.path.join(tmp, "out")
            code, out, err = run([kbprobe, "extract", "--quiet", image, out_dir], cwd=cwd)
            if not c.check(code == 0, "%s: extract exit %d %s" % (scenario, code, err.strip())):
                continue
            created = tree(out_dir)
            bad = sorted(p for p in created if not HOST_NAME.match(p))
            c.check(not bad, "%s: host names not made by kbprobe: %s" % (scenario, bad))
            for rel, kind in created.items():
                real = os.path.realpath(os.path.join(out_dir, rel))
                c.check(kind in ("file", "dir") and real.startswith(os.path.realpath(out_dir) + "/"),
                        "%s: %s is a %s or lies outside the output" % (scenario, rel, kind))
            c.check(os.listdir(cwd) == [], "%s: extract wrote into the working directory"
                    % scenario)
            c.check(sorted(os.listdir(tmp)) == ["cwd", "out"],
                    "%s: extract wrote beside the output: %s" % (scenario, os.listdir(tmp)))
            manifest = json.load(open(os.path.join(out_dir, "manifest.json")))
            for f in manifest["files"]:
                c.check(HOST_NAME.match(f["file"]) is not None,
                        "%s: manifest names %r" % (scenario, f["file"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kbprobe", required=True)
    ap.add_argument("--fixture-dir", default=os.environ.get("KB_FIXTURE_DIR", ".cache/fixtures"))
    args = ap.parse_args()
    kbprobe = os.path.abspath(args.kbprobe)
    with open(os.path.join(args.fixture_dir, "index.json")) as f:
        index = json.load(f)
    c = Checks()
    integrity(c, kbprobe, args.fixture_dir, index)
    sp2 = [s for s in index["scenarios"] if s["name"] == "sp2-safe"]
    if c.check(bool(sp2), "sp2-safe missing from the fixtures"):
        extract_refusals(c, kbprobe, os.path.join(args.fixture_dir, sp2[0]["images"]["raw"][0]))
    host_names(c, kbprobe, args.fixture_dir, index)
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
