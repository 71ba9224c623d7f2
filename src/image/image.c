/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image.c - the evidence container through libtsk's img layer, behind a counting wrapper.
 *
 * Raw, split raw and E01 are opened by libtsk (its own TSK_IMG_INFO); QCOW2, VHD/VHDX and
 * VMDK by libqcow, libvhdi and libvmdk directly (container.c), because only there can the
 * parents of a differencing chain be found, checked and attached (libtsk opens one file).
 * Either way the layers above read through a wrapper made with tsk_img_open_external() whose
 * read callback forwards to tsk_img_read() on libtsk's handle or to kb_container_read(),
 * counting bytes and calls, so every byte read from the evidence is counted. The in-memory
 * image uses the same wrapper with a callback that copies out of the caller's buffer instead.
 *
 * libtsk 4.11 semantics relied on (tsk/img/img_open.cpp):
 *   - tsk_img_open_external() does not allocate: it fills tag, itype, size, sector_size and
 *     the callbacks of the struct it is given and initialises its cache lock. The struct must
 *     begin with a TSK_IMG_INFO and be zeroed (the read cache's offsets and lengths are read
 *     as they are). tsk_malloc() (zeroing malloc) is not in libtsk's public headers, so the
 *     struct comes from calloc().
 *   - tsk_img_close() de-initialises that cache lock itself, then calls our close callback,
 *     which frees the struct with free() (the allocation is ours, not libtsk's) and must not
 *     touch the lock again.
 *   - libtsk opens every container file O_RDONLY (raw.c: open(..., O_RDONLY | O_BINARY);
 *     libewf is opened with its READ access flag), and so does container.c (libqcow, libvhdi
 *     and libvmdk with theirs).
 */
#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tsk/libtsk.h>

#include "image/container.h"
#include "util/tsk_error.h"
#include "util/text.h"

/* The wrapper handed to libtsk: must begin with the TSK_IMG_INFO (libtsk casts it). */
typedef struct counting_img {
    TSK_IMG_INFO info;
    kb_image *owner;
} counting_img;

struct kb_image {
    char *path;                 /* as given, for messages */
    const char *format;         /* static string */
    uint64_t size;
    unsigned segments;
    TSK_IMG_INFO *real;         /* libtsk's handle (raw, split raw, E01) or NULL */
    kb_container *container;    /* QCOW2, VHD/VHDX, VMDK with their parents, or NULL */
    const char *chain[1];       /* the chain of an image that has no parents: its path */
    const uint8_t *memory;      /* memory images: the caller's bytes */
    counting_img *wrapper;      /* what the layers above read through */
    kb_io_stats stats;
};

/* The wrapper's read callback: forwards to the real container (or the memory buffer). */
static ssize_t counting_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
    counting_img *wrapper = (counting_img *)img;
    kb_image *image = wrapper->owner;
    ssize_t got;

    image->stats.read_calls++;
    if (off < 0 || (uint64_t)off > image->size) {
        tsk_error_reset();
        tsk_error_set_errno(TSK_ERR_IMG_READ_OFF);
        tsk_error_set_errstr("read at offset %" PRIdOFF " past the end of the image", off);
        return -1;
    }
    if (len > image->size - (uint64_t)off)
        len = (size_t)(image->size - (uint64_t)off);
    if (image->real != NULL) {
        got = tsk_img_read(image->real, off, buf, len);
    } else if (image->container != NULL) {
        char message[KB_TSK_MESSAGE_MAX];

        got = kb_container_read(image->container, (uint64_t)off, buf, len, message,
                                sizeof(message));
        if (got < 0) {
            tsk_error_reset();
            tsk_error_set_errno(TSK_ERR_IMG_READ);
            tsk_error_set_errstr("%s", message);
        }
    } else {
        memcpy(buf, image->memory + off, len);
        got = (ssize_t)len;
    }
    if (got > 0)
        image->stats.bytes_read += (uint64_t)got;
    return got;
}

static void counting_close(TSK_IMG_INFO *img)
{
    /* tsk_img_close() has already de-initialised the cache lock. */
    free(img);
}

