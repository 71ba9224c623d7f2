# SPDX-License-Identifier: Apache-2.0
"""The damage corpus: damaged disk images generated from the fixture images.

Every case is made here, deterministically, from tiny-safe (a 2 MiB bare NTFS volume with
the whole Windows tree) or sp2-safe (24 MiB behind an MBR), never stored:

  truncate-*      the image cut at many points (boot sector, $MFT, index blocks, hives, PEs,
                  the end) - the image is shorter than its volume says
  mft-flip-*      one bit flipped in an MFT record the scan needs ($MFT, $UpCase, the root,
                  the directories down to inetsrv, the hives, the PEs)
  mft-*           one field of an MFT record made hostile: attribute length 0 (a loop that
                  never advances) or huge, first-attribute offset out of the record, used
                  size huge, fixup array out of range, data runs claiming exabytes
  indx-flip-*     one bit flipped in an $I30 index block
  indx-*          index node fields made hostile: entry length 0, entries offset out of the
                  block, index length huge, a child VCN pointing at the block itself (a loop)
  hive-*          the SOFTWARE or SYSTEM hive edited in place: cell loops (a key listing
                  itself as its sub-key, an ri list containing itself), huge declared sizes
                  (hive bins size, hbin size, cell size, value data size, name length),
                  enormous counts, out-of-range offsets, a bad checksum, unequal sequence
                  numbers, bit flips
  pe-*            iisutil.dll or w3core.dll edited in place: resource directory loops,
                  overlapping and out-of-range section offsets, huge section and entry
                  counts, export/import tables out of range or without terminator,
                  VS_VERSIONINFO lengths 0 or huge, bit flips

cases(fixture_dir) yields (name, bytes). Files stay the same size when edited in place, so
that the file system still finds them and the damage reaches the parser behind it.
"""
import hashlib
import json
import os
import random
import struct


class Image:
    """A fixture image in memory plus what expected.json says about its files."""

    def __init__(self, fixture_dir, scenario):
        base = os.path.join(fixture_dir, scenario)
        with open(os.path.join(base, "disk.raw"), "rb") as f:
            self.data = f.read()
        with open(os.path.join(base, "expected.json")) as f:
            self.expected = json.load(f)
        self.scenario = scenario
        part = self.expected["partitions"][0]
        self.part_offset = part["offset"]
        boot = self.data[self.part_offset:self.part_offset + 512]
        self.sector = struct.unpack_from("<H", boot, 0x0B)[0]
        self.cluster = self.sector * boot[0x0D]
        self.mft = self.part_offset + struct.unpack_from("<Q", boot, 0x30)[0] * self.cluster
        cpr = struct.unpack_from("<b", boot, 0x40)[0]
        self.record_size = (1 << -cpr) if cpr < 0 else cpr * self.cluster
        self.files = {f["path"].lower(): f for f in self.expected["files"]}
        self.artefacts = {}
        adir = os.path.join(fixture_dir, ".artefacts")
        for name in os.listdir(adir):
            with open(os.path.join(adir, name), "rb") as f:
                blob = f.read()
            self.artefacts[hashlib.sha256(blob).hexdigest()] = blob

    def record(self, inode):
        return self.mft + inode * self.record_size

    def inode(self, path):
        return self.files[path.lower()]["inode"]

    def file_offset(self, path):
        """Where the (contiguous) bytes of a file lie in the image, found by content."""
        f = self.files[path.lower()]
        blob = self.artefacts[f["sha256"]]
        at = self.data.find(blob, self.part_offset)
        if at < 0 or self.data.find(blob, at + 1) >= 0:
            raise RuntimeError("%s: not found exactly once in %s" % (path, self.scenario))
        return at, blob

    def with_bytes(self, offset, new):
        return self.data[:offset] + bytes(new) + self.data[offset + len(new):]


def flip(data, bit):
    b = bytearray(data)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


def put(data, offset, fmt, *values):
    b = bytearray(data)
    struct.pack_into(fmt, b, offset, *values)
    return bytes(b)


