/* Thin SSE2 wrappers (4 x float) for the generic kernels in simd/linear-impl.h and friends. */
#ifndef ACTLAB_VEC_SSE2_H
#define ACTLAB_VEC_SSE2_H
#include <emmintrin.h>

#define VEC_ISA sse2
#define VLEN 4
typedef __m128 vf;
#define vf_load(p) _mm_loadu_ps(p)
#define vf_store(p, v) _mm_storeu_ps(p, v)
#define vf_set1(s) _mm_set1_ps(s)
#define vf_zero() _mm_setzero_ps()
#define vf_add(a, b) _mm_add_ps(a, b)
#define vf_mul(a, b) _mm_mul_ps(a, b)
#define vf_and(a, b) _mm_and_ps(a, b)
#define vf_or(a, b) _mm_or_ps(a, b)
#define vf_andnot(m, a) _mm_andnot_ps(m, a) /* ~m & a */
/* Ordered comparisons (false when either side is NaN), as C's < > <= on floats. */
#define vf_lt(a, b) _mm_cmplt_ps(a, b)
#define vf_gt(a, b) _mm_cmpgt_ps(a, b)
#define vf_le(a, b) _mm_cmple_ps(a, b)
#define vf_isnan(a) _mm_cmpunord_ps(a, a)
/* Non-temporal store (p 16-byte aligned), and the fence that orders such stores. */
#define VF_ALIGN 16
#define vf_stream(p, v) _mm_stream_ps(p, v)
#define vf_sfence() _mm_sfence()
/* m ? a : b, lane by lane (m all-ones or all-zeros per lane). */
static inline vf vf_select(vf m, vf a, vf b) { return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b)); }
/* a NaN ? a : r (AVX-512 does it in one vfixupimm) */
static inline vf vf_nan_pass(vf a, vf r) { return vf_select(vf_isnan(a), a, r); }
/* max / min that return b, bit for bit, when a or b is NaN (and b when both are zeros): x86's rule. */
#define VF_MINMAX_B_ON_NAN 1
#define vf_max_b(a, b) _mm_max_ps(a, b)
#define vf_min_b(a, b) _mm_min_ps(a, b)
#endif

/* Double lanes: one vf is split into VF_HALVES vd of VDLEN doubles each. */
#ifndef ACTLAB_VEC_SSE2_VD
#define ACTLAB_VEC_SSE2_VD
#define VDLEN 2
typedef __m128d vd;
#define vd_set1(s) _mm_set1_pd(s)
#define vd_load(p) _mm_loadu_pd(p)
#define vd_store(p, v) _mm_storeu_pd(p, v)
#define vd_add(a, b) _mm_add_pd(a, b)
#define vd_sub(a, b) _mm_sub_pd(a, b)
#define vd_mul(a, b) _mm_mul_pd(a, b)
#define vd_div(a, b) _mm_div_pd(a, b)
#define vd_fma(a, b, c) _mm_add_pd(_mm_mul_pd(a, b), c) /* SSE2 has no FMA; callers' error budgets allow it */
#define vd_max(a, b) _mm_max_pd(a, b) /* NaN in a gives b: callers re-select NaN lanes at the end */
#define vd_min(a, b) _mm_min_pd(a, b)
#define vd_and(a, b) _mm_and_pd(a, b)
#define vd_or(a, b) _mm_or_pd(a, b)
#define vd_andnot(m, a) _mm_andnot_pd(m, a)
#define vd_lt(a, b) _mm_cmplt_pd(a, b)
#define vd_gt(a, b) _mm_cmpgt_pd(a, b)
#define vd_le(a, b) _mm_cmple_pd(a, b)
#define vd_ge(a, b) _mm_cmpge_pd(a, b)
#define vd_eq(a, b) _mm_cmpeq_pd(a, b)
static inline vd vd_select(vd m, vd a, vd b) { return _mm_or_pd(_mm_and_pd(m, a), _mm_andnot_pd(m, b)); }
/* Integer view for building 2^n. */
#define vd_bits_add_shl52(t, k) _mm_castsi128_pd(_mm_slli_epi64(_mm_add_epi64(_mm_castpd_si128(t), _mm_set1_epi64x(k)), 52))
/* Widen the low / high half of a vf to double; narrow two vd back (round to nearest). */
#define vd_from_lo(v) _mm_cvtps_pd(v)
#define vd_from_hi(v) _mm_cvtps_pd(_mm_movehl_ps(v, v))
#define vf_from_vd(lo, hi) _mm_movelh_ps(_mm_cvtpd_ps(lo), _mm_cvtpd_ps(hi))
#endif
