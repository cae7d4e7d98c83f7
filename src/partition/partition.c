/*
 * partition.c - which backend runs which nodes, and running a program partition by
 * partition (the public pt2c_program_partition and pt2c_partitioned_* API).
 *
 * Assignment: in graph order, each node goes to the first backend that takes it (x86 before
 * portable); nodes that move no data follow the node before them (the one after, at the
 * start); a partition is a maximal run of consecutive nodes with one owner. Graph order is
 * a topological order, so partitions made of consecutive nodes never depend on each other
 * in a cycle. Nodes no backend takes form partitions of their own, listed with the reason.
 *
 * Running: each partition becomes a sub-program (its nodes; the weights it reads as weights,
 * so they stay constant and get packed; the values earlier partitions made as user inputs;
 * what later partitions or the graph outputs read as outputs), compiled by its backend;
 * partitions run in order, handing tensors on by name.
 */
#include "partition/partition.h"

#include "partition/backend.h"

#include <stdio.h>
#include <string.h>

enum { OWNER_NONE = -1, OWNER_FOLLOW = -2, MAX_BACKENDS = 8 };

typedef struct assignment {
    const pt2c_backend *backends[MAX_BACKENDS];
    int32_t n_backends;
    int32_t *owner;   /* per node: backend index, or OWNER_NONE */
    const char **why; /* per node: why its owner took it, or why nobody did */
    const char **no;  /* per node: why the backend before its owner declined, nullable */
    int64_t *part;    /* per node: partition index */
    int64_t n_parts;
} assignment;

static pt2c_status parse_backends(const char *list, assignment *as, pt2c_error *err) {
    size_t n_all;
    const pt2c_backend *const *all = pt2c_backends(&n_all);
    as->n_backends = 0;
    if (!list || !*list) {
        for (size_t k = 0; k < n_all && k < MAX_BACKENDS; k++)
            as->backends[as->n_backends++] = all[k];
        return PT2C_OK;
    }
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const pt2c_backend *b = pt2c_backend_find(p, len);
        PT2C_CHECK(b, err, PT2C_ERR_ARG, "partition: unknown backend '%.*s' (known: x86, portable)",
                   (int)len, p);
        PT2C_CHECK(as->n_backends < MAX_BACKENDS, err, PT2C_ERR_LIMIT,
                   "partition: more than %d backends", MAX_BACKENDS);
        as->backends[as->n_backends++] = b;
        p += len + (comma ? 1 : 0);
    }
    return PT2C_OK;
}

