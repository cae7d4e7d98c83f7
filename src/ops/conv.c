/*
 * conv.c - convolution (docs: aten-ops.md 4.4).
 *
 *   conv2d(input[N, C, H, W], weight[O, C/g, KH, KW], bias[O]?, stride=1, padding=0,
 *          dilation=1, groups=1)                           (padding may be "same"/"valid")
 *   conv1d(...)                                            the same with one spatial dim
 *   convolution(input, weight, bias?, stride, padding, dilation, transposed, output_padding,
 *               groups)
 *   -> out[N, O, OH, OW], OH = (H + 2*pad - dil*(KH-1) - 1) / stride + 1
 *   out[n, o, y, x] = bias[o] + sum_{c<C/g, i, j} in[n, g*C/g + c, y*s - p + i*d, x*s - p + j*d]
 *                                                 * w[o, c, i, j],  g = o / (O/groups)
 *
 * float32, 1 or 2 spatial dims (1-D runs as 2-D with H = 1), non-transposed. Direct loops
 * with double accumulation, split by output element; a faster path comes with benchmarks.
 */
#include "ops/op_decls.h"

#include <string.h>

typedef struct conv_params {
    int32_t bias;      /* input index, -1 if none */
    int32_t n_spatial; /* from the weight's rank at shape time: 1 or 2 */
    pt2c_iarg_list stride, padding, dilation;
    int64_t groups;
    bool same; /* padding="same" */
    /* Resolved per shape, 2-D form (index 0 = H, 1 = W). */
    int64_t s[2], p[2], d[2];
} conv_params;

static pt2c_status parse_common(pt2c_op_ctx *ctx, conv_params *p) {
    PT2C_TRY(pt2c_op_input(ctx, "input", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "weight", NULL));
    PT2C_TRY(pt2c_op_input_optional(ctx, "bias", &p->bias));
    static const int64_t one[1] = {1}, zero[1] = {0};
    PT2C_TRY(pt2c_op_ints(ctx, "stride", one, 1, 0, &p->stride));
    const pt2c_arg *pad = pt2c_op_arg(ctx, "padding");
    if (pad && pad->kind == PT2C_ARG_STRING) {
        if (strcmp(pad->str, "same") == 0)
            p->same = true;
        else if (strcmp(pad->str, "valid") != 0)
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                                "argument 'padding': expected 'same' or 'valid', found '%s'",
                                pad->str);
        PT2C_TRY(pt2c_op_ints(ctx, "(no padding)", zero, 1, 0, &p->padding));
    } else {
        PT2C_TRY(pt2c_op_ints(ctx, "padding", zero, 1, 0, &p->padding));
    }
    PT2C_TRY(pt2c_op_ints(ctx, "dilation", one, 1, 0, &p->dilation));
    pt2c_iarg g;
    PT2C_TRY(pt2c_op_int(ctx, "groups", 1, &g));
    p->groups = g.value;
    if (g.slot >= 0)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "argument 'groups': symbolic groups");
    return PT2C_OK;
}

pt2c_status pt2c_parse_conv2d(pt2c_op_ctx *ctx, void **params) {
    conv_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(parse_common(ctx, p));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_convolution(pt2c_op_ctx *ctx, void **params) {
    conv_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(parse_common(ctx, p));
    bool transposed;
    PT2C_TRY(pt2c_op_bool(ctx, "transposed", false, &transposed));
    if (transposed)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "argument 'transposed': transposed convolution is not supported yet");
    *params = p;
    return PT2C_OK;
}

/* Entry i of a per-spatial-dim list (a single entry applies to every dim). */
static int64_t list_at(pt2c_op_ctx *ctx, const pt2c_iarg_list *l, int32_t i) {
    return pt2c_op_iarg(ctx, &l->items[l->n == 1 ? 0 : i]);
}

