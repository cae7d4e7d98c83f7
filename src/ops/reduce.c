/*
 * reduce.c - reductions over a set of dims (docs: aten-ops.md 4.11).
 *
 *   sum.dim_IntList(self, int[1]? dim, keepdim=False, *, dtype=None)   sum.default(self, *, dtype)
 *   mean.dim(self, int[1]? dim, keepdim=False, *, dtype=None)          mean.default(self, *, dtype)
 *   prod.dim_int(self, int dim, keepdim=False, *, dtype=None)          prod.default(self, *, dtype)
 *   amax / amin(self, int[1] dim=[], keepdim=False)
 *   max.dim / min.dim(self, int dim, keepdim=False) -> (values, int64 indices)
 *   max.default / min.default(self) -> 0-dim
 *   argmax / argmin(self, int? dim=None, keepdim=False) -> int64 (None: the flattened index)
 *   var / std .correction(self, int[1]? dim=None, *, Scalar? correction=None, keepdim=False)
 *   var / std .dim(self, int[1]? dim, unbiased=True, keepdim=False), .default(self, unbiased)
 *   var_mean / std_mean .correction / .dim -> (var or std, mean)
 *   any / all .default(self), .dim(self, int dim, keepdim), .dims(self, int[]? dim, keepdim)
 *   logsumexp(self, int[1] dim, keepdim=False) = m + log(sum exp(x - m)), m = max (0 if inf)
 *   linalg_vector_norm(self, Scalar ord=2, int[1]? dim=None, keepdim=False, *, dtype=None)
 *       = (sum |x|^ord)^(1/ord); ord inf / -inf: max / min |x|; ord 0: count of nonzeros
 *
 *   An empty or None dim list reduces every dim. keepdim keeps reduced dims as size 1.
 *   out[kept index] = reduce over every input element with that kept index.
 *
 * Dtypes: sum and prod of bool/integers give int64 (wrapping), unless dtype= is given; the
 * input is cast to dtype= before reducing. mean, var, std, logsumexp and norms need a float
 * (logsumexp of integers gives float32). amax/amin/max/min keep the dtype; any/all give
 * bool (uint8 for uint8 input).
 *
 * Numerics: float sums, products, means and variances accumulate in double in index order
 * (PyTorch uses cascade sums; both are within a few ulp of the exact value), except the sum
 * of a contiguous float32 row, which runs eight interleaved double sums combined pairwise
 * (a fixed order, chosen by shape alone); reducing an outer dim of float32 adds whole rows
 * (same per-output order as the general loop); variance is
 * two-pass (mean, then squared deviations), divided by max(0, N - correction). max/min and
 * arg variants take the first occurrence of the extreme, and a NaN is the extreme (the
 * first NaN wins), as PyTorch's CPU kernels. Each output element is one thread's work, so
 * results do not depend on the thread count.
 */
#include "ops/elem.h"
#include "ops/op_decls.h"
#include "ops/promote.h"

#include <math.h>
#include <string.h>

typedef enum reduce_kind {
    RED_SUM,
    RED_MEAN,
    RED_PROD,
    RED_AMAX,
    RED_AMIN,
    RED_MAX_DIM, /* values + indices */
    RED_MIN_DIM,
    RED_ARGMAX,
    RED_ARGMIN,
    RED_VAR,
    RED_STD,
    RED_VAR_MEAN, /* (var, mean) */
    RED_STD_MEAN, /* (std, mean) */
    RED_ANY,
    RED_ALL,
    RED_LOGSUMEXP,
    RED_NORM
} reduce_kind;

static const char *const kind_names[] = {"sum",
                                         "mean",
                                         "prod",
                                         "amax",
                                         "amin",
                                         "max",
                                         "min",
                                         "argmax",
                                         "argmin",
                                         "var",
                                         "std",
                                         "var_mean",
                                         "std_mean",
                                         "any",
                                         "all",
                                         "logsumexp",
                                         "linalg_vector_norm"};

enum { RED_MAX_DIMS = PT2C_MAX_RANK };

