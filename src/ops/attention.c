/*
 * attention.c - scaled dot-product attention (docs: aten-ops.md 4.13).
 *
 *   scaled_dot_product_attention(query[..., L, E], key[..., S, E], value[..., S, Ev],
 *       attn_mask[..., L, S]?, dropout_p=0, is_causal=False, *, scale=None,
 *       enable_gqa=False) -> out[..., L, Ev]
 *   _scaled_dot_product_flash_attention_for_cpu(query, key, value, dropout_p=0,
 *       is_causal=False, *, attn_mask?, scale?) -> (out, logsumexp[B, H, L])
 *
 *   s[l, j] = scale * sum_e q[l, e] k[j, e] + mask[l, j],  scale = 1/sqrt(E) by default
 *   a bool mask adds 0 where True (attend) and -inf where False; is_causal masks j > l
 *   (aligned at the top left, also when L != S); p = softmax_j(s); out[l] = sum_j p[j] v[j].
 *   A row with every score -inf gives zeros (PyTorch's _safe_softmax), and logsumexp 0 (as
 *   the CPU flash kernel reports it).
 *   Leading (batch) dims of q, k, v and the mask broadcast; with enable_gqa the key/value
 *   head dim (-3) is repeated Hq/Hkv times (repeat_interleave).
 *
 * float32. A work unit is a block of query rows of one batch matrix (a row's
 * reductions never split across threads): the block's scores are one GEMM (scale and mask
 * in its epilogue), softmax runs row by row on the CPU table (safe: a fully masked row gives
 * zeros), and the block's output is a second GEMM with the values. The score matrix is
 * never materialized whole for long sequences: each thread holds at most 4 MiB of scores in
 * its scratch, beside the GEMM's packing buffers.
 */
#include "ops/gemm.h"
#include "ops/op_decls.h"

#include <string.h>

#include <math.h>

enum { ATTN_MAX_BATCH = PT2C_MAX_RANK - 2 };

typedef struct attn_params {
    int32_t mask; /* input index or -1 */
    bool is_causal, has_scale, enable_gqa;
    double scale;
    /* Resolved per shape. */
    int32_t n_batch;                                    /* batch dims of the output */
    int64_t batch[ATTN_MAX_BATCH];                      /* their sizes */
    int64_t q_st[ATTN_MAX_BATCH], k_st[ATTN_MAX_BATCH]; /* per batch dim, in matrices */
    int64_t v_st[ATTN_MAX_BATCH], m_st[ATTN_MAX_BATCH]; /* (0 where broadcast) */
    int64_t gqa_div;                                    /* head index divisor for k, v */
    int64_t L, S, E, Ev;
    int64_t m_l, m_s; /* mask strides along L and S (0 when broadcast) */
    double sc;        /* the scale in use */
} attn_params;

static pt2c_status parse_attn(pt2c_op_ctx *ctx, void **params, bool flash) {
    attn_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "query", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "key", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "value", NULL));
    PT2C_TRY(pt2c_op_input_optional(ctx, "attn_mask", &p->mask));
    double dropout;
    PT2C_TRY(pt2c_op_float(ctx, "dropout_p", 0.0, &dropout));
    if (dropout != 0.0)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "argument 'dropout_p': %g; attention dropout is random and not "
                            "supported (export in eval mode)",
                            dropout);
    PT2C_TRY(pt2c_op_bool(ctx, "is_causal", false, &p->is_causal));
    PT2C_TRY(pt2c_op_optional_float(ctx, "scale", &p->has_scale, &p->scale));
    if (!flash)
        PT2C_TRY(pt2c_op_bool(ctx, "enable_gqa", false, &p->enable_gqa));
    if (p->is_causal && p->mask >= 0)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "arguments 'attn_mask' and 'is_causal': both given (PyTorch rejects "
                            "this)");
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_sdpa(pt2c_op_ctx *ctx, void **params) {
    return parse_attn(ctx, params, false);
}

pt2c_status pt2c_parse_sdpa_flash_cpu(pt2c_op_ctx *ctx, void **params) {
    return parse_attn(ctx, params, true);
}

