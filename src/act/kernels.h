/* Declarations of every kernel in the registry (kernels.inc). */
#ifndef ACTLAB_KERNELS_H
#define ACTLAB_KERNELS_H

#include <math.h>
#include <stdint.h>

#include "internal.h"
#include "ref.h"

typedef void act_fwd_kernel(size_t n, const float *x, float *y, const struct act_params *p);
typedef void act_bwd_kernel(size_t n, const float *x, const float *dy, float *dx, const struct act_params *p);
/* Out of cache (n >= ACT_NT_MIN: 4M floats, 16 MiB per array, half this machine class's L3), the
 * memory-bound kernels store with non-temporal stores, which skip the read-for-ownership of the
 * output (simd/linear-impl.h, and backward from the output in simd/fast-impl.h). */
#define ACT_NT_MIN ((size_t)1 << 22)

#define ACT_KTYPE_FWD act_fwd_kernel
#define ACT_KTYPE_BWD act_bwd_kernel
#define ACT_KTYPE_BWD_Y act_bwd_kernel

/* PReLU with a slope per channel (simd/prelu-impl.h, one set per vector ISA; api.c has the scalar
 * set): a row's segment of a channel, dx and the dslope lanes (lane i mod ACT_PRELU_LANES), and the
 * inner == 1 rows with the slopes as a vector. */
#define ACT_PRELU_LANES 32
#define ACT_PRELU_DECL(isa)                                                                          \
    void act_prelu_bwd_seg__##isa(size_t n, const float *x, const float *dy, float *dx, float slope,   \
                                  double *acc);                                                      \
    void act_prelu_rows_fwd__##isa(size_t channels, const float *x, const float *slope, float *y,      \
                                   int slope_zero);                                                  \
    void act_prelu_rows_bwd__##isa(size_t channels, const float *x, const float *slope, const float *dy, \
                                   float *dx, double *acc);
/* act_forward_stats over one block (simd/stats-impl.h): sums in lane i mod ACT_STATS_LANES, lanes[0, 32)
 * of y and lanes[32, 64) of y^2; counts[0..2]: zeros, negatives, non-finite. */
#define ACT_STATS_LANES 32
#define ACT_STATS_DECL(isa)                                                                          \
    void act_stats_block__##isa(size_t m, const float *x, const float *y, double *lanes, uint64_t *counts);
/* The scalar forms of those loops, from element (or channel) i0 on: api.c's scalar path, and the
 * tails of the vector code, so that both follow one order. */
static inline void act_prelu_seg_from(size_t i0, size_t n, const float *x, const float *dy, float *dx, float slope,
                                      double *acc)
{
    struct act_params p = {0};
    p.slope = slope;
    for (size_t i = i0; i < n; i++) {
        float xi = x[i], g = dy[i];
        if (!(xi > 0)) /* NaN x poisons the channel's sum, as the policy wants */
            acc[i % ACT_PRELU_LANES] += (double)xi * g;
        if (dx)
            dx[i] = ref_bwd1(ACT_OP_PRELU, &p, xi, g);
    }
}
static inline void act_prelu_rows_fwd_from(size_t c0, size_t channels, const float *x, const float *slope, float *y)
{
    struct act_params p = {0};
    for (size_t c = c0; c < channels; c++) {
        p.slope = slope[c];
        y[c] = ref_fwd1(ACT_OP_PRELU, &p, x[c]);
    }
}
static inline void act_prelu_rows_bwd_from(size_t c0, size_t channels, const float *x, const float *slope,
                                           const float *dy, float *dx, double *acc)
{
    struct act_params p = {0};
    for (size_t c = c0; c < channels; c++) {
        float xc = x[c], g = dy[c];
        if (!(xc > 0))
            acc[c] += (double)xc * g;
        if (dx) {
            p.slope = slope[c];
            dx[c] = ref_bwd1(ACT_OP_PRELU, &p, xc, g);
        }
    }
}
static inline void act_stats_from(size_t i0, size_t m, const float *x, const float *y, double *lanes, uint64_t *counts)
{
    for (size_t i = i0; i < m; i++) {
        float v = y[i];
        counts[0] += v == 0;
        counts[1] += x[i] < 0;
        if (isfinite(v)) {
            lanes[i % ACT_STATS_LANES] += v;
            lanes[ACT_STATS_LANES + i % ACT_STATS_LANES] += (double)v * v;
        } else {
            counts[2]++;
        }
    }
}

#if defined(__x86_64__)
ACT_PRELU_DECL(sse2)
ACT_PRELU_DECL(avx2)
ACT_PRELU_DECL(avx512)
ACT_STATS_DECL(sse2)
ACT_STATS_DECL(avx2)
ACT_STATS_DECL(avx512)
#elif defined(__aarch64__)
ACT_PRELU_DECL(neon)
ACT_STATS_DECL(neon)
#endif

#define ACT_KERNEL(op, OP, dir, DIR, isa, ISA, var) ACT_KTYPE_##DIR act_f32_##op##_##dir##__##isa##_##var;
#include "kernels.inc"
#undef ACT_KERNEL

#endif
