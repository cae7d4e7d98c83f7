/*
 * pickle.c - a safe unpickler for the torch.save subset, and torch.load of torch.save zips.
 *
 * Nothing is executed: GLOBAL names are matched against an allowlist and REDUCE / NEWOBJ are
 * interpreted for those callables only. Containers may only be mutated before they are placed
 * inside another container, which rules out cycles, so consumers can recurse safely; nesting
 * depth is bounded by limits->max_pickle_depth.
 */
#include "format/pickle.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/zip.h"

/* Every object carries a hidden capacity and nesting depth. */
typedef struct obj_box {
    pt2c_pyobj obj;
    int64_t cap;
    uint32_t depth;
    bool contained; /* placed inside another container: no further mutation */
} obj_box;

typedef struct tensor_ref {
    pt2c_tensor_data *t;
    pt2c_py_storage *st;
} tensor_ref;

typedef struct unpickler {
    const uint8_t *d;
    uint64_t n, pos, op;
    const char *where;
    pt2c_arena *arena;
    pt2c_limits lim;
    pt2c_error *err;
    pt2c_pyobj **stack;
    uint64_t sp, scap;
    uint64_t *marks;
    uint64_t nm, mcap;
    pt2c_pyobj **memo;
    uint64_t memo_cap, memo_len;
    tensor_ref *tensors;
    uint64_t nt, tcap;
    pt2c_py_storage **storages;
    uint64_t ns, stcap;
} unpickler;

static obj_box *box(pt2c_pyobj *o) { return (obj_box *)o; }

static pt2c_status fail(unpickler *u, pt2c_status code, const char *fmt, ...) PT2C_PRINTF(3, 4);
static pt2c_status fail(unpickler *u, pt2c_status code, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pt2c_error_set(u->err, code, "pickle: %s at byte %" PRIu64 ": %s", u->where, u->op, msg);
}

/* Grow an arena array to hold need elements (doubling; the old block is left in the arena). */
static void *grow(unpickler *u, void *arr, uint64_t *cap, uint64_t need, size_t elem) {
    if (need <= *cap)
        return arr;
    uint64_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc *= 2;
    void *p = pt2c_arena_array(u->arena, (size_t)nc, elem, 16);
    if (!p) {
        fail(u, PT2C_ERR_NOMEM, "out of memory growing an array to %" PRIu64, nc);
        return NULL;
    }
    if (arr && *cap)
        memcpy(p, arr, (size_t)*cap * elem);
    *cap = nc;
    return p;
}

static pt2c_pyobj *new_obj(unpickler *u, pt2c_py_kind kind) {
    obj_box *b = PT2C_ARENA_NEW(u->arena, obj_box);
    if (!b) {
        fail(u, PT2C_ERR_NOMEM, "out of memory");
        return NULL;
    }
    b->obj.kind = kind;
    return &b->obj;
}

static pt2c_status take(unpickler *u, uint64_t k, const uint8_t **p) {
    if (k > u->n - u->pos)
        return fail(u, PT2C_ERR_PICKLE, "truncated: needs %" PRIu64 " bytes, %" PRIu64 " left", k,
                    u->n - u->pos);
    *p = u->d + u->pos;
    u->pos += k;
    return PT2C_OK;
}

static pt2c_status take_line(unpickler *u, const uint8_t **p, uint64_t *len) {
    const uint8_t *s = u->d + u->pos;
    const uint8_t *nl = memchr(s, '\n', (size_t)(u->n - u->pos));
    if (!nl)
        return fail(u, PT2C_ERR_PICKLE, "truncated: line without newline");
    *p = s;
    *len = (uint64_t)(nl - s);
    u->pos += *len + 1;
    return PT2C_OK;
}

static uint64_t le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static pt2c_status push(unpickler *u, pt2c_pyobj *o) {
    if (!o)
        return PT2C_ERR_NOMEM;
    pt2c_pyobj **s = grow(u, u->stack, &u->scap, u->sp + 1, sizeof *s);
    if (!s)
        return PT2C_ERR_NOMEM;
    u->stack = s;
    u->stack[u->sp++] = o;
    return PT2C_OK;
}

static uint64_t floor_sp(const unpickler *u) { return u->nm ? u->marks[u->nm - 1] : 0; }

static pt2c_status pop(unpickler *u, pt2c_pyobj **o) {
    if (u->sp <= floor_sp(u))
        return fail(u, PT2C_ERR_PICKLE, "stack underflow");
    *o = u->stack[--u->sp];
    return PT2C_OK;
}

static pt2c_status top(unpickler *u, pt2c_pyobj **o) {
    if (u->sp <= floor_sp(u))
        return fail(u, PT2C_ERR_PICKLE, "stack underflow");
    *o = u->stack[u->sp - 1];
    return PT2C_OK;
}

/* Items above the topmost mark; the mark is removed. */
static pt2c_status pop_mark(unpickler *u, pt2c_pyobj ***items, uint64_t *n) {
    if (!u->nm)
        return fail(u, PT2C_ERR_PICKLE, "no MARK on the stack");
    uint64_t m = u->marks[--u->nm];
    /* An empty stack has no array yet: NULL + 0 is undefined in C. */
    *items = u->stack ? u->stack + m : NULL;
    *n = u->sp - m;
    u->sp = m;
    return PT2C_OK;
}

static pt2c_status add_item(unpickler *u, pt2c_pyobj *c, pt2c_pyobj *item) {
    obj_box *cb = box(c), *ib = box(item);
    if (item == c)
        return fail(u, PT2C_ERR_PICKLE, "container contains itself");
    if (ib->depth + 1 > u->lim.max_pickle_depth)
        return fail(u, PT2C_ERR_LIMIT, "nesting deeper than %u", u->lim.max_pickle_depth);
    if (c->n_items >= cb->cap) {
        int64_t nc = cb->cap ? cb->cap * 2 : 8;
        pt2c_pyobj **p = PT2C_ARENA_ARRAY(u->arena, pt2c_pyobj *, (size_t)nc);
        if (!p)
            return fail(u, PT2C_ERR_NOMEM, "out of memory");
        if (c->n_items)
            memcpy(p, c->items, (size_t)c->n_items * sizeof *p);
        c->items = p;
        cb->cap = nc;
    }
    c->items[c->n_items++] = item;
    if (ib->depth + 1 > cb->depth)
        cb->depth = ib->depth + 1;
    if (item->kind == PT2C_PY_LIST || item->kind == PT2C_PY_DICT || item->kind == PT2C_PY_SET ||
        item->kind == PT2C_PY_TUPLE)
        ib->contained = true;
    return PT2C_OK;
}