# ---------------------------------------------------------------------------------------
# NTFS
# ---------------------------------------------------------------------------------------
WINDOWS_PATHS = ["\\WINDOWS", "\\WINDOWS\\system32", "\\WINDOWS\\system32\\config",
                 "\\WINDOWS\\system32\\inetsrv", "\\WINDOWS\\system32\\config\\SOFTWARE",
                 "\\WINDOWS\\system32\\config\\SYSTEM",
                 "\\WINDOWS\\system32\\inetsrv\\iisutil.dll",
                 "\\WINDOWS\\system32\\inetsrv\\w3core.dll",
                 "\\WINDOWS\\system32\\kernel32.dll"]


def first_attribute(rec):
    return struct.unpack_from("<H", rec, 0x14)[0]


def attribute_offsets(rec):
    off, out = first_attribute(rec), []
    while off + 8 <= len(rec):
        kind, length = struct.unpack_from("<II", rec, off)
        if kind == 0xFFFFFFFF or length == 0:
            break
        out.append((kind, off))
        off += length
    return out


def ntfs_cases(img, rng):
    named = [(0, "mft"), (3, "volume"), (5, "root"), (10, "upcase")]
    named += [(img.inode(p), p.rsplit("\\", 1)[1].lower()) for p in WINDOWS_PATHS]
    for inode, label in named:
        at = img.record(inode)
        rec = img.data[at:at + img.record_size]
        used = struct.unpack_from("<I", rec, 0x18)[0]
        for i in range(4):
            bit = rng.randrange(min(used, img.record_size) * 8)
            yield "mft-flip-%s-%d" % (label, i), img.with_bytes(at, flip(rec, bit))
        attrs = attribute_offsets(rec)
        if label in ("root", "windows", "software", "iisutil.dll"):
            a0 = attrs[0][1]
            yield "mft-%s-attr-length-0" % label, img.with_bytes(at, put(rec, a0 + 4, "<I", 0))
            yield ("mft-%s-attr-length-huge" % label,
                   img.with_bytes(at, put(rec, a0 + 4, "<I", 0xFFFFFFF8)))
            yield ("mft-%s-first-attr-out" % label,
                   img.with_bytes(at, put(rec, 0x14, "<H", img.record_size - 4)))
            yield "mft-%s-used-huge" % label, img.with_bytes(at, put(rec, 0x18, "<I", 0xFFFFFFF0))
            yield "mft-%s-usa-count-huge" % label, img.with_bytes(at, put(rec, 0x06, "<H", 0xFFFF))
            yield ("mft-%s-usa-offset-out" % label,
                   img.with_bytes(at, put(rec, 0x04, "<H", img.record_size - 2)))
            yield ("mft-%s-base-self" % label,
                   img.with_bytes(at, put(rec, 0x20, "<Q", inode | (1 << 48))))
            for kind, off in attrs:
                if rec[off + 8] == 1:  # non-resident: data runs claiming exabytes
                    runs = struct.unpack_from("<H", rec, off + 0x20)[0]
                    hostile = bytes([0x88]) + b"\xff" * 8 + b"\x7f" * 7 + b"\x7f" + b"\x00"
                    new = bytearray(rec)
                    new[off + runs:off + runs + len(hostile)] = hostile[:max(0, min(
                        len(hostile), struct.unpack_from("<I", rec, off + 4)[0] - runs))]
                    yield ("mft-%s-runs-huge-0x%x" % (label, kind), img.with_bytes(at, new))
                    yield ("mft-%s-size-huge-0x%x" % (label, kind),
                           img.with_bytes(at, put(rec, off + 0x30, "<QQQ", 1 << 62, 1 << 62,
                                                  1 << 62)))
                    break


