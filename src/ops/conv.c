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
 * Forward kernel: a register tile of 4 output channels x 8 output columns (1 x 16 for
 * depthwise and leftover channels) accumulates the whole reduction in float, always in the
 * order (input channel, kernel row, kernel column), so each input load feeds 4 channels
 * and each weight load 8 columns. Work units are (image, group, output row, channel
 * block); the reduction never splits, so results are bit-identical for every thread count.
 * Input rows are first packed, zero padded and split by stride phase, into a 64 KiB
 * per-thread stack buffer so every tap is one contiguous vector load with no bounds checks
 * (a whole padded plane when it fits, else the rows of one output row, in chunks of input
 * channels and segments of output columns). A 1x1 stride-1 unpadded convolution is a
 * matrix product over the flattened H*W and reads the input in place. Kernels wider than
 * 32 taps, or rows too long to pack even 16 columns, take plain loops (same order).
 * The micro-kernels are built for AVX2 and SSE2 and chosen at load time (simd.h).
 * The pack buffer is on the stack because the plan's scratch area is shared by all threads
 * and sized before the run's thread count is known.
 * Transposed kernel: gather form, one output row per work unit, accumulating in the
 * fixed order (kernel row, kernel column, input channel) by output column phase (see
 * pt2c_k_conv_transpose), so the inner loops are contiguous.
 */
#include "ops/op_decls.h"
#include "ops/simd.h"

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
        if (in + 2 * p->p[j] < span)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: input size %lld (padded %lld) is smaller than the kernel "
                                "extent %lld",
                                (long long)in, (long long)(in + 2 * p->p[j]), (long long)span);
        out_sizes[r++] = (in + 2 * p->p[j] - span) / p->s[j] + 1;
    }
    if (p->bias >= 0) {
        const pt2c_ktensor *b = pt2c_op_in(ctx, p->bias);
        if (b->dtype != PT2C_DTYPE_F32 || b->numel != O)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: bias is %s with %lld elements, expected float32 with %lld",
                                pt2c_dtype_name(b->dtype), (long long)b->numel, (long long)O);
    }
    return pt2c_op_set_out(ctx, 0, PT2C_DTYPE_F32, r, out_sizes);
}

/* ---------------------------------------------------------------------------------------- */
/* Forward kernel                                                                           */

#define CONV_CLONES PT2C_SIMD_CLONES

enum {
    QUAD = 4,            /* output channels per register tile */
    QUAD_X = 8,          /* output columns per 4-channel tile */
    ONE_X = 16,          /* output columns per 1-channel tile (depthwise) */
    PACK_FLOATS = 16384, /* packed input rows per thread: a 64 KiB stack buffer */
    MAX_TAPS = 32        /* kernel widths with precomputed tap offsets; wider: generic */
};

/* Geometry in the 2-D form, per image. */
typedef struct conv_geom {
    int64_t C, H, W;   /* input channels and size */
    int64_t O, OH, OW; /* output */
    int64_t Cg, Og;    /* channels per group (input, output) */
    int64_t KH, KW, KK;
    int64_t s[2], p[2], d[2];
    bool direct;  /* 1x1, stride 1, no padding: read the input in place, no packing */
    bool generic; /* a kernel row too long to pack: the plain loops of conv_generic */
    /* Packing (see conv_pack): output columns go in segments of seg (a multiple of 16, or
     * all of OW); a packed row holds s[1] phases of plen floats (rowlen in all); chunk
     * input channels are packed at once. */
    int64_t seg, plen, rowlen, chunk;
    /* Plane mode: every padded input row the output needs (Hp of them) of every channel of
     * a group fits the buffer, so it is packed once per (image, group) instead of per row. */
    bool plane;
    int64_t Hp;
} conv_geom;

/* One row job: a block of output channels of output row oy, columns [0, nx) of a segment,
 * over input channels [c0, c0 + nc) whose rows are at xin (channel stride xc, kernel-row
 * stride xky; rows for ky0 .. ky1 only). first: start from the bias, else add to the
 * partial sums already in out. */
typedef struct conv_job {
    const conv_geom *g;
    const float *xin;
    int64_t xc, xky;
    int64_t ky0, ky1, nc, nx;
    const float *w[QUAD]; /* weights of each channel at input channel c0 (row stride KK) */
    float bias[QUAD];
    float *out[QUAD]; /* output rows at the segment's first column */
    bool first;
    int64_t tap[MAX_TAPS]; /* tap_offset(kx) for kx < KW (KW <= MAX_TAPS) */
} conv_job;

