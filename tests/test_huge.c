/*
 * n > 2^31 (label slow: 8.6 GB): relu and leaky_relu forward in place and sigmoid forward and
 * relu backward in place over 2^31 + 17 elements, as a single call and on 2 threads. Elements
 * are checked on a stride and at the end, where an index that overflowed 32 bits would show.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "testutil.h"

#define N (((size_t)1 << 31) + 17)

static float value(size_t i) { return (float)((long)(i % 2001) - 1000) / 64.0f; }

static void check(const char *what, const float *y, const struct act_desc *d, int bwd)
{
    struct act_params p;
    act_params_from_desc(d, &p);
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < N; i += (i < N - 4096 ? 65537 : 1)) {
        float want = bwd ? act_ref_bwd1(d->op, &p, value(i), 1.0f) : act_ref_fwd1(d->op, &p, value(i));
        if (fabsf(y[i] - want) > 1e-6f * fabsf(want) && !bad++)
            first = i;
    }
    CHECK(bad == 0, "%s: %zu sampled outputs wrong, first at %zu", what, bad, first);
}

int main(void)
{
    float *x = malloc(N * sizeof *x);
    if (!x) {
        harness_skip(1, "cannot allocate %zu floats", N);
        return harness_finish();
    }
    static const char *const specs[] = {"relu", "leaky_relu", "sigmoid"};
    for (int threads = 1; threads <= 2; threads++) {
        act_set_num_threads(threads);
        for (int s = 0; s < 3; s++) {
            struct act_desc d;
            act_parse(specs[s], &d);
            for (size_t i = 0; i < N; i++)
                x[i] = value(i);
            CHECK(act_forward(&d, N, x, x) == ACT_OK, "%s forward", specs[s]);
            check(specs[s], x, &d, 0);
        }
        struct act_desc relu;
        act_parse("relu", &relu);
        for (size_t i = 0; i < N; i++)
            x[i] = 1.0f; /* dy, overwritten in place by dx */
        float *xs = malloc(N * sizeof *xs);
        if (!xs) {
            harness_skip(1, "no memory for the backward case");
            continue;
        }
        for (size_t i = 0; i < N; i++)
            xs[i] = value(i);
        CHECK(act_backward(&relu, N, xs, x, x) == ACT_OK, "relu backward");
        check("relu backward", x, &relu, 1);
        free(xs);
    }
    free(x);
    return harness_finish();
}
