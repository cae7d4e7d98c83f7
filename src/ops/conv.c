/*
 * conv.c - convolution (docs: aten-ops.md 4.4).
 *
 *   conv2d(input[N, C, H, W], weight[O, C/g, KH, KW], bias[O]?, stride=1, padding=0,
 *          dilation=1, groups=1)                conv2d.padding: padding "same" / "valid"
 *   conv1d(...)                                 the same with one spatial dim
 *   conv_transpose2d.input(input, weight[C, O/g, KH, KW], bias?, stride=1, padding=0,
 *          output_padding=0, groups=1, dilation=1)          conv_transpose1d: one dim
 *   convolution(input, weight, bias?, stride, padding, dilation, transposed, output_padding,
 *               groups)
 *
 * Forward: out[N, O, OH, OW], OH = (H + 2*pad - dil*(KH-1) - 1) / stride + 1
 *   out[n, o, y, x] = bias[o] + sum_{c<C/g, i, j} in[n, g*C/g + c, y*s - p + i*d, x*s - p + j*d]
 *                                                 * w[o, c, i, j],  g = o / (O/groups)
 *   (taps outside the input read 0). padding="same" pads dil*(k-1)/2 before and the rest
 *   after (stride 1), so the output keeps the input's size.
 * Transposed: weight[C, O/g, KH, KW], OH = (H-1)*s - 2p + d*(KH-1) + output_padding + 1
 *   out[n, g*O/g + oc, y, x] = bias + sum over c in group g and taps (i, j) with
 *   y = iy*s - p + i*d, x = ix*s - p + j*d of in[n, c, iy, ix] * w[c, oc, i, j].
 *
 * float32, 1 or 2 spatial dims (1-D runs as 2-D with H = 1), input batched or not.
 *
 * Forward kernel, implicit GEMM: per (image, group), C[Og, OH*OW] = W[Og, Cg*KH*KW] @
 * B[Cg*KH*KW, OH*OW] (gemm.c), the weight packed into the GEMM's A panels once per plan
 * (a folded batch norm's scale multiplied in), B never materialized: its panels are packed
 * block by block from the group's input planes, padded and split by column phase in the
 * thread's scratch (plane.h), through a per-tap offset table, so each row of a panel is
 * plain copies. A 1x1, stride-1, unpadded convolution reads the input as B in place.
 * Bias, a residual and an activation (runtime/fuse.c) are the GEMM's epilogue. Each output
 * element is one chain of fused multiply-adds over (channel, kernel row, kernel column), so
 * results are the same for every thread count and instruction set.
 * Depthwise (groups == C == O, at most 64 taps): one padded plane at a time on
 * cpu->depthwise, several output vectors or rows in flight, taps in the same order.
 * A pad node before the convolution can be fused into its padding (extra[][]).
 * Transposed kernel: gather form, one output row per work unit, accumulating in the
 * fixed order (kernel row, kernel column, input channel) by output column phase (see
 * pt2c_k_conv_transpose), so the inner loops are contiguous.
 */
#include "ops/gemm.h"
#include "ops/op_decls.h"
#include "ops/plane.h"

#include <string.h>

typedef struct conv_params {
    int32_t bias;      /* input index, -1 if none */
    int32_t n_spatial; /* from the weight's rank at shape time: 1 or 2 */
    pt2c_iarg_list stride, padding, dilation, output_padding;
    int64_t groups;
    bool same;       /* padding="same" */
    bool transposed; /* weight is [C, O/g, K...] and the op scatters */
    /* Resolved per shape, 2-D form (index 0 = H, 1 = W); p is the padding before. */
    int64_t s[2], p[2], d[2];
    /* Depthwise (groups == C == O): one plane per work unit on cpu->depthwise, the padded
     * plane in each thread's scratch; dw_weight holds the taps (scaled by a folded batch
     * norm) when the weight is constant. */
    bool depthwise;
    /* Other convolutions with a window (not 1x1 stride 1 unpadded): the group's input
     * planes are padded and phase-split first (plane.h), so im2col copies runs of plain
     * vectors; when they fit 32 MiB per thread. */
    bool padded;
    pt2c_plane_layout lay; /* depthwise and padded */
    const float *dw_weight;
    /* Zero padding absorbed from a pad node before this convolution (runtime/fuse.c), 2-D
     * form: [dim][0 before, 1 after], added to the argument's padding at shape time. */
    int64_t extra[2][2];
    bool extra_needs_2d;     /* the absorbed pad padded H too */
    const float *packed;     /* nullable, plan memory: the constant weight in GEMM panels */
    size_t packed_per_group; /* floats of packed per group */
    const pt2c_cpu *packed_for;
} conv_params;

