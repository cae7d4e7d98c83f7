/*
 * scatter.c - writes and reductions into self at positions an index tensor names.
 *
 *   scatter.src(self, dim, index, src) (and scatter_.src)
 *       out = self; out[p with p[dim] = index[p]] = src[p] for every position p of index
 *       (index and src have self's rank; index.size(k) <= self.size(k) for k != dim and
 *       index.size(k) <= src.size(k) for every k; src is read at p with its own strides)
 *   scatter.value(self, dim, index, Scalar value) (and scatter_.value)   the same with src
 *       the value cast to self's dtype
 *   scatter.reduce / scatter.value_reduce(..., str reduce)   reduce "add" or "multiply"
 *       combines with what out holds instead of replacing it
 *   scatter_add(self, dim, index, src) (and scatter_add_)       out[...] += src[p]
 *   scatter_reduce.two(self, dim, index, src, str reduce, bool include_self=True)
 *       reduce in sum, prod, mean, amax, amin; include_self=False first sets every target
 *       to the reduction's identity (0, 1, 0, -inf, +inf), so self is left out of it; mean
 *       divides by the number of values reduced (self counts 1 when included; a target
 *       nothing reached keeps self), floor division for integers
 *   masked_scatter(self, mask, source)   see its section below
 *   index_reduce(self, dim, index[n], source, str reduce, bool include_self=True)
 *       out[.., index[j], ..] op= source[.., j, ..]; source is self's shape with n in dim;
 *       reduce in prod, mean, amax, amin
 *
 * Order: a target's values combine in index order along dim (the order of PyTorch's CPU
 * loop), the replacing forms keep the last one. amax/amin propagate NaN. Integers wrap;
 * bool sums are `or`, products `and`. Floats combine in their own type (float for float32,
 * float16 and bfloat16, rounded to the dtype after each step), as PyTorch's CPU kernels.
 *
 * Work split: a position p of index only reaches the output line through self with p's
 * coordinates off dim. Each thread owns whole lines of the output (self with every
 * coordinate but dim fixed), copies self's line and walks the index along dim in order for
 * it: no two threads write one element, and the order is the same for any thread count.
 *
 * Index values are data: outside [0, self.size(dim)) PyTorch raises (negative indices do not
 * wrap), so the kernel raises the fault (kernel_abi.h) and skips the element. Index dtypes
 * int64 and int32, as PyTorch's CPU kernels take.
 */
#include "ops/elem.h"
#include "ops/op_decls.h"
#include "ops/promote.h"
#include "ops/shape_util.h"

#include <math.h>
#include <string.h>

enum { RED_NONE, RED_SUM, RED_PROD, RED_MEAN, RED_MAX, RED_MIN };

typedef struct scatter_params {
    pt2c_iarg dim;
    int red;           /* RED_* */
    bool include_self; /* false: targets start at the reduction's identity */
    bool has_src;      /* src is input 2; else value */
    bool index_reduce; /* index is 1-d, source has self's shape with n in dim */
    pt2c_scalar value; /* scatter.value */
    /* shape time: */
    int32_t d, rank;               /* dim, and the rank the kernel walks (>= 1) */
    int64_t sizes[PT2C_MAX_RANK];  /* self's, dim set to 1: the lines */
    int64_t extent[PT2C_MAX_RANK]; /* positions of index per dim (lines past it: copy only) */
    int64_t n_self, n_idx;         /* self.size(dim), index positions along dim */
    int64_t xs, is, ss;            /* strides along dim of self, index and src */
    int64_t st[3][PT2C_MAX_RANK];  /* strides of self, index, src over the lines */
    pt2c_elem_value elem;          /* value in self's dtype */
} scatter_params;

#define NEW_PARAMS(type, var)                                                                      \
    type *var = pt2c_op_params(ctx, sizeof(type));                                                 \
    if (!var)                                                                                      \
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");

static pt2c_status parse_dim(pt2c_op_ctx *ctx, scatter_params *p) {
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    if (!pt2c_op_arg(ctx, "dim"))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'dim': missing");
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    return pt2c_op_input(ctx, "index", NULL);
}

