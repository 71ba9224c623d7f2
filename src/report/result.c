/* SPDX-License-Identifier: Apache-2.0 */
/* result.c - the image result: installations, their verdicts, the image's overall verdict. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/text.h"

const char *kb_scan_phase_name(kb_scan_phase phase)
{
    static const char *const names[KB_PHASE_COUNT] = {"open", "volumes", "lookups",
                                                      "pe",   "hive",    "verdict"};

    return (unsigned)phase < KB_PHASE_COUNT ? names[phase] : "?";
}

void kb_image_result_init(kb_image_result *result, const char *path)
{
    memset(result, 0, sizeof(*result));
    kb_strlcpy(result->image.path, path != NULL ? path : "", sizeof(result->image.path));
    result->deciding = SIZE_MAX;
    kb_verdict_no_windows(&result->overall);
}

kb_status kb_image_result_add(kb_image_result *result, kb_install_facts *facts, kb_error *err)
{
    kb_install_result *grown, *slot;

    if (result->installation_count >= KB_MAX_WINDOWS_INSTALLS)
        return kb_error_set(err, KB_ERR_LIMIT,
                            "more than %d Windows installations (KB_MAX_WINDOWS_INSTALLS)",
                            KB_MAX_WINDOWS_INSTALLS);
    grown = realloc(result->installations, (result->installation_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "no memory for installation results");
    result->installations = grown;
    slot = &grown[result->installation_count++];
    slot->facts = *facts;
    kb_install_facts_init(facts); /* the lists now belong to slot */
    (void)kb_verdict_decide(&slot->facts, &slot->verdict);
    return KB_OK;
}

void kb_image_result_set_error(kb_image_result *result, bool open_failed, const char *message)
{
    result->open_failed = result->open_failed || open_failed;
    kb_strlcpy(result->error, message != NULL ? message : "", sizeof(result->error));
}

void kb_image_result_finish(kb_image_result *result)
{
    kb_verdict *v = &result->overall;
    size_t worst = SIZE_MAX;

    result->deciding = SIZE_MAX;
    if (result->open_failed) {
        memset(v, 0, sizeof(*v));
        v->kind = KB_VERDICT_UNKNOWN;
        v->reason_count = 1;
        v->reasons[0].role = KB_REASON_DECISIVE;
        kb_strlcpy(v->reasons[0].fact, "image.open", sizeof(v->reasons[0].fact));
        kb_strlcpy(v->reasons[0].value, "error", sizeof(v->reasons[0].value));
        kb_strlcpy(v->reasons[0].where, result->image.path, sizeof(v->reasons[0].where));
        kb_strlcpy(v->reasons[0].text, result->error, sizeof(v->reasons[0].text));
        kb_strlcpy(v->summary, "Unknown: the image could not be opened.", sizeof(v->summary));
        kb_strlcpy(v->remedy, "Check that the file is a disk image kbprobe reads (raw, split "
                              "raw, VHD, VHDX, VMDK, QCOW2, E01), that it is readable, and that "
                              "the parents of a differencing image are next to it.",
                   sizeof(v->remedy));
        return;
    }
    for (size_t i = 0; i < result->installation_count; i++) {
        if (worst == SIZE_MAX ||
            result->installations[i].verdict.kind > result->installations[worst].verdict.kind)
            worst = i;
    }
    if (worst == SIZE_MAX && result->error[0] != '\0') {
        /* No Windows found, but something could not be read (a damaged NTFS, no file
         * system recognised at all): "no Windows" would be a guess, so the answer is unknown. */
        memset(v, 0, sizeof(*v));
        v->kind = KB_VERDICT_UNKNOWN;
        v->reason_count = 1;
        v->reasons[0].role = KB_REASON_DECISIVE;
        kb_strlcpy(v->reasons[0].fact, "image.read", sizeof(v->reasons[0].fact));
        kb_strlcpy(v->reasons[0].value, "error", sizeof(v->reasons[0].value));
        kb_strlcpy(v->reasons[0].where, result->image.path, sizeof(v->reasons[0].where));
        kb_strlcpy(v->reasons[0].text, result->error, sizeof(v->reasons[0].text));
        kb_strlcpy(v->summary, "Unknown: no Windows installation could be read from the image.",
                   sizeof(v->summary));
        kb_strlcpy(v->remedy, "Check the image: it may be truncated or damaged.",
                   sizeof(v->remedy));
        return;
    }
    if (worst == SIZE_MAX) {
        kb_verdict_no_windows(v);
        return;
    }
    *v = result->installations[worst].verdict;
    result->deciding = worst;
}

void kb_image_result_free(kb_image_result *result)
{
    if (result == NULL)
        return;
    for (size_t i = 0; i < result->installation_count; i++)
        kb_install_facts_free(&result->installations[i].facts);
    free(result->installations);
    result->installations = NULL;
    result->installation_count = 0;
    result->deciding = SIZE_MAX;
}

kb_image_outcome kb_image_result_outcome(const kb_image_result *result)
{
    kb_image_outcome o;

    o.open_failed = result->open_failed;
    o.kind = result->overall.kind;
    return o;
}