static pt2c_status parse_padding(pt2c_op_ctx *ctx, conv_params *p) {
    static const int64_t zero[1] = {0};
    const pt2c_arg *pad = pt2c_op_arg(ctx, "padding");
    if (pad && pad->kind == PT2C_ARG_STRING) {
        if (strcmp(pad->str, "same") == 0)
            p->same = true;
        else if (strcmp(pad->str, "valid") != 0)
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                                "argument 'padding': expected 'same' or 'valid', found '%s'",
                                pad->str);
        return pt2c_op_ints(ctx, "(no padding)", zero, 1, 0, &p->padding);
    }
    return pt2c_op_ints(ctx, "padding", zero, 1, 0, &p->padding);
}

static pt2c_status parse_common(pt2c_op_ctx *ctx, conv_params *p) {
    PT2C_TRY(pt2c_op_input(ctx, "input", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "weight", NULL));
    PT2C_TRY(pt2c_op_input_optional(ctx, "bias", &p->bias));
    static const int64_t one[1] = {1}, zero[1] = {0};
    PT2C_TRY(pt2c_op_ints(ctx, "stride", one, 1, 0, &p->stride));
    PT2C_TRY(parse_padding(ctx, p));
    PT2C_TRY(pt2c_op_ints(ctx, "dilation", one, 1, 0, &p->dilation));
    PT2C_TRY(pt2c_op_ints(ctx, "output_padding", zero, 1, 0, &p->output_padding));
    pt2c_iarg g;
    PT2C_TRY(pt2c_op_int(ctx, "groups", 1, &g));
    p->groups = g.value;
    if (g.slot >= 0)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "argument 'groups': symbolic groups");
    return PT2C_OK;
}

static pt2c_status parse_conv(pt2c_op_ctx *ctx, void **params, int transposed) {
    conv_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(parse_common(ctx, p));
    if (transposed < 0) /* convolution.default: the argument says */
        PT2C_TRY(pt2c_op_bool(ctx, "transposed", false, &p->transposed));
    else
        p->transposed = transposed != 0;
    if (p->transposed && p->same)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "argument 'padding': a string padding on a transposed convolution");
    *params = p;
    return PT2C_OK;
}

/* conv1d, conv2d (and their .padding overloads). */
pt2c_status pt2c_parse_conv2d(pt2c_op_ctx *ctx, void **params) {
    return parse_conv(ctx, params, 0);
}

pt2c_status pt2c_parse_conv_transpose(pt2c_op_ctx *ctx, void **params) {
    return parse_conv(ctx, params, 1);
}

pt2c_status pt2c_parse_convolution(pt2c_op_ctx *ctx, void **params) {
    return parse_conv(ctx, params, -1);
}

