/* SPDX-License-Identifier: Apache-2.0 */
/*
 * facts.h - what kbprobe learned about ONE Windows installation of an image, as plain structs.
 *
 * The collector (image -> volume -> fs -> pe/hive -> here) fills a kb_install_facts; the
 * verdict (src/verdict) decides from it alone; the report (src/report) shows it as evidence.
 * Nothing here points into another layer: every string is a fixed-size array (sizes are the
 * KB_FACT_*_BYTES constants below), so a fact can be copied with `=` and built by hand in a
 * test. The only pointers are the two lists (inetsrv files, installed updates), which are
 * malloc'd arrays owned by the facts and released with kb_install_facts_free().
 *
 * Every fact says
 *   - its state: KB_FACT_NOT_READ (nobody looked: the zero value), KB_FACT_PRESENT,
 *     KB_FACT_ABSENT (looked, not there) or KB_FACT_ERROR (looked, could not read it);
 *   - its value (meaningful only when PRESENT);
 *   - where it was read: a registry value as "<HIVE>\<key path>\<value name>", e.g.
 *     "SOFTWARE\Microsoft\Windows NT\CurrentVersion\CSDVersion", or a file as a partition
 *     index plus the path on that volume, e.g. partition 1 + "\WINDOWS\system32\inetsrv\
 *     iisutil.dll";
 *   - for KB_FACT_ERROR, the reason (a kb_error message: lower case, no full stop).
 * Strings from the image are stored as read (UTF-8, possibly cut to fit); they are NOT
 * sanitised here - the report sanitises everything it prints.
 *
 * The derived fields (service-pack levels, branches) are filled by kb_facts_derive(); the
 * verdict and the report recompute them with the pure helpers at the end of this header, so
 * facts built by hand need not call it.
 */
#ifndef KB_FACTS_H
#define KB_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/hash.h"
#include "util/limits.h"

/* ---------------------------------------------------------------------------------------
 * Sizes of the fixed arrays (bytes, including the NUL)
 * ------------------------------------------------------------------------------------- */
/* A registry string value kept for evidence (ProductName, BuildLab, SourcePath, ...) and the
 * VS_VERSIONINFO strings (FileVersion, CompanyName, ...): all well under 256 on real
 * systems; longer values are cut. */
#define KB_FACT_TEXT_BYTES 256
/* Where a fact was read: a hive name + key path + value name, or a path. A path is at most
 * KB_MAX_PATH_BYTES; a registry location is shorter on every real system. */
#define KB_FACT_WHERE_BYTES KB_MAX_PATH_BYTES
/* Why a fact could not be read: a kb_error message, cut to fit. */
#define KB_FACT_REASON_BYTES 256
/* A servicing branch: "srv03_sp2_gdr", "srv03_sp1_rtm" (the longest real ones are ~16). */
#define KB_FACT_BRANCH_BYTES 32
/* A PE machine name: "i386", "amd64", "ia64", or "0x1c4" for others. */
#define KB_FACT_MACHINE_BYTES 16
/* An unresolved import name kept for the report; decorated C++ names are usually under 200
 * bytes; longer ones are cut (the count of unresolved names stays exact). */
#define KB_FACT_SYMBOL_BYTES 256
/* An update id: "KB973917", "KB973917-v2" (the hive layer's KB_UPDATE_ID_BYTES is the same). */
#define KB_FACT_UPDATE_ID_BYTES 64
/* Where an update was seen: a key path or folder (the hive layer's KB_UPDATE_TEXT_BYTES is the
 * same; a server with thousands of updates keeps this list in memory). */
#define KB_FACT_UPDATE_WHERE_BYTES 256
/* Container format name: "raw", "split-raw", "vhd", "vmdk", "ewf", "memory". */
#define KB_FACT_FORMAT_BYTES 16
/* A control set key name: "ControlSet001". */
#define KB_FACT_CONTROL_SET_BYTES 32

/* Service-pack levels returned by the helpers below: 0 is RTM, 1 SP1, 2 SP2, ... */
#define KB_SP_UNKNOWN (-1)
#define KB_SP_RTM 0
#define KB_SP_1 1
#define KB_SP_2 2