static void counting_imgstat(TSK_IMG_INFO *img, FILE *stream)
{
    counting_img *wrapper = (counting_img *)img;

    fprintf(stream, "kbprobe counting wrapper over %s (%s)\n", wrapper->owner->path,
            wrapper->owner->format);
}

static kb_status wrap(kb_image *image, unsigned sector_size, kb_error *err)
{
    char message[KB_TSK_MESSAGE_MAX];
    counting_img *wrapper;

    /* Zeroed: libtsk reads the cache bookkeeping as it finds it. */
    wrapper = calloc(1, sizeof(*wrapper));
    if (wrapper == NULL) {
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory for the image wrapper",
                            image->path);
    }
    wrapper->owner = image;
    if (tsk_img_open_external(wrapper, (TSK_OFF_T)image->size, sector_size, counting_read,
                              counting_close, counting_imgstat) == NULL) {
        kb_tsk_error_take(message, sizeof(message));
        free(wrapper);
        return kb_error_set(err, KB_ERR_IO, "%s: cannot wrap the image: %s", image->path,
                            message);
    }
    wrapper->info.num_img = (int)image->segments;
    image->wrapper = wrapper;
    return KB_OK;
}

/* Checks that path names a regular file we can read, with a plain message if not. */
static kb_status check_path(const char *path, uint64_t *size, kb_error *err)
{
    struct stat st;
    int fd;

    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return kb_error_set(err, KB_ERR_NOT_FOUND, "%s: no such file", path);
        return kb_error_set(err, KB_ERR_IO, "%s: %s", path, strerror(errno));
    }
    if (S_ISDIR(st.st_mode))
        return kb_error_set(err, KB_ERR_ARGUMENT, "%s: is a directory", path);
    if (!S_ISREG(st.st_mode))
        return kb_error_set(err, KB_ERR_ARGUMENT, "%s: not a regular file", path);
    fd = open(path, O_RDONLY);
    if (fd < 0)
        return kb_error_set(err, KB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    close(fd);
    if (st.st_size == 0)
        return kb_error_set(err, KB_ERR_CORRUPT, "%s: empty file", path);
    *size = (uint64_t)st.st_size;
    return KB_OK;
}

/*
 * The container type, from the file's magic bytes, handed to libtsk explicitly.
 * Why not TSK_IMG_TYPE_DETECT: libtsk 4.11.1's detection opens the file with each library in
 * turn and does not free the libvmdk and libvhdi handles of the probes that fail
 * (LeakSanitizer reports ~2 MiB and a dozen objects per raw image opened), so every test under
 * ASan would fail. The magics are the ones those libraries check first:
 *   EWF (E01)   "EVF\x09\x0d\x0a\xff\x00" at 0; EWF2 (Ex01) "EVF2\x0d\x0a\x81\x00" at 0
 *   VHDX        "vhdxfile" at 0 (MS-VHDX 2.2.1, file type identifier)
 *   VHD         "conectix" in the footer, the last 512 bytes, and at 0 in dynamic disks
 *   VMDK        "KDMV" at 0 (sparse extent), "COWD" at 0 (ESX sparse), or a text descriptor
 *               starting "# Disk DescriptorFile"
 *   QCOW2       "QFI\xfb" at 0 (libtsk cannot read it: container.c opens it with libqcow;
 *               reading its bytes as a raw disk would give a wrong "no file system" answer)
 *   anything else is raw (split raw is found from its first segment by libtsk).
 */
