/*
 * elementwise.c - unary and binary elementwise ops with NumPy broadcasting and PyTorch type
 * promotion (docs: aten-ops.md 4.1-4.3).
 *
 *   add.Tensor(self, other, *, alpha=1)   out = self + alpha * other
 *   sub.Tensor(self, other, *, alpha=1)   out = self - alpha * other
 *   mul.Tensor(self, other)               out = self * other
 *   div.Tensor(self, other)               out = self / other   (true division: float result)
 *   relu(self)                            out = max(self, 0), NaN stays NaN
 *
 * Binary kernels compute integer dtypes in int64 (wrapping) and floating dtypes in double,
 * rounding once on store: for + - * / that equals computing in the narrower float type.
 */
#include "ops/elem.h"
#include "ops/op_decls.h"
#include "ops/promote.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* Broadcast iteration                                                                      */

/* Element strides of input t when broadcast to the output's shape (0 on broadcast dims). */
static void broadcast_strides(const pt2c_ktensor *t, const pt2c_ktensor *out, int64_t *strides) {
    int64_t stride = 1;
    for (int32_t d = out->rank - 1; d >= 0; d--) {
        int32_t td = t->rank - (out->rank - d);
        if (td < 0 || t->sizes[td] == 1) {
            strides[d] = 0;
        } else {
            strides[d] = stride;
        }
        if (td >= 0)
            stride *= t->sizes[td];
    }
}

/* Offsets of input elements for output elements [begin, end), written to offs (n per input). */
typedef struct bcast_iter {
    int32_t rank;
    int64_t sizes[PT2C_MAX_RANK];
    int64_t strides[2][PT2C_MAX_RANK];
    int64_t index[PT2C_MAX_RANK];
    int64_t off[2];
} bcast_iter;

static void bcast_start(bcast_iter *it, const pt2c_ktensor *out, const pt2c_ktensor *a,
                        const pt2c_ktensor *b, int64_t begin) {
    memset(it, 0, sizeof *it);
    it->rank = out->rank;
    memcpy(it->sizes, out->sizes, sizeof(int64_t) * (size_t)out->rank);
    broadcast_strides(a, out, it->strides[0]);
    if (b)
        broadcast_strides(b, out, it->strides[1]);
    int64_t rem = begin;
    for (int32_t d = out->rank - 1; d >= 0; d--) {
        int64_t size = out->sizes[d] ? out->sizes[d] : 1;
        it->index[d] = rem % size;
        rem /= size;
        it->off[0] += it->index[d] * it->strides[0][d];
        it->off[1] += it->index[d] * it->strides[1][d];
    }
}

