/*
 * functionalize.c - in-place writes into intermediate tensors and their views become
 * functional ops, as PyTorch's functionalization makes them:
 *
 *     slice_2 = slice(new_zeros, 1, 1, MAX)           new_zeros_1 = slice_scatter(new_zeros,
 *     copy_   = copy_(slice_2, clone)          ->                    copy(slice_2, clone), 1, 1,
 * MAX) eq      = eq(new_zeros, -100)                   eq = eq(new_zeros_1, -100)
 *
 * (BART's shift_tokens_right.) An in-place op on a view becomes its functional op on the
 * view, then one *_scatter per view step puts the result back into the base; every later
 * read of the base reads the new version, and a view taken before the write is taken again
 * from the new base when it is read after it. The training IR writes into views; pt2c's
 * runtime copies the views kernels read where they are not dense, so without this pass
 * such programs are refused.
 *
 * Left as they are: writes whose base is a placeholder (user inputs and buffers: the
 * runtime and the signature's mutation outputs handle those), views with no inverse here
 * (expand, as_strided, ...), in-place ops without a functional twin in pt2c's table, and
 * eval-mode in-place dropouts (they write nothing; their result is tracked as an alias).
 */
#include "passes/passes.h"

#include "ops/ops.h"

#include <string.h>

typedef enum view_kind {
    VIEW_NONE = 0,
    VIEW_SLICE,     /* slice.Tensor        -> slice_scatter */
    VIEW_SELECT,    /* select.int          -> select_scatter */
    VIEW_RESHAPE,   /* view, reshape, _unsafe_view, squeeze -> view to the base's sizes */
    VIEW_UNSQUEEZE, /* unsqueeze           -> squeeze.dim */
    VIEW_PERMUTE,   /* permute             -> permute by the inverse */
    VIEW_TRANSPOSE, /* transpose.int, t    -> the same op */
    VIEW_ALIAS,     /* alias, detach       -> nothing */
    VIEW_OTHER      /* a view with no inverse here (expand, as_strided, diagonal, ...) */
} view_kind;

static const struct {
    const char *target;
    view_kind kind;
} views[] = {
    {"torch.ops.aten.slice.Tensor", VIEW_SLICE},
    {"torch.ops.aten.select.int", VIEW_SELECT},
    {"torch.ops.aten.view.default", VIEW_RESHAPE},
    {"torch.ops.aten.reshape.default", VIEW_RESHAPE},
    {"torch.ops.aten._unsafe_view.default", VIEW_RESHAPE},
    {"torch.ops.aten.squeeze.dim", VIEW_RESHAPE},
    {"torch.ops.aten.squeeze.dims", VIEW_RESHAPE},
    {"torch.ops.aten.squeeze.default", VIEW_RESHAPE},
    {"torch.ops.aten.flatten.using_ints", VIEW_RESHAPE},
    {"torch.ops.aten.unsqueeze.default", VIEW_UNSQUEEZE},
    {"torch.ops.aten.permute.default", VIEW_PERMUTE},
    {"torch.ops.aten.transpose.int", VIEW_TRANSPOSE},
    {"torch.ops.aten.t.default", VIEW_TRANSPOSE},
    {"torch.ops.aten.alias.default", VIEW_ALIAS},
    {"torch.ops.aten.detach.default", VIEW_ALIAS},
    {"torch.ops.aten.expand.default", VIEW_OTHER},
    {"torch.ops.aten.as_strided.default", VIEW_OTHER},
    {"torch.ops.aten.diagonal.default", VIEW_OTHER},
    {"torch.ops.aten.narrow.default", VIEW_OTHER},
    {"torch.ops.aten.unfold.default", VIEW_OTHER},
    {"torch.ops.aten.view_as_real.default", VIEW_OTHER},
    {"torch.ops.aten.view_as_complex.default", VIEW_OTHER},
};

static view_kind view_of(const char *target) {
    for (size_t k = 0; k < sizeof views / sizeof views[0]; k++)
        if (strcmp(views[k].target, target) == 0)
            return views[k].kind;
    return VIEW_NONE;
}