/* Offset of tap kx within a packed row (a plain row when direct: 1x1 has only kx = 0). */
static int64_t tap_offset(const conv_geom *g, int64_t kx) {
    if (g->direct)
        return 0;
    int64_t t = kx * g->d[1];
    return (t % g->s[1]) * g->plen + t / g->s[1];
}

/* Start value of a tile of channel b: the bias, or the partial sums stored by the previous
 * chunk. Through a local array, so the accumulators never have their address taken and
 * stay in registers. */
#define TILE_START(acc, j, b, x0, nx)                                                              \
    do {                                                                                           \
        if (!(j)->first && (nx) == 8) {                                                            \
            V8_LOAD(acc, (j)->out[b] + (x0));                                                      \
        } else {                                                                                   \
            float t_[8];                                                                           \
            for (int q_ = 0; q_ < 8; q_++)                                                         \
                t_[q_] = (j)->first ? (j)->bias[b] : 0.0f;                                         \
            if (!(j)->first)                                                                       \
                memcpy(t_, (j)->out[b] + (x0), sizeof(float) * (size_t)(nx));                      \
            V8_LOAD(acc, t_);                                                                      \
        }                                                                                          \
    } while (0)

/* Full tiles store directly (a fixed-size copy the compiler inlines); partial ones copy. */
#define TILE_STORE(acc, row, x0, nx)                                                               \
    do {                                                                                           \
        if ((nx) == 8) {                                                                           \
            V8_STORE((row) + (x0), acc);                                                           \
        } else {                                                                                   \
            float t_[8];                                                                           \
            V8_STORE(t_, acc);                                                                     \
            memcpy((row) + (x0), t_, sizeof(float) * (size_t)(nx));                                \
        }                                                                                          \
    } while (0)

/* Eight input floats from src; fewer than 8 (the last tile of an unpadded 1x1 row, where
 * the row really ends) through a zero-filled copy. */
#define LOAD_PART(xv, src, nx)                                                                     \
    do {                                                                                           \
        float t_[8] = {0};                                                                         \
        memcpy(t_, (src), sizeof(float) * (size_t)(nx));                                           \
        V8_LOAD(xv, t_);                                                                           \
    } while (0)

/* Four output channels, 8 columns per tile. */
static CONV_CLONES void conv_row_quad(const conv_job *j) {
    const conv_geom *g = j->g;
    const int64_t KW = g->KW, KK = g->KK, nc = j->nc, xcs = j->xc, xky = j->xky;
    const int64_t ky0 = j->ky0, ky1 = j->ky1;
    const float *w0 = j->w[0], *w1 = j->w[1], *w2 = j->w[2], *w3 = j->w[3];
    for (int64_t x0 = 0; x0 < j->nx; x0 += QUAD_X) {
        int nx = (int)(j->nx - x0 < QUAD_X ? j->nx - x0 : QUAD_X);
        v8 a0, a1, a2, a3, xv;
        TILE_START(a0, j, 0, x0, nx);
        TILE_START(a1, j, 1, x0, nx);
        TILE_START(a2, j, 2, x0, nx);
        TILE_START(a3, j, 3, x0, nx);
        if (g->direct) {
            /* 1x1: one tap per channel, read in place. */
            const float *xp = j->xin + x0;
            if (nx == QUAD_X)
                for (int64_t c = 0; c < nc; c++) {
                    V8_LOAD(xv, xp + c * xcs);
                    V8_MADD(a0, w0[c], xv);
                    V8_MADD(a1, w1[c], xv);
                    V8_MADD(a2, w2[c], xv);
                    V8_MADD(a3, w3[c], xv);
                }
            else
                for (int64_t c = 0; c < nc; c++) {
                    LOAD_PART(xv, xp + c * xcs, nx);
                    V8_MADD(a0, w0[c], xv);
                    V8_MADD(a1, w1[c], xv);
                    V8_MADD(a2, w2[c], xv);
                    V8_MADD(a3, w3[c], xv);
                }
        } else {
            /* Packed rows hold whole tiles: every load is a full vector. */
            for (int64_t c = 0; c < nc; c++) {
                const float *xc = j->xin + c * xcs + x0;
                for (int64_t ky = ky0; ky < ky1; ky++) {
                    const float *xr = xc + (ky - ky0) * xky;
                    int64_t wi = c * KK + ky * KW;
                    for (int64_t kx = 0; kx < KW; kx++) {
                        V8_LOAD(xv, xr + j->tap[kx]);
                        V8_MADD(a0, w0[wi + kx], xv);
                        V8_MADD(a1, w1[wi + kx], xv);
                        V8_MADD(a2, w2[wi + kx], xv);
                        V8_MADD(a3, w3[wi + kx], xv);
                    }
                }
            }
        }
        TILE_STORE(a0, j->out[0], x0, nx);
        TILE_STORE(a1, j->out[1], x0, nx);
        TILE_STORE(a2, j->out[2], x0, nx);
        TILE_STORE(a3, j->out[3], x0, nx);
    }
}