static inline void bcast_next(bcast_iter *it) {
    for (int32_t d = it->rank - 1; d >= 0; d--) {
        it->index[d]++;
        it->off[0] += it->strides[0][d];
        it->off[1] += it->strides[1][d];
        if (it->index[d] < it->sizes[d])
            return;
        it->off[0] -= it->index[d] * it->strides[0][d];
        it->off[1] -= it->index[d] * it->strides[1][d];
        it->index[d] = 0;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Unary                                                                                    */

pt2c_status pt2c_parse_unary(pt2c_op_ctx *ctx, void **params) {
    *params = NULL;
    return pt2c_op_input(ctx, "self", NULL);
}

pt2c_status pt2c_shape_unary(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    return pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes);
}

/* relu: out[i] = x[i] > 0 ? x[i] : 0 (NaN propagates because NaN > 0 is false... and NaN
 * must stay NaN, so test x <= 0 instead). */
void pt2c_k_relu(const pt2c_kernel_args *args, int ith, int nth) {
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (x->dtype == PT2C_DTYPE_F32) {
        const float *src = x->data;
        float *dst = out->data;
        for (int64_t i = begin; i < end; i++)
            dst[i] = src[i] <= 0.0f ? 0.0f : src[i];
        return;
    }
    if (pt2c_dtype_is_float(x->dtype)) {
        for (int64_t i = begin; i < end; i++) {
            double v = pt2c_load_f64(x->data, x->dtype, i);
            pt2c_store_f64(out->data, out->dtype, i, v <= 0.0 ? 0.0 : v);
        }
        return;
    }
    for (int64_t i = begin; i < end; i++) {
        int64_t v = pt2c_load_i64(x->data, x->dtype, i);
        pt2c_store_i64(out->data, out->dtype, i, v < 0 ? 0 : v);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Unary math: one kernel, the function chosen by the table row's parse function.          */
/*   sigmoid 1/(1+e^-x)   tanh   exp   log   sqrt   rsqrt 1/sqrt(x)   neg   abs             */
/*   silu x*sigmoid(x)    gelu 0.5x(1+erf(x/sqrt2)) or the tanh form                       */
/*   hardswish x*min(max(x+3,0),6)/6    hardsigmoid min(max(x+3,0),6)/6                     */
/*   hardtanh min(max(x,lo),hi) (relu6 = hardtanh(0, 6))                                    */
/* Integer and bool inputs of float-only functions give float32, as in PyTorch.             */

typedef enum unary_fn {
    UN_SIGMOID,
    UN_TANH,
    UN_EXP,
    UN_LOG,
    UN_SQRT,
    UN_RSQRT,
    UN_NEG,
    UN_ABS,
    UN_SILU,
    UN_GELU,
    UN_GELU_TANH,
    UN_HARDSWISH,
    UN_HARDSIGMOID,
    UN_HARDTANH
} unary_fn;

typedef struct unary_params {
    unary_fn fn;
    double lo, hi; /* hardtanh bounds */
} unary_params;

static pt2c_status parse_unary_fn(pt2c_op_ctx *ctx, void **params, unary_fn fn) {
    unary_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->fn = fn;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    *params = p;
    return PT2C_OK;
}

#define PT2C_UNARY_PARSER(name, fn)                                                                \
    pt2c_status pt2c_parse_##name(pt2c_op_ctx *ctx, void **params) {                               \
        return parse_unary_fn(ctx, params, fn);                                                    \
    }
PT2C_UNARY_PARSER(sigmoid, UN_SIGMOID)
PT2C_UNARY_PARSER(tanh, UN_TANH)
PT2C_UNARY_PARSER(exp, UN_EXP)
PT2C_UNARY_PARSER(log, UN_LOG)
PT2C_UNARY_PARSER(sqrt, UN_SQRT)
PT2C_UNARY_PARSER(rsqrt, UN_RSQRT)
PT2C_UNARY_PARSER(neg, UN_NEG)
PT2C_UNARY_PARSER(abs, UN_ABS)
PT2C_UNARY_PARSER(silu, UN_SILU)
PT2C_UNARY_PARSER(hardswish, UN_HARDSWISH)
PT2C_UNARY_PARSER(hardsigmoid, UN_HARDSIGMOID)
#undef PT2C_UNARY_PARSER

pt2c_status pt2c_parse_gelu(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(parse_unary_fn(ctx, params, UN_GELU));
    const char *approx;
    PT2C_TRY(pt2c_op_string(ctx, "approximate", "none", &approx));
    unary_params *p = *params;
    if (strcmp(approx, "tanh") == 0)
        p->fn = UN_GELU_TANH;
    else if (strcmp(approx, "none") != 0)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "argument 'approximate': expected 'none' or 'tanh', found '%s'",
                            approx);
    return PT2C_OK;
}

pt2c_status pt2c_parse_hardtanh(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(parse_unary_fn(ctx, params, UN_HARDTANH));
    unary_params *p = *params;
    PT2C_TRY(pt2c_op_float(ctx, "min_val", -1.0, &p->lo));
    return pt2c_op_float(ctx, "max_val", 1.0, &p->hi);
}

pt2c_status pt2c_parse_relu6(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(parse_unary_fn(ctx, params, UN_HARDTANH));
    unary_params *p = *params;
    p->lo = 0.0;
    p->hi = 6.0;
    return PT2C_OK;
}

pt2c_status pt2c_shape_unary_float(pt2c_op_ctx *ctx, void *params) {
    const unary_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    bool keeps_dtype = p->fn == UN_NEG || p->fn == UN_ABS || p->fn == UN_HARDTANH;
    pt2c_dtype dt = x->dtype;
    if (!keeps_dtype && !pt2c_dtype_is_float(dt))
        dt = PT2C_DTYPE_F32;
    if (dt == PT2C_DTYPE_BOOL && (p->fn == UN_NEG))
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: negation of a bool tensor is not supported");
    return pt2c_op_set_out(ctx, 0, dt, x->rank, x->sizes);
}

static inline float unary_f32(unary_fn fn, float x, float lo, float hi) {
    switch (fn) {
    case UN_SIGMOID:
        return 1.0f / (1.0f + expf(-x));
    case UN_TANH:
        return tanhf(x);
    case UN_EXP:
        return expf(x);
    case UN_LOG:
        return logf(x);
    case UN_SQRT:
        return sqrtf(x);
    case UN_RSQRT:
        return 1.0f / sqrtf(x);
    case UN_NEG:
        return -x;
    case UN_ABS:
        return fabsf(x);
    case UN_SILU:
        return x / (1.0f + expf(-x));
    case UN_GELU:
        return 0.5f * x * (1.0f + erff(x * 0.70710678118654752440f));
    case UN_GELU_TANH: {
        float inner = 0.7978845608028654f * (x + 0.044715f * x * x * x);
        return 0.5f * x * (1.0f + tanhf(inner));
    }
    case UN_HARDSWISH:
        return x * fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) / 6.0f;
    case UN_HARDSIGMOID:
        return fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) / 6.0f;
    case UN_HARDTANH:
        return isnan(x) ? x : fminf(fmaxf(x, lo), hi);
    }
    return x;
}

