/*
 * fuse_elementwise.c - plan-level fusion of elementwise chains, fuse.c's sibling: float32
 * elementwise steps (unary math, arithmetic with a tensor or a Scalar, clamp: the ops
 * pt2c_fuse_elementwise accepts) whose intermediate results nothing else reads run as ONE
 * step that walks the output in blocks of PT2C_EW_BLOCK elements:
 *
 *     GPT-2's gelu_new   0.5 * x * (1 + tanh(0.79788456 * (x + 0.044715 * x ** 3)))
 *                        8 steps, 7 intermediates of x's size -> one step, none stored
 *     LSTM cell          c' = sigmoid(f) * c + sigmoid(i) * tanh(g) (gates sliced from one
 *                        matrix product: strided views read in place, never copied)
 *
 * A group is a DAG: its last step (the sink, latest in graph order) writes the output; every
 * other member's result is read only by members (not a graph output, not mutated) and has
 * the output's exported sizes. For each block, each member runs its own kernel (the same
 * vector code as the unfused step) on 1-D tiles of the block: an intermediate in a tile of
 * thread scratch, an external input in place when its layout is dense and the output's, else
 * gathered into a tile through its layout (broadcasts, strided views), a one-element input
 * as a 0-dim tensor. Kernels split by output element and the gathers copy floats, so the
 * fused plan gives the bits of the unfused one for any block boundaries and thread count;
 * threads take runs of blocks.
 *
 * The intermediates become views of the output (pt2c_ew_close, as fuse.c's chains): they get
 * no arena bytes. Members are still shaped in graph order and never executed; the group runs
 * where its sink was, so nothing between its first member and the sink may write in place
 * (the group reads its inputs late). A member reads its inputs through their layouts, so
 * plan.c no longer gathers a strided view only groups read; a lone elementwise step reading
 * a view's output becomes a group of one for that reason alone.
 *
 * Dtypes and sizes are decided from the exported metadata at build time and checked again at
 * shape time (an error asks for --no-fusion if they differ). Runners fuse unless
 * pt2c_run_options.no_fusion is set.
 */
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* The block evaluator                                                                      */

size_t pt2c_ew_scratch_bytes(const pt2c_ew_group *g) {
    return sizeof(float) * (size_t)PT2C_EW_TILE * (size_t)(g->n_ops - 1 + g->n_ext);
}

void pt2c_ew_input_init(pt2c_ew_input *in, const void *data, pt2c_dtype dtype, int64_t numel,
                        const pt2c_layout *l, const pt2c_ktensor *out) {
    in->data = data;
    in->strides[0] = 0; /* a 0-dim output reads as [1] */
    in->dtype = dtype;
    in->scalar = numel == 1;
    /* Right-aligned broadcast: a missing or size-1 dim repeats (stride 0). */
    in->dense = numel == out->numel;
    int64_t dense_stride = 1;
    for (int32_t d = out->rank - 1; d >= 0; d--) {
        int32_t ld = l->rank - (out->rank - d);
        in->strides[d] = ld < 0 || l->sizes[ld] == 1 ? 0 : l->strides[ld];
        if (out->sizes[d] != 1 && in->strides[d] != dense_stride)
            in->dense = false;
        dense_stride *= out->sizes[d];
    }
}

/* Where a gather stands: the output index it reads next and that element's offset in x. */
typedef struct cursor {
    int64_t idx[PT2C_MAX_RANK];
    int64_t off;
} cursor;

static void cursor_start(cursor *c, const pt2c_ew_input *x, int32_t rank, const int64_t *sizes,
                         int64_t i0) {
    int64_t rem = i0;
    c->off = 0;
    for (int32_t d = rank - 1; d >= 0; d--) {
        c->idx[d] = rem % sizes[d];
        rem /= sizes[d];
        c->off += c->idx[d] * x->strides[d];
    }
}

/* dst[j] = the next m elements of x in the output's index space; the cursor moves on (a
 * thread's blocks are consecutive, so it divides only once, in cursor_start). */
