/*
 * Registry-driven kernel test: every kernel in act_kernel_list() (skipped, and counted as
 * such, when the CPU lacks its ISA), plus the whole-array reference, over sizes
 * 0 .. 4*unroll+1 (the float-lane kernels' pipelines fill over two or three vectors), multiples
 * of the unroll and of 16 up to 256, and a large odd n; in place
 * and out of place; at varied alignments; with random inputs (tu_fill_x). Each output is
 * held to the op's ULP budget against the long double oracle and against the element-wise
 * reference (NaN iff NaN), and nothing outside [0, n) may be written. The worst ULP per
 * kernel is printed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "oracle.h"
#include "testutil.h"

#define N_LARGE 10007
#define N_OFFSETS 8 /* inputs start at x + (n * 3) % N_OFFSETS: varied alignment */
#define N_ALL (N_LARGE + N_OFFSETS)
#define GUARD 16
#define GUARD_BITS 0x7fbadbadu /* a NaN payload no kernel produces */
#define MAX_PATHS 16
#define MAX_SIZES 258 /* every size 0..256, plus N_LARGE */

/* One case's inputs and expected values, computed once and sliced for every size. */
static float xs[N_ALL], dys[N_ALL], ys[N_ALL];
static struct tu_expect exact[ACT_DIR_COUNT][N_ALL], refv[ACT_DIR_COUNT][N_ALL];

/* Worst ULP seen per kernel (and per (op, dir) for the reference), over all cases. */
struct worst {
    double oracle, ref;
    float x;
    const char *label;
};

static size_t build_sizes(size_t unroll, size_t *sizes)
{
    size_t n = 0;
    unsigned char seen[257] = {0};
    for (size_t s = 0; s <= 4 * unroll + 1 && s <= 256; s++)
        seen[s] = 1;
    for (size_t s = 16; s <= 256; s += 16)
        seen[s] = 1;
    for (size_t s = unroll; unroll >= 4 && s <= 256; s += unroll) /* unroll < 4: 0..4u+1 covers the tails */
        seen[s] = 1;
    for (size_t s = 0; s <= 256; s++)
        if (seen[s])
            sizes[n++] = s;
    sizes[n++] = N_LARGE;
    return n;
}

static void prepare(const struct tu_case *c, size_t index)
{
    struct tu_rng r;
    tu_rng_init(&r, 1000 + index);
    tu_fill_x(&r, &c->d, xs, N_ALL);
    tu_fill_dy(&r, dys, N_ALL);
    for (size_t i = 0; i < N_ALL; i++) {
        tu_expect_set(&exact[ACT_DIR_FWD][i], oracle_fwd(&c->d, xs[i]));
        tu_expect_set(&exact[ACT_DIR_BWD][i], oracle_bwd(&c->d, xs[i], dys[i]));
        ys[i] = act_ref_fwd1(c->d.op, &c->p, xs[i]);
        tu_expect_set(&refv[ACT_DIR_FWD][i], ys[i]);
        tu_expect_set(&refv[ACT_DIR_BWD][i], act_ref_bwd1(c->d.op, &c->p, xs[i], dys[i]));
        if (tu_case_has_bwdy(c))
            tu_expect_set(&refv[ACT_DIR_BWD_Y][i], act_ref_bwdy1(c->d.op, &c->p, ys[i], dys[i]));
    }
}

/* A malloc'd copy of exactly n floats, so ASan reports any read past the end. */
static float *exact_copy(const float *src, size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    if (n)
        memcpy(p, src, n * sizeof *p);
    return p;
}

/* Count guard words that changed around out[0, n). */
static size_t guard_damage(const float *buf, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < GUARD; i++)
        bad += (tu_bits(buf[i]) != GUARD_BITS) + (tu_bits(buf[GUARD + n + i]) != GUARD_BITS);
    return bad;
}

/* Run path on elements [off, off + n) of the case arrays; result in out (guarded buffer). */
static void run_one(const struct tu_path *path, const struct tu_case *c, enum act_dir dir, size_t off, size_t n,
                    int in_place, float *buf)
{
    const float *a_src = dir == ACT_DIR_FWD || dir == ACT_DIR_BWD ? xs + off : ys + off;
    float *out = buf + GUARD;
    for (size_t i = 0; i < 2 * GUARD + n; i++)
        buf[i] = tu_from_bits(GUARD_BITS);
    float *a = exact_copy(a_src, n), *dy = exact_copy(dys + off, n);
    const float *in = a, *grad = dy;
    if (in_place) { /* y == x forward, dx == dy backward */
        memcpy(out, dir == ACT_DIR_FWD ? a : dy, n * sizeof *out);
        if (dir == ACT_DIR_FWD)
            in = out;
        else
            grad = out;
    }
    tu_run(path, c, dir, n, in, grad, out);
    free(a);
    free(dy);
}

static const char *const dir_names[ACT_DIR_COUNT] = {"fwd", "bwd", "bwdy"};

/* One CHECK per comparison of an output slice: pass, or the count and the first offender. */
static void report(const struct tu_path *path, const struct tu_case *c, enum act_dir dir, size_t n, int in_place,
                   const char *against, const struct tu_ulp *u, const float *out, size_t off,
                   const struct tu_expect *expect, double budget)
{
    size_t i = u->nbad ? u->first_bad : off; /* the index printed on failure; any valid one otherwise */
    CHECK(u->nbad == 0, "%s %s %s n=%zu %s: %zu outputs over %.2g ULP vs %s, first x=%a dy=%a got %a want %La (%.3g)",
          path->name, c->label, dir_names[dir], n, in_place ? "in place" : "out of place", u->nbad, budget, against,
          xs[i], dys[i], n ? out[i - off] : 0.0f, expect[i].exact, n ? ulp_error(out[i - off], expect[i].exact) : 0.0);
}

