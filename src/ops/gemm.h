/*
 * gemm.h - one matrix product C = alpha * A @ op(B) + beta * bias, split into blocks of C
 * that threads compute independently (gemm.c).
 *
 *     pt2c_gemm g = {.dtype = PT2C_DTYPE_F32, .M = M, .N = N, .K = K,
 *                    .a = x, .lda = K,            // A[M, K] row-major
 *                    .b = w, .ldb = K, .b_trans = true,   // B given as W[N, K] (linear)
 *                    .c = y, .ldc = N, .alpha = 1.0, .beta = 1.0,
 *                    .bias = bias, .bias_rs = 0, .bias_cs = 1};   // + bias[n]
 *     int64_t begin, end;
 *     pt2c_split_range(pt2c_gemm_units(&g), ith, nth, &begin, &end);
 *     pt2c_gemm_run(&g, begin, end);
 *
 * Every element of C is accumulated over k in one fixed order (blocks of PT2C_GEMM_KC, in
 * float for float32), whatever the unit split, so results do not depend on the thread
 * count. float32 runs a register-blocked kernel; other dtypes (float64, float16, bfloat16,
 * integers) a plain loop accumulating in double or int64.
 */
#ifndef PT2C_GEMM_H
#define PT2C_GEMM_H

#include "ops/kernel_abi.h"

typedef struct pt2c_gemm {
    pt2c_dtype dtype; /* of A, B, C and bias */
    int64_t M, N, K;
    const void *a; /* A[M, K], row m at a + m * lda */
    int64_t lda;
    const void *b; /* B[K, N], row k at b + k * ldb; or with b_trans B^T[N, K], row n at
                      b + n * ldb */
    int64_t ldb;
    bool b_trans;
    void *c; /* C[M, N], row m at c + m * ldc */
    int64_t ldc;
    double alpha, beta;
    const void *bias;         /* nullable; element (m, n) at bias + m*bias_rs + n*bias_cs */
    int64_t bias_rs, bias_cs; /* 0 where the bias broadcasts */
} pt2c_gemm;

enum { PT2C_GEMM_MC = 32, PT2C_GEMM_NC = 64, PT2C_GEMM_KC = 256 };

/* Blocks of C (PT2C_GEMM_MC rows by PT2C_GEMM_NC columns): the unit of work. */
static inline int64_t pt2c_gemm_units(const pt2c_gemm *g) {
    return ((g->M + PT2C_GEMM_MC - 1) / PT2C_GEMM_MC) * ((g->N + PT2C_GEMM_NC - 1) / PT2C_GEMM_NC);
}

/* Compute the blocks [begin, end) of C. */
void pt2c_gemm_run(const pt2c_gemm *g, int64_t begin, int64_t end);

#endif /* PT2C_GEMM_H */
