/*
 * json_dump.c - JSON view: the whole program, machine readable.
 *
 * Arguments, signature specs and the module call graph use the torch.export schema's own
 * encoding ({"as_tensor": {"name": "x"}}, {"parameter": {"arg": {"name": ...},
 * "parameter_name": ...}}), so the dump can be the basis for writing a .pt2 back. Around
 * them, pt2c adds what it knows about the archive:
 *
 *     {"layout": "pt2", "path": ..., "archive_root": "model/", "model_name": "model",
 *      "schema_version": {"major": 8, "minor": 20}, "torch_version": "2.13.0",
 *      "verifiers": ["ATEN"], "opset_version": {"aten": 14},
 *      "range_constraints": {"s0": {"min_val": 2, "max_val": null}},
 *      "graph_module": {"graph": {...}, "signature": {...}, "module_call_graph": [...], ...},
 *      "state_dict": [{"name", "dtype", "shape", "strides", "storage_offset",
 *                      "storage_bytes", ...}],
 *      "constants": [...], "sample_inputs": [...] | null, "opaque_objects": [...],
 *      "extra_files": {...}}
 *
 * Tensor metadata in a graph is shortened to {"dtype": "f32", "sizes": [1, "s0"],
 * "strides": [...], "storage_offset": 0, "device": "cpu", ...}: a symbolic entry is its
 * expression text. int64 values are written exactly; non-finite floats, which JSON cannot
 * hold, as the strings "Infinity", "-Infinity" and "NaN". Strings are escaped and invalid
 * UTF-8 is replaced by U+FFFD so the output always parses.
 */
#include "views/views.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* A small JSON writer: tracks commas and indentation.                                      */

enum { JW_MAX_DEPTH = 1024 };

typedef struct jw {
    pt2c_strbuf *sb;
    int depth;                  /* open containers */
    bool first[JW_MAX_DEPTH];   /* nothing written yet in the container at that depth */
    bool inline_[JW_MAX_DEPTH]; /* container written on one line */
    bool after_key;             /* a key was written; the value follows directly */
    bool too_deep;              /* nesting exceeded JW_MAX_DEPTH */
} jw;

static void jw_newline(jw *w) {
    pt2c_strbuf_putc(w->sb, '\n');
    for (int i = 0; i < w->depth; i++)
        pt2c_strbuf_puts(w->sb, "  ");
}

/* Separator and indentation before a value or key. */
static void jw_pre(jw *w) {
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth == 0)
        return;
    if (!w->first[w->depth])
        pt2c_strbuf_putc(w->sb, ',');
    if (w->inline_[w->depth]) {
        if (!w->first[w->depth])
            pt2c_strbuf_putc(w->sb, ' ');
    } else {
        jw_newline(w);
    }
    w->first[w->depth] = false;
}

static void jw_open(jw *w, char c, bool on_one_line) {
    jw_pre(w);
    pt2c_strbuf_putc(w->sb, c);
    if (w->depth + 1 >= JW_MAX_DEPTH) {
        w->too_deep = true;
        return;
    }
    w->depth++;
    w->first[w->depth] = true;
    /* Children of a one-line container stay on that line. */
    w->inline_[w->depth] = on_one_line || w->inline_[w->depth - 1];
}

static void jw_close(jw *w, char c) {
    if (w->too_deep)
        return;
    bool empty = w->first[w->depth];
    bool was_inline = w->inline_[w->depth];
    w->depth--;
    if (!empty && !was_inline)
        jw_newline(w);
    pt2c_strbuf_putc(w->sb, c);
}

static void jw_obj(jw *w) { jw_open(w, '{', false); }
static void jw_obj_inline(jw *w) { jw_open(w, '{', true); }
static void jw_end_obj(jw *w) { jw_close(w, '}'); }
static void jw_arr(jw *w) { jw_open(w, '[', false); }
static void jw_arr_inline(jw *w) { jw_open(w, '[', true); }
static void jw_end_arr(jw *w) { jw_close(w, ']'); }

