/* SPDX-License-Identifier: Apache-2.0 */
/*
 * updates.c - the installed-update set: one entry per update id, merged from the SOFTWARE
 * hive's Updates tree, HotFix key and Uninstall keys, and from $NtUninstall<id>$ folder
 * names (the folder scan itself lives in hive_fs.c, with the other kb_fs callers).
 *
 * Names come from a hostile image: every id and path piece is sanitised (control characters
 * to '?') and cut on a UTF-8 boundary to its field; the walk visits at most
 * KB_MAX_HIVE_KEYS_VISITED keys and keeps at most KB_MAX_UPDATES updates (past either:
 * KB_ERR_LIMIT). The walk is three levels deep at most, so a sub-key list that loops back to
 * a parent costs visits, never unbounded recursion.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hive/hive_internal.h"
#include "util/text.h"

/* Hash index over ids (ASCII-case-folded): open addressing, a power of two at least twice
 * KB_MAX_UPDATES so that probes stay short when the set is full. */
#define INDEX_SLOTS 65536u
_Static_assert(INDEX_SLOTS >= 2u * KB_MAX_UPDATES, "index too small for KB_MAX_UPDATES");

struct kb_hive_update_set {
    kb_hive_update *items;
    size_t count;
    size_t capacity;
    int32_t *index; /* INDEX_SLOTS slots: item number or -1 */
    size_t keys_visited;
};

static const char *const where_labels[KB_WHERE_COUNT] = {"Updates", "HotFix", "Uninstall",
                                                         "$NtUninstall"};

static int lower_ascii(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int compare_ids(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = lower_ascii((unsigned char)*a), cb = lower_ascii((unsigned char)*b);

        if (ca != cb || ca == '\0')
            return ca - cb;
    }
}

static uint32_t hash_id(const char *id)
{
    uint32_t hash = 2166136261u; /* FNV-1a */

    for (; *id != '\0'; id++) {
        hash ^= (uint32_t)lower_ascii((unsigned char)*id);
        hash *= 16777619u;
    }
    return hash;
}

/* Appends src, sanitised and cut on a UTF-8 boundary, to the string in dst. */
static void append(char *dst, size_t dst_size, const char *src)
{
    size_t used = strnlen(dst, dst_size);

    if (used + 1 >= dst_size)
        return;
    kb_hive_copy_sanitized(dst + used, dst_size - used, src);
}

/* KB<digits> with an optional -v<digits>, case-insensitive: the shape of an update's key
 * name (scanners match ^KB973917(-v[0-9])? in HotFix). */
static bool is_kb_name(const char *name)
{
    const char *p = name;

    if (lower_ascii((unsigned char)p[0]) != 'k' || lower_ascii((unsigned char)p[1]) != 'b')
        return false;
    p += 2;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == '\0')
        return true;
    if (p[0] != '-' || lower_ascii((unsigned char)p[1]) != 'v' || p[2] < '0' || p[2] > '9')
        return false;
    p += 2;
    while (*p >= '0' && *p <= '9')
        p++;
    return *p == '\0';
}

/* Update-looking names directly under a product key of the Updates tree (no SP level):
 * "KB123456", "Q123456". */
static bool looks_like_update_id(const char *name)
{
    int first = lower_ascii((unsigned char)name[0]);

    if (first == 'k' && lower_ascii((unsigned char)name[1]) == 'b')
        return name[2] >= '0' && name[2] <= '9';
    return first == 'q' && name[1] >= '0' && name[1] <= '9';
}

/* Finds "KB<digits>[-v<digits>]" inside free text ("Security Update ... (KB973917)"). */
static bool find_kb_token(const char *text, char *out, size_t out_size)
{
    for (const char *p = text; *p != '\0'; p++) {
        const char *q;
        size_t len;

        if (lower_ascii((unsigned char)p[0]) != 'k' || lower_ascii((unsigned char)p[1]) != 'b'
            || p[2] < '0' || p[2] > '9')
            continue;
        q = p + 2;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q[0] == '-' && lower_ascii((unsigned char)q[1]) == 'v' && q[2] >= '0' &&
            q[2] <= '9') {
            q += 2;
            while (*q >= '0' && *q <= '9')
                q++;
        }
        len = (size_t)(q - p);
        if (len >= out_size)
            return false;
        memcpy(out, p, len);
        out[len] = '\0';
        return true;
    }
    return false;
}