static pt2c_status check_mutable(unpickler *u, pt2c_pyobj *c, pt2c_py_kind want, const char *op) {
    if (c->kind != want)
        return fail(u, PT2C_ERR_PICKLE, "%s on a non-%s object", op,
                    want == PT2C_PY_LIST   ? "list"
                    : want == PT2C_PY_DICT ? "dict"
                                           : "set");
    if (box(c)->contained)
        return fail(u, PT2C_ERR_PICKLE, "%s on a container already nested elsewhere", op);
    return PT2C_OK;
}

static pt2c_status make_seq(unpickler *u, pt2c_py_kind kind, pt2c_pyobj **items, uint64_t n,
                            pt2c_pyobj **out) {
    pt2c_pyobj *o = new_obj(u, kind);
    if (!o)
        return PT2C_ERR_NOMEM;
    for (uint64_t i = 0; i < n; i++)
        PT2C_TRY(add_item(u, o, items[i]));
    *out = o;
    return PT2C_OK;
}

static pt2c_status make_str(unpickler *u, pt2c_py_kind kind, const uint8_t *p, uint64_t n) {
    pt2c_pyobj *o = new_obj(u, kind);
    if (!o)
        return PT2C_ERR_NOMEM;
    char *s = pt2c_arena_alloc(u->arena, (size_t)n + 1, 1);
    if (!s)
        return fail(u, PT2C_ERR_NOMEM, "out of memory for a %" PRIu64 "-byte string", n);
    if (n)
        memcpy(s, p, (size_t)n);
    o->s = s;
    o->len = n;
    return push(u, o);
}

static pt2c_status make_int(unpickler *u, int64_t v, pt2c_py_kind kind) {
    pt2c_pyobj *o = new_obj(u, kind);
    if (!o)
        return PT2C_ERR_NOMEM;
    o->i = v;
    return push(u, o);
}

/* Little-endian two's complement of n bytes, which must fit int64. */
static pt2c_status long_bytes(unpickler *u, const uint8_t *p, uint64_t n) {
    if (n == 0)
        return make_int(u, 0, PT2C_PY_INT);
    uint8_t sign = (p[n - 1] & 0x80) ? 0xff : 0;
    for (uint64_t i = 8; i < n; i++)
        if (p[i] != sign)
            return fail(u, PT2C_ERR_PICKLE, "integer of %" PRIu64 " bytes exceeds int64", n);
    if (n > 8 && ((p[7] & 0x80) ? 0xff : 0) != sign)
        return fail(u, PT2C_ERR_PICKLE, "integer of %" PRIu64 " bytes exceeds int64", n);
    uint64_t k = n < 8 ? n : 8;
    uint64_t v = le(p, (int)k);
    if (k < 8 && sign)
        v |= ~UINT64_C(0) << (8 * k);
    int64_t sv;
    memcpy(&sv, &v, sizeof sv);
    return make_int(u, sv, PT2C_PY_INT);
}

/* ---- globals ---- */

typedef enum gkind {
    G_NONE,
    G_V2,
    G_V3,
    G_PARAM,
    G_PARAM_STATE,
    G_ODICT,
    G_STORAGE,
    G_DTYPE,
    G_SIZE,
    G_DEVICE,
    G_ENCODE,
    G_SET,
    G_FROZENSET,
    G_SLICE,
    G_UNSUPPORTED
} gkind;

static const struct {
    const char *name;
    pt2c_dtype dtype;
} storage_classes[] = {
    {"torch.FloatStorage", PT2C_DTYPE_F32},        {"torch.DoubleStorage", PT2C_DTYPE_F64},
    {"torch.HalfStorage", PT2C_DTYPE_F16},         {"torch.BFloat16Storage", PT2C_DTYPE_BF16},
    {"torch.LongStorage", PT2C_DTYPE_I64},         {"torch.IntStorage", PT2C_DTYPE_I32},
    {"torch.ShortStorage", PT2C_DTYPE_I16},        {"torch.CharStorage", PT2C_DTYPE_I8},
    {"torch.ByteStorage", PT2C_DTYPE_U8},          {"torch.BoolStorage", PT2C_DTYPE_BOOL},
    {"torch.ComplexFloatStorage", PT2C_DTYPE_C64}, {"torch.ComplexDoubleStorage", PT2C_DTYPE_C128},
    {"torch.UntypedStorage", PT2C_DTYPE_U8},
};

static const struct {
    const char *name;
    gkind kind;
} globals[] = {
    {"torch._utils._rebuild_tensor_v2", G_V2},
    {"torch._utils._rebuild_tensor_v3", G_V3},
    {"torch._utils._rebuild_parameter", G_PARAM},
    {"torch._utils._rebuild_parameter_with_state", G_PARAM_STATE},
    {"collections.OrderedDict", G_ODICT},
    {"torch.Size", G_SIZE},
    {"torch.device", G_DEVICE},
    {"_codecs.encode", G_ENCODE},
    {"builtins.set", G_SET},
    {"__builtin__.set", G_SET},
    {"builtins.frozenset", G_FROZENSET},
    {"__builtin__.frozenset", G_FROZENSET},
    {"builtins.slice", G_SLICE},
    {"__builtin__.slice", G_SLICE},
    {"torch._utils._rebuild_sparse_tensor", G_UNSUPPORTED},
    {"torch._utils._rebuild_sparse_csr", G_UNSUPPORTED},
    {"torch._utils._rebuild_qtensor", G_UNSUPPORTED},
    {"torch._utils._rebuild_meta_tensor_no_storage", G_UNSUPPORTED},
    {"torch._utils._rebuild_wrapper_subclass", G_UNSUPPORTED},
    {"torch._utils._rebuild_nested_tensor", G_UNSUPPORTED},
    {"torch._utils._rebuild_device_tensor_from_numpy", G_UNSUPPORTED},
    {"torch._utils._rebuild_device_tensor_from_cpu_tensor", G_UNSUPPORTED},
    {"torch._tensor._rebuild_from_type_v2", G_UNSUPPORTED},
};

