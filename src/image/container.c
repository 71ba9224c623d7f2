/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.c - QCOW2, VHD/VHDX and VMDK with their differencing chains, read through
 * libqcow, libvhdi and libvmdk directly (container.h says why and what the parent-name rule
 * is). image.c hands the result to libtsk through its counting wrapper.
 *
 * Library conventions relied on (libyal, the Debian 12 versions in third_party/README.md):
 *   - functions return 1 on success, 0 for "not available" (parent names, content ids) and -1
 *     on error, with a libcerror error object that we turn into a message at once and free;
 *   - a handle opened with the READ access flag opens its file O_RDONLY (libcfile) and never
 *     writes;
 *   - set_parent_file / set_parent_handle keep a reference only: the parent must outlive the
 *     child, so handles are freed child first.
 * Every field these libraries read from the file (cluster tables, BAT, grain tables,
 * descriptors) is checked by them; what we add: the parent-name rule, the chain cap, loop
 * detection by device and inode, and the identifier checks (a VHD/VHDX child records its
 * parent's GUID, a VMDK delta its parent's CID; a mismatch means the wrong parent).
 */
#include "image/container.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libqcow.h>
#include <libvhdi.h>
#include <libvmdk.h>

#include "util/limits.h"
#include "util/text.h"

/* Longest library message kept: libcerror backtraces can be several lines. */
#define MESSAGE_MAX 256
/* Longest parent name shown in a message (names come from the image). */
#define SHOWN_NAME_MAX 160

/* One library behind one set of operations. Handles of all three are intptr_t * (each
 * library's public handle type is a typedef of intptr_t). */
typedef struct format_ops {
    const char *name;   /* for messages: "qcow2", "vhd", "vmdk" */
    bool windows_names; /* parent names use '\' */
    int (*open)(const char *path, intptr_t **handle, char *msg);
    /* 1: *name filled; 0: no parent; -1: error */
    int (*parent_name)(intptr_t *handle, char *name, size_t name_size, char *msg);
    /* 1: the parent is the one the child names; 0: mismatch (msg says how); -1: error */
    int (*check_parent)(intptr_t *child, intptr_t *parent, char *msg);
    int (*set_parent)(intptr_t *child, intptr_t *parent, char *msg);
    int (*media_size)(intptr_t *handle, uint64_t *size, char *msg);
    ssize_t (*read)(intptr_t *handle, void *buf, size_t len, uint64_t off, char *msg);
    void (*close)(intptr_t *handle);
} format_ops;

struct kb_container {
    const format_ops *ops;
    size_t count;                            /* files in the chain */
    intptr_t *handles[KB_MAX_CHAIN_FILES];   /* [0] the image, [i + 1] the parent of [i] */
    char *files[KB_MAX_CHAIN_FILES];         /* host paths, same order */
    uint64_t size;
};

/* ---------------------------------------------------------------------------------------
 * libcerror errors to one line
 * ------------------------------------------------------------------------------------- */

/*
 * libcerror keeps one message per level, innermost first, one per line in the backtrace
 * ("libbfio_file_open: unable to open file.", ...). The innermost says what really failed;
 * keep it, without the trailing full stop, on one printable line.
 */
static void tidy_backtrace(char *text, int printed, char *msg)
{
    char *end;

    if (printed <= 0 || text[0] == '\0') {
        kb_strlcpy(msg, "unknown library error", MESSAGE_MAX);
        return;
    }
    while (*text == '\n' || *text == ' ')
        text++;
    end = strchr(text, '\n');
    if (end != NULL)
        *end = '\0';
    end = text + strlen(text);
    while (end > text && (end[-1] == '.' || end[-1] == ' ' || end[-1] == '\r'))
        *--end = '\0';
    kb_strlcpy(msg, text[0] != '\0' ? text : "unknown library error", MESSAGE_MAX);
    kb_sanitize_printable(msg);
}

static void qcow_take(libqcow_error_t **error, char *msg)
{
    char text[1024] = "";

    tidy_backtrace(text, *error != NULL ? libqcow_error_backtrace_sprint(*error, text,
                                                                         sizeof(text))
                                        : 0, msg);
    libqcow_error_free(error);
}

