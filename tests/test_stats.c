/*
 * act_forward_stats: y as act_forward's, and the counts and sums against a naive pass over
 * (x, y): count, zeros (+0 and -0), negatives (x < 0), nonfinite (y NaN or inf), sum and
 * sum_sq over finite y. Statistics accumulate across calls. On every ISA this CPU runs; the ISAs
 * give the scalar code's bits, and the sums follow their documented order (simd/stats-impl.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "testutil.h"

#define N 1001
#define SUM_TOL 1e-12 /* relative to sum |y| (or sum y^2): the library's summation order is its own */

static void naive_stats(size_t n, const float *x, const float *y, struct act_stats *st, long double *abs_sum)
{
    long double sum = 0, sum_sq = 0;
    memset(st, 0, sizeof *st);
    *abs_sum = 0;
    for (size_t i = 0; i < n; i++) {
        st->count++;
        st->zeros += y[i] == 0;
        st->negatives += x[i] < 0;
        if (!isfinite(y[i])) {
            st->nonfinite++;
            continue;
        }
        sum += y[i];
        sum_sq += (long double)y[i] * y[i];
        *abs_sum += fabsf(y[i]);
    }
    st->sum = (double)sum;
    st->sum_sq = (double)sum_sq;
}

static int same_stats(const struct act_stats *a, const struct act_stats *b, long double abs_sum)
{
    return a->count == b->count && a->zeros == b->zeros && a->negatives == b->negatives &&
           a->nonfinite == b->nonfinite && fabsl((long double)a->sum - b->sum) <= SUM_TOL * abs_sum &&
           fabsl((long double)a->sum_sq - b->sum_sq) <= SUM_TOL * b->sum_sq;
}

#define STATS_FMT "count %llu zeros %llu negatives %llu nonfinite %llu sum %.17g sum_sq %.17g"
#define STATS_ARGS(s)                                                                                              \
    (unsigned long long)(s).count, (unsigned long long)(s).zeros, (unsigned long long)(s).negatives,            \
        (unsigned long long)(s).nonfinite, (s).sum, (s).sum_sq

static void check_case(const struct tu_case *c, size_t index)
{
    static float x[N], y[N], y_plain[N];
    struct act_stats st, want, halves, pre;
    long double abs_sum;
    struct tu_rng r;
    tu_rng_init(&r, 7000 + index);
    tu_fill_x(&r, &c->d, x, N);

    memset(&st, 0, sizeof st);
    enum act_status s = act_forward_stats(&c->d, N, x, y, &st);
    if (!CHECK(s == ACT_OK, "%s: act_forward_stats status %d", c->label, (int)s))
        return;
    act_forward(&c->d, N, x, y_plain);
    size_t diff = 0;
    for (size_t i = 0; i < N; i++)
        diff += !tu_same(y[i], y_plain[i]);
    CHECK(diff == 0, "%s: act_forward_stats's y differs from act_forward's in %zu of %d", c->label, diff, N);

    naive_stats(N, x, y, &want, &abs_sum);
    CHECK(same_stats(&st, &want, abs_sum), "%s: got " STATS_FMT ", want " STATS_FMT, c->label, STATS_ARGS(st),
          STATS_ARGS(want));

    /* Two calls add up to one; statistics already in *st are kept. */
    memset(&halves, 0, sizeof halves);
    act_forward_stats(&c->d, N / 2, x, y, &halves);
    act_forward_stats(&c->d, N - N / 2, x + N / 2, y + N / 2, &halves);
    CHECK(same_stats(&halves, &want, abs_sum), "%s: two halves give " STATS_FMT, c->label, STATS_ARGS(halves));
    pre = want;
    act_forward_stats(&c->d, N, x, y, &pre);
    CHECK(pre.count == 2 * want.count && pre.zeros == 2 * want.zeros && pre.negatives == 2 * want.negatives &&
              pre.nonfinite == 2 * want.nonfinite &&
              fabsl((long double)pre.sum - 2.0L * want.sum) <= 2 * SUM_TOL * abs_sum,
          "%s: a second call over the same data gives " STATS_FMT, c->label, STATS_ARGS(pre));

    /* In place (y == x). */
    memcpy(y, x, sizeof y);
    memset(&st, 0, sizeof st);
    act_forward_stats(&c->d, N, y, y, &st);
    CHECK(same_stats(&st, &want, abs_sum), "%s: in place gives " STATS_FMT, c->label, STATS_ARGS(st));
}

