/*
 * export_json.c - Export IR JSON (torch.export schema 7.x/8.x/9.x) -> pt2c_exported_program.
 *
 * One recursive-descent walk over the json-c tree. A ctx carries the arena, the limits and
 * the current JSON path (for error messages); every reader takes a possibly-NULL
 * json_object (missing and null are the same: the default).
 */
#include "format/export_json.h"

#include <json-c/json.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct ctx {
    pt2c_arena *arena;
    const pt2c_limits *limits;
    const char *where;
    pt2c_error *err;
    char path[512];
    size_t path_len;
    uint64_t n_nodes; /* over all graphs, checked against limits->max_nodes */
    uint32_t depth;   /* subgraph nesting */
} ctx;

/* ---------------------------------------------------------------------------------------- */
/* Path and errors                                                                          */

/* Append ".key" or "[i]" to the path; returns the old length to restore with pop. */
static size_t push_key(ctx *c, const char *key) {
    size_t old = c->path_len;
    int n = snprintf(c->path + old, sizeof c->path - old, "%s%s", old ? "." : "", key);
    if (n > 0)
        c->path_len = old + (size_t)n < sizeof c->path ? old + (size_t)n : sizeof c->path - 1;
    return old;
}

static size_t push_index(ctx *c, size_t i) {
    size_t old = c->path_len;
    int n = snprintf(c->path + old, sizeof c->path - old, "[%zu]", i);
    if (n > 0)
        c->path_len = old + (size_t)n < sizeof c->path ? old + (size_t)n : sizeof c->path - 1;
    return old;
}

static void pop(ctx *c, size_t old) {
    c->path_len = old;
    c->path[old] = '\0';
}

static pt2c_status fail(ctx *c, pt2c_status code, const char *fmt, ...) PT2C_PRINTF(3, 4);
static pt2c_status fail(ctx *c, pt2c_status code, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pt2c_error_set(c->err, code, "json: %s: %s: %s", c->where,
                          c->path_len ? c->path : "(root)", msg);
}

static pt2c_status nomem(ctx *c) { return fail(c, PT2C_ERR_NOMEM, "out of memory"); }

static const char *type_name(const json_object *o) {
    return o ? json_type_to_name(json_object_get_type(o)) : "null";
}

static bool is_null(const json_object *o) { return o == NULL; }

/* Field lookup: missing and null both give NULL. */
static json_object *field(json_object *obj, const char *key) {
    json_object *v = NULL;
    if (obj && json_object_is_type(obj, json_type_object) &&
        json_object_object_get_ex(obj, key, &v))
        return v;
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Scalars                                                                                  */

static pt2c_status want_object(ctx *c, json_object *o, const char *what) {
    if (!json_object_is_type(o, json_type_object))
        return fail(c, PT2C_ERR_SCHEMA, "expected %s object, found %s", what, type_name(o));
    return PT2C_OK;
}

static pt2c_status read_string(ctx *c, json_object *o, const char *key, const char *dflt,
                               const char **out) {
    size_t old = push_key(c, key);
    json_object *v = field(o, key);
    if (is_null(v)) {
        *out = dflt;
    } else if (!json_object_is_type(v, json_type_string)) {
        return fail(c, PT2C_ERR_SCHEMA, "expected string, found %s", type_name(v));
    } else {
        *out = pt2c_arena_strndup(c->arena, json_object_get_string(v),
                                  (size_t)json_object_get_string_len(v));
        if (!*out)
            return nomem(c);
    }
    pop(c, old);
    return PT2C_OK;
}

/* Value-level readers (path already points at v). */
static pt2c_status val_int(ctx *c, json_object *v, int64_t *out) {
    if (is_null(v)) {
        *out = 0;
        return PT2C_OK;
    }
    if (!json_object_is_type(v, json_type_int))
        return fail(c, PT2C_ERR_SCHEMA, "expected int, found %s", type_name(v));
    /* json-c stores integers above INT64_MAX as uint64; those are not int64. */
    int64_t i = json_object_get_int64(v);
    if (i == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX)
        return fail(c, PT2C_ERR_SCHEMA, "integer out of int64 range");
    *out = i;
    return PT2C_OK;
}

static pt2c_status val_bool(ctx *c, json_object *v, bool *out) {
    if (is_null(v)) {
        *out = false;
        return PT2C_OK;
    }
    if (!json_object_is_type(v, json_type_boolean))
        return fail(c, PT2C_ERR_SCHEMA, "expected bool, found %s", type_name(v));
    *out = json_object_get_boolean(v) != 0;
    return PT2C_OK;
}

static pt2c_status val_float(ctx *c, json_object *v, double *out) {
    if (is_null(v)) {
        *out = 0.0;
        return PT2C_OK;
    }
    if (json_object_is_type(v, json_type_double)) {
        *out = json_object_get_double(v);
    } else if (json_object_is_type(v, json_type_int)) {
        int64_t i;
        PT2C_TRY(val_int(c, v, &i));
        *out = (double)i;
    } else if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        if (strcmp(s, "Infinity") == 0)
            *out = (double)INFINITY;
        else if (strcmp(s, "-Infinity") == 0)
            *out = -(double)INFINITY;
        else if (strcmp(s, "NaN") == 0)
            *out = (double)NAN;
        else
            return fail(c, PT2C_ERR_SCHEMA, "expected float, found string '%s'", s);
    } else {
        return fail(c, PT2C_ERR_SCHEMA, "expected float, found %s", type_name(v));
    }
    return PT2C_OK;
}

static pt2c_status val_string(ctx *c, json_object *v, const char **out) {
    if (is_null(v)) {
        *out = "";
        return PT2C_OK;
    }
    if (!json_object_is_type(v, json_type_string))
        return fail(c, PT2C_ERR_SCHEMA, "expected string, found %s", type_name(v));
    *out = pt2c_arena_strndup(c->arena, json_object_get_string(v),
                              (size_t)json_object_get_string_len(v));
    return *out ? PT2C_OK : nomem(c);
}

/* Keyed readers: push the key, read, pop. */
#define KEYED(fn, T)                                                                               \
    static pt2c_status fn##_at(ctx *c, json_object *o, const char *key, T *out) {                  \
        size_t old = push_key(c, key);                                                             \
        PT2C_TRY(fn(c, field(o, key), out));                                                       \
        pop(c, old);                                                                               \
        return PT2C_OK;                                                                            \
    }
KEYED(val_int, int64_t)
KEYED(val_bool, bool)
KEYED(val_float, double)

/* A list: checks the type, returns the length (0 for null). */
static pt2c_status val_list(ctx *c, json_object *v, size_t *n) {
    *n = 0;
    if (is_null(v))
        return PT2C_OK;
    if (!json_object_is_type(v, json_type_array))
        return fail(c, PT2C_ERR_SCHEMA, "expected list, found %s", type_name(v));
    *n = json_object_array_length(v);
    return PT2C_OK;
}

/* A map: checks the type, returns the number of keys (0 for null). */
static pt2c_status val_map(ctx *c, json_object *v, size_t *n) {
    *n = 0;
    if (is_null(v))
        return PT2C_OK;
    if (!json_object_is_type(v, json_type_object))
        return fail(c, PT2C_ERR_SCHEMA, "expected object, found %s", type_name(v));
    *n = (size_t)json_object_object_length(v);
    return PT2C_OK;
}

static pt2c_status check_count(ctx *c, size_t n) {
    if (n > INT32_MAX)
        return fail(c, PT2C_ERR_LIMIT, "%zu entries, at most %d allowed", n, INT32_MAX);
    return PT2C_OK;
}