static void vhdi_take(libvhdi_error_t **error, char *msg)
{
    char text[1024] = "";

    tidy_backtrace(text, *error != NULL ? libvhdi_error_backtrace_sprint(*error, text,
                                                                         sizeof(text))
                                        : 0, msg);
    libvhdi_error_free(error);
}

static void vmdk_take(libvmdk_error_t **error, char *msg)
{
    char text[1024] = "";

    tidy_backtrace(text, *error != NULL ? libvmdk_error_backtrace_sprint(*error, text,
                                                                         sizeof(text))
                                        : 0, msg);
    libvmdk_error_free(error);
}

/* ---------------------------------------------------------------------------------------
 * QCOW2 (libqcow)
 * ------------------------------------------------------------------------------------- */

static void qcow_close(intptr_t *handle)
{
    libqcow_file_t *file = handle;
    libqcow_error_t *error = NULL;

    if (file == NULL)
        return;
    if (libqcow_file_close(file, &error) != 0)
        libqcow_error_free(&error);
    if (libqcow_file_free(&file, &error) != 1)
        libqcow_error_free(&error);
}

static int qcow_open(const char *path, intptr_t **handle, char *msg)
{
    libqcow_file_t *file = NULL;
    libqcow_error_t *error = NULL;
    uint32_t method = LIBQCOW_ENCRYPTION_METHOD_NONE;

    if (libqcow_file_initialize(&file, &error) != 1) {
        qcow_take(&error, msg);
        return -1;
    }
    if (libqcow_file_open(file, path, LIBQCOW_OPEN_READ, &error) != 1) {
        qcow_take(&error, msg);
        libqcow_file_free(&file, NULL);
        return -1;
    }
    if (libqcow_file_get_encryption_method(file, &method, &error) != 1) {
        qcow_take(&error, msg);
        qcow_close(file);
        return -1;
    }
    if (method != LIBQCOW_ENCRYPTION_METHOD_NONE) {
        /* Without the key every cluster reads as noise: refuse rather than misread. */
        snprintf(msg, MESSAGE_MAX, "encrypted image (method %u) not supported",
                 (unsigned)method);
        qcow_close(file);
        return -1;
    }
    *handle = file;
    return 1;
}

static int qcow_parent_name(intptr_t *handle, char *name, size_t name_size, char *msg)
{
    libqcow_error_t *error = NULL;
    size_t size = 0;
    int r;

    r = libqcow_file_get_utf8_backing_filename_size(handle, &size, &error);
    if (r == -1) {
        qcow_take(&error, msg);
        return -1;
    }
    if (r == 0 || size <= 1)
        return 0;
    if (size > name_size) {
        snprintf(msg, MESSAGE_MAX, "backing file name of %zu bytes is longer than %zu", size,
                 name_size - 1);
        return -1;
    }
    if (libqcow_file_get_utf8_backing_filename(handle, (uint8_t *)name, name_size, &error) !=
        1) {
        qcow_take(&error, msg);
        return -1;
    }
    name[name_size - 1] = '\0';
    return 1;
}

static int qcow_check_parent(intptr_t *child, intptr_t *parent, char *msg)
{
    /* QCOW2 records no identifier of its backing file: only the name. */
    (void)child;
    (void)parent;
    (void)msg;
    return 1;
}

static int qcow_set_parent(intptr_t *child, intptr_t *parent, char *msg)
{
    libqcow_error_t *error = NULL;

    if (libqcow_file_set_parent_file(child, parent, &error) != 1) {
        qcow_take(&error, msg);
        return -1;
    }
    return 1;
}

static int qcow_media_size(intptr_t *handle, uint64_t *size, char *msg)
{
    libqcow_error_t *error = NULL;
    size64_t media = 0;

    if (libqcow_file_get_media_size(handle, &media, &error) != 1) {
        qcow_take(&error, msg);
        return -1;
    }
    *size = (uint64_t)media;
    return 1;
}

static ssize_t qcow_read(intptr_t *handle, void *buf, size_t len, uint64_t off, char *msg)
{
    libqcow_error_t *error = NULL;
    ssize_t got = libqcow_file_read_buffer_at_offset(handle, buf, len, (off64_t)off, &error);

    if (got < 0)
        qcow_take(&error, msg);
    return got;
}

static const format_ops qcow_ops = {"qcow2", false, qcow_open, qcow_parent_name,
                                    qcow_check_parent, qcow_set_parent, qcow_media_size,
                                    qcow_read, qcow_close};