/* Length of a valid UTF-8 sequence at s (1-4), or 0 if the bytes are not valid UTF-8. */
static size_t jw_utf8_len(const unsigned char *s) {
    if (s[0] < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if ((s[0] & 0xe0) == 0xc0)
        n = 2, cp = s[0] & 0x1f;
    else if ((s[0] & 0xf0) == 0xe0)
        n = 3, cp = s[0] & 0x0f;
    else if ((s[0] & 0xf8) == 0xf0)
        n = 4, cp = s[0] & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static void jw_raw_string(pt2c_strbuf *sb, const char *s) {
    pt2c_strbuf_putc(sb, '"');
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            pt2c_strbuf_putc(sb, '\\');
            pt2c_strbuf_putc(sb, (char)c);
            p++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n':
                pt2c_strbuf_puts(sb, "\\n");
                break;
            case '\t':
                pt2c_strbuf_puts(sb, "\\t");
                break;
            case '\r':
                pt2c_strbuf_puts(sb, "\\r");
                break;
            default:
                pt2c_strbuf_printf(sb, "\\u%04x", (unsigned)c);
                break;
            }
            p++;
        } else if (c < 0x80) {
            pt2c_strbuf_putc(sb, (char)c);
            p++;
        } else {
            size_t n = jw_utf8_len(p);
            if (n == 0) {
                pt2c_strbuf_puts(sb, "\\ufffd");
                p++;
            } else {
                pt2c_strbuf_append(sb, (const char *)p, n);
                p += n;
            }
        }
    }
    pt2c_strbuf_putc(sb, '"');
}

static void jw_key(jw *w, const char *k) {
    jw_pre(w);
    jw_raw_string(w->sb, k ? k : "");
    pt2c_strbuf_puts(w->sb, ": ");
    w->after_key = true;
}

static void jw_str(jw *w, const char *s) {
    jw_pre(w);
    if (s)
        jw_raw_string(w->sb, s);
    else
        pt2c_strbuf_puts(w->sb, "null");
}

static void jw_null(jw *w) {
    jw_pre(w);
    pt2c_strbuf_puts(w->sb, "null");
}

static void jw_int(jw *w, int64_t v) {
    jw_pre(w);
    pt2c_strbuf_printf(w->sb, "%lld", (long long)v);
}

static void jw_uint(jw *w, uint64_t v) {
    jw_pre(w);
    pt2c_strbuf_printf(w->sb, "%llu", (unsigned long long)v);
}

static void jw_bool(jw *w, bool v) {
    jw_pre(w);
    pt2c_strbuf_puts(w->sb, v ? "true" : "false");
}

static void jw_double(jw *w, double v) {
    jw_pre(w);
    if (isnan(v)) {
        pt2c_strbuf_puts(w->sb, "\"NaN\"");
    } else if (isinf(v)) {
        pt2c_strbuf_puts(w->sb, v < 0 ? "\"-Infinity\"" : "\"Infinity\"");
    } else {
        char buf[40];
        pt2c_format_py_float(v, buf, sizeof buf); /* "1e-05", "2.0": valid JSON numbers */
        pt2c_strbuf_puts(w->sb, buf);
    }
}

/* Shorthands for members. */
static void jw_kstr(jw *w, const char *k, const char *v) {
    jw_key(w, k);
    jw_str(w, v);
}
static void jw_kint(jw *w, const char *k, int64_t v) {
    jw_key(w, k);
    jw_int(w, v);
}
static void jw_kbool(jw *w, const char *k, bool v) {
    jw_key(w, k);
    jw_bool(w, v);
}

/* ---------------------------------------------------------------------------------------- */
/* Schema pieces                                                                            */

typedef struct jd_ctx {
    jw w;
    const pt2c_program *prog;
    uint32_t max_depth; /* graph nesting allowed (limits.max_json_depth) */
    pt2c_error *err;
    pt2c_status status; /* first failure */
} jd_ctx;

static void jd_graph(jd_ctx *c, const pt2c_graph *g, uint32_t depth);

static const char *jd_arg_key(pt2c_arg_kind kind) {
    switch (kind) {
#define JD_ARG_CASE(name, key)                                                                     \
    case PT2C_ARG_##name:                                                                          \
        return key;
        PT2C_FORALL_ARG_KINDS(JD_ARG_CASE)
#undef JD_ARG_CASE
    default:
        return "as_unknown";
    }
}

static void jd_device(jw *w, const pt2c_device *d) {
    jw_obj_inline(w);
    jw_kstr(w, "type", d->type ? d->type : "cpu");
    jw_key(w, "index");
    if (d->index < 0)
        jw_null(w);
    else
        jw_int(w, d->index);
    jw_end_obj(w);
}

static void jd_tensor_name(jw *w, const char *name) {
    jw_obj_inline(w);
    jw_kstr(w, "name", name ? name : "");
    jw_end_obj(w);
}