def indx_cases(img, rng):
    blocks = []
    for at in range(img.part_offset, len(img.data) - 4096, img.sector):
        if img.data[at:at + 4] == b"INDX":
            blocks.append(at)
    for n, at in enumerate(blocks[:12]):
        block = img.data[at:at + 4096]
        length = struct.unpack_from("<I", block, 0x1C)[0] + 0x18
        for i in range(3):
            bit = rng.randrange(min(length, 4096) * 8)
            yield "indx-flip-%d-%d" % (n, i), img.with_bytes(at, flip(block, bit))
        first = 0x18 + struct.unpack_from("<I", block, 0x18)[0]
        yield "indx-%d-entry-length-0" % n, img.with_bytes(at, put(block, first + 8, "<H", 0))
        yield ("indx-%d-entry-length-huge" % n,
               img.with_bytes(at, put(block, first + 8, "<H", 0xFFF8)))
        yield ("indx-%d-entries-offset-out" % n,
               img.with_bytes(at, put(block, 0x18, "<I", 0xFFFFFFF0)))
        yield ("indx-%d-index-length-huge" % n,
               img.with_bytes(at, put(block, 0x1C, "<I", 0xFFFFFFF0)))
        # The first entry claims a child block: the VCN of this very block (a loop).
        vcn = struct.unpack_from("<Q", block, 0x10)[0]
        elen = struct.unpack_from("<H", block, first + 8)[0]
        if 16 <= elen < 4096 - first:
            new = bytearray(block)
            new[first + 12] |= 1
            struct.pack_into("<Q", new, first + elen - 8, vcn)
            yield "indx-%d-child-self" % n, img.with_bytes(at, new)


# ---------------------------------------------------------------------------------------
# regf (hive) - base block 4096 bytes, then hbins; cell offsets are relative to 4096
# ---------------------------------------------------------------------------------------
def regf_cells(hive):
    """(offset, signature) of every allocated cell, offsets relative to the first hbin."""
    out, at = [], 4096
    while at + 32 <= len(hive) and hive[at:at + 4] == b"hbin":
        size = struct.unpack_from("<I", hive, at + 8)[0]
        cell = at + 32
        while cell + 4 <= at + size:
            csize = struct.unpack_from("<i", hive, cell)[0]
            if csize == 0:
                break
            if csize < 0:
                out.append((cell - 4096, hive[cell + 4:cell + 6]))
            cell += abs(csize)
        at += size
    return out


