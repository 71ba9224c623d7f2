/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_support.h - what several cmocka tests share: reading a file that a build step made
 * under KB_BUILD_DIR (set by tests/unit/CMakeLists.txt). Include after <cmocka.h>.
 */
#ifndef KB_TEST_SUPPORT_H
#define KB_TEST_SUPPORT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct blob {
    uint8_t *data;
    size_t size;
} blob;

/*
 * Reads ${KB_BUILD_DIR}/<subdir>/<name> whole into *out (free out->data). Fails the test,
 * naming the path and the build target that should have made it, when it cannot.
 */
static inline void kb_test_load_built(const char *subdir, const char *name, const char *target,
                                      blob *out)
{
    const char *build = getenv("KB_BUILD_DIR");
    char path[1024];
    FILE *f;
    long size;

    out->data = NULL;
    out->size = 0;
    if (build == NULL) {
        fail_msg("KB_BUILD_DIR is not set (run through ctest)");
        return;
    }
    snprintf(path, sizeof(path), "%s/%s/%s", build, subdir, name);
    f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s (built by the %s target)", path, target);
        return;
    }
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size > 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    out->data = malloc((size_t)size);
    assert_non_null(out->data);
    out->size = (size_t)size;
    assert_int_equal(fread(out->data, 1, out->size, f), out->size);
    fclose(f);
}

#endif