static TSK_IMG_TYPE_ENUM sniff(const char *path, uint64_t size, const char **format)
{
    static const char ewf1[8] = {'E', 'V', 'F', 0x09, 0x0d, 0x0a, (char)0xff, 0x00};
    static const char ewf2[8] = {'E', 'V', 'F', '2', 0x0d, 0x0a, (char)0x81, 0x00};
    static const char descriptor[] = "# Disk DescriptorFile";
    char head[32], tail[8];
    TSK_IMG_TYPE_ENUM type = TSK_IMG_TYPE_RAW;
    int fd = open(path, O_RDONLY);

    *format = "raw";
    if (fd < 0)
        return type;
    memset(head, 0, sizeof(head));
    memset(tail, 0, sizeof(tail));
    if (pread(fd, head, sizeof(head), 0) < 8)
        goto out;
    if (size >= 512 && pread(fd, tail, sizeof(tail), (off_t)(size - 512)) != (ssize_t)sizeof(tail))
        memset(tail, 0, sizeof(tail));
    if (memcmp(head, ewf1, 8) == 0 || memcmp(head, ewf2, 8) == 0) {
        type = TSK_IMG_TYPE_EWF_EWF;
        *format = "ewf";
    } else if (memcmp(head, "vhdxfile", 8) == 0) {
        type = TSK_IMG_TYPE_VHD_VHD;
        *format = "vhdx";
    } else if (memcmp(tail, "conectix", 8) == 0 || memcmp(head, "conectix", 8) == 0) {
        type = TSK_IMG_TYPE_VHD_VHD;
        *format = "vhd";
    } else if (memcmp(head, "QFI\xfb", 4) == 0) {
        type = TSK_IMG_TYPE_UNSUPP;
        *format = "qcow2";
    } else if (memcmp(head, "KDMV", 4) == 0 || memcmp(head, "COWD", 4) == 0 ||
               memcmp(head, descriptor, sizeof(descriptor) - 1) == 0) {
        type = TSK_IMG_TYPE_VMDK_VMDK;
        *format = "vmdk";
    }
out:
    close(fd);
    return type;
}

static kb_status image_new(const char *name, kb_image **out, kb_error *err)
{
    kb_image *image = calloc(1, sizeof(*image));

    if (image == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", name);
    image->path = strdup(name);
    if (image->path == NULL) {
        free(image);
        return kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", name);
    }
    image->chain[0] = image->path;
    *out = image;
    return KB_OK;
}

kb_status kb_image_open(const char *path, kb_image **out, kb_error *err)
{
    char message[KB_TSK_MESSAGE_MAX];
    kb_image *image = NULL;
    TSK_IMG_TYPE_ENUM type;
    uint64_t file_size = 0;
    kb_status status;

    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "opening image: invalid argument");
    status = check_path(path, &file_size, err);
    if (status != KB_OK)
        goto out;
    status = image_new(path, &image, err);
    if (status != KB_OK)
        goto out;
    type = sniff(path, file_size, &image->format);
    if (type == TSK_IMG_TYPE_UNSUPP || type == TSK_IMG_TYPE_VHD_VHD ||
        type == TSK_IMG_TYPE_VMDK_VMDK) {
        kb_container_kind kind = type == TSK_IMG_TYPE_VHD_VHD    ? KB_CONTAINER_VHD
                                 : type == TSK_IMG_TYPE_VMDK_VMDK ? KB_CONTAINER_VMDK
                                                                  : KB_CONTAINER_QCOW2;

        status = kb_container_open(path, kind, &image->container, err);
        if (status != KB_OK)
            goto out;
        image->size = kb_container_size(image->container);
        if (image->size == 0) {
            status = kb_error_set(err, KB_ERR_CORRUPT, "%s: the container declares no media",
                                  path);
            goto out;
        }
        image->segments = 1;
        status = wrap(image, 512, err);
        if (status != KB_OK)
            goto out;
        *out = image;
        image = NULL;
        goto out;
    }
    image->real = tsk_img_open_utf8_sing(path, type, 0);
    if (image->real == NULL) {
        kb_tsk_error_take(message, sizeof(message));
        status = kb_error_set(err, KB_ERR_UNSUPPORTED, "%s: cannot open as a disk image: %s",
                              path, message);
        goto out;
    }
    if (image->real->size <= 0) {
        status = kb_error_set(err, KB_ERR_CORRUPT, "%s: the container declares no media",
                              path);
        goto out;
    }
    image->size = (uint64_t)image->real->size;
    image->segments = image->real->num_img > 0 ? (unsigned)image->real->num_img : 1;
    if (image->real->itype == TSK_IMG_TYPE_RAW && image->segments > 1)
        image->format = "split-raw";
    status = wrap(image, image->real->sector_size, err);
    if (status != KB_OK)
        goto out;
    *out = image;
    image = NULL;
out:
    kb_image_close(image);
    return status;
}

