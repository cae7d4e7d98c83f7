/*
 * gemm.c - C[M, N] = alpha * A[M, K] @ B[K, N] + beta * bias (see gemm.h).
 *
 * float32: C is cut into units of PT2C_GEMM_MC rows x PT2C_GEMM_NC columns. Inside a unit,
 * for each panel of NR columns and each block of PT2C_GEMM_KC k's, the panel of B is copied
 * into a contiguous [kc][NR] buffer (from either layout of B), then a micro-kernel keeps the
 * partial sums of an MR x NR tile in vector registers while it walks k: 6x16 with AVX2-wide
 * vectors when the CPU has AVX2 (chosen at run time), else 4x8 with SSE-wide ones. Units of
 * one or two rows (M = 1 products) skip the tile: unit_rows streams B rows, unit_rows_trans
 * takes dot products with the rows of B^T. The sums are added into C block after block; the
 * last block applies the epilogue. Every path computes each C element as
 *     ((sum_{k in block 0}) + sum_{k in block 1}) + ...,   each block summed in k order,
 * in float with separate multiply and add (no FMA contraction under -std=c11), so the
 * result is bit-identical whatever the path, tile shape or split of units among threads.
 *
 * Other dtypes: one dot product per element, accumulated in double (float64, float16,
 * bfloat16) or wrapping int64 (integers), rounded once.
 */
#include "ops/gemm.h"

#include "ops/elem.h"
#include "ops/promote.h"

#include <string.h>

/* Register tiles: a micro-kernel computes t[r][j] = sum_{k < kc} a_r[k] * bp[k][j] for MR
 * rows of A (row pointers a[0..MR)) and a packed panel bp[kc][NR] of B, summing each element
 * in k order as float mul-then-add (no FMA contraction: -std=c11 turns it off), so every
 * tile shape gives the same bits and the choice of kernel never changes a result. */
typedef void (*micro_fn)(int64_t kc, const float *const *a, const float *bp, float *t);

typedef struct tile_shape {
    int64_t mr, nr;
    micro_fn micro;  /* mr x nr */
    micro_fn micro1; /* 1 x nr: for the last rows of tiny row counts (M = 1 products) */
} tile_shape;

enum { MAX_MR = 6, MAX_NR = 16 };

#if defined(__GNUC__)
/* GCC/Clang vector types: explicit SIMD without intrinsics; the compiler keeps the named
 * accumulators in registers (plain scalar code gets re-vectorized poorly at -O3). */
typedef float f32x4 __attribute__((vector_size(16)));
#define VLOAD(v, p)  memcpy(&(v), (p), sizeof(v))
#define VSTORE(p, v) memcpy((p), &(v), sizeof(v))

/* 4 x 8 with SSE-width vectors: 8 accumulators, baseline x86-64 and other targets. */
static void micro_4x8(int64_t kc, const float *const *a, const float *bp, float *t) {
    const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3];
    f32x4 c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0};
    for (int64_t k = 0; k < kc; k++) {
        f32x4 b0, b1;
        VLOAD(b0, bp + k * 8);
        VLOAD(b1, bp + k * 8 + 4);
        f32x4 x0 = {a0[k], a0[k], a0[k], a0[k]}, x1 = {a1[k], a1[k], a1[k], a1[k]};
        f32x4 x2 = {a2[k], a2[k], a2[k], a2[k]}, x3 = {a3[k], a3[k], a3[k], a3[k]};
        c00 += x0 * b0, c01 += x0 * b1, c10 += x1 * b0, c11 += x1 * b1;
        c20 += x2 * b0, c21 += x2 * b1, c30 += x3 * b0, c31 += x3 * b1;
    }
    VSTORE(t, c00), VSTORE(t + 4, c01), VSTORE(t + 8, c10), VSTORE(t + 12, c11);
    VSTORE(t + 16, c20), VSTORE(t + 20, c21), VSTORE(t + 24, c30), VSTORE(t + 28, c31);
}