/* SymIntArgument / SymFloatArgument / SymBoolArgument / OptionalTensorArgument item. */
static void jd_sym_item(jw *w, const pt2c_arg *a) {
    jw_obj_inline(w);
    if (a->name) {
        jw_kstr(w, "as_name", a->name);
    } else if (a->kind == PT2C_ARG_FLOAT || a->kind == PT2C_ARG_SYM_FLOAT) {
        jw_key(w, "as_float");
        jw_double(w, a->f);
    } else if (a->kind == PT2C_ARG_BOOL || a->kind == PT2C_ARG_SYM_BOOL) {
        jw_kbool(w, "as_bool", a->b);
    } else {
        jw_kint(w, "as_int", a->i);
    }
    jw_end_obj(w);
}

static void jd_optional_tensor(jw *w, const pt2c_arg *a) {
    jw_obj_inline(w);
    if (a->kind == PT2C_ARG_NONE || !a->name) {
        jw_kbool(w, "as_none", true);
    } else {
        jw_key(w, "as_tensor");
        jd_tensor_name(w, a->name);
    }
    jw_end_obj(w);
}

/* The payload of an Argument (what follows "as_xxx": ). */
static void jd_arg_value(jd_ctx *c, const pt2c_arg *a, uint32_t depth) {
    jw *w = &c->w;
    int64_t n = a->items ? a->n_items : 0;
    switch (a->kind) {
    case PT2C_ARG_NONE:
        jw_bool(w, true);
        break;
    case PT2C_ARG_TENSOR:
        jd_tensor_name(w, a->name);
        break;
    case PT2C_ARG_TENSORS:
        jw_arr_inline(w);
        for (int64_t i = 0; i < n; i++)
            jd_tensor_name(w, a->items[i].name);
        jw_end_arr(w);
        break;
    case PT2C_ARG_INT:
    case PT2C_ARG_SCALAR_TYPE:
    case PT2C_ARG_MEMORY_FORMAT:
    case PT2C_ARG_LAYOUT:
        jw_int(w, a->i);
        break;
    case PT2C_ARG_FLOAT:
        jw_double(w, a->f);
        break;
    case PT2C_ARG_STRING:
    case PT2C_ARG_OPERATOR:
        jw_str(w, a->str ? a->str : "");
        break;
    case PT2C_ARG_BOOL:
        jw_bool(w, a->b);
        break;
    case PT2C_ARG_SYM_INT:
    case PT2C_ARG_SYM_FLOAT:
    case PT2C_ARG_SYM_BOOL:
        jd_sym_item(w, a);
        break;
    case PT2C_ARG_INTS:
    case PT2C_ARG_FLOATS:
    case PT2C_ARG_STRINGS:
    case PT2C_ARG_BOOLS:
    case PT2C_ARG_INT_LISTS:
    case PT2C_ARG_FLOAT_LISTS:
        jw_arr_inline(w);
        for (int64_t i = 0; i < n; i++)
            jd_arg_value(c, &a->items[i], depth);
        jw_end_arr(w);
        break;
    case PT2C_ARG_SYM_INTS:
    case PT2C_ARG_SYM_FLOATS:
    case PT2C_ARG_SYM_BOOLS:
        jw_arr_inline(w);
        for (int64_t i = 0; i < n; i++)
            jd_sym_item(w, &a->items[i]);
        jw_end_arr(w);
        break;
    case PT2C_ARG_OPTIONAL_TENSORS:
        jw_arr_inline(w);
        for (int64_t i = 0; i < n; i++)
            jd_optional_tensor(w, &a->items[i]);
        jw_end_arr(w);
        break;
    case PT2C_ARG_OPTIONAL_TENSOR:
        jd_optional_tensor(w, a);
        break;
    case PT2C_ARG_NESTED_TENSORS:
        jw_arr_inline(w);
        for (int64_t i = 0; i < n; i++)
            jd_arg_value(c, &a->items[i], depth); /* items are TENSORS */
        jw_end_arr(w);
        break;
    case PT2C_ARG_DEVICE:
        jd_device(w, &a->device);
        break;
    case PT2C_ARG_CUSTOM_OBJ:
        jw_obj_inline(w);
        jw_kstr(w, "name", a->name ? a->name : "");
        jw_kstr(w, "class_fqn", a->str ? a->str : "");
        jw_end_obj(w);
        break;
    case PT2C_ARG_COMPLEX:
        jw_obj_inline(w);
        jw_key(w, "real");
        jw_double(w, a->f);
        jw_key(w, "imag");
        jw_double(w, a->f_imag);
        jw_end_obj(w);
        break;
    case PT2C_ARG_GRAPH:
        jw_obj(w);
        jw_kstr(w, "name", a->name ? a->name : "");
        jw_key(w, "graph");
        if (a->graph)
            jd_graph(c, a->graph, depth + 1);
        else
            jw_null(w);
        jw_end_obj(w);
        break;
    case PT2C_ARG_STRING_TO_ARGUMENT:
        jw_obj(w);
        for (int64_t i = 0; i < n; i++) {
            const pt2c_arg *item = &a->items[i];
            jw_key(w, item->key ? item->key : "");
            jw_obj_inline(w);
            jw_key(w, jd_arg_key(item->kind));
            jd_arg_value(c, item, depth);
            jw_end_obj(w);
        }
        jw_end_obj(w);
        break;
    default:
        jw_null(w);
        break;
    }
}

