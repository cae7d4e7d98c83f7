/*
 * pool.c - pooling (docs: aten-ops.md 4.5, 4.6).
 *
 *   max_pool2d(self[N?, C, H, W], kernel_size, stride=[] (= kernel), padding=0, dilation=1,
 *              ceil_mode=False)                  -> out
 *   max_pool2d_with_indices(same)                -> (out, indices int64: iy * W + ix)
 *   max_pool1d(self[N?, C, L], ...)              the same with H = 1
 *   OH = floor_or_ceil((H + 2p - d(k-1) - 1) / s) + 1; with ceil_mode the last window must
 *   start inside the input or the left padding.
 *   Scanning taps row by row, a value replaces the best when greater or NaN: the first
 *   maximum wins ties and NaN sticks, as in PyTorch.
 *
 *   avg_pool2d(self, kernel_size, stride=[], padding=0, ceil_mode=False,
 *              count_include_pad=True, divisor_override=None)    avg_pool1d: H = 1
 *   Window [h0, h1) with h0 = oy*s - p, h1 = min(h0 + k, H + p); pool_size = (h1-h0)(w1-w0)
 *   before clipping to the input; divisor = divisor_override, else pool_size when
 *   count_include_pad, else the clipped window's size. An empty clipped window gives 0.
 *
 *   _adaptive_avg_pool2d / adaptive_avg_pool2d(self, output_size[2])   adaptive_avg_pool1d
 *   adaptive_max_pool2d(self, output_size[2]) -> (out, indices)
 *   Output i of O from an input of size I covers [floor(i*I/O), ceil((i+1)*I/O)).
 *
 * float32. Sums are accumulated in double in the order PyTorch uses (row by row). Work is
 * split by output element.
 */
#include "ops/op_decls.h"
#include "ops/plane.h"

#include <math.h>

typedef enum pool_kind { POOL_MAX, POOL_AVG, POOL_ADAPTIVE_AVG, POOL_ADAPTIVE_MAX } pool_kind;

typedef struct pool_params {
    pool_kind kind;
    int32_t n_spatial; /* 1 or 2 */
    pt2c_iarg_list kernel, stride, padding, dilation;
    pt2c_iarg_list output_size; /* adaptive */
    bool ceil_mode;
    bool count_include_pad;
    bool has_divisor;
    int64_t divisor;
    int64_t k[2], s[2], p[2], d[2]; /* resolved per shape, 2-D form (index 0 = H, 1 = W) */
    /* Max pooling on the CPU table (cpu->max_pool): each plane padded with -inf into the
     * thread's scratch (plane.h); when the window has at most 64 taps and the plane fits. */
    bool vector_max;
    pt2c_plane_layout lay;
} pool_params;

static pool_params *new_params(pt2c_op_ctx *ctx, pool_kind kind, int32_t n_spatial) {
    pool_params *p = pt2c_op_params(ctx, sizeof *p);
    if (p) {
        p->kind = kind;
        p->n_spatial = n_spatial;
    }
    return p;
}

static pt2c_status parse_window(pt2c_op_ctx *ctx, pool_params *p, bool dilation) {
    static const int64_t zero[1] = {0}, one[1] = {1};
    int32_t ns = p->n_spatial;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_ints(ctx, "kernel_size", NULL, 0, ns, &p->kernel));
    if (!p->kernel.present)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'kernel_size': missing");
    PT2C_TRY(pt2c_op_ints(ctx, "stride", NULL, 0, ns, &p->stride));
    PT2C_TRY(pt2c_op_ints(ctx, "padding", zero, 1, ns, &p->padding));
    if (dilation)
        PT2C_TRY(pt2c_op_ints(ctx, "dilation", one, 1, ns, &p->dilation));
    else
        PT2C_TRY(pt2c_op_ints(ctx, "(no dilation)", one, 1, ns, &p->dilation));
    PT2C_TRY(pt2c_op_bool(ctx, "ceil_mode", false, &p->ceil_mode));
    return PT2C_OK;
}

