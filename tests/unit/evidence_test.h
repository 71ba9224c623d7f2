/* SPDX-License-Identifier: Apache-2.0 */
/*
 * evidence_test.h - helpers shared by test_image.c, test_volume.c and test_fs.c: where the
 * images from tests/unit/data/mkevidence.sh are, and running The Sleuth Kit's tools (the
 * oracle) through popen. Header-only, static functions: each test is its own executable.
 */
#ifndef KB_TESTS_EVIDENCE_TEST_H
#define KB_TESTS_EVIDENCE_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* $KB_BUILD_DIR/tests/unit/evidence-data/<name> */
static inline const char *evidence_path(const char *name)
{
    static char path[4096];
    const char *build = getenv("KB_BUILD_DIR");

    snprintf(path, sizeof(path), "%s/tests/unit/evidence-data/%s", build != NULL ? build : ".",
             name);
    return path;
}

/* Runs a shell command, returns its first line of output (newline stripped) or "" */
static inline const char *evidence_run(const char *command)
{
    static char line[4096];
    FILE *pipe = popen(command, "r");

    line[0] = '\0';
    if (pipe == NULL)
        return line;
    if (fgets(line, sizeof(line), pipe) == NULL)
        line[0] = '\0';
    while (fgets(line + strlen(line), (int)(sizeof(line) - strlen(line)), pipe) != NULL &&
           strlen(line) < sizeof(line) - 1) {
    }
    pclose(pipe);
    line[strcspn(line, "\n")] = '\0';
    return line;
}

#endif