#define ALLOC_ARRAY(c, ptr, n)                                                                     \
    do {                                                                                           \
        (ptr) = NULL;                                                                              \
        if ((n) > 0) {                                                                             \
            (ptr) = pt2c_arena_array((c)->arena, (n), sizeof *(ptr), 16);                          \
            if (!(ptr))                                                                            \
                return nomem(c);                                                                   \
        }                                                                                          \
    } while (0)

/* A union object: exactly one key. Returns the key and the value. */
static pt2c_status val_union(ctx *c, json_object *v, const char *what, const char **key,
                             json_object **value) {
    PT2C_TRY(want_object(c, v, what));
    if (json_object_object_length(v) != 1)
        return fail(c, PT2C_ERR_SCHEMA, "%s union must have exactly one member, found %d", what,
                    json_object_object_length(v));
    json_object_object_foreach(v, k, val) {
        *key = k;
        *value = val;
    }
    return PT2C_OK;
}

static pt2c_status string_list_at(ctx *c, json_object *o, const char *key, const char ***out,
                                  int32_t *n_out) {
    size_t old = push_key(c, key), n;
    json_object *v = field(o, key);
    PT2C_TRY(val_list(c, v, &n));
    PT2C_TRY(check_count(c, n));
    ALLOC_ARRAY(c, *out, n);
    for (size_t i = 0; i < n; i++) {
        size_t o2 = push_index(c, i);
        PT2C_TRY(val_string(c, json_object_array_get_idx(v, i), &(*out)[i]));
        pop(c, o2);
    }
    *n_out = (int32_t)n;
    pop(c, old);
    return PT2C_OK;
}

