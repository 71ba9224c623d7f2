/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_scan.c - libFuzzer harness for the whole pipeline on a disk image held in memory:
 * kb_scan_memory (image -> volumes -> NTFS -> find_windows -> kb_facts_collect -> verdict),
 * then both report writers, as `kbprobe scan` runs them. Seeds: tiny-safe's 2 MiB bare
 * NTFS volume and mutations of it (tests/fuzz/mkcorpus).
 */
#include <stdio.h>

#include "fuzz.h"
#include "kbprobe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kb_image_result result;
    kb_error err;
    FILE *sink;

    kb_error_clear(&err);
    if (kb_scan_memory(data, size, "fuzz.raw", NULL, &result, &err) == KB_OK) {
        (void)kb_image_result_outcome(&result);
        sink = fopen("/dev/null", "w");
        if (sink != NULL) {
            (void)kb_report_write_text(sink, &result, &err);
            (void)kb_report_write_jsonl(sink, &result, &err);
            fclose(sink);
        }
    }
    kb_image_result_free(&result);
    return 0;
}
