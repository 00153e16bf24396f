/*
 * A small persistent thread pool for the array calls. Work is split into contiguous chunks
 * whose lengths are multiples of CHUNK_ALIGN elements, so every element goes through the same
 * code path (vector body, not tail) as in a single-threaded call; the tails compute the same bits
 * anyway (tests/test_position.c). Results are bit-identical for any thread count. The pool is used only for n >= ACT_PAR_MIN; one call uses it at a time
 * (a concurrent caller that finds it busy runs single-threaded instead of waiting).
 */
#include <pthread.h>

#include "internal.h"

#define ACT_MAX_THREADS 64
#define ACT_PAR_MIN 65536   /* below this, splitting costs more than it gains */
#define CHUNK_ALIGN 64      /* a multiple of every kernel's vector width times unroll */

struct job {
    act_fwd_fn fwd;  /* forward: fwd(n, a, out) */
    act_bwd_fn bwd;  /* backward: bwd(n, a, b, out) */
    const float *a, *b;
    float *out;
    const struct act_params *p;
    size_t n, chunk;
};

static struct {
    pthread_mutex_t lock;    /* guards the fields below */
    pthread_cond_t work, done;
    pthread_mutex_t busy;    /* held by the one call using the pool */
    pthread_t th[ACT_MAX_THREADS];
    int nthreads;            /* requested; the caller is thread 0 */
    int started;             /* workers running */
    unsigned long generation;
    int pending;
    struct job job;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
          PTHREAD_MUTEX_INITIALIZER, {0}, 1, 0, 0, 0, {0}};

static void run_part(const struct job *j, int part)
{
    size_t lo = (size_t)part * j->chunk;
    if (lo >= j->n)
        return;
    size_t len = j->n - lo < j->chunk ? j->n - lo : j->chunk;
    if (j->fwd)
        j->fwd(len, j->a + lo, j->out + lo, j->p);
    else
        j->bwd(len, j->a + lo, j->b + lo, j->out + lo, j->p);
}

static void *worker(void *arg)
{
    int id = (int)(size_t)arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (pool.generation == seen)
            pthread_cond_wait(&pool.work, &pool.lock);
        seen = pool.generation;
        struct job j = pool.job;
        pthread_mutex_unlock(&pool.lock);
        run_part(&j, id);
        pthread_mutex_lock(&pool.lock);
        if (--pool.pending == 0)
            pthread_cond_signal(&pool.done);
    }
    return NULL;
}

ACT_API enum act_status act_set_num_threads(int n)
{
    if (n < 1 || n > ACT_MAX_THREADS)
        return ACT_ERR_INVALID_ARG;
    pthread_mutex_lock(&pool.busy);
    pthread_mutex_lock(&pool.lock);
    enum act_status st = ACT_OK;
    while (pool.started < n - 1) {
        if (pthread_create(&pool.th[pool.started], NULL, worker, (void *)(size_t)(pool.started + 1)) != 0) {
            st = ACT_ERR_NO_MEMORY;
            break;
        }
        pool.started++;
    }
    /* Workers beyond n - 1 stay parked: they only ever run parts < nthreads. */
    pool.nthreads = st == ACT_OK ? n : pool.started + 1;
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&pool.busy);
    return st;
}

ACT_API int act_get_num_threads(void)
{
    pthread_mutex_lock(&pool.lock);
    int n = pool.nthreads;
    pthread_mutex_unlock(&pool.lock);
    return n;
}

static void run(struct job *j)
{
    int t = j->n < ACT_PAR_MIN ? 1 : act_get_num_threads(); /* small calls never touch the pool's lock */
    if (t <= 1 || pthread_mutex_trylock(&pool.busy) != 0) {
        j->chunk = j->n;
        run_part(j, 0);
        return;
    }
    size_t per = (j->n + (size_t)t - 1) / (size_t)t;
    j->chunk = (per + CHUNK_ALIGN - 1) / CHUNK_ALIGN * CHUNK_ALIGN;
    pthread_mutex_lock(&pool.lock);
    pool.job = *j;
    /* Every started worker wakes for a generation; those with id >= t find no part to run. */
    pool.pending = pool.started;
    pool.generation++;
    pthread_cond_broadcast(&pool.work);
    pthread_mutex_unlock(&pool.lock);
    run_part(j, 0);
    pthread_mutex_lock(&pool.lock);
    while (pool.pending > 0)
        pthread_cond_wait(&pool.done, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&pool.busy);
}

void act_par_fwd(act_fwd_fn fn, size_t n, const float *x, float *y, const struct act_params *p)
{
    struct job j = {fn, NULL, x, NULL, y, p, n, 0};
    run(&j);
}

void act_par_bwd(act_bwd_fn fn, size_t n, const float *a, const float *b, float *out, const struct act_params *p)
{
    struct job j = {NULL, fn, a, b, out, p, n, 0};
    run(&j);
}