static pt2c_status kv_map_at(ctx *c, json_object *o, const char *key, pt2c_kv **out,
                             int32_t *n_out) {
    size_t old = push_key(c, key), n, i = 0;
    json_object *v = field(o, key);
    PT2C_TRY(val_map(c, v, &n));
    PT2C_TRY(check_count(c, n));
    ALLOC_ARRAY(c, *out, n);
    if (n) {
        json_object_object_foreach(v, k, val) {
            size_t o2 = push_key(c, k);
            (*out)[i].key = pt2c_arena_strdup(c->arena, k);
            if (!(*out)[i].key)
                return nomem(c);
            PT2C_TRY(val_string(c, val, &(*out)[i].value));
            pop(c, o2);
            i++;
        }
    }
    *n_out = (int32_t)n;
    pop(c, old);
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Symbolic values and tensor metadata                                                      */

static pt2c_status val_sym_expr(ctx *c, json_object *v, pt2c_sym_expr *out) {
    memset(out, 0, sizeof *out);
    if (is_null(v))
        return fail(c, PT2C_ERR_SCHEMA, "expected SymExpr object, found null");
    PT2C_TRY(want_object(c, v, "SymExpr"));
    PT2C_TRY(read_string(c, v, "expr_str", "", &out->expr_str));
    size_t old = push_key(c, "hint");
    json_object *h = field(v, "hint");
    if (!is_null(h)) {
        const char *k;
        json_object *hv;
        PT2C_TRY(val_union(c, h, "SymExprHint", &k, &hv));
        size_t o2 = push_key(c, k);
        if (strcmp(k, "as_int") == 0) {
            out->hint_kind = PT2C_HINT_INT;
            PT2C_TRY(val_int(c, hv, &out->hint_int));
        } else if (strcmp(k, "as_bool") == 0) {
            bool b = false;
            out->hint_kind = PT2C_HINT_BOOL;
            PT2C_TRY(val_bool(c, hv, &b));
            out->hint_int = b;
        } else if (strcmp(k, "as_float") == 0) {
            out->hint_kind = PT2C_HINT_FLOAT;
            PT2C_TRY(val_float(c, hv, &out->hint_float));
        } else {
            pop(c, o2);
            return fail(c, PT2C_ERR_SCHEMA, "unknown SymExprHint member '%s'", k);
        }
        pop(c, o2);
    }
    pop(c, old);
    return PT2C_OK;
}

/* SymInt / SymBool / SymFloat: {as_expr} or the literal member named lit. */
static pt2c_status val_sym(ctx *c, json_object *v, const char *what, const char *lit,
                           pt2c_sym *out) {
    memset(out, 0, sizeof *out);
    if (is_null(v))
        return PT2C_OK;
    const char *k = NULL;
    json_object *mv = NULL;
    PT2C_TRY(val_union(c, v, what, &k, &mv));
    size_t old = push_key(c, k);
    if (strcmp(k, "as_expr") == 0) {
        out->is_expr = true;
        PT2C_TRY(val_sym_expr(c, mv, &out->expr));
    } else if (strcmp(k, lit) == 0) {
        if (strcmp(lit, "as_int") == 0) {
            PT2C_TRY(val_int(c, mv, &out->i));
        } else if (strcmp(lit, "as_bool") == 0) {
            bool b = false;
            PT2C_TRY(val_bool(c, mv, &b));
            out->i = b;
        } else {
            PT2C_TRY(val_float(c, mv, &out->f));
        }
    } else {
        pop(c, old);
        return fail(c, PT2C_ERR_SCHEMA, "unknown %s member '%s'", what, k);
    }
    pop(c, old);
    return PT2C_OK;
}

static pt2c_status val_device(ctx *c, json_object *v, pt2c_device *out) {
    out->type = "cpu";
    out->index = -1;
    if (is_null(v))
        return PT2C_OK;
    PT2C_TRY(want_object(c, v, "Device"));
    PT2C_TRY(read_string(c, v, "type", "cpu", &out->type));
    if (!is_null(field(v, "index")))
        PT2C_TRY(val_int_at(c, v, "index", &out->index));
    return PT2C_OK;
}

static pt2c_status sym_list_at(ctx *c, json_object *o, const char *key, pt2c_sym **out,
                               int32_t *rank) {
    size_t old = push_key(c, key), n;
    json_object *v = field(o, key);
    PT2C_TRY(val_list(c, v, &n));
    if (n > c->limits->max_rank)
        return fail(c, PT2C_ERR_LIMIT, "rank %zu exceeds max_rank %u", n, c->limits->max_rank);
    ALLOC_ARRAY(c, *out, n);
    for (size_t i = 0; i < n; i++) {
        size_t o2 = push_index(c, i);
        PT2C_TRY(val_sym(c, json_object_array_get_idx(v, i), "SymInt", "as_int", &(*out)[i]));
        pop(c, o2);
    }
    *rank = (int32_t)n;
    pop(c, old);
    return PT2C_OK;
}

static pt2c_status val_tensor_meta(ctx *c, json_object *v, pt2c_tensor_meta *out) {
    memset(out, 0, sizeof *out);
    out->layout = 7;
    out->device.type = "cpu";
    out->device.index = -1;
    if (is_null(v))
        return PT2C_OK;
    PT2C_TRY(want_object(c, v, "TensorMeta"));
    int64_t dt;
    PT2C_TRY(val_int_at(c, v, "dtype", &dt));
    if (dt != 0 && (dt < INT32_MIN || dt > INT32_MAX || !pt2c_dtype_valid((int)dt))) {
        push_key(c, "dtype");
        return fail(c, PT2C_ERR_SCHEMA, "unknown ScalarType %lld", (long long)dt);
    }
    out->dtype = (pt2c_dtype)dt;
    int32_t rs = 0, rt = 0;
    PT2C_TRY(sym_list_at(c, v, "sizes", &out->sizes, &rs));
    PT2C_TRY(sym_list_at(c, v, "strides", &out->strides, &rt));
    if (rs != rt && rt != 0)
        return fail(c, PT2C_ERR_SCHEMA, "sizes has %d entries but strides has %d", rs, rt);
    if (rt == 0 && rs > 0) {
        ALLOC_ARRAY(c, out->strides, (size_t)rs);
    }
    out->rank = rs;
    size_t old = push_key(c, "storage_offset");
    PT2C_TRY(val_sym(c, field(v, "storage_offset"), "SymInt", "as_int", &out->storage_offset));
    pop(c, old);
    PT2C_TRY(val_bool_at(c, v, "requires_grad", &out->requires_grad));
    old = push_key(c, "device");
    PT2C_TRY(val_device(c, field(v, "device"), &out->device));
    pop(c, old);
    if (!is_null(field(v, "layout"))) {
        int64_t l;
        PT2C_TRY(val_int_at(c, v, "layout", &l));
        out->layout = (int32_t)l;
    }
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Arguments                                                                                */

static pt2c_status val_graph(ctx *c, json_object *v, pt2c_graph *g);

/* TensorArgument / TokenArgument: {name}. */
static pt2c_status val_named(ctx *c, json_object *v, const char *what, const char **name) {
    if (is_null(v))
        return fail(c, PT2C_ERR_SCHEMA, "expected %s object, found null", what);
    PT2C_TRY(want_object(c, v, what));
    return read_string(c, v, "name", "", name);
}

/* SymIntArgument / SymFloatArgument / SymBoolArgument: {as_name} or a literal. */
static pt2c_status val_sym_arg(ctx *c, json_object *v, pt2c_arg_kind kind, pt2c_arg *out) {
    const char *what = kind == PT2C_ARG_SYM_INT     ? "SymIntArgument"
                       : kind == PT2C_ARG_SYM_FLOAT ? "SymFloatArgument"
                                                    : "SymBoolArgument";
    const char *k = NULL;
    json_object *mv = NULL;
    PT2C_TRY(val_union(c, v, what, &k, &mv));
    size_t old = push_key(c, k);
    if (strcmp(k, "as_name") == 0) {
        out->kind = kind;
        PT2C_TRY(val_string(c, mv, &out->name));
    } else if (kind == PT2C_ARG_SYM_INT && strcmp(k, "as_int") == 0) {
        out->kind = PT2C_ARG_INT;
        PT2C_TRY(val_int(c, mv, &out->i));
    } else if (kind == PT2C_ARG_SYM_FLOAT && strcmp(k, "as_float") == 0) {
        out->kind = PT2C_ARG_FLOAT;
        PT2C_TRY(val_float(c, mv, &out->f));
    } else if (kind == PT2C_ARG_SYM_BOOL && strcmp(k, "as_bool") == 0) {
        out->kind = PT2C_ARG_BOOL;
        PT2C_TRY(val_bool(c, mv, &out->b));
    } else {
        pop(c, old);
        return fail(c, PT2C_ERR_SCHEMA, "unknown %s member '%s'", what, k);
    }
    pop(c, old);
    return PT2C_OK;
}

static pt2c_status val_optional_tensor(ctx *c, json_object *v, pt2c_arg *out) {
    const char *k = NULL;
    json_object *mv = NULL;
    PT2C_TRY(val_union(c, v, "OptionalTensorArgument", &k, &mv));
    size_t old = push_key(c, k);
    if (strcmp(k, "as_tensor") == 0) {
        out->kind = PT2C_ARG_TENSOR;
        PT2C_TRY(val_named(c, mv, "TensorArgument", &out->name));
    } else if (strcmp(k, "as_none") == 0) {
        out->kind = PT2C_ARG_NONE;
    } else {
        pop(c, old);
        return fail(c, PT2C_ERR_SCHEMA, "unknown OptionalTensorArgument member '%s'", k);
    }
    pop(c, old);
    return PT2C_OK;
}

static pt2c_status val_custom_obj(ctx *c, json_object *v, pt2c_arg *out) {
    out->kind = PT2C_ARG_CUSTOM_OBJ;
    if (is_null(v))
        return fail(c, PT2C_ERR_SCHEMA, "expected CustomObjArgument object, found null");
    PT2C_TRY(want_object(c, v, "CustomObjArgument"));
    PT2C_TRY(read_string(c, v, "name", "", &out->name));
    return read_string(c, v, "class_fqn", "", &out->str);
}

typedef enum item_kind {
    IT_TENSOR,
    IT_INT,
    IT_FLOAT,
    IT_STRING,
    IT_BOOL,
    IT_SYM_INT,
    IT_SYM_FLOAT,
    IT_SYM_BOOL,
    IT_OPT_TENSOR,
    IT_TENSORS,
    IT_INTS,
    IT_FLOATS
} item_kind;

static pt2c_status val_item(ctx *c, json_object *v, item_kind ik, pt2c_arg *out);

static pt2c_status val_items(ctx *c, json_object *v, item_kind ik, pt2c_arg *out) {
    size_t n;
    PT2C_TRY(val_list(c, v, &n));
    ALLOC_ARRAY(c, out->items, n);
    for (size_t i = 0; i < n; i++) {
        size_t old = push_index(c, i);
        PT2C_TRY(val_item(c, json_object_array_get_idx(v, i), ik, &out->items[i]));
        pop(c, old);
    }
    out->n_items = (int64_t)n;
    return PT2C_OK;
}

static pt2c_status val_item(ctx *c, json_object *v, item_kind ik, pt2c_arg *out) {
    memset(out, 0, sizeof *out);
    switch (ik) {
    case IT_TENSOR:
        out->kind = PT2C_ARG_TENSOR;
        return val_named(c, v, "TensorArgument", &out->name);
    case IT_INT:
        out->kind = PT2C_ARG_INT;
        if (is_null(v))
            return fail(c, PT2C_ERR_SCHEMA, "expected int, found null");
        return val_int(c, v, &out->i);
    case IT_FLOAT:
        out->kind = PT2C_ARG_FLOAT;
        if (is_null(v))
            return fail(c, PT2C_ERR_SCHEMA, "expected float, found null");
        return val_float(c, v, &out->f);
    case IT_STRING:
        out->kind = PT2C_ARG_STRING;
        if (is_null(v))
            return fail(c, PT2C_ERR_SCHEMA, "expected string, found null");
        return val_string(c, v, &out->str);
    case IT_BOOL:
        out->kind = PT2C_ARG_BOOL;
        if (is_null(v))
            return fail(c, PT2C_ERR_SCHEMA, "expected bool, found null");
        return val_bool(c, v, &out->b);
    case IT_SYM_INT:
        return val_sym_arg(c, v, PT2C_ARG_SYM_INT, out);
    case IT_SYM_FLOAT:
        return val_sym_arg(c, v, PT2C_ARG_SYM_FLOAT, out);
    case IT_SYM_BOOL:
        return val_sym_arg(c, v, PT2C_ARG_SYM_BOOL, out);
    case IT_OPT_TENSOR:
        return val_optional_tensor(c, v, out);
    case IT_TENSORS:
        out->kind = PT2C_ARG_TENSORS;
        return val_items(c, v, IT_TENSOR, out);
    case IT_INTS:
        out->kind = PT2C_ARG_INTS;
        return val_items(c, v, IT_INT, out);
    case IT_FLOATS:
        out->kind = PT2C_ARG_FLOATS;
        return val_items(c, v, IT_FLOAT, out);
    }
    return fail(c, PT2C_ERR_INTERNAL, "bad item kind");
}

static pt2c_status val_arg(ctx *c, json_object *v, pt2c_arg *out);

/* The payload of Argument member kind (path points at the member). */
static pt2c_status val_arg_member(ctx *c, pt2c_arg_kind kind, json_object *mv, pt2c_arg *out) {
    out->kind = kind;
    switch (kind) {
    case PT2C_ARG_NONE:
        return PT2C_OK; /* any value: torch writes true, {} or null */
    case PT2C_ARG_TENSOR:
        return val_named(c, mv, "TensorArgument", &out->name);
    case PT2C_ARG_TENSORS:
        return val_items(c, mv, IT_TENSOR, out);
    case PT2C_ARG_INT:
    case PT2C_ARG_SCALAR_TYPE:
    case PT2C_ARG_MEMORY_FORMAT:
    case PT2C_ARG_LAYOUT:
        PT2C_TRY(val_int(c, mv, &out->i));
        if (kind == PT2C_ARG_SCALAR_TYPE &&
            (out->i < INT32_MIN || out->i > INT32_MAX || !pt2c_dtype_valid((int)out->i)))
            return fail(c, PT2C_ERR_SCHEMA, "unknown ScalarType %lld", (long long)out->i);
        return PT2C_OK;
    case PT2C_ARG_INTS:
        return val_items(c, mv, IT_INT, out);
    case PT2C_ARG_FLOAT:
        return val_float(c, mv, &out->f);
    case PT2C_ARG_FLOATS:
        return val_items(c, mv, IT_FLOAT, out);
    case PT2C_ARG_STRING:
    case PT2C_ARG_OPERATOR:
        return val_string(c, mv, &out->str);
    case PT2C_ARG_STRINGS:
        return val_items(c, mv, IT_STRING, out);
    case PT2C_ARG_SYM_INT:
    case PT2C_ARG_SYM_FLOAT:
    case PT2C_ARG_SYM_BOOL:
        return val_sym_arg(c, mv, kind, out);
    case PT2C_ARG_SYM_INTS:
        return val_items(c, mv, IT_SYM_INT, out);
    case PT2C_ARG_SYM_FLOATS:
        return val_items(c, mv, IT_SYM_FLOAT, out);
    case PT2C_ARG_SYM_BOOLS:
        return val_items(c, mv, IT_SYM_BOOL, out);
    case PT2C_ARG_DEVICE:
        return val_device(c, mv, &out->device);
    case PT2C_ARG_BOOL:
        return val_bool(c, mv, &out->b);
    case PT2C_ARG_BOOLS:
        return val_items(c, mv, IT_BOOL, out);
    case PT2C_ARG_GRAPH: {
        if (is_null(mv))
            return fail(c, PT2C_ERR_SCHEMA, "expected GraphArgument object, found null");
        PT2C_TRY(want_object(c, mv, "GraphArgument"));
        PT2C_TRY(read_string(c, mv, "name", "", &out->name));
        out->graph = PT2C_ARENA_NEW(c->arena, pt2c_graph);
        if (!out->graph)
            return nomem(c);
        size_t old = push_key(c, "graph");
        PT2C_TRY(val_graph(c, field(mv, "graph"), out->graph));
        pop(c, old);
        return PT2C_OK;
    }
    case PT2C_ARG_OPTIONAL_TENSORS:
        return val_items(c, mv, IT_OPT_TENSOR, out);
    case PT2C_ARG_CUSTOM_OBJ:
        return val_custom_obj(c, mv, out);
    case PT2C_ARG_OPTIONAL_TENSOR:
        PT2C_TRY(val_optional_tensor(c, mv, out));
        out->kind = PT2C_ARG_OPTIONAL_TENSOR; /* name stays NULL for as_none */
        return PT2C_OK;
    case PT2C_ARG_COMPLEX:
        if (is_null(mv))
            return fail(c, PT2C_ERR_SCHEMA, "expected ComplexValue object, found null");
        PT2C_TRY(want_object(c, mv, "ComplexValue"));
        PT2C_TRY(val_float_at(c, mv, "real", &out->f));
        return val_float_at(c, mv, "imag", &out->f_imag);
    case PT2C_ARG_NESTED_TENSORS:
        return val_items(c, mv, IT_TENSORS, out);
    case PT2C_ARG_INT_LISTS:
        return val_items(c, mv, IT_INTS, out);
    case PT2C_ARG_FLOAT_LISTS:
        return val_items(c, mv, IT_FLOATS, out);
    case PT2C_ARG_STRING_TO_ARGUMENT: {
        size_t n, i = 0;
        PT2C_TRY(val_map(c, mv, &n));
        ALLOC_ARRAY(c, out->items, n);
        if (n) {
            json_object_object_foreach(mv, k, iv) {
                size_t old = push_key(c, k);
                PT2C_TRY(val_arg(c, iv, &out->items[i]));
                out->items[i].key = pt2c_arena_strdup(c->arena, k);
                if (!out->items[i].key)
                    return nomem(c);
                pop(c, old);
                i++;
            }
        }
        out->n_items = (int64_t)n;
        return PT2C_OK;
    }
    case PT2C_ARG_KIND_COUNT:
        break;
    }
    return fail(c, PT2C_ERR_INTERNAL, "bad argument kind");
}

static bool arg_kind_from_key(const char *key, pt2c_arg_kind *kind) {
    for (int k = 0; k < PT2C_ARG_KIND_COUNT; k++) {
        if (strcmp(key, pt2c_arg_kind_key((pt2c_arg_kind)k)) == 0) {
            *kind = (pt2c_arg_kind)k;
            return true;
        }
    }
    return false;
}

static pt2c_status val_arg(ctx *c, json_object *v, pt2c_arg *out) {
    memset(out, 0, sizeof *out);
    if (is_null(v)) {
        out->kind = PT2C_ARG_NONE;
        return PT2C_OK;
    }
    const char *k = NULL;
    json_object *mv = NULL;
    pt2c_arg_kind kind;
    PT2C_TRY(val_union(c, v, "Argument", &k, &mv));
    if (!arg_kind_from_key(k, &kind))
        return fail(c, PT2C_ERR_SCHEMA, "unknown Argument member '%s'", k);
    size_t old = push_key(c, k);
    PT2C_TRY(val_arg_member(c, kind, mv, out));
    pop(c, old);
    return PT2C_OK;
}

static pt2c_status arg_list_at(ctx *c, json_object *o, const char *key, pt2c_arg **out,
                               int32_t *n_out) {
    size_t old = push_key(c, key), n;
    json_object *v = field(o, key);
    PT2C_TRY(val_list(c, v, &n));
    PT2C_TRY(check_count(c, n));
    ALLOC_ARRAY(c, *out, n);
    for (size_t i = 0; i < n; i++) {
        size_t o2 = push_index(c, i);
        PT2C_TRY(val_arg(c, json_object_array_get_idx(v, i), &(*out)[i]));
        pop(c, o2);
    }
    *n_out = (int32_t)n;
    pop(c, old);
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Nodes and graphs                                                                         */

static pt2c_status val_node(ctx *c, json_object *v, pt2c_node *out) {
    memset(out, 0, sizeof *out);
    out->is_hop_single_tensor_return = -1;
    PT2C_TRY(want_object(c, v, "Node"));
    PT2C_TRY(read_string(c, v, "target", "", &out->target));
    size_t old = push_key(c, "inputs"), n;
    json_object *in = field(v, "inputs");
    PT2C_TRY(val_list(c, in, &n));
    PT2C_TRY(check_count(c, n));
    ALLOC_ARRAY(c, out->inputs, n);
    for (size_t i = 0; i < n; i++) {
        size_t o2 = push_index(c, i);
        json_object *na = json_object_array_get_idx(in, i);
        PT2C_TRY(want_object(c, na, "NamedArgument"));
        PT2C_TRY(read_string(c, na, "name", "", &out->inputs[i].name));
        size_t o3 = push_key(c, "arg");
        PT2C_TRY(val_arg(c, field(na, "arg"), &out->inputs[i].arg));
        pop(c, o3);
        int64_t kind;
        PT2C_TRY(val_int_at(c, na, "kind", &kind));
        out->inputs[i].kind = kind == 1   ? PT2C_PASS_POSITIONAL
                              : kind == 2 ? PT2C_PASS_KEYWORD
                                          : PT2C_PASS_UNSPECIFIED;
        pop(c, o2);
    }
    out->n_inputs = (int32_t)n;
    pop(c, old);
    PT2C_TRY(arg_list_at(c, v, "outputs", &out->outputs, &out->n_outputs));
    PT2C_TRY(kv_map_at(c, v, "metadata", &out->metadata, &out->n_metadata));
    json_object *h = field(v, "is_hop_single_tensor_return");
    if (!is_null(h)) {
        bool b = false;
        PT2C_TRY(val_bool_at(c, v, "is_hop_single_tensor_return", &b));
        out->is_hop_single_tensor_return = b ? 1 : 0;
    }
    const char *name = NULL;
    PT2C_TRY(read_string(c, v, "name", NULL, &name));
    if (name && name[0]) {
        out->name = name;
        out->has_name = true;
    }
    return PT2C_OK;
}

/* FX's name for a node created without one: Graph._target_to_str + create_name. For an
 * OpOverload the candidate is "<op>.<overload>" snake-cased with '.' -> '_'
 * ("split.Tensor" -> "split_tensor"); other targets use their last dotted component. */
static const char *fx_candidate(ctx *c, const char *target) {
    const char *last = strrchr(target, '.');
    const char *start = target;
    if (strncmp(target, "torch.ops.", 10) == 0 && last) {
        /* back up to the op name before the overload */
        const char *p = last - 1;
        while (p > target && *p != '.')
            p--;
        start = *p == '.' ? p + 1 : p;
    } else if (last) {
        start = last + 1;
    }
    pt2c_strbuf sb;
    pt2c_strbuf_init(&sb, c->arena->allocator);
    for (const char *p = start; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (isupper(ch) && p > start && islower((unsigned char)p[-1]))
            pt2c_strbuf_putc(&sb, '_');
        if (isalnum(ch) || ch == '_')
            pt2c_strbuf_putc(&sb, (char)tolower(ch));
        else
            pt2c_strbuf_putc(&sb, '_');
    }
    if (sb.len == 0 || isdigit((unsigned char)sb.data[0]))
        pt2c_strbuf_puts(&sb, "_");
    const char *r = sb.failed || !sb.data ? NULL : pt2c_arena_strdup(c->arena, sb.data);
    pt2c_strbuf_deinit(&sb);
    return r;
}

static pt2c_status unique_name(ctx *c, pt2c_strmap *used, const char *cand, const char **out) {
    int64_t dummy;
    const char *name = cand;
    for (int64_t k = 1; pt2c_strmap_get(used, name, &dummy); k++) {
        name = pt2c_arena_sprintf(c->arena, "%s_%lld", cand, (long long)k);
        if (!name)
            return nomem(c);
    }
    *out = name;
    return PT2C_OK;
}

/* Node names for files without Node.name (schema < 8.17), as torch's deserializer: a node
 * with one tensor output (or a sym op's one sym output) is named after it; otherwise FX
 * makes a name from the target, unique among the names in the graph. */
static pt2c_status derive_names(ctx *c, pt2c_graph *g) {
    pt2c_strmap used;
    pt2c_strmap_init(&used, c->arena);
    for (int32_t i = 0; i < g->n_inputs; i++)
        if (g->inputs[i].name && pt2c_strmap_put(&used, g->inputs[i].name, i) != PT2C_OK)
            return nomem(c);
    for (int64_t i = 0; i < g->n_nodes; i++) {
        pt2c_node *nd = &g->nodes[i];
        if (nd->name && pt2c_strmap_put(&used, nd->name, i) != PT2C_OK)
            return nomem(c);
        for (int32_t j = 0; j < nd->n_outputs; j++) {
            const pt2c_arg *o = &nd->outputs[j];
            if (o->name && pt2c_strmap_put(&used, o->name, i) != PT2C_OK)
                return nomem(c);
            for (int64_t k = 0; k < o->n_items; k++)
                if (o->items[k].name && pt2c_strmap_put(&used, o->items[k].name, i) != PT2C_OK)
                    return nomem(c);
        }
    }
    for (int64_t i = 0; i < g->n_nodes; i++) {
        pt2c_node *nd = &g->nodes[i];
        if (nd->name)
            continue;
        const pt2c_arg *o0 = nd->n_outputs == 1 ? &nd->outputs[0] : NULL;
        bool single = o0 && o0->name &&
                      (o0->kind == PT2C_ARG_TENSOR || o0->kind == PT2C_ARG_SYM_INT ||
                       o0->kind == PT2C_ARG_SYM_FLOAT || o0->kind == PT2C_ARG_SYM_BOOL) &&
                      nd->is_hop_single_tensor_return != 0;
        if (single) {
            nd->name = o0->name;
            continue;
        }
        const char *cand = fx_candidate(c, nd->target);
        if (!cand)
            return nomem(c);
        PT2C_TRY(unique_name(c, &used, cand, &nd->name));
        if (pt2c_strmap_put(&used, nd->name, i) != PT2C_OK)
            return nomem(c);
    }
    return PT2C_OK;
}

static pt2c_status named_syms_at(ctx *c, json_object *o, const char *key, const char *what,
                                 const char *lit, pt2c_named_sym **out, int64_t *n_out) {
    size_t old = push_key(c, key), n, i = 0;
    json_object *v = field(o, key);
    PT2C_TRY(val_map(c, v, &n));
    ALLOC_ARRAY(c, *out, n);
    if (n) {
        json_object_object_foreach(v, k, sv) {
            size_t o2 = push_key(c, k);
            (*out)[i].name = pt2c_arena_strdup(c->arena, k);
            if (!(*out)[i].name)
                return nomem(c);
            PT2C_TRY(val_sym(c, sv, what, lit, &(*out)[i].value));
            pop(c, o2);
            i++;
        }
    }
    *n_out = (int64_t)n;
    pop(c, old);
    return PT2C_OK;
}

static pt2c_status val_graph(ctx *c, json_object *v, pt2c_graph *g) {
    memset(g, 0, sizeof *g);
    pt2c_strmap_init(&g->tensor_index, c->arena);
    if (is_null(v))
        return PT2C_OK;
    PT2C_TRY(want_object(c, v, "Graph"));
    if (++c->depth > c->limits->max_json_depth)
        return fail(c, PT2C_ERR_LIMIT, "subgraph nesting exceeds %u", c->limits->max_json_depth);
    PT2C_TRY(arg_list_at(c, v, "inputs", &g->inputs, &g->n_inputs));
    PT2C_TRY(arg_list_at(c, v, "outputs", &g->outputs, &g->n_outputs));

    size_t old = push_key(c, "nodes"), n;
    json_object *nodes = field(v, "nodes");
    PT2C_TRY(val_list(c, nodes, &n));
    if (n > c->limits->max_nodes || c->n_nodes + n > c->limits->max_nodes)
        return fail(c, PT2C_ERR_LIMIT, "%llu nodes exceed max_nodes %llu",
                    (unsigned long long)(c->n_nodes + n), (unsigned long long)c->limits->max_nodes);
    c->n_nodes += n;
    ALLOC_ARRAY(c, g->nodes, n);
    g->n_nodes = (int64_t)n;
    for (size_t i = 0; i < n; i++) {
        size_t o2 = push_index(c, i);
        PT2C_TRY(val_node(c, json_object_array_get_idx(nodes, i), &g->nodes[i]));
        pop(c, o2);
    }
    pop(c, old);

    old = push_key(c, "tensor_values");
    json_object *tv = field(v, "tensor_values");
    PT2C_TRY(val_map(c, tv, &n));
    ALLOC_ARRAY(c, g->tensor_values, n);
    g->n_tensor_values = (int64_t)n;
    if (n) {
        size_t i = 0;
        json_object_object_foreach(tv, k, mv) {
            size_t o2 = push_key(c, k);
            g->tensor_values[i].name = pt2c_arena_strdup(c->arena, k);
            if (!g->tensor_values[i].name)
                return nomem(c);
            if (is_null(mv))
                return fail(c, PT2C_ERR_SCHEMA, "expected TensorMeta object, found null");
            PT2C_TRY(val_tensor_meta(c, mv, &g->tensor_values[i].meta));
            if (pt2c_strmap_put(&g->tensor_index, g->tensor_values[i].name, (int64_t)i) != PT2C_OK)
                return nomem(c);
            pop(c, o2);
            i++;
        }
    }
    pop(c, old);

    PT2C_TRY(named_syms_at(c, v, "sym_int_values", "SymInt", "as_int", &g->sym_int_values,
                           &g->n_sym_int_values));
    PT2C_TRY(named_syms_at(c, v, "sym_bool_values", "SymBool", "as_bool", &g->sym_bool_values,
                           &g->n_sym_bool_values));
    PT2C_TRY(named_syms_at(c, v, "sym_float_values", "SymFloat", "as_float", &g->sym_float_values,
                           &g->n_sym_float_values));

    old = push_key(c, "custom_obj_values");
    json_object *cv = field(v, "custom_obj_values");
    PT2C_TRY(val_map(c, cv, &n));
    ALLOC_ARRAY(c, g->custom_obj_values, n);
    g->n_custom_obj_values = (int64_t)n;
    if (n) {
        size_t i = 0;
        json_object_object_foreach(cv, k, ov) {
            size_t o2 = push_key(c, k);
            pt2c_arg a;
            memset(&a, 0, sizeof a);
            PT2C_TRY(val_custom_obj(c, ov, &a));
            g->custom_obj_values[i].name = pt2c_arena_strdup(c->arena, k);
            if (!g->custom_obj_values[i].name)
                return nomem(c);
            g->custom_obj_values[i].class_fqn = a.str;
            pop(c, o2);
            i++;
        }
    }
    pop(c, old);

    PT2C_TRY(val_bool_at(c, v, "is_single_tensor_return", &g->is_single_tensor_return));
    PT2C_TRY(derive_names(c, g));
    c->depth--;
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Signature                                                                                */

/* Read the member "arg" of a spec body as a TensorArgument / TokenArgument / Argument. */
static pt2c_status spec_arg(ctx *c, json_object *body, int how, pt2c_arg *out) {
    size_t old = push_key(c, "arg");
    json_object *a = field(body, "arg");
    memset(out, 0, sizeof *out);
    if (how == 0) {
        PT2C_TRY(val_arg(c, a, out));
    } else if (how == 1) {
        out->kind = PT2C_ARG_TENSOR;
        PT2C_TRY(val_named(c, a, "TensorArgument", &out->name));
    } else if (how == 2) {
        out->kind = PT2C_ARG_TENSOR;
        PT2C_TRY(val_named(c, a, "TokenArgument", &out->name));
    } else {
        PT2C_TRY(val_custom_obj(c, a, out));
    }
    pop(c, old);
    return PT2C_OK;
}

static pt2c_status val_input_spec(ctx *c, json_object *v, pt2c_input_spec *out) {
    memset(out, 0, sizeof *out);
    const char *k;
    json_object *b;
    PT2C_TRY(val_union(c, v, "InputSpec", &k, &b));
    int kind = -1;
    for (int i = 0; i < PT2C_INPUT_KIND_COUNT; i++)
        if (strcmp(k, pt2c_input_spec_key((pt2c_input_spec_kind)i)) == 0)
            kind = i;
    if (kind < 0)
        return fail(c, PT2C_ERR_SCHEMA, "unknown InputSpec member '%s'", k);
    out->kind = (pt2c_input_spec_kind)kind;
    size_t old = push_key(c, k);
    if (is_null(b))
        return fail(c, PT2C_ERR_SCHEMA, "expected %s object, found null", k);
    PT2C_TRY(want_object(c, b, k));
    switch (out->kind) {
    case PT2C_INPUT_USER_INPUT:
        PT2C_TRY(spec_arg(c, b, 0, &out->arg));
        break;
    case PT2C_INPUT_PARAMETER:
        PT2C_TRY(spec_arg(c, b, 1, &out->arg));
        PT2C_TRY(read_string(c, b, "parameter_name", "", &out->target));
        break;
    case PT2C_INPUT_BUFFER:
        PT2C_TRY(spec_arg(c, b, 1, &out->arg));
        PT2C_TRY(read_string(c, b, "buffer_name", "", &out->target));
        PT2C_TRY(val_bool_at(c, b, "persistent", &out->persistent));
        break;
    case PT2C_INPUT_TENSOR_CONSTANT:
        PT2C_TRY(spec_arg(c, b, 1, &out->arg));
        PT2C_TRY(read_string(c, b, "tensor_constant_name", "", &out->target));
        break;
    case PT2C_INPUT_CUSTOM_OBJ:
        PT2C_TRY(spec_arg(c, b, 3, &out->arg));
        PT2C_TRY(read_string(c, b, "custom_obj_name", "", &out->target));
        break;
    case PT2C_INPUT_TOKEN:
        PT2C_TRY(spec_arg(c, b, 2, &out->arg));
        break;
    case PT2C_INPUT_CONSTANT_INPUT: {
        PT2C_TRY(read_string(c, b, "name", "", &out->target));
        size_t o2 = push_key(c, "value");
        json_object *cvv = field(b, "value");
        out->arg.kind = PT2C_ARG_NONE;
        if (!is_null(cvv)) {
            const char *ck;
            json_object *cv;
            PT2C_TRY(val_union(c, cvv, "ConstantValue", &ck, &cv));
            pt2c_arg_kind ak;
            if (!arg_kind_from_key(ck, &ak) ||
                (ak != PT2C_ARG_NONE && ak != PT2C_ARG_INT && ak != PT2C_ARG_FLOAT &&
                 ak != PT2C_ARG_STRING && ak != PT2C_ARG_BOOL))
                return fail(c, PT2C_ERR_SCHEMA, "unknown ConstantValue member '%s'", ck);
            size_t o3 = push_key(c, ck);
            PT2C_TRY(val_arg_member(c, ak, cv, &out->arg));
            pop(c, o3);
        }
        pop(c, o2);
        break;
    }
    case PT2C_INPUT_KIND_COUNT:
        break;
    }
    pop(c, old);
    return PT2C_OK;
}

static pt2c_status val_output_spec(ctx *c, json_object *v, pt2c_output_spec *out) {
    memset(out, 0, sizeof *out);
    const char *k;
    json_object *b;
    PT2C_TRY(val_union(c, v, "OutputSpec", &k, &b));
    int kind = -1;
    for (int i = 0; i < PT2C_OUTPUT_KIND_COUNT; i++)
        if (strcmp(k, pt2c_output_spec_key((pt2c_output_spec_kind)i)) == 0)
            kind = i;
    if (kind < 0)
        return fail(c, PT2C_ERR_SCHEMA, "unknown OutputSpec member '%s'", k);
    out->kind = (pt2c_output_spec_kind)kind;
    size_t old = push_key(c, k);
    if (is_null(b))
        return fail(c, PT2C_ERR_SCHEMA, "expected %s object, found null", k);
    PT2C_TRY(want_object(c, b, k));
    const char *target_key = pt2c_output_spec_target_key(out->kind);
    int how = out->kind == PT2C_OUTPUT_USER_OUTPUT ? 0 : out->kind == PT2C_OUTPUT_TOKEN ? 2 : 1;
    PT2C_TRY(spec_arg(c, b, how, &out->arg));
    if (target_key)
        PT2C_TRY(read_string(c, b, target_key, "", &out->target));
    pop(c, old);
    return PT2C_OK;
}

static pt2c_status val_signature(ctx *c, json_object *v, pt2c_graph_signature *s) {
    memset(s, 0, sizeof *s);
    if (is_null(v))
        return PT2C_OK;
    PT2C_TRY(want_object(c, v, "GraphSignature"));
    size_t old = push_key(c, "input_specs"), n;
    json_object *l = field(v, "input_specs");
    PT2C_TRY(val_list(c, l, &n));
    PT2C_TRY(check_count(c, n));
    ALLOC_ARRAY(c, s->input_specs, n);
    s->n_input_specs = (int32_t)n;
    for (size_t i = 0; i < n; i++) {
        size_t o2 = push_index(c, i);
        PT2C_TRY(val_input_spec(c, json_object_array_get_idx(l, i), &s->input_specs[i]));
        pop(c, o2);
    }
    pop(c, old);
    old = push_key(c, "output_specs");
    l = field(v, "output_specs");
    PT2C_TRY(val_list(c, l, &n));
    PT2C_TRY(check_count(c, n));
    ALLOC_ARRAY(c, s->output_specs, n);
    s->n_output_specs = (int32_t)n;
    for (size_t i = 0; i < n; i++) {
        size_t o2 = push_index(c, i);
        PT2C_TRY(val_output_spec(c, json_object_array_get_idx(l, i), &s->output_specs[i]));
        pop(c, o2);
    }
    pop(c, old);
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Graph module and program                                                                 */

static pt2c_status val_module_call_graph(ctx *c, json_object *gm, pt2c_graph_module *out) {
    size_t old = push_key(c, "module_call_graph"), n;
    json_object *l = field(gm, "module_call_graph");
    PT2C_TRY(val_list(c, l, &n));
    PT2C_TRY(check_count(c, n));
    ALLOC_ARRAY(c, out->module_call_graph, n);
    out->n_module_call_graph = (int32_t)n;
    for (size_t i = 0; i < n; i++) {
        size_t o2 = push_index(c, i);
        json_object *e = json_object_array_get_idx(l, i);
        pt2c_module_call_entry *me = &out->module_call_graph[i];
        PT2C_TRY(want_object(c, e, "ModuleCallEntry"));
        PT2C_TRY(read_string(c, e, "fqn", "", &me->fqn));
        json_object *sv = field(e, "signature");
        if (!is_null(sv)) {
            size_t o3 = push_key(c, "signature");
            PT2C_TRY(want_object(c, sv, "ModuleCallSignature"));
            me->signature = PT2C_ARENA_NEW(c->arena, pt2c_module_call_signature);
            if (!me->signature)
                return nomem(c);
            pt2c_module_call_signature *s = me->signature;
            PT2C_TRY(arg_list_at(c, sv, "inputs", &s->inputs, &s->n_inputs));
            PT2C_TRY(arg_list_at(c, sv, "outputs", &s->outputs, &s->n_outputs));
            PT2C_TRY(read_string(c, sv, "in_spec", "", &s->in_spec));
            PT2C_TRY(read_string(c, sv, "out_spec", "", &s->out_spec));
            s->n_forward_arg_names = -1;
            if (!is_null(field(sv, "forward_arg_names")))
                PT2C_TRY(string_list_at(c, sv, "forward_arg_names", &s->forward_arg_names,
                                        &s->n_forward_arg_names));
            pop(c, o3);
        }
        pop(c, o2);
    }
    pop(c, old);
    return PT2C_OK;
}

static pt2c_status val_graph_module(ctx *c, json_object *v, pt2c_graph_module *out) {
    memset(out, 0, sizeof *out);
    if (is_null(v))
        return fail(c, PT2C_ERR_SCHEMA, "expected GraphModule object, found null");
    PT2C_TRY(want_object(c, v, "GraphModule"));
    size_t old = push_key(c, "graph");
    PT2C_TRY(val_graph(c, field(v, "graph"), &out->graph));
    pop(c, old);
    old = push_key(c, "signature");
    PT2C_TRY(val_signature(c, field(v, "signature"), &out->signature));
    pop(c, old);
    PT2C_TRY(val_module_call_graph(c, v, out));
    PT2C_TRY(kv_map_at(c, v, "metadata", &out->metadata, &out->n_metadata));

    old = push_key(c, "treespec_namedtuple_fields");
    json_object *t = field(v, "treespec_namedtuple_fields");
    size_t n, i = 0;
    PT2C_TRY(val_map(c, t, &n));
    PT2C_TRY(check_count(c, n));
    ALLOC_ARRAY(c, out->treespec_namedtuple_fields, n);
    out->n_treespec_namedtuple_fields = (int32_t)n;
    if (n) {
        json_object_object_foreach(t, k, d) {
            size_t o2 = push_key(c, k);
            pt2c_named_tuple_def *nd = &out->treespec_namedtuple_fields[i++];
            nd->type_name = pt2c_arena_strdup(c->arena, k);
            if (!nd->type_name)
                return nomem(c);
            PT2C_TRY(want_object(c, d, "NamedTupleDef"));
            PT2C_TRY(string_list_at(c, d, "field_names", &nd->field_names, &nd->n_field_names));
            pop(c, o2);
        }
    }
    pop(c, old);
    return PT2C_OK;
}

static pt2c_status val_program(ctx *c, json_object *root, pt2c_exported_program *ep) {
    memset(ep, 0, sizeof *ep);
    PT2C_TRY(want_object(c, root, "ExportedProgram"));

    /* Version first: a file of another major may mean anything. */
    json_object *sv = field(root, "schema_version");
    int64_t major = 0, minor = 0;
    if (!is_null(sv)) {
        size_t old = push_key(c, "schema_version");
        PT2C_TRY(want_object(c, sv, "SchemaVersion"));
        PT2C_TRY(val_int_at(c, sv, "major", &major));
        PT2C_TRY(val_int_at(c, sv, "minor", &minor));
        pop(c, old);
    }
    if (major < 7 || major > 9)
        return pt2c_error_set(c->err, PT2C_ERR_UNSUPPORTED,
                              "json: %s: schema_version: unsupported schema version %lld.%lld "
                              "(pt2c reads majors 7, 8 and 9)",
                              c->where, (long long)major, (long long)minor);
    ep->schema_major = (int32_t)major;
    ep->schema_minor = minor > INT32_MAX ? INT32_MAX : minor < 0 ? 0 : (int32_t)minor;

    size_t old = push_key(c, "graph_module");
    PT2C_TRY(val_graph_module(c, field(root, "graph_module"), &ep->graph_module));
    pop(c, old);

    old = push_key(c, "opset_version");
    json_object *ov = field(root, "opset_version");
    size_t n, i = 0;
    PT2C_TRY(val_map(c, ov, &n));
    PT2C_TRY(check_count(c, n));
    ALLOC_ARRAY(c, ep->opset_version, n);
    ep->n_opset_version = (int32_t)n;
    if (n) {
        json_object_object_foreach(ov, k, vv) {
            size_t o2 = push_key(c, k);
            ep->opset_version[i].ns = pt2c_arena_strdup(c->arena, k);
            if (!ep->opset_version[i].ns)
                return nomem(c);
            PT2C_TRY(val_int(c, vv, &ep->opset_version[i].version));
            pop(c, o2);
            i++;
        }
    }
    pop(c, old);

    old = push_key(c, "range_constraints");
    json_object *rc = field(root, "range_constraints");
    PT2C_TRY(val_map(c, rc, &n));
    PT2C_TRY(check_count(c, n));
    ALLOC_ARRAY(c, ep->range_constraints, n);
    ep->n_range_constraints = (int32_t)n;
    i = 0;
    if (n) {
        json_object_object_foreach(rc, k, rv) {
            size_t o2 = push_key(c, k);
            pt2c_range_constraint *r = &ep->range_constraints[i++];
            r->symbol = pt2c_arena_strdup(c->arena, k);
            if (!r->symbol)
                return nomem(c);
            if (is_null(rv))
                return fail(c, PT2C_ERR_SCHEMA, "expected RangeConstraint object, found null");
            PT2C_TRY(want_object(c, rv, "RangeConstraint"));
            r->has_min = !is_null(field(rv, "min_val"));
            r->has_max = !is_null(field(rv, "max_val"));
            PT2C_TRY(val_int_at(c, rv, "min_val", &r->min_val));
            PT2C_TRY(val_int_at(c, rv, "max_val", &r->max_val));
            pop(c, o2);
        }
    }
    pop(c, old);

    PT2C_TRY(string_list_at(c, root, "verifiers", &ep->verifiers, &ep->n_verifiers));
    PT2C_TRY(read_string(c, root, "torch_version", "<=2.4", &ep->torch_version));
    PT2C_TRY(string_list_at(c, root, "guards_code", &ep->guards_code, &ep->n_guards_code));
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Entry points                                                                             */

static pt2c_status parse_text(const char *text, size_t len, const char *where,
                              const pt2c_limits *limits, json_object **out, pt2c_error *err) {
    *out = NULL;
    if (len > INT32_MAX)
        return pt2c_error_set(err, PT2C_ERR_LIMIT, "json: %s: %zu bytes, at most %d", where, len,
                              INT32_MAX);
    int depth = limits->max_json_depth > 0 && limits->max_json_depth < INT32_MAX
                    ? (int)limits->max_json_depth
                    : 256;
    json_tokener *tok = json_tokener_new_ex(depth);
    if (!tok)
        return pt2c_error_set(err, PT2C_ERR_NOMEM, "json: %s: out of memory", where);
    json_object *root = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (jerr == json_tokener_success && end < len) {
        /* trailing bytes: only whitespace is allowed */
        for (size_t i = end; i < len; i++)
            if (!isspace((unsigned char)text[i])) {
                json_object_put(root);
                json_tokener_free(tok);
                return pt2c_error_set(err, PT2C_ERR_JSON,
                                      "json: %s at byte %zu: trailing data after the document",
                                      where, i);
            }
    }
    if (jerr == json_tokener_continue)
        jerr = json_tokener_error_parse_eof;
    json_tokener_free(tok);
    if (jerr != json_tokener_success || !root) {
        json_object_put(root);
        if (jerr == json_tokener_error_depth)
            return pt2c_error_set(err, PT2C_ERR_LIMIT,
                                  "json: %s at byte %zu: nesting deeper than max_json_depth %d",
                                  where, end, depth);
        return pt2c_error_set(err, PT2C_ERR_JSON, "json: %s at byte %zu: %s", where, end,
                              jerr != json_tokener_success ? json_tokener_error_desc(jerr)
                                                           : "empty document");
    }
    *out = root;
    return PT2C_OK;
}

pt2c_status pt2c_export_json_parse(const char *text, size_t len, const char *where,
                                   pt2c_arena *arena, const pt2c_limits *limits,
                                   pt2c_exported_program *out, pt2c_error *err) {
    pt2c_limits lim = pt2c_limits_resolve(limits);
    json_object *root;
    PT2C_TRY(parse_text(text, len, where, &lim, &root, err));
    ctx c;
    memset(&c, 0, sizeof c);
    c.arena = arena;
    c.limits = &lim;
    c.where = where;
    c.err = err;
    pt2c_status st = val_program(&c, root, out);
    json_object_put(root);
    return st;
}

pt2c_status pt2c_export_json_parse_payload_config(const char *text, size_t len, const char *where,
                                                  pt2c_arena *arena, const pt2c_limits *limits,
                                                  pt2c_payload_meta **out, int64_t *n_out,
                                                  pt2c_error *err) {
    pt2c_limits lim = pt2c_limits_resolve(limits);
    json_object *root;
    *out = NULL;
    *n_out = 0;
    PT2C_TRY(parse_text(text, len, where, &lim, &root, err));
    ctx c;
    memset(&c, 0, sizeof c);
    c.arena = arena;
    c.limits = &lim;
    c.where = where;
    c.err = err;
    pt2c_status st = PT2C_OK;
    size_t n = 0, i = 0;
    json_object *cfg = field(root, "config");
    size_t old = push_key(&c, "config");
    if (!json_object_is_type(root, json_type_object)) {
        pop(&c, old);
        st = fail(&c, PT2C_ERR_SCHEMA, "expected PayloadConfig object, found %s", type_name(root));
        goto done;
    }
    st = val_map(&c, cfg, &n);
    if (st != PT2C_OK)
        goto done;
    pt2c_payload_meta *metas = n ? PT2C_ARENA_ARRAY(arena, pt2c_payload_meta, n) : NULL;
    if (n && !metas) {
        st = nomem(&c);
        goto done;
    }
    if (n) {
        json_object_object_foreach(cfg, k, mv) {
            size_t o2 = push_key(&c, k);
            pt2c_payload_meta *m = &metas[i++];
            m->fqn = pt2c_arena_strdup(arena, k);
            if (!m->fqn) {
                st = nomem(&c);
                goto done;
            }
            if ((st = want_object(&c, mv, "PayloadMeta")) != PT2C_OK ||
                (st = read_string(&c, mv, "path_name", "", &m->path_name)) != PT2C_OK ||
                (st = val_bool_at(&c, mv, "is_param", &m->is_param)) != PT2C_OK ||
                (st = val_bool_at(&c, mv, "use_pickle", &m->use_pickle)) != PT2C_OK)
                goto done;
            json_object *tm = field(mv, "tensor_meta");
            if (!is_null(tm)) {
                size_t o3 = push_key(&c, "tensor_meta");
                m->has_tensor_meta = true;
                if ((st = val_tensor_meta(&c, tm, &m->tensor_meta)) != PT2C_OK)
                    goto done;
                pop(&c, o3);
            }
            pop(&c, o2);
        }
    }
    *out = metas;
    *n_out = (int64_t)n;
done:
    json_object_put(root);
    return st;
}