def hive_cases(img, path, label, rng):
    at, hive = img.file_offset(path)
    root = struct.unpack_from("<I", hive, 0x24)[0]
    cells = regf_cells(hive)
    nk = [o for o, s in cells if s == b"nk"]
    vk = [o for o, s in cells if s == b"vk"]
    lists = [o for o, s in cells if s in (b"lf", b"lh", b"li")]

    def cell(off):
        return 4096 + off + 4  # file offset of a cell's data

    def edit(name, offset, fmt, *values):
        return ("hive-%s-%s" % (label, name), img.with_bytes(at, put(hive, offset, fmt, *values)))

    yield edit("checksum-bad", 0x1FC, "<I", struct.unpack_from("<I", hive, 0x1FC)[0] ^ 0x5A5A)
    yield edit("sequence-unequal", 0x08, "<I", struct.unpack_from("<I", hive, 0x04)[0] + 1)
    yield edit("bins-size-huge", 0x28, "<I", 0xFFFFF000)
    yield edit("bins-size-0", 0x28, "<I", 0)
    yield edit("root-out", 0x24, "<I", 0x7FFFFFF0)
    yield edit("root-unaligned", 0x24, "<I", root + 3)
    yield edit("root-is-hbin", 0x24, "<I", 0)
    yield edit("hbin-size-huge", 4096 + 8, "<I", 0xFFFFF000)
    yield edit("hbin-size-0", 4096 + 8, "<I", 0)
    yield edit("hbin-offset-wrong", 4096 + 4, "<I", 0x1000)
    yield edit("root-cell-size-huge", cell(root) - 4, "<i", -0x7FFFFFF8)
    yield edit("root-cell-size-0", cell(root) - 4, "<i", 0)
    yield edit("root-subkeys-huge", cell(root) + 0x14, "<I", 0xFFFFFFFF)
    yield edit("root-values-huge", cell(root) + 0x24, "<I", 0xFFFFFFFF)
    yield edit("root-subkey-list-out", cell(root) + 0x1C, "<I", 0x7FFFFFF0)
    yield edit("root-name-length-huge", cell(root) + 0x48, "<H", 0xFFFF)
    yield edit("root-parent-self", cell(root) + 0x10, "<I", root)
    # A key whose sub-key list names the key itself: root -> root -> ... (a cell loop).
    root_list = struct.unpack_from("<I", hive, cell(root) + 0x1C)[0]
    if root_list in lists:
        sig = hive[cell(root_list):cell(root_list) + 2]
        step = 4 if sig == b"li" else 8
        yield edit("loop-root-lists-root", cell(root_list) + 4, "<I", root)
        count = struct.unpack_from("<H", hive, cell(root_list) + 2)[0]
        yield edit("list-count-huge", cell(root_list) + 2, "<H", 0xFFFF)
        if count > 1:
            yield edit("loop-list-last-is-root", cell(root_list) + 4 + step * (count - 1),
                       "<I", root)
        # The root's list replaced by an ri list that contains itself.
        new = bytearray(hive)
        new[cell(root_list):cell(root_list) + 2] = b"ri"
        struct.pack_into("<HI", new, cell(root_list) + 2, 1, root_list)
        yield "hive-%s-loop-ri-self" % label, img.with_bytes(at, new)
    # Deeper keys: every nk lists its first sub-key's parent as itself, counts huge.
    for i, off in enumerate(nk[1:6]):
        sub = struct.unpack_from("<I", hive, cell(off) + 0x1C)[0]
        if sub in lists:
            yield edit("loop-nk%d-lists-root" % i, cell(sub) + 4, "<I", root)
            yield edit("loop-nk%d-lists-self" % i, cell(sub) + 4, "<I", off)
        yield edit("nk%d-values-huge" % i, cell(off) + 0x24, "<I", 0x7FFFFFFF)
        yield edit("nk%d-value-list-out" % i, cell(off) + 0x28, "<I", 0xFFFFFFF0)
    for i, off in enumerate(vk[:8]):
        yield edit("vk%d-data-size-huge" % i, cell(off) + 0x04, "<I", 0x7FFFFFFF)
        yield edit("vk%d-data-offset-out" % i, cell(off) + 0x08, "<I", 0x7FFFFFF0)
        yield edit("vk%d-name-length-huge" % i, cell(off) + 0x02, "<H", 0xFFFF)
    if vk:
        yield edit("vk-big-data-db", cell(vk[0]) + 0x04, "<I", 0x3FFFFFFF)
    for i in range(12):
        bit = rng.randrange(4096 * 8, len(hive) * 8)
        yield "hive-%s-flip-%d" % (label, i), img.with_bytes(at, flip(hive, bit))
    yield "hive-%s-flip-base" % label, img.with_bytes(at, flip(hive, rng.randrange(0x200 * 8)))


# ---------------------------------------------------------------------------------------
# PE
# ---------------------------------------------------------------------------------------
def pe_layout(pe):
    lfanew = struct.unpack_from("<I", pe, 0x3C)[0]
    coff = lfanew + 4
    nsec, opt_size = struct.unpack_from("<H", pe, coff + 2)[0], struct.unpack_from(
        "<H", pe, coff + 16)[0]
    opt = coff + 20
    magic = struct.unpack_from("<H", pe, opt)[0]
    dirs = opt + (96 if magic == 0x10B else 112)
    sections = opt + opt_size
    secs = []
    for i in range(nsec):
        s = sections + 40 * i
        vsize, va, rsize, rptr = struct.unpack_from("<IIII", pe, s + 8)
        secs.append((s, va, vsize, rptr, rsize))
    return lfanew, coff, opt, dirs, secs


