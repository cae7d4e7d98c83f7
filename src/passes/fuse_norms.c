/*
 * fuse_norms.c - RMS and layer norms written out by hand over the last dim become
 * aten.rms_norm / aten.layer_norm, one row kernel (norm.c) instead of five to ten passes
 * over the tensor. The forms, as torch.export writes them (both dialects):
 *
 *   rms_norm     n = mul(x, rsqrt(add(mean(pow(x, 2), [-1], keepdim), eps)))  (either order)
 *                out = mul(w, n)  (either order, or n alone)
 *                -> rms_norm(x, [D], w, eps)
 *                transformers' LlamaRMSNorm (Mistral, Qwen2, ...) and T5LayerNorm
 *   layer_norm   c = sub(x, mu), mu = mean(x, [-1], keepdim), v = mean(pow(c, 2), [-1], keepdim)
 *                n = div(c, sqrt(add(v, eps)))  or  mul(c, rsqrt(add(v, eps)))
 *                out = add(mul(w, n), b)  (each in either order; b, or b and w, may be absent)
 *                -> layer_norm(x, [D], w, b, eps)
 *                transformers' DebertaLayerNorm (sqrt, div) and CohereLayerNorm (rsqrt)
 *
 * The centred value c may be one node read twice (after cse) or two equal sub nodes. Between
 * n and the weight there may be no-op casts (the training IR writes the models'
 * .to(torch.float32) and .to(input_dtype) of float32 tensors as to.dtype nodes); the
 * _assert_tensor_metadata export adds on n goes with it. w and b are float32 vectors of the
 * last dim's size D (static). Only float32, only when nothing else reads an intermediate
 * (pattern.c). The row kernel sums in a different order than mean does: results differ by
 * rounding, within the oracle's tolerance.
 */
#include "passes/passes.h"

#include <math.h>
#include <string.h>

typedef struct norm {
    bool layer;    /* layer_norm, else rms_norm */
    const char *x; /* normalized over its last dim */
    const char *w; /* nullable */
    const char *b; /* nullable (layer_norm only) */
    double eps;
} norm;

/* mean(v, [-1], keepdim=True), over the last dim: v, or NULL. */
static const char *take_row_mean(pt2c_pattern *p, const char *name) {
    pt2c_node *m = pt2c_pattern_take(p, name, "torch.ops.aten.mean.dim");
    if (!m)
        return NULL;
    const char *v = pt2c_node_tensor_arg(m, "self");
    const pt2c_tensor_meta *vm = pt2c_graph_meta(p->g, v);
    const pt2c_arg *dim = pt2c_node_arg(m, "dim"), *keep = pt2c_node_arg(m, "keepdim");
    const pt2c_arg *dtype = pt2c_node_arg(m, "dtype");
    if (!vm || vm->rank < 1 || !dim || dim->kind != PT2C_ARG_INTS || dim->n_items != 1 ||
        dim->items[0].kind != PT2C_ARG_INT ||
        !(dim->items[0].i == -1 || dim->items[0].i == vm->rank - 1) || !keep ||
        keep->kind != PT2C_ARG_BOOL || !keep->b || (dtype && dtype->kind != PT2C_ARG_NONE))
        return NULL;
    return v;
}

/* add(mean(pow(v, 2), [-1], keepdim), eps): v and eps (>= 0), else NULL. */
static const char *take_mean_square(pt2c_pattern *p, const char *name, double *eps) {
    const char *ms = pt2c_pattern_take_scalar_op(p, name, "add", eps);
    const char *sq = ms && *eps >= 0 && isfinite(*eps) ? take_row_mean(p, ms) : NULL;
    pt2c_node *pw = pt2c_pattern_take(p, sq, "torch.ops.aten.pow.Tensor_Scalar");
    double two;
    if (!pw || !pt2c_pattern_scalar(pw, "exponent", &two) || two != 2.0)
        return NULL;
    return pt2c_node_tensor_arg(pw, "self");
}

/* n = mul(x, rsqrt(mean square + eps)), either order. */
static bool rms_core(pt2c_pattern *p, const char *name, norm *out) {
    const char *a, *b;
    if (!pt2c_pattern_tensor_op(pt2c_pattern_node(p, name), "mul", &a, &b))
        return false;
    int32_t inner = p->n_match;
    for (int order = 0; order < 2; order++) {
        const char *x = order ? b : a, *r = order ? a : b;
        double eps;
        p->n_match = inner;
        pt2c_node *rs = pt2c_pattern_take(p, r, "torch.ops.aten.rsqrt.default");
        if (rs &&
            pt2c_pattern_same(take_mean_square(p, pt2c_node_tensor_arg(rs, "self"), &eps), x)) {
            *out = (norm){false, x, NULL, NULL, eps};
            return true;
        }
    }
    return false;
}

