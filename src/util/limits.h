/* SPDX-License-Identifier: Apache-2.0 */
/*
 * limits.h - every cap on work or memory driven by image data, in one place.
 *
 * Each number says why it is that number. A cap that is reached is an error (KB_ERR_LIMIT)
 * naming the cap, never a silent truncation of evidence. The defaults suit real Windows
 * Server 2003 images; each can be changed at build time without editing this file:
 *   cmake -DKB_LIMITS="KB_MAX_FILE_BYTES=(256u*1024u*1024u);KB_MAX_UPDATES=50000" ...
 * (docs/security.md). Values must keep their type (unsigned constants stay unsigned).
 */
#ifndef KB_UTIL_LIMITS_H
#define KB_UTIL_LIMITS_H

/* Image and volume layers */
/* MBR with extended chains or GPT: 128 is GPT's default entry count. */
#ifndef KB_MAX_PARTITIONS
#define KB_MAX_PARTITIONS 128
#endif
/* More than a handful of Windows directories on one volume is a hostile or absurd image. */
#ifndef KB_MAX_WINDOWS_INSTALLS
#define KB_MAX_WINDOWS_INSTALLS 8
#endif
/* Files in one differencing chain (child, its parent, ...): VMware allows 32 snapshots per
 * disk, qemu and Hyper-V chains are shorter in practice; longer is refused, which also stops
 * a chain of forged parent names. */
#ifndef KB_MAX_CHAIN_FILES
#define KB_MAX_CHAIN_FILES 32
#endif
/* Extent files one VMDK descriptor may name: a 2 TB disk split in 2 GB extents has ~1,000. */
#ifndef KB_MAX_VMDK_EXTENTS
#define KB_MAX_VMDK_EXTENTS 4096
#endif

/* File system layer */
/* Longest path kbprobe builds or accepts (bytes of UTF-8); Win32 MAX_PATH is 260 UTF-16 units. */
#ifndef KB_MAX_PATH_BYTES
#define KB_MAX_PATH_BYTES 1024
#endif
/* Components in a looked-up path: system32\inetsrv\x.dll is 4 deep under the Windows dir. */
#ifndef KB_MAX_PATH_COMPONENTS
#define KB_MAX_PATH_COMPONENTS 32
#endif
/* Largest file read whole into memory: IIS 6 and core OS DLLs are under 4 MiB; 64 MiB leaves
 * room for odd builds and stops a forged size from exhausting memory. */
#ifndef KB_MAX_FILE_BYTES
#define KB_MAX_FILE_BYTES (64u * 1024u * 1024u)
#endif
/* Entries accepted when listing one directory (inetsrv holds ~200; system32 ~3,000 on a
 * real 2003 server, tens of thousands on a long-lived one). */
#ifndef KB_MAX_DIR_ENTRIES
#define KB_MAX_DIR_ENTRIES 200000
#endif
/* Depth of one directory's $I30 B-tree: 4 KiB index blocks hold ~30 names each, so a
 * million-entry directory is 5 levels deep; 16 is absurd and stops a forged tree. */
#ifndef KB_MAX_INDEX_DEPTH
#define KB_MAX_INDEX_DEPTH 16
#endif
/* Largest index block accepted: NTFS uses 4 KiB; the format allows up to 64 KiB. */
#ifndef KB_MAX_INDEX_BLOCK_BYTES
#define KB_MAX_INDEX_BLOCK_BYTES (64u * 1024u)
#endif
/* Largest $INDEX_ROOT read (it is resident in a 1 KiB or 4 KiB MFT record). */
#ifndef KB_MAX_INDEX_ROOT_BYTES
#define KB_MAX_INDEX_ROOT_BYTES (64u * 1024u)
#endif
/* Index blocks in a directory whose B-tree is enumerated (the root, inetsrv, the Windows
 * directory; kb_fs_list_dir): KB_MAX_DIR_ENTRIES long names plus their 8.3 twins fill about
 * 15,000 4 KiB blocks; 65,536 (256 MiB of index) is absurd and stops a forged size. */
#ifndef KB_MAX_INDEX_WALK_BLOCKS
#define KB_MAX_INDEX_WALK_BLOCKS 65536
#endif
/* $FILE_NAME attributes examined on one file to find its long name (a file has a handful:
 * one per hard link and namespace). */
#ifndef KB_MAX_FILE_NAMES
#define KB_MAX_FILE_NAMES 64
#endif

