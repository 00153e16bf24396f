/* Thin AVX2 wrappers (8 x float) for the generic kernels in simd/linear-impl.h and friends. */
#ifndef ACTLAB_VEC_AVX2_H
#define ACTLAB_VEC_AVX2_H
#include <immintrin.h>

#define VEC_ISA avx2
#define VLEN 8
typedef __m256 vf;
#define vf_load(p) _mm256_loadu_ps(p)
#define vf_store(p, v) _mm256_storeu_ps(p, v)
#define vf_set1(s) _mm256_set1_ps(s)
#define vf_zero() _mm256_setzero_ps()
#define vf_add(a, b) _mm256_add_ps(a, b)
#define vf_mul(a, b) _mm256_mul_ps(a, b)
#define vf_and(a, b) _mm256_and_ps(a, b)
#define vf_or(a, b) _mm256_or_ps(a, b)
#define vf_andnot(m, a) _mm256_andnot_ps(m, a) /* ~m & a */
/* Ordered, quiet comparisons (false when either side is NaN), as C's < > <= on floats. */
#define vf_lt(a, b) _mm256_cmp_ps(a, b, _CMP_LT_OQ)
#define vf_gt(a, b) _mm256_cmp_ps(a, b, _CMP_GT_OQ)
#define vf_le(a, b) _mm256_cmp_ps(a, b, _CMP_LE_OQ)
#define vf_isnan(a) _mm256_cmp_ps(a, a, _CMP_UNORD_Q)
static inline vf vf_select(vf m, vf a, vf b) { return _mm256_blendv_ps(b, a, m); }
#endif
