/*
 * binary.c - elementwise ops of two (clamp: three) operands with NumPy broadcasting and
 * PyTorch type promotion (docs: aten-ops.md 4.1-4.3).
 *
 *   add(self, other, alpha=1)     self + alpha * other      (.Tensor, .Scalar)
 *   sub(self, other, alpha=1)     self - alpha * other      (.Tensor, .Scalar; rsub swaps)
 *   mul, div                      self * other, self / other (true division: float result)
 *   div(..., rounding_mode)       'trunc': trunc(a / b); 'floor': floor(a / b) (floor_divide)
 *   remainder(a, b)               a - floor(a / b) * b: the sign of the divisor (Python %)
 *   fmod(a, b)                    C fmod / %: the sign of the dividend
 *   pow(a, b)                     a ** b (.Tensor_Tensor, .Tensor_Scalar, .Scalar)
 *   minimum, maximum              NaN-propagating min / max
 *   atan2(a, b)
 *   eq ne lt le gt ge             comparisons in the promoted dtype -> bool
 *   logical_and / _or / _xor      (a != 0) op (b != 0) -> bool, any dtypes
 *   bitwise_and / _or / _xor      on bool and integer dtypes (also __and__, __or__, __xor__)
 *   clamp(self, min?, max?)       min(max(self, min), max), NaN propagates (Scalar and Tensor
 *                                 bounds; clamp_min / clamp_max have one side)
 *
 * Numerics: both operands are first converted to the computation dtype (the promoted dtype;
 * float32 for true division and atan2 of integers), as PyTorch's TensorIterator does. Float32,
 * float16 and bfloat16 then compute in float (PyTorch's "opmath"), float64 in double, and
 * every integer dtype in int64 with two's complement wrap-around, stored back truncated to
 * the output width (which equals computing in the narrow type).
 *
 * Integer division by zero raises ZeroDivisionError in PyTorch: the kernel raises a fault
 * (kernel_abi.h) and the run fails naming the node; the element meanwhile gets a / 0 = 0
 * (trunc and floor), a % 0 = a (remainder and fmod), so nothing traps. A literal zero
 * divisor is rejected at plan time. INT64_MIN / -1 wraps to INT64_MIN (C would trap).
 *
 * A Scalar argument (the `other` of add.Scalar, both bounds of clamp, ...) is held in the
 * params as a 0-dim tensor filled at shape time, so literals and SymInt/SymFloat values take
 * the same path as tensors; type promotion treats it as a wrapped number.
 */
#include "ops/bcast.h"
#include "ops/elem.h"
#include "ops/op_decls.h"
#include "ops/promote.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* Operands                                                                                 */

/* One operand: a tensor input, a Scalar argument, or absent (clamp's None bounds). */
typedef struct operand {
    int32_t input;  /* index in args->in, or -1 */
    bool is_scalar; /* a Scalar argument (input == -1) */
    pt2c_scalar s;  /* the Scalar as parsed (literal or Sym slot) */
    pt2c_ktensor t; /* its 0-dim tensor, filled at shape time; data points at v */
    union {
        int64_t i;
        double f;
        uint8_t b;
    } v;
} operand;

static bool operand_present(const operand *o) { return o->input >= 0 || o->is_scalar; }

static pt2c_status operand_tensor(pt2c_op_ctx *ctx, const char *name, bool optional, operand *o) {
    o->is_scalar = false;
    return optional ? pt2c_op_input_optional(ctx, name, &o->input)
                    : pt2c_op_input(ctx, name, &o->input);
}

static pt2c_status operand_scalar(pt2c_op_ctx *ctx, const char *name, bool optional, operand *o) {
    o->input = -1;
    if (optional)
        return pt2c_op_optional_scalar(ctx, name, &o->is_scalar, &o->s);
    o->is_scalar = true;
    return pt2c_op_scalar(ctx, name, NULL, &o->s);
}

/* Shape time: the operand's tensor (a Scalar's value resolved now), and whether it is a
 * wrapped number for type promotion. */
static const pt2c_ktensor *operand_resolve(pt2c_op_ctx *ctx, operand *o, bool *wrapped) {
    if (o->input >= 0) {
        *wrapped = pt2c_op_in_is_wrapped(ctx, o->input);
        return pt2c_op_in(ctx, o->input);
    }
    memset(&o->t, 0, sizeof o->t);
    o->t.rank = 0;
    o->t.numel = 1;
    o->t.dtype = o->s.dtype;
    if (o->s.dtype == PT2C_DTYPE_F64)
        o->v.f = pt2c_op_scalar_f64(ctx, &o->s);
    else if (o->s.dtype == PT2C_DTYPE_BOOL)
        o->v.b = pt2c_op_scalar_i64(ctx, &o->s) != 0;
    else
        o->v.i = pt2c_op_scalar_i64(ctx, &o->s);
    o->t.data = &o->v;
    *wrapped = true;
    return &o->t;
}

static const pt2c_ktensor *operand_get(const pt2c_kernel_args *args, const operand *o) {
    return o->input >= 0 ? args->in[o->input] : &o->t;
}

/* ---------------------------------------------------------------------------------------- */
/* Element conversions to the computation dtype                                             */

/* Value of element i of t converted to float dtype ct (rounded as a cast to ct would). */
static inline double load_as_float(const pt2c_ktensor *t, int64_t i, pt2c_dtype ct) {
    double v = pt2c_load_f64(t->data, t->dtype, i);
    switch (ct) {
    case PT2C_DTYPE_F32:
        return (double)(float)v;
    case PT2C_DTYPE_F16:
        return (double)pt2c_half_to_float(pt2c_float_to_half((float)v));
    case PT2C_DTYPE_BF16:
        return (double)pt2c_bf16_to_float(pt2c_float_to_bf16((float)v));
    default:
        return v;
    }
}

