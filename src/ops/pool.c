/*
 * pool.c - pooling (docs: aten-ops.md 4.5).
 *
 *   max_pool2d(self[N?, C, H, W], kernel_size, stride=[] (= kernel), padding=0, dilation=1,
 *              ceil_mode=False)                  -> out
 *   max_pool2d_with_indices(same)                -> (out, indices int64: iy * W + ix)
 *   OH = floor_or_ceil((H + 2p - d(k-1) - 1) / s) + 1; with ceil_mode the last window must
 *   start inside the input or the left padding.
 *   Scanning taps row by row, a value replaces the best when greater or NaN: the first
 *   maximum wins ties and NaN sticks, as in PyTorch.
 */
#include "ops/op_decls.h"

#include <math.h>

typedef struct pool_params {
    pt2c_iarg_list kernel, stride, padding, dilation;
    bool ceil_mode;
    int64_t k[2], s[2], p[2], d[2]; /* resolved per shape */
} pool_params;

pt2c_status pt2c_parse_max_pool2d(pt2c_op_ctx *ctx, void **params) {
    pool_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    static const int64_t zero[1] = {0}, one[1] = {1};
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_ints(ctx, "kernel_size", NULL, 0, 2, &p->kernel));
    if (!p->kernel.present)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'kernel_size': missing");
    PT2C_TRY(pt2c_op_ints(ctx, "stride", NULL, 0, 2, &p->stride));
    PT2C_TRY(pt2c_op_ints(ctx, "padding", zero, 1, 2, &p->padding));
    PT2C_TRY(pt2c_op_ints(ctx, "dilation", one, 1, 2, &p->dilation));
    PT2C_TRY(pt2c_op_bool(ctx, "ceil_mode", false, &p->ceil_mode));
    *params = p;
    return PT2C_OK;
}

static int64_t pooled_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil) {
    int64_t span = in + 2 * p - d * (k - 1) - 1;
    int64_t out = (ceil ? (span + s - 1) / s : span / s) + 1;
    if (ceil && (out - 1) * s >= in + p)
        out--;
    return out;
}

pt2c_status pt2c_shape_max_pool2d(pt2c_op_ctx *ctx, void *params) {
    pool_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (x->rank != 3 && x->rank != 4)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: input has %d dims, expected 3 or 4",
                            (int)x->rank);
    if (!(x->dtype == PT2C_DTYPE_F32))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "shape: input is %s; only float32 is supported",
                            pt2c_dtype_name(x->dtype));
    const pt2c_iarg_list *lists[4] = {&p->kernel, &p->stride, &p->padding, &p->dilation};
    for (int32_t l = 0; l < 4; l++)
        if (lists[l]->present && lists[l]->n != 0 && lists[l]->n != 1 && lists[l]->n != 2)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: pooling lists need 1 or 2 entries");
    int64_t sizes[4];
    int32_t r = 0;
    for (int32_t d = 0; d < x->rank - 2; d++)
        sizes[r++] = x->sizes[d];
    for (int32_t i = 0; i < 2; i++) {
        p->k[i] = pt2c_op_iarg(ctx, &p->kernel.items[p->kernel.n == 1 ? 0 : i]);
        bool has_stride = p->stride.present && p->stride.n > 0;
        p->s[i] =
            has_stride ? pt2c_op_iarg(ctx, &p->stride.items[p->stride.n == 1 ? 0 : i]) : p->k[i];
        p->p[i] = pt2c_op_iarg(ctx, &p->padding.items[p->padding.n == 1 ? 0 : i]);
        p->d[i] = pt2c_op_iarg(ctx, &p->dilation.items[p->dilation.n == 1 ? 0 : i]);
        if (p->k[i] < 1 || p->s[i] < 1 || p->d[i] < 1 || p->p[i] < 0 || p->p[i] * 2 > p->k[i])
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: invalid pooling window (kernel %lld, stride %lld, padding "
                                "%lld, dilation %lld)",
                                (long long)p->k[i], (long long)p->s[i], (long long)p->p[i],
                                (long long)p->d[i]);
        int64_t in = x->sizes[x->rank - 2 + i];
        int64_t o = pooled_size(in, p->k[i], p->s[i], p->p[i], p->d[i], p->ceil_mode);
        if (o < 1)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: input size %lld is too small for the window",
                                (long long)in);
        sizes[r++] = o;
    }
    PT2C_TRY(pt2c_op_set_out(ctx, 0, x->dtype, r, sizes));
    if (pt2c_op_n_out(ctx) > 1)
        PT2C_TRY(pt2c_op_set_out(ctx, 1, PT2C_DTYPE_I64, r, sizes));
    return PT2C_OK;
}

void pt2c_k_max_pool2d(const pt2c_kernel_args *args, int ith, int nth) {
    const pool_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    pt2c_ktensor *idx = args->n_out > 1 ? args->out[1] : NULL;
    int64_t H = x->sizes[x->rank - 2], W = x->sizes[x->rank - 1];
    int64_t OH = out->sizes[out->rank - 2], OW = out->sizes[out->rank - 1];
    const float *xd = x->data;
    float *od = out->data;
    int64_t *id = idx ? idx->data : NULL;
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    for (int64_t i = begin; i < end; i++) {
        int64_t ox = i % OW, oy = (i / OW) % OH, plane = i / (OW * OH);
        const float *xp = xd + plane * H * W;
        float best = -INFINITY;
        int64_t best_at = -1;
        for (int64_t ky = 0; ky < p->k[0]; ky++) {
            int64_t iy = oy * p->s[0] - p->p[0] + ky * p->d[0];
            if (iy < 0 || iy >= H)
                continue;
            for (int64_t kx = 0; kx < p->k[1]; kx++) {
                int64_t ix = ox * p->s[1] - p->p[1] + kx * p->d[1];
                if (ix < 0 || ix >= W)
                    continue;
                float v = xp[iy * W + ix];
                if (best_at < 0 || v > best || isnan(v)) {
                    best = v;
                    best_at = iy * W + ix;
                    if (isnan(v))
                        goto done;
                }
            }
        }
    done:
        od[i] = best;
        if (id)
            id[i] = best_at;
    }
}
