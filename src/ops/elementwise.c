/*
 * elementwise.c - unary elementwise ops (binary and ternary ones live in binary.c).
 *
 *   relu(self)                    max(self, 0), NaN stays NaN; keeps the dtype
 *   float math                    sigmoid 1/(1+e^-x), tanh, exp, exp2, expm1, log, log2,
 *                                 log10, log1p, sqrt, rsqrt 1/sqrt(x), reciprocal 1/x, sin,
 *                                 cos, tan, asin, acos, atan, sinh, cosh, asinh, acosh,
 *                                 atanh, erf, erfc, silu x*sigmoid(x),
 *                                 gelu 0.5x(1+erf(x/sqrt2)) or the tanh form
 *                                 0.5x(1+tanh(u)) = x/(1+exp(-2u)), u = sqrt(2/pi)(x+0.044715x^3),
 *                                 hardswish x*min(max(x+3,0),6)/6,
 *                                 hardsigmoid min(max(x+3,0),6)/6
 *                                 -> integer and bool inputs give float32, as in PyTorch
 *   dtype-keeping                 neg, abs, hardtanh min(max(x,lo),hi) (relu6 = (0, 6)),
 *                                 floor, ceil, round (half to even), trunc, sign (-1/0/+1;
 *                                 0 for NaN, as PyTorch's vectorized kernel), bitwise_not
 *                                 (~x; !x for bool); integers pass through floor/ceil/
 *                                 round/trunc unchanged
 *   round.decimals(self, *, decimals)  nearbyint(x * 10^d) / 10^d (d < 0: nearbyint(x /
 *                                 10^-d) * 10^-d), in the float dtype
 *   square(self)                  self * self (bool gives int64: pow promotes with the 2)
 *   -> bool                       isnan, isinf, isfinite, logical_not (x == 0)
 *
 * float32 math uses the float libm functions (PyTorch's vectorized kernels are within
 * 1 ulp of them), except exp, sigmoid, SiLU, GELU and erf, which run on the array exp/erf of
 * vmath.h (erf is the formula of PyTorch's vectorized kernel); float16/bfloat16 compute in
 * float and round once; float64 in double.
 */
#include "ops/elem.h"
#include "ops/op_decls.h"
#include "ops/promote.h"
#include "ops/vmath.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* relu                                                                                     */

pt2c_status pt2c_parse_unary(pt2c_op_ctx *ctx, void **params) {
    *params = NULL;
    return pt2c_op_input(ctx, "self", NULL);
}

pt2c_status pt2c_shape_unary(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    return pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes);
}

/* relu: out[i] = 0 > x[i] ? 0 : x[i]: NaN stays NaN (float32 on the CPU table, as a fused
 * epilogue computes it). */
