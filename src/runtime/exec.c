/* exec.c - run a shaped plan: every step's kernel, node by node, on nth threads with a
 * barrier between nodes (each kernel takes its share of output elements, so results do not
 * depend on the thread count). */
#include "runtime/runtime.h"

#include <pthread.h>
#include <string.h>

/* Point each step's kernel views at the current value slots. Cheap; done per run because
 * user inputs (and views of them) may move between runs. */
static void refresh_views(pt2c_plan *plan) {
    /* Inputs that an in-place op writes run on a copy: the caller's data stays as given. */
    for (int32_t i = 0; i < plan->n_user_inputs; i++) {
        pt2c_value *v = &plan->values[plan->user_inputs[i]];
        if (v->is_mutated && v->own_buffer && v->kind == PT2C_VALUE_TENSOR) {
            size_t bytes = (size_t)v->t.numel * pt2c_dtype_size(v->t.dtype);
            if (bytes && v->bound)
                memcpy(v->own_buffer, v->bound, bytes);
            v->t.data = v->own_buffer;
        }
    }
    for (int64_t s = 0; s < plan->n_steps; s++) {
        pt2c_step *step = &plan->steps[s];
        for (int32_t i = 0; i < step->n_inputs; i++)
            step->in_ptrs[i] = &plan->values[step->inputs[i]].t;
        if ((step->op->flags & (PT2C_OP_VIEW | PT2C_OP_INPLACE)) && step->n_outputs > 0 &&
            step->outputs[0] >= 0)
            plan->values[step->outputs[0]].t.data = plan->values[step->inputs[0]].t.data;
        for (int32_t o = 0; o < step->n_outputs; o++)
            step->out_ptrs[o] = step->outputs[o] >= 0 ? &plan->values[step->outputs[o]].t : NULL;
    }
}

static void run_step(pt2c_plan *plan, const pt2c_step *step, int ith, int nth) {
    if (!step->op->kernel || (step->op->flags & PT2C_OP_VIEW))
        return;
    pt2c_kernel_args args = {
        .in = step->in_ptrs,
        .n_in = step->n_inputs,
        .out = step->out_ptrs,
        .n_out = step->n_outputs,
        .params = step->params,
        .scratch = plan->scratch,
    };
    step->op->kernel(&args, ith, nth);
}

/* Threads are started behind a gate: they learn how many of them exist (and get the barrier)
 * only once every pthread_create has returned, so a failed create shrinks the team instead
 * of leaving a barrier that can never open. */
typedef struct team {
    pt2c_plan *plan;
    pthread_mutex_t lock;
    pthread_cond_t open;
    bool gate_open;
    int nth;
    pthread_barrier_t barrier;
} team;

typedef struct worker {
    team *team;
    int ith;
} worker;

static void run_share(pt2c_plan *plan, pthread_barrier_t *barrier, int ith, int nth) {
    for (int64_t s = 0; s < plan->n_steps; s++) {
        run_step(plan, &plan->steps[s], ith, nth);
        if (barrier)
            pthread_barrier_wait(barrier);
    }
}

static void *worker_main(void *p) {
    worker *w = p;
    team *tm = w->team;
    pthread_mutex_lock(&tm->lock);
    while (!tm->gate_open)
        pthread_cond_wait(&tm->open, &tm->lock);
    pthread_mutex_unlock(&tm->lock);
    if (w->ith < tm->nth)
        run_share(tm->plan, &tm->barrier, w->ith, tm->nth);
    return NULL;
}

enum { MAX_THREADS = 64 };

pt2c_status pt2c_plan_execute(pt2c_plan *plan, pt2c_error *err) {
    PT2C_CHECK(plan->shaped, err, PT2C_ERR_INTERNAL, "run: the plan has no shapes yet");
    refresh_views(plan);
    int want = plan->n_threads < 1             ? 1
               : plan->n_threads > MAX_THREADS ? MAX_THREADS
                                               : plan->n_threads;
    if (want == 1) {
        run_share(plan, NULL, 0, 1);
        return PT2C_OK;
    }
    team tm = {.plan = plan, .gate_open = false, .nth = 1};
    pthread_mutex_init(&tm.lock, NULL);
    pthread_cond_init(&tm.open, NULL);
    pthread_t threads[MAX_THREADS];
    worker workers[MAX_THREADS];
    int n = 1;
    for (; n < want; n++) {
        workers[n] = (worker){&tm, n};
        if (pthread_create(&threads[n], NULL, worker_main, &workers[n]) != 0)
            break;
    }
    /* n threads in all (the caller is thread 0). */
    bool barrier_ok = pthread_barrier_init(&tm.barrier, NULL, (unsigned)n) == 0;
    pthread_mutex_lock(&tm.lock);
    tm.nth = barrier_ok ? n : 0; /* 0: workers exit at once */
    tm.gate_open = true;
    pthread_cond_broadcast(&tm.open);
    pthread_mutex_unlock(&tm.lock);
    if (barrier_ok)
        run_share(plan, &tm.barrier, 0, n);
    else
        run_share(plan, NULL, 0, 1);
    for (int t = 1; t < n; t++)
        pthread_join(threads[t], NULL);
    if (barrier_ok)
        pthread_barrier_destroy(&tm.barrier);
    pthread_cond_destroy(&tm.open);
    pthread_mutex_destroy(&tm.lock);
    (void)err;
    return PT2C_OK;
}