static void micro_1x8(int64_t kc, const float *const *a, const float *bp, float *t) {
    const float *a0 = a[0];
    f32x4 c0 = {0}, c1 = {0};
    for (int64_t k = 0; k < kc; k++) {
        f32x4 b0, b1;
        VLOAD(b0, bp + k * 8);
        VLOAD(b1, bp + k * 8 + 4);
        f32x4 x = {a0[k], a0[k], a0[k], a0[k]};
        c0 += x * b0, c1 += x * b1;
    }
    VSTORE(t, c0), VSTORE(t + 4, c1);
}
#else
static void micro_1x8(int64_t kc, const float *const *a, const float *bp, float *t) {
    float acc[8] = {0};
    for (int64_t k = 0; k < kc; k++)
        for (int j = 0; j < 8; j++)
            acc[j] += a[0][k] * bp[k * 8 + j];
    memcpy(t, acc, sizeof acc);
}

static void micro_4x8(int64_t kc, const float *const *a, const float *bp, float *t) {
    float acc[4][8] = {{0}};
    for (int64_t k = 0; k < kc; k++)
        for (int r = 0; r < 4; r++)
            for (int j = 0; j < 8; j++)
                acc[r][j] += a[r][k] * bp[k * 8 + j];
    memcpy(t, acc, sizeof acc);
}
#endif

#if defined(__GNUC__) && defined(__x86_64__)
#define GEMM_HAVE_AVX2 1
typedef float f32x8 __attribute__((vector_size(32)));

/* 6 x 16 with AVX2-width vectors: 12 accumulators in ymm registers. Selected at run time
 * when the CPU has AVX2 (the code needs nothing else, in particular no FMA). */
__attribute__((target("avx2"))) static void micro_6x16(int64_t kc, const float *const *a,
                                                       const float *bp, float *t) {
    const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3], *a4 = a[4], *a5 = a[5];
    f32x8 c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
    f32x8 c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
    for (int64_t k = 0; k < kc; k++) {
        f32x8 b0, b1;
        VLOAD(b0, bp + k * 16);
        VLOAD(b1, bp + k * 16 + 8);
        float v = a0[k];
        f32x8 x = {v, v, v, v, v, v, v, v};
        c00 += x * b0, c01 += x * b1;
        v = a1[k];
        x = (f32x8){v, v, v, v, v, v, v, v};
        c10 += x * b0, c11 += x * b1;
        v = a2[k];
        x = (f32x8){v, v, v, v, v, v, v, v};
        c20 += x * b0, c21 += x * b1;
        v = a3[k];
        x = (f32x8){v, v, v, v, v, v, v, v};
        c30 += x * b0, c31 += x * b1;
        v = a4[k];
        x = (f32x8){v, v, v, v, v, v, v, v};
        c40 += x * b0, c41 += x * b1;
        v = a5[k];
        x = (f32x8){v, v, v, v, v, v, v, v};
        c50 += x * b0, c51 += x * b1;
    }
    VSTORE(t, c00), VSTORE(t + 8, c01), VSTORE(t + 16, c10), VSTORE(t + 24, c11);
    VSTORE(t + 32, c20), VSTORE(t + 40, c21), VSTORE(t + 48, c30), VSTORE(t + 56, c31);
    VSTORE(t + 64, c40), VSTORE(t + 72, c41), VSTORE(t + 80, c50), VSTORE(t + 88, c51);
}

__attribute__((target("avx2"))) static void micro_1x16(int64_t kc, const float *const *a,
                                                       const float *bp, float *t) {
    const float *a0 = a[0];
    f32x8 c0 = {0}, c1 = {0};
    for (int64_t k = 0; k < kc; k++) {
        f32x8 b0, b1;
        VLOAD(b0, bp + k * 16);
        VLOAD(b1, bp + k * 16 + 8);
        float v = a0[k];
        f32x8 x = {v, v, v, v, v, v, v, v};
        c0 += x * b0, c1 += x * b1;
    }
    VSTORE(t, c0), VSTORE(t + 8, c1);
}
#endif

static tile_shape pick_tile(void) {
#if defined(GEMM_HAVE_AVX2)
    if (__builtin_cpu_supports("avx2"))
        return (tile_shape){6, 16, micro_6x16, micro_1x16};
#endif
    return (tile_shape){4, 8, micro_4x8, micro_1x8};
}