static const struct {
    const char *name;
    pt2c_dtype dtype;
} dtype_names[] = {
#define PT2C_DTYPE_ROW(name, value, bytes, abbr, torch_name, npy) {torch_name, PT2C_DTYPE_##name},
    PT2C_FORALL_DTYPES(PT2C_DTYPE_ROW)
#undef PT2C_DTYPE_ROW
};

static gkind classify(const char *name, pt2c_dtype *dtype) {
    for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++)
        if (!strcmp(name, globals[i].name))
            return globals[i].kind;
    for (size_t i = 0; i < sizeof storage_classes / sizeof storage_classes[0]; i++)
        if (!strcmp(name, storage_classes[i].name)) {
            *dtype = storage_classes[i].dtype;
            return G_STORAGE;
        }
    for (size_t i = 0; i < sizeof dtype_names / sizeof dtype_names[0]; i++)
        if (!strcmp(name, dtype_names[i].name)) {
            *dtype = dtype_names[i].dtype;
            return G_DTYPE;
        }
    return G_NONE;
}

static pt2c_status make_global(unpickler *u, const uint8_t *mod, uint64_t nmod, const uint8_t *name,
                               uint64_t nname) {
    if (nmod > 200 || nname > 200)
        return fail(u, PT2C_ERR_PICKLE, "global name too long");
    char full[404];
    memcpy(full, mod, (size_t)nmod);
    full[nmod] = '.';
    memcpy(full + nmod + 1, name, (size_t)nname);
    full[nmod + 1 + nname] = '\0';
    if (strlen(full) != nmod + 1 + nname)
        return fail(u, PT2C_ERR_PICKLE, "global name contains NUL");
    pt2c_dtype dt = PT2C_DTYPE_UNKNOWN;
    gkind k = classify(full, &dt);
    if (k == G_NONE)
        return fail(u, PT2C_ERR_PICKLE, "global '%s' is not allowed", full);
    if (k == G_DTYPE)
        return make_int(u, (int64_t)dt, PT2C_PY_DTYPE);
    pt2c_pyobj *o = new_obj(u, PT2C_PY_GLOBAL);
    if (!o)
        return PT2C_ERR_NOMEM;
    o->s = pt2c_arena_strdup(u->arena, full);
    if (!o->s)
        return fail(u, PT2C_ERR_NOMEM, "out of memory");
    return push(u, o);
}

/* ---- REDUCE of allowlisted callables ---- */

static bool is_int(const pt2c_pyobj *o) {
    return o->kind == PT2C_PY_INT || o->kind == PT2C_PY_BOOL;
}

static pt2c_status int_tuple(unpickler *u, const pt2c_pyobj *t, const char *what, int64_t **out) {
    if (t->kind != PT2C_PY_TUPLE && t->kind != PT2C_PY_LIST)
        return fail(u, PT2C_ERR_PICKLE, "tensor %s is not a tuple", what);
    if (t->n_items > (int64_t)u->lim.max_rank)
        return fail(u, PT2C_ERR_LIMIT, "tensor rank %" PRId64 " exceeds %u", t->n_items,
                    u->lim.max_rank);
    int64_t *v = PT2C_ARENA_ARRAY(u->arena, int64_t, (size_t)(t->n_items ? t->n_items : 1));
    if (!v)
        return fail(u, PT2C_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < t->n_items; i++) {
        if (!is_int(t->items[i]) || t->items[i]->i < 0)
            return fail(u, PT2C_ERR_PICKLE, "tensor %s[%" PRId64 "] is not a non-negative int",
                        what, i);
        v[i] = t->items[i]->i;
    }
    *out = v;
    return PT2C_OK;
}

static pt2c_status rebuild_tensor(unpickler *u, pt2c_pyobj **a, int64_t n, bool v3,
                                  pt2c_pyobj **out) {
    int64_t want = v3 ? 7 : 6;
    if (n < want || n > want + 1)
        return fail(u, PT2C_ERR_PICKLE,
                    "_rebuild_tensor_%s takes %" PRId64 " or %" PRId64 " arguments, got %" PRId64,
                    v3 ? "v3" : "v2", want, want + 1, n);
    if (a[0]->kind != PT2C_PY_STORAGE)
        return fail(u, PT2C_ERR_PICKLE, "tensor storage argument is not a storage");
    if (!is_int(a[1]) || a[1]->i < 0)
        return fail(u, PT2C_ERR_PICKLE, "tensor storage offset is not a non-negative int");
    pt2c_tensor_data *t = PT2C_ARENA_NEW(u->arena, pt2c_tensor_data);
    if (!t)
        return fail(u, PT2C_ERR_NOMEM, "out of memory");
    PT2C_TRY(int_tuple(u, a[2], "size", &t->sizes));
    PT2C_TRY(int_tuple(u, a[3], "stride", &t->strides));
    if (a[2]->n_items != a[3]->n_items)
        return fail(u, PT2C_ERR_PICKLE, "tensor size has %" PRId64 " dims, stride %" PRId64,
                    a[2]->n_items, a[3]->n_items);
    if (!is_int(a[4]))
        return fail(u, PT2C_ERR_PICKLE, "tensor requires_grad is not a bool");
    pt2c_py_storage *st = a[0]->storage;
    t->rank = (int32_t)a[2]->n_items;
    t->storage_offset = a[1]->i;
    t->requires_grad = a[4]->i != 0;
    t->path_name = st->key;
    if (v3) {
        if (a[6]->kind != PT2C_PY_DTYPE)
            return fail(u, PT2C_ERR_PICKLE, "_rebuild_tensor_v3 dtype argument is not a dtype");
        t->dtype = (pt2c_dtype)a[6]->i;
    } else {
        t->dtype = st->dtype;
    }
    if (pt2c_dtype_size(t->dtype) == 0)
        return fail(u, PT2C_ERR_UNSUPPORTED, "tensor dtype %d is unsupported", (int)t->dtype);
    tensor_ref *r = grow(u, u->tensors, &u->tcap, u->nt + 1, sizeof *r);
    if (!r)
        return PT2C_ERR_NOMEM;
    u->tensors = r;
    u->tensors[u->nt++] = (tensor_ref){t, st};
    pt2c_pyobj *o = new_obj(u, PT2C_PY_TENSOR);
    if (!o)
        return PT2C_ERR_NOMEM;
    o->tensor = t;
    *out = o;
    return PT2C_OK;
}