void pt2c_k_relu(const pt2c_kernel_args *args, int ith, int nth) {
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (x->dtype == PT2C_DTYPE_F32) {
        const float *src = x->data;
        float *dst = out->data;
        args->cpu->act(PT2C_ACT_RELU, 0.0f, 0.0f, src + begin, dst + begin, end - begin);
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

typedef enum unary_fn {
    /* float math: integer and bool inputs give float32 */
    UN_SIGMOID,
    UN_TANH,
    UN_EXP,
    UN_EXP2,
    UN_EXPM1,
    UN_LOG,
    UN_LOG2,
    UN_LOG10,
    UN_LOG1P,
    UN_SQRT,
    UN_RSQRT,
    UN_RECIPROCAL,
    UN_SIN,
    UN_COS,
    UN_TAN,
    UN_ASIN,
    UN_ACOS,
    UN_ATAN,
    UN_SINH,
    UN_COSH,
    UN_ASINH,
    UN_ACOSH,
    UN_ATANH,
    UN_ERF,
    UN_ERFC,
    UN_SILU,
    UN_GELU,
    UN_GELU_TANH,
    UN_HARDSWISH,
    UN_HARDSIGMOID,
    UN_ROUND_DECIMALS, /* floats only */
    /* dtype-keeping */
    UN_NEG,
    UN_ABS,
    UN_HARDTANH,
    UN_FLOOR,
    UN_CEIL,
    UN_ROUND,
    UN_TRUNC,
    UN_SIGN,
    UN_BITWISE_NOT,
    UN_SQUARE,
    /* bool results */
    UN_ISNAN,
    UN_ISINF,
    UN_ISFINITE,
    UN_LOGICAL_NOT
} unary_fn;

typedef struct unary_params {
    unary_fn fn;
    double lo, hi; /* hardtanh bounds; round.decimals: lo = 10^|d|, hi = 1 if d < 0 */
} unary_params;

static bool keeps_dtype(unary_fn fn) { return fn >= UN_NEG && fn <= UN_SQUARE; }
static bool gives_bool(unary_fn fn) { return fn >= UN_ISNAN; }

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
PT2C_UNARY_PARSER(exp2, UN_EXP2)
PT2C_UNARY_PARSER(expm1, UN_EXPM1)
PT2C_UNARY_PARSER(log, UN_LOG)
PT2C_UNARY_PARSER(log2, UN_LOG2)
PT2C_UNARY_PARSER(log10, UN_LOG10)
PT2C_UNARY_PARSER(log1p, UN_LOG1P)
PT2C_UNARY_PARSER(sqrt, UN_SQRT)
PT2C_UNARY_PARSER(rsqrt, UN_RSQRT)
PT2C_UNARY_PARSER(reciprocal, UN_RECIPROCAL)
PT2C_UNARY_PARSER(sin, UN_SIN)
PT2C_UNARY_PARSER(cos, UN_COS)
PT2C_UNARY_PARSER(tan, UN_TAN)
PT2C_UNARY_PARSER(asin, UN_ASIN)
PT2C_UNARY_PARSER(acos, UN_ACOS)
PT2C_UNARY_PARSER(atan, UN_ATAN)
PT2C_UNARY_PARSER(sinh, UN_SINH)
PT2C_UNARY_PARSER(cosh, UN_COSH)
PT2C_UNARY_PARSER(asinh, UN_ASINH)
PT2C_UNARY_PARSER(acosh, UN_ACOSH)
PT2C_UNARY_PARSER(atanh, UN_ATANH)
PT2C_UNARY_PARSER(erf, UN_ERF)
PT2C_UNARY_PARSER(erfc, UN_ERFC)
PT2C_UNARY_PARSER(silu, UN_SILU)
PT2C_UNARY_PARSER(hardswish, UN_HARDSWISH)
PT2C_UNARY_PARSER(hardsigmoid, UN_HARDSIGMOID)
PT2C_UNARY_PARSER(neg, UN_NEG)
PT2C_UNARY_PARSER(abs, UN_ABS)
PT2C_UNARY_PARSER(floor, UN_FLOOR)
PT2C_UNARY_PARSER(ceil, UN_CEIL)
PT2C_UNARY_PARSER(round, UN_ROUND)
PT2C_UNARY_PARSER(trunc, UN_TRUNC)
PT2C_UNARY_PARSER(sign, UN_SIGN)
PT2C_UNARY_PARSER(bitwise_not, UN_BITWISE_NOT)
PT2C_UNARY_PARSER(square, UN_SQUARE)
PT2C_UNARY_PARSER(isnan, UN_ISNAN)
PT2C_UNARY_PARSER(isinf, UN_ISINF)
PT2C_UNARY_PARSER(isfinite, UN_ISFINITE)
PT2C_UNARY_PARSER(logical_not, UN_LOGICAL_NOT)
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

/* round.decimals(Tensor self, *, int decimals): PyTorch scales by 10^|decimals| formed in
 * the tensor's dtype. */
pt2c_status pt2c_parse_round_decimals(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(parse_unary_fn(ctx, params, UN_ROUND_DECIMALS));
    unary_params *p = *params;
    pt2c_iarg d;
    PT2C_TRY(pt2c_op_int(ctx, "decimals", 0, &d));
    if (d.slot >= 0)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "argument 'decimals': a symbolic value is not supported");
    if (d.value > 300 || d.value < -300)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "argument 'decimals': %lld is out of range [-300, 300]",
                            (long long)d.value);
    p->lo = pow(10.0, (double)(d.value < 0 ? -d.value : d.value));
    p->hi = d.value < 0 ? 1.0 : 0.0;
    if (d.value == 0)
        p->fn = UN_ROUND;
    return PT2C_OK;
}

