/*
 * fold_transposes.c - a matrix product whose second operand is a transposed matrix reads
 * the matrix itself: Core ATen writes linear as
 *
 *     t = permute(w, [1, 0])            (or t(w), transpose(w, 0, 1))
 *     y = addmm(b, x, t)                (or mm(x, t))
 *
 * which becomes y = linear(x, w, b). The GEMM packs w's rows as transposed panels (at plan
 * time when w is a weight, straight from the file mapping), so nothing is transposed at run
 * time and no transposed copy of the weight is ever stored: without this pass
 * fold_constants would keep one on the heap beside the packed one. The product is the same
 * chain of multiply-adds over k either way (the same bits). The permute goes when nothing
 * else reads it (dce).
 *
 * Only for bias-free mm, and addmm with beta = alpha = 1 and a 1-D bias (linear's bias).
 */
#include "passes/passes.h"

#include <string.h>

static bool is_one(pt2c_node *n, const char *name) {
    pt2c_named_arg *a = pt2c_node_find_arg(n, name);
    return !a || (a->arg.kind == PT2C_ARG_INT && a->arg.i == 1) ||
           (a->arg.kind == PT2C_ARG_FLOAT && a->arg.f == 1.0);
}

/* The matrix a 2-D transpose node reads, or NULL. */
static const char *transposed(pt2c_node *t, const pt2c_graph *g) {
    const char *src = pt2c_node_tensor_arg(t, "self");
    const pt2c_tensor_meta *m = pt2c_graph_meta(g, src);
    if (!src || !m || m->rank != 2)
        return NULL;
    if (strcmp(t->target, "torch.ops.aten.t.default") == 0)
        return src;
    if (strcmp(t->target, "torch.ops.aten.permute.default") == 0) {
        pt2c_named_arg *d = pt2c_node_find_arg(t, "dims");
        return d && d->arg.kind == PT2C_ARG_INTS && d->arg.n_items == 2 && d->arg.items[0].i == 1 &&
                       d->arg.items[1].i == 0
                   ? src
                   : NULL;
    }
    if (strcmp(t->target, "torch.ops.aten.transpose.int") == 0) {
        pt2c_named_arg *a = pt2c_node_find_arg(t, "dim0"), *b = pt2c_node_find_arg(t, "dim1");
        if (!a || !b || a->arg.kind != PT2C_ARG_INT || b->arg.kind != PT2C_ARG_INT)
            return NULL;
        int64_t d0 = a->arg.i < 0 ? a->arg.i + 2 : a->arg.i;
        int64_t d1 = b->arg.i < 0 ? b->arg.i + 2 : b->arg.i;
        return d0 != d1 && d0 >= 0 && d0 < 2 && d1 >= 0 && d1 < 2 ? src : NULL;
    }
    return NULL;
}

static pt2c_named_arg positional(const char *name, const char *value) {
    return (pt2c_named_arg){name, {.kind = PT2C_ARG_TENSOR, .name = value}, PT2C_PASS_POSITIONAL};
}

pt2c_status pt2c_pass_fold_transposes(pt2c_pass_ctx *ctx) {
    pt2c_program *prog = ctx->prog;
    pt2c_graph *g = &prog->ep.graph_module.graph;
    pt2c_strmap producer;
    pt2c_strmap_init(&producer, ctx->scratch);
    for (int64_t i = 0; i < g->n_nodes; i++) {
        pt2c_node *n = &g->nodes[i];
        if (n->n_outputs == 1 && n->outputs[0].kind == PT2C_ARG_TENSOR && n->outputs[0].name)
            PT2C_CHECK(pt2c_strmap_put(&producer, n->outputs[0].name, i) == PT2C_OK, ctx->err,
                       PT2C_ERR_NOMEM, "fold_transposes: out of memory");
        bool addmm = strcmp(n->target, "torch.ops.aten.addmm.default") == 0;
        bool mm = strcmp(n->target, "torch.ops.aten.mm.default") == 0;
        if (!addmm && !mm)
            continue;
        const char *x = pt2c_node_tensor_arg(n, addmm ? "mat1" : "self");
        const char *t = pt2c_node_tensor_arg(n, addmm ? "mat2" : "mat2");
        const char *b = addmm ? pt2c_node_tensor_arg(n, "self") : NULL;
        int64_t ti;
        if (!x || !t || (addmm && (!b || !is_one(n, "beta") || !is_one(n, "alpha"))) ||
            !pt2c_strmap_get(&producer, t, &ti))
            continue;
        const char *w = transposed(&g->nodes[ti], g);
        const pt2c_tensor_meta *bm = b ? pt2c_graph_meta(g, b) : NULL;
        const pt2c_tensor_meta *wm = w ? pt2c_graph_meta(g, w) : NULL;
        if (!w || !wm || (addmm && (!bm || bm->rank != 1 || bm->dtype != wm->dtype)))
            continue;
        pt2c_named_arg *in = PT2C_ARENA_ARRAY(&prog->arena, pt2c_named_arg, 3);
        PT2C_CHECK(in, ctx->err, PT2C_ERR_NOMEM, "fold_transposes: out of memory");
        in[0] = positional("input", x);
        in[1] = positional("weight", w);
        if (b)
            in[2] = positional("bias", b);
        n->target = "torch.ops.aten.linear.default";
        n->inputs = in;
        n->n_inputs = b ? 3 : 2;
        ctx->rewrites++;
    }
    if (ctx->rewrites) {
        int64_t removed;
        PT2C_TRY(pt2c_graph_remove_dead_nodes(ctx, &removed));
    }
    return PT2C_OK;
}
