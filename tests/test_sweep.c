/*
 * Sweep over float bit patterns, for every test case and every path this CPU runs (the
 * reference and each registered kernel): forward ULP error against the oracle within
 * ulp_forward, backward (dy = 1 and dy = 0.75) within ulp_backward, NaN iff NaN. Prints,
 * per case and direction, the worst ULP seen and where (the table for the docs).
 *
 * Default (CI): every 4093rd bit pattern from 0 (~1.05M inputs, 4093 is prime so the
 * mantissas vary; every 16381st for the non-default parameter sets), plus every pattern
 * within +-2048 of 0, -0, +-3, 6, each kink and each saturation point.
 * --exhaustive: all 2^32 patterns for the default-parameter cases (--all-params: every
 * case), on --threads N threads (default 2); --op NAME limits the ops. --verbose prints
 * every path, not only the worst per direction.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "oracle.h"
#include "testutil.h"

#define STRIDE 4093u          /* default parameters: ~1.05M inputs per op */
#define STRIDE_PARAMS 16381u  /* other parameters: ~262k, to keep CI fast; the windows stay dense */
#define WINDOW 2048u
#define BLOCK 4096u
#define MAX_PATHS 16
#define MAX_SEGMENTS 64

enum variant { V_FWD, V_BWD1, V_BWD075, V_COUNT };
static const char *const variant_names[V_COUNT] = {"fwd", "bwd dy=1", "bwd dy=0.75"};
static const float variant_dy[V_COUNT] = {0.0f, 1.0f, 0.75f};

/* A run of bit patterns: start, start + step, ... (count of them, wrapping mod 2^32). */
struct segment {
    uint32_t start, step;
    uint64_t count;
};

struct plan {
    struct segment seg[MAX_SEGMENTS];
    size_t nseg;
    uint64_t total;
};

/* What one path saw in one variant. */
struct result {
    double worst;
    float worst_x;
    uint64_t nbad;
    float bad_x, bad_got;
    long double bad_exact;
};

struct job {
    const struct tu_case *c;
    const struct plan *plan;
    struct tu_path paths[V_COUNT][MAX_PATHS];
    size_t npaths[V_COUNT];
    unsigned nthreads;
};

struct worker {
    struct job *job;
    unsigned id;
    struct result res[V_COUNT][MAX_PATHS];
    float x[BLOCK], out[BLOCK], dy[V_COUNT][BLOCK];
    struct tu_expect exact[V_COUNT][BLOCK];
};

static void add_segment(struct plan *p, uint32_t start, uint32_t step, uint64_t count)
{
    if (p->nseg < MAX_SEGMENTS) {
        p->seg[p->nseg++] = (struct segment){start, step, count};
        p->total += count;
    }
}

/* Every pattern within WINDOW of x's pattern (clamped inside x's sign half). */
static void add_window(struct plan *p, float x)
{
    uint32_t b = tu_bits(x), half = b & 0x80000000u, mag = b & 0x7fffffffu;
    uint32_t lo = mag > WINDOW ? mag - WINDOW : 0;
    uint32_t hi = mag + WINDOW < 0x7fffffffu ? mag + WINDOW : 0x7fffffffu;
    add_segment(p, half | lo, 1, (uint64_t)(hi - lo) + 1);
}

static void build_plan(struct plan *p, const struct tu_case *c, int exhaustive)
{
    uint32_t stride = c->is_default ? STRIDE : STRIDE_PARAMS;
    float pts[64];
    memset(p, 0, sizeof *p);
    if (exhaustive) {
        add_segment(p, 0, 1, (uint64_t)1 << 32);
        return;
    }
    add_segment(p, 0, stride, (((uint64_t)1 << 32) + stride - 1) / stride);
    add_window(p, 0.0f);
    add_window(p, -0.0f);
    add_window(p, 3.0f);
    add_window(p, -3.0f);
    add_window(p, 6.0f);
    size_t n = tu_kinks(&c->d, pts, 64);
    for (size_t i = 0; i < n; i++)
        add_window(p, pts[i]);
    n = tu_saturation_points(pts, 64);
    for (size_t i = 0; i < n; i++)
        add_window(p, pts[i]);
}