/* n = div(c, sqrt(v + eps)) or mul(c, rsqrt(v + eps)) (either order), c = sub(x, mu). */
static bool layer_core(pt2c_pattern *p, const char *name, norm *out) {
    const char *cs[2] = {NULL, NULL}, *rs[2] = {NULL, NULL};
    const char *target, *a, *b;
    pt2c_node *n = pt2c_pattern_node(p, name);
    if (pt2c_pattern_tensor_op(n, "div", &a, &b)) {
        cs[0] = a, rs[0] = b;
        target = "torch.ops.aten.sqrt.default";
    } else if (pt2c_pattern_tensor_op(n, "mul", &a, &b)) {
        cs[0] = a, rs[0] = b, cs[1] = b, rs[1] = a;
        target = "torch.ops.aten.rsqrt.default";
    } else {
        return false;
    }
    int32_t inner = p->n_match;
    for (int order = 0; order < 2 && cs[order]; order++) {
        p->n_match = inner;
        pt2c_node *sq = pt2c_pattern_take(p, rs[order], target);
        double eps;
        const char *c1 = sq ? take_mean_square(p, pt2c_node_tensor_arg(sq, "self"), &eps) : NULL;
        const char *x, *mu, *x2, *mu2;
        if (!c1 || !pt2c_pattern_take_tensor_op(p, c1, "sub", &x, &mu) ||
            !pt2c_pattern_same(take_row_mean(p, mu), x))
            continue;
        /* The centred value divided: c1 itself, or a second sub(x, mu). */
        if (!pt2c_pattern_same(cs[order], c1) &&
            !(pt2c_pattern_take_tensor_op(p, cs[order], "sub", &x2, &mu2) &&
              pt2c_pattern_same(x2, x) && pt2c_pattern_same(mu2, mu)))
            continue;
        *out = (norm){true, x, NULL, NULL, eps};
        return true;
    }
    return false;
}

/* A float32 vector of the normalized dim's size. */
static bool row_vector(const pt2c_graph *g, const char *v, const char *x) {
    const pt2c_tensor_meta *vm = pt2c_graph_meta(g, v), *xm = pt2c_graph_meta(g, x);
    if (!vm || !xm || vm->rank != 1 || xm->rank < 1 || vm->dtype != PT2C_DTYPE_F32)
        return false;
    const pt2c_sym *d = &vm->sizes[0], *D = &xm->sizes[xm->rank - 1];
    return !d->is_expr && !D->is_expr && d->i == D->i && d->i > 0;
}

/* The normalized value n (no weight), or mul(w, casts(n)) in either order. */
static bool weighted(pt2c_pattern *p, const char *name, bool layer, norm *out) {
    int32_t mark = p->n_match;
    if (layer ? layer_core(p, name, out) : rms_core(p, name, out))
        return true;
    p->n_match = mark;
    const char *a, *b;
    if (!pt2c_pattern_tensor_op(pt2c_pattern_node(p, name), "mul", &a, &b))
        return false;
    int32_t inner = p->n_match;
    for (int order = 0; order < 2; order++) {
        const char *w = order ? b : a, *n = pt2c_pattern_skip_casts(p, order ? a : b);
        if ((layer ? layer_core(p, n, out) : rms_core(p, n, out)) && row_vector(p->g, w, out->x)) {
            out->w = w;
            return true;
        }
        p->n_match = inner;
    }
    return false;
}

/* At the root: layer_norm's add(weighted, b) in either order, else weighted. */
static bool match(pt2c_pattern *p, bool layer, norm *out) {
    pt2c_node *root = pt2c_pattern_root(p);
    const char *a, *b;
    if (layer && pt2c_pattern_tensor_op(root, "add", &a, &b)) {
        for (int order = 0; order < 2; order++) {
            const char *y = order ? b : a, *bias = order ? a : b;
            p->n_match = 0;
            if (weighted(p, y, true, out) && row_vector(p->g, bias, out->x)) {
                out->b = bias;
                return true;
            }
        }
        return false;
    }
    p->n_match = 0;
    return weighted(p, root->outputs[0].name, layer, out);
}

static pt2c_status replace(pt2c_pattern *p, const norm *n, bool *done) {
    const pt2c_tensor_meta *xm = pt2c_graph_meta(p->g, n->x);
    *done = false;
    if (!xm || xm->rank < 1 || xm->sizes[xm->rank - 1].is_expr || xm->sizes[xm->rank - 1].i < 1)
        return PT2C_OK;
    pt2c_arg shape_item = {.kind = PT2C_ARG_INT, .i = xm->sizes[xm->rank - 1].i};
    pt2c_arg none = {.kind = PT2C_ARG_NONE};
    pt2c_arg w = n->w ? (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = n->w} : none;
    pt2c_arg b = n->b ? (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = n->b} : none;
    pt2c_named_arg args[5];
    int32_t k = 0;
    args[k++] =
        (pt2c_named_arg){"input", {.kind = PT2C_ARG_TENSOR, .name = n->x}, PT2C_PASS_POSITIONAL};
    args[k++] = (pt2c_named_arg){"normalized_shape",
                                 {.kind = PT2C_ARG_INTS, .items = &shape_item, .n_items = 1},
                                 PT2C_PASS_POSITIONAL};
    args[k++] = (pt2c_named_arg){"weight", w, PT2C_PASS_POSITIONAL};
    if (n->layer)
        args[k++] = (pt2c_named_arg){"bias", b, PT2C_PASS_POSITIONAL};
    args[k++] =
        (pt2c_named_arg){"eps", {.kind = PT2C_ARG_FLOAT, .f = n->eps}, PT2C_PASS_POSITIONAL};
    return pt2c_pattern_replace(
        p, n->layer ? "torch.ops.aten.layer_norm.default" : "torch.ops.aten.rms_norm.default", args,
        k, done);
}

pt2c_status pt2c_pass_fuse_norms(pt2c_pass_ctx *ctx) {
    pt2c_pattern p;
    PT2C_TRY(pt2c_pattern_init(ctx, &p));
    for (int64_t i = p.g->n_nodes - 1; i >= 0; i--) {
        bool done = false;
        for (int layer = 1; layer >= 0 && !done; layer--) {
            norm n;
            if (pt2c_pattern_begin(&p, i) && match(&p, layer, &n))
                PT2C_TRY(replace(&p, &n, &done));
        }
    }
    return pt2c_pattern_finish(&p);
}
