/*
 * elem.h - read and write one element of any dtype as double or int64, for kernels that
 * handle every dtype through one generic loop (fast paths for float32 sit beside them).
 *
 * Rounding: float16 and bfloat16 stores round to nearest even, as PyTorch does. Float to
 * integer stores truncate toward zero (out-of-range values saturate instead of being
 * undefined behaviour).
 */
#ifndef PT2C_ELEM_H
#define PT2C_ELEM_H

#include "pt2c.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float pt2c_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: normalize */
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while (!(man & 0x400));
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline uint16_t pt2c_float_to_half(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t absx = x & 0x7fffffffu;
    if (absx >= 0x7f800000u) /* inf or nan */
        return (uint16_t)(sign | 0x7c00 | (absx > 0x7f800000u ? 0x200 : 0));
    if (absx >= 0x477ff000u) /* rounds to >= 65520: overflow to inf */
        return (uint16_t)(sign | 0x7c00);
    if (absx < 0x38800000u) { /* below the smallest normal half: subnormal or zero */
        float a;
        memcpy(&a, &absx, 4);
        /* 2^-24 is the subnormal step; nearbyint rounds half to even. */
        return (uint16_t)(sign | (uint32_t)nearbyintf(a * 16777216.0f));
    }
    uint32_t mant_odd = (absx >> 13) & 1;
    absx += 0xc8000fffu + mant_odd; /* rebias exponent, round to nearest even */
    return (uint16_t)(sign | (absx >> 13));
}

static inline float pt2c_bf16_to_float(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline uint16_t pt2c_float_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((x >> 16) | 0x40); /* quiet nan */
    x += 0x7fffu + ((x >> 16) & 1);
    return (uint16_t)(x >> 16);
}

static inline double pt2c_load_f64(const void *base, pt2c_dtype t, int64_t i) {
    switch (t) {
    case PT2C_DTYPE_F32:
        return (double)((const float *)base)[i];
    case PT2C_DTYPE_F64:
        return ((const double *)base)[i];
    case PT2C_DTYPE_F16:
        return (double)pt2c_half_to_float(((const uint16_t *)base)[i]);
    case PT2C_DTYPE_BF16:
        return (double)pt2c_bf16_to_float(((const uint16_t *)base)[i]);
    case PT2C_DTYPE_I64:
        return (double)((const int64_t *)base)[i];
    case PT2C_DTYPE_I32:
        return (double)((const int32_t *)base)[i];
    case PT2C_DTYPE_I16:
        return (double)((const int16_t *)base)[i];
    case PT2C_DTYPE_I8:
        return (double)((const int8_t *)base)[i];
    case PT2C_DTYPE_U8:
    case PT2C_DTYPE_BOOL:
        return (double)((const uint8_t *)base)[i];
    case PT2C_DTYPE_U16:
        return (double)((const uint16_t *)base)[i];
    case PT2C_DTYPE_U32:
        return (double)((const uint32_t *)base)[i];
    case PT2C_DTYPE_U64:
        return (double)((const uint64_t *)base)[i];
    default:
        return 0.0;
    }
}

static inline int64_t pt2c_load_i64(const void *base, pt2c_dtype t, int64_t i) {
    switch (t) {
    case PT2C_DTYPE_I64:
        return ((const int64_t *)base)[i];
    case PT2C_DTYPE_I32:
        return ((const int32_t *)base)[i];
    case PT2C_DTYPE_I16:
        return ((const int16_t *)base)[i];
    case PT2C_DTYPE_I8:
        return ((const int8_t *)base)[i];
    case PT2C_DTYPE_U8:
    case PT2C_DTYPE_BOOL:
        return ((const uint8_t *)base)[i];
    case PT2C_DTYPE_U16:
        return ((const uint16_t *)base)[i];
    case PT2C_DTYPE_U32:
        return ((const uint32_t *)base)[i];
    case PT2C_DTYPE_U64:
        return (int64_t)((const uint64_t *)base)[i];
    default: {
        double d = pt2c_load_f64(base, t, i);
        if (isnan(d))
            return 0;
        if (d >= 9.2233720368547758e18)
            return INT64_MAX;
        if (d <= -9.2233720368547758e18)
            return INT64_MIN;
        return (int64_t)d;
    }
    }
}