def rva_to_off(secs, rva):
    for _, va, vsize, rptr, rsize in secs:
        if va <= rva < va + max(vsize, rsize):
            return rptr + rva - va
    return None


def pe_cases(img, path, label, rng):
    at, pe = img.file_offset(path)
    lfanew, coff, opt, dirs, secs = pe_layout(pe)

    def edit(name, offset, fmt, *values):
        return ("pe-%s-%s" % (label, name), img.with_bytes(at, put(pe, offset, fmt, *values)))

    yield edit("lfanew-out", 0x3C, "<I", 0x7FFFFFF0)
    yield edit("lfanew-negative", 0x3C, "<I", 0xFFFFFFFC)
    yield edit("lfanew-zero", 0x3C, "<I", 0)
    yield edit("sections-huge", coff + 2, "<H", 0xFFFF)
    yield edit("optional-size-huge", coff + 16, "<H", 0xFFFF)
    yield edit("optional-magic-bad", opt, "<H", 0x0107)
    yield edit("dir-count-huge", dirs - 4, "<I", 0xFFFFFFFF)
    for i, (s, va, vsize, rptr, rsize) in enumerate(secs[:4]):
        yield edit("sec%d-raw-out" % i, s + 20, "<I", 0xFFFFFE00)
        yield edit("sec%d-raw-size-huge" % i, s + 16, "<I", 0xFFFFFFFF)
        yield edit("sec%d-vsize-huge" % i, s + 8, "<I", 0xFFFFFFFF)
        yield edit("sec%d-overlaps-headers" % i, s + 20, "<I", 0)
        if i > 0:
            yield edit("sec%d-overlaps-sec0" % i, s + 12, "<I", secs[0][1])
    # Data directories: 0 export, 1 import, 2 resource.
    for index, name in ((0, "export"), (1, "import"), (2, "resource")):
        d = dirs + 8 * index
        yield edit("%s-rva-out" % name, d, "<I", 0x7FFFFFF0)
        yield edit("%s-size-huge" % name, d + 4, "<I", 0xFFFFFFFF)
    exp_rva = struct.unpack_from("<I", pe, dirs)[0]
    exp = rva_to_off(secs, exp_rva) if exp_rva else None
    if exp is not None:
        yield edit("export-names-huge", exp + 24, "<I", 0xFFFFFFFF)
        yield edit("export-functions-huge", exp + 20, "<I", 0xFFFFFFFF)
        yield edit("export-name-table-out", exp + 32, "<I", 0x7FFFFFF0)
        yield edit("export-ordinal-table-out", exp + 36, "<I", 0x7FFFFFF0)
    imp_rva = struct.unpack_from("<I", pe, dirs + 8)[0]
    imp = rva_to_off(secs, imp_rva) if imp_rva else None
    if imp is not None:
        yield edit("import-name-out", imp + 12, "<I", 0x7FFFFFF0)
        yield edit("import-thunks-out", imp, "<II", 0x7FFFFFF0, 0)
        # No terminating descriptor: every descriptor slot to the end of the section
        # filled with a copy of the first one.
        new = bytearray(pe)
        first = pe[imp:imp + 20]
        end = next((rptr + rsize for _, va, vs, rptr, rsize in secs if rptr <= imp < rptr + rsize),
                   len(pe))
        for o in range(imp, min(end, len(pe)) - 19, 20):
            new[o:o + 20] = first
        yield "pe-%s-import-no-terminator" % label, img.with_bytes(at, new)
        thunk_rva = struct.unpack_from("<I", pe, imp)[0] or struct.unpack_from("<I", pe, imp + 16)[0]
        thunk = rva_to_off(secs, thunk_rva)
        if thunk is not None:
            yield edit("import-thunk-name-out", thunk, "<I", 0x7FFFFFF0)
    res_rva = struct.unpack_from("<I", pe, dirs + 16)[0]
    res = rva_to_off(secs, res_rva) if res_rva else None
    if res is not None:
        named, ids = struct.unpack_from("<HH", pe, res + 12)
        yield edit("resource-root-entries-huge", res + 14, "<H", 0xFFFF)
        if named + ids:
            e = res + 16
            # The first entry of the root names the root as its sub-directory: a loop.
            yield edit("resource-loop-root", e + 4, "<I", 0x80000000)
            yield edit("resource-entry-out", e + 4, "<I", 0x8FFFFFF0)
            yield edit("resource-leaf-out", e + 4, "<I", 0x0FFFFFF0)
            sub = struct.unpack_from("<I", pe, e + 4)[0] & 0x7FFFFFFF
            if struct.unpack_from("<I", pe, e + 4)[0] & 0x80000000 and res + sub + 16 < len(pe):
                yield edit("resource-loop-child-to-root", res + sub + 16 + 4, "<I", 0x80000000)
                yield edit("resource-loop-child-self", res + sub + 16 + 4, "<I", 0x80000000 | sub)
        # VS_VERSIONINFO: find it by its key and make its lengths hostile.
        key = "VS_VERSION_INFO".encode("utf-16-le")
        v = pe.find(key)
        if v >= 6:
            vs = v - 6
            yield edit("version-length-0", vs, "<H", 0)
            yield edit("version-length-huge", vs, "<H", 0xFFFF)
            yield edit("version-value-length-huge", vs + 2, "<H", 0xFFFF)
            sfi = pe.find("StringFileInfo".encode("utf-16-le"))
            if sfi >= 6:
                yield edit("version-sfi-length-0", sfi - 6, "<H", 0)
                yield edit("version-sfi-length-huge", sfi - 6, "<H", 0xFFFF)
            fv = pe.find("FileVersion".encode("utf-16-le"))
            if fv >= 6:
                yield edit("version-string-length-1", fv - 6, "<H", 1)
                yield edit("version-string-value-huge", fv - 4, "<H", 0xFFFF)
    for i in range(10):
        bit = rng.randrange(len(pe) * 8)
        yield "pe-%s-flip-%d" % (label, i), img.with_bytes(at, flip(pe, bit))


