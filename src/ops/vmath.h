/*
 * vmath.h - float32 exp and erf over arrays, four lanes at a time (glibc's expf/erff are
 * scalar calls; they dominated softmax, sigmoid, SiLU and GELU). The same role as the
 * vectorized Sleef functions PyTorch's CPU kernels use.
 *
 *   pt2c_expf(x), pt2c_exp_f32(x, y, n)   e^x: relative error below 1 ulp on [-87.3, 88.7]
 *       (Cephes' polynomial after a Cody-Waite reduction by ln 2); +inf above 88.72, 0 below
 *       -87.34 (where e^x < 2^-126; PyTorch gives subnormals there), NaN stays NaN.
 *   pt2c_erff(x), pt2c_erf_f32(x, y, n)   erf(x) by Abramowitz & Stegun 7.1.26, the formula
 *       of PyTorch's Vectorized<float>::erf: sign(x) (1 - t (a1 + t (a2 + ...)) e^(-x^2)),
 *       t = 1 / (1 + p |x|); absolute error below 6e-7.
 *
 * The array versions use GCC/Clang vector types (no intrinsics, any target) and the scalar
 * versions the same operations on one lane, so every element gets the same bits either
 * way (no FMA: -std=c11 keeps mul and add separate). y may be x.
 */
#ifndef PT2C_VMATH_H
#define PT2C_VMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Constants of the exp reduction and polynomial. */
#define PT2C_EXP_HI     88.7228394f  /* above: +inf */
#define PT2C_EXP_LO     -87.3365447f /* below: 0 */
#define PT2C_EXP_LOG2E  1.44269504088896341f
#define PT2C_EXP_ROUND  12582912.0f /* 1.5 * 2^23: adding and subtracting rounds to an int */
#define PT2C_EXP_LN2_HI 0.693359375f
#define PT2C_EXP_LN2_LO -2.12194440e-4f
#define PT2C_EXP_P0     1.9875691500e-4f
#define PT2C_EXP_P1     1.3981999507e-3f
#define PT2C_EXP_P2     8.3334519073e-3f
#define PT2C_EXP_P3     4.1665795894e-2f
#define PT2C_EXP_P4     1.6666665459e-1f
#define PT2C_EXP_P5     5.0000001201e-1f

static inline float pt2c_expf(float x) {
    if (x != x)
        return x;
    if (x > PT2C_EXP_HI)
        return INFINITY;
    if (x < PT2C_EXP_LO)
        return 0.0f;
    /* x = n ln2 + r, |r| <= ln2/2, n rounded to nearest; ln2 in two parts so r is exact. */
    float fn = (x * PT2C_EXP_LOG2E + PT2C_EXP_ROUND) - PT2C_EXP_ROUND;
    float r = x - fn * PT2C_EXP_LN2_HI;
    r = r - fn * PT2C_EXP_LN2_LO;
    float p = PT2C_EXP_P0;
    p = p * r + PT2C_EXP_P1;
    p = p * r + PT2C_EXP_P2;
    p = p * r + PT2C_EXP_P3;
    p = p * r + PT2C_EXP_P4;
    p = p * r + PT2C_EXP_P5;
    p = p * (r * r) + r + 1.0f;
    /* Scale by 2^n in two exact steps (n reaches 128, past one normal power of two). */
    int32_t n = (int32_t)fn, n1 = n >> 1, n2 = n - n1;
    uint32_t b1 = (uint32_t)(n1 + 127) << 23, b2 = (uint32_t)(n2 + 127) << 23;
    float s1, s2;
    memcpy(&s1, &b1, sizeof s1);
    memcpy(&s2, &b2, sizeof s2);
    return p * s1 * s2;
}

static inline float pt2c_erff(float x) {
    float ax = fabsf(x);
    float t = 1.0f / (0.3275911f * ax + 1.0f);
    float poly =
        ((((1.061405429f * t + -1.453152027f) * t + 1.421413741f) * t + -0.284496736f) * t +
         0.254829592f) *
        t;
    float r = 1.0f - poly * pt2c_expf(-ax * ax);
    return copysignf(r, x);
}

