/*
 * upsample.c - nearest and (bi)linear resizing (docs: aten-ops.md 4.17).
 *
 *   upsample_nearest2d.vec(input[N, C, H, W], output_size[2]?, scale_factors[2]?)
 *   upsample_nearest2d(self, output_size[2], scales_h?, scales_w?)
 *   _upsample_nearest_exact2d.vec / _upsample_nearest_exact2d     (mode='nearest-exact')
 *   upsample_nearest1d.vec(input[N, C, W], output_size[1]?, scale_factors[1]?)
 *   upsample_bilinear2d.vec(input, output_size?, align_corners, scale_factors?)
 *   upsample_bilinear2d(self, output_size, align_corners, scales_h?, scales_w?)
 *   upsample_linear1d.vec(input, output_size?, align_corners, scale_factors?)
 *   -> out[N, C, OH, OW]; OH = output_size[0], or floor(H * scale_factors[0]).
 *
 * Source coordinates are computed exactly as PyTorch's CPU kernels do, in float:
 *   scale = 1 / scale_factor when a factor was given, else in / out (float division);
 *   nearest: src = out == in ? dst : out == 2*in ? dst >> 1 : min(floor(dst * scale), in-1)
 *   nearest-exact: src = min(floor((dst + 0.5) * scale), in - 1)
 *   linear, align_corners: scale = (in-1)/(out-1) (0 when out == 1), src = scale * dst
 *   linear, otherwise:      src = max(scale * (dst + 0.5) - 0.5, 0)
 *   i0 = min(floor(src), in-1), i1 = i0 + (i0 < in-1), l1 = clamp(src - i0, 0, 1), l0 = 1-l1
 *   out = (x[h0,w0]*lw0 + x[h0,w1]*lw1)*lh0 + (x[h1,w0]*lw0 + x[h1,w1]*lw1)*lh1
 * Matching the float arithmetic matters for nearest: a double-precision floor would pick a
 * different pixel at exact boundaries. Work is split by output element.
 */
#include "ops/op_decls.h"

#include <math.h>

typedef enum up_mode { UP_NEAREST, UP_NEAREST_EXACT, UP_LINEAR } up_mode;

typedef struct up_params {
    up_mode mode;
    int32_t n_spatial; /* 1 or 2 */
    bool align_corners;
    pt2c_iarg_list output_size; /* present=false when None */
    bool has_scale[2];          /* per spatial dim (2-D form: 0 = H, 1 = W) */
    double scale[2];            /* the given scale factors */
} up_params;

/* A float[]? argument (scale_factors) into out[n]; *present false when None/absent. */
static pt2c_status read_floats(pt2c_op_ctx *ctx, const char *name, int32_t n, bool *present,
                               double *out) {
    const pt2c_arg *a = pt2c_op_arg(ctx, name);
    *present = a && a->kind != PT2C_ARG_NONE;
    if (!*present)
        return PT2C_OK;
    if (a->kind != PT2C_ARG_FLOATS || a->n_items != n)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "argument '%s': expected a list of %d floats, found %s with %lld "
                            "items",
                            name, (int)n, pt2c_arg_kind_key(a->kind), (long long)a->n_items);
    for (int32_t i = 0; i < n; i++) {
        const pt2c_arg *it = &a->items[i];
        if (it->kind == PT2C_ARG_FLOAT)
            out[i] = it->f;
        else if (it->kind == PT2C_ARG_INT)
            out[i] = (double)it->i;
        else
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': item %d is %s, not a float",
                                name, (int)i, pt2c_arg_kind_key(it->kind));
    }
    return PT2C_OK;
}

