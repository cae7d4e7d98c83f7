/*
 * simd.h - eight-float vectors for the hot loops of conv.c and attention.c.
 *
 * With GCC or Clang, v8 is a vector type (two SSE registers, or one AVX register in the
 * AVX2 clone of a PT2C_SIMD_CLONES function); elsewhere it is a plain array that the
 * macros loop over. Every lane computes acc + w * x in float, in the same order either way
 * (no fused multiply-add: ISO C mode does not contract), so results do not depend on which
 * variant runs, nor on the thread count.
 *
 *   v8 acc;  V8_SPLAT(acc, 0.0f);
 *   for (...) { v8 x; V8_LOAD(x, ptr); V8_MADD(acc, w, x); }
 *   float lanes[8];  V8_STORE(lanes, acc);
 *
 * pt2c_dot_rows: a row-major matrix times a vector (attention scores, recurrent gates).
 */
#ifndef PT2C_OPS_SIMD_H
#define PT2C_OPS_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
typedef float v8 __attribute__((vector_size(32)));
#define V8_MADD(acc, w, x) ((acc) += (w) * (x))
/* acc += a * b, lane by lane. */
#define V8_MADDV(acc, a, b) ((acc) += (a) * (b))
#else
typedef struct v8 {
    float f[8];
} v8;
#define V8_MADD(acc, w, x)                                                                         \
    do {                                                                                           \
        for (int q_ = 0; q_ < 8; q_++)                                                             \
            (acc).f[q_] += (w) * (x).f[q_];                                                        \
    } while (0)
#define V8_MADDV(acc, a, b)                                                                        \
    do {                                                                                           \
        for (int q_ = 0; q_ < 8; q_++)                                                             \
            (acc).f[q_] += (a).f[q_] * (b).f[q_];                                                  \
    } while (0)
#endif

/* Unaligned loads and stores through memcpy (one move instruction once optimized). */
#define V8_LOAD(v, ptr)  memcpy(&(v), (ptr), sizeof(v8))
#define V8_STORE(ptr, v) memcpy((ptr), &(v), sizeof(v8))
#define V8_SPLAT(v, s)                                                                             \
    do {                                                                                           \
        float t_[8];                                                                               \
        for (int q_ = 0; q_ < 8; q_++)                                                             \
            t_[q_] = (s);                                                                          \
        memcpy(&(v), t_, sizeof(v8));                                                              \
    } while (0)

/* Compile a hot function twice on x86-64 (AVX2 and the SSE2 baseline) and pick one at load
 * time; identical results, since neither contracts to FMA. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define PT2C_SIMD_CLONES __attribute__((target_clones("avx2", "default"), noinline))
#else
#define PT2C_SIMD_CLONES
#endif

/* The 8 lanes of a partial dot product, summed in a fixed order. */
static inline float pt2c_v8_lane_sum(const v8 *acc) {
    float l[8];
    V8_STORE(l, *acc);
    return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

/* sc[j] = q . k[j, :] for rows j < n of the row-major k[n, E], 4 rows at a time (sharing
 * the loads of q): 8-lane float sums over E, the lanes summed in a fixed order, then the
 * tail of E in order. Inline, so it takes the instruction set of a cloned caller. */
static inline void pt2c_dot_rows(const float *q, const float *k, int64_t E, int64_t n, float *sc) {
    int64_t E8 = E / 8 * 8, j = 0;
    for (; j + 4 <= n; j += 4) {
        const float *k0 = k + j * E, *k1 = k0 + E, *k2 = k1 + E, *k3 = k2 + E;
        v8 a0, a1, a2, a3;
        V8_SPLAT(a0, 0.0f);
        a1 = a2 = a3 = a0;
        for (int64_t e = 0; e < E8; e += 8) {
            v8 qv, kv;
            V8_LOAD(qv, q + e);
            V8_LOAD(kv, k0 + e);
            V8_MADDV(a0, qv, kv);
            V8_LOAD(kv, k1 + e);
            V8_MADDV(a1, qv, kv);
            V8_LOAD(kv, k2 + e);
            V8_MADDV(a2, qv, kv);
            V8_LOAD(kv, k3 + e);
            V8_MADDV(a3, qv, kv);
        }
        float s0 = pt2c_v8_lane_sum(&a0), s1 = pt2c_v8_lane_sum(&a1), s2 = pt2c_v8_lane_sum(&a2),
              s3 = pt2c_v8_lane_sum(&a3);
        for (int64_t e = E8; e < E; e++) {
            s0 += q[e] * k0[e];
            s1 += q[e] * k1[e];
            s2 += q[e] * k2[e];
            s3 += q[e] * k3[e];
        }
        sc[j] = s0;
        sc[j + 1] = s1;
        sc[j + 2] = s2;
        sc[j + 3] = s3;
    }
    for (; j < n; j++) {
        const float *kj = k + j * E;
        v8 a0;
        V8_SPLAT(a0, 0.0f);
        for (int64_t e = 0; e < E8; e += 8) {
            v8 qv, kv;
            V8_LOAD(qv, q + e);
            V8_LOAD(kv, kj + e);
            V8_MADDV(a0, qv, kv);
        }
        float s0 = pt2c_v8_lane_sum(&a0);
        for (int64_t e = E8; e < E; e++)
            s0 += q[e] * kj[e];
        sc[j] = s0;
    }
}

#endif /* PT2C_OPS_SIMD_H */
