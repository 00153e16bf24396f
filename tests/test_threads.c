/*
 * Thread-count invariance: act_forward, act_backward and act_backward_from_output give the same
 * bits with 1, 2, 3 and 4 threads, for every op, at sizes past the threading threshold (odd ones,
 * so chunk boundaries and tails differ), in place and out of place.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testutil.h"

#define N 200003

int main(void)
{
    float *x = malloc(N * sizeof *x), *dy = malloc(N * sizeof *dy);
    float *ref = malloc(N * sizeof *ref), *out = malloc(N * sizeof *out);
    struct tu_rng r;
    tu_rng_init(&r, 4242);
    static const size_t sizes[] = {65536, 65537 + 64 * 3, N};
    for (int op = 0; op < ACT_OP_COUNT; op++) {
        struct act_desc d;
        act_desc_init(&d, (enum act_op)op);
        d.threshold = 0.1f, d.value = 20;
        tu_fill_x(&r, &d, x, N);
        tu_fill_dy(&r, dy, N);
        for (int dir = 0; dir < 3; dir++) {
            if (dir == 2 && !act_supports_backward_from_output(&d))
                continue;
            for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
                size_t n = sizes[s];
                for (int t = 1; t <= 4; t++) {
                    act_set_num_threads(t);
                    for (int in_place = 0; in_place < 2; in_place++) {
                        float *dst = t == 1 && !in_place ? ref : out;
                        if (in_place)
                            memcpy(dst, dir == 0 ? x : dy, n * sizeof *dst);
                        enum act_status st =
                            dir == 0   ? act_forward(&d, n, in_place ? dst : x, dst)
                            : dir == 1 ? act_backward(&d, n, x, in_place ? dst : dy, dst)
                                       : act_backward_from_output(&d, n, x, in_place ? dst : dy, dst);
                        CHECK(st == ACT_OK, "%s dir %d: status %d", act_op_name((enum act_op)op), dir, st);
                        if (dst != ref)
                            CHECK(memcmp(dst, ref, n * sizeof *dst) == 0, "%s dir %d n=%zu threads=%d %s: bits differ",
                                  act_op_name((enum act_op)op), dir, n, t, in_place ? "in place" : "out of place");
                    }
                }
            }
        }
    }
    act_set_num_threads(1);
    free(x);
    free(dy);
    free(ref);
    free(out);
    return harness_finish();
}
