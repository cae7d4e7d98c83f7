/* plan.c - build a plan (bind nodes to ops, parse arguments, assign value slots) and shape it
 * (run shape functions for concrete input sizes, allocate buffers). See runtime.h. */
#include "runtime/runtime.h"

#include <string.h>

static pt2c_status node_error(pt2c_error *err, const pt2c_node *node, int64_t index,
                              pt2c_status code, const char *fmt, const char *detail) {
    pt2c_error_set(err, code, fmt, detail);
    pt2c_error_set_node(err, index, node->name, node->target);
    return code;
}

static pt2c_status new_slot(pt2c_plan *plan, const char *name, pt2c_value_kind kind, int32_t *slot,
                            pt2c_error *err) {
    PT2C_CHECK(plan->n_values < plan->cap_values, err, PT2C_ERR_INTERNAL, "plan: value table full");
    if (name) {
        PT2C_CHECK(!pt2c_strmap_get(&plan->slot_by_name, name, NULL), err, PT2C_ERR_FORMAT,
                   "plan: value '%s' is defined twice", name);
    }
    pt2c_value *v = &plan->values[plan->n_values];
    memset(v, 0, sizeof *v);
    v->kind = kind;
    v->name = name;
    v->user_input = -1;
    v->alias_of = -1;
    v->view_base = -1;
    if (name)
        PT2C_CHECK(pt2c_strmap_put(&plan->slot_by_name, name, plan->n_values) == PT2C_OK, err,
                   PT2C_ERR_NOMEM, "plan: out of memory");
    *slot = plan->n_values++;
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Placeholders                                                                             */

static const pt2c_tensor_data *find_tensor(const pt2c_tensor_data *ts, int64_t n,
                                           const char *name) {
    for (int64_t i = 0; i < n; i++)
        if (strcmp(ts[i].name, name) == 0)
            return &ts[i];
    return NULL;
}

static bool is_contiguous(const pt2c_tensor_data *t) {
    int64_t expect = 1;
    for (int32_t d = t->rank - 1; d >= 0; d--) {
        if (t->sizes[d] != 1 && t->strides[d] != expect)
            return false;
        expect *= t->sizes[d];
    }
    return true;
}

/* A weight or constant as a dense tensor: in place when already contiguous, else copied. */
static pt2c_status bind_constant(pt2c_plan *plan, pt2c_value *v, const pt2c_tensor_data *t,
                                 pt2c_error *err) {
    PT2C_CHECK(t->rank <= PT2C_MAX_RANK, err, PT2C_ERR_LIMIT, "plan: '%s' has rank %d (max %d)",
               t->name, (int)t->rank, PT2C_MAX_RANK);
    v->kind = PT2C_VALUE_TENSOR;
    v->is_constant = true;
    v->t.dtype = t->dtype;
    v->t.rank = t->rank;
    v->t.numel = 1;
    for (int32_t d = 0; d < t->rank; d++) {
        v->t.sizes[d] = t->sizes[d];
        v->t.numel *= t->sizes[d];
    }
    size_t elem = pt2c_dtype_size(t->dtype);
    uint64_t bytes = (uint64_t)v->t.numel * elem;
    if (bytes == 0) {
        v->t.data = pt2c_arena_alloc(&plan->arena, 64, 64);
        PT2C_CHECK(v->t.data, err, PT2C_ERR_NOMEM, "plan: out of memory");
        return PT2C_OK;
    }
    if (t->storage && t->storage_bytes > 0 && is_contiguous(t)) {
        /* Zero-copy: kernels only read constants. */
        v->t.data = (void *)(uintptr_t)(t->storage + (uint64_t)t->storage_offset * elem);
        return PT2C_OK;
    }
    PT2C_CHECK(bytes < SIZE_MAX, err, PT2C_ERR_LIMIT, "plan: '%s' is too large", t->name);
    uint8_t *dst = pt2c_arena_alloc(&plan->arena, (size_t)bytes, 64);
    PT2C_CHECK(dst, err, PT2C_ERR_NOMEM, "plan: out of memory copying '%s'", t->name);
    v->t.data = dst;
    if (!t->storage || t->storage_bytes == 0)
        return PT2C_OK; /* an empty payload stands for zeros */
    int64_t index[PT2C_MAX_RANK] = {0};
    for (int64_t k = 0; k < v->t.numel; k++) {
        int64_t off = t->storage_offset;
        for (int32_t d = 0; d < t->rank; d++)
            off += index[d] * t->strides[d];
        memcpy(dst + (uint64_t)k * elem, t->storage + (uint64_t)off * elem, elem);
        for (int32_t d = t->rank - 1; d >= 0; d--) {
            if (++index[d] < t->sizes[d])
                break;
            index[d] = 0;
        }
    }
    return PT2C_OK;
}

/* Static metadata of a graph value (used as the default shape of user inputs). */
static void meta_to_ktensor(const pt2c_tensor_meta *m, pt2c_ktensor *t) {
    t->dtype = m->dtype;
    t->rank = m->rank <= PT2C_MAX_RANK ? m->rank : PT2C_MAX_RANK;
    t->numel = 1;
    for (int32_t d = 0; d < t->rank; d++) {
        t->sizes[d] =
            m->sizes[d].is_expr
                ? (m->sizes[d].expr.hint_kind == PT2C_HINT_INT ? m->sizes[d].expr.hint_int : 1)
                : m->sizes[d].i;
        t->numel *= t->sizes[d];
    }
}

static pt2c_status bind_placeholders(pt2c_plan *plan, pt2c_error *err) {
    const pt2c_program *prog = plan->prog;
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    const pt2c_graph_signature *sig = &prog->ep.graph_module.signature;
    PT2C_CHECK(sig->n_input_specs == g->n_inputs, err, PT2C_ERR_FORMAT,
               "plan: %d input specs for %d graph inputs", (int)sig->n_input_specs,
               (int)g->n_inputs);
    plan->user_inputs = PT2C_ARENA_ARRAY(&plan->arena, int32_t, g->n_inputs + 1);
    PT2C_CHECK(plan->user_inputs, err, PT2C_ERR_NOMEM, "plan: out of memory");
    for (int32_t i = 0; i < g->n_inputs; i++) {
        const pt2c_input_spec *s = &sig->input_specs[i];
        const pt2c_arg *a = &g->inputs[i];
        int32_t slot = -1;
        switch (s->kind) {
        case PT2C_INPUT_PARAMETER:
        case PT2C_INPUT_BUFFER:
        case PT2C_INPUT_TENSOR_CONSTANT: {
            bool in_state =
                s->kind == PT2C_INPUT_PARAMETER || (s->kind == PT2C_INPUT_BUFFER && s->persistent);
            const pt2c_tensor_data *t =
                in_state ? find_tensor(prog->state_dict, prog->n_state_dict, s->target)
                         : find_tensor(prog->constants, prog->n_constants, s->target);
            PT2C_CHECK(t, err, PT2C_ERR_FORMAT, "plan: input '%s' (%s '%s') has no tensor",
                       a->name ? a->name : "?", pt2c_input_spec_key(s->kind), s->target);
            PT2C_TRY(new_slot(plan, a->name, PT2C_VALUE_TENSOR, &slot, err));
            PT2C_TRY(bind_constant(plan, &plan->values[slot], t, err));
            break;
        }
        case PT2C_INPUT_USER_INPUT:
            if (a->kind == PT2C_ARG_TENSOR) {
                PT2C_TRY(new_slot(plan, a->name, PT2C_VALUE_TENSOR, &slot, err));
                int64_t vi;
                if (pt2c_strmap_get(&g->tensor_index, a->name, &vi))
                    meta_to_ktensor(&g->tensor_values[vi].meta, &plan->values[slot].t);
            } else if (a->kind == PT2C_ARG_SYM_INT && a->name) {
                PT2C_TRY(new_slot(plan, a->name, PT2C_VALUE_INT, &slot, err));
            } else {
                return pt2c_error_set(err, PT2C_ERR_UNSUPPORTED,
                                      "plan: user input %d of kind %s is not supported yet", (int)i,
                                      pt2c_arg_kind_key(a->kind));
            }
            plan->values[slot].is_user_input = true;
            plan->values[slot].user_input = plan->n_user_inputs;
            plan->user_inputs[plan->n_user_inputs++] = slot;
            break;
        case PT2C_INPUT_CONSTANT_INPUT:
            /* A user input specialized to a constant: nothing to bind, nodes use the literal. */
            break;
        case PT2C_INPUT_TOKEN:
            PT2C_TRY(new_slot(plan, a->name, PT2C_VALUE_TENSOR, &slot, err));
            plan->values[slot].is_constant = true;
            plan->values[slot].t.dtype = PT2C_DTYPE_F32;
            plan->values[slot].t.rank = 1;
            plan->values[slot].t.numel = 0;
            plan->values[slot].t.data = pt2c_arena_alloc(&plan->arena, 64, 64);
            break;
        case PT2C_INPUT_CUSTOM_OBJ:
        default:
            return pt2c_error_set(err, PT2C_ERR_UNSUPPORTED,
                                  "plan: input '%s' is a %s, which pt2c cannot run",
                                  a->name ? a->name : "?", pt2c_input_spec_key(s->kind));
        }
    }
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Nodes                                                                                    */

static int64_t count_outputs(const pt2c_node *node) {
    int64_t n = 0;
    for (int32_t i = 0; i < node->n_outputs; i++)
        n += node->outputs[i].kind == PT2C_ARG_TENSORS ? node->outputs[i].n_items : 1;
    return n;
}

static pt2c_status bind_outputs(pt2c_plan *plan, pt2c_step *step, pt2c_error *err) {
    const pt2c_node *node = step->node;
    int64_t n = count_outputs(node);
    step->outputs = PT2C_ARENA_ARRAY(&plan->arena, int32_t, n ? n : 1);
    PT2C_CHECK(step->outputs, err, PT2C_ERR_NOMEM, "plan: out of memory");
    step->n_outputs = 0;
    for (int32_t i = 0; i < node->n_outputs; i++) {
        const pt2c_arg *o = &node->outputs[i];
        const pt2c_arg *items = o->kind == PT2C_ARG_TENSORS ? o->items : o;
        int64_t n_items = o->kind == PT2C_ARG_TENSORS ? o->n_items : 1;
        for (int64_t k = 0; k < n_items; k++) {
            const pt2c_arg *it = &items[k];
            int32_t slot = -1;
            switch (it->kind) {
            case PT2C_ARG_TENSOR:
                PT2C_TRY(new_slot(plan, it->name, PT2C_VALUE_TENSOR, &slot, err));
                break;
            case PT2C_ARG_SYM_INT:
            case PT2C_ARG_SYM_FLOAT:
            case PT2C_ARG_SYM_BOOL:
                if (it->name)
                    PT2C_TRY(new_slot(plan, it->name, PT2C_VALUE_INT, &slot, err));
                break;
            case PT2C_ARG_NONE:
                break;
            default:
                return pt2c_error_set(err, PT2C_ERR_UNSUPPORTED,
                                      "plan: output of kind %s is not supported",
                                      pt2c_arg_kind_key(it->kind));
            }
            step->outputs[step->n_outputs++] = slot;
        }
    }
    return PT2C_OK;
}

static pt2c_status bind_node(pt2c_plan *plan, const pt2c_node *node, int64_t index,
                             pt2c_error *err) {
    const pt2c_op_def *op = pt2c_op_find(node->target);
    if (!op)
        return node_error(err, node, index, PT2C_ERR_UNSUPPORTED, "check: no kernel for op %s",
                          node->target);
    pt2c_step *step = &plan->steps[plan->n_steps];
    memset(step, 0, sizeof *step);
    step->op = op;
    step->node = node;
    step->node_index = index;
    step->closes = -1;
    pt2c_op_ctx ctx = {.plan = plan, .step = step, .err = err};
    pt2c_status st = op->parse(&ctx, &step->params);
    if (st == PT2C_OK && (op->flags & PT2C_OP_INPLACE))
        st = pt2c_op_check_inplace_self(&ctx);
    if (st != PT2C_OK) {
        pt2c_error_set_node(err, index, node->name, node->target);
        return st;
    }
    step->inputs = ctx.inputs;
    step->n_inputs = ctx.n_inputs;
    step->params_bytes = step->params == ctx.last_params ? ctx.last_params_bytes : 0;
    if (step->data_dependent)
        plan->data_dependent = true;
    if (step->params && !step->params_bytes)
        plan->cacheable = false; /* params of unknown size: shape every signature afresh */
    st = bind_outputs(plan, step, err);
    if (st != PT2C_OK) {
        pt2c_error_set_node(err, index, node->name, node->target);
        return st;
    }
    step->in_ptrs = PT2C_ARENA_ARRAY(&plan->arena, const pt2c_ktensor *, step->n_inputs + 1);
    step->out_ptrs = PT2C_ARENA_ARRAY(&plan->arena, pt2c_ktensor *, step->n_outputs + 1);
    PT2C_CHECK(step->in_ptrs && step->out_ptrs, err, PT2C_ERR_NOMEM, "plan: out of memory");
    plan->n_steps++;
    return PT2C_OK;
}

static pt2c_status bind_graph_outputs(pt2c_plan *plan, pt2c_error *err) {
    const pt2c_graph *g = &plan->prog->ep.graph_module.graph;
    const pt2c_graph_signature *sig = &plan->prog->ep.graph_module.signature;
    PT2C_CHECK(sig->n_output_specs == g->n_outputs, err, PT2C_ERR_FORMAT,
               "plan: %d output specs for %d graph outputs", (int)sig->n_output_specs,
               (int)g->n_outputs);
    plan->user_outputs = PT2C_ARENA_ARRAY(&plan->arena, int32_t, g->n_outputs + 1);
    plan->mutations = PT2C_ARENA_ARRAY(&plan->arena, int32_t, 2 * g->n_outputs + 2);
    PT2C_CHECK(plan->user_outputs && plan->mutations, err, PT2C_ERR_NOMEM, "plan: out of memory");
    for (int32_t i = 0; i < g->n_outputs; i++) {
        const pt2c_output_spec *s = &sig->output_specs[i];
        const pt2c_arg *a = &g->outputs[i];
        int64_t slot = -1;
        if (a->name && (a->kind == PT2C_ARG_TENSOR || a->kind == PT2C_ARG_SYM_INT ||
                        a->kind == PT2C_ARG_SYM_FLOAT || a->kind == PT2C_ARG_SYM_BOOL))
            PT2C_CHECK(pt2c_strmap_get(&plan->slot_by_name, a->name, &slot), err, PT2C_ERR_FORMAT,
                       "plan: graph output %d names '%s', which nothing defines", (int)i, a->name);
        if (s->kind == PT2C_OUTPUT_USER_OUTPUT) {
            plan->user_outputs[plan->n_user_outputs++] = (int32_t)slot;
        } else if (s->kind == PT2C_OUTPUT_BUFFER_MUTATION ||
                   s->kind == PT2C_OUTPUT_USER_INPUT_MUTATION ||
                   s->kind == PT2C_OUTPUT_PARAMETER_MUTATION) {
            /* The new value of a buffer/input: applied after the run (PyTorch semantics). */
            const char *target = s->target;
            int64_t dst = -1;
            for (int32_t k = 0; k < sig->n_input_specs && target; k++) {
                const pt2c_input_spec *is = &sig->input_specs[k];
                bool named = is->target && strcmp(is->target, target) == 0;
                bool user = s->kind == PT2C_OUTPUT_USER_INPUT_MUTATION &&
                            is->kind == PT2C_INPUT_USER_INPUT && is->arg.name &&
                            strcmp(is->arg.name, target) == 0;
                if ((named || user) && g->inputs[k].name)
                    pt2c_strmap_get(&plan->slot_by_name, g->inputs[k].name, &dst);
            }
            PT2C_CHECK(slot >= 0 && dst >= 0, err, PT2C_ERR_FORMAT,
                       "plan: mutation output %d targets '%s', which is not an input", (int)i,
                       target ? target : "?");
            plan->values[dst].is_written = true; /* its bytes change from run to run */
            plan->mutations[2 * plan->n_mutations] = (int32_t)slot;
            plan->mutations[2 * plan->n_mutations + 1] = (int32_t)dst;
            plan->n_mutations++;
        }
    }
    return PT2C_OK;
}

/* Which values something reads as dense bytes: every kernel (a step that is not a view, a
 * shape computation or a check), a view step's inputs after the first (expand_as's
 * `other`: only its sizes, but keep the rule simple), graph outputs and mutations. A view
 * only other views read is never copied, nor one only elementwise groups read (they read
 * through layouts: fuse_elementwise.c). */
void pt2c_plan_mark_dense(pt2c_plan *plan) {
    for (int32_t v = 0; v < plan->n_values; v++)
        plan->values[v].needs_dense = false;
    for (int64_t s = 0; s < plan->n_steps; s++) {
        const pt2c_step *st = &plan->steps[s];
        if ((st->op->flags & (PT2C_OP_SYM | PT2C_OP_NOOP)) || st->ew || st->reads_layout)
            continue;
        for (int32_t i = pt2c_step_is_view(st) ? 1 : 0; i < st->n_inputs; i++)
            plan->values[st->inputs[i]].needs_dense = true;
    }
    for (int32_t o = 0; o < plan->n_user_outputs; o++)
        if (plan->user_outputs[o] >= 0) {
            plan->values[plan->user_outputs[o]].needs_dense = true;
            plan->values[plan->user_outputs[o]].is_output = true;
        }
    for (int32_t m = 0; m < 2 * plan->n_mutations; m++)
        plan->values[plan->mutations[m]].needs_dense = true;
}

pt2c_status pt2c_plan_build(const pt2c_program *prog, pt2c_plan *plan, pt2c_error *err) {
    memset(plan, 0, sizeof *plan);
    plan->prog = prog;
    plan->n_threads = 1;
    plan->cpu = pt2c_cpu_table(pt2c_cpu_best()); /* runners resolve their own */
    pt2c_arena_init(&plan->arena, prog->allocator);
    pt2c_strmap_init(&plan->slot_by_name, &plan->arena);
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    int64_t cap = g->n_inputs + 16;
    for (int64_t i = 0; i < g->n_nodes; i++)
        cap += count_outputs(&g->nodes[i]) + g->nodes[i].n_inputs;
    PT2C_CHECK(cap < INT32_MAX / 2, err, PT2C_ERR_LIMIT, "plan: too many values");
    plan->cap_values = (int32_t)cap;
    plan->values = PT2C_ARENA_ARRAY(&plan->arena, pt2c_value, cap);
    plan->steps = PT2C_ARENA_ARRAY(&plan->arena, pt2c_step, g->n_nodes + 1);
    PT2C_CHECK(plan->values && plan->steps, err, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(bind_placeholders(plan, err));
    plan->n_input_slots = plan->n_values;
    plan->cacheable = true;
    for (int64_t i = 0; i < g->n_nodes; i++)
        PT2C_TRY(bind_node(plan, &g->nodes[i], i, err));
    plan->exec_order = PT2C_ARENA_ARRAY(&plan->arena, int64_t, plan->n_steps + 1);
    PT2C_CHECK(plan->exec_order, err, PT2C_ERR_NOMEM, "plan: out of memory");
    for (int64_t s = 0; s < plan->n_steps; s++)
        plan->exec_order[s] = s;
    plan->n_exec = plan->n_steps;
    PT2C_TRY(bind_graph_outputs(plan, err));
    pt2c_plan_mark_dense(plan);
    return PT2C_OK;
}

void pt2c_plan_free(pt2c_plan *plan) {
    if (!plan)
        return;
    pt2c_pool_destroy(plan->pool);
    for (int e = 0; e < PT2C_SHAPE_CACHE; e++)
        if (plan->cache[e].arena_live)
            pt2c_arena_deinit(&plan->cache[e].arena);
    pt2c_arena_deinit(&plan->arena);
    memset(plan, 0, sizeof *plan);
}

/* ---------------------------------------------------------------------------------------- */
/* Shapes and buffers                                                                       */

/* The value an in-place op writes must own writable bytes: constants are views of the
 * (read-only) file mapping, user inputs belong to the caller. Constants get one copy for the
 * plan's lifetime, so mutations persist from run to run as in the module; user inputs get a
 * buffer that exec.c refills from the caller's data before each run. */
static pt2c_status make_writable(pt2c_plan *plan, int32_t slot, pt2c_error *err) {
    pt2c_value *v = &plan->values[slot];
    v->is_mutated = true;
    size_t bytes = (size_t)v->t.numel * pt2c_dtype_size(v->t.dtype);
    if (v->is_user_input) {
        v->own_buffer = pt2c_arena_alloc(plan->shape_arena, bytes ? bytes : 1, 64);
        PT2C_CHECK(v->own_buffer, err, PT2C_ERR_NOMEM, "plan: out of memory for '%s'", v->name);
        return PT2C_OK;
    }
    if (v->is_constant && !v->owns_copy) {
        void *copy = pt2c_arena_alloc(&plan->arena, bytes ? bytes : 1, 64);
        PT2C_CHECK(copy, err, PT2C_ERR_NOMEM, "plan: out of memory for '%s'", v->name);
        if (bytes)
            memcpy(copy, v->t.data, bytes);
        v->t.data = copy;
        v->owns_copy = true;
    }
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Views                                                                                    */
/*                                                                                          */
/* A view step (PT2C_OP_STRIDED: permute, select, slice, expand, split, ...; PT2C_OP_VIEW:   */
/* view, reshape, squeeze, ...) moves no data: each output gets a layout (ops/layout.h) in   */
/* the bytes of a root, the value that owns them (a planned buffer, a weight, a user input), */
/* composed from its input's layout, so chains of views still address the root. An output   */
/* that is dense there aliases it at an offset (alias_of, view_offset); one that is not is   */
/* left as a description when only views read it, and gathered into its own buffer by its   */
/* step when a kernel, the caller or a mutation reads it (materialized, once for all its    */
/* readers). Kernels see dense tensors only, with one exception: the steps of an            */
/* elementwise group (fuse_elementwise.c) read their inputs through their layouts, so a     */
/* view only such steps read is never gathered.                                             */

void pt2c_plan_layout(const pt2c_plan *plan, int32_t slot, int32_t *base, pt2c_layout *out) {
    const pt2c_value *v = &plan->values[slot];
    if (v->alias_of < 0) {
        *base = slot;
        pt2c_layout_dense(out, v->t.rank, v->t.sizes);
        return;
    }
    *base = v->alias_of;
    out->rank = v->t.rank;
    for (int32_t d = 0; d < v->t.rank; d++) {
        out->sizes[d] = v->t.sizes[d];
        out->strides[d] = v->view_strides[d];
    }
    out->offset = v->view_offset;
}

static pt2c_status size_buffer(pt2c_plan *plan, pt2c_value *v, pt2c_error *err) {
    uint64_t bytes;
    PT2C_CHECK(pt2c_mul_u64((uint64_t)v->t.numel, pt2c_dtype_size(v->t.dtype), &bytes) &&
                   bytes < SIZE_MAX / 2 && bytes <= plan->prog->limits.max_tensor_bytes,
               err, PT2C_ERR_LIMIT,
               "plan: value '%s' would take %llu bytes, more than max_tensor_bytes (%llu)", v->name,
               (unsigned long long)v->t.numel * pt2c_dtype_size(v->t.dtype),
               (unsigned long long)plan->prog->limits.max_tensor_bytes);
    v->bytes = bytes;
    return PT2C_OK;
}

/* A buffer of its own for v: now when allocate (the eager path), else from the arena. */
static pt2c_status own_buffer(pt2c_plan *plan, pt2c_value *v, bool allocate, pt2c_error *err) {
    PT2C_TRY(size_buffer(plan, v, err));
    v->alias_of = -1;
    v->t.data = NULL;
    if (!allocate)
        return PT2C_OK;
    v->t.data = pt2c_arena_alloc(plan->shape_arena, v->bytes ? (size_t)v->bytes : 1, 64);
    PT2C_CHECK(v->t.data, err, PT2C_ERR_NOMEM, "plan: out of memory for '%s' (%llu bytes)", v->name,
               (unsigned long long)v->bytes);
    plan->activation_bytes += v->bytes;
    plan->arena_bytes += v->bytes;
    return PT2C_OK;
}

static bool value_is_dense(const pt2c_plan *plan, int32_t slot) {
    int32_t base;
    pt2c_layout l;
    pt2c_plan_layout(plan, slot, &base, &l);
    return pt2c_layout_is_dense(&l);
}

/* Alias the view's root, or gather it (copy: clone, --no-views, the eager path; or a
 * layout that is not dense and that something reads as dense bytes). The layout fields are
 * set. */
static pt2c_status place_view(pt2c_plan *plan, int32_t slot, bool copy, bool allocate,
                              pt2c_error *err) {
    pt2c_value *v = &plan->values[slot];
    pt2c_layout l;
    l.rank = v->t.rank;
    for (int32_t d = 0; d < l.rank; d++) {
        l.sizes[d] = v->t.sizes[d];
        l.strides[d] = v->view_strides[d];
    }
    l.offset = v->view_offset;
    v->bytes = 0;
    /* An output is read after the run, when a buffer's mutation may have been copied over
     * the placeholder it views: give it bytes of its own. */
    copy = copy || (v->is_output && v->view_base < plan->n_input_slots &&
                    plan->values[v->view_base].is_written);
    if (!copy && (!v->needs_dense || pt2c_layout_is_dense(&l))) {
        const pt2c_value *base = &plan->values[v->view_base];
        v->materialized = false;
        v->alias_of = v->view_base;
        /* Re-pointed after planning (memplan.c) and at execute for user inputs (exec.c). */
        v->t.data = base->t.data ? (uint8_t *)base->t.data +
                                       (ptrdiff_t)l.offset * (ptrdiff_t)pt2c_dtype_size(v->t.dtype)
                                 : NULL;
        return PT2C_OK;
    }
    v->materialized = true;
    return own_buffer(plan, v, allocate, err);
}

pt2c_status pt2c_plan_make_dense(pt2c_plan *plan, int32_t slot, pt2c_error *err) {
    pt2c_value *v = &plan->values[slot];
    if (v->alias_of < 0 || value_is_dense(plan, slot))
        return PT2C_OK;
    /* Only views are not dense, and a view is only left undense when the plan is not
     * shaped node by node (the eager path copies every strided view at once). */
    PT2C_CHECK(v->view_base >= 0 && !plan->shaped, err, PT2C_ERR_INTERNAL,
               "plan: '%s' is a strided view that cannot be copied any more", v->name);
    v->materialized = true;
    return own_buffer(plan, v, false, err);
}

/* Output 0 of a PT2C_OP_VIEW op (view, reshape, squeeze, ...): the input's elements in the
 * same order under new sizes. Strides exist unless the input is a view that reorders
 * across the dims being merged: then that view is gathered dense first. */
static pt2c_status reshape_view(pt2c_plan *plan, const pt2c_step *step, int32_t slot,
                                pt2c_error *err) {
    pt2c_value *v = &plan->values[slot];
    int32_t base;
    pt2c_layout in, out;
    pt2c_plan_layout(plan, step->inputs[0], &base, &in);
    if (!pt2c_layout_reshape(&in, v->t.rank, v->t.sizes, &out)) {
        PT2C_TRY(pt2c_plan_make_dense(plan, step->inputs[0], err));
        pt2c_plan_layout(plan, step->inputs[0], &base, &in);
        bool ok = pt2c_layout_reshape(&in, v->t.rank, v->t.sizes, &out);
        PT2C_CHECK(ok, err, PT2C_ERR_INTERNAL, "plan: no strides for the view '%s'", v->name);
    }
    v->view_base = base;
    for (int32_t d = 0; d < out.rank; d++)
        v->view_strides[d] = out.strides[d];
    v->view_offset = out.offset;
    v->view_copy = false;
    return PT2C_OK;
}

void pt2c_plan_count_views(const pt2c_plan *plan, int64_t *aliased, int64_t *copied) {
    *aliased = *copied = 0;
    for (int64_t k = 0; k < plan->n_exec; k++) {
        const pt2c_step *st = &plan->steps[plan->exec_order[k]];
        if (!pt2c_step_is_view(st))
            continue;
        for (int32_t o = 0; o < st->n_outputs; o++) {
            int32_t slot = st->outputs[o];
            if (slot < 0 || plan->values[slot].kind != PT2C_VALUE_TENSOR)
                continue;
            if (plan->values[slot].materialized)
                (*copied)++;
            else if (st->op->flags & PT2C_OP_STRIDED)
                (*aliased)++;
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Shapes and buffers                                                                       */

/* Run one step's shape function; outputs alias their input (views, in-place ops) or get a
 * buffer: right away when allocate, else later from the arena (pt2c_plan_memory). */
static pt2c_status shape_step(pt2c_plan *plan, pt2c_step *step, bool allocate, pt2c_error *err) {
    pt2c_op_ctx ctx = {.plan = plan, .step = step, .err = err};
    for (int32_t i = 0; i < step->n_inputs; i++) {
        const pt2c_value *v = &plan->values[step->inputs[i]];
        if (v->kind != PT2C_VALUE_TENSOR)
            return pt2c_op_fail(&ctx, PT2C_ERR_FORMAT, "shape: input %d ('%s') is not a tensor",
                                (int)i, v->name ? v->name : "?");
    }
    step->flops = 0.0;
    PT2C_TRY(step->op->shape(&ctx, step->params));
    step->scratch_bytes = step->op->scratch ? step->op->scratch(&ctx, step->params) : 0;
    step->scratch_bytes = (step->scratch_bytes + 63) / 64 * 64;
    if (step->scratch_bytes > plan->scratch_bytes)
        plan->scratch_bytes = step->scratch_bytes;
    for (int32_t o = 0; o < step->n_outputs; o++) {
        int32_t slot = step->outputs[o];
        if (slot < 0 || plan->values[slot].kind != PT2C_VALUE_TENSOR)
            continue;
        pt2c_value *v = &plan->values[slot];
        v->materialized = false;
        if (step->op->flags & PT2C_OP_STRIDED) {
            /* The shape function gave the layout (pt2c_op_set_view). The eager path runs
             * each step as it shapes it: a view cannot be gathered later there. */
            PT2C_TRY(
                place_view(plan, slot, v->view_copy || plan->no_views || allocate, allocate, err));
            continue;
        }
        if ((step->op->flags & PT2C_OP_VIEW) && o == 0) {
            PT2C_TRY(reshape_view(plan, step, slot, err));
            PT2C_TRY(place_view(plan, slot, false, allocate, err));
            continue;
        }
        if ((step->op->flags & PT2C_OP_INPLACE) && o == 0) {
            /* Same bytes: share the input's buffer. */
            const pt2c_value *src = &plan->values[step->inputs[0]];
            int32_t root;
            pt2c_layout l;
            pt2c_plan_layout(plan, step->inputs[0], &root, &l);
            PT2C_CHECK(v->t.numel == src->t.numel && v->t.dtype == src->t.dtype, err,
                       PT2C_ERR_SHAPE,
                       "shape: node '%s' (%s) writes in place into '%s', but its result "
                       "has a different dtype or size",
                       step->node->name, step->node->target, src->name ? src->name : "?");
            /* inplace_check.c refuses writes into views; a dense one would write through. */
            PT2C_CHECK(pt2c_layout_is_dense(&l), err, PT2C_ERR_UNSUPPORTED,
                       "shape: node '%s' (%s) writes in place into '%s', a strided view",
                       step->node->name, step->node->target, src->name ? src->name : "?");
            v->alias_of = root;
            v->view_base = root;
            for (int32_t d = 0; d < l.rank; d++)
                v->view_strides[d] = l.strides[d];
            v->view_offset = l.offset;
            v->t.data = src->t.data; /* re-pointed after planning, and at execute for user
                                        inputs */
            PT2C_TRY(make_writable(plan, root, err));
            continue;
        }
        v->view_base = -1;
        PT2C_TRY(own_buffer(plan, v, allocate, err));
    }
    return PT2C_OK;
}

/* After the last step a producer absorbed is shaped: the final value owns the bytes the
 * producer writes; its own output and the absorbed nodes' intermediates view them. */
static pt2c_status close_chain(pt2c_plan *plan, pt2c_step *prod, pt2c_error *err) {
    pt2c_value *fin = &plan->values[prod->final_slot];
    const pt2c_value *own = &plan->values[prod->outputs[0]];
    PT2C_CHECK(fin->t.numel == own->t.numel && fin->t.dtype == own->t.dtype, err, PT2C_ERR_SHAPE,
               "shape: node '%s' (%s): the nodes fused after it change its size (%lld to %lld "
               "elements); run with --no-fusion",
               prod->node->name, prod->node->target, (long long)own->t.numel,
               (long long)fin->t.numel);
    if (prod->epilogue && prod->epilogue->residual >= 0) {
        const pt2c_ktensor *r = &plan->values[prod->inputs[prod->epilogue->residual]].t;
        PT2C_CHECK(r->numel == fin->t.numel && r->dtype == fin->t.dtype, err, PT2C_ERR_SHAPE,
                   "shape: node '%s' (%s): the fused residual add broadcasts; run with "
                   "--no-fusion",
                   prod->node->name, prod->node->target);
    }
    fin->alias_of = -1;
    fin->view_base = -1;
    fin->materialized = false;
    fin->bytes = own->bytes ? own->bytes : (uint64_t)fin->t.numel * pt2c_dtype_size(fin->t.dtype);
    fin->t.data = NULL;
    for (int32_t k = 0; k < prod->n_chain; k++) {
        pt2c_value *v = &plan->values[prod->chain[k]];
        pt2c_layout dense;
        pt2c_layout_dense(&dense, v->t.rank, v->t.sizes);
        v->alias_of = prod->final_slot;
        v->view_base = prod->final_slot;
        memcpy(v->view_strides, dense.strides, sizeof dense.strides);
        v->view_offset = 0;
        v->materialized = false;
        v->t.data = NULL;
    }
    return PT2C_OK;
}

/* One scratch slice of plan->scratch_bytes per thread, in the shape arena. */
static pt2c_status alloc_scratch(pt2c_plan *plan, pt2c_error *err) {
    uint64_t total;
    PT2C_CHECK(pt2c_mul_u64(plan->scratch_bytes, (uint64_t)plan->n_threads, &total) &&
                   total < SIZE_MAX / 2,
               err, PT2C_ERR_LIMIT, "plan: scratch of %zu bytes for %d threads is too large",
               plan->scratch_bytes, plan->n_threads);
    plan->scratch = pt2c_arena_alloc_huge(plan->shape_arena, (size_t)total, false);
    PT2C_CHECK(plan->scratch, err, PT2C_ERR_NOMEM, "plan: out of memory for %llu bytes of scratch",
               (unsigned long long)total);
    return PT2C_OK;
}

/* Shape every step for the current inputs, allocating into plan->shape_arena. */
static pt2c_status shape_fresh(pt2c_plan *plan, pt2c_error *err) {
    plan->shaped = false;
    plan->activation_bytes = 0;
    plan->arena_bytes = 0;
    plan->scratch_bytes = 0;
    PT2C_TRY(pt2c_plan_bind_symbols(plan, err));
    for (int64_t s = 0; s < plan->n_steps; s++) {
        if (plan->steps[s].data_dependent)
            return node_error(err, plan->steps[s].node, plan->steps[s].node_index, PT2C_ERR_SHAPE,
                              "shape: %s",
                              "the output size depends on the input data; it is known only "
                              "when the program runs");
        PT2C_TRY(shape_step(plan, &plan->steps[s], false, err));
        if (plan->steps[s].closes >= 0)
            PT2C_TRY(close_chain(plan, &plan->steps[plan->steps[s].closes], err));
        if (plan->steps[s].ew)
            PT2C_TRY(pt2c_ew_close(plan, &plan->steps[s], err));
    }
    PT2C_TRY(pt2c_plan_memory(plan, err));
    if (plan->scratch_bytes)
        PT2C_TRY(alloc_scratch(plan, err));
    plan->shaped = true;
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Shape cache: one shaped state per input-size signature                                  */

/* The signature: every user input's rank and sizes. */
static int32_t shape_key(const pt2c_plan *plan, int64_t *key, int32_t cap) {
    int32_t n = 0;
    for (int32_t i = 0; i < plan->n_user_inputs; i++) {
        const pt2c_value *v = &plan->values[plan->user_inputs[i]];
        if (n + 1 + v->t.rank > cap)
            return -1;
        key[n++] = v->kind == PT2C_VALUE_TENSOR ? v->t.rank : -1 - v->i;
        for (int32_t d = 0; v->kind == PT2C_VALUE_TENSOR && d < v->t.rank; d++)
            key[n++] = v->t.sizes[d];
    }
    return n;
}

/* Make entry e's shaped state current. Placeholders keep their state (weights, mutated
 * buffers, the caller's input pointers); user inputs take back their own buffer. */
static void restore(pt2c_plan *plan, pt2c_shape_entry *e) {
    int32_t first = plan->n_input_slots;
    memcpy(&plan->values[first], &e->values[first],
           sizeof *plan->values * (size_t)(plan->n_values - first));
    for (int32_t i = 0; i < plan->n_user_inputs; i++) {
        int32_t slot = plan->user_inputs[i];
        plan->values[slot].own_buffer = e->values[slot].own_buffer;
        plan->values[slot].is_mutated = e->values[slot].is_mutated;
    }
    for (int64_t s = 0; s < plan->n_steps; s++) {
        plan->steps[s].scratch_bytes = e->step_scratch[s];
        plan->steps[s].flops = e->step_flops[s];
        if (plan->steps[s].params_bytes)
            memcpy(plan->steps[s].params, e->step_params[s], plan->steps[s].params_bytes);
    }
    plan->activation_bytes = e->activation_bytes;
    plan->arena_bytes = e->arena_bytes;
    plan->scratch_bytes = e->scratch_bytes;
    plan->scratch = e->scratch;
    plan->shape_arena = &e->arena;
    plan->shaped = true;
}

static pt2c_status snapshot(pt2c_plan *plan, pt2c_shape_entry *e, const int64_t *key, int32_t n_key,
                            pt2c_error *err) {
    e->key = PT2C_ARENA_ARRAY(&e->arena, int64_t, n_key + 1);
    e->values = PT2C_ARENA_ARRAY(&e->arena, pt2c_value, plan->n_values + 1);
    e->step_scratch = PT2C_ARENA_ARRAY(&e->arena, size_t, plan->n_steps + 1);
    e->step_flops = PT2C_ARENA_ARRAY(&e->arena, double, plan->n_steps + 1);
    PT2C_CHECK(e->key && e->values && e->step_scratch && e->step_flops, err, PT2C_ERR_NOMEM,
               "plan: out of memory");
    memcpy(e->key, key, sizeof *key * (size_t)n_key);
    e->n_key = n_key;
    memcpy(e->values, plan->values, sizeof *plan->values * (size_t)plan->n_values);
    e->step_params = PT2C_ARENA_ARRAY(&e->arena, void *, plan->n_steps + 1);
    PT2C_CHECK(e->step_params, err, PT2C_ERR_NOMEM, "plan: out of memory");
    for (int64_t s = 0; s < plan->n_steps; s++) {
        const pt2c_step *st = &plan->steps[s];
        e->step_scratch[s] = st->scratch_bytes;
        e->step_flops[s] = st->flops;
        e->step_params[s] = NULL;
        if (st->params_bytes) {
            e->step_params[s] = pt2c_arena_alloc(&e->arena, st->params_bytes, 16);
            PT2C_CHECK(e->step_params[s], err, PT2C_ERR_NOMEM, "plan: out of memory");
            memcpy(e->step_params[s], st->params, st->params_bytes);
        }
    }
    e->activation_bytes = plan->activation_bytes;
    e->arena_bytes = plan->arena_bytes;
    e->scratch_bytes = plan->scratch_bytes;
    e->scratch = plan->scratch;
    return PT2C_OK;
}

pt2c_status pt2c_plan_shape(pt2c_plan *plan, pt2c_error *err) {
    int64_t key[PT2C_SHAPE_KEY_MAX];
    int32_t n_key = plan->cacheable ? shape_key(plan, key, PT2C_SHAPE_KEY_MAX) : -1;
    pt2c_shape_entry *victim = NULL;
    for (int i = 0; i < PT2C_SHAPE_CACHE; i++) {
        pt2c_shape_entry *e = &plan->cache[i];
        if (e->used && n_key >= 0 && e->n_key == n_key &&
            memcmp(e->key, key, sizeof *key * (size_t)n_key) == 0) {
            restore(plan, e);
            e->last_use = ++plan->tick;
            plan->cache_hits++;
            return PT2C_OK;
        }
        if (!victim || (!e->used && victim->used) ||
            (e->used == victim->used && e->last_use < victim->last_use))
            victim = e;
    }
    /* A new signature: shape into the least recently used entry. */
    if (victim->arena_live)
        pt2c_arena_deinit(&victim->arena);
    memset(victim, 0, sizeof *victim);
    pt2c_arena_init(&victim->arena, plan->prog->allocator);
    victim->arena_live = true;
    plan->shape_arena = &victim->arena;
    pt2c_status st = shape_fresh(plan, err);
    if (st == PT2C_OK && n_key >= 0)
        st = snapshot(plan, victim, key, n_key, err);
    if (st != PT2C_OK || n_key < 0) {
        /* Not cacheable (failed, or a signature too long to key): the entry keeps its
         * arena, so the buffers live until this entry is reused, but never matches. */
        victim->used = false;
        victim->last_use = 0;
        if (st != PT2C_OK)
            plan->shaped = false;
        plan->shape_plans++;
        return st;
    }
    victim->used = true;
    victim->last_use = ++plan->tick;
    plan->shape_plans++;
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Data-dependent sizes: shape and run node by node                                        */

pt2c_status pt2c_plan_run_eager(pt2c_plan *plan, pt2c_error *err) {
    /* Sizes may differ from run to run even for equal input sizes: fresh buffers each run,
     * in cache entry 0 (the cache is not used for such programs). */
    pt2c_shape_entry *e = &plan->cache[0];
    if (e->arena_live)
        pt2c_arena_deinit(&e->arena);
    memset(e, 0, sizeof *e);
    pt2c_arena_init(&e->arena, plan->prog->allocator);
    e->arena_live = true;
    plan->shape_arena = &e->arena;
    plan->shaped = false;
    plan->activation_bytes = 0;
    plan->arena_bytes = 0;
    plan->scratch_bytes = 0;
    plan->scratch = NULL;
    if (plan->n_threads > 1 && !plan->pool)
        PT2C_TRY(pt2c_pool_create(plan->n_threads, plan->prog->allocator, &plan->pool, err));
    PT2C_TRY(pt2c_plan_bind_symbols(plan, err));
    pt2c_plan_prepare_inputs(plan);
    for (int64_t s = 0; s < plan->n_steps; s++) {
        pt2c_step *step = &plan->steps[s];
        size_t had = plan->scratch_bytes;
        PT2C_TRY(shape_step(plan, step, true, err));
        if (plan->scratch_bytes > had || (plan->scratch_bytes && !plan->scratch))
            PT2C_TRY(alloc_scratch(plan, err));
        PT2C_TRY(pt2c_plan_execute_step(plan, s, err));
    }
    plan->shaped = true;
    plan->shape_plans++;
    return PT2C_OK;
}