static pt2c_status parse_max(pt2c_op_ctx *ctx, void **params, int32_t n_spatial) {
    pool_params *p = new_params(ctx, POOL_MAX, n_spatial);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(parse_window(ctx, p, true));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_max_pool2d(pt2c_op_ctx *ctx, void **params) {
    return parse_max(ctx, params, 2);
}

pt2c_status pt2c_parse_max_pool1d(pt2c_op_ctx *ctx, void **params) {
    return parse_max(ctx, params, 1);
}

static pt2c_status parse_avg(pt2c_op_ctx *ctx, void **params, int32_t n_spatial) {
    pool_params *p = new_params(ctx, POOL_AVG, n_spatial);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(parse_window(ctx, p, false));
    PT2C_TRY(pt2c_op_bool(ctx, "count_include_pad", true, &p->count_include_pad));
    pt2c_iarg div;
    /* avg_pool1d has no divisor_override: the argument is simply absent. */
    PT2C_TRY(pt2c_op_optional_int(ctx, "divisor_override", &p->has_divisor, &div));
    if (p->has_divisor) {
        if (div.slot >= 0 || div.value == 0)
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                                "argument 'divisor_override': expected a non-zero int literal");
        p->divisor = div.value;
    }
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_avg_pool2d(pt2c_op_ctx *ctx, void **params) {
    return parse_avg(ctx, params, 2);
}

pt2c_status pt2c_parse_avg_pool1d(pt2c_op_ctx *ctx, void **params) {
    return parse_avg(ctx, params, 1);
}

static pt2c_status parse_adaptive(pt2c_op_ctx *ctx, void **params, pool_kind kind,
                                  int32_t n_spatial) {
    pool_params *p = new_params(ctx, kind, n_spatial);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_ints(ctx, "output_size", NULL, 0, n_spatial, &p->output_size));
    if (!p->output_size.present)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'output_size': missing");
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_adaptive_avg_pool2d(pt2c_op_ctx *ctx, void **params) {
    return parse_adaptive(ctx, params, POOL_ADAPTIVE_AVG, 2);
}

pt2c_status pt2c_parse_adaptive_avg_pool1d(pt2c_op_ctx *ctx, void **params) {
    return parse_adaptive(ctx, params, POOL_ADAPTIVE_AVG, 1);
}

pt2c_status pt2c_parse_adaptive_max_pool2d(pt2c_op_ctx *ctx, void **params) {
    return parse_adaptive(ctx, params, POOL_ADAPTIVE_MAX, 2);
}

static int64_t pooled_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil) {
    int64_t span = in + 2 * p - d * (k - 1) - 1;
    int64_t out = (ceil ? (span + s - 1) / s : span / s) + 1;
    if (ceil && (out - 1) * s >= in + p)
        out--;
    return out;
}

static int64_t list_at(pt2c_op_ctx *ctx, const pt2c_iarg_list *l, int32_t i) {
    return pt2c_op_iarg(ctx, &l->items[l->n == 1 ? 0 : i]);
}

/* Output sizes of a windowed pool; fills p->k/s/p/d in the 2-D form. */
static pt2c_status window_sizes(pt2c_op_ctx *ctx, pool_params *p, const pt2c_ktensor *x,
                                int64_t *out_hw) {
    int32_t ns = p->n_spatial;
    const pt2c_iarg_list *lists[4] = {&p->kernel, &p->stride, &p->padding, &p->dilation};
    static const char *const names[4] = {"kernel_size", "stride", "padding", "dilation"};
    for (int32_t l = 0; l < 4; l++)
        if (lists[l]->present && lists[l]->n != 0 && lists[l]->n != 1 && lists[l]->n != ns)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s has %d entries, expected 1 or %d",
                                names[l], (int)lists[l]->n, (int)ns);
    if (p->kernel.n == 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: kernel_size is empty");
    p->k[0] = p->s[0] = p->d[0] = 1;
    p->p[0] = 0;
    out_hw[0] = 1;
    for (int32_t i = 0; i < ns; i++) {
        int32_t j = ns == 1 ? 1 : i;
        p->k[j] = list_at(ctx, &p->kernel, i);
        bool has_stride = p->stride.present && p->stride.n > 0;
        p->s[j] = has_stride ? list_at(ctx, &p->stride, i) : p->k[j];
        p->p[j] = list_at(ctx, &p->padding, i);
        p->d[j] = list_at(ctx, &p->dilation, i);
        if (p->k[j] < 1 || p->s[j] < 1 || p->d[j] < 1 || p->p[j] < 0 || p->p[j] * 2 > p->k[j])
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: invalid pooling window (kernel %lld, stride %lld, padding "
                                "%lld, dilation %lld; padding must be at most half the kernel)",
                                (long long)p->k[j], (long long)p->s[j], (long long)p->p[j],
                                (long long)p->d[j]);
        int64_t in = x->sizes[x->rank - ns + i];
        int64_t o = pooled_size(in, p->k[j], p->s[j], p->p[j], p->d[j], p->ceil_mode);
        if (o < 1)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: input size %lld is too small for the window",
                                (long long)in);
        out_hw[j] = o;
    }
    return PT2C_OK;
}