static pt2c_status parse_common(pt2c_op_ctx *ctx, void **params, bool has_src, int red) {
    NEW_PARAMS(scatter_params, p);
    p->red = red;
    p->include_self = true;
    p->has_src = has_src;
    PT2C_TRY(parse_dim(ctx, p));
    if (has_src)
        PT2C_TRY(pt2c_op_input(ctx, "src", NULL));
    else
        PT2C_TRY(pt2c_op_scalar(ctx, "value", NULL, &p->value));
    *params = p;
    return PT2C_OK;
}

/* scatter.reduce's "add" / "multiply"; scatter_reduce's and index_reduce's names. */
static pt2c_status parse_reduce(pt2c_op_ctx *ctx, scatter_params *p, bool legacy, bool with_sum) {
    const char *s = NULL;
    PT2C_TRY(pt2c_op_string(ctx, "reduce", NULL, &s));
    if (!s)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'reduce': missing");
    static const struct {
        const char *name;
        int red;
        bool legacy;
    } names[] = {{"add", RED_SUM, true},    {"multiply", RED_PROD, true}, {"sum", RED_SUM, false},
                 {"prod", RED_PROD, false}, {"mean", RED_MEAN, false},    {"amax", RED_MAX, false},
                 {"amin", RED_MIN, false}};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (names[k].legacy == legacy && strcmp(names[k].name, s) == 0 &&
            (with_sum || names[k].red != RED_SUM)) {
            p->red = names[k].red;
            return PT2C_OK;
        }
    return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "argument 'reduce': '%s' is not one of %s", s,
                        legacy     ? "add, multiply"
                        : with_sum ? "sum, prod, mean, amax, amin"
                                   : "prod, mean, amax, amin");
}

pt2c_status pt2c_parse_scatter_src(pt2c_op_ctx *ctx, void **params) {
    return parse_common(ctx, params, true, RED_NONE);
}

pt2c_status pt2c_parse_scatter_value(pt2c_op_ctx *ctx, void **params) {
    return parse_common(ctx, params, false, RED_NONE);
}

pt2c_status pt2c_parse_scatter_reduce(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(parse_common(ctx, params, true, RED_NONE));
    return parse_reduce(ctx, *params, true, true);
}

pt2c_status pt2c_parse_scatter_value_reduce(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(parse_common(ctx, params, false, RED_NONE));
    return parse_reduce(ctx, *params, true, true);
}

pt2c_status pt2c_parse_scatter_add(pt2c_op_ctx *ctx, void **params) {
    return parse_common(ctx, params, true, RED_SUM);
}

pt2c_status pt2c_parse_scatter_reduce_two(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(parse_common(ctx, params, true, RED_NONE));
    scatter_params *p = *params;
    PT2C_TRY(parse_reduce(ctx, p, false, true));
    return pt2c_op_bool(ctx, "include_self", true, &p->include_self);
}

pt2c_status pt2c_parse_index_reduce(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(scatter_params, p);
    p->has_src = true;
    p->index_reduce = true;
    PT2C_TRY(parse_dim(ctx, p));
    PT2C_TRY(pt2c_op_input(ctx, "source", NULL));
    PT2C_TRY(parse_reduce(ctx, p, false, false));
    PT2C_TRY(pt2c_op_bool(ctx, "include_self", true, &p->include_self));
    *params = p;
    return PT2C_OK;
}

static bool is_index_dtype(pt2c_dtype t) { return t == PT2C_DTYPE_I64 || t == PT2C_DTYPE_I32; }

/* Strides of a dense tensor of rank r seen at the kernel's rank (>= 1). */
static void strides_of(const pt2c_ktensor *t, int32_t rank, int64_t *st) {
    if (t->rank == 0) {
        for (int32_t k = 0; k < rank; k++)
            st[k] = 0;
        return;
    }
    pt2c_contig_strides(t->rank, t->sizes, st);
}

