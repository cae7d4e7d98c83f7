/*
 * graph_edit.c - the edits every pass makes: who reads a value, rename its uses, drop nodes
 * and placeholders, lift a tensor into a new constant. All in the program arena, except
 * use counts and name sets, which live in the pass's scratch arena.
 */
#include "passes/passes.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* Walking names                                                                            */

void pt2c_arg_visit_names(pt2c_arg *arg, pt2c_name_visit visit, void *user) {
    /* A GRAPH argument names a submodule attribute, not a value of this graph. */
    if (arg->kind == PT2C_ARG_GRAPH)
        return;
    if (arg->name)
        visit(user, &arg->name);
    for (int64_t k = 0; k < arg->n_items; k++)
        pt2c_arg_visit_names(&arg->items[k], visit, user);
}

void pt2c_node_visit_outputs(pt2c_node *node, pt2c_name_visit visit, void *user) {
    for (int32_t o = 0; o < node->n_outputs; o++)
        pt2c_arg_visit_names(&node->outputs[o], visit, user);
}

static void visit_node_inputs(pt2c_node *node, pt2c_name_visit visit, void *user) {
    for (int32_t k = 0; k < node->n_inputs; k++)
        pt2c_arg_visit_names(&node->inputs[k].arg, visit, user);
}

/* ---------------------------------------------------------------------------------------- */
/* Arguments                                                                                */

pt2c_named_arg *pt2c_node_find_arg(const pt2c_node *node, const char *name) {
    for (int32_t k = 0; k < node->n_inputs; k++)
        if (strcmp(node->inputs[k].name, name) == 0)
            return &node->inputs[k];
    return NULL;
}

const pt2c_arg *pt2c_node_arg(const pt2c_node *node, const char *name) {
    const pt2c_named_arg *a = pt2c_node_find_arg(node, name);
    return a ? &a->arg : NULL;
}

const char *pt2c_node_tensor_arg(const pt2c_node *node, const char *name) {
    const pt2c_arg *a = pt2c_node_arg(node, name);
    if (!a || (a->kind != PT2C_ARG_TENSOR && a->kind != PT2C_ARG_OPTIONAL_TENSOR))
        return NULL;
    return a->name;
}

/* ---------------------------------------------------------------------------------------- */
/* Uses                                                                                     */

typedef struct counter {
    pt2c_strmap *map;
    int64_t delta;
    pt2c_status st;
} counter;

static void count_name(void *user, const char **name) {
    counter *c = user;
    int64_t n = 0;
    pt2c_strmap_get(c->map, *name, &n);
    if (pt2c_strmap_put(c->map, *name, n + c->delta) != PT2C_OK)
        c->st = PT2C_ERR_NOMEM;
}

pt2c_status pt2c_graph_count_uses(pt2c_pass_ctx *ctx, pt2c_strmap *uses) {
    pt2c_graph *g = &ctx->prog->ep.graph_module.graph;
    pt2c_strmap_init(uses, ctx->scratch);
    counter c = {uses, 1, PT2C_OK};
    for (int64_t i = 0; i < g->n_nodes; i++)
        visit_node_inputs(&g->nodes[i], count_name, &c);
    for (int32_t o = 0; o < g->n_outputs; o++)
        pt2c_arg_visit_names(&g->outputs[o], count_name, &c);
    PT2C_CHECK(c.st == PT2C_OK, ctx->err, PT2C_ERR_NOMEM, "passes: out of memory");
    return PT2C_OK;
}

typedef struct renamer {
    const char *old;
    const char *new_name;
} renamer;

static void rename_name(void *user, const char **name) {
    const renamer *r = user;
    if (strcmp(*name, r->old) == 0)
        *name = r->new_name;
}

