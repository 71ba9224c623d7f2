/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kbprobe.c - the pipeline: the one place that wires the layers together.
 *
 *   image -> volume -> fs -> (pe, hive) -> facts -> verdict -> report
 *
 * Each layer only calls the one below it; this file sits above all of them, as the
 * composition root, and the CLI sits above this file (docs/architecture.md).
 */
#include "kbprobe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "facts/facts.h"
#include "fs/fs.h"
#include "image/image.h"
#include "util/limits.h"
#include "util/text.h"
#include "volume/volume.h"

struct kb_candidate {
    char path[KB_MAX_PATH_BYTES];
    uint8_t *data;
    size_t size;
};

const char *kb_version(void)
{
    return KB_VERSION_STRING;
}

/* Reads a whole host file of at most `cap` bytes. */
static kb_status read_host_file(const char *path, size_t cap, uint8_t **data, size_t *size,
                                kb_error *err)
{
    struct stat st;
    uint8_t *buffer = NULL;
    size_t done = 0;
    kb_status status = KB_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return kb_error_set(err, KB_ERR_IO, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        status = kb_error_set(err, KB_ERR_IO, "%s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > cap) {
        status = kb_error_set(err, KB_ERR_LIMIT, "%s: %lld bytes, more than the %zu-byte cap",
                              path, (long long)st.st_size, cap);
        goto out;
    }
    buffer = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
    if (buffer == NULL) {
        status = kb_error_set(err, KB_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, buffer + done, (size_t)st.st_size - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            status = kb_error_set(err, KB_ERR_IO, "%s: short read", path);
            goto out;
        }
        done += (size_t)n;
    }
    *data = buffer;
    *size = done;
    buffer = NULL;
out:
    free(buffer);
    close(fd);
    return status;
}

kb_status kb_candidate_load(const char *path, kb_candidate **out, kb_error *err)
{
    kb_candidate *candidate = calloc(1, sizeof(*candidate));
    kb_status st;

    *out = NULL;
    if (candidate == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    kb_strlcpy(candidate->path, path, sizeof(candidate->path));
    st = read_host_file(path, KB_MAX_FILE_BYTES, &candidate->data, &candidate->size, err);
    if (st != KB_OK) {
        kb_error_prefix(err, "candidate");
        free(candidate);
        return st;
    }
    *out = candidate;
    return KB_OK;
}

void kb_candidate_free(kb_candidate *candidate)
{
    if (candidate == NULL)
        return;
    free(candidate->data);
    free(candidate);
}

/* Milliseconds of the monotonic clock, for the scan's phase times (scan --stats). */
static double now_ms(void)
{
    struct timespec t;

    if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
        return 0.0;
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Remembers the first problem met while looking for Windows, for the report. */
static void note_problem(char *first, size_t size, const char *message)
{
    if (first[0] == '\0')
        kb_strlcpy(first, message, size);
}

/* The installations of one NTFS partition. */
static kb_status scan_partition(kb_fs *fs, const kb_partition *partition,
                                const kb_candidate *candidate, kb_image_result *result,
                                char *problem, size_t problem_size, kb_error *err)
{
    char dirs[KB_MAX_WINDOWS_INSTALLS][KB_MAX_PATH_BYTES];
    kb_candidate_file file, *file_ptr = NULL;
    size_t count = 0, i;
    kb_error local;
    kb_status st;

    if (candidate != NULL) {
        file.host_path = candidate->path;
        file.data = candidate->data;
        file.size = candidate->size;
        file_ptr = &file;
    }
    double started = now_ms();

    kb_error_clear(&local);
    st = kb_fs_find_windows(fs, dirs, KB_MAX_WINDOWS_INSTALLS, &count, &local);
    result->stats.phase_ms[KB_PHASE_LOOKUPS] += now_ms() - started;
    if (st != KB_OK) {
        note_problem(problem, problem_size, local.message);
        return st == KB_ERR_NOMEM ? kb_error_set(err, st, "%s", local.message) : KB_OK;
    }
    if (count > KB_MAX_WINDOWS_INSTALLS) {
        char message[KB_ERROR_MESSAGE_MAX];

        snprintf(message, sizeof(message),
                 "%s: partition %u: %zu Windows directories, only the first %d examined",
                 kb_fs_image_path(fs), partition->index, count, KB_MAX_WINDOWS_INSTALLS);
        note_problem(problem, problem_size, message);
        count = KB_MAX_WINDOWS_INSTALLS;
    }
    for (i = 0; i < count; i++) {
        kb_install_facts facts;

        st = kb_facts_collect(fs, partition->index, partition->offset, dirs[i], file_ptr, &facts,
                              err);
        result->stats.phase_ms[KB_PHASE_LOOKUPS] += facts.timing.lookup_ms;
        result->stats.phase_ms[KB_PHASE_PE] += facts.timing.pe_ms;
        result->stats.phase_ms[KB_PHASE_HIVE] += facts.timing.hive_ms;
        started = now_ms();
        if (st == KB_OK)
            st = kb_image_result_add(result, &facts, err); /* decides the verdict */
        result->stats.phase_ms[KB_PHASE_VERDICT] += now_ms() - started;
        kb_install_facts_free(&facts);
        if (st == KB_ERR_LIMIT) {
            note_problem(problem, problem_size, err != NULL ? err->message : "too many");
            return KB_OK;
        }
        if (st != KB_OK)
            return st;
    }
    return KB_OK;
}

/* kb_scan_image and kb_scan_memory: the image at `path`, or the bytes data[0..size) when data
 * is not NULL (path is then the name used in messages). */
static kb_status scan_image_or_memory(const char *path, const uint8_t *data, size_t size,
                                      const kb_candidate *candidate, kb_image_result *result,
                                      kb_error *err)
{
    char problem[KB_ERROR_MESSAGE_MAX] = "";
    kb_image *image = NULL;
    kb_volumes *volumes = NULL;
    bool any_file_system = false;
    kb_error local;
    kb_status st = KB_OK;
    size_t i;
    double begun = now_ms(), started;
    kb_scan_stats *stats = &result->stats;
    struct rusage usage;

    kb_image_result_init(result, path);
    kb_error_clear(&local);
    if ((data != NULL ? kb_image_open_memory(data, size, path, &image, &local)
                      : kb_image_open(path, &image, &local)) != KB_OK) {
        kb_image_result_set_error(result, true, local.message);
        goto out;
    }
    stats->phase_ms[KB_PHASE_OPEN] = now_ms() - begun;
    kb_strlcpy(result->image.format, kb_image_format(image), sizeof(result->image.format));
    result->image.size = kb_image_size(image);
    result->image.segment_count = kb_image_segment_count(image);
    {
        size_t chain_count = 0;
        const char *const *chain = kb_image_chain(image, &chain_count);

        for (size_t c = 0; chain != NULL && c < chain_count && c < KB_MAX_CHAIN_FILES; c++) {
            kb_strlcpy(result->image.chain[c], chain[c], sizeof(result->image.chain[c]));
            result->image.chain_count = (unsigned)c + 1;
        }
    }

    started = now_ms();
    if (kb_volumes_open(image, &volumes, &local) != KB_OK) {
        kb_image_result_set_error(result, false, local.message);
        goto out;
    }
    result->partitions_seen = (unsigned)kb_volumes_count(volumes);
    for (i = 0; i < kb_volumes_count(volumes); i++) {
        const kb_partition *partition = kb_volumes_get(volumes, i);
        char type[32];
        kb_fs *fs = NULL;

        if (!partition->ntfs) {
            if (kb_fs_probe_type(volumes, partition, type, sizeof(type), NULL) == KB_OK)
                any_file_system = true;
            continue;
        }
        kb_error_clear(&local);
        if (kb_fs_open(volumes, partition, &fs, &local) != KB_OK) {
            note_problem(problem, sizeof(problem), local.message);
            continue;
        }
        any_file_system = true;
        stats->phase_ms[KB_PHASE_VOLUMES] += now_ms() - started;
        st = scan_partition(fs, partition, candidate, result, problem, sizeof(problem), err);
        kb_fs_close(fs);
        started = now_ms();
        if (st != KB_OK)
            goto out;
    }
    if (result->installation_count == 0 && problem[0] == '\0' && !any_file_system)
        snprintf(problem, sizeof(problem), "%s: no file system recognised in the image", path);
    if (problem[0] != '\0')
        kb_image_result_set_error(result, false, problem);
    /* partition probes after the last NTFS volume */
    stats->phase_ms[KB_PHASE_VOLUMES] += now_ms() - started;
out:
    started = now_ms();
    kb_image_result_finish(result);
    stats->phase_ms[KB_PHASE_VERDICT] += now_ms() - started;
    kb_volumes_close(volumes);
    if (image != NULL) {
        kb_io_stats io;

        kb_image_io_stats(image, &io);
        stats->bytes_read = io.bytes_read;
        stats->read_calls = io.read_calls;
    }
    kb_image_close(image);
    stats->total_ms = now_ms() - begun;
    if (getrusage(RUSAGE_SELF, &usage) == 0)
        stats->peak_rss_kib = usage.ru_maxrss;
    return st;
}

kb_status kb_scan_image(const char *path, const kb_candidate *candidate, kb_image_result *result,
                        kb_error *err)
{
    return scan_image_or_memory(path, NULL, 0, candidate, result, err);
}

kb_status kb_scan_memory(const uint8_t *data, size_t size, const char *name,
                         const kb_candidate *candidate, kb_image_result *result, kb_error *err)
{
    static const uint8_t empty[1];

    return scan_image_or_memory(name != NULL ? name : "memory", data != NULL ? data : empty,
                                data != NULL ? size : 0, candidate, result, err);
}

/* ---------------------------------------------------------------------------------------
 * extract
 * ------------------------------------------------------------------------------------- */

typedef struct extract_job {
    const char *out_dir;
    FILE *progress;
    json_t *files;
} extract_job;

/* Creates dir (0755) unless it exists as a real directory (not a link). */
static kb_status make_dir(const char *dir, bool may_exist, kb_error *err)
{
    struct stat st;

    if (mkdir(dir, 0755) == 0)
        return KB_OK;
    if (errno == EEXIST && lstat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return kb_error_set(err, KB_ERR_EXISTS, "%s: exists and is not a directory", dir);
        if (!may_exist)
            return kb_error_set(err, KB_ERR_EXISTS, "%s: already exists, refusing to overwrite",
                                dir);
        return KB_OK;
    }
    return kb_error_set(err, KB_ERR_IO, "%s: %s", dir, strerror(errno));
}

/* Writes data to a new file; never overwrites, never follows a link. */
static kb_status write_new_file(const char *host_path, const uint8_t *data, size_t size,
                                kb_error *err)
{
    size_t done = 0;
    int fd = open(host_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

    if (fd < 0) {
        if (errno == EEXIST)
            return kb_error_set(err, KB_ERR_EXISTS, "%s: already exists, refusing to overwrite",
                                host_path);
        return kb_error_set(err, KB_ERR_IO, "%s: %s", host_path, strerror(errno));
    }
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return kb_error_set(err, KB_ERR_IO, "%s: %s", host_path, strerror(errno));
        }
        done += (size_t)n;
    }
    if (close(fd) != 0)
        return kb_error_set(err, KB_ERR_IO, "%s: %s", host_path, strerror(errno));
    return KB_OK;
}

/*
 * Copies one file of the image to <out_dir>/<sub_dir>/<host_name>. A file that is not there
 * is skipped (returns KB_ERR_NOT_FOUND without touching the output).
 */
static kb_status extract_file(extract_job *job, kb_fs *fs, const kb_partition *partition,
                              const char *source, const char *sub_dir, const char *host_name,
                              kb_error *err)
{
    char host_path[KB_MAX_PATH_BYTES * 2];
    char relative[KB_MAX_PATH_BYTES];
    char sha256[KB_SHA256_HEX_SIZE];
    kb_file_meta meta;
    uint8_t *data = NULL;
    size_t size = 0;
    json_t *entry;
    size_t cap = KB_MAX_FILE_BYTES;
    kb_status st;

    /* Hives are bigger than any DLL kbprobe reads; the hive cap bounds them. */
    if (strstr(host_name, ".dll") == NULL)
        cap = KB_MAX_HIVE_BYTES > SIZE_MAX ? SIZE_MAX : (size_t)KB_MAX_HIVE_BYTES;
    st = kb_fs_read_file(fs, source, cap, &data, &size, &meta, sha256, err);
    if (st != KB_OK)
        return st;
    snprintf(relative, sizeof(relative), "%s/%s", sub_dir, host_name);
    snprintf(host_path, sizeof(host_path), "%s/%s", job->out_dir, relative);
    st = write_new_file(host_path, data, size, err);
    free(data);
    if (st != KB_OK)
        return st;
    entry = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:s}", "file", relative, "source",
                      meta.path, "partition", (json_int_t)partition->index, "partition_offset",
                      (json_int_t)partition->offset, "mft_entry", (json_int_t)meta.mft_entry,
                      "size", (json_int_t)size, "sha256", sha256);
    if (entry == NULL || json_array_append_new(job->files, entry) != 0)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    if (job->progress != NULL)
        fprintf(job->progress, "%s  %s\n", sha256, relative);
    return KB_OK;
}