static void check_path(const struct tu_path *path, const struct tu_case *c, enum act_dir dir, struct worst *w)
{
    static float buf[2 * GUARD + N_LARGE];
    size_t sizes[MAX_SIZES];
    size_t ns = build_sizes(path->k ? tu_kernel_unroll(path->k) : 1, sizes);
    double budget = tu_budget(c->d.op, dir);

    for (size_t s = 0; s < ns; s++) {
        size_t n = sizes[s], off = (n * 3) % N_OFFSETS;
        for (int in_place = 0; in_place < 2; in_place++) {
            run_one(path, c, dir, off, n, in_place, buf);
            const float *out = buf + GUARD;
            size_t damage = guard_damage(buf, n);
            CHECK(damage == 0, "%s %s %s n=%zu %s: %zu guard words outside [0,n) overwritten", path->name, c->label,
                  dir_names[dir], n, in_place ? "in place" : "out of place", damage);

            struct tu_ulp u;
            tu_ulp_reset(&u);
            tu_ulp_compare(&u, out, refv[dir] + off, n, budget, off);
            report(path, c, dir, n, in_place, "the reference", &u, out, off, refv[dir], budget);
            if (u.worst > w->ref)
                w->ref = u.worst;
            if (dir == ACT_DIR_BWD_Y)
                continue; /* judged against the reference only: y's rounding limits it */

            tu_ulp_reset(&u);
            tu_ulp_compare(&u, out, exact[dir] + off, n, budget, off);
            report(path, c, dir, n, in_place, "the oracle", &u, out, off, exact[dir], budget);
            if (u.worst > w->oracle) {
                w->oracle = u.worst;
                w->x = xs[u.worst_i];
                w->label = c->label;
            }
        }
    }
}

/* The registry itself: names follow act_f32_<op>_<dir>__<isa>..., and every op has scalar
 * forward and backward kernels (the fallback dispatch relies on). */
static void check_registry(void)
{
    size_t nk;
    const struct act_kernel *ks = act_kernel_list(&nk);
    int scalar[ACT_OP_COUNT][ACT_DIR_COUNT] = {{0}};
    for (size_t i = 0; i < nk; i++) {
        const struct act_kernel *k = &ks[i];
        if (!CHECK((unsigned)k->op < ACT_OP_COUNT && (unsigned)k->dir < ACT_DIR_COUNT &&
                       (unsigned)k->isa < ACT_ISA_COUNT && k->fn && k->name,
                   "registry entry %zu is malformed", i))
            continue;
        char prefix[64], isa[32];
        snprintf(prefix, sizeof prefix, "act_f32_%s_", tu_op_names[k->op]);
        snprintf(isa, sizeof isa, "__%s", act_isa_name(k->isa));
        CHECK(!strncmp(k->name, prefix, strlen(prefix)) && strstr(k->name, isa),
              "kernel %s: name does not match op %s / isa %s", k->name, tu_op_names[k->op], act_isa_name(k->isa));
        if (k->isa == ACT_ISA_SCALAR)
            scalar[k->op][k->dir] = 1;
    }
    for (int op = 0; op < ACT_OP_COUNT; op++)
        for (int dir = ACT_DIR_FWD; dir <= ACT_DIR_BWD; dir++)
            CHECK(scalar[op][dir], "no scalar %s kernel for %s", dir ? "bwd" : "fwd", tu_op_names[op]);
}

int main(void)
{
    size_t nc, nk;
    const struct tu_case *cases = tu_cases(&nc);
    const struct act_kernel *ks = act_kernel_list(&nk);
    /* Slots: one per kernel, then one per (op, dir) for the reference. */
    struct worst *worst = calloc(nk + ACT_OP_COUNT * ACT_DIR_COUNT, sizeof *worst);
    for (size_t i = 0; i < nk + ACT_OP_COUNT * ACT_DIR_COUNT; i++)
        worst[i].oracle = worst[i].ref = -1;

    check_registry();
    for (size_t ci = 0; ci < nc; ci++) {
        const struct tu_case *c = &cases[ci];
        prepare(c, ci);
        for (int dir = 0; dir < ACT_DIR_COUNT; dir++) {
            struct tu_path paths[MAX_PATHS];
            size_t np = tu_paths(c, (enum act_dir)dir, TU_WITH_REF, paths, MAX_PATHS);
            for (size_t p = 0; p < np; p++) {
                size_t slot = paths[p].k ? (size_t)(paths[p].k - ks) : nk + (size_t)c->d.op * ACT_DIR_COUNT + dir;
                check_path(&paths[p], c, (enum act_dir)dir, &worst[slot]);
            }
        }
    }

    printf("%-40s %10s %10s  %s\n", "kernel", "vs oracle", "vs ref", "worst case (vs oracle)");
    for (size_t i = 0; i < nk + ACT_OP_COUNT * ACT_DIR_COUNT; i++) {
        char name[64];
        if (worst[i].ref < 0)
            continue; /* not run: ISA missing, or no such reference path */
        if (i < nk)
            snprintf(name, sizeof name, "%s", ks[i].name);
        else
            snprintf(name, sizeof name, "ref %s %s", tu_op_names[(i - nk) / ACT_DIR_COUNT],
                     dir_names[(i - nk) % ACT_DIR_COUNT]);
        if (worst[i].oracle >= 0)
            printf("%-40s %10.3f %10.3f  %s x=%a\n", name, worst[i].oracle, worst[i].ref, worst[i].label,
                   worst[i].x);
        else
            printf("%-40s %10s %10.3f\n", name, "-", worst[i].ref);
    }
    free(worst);
    return harness_finish();
}
