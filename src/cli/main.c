/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - the kbprobe command line: argument parsing and orchestration only. Everything
 * else is behind kbprobe.h. `scan` lives in scan.c (with inputs.c and policy.c), `merge` in
 * merge.c; `extract` and the dispatch are here.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
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
    "  scan IMAGE|DIR...     verdict for each image: safe, at-risk, broken,\n"
    "                        not-applicable or unknown, with evidence and remedy;\n"
    "                        many images in parallel workers, JUnit/SARIF, sharding\n"
    "  merge FILE.jsonl...   combine the JSON Lines outputs of shards into one result\n"
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
    "  kbprobe scan -r --junit gate.xml --fail-on at-risk golden-images/\n"
    "  kbprobe merge --junit fleet.xml shard-*.jsonl > fleet.jsonl\n"
    "  kbprobe extract server.vhd evidence/\n"
    "\n"
    "See kbprobe(1) for the verdicts, the exit status and the JSON schema.\n";

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

enum { EXIT_USAGE = KB_CLI_EXIT_USAGE, EXIT_UNREADABLE = KB_CLI_EXIT_UNREADABLE };

/* Prints "kbprobe: <message>" and the command's usage to stderr; returns the usage status. */
static int usage_error(const char *usage, const char *message)
{
    fprintf(stderr, "%s: %s\n%s", program, message, usage);
    return EXIT_USAGE;
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
            fputs(kb_cli_usage_scan, stdout);
        else if (argc > 2 && strcmp(argv[2], "merge") == 0)
            fputs(kb_cli_usage_merge, stdout);
        else if (argc > 2 && strcmp(argv[2], "extract") == 0)
            fputs(usage_extract, stdout);
        else
            fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(command, "scan") == 0)
        return kb_cli_scan(argc - 1, argv + 1);
    if (strcmp(command, "merge") == 0)
        return kb_cli_merge(argc - 1, argv + 1);
    if (strcmp(command, "extract") == 0)
        return cmd_extract(argc - 1, argv + 1);
    fprintf(stderr, "%s: unknown command '%s'\n", program, command);
    fputs(usage_main, stderr);
    return EXIT_USAGE;
}