pt2c_status pt2c_shape_scatter(pt2c_op_ctx *ctx, void *params) {
    scatter_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0), *idx = pt2c_op_in(ctx, 1);
    const pt2c_ktensor *src = p->has_src ? pt2c_op_in(ctx, 2) : NULL;
    const char *src_name = p->index_reduce ? "source" : "src";
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dim), x->rank, &p->d));
    if (!is_index_dtype(idx->dtype) && idx->numel > 0) /* PyTorch checks only a non-empty one */
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: index has dtype %s, expected int64 (or int32)",
                            pt2c_dtype_name(idx->dtype));
    if (!pt2c_dtype_castable(x->dtype))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: self dtype %s is not supported",
                            pt2c_dtype_name(x->dtype));
    if (src && src->dtype != x->dtype)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s has dtype %s, expected self's %s",
                            src_name, pt2c_dtype_name(src->dtype), pt2c_dtype_name(x->dtype));
    if (p->red == RED_MEAN && x->dtype == PT2C_DTYPE_BOOL)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: reduce 'mean' of bool");
    int32_t r = x->rank > 0 ? x->rank : 1, d = p->d;
    p->rank = r;
    for (int32_t k = 0; k < r; k++)
        p->sizes[k] = x->rank > 0 ? x->sizes[k] : 1;
    p->n_self = p->sizes[d];
    p->sizes[d] = 1;
    strides_of(x, r, p->st[0]);
    p->xs = p->st[0][d];
    if (p->index_reduce) {
        if (idx->rank > 1)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: index has %d dims, expected 0 or 1",
                                (int)idx->rank);
        int32_t sr = src->rank > 0 ? src->rank : 1;
        if (sr != r)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: source has %d dims, expected %d",
                                (int)src->rank, (int)x->rank);
        for (int32_t k = 0; k < src->rank; k++)
            if (k != d && src->sizes[k] != x->sizes[k])
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: source has size %lld in dim %d, expected %lld",
                                    (long long)src->sizes[k], (int)k, (long long)x->sizes[k]);
        int64_t n = src->rank > 0 ? src->sizes[d] : 1;
        if (idx->numel != n)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: index has %lld elements, expected %lld (source.size(%d))",
                                (long long)idx->numel, (long long)n, (int)d);
        strides_of(src, r, p->st[2]);
        for (int32_t k = 0; k < r; k++) {
            p->st[1][k] = 0;
            p->extent[k] = p->sizes[k];
        }
        p->is = 1;
        p->n_idx = n;
    } else {
        int32_t ir = idx->rank > 0 ? idx->rank : 1;
        bool empty = idx->numel == 0;
        if (ir != r && !empty)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: index has %d dims, expected %d",
                                (int)idx->rank, (int)x->rank);
        if (src && (src->rank > 0 ? src->rank : 1) != ir && !empty)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: src has %d dims, expected %d",
                                (int)src->rank, (int)idx->rank);
        for (int32_t k = 0; k < idx->rank && !empty; k++) {
            if (k != d && idx->sizes[k] > x->sizes[k])
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: index has size %lld in dim %d, self only %lld",
                                    (long long)idx->sizes[k], (int)k, (long long)x->sizes[k]);
            if (src && src->rank > 0 && idx->sizes[k] > src->sizes[k])
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: index has size %lld in dim %d, src only %lld",
                                    (long long)idx->sizes[k], (int)k, (long long)src->sizes[k]);
        }
        strides_of(idx, r, p->st[1]);
        if (src)
            strides_of(src, r, p->st[2]);
        else
            memset(p->st[2], 0, sizeof p->st[2]);
        for (int32_t k = 0; k < r; k++)
            p->extent[k] = empty ? 0 : idx->rank > 0 ? idx->sizes[k] : 1;
        p->is = p->st[1][d];
        p->n_idx = p->extent[d];
        p->extent[d] = 1;
    }
    p->ss = p->st[2][d];
    if (!src)
        pt2c_elem_from_scalar(ctx, &p->value, x->dtype, &p->elem);
    return pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes);
}

