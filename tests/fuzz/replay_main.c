/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replay_main.c - a main() for the fuzz harnesses outside libFuzzer: feeds each regular file
 * named on the command line, and each regular file inside each directory named (one level,
 * sorted), to LLVMFuzzerTestOneInput once. ctest runs it over the seed corpus and the
 * regression inputs of every harness, in every build (the ASan build included), so a past
 * crash can never come back unnoticed. Exit 0 when every input ran, 2 on a usage or I/O
 * problem; a crash is the harness's (a signal, or a sanitizer report).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Inputs larger than this are not fuzzer inputs (the largest seed is a 2 MiB image). */
#define REPLAY_MAX_INPUT_BYTES (64u * 1024u * 1024u)

static int run_file(const char *path, size_t *ran)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long size;
    int rc = 2;

    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 2;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        (unsigned long)size > REPLAY_MAX_INPUT_BYTES || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "replay: %s: cannot size, or larger than the cap\n", path);
        goto out;
    }
    /* An exact-size buffer, so that ASan sees any read past the input. */
    data = malloc(size > 0 ? (size_t)size : 1);
    if (data == NULL || (size > 0 && fread(data, 1, (size_t)size, f) != (size_t)size)) {
        fprintf(stderr, "replay: %s: cannot read\n", path);
        goto out;
    }
    (void)LLVMFuzzerTestOneInput(data, (size_t)size);
    (*ran)++;
    rc = 0;
out:
    free(data);
    fclose(f);
    return rc;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, size_t *ran)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    char **names = NULL;
    size_t count = 0, cap = 0, i;
    int rc = 0;

    if (d == NULL) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return 2;
    }
    while ((entry = readdir(d)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        if (count == cap) {
            char **grown = realloc(names, (cap ? cap * 2 : 64) * sizeof(*names));

            if (grown == NULL) {
                rc = 2;
                break;
            }
            names = grown;
            cap = cap ? cap * 2 : 64;
        }
        names[count] = malloc(strlen(dir) + strlen(entry->d_name) + 2);
        if (names[count] == NULL) {
            rc = 2;
            break;
        }
        snprintf(names[count], strlen(dir) + strlen(entry->d_name) + 2, "%s/%s", dir,
                 entry->d_name);
        count++;
    }
    closedir(d);
    if (count > 0)
        qsort(names, count, sizeof(*names), compare_names);
    for (i = 0; i < count; i++) {
        struct stat st;

        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            rc = run_file(names[i], ran);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    size_t ran = 0;
    int i, rc = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (i = 1; i < argc && rc == 0; i++) {
        struct stat st;

        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            rc = 2;
        } else if (S_ISDIR(st.st_mode)) {
            rc = run_dir(argv[i], &ran);
        } else {
            rc = run_file(argv[i], &ran);
        }
    }
    printf("replay: %zu inputs, %s\n", ran, rc == 0 ? "no crash" : "stopped on an error");
    return rc;
}
