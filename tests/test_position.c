/*
 * An element's result depends on its input alone, never on where it falls: for every registered
 * kernel (on this CPU) and every test case, the array is computed whole, then again in chunks of
 * every size from 1 to 2 * 16 + 1 and a few larger ones, so that each element passes through a
 * kernel's head, its vector loop and its tail (1 .. VLEN - 1 elements after the last full vector).
 * Every chunk must give the whole run's bits (NaN for NaN), out of place and in place (y == x
 * forward, dx == dy backward). A tail
 * computed by another formula (the scalar reference, which rounds differently from a vector
 * kernel that is not correctly rounded) fails this.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testutil.h"

#define STRIDE 262147u /* odd: 16,384 bit patterns, every exponent */
#define N_MIX 8192

static void run(const struct act_kernel *k, size_t n, const float *x, const float *dy, float *out,
                const struct act_params *p)
{
    if (k->dir == ACT_DIR_FWD)
        ((act_fwd_fn)k->fn)(n, x, out, p);
    else
        ((act_bwd_fn)k->fn)(n, x, dy, out, p);
}

/* The first element of out[0..n) that differs from want (*at), and whether there is one. */
static int differs(const float *out, const float *want, size_t n, size_t *at)
{
    *at = 0;
    for (size_t j = 0; j < n; j++)
        if (!tu_same(out[j], want[j])) {
            *at = j;
            return 1;
        }
    return 0;
}

int main(void)
{
    static const size_t big[] = {47, 63, 64, 65, 100, 127, 1000};
    size_t nk, nc;
    const struct act_kernel *ks = act_kernel_list(&nk);
    const struct tu_case *cases = tu_cases(&nc);
    size_t n_sweep = (size_t)(((uint64_t)1 << 32) / STRIDE) + 1, n = n_sweep + N_MIX;
    float *x = malloc(n * sizeof *x), *dy = malloc(n * sizeof *dy), *whole = malloc(n * sizeof *whole);
    float *part = malloc(n * sizeof *part);
    if (!x || !dy || !whole || !part) {
        fprintf(stderr, "test_position: out of memory\n");
        return 1;
    }
    struct tu_rng r;
    tu_rng_init(&r, 907);
    for (size_t i = 0; i < n_sweep; i++)
        x[i] = tu_from_bits((uint32_t)((uint64_t)i * STRIDE + 12345u));
    tu_fill_dy(&r, dy, n);
    size_t kernels = 0, runs = 0;
    for (size_t i = 0; i < nk; i++) {
        const struct act_kernel *k = &ks[i];
        if (!act_cpu_has(k->isa)) {
            harness_skip(1, "%s: CPU lacks its ISA", k->name);
            continue;
        }
        kernels++;
        for (size_t c = 0; c < nc; c++) {
            if (cases[c].d.op != k->op || (k->dir == ACT_DIR_BWD_Y && !tu_case_has_bwdy(&cases[c])))
                continue;
            tu_fill_x(&r, &cases[c].d, x + n_sweep, N_MIX);
            run(k, n, x, dy, whole, &cases[c].p);
            size_t bad = 0;
            for (size_t m = 1; m <= 33 + sizeof big / sizeof big[0] && !bad; m++) {
                size_t len = m <= 33 ? m : big[m - 34];
                for (size_t o = 0; o < n; o += len) {
                    size_t l = n - o < len ? n - o : len;
                    run(k, l, x + o, dy + o, part + o, &cases[c].p);
                }
                runs++;
                size_t j;
                int d = differs(part, whole, n, &j);
                bad += !CHECK(!d, "%s (%s), chunks of %zu: x=%a dy=%a gives %a in a chunk, %a in the whole array",
                              k->name, cases[c].label, len, (double)x[j], (double)dy[j], (double)part[j],
                              (double)whole[j]);
            }
            /* in place (y == x forward, dx == dy backward), in chunks around the vector widths */
            static const size_t inplace[] = {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33};
            int fwd = k->dir == ACT_DIR_FWD;
            for (size_t q = 0; q < sizeof inplace / sizeof inplace[0] && !bad; q++) {
                size_t len = inplace[q];
                memcpy(part, fwd ? x : dy, n * sizeof *part);
                for (size_t o = 0; o < n; o += len) {
                    size_t l = n - o < len ? n - o : len;
                    run(k, l, fwd ? part + o : x + o, part + o, part + o, &cases[c].p);
                }
                runs++;
                size_t j;
                int d = differs(part, whole, n, &j);
                bad += !CHECK(!d, "%s (%s), in place in chunks of %zu: x=%a dy=%a gives %a, %a in the whole array",
                              k->name, cases[c].label, len, (double)x[j], (double)dy[j], (double)part[j],
                              (double)whole[j]);
            }
        }
    }
    printf("%zu kernels, %zu chunked runs of %zu elements each\n", kernels, runs, n);
    free(x), free(dy), free(whole), free(part);
    return harness_finish();
}