/* The first revision of 5.2.3790 / 6.0.3790 at each level (domain.md, "Versions"). x64
 * editions started at the SP1 code base, so their first build is 1830. */
#define KB_REVISION_SP1 1830u
#define KB_REVISION_SP2 3959u
/* The seed write-up's narrower rule for iisutil.dll: revision 0 or below 3000 is a
 * mismatch. kbprobe uses the wider rule (below 3959 is pre-SP2, since SP1 hotfixes reach
 * 3xxx); reasons mention when only the wider rule applies. */
#define KB_REVISION_SEED_MISMATCH_BELOW 3000u

/* ---------------------------------------------------------------------------------------
 * Scalar facts
 * ------------------------------------------------------------------------------------- */
typedef enum kb_fact_state {
    KB_FACT_NOT_READ = 0, /* nobody looked (the zero value of every fact) */
    KB_FACT_PRESENT = 1,  /* read; value is valid */
    KB_FACT_ABSENT = 2,   /* looked; the key, value or file is not there */
    KB_FACT_ERROR = 3,    /* looked; could not read it (reason says why) */
} kb_fact_state;

/* A registry string value (REG_SZ / REG_EXPAND_SZ). */
typedef struct kb_fact_string {
    kb_fact_state state;
    char value[KB_FACT_TEXT_BYTES];   /* UTF-8 as read; "" unless PRESENT */
    char where[KB_FACT_WHERE_BYTES];  /* "SOFTWARE\Microsoft\Windows NT\CurrentVersion\CSDVersion" */
    char reason[KB_FACT_REASON_BYTES]; /* for KB_FACT_ERROR */
} kb_fact_string;

/* A registry REG_DWORD value. */
typedef struct kb_fact_dword {
    kb_fact_state state;
    uint32_t value;                   /* 0 unless PRESENT */
    char where[KB_FACT_WHERE_BYTES];  /* "SOFTWARE\Microsoft\InetStp\MajorVersion" */
    char reason[KB_FACT_REASON_BYTES];
} kb_fact_dword;

/* A hive file: could it be opened at all. */
typedef struct kb_fact_hive {
    kb_fact_state state;              /* PRESENT: opened and parsed */
    char path[KB_FACT_WHERE_BYTES];   /* "\WINDOWS\system32\config\SOFTWARE" */
    char reason[KB_FACT_REASON_BYTES];
    /* Whether the facts read from it may be stale (PRESENT hives): `dirty` when the base
     * block's primary and secondary sequence numbers differ (a write did not complete;
     * kb_hive_sequence_numbers), `log_present` when a transaction log <hive>.LOG lies next
     * to it (log_size bytes). kbprobe does not replay logs. health_reason says which, in
     * words ("" when neither). */
    bool dirty;
    uint32_t primary_sequence;
    uint32_t secondary_sequence;
    bool log_present;
    uint64_t log_size;
    char health_reason[KB_FACT_REASON_BYTES];
} kb_fact_hive;

/* A four-part file version: VS_FIXEDFILEINFO dwFileVersionMS = part[0] << 16 | part[1],
 * dwFileVersionLS = part[2] << 16 | part[3]; 6.0.3790.3959 is {6, 0, 3790, 3959}. */
typedef struct kb_file_version {
    uint16_t part[4]; /* major, minor, build, revision */
} kb_file_version;

/* ---------------------------------------------------------------------------------------
 * A PE file (one struct for every file: iisutil.dll, w3core.dll, kernel32.dll, every inetsrv
 * PE, the --candidate file)
 * ------------------------------------------------------------------------------------- */
