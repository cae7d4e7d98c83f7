/*
 * verify.c - the checks run after every pass, so that a pass that breaks the graph is named
 * at once instead of surfacing as a wrong result or a file torch.export.load refuses.
 */
#include "passes/passes.h"

#include <stdio.h>
#include <string.h>

typedef struct checker {
    pt2c_strmap defined;
    const char *missing; /* the first name read before it is defined */
    pt2c_status st;
} checker;

static void define(void *user, const char **name) {
    checker *c = user;
    if (pt2c_strmap_put(&c->defined, *name, 1) != PT2C_OK)
        c->st = PT2C_ERR_NOMEM;
}

static void require(void *user, const char **name) {
    checker *c = user;
    int64_t unused;
    if (!c->missing && !pt2c_strmap_get(&c->defined, *name, &unused))
        c->missing = *name;
}

typedef struct described {
    const pt2c_graph *g;
    const char *undescribed;
} described;

static void require_meta(void *user, const char **name) {
    described *d = user;
    if (!d->undescribed && !pt2c_graph_meta(d->g, *name))
        d->undescribed = *name;
}

static bool has_tensor(const pt2c_tensor_data *ts, int64_t n, const char *name) {
    for (int64_t i = 0; i < n; i++)
        if (strcmp(ts[i].name, name) == 0)
            return true;
    return false;
}

/* pass: the pass just run (an internal error when the graph is broken), or NULL for the
 * program as read (a format error: passes do not run on a graph that reads values nothing
 * defines). */
static pt2c_status check(const pt2c_program *prog, const char *pass, pt2c_arena *scratch,
                         pt2c_error *err) {
    char pass_where[96];
    snprintf(pass_where, sizeof pass_where, "verify after %s", pass ? pass : "");
    const char *where = pass ? pass_where : "passes: the program as read";
    pt2c_status bad = pass ? PT2C_ERR_INTERNAL : PT2C_ERR_FORMAT;
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    const pt2c_graph_signature *sig = &prog->ep.graph_module.signature;
    PT2C_CHECK(sig->n_input_specs == g->n_inputs, err, bad,
               "%s: %d input specs for %d placeholders", where, (int)sig->n_input_specs,
               (int)g->n_inputs);
    PT2C_CHECK(sig->n_output_specs == g->n_outputs, err, bad,
               "%s: %d output specs for %d graph outputs", where, (int)sig->n_output_specs,
               (int)g->n_outputs);
    checker c = {.st = PT2C_OK};
    pt2c_strmap_init(&c.defined, scratch);
    for (int32_t i = 0; i < g->n_inputs; i++) {
        pt2c_arg a = g->inputs[i];
        pt2c_arg_visit_names(&a, define, &c);
        const pt2c_input_spec *s = &sig->input_specs[i];
        bool weight = s->kind == PT2C_INPUT_PARAMETER || s->kind == PT2C_INPUT_BUFFER ||
                      s->kind == PT2C_INPUT_TENSOR_CONSTANT;
        PT2C_CHECK(!weight ||
                       (s->target && (has_tensor(prog->state_dict, prog->n_state_dict, s->target) ||
                                      has_tensor(prog->constants, prog->n_constants, s->target))),
                   err, bad,
                   "%s: placeholder '%s' is bound to '%s', "
                   "which no weight or constant holds",
                   where, a.name ? a.name : "?", s->target ? s->target : "(none)");
    }
    for (int64_t i = 0; i < g->n_nodes; i++) {
        pt2c_node n = g->nodes[i];
        described d = {g, NULL};
        for (int32_t k = 0; k < n.n_inputs; k++) {
            pt2c_arg a = n.inputs[k].arg;
            pt2c_arg_visit_names(&a, require, &c);
        }
        if (c.missing) {
            pt2c_error_set(err, bad, "%s: node '%s' (%s) reads '%s' before anything defines it",
                           where, n.name, n.target, c.missing);
            err->node_index = i;
            return bad;
        }
        for (int32_t o = 0; o < n.n_outputs; o++) {
            pt2c_arg a = n.outputs[o];
            pt2c_arg_visit_names(&a, define, &c);
            if (a.kind == PT2C_ARG_TENSOR)
                require_meta(&d, &a.name);
            for (int64_t k = 0; a.kind == PT2C_ARG_TENSORS && k < a.n_items; k++)
                if (a.items[k].name)
                    require_meta(&d, &a.items[k].name);
        }
        PT2C_CHECK(!d.undescribed, err, bad,
                   "%s: node '%s' (%s) makes '%s', which has no tensor metadata", where, n.name,
                   n.target, d.undescribed);
    }
    for (int32_t o = 0; o < g->n_outputs; o++) {
        pt2c_arg a = g->outputs[o];
        pt2c_arg_visit_names(&a, require, &c);
    }
    PT2C_CHECK(!c.missing, err, bad, "%s: the graph returns '%s', which nothing defines", where,
               c.missing);
    PT2C_CHECK(c.st == PT2C_OK, err, PT2C_ERR_NOMEM, "verify: out of memory");
    return PT2C_OK;
}

pt2c_status pt2c_graph_verify(const pt2c_program *prog, const char *pass, pt2c_error *err) {
    pt2c_arena scratch;
    pt2c_arena_init(&scratch, prog->allocator);
    pt2c_status st = check(prog, pass, &scratch, err);
    pt2c_arena_deinit(&scratch);
    return st;
}
