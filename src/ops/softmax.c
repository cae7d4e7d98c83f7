/*
 * softmax.c - softmax and log-softmax along one dim (docs: aten-ops.md 4.9).
 *
 *   _softmax(self, int dim, bool half_to_float)      softmax.int(self, int dim, dtype=None)
 *   _log_softmax(self, int dim, bool half_to_float)  log_softmax.int(self, int dim, dtype=None)
 *   _safe_softmax(self, int dim, dtype=None)
 *
 *   m = max_j x[j];  softmax[j] = exp(x[j] - m) / sum_k exp(x[k] - m)
 *   log_softmax[j] = x[j] - m - log(sum_k exp(x[k] - m))
 *
 * A row of all -inf gives NaN (0/0) as in PyTorch; _safe_softmax gives zeros there.
 * dtype= casts the input first (the result has that dtype); half_to_float turns a float16
 * input into a float32 result. Integer inputs are rejected (PyTorch has no kernel).
 *
 * Shapes: the input seen as [outer, n, inner] with n the softmax dim; one (outer, inner)
 * line per work unit, so a line's max and sum never split across threads. float32 rows along
 * the last dim run on the CPU table (cpu.h softmax_row: vector exp, 16-lane float sum, times
 * 1 / sum as PyTorch's vectorized kernel); other float32 lines take exp in float (vmath.h)
 * and sum in double; other dtypes compute in double.
 */
#include "ops/elem.h"
#include "ops/op_decls.h"
#include "ops/promote.h"
#include "ops/vmath.h"

#include <math.h>

typedef struct softmax_params {
    bool log;           /* log_softmax */
    bool safe;          /* _safe_softmax: all -inf rows give 0 */
    bool half_to_float; /* _softmax: float16 in, float32 out */
    pt2c_iarg dim;
    pt2c_dtype dtype; /* dtype= or UNKNOWN */
    /* Resolved per shape. */
    int64_t outer, n, inner;
} softmax_params;