kb_status kb_hive_update_set_new(kb_hive_update_set **out, kb_error *err)
{
    kb_hive_update_set *set;

    if (out == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "update set: invalid argument");
    *out = NULL;
    set = calloc(1, sizeof(*set));
    if (set == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "update set: out of memory");
    set->index = malloc(INDEX_SLOTS * sizeof(*set->index));
    if (set->index == NULL) {
        free(set);
        return kb_error_set(err, KB_ERR_NOMEM, "update set: out of memory");
    }
    for (size_t i = 0; i < INDEX_SLOTS; i++)
        set->index[i] = -1;
    *out = set;
    return KB_OK;
}

void kb_hive_update_set_free(kb_hive_update_set *set)
{
    if (set == NULL)
        return;
    free(set->items);
    free(set->index);
    free(set);
}

/* The entry for id (already sanitised), created when new. */
static kb_status find_or_add(kb_hive_update_set *set, const char *id, kb_hive_update **entry,
                             kb_error *err)
{
    uint32_t slot = hash_id(id) & (INDEX_SLOTS - 1);
    kb_hive_update *item;

    /* Never full: at most KB_MAX_UPDATES of INDEX_SLOTS slots are used. */
    while (set->index[slot] >= 0) {
        item = &set->items[set->index[slot]];
        if (compare_ids(item->id, id) == 0) {
            *entry = item;
            return KB_OK;
        }
        slot = (slot + 1) & (INDEX_SLOTS - 1);
    }
    if (set->count >= KB_MAX_UPDATES)
        return kb_error_set(err, KB_ERR_LIMIT, "more than KB_MAX_UPDATES (%d) installed updates",
                            KB_MAX_UPDATES);
    if (set->count == set->capacity) {
        size_t capacity = set->capacity == 0 ? 64 : set->capacity * 2;
        kb_hive_update *grown;

        if (capacity > KB_MAX_UPDATES)
            capacity = KB_MAX_UPDATES;
        grown = realloc(set->items, capacity * sizeof(*grown));
        if (grown == NULL)
            return kb_error_set(err, KB_ERR_NOMEM, "update set: out of memory");
        set->items = grown;
        set->capacity = capacity;
    }
    item = &set->items[set->count];
    memset(item, 0, sizeof(*item));
    kb_strlcpy(item->id, id, sizeof(item->id));
    set->index[slot] = (int32_t)set->count;
    set->count++;
    *entry = item;
    return KB_OK;
}

/*
 * Merges one sighting. raw_id is a name from the image; where_index a KB_WHERE_x; installed_on
 * and description may be NULL or "".
 */
static kb_status record(kb_hive_update_set *set, const char *raw_id, int where_index,
                        const char *where, const char *installed_on, const char *description,
                        kb_error *err)
{
    char id[KB_UPDATE_ID_BYTES];
    kb_hive_update *entry = NULL;
    kb_status status;

    kb_hive_copy_sanitized(id, sizeof(id), raw_id[0] != '\0' ? raw_id : "(unnamed)");
    if (lower_ascii((unsigned char)id[0]) == 'k' && lower_ascii((unsigned char)id[1]) == 'b') {
        id[0] = 'K';
        id[1] = 'B';
    }
    status = find_or_add(set, id, &entry, err);
    if (status != KB_OK)
        return status;
    entry->seen |= 1u << where_index;
    if (entry->where[where_index][0] == '\0')
        kb_hive_copy_sanitized(entry->where[where_index], sizeof(entry->where[where_index]),
                               where);
    if (entry->installed_on[0] == '\0' && installed_on != NULL)
        kb_hive_copy_sanitized(entry->installed_on, sizeof(entry->installed_on), installed_on);
    if (entry->description[0] == '\0' && description != NULL)
        kb_hive_copy_sanitized(entry->description, sizeof(entry->description), description);
    return KB_OK;
}

/* ---------------------------------------------------------------------------------------
 * The registry walk
 * ------------------------------------------------------------------------------------- */

typedef struct walk {
    kb_hive_update_set *set;
    kb_hive *hive;
} walk;

