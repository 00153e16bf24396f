/*
 * The out-of-cache path (n >= 4M floats: non-temporal stores from the first aligned output on).
 * Every kernel the CPU runs, at an n past the threshold and a misaligned output, in place and out
 * of place, must write nothing outside [0, n) and give:
 *  - piecewise-linear kernels (head peeled through the reference): exactly the reference's bits;
 *  - the other kernels of backward from the output, and the float-lane hardswish, hardsigmoid
 *    and softsign kernels (`_ff_`) (the float-lane ones have a non-temporal path with a head and
 *    tail through the vector formula; the double-lane ones must simply not depend on n): exactly
 *    the bits of the same kernel called on aligned chunks of 4096, which stay in cache.
 * NaN compares equal to NaN.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testutil.h"

#define N ((1u << 22) + 37)
#define GUARD 16 /* floats: 64 bytes, so out + GUARD is aligned for any vector */
#define CHUNK 4096

static int is_linear(enum act_op op)
{
    return op == ACT_OP_IDENTITY || op == ACT_OP_RELU || op == ACT_OP_LEAKY_RELU || op == ACT_OP_PRELU ||
           op == ACT_OP_RRELU || op == ACT_OP_RELU6 || op == ACT_OP_HARDTANH || op == ACT_OP_THRESHOLD;
}

int main(void)
{
    size_t nk;
    const struct act_kernel *ks = act_kernel_list(&nk);
    float *x = malloc((N + 2 * GUARD) * sizeof *x), *dy = malloc(N * sizeof *dy);
    size_t out_bytes = ((N + 2 * GUARD + 1) * sizeof(float) + 63) / 64 * 64;
    float *out = aligned_alloc(64, out_bytes), *want = malloc(N * sizeof *want);
    struct tu_rng r;
    tu_rng_init(&r, 77);
    struct act_desc mix; /* one random mixture (specials, kinks of relu6 and hardtanh, tails) for all */
    act_desc_init(&mix, ACT_OP_HARDTANH);
    tu_fill_x(&r, &mix, x, N);
    tu_fill_dy(&r, dy, N);
    for (size_t k = 0; k < nk; k++) {
        const struct act_kernel *kn = &ks[k];
        int nt_kernel = is_linear(kn->op) || kn->dir == ACT_DIR_BWD_Y || strstr(kn->name, "_ff_");
        if (kn->isa == ACT_ISA_SCALAR || !nt_kernel)
            continue;
        if (!act_cpu_has(kn->isa)) {
            harness_skip(1, "%s: CPU lacks %s", kn->name, act_isa_name(kn->isa));
            continue;
        }
        struct act_desc d;
        act_desc_init(&d, kn->op);
        d.threshold = 0.1f, d.value = 20;
        struct act_params p;
        act_params_from_desc(&d, &p);
        if (kn->dir == ACT_DIR_BWD_Y && !act_ref_has_bwdy(kn->op, &p))
            continue;
        if (is_linear(kn->op))
            for (size_t i = 0; i < N; i++)
                want[i] = kn->dir == ACT_DIR_FWD   ? act_ref_fwd1(kn->op, &p, x[i])
                          : kn->dir == ACT_DIR_BWD ? act_ref_bwd1(kn->op, &p, x[i], dy[i])
                                                   : act_ref_bwdy1(kn->op, &p, x[i], dy[i]);
        else /* chunks of 4096 stay below the threshold, so in cache */
            for (size_t i = 0; i < N; i += CHUNK) {
                size_t m = N - i < CHUNK ? N - i : CHUNK;
                if (kn->dir == ACT_DIR_FWD)
                    ((act_fwd_fn)kn->fn)(m, x + i, want + i, &p);
                else
                    ((act_bwd_fn)kn->fn)(m, x + i, dy + i, want + i, &p);
            }
        /* modes: 0 out of place, 1 in place (y = x, or dx = dy), 2 in place dx = x (backward
         * only), all with a misaligned output; 3 out of place with an aligned output (no head) */
        static const char *const mode_names[] = {"out of place", "in place", "in place dx = x", "aligned"};
        for (int mode = 0; mode < 4; mode++) {
            if (mode == 2 && kn->dir == ACT_DIR_FWD)
                continue;
            /* 4 bytes past a 64-byte boundary: misaligned for any vector; or on the boundary */
            float *o = mode == 3 ? out + GUARD : out + GUARD + 1;
            for (size_t i = 0; i < GUARD; i++)
                o[-1 - (long)i] = o[N + i] = 12345.0f;
            const float *a = x;
            const float *g = dy;
            if (mode == 1 || mode == 2) {
                int into_x = kn->dir == ACT_DIR_FWD || mode == 2;
                memcpy(o, into_x ? x : dy, N * sizeof *o);
                if (into_x)
                    a = o;
                else
                    g = o;
            }
            if (kn->dir == ACT_DIR_FWD)
                ((act_fwd_fn)kn->fn)(N, a, o, &p);
            else
                ((act_bwd_fn)kn->fn)(N, a, g, o, &p);
            size_t bad = 0, first = 0;
            for (size_t i = 0; i < N; i++)
                if (!(isnan(o[i]) && isnan(want[i])) && memcmp(&o[i], &want[i], sizeof(float)) != 0 && !bad++)
                    first = i;
            CHECK(bad == 0, "%s %s: %zu outputs differ from the %s, first at %zu: x=%a got %a want %a",
                  kn->name, mode_names[mode], bad,
                  is_linear(kn->op) ? "reference" : "chunked in-cache call", first, x[first], o[first], want[first]);
            int guards = 1;
            for (size_t i = 0; i < GUARD; i++)
                guards &= o[-1 - (long)i] == 12345.0f && o[N + i] == 12345.0f;
            CHECK(guards, "%s %s: wrote outside [0, n)", kn->name, mode_names[mode]);
        }
    }
    free(x);
    free(dy);
    free(out);
    free(want);
    return harness_finish();
}