/* The .vec overloads: output_size? and scale_factors?, exactly one given. */
static pt2c_status parse_vec(pt2c_op_ctx *ctx, void **params, up_mode mode, int32_t ns) {
    up_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->mode = mode;
    p->n_spatial = ns;
    PT2C_TRY(pt2c_op_input(ctx, "input", NULL));
    PT2C_TRY(pt2c_op_ints(ctx, "output_size", NULL, 0, 0, &p->output_size));
    if (mode == UP_LINEAR) {
        if (!pt2c_op_arg(ctx, "align_corners"))
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'align_corners': missing");
        PT2C_TRY(pt2c_op_bool(ctx, "align_corners", false, &p->align_corners));
    }
    bool has = false;
    double f[2] = {0.0, 0.0};
    PT2C_TRY(read_floats(ctx, "scale_factors", ns, &has, f));
    if (has == p->output_size.present)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "arguments 'output_size' and 'scale_factors': expected exactly one");
    for (int32_t i = 0; i < ns && has; i++) {
        int32_t j = ns == 1 ? 1 : i;
        if (!(f[i] > 0.0))
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                                "argument 'scale_factors': %g is not positive", f[i]);
        p->has_scale[j] = true;
        p->scale[j] = f[i];
    }
    *params = p;
    return PT2C_OK;
}

/* The legacy overloads: output_size and optional per-dim scales (used for coordinates). */
static pt2c_status parse_sizes(pt2c_op_ctx *ctx, void **params, up_mode mode) {
    up_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->mode = mode;
    p->n_spatial = 2;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_ints(ctx, "output_size", NULL, 0, 0, &p->output_size));
    if (!p->output_size.present)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'output_size': missing");
    if (mode == UP_LINEAR) {
        if (!pt2c_op_arg(ctx, "align_corners"))
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'align_corners': missing");
        PT2C_TRY(pt2c_op_bool(ctx, "align_corners", false, &p->align_corners));
    }
    PT2C_TRY(pt2c_op_optional_float(ctx, "scales_h", &p->has_scale[0], &p->scale[0]));
    PT2C_TRY(pt2c_op_optional_float(ctx, "scales_w", &p->has_scale[1], &p->scale[1]));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_upsample_nearest2d_vec(pt2c_op_ctx *ctx, void **params) {
    return parse_vec(ctx, params, UP_NEAREST, 2);
}
pt2c_status pt2c_parse_upsample_nearest_exact2d_vec(pt2c_op_ctx *ctx, void **params) {
    return parse_vec(ctx, params, UP_NEAREST_EXACT, 2);
}
pt2c_status pt2c_parse_upsample_nearest1d_vec(pt2c_op_ctx *ctx, void **params) {
    return parse_vec(ctx, params, UP_NEAREST, 1);
}
pt2c_status pt2c_parse_upsample_bilinear2d_vec(pt2c_op_ctx *ctx, void **params) {
    return parse_vec(ctx, params, UP_LINEAR, 2);
}
pt2c_status pt2c_parse_upsample_linear1d_vec(pt2c_op_ctx *ctx, void **params) {
    return parse_vec(ctx, params, UP_LINEAR, 1);
}
pt2c_status pt2c_parse_upsample_nearest2d(pt2c_op_ctx *ctx, void **params) {
    return parse_sizes(ctx, params, UP_NEAREST);
}
pt2c_status pt2c_parse_upsample_nearest_exact2d(pt2c_op_ctx *ctx, void **params) {
    return parse_sizes(ctx, params, UP_NEAREST_EXACT);
}
pt2c_status pt2c_parse_upsample_bilinear2d(pt2c_op_ctx *ctx, void **params) {
    return parse_sizes(ctx, params, UP_LINEAR);
}

pt2c_status pt2c_shape_upsample(pt2c_op_ctx *ctx, void *params) {
    const up_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    int32_t ns = p->n_spatial;
    if (x->rank != ns + 2)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: input has %d dims, expected %d",
                            (int)x->rank, (int)(ns + 2));
    if (x->dtype != PT2C_DTYPE_F32)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "shape: input is %s; only float32 is supported",
                            pt2c_dtype_name(x->dtype));
    if (p->output_size.present && p->output_size.n != ns)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: output_size has %d entries, expected %d",
                            (int)p->output_size.n, (int)ns);
    int64_t sizes[4] = {x->sizes[0], x->sizes[1], 0, 0};
    for (int32_t i = 0; i < ns; i++) {
        int32_t j = ns == 1 ? 1 : i;
        int64_t in = x->sizes[2 + i], o;
        if (p->output_size.present)
            o = pt2c_op_iarg(ctx, &p->output_size.items[i]);
        else
            o = (int64_t)floor((double)in * p->scale[j]);
        if (o < 1 || in < 1)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: input size %lld and output size %lld must be positive",
                                (long long)in, (long long)o);
        sizes[2 + i] = o;
    }
    return pt2c_op_set_out(ctx, 0, x->dtype, ns + 2, sizes);
}