/* An Argument: {"as_xxx": payload}. */
static void jd_arg(jd_ctx *c, const pt2c_arg *a, uint32_t depth) {
    jw *w = &c->w;
    if (a->kind == PT2C_ARG_GRAPH || a->kind == PT2C_ARG_STRING_TO_ARGUMENT)
        jw_obj(w);
    else
        jw_obj_inline(w);
    jw_key(w, jd_arg_key(a->kind));
    jd_arg_value(c, a, depth);
    jw_end_obj(w);
}

/* A symbolic scalar: the literal, or the expression text. */
static void jd_sym_short(jw *w, const pt2c_sym *s, bool is_float, bool is_bool) {
    if (s->is_expr)
        jw_str(w, s->expr.expr_str ? s->expr.expr_str : "");
    else if (is_float)
        jw_double(w, s->f);
    else if (is_bool)
        jw_bool(w, s->i != 0);
    else
        jw_int(w, s->i);
}

/* A named sym value: the literal, or {"expr": ..., "hint": ...}. */
static void jd_sym_full(jw *w, const pt2c_sym *s, bool is_float, bool is_bool) {
    if (!s->is_expr) {
        jd_sym_short(w, s, is_float, is_bool);
        return;
    }
    jw_obj_inline(w);
    jw_kstr(w, "expr", s->expr.expr_str ? s->expr.expr_str : "");
    jw_key(w, "hint");
    switch (s->expr.hint_kind) {
    case PT2C_HINT_INT:
        jw_int(w, s->expr.hint_int);
        break;
    case PT2C_HINT_BOOL:
        jw_bool(w, s->expr.hint_int != 0);
        break;
    case PT2C_HINT_FLOAT:
        jw_double(w, s->expr.hint_float);
        break;
    default:
        jw_null(w);
        break;
    }
    jw_end_obj(w);
}

static void jd_tensor_meta(jw *w, const pt2c_tensor_meta *m) {
    jw_obj_inline(w);
    jw_kstr(w, "dtype", pt2c_dtype_abbr(m->dtype));
    jw_key(w, "sizes");
    jw_arr_inline(w);
    for (int32_t d = 0; m->sizes && d < m->rank; d++)
        jd_sym_short(w, &m->sizes[d], false, false);
    jw_end_arr(w);
    jw_key(w, "strides");
    jw_arr_inline(w);
    for (int32_t d = 0; m->strides && d < m->rank; d++)
        jd_sym_short(w, &m->strides[d], false, false);
    jw_end_arr(w);
    jw_key(w, "storage_offset");
    jd_sym_short(w, &m->storage_offset, false, false);
    jw_key(w, "device");
    jd_device(w, &m->device);
    jw_kbool(w, "requires_grad", m->requires_grad);
    jw_kint(w, "layout", m->layout);
    jw_end_obj(w);
}

static void jd_kvs(jw *w, const pt2c_kv *kv, int64_t n) {
    jw_obj(w);
    for (int64_t i = 0; kv && i < n; i++) {
        jw_key(w, kv[i].key);
        jw_str(w, kv[i].value ? kv[i].value : "");
    }
    jw_end_obj(w);
}

