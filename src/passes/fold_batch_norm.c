/*
 * fold_batch_norm.c - a convolution or linear layer followed by an eval-mode batch norm
 * becomes one convolution or linear layer with new weights:
 *
 *     W'[o] = W[o] * s[o],   b'[o] = (b[o] - mean[o]) * s[o] + beta[o],
 *     s[o]  = gamma[o] / sqrt(var[o] + eps)        (in double, rounded once to float)
 *
 * the same arithmetic the runtime's plan-level fusion uses (runtime/fuse.c), so a folded
 * graph computes what the unfolded one computes in pt2c. The batch norm node goes; its
 * parameters and the old weight become unread, for dce to drop.
 *
 * Producers: conv1d/2d/3d and convolution (not transposed) and linear, whose weight has the
 * output channels in dim 0; and addmm(bias, x, W) with W [in, out] (Core ATen's linear once
 * fold_constants has made its transposed weight a constant). Only float32 constants, dense,
 * and only when the batch norm is the producer's only reader.
 */
#include "passes/passes.h"

#include "ops/kernel_abi.h"

#include <math.h>
#include <string.h>

typedef enum producer_kind { PROD_NONE, PROD_CONV, PROD_LINEAR, PROD_ADDMM } producer_kind;

static producer_kind producer_of(const char *target) {
    static const char *const convs[] = {
        "torch.ops.aten.conv1d.default", "torch.ops.aten.conv2d.default",
        "torch.ops.aten.conv3d.default", "torch.ops.aten.convolution.default"};
    for (size_t k = 0; k < sizeof convs / sizeof convs[0]; k++)
        if (strcmp(target, convs[k]) == 0)
            return PROD_CONV;
    if (strcmp(target, "torch.ops.aten.linear.default") == 0)
        return PROD_LINEAR;
    if (strcmp(target, "torch.ops.aten.addmm.default") == 0)
        return PROD_ADDMM;
    return PROD_NONE;
}

/* An argument left at its default, or given as the default literal. */
static bool arg_is(pt2c_node *n, const char *name, pt2c_arg_kind kind, double value) {
    pt2c_named_arg *a = pt2c_node_find_arg(n, name);
    if (!a)
        return true;
    if (a->arg.kind != kind)
        return false;
    switch (kind) {
    case PT2C_ARG_BOOL:
        return a->arg.b == (value != 0);
    case PT2C_ARG_INT:
        return (double)a->arg.i == value;
    case PT2C_ARG_FLOAT:
        return a->arg.f == value;
    default:
        return false;
    }
}

/* The float32 data of a placeholder bound to a weight, buffer or constant nothing mutates,
 * dense and of numel elements; NULL otherwise. */
static const float *constant_f32(pt2c_program *prog, const char *name, int64_t numel) {
    if (!name)
        return NULL;
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    const pt2c_graph_signature *sig = &prog->ep.graph_module.signature;
    const char *target = NULL;
    for (int32_t i = 0; i < g->n_inputs && i < sig->n_input_specs; i++) {
        const pt2c_input_spec *s = &sig->input_specs[i];
        if (g->inputs[i].name && strcmp(g->inputs[i].name, name) == 0 &&
            (s->kind == PT2C_INPUT_PARAMETER || s->kind == PT2C_INPUT_BUFFER ||
             s->kind == PT2C_INPUT_TENSOR_CONSTANT))
            target = s->target;
    }
    if (!target)
        return NULL;
    for (int32_t o = 0; o < sig->n_output_specs; o++)
        if (sig->output_specs[o].target && strcmp(sig->output_specs[o].target, target) == 0)
            return NULL; /* mutated */
    const pt2c_tensor_data *t = NULL;
    for (int64_t i = 0; i < prog->n_state_dict && !t; i++)
        if (strcmp(prog->state_dict[i].name, target) == 0)
            t = &prog->state_dict[i];
    for (int64_t i = 0; i < prog->n_constants && !t; i++)
        if (strcmp(prog->constants[i].name, target) == 0)
            t = &prog->constants[i];
    if (!t || t->dtype != PT2C_DTYPE_F32 || !t->storage || t->storage_offset < 0)
        return NULL;
    int64_t n = 1, stride = 1;
    for (int32_t d = t->rank - 1; d >= 0; d--) {
        if (t->sizes[d] != 1 && t->strides[d] != stride)
            return NULL;
        stride *= t->sizes[d];
        n *= t->sizes[d];
    }
    if (n != numel || (uint64_t)(t->storage_offset + n) * 4 > t->storage_bytes)
        return NULL;
    return (const float *)t->storage + t->storage_offset;
}

typedef struct bn_match {
    pt2c_node *bn;
    const char *out;   /* the batch norm's result (what readers read) */
    const float *p[4]; /* gamma, beta (nullable), mean, var */
    double eps;
} bn_match;