/* Size of batch dim d (of n, aligned to the right) of t, or 1 when t has fewer dims. */
static int64_t bsize(const pt2c_ktensor *t, int32_t n, int32_t d) {
    int32_t k = d - (n - (t->rank - 2));
    return k >= 0 ? t->sizes[k] : 1;
}

/* Strides (in matrices) of t's batch dims aligned to the output's n batch dims. */
static void bstrides(const pt2c_ktensor *t, int32_t n, const int64_t *out_batch, int64_t *st) {
    int64_t acc = 1;
    for (int32_t d = n - 1; d >= 0; d--) {
        int64_t s = bsize(t, n, d);
        st[d] = s == 1 && out_batch[d] != 1 ? 0 : acc;
        acc *= s;
    }
}

pt2c_status pt2c_shape_sdpa(pt2c_op_ctx *ctx, void *params) {
    attn_params *p = params;
    const pt2c_ktensor *q = pt2c_op_in(ctx, 0), *k = pt2c_op_in(ctx, 1), *v = pt2c_op_in(ctx, 2);
    const pt2c_ktensor *m = p->mask >= 0 ? pt2c_op_in(ctx, p->mask) : NULL;
    const pt2c_ktensor *qkv[3] = {q, k, v};
    static const char *const names[3] = {"query", "key", "value"};
    for (int32_t i = 0; i < 3; i++) {
        if (qkv[i]->dtype != PT2C_DTYPE_F32)
            return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                                "shape: %s is %s; only float32 is supported", names[i],
                                pt2c_dtype_name(qkv[i]->dtype));
        if (qkv[i]->rank < 2)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s has %d dims, expected at least 2",
                                names[i], (int)qkv[i]->rank);
    }
    p->L = q->sizes[q->rank - 2];
    p->E = q->sizes[q->rank - 1];
    p->S = k->sizes[k->rank - 2];
    p->Ev = v->sizes[v->rank - 1];
    if (k->sizes[k->rank - 1] != p->E || v->sizes[v->rank - 2] != p->S)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: key is [..., %lld, %lld] and value [..., %lld, %lld]; expected "
                            "key [..., S, %lld] and value [..., S, Ev]",
                            (long long)p->S, (long long)k->sizes[k->rank - 1],
                            (long long)v->sizes[v->rank - 2], (long long)p->Ev, (long long)p->E);
    int32_t n = q->rank - 2;
    if (k->rank - 2 > n)
        n = k->rank - 2;
    if (v->rank - 2 > n)
        n = v->rank - 2;
    p->n_batch = n;
    p->gqa_div = 1;
    for (int32_t d = 0; d < n; d++) {
        int64_t sq = bsize(q, n, d), sk = bsize(k, n, d), sv = bsize(v, n, d);
        if (p->enable_gqa && d == n - 1 && sk == sv && sk > 0 && sq != sk && sq % sk == 0) {
            /* Heads: k and v are repeat_interleave'd to the query's count. */
            p->batch[d] = sq;
            p->gqa_div = sq / sk;
            continue;
        }
        int64_t o = sq;
        int64_t s3[3] = {sq, sk, sv};
        for (int32_t i = 0; i < 3; i++) {
            if (s3[i] != 1 && o != 1 && s3[i] != o)
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: batch dim %d: query, key and value have sizes %lld, "
                                    "%lld, %lld, which do not broadcast",
                                    (int)d, (long long)sq, (long long)sk, (long long)sv);
            if (s3[i] != 1)
                o = s3[i];
        }
        p->batch[d] = o;
    }
    bstrides(q, n, p->batch, p->q_st);
    bstrides(k, n, p->batch, p->k_st);
    bstrides(v, n, p->batch, p->v_st);
    if (p->gqa_div > 1) {
        /* k and v have Hkv heads in the last batch dim: stride 1 per kv head. */
        p->k_st[n - 1] = 1;
        p->v_st[n - 1] = 1;
    }
    if (m) {
        if (m->dtype != PT2C_DTYPE_F32 && m->dtype != PT2C_DTYPE_BOOL)
            return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                                "shape: attn_mask is %s; expected bool or float32",
                                pt2c_dtype_name(m->dtype));
        if (m->rank < 2 || m->rank - 2 > n)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: attn_mask has %d dims, expected 2 to %d", (int)m->rank,
                                (int)(n + 2));
        int64_t ml = m->sizes[m->rank - 2], ms = m->sizes[m->rank - 1];
        if ((ml != 1 && ml != p->L) || (ms != 1 && ms != p->S))
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: attn_mask ends in [%lld, %lld], which does not broadcast "
                                "to [L=%lld, S=%lld]",
                                (long long)ml, (long long)ms, (long long)p->L, (long long)p->S);
        for (int32_t d = 0; d < n; d++) {
            int64_t s = bsize(m, n, d);
            if (s != 1 && s != p->batch[d])
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: attn_mask batch dim %d has size %lld, expected 1 or "
                                    "%lld",
                                    (int)d, (long long)s, (long long)p->batch[d]);
        }
        /* The mask's matrices are ml x ms; its batch strides count whole matrices. */
        bstrides(m, n, p->batch, p->m_st);
        p->m_s = ms == 1 ? 0 : 1;
        p->m_l = ml == 1 ? 0 : ms;
    }
    p->sc = p->has_scale ? p->scale : 1.0 / sqrt((double)p->E);
    int64_t sizes[PT2C_MAX_RANK];
    for (int32_t d = 0; d < n; d++)
        sizes[d] = p->batch[d];
    sizes[n] = p->L;
    sizes[n + 1] = p->Ev;
    /* Two matmuls per batch matrix: q k^T (L x S x E) and p v (L x S x Ev). */
    double n_mats = 1.0;
    for (int32_t d = 0; d < n; d++)
        n_mats *= (double)p->batch[d];
    pt2c_op_set_flops(ctx, 2.0 * n_mats * (double)p->L * (double)p->S * (double)(p->E + p->Ev));
    PT2C_TRY(pt2c_op_set_out(ctx, 0, PT2C_DTYPE_F32, n + 2, sizes));
    if (pt2c_op_n_out(ctx) > 1)
        PT2C_TRY(pt2c_op_set_out(ctx, 1, PT2C_DTYPE_F32, n + 1, sizes));
    return PT2C_OK;
}