static kb_status extract_install(extract_job *job, kb_fs *fs, const kb_partition *partition,
                                 const char *windows_dir, unsigned install_number, kb_error *err)
{
    static const struct {
        const char *source; /* under the Windows directory */
        const char *host_name;
        bool required;      /* a missing file is reported, not skipped */
    } wanted[] = {
        {"system32\\inetsrv\\iisutil.dll", "iisutil.dll", false},
        {"system32\\inetsrv\\w3core.dll", "w3core.dll", false},
        {"SysWOW64\\inetsrv\\iisutil.dll", "wow64-iisutil.dll", false},
        {"SysWOW64\\inetsrv\\w3core.dll", "wow64-w3core.dll", false},
        {"system32\\config\\SOFTWARE", "SOFTWARE", true},
        {"system32\\config\\SYSTEM", "SYSTEM", true},
    };
    char sub_dir[64];
    char dir_path[KB_MAX_PATH_BYTES * 2];
    size_t i;
    kb_status st;

    /* Named by kbprobe, never by the image: partition number and installation number. */
    snprintf(sub_dir, sizeof(sub_dir), "p%u-install%u", partition->index, install_number);
    snprintf(dir_path, sizeof(dir_path), "%s/%s", job->out_dir, sub_dir);
    st = make_dir(dir_path, false, err);
    if (st != KB_OK)
        return st;
    for (i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
        char source[KB_MAX_PATH_BYTES];
        kb_error local;

        snprintf(source, sizeof(source), "%s\\%s", windows_dir, wanted[i].source);
        kb_error_clear(&local);
        st = extract_file(job, fs, partition, source, sub_dir, wanted[i].host_name, &local);
        if (st == KB_ERR_NOT_FOUND && !wanted[i].required)
            continue;
        if (st == KB_ERR_NOT_FOUND && job->progress != NULL) {
            fprintf(job->progress, "missing  %s (partition %u)\n", source, partition->index);
            continue;
        }
        if (st != KB_OK) {
            kb_error_set(err, st, "%s", local.message);
            return st;
        }
    }
    return KB_OK;
}

