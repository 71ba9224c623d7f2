/* SPDX-License-Identifier: Apache-2.0 */
#include "util/span.h"

kb_span kb_span_make(const uint8_t *data, size_t size)
{
    kb_span span;

    span.data = data;
    span.size = data == NULL ? 0 : size;
    return span;
}

bool kb_span_fits(const kb_span *span, size_t off, size_t len)
{
    if (span == NULL || off > span->size)
        return false;
    return len <= span->size - off;
}

const uint8_t *kb_span_at(const kb_span *span, size_t off, size_t len)
{
    if (!kb_span_fits(span, off, len))
        return NULL;
    return span->data + off;
}

kb_status kb_span_u8(const kb_span *span, size_t off, uint8_t *out)
{
    const uint8_t *p = kb_span_at(span, off, 1);

    if (p == NULL)
        return KB_ERR_CORRUPT;
    *out = p[0];
    return KB_OK;
}

kb_status kb_span_le16(const kb_span *span, size_t off, uint16_t *out)
{
    const uint8_t *p = kb_span_at(span, off, 2);

    if (p == NULL)
        return KB_ERR_CORRUPT;
    *out = (uint16_t)(p[0] | (uint16_t)p[1] << 8);
    return KB_OK;
}

kb_status kb_span_le32(const kb_span *span, size_t off, uint32_t *out)
{
    const uint8_t *p = kb_span_at(span, off, 4);

    if (p == NULL)
        return KB_ERR_CORRUPT;
    *out = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return KB_OK;
}

kb_status kb_span_le64(const kb_span *span, size_t off, uint64_t *out)
{
    uint32_t low = 0, high = 0;

    if (!kb_span_fits(span, off, 8))
        return KB_ERR_CORRUPT;
    (void)kb_span_le32(span, off, &low);
    (void)kb_span_le32(span, off + 4, &high);
    *out = (uint64_t)high << 32 | low;
    return KB_OK;
}

kb_status kb_span_sub(const kb_span *span, size_t off, size_t len, kb_span *out)
{
    if (!kb_span_fits(span, off, len))
        return KB_ERR_CORRUPT;
    out->data = span->data + off;
    out->size = len;
    return KB_OK;
}