typedef struct reduce_params {
    reduce_kind kind;
    pt2c_iarg_list dims; /* present=false or n=0: every dim */
    bool keepdim;
    pt2c_dtype dtype;       /* dtype= argument, or UNKNOWN */
    pt2c_scalar correction; /* var/std */
    bool has_correction;
    double ord; /* norms */
    /* Resolved per shape. */
    pt2c_dtype ct;                   /* dtype the input is converted to before reducing */
    int32_t n_kept, n_red;           /* merged kept / reduced dim groups of the input */
    int64_t kept_size[RED_MAX_DIMS]; /* kept groups, outermost first */
    int64_t kept_stride[RED_MAX_DIMS];
    int64_t red_size[RED_MAX_DIMS]; /* reduced groups, outermost first */
    int64_t red_stride[RED_MAX_DIMS];
    int64_t n; /* elements reduced into each output */
    double divisor;
} reduce_params;

/* ---------------------------------------------------------------------------------------- */
/* Parse                                                                                    */

static pt2c_status new_reduce(pt2c_op_ctx *ctx, void **params, reduce_kind kind,
                              reduce_params **out) {
    reduce_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->kind = kind;
    p->dtype = PT2C_DTYPE_UNKNOWN;
    p->ord = 2.0;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    *params = p;
    *out = p;
    return PT2C_OK;
}

/* op(self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None): sum, mean, amax, amin,
 * any.dims; a list of dims (None / [] = all). */
static pt2c_status parse_dims(pt2c_op_ctx *ctx, void **params, reduce_kind kind, bool dtype) {
    reduce_params *p = NULL;
    PT2C_TRY(new_reduce(ctx, params, kind, &p));
    PT2C_TRY(pt2c_op_ints(ctx, "dim", NULL, 0, 0, &p->dims));
    PT2C_TRY(pt2c_op_bool(ctx, "keepdim", false, &p->keepdim));
    if (dtype)
        PT2C_TRY(pt2c_op_dtype(ctx, "dtype", &p->dtype));
    return PT2C_OK;
}

/* op(self, int dim, bool keepdim=False): max.dim, any.dim, prod.dim_int (+ dtype). */
static pt2c_status parse_one_dim(pt2c_op_ctx *ctx, void **params, reduce_kind kind, bool dtype) {
    reduce_params *p = NULL;
    PT2C_TRY(new_reduce(ctx, params, kind, &p));
    p->dims.items = pt2c_arena_alloc(pt2c_op_arena(ctx), sizeof(pt2c_iarg), 8);
    if (!p->dims.items)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    const pt2c_arg *a = pt2c_op_arg(ctx, "dim");
    if (!a || a->kind == PT2C_ARG_NONE)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'dim': missing (expected an int)");
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dims.items[0]));
    p->dims.n = 1;
    p->dims.present = true;
    PT2C_TRY(pt2c_op_bool(ctx, "keepdim", false, &p->keepdim));
    if (dtype)
        PT2C_TRY(pt2c_op_dtype(ctx, "dtype", &p->dtype));
    return PT2C_OK;
}

/* op(self [, *, dtype]): every dim. */
static pt2c_status parse_all(pt2c_op_ctx *ctx, void **params, reduce_kind kind, bool dtype) {
    reduce_params *p = NULL;
    PT2C_TRY(new_reduce(ctx, params, kind, &p));
    if (dtype)
        PT2C_TRY(pt2c_op_dtype(ctx, "dtype", &p->dtype));
    return PT2C_OK;
}

#define PT2C_REDUCE_PARSER(name, how, kind, dtype)                                                 \
    pt2c_status pt2c_parse_##name(pt2c_op_ctx *ctx, void **params) {                               \
        return parse_##how(ctx, params, kind, dtype);                                              \
    }