/* bp[k][j] = B[kb + k][jp + j] for k < kc, j < nr; zero columns from nr up to the tile's
 * width. */
static void pack_b(const pt2c_gemm *g, float *bp, int64_t width, int64_t kb, int64_t kc, int64_t jp,
                   int64_t nr) {
    const float *b = g->b;
    if (nr < width)
        memset(bp, 0, sizeof(float) * (size_t)(kc * width));
    if (!g->b_trans) {
        for (int64_t k = 0; k < kc; k++)
            memcpy(bp + k * width, b + (kb + k) * g->ldb + jp, sizeof(float) * (size_t)nr);
        return;
    }
    /* B^T: gather column j of the panel from row jp + j; k outer so the writes are
     * sequential and each of the nr source rows is read as a stream. */
    const float *rows[MAX_NR];
    for (int64_t j = 0; j < nr; j++)
        rows[j] = b + (jp + j) * g->ldb + kb;
    if (nr == 16 && width == 16) { /* full panels: a fixed trip count the compiler unrolls */
        for (int64_t k = 0; k < kc; k++)
            for (int j = 0; j < 16; j++)
                bp[k * 16 + j] = rows[j][k];
    } else if (nr == 8 && width == 8) {
        for (int64_t k = 0; k < kc; k++)
            for (int j = 0; j < 8; j++)
                bp[k * 8 + j] = rows[j][k];
    } else {
        for (int64_t k = 0; k < kc; k++)
            for (int64_t j = 0; j < nr; j++)
                bp[k * width + j] = rows[j][k];
    }
}

static inline float epilogue_f32(const pt2c_gemm *g, float v, int64_t m, int64_t n) {
    float r = (float)g->alpha * v;
    if (g->bias)
        r += (float)g->beta * ((const float *)g->bias)[m * g->bias_rs + n * g->bias_cs];
    return r;
}

/* Row m, columns n..n+nr of C from the tile row t: t plus what C holds (not the first k
 * block), then the epilogue (the last block). The common cases as plain loops. */
static void store_row(const pt2c_gemm *g, float *crow, float *t, int64_t m, int64_t n, int64_t nr,
                      bool first, bool last) {
    if (!first)
        for (int64_t j = 0; j < nr; j++)
            t[j] += crow[j];
    if (!last || (g->alpha == 1.0 && !g->bias)) {
        memcpy(crow, t, sizeof(float) * (size_t)nr);
    } else if (g->alpha == 1.0 && g->beta == 1.0 && g->bias_cs == 1) {
        const float *bias = (const float *)g->bias + m * g->bias_rs + n;
        for (int64_t j = 0; j < nr; j++)
            crow[j] = t[j] + bias[j]; /* = 1 * t + 1 * bias, the general formula */
    } else {
        for (int64_t j = 0; j < nr; j++)
            crow[j] = epilogue_f32(g, t[j], m, n + j);
    }
}

/* One row of A times a block of B in place (no packing): acc[j] = sum_{k < kc} a[k] *
 * b[k * ldb + j] for j < nw <= PT2C_GEMM_NC, summed in k order like the tiles. For
 * products with one or two rows (a vector times a matrix) this streams B once with nw
 * independent sums instead of running a mostly empty tile. */
#define ROW_BLOCK_BODY                                                                             \
    for (int64_t j = 0; j < nw; j++)                                                               \
        acc[j] = 0.0f;                                                                             \
    for (int64_t k = 0; k < kc; k++) {                                                             \
        float x = a[k];                                                                            \
        const float *br = b + k * ldb;                                                             \
        for (int64_t j = 0; j < nw; j++)                                                           \
            acc[j] += x * br[j];                                                                   \
    }

static void row_block(int64_t kc, const float *a, const float *b, int64_t ldb, int64_t nw,
                      float *acc) {
    ROW_BLOCK_BODY
}

