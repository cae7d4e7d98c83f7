/*
 * inplace_check.c - may an in-place op write its `self`? The planner aliases views (select,
 * slice, expand, ...) where they are dense in their base, but copies a view a kernel reads
 * where it is not (plan.c, "Views"), and which it is depends on the sizes: a training-IR
 * write into a view would not always reach its base, and a view made before the write would
 * not always see it. Such graphs are refused with a message pointing at
 * run_decompositions(), which makes them functional (and the functionalize pass, in the
 * defaults, rewrites most of them); every op flagged PT2C_OP_INPLACE goes through this
 * check at plan build.
 */
#include "runtime/runtime.h"

#include <string.h>

/* Ops whose output may share self's storage in PyTorch (schema "Tensor(a) self ->
 * Tensor(a)", plus to/type_as, which return self when nothing changes). */
static const char *const view_ops[] = {"alias",
                                       "as_strided",
                                       "chunk",
                                       "contiguous",
                                       "detach",
                                       "diagonal",
                                       "dsplit",
                                       "expand",
                                       "expand_as",
                                       "flatten",
                                       "hsplit",
                                       "movedim",
                                       "narrow",
                                       "permute",
                                       "reshape",
                                       "reshape_as",
                                       "select",
                                       "slice",
                                       "split",
                                       "split_with_sizes",
                                       "squeeze",
                                       "swapaxes",
                                       "t",
                                       "tensor_split",
                                       "to",
                                       "transpose",
                                       "type_as",
                                       "unbind",
                                       "unflatten",
                                       "unfold",
                                       "unsafe_chunk",
                                       "unsafe_split",
                                       "unsafe_split_with_sizes",
                                       "unsqueeze",
                                       "view",
                                       "view_as",
                                       "vsplit"};

static bool is_view_target(const char *target) {
    const char *prefix = "torch.ops.aten.";
    size_t n = strlen(prefix);
    if (strncmp(target, prefix, n) != 0)
        return false;
    const char *name = target + n;
    const char *dot = strchr(name, '.');
    size_t len = dot ? (size_t)(dot - name) : strlen(name);
    for (size_t k = 0; k < sizeof view_ops / sizeof view_ops[0]; k++)
        if (strlen(view_ops[k]) == len && strncmp(view_ops[k], name, len) == 0)
            return true;
    return false;
}

static bool arg_names(const pt2c_arg *a, const char *name) {
    if (a->name && (a->kind == PT2C_ARG_TENSOR || a->kind == PT2C_ARG_OPTIONAL_TENSOR) &&
        strcmp(a->name, name) == 0)
        return true;
    if (a->kind == PT2C_ARG_TENSORS || a->kind == PT2C_ARG_OPTIONAL_TENSORS)
        for (int64_t k = 0; k < a->n_items; k++)
            if (arg_names(&a->items[k], name))
                return true;
    return false;
}

static bool node_outputs(const pt2c_node *node, const char *name) {
    for (int32_t o = 0; o < node->n_outputs; o++)
        if (arg_names(&node->outputs[o], name))
            return true;
    return false;
}

static bool node_reads(const pt2c_node *node, const char *name) {
    for (int32_t i = 0; i < node->n_inputs; i++)
        if (arg_names(&node->inputs[i].arg, name))
            return true;
    return false;
}

/* True when a node after `index`, or a graph output, reads `name`. */
static bool used_after(const pt2c_graph *g, int64_t index, const char *name) {
    for (int64_t i = index + 1; i < g->n_nodes; i++)
        if (node_reads(&g->nodes[i], name))
            return true;
    for (int32_t o = 0; o < g->n_outputs; o++)
        if (arg_names(&g->outputs[o], name))
            return true;
    return false;
}

pt2c_status pt2c_op_check_inplace_self(pt2c_op_ctx *ctx) {
    const pt2c_arg *self = pt2c_op_arg(ctx, "self");
    if (!self || !self->name)
        return PT2C_OK; /* reported by the input declaration */
    const pt2c_graph *g = &ctx->plan->prog->ep.graph_module.graph;
    int64_t here = ctx->step->node_index;
    for (int64_t i = 0; i < here && i < g->n_nodes; i++) {
        const pt2c_node *n = &g->nodes[i];
        if (!is_view_target(n->target))
            continue;
        /* self is a view of something: the write would have to reach the base. */
        if (node_outputs(n, self->name))
            return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                                "plan: in-place write into '%s', a view made by %s; pt2c "
                                "may copy views (export with run_decompositions() for a "
                                "functional graph)",
                                self->name, n->target);
        /* A view of self made earlier and read later would have to see the write. */
        if (node_reads(n, self->name))
            for (int32_t o = 0; o < n->n_outputs; o++) {
                const pt2c_arg *out = &n->outputs[o];
                const pt2c_arg *items = out->kind == PT2C_ARG_TENSORS ? out->items : out;
                int64_t n_items = out->kind == PT2C_ARG_TENSORS ? out->n_items : 1;
                for (int64_t k = 0; k < n_items; k++)
                    if (items[k].name && used_after(g, here, items[k].name))
                        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                                            "plan: in-place write into '%s' while its view '%s' "
                                            "is still used; pt2c may copy views (export "
                                            "with run_decompositions() for a functional "
                                            "graph)",
                                            self->name, items[k].name);
            }
    }
    /* Known at build: kernels must not treat this value's bytes as fixed. */
    ctx->step->writes_self = true;
    int64_t slot;
    if (pt2c_strmap_get(&ctx->plan->slot_by_name, self->name, &slot))
        ctx->plan->values[slot].is_written = true;
    return PT2C_OK;
}