pt2c_status pt2c_shape_unary_float(pt2c_op_ctx *ctx, void *params) {
    const unary_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    pt2c_dtype dt = x->dtype;
    bool is_float = pt2c_dtype_is_float(dt);
    if (!is_float && !pt2c_dtype_is_integral(dt, true))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "shape: input is %s; expected a real number or bool dtype",
                            pt2c_dtype_name(dt));
    if (gives_bool(p->fn)) {
        dt = PT2C_DTYPE_BOOL;
    } else if (p->fn == UN_SQUARE) {
        if (dt == PT2C_DTYPE_BOOL)
            dt = PT2C_DTYPE_I64; /* pow(bool, 2): the int 2 promotes */
    } else if (p->fn == UN_BITWISE_NOT) {
        if (is_float)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: bitwise_not needs an integer or bool input, found %s",
                                pt2c_dtype_name(dt));
    } else if (p->fn == UN_ROUND_DECIMALS) {
        if (!is_float)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: round with decimals needs a floating input, found %s",
                                pt2c_dtype_name(dt));
    } else if (!keeps_dtype(p->fn) && !is_float) {
        dt = PT2C_DTYPE_F32;
    }
    if (x->dtype == PT2C_DTYPE_BOOL && (p->fn == UN_NEG || p->fn == UN_ABS))
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s of a bool tensor is not supported",
                            p->fn == UN_NEG ? "negation" : "abs");
    return pt2c_op_set_out(ctx, 0, dt, x->rank, x->sizes);
}

static inline float unary_f32(unary_fn fn, float x, float lo, float hi) {
    switch (fn) {
    case UN_SIGMOID:
        return 1.0f / (1.0f + pt2c_expf(-x));
    case UN_TANH:
        return tanhf(x);
    case UN_EXP:
        return pt2c_expf(x);
    case UN_EXP2:
        return exp2f(x);
    case UN_EXPM1:
        return expm1f(x);
    case UN_LOG:
        return logf(x);
    case UN_LOG2:
        return log2f(x);
    case UN_LOG10:
        return log10f(x);
    case UN_LOG1P:
        return log1pf(x);
    case UN_SQRT:
        return sqrtf(x);
    case UN_RSQRT:
        return 1.0f / sqrtf(x);
    case UN_RECIPROCAL:
        return 1.0f / x;
    case UN_SIN:
        return sinf(x);
    case UN_COS:
        return cosf(x);
    case UN_TAN:
        return tanf(x);
    case UN_ASIN:
        return asinf(x);
    case UN_ACOS:
        return acosf(x);
    case UN_ATAN:
        return atanf(x);
    case UN_SINH:
        return sinhf(x);
    case UN_COSH:
        return coshf(x);
    case UN_ASINH:
        return asinhf(x);
    case UN_ACOSH:
        return acoshf(x);
    case UN_ATANH:
        return atanhf(x);
    case UN_ERF:
        return pt2c_erff(x);
    case UN_ERFC:
        return erfcf(x);
    case UN_NEG:
        return -x;
    case UN_ABS:
        return fabsf(x);
    case UN_SILU:
        return x / (1.0f + pt2c_expf(-x));
    case UN_GELU:
        return 0.5f * x * (1.0f + pt2c_erff(x * 0.70710678118654752440f));
    case UN_GELU_TANH: {
        /* 0.5 * (1 + tanh(u)) == 1 / (1 + exp(-2u)): one expf instead of glibc's slow tanhf,
         * and no cancellation in 1 + tanh(u) for negative u. */
        float inner = 0.7978845608028654f * (x + 0.044715f * x * x * x);
        return x / (1.0f + pt2c_expf(-2.0f * inner));
    }
    case UN_HARDSWISH:
        return x * fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) / 6.0f;
    case UN_HARDSIGMOID:
        return fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) / 6.0f;
    case UN_HARDTANH:
        return isnan(x) ? x : fminf(fmaxf(x, lo), hi);
    case UN_FLOOR:
        return floorf(x);
    case UN_CEIL:
        return ceilf(x);
    case UN_ROUND:
        return nearbyintf(x);
    case UN_ROUND_DECIMALS:
        return hi != 0.0f ? nearbyintf(x / lo) * lo : nearbyintf(x * lo) / lo;
    case UN_TRUNC:
        return truncf(x);
    case UN_SIGN:
        return (float)((0.0f < x) - (x < 0.0f));
    case UN_SQUARE:
        return x * x;
    default:
        return x;
    }
}