typedef struct kb_pe_fact {
    /* PRESENT: the file was read and is a PE (its version may still be missing: see
     * version_state). ABSENT: no such file. ERROR: the file exists (or its lookup failed) but
     * could not be read or is not a valid PE; reason says why. */
    kb_fact_state state;
    char reason[KB_FACT_REASON_BYTES];

    /* Where: the partition index (kb_partition.index: 1-based, 0 for a bare volume) and the
     * path on that volume as spelled on disk ("\WINDOWS\system32\inetsrv\iisutil.dll"; for
     * ABSENT, the path that was looked up). For the --candidate file, from_host is true and
     * path is the host path given on the command line. */
    unsigned partition_index;
    bool from_host;
    char path[KB_MAX_PATH_BYTES];

    uint64_t mft_entry;                 /* 0 when from_host */
    uint64_t size;                      /* bytes */
    char sha256[KB_SHA256_HEX_SIZE];    /* lower-case hex; "" unless the bytes were read */
    char machine[KB_FACT_MACHINE_BYTES]; /* "i386", "amd64", ... */

    /* The VS_VERSIONINFO resource. version_state PRESENT: VS_FIXEDFILEINFO was found and
     * file_version / product_version are valid; ABSENT: the file has no version resource;
     * ERROR: it has one that could not be parsed (version_reason says why). */
    kb_fact_state version_state;
    char version_reason[KB_FACT_REASON_BYTES];
    kb_file_version file_version;    /* dwFileVersionMS/LS - the number the verdict uses */
    kb_file_version product_version; /* dwProductVersionMS/LS */
    /* StringFileInfo strings, "" when absent. */
    char file_version_string[KB_FACT_TEXT_BYTES]; /* "6.0.3790.3959 (srv03_sp2_rtm.070216-1710)" */
    char original_filename[KB_FACT_TEXT_BYTES];   /* "iisutil.dll" */
    char company_name[KB_FACT_TEXT_BYTES];        /* "Microsoft Corporation" */

    /* Derived (kb_facts_derive): the build-lab string out of the FileVersion string
     * ("srv03_sp2_rtm.070216-1710"), its branch ("srv03_sp2_rtm"), and the SP level of
     * file_version by kb_facts_iis_sp_level or kb_facts_os_sp_level as fits the file. */
    char build_lab[KB_FACT_TEXT_BYTES];
    char branch[KB_FACT_BRANCH_BYTES];
    int sp_level; /* KB_SP_UNKNOWN when not derived or not a 6.0.3790 / 5.2.3790 file */
} kb_pe_fact;

/* ---------------------------------------------------------------------------------------
 * Import check: does every name `importer` (w3core.dll) imports from IISUTIL.DLL appear in
 * `exporter`'s (iisutil.dll's) export table?
 * ------------------------------------------------------------------------------------- */
typedef struct kb_import_fact {
    /* PRESENT: the check ran (counts valid). ABSENT: it could not run because a file is
     * missing (importer or exporter ABSENT). ERROR: a file could not be parsed (reason). */
    kb_fact_state state;
    char reason[KB_FACT_REASON_BYTES];
    uint32_t imported;   /* names (and ordinals) imported from IISUTIL.DLL */
    uint32_t unresolved; /* how many of them iisutil.dll does not export */
    uint32_t listed;     /* entries used in unresolved_names (<= KB_MAX_REPORTED_UNRESOLVED) */
    char unresolved_names[KB_MAX_REPORTED_UNRESOLVED][KB_FACT_SYMBOL_BYTES]; /* "#12" for an
                                                                              * ordinal */
} kb_import_fact;

/* ---------------------------------------------------------------------------------------
 * One inetsrv directory: system32\inetsrv (native) or SysWOW64\inetsrv (32-bit on x64)
 * ------------------------------------------------------------------------------------- */
