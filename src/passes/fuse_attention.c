/*
 * fuse_attention.c - the decomposed scaled dot-product attention that run_decompositions()
 * writes becomes one aten.scaled_dot_product_attention node again, which pt2c runs as one
 * kernel (GEMM tiles, scores never materialized whole). The pattern, per head batch:
 *
 *     mq = mul.Scalar(q, s1)                 mk = mul.Scalar(permute(k, [0, 1, 3, 2]), s2)
 *     scores = view(bmm(view(expand(mq)), view(expand(mk))), [B, H, L, S])
 *     x = add(scores, mask)                  (or scores alone)
 *     p = _softmax(x, -1)                    then PyTorch's safe softmax, optionally:
 *         where(logical_not(any(logical_not(eq(x, -inf)), -1, True)), full_like(p, 0), p)
 *     out = view(bmm(view(expand(p)), view(expand(v))), [B, H, L, Ev])
 *
 * -> scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=s1*s2). pt2c's kernel
 * computes the same function (a fully masked row gives zeros, as the safe softmax does); it
 * scales the scores once instead of q and k, so results differ by rounding only, within the
 * oracle's tolerance. Every intermediate must have no other reader.
 *
 * The match walks back from the output view through producers (pattern.c), so the second
 * product is found before the softmax and the first product.
 */
#include "passes/passes.h"

#include <math.h>
#include <string.h>

#define ATEN(op) "torch.ops.aten." op

static bool int_arg(const pt2c_node *n, const char *name, int64_t dflt, int64_t *out) {
    const pt2c_arg *a = pt2c_node_arg(n, name);
    if (!a) {
        *out = dflt;
        return true;
    }
    if (a->kind == PT2C_ARG_BOOL) /* keepdim, half_to_float */
        *out = a->b;
    else if (a->kind == PT2C_ARG_INT)
        *out = a->i;
    else
        return false;
    return true;
}

static bool last_dim(const pt2c_graph *g, const char *value, int64_t dim) {
    const pt2c_tensor_meta *m = pt2c_graph_meta(g, value);
    return m && (dim == -1 || dim == m->rank - 1);
}

/* view, _unsafe_view or reshape (which) making name: the node, taken; NULL otherwise. */
static pt2c_node *take_view(pt2c_pattern *p, const char *name, bool allow_reshape) {
    pt2c_node *v = pt2c_pattern_take(p, name, ATEN("view.default"));
    if (!v)
        v = pt2c_pattern_take(p, name, ATEN("_unsafe_view.default"));
    if (!v && allow_reshape)
        v = pt2c_pattern_take(p, name, ATEN("reshape.default"));
    return v;
}

/* A bmm operand: view/_unsafe_view/reshape of expand(x), with a clone between them when x is
 * not contiguous (a permuted head split): x, else NULL. */
static const char *take_view_expand(pt2c_pattern *p, const char *name) {
    pt2c_node *v = take_view(p, name, true);
    const char *e = v ? pt2c_node_tensor_arg(v, "self") : NULL;
    pt2c_node *c = pt2c_pattern_take(p, e, ATEN("clone.default"));
    if (c)
        e = pt2c_node_tensor_arg(c, "self");
    pt2c_node *ex = pt2c_pattern_take(p, e, ATEN("expand.default"));
    return ex ? pt2c_node_tensor_arg(ex, "self") : NULL;
}

/* mul.Scalar(x, s): x and s. */
static const char *take_scale(pt2c_pattern *p, const char *name, double *s) {
    pt2c_node *m = pt2c_pattern_take(p, name, ATEN("mul.Scalar"));
    return m && pt2c_pattern_scalar(m, "other", s) ? pt2c_node_tensor_arg(m, "self") : NULL;
}

/* _softmax(x, -1) making name: x. */
static const char *take_softmax(pt2c_pattern *p, const char *name) {
    int64_t dim, half;
    pt2c_node *sm = pt2c_pattern_take(p, name, ATEN("_softmax.default"));
    const char *x = sm ? pt2c_node_tensor_arg(sm, "self") : NULL;
    if (!x || !int_arg(sm, "dim", -1, &dim) || !last_dim(p->g, x, dim) ||
        !int_arg(sm, "half_to_float", 0, &half) || half)
        return NULL;
    return x;
}