PT2C_REDUCE_PARSER(sum_dim, dims, RED_SUM, true)
PT2C_REDUCE_PARSER(sum, all, RED_SUM, true)
PT2C_REDUCE_PARSER(mean_dim, dims, RED_MEAN, true)
PT2C_REDUCE_PARSER(mean, all, RED_MEAN, true)
PT2C_REDUCE_PARSER(prod_dim, one_dim, RED_PROD, true)
PT2C_REDUCE_PARSER(prod, all, RED_PROD, true)
PT2C_REDUCE_PARSER(amax, dims, RED_AMAX, false)
PT2C_REDUCE_PARSER(amin, dims, RED_AMIN, false)
PT2C_REDUCE_PARSER(max_dim, one_dim, RED_MAX_DIM, false)
PT2C_REDUCE_PARSER(min_dim, one_dim, RED_MIN_DIM, false)
PT2C_REDUCE_PARSER(max, all, RED_AMAX, false)
PT2C_REDUCE_PARSER(min, all, RED_AMIN, false)
PT2C_REDUCE_PARSER(any_dim, one_dim, RED_ANY, false)
PT2C_REDUCE_PARSER(any_dims, dims, RED_ANY, false)
PT2C_REDUCE_PARSER(any, all, RED_ANY, false)
PT2C_REDUCE_PARSER(all_dim, one_dim, RED_ALL, false)
PT2C_REDUCE_PARSER(all_dims, dims, RED_ALL, false)
PT2C_REDUCE_PARSER(all, all, RED_ALL, false)
PT2C_REDUCE_PARSER(logsumexp, dims, RED_LOGSUMEXP, false)
#undef PT2C_REDUCE_PARSER

/* argmax / argmin(self, int? dim=None, bool keepdim=False) */
static pt2c_status parse_arg(pt2c_op_ctx *ctx, void **params, reduce_kind kind) {
    reduce_params *p = NULL;
    PT2C_TRY(new_reduce(ctx, params, kind, &p));
    bool present = false;
    pt2c_iarg dim;
    PT2C_TRY(pt2c_op_optional_int(ctx, "dim", &present, &dim));
    if (present) {
        p->dims.items = pt2c_arena_alloc(pt2c_op_arena(ctx), sizeof(pt2c_iarg), 8);
        if (!p->dims.items)
            return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
        p->dims.items[0] = dim;
        p->dims.n = 1;
        p->dims.present = true;
    }
    return pt2c_op_bool(ctx, "keepdim", false, &p->keepdim);
}

pt2c_status pt2c_parse_argmax(pt2c_op_ctx *ctx, void **params) {
    return parse_arg(ctx, params, RED_ARGMAX);
}
pt2c_status pt2c_parse_argmin(pt2c_op_ctx *ctx, void **params) {
    return parse_arg(ctx, params, RED_ARGMIN);
}

/* var/std .correction(self, int[1]? dim=None, *, Scalar? correction=None, keepdim=False) */
static pt2c_status parse_var_correction(pt2c_op_ctx *ctx, void **params, reduce_kind kind) {
    reduce_params *p = NULL;
    PT2C_TRY(parse_dims(ctx, params, kind, false));
    p = *params;
    return pt2c_op_optional_scalar(ctx, "correction", &p->has_correction, &p->correction);
}

/* var/std .dim(self, int[1]? dim, bool unbiased=True, bool keepdim=False), and .default
 * (self, bool unbiased=True) without dim/keepdim. */
static pt2c_status parse_var_unbiased(pt2c_op_ctx *ctx, void **params, reduce_kind kind) {
    reduce_params *p = NULL;
    PT2C_TRY(parse_dims(ctx, params, kind, false));
    p = *params;
    bool unbiased;
    PT2C_TRY(pt2c_op_bool(ctx, "unbiased", true, &unbiased));
    p->has_correction = true;
    p->correction = (pt2c_scalar){PT2C_DTYPE_I64, unbiased ? 1 : 0, unbiased ? 1.0 : 0.0, -1};
    return PT2C_OK;
}

#define PT2C_VAR_PARSER(name, how, kind)                                                           \
    pt2c_status pt2c_parse_##name(pt2c_op_ctx *ctx, void **params) {                               \
        return parse_var_##how(ctx, params, kind);                                                 \
    }
PT2C_VAR_PARSER(var_correction, correction, RED_VAR)
PT2C_VAR_PARSER(var_dim, unbiased, RED_VAR)
PT2C_VAR_PARSER(std_correction, correction, RED_STD)
PT2C_VAR_PARSER(std_dim, unbiased, RED_STD)
PT2C_VAR_PARSER(var_mean_correction, correction, RED_VAR_MEAN)
PT2C_VAR_PARSER(var_mean_dim, unbiased, RED_VAR_MEAN)
PT2C_VAR_PARSER(std_mean_correction, correction, RED_STD_MEAN)
PT2C_VAR_PARSER(std_mean_dim, unbiased, RED_STD_MEAN)
#undef PT2C_VAR_PARSER