/* Value of element i of t converted to integer (or bool) dtype ct, as int64. */
static inline int64_t load_as_int(const pt2c_ktensor *t, int64_t i, pt2c_dtype ct) {
    int64_t v = pt2c_load_i64(t->data, t->dtype, i);
    switch (ct) {
    case PT2C_DTYPE_BOOL:
        return pt2c_dtype_is_float(t->dtype) ? pt2c_load_f64(t->data, t->dtype, i) != 0.0 : v != 0;
    case PT2C_DTYPE_U8:
        return (uint8_t)(uint64_t)v;
    case PT2C_DTYPE_I8:
        return (int8_t)(uint8_t)(uint64_t)v;
    case PT2C_DTYPE_I16:
        return (int16_t)(uint16_t)(uint64_t)v;
    case PT2C_DTYPE_U16:
        return (uint16_t)(uint64_t)v;
    case PT2C_DTYPE_I32:
        return (int32_t)(uint32_t)(uint64_t)v;
    case PT2C_DTYPE_U32:
        return (uint32_t)(uint64_t)v;
    default:
        return v;
    }
}

static inline bool load_nonzero(const pt2c_ktensor *t, int64_t i) {
    if (pt2c_dtype_is_float(t->dtype))
        return pt2c_load_f64(t->data, t->dtype, i) != 0.0; /* NaN is nonzero */
    return pt2c_load_i64(t->data, t->dtype, i) != 0;
}

/* ---------------------------------------------------------------------------------------- */
/* The binary ops                                                                           */

typedef enum bin_op {
    BIN_ADD,
    BIN_SUB,
    BIN_MUL,
    BIN_DIV,
    BIN_DIV_TRUNC,
    BIN_DIV_FLOOR,
    BIN_POW,
    BIN_REM,
    BIN_FMOD,
    BIN_MIN,
    BIN_MAX,
    BIN_ATAN2,
    BIN_EQ, /* comparisons: BIN_EQ..BIN_GE */
    BIN_NE,
    BIN_LT,
    BIN_LE,
    BIN_GT,
    BIN_GE,
    BIN_LAND, /* logical: BIN_LAND..BIN_LXOR */
    BIN_LOR,
    BIN_LXOR,
    BIN_BAND, /* bitwise: BIN_BAND..BIN_BXOR */
    BIN_BOR,
    BIN_BXOR
} bin_op;

static bool is_compare(bin_op op) { return op >= BIN_EQ && op <= BIN_GE; }
static bool is_logical(bin_op op) { return op >= BIN_LAND && op <= BIN_LXOR; }
static bool is_bitwise(bin_op op) { return op >= BIN_BAND && op <= BIN_BXOR; }

static const char *const bin_names[] = {
    "add",         "sub",        "mul",         "div",         "div(trunc)", "div(floor)",
    "pow",         "remainder",  "fmod",        "minimum",     "maximum",    "atan2",
    "eq",          "ne",         "lt",          "le",          "gt",         "ge",
    "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor"};

typedef struct binary_params {
    bin_op op;
    operand x[2];      /* the operands in math order (rsub swaps self and other) */
    pt2c_scalar alpha; /* add/sub */
    /* Resolved at shape time. */
    pt2c_dtype ct; /* computation dtype */
    double alpha_f;
    int64_t alpha_i;
} binary_params;

/* PyTorch's float pow special-cases these exponents (pow_tensor_scalar_optimized_kernel). */
static inline float pow_f32(float a, float b) {
    if (b == 2.0f)
        return a * a;
    if (b == 3.0f)
        return a * a * a;
    if (b == 0.5f)
        return sqrtf(a);
    if (b == -0.5f)
        return 1.0f / sqrtf(a);
    if (b == -1.0f)
        return 1.0f / a;
    if (b == -2.0f)
        return 1.0f / (a * a);
    return powf(a, b);
}

static inline double pow_f64(double a, double b) {
    if (b == 2.0)
        return a * a;
    if (b == 3.0)
        return a * a * a;
    if (b == 0.5)
        return sqrt(a);
    if (b == -0.5)
        return 1.0 / sqrt(a);
    if (b == -1.0)
        return 1.0 / a;
    if (b == -2.0)
        return 1.0 / (a * a);
    return pow(a, b);
}

/* c10::div_floor_floating: floor of the exact quotient, computed without the double
 * rounding of floor(a / b). */
static inline float div_floor_f32(float a, float b) {
    if (b == 0.0f)
        return a / b;
    float mod = fmodf(a, b);
    float div = (a - mod) / b;
    if (mod != 0.0f && (b < 0.0f) != (mod < 0.0f))
        div -= 1.0f;
    if (div == 0.0f)
        return copysignf(0.0f, a / b);
    float fl = floorf(div);
    if (div - fl > 0.5f)
        fl += 1.0f;
    return fl;
}

static inline double div_floor_f64(double a, double b) {
    if (b == 0.0)
        return a / b;
    double mod = fmod(a, b);
    double div = (a - mod) / b;
    if (mod != 0.0 && (b < 0.0) != (mod < 0.0))
        div -= 1.0;
    if (div == 0.0)
        return copysign(0.0, a / b);
    double fl = floor(div);
    if (div - fl > 0.5)
        fl += 1.0;
    return fl;
}

