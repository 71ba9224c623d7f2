/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pe_dump.c - test helper: prints what kbprobe's PE parser reads from a file, as one JSON
 * object on stdout, for scripts that compare it with other tools (tests/unit/pe_exiftool.py).
 * Not part of the CLI.
 *
 *   pe_dump FILE
 *
 * Exit status: 0 when the file parsed, 1 when kb_pe_parse failed (the JSON then carries
 * "status" and "error"), 2 on bad usage or an unreadable file.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pe/pe.h"
#include "util/limits.h"

static void put_string(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    if (s == NULL) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void put_version(const uint16_t v[4])
{
    printf("\"%u.%u.%u.%u\"", (unsigned)v[0], (unsigned)v[1], (unsigned)v[2], (unsigned)v[3]);
}

static void dump(const kb_pe *pe)
{
    size_t i, j;

    printf("\"machine\": ");
    put_string(kb_pe_machine_name(pe->machine));
    printf(", \"machine_code\": %u, \"pe32plus\": %s, \"characteristics\": %u, "
           "\"timestamp\": %lu, \"sections\": %u, \"has_version\": %s",
           (unsigned)pe->machine, pe->pe32plus ? "true" : "false", (unsigned)pe->characteristics,
           (unsigned long)pe->timestamp, (unsigned)pe->section_count,
           pe->has_version ? "true" : "false");
    if (pe->has_version) {
        printf(", \"file_version\": ");
        put_version(pe->file_version);
        printf(", \"product_version\": ");
        put_version(pe->product_version);
    }
    printf(",\n \"strings\": {");
    for (i = 0; i < pe->string_count; i++) {
        printf(i == 0 ? "" : ", ");
        put_string(pe->strings[i].key);
        printf(": ");
        put_string(pe->strings[i].value);
    }
    printf("},\n \"build_lab\": ");
    put_string(pe->build_lab);
    printf(", \"branch\": ");
    put_string(pe->branch);
    printf(",\n \"exports\": [");
    for (i = 0; i < pe->export_count; i++) {
        printf(i == 0 ? "" : ", ");
        put_string(pe->exports[i]);
    }
    printf("],\n \"imports\": [");
    for (i = 0; i < pe->import_count; i++) {
        printf(i == 0 ? "{\"dll\": " : ", {\"dll\": ");
        put_string(pe->imports[i].name);
        printf(", \"ordinals\": %zu, \"names\": [", pe->imports[i].ordinal_count);
        for (j = 0; j < pe->imports[i].name_count; j++) {
            printf(j == 0 ? "" : ", ");
            put_string(pe->imports[i].names[j]);
        }
        printf("]}");
    }
    printf("]");
}

int main(int argc, char **argv)
{
    uint8_t *data = NULL;
    size_t size = 0, got;
    kb_pe *pe = NULL;
    kb_error err;
    kb_status st;
    FILE *f;
    long end;
    int rc = 2;

    if (argc != 2) {
        fprintf(stderr, "usage: pe_dump FILE\n");
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0 ||
        (unsigned long)end > KB_MAX_FILE_BYTES || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "pe_dump: cannot read %s\n", argv[1]);
        goto out;
    }
    size = (size_t)end;
    data = malloc(size == 0 ? 1 : size);
    if (data == NULL)
        goto out;
    got = fread(data, 1, size, f);
    if (got != size) {
        fprintf(stderr, "pe_dump: short read of %s\n", argv[1]);
        goto out;
    }
    kb_error_clear(&err);
    st = kb_pe_parse(data, size, &pe, &err);
    printf("{\"file\": ");
    put_string(argv[1]);
    printf(", \"status\": ");
    put_string(kb_status_name(st));
    if (st != KB_OK) {
        printf(", \"error\": ");
        put_string(err.message);
        printf("}\n");
        rc = 1;
        goto out;
    }
    printf(",\n ");
    dump(pe);
    printf("}\n");
    rc = 0;
out:
    if (f != NULL)
        fclose(f);
    kb_pe_free(pe);
    free(data);
    return rc;
}
