/*
 * pass_manager.c - the pass table and pt2c_program_optimize: passes run by name in the order
 * given, each followed by the graph check (verify.c) and the caller's hook.
 */
#include "passes/passes.h"

#include <string.h>

typedef struct pass_def {
    const char *name;
    const char *summary;
    pt2c_pass_fn run;
    bool lowering; /* changes the dialect; the full pipeline leaves it out */
} pass_def;

/* In the order a full pipeline runs them: folding first (it makes constants the fusions
 * want), dce last (it sweeps what the others left unread). */
static const pass_def passes[] = {
    {"functionalize",
     "in-place writes into intermediates and their views -> functional ops "
     "and *_scatter",
     pt2c_pass_functionalize, false},
    {"decompose", "training-IR ops -> the Core ATen ops run_decompositions() gives",
     pt2c_pass_decompose, true},
    {"cse", "a pure node that repeats an earlier one (same op, same inputs) reads its outputs",
     pt2c_pass_cse, false},
    {"fold_transposes",
     "addmm/mm of a transposed matrix -> linear of the matrix (no transposed copy)",
     pt2c_pass_fold_transposes, false},
    {"fold_constants",
     "evaluate nodes that read only weights and constants; results become "
     "constants",
     pt2c_pass_fold_constants, false},
    {"fuse_attention",
     "decomposed attention (bmm, softmax, bmm) -> one scaled_dot_product_attention",
     pt2c_pass_fuse_attention, false},
    {"fuse_activations",
     "silu, hardswish, hardsigmoid and gelu written out (mul/erf/tanh/clamp chains) -> one op",
     pt2c_pass_fuse_activations, false},
    {"fuse_norms",
     "rms and layer norms written out (mean, pow, rsqrt, ...) -> rms_norm, layer_norm",
     pt2c_pass_fuse_norms, false},
    {"fold_batch_norm", "conv/linear + eval batch norm -> conv/linear with rescaled weights",
     pt2c_pass_fold_batch_norm, false},
    {"dce", "remove nodes nothing reads, then weights and constants nothing reads", pt2c_pass_dce,
     false},
};
enum { N_PASSES = sizeof passes / sizeof passes[0] };

size_t pt2c_pass_count(void) { return N_PASSES; }

const char *pt2c_pass_name(size_t index) { return index < N_PASSES ? passes[index].name : NULL; }

int pt2c_pass_is_lowering(size_t index) { return index < N_PASSES && passes[index].lowering; }

const char *pt2c_pass_summary(size_t index) {
    return index < N_PASSES ? passes[index].summary : NULL;
}

static const pass_def *find_pass(const char *name, size_t len) {
    for (size_t k = 0; k < N_PASSES; k++)
        if (strlen(passes[k].name) == len && strncmp(passes[k].name, name, len) == 0)
            return &passes[k];
    return NULL;
}

/* The passes a list names, checked before any runs. */
static pt2c_status parse_list(const char *list, const pt2c_allocator *allocator,
                              const pass_def **out, int32_t cap, int32_t *n, pt2c_error *err) {
    *n = 0;
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const pass_def *d = len ? find_pass(p, len) : NULL;
        if (!d) {
            pt2c_strbuf known;
            pt2c_strbuf_init(&known, allocator);
            for (size_t k = 0; k < N_PASSES; k++)
                pt2c_strbuf_printf(&known, "%s%s", k ? ", " : "", passes[k].name);
            pt2c_error_set(err, PT2C_ERR_ARG, "passes: unknown pass '%.*s' (known: %s)", (int)len,
                           p, known.data ? known.data : "");
            pt2c_strbuf_deinit(&known);
            return PT2C_ERR_ARG;
        }
        PT2C_CHECK(*n < cap, err, PT2C_ERR_LIMIT, "passes: more than %d passes named", (int)cap);
        out[(*n)++] = d;
        p += len + (comma ? 1 : 0);
    }
    return PT2C_OK;
}

enum { MAX_PIPELINE = 64 };

pt2c_status pt2c_program_optimize(pt2c_program *prog, const pt2c_optimize_options *opts,
                                  pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(prog, err, PT2C_ERR_ARG, "passes: program is required");
    const char *list = opts && opts->passes ? opts->passes : PT2C_DEFAULT_PASSES;
    const pass_def *pipeline[MAX_PIPELINE];
    int32_t n = 0;
    PT2C_TRY(parse_list(list, prog->allocator, pipeline, MAX_PIPELINE, &n, err));
    pt2c_graph *g = &prog->ep.graph_module.graph;
    /* A graph that is broken as read is the file's fault, not a pass's. */
    if (n > 0)
        PT2C_TRY(pt2c_graph_verify(prog, NULL, err));
    for (int32_t k = 0; k < n; k++) {
        pt2c_pass_result r = {pipeline[k]->name, g->n_nodes, 0, g->n_inputs, 0, 0};
        pt2c_arena scratch;
        pt2c_arena_init(&scratch, prog->allocator);
        pt2c_pass_ctx ctx = {prog, &scratch, err, 0};
        pt2c_status st = pipeline[k]->run(&ctx);
        pt2c_arena_deinit(&scratch);
        if (st == PT2C_OK)
            st = pt2c_graph_compact_values(prog, err);
        if (st == PT2C_OK)
            st = pt2c_graph_verify(prog, pipeline[k]->name, err);
        if (st != PT2C_OK)
            return st;
        r.nodes_after = g->n_nodes;
        r.inputs_after = g->n_inputs;
        r.rewrites = ctx.rewrites;
        if (opts && opts->hook)
            PT2C_TRY(opts->hook(opts->hook_user, prog, &r, err));
    }
    return PT2C_OK;
}