/* linalg_vector_norm(self, Scalar ord=2, int[1]? dim=None, bool keepdim=False, *, dtype) */
pt2c_status pt2c_parse_vector_norm(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(parse_dims(ctx, params, RED_NORM, true));
    reduce_params *p = *params;
    pt2c_scalar two = {PT2C_DTYPE_I64, 2, 2.0, -1}, ord;
    PT2C_TRY(pt2c_op_scalar(ctx, "ord", &two, &ord));
    if (ord.slot >= 0)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "argument 'ord': a symbolic value is not supported");
    p->ord = ord.dtype == PT2C_DTYPE_F64 ? ord.f : (double)ord.i;
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Shape                                                                                    */

static bool float_result(reduce_kind k) {
    return k == RED_MEAN || k == RED_VAR || k == RED_STD || k == RED_VAR_MEAN ||
           k == RED_STD_MEAN || k == RED_NORM;
}

pt2c_status pt2c_shape_reduce(pt2c_op_ctx *ctx, void *params) {
    reduce_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    reduce_kind k = p->kind;
    int32_t rank = x->rank;
    bool reduced[PT2C_MAX_RANK] = {false};
    bool all = !p->dims.present || p->dims.n == 0;
    if (k == RED_MAX_DIM || k == RED_MIN_DIM || k == RED_ARGMAX || k == RED_ARGMIN)
        all = !p->dims.present; /* argmax(dim=None) flattens; [] is not valid there */
    for (int32_t i = 0; !all && i < p->dims.n; i++) {
        int32_t d;
        PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dims.items[i]), rank, &d));
        if (rank > 0 && reduced[d])
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: dim %d appears more than once in the dim list", (int)d);
        if (rank > 0)
            reduced[d] = true;
    }
    for (int32_t d = 0; all && d < rank; d++)
        reduced[d] = true;

    /* Dtypes. */
    pt2c_dtype in = x->dtype, out = in;
    if (!pt2c_dtype_is_float(in) && !pt2c_dtype_is_integral(in, true))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: %s of a %s tensor is not supported",
                            kind_names[k], pt2c_dtype_name(in));
    p->ct = p->dtype != PT2C_DTYPE_UNKNOWN ? p->dtype : in;
    switch (k) {
    case RED_SUM:
    case RED_PROD:
        if (p->dtype == PT2C_DTYPE_UNKNOWN && !pt2c_dtype_is_float(in))
            p->ct = PT2C_DTYPE_I64;
        out = p->ct;
        break;
    case RED_ANY:
    case RED_ALL:
        out = in == PT2C_DTYPE_U8 ? PT2C_DTYPE_U8 : PT2C_DTYPE_BOOL;
        break;
    case RED_LOGSUMEXP:
        if (!pt2c_dtype_is_float(in))
            p->ct = PT2C_DTYPE_F32;
        out = p->ct;
        break;
    default:
        out = p->ct;
        break;
    }
    if (float_result(k) && !pt2c_dtype_is_float(p->ct))
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: %s needs a floating input or dtype=, found %s", kind_names[k],
                            pt2c_dtype_name(p->ct));
    if (!pt2c_dtype_is_float(p->ct) && !pt2c_dtype_is_integral(p->ct, true))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "argument 'dtype': %s is not supported",
                            pt2c_dtype_name(p->ct));

    /* Geometry: merge runs of adjacent kept / reduced dims (the input is contiguous). */
    int64_t stride[PT2C_MAX_RANK];
    int64_t s = 1;
    for (int32_t d = rank - 1; d >= 0; d--) {
        stride[d] = s;
        s *= x->sizes[d];
    }
    p->n_kept = p->n_red = 0;
    p->n = 1;
    int32_t prev = -1; /* 0 kept, 1 reduced */
    for (int32_t d = 0; d < rank; d++) {
        if (x->sizes[d] == 1)
            continue;
        int32_t cls = reduced[d] ? 1 : 0;
        int64_t *sizes = cls ? p->red_size : p->kept_size;
        int64_t *strides = cls ? p->red_stride : p->kept_stride;
        int32_t *n = cls ? &p->n_red : &p->n_kept;
        if (cls == prev && *n > 0) {
            sizes[*n - 1] *= x->sizes[d];
            strides[*n - 1] = stride[d];
        } else {
            sizes[*n] = x->sizes[d];
            strides[*n] = stride[d];
            (*n)++;
        }
        if (cls)
            p->n *= x->sizes[d];
        prev = cls;
    }

    bool needs_elements = k == RED_AMAX || k == RED_AMIN || k == RED_MAX_DIM || k == RED_MIN_DIM ||
                          k == RED_ARGMAX || k == RED_ARGMIN;
    if (needs_elements && p->n == 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: %s of an empty reduction has no identity; the reduced "
                            "dims must be non-empty",
                            kind_names[k]);
    if (k == RED_VAR || k == RED_STD || k == RED_VAR_MEAN || k == RED_STD_MEAN) {
        double c = p->has_correction ? pt2c_op_scalar_f64(ctx, &p->correction) : 1.0;
        double dof = (double)p->n - c;
        p->divisor = dof > 0.0 ? dof : 0.0;
    } else {
        p->divisor = (double)p->n;
    }

    /* Output shape. */
    int64_t sizes[PT2C_MAX_RANK];
    int32_t r = 0;
    for (int32_t d = 0; d < rank; d++) {
        if (!reduced[d])
            sizes[r++] = x->sizes[d];
        else if (p->keepdim)
            sizes[r++] = 1;
    }
    bool indices = k == RED_MAX_DIM || k == RED_MIN_DIM;
    bool two = indices || k == RED_VAR_MEAN || k == RED_STD_MEAN;
    if (k == RED_ARGMAX || k == RED_ARGMIN)
        out = PT2C_DTYPE_I64;
    PT2C_TRY(pt2c_op_set_out(ctx, 0, out, r, sizes));
    if (two && pt2c_op_n_out(ctx) > 1)
        PT2C_TRY(pt2c_op_set_out(ctx, 1, indices ? PT2C_DTYPE_I64 : out, r, sizes));
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Kernel                                                                                   */

