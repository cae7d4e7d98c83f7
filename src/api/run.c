/* run.c - the public runner API (include/pt2c.h): inputs in, plan shaped on demand,
 * kernels run, outputs out; and pt2c_program_check. */
#include "runtime/runtime.h"

#include <stdio.h>
#include <string.h>

struct pt2c_runner {
    const pt2c_program *prog; /* borrowed */
    pt2c_plan plan;
    bool *input_set;      /* n_user_inputs */
    bool shape_dirty;     /* an input's sizes changed since the last shaping */
    int64_t *out_strides; /* n_user_outputs x PT2C_MAX_RANK, plan arena */
    /* Static metadata of each user input, for messages and pt2c_runner_input_info. */
    pt2c_ktensor *expected; /* n_user_inputs */
    bool *symbolic;         /* n_user_inputs x PT2C_MAX_RANK: dim is symbolic */
};

pt2c_status pt2c_runner_create(const pt2c_program *prog, const pt2c_run_options *opts,
                               pt2c_runner **out, pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(prog && out, err, PT2C_ERR_ARG, "run: program and out are required");
    *out = NULL;
    pt2c_runner *r = pt2c_alloc(prog->allocator, sizeof *r);
    PT2C_CHECK(r, err, PT2C_ERR_NOMEM, "run: out of memory");
    memset(r, 0, sizeof *r);
    r->prog = prog;
    pt2c_status st = pt2c_plan_build(prog, &r->plan, err);
    if (st != PT2C_OK) {
        pt2c_runner_destroy(r);
        return st;
    }
    r->plan.no_views = opts && opts->no_views;
    pt2c_generator_seed(&r->plan.gen, opts && opts->seed_set ? opts->seed : PT2C_DEFAULT_SEED);
    r->plan.n_threads = opts && opts->n_threads > 0 ? opts->n_threads : pt2c_online_cores();
    if (r->plan.n_threads > PT2C_POOL_MAX_THREADS)
        r->plan.n_threads = PT2C_POOL_MAX_THREADS;
    if (opts && opts->profile) {
        r->plan.profile = PT2C_ARENA_ARRAY(&r->plan.arena, pt2c_step_profile, r->plan.n_steps + 1);
        if (!r->plan.profile) {
            pt2c_runner_destroy(r);
            return pt2c_error_set(err, PT2C_ERR_NOMEM, "run: out of memory");
        }
    }
    st = pt2c_cpu_resolve(opts ? opts->isa : PT2C_ISA_AUTO, &r->plan.cpu, err);
    if (st == PT2C_OK && !(opts && opts->no_fusion))
        st = pt2c_plan_fuse(&r->plan, err);
    if (st != PT2C_OK) {
        pt2c_runner_destroy(r);
        return st;
    }
    int32_t n_in = r->plan.n_user_inputs, n_out = r->plan.n_user_outputs;
    r->input_set = PT2C_ARENA_ARRAY(&r->plan.arena, bool, n_in + 1);
    r->expected = PT2C_ARENA_ARRAY(&r->plan.arena, pt2c_ktensor, n_in + 1);
    r->symbolic = PT2C_ARENA_ARRAY(&r->plan.arena, bool, (n_in + 1) * PT2C_MAX_RANK);
    r->out_strides = PT2C_ARENA_ARRAY(&r->plan.arena, int64_t, (n_out + 1) * PT2C_MAX_RANK);
    if (!r->input_set || !r->expected || !r->symbolic || !r->out_strides) {
        pt2c_runner_destroy(r);
        return pt2c_error_set(err, PT2C_ERR_NOMEM, "run: out of memory");
    }
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    for (int32_t i = 0; i < n_in; i++) {
        const pt2c_value *v = &r->plan.values[r->plan.user_inputs[i]];
        r->expected[i] = v->t;
        int64_t vi;
        if (v->kind == PT2C_VALUE_TENSOR && v->name &&
            pt2c_strmap_get(&g->tensor_index, v->name, &vi)) {
            const pt2c_tensor_meta *m = &g->tensor_values[vi].meta;
            for (int32_t d = 0; d < m->rank && d < PT2C_MAX_RANK; d++)
                r->symbolic[i * PT2C_MAX_RANK + d] = m->sizes[d].is_expr;
        }
    }
    r->shape_dirty = true;
    *out = r;
    return PT2C_OK;
}