/* What the pass knows about one value. */
typedef struct value_info {
    const char *name;
    const char *latest;     /* the name that holds its current contents */
    int64_t parent;         /* a view: the value it views (index), else -1 */
    const pt2c_node *vnode; /* a view: the node that made it */
    view_kind kind;         /* a view: how */
    int64_t root;           /* the value at the bottom of the view chain (itself if none) */
    int64_t made_at;        /* a view: the root's version it was last computed from */
    int64_t version;        /* a root: bumped at every write */
    bool is_placeholder;    /* a root that is a graph input */
} value_info;

typedef struct fstate {
    pt2c_pass_ctx *ctx;
    pt2c_graph *g;
    pt2c_strmap index; /* name -> value_info index */
    value_info *info;
    int64_t n_info, cap_info;
    pt2c_node *out; /* the new node list */
    int64_t n_out, cap_out;
} fstate;

static pt2c_status nomem(fstate *s) {
    return pt2c_error_set(s->ctx->err, PT2C_ERR_NOMEM, "functionalize: out of memory");
}

static int64_t find_info(fstate *s, const char *name) {
    int64_t i;
    return name && pt2c_strmap_get(&s->index, name, &i) ? i : -1;
}

static pt2c_status add_info(fstate *s, const char *name, bool placeholder, int64_t *out) {
    if (!PT2C_ARENA_RESERVE(s->ctx->scratch, s->info, s->n_info, s->cap_info, 256))
        return nomem(s);
    int64_t i = s->n_info++;
    s->info[i] = (value_info){name, name, -1, NULL, VIEW_NONE, i, 0, 0, placeholder};
    if (pt2c_strmap_put(&s->index, name, i) != PT2C_OK)
        return nomem(s);
    *out = i;
    return PT2C_OK;
}

static pt2c_status emit(fstate *s, const pt2c_node *n) {
    if (s->n_out == s->cap_out) {
        int64_t cap = 2 * s->cap_out + 64;
        pt2c_node *grown = PT2C_ARENA_ARRAY(&s->ctx->prog->arena, pt2c_node, cap);
        if (!grown)
            return nomem(s);
        if (s->n_out)
            memcpy(grown, s->out, sizeof *grown * (size_t)s->n_out);
        s->out = grown;
        s->cap_out = cap;
    }
    s->out[s->n_out++] = *n;
    return PT2C_OK;
}

/* A new single-output node: target(args...) -> a fresh value described like `like`. */
static pt2c_status new_node(fstate *s, const char *target, const char *base, pt2c_named_arg *args,
                            int32_t n_args, const char *like, const pt2c_node *origin,
                            const char **out_name) {
    pt2c_program *prog = s->ctx->prog;
    const pt2c_tensor_meta *m = pt2c_graph_meta(s->g, like);
    const char *name = pt2c_graph_fresh_name(s->ctx, base);
    pt2c_arg *out = PT2C_ARENA_NEW(&prog->arena, pt2c_arg);
    pt2c_named_arg *in = PT2C_ARENA_ARRAY(&prog->arena, pt2c_named_arg, n_args + 1);
    if (!m || !name || !out || !in)
        return m ? nomem(s)
                 : pt2c_error_set(s->ctx->err, PT2C_ERR_INTERNAL,
                                  "functionalize: value '%s' has no tensor metadata", like);
    memcpy(in, args, sizeof *in * (size_t)n_args);
    *out = (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = name};
    pt2c_node n = {0};
    n.target = target;
    n.name = name;
    n.has_name = true;
    n.inputs = in;
    n.n_inputs = n_args;
    n.outputs = out;
    n.n_outputs = 1;
    n.metadata = origin->metadata; /* the stack trace of the write it comes from */
    n.n_metadata = origin->n_metadata;
    PT2C_TRY(pt2c_graph_add_value(s->ctx, name, m));
    *out_name = name;
    return emit(s, &n);
}

static pt2c_named_arg tensor_named(const char *arg_name, const char *value) {
    return (pt2c_named_arg){
        arg_name, {.kind = PT2C_ARG_TENSOR, .name = value}, PT2C_PASS_POSITIONAL};
}