static pt2c_status adaptive_sizes(pt2c_op_ctx *ctx, pool_params *p, const pt2c_ktensor *x,
                                  int64_t *out_hw) {
    int32_t ns = p->n_spatial;
    if (p->output_size.n != ns && p->output_size.n != 1)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: output_size has %d entries, expected %d",
                            (int)p->output_size.n, (int)ns);
    out_hw[0] = 1;
    for (int32_t i = 0; i < ns; i++) {
        int32_t j = ns == 1 ? 1 : i;
        out_hw[j] = list_at(ctx, &p->output_size, i);
        int64_t in = x->sizes[x->rank - ns + i];
        if (out_hw[j] < 0 || (out_hw[j] == 0 && in != 0) || (in == 0 && out_hw[j] != 0))
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: output_size %lld is invalid for input size %lld",
                                (long long)out_hw[j], (long long)in);
    }
    return PT2C_OK;
}

pt2c_status pt2c_shape_pool(pt2c_op_ctx *ctx, void *params) {
    pool_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    int32_t ns = p->n_spatial;
    if (x->rank != ns + 1 && x->rank != ns + 2)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: input has %d dims, expected %d or %d",
                            (int)x->rank, (int)(ns + 1), (int)(ns + 2));
    if (x->dtype != PT2C_DTYPE_F32)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "shape: input is %s; only float32 is supported",
                            pt2c_dtype_name(x->dtype));
    int64_t hw[2];
    if (p->kind == POOL_MAX || p->kind == POOL_AVG)
        PT2C_TRY(window_sizes(ctx, p, x, hw));
    else
        PT2C_TRY(adaptive_sizes(ctx, p, x, hw));
    int64_t sizes[4];
    int32_t r = 0;
    for (int32_t d = 0; d < x->rank - ns; d++)
        sizes[r++] = x->sizes[d];
    for (int32_t i = 2 - ns; i < 2; i++)
        sizes[r++] = hw[i];
    PT2C_TRY(pt2c_op_set_out(ctx, 0, x->dtype, r, sizes));
    if (pt2c_op_n_out(ctx) > 1)
        PT2C_TRY(pt2c_op_set_out(ctx, 1, PT2C_DTYPE_I64, r, sizes));
    p->vector_max = false;
    if (p->kind == POOL_MAX && pt2c_op_n_out(ctx) == 1 && p->k[0] * p->k[1] <= 64) {
        p->lay = pt2c_plane_layout_for(hw[0], hw[1], p->k[0], p->k[1], p->s[0], p->s[1], p->d[0],
                                       p->d[1]);
        p->vector_max = p->s[1] * p->lay.Hp * p->lay.Wph <= (4 << 20);
    }
    return PT2C_OK;
}

size_t pt2c_scratch_pool(pt2c_op_ctx *ctx, const void *params) {
    (void)ctx;
    const pool_params *p = params;
    return p->vector_max ? sizeof(float) * (size_t)(p->s[1] * p->lay.Hp * p->lay.Wph) : 0;
}

/* The row in list_core.h predates the other pools. */
pt2c_status pt2c_shape_max_pool2d(pt2c_op_ctx *ctx, void *params) {
    return pt2c_shape_pool(ctx, params);
}

/* The shared geometry of a kernel call, in the 2-D form. */
typedef struct pool_geom {
    int64_t H, W, OH, OW;
} pool_geom;

static pool_geom geom(const pool_params *p, const pt2c_ktensor *x, const pt2c_ktensor *out) {
    pool_geom g;
    g.H = p->n_spatial == 2 ? x->sizes[x->rank - 2] : 1;
    g.W = x->sizes[x->rank - 1];
    g.OH = p->n_spatial == 2 ? out->sizes[out->rank - 2] : 1;
    g.OW = out->sizes[out->rank - 1];
    return g;
}

