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
 */
#include "passes/passes.h"

#include <math.h>
#include <string.h>

typedef struct graph_index {
    pt2c_graph *g;
    pt2c_strmap producer; /* value name -> node index */
    pt2c_strmap uses;     /* value name -> readers */
} graph_index;

static pt2c_node *producer(graph_index *ix, const char *name) {
    int64_t i;
    if (!name || !pt2c_strmap_get(&ix->producer, name, &i))
        return NULL;
    return &ix->g->nodes[i];
}

static int64_t uses(graph_index *ix, const char *name) {
    int64_t n = 0;
    pt2c_strmap_get(&ix->uses, name, &n);
    return n;
}

static const char *out_name(const pt2c_node *n) {
    return n && n->n_outputs == 1 && n->outputs[0].kind == PT2C_ARG_TENSOR ? n->outputs[0].name
                                                                           : NULL;
}

static bool is(const pt2c_node *n, const char *op) { return n && strcmp(n->target, op) == 0; }

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

static bool scalar_arg(const pt2c_node *n, const char *name, double *out) {
    const pt2c_arg *a = pt2c_node_arg(n, name);
    if (!a)
        return false;
    if (a->kind == PT2C_ARG_FLOAT)
        *out = a->f;
    else if (a->kind == PT2C_ARG_INT)
        *out = (double)a->i;
    else
        return false;
    return true;
}

/* A single-reader value made by view/_unsafe_view/reshape of expand(x), with a clone
 * between them when x is not contiguous (a permuted head split): x, else NULL. */
static const char *through_view_expand(graph_index *ix, const char *name) {
    pt2c_node *v = producer(ix, name);
    if (!(is(v, "torch.ops.aten.view.default") || is(v, "torch.ops.aten._unsafe_view.default") ||
          is(v, "torch.ops.aten.reshape.default")) ||
        uses(ix, name) != 1)
        return NULL;
    const char *e = pt2c_node_tensor_arg(v, "self");
    pt2c_node *ex = producer(ix, e);
    if (is(ex, "torch.ops.aten.clone.default") && uses(ix, e) == 1) {
        e = pt2c_node_tensor_arg(ex, "self");
        ex = producer(ix, e);
    }
    if (!is(ex, "torch.ops.aten.expand.default") || uses(ix, e) != 1)
        return NULL;
    return pt2c_node_tensor_arg(ex, "self");
}

/* mul.Scalar(x, s) with one reader: x and s. */
static const char *through_mul(graph_index *ix, const char *name, double *s) {
    pt2c_node *m = producer(ix, name);
    if (!is(m, "torch.ops.aten.mul.Scalar") || uses(ix, name) != 1 || !scalar_arg(m, "other", s))
        return NULL;
    return pt2c_node_tensor_arg(m, "self");
}

static bool last_dim(const pt2c_graph *g, const char *value, int64_t dim) {
    const pt2c_tensor_meta *m = pt2c_graph_meta(g, value);
    return m && (dim == -1 || dim == m->rank - 1);
}

/* The safe softmax's where around p = _softmax(x): the where node's output, or NULL. x is
 * read by the softmax and the eq, p by full_like (for its shape) and the where. */
static const char *safe_softmax(graph_index *ix, const char *x, const char *p) {
    if (uses(ix, p) != 2 || uses(ix, x) != 2)
        return NULL;
    for (int64_t i = 0; i < ix->g->n_nodes; i++) {
        pt2c_node *w = &ix->g->nodes[i];
        if (!is(w, "torch.ops.aten.where.self"))
            continue;
        const char *other = pt2c_node_tensor_arg(w, "other"),
                   *self = pt2c_node_tensor_arg(w, "self");
        const char *cond = pt2c_node_tensor_arg(w, "condition");
        if (!other || strcmp(other, p) != 0 || !self || !cond)
            continue;
        pt2c_node *full = producer(ix, self);
        const char *like = full ? pt2c_node_tensor_arg(full, "self") : NULL;
        double fill;
        if (!is(full, "torch.ops.aten.full_like.default") || uses(ix, self) != 1 || !like ||
            strcmp(like, p) != 0 || !scalar_arg(full, "fill_value", &fill) || fill != 0.0)
            return NULL;
        pt2c_node *not2 = producer(ix, cond);
        const char *a = not2 ? pt2c_node_tensor_arg(not2, "self") : NULL;
        pt2c_node *any = producer(ix, a);
        const char *b = any ? pt2c_node_tensor_arg(any, "self") : NULL;
        pt2c_node *not1 = producer(ix, b);
        const char *c = not1 ? pt2c_node_tensor_arg(not1, "self") : NULL;
        pt2c_node *eq = producer(ix, c);
        double inf;
        int64_t dim, keep;
        if (!is(not2, "torch.ops.aten.logical_not.default") || !is(any, "torch.ops.aten.any.dim") ||
            !is(not1, "torch.ops.aten.logical_not.default") ||
            !is(eq, "torch.ops.aten.eq.Scalar") || !pt2c_node_tensor_arg(eq, "self") ||
            strcmp(pt2c_node_tensor_arg(eq, "self"), x) != 0 || !scalar_arg(eq, "other", &inf) ||
            !(isinf(inf) && inf < 0) || !int_arg(any, "dim", 0, &dim) ||
            !int_arg(any, "keepdim", 0, &keep) || !keep || !last_dim(ix->g, x, dim) ||
            uses(ix, cond) != 1 || uses(ix, a) != 1 || uses(ix, b) != 1 || uses(ix, c) != 1)
            return NULL;
        return out_name(w);
    }
    return NULL;
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
        bool same =
            md->is_expr == sd->is_expr &&
            (md->is_expr ? strcmp(md->expr.expr_str, sd->expr.expr_str) == 0 : md->i == sd->i);
        if (!one && !same)
            return false;
    }
    return true;
}