/* An eval-mode batch norm of value x with constant statistics over channels C. */
static bool match_bn(pt2c_program *prog, pt2c_node *n, const char *x, int64_t C, bn_match *m) {
    bool training_ir = strcmp(n->target, "torch.ops.aten.batch_norm.default") == 0;
    bool core =
        strcmp(n->target, "torch.ops.aten._native_batch_norm_legit_no_training.default") == 0;
    if (!training_ir && !core)
        return false;
    const char *in = pt2c_node_tensor_arg(n, "input");
    if (!in || strcmp(in, x) != 0)
        return false;
    if (training_ir) {
        pt2c_named_arg *tr = pt2c_node_find_arg(n, "training");
        if (!tr || tr->arg.kind != PT2C_ARG_BOOL || tr->arg.b)
            return false;
    }
    pt2c_named_arg *eps = pt2c_node_find_arg(n, "eps");
    m->eps = 1e-5;
    if (eps && eps->arg.kind == PT2C_ARG_FLOAT)
        m->eps = eps->arg.f;
    else if (eps)
        return false;
    static const char *const names[4] = {"weight", "bias", "running_mean", "running_var"};
    for (int k = 0; k < 4; k++) {
        const char *v = pt2c_node_tensor_arg(n, names[k]);
        m->p[k] = v ? constant_f32(prog, v, C) : NULL;
        if (v && !m->p[k])
            return false;
    }
    if (!m->p[2] || !m->p[3] || n->n_outputs < 1)
        return false;
    const pt2c_arg *o = &n->outputs[0];
    m->out = o->kind == PT2C_ARG_TENSOR                        ? o->name
             : (o->kind == PT2C_ARG_TENSORS && o->n_items > 0) ? o->items[0].name
                                                               : NULL;
    m->bn = n;
    return m->out != NULL;
}

/* Set (or add, right after weight, positional) the producer's bias argument. */
static pt2c_status set_bias(pt2c_pass_ctx *ctx, pt2c_node *n, const char *arg_name,
                            const char *value) {
    pt2c_named_arg *a = pt2c_node_find_arg(n, arg_name);
    if (a) {
        a->arg =
            (pt2c_arg){.kind = a->arg.kind == PT2C_ARG_OPTIONAL_TENSOR ? PT2C_ARG_OPTIONAL_TENSOR
                                                                       : PT2C_ARG_TENSOR,
                       .name = value};
        return PT2C_OK;
    }
    int32_t at = 0;
    for (int32_t k = 0; k < n->n_inputs; k++)
        if (strcmp(n->inputs[k].name, "weight") == 0)
            at = k + 1;
    pt2c_named_arg *in = PT2C_ARENA_ARRAY(&ctx->prog->arena, pt2c_named_arg, n->n_inputs + 1);
    PT2C_CHECK(in, ctx->err, PT2C_ERR_NOMEM, "fold_batch_norm: out of memory");
    memcpy(in, n->inputs, sizeof *in * (size_t)at);
    in[at] =
        (pt2c_named_arg){arg_name, {.kind = PT2C_ARG_TENSOR, .name = value}, PT2C_PASS_POSITIONAL};
    memcpy(in + at + 1, n->inputs + at, sizeof *in * (size_t)(n->n_inputs - at));
    n->inputs = in;
    n->n_inputs++;
    return PT2C_OK;
}

