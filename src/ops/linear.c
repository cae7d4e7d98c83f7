/*
 * linear.c - the fully connected layer and addmm, on top of gemm.c.
 *
 *   linear(input[..., K], weight[N, K], bias[N]?)      -> [..., N]   x @ W^T + b
 *   addmm(self[M|1, N|1], mat1[M, K], mat2[K, N], *, beta=1, alpha=1)
 *                                                      -> [M, N]     beta*self + alpha*(m1 @ m2)
 *
 * A float32 weight that never changes (a parameter or constant) is packed into the GEMM's
 * panels once, when the plan is shaped; otherwise it is packed per block as the product
 * runs. The bias of linear may also be a single element (it broadcasts). addmm with
 * beta == 0 ignores self entirely (NaN in it does not propagate), as PyTorch. All operands
 * share one dtype. Work is split into gemm blocks of the output; each element is one chain
 * of fused multiply-adds in k order (gemm.h), so results do not depend on the thread count
 * or the instruction set.
 */
#include "ops/gemm.h"
#include "ops/op_decls.h"
#include "ops/promote.h"

#include <string.h>

typedef struct linear_params {
    int32_t bias; /* input index of the bias (linear) or self (addmm), -1 if none */
    pt2c_scalar beta_s, alpha_s;
    /* Resolved per shape. */
    double beta, alpha;
    int64_t M, N, K;
    int64_t bias_rs, bias_cs; /* bias strides along M and N (0: broadcast) */
    const float *packed;      /* nullable, plan memory: the constant B in gemm panels */
    const pt2c_cpu *packed_for;
} linear_params;

/* Pack the float32 weight operand (input index w) once when it is constant; the panels
 * depend only on the weight and the instruction set's tile. */
static pt2c_status pack_weight(pt2c_op_ctx *ctx, linear_params *p, int32_t w, bool trans) {
    const pt2c_ktensor *t = pt2c_op_in(ctx, w);
    const pt2c_cpu *cpu = pt2c_op_cpu(ctx);
    if (t->dtype != PT2C_DTYPE_F32 || !pt2c_op_in_is_constant(ctx, w) || p->K == 0 || p->N == 0) {
        p->packed = NULL;
        return PT2C_OK;
    }
    if (p->packed && p->packed_for == cpu)
        return PT2C_OK;
    size_t floats = pt2c_gemm_packed_b_floats(cpu, p->K, p->N);
    float *dst = pt2c_op_persistent_alloc(ctx, floats * sizeof(float));
    if (!dst)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory packing the weight");
    pt2c_gemm_pack_b(cpu, t->data, trans ? p->K : p->N, trans, p->K, p->N, dst);
    pt2c_op_release_input(ctx, w);
    p->packed = dst;
    p->packed_for = cpu;
    return PT2C_OK;
}

size_t pt2c_scratch_gemm(pt2c_op_ctx *ctx, const void *params) {
    (void)params;
    return pt2c_gemm_scratch_bytes(pt2c_op_cpu(ctx));
}

static pt2c_status same_dtype(pt2c_op_ctx *ctx, const pt2c_ktensor *t, const char *what,
                              pt2c_dtype want) {
    if (t->dtype != want)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s is %s, expected %s like the input",
                            what, pt2c_dtype_name(t->dtype), pt2c_dtype_name(want));
    return PT2C_OK;
}

static pt2c_status real_dtype(pt2c_op_ctx *ctx, const pt2c_ktensor *t, const char *what) {
    if (!pt2c_dtype_is_float(t->dtype) && !pt2c_dtype_is_integral(t->dtype, false))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: %s is %s; expected a number dtype",
                            what, pt2c_dtype_name(t->dtype));
    return PT2C_OK;
}

