/* exec.c - run a shaped plan: every step's kernel, node by node, on the plan's thread pool
 * with a barrier between nodes (each kernel takes its share of output elements, so results
 * do not depend on the thread count).
 *
 * Profiling (plan->profile non-NULL): thread 0 reads a monotonic clock before each step's
 * kernel and after the barrier that ends it, so a step's time is wall time including the
 * wait for its slowest thread. Thread 0 is the caller, so the runner reads the sums without
 * further synchronisation. Without profiling the cost is a test of a loop-invariant pointer
 * per step (compilers unswitch the loop).
 *
 * Faults (an index out of range, an integer division by zero: kernel_abi.h): every thread
 * reads the step's fault after the barrier that ends it, so all of them see the same value
 * and leave the loop at the same step; the run fails there with one error naming the node. */
#include "runtime/runtime.h"

#include "ops/op_decls.h"
#include "ops/strided.h"

#include <string.h>
#include <time.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Point each step's kernel views at the current value slots. Cheap; done per run because
 * user inputs (and views of them) may move between runs. */
/* Inputs that an in-place op writes run on a copy: the caller's data stays as given. */
static void prepare_inputs(pt2c_plan *plan) {
    for (int32_t i = 0; i < plan->n_user_inputs; i++) {
        pt2c_value *v = &plan->values[plan->user_inputs[i]];
        if (v->is_mutated && v->own_buffer && v->kind == PT2C_VALUE_TENSOR) {
            size_t bytes = (size_t)v->t.numel * pt2c_dtype_size(v->t.dtype);
            if (bytes && v->bound)
                memcpy(v->own_buffer, v->bound, bytes);
            v->t.data = v->own_buffer;
        }
    }
}

/* Views and in-place results point into their root at their offset (roots come first in
 * step order; a user input's bytes move from run to run). */
static void refresh_step(pt2c_plan *plan, pt2c_step *step) {
    for (int32_t i = 0; i < step->n_inputs; i++)
        step->in_ptrs[i] = &plan->values[step->inputs[i]].t;
    for (int32_t o = 0; o < step->n_outputs; o++) {
        int32_t slot = step->outputs[o];
        step->out_ptrs[o] = slot >= 0 ? &plan->values[slot].t : NULL;
        if (slot < 0 || plan->values[slot].kind != PT2C_VALUE_TENSOR ||
            plan->values[slot].alias_of < 0)
            continue;
        pt2c_value *v = &plan->values[slot];
        uint8_t *root = plan->values[v->alias_of].t.data;
        v->t.data =
            root ? root + (ptrdiff_t)v->view_offset * (ptrdiff_t)pt2c_dtype_size(v->t.dtype) : NULL;
    }
}

static void refresh_views(pt2c_plan *plan) {
    prepare_inputs(plan);
    for (int64_t s = 0; s < plan->n_steps; s++)
        if (!plan->steps[s].absorbed)
            refresh_step(plan, &plan->steps[s]);
}

/* This thread's share of the gathers of a view step's materialized outputs. */
static void gather_views(const pt2c_plan *plan, const pt2c_step *step, int ith, int nth) {
    for (int32_t o = 0; o < step->n_outputs; o++) {
        int32_t slot = step->outputs[o];
        if (slot < 0 || !plan->values[slot].materialized)
            continue;
        const pt2c_value *v = &plan->values[slot];
        size_t elem = pt2c_dtype_size(v->t.dtype);
        const uint8_t *base = plan->values[v->view_base].t.data;
        if (v->t.numel == 0 || !base)
            continue;
        pt2c_copy_strided(v->t.data, base + (ptrdiff_t)v->view_offset * (ptrdiff_t)elem, v->t.rank,
                          v->t.sizes, v->view_strides, elem, ith, nth);
    }
}

/* Does the step move data (so the threads meet after it)? */
static bool step_works(const pt2c_plan *plan, const pt2c_step *step) {
    if (!pt2c_step_is_view(step))
        return step->op->kernel && step->op->kernel != pt2c_k_none;
    for (int32_t o = 0; o < step->n_outputs; o++)
        if (step->outputs[o] >= 0 && plan->values[step->outputs[o]].materialized)
            return true;
    return false;
}

static void run_step(pt2c_plan *plan, pt2c_step *step, int ith, int nth) {
    if (step->ew) { /* an elementwise group (fuse_elementwise.c) */
        pt2c_ew_run(plan, step, ith, nth);
        return;
    }
    if (pt2c_step_is_view(step)) {
        gather_views(plan, step, ith, nth);
        return;
    }
    if (!step->op->kernel)
        return;
    pt2c_kernel_args args = {
        .in = step->in_ptrs,
        .n_in = step->n_inputs,
        .out = step->out_ptrs,
        .n_out = step->n_outputs,
        .params = step->params,
        .scratch = step->scratch_bytes ? plan->scratch + (size_t)ith * plan->scratch_bytes : NULL,
        .cpu = plan->cpu,
        .epilogue = step->epilogue,
        .fault = &step->fault,
        .gen = &plan->gen,
    };
    step->op->kernel(&args, ith, nth);
}

