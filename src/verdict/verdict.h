/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verdict.h - is IIS 6 of one Windows installation safe to patch with KB973917?
 *
 * kb_verdict_decide() is a pure function of a kb_install_facts (facts/facts.h): no I/O, no
 * allocation, the same facts always give the same verdict. It implements the verdict table of
 * docs/domain.md (the product's contract) with the refinements documented at
 * kb_verdict_decide below and in docs/json-schema.md. Every verdict carries a one-sentence
 * summary, the reasons (fact name, value, where it was read), evidence references and, when
 * there is something to do, the remedy.
 *
 * Also here: combining installations (kb_verdict_worst) and the fsck-style exit status of a
 * run (kb_verdict_exit_status).
 */
#ifndef KB_VERDICT_H
#define KB_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "facts/facts.h"
#include "util/error.h"

/* Ordered by severity, so that a larger value is worse: broken > at-risk > unknown > safe >
 * not-applicable (kb_verdict_worst). The names are stable (JSON, text, exit status). */
typedef enum kb_verdict_kind {
    KB_VERDICT_NOT_APPLICABLE = 0, /* "not-applicable": no IIS 6 on 2003 SP2 to patch */
    KB_VERDICT_SAFE = 1,           /* "safe": IIS binaries at SP2 level, imports resolve */
    KB_VERDICT_UNKNOWN = 2,        /* "unknown": a fact the decision needs is unreadable */
    KB_VERDICT_AT_RISK = 3,        /* "at-risk": mismatch; the original KB973917 would break IIS */
    KB_VERDICT_BROKEN = 4,         /* "broken": mismatch with the update in, or unresolved imports */
} kb_verdict_kind;

#define KB_VERDICT_KIND_COUNT 5

/* What a reason does for the verdict. */
typedef enum kb_reason_role {
    KB_REASON_DECISIVE = 0,   /* "decisive": the verdict follows from it */
    KB_REASON_SUPPORTING = 1, /* "supporting": checked and consistent with the verdict */
    KB_REASON_NOTE = 2,       /* "note": informational flag; does not change the verdict */
} kb_reason_role;

/* Flags raised by the refinements (bit set in kb_verdict.flags; names by
 * kb_verdict_flag_name). */
enum {
    KB_VERDICT_FLAG_MIXED_LEVELS = 1u << 0,     /* inetsrv PE files at different SP levels */
    KB_VERDICT_FLAG_CSD_MISMATCH = 1u << 1,     /* CSDVersion disagrees with kernel32/ntdll */
    KB_VERDICT_FLAG_OS_LEVEL_DOUBTFUL = 1u << 2, /* ...across the SP2 boundary */
    KB_VERDICT_FLAG_UPDATE_PENDING = 1u << 3,   /* KB973917 recorded, w3core.dll not past 3959 */
    KB_VERDICT_FLAG_V2_ON_MISMATCH = 1u << 4,   /* KB973917-v2 recorded on a mismatch (odd) */
    KB_VERDICT_FLAG_CANDIDATE_BREAKS = 1u << 5, /* the --candidate w3core.dll would not load */
    KB_VERDICT_FLAG_WOW64_DECIDES = 1u << 6,    /* SysWOW64\inetsrv is worse than system32 */
    KB_VERDICT_FLAG_RTM_IIS = 1u << 7,          /* RTM IIS binaries on SP2 (KB920720) */
    KB_VERDICT_FLAG_W3SVC_DISABLED = 1u << 8,   /* W3SVC Start = 4 */
    KB_VERDICT_FLAG_IIS_REGISTRATION = 1u << 9, /* InetStp and the binaries disagree */
    KB_VERDICT_FLAG_TRUNCATED = 1u << 10,       /* reasons or evidence did not all fit */
};
#define KB_VERDICT_FLAG_COUNT 11

/* Caps and sizes of a verdict (bytes include the NUL). */
#define KB_VERDICT_MAX_REASONS 32
#define KB_VERDICT_MAX_EVIDENCE 16
#define KB_VERDICT_FACT_BYTES 64
#define KB_VERDICT_VALUE_BYTES KB_FACT_TEXT_BYTES
#define KB_VERDICT_WHERE_BYTES KB_FACT_WHERE_BYTES
#define KB_VERDICT_TEXT_BYTES 1024
#define KB_VERDICT_SUMMARY_BYTES 512
#define KB_VERDICT_REMEDY_BYTES 512

typedef struct kb_verdict_reason {
    kb_reason_role role;
    /* Stable dotted fact name: "hive.software", "os.current_version", "os.csd_version",
     * "os.kernel32", "iis.inetstp.major_version", "iis.system32.iisutil",
     * "iis.syswow64.imports", "iis.system32.candidate_imports", "updates.KB973917", ... */
    char fact[KB_VERDICT_FACT_BYTES];
    char value[KB_VERDICT_VALUE_BYTES];  /* the value as read, or its state ("absent") */
    char where[KB_VERDICT_WHERE_BYTES];  /* registry value path or "partition N: \path" */
    char text[KB_VERDICT_TEXT_BYTES];    /* one sentence explaining it */
} kb_verdict_reason;

typedef struct kb_verdict_evidence {
    char kind[16];                      /* "file", "registry", "update" */
    char fact[KB_VERDICT_FACT_BYTES];   /* as in reasons */
    char where[KB_VERDICT_WHERE_BYTES]; /* path or key */
    char detail[KB_VERDICT_TEXT_BYTES]; /* "6.0.3790.1830 srv03_sp1_rtm sha256 ab12..." */
} kb_verdict_evidence;

typedef struct kb_verdict {
    kb_verdict_kind kind;
    unsigned flags;                          /* KB_VERDICT_FLAG_* */
    char summary[KB_VERDICT_SUMMARY_BYTES];  /* one sentence */
    char remedy[KB_VERDICT_REMEDY_BYTES];    /* "" when there is nothing to do */
    size_t reason_count;
    kb_verdict_reason reasons[KB_VERDICT_MAX_REASONS];
    size_t evidence_count;
    kb_verdict_evidence evidence[KB_VERDICT_MAX_EVIDENCE];
} kb_verdict;

/*
 * Decides the verdict of one installation from its facts alone. Returns KB_OK, or
 * KB_ERR_ARGUMENT when facts or out is NULL. *out is overwritten completely. The order of
 * reasoning (first match decides; notes are added on the way):
 *
 *  1. SOFTWARE hive not read -> unknown.
 *  2. CurrentVersion not "5.2" or CurrentBuildNumber not "3790" -> not-applicable. When the
 *     registry value is unreadable, kernel32.dll's file version stands in; if that is
 *     unreadable too -> unknown. XP x64 (also 5.2.3790, same IIS 6) is kept in scope.
 *  3. IIS 6 not installed: InetStp MajorVersion is not 6 AND neither iisutil.dll nor w3core.dll
 *     exists in either inetsrv directory -> not-applicable. Binaries present count as
 *     installed whatever InetStp says (a note is added); InetStp = 6 with the binaries
 *     missing goes on, and step 5 finds iisutil.dll missing -> unknown.
 *  4. OS level from CSDVersion (kernel32/ntdll stand in when it is unreadable; neither ->
 *     unknown). Below SP2 -> not-applicable, remedy "install SP2 first". When CSDVersion and
 *     the core files disagree across the SP2 boundary, the OS level is doubtful: the IIS
 *     checks still run (a mismatch they prove stands), but a would-be "safe" becomes
 *     "unknown".
 *  5. For system32\inetsrv, and SysWOW64\inetsrv when present (the worse one wins):
 *     a. an import of w3core.dll from IISUTIL.DLL unresolved in iisutil.dll -> broken (this
 *        is proof and is checked before the version, so it wins over an unreadable version);
 *     b. iisutil.dll missing or its version unreadable -> unknown;
 *     c. iisutil.dll revision < 3959 with KB973917, KB973917-v<n> or KB982666 (or any
 *        KB982666-v<n>) installed -> broken; without -> at-risk (if the update list could not
 *        be read it stays at-risk, with a note that it may already be broken);
 *     d. revision >= 3959 and every import resolves -> safe; the import check not run or
 *        failed, or w3core.dll missing -> unknown;
 *     e. a --candidate w3core.dll whose imports do not all resolve against this iisutil.dll
 *        raises the verdict to at-risk at least ("installing it would break IIS").
 *  Notes on the way: mixed SP levels among inetsrv files, CSDVersion vs kernel32/ntdll,
 *  KB973917 recorded with w3core.dll not newer than 3959, a -v2 record on a mismatch, RTM
 *  IIS on SP2 (KB920720), W3SVC disabled, InetStp/binaries disagreement, SourcePath without
 *  ServicePackSourcePath on a mismatch.
 */
kb_status kb_verdict_decide(const kb_install_facts *facts, kb_verdict *out);

/* The verdict of an image in which no Windows installation was found: not-applicable. */
void kb_verdict_no_windows(kb_verdict *out);

/* The worse of two kinds (broken > at-risk > unknown > safe > not-applicable). */
kb_verdict_kind kb_verdict_worst(kb_verdict_kind a, kb_verdict_kind b);

/* "not-applicable", "safe", "at-risk", "broken", "unknown"; "unknown" for bad values. */
const char *kb_verdict_kind_name(kb_verdict_kind kind);

/* Parses a kind name; false when it is none of the five. */
bool kb_verdict_kind_parse(const char *name, kb_verdict_kind *out);

/* "decisive", "supporting", "note". */
const char *kb_reason_role_name(kb_reason_role role);

/* "mixed-levels", "csd-mismatch", ... for one KB_VERDICT_FLAG_* bit; NULL for others. */
const char *kb_verdict_flag_name(unsigned flag);

/* The first reason with this fact name (exact), or NULL. */
const kb_verdict_reason *kb_verdict_find_reason(const kb_verdict *verdict, const char *fact);

/* ---------------------------------------------------------------------------------------
 * Exit status (fsck style: bits OR-ed together)
 * ------------------------------------------------------------------------------------- */
#define KB_EXIT_OK 0           /* every image safe or not-applicable */
#define KB_EXIT_AT_RISK 1      /* some installation at-risk */
#define KB_EXIT_BROKEN 2       /* some installation broken */
#define KB_EXIT_UNKNOWN 4      /* some installation unknown */
#define KB_EXIT_OPEN_FAILED 8  /* some image could not be opened */
#define KB_EXIT_USAGE 16       /* usage error (alone; the CLI returns it before scanning) */

typedef struct kb_image_outcome {
    bool open_failed;     /* the image could not be opened (kind is then ignored) */
    kb_verdict_kind kind; /* the image's overall verdict (or one installation's) */
} kb_image_outcome;

/* The bit of one kind (0 for safe and not-applicable). */
int kb_verdict_exit_bit(kb_verdict_kind kind);

/* OR of the bits of `count` outcomes; 0 for none. Pass one outcome per image (its overall,
 * worst verdict), or one per installation to have every kind of a multi-boot image count. */
int kb_verdict_exit_status(const kb_image_outcome *outcomes, size_t count);

#endif
