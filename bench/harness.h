/*
 * The machinery of `actlab bench` (src/cli/cmd-bench.c): the timer, a small thread team that
 * splits one call over --threads N threads, and the bandwidth baselines every activation is
 * measured against. Nothing here knows about activations.
 */
#ifndef ACTLAB_BENCH_HARNESS_H
#define ACTLAB_BENCH_HARNESS_H

#include <stddef.h>

#define BENCH_MAX_RUNS 99
#define BENCH_MAX_THREADS 64

/* How to time one computation. */
struct bench_timing {
    int runs;           /* the median of this many runs is reported (1 .. BENCH_MAX_RUNS) */
    double min_run_ns;  /* each run repeats the call until it lasts at least this long */
    int interleave;     /* 1: round-robin over the items (see bench_time); 0: one item after another */
    int cpu_clock;      /* 0: CLOCK_MONOTONIC; 1: the calling thread's CPU time, which leaves out
                           time the thread was preempted (valid only when all work runs on it) */
};

/* One computation to time: run(ctx) does it once. */
struct bench_item {
    void (*run)(void *ctx);
    void *ctx;
};

/*
 * Time `count` computations (on CLOCK_MONOTONIC unless t->cpu_clock): warm each up (calibrating its repeat count is
 * the warm-up), then do t->runs timed runs of each; ns[i] is the median time of one call of
 * item i. Interleaved (t->interleave), the runs go round-robin over the items, which exposes
 * them all to the same machine state, so their ratios hold while other load comes and goes.
 * Multi-threaded peers want the other order: their pools spin for a while after each call
 * and would slow whatever runs next.
 */
void bench_time(const struct bench_item *items, int count, const struct bench_timing *t, double *ns);

/*
 * The thread team: bench_team_for(n, body, ctx) calls body(ctx, i0, i1) on disjoint ranges
 * covering [0, n), one per thread, and returns when all are done. Range starts are multiples
 * of 16 elements (64 bytes), so aligned buffers stay aligned per thread. With one thread
 * (the default) it is a plain call. bench_team_init returns 0, or -1 if threads could not
 * be started (then the team stays at one thread).
 */
typedef void bench_span_fn(void *ctx, size_t i0, size_t i1);
int bench_team_init(int threads);
void bench_team_for(size_t n, bench_span_fn *body, void *ctx);
void bench_team_fini(void);

/*
 * Bandwidth baselines: the same bytes moved with no arithmetic (forward: read one array,
 * write one; backward: read two, write one). Each kind has a loop of vector loads and
 * stores as wide as the kernels dispatch uses (so the compiler cannot turn it into a
 * memcpy call), and the variant with non-temporal stores, which skip the read-for-ownership
 * of the destination and so set the ceiling out of cache.
 */
enum bench_bw { BENCH_BW_LOOP, BENCH_BW_MEMCPY, BENCH_BW_NT, BENCH_BW_COUNT };

/* c[i] = a[i] (forward kinds; b is unused) or c[i] = a[i] + b[i] (backward kinds), i < n. */
typedef void (*bench_base_fn)(const float *a, const float *b, float *c, size_t n);

struct bench_base {
    const char *name;   /* "copy loop", "memcpy", "nt copy", "add loop", "nt add" */
    bench_base_fn fn;
};

/*
 * The baseline of kind `which` for the forward (bwd = 0) or backward (bwd = 1) traffic
 * pattern, with vectors as wide as `isa` ("sse2", "avx2", ... as act_isa() names it).
 * NULL when there is none (memcpy for backward; non-temporal stores off x86).
 */
const struct bench_base *bench_baseline(int bwd, enum bench_bw which, const char *isa);

#endif
