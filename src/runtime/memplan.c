/*
 * memplan.c - one arena for every intermediate tensor of a shaped plan, placed by lifetime.
 *
 * After the shape functions have sized every value (plan.c), each buffer gets, as positions
 * in the order steps execute (plan.exec_order, which fusion rearranges):
 *   first  the step that writes it,
 *   last   the last step that reads it or any view or in-place result sharing its bytes,
 *          or gathers a materialized view from them (graph outputs and buffer mutations
 *          live to the end of the run). An elementwise group's step lists every input its
 *          members read (fuse_elementwise.c), so the roots of the strided views it reads
 *          in place live until it runs, and its in-place reuse of its first input is refused
 *          when another of them views the same bytes.
 * Then greedy by size, as TensorFlow Lite Micro's GreedyMemoryPlanner: largest first, each
 * at the lowest offset where it overlaps no already placed buffer whose lifetime intersects
 * its own. Buffers whose lives do not meet share bytes. The arena is the highest end.
 *
 * In-place reuse: a step whose kernel also serves an in-place op of the table (add / add_,
 * relu / relu_, ...: out[i] reads its first input only at i) writes its result over that
 * input when the input dies at this step and has the same dtype and size. The two then
 * count as one buffer living from the input's first to the result's last use.
 *
 * Sizes are rounded up to 64 bytes and offsets are 64-byte aligned (whole cache lines,
 * vector loads).
 */
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

typedef struct buf {
    int32_t slot;    /* the root value */
    uint64_t bytes;  /* rounded to 64 */
    int64_t first;   /* defining step */
    int64_t last;    /* last step reading it (n_steps: to the end) */
    uint64_t offset; /* placed */
} buf;

static uint64_t round64(uint64_t b) { return (b + 63) / 64 * 64; }

/* Does some in-place row of the op table run this kernel (so out == in0 is safe for it)? */
static bool kernel_runs_in_place(pt2c_kernel_fn kernel) {
    size_t n;
    const pt2c_op_def *t = pt2c_op_table(&n);
    for (size_t i = 0; i < n; i++)
        if (t[i].kernel == kernel && (t[i].flags & PT2C_OP_INPLACE))
            return true;
    return false;
}

static int32_t root_of(const pt2c_plan *plan, int32_t slot) {
    int32_t r = plan->values[slot].alias_of;
    return r >= 0 ? r : slot;
}

/* A value the arena holds: a tensor output of a step, not an alias of another. */
static bool planned(const pt2c_value *v) {
    return v->kind == PT2C_VALUE_TENSOR && v->alias_of < 0 && !v->is_constant &&
           !v->is_user_input && v->t.data == NULL;
}

