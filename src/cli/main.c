/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - the kbprobe command line: argument parsing and orchestration only. Everything
 * else is behind kbprobe.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbprobe.h"

static const char *program = "kbprobe";

static const char usage_main[] =
    "Usage: kbprobe COMMAND [OPTIONS] ARGS...\n"
    "\n"
    "Looks inside offline Windows disk images, read-only, and tells whether IIS 6 on\n"
    "Windows Server 2003 is safe to patch with KB973917 (the SP2 / pre-SP2 IIS \"binary\n"
    "mismatch\" that stops application pools after the update).\n"
    "\n"
    "Commands:\n"
    "  scan IMAGE...         verdict for each image: safe, at-risk, broken,\n"
    "                        not-applicable or unknown, with evidence and remedy\n"
    "  extract IMAGE DIR     copy iisutil.dll, w3core.dll, SOFTWARE and SYSTEM of each\n"
    "                        Windows installation to DIR, with manifest.json\n"
    "  help [COMMAND]        show help for a command\n"
    "\n"
    "Options:\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n"
    "\n"
    "Images: raw (dd), split raw (give the first segment: disk.001), VHD, VHDX, VMDK, E01.\n"
    "\n"
    "Examples:\n"
    "  kbprobe scan server.vhd\n"
    "  kbprobe scan --format jsonl templates/*.vmdk > results.jsonl\n"
    "  kbprobe scan --candidate KB973917/w3core.dll server.E01\n"
    "  kbprobe extract server.vhd evidence/\n"
    "\n"
    "See kbprobe(1) for the verdicts, the exit status and the JSON schema.\n";

static const char usage_scan[] =
    "Usage: kbprobe scan [OPTIONS] IMAGE...\n"
    "\n"
    "Scans each image and prints its verdict first, then the evidence, then the remedy.\n"
    "\n"
    "Options:\n"
    "  -f, --format FORMAT   text (default), json (one document for all images) or\n"
    "                        jsonl (one JSON object per image per line)\n"
    "  -c, --candidate FILE  also check FILE, a w3core.dll taken from an update package,\n"
    "                        against each image's iisutil.dll: would it load there?\n"
    "  -q, --quiet           no progress and no error lines on stderr\n"
    "  -h, --help            show this help\n"
    "\n"
    "Verdicts:\n"
    "  safe            IIS 6 on SP2 with SP2-level iisutil.dll; w3core.dll's imports resolve\n"
    "  at-risk         SP2 with pre-SP2 IIS binaries: KB973917 would break IIS\n"
    "  broken          the mismatch plus KB973917 (or a dependent update) installed, or an\n"
    "                  import of w3core.dll missing from iisutil.dll: IIS cannot start\n"
    "  not-applicable  no Windows, not Windows Server 2003, no IIS 6, or below SP2\n"
    "  unknown         a fact the decision needs could not be read (the reason says which)\n"
    "\n"
    "Exit status (bits, combined over all images):\n"
    "  0 every image safe or not-applicable   1 some at-risk   2 some broken\n"
    "  4 some unknown   8 some image could not be opened   16 usage error\n"
    "\n"
    "Examples:\n"
    "  kbprobe scan disk.vhd\n"
    "  kbprobe scan --format json a.vmdk b.E01 | jq '.images[].verdict'\n"
    "  kbprobe scan -q golden.vhdx || echo \"gate failed: $?\"\n";

static const char usage_extract[] =
    "Usage: kbprobe extract [OPTIONS] IMAGE DIR\n"
    "\n"
    "Copies iisutil.dll and w3core.dll (system32\\inetsrv, and SysWOW64\\inetsrv on x64),\n"
    "SOFTWARE and SYSTEM of every Windows installation in IMAGE into DIR, one folder per\n"
    "installation (p<partition>-install<n>/), and writes DIR/manifest.json: for each file\n"
    "its path in the image, partition, MFT entry, size and SHA-256. DIR is created if\n"
    "missing; nothing is ever overwritten. The image is opened read-only.\n"
    "\n"
    "Options:\n"
    "  -q, --quiet           do not list the files written\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 done; 8 the image could not be read or holds no Windows; 16 usage\n"
    "error (including an output that already exists).\n"
    "\n"
    "Example:\n"
    "  kbprobe extract server.E01 case-42/ && sha256sum case-42/*/*\n";

enum { EXIT_USAGE = 16, EXIT_UNREADABLE = 8 };

typedef enum output_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_JSONL } output_format;

/* Prints "kbprobe: <message>" and the command's usage to stderr; returns the usage status. */
static int usage_error(const char *usage, const char *message)
{
    fprintf(stderr, "%s: %s\n%s", program, message, usage);
    return EXIT_USAGE;
}

