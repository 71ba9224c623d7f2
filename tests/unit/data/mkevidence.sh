#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# mkevidence.sh OUT_DIR SOURCE_DIR - the small disk images test_image, test_volume and test_fs
# read, made with the real tools (mkntfs, fixtures/factory/ntfsbuild.c over libntfs-3g, sfdisk,
# qemu-img, ewfacquire, split). Until the fixture factory's images are wired into these tests,
# this is their recipe; nothing binary is committed.
#
#   vol.ntfs       a 32 MiB NTFS volume (mkntfs -T: fixed serial and times), holding
#                    \WINDOWS\system32\config\SOFTWARE, \WINDOWS\system32\inetsrv\w3core.dll,
#                    3,000 files in \WINDOWS\system32 (a B-tree several blocks wide),
#                    \WINNT\system32\config (no hive), \Program Files\Größe.txt
#   bare.raw       the volume alone (no partition table)
#   mbr.raw        MBR: NTFS primary 1, an extended partition with the volume again as logical 5
#   gpt.raw        GPT: one NTFS partition
#   mbr.raw.001..  mbr.raw split in 16 MiB segments
#   mbr.vhd mbr.vhdx mbr.vmdk mbr.qcow2 mbr.E01   mbr.raw in each container
#   older.qcow2 older.vmdk   mbr.raw with the first 64 KiB of partition 1 zeroed (an older
#                  state), as the parents of:
#   newer.qcow2 newer.vmdk   differencing children holding only the clusters where mbr.raw
#                  differs from it (qemu-img rebase; VMDK converted from the QCOW2 child with
#                  -B): read as a chain they are mbr.raw
#   orphan.qcow2   a child whose parent (gone.qcow2) does not exist
#   escape.qcow2 absolute.qcow2   children naming ../mbr.qcow2 and an absolute path
#                  (qemu-img create -u: the name is not checked when made)
#   escape.vmdk    a text descriptor (monolithicFlat, as VMware writes them) whose extent
#                  file is ../mbr.raw
#   loop.qcow2 loop-b.qcow2   two QCOW2 files naming each other as backing file
#   cid-child.vmdk a VMDK delta whose parent cid-parent.vmdk was re-made after it (a new CID,
#                  not the parentCID the child records)
#   truncated.raw  mbr.raw cut at 50 MiB (logical partition 5 runs past the end)
#   pastend.raw    MBR whose first entry starts past the end of the image
#   random.raw     1 MiB of pseudo-random bytes
#   zeroboot.raw   bare.raw with its boot sector zeroed
set -eu
out=$1
src=$2
mkdir -p "$out"
work=$(mktemp -d "$out/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

cc -O1 -o ntfsbuild "$src/fixtures/factory/ntfsbuild.c" $(pkg-config --cflags --libs libntfs-3g)

# deterministic contents (python3: no dependence on the host's /dev/urandom)
python3 - <<'PY'
import random
r = random.Random(973917)
open("w3core.bin", "wb").write(bytes(r.getrandbits(8) for _ in range(100000)))
open("hive.bin", "wb").write(b"regf" + bytes(r.getrandbits(8) for _ in range(8188)))
open("small.txt", "wb").write(b"hello\n")
open("random.raw", "wb").write(bytes(r.getrandbits(8) for _ in range(1 << 20)))
lines = ["\\WINDOWS\tdir", "\\WINDOWS\\system32\tdir", "\\WINDOWS\\system32\\config\tdir",
         "\\WINDOWS\\system32\\config\\SOFTWARE\thive.bin",
         "\\WINDOWS\\system32\\inetsrv\tdir",
         "\\WINDOWS\\system32\\inetsrv\\w3core.dll\tw3core.bin",
         "\\WINNT\tdir", "\\WINNT\\system32\tdir", "\\WINNT\\system32\\config\tdir",
         "\\Program Files\tdir", "\\Program Files\\Gr\u00f6\u00dfe.txt\tsmall.txt"]
lines += ["\\WINDOWS\\system32\\file%05d.dll\tsmall.txt" % i for i in range(3000)]
open("manifest.txt", "w", encoding="utf-8").write("\n".join(lines) + "\n")
PY

truncate -s 32M vol.ntfs
mkntfs -F -Q -T -s 512 -c 4096 -L KBTEST vol.ntfs >/dev/null 2>&1
./ntfsbuild vol.ntfs manifest.txt >mft.txt
cp vol.ntfs bare.raw

# MBR: p1 at 1 MiB (NTFS, 32 MiB), extended at 34 MiB holding logical 5 at 35 MiB.
truncate -s 72M mbr.raw
sfdisk -q mbr.raw >/dev/null <<'SF'
label: dos
start=2048, size=65536, type=7
start=69632, size=77824, type=5
start=71680, size=65536, type=7
SF
dd if=vol.ntfs of=mbr.raw bs=1M seek=1 conv=notrunc,sparse status=none
dd if=vol.ntfs of=mbr.raw bs=1M seek=35 conv=notrunc,sparse status=none

truncate -s 40M gpt.raw
sfdisk -q gpt.raw >/dev/null <<'SF'
label: gpt
start=2048, size=65536, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7
SF
dd if=vol.ntfs of=gpt.raw bs=1M seek=1 conv=notrunc,sparse status=none

split -b 16M -d -a 3 --numeric-suffixes=1 mbr.raw mbr.raw.
qemu-img convert -q -f raw -O vpc -o subformat=dynamic mbr.raw mbr.vhd
qemu-img convert -q -f raw -O vhdx mbr.raw mbr.vhdx
qemu-img convert -q -f raw -O vmdk mbr.raw mbr.vmdk
ewfacquire -u -q -t mbr -f encase6 -c none -S 1GiB mbr.raw >/dev/null 2>&1
qemu-img convert -q -f raw -O qcow2 mbr.raw mbr.qcow2

cp mbr.raw older.raw
dd if=/dev/zero of=older.raw bs=64K seek=16 count=1 conv=notrunc status=none
qemu-img convert -q -f raw -O qcow2 older.raw older.qcow2
qemu-img convert -q -f raw -O vmdk older.raw older.vmdk
qemu-img create -q -f qcow2 -b mbr.raw -F raw newer.qcow2
qemu-img rebase -q -b older.qcow2 -F qcow2 newer.qcow2
qemu-img create -q -f qcow2 -b mbr.raw -F raw diff.qcow2
qemu-img rebase -q -b older.vmdk -F vmdk diff.qcow2
qemu-img convert -q -f qcow2 -O vmdk -B older.vmdk -o backing_fmt=vmdk diff.qcow2 newer.vmdk
qemu-img create -q -f qcow2 -u -b gone.qcow2 -F qcow2 orphan.qcow2 72M
qemu-img create -q -f qcow2 -u -b ../mbr.qcow2 -F qcow2 escape.qcow2 72M
qemu-img create -q -f qcow2 -u -b "$out/mbr.qcow2" -F qcow2 absolute.qcow2 72M
printf '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\n\n# Extent description\nRW 147456 FLAT "../mbr.raw" 0\n\n# The Disk Data Base\n#DDB\n\nddb.virtualHWVersion = "4"\n' >escape.vmdk
qemu-img create -q -f qcow2 -u -b loop-b.qcow2 -F qcow2 loop.qcow2 72M
qemu-img create -q -f qcow2 -u -b loop.qcow2 -F qcow2 loop-b.qcow2 72M
qemu-img convert -q -f raw -O vmdk older.raw cid-parent.vmdk
qemu-img create -q -f vmdk -b cid-parent.vmdk -F vmdk cid-child.vmdk
qemu-img convert -q -f raw -O vmdk older.raw cid-parent.vmdk

cp mbr.raw truncated.raw
truncate -s 50M truncated.raw
truncate -s 4M pastend.raw
sfdisk -q pastend.raw >/dev/null <<'SF'
label: dos
start=2048, size=4096, type=7
SF
# move the entry's start far past the end (LBA 0x00100000 = 512 MiB), keep its size
printf '\000\000\020\000' | dd of=pastend.raw bs=1 seek=$((446 + 8)) conv=notrunc status=none
cp bare.raw zeroboot.raw
dd if=/dev/zero of=zeroboot.raw bs=512 count=1 conv=notrunc status=none

for f in vol.ntfs bare.raw mbr.raw gpt.raw mbr.raw.0* mbr.vhd mbr.vhdx mbr.vmdk mbr.E01 \
         mbr.qcow2 older.qcow2 older.vmdk newer.qcow2 newer.vmdk orphan.qcow2 escape.qcow2 \
         absolute.qcow2 escape.vmdk loop.qcow2 loop-b.qcow2 cid-parent.vmdk cid-child.vmdk \
         truncated.raw pastend.raw random.raw zeroboot.raw mft.txt w3core.bin hive.bin; do
    mv "$f" "$out/"
done
touch "$out/stamp"
