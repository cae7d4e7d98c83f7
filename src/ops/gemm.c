/*
 * gemm.c - C = epilogue(A @ B) (see gemm.h).
 *
 * float32, in the manner of BLIS / GotoBLAS: a unit of work is mb rows x nb columns of C.
 * Within it, for each block of k (equal blocks of at most gemm_kc), the B block (nb columns,
 * at most gemm_nc) is packed into gemm_nr-column panels (row by row for a raw B, by the
 * caller's packer for convolution's im2col), taken from the prepacked weight, or, when few
 * A panels would share it, read in place; then for each block of gemm_mc rows the A block
 * is packed into gemm_mr-row panels (or taken prepacked), and cpu->gemm_tile runs every
 * (B panel, A panel) pair: usually B panels outside (one in L1 while the A block streams
 * from L2, the next prepacked panel prefetched), A panels outside when C has at most four
 * panels of columns. Over prepacked weights a unit spans one thread's share of all the
 * columns, so the activations are packed once per thread. The first k block starts the
 * sums, later ones continue them from C (the same chain of fused multiply-adds, so the same
 * bits), the last one applies the epilogue as it stores. A last panel of at most half the
 * tile's width runs a half-width tile.
 *
 * Other dtypes: one dot product per element, accumulated in double (float64, float16,
 * bfloat16) or wrapping int64 (integers), rounded once.
 */
#include "ops/gemm.h"

#include "ops/elem.h"
#include "ops/promote.h"

#include <string.h>

#if defined(__GNUC__)
#define PREFETCH_L2(p) __builtin_prefetch((p), 0, 2)
#else
#define PREFETCH_L2(p) ((void)(p))
#endif

static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

/* ---------------------------------------------------------------------------------------- */
/* Blocking                                                                                 */

pt2c_gemm_blocking pt2c_gemm_block(const pt2c_cpu *cpu, const pt2c_gemm *g, int parallel) {
    int64_t mr = cpu->gemm_mr, nr = cpu->gemm_nr;
    int64_t M = g->M > 0 ? g->M : 1, N = g->N > 0 ? g->N : 1;
    int64_t want = parallel > 1 ? parallel : 1;
    pt2c_gemm_blocking b;
    /* Column blocks of at most gemm_nc (the packed B block in scratch); all rows in one
     * block. A prepacked B (weights) needs no B block: one column block per thread, so the
     * activations (A) are packed once per thread and every weight panel is read once. */
    b.n_nb =
        g->b.packed ? (want < ceil_div(N, nr) ? want : ceil_div(N, nr)) : ceil_div(N, cpu->gemm_nc);
    b.n_mb = 1;
    /* Too few units for the threads: cut the rows (each unit then packs its own copy of
     * the shared B block, a small cost), then the columns down to single panels. */
    if (b.n_nb < want)
        b.n_mb = ceil_div(want, b.n_nb);
    if (b.n_mb > ceil_div(M, mr))
        b.n_mb = ceil_div(M, mr);
    if (b.n_nb * b.n_mb < want)
        b.n_nb = ceil_div(want, b.n_mb);
    if (b.n_nb > ceil_div(N, nr))
        b.n_nb = ceil_div(N, nr);
    /* A unit count that divides evenly among the threads, while columns allow. */
    int64_t units = b.n_nb * b.n_mb;
    if (want > 1 && units % want != 0 && units > want) {
        int64_t n_nb = ceil_div(round_up(units, want), b.n_mb);
        if (n_nb <= ceil_div(N, nr))
            b.n_nb = n_nb;
    }
    b.nb = round_up(ceil_div(N, b.n_nb), nr);
    b.mb = round_up(ceil_div(M, b.n_mb), mr);
    b.n_nb = ceil_div(N, b.nb);
    b.n_mb = ceil_div(M, b.mb);
    b.n_units = g->M > 0 && g->N > 0 ? b.n_nb * b.n_mb : 0;
    return b;
}

size_t pt2c_gemm_scratch_bytes(const pt2c_cpu *cpu) {
    /* k blocks are equal and at most gemm_kc long (unit_f32). */
    size_t floats = (size_t)(cpu->gemm_mc * cpu->gemm_kc + cpu->gemm_kc * cpu->gemm_nc);
    return floats * sizeof(float) + 128;
}

/* ---------------------------------------------------------------------------------------- */
/* Packing                                                                                  */