static pt2c_status conv_pack_weight(pt2c_op_ctx *ctx, conv_params *p);

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
    if (p->extra_needs_2d && ns != 2)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: a fused pad of two dims before a 1-D convolution; run with "
                            "--no-fusion");
    int64_t C = x->sizes[batched ? 1 : 0];
    int64_t O; /* output channels */
    if (p->groups < 1)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: groups is %lld, expected >= 1",
                            (long long)p->groups);
    if (p->transposed) {
        if (w->sizes[0] != C || C % p->groups != 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: input has %lld channels, transposed weight expects %lld "
                                "in %lld groups",
                                (long long)C, (long long)w->sizes[0], (long long)p->groups);
        O = w->sizes[1] * p->groups;
    } else {
        if (C % p->groups != 0 || w->sizes[0] % p->groups != 0 || w->sizes[1] * p->groups != C)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: input has %lld channels, weight expects %lld x %lld "
                                "groups",
                                (long long)C, (long long)w->sizes[1], (long long)p->groups);
        O = w->sizes[0];
    }
    const pt2c_iarg_list *lists[4] = {&p->stride, &p->padding, &p->dilation, &p->output_padding};
    static const char *const names[4] = {"stride", "padding", "dilation", "output_padding"};
    for (int32_t k = 0; k < 4; k++)
        if (lists[k]->n != 1 && lists[k]->n != ns)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s has %d entries for %d spatial dims",
                                names[k], (int)lists[k]->n, (int)ns);
    int64_t out_sizes[PT2C_MAX_RANK];
    int32_t r = 0;
    if (batched)
        out_sizes[r++] = x->sizes[0];
    out_sizes[r++] = O;
    /* 2-D form: a 1-D conv has H = 1, kernel height 1. */
    p->s[0] = p->d[0] = 1;
    p->p[0] = 0;
    for (int32_t i = 0; i < ns; i++) {
        int32_t j = ns == 1 ? 1 : i;
        p->s[j] = list_at(ctx, &p->stride, i);
        p->d[j] = list_at(ctx, &p->dilation, i);
        p->p[j] = list_at(ctx, &p->padding, i);
        int64_t op = list_at(ctx, &p->output_padding, i);
        int64_t in = x->sizes[x->rank - ns + i], k = w->sizes[2 + i];
        if (p->s[j] < 1 || p->d[j] < 1 || p->p[j] < 0 || op < 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: invalid stride %lld / dilation %lld / padding %lld / "
                                "output_padding %lld",
                                (long long)p->s[j], (long long)p->d[j], (long long)p->p[j],
                                (long long)op);
        if (p->transposed) {
            if (op >= p->s[j] && op >= p->d[j])
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: output_padding %lld must be smaller than stride %lld "
                                    "or dilation %lld",
                                    (long long)op, (long long)p->s[j], (long long)p->d[j]);
            int64_t o = (in - 1) * p->s[j] - 2 * p->p[j] + p->d[j] * (k - 1) + op + 1;
            if (o < 1)
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: transposed convolution output size %lld is not "
                                    "positive",
                                    (long long)o);
            out_sizes[r++] = o;
            continue;
        }
        if (op != 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: output_padding %lld on a non-transposed convolution",
                                (long long)op);
        if (p->same) {
            if (p->s[j] != 1)
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: padding='same' needs stride 1, found %lld",
                                    (long long)p->s[j]);
            /* Left gets total/2, the right the rest: taps past the end read zero. */
            p->p[j] = p->d[j] * (k - 1) / 2;
            out_sizes[r++] = in;
            continue;
        }
        int64_t span = p->d[j] * (k - 1) + 1;
        int64_t after = p->p[j] + p->extra[j][1];
        p->p[j] += p->extra[j][0];
        if (in + p->p[j] + after < span)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: input size %lld (padded %lld) is smaller than the kernel "
                                "extent %lld",
                                (long long)in, (long long)(in + p->p[j] + after), (long long)span);
        out_sizes[r++] = (in + p->p[j] + after - span) / p->s[j] + 1;
    }
    if (p->bias >= 0) {
        const pt2c_ktensor *b = pt2c_op_in(ctx, p->bias);
        if (b->dtype != PT2C_DTYPE_F32 || b->numel != O)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: bias is %s with %lld elements, expected float32 with %lld",
                                pt2c_dtype_name(b->dtype), (long long)b->numel, (long long)O);
    }
    /* Depthwise planes run on cpu->depthwise when the padded plane fits a thread's scratch
     * (16 MiB) and the kernel has at most 64 taps. */
    int64_t KH = ns == 2 ? w->sizes[2] : 1, KW = w->sizes[w->rank - 1];
    p->depthwise = !p->transposed && p->groups > 1 && p->groups == C && O == C && KH * KW <= 64;
    int64_t OH = ns == 2 ? out_sizes[r - 2] : 1, OW = out_sizes[r - 1];
    p->lay = pt2c_plane_layout_for(OH, OW, KH, KW, p->s[0], p->s[1], p->d[0], p->d[1]);
    int64_t plane_floats = p->s[1] * p->lay.Hp * p->lay.Wph;
    if (p->depthwise)
        p->depthwise = plane_floats <= (4 << 20);
    bool pointwise = KH * KW == 1 && p->s[0] == 1 && p->s[1] == 1 && p->p[0] == 0 && p->p[1] == 0;
    p->padded = !p->transposed && !p->depthwise && !pointwise &&
                (C / p->groups) * plane_floats <= (8 << 20);
    PT2C_TRY(conv_pack_weight(ctx, p));
    int64_t out_numel = 1;
    for (int32_t d = 0; d < r; d++)
        out_numel *= out_sizes[d];
    /* Each output element: Cg * KH * KW multiply-adds. */
    pt2c_op_set_flops(ctx, 2.0 * (double)out_numel *
                               (double)(w->numel / (w->sizes[0] ? w->sizes[0] : 1)) *
                               (p->transposed ? 0.0 : 1.0));
    return pt2c_op_set_out(ctx, 0, PT2C_DTYPE_F32, r, out_sizes);
}

/* ---------------------------------------------------------------------------------------- */
/* Forward kernel: implicit GEMM                                                            */

enum { PACK_FLOATS = 16384 /* transposed kernel: a 64 KiB stack row per thread */ };