/* Query rows per work unit: a block's scores (rows x S floats) stay in the thread's
 * scratch. A whole head when its scores take at most 4 MiB (BERT, ViT: each unit then packs
 * its head's keys and values once); else blocks of 64 rows, fewer for very long keys, so a
 * thread never holds more than 4 MiB of scores however long the sequence. */
enum { ATTN_ROWS = 64, ATTN_SCORES = 1 << 20 /* floats */ };

static int64_t block_rows(const attn_params *p) {
    if (p->L * p->S <= ATTN_SCORES)
        return p->L;
    int64_t rows = p->S > 0 ? ATTN_SCORES / p->S : ATTN_ROWS;
    rows = rows < ATTN_ROWS ? rows : ATTN_ROWS;
    return rows > 1 ? rows : 1;
}

size_t pt2c_scratch_sdpa(pt2c_op_ctx *ctx, const void *params) {
    const attn_params *p = params;
    return (size_t)(block_rows(p) * p->S) * sizeof(float) + 64 +
           pt2c_gemm_scratch_bytes(pt2c_op_cpu(ctx));
}

/* C = A @ B on this thread alone (a work unit is already one thread's). */
static void gemm_here(const pt2c_kernel_args *args, pt2c_gemm *g, void *scratch) {
    pt2c_gemm_blocking bl = pt2c_gemm_block(args->cpu, g, 1);
    pt2c_gemm_run(g, args->cpu, &bl, 0, bl.n_units, scratch);
}

/* One unit: query rows [l0, l0 + rows) of one batch matrix.
 *   sc = scale * q k^T + mask        (a GEMM; the mask is its epilogue's bias)
 *   p = safe softmax of each row     (cpu.h softmax_row, with the log-sum-exp)
 *   out = p v                        (a GEMM) */