/* A count per target of one line (mean). */
size_t pt2c_scratch_scatter(pt2c_op_ctx *ctx, const void *params) {
    (void)ctx;
    const scatter_params *p = params;
    return p->red == RED_MEAN ? sizeof(int64_t) * (size_t)(p->n_self > 0 ? p->n_self : 1) : 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Combining one value into a target, per dtype class.                                      */

enum { CLS_FLOAT, CLS_DOUBLE, CLS_INT, CLS_BOOL };

static int dtype_class(pt2c_dtype t) {
    if (t == PT2C_DTYPE_F64)
        return CLS_DOUBLE;
    if (pt2c_dtype_is_float(t))
        return CLS_FLOAT;
    return t == PT2C_DTYPE_BOOL ? CLS_BOOL : CLS_INT;
}

static inline float combine_f(int red, float a, float b) {
    switch (red) {
    case RED_SUM:
    case RED_MEAN:
        return a + b;
    case RED_PROD:
        return a * b;
    case RED_MAX:
        return isnan(b) ? b : a < b ? b : a;
    case RED_MIN:
        return isnan(b) ? b : b < a ? b : a;
    default:
        return b;
    }
}

static inline double combine_d(int red, double a, double b) {
    switch (red) {
    case RED_SUM:
    case RED_MEAN:
        return a + b;
    case RED_PROD:
        return a * b;
    case RED_MAX:
        return isnan(b) ? b : a < b ? b : a;
    case RED_MIN:
        return isnan(b) ? b : b < a ? b : a;
    default:
        return b;
    }
}

static inline int64_t combine_i(int red, int64_t a, int64_t b) {
    switch (red) {
    case RED_SUM:
    case RED_MEAN:
        return (int64_t)((uint64_t)a + (uint64_t)b); /* wraps, as the narrow types do */
    case RED_PROD:
        return (int64_t)((uint64_t)a * (uint64_t)b);
    case RED_MAX:
        return a < b ? b : a;
    case RED_MIN:
        return b < a ? b : a;
    default:
        return b;
    }
}

/* out[o] = combine(out[o], src[s]) in the dtype's arithmetic. */
static inline void combine_at(int cls, int red, pt2c_ktensor *out, int64_t o, const void *src,
                              int64_t s) {
    pt2c_dtype t = out->dtype;
    switch (cls) {
    case CLS_FLOAT:
        pt2c_store_f64(out->data, t, o,
                       (double)combine_f(red, (float)pt2c_load_f64(out->data, t, o),
                                         (float)pt2c_load_f64(src, t, s)));
        return;
    case CLS_DOUBLE:
        ((double *)out->data)[o] =
            combine_d(red, ((const double *)out->data)[o], ((const double *)src)[s]);
        return;
    case CLS_BOOL: {
        uint8_t a = ((const uint8_t *)out->data)[o] != 0, b = ((const uint8_t *)src)[s] != 0;
        bool any = red == RED_SUM || red == RED_MAX;
        ((uint8_t *)out->data)[o] = red == RED_NONE ? b : any ? (a | b) : (a & b);
        return;
    }
    default:
        pt2c_store_i64(out->data, t, o,
                       combine_i(red, pt2c_load_i64(out->data, t, o), pt2c_load_i64(src, t, s)));
        return;
    }
}

/* The narrow integer types' own extremes for the identity of amax / amin. */
static inline int64_t int_min_of(pt2c_dtype t) {
    switch (t) {
    case PT2C_DTYPE_I32:
        return INT32_MIN;
    case PT2C_DTYPE_I16:
        return INT16_MIN;
    case PT2C_DTYPE_I8:
        return INT8_MIN;
    case PT2C_DTYPE_U8:
    case PT2C_DTYPE_U16:
    case PT2C_DTYPE_U32:
    case PT2C_DTYPE_U64:
        return 0;
    default:
        return INT64_MIN;
    }
}

static inline int64_t int_max_of(pt2c_dtype t) {
    switch (t) {
    case PT2C_DTYPE_I32:
        return INT32_MAX;
    case PT2C_DTYPE_I16:
        return INT16_MAX;
    case PT2C_DTYPE_I8:
        return INT8_MAX;
    case PT2C_DTYPE_U8:
        return UINT8_MAX;
    case PT2C_DTYPE_U16:
        return UINT16_MAX;
    case PT2C_DTYPE_U32:
        return UINT32_MAX;
    default:
        return INT64_MAX;
    }
}

/* The identity a target starts from when self is left out (include_self=False). */
static inline void store_identity(int cls, int red, pt2c_ktensor *out, int64_t o) {
    switch (red) {
    case RED_PROD:
        pt2c_store_i64(out->data, out->dtype, o, 1);
        return;
    case RED_MAX:
    case RED_MIN:
        if (cls == CLS_FLOAT || cls == CLS_DOUBLE)
            pt2c_store_f64(out->data, out->dtype, o,
                           red == RED_MAX ? -(double)INFINITY : (double)INFINITY);
        else if (cls == CLS_BOOL)
            ((uint8_t *)out->data)[o] = red == RED_MIN;
        else
            pt2c_store_i64(out->data, out->dtype, o,
                           red == RED_MAX ? int_min_of(out->dtype) : int_max_of(out->dtype));
        return;
    default:
        pt2c_store_i64(out->data, out->dtype, o, 0);
        return;
    }
}

/* out[o] /= count: in the float type, floor division for integers. */
static inline void divide_at(int cls, pt2c_ktensor *out, int64_t o, int64_t count) {
    pt2c_dtype t = out->dtype;
    if (cls == CLS_FLOAT)
        pt2c_store_f64(out->data, t, o,
                       (double)((float)pt2c_load_f64(out->data, t, o) / (float)count));
    else if (cls == CLS_DOUBLE)
        ((double *)out->data)[o] /= (double)count;
    else {
        int64_t a = pt2c_load_i64(out->data, t, o), q = a / count;
        if ((a % count != 0) && ((a < 0) != (count < 0)))
            q--;
        pt2c_store_i64(out->data, t, o, q);
    }
}

void pt2c_k_scatter(const pt2c_kernel_args *args, int ith, int nth) {
    const scatter_params *p = args->params;
    const pt2c_ktensor *x = args->in[0], *idx = args->in[1];
    pt2c_ktensor *out = args->out[0];
    const void *src = p->has_src ? args->in[2]->data : p->elem.bytes;
    size_t elem = pt2c_dtype_size(x->dtype);
    int cls = dtype_class(x->dtype);
    int64_t lines = p->n_self > 0 ? x->numel / p->n_self : 0;
    int64_t begin, end;
    pt2c_split_range(lines, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    int64_t *count = args->scratch;
    pt2c_nditer it;
    memcpy(it.strides, p->st, sizeof p->st);
    pt2c_nditer_start(&it, p->rank, p->sizes, 3, begin);
    for (int64_t l = begin; l < end; l++) {
        int64_t xo = it.off[0], io = it.off[1], so = p->has_src ? it.off[2] : 0;
        if (out->data != x->data)
            for (int64_t t = 0; t < p->n_self; t++)
                memcpy((uint8_t *)out->data + (size_t)(xo + t * p->xs) * elem,
                       (const uint8_t *)x->data + (size_t)(xo + t * p->xs) * elem, elem);
        bool inside = true;
        for (int32_t k = 0; k < p->rank; k++)
            inside = inside && it.index[k] < p->extent[k];
        if (inside && p->n_idx > 0) {
            int64_t ss = p->has_src ? p->ss : 0;
            if (p->red == RED_MEAN)
                for (int64_t t = 0; t < p->n_self; t++)
                    count[t] = p->include_self ? 1 : 0;
            if (!p->include_self)
                for (int64_t j = 0; j < p->n_idx; j++) {
                    int64_t v = pt2c_load_i64(idx->data, idx->dtype, io + j * p->is);
                    if (v < 0 || v >= p->n_self)
                        continue; /* raised below */
                    store_identity(cls, p->red, out, xo + v * p->xs);
                }
            for (int64_t j = 0; j < p->n_idx; j++) {
                int64_t v = pt2c_load_i64(idx->data, idx->dtype, io + j * p->is);
                if (v < 0 || v >= p->n_self) {
                    pt2c_kernel_raise(args, PT2C_FAULT_INDEX, 1, p->d, v, p->n_self);
                    continue;
                }
                int64_t o = xo + v * p->xs;
                if (p->red == RED_NONE)
                    memcpy((uint8_t *)out->data + (size_t)o * elem,
                           (const uint8_t *)src + (size_t)(so + j * ss) * elem, elem);
                else
                    combine_at(cls, p->red, out, o, src, so + j * ss);
                if (p->red == RED_MEAN)
                    count[v]++;
            }
            if (p->red == RED_MEAN)
                for (int64_t t = 0; t < p->n_self; t++)
                    if (count[t] > 1)
                        divide_at(cls, out, xo + t * p->xs, count[t]);
        }
        pt2c_nditer_next(&it);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* masked_scatter(self, mask, source)                                                       */
/*
 * out = broadcast(self, mask); where mask is true, out takes source's elements in order
 * (source read flat, self's dtype): the k-th true position in out's row-major order gets
 * source[k]. Fewer source elements than true positions: PyTorch raises, pt2c raises the
 * index fault (the source element k it lacked, for source's size). Each thread counts the
 * true positions before its share first.
 */

pt2c_status pt2c_parse_masked_scatter(pt2c_op_ctx *ctx, void **params) {
    *params = NULL;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "mask", NULL));
    return pt2c_op_input(ctx, "source", NULL);
}

pt2c_status pt2c_shape_masked_scatter(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0), *m = pt2c_op_in(ctx, 1), *s = pt2c_op_in(ctx, 2);
    if (m->dtype != PT2C_DTYPE_BOOL)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: mask has dtype %s, expected torch.bool",
                            pt2c_dtype_name(m->dtype));
    if (s->dtype != x->dtype)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: source has dtype %s, expected self's %s",
                            pt2c_dtype_name(s->dtype), pt2c_dtype_name(x->dtype));
    int32_t rank = 0;
    int64_t sizes[PT2C_MAX_RANK];
    PT2C_TRY(pt2c_op_broadcast(ctx, x, m, &rank, sizes));
    return pt2c_op_set_out(ctx, 0, x->dtype, rank, sizes);
}

