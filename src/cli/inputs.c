/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inputs.c - the list of images of a batch: arguments, --from lists, directories walked and
 * filtered by content signature, repeated paths dropped, and --shard's partition of the list.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/text.h"

/* Directories nest at most this deep under a --recursive argument (a guard against bind
 * mount loops; symbolic links to directories are not followed at all). */
#define MAX_DIRECTORY_DEPTH 64

static int add_path(kb_cli_inputs *inputs, const char *path)
{
    char *copy;

    if (inputs->count == inputs->capacity) {
        size_t capacity = inputs->capacity != 0 ? inputs->capacity * 2 : 64;
        kb_cli_input *grown = realloc(inputs->items, capacity * sizeof(*grown));

        if (grown == NULL)
            goto nomem;
        inputs->items = grown;
        inputs->capacity = capacity;
    }
    copy = strdup(path);
    if (copy == NULL)
        goto nomem;
    inputs->items[inputs->count].path = copy;
    inputs->items[inputs->count].index = inputs->count;
    inputs->count++;
    return 0;
nomem:
    fprintf(stderr, "%s: out of memory for the image list\n", KB_CLI_PROGRAM);
    return -1;
}

static bool read_at(int fd, off_t offset, unsigned char *buf, size_t len)
{
    ssize_t got = pread(fd, buf, len, offset);

    return got >= 0 && (size_t)got == len;
}

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

/*
 * Signatures (first bytes unless said otherwise):
 *   E01     "EVF\x09\x0d\x0a\xff\x00", segment number (le16 at 9) 1 - later segments share
 *           the signature and are opened through the first
 *   VHDX    "vhdxfile";  VHD  "conectix" at 0 (dynamic) or in the last 512 bytes (fixed)
 *   VMDK    "KDMV" (sparse extent) or "# Disk DescriptorFile"
 *   QCOW2   "QFI\xfb" (kbprobe refuses it, and says so in the record)
 *   raw     0x55 0xaa at 510 (MBR or a bare volume's boot sector) or "EFI PART" at 512;
 *           a split raw segment whose name ends in .NNN other than .001 is not the first
 */
bool kb_cli_is_image_file(const char *path)
{
    unsigned char head[1024];
    struct stat st;
    bool image = false;
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);

    if (fd < 0)
        return false;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 512)
        goto out;
    memset(head, 0, sizeof(head));
    if (!read_at(fd, 0, head, st.st_size >= 1024 ? 1024 : 512))
        goto out;
    if (memcmp(head, "EVF\x09\x0d\x0a\xff\x00", 8) == 0) {
        image = le16(head + 9) == 1;
        goto out;
    }
    if (memcmp(head, "vhdxfile", 8) == 0 || memcmp(head, "conectix", 8) == 0 ||
        memcmp(head, "KDMV", 4) == 0 || memcmp(head, "# Disk DescriptorFile", 21) == 0 ||
        memcmp(head, "QFI\xfb", 4) == 0) {
        image = true;
        goto out;
    }
    {
        unsigned char tail[8];

        if (read_at(fd, st.st_size - 512, tail, 8) && memcmp(tail, "conectix", 8) == 0) {
            image = true;
            goto out;
        }
    }
    if ((head[510] == 0x55 && head[511] == 0xaa) || memcmp(head + 512, "EFI PART", 8) == 0) {
        const char *dot = strrchr(path, '.');

        image = true;
        if (dot != NULL && strlen(dot) == 4 && dot[1] >= '0' && dot[1] <= '9' && dot[2] >= '0' &&
            dot[2] <= '9' && dot[3] >= '0' && dot[3] <= '9')
            image = strcmp(dot, ".001") == 0;
    }
out:
    close(fd);
    return image;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(kb_cli_inputs *inputs, const char *dir, bool recursive, unsigned depth)
{
    char **names = NULL;
    size_t count = 0, capacity = 0;
    struct dirent *entry;
    int rc = 0;
    DIR *d = opendir(dir);

    if (d == NULL) {
        fprintf(stderr, "%s: %s: cannot read the directory: %s\n", KB_CLI_PROGRAM, dir,
                strerror(errno));
        return -1;
    }
    while ((entry = readdir(d)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        if (count == capacity) {
            size_t grown_capacity = capacity != 0 ? capacity * 2 : 32;
            char **grown = realloc(names, grown_capacity * sizeof(*grown));

            if (grown == NULL)
                goto nomem;
            names = grown;
            capacity = grown_capacity;
        }
        names[count] = strdup(entry->d_name);
        if (names[count] == NULL)
            goto nomem;
        count++;
    }
    qsort(names, count, sizeof(*names), compare_names);
    for (size_t i = 0; i < count && rc == 0; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(len);
        struct stat st;

        if (path == NULL)
            goto nomem;
        if (!kb_str_join3(path, len, dir, dir[0] != '\0' && dir[strlen(dir) - 1] == '/' ? "" : "/",
                          names[i])) {
            free(path);
            goto nomem;
        }
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (recursive && depth < MAX_DIRECTORY_DEPTH)
                rc = walk(inputs, path, recursive, depth + 1);
        } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && kb_cli_is_image_file(path)) {
            rc = add_path(inputs, path);
        }
        free(path);
    }
    goto out;
nomem:
    fprintf(stderr, "%s: %s: out of memory\n", KB_CLI_PROGRAM, dir);
    rc = -1;
out:
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