static pt2c_status apply(unpickler *u, pt2c_pyobj *fn, pt2c_pyobj *args, pt2c_pyobj **out) {
    if (fn->kind != PT2C_PY_GLOBAL)
        return fail(u, PT2C_ERR_PICKLE, "call of a non-callable object");
    if (args->kind != PT2C_PY_TUPLE)
        return fail(u, PT2C_ERR_PICKLE, "arguments of '%s' are not a tuple", fn->s);
    pt2c_dtype dt = PT2C_DTYPE_UNKNOWN;
    gkind k = classify(fn->s, &dt);
    pt2c_pyobj **a = args->items;
    int64_t n = args->n_items;
    pt2c_pyobj *o;
    switch (k) {
    case G_V2:
    case G_V3:
        return rebuild_tensor(u, a, n, k == G_V3, out);
    case G_PARAM:
    case G_PARAM_STATE:
        if (n != (k == G_PARAM ? 3 : 4) || a[0]->kind != PT2C_PY_TENSOR || !is_int(a[1]))
            return fail(u, PT2C_ERR_PICKLE, "bad arguments to '%s'", fn->s);
        a[0]->tensor->is_param = true;
        a[0]->tensor->requires_grad = a[1]->i != 0;
        *out = a[0];
        return PT2C_OK;
    case G_ODICT:
        o = new_obj(u, PT2C_PY_DICT);
        if (!o)
            return PT2C_ERR_NOMEM;
        if (n == 1 && (a[0]->kind == PT2C_PY_LIST || a[0]->kind == PT2C_PY_TUPLE)) {
            for (int64_t i = 0; i < a[0]->n_items; i++) {
                pt2c_pyobj *pr = a[0]->items[i];
                if (pr->kind != PT2C_PY_TUPLE || pr->n_items != 2)
                    return fail(u, PT2C_ERR_PICKLE, "OrderedDict item is not a pair");
                PT2C_TRY(add_item(u, o, pr->items[0]));
                PT2C_TRY(add_item(u, o, pr->items[1]));
            }
        } else if (n != 0) {
            return fail(u, PT2C_ERR_PICKLE, "bad arguments to OrderedDict");
        }
        *out = o;
        return PT2C_OK;
    case G_SIZE:
        if (n != 1 || (a[0]->kind != PT2C_PY_TUPLE && a[0]->kind != PT2C_PY_LIST))
            return fail(u, PT2C_ERR_PICKLE, "torch.Size argument is not a tuple");
        return make_seq(u, PT2C_PY_TUPLE, a[0]->items, (uint64_t)a[0]->n_items, out);
    case G_DEVICE:
        if (n < 1 || n > 2 || a[0]->kind != PT2C_PY_STR || (n == 2 && !is_int(a[1])))
            return fail(u, PT2C_ERR_PICKLE, "bad arguments to torch.device");
        o = new_obj(u, PT2C_PY_DEVICE);
        if (!o)
            return PT2C_ERR_NOMEM;
        o->s = n == 2 ? pt2c_arena_sprintf(u->arena, "%s:%" PRId64, a[0]->s, a[1]->i)
                      : pt2c_arena_strdup(u->arena, a[0]->s);
        if (!o->s)
            return fail(u, PT2C_ERR_NOMEM, "out of memory");
        *out = o;
        return PT2C_OK;
    case G_ENCODE: {
        if (n != 2 || a[0]->kind != PT2C_PY_STR || a[1]->kind != PT2C_PY_STR ||
            (strcmp(a[1]->s, "latin1") && strcmp(a[1]->s, "latin-1")))
            return fail(u, PT2C_ERR_PICKLE, "_codecs.encode supports (str, 'latin1') only");
        o = new_obj(u, PT2C_PY_BYTES);
        uint8_t *b = pt2c_arena_alloc(u->arena, (size_t)a[0]->len + 1, 1);
        if (!o || !b)
            return fail(u, PT2C_ERR_NOMEM, "out of memory");
        /* UTF-8 code points below 256 back to single bytes. */
        const uint8_t *s = (const uint8_t *)a[0]->s;
        uint64_t j = 0;
        for (uint64_t i = 0; i < a[0]->len; i++) {
            if (s[i] < 0x80) {
                b[j++] = s[i];
            } else if ((s[i] & 0xe0) == 0xc0 && s[i] <= 0xc3 && i + 1 < a[0]->len &&
                       (s[i + 1] & 0xc0) == 0x80) {
                b[j++] = (uint8_t)(((s[i] & 0x1f) << 6) | (s[i + 1] & 0x3f));
                i++;
            } else {
                return fail(u, PT2C_ERR_PICKLE, "_codecs.encode: string is not latin-1");
            }
        }
        o->s = (const char *)b;
        o->len = j;
        *out = o;
        return PT2C_OK;
    }
    case G_SET:
    case G_FROZENSET:
        if (n == 0)
            return make_seq(u, PT2C_PY_SET, NULL, 0, out);
        if (n != 1 || (a[0]->kind != PT2C_PY_LIST && a[0]->kind != PT2C_PY_TUPLE &&
                       a[0]->kind != PT2C_PY_SET))
            return fail(u, PT2C_ERR_PICKLE, "bad arguments to '%s'", fn->s);
        return make_seq(u, PT2C_PY_SET, a[0]->items, (uint64_t)a[0]->n_items, out);
    case G_SLICE:
        return make_seq(u, PT2C_PY_TUPLE, a, (uint64_t)n, out);
    case G_UNSUPPORTED:
        return fail(u, PT2C_ERR_UNSUPPORTED, "'%s' is unsupported", fn->s);
    default:
        return fail(u, PT2C_ERR_PICKLE, "'%s' cannot be called", fn->s);
    }
}