void pt2c_graph_replace_uses(pt2c_program *prog, const char *old, const char *new_name) {
    pt2c_graph_module *gm = &prog->ep.graph_module;
    pt2c_graph *g = &gm->graph;
    renamer r = {old, new_name};
    for (int64_t i = 0; i < g->n_nodes; i++)
        visit_node_inputs(&g->nodes[i], rename_name, &r);
    for (int32_t o = 0; o < g->n_outputs; o++)
        pt2c_arg_visit_names(&g->outputs[o], rename_name, &r);
    for (int32_t o = 0; o < gm->signature.n_output_specs; o++)
        pt2c_arg_visit_names(&gm->signature.output_specs[o].arg, rename_name, &r);
    /* The call signatures name the values a module returns; unflattening reads them. */
    for (int32_t m = 0; m < gm->n_module_call_graph; m++) {
        pt2c_module_call_signature *s = gm->module_call_graph[m].signature;
        if (!s)
            continue;
        for (int32_t k = 0; k < s->n_inputs; k++)
            pt2c_arg_visit_names(&s->inputs[k], rename_name, &r);
        for (int32_t k = 0; k < s->n_outputs; k++)
            pt2c_arg_visit_names(&s->outputs[k], rename_name, &r);
    }
}

void pt2c_graph_rename_output(pt2c_program *prog, const char *old, const char *new_name) {
    pt2c_graph_module *gm = &prog->ep.graph_module;
    renamer r = {old, new_name};
    for (int32_t o = 0; o < gm->signature.n_output_specs; o++)
        pt2c_arg_visit_names(&gm->signature.output_specs[o].arg, rename_name, &r);
    for (int32_t m = 0; m < gm->n_module_call_graph; m++) {
        pt2c_module_call_signature *s = gm->module_call_graph[m].signature;
        for (int32_t k = 0; s && k < s->n_outputs; k++)
            pt2c_arg_visit_names(&s->outputs[k], rename_name, &r);
    }
}

void pt2c_graph_remove_nodes(pt2c_program *prog, const bool *remove) {
    pt2c_graph *g = &prog->ep.graph_module.graph;
    int64_t kept = 0;
    for (int64_t i = 0; i < g->n_nodes; i++)
        if (!remove[i])
            g->nodes[kept++] = g->nodes[i];
    g->n_nodes = kept;
}

/* ---------------------------------------------------------------------------------------- */
/* Purity and dead nodes                                                                    */

/* aten ops that check, print or constrain rather than compute: kept even when unread. */
static const char *const effect_ops[] = {
    "_assert_async",
    "_assert_scalar",
    "_assert_tensor_metadata",
    "_functional_assert_async",
    "_functional_assert_scalar",
    "_print",
    "record_stream",
    "sym_constrain_range",
    "sym_constrain_range_for_size",
};

/* aten ops whose results differ from call to call or are undefined. */
static const char *const random_ops[] = {
    "bernoulli",      "cauchy",      "dropout",           "empty",      "empty_like",
    "empty_strided",  "exponential", "geometric",         "log_normal", "multinomial",
    "native_dropout", "new_empty",   "new_empty_strided", "normal",     "normal_functional",
    "poisson",        "rand",        "rand_like",         "randint",    "randint_like",
    "randn",          "randn_like",  "randperm",          "uniform",
};

/* The op name of an aten or prims target ("add_" of torch.ops.aten.add_.Tensor) as
 * (*name, *len), and its overload (after the dot, "" if none); false for other targets. */
static bool op_name(const char *target, const char **name, size_t *len, const char **overload) {
    const char *rest = NULL;
    if (strncmp(target, "torch.ops.aten.", 15) == 0)
        rest = target + 15;
    else if (strncmp(target, "torch.ops.prims.", 16) == 0)
        rest = target + 16;
    if (!rest)
        return false;
    const char *dot = strchr(rest, '.');
    *name = rest;
    *len = dot ? (size_t)(dot - rest) : strlen(rest);
    *overload = dot ? dot + 1 : "";
    return true;
}

static bool named_in(const char *name, size_t len, const char *const *list, size_t n) {
    for (size_t k = 0; k < n; k++)
        if (strlen(list[k]) == len && strncmp(list[k], name, len) == 0)
            return true;
    return false;
}

bool pt2c_node_writes_in_place(const pt2c_node *node) {
    const char *name, *overload;
    size_t len;
    return op_name(node->target, &name, &len, &overload) && len > 0 && name[len - 1] == '_';
}

bool pt2c_node_is_random(const pt2c_node *node) {
    const char *name, *overload;
    size_t len;
    return op_name(node->target, &name, &len, &overload) &&
           named_in(name, len, random_ops, sizeof random_ops / sizeof random_ops[0]);
}