/* dst[k * tile + r] = A(x0 + r, k0 + k) for r < n, zero up to tile. */
static void pack_a_raw(const pt2c_gemm_operand *o, int64_t k0, int64_t kc, int64_t x0, int64_t n,
                       int64_t tile, float *dst) {
    const float *a = o->data;
    if (n < tile)
        memset(dst, 0, sizeof(float) * (size_t)(kc * tile));
    if (o->trans) { /* A^T[K, M]: each k is a contiguous run of rows */
        for (int64_t k = 0; k < kc; k++)
            memcpy(dst + k * tile, a + (k0 + k) * o->ld + x0, sizeof(float) * (size_t)n);
        return;
    }
    /* k outer: the panel is written in order, the n rows read as n streams. */
    const float *rows[16];
    if (n > 16) { /* never: tiles have at most 16 rows */
        for (int64_t r = 0; r < n; r++)
            for (int64_t k = 0; k < kc; k++)
                dst[k * tile + r] = a[(x0 + r) * o->ld + k0 + k];
        return;
    }
    for (int64_t r = 0; r < n; r++)
        rows[r] = a + (x0 + r) * o->ld + k0;
    if (n == 6 && tile == 6) {
        for (int64_t k = 0; k < kc; k++)
            for (int r = 0; r < 6; r++)
                dst[k * 6 + r] = rows[r][k];
    } else if (n == 8 && tile == 8) {
        for (int64_t k = 0; k < kc; k++)
            for (int r = 0; r < 8; r++)
                dst[k * 8 + r] = rows[r][k];
    } else {
        for (int64_t k = 0; k < kc; k++)
            for (int64_t r = 0; r < n; r++)
                dst[k * tile + r] = rows[r][k];
    }
}

/* dst[k * tile + j] = B(k0 + k, x0 + j) for j < n, zero up to tile: one panel (full panels
 * of a raw B[K, N] go through pack_b_rows). */
static void pack_b_raw(const pt2c_cpu *cpu, const pt2c_gemm_operand *o, int64_t k0, int64_t kc,
                       int64_t x0, int64_t n, int64_t tile, float *dst) {
    const float *b = o->data;
    if (o->trans) { /* B^T[N, K] (a linear weight, attention's keys): column j is row x0 + j */
        cpu->pack_transposed(b, o->ld, k0, kc, x0, n, tile, dst);
        return;
    }
    if (n < tile)
        memset(dst, 0, sizeof(float) * (size_t)(kc * tile));
    for (int64_t k = 0; k < kc; k++) /* each k is a contiguous run of columns */
        memcpy(dst + k * tile, b + (k0 + k) * o->ld + x0, sizeof(float) * (size_t)n);
}

/* A whole block of a raw row-major B (columns [n0, n1), full panels only: the caller packs
 * a partial last panel with pack_b_raw) into panels of `tile` columns at dst + p * kc * tile:
 * row by row, so B is read as a few long streams instead of one 64-byte piece of every row
 * per panel (which misses the caches when B's rows are far apart, as a feature map's). */
static void pack_b_rows(const pt2c_gemm_operand *o, int64_t k0, int64_t kc, int64_t n0,
                        int64_t n_full, int64_t tile, float *dst) {
    const float *b = o->data;
    for (int64_t k = 0; k < kc; k++) {
        const float *src = b + (k0 + k) * o->ld + n0;
        float *d = dst + k * tile;
        if (tile == 16) { /* a constant-size memcpy: inlined as vector moves */
            for (int64_t p = 0; p < n_full; p++)
                memcpy(d + p * kc * 16, src + p * 16, 16 * sizeof(float));
        } else if (tile == 32) {
            for (int64_t p = 0; p < n_full; p++)
                memcpy(d + p * kc * 32, src + p * 32, 32 * sizeof(float));
        } else {
            for (int64_t p = 0; p < n_full; p++)
                for (int64_t j = 0; j < tile; j++)
                    d[p * kc * tile + j] = src[p * tile + j];
        }
    }
}

size_t pt2c_gemm_packed_a_floats(const pt2c_cpu *cpu, int64_t M, int64_t K) {
    return (size_t)(ceil_div(M, cpu->gemm_mr) * cpu->gemm_mr * K);
}

size_t pt2c_gemm_packed_b_floats(const pt2c_cpu *cpu, int64_t K, int64_t N) {
    return (size_t)(ceil_div(N, cpu->gemm_nr) * cpu->gemm_nr * K);
}

void pt2c_gemm_pack_a(const pt2c_cpu *cpu, const float *a, int64_t lda, bool trans, int64_t M,
                      int64_t K, const float *row_scale, float *dst) {
    pt2c_gemm_operand o = pt2c_gemm_raw(a, lda, trans);
    int64_t mr = cpu->gemm_mr;
    for (int64_t m = 0; m < M; m += mr) {
        int64_t h = M - m < mr ? M - m : mr;
        float *panel = dst + (m / mr) * K * mr;
        pack_a_raw(&o, 0, K, m, h, mr, panel);
        for (int64_t r = 0; row_scale && r < h; r++)
            for (int64_t k = 0; k < K; k++)
                panel[k * mr + r] = (float)((double)panel[k * mr + r] * (double)row_scale[m + r]);
    }
}

