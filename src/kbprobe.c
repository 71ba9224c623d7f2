/* SPDX-License-Identifier: Apache-2.0 */
/* The pipeline: wires image -> volume -> fs -> artefacts -> facts -> verdict. */
#include "kbprobe.h"

const char *kb_version(void)
{
    return KB_VERSION_STRING;
}