pt2c_status pt2c_parse_linear(pt2c_op_ctx *ctx, void **params) {
    linear_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "input", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "weight", NULL));
    PT2C_TRY(pt2c_op_input_optional(ctx, "bias", &p->bias));
    p->alpha_s = p->beta_s = (pt2c_scalar){PT2C_DTYPE_I64, 1, 1.0, -1};
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_linear(pt2c_op_ctx *ctx, void *params) {
    linear_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0), *w = pt2c_op_in(ctx, 1);
    PT2C_TRY(real_dtype(ctx, x, "input"));
    PT2C_TRY(same_dtype(ctx, w, "weight", x->dtype));
    if (x->rank < 1 || w->rank != 2)
        return pt2c_op_fail(
            ctx, PT2C_ERR_SHAPE,
            "shape: expected input of rank >= 1 and weight of rank 2, got %d and %d", (int)x->rank,
            (int)w->rank);
    if (x->sizes[x->rank - 1] != w->sizes[1])
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: input has %lld features, weight expects %lld",
                            (long long)x->sizes[x->rank - 1], (long long)w->sizes[1]);
    p->K = w->sizes[1];
    p->N = w->sizes[0];
    p->M = p->K ? x->numel / p->K : 1;
    for (int32_t d = 0; p->K == 0 && d < x->rank - 1; d++)
        p->M *= x->sizes[d];
    p->alpha = p->beta = 1.0;
    p->bias_rs = 0;
    p->bias_cs = 1;
    if (p->bias >= 0) {
        const pt2c_ktensor *b = pt2c_op_in(ctx, p->bias);
        PT2C_TRY(same_dtype(ctx, b, "bias", x->dtype));
        if (b->numel != p->N && b->numel != 1)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: bias has %lld elements, expected %lld",
                                (long long)b->numel, (long long)p->N);
        p->bias_cs = b->numel > 1 ? 1 : 0;
    }
    PT2C_TRY(pack_weight(ctx, p, 1, true));
    pt2c_op_set_flops(ctx, 2.0 * (double)p->M * (double)p->N * (double)p->K);
    int64_t sizes[PT2C_MAX_RANK];
    memcpy(sizes, x->sizes, sizeof(int64_t) * (size_t)x->rank);
    sizes[x->rank - 1] = p->N;
    return pt2c_op_set_out(ctx, 0, x->dtype, x->rank, sizes);
}

static void run_gemm(const pt2c_kernel_args *args, pt2c_gemm *g, int ith, int nth) {
    const pt2c_kernel_epilogue *epi = args->epilogue;
    if (epi) { /* fused (runtime/fuse.c): float32, the residual shaped like the output */
        if (epi->residual >= 0) {
            g->ep.residual = args->in[epi->residual]->data;
            g->ep.res_ld = g->ldc;
        }
        g->ep.act = epi->act;
        g->ep.act_lo = epi->act_lo;
        g->ep.act_hi = epi->act_hi;
    }
    pt2c_gemm_blocking bl = pt2c_gemm_block(args->cpu, g, nth);
    int64_t begin, end;
    pt2c_split_range(bl.n_units, ith, nth, &begin, &end);
    pt2c_gemm_run(g, args->cpu, &bl, begin, end, args->scratch);
}

/* out[m, n] = sum_k x[m, k] * w[n, k] + b[n] */
void pt2c_k_linear(const pt2c_kernel_args *args, int ith, int nth) {
    const linear_params *p = args->params;
    pt2c_ktensor *out = args->out[0];
    pt2c_gemm g = pt2c_gemm_init(out->dtype, p->M, p->N, p->K);
    g.a = pt2c_gemm_raw(args->in[0]->data, p->K, false);
    g.b = p->packed ? pt2c_gemm_prepacked(p->packed) : pt2c_gemm_raw(args->in[1]->data, p->K, true);
    g.c = out->data;
    g.ldc = p->N;
    g.bias = p->bias >= 0 ? args->in[p->bias]->data : NULL;
    g.bias_rs = p->bias_rs;
    g.bias_cs = p->bias_cs;
    g.ep.bias = g.bias;
    g.ep.bias_rs = p->bias_rs;
    g.ep.bias_cs = p->bias_cs;
    run_gemm(args, &g, ith, nth);
}

/* ---------------------------------------------------------------------------------------- */
/* addmm                                                                                    */

