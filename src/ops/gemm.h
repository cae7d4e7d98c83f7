/*
 * gemm.h - the matrix product every linear algebra op runs on (gemm.c):
 *
 *     C[M, N] = epilogue(A[M, K] @ B[K, N])          (epilogue: cpu.h, float32)
 *
 *     pt2c_gemm g = pt2c_gemm_init(PT2C_DTYPE_F32, M, N, K);
 *     g.a = pt2c_gemm_raw(x, K, false);            // A row-major, row stride K
 *     g.b = pt2c_gemm_prepacked(w_packed);         // B packed once at plan time
 *     g.c = y;  g.ldc = N;
 *     g.ep.bias = b;  g.ep.bias_cs = 1;            // + b[n]
 *     g.ep.act = PT2C_ACT_GELU;
 *     pt2c_gemm_blocking bl = pt2c_gemm_block(cpu, &g, nth);
 *     int64_t begin, end;
 *     pt2c_split_range(bl.n_units, ith, nth, &begin, &end);
 *     pt2c_gemm_run(&g, cpu, &bl, begin, end, scratch);   // pt2c_gemm_scratch_bytes(cpu)
 *
 * float32 packs both operands into the register tile's panels (A: gemm_mr rows, B: gemm_nr
 * columns, each [k][tile] contiguous) and runs cpu->gemm_tile over cache blocks. Weights are
 * packed once (pt2c_gemm_pack_a / _pack_b into plan memory); activations are packed per
 * block into the thread's scratch, by a plain copy or by a caller's packer (convolution's
 * implicit im2col). Every C element is one chain of fused multiply-adds over k in order,
 * whatever the blocking, the split among threads or the instruction set, so results are
 * bit-identical across all of them.
 *
 * Other dtypes (float64, float16, bfloat16, integers): one dot product per element in double
 * or wrapping int64, rounded once; raw operands only; alpha, beta and bias, no activation.
 */
#ifndef PT2C_GEMM_H
#define PT2C_GEMM_H

#include "cpu/cpu.h"
#include "ops/kernel_abi.h"

/* Writes rows (A) or columns (B) x0 .. x0 + n of k in [k0, k0 + kc) as dst[k * tile + j],
 * zero for j in [n, tile): the panel layout gemm_tile reads. */
typedef void (*pt2c_pack_fn)(const void *ctx, int64_t k0, int64_t kc, int64_t x0, int64_t n,
                             int64_t tile, float *dst);

typedef struct pt2c_gemm_operand {
    const float *packed;  /* nullable: whole matrix in panels (pt2c_gemm_pack_a / _b) */
    const void *data;     /* nullable: the raw matrix */
    int64_t ld;           /* raw: row stride in elements */
    bool trans;           /* raw A given as A^T[K, M]; raw B given as B^T[N, K] (linear) */
    pt2c_pack_fn pack;    /* nullable: a custom packer (float32 only) */
    const void *pack_ctx; /* borrowed, passed to pack */
} pt2c_gemm_operand;

typedef struct pt2c_gemm {
    pt2c_dtype dtype; /* of A, B, C and the bias */
    int64_t M, N, K;
    pt2c_gemm_operand a, b;
    void *c; /* C[M, N], row m at c + m * ldc */
    int64_t ldc;
    pt2c_epilogue ep; /* float32 */
    /* Other dtypes: C = alpha * A@B + beta * bias (bias at m * bias_rs + n * bias_cs). */
    double alpha, beta;
    const void *bias;
    int64_t bias_rs, bias_cs;
} pt2c_gemm;

static inline pt2c_gemm pt2c_gemm_init(pt2c_dtype dtype, int64_t M, int64_t N, int64_t K) {
    pt2c_gemm g;
    pt2c_gemm_operand none = {0, 0, 0, false, 0, 0};
    g.dtype = dtype;
    g.M = M;
    g.N = N;
    g.K = K;
    g.a = g.b = none;
    g.c = 0;
    g.ldc = N;
    g.ep = pt2c_epilogue_none();
    g.alpha = g.beta = 1.0;
    g.bias = 0;
    g.bias_rs = g.bias_cs = 0;
    return g;
}

static inline pt2c_gemm_operand pt2c_gemm_raw(const void *data, int64_t ld, bool trans) {
    pt2c_gemm_operand o = {0, data, ld, trans, 0, 0};
    return o;
}

static inline pt2c_gemm_operand pt2c_gemm_prepacked(const float *packed) {
    pt2c_gemm_operand o = {packed, 0, 0, false, 0, 0};
    return o;
}

/* How the work is cut: units of mb rows x nb columns, n_mb x n_nb of them, numbered
 * column-block major (units sharing a column block are adjacent). */
typedef struct pt2c_gemm_blocking {
    int64_t mb, nb;     /* rows and columns per unit (multiples of the register tile) */
    int64_t n_mb, n_nb; /* unit counts along M and N */
    int64_t n_units;
} pt2c_gemm_blocking;

/* Blocks for about `parallel` threads (any blocking gives the same bits). */
pt2c_gemm_blocking pt2c_gemm_block(const pt2c_cpu *cpu, const pt2c_gemm *g, int parallel);
/* Per-thread scratch a float32 run needs. */
size_t pt2c_gemm_scratch_bytes(const pt2c_cpu *cpu);
/* Compute units [begin, end). scratch: this thread's pt2c_gemm_scratch_bytes (float32 only;
 * 64-byte aligned). */
void pt2c_gemm_run(const pt2c_gemm *g, const pt2c_cpu *cpu, const pt2c_gemm_blocking *bl,
                   int64_t begin, int64_t end, void *scratch);

/* Packed sizes in floats, and packing of a whole float32 matrix (weights, at plan time).
 * A[M, K] (trans: given as [K, M]) into ceil(M / mr) panels of [K][mr]; B[K, N] (trans:
 * given as [N, K], a linear weight) into ceil(N / nr) panels of [K][nr]. */
size_t pt2c_gemm_packed_a_floats(const pt2c_cpu *cpu, int64_t M, int64_t K);
size_t pt2c_gemm_packed_b_floats(const pt2c_cpu *cpu, int64_t K, int64_t N);
/* row_scale (nullable): row m of A multiplied by row_scale[m] as it is packed (in double,
 * rounded once): a batch norm folded into a convolution's weight. */
void pt2c_gemm_pack_a(const pt2c_cpu *cpu, const float *a, int64_t lda, bool trans, int64_t M,
                      int64_t K, const float *row_scale, float *dst);
void pt2c_gemm_pack_b(const pt2c_cpu *cpu, const float *b, int64_t ldb, bool trans, int64_t K,
                      int64_t N, float *dst);

#endif /* PT2C_GEMM_H */