static inline double unary_f64(unary_fn fn, double x, double lo, double hi) {
    switch (fn) {
    case UN_SIGMOID:
        return 1.0 / (1.0 + exp(-x));
    case UN_TANH:
        return tanh(x);
    case UN_EXP:
        return exp(x);
    case UN_LOG:
        return log(x);
    case UN_SQRT:
        return sqrt(x);
    case UN_RSQRT:
        return 1.0 / sqrt(x);
    case UN_NEG:
        return -x;
    case UN_ABS:
        return fabs(x);
    case UN_SILU:
        return x / (1.0 + exp(-x));
    case UN_GELU:
        return 0.5 * x * (1.0 + erf(x * 0.70710678118654752440));
    case UN_GELU_TANH:
        return 0.5 * x * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
    case UN_HARDSWISH:
        return x * fmin(fmax(x + 3.0, 0.0), 6.0) / 6.0;
    case UN_HARDSIGMOID:
        return fmin(fmax(x + 3.0, 0.0), 6.0) / 6.0;
    case UN_HARDTANH:
        return isnan(x) ? x : fmin(fmax(x, lo), hi);
    }
    return x;
}

void pt2c_k_unary_float(const pt2c_kernel_args *args, int ith, int nth) {
    const unary_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (x->dtype == PT2C_DTYPE_F32 && out->dtype == PT2C_DTYPE_F32) {
        const float *src = x->data;
        float *dst = out->data;
        float lo = (float)p->lo, hi = (float)p->hi;
        for (int64_t i = begin; i < end; i++)
            dst[i] = unary_f32(p->fn, src[i], lo, hi);
        return;
    }
    if (!pt2c_dtype_is_float(out->dtype)) {
        /* neg / abs / hardtanh on integers stay integral. */
        for (int64_t i = begin; i < end; i++) {
            int64_t v = pt2c_load_i64(x->data, x->dtype, i);
            int64_t r = p->fn == UN_NEG      ? (int64_t)(0 - (uint64_t)v)
                        : p->fn == UN_ABS    ? (v < 0 ? (int64_t)(0 - (uint64_t)v) : v)
                        : v < (int64_t)p->lo ? (int64_t)p->lo
                        : v > (int64_t)p->hi ? (int64_t)p->hi
                                             : v;
            pt2c_store_i64(out->data, out->dtype, i, r);
        }
        return;
    }
    for (int64_t i = begin; i < end; i++) {
        double v = pt2c_load_f64(x->data, x->dtype, i);
        double r = out->dtype == PT2C_DTYPE_F64
                       ? unary_f64(p->fn, v, p->lo, p->hi)
                       : (double)unary_f32(p->fn, (float)v, (float)p->lo, (float)p->hi);
        pt2c_store_f64(out->data, out->dtype, i, r);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Binary                                                                                   */

typedef enum binary_kind { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV } binary_kind;

typedef struct binary_params {
    binary_kind kind;
    pt2c_scalar alpha; /* add/sub */
    double alpha_f;    /* resolved at shape time */
    int64_t alpha_i;
} binary_params;

static pt2c_status parse_binary(pt2c_op_ctx *ctx, void **params, binary_kind kind) {
    binary_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->kind = kind;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "other", NULL));
    pt2c_scalar one = {PT2C_DTYPE_I64, 1, 1.0, -1};
    if (kind == BIN_ADD || kind == BIN_SUB)
        PT2C_TRY(pt2c_op_scalar(ctx, "alpha", &one, &p->alpha));
    else
        p->alpha = one;
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_add(pt2c_op_ctx *ctx, void **params) {
    return parse_binary(ctx, params, BIN_ADD);
}
pt2c_status pt2c_parse_sub(pt2c_op_ctx *ctx, void **params) {
    return parse_binary(ctx, params, BIN_SUB);
}
pt2c_status pt2c_parse_mul(pt2c_op_ctx *ctx, void **params) {
    return parse_binary(ctx, params, BIN_MUL);
}
pt2c_status pt2c_parse_div(pt2c_op_ctx *ctx, void **params) {
    const pt2c_arg *mode = pt2c_op_arg(ctx, "rounding_mode");
    if (mode && mode->kind != PT2C_ARG_NONE)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "div: rounding_mode is not supported yet");
    return parse_binary(ctx, params, BIN_DIV);
}