/* PE layer (Microsoft PE/COFF specification) */
/* The Windows loader refuses more than 96 sections. */
#ifndef KB_MAX_PE_SECTIONS
#define KB_MAX_PE_SECTIONS 96
#endif
/* Resource tree is type/name/language: 3 levels; anything deeper is refused. */
#ifndef KB_MAX_RESOURCE_DEPTH
#define KB_MAX_RESOURCE_DEPTH 3
#endif
/* Entries visited in the whole resource tree of one file. */
#ifndef KB_MAX_RESOURCE_ENTRIES
#define KB_MAX_RESOURCE_ENTRIES 4096
#endif
/* Nesting of VS_VERSIONINFO blocks: root/StringFileInfo/table/string is 4. */
#ifndef KB_MAX_VERSION_DEPTH
#define KB_MAX_VERSION_DEPTH 8
#endif
/* Strings kept from one StringFileInfo table. */
#ifndef KB_MAX_VERSION_STRINGS
#define KB_MAX_VERSION_STRINGS 64
#endif
/* Imported DLLs per file (w3core.dll imports from ~15). */
#ifndef KB_MAX_IMPORT_DLLS
#define KB_MAX_IMPORT_DLLS 512
#endif
/* Names imported from one DLL (w3core.dll takes 219 from IISUTIL.DLL). */
#ifndef KB_MAX_IMPORTS_PER_DLL
#define KB_MAX_IMPORTS_PER_DLL 16384
#endif
/* Names imported by name from all DLLs of one file (w3core.dll has a few hundred): many
 * lookup entries may point at one long name, so this bounds the memory copies can take. */
#ifndef KB_MAX_IMPORT_NAMES
#define KB_MAX_IMPORT_NAMES 65536
#endif
/* Exported names of one file (SP2 iisutil.dll has 1,056). */
#ifndef KB_MAX_EXPORTS
#define KB_MAX_EXPORTS 65536
#endif
/* Longest import or export name kept (C++ decorated names run to a few hundred bytes). */
#ifndef KB_MAX_SYMBOL_BYTES
#define KB_MAX_SYMBOL_BYTES 1024
#endif

/* Hive layer */
/* Largest hive opened: 2003 SOFTWARE hives are tens of MiB; 1 GiB stops forged sizes. */
#ifndef KB_MAX_HIVE_BYTES
#define KB_MAX_HIVE_BYTES (1024ull * 1024u * 1024u)
#endif
/* Largest hive read whole into memory before parsing (src/hive/hive_fs.c says why: half
 * the bytes, large reads); bigger ones, which only a forged or absurd hive is, are read in
 * place. 2003 SOFTWARE hives are tens of MiB. */
#ifndef KB_MAX_HIVE_COPY_BYTES /* -DKB_MAX_HIVE_COPY_BYTES=0u measures in-place reading */
#define KB_MAX_HIVE_COPY_BYTES (256u * 1024u * 1024u)
#endif
/* Sub-keys visited under one key when enumerating (Updates, HotFix, Uninstall). */
#ifndef KB_MAX_SUBKEYS
#define KB_MAX_SUBKEYS 100000
#endif
/* Installed updates kept per installation. */
#ifndef KB_MAX_UPDATES
#define KB_MAX_UPDATES 20000
#endif
/* Bytes of one value's data read for a string (REG_SZ descriptions and paths are under 1 KiB;
 * libregf copies the data into memory, so a forged size must not exhaust it). */
#ifndef KB_MAX_HIVE_VALUE_BYTES
#define KB_MAX_HIVE_VALUE_BYTES (1024u * 1024u)
#endif
/* Values scanned in one key when looking for its default (unnamed) value. */
#ifndef KB_MAX_HIVE_VALUES
#define KB_MAX_HIVE_VALUES 100000
#endif
/* Keys visited by one walk of the update records (Updates\product\SP\id, HotFix, Uninstall):
 * a 2003 server with every update has a few thousand; this stops a forged hive from making
 * KB_MAX_SUBKEYS x KB_MAX_SUBKEYS visits. */
#ifndef KB_MAX_HIVE_KEYS_VISITED
#define KB_MAX_HIVE_KEYS_VISITED 1000000
#endif
/* Index-root ("ri") entries checked when a hive is opened (src/hive/hive.c says why they are
 * checked): a real SOFTWARE hive has a few hundred; the cap bounds a forged hive's cost. */
#ifndef KB_MAX_HIVE_INDEX_ROOT_ENTRIES
#define KB_MAX_HIVE_INDEX_ROOT_ENTRIES 1000000
#endif

/* Facts and verdict */
/* PE files read from one inetsrv directory. */
#ifndef KB_MAX_INETSRV_FILES
#define KB_MAX_INETSRV_FILES 1024
#endif
/* Unresolved import names quoted in a verdict. */
#ifndef KB_MAX_REPORTED_UNRESOLVED
#define KB_MAX_REPORTED_UNRESOLVED 32
#endif

#endif