/* One output channel, 16 columns per tile (depthwise, and channels left over by quads). */
static CONV_CLONES void conv_row_one(const conv_job *j) {
    const conv_geom *g = j->g;
    const int64_t KW = g->KW, KK = g->KK, nc = j->nc, xcs = j->xc, xky = j->xky;
    const int64_t ky0 = j->ky0, ky1 = j->ky1;
    const float *w0 = j->w[0];
    for (int64_t x0 = 0; x0 < j->nx; x0 += ONE_X) {
        int nx = (int)(j->nx - x0 < ONE_X ? j->nx - x0 : ONE_X);
        int nx0 = nx < 8 ? nx : 8, nx1 = nx - nx0;
        v8 a0, a1, xv;
        TILE_START(a0, j, 0, x0, nx0);
        a1 = a0;
        if (nx1 > 0)
            TILE_START(a1, j, 0, x0 + 8, nx1);
        if (g->direct) {
            const float *xp = j->xin + x0;
            if (nx == ONE_X)
                for (int64_t c = 0; c < nc; c++) {
                    V8_LOAD(xv, xp + c * xcs);
                    V8_MADD(a0, w0[c], xv);
                    V8_LOAD(xv, xp + c * xcs + 8);
                    V8_MADD(a1, w0[c], xv);
                }
            else
                for (int64_t c = 0; c < nc; c++) {
                    LOAD_PART(xv, xp + c * xcs, nx0);
                    V8_MADD(a0, w0[c], xv);
                    if (nx1 > 0) {
                        LOAD_PART(xv, xp + c * xcs + 8, nx1);
                        V8_MADD(a1, w0[c], xv);
                    }
                }
        } else {
            for (int64_t c = 0; c < nc; c++) {
                const float *xc = j->xin + c * xcs + x0;
                for (int64_t ky = ky0; ky < ky1; ky++) {
                    const float *xr = xc + (ky - ky0) * xky;
                    const float *wr = w0 + c * KK + ky * KW;
                    for (int64_t kx = 0; kx < KW; kx++) {
                        V8_LOAD(xv, xr + j->tap[kx]);
                        V8_MADD(a0, wr[kx], xv);
                        V8_LOAD(xv, xr + j->tap[kx] + 8);
                        V8_MADD(a1, wr[kx], xv);
                    }
                }
            }
        }
        TILE_STORE(a0, j->out[0], x0, nx0);
        if (nx1 > 0)
            TILE_STORE(a1, j->out[0], x0 + 8, nx1);
    }
}

/* Floats one channel's packed rows take for a segment of seg output columns. */
static int64_t packed_per_channel(const conv_geom *g, int64_t seg) {
    int64_t round = (seg + ONE_X - 1) / ONE_X * ONE_X;
    return g->KH * g->s[1] * (round + (g->KW - 1) * g->d[1] / g->s[1] + 1);
}

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
    if (p->transposed)
        return g;
    g.direct = g.KK == 1 && g.s[0] == 1 && g.s[1] == 1 && g.p[0] == 0 && g.p[1] == 0;
    if (g.direct) {
        /* 1x1, stride 1, unpadded: the image is one row of H*W pixels. */
        g.W *= g.H;
        g.OW *= g.OH;
        g.H = g.OH = 1;
        /* Segments sized so one segment of every input channel (~32 KiB) stays in cache
         * while all output channel blocks of the row pass over it. */
        g.seg = 8192 / (g.Cg > 0 ? g.Cg : 1) / ONE_X * ONE_X;
        g.seg = g.seg < ONE_X ? ONE_X : g.seg > g.OW ? g.OW : g.seg;
        g.chunk = g.Cg;
        return g;
    }
    /* Whole rows when one channel's rows fit the buffer, else the widest segment that does
     * (huge kernels or strides with no segment of 16 fitting take the generic loops). */
    g.seg = g.OW;
    if (packed_per_channel(&g, g.seg) > PACK_FLOATS) {
        g.seg = ONE_X;
        while (packed_per_channel(&g, g.seg + ONE_X) <= PACK_FLOATS && g.seg + ONE_X < g.OW)
            g.seg += ONE_X;
        if (packed_per_channel(&g, g.seg) > PACK_FLOATS) {
            g.generic = true;
            return g;
        }
    }
    if (g.KW > MAX_TAPS) {
        g.generic = true;
        return g;
    }
    g.plen = packed_per_channel(&g, g.seg) / (g.KH * g.s[1]);
    g.rowlen = g.s[1] * g.plen;
    g.chunk = PACK_FLOATS / (g.KH * g.rowlen);
    g.chunk = g.chunk < g.Cg ? g.chunk : g.Cg;
    g.Hp = (g.OH - 1) * g.s[0] + (g.KH - 1) * g.d[0] + 1;
    g.plane = g.seg == g.OW && g.Cg * g.Hp * g.rowlen <= PACK_FLOATS;
    return g;
}