/* ---------------------------------------------------------------------------------------
 * VHD and VHDX (libvhdi)
 * ------------------------------------------------------------------------------------- */

static void vhdi_close(intptr_t *handle)
{
    libvhdi_file_t *file = handle;
    libvhdi_error_t *error = NULL;

    if (file == NULL)
        return;
    if (libvhdi_file_close(file, &error) != 0)
        libvhdi_error_free(&error);
    if (libvhdi_file_free(&file, &error) != 1)
        libvhdi_error_free(&error);
}

static int vhdi_open(const char *path, intptr_t **handle, char *msg)
{
    libvhdi_file_t *file = NULL;
    libvhdi_error_t *error = NULL;

    if (libvhdi_file_initialize(&file, &error) != 1) {
        vhdi_take(&error, msg);
        return -1;
    }
    if (libvhdi_file_open(file, path, LIBVHDI_OPEN_READ, &error) != 1) {
        vhdi_take(&error, msg);
        libvhdi_file_free(&file, NULL);
        return -1;
    }
    *handle = file;
    return 1;
}

static int vhdi_parent_name(intptr_t *handle, char *name, size_t name_size, char *msg)
{
    libvhdi_error_t *error = NULL;
    uint32_t disk_type = 0;
    size_t size = 0;
    int r;

    if (libvhdi_file_get_disk_type(handle, &disk_type, &error) != 1) {
        vhdi_take(&error, msg);
        return -1;
    }
    if (disk_type != LIBVHDI_DISK_TYPE_DIFFERENTIAL)
        return 0;
    r = libvhdi_file_get_utf8_parent_filename_size(handle, &size, &error);
    if (r == -1) {
        vhdi_take(&error, msg);
        return -1;
    }
    if (r == 0 || size <= 1) {
        kb_strlcpy(msg, "differencing disk names no parent", MESSAGE_MAX);
        return -1;
    }
    if (size > name_size) {
        snprintf(msg, MESSAGE_MAX, "parent name of %zu bytes is longer than %zu", size,
                 name_size - 1);
        return -1;
    }
    if (libvhdi_file_get_utf8_parent_filename(handle, (uint8_t *)name, name_size, &error) !=
        1) {
        vhdi_take(&error, msg);
        return -1;
    }
    name[name_size - 1] = '\0';
    return 1;
}

static int vhdi_check_parent(intptr_t *child, intptr_t *parent, char *msg)
{
    libvhdi_error_t *error = NULL;
    uint8_t want[16], have[16];

    if (libvhdi_file_get_parent_identifier(child, want, sizeof(want), &error) != 1 ||
        libvhdi_file_get_identifier(parent, have, sizeof(have), &error) != 1) {
        vhdi_take(&error, msg);
        return -1;
    }
    if (memcmp(want, have, sizeof(want)) != 0) {
        kb_strlcpy(msg, "its identifier is not the parent identifier the child records",
                   MESSAGE_MAX);
        return 0;
    }
    return 1;
}

static int vhdi_set_parent(intptr_t *child, intptr_t *parent, char *msg)
{
    libvhdi_error_t *error = NULL;

    if (libvhdi_file_set_parent_file(child, parent, &error) != 1) {
        vhdi_take(&error, msg);
        return -1;
    }
    return 1;
}

static int vhdi_media_size(intptr_t *handle, uint64_t *size, char *msg)
{
    libvhdi_error_t *error = NULL;
    size64_t media = 0;

    if (libvhdi_file_get_media_size(handle, &media, &error) != 1) {
        vhdi_take(&error, msg);
        return -1;
    }
    *size = (uint64_t)media;
    return 1;
}

static ssize_t vhdi_read(intptr_t *handle, void *buf, size_t len, uint64_t off, char *msg)
{
    libvhdi_error_t *error = NULL;
    ssize_t got = libvhdi_file_read_buffer_at_offset(handle, buf, len, (off64_t)off, &error);

    if (got < 0)
        vhdi_take(&error, msg);
    return got;
}

static const format_ops vhdi_ops = {"vhd", true, vhdi_open, vhdi_parent_name,
                                    vhdi_check_parent, vhdi_set_parent, vhdi_media_size,
                                    vhdi_read, vhdi_close};

/* ---------------------------------------------------------------------------------------
 * VMDK (libvmdk)
 * ------------------------------------------------------------------------------------- */

