/*
 * cpu.h - the CPU backend's vector primitives: one table of functions per instruction set
 * (plain C, AVX2 + FMA, AVX-512F), chosen once per plan.
 *
 *     const pt2c_cpu *cpu;
 *     pt2c_cpu_resolve(PT2C_ISA_AUTO, &cpu, &err);   // PT2C_ISA env var, else the best
 *     cpu->act(PT2C_ACT_GELU, 0, 0, x, y, n);        // y = gelu(x)
 *
 * Every table computes the same bits. The templates in kernels.inc are compiled once per
 * instruction set (kernels_generic.c, kernels_avx2.c, kernels_avx512.c) from the same text,
 * on a vector type of 1, 8 or 16 floats. Each output element goes through the same fused
 * multiply-adds in the same order whatever the vector width: the plain C table uses fmaf()
 * where the vector ones use vfmadd, and reductions are defined on 16 fixed lanes
 * (pt2c_cpu.sum: lane l sums elements l, l + 16, ...; the lanes then add in a fixed tree),
 * which the AVX2 table holds in two registers and the plain C one in 16 scalars. So a
 * forced PT2C_ISA=generic run reproduces an AVX-512 run bit for bit, and generated C
 * (codegen) can reproduce the interpreter.
 *
 * The plain C table needs a C99 fmaf(); on x86-64 CPUs without FMA (before 2013) glibc
 * emulates it in software, slowly but exactly.
 */
#ifndef PT2C_CPU_H
#define PT2C_CPU_H

#include "pt2c.h"

#include <stdbool.h>
#include <stdint.h>

/* Activations a GEMM or convolution can apply as it stores (and cpu->act over arrays).
 * X(name, text) */
#define PT2C_FORALL_ACTS(X)                                                                        \
    X(NONE, "none")                                                                                \
    X(RELU, "relu")           /* max(x, 0); NaN stays NaN */                                       \
    X(HARDTANH, "hardtanh")   /* min(max(x, lo), hi): relu6 is (0, 6); NaN stays NaN */            \
    X(SIGMOID, "sigmoid")     /* 1 / (1 + e^-x) */                                                 \
    X(SILU, "silu")           /* x / (1 + e^-x) */                                                 \
    X(GELU, "gelu")           /* x * 0.5 * (1 + erf(x / sqrt 2)) */                                \
    X(GELU_TANH, "gelu_tanh") /* 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) */          \
    X(HARDSWISH, "hardswish") /* x * min(max(x + 3, 0), 6) / 6 */                                  \
    X(TANH, "tanh")

typedef enum pt2c_act {
#define PT2C_ACT_ENUM(name, text) PT2C_ACT_##name,
    PT2C_FORALL_ACTS(PT2C_ACT_ENUM)
#undef PT2C_ACT_ENUM
        PT2C_ACT_COUNT
} pt2c_act;

const char *pt2c_act_name(pt2c_act act);

/* What a matrix product or convolution does to each accumulated element C[m, n] as it
 * stores it, in this order:
 *     v = acc * alpha                        (skipped when alpha == 1: exact either way)
 *     v = v + beta * bias[m*bias_rs + n*bias_cs]   (beta * bias skipped when beta == 1)
 *     v = v + residual[m*res_ld + n]
 *     v = act(v)
 * each step one rounding (no fused multiply-add here), identical on every instruction set.
 * The graph-level fusions of issue 10 build on the same struct. */
typedef struct pt2c_epilogue {
    float alpha, beta;
    const float *bias;        /* nullable; borrowed */
    int64_t bias_rs, bias_cs; /* element strides along m and n (0: broadcast) */
    const float *residual;    /* nullable; borrowed; the same [M, N] layout as C */
    int64_t res_ld;           /* residual row stride */
    pt2c_act act;
    float act_lo, act_hi; /* hardtanh bounds */
} pt2c_epilogue;

/* An epilogue that stores the plain sums. */
static inline pt2c_epilogue pt2c_epilogue_none(void) {
    pt2c_epilogue e = {1.0f, 1.0f, 0, 0, 0, 0, 0, PT2C_ACT_NONE, 0.0f, 0.0f};
    return e;
}

/* gemm_tile flags */
enum {
    PT2C_TILE_LOAD_C = 1,  /* continue the partial sums C holds (a later block of k) */
    PT2C_TILE_EPILOGUE = 2 /* the last block of k: apply the epilogue while storing */
};

/* One channel of a depthwise convolution (conv.c prepares the padded input):
 *     out[oy, ox] = epilogue(sum_{ky, kx} w[ky * KW + kx] * in(oy * sy + ky * dy, ox * sx + kx *
 * dx)) the taps summed by fused multiply-adds in (ky, kx) order from 0. The input is padded and
 * split by column phase so every tap is a contiguous load: padded element (y, x) sits at
 * in[((x % sx) * Hp + y) * Wph + x / sx]. Each phase row has at least one vector of slack
 * past its last used column. The epilogue has bias_rs = bias_cs = 0 (one bias per channel)
 * and a residual plane of row stride OW. */