static void gather(const pt2c_ew_input *x, int32_t rank, const int64_t *sizes, cursor *c, int64_t m,
                   float *dst) {
    const float *src = x->data;
    int32_t last = rank - 1;
    int64_t s = x->strides[last], off = c->off;
    int64_t *idx = c->idx;
    for (int64_t done = 0; done < m;) {
        int64_t run = sizes[last] - idx[last];
        if (run > m - done)
            run = m - done;
        if (s == 0) {
            for (int64_t j = 0; j < run; j++)
                dst[done + j] = src[off];
        } else if (s == 1) {
            memcpy(dst + done, src + off, sizeof(float) * (size_t)run);
        } else {
            for (int64_t j = 0; j < run; j++)
                dst[done + j] = src[off + j * s];
        }
        done += run;
        idx[last] += run;
        off += run * s;
        for (int32_t d = last; d > 0 && idx[d] == sizes[d]; d--) {
            off -= sizes[d] * x->strides[d];
            idx[d] = 0;
            idx[d - 1]++;
            off += x->strides[d - 1];
        }
    }
    c->off = off;
}

static void tile_tensor(pt2c_ktensor *t, void *data, int64_t m) {
    t->data = data;
    t->dtype = PT2C_DTYPE_F32;
    t->rank = 1;
    t->sizes[0] = m;
    t->numel = m;
}

void pt2c_ew_eval(const pt2c_ew_group *g, const pt2c_ew_input *in, pt2c_ktensor *out,
                  const pt2c_cpu *cpu, float *scratch, pt2c_kernel_fault *fault, int ith, int nth) {
    enum { B = PT2C_EW_BLOCK, T = PT2C_EW_TILE };
    int64_t n = out->numel;
    int64_t b0, b1;
    pt2c_split_range((n + B - 1) / B, ith, nth, &b0, &b1);
    if (b0 >= b1)
        return;
    /* A 0-dim output is one element of a 1-dim one. */
    int32_t rank = out->rank > 0 ? out->rank : 1;
    const int64_t one = 1;
    const int64_t *sizes = out->rank > 0 ? out->sizes : &one;
    float *op_tiles = scratch, *ext_tiles = scratch + (size_t)(g->n_ops - 1) * T;
    /* Kernels read data, dtype, rank, numel and sizes[0 .. rank): only those are set. */
    pt2c_ktensor ext_t[PT2C_EW_MAX_EXT], res_t[PT2C_EW_MAX_OPS];
    for (int32_t e = 0; e < g->n_ext; e++) {
        if (in[e].scalar) { /* the same 0-dim tensor for every block */
            ext_t[e].data = (void *)(uintptr_t)in[e].data;
            ext_t[e].dtype = in[e].dtype;
            ext_t[e].rank = 0;
            ext_t[e].numel = 1;
        }
    }
    cursor cur[PT2C_EW_MAX_EXT];
    for (int32_t e = 0; e < g->n_ext; e++)
        if (!in[e].scalar && !in[e].dense)
            cursor_start(&cur[e], &in[e], rank, sizes, b0 * B);
    for (int64_t b = b0; b < b1; b++) {
        int64_t i0 = b * B, m = n - i0 < B ? n - i0 : B;
        for (int32_t e = 0; e < g->n_ext; e++) {
            if (in[e].scalar)
                continue;
            if (in[e].dense) {
                tile_tensor(&ext_t[e], (float *)(uintptr_t)in[e].data + i0, m);
            } else {
                float *t = ext_tiles + (size_t)e * T;
                gather(&in[e], rank, sizes, &cur[e], m, t);
                tile_tensor(&ext_t[e], t, m);
            }
        }
        for (int32_t k = 0; k < g->n_ops; k++) {
            const pt2c_ew_op *op = &g->ops[k];
            float *dst = k + 1 < g->n_ops ? op_tiles + (size_t)k * T : (float *)out->data + i0;
            tile_tensor(&res_t[k], dst, m);
            const pt2c_ktensor *ins[PT2C_EW_MAX_IN];
            for (int32_t i = 0; i < op->n_in; i++)
                ins[i] = op->src[i] >= 0 ? &res_t[op->src[i]] : &ext_t[-1 - op->src[i]];
            pt2c_ktensor *outs[1] = {&res_t[k]};
            pt2c_kernel_args args = {ins,  op->n_in, outs, 1,     op->params,
                                     NULL, cpu,      NULL, fault, NULL};
            op->kernel(&args, 0, 1);
        }
    }
}