static void vmdk_close(intptr_t *handle)
{
    libvmdk_handle_t *vmdk = handle;
    libvmdk_error_t *error = NULL;

    if (vmdk == NULL)
        return;
    if (libvmdk_handle_close(vmdk, &error) != 0)
        libvmdk_error_free(&error);
    if (libvmdk_handle_free(&vmdk, &error) != 1)
        libvmdk_error_free(&error);
}

/* The directory part of path ("." when it has none), for extent data files. */
static void directory_of(const char *path, char *out, size_t out_size)
{
    const char *slash = strrchr(path, '/');
    size_t n;

    if (slash == NULL) {
        kb_strlcpy(out, ".", out_size);
        return;
    }
    n = (size_t)(slash - path);
    if (n == 0)
        n = 1; /* "/disk.vmdk": the root */
    if (n >= out_size)
        n = out_size - 1;
    memcpy(out, path, n);
    out[n] = '\0';
}

/*
 * Every extent file a descriptor names is a host path from the image too: each name must pass
 * the parent-name rule before libvmdk opens the extent data files (from the descriptor's own
 * directory, set explicitly).
 */
static int vmdk_check_extents(libvmdk_handle_t *vmdk, const char *path, char *msg)
{
    libvmdk_error_t *error = NULL;
    libvmdk_extent_descriptor_t *extent = NULL;
    char name[KB_MAX_PATH_BYTES], resolved[KB_MAX_PATH_BYTES];
    kb_error local;
    int count = 0;

    if (libvmdk_handle_get_number_of_extents(vmdk, &count, &error) != 1) {
        vmdk_take(&error, msg);
        return -1;
    }
    if (count < 1 || count > KB_MAX_VMDK_EXTENTS) {
        snprintf(msg, MESSAGE_MAX, "%d extents (1 to %d accepted, KB_MAX_VMDK_EXTENTS)", count,
                 KB_MAX_VMDK_EXTENTS);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        int r;

        if (libvmdk_handle_get_extent_descriptor(vmdk, i, &extent, &error) != 1) {
            vmdk_take(&error, msg);
            return -1;
        }
        r = libvmdk_extent_descriptor_get_utf8_filename(extent, (uint8_t *)name, sizeof(name),
                                                       &error);
        if (r != 1) {
            vmdk_take(&error, msg);
            libvmdk_extent_descriptor_free(&extent, NULL);
            return -1;
        }
        libvmdk_extent_descriptor_free(&extent, NULL);
        name[sizeof(name) - 1] = '\0';
        if (kb_container_parent_path(path, name, false, resolved, sizeof(resolved), &local) !=
            KB_OK) {
            /* the message names the path already; keep what follows it */
            const char *what = strstr(local.message, ": ");

            what = what != NULL ? what + 2 : local.message;
            if (strncmp(what, "parent name ", 12) == 0)
                what += 12;
            (void)kb_str_join3(msg, MESSAGE_MAX, "extent file name ", what, "");
            return -1;
        }
    }
    return 1;
}

static int vmdk_open(const char *path, intptr_t **handle, char *msg)
{
    libvmdk_handle_t *vmdk = NULL;
    libvmdk_error_t *error = NULL;
    char directory[KB_MAX_PATH_BYTES];

    if (libvmdk_handle_initialize(&vmdk, &error) != 1) {
        vmdk_take(&error, msg);
        return -1;
    }
    if (libvmdk_handle_open(vmdk, path, LIBVMDK_OPEN_READ, &error) != 1) {
        vmdk_take(&error, msg);
        libvmdk_handle_free(&vmdk, NULL);
        return -1;
    }
    directory_of(path, directory, sizeof(directory));
    if (vmdk_check_extents(vmdk, path, msg) != 1)
        goto fail;
    if (libvmdk_handle_set_extent_data_files_path(vmdk, directory, strlen(directory),
                                                  &error) != 1 ||
        libvmdk_handle_open_extent_data_files(vmdk, &error) != 1) {
        vmdk_take(&error, msg);
        goto fail;
    }
    *handle = vmdk;
    return 1;
fail:
    vmdk_close(vmdk);
    return -1;
}