pt2c_status pt2c_shape_conv(pt2c_op_ctx *ctx, void *params) {
    conv_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0), *w = pt2c_op_in(ctx, 1);
    if (x->dtype != PT2C_DTYPE_F32 || w->dtype != PT2C_DTYPE_F32)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "shape: input %s and weight %s; only float32 is supported",
                            pt2c_dtype_name(x->dtype), pt2c_dtype_name(w->dtype));
    int32_t ns = w->rank - 2;
    if (ns < 1 || ns > 2)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "shape: weight has %d dims; 1-D and 2-D convolutions are supported",
                            (int)w->rank);
    bool batched = x->rank == ns + 2;
    if (!batched && x->rank != ns + 1)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: input has %d dims, expected %d or %d",
                            (int)x->rank, (int)(ns + 1), (int)(ns + 2));
    p->n_spatial = ns;
    int64_t C = x->sizes[batched ? 1 : 0];
    if (p->groups < 1 || C % p->groups != 0 || w->sizes[0] % p->groups != 0 ||
        w->sizes[1] * p->groups != C)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: input has %lld channels, weight expects %lld x %lld groups",
                            (long long)C, (long long)w->sizes[1], (long long)p->groups);
    const pt2c_iarg_list *lists[3] = {&p->stride, &p->padding, &p->dilation};
    for (int32_t k = 0; k < 3; k++)
        if (lists[k]->n != 1 && lists[k]->n != ns)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s has %d entries for %d spatial dims",
                                k == 0   ? "stride"
                                : k == 1 ? "padding"
                                         : "dilation",
                                (int)lists[k]->n, (int)ns);
    int64_t out_sizes[PT2C_MAX_RANK];
    int32_t r = 0;
    if (batched)
        out_sizes[r++] = x->sizes[0];
    out_sizes[r++] = w->sizes[0];
    /* 2-D form: a 1-D conv has H = 1, kernel height 1. */
    p->s[0] = p->d[0] = 1;
    p->p[0] = 0;
    for (int32_t i = 0; i < ns; i++) {
        int32_t j = ns == 1 ? 1 : i;
        p->s[j] = list_at(ctx, &p->stride, i);
        p->d[j] = list_at(ctx, &p->dilation, i);
        p->p[j] = list_at(ctx, &p->padding, i);
        int64_t in = x->sizes[x->rank - ns + i], k = w->sizes[2 + i];
        if (p->s[j] < 1 || p->d[j] < 1 || p->p[j] < 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: invalid stride/dilation/padding");
        if (p->same) {
            int64_t total = p->d[j] * (k - 1);
            if (total % 2 != 0)
                return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                                    "shape: padding='same' with uneven padding is not supported");
            p->p[j] = total / 2;
        }
        int64_t span = p->d[j] * (k - 1) + 1;
        if (in + 2 * p->p[j] < span)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: input size %lld (padded %lld) is smaller than the kernel "
                                "extent %lld",
                                (long long)in, (long long)(in + 2 * p->p[j]), (long long)span);
        out_sizes[r++] = (in + 2 * p->p[j] - span) / p->s[j] + 1;
    }
    if (p->bias >= 0) {
        const pt2c_ktensor *b = pt2c_op_in(ctx, p->bias);
        if (b->dtype != PT2C_DTYPE_F32 || b->numel != w->sizes[0])
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: bias has %lld elements, expected %lld",
                                (long long)b->numel, (long long)w->sizes[0]);
    }
    return pt2c_op_set_out(ctx, 0, PT2C_DTYPE_F32, r, out_sizes);
}

void pt2c_k_conv(const pt2c_kernel_args *args, int ith, int nth) {
    const conv_params *p = args->params;
    const pt2c_ktensor *x = args->in[0], *w = args->in[1];
    const float *bias = p->bias >= 0 ? args->in[p->bias]->data : NULL;
    pt2c_ktensor *out = args->out[0];
    int32_t ns = p->n_spatial;
    int64_t H = ns == 2 ? x->sizes[x->rank - 2] : 1, W = x->sizes[x->rank - 1];
    int64_t C = x->sizes[x->rank - ns - 1];
    int64_t O = w->sizes[0], Cg = w->sizes[1];
    int64_t KH = ns == 2 ? w->sizes[2] : 1, KW = w->sizes[w->rank - 1];
    int64_t OH = ns == 2 ? out->sizes[out->rank - 2] : 1, OW = out->sizes[out->rank - 1];
    int64_t Og = O / p->groups;
    const float *xd = x->data, *wd = w->data;
    float *od = out->data;
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    for (int64_t i = begin; i < end; i++) {
        int64_t ox = i % OW, t = i / OW;
        int64_t oy = t % OH;
        t /= OH;
        int64_t o = t % O, n = t / O;
        int64_t g = o / Og;
        double acc = bias ? (double)bias[o] : 0.0;
        for (int64_t c = 0; c < Cg; c++) {
            const float *xp = xd + ((n * C) + g * Cg + c) * H * W;
            const float *wp = wd + (o * Cg + c) * KH * KW;
            for (int64_t ky = 0; ky < KH; ky++) {
                int64_t iy = oy * p->s[0] - p->p[0] + ky * p->d[0];
                if (iy < 0 || iy >= H)
                    continue;
                for (int64_t kx = 0; kx < KW; kx++) {
                    int64_t ix = ox * p->s[1] - p->p[1] + kx * p->d[1];
                    if (ix < 0 || ix >= W)
                        continue;
                    acc += (double)xp[iy * W + ix] * (double)wp[ky * KW + kx];
                }
            }
        }
        od[i] = (float)acc;
    }
}
