/*
 * norm.c - normalization (docs: aten-ops.md 4.7).
 *
 *   batch_norm(input[N, C, ...], weight[C]?, bias[C]?, running_mean[C]?, running_var[C]?,
 *              training, momentum, eps, cudnn_enabled)                 inference only
 *   _native_batch_norm_legit_no_training(input, weight?, bias?, running_mean, running_var,
 *              momentum, eps) -> (out, save_mean[0], save_invstd[0])
 *   out = x * a[c] + b'[c],  a = w / sqrt(var + eps),  b' = b - mean * a
 *   (PyTorch's CPU kernel folds the same way; computing it so matches to about an ulp).
 */
#include "ops/op_decls.h"

#include <math.h>

typedef struct bn_params {
    int32_t weight, bias, mean, var; /* input indices, -1 when None */
    double eps;
} bn_params;

static pt2c_status parse_bn(pt2c_op_ctx *ctx, void **params, bool legit) {
    bn_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "input", NULL));
    PT2C_TRY(pt2c_op_input_optional(ctx, "weight", &p->weight));
    PT2C_TRY(pt2c_op_input_optional(ctx, "bias", &p->bias));
    PT2C_TRY(pt2c_op_input_optional(ctx, "running_mean", &p->mean));
    PT2C_TRY(pt2c_op_input_optional(ctx, "running_var", &p->var));
    if (!legit) {
        bool training;
        PT2C_TRY(pt2c_op_bool(ctx, "training", false, &training));
        if (training)
            return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                                "argument 'training': batch norm in training mode is not "
                                "supported (export the model after model.eval())");
    }
    if (p->mean < 0 || p->var < 0)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "batch norm without running statistics is not supported");
    PT2C_TRY(pt2c_op_float(ctx, "eps", 1e-5, &p->eps));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_batch_norm(pt2c_op_ctx *ctx, void **params) {
    return parse_bn(ctx, params, false);
}

pt2c_status pt2c_parse_batch_norm_legit(pt2c_op_ctx *ctx, void **params) {
    return parse_bn(ctx, params, true);
}

pt2c_status pt2c_shape_batch_norm(pt2c_op_ctx *ctx, void *params) {
    const bn_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (x->rank < 2 || x->dtype != PT2C_DTYPE_F32)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: input must be float32 with at least 2 dims (got %s, rank %d)",
                            pt2c_dtype_name(x->dtype), (int)x->rank);
    int32_t idx[4] = {p->weight, p->bias, p->mean, p->var};
    for (int32_t k = 0; k < 4; k++) {
        if (idx[k] < 0)
            continue;
        const pt2c_ktensor *t = pt2c_op_in(ctx, idx[k]);
        if (t->dtype != PT2C_DTYPE_F32 || t->numel != x->sizes[1])
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: per-channel parameter %d has %lld elements, expected %lld",
                                (int)k, (long long)t->numel, (long long)x->sizes[1]);
    }
    PT2C_TRY(pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes));
    int64_t zero = 0;
    for (int32_t o = 1; o < pt2c_op_n_out(ctx); o++)
        PT2C_TRY(pt2c_op_set_out(ctx, o, x->dtype, 1, &zero));
    return PT2C_OK;
}

void pt2c_k_batch_norm(const pt2c_kernel_args *args, int ith, int nth) {
    const bn_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    const float *w = p->weight >= 0 ? args->in[p->weight]->data : NULL;
    const float *b = p->bias >= 0 ? args->in[p->bias]->data : NULL;
    const float *mean = args->in[p->mean]->data, *var = args->in[p->var]->data;
    int64_t C = x->sizes[1], inner = 1;
    for (int32_t d = 2; d < x->rank; d++)
        inner *= x->sizes[d];
    const float *xd = x->data;
    float *od = out->data;
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    for (int64_t i = begin; i < end; i++) {
        int64_t c = (i / inner) % C;
        float invstd = 1.0f / sqrtf(var[c] + (float)p->eps);
        float a = (w ? w[c] : 1.0f) * invstd;
        float shift = (b ? b[c] : 0.0f) - mean[c] * a;
        od[i] = xd[i] * a + shift;
    }
}