void pt2c_gemm_pack_b(const pt2c_cpu *cpu, const float *b, int64_t ldb, bool trans, int64_t K,
                      int64_t N, float *dst) {
    pt2c_gemm_operand o = pt2c_gemm_raw(b, ldb, trans);
    int64_t nr = cpu->gemm_nr, full = trans ? 0 : N / nr; /* a raw B's full panels by rows */
    pack_b_rows(&o, 0, K, 0, full, nr, dst);
    for (int64_t n = full * nr; n < N; n += nr)
        pack_b_raw(cpu, &o, 0, K, n, N - n < nr ? N - n : nr, nr, dst + (n / nr) * K * nr);
}

/* ---------------------------------------------------------------------------------------- */
/* float32                                                                                  */

/* A and B blocks this small stay in a 32 KiB L1 together, with room for the C lines. */
enum { L1_BLOCKS_BYTES = 24 * 1024 };

/* One unit: rows [m0, m1), columns [n0, n1). */
static void unit_f32(const pt2c_gemm *g, const pt2c_cpu *cpu, int64_t m0, int64_t m1, int64_t n0,
                     int64_t n1, float *abuf, float *bbuf) {
    const int64_t mr = cpu->gemm_mr, nr = cpu->gemm_nr, K = g->K;
    float *c = g->c;
    if (K == 0) { /* no products: the epilogue of zero */
        for (int64_t m = m0; m < m1; m++) {
            float *row = c + m * g->ldc + n0;
            memset(row, 0, sizeof(float) * (size_t)(n1 - n0));
            cpu->epilogue_row(&g->ep, m, n0, row, row, n1 - n0);
        }
        return;
    }
    const pt2c_gemm_operand *a = &g->a, *b = &g->b;
    int64_t n_panels = ceil_div(n1 - n0, nr);
    /* A raw row-major B read in place (full-width panels) when few A panels would share
     * each packed panel: packing would cost about as much as the products (a pointwise
     * convolution with few output channels). */
    bool b_direct = !b->packed && !b->pack && !b->trans && ceil_div(m1 - m0, mr) <= 4;
    /* Blocks of k of equal length (K = 576 as 2 x 288, not 256 + 256 + 64: a short last
     * block pays the C loads and stores for little work). */
    int64_t kblk = ceil_div(K, ceil_div(K, cpu->gemm_kc));
    for (int64_t k0 = 0; k0 < K; k0 += kblk) {
        int64_t kc = K - k0 < kblk ? K - k0 : kblk;
        unsigned flags =
            (k0 > 0 ? PT2C_TILE_LOAD_C : 0u) | (k0 + kc == K ? PT2C_TILE_EPILOGUE : 0u);
        int64_t packed_rows = 0; /* full panels already packed by rows */
        if (!b->packed && !b->pack && !b->trans && !b_direct) {
            packed_rows = (n1 - n0) / nr;
            pack_b_rows(b, k0, kc, n0, packed_rows, nr, bbuf);
        }
        if (!b->packed)
            for (int64_t p = packed_rows; p < n_panels; p++) {
                int64_t n = n0 + p * nr, w = n1 - n < nr ? n1 - n : nr;
                float *dst = bbuf + p * kc * nr;
                if (b_direct && w == nr)
                    continue;
                if (b->pack)
                    b->pack(b->pack_ctx, k0, kc, n, w, nr, dst);
                else
                    pack_b_raw(cpu, b, k0, kc, n, w, nr, dst);
            }
        for (int64_t i0 = m0; i0 < m1; i0 += cpu->gemm_mc) {
            int64_t i1 = m1 - i0 < cpu->gemm_mc ? m1 : i0 + cpu->gemm_mc;
            int64_t a_panels = ceil_div(i1 - i0, mr);
            if (!a->packed)
                for (int64_t q = 0; q < a_panels; q++) {
                    int64_t m = i0 + q * mr, h = i1 - m < mr ? i1 - m : mr;
                    float *dst = abuf + q * kc * mr;
                    if (a->pack)
                        a->pack(a->pack_ctx, k0, kc, m, h, mr, dst);
                    else
                        pack_a_raw(a, k0, kc, m, h, mr, dst);
                }
            /* Few B panels (a narrow C, as a late convolution's 7 x 7 maps): A panels
             * outside, so each A panel is read from memory once and used for every B panel
             * while in L1 (the B panels stay in L2). Else B panels outside, each in L1 while
             * the A block streams from L2. */
            bool a_outer = n_panels <= 4 && a_panels > n_panels;
            /* Both blocks in L1 (short k, as a pointwise convolution over few channels): A
             * outside too, so C is written as a few long row runs instead of a short run in
             * every row of the block (many streams, a TLB entry each). */
            if ((a_panels * mr + n_panels * nr) * kc * (int64_t)sizeof(float) <= L1_BLOCKS_BYTES)
                a_outer = true;
            int64_t outer = a_outer ? a_panels : n_panels, inner = a_outer ? n_panels : a_panels;
            for (int64_t o = 0; o < outer; o++) {
                /* Prepacked weights come from memory (each panel once per block): ask for
                 * the next B panel while this one's tiles run. */
                if (b->packed && !a_outer && o + 1 < n_panels) {
                    const char *next =
                        (const char *)(b->packed + ((n0 / nr + o + 1) * K + k0) * nr);
                    for (int64_t off = 0; off < kc * nr * (int64_t)sizeof(float); off += 64)
                        PREFETCH_L2(next + off);
                }
                for (int64_t i = 0; i < inner; i++) {
                    int64_t p = a_outer ? i : o, q = a_outer ? o : i;
                    int64_t n = n0 + p * nr, w = n1 - n < nr ? n1 - n : nr;
                    const float *bp =
                        b->packed ? b->packed + ((n / nr) * K + k0) * nr : bbuf + p * kc * nr;
                    int64_t ldb = nr;
                    if (b_direct && w == nr) {
                        bp = (const float *)b->data + k0 * b->ld + n;
                        ldb = b->ld;
                    }
                    int64_t m = i0 + q * mr, h = i1 - m < mr ? i1 - m : mr;
                    const float *ap =
                        a->packed ? a->packed + ((m / mr) * K + k0) * mr : abuf + q * kc * mr;
                    cpu->gemm_tile(kc, ap, bp, ldb, c + m * g->ldc + n, g->ldc, (int)h, (int)w,
                                   flags, &g->ep, m, n);
                }
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Other dtypes                                                                             */

static inline int64_t a_index(const pt2c_gemm *g, int64_t m, int64_t k) {
    return g->a.trans ? k * g->a.ld + m : m * g->a.ld + k;
}

static inline int64_t b_index(const pt2c_gemm *g, int64_t k, int64_t n) {
    return g->b.trans ? n * g->b.ld + k : k * g->b.ld + n;
}

static void unit_any(const pt2c_gemm *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    pt2c_dtype dt = g->dtype;
    bool is_float = pt2c_dtype_is_float(dt);
    const void *a = g->a.data, *b = g->b.data;
    for (int64_t m = m0; m < m1; m++) {
        for (int64_t n = n0; n < n1; n++) {
            int64_t o = m * g->ldc + n, bi = m * g->bias_rs + n * g->bias_cs;
            if (is_float) {
                double acc = 0.0;
                for (int64_t k = 0; k < g->K; k++)
                    acc += pt2c_load_f64(a, dt, a_index(g, m, k)) *
                           pt2c_load_f64(b, dt, b_index(g, k, n));
                double r = g->alpha * acc;
                if (g->bias)
                    r += g->beta * pt2c_load_f64(g->bias, dt, bi);
                pt2c_store_f64(g->c, dt, o, r);
            } else {
                uint64_t acc = 0; /* wraps as PyTorch's integer kernels */
                for (int64_t k = 0; k < g->K; k++)
                    acc += (uint64_t)pt2c_load_i64(a, dt, a_index(g, m, k)) *
                           (uint64_t)pt2c_load_i64(b, dt, b_index(g, k, n));
                uint64_t r = acc * (uint64_t)(int64_t)g->alpha;
                if (g->bias)
                    r += (uint64_t)(int64_t)g->beta * (uint64_t)pt2c_load_i64(g->bias, dt, bi);
                pt2c_store_i64(g->c, dt, o, (int64_t)r);
            }
        }
    }
}

void pt2c_gemm_run(const pt2c_gemm *g, const pt2c_cpu *cpu, const pt2c_gemm_blocking *bl,
                   int64_t begin, int64_t end, void *scratch) {
    float *abuf = NULL, *bbuf = NULL;
    if (g->dtype == PT2C_DTYPE_F32) {
        uintptr_t s = ((uintptr_t)scratch + 63) & ~(uintptr_t)63;
        abuf = (float *)s;
        bbuf = abuf + cpu->gemm_mc * cpu->gemm_kc;
    }
    for (int64_t u = begin; u < end; u++) {
        int64_t jn = u / bl->n_mb, im = u % bl->n_mb;
        int64_t m0 = im * bl->mb, n0 = jn * bl->nb;
        int64_t m1 = m0 + bl->mb < g->M ? m0 + bl->mb : g->M;
        int64_t n1 = n0 + bl->nb < g->N ? n0 + bl->nb : g->N;
        if (g->dtype == PT2C_DTYPE_F32)
            unit_f32(g, cpu, m0, m1, n0, n1, abuf, bbuf);
        else
            unit_any(g, m0, m1, n0, n1);
    }
}