void pt2c_runner_destroy(pt2c_runner *r) {
    if (!r)
        return;
    const pt2c_allocator *a = r->prog->allocator;
    pt2c_plan_free(&r->plan);
    pt2c_dealloc(a, r, sizeof *r);
}

size_t pt2c_runner_n_inputs(const pt2c_runner *r) { return r ? (size_t)r->plan.n_user_inputs : 0; }
size_t pt2c_runner_n_outputs(const pt2c_runner *r) {
    return r ? (size_t)r->plan.n_user_outputs : 0;
}

pt2c_status pt2c_runner_input_info(const pt2c_runner *r, size_t index, pt2c_tensor_info *out,
                                   pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(r && index < (size_t)r->plan.n_user_inputs, err, PT2C_ERR_ARG,
               "run: input %zu does not exist (the program takes %d)", index,
               r ? (int)r->plan.n_user_inputs : 0);
    const pt2c_value *v = &r->plan.values[r->plan.user_inputs[index]];
    memset(out, 0, sizeof *out);
    out->name = v->name;
    out->dtype = r->expected[index].dtype;
    out->rank = r->expected[index].rank;
    out->sizes = r->expected[index].sizes;
    return PT2C_OK;
}

pt2c_status pt2c_runner_set_input(pt2c_runner *r, size_t index, const pt2c_tensor_info *t,
                                  pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(r && t, err, PT2C_ERR_ARG, "run: runner and tensor are required");
    PT2C_CHECK(index < (size_t)r->plan.n_user_inputs, err, PT2C_ERR_ARG,
               "run: input %zu does not exist (the program takes %d input%s)", index,
               (int)r->plan.n_user_inputs, r->plan.n_user_inputs == 1 ? "" : "s");
    pt2c_value *v = &r->plan.values[r->plan.user_inputs[index]];
    const pt2c_ktensor *e = &r->expected[index];
    PT2C_CHECK(v->kind == PT2C_VALUE_TENSOR, err, PT2C_ERR_UNSUPPORTED,
               "run: input %zu '%s' is not a tensor input", index, v->name);
    PT2C_CHECK(t->dtype == e->dtype, err, PT2C_ERR_ARG,
               "run: input %zu '%s' has dtype %s, expected %s", index, v->name,
               pt2c_dtype_name(t->dtype), pt2c_dtype_name(e->dtype));
    PT2C_CHECK(t->rank == e->rank, err, PT2C_ERR_ARG,
               "run: input %zu '%s' has %d dims, expected %d", index, v->name, (int)t->rank,
               (int)e->rank);
    int64_t numel = 1;
    for (int32_t d = 0; d < t->rank; d++) {
        PT2C_CHECK(t->sizes[d] >= 0, err, PT2C_ERR_ARG, "run: input %zu '%s': negative size", index,
                   v->name);
        bool sym = r->symbolic[index * PT2C_MAX_RANK + (size_t)d];
        PT2C_CHECK(sym || t->sizes[d] == e->sizes[d], err, PT2C_ERR_ARG,
                   "run: input %zu '%s' has size %lld in dim %d, expected %lld", index, v->name,
                   (long long)t->sizes[d], (int)d, (long long)e->sizes[d]);
        numel *= t->sizes[d];
    }
    uint64_t bytes = (uint64_t)numel * pt2c_dtype_size(t->dtype);
    PT2C_CHECK(numel == 0 ||
                   (t->storage && t->storage_bytes >= bytes + (uint64_t)t->storage_offset *
                                                                  pt2c_dtype_size(t->dtype)),
               err, PT2C_ERR_ARG, "run: input %zu '%s': %llu bytes of data, expected %llu", index,
               v->name, (unsigned long long)t->storage_bytes, (unsigned long long)bytes);
    for (int32_t d = 0; d < t->rank; d++)
        if (v->t.sizes[d] != t->sizes[d])
            r->shape_dirty = true;
    v->t.rank = t->rank;
    for (int32_t d = 0; d < t->rank; d++)
        v->t.sizes[d] = t->sizes[d];
    v->t.numel = numel;
    v->bound = (const uint8_t *)t->storage + (size_t)t->storage_offset * pt2c_dtype_size(t->dtype);
    v->t.data = (void *)(uintptr_t)v->bound;
    r->input_set[index] = true;
    return PT2C_OK;
}