void pt2c_ew_run(const pt2c_plan *plan, pt2c_step *step, int ith, int nth) {
    const pt2c_ew_group *g = step->ew;
    pt2c_value *fin = &plan->values[step->outputs[0]];
    pt2c_ew_input in[PT2C_EW_MAX_EXT];
    for (int32_t e = 0; e < g->n_ext; e++) {
        const pt2c_value *v = &plan->values[g->ext[e]];
        int32_t base;
        pt2c_layout l;
        pt2c_plan_layout(plan, g->ext[e], &base, &l);
        pt2c_ew_input_init(&in[e], v->t.data, v->t.dtype, v->t.numel, &l, &fin->t);
    }
    float *scratch = (float *)(void *)(plan->scratch + (size_t)ith * plan->scratch_bytes);
    pt2c_ew_eval(g, in, &fin->t, plan->cpu, scratch, &step->fault, ith, nth);
}

/* ---------------------------------------------------------------------------------------- */
/* Shape time                                                                               */

static bool same_sizes(const pt2c_ktensor *a, const pt2c_ktensor *b) {
    if (a->rank != b->rank)
        return false;
    for (int32_t d = 0; d < a->rank; d++)
        if (a->sizes[d] != b->sizes[d])
            return false;
    return true;
}

pt2c_status pt2c_ew_close(pt2c_plan *plan, pt2c_step *step, pt2c_error *err) {
    const pt2c_ew_group *g = step->ew;
    int32_t out = step->outputs[0];
    const pt2c_value *fin = &plan->values[out];
    for (int32_t k = 0; k < g->n_ops; k++) {
        const pt2c_step *st = &plan->steps[g->steps[k]];
        pt2c_value *v = &plan->values[st->outputs[0]];
        PT2C_CHECK(v->t.dtype == PT2C_DTYPE_F32 && same_sizes(&v->t, &fin->t), err, PT2C_ERR_SHAPE,
                   "shape: node '%s' (%s): fused into an elementwise group with '%s', but its "
                   "result is not float32 of the group's size; run with --no-fusion",
                   st->node->name, st->node->target, step->node->name);
        if (k + 1 == g->n_ops)
            break;
        /* An intermediate: a view of the output's bytes, which the group never writes
         * through it. */
        pt2c_layout dense;
        pt2c_layout_dense(&dense, v->t.rank, v->t.sizes);
        v->alias_of = out;
        v->view_base = out;
        memcpy(v->view_strides, dense.strides, sizeof dense.strides);
        v->view_offset = 0;
        v->materialized = false;
        v->bytes = 0;
        v->t.data = NULL;
    }
    for (int32_t e = 0; e < g->n_ext; e++) {
        const pt2c_value *v = &plan->values[g->ext[e]];
        PT2C_CHECK(v->kind == PT2C_VALUE_TENSOR &&
                       (v->t.numel == 1 || v->t.dtype == PT2C_DTYPE_F32) &&
                       v->t.rank <= fin->t.rank,
                   err, PT2C_ERR_SHAPE,
                   "shape: node '%s' (%s): input '%s' of its elementwise group is not float32 "
                   "or does not broadcast to it; run with --no-fusion",
                   step->node->name, step->node->target, v->name ? v->name : "?");
    }
    size_t bytes = (pt2c_ew_scratch_bytes(g) + 63) / 64 * 64;
    step->scratch_bytes = bytes;
    if (bytes > plan->scratch_bytes)
        plan->scratch_bytes = bytes;
    return PT2C_OK;
}