typedef struct attention {
    const char *q, *k, *v, *mask, *out;
    double scale;
    int64_t at; /* index of the node that makes out */
} attention;

/* Match the pattern around one _softmax node. */
static bool match(graph_index *ix, pt2c_node *sm, attention *a) {
    int64_t dim, half;
    const char *x = pt2c_node_tensor_arg(sm, "self"), *p = out_name(sm);
    if (!x || !p || !int_arg(sm, "dim", -1, &dim) || !last_dim(ix->g, x, dim) ||
        !int_arg(sm, "half_to_float", 0, &half) || half)
        return false;
    /* Scores, plus the mask when an add makes x. */
    const char *scores = x;
    a->mask = NULL;
    pt2c_node *add = producer(ix, x);
    if (is(add, "torch.ops.aten.add.Tensor")) {
        double alpha = 1.0;
        const pt2c_arg *al = pt2c_node_arg(add, "alpha");
        if (al && !scalar_arg(add, "alpha", &alpha))
            return false;
        const char *l = pt2c_node_tensor_arg(add, "self"), *r = pt2c_node_tensor_arg(add, "other");
        if (alpha != 1.0 || !l || !r)
            return false;
        pt2c_node *lp = producer(ix, l);
        bool left =
            lp && is(producer(ix, pt2c_node_tensor_arg(lp, "self")), "torch.ops.aten.bmm.default");
        scores = left ? l : r;
        a->mask = left ? r : l;
        if (uses(ix, scores) != 1 || !kernel_mask(ix->g, a->mask, scores))
            return false;
    }
    pt2c_node *sv = producer(ix, scores);
    if (!is(sv, "torch.ops.aten.view.default") && !is(sv, "torch.ops.aten._unsafe_view.default"))
        return false;
    pt2c_node *bmm1 = producer(ix, pt2c_node_tensor_arg(sv, "self"));
    if (!is(bmm1, "torch.ops.aten.bmm.default") || uses(ix, out_name(bmm1)) != 1)
        return false;
    double s1, s2;
    const char *mq = through_view_expand(ix, pt2c_node_tensor_arg(bmm1, "self"));
    const char *mk = through_view_expand(ix, pt2c_node_tensor_arg(bmm1, "mat2"));
    const char *q = mq ? through_mul(ix, mq, &s1) : NULL;
    const char *kt = mk ? through_mul(ix, mk, &s2) : NULL;
    pt2c_node *perm = producer(ix, kt);
    const pt2c_arg *dims = perm ? pt2c_node_arg(perm, "dims") : NULL;
    if (!q || !is(perm, "torch.ops.aten.permute.default") || uses(ix, kt) != 1 || !dims ||
        dims->kind != PT2C_ARG_INTS || dims->n_items != 4 || dims->items[0].i != 0 ||
        dims->items[1].i != 1 || dims->items[2].i != 3 || dims->items[3].i != 2)
        return false;
    /* The probabilities: p, or the safe softmax's where around it. */
    const char *probs = p;
    if (uses(ix, p) != 1 || uses(ix, x) != 1) {
        probs = safe_softmax(ix, x, p);
        if (!probs)
            return false;
    }
    /* Its one reader: the second product. */
    pt2c_node *second = NULL;
    const char *vw = NULL;
    for (int64_t i = 0; i < ix->g->n_nodes && !second; i++) {
        pt2c_node *n = &ix->g->nodes[i];
        if (!is(n, "torch.ops.aten.bmm.default"))
            continue;
        const char *src = through_view_expand(ix, pt2c_node_tensor_arg(n, "self"));
        if (src && strcmp(src, probs) == 0) {
            second = n;
            vw = pt2c_node_tensor_arg(n, "mat2");
        }
    }
    const char *v = second ? through_view_expand(ix, vw) : NULL;
    if (!v || uses(ix, probs) != 1 || uses(ix, out_name(second)) != 1)
        return false;
    /* out = view(bmm2, [B, H, L, Ev]): its only reader. */
    for (int64_t i = 0; i < ix->g->n_nodes; i++) {
        pt2c_node *n = &ix->g->nodes[i];
        const char *self = pt2c_node_tensor_arg(n, "self");
        if ((is(n, "torch.ops.aten.view.default") ||
             is(n, "torch.ops.aten._unsafe_view.default")) &&
            self && strcmp(self, out_name(second)) == 0) {
            const pt2c_tensor_meta *qm = pt2c_graph_meta(ix->g, q);
            const pt2c_tensor_meta *om = pt2c_graph_meta(ix->g, out_name(n));
            const pt2c_tensor_meta *km = pt2c_graph_meta(ix->g, pt2c_node_tensor_arg(perm, "self"));
            const pt2c_tensor_meta *vm = pt2c_graph_meta(ix->g, v);
            if (!qm || !om || !km || !vm || qm->rank != 4 || om->rank != 4 ||
                qm->dtype != PT2C_DTYPE_F32 || km->dtype != PT2C_DTYPE_F32 ||
                vm->dtype != PT2C_DTYPE_F32)
                return false;
            a->q = q;
            a->k = pt2c_node_tensor_arg(perm, "self");
            a->v = v;
            a->scale = s1 * s2;
            a->out = out_name(n);
            a->at = i;
            return a->k != NULL;
        }
    }
    return false;
}

