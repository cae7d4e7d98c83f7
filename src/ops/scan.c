/*
 * scan.c - inclusive scans and differences along one dim.
 *
 *   cumsum(self, int dim, *, ScalarType? dtype=None)    out[j] = sum_{k <= j} x[k]
 *   cumprod(self, int dim, *, ScalarType? dtype=None)   out[j] = prod_{k <= j} x[k]
 *
 * Dtypes: bool and integer inputs give int64 (wrapping), unless dtype= is given; the input
 * is cast to dtype= first. Float scans run a double accumulator and round each output, as
 * PyTorch's CPU kernel (its accumulate type for float is double).
 *
 * cummax, cummin, logcumsumexp: see their section below.
 *
 * Shapes: the input seen as [outer, n, inner]; one (outer, inner) line per work unit.
 */
#include "ops/elem.h"
#include "ops/op_decls.h"
#include "ops/promote.h"
#include "ops/shape_util.h"

#include <math.h>

typedef struct scan_params {
    bool prod;
    pt2c_iarg dim;
    pt2c_dtype dtype; /* dtype= or UNKNOWN */
    /* Resolved per shape. */
    int64_t outer, n, inner;
} scan_params;

static pt2c_status parse_scan(pt2c_op_ctx *ctx, void **params, bool prod) {
    scan_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->prod = prod;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    const pt2c_arg *a = pt2c_op_arg(ctx, "dim");
    if (!a || a->kind == PT2C_ARG_NONE)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'dim': missing (expected an int)");
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    PT2C_TRY(pt2c_op_dtype(ctx, "dtype", &p->dtype));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_cumsum(pt2c_op_ctx *ctx, void **params) {
    return parse_scan(ctx, params, false);
}
pt2c_status pt2c_parse_cumprod(pt2c_op_ctx *ctx, void **params) {
    return parse_scan(ctx, params, true);
}

pt2c_status pt2c_shape_scan(pt2c_op_ctx *ctx, void *params) {
    scan_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    pt2c_dtype out = p->dtype;
    if (out == PT2C_DTYPE_UNKNOWN)
        out = pt2c_dtype_is_float(x->dtype) ? x->dtype : PT2C_DTYPE_I64;
    if (!pt2c_dtype_is_float(out) && !pt2c_dtype_is_integral(out, true))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: %s to %s is not supported",
                            p->prod ? "cumprod" : "cumsum", pt2c_dtype_name(out));
    if (!pt2c_dtype_is_float(x->dtype) && !pt2c_dtype_is_integral(x->dtype, true))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: %s of %s is not supported",
                            p->prod ? "cumprod" : "cumsum", pt2c_dtype_name(x->dtype));
    int32_t d;
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dim), x->rank, &d));
    p->outer = p->inner = 1;
    p->n = x->rank ? x->sizes[d] : 1;
    for (int32_t i = 0; i < x->rank; i++) {
        if (i < d)
            p->outer *= x->sizes[i];
        else if (i > d)
            p->inner *= x->sizes[i];
    }
    return pt2c_op_set_out(ctx, 0, out, x->rank, x->sizes);
}

/* Element i of x cast to float dtype ot (rounded as PyTorch's cast of the input). */
static inline double load_cast(const pt2c_ktensor *x, int64_t i, pt2c_dtype ot) {
    double v = pt2c_load_f64(x->data, x->dtype, i);
    if (ot == PT2C_DTYPE_F32)
        return (double)(float)v;
    if (ot == PT2C_DTYPE_F16)
        return (double)pt2c_half_to_float(pt2c_float_to_half((float)v));
    if (ot == PT2C_DTYPE_BF16)
        return (double)pt2c_bf16_to_float(pt2c_float_to_bf16((float)v));
    return v;
}

