/*
 * export_write.c - pt2c_exported_program -> Export IR JSON text, the inverse of
 * export_json.c, written as torch 2.13's serializer writes schema 8.20:
 *
 *   - structs are objects with every field in the schema's declaration order, null for
 *     absent optional fields; unions are one-key objects; enums are integers;
 *   - as_none is true; floats print as Python's repr (shortest round trip: "1e-05",
 *     "2.0"), non-finite ones as the strings "Infinity", "-Infinity", "NaN" (torch writes
 *     with allow_nan off and reads them back with float());
 *   - integers are exact int64; strings are ensure_ascii escaped (\uXXXX, surrogate pairs);
 *   - separators ", " and ": " as json.dumps.
 *
 * Fields a file of an older schema did not carry stay null, so torch's deserializer takes
 * the same fallback it took for the original: Node.name (when the file had none),
 * NamedArgument.kind, Node.is_hop_single_tensor_return.
 */
#include "format/export_json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct jw {
    pt2c_strbuf *sb;
    pt2c_error *err;
    pt2c_status st; /* first failure; later writes are no-ops once set */
} jw;

static void bad(jw *w, const char *fmt, const char *what) {
    if (w->st == PT2C_OK)
        w->st = pt2c_error_set(w->err, PT2C_ERR_ARG, fmt, what);
}

static void raw(jw *w, const char *s) { pt2c_strbuf_puts(w->sb, s); }

/* ---------------------------------------------------------------------------------------- */
/* Scalars                                                                                  */

/* Decode one UTF-8 sequence at s (n bytes left); returns its length, 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
    if (len == 0 || len > n || s[0] >= 0xF8)
        return 0;
    uint32_t c = s[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min_for_len[len] || c > 0x10FFFF)
        return 0; /* overlong or beyond Unicode */
    *cp = c;
    return len;
}

/* A JSON string as Python's json.dumps(ensure_ascii=True) writes it. Bytes that are not
 * UTF-8 become U+FFFD (the reader keeps what json-c decoded, which is UTF-8). */
static void jstr(jw *w, const char *s) {
    if (!s) {
        raw(w, "null");
        return;
    }
    pt2c_strbuf_putc(w->sb, '"');
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    while (n > 0) {
        uint32_t cp;
        size_t len = utf8_decode(p, n, &cp);
        if (len == 0) {
            cp = 0xFFFD;
            len = 1;
        }
        p += len;
        n -= len;
        char buf[16];
        switch (cp) {
        case '"':
            raw(w, "\\\"");
            continue;
        case '\\':
            raw(w, "\\\\");
            continue;
        case '\n':
            raw(w, "\\n");
            continue;
        case '\r':
            raw(w, "\\r");
            continue;
        case '\t':
            raw(w, "\\t");
            continue;
        case '\b':
            raw(w, "\\b");
            continue;
        case '\f':
            raw(w, "\\f");
            continue;
        default:
            break;
        }
        if (cp >= 0x20 && cp < 0x7F) {
            pt2c_strbuf_putc(w->sb, (char)cp);
        } else if (cp < 0x10000) {
            snprintf(buf, sizeof buf, "\\u%04x", (unsigned)cp);
            raw(w, buf);
        } else {
            uint32_t v = cp - 0x10000;
            snprintf(buf, sizeof buf, "\\u%04x\\u%04x", (unsigned)(0xD800 + (v >> 10)),
                     (unsigned)(0xDC00 + (v & 0x3FF)));
            raw(w, buf);
        }
    }
    pt2c_strbuf_putc(w->sb, '"');
}

/* A required string: NULL means the IR is broken, not "null". */
static void jstr_req(jw *w, const char *s, const char *field) {
    if (!s)
        bad(w, "export json: %s is NULL (expected a string)", field);
    jstr(w, s ? s : "");
}

static void jint(jw *w, int64_t v) { pt2c_strbuf_printf(w->sb, "%lld", (long long)v); }
static void jbool(jw *w, bool b) { raw(w, b ? "true" : "false"); }

