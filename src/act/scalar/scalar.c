/*
 * Scalar kernels: the portable fallback. Each is the reference's element function
 * with a constant op, so the compiler folds the op switch away; the maths (double
 * precision, one rounding) is exactly the reference's.
 */
#include "../kernels.h"
#include "../ref.h"

#define BODY_FWD(OP)                                                                     \
    (size_t n, const float *x, float *y, const struct act_params *p)                     \
    {                                                                                    \
        for (size_t i = 0; i < n; i++)                                                   \
            y[i] = ref_fwd1(ACT_OP_##OP, p, x[i]);                                       \
    }
#define BODY_BWD(OP)                                                                     \
    (size_t n, const float *x, const float *dy, float *dx, const struct act_params *p)   \
    {                                                                                    \
        for (size_t i = 0; i < n; i++)                                                   \
            dx[i] = ref_bwd1(ACT_OP_##OP, p, x[i], dy[i]);                               \
    }
#define BODY_BWD_Y(OP)                                                                   \
    (size_t n, const float *y, const float *dy, float *dx, const struct act_params *p)   \
    {                                                                                    \
        for (size_t i = 0; i < n; i++)                                                   \
            dx[i] = ref_bwdy1(ACT_OP_##OP, p, y[i], dy[i]);                              \
    }

/* Emit a definition for the registry's scalar lines only. */
#define SCALAR_ONLY_SCALAR(op, OP, dir, DIR, var) void act_f32_##op##_##dir##__scalar_##var BODY_##DIR(OP)
#define SCALAR_ONLY_SSE2(op, OP, dir, DIR, var)
#define SCALAR_ONLY_AVX2(op, OP, dir, DIR, var)
#define SCALAR_ONLY_AVX512(op, OP, dir, DIR, var)
#define SCALAR_ONLY_NEON(op, OP, dir, DIR, var)
#define ACT_KERNEL(op, OP, dir, DIR, isa, ISA, var) SCALAR_ONLY_##ISA(op, OP, dir, DIR, var)
#include "../kernels.inc"
#undef ACT_KERNEL
