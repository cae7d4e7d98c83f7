/*
 * norm.c - normalization (docs: aten-ops.md 4.7).
 *
 *   batch_norm(input[N, C, ...], weight[C]?, bias[C]?, running_mean[C]?, running_var[C]?,
 *              training, momentum, eps, cudnn_enabled)                 inference only
 *   _native_batch_norm_legit_no_training(input, weight?, bias?, running_mean, running_var,
 *              momentum, eps) -> (out, save_mean[0], save_invstd[0])
 *   out = x * a[c] + b'[c],  a = w / sqrt(var + eps),  b' = b - mean * a
 *   (PyTorch's CPU kernel folds the same way; computing it so matches to about an ulp).
 *
 * Further down, each with its formulas: layer_norm / native_layer_norm / rms_norm (rows of
 * the trailing dims), group_norm / native_group_norm, _native_batch_norm_legit.no_stats
 * (batch statistics) and instance_norm. All float32; statistics in double, two passes; work
 * is split by normalized row / group / channel, never inside a reduction.
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

/* ---------------------------------------------------------------------------------------- */
/* Layer norm, RMS norm                                                                     */
/*
 *   layer_norm(input[..., *S], normalized_shape = S, weight[S]?, bias[S]?, eps=1e-5) -> out
 *   native_layer_norm(same, eps) -> (out, mean[..., 1 x D], rstd[..., 1 x D])
 *   rms_norm(input, normalized_shape, weight?, eps? = FLT_EPSILON) -> out
 * Each row of M = prod(S) elements: mean = sum x / M, var = sum (x - mean)^2 / M (biased),
 * rstd = 1 / sqrt(var + eps), out = (x - mean) * rstd * w + b. rms_norm: out = x *
 * (1 / sqrt(sum x^2 / M + eps)) * w. In float on the CPU table (cpu.h norm_row): two
 * passes, sums on 16 fixed lanes, the same bits on every instruction set and thread count.
 */

typedef enum row_norm_kind { ROW_LAYER, ROW_RMS } row_norm_kind;

typedef struct ln_params {
    row_norm_kind kind;
    pt2c_iarg_list shape; /* normalized_shape */
    int32_t weight, bias; /* input indices, -1 when None */
    double eps;
} ln_params;

