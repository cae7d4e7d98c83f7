/*
 * matmul.c - matrix products on top of gemm.c (docs: aten-ops.md 4.12).
 *
 *   mm(self[M, K], mat2[K, N]) -> [M, N]
 *   bmm(self[B, M, K], mat2[B, K, N]) -> [B, M, N]            (no broadcasting)
 *   baddbmm(self, batch1[B, M, K], batch2[B, K, N], *, beta=1, alpha=1)
 *       -> beta * self + alpha * (batch1 @ batch2), self broadcast to [B, M, N];
 *          beta == 0 ignores self (NaN in it does not propagate)
 *   matmul(self, other)        NumPy rules: 1-D x 1-D is a dot product; a 1-D left operand
 *                              is a row [1, K] and a 1-D right operand a column [K, 1], the
 *                              added dim removed from the result; leading (batch) dims of
 *                              N-D operands broadcast
 *   dot(self[K], tensor[K]) -> []      mv(self[M, K], vec[K]) -> [M]
 *
 * Both operands (and baddbmm's self) must have the same dtype, as in PyTorch. The work
 * units are gemm blocks of every matrix in the batch, split among threads; each output
 * element is one block's, so results do not depend on the thread count.
 */
#include "ops/gemm.h"
#include "ops/op_decls.h"
#include "ops/promote.h"

#include <string.h>

typedef enum mm_kind { MM_MM, MM_BMM, MM_MATMUL, MM_BADDBMM, MM_DOT, MM_MV } mm_kind;

static const char *const mm_names[] = {"mm", "bmm", "matmul", "baddbmm", "dot", "mv"};

typedef struct mm_params {
    mm_kind kind;
    int32_t ia, ib, bias; /* input indices (bias: baddbmm's self, else -1) */
    pt2c_scalar alpha_s, beta_s;
    /* Resolved per shape. */
    double alpha, beta;
    int64_t M, N, K;
    int32_t n_batch;              /* batch dims of the output */
    int64_t batch[PT2C_MAX_RANK]; /* their sizes */
    int64_t a_st[PT2C_MAX_RANK];  /* per batch dim: element strides (0: broadcast) */
    int64_t b_st[PT2C_MAX_RANK];  /*   of A, B, C and the bias */
    int64_t c_st[PT2C_MAX_RANK];
    int64_t bias_st[PT2C_MAX_RANK];
    int64_t bias_rs, bias_cs; /* bias strides along M and N */
    int64_t n_mats;           /* matrices in the batch */
} mm_params;

static pt2c_status parse_mm(pt2c_op_ctx *ctx, void **params, mm_kind kind, const char *a,
                            const char *b) {
    mm_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->kind = kind;
    p->bias = -1;
    pt2c_scalar one = {PT2C_DTYPE_I64, 1, 1.0, -1};
    p->alpha_s = p->beta_s = one;
    if (kind == MM_BADDBMM) {
        PT2C_TRY(pt2c_op_input(ctx, "self", &p->bias));
        PT2C_TRY(pt2c_op_scalar(ctx, "beta", &one, &p->beta_s));
        PT2C_TRY(pt2c_op_scalar(ctx, "alpha", &one, &p->alpha_s));
    }
    PT2C_TRY(pt2c_op_input(ctx, a, &p->ia));
    PT2C_TRY(pt2c_op_input(ctx, b, &p->ib));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_mm(pt2c_op_ctx *ctx, void **params) {
    return parse_mm(ctx, params, MM_MM, "self", "mat2");
}
pt2c_status pt2c_parse_bmm(pt2c_op_ctx *ctx, void **params) {
    return parse_mm(ctx, params, MM_BMM, "self", "mat2");
}
pt2c_status pt2c_parse_matmul(pt2c_op_ctx *ctx, void **params) {
    return parse_mm(ctx, params, MM_MATMUL, "self", "other");
}
pt2c_status pt2c_parse_baddbmm(pt2c_op_ctx *ctx, void **params) {
    return parse_mm(ctx, params, MM_BADDBMM, "batch1", "batch2");
}
pt2c_status pt2c_parse_dot(pt2c_op_ctx *ctx, void **params) {
    return parse_mm(ctx, params, MM_DOT, "self", "tensor");
}
pt2c_status pt2c_parse_mv(pt2c_op_ctx *ctx, void **params) {
    return parse_mm(ctx, params, MM_MV, "self", "vec");
}

static pt2c_status rank_error(pt2c_op_ctx *ctx, const mm_params *p, const pt2c_ktensor *a,
                              const pt2c_ktensor *b, const char *expected) {
    return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s expects %s; got ranks %d and %d",
                        mm_names[p->kind], expected, (int)a->rank, (int)b->rank);
}