/* The current contents of value i, recomputing a view whose base was written since. */
static pt2c_status resolve(fstate *s, int64_t i, const char **out) {
    value_info *v = &s->info[i];
    if (v->parent < 0 || s->info[v->root].is_placeholder) {
        *out = s->info[i].latest;
        return PT2C_OK;
    }
    if (v->made_at == s->info[v->root].version) {
        *out = v->latest;
        return PT2C_OK;
    }
    const char *parent;
    PT2C_TRY(resolve(s, v->parent, &parent));
    v = &s->info[i];
    if (v->kind == VIEW_ALIAS) {
        v->latest = parent;
    } else {
        /* The same view op again, on the new contents. */
        const pt2c_node *vn = v->vnode;
        pt2c_named_arg *args = PT2C_ARENA_ARRAY(s->ctx->scratch, pt2c_named_arg, vn->n_inputs + 1);
        if (!args)
            return nomem(s);
        memcpy(args, vn->inputs, sizeof *args * (size_t)vn->n_inputs);
        args[0].arg.name = parent;
        PT2C_TRY(new_node(s, vn->target, vn->name, args, vn->n_inputs, v->name, vn, &v->latest));
    }
    v->made_at = s->info[v->root].version;
    *out = v->latest;
    return PT2C_OK;
}

typedef struct reader {
    fstate *s;
    pt2c_status st;
} reader;

static void resolve_read(void *user, const char **name) {
    reader *r = user;
    int64_t i = find_info(r->s, *name);
    if (i >= 0 && r->st == PT2C_OK)
        r->st = resolve(r->s, i, name);
}

/* In-place overloads whose functional twin has another overload name (pow_.Scalar is
 * pow(Tensor, Scalar), while pow.Scalar is pow(Scalar, Tensor)). */
static const char *const renamed_twins[][2] = {
    {"torch.ops.aten.pow_.Scalar", "torch.ops.aten.pow.Tensor_Scalar"},
    {"torch.ops.aten.pow_.Tensor", "torch.ops.aten.pow.Tensor_Tensor"},
    {"torch.ops.aten.float_power_.Scalar", "torch.ops.aten.float_power.Tensor_Scalar"},
    {"torch.ops.aten.float_power_.Tensor", "torch.ops.aten.float_power.Tensor_Tensor"},
    {"torch.ops.aten.__iand__.Tensor", "torch.ops.aten.__and__.Tensor"},
    {"torch.ops.aten.__ior__.Tensor", "torch.ops.aten.__or__.Tensor"},
    {"torch.ops.aten.__ixor__.Tensor", "torch.ops.aten.__xor__.Tensor"},
    {"torch.ops.aten.zero_.default", "torch.ops.aten.zeros_like.default"},
};

/* Functional twins whose tensor argument is "input" where the in-place op's is "self". */
static bool takes_input(const char *target) {
    static const char *const ops[] = {
        "torch.ops.aten.dropout.default", "torch.ops.aten.alpha_dropout.default",
        "torch.ops.aten.feature_dropout.default", "torch.ops.aten.feature_alpha_dropout.default"};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        if (strcmp(target, ops[k]) == 0)
            return true;
    return false;
}

/* An eval-mode in-place dropout writes nothing (ATen's _dropout_impl returns its input), and
 * its functional twin would be a clone where PyTorch has nothing: left for decompose. */
static bool writes_nothing(const pt2c_node *n) {
    static const char *const ops[] = {
        "torch.ops.aten.dropout_.default", "torch.ops.aten.alpha_dropout_.default",
        "torch.ops.aten.feature_dropout_.default", "torch.ops.aten.feature_alpha_dropout_.default"};
    const pt2c_arg *train = pt2c_node_arg(n, "train");
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        if (strcmp(n->target, ops[k]) == 0)
            return train && train->kind == PT2C_ARG_BOOL && !train->b;
    return false;
}

/* The functional twin of an in-place aten op ("add_.Tensor" -> "add.Tensor"), if pt2c has a
 * kernel for it. */