/* Geometry in the 2-D form, per image. */
typedef struct conv_geom {
    int64_t C, H, W;   /* input channels and size */
    int64_t O, OH, OW; /* output */
    int64_t Cg, Og;    /* channels per group (input, output) */
    int64_t KH, KW, KK;
    int64_t s[2], p[2], d[2];
} conv_geom;

static conv_geom make_geom(const conv_params *p, const pt2c_ktensor *x, const pt2c_ktensor *w,
                           const pt2c_ktensor *out) {
    conv_geom g;
    memset(&g, 0, sizeof g);
    int32_t ns = p->n_spatial;
    g.H = ns == 2 ? x->sizes[x->rank - 2] : 1;
    g.W = x->sizes[x->rank - 1];
    g.C = x->sizes[x->rank - ns - 1];
    g.OH = ns == 2 ? out->sizes[out->rank - 2] : 1;
    g.OW = out->sizes[out->rank - 1];
    g.O = out->sizes[out->rank - ns - 1];
    g.KH = ns == 2 ? w->sizes[2] : 1;
    g.KW = w->sizes[w->rank - 1];
    g.KK = g.KH * g.KW;
    g.Cg = g.C / p->groups;
    g.Og = g.O / p->groups;
    for (int i = 0; i < 2; i++) {
        g.s[i] = p->s[i];
        g.p[i] = p->p[i];
        g.d[i] = p->d[i];
    }
    return g;
}

/* A 1x1, stride-1, unpadded convolution reads the input as the matrix B[C, H*W] in place. */
static bool conv_is_pointwise(const conv_geom *g) {
    return g->KK == 1 && g->s[0] == 1 && g->s[1] == 1 && g->p[0] == 0 && g->p[1] == 0;
}

/* B of one (image, group): B[k, n] = x[c, iy, ix] with k = (c, ky, kx), n = (oy, ox),
 * iy = oy*s - p + ky*d, ix likewise; 0 in the padding. Never materialized: packed panel by
 * panel straight from the input. */
typedef struct im2col {
    const conv_geom *g;
    const float *x;        /* the group's first input channel */
    const float *planes;   /* padded: the group's padded planes, else NULL */
    pt2c_plane_layout lay; /* their layout */
    const int64_t *koff;   /* padded: per row k, the offset of tap (c, ky, kx) for output
                              pixel (0, 0) in the planes */
} im2col;

/* pt2c_pack_fn: columns x0 .. x0 + n (output pixels) of rows k0 .. k0 + kc. The columns
 * are walked as runs within one output row (a run's input row and first column are fixed
 * per tap), so with stride 1 every run is a plain copy between zero padding. The tap
 * (c, ky, kx) of row k advances incrementally: no divisions per row. */
static void pack_im2col(const void *ctx, int64_t k0, int64_t kc, int64_t x0, int64_t n,
                        int64_t tile, float *dst) {
    const im2col *ic = ctx;
    const conv_geom *g = ic->g;
    enum { MAX_RUNS = 64 };
    int64_t run_j[MAX_RUNS], run_len[MAX_RUNS], run_y[MAX_RUNS], run_x[MAX_RUNS];
    int n_runs = 0;
    const int64_t s = g->s[1], W = g->W, H = g->H;
    for (int64_t j = 0; j < n && n_runs < MAX_RUNS;) {
        int64_t pix = x0 + j, oy = pix / g->OW, ox = pix % g->OW;
        int64_t len = g->OW - ox < n - j ? g->OW - ox : n - j;
        run_j[n_runs] = j;
        run_len[n_runs] = len;
        run_y[n_runs] = oy * g->s[0] - g->p[0]; /* input row of tap ky = 0 */
        run_x[n_runs] = ox * s - g->p[1];       /* input column of kx = 0 */
        n_runs++;
        j += len;
    }
    int64_t c = k0 / g->KK, r = k0 % g->KK, ky = r / g->KW, kx = r % g->KW;
    for (int64_t kk = 0; kk < kc; kk++) {
        float *row = dst + kk * tile;
        const float *plane = ic->x + c * H * W;
        int64_t dy = ky * g->d[0], dx = kx * g->d[1];
        for (int q = 0; q < n_runs; q++) {
            float *o = row + run_j[q];
            int64_t len = run_len[q], iy = run_y[q] + dy, ix0 = run_x[q] + dx;
            if (iy < 0 || iy >= H) {
                for (int64_t t = 0; t < len; t++)
                    o[t] = 0.0f;
                continue;
            }
            const float *src = plane + iy * W;
            /* Outputs t in [lo, hi) read inside the row: ix0 + t*s in [0, W). */
            int64_t lo, hi;
            if (s == 1) {
                lo = ix0 >= 0 ? 0 : -ix0;
                hi = W - ix0;
            } else {
                lo = ix0 >= 0 ? 0 : (-ix0 + s - 1) / s;
                hi = W - ix0 <= 0 ? 0 : (W - ix0 + s - 1) / s;
            }
            lo = lo < len ? lo : len;
            hi = hi < len ? hi : len;
            hi = hi > lo ? hi : lo;
            for (int64_t t = 0; t < lo; t++)
                o[t] = 0.0f;
            if (s == 1)
                for (int64_t t = lo; t < hi; t++)
                    o[t] = src[ix0 + t];
            else
                for (int64_t t = lo; t < hi; t++)
                    o[t] = src[ix0 + t * s];
            for (int64_t t = hi; t < len; t++)
                o[t] = 0.0f;
        }
        for (int64_t t = n; t < tile; t++)
            row[t] = 0.0f;
        if (++kx == g->KW) {
            kx = 0;
            if (++ky == g->KH) {
                ky = 0;
                c++;
            }
        }
    }
}