pt2c_status pt2c_shape_mm(pt2c_op_ctx *ctx, void *params) {
    mm_params *p = params;
    const pt2c_ktensor *a = pt2c_op_in(ctx, p->ia), *b = pt2c_op_in(ctx, p->ib);
    switch (p->kind) {
    case MM_MM:
        if (a->rank != 2 || b->rank != 2)
            return rank_error(ctx, p, a, b, "two matrices");
        break;
    case MM_BMM:
    case MM_BADDBMM:
        if (a->rank != 3 || b->rank != 3)
            return rank_error(ctx, p, a, b, "two 3-D tensors");
        if (a->sizes[0] != b->sizes[0])
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s batch sizes differ: %lld and %lld",
                                mm_names[p->kind], (long long)a->sizes[0], (long long)b->sizes[0]);
        break;
    case MM_DOT:
        if (a->rank != 1 || b->rank != 1)
            return rank_error(ctx, p, a, b, "two 1-D tensors");
        break;
    case MM_MV:
        if (a->rank != 2 || b->rank != 1)
            return rank_error(ctx, p, a, b, "a matrix and a vector");
        break;
    case MM_MATMUL:
        if (a->rank < 1 || b->rank < 1)
            return rank_error(ctx, p, a, b, "operands of rank >= 1");
        break;
    }
    if (a->dtype != b->dtype)
        return pt2c_op_fail(
            ctx, PT2C_ERR_SHAPE, "shape: %s expects operands of the same dtype, found %s and %s",
            mm_names[p->kind], pt2c_dtype_name(a->dtype), pt2c_dtype_name(b->dtype));
    if (!pt2c_dtype_is_float(a->dtype) && !pt2c_dtype_is_integral(a->dtype, false))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: %s of %s is not supported",
                            mm_names[p->kind], pt2c_dtype_name(a->dtype));

    /* Matrix views: a 1-D left operand is [1, K], a 1-D right operand [K, 1]. */
    bool a_vec = a->rank == 1, b_vec = b->rank == 1;
    int64_t ka = a->sizes[a->rank - 1];
    int64_t kb = b_vec ? b->sizes[0] : b->sizes[b->rank - 2];
    if (ka != kb)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: %s inner dims differ: %lld (self) and %lld (other)",
                            mm_names[p->kind], (long long)ka, (long long)kb);
    p->K = ka;
    p->M = a_vec ? 1 : a->sizes[a->rank - 2];
    p->N = b_vec ? 1 : b->sizes[b->rank - 1];

    /* Batch dims: broadcast the leading dims of both (matmul), equal for bmm. */
    int32_t ra = a_vec ? 0 : a->rank - 2, rb = b_vec ? 0 : b->rank - 2;
    int32_t nb = ra > rb ? ra : rb;
    int64_t sa = p->M * p->K, sb = p->K * p->N; /* running batch strides */
    for (int32_t d = nb - 1; d >= 0; d--) {
        int32_t da = ra - (nb - d), db = rb - (nb - d);
        int64_t za = da >= 0 ? a->sizes[da] : 1, zb = db >= 0 ? b->sizes[db] : 1;
        if (za != zb && za != 1 && zb != 1)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: %s batch dims do not broadcast: %lld and %lld in dim %d",
                                mm_names[p->kind], (long long)za, (long long)zb, (int)d);
        p->batch[d] = za == 1 ? zb : za;
        p->a_st[d] = za == 1 ? 0 : sa;
        p->b_st[d] = zb == 1 ? 0 : sb;
        sa *= za;
        sb *= zb;
    }
    p->n_batch = nb;
    int64_t sc = p->M * p->N;
    p->n_mats = 1;
    for (int32_t d = nb - 1; d >= 0; d--) {
        p->c_st[d] = sc;
        sc *= p->batch[d];
        p->n_mats *= p->batch[d];
    }

    /* baddbmm's self broadcasts to [B, M, N]. */
    p->alpha = pt2c_op_scalar_f64(ctx, &p->alpha_s);
    p->beta = pt2c_op_scalar_f64(ctx, &p->beta_s);
    if (p->bias >= 0) {
        const pt2c_ktensor *s = pt2c_op_in(ctx, p->bias);
        if (s->dtype != a->dtype)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: self is %s but the batches are %s; expected one dtype",
                                pt2c_dtype_name(s->dtype), pt2c_dtype_name(a->dtype));
        const int64_t full[3] = {p->batch[0], p->M, p->N};
        int64_t st[3] = {0, 0, 0}, stride = 1;
        if (s->rank > 3)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: self has rank %d, expected <= 3",
                                (int)s->rank);
        for (int32_t d = 2; d >= 0; d--) {
            int32_t sd = s->rank - (3 - d);
            int64_t z = sd >= 0 ? s->sizes[sd] : 1;
            if (z != 1 && z != full[d])
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: self does not broadcast to [%lld, %lld, %lld]",
                                    (long long)full[0], (long long)full[1], (long long)full[2]);
            st[d] = z == 1 ? 0 : stride;
            stride *= z;
        }
        p->bias_st[0] = st[0];
        p->bias_rs = st[1];
        p->bias_cs = st[2];
    }

    pt2c_op_set_flops(ctx, 2.0 * (double)p->n_mats * (double)p->M * (double)p->N * (double)p->K);

    int64_t sizes[PT2C_MAX_RANK];
    int32_t r = 0;
    for (int32_t d = 0; d < nb; d++)
        sizes[r++] = p->batch[d];
    if (!a_vec)
        sizes[r++] = p->M;
    if (!b_vec)
        sizes[r++] = p->N;
    return pt2c_op_set_out(ctx, 0, a->dtype, r, sizes);
}