int kb_cli_inputs_add_arg(kb_cli_inputs *inputs, const char *arg, bool recursive)
{
    struct stat st;

    if (recursive && stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
        return walk(inputs, arg, true, 0);
    return add_path(inputs, arg);
}

int kb_cli_inputs_add_list(kb_cli_inputs *inputs, const char *list_path, bool recursive)
{
    FILE *list = strcmp(list_path, "-") == 0 ? stdin : fopen(list_path, "r");
    char *line = NULL;
    size_t size = 0;
    ssize_t len;
    int rc = 0;

    if (list == NULL) {
        fprintf(stderr, "%s: %s: cannot open the list: %s\n", KB_CLI_PROGRAM, list_path,
                strerror(errno));
        return -1;
    }
    while (rc == 0 && (len = getline(&line, &size, list)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        rc = kb_cli_inputs_add_arg(inputs, line, recursive);
    }
    if (rc == 0 && ferror(list)) {
        fprintf(stderr, "%s: %s: cannot read the list\n", KB_CLI_PROGRAM, list_path);
        rc = -1;
    }
    free(line);
    if (list != stdin)
        fclose(list);
    return rc;
}

static int compare_inputs_by_path(const void *a, const void *b)
{
    const kb_cli_input *x = a, *y = b;
    int c = strcmp(x->path, y->path);

    if (c != 0)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int compare_inputs_by_index(const void *a, const void *b)
{
    const kb_cli_input *x = a, *y = b;

    return x->index < y->index ? -1 : x->index > y->index;
}

void kb_cli_inputs_finish(kb_cli_inputs *inputs, bool quiet)
{
    size_t kept = 0;

    for (size_t i = 0; i < inputs->count; i++)
        inputs->items[i].index = i;
    qsort(inputs->items, inputs->count, sizeof(*inputs->items), compare_inputs_by_path);
    for (size_t i = 0; i < inputs->count; i++) {
        if (kept > 0 && strcmp(inputs->items[kept - 1].path, inputs->items[i].path) == 0) {
            if (!quiet)
                fprintf(stderr, "%s: %s: given more than once, scanned once\n", KB_CLI_PROGRAM,
                        inputs->items[i].path);
            free(inputs->items[i].path);
            continue;
        }
        inputs->items[kept++] = inputs->items[i];
    }
    inputs->count = kept;
    qsort(inputs->items, inputs->count, sizeof(*inputs->items), compare_inputs_by_index);
    for (size_t i = 0; i < inputs->count; i++)
        inputs->items[i].index = i;
}

void kb_cli_inputs_free(kb_cli_inputs *inputs)
{
    for (size_t i = 0; i < inputs->count; i++)
        free(inputs->items[i].path);
    free(inputs->items);
    memset(inputs, 0, sizeof(*inputs));
}

uint64_t kb_cli_fnv1a64(const char *s)
{
    uint64_t hash = 0xcbf29ce484222325u; /* FNV-1a 64 offset basis */

    for (; *s != '\0'; s++) {
        hash ^= (unsigned char)*s;
        hash *= 0x100000001b3u; /* FNV 64 prime */
    }
    return hash;
}

void kb_cli_inputs_shard(kb_cli_inputs *inputs, unsigned long k, unsigned long n)
{
    size_t kept = 0;

    for (size_t i = 0; i < inputs->count; i++) {
        if (kb_cli_fnv1a64(inputs->items[i].path) % n == k)
            inputs->items[kept++] = inputs->items[i];
        else
            free(inputs->items[i].path);
    }
    inputs->count = kept;
}

/* A whole decimal number in [0, ULONG_MAX); false for anything else. */
static bool parse_number(const char *s, unsigned long *out)
{
    char *end;
    unsigned long v;

    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

int kb_cli_shard_parse(const char *spec, unsigned long count_flag, unsigned long *k,
                       unsigned long *n, char *message, size_t message_size)
{
    unsigned long id, min = 0, max, count = count_flag;

    if (strcmp(spec, "auto") != 0) {
        const char *slash = strchr(spec, '/');
        char left[32];

        if (slash == NULL || (size_t)(slash - spec) >= sizeof(left))
            goto bad_spec;
        memcpy(left, spec, (size_t)(slash - spec));
        left[slash - spec] = '\0';
        if (!parse_number(left, k) || !parse_number(slash + 1, n))
            goto bad_spec;
        goto check;
    }
    if (parse_number(getenv("SLURM_ARRAY_TASK_ID"), &id)) {
        (void)parse_number(getenv("SLURM_ARRAY_TASK_MIN"), &min);
        if (count == 0 && !parse_number(getenv("SLURM_ARRAY_TASK_COUNT"), &count) &&
            parse_number(getenv("SLURM_ARRAY_TASK_MAX"), &max) && max >= min)
            count = max - min + 1;
        if (id < min) {
            kb_strlcpy(message, "--shard auto: SLURM_ARRAY_TASK_ID below SLURM_ARRAY_TASK_MIN",
                       message_size);
            return -1;
        }
        *k = id - min;
        *n = count;
    } else if (parse_number(getenv("JOB_COMPLETION_INDEX"), &id)) {
        if (count == 0)
            (void)parse_number(getenv("KB_SHARD_COUNT"), &count);
        *k = id;
        *n = count;
    } else {
        kb_strlcpy(message,
                   "--shard auto: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set",
                   message_size);
        return -1;
    }
    if (*n == 0) {
        kb_strlcpy(message,
                   "--shard auto: the shard count is unknown (set --shard-count, "
                   "KB_SHARD_COUNT or SLURM_ARRAY_TASK_COUNT)",
                   message_size);
        return -1;
    }
check:
    if (*n == 0 || *k >= *n) {
        kb_strlcpy(message, "--shard: need K/N with 0 <= K < N", message_size);
        return -1;
    }
    return 0;
bad_spec:
    kb_strlcpy(message, "--shard: need K/N (0 <= K < N) or auto", message_size);
    return -1;
}