# ---------------------------------------------------------------------------------------
def truncate_cases(img, label, points):
    for p in points:
        yield "truncate-%s-%d" % (label, p), img.data[:p]


def cases(fixture_dir):
    rng = random.Random(973917)  # deterministic: the same corpus on every run
    tiny = Image(fixture_dir, "tiny-safe")
    mbr = Image(fixture_dir, "sp2-safe")
    size = len(tiny.data)
    points = sorted(set([0, 1, 511, 512, 513, 4096, tiny.mft, tiny.mft + 1024,
                         tiny.record(5), tiny.record(5) + 512, tiny.record(10) + 1000] +
                        [tiny.record(tiny.inode(p)) + 700 for p in WINDOWS_PATHS] +
                        [tiny.file_offset(p)[0] + 100 for p in WINDOWS_PATHS[4:]] +
                        list(range(16384, size, 65536)) + [size - 512, size - 1]))
    yield from truncate_cases(tiny, "tiny", points)
    mp = mbr.part_offset
    yield from truncate_cases(mbr, "mbr", [446, 512, mp, mp + 512, mbr.mft, mbr.mft + 4096,
                                           mbr.record(5) + 512, len(mbr.data) // 2,
                                           len(mbr.data) - 4096])
    yield from ntfs_cases(tiny, rng)
    yield from indx_cases(tiny, rng)
    yield from hive_cases(tiny, "\\WINDOWS\\system32\\config\\SOFTWARE", "software", rng)
    yield from hive_cases(tiny, "\\WINDOWS\\system32\\config\\SYSTEM", "system", rng)
    yield from pe_cases(tiny, "\\WINDOWS\\system32\\inetsrv\\iisutil.dll", "iisutil", rng)
    yield from pe_cases(tiny, "\\WINDOWS\\system32\\inetsrv\\w3core.dll", "w3core", rng)
