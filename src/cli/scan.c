/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan.c - `kbprobe scan`: many images, each scanned in its own forked worker process so
 * that a crash, a hang or a memory blow-up on one image becomes that image's `unknown`
 * record and never stops the batch. A worker sends its JSON record (one line) and, for the
 * text format, its text report back over a pipe; the parent writes the outputs as each image
 * finishes, draws the progress line, and at the end writes the summary, --junit and --sarif
 * and decides the exit status (--fail-on).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/text.h"

/* RLIMIT_AS cannot coexist with AddressSanitizer: its shadow memory reserves terabytes of
 * address space up front. Sanitizer builds therefore run workers without a memory limit. */
#if defined(__SANITIZE_ADDRESS__)
#define KB_CLI_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KB_CLI_ASAN 1
#endif
#endif
#ifndef KB_CLI_ASAN
#define KB_CLI_ASAN 0
#endif

/* What a worker may send back: a record plus a text report are a few hundred KiB at most; a
 * worker that sends more is stopped (a runaway, not a report). */
#define MAX_WORKER_OUTPUT (64u << 20)

const char kb_cli_usage_scan[] =
    "Usage: kbprobe scan [OPTIONS] IMAGE|DIR...\n"
    "\n"
    "Scans each image and prints its verdict first, then the evidence, then the remedy.\n"
    "Every image is scanned in its own worker process: a worker that crashes, hangs or\n"
    "runs out of memory gives that image an `unknown` record naming the cause, and the\n"
    "batch goes on.\n"
    "\n"
    "Options:\n"
    "  -f, --format FORMAT   text (default), json (one document for all images) or\n"
    "                        jsonl (one JSON object per image per line, as each finishes,\n"
    "                        with its \"index\" in the input list)\n"
    "  -c, --candidate FILE  also check FILE, a w3core.dll taken from an update package,\n"
    "                        against each image's iisutil.dll: would it load there?\n"
    "  -q, --quiet           no progress, no summary and no error lines on stderr\n"
    "      --stats           add what each scan cost: bytes and read calls against the\n"
    "                        image, milliseconds per phase, peak memory (after the text\n"
    "                        report; a \"stats\" object in JSON)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Batch options:\n"
    "      --from FILE       also scan the paths listed in FILE, one per line (- is stdin)\n"
    "  -r, --recursive       walk directory arguments and take every file whose content is\n"
    "                        a disk image (by signature, not name; split raw and E01\n"
    "                        segment sets count once, by their first segment)\n"
    "  -j, --jobs N          N workers at once (default: the number of online cores)\n"
    "      --timeout SECONDS stop a worker after SECONDS (default 300; 0: no limit)\n"
    "      --max-memory MIB  address-space limit of a worker, setrlimit(RLIMIT_AS)\n"
    "                        (default 2048; 0: no limit). Not applied in ASan builds\n"
    "                        (-DKB_SANITIZE=ON): ASan's shadow memory needs the space\n"
    "  -o, --output FILE     write the reports to FILE instead of stdout: jsonl appends\n"
    "                        each line with one write() as it finishes (a killed run leaves\n"
    "                        complete lines); text and json go to FILE.partial, renamed to\n"
    "                        FILE at the end\n"
    "      --resume          with --format jsonl --output FILE: skip the images FILE\n"
    "                        already holds, append the others\n"
    "      --shard K/N       scan only the images whose FNV-1a 64 hash of the path string\n"
    "                        modulo N is K (0 <= K < N); N machines with K = 0..N-1 cover\n"
    "                        the list exactly once\n"
    "      --shard auto      K and N from SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN)\n"
    "                        and SLURM_ARRAY_TASK_COUNT, or from Kubernetes'\n"
    "                        JOB_COMPLETION_INDEX and --shard-count / KB_SHARD_COUNT\n"
    "      --shard-count N   N for --shard auto\n"
    "\n"
    "CI options:\n"
    "      --junit FILE      JUnit XML: one testcase per image; at-risk, broken and\n"
    "                        unknown fail, with the summary and reasons as the message\n"
    "      --sarif FILE      SARIF 2.1.0: one result per at-risk, broken or unknown image,\n"
    "                        ruleId the verdict\n"
    "      --fail-on LEVEL   which verdicts set exit bits: unknown (default: every bit),\n"
    "                        at-risk (bits 1 and 2 only), broken (bit 2 only), never (0)\n"
    "\n"
    "Verdicts:\n"
    "  safe            IIS 6 on SP2 with SP2-level iisutil.dll; w3core.dll's imports resolve\n"
    "  at-risk         SP2 with pre-SP2 IIS binaries: KB973917 would break IIS\n"
    "  broken          the mismatch plus KB973917 (or a dependent update) installed, or an\n"
    "                  import of w3core.dll missing from iisutil.dll: IIS cannot start\n"
    "  not-applicable  no Windows, not Windows Server 2003, no IIS 6, or below SP2\n"
    "  unknown         a fact the decision needs could not be read (the reason says which)\n"
    "\n"
    "Exit status (bits, combined over all images; --fail-on masks bits 1, 2, 4, 8):\n"
    "  0 every image safe or not-applicable   1 some at-risk   2 some broken\n"
    "  4 some unknown   8 some image could not be opened, or an output could not be\n"
    "  written (also with --fail-on never)   16 usage error\n"
    "\n"
    "Examples:\n"
    "  kbprobe scan disk.vhd\n"
    "  kbprobe scan --format json a.vmdk b.E01 | jq '.images[].verdict'\n"
    "  kbprobe scan -q golden.vhdx || echo \"gate failed: $?\"\n"
    "  kbprobe scan -r -j 8 --format jsonl -o fleet.jsonl --resume /srv/templates\n"
    "  kbprobe scan --junit report.xml --fail-on at-risk golden.vhdx\n";