/* pt2c_pack_fn on padded, phase-split planes: every run of every tap is a plain copy (the
 * padding is in the planes). */
static void pack_im2col_padded(const void *ctx, int64_t k0, int64_t kc, int64_t x0, int64_t n,
                               int64_t tile, float *dst) {
    const im2col *ic = ctx;
    const conv_geom *g = ic->g;
    enum { MAX_RUNS = 64 };
    int64_t run_j[MAX_RUNS], run_len[MAX_RUNS], run_off[MAX_RUNS];
    int n_runs = 0;
    const int64_t Wph = ic->lay.Wph;
    for (int64_t j = 0; j < n && n_runs < MAX_RUNS;) {
        int64_t pix = x0 + j, oy = pix / g->OW, ox = pix % g->OW;
        int64_t len = g->OW - ox < n - j ? g->OW - ox : n - j;
        run_j[n_runs] = j;
        run_len[n_runs] = len;
        run_off[n_runs] = oy * g->s[0] * Wph + ox; /* tap (0, 0) in phase 0 */
        n_runs++;
        j += len;
    }
    if (n_runs == 1 && run_len[0] == 16 && tile == 16) { /* a whole panel in one output row */
        const float *base = ic->planes + run_off[0];
        for (int64_t kk = 0; kk < kc; kk++) /* constant size: inlined vector moves */
            memcpy(dst + kk * 16, base + ic->koff[k0 + kk], 16 * sizeof(float));
        return;
    }
    for (int64_t kk = 0; kk < kc; kk++) {
        float *row = dst + kk * tile;
        const float *base = ic->planes + ic->koff[k0 + kk];
        for (int q = 0; q < n_runs; q++) {
            const float *src = base + run_off[q];
            float *o = row + run_j[q];
            for (int64_t t = 0; t < run_len[q]; t++)
                o[t] = src[t];
        }
        for (int64_t t = n; t < tile; t++)
            row[t] = 0.0f;
    }
}

/* koff[k] for k = (c, ky, kx) < K: where tap (ky, kx) of channel c sits in the padded,
 * phase-split planes for output pixel (0, 0) (plane.h). */
static void im2col_offsets(const conv_geom *g, pt2c_plane_layout lay, int64_t *koff) {
    int64_t s = g->s[1], k = 0;
    for (int64_t c = 0; c < g->Cg; c++)
        for (int64_t ky = 0; ky < g->KH; ky++)
            for (int64_t kx = 0; kx < g->KW; kx++) {
                int64_t x = kx * g->d[1];
                koff[k++] = ((c * s + x % s) * lay.Hp + ky * g->d[0]) * lay.Wph + x / s;
            }
}

/* The float32 weight of each group in the GEMM's A panels, once per plan (a parameter or
 * constant never changes). */
