/*
 * The AVX-512 kernels are the AVX2 kernels' sources at twice the width (simd/vec-avx512.h), so
 * each lane must compute the same bits: for every AVX-512 kernel and its AVX2 twin (same op,
 * direction and maths: u64/u32, f64_u16/f64_u8, p5_u16/p5_u8, t8_u16/t8_u8, ff_u16/ff_u8),
 * every test case, outputs are compared bit for bit (NaN for NaN) over a strided sweep of all
 * float bit patterns (so the exhaustive sweeps of the AVX2 kernels hold for these too) and the random
 * mixture of tu_fill_x. Skipped, and counted, where the CPU lacks AVX-512 or AVX2 (run through
 * SIMDe by `make test-avx512` on such machines). The pf kernels are AVX-512's own float-lane
 * maths, with no AVX2 twin (on AVX2 they were no faster): test_kernels and test_sweep check them
 * against the reference and the oracle like any kernel, and their exhaustive sweeps are their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testutil.h"

#define STRIDE 4099u /* odd: the sweep visits 1,047,807 bit patterns of every exponent */
#define N_MIX 50000

/* The AVX2 kernel of k's maths, or NULL. */
static const struct act_kernel *twin(const struct act_kernel *ks, size_t nk, const struct act_kernel *k)
{
    static const char *const var[][2] = {{"_u64", "_u32"}, {"_f64_u16", "_f64_u8"}, {"_p5_u16", "_p5_u8"},
                                         {"_t8_u16", "_t8_u8"}, {"_ff_u16", "_ff_u8"}};
    const char *at = strstr(k->name, "__avx512_");
    if (!at)
        return NULL;
    char want[128];
    for (size_t v = 0; v < sizeof var / sizeof var[0]; v++)
        if (!strcmp(at + strlen("__avx512"), var[v][0])) {
            snprintf(want, sizeof want, "%.*s__avx2%s", (int)(at - k->name), k->name, var[v][1]);
            for (size_t i = 0; i < nk; i++)
                if (!strcmp(ks[i].name, want))
                    return &ks[i];
        }
    return NULL;
}

int main(void)
{
    size_t nk, nc;
    const struct act_kernel *ks = act_kernel_list(&nk);
    const struct tu_case *cases = tu_cases(&nc);
    size_t n_sweep = (size_t)(((uint64_t)1 << 32) / STRIDE) + 1, n = n_sweep + N_MIX;
    float *x = malloc(n * sizeof *x), *dy = malloc(n * sizeof *dy);
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    if (!x || !dy || !a || !b) {
        fprintf(stderr, "test_isa_agree: out of memory\n");
        return 1;
    }
    struct tu_rng r;
    tu_rng_init(&r, 512);
    for (size_t i = 0; i < n_sweep; i++)
        x[i] = tu_from_bits((uint32_t)((uint64_t)i * STRIDE));
    tu_fill_dy(&r, dy, n);
    size_t pairs = 0, own = 0;
    for (size_t i = 0; i < nk; i++) {
        const struct act_kernel *k = &ks[i];
        if (k->isa != ACT_ISA_AVX512)
            continue;
        if (strstr(k->name, "__avx512_pf_")) { /* AVX-512's own maths (simd/fast-impl.h, FKNW): no twin */
            own++;
            continue;
        }
        const struct act_kernel *t = twin(ks, nk, k);
        if (!CHECK(t != NULL, "%s: no AVX2 twin in the registry", k->name))
            continue;
        if (!act_cpu_has(ACT_ISA_AVX512) || !act_cpu_has(ACT_ISA_AVX2)) {
            harness_skip(1, "%s: CPU lacks AVX-512 (make test-avx512 runs it through SIMDe)", k->name);
            continue;
        }
        pairs++;
        for (size_t c = 0; c < nc; c++) {
            if (cases[c].d.op != k->op)
                continue;
            tu_fill_x(&r, &cases[c].d, x + n_sweep, N_MIX);
            struct tu_path pk = {TU_PATH_KERNEL, k, k->name}, pt = {TU_PATH_KERNEL, t, t->name};
            tu_run(&pk, &cases[c], k->dir, n, x, dy, a);
            tu_run(&pt, &cases[c], t->dir, n, x, dy, b);
            size_t bad = 0, first = 0;
            for (size_t j = 0; j < n; j++)
                if (!tu_same(a[j], b[j]) && !bad++)
                    first = j;
            CHECK(bad == 0, "%s (%s) vs %s: %zu outputs differ, first x=%a: %a vs %a", k->name, cases[c].label,
                  t->name, bad, (double)x[first], (double)a[first], (double)b[first]);
        }
    }
    printf("%zu AVX-512 kernels compared with their AVX2 twins, %zu of AVX-512's own maths (pf) left out\n", pairs, own);
    free(x), free(dy), free(a), free(b);
    return harness_finish();
}