static void jd_node(jd_ctx *c, const pt2c_node *nd, uint32_t depth) {
    jw *w = &c->w;
    jw_obj(w);
    jw_kstr(w, "name", nd->name ? nd->name : "");
    jw_kstr(w, "target", nd->target ? nd->target : "");
    jw_key(w, "inputs");
    jw_arr(w);
    for (int32_t i = 0; nd->inputs && i < nd->n_inputs; i++) {
        const pt2c_named_arg *na = &nd->inputs[i];
        bool nested = na->arg.kind == PT2C_ARG_GRAPH || na->arg.kind == PT2C_ARG_STRING_TO_ARGUMENT;
        if (nested)
            jw_obj(w);
        else
            jw_obj_inline(w);
        jw_kstr(w, "name", na->name ? na->name : "");
        jw_key(w, "arg");
        jd_arg(c, &na->arg, depth);
        jw_key(w, "kind");
        if (na->kind == PT2C_PASS_UNSPECIFIED)
            jw_null(w);
        else
            jw_int(w, (int64_t)na->kind);
        jw_end_obj(w);
    }
    jw_end_arr(w);
    jw_key(w, "outputs");
    jw_arr(w);
    for (int32_t i = 0; nd->outputs && i < nd->n_outputs; i++)
        jd_arg(c, &nd->outputs[i], depth);
    jw_end_arr(w);
    jw_key(w, "metadata");
    jd_kvs(w, nd->metadata, nd->n_metadata);
    jw_key(w, "is_hop_single_tensor_return");
    if (nd->is_hop_single_tensor_return < 0)
        jw_null(w);
    else
        jw_bool(w, nd->is_hop_single_tensor_return != 0);
    jw_end_obj(w);
}

static void jd_named_syms(jw *w, const char *key, const pt2c_named_sym *v, int64_t n, bool is_float,
                          bool is_bool) {
    jw_key(w, key);
    jw_obj(w);
    for (int64_t i = 0; v && i < n; i++) {
        jw_key(w, v[i].name);
        jd_sym_full(w, &v[i].value, is_float, is_bool);
    }
    jw_end_obj(w);
}

static void jd_graph(jd_ctx *c, const pt2c_graph *g, uint32_t depth) {
    jw *w = &c->w;
    if (depth > c->max_depth) {
        if (c->status == PT2C_OK)
            c->status = pt2c_error_set(c->err, PT2C_ERR_LIMIT,
                                       "render: json: subgraphs nested deeper than %u",
                                       (unsigned)c->max_depth);
        jw_null(w);
        return;
    }
    jw_obj(w);
    jw_key(w, "inputs");
    jw_arr(w);
    for (int32_t i = 0; g->inputs && i < g->n_inputs; i++)
        jd_arg(c, &g->inputs[i], depth);
    jw_end_arr(w);
    jw_key(w, "outputs");
    jw_arr(w);
    for (int32_t i = 0; g->outputs && i < g->n_outputs; i++)
        jd_arg(c, &g->outputs[i], depth);
    jw_end_arr(w);
    jw_kint(w, "n_nodes", g->n_nodes);
    jw_key(w, "nodes");
    jw_arr(w);
    for (int64_t i = 0; g->nodes && i < g->n_nodes; i++)
        jd_node(c, &g->nodes[i], depth);
    jw_end_arr(w);
    jw_key(w, "tensor_values");
    jw_obj(w);
    for (int64_t i = 0; g->tensor_values && i < g->n_tensor_values; i++) {
        jw_key(w, g->tensor_values[i].name);
        jd_tensor_meta(w, &g->tensor_values[i].meta);
    }
    jw_end_obj(w);
    jd_named_syms(w, "sym_int_values", g->sym_int_values, g->n_sym_int_values, false, false);
    jd_named_syms(w, "sym_bool_values", g->sym_bool_values, g->n_sym_bool_values, false, true);
    jd_named_syms(w, "sym_float_values", g->sym_float_values, g->n_sym_float_values, true, false);
    jw_key(w, "custom_obj_values");
    jw_obj(w);
    for (int64_t i = 0; g->custom_obj_values && i < g->n_custom_obj_values; i++) {
        jw_key(w, g->custom_obj_values[i].name);
        jw_obj_inline(w);
        jw_kstr(w, "name", g->custom_obj_values[i].name);
        jw_kstr(w, "class_fqn", g->custom_obj_values[i].class_fqn);
        jw_end_obj(w);
    }
    jw_end_obj(w);
    jw_kbool(w, "is_single_tensor_return", g->is_single_tensor_return);
    jw_end_obj(w);
}

/* The spec's argument as the schema stores it: specs other than user_input/user_output
 * hold a bare TensorArgument / TokenArgument / CustomObjArgument. */
