/* SPDX-License-Identifier: Apache-2.0 */
/* kbprobe.h - the public API, the only header the CLI includes. */
#ifndef KBPROBE_H
#define KBPROBE_H

/* The version of the library, "MAJOR.MINOR.PATCH". */
const char *kb_version(void);

#endif