static void free_key(libregf_key_t **key)
{
    libregf_error_t *lib_error = NULL;

    if (*key != NULL && libregf_key_free(key, &lib_error) != 1)
        libregf_error_free(&lib_error);
    *key = NULL;
}

/* An optional text value for the record: absent or not a string reads as "" (a Description
 * that is a REG_DWORD tells nothing); a damaged hive is still an error. */
static kb_status optional_string(walk *w, libregf_key_t *key, const char *path,
                                 const char *value, char *out, size_t out_size, kb_error *err)
{
    bool wrong_type = false;
    kb_status status;

    status = kb_hive_key_string(w->hive, key, path, value, out, out_size,
                                KB_HIVE_STRING_TRUNCATE, &wrong_type, err);
    if (status == KB_ERR_NOT_FOUND || (status == KB_ERR_CORRUPT && wrong_type)) {
        kb_error_clear(err);
        out[0] = '\0';
        return KB_OK;
    }
    return status;
}

/* Sub-key i of key with its name, counted against KB_MAX_HIVE_KEYS_VISITED. */
static kb_status visit(walk *w, libregf_key_t *key, const char *path, int i,
                       libregf_key_t **sub, char *name, size_t name_size, kb_error *err)
{
    kb_status status;

    if (w->set->keys_visited >= KB_MAX_HIVE_KEYS_VISITED)
        return kb_error_set(err, KB_ERR_LIMIT, "walking update records of %s: more than "
                            "KB_MAX_HIVE_KEYS_VISITED (%d) keys", kb_hive_name(w->hive),
                            KB_MAX_HIVE_KEYS_VISITED);
    w->set->keys_visited++;
    status = kb_hive_key_subkey(w->hive, key, path, i, sub, err);
    if (status != KB_OK)
        return status;
    status = kb_hive_key_name(w->hive, *sub, path, name, name_size, err);
    if (status != KB_OK)
        free_key(sub);
    return status;
}

/* One update key of the Updates tree: record it with its InstalledDate and Description. */
static kb_status updates_entry(walk *w, libregf_key_t *key, const char *where,
                               const char *name, kb_error *err)
{
    char installed[KB_UPDATE_TEXT_BYTES], description[KB_UPDATE_TEXT_BYTES];
    kb_status status;

    status = optional_string(w, key, where, "InstalledDate", installed, sizeof(installed), err);
    if (status == KB_OK)
        status = optional_string(w, key, where, "Description", description,
                                 sizeof(description), err);
    if (status == KB_OK)
        status = record(w->set, name, KB_WHERE_UPDATES, where, installed, description, err);
    return status;
}

/*
 * Opens one of the optional roots of the update records and counts its sub-keys. A root
 * that is not there is no error: *root stays NULL and *count 0.
 */
static kb_status open_optional_root(walk *w, const char *path, libregf_key_t **root, int *count,
                                    kb_error *err)
{
    kb_status status = kb_hive_key_get(w->hive, path, root, err);

    *count = 0;
    if (status == KB_ERR_NOT_FOUND) {
        kb_error_clear(err);
        return KB_OK;
    }
    if (status != KB_OK)
        return status;
    return kb_hive_key_subkey_count(w->hive, *root, path, count, err);
}

/* "<hive file>\<root_path>\<name>", cut to fit: where a record was seen. */
static void record_where(const walk *w, const char *root_path, const char *name, char *where,
                         size_t size)
{
    where[0] = '\0';
    append(where, size, kb_hive_file_name(w->hive));
    append(where, size, "\\");
    append(where, size, root_path);
    append(where, size, "\\");
    append(where, size, name);
}