typedef struct kb_iis_dir_facts {
    /* PRESENT: the directory exists; ABSENT: it does not (SysWOW64 on x86); ERROR: reason. */
    kb_fact_state state;
    char reason[KB_FACT_REASON_BYTES];
    unsigned partition_index;
    char path[KB_MAX_PATH_BYTES]; /* "\WINDOWS\system32\inetsrv" */

    kb_pe_fact iisutil;
    kb_pe_fact w3core;
    kb_import_fact imports;           /* w3core.dll (this dir) against iisutil.dll (this dir) */
    kb_import_fact candidate_imports; /* the --candidate w3core.dll against iisutil.dll (this
                                       * dir); NOT_READ when there is no candidate or its
                                       * machine does not match this directory */

    /* Every PE file of the directory (iisutil.dll and w3core.dll included), for the mixed
     * SP-level check. files_state PRESENT when the directory was listed. Owned: malloc'd,
     * freed by kb_install_facts_free. At most KB_MAX_INETSRV_FILES. */
    kb_fact_state files_state;
    char files_reason[KB_FACT_REASON_BYTES];
    kb_pe_fact *files;
    size_t file_count;
} kb_iis_dir_facts;

/* ---------------------------------------------------------------------------------------
 * Installed updates (merged from the hive layer's kb_hive_update list)
 * ------------------------------------------------------------------------------------- */
/* Where an update was seen: bit values equal the hive layer's KB_SEEN_* bits. */
enum {
    KB_UPDATE_SEEN_UPDATES = 1,     /* SOFTWARE Microsoft\Updates\<product>\<SPn>\<id> */
    KB_UPDATE_SEEN_HOTFIX = 2,      /* SOFTWARE Microsoft\Windows NT\CurrentVersion\HotFix\<id> */
    KB_UPDATE_SEEN_UNINSTALL = 4,   /* SOFTWARE Microsoft\Windows\CurrentVersion\Uninstall\<id> */
    KB_UPDATE_SEEN_NTUNINSTALL = 8, /* folder %windir%\$NtUninstall<id>$ */
};
/* Index into kb_update_fact.where for each bit (equal to the hive layer's KB_WHERE_*). */
enum {
    KB_UPDATE_WHERE_UPDATES = 0,
    KB_UPDATE_WHERE_HOTFIX = 1,
    KB_UPDATE_WHERE_UNINSTALL = 2,
    KB_UPDATE_WHERE_NTUNINSTALL = 3,
    KB_UPDATE_WHERE_COUNT = 4,
};

typedef struct kb_update_fact {
    /* "KB973917" and "KB973917-v2" are different updates (a bare KB973917 is the original
     * build that installs on a mismatch). */
    char id[KB_FACT_UPDATE_ID_BYTES];
    unsigned seen; /* KB_UPDATE_SEEN_* bits */
    /* where[KB_UPDATE_WHERE_x]: the key or folder where it was seen ("" when not seen there),
     * e.g. "SOFTWARE\Microsoft\Updates\Windows Server 2003\SP3\KB973917". */
    char where[KB_UPDATE_WHERE_COUNT][KB_FACT_UPDATE_WHERE_BYTES];
    char installed_on[KB_FACT_TEXT_BYTES]; /* as recorded ("20091209"); "" when none */
    char description[KB_FACT_TEXT_BYTES];  /* "" when none */
} kb_update_fact;

/* ---------------------------------------------------------------------------------------
 * The installation
 * ------------------------------------------------------------------------------------- */
/* SOFTWARE Microsoft\Windows NT\CurrentVersion and the core files that cross-check it. */
typedef struct kb_os_facts {
    kb_fact_string product_name;         /* "Microsoft Windows Server 2003" */
    kb_fact_string current_version;      /* "5.2" */
    kb_fact_string current_build_number; /* "3790" */
    kb_fact_string csd_version;          /* "Service Pack 2"; ABSENT at RTM */
    kb_fact_string build_lab;            /* "3790.srv03_sp2_rtm.070216-1710" */
    kb_fact_string system_root;          /* "C:\WINDOWS" */
    kb_pe_fact kernel32;                 /* \WINDOWS\system32\kernel32.dll */
    kb_pe_fact ntdll;                    /* \WINDOWS\system32\ntdll.dll */
    /* Derived (kb_facts_derive): kb_facts_csd_level of csd_version. */
    int sp_level;
} kb_os_facts;