#if defined(GEMM_HAVE_AVX2)
__attribute__((target("avx2"))) static void
row_block_avx2(int64_t kc, const float *a, const float *b, int64_t ldb, int64_t nw, float *acc) {
    ROW_BLOCK_BODY
}
#endif
#undef ROW_BLOCK_BODY

static void unit_rows(const pt2c_gemm *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    const float *a = g->a, *b = g->b;
    float *c = g->c;
    float acc[PT2C_GEMM_NC];
    int64_t nw = n1 - n0;
    for (int64_t m = m0; m < m1; m++) {
        float *crow = c + m * g->ldc + n0;
        for (int64_t kb = 0; kb < g->K; kb += PT2C_GEMM_KC) {
            int64_t kc = g->K - kb < PT2C_GEMM_KC ? g->K - kb : PT2C_GEMM_KC;
            const float *arow = a + m * g->lda + kb, *bblk = b + kb * g->ldb + n0;
#if defined(GEMM_HAVE_AVX2)
            if (__builtin_cpu_supports("avx2"))
                row_block_avx2(kc, arow, bblk, g->ldb, nw, acc);
            else
                row_block(kc, arow, bblk, g->ldb, nw, acc);
#else
            row_block(kc, arow, bblk, g->ldb, nw, acc);
#endif
            bool first = kb == 0, last = kb + kc == g->K;
            for (int64_t j = 0; j < nw; j++) {
                float v = acc[j];
                if (!first)
                    v += crow[j];
                crow[j] = last ? epilogue_f32(g, v, m, n0 + j) : v;
            }
        }
    }
}

/* The same for B given transposed (W[N, K], linear's weight): eight columns at a time, each
 * a dot product of contiguous rows summed in k order (eight independent sums in flight). */
static void unit_rows_trans(const pt2c_gemm *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    const float *a = g->a, *b = g->b;
    float *c = g->c;
    for (int64_t m = m0; m < m1; m++) {
        float *crow = c + m * g->ldc;
        for (int64_t jp = n0; jp < n1; jp += 8) {
            int64_t nw = n1 - jp < 8 ? n1 - jp : 8;
            const float *w[8];
            for (int64_t q = 0; q < 8; q++)
                w[q] = b + (jp + (q < nw ? q : nw - 1)) * g->ldb;
            for (int64_t kb = 0; kb < g->K; kb += PT2C_GEMM_KC) {
                int64_t kc = g->K - kb < PT2C_GEMM_KC ? g->K - kb : PT2C_GEMM_KC;
                const float *ar = a + m * g->lda + kb;
                float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
                for (int64_t k = kb; k < kb + kc; k++) {
                    float x = ar[k - kb];
                    s0 += x * w[0][k], s1 += x * w[1][k], s2 += x * w[2][k], s3 += x * w[3][k];
                    s4 += x * w[4][k], s5 += x * w[5][k], s6 += x * w[6][k], s7 += x * w[7][k];
                }
                float acc[8] = {s0, s1, s2, s3, s4, s5, s6, s7};
                bool first = kb == 0, last = kb + kc == g->K;
                for (int64_t q = 0; q < nw; q++) {
                    float v = acc[q];
                    if (!first)
                        v += crow[jp + q];
                    crow[jp + q] = last ? epilogue_f32(g, v, m, jp + q) : v;
                }
            }
        }
    }
}