/* Microsoft\Updates\<product>\<SPn>\<id>; ids directly under a product are taken too. */
static kb_status walk_updates(walk *w, kb_error *err)
{
    static const char root_path[] = "Microsoft\\Updates";
    libregf_key_t *root = NULL, *product = NULL, *sp = NULL, *update = NULL;
    char product_name[KB_MAX_PATH_BYTES], sp_name[KB_MAX_PATH_BYTES];
    char update_name[KB_MAX_PATH_BYTES];
    char product_where[KB_UPDATE_TEXT_BYTES], sp_where[KB_UPDATE_TEXT_BYTES];
    char where[KB_UPDATE_TEXT_BYTES];
    int products = 0, sps = 0, updates = 0;
    kb_status status;

    status = open_optional_root(w, root_path, &root, &products, err);
    for (int i = 0; status == KB_OK && i < products; i++) {
        status = visit(w, root, root_path, i, &product, product_name, sizeof(product_name),
                       err);
        if (status != KB_OK)
            break;
        product_where[0] = '\0';
        append(product_where, sizeof(product_where), kb_hive_file_name(w->hive));
        append(product_where, sizeof(product_where), "\\Microsoft\\Updates\\");
        append(product_where, sizeof(product_where), product_name);
        status = kb_hive_key_subkey_count(w->hive, product, product_where, &sps, err);
        for (int j = 0; status == KB_OK && j < sps; j++) {
            status = visit(w, product, product_where, j, &sp, sp_name, sizeof(sp_name), err);
            if (status != KB_OK)
                break;
            kb_strlcpy(sp_where, product_where, sizeof(sp_where));
            append(sp_where, sizeof(sp_where), "\\");
            append(sp_where, sizeof(sp_where), sp_name);
            if (looks_like_update_id(sp_name)) {
                /* Updates\<product>\KB123456: no SP level (older products). */
                status = updates_entry(w, sp, sp_where, sp_name, err);
                free_key(&sp);
                continue;
            }
            status = kb_hive_key_subkey_count(w->hive, sp, sp_where, &updates, err);
            for (int k = 0; status == KB_OK && k < updates; k++) {
                status = visit(w, sp, sp_where, k, &update, update_name, sizeof(update_name),
                               err);
                if (status != KB_OK)
                    break;
                kb_strlcpy(where, sp_where, sizeof(where));
                append(where, sizeof(where), "\\");
                append(where, sizeof(where), update_name);
                status = updates_entry(w, update, where, update_name, err);
                free_key(&update);
            }
            free_key(&sp);
        }
        free_key(&product);
    }
    free_key(&update);
    free_key(&sp);
    free_key(&product);
    free_key(&root);
    return status;
}

/* Microsoft\Windows NT\CurrentVersion\HotFix\<id>: every sub-key is a hotfix record. */
static kb_status walk_hotfix(walk *w, kb_error *err)
{
    static const char root_path[] = "Microsoft\\Windows NT\\CurrentVersion\\HotFix";
    libregf_key_t *root = NULL, *fix = NULL;
    char name[KB_MAX_PATH_BYTES], where[KB_UPDATE_TEXT_BYTES];
    char installed[KB_UPDATE_TEXT_BYTES], description[KB_UPDATE_TEXT_BYTES];
    int count = 0;
    kb_status status;

    status = open_optional_root(w, root_path, &root, &count, err);
    for (int i = 0; status == KB_OK && i < count; i++) {
        status = visit(w, root, root_path, i, &fix, name, sizeof(name), err);
        if (status != KB_OK)
            break;
        record_where(w, root_path, name, where, sizeof(where));
        status = optional_string(w, fix, where, "Installed On", installed, sizeof(installed),
                                 err);
        if (status == KB_OK)
            status = optional_string(w, fix, where, "Fix Description", description,
                                     sizeof(description), err);
        if (status == KB_OK)
            status = record(w->set, name, KB_WHERE_HOTFIX, where, installed, description, err);
        free_key(&fix);
    }
    free_key(&fix);
    free_key(&root);
    return status;
}

/*
 * Microsoft\Windows\CurrentVersion\Uninstall\<key>: only keys that look like updates - named
 * KB123456[-vN], or carrying ParentKeyName = OperatingSystem or a ReleaseType (then the id is
 * the KB number in DisplayName, else the key name).
 */
