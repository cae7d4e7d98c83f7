/*
 * fold_constants.c - evaluate, once, every node that reads only weights, buffers and
 * constants, and make the results new constants.
 *
 * The case that matters: Core ATen writes linear as permute(weight) + addmm, so an
 * unfolded program transposes every weight on every run, and the GEMM sees a fresh
 * activation where it could have packed a constant once. Folding also covers casts of
 * weights, unsqueezed biases, and any other arithmetic on constants alone.
 *
 * How: the foldable nodes form a sub-program (the same placeholders and metadata, only those
 * nodes, the values the rest of the graph reads as its outputs), which pt2c's own planner
 * shapes and runs with its own kernels, so a folded constant holds exactly the bits the
 * unfolded program computes at run time. Each result becomes a TENSOR_CONSTANT placeholder
 * and the nodes that made it go.
 *
 * Not folded: in-place ops and anything reading a mutated buffer (their values change from
 * run to run), random and uninitialized tensors, ops without a kernel, symbolic sizes, and
 * results much larger than what they are made from (an expanded constant is cheaper to
 * expand than to store).
 */
#include "passes/passes.h"

#include "cpu/cpu.h"
#include "runtime/runtime.h"

#include <string.h>

/* A result may outgrow its inputs by this much and still be folded. */
enum { FOLD_GROWTH_BYTES = 1 << 20 };

typedef struct fold_state {
    pt2c_pass_ctx *ctx;
    pt2c_strmap constant; /* value name -> 1: placeholders and results computable at load */
    bool all_constant;    /* while probing one node's inputs */
    int32_t n_tensors;
    uint64_t in_bytes;
    bool symbolic; /* reads a symbolic value */
} fold_state;

static void probe_input(void *user, const char **name) {
    fold_state *s = user;
    int64_t unused;
    const pt2c_graph *g = &s->ctx->prog->ep.graph_module.graph;
    const pt2c_tensor_meta *m = pt2c_graph_meta(g, *name);
    if (!m) {
        s->symbolic = true; /* a SymInt, SymBool or custom object */
        return;
    }
    s->n_tensors++;
    uint64_t bytes = 0;
    if (!pt2c_strmap_get(&s->constant, *name, &unused) || !pt2c_meta_static(m, &bytes))
        s->all_constant = false;
    s->in_bytes += bytes;
}

typedef struct out_probe {
    const pt2c_graph *g;
    bool ok;
    uint64_t bytes;
} out_probe;

static void probe_output(void *user, const char **name) {
    out_probe *p = user;
    const pt2c_tensor_meta *m = pt2c_graph_meta(p->g, *name);
    uint64_t bytes;
    if (!m || !pt2c_meta_static(m, &bytes)) {
        p->ok = false;
        return;
    }
    p->bytes += bytes;
}

static bool node_foldable(fold_state *s, pt2c_node *n) {
    const pt2c_op_def *op = pt2c_op_find(n->target);
    if (!op || !op->kernel || (op->flags & (PT2C_OP_SYM | PT2C_OP_NOOP | PT2C_OP_INPLACE)) ||
        !pt2c_node_is_pure(n) || pt2c_node_is_random(n))
        return false;
    s->all_constant = true;
    s->n_tensors = 0;
    s->in_bytes = 0;
    s->symbolic = false;
    for (int32_t k = 0; k < n->n_inputs; k++)
        pt2c_arg_visit_names(&n->inputs[k].arg, probe_input, s);
    if (!s->all_constant || s->symbolic || s->n_tensors == 0)
        return false;
    out_probe p = {&s->ctx->prog->ep.graph_module.graph, n->n_outputs > 0, 0};
    pt2c_node_visit_outputs(n, probe_output, &p);
    return p.ok && p.bytes <= s->in_bytes + FOLD_GROWTH_BYTES;
}

/* Placeholders whose bytes are the same on every run: weights, buffers nothing mutates,
 * constants. */
static pt2c_status seed_constants(fold_state *s) {
    pt2c_program *prog = s->ctx->prog;
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    const pt2c_graph_signature *sig = &prog->ep.graph_module.signature;
    for (int32_t i = 0; i < g->n_inputs && i < sig->n_input_specs; i++) {
        const pt2c_input_spec *spec = &sig->input_specs[i];
        if (spec->kind != PT2C_INPUT_PARAMETER && spec->kind != PT2C_INPUT_BUFFER &&
            spec->kind != PT2C_INPUT_TENSOR_CONSTANT)
            continue;
        bool mutated = false;
        for (int32_t o = 0; o < sig->n_output_specs && !mutated; o++) {
            const pt2c_output_spec *os = &sig->output_specs[o];
            mutated = (os->kind == PT2C_OUTPUT_BUFFER_MUTATION ||
                       os->kind == PT2C_OUTPUT_PARAMETER_MUTATION) &&
                      os->target && spec->target && strcmp(os->target, spec->target) == 0;
        }
        /* The training IR also writes buffers with in-place nodes (add_ on a counter). */
        for (int64_t k = 0; k < g->n_nodes && !mutated; k++) {
            const pt2c_node *n = &g->nodes[k];
            mutated = !pt2c_node_is_pure(n) && n->n_inputs > 0 &&
                      n->inputs[0].arg.kind == PT2C_ARG_TENSOR && n->inputs[0].arg.name &&
                      g->inputs[i].name && strcmp(n->inputs[0].arg.name, g->inputs[i].name) == 0;
        }
        if (!mutated && g->inputs[i].kind == PT2C_ARG_TENSOR && g->inputs[i].name)
            PT2C_CHECK(pt2c_strmap_put(&s->constant, g->inputs[i].name, 1) == PT2C_OK, s->ctx->err,
                       PT2C_ERR_NOMEM, "fold_constants: out of memory");
    }
    return PT2C_OK;
}

