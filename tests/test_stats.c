/*
 * act_forward_stats: y as act_forward's, and the counts and sums against a naive pass over
 * (x, y): count, zeros (+0 and -0), negatives (x < 0), nonfinite (y NaN or inf), sum and
 * sum_sq over finite y. Statistics accumulate across calls.
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

int main(void)
{
    size_t nc;
    const struct tu_case *cases = tu_cases(&nc);
    float x[2] = {1, -1}, y[2];
    for (size_t i = 0; i < nc; i++)
        check_case(&cases[i], i);
    CHECK(act_forward_stats(&cases[0].d, 2, x, y, NULL) == ACT_ERR_INVALID_ARG, "NULL stats is not INVALID_ARG");
    return harness_finish();
}