static int vmdk_parent_name(intptr_t *handle, char *name, size_t name_size, char *msg)
{
    libvmdk_error_t *error = NULL;
    size_t size = 0;
    int r;

    r = libvmdk_handle_get_utf8_parent_filename_size(handle, &size, &error);
    if (r == -1) {
        vmdk_take(&error, msg);
        return -1;
    }
    if (r == 0 || size <= 1)
        return 0;
    if (size > name_size) {
        snprintf(msg, MESSAGE_MAX, "parent name of %zu bytes is longer than %zu", size,
                 name_size - 1);
        return -1;
    }
    if (libvmdk_handle_get_utf8_parent_filename(handle, (uint8_t *)name, name_size, &error) !=
        1) {
        vmdk_take(&error, msg);
        return -1;
    }
    name[name_size - 1] = '\0';
    return 1;
}

static int vmdk_check_parent(intptr_t *child, intptr_t *parent, char *msg)
{
    libvmdk_error_t *error = NULL;
    uint32_t want = 0, have = 0;
    int r;

    r = libvmdk_handle_get_parent_content_identifier(child, &want, &error);
    if (r == -1) {
        vmdk_take(&error, msg);
        return -1;
    }
    if (r == 0)
        return 1; /* no parentCID recorded: nothing to compare */
    if (libvmdk_handle_get_content_identifier(parent, &have, &error) != 1) {
        vmdk_take(&error, msg);
        return -1;
    }
    if (want != have) {
        snprintf(msg, MESSAGE_MAX, "its CID %08x is not the parentCID %08x the child records",
                 (unsigned)have, (unsigned)want);
        return 0;
    }
    return 1;
}

static int vmdk_set_parent(intptr_t *child, intptr_t *parent, char *msg)
{
    libvmdk_error_t *error = NULL;

    if (libvmdk_handle_set_parent_handle(child, parent, &error) != 1) {
        vmdk_take(&error, msg);
        return -1;
    }
    return 1;
}

static int vmdk_media_size(intptr_t *handle, uint64_t *size, char *msg)
{
    libvmdk_error_t *error = NULL;
    size64_t media = 0;

    if (libvmdk_handle_get_media_size(handle, &media, &error) != 1) {
        vmdk_take(&error, msg);
        return -1;
    }
    *size = (uint64_t)media;
    return 1;
}

static ssize_t vmdk_read(intptr_t *handle, void *buf, size_t len, uint64_t off, char *msg)
{
    libvmdk_error_t *error = NULL;
    ssize_t got = libvmdk_handle_read_buffer_at_offset(handle, buf, len, (off64_t)off, &error);

    if (got < 0)
        vmdk_take(&error, msg);
    return got;
}

static const format_ops vmdk_ops = {"vmdk", false, vmdk_open, vmdk_parent_name,
                                    vmdk_check_parent, vmdk_set_parent, vmdk_media_size,
                                    vmdk_read, vmdk_close};

/* ---------------------------------------------------------------------------------------
 * The chain
 * ------------------------------------------------------------------------------------- */

/* A name from the image, cut and made printable for a message. */
static void shown(const char *name, char *out, size_t out_size)
{
    kb_strlcpy(out, name, out_size < SHOWN_NAME_MAX ? out_size : SHOWN_NAME_MAX);
    kb_sanitize_printable(out);
}