typedef struct pt2c_dw_plane {
    const float *in;
    int64_t Hp, Wph; /* padded rows per phase, floats per phase row */
    int64_t sy, sx, dy, dx;
    int64_t KH, KW;
    const float *w; /* KH * KW taps */
    float *out;     /* OH x OW */
    int64_t OH, OW;
    const pt2c_epilogue *ep;
} pt2c_dw_plane;

typedef struct pt2c_cpu {
    pt2c_isa isa;
    int vw;               /* floats per vector */
    int gemm_mr, gemm_nr; /* register tile of gemm_tile: rows x columns */
    /* Cache blocking for the GEMM driver (gemm.c), in elements. */
    int64_t gemm_kc, gemm_mc, gemm_nc;

    /* The tile C[m0 + r, n0 + j], r < mr <= gemm_mr, j < nr <= gemm_nr (c points at
     * element (m0, n0), row stride ldc), from the packed panel ap[k * gemm_mr + r] and
     * bp[k * ldb + j] for k < kc: a packed panel (ldb = gemm_nr) or, for a full-width
     * panel, the rows of B in place (rows and columns past mr / nr are zero padding):
     *     acc = LOAD_C ? C : 0;  for k in order: acc = fma(ap[k, r], bp[k, j], acc)
     * then the epilogue (with EPILOGUE; m0, n0 locate the bias and residual) and the store.
     * Continuing a sum from C gives the same bits as one unbroken chain. */
    void (*gemm_tile)(int64_t kc, const float *ap, const float *bp, int64_t ldb, float *c,
                      int64_t ldc, int mr, int nr, unsigned flags, const pt2c_epilogue *ep,
                      int64_t m0, int64_t n0);
    /* y[i] = act(x[i]) for i < n; y may be x. */
    void (*act)(pt2c_act act, float lo, float hi, const float *x, float *y, int64_t n);
    /* y[j] = epilogue(x[j]) for one row m, columns n0 .. n0 + n (y may be x). */
    void (*epilogue_row)(const pt2c_epilogue *ep, int64_t m, int64_t n0, const float *x, float *y,
                         int64_t n);
    /* A depthwise convolution plane (pt2c_dw_plane). */
    void (*depthwise)(const pt2c_dw_plane *p);
    /* Max pooling of one plane laid out the same way (w and ep unused; padding holds -inf):
     * out = the max over the window's taps; a NaN tap makes the result NaN. */
    void (*max_pool)(const pt2c_dw_plane *p);
    /* Row operations; sums on the 16 fixed lanes of the header comment, lanes added in a
     * fixed tree. sum: of x[0 .. n). */
    float (*sum)(const float *x, int64_t n);
    /* y = (x - mean) * rstd * w + b over one row of n (w, b nullable), mean = sum / n,
     * rstd = 1 / sqrt(sum((x - mean)^2) / n + eps); rms: mean taken as 0. Writes the
     * statistics to *mean and *rstd. y may be x. */
    void (*norm_row)(const float *x, float *y, int64_t n, const float *w, const float *b, float eps,
                     bool rms, float *mean, float *rstd);
    /* One softmax row: y = e^(x - max) / sum e^(x - max) (log: x - max - log sum). A row of
     * -inf gives NaN, or zeros when safe (PyTorch's _safe_softmax). y may be x. lse
     * (nullable) receives max + log sum (0 for a safe row of -inf). */
    void (*softmax_row)(const float *x, float *y, int64_t n, bool log, bool safe, float *lse);
    /* A GEMM panel from a transposed operand (a linear's weight, attention's keys):
     * dst[k * tile + j] = b[(x0 + j) * ld + k0 + k] for k < kc, j < n; zero for j >= n. */
    void (*pack_transposed)(const float *b, int64_t ld, int64_t k0, int64_t kc, int64_t x0,
                            int64_t n, int64_t tile, float *dst);
} pt2c_cpu;

/* The table for isa, or NULL when this build has none (not an x86-64 build). */
const pt2c_cpu *pt2c_cpu_table(pt2c_isa isa);
/* Whether this CPU (and OS) can run isa. */
bool pt2c_cpu_supports(pt2c_isa isa);
/* The best table this CPU runs. */
pt2c_isa pt2c_cpu_best(void);
/* The table for a request: AUTO reads the PT2C_ISA environment variable ("generic",
 * "avx2", "avx512"; unset or "auto": the best). Fails, naming the ISA, when it is unknown,
 * not built in, or not supported by this CPU. */
pt2c_status pt2c_cpu_resolve(pt2c_isa requested, const pt2c_cpu **out, pt2c_error *err);

extern const pt2c_cpu pt2c_cpu_generic;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PT2C_HAVE_X86_KERNELS 1
extern const pt2c_cpu pt2c_cpu_avx2;
extern const pt2c_cpu pt2c_cpu_avx512;
#endif

#endif /* PT2C_CPU_H */