static void unit_f32(const pt2c_gemm *g, tile_shape ts, int64_t m0, int64_t m1, int64_t n0,
                     int64_t n1) {
    const float *a = g->a;
    float *c = g->c;
    if (g->K == 0) {
        for (int64_t m = m0; m < m1; m++)
            for (int64_t n = n0; n < n1; n++)
                c[m * g->ldc + n] = epilogue_f32(g, 0.0f, m, n);
        return;
    }
    if ((m1 - m0) * 3 <= ts.mr) {
        if (g->b_trans)
            unit_rows_trans(g, m0, m1, n0, n1);
        else
            unit_rows(g, m0, m1, n0, n1);
        return;
    }
    float bp[PT2C_GEMM_KC * MAX_NR];
    float t[MAX_MR * MAX_NR];
    for (int64_t jp = n0; jp < n1; jp += ts.nr) {
        int64_t nr = n1 - jp < ts.nr ? n1 - jp : ts.nr;
        for (int64_t kb = 0; kb < g->K; kb += PT2C_GEMM_KC) {
            int64_t kc = g->K - kb < PT2C_GEMM_KC ? g->K - kb : PT2C_GEMM_KC;
            bool first = kb == 0, last = kb + kc == g->K;
            pack_b(g, bp, ts.nr, kb, kc, jp, nr);
            for (int64_t i = m0; i < m1; i += ts.mr) {
                int64_t mr = m1 - i < ts.mr ? m1 - i : ts.mr;
                const float *ar[MAX_MR];
                if (mr * 3 <= ts.mr) {
                    /* A few rows: one at a time (each element is summed the same way). */
                    for (int64_t r = 0; r < mr; r++) {
                        ar[0] = a + (i + r) * g->lda + kb;
                        ts.micro1(kc, ar, bp, t + r * ts.nr);
                    }
                } else {
                    /* Rows past the end repeat the last row; their sums are dropped. */
                    for (int64_t r = 0; r < ts.mr; r++)
                        ar[r] = a + (i + (r < mr ? r : mr - 1)) * g->lda + kb;
                    ts.micro(kc, ar, bp, t);
                }
                for (int64_t r = 0; r < mr; r++)
                    store_row(g, c + (i + r) * g->ldc + jp, t + r * ts.nr, i + r, jp, nr, first,
                              last);
            }
        }
    }
}

/* Element offsets of B(k, n). */
static inline int64_t b_index(const pt2c_gemm *g, int64_t k, int64_t n) {
    return g->b_trans ? n * g->ldb + k : k * g->ldb + n;
}

static void unit_any(const pt2c_gemm *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    pt2c_dtype dt = g->dtype;
    bool is_float = pt2c_dtype_is_float(dt);
    for (int64_t m = m0; m < m1; m++) {
        for (int64_t n = n0; n < n1; n++) {
            int64_t o = m * g->ldc + n, bi = m * g->bias_rs + n * g->bias_cs;
            if (is_float) {
                double acc = 0.0;
                for (int64_t k = 0; k < g->K; k++)
                    acc += pt2c_load_f64(g->a, dt, m * g->lda + k) *
                           pt2c_load_f64(g->b, dt, b_index(g, k, n));
                double r = g->alpha * acc;
                if (g->bias)
                    r += g->beta * pt2c_load_f64(g->bias, dt, bi);
                pt2c_store_f64(g->c, dt, o, r);
            } else {
                uint64_t acc = 0; /* wraps as PyTorch's integer kernels */
                for (int64_t k = 0; k < g->K; k++)
                    acc += (uint64_t)pt2c_load_i64(g->a, dt, m * g->lda + k) *
                           (uint64_t)pt2c_load_i64(g->b, dt, b_index(g, k, n));
                uint64_t r = acc * (uint64_t)(int64_t)g->alpha;
                if (g->bias)
                    r += (uint64_t)(int64_t)g->beta * (uint64_t)pt2c_load_i64(g->bias, dt, bi);
                pt2c_store_i64(g->c, dt, o, (int64_t)r);
            }
        }
    }
}

void pt2c_gemm_run(const pt2c_gemm *g, int64_t begin, int64_t end) {
    int64_t nb = (g->N + PT2C_GEMM_NC - 1) / PT2C_GEMM_NC;
    tile_shape ts = pick_tile();
    for (int64_t u = begin; u < end; u++) {
        int64_t m0 = (u / nb) * PT2C_GEMM_MC, n0 = (u % nb) * PT2C_GEMM_NC;
        int64_t m1 = m0 + PT2C_GEMM_MC < g->M ? m0 + PT2C_GEMM_MC : g->M;
        int64_t n1 = n0 + PT2C_GEMM_NC < g->N ? n0 + PT2C_GEMM_NC : g->N;
        if (g->dtype == PT2C_DTYPE_F32)
            unit_f32(g, ts, m0, m1, n0, n1);
        else
            unit_any(g, m0, m1, n0, n1);
    }
}