/* Offset of the r-th reduced element relative to the output's base offset. */
static inline int64_t red_offset(const reduce_params *p, int64_t r) {
    if (p->n_red == 1)
        return r * p->red_stride[0];
    int64_t off = 0;
    for (int32_t g = p->n_red - 1; g >= 0; g--) {
        off += (r % p->red_size[g]) * p->red_stride[g];
        r /= p->red_size[g];
    }
    return off;
}

/* Element as the computation dtype ct (float dtypes: rounded as a cast to ct would). */
static inline double load_f(const pt2c_ktensor *x, int64_t i, pt2c_dtype ct) {
    if (x->dtype == PT2C_DTYPE_F32 && ct == PT2C_DTYPE_F32)
        return (double)((const float *)x->data)[i];
    double v = pt2c_load_f64(x->data, x->dtype, i);
    if (ct == PT2C_DTYPE_F32 || ct == PT2C_DTYPE_F16 || ct == PT2C_DTYPE_BF16) {
        float f = (float)v;
        if (ct == PT2C_DTYPE_F16)
            f = pt2c_half_to_float(pt2c_float_to_half(f));
        else if (ct == PT2C_DTYPE_BF16)
            f = pt2c_bf16_to_float(pt2c_float_to_bf16(f));
        v = (double)f;
    }
    return v;
}

/* The same on a contiguous float32 row: one pass for the extreme value over eight
 * interleaved lanes (no NaN test in the lanes: a NaN is caught separately), then a search
 * for the first element equal to it (or the first NaN). The value returned is that element,
 * so even the sign of a zero matches the sequential scan. */