typedef enum output_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_JSONL } output_format;

typedef struct scan_options {
    output_format format;
    const char *candidate_path;
    bool quiet;
    bool stats; /* --stats: the result's stats are written */
    bool recursive;
    bool resume;
    unsigned long jobs;
    unsigned long timeout_seconds;
    unsigned long max_memory_mib;
    const char *output_path;
    const char *junit_path;
    const char *sarif_path;
    const char *shard;
    unsigned long shard_count;
    kb_cli_fail_on fail_on;
} scan_options;

/* One running worker. */
typedef struct worker {
    pid_t pid;
    int fd; /* read end of its pipe; -1 once at end of file */
    size_t input;
    char *data;
    size_t length;
    size_t capacity;
    double deadline; /* monotonic seconds; 0: none */
    bool timed_out;
    bool overflowed;
} worker;

/* The state of a run in the parent. */
typedef struct scan_run {
    const scan_options *options;
    const kb_cli_inputs *inputs;
    json_t **records; /* every record of the run (resumed ones too), in finishing order */
    size_t record_count;
    size_t record_capacity;
    size_t done; /* images scanned by this run */
    size_t total; /* images this run scans */
    size_t counts[KB_VERDICT_KIND_COUNT];
    double started;
    bool progress;
    bool progress_shown;
    bool write_failed;
    bool any_text_written;
    int out_fd;     /* jsonl: stdout or FILE opened O_APPEND */
    FILE *out_file; /* text and json: stdout or FILE.partial */
    char *partial_path;
} scan_run;

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage_error(const char *message)
{
    fprintf(stderr, "%s: %s\n%s", KB_CLI_PROGRAM, message, kb_cli_usage_scan);
    return KB_CLI_EXIT_USAGE;
}

static bool parse_count(const char *s, unsigned long *out)
{
    char *end;

    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    *out = strtoul(s, &end, 10);
    return errno == 0 && *end == '\0';
}

/* Writes all of buf with as few write() calls as the kernel allows: on a regular file
 * opened O_APPEND one call writes the whole line, so a killed run leaves complete lines. */
static bool write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* ---- the worker (child process) ------------------------------------------------------- */

#ifdef KB_FAULT_INJECTION
/*
 * Test-only fault injection, compiled in only with -DKB_FAULT_INJECTION=ON (the test builds
 * of the Makefile; never an install): KB_TEST_FAULT="crash:SUB,hang:SUB,oom:SUB" makes the
 * worker of every image whose path contains SUB crash (SIGSEGV), hang, or allocate until
 * the memory limit stops it. tests/integration/batch.py uses it.
 */
static void inject_fault(const char *path, unsigned long max_memory_mib)
{
    const char *spec = getenv("KB_TEST_FAULT");
    char *copy, *item, *save = NULL;

    if (spec == NULL || (copy = strdup(spec)) == NULL)
        return;
    for (item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');

        if (colon == NULL || colon[1] == '\0' || strstr(path, colon + 1) == NULL)
            continue;
        *colon = '\0';
        if (strcmp(item, "crash") == 0) {
            signal(SIGSEGV, SIG_DFL);
            raise(SIGSEGV);
        } else if (strcmp(item, "hang") == 0) {
            for (;;)
                pause();
        } else if (strcmp(item, "oom") == 0) {
            /* Without a limit this would eat the machine: stop at once instead. */
            if (max_memory_mib == 0 || KB_CLI_ASAN)
                abort();
            for (;;) {
                char *block = malloc(16u << 20);

                if (block == NULL)
                    abort(); /* what an allocation the scan cannot survive looks like */
                memset(block, 0x5a, 16u << 20);
            }
        }
    }
    free(copy);
}
#endif

