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
#define vf_ge(a, b) _mm256_cmp_ps(a, b, _CMP_GE_OQ)
#define vf_eq(a, b) _mm256_cmp_ps(a, b, _CMP_EQ_OQ)
#define vf_isnan(a) _mm256_cmp_ps(a, a, _CMP_UNORD_Q)
/* Whether a >= b (ordered) in every lane: false if any lane is NaN. */
#define vf_all_ge(a, b) (_mm256_movemask_ps(_mm256_cmp_ps(a, b, _CMP_GE_OQ)) == 0xff)
/* Whether every lane of a comparison mask is set. */
#define vf_all(m) (_mm256_movemask_ps(m) == 0xff)
/* Float lanes, for the float-arithmetic kernels (simd/fast-impl.h: they need a fused multiply-add). */
#define VF_HAS_FMA 1
#define vf_sub(a, b) _mm256_sub_ps(a, b)
#define vf_div(a, b) _mm256_div_ps(a, b)
#define vf_fma(a, b, c) _mm256_fmadd_ps(a, b, c)
#define vf_fms(a, b, c) _mm256_fmsub_ps(a, b, c)   /* a b - c, rounded once */
#define vf_fnma(a, b, c) _mm256_fnmadd_ps(a, b, c) /* c - a b, rounded once */
#define vf_max(a, b) _mm256_max_ps(a, b) /* NaN in a gives b: callers re-select NaN lanes */
/* 2^n from t = n + 1.5*2^23 + 127 (the magic constant's bits shift out): one shift */
#define vf_pow2_from_magic127(t) _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 23))
/* 2^(k + bias) from t = k + 1.5*2^23 (k in the low mantissa bits): ((k + bias + 127) << 23). */
#define vf_pow2_from_magic(t, bias)                                                                 \
    _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(127 + (bias))), 23))
/* Non-temporal store (p 32-byte aligned), and the fence that orders such stores. */
#define VF_ALIGN 32
#define vf_stream(p, v) _mm256_stream_ps(p, v)
#define vf_sfence() _mm_sfence()
static inline vf vf_select(vf m, vf a, vf b) { return _mm256_blendv_ps(b, a, m); }
/* a NaN ? a : r (AVX-512 does it in one vfixupimm) */
static inline vf vf_nan_pass(vf a, vf r) { return vf_select(vf_isnan(a), a, r); }
/* max / min that return b, bit for bit, when a or b is NaN (and b when both are zeros): x86's rule. */
#define VF_MINMAX_B_ON_NAN 1
#define vf_max_b(a, b) _mm256_max_ps(a, b)
#define vf_min_b(a, b) _mm256_min_ps(a, b)

/* Integer lanes and table lookups for the float-lane kernels (simd/vmath-f.h). */
#define VF_HAS_INT_OPS 1
typedef __m256i vi;
/* One of 8 floats per lane by the low 3 bits of idx (vpermps). */
#define vf_lookup8(row, idx) _mm256_permutevar8x32_ps(_mm256_loadu_ps(row), idx)
/* The piece index of a (0 <= a < 15) in the low 3 bits (simd/vmath-f.h). */
#define vf_piece8(a) _mm256_srli_epi32(_mm256_castps_si256(vf_add(a, vf_set1(1.0f))), 22)
/* n from t = n + 1.5*2^23 (the rounding trick), as int32 lanes. */
#define vi_from_magic(t) _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(0x4b400000))
/* 2^n as floats (-126 <= n <= 127). */
#define vf_pow2_vi(n) _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23))
/* 2^n as doubles, for the low or high half of the int32 lanes of n (-1022 <= n <= 1023). */
#define vd_pow2_lo(n)                                                                           \
    _mm256_castsi256_pd(_mm256_slli_epi64(                                                      \
        _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(n)), _mm256_set1_epi64x(1023)), 52))
#define vd_pow2_hi(n)                                                                           \
    _mm256_castsi256_pd(_mm256_slli_epi64(                                                      \
        _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(n, 1)), _mm256_set1_epi64x(1023)), 52))
#endif

/* Double lanes: one vf is split into two vd of VDLEN doubles each. */
#ifndef ACTLAB_VEC_AVX2_VD
#define ACTLAB_VEC_AVX2_VD
#define VDLEN 4
typedef __m256d vd;
#define vd_set1(s) _mm256_set1_pd(s)
#define vd_load(p) _mm256_loadu_pd(p)
#define vd_store(p, v) _mm256_storeu_pd(p, v)
#define vd_add(a, b) _mm256_add_pd(a, b)
#define vd_sub(a, b) _mm256_sub_pd(a, b)
#define vd_mul(a, b) _mm256_mul_pd(a, b)
#define vd_div(a, b) _mm256_div_pd(a, b)
#define vd_fma(a, b, c) _mm256_fmadd_pd(a, b, c)
#define vd_max(a, b) _mm256_max_pd(a, b) /* NaN in a gives b: callers re-select NaN lanes at the end */
#define vd_min(a, b) _mm256_min_pd(a, b)
#define vd_and(a, b) _mm256_and_pd(a, b)
#define vd_or(a, b) _mm256_or_pd(a, b)
#define vd_andnot(m, a) _mm256_andnot_pd(m, a)
#define vd_lt(a, b) _mm256_cmp_pd(a, b, _CMP_LT_OQ)
#define vd_gt(a, b) _mm256_cmp_pd(a, b, _CMP_GT_OQ)
#define vd_le(a, b) _mm256_cmp_pd(a, b, _CMP_LE_OQ)
#define vd_ge(a, b) _mm256_cmp_pd(a, b, _CMP_GE_OQ)
#define vd_eq(a, b) _mm256_cmp_pd(a, b, _CMP_EQ_OQ)
static inline vd vd_select(vd m, vd a, vd b) { return _mm256_blendv_pd(b, a, m); }
#define vd_bits_add_shl52(t, k)                                                                  \
    _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(t), _mm256_set1_epi64x(k)), 52))
#define vd_from_lo(v) _mm256_cvtps_pd(_mm256_castps256_ps128(v))
#define vd_from_hi(v) _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1))
#define vf_from_vd(lo, hi) _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi), 1)
#endif
