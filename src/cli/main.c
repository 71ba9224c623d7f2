/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "kbprobe.h"

int main(void)
{
    printf("kbprobe %s\n", kb_version());
    return 0;
}
