/* SPDX-License-Identifier: Apache-2.0 */
/*
 * span.h - bounded, little-endian reads of untrusted bytes.
 *
 * Never cast a struct onto image bytes: read each field through a span. Every accessor fails
 * with KB_ERR_CORRUPT (and leaves *out untouched) unless the whole field lies inside the span;
 * the check is written as `len > size - off` so that it cannot overflow.
 */
#ifndef KB_UTIL_SPAN_H
#define KB_UTIL_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef struct kb_span {
    const uint8_t *data;
    size_t size;
} kb_span;

/* A span over data[0..size). */
kb_span kb_span_make(const uint8_t *data, size_t size);

/* True when [off, off+len) lies inside the span. */
bool kb_span_fits(const kb_span *span, size_t off, size_t len);

kb_status kb_span_u8(const kb_span *span, size_t off, uint8_t *out);
kb_status kb_span_le16(const kb_span *span, size_t off, uint16_t *out);
kb_status kb_span_le32(const kb_span *span, size_t off, uint32_t *out);
kb_status kb_span_le64(const kb_span *span, size_t off, uint64_t *out);

/* The sub-span [off, off+len); fails unless it fits. */
kb_status kb_span_sub(const kb_span *span, size_t off, size_t len, kb_span *out);

/* Pointer to [off, off+len) or NULL when it does not fit. */
const uint8_t *kb_span_at(const kb_span *span, size_t off, size_t len);

#endif
