/* SPDX-License-Identifier: Apache-2.0 */
/* pe_dir.c - the PE files of one directory (for the inetsrv inventory). */
#include <string.h>

#include "pe/pe.h"
#include "util/text.h"

typedef struct pe_filter {
    kb_fs_dir_cb cb;
    void *ctx;
} pe_filter;

static bool has_pe_extension(const char *name)
{
    size_t n = strlen(name);

    return n > 4 &&
           (kb_ascii_iequal(name + n - 4, ".dll") || kb_ascii_iequal(name + n - 4, ".exe"));
}

static int filter_entry(void *ctx, const char *name, const kb_file_meta *meta)
{
    const pe_filter *filter = ctx;

    if (meta->is_directory || !has_pe_extension(name))
        return 0;
    return filter->cb(filter->ctx, name, meta);
}

kb_status kb_pe_list_dir(kb_fs *fs, const char *path, kb_fs_dir_cb cb, void *ctx, kb_error *err)
{
    pe_filter filter;

    filter.cb = cb;
    filter.ctx = ctx;
    return kb_fs_list_dir(fs, path, filter_entry, &filter, err);
}