/* n_rows input rows iy = iy0 + k * iy_step (zero rows outside the image) of channels
 * c0..c0+nc of the group at xg, for output columns xs.., zero padded and split into stride
 * phases:
 *   pk[((c * n_rows + k) * s + r) * plen + j] = x[c, iy0 + k*iy_step, (xs + j) * s + r - p]
 * (0 outside the row). Tap kx of output column xs + ox then reads
 * pk[... + tap_offset(kx) + ox]: contiguous for every stride and dilation. */
static void conv_pack(const conv_geom *g, const float *xg, int64_t c0, int64_t nc, int64_t iy0,
                      int64_t iy_step, int64_t n_rows, int64_t xs, float *pk) {
    int64_t sx = g->s[1];
    for (int64_t r = 0; r < sx; r++) {
        /* Packed j reads input column i = (xs + j) * s + r - p: inside the row for
         * j in [jlo, jhi), zero padding elsewhere. */
        int64_t first = xs * sx + r - g->p[1]; /* input column of j = 0 */
        int64_t jlo = first >= 0 ? 0 : (-first + sx - 1) / sx;
        int64_t jhi = g->W - first <= 0 ? 0 : (g->W - first + sx - 1) / sx;
        jlo = jlo < g->plen ? jlo : g->plen;
        jhi = jhi < g->plen ? jhi : g->plen;
        jhi = jhi > jlo ? jhi : jlo;
        for (int64_t c = 0; c < nc; c++)
            for (int64_t k = 0; k < n_rows; k++) {
                int64_t iy = iy0 + k * iy_step;
                float *dst = pk + (c * n_rows + k) * g->rowlen + r * g->plen;
                if (iy < 0 || iy >= g->H) {
                    memset(dst, 0, sizeof(float) * (size_t)g->plen);
                    continue;
                }
                const float *src = xg + ((c0 + c) * g->H + iy) * g->W + first;
                for (int64_t j = 0; j < jlo; j++)
                    dst[j] = 0.0f;
                if (sx == 1)
                    memcpy(dst + jlo, src + jlo, sizeof(float) * (size_t)(jhi - jlo));
                else
                    for (int64_t j = jlo; j < jhi; j++)
                        dst[j] = src[j * sx];
                for (int64_t j = jhi; j < g->plen; j++)
                    dst[j] = 0.0f;
            }
    }
}

/* Output row oy of channel o by plain loops (in float, channel / kernel row / kernel column
 * order like the tiles): only for geometries too large to pack. */
static void conv_generic(const conv_geom *g, const float *xg, const float *wo, float b, float *orow,
                         int64_t oy) {
    for (int64_t ox = 0; ox < g->OW; ox++) {
        float acc = b;
        for (int64_t c = 0; c < g->Cg; c++)
            for (int64_t ky = 0; ky < g->KH; ky++) {
                int64_t iy = oy * g->s[0] - g->p[0] + ky * g->d[0];
                if (iy < 0 || iy >= g->H)
                    continue;
                for (int64_t kx = 0; kx < g->KW; kx++) {
                    int64_t ix = ox * g->s[1] - g->p[1] + kx * g->d[1];
                    if (ix >= 0 && ix < g->W)
                        acc += wo[(c * g->KH + ky) * g->KW + kx] * xg[(c * g->H + iy) * g->W + ix];
                }
            }
        orow[ox] = acc;
    }
}