void pt2c_k_scan(const pt2c_kernel_args *args, int ith, int nth) {
    const scan_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *y = args->out[0];
    int64_t begin, end;
    pt2c_split_range(p->outer * p->inner, ith, nth, &begin, &end);
    bool is_float = pt2c_dtype_is_float(y->dtype);
    for (int64_t l = begin; l < end; l++) {
        int64_t base = (l / p->inner) * p->n * p->inner + l % p->inner;
        if (x->dtype == PT2C_DTYPE_F32 && y->dtype == PT2C_DTYPE_F32) {
            const float *src = (const float *)x->data + base;
            float *dst = (float *)y->data + base;
            double acc = p->prod ? 1.0 : 0.0;
            for (int64_t j = 0; j < p->n; j++) {
                double v = (double)src[j * p->inner];
                acc = p->prod ? acc * v : acc + v;
                dst[j * p->inner] = (float)acc;
            }
        } else if (is_float) {
            double acc = p->prod ? 1.0 : 0.0;
            for (int64_t j = 0; j < p->n; j++) {
                int64_t i = base + j * p->inner;
                double v = load_cast(x, i, y->dtype);
                acc = p->prod ? acc * v : acc + v;
                pt2c_store_f64(y->data, y->dtype, i, acc);
            }
        } else {
            uint64_t acc = p->prod ? 1 : 0; /* two's complement wrap-around */
            bool to_bool = y->dtype == PT2C_DTYPE_BOOL;
            for (int64_t j = 0; j < p->n; j++) {
                int64_t i = base + j * p->inner;
                int64_t v = pt2c_load_i64(x->data, x->dtype, i);
                if (to_bool)
                    v = v != 0;
                acc = p->prod ? acc * (uint64_t)v : acc + (uint64_t)v;
                pt2c_store_i64(y->data, y->dtype, i, (int64_t)acc);
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* diff                                                                                     */
/*
 *   diff(self, int n=1, int dim=-1, Tensor? prepend=None, Tensor? append=None)
 *   z = cat([prepend, self, append], dim); n times: z[j] = z[j + 1] - z[j] along dim
 *   (logical xor for bool), so the dim shrinks by n (to 0 when n is larger). The other
 *   dims of prepend and append must match self's; all three share one dtype. Each pass
 *   rounds to the dtype, as PyTorch's repeated subtraction; integers wrap.
 * One (outer, inner) line per work unit, the line's values in the thread's scratch.
 */

typedef struct diff_params {
    pt2c_iarg n, dim;
    int32_t prepend, append; /* input indices, -1 when None */
    /* Resolved per shape. */
    int64_t outer, inner, len[3], total, out_len; /* len: prepend, self, append along dim */
} diff_params;

pt2c_status pt2c_parse_diff(pt2c_op_ctx *ctx, void **params) {
    diff_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_int(ctx, "n", 1, &p->n));
    PT2C_TRY(pt2c_op_int(ctx, "dim", -1, &p->dim));
    PT2C_TRY(pt2c_op_input_optional(ctx, "prepend", &p->prepend));
    PT2C_TRY(pt2c_op_input_optional(ctx, "append", &p->append));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_diff(pt2c_op_ctx *ctx, void *params) {
    diff_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    int64_t n = pt2c_op_iarg(ctx, &p->n);
    if (x->rank < 1)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: diff needs a tensor of at least 1 dim");
    if (n < 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: n is %lld, expected >= 0", (long long)n);
    if (!pt2c_dtype_is_float(x->dtype) && !pt2c_dtype_is_integral(x->dtype, true))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: diff of %s is not supported",
                            pt2c_dtype_name(x->dtype));
    int32_t d;
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dim), x->rank, &d));
    int32_t parts[3] = {p->prepend, 0, p->append};
    p->total = 0;
    for (int k = 0; k < 3; k++) {
        p->len[k] = 0;
        if (parts[k] < 0)
            continue;
        const pt2c_ktensor *t = pt2c_op_in(ctx, parts[k]);
        static const char *const names[3] = {"prepend", "self", "append"};
        if (t->dtype != x->dtype || t->rank != x->rank)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: %s is %s with %d dims; expected %s with %d dims like self",
                                names[k], pt2c_dtype_name(t->dtype), (int)t->rank,
                                pt2c_dtype_name(x->dtype), (int)x->rank);
        for (int32_t i = 0; i < x->rank; i++)
            if (i != d && t->sizes[i] != x->sizes[i])
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: %s has size %lld in dim %d, expected %lld", names[k],
                                    (long long)t->sizes[i], (int)i, (long long)x->sizes[i]);
        p->len[k] = t->sizes[d];
        p->total += p->len[k];
    }
    p->out_len = p->total > n ? p->total - n : 0;
    p->outer = p->inner = 1;
    for (int32_t i = 0; i < x->rank; i++) {
        if (i < d)
            p->outer *= x->sizes[i];
        else if (i > d)
            p->inner *= x->sizes[i];
    }
    int64_t sizes[PT2C_MAX_RANK];
    for (int32_t i = 0; i < x->rank; i++)
        sizes[i] = i == d ? p->out_len : x->sizes[i];
    return pt2c_op_set_out(ctx, 0, x->dtype, x->rank, sizes);
}