static inline float bin_f32(bin_op op, float a, float b, float alpha) {
    switch (op) {
    case BIN_ADD:
        return a + alpha * b;
    case BIN_SUB:
        return a - alpha * b;
    case BIN_MUL:
        return a * b;
    case BIN_DIV:
        return a / b;
    case BIN_DIV_TRUNC:
        return truncf(a / b);
    case BIN_DIV_FLOOR:
        return div_floor_f32(a, b);
    case BIN_POW:
        return pow_f32(a, b);
    case BIN_REM: {
        float m = fmodf(a, b);
        return (m != 0.0f && (b < 0.0f) != (m < 0.0f)) ? m + b : m;
    }
    case BIN_FMOD:
        return fmodf(a, b);
    case BIN_MIN:
        return isnan(a) || isnan(b) ? a + b : (b < a ? b : a);
    case BIN_MAX:
        return isnan(a) || isnan(b) ? a + b : (a < b ? b : a);
    case BIN_ATAN2:
        return atan2f(a, b);
    default:
        return 0.0f;
    }
}

static inline double bin_f64(bin_op op, double a, double b, double alpha) {
    switch (op) {
    case BIN_ADD:
        return a + alpha * b;
    case BIN_SUB:
        return a - alpha * b;
    case BIN_MUL:
        return a * b;
    case BIN_DIV:
        return a / b;
    case BIN_DIV_TRUNC:
        return trunc(a / b);
    case BIN_DIV_FLOOR:
        return div_floor_f64(a, b);
    case BIN_POW:
        return pow_f64(a, b);
    case BIN_REM: {
        double m = fmod(a, b);
        return (m != 0.0 && (b < 0.0) != (m < 0.0)) ? m + b : m;
    }
    case BIN_FMOD:
        return fmod(a, b);
    case BIN_MIN:
        return isnan(a) || isnan(b) ? a + b : (b < a ? b : a);
    case BIN_MAX:
        return isnan(a) || isnan(b) ? a + b : (a < b ? b : a);
    case BIN_ATAN2:
        return atan2(a, b);
    default:
        return 0.0;
    }
}

/* PyTorch's powi: exponentiation by squaring with wrap-around; a negative exponent gives 0
 * except for bases 1 and -1. */
static inline int64_t pow_i64(int64_t a, int64_t b) {
    if (b < 0) {
        if (a == 1)
            return 1;
        if (a == -1)
            return (b & 1) ? -1 : 1;
        return 0;
    }
    uint64_t result = 1, base = (uint64_t)a;
    while (b) {
        if (b & 1)
            result *= base;
        b >>= 1;
        base *= base;
    }
    return (int64_t)result;
}

static inline int64_t bin_i64(bin_op op, int64_t a, int64_t b, int64_t alpha) {
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    switch (op) {
    case BIN_ADD:
        return (int64_t)(ua + (uint64_t)alpha * ub);
    case BIN_SUB:
        return (int64_t)(ua - (uint64_t)alpha * ub);
    case BIN_MUL:
        return (int64_t)(ua * ub);
    case BIN_DIV_TRUNC:
        if (b == 0)
            return 0;
        if (b == -1)
            return (int64_t)(0 - ua); /* INT64_MIN / -1 wraps */
        return a / b;
    case BIN_DIV_FLOOR:
        return pt2c_floordiv_i64(a, b);
    case BIN_POW:
        return pow_i64(a, b);
    case BIN_REM:
        return pt2c_mod_i64(a, b);
    case BIN_FMOD:
        return b == 0 ? a : b == -1 ? 0 : a % b;
    case BIN_MIN:
        return b < a ? b : a;
    case BIN_MAX:
        return a < b ? b : a;
    case BIN_BAND:
        return (int64_t)(ua & ub);
    case BIN_BOR:
        return (int64_t)(ua | ub);
    case BIN_BXOR:
        return (int64_t)(ua ^ ub);
    default:
        return 0;
    }
}

static inline bool cmp_f64(bin_op op, double a, double b) {
    switch (op) {
    case BIN_EQ:
        return a == b;
    case BIN_NE:
        return a != b;
    case BIN_LT:
        return a < b;
    case BIN_LE:
        return a <= b;
    case BIN_GT:
        return a > b;
    default:
        return a >= b;
    }
}