kb_status kb_image_open_memory(const uint8_t *data, size_t size, const char *name,
                               kb_image **out, kb_error *err)
{
    kb_image *image = NULL;
    kb_status status;

    if (out != NULL)
        *out = NULL;
    if ((data == NULL && size > 0) || out == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "opening memory image: invalid argument");
    if (name == NULL)
        name = "memory";
    if (size == 0)
        return kb_error_set(err, KB_ERR_CORRUPT, "%s: empty image", name);
    status = image_new(name, &image, err);
    if (status != KB_OK)
        goto out;
    image->format = "memory";
    image->size = size;
    image->segments = 1;
    image->memory = data;
    status = wrap(image, 512, err);
    if (status != KB_OK)
        goto out;
    *out = image;
    image = NULL;
out:
    kb_image_close(image);
    return status;
}

void kb_image_close(kb_image *image)
{
    if (image == NULL)
        return;
    if (image->wrapper != NULL)
        tsk_img_close(&image->wrapper->info);
    if (image->real != NULL)
        tsk_img_close(image->real);
    kb_container_close(image->container);
    free(image->path);
    free(image);
}

const char *kb_image_path(const kb_image *image)
{
    return image != NULL ? image->path : "";
}

const char *kb_image_format(const kb_image *image)
{
    return image != NULL ? image->format : "";
}

uint64_t kb_image_size(const kb_image *image)
{
    return image != NULL ? image->size : 0;
}

unsigned kb_image_segment_count(const kb_image *image)
{
    return image != NULL ? image->segments : 0;
}

kb_status kb_image_read(kb_image *image, uint64_t off, void *buf, size_t len, kb_error *err)
{
    char message[KB_TSK_MESSAGE_MAX];
    size_t done = 0;
    ssize_t got;

    if (image == NULL || (buf == NULL && len > 0))
        return kb_error_set(err, KB_ERR_ARGUMENT, "reading image: invalid argument");
    if (off > image->size || len > image->size - off)
        return kb_error_set(err, KB_ERR_IO,
                            "%s: read of %zu bytes at offset 0x%llx past the end of the image "
                            "(%llu bytes)",
                            image->path, len, (unsigned long long)off,
                            (unsigned long long)image->size);
    /* tsk_img_read may return less than asked at a segment or cache boundary; each pass must
     * make progress or the read fails. */
    while (done < len) {
        got = tsk_img_read(&image->wrapper->info, (TSK_OFF_T)(off + done), (char *)buf + done,
                           len - done);
        if (got <= 0) {
            if (got < 0)
                kb_tsk_error_take(message, sizeof(message));
            else
                kb_strlcpy(message, "short read", sizeof(message));
            return kb_error_set(err, KB_ERR_IO, "%s: read failed at offset 0x%llx: %s",
                                image->path, (unsigned long long)(off + done), message);
        }
        done += (size_t)got;
    }
    return KB_OK;
}

const char *const *kb_image_chain(const kb_image *image, size_t *count)
{
    if (image == NULL) {
        if (count != NULL)
            *count = 0;
        return NULL;
    }
    if (image->container != NULL)
        return kb_container_chain(image->container, count);
    if (count != NULL)
        *count = 1;
    return image->chain;
}

void kb_image_io_stats(const kb_image *image, kb_io_stats *out)
{
    if (out == NULL)
        return;
    if (image == NULL) {
        out->bytes_read = 0;
        out->read_calls = 0;
        return;
    }
    *out = image->stats;
}

void *kb_image_tsk_handle(kb_image *image)
{
    return image != NULL && image->wrapper != NULL ? &image->wrapper->info : NULL;
}