size_t pt2c_scratch_diff(pt2c_op_ctx *ctx, const void *params) {
    (void)ctx;
    const diff_params *p = params;
    return sizeof(double) * (size_t)(p->total + 1); /* one line, as double or int64 */
}

/* a - b rounded to the float dtype t. */
static inline double sub_in(pt2c_dtype t, double a, double b) {
    switch (t) {
    case PT2C_DTYPE_F32:
        return (double)((float)a - (float)b);
    case PT2C_DTYPE_F16:
        return (double)pt2c_half_to_float(pt2c_float_to_half((float)a - (float)b));
    case PT2C_DTYPE_BF16:
        return (double)pt2c_bf16_to_float(pt2c_float_to_bf16((float)a - (float)b));
    default:
        return a - b;
    }
}

void pt2c_k_diff(const pt2c_kernel_args *args, int ith, int nth) {
    const diff_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *y = args->out[0];
    int32_t parts[3] = {p->prepend, 0, p->append};
    int64_t n = p->total - p->out_len; /* passes that matter: at most total */
    bool is_float = pt2c_dtype_is_float(x->dtype), is_bool = x->dtype == PT2C_DTYPE_BOOL;
    double *vf = args->scratch;
    int64_t *vi = args->scratch;
    int64_t begin, end;
    pt2c_split_range(p->outer * p->inner, ith, nth, &begin, &end);
    for (int64_t l = begin; l < end; l++) {
        int64_t o = l / p->inner, in = l % p->inner, j = 0;
        for (int k = 0; k < 3; k++) {
            if (parts[k] < 0)
                continue;
            const pt2c_ktensor *t = args->in[parts[k]];
            for (int64_t q = 0; q < p->len[k]; q++, j++) {
                int64_t i = (o * p->len[k] + q) * p->inner + in;
                if (is_float)
                    vf[j] = pt2c_load_f64(t->data, t->dtype, i);
                else
                    vi[j] = pt2c_load_i64(t->data, t->dtype, i);
            }
        }
        for (int64_t pass = 0, m = p->total; pass < n; pass++, m--)
            for (int64_t q = 0; q + 1 < m; q++) {
                if (is_float)
                    vf[q] = sub_in(x->dtype, vf[q + 1], vf[q]);
                else if (is_bool)
                    vi[q] = (vi[q + 1] != 0) != (vi[q] != 0);
                else
                    vi[q] = (int64_t)((uint64_t)vi[q + 1] - (uint64_t)vi[q]); /* wraps */
            }
        for (int64_t q = 0; q < p->out_len; q++) {
            int64_t i = (o * p->out_len + q) * p->inner + in;
            if (is_float)
                pt2c_store_f64(y->data, y->dtype, i, vf[q]);
            else
                pt2c_store_i64(y->data, y->dtype, i, vi[q]);
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* cummax / cummin / logcumsumexp                                                           */
/*
 *   cummax(self, int dim) -> (values, int64 indices)   values[j] = max_{k <= j} x[k],
 *       indices[j] the position of that value: the latest on ties, as PyTorch's CPU kernel
 *       (it replaces on >=); a NaN wins and stays, each later NaN moving the index
 *   cummin(self, int dim)                                the same with min (replaces on <=)
 *   logcumsumexp(self, int dim)   out[j] = log(sum_{k <= j} exp(x[k])), floats only; the
 *       running value in double (PyTorch's CPU accumulate type), each step
 *       m + log1p(exp(n - m)) with m, n the larger and smaller, rounded to the dtype per
 *       output
 * Any real dtype for cummax / cummin; values keep it. One (outer, inner) line per work unit.
 */

typedef struct cumext_params {
    int kind; /* 0 cummax, 1 cummin, 2 logcumsumexp */
    pt2c_iarg dim;
    int64_t outer, n, inner;
} cumext_params;

static pt2c_status parse_cumext(pt2c_op_ctx *ctx, void **params, int kind) {
    cumext_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->kind = kind;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    const pt2c_arg *a = pt2c_op_arg(ctx, "dim");
    if (!a || a->kind == PT2C_ARG_NONE)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'dim': missing (expected an int)");
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_cummax(pt2c_op_ctx *ctx, void **params) {
    return parse_cumext(ctx, params, 0);
}
pt2c_status pt2c_parse_cummin(pt2c_op_ctx *ctx, void **params) {
    return parse_cumext(ctx, params, 1);
}
pt2c_status pt2c_parse_logcumsumexp(pt2c_op_ctx *ctx, void **params) {
    return parse_cumext(ctx, params, 2);
}

pt2c_status pt2c_shape_cumext(pt2c_op_ctx *ctx, void *params) {
    cumext_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    bool is_float = pt2c_dtype_is_float(x->dtype);
    if (p->kind == 2 && !is_float)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "shape: logcumsumexp of %s is not supported (floats only)",
                            pt2c_dtype_name(x->dtype));
    if (!is_float && !pt2c_dtype_is_integral(x->dtype, true))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: %s of %s is not supported",
                            p->kind ? "cummin" : "cummax", pt2c_dtype_name(x->dtype));
    int32_t d;
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dim), x->rank, &d));
    p->outer = p->inner = 1;
    p->n = x->rank ? x->sizes[d] : 1;
    for (int32_t i = 0; i < x->rank; i++) {
        if (i < d)
            p->outer *= x->sizes[i];
        else if (i > d)
            p->inner *= x->sizes[i];
    }
    PT2C_TRY(pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes));
    if (p->kind == 2)
        return PT2C_OK;
    return pt2c_op_set_out(ctx, 1, PT2C_DTYPE_I64, x->rank, x->sizes);
}