static pt2c_status parse_row_norm(pt2c_op_ctx *ctx, void **params, row_norm_kind kind,
                                  bool native) {
    ln_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->kind = kind;
    p->bias = -1;
    PT2C_TRY(pt2c_op_input(ctx, "input", NULL));
    PT2C_TRY(pt2c_op_ints(ctx, "normalized_shape", NULL, 0, 0, &p->shape));
    if (!p->shape.present)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'normalized_shape': missing");
    PT2C_TRY(pt2c_op_input_optional(ctx, "weight", &p->weight));
    if (kind == ROW_LAYER) {
        PT2C_TRY(pt2c_op_input_optional(ctx, "bias", &p->bias));
        /* native_layer_norm has no default for eps; layer_norm's is 1e-5. */
        if (native && !pt2c_op_arg(ctx, "eps"))
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'eps': missing");
        PT2C_TRY(pt2c_op_float(ctx, "eps", 1e-5, &p->eps));
    } else {
        bool has_eps;
        PT2C_TRY(pt2c_op_optional_float(ctx, "eps", &has_eps, &p->eps));
        if (!has_eps)
            p->eps = 1.1920928955078125e-07; /* torch.finfo(torch.float32).eps */
    }
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_layer_norm(pt2c_op_ctx *ctx, void **params) {
    return parse_row_norm(ctx, params, ROW_LAYER, false);
}

pt2c_status pt2c_parse_native_layer_norm(pt2c_op_ctx *ctx, void **params) {
    return parse_row_norm(ctx, params, ROW_LAYER, true);
}

pt2c_status pt2c_parse_rms_norm(pt2c_op_ctx *ctx, void **params) {
    return parse_row_norm(ctx, params, ROW_RMS, false);
}

pt2c_status pt2c_shape_layer_norm(pt2c_op_ctx *ctx, void *params) {
    const ln_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (x->dtype != PT2C_DTYPE_F32)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "shape: input is %s; only float32 is supported",
                            pt2c_dtype_name(x->dtype));
    int32_t D = p->shape.n;
    if (D < 1 || D > x->rank)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: normalized_shape has %d entries for an input of rank %d",
                            (int)D, (int)x->rank);
    int64_t M = 1;
    for (int32_t i = 0; i < D; i++) {
        int64_t want = pt2c_op_iarg(ctx, &p->shape.items[i]);
        int64_t have = x->sizes[x->rank - D + i];
        if (want != have)
            return pt2c_op_fail(
                ctx, PT2C_ERR_SHAPE,
                "shape: normalized_shape[%d] is %lld but input dim %d has size %lld", (int)i,
                (long long)want, (int)(x->rank - D + i), (long long)have);
        M *= have;
    }
    int32_t idx[2] = {p->weight, p->bias};
    for (int32_t k = 0; k < 2; k++) {
        if (idx[k] < 0)
            continue;
        const pt2c_ktensor *t = pt2c_op_in(ctx, idx[k]);
        if (t->dtype != PT2C_DTYPE_F32 || t->numel != M)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: %s is %s with %lld elements, expected "
                                "float32 with %lld (normalized_shape)",
                                k == 0 ? "weight" : "bias", pt2c_dtype_name(t->dtype),
                                (long long)t->numel, (long long)M);
    }
    PT2C_TRY(pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes));
    if (pt2c_op_n_out(ctx) > 1) {
        /* mean and rstd keep the leading dims and have size 1 in the normalized ones. */
        int64_t sizes[PT2C_MAX_RANK];
        for (int32_t d = 0; d < x->rank; d++)
            sizes[d] = d < x->rank - D ? x->sizes[d] : 1;
        for (int32_t o = 1; o < pt2c_op_n_out(ctx) && o < 3; o++)
            PT2C_TRY(pt2c_op_set_out(ctx, o, x->dtype, x->rank, sizes));
    }
    return PT2C_OK;
}

void pt2c_k_layer_norm(const pt2c_kernel_args *args, int ith, int nth) {
    const ln_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    const float *w = p->weight >= 0 ? args->in[p->weight]->data : NULL;
    const float *b = p->bias >= 0 ? args->in[p->bias]->data : NULL;
    float *mean_out = args->n_out > 1 && args->out[1] ? args->out[1]->data : NULL;
    float *rstd_out = args->n_out > 2 && args->out[2] ? args->out[2]->data : NULL;
    int64_t M = 1;
    for (int32_t i = 0; i < p->shape.n; i++)
        M *= x->sizes[x->rank - 1 - i];
    int64_t rows = M ? x->numel / M : 0;
    int64_t begin, end;
    pt2c_split_range(rows, ith, nth, &begin, &end);
    for (int64_t r = begin; r < end; r++) {
        const float *xr = (const float *)x->data + r * M;
        float *yr = (float *)out->data + r * M;
        /* The CPU table's row: 16-lane float sums, two passes (cpu.h norm_row). */
        float mean, rstd;
        args->cpu->norm_row(xr, yr, M, w, b, (float)p->eps, p->kind != ROW_LAYER, &mean, &rstd);
        if (mean_out)
            mean_out[r] = mean;
        if (rstd_out)
            rstd_out[r] = rstd;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Group norm                                                                               */
/*
 *   group_norm(input[N, C, *], num_groups, weight[C]?, bias[C]?, eps=1e-5) -> out
 *   native_group_norm(input, weight?, bias?, N, C, HxW, group, eps)
 *       -> (out, mean[N, group], rstd[N, group])
 * Channels split into `group` consecutive blocks of C/group; statistics over the block's
 * (C/group) * HxW elements (biased variance); then out = (x - mean) * rstd * w[c] + b[c].
 */

typedef struct gn_params {
    int64_t groups;
    int32_t weight, bias;
    double eps;
} gn_params;

static pt2c_status parse_gn(pt2c_op_ctx *ctx, void **params, bool native) {
    gn_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "input", NULL));
    PT2C_TRY(pt2c_op_input_optional(ctx, "weight", &p->weight));
    PT2C_TRY(pt2c_op_input_optional(ctx, "bias", &p->bias));
    pt2c_iarg g;
    const char *gname = native ? "group" : "num_groups";
    if (!pt2c_op_arg(ctx, gname))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': missing", gname);
    PT2C_TRY(pt2c_op_int(ctx, gname, 1, &g));
    if (g.slot >= 0)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "argument '%s': symbolic groups", gname);
    p->groups = g.value;
    /* N, C, HxW of native_group_norm restate the input's shape; the shape function checks
     * the input instead of trusting them. */
    if (native && !pt2c_op_arg(ctx, "eps"))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'eps': missing");
    PT2C_TRY(pt2c_op_float(ctx, "eps", 1e-5, &p->eps));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_group_norm(pt2c_op_ctx *ctx, void **params) {
    return parse_gn(ctx, params, false);
}