static inline double unary_f64(unary_fn fn, double x, double lo, double hi) {
    switch (fn) {
    case UN_SIGMOID:
        return 1.0 / (1.0 + exp(-x));
    case UN_TANH:
        return tanh(x);
    case UN_EXP:
        return exp(x);
    case UN_EXP2:
        return exp2(x);
    case UN_EXPM1:
        return expm1(x);
    case UN_LOG:
        return log(x);
    case UN_LOG2:
        return log2(x);
    case UN_LOG10:
        return log10(x);
    case UN_LOG1P:
        return log1p(x);
    case UN_SQRT:
        return sqrt(x);
    case UN_RSQRT:
        return 1.0 / sqrt(x);
    case UN_RECIPROCAL:
        return 1.0 / x;
    case UN_SIN:
        return sin(x);
    case UN_COS:
        return cos(x);
    case UN_TAN:
        return tan(x);
    case UN_ASIN:
        return asin(x);
    case UN_ACOS:
        return acos(x);
    case UN_ATAN:
        return atan(x);
    case UN_SINH:
        return sinh(x);
    case UN_COSH:
        return cosh(x);
    case UN_ASINH:
        return asinh(x);
    case UN_ACOSH:
        return acosh(x);
    case UN_ATANH:
        return atanh(x);
    case UN_ERF:
        return erf(x);
    case UN_ERFC:
        return erfc(x);
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
    case UN_FLOOR:
        return floor(x);
    case UN_CEIL:
        return ceil(x);
    case UN_ROUND:
        return nearbyint(x);
    case UN_ROUND_DECIMALS:
        return hi != 0.0 ? nearbyint(x / lo) * lo : nearbyint(x * lo) / lo;
    case UN_TRUNC:
        return trunc(x);
    case UN_SIGN:
        return (double)((0.0 < x) - (x < 0.0));
    case UN_SQUARE:
        return x * x;
    default:
        return x;
    }
}

/* Integer (and bool) inputs of the dtype-keeping functions; wrap-around as PyTorch. */
static inline int64_t unary_i64(const unary_params *p, int64_t v, bool is_bool) {
    switch (p->fn) {
    case UN_NEG:
        return (int64_t)(0 - (uint64_t)v);
    case UN_ABS:
        return v < 0 ? (int64_t)(0 - (uint64_t)v) : v;
    case UN_HARDTANH:
        return v < (int64_t)p->lo ? (int64_t)p->lo : v > (int64_t)p->hi ? (int64_t)p->hi : v;
    case UN_SIGN:
        return (v > 0) - (v < 0);
    case UN_BITWISE_NOT:
        return is_bool ? !v : (int64_t) ~(uint64_t)v;
    case UN_SQUARE:
        return (int64_t)((uint64_t)v * (uint64_t)v);
    default: /* floor, ceil, round, trunc: integers are already integral */
        return v;
    }
}

static inline bool unary_bool(unary_fn fn, double v) {
    switch (fn) {
    case UN_ISNAN:
        return isnan(v);
    case UN_ISINF:
        return isinf(v);
    case UN_ISFINITE:
        return isfinite(v);
    default: /* logical_not */
        return v == 0.0;
    }
}

/* The float32 functions the CPU tables vectorize (cpu.h): the same code a fused GEMM or
 * convolution epilogue runs, so fusing them never changes a bit. */
static bool f32_act(const unary_params *p, pt2c_act *act, float *lo, float *hi) {
    *lo = *hi = 0.0f;
    switch (p->fn) {
    case UN_SIGMOID:
        *act = PT2C_ACT_SIGMOID;
        return true;
    case UN_TANH:
        *act = PT2C_ACT_TANH;
        return true;
    case UN_SILU:
        *act = PT2C_ACT_SILU;
        return true;
    case UN_GELU:
        *act = PT2C_ACT_GELU;
        return true;
    case UN_GELU_TANH:
        *act = PT2C_ACT_GELU_TANH;
        return true;
    case UN_HARDSWISH:
        *act = PT2C_ACT_HARDSWISH;
        return true;
    case UN_HARDTANH:
        *act = PT2C_ACT_HARDTANH;
        *lo = (float)p->lo;
        *hi = (float)p->hi;
        return true;
    default:
        return false;
    }
}

enum { CHUNK = 256 };

/* float32 functions built on the array exp/erf of vmath.h, CHUNK elements at a time
 * (through a stack buffer; dst may be src for in-place ops). Returns false for the others. */
