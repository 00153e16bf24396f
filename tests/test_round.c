/*
 * Correct rounding of the rational functions: hardswish, hardsigmoid and softsign forward,
 * hardswish and hardsigmoid backward. Their exact values are quotients of short integers, so a
 * 113-bit float (__float128 on x86-64, long double on aarch64) gives them exactly or to far more
 * than a float's midpoint needs, and its conversion to float rounds them correctly. Every kernel
 * of the registry for these ops (every ISA the CPU runs) must return, for every input of a
 * strided sweep of all float bit patterns (--exhaustive: all 2^32), either the correctly
 * rounded value or its neighbour on the far side of an exact value within 2^-20 ULP of the
 * midpoint between them (a near-tie: see docs/activations.md). Such near-ties are counted and
 * printed per kernel. Backward uses dy = 1 and dy random (+-2^-20 .. 2^20, log-uniform). The
 * strided sweep also covers windows of 2^16 bit patterns around +-0 (the subnormals, where the
 * exhaustive run found hardswish's +0 for -2^-149), +-1, -1.5 and +-3. An op name as the last
 * argument runs that op only.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testutil.h"

#if defined(__x86_64__)
typedef __float128 quad;
#define HAVE_QUAD 1
#elif LDBL_MANT_DIG == 113
typedef long double quad;
#define HAVE_QUAD 1
#endif

#ifdef HAVE_QUAD
#define STRIDE 4099u
#define WINDOW (1u << 16)
static const uint32_t centres[] = {0x00000000u, 0x80000000u, 0x3f800000u, 0xbf800000u,
                                   0xbfc00000u, 0x40400000u, 0xc0400000u};
#define NCENTRES (sizeof centres / sizeof centres[0])

/* The idx-th input bit pattern: the sweep, then (strided only) the windows. */
static uint32_t pattern(uint64_t idx, uint64_t stride, uint64_t nsweep)
{
    if (idx < nsweep)
        return (uint32_t)(idx * stride);
    idx -= nsweep;
    return centres[idx / WINDOW] + (uint32_t)(idx % WINDOW) - WINDOW / 2;
}

/* x/2 + x^2/6 for |x| < 2^-40: x/2 if it is a float, else the tie broken upwards by x^2/6 > 0. */
static float half_plus(float x)
{
    double t = (double)x / 2;
    float f = (float)t;
    if ((double)f == t)
        return f;
    float down = (double)f < t ? f : nextafterf(f, -INFINITY);
    return nextafterf(down, INFINITY);
}

/* The exact value as a quad (exact, or within 2^-112 relative), and its correct rounding. */
static quad exact(enum act_op op, enum act_dir dir, float x, float dy)
{
    quad q = x;
    if (dir == ACT_DIR_FWD) {
        if (op == ACT_OP_HARDSWISH)
            return x <= -3 ? -0.0f : x >= 3 ? q : q * (q + 3) / 6;
        if (op == ACT_OP_HARDSIGMOID)
            return x <= -3 ? 0 : x >= 3 ? 1 : (q + 3) / 6;
        if (isinf(x))
            return x > 0 ? 1 : -1;
        return q / (1 + (q < 0 ? -q : q));
    }
    if (op == ACT_OP_HARDSWISH)
        return x < -3 ? 0 : x > 3 ? (quad)dy : (quad)dy * ((2 * q + 3) / 6);
    return x > -3 && x < 3 ? (quad)dy / 6 : 0;
}

static float rounded(enum act_op op, enum act_dir dir, float x, quad e)
{
    if (op == ACT_OP_HARDSWISH && dir == ACT_DIR_FWD && x != 0 && fabsf(x) < 0x1p-40f)
        return half_plus(x); /* the quad sum x/2 + x^2/6 would drop x^2/6 */
    if (x == 0 && dir == ACT_DIR_FWD && op != ACT_OP_HARDSIGMOID)
        return x; /* the sign of zero */
    return (float)e;
}

static int same(float a, float b) { return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0; }

/* got is the correct rounding r, or r's neighbour towards e with e within 2^-20 ULP of their
 * midpoint. Returns 0 for r, 1 for such a near-tie, -1 otherwise. */