static pt2c_named_arg named(const char *name, pt2c_arg value, pt2c_arg_pass kind) {
    return (pt2c_named_arg){name, value, kind};
}

/* Replace node `at` (out = view(...)) by the attention node writing a fresh value. */
static pt2c_status rewrite(pt2c_pass_ctx *ctx, graph_index *ix, const attention *a) {
    pt2c_program *prog = ctx->prog;
    pt2c_graph *g = ix->g;
    const pt2c_tensor_meta *om = pt2c_graph_meta(g, a->out);
    const char *name = pt2c_graph_fresh_name(ctx, "scaled_dot_product_attention");
    pt2c_named_arg *in = PT2C_ARENA_ARRAY(&prog->arena, pt2c_named_arg, 5);
    pt2c_arg *outs = PT2C_ARENA_NEW(&prog->arena, pt2c_arg);
    PT2C_CHECK(om && name && in && outs, ctx->err, PT2C_ERR_NOMEM, "fuse_attention: out of memory");
    int32_t n = 0;
    in[n++] =
        named("query", (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = a->q}, PT2C_PASS_POSITIONAL);
    in[n++] = named("key", (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = a->k}, PT2C_PASS_POSITIONAL);
    in[n++] =
        named("value", (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = a->v}, PT2C_PASS_POSITIONAL);
    if (a->mask)
        in[n++] = named("attn_mask", (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = a->mask},
                        PT2C_PASS_POSITIONAL);
    in[n++] = named("scale", (pt2c_arg){.kind = PT2C_ARG_FLOAT, .f = a->scale}, PT2C_PASS_KEYWORD);
    *outs = (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = name};
    PT2C_TRY(pt2c_graph_add_value(ctx, name, om));
    pt2c_node *at = &g->nodes[a->at];
    const char *old = a->out;
    pt2c_node node = {0};
    node.target = "torch.ops.aten.scaled_dot_product_attention.default";
    node.name = name;
    node.has_name = true;
    node.inputs = in;
    node.n_inputs = n;
    node.outputs = outs;
    node.n_outputs = 1;
    node.metadata = at->metadata;
    node.n_metadata = at->n_metadata;
    *at = node;
    pt2c_graph_replace_uses(prog, old, name);
    return PT2C_OK;
}

static pt2c_status build_index(pt2c_pass_ctx *ctx, graph_index *ix) {
    ix->g = &ctx->prog->ep.graph_module.graph;
    pt2c_strmap_init(&ix->producer, ctx->scratch);
    for (int64_t i = 0; i < ix->g->n_nodes; i++) {
        const char *o = out_name(&ix->g->nodes[i]);
        if (o)
            PT2C_CHECK(pt2c_strmap_put(&ix->producer, o, i) == PT2C_OK, ctx->err, PT2C_ERR_NOMEM,
                       "fuse_attention: out of memory");
    }
    return pt2c_graph_count_uses(ctx, &ix->uses);
}

pt2c_status pt2c_pass_fuse_attention(pt2c_pass_ctx *ctx) {
    pt2c_graph *g = &ctx->prog->ep.graph_module.graph;
    for (int64_t i = 0; i < g->n_nodes; i++) {
        if (!is(&g->nodes[i], "torch.ops.aten._softmax.default"))
            continue;
        /* Rebuilt for each match: a rewrite changes producers and uses. */
        graph_index ix;
        PT2C_TRY(build_index(ctx, &ix));
        attention a;
        if (!match(&ix, &g->nodes[i], &a))
            continue;
        PT2C_TRY(rewrite(ctx, &ix, &a));
        ctx->rewrites++;
    }
    if (ctx->rewrites) {
        int64_t removed;
        PT2C_TRY(pt2c_graph_remove_dead_nodes(ctx, &removed));
    }
    return PT2C_OK;
}
