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

/*
 * k over x (and dy) in chunks of len, out of place into part, or in place (y == x forward,
 * dx == dy backward: part starts as a copy of that input); compared bit for bit with whole.
 * Returns 1 when every element matches.
 */
static int chunked(const struct act_kernel *k, const struct tu_case *c, size_t len, int in_place, size_t n,
                   const float *x, const float *dy, const float *whole, float *part)
{
    struct tu_path kp = {TU_PATH_KERNEL, k, k->name};
    int fwd = k->dir == ACT_DIR_FWD;
    if (in_place)
        memcpy(part, fwd ? x : dy, n * sizeof *part);
    for (size_t o = 0; o < n; o += len) {
        size_t l = n - o < len ? n - o : len;
        const float *a = in_place && fwd ? part + o : x + o, *g = in_place && !fwd ? part + o : dy + o;
        tu_run(&kp, c, k->dir, l, a, g, part + o);
    }
    size_t j = 0;
    while (j < n && tu_same(part[j], whole[j]))
        j++;
    size_t at = j < n ? j : 0; /* the message's arguments are evaluated either way */
    return CHECK(j == n, "%s (%s), %sin chunks of %zu: x=%a dy=%a gives %a, %a in the whole array", k->name, c->label,
                 in_place ? "in place " : "", len, (double)x[at], (double)dy[at], (double)part[at], (double)whole[at]);
}

int main(void)
{
    static const size_t big[] = {47, 63, 64, 65, 100, 127, 1000};
    static const size_t inplace[] = {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33}; /* around the vector widths */
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
            struct tu_path kp = {TU_PATH_KERNEL, k, k->name};
            tu_run(&kp, &cases[c], k->dir, n, x, dy, whole);
            int ok = 1;
            for (size_t m = 0; m < 33 + sizeof big / sizeof big[0] && ok; m++, runs++)
                ok = chunked(k, &cases[c], m < 33 ? m + 1 : big[m - 33], 0, n, x, dy, whole, part);
            for (size_t q = 0; q < sizeof inplace / sizeof inplace[0] && ok; q++, runs++)
                ok = chunked(k, &cases[c], inplace[q], 1, n, x, dy, whole, part);
        }
    }
    printf("%zu kernels, %zu chunked runs of %zu elements each\n", kernels, runs, n);
    free(x), free(dy), free(whole), free(part);
    return harness_finish();
}