static const char *functional_target(fstate *s, const char *target) {
    for (size_t k = 0; k < sizeof renamed_twins / sizeof renamed_twins[0]; k++)
        if (strcmp(target, renamed_twins[k][0]) == 0)
            return pt2c_op_find(renamed_twins[k][1]) ? renamed_twins[k][1] : NULL;
    if (strncmp(target, "torch.ops.aten.", 15) != 0)
        return NULL;
    const char *dot = strchr(target + 15, '.');
    if (!dot || dot == target + 15 || dot[-1] != '_')
        return NULL;
    size_t head = (size_t)(dot - target) - 1;
    char *t = pt2c_arena_sprintf(&s->ctx->prog->arena, "%.*s%s", (int)head, target, dot);
    return t && pt2c_op_find(t) ? t : NULL;
}

/* True when every step from value i down to its root can be written back. */
static bool invertible(fstate *s, int64_t i) {
    for (; s->info[i].parent >= 0; i = s->info[i].parent) {
        view_kind k = s->info[i].kind;
        if (k == VIEW_OTHER)
            return false;
        if (k == VIEW_RESHAPE &&
            !pt2c_meta_static(pt2c_graph_meta(s->g, s->info[s->info[i].parent].name), NULL))
            return false;
    }
    return true;
}

/* Write value (the new contents of view i) back through i's view step into its parent;
 * *out is the parent's new contents. */
static pt2c_status scatter_back(fstate *s, int64_t i, const char *value, const char **out) {
    const value_info *v = &s->info[i];
    const pt2c_node *vn = v->vnode;
    const char *parent_name = s->info[v->parent].name;
    const char *parent;
    PT2C_TRY(resolve(s, v->parent, &parent));
    pt2c_named_arg args[6];
    int32_t n = 0;
    const char *target = NULL;
    pt2c_arena *A = &s->ctx->prog->arena;
    switch (v->kind) {
    case VIEW_ALIAS:
        *out = value;
        return PT2C_OK;
    case VIEW_SLICE:
    case VIEW_SELECT: {
        static const char *const slice_args[] = {"dim", "start", "end", "step"};
        static const char *const select_args[] = {"dim", "index"};
        bool slice = v->kind == VIEW_SLICE;
        target = slice ? "torch.ops.aten.slice_scatter.default"
                       : "torch.ops.aten.select_scatter.default";
        args[n++] = tensor_named("self", parent);
        args[n++] = tensor_named("src", value);
        for (int k = 0; k < (slice ? 4 : 2); k++) {
            const char *an = slice ? slice_args[k] : select_args[k];
            const pt2c_arg *a = pt2c_node_arg(vn, an);
            if (a)
                args[n++] = (pt2c_named_arg){an, *a, PT2C_PASS_POSITIONAL};
        }
        break;
    }
    case VIEW_RESHAPE: {
        const pt2c_tensor_meta *pm = pt2c_graph_meta(s->g, parent_name);
        pt2c_arg *items = PT2C_ARENA_ARRAY(A, pt2c_arg, pm->rank + 1);
        if (!items)
            return nomem(s);
        for (int32_t d = 0; d < pm->rank; d++)
            items[d] = (pt2c_arg){.kind = PT2C_ARG_INT, .i = pm->sizes[d].i};
        target = "torch.ops.aten.view.default";
        args[n++] = tensor_named("self", value);
        args[n++] = (pt2c_named_arg){"size",
                                     {.kind = PT2C_ARG_INTS, .items = items, .n_items = pm->rank},
                                     PT2C_PASS_POSITIONAL};
        break;
    }
    case VIEW_UNSQUEEZE: {
        const pt2c_arg *dim = pt2c_node_arg(vn, "dim");
        if (!dim)
            return pt2c_error_set(s->ctx->err, PT2C_ERR_INTERNAL,
                                  "functionalize: unsqueeze '%s' has no dim", vn->name);
        target = "torch.ops.aten.squeeze.dim";
        args[n++] = tensor_named("self", value);
        args[n++] = (pt2c_named_arg){"dim", *dim, PT2C_PASS_POSITIONAL};
        break;
    }
    case VIEW_PERMUTE: {
        const pt2c_arg *dims = pt2c_node_arg(vn, "dims");
        if (!dims || dims->kind != PT2C_ARG_INTS)
            return pt2c_error_set(s->ctx->err, PT2C_ERR_INTERNAL,
                                  "functionalize: permute '%s' has no dims", vn->name);
        int64_t r = dims->n_items;
        pt2c_arg *items = PT2C_ARENA_ARRAY(A, pt2c_arg, r + 1);
        if (!items)
            return nomem(s);
        for (int64_t d = 0; d < r; d++) {
            int64_t to = dims->items[d].i < 0 ? dims->items[d].i + r : dims->items[d].i;
            if (to < 0 || to >= r)
                return pt2c_error_set(s->ctx->err, PT2C_ERR_SHAPE,
                                      "functionalize: permute '%s': dim %lld out of range",
                                      vn->name, (long long)dims->items[d].i);
            items[to] = (pt2c_arg){.kind = PT2C_ARG_INT, .i = d};
        }
        target = "torch.ops.aten.permute.default";
        args[n++] = tensor_named("self", value);
        args[n++] = (pt2c_named_arg){
            "dims", {.kind = PT2C_ARG_INTS, .items = items, .n_items = r}, PT2C_PASS_POSITIONAL};
        break;
    }
    case VIEW_TRANSPOSE:
        target = vn->target;
        memcpy(args, vn->inputs, sizeof args[0] * (size_t)(vn->n_inputs < 3 ? vn->n_inputs : 3));
        n = vn->n_inputs < 3 ? vn->n_inputs : 3;
        args[0] = tensor_named("self", value);
        break;
    default:
        return pt2c_error_set(s->ctx->err, PT2C_ERR_INTERNAL,
                              "functionalize: view '%s' cannot be written back", vn->name);
    }
    return new_node(s, target, parent_name, args, n, parent_name, vn, out);
}