/* BINPERSID: ('storage', storage_class, key, location, numel). */
static pt2c_status persid(unpickler *u, pt2c_pyobj *pid) {
    if (pid->kind != PT2C_PY_TUPLE || pid->n_items != 5 || pid->items[0]->kind != PT2C_PY_STR ||
        strcmp(pid->items[0]->s, "storage") || pid->items[1]->kind != PT2C_PY_GLOBAL ||
        pid->items[2]->kind != PT2C_PY_STR || pid->items[3]->kind != PT2C_PY_STR ||
        !is_int(pid->items[4]) || pid->items[4]->i < 0)
        return fail(u, PT2C_ERR_PICKLE,
                    "persistent id is not ('storage', class, key, location, numel)");
    pt2c_dtype dt = PT2C_DTYPE_UNKNOWN;
    if (classify(pid->items[1]->s, &dt) != G_STORAGE)
        return fail(u, PT2C_ERR_PICKLE, "'%s' is not a storage class", pid->items[1]->s);
    pt2c_py_storage *st = PT2C_ARENA_NEW(u->arena, pt2c_py_storage);
    pt2c_pyobj *o = new_obj(u, PT2C_PY_STORAGE);
    if (!st || !o)
        return fail(u, PT2C_ERR_NOMEM, "out of memory");
    st->key = pid->items[2]->s;
    st->dtype = dt;
    st->numel = (uint64_t)pid->items[4]->i;
    st->location = pid->items[3]->s;
    o->storage = st;
    pt2c_py_storage **ss = grow(u, u->storages, &u->stcap, u->ns + 1, sizeof *ss);
    if (!ss)
        return PT2C_ERR_NOMEM;
    u->storages = ss;
    u->storages[u->ns++] = st;
    return push(u, o);
}

static pt2c_status memo_put(unpickler *u, uint64_t idx) {
    pt2c_pyobj *o = NULL;
    PT2C_TRY(top(u, &o));
    /* A pickle cannot memoize more objects than it has bytes. */
    if (idx > u->n)
        return fail(u, PT2C_ERR_PICKLE, "memo index %" PRIu64 " out of range", idx);
    pt2c_pyobj **m = grow(u, u->memo, &u->memo_cap, idx + 1, sizeof *m);
    if (!m)
        return PT2C_ERR_NOMEM;
    u->memo = m;
    if (!u->memo[idx])
        u->memo_len++;
    u->memo[idx] = o;
    return PT2C_OK;
}

static pt2c_status memo_get(unpickler *u, uint64_t idx) {
    if (idx >= u->memo_cap || !u->memo[idx])
        return fail(u, PT2C_ERR_PICKLE, "memo index %" PRIu64 " is not set", idx);
    return push(u, u->memo[idx]);
}

static pt2c_status parse_text_int(unpickler *u, const uint8_t *p, uint64_t len, bool is_long) {
    char buf[32];
    if (is_long && len && p[len - 1] == 'L')
        len--;
    if (len == 0 || len >= sizeof buf)
        return fail(u, PT2C_ERR_PICKLE, "bad integer literal");
    memcpy(buf, p, (size_t)len);
    buf[len] = '\0';
    if (!is_long && (!strcmp(buf, "00") || !strcmp(buf, "01")))
        return make_int(u, buf[1] == '1', PT2C_PY_BOOL);
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (*end || errno)
        return fail(u, PT2C_ERR_PICKLE, "bad integer literal '%s'", buf);
    return make_int(u, v, PT2C_PY_INT);
}