kb_status kb_container_parent_path(const char *declared_by, const char *name, bool windows_names,
                                   char *out, size_t out_size, kb_error *err)
{
    char clean[KB_MAX_PATH_BYTES], show[SHOWN_NAME_MAX], directory[KB_MAX_PATH_BYTES];
    const char *rest, *component;
    size_t n;

    if (out_size > 0)
        out[0] = '\0';
    if (declared_by == NULL || name == NULL || out == NULL || out_size == 0)
        return kb_error_set(err, KB_ERR_ARGUMENT, "parent path: invalid argument");
    shown(name, show, sizeof(show));
    n = strlen(name);
    if (n == 0)
        return kb_error_set(err, KB_ERR_ARGUMENT, "%s: names an empty parent file name",
                            declared_by);
    if (n >= sizeof(clean))
        return kb_error_set(err, KB_ERR_ARGUMENT,
                            "%s: parent name \"%s...\" is longer than %d bytes", declared_by,
                            show, KB_MAX_PATH_BYTES - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];

        if (c < 0x20 || c == 0x7f)
            return kb_error_set(err, KB_ERR_ARGUMENT,
                                "%s: parent name \"%s\" holds control characters",
                                declared_by, show);
        clean[i] = windows_names && c == '\\' ? '/' : (char)c;
    }
    clean[n] = '\0';
    if (clean[0] == '/' || strchr(clean, ':') != NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT,
                            "%s: parent name \"%s\" is absolute or not a file name; kbprobe "
                            "opens parents only by a relative name in the image's directory",
                            declared_by, show);
    rest = clean;
    /* VHDX relative locators read ".\base.vhdx" */
    while (rest[0] == '.' && rest[1] == '/')
        rest += 2;
    for (component = rest; *component != '\0';) {
        size_t len = strcspn(component, "/");

        if (len == 2 && component[0] == '.' && component[1] == '.')
            return kb_error_set(err, KB_ERR_ARGUMENT,
                                "%s: parent name \"%s\" leaves the image's directory (\"..\")",
                                declared_by, show);
        component += len;
        while (*component == '/')
            component++;
    }
    if (rest[0] == '\0' || rest[strlen(rest) - 1] == '/' || strcmp(rest, ".") == 0)
        return kb_error_set(err, KB_ERR_ARGUMENT, "%s: parent name \"%s\" names no file",
                            declared_by, show);
    if (strchr(declared_by, '/') == NULL) {
        kb_strlcpy(directory, "", sizeof(directory));
    } else {
        directory_of(declared_by, directory, sizeof(directory));
        if (strcmp(directory, "/") != 0 && !kb_str_join3(directory, sizeof(directory),
                                                         directory, "/", ""))
            return kb_error_set(err, KB_ERR_LIMIT, "%s: directory path too long", declared_by);
    }
    if (!kb_str_join3(out, out_size, directory, rest, ""))
        return kb_error_set(err, KB_ERR_LIMIT, "%s: parent path \"%s\" too long", declared_by,
                            show);
    return KB_OK;
}

/* A parent on the host: a regular, non-empty file. */
static kb_status check_parent_file(const char *image, const char *declared_by, const char *name,
                                   const char *path, struct stat *st, kb_error *err)
{
    char show[SHOWN_NAME_MAX];

    shown(name, show, sizeof(show));
    if (stat(path, st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return kb_error_set(err, KB_ERR_NOT_FOUND,
                                "%s: parent image %s not found (named \"%s\" in %s)", image,
                                path, show, declared_by);
        return kb_error_set(err, KB_ERR_IO, "%s: parent image %s (named \"%s\" in %s): %s",
                            image, path, show, declared_by, strerror(errno));
    }
    if (!S_ISREG(st->st_mode))
        return kb_error_set(err, KB_ERR_ARGUMENT,
                            "%s: parent image %s (named \"%s\" in %s) is not a regular file",
                            image, path, show, declared_by);
    if (st->st_size == 0)
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "%s: parent image %s (named \"%s\" in %s) is empty", image, path,
                            show, declared_by);
    return KB_OK;
}

static const format_ops *ops_for(kb_container_kind kind)
{
    switch (kind) {
    case KB_CONTAINER_QCOW2:
        return &qcow_ops;
    case KB_CONTAINER_VHD:
        return &vhdi_ops;
    case KB_CONTAINER_VMDK:
        return &vmdk_ops;
    }
    return NULL;
}