/* compute_scales_value<float>: 1/scale_factor when given, else in/out in float. */
static float coord_scale(bool has, double factor, int64_t in, int64_t out) {
    return has && factor > 0.0 ? (float)(1.0 / factor) : (float)in / (float)out;
}

static int64_t nearest_src(up_mode mode, float scale, int64_t dst, int64_t in, int64_t out) {
    int64_t s;
    if (mode == UP_NEAREST) {
        if (out == in)
            return dst;
        if (out == 2 * in)
            return dst >> 1;
        s = (int64_t)floorf((float)dst * scale);
    } else {
        /* (dst + 0.5) is a double in PyTorch; the product is rounded to float by floorf. */
        s = (int64_t)floorf((float)(((double)dst + 0.5) * (double)scale));
    }
    return s < in - 1 ? s : in - 1;
}

/* Linear taps of output index dst: i0, i1 and weights l0, l1. */
static void linear_src(bool align, float scale, int64_t dst, int64_t in, int64_t *i0, int64_t *i1,
                       float *l0, float *l1) {
    float src;
    if (align) {
        src = scale * (float)dst;
    } else {
        src = scale * ((float)dst + 0.5f) - 0.5f;
        if (src < 0.0f)
            src = 0.0f;
    }
    int64_t i = (int64_t)floorf(src);
    if (i > in - 1)
        i = in - 1;
    float lam = src - (float)i;
    lam = lam < 0.0f ? 0.0f : lam > 1.0f ? 1.0f : lam;
    *i0 = i;
    *i1 = i + (i < in - 1 ? 1 : 0);
    *l1 = lam;
    *l0 = 1.0f - lam;
}

static float linear_scale(bool align, bool has, double factor, int64_t in, int64_t out) {
    if (align)
        return out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
    return coord_scale(has, factor, in, out);
}

void pt2c_k_upsample(const pt2c_kernel_args *args, int ith, int nth) {
    const up_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    bool two = p->n_spatial == 2;
    int64_t H = two ? x->sizes[2] : 1, W = x->sizes[x->rank - 1];
    int64_t OH = two ? out->sizes[2] : 1, OW = out->sizes[out->rank - 1];
    const float *xd = x->data;
    float *od = out->data;
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (p->mode != UP_LINEAR) {
        float sh = coord_scale(p->has_scale[0], p->scale[0], H, OH);
        float sw = coord_scale(p->has_scale[1], p->scale[1], W, OW);
        for (int64_t i = begin; i < end; i++) {
            int64_t ox = i % OW, oy = (i / OW) % OH, plane = i / (OW * OH);
            int64_t iy = two ? nearest_src(p->mode, sh, oy, H, OH) : 0;
            int64_t ix = nearest_src(p->mode, sw, ox, W, OW);
            od[i] = xd[(plane * H + iy) * W + ix];
        }
        return;
    }
    float sh = linear_scale(p->align_corners, p->has_scale[0], p->scale[0], H, OH);
    float sw = linear_scale(p->align_corners, p->has_scale[1], p->scale[1], W, OW);
    for (int64_t i = begin; i < end; i++) {
        int64_t ox = i % OW, oy = (i / OW) % OH, plane = i / (OW * OH);
        int64_t x0, x1;
        float lw0, lw1;
        linear_src(p->align_corners, sw, ox, W, &x0, &x1, &lw0, &lw1);
        const float *xp = xd + plane * H * W;
        if (!two) {
            od[i] = xp[x0] * lw0 + xp[x1] * lw1;
            continue;
        }
        int64_t y0, y1;
        float lh0, lh1;
        linear_src(p->align_corners, sh, oy, H, &y0, &y1, &lh0, &lh1);
        float t0 = xp[y0 * W + x0] * lw0 + xp[y0 * W + x1] * lw1;
        float t1 = xp[y1 * W + x0] * lw0 + xp[y1 * W + x1] * lw1;
        od[i] = t0 * lh0 + t1 * lh1;
    }
}