static pt2c_status run(unpickler *u, pt2c_pyobj **out) {
    for (;;) {
        u->op = u->pos;
        const uint8_t *p = NULL;
        uint64_t len = 0, n = 0;
        pt2c_pyobj *a = NULL, *b = NULL, *c = NULL, **items = NULL;
        PT2C_TRY(take(u, 1, &p));
        uint8_t opc = p[0];
        switch (opc) {
        case 0x80: /* PROTO */
            PT2C_TRY(take(u, 1, &p));
            if (p[0] > 5)
                return fail(u, PT2C_ERR_PICKLE, "protocol %u is unsupported", p[0]);
            break;
        case 0x95: /* FRAME: framing is transparent */
            PT2C_TRY(take(u, 8, &p));
            if (le(p, 8) > u->n - u->pos)
                return fail(u, PT2C_ERR_PICKLE, "frame of %" PRIu64 " bytes exceeds the data",
                            le(p, 8));
            break;
        case '.': /* STOP */
            PT2C_TRY(pop(u, out));
            return PT2C_OK;
        case '(': /* MARK */
            if (u->nm >= u->lim.max_pickle_depth)
                return fail(u, PT2C_ERR_LIMIT, "more than %u nested MARKs",
                            u->lim.max_pickle_depth);
            {
                uint64_t *m = grow(u, u->marks, &u->mcap, u->nm + 1, sizeof *m);
                if (!m)
                    return PT2C_ERR_NOMEM;
                u->marks = m;
                u->marks[u->nm++] = u->sp;
            }
            break;
        case '0': /* POP */
            if (u->nm && u->sp == u->marks[u->nm - 1])
                u->nm--;
            else
                PT2C_TRY(pop(u, &a));
            break;
        case '1': /* POP_MARK */
            PT2C_TRY(pop_mark(u, &items, &n));
            break;
        case '2': /* DUP */
            PT2C_TRY(top(u, &a));
            PT2C_TRY(push(u, a));
            break;
        case 'N':
            PT2C_TRY(push(u, new_obj(u, PT2C_PY_NONE)));
            break;
        case 0x88:
        case 0x89:
            PT2C_TRY(make_int(u, opc == 0x88, PT2C_PY_BOOL));
            break;
        case 'J': /* BININT */
            PT2C_TRY(take(u, 4, &p));
            PT2C_TRY(make_int(u, (int32_t)(uint32_t)le(p, 4), PT2C_PY_INT));
            break;
        case 'K':
            PT2C_TRY(take(u, 1, &p));
            PT2C_TRY(make_int(u, p[0], PT2C_PY_INT));
            break;
        case 'M':
            PT2C_TRY(take(u, 2, &p));
            PT2C_TRY(make_int(u, (int64_t)le(p, 2), PT2C_PY_INT));
            break;
        case 0x8a: /* LONG1 */
            PT2C_TRY(take(u, 1, &p));
            n = p[0];
            PT2C_TRY(take(u, n, &p));
            PT2C_TRY(long_bytes(u, p, n));
            break;
        case 0x8b: /* LONG4 */
            PT2C_TRY(take(u, 4, &p));
            n = le(p, 4);
            if (n & 0x80000000u)
                return fail(u, PT2C_ERR_PICKLE, "negative LONG4 length");
            PT2C_TRY(take(u, n, &p));
            PT2C_TRY(long_bytes(u, p, n));
            break;
        case 'I':
        case 'L':
            PT2C_TRY(take_line(u, &p, &len));
            PT2C_TRY(parse_text_int(u, p, len, opc == 'L'));
            break;
        case 'F': {
            char buf[64];
            PT2C_TRY(take_line(u, &p, &len));
            if (len == 0 || len >= sizeof buf)
                return fail(u, PT2C_ERR_PICKLE, "bad float literal");
            memcpy(buf, p, (size_t)len);
            buf[len] = '\0';
            char *end;
            double v = strtod(buf, &end);
            if (*end)
                return fail(u, PT2C_ERR_PICKLE, "bad float literal '%s'", buf);
            a = new_obj(u, PT2C_PY_FLOAT);
            if (!a)
                return PT2C_ERR_NOMEM;
            a->f = v;
            PT2C_TRY(push(u, a));
            break;
        }
        case 'G': { /* BINFLOAT: big-endian IEEE double */
            PT2C_TRY(take(u, 8, &p));
            uint64_t bits = 0;
            for (int i = 0; i < 8; i++)
                bits = (bits << 8) | p[i];
            a = new_obj(u, PT2C_PY_FLOAT);
            if (!a)
                return PT2C_ERR_NOMEM;
            memcpy(&a->f, &bits, sizeof bits);
            PT2C_TRY(push(u, a));
            break;
        }
        case 'X': /* BINUNICODE */
        case 'T': /* BINSTRING */
        case 'B': /* BINBYTES */
            PT2C_TRY(take(u, 4, &p));
            n = le(p, 4);
            if (opc == 'T' && (n & 0x80000000u))
                return fail(u, PT2C_ERR_PICKLE, "negative BINSTRING length");
            PT2C_TRY(take(u, n, &p));
            PT2C_TRY(make_str(u, opc == 'B' ? PT2C_PY_BYTES : PT2C_PY_STR, p, n));
            break;
        case 0x8c: /* SHORT_BINUNICODE */
        case 'U':  /* SHORT_BINSTRING */
        case 'C':  /* SHORT_BINBYTES */
            PT2C_TRY(take(u, 1, &p));
            n = p[0];
            PT2C_TRY(take(u, n, &p));
            PT2C_TRY(make_str(u, opc == 'C' ? PT2C_PY_BYTES : PT2C_PY_STR, p, n));
            break;
        case 0x8d: /* BINUNICODE8 */
        case 0x8e: /* BINBYTES8 */
        case 0x96: /* BYTEARRAY8 */
            PT2C_TRY(take(u, 8, &p));
            n = le(p, 8);
            PT2C_TRY(take(u, n, &p));
            PT2C_TRY(make_str(u, opc == 0x8d ? PT2C_PY_STR : PT2C_PY_BYTES, p, n));
            break;
        case 'S': /* STRING: a quoted repr; escapes are not supported */
            PT2C_TRY(take_line(u, &p, &len));
            if (len < 2 || p[0] != p[len - 1] || (p[0] != '\'' && p[0] != '"') ||
                memchr(p, '\\', (size_t)len))
                return fail(u, PT2C_ERR_PICKLE, "unsupported STRING literal");
            PT2C_TRY(make_str(u, PT2C_PY_STR, p + 1, len - 2));
            break;
        case 'V': /* UNICODE (raw-unicode-escape); only plain ASCII is supported */
            PT2C_TRY(take_line(u, &p, &len));
            for (uint64_t i = 0; i < len; i++)
                if (p[i] >= 0x80 || p[i] == '\\')
                    return fail(u, PT2C_ERR_PICKLE, "unsupported UNICODE literal");
            PT2C_TRY(make_str(u, PT2C_PY_STR, p, len));
            break;
        case ')':
            PT2C_TRY(push(u, new_obj(u, PT2C_PY_TUPLE)));
            break;
        case ']':
            PT2C_TRY(push(u, new_obj(u, PT2C_PY_LIST)));
            break;
        case '}':
            PT2C_TRY(push(u, new_obj(u, PT2C_PY_DICT)));
            break;
        case 0x8f:
            PT2C_TRY(push(u, new_obj(u, PT2C_PY_SET)));
            break;
        case 't':
        case 'l':
        case 'd':
        case 0x91: /* FROZENSET */
            PT2C_TRY(pop_mark(u, &items, &n));
            if (opc == 'd' && (n & 1))
                return fail(u, PT2C_ERR_PICKLE, "DICT with an odd number of items");
            PT2C_TRY(make_seq(u,
                              opc == 't'   ? PT2C_PY_TUPLE
                              : opc == 'l' ? PT2C_PY_LIST
                              : opc == 'd' ? PT2C_PY_DICT
                                           : PT2C_PY_SET,
                              items, n, &a));
            PT2C_TRY(push(u, a));
            break;
        case 0x85:
        case 0x86:
        case 0x87:
            n = (uint64_t)(opc - 0x84);
            if (u->sp - floor_sp(u) < n)
                return fail(u, PT2C_ERR_PICKLE, "stack underflow");
            u->sp -= n;
            PT2C_TRY(make_seq(u, PT2C_PY_TUPLE, u->stack + u->sp, n, &a));
            PT2C_TRY(push(u, a));
            break;
        case 'a': /* APPEND */
            PT2C_TRY(pop(u, &b));
            PT2C_TRY(top(u, &a));
            PT2C_TRY(check_mutable(u, a, PT2C_PY_LIST, "APPEND"));
            PT2C_TRY(add_item(u, a, b));
            break;
        case 'e':  /* APPENDS */
        case 0x90: /* ADDITEMS */
            PT2C_TRY(pop_mark(u, &items, &n));
            PT2C_TRY(top(u, &a));
            PT2C_TRY(check_mutable(u, a, opc == 'e' ? PT2C_PY_LIST : PT2C_PY_SET,
                                   opc == 'e' ? "APPENDS" : "ADDITEMS"));
            for (uint64_t i = 0; i < n; i++)
                PT2C_TRY(add_item(u, a, items[i]));
            break;
        case 's': /* SETITEM */
            PT2C_TRY(pop(u, &c));
            PT2C_TRY(pop(u, &b));
            PT2C_TRY(top(u, &a));
            PT2C_TRY(check_mutable(u, a, PT2C_PY_DICT, "SETITEM"));
            PT2C_TRY(add_item(u, a, b));
            PT2C_TRY(add_item(u, a, c));
            break;
        case 'u': /* SETITEMS */
            PT2C_TRY(pop_mark(u, &items, &n));
            PT2C_TRY(top(u, &a));
            PT2C_TRY(check_mutable(u, a, PT2C_PY_DICT, "SETITEMS"));
            if (n & 1)
                return fail(u, PT2C_ERR_PICKLE, "SETITEMS with an odd number of items");
            for (uint64_t i = 0; i < n; i++)
                PT2C_TRY(add_item(u, a, items[i]));
            break;
        case 'p': /* PUT */
        case 'g': /* GET */ {
            char buf[24];
            PT2C_TRY(take_line(u, &p, &len));
            if (len == 0 || len >= sizeof buf)
                return fail(u, PT2C_ERR_PICKLE, "bad memo index");
            memcpy(buf, p, (size_t)len);
            buf[len] = '\0';
            char *end;
            errno = 0;
            unsigned long long idx = strtoull(buf, &end, 10);
            if (*end || errno || buf[0] == '-')
                return fail(u, PT2C_ERR_PICKLE, "bad memo index '%s'", buf);
            PT2C_TRY(opc == 'p' ? memo_put(u, idx) : memo_get(u, idx));
            break;
        }
        case 'q':
        case 'h':
            PT2C_TRY(take(u, 1, &p));
            PT2C_TRY(opc == 'q' ? memo_put(u, p[0]) : memo_get(u, p[0]));
            break;
        case 'r':
        case 'j':
            PT2C_TRY(take(u, 4, &p));
            PT2C_TRY(opc == 'r' ? memo_put(u, le(p, 4)) : memo_get(u, le(p, 4)));
            break;
        case 0x94: /* MEMOIZE */
            /* Python memoizes at index len(memo). */
            PT2C_TRY(memo_put(u, u->memo_len));
            break;
        case 'c': { /* GLOBAL */
            const uint8_t *mod = NULL, *name = NULL;
            uint64_t nmod = 0, nname = 0;
            PT2C_TRY(take_line(u, &mod, &nmod));
            PT2C_TRY(take_line(u, &name, &nname));
            PT2C_TRY(make_global(u, mod, nmod, name, nname));
            break;
        }
        case 0x93: /* STACK_GLOBAL */
            PT2C_TRY(pop(u, &b));
            PT2C_TRY(pop(u, &a));
            if (a->kind != PT2C_PY_STR || b->kind != PT2C_PY_STR)
                return fail(u, PT2C_ERR_PICKLE, "STACK_GLOBAL needs two strings");
            PT2C_TRY(make_global(u, (const uint8_t *)a->s, a->len, (const uint8_t *)b->s, b->len));
            break;
        case 'R':  /* REDUCE */
        case 0x81: /* NEWOBJ */
            PT2C_TRY(pop(u, &b));
            PT2C_TRY(pop(u, &a));
            PT2C_TRY(apply(u, a, b, &c));
            PT2C_TRY(push(u, c));
            break;
        case 0x92: /* NEWOBJ_EX */
            PT2C_TRY(pop(u, &c));
            PT2C_TRY(pop(u, &b));
            PT2C_TRY(pop(u, &a));
            if (c->kind != PT2C_PY_DICT || c->n_items)
                return fail(u, PT2C_ERR_PICKLE, "NEWOBJ_EX with keyword arguments");
            PT2C_TRY(apply(u, a, b, &c));
            PT2C_TRY(push(u, c));
            break;
        case 'b': /* BUILD: state of tensors and dicts (OrderedDict._metadata) is ignored */
            PT2C_TRY(pop(u, &b));
            PT2C_TRY(top(u, &a));
            if (a->kind != PT2C_PY_TENSOR && a->kind != PT2C_PY_DICT)
                return fail(u, PT2C_ERR_PICKLE, "BUILD on an unsupported object");
            break;
        case 'Q': /* BINPERSID */
            PT2C_TRY(pop(u, &a));
            PT2C_TRY(persid(u, a));
            break;
        default:
            return fail(u, PT2C_ERR_PICKLE, "opcode 0x%02x is not supported", opc);
        }
    }
}