pt2c_status pt2c_parse_native_group_norm(pt2c_op_ctx *ctx, void **params) {
    return parse_gn(ctx, params, true);
}

pt2c_status pt2c_shape_group_norm(pt2c_op_ctx *ctx, void *params) {
    const gn_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (x->dtype != PT2C_DTYPE_F32 || x->rank < 2)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: input must be float32 with at least 2 dims (got %s, rank %d)",
                            pt2c_dtype_name(x->dtype), (int)x->rank);
    int64_t C = x->sizes[1];
    if (p->groups < 1 || C % p->groups != 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: %lld channels cannot be split into %lld groups", (long long)C,
                            (long long)p->groups);
    int32_t idx[2] = {p->weight, p->bias};
    for (int32_t k = 0; k < 2; k++) {
        if (idx[k] < 0)
            continue;
        const pt2c_ktensor *t = pt2c_op_in(ctx, idx[k]);
        if (t->dtype != PT2C_DTYPE_F32 || t->numel != C)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: %s has %lld elements, expected %lld (channels)",
                                k == 0 ? "weight" : "bias", (long long)t->numel, (long long)C);
    }
    PT2C_TRY(pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes));
    int64_t stat[2] = {x->sizes[0], p->groups};
    for (int32_t o = 1; o < pt2c_op_n_out(ctx) && o < 3; o++)
        PT2C_TRY(pt2c_op_set_out(ctx, o, x->dtype, 2, stat));
    return PT2C_OK;
}

void pt2c_k_group_norm(const pt2c_kernel_args *args, int ith, int nth) {
    const gn_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    const float *w = p->weight >= 0 ? args->in[p->weight]->data : NULL;
    const float *b = p->bias >= 0 ? args->in[p->bias]->data : NULL;
    float *mean_out = args->n_out > 1 && args->out[1] ? args->out[1]->data : NULL;
    float *rstd_out = args->n_out > 2 && args->out[2] ? args->out[2]->data : NULL;
    int64_t N = x->sizes[0], C = x->sizes[1], HW = 1;
    for (int32_t d = 2; d < x->rank; d++)
        HW *= x->sizes[d];
    int64_t Cg = C / p->groups, M = Cg * HW;
    int64_t begin, end;
    pt2c_split_range(N * p->groups, ith, nth, &begin, &end);
    for (int64_t r = begin; r < end; r++) {
        const float *xr = (const float *)x->data + r * M;
        float *yr = (float *)out->data + r * M;
        double mean = 0.0, ss = 0.0;
        for (int64_t i = 0; i < M; i++)
            mean += (double)xr[i];
        mean = M ? mean / (double)M : 0.0;
        for (int64_t i = 0; i < M; i++) {
            double d = (double)xr[i] - mean;
            ss += d * d;
        }
        double rstd = 1.0 / sqrt((M ? ss / (double)M : 0.0) + p->eps);
        int64_t c0 = (r % p->groups) * Cg;
        for (int64_t c = 0; c < Cg; c++) {
            double a = rstd * (w ? (double)w[c0 + c] : 1.0);
            double shift = b ? (double)b[c0 + c] : 0.0;
            for (int64_t i = 0; i < HW; i++)
                yr[c * HW + i] = (float)(((double)xr[c * HW + i] - mean) * a + shift);
        }
        if (mean_out)
            mean_out[r] = (float)mean;
        if (rstd_out)
            rstd_out[r] = (float)rstd;
    }
    (void)N;
}

