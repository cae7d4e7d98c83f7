/*
 * pool.c - a team of worker threads kept for a plan's lifetime, so a run costs two wake-ups
 * instead of creating and joining threads (which cost more than a small model's whole run).
 *
 * A run: the caller publishes (fn, ctx) under a new generation number and wakes the workers;
 * every thread, the caller as thread 0, calls fn(ctx, ith, nth); the caller waits until the
 * workers are done. Inside fn, threads meet at pt2c_pool_barrier between graph nodes: a
 * sense-reversing counter that spins briefly (nodes are short) and then yields the CPU, so an
 * oversubscribed machine still makes progress. Idle workers sleep on a condition variable.
 */
#include "runtime/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

enum { SPINS_BEFORE_YIELD = 2000 };

typedef struct pool_worker {
    pt2c_pool *pool;
    int ith;
} pool_worker;

struct pt2c_pool {
    const pt2c_allocator *allocator;
    int nth; /* threads including the caller */
    pthread_t threads[PT2C_POOL_MAX_THREADS];
    pool_worker workers[PT2C_POOL_MAX_THREADS];
    pthread_mutex_t lock;
    pthread_cond_t wake;    /* workers: a new generation or quit */
    pthread_cond_t done_cv; /* caller: every worker finished the generation */
    uint64_t generation;    /* guarded by lock */
    int n_done;             /* guarded by lock */
    bool quit;              /* guarded by lock */
    pt2c_pool_fn fn;        /* guarded by lock; read by workers after waking */
    void *ctx;
    atomic_int arrived; /* barrier: threads that reached the current barrier */
    atomic_int sense;   /* barrier: flips each time every thread has arrived */
};

static void *worker_main(void *p) {
    pool_worker *w = p;
    pt2c_pool *pool = w->pool;
    uint64_t seen = 0;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (pool->generation == seen && !pool->quit)
            pthread_cond_wait(&pool->wake, &pool->lock);
        if (pool->quit)
            break;
        seen = pool->generation;
        pt2c_pool_fn fn = pool->fn;
        void *ctx = pool->ctx;
        pthread_mutex_unlock(&pool->lock);
        fn(ctx, w->ith, pool->nth);
        pthread_mutex_lock(&pool->lock);
        if (++pool->n_done == pool->nth - 1)
            pthread_cond_signal(&pool->done_cv);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

pt2c_status pt2c_pool_create(int n_threads, const pt2c_allocator *allocator, pt2c_pool **out,
                             pt2c_error *err) {
    *out = NULL;
    if (n_threads > PT2C_POOL_MAX_THREADS)
        n_threads = PT2C_POOL_MAX_THREADS;
    pt2c_pool *pool = pt2c_alloc(allocator, sizeof *pool);
    PT2C_CHECK(pool, err, PT2C_ERR_NOMEM, "run: out of memory for the thread pool");
    memset(pool, 0, sizeof *pool);
    pool->allocator = allocator;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done_cv, NULL);
    atomic_init(&pool->arrived, 0);
    atomic_init(&pool->sense, 0);
    /* nth only grows while no run is in flight, so workers read a settled value. */
    pool->nth = 1;
    for (int t = 1; t < n_threads; t++) {
        pool->workers[t] = (pool_worker){pool, t};
        if (pthread_create(&pool->threads[t], NULL, worker_main, &pool->workers[t]) != 0)
            break; /* fewer threads: results do not depend on the count */
        pool->nth = t + 1;
    }
    *out = pool;
    return PT2C_OK;
}

void pt2c_pool_destroy(pt2c_pool *pool) {
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->quit = true;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int t = 1; t < pool->nth; t++)
        pthread_join(pool->threads[t], NULL);
    pthread_cond_destroy(&pool->done_cv);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->lock);
    pt2c_dealloc(pool->allocator, pool, sizeof *pool);
}

int pt2c_pool_size(const pt2c_pool *pool) { return pool ? pool->nth : 1; }

void pt2c_pool_run(pt2c_pool *pool, pt2c_pool_fn fn, void *ctx) {
    if (!pool || pool->nth == 1) {
        fn(ctx, 0, 1);
        return;
    }
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->ctx = ctx;
    pool->n_done = 0;
    pool->generation++;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    fn(ctx, 0, pool->nth);
    pthread_mutex_lock(&pool->lock);
    while (pool->n_done < pool->nth - 1)
        pthread_cond_wait(&pool->done_cv, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}

int pt2c_pool_barrier_sense(pt2c_pool *pool) {
    return pool ? atomic_load_explicit(&pool->sense, memory_order_acquire) : 0;
}

void pt2c_pool_barrier(pt2c_pool *pool, int *local_sense) {
    if (!pool || pool->nth == 1)
        return;
    int want = !*local_sense;
    *local_sense = want;
    if (atomic_fetch_add_explicit(&pool->arrived, 1, memory_order_acq_rel) == pool->nth - 1) {
        atomic_store_explicit(&pool->arrived, 0, memory_order_relaxed);
        atomic_store_explicit(&pool->sense, want, memory_order_release);
        return;
    }
    for (int spins = 0; atomic_load_explicit(&pool->sense, memory_order_acquire) != want;)
        if (++spins > SPINS_BEFORE_YIELD)
            sched_yield();
}

int pt2c_online_cores(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > PT2C_POOL_MAX_THREADS ? PT2C_POOL_MAX_THREADS : (int)n;
}