static pt2c_status assign(const pt2c_program *prog, const char *backends, pt2c_arena *arena,
                          assignment *as, pt2c_error *err) {
    memset(as, 0, sizeof *as);
    PT2C_TRY(parse_backends(backends, as, err));
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    int64_t n = g->n_nodes;
    as->owner = PT2C_ARENA_ARRAY(arena, int32_t, n + 1);
    as->why = PT2C_ARENA_ARRAY(arena, const char *, n + 1);
    as->no = PT2C_ARENA_ARRAY(arena, const char *, n + 1);
    as->part = PT2C_ARENA_ARRAY(arena, int64_t, n + 1);
    PT2C_CHECK(as->owner && as->why && as->no && as->part, err, PT2C_ERR_NOMEM,
               "partition: out of memory");
    for (int64_t i = 0; i < n; i++) {
        const pt2c_node *node = &g->nodes[i];
        if (pt2c_backend_node_follows(node)) {
            as->owner[i] = OWNER_FOLLOW;
            as->why[i] = "moves no data: follows its neighbours";
            continue;
        }
        as->owner[i] = OWNER_NONE;
        for (int32_t b = 0; b < as->n_backends && as->owner[i] == OWNER_NONE; b++) {
            const char *why = NULL;
            if (as->backends[b]->supports(as->backends[b], prog, node, &why))
                as->owner[i] = b;
            else
                as->no[i] = why;
            as->why[i] = why;
        }
    }
    /* Followers join the node before them, or after them at the start. */
    int32_t last = OWNER_FOLLOW;
    for (int64_t i = 0; i < n; i++) {
        if (as->owner[i] == OWNER_FOLLOW)
            as->owner[i] = last;
        else
            last = as->owner[i];
    }
    for (int64_t i = n - 1, next = OWNER_FOLLOW; i >= 0; i--) {
        if (as->owner[i] == OWNER_FOLLOW)
            as->owner[i] = (int32_t)next;
        else
            next = as->owner[i];
    }
    for (int64_t i = 0; i < n; i++) {
        if (as->owner[i] == OWNER_FOLLOW) /* nothing but followers: the first backend */
            as->owner[i] = 0;
        if (i > 0 && as->owner[i] != as->owner[i - 1])
            as->n_parts++;
        as->part[i] = as->n_parts;
    }
    as->n_parts += n > 0;
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* The report                                                                               */

static const char *short_op(const char *target) {
    return strncmp(target, "torch.ops.aten.", 15) == 0 ? target + 15 : target;
}

static void put_partition(pt2c_strbuf *sb, const pt2c_program *prog, const assignment *as,
                          int64_t first, int64_t last, pt2c_arena *scratch) {
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    int32_t owner = as->owner[first];
    pt2c_strbuf_printf(sb, "  partition %lld  %-9s nodes %lld-%lld (%lld)\n",
                       (long long)as->part[first],
                       owner >= 0 ? as->backends[owner]->name : "(none)", (long long)first,
                       (long long)last, (long long)(last - first + 1));
    /* One line per distinct op: count and why. */
    pt2c_strmap seen;
    pt2c_strmap_init(&seen, scratch);
    for (int64_t i = first; i <= last; i++) {
        int64_t unused;
        const char *t = g->nodes[i].target;
        if (pt2c_strmap_get(&seen, t, &unused))
            continue;
        pt2c_strmap_put(&seen, t, 1);
        int64_t count = 0;
        for (int64_t j = i; j <= last; j++)
            count += strcmp(g->nodes[j].target, t) == 0;
        pt2c_strbuf_printf(sb, "      %-44s x%-4lld %s", short_op(t), (long long)count,
                           as->why[i] ? as->why[i] : "");
        if (as->no[i] && owner > 0)
            pt2c_strbuf_printf(sb, " (%s: %s)", as->backends[0]->name, as->no[i]);
        pt2c_strbuf_putc(sb, '\n');
    }
}

pt2c_status pt2c_program_partition(const pt2c_program *prog, const char *backends, char **report,
                                   size_t *report_len, pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(prog && report, err, PT2C_ERR_ARG, "partition: program and report are required");
    pt2c_arena arena;
    pt2c_arena_init(&arena, prog->allocator);
    assignment as;
    pt2c_status st = assign(prog, backends, &arena, &as, err);
    if (st != PT2C_OK) {
        pt2c_arena_deinit(&arena);
        return st;
    }
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    pt2c_strbuf sb;
    pt2c_strbuf_init(&sb, prog->allocator);
    int64_t n_none = 0;
    for (int64_t i = 0; i < g->n_nodes; i++)
        n_none += as.owner[i] == OWNER_NONE;
    pt2c_strbuf_printf(&sb, "%lld nodes in %lld partition%s; backends:", (long long)g->n_nodes,
                       (long long)as.n_parts, as.n_parts == 1 ? "" : "s");
    for (int32_t b = 0; b < as.n_backends; b++)
        pt2c_strbuf_printf(&sb, " %s (%s)%s", as.backends[b]->name, as.backends[b]->summary,
                           b + 1 < as.n_backends ? "," : "");
    pt2c_strbuf_putc(&sb, '\n');
    for (int64_t i = 0; i < g->n_nodes;) {
        int64_t j = i;
        while (j + 1 < g->n_nodes && as.part[j + 1] == as.part[i])
            j++;
        put_partition(&sb, prog, &as, i, j, &arena);
        i = j + 1;
    }
    if (n_none)
        pt2c_strbuf_printf(&sb, "%lld node%s no backend runs\n", (long long)n_none,
                           n_none == 1 ? "" : "s");
    pt2c_arena_deinit(&arena);
    return pt2c_strbuf_finish(&sb, report, report_len, err);
}

pt2c_status pt2c_partition_owners(const pt2c_program *prog, pt2c_arena *arena,
                                  const char ***backend_of_node, int64_t **part_of_node,
                                  pt2c_error *err) {
    assignment as;
    PT2C_TRY(assign(prog, NULL, arena, &as, err));
    int64_t n = prog->ep.graph_module.graph.n_nodes;
    const char **names = PT2C_ARENA_ARRAY(arena, const char *, n + 1);
    PT2C_CHECK(names, err, PT2C_ERR_NOMEM, "partition: out of memory");
    for (int64_t i = 0; i < n; i++)
        names[i] = as.owner[i] >= 0 ? as.backends[as.owner[i]]->name : NULL;
    *backend_of_node = names;
    *part_of_node = as.part;
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Running partition by partition                                                           */

typedef struct partition {
    const pt2c_backend *backend;
    pt2c_program sub; /* shares the program's IR; owns nothing */
    const char **in_names;
    int32_t n_in;
    const char **out_names;
    int32_t n_out;
    void *state;
} partition;

struct pt2c_partitioned {
    const pt2c_program *prog;
    pt2c_arena arena;
    partition *parts;
    int64_t n_parts;
    pt2c_strmap slot; /* value name -> index into values */
    pt2c_tensor_info *values;
    int64_t n_values;
    const char **user_inputs; /* the program's, signature order */
    int32_t n_user_inputs;
    const char **outputs; /* the program's, output order */
    int32_t n_outputs;
    pt2c_tensor_info *scratch_inputs; /* the largest partition's inputs */
};

static pt2c_status value_slot(pt2c_partitioned *p, const char *name, pt2c_error *err) {
    int64_t unused;
    if (pt2c_strmap_get(&p->slot, name, &unused))
        return PT2C_OK;
    PT2C_CHECK(pt2c_strmap_put(&p->slot, name, p->n_values++) == PT2C_OK, err, PT2C_ERR_NOMEM,
               "partition: out of memory");
    return PT2C_OK;
}

typedef struct part_builder {
    pt2c_partitioned *p;
    const assignment *as;
    int64_t part, first, last;
    pt2c_strmap inside;   /* values this partition makes */
    pt2c_strmap added;    /* names already placeholders of the sub-program */
    pt2c_strmap input_of; /* graph placeholder name -> index */
    pt2c_arg *inputs;
    pt2c_input_spec *specs;
    int32_t n_inputs;
    const char **user;
    int32_t n_user;
    pt2c_error *err;
    pt2c_status st;
} part_builder;

static void add_read(void *user, const char **name) {
    part_builder *b = user;
    int64_t unused, gi;
    if (b->st != PT2C_OK || pt2c_strmap_get(&b->inside, *name, &unused) ||
        pt2c_strmap_get(&b->added, *name, &unused))
        return;
    const pt2c_program *prog = b->p->prog;
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    pt2c_arg in = {.kind = PT2C_ARG_TENSOR, .name = *name};
    pt2c_input_spec spec = {.kind = PT2C_INPUT_USER_INPUT, .arg = in};
    if (pt2c_strmap_get(&b->input_of, *name, &gi)) {
        const pt2c_input_spec *s = &prog->ep.graph_module.signature.input_specs[gi];
        if (s->kind != PT2C_INPUT_USER_INPUT) {
            in = g->inputs[gi];
            spec = *s; /* weights stay weights: constant, packed once */
        }
    }
    if (spec.kind == PT2C_INPUT_USER_INPUT) {
        int64_t vi;
        if (!pt2c_strmap_get(&g->tensor_index, *name, &vi)) {
            b->st = pt2c_error_set(b->err, PT2C_ERR_UNSUPPORTED,
                                   "partition %lld reads '%s', which is not a tensor: partitioned "
                                   "runs hand on tensors only",
                                   (long long)b->part, *name);
            return;
        }
        b->user[b->n_user++] = *name;
    }
    b->inputs[b->n_inputs] = in;
    b->specs[b->n_inputs++] = spec;
    if (pt2c_strmap_put(&b->added, *name, 1) != PT2C_OK)
        b->st = pt2c_error_set(b->err, PT2C_ERR_NOMEM, "partition: out of memory");
}

/* Every value name an argument reads (partitions never rename). */
static void visit_reads(const pt2c_arg *a, void (*visit)(void *, const char **), void *user) {
    if (a->kind == PT2C_ARG_GRAPH)
        return;
    if (a->name) {
        const char *name = a->name;
        visit(user, &name);
    }
    for (int64_t k = 0; k < a->n_items; k++)
        visit_reads(&a->items[k], visit, user);
}

static void mark_inside(void *user, const char **name) {
    part_builder *b = user;
    if (pt2c_strmap_put(&b->inside, *name, 1) != PT2C_OK)
        b->st = PT2C_ERR_NOMEM;
}

typedef struct later_reader {
    const pt2c_strmap *inside;
    pt2c_strmap *wanted;
    pt2c_status st;
} later_reader;

static void want_if_inside(void *user, const char **name) {
    later_reader *l = user;
    int64_t unused;
    if (pt2c_strmap_get(l->inside, *name, &unused) &&
        pt2c_strmap_put(l->wanted, *name, 1) != PT2C_OK)
        l->st = PT2C_ERR_NOMEM;
}

static pt2c_status build_partition(pt2c_partitioned *p, const assignment *as, int64_t part,
                                   int64_t first, int64_t last, pt2c_error *err) {
    const pt2c_program *prog = p->prog;
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    pt2c_arena *A = &p->arena;
    part_builder b = {.p = p, .as = as, .part = part, .first = first, .last = last, .err = err};
    pt2c_strmap_init(&b.inside, A);
    pt2c_strmap_init(&b.added, A);
    pt2c_strmap_init(&b.input_of, A);
    int64_t cap = g->n_inputs + 1;
    for (int64_t i = first; i <= last; i++)
        cap += g->nodes[i].n_inputs + 8;
    b.inputs = PT2C_ARENA_ARRAY(A, pt2c_arg, cap);
    b.specs = PT2C_ARENA_ARRAY(A, pt2c_input_spec, cap);
    b.user = PT2C_ARENA_ARRAY(A, const char *, cap);
    PT2C_CHECK(b.inputs && b.specs && b.user, err, PT2C_ERR_NOMEM, "partition: out of memory");
    for (int32_t i = 0; i < g->n_inputs; i++)
        if (g->inputs[i].name)
            PT2C_CHECK(pt2c_strmap_put(&b.input_of, g->inputs[i].name, i) == PT2C_OK, err,
                       PT2C_ERR_NOMEM, "partition: out of memory");
    for (int64_t i = first; i <= last && b.st == PT2C_OK; i++) {
        const pt2c_node *n = &g->nodes[i];
        for (int32_t k = 0; k < n->n_inputs; k++)
            visit_reads(&n->inputs[k].arg, add_read, &b);
        for (int32_t o = 0; o < n->n_outputs; o++)
            visit_reads(&n->outputs[o], mark_inside, &b);
    }
    PT2C_TRY(b.st);
    /* Outputs: what later nodes or the graph outputs read. */
    pt2c_strmap wanted;
    pt2c_strmap_init(&wanted, A);
    later_reader l = {&b.inside, &wanted, PT2C_OK};
    for (int64_t i = last + 1; i < g->n_nodes; i++)
        for (int32_t k = 0; k < g->nodes[i].n_inputs; k++)
            visit_reads(&g->nodes[i].inputs[k].arg, want_if_inside, &l);
    for (int32_t o = 0; o < g->n_outputs; o++)
        visit_reads(&g->outputs[o], want_if_inside, &l);
    PT2C_CHECK(l.st == PT2C_OK, err, PT2C_ERR_NOMEM, "partition: out of memory");
    partition *pt = &p->parts[part];
    pt->out_names = PT2C_ARENA_ARRAY(A, const char *, wanted.n + 1);
    pt2c_arg *outs = PT2C_ARENA_ARRAY(A, pt2c_arg, wanted.n + 1);
    pt2c_output_spec *ospecs = PT2C_ARENA_ARRAY(A, pt2c_output_spec, wanted.n + 1);
    PT2C_CHECK(pt->out_names && outs && ospecs, err, PT2C_ERR_NOMEM, "partition: out of memory");
    for (int64_t i = first; i <= last; i++) { /* graph order: deterministic */
        const pt2c_node *n = &g->nodes[i];
        for (int32_t o = 0; o < n->n_outputs; o++) {
            const pt2c_arg *a = &n->outputs[o];
            for (int64_t k = 0; k < (a->kind == PT2C_ARG_TENSORS ? a->n_items : 1); k++) {
                const char *name = a->kind == PT2C_ARG_TENSORS ? a->items[k].name : a->name;
                int64_t unused;
                if (!name || !pt2c_strmap_get(&wanted, name, &unused))
                    continue;
                PT2C_CHECK(pt2c_strmap_get(&g->tensor_index, name, &unused), err,
                           PT2C_ERR_UNSUPPORTED,
                           "partition %lld makes '%s' for a later partition, which is not a "
                           "tensor: partitioned runs hand on tensors only",
                           (long long)part, name);
                outs[pt->n_out] = (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = name};
                ospecs[pt->n_out] =
                    (pt2c_output_spec){.kind = PT2C_OUTPUT_USER_OUTPUT, .arg = outs[pt->n_out]};
                pt->out_names[pt->n_out++] = name;
                PT2C_TRY(value_slot(p, name, err));
            }
        }
    }
    pt->sub = *prog;
    pt2c_graph_module *gm = &pt->sub.ep.graph_module;
    gm->graph.inputs = b.inputs;
    gm->graph.n_inputs = b.n_inputs;
    gm->graph.nodes = &g->nodes[first];
    gm->graph.n_nodes = last - first + 1;
    gm->graph.outputs = outs;
    gm->graph.n_outputs = pt->n_out;
    gm->signature.input_specs = b.specs;
    gm->signature.n_input_specs = b.n_inputs;
    gm->signature.output_specs = ospecs;
    gm->signature.n_output_specs = pt->n_out;
    gm->n_module_call_graph = 0;
    pt->in_names = b.user;
    pt->n_in = b.n_user;
    pt->backend = as->backends[as->owner[first]];
    return PT2C_OK;
}

pt2c_status pt2c_partitioned_create(const pt2c_program *prog, const char *backends, int n_threads,
                                    pt2c_partitioned **out, pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(prog && out, err, PT2C_ERR_ARG, "partition: program and out are required");
    *out = NULL;
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    const pt2c_graph_signature *sig = &prog->ep.graph_module.signature;
    for (int32_t o = 0; o < sig->n_output_specs; o++)
        PT2C_CHECK(sig->output_specs[o].kind == PT2C_OUTPUT_USER_OUTPUT &&
                       sig->output_specs[o].arg.kind == PT2C_ARG_TENSOR,
                   err, PT2C_ERR_UNSUPPORTED,
                   "partition: output %d is a %s: partitioned runs return user tensors only",
                   (int)o, pt2c_output_spec_py(sig->output_specs[o].kind));
    pt2c_partitioned *p = pt2c_alloc(prog->allocator, sizeof *p);
    PT2C_CHECK(p, err, PT2C_ERR_NOMEM, "partition: out of memory");
    memset(p, 0, sizeof *p);
    p->prog = prog;
    pt2c_arena_init(&p->arena, prog->allocator);
    pt2c_strmap_init(&p->slot, &p->arena);
    assignment as;
    pt2c_status st = assign(prog, backends, &p->arena, &as, err);
    for (int64_t i = 0; i < g->n_nodes && st == PT2C_OK; i++)
        if (as.owner[i] == OWNER_NONE) {
            pt2c_error_set_node(err, i, g->nodes[i].name, g->nodes[i].target);
            st = pt2c_error_set(err, PT2C_ERR_UNSUPPORTED, "partition: no backend runs it: %s",
                                as.why[i] ? as.why[i] : "unsupported");
        }
    p->user_inputs = PT2C_ARENA_ARRAY(&p->arena, const char *, g->n_inputs + 1);
    p->outputs = PT2C_ARENA_ARRAY(&p->arena, const char *, g->n_outputs + 1);
    p->parts = PT2C_ARENA_ARRAY(&p->arena, partition, as.n_parts + 1);
    if (st == PT2C_OK && (!p->user_inputs || !p->outputs || !p->parts))
        st = pt2c_error_set(err, PT2C_ERR_NOMEM, "partition: out of memory");
    for (int32_t i = 0; i < g->n_inputs && st == PT2C_OK; i++)
        if (sig->input_specs[i].kind == PT2C_INPUT_USER_INPUT) {
            PT2C_CHECK(g->inputs[i].kind == PT2C_ARG_TENSOR, err, PT2C_ERR_UNSUPPORTED,
                       "partition: input %d is not a tensor", (int)i);
            p->user_inputs[p->n_user_inputs++] = g->inputs[i].name;
            st = value_slot(p, g->inputs[i].name, err);
        }
    p->n_parts = as.n_parts;
    int32_t most_inputs = 0;
    for (int64_t i = 0; i < g->n_nodes && st == PT2C_OK;) {
        int64_t j = i;
        while (j + 1 < g->n_nodes && as.part[j + 1] == as.part[i])
            j++;
        st = build_partition(p, &as, as.part[i], i, j, err);
        if (st == PT2C_OK) {
            partition *pt = &p->parts[as.part[i]];
            most_inputs = pt->n_in > most_inputs ? pt->n_in : most_inputs;
            st = pt->backend->compile(pt->backend, &pt->sub, n_threads, &pt->state, err);
        }
        i = j + 1;
    }
    for (int32_t o = 0; o < g->n_outputs && st == PT2C_OK; o++) {
        p->outputs[p->n_outputs++] = g->outputs[o].name;
        st = value_slot(p, g->outputs[o].name, err);
    }
    if (st == PT2C_OK) {
        p->values = PT2C_ARENA_ARRAY(&p->arena, pt2c_tensor_info, p->n_values + 1);
        p->scratch_inputs = PT2C_ARENA_ARRAY(&p->arena, pt2c_tensor_info, most_inputs + 1);
        if (!p->values || !p->scratch_inputs)
            st = pt2c_error_set(err, PT2C_ERR_NOMEM, "partition: out of memory");
    }
    if (st != PT2C_OK) {
        pt2c_partitioned_destroy(p);
        return st;
    }
    *out = p;
    return PT2C_OK;
}

size_t pt2c_partitioned_n_partitions(const pt2c_partitioned *p) {
    return p ? (size_t)p->n_parts : 0;
}

size_t pt2c_partitioned_n_outputs(const pt2c_partitioned *p) {
    return p ? (size_t)p->n_outputs : 0;
}

pt2c_status pt2c_partitioned_run(pt2c_partitioned *p, const pt2c_tensor_info *inputs,
                                 size_t n_inputs, pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(p && (inputs || n_inputs == 0), err, PT2C_ERR_ARG,
               "partition: runner and inputs are required");
    PT2C_CHECK(n_inputs == (size_t)p->n_user_inputs, err, PT2C_ERR_ARG,
               "partition: %zu inputs given, the program takes %d", n_inputs,
               (int)p->n_user_inputs);
    int64_t s;
    for (int32_t i = 0; i < p->n_user_inputs; i++) {
        pt2c_strmap_get(&p->slot, p->user_inputs[i], &s);
        p->values[s] = inputs[i];
    }
    for (int64_t k = 0; k < p->n_parts; k++) {
        partition *pt = &p->parts[k];
        for (int32_t i = 0; i < pt->n_in; i++) {
            PT2C_CHECK(pt2c_strmap_get(&p->slot, pt->in_names[i], &s), err, PT2C_ERR_INTERNAL,
                       "partition %lld: no value '%s'", (long long)k, pt->in_names[i]);
            p->scratch_inputs[i] = p->values[s];
        }
        PT2C_TRY(pt->backend->execute(pt->state, p->scratch_inputs, (size_t)pt->n_in, err));
        for (int32_t o = 0; o < pt->n_out; o++) {
            pt2c_strmap_get(&p->slot, pt->out_names[o], &s);
            PT2C_TRY(pt->backend->output(pt->state, (size_t)o, &p->values[s], err));
        }
    }
    return PT2C_OK;
}

pt2c_status pt2c_partitioned_output(const pt2c_partitioned *p, size_t index, pt2c_tensor_info *out,
                                    pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(p && out && index < (size_t)p->n_outputs, err, PT2C_ERR_ARG,
               "partition: output %zu does not exist", index);
    int64_t s;
    pt2c_strmap_get(&p->slot, p->outputs[index], &s);
    *out = p->values[s];
    return PT2C_OK;
}

void pt2c_partitioned_destroy(pt2c_partitioned *p) {
    if (!p)
        return;
    for (int64_t k = 0; p->parts && k < p->n_parts; k++)
        if (p->parts[k].state)
            p->parts[k].backend->destroy(p->parts[k].state);
    const pt2c_allocator *a = p->prog->allocator;
    pt2c_arena_deinit(&p->arena);
    pt2c_dealloc(a, p, sizeof *p);
}