static void jd_spec_arg(jd_ctx *c, const pt2c_arg *a, bool full_argument) {
    if (full_argument) {
        jd_arg(c, a, 0);
        return;
    }
    jw *w = &c->w;
    if (a->kind == PT2C_ARG_CUSTOM_OBJ) {
        jd_arg_value(c, a, 0);
        return;
    }
    jd_tensor_name(w, a->name);
}

static const char *jd_input_key(pt2c_input_spec_kind kind) {
    switch (kind) {
#define JD_INPUT_CASE(name, key, py)                                                               \
    case PT2C_INPUT_##name:                                                                        \
        return key;
        PT2C_FORALL_INPUT_SPEC_KINDS(JD_INPUT_CASE)
#undef JD_INPUT_CASE
    default:
        return "unknown";
    }
}

static const char *jd_output_key(pt2c_output_spec_kind kind) {
    switch (kind) {
#define JD_OUTPUT_CASE(name, key, py)                                                              \
    case PT2C_OUTPUT_##name:                                                                       \
        return key;
        PT2C_FORALL_OUTPUT_SPEC_KINDS(JD_OUTPUT_CASE)
#undef JD_OUTPUT_CASE
    default:
        return "unknown";
    }
}

static void jd_input_spec(jd_ctx *c, const pt2c_input_spec *s) {
    jw *w = &c->w;
    jw_obj_inline(w);
    jw_key(w, jd_input_key(s->kind));
    jw_obj_inline(w);
    switch (s->kind) {
    case PT2C_INPUT_CONSTANT_INPUT:
        /* InputToConstantInputSpec {name, value: ConstantValue} */
        jw_kstr(w, "name", s->target ? s->target : "");
        jw_key(w, "value");
        jd_arg(c, &s->arg, 0);
        break;
    case PT2C_INPUT_USER_INPUT:
        jw_key(w, "arg");
        jd_spec_arg(c, &s->arg, true);
        break;
    default:
        jw_key(w, "arg");
        jd_spec_arg(c, &s->arg, false);
        break;
    }
    switch (s->kind) {
    case PT2C_INPUT_PARAMETER:
        jw_kstr(w, "parameter_name", s->target);
        break;
    case PT2C_INPUT_BUFFER:
        jw_kstr(w, "buffer_name", s->target);
        jw_kbool(w, "persistent", s->persistent);
        break;
    case PT2C_INPUT_TENSOR_CONSTANT:
        jw_kstr(w, "tensor_constant_name", s->target);
        break;
    case PT2C_INPUT_CUSTOM_OBJ:
        jw_kstr(w, "custom_obj_name", s->target);
        break;
    default:
        break;
    }
    jw_end_obj(w);
    jw_end_obj(w);
}

static void jd_output_spec(jd_ctx *c, const pt2c_output_spec *s) {
    jw *w = &c->w;
    jw_obj_inline(w);
    jw_key(w, jd_output_key(s->kind));
    jw_obj_inline(w);
    jw_key(w, "arg");
    jd_spec_arg(c, &s->arg, s->kind == PT2C_OUTPUT_USER_OUTPUT);
    switch (s->kind) {
    case PT2C_OUTPUT_BUFFER_MUTATION:
        jw_kstr(w, "buffer_name", s->target);
        break;
    case PT2C_OUTPUT_PARAMETER_MUTATION:
    case PT2C_OUTPUT_GRADIENT_TO_PARAMETER:
        jw_kstr(w, "parameter_name", s->target);
        break;
    case PT2C_OUTPUT_GRADIENT_TO_USER_INPUT:
    case PT2C_OUTPUT_USER_INPUT_MUTATION:
        jw_kstr(w, "user_input_name", s->target);
        break;
    default:
        break;
    }
    jw_end_obj(w);
    jw_end_obj(w);
}