static inline bool cmp_i64(bin_op op, int64_t a, int64_t b) {
    switch (op) {
    case BIN_EQ:
        return a == b;
    case BIN_NE:
        return a != b;
    case BIN_LT:
        return a < b;
    case BIN_LE:
        return a <= b;
    case BIN_GT:
        return a > b;
    default:
        return a >= b;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Parse                                                                                    */

static pt2c_status new_binary(pt2c_op_ctx *ctx, bin_op op, binary_params **out) {
    binary_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->op = op;
    p->alpha = (pt2c_scalar){PT2C_DTYPE_I64, 1, 1.0, -1};
    p->x[0].input = p->x[1].input = -1;
    *out = p;
    return PT2C_OK;
}

/* op(Tensor self, Tensor other [, *, Scalar alpha=1]) */
static pt2c_status parse_tt(pt2c_op_ctx *ctx, void **params, bin_op op, const char *other,
                            bool alpha) {
    binary_params *p = NULL;
    PT2C_TRY(new_binary(ctx, op, &p));
    PT2C_TRY(operand_tensor(ctx, "self", false, &p->x[0]));
    PT2C_TRY(operand_tensor(ctx, other, false, &p->x[1]));
    if (alpha)
        PT2C_TRY(pt2c_op_scalar(ctx, "alpha", &p->alpha, &p->alpha));
    *params = p;
    return PT2C_OK;
}

/* op(Tensor self, Scalar other [, Scalar alpha=1]) */
static pt2c_status parse_ts(pt2c_op_ctx *ctx, void **params, bin_op op, const char *other,
                            bool alpha) {
    binary_params *p = NULL;
    PT2C_TRY(new_binary(ctx, op, &p));
    PT2C_TRY(operand_tensor(ctx, "self", false, &p->x[0]));
    PT2C_TRY(operand_scalar(ctx, other, false, &p->x[1]));
    if (alpha)
        PT2C_TRY(pt2c_op_scalar(ctx, "alpha", &p->alpha, &p->alpha));
    *params = p;
    return PT2C_OK;
}

/* div(..., *, str? rounding_mode): None is true division. */
static pt2c_status parse_rounding(pt2c_op_ctx *ctx, binary_params *p) {
    const char *mode;
    PT2C_TRY(pt2c_op_string(ctx, "rounding_mode", NULL, &mode));
    if (!mode)
        p->op = BIN_DIV;
    else if (strcmp(mode, "trunc") == 0)
        p->op = BIN_DIV_TRUNC;
    else if (strcmp(mode, "floor") == 0)
        p->op = BIN_DIV_FLOOR;
    else
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "argument 'rounding_mode': expected None, 'trunc' or 'floor', "
                            "found '%s'",
                            mode);
    return PT2C_OK;
}

/* The ops that existed before this file (rows in list_core.h). */
pt2c_status pt2c_parse_add(pt2c_op_ctx *ctx, void **params) {
    return parse_tt(ctx, params, BIN_ADD, "other", true);
}
pt2c_status pt2c_parse_sub(pt2c_op_ctx *ctx, void **params) {
    return parse_tt(ctx, params, BIN_SUB, "other", true);
}
pt2c_status pt2c_parse_mul(pt2c_op_ctx *ctx, void **params) {
    return parse_tt(ctx, params, BIN_MUL, "other", false);
}
pt2c_status pt2c_parse_div(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(parse_tt(ctx, params, BIN_DIV, "other", false));
    return parse_rounding(ctx, *params);
}

#define PT2C_BIN_PARSER(name, op, kind, other, alpha)                                              \
    pt2c_status pt2c_parse_##name(pt2c_op_ctx *ctx, void **params) {                               \
        return parse_##kind(ctx, params, op, other, alpha);                                        \
    }
PT2C_BIN_PARSER(add_scalar, BIN_ADD, ts, "other", true)
PT2C_BIN_PARSER(sub_scalar, BIN_SUB, ts, "other", true)
PT2C_BIN_PARSER(mul_scalar, BIN_MUL, ts, "other", false)
PT2C_BIN_PARSER(div_scalar, BIN_DIV, ts, "other", false)
PT2C_BIN_PARSER(floor_divide, BIN_DIV_FLOOR, tt, "other", false)
PT2C_BIN_PARSER(floor_divide_scalar, BIN_DIV_FLOOR, ts, "other", false)
PT2C_BIN_PARSER(remainder, BIN_REM, tt, "other", false)
PT2C_BIN_PARSER(remainder_scalar, BIN_REM, ts, "other", false)
PT2C_BIN_PARSER(fmod, BIN_FMOD, tt, "other", false)
PT2C_BIN_PARSER(fmod_scalar, BIN_FMOD, ts, "other", false)
PT2C_BIN_PARSER(pow_tt, BIN_POW, tt, "exponent", false)
PT2C_BIN_PARSER(pow_ts, BIN_POW, ts, "exponent", false)
PT2C_BIN_PARSER(minimum, BIN_MIN, tt, "other", false)
PT2C_BIN_PARSER(maximum, BIN_MAX, tt, "other", false)
PT2C_BIN_PARSER(atan2, BIN_ATAN2, tt, "other", false)
PT2C_BIN_PARSER(eq, BIN_EQ, tt, "other", false)
PT2C_BIN_PARSER(ne, BIN_NE, tt, "other", false)
PT2C_BIN_PARSER(lt, BIN_LT, tt, "other", false)
PT2C_BIN_PARSER(le, BIN_LE, tt, "other", false)
PT2C_BIN_PARSER(gt, BIN_GT, tt, "other", false)
PT2C_BIN_PARSER(ge, BIN_GE, tt, "other", false)
PT2C_BIN_PARSER(eq_scalar, BIN_EQ, ts, "other", false)
PT2C_BIN_PARSER(ne_scalar, BIN_NE, ts, "other", false)
PT2C_BIN_PARSER(lt_scalar, BIN_LT, ts, "other", false)
PT2C_BIN_PARSER(le_scalar, BIN_LE, ts, "other", false)
PT2C_BIN_PARSER(gt_scalar, BIN_GT, ts, "other", false)
PT2C_BIN_PARSER(ge_scalar, BIN_GE, ts, "other", false)
PT2C_BIN_PARSER(logical_and, BIN_LAND, tt, "other", false)
PT2C_BIN_PARSER(logical_or, BIN_LOR, tt, "other", false)
PT2C_BIN_PARSER(logical_xor, BIN_LXOR, tt, "other", false)
PT2C_BIN_PARSER(bitwise_and, BIN_BAND, tt, "other", false)
PT2C_BIN_PARSER(bitwise_or, BIN_BOR, tt, "other", false)
PT2C_BIN_PARSER(bitwise_xor, BIN_BXOR, tt, "other", false)
PT2C_BIN_PARSER(bitwise_and_scalar, BIN_BAND, ts, "other", false)
PT2C_BIN_PARSER(bitwise_or_scalar, BIN_BOR, ts, "other", false)
PT2C_BIN_PARSER(bitwise_xor_scalar, BIN_BXOR, ts, "other", false)
#undef PT2C_BIN_PARSER