kb_status kb_extract_image(const char *path, const char *out_dir, FILE *progress, kb_error *err)
{
    char manifest_path[KB_MAX_PATH_BYTES * 2];
    char problem[KB_ERROR_MESSAGE_MAX] = "";
    extract_job job;
    kb_image *image = NULL;
    kb_volumes *volumes = NULL;
    json_t *manifest = NULL;
    unsigned installs = 0;
    char *text = NULL;
    kb_status st;
    size_t i;

    job.out_dir = out_dir;
    job.progress = progress;
    job.files = json_array();
    if (job.files == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    st = kb_image_open(path, &image, err);
    if (st != KB_OK)
        goto out;
    st = kb_volumes_open(image, &volumes, err);
    if (st != KB_OK)
        goto out;
    st = make_dir(out_dir, true, err);
    if (st != KB_OK)
        goto out;
    snprintf(manifest_path, sizeof(manifest_path), "%s/manifest.json", out_dir);
    if (access(manifest_path, F_OK) == 0) {
        st = kb_error_set(err, KB_ERR_EXISTS, "%s: already exists, refusing to overwrite",
                          manifest_path);
        goto out;
    }
    for (i = 0; i < kb_volumes_count(volumes); i++) {
        const kb_partition *partition = kb_volumes_get(volumes, i);
        char dirs[KB_MAX_WINDOWS_INSTALLS][KB_MAX_PATH_BYTES];
        size_t count = 0, d;
        kb_fs *fs = NULL;
        kb_error local;

        if (!partition->ntfs)
            continue;
        kb_error_clear(&local);
        if (kb_fs_open(volumes, partition, &fs, &local) != KB_OK) {
            note_problem(problem, sizeof(problem), local.message);
            continue;
        }
        st = kb_fs_find_windows(fs, dirs, KB_MAX_WINDOWS_INSTALLS, &count, &local);
        if (st != KB_OK) {
            note_problem(problem, sizeof(problem), local.message);
            kb_fs_close(fs);
            continue;
        }
        if (count > KB_MAX_WINDOWS_INSTALLS)
            count = KB_MAX_WINDOWS_INSTALLS;
        for (d = 0; d < count && st == KB_OK; d++)
            st = extract_install(&job, fs, partition, dirs[d], ++installs, err);
        kb_fs_close(fs);
        if (st != KB_OK)
            goto out;
    }
    if (installs == 0) {
        if (problem[0] != '\0')
            st = kb_error_set(err, KB_ERR_CORRUPT, "%s", problem);
        else
            st = kb_error_set(err, KB_ERR_NOT_FOUND, "%s: no Windows installation found", path);
        goto out;
    }
    manifest = json_pack("{s:s, s:s, s:s, s:I, s:O}", "schema", "kbprobe/extract/1", "image",
                         path, "format", kb_image_format(image), "image_size",
                         (json_int_t)kb_image_size(image), "files", job.files);
    if (manifest != NULL) {
        /* every file the evidence was read from: a differencing image and its parents */
        size_t chain_count = 0;
        const char *const *chain = kb_image_chain(image, &chain_count);
        json_t *list = json_array();

        for (size_t c = 0; list != NULL && c < chain_count; c++) {
            if (json_array_append_new(list, json_string(chain[c])) != 0) {
                json_decref(list);
                list = NULL;
            }
        }
        if (list == NULL || json_object_set_new(manifest, "chain", list) != 0) {
            json_decref(manifest);
            manifest = NULL;
        }
    }
    text = manifest != NULL ? json_dumps(manifest, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;
    if (text == NULL) {
        st = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
        goto out;
    }
    {
        size_t len = strlen(text);
        char *line = realloc(text, len + 2);

        if (line == NULL) {
            st = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
            goto out;
        }
        text = line;
        text[len] = '\n';
        text[len + 1] = '\0';
        st = write_new_file(manifest_path, (const uint8_t *)text, len + 1, err);
    }
out:
    free(text);
    json_decref(manifest);
    json_decref(job.files);
    kb_volumes_close(volumes);
    kb_image_close(image);
    return st;
}