/* Sends the record line and, for text, the text report; returns the worker's exit code. */
static int worker_send(int fd, kb_image_result *result, size_t index, output_format format)
{
    json_t *record = kb_report_json(result);
    char *line = NULL, *text = NULL;
    size_t text_len = 0;
    FILE *memory;
    int code = 3;

    if (record == NULL || json_object_set_new(record, "index", json_integer((json_int_t)index)) != 0)
        goto out;
    line = json_dumps(record, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (line == NULL)
        goto out;
    if (format == FORMAT_TEXT) {
        kb_error err;

        memory = open_memstream(&text, &text_len);
        if (memory == NULL)
            goto out;
        kb_error_clear(&err);
        (void)kb_report_write_text(memory, result, &err);
        if (fclose(memory) != 0)
            goto out;
    }
    if (!write_all(fd, line, strlen(line)) || !write_all(fd, "\n", 1) ||
        (text != NULL && !write_all(fd, text, text_len)))
        goto out;
    code = 0;
out:
    free(text);
    free(line);
    json_decref(record);
    return code;
}

static void worker_run(const scan_options *options, const kb_candidate *candidate,
                       const kb_cli_input *input, int fd)
{
    kb_image_result result;
    kb_error err;
    int code;

    if (options->max_memory_mib > 0 && !KB_CLI_ASAN) {
        struct rlimit limit;

        limit.rlim_cur = limit.rlim_max = (rlim_t)options->max_memory_mib << 20;
        (void)setrlimit(RLIMIT_AS, &limit);
    }
#ifdef KB_FAULT_INJECTION
    inject_fault(input->path, options->max_memory_mib);
#endif
    kb_error_clear(&err);
    if (kb_scan_image(input->path, candidate, &result, &err) != KB_OK) {
        char message[KB_ERROR_MESSAGE_MAX];

        kb_strlcpy(message, input->path, sizeof(message));
        if (kb_str_join3(message, sizeof(message), input->path, ": ", err.message))
            kb_image_result_set_error(&result, false, message);
        else
            kb_image_result_set_error(&result, false, err.message);
        kb_image_result_finish(&result);
    }
    result.stats.report = options->stats;
    code = worker_send(fd, &result, input->index, options->format);
    kb_image_result_free(&result);
    close(fd);
    exit(code);
}

/* ---- the parent ----------------------------------------------------------------------- */

static void progress_clear(scan_run *run)
{
    if (run->progress_shown) {
        fputs("\r\033[K", stderr);
        run->progress_shown = false;
    }
}

static void progress_draw(scan_run *run)
{
    double elapsed = now_seconds() - run->started;
    double rate = elapsed > 0 ? (double)run->done / elapsed : 0;
    double eta = rate > 0 ? (double)(run->total - run->done) / rate : 0;

    if (!run->progress)
        return;
    fprintf(stderr,
            "\r[%zu/%zu] %.1f images/s, ETA %.0fs | broken %zu, at-risk %zu, unknown %zu, "
            "safe %zu, n/a %zu\033[K",
            run->done, run->total, rate, eta, run->counts[KB_VERDICT_BROKEN],
            run->counts[KB_VERDICT_AT_RISK], run->counts[KB_VERDICT_UNKNOWN],
            run->counts[KB_VERDICT_SAFE], run->counts[KB_VERDICT_NOT_APPLICABLE]);
    fflush(stderr);
    run->progress_shown = true;
}

static bool keep_record(scan_run *run, json_t *record)
{
    if (run->record_count == run->record_capacity) {
        size_t capacity = run->record_capacity != 0 ? run->record_capacity * 2 : 64;
        json_t **grown = realloc(run->records, capacity * sizeof(*grown));

        if (grown == NULL)
            return false;
        run->records = grown;
        run->record_capacity = capacity;
    }
    run->records[run->record_count++] = record;
    return true;
}

/* Writes one finished image's outputs; takes the record. */
static void emit(scan_run *run, json_t *record, const char *text, size_t text_len)
{
    const char *error = json_string_value(json_object_get(record, "error"));
    kb_image_outcome outcome = kb_cli_record_outcome(record);

    run->done++;
    run->counts[outcome.kind]++;
    if (error != NULL && error[0] != '\0' && !run->options->quiet) {
        progress_clear(run);
        fprintf(stderr, "%s: %s\n", KB_CLI_PROGRAM, error);
    }
    if (run->options->format == FORMAT_JSONL) {
        char *line = json_dumps(record, JSON_COMPACT | JSON_PRESERVE_ORDER);
        size_t len = line != NULL ? strlen(line) : 0;
        char *framed = line != NULL ? realloc(line, len + 2) : NULL;

        if (framed == NULL) {
            free(line);
            run->write_failed = true;
        } else {
            framed[len] = '\n';
            framed[len + 1] = '\0';
            if (!write_all(run->out_fd, framed, len + 1))
                run->write_failed = true;
            free(framed);
        }
    } else if (run->options->format == FORMAT_TEXT) {
        if (run->any_text_written)
            fputc('\n', run->out_file);
        fwrite(text, 1, text_len, run->out_file);
        fflush(run->out_file);
        run->any_text_written = true;
    }
    if (!keep_record(run, record)) {
        json_decref(record);
        run->write_failed = true;
    }
    progress_draw(run);
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGABRT:
        return "SIGABRT";
    case SIGBUS:
        return "SIGBUS";
    case SIGFPE:
        return "SIGFPE";
    case SIGILL:
        return "SIGILL";
    case SIGKILL:
        return "SIGKILL";
    case SIGTERM:
        return "SIGTERM";
    default:
        return "signal";
    }
}