void pt2c_k_mm(const pt2c_kernel_args *args, int ith, int nth) {
    const mm_params *p = args->params;
    const pt2c_ktensor *a = args->in[p->ia], *b = args->in[p->ib];
    const pt2c_ktensor *s = p->bias >= 0 && p->beta != 0.0 ? args->in[p->bias] : NULL;
    pt2c_ktensor *c = args->out[0];
    size_t es = pt2c_dtype_size(c->dtype);
    pt2c_gemm g = pt2c_gemm_init(c->dtype, p->M, p->N, p->K);
    g.ldc = p->N;
    g.alpha = p->alpha;
    g.beta = p->beta;
    g.bias_rs = p->bias_rs;
    g.bias_cs = p->bias_cs;
    g.ep.alpha = (float)p->alpha;
    g.ep.beta = (float)p->beta;
    g.ep.bias_rs = p->bias_rs;
    g.ep.bias_cs = p->bias_cs;
    /* Units of every matrix in the batch, split among the threads together. */
    int parallel = p->n_mats >= nth ? 1 : (int)((nth + p->n_mats - 1) / p->n_mats);
    pt2c_gemm_blocking bl = pt2c_gemm_block(args->cpu, &g, parallel);
    int64_t per = bl.n_units, begin, end;
    pt2c_split_range(p->n_mats * per, ith, nth, &begin, &end);
    for (int64_t u = begin; u < end;) {
        int64_t mat = u / per, first = u % per;
        int64_t last = end - mat * per < per ? end - mat * per : per;
        int64_t oa = 0, ob = 0, oc = 0, os = 0, rem = mat;
        for (int32_t d = p->n_batch - 1; d >= 0; d--) {
            int64_t i = rem % p->batch[d];
            rem /= p->batch[d];
            oa += i * p->a_st[d];
            ob += i * p->b_st[d];
            oc += i * p->c_st[d];
            os += i * p->bias_st[d];
        }
        g.a = pt2c_gemm_raw((const char *)a->data + (size_t)oa * es, p->K, false);
        g.b = pt2c_gemm_raw((const char *)b->data + (size_t)ob * es, p->N, false);
        g.c = (char *)c->data + (size_t)oc * es;
        g.bias = s ? (const char *)s->data + (size_t)os * es : NULL;
        g.ep.bias = g.bias;
        pt2c_gemm_run(&g, args->cpu, &bl, first, last, args->scratch);
        u = mat * per + last;
    }
}