static void extreme_f32_row(const float *v, int64_t n, bool want_max, double *value,
                            int64_t *index) {
    float b[8];
    int nan[8] = {0};
    for (int q = 0; q < 8; q++)
        b[q] = v[0];
    int64_t r = 0;
    if (want_max) {
        for (; r + 8 <= n; r += 8)
            for (int q = 0; q < 8; q++) {
                float e = v[r + q];
                b[q] = e > b[q] ? e : b[q];
                nan[q] |= e != e;
            }
    } else {
        for (; r + 8 <= n; r += 8)
            for (int q = 0; q < 8; q++) {
                float e = v[r + q];
                b[q] = e < b[q] ? e : b[q];
                nan[q] |= e != e;
            }
    }
    float best = b[0];
    int any_nan = 0;
    for (int q = 0; q < 8; q++) {
        best = want_max ? (b[q] > best ? b[q] : best) : (b[q] < best ? b[q] : best);
        any_nan |= nan[q];
    }
    for (; r < n; r++) {
        float e = v[r];
        best = want_max ? (e > best ? e : best) : (e < best ? e : best);
        any_nan |= e != e;
    }
    any_nan |= v[0] != v[0];
    int64_t at = 0;
    while (any_nan ? !isnan(v[at]) : v[at] != best)
        at++;
    *value = (double)v[at];
    *index = at;
}

/* max/min with index: the first extreme wins; a NaN is the extreme (first NaN wins). */
static void extreme_f(const reduce_params *p, const pt2c_ktensor *x, int64_t base, bool want_max,
                      double *value, int64_t *index) {
    if (p->n_red == 1 && p->red_stride[0] == 1 && x->dtype == PT2C_DTYPE_F32 &&
        p->ct == PT2C_DTYPE_F32) {
        extreme_f32_row((const float *)x->data + base, p->n, want_max, value, index);
        return;
    }
    double best = load_f(x, base, p->ct);
    int64_t at = 0;
    if (!isnan(best)) {
        for (int64_t r = 1; r < p->n; r++) {
            double v = load_f(x, base + red_offset(p, r), p->ct);
            if (want_max ? !(v <= best) : !(v >= best)) {
                best = v;
                at = r;
                if (isnan(v))
                    break;
            }
        }
    }
    *value = best;
    *index = at;
}

static void extreme_i(const reduce_params *p, const pt2c_ktensor *x, int64_t base, bool want_max,
                      int64_t *value, int64_t *index) {
    int64_t best = pt2c_load_i64(x->data, x->dtype, base), at = 0;
    for (int64_t r = 1; r < p->n; r++) {
        int64_t v = pt2c_load_i64(x->data, x->dtype, base + red_offset(p, r));
        if (want_max ? v > best : v < best) {
            best = v;
            at = r;
        }
    }
    *value = best;
    *index = at;
}

static double sum_f(const reduce_params *p, const pt2c_ktensor *x, int64_t base) {
    double acc = 0.0;
    if (p->n_red == 1 && p->red_stride[0] == 1 && x->dtype == PT2C_DTYPE_F32) {
        /* A contiguous float32 row: eight interleaved double sums (element r goes to sum
         * r % 8), combined pairwise at the end; a fixed order, and no long dependency chain. */
        const float *v = (const float *)x->data + base;
        double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t r = 0;
        for (; r + 8 <= p->n; r += 8)
            for (int q = 0; q < 8; q++)
                s[q] += (double)v[r + q];
        for (int q = 0; r < p->n; r++, q++)
            s[q] += (double)v[r];
        return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    }
    for (int64_t r = 0; r < p->n; r++)
        acc += load_f(x, base + red_offset(p, r), p->ct);
    return acc;
}

/* Sum of squared deviations from mean, and the mean itself. */
static double sq_dev_f(const reduce_params *p, const pt2c_ktensor *x, int64_t base, double *mean) {
    double m = p->n ? sum_f(p, x, base) / (double)p->n : (double)NAN;
    double acc = 0.0;
    for (int64_t r = 0; r < p->n; r++) {
        double d = load_f(x, base + red_offset(p, r), p->ct) - m;
        acc += d * d;
    }
    *mean = m;
    return acc;
}

static double norm_f(const reduce_params *p, const pt2c_ktensor *x, int64_t base) {
    double ord = p->ord, acc = 0.0;
    if (isinf(ord)) {
        acc = p->n ? fabs(load_f(x, base, p->ct)) : (ord > 0 ? 0.0 : (double)INFINITY);
        for (int64_t r = 1; r < p->n; r++) {
            double v = fabs(load_f(x, base + red_offset(p, r), p->ct));
            if (isnan(v) || (ord > 0 ? v > acc : v < acc))
                acc = v;
            if (isnan(acc))
                break;
        }
        return acc;
    }
    for (int64_t r = 0; r < p->n; r++) {
        double v = fabs(load_f(x, base + red_offset(p, r), p->ct));
        if (ord == 0.0)
            acc += v != 0.0 ? 1.0 : 0.0;
        else if (ord == 1.0)
            acc += v;
        else if (ord == 2.0)
            acc += v * v;
        else
            acc += pow(v, ord);
    }
    if (ord == 0.0 || ord == 1.0)
        return acc;
    if (ord == 2.0)
        return sqrt(acc);
    return pow(acc, 1.0 / ord);
}