static pt2c_status fold_one(pt2c_pass_ctx *ctx, pt2c_node *prod, producer_kind kind,
                            const bn_match *m, int64_t C) {
    pt2c_program *prog = ctx->prog;
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    const char *wname = pt2c_node_tensor_arg(prod, kind == PROD_ADDMM ? "mat2" : "weight");
    const char *bname = pt2c_node_tensor_arg(prod, kind == PROD_ADDMM ? "self" : "bias");
    const pt2c_tensor_meta *wm = pt2c_graph_meta(g, wname);
    uint64_t wbytes;
    if (!wm || !pt2c_meta_static(wm, &wbytes))
        return PT2C_OK;
    int64_t numel = (int64_t)(wbytes / 4);
    const float *w = constant_f32(prog, wname, numel);
    const float *b = bname ? constant_f32(prog, bname, C) : NULL;
    if (!w || (bname && !b))
        return PT2C_OK;
    float *w2 = pt2c_arena_alloc_uninit(&prog->arena, (size_t)wbytes, 64);
    float *b2 = pt2c_arena_alloc_uninit(&prog->arena, sizeof(float) * (size_t)C, 64);
    float *s = pt2c_arena_alloc_uninit(ctx->scratch, sizeof(float) * (size_t)C, 64);
    PT2C_CHECK(w2 && b2 && s, ctx->err, PT2C_ERR_NOMEM, "fold_batch_norm: out of memory");
    for (int64_t o = 0; o < C; o++) {
        double sc = (m->p[0] ? (double)m->p[0][o] : 1.0) / sqrt((double)m->p[3][o] + m->eps);
        s[o] = (float)sc;
        double bias = b ? (double)b[o] : 0.0;
        b2[o] = (float)((bias - (double)m->p[2][o]) * sc + (m->p[1] ? (double)m->p[1][o] : 0.0));
    }
    /* Output channels: dim 0 of a conv or linear weight, dim 1 of addmm's [in, out]. */
    int64_t inner = numel / C;
    for (int64_t i = 0; i < numel; i++)
        w2[i] = w[i] * s[kind == PROD_ADDMM ? i % C : i / inner];
    const char *base = prod->name;
    const char *wnew = NULL, *bnew = NULL;
    int64_t sizes[PT2C_MAX_RANK];
    for (int32_t d = 0; d < wm->rank && d < PT2C_MAX_RANK; d++)
        sizes[d] = wm->sizes[d].i;
    char *wb = pt2c_arena_sprintf(ctx->scratch, "folded_%s_weight", base);
    char *bb = pt2c_arena_sprintf(ctx->scratch, "folded_%s_bias", base);
    PT2C_CHECK(wb && bb, ctx->err, PT2C_ERR_NOMEM, "fold_batch_norm: out of memory");
    PT2C_TRY(
        pt2c_graph_add_constant(ctx, wb, PT2C_DTYPE_F32, wm->rank, sizes, w2, wbytes, wm, &wnew));
    PT2C_TRY(pt2c_graph_add_constant(ctx, bb, PT2C_DTYPE_F32, 1, &C, b2,
                                     sizeof(float) * (uint64_t)C, wm, &bnew));
    pt2c_named_arg *wa = pt2c_node_find_arg(prod, kind == PROD_ADDMM ? "mat2" : "weight");
    wa->arg.name = wnew;
    PT2C_TRY(set_bias(ctx, prod, kind == PROD_ADDMM ? "self" : "bias", bnew));
    const pt2c_arg *po = &prod->outputs[0];
    pt2c_graph_replace_uses(prog, m->out, po->name);
    ctx->rewrites++;
    return PT2C_OK;
}

/* The channel count C of a producer's output, from its weight. */
static int64_t producer_channels(const pt2c_graph *g, pt2c_node *prod, producer_kind kind) {
    const pt2c_tensor_meta *wm =
        pt2c_graph_meta(g, pt2c_node_tensor_arg(prod, kind == PROD_ADDMM ? "mat2" : "weight"));
    int32_t dim = kind == PROD_ADDMM ? 1 : 0;
    if (!wm || wm->rank <= dim || wm->sizes[dim].is_expr || wm->sizes[dim].i < 1)
        return -1;
    if (kind == PROD_CONV && wm->rank < 3)
        return -1;
    if (kind != PROD_CONV && wm->rank != 2)
        return -1;
    return wm->sizes[dim].i;
}

pt2c_status pt2c_pass_fold_batch_norm(pt2c_pass_ctx *ctx) {
    pt2c_program *prog = ctx->prog;
    pt2c_graph *g = &prog->ep.graph_module.graph;
    pt2c_strmap uses;
    PT2C_TRY(pt2c_graph_count_uses(ctx, &uses));
    int64_t folded = 0;
    for (int64_t i = 0; i + 1 < g->n_nodes; i++) {
        pt2c_node *prod = &g->nodes[i];
        producer_kind kind = producer_of(prod->target);
        if (kind == PROD_NONE || prod->n_outputs != 1 || prod->outputs[0].kind != PT2C_ARG_TENSOR)
            continue;
        if (strcmp(prod->target, "torch.ops.aten.convolution.default") == 0 &&
            !arg_is(prod, "transposed", PT2C_ARG_BOOL, 0))
            continue;
        if (kind == PROD_ADDMM &&
            (!arg_is(prod, "beta", PT2C_ARG_INT, 1) || !arg_is(prod, "alpha", PT2C_ARG_INT, 1)))
            continue;
        const char *x = prod->outputs[0].name;
        int64_t n_uses = 0;
        int64_t C = producer_channels(g, prod, kind);
        if (!x || C < 1 || !pt2c_strmap_get(&uses, x, &n_uses) || n_uses != 1)
            continue;
        /* Its one reader, the batch norm, is usually next; search on in graph order. */
        bn_match m = {0};
        for (int64_t j = i + 1; j < g->n_nodes && !m.bn; j++)
            if (!match_bn(prog, &g->nodes[j], x, C, &m))
                m.bn = NULL;
        if (!m.bn)
            continue;
        int64_t before = ctx->rewrites;
        PT2C_TRY(fold_one(ctx, prod, kind, &m, C));
        folded += ctx->rewrites - before;
    }
    if (folded) {
        int64_t removed;
        PT2C_TRY(pt2c_graph_remove_dead_nodes(ctx, &removed));
    }
    return PT2C_OK;
}
