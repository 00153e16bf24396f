/*
 * Backward against central finite differences of the long double oracle's forward:
 * for every test case, ~200 points away from kinks and jumps, dx (dy = 1 and random dy)
 * must match dy * (f(x+h) - f(x-h)) / 2h, h = 1e-4 max(1, |x|), to 1e-4 relative. This
 * checks the derivative formulas themselves (a wrong sign or a missing factor), where the
 * ULP tests check rounding. PReLU's dx and dslope are checked the same way through
 * act_prelu_backward, dslope against differences in the slope.
 */
#include <math.h>
#include <stdio.h>

#include "harness.h"
#include "oracle.h"
#include "testutil.h"

#define N_POINTS 200
#define REL_TOL 1e-4
#define ABS_TOL 1e-7 /* times |dy|: where f' is ~0 the difference quotient has no relative accuracy */

static long double step(float x) { return 1e-4L * (fabsf(x) > 1 ? fabsf(x) : 1); }

/* Points in [-8, 8] (and a tenth in [-30, 30]) at least max(1e-3, 3h) from every kink of d. */
static void pick_points(struct tu_rng *r, const struct act_desc *d, float *x, size_t n)
{
    float kinks[4];
    size_t nk = tu_kinks(d, kinks, 4);
    for (size_t i = 0; i < n;) {
        double range = tu_rng_next(r) % 10 ? 8 : 30;
        float v = (float)tu_rng_range(r, -range, range);
        long double margin = fmaxl(1e-3L, 3 * step(v));
        size_t k = 0;
        while (k < nk && fabsl((long double)v - kinks[k]) > margin)
            k++;
        if (k == nk)
            x[i++] = v;
    }
}

static long double central_difference(const struct act_desc *d, float x)
{
    long double h = step(x);
    return (oracle_fwdl(d, x + h) - oracle_fwdl(d, x - h)) / (2 * h);
}

static int close_enough(float got, long double want, float dy)
{
    return fabsl((long double)got - want) <= REL_TOL * fabsl(want) + ABS_TOL * fabsf(dy);
}

static void check_case(const struct tu_case *c, size_t index)
{
    float x[N_POINTS], dy[N_POINTS], ones[N_POINTS], dx[N_POINTS];
    struct tu_rng r;
    tu_rng_init(&r, 5000 + index);
    pick_points(&r, &c->d, x, N_POINTS);
    for (size_t i = 0; i < N_POINTS; i++) {
        ones[i] = 1;
        dy[i] = (float)tu_rng_range(&r, -2, 2);
    }
    for (int pass = 0; pass < 2; pass++) {
        const float *g = pass ? dy : ones;
        enum act_status st = act_backward(&c->d, N_POINTS, x, g, dx);
        if (!CHECK(st == ACT_OK, "%s: act_backward status %d", c->label, (int)st))
            continue;
        for (size_t i = 0; i < N_POINTS; i++) {
            long double fd = g[i] * central_difference(&c->d, x[i]);
            CHECK(close_enough(dx[i], fd, g[i]), "%s x=%a dy=%g: dx=%.9g, finite difference %.9Lg", c->label, x[i],
                  g[i], dx[i], fd);
        }
    }
}

/* PReLU with one element per channel, so each channel's dslope is that element's term. */
static void check_prelu(void)
{
    float x[N_POINTS], slope[N_POINTS], dy[N_POINTS], dx[N_POINTS], dslope[N_POINTS];
    struct act_desc d = tu_desc(ACT_OP_PRELU, NAN, NAN);
    struct tu_rng r;
    tu_rng_init(&r, 5999);
    pick_points(&r, &d, x, N_POINTS); /* prelu's kink is 0 whatever the slope */
    for (size_t i = 0; i < N_POINTS; i++) {
        slope[i] = (float)tu_rng_range(&r, -1, 1);
        dy[i] = (float)tu_rng_range(&r, -2, 2);
    }
    enum act_status st = act_prelu_backward(1, N_POINTS, 1, x, slope, dy, dx, dslope);
    if (!CHECK(st == ACT_OK, "act_prelu_backward status %d", (int)st))
        return;
    for (size_t i = 0; i < N_POINTS; i++) {
        long double h = step(x[i]), hs = 1e-4L, s = slope[i];
        /* f(x; s) = x > 0 ? x : s x, differenced in x and in s */
#define PRELU(xv, sv) ((xv) > 0 ? (long double)(xv) : (sv) * (xv))
        long double fd_x = dy[i] * (PRELU(x[i] + h, s) - PRELU(x[i] - h, s)) / (2 * h);
        long double fd_s = dy[i] * (PRELU((long double)x[i], s + hs) - PRELU((long double)x[i], s - hs)) / (2 * hs);
#undef PRELU
        CHECK(close_enough(dx[i], fd_x, dy[i]), "prelu x=%a slope=%g dy=%g: dx=%.9g, finite difference %.9Lg", x[i],
              slope[i], dy[i], dx[i], fd_x);
        CHECK(close_enough(dslope[i], fd_s, dy[i]), "prelu x=%a slope=%g dy=%g: dslope=%.9g, finite difference %.9Lg",
              x[i], slope[i], dy[i], dslope[i], fd_s);
    }
}

int main(void)
{
    size_t nc;
    const struct tu_case *cases = tu_cases(&nc);
    for (size_t i = 0; i < nc; i++)
        check_case(&cases[i], i);
    check_prelu();
    return harness_finish();
}