void pt2c_plan_count_fusion(const pt2c_plan *plan, int64_t *groups, int64_t *ops,
                            int64_t *strided) {
    *groups = *ops = *strided = 0;
    for (int64_t k = 0; k < plan->n_exec; k++) {
        const pt2c_step *st = &plan->steps[plan->exec_order[k]];
        if (!st->ew)
            continue;
        if (st->ew->n_ops > 1) {
            (*groups)++;
            *ops += st->ew->n_ops;
        }
        for (int32_t e = 0; plan->shaped && e < st->ew->n_ext; e++) {
            int32_t base;
            pt2c_layout l;
            pt2c_plan_layout(plan, st->ew->ext[e], &base, &l);
            *strided += plan->values[st->ew->ext[e]].t.numel > 1 && !pt2c_layout_is_dense(&l);
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Finding groups (build time)                                                              */

typedef struct finder {
    pt2c_plan *plan;
    int64_t *producer;     /* per slot: the step writing it, or -1 */
    int64_t *reader_first; /* per slot: the first and last step reading it, or -1 */
    int64_t *reader_last;
    bool *escapes;     /* per slot: a graph output or mutated */
    int64_t *in_place; /* per step: steps before it that write in place (prefix count) */
    int64_t *group;    /* per step: the sink of its group, or -1 */
    bool *candidate;   /* per step */
} finder;

static pt2c_dtype meta_dtype(pt2c_plan *plan, pt2c_step *step, int32_t slot) {
    pt2c_op_ctx ctx = {.plan = plan, .step = step};
    return pt2c_op_value_dtype(&ctx, plan->values[slot].name);
}

/* The exported sizes of two values are the same (static or the same symbol text). */
static bool same_meta_sizes(const pt2c_plan *plan, int32_t a, int32_t b) {
    const pt2c_graph *g = &plan->prog->ep.graph_module.graph;
    int64_t ia, ib;
    const char *na = plan->values[a].name, *nb = plan->values[b].name;
    if (!na || !nb || !pt2c_strmap_get(&g->tensor_index, na, &ia) ||
        !pt2c_strmap_get(&g->tensor_index, nb, &ib))
        return false;
    const pt2c_tensor_meta *ma = &g->tensor_values[ia].meta, *mb = &g->tensor_values[ib].meta;
    if (ma->rank != mb->rank)
        return false;
    for (int32_t d = 0; d < ma->rank; d++) {
        const pt2c_sym *x = &ma->sizes[d], *y = &mb->sizes[d];
        if (x->is_expr != y->is_expr || (!x->is_expr && x->i != y->i))
            return false;
        if (x->is_expr && (!x->expr.expr_str || !y->expr.expr_str ||
                           strcmp(x->expr.expr_str, y->expr.expr_str) != 0))
            return false;
    }
    return true;
}

/* A step that may join a group: an elementwise op with float32 output and inputs (or
 * wrapped Python numbers), not in place, not already fused by fuse.c. */
static bool is_candidate(pt2c_plan *plan, pt2c_step *st) {
    if (st->absorbed || st->n_fused || st->epilogue || st->data_dependent ||
        (st->op->flags &
         (PT2C_OP_INPLACE | PT2C_OP_VIEW | PT2C_OP_STRIDED | PT2C_OP_SYM | PT2C_OP_NOOP)) ||
        st->n_outputs != 1 || st->outputs[0] < 0 || st->n_inputs < 1 ||
        st->n_inputs > PT2C_EW_MAX_IN || !pt2c_fuse_elementwise(st->op, st->params) ||
        meta_dtype(plan, st, st->outputs[0]) != PT2C_DTYPE_F32)
        return false;
    for (int32_t i = 0; i < st->n_inputs; i++) {
        const pt2c_value *v = &plan->values[st->inputs[i]];
        if (v->kind != PT2C_VALUE_TENSOR ||
            (!v->is_wrapped && meta_dtype(plan, st, st->inputs[i]) != PT2C_DTYPE_F32))
            return false;
    }
    return true;
}

/* May producer p join sink s's group? Its result is read only by s's group, it has the
 * group's sizes, and nothing between it and s writes in place. */
static bool can_join(const finder *f, int64_t p, int64_t s) {
    const pt2c_plan *plan = f->plan;
    int32_t o = plan->steps[p].outputs[0];
    int64_t r = f->reader_last[o];
    return f->candidate[p] && f->group[p] < 0 && !f->escapes[o] && r >= 0 &&
           f->reader_first[o] == r && f->group[r] == s &&
           same_meta_sizes(plan, o, plan->steps[s].outputs[0]) &&
           f->in_place[s] - f->in_place[p + 1] == 0;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static const char *short_target(const char *t) {
    return strncmp(t, "torch.ops.", 10) == 0 ? t + 10 : t;
}

/* Make sink s run the group of members[0 .. n) (graph order, members[n - 1] == s). */
static pt2c_status apply(finder *f, const int64_t *members, int32_t n, const int32_t *ext,
                         int32_t n_ext, pt2c_error *err) {
    pt2c_plan *plan = f->plan;
    int64_t s = members[n - 1];
    pt2c_step *sink = &plan->steps[s];
    pt2c_arena *A = &plan->arena;
    pt2c_ew_group *g = PT2C_ARENA_NEW(A, pt2c_ew_group);
    PT2C_CHECK(g, err, PT2C_ERR_NOMEM, "plan: out of memory fusing");
    g->n_ops = n;
    g->ops = PT2C_ARENA_ARRAY(A, pt2c_ew_op, n);
    g->steps = PT2C_ARENA_ARRAY(A, int64_t, n);
    g->ext = PT2C_ARENA_ARRAY(A, int32_t, n_ext + 1);
    /* The sink keeps its own inputs first (its shape function reads them) and lists the
     * group's other external inputs after them, for memory planning. */
    int32_t *inputs = PT2C_ARENA_ARRAY(A, int32_t, sink->n_inputs + n_ext + 1);
    const pt2c_ktensor **in_ptrs =
        PT2C_ARENA_ARRAY(A, const pt2c_ktensor *, sink->n_inputs + n_ext + 1);
    PT2C_CHECK(g->ops && g->steps && g->ext && inputs && in_ptrs, err, PT2C_ERR_NOMEM,
               "plan: out of memory fusing");
    memcpy(g->steps, members, sizeof *members * (size_t)n);
    memcpy(g->ext, ext, sizeof *ext * (size_t)n_ext);
    g->n_ext = n_ext;
    for (int32_t k = 0; k < n; k++) {
        pt2c_step *st = &plan->steps[members[k]];
        pt2c_ew_op *op = &g->ops[k];
        op->kernel = st->op->kernel;
        op->params = st->params;
        op->n_in = st->n_inputs;
        for (int32_t i = 0; i < st->n_inputs; i++) {
            int32_t slot = st->inputs[i];
            int64_t p = f->producer[slot];
            op->src[i] = INT32_MIN;
            for (int32_t j = 0; j < k && p >= 0; j++)
                if (members[j] == p)
                    op->src[i] = j;
            for (int32_t e = 0; e < n_ext && op->src[i] == INT32_MIN; e++)
                if (ext[e] == slot)
                    op->src[i] = -1 - e;
            PT2C_CHECK(op->src[i] != INT32_MIN, err, PT2C_ERR_INTERNAL,
                       "plan: elementwise group input '%s' not found",
                       plan->values[slot].name ? plan->values[slot].name : "?");
        }
        st->reads_layout = true;
        if (k + 1 < n)
            st->absorbed = true;
    }
    int32_t n_in = sink->n_inputs;
    memcpy(inputs, sink->inputs, sizeof *inputs * (size_t)n_in);
    for (int32_t e = 0; e < n_ext; e++) {
        bool have = false;
        for (int32_t i = 0; i < sink->n_inputs; i++)
            have |= sink->inputs[i] == ext[e];
        if (!have)
            inputs[n_in++] = ext[e];
    }
    sink->inputs = inputs;
    sink->n_inputs = n_in;
    sink->in_ptrs = in_ptrs;
    sink->ew = g;
    if (n > 1) {
        sink->n_fused = n - 1;
        sink->final_slot = sink->outputs[0];
        pt2c_strbuf sb;
        pt2c_strbuf_init(&sb, plan->prog->allocator);
        for (int32_t k = 0; k < n; k++) {
            if (k)
                pt2c_strbuf_putc(&sb, '+');
            pt2c_strbuf_puts(&sb, short_target(plan->steps[members[k]].node->target));
        }
        sink->label = sb.failed ? NULL : pt2c_arena_strdup(A, sb.data);
        pt2c_strbuf_deinit(&sb);
        PT2C_CHECK(sink->label, err, PT2C_ERR_NOMEM, "plan: out of memory fusing");
    }
    return PT2C_OK;
}

/* Grow sink s's group from s backwards through producers that may join; then apply it when
 * it has two steps or more, or one step that reads a view's output. */
static pt2c_status grow(finder *f, int64_t s, pt2c_error *err) {
    pt2c_plan *plan = f->plan;
    int64_t members[PT2C_EW_MAX_OPS];
    int32_t n = 0, n_ext = 0;
    int32_t ext[PT2C_EW_MAX_EXT];
    members[n++] = s;
    f->group[s] = s;
    for (int32_t k = 0; k < n; k++) {
        const pt2c_step *st = &plan->steps[members[k]];
        for (int32_t i = 0; i < st->n_inputs && n < PT2C_EW_MAX_OPS; i++) {
            int64_t p = f->producer[st->inputs[i]];
            if (p >= 0 && can_join(f, p, s)) {
                f->group[p] = s;
                members[n++] = p;
            }
        }
    }
    qsort(members, (size_t)n, sizeof *members, cmp_i64);
    bool reads_view = false;
    for (int32_t k = 0; k < n; k++) {
        const pt2c_step *st = &plan->steps[members[k]];
        for (int32_t i = 0; i < st->n_inputs; i++) {
            int32_t slot = st->inputs[i];
            int64_t p = f->producer[slot];
            if (p >= 0 && f->group[p] == s)
                continue;
            reads_view |= p >= 0 && pt2c_step_is_view(&plan->steps[p]);
            bool have = false;
            for (int32_t e = 0; e < n_ext; e++)
                have |= ext[e] == slot;
            if (!have)
                ext[n_ext++] = slot; /* PT2C_EW_MAX_IN per member at most */
        }
    }
    if (n == 1 && !reads_view) {
        f->group[s] = -1;
        return PT2C_OK;
    }
    return apply(f, members, n, ext, n_ext, err);
}

pt2c_status pt2c_plan_fuse_elementwise(pt2c_plan *plan, pt2c_error *err) {
    if (plan->data_dependent || plan->n_steps < 1)
        return PT2C_OK;
    const pt2c_allocator *a = plan->prog->allocator;
    size_t nv = (size_t)plan->n_values + 1, ns = (size_t)plan->n_steps + 1;
    finder f = {.plan = plan};
    f.producer = pt2c_alloc(a, sizeof *f.producer * nv);
    f.reader_first = pt2c_alloc(a, sizeof *f.reader_first * nv);
    f.reader_last = pt2c_alloc(a, sizeof *f.reader_last * nv);
    f.escapes = pt2c_alloc(a, sizeof *f.escapes * nv);
    f.in_place = pt2c_alloc(a, sizeof *f.in_place * ns);
    f.group = pt2c_alloc(a, sizeof *f.group * ns);
    f.candidate = pt2c_alloc(a, sizeof *f.candidate * ns);
    pt2c_status st = PT2C_OK;
    if (!f.producer || !f.reader_first || !f.reader_last || !f.escapes || !f.in_place || !f.group ||
        !f.candidate) {
        st = pt2c_error_set(err, PT2C_ERR_NOMEM, "plan: out of memory fusing");
        goto done;
    }
    for (size_t v = 0; v < nv; v++) {
        f.producer[v] = f.reader_first[v] = f.reader_last[v] = -1;
        f.escapes[v] = false;
    }
    f.in_place[0] = 0;
    for (int64_t s = 0; s < plan->n_steps; s++) {
        pt2c_step *stp = &plan->steps[s];
        for (int32_t i = 0; i < stp->n_inputs; i++) {
            int32_t slot = stp->inputs[i];
            if (f.reader_first[slot] < 0)
                f.reader_first[slot] = s;
            f.reader_last[slot] = s;
        }
        for (int32_t o = 0; o < stp->n_outputs; o++)
            if (stp->outputs[o] >= 0)
                f.producer[stp->outputs[o]] = s;
        f.in_place[s + 1] = f.in_place[s] + (stp->writes_self ? 1 : 0);
        f.group[s] = -1;
        f.candidate[s] = is_candidate(plan, stp);
    }
    for (int32_t o = 0; o < plan->n_user_outputs; o++)
        if (plan->user_outputs[o] >= 0)
            f.escapes[plan->user_outputs[o]] = true;
    for (int32_t m = 0; m < 2 * plan->n_mutations; m++)
        f.escapes[plan->mutations[m]] = true;
    /* Sinks first: a step whose reader is not in a group of its own starts one. */
    for (int64_t s = plan->n_steps - 1; s >= 0; s--)
        if (f.candidate[s] && f.group[s] < 0 && (st = grow(&f, s, err)) != PT2C_OK)
            goto done;
    /* Absorbed steps leave the execution order; groups run where their sink was. */
    int64_t n = 0;
    for (int64_t k = 0; k < plan->n_exec; k++)
        if (!plan->steps[plan->exec_order[k]].absorbed)
            plan->exec_order[n++] = plan->exec_order[k];
    plan->n_exec = n;
    pt2c_plan_mark_dense(plan);
done:
    pt2c_dealloc(a, f.producer, sizeof *f.producer * nv);
    pt2c_dealloc(a, f.reader_first, sizeof *f.reader_first * nv);
    pt2c_dealloc(a, f.reader_last, sizeof *f.reader_last * nv);
    pt2c_dealloc(a, f.escapes, sizeof *f.escapes * nv);
    pt2c_dealloc(a, f.in_place, sizeof *f.in_place * ns);
    pt2c_dealloc(a, f.group, sizeof *f.group * ns);
    pt2c_dealloc(a, f.candidate, sizeof *f.candidate * ns);
    return st;
}