/* The record of an image whose worker gave no result: unknown, the cause as the reason. */
static json_t *failed_record(scan_run *run, const worker *w, int wait_status, char **text,
                             size_t *text_len)
{
    const char *path = run->inputs->items[w->input].path;
    char cause[256], value[64], message[KB_ERROR_MESSAGE_MAX];
    const char *memory_note = "";
    kb_image_result result;
    json_t *record;
    kb_verdict *v;

    if (run->options->max_memory_mib > 0 && !KB_CLI_ASAN)
        memory_note = " (a worker that exceeds the --max-memory limit dies this way)";
    if (w->timed_out) {
        snprintf(cause, sizeof(cause), "the scan did not finish within %lu s (--timeout) and was killed",
                 run->options->timeout_seconds);
        snprintf(value, sizeof(value), "timeout");
    } else if (w->overflowed) {
        snprintf(cause, sizeof(cause), "the scan worker sent more than %u bytes and was killed",
                 MAX_WORKER_OUTPUT);
        snprintf(value, sizeof(value), "output-limit");
    } else if (WIFSIGNALED(wait_status)) {
        snprintf(cause, sizeof(cause), "the scan worker was killed by signal %d (%s)%s",
                 WTERMSIG(wait_status), signal_name(WTERMSIG(wait_status)), memory_note);
        snprintf(value, sizeof(value), "signal %d", WTERMSIG(wait_status));
    } else {
        snprintf(cause, sizeof(cause),
                 "the scan worker exited with status %d without a result%s",
                 WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1, memory_note);
        snprintf(value, sizeof(value), "exit %d",
                 WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1);
    }
    if (!kb_str_join3(message, sizeof(message), path, ": ", cause))
        kb_strlcpy(message, cause, sizeof(message));
    kb_image_result_init(&result, path);
    kb_image_result_set_error(&result, false, message);
    kb_image_result_finish(&result);
    v = &result.overall;
    kb_strlcpy(v->reasons[0].fact, "scan.worker", sizeof(v->reasons[0].fact));
    kb_strlcpy(v->reasons[0].value, value, sizeof(v->reasons[0].value));
    kb_strlcpy(v->summary, "Unknown: the scan of this image did not finish.", sizeof(v->summary));
    kb_strlcpy(v->remedy,
               "Scan the image alone (kbprobe scan -j 1 IMAGE), with a larger --timeout or "
               "--max-memory if that was the cause, and report a crash.",
               sizeof(v->remedy));
    record = kb_report_json(&result);
    if (record != NULL)
        json_object_set_new(record, "index", json_integer((json_int_t)run->inputs->items[w->input].index));
    if (record != NULL && run->options->format == FORMAT_TEXT) {
        FILE *memory = open_memstream(text, text_len);
        kb_error err;

        if (memory != NULL) {
            kb_error_clear(&err);
            (void)kb_report_write_text(memory, &result, &err);
            fclose(memory);
        }
    }
    kb_image_result_free(&result);
    return record;
}