/* The probabilities: _softmax(x), or PyTorch's safe softmax around it,
 *     where(logical_not(any(logical_not(eq(x, -inf)), -1, True)), full_like(p, 0), p).
 * x, else NULL. */
static const char *take_probabilities(pt2c_pattern *p, const char *name) {
    int32_t mark = p->n_match;
    const char *x = take_softmax(p, name);
    if (x)
        return x;
    p->n_match = mark;
    pt2c_node *w = pt2c_pattern_take(p, name, ATEN("where.self"));
    if (!w)
        return NULL;
    const char *probs = pt2c_node_tensor_arg(w, "other");
    pt2c_node *full =
        pt2c_pattern_take(p, pt2c_node_tensor_arg(w, "self"), ATEN("full_like.default"));
    double fill;
    if (!full || !pt2c_pattern_same(pt2c_node_tensor_arg(full, "self"), probs) ||
        !pt2c_pattern_scalar(full, "fill_value", &fill) || fill != 0.0)
        return NULL;
    x = take_softmax(p, probs);
    pt2c_node *not2 =
        pt2c_pattern_take(p, pt2c_node_tensor_arg(w, "condition"), ATEN("logical_not.default"));
    pt2c_node *any =
        not2 ? pt2c_pattern_take(p, pt2c_node_tensor_arg(not2, "self"), ATEN("any.dim")) : NULL;
    pt2c_node *not1 =
        any ? pt2c_pattern_take(p, pt2c_node_tensor_arg(any, "self"), ATEN("logical_not.default"))
            : NULL;
    pt2c_node *eq =
        not1 ? pt2c_pattern_take(p, pt2c_node_tensor_arg(not1, "self"), ATEN("eq.Scalar")) : NULL;
    double inf;
    int64_t dim, keep;
    if (!x || !eq || !pt2c_pattern_same(pt2c_node_tensor_arg(eq, "self"), x) ||
        !pt2c_pattern_scalar(eq, "other", &inf) || !(isinf(inf) && inf < 0) ||
        !int_arg(any, "dim", 0, &dim) || !int_arg(any, "keepdim", 0, &keep) || !keep ||
        !last_dim(p->g, x, dim))
        return NULL;
    return x;
}

/* A mask the attention kernel takes as it is: float32, 2 to 4 dims, each 1 or the scores'
 * size (aligned at the end), as scores + mask broadcasts it. */
static bool kernel_mask(const pt2c_graph *g, const char *mask, const char *scores) {
    const pt2c_tensor_meta *m = pt2c_graph_meta(g, mask), *s = pt2c_graph_meta(g, scores);
    if (!m || !s || m->dtype != PT2C_DTYPE_F32 || m->rank < 2 || m->rank > 4 || s->rank != 4)
        return false;
    for (int32_t d = 0; d < m->rank; d++) {
        const pt2c_sym *md = &m->sizes[d], *sd = &s->sizes[s->rank - m->rank + d];
        bool one = !md->is_expr && md->i == 1;
        bool same = md->is_expr == sd->is_expr &&
                    (md->is_expr ? pt2c_pattern_same(md->expr.expr_str, sd->expr.expr_str)
                                 : md->i == sd->i);
        if (!one && !same)
            return false;
    }
    return true;
}

/* The scores view(bmm(q', k')) making name: bmm, taken; NULL otherwise. */
static pt2c_node *take_scores(pt2c_pattern *p, const char *name) {
    pt2c_node *v = take_view(p, name, false);
    return v ? pt2c_pattern_take(p, pt2c_node_tensor_arg(v, "self"), ATEN("bmm.default")) : NULL;
}

typedef struct attention {
    const char *q, *k, *v, *mask;
    double scale;
} attention;

