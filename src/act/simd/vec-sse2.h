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
/* m ? a : b, lane by lane (m all-ones or all-zeros per lane). */
static inline vf vf_select(vf m, vf a, vf b) { return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b)); }
#endif