pt2c_status pt2c_parse_addmm(pt2c_op_ctx *ctx, void **params) {
    linear_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "self", &p->bias));
    PT2C_TRY(pt2c_op_input(ctx, "mat1", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "mat2", NULL));
    pt2c_scalar one = {PT2C_DTYPE_I64, 1, 1.0, -1};
    PT2C_TRY(pt2c_op_scalar(ctx, "beta", &one, &p->beta_s));
    PT2C_TRY(pt2c_op_scalar(ctx, "alpha", &one, &p->alpha_s));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_addmm(pt2c_op_ctx *ctx, void *params) {
    linear_params *p = params;
    const pt2c_ktensor *s = pt2c_op_in(ctx, 0), *a = pt2c_op_in(ctx, 1), *b = pt2c_op_in(ctx, 2);
    PT2C_TRY(real_dtype(ctx, a, "mat1"));
    PT2C_TRY(same_dtype(ctx, b, "mat2", a->dtype));
    PT2C_TRY(same_dtype(ctx, s, "self", a->dtype));
    if (a->rank != 2 || b->rank != 2 || a->sizes[1] != b->sizes[0])
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: mat1 and mat2 must be [M, K] and [K, N]; got rank %d and %d "
                            "with K %lld vs %lld",
                            (int)a->rank, (int)b->rank,
                            (long long)(a->rank == 2 ? a->sizes[1] : -1),
                            (long long)(b->rank == 2 ? b->sizes[0] : -1));
    int64_t sizes[2] = {a->sizes[0], b->sizes[1]};
    /* self broadcasts to [M, N]. */
    if (s->rank > 2 ||
        (s->rank >= 1 && s->sizes[s->rank - 1] != 1 && s->sizes[s->rank - 1] != sizes[1]) ||
        (s->rank == 2 && s->sizes[0] != 1 && s->sizes[0] != sizes[0]))
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: self does not broadcast to [%lld, %lld]",
                            (long long)sizes[0], (long long)sizes[1]);
    p->M = sizes[0];
    p->N = sizes[1];
    p->K = a->sizes[1];
    int64_t s_cols = s->rank >= 1 ? s->sizes[s->rank - 1] : 1;
    p->bias_cs = s_cols > 1 ? 1 : 0;
    p->bias_rs = s->rank == 2 && s->sizes[0] > 1 ? s_cols : 0;
    p->alpha = pt2c_op_scalar_f64(ctx, &p->alpha_s);
    p->beta = pt2c_op_scalar_f64(ctx, &p->beta_s);
    PT2C_TRY(pack_weight(ctx, p, 2, false));
    pt2c_op_set_flops(ctx, 2.0 * (double)p->M * (double)p->N * (double)p->K);
    return pt2c_op_set_out(ctx, 0, a->dtype, 2, sizes);
}

/* out[m, n] = beta * self[m|0, n|0] + alpha * sum_k a[m, k] * b[k, n] */
void pt2c_k_addmm(const pt2c_kernel_args *args, int ith, int nth) {
    const linear_params *p = args->params;
    pt2c_ktensor *out = args->out[0];
    pt2c_gemm g = pt2c_gemm_init(out->dtype, p->M, p->N, p->K);
    g.a = pt2c_gemm_raw(args->in[1]->data, p->K, false);
    g.b =
        p->packed ? pt2c_gemm_prepacked(p->packed) : pt2c_gemm_raw(args->in[2]->data, p->N, false);
    g.c = out->data;
    g.ldc = p->N;
    g.alpha = p->alpha;
    g.beta = p->beta;
    g.bias = p->beta != 0.0 ? args->in[0]->data : NULL;
    g.bias_rs = p->bias_rs;
    g.bias_cs = p->bias_cs;
    g.ep.alpha = (float)p->alpha;
    g.ep.beta = (float)p->beta;
    g.ep.bias = g.bias;
    g.ep.bias_rs = p->bias_rs;
    g.ep.bias_cs = p->bias_cs;
    run_gemm(args, &g, ith, nth);
}