/* ---------------------------------------------------------------------------------------- */
/* Batch statistics, instance norm                                                          */
/*
 *   _native_batch_norm_legit.no_stats(input[N, C, *], weight?, bias?, training=True,
 *       momentum, eps) -> (out, save_mean[C], save_invstd[C])
 *   statistics of each channel over N and the trailing dims (biased variance):
 *   out = (x - mean[c]) * invstd[c] * w[c] + b[c]. This is how the core dialect spells
 *   InstanceNorm (the input viewed as [1, N*C, *]); it draws no random numbers.
 *   instance_norm(input, weight?, bias?, running_mean?, running_var?, use_input_stats,
 *       momentum, eps, cudnn_enabled) -> out
 *   use_input_stats: statistics per (n, c) over the trailing dims (group norm with one
 *   channel per group); otherwise the running statistics, as batch norm in eval mode.
 */

typedef struct bn_stats_params {
    int32_t weight, bias;
    double eps;
} bn_stats_params;

pt2c_status pt2c_parse_batch_norm_no_stats(pt2c_op_ctx *ctx, void **params) {
    bn_stats_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "input", NULL));
    PT2C_TRY(pt2c_op_input_optional(ctx, "weight", &p->weight));
    PT2C_TRY(pt2c_op_input_optional(ctx, "bias", &p->bias));
    bool training;
    if (!pt2c_op_arg(ctx, "training") || !pt2c_op_arg(ctx, "eps"))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "arguments 'training' and 'eps' are required");
    PT2C_TRY(pt2c_op_bool(ctx, "training", true, &training));
    if (!training)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "argument 'training': False without running statistics (PyTorch "
                            "rejects this)");
    PT2C_TRY(pt2c_op_float(ctx, "eps", 1e-5, &p->eps));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_batch_norm_no_stats(pt2c_op_ctx *ctx, void *params) {
    const bn_stats_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (x->rank < 2 || x->dtype != PT2C_DTYPE_F32)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: input must be float32 with at least 2 dims (got %s, rank %d)",
                            pt2c_dtype_name(x->dtype), (int)x->rank);
    int32_t idx[2] = {p->weight, p->bias};
    for (int32_t k = 0; k < 2; k++) {
        if (idx[k] < 0)
            continue;
        const pt2c_ktensor *t = pt2c_op_in(ctx, idx[k]);
        if (t->dtype != PT2C_DTYPE_F32 || t->numel != x->sizes[1])
            return pt2c_op_fail(
                ctx, PT2C_ERR_SHAPE, "shape: %s has %lld elements, expected %lld (channels)",
                k == 0 ? "weight" : "bias", (long long)t->numel, (long long)x->sizes[1]);
    }
    PT2C_TRY(pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes));
    for (int32_t o = 1; o < pt2c_op_n_out(ctx) && o < 3; o++)
        PT2C_TRY(pt2c_op_set_out(ctx, o, x->dtype, 1, &x->sizes[1]));
    return PT2C_OK;
}