/* A worker's pipe reached end of file: reap it and emit its record. */
static void worker_finish(scan_run *run, worker *w)
{
    int wait_status = 0;
    json_t *record = NULL;
    char *text = NULL;
    size_t text_len = 0;
    char *newline;

    while (waitpid(w->pid, &wait_status, 0) < 0 && errno == EINTR)
        ;
    newline = w->data != NULL ? memchr(w->data, '\n', w->length) : NULL;
    if (newline != NULL && !w->timed_out && !w->overflowed) {
        json_error_t jerr;

        record = json_loadb(w->data, (size_t)(newline - w->data), 0, &jerr);
        if (record != NULL && !json_is_object(record)) {
            json_decref(record);
            record = NULL;
        }
        if (record != NULL && run->options->format == FORMAT_TEXT) {
            text_len = w->length - (size_t)(newline - w->data) - 1;
            text = malloc(text_len + 1);
            if (text != NULL) {
                memcpy(text, newline + 1, text_len);
                text[text_len] = '\0';
            } else {
                text_len = 0;
            }
        }
        if (record != NULL && !(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) &&
            !run->options->quiet) {
            progress_clear(run);
            fprintf(stderr, "%s: %s: the worker ended abnormally after sending its result\n",
                    KB_CLI_PROGRAM, run->inputs->items[w->input].path);
        }
    }
    if (record == NULL)
        record = failed_record(run, w, wait_status, &text, &text_len);
    if (record != NULL)
        emit(run, record, text != NULL ? text : "", text_len);
    else
        run->write_failed = true;
    free(text);
    free(w->data);
    memset(w, 0, sizeof(*w));
    w->fd = -1;
}

/* Reads what is available; false at end of file. */
static bool worker_read(worker *w)
{
    char buf[65536];
    ssize_t n = read(w->fd, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false;
    if (w->overflowed)
        return true;
    if ((size_t)n > MAX_WORKER_OUTPUT - w->length) {
        w->overflowed = true;
        kill(w->pid, SIGKILL);
        return true;
    }
    if (w->length + (size_t)n > w->capacity) {
        size_t capacity = w->capacity != 0 ? w->capacity : 65536;
        char *grown;

        while (capacity < w->length + (size_t)n)
            capacity *= 2;
        grown = realloc(w->data, capacity);
        if (grown == NULL) {
            w->overflowed = true;
            kill(w->pid, SIGKILL);
            return true;
        }
        w->data = grown;
        w->capacity = capacity;
    }
    memcpy(w->data + w->length, buf, (size_t)n);
    w->length += (size_t)n;
    return true;
}

static int worker_start(scan_run *run, const kb_candidate *candidate, worker *workers,
                        size_t slots, worker *w, size_t input)
{
    int fds[2];
    pid_t pid;

    if (pipe(fds) != 0) {
        fprintf(stderr, "%s: cannot create a pipe: %s\n", KB_CLI_PROGRAM, strerror(errno));
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    if (run->out_file != NULL)
        fflush(run->out_file);
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "%s: cannot start a worker: %s\n", KB_CLI_PROGRAM, strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        for (size_t i = 0; i < slots; i++)
            if (workers[i].fd >= 0)
                close(workers[i].fd);
        signal(SIGPIPE, SIG_DFL);
        worker_run(run->options, candidate, &run->inputs->items[input], fds[1]);
    }
    close(fds[1]);
    memset(w, 0, sizeof(*w));
    w->pid = pid;
    w->fd = fds[0];
    w->input = input;
    if (run->options->timeout_seconds > 0)
        w->deadline = now_seconds() + (double)run->options->timeout_seconds;
    return 0;
}

/* Runs every input of `todo` through the pool. */
static int run_pool(scan_run *run, const kb_candidate *candidate, const size_t *todo,
                    size_t todo_count)
{
    size_t slots = run->options->jobs, next = 0, running = 0;
    worker *workers = calloc(slots, sizeof(*workers));
    struct pollfd *polls = calloc(slots, sizeof(*polls));
    size_t *poll_owner = calloc(slots, sizeof(*poll_owner));
    int rc = 0;

    if (workers == NULL || polls == NULL || poll_owner == NULL) {
        fprintf(stderr, "%s: out of memory for the workers\n", KB_CLI_PROGRAM);
        rc = -1;
        goto out;
    }
    for (size_t i = 0; i < slots; i++)
        workers[i].fd = -1;
    while (next < todo_count || running > 0) {
        double now, wait_until = 0;
        nfds_t npoll = 0;
        int timeout_ms = -1, ready;

        for (size_t i = 0; i < slots && next < todo_count; i++) {
            if (workers[i].fd >= 0)
                continue;
            if (worker_start(run, candidate, workers, slots, &workers[i], todo[next]) != 0) {
                rc = -1;
                todo_count = next; /* start no more; let the running ones finish */
                break;
            }
            next++;
            running++;
        }
        now = now_seconds();
        for (size_t i = 0; i < slots; i++) {
            worker *w = &workers[i];

            if (w->fd < 0)
                continue;
            if (w->deadline > 0 && !w->timed_out) {
                if (now >= w->deadline) {
                    w->timed_out = true;
                    kill(w->pid, SIGKILL);
                } else if (wait_until == 0 || w->deadline < wait_until) {
                    wait_until = w->deadline;
                }
            }
            polls[npoll].fd = w->fd;
            polls[npoll].events = POLLIN;
            polls[npoll].revents = 0;
            poll_owner[npoll++] = i;
        }
        if (npoll == 0)
            continue;
        if (wait_until > 0)
            timeout_ms = (int)((wait_until - now) * 1000.0) + 1;
        if (run->progress && (timeout_ms < 0 || timeout_ms > 1000))
            timeout_ms = 1000; /* keep the rate and ETA moving */
        ready = poll(polls, npoll, timeout_ms);
        if (ready < 0 && errno != EINTR) {
            fprintf(stderr, "%s: poll: %s\n", KB_CLI_PROGRAM, strerror(errno));
            rc = -1;
            break;
        }
        if (ready <= 0) {
            progress_draw(run);
            continue;
        }
        for (nfds_t p = 0; p < npoll; p++) {
            worker *w = &workers[poll_owner[p]];

            if (polls[p].revents == 0)
                continue;
            if (!worker_read(w)) {
                close(w->fd);
                w->fd = -1;
                worker_finish(run, w);
                running--;
            }
        }
    }
out:
    if (workers != NULL) {
        for (size_t i = 0; i < slots; i++) {
            if (workers[i].fd >= 0) {
                kill(workers[i].pid, SIGKILL);
                close(workers[i].fd);
                waitpid(workers[i].pid, NULL, 0);
                free(workers[i].data);
            }
        }
    }
    free(workers);
    free(polls);
    free(poll_owner);
    return rc;
}

/* --resume: loads the complete lines of FILE; an incomplete last line (a run killed in the
 * middle of a write that was not atomic, e.g. a full disk) is cut off. */
static int resume_load(scan_run *run, const char *path)
{
    FILE *in = fopen(path, "r");
    char *line = NULL;
    size_t size = 0;
    ssize_t len;
    off_t good = 0;
    int rc = 0;

    if (in == NULL)
        return errno == ENOENT ? 0 : -1;
    while ((len = getline(&line, &size, in)) > 0) {
        json_error_t jerr;
        json_t *record;

        if (line[len - 1] != '\n')
            break;
        good += (off_t)len;
        record = json_loadb(line, (size_t)len, 0, &jerr);
        if (record == NULL || !json_is_object(record) ||
            json_string_value(json_object_get(record, "image")) == NULL) {
            json_decref(record);
            continue;
        }
        if (!keep_record(run, record)) {
            json_decref(record);
            rc = -1;
            break;
        }
    }
    free(line);
    fclose(in);
    if (rc == 0 && truncate(path, good) != 0)
        rc = -1;
    return rc;
}

static int compare_by_index(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "index"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "index"));

    return x < y ? -1 : x > y;
}