#if defined(__GNUC__)
typedef float pt2c_f32x4 __attribute__((vector_size(16)));
typedef int32_t pt2c_i32x4 __attribute__((vector_size(16)));

static inline pt2c_f32x4 pt2c_expf_x4(pt2c_f32x4 x) {
    const pt2c_f32x4 hi = {PT2C_EXP_HI, PT2C_EXP_HI, PT2C_EXP_HI, PT2C_EXP_HI};
    const pt2c_f32x4 lo = {PT2C_EXP_LO, PT2C_EXP_LO, PT2C_EXP_LO, PT2C_EXP_LO};
    /* Lanes out of range compute with a clamped x and are replaced at the end. */
    pt2c_i32x4 over = x > hi, under = x < lo, nan = x != x;
    pt2c_i32x4 keep = over | under | nan;
    pt2c_f32x4 xc = (pt2c_f32x4)(((pt2c_i32x4)x & ~keep));
    pt2c_f32x4 fn = (xc * PT2C_EXP_LOG2E + PT2C_EXP_ROUND) - PT2C_EXP_ROUND;
    pt2c_f32x4 r = xc - fn * PT2C_EXP_LN2_HI;
    r = r - fn * PT2C_EXP_LN2_LO;
    pt2c_f32x4 p = r * PT2C_EXP_P0 + PT2C_EXP_P1;
    p = p * r + PT2C_EXP_P2;
    p = p * r + PT2C_EXP_P3;
    p = p * r + PT2C_EXP_P4;
    p = p * r + PT2C_EXP_P5;
    p = p * (r * r) + r + 1.0f;
    pt2c_i32x4 n = __builtin_convertvector(fn, pt2c_i32x4), n1 = n >> 1, n2 = n - n1;
    pt2c_f32x4 s1 = (pt2c_f32x4)((n1 + 127) << 23), s2 = (pt2c_f32x4)((n2 + 127) << 23);
    pt2c_i32x4 y = (pt2c_i32x4)(p * s1 * s2);
    const pt2c_i32x4 inf = {0x7f800000, 0x7f800000, 0x7f800000, 0x7f800000};
    y = (y & ~keep) | (inf & over) | ((pt2c_i32x4)x & nan); /* under: 0 */
    return (pt2c_f32x4)y;
}
#endif

/* y[i] = e^x[i] for i < n. */
static inline void pt2c_exp_f32(const float *x, float *y, int64_t n) {
    int64_t i = 0;
#if defined(__GNUC__)
    for (; i + 4 <= n; i += 4) {
        pt2c_f32x4 v;
        memcpy(&v, x + i, sizeof v);
        v = pt2c_expf_x4(v);
        memcpy(y + i, &v, sizeof v);
    }
#endif
    for (; i < n; i++)
        y[i] = pt2c_expf(x[i]);
}

/* y[i] = erf(x[i]) for i < n. */
static inline void pt2c_erf_f32(const float *x, float *y, int64_t n) {
    int64_t i = 0;
#if defined(__GNUC__)
    const pt2c_i32x4 sign = {INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN};
    for (; i + 4 <= n; i += 4) {
        pt2c_f32x4 v;
        memcpy(&v, x + i, sizeof v);
        pt2c_f32x4 ax = (pt2c_f32x4)((pt2c_i32x4)v & ~sign);
        pt2c_f32x4 t = 1.0f / (0.3275911f * ax + 1.0f);
        pt2c_f32x4 poly =
            ((((1.061405429f * t + -1.453152027f) * t + 1.421413741f) * t + -0.284496736f) * t +
             0.254829592f) *
            t;
        pt2c_f32x4 r = 1.0f - poly * pt2c_expf_x4(-ax * ax);
        r = (pt2c_f32x4)(((pt2c_i32x4)r & ~sign) | ((pt2c_i32x4)v & sign));
        memcpy(y + i, &r, sizeof r);
    }
#endif
    for (; i < n; i++)
        y[i] = pt2c_erff(x[i]);
}

#endif /* PT2C_VMATH_H */
