/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hive.h - Windows NT registry hives (regf), read through libregf.
 *
 * Offers: open a hive in place from the evidence (libregf reads through a libbfio handle whose
 * callbacks call kb_fs_file_read_at: no temporary file, no full copy) or from a buffer; typed
 * reads of REG_SZ / REG_EXPAND_SZ / REG_DWORD values; sub-key enumeration; the current
 * control set of a SYSTEM hive; and the installed-update list merged from the SOFTWARE hive's
 * three update records and the %windir%\$NtUninstallKB...$ folders.
 * Below: fs (for kb_hive_open and the folder scan only). Above: facts.
 *
 * Key paths are relative to the hive's root key, components separated by '\' (a leading or
 * trailing '\' is ignored, "" is the root), matched case-insensitively as Windows does
 * (libregf's by-UTF-8-path lookup). Value names are matched case-insensitively; NULL or ""
 * names the key's default (unnamed) value.
 *
 * Every libregf / libbfio error is converted to a kb_error at this boundary: the message says
 * what was being done, then the hive, then libregf's own words. A hive that libregf cannot
 * parse gives KB_ERR_CORRUPT; a failed read of the evidence underneath gives KB_ERR_IO.
 *
 * A kb_hive is not thread-safe; use one per thread.
 */
#ifndef KB_HIVE_H
#define KB_HIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/fs.h"
#include "util/error.h"
#include "util/limits.h"

typedef struct kb_hive kb_hive;

/*
 * Opens the hive file at `path` on `fs` (e.g. "\WINDOWS\system32\config\SOFTWARE"). A hive
 * of at most KB_MAX_HIVE_COPY_BYTES is read whole into memory first, in large reads (libregf's
 * open and the index-root check touch every hbin anyway: docs/performance.md); a larger one
 * is read in place, libregf pulling the cells it needs through kb_fs_file_read_at. Hives larger than KB_MAX_HIVE_BYTES are refused with KB_ERR_LIMIT before libregf sees
 * them. `fs` must outlive the hive. On success *out is a new hive for kb_hive_close(); on
 * failure *out is NULL. The hive's name (kb_hive_name) is `path`.
 * Integration point with the fs layer: implemented in hive_fs.c.
 */
kb_status kb_hive_open(kb_fs *fs, const char *path, kb_hive **out, kb_error *err);

/*
 * Opens a hive held in memory, through the same libbfio mechanism (for tests and fuzzing).
 * `data` is not copied and must outlive the hive. `name` (copied, for messages) may be NULL
 * ("memory"). Same statuses as kb_hive_open.
 */
kb_status kb_hive_open_memory(const uint8_t *data, size_t size, const char *name,
                              kb_hive **out, kb_error *err);

/*
 * The write state of an open hive, from its regf base block (the first 4096 bytes; regf
 * notes: offset 0 "regf", 4 primary sequence number, 8 secondary sequence number). Windows
 * raises the primary number before it writes a hive and sets the secondary equal once the
 * write is complete, so unequal numbers mean the last write did not finish: changes may
 * still wait in the transaction log (SOFTWARE.LOG), which kbprobe does not replay.
 * KB_ERR_IO / KB_ERR_CORRUPT when the base block cannot be read.
 */
kb_status kb_hive_sequence_numbers(kb_hive *hive, uint32_t *primary, uint32_t *secondary,
                                   kb_error *err);

/*
 * Looks for the transaction log of the hive at `hive_path` on fs: `hive_path` + ".LOG"
 * (SOFTWARE.LOG, SYSTEM.LOG, as Windows NT 5.x names them), case-insensitively. *present
 * false (KB_OK) when there is none or it is a directory; *size its length otherwise.
 * Integration point with the fs layer (hive_fs.c).
 */
kb_status kb_hive_log_find(kb_fs *fs, const char *hive_path, bool *present, uint64_t *size,
                           kb_error *err);

/* Closes the hive and frees everything it holds (the fs file too). NULL is allowed. */
void kb_hive_close(kb_hive *hive);

/* The name given at open time (the path in the image), for messages. Never NULL. */
const char *kb_hive_name(const kb_hive *hive);

/*
 * Reads a REG_SZ or REG_EXPAND_SZ value as UTF-8 into out (NUL-terminated). The string ends
 * at the first NUL or at the end of the data, whichever comes first; an odd trailing byte is
 * ignored; unpaired surrogates become U+FFFD. Environment variables are not expanded.
 * KB_ERR_NOT_FOUND when the key or the value is absent; KB_ERR_CORRUPT (message naming the
 * type found) when the value has another type - a REG_DWORD is not rendered as text;
 * KB_ERR_LIMIT when the string does not fit out_size or the data is larger than
 * KB_MAX_HIVE_VALUE_BYTES. out is an empty string on any failure (out_size >= 1).
 */
kb_status kb_hive_get_string(kb_hive *hive, const char *key, const char *value, char *out,
                             size_t out_size, kb_error *err);

/*
 * Reads a REG_DWORD (little-endian) value. KB_ERR_NOT_FOUND when the key or value is absent;
 * KB_ERR_CORRUPT when it has another type or its data is not 4 bytes. *out untouched on
 * failure.
 */
kb_status kb_hive_get_dword(kb_hive *hive, const char *key, const char *value, uint32_t *out,
                            kb_error *err);

/*
 * Calls cb once per sub-key of `key`, in stored order, with the name as UTF-8. The name is
 * as stored in the hive: it may hold control characters or even '\' (a hostile hive), so
 * sanitise before display and do not paste it into a path for another lookup without
 * checking. cb returns 0 to go on, non-zero to stop early (then KB_OK is returned).
 * KB_ERR_NOT_FOUND when the key is absent; KB_ERR_LIMIT when it claims more than
 * KB_MAX_SUBKEYS sub-keys (nothing is reported then).
 */
typedef int (*kb_hive_key_cb)(void *ctx, const char *name);
kb_status kb_hive_subkeys(kb_hive *hive, const char *key, kb_hive_key_cb cb, void *ctx,
                          kb_error *err);

/* Sets *exists to whether `key` is present. KB_OK either way; errors only for a corrupt
 * hive or a bad argument. */
kb_status kb_hive_key_exists(kb_hive *hive, const char *key, bool *exists, kb_error *err);

/*
 * Reads Select\Current of a SYSTEM hive and writes the current control set's key name
 * ("ControlSet001") to out. KB_ERR_NOT_FOUND when Select\Current or the ControlSetNNN key
 * it names is absent; KB_ERR_CORRUPT when Current is not a REG_DWORD in 1..999.
 */
kb_status kb_hive_current_control_set(kb_hive *system, char *out, size_t out_size,
                                      kb_error *err);

/* ---------------------------------------------------------------------------------------
 * Installed updates
 *
 * One entry per update id, merged from (in this order, which decides "first seen"):
 *   KB_SEEN_UPDATES     SOFTWARE Microsoft\Updates\<product>\<SPn>\<id>, every product and
 *                       every SP sub-key ("Windows Server 2003", "Windows XP Version 2003")
 *   KB_SEEN_HOTFIX      SOFTWARE Microsoft\Windows NT\CurrentVersion\HotFix\<id>
 *   KB_SEEN_UNINSTALL   SOFTWARE Microsoft\Windows\CurrentVersion\Uninstall\<key> for keys
 *                       named like KB123456 / KB123456-v2, or having ParentKeyName =
 *                       "OperatingSystem" or a ReleaseType value
 *   KB_SEEN_NTUNINSTALL folders <windows_dir>\$NtUninstall<id>$
 * Ids are compared ASCII-case-insensitively and exactly otherwise: KB973917 and KB973917-v2
 * are different updates.
 * ------------------------------------------------------------------------------------- */
enum { KB_SEEN_UPDATES = 1, KB_SEEN_HOTFIX = 2, KB_SEEN_UNINSTALL = 4, KB_SEEN_NTUNINSTALL = 8 };

/* Index into kb_hive_update.where for each KB_SEEN_* bit. */
enum { KB_WHERE_UPDATES = 0, KB_WHERE_HOTFIX = 1, KB_WHERE_UNINSTALL = 2,
       KB_WHERE_NTUNINSTALL = 3, KB_WHERE_COUNT = 4 };

/* "Updates", "HotFix", "Uninstall", "$NtUninstall" for KB_WHERE_x; "?" out of range. */
const char *kb_hive_update_where_label(int where_index);

#define KB_UPDATE_ID_BYTES 64
#define KB_UPDATE_TEXT_BYTES 256

typedef struct kb_hive_update {
    /* "KB973917", "KB973917-v2": as spelled where first seen, with a leading "kb" upper-cased;
     * control characters replaced by '?', cut (on a UTF-8 boundary) to fit */
    char id[KB_UPDATE_ID_BYTES];
    unsigned seen; /* KB_SEEN_* bits */
    /* Updates "InstalledDate" or HotFix "Installed On", first recorded; "" when none */
    char installed_on[KB_UPDATE_TEXT_BYTES];
    /* Updates "Description", HotFix "Fix Description" or Uninstall "DisplayName", first
     * recorded, cut to fit; "" when none */
    char description[KB_UPDATE_TEXT_BYTES];
    /* where[KB_WHERE_x]: the key path (prefixed with the hive's file name, e.g.
     * "SOFTWARE\Microsoft\Updates\Windows Server 2003\SP3\KB973917") or the folder path
     * where the update was first seen in that place; "" when not seen there. Names in it
     * are sanitised like id and the whole is cut to fit. */
    char where[KB_WHERE_COUNT][KB_UPDATE_TEXT_BYTES];
} kb_hive_update;

/*
 * The whole installed-update list of one Windows installation: the three SOFTWARE records
 * of `software` and the $NtUninstall folders of `windows_dir` (e.g. "\WINDOWS") on `fs`.
 * software may be NULL (hive unreadable: registry places are skipped); fs or windows_dir may
 * be NULL (folders skipped). A missing Updates/HotFix/Uninstall key or Windows directory is
 * not an error. On success *out is a malloc'd array sorted by id (free() it; NULL when
 * *count is 0). KB_ERR_LIMIT past KB_MAX_UPDATES updates or KB_MAX_HIVE_KEYS_VISITED keys.
 * Implemented in hive_fs.c (it composes the kb_hive_update_set calls below).
 */
kb_status kb_hive_updates_list(kb_hive *software, kb_fs *fs, const char *windows_dir,
                               kb_hive_update **out, size_t *count, kb_error *err);

/* The pieces kb_hive_updates_list is made of, for callers that gather names elsewhere. */
typedef struct kb_hive_update_set kb_hive_update_set;

/* A new, empty set for kb_hive_update_set_free() or kb_hive_update_set_finish(). */
kb_status kb_hive_update_set_new(kb_hive_update_set **out, kb_error *err);

/* Merges the Updates, HotFix and Uninstall records of a SOFTWARE hive into the set. */
kb_status kb_hive_update_set_add_registry(kb_hive_update_set *set, kb_hive *software,
                                          kb_error *err);

/*
 * Merges one entry `name` of the directory `windows_dir` if it is a folder named
 * $NtUninstall<id>$ (case-insensitive, non-empty id); *matched (may be NULL) says whether it
 * was. Entries that do not match are ignored (KB_OK).
 */
kb_status kb_hive_update_set_add_folder(kb_hive_update_set *set, const char *windows_dir,
                                        const char *name, bool *matched, kb_error *err);

/*
 * Scans `windows_dir` on `fs` with kb_fs_list_dir and merges every $NtUninstall<id>$ folder.
 * A missing directory is not an error. Integration point with the fs layer (hive_fs.c).
 */
kb_status kb_hive_update_set_add_windows_dir(kb_hive_update_set *set, kb_fs *fs,
                                             const char *windows_dir, kb_error *err);

/* Sorts the set by id and hands its entries over (*out as for kb_hive_updates_list); the set
 * is freed in every case. */
kb_status kb_hive_update_set_finish(kb_hive_update_set *set, kb_hive_update **out,
                                    size_t *count, kb_error *err);

/* Frees a set that was not finished. NULL is allowed. */
void kb_hive_update_set_free(kb_hive_update_set *set);

#endif