kb_status kb_container_open(const char *path, kb_container_kind kind, kb_container **out,
                            kb_error *err)
{
    char msg[MESSAGE_MAX], name[KB_MAX_PATH_BYTES], parent[KB_MAX_PATH_BYTES];
    dev_t devices[KB_MAX_CHAIN_FILES];
    ino_t inodes[KB_MAX_CHAIN_FILES];
    kb_container *c = NULL;
    kb_status status = KB_OK;
    struct stat st;

    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL || ops_for(kind) == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "opening container: invalid argument");
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", path);
    c->ops = ops_for(kind);
    if (stat(path, &st) != 0) {
        status = kb_error_set(err, KB_ERR_IO, "%s: %s", path, strerror(errno));
        goto out;
    }
    devices[0] = st.st_dev;
    inodes[0] = st.st_ino;
    c->files[0] = strdup(path);
    if (c->files[0] == NULL) {
        status = kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    msg[0] = '\0';
    if (c->ops->open(path, &c->handles[0], msg) != 1) {
        status = kb_error_set(err, KB_ERR_UNSUPPORTED, "%s: cannot open as %s: %s", path,
                              c->ops->name, msg);
        goto out;
    }
    c->count = 1;
    for (;;) {
        const char *child = c->files[c->count - 1];
        int r = c->ops->parent_name(c->handles[c->count - 1], name, sizeof(name), msg);

        if (r == 0)
            break;
        if (r < 0) {
            status = kb_error_set(err, KB_ERR_CORRUPT, "%s: cannot read the parent name: %s",
                                  child, msg);
            goto out;
        }
        if (c->count >= KB_MAX_CHAIN_FILES) {
            status = kb_error_set(err, KB_ERR_LIMIT,
                                  "%s: differencing chain longer than %d files "
                                  "(KB_MAX_CHAIN_FILES)", path, KB_MAX_CHAIN_FILES);
            goto out;
        }
        status = kb_container_parent_path(child, name, c->ops->windows_names, parent,
                                          sizeof(parent), err);
        if (status != KB_OK)
            goto out;
        status = check_parent_file(path, child, name, parent, &st, err);
        if (status != KB_OK)
            goto out;
        for (size_t i = 0; i < c->count; i++) {
            if (devices[i] == st.st_dev && inodes[i] == st.st_ino) {
                status = kb_error_set(err, KB_ERR_CORRUPT,
                                      "%s: differencing chain loops: %s names %s, already in "
                                      "the chain", path, child, parent);
                goto out;
            }
        }
        devices[c->count] = st.st_dev;
        inodes[c->count] = st.st_ino;
        c->files[c->count] = strdup(parent);
        if (c->files[c->count] == NULL) {
            status = kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", path);
            goto out;
        }
        if (c->ops->open(parent, &c->handles[c->count], msg) != 1) {
            status = kb_error_set(err, KB_ERR_UNSUPPORTED,
                                  "%s: parent image %s (of %s) cannot be opened as %s: %s",
                                  path, parent, child, c->ops->name, msg);
            free(c->files[c->count]);
            c->files[c->count] = NULL;
            goto out;
        }
        c->count++;
        r = c->ops->check_parent(c->handles[c->count - 2], c->handles[c->count - 1], msg);
        if (r != 1) {
            status = kb_error_set(err, r == 0 ? KB_ERR_CORRUPT : KB_ERR_IO,
                                  "%s: parent image %s does not belong to %s: %s", path, parent,
                                  child, msg);
            goto out;
        }
    }
    /* Parents from the root up, so each one is whole before a child reads through it. */
    for (size_t i = c->count - 1; i > 0; i--) {
        if (c->ops->set_parent(c->handles[i - 1], c->handles[i], msg) != 1) {
            status = kb_error_set(err, KB_ERR_UNSUPPORTED, "%s: cannot attach parent %s: %s",
                                  c->files[i - 1], c->files[i], msg);
            goto out;
        }
    }
    if (c->ops->media_size(c->handles[0], &c->size, msg) != 1) {
        status = kb_error_set(err, KB_ERR_CORRUPT, "%s: cannot read the media size: %s", path,
                              msg);
        goto out;
    }
    *out = c;
    c = NULL;
out:
    kb_container_close(c);
    return status;
}

void kb_container_close(kb_container *container)
{
    if (container == NULL)
        return;
    /* child first: a parent must outlive the children that reference it */
    for (size_t i = 0; i < KB_MAX_CHAIN_FILES; i++) {
        if (container->handles[i] != NULL)
            container->ops->close(container->handles[i]);
        free(container->files[i]);
    }
    free(container);
}

uint64_t kb_container_size(const kb_container *container)
{
    return container != NULL ? container->size : 0;
}

const char *const *kb_container_chain(const kb_container *container, size_t *count)
{
    if (count != NULL)
        *count = container != NULL ? container->count : 0;
    return container != NULL ? (const char *const *)container->files : NULL;
}

ssize_t kb_container_read(kb_container *container, uint64_t off, void *buf, size_t len,
                          char *message, size_t message_size)
{
    char msg[MESSAGE_MAX] = "";
    ssize_t got = container->ops->read(container->handles[0], buf, len, off, msg);

    if (got < 0 && message != NULL && message_size > 0)
        kb_strlcpy(message, msg, message_size);
    return got;
}