static pt2c_status unpickle(unpickler *u, const uint8_t *data, uint64_t size, const char *where,
                            pt2c_arena *arena, const pt2c_limits *limits, pt2c_error *err,
                            pt2c_pyobj **out) {
    memset(u, 0, sizeof *u);
    u->d = data;
    u->n = data ? size : 0;
    u->where = where ? where : "pickle";
    u->arena = arena;
    u->lim = pt2c_limits_resolve(limits);
    u->err = err;
    return run(u, out);
}

pt2c_status pt2c_pickle_load(const uint8_t *data, uint64_t size, const char *where,
                             pt2c_arena *arena, const pt2c_limits *limits, pt2c_pyobj **out,
                             pt2c_error *err) {
    unpickler u;
    return unpickle(&u, data, size, where, arena, limits, err, out);
}

static void swap_bytes(uint8_t *p, uint64_t n, size_t elem) {
    for (uint64_t i = 0; i + elem <= n; i += elem)
        for (size_t a = 0, b = elem - 1; a < b; a++, b--) {
            uint8_t t = p[i + a];
            p[i + a] = p[i + b];
            p[i + b] = t;
        }
}

pt2c_status pt2c_torch_load(const uint8_t *data, uint64_t size, const char *where,
                            pt2c_arena *arena, const pt2c_limits *limits, pt2c_pyobj **out,
                            pt2c_error *err) {
    where = where ? where : "torch.save";
    if (size == 0) {
        pt2c_pyobj *o = PT2C_ARENA_NEW(arena, pt2c_pyobj);
        PT2C_CHECK(o, err, PT2C_ERR_NOMEM, "pickle: %s: out of memory", where);
        o->kind = PT2C_PY_NONE;
        *out = o;
        return PT2C_OK;
    }
    pt2c_zip zip;
    PT2C_TRY(pt2c_zip_open(data, size, arena, limits, &zip, err));
    PT2C_CHECK(zip.n_entries > 0, err, PT2C_ERR_FORMAT, "pickle: %s: empty zip", where);
    const char *first = zip.entries[0].name;
    const char *slash = strchr(first, '/');
    PT2C_CHECK(slash, err, PT2C_ERR_FORMAT, "pickle: %s: entry '%s' has no root folder", where,
               first);
    int root_len = (int)(slash - first);
    char *name = pt2c_arena_sprintf(arena, "%.*s/data.pkl", root_len, first);
    PT2C_CHECK(name, err, PT2C_ERR_NOMEM, "pickle: %s: out of memory", where);
    const pt2c_zip_entry *e = pt2c_zip_find(&zip, name);
    PT2C_CHECK(e, err, PT2C_ERR_FORMAT, "pickle: %s: no entry '%s'", where, name);
    const uint8_t *pkl;
    uint64_t pkl_n;
    PT2C_TRY(pt2c_zip_read(&zip, e, arena, &pkl, &pkl_n, err));
    char *pwhere = pt2c_arena_sprintf(arena, "%s/%s", where, name);
    PT2C_CHECK(pwhere, err, PT2C_ERR_NOMEM, "pickle: %s: out of memory", where);
    unpickler u;
    PT2C_TRY(unpickle(&u, pkl, pkl_n, pwhere, arena, limits, err, out));

    bool big = false;
    name = pt2c_arena_sprintf(arena, "%.*s/byteorder", root_len, first);
    PT2C_CHECK(name, err, PT2C_ERR_NOMEM, "pickle: %s: out of memory", where);
    e = pt2c_zip_find(&zip, name);
    if (e) {
        const uint8_t *bo;
        uint64_t bo_n;
        PT2C_TRY(pt2c_zip_read(&zip, e, arena, &bo, &bo_n, err));
        if (bo_n == 3 && !memcmp(bo, "big", 3))
            big = true;
        else
            PT2C_CHECK(bo_n == 6 && !memcmp(bo, "little", 6), err, PT2C_ERR_FORMAT,
                       "pickle: %s: %s is neither 'little' nor 'big'", where, name);
    }

    for (uint64_t i = 0; i < u.ns; i++) {
        pt2c_py_storage *st = u.storages[i];
        if (st->data || st->n_bytes)
            continue; /* the same storage may be listed once per persistent id */
        size_t elem = pt2c_dtype_size(st->dtype);
        /* Untyped storages take the element size of a tensor viewing them. */
        size_t telem = elem;
        for (uint64_t j = 0; j < u.nt; j++)
            if (u.tensors[j].st == st) {
                telem = pt2c_dtype_size(u.tensors[j].t->dtype);
                break;
            }
        uint64_t need;
        PT2C_CHECK(pt2c_mul_u64(st->numel, elem, &need), err, PT2C_ERR_FORMAT,
                   "pickle: %s: storage '%s' size overflows", where, st->key);
        name = pt2c_arena_sprintf(arena, "%.*s/data/%s", root_len, first, st->key);
        PT2C_CHECK(name, err, PT2C_ERR_NOMEM, "pickle: %s: out of memory", where);
        e = pt2c_zip_find(&zip, name);
        PT2C_CHECK(e, err, PT2C_ERR_FORMAT, "pickle: %s: storage record '%s' is missing", where,
                   name);
        const uint8_t *bytes;
        uint64_t nb;
        PT2C_TRY(pt2c_zip_read(&zip, e, arena, &bytes, &nb, err));
        PT2C_CHECK(nb >= need, err, PT2C_ERR_FORMAT,
                   "pickle: %s: storage record '%s' has %" PRIu64 " bytes, expected %" PRIu64,
                   where, name, nb, need);
        if (need == 0) {
            bytes = NULL;
        } else if (big || ((uintptr_t)bytes % telem) != 0) {
            uint8_t *copy = pt2c_arena_alloc(arena, (size_t)need, 64);
            PT2C_CHECK(copy, err, PT2C_ERR_NOMEM, "pickle: %s: out of memory copying '%s'", where,
                       name);
            memcpy(copy, bytes, (size_t)need);
            if (big)
                swap_bytes(copy, need, telem);
            bytes = copy;
        }
        st->data = bytes;
        st->n_bytes = need;
    }

    for (uint64_t j = 0; j < u.nt; j++) {
        pt2c_tensor_data *t = u.tensors[j].t;
        pt2c_py_storage *st = u.tensors[j].st;
        t->storage = st->data;
        t->storage_bytes = st->n_bytes;
        bool empty = false;
        uint64_t last = (uint64_t)t->storage_offset, term;
        bool ok = true;
        for (int32_t d = 0; d < t->rank; d++) {
            if (t->sizes[d] == 0)
                empty = true;
            else {
                ok = ok &&
                     pt2c_mul_u64((uint64_t)(t->sizes[d] - 1), (uint64_t)t->strides[d], &term) &&
                     pt2c_add_u64(last, term, &last);
            }
        }
        if (empty)
            continue;
        uint64_t end;
        ok =
            ok && pt2c_add_u64(last, 1, &end) && pt2c_mul_u64(end, pt2c_dtype_size(t->dtype), &end);
        PT2C_CHECK(ok && end <= st->n_bytes, err, PT2C_ERR_FORMAT,
                   "pickle: %s: tensor view over storage '%s' reaches beyond its %" PRIu64 " bytes",
                   where, st->key, st->n_bytes);
    }
    return PT2C_OK;
}