static double logsumexp_f(const reduce_params *p, const pt2c_ktensor *x, int64_t base) {
    double m = -(double)INFINITY;
    for (int64_t r = 0; r < p->n; r++) {
        double v = load_f(x, base + red_offset(p, r), p->ct);
        if (v > m || isnan(v))
            m = v;
        if (isnan(m))
            return m;
    }
    if (isinf(m))
        m = 0.0; /* PyTorch: infinite maxima are replaced by 0 before subtracting */
    double acc = 0.0;
    for (int64_t r = 0; r < p->n; r++)
        acc += exp(load_f(x, base + red_offset(p, r), p->ct) - m);
    return log(acc) + m;
}

static bool any_nonzero(const reduce_params *p, const pt2c_ktensor *x, int64_t base,
                        bool want_all) {
    bool is_float = pt2c_dtype_is_float(x->dtype);
    for (int64_t r = 0; r < p->n; r++) {
        int64_t i = base + red_offset(p, r);
        bool nz = is_float ? pt2c_load_f64(x->data, x->dtype, i) != 0.0
                           : pt2c_load_i64(x->data, x->dtype, i) != 0;
        if (want_all ? !nz : nz)
            return !want_all;
    }
    return want_all;
}

static void reduce_one(const reduce_params *p, const pt2c_ktensor *x, pt2c_ktensor *o0,
                       pt2c_ktensor *o1, int64_t o, int64_t base) {
    bool is_float = pt2c_dtype_is_float(p->ct);
    switch (p->kind) {
    case RED_SUM:
    case RED_MEAN:
    case RED_PROD: {
        if (!is_float) {
            uint64_t acc = p->kind == RED_PROD ? 1 : 0; /* wraps as PyTorch's int64 */
            for (int64_t r = 0; r < p->n; r++) {
                int64_t v = pt2c_load_i64(x->data, x->dtype, base + red_offset(p, r));
                if (p->ct == PT2C_DTYPE_BOOL)
                    v = v != 0;
                acc = p->kind == RED_PROD ? acc * (uint64_t)v : acc + (uint64_t)v;
            }
            pt2c_store_i64(o0->data, o0->dtype, o, (int64_t)acc);
            return;
        }
        double acc;
        if (p->kind == RED_PROD) {
            acc = 1.0;
            for (int64_t r = 0; r < p->n; r++)
                acc *= load_f(x, base + red_offset(p, r), p->ct);
        } else {
            acc = sum_f(p, x, base);
            if (p->kind == RED_MEAN)
                acc /= p->divisor;
        }
        pt2c_store_f64(o0->data, o0->dtype, o, acc);
        return;
    }
    case RED_AMAX:
    case RED_AMIN:
    case RED_MAX_DIM:
    case RED_MIN_DIM:
    case RED_ARGMAX:
    case RED_ARGMIN: {
        bool want_max = p->kind == RED_AMAX || p->kind == RED_MAX_DIM || p->kind == RED_ARGMAX;
        int64_t index = 0;
        bool arg = p->kind == RED_ARGMAX || p->kind == RED_ARGMIN;
        if (is_float) {
            double v;
            extreme_f(p, x, base, want_max, &v, &index);
            if (!arg && o0)
                pt2c_store_f64(o0->data, o0->dtype, o, v);
        } else {
            int64_t v;
            extreme_i(p, x, base, want_max, &v, &index);
            if (!arg && o0)
                pt2c_store_i64(o0->data, o0->dtype, o, v);
        }
        if (arg && o0)
            ((int64_t *)o0->data)[o] = index;
        else if (o1)
            ((int64_t *)o1->data)[o] = index;
        return;
    }
    case RED_VAR:
    case RED_STD:
    case RED_VAR_MEAN:
    case RED_STD_MEAN: {
        double mean, v = sq_dev_f(p, x, base, &mean) / p->divisor;
        if (p->kind == RED_STD || p->kind == RED_STD_MEAN)
            v = sqrt(v);
        if (o0)
            pt2c_store_f64(o0->data, o0->dtype, o, v);
        if (o1)
            pt2c_store_f64(o1->data, o1->dtype, o, mean);
        return;
    }
    case RED_ANY:
    case RED_ALL:
        ((uint8_t *)o0->data)[o] = any_nonzero(p, x, base, p->kind == RED_ALL);
        return;
    case RED_LOGSUMEXP:
        pt2c_store_f64(o0->data, o0->dtype, o, logsumexp_f(p, x, base));
        return;
    case RED_NORM:
        pt2c_store_f64(o0->data, o0->dtype, o, norm_f(p, x, base));
        return;
    }
}

