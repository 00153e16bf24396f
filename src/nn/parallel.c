/*
 * The engine's threads: a tiny pool for everything the engine runs in parallel: GEMMs (split
 * by nn_gemm, OpenBLAS single-threaded), im2col, pooling, element-wise layers, optimizer
 * updates. Work is split into contiguous ranges, one per thread, each writing only its own
 * outputs, so results never depend on timing.
 *
 * A training step opens a few dozen short regions (tens of microseconds each), so waking a
 * worker through a condition variable for each one (a futex wake and a context switch, 10-30
 * us on a VM) costs as much as the work. Workers therefore spin on the region counter for a
 * while after each region (POOL_SPIN_NS, pausing and yielding) and only then block; the
 * caller waits for the stragglers likewise. On a machine shared with other busy programs,
 * spinning longer would take cores from them for nothing; an idle pool blocks.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "internal.h"

#define POOL_MAX 64
/* How long a worker spins for the next region (and the caller for the workers) before blocking. */
#define POOL_SPIN_NS 50000

/* pool_region serialises callers (engine calls from several user threads); pool_mu and the
 * condition variables are only for workers that stopped spinning. */
static pthread_mutex_t pool_region = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_go = PTHREAD_COND_INITIALIZER, pool_done = PTHREAD_COND_INITIALIZER;

static struct {
    pthread_t tid[POOL_MAX];
    size_t started;                /* workers created (under pool_region) */
    uint64_t start_gen[POOL_MAX];  /* the region counter when worker i + 1 was created */
    _Atomic uint64_t generation;   /* bumped per region, after the fields below are set */
    _Atomic size_t pending;        /* workers yet to finish (or skip) the current region */
    size_t sleepers;               /* workers blocked on pool_go (under pool_mu) */
    _Atomic int caller_waits;      /* the caller stopped spinning and waits on pool_done */
    void (*fn)(void *, size_t, size_t);
    void *ctx;
    size_t n, parts;
} pool;

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One step of a bounded spin: a pause for the first 64 calls, then a sched_yield each, until
 * POOL_SPIN_NS have passed; returns 0 once the caller should block instead. */
struct spin {
    unsigned calls;
    uint64_t t0;
};
static int spin_more(struct spin *sp)
{
    if (sp->calls++ < 64) {
        cpu_relax();
        return 1;
    }
    if (!sp->t0)
        sp->t0 = now_ns();
    else if (now_ns() - sp->t0 > POOL_SPIN_NS)
        return 0;
    sched_yield();
    return 1;
}

static void run_part(size_t part)
{
    size_t b = pool.n * part / pool.parts, e = pool.n * (part + 1) / pool.parts;
    if (b < e)
        pool.fn(pool.ctx, b, e);
}

/* Wait until the region counter differs from seen; returns the new value. */
static uint64_t wait_region(uint64_t seen)
{
    uint64_t g;
    struct spin sp = {0, 0};
    do {
        g = atomic_load_explicit(&pool.generation, memory_order_acquire);
        if (g != seen)
            return g;
    } while (spin_more(&sp));
    pthread_mutex_lock(&pool_mu);
    pool.sleepers++;
    while ((g = atomic_load_explicit(&pool.generation, memory_order_acquire)) == seen)
        pthread_cond_wait(&pool_go, &pool_mu);
    pool.sleepers--;
    pthread_mutex_unlock(&pool_mu);
    return g;
}

static void *worker(void *arg)
{
    size_t me = (size_t)(uintptr_t)arg; /* part index, >= 1 */
    uint64_t seen = pool.start_gen[me - 1];
    for (;;) {
        seen = wait_region(seen);
        if (me < pool.parts)
            run_part(me);
        /* seq_cst, as the caller's store to caller_waits: one of the two sees the other's write */
        if (atomic_fetch_sub(&pool.pending, 1) == 1 && atomic_load(&pool.caller_waits)) {
            pthread_mutex_lock(&pool_mu);
            pthread_cond_signal(&pool_done);
            pthread_mutex_unlock(&pool_mu);
        }
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
    while (pool.started < t - 1) {
        pool.start_gen[pool.started] = atomic_load_explicit(&pool.generation, memory_order_relaxed);
        if (pthread_create(&pool.tid[pool.started], NULL, worker, (void *)(uintptr_t)(pool.started + 1)) != 0)
            break;
        pthread_detach(pool.tid[pool.started]);
        pool.started++;
    }
    if (t > pool.started + 1)
        t = pool.started + 1;
    /* Every started worker takes part in every region (those not needed skip the work) and the
     * caller waits for all of them: so no worker can read the fields of the next region early. */
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n = n;
    pool.parts = t;
    atomic_store_explicit(&pool.pending, pool.started, memory_order_relaxed);
    atomic_fetch_add_explicit(&pool.generation, 1, memory_order_acq_rel);
    pthread_mutex_lock(&pool_mu);
    if (pool.sleepers)
        pthread_cond_broadcast(&pool_go);
    pthread_mutex_unlock(&pool_mu);
    run_part(0);
    /* Spin for the stragglers as the workers spin for work, then block (a worker that was
     * preempted, on a busy machine, may take a whole time slice). */
    struct spin sp = {0, 0};
    while (atomic_load_explicit(&pool.pending, memory_order_acquire))
        if (!spin_more(&sp)) {
            pthread_mutex_lock(&pool_mu);
            atomic_store(&pool.caller_waits, 1);
            while (atomic_load(&pool.pending))
                pthread_cond_wait(&pool_done, &pool_mu);
            atomic_store(&pool.caller_waits, 0);
            pthread_mutex_unlock(&pool_mu);
            break;
        }
    pthread_mutex_unlock(&pool_region);
}

void nn_parallel_barrier(_Atomic size_t *arrived, size_t weight, size_t parts)
{
    atomic_fetch_add(arrived, weight);
    struct spin sp = {0, 0};
    while (atomic_load(arrived) < parts)
        if (!spin_more(&sp)) /* past the spin budget: keep yielding, the other parts are running */
            sched_yield();
}