void pt2c_k_max_pool2d(const pt2c_kernel_args *args, int ith, int nth) {
    const pool_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    pt2c_ktensor *idx = args->n_out > 1 ? args->out[1] : NULL;
    pool_geom g = geom(p, x, out);
    const float *xd = x->data;
    float *od = out->data;
    int64_t *id = idx ? idx->data : NULL;
    int64_t begin, end;
    if (p->vector_max && !idx) { /* whole planes, vectorized along output rows */
        int64_t planes = g.OH * g.OW != 0 ? out->numel / (g.OH * g.OW) : 0;
        pt2c_split_range(planes, ith, nth, &begin, &end);
        for (int64_t u = begin; u < end; u++) {
            pt2c_pad_plane(xd + u * g.H * g.W, g.H, g.W, p->p[0], p->p[1], p->s[1], p->lay,
                           -INFINITY, args->scratch);
            pt2c_dw_plane pl = {.in = args->scratch,
                                .Hp = p->lay.Hp,
                                .Wph = p->lay.Wph,
                                .sy = p->s[0],
                                .sx = p->s[1],
                                .dy = p->d[0],
                                .dx = p->d[1],
                                .KH = p->k[0],
                                .KW = p->k[1],
                                .out = od + u * g.OH * g.OW,
                                .OH = g.OH,
                                .OW = g.OW};
            args->cpu->max_pool(&pl);
        }
        return;
    }
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    for (int64_t i = begin; i < end; i++) {
        int64_t ox = i % g.OW, oy = (i / g.OW) % g.OH, plane = i / (g.OW * g.OH);
        const float *xp = xd + plane * g.H * g.W;
        float best = -INFINITY;
        int64_t best_at = -1;
        for (int64_t ky = 0; ky < p->k[0]; ky++) {
            int64_t iy = oy * p->s[0] - p->p[0] + ky * p->d[0];
            if (iy < 0 || iy >= g.H)
                continue;
            for (int64_t kx = 0; kx < p->k[1]; kx++) {
                int64_t ix = ox * p->s[1] - p->p[1] + kx * p->d[1];
                if (ix < 0 || ix >= g.W)
                    continue;
                float v = xp[iy * g.W + ix];
                if (best_at < 0 || v > best || isnan(v)) {
                    best = v;
                    best_at = iy * g.W + ix;
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

void pt2c_k_avg_pool(const pt2c_kernel_args *args, int ith, int nth) {
    const pool_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    pool_geom g = geom(p, x, out);
    const float *xd = x->data;
    float *od = out->data;
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    for (int64_t i = begin; i < end; i++) {
        int64_t ox = i % g.OW, oy = (i / g.OW) % g.OH, plane = i / (g.OW * g.OH);
        const float *xp = xd + plane * g.H * g.W;
        int64_t h0 = oy * p->s[0] - p->p[0], w0 = ox * p->s[1] - p->p[1];
        int64_t h1 = h0 + p->k[0], w1 = w0 + p->k[1];
        if (h1 > g.H + p->p[0])
            h1 = g.H + p->p[0];
        if (w1 > g.W + p->p[1])
            w1 = g.W + p->p[1];
        int64_t pool_size = (h1 - h0) * (w1 - w0);
        h0 = h0 < 0 ? 0 : h0;
        w0 = w0 < 0 ? 0 : w0;
        h1 = h1 > g.H ? g.H : h1;
        w1 = w1 > g.W ? g.W : w1;
        if (h0 >= h1 || w0 >= w1) {
            od[i] = 0.0f;
            continue;
        }
        double sum = 0.0;
        for (int64_t y = h0; y < h1; y++)
            for (int64_t xx = w0; xx < w1; xx++)
                sum += (double)xp[y * g.W + xx];
        int64_t div = p->has_divisor         ? p->divisor
                      : p->count_include_pad ? pool_size
                                             : (h1 - h0) * (w1 - w0);
        od[i] = (float)(sum / (double)div);
    }
}

/* [start, end) of adaptive output i of o over an input of size n. */
static void adaptive_range(int64_t i, int64_t o, int64_t n, int64_t *start, int64_t *end) {
    *start = (i * n) / o;
    *end = ((i + 1) * n + o - 1) / o;
}

void pt2c_k_adaptive_pool(const pt2c_kernel_args *args, int ith, int nth) {
    const pool_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    pt2c_ktensor *idx = args->n_out > 1 ? args->out[1] : NULL;
    pool_geom g = geom(p, x, out);
    const float *xd = x->data;
    float *od = out->data;
    int64_t *id = idx ? idx->data : NULL;
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    for (int64_t i = begin; i < end; i++) {
        int64_t ox = i % g.OW, oy = (i / g.OW) % g.OH, plane = i / (g.OW * g.OH);
        const float *xp = xd + plane * g.H * g.W;
        int64_t h0, h1, w0, w1;
        adaptive_range(oy, g.OH, g.H, &h0, &h1);
        adaptive_range(ox, g.OW, g.W, &w0, &w1);
        if (p->kind == POOL_ADAPTIVE_AVG) {
            double sum = 0.0;
            for (int64_t y = h0; y < h1; y++)
                for (int64_t xx = w0; xx < w1; xx++)
                    sum += (double)xp[y * g.W + xx];
            od[i] = (float)(sum / (double)((h1 - h0) * (w1 - w0)));
        } else {
            /* PyTorch starts from the window's first tap and replaces on > or NaN. */
            float best = -INFINITY;
            int64_t best_at = h0 * g.W + w0;
            for (int64_t y = h0; y < h1; y++)
                for (int64_t xx = w0; xx < w1; xx++) {
                    float v = xp[y * g.W + xx];
                    if (v > best || isnan(v)) {
                        best = v;
                        best_at = y * g.W + xx;
                        if (isnan(v))
                            goto done;
                    }
                }
        done:
            od[i] = best;
            if (id)
                id[i] = best_at;
        }
    }
}
