/* error.c - status names and the first-error-wins pt2c_error helpers. */
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {
#define PT2C_STATUS_NAME(name, text) text,
    PT2C_FORALL_STATUS(PT2C_STATUS_NAME)
#undef PT2C_STATUS_NAME
};

const char *pt2c_version(void) { return PT2C_VERSION_STRING; }

const char *pt2c_status_name(pt2c_status status) {
    if ((unsigned)status >= (unsigned)PT2C_STATUS_COUNT)
        return "unknown status";
    return status_names[status];
}

void pt2c_error_clear(pt2c_error *err) {
    if (!err)
        return;
    memset(err, 0, sizeof *err);
    err->node_index = -1;
}

pt2c_status pt2c_error_setv(pt2c_error *err, pt2c_status code, const char *fmt, va_list ap) {
    if (!err || err->code != PT2C_OK)
        return code;
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return code;
}

pt2c_status pt2c_error_set(pt2c_error *err, pt2c_status code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    pt2c_error_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void pt2c_error_set_node(pt2c_error *err, int64_t node_index, const char *node_name,
                         const char *op) {
    if (!err || err->node_index >= 0 || err->node_name[0])
        return;
    err->node_index = node_index;
    snprintf(err->node_name, sizeof err->node_name, "%s", node_name ? node_name : "");
    snprintf(err->op, sizeof err->op, "%s", op ? op : "");
}

void pt2c_error_prefix(pt2c_error *err, const char *fmt, ...) {
    if (!err || err->code == PT2C_OK)
        return;
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char joined[sizeof err->msg];
    if (snprintf(joined, sizeof joined, "%s: %s", prefix, err->msg) >= (int)sizeof joined)
        joined[sizeof joined - 1] = 0; /* truncated: the start of the message matters most */
    memcpy(err->msg, joined, sizeof err->msg);
}

void pt2c_error_format(const pt2c_error *err, char *buf, size_t buf_size) {
    if (!buf || buf_size == 0)
        return;
    if (!err) {
        snprintf(buf, buf_size, "unknown error");
        return;
    }
    if (err->node_name[0] || err->node_index >= 0) {
        snprintf(buf, buf_size, "node %lld '%s' (%s): %s", (long long)err->node_index,
                 err->node_name, err->op[0] ? err->op : "?", err->msg);
    } else {
        snprintf(buf, buf_size, "%s", err->msg[0] ? err->msg : pt2c_status_name(err->code));
    }
    /* Keep the report on one line whatever the message held. */
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}