pt2c_status pt2c_parse_div_mode(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(parse_tt(ctx, params, BIN_DIV, "other", false));
    return parse_rounding(ctx, *params);
}

pt2c_status pt2c_parse_div_scalar_mode(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(parse_ts(ctx, params, BIN_DIV, "other", false));
    return parse_rounding(ctx, *params);
}

/* rsub(self, other, alpha) = other - alpha * self: sub with the operands swapped. */
pt2c_status pt2c_parse_rsub(pt2c_op_ctx *ctx, void **params) {
    binary_params *p = NULL;
    PT2C_TRY(new_binary(ctx, BIN_SUB, &p));
    PT2C_TRY(operand_tensor(ctx, "self", false, &p->x[1]));
    PT2C_TRY(operand_tensor(ctx, "other", false, &p->x[0]));
    PT2C_TRY(pt2c_op_scalar(ctx, "alpha", &p->alpha, &p->alpha));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_rsub_scalar(pt2c_op_ctx *ctx, void **params) {
    binary_params *p = NULL;
    PT2C_TRY(new_binary(ctx, BIN_SUB, &p));
    PT2C_TRY(operand_tensor(ctx, "self", false, &p->x[1]));
    PT2C_TRY(operand_scalar(ctx, "other", false, &p->x[0]));
    PT2C_TRY(pt2c_op_scalar(ctx, "alpha", &p->alpha, &p->alpha));
    *params = p;
    return PT2C_OK;
}

/* pow.Scalar(Scalar self, Tensor exponent) */
pt2c_status pt2c_parse_pow_st(pt2c_op_ctx *ctx, void **params) {
    binary_params *p = NULL;
    PT2C_TRY(new_binary(ctx, BIN_POW, &p));
    PT2C_TRY(operand_scalar(ctx, "self", false, &p->x[0]));
    PT2C_TRY(operand_tensor(ctx, "exponent", false, &p->x[1]));
    *params = p;
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Shape                                                                                    */

static pt2c_status reject_literal_zero_divisor(pt2c_op_ctx *ctx, const binary_params *p,
                                               const pt2c_ktensor *b, bool b_wrapped) {
    bool divides =
        p->op == BIN_DIV_TRUNC || p->op == BIN_DIV_FLOOR || p->op == BIN_REM || p->op == BIN_FMOD;
    if (!divides || pt2c_dtype_is_float(p->ct) || !(b_wrapped || p->x[1].is_scalar))
        return PT2C_OK;
    if (b->numel == 1 && pt2c_load_i64(b->data, b->dtype, 0) == 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: integer %s by zero (PyTorch raises ZeroDivisionError)",
                            bin_names[p->op]);
    return PT2C_OK;
}

pt2c_status pt2c_shape_binary(pt2c_op_ctx *ctx, void *params) {
    binary_params *p = params;
    bool wa = false, wb = false;
    const pt2c_ktensor *a = operand_resolve(ctx, &p->x[0], &wa);
    const pt2c_ktensor *b = operand_resolve(ctx, &p->x[1], &wb);
    pt2c_result_type rt;
    pt2c_result_type_init(&rt);
    pt2c_result_type_add(&rt, a->dtype, a->rank, wa);
    pt2c_result_type_add(&rt, b->dtype, b->rank, wb);
    pt2c_dtype common = pt2c_result_type_get(&rt);
    if (!pt2c_dtype_is_float(common) && !pt2c_dtype_is_integral(common, true))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: %s of %s and %s is not supported",
                            bin_names[p->op], pt2c_dtype_name(a->dtype), pt2c_dtype_name(b->dtype));
    bin_op op = p->op;
    pt2c_dtype out_dt = common;
    p->ct = common;
    if (op == BIN_DIV || op == BIN_ATAN2) {
        if (!pt2c_dtype_is_float(common))
            p->ct = out_dt = PT2C_DTYPE_F32; /* true division of integers: default float */
    } else if (is_compare(op) || is_logical(op)) {
        out_dt = PT2C_DTYPE_BOOL;
    } else if (is_bitwise(op)) {
        if (pt2c_dtype_is_float(common))
            return pt2c_op_fail(
                ctx, PT2C_ERR_SHAPE, "shape: %s needs integer or bool operands, found %s and %s",
                bin_names[op], pt2c_dtype_name(a->dtype), pt2c_dtype_name(b->dtype));
    } else if (common == PT2C_DTYPE_BOOL && op != BIN_ADD && op != BIN_MUL && op != BIN_MIN &&
               op != BIN_MAX) {
        /* PyTorch: sub rejects bools; div modes, pow, remainder, fmod have no bool kernel. */
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s of two bool operands is not supported",
                            bin_names[op]);
    }
    if (op == BIN_POW && !pt2c_dtype_is_float(common) && p->x[1].is_scalar &&
        pt2c_load_i64(b->data, b->dtype, 0) < 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: integers to negative integer powers are not allowed");
    PT2C_TRY(reject_literal_zero_divisor(ctx, p, b, wb));
    if ((op == BIN_ADD || op == BIN_SUB) && !pt2c_dtype_is_float(common) &&
        p->alpha.dtype == PT2C_DTYPE_F64)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "argument 'alpha': a float alpha needs a floating result, found %s",
                            pt2c_dtype_name(common));
    p->alpha_f = pt2c_op_scalar_f64(ctx, &p->alpha);
    p->alpha_i = pt2c_op_scalar_i64(ctx, &p->alpha);
    int32_t rank;
    int64_t sizes[PT2C_MAX_RANK];
    PT2C_TRY(pt2c_op_broadcast(ctx, a, b, &rank, sizes));
    return pt2c_op_set_out(ctx, 0, out_dt, rank, sizes);
}