static inline void pt2c_store_f64(void *base, pt2c_dtype t, int64_t i, double v) {
    switch (t) {
    case PT2C_DTYPE_F32:
        ((float *)base)[i] = (float)v;
        return;
    case PT2C_DTYPE_F64:
        ((double *)base)[i] = v;
        return;
    case PT2C_DTYPE_F16:
        ((uint16_t *)base)[i] = pt2c_float_to_half((float)v);
        return;
    case PT2C_DTYPE_BF16:
        ((uint16_t *)base)[i] = pt2c_float_to_bf16((float)v);
        return;
    case PT2C_DTYPE_BOOL:
        ((uint8_t *)base)[i] = v != 0.0;
        return;
    default: {
        /* Float to integer: truncate toward zero, saturating (PyTorch leaves this undefined). */
        int64_t q = isnan(v)                      ? 0
                    : v >= 9.2233720368547758e18  ? INT64_MAX
                    : v <= -9.2233720368547758e18 ? INT64_MIN
                                                  : (int64_t)v;
        switch (t) {
        case PT2C_DTYPE_I64:
            ((int64_t *)base)[i] = q;
            return;
        case PT2C_DTYPE_I32:
            ((int32_t *)base)[i] = (int32_t)(uint32_t)q;
            return;
        case PT2C_DTYPE_I16:
            ((int16_t *)base)[i] = (int16_t)(uint16_t)q;
            return;
        case PT2C_DTYPE_I8:
            ((int8_t *)base)[i] = (int8_t)(uint8_t)q;
            return;
        case PT2C_DTYPE_U8:
            ((uint8_t *)base)[i] = (uint8_t)q;
            return;
        case PT2C_DTYPE_U16:
            ((uint16_t *)base)[i] = (uint16_t)q;
            return;
        case PT2C_DTYPE_U32:
            ((uint32_t *)base)[i] = (uint32_t)q;
            return;
        case PT2C_DTYPE_U64:
            ((uint64_t *)base)[i] = (uint64_t)q;
            return;
        default:
            return;
        }
    }
    }
}

static inline void pt2c_store_i64(void *base, pt2c_dtype t, int64_t i, int64_t v) {
    switch (t) {
    case PT2C_DTYPE_I64:
        ((int64_t *)base)[i] = v;
        return;
    case PT2C_DTYPE_I32:
        ((int32_t *)base)[i] = (int32_t)(uint32_t)(uint64_t)v;
        return;
    case PT2C_DTYPE_I16:
        ((int16_t *)base)[i] = (int16_t)(uint16_t)(uint64_t)v;
        return;
    case PT2C_DTYPE_I8:
        ((int8_t *)base)[i] = (int8_t)(uint8_t)(uint64_t)v;
        return;
    case PT2C_DTYPE_U8:
        ((uint8_t *)base)[i] = (uint8_t)(uint64_t)v;
        return;
    case PT2C_DTYPE_BOOL:
        ((uint8_t *)base)[i] = v != 0;
        return;
    case PT2C_DTYPE_U16:
        ((uint16_t *)base)[i] = (uint16_t)(uint64_t)v;
        return;
    case PT2C_DTYPE_U32:
        ((uint32_t *)base)[i] = (uint32_t)(uint64_t)v;
        return;
    case PT2C_DTYPE_U64:
        ((uint64_t *)base)[i] = (uint64_t)v;
        return;
    default:
        pt2c_store_f64(base, t, i, (double)v);
        return;
    }
}

#endif /* PT2C_ELEM_H */
