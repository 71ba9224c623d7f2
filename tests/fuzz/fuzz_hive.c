/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_hive.c - libFuzzer harness for the hive layer (src/hive) as the facts collector
 * uses it: the input is a regf hive held in memory (kb_hive_open_memory), its base block's
 * sequence numbers (the dirty check), the same value reads as src/facts/collect.c (SOFTWARE strings and DWORDs, the SYSTEM control
 * set and W3SVC Start), a sub-key walk, and the merged installed-update list
 * (kb_hive_updates_list without a file system).
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "hive/hive.h"

static int count_subkey(void *ctx, const char *name)
{
    (void)name;
    (*(size_t *)ctx)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct {
        const char *key;
        const char *value;
        int dword;
    } reads[] = {
        {"Microsoft\\Windows NT\\CurrentVersion", "ProductName", 0},
        {"Microsoft\\Windows NT\\CurrentVersion", "CurrentVersion", 0},
        {"Microsoft\\Windows NT\\CurrentVersion", "CurrentBuildNumber", 0},
        {"Microsoft\\Windows NT\\CurrentVersion", "CSDVersion", 0},
        {"Microsoft\\Windows NT\\CurrentVersion", "BuildLab", 0},
        {"Microsoft\\Windows NT\\CurrentVersion", "SystemRoot", 0},
        {"Microsoft\\InetStp", "MajorVersion", 1},
        {"Microsoft\\InetStp", "MinorVersion", 1},
        {"Microsoft\\Windows\\CurrentVersion\\Setup\\Oc Manager\\Subcomponents", "iis_www", 1},
        {"Microsoft\\Windows\\CurrentVersion\\Setup", "SourcePath", 0},
        {"Microsoft\\Windows\\CurrentVersion\\Setup", "ServicePackSourcePath", 0},
        {"", NULL, 0},
    };
    char text[256];
    char control_set[32];
    kb_hive *hive = NULL;
    kb_hive_update *updates = NULL;
    size_t count = 0, i;
    uint32_t number, primary, secondary;
    bool exists;
    kb_error err;

    kb_error_clear(&err);
    if (kb_hive_open_memory(data, size, "fuzz", &hive, &err) != KB_OK)
        return 0;
    (void)kb_hive_sequence_numbers(hive, &primary, &secondary, &err);
    for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
        if (reads[i].dword)
            (void)kb_hive_get_dword(hive, reads[i].key, reads[i].value, &number, &err);
        else
            (void)kb_hive_get_string(hive, reads[i].key, reads[i].value, text, sizeof(text),
                                     &err);
    }
    (void)kb_hive_key_exists(hive, "Microsoft\\Updates", &exists, &err);
    (void)kb_hive_subkeys(hive, "", count_subkey, &count, &err);
    if (kb_hive_current_control_set(hive, control_set, sizeof(control_set), &err) == KB_OK) {
        char key[128];

        snprintf(key, sizeof(key), "%s\\Services\\W3SVC", control_set);
        (void)kb_hive_get_dword(hive, key, "Start", &number, &err);
    }
    if (kb_hive_updates_list(hive, NULL, NULL, &updates, &count, &err) == KB_OK)
        free(updates);
    kb_hive_close(hive);
    return 0;
}