/* ---------------------------------------------------------------------------------------- */
/* Kernel                                                                                   */

/* float32 over one run: x and y step by sx, sy (0 or 1); z is float or bool (uint8). */
#define F32_RUN(EXPR)                                                                              \
    do {                                                                                           \
        if (sx == 1 && sy == 1) {                                                                  \
            for (int64_t j = 0; j < n; j++) {                                                      \
                float a = x[j], b = y[j];                                                          \
                z[j] = (EXPR);                                                                     \
            }                                                                                      \
        } else if (sy == 0) {                                                                      \
            float b = y[0];                                                                        \
            for (int64_t j = 0; j < n; j++) {                                                      \
                float a = x[j * sx];                                                               \
                z[j] = (EXPR);                                                                     \
            }                                                                                      \
        } else {                                                                                   \
            float a = x[0];                                                                        \
            for (int64_t j = 0; j < n; j++) {                                                      \
                float b = y[j];                                                                    \
                z[j] = (EXPR);                                                                     \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static void run_f32(bin_op op, const float *x, int64_t sx, const float *y, int64_t sy, float *z,
                    int64_t n, float alpha) {
    switch (op) {
    case BIN_ADD:
        if (alpha == 1.0f)
            F32_RUN(a + b);
        else
            F32_RUN(a + alpha * b);
        return;
    case BIN_SUB:
        if (alpha == 1.0f)
            F32_RUN(a - b);
        else
            F32_RUN(a - alpha * b);
        return;
    case BIN_MUL:
        F32_RUN(a * b);
        return;
    case BIN_DIV:
        F32_RUN(a / b);
        return;
    case BIN_POW: /* x ** 2 and x ** 3 (GELU's tanh form) as pow_f32 computes them, vectorized */
        if (sx == 1 && sy == 0 && (y[0] == 2.0f || y[0] == 3.0f)) {
            if (y[0] == 2.0f)
                for (int64_t j = 0; j < n; j++)
                    z[j] = x[j] * x[j];
            else
                for (int64_t j = 0; j < n; j++)
                    z[j] = x[j] * x[j] * x[j];
            return;
        }
        F32_RUN(pow_f32(a, b));
        return;
    default:
        F32_RUN(bin_f32(op, a, b, alpha));
        return;
    }
}

static void run_f32_cmp(bin_op op, const float *x, int64_t sx, const float *y, int64_t sy,
                        uint8_t *z, int64_t n) {
    switch (op) {
    case BIN_EQ:
        F32_RUN(a == b);
        return;
    case BIN_NE:
        F32_RUN(a != b);
        return;
    case BIN_LT:
        F32_RUN(a < b);
        return;
    case BIN_LE:
        F32_RUN(a <= b);
        return;
    case BIN_GT:
        F32_RUN(a > b);
        return;
    default:
        F32_RUN(a >= b);
        return;
    }
}
#undef F32_RUN

/* Any dtypes, one run of n output elements starting at i. */
static void run_generic(const pt2c_kernel_args *args, const binary_params *p, const pt2c_ktensor *a,
                        const pt2c_ktensor *b, pt2c_ktensor *out, int64_t i, int64_t n, int64_t oa,
                        int64_t sa, int64_t ob, int64_t sb) {
    bin_op op = p->op;
    pt2c_dtype ct = p->ct;
    if (is_logical(op)) {
        uint8_t *z = out->data;
        for (int64_t j = 0; j < n; j++) {
            bool x = load_nonzero(a, oa + j * sa), y = load_nonzero(b, ob + j * sb);
            z[i + j] = op == BIN_LAND ? (x && y) : op == BIN_LOR ? (x || y) : (x != y);
        }
    } else if (pt2c_dtype_is_float(ct)) {
        bool f64 = ct == PT2C_DTYPE_F64;
        float alpha32 = (float)p->alpha_f;
        for (int64_t j = 0; j < n; j++) {
            double x = load_as_float(a, oa + j * sa, ct), y = load_as_float(b, ob + j * sb, ct);
            if (is_compare(op))
                ((uint8_t *)out->data)[i + j] = cmp_f64(op, x, y);
            else
                pt2c_store_f64(out->data, out->dtype, i + j,
                               f64 ? bin_f64(op, x, y, p->alpha_f)
                                   : (double)bin_f32(op, (float)x, (float)y, alpha32));
        }
    } else {
        bool divides =
            op == BIN_DIV_TRUNC || op == BIN_DIV_FLOOR || op == BIN_REM || op == BIN_FMOD;
        for (int64_t j = 0; j < n; j++) {
            int64_t x = load_as_int(a, oa + j * sa, ct), y = load_as_int(b, ob + j * sb, ct);
            if (divides && y == 0)
                pt2c_kernel_raise(args, PT2C_FAULT_DIVZERO, -1, -1, 0, 0);
            if (is_compare(op))
                ((uint8_t *)out->data)[i + j] = cmp_i64(op, x, y);
            else
                pt2c_store_i64(out->data, out->dtype, i + j, bin_i64(op, x, y, p->alpha_i));
        }
    }
}

/* For the float32 fast path: a float32 operand as is, or a single element of another dtype
 * converted once (a wrapped Python number, a 0-dim float64 tensor, ...). */
static const float *f32_view(const pt2c_ktensor *t, float *one) {
    if (t->dtype == PT2C_DTYPE_F32)
        return t->data;
    if (t->numel != 1)
        return NULL;
    *one = (float)pt2c_load_f64(t->data, t->dtype, 0);
    return one;
}

void pt2c_k_binary(const pt2c_kernel_args *args, int ith, int nth) {
    const binary_params *p = args->params;
    const pt2c_ktensor *in[2] = {operand_get(args, &p->x[0]), operand_get(args, &p->x[1])};
    pt2c_ktensor *out = args->out[0];
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    float one[2] = {0.0f, 0.0f};
    const float *xf = NULL, *yf = NULL;
    bool f32_out = out->dtype == PT2C_DTYPE_F32, cmp = is_compare(p->op);
    if (p->ct == PT2C_DTYPE_F32 && (f32_out || cmp)) {
        xf = f32_view(in[0], &one[0]);
        yf = f32_view(in[1], &one[1]);
    }
    if (xf && yf && (in[0]->numel == out->numel || in[0]->numel == 1) &&
        (in[1]->numel == out->numel || in[1]->numel == 1)) {
        /* Each operand whole or one element: the one run the broadcast walk would make
         * (the elementwise groups of runtime/fuse_elementwise.c call this on every block). */
        int64_t sx = in[0]->numel == 1 ? 0 : 1, sy = in[1]->numel == 1 ? 0 : 1;
        if (cmp)
            run_f32_cmp(p->op, xf + begin * sx, sx, yf + begin * sy, sy,
                        (uint8_t *)out->data + begin, end - begin);
        else
            run_f32(p->op, xf + begin * sx, sx, yf + begin * sy, sy, (float *)out->data + begin,
                    end - begin, (float)p->alpha_f);
        return;
    }
    pt2c_bcast it;
    pt2c_bcast_start(&it, out, in, 2, begin);
    for (int64_t i = begin; i < end;) {
        int64_t n = pt2c_bcast_run(&it, end - i);
        if (xf && yf && cmp)
            run_f32_cmp(p->op, xf + it.off[0], it.inner[0], yf + it.off[1], it.inner[1],
                        (uint8_t *)out->data + i, n);
        else if (xf && yf)
            run_f32(p->op, xf + it.off[0], it.inner[0], yf + it.off[1], it.inner[1],
                    (float *)out->data + i, n, (float)p->alpha_f);
        else
            run_generic(args, p, in[0], in[1], out, i, n, it.off[0], it.inner[0], it.off[1],
                        it.inner[1]);
        i += n;
        pt2c_bcast_advance(&it, n);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* clamp                                                                                    */
/*   clamp(Tensor self, Scalar? min=None, Scalar? max=None)                                 */
/*   clamp.Tensor(Tensor self, Tensor? min=None, Tensor? max=None)                          */
/*   clamp_min(self, Scalar min), clamp_max(self, Scalar max) and their .Tensor overloads   */
/* out = min(max(x, lo), hi) in the promoted dtype of all three; NaN in x or a bound gives  */
/* NaN (PyTorch's vectorized minimum/maximum); lo > hi gives hi.                            */

typedef struct clamp_params {
    operand x[3]; /* self, min, max; a bound may be absent */
    pt2c_dtype ct;
} clamp_params;

static pt2c_status parse_clamp(pt2c_op_ctx *ctx, void **params, bool tensors, bool has_min,
                               bool has_max) {
    clamp_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    for (int k = 0; k < 3; k++)
        p->x[k].input = -1;
    PT2C_TRY(operand_tensor(ctx, "self", false, &p->x[0]));
    bool optional = has_min && has_max; /* clamp: both optional; clamp_min/max: required */
    if (has_min)
        PT2C_TRY(tensors ? operand_tensor(ctx, "min", optional, &p->x[1])
                         : operand_scalar(ctx, "min", optional, &p->x[1]));
    if (has_max)
        PT2C_TRY(tensors ? operand_tensor(ctx, "max", optional, &p->x[2])
                         : operand_scalar(ctx, "max", optional, &p->x[2]));
    if (!operand_present(&p->x[1]) && !operand_present(&p->x[2]))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "argument 'min': at least one of 'min' or 'max' must not be None");
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_clamp(pt2c_op_ctx *ctx, void **params) {
    return parse_clamp(ctx, params, false, true, true);
}
pt2c_status pt2c_parse_clamp_tensor(pt2c_op_ctx *ctx, void **params) {
    return parse_clamp(ctx, params, true, true, true);
}
pt2c_status pt2c_parse_clamp_min(pt2c_op_ctx *ctx, void **params) {
    return parse_clamp(ctx, params, false, true, false);
}
pt2c_status pt2c_parse_clamp_min_tensor(pt2c_op_ctx *ctx, void **params) {
    return parse_clamp(ctx, params, true, true, false);
}
pt2c_status pt2c_parse_clamp_max(pt2c_op_ctx *ctx, void **params) {
    return parse_clamp(ctx, params, false, false, true);
}
pt2c_status pt2c_parse_clamp_max_tensor(pt2c_op_ctx *ctx, void **params) {
    return parse_clamp(ctx, params, true, false, true);
}

pt2c_status pt2c_shape_clamp(pt2c_op_ctx *ctx, void *params) {
    clamp_params *p = params;
    pt2c_result_type rt;
    pt2c_result_type_init(&rt);
    int32_t rank = 0;
    int64_t sizes[PT2C_MAX_RANK];
    pt2c_ktensor shape; /* running broadcast shape */
    memset(&shape, 0, sizeof shape);
    for (int k = 0; k < 3; k++) {
        if (!operand_present(&p->x[k]))
            continue;
        bool w = false;
        const pt2c_ktensor *t = operand_resolve(ctx, &p->x[k], &w);
        pt2c_result_type_add(&rt, t->dtype, t->rank, w);
        PT2C_TRY(pt2c_op_broadcast(ctx, &shape, t, &rank, sizes));
        shape.rank = rank;
        memcpy(shape.sizes, sizes, sizeof(int64_t) * (size_t)rank);
    }
    p->ct = pt2c_result_type_get(&rt);
    if (!pt2c_dtype_is_float(p->ct) && !pt2c_dtype_is_integral(p->ct, false))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "shape: clamp computes in %s; expected a real number dtype",
                            pt2c_dtype_name(p->ct));
    return pt2c_op_set_out(ctx, 0, p->ct, rank, sizes);
}

void pt2c_k_clamp(const pt2c_kernel_args *args, int ith, int nth) {
    const clamp_params *p = args->params;
    pt2c_ktensor *out = args->out[0];
    const pt2c_ktensor *in[3];
    int32_t n_in = 0, lo = -1, hi = -1;
    in[n_in++] = operand_get(args, &p->x[0]);
    if (operand_present(&p->x[1])) {
        lo = n_in;
        in[n_in++] = operand_get(args, &p->x[1]);
    }
    if (operand_present(&p->x[2])) {
        hi = n_in;
        in[n_in++] = operand_get(args, &p->x[2]);
    }
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    pt2c_dtype ct = p->ct;
    if (ct == PT2C_DTYPE_F32 && in[0]->dtype == PT2C_DTYPE_F32 && in[0]->numel == out->numel &&
        (lo < 0 || in[lo]->numel == 1) && (hi < 0 || in[hi]->numel == 1)) {
        /* float32 x with Scalar bounds: x's elements in order. With bounds that are not NaN,
         * v < l ? l : v and h < v ? h : v keep a NaN v, as the general loop does. */
        float l = lo >= 0 ? (float)load_as_float(in[lo], 0, ct) : -INFINITY;
        float h = hi >= 0 ? (float)load_as_float(in[hi], 0, ct) : INFINITY;
        if (!isnan(l) && !isnan(h)) {
            const float *x = (const float *)in[0]->data;
            float *z = out->data;
            for (int64_t i = begin; i < end; i++) {
                float v = x[i];
                v = v < l ? l : v;
                z[i] = h < v ? h : v;
            }
            return;
        }
    }
    pt2c_bcast it;
    pt2c_bcast_start(&it, out, in, n_in, begin);
    bool is_float = pt2c_dtype_is_float(ct);
    for (int64_t i = begin; i < end;) {
        int64_t n = pt2c_bcast_run(&it, end - i);
        for (int64_t j = 0; j < n; j++) {
            if (is_float) {
                double v = load_as_float(in[0], it.off[0] + j * it.inner[0], ct);
                if (lo >= 0) {
                    double l = load_as_float(in[lo], it.off[lo] + j * it.inner[lo], ct);
                    v = isnan(v) || isnan(l) ? v + l : (v < l ? l : v);
                }
                if (hi >= 0) {
                    double h = load_as_float(in[hi], it.off[hi] + j * it.inner[hi], ct);
                    v = isnan(v) || isnan(h) ? v + h : (h < v ? h : v);
                }
                pt2c_store_f64(out->data, out->dtype, i + j, v);
            } else {
                int64_t v = load_as_int(in[0], it.off[0] + j * it.inner[0], ct);
                if (lo >= 0) {
                    int64_t l = load_as_int(in[lo], it.off[lo] + j * it.inner[lo], ct);
                    v = v < l ? l : v;
                }
                if (hi >= 0) {
                    int64_t h = load_as_int(in[hi], it.off[hi] + j * it.inner[hi], ct);
                    v = h < v ? h : v;
                }
                pt2c_store_i64(out->data, out->dtype, i + j, v);
            }
        }
        i += n;
        pt2c_bcast_advance(&it, n);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Fusion                                                                                   */

bool pt2c_fuse_add(const pt2c_op_def *op, const void *params) {
    if (op->parse != pt2c_parse_add)
        return false;
    const binary_params *p = params;
    const pt2c_scalar *a = &p->alpha;
    bool alpha_one = a->slot < 0 && ((a->dtype == PT2C_DTYPE_I64 && a->i == 1) ||
                                     (a->dtype == PT2C_DTYPE_F64 && a->f == 1.0) ||
                                     (a->dtype == PT2C_DTYPE_BOOL && a->i == 1));
    return alpha_one && p->x[0].input >= 0 && p->x[1].input >= 0;
}

/* Arithmetic (not comparisons, logic or bits: they give bool or integers), and clamp with
 * Scalar bounds (its self then has the output's shape, which its fast path relies on). */
bool pt2c_fuse_elementwise_binary(const pt2c_op_def *op, const void *params) {
    if (op->kernel == pt2c_k_binary) {
        const binary_params *p = params;
        return p->op >= BIN_ADD && p->op <= BIN_ATAN2;
    }
    if (op->kernel == pt2c_k_clamp) {
        const clamp_params *p = params;
        return p->x[1].input < 0 && p->x[2].input < 0;
    }
    return false;
}