static int cmd_scan(int argc, char **argv)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'},
        {"candidate", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    output_format format = FORMAT_TEXT;
    const char *candidate_path = NULL;
    kb_candidate *candidate = NULL;
    kb_image_result *results = NULL;
    kb_image_outcome *outcomes = NULL;
    bool quiet = false, progress;
    int opt, status = 0, count, i;
    kb_error err;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "+f:c:qh", options, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                format = FORMAT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                format = FORMAT_JSON;
            else if (strcmp(optarg, "jsonl") == 0)
                format = FORMAT_JSONL;
            else
                return usage_error(usage_scan, "unknown format (use text, json or jsonl)");
            break;
        case 'c':
            candidate_path = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(usage_scan, stdout);
            return 0;
        default:
            fputs(usage_scan, stderr);
            return EXIT_USAGE;
        }
    }
    count = argc - optind;
    if (count <= 0)
        return usage_error(usage_scan, "scan: no image given");

    kb_error_clear(&err);
    if (candidate_path != NULL && kb_candidate_load(candidate_path, &candidate, &err) != KB_OK) {
        fprintf(stderr, "%s: %s\n", program, err.message);
        return EXIT_USAGE;
    }
    results = calloc((size_t)count, sizeof(*results));
    outcomes = calloc((size_t)count, sizeof(*outcomes));
    if (results == NULL || outcomes == NULL) {
        fprintf(stderr, "%s: out of memory\n", program);
        status = EXIT_UNREADABLE;
        goto out;
    }
    progress = !quiet && count > 1 && isatty(STDERR_FILENO);
    for (i = 0; i < count; i++) {
        const char *path = argv[optind + i];
        kb_image_result *result = &results[i];

        if (progress)
            fprintf(stderr, "\r[%d/%d] %s\033[K", i + 1, count, path);
        kb_error_clear(&err);
        if (kb_scan_image(path, candidate, result, &err) != KB_OK) {
            fprintf(stderr, "%s: %s: %s\n", program, path, err.message);
            status |= EXIT_UNREADABLE;
        }
        outcomes[i] = kb_image_result_outcome(result);
        if (result->error[0] != '\0' && !quiet) {
            if (progress)
                fputs("\r\033[K", stderr);
            fprintf(stderr, "%s: %s\n", program, result->error);
        }
        kb_error_clear(&err);
        if (format == FORMAT_TEXT) {
            if (i > 0)
                fputc('\n', stdout);
            (void)kb_report_write_text(stdout, result, &err);
        } else if (format == FORMAT_JSONL) {
            (void)kb_report_write_jsonl(stdout, result, &err);
        }
        fflush(stdout);
        if (format != FORMAT_JSON) {
            kb_image_result_free(result);
        }
    }
    if (progress)
        fputs("\r\033[K", stderr);
    if (format == FORMAT_JSON)
        (void)kb_report_write_json(stdout, results, (size_t)count, &err);
    status |= kb_verdict_exit_status(outcomes, (size_t)count);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: error writing the report\n", program);
        status |= EXIT_UNREADABLE;
    }
out:
    if (results != NULL && format == FORMAT_JSON)
        for (i = 0; i < count; i++)
            kb_image_result_free(&results[i]);
    free(results);
    free(outcomes);
    kb_candidate_free(candidate);
    return status;
}

static int cmd_extract(int argc, char **argv)
{
    static const struct option options[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool quiet = false;
    kb_error err;
    kb_status st;
    int opt;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "+qh", options, NULL)) != -1) {
        switch (opt) {
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(usage_extract, stdout);
            return 0;
        default:
            fputs(usage_extract, stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 2)
        return usage_error(usage_extract, "extract: need IMAGE and DIR");
    kb_error_clear(&err);
    st = kb_extract_image(argv[optind], argv[optind + 1], quiet ? NULL : stdout, &err);
    if (st == KB_OK)
        return 0;
    fprintf(stderr, "%s: %s\n", program, err.message);
    return st == KB_ERR_EXISTS || st == KB_ERR_ARGUMENT ? EXIT_USAGE : EXIT_UNREADABLE;
}

int main(int argc, char **argv)
{
    const char *command;

    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    command = argv[1];
    if (strcmp(command, "-h") == 0 || strcmp(command, "--help") == 0) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(command, "-V") == 0 || strcmp(command, "--version") == 0) {
        printf("kbprobe %s\n", kb_version());
        return 0;
    }
    if (strcmp(command, "help") == 0) {
        if (argc > 2 && strcmp(argv[2], "scan") == 0)
            fputs(usage_scan, stdout);
        else if (argc > 2 && strcmp(argv[2], "extract") == 0)
            fputs(usage_extract, stdout);
        else
            fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(command, "scan") == 0)
        return cmd_scan(argc - 1, argv + 1);
    if (strcmp(command, "extract") == 0)
        return cmd_extract(argc - 1, argv + 1);
    fprintf(stderr, "%s: unknown command '%s'\n", program, command);
    fputs(usage_main, stderr);
    return EXIT_USAGE;
}