pt2c_status pt2c_runner_run(pt2c_runner *r, pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(r, err, PT2C_ERR_ARG, "run: runner is required");
    for (int32_t i = 0; i < r->plan.n_user_inputs; i++)
        PT2C_CHECK(r->input_set[i], err, PT2C_ERR_ARG, "run: input %d '%s' was not given", (int)i,
                   r->plan.values[r->plan.user_inputs[i]].name);
    if (r->plan.data_dependent) {
        PT2C_TRY(pt2c_plan_run_eager(&r->plan, err));
    } else {
        if (r->shape_dirty || !r->plan.shaped) {
            PT2C_TRY(pt2c_plan_shape(&r->plan, err));
            r->shape_dirty = false;
        }
        PT2C_TRY(pt2c_plan_execute(&r->plan, err));
    }
    /* Buffer mutations: the new values become the buffers' contents for the next run. */
    for (int32_t m = 0; m < r->plan.n_mutations; m++) {
        pt2c_value *src = &r->plan.values[r->plan.mutations[2 * m]];
        pt2c_value *dst = &r->plan.values[r->plan.mutations[2 * m + 1]];
        /* A USER_INPUT_MUTATION would write into the caller's tensor, which the runner
         * only borrows: inputs are never written (pt2c.h). */
        if (dst->is_user_input)
            continue;
        if (src->kind == PT2C_VALUE_TENSOR && dst->kind == PT2C_VALUE_TENSOR &&
            src->t.numel == dst->t.numel && src->t.dtype == dst->t.dtype) {
            size_t bytes = (size_t)src->t.numel * pt2c_dtype_size(src->t.dtype);
            if (dst->is_constant) {
                /* Weights are read-only views of the file: give the buffer its own copy. */
                void *copy = pt2c_arena_alloc(&r->plan.arena, bytes ? bytes : 1, 64);
                PT2C_CHECK(copy, err, PT2C_ERR_NOMEM, "run: out of memory");
                dst->t.data = copy;
                dst->is_constant = false;
            }
            memmove(dst->t.data, src->t.data, bytes); /* src may be a view of dst */
        }
    }
    return PT2C_OK;
}

pt2c_status pt2c_runner_prepare(pt2c_runner *r, pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(r, err, PT2C_ERR_ARG, "run: runner is required");
    if (r->plan.data_dependent)
        return PT2C_OK; /* sizes exist only as it runs: each run plans node by node */
    if (r->shape_dirty || !r->plan.shaped) {
        PT2C_TRY(pt2c_plan_shape(&r->plan, err));
        r->shape_dirty = false;
    }
    return PT2C_OK;
}