/* Fill x with the plan's inputs [first, first + n). */
static void plan_inputs(const struct plan *p, uint64_t first, size_t n, float *x)
{
    size_t s = 0;
    while (s < p->nseg && first >= p->seg[s].count)
        first -= p->seg[s++].count;
    for (size_t i = 0; i < n && s < p->nseg; i++) {
        x[i] = tu_from_bits(p->seg[s].start + (uint32_t)(first * p->seg[s].step));
        if (++first == p->seg[s].count) {
            first = 0;
            s++;
        }
    }
}

static void fold(struct result *r, const float *x, const float *got, const struct tu_expect *exact, size_t n,
                 double budget)
{
    struct tu_ulp u;
    tu_ulp_reset(&u);
    tu_ulp_compare(&u, got, exact, n, budget, 0);
    if (u.worst > r->worst) {
        r->worst = u.worst;
        r->worst_x = x[u.worst_i];
    }
    if (u.nbad && r->nbad == 0) {
        r->bad_x = x[u.first_bad];
        r->bad_got = got[u.first_bad];
        r->bad_exact = exact[u.first_bad].exact;
    }
    r->nbad += u.nbad;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct job *j = w->job;
    const struct act_desc *d = &j->c->d;
    float *x = w->x, *out = w->out;
    double budget[V_COUNT] = {tu_budget(d->op, ACT_DIR_FWD), tu_budget(d->op, ACT_DIR_BWD),
                              tu_budget(d->op, ACT_DIR_BWD)};
    for (int v = 0; v < V_COUNT; v++)
        for (size_t i = 0; i < BLOCK; i++)
            w->dy[v][i] = variant_dy[v];
    uint64_t nblocks = (j->plan->total + BLOCK - 1) / BLOCK;
    for (uint64_t b = w->id; b < nblocks; b += j->nthreads) {
        uint64_t first = b * BLOCK;
        size_t n = j->plan->total - first < BLOCK ? (size_t)(j->plan->total - first) : BLOCK;
        plan_inputs(j->plan, first, n, x);
        for (size_t i = 0; i < n; i++) {
            int dead;
            long double y, g;
            oracle_eval(d, x[i], &y, &g, &dead);
            tu_expect_set(&w->exact[V_FWD][i], y);
            tu_expect_set(&w->exact[V_BWD1][i], dead ? 0 : g);
            tu_expect_set(&w->exact[V_BWD075][i], dead ? 0 : 0.75L * g);
        }
        for (int v = 0; v < V_COUNT; v++) {
            enum act_dir dir = v == V_FWD ? ACT_DIR_FWD : ACT_DIR_BWD;
            for (size_t p = 0; p < j->npaths[v]; p++) {
                tu_run(&j->paths[v][p], j->c, dir, n, x, w->dy[v], out);
                fold(&w->res[v][p], x, out, w->exact[v], n, budget[v]);
            }
        }
    }
    return NULL;
}

static void merge(struct result *into, const struct result *r)
{
    if (r->worst > into->worst) {
        into->worst = r->worst;
        into->worst_x = r->worst_x;
    }
    if (r->nbad && !into->nbad) {
        into->bad_x = r->bad_x;
        into->bad_got = r->bad_got;
        into->bad_exact = r->bad_exact;
    }
    into->nbad += r->nbad;
}