pt2c_status pt2c_shape_binary(pt2c_op_ctx *ctx, void *params) {
    binary_params *p = params; /* alpha is resolved here, per shape */
    const pt2c_ktensor *a = pt2c_op_in(ctx, 0), *b = pt2c_op_in(ctx, 1);
    pt2c_result_type rt;
    pt2c_result_type_init(&rt);
    pt2c_result_type_add(&rt, a->dtype, a->rank, pt2c_op_in_is_wrapped(ctx, 0));
    pt2c_result_type_add(&rt, b->dtype, b->rank, pt2c_op_in_is_wrapped(ctx, 1));
    pt2c_dtype common = pt2c_result_type_get(&rt);
    if (p->kind == BIN_DIV && !pt2c_dtype_is_float(common))
        common = PT2C_DTYPE_F32; /* true division of integers gives the default float */
    if (p->kind == BIN_SUB && a->dtype == PT2C_DTYPE_BOOL && b->dtype == PT2C_DTYPE_BOOL)
        return pt2c_op_fail(
            ctx, PT2C_ERR_SHAPE,
            "shape: subtracting two bool tensors is not supported (PyTorch rejects it)");
    p->alpha_f = pt2c_op_scalar_f64(ctx, &p->alpha);
    p->alpha_i = pt2c_op_scalar_i64(ctx, &p->alpha);
    int32_t rank;
    int64_t sizes[PT2C_MAX_RANK];
    PT2C_TRY(pt2c_op_broadcast(ctx, a, b, &rank, sizes));
    return pt2c_op_set_out(ctx, 0, common, rank, sizes);
}

static inline double apply_f(binary_kind k, double a, double b, double alpha) {
    switch (k) {
    case BIN_ADD:
        return alpha == 1.0 ? a + b : a + alpha * b;
    case BIN_SUB:
        return alpha == 1.0 ? a - b : a - alpha * b;
    case BIN_MUL:
        return a * b;
    default:
        return a / b;
    }
}

static inline int64_t apply_i(binary_kind k, int64_t a, int64_t b, int64_t alpha) {
    /* Two's complement wrap-around, as PyTorch's integer kernels. */
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b * (uint64_t)alpha;
    switch (k) {
    case BIN_ADD:
        return (int64_t)(ua + ub);
    case BIN_SUB:
        return (int64_t)(ua - ub);
    default:
        return (int64_t)((uint64_t)a * (uint64_t)b);
    }
}

void pt2c_k_binary(const pt2c_kernel_args *args, int ith, int nth) {
    const binary_params *p = args->params;
    const pt2c_ktensor *a = args->in[0], *b = args->in[1];
    pt2c_ktensor *out = args->out[0];
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    bool f32 = a->dtype == PT2C_DTYPE_F32 && b->dtype == PT2C_DTYPE_F32 &&
               out->dtype == PT2C_DTYPE_F32 && p->alpha_f == 1.0;
    if (f32 && a->numel == out->numel && (b->numel == out->numel || b->numel == 1)) {
        const float *x = a->data, *y = b->data;
        float *z = out->data;
        int64_t ys = b->numel == 1 ? 0 : 1;
        switch (p->kind) {
        case BIN_ADD:
            for (int64_t i = begin; i < end; i++)
                z[i] = x[i] + y[i * ys];
            return;
        case BIN_SUB:
            for (int64_t i = begin; i < end; i++)
                z[i] = x[i] - y[i * ys];
            return;
        case BIN_MUL:
            for (int64_t i = begin; i < end; i++)
                z[i] = x[i] * y[i * ys];
            return;
        case BIN_DIV:
            for (int64_t i = begin; i < end; i++)
                z[i] = x[i] / y[i * ys];
            return;
        }
    }
    bcast_iter it;
    bcast_start(&it, out, a, b, begin);
    if (pt2c_dtype_is_float(out->dtype)) {
        for (int64_t i = begin; i < end; i++, bcast_next(&it)) {
            double x = pt2c_load_f64(a->data, a->dtype, it.off[0]);
            double y = pt2c_load_f64(b->data, b->dtype, it.off[1]);
            pt2c_store_f64(out->data, out->dtype, i, apply_f(p->kind, x, y, p->alpha_f));
        }
    } else {
        for (int64_t i = begin; i < end; i++, bcast_next(&it)) {
            int64_t x = pt2c_load_i64(a->data, a->dtype, it.off[0]);
            int64_t y = pt2c_load_i64(b->data, b->dtype, it.off[1]);
            pt2c_store_i64(out->data, out->dtype, i, apply_i(p->kind, x, y, p->alpha_i));
        }
    }
}