static void jd_module_call_graph(jd_ctx *c, const pt2c_graph_module *gm) {
    jw *w = &c->w;
    jw_arr(w);
    for (int32_t i = 0; gm->module_call_graph && i < gm->n_module_call_graph; i++) {
        const pt2c_module_call_entry *e = &gm->module_call_graph[i];
        jw_obj(w);
        jw_kstr(w, "fqn", e->fqn ? e->fqn : "");
        jw_key(w, "signature");
        const pt2c_module_call_signature *s = e->signature;
        if (!s) {
            jw_null(w);
        } else {
            jw_obj(w);
            jw_key(w, "inputs");
            jw_arr(w);
            for (int32_t k = 0; s->inputs && k < s->n_inputs; k++)
                jd_arg(c, &s->inputs[k], 0);
            jw_end_arr(w);
            jw_key(w, "outputs");
            jw_arr(w);
            for (int32_t k = 0; s->outputs && k < s->n_outputs; k++)
                jd_arg(c, &s->outputs[k], 0);
            jw_end_arr(w);
            jw_kstr(w, "in_spec", s->in_spec);
            jw_kstr(w, "out_spec", s->out_spec);
            jw_key(w, "forward_arg_names");
            if (s->n_forward_arg_names < 0 || !s->forward_arg_names) {
                jw_null(w);
            } else {
                jw_arr_inline(w);
                for (int32_t k = 0; k < s->n_forward_arg_names; k++)
                    jw_str(w, s->forward_arg_names[k]);
                jw_end_arr(w);
            }
            jw_end_obj(w);
        }
        jw_end_obj(w);
    }
    jw_end_arr(w);
}

static void jd_tensor_table(jw *w, const pt2c_tensor_data *ts, int64_t n) {
    jw_arr(w);
    for (int64_t i = 0; ts && i < n; i++) {
        const pt2c_tensor_data *t = &ts[i];
        jw_obj_inline(w);
        jw_kstr(w, "name", t->name ? t->name : "");
        jw_kstr(w, "dtype", pt2c_dtype_abbr(t->dtype));
        jw_key(w, "shape");
        jw_arr_inline(w);
        for (int32_t d = 0; t->sizes && d < t->rank; d++)
            jw_int(w, t->sizes[d]);
        jw_end_arr(w);
        jw_key(w, "strides");
        jw_arr_inline(w);
        for (int32_t d = 0; t->strides && d < t->rank; d++)
            jw_int(w, t->strides[d]);
        jw_end_arr(w);
        jw_kint(w, "storage_offset", t->storage_offset);
        jw_key(w, "storage_bytes");
        jw_uint(w, t->storage_bytes);
        jw_kbool(w, "is_param", t->is_param);
        jw_kbool(w, "requires_grad", t->requires_grad);
        jw_kstr(w, "path_name", t->path_name);
        jw_end_obj(w);
    }
    jw_end_arr(w);
}

static const char *jd_layout_name(pt2c_archive_layout layout) {
    switch (layout) {
    case PT2C_LAYOUT_PT2:
        return "pt2";
    case PT2C_LAYOUT_PT2_PICKLED:
        return "pt2_pickled";
    case PT2C_LAYOUT_LEGACY:
        return "legacy";
    }
    return "unknown";
}