typedef struct mark_state {
    pt2c_strmap *map;
    pt2c_status st;
} mark_state;

static void mark_name(void *user, const char **name) {
    mark_state *m = user;
    if (pt2c_strmap_put(m->map, *name, 1) != PT2C_OK)
        m->st = PT2C_ERR_NOMEM;
}

/* The values of folded nodes that unfolded nodes or the graph outputs read. */
typedef struct frontier {
    const pt2c_strmap *produced; /* value name -> 1: outputs of folded nodes */
    pt2c_strmap seen;
    const char **names;
    int32_t n, cap;
} frontier;

static void collect_read(void *user, const char **name) {
    frontier *f = user;
    int64_t unused;
    if (!pt2c_strmap_get(f->produced, *name, &unused) || pt2c_strmap_get(&f->seen, *name, &unused))
        return;
    if (f->n < f->cap && pt2c_strmap_put(&f->seen, *name, 1) == PT2C_OK)
        f->names[f->n++] = *name;
}

/* Run the folded nodes as their own program and collect the frontier values' bytes. */
static pt2c_status evaluate(pt2c_pass_ctx *ctx, const bool *folded, const frontier *f) {
    pt2c_program *prog = ctx->prog;
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    const pt2c_graph_signature *sig = &prog->ep.graph_module.signature;
    pt2c_arena *S = ctx->scratch;

    pt2c_program sub = *prog;
    pt2c_graph *sg = &sub.ep.graph_module.graph;
    pt2c_graph_signature *ss = &sub.ep.graph_module.signature;
    sg->inputs = PT2C_ARENA_ARRAY(S, pt2c_arg, g->n_inputs + 1);
    ss->input_specs = PT2C_ARENA_ARRAY(S, pt2c_input_spec, g->n_inputs + 1);
    sg->nodes = PT2C_ARENA_ARRAY(S, pt2c_node, g->n_nodes + 1);
    sg->outputs = PT2C_ARENA_ARRAY(S, pt2c_arg, f->n + 1);
    ss->output_specs = PT2C_ARENA_ARRAY(S, pt2c_output_spec, f->n + 1);
    PT2C_CHECK(sg->inputs && ss->input_specs && sg->nodes && sg->outputs && ss->output_specs,
               ctx->err, PT2C_ERR_NOMEM, "fold_constants: out of memory");
    sg->n_inputs = 0;
    for (int32_t i = 0; i < g->n_inputs && i < sig->n_input_specs; i++) {
        pt2c_input_spec_kind k = sig->input_specs[i].kind;
        if (k == PT2C_INPUT_PARAMETER || k == PT2C_INPUT_BUFFER ||
            k == PT2C_INPUT_TENSOR_CONSTANT) {
            sg->inputs[sg->n_inputs] = g->inputs[i];
            ss->input_specs[sg->n_inputs++] = sig->input_specs[i];
        }
    }
    ss->n_input_specs = sg->n_inputs;
    sg->n_nodes = 0;
    for (int64_t i = 0; i < g->n_nodes; i++)
        if (folded[i])
            sg->nodes[sg->n_nodes++] = g->nodes[i];
    for (int32_t k = 0; k < f->n; k++) {
        sg->outputs[k] = (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = f->names[k]};
        ss->output_specs[k] =
            (pt2c_output_spec){.kind = PT2C_OUTPUT_USER_OUTPUT, .arg = sg->outputs[k]};
    }
    sg->n_outputs = f->n;
    ss->n_output_specs = f->n;
    sub.ep.graph_module.n_module_call_graph = 0;

    pt2c_plan plan;
    pt2c_status st = pt2c_plan_build(&sub, &plan, ctx->err);
    if (st != PT2C_OK) {
        pt2c_plan_free(&plan); /* what the build made before it failed */
        return st;
    }
    plan.n_threads = pt2c_online_cores();
    if (plan.n_threads > PT2C_POOL_MAX_THREADS)
        plan.n_threads = PT2C_POOL_MAX_THREADS;
    st = pt2c_cpu_resolve(PT2C_ISA_AUTO, &plan.cpu, ctx->err);
    if (st == PT2C_OK && plan.data_dependent)
        st = pt2c_plan_run_eager(&plan, ctx->err);
    else if (st == PT2C_OK && (st = pt2c_plan_shape(&plan, ctx->err)) == PT2C_OK)
        st = pt2c_plan_execute(&plan, ctx->err);

    for (int32_t k = 0; k < f->n && st == PT2C_OK; k++) {
        const char *name = f->names[k];
        const pt2c_value *v = &plan.values[plan.user_outputs[k]];
        const pt2c_tensor_meta *m = pt2c_graph_meta(g, name);
        bool same =
            v->kind == PT2C_VALUE_TENSOR && m && v->t.dtype == m->dtype && v->t.rank == m->rank;
        for (int32_t d = 0; same && d < m->rank; d++)
            same = v->t.sizes[d] == m->sizes[d].i;
        if (!same) {
            st = pt2c_error_set(ctx->err, PT2C_ERR_INTERNAL,
                                "fold_constants: value '%s': pt2c computed a %s of rank %d, the "
                                "program describes a %s of rank %d",
                                name, pt2c_dtype_abbr(v->t.dtype), (int)v->t.rank,
                                m ? pt2c_dtype_abbr(m->dtype) : "?", m ? (int)m->rank : -1);
            break;
        }
        uint64_t bytes = (uint64_t)v->t.numel * pt2c_dtype_size(v->t.dtype);
        void *data = pt2c_arena_alloc_uninit(&prog->arena, bytes ? (size_t)bytes : 1, 64);
        if (!data) {
            st = pt2c_error_set(ctx->err, PT2C_ERR_NOMEM, "fold_constants: out of memory");
            break;
        }
        if (bytes)
            memcpy(data, v->t.data, (size_t)bytes);
        char *base = pt2c_arena_sprintf(S, "folded_%s", name);
        const char *placeholder = NULL;
        st = base ? pt2c_graph_add_constant(ctx, base, v->t.dtype, v->t.rank, v->t.sizes, data,
                                            bytes, m, &placeholder)
                  : pt2c_error_set(ctx->err, PT2C_ERR_NOMEM, "fold_constants: out of memory");
        if (st == PT2C_OK)
            pt2c_graph_replace_uses(prog, name, placeholder);
    }
    pt2c_plan_free(&plan);
    return st;
}