typedef struct kb_iis_facts {
    kb_fact_dword major_version;          /* SOFTWARE Microsoft\InetStp\MajorVersion = 6 */
    kb_fact_dword minor_version;          /* SOFTWARE Microsoft\InetStp\MinorVersion = 0 */
    kb_fact_dword oc_iis_www;             /* SOFTWARE ...\Setup\Oc Manager\Subcomponents\iis_www */
    kb_fact_string control_set;           /* SYSTEM Select\Current as "ControlSet001" */
    kb_fact_dword w3svc_start;            /* SYSTEM ControlSet00N\Services\W3SVC\Start: 2/3/4 */
    kb_fact_string source_path;           /* SOFTWARE Microsoft\Windows\CurrentVersion\Setup\SourcePath */
    kb_fact_string service_pack_source_path; /* ...\Setup\ServicePackSourcePath */
    kb_iis_dir_facts native;              /* %windir%\system32\inetsrv */
    kb_iis_dir_facts wow64;               /* %windir%\SysWOW64\inetsrv (ABSENT on x86) */
} kb_iis_facts;

/* kb_facts_collect's time per kind of work, for scan --stats (docs/performance.md). */
typedef struct kb_collect_timing {
    double lookup_ms; /* directory listings (inetsrv) not counted in pe_ms */
    double pe_ms;     /* PE files: index lookup, read, SHA-256, parse */
    double hive_ms;   /* hives: open, value reads, the installed-update walk (with the
                       * $NtUninstall folder listing) */
} kb_collect_timing;

typedef struct kb_install_facts {
    unsigned partition_index;         /* kb_partition.index */
    uint64_t partition_offset;        /* bytes from the start of the image */
    char windows_dir[KB_MAX_PATH_BYTES]; /* "\WINDOWS" on that volume */

    kb_fact_hive software_hive;       /* \WINDOWS\system32\config\SOFTWARE */
    kb_fact_hive system_hive;         /* \WINDOWS\system32\config\SYSTEM */

    kb_os_facts os;
    kb_iis_facts iis;

    /* The --candidate w3core.dll (from_host); state NOT_READ when none was given. Its import
     * check against each directory's iisutil.dll is kb_iis_dir_facts.candidate_imports. */
    kb_pe_fact candidate;

    /* Installed updates, sorted by id. updates_state PRESENT when the list was built (it may
     * be empty); ERROR when it could not be (updates_reason). Owned, freed by
     * kb_install_facts_free. At most KB_MAX_UPDATES. */
    kb_fact_state updates_state;
    char updates_reason[KB_FACT_REASON_BYTES];
    kb_update_fact *updates;
    size_t update_count;

    /* Where kb_facts_collect spent its time (scan --stats), not evidence: milliseconds of
     * the monotonic clock. */
    kb_collect_timing timing;
} kb_install_facts;

/* The image the installations came from. */
typedef struct kb_image_facts {
    char path[KB_MAX_PATH_BYTES];        /* as given on the command line */
    char format[KB_FACT_FORMAT_BYTES];   /* kb_image_format() */
    uint64_t size;                       /* bytes, as the container declares */
    unsigned segment_count;
    /* The files read as one differencing chain, child first (kb_image_chain): the path alone
     * for an image without parents; none when the image could not be opened. Host paths. */
    unsigned chain_count;
    char chain[KB_MAX_CHAIN_FILES][KB_MAX_PATH_BYTES];
} kb_image_facts;

/* ---------------------------------------------------------------------------------------
 * Building facts (no I/O)
 * ------------------------------------------------------------------------------------- */

/* Zeroes *facts (every state NOT_READ, lists empty) and sets the derived levels to
 * KB_SP_UNKNOWN. Call before filling; kb_install_facts_free afterwards. */
void kb_install_facts_init(kb_install_facts *facts);

/* Frees the two lists of both directories and the update list, leaving empty lists. The
 * struct itself belongs to the caller. NULL is allowed. */
void kb_install_facts_free(kb_install_facts *facts);

/* Set a registry fact: PRESENT with value, ABSENT, or ERROR with reason. `where` and
 * `reason` are copied (cut to fit); value strings too. */