enum { ROW_CHUNK = 256 };

/* out[o + j] = sum_r x[j + r * stride] for j < n (n <= ROW_CHUNK), in double. */
static void sum_rows(const reduce_params *p, const float *x, int64_t n, pt2c_ktensor *out,
                     int64_t o) {
    double acc[ROW_CHUNK];
    for (int64_t j = 0; j < n; j++)
        acc[j] = 0.0;
    for (int64_t r = 0; r < p->n; r++) {
        const float *row = x + r * p->red_stride[0];
        for (int64_t j = 0; j < n; j++)
            acc[j] += (double)row[j];
    }
    float *z = (float *)out->data + o;
    for (int64_t j = 0; j < n; j++)
        z[j] = (float)(p->kind == RED_MEAN ? acc[j] / p->divisor : acc[j]);
}

/* Move the kept-dims odometer n outputs on (n never crosses the innermost group's end
 * except to land exactly on it). */
static void advance(const reduce_params *p, int64_t *index, int64_t *base, int64_t n) {
    int32_t g = p->n_kept - 1;
    index[g] += n;
    *base += n * p->kept_stride[g];
    while (g > 0 && index[g] >= p->kept_size[g]) {
        *base += p->kept_stride[g - 1] - index[g] * p->kept_stride[g];
        index[g] = 0;
        g--;
        index[g]++;
    }
}

void pt2c_k_reduce(const pt2c_kernel_args *args, int ith, int nth) {
    const reduce_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *o0 = args->out[0], *o1 = args->n_out > 1 ? args->out[1] : NULL;
    const pt2c_ktensor *any_out = o0 ? o0 : o1;
    if (!any_out)
        return;
    int64_t begin, end;
    pt2c_split_range(any_out->numel, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    /* Odometer over the kept groups: the input offset of output element o. */
    int64_t index[RED_MAX_DIMS] = {0}, base = 0, rem = begin;
    for (int32_t g = p->n_kept - 1; g >= 0; g--) {
        index[g] = rem % p->kept_size[g];
        rem /= p->kept_size[g];
        base += index[g] * p->kept_stride[g];
    }
    bool rows = (p->kind == RED_SUM || p->kind == RED_MEAN) && x->dtype == PT2C_DTYPE_F32 &&
                p->ct == PT2C_DTYPE_F32 && p->n_red == 1 && p->red_stride[0] > 1 && p->n_kept > 0 &&
                p->kept_stride[p->n_kept - 1] == 1;
    for (int64_t o = begin; o < end;) {
        if (rows) {
            /* Reducing an outer dim of float32 (x.sum(1) of [B, T, D]): the outputs of one
             * kept row are adjacent in x, so add whole rows; each output still sums its
             * elements in order r = 0, 1, ... exactly as reduce_one does. */
            int64_t g = p->n_kept - 1, left = p->kept_size[g] - index[g];
            int64_t n = end - o < left ? end - o : left;
            n = n < ROW_CHUNK ? n : ROW_CHUNK;
            sum_rows(p, (const float *)x->data + base, n, o0, o);
            o += n;
            advance(p, index, &base, n);
            continue;
        }
        reduce_one(p, x, o0, o1, o, base);
        o++;
        for (int32_t g = p->n_kept - 1; g >= 0; g--) {
            base += p->kept_stride[g];
            if (++index[g] < p->kept_size[g])
                break;
            base -= index[g] * p->kept_stride[g];
            index[g] = 0;
        }
    }
}