static pt2c_status parse_softmax(pt2c_op_ctx *ctx, void **params, bool log, bool safe,
                                 bool internal) {
    softmax_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->log = log;
    p->safe = safe;
    p->dtype = PT2C_DTYPE_UNKNOWN;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    const pt2c_arg *a = pt2c_op_arg(ctx, "dim");
    if (!a || a->kind == PT2C_ARG_NONE)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'dim': missing (expected an int)");
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    if (internal)
        PT2C_TRY(pt2c_op_bool(ctx, "half_to_float", false, &p->half_to_float));
    else
        PT2C_TRY(pt2c_op_dtype(ctx, "dtype", &p->dtype));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse__softmax(pt2c_op_ctx *ctx, void **params) {
    return parse_softmax(ctx, params, false, false, true);
}
pt2c_status pt2c_parse__log_softmax(pt2c_op_ctx *ctx, void **params) {
    return parse_softmax(ctx, params, true, false, true);
}
pt2c_status pt2c_parse_softmax(pt2c_op_ctx *ctx, void **params) {
    return parse_softmax(ctx, params, false, false, false);
}
pt2c_status pt2c_parse_log_softmax(pt2c_op_ctx *ctx, void **params) {
    return parse_softmax(ctx, params, true, false, false);
}
pt2c_status pt2c_parse__safe_softmax(pt2c_op_ctx *ctx, void **params) {
    return parse_softmax(ctx, params, false, true, false);
}

pt2c_status pt2c_shape_softmax(pt2c_op_ctx *ctx, void *params) {
    softmax_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    pt2c_dtype out = p->dtype != PT2C_DTYPE_UNKNOWN ? p->dtype : x->dtype;
    if (p->half_to_float && x->dtype == PT2C_DTYPE_F16)
        out = PT2C_DTYPE_F32;
    if (!pt2c_dtype_is_float(out))
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: %s needs a floating input or dtype=, found %s",
                            p->log ? "log_softmax" : "softmax", pt2c_dtype_name(out));
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

/* One float32 line: n elements at stride s. The output holds exp(x - m) until scaled. */
static void line_f32(const softmax_params *p, const float *x, float *y, int64_t n, int64_t s) {
    float m = -INFINITY;
    if (s == 1) {
        /* Eight lanes of max, NaN tracked apart (the max of the lanes is the row's max). */
        float lm[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY,
                       -INFINITY, -INFINITY, -INFINITY, -INFINITY};
        int nan = 0;
        int64_t j = 0;
        for (; j + 8 <= n; j += 8)
            for (int q = 0; q < 8; q++) {
                float v = x[j + q];
                lm[q] = v > lm[q] ? v : lm[q];
                nan |= v != v;
            }
        for (; j < n; j++) {
            m = x[j] > m ? x[j] : m;
            nan |= x[j] != x[j];
        }
        for (int q = 0; q < 8; q++)
            m = lm[q] > m ? lm[q] : m;
        if (nan)
            m = NAN;
    } else {
        for (int64_t j = 0; j < n; j++) {
            float v = x[j * s];
            if (v > m || isnan(v))
                m = v;
            if (isnan(m))
                break;
        }
    }
    if (p->safe && m == -INFINITY) {
        for (int64_t j = 0; j < n; j++)
            y[j * s] = 0.0f;
        return;
    }
    double sum = 0.0;
    if (s == 1) {
        /* A contiguous row: exp(x - m) into y with the array exp, summed in eight
         * interleaved double lanes (a fixed order), then scaled by 1/sum in float as
         * PyTorch's vectorized kernel does. */
        for (int64_t j = 0; j < n; j++)
            y[j] = x[j] - m;
        pt2c_exp_f32(y, y, n);
        double lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t j = 0;
        for (; j + 8 <= n; j += 8)
            for (int q = 0; q < 8; q++)
                lane[q] += (double)y[j + q];
        for (int q = 0; j < n; j++, q++)
            lane[q] += (double)y[j];
        sum = ((lane[0] + lane[1]) + (lane[2] + lane[3])) +
              ((lane[4] + lane[5]) + (lane[6] + lane[7]));
        if (p->log) {
            float lse = (float)log(sum);
            for (j = 0; j < n; j++)
                y[j] = x[j] - m - lse;
            return;
        }
        float inv = (float)(1.0 / sum);
        for (j = 0; j < n; j++)
            y[j] *= inv;
        return;
    }
    for (int64_t j = 0; j < n; j++) {
        float e = pt2c_expf(x[j * s] - m);
        if (!p->log)
            y[j * s] = e;
        sum += (double)e;
    }
    if (p->log) {
        float lse = (float)log(sum);
        for (int64_t j = 0; j < n; j++)
            y[j * s] = x[j * s] - m - lse;
        return;
    }
    double inv = 1.0 / sum;
    for (int64_t j = 0; j < n; j++)
        y[j * s] = (float)((double)y[j * s] * inv);
}

/* Any float dtypes: compute in double from values cast to the output dtype. */
static void line_any(const softmax_params *p, const pt2c_ktensor *x, pt2c_ktensor *y, int64_t base,
                     int64_t n, int64_t s) {
    pt2c_dtype ot = y->dtype;
    double m = -(double)INFINITY;
    for (int64_t j = 0; j < n; j++) {
        double v = pt2c_load_f64(x->data, x->dtype, base + j * s);
        if (v > m || isnan(v))
            m = v;
        if (isnan(m))
            break;
    }
    if (p->safe && m == -(double)INFINITY) {
        for (int64_t j = 0; j < n; j++)
            pt2c_store_f64(y->data, ot, base + j * s, 0.0);
        return;
    }
    double sum = 0.0;
    for (int64_t j = 0; j < n; j++)
        sum += exp(pt2c_load_f64(x->data, x->dtype, base + j * s) - m);
    double lse = log(sum);
    for (int64_t j = 0; j < n; j++) {
        double v = pt2c_load_f64(x->data, x->dtype, base + j * s) - m;
        pt2c_store_f64(y->data, ot, base + j * s, p->log ? v - lse : exp(v) / sum);
    }
}

void pt2c_k_softmax(const pt2c_kernel_args *args, int ith, int nth) {
    const softmax_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *y = args->out[0];
    int64_t begin, end;
    pt2c_split_range(p->outer * p->inner, ith, nth, &begin, &end);
    bool f32 = x->dtype == PT2C_DTYPE_F32 && y->dtype == PT2C_DTYPE_F32;
    for (int64_t l = begin; l < end; l++) {
        int64_t o = l / p->inner, i = l % p->inner;
        int64_t base = o * p->n * p->inner + i;
        if (f32 && p->inner == 1) /* a contiguous row: the CPU table's vector row */
            args->cpu->softmax_row((const float *)x->data + base, (float *)y->data + base, p->n,
                                   p->log, p->safe, NULL);
        else if (f32)
            line_f32(p, (const float *)x->data + base, (float *)y->data + base, p->n, p->inner);
        else
            line_any(p, x, y, base, p->n, p->inner);
    }
}
