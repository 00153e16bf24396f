/*
 * The engine's threads: a tiny pool for the loops BLAS does not run (im2col, pooling,
 * element-wise layers, optimizer updates). Work is split into contiguous ranges, one per
 * thread, each writing only its own outputs, so results never depend on the thread count.
 * Workers block on a condition variable (no spinning), so they never steal a core from
 * OpenBLAS's threads between regions.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>

#include "internal.h"

#define POOL_MAX 64

/* pool_region serialises callers (engine calls from several user threads); pool_mu guards the
 * fields below between the caller and the workers of one region. */
static pthread_mutex_t pool_region = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_go = PTHREAD_COND_INITIALIZER, pool_done = PTHREAD_COND_INITIALIZER;

static struct {
    pthread_t tid[POOL_MAX];
    size_t started;      /* workers created */
    size_t active;       /* workers taking part in the current region */
    uint64_t generation; /* bumped per region */
    size_t pending;      /* workers still running the current region */
    void (*fn)(void *, size_t, size_t);
    void *ctx;
    size_t n, parts;
} pool;

static void run_part(size_t part)
{
    size_t b = pool.n * part / pool.parts, e = pool.n * (part + 1) / pool.parts;
    if (b < e)
        pool.fn(pool.ctx, b, e);
}

static void *worker(void *arg)
{
    size_t me = (size_t)(uintptr_t)arg; /* part index, >= 1 */
    uint64_t seen = 0;
    pthread_mutex_lock(&pool_mu);
    for (;;) {
        while (pool.generation == seen || me >= pool.parts)
            if (pool.generation != seen && me >= pool.parts)
                seen = pool.generation; /* not needed in this region */
            else
                pthread_cond_wait(&pool_go, &pool_mu);
        seen = pool.generation;
        pthread_mutex_unlock(&pool_mu);
        run_part(me);
        pthread_mutex_lock(&pool_mu);
        if (--pool.pending == 0)
            pthread_cond_signal(&pool_done);
    }
    return NULL;
}

void nn_parallel_for(size_t n, size_t grain, void (*fn)(void *ctx, size_t begin, size_t end), void *ctx)
{
    size_t t = (size_t)nn_threads();
    if (t > POOL_MAX)
        t = POOL_MAX;
    if (grain == 0)
        grain = 1;
    if (t > n / grain)
        t = n / grain;
    if (t <= 1) {
        if (n)
            fn(ctx, 0, n);
        return;
    }
    pthread_mutex_lock(&pool_region);
    pthread_mutex_lock(&pool_mu);
    while (pool.started < t - 1) {
        if (pthread_create(&pool.tid[pool.started], NULL, worker, (void *)(uintptr_t)(pool.started + 1)) != 0)
            break;
        pthread_detach(pool.tid[pool.started]);
        pool.started++;
    }
    if (t > pool.started + 1)
        t = pool.started + 1;
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n = n;
    pool.parts = t;
    pool.pending = t - 1;
    pool.generation++;
    pthread_cond_broadcast(&pool_go);
    pthread_mutex_unlock(&pool_mu);
    run_part(0);
    pthread_mutex_lock(&pool_mu);
    while (pool.pending)
        pthread_cond_wait(&pool_done, &pool_mu);
    pthread_mutex_unlock(&pool_mu);
    pthread_mutex_unlock(&pool_region);
}