pt2c_status pt2c_runner_output(const pt2c_runner *r, size_t index, pt2c_tensor_info *out,
                               pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(r && index < (size_t)r->plan.n_user_outputs, err, PT2C_ERR_ARG,
               "run: output %zu does not exist", index);
    PT2C_CHECK(r->plan.shaped, err, PT2C_ERR_ARG, "run: no run has happened yet");
    int32_t slot = r->plan.user_outputs[index];
    PT2C_CHECK(slot >= 0, err, PT2C_ERR_UNSUPPORTED, "run: output %zu is a constant, not a tensor",
               index);
    const pt2c_value *v = &r->plan.values[slot];
    PT2C_CHECK(v->kind == PT2C_VALUE_TENSOR, err, PT2C_ERR_UNSUPPORTED,
               "run: output %zu '%s' is a scalar, not a tensor", index, v->name);
    int64_t *strides = r->out_strides + index * PT2C_MAX_RANK;
    int64_t s = 1;
    for (int32_t d = v->t.rank - 1; d >= 0; d--) {
        strides[d] = s;
        s *= v->t.sizes[d];
    }
    memset(out, 0, sizeof *out);
    out->name = v->name;
    out->dtype = v->t.dtype;
    out->rank = v->t.rank;
    out->sizes = v->t.sizes;
    out->strides = strides;
    out->storage = v->t.data;
    out->storage_bytes = (uint64_t)v->t.numel * pt2c_dtype_size(v->t.dtype);
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* check                                                                                    */

pt2c_status pt2c_program_check(const pt2c_program *prog, char **report, size_t *report_len,
                               size_t *n_problems, pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(prog && report && n_problems, err, PT2C_ERR_ARG, "check: arguments required");
    pt2c_strbuf sb;
    pt2c_strbuf_init(&sb, prog->allocator);
    *n_problems = 0;
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    for (int64_t i = 0; i < g->n_nodes; i++) {
        const pt2c_node *n = &g->nodes[i];
        if (!pt2c_op_find(n->target)) {
            pt2c_strbuf_printf(&sb, "node %lld '%s' (%s): no kernel for this op\n", (long long)i,
                               n->name, n->target);
            (*n_problems)++;
        }
    }
    if (*n_problems == 0) {
        /* Every op is known: build and shape for the exported sizes to catch the rest. */
        pt2c_plan plan;
        pt2c_error sub;
        pt2c_error_clear(&sub);
        pt2c_status st = pt2c_plan_build(prog, &plan, &sub);
        /* Data-dependent sizes propagate only when the program runs on real inputs. */
        if (st == PT2C_OK && !plan.data_dependent)
            st = pt2c_plan_shape(&plan, &sub);
        pt2c_plan_free(&plan);
        if (st != PT2C_OK) {
            char line[1200];
            pt2c_error_format(&sub, line, sizeof line);
            pt2c_strbuf_printf(&sb, "%s\n", line);
            (*n_problems)++;
        }
    }
    return pt2c_strbuf_finish(&sb, report, report_len, err);
}

/* ---------------------------------------------------------------------------------------- */
/* describe                                                                                 */

static void put_shape(pt2c_strbuf *sb, const pt2c_value *v) {
    if (v->kind == PT2C_VALUE_INT) {
        pt2c_strbuf_printf(sb, "Sym(%lld)", (long long)v->i);
        return;
    }
    if (v->kind == PT2C_VALUE_FLOAT) {
        char f[32];
        pt2c_format_py_float(v->f, f, sizeof f);
        pt2c_strbuf_printf(sb, "Sym(%s)", f);
        return;
    }
    if (v->kind != PT2C_VALUE_TENSOR) {
        pt2c_strbuf_puts(sb, "None");
        return;
    }
    pt2c_strbuf_printf(sb, "%s[", pt2c_dtype_abbr(v->t.dtype));
    for (int32_t d = 0; d < v->t.rank; d++)
        pt2c_strbuf_printf(sb, "%s%lld", d ? ", " : "", (long long)v->t.sizes[d]);
    pt2c_strbuf_putc(sb, ']');
}

pt2c_status pt2c_runner_describe(pt2c_runner *r, char **out, size_t *out_len, pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(r && out, err, PT2C_ERR_ARG, "describe: arguments required");
    if (r->plan.data_dependent) {
        /* Sizes that depend on data exist only once the program has run on the inputs. */
        for (int32_t i = 0; i < r->plan.n_user_inputs; i++)
            PT2C_CHECK(r->input_set[i], err, PT2C_ERR_ARG,
                       "describe: input %d '%s' is needed: this program's sizes depend on its "
                       "input data",
                       (int)i, r->plan.values[r->plan.user_inputs[i]].name);
        PT2C_TRY(pt2c_plan_run_eager(&r->plan, err));
    } else if (r->shape_dirty || !r->plan.shaped) {
        PT2C_TRY(pt2c_plan_shape(&r->plan, err));
        r->shape_dirty = false;
    }
    pt2c_strbuf sb;
    pt2c_strbuf_init(&sb, r->prog->allocator);
    for (int32_t i = 0; i < r->plan.n_user_inputs; i++) {
        const pt2c_value *v = &r->plan.values[r->plan.user_inputs[i]];
        pt2c_strbuf_printf(&sb, "%s: input -> ", v->name);
        put_shape(&sb, v);
        pt2c_strbuf_putc(&sb, '\n');
    }
    for (int64_t k = 0; k < r->plan.n_exec; k++) {
        const pt2c_step *step = &r->plan.steps[r->plan.exec_order[k]];
        if (step->label) /* fused: named after the value it writes, the last node's */
            pt2c_strbuf_printf(&sb, "%s: fused:%s -> ", r->plan.values[step->final_slot].name,
                               step->label);
        else
            pt2c_strbuf_printf(&sb, "%s: %s -> ", step->node->name, step->node->target);
        if (step->n_outputs != 1)
            pt2c_strbuf_putc(&sb, '(');
        for (int32_t o = 0; o < step->n_outputs; o++) {
            if (o)
                pt2c_strbuf_puts(&sb, ", ");
            int32_t slot = o == 0 && step->label ? step->final_slot : step->outputs[o];
            if (slot < 0)
                pt2c_strbuf_puts(&sb, "None");
            else
                put_shape(&sb, &r->plan.values[slot]);
        }
        if (step->n_outputs != 1)
            pt2c_strbuf_putc(&sb, ')');
        pt2c_strbuf_putc(&sb, '\n');
    }
    pt2c_strbuf_printf(&sb, "# activations: %llu bytes in %lld steps, in an arena of %llu bytes\n",
                       (unsigned long long)r->plan.activation_bytes, (long long)r->plan.n_exec,
                       (unsigned long long)r->plan.arena_bytes);
    return pt2c_strbuf_finish(&sb, out, out_len, err);
}

void pt2c_runner_get_stats(const pt2c_runner *r, pt2c_runner_stats *out) {
    memset(out, 0, sizeof *out);
    if (!r)
        return;
    out->shape_plans = r->plan.shape_plans;
    out->cache_hits = r->plan.cache_hits;
    out->activation_bytes = r->plan.activation_bytes;
    out->arena_bytes = r->plan.arena_bytes;
    out->scratch_bytes = (uint64_t)r->plan.scratch_bytes * (uint64_t)r->plan.n_threads;
    out->packed_bytes = r->plan.packed_bytes;
    out->n_threads = r->plan.n_threads;
    out->isa = r->plan.cpu ? r->plan.cpu->isa : PT2C_ISA_AUTO;
    if (r->plan.shaped)
        pt2c_plan_count_views(&r->plan, &out->views, &out->view_copies);
    pt2c_plan_count_fusion(&r->plan, &out->elementwise_groups, &out->elementwise_ops,
                           &out->strided_reads);
}

/* ---------------------------------------------------------------------------------------- */
/* profile                                                                                  */

size_t pt2c_runner_n_profile(const pt2c_runner *r) {
    return r && r->plan.profile ? (size_t)r->plan.n_exec : 0;
}

pt2c_status pt2c_runner_profile(const pt2c_runner *r, size_t index, pt2c_node_profile *out,
                                pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(r && out, err, PT2C_ERR_ARG, "profile: runner and out are required");
    PT2C_CHECK(r->plan.profile, err, PT2C_ERR_ARG,
               "profile: the runner was created without opts.profile = 1");
    PT2C_CHECK(index < (size_t)r->plan.n_exec, err, PT2C_ERR_ARG,
               "profile: entry %zu does not exist (the runner has %lld steps)", index,
               (long long)r->plan.n_exec);
    /* Entries in execution order; a fused step is named after its producer node. */
    int64_t s = r->plan.exec_order[index];
    const pt2c_step *step = &r->plan.steps[s];
    const pt2c_step_profile *p = &r->plan.profile[s];
    out->node = step->node->name;
    out->op = step->label ? step->label : step->node->target;
    out->runs = p->runs;
    out->seconds = (double)p->ns * 1e-9;
    out->flop = step->flops;
    return PT2C_OK;
}

void pt2c_runner_profile_reset(pt2c_runner *r) {
    if (r && r->plan.profile)
        memset(r->plan.profile, 0, sizeof *r->plan.profile * (size_t)r->plan.n_steps);
}