/* x = scores or add(scores, mask), in either order: the first product, taken. */
static pt2c_node *take_masked_scores(pt2c_pattern *p, const char *x, attention *a) {
    int32_t mark = p->n_match;
    a->mask = NULL;
    pt2c_node *bmm = take_scores(p, x);
    if (bmm)
        return bmm;
    p->n_match = mark;
    const char *l, *r;
    if (!pt2c_pattern_take_tensor_op(p, x, "add", &l, &r))
        return NULL;
    mark = p->n_match;
    if ((bmm = take_scores(p, l)) != NULL)
        a->mask = r;
    else {
        p->n_match = mark;
        if ((bmm = take_scores(p, r)) != NULL)
            a->mask = l;
    }
    const char *scores = a->mask == r ? l : r;
    return bmm && kernel_mask(p->g, a->mask, scores) ? bmm : NULL;
}

/* The pattern ending at the root, out = view(bmm(view(expand(probs)), view(expand(v)))). */
static bool match(pt2c_pattern *p, attention *a) {
    pt2c_node *root = pt2c_pattern_root(p);
    if (strcmp(root->target, ATEN("view.default")) != 0 &&
        strcmp(root->target, ATEN("_unsafe_view.default")) != 0)
        return false;
    pt2c_node *bmm2 = pt2c_pattern_take(p, pt2c_node_tensor_arg(root, "self"), ATEN("bmm.default"));
    const char *probs = bmm2 ? take_view_expand(p, pt2c_node_tensor_arg(bmm2, "self")) : NULL;
    a->v = probs ? take_view_expand(p, pt2c_node_tensor_arg(bmm2, "mat2")) : NULL;
    const char *x = a->v ? take_probabilities(p, probs) : NULL;
    pt2c_node *bmm1 = x ? take_masked_scores(p, x, a) : NULL;
    const char *mq = bmm1 ? take_view_expand(p, pt2c_node_tensor_arg(bmm1, "self")) : NULL;
    const char *mk = mq ? take_view_expand(p, pt2c_node_tensor_arg(bmm1, "mat2")) : NULL;
    double s1, s2;
    a->q = mk ? take_scale(p, mq, &s1) : NULL;
    const char *kt = a->q ? take_scale(p, mk, &s2) : NULL;
    pt2c_node *perm = kt ? pt2c_pattern_take(p, kt, ATEN("permute.default")) : NULL;
    const pt2c_arg *dims = perm ? pt2c_node_arg(perm, "dims") : NULL;
    if (!dims || dims->kind != PT2C_ARG_INTS || dims->n_items != 4 || dims->items[0].i != 0 ||
        dims->items[1].i != 1 || dims->items[2].i != 3 || dims->items[3].i != 2)
        return false;
    a->k = pt2c_node_tensor_arg(perm, "self");
    a->scale = s1 * s2;
    const pt2c_tensor_meta *qm = pt2c_graph_meta(p->g, a->q);
    const pt2c_tensor_meta *om = pt2c_graph_meta(p->g, root->outputs[0].name);
    return a->k && qm && om && qm->rank == 4 && om->rank == 4;
}

static pt2c_named_arg tensor(const char *name, const char *value) {
    return (pt2c_named_arg){name, {.kind = PT2C_ARG_TENSOR, .name = value}, PT2C_PASS_POSITIONAL};
}

pt2c_status pt2c_pass_fuse_attention(pt2c_pass_ctx *ctx) {
    pt2c_pattern p;
    PT2C_TRY(pt2c_pattern_init(ctx, &p));
    for (int64_t i = p.g->n_nodes - 1; i >= 0; i--) {
        attention a;
        if (!pt2c_pattern_begin(&p, i) || !match(&p, &a))
            continue;
        pt2c_named_arg args[5];
        int32_t n = 0;
        args[n++] = tensor("query", a.q);
        args[n++] = tensor("key", a.k);
        args[n++] = tensor("value", a.v);
        if (a.mask)
            args[n++] = tensor("attn_mask", a.mask);
        args[n++] =
            (pt2c_named_arg){"scale", {.kind = PT2C_ARG_FLOAT, .f = a.scale}, PT2C_PASS_KEYWORD};
        bool done;
        PT2C_TRY(pt2c_pattern_replace_op(&p, ATEN("scaled_dot_product_attention.default"), args, n,
                                         &done));
    }
    return pt2c_pattern_finish(&p);
}