/* Random and draws from the generator (not the uninitialized empty*). */
static bool draws_random(const pt2c_node *node) {
    const char *name, *overload;
    size_t len;
    return pt2c_node_is_random(node) && op_name(node->target, &name, &len, &overload) &&
           !(len >= 5 && strncmp(name, "empty", 5) == 0) &&
           !(len >= 9 && strncmp(name, "new_empty", 9) == 0);
}

bool pt2c_node_is_pure(const pt2c_node *node) {
    const char *t = node->target;
    /* Symbolic arithmetic on sizes: _operator.mul, math.ceil, torch.sym_max, ... */
    if (strncmp(t, "_operator.", 10) == 0 || strncmp(t, "math.", 5) == 0 ||
        strncmp(t, "torch.sym_", 10) == 0 || strncmp(t, "builtins.", 9) == 0)
        return true;
    const char *name, *overload;
    size_t len;
    if (!op_name(t, &name, &len, &overload))
        return false;                     /* custom ops and higher-order ops may have effects */
    if (len == 0 || name[len - 1] == '_') /* in place: add_, copy_, index_put_ */
        return false;
    if (strcmp(overload, "out") == 0) /* writes its out= argument */
        return false;
    return !named_in(name, len, effect_ops, sizeof effect_ops / sizeof effect_ops[0]);
}

typedef struct use_probe {
    const pt2c_strmap *uses;
    bool used;
} use_probe;

static void probe_used(void *user, const char **name) {
    use_probe *p = user;
    int64_t n = 0;
    if (pt2c_strmap_get(p->uses, *name, &n) && n > 0)
        p->used = true;
}