void kb_fact_string_set(kb_fact_string *fact, const char *value, const char *where);
void kb_fact_dword_set(kb_fact_dword *fact, uint32_t value, const char *where);
void kb_fact_string_set_absent(kb_fact_string *fact, const char *where);
void kb_fact_dword_set_absent(kb_fact_dword *fact, const char *where);
void kb_fact_string_set_error(kb_fact_string *fact, const char *where, const char *reason);
void kb_fact_dword_set_error(kb_fact_dword *fact, const char *where, const char *reason);

/* Zeroes a PE fact (NOT_READ, sp_level KB_SP_UNKNOWN) and records where it is looked for. */
void kb_pe_fact_init(kb_pe_fact *fact, unsigned partition_index, const char *path);

/*
 * Appends a copy of *file to dir->files (sets files_state PRESENT). KB_ERR_LIMIT past
 * KB_MAX_INETSRV_FILES, KB_ERR_NOMEM; the list is unchanged on failure.
 */
kb_status kb_iis_dir_add_file(kb_iis_dir_facts *dir, const kb_pe_fact *file, kb_error *err);

/*
 * Appends a copy of *update to facts->updates (sets updates_state PRESENT). The list is not
 * re-sorted and ids are not merged: the hive layer hands over a merged, sorted list.
 * KB_ERR_LIMIT past KB_MAX_UPDATES, KB_ERR_NOMEM; unchanged on failure.
 */
kb_status kb_facts_add_update(kb_install_facts *facts, const kb_update_fact *update,
                              kb_error *err);

/* Adds one unresolved import name to *fact (counts it; keeps the name while there is room in
 * unresolved_names). */
void kb_import_fact_add_unresolved(kb_import_fact *fact, const char *name);

/* Fills the derived fields (os.sp_level; per PE fact build_lab, branch, sp_level) of every
 * fact, the lists included. Idempotent. */
void kb_facts_derive(kb_install_facts *facts);

/* ---------------------------------------------------------------------------------------
 * Pure helpers
 * ------------------------------------------------------------------------------------- */

/* <0, 0, >0 as a is older than, equal to, newer than b (part by part). */
int kb_file_version_compare(const kb_file_version *a, const kb_file_version *b);

/* "6.0.3790.3959" into out (at least 24 bytes for any version). */
void kb_file_version_format(const kb_file_version *version, char *out, size_t out_size);

/* Parses "a.b.c.d" (each part 0..65535, nothing after) into *out. KB_ERR_CORRUPT otherwise. */
kb_status kb_file_version_parse(const char *text, kb_file_version *out);

/*
 * SP level of a Windows Server 2003 / XP x64 core file: 5.2.3790.r with r 0..1829 -> RTM
 * (RTM hotfixes stay below 1830), 1830..3958 -> SP1 (x64 editions start at 1830),
 * >= 3959 -> SP2. Any other major.minor.build -> KB_SP_UNKNOWN.
 */
int kb_facts_os_sp_level(const kb_file_version *version);

/*
 * SP level of an IIS 6 file: 6.0.3790.r with the same revision bands as the OS (domain.md:
 * RTM .0, SP1 .1830 and its hotfixes 18xx-3xxx, SP2 .3959 and its hotfixes .4xxx).
 * Note: the seed write-up calls an iisutil.dll with revision 0 or below 3000 a mismatch;
 * 3000..3958 are SP1 hotfix builds, pre-SP2 all the same, so kbprobe uses the wider rule
 * (see kb_facts_iis_seed_rule_mismatch for the narrow one). Other versions -> KB_SP_UNKNOWN.
 */
int kb_facts_iis_sp_level(const kb_file_version *version);

/* True when 6.0.3790.r has r == 0 or r < KB_REVISION_SEED_MISMATCH_BELOW (the seed's rule). */
bool kb_facts_iis_seed_rule_mismatch(const kb_file_version *version);

/*
 * SP level named by a CSDVersion fact: ABSENT -> 0 (RTM has no CSDVersion), PRESENT
 * "Service Pack N" (case-insensitive, anything after N ignored: "Service Pack 2, v.3959")
 * -> N, PRESENT "" -> 0; anything else, NOT_READ or ERROR -> KB_SP_UNKNOWN.
 */