void pt2c_k_masked_scatter(const pt2c_kernel_args *args, int ith, int nth) {
    const pt2c_ktensor *x = args->in[0], *m = args->in[1], *s = args->in[2];
    pt2c_ktensor *out = args->out[0];
    size_t elem = pt2c_dtype_size(x->dtype);
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    pt2c_nditer it;
    pt2c_broadcast_strides(x, out->rank, it.strides[0]);
    pt2c_broadcast_strides(m, out->rank, it.strides[1]);
    pt2c_nditer_start(&it, out->rank, out->sizes, 2, 0);
    const uint8_t *mb = m->data;
    int64_t k = 0; /* true positions before the current one */
    for (int64_t i = 0; i < begin; i++) {
        k += mb[it.off[1]] != 0;
        pt2c_nditer_next(&it);
    }
    const uint8_t *src = x->data, *sd = s->data;
    uint8_t *dst = out->data;
    for (int64_t i = begin; i < end; i++) {
        const uint8_t *from = src + (size_t)it.off[0] * elem;
        if (mb[it.off[1]]) {
            if (k < s->numel)
                from = sd + (size_t)k * elem;
            else
                pt2c_kernel_raise(args, PT2C_FAULT_INDEX, 2, 0, k, s->numel);
            k++;
        }
        memcpy(dst + (size_t)i * elem, from, elem);
        pt2c_nditer_next(&it);
    }
}