static pt2c_status conv_pack_weight(pt2c_op_ctx *ctx, conv_params *p) {
    const pt2c_ktensor *w = pt2c_op_in(ctx, 1);
    const pt2c_cpu *cpu = pt2c_op_cpu(ctx);
    if (p->transposed || !pt2c_op_in_is_constant(ctx, 1) || w->numel == 0) {
        p->packed = NULL;
        p->dw_weight = NULL;
        return PT2C_OK;
    }
    if (p->packed_for != cpu) {
        p->packed = NULL;
        p->dw_weight = NULL;
    }
    if (p->depthwise ? p->dw_weight != NULL : p->packed != NULL)
        return PT2C_OK; /* packed for an earlier input size */
    /* A folded batch norm (runtime/fuse.c) scales each output channel's weights here. */
    const pt2c_kernel_epilogue *epi = pt2c_op_epilogue(ctx);
    const float *scale =
        epi && epi->weight_scale >= 0 ? pt2c_op_in(ctx, epi->weight_scale)->data : NULL;
    int64_t O = w->sizes[0], Og = O / p->groups, K = w->numel / (O ? O : 1);
    if (p->depthwise) { /* the taps of each channel, scaled */
        float *dw = pt2c_op_persistent_alloc(ctx, sizeof(float) * (size_t)w->numel);
        if (!dw)
            return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory packing the weight");
        const float *wd = w->data;
        for (int64_t o = 0; o < O; o++)
            for (int64_t k = 0; k < K; k++)
                dw[o * K + k] =
                    scale ? (float)((double)wd[o * K + k] * (double)scale[o]) : wd[o * K + k];
        p->dw_weight = dw;
        p->packed_for = cpu;
        pt2c_op_release_input(ctx, 1);
        return PT2C_OK;
    }
    size_t per = pt2c_gemm_packed_a_floats(cpu, Og, K);
    float *dst = pt2c_op_persistent_alloc(ctx, per * (size_t)p->groups * sizeof(float));
    if (!dst)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory packing the weight");
    for (int64_t grp = 0; grp < p->groups; grp++)
        pt2c_gemm_pack_a(cpu, (const float *)w->data + grp * Og * K, K, false, Og, K,
                         scale ? scale + grp * Og : NULL, dst + (size_t)grp * per);
    pt2c_op_release_input(ctx, 1);
    p->packed = dst;
    p->packed_per_group = per;
    p->packed_for = cpu;
    return PT2C_OK;
}

/* Floats of one group's padded input planes (conv_params.padded). */
static size_t padded_floats(const conv_params *p, int64_t Cg) {
    return (size_t)(Cg * p->s[1] * p->lay.Hp * p->lay.Wph);
}

size_t pt2c_scratch_conv(pt2c_op_ctx *ctx, const void *params) {
    const conv_params *p = params;
    if (p->depthwise)
        return sizeof(float) * (size_t)(p->s[1] * p->lay.Hp * p->lay.Wph);
    size_t gemm = (pt2c_gemm_scratch_bytes(pt2c_op_cpu(ctx)) + 63) / 64 * 64;
    if (!p->padded)
        return gemm;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0), *w = pt2c_op_in(ctx, 1);
    int64_t C = x->sizes[x->rank - p->n_spatial - 1];
    size_t K = (size_t)(w->numel / (w->sizes[0] ? w->sizes[0] : 1)); /* Cg * KH * KW */
    return gemm + (sizeof(float) * padded_floats(p, C / p->groups) + 63) / 64 * 64 +
           sizeof(int64_t) * K;
}

static void conv_depthwise(const conv_params *p, const conv_geom *g, const pt2c_kernel_args *args,
                           const float *bias, const float *res, int ith, int nth) {
    const float *xd = args->in[0]->data, *wd = args->in[1]->data;
    float *od = args->out[0]->data;
    const pt2c_kernel_epilogue *epi = args->epilogue;
    int64_t N = args->in[0]->numel / (g->C * g->H * g->W), npix = g->OH * g->OW;
    int64_t begin, end;
    pt2c_split_range(N * g->C, ith, nth, &begin, &end);
    for (int64_t u = begin; u < end; u++) {
        int64_t c = u % g->C;
        pt2c_pad_plane(xd + u * g->H * g->W, g->H, g->W, g->p[0], g->p[1], g->s[1], p->lay, 0.0f,
                       args->scratch);
        pt2c_epilogue ep = pt2c_epilogue_none();
        ep.bias = bias ? bias + c : NULL;
        ep.residual = res ? res + u * npix : NULL;
        ep.res_ld = g->OW;
        if (epi) {
            ep.act = epi->act;
            ep.act_lo = epi->act_lo;
            ep.act_hi = epi->act_hi;
        }
        pt2c_dw_plane pl = {
            .in = args->scratch,
            .Hp = p->lay.Hp,
            .Wph = p->lay.Wph,
            .sy = g->s[0],
            .sx = g->s[1],
            .dy = g->d[0],
            .dx = g->d[1],
            .KH = g->KH,
            .KW = g->KW,
            .w = p->dw_weight ? p->dw_weight + c * g->KK : wd + c * g->KK,
            .out = od + u * npix,
            .OH = g->OH,
            .OW = g->OW,
            .ep = &ep,
        };
        args->cpu->depthwise(&pl);
    }
}

