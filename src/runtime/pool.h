/*
 * pool.h - worker threads that live as long as a plan (see pool.c).
 *
 *     pt2c_pool *pool;
 *     pt2c_pool_create(4, allocator, &pool, &err);   // 3 workers + the caller
 *     pt2c_pool_run(pool, fn, ctx);                  // fn(ctx, ith, 4) on every thread
 *     pt2c_pool_destroy(pool);
 *
 * Inside fn, pt2c_pool_barrier makes every thread wait for the others. Each thread keeps
 * its own sense, read once at the start of fn with pt2c_pool_barrier_sense.
 */
#ifndef PT2C_POOL_H
#define PT2C_POOL_H

#include "util/util.h"

enum { PT2C_POOL_MAX_THREADS = 64 };

typedef struct pt2c_pool pt2c_pool;
typedef void (*pt2c_pool_fn)(void *ctx, int ith, int nth);

/* A pool of up to n_threads threads (the caller counts as one). When the system refuses a
 * thread the pool is smaller: pt2c_pool_size says how many there are. */
pt2c_status pt2c_pool_create(int n_threads, const pt2c_allocator *allocator, pt2c_pool **out,
                             pt2c_error *err);
void pt2c_pool_destroy(pt2c_pool *pool);
int pt2c_pool_size(const pt2c_pool *pool);
/* The cores this process may run on (at least 1, at most PT2C_POOL_MAX_THREADS). */
int pt2c_online_cores(void);
/* Run fn on every thread of the pool (NULL: only on the caller) and wait for all. */
void pt2c_pool_run(pt2c_pool *pool, pt2c_pool_fn fn, void *ctx);
int pt2c_pool_barrier_sense(pt2c_pool *pool);
void pt2c_pool_barrier(pt2c_pool *pool, int *local_sense);

#endif /* PT2C_POOL_H */
