/* strbuf.c - growable strings for rendering views. */
#include "util.h"

#include <stdio.h>
#include <string.h>

void pt2c_strbuf_init(pt2c_strbuf *sb, const pt2c_allocator *allocator) {
    memset(sb, 0, sizeof *sb);
    sb->allocator = allocator ? allocator : pt2c_default_allocator();
}

void pt2c_strbuf_deinit(pt2c_strbuf *sb) {
    pt2c_dealloc(sb->allocator, sb->data, sb->cap);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}

static bool reserve(pt2c_strbuf *sb, size_t extra) {
    if (sb->failed)
        return false;
    if (extra > SIZE_MAX - sb->len - 1) {
        sb->failed = true;
        return false;
    }
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return true;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = sb->data ? pt2c_realloc(sb->allocator, sb->data, sb->cap, cap)
                       : pt2c_alloc(sb->allocator, cap);
    if (!p) {
        sb->failed = true;
        return false;
    }
    sb->data = p;
    sb->cap = cap;
    return true;
}

void pt2c_strbuf_append(pt2c_strbuf *sb, const char *s, size_t n) {
    if (!reserve(sb, n))
        return;
    if (n)
        memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = 0;
}

void pt2c_strbuf_puts(pt2c_strbuf *sb, const char *s) { pt2c_strbuf_append(sb, s, strlen(s)); }

void pt2c_strbuf_putc(pt2c_strbuf *sb, char c) { pt2c_strbuf_append(sb, &c, 1); }

void pt2c_strbuf_vprintf(pt2c_strbuf *sb, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || !reserve(sb, (size_t)n))
        return;
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void pt2c_strbuf_printf(pt2c_strbuf *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    pt2c_strbuf_vprintf(sb, fmt, ap);
    va_end(ap);
}

pt2c_status pt2c_strbuf_finish(pt2c_strbuf *sb, char **out, size_t *out_len, pt2c_error *err) {
    if (!sb->failed && !sb->data)
        reserve(sb, 0);
    if (sb->failed) {
        pt2c_strbuf_deinit(sb);
        return pt2c_error_set(err, PT2C_ERR_NOMEM, "render: out of memory");
    }
    *out = sb->data;
    if (out_len)
        *out_len = sb->len;
    sb->data = NULL;
    sb->len = sb->cap = 0;
    return PT2C_OK;
}