/* log(exp(x) + exp(y)) as PyTorch's _log_add_exp_helper (std::min / std::max keep x when
 * it is NaN, y's NaN is taken explicitly). */
static inline double log_add_exp(double x, double y) {
    double lo = isnan(y) ? y : y < x ? y : x, hi = isnan(y) ? y : x < y ? y : x;
    if (lo != hi || isfinite(lo))
        return hi + log1p(exp(lo - hi));
    return x;
}

void pt2c_k_cumext(const pt2c_kernel_args *args, int ith, int nth) {
    const cumext_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *y = args->out[0];
    int64_t *yi = p->kind == 2 ? NULL : args->out[1]->data;
    bool is_float = pt2c_dtype_is_float(x->dtype);
    int64_t begin, end;
    pt2c_split_range(p->outer * p->inner, ith, nth, &begin, &end);
    for (int64_t l = begin; l < end; l++) {
        int64_t base = (l / p->inner) * p->n * p->inner + l % p->inner;
        if (p->kind == 2) {
            double acc = -(double)INFINITY;
            for (int64_t j = 0; j < p->n; j++) {
                int64_t i = base + j * p->inner;
                acc = log_add_exp(pt2c_load_f64(x->data, x->dtype, i), acc);
                pt2c_store_f64(y->data, y->dtype, i, acc);
            }
            continue;
        }
        bool max = p->kind == 0;
        int64_t best_at = base, best_j = 0;
        for (int64_t j = 0; j < p->n; j++) {
            int64_t i = base + j * p->inner;
            bool take = j == 0;
            if (!take && is_float) {
                double v = pt2c_load_f64(x->data, x->dtype, i);
                double b = pt2c_load_f64(x->data, x->dtype, best_at);
                take = isnan(v) || (!isnan(b) && (max ? v >= b : v <= b));
            } else if (!take) {
                int64_t v = pt2c_load_i64(x->data, x->dtype, i);
                int64_t b = pt2c_load_i64(x->data, x->dtype, best_at);
                take = max ? v >= b : v <= b;
            }
            if (take) {
                best_at = i;
                best_j = j;
            }
            pt2c_cast_one(y->data, y->dtype, i, x->data, x->dtype, best_at);
            yi[i] = best_j;
        }
    }
}