pt2c_status pt2c_view_json(const pt2c_program *prog, pt2c_strbuf *sb, pt2c_error *err) {
    PT2C_CHECK(prog && sb, err, PT2C_ERR_ARG, "render: json: program and buffer required");
    /* The writer state is large (two flags per nesting level); keep it off the stack. */
    jd_ctx *c = pt2c_alloc(sb->allocator, sizeof *c);
    PT2C_CHECK(c, err, PT2C_ERR_NOMEM, "render: json: out of memory");
    memset(c, 0, sizeof *c);
    c->w.sb = sb;
    c->prog = prog;
    c->err = err;
    /* prog->limits is resolved at open; a zero (hand-built program) means the default. */
    c->max_depth = prog->limits.max_json_depth ? prog->limits.max_json_depth : 256;
    jw *w = &c->w;
    const pt2c_exported_program *ep = &prog->ep;
    const pt2c_graph_module *gm = &ep->graph_module;

    jw_obj(w);
    jw_kstr(w, "layout", jd_layout_name(prog->layout));
    jw_kstr(w, "path", prog->path);
    jw_kstr(w, "archive_root", prog->archive_root);
    jw_kstr(w, "archive_version", prog->archive_version);
    jw_kstr(w, "model_name", prog->model_name);
    jw_kstr(w, "model_entry", prog->model_entry);
    jw_kstr(w, "byteorder", prog->byteorder);
    jw_key(w, "schema_version");
    jw_obj_inline(w);
    jw_kint(w, "major", ep->schema_major);
    jw_kint(w, "minor", ep->schema_minor);
    jw_end_obj(w);
    jw_kstr(w, "torch_version", ep->torch_version);
    jw_key(w, "verifiers");
    jw_arr_inline(w);
    for (int32_t i = 0; ep->verifiers && i < ep->n_verifiers; i++)
        jw_str(w, ep->verifiers[i]);
    jw_end_arr(w);
    jw_key(w, "opset_version");
    jw_obj_inline(w);
    for (int32_t i = 0; ep->opset_version && i < ep->n_opset_version; i++)
        jw_kint(w, ep->opset_version[i].ns ? ep->opset_version[i].ns : "",
                ep->opset_version[i].version);
    jw_end_obj(w);
    jw_key(w, "range_constraints");
    jw_obj(w);
    for (int32_t i = 0; ep->range_constraints && i < ep->n_range_constraints; i++) {
        const pt2c_range_constraint *r = &ep->range_constraints[i];
        jw_key(w, r->symbol);
        jw_obj_inline(w);
        jw_key(w, "min_val");
        if (r->has_min)
            jw_int(w, r->min_val);
        else
            jw_null(w);
        jw_key(w, "max_val");
        if (r->has_max)
            jw_int(w, r->max_val);
        else
            jw_null(w);
        jw_end_obj(w);
    }
    jw_end_obj(w);
    jw_key(w, "guards_code");
    jw_arr(w);
    for (int32_t i = 0; ep->guards_code && i < ep->n_guards_code; i++)
        jw_str(w, ep->guards_code[i]);
    jw_end_arr(w);

    jw_key(w, "graph_module");
    jw_obj(w);
    jw_key(w, "graph");
    jd_graph(c, &gm->graph, 0);
    jw_key(w, "signature");
    jw_obj(w);
    jw_key(w, "input_specs");
    jw_arr(w);
    for (int32_t i = 0; gm->signature.input_specs && i < gm->signature.n_input_specs; i++)
        jd_input_spec(c, &gm->signature.input_specs[i]);
    jw_end_arr(w);
    jw_key(w, "output_specs");
    jw_arr(w);
    for (int32_t i = 0; gm->signature.output_specs && i < gm->signature.n_output_specs; i++)
        jd_output_spec(c, &gm->signature.output_specs[i]);
    jw_end_arr(w);
    jw_end_obj(w);
    jw_key(w, "module_call_graph");
    jd_module_call_graph(c, gm);
    jw_key(w, "metadata");
    jd_kvs(w, gm->metadata, gm->n_metadata);
    jw_key(w, "treespec_namedtuple_fields");
    jw_obj(w);
    for (int32_t i = 0; gm->treespec_namedtuple_fields && i < gm->n_treespec_namedtuple_fields;
         i++) {
        const pt2c_named_tuple_def *d = &gm->treespec_namedtuple_fields[i];
        jw_key(w, d->type_name);
        jw_obj_inline(w);
        jw_key(w, "field_names");
        jw_arr_inline(w);
        for (int32_t k = 0; d->field_names && k < d->n_field_names; k++)
            jw_str(w, d->field_names[k]);
        jw_end_arr(w);
        jw_end_obj(w);
    }
    jw_end_obj(w);
    jw_end_obj(w);

    jw_key(w, "state_dict");
    jd_tensor_table(w, prog->state_dict, prog->n_state_dict);
    jw_key(w, "constants");
    jd_tensor_table(w, prog->constants, prog->n_constants);
    jw_key(w, "sample_inputs");
    if (prog->has_sample_inputs)
        jd_tensor_table(w, prog->sample_inputs, prog->n_sample_inputs);
    else
        jw_null(w);
    jw_key(w, "opaque_objects");
    jw_arr(w);
    for (int64_t i = 0; prog->opaque && i < prog->n_opaque; i++) {
        const pt2c_opaque_object *o = &prog->opaque[i];
        jw_obj_inline(w);
        jw_kstr(w, "name", o->name);
        jw_kstr(w, "path_name", o->path_name);
        jw_key(w, "bytes");
        jw_uint(w, o->n_bytes);
        jw_kstr(w, "why", o->why);
        jw_end_obj(w);
    }
    jw_end_arr(w);
    jw_key(w, "extra_files");
    jd_kvs(w, prog->extra_files, prog->n_extra_files);
    jw_end_obj(w);
    pt2c_strbuf_putc(sb, '\n');

    pt2c_status st = c->status;
    if (st == PT2C_OK && w->too_deep)
        st = pt2c_error_set(err, PT2C_ERR_LIMIT, "render: json: nesting deeper than %d",
                            JW_MAX_DEPTH);
    pt2c_dealloc(sb->allocator, c, sizeof *c);
    return st;
}