/* An in-place node on a value whose root a node made: its functional op, then the write
 * back. Returns false in *done when it must stay as it is. */
static pt2c_status functionalize_write(fstate *s, const pt2c_node *n, bool *done) {
    *done = false;
    if (n->n_inputs < 1 || n->inputs[0].arg.kind != PT2C_ARG_TENSOR || n->n_outputs != 1 ||
        n->outputs[0].kind != PT2C_ARG_TENSOR)
        return PT2C_OK;
    int64_t self = find_info(s, n->inputs[0].arg.name);
    const char *target = functional_target(s, n->target);
    if (self < 0 || !target || writes_nothing(n) || s->info[s->info[self].root].is_placeholder ||
        !invertible(s, self))
        return PT2C_OK;
    pt2c_named_arg *args = PT2C_ARENA_ARRAY(&s->ctx->prog->arena, pt2c_named_arg, n->n_inputs + 1);
    if (!args)
        return nomem(s);
    memcpy(args, n->inputs, sizeof *args * (size_t)n->n_inputs);
    if (takes_input(target) && args[0].name && strcmp(args[0].name, "self") == 0)
        args[0].name = "input";
    reader r = {s, PT2C_OK};
    for (int32_t k = 0; k < n->n_inputs; k++)
        pt2c_arg_visit_names(&args[k].arg, resolve_read, &r);
    PT2C_TRY(r.st);
    const char *value;
    PT2C_TRY(new_node(s, target, n->name, args, n->n_inputs, n->inputs[0].arg.name, n, &value));
    /* Up the view chain: each step's new contents go into its parent. */
    int64_t v = self;
    s->info[v].latest = value;
    while (s->info[v].parent >= 0) {
        const char *up;
        PT2C_TRY(scatter_back(s, v, value, &up));
        int64_t p = s->info[v].parent;
        s->info[p].latest = up;
        value = up;
        v = p;
    }
    s->info[v].version++;
    /* Views along the written chain are up to date; every other view of the root is stale. */
    for (int64_t k = self; s->info[k].parent >= 0; k = s->info[k].parent)
        s->info[k].made_at = s->info[v].version;
    /* The op's own result is the written view. */
    int64_t alias;
    PT2C_TRY(add_info(s, n->outputs[0].name, false, &alias));
    s->info[alias] = s->info[self];
    s->info[alias].name = n->outputs[0].name;
    s->ctx->rewrites++;
    *done = true;
    return PT2C_OK;
}