static int judge(float got, float r, quad e)
{
    if (same(got, r))
        return 0;
    if (isnan(got) || isnan(r) || isinf(r) || got != nextafterf(r, got))
        return -1;
    quad gap = (quad)got - (quad)r, off = (quad)got - e;
    if (gap < 0)
        gap = -gap;
    if (off < 0)
        off = -off;
    return off <= gap * (0.5 + 0x1p-20) ? 1 : -1;
}

int main(int argc, char **argv)
{
    int exhaustive = argc > 1 && !strcmp(argv[1], "--exhaustive");
    const char *only = argc > 1 + exhaustive ? argv[1 + exhaustive] : NULL;
    uint64_t stride = exhaustive ? 1 : STRIDE, nsweep = exhaustive ? (uint64_t)1 << 32 : ((uint64_t)1 << 32) / stride + 1;
    uint64_t total = nsweep + (exhaustive ? 0 : (uint64_t)NCENTRES * WINDOW);
    size_t nk;
    const struct act_kernel *ks = act_kernel_list(&nk);
    static const struct {
        enum act_op op;
        enum act_dir dir;
        int rand_dy;
    } cases[] = {
        {ACT_OP_HARDSWISH, ACT_DIR_FWD, 0},   {ACT_OP_HARDSIGMOID, ACT_DIR_FWD, 0}, {ACT_OP_SOFTSIGN, ACT_DIR_FWD, 0},
        {ACT_OP_HARDSWISH, ACT_DIR_BWD, 0},   {ACT_OP_HARDSWISH, ACT_DIR_BWD, 1},   {ACT_OP_HARDSIGMOID, ACT_DIR_BWD, 1},
    };
    enum { BLOCK = 1 << 16 };
    float *x = malloc(BLOCK * sizeof *x), *dy = malloc(BLOCK * sizeof *dy), *want = malloc(BLOCK * sizeof *want);
    float *got = malloc(BLOCK * sizeof *got);
    quad *e = malloc(BLOCK * sizeof *e);
    if (!x || !dy || !want || !got || !e) {
        fprintf(stderr, "test_round: out of memory\n");
        return 1;
    }
    struct tu_rng r;
    tu_rng_init(&r, 113);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct act_desc d;
        act_desc_init(&d, cases[c].op);
        char name[32];
        tu_describe(&d, name, sizeof name);
        if (only && strcmp(only, name))
            continue;
        struct act_params p;
        act_params_from_desc(&d, &p);
        unsigned long long near[64] = {0}, bad[64] = {0};
        const struct act_kernel *run[64];
        size_t nrun = 0;
        for (size_t k = 0; k < nk && nrun < 64; k++)
            if (ks[k].op == cases[c].op && ks[k].dir == cases[c].dir) {
                if (act_cpu_has(ks[k].isa))
                    run[nrun++] = &ks[k];
                else
                    harness_skip(1, "%s: CPU lacks %s", ks[k].name, act_isa_name(ks[k].isa));
            }
        for (uint64_t b = 0; b < total; b += BLOCK) {
            size_t n = total - b < BLOCK ? (size_t)(total - b) : BLOCK;
            for (size_t i = 0; i < n; i++) {
                uint32_t u = pattern(b + i, stride, nsweep);
                memcpy(&x[i], &u, sizeof u);
                dy[i] = 1.0f;
                if (cases[c].rand_dy) /* +-2^-20 .. 2^20, log-uniform */
                    dy[i] = tu_rng_logmag(&r, 0x1p-20, 0x1p20);
                e[i] = exact(cases[c].op, cases[c].dir, x[i], dy[i]);
                want[i] = rounded(cases[c].op, cases[c].dir, x[i], e[i]);
            }
            for (size_t k = 0; k < nrun; k++) {
                if (cases[c].dir == ACT_DIR_FWD)
                    ((act_fwd_fn)run[k]->fn)(n, x, got, &p);
                else
                    ((act_bwd_fn)run[k]->fn)(n, x, dy, got, &p);
                for (size_t i = 0; i < n; i++) {
                    if (isnan(x[i]))
                        continue;
                    int j = judge(got[i], want[i], e[i]);
                    if (j > 0)
                        near[k]++;
                    else if (j < 0 && !bad[k]++)
                        CHECK(0, "%s: x=%a dy=%a got %a, correctly rounded %a", run[k]->name, x[i], dy[i], got[i],
                              want[i]);
                }
            }
        }
        for (size_t k = 0; k < nrun; k++) {
            CHECK(bad[k] == 0, "%s%s: %llu results are neither correctly rounded nor a near-tie", run[k]->name,
                  cases[c].rand_dy ? " (random dy)" : "", bad[k]);
            printf("%-44s %s: %llu of %llu inputs are near-ties rounded the other way\n", run[k]->name,
                   cases[c].dir == ACT_DIR_FWD ? "fwd" : cases[c].rand_dy ? "bwd, random dy" : "bwd, dy = 1", near[k],
                   (unsigned long long)total);
        }
    }
    /* hardsigmoid backward over dy: x = 0.5 fixed, dy every bit pattern of the sweep (all 2^32
     * with --exhaustive, every one within 2^16 of 0 and of +-2^-100 in any case, where the
     * kernels change method): dy / 6 in float, correctly rounded by IEEE division, bit for bit. */
    static const uint32_t dy_centres[] = {0x00000000u, 0x80000000u, 0x0d800000u, 0x8d800000u, 0x7f800000u};
    uint64_t ndy = nsweep + (exhaustive ? 0 : 5u * WINDOW);
    for (size_t k = 0; k < nk && (!only || !strcmp(only, "hardsigmoid")); k++) {
        if (ks[k].op != ACT_OP_HARDSIGMOID || ks[k].dir != ACT_DIR_BWD || !act_cpu_has(ks[k].isa))
            continue;
        struct act_params p = {0};
        unsigned long long bad = 0;
        for (uint64_t b = 0; b < ndy; b += BLOCK) {
            size_t n = ndy - b < BLOCK ? (size_t)(ndy - b) : BLOCK;
            for (size_t i = 0; i < n; i++) {
                uint64_t idx = b + i;
                uint32_t u = idx < nsweep ? (uint32_t)(idx * stride)
                                          : dy_centres[(idx - nsweep) / WINDOW] + (uint32_t)((idx - nsweep) % WINDOW) - WINDOW / 2;
                memcpy(&dy[i], &u, sizeof u);
                x[i] = 0.5f;
                want[i] = dy[i] / 6.0f;
            }
            ((act_bwd_fn)ks[k].fn)(n, x, dy, got, &p);
            for (size_t i = 0; i < n; i++)
                if (!tu_same(got[i], want[i]) && !bad++)
                    CHECK(0, "%s: x=0.5 dy=%a got %a, dy/6 %a", ks[k].name, dy[i], got[i], want[i]);
        }
        /* Zeros among ordinary dy (in one vector, so the vector takes the fast form): -0 / 6 is -0. */
        for (size_t i = 0; i < 64; i++) {
            x[i] = 0.5f;
            dy[i] = i % 4 == 0 ? -0.0f : i % 4 == 2 ? 0.0f : (float)(i % 4 == 1 ? 1.5 * (double)i : -0.75 * (double)i);
            want[i] = dy[i] / 6.0f;
        }
        ((act_bwd_fn)ks[k].fn)(64, x, dy, got, &p);
        for (size_t i = 0; i < 64; i++)
            if (!tu_same(got[i], want[i]) && !bad++)
                CHECK(0, "%s: x=0.5 dy=%a among ordinary dy: got %a, dy/6 %a", ks[k].name, dy[i], got[i], want[i]);
        CHECK(bad == 0, "%s: %llu dy give other than dy / 6", ks[k].name, bad);
        printf("%-44s bwd, every dy of the sweep: %llu differ from dy / 6\n", ks[k].name, bad);
    }
    free(x);
    free(dy);
    free(want);
    free(got);
    free(e);
    return harness_finish();
}
#else
int main(void)
{
    harness_skip(1, "no 113-bit float on this target");
    return harness_finish();
}
#endif
