#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""pe_exiftool.py - cross-check kbprobe's PE parser against exiftool and objdump (ctest
unit.pe_exiftool).

Usage: pe_exiftool.py PE_DUMP FILE...

For each FILE (PE files built by fixtures/factory/mkpe, tests/unit/pe.cmake), runs PE_DUMP
(tests/unit/pe_dump.c: kbprobe's reading as JSON) and `exiftool -j -n` once over all files,
and checks that both agree on: COFF machine, PE32/PE32+, COFF characteristics,
VS_FIXEDFILEINFO file and product version numbers, whether there is a version resource, and
every StringFileInfo string (exiftool names most after the key; others as Tag<Key>). Then
the export names and the imports (DLL -> names) against `objdump -p` (mingw-w64 binutils),
since exiftool does not list them.
Exit status 0 when all agree, 1 otherwise (each disagreement on stderr).
"""

import json
import re
import subprocess
import sys

OBJDUMP = "x86_64-w64-mingw32-objdump"  # reads PE32 and PE32+ alike


def objdump_names(path):
    """Export names and {dll lower-cased: sorted names} from objdump -p."""
    text = subprocess.run([OBJDUMP, "-p", path], stdout=subprocess.PIPE,
                          check=True).stdout.decode("utf-8", "replace")
    exports, imports, section, dll = [], {}, None, None
    for line in text.splitlines():
        if line.startswith("[Ordinal/Name Pointer] Table"):
            section = "exports"
            continue
        if line.startswith("The Import Tables"):
            section = "imports"
            continue
        if section == "exports":
            m = re.match(r"^\s*\[\s*\d+\]\s+(\S+)$", line)
            if m:
                exports.append(m.group(1))
            else:
                section = None
        elif section == "imports":
            if line.startswith("There is") or line.startswith("The ") or line.startswith("PE "):
                section = None
                continue
            m = re.match(r"^\s*DLL Name:\s*(\S+)", line)
            if m:
                dll = m.group(1).lower()
                imports.setdefault(dll, [])
                continue
            fields = line.split()
            if dll is not None and len(fields) == 3 and re.match(r"^[0-9a-f]+$", fields[0]):
                imports[dll].append(fields[2])
    return sorted(exports), {d: sorted(n) for d, n in imports.items()}


def exiftool_key(tags, key):
    """The exiftool tag holding StringFileInfo `key`, case-insensitively (exiftool spells
    OriginalFilename as OriginalFileName and unknown keys as Tag<Key>)."""
    for name in (key, "Tag" + key):
        for tag in tags:
            if tag.lower() == name.lower():
                return tag
    return None


def main():
    if len(sys.argv) < 3:
        sys.stderr.write("usage: pe_exiftool.py PE_DUMP FILE...\n")
        return 2
    dump, files = sys.argv[1], sys.argv[2:]
    proc = subprocess.run(["exiftool", "-j", "-n", "-a"] + files, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    if proc.returncode != 0:
        sys.stderr.write("exiftool failed: %s\n" % proc.stderr.decode("utf-8", "replace"))
        return 1
    exif = {item["SourceFile"]: item for item in json.loads(proc.stdout.decode("utf-8"))}
    failures = 0
    checks = 0

    def check(path, what, ours, theirs):
        nonlocal failures, checks
        checks += 1
        if ours != theirs:
            failures += 1
            sys.stderr.write("%s: %s: kbprobe says %r, exiftool %r\n" % (path, what, ours, theirs))

    for path in files:
        out = subprocess.run([dump, path], stdout=subprocess.PIPE)
        if out.returncode != 0:
            sys.stderr.write("%s: pe_dump failed: %s\n" % (path, out.stdout.decode()))
            failures += 1
            continue
        ours = json.loads(out.stdout.decode("utf-8"))
        theirs = exif.get(path)
        if theirs is None:
            sys.stderr.write("%s: exiftool did not report it\n" % path)
            failures += 1
            continue
        check(path, "machine", ours["machine_code"], theirs.get("MachineType"))
        check(path, "PE type", 0x20B if ours["pe32plus"] else 0x10B, theirs.get("PEType"))
        check(path, "characteristics", ours["characteristics"],
              theirs.get("ImageFileCharacteristics"))
        check(path, "has version", ours["has_version"], "FileVersionNumber" in theirs)
        if ours["has_version"]:
            check(path, "FileVersionNumber", ours["file_version"],
                  theirs.get("FileVersionNumber"))
            check(path, "ProductVersionNumber", ours["product_version"],
                  theirs.get("ProductVersionNumber"))
        for key, value in ours["strings"].items():
            tag = exiftool_key(theirs, key)
            check(path, "string %s" % key, value,
                  None if tag is None else str(theirs[tag]))
        if not ours["strings"] and ours["has_version"]:
            check(path, "strings", "some", "none")
        exports, imports = objdump_names(path)
        check(path, "exports (objdump)", ours["exports"], exports)
        check(path, "imports (objdump)",
              {i["dll"].lower(): sorted(i["names"]) for i in ours["imports"]}, imports)
    sys.stderr.write("%d checks on %d files, %d failed\n" % (checks, len(files), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