void pt2c_k_batch_norm_no_stats(const pt2c_kernel_args *args, int ith, int nth) {
    const bn_stats_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    const float *w = p->weight >= 0 ? args->in[p->weight]->data : NULL;
    const float *b = p->bias >= 0 ? args->in[p->bias]->data : NULL;
    float *mean_out = args->n_out > 1 && args->out[1] ? args->out[1]->data : NULL;
    float *rstd_out = args->n_out > 2 && args->out[2] ? args->out[2]->data : NULL;
    int64_t N = x->sizes[0], C = x->sizes[1], HW = 1;
    for (int32_t d = 2; d < x->rank; d++)
        HW *= x->sizes[d];
    const float *xd = x->data;
    float *yd = args->out[0]->data;
    int64_t M = N * HW;
    int64_t begin, end;
    pt2c_split_range(C, ith, nth, &begin, &end);
    for (int64_t c = begin; c < end; c++) {
        double mean = 0.0, ss = 0.0;
        for (int64_t n = 0; n < N; n++)
            for (int64_t i = 0; i < HW; i++)
                mean += (double)xd[(n * C + c) * HW + i];
        mean = M ? mean / (double)M : 0.0;
        for (int64_t n = 0; n < N; n++)
            for (int64_t i = 0; i < HW; i++) {
                double d = (double)xd[(n * C + c) * HW + i] - mean;
                ss += d * d;
            }
        double rstd = 1.0 / sqrt((M ? ss / (double)M : 0.0) + p->eps);
        double a = rstd * (w ? (double)w[c] : 1.0), shift = b ? (double)b[c] : 0.0;
        for (int64_t n = 0; n < N; n++)
            for (int64_t i = 0; i < HW; i++) {
                int64_t at = (n * C + c) * HW + i;
                yd[at] = (float)(((double)xd[at] - mean) * a + shift);
            }
        if (mean_out)
            mean_out[c] = (float)mean;
        if (rstd_out)
            rstd_out[c] = (float)rstd;
    }
}

typedef struct instance_params {
    bool input_stats; /* use_input_stats: per-instance statistics (gn), else running (bn) */
    gn_params gn;
    bn_params bn;
} instance_params;

pt2c_status pt2c_parse_instance_norm(pt2c_op_ctx *ctx, void **params) {
    instance_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "input", NULL));
    PT2C_TRY(pt2c_op_input_optional(ctx, "weight", &p->gn.weight));
    PT2C_TRY(pt2c_op_input_optional(ctx, "bias", &p->gn.bias));
    PT2C_TRY(pt2c_op_input_optional(ctx, "running_mean", &p->bn.mean));
    PT2C_TRY(pt2c_op_input_optional(ctx, "running_var", &p->bn.var));
    if (!pt2c_op_arg(ctx, "use_input_stats") || !pt2c_op_arg(ctx, "eps"))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "arguments 'use_input_stats' and 'eps' are required");
    PT2C_TRY(pt2c_op_bool(ctx, "use_input_stats", true, &p->input_stats));
    PT2C_TRY(pt2c_op_float(ctx, "eps", 1e-5, &p->gn.eps));
    p->bn.weight = p->gn.weight;
    p->bn.bias = p->gn.bias;
    p->bn.eps = p->gn.eps;
    if (!p->input_stats && (p->bn.mean < 0 || p->bn.var < 0))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "argument 'use_input_stats': False needs running_mean and "
                            "running_var");
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_instance_norm(pt2c_op_ctx *ctx, void *params) {
    instance_params *p = params;
    if (!p->input_stats)
        return pt2c_shape_batch_norm(ctx, &p->bn);
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    p->gn.groups = x->rank >= 2 ? x->sizes[1] : 1; /* one channel per group */
    if (p->gn.groups < 1)
        p->gn.groups = 1;
    return pt2c_shape_group_norm(ctx, &p->gn);
}