void pt2c_k_conv(const pt2c_kernel_args *args, int ith, int nth) {
    const conv_params *p = args->params;
    if (p->transposed) {
        pt2c_k_conv_transpose(args, ith, nth);
        return;
    }
    const pt2c_ktensor *x = args->in[0], *w = args->in[1];
    const float *bias = p->bias >= 0 ? args->in[p->bias]->data : NULL;
    pt2c_ktensor *out = args->out[0];
    if (out->numel == 0)
        return;
    conv_geom g = make_geom(p, x, w, out);
    /* The scratch area is shared by all threads and sized before the thread count is
     * known, so each thread packs into its own fixed stack buffer instead. */
    float pk[PACK_FLOATS];
    int64_t N = x->numel / (g.C * g.H * g.W);
    /* Blocks of output channels within a group: 4-channel quads, then single channels
     * (all of them when a group has fewer than 4 outputs, e.g. depthwise). */
    int64_t n_quad = g.generic ? 0 : g.Og / QUAD;
    int64_t n_blocks = n_quad + (g.generic ? g.Og : g.Og % QUAD);
    /* Work units in (image, group, output row, block) order: the blocks of one row share
     * the packed input, so a thread packs once per row (segment, chunk) it touches. */
    int64_t units = N * p->groups * g.OH * n_blocks;
    int64_t begin, end;
    pt2c_split_range(units, ith, nth, &begin, &end);
    const float *xd = x->data, *wd = w->data;
    float *od = out->data;
    int64_t packed = -1; /* plane mode: the (image, group) whose plane pk holds */
    for (int64_t u = begin; u < end;) {
        int64_t row = u / n_blocks, b0 = u % n_blocks;
        int64_t b1 = b0 + (end - u) < n_blocks ? b0 + (end - u) : n_blocks;
        u += b1 - b0;
        int64_t oy = row % g.OH, t = row / g.OH;
        int64_t grp = t % p->groups, n = t / p->groups;
        const float *xg = xd + (n * g.C + grp * g.Cg) * g.H * g.W;
        if (g.generic) {
            for (int64_t blk = b0; blk < b1; blk++) {
                int64_t o = grp * g.Og + blk;
                conv_generic(&g, xg, wd + o * g.Cg * g.KK, bias ? bias[o] : 0.0f,
                             od + ((n * g.O + o) * g.OH + oy) * g.OW, oy);
            }
            continue;
        }
        /* Kernel rows that land inside the input for this output row (plane mode keeps the
         * zero rows of the padding and runs all of them). */
        int64_t ky0 = 0, ky1 = g.KH;
        while (!g.plane && ky0 < ky1 && oy * g.s[0] - g.p[0] + ky0 * g.d[0] < 0)
            ky0++;
        while (!g.plane && ky1 > ky0 && oy * g.s[0] - g.p[0] + (ky1 - 1) * g.d[0] >= g.H)
            ky1--;
        if (g.plane && packed != t) {
            conv_pack(&g, xg, 0, g.Cg, -g.p[0], 1, g.Hp, 0, pk);
            packed = t;
        }
        for (int64_t xs = 0; xs < g.OW; xs += g.seg)
            for (int64_t c0 = 0; c0 < g.Cg; c0 += g.chunk) {
                conv_job j;
                memset(&j, 0, sizeof j);
                j.g = &g;
                j.nc = g.Cg - c0 < g.chunk ? g.Cg - c0 : g.chunk;
                j.nx = g.OW - xs < g.seg ? g.OW - xs : g.seg;
                j.ky0 = ky0;
                j.ky1 = ky1;
                j.first = c0 == 0;
                for (int64_t kx = 0; kx < g.KW && kx < MAX_TAPS; kx++)
                    j.tap[kx] = tap_offset(&g, kx);
                if (g.direct) {
                    j.xin = xg + c0 * g.W + xs;
                    j.xc = g.W;
                } else if (g.plane) {
                    j.xin = pk + oy * g.s[0] * g.rowlen;
                    j.xky = g.d[0] * g.rowlen;
                    j.xc = g.Hp * g.rowlen;
                } else {
                    conv_pack(&g, xg, c0, j.nc, oy * g.s[0] - g.p[0] + ky0 * g.d[0], g.d[0],
                              ky1 - ky0, xs, pk);
                    j.xin = pk;
                    j.xky = g.rowlen;
                    j.xc = (ky1 - ky0) * g.rowlen;
                }
                for (int64_t blk = b0; blk < b1; blk++) {
                    bool quad = blk < n_quad;
                    int64_t o0 = grp * g.Og + (quad ? blk * QUAD : n_quad * QUAD + blk - n_quad);
                    int nb = quad ? QUAD : 1;
                    for (int b = 0; b < QUAD; b++) {
                        int64_t o = o0 + (b < nb ? b : 0);
                        j.w[b] = wd + (o * g.Cg + c0) * g.KK;
                        j.bias[b] = bias ? bias[o] : 0.0f;
                        j.out[b] = od + ((n * g.O + o) * g.OH + oy) * g.OW + xs;
                    }
                    if (quad)
                        conv_row_quad(&j);
                    else
                        conv_row_one(&j);
                }
            }
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