void pt2c_k_conv(const pt2c_kernel_args *args, int ith, int nth) {
    const conv_params *p = args->params;
    if (p->transposed) {
        pt2c_k_conv_transpose(args, ith, nth);
        return;
    }
    const pt2c_ktensor *x = args->in[0], *w = args->in[1];
    const pt2c_kernel_epilogue *epi = args->epilogue;
    int32_t bias_in = epi && epi->bias >= 0 ? epi->bias : p->bias;
    const float *bias = bias_in >= 0 ? args->in[bias_in]->data : NULL;
    const float *res = epi && epi->residual >= 0 ? args->in[epi->residual]->data : NULL;
    pt2c_ktensor *out = args->out[0];
    if (out->numel == 0)
        return;
    conv_geom g = make_geom(p, x, w, out);
    if (p->depthwise) {
        conv_depthwise(p, &g, args, bias, res, ith, nth);
        return;
    }
    int64_t N = x->numel / (g.C * g.H * g.W), K = g.Cg * g.KK, npix = g.OH * g.OW;
    bool pointwise = conv_is_pointwise(&g);
    /* Per (image, group): C[Og, OH*OW] = W_g[Og, K] @ B[K, OH*OW], bias per row. */
    pt2c_gemm gm = pt2c_gemm_init(PT2C_DTYPE_F32, g.Og, npix, K);
    gm.ldc = npix;
    gm.ep.bias_rs = 1;
    gm.ep.bias_cs = 0;
    gm.ep.res_ld = npix;
    if (epi) {
        gm.ep.act = epi->act;
        gm.ep.act_lo = epi->act_lo;
        gm.ep.act_hi = epi->act_hi;
    }
    int64_t mats = N * p->groups;
    int parallel = mats >= nth ? 1 : (int)((nth + mats - 1) / mats);
    pt2c_gemm_blocking bl = pt2c_gemm_block(args->cpu, &gm, parallel);
    int64_t per = bl.n_units, begin, end;
    pt2c_split_range(mats * per, ith, nth, &begin, &end);
    const float *xd = x->data, *wd = w->data;
    float *od = out->data;
    float *planes = p->padded
                        ? (float *)(void *)((uint8_t *)args->scratch +
                                            (pt2c_gemm_scratch_bytes(args->cpu) + 63) / 64 * 64)
                        : NULL;
    int64_t *koff = NULL;
    if (planes) { /* after the planes: the tap offsets, the same for every image and group */
        koff = (int64_t *)(void *)((uint8_t *)planes +
                                   (sizeof(float) * padded_floats(p, g.Cg) + 63) / 64 * 64);
        im2col_offsets(&g, p->lay, koff);
    }
    for (int64_t u = begin; u < end;) {
        int64_t mat = u / per, first = u % per;
        int64_t last = end - mat * per < per ? end - mat * per : per;
        int64_t grp = mat % p->groups, n = mat / p->groups;
        const float *xg = xd + (n * g.C + grp * g.Cg) * g.H * g.W;
        im2col ic = {&g, xg, planes, p->lay, koff};
        if (planes) /* this thread's copy of the group's planes, padded and phase-split */
            for (int64_t c = 0; c < g.Cg; c++)
                pt2c_pad_plane(xg + c * g.H * g.W, g.H, g.W, g.p[0], g.p[1], g.s[1], p->lay, 0.0f,
                               planes + (size_t)c * (size_t)(g.s[1] * p->lay.Hp * p->lay.Wph));
        gm.a = p->packed ? pt2c_gemm_prepacked(p->packed + (size_t)grp * p->packed_per_group)
                         : pt2c_gemm_raw(wd + grp * g.Og * K, K, false);
        if (pointwise) {
            gm.b = pt2c_gemm_raw(xg, npix, false);
        } else {
            gm.b = pt2c_gemm_raw(NULL, 0, false);
            gm.b.pack = planes ? pack_im2col_padded : pack_im2col;
            gm.b.pack_ctx = &ic;
        }
        gm.c = od + (n * g.O + grp * g.Og) * npix;
        gm.ep.bias = bias ? bias + grp * g.Og : NULL;
        gm.ep.residual = res ? res + (n * g.O + grp * g.Og) * npix : NULL;
        pt2c_gemm_run(&gm, args->cpu, &bl, first, last, args->scratch);
        u = mat * per + last;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Transposed kernel                                                                        */

/* The columns of output phase px (ox = ox' * s + px, ox < OW). */
static int64_t phase_count(int64_t OW, int64_t s, int64_t px) {
    return px < OW ? (OW - px + s - 1) / s : 0;
}

void pt2c_k_conv_transpose(const pt2c_kernel_args *args, int ith, int nth) {
    const conv_params *p = args->params;
    const pt2c_ktensor *x = args->in[0], *w = args->in[1];
    const float *bias = p->bias >= 0 ? args->in[p->bias]->data : NULL;
    pt2c_ktensor *out = args->out[0];
    if (out->numel == 0)
        return;
    conv_geom g = make_geom(p, x, w, out);
    int64_t N = x->numel / (g.C * g.H * g.W);
    int64_t sx = g.s[1];
    /* Here Cg is input channels per group and Og output channels per group. Output columns
     * are accumulated by phase (ox mod s): within a phase, input column ix feeds output
     * column ox' = ix + base(kx), so every update is a contiguous axpy. Stride 1 works in
     * the output row itself; wider strides in a de-interleaved stack row (or, for rows too
     * long for it, strided updates of the output row). */
    float tmp[PACK_FLOATS];
    int64_t per_phase = (g.OW + sx - 1) / sx;
    bool staged = sx > 1 && sx * per_phase <= PACK_FLOATS;
    const float *xd = x->data, *wd = w->data;
    float *od = out->data;
    int64_t begin, end;
    pt2c_split_range(N * g.O * g.OH, ith, nth, &begin, &end);
    for (int64_t u = begin; u < end; u++) {
        int64_t oy = u % g.OH, t = u / g.OH;
        int64_t o = t % g.O, n = t / g.O;
        int64_t grp = o / g.Og, oc = o % g.Og;
        float *row = od + u * g.OW;
        float b = bias ? bias[o] : 0.0f;
        for (int64_t ox = 0; ox < g.OW; ox++)
            row[ox] = b;
        if (staged)
            for (int64_t px = 0; px < sx; px++)
                for (int64_t q = 0; q < per_phase; q++)
                    tmp[px * per_phase + q] = b;
        for (int64_t ky = 0; ky < g.KH; ky++) {
            int64_t ty = oy + g.p[0] - ky * g.d[0];
            if (ty < 0 || ty % g.s[0] != 0 || ty / g.s[0] >= g.H)
                continue;
            int64_t iy = ty / g.s[0];
            for (int64_t kx = 0; kx < g.KW; kx++) {
                /* ox = ix*s + off: phase px, and ox' = ix + base within the phase. */
                int64_t off = kx * g.d[1] - g.p[1];
                int64_t px = ((off % sx) + sx) % sx, base = (off - px) / sx;
                int64_t n_px = phase_count(g.OW, sx, px);
                int64_t ix0 = base >= 0 ? 0 : -base;
                int64_t ix1 = n_px - base < g.W ? n_px - base : g.W;
                float *dst = sx == 1 ? row : staged ? tmp + px * per_phase : NULL;
                for (int64_t c = 0; c < g.Cg; c++) {
                    int64_t ic = grp * g.Cg + c;
                    const float *xrow = xd + ((n * g.C + ic) * g.H + iy) * g.W;
                    float wv = wd[((ic * g.Og + oc) * g.KH + ky) * g.KW + kx];
                    if (dst)
                        for (int64_t ix = ix0; ix < ix1; ix++)
                            dst[ix + base] += wv * xrow[ix];
                    else
                        for (int64_t ix = ix0; ix < ix1; ix++)
                            row[(ix + base) * sx + px] += wv * xrow[ix];
                }
            }
        }
        if (staged)
            for (int64_t px = 0; px < sx; px++) {
                int64_t n_px = phase_count(g.OW, sx, px);
                for (int64_t q = 0; q < n_px; q++)
                    row[q * sx + px] = tmp[px * per_phase + q];
            }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Fusion                                                                                   */

bool pt2c_fuse_conv_pad(const pt2c_op_def *op, void *params, int32_t n_pad, const int64_t *pad) {
    conv_params *p = params;
    if (op->kernel != pt2c_k_conv || p->transposed || p->same || n_pad < 2 || n_pad > 4 ||
        n_pad % 2 != 0)
        return false;
    for (int32_t k = 0; k < n_pad; k++)
        if (pad[k] < 0)
            return false;
    /* (before, after) pairs from the last dim: W first, then H (a 2-D convolution only,
     * which the weight's rank says at shape time). */
    p->extra[1][0] = pad[0];
    p->extra[1][1] = pad[1];
    if (n_pad == 4) {
        p->extra[0][0] = pad[2];
        p->extra[0][1] = pad[3];
        p->extra_needs_2d = true;
    }
    return true;
}

bool pt2c_fuse_conv(const pt2c_op_def *op, const void *params, int32_t *bias) {
    if (op->kernel != pt2c_k_conv)
        return false;
    const conv_params *p = params;
    *bias = p->bias;
    return !p->transposed;
}