static int open_outputs(scan_run *run)
{
    const scan_options *o = run->options;

    run->out_fd = STDOUT_FILENO;
    run->out_file = stdout;
    if (o->output_path == NULL)
        return 0;
    if (o->format == FORMAT_JSONL) {
        run->out_fd = open(o->output_path,
                           O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (o->resume ? 0 : O_TRUNC),
                           0644);
        if (run->out_fd < 0) {
            fprintf(stderr, "%s: %s: cannot open: %s\n", KB_CLI_PROGRAM, o->output_path,
                    strerror(errno));
            return -1;
        }
        return 0;
    }
    {
        size_t len = strlen(o->output_path) + sizeof(".partial");

        run->partial_path = malloc(len);
        if (run->partial_path == NULL ||
            !kb_str_join3(run->partial_path, len, o->output_path, ".partial", ""))
            return -1;
        run->out_file = fopen(run->partial_path, "w");
        if (run->out_file == NULL) {
            fprintf(stderr, "%s: %s: cannot create: %s\n", KB_CLI_PROGRAM, run->partial_path,
                    strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Closes the outputs; for text and json renames FILE.partial to FILE. */
static void close_outputs(scan_run *run)
{
    if (run->out_fd >= 0 && run->out_fd != STDOUT_FILENO && close(run->out_fd) != 0)
        run->write_failed = true;
    if (run->out_file != NULL && run->out_file != stdout) {
        if (fclose(run->out_file) != 0)
            run->write_failed = true;
        if (!run->write_failed && rename(run->partial_path, run->options->output_path) != 0)
            run->write_failed = true;
    } else if (run->out_file == stdout && (fflush(stdout) != 0 || ferror(stdout))) {
        run->write_failed = true;
    }
    run->out_file = NULL;
    run->out_fd = -1;
}

static int parse_options(int argc, char **argv, scan_options *o, kb_cli_inputs *inputs,
                         int *status)
{
    enum {
        OPT_FROM = 256, OPT_TIMEOUT, OPT_MAX_MEMORY, OPT_RESUME, OPT_SHARD, OPT_SHARD_COUNT,
        OPT_JUNIT, OPT_SARIF, OPT_FAIL_ON, OPT_STATS
    };
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'},
        {"candidate", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"from", required_argument, NULL, OPT_FROM},
        {"recursive", no_argument, NULL, 'r'},
        {"jobs", required_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
        {"output", required_argument, NULL, 'o'},
        {"resume", no_argument, NULL, OPT_RESUME},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"shard-count", required_argument, NULL, OPT_SHARD_COUNT},
        {"junit", required_argument, NULL, OPT_JUNIT},
        {"sarif", required_argument, NULL, OPT_SARIF},
        {"fail-on", required_argument, NULL, OPT_FAIL_ON},
        {"stats", no_argument, NULL, OPT_STATS},
        {NULL, 0, NULL, 0},
    };
    const char *lists[64];
    size_t list_count = 0;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int opt;

    memset(o, 0, sizeof(*o));
    o->jobs = cores > 0 ? (unsigned long)cores : 1;
    o->timeout_seconds = 300;
    o->max_memory_mib = 2048;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "+f:c:qhrj:o:", options, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                o->format = FORMAT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                o->format = FORMAT_JSON;
            else if (strcmp(optarg, "jsonl") == 0)
                o->format = FORMAT_JSONL;
            else
                return *status = usage_error("unknown format (use text, json or jsonl)"), -1;
            break;
        case 'c':
            o->candidate_path = optarg;
            break;
        case 'q':
            o->quiet = true;
            break;
        case OPT_STATS:
            o->stats = true;
            break;
        case 'h':
            fputs(kb_cli_usage_scan, stdout);
            return *status = 0, -1;
        case OPT_FROM:
            if (list_count == sizeof(lists) / sizeof(lists[0]))
                return *status = usage_error("--from: too many lists"), -1;
            lists[list_count++] = optarg;
            break;
        case 'r':
            o->recursive = true;
            break;
        case 'j':
            if (!parse_count(optarg, &o->jobs) || o->jobs == 0 || o->jobs > 1024)
                return *status = usage_error("--jobs: need a number from 1 to 1024"), -1;
            break;
        case OPT_TIMEOUT:
            if (!parse_count(optarg, &o->timeout_seconds) || o->timeout_seconds > 86400 * 7)
                return *status = usage_error("--timeout: need seconds (0: no limit)"), -1;
            break;
        case OPT_MAX_MEMORY:
            if (!parse_count(optarg, &o->max_memory_mib) ||
                (o->max_memory_mib != 0 && o->max_memory_mib < 64) ||
                o->max_memory_mib > (1ul << 30))
                return *status = usage_error("--max-memory: need MiB, at least 64 (0: no limit)"),
                       -1;
            break;
        case 'o':
            o->output_path = optarg;
            break;
        case OPT_RESUME:
            o->resume = true;
            break;
        case OPT_SHARD:
            o->shard = optarg;
            break;
        case OPT_SHARD_COUNT:
            if (!parse_count(optarg, &o->shard_count) || o->shard_count == 0)
                return *status = usage_error("--shard-count: need a positive number"), -1;
            break;
        case OPT_JUNIT:
            o->junit_path = optarg;
            break;
        case OPT_SARIF:
            o->sarif_path = optarg;
            break;
        case OPT_FAIL_ON:
            if (!kb_cli_fail_on_parse(optarg, &o->fail_on))
                return *status = usage_error("--fail-on: use at-risk, broken, unknown or never"),
                       -1;
            break;
        default:
            fputs(kb_cli_usage_scan, stderr);
            return *status = KB_CLI_EXIT_USAGE, -1;
        }
    }
    if (o->resume && (o->format != FORMAT_JSONL || o->output_path == NULL))
        return *status = usage_error("--resume needs --format jsonl and --output FILE"), -1;
    for (int i = optind; i < argc; i++)
        if (kb_cli_inputs_add_arg(inputs, argv[i], o->recursive) != 0)
            return *status = KB_CLI_EXIT_USAGE, -1;
    for (size_t i = 0; i < list_count; i++)
        if (kb_cli_inputs_add_list(inputs, lists[i], o->recursive) != 0)
            return *status = KB_CLI_EXIT_USAGE, -1;
    if (inputs->count == 0) {
        if (argc - optind > 0 || list_count > 0)
            return *status = usage_error("scan: no image found in the arguments"), -1;
        return *status = usage_error("scan: no image given"), -1;
    }
    return 0;
}

int kb_cli_scan(int argc, char **argv)
{
    scan_options options;
    kb_cli_inputs inputs = {0};
    scan_run run;
    kb_candidate *candidate = NULL;
    size_t *todo = NULL, todo_count = 0, mine = 0;
    int status = 0;
    kb_error err;

    memset(&run, 0, sizeof(run));
    run.out_fd = -1;
    if (parse_options(argc, argv, &options, &inputs, &status) != 0)
        goto out;
    run.options = &options;
    run.inputs = &inputs;
    kb_cli_inputs_finish(&inputs, options.quiet);
    if (options.shard != NULL) {
        unsigned long k = 0, n = 0;
        char message[160];

        if (kb_cli_shard_parse(options.shard, options.shard_count, &k, &n, message,
                               sizeof(message)) != 0) {
            status = usage_error(message);
            goto out;
        }
        kb_cli_inputs_shard(&inputs, k, n);
    }
    kb_error_clear(&err);
    if (options.candidate_path != NULL &&
        kb_candidate_load(options.candidate_path, &candidate, &err) != KB_OK) {
        fprintf(stderr, "%s: %s\n", KB_CLI_PROGRAM, err.message);
        status = KB_CLI_EXIT_USAGE;
        goto out;
    }
    if (options.resume && resume_load(&run, options.output_path) != 0) {
        fprintf(stderr, "%s: %s: cannot resume: %s\n", KB_CLI_PROGRAM, options.output_path,
                strerror(errno));
        status = KB_CLI_EXIT_USAGE;
        goto out;
    }
    todo = calloc(inputs.count + 1, sizeof(*todo));
    if (todo == NULL) {
        fprintf(stderr, "%s: out of memory\n", KB_CLI_PROGRAM);
        status = KB_CLI_EXIT_UNREADABLE;
        goto out;
    }
    {
        /* Resumed records count only for images of this run's list; the rest of FILE is
         * left as it is but plays no part in this run's summary and status. */
        size_t kept = 0;

        for (size_t r = 0; r < run.record_count; r++) {
            const char *image = json_string_value(json_object_get(run.records[r], "image"));
            bool ours = false;

            for (size_t i = 0; i < inputs.count && !ours; i++)
                ours = strcmp(inputs.items[i].path, image) == 0;
            if (ours)
                run.records[kept++] = run.records[r];
            else
                json_decref(run.records[r]);
        }
        run.record_count = kept;
    }
    for (size_t i = 0; i < inputs.count; i++) {
        bool done = false;

        for (size_t r = 0; r < run.record_count && !done; r++)
            done = strcmp(json_string_value(json_object_get(run.records[r], "image")),
                          inputs.items[i].path) == 0;
        if (!done)
            todo[todo_count++] = i;
    }
    mine = inputs.count;
    if (options.jobs > todo_count)
        options.jobs = todo_count > 0 ? todo_count : 1;
    if (open_outputs(&run) != 0) {
        status = KB_CLI_EXIT_USAGE;
        goto out;
    }
    run.total = todo_count;
    run.started = now_seconds();
    run.progress = !options.quiet && todo_count > 1 && isatty(STDERR_FILENO);
    if (run_pool(&run, candidate, todo, todo_count) != 0)
        run.write_failed = true;
    progress_clear(&run);
    if (options.format == FORMAT_JSON) {
        json_t *doc = json_pack("{s:s, s:[]}", "schema", KB_REPORT_SCHEMA, "images");
        json_t *images = json_object_get(doc, "images");

        qsort(run.records, run.record_count, sizeof(*run.records), compare_by_index);
        for (size_t r = 0; images != NULL && r < run.record_count; r++)
            json_array_append(images, run.records[r]);
        if (doc == NULL || json_dumpf(doc, run.out_file, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
            fputc('\n', run.out_file) == EOF)
            run.write_failed = true;
        json_decref(doc);
    }
    if (!options.quiet && mine > 1) {
        FILE *where = options.format == FORMAT_TEXT ? run.out_file : stderr;

        if (options.format == FORMAT_TEXT)
            fputc('\n', where);
        kb_error_clear(&err);
        (void)kb_report_write_summary(where, run.records, run.record_count, NULL, &err);
    }
    close_outputs(&run);
    if (kb_cli_write_reports(run.records, run.record_count, options.junit_path,
                             options.sarif_path) != 0)
        run.write_failed = true;
    if (run.write_failed)
        fprintf(stderr, "%s: error writing the reports\n", KB_CLI_PROGRAM);
    status = kb_cli_exit_status(run.records, run.record_count, 0, options.fail_on) |
             (run.write_failed ? KB_CLI_EXIT_UNREADABLE : 0);
out:
    if (run.out_file != NULL || run.out_fd >= 0)
        close_outputs(&run);
    if (run.partial_path != NULL)
        (void)remove(run.partial_path);
    free(run.partial_path);
    for (size_t r = 0; r < run.record_count; r++)
        json_decref(run.records[r]);
    free(run.records);
    free(todo);
    kb_candidate_free(candidate);
    kb_cli_inputs_free(&inputs);
    return status;
}