static bool unary_f32_vector(unary_fn fn, const float *src, float *dst, int64_t n) {
    if (fn != UN_EXP && fn != UN_SIGMOID && fn != UN_SILU && fn != UN_GELU && fn != UN_GELU_TANH &&
        fn != UN_ERF)
        return false;
    float t[CHUNK];
    for (int64_t i0 = 0; i0 < n; i0 += CHUNK) {
        int64_t m = n - i0 < CHUNK ? n - i0 : CHUNK;
        const float *x = src + i0;
        float *y = dst + i0;
        switch (fn) {
        case UN_EXP:
            pt2c_exp_f32(x, y, m);
            break;
        case UN_SIGMOID: /* 1 / (1 + e^-x), as PyTorch's vectorized sigmoid */
        case UN_SILU:    /* x / (1 + e^-x) */
            for (int64_t j = 0; j < m; j++)
                t[j] = -x[j];
            pt2c_exp_f32(t, t, m);
            if (fn == UN_SIGMOID)
                for (int64_t j = 0; j < m; j++)
                    y[j] = 1.0f / (1.0f + t[j]);
            else
                for (int64_t j = 0; j < m; j++)
                    y[j] = x[j] / (1.0f + t[j]);
            break;
        case UN_GELU: /* 0.5 x (1 + erf(x / sqrt 2)) */
            for (int64_t j = 0; j < m; j++)
                t[j] = x[j] * 0.70710678118654752440f;
            pt2c_erf_f32(t, t, m);
            for (int64_t j = 0; j < m; j++)
                y[j] = 0.5f * x[j] * (1.0f + t[j]);
            break;
        case UN_GELU_TANH: /* x / (1 + e^(-2u)), u = sqrt(2/pi) (x + 0.044715 x^3) */
            for (int64_t j = 0; j < m; j++) {
                float v = x[j];
                t[j] = -2.0f * (0.7978845608028654f * (v + 0.044715f * v * v * v));
            }
            pt2c_exp_f32(t, t, m);
            for (int64_t j = 0; j < m; j++)
                y[j] = x[j] / (1.0f + t[j]);
            break;
        default: /* UN_ERF */
            pt2c_erf_f32(x, y, m);
            break;
        }
    }
    return true;
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
        pt2c_act act;
        float alo, ahi;
        if (f32_act(p, &act, &alo, &ahi)) {
            args->cpu->act(act, alo, ahi, src + begin, dst + begin, end - begin);
            return;
        }
        if (unary_f32_vector(p->fn, src + begin, dst + begin, end - begin))
            return;
        float lo = (float)p->lo, hi = (float)p->hi;
        for (int64_t i = begin; i < end; i++)
            dst[i] = unary_f32(p->fn, src[i], lo, hi);
        return;
    }
    if (p->fn == UN_LOGICAL_NOT && x->dtype == PT2C_DTYPE_BOOL) {
        /* Masks (attention's "row is all masked"): a byte loop the compiler vectorizes. */
        const uint8_t *src = x->data;
        uint8_t *dst = out->data;
        for (int64_t i = begin; i < end; i++)
            dst[i] = src[i] == 0;
        return;
    }
    if (gives_bool(p->fn)) {
        uint8_t *dst = out->data;
        bool is_float = pt2c_dtype_is_float(x->dtype);
        for (int64_t i = begin; i < end; i++) {
            /* Integers are never NaN or infinite; only logical_not looks at their value. */
            double v = is_float ? pt2c_load_f64(x->data, x->dtype, i)
                                : (double)(pt2c_load_i64(x->data, x->dtype, i) != 0);
            dst[i] = unary_bool(p->fn, v);
        }
        return;
    }
    if (!pt2c_dtype_is_float(out->dtype)) {
        bool is_bool = x->dtype == PT2C_DTYPE_BOOL;
        for (int64_t i = begin; i < end; i++)
            pt2c_store_i64(out->data, out->dtype, i,
                           unary_i64(p, pt2c_load_i64(x->data, x->dtype, i), is_bool));
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
/* Fusion                                                                                   */

bool pt2c_fuse_activation(const pt2c_op_def *op, const void *params, pt2c_act *act, float *lo,
                          float *hi) {
    *lo = *hi = 0.0f;
    if (op->kernel == pt2c_k_relu) {
        *act = PT2C_ACT_RELU;
        return true;
    }
    if (op->kernel != pt2c_k_unary_float)
        return false;
    const unary_params *p = params;
    return f32_act(p, act, lo, hi);
}

bool pt2c_fuse_elementwise(const pt2c_op_def *op, const void *params) {
    if (op->kernel == pt2c_k_relu)
        return true;
    if (op->kernel != pt2c_k_unary_float)
        return pt2c_fuse_elementwise_binary(op, params);
    const unary_params *p = params;
    return !gives_bool(p->fn) && p->fn != UN_BITWISE_NOT;
}