static const char *const isas[] = {"scalar", "sse2", "avx2", "avx512", "neon"};

static int same_bits(const struct act_stats *a, const struct act_stats *b)
{
    return a->count == b->count && a->zeros == b->zeros && a->negatives == b->negatives &&
           a->nonfinite == b->nonfinite && memcmp(&a->sum, &b->sum, sizeof a->sum) == 0 &&
           memcmp(&a->sum_sq, &b->sum_sq, sizeof a->sum_sq) == 0;
}

/* Every ISA gives the scalar code's statistics bit for bit where it gives the same y (the exact
 * piecewise-linear ops; a smooth op's y may differ by its ULP budget): n = 5000 (three blocks, a
 * tail), x over 2^+-40 so that the double sums round. */
static void check_isas_agree(const struct tu_case *cases, size_t nc)
{
    enum { M = 5000 };
    static float x[M], y[M], y_ref[M];
    size_t compared = 0;
    for (size_t i = 0; i < nc; i++) {
        struct tu_rng r;
        tu_rng_init(&r, 7500 + i);
        tu_fill_x(&r, &cases[i].d, x, M);
        for (size_t k = 0; k < M; k += 3)
            x[k] = ldexpf(x[k], (int)(tu_rng_next(&r) % 81) - 40);
        struct act_stats ref = {0}, got;
        act_set_max_isa("scalar");
        act_forward_stats(&cases[i].d, M, x, y_ref, &ref);
        for (size_t k = 1; k < sizeof isas / sizeof isas[0]; k++) {
            act_set_max_isa(isas[k]);
            if (strcmp(act_isa(), isas[k]))
                continue;
            memset(&got, 0, sizeof got);
            act_forward_stats(&cases[i].d, M, x, y, &got);
            if (memcmp(y, y_ref, sizeof y))
                continue;
            compared++;
            CHECK(same_bits(&got, &ref), "%s: %s gives " STATS_FMT ", scalar " STATS_FMT, cases[i].label, isas[k],
                  STATS_ARGS(got), STATS_ARGS(ref));
        }
    }
    act_set_max_isa("neon"); /* the last name: no cap */
    CHECK(compared >= 8 || !strcmp(act_isa(), "scalar"), "only %zu cases had the scalar code's y on another ISA",
          compared);
}

/* The documented order on data where it decides the sum (identity: y = x): 2^60 at position 0, 1 at
 * 1, -2^60 at 32 of a block: lanes 0, 1, 0, so the 1 survives (a sum in sequence absorbs it). */
static void check_order(const char *isa)
{
    float x[64], y[64];
    for (size_t i = 0; i < 64; i++)
        x[i] = 0;
    x[0] = 0x1p60f, x[1] = 1, x[32] = -0x1p60f;
    struct act_desc d;
    act_parse("identity", &d);
    struct act_stats st = {0};
    act_forward_stats(&d, 64, x, y, &st);
    CHECK(st.sum == 1, "%s: sum of 2^60, 1, -2^60 in lanes 0, 1, 0 is %a, not 1", isa, st.sum);
}

int main(void)
{
    size_t nc;
    const struct tu_case *cases = tu_cases(&nc);
    float x[2] = {1, -1}, y[2];
    for (size_t k = 0; k < sizeof isas / sizeof isas[0]; k++) {
        if (act_set_max_isa(isas[k]) != ACT_OK || strcmp(act_isa(), isas[k]))
            continue; /* this CPU lacks it */
        for (size_t i = 0; i < nc; i++)
            check_case(&cases[i], i);
        check_order(isas[k]);
    }
    check_isas_agree(cases, nc);
    CHECK(act_forward_stats(&cases[0].d, 2, x, y, NULL) == ACT_ERR_INVALID_ARG, "NULL stats is not INVALID_ARG");
    return harness_finish();
}