static void attn_block(const attn_params *p, const pt2c_kernel_args *args, const float *q,
                       const float *k, const float *v, const pt2c_ktensor *mt, const void *mask,
                       int64_t l0, int64_t rows, float *out, float *lse) {
    int64_t S = p->S, E = p->E, Ev = p->Ev;
    float *sc = args->scratch;
    void *gscratch =
        (uint8_t *)args->scratch + (((size_t)(rows * S) * sizeof(float) + 63) & ~(size_t)63);
    pt2c_gemm g = pt2c_gemm_init(PT2C_DTYPE_F32, rows, S, E);
    g.a = pt2c_gemm_raw(q + l0 * E, E, false);
    g.b = pt2c_gemm_raw(k, E, true); /* k^T, from k[S, E] */
    g.c = sc;
    g.ldc = S;
    g.ep.alpha = (float)p->sc;
    bool bool_mask = mt && mt->dtype == PT2C_DTYPE_BOOL;
    if (mt && !bool_mask) {
        g.ep.bias = (const float *)mask + l0 * p->m_l;
        g.ep.bias_rs = p->m_l;
        g.ep.bias_cs = p->m_s;
    }
    gemm_here(args, &g, gscratch);
    for (int64_t r = 0; r < rows; r++) {
        float *row = sc + r * S;
        int64_t l = l0 + r;
        if (bool_mask) {
            const uint8_t *mrow = (const uint8_t *)mask + l * p->m_l;
            for (int64_t j = 0; j < S; j++)
                if (!mrow[j * p->m_s])
                    row[j] = -INFINITY;
        }
        if (p->is_causal) /* keys after the query (top-left aligned) */
            for (int64_t j = l + 1; j < S; j++)
                row[j] = -INFINITY;
        args->cpu->softmax_row(row, row, S, false, true, lse ? lse + r : NULL);
    }
    pt2c_gemm o = pt2c_gemm_init(PT2C_DTYPE_F32, rows, Ev, S);
    o.a = pt2c_gemm_raw(sc, S, false);
    o.b = pt2c_gemm_raw(v, Ev, false);
    o.c = out;
    o.ldc = Ev;
    gemm_here(args, &o, gscratch);
}

void pt2c_k_sdpa(const pt2c_kernel_args *args, int ith, int nth) {
    const attn_params *p = args->params;
    const float *q = args->in[0]->data, *k = args->in[1]->data, *v = args->in[2]->data;
    const pt2c_ktensor *mt = p->mask >= 0 ? args->in[p->mask] : NULL;
    float *out = args->out[0]->data;
    float *lse = args->n_out > 1 && args->out[1] ? args->out[1]->data : NULL;
    int64_t L = p->L, S = p->S, E = p->E, Ev = p->Ev;
    int64_t mat_m = mt ? (p->m_l ? L : 1) * (p->m_s ? S : 1) : 0;
    int64_t mats = L && Ev ? args->out[0]->numel / (L * Ev) : 0;
    int64_t lb = block_rows(p), per = lb ? (L + lb - 1) / lb : 0;
    int64_t begin, end;
    pt2c_split_range(mats * per, ith, nth, &begin, &end);
    for (int64_t u = begin; u < end; u++) {
        int64_t b = u / per, l0 = (u % per) * lb;
        int64_t rows = L - l0 < lb ? L - l0 : lb;
        int64_t qo = 0, ko = 0, vo = 0, mo = 0, rem = b;
        for (int32_t d = p->n_batch - 1; d >= 0; d--) {
            int64_t i = rem % p->batch[d];
            rem /= p->batch[d];
            int64_t ikv = d == p->n_batch - 1 ? i / p->gqa_div : i;
            qo += i * p->q_st[d];
            ko += ikv * p->k_st[d];
            vo += ikv * p->v_st[d];
            mo += i * p->m_st[d];
        }
        const void *mask = NULL;
        if (mt) {
            size_t elem = mt->dtype == PT2C_DTYPE_BOOL ? 1 : sizeof(float);
            mask = (const uint8_t *)mt->data + (size_t)(mo * mat_m) * elem;
        }
        if (S == 0) { /* no keys: the safe softmax of nothing gives zeros */
            memset(out + (b * L + l0) * Ev, 0, sizeof(float) * (size_t)(rows * Ev));
            for (int64_t r = 0; lse && r < rows; r++)
                lse[b * L + l0 + r] = 0.0f;
            continue;
        }
        attn_block(p, args, q + qo * L * E, k + ko * S * E, v + vo * S * Ev, mt, mask, l0, rows,
                   out + (b * L + l0) * Ev, lse ? lse + b * L + l0 : NULL);
    }
}