pt2c_status pt2c_graph_remove_dead_nodes(pt2c_pass_ctx *ctx, int64_t *removed) {
    pt2c_graph *g = &ctx->prog->ep.graph_module.graph;
    *removed = 0;
    pt2c_strmap uses;
    PT2C_TRY(pt2c_graph_count_uses(ctx, &uses));
    bool *dead = PT2C_ARENA_ARRAY(ctx->scratch, bool, g->n_nodes + 1);
    PT2C_CHECK(dead, ctx->err, PT2C_ERR_NOMEM, "passes: out of memory");
    /* Backwards, so a chain whose end nobody reads goes in one sweep. */
    counter drop = {&uses, -1, PT2C_OK};
    for (int64_t i = g->n_nodes - 1; i >= 0; i--) {
        pt2c_node *n = &g->nodes[i];
        /* a random op nobody reads still advances the generator, as in eager PyTorch */
        if (!pt2c_node_is_pure(n) || draws_random(n))
            continue;
        use_probe p = {&uses, false};
        pt2c_node_visit_outputs(n, probe_used, &p);
        if (p.used)
            continue;
        dead[i] = true;
        (*removed)++;
        visit_node_inputs(n, count_name, &drop);
    }
    PT2C_CHECK(drop.st == PT2C_OK, ctx->err, PT2C_ERR_NOMEM, "passes: out of memory");
    if (*removed)
        pt2c_graph_remove_nodes(ctx->prog, dead);
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Metadata and names                                                                       */

const pt2c_tensor_meta *pt2c_graph_meta(const pt2c_graph *g, const char *name) {
    int64_t i;
    if (!name || !pt2c_strmap_get(&g->tensor_index, name, &i) || i < 0 || i >= g->n_tensor_values)
        return NULL;
    return &g->tensor_values[i].meta;
}

bool pt2c_meta_static(const pt2c_tensor_meta *m, uint64_t *bytes) {
    uint64_t n = pt2c_dtype_size(m->dtype);
    if (n == 0 || m->storage_offset.is_expr)
        return false;
    for (int32_t d = 0; d < m->rank; d++) {
        if (m->sizes[d].is_expr || m->strides[d].is_expr || m->sizes[d].i < 0)
            return false;
        if (!pt2c_mul_u64(n, (uint64_t)m->sizes[d].i, &n))
            return false;
    }
    if (bytes)
        *bytes = n;
    return true;
}

typedef struct name_set {
    pt2c_strmap map;
    pt2c_status st;
} name_set;

static void add_name(void *user, const char **name) {
    name_set *s = user;
    if (pt2c_strmap_put(&s->map, *name, 1) != PT2C_OK)
        s->st = PT2C_ERR_NOMEM;
}

const char *pt2c_graph_fresh_name(pt2c_pass_ctx *ctx, const char *base) {
    pt2c_graph *g = &ctx->prog->ep.graph_module.graph;
    name_set s;
    pt2c_strmap_init(&s.map, ctx->scratch);
    s.st = PT2C_OK;
    for (int32_t i = 0; i < g->n_inputs; i++)
        pt2c_arg_visit_names(&g->inputs[i], add_name, &s);
    for (int64_t i = 0; i < g->n_nodes; i++) {
        const char *node_name = g->nodes[i].name;
        add_name(&s, &node_name);
        pt2c_node_visit_outputs(&g->nodes[i], add_name, &s);
    }
    for (int64_t i = 0; i < g->n_tensor_values; i++)
        add_name(&s, &g->tensor_values[i].name);
    if (s.st != PT2C_OK)
        return NULL;
    int64_t unused;
    if (!pt2c_strmap_get(&s.map, base, &unused))
        return pt2c_arena_strdup(&ctx->prog->arena, base);
    for (int k = 1;; k++) {
        char *name = pt2c_arena_sprintf(&ctx->prog->arena, "%s_%d", base, k);
        if (!name || !pt2c_strmap_get(&s.map, name, &unused))
            return name;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Constants                                                                                */

static bool tensor_named(const pt2c_tensor_data *ts, int64_t n, const char *name) {
    for (int64_t i = 0; i < n; i++)
        if (strcmp(ts[i].name, name) == 0)
            return true;
    return false;
}

/* Insert one element at pos into an arena array of n elements (a new array). */
static void *insert_at(pt2c_arena *arena, const void *old, int64_t n, size_t size, int64_t pos,
                       const void *item) {
    uint8_t *a = pt2c_arena_array(arena, (size_t)n + 1, size, 16);
    if (!a)
        return NULL;
    if (pos > 0)
        memcpy(a, old, (size_t)pos * size);
    memcpy(a + (size_t)pos * size, item, size);
    if (n > pos)
        memcpy(a + (size_t)(pos + 1) * size, (const uint8_t *)old + (size_t)pos * size,
               (size_t)(n - pos) * size);
    return a;
}

pt2c_status pt2c_graph_add_value(pt2c_pass_ctx *ctx, const char *name,
                                 const pt2c_tensor_meta *meta) {
    pt2c_graph *g = &ctx->prog->ep.graph_module.graph;
    pt2c_named_tensor_meta tv = {name, *meta};
    pt2c_named_tensor_meta *values =
        insert_at(&ctx->prog->arena, g->tensor_values, g->n_tensor_values, sizeof tv,
                  g->n_tensor_values, &tv);
    PT2C_CHECK(values, ctx->err, PT2C_ERR_NOMEM, "passes: out of memory");
    PT2C_CHECK(pt2c_strmap_put(&g->tensor_index, name, g->n_tensor_values) == PT2C_OK, ctx->err,
               PT2C_ERR_NOMEM, "passes: out of memory");
    g->tensor_values = values;
    g->n_tensor_values++;
    return PT2C_OK;
}

pt2c_status pt2c_graph_add_constant(pt2c_pass_ctx *ctx, const char *base, pt2c_dtype dtype,
                                    int32_t rank, const int64_t *sizes, const void *data,
                                    uint64_t bytes, const pt2c_tensor_meta *like,
                                    const char **placeholder) {
    pt2c_program *prog = ctx->prog;
    pt2c_arena *A = &prog->arena;
    pt2c_graph_module *gm = &prog->ep.graph_module;
    pt2c_graph *g = &gm->graph;

    /* The constant's FQN, unused by any weight or constant; its placeholder is c_<FQN>, as
     * torch names lifted constants. */
    const char *target = pt2c_arena_strdup(A, base);
    for (int k = 1; target && (tensor_named(prog->constants, prog->n_constants, target) ||
                               tensor_named(prog->state_dict, prog->n_state_dict, target));
         k++)
        target = pt2c_arena_sprintf(A, "%s_%d", base, k);
    char *want = target ? pt2c_arena_sprintf(ctx->scratch, "c_%s", target) : NULL;
    const char *name = want ? pt2c_graph_fresh_name(ctx, want) : NULL;
    int64_t *tsizes = PT2C_ARENA_ARRAY(A, int64_t, rank + 1);
    int64_t *tstrides = PT2C_ARENA_ARRAY(A, int64_t, rank + 1);
    pt2c_sym *msizes = PT2C_ARENA_ARRAY(A, pt2c_sym, rank + 1);
    pt2c_sym *mstrides = PT2C_ARENA_ARRAY(A, pt2c_sym, rank + 1);
    PT2C_CHECK(name && tsizes && tstrides && msizes && mstrides, ctx->err, PT2C_ERR_NOMEM,
               "passes: out of memory");
    int64_t stride = 1;
    for (int32_t d = rank - 1; d >= 0; d--) {
        tsizes[d] = sizes[d];
        tstrides[d] = stride;
        msizes[d].i = sizes[d];
        mstrides[d].i = stride;
        stride *= sizes[d] > 0 ? sizes[d] : 1;
    }

    pt2c_tensor_data t = {0};
    t.name = target;
    t.dtype = dtype;
    t.rank = rank;
    t.sizes = tsizes;
    t.strides = tstrides;
    t.storage = bytes ? data : NULL;
    t.storage_bytes = bytes;

    pt2c_named_tensor_meta tv = {0};
    tv.name = name;
    tv.meta.dtype = dtype;
    tv.meta.rank = rank;
    tv.meta.sizes = msizes;
    tv.meta.strides = mstrides;
    tv.meta.device = like ? like->device : (pt2c_device){"cpu", -1};
    tv.meta.layout = like ? like->layout : 7;

    /* Placeholders go weights, buffers, constants, then user inputs: before the first user
     * input. */
    pt2c_graph_signature *sig = &gm->signature;
    int32_t pos = g->n_inputs;
    for (int32_t i = 0; i < sig->n_input_specs && i < g->n_inputs; i++)
        if (sig->input_specs[i].kind == PT2C_INPUT_USER_INPUT ||
            sig->input_specs[i].kind == PT2C_INPUT_CONSTANT_INPUT) {
            pos = i;
            break;
        }
    pt2c_arg in = {0};
    in.kind = PT2C_ARG_TENSOR;
    in.name = name;
    pt2c_input_spec spec = {0};
    spec.kind = PT2C_INPUT_TENSOR_CONSTANT;
    spec.arg = in;
    spec.target = target;

    pt2c_arg *inputs = insert_at(A, g->inputs, g->n_inputs, sizeof in, pos, &in);
    pt2c_input_spec *specs =
        insert_at(A, sig->input_specs, sig->n_input_specs, sizeof spec, pos, &spec);
    pt2c_named_tensor_meta *values =
        insert_at(A, g->tensor_values, g->n_tensor_values, sizeof tv, g->n_tensor_values, &tv);
    pt2c_tensor_data *consts =
        insert_at(A, prog->constants, prog->n_constants, sizeof t, prog->n_constants, &t);
    PT2C_CHECK(inputs && specs && values && consts, ctx->err, PT2C_ERR_NOMEM,
               "passes: out of memory");
    PT2C_CHECK(pt2c_strmap_put(&g->tensor_index, name, g->n_tensor_values) == PT2C_OK, ctx->err,
               PT2C_ERR_NOMEM, "passes: out of memory");
    g->inputs = inputs;
    g->n_inputs++;
    sig->input_specs = specs;
    sig->n_input_specs++;
    g->tensor_values = values;
    g->n_tensor_values++;
    prog->constants = consts;
    prog->n_constants++;
    *placeholder = name;
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Unused placeholders                                                                      */

static bool is_mutation_target(const pt2c_graph_signature *sig, const char *target) {
    for (int32_t o = 0; o < sig->n_output_specs; o++) {
        const pt2c_output_spec *s = &sig->output_specs[o];
        if ((s->kind == PT2C_OUTPUT_BUFFER_MUTATION || s->kind == PT2C_OUTPUT_PARAMETER_MUTATION) &&
            s->target && strcmp(s->target, target) == 0)
            return true;
    }
    return false;
}

/* Drop the tensor named target from ts (n entries), keeping the order. */
static void drop_tensor(pt2c_tensor_data *ts, int64_t *n, const char *target) {
    int64_t kept = 0;
    for (int64_t i = 0; i < *n; i++)
        if (strcmp(ts[i].name, target) != 0)
            ts[kept++] = ts[i];
    *n = kept;
}

pt2c_status pt2c_graph_remove_unused_inputs(pt2c_pass_ctx *ctx, int64_t *removed) {
    pt2c_program *prog = ctx->prog;
    pt2c_graph *g = &prog->ep.graph_module.graph;
    pt2c_graph_signature *sig = &prog->ep.graph_module.signature;
    *removed = 0;
    PT2C_CHECK(sig->n_input_specs == g->n_inputs, ctx->err, PT2C_ERR_FORMAT,
               "passes: %d input specs for %d placeholders", (int)sig->n_input_specs,
               (int)g->n_inputs);
    pt2c_strmap uses;
    PT2C_TRY(pt2c_graph_count_uses(ctx, &uses));
    int32_t kept = 0;
    const char **gone = PT2C_ARENA_ARRAY(ctx->scratch, const char *, g->n_inputs + 1);
    PT2C_CHECK(gone, ctx->err, PT2C_ERR_NOMEM, "passes: out of memory");
    int32_t n_gone = 0;
    for (int32_t i = 0; i < g->n_inputs; i++) {
        const pt2c_input_spec *s = &sig->input_specs[i];
        bool weight = s->kind == PT2C_INPUT_PARAMETER || s->kind == PT2C_INPUT_BUFFER ||
                      s->kind == PT2C_INPUT_TENSOR_CONSTANT;
        int64_t n = 0;
        if (weight && g->inputs[i].kind == PT2C_ARG_TENSOR && g->inputs[i].name && s->target &&
            !is_mutation_target(sig, s->target) &&
            !(pt2c_strmap_get(&uses, g->inputs[i].name, &n) && n > 0)) {
            gone[n_gone++] = s->target;
            continue;
        }
        g->inputs[kept] = g->inputs[i];
        sig->input_specs[kept] = sig->input_specs[i];
        kept++;
    }
    g->n_inputs = kept;
    sig->n_input_specs = kept;
    /* A tensor goes only when no remaining placeholder is bound to it (two placeholders may
     * share a weight). */
    for (int32_t k = 0; k < n_gone; k++) {
        bool still = false;
        for (int32_t i = 0; i < sig->n_input_specs && !still; i++)
            still = sig->input_specs[i].target && strcmp(sig->input_specs[i].target, gone[k]) == 0;
        if (still)
            continue;
        drop_tensor(prog->state_dict, &prog->n_state_dict, gone[k]);
        drop_tensor(prog->constants, &prog->n_constants, gone[k]);
    }
    *removed = n_gone;
    return PT2C_OK;
}

pt2c_status pt2c_graph_compact_values(pt2c_program *prog, pt2c_error *err) {
    pt2c_graph *g = &prog->ep.graph_module.graph;
    pt2c_arena scratch;
    pt2c_arena_init(&scratch, prog->allocator);
    name_set defined;
    pt2c_strmap_init(&defined.map, &scratch);
    defined.st = PT2C_OK;
    for (int32_t i = 0; i < g->n_inputs; i++)
        pt2c_arg_visit_names(&g->inputs[i], add_name, &defined);
    for (int64_t i = 0; i < g->n_nodes; i++)
        pt2c_node_visit_outputs(&g->nodes[i], add_name, &defined);
    pt2c_status st = defined.st;
    int64_t kept = 0, unused;
    if (st == PT2C_OK) {
        for (int64_t i = 0; i < g->n_tensor_values; i++)
            if (pt2c_strmap_get(&defined.map, g->tensor_values[i].name, &unused))
                g->tensor_values[kept++] = g->tensor_values[i];
    }
    if (st == PT2C_OK && kept != g->n_tensor_values) {
        g->n_tensor_values = kept;
        pt2c_strmap_init(&g->tensor_index, &prog->arena);
        for (int64_t i = 0; i < kept && st == PT2C_OK; i++)
            st = pt2c_strmap_put(&g->tensor_index, g->tensor_values[i].name, i);
    }
    pt2c_arena_deinit(&scratch);
    PT2C_CHECK(st == PT2C_OK, err, PT2C_ERR_NOMEM, "passes: out of memory");
    return PT2C_OK;
}