static int cmp_size_desc(const void *a, const void *b) {
    const buf *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

pt2c_status pt2c_plan_memory(pt2c_plan *plan, pt2c_error *err) {
    const pt2c_allocator *a = plan->prog->allocator;
    int32_t nv = plan->n_values;
    int64_t ns = plan->n_exec;
    int64_t *first = pt2c_alloc(a, sizeof *first * (size_t)(nv + 1));
    int64_t *last = pt2c_alloc(a, sizeof *last * (size_t)(nv + 1));
    int32_t *share = pt2c_alloc(a, sizeof *share * (size_t)(nv + 1)); /* in-place target */
    buf *bufs = pt2c_alloc(a, sizeof *bufs * (size_t)(nv + 1));
    int32_t *placed = pt2c_alloc(a, sizeof *placed * (size_t)(nv + 1)); /* by offset */
    pt2c_status st = PT2C_OK;
    if (!first || !last || !share || !bufs || !placed) {
        st = pt2c_error_set(err, PT2C_ERR_NOMEM, "plan: out of memory planning buffers");
        goto done;
    }
    for (int32_t v = 0; v < nv; v++) {
        first[v] = -1;
        last[v] = -1;
        share[v] = -1;
    }
    /* Lifetimes of roots. A fused producer's output is a view of the value it writes. */
    for (int64_t s = 0; s < ns; s++) {
        const pt2c_step *step = &plan->steps[plan->exec_order[s]];
        for (int32_t i = 0; i < step->n_inputs; i++) {
            int32_t r = root_of(plan, step->inputs[i]);
            last[r] = s > last[r] ? s : last[r];
        }
        for (int32_t o = 0; o < step->n_outputs; o++) {
            int32_t slot = step->outputs[o];
            if (slot < 0 || plan->values[slot].kind != PT2C_VALUE_TENSOR)
                continue;
            int32_t r = root_of(plan, slot);
            if (planned(&plan->values[r]) && first[r] < 0) {
                first[r] = s;
                last[r] = s > last[r] ? s : last[r];
            }
            /* A materialized view is gathered here from its root (which a view made dense
             * later may no longer name through the step's inputs). */
            const pt2c_value *v = &plan->values[slot];
            if (v->materialized && v->view_base >= 0) {
                int32_t b = root_of(plan, v->view_base);
                last[b] = s > last[b] ? s : last[b];
            }
        }
    }
    for (int32_t o = 0; o < plan->n_user_outputs; o++)
        if (plan->user_outputs[o] >= 0)
            last[root_of(plan, plan->user_outputs[o])] = ns;
    for (int32_t m = 0; m < plan->n_mutations; m++)
        last[root_of(plan, plan->mutations[2 * m])] = ns;
    /* In-place reuse: the result takes over its dying first input's buffer. */
    for (int64_t s = 0; s < ns; s++) {
        const pt2c_step *step = &plan->steps[plan->exec_order[s]];
        if (step->n_inputs < 1 || step->n_outputs < 1 || step->outputs[0] < 0 ||
            pt2c_step_is_view(step) || (step->op->flags & (PT2C_OP_INPLACE | PT2C_OP_EPILOGUE)) ||
            !step->op->kernel || !kernel_runs_in_place(step->op->kernel))
            continue;
        int32_t out = step->outputs[0], in = step->inputs[0];
        const pt2c_value *vo = &plan->values[out], *vi = &plan->values[in];
        if (!planned(vo) || vi->alias_of >= 0 || !planned(vi) || last[in] != s ||
            vo->t.dtype != vi->t.dtype || vo->t.numel != vi->t.numel)
            continue;
        /* The first input may appear only once among the inputs (x * x would be safe too,
         * but keep the rule simple). */
        bool once = true;
        for (int32_t i = 1; i < step->n_inputs; i++)
            once &= root_of(plan, step->inputs[i]) != in;
        if (!once)
            continue;
        /* Follow earlier shares: the buffer is the first one in the chain. */
        int32_t owner = in;
        while (share[owner] >= 0)
            owner = share[owner];
        share[out] = owner;
        last[owner] = last[out] > last[owner] ? last[out] : last[owner];
    }
    /* Buffers: every planned root not sharing another's bytes. */
    int32_t nb = 0;
    uint64_t total = 0;
    for (int32_t v = 0; v < nv; v++) {
        const pt2c_value *val = &plan->values[v];
        if (first[v] < 0 || !planned(val))
            continue;
        total += val->bytes;
        if (share[v] >= 0)
            continue;
        bufs[nb].slot = v;
        bufs[nb].bytes = round64(val->bytes ? val->bytes : 1);
        bufs[nb].first = first[v];
        bufs[nb].last = last[v];
        bufs[nb].offset = 0;
        nb++;
    }
    qsort(bufs, (size_t)nb, sizeof *bufs, cmp_size_desc);
    uint64_t arena = 0;
    int32_t n_placed = 0;
    for (int32_t i = 0; i < nb; i++) {
        buf *b = &bufs[i];
        uint64_t at = 0;
        /* placed[] is sorted by offset: take the first gap that fits among the buffers
         * alive at the same time. */
        for (int32_t k = 0; k < n_placed; k++) {
            const buf *o = &bufs[placed[k]];
            if (o->last < b->first || o->first > b->last)
                continue;
            if (o->offset >= at + b->bytes)
                break;
            if (o->offset + o->bytes > at)
                at = o->offset + o->bytes;
        }
        b->offset = at;
        if (at + b->bytes > arena)
            arena = at + b->bytes;
        int32_t k = n_placed++;
        while (k > 0 && bufs[placed[k - 1]].offset > at) {
            placed[k] = placed[k - 1];
            k--;
        }
        placed[k] = i;
    }
    if (arena >= SIZE_MAX / 2) {
        st = pt2c_error_set(err, PT2C_ERR_LIMIT, "plan: an arena of %llu bytes is too large",
                            (unsigned long long)arena);
        goto done;
    }
    uint8_t *base = pt2c_arena_alloc_huge(plan->shape_arena, arena ? (size_t)arena : 64, true);
    if (!base) {
        st = pt2c_error_set(err, PT2C_ERR_NOMEM, "plan: out of memory for the %llu-byte arena",
                            (unsigned long long)arena);
        goto done;
    }
    for (int32_t i = 0; i < nb; i++)
        plan->values[bufs[i].slot].t.data = base + bufs[i].offset;
    for (int32_t v = 0; v < nv; v++)
        if (share[v] >= 0) {
            int32_t owner = share[v];
            plan->values[v].t.data = plan->values[owner].t.data;
        }
    /* Views and in-place results: their root's bytes at their offset. */
    for (int32_t v = 0; v < nv; v++) {
        pt2c_value *val = &plan->values[v];
        if (val->kind == PT2C_VALUE_TENSOR && val->alias_of >= 0) {
            uint8_t *root = plan->values[val->alias_of].t.data;
            val->t.data =
                root ? root + (ptrdiff_t)val->view_offset * (ptrdiff_t)pt2c_dtype_size(val->t.dtype)
                     : NULL;
        }
    }
    plan->arena_bytes = arena;
    plan->activation_bytes = total;
done:
    pt2c_dealloc(a, first, sizeof *first * (size_t)(nv + 1));
    pt2c_dealloc(a, last, sizeof *last * (size_t)(nv + 1));
    pt2c_dealloc(a, share, sizeof *share * (size_t)(nv + 1));
    pt2c_dealloc(a, bufs, sizeof *bufs * (size_t)(nv + 1));
    pt2c_dealloc(a, placed, sizeof *placed * (size_t)(nv + 1));
    return st;
}