int kb_facts_csd_level(const kb_fact_string *csd_version);

/* The same for a bare string: "Service Pack 2" -> 2, NULL or "" -> 0, unparseable ->
 * KB_SP_UNKNOWN. */
int kb_facts_parse_csd_version(const char *text);

/*
 * The build-lab string inside a FileVersion string: "6.0.3790.3959 (srv03_sp2_rtm.070216-
 * 1710)" -> "srv03_sp2_rtm.070216-1710" (the text between the first '(' and the next ')').
 * KB_ERR_NOT_FOUND (out "") when there is none.
 */
kb_status kb_facts_build_lab_from_file_version(const char *file_version, char *out,
                                               size_t out_size);

/*
 * The servicing branch of a build-lab string: "srv03_sp2_gdr.091208-1712" -> "srv03_sp2_gdr";
 * accepts the registry form "3790.srv03_sp2_rtm.070216-1710" (leading build number skipped)
 * and a whole FileVersion string. The branch is the leading run of [A-Za-z0-9_]; it must
 * contain a '_'. KB_ERR_NOT_FOUND (out "") otherwise.
 */
kb_status kb_facts_branch_from_build_lab(const char *build_lab, char *out, size_t out_size);

/* True when update id `id` is `family` exactly (ASCII case-insensitively) or `family`
 * followed by '-' and anything ("KB973917-v2" is in family "KB973917"; "KB9739170" is not). */
bool kb_update_id_in_family(const char *id, const char *family);

/* The update with exactly this id (case-insensitive), or NULL. "KB973917" does not find
 * "KB973917-v2". */
const kb_update_fact *kb_facts_find_update(const kb_install_facts *facts, const char *id);

/* The first update (in list order) whose id is in `family`, or NULL; start from index
 * *cursor (0 first) and leave *cursor after the match, so that repeated calls enumerate
 * the family. cursor may be NULL (first match only). */
const kb_update_fact *kb_facts_find_update_family(const kb_install_facts *facts,
                                                  const char *family, size_t *cursor);

/* "partition 1: \WINDOWS\system32\inetsrv\iisutil.dll" or "host: /tmp/w3core.dll". */
void kb_pe_fact_where(const kb_pe_fact *fact, char *out, size_t out_size);

/* "not-read", "present", "absent", "error". */
const char *kb_fact_state_name(kb_fact_state state);

/* "RTM", "SP1", "SP2", "SP3"..., "unknown" for KB_SP_UNKNOWN. */
const char *kb_sp_level_name(int level);

/* ---------------------------------------------------------------------------------------
 * Collecting (src/facts/collect.c): the one part of this layer that does I/O, and only
 * through the artefact layers below it (pe, hive). The file system handle is passed through
 * to them untouched.
 * ------------------------------------------------------------------------------------- */
struct kb_fs;

/* A w3core.dll the user supplied (--candidate): its bytes, already read by the caller. */
typedef struct kb_candidate_file {
    const char *host_path;   /* as given on the command line */
    const uint8_t *data;
    size_t size;
} kb_candidate_file;

/*
 * Fills *facts (initialised here) for the Windows installation at `windows_dir` ("\WINDOWS")
 * on `fs`, partition `partition_index` at byte `partition_offset`: the SOFTWARE and SYSTEM
 * hives, the OS and IIS registry facts, kernel32.dll/ntdll.dll, every PE of system32\inetsrv
 * and SysWOW64\inetsrv with the w3core.dll -> iisutil.dll import check, the installed
 * updates, and the candidate's import check when candidate is not NULL. What cannot be read
 * becomes a fact in state KB_FACT_ERROR with its reason, never a failure: the return is
 * KB_OK except for KB_ERR_NOMEM. The caller frees with kb_install_facts_free().
 */
kb_status kb_facts_collect(struct kb_fs *fs, unsigned partition_index, uint64_t partition_offset,
                           const char *windows_dir, const kb_candidate_file *candidate,
                           kb_install_facts *facts, kb_error *err);

#endif