pt2c_status pt2c_pass_fold_constants(pt2c_pass_ctx *ctx) {
    pt2c_graph *g = &ctx->prog->ep.graph_module.graph;
    fold_state s = {.ctx = ctx};
    pt2c_strmap_init(&s.constant, ctx->scratch);
    PT2C_TRY(seed_constants(&s));

    bool *folded = PT2C_ARENA_ARRAY(ctx->scratch, bool, g->n_nodes + 1);
    pt2c_strmap produced;
    pt2c_strmap_init(&produced, ctx->scratch);
    PT2C_CHECK(folded, ctx->err, PT2C_ERR_NOMEM, "fold_constants: out of memory");
    int64_t n_folded = 0;
    for (int64_t i = 0; i < g->n_nodes; i++) {
        if (!node_foldable(&s, &g->nodes[i]))
            continue;
        folded[i] = true;
        n_folded++;
        mark_state m = {&s.constant, PT2C_OK};
        pt2c_node_visit_outputs(&g->nodes[i], mark_name, &m);
        mark_state p = {&produced, m.st};
        pt2c_node_visit_outputs(&g->nodes[i], mark_name, &p);
        PT2C_CHECK(p.st == PT2C_OK, ctx->err, PT2C_ERR_NOMEM, "fold_constants: out of memory");
    }
    if (n_folded == 0)
        return PT2C_OK;

    int32_t cap = 16;
    for (int64_t i = 0; i < g->n_nodes; i++)
        cap += g->nodes[i].n_inputs;
    cap += g->n_outputs;
    frontier f = {.produced = &produced, .cap = cap};
    pt2c_strmap_init(&f.seen, ctx->scratch);
    f.names = PT2C_ARENA_ARRAY(ctx->scratch, const char *, cap);
    PT2C_CHECK(f.names, ctx->err, PT2C_ERR_NOMEM, "fold_constants: out of memory");
    for (int64_t i = 0; i < g->n_nodes; i++)
        if (!folded[i])
            for (int32_t k = 0; k < g->nodes[i].n_inputs; k++)
                pt2c_arg_visit_names(&g->nodes[i].inputs[k].arg, collect_read, &f);
    for (int32_t o = 0; o < g->n_outputs; o++)
        pt2c_arg_visit_names(&g->outputs[o], collect_read, &f);
    if (f.n == 0)
        return PT2C_OK; /* nothing reads them: dce's work */

    PT2C_TRY(evaluate(ctx, folded, &f));
    int64_t removed = 0;
    PT2C_TRY(pt2c_graph_remove_dead_nodes(ctx, &removed));
    ctx->rewrites += removed;
    return PT2C_OK;
}