void pt2c_k_instance_norm(const pt2c_kernel_args *args, int ith, int nth) {
    const instance_params *p = args->params;
    pt2c_kernel_args a = *args;
    a.params = p->input_stats ? (const void *)&p->gn : (const void *)&p->bn;
    if (p->input_stats)
        pt2c_k_group_norm(&a, ith, nth);
    else
        pt2c_k_batch_norm(&a, ith, nth);
}

/* ---------------------------------------------------------------------------------------- */
/* _weight_norm(v, g, dim=0): v * (g / ||v||), the norm taken over every dim but dim (over    */
/* all of v for dim -1), so g and the norms have v's size along dim and 1 elsewhere           */
/* (torch.nn.utils.parametrizations.weight_norm). Sums of squares in double; work split by  */
/* index along dim, each thread writing the elements of its own indices.                    */

typedef struct weight_norm_params {
    pt2c_iarg dim;
    int64_t outer, size, inner; /* v viewed as [outer, size, inner] around dim (size 1: -1) */
} weight_norm_params;

pt2c_status pt2c_parse_weight_norm(pt2c_op_ctx *ctx, void **params) {
    weight_norm_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "v", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "g", NULL));
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_weight_norm(pt2c_op_ctx *ctx, void *params) {
    weight_norm_params *p = params;
    const pt2c_ktensor *v = pt2c_op_in(ctx, 0), *g = pt2c_op_in(ctx, 1);
    if (v->dtype != PT2C_DTYPE_F32 || g->dtype != PT2C_DTYPE_F32)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "shape: v is %s and g %s; only float32 is supported",
                            pt2c_dtype_name(v->dtype), pt2c_dtype_name(g->dtype));
    int64_t dim = pt2c_op_iarg(ctx, &p->dim);
    int32_t d = -1;
    if (dim != -1)
        PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", dim, v->rank, &d));
    p->outer = p->inner = 1;
    p->size = d < 0 ? 1 : v->sizes[d];
    for (int32_t k = 0; k < v->rank; k++) {
        if (d < 0 || k < d)
            p->outer *= v->sizes[k];
        else if (k > d)
            p->inner *= v->sizes[k];
    }
    if (d < 0) { /* one norm over everything */
        p->inner = p->outer;
        p->outer = 1;
    }
    if (g->numel != p->size)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: g has %lld elements, expected %lld (v's size along dim)",
                            (long long)g->numel, (long long)p->size);
    pt2c_op_set_flops(ctx, 3.0 * (double)v->numel);
    return pt2c_op_set_out(ctx, 0, v->dtype, v->rank, v->sizes);
}

void pt2c_k_weight_norm(const pt2c_kernel_args *args, int ith, int nth) {
    const weight_norm_params *p = args->params;
    const float *v = args->in[0]->data, *g = args->in[1]->data;
    float *out = args->out[0]->data;
    int64_t begin, end;
    pt2c_split_range(p->size, ith, nth, &begin, &end);
    for (int64_t j = begin; j < end; j++) {
        double ss = 0.0;
        for (int64_t o = 0; o < p->outer; o++) {
            const float *row = v + (o * p->size + j) * p->inner;
            for (int64_t i = 0; i < p->inner; i++)
                ss += (double)row[i] * (double)row[i];
        }
        float scale = (float)((double)g[j] / sqrt(ss));
        for (int64_t o = 0; o < p->outer; o++) {
            int64_t at = (o * p->size + j) * p->inner;
            for (int64_t i = 0; i < p->inner; i++)
                out[at + i] = v[at + i] * scale;
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Fusion                                                                                   */

bool pt2c_fuse_batch_norm(const pt2c_op_def *op, const void *params, int32_t idx[4], double *eps) {
    if (op->parse != pt2c_parse_batch_norm && op->parse != pt2c_parse_batch_norm_legit)
        return false;
    const bn_params *p = params; /* parse refuses training mode: this is eval */
    idx[0] = p->weight;
    idx[1] = p->bias;
    idx[2] = p->mean;
    idx[3] = p->var;
    *eps = p->eps;
    return true;
}
