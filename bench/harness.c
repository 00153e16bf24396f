/* The timer, the thread team and the bandwidth baselines of actlab bench (see harness.h). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

/* ---- timer ------------------------------------------------------------------------------ */

static double now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double time_reps(const struct bench_item *it, long reps, const struct bench_timing *t)
{
    clockid_t clock = t->cpu_clock ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
    double t0 = now_ns(clock);
    for (long r = 0; r < reps; r++)
        it->run(it->ctx);
    return now_ns(clock) - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Calibrate (and warm up caches, TLB and the peer's lazy set-up): grow the repeat count until
 * one run lasts min_run_ns, aiming 20% over it, at most 100x per step. */
static long calibrate(const struct bench_item *it, const struct bench_timing *t)
{
    long reps = 1;
    double ns = time_reps(it, reps, t);
    while (ns < t->min_run_ns && reps < (1L << 40)) {
        double grow = ns > 0 ? 1.2 * t->min_run_ns / ns : 100;
        reps = (long)((double)reps * (grow < 2 ? 2 : grow > 100 ? 100 : grow));
        ns = time_reps(it, reps, t);
    }
    return reps;
}

void bench_time(const struct bench_item *items, int count, const struct bench_timing *t, double *ns)
{
    int runs = t->runs < 1 ? 1 : t->runs > BENCH_MAX_RUNS ? BENCH_MAX_RUNS : t->runs;
    long *reps = malloc((size_t)count * sizeof *reps);
    double *v = malloc((size_t)count * (size_t)runs * sizeof *v); /* v[item * runs + run] */
    if (!reps || !v) { /* out of memory: time each item alone, one run */
        for (int i = 0; i < count; i++)
            ns[i] = time_reps(&items[i], 1, t);
        free(reps), free(v);
        return;
    }
    if (t->interleave) {
        for (int i = 0; i < count; i++)
            reps[i] = calibrate(&items[i], t);
        for (int r = 0; r < runs; r++)
            for (int i = 0; i < count; i++)
                v[i * runs + r] = time_reps(&items[i], reps[i], t) / (double)reps[i];
    } else {
        for (int i = 0; i < count; i++) {
            reps[i] = calibrate(&items[i], t);
            for (int r = 0; r < runs; r++)
                v[i * runs + r] = time_reps(&items[i], reps[i], t) / (double)reps[i];
        }
    }
    for (int i = 0; i < count; i++) {
        double *vi = v + i * runs;
        qsort(vi, (size_t)runs, sizeof *vi, cmp_double);
        ns[i] = runs % 2 ? vi[runs / 2] : 0.5 * (vi[runs / 2 - 1] + vi[runs / 2]);
    }
    free(reps), free(v);
}

/* ---- thread team ------------------------------------------------------------------------ */

/* Workers wait at `start`, run their range of the current job, and meet at `done`; the
 * calling thread is member 0. The barriers order the job fields between threads. */
static struct {
    int threads;
    pthread_t tid[BENCH_MAX_THREADS];
    pthread_barrier_t start, done;
    bench_span_fn *body;
    void *ctx;
    size_t n;
    int quit;
} team = {.threads = 1};

static void team_span(int member)
{
    /* Equal shares rounded up to 16 elements; the last members may get less, or nothing. */
    size_t t = (size_t)team.threads, share = ((team.n + t - 1) / t + 15) & ~(size_t)15;
    size_t i0 = share * (size_t)member, i1 = i0 + share;
    if (i0 > team.n)
        i0 = team.n;
    if (i1 > team.n)
        i1 = team.n;
    if (i0 < i1)
        team.body(team.ctx, i0, i1);
}

static void *team_worker(void *arg)
{
    int member = (int)(intptr_t)arg;
    for (;;) {
        pthread_barrier_wait(&team.start);
        if (team.quit)
            return NULL;
        team_span(member);
        pthread_barrier_wait(&team.done);
    }
}

int bench_team_init(int threads)
{
    if (threads <= 1)
        return 0;
    if (threads > BENCH_MAX_THREADS)
        return -1;
    pthread_barrier_init(&team.start, NULL, (unsigned)threads);
    pthread_barrier_init(&team.done, NULL, (unsigned)threads);
    int started = 1;
    while (started < threads &&
           pthread_create(&team.tid[started], NULL, team_worker, (void *)(intptr_t)started) == 0)
        started++;
    if (started == threads) {
        team.threads = threads;
        return 0;
    }
    /* Some worker failed to start: the barriers can never be passed, so undo everything. */
    pthread_barrier_destroy(&team.start);
    pthread_barrier_init(&team.start, NULL, (unsigned)started);
    team.quit = 1;
    pthread_barrier_wait(&team.start);
    for (int i = 1; i < started; i++)
        pthread_join(team.tid[i], NULL);
    pthread_barrier_destroy(&team.start);
    pthread_barrier_destroy(&team.done);
    team.quit = 0;
    return -1;
}

void bench_team_for(size_t n, bench_span_fn *body, void *ctx)
{
    if (team.threads == 1) {
        body(ctx, 0, n);
        return;
    }
    team.body = body;
    team.ctx = ctx;
    team.n = n;
    pthread_barrier_wait(&team.start);
    team_span(0);
    pthread_barrier_wait(&team.done);
}

void bench_team_fini(void)
{
    if (team.threads == 1)
        return;
    team.quit = 1;
    pthread_barrier_wait(&team.start);
    for (int i = 1; i < team.threads; i++)
        pthread_join(team.tid[i], NULL);
    pthread_barrier_destroy(&team.start);
    pthread_barrier_destroy(&team.done);
    team.threads = 1;
    team.quit = 0;
}

/* ---- bandwidth baselines ---------------------------------------------------------------- */

static void memcpy_base(const float *a, const float *b, float *c, size_t n)
{
    (void)b;
    memcpy(c, a, n * sizeof(float));
}

#if defined(__x86_64__)
#include <immintrin.h>

/* An empty asm that claims to change v: the compiler must keep every load and store, so a
 * copy loop stays a loop of vector moves instead of becoming a call to memcpy. */
#define KEEP(v) __asm__("" : "+x"(v))

/*
 * STREAM_FN defines name(a, b, c, n): c = a (ADD 0) or c = a + b (ADD 1), four vectors of W
 * floats per iteration, stored with STORE; NT 1 means STORE is a streaming store, which
 * needs an aligned destination (a scalar head reaches it) and an sfence at the end.
 */
#define STREAM_FN(name, attr, VEC, W, LOADU, ADDV, STORE, ADD, NT)                                 \
    attr static void name(const float *a, const float *b, float *c, size_t n)                    \
    {                                                                                              \
        size_t i = 0;                                                                              \
        if (NT)                                                                                    \
            for (; i < n && (uintptr_t)(c + i) % sizeof(VEC); i++)                                \
                c[i] = ADD ? a[i] + b[i] : a[i];                                                   \
        for (; i + 4 * W <= n; i += 4 * W) {                                                       \
            VEC v0 = LOADU(a + i), v1 = LOADU(a + i + W);                                          \
            VEC v2 = LOADU(a + i + 2 * W), v3 = LOADU(a + i + 3 * W);                              \
            if (ADD) {                                                                             \
                v0 = ADDV(v0, LOADU(b + i)), v1 = ADDV(v1, LOADU(b + i + W));                      \
                v2 = ADDV(v2, LOADU(b + i + 2 * W)), v3 = ADDV(v3, LOADU(b + i + 3 * W));          \
            }                                                                                      \
            KEEP(v0); KEEP(v1); KEEP(v2); KEEP(v3);                                                \
            STORE(c + i, v0), STORE(c + i + W, v1), STORE(c + i + 2 * W, v2), STORE(c + i + 3 * W, v3); \
        }                                                                                          \
        for (; i < n; i++)                                                                         \
            c[i] = ADD ? a[i] + b[i] : a[i];                                                       \
        if (NT)                                                                                    \
            _mm_sfence();                                                                          \
    }

#define SSE2_FN(name, STORE, ADD, NT) STREAM_FN(name, , __m128, 4, _mm_loadu_ps, _mm_add_ps, STORE, ADD, NT)
#define AVX2_FN(name, STORE, ADD, NT)                                                              \
    STREAM_FN(name, __attribute__((target("avx2"))), __m256, 8, _mm256_loadu_ps, _mm256_add_ps, STORE, ADD, NT)

SSE2_FN(copy_sse2, _mm_storeu_ps, 0, 0)
SSE2_FN(copy_nt_sse2, _mm_stream_ps, 0, 1)
SSE2_FN(add_sse2, _mm_storeu_ps, 1, 0)
SSE2_FN(add_nt_sse2, _mm_stream_ps, 1, 1)
AVX2_FN(copy_avx2, _mm256_storeu_ps, 0, 0)
AVX2_FN(copy_nt_avx2, _mm256_stream_ps, 0, 1)
AVX2_FN(add_avx2, _mm256_storeu_ps, 1, 0)
AVX2_FN(add_nt_avx2, _mm256_stream_ps, 1, 1)

/* [isa][bwd][kind]; a NULL name means there is no such baseline. */
static const struct bench_base bases[2][2][BENCH_BW_COUNT] = {
    {{{"copy loop", copy_sse2}, {"memcpy", memcpy_base}, {"nt copy", copy_nt_sse2}},
     {{"add loop", add_sse2}, {NULL, NULL}, {"nt add", add_nt_sse2}}},
    {{{"copy loop", copy_avx2}, {"memcpy", memcpy_base}, {"nt copy", copy_nt_avx2}},
     {{"add loop", add_avx2}, {NULL, NULL}, {"nt add", add_nt_avx2}}},
};

/* avx2 and above use 256-bit vectors; scalar and sse2 the 128-bit ones x86-64 always has. */
static int isa_row(const char *isa)
{
    return isa && (!strcmp(isa, "avx2") || !strcmp(isa, "avx512"));
}
#else
/* Elsewhere: plain loops (the copy may well become memcpy) and no non-temporal stores. */
static void copy_plain(const float *a, const float *b, float *c, size_t n)
{
    (void)b;
    for (size_t i = 0; i < n; i++)
        c[i] = a[i];
}

static void add_plain(const float *a, const float *b, float *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        c[i] = a[i] + b[i];
}

static const struct bench_base bases[1][2][BENCH_BW_COUNT] = {
    {{{"copy loop", copy_plain}, {"memcpy", memcpy_base}, {NULL, NULL}},
     {{"add loop", add_plain}, {NULL, NULL}, {NULL, NULL}}},
};

static int isa_row(const char *isa)
{
    (void)isa;
    return 0;
}
#endif

const struct bench_base *bench_baseline(int bwd, enum bench_bw which, const char *isa)
{
    if ((unsigned)which >= BENCH_BW_COUNT)
        return NULL;
    const struct bench_base *b = &bases[isa_row(isa)][bwd ? 1 : 0][which];
    return b->name ? b : NULL;
}
