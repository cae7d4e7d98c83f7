/* promote.c - PyTorch's type promotion: promote_types for two dtypes and result_type over an
 * op's inputs with the dimensioned / zero-dim / wrapped-number classes (docs: aten-ops.md 4.2). */
#include "ops/promote.h"

static int category(pt2c_dtype t) {
    switch (t) {
    case PT2C_DTYPE_BOOL:
        return 0;
    case PT2C_DTYPE_U8:
    case PT2C_DTYPE_I8:
    case PT2C_DTYPE_I16:
    case PT2C_DTYPE_I32:
    case PT2C_DTYPE_I64:
    case PT2C_DTYPE_U16:
    case PT2C_DTYPE_U32:
    case PT2C_DTYPE_U64:
        return 1;
    case PT2C_DTYPE_C32:
    case PT2C_DTYPE_C64:
    case PT2C_DTYPE_C128:
        return 3;
    default:
        return 2;
    }
}

bool pt2c_dtype_is_float(pt2c_dtype t) { return category(t) == 2; }
bool pt2c_dtype_is_integral(pt2c_dtype t, bool include_bool) {
    return category(t) == 1 || (include_bool && t == PT2C_DTYPE_BOOL);
}

static bool is_unsigned(pt2c_dtype t) {
    return t == PT2C_DTYPE_U8 || t == PT2C_DTYPE_U16 || t == PT2C_DTYPE_U32 || t == PT2C_DTYPE_U64;
}

pt2c_dtype pt2c_promote_types(pt2c_dtype a, pt2c_dtype b) {
    if (a == PT2C_DTYPE_UNKNOWN)
        return b;
    if (b == PT2C_DTYPE_UNKNOWN || a == b)
        return a;
    int ca = category(a), cb = category(b);
    if (ca != cb)
        return ca > cb ? a : b; /* bool < int < float: the higher category wins */
    if (ca == 2) {
        if (a == PT2C_DTYPE_F64 || b == PT2C_DTYPE_F64)
            return PT2C_DTYPE_F64;
        if (pt2c_dtype_size(a) == pt2c_dtype_size(b))
            return PT2C_DTYPE_F32; /* f16 with bf16, or float8 variants */
        return pt2c_dtype_size(a) > pt2c_dtype_size(b) ? a : b;
    }
    if (ca == 1) {
        size_t sa = pt2c_dtype_size(a), sb = pt2c_dtype_size(b);
        if (is_unsigned(a) == is_unsigned(b))
            return sa >= sb ? a : b;
        pt2c_dtype u = is_unsigned(a) ? a : b, s = is_unsigned(a) ? b : a;
        size_t su = pt2c_dtype_size(u), ss = pt2c_dtype_size(s);
        if (ss > su)
            return s;
        /* unsigned at least as wide as the signed one: the next wider signed type */
        return su == 1 ? PT2C_DTYPE_I16 : su == 2 ? PT2C_DTYPE_I32 : PT2C_DTYPE_I64;
    }
    if (ca == 3)
        return pt2c_dtype_size(a) >= pt2c_dtype_size(b) ? a : b;
    return a;
}

/* PyTorch's combine_categories: the lower-priority class only matters when it is of a higher
 * category than the higher-priority one. */
static pt2c_dtype combine_categories(pt2c_dtype higher, pt2c_dtype lower) {
    if (higher != PT2C_DTYPE_UNKNOWN && category(higher) == 3)
        return higher;
    if (lower != PT2C_DTYPE_UNKNOWN && category(lower) == 3)
        return higher != PT2C_DTYPE_UNKNOWN && category(higher) == 2
                   ? (higher == PT2C_DTYPE_F64 ? PT2C_DTYPE_C128 : PT2C_DTYPE_C64)
                   : lower;
    if (higher != PT2C_DTYPE_UNKNOWN && category(higher) == 2)
        return higher;
    if (higher == PT2C_DTYPE_BOOL || (lower != PT2C_DTYPE_UNKNOWN && category(lower) == 2))
        return pt2c_promote_types(higher, lower);
    if (higher != PT2C_DTYPE_UNKNOWN)
        return higher;
    return lower;
}

void pt2c_result_type_init(pt2c_result_type *rt) {
    rt->dim = rt->zero = rt->wrapped = PT2C_DTYPE_UNKNOWN;
}

void pt2c_result_type_add(pt2c_result_type *rt, pt2c_dtype dtype, int32_t rank, bool wrapped) {
    if (wrapped) {
        /* A wrapped float counts as the default dtype (float32); ints and bools as they are. */
        if (category(dtype) == 2)
            dtype = PT2C_DTYPE_F32;
        else if (category(dtype) == 3)
            dtype = PT2C_DTYPE_C64;
        rt->wrapped = pt2c_promote_types(rt->wrapped, dtype);
    } else if (rank == 0) {
        rt->zero = pt2c_promote_types(rt->zero, dtype);
    } else {
        rt->dim = pt2c_promote_types(rt->dim, dtype);
    }
}

pt2c_dtype pt2c_result_type_get(const pt2c_result_type *rt) {
    return combine_categories(rt->dim, combine_categories(rt->zero, rt->wrapped));
}