typedef struct run_ctx {
    pt2c_plan *plan;
    int64_t fault_step; /* the step a kernel raised a fault in (thread 0 writes it), or -1 */
} run_ctx;

static bool faulted(const pt2c_step *step) {
    return atomic_load_explicit(&step->fault.raised, memory_order_acquire) != 0;
}

/* The error for the fault raised in step s: node, op, the value and what it indexes. The
 * fault is cleared for the next run. */
static pt2c_status fault_error(pt2c_plan *plan, int64_t s, pt2c_error *err) {
    pt2c_step *step = &plan->steps[s];
    pt2c_kernel_fault *f = &step->fault;
    const char *input = f->input >= 0 && f->input < step->n_inputs
                            ? plan->values[step->inputs[f->input]].name
                            : NULL;
    if (f->kind == PT2C_FAULT_DIVZERO)
        pt2c_error_set(err, PT2C_ERR_VALUE,
                       "run: integer division by zero (PyTorch raises ZeroDivisionError)");
    else
        pt2c_error_set(err, PT2C_ERR_VALUE,
                       "run: index %lld is out of bounds for dimension %d with size %lld "
                       "(in '%s'; PyTorch raises IndexError)",
                       (long long)f->value, (int)f->dim, (long long)f->size, input ? input : "?");
    pt2c_error_set_node(err, step->node_index, step->node->name, step->node->target);
    atomic_store(&f->raised, 0);
    return PT2C_ERR_VALUE;
}

/* One thread's part of a run: its share of every node, meeting the others after each. */
static void run_share(void *p, int ith, int nth) {
    run_ctx *ctx = p;
    pt2c_plan *plan = ctx->plan;
    int sense = pt2c_pool_barrier_sense(plan->pool);
    pt2c_step_profile *prof = ith == 0 ? plan->profile : NULL; /* only thread 0 times */
    for (int64_t k = 0; k < plan->n_exec; k++) {
        int64_t s = plan->exec_order[k];
        uint64_t t0 = prof ? now_ns() : 0;
        pt2c_step *step = &plan->steps[s];
        run_step(plan, step, ith, nth);
        /* A step that runs no kernel (a view, a shape computation) wrote nothing: the
         * barrier after the step before it still orders everything. */
        bool works = step_works(plan, step);
        if (nth > 1 && works)
            pt2c_pool_barrier(plan->pool, &sense);
        if (prof) {
            prof[s].ns += now_ns() - t0;
            prof[s].runs++;
        }
        if (works && faulted(step)) {
            if (ith == 0)
                ctx->fault_step = s;
            return;
        }
    }
}

pt2c_status pt2c_plan_execute(pt2c_plan *plan, pt2c_error *err) {
    PT2C_CHECK(plan->shaped, err, PT2C_ERR_INTERNAL, "run: the plan has no shapes yet");
    refresh_views(plan);
    /* The pool is made at the first multi-threaded run and kept with the plan. */
    if (plan->n_threads > 1 && !plan->pool)
        PT2C_TRY(pt2c_pool_create(plan->n_threads, plan->prog->allocator, &plan->pool, err));
    run_ctx ctx = {plan, -1};
    pt2c_pool_run(plan->pool, run_share, &ctx);
    return ctx.fault_step >= 0 ? fault_error(plan, ctx.fault_step, err) : PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Programs whose sizes depend on data (nonzero, x[mask], ...)                              */

typedef struct step_ctx {
    pt2c_plan *plan;
    pt2c_step *step;
} step_ctx;

static void run_one(void *p, int ith, int nth) {
    step_ctx *c = p;
    run_step(c->plan, c->step, ith, nth);
}

void pt2c_plan_prepare_inputs(pt2c_plan *plan) { prepare_inputs(plan); }

pt2c_status pt2c_plan_execute_step(pt2c_plan *plan, int64_t s, pt2c_error *err) {
    pt2c_step *step = &plan->steps[s];
    refresh_step(plan, step);
    step_ctx c = {plan, step};
    /* pt2c_pool_run returns when every thread is done: the same span as barrier to barrier. */
    uint64_t t0 = plan->profile ? now_ns() : 0;
    pt2c_pool_run(plan->pool, run_one, &c);
    if (plan->profile) {
        plan->profile[s].ns += now_ns() - t0;
        plan->profile[s].runs++;
    }
    return faulted(step) ? fault_error(plan, s, err) : PT2C_OK;
}