static void sweep_case(const struct tu_case *c, int exhaustive, unsigned nthreads, int verbose)
{
    struct plan plan;
    struct job job;
    struct worker *workers = calloc(nthreads, sizeof *workers);
    pthread_t *threads = calloc(nthreads, sizeof *threads);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    build_plan(&plan, c, exhaustive);
    memset(&job, 0, sizeof job);
    job.c = c;
    job.plan = &plan;
    job.nthreads = nthreads;
    job.npaths[V_FWD] = tu_paths(c, ACT_DIR_FWD, TU_WITH_REF, job.paths[V_FWD], MAX_PATHS);
    job.npaths[V_BWD1] = tu_paths(c, ACT_DIR_BWD, TU_WITH_REF, job.paths[V_BWD1], MAX_PATHS);
    job.npaths[V_BWD075] = job.npaths[V_BWD1];
    memcpy(job.paths[V_BWD075], job.paths[V_BWD1], sizeof job.paths[V_BWD1]);

    for (unsigned t = 0; t < nthreads; t++) {
        workers[t].job = &job;
        workers[t].id = t;
        for (int v = 0; v < V_COUNT; v++)
            for (size_t p = 0; p < MAX_PATHS; p++)
                workers[t].res[v][p].worst = -1;
    }
    for (unsigned t = 1; t < nthreads; t++)
        if (pthread_create(&threads[t], NULL, work, &workers[t]))
            CHECK(0, "pthread_create failed");
    work(&workers[0]);
    for (unsigned t = 1; t < nthreads; t++)
        pthread_join(threads[t], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    for (int v = 0; v < V_COUNT; v++) {
        double budget = tu_budget(c->d.op, v == V_FWD ? ACT_DIR_FWD : ACT_DIR_BWD);
        struct result best = {.worst = -1};
        const char *best_path = "-";
        for (size_t p = 0; p < job.npaths[v]; p++) {
            struct result r = {.worst = -1};
            for (unsigned t = 0; t < nthreads; t++)
                merge(&r, &workers[t].res[v][p]);
            CHECK(r.nbad == 0, "%s %s %s: %llu of %llu inputs over %.2g ULP; first x=%a got %a exact %La (%.3g ulp)",
                  job.paths[v][p].name, c->label, variant_names[v], (unsigned long long)r.nbad,
                  (unsigned long long)plan.total, budget, r.bad_x, r.bad_got, r.bad_exact,
                  ulp_error(r.bad_got, r.bad_exact));
            if (verbose)
                printf("  %-34s %-12s %-40s %6.3f ulp at x=%a\n", c->label, variant_names[v], job.paths[v][p].name,
                       r.worst, r.worst_x);
            if (r.worst > best.worst) {
                best = r;
                best_path = job.paths[v][p].name;
            }
        }
        char where[40] = "-"; /* an x only where the error is not 0 */
        if (best.worst > 0)
            snprintf(where, sizeof where, "%a", best.worst_x);
        printf("%-34s %-12s max %6.3f ulp (budget %.2g) at x=%-16s %s\n", c->label, variant_names[v], best.worst,
               budget, where, best.worst > 0 ? best_path : "");
    }
    if (exhaustive)
        printf("  (%s: %llu inputs in %.0f s)\n", c->label, (unsigned long long)plan.total,
               (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    fflush(stdout);
    free(workers);
    free(threads);
}

int main(int argc, char **argv)
{
    int exhaustive = 0, all_params = 0, verbose = 0;
    unsigned nthreads = 0;
    const char *only_op = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--exhaustive"))
            exhaustive = 1;
        else if (!strcmp(argv[i], "--all-params"))
            all_params = 1;
        else if (!strcmp(argv[i], "--verbose"))
            verbose = 1;
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            nthreads = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--op") && i + 1 < argc)
            only_op = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--exhaustive [--all-params]] [--threads N] [--op NAME] [--verbose]\n", argv[0]);
            return 2;
        }
    }
    if (nthreads == 0)
        nthreads = exhaustive ? 2 : 1;

    size_t nc;
    const struct tu_case *cases = tu_cases(&nc);
    printf("%-34s %-12s %s\n", "case", "direction", "worst ULP vs the oracle, over the reference and the kernels");
    for (size_t i = 0; i < nc; i++) {
        if (only_op && strcmp(only_op, tu_op_names[cases[i].d.op]))
            continue;
        if (exhaustive && !all_params && !cases[i].is_default)
            continue;
        sweep_case(&cases[i], exhaustive, nthreads, verbose);
    }
    return harness_finish();
}
