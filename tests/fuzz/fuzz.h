/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz.h - the one entry point every harness of tests/fuzz defines.
 *
 * Built two ways (tests/fuzz/CMakeLists.txt): with clang and -fsanitize=fuzzer when
 * KB_FUZZ is on (libFuzzer supplies main), and always with replay_main.c, a small main()
 * that feeds every file of the given files and directories to the harness once, so ctest
 * replays the seed corpora and every past crash input on every run.
 */
#ifndef KB_FUZZ_H
#define KB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Runs one input; returns 0 (libFuzzer's contract). Must not crash, leak or hang. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