static void jfloat(jw *w, double v) {
    if (isnan(v)) {
        raw(w, "\"NaN\"");
    } else if (isinf(v)) {
        raw(w, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    } else {
        char buf[40];
        pt2c_format_py_float(v, buf, sizeof buf);
        raw(w, buf);
    }
}

/* "key": (with the separator before it unless first) */
static void key(jw *w, const char *k, bool *first) {
    if (!*first)
        raw(w, ", ");
    *first = false;
    jstr(w, k);
    raw(w, ": ");
}

static void sep(jw *w, int64_t i) {
    if (i > 0)
        raw(w, ", ");
}

/* ---------------------------------------------------------------------------------------- */
/* Symbolic values and tensor metadata                                                      */

static void w_sym_expr(jw *w, const pt2c_sym_expr *e) {
    raw(w, "{\"expr_str\": ");
    jstr_req(w, e->expr_str, "SymExpr.expr_str");
    raw(w, ", \"hint\": ");
    switch (e->hint_kind) {
    case PT2C_HINT_NONE:
        raw(w, "null");
        break;
    case PT2C_HINT_INT:
        raw(w, "{\"as_int\": ");
        jint(w, e->hint_int);
        raw(w, "}");
        break;
    case PT2C_HINT_BOOL:
        raw(w, "{\"as_bool\": ");
        jbool(w, e->hint_int != 0);
        raw(w, "}");
        break;
    case PT2C_HINT_FLOAT:
        raw(w, "{\"as_float\": ");
        jfloat(w, e->hint_float);
        raw(w, "}");
        break;
    }
    raw(w, "}");
}

typedef enum sym_kind { SYM_INT, SYM_BOOL, SYM_FLOAT } sym_kind;

/* SymInt / SymBool / SymFloat union. */
static void w_sym(jw *w, const pt2c_sym *s, sym_kind kind) {
    if (s->is_expr) {
        raw(w, "{\"as_expr\": ");
        w_sym_expr(w, &s->expr);
    } else if (kind == SYM_INT) {
        raw(w, "{\"as_int\": ");
        jint(w, s->i);
    } else if (kind == SYM_BOOL) {
        raw(w, "{\"as_bool\": ");
        jbool(w, s->i != 0);
    } else {
        raw(w, "{\"as_float\": ");
        jfloat(w, s->f);
    }
    raw(w, "}");
}

static void w_device(jw *w, const pt2c_device *d) {
    raw(w, "{\"type\": ");
    jstr(w, d->type ? d->type : "cpu");
    raw(w, ", \"index\": ");
    if (d->index < 0)
        raw(w, "null");
    else
        jint(w, d->index);
    raw(w, "}");
}

static void w_sym_list(jw *w, const pt2c_sym *s, int32_t n) {
    raw(w, "[");
    for (int32_t i = 0; i < n; i++) {
        sep(w, i);
        w_sym(w, &s[i], SYM_INT);
    }
    raw(w, "]");
}

static void w_tensor_meta(jw *w, const pt2c_tensor_meta *m) {
    raw(w, "{\"dtype\": ");
    jint(w, m->dtype);
    raw(w, ", \"sizes\": ");
    w_sym_list(w, m->sizes, m->rank);
    raw(w, ", \"requires_grad\": ");
    jbool(w, m->requires_grad);
    raw(w, ", \"device\": ");
    w_device(w, &m->device);
    raw(w, ", \"strides\": ");
    w_sym_list(w, m->strides, m->rank);
    raw(w, ", \"storage_offset\": ");
    w_sym(w, &m->storage_offset, SYM_INT);
    raw(w, ", \"layout\": ");
    jint(w, m->layout);
    raw(w, "}");
}

/* ---------------------------------------------------------------------------------------- */
/* Arguments                                                                                */

static void w_graph(jw *w, const pt2c_graph *g);
static void w_arg(jw *w, const pt2c_arg *a);

static void w_tensor_arg(jw *w, const char *name) {
    raw(w, "{\"name\": ");
    jstr_req(w, name, "TensorArgument.name");
    raw(w, "}");
}

static void w_custom_obj(jw *w, const pt2c_arg *a) {
    raw(w, "{\"name\": ");
    jstr_req(w, a->name, "CustomObjArgument.name");
    raw(w, ", \"class_fqn\": ");
    jstr_req(w, a->str, "CustomObjArgument.class_fqn");
    raw(w, "}");
}

/* SymIntArgument / SymFloatArgument / SymBoolArgument: a name, or the literal the reader
 * turned into INT / FLOAT / BOOL. */
static void w_sym_arg(jw *w, const pt2c_arg *a) {
    if ((a->kind == PT2C_ARG_SYM_INT || a->kind == PT2C_ARG_SYM_FLOAT ||
         a->kind == PT2C_ARG_SYM_BOOL) &&
        a->name) {
        raw(w, "{\"as_name\": ");
        jstr(w, a->name);
    } else if (a->kind == PT2C_ARG_INT || a->kind == PT2C_ARG_SYM_INT) {
        raw(w, "{\"as_int\": ");
        jint(w, a->i);
    } else if (a->kind == PT2C_ARG_FLOAT || a->kind == PT2C_ARG_SYM_FLOAT) {
        raw(w, "{\"as_float\": ");
        jfloat(w, a->f);
    } else if (a->kind == PT2C_ARG_BOOL || a->kind == PT2C_ARG_SYM_BOOL) {
        raw(w, "{\"as_bool\": ");
        jbool(w, a->b);
    } else {
        bad(w, "export json: %s is not a symbolic scalar argument", pt2c_arg_kind_key(a->kind));
        raw(w, "{\"as_int\": 0");
    }
    raw(w, "}");
}

/* OptionalTensorArgument: a TENSOR (or OPTIONAL_TENSOR with a name), else as_none. */
static void w_optional_tensor(jw *w, const pt2c_arg *a) {
    if ((a->kind == PT2C_ARG_TENSOR || a->kind == PT2C_ARG_OPTIONAL_TENSOR) && a->name) {
        raw(w, "{\"as_tensor\": ");
        w_tensor_arg(w, a->name);
        raw(w, "}");
    } else {
        raw(w, "{\"as_none\": true}");
    }
}

/* The JSON value of one list element, given the list's kind. */
static void w_item(jw *w, pt2c_arg_kind list, const pt2c_arg *it) {
    switch (list) {
    case PT2C_ARG_TENSORS:
        w_tensor_arg(w, it->name);
        return;
    case PT2C_ARG_INTS:
        jint(w, it->i);
        return;
    case PT2C_ARG_FLOATS:
        jfloat(w, it->f);
        return;
    case PT2C_ARG_STRINGS:
        jstr_req(w, it->str, "as_strings item");
        return;
    case PT2C_ARG_BOOLS:
        jbool(w, it->b);
        return;
    case PT2C_ARG_SYM_INTS:
    case PT2C_ARG_SYM_FLOATS:
    case PT2C_ARG_SYM_BOOLS:
        w_sym_arg(w, it);
        return;
    case PT2C_ARG_OPTIONAL_TENSORS:
        w_optional_tensor(w, it);
        return;
    case PT2C_ARG_NESTED_TENSORS:
    case PT2C_ARG_INT_LISTS:
    case PT2C_ARG_FLOAT_LISTS: {
        pt2c_arg_kind inner = list == PT2C_ARG_NESTED_TENSORS ? PT2C_ARG_TENSORS
                              : list == PT2C_ARG_INT_LISTS    ? PT2C_ARG_INTS
                                                              : PT2C_ARG_FLOATS;
        raw(w, "[");
        for (int64_t i = 0; i < it->n_items; i++) {
            sep(w, i);
            w_item(w, inner, &it->items[i]);
        }
        raw(w, "]");
        return;
    }
    default:
        bad(w, "export json: %s is not a list kind", pt2c_arg_kind_key(list));
        raw(w, "null");
    }
}

/* The value of Argument member a->kind. */
static void w_arg_value(jw *w, const pt2c_arg *a) {
    switch (a->kind) {
    case PT2C_ARG_NONE:
        raw(w, "true");
        return;
    case PT2C_ARG_TENSOR:
        w_tensor_arg(w, a->name);
        return;
    case PT2C_ARG_INT:
    case PT2C_ARG_SCALAR_TYPE:
    case PT2C_ARG_MEMORY_FORMAT:
    case PT2C_ARG_LAYOUT:
        jint(w, a->i);
        return;
    case PT2C_ARG_FLOAT:
        jfloat(w, a->f);
        return;
    case PT2C_ARG_STRING:
    case PT2C_ARG_OPERATOR:
        jstr_req(w, a->str, pt2c_arg_kind_key(a->kind));
        return;
    case PT2C_ARG_SYM_INT:
    case PT2C_ARG_SYM_FLOAT:
    case PT2C_ARG_SYM_BOOL:
        w_sym_arg(w, a);
        return;
    case PT2C_ARG_DEVICE:
        w_device(w, &a->device);
        return;
    case PT2C_ARG_BOOL:
        jbool(w, a->b);
        return;
    case PT2C_ARG_GRAPH:
        raw(w, "{\"name\": ");
        jstr_req(w, a->name, "GraphArgument.name");
        raw(w, ", \"graph\": ");
        if (a->graph)
            w_graph(w, a->graph);
        else
            bad(w, "export json: %s has no graph", "as_graph");
        raw(w, "}");
        return;
    case PT2C_ARG_CUSTOM_OBJ:
        w_custom_obj(w, a);
        return;
    case PT2C_ARG_OPTIONAL_TENSOR:
        w_optional_tensor(w, a);
        return;
    case PT2C_ARG_COMPLEX:
        raw(w, "{\"real\": ");
        jfloat(w, a->f);
        raw(w, ", \"imag\": ");
        jfloat(w, a->f_imag);
        raw(w, "}");
        return;
    case PT2C_ARG_STRING_TO_ARGUMENT: {
        raw(w, "{");
        bool first = true;
        for (int64_t i = 0; i < a->n_items; i++) {
            key(w, a->items[i].key ? a->items[i].key : "", &first);
            w_arg(w, &a->items[i]);
        }
        raw(w, "}");
        return;
    }
    case PT2C_ARG_TENSORS:
    case PT2C_ARG_INTS:
    case PT2C_ARG_FLOATS:
    case PT2C_ARG_STRINGS:
    case PT2C_ARG_SYM_INTS:
    case PT2C_ARG_SYM_FLOATS:
    case PT2C_ARG_SYM_BOOLS:
    case PT2C_ARG_BOOLS:
    case PT2C_ARG_OPTIONAL_TENSORS:
    case PT2C_ARG_NESTED_TENSORS:
    case PT2C_ARG_INT_LISTS:
    case PT2C_ARG_FLOAT_LISTS:
        raw(w, "[");
        for (int64_t i = 0; i < a->n_items; i++) {
            sep(w, i);
            w_item(w, a->kind, &a->items[i]);
        }
        raw(w, "]");
        return;
    case PT2C_ARG_KIND_COUNT:
        break;
    }
    bad(w, "export json: argument kind %s is unknown", "?");
    raw(w, "null");
}

static void w_arg(jw *w, const pt2c_arg *a) {
    if ((unsigned)a->kind >= PT2C_ARG_KIND_COUNT) {
        bad(w, "export json: %s", "argument kind out of range");
        raw(w, "null");
        return;
    }
    raw(w, "{");
    jstr(w, pt2c_arg_kind_key(a->kind));
    raw(w, ": ");
    w_arg_value(w, a);
    raw(w, "}");
}

static void w_arg_list(jw *w, const pt2c_arg *args, int64_t n) {
    raw(w, "[");
    for (int64_t i = 0; i < n; i++) {
        sep(w, i);
        w_arg(w, &args[i]);
    }
    raw(w, "]");
}

static void w_string_list(jw *w, const char *const *s, int64_t n) {
    raw(w, "[");
    for (int64_t i = 0; i < n; i++) {
        sep(w, i);
        jstr_req(w, s[i], "list item");
    }
    raw(w, "]");
}

static void w_kv_map(jw *w, const pt2c_kv *kv, int64_t n) {
    raw(w, "{");
    bool first = true;
    for (int64_t i = 0; i < n; i++) {
        key(w, kv[i].key ? kv[i].key : "", &first);
        jstr_req(w, kv[i].value, "metadata value");
    }
    raw(w, "}");
}

/* ---------------------------------------------------------------------------------------- */
/* Nodes and graphs                                                                         */

static void w_node(jw *w, const pt2c_node *nd) {
    raw(w, "{\"target\": ");
    jstr_req(w, nd->target, "Node.target");
    raw(w, ", \"inputs\": [");
    for (int32_t i = 0; i < nd->n_inputs; i++) {
        const pt2c_named_arg *na = &nd->inputs[i];
        sep(w, i);
        raw(w, "{\"name\": ");
        jstr(w, na->name ? na->name : "");
        raw(w, ", \"arg\": ");
        w_arg(w, &na->arg);
        raw(w, ", \"kind\": ");
        if (na->kind == PT2C_PASS_UNSPECIFIED)
            raw(w, "null");
        else
            jint(w, na->kind);
        raw(w, "}");
    }
    raw(w, "], \"outputs\": ");
    w_arg_list(w, nd->outputs, nd->n_outputs);
    raw(w, ", \"metadata\": ");
    w_kv_map(w, nd->metadata, nd->n_metadata);
    raw(w, ", \"is_hop_single_tensor_return\": ");
    raw(w, nd->is_hop_single_tensor_return < 0    ? "null"
           : nd->is_hop_single_tensor_return == 0 ? "false"
                                                  : "true");
    /* A name the reader derived stays implicit: torch derives its own the same way. */
    raw(w, ", \"name\": ");
    jstr(w, nd->has_name ? nd->name : NULL);
    raw(w, "}");
}

static void w_named_syms(jw *w, const pt2c_named_sym *s, int64_t n, sym_kind kind) {
    raw(w, "{");
    bool first = true;
    for (int64_t i = 0; i < n; i++) {
        key(w, s[i].name ? s[i].name : "", &first);
        w_sym(w, &s[i].value, kind);
    }
    raw(w, "}");
}

static void w_graph(jw *w, const pt2c_graph *g) {
    raw(w, "{\"inputs\": ");
    w_arg_list(w, g->inputs, g->n_inputs);
    raw(w, ", \"outputs\": ");
    w_arg_list(w, g->outputs, g->n_outputs);
    raw(w, ", \"nodes\": [");
    for (int64_t i = 0; i < g->n_nodes; i++) {
        sep(w, i);
        w_node(w, &g->nodes[i]);
    }
    raw(w, "], \"tensor_values\": {");
    bool first = true;
    for (int64_t i = 0; i < g->n_tensor_values; i++) {
        key(w, g->tensor_values[i].name ? g->tensor_values[i].name : "", &first);
        w_tensor_meta(w, &g->tensor_values[i].meta);
    }
    raw(w, "}, \"sym_int_values\": ");
    w_named_syms(w, g->sym_int_values, g->n_sym_int_values, SYM_INT);
    raw(w, ", \"sym_bool_values\": ");
    w_named_syms(w, g->sym_bool_values, g->n_sym_bool_values, SYM_BOOL);
    raw(w, ", \"is_single_tensor_return\": ");
    jbool(w, g->is_single_tensor_return);
    raw(w, ", \"custom_obj_values\": {");
    first = true;
    for (int64_t i = 0; i < g->n_custom_obj_values; i++) {
        const pt2c_named_custom_obj *o = &g->custom_obj_values[i];
        key(w, o->name ? o->name : "", &first);
        pt2c_arg a = {.kind = PT2C_ARG_CUSTOM_OBJ, .name = o->name, .str = o->class_fqn};
        w_custom_obj(w, &a);
    }
    raw(w, "}, \"sym_float_values\": ");
    w_named_syms(w, g->sym_float_values, g->n_sym_float_values, SYM_FLOAT);
    raw(w, "}");
}

/* ---------------------------------------------------------------------------------------- */
/* Signature                                                                                */

static void w_input_spec(jw *w, const pt2c_input_spec *s) {
    if ((unsigned)s->kind >= PT2C_INPUT_KIND_COUNT) {
        bad(w, "export json: %s", "input spec kind out of range");
        return;
    }
    raw(w, "{");
    jstr(w, pt2c_input_spec_key(s->kind));
    raw(w, ": {");
    switch (s->kind) {
    case PT2C_INPUT_USER_INPUT:
        raw(w, "\"arg\": ");
        w_arg(w, &s->arg);
        break;
    case PT2C_INPUT_PARAMETER:
    case PT2C_INPUT_BUFFER:
    case PT2C_INPUT_TENSOR_CONSTANT:
        raw(w, "\"arg\": ");
        w_tensor_arg(w, s->arg.name);
        raw(w, s->kind == PT2C_INPUT_PARAMETER ? ", \"parameter_name\": "
               : s->kind == PT2C_INPUT_BUFFER  ? ", \"buffer_name\": "
                                               : ", \"tensor_constant_name\": ");
        jstr_req(w, s->target, "input spec target");
        if (s->kind == PT2C_INPUT_BUFFER) {
            raw(w, ", \"persistent\": ");
            jbool(w, s->persistent);
        }
        break;
    case PT2C_INPUT_CUSTOM_OBJ:
        raw(w, "\"arg\": ");
        w_custom_obj(w, &s->arg);
        raw(w, ", \"custom_obj_name\": ");
        jstr_req(w, s->target, "custom_obj_name");
        break;
    case PT2C_INPUT_TOKEN:
        raw(w, "\"arg\": ");
        w_tensor_arg(w, s->arg.name);
        break;
    case PT2C_INPUT_CONSTANT_INPUT:
        raw(w, "\"name\": ");
        jstr_req(w, s->target, "constant_input name");
        raw(w, ", \"value\": ");
        if (s->arg.kind != PT2C_ARG_NONE && s->arg.kind != PT2C_ARG_INT &&
            s->arg.kind != PT2C_ARG_FLOAT && s->arg.kind != PT2C_ARG_STRING &&
            s->arg.kind != PT2C_ARG_BOOL)
            bad(w, "export json: constant input '%s' is not None/int/float/str/bool",
                s->target ? s->target : "");
        w_arg(w, &s->arg);
        break;
    case PT2C_INPUT_KIND_COUNT:
        break;
    }
    raw(w, "}}");
}

static void w_output_spec(jw *w, const pt2c_output_spec *s) {
    if ((unsigned)s->kind >= PT2C_OUTPUT_KIND_COUNT) {
        bad(w, "export json: %s", "output spec kind out of range");
        return;
    }
    raw(w, "{");
    jstr(w, pt2c_output_spec_key(s->kind));
    raw(w, ": {\"arg\": ");
    const char *target_key = pt2c_output_spec_target_key(s->kind);
    if (s->kind == PT2C_OUTPUT_USER_OUTPUT)
        w_arg(w, &s->arg);
    else
        w_tensor_arg(w, s->arg.name);
    if (target_key) {
        raw(w, ", ");
        jstr(w, target_key);
        raw(w, ": ");
        jstr_req(w, s->target, target_key);
    }
    raw(w, "}}");
}

/* ---------------------------------------------------------------------------------------- */
/* Graph module and program                                                                 */

static void w_graph_module(jw *w, const pt2c_graph_module *gm) {
    raw(w, "{\"graph\": ");
    w_graph(w, &gm->graph);
    raw(w, ", \"signature\": {\"input_specs\": [");
    for (int32_t i = 0; i < gm->signature.n_input_specs; i++) {
        sep(w, i);
        w_input_spec(w, &gm->signature.input_specs[i]);
    }
    raw(w, "], \"output_specs\": [");
    for (int32_t i = 0; i < gm->signature.n_output_specs; i++) {
        sep(w, i);
        w_output_spec(w, &gm->signature.output_specs[i]);
    }
    raw(w, "]}, \"module_call_graph\": [");
    for (int32_t i = 0; i < gm->n_module_call_graph; i++) {
        const pt2c_module_call_entry *e = &gm->module_call_graph[i];
        sep(w, i);
        raw(w, "{\"fqn\": ");
        jstr(w, e->fqn ? e->fqn : "");
        raw(w, ", \"signature\": ");
        const pt2c_module_call_signature *s = e->signature;
        if (!s) {
            raw(w, "null}");
            continue;
        }
        raw(w, "{\"inputs\": ");
        w_arg_list(w, s->inputs, s->n_inputs);
        raw(w, ", \"outputs\": ");
        w_arg_list(w, s->outputs, s->n_outputs);
        raw(w, ", \"in_spec\": ");
        jstr(w, s->in_spec ? s->in_spec : "");
        raw(w, ", \"out_spec\": ");
        jstr(w, s->out_spec ? s->out_spec : "");
        raw(w, ", \"forward_arg_names\": ");
        if (s->n_forward_arg_names < 0)
            raw(w, "null");
        else
            w_string_list(w, s->forward_arg_names, s->n_forward_arg_names);
        raw(w, "}}");
    }
    raw(w, "], \"metadata\": ");
    w_kv_map(w, gm->metadata, gm->n_metadata);
    raw(w, ", \"treespec_namedtuple_fields\": {");
    bool first = true;
    for (int32_t i = 0; i < gm->n_treespec_namedtuple_fields; i++) {
        const pt2c_named_tuple_def *d = &gm->treespec_namedtuple_fields[i];
        key(w, d->type_name ? d->type_name : "", &first);
        raw(w, "{\"field_names\": ");
        w_string_list(w, d->field_names, d->n_field_names);
        raw(w, "}");
    }
    raw(w, "}}");
}

static pt2c_status finish(jw *w) {
    if (w->st != PT2C_OK)
        return w->st;
    if (w->sb->failed)
        return pt2c_error_set(w->err, PT2C_ERR_NOMEM, "export json: out of memory");
    return PT2C_OK;
}

pt2c_status pt2c_export_json_write(const pt2c_exported_program *ep, pt2c_strbuf *out,
                                   pt2c_error *err) {
    jw w = {out, err, PT2C_OK};
    raw(&w, "{\"graph_module\": ");
    w_graph_module(&w, &ep->graph_module);
    raw(&w, ", \"opset_version\": {");
    bool first = true;
    for (int32_t i = 0; i < ep->n_opset_version; i++) {
        key(&w, ep->opset_version[i].ns ? ep->opset_version[i].ns : "", &first);
        jint(&w, ep->opset_version[i].version);
    }
    raw(&w, "}, \"range_constraints\": {");
    first = true;
    for (int32_t i = 0; i < ep->n_range_constraints; i++) {
        const pt2c_range_constraint *r = &ep->range_constraints[i];
        key(&w, r->symbol ? r->symbol : "", &first);
        raw(&w, "{\"min_val\": ");
        if (r->has_min)
            jint(&w, r->min_val);
        else
            raw(&w, "null");
        raw(&w, ", \"max_val\": ");
        if (r->has_max)
            jint(&w, r->max_val);
        else
            raw(&w, "null");
        raw(&w, "}");
    }
    pt2c_strbuf_printf(out, "}, \"schema_version\": {\"major\": %d, \"minor\": %d}",
                       PT2C_WRITE_SCHEMA_MAJOR, PT2C_WRITE_SCHEMA_MINOR);
    raw(&w, ", \"verifiers\": ");
    w_string_list(&w, ep->verifiers, ep->n_verifiers);
    raw(&w, ", \"torch_version\": ");
    jstr(&w, ep->torch_version ? ep->torch_version : "<=2.4");
    raw(&w, ", \"guards_code\": ");
    w_string_list(&w, ep->guards_code, ep->n_guards_code);
    raw(&w, "}");
    return finish(&w);
}

pt2c_status pt2c_export_json_write_payload_config(const pt2c_payload_meta *metas, int64_t n,
                                                  pt2c_strbuf *out, pt2c_error *err) {
    jw w = {out, err, PT2C_OK};
    raw(&w, "{\"config\": {");
    bool first = true;
    for (int64_t i = 0; i < n; i++) {
        const pt2c_payload_meta *m = &metas[i];
        key(&w, m->fqn ? m->fqn : "", &first);
        raw(&w, "{\"path_name\": ");
        jstr_req(&w, m->path_name, "PayloadMeta.path_name");
        raw(&w, ", \"is_param\": ");
        jbool(&w, m->is_param);
        raw(&w, ", \"use_pickle\": ");
        jbool(&w, m->use_pickle);
        raw(&w, ", \"tensor_meta\": ");
        if (m->has_tensor_meta)
            w_tensor_meta(&w, &m->tensor_meta);
        else
            raw(&w, "null");
        raw(&w, "}");
    }
    raw(&w, "}}");
    return finish(&w);
}
