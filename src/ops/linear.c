/*
 * linear.c - matrix products.
 *
 *   linear(input[..., K], weight[N, K], bias[N]?)      -> [..., N]   x @ W^T + b
 *   addmm(self[M|1, N|1], mat1[M, K], mat2[K, N], *, beta=1, alpha=1)
 *                                                      -> [M, N]     beta*self + alpha*(m1 @ m2)
 *
 * float32 only for now. Dot products accumulate in double: the result is within rounding of
 * the exact value, which keeps the distance to PyTorch's BLAS (float accumulation in another
 * order) well inside the test tolerance. Work is split by output element.
 */
#include "ops/op_decls.h"

#include <string.h>

typedef struct linear_params {
    int32_t bias; /* input index of the bias, -1 if none */
    double beta, alpha;
} linear_params;

static pt2c_status require_f32(pt2c_op_ctx *ctx, const pt2c_ktensor *t, const char *what) {
    if (t->dtype != PT2C_DTYPE_F32)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: %s is %s; only float32 is supported",
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
    p->alpha = p->beta = 1.0;
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_linear(pt2c_op_ctx *ctx, void *params) {
    const linear_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0), *w = pt2c_op_in(ctx, 1);
    PT2C_TRY(require_f32(ctx, x, "input"));
    PT2C_TRY(require_f32(ctx, w, "weight"));
    if (x->rank < 1 || w->rank != 2)
        return pt2c_op_fail(
            ctx, PT2C_ERR_SHAPE,
            "shape: expected input of rank >= 1 and weight of rank 2, got %d and %d", (int)x->rank,
            (int)w->rank);
    if (x->sizes[x->rank - 1] != w->sizes[1])
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: input has %lld features, weight expects %lld",
                            (long long)x->sizes[x->rank - 1], (long long)w->sizes[1]);
    if (p->bias >= 0) {
        const pt2c_ktensor *b = pt2c_op_in(ctx, p->bias);
        PT2C_TRY(require_f32(ctx, b, "bias"));
        if (b->numel != w->sizes[0] && b->numel != 1)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: bias has %lld elements, expected %lld",
                                (long long)b->numel, (long long)w->sizes[0]);
    }
    int64_t sizes[PT2C_MAX_RANK];
    memcpy(sizes, x->sizes, sizeof(int64_t) * (size_t)x->rank);
    sizes[x->rank - 1] = w->sizes[0];
    return pt2c_op_set_out(ctx, 0, PT2C_DTYPE_F32, x->rank, sizes);
}

/* out[m, n] = sum_k x[m, k] * w[n, k] + b[n] */
void pt2c_k_linear(const pt2c_kernel_args *args, int ith, int nth) {
    const linear_params *p = args->params;
    const pt2c_ktensor *x = args->in[0], *w = args->in[1];
    const float *b = p->bias >= 0 ? args->in[p->bias]->data : NULL;
    int64_t bstride = p->bias >= 0 && args->in[p->bias]->numel > 1 ? 1 : 0;
    pt2c_ktensor *out = args->out[0];
    int64_t K = w->sizes[1], N = w->sizes[0];
    const float *xd = x->data, *wd = w->data;
    float *od = out->data;
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    for (int64_t i = begin; i < end; i++) {
        int64_t m = i / N, n = i % N;
        const float *xr = xd + m * K, *wr = wd + n * K;
        double acc = 0.0;
        for (int64_t k = 0; k < K; k++)
            acc += (double)xr[k] * (double)wr[k];
        if (b)
            acc += (double)b[n * bstride];
        od[i] = (float)acc;
    }
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
    PT2C_TRY(pt2c_op_float(ctx, "beta", 1.0, &p->beta));
    PT2C_TRY(pt2c_op_float(ctx, "alpha", 1.0, &p->alpha));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_addmm(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    const pt2c_ktensor *s = pt2c_op_in(ctx, 0), *a = pt2c_op_in(ctx, 1), *b = pt2c_op_in(ctx, 2);
    PT2C_TRY(require_f32(ctx, s, "self"));
    PT2C_TRY(require_f32(ctx, a, "mat1"));
    PT2C_TRY(require_f32(ctx, b, "mat2"));
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
    return pt2c_op_set_out(ctx, 0, PT2C_DTYPE_F32, 2, sizes);
}

/* out[m, n] = beta * self[m|0, n|0] + alpha * sum_k a[m, k] * b[k, n] */
void pt2c_k_addmm(const pt2c_kernel_args *args, int ith, int nth) {
    const linear_params *p = args->params;
    const pt2c_ktensor *s = args->in[0], *a = args->in[1], *b = args->in[2];
    pt2c_ktensor *out = args->out[0];
    int64_t K = a->sizes[1], N = b->sizes[1];
    int64_t s_rows = s->rank == 2 ? s->sizes[0] : 1;
    int64_t s_cols = s->rank >= 1 ? s->sizes[s->rank - 1] : 1;
    const float *sd = s->data, *ad = a->data, *bd = b->data;
    float *od = out->data;
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    for (int64_t i = begin; i < end; i++) {
        int64_t m = i / N, n = i % N;
        double acc = 0.0;
        for (int64_t k = 0; k < K; k++)
            acc += (double)ad[m * K + k] * (double)bd[k * N + n];
        double self =
            p->beta == 0.0 ? 0.0 : (double)sd[(s_rows > 1 ? m : 0) * s_cols + (s_cols > 1 ? n : 0)];
        od[i] = (float)(p->beta * self + p->alpha * acc);
    }
}
