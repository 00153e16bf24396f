/*
 * Thin NEON wrappers (aarch64: 4 x float, 2 x double) for the generic kernels in
 * simd/linear-impl.h and friends, with the semantics of vec-sse2.h: comparisons are ordered
 * and return all-ones / all-zeros lanes, kept in float (double) vectors like the x86 masks,
 * so the generic code can and/or/select with them. NEON is baseline on aarch64: no flags.
 */
#ifndef ACTLAB_VEC_NEON_H
#define ACTLAB_VEC_NEON_H
#include <arm_neon.h>

#define VEC_ISA neon
#define VLEN 4
typedef float32x4_t vf;
#define vf_load(p) vld1q_f32(p)
#define vf_store(p, v) vst1q_f32(p, v)
#define vf_set1(s) vdupq_n_f32(s)
#define vf_zero() vdupq_n_f32(0.0f)
#define vf_add(a, b) vaddq_f32(a, b)
#define vf_mul(a, b) vmulq_f32(a, b)
static inline vf vf_and(vf a, vf b)
{
    return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(a), vreinterpretq_u32_f32(b)));
}
static inline vf vf_or(vf a, vf b)
{
    return vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(a), vreinterpretq_u32_f32(b)));
}
/* ~m & a (operands in the x86 order; vbicq computes a & ~m). */
static inline vf vf_andnot(vf m, vf a)
{
    return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(a), vreinterpretq_u32_f32(m)));
}
/* Ordered comparisons (false when either side is NaN), as C's < > <= on floats. */
#define vf_lt(a, b) vreinterpretq_f32_u32(vcltq_f32(a, b))
#define vf_gt(a, b) vreinterpretq_f32_u32(vcgtq_f32(a, b))
#define vf_le(a, b) vreinterpretq_f32_u32(vcleq_f32(a, b))
#define vf_isnan(a) vreinterpretq_f32_u32(vmvnq_u32(vceqq_f32(a, a))) /* !(a == a) */
/* m ? a : b, lane by lane (m all-ones or all-zeros per lane). */
static inline vf vf_select(vf m, vf a, vf b) { return vbslq_f32(vreinterpretq_u32_f32(m), a, b); }
/* a NaN ? a : r (AVX-512 does it in one vfixupimm) */
static inline vf vf_nan_pass(vf a, vf r) { return vf_select(vf_isnan(a), a, r); }
#endif

/* Double lanes: one vf is split into two vd of VDLEN doubles each. */
#ifndef ACTLAB_VEC_NEON_VD
#define ACTLAB_VEC_NEON_VD
#define VDLEN 2
typedef float64x2_t vd;
#define vd_set1(s) vdupq_n_f64(s)
#define vd_load(p) vld1q_f64(p)
#define vd_store(p, v) vst1q_f64(p, v)
#define vd_add(a, b) vaddq_f64(a, b)
#define vd_sub(a, b) vsubq_f64(a, b)
#define vd_mul(a, b) vmulq_f64(a, b)
#define vd_div(a, b) vdivq_f64(a, b)
#define vd_fma(a, b, c) vfmaq_f64(c, a, b) /* a * b + c, rounded once */
/* NaN in either operand gives NaN (x86 gives b when a is NaN): callers re-select NaN lanes at
 * the end and only clamp with finite bounds, so +-inf still clamp to the bound as on x86. */
#define vd_max(a, b) vmaxq_f64(a, b)
#define vd_min(a, b) vminq_f64(a, b)
static inline vd vd_and(vd a, vd b)
{
    return vreinterpretq_f64_u64(vandq_u64(vreinterpretq_u64_f64(a), vreinterpretq_u64_f64(b)));
}
static inline vd vd_or(vd a, vd b)
{
    return vreinterpretq_f64_u64(vorrq_u64(vreinterpretq_u64_f64(a), vreinterpretq_u64_f64(b)));
}
static inline vd vd_andnot(vd m, vd a)
{
    return vreinterpretq_f64_u64(vbicq_u64(vreinterpretq_u64_f64(a), vreinterpretq_u64_f64(m)));
}
#define vd_lt(a, b) vreinterpretq_f64_u64(vcltq_f64(a, b))
#define vd_gt(a, b) vreinterpretq_f64_u64(vcgtq_f64(a, b))
#define vd_le(a, b) vreinterpretq_f64_u64(vcleq_f64(a, b))
#define vd_ge(a, b) vreinterpretq_f64_u64(vcgeq_f64(a, b))
#define vd_eq(a, b) vreinterpretq_f64_u64(vceqq_f64(a, b))
static inline vd vd_select(vd m, vd a, vd b) { return vbslq_f64(vreinterpretq_u64_f64(m), a, b); }
/* Integer view for building 2^n: ((bits of t) + k) << 52, lane by lane. */
#define vd_bits_add_shl52(t, k)                                                                  \
    vreinterpretq_f64_u64(vshlq_n_u64(vaddq_u64(vreinterpretq_u64_f64(t), vdupq_n_u64((uint64_t)(k))), 52))
/* Widen the low / high half of a vf to double; narrow two vd back (round to nearest, FPCR default). */
#define vd_from_lo(v) vcvt_f64_f32(vget_low_f32(v))
#define vd_from_hi(v) vcvt_f64_f32(vget_high_f32(v))
#define vf_from_vd(lo, hi) vcombine_f32(vcvt_f32_f64(lo), vcvt_f32_f64(hi))
#endif