pt2c_status pt2c_pass_functionalize(pt2c_pass_ctx *ctx) {
    pt2c_graph_module *gm = &ctx->prog->ep.graph_module;
    fstate s = {.ctx = ctx, .g = &gm->graph};
    pt2c_strmap_init(&s.index, ctx->scratch);
    pt2c_graph *g = s.g;
    for (int32_t i = 0; i < g->n_inputs; i++) {
        int64_t unused;
        if (g->inputs[i].kind == PT2C_ARG_TENSOR && g->inputs[i].name)
            PT2C_TRY(add_info(&s, g->inputs[i].name, true, &unused));
    }
    bool any_write = false;
    for (int64_t i = 0; i < g->n_nodes && !any_write; i++)
        any_write = functional_target(&s, g->nodes[i].target) != NULL;
    if (!any_write)
        return PT2C_OK;

    for (int64_t i = 0; i < g->n_nodes; i++) {
        const pt2c_node *n = &g->nodes[i];
        bool done = false;
        PT2C_TRY(functionalize_write(&s, n, &done));
        if (done)
            continue;
        pt2c_node copy = *n;
        copy.inputs = PT2C_ARENA_ARRAY(&ctx->prog->arena, pt2c_named_arg, n->n_inputs + 1);
        if (!copy.inputs)
            return nomem(&s);
        memcpy(copy.inputs, n->inputs, sizeof *copy.inputs * (size_t)n->n_inputs);
        const char *self = n->n_inputs > 0 && n->inputs[0].arg.kind == PT2C_ARG_TENSOR
                               ? n->inputs[0].arg.name
                               : NULL;
        reader r = {&s, PT2C_OK};
        for (int32_t k = 0; k < copy.n_inputs; k++)
            pt2c_arg_visit_names(&copy.inputs[k].arg, resolve_read, &r);
        PT2C_TRY(r.st);
        PT2C_TRY(emit(&s, &copy));
        /* Record what it made: a view of its (resolved) self, or new roots. */
        /* (an eval dropout_ stays, its result an alias of its input, as alias is) */
        view_kind vk = writes_nothing(n) ? VIEW_ALIAS : view_of(n->target);
        int64_t parent = find_info(&s, self);
        if (vk != VIEW_NONE && parent >= 0 && n->n_outputs == 1 &&
            n->outputs[0].kind == PT2C_ARG_TENSOR) {
            int64_t v;
            PT2C_TRY(add_info(&s, n->outputs[0].name, false, &v));
            value_info *pi = &s.info[parent];
            s.info[v].parent = parent;
            s.info[v].vnode = n;
            s.info[v].kind = vk;
            s.info[v].root = pi->root;
            s.info[v].made_at = s.info[pi->root].version;
            continue;
        }
        for (int32_t o = 0; o < n->n_outputs; o++) {
            const pt2c_arg *a = &n->outputs[o];
            int64_t unused;
            if (a->kind == PT2C_ARG_TENSOR && a->name)
                PT2C_TRY(add_info(&s, a->name, false, &unused));
            for (int64_t k = 0; a->kind == PT2C_ARG_TENSORS && k < a->n_items; k++)
                if (a->items[k].name)
                    PT2C_TRY(add_info(&s, a->items[k].name, false, &unused));
        }
    }
    /* What the graph returns: the final contents. */
    reader r = {&s, PT2C_OK};
    for (int32_t o = 0; o < g->n_outputs; o++) {
        const char *before = g->outputs[o].name;
        pt2c_arg_visit_names(&g->outputs[o], resolve_read, &r);
        PT2C_TRY(r.st);
        const char *after = g->outputs[o].name;
        if (before && after && before != after && o < gm->signature.n_output_specs)
            pt2c_graph_rename_output(ctx->prog, before, after);
    }
    g->nodes = s.out;
    g->n_nodes = s.n_out;
    if (ctx->rewrites) {
        int64_t removed;
        PT2C_TRY(pt2c_graph_remove_dead_nodes(ctx, &removed));
    }
    return PT2C_OK;
}