static kb_status walk_uninstall(walk *w, kb_error *err)
{
    static const char root_path[] = "Microsoft\\Windows\\CurrentVersion\\Uninstall";
    libregf_key_t *root = NULL, *entry = NULL;
    char name[KB_MAX_PATH_BYTES], where[KB_UPDATE_TEXT_BYTES];
    char display[KB_UPDATE_TEXT_BYTES], parent[KB_UPDATE_TEXT_BYTES];
    char token[KB_UPDATE_ID_BYTES];
    int count = 0;
    kb_status status;

    status = open_optional_root(w, root_path, &root, &count, err);
    for (int i = 0; status == KB_OK && i < count; i++) {
        const char *id = name;
        bool update = false;

        status = visit(w, root, root_path, i, &entry, name, sizeof(name), err);
        if (status != KB_OK)
            break;
        record_where(w, root_path, name, where, sizeof(where));
        status = optional_string(w, entry, where, "DisplayName", display, sizeof(display), err);
        if (status == KB_OK && is_kb_name(name)) {
            update = true;
        } else if (status == KB_OK) {
            status = optional_string(w, entry, where, "ParentKeyName", parent, sizeof(parent),
                                     err);
            if (status == KB_OK)
                update = kb_ascii_iequal(parent, "OperatingSystem");
            if (status == KB_OK && !update)
                status = kb_hive_key_has_value(w->hive, entry, where, "ReleaseType", &update,
                                               err);
            if (status == KB_OK && update && find_kb_token(display, token, sizeof(token)))
                id = token;
        }
        if (status == KB_OK && update)
            status = record(w->set, id, KB_WHERE_UNINSTALL, where, NULL, display, err);
        free_key(&entry);
    }
    free_key(&entry);
    free_key(&root);
    return status;
}

kb_status kb_hive_update_set_add_registry(kb_hive_update_set *set, kb_hive *software,
                                          kb_error *err)
{
    walk w;
    kb_status status;

    if (set == NULL || software == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "reading update records: invalid argument");
    w.set = set;
    w.hive = software;
    status = walk_updates(&w, err);
    if (status == KB_OK)
        status = walk_hotfix(&w, err);
    if (status == KB_OK)
        status = walk_uninstall(&w, err);
    if (status != KB_OK)
        kb_error_prefix(err, "reading installed updates");
    return status;
}

kb_status kb_hive_update_set_add_folder(kb_hive_update_set *set, const char *windows_dir,
                                        const char *name, bool *matched, kb_error *err)
{
    static const char prefix[] = "$NtUninstall";
    const size_t prefix_len = sizeof(prefix) - 1;
    char id[KB_MAX_PATH_BYTES], where[KB_UPDATE_TEXT_BYTES];
    size_t len, id_len;

    if (matched != NULL)
        *matched = false;
    if (set == NULL || windows_dir == NULL || name == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "reading update folders: invalid argument");
    len = strlen(name);
    /* "$NtUninstall" + at least one character of id + "$" */
    if (len < prefix_len + 2 || !kb_ascii_istarts_with(name, prefix) || name[len - 1] != '$')
        return KB_OK;
    id_len = len - prefix_len - 1;
    /* record() cuts the id to its field on a character boundary; this copy only has to
     * hold more than that field. */
    if (id_len >= sizeof(id))
        id_len = sizeof(id) - 1;
    memcpy(id, name + prefix_len, id_len);
    id[id_len] = '\0';
    where[0] = '\0';
    append(where, sizeof(where), windows_dir);
    if (where[0] != '\0' && where[strlen(where) - 1] != '\\')
        append(where, sizeof(where), "\\");
    append(where, sizeof(where), name);
    if (matched != NULL)
        *matched = true;
    return record(set, id, KB_WHERE_NTUNINSTALL, where, NULL, NULL, err);
}

static int compare_updates(const void *a, const void *b)
{
    const kb_hive_update *ua = a, *ub = b;
    int order = compare_ids(ua->id, ub->id);

    return order != 0 ? order : strcmp(ua->id, ub->id);
}

kb_status kb_hive_update_set_finish(kb_hive_update_set *set, kb_hive_update **out,
                                    size_t *count, kb_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (count != NULL)
        *count = 0;
    if (set == NULL || out == NULL || count == NULL) {
        kb_hive_update_set_free(set);
        return kb_error_set(err, KB_ERR_ARGUMENT, "update set: invalid argument");
    }
    if (set->count > 0) {
        qsort(set->items, set->count, sizeof(*set->items), compare_updates);
        *out = set->items;
        *count = set->count;
        set->items = NULL;
    }
    kb_hive_update_set_free(set);
    return KB_OK;
}

const char *kb_hive_update_where_label(int where_index)
{
    return where_index >= 0 && where_index < KB_WHERE_COUNT ? where_labels[where_index] : "?";
}
