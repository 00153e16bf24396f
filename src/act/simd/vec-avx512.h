/*
 * Thin AVX-512 (F/BW/DQ/VL) wrappers (16 x float) for the generic kernels in simd/linear-impl.h,
 * smooth-impl.h and fast-impl.h: the same kernel source as AVX2, twice as wide.
 *
 * The generic kernels treat a comparison's result as a vector (they and/or it with data), so
 * comparisons return all-ones / zero lanes (a k-mask moved to a vector, DQ's vpmovm2d) and
 * vf_select takes the sign bit of each mask lane back to a k-mask (vpmovd2m), as AVX2's
 * blendv reads the sign bit: the two ISAs compute the same bits.
 *
 * With ACTLAB_AVX512_SIMDE defined (the test-only build `make test-avx512`), the intrinsics come
 * from SIMDe's portable AVX-512 (Debian's libsimde-dev) over AVX2+FMA, so these kernels are
 * tested on machines without AVX-512; the normal build uses the hardware instructions.
 */
#ifndef ACTLAB_VEC_AVX512_H
#define ACTLAB_VEC_AVX512_H
#ifdef ACTLAB_AVX512_SIMDE
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
/* The four conversions SIMDe 0.7.4 lacks, as their definitions in 256-bit halves; its masked
 * comparison as a comparison and an and; and a plain store for the non-temporal one (same memory
 * contents). Everything else is SIMDe's. */
#define av_cvtps_pd(a) /* 8 floats -> 8 doubles */                                                 \
    _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_cvtps_pd(_mm256_castps256_ps128(a))),          \
                       _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)), 1)
#define av_cvtpd_ps(d) /* 8 doubles -> 8 floats, rounded to nearest */                             \
    _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(_mm512_castpd512_pd256(d))),        \
                         _mm256_cvtpd_ps(_mm512_extractf64x4_pd(d, 1)), 1)
#define av_cvtepi32_epi64(i) /* 8 int32 -> 8 int64 */                                              \
    _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(i))),    \
                       _mm256_cvtepi32_epi64(_mm256_extracti128_si256(i, 1)), 1)
#define av_stream_ps(p, v) _mm512_storeu_ps(p, v)
#define av_mask_cmp_ps_mask(k, a, b, pred) ((__mmask16)((k) & _mm512_cmp_ps_mask(a, b, pred)))
#else
#include <immintrin.h>
#define av_cvtps_pd(a) _mm512_cvtps_pd(a)
#define av_cvtpd_ps(d) _mm512_cvtpd_ps(d)
#define av_cvtepi32_epi64(i) _mm512_cvtepi32_epi64(i)
#define av_stream_ps(p, v) _mm512_stream_ps(p, v)
#define av_mask_cmp_ps_mask(k, a, b, pred) _mm512_mask_cmp_ps_mask(k, a, b, pred)
#endif

#define VEC_ISA avx512
#define VLEN 16
typedef __m512 vf;
#define vf_load(p) _mm512_loadu_ps(p)
#define vf_store(p, v) _mm512_storeu_ps(p, v)
#define vf_set1(s) _mm512_set1_ps(s)
#define vf_zero() _mm512_setzero_ps()
#define vf_add(a, b) _mm512_add_ps(a, b)
#define vf_mul(a, b) _mm512_mul_ps(a, b)
#define vf_and(a, b) _mm512_and_ps(a, b)
#define vf_or(a, b) _mm512_or_ps(a, b)
#define vf_andnot(m, a) _mm512_andnot_ps(m, a) /* ~m & a */
#define vf_mask_(k) _mm512_castsi512_ps(_mm512_movm_epi32(k))
/* Ordered, quiet comparisons (false when either side is NaN), as C's < > <= on floats. */
#define vf_lt(a, b) vf_mask_(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ))
#define vf_gt(a, b) vf_mask_(_mm512_cmp_ps_mask(a, b, _CMP_GT_OQ))
#define vf_le(a, b) vf_mask_(_mm512_cmp_ps_mask(a, b, _CMP_LE_OQ))
#define vf_ge(a, b) vf_mask_(_mm512_cmp_ps_mask(a, b, _CMP_GE_OQ))
#define vf_eq(a, b) vf_mask_(_mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ))
#define vf_isnan(a) vf_mask_(_mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q))
/* Whether a >= b (ordered) in every lane: false if any lane is NaN. */
#define vf_all_ge(a, b) (_mm512_cmp_ps_mask(a, b, _CMP_GE_OQ) == 0xffff)
/* Whether every lane of a comparison mask is set. */
#define vf_all(m) (_mm512_movepi32_mask(_mm512_castps_si512(m)) == 0xffff)
/* Float lanes, for the float-arithmetic kernels (simd/fast-impl.h). */
#define VF_HAS_FMA 1
#define vf_sub(a, b) _mm512_sub_ps(a, b)
#define vf_div(a, b) _mm512_div_ps(a, b)
#define vf_fma(a, b, c) _mm512_fmadd_ps(a, b, c)
#define vf_fms(a, b, c) _mm512_fmsub_ps(a, b, c)   /* a b - c, rounded once */
#define vf_fnma(a, b, c) _mm512_fnmadd_ps(a, b, c) /* c - a b, rounded once */
#define vf_max(a, b) _mm512_max_ps(a, b) /* NaN in a gives b: callers re-select NaN lanes */
/* 2^n from t = n + 1.5*2^23 + 127 (the magic constant's bits shift out): one shift */
#define vf_pow2_from_magic127(t) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(t), 23))
#define vf_pow2_from_magic(t, bias)                                                                 \
    _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(127 + (bias))), 23))
/* Non-temporal store (p 64-byte aligned), and the fence that orders such stores. */
#define VF_ALIGN 64
#define vf_stream(p, v) av_stream_ps(p, v)
#define vf_sfence() _mm_sfence()
static inline vf vf_select(vf m, vf a, vf b)
{
    return _mm512_mask_blend_ps(_mm512_movepi32_mask(_mm512_castps_si512(m)), b, a);
}
/*
 * k-mask forms for the piecewise-linear kernels (simd/linear-impl.h): a comparison feeds a masked
 * operation directly. Comparisons are ordered (false on NaN). vfixupimm classifies its second
 * operand (QNaN, SNaN, 0, 1, -inf, +inf, negative, positive: one nibble of the table each, lowest
 * first) and keeps the first operand (token 0), returns the second (1) or +0 (8).
 */
#define VF_HAS_KMASK 1
#define vf_kfix_(r, a, table) _mm512_fixupimm_ps(r, a, _mm512_set1_epi32(table), 0)
#define vf_nan_pass(a, r) vf_kfix_(r, a, 0x00000011)  /* a NaN ? a : r */
/*
 * relu backward, a > 0 ? g : a NaN ? a : +0, as one fixup. leaky backward, a > 0 ? g : s g (a NaN:
 * a), as one product by the factor a fixup picks: 1 (token 10), s (kept) or a NaN a itself, which
 * the product returns (x86 returns the first operand's NaN) quieted: a signalling NaN comes out
 * quiet, as from the reference (x + x), where the other kernels pass it as it is. SIMDe's fixupimm
 * flushes a subnormal a to zero first (the hardware does so only with MXCSR.DAZ set, when its
 * comparisons do too): there, both take the compare-and-mask form.
 */
#ifdef ACTLAB_AVX512_SIMDE
#define vf_relu_bwd(a, g) vf_nan_pass(a, vf_gt_or_zero(a, _mm512_setzero_ps(), g))
#define vf_leaky_bwd(a, g, s) vf_nan_pass(a, vf_le_mul(a, _mm512_setzero_ps(), g, s))
#else
#define vf_relu_bwd(a, g) vf_kfix_(g, a, 0x08080811)
#define vf_leaky_bwd(a, g, s) _mm512_mul_ps(vf_kfix_(s, a, 0xA0A0A011), g)
#endif
#define vf_sel_(a, b, pred, t, f) _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, pred), f, t)
#define vf_sel_lt(a, b, t, f) vf_sel_(a, b, _CMP_LT_OQ, t, f) /* a < b ? t : f (simd/vec-sel.h) */
#define vf_sel_le(a, b, t, f) vf_sel_(a, b, _CMP_LE_OQ, t, f)
#define vf_sel_gt(a, b, t, f) vf_sel_(a, b, _CMP_GT_OQ, t, f)
#define vf_sel_ge(a, b, t, f) vf_sel_(a, b, _CMP_GE_OQ, t, f)
#define vf_sel_eq(a, b, t, f) vf_sel_(a, b, _CMP_EQ_OQ, t, f)
/* Whether every lane of v is +-0 or has lo <= |v| <= hi (and with x >= xlo too): the lane checks of
 * the float-lane kernels (simd/fast-impl.h) as k-masks, and-ed and or-ed as such. */
static inline __mmask16 vk_abs_within(vf v, float lo, float hi) /* lo <= |v| <= hi */
{
    vf av = _mm512_andnot_ps(_mm512_set1_ps(-0.0f), v);
    return (__mmask16)(_mm512_cmp_ps_mask(av, _mm512_set1_ps(lo), _CMP_GE_OQ) &
                       _mm512_cmp_ps_mask(av, _mm512_set1_ps(hi), _CMP_LE_OQ));
}
#define vk_zero_or_within(v, lo, hi)                                                               \
    ((__mmask16)(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_EQ_OQ) | vk_abs_within(v, lo, hi)))
#define vf_all_zw(v, lo, hi) (vk_zero_or_within(v, lo, hi) == 0xffff)
#define vf_all_abs_within(v, lo, hi) (vk_abs_within(v, lo, hi) == 0xffff)
#define vf_all_ge_zw(x, xlo, v, lo, hi)                                                            \
    ((_mm512_cmp_ps_mask(x, _mm512_set1_ps(xlo), _CMP_GE_OQ) & vk_zero_or_within(v, lo, hi)) == 0xffff)
#define vf_all_in(v, lo, hi) /* lo <= v <= hi in every lane */                                   \
    (av_mask_cmp_ps_mask(_mm512_cmp_ps_mask(v, _mm512_set1_ps(lo), _CMP_GE_OQ), v, _mm512_set1_ps(hi), _CMP_LE_OQ) == 0xffff)
#define vf_le_mul(a, b, g, s) _mm512_mask_mul_ps(g, _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ), g, s) /* a <= b ? g s : g */
#define vf_gt_or_zero(a, b, g) _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(a, b, _CMP_GT_OQ), g) /* a > b ? g : +0 */
#define vf_lt_or_zero(a, b, g) _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), g) /* a < b ? g : +0 */
#define vf_in_or_zero(a, lo, hi, g) /* lo < a < hi ? g : +0 */                                     \
    _mm512_maskz_mov_ps(av_mask_cmp_ps_mask(_mm512_cmp_ps_mask(a, lo, _CMP_GT_OQ), a, hi, _CMP_LT_OQ), g)
/* max / min that return b, bit for bit, when a or b is NaN (and b when both are zeros): x86's rule. */
#define VF_MINMAX_B_ON_NAN 1
#define vf_max_b(a, b) _mm512_max_ps(a, b)
#define vf_min_b(a, b) _mm512_min_ps(a, b)

/* Integer lanes and table lookups for the float-lane kernels (simd/vmath-f.h). */
#define VF_HAS_INT_OPS 1
typedef __m512i vi;
/* One of 8 floats per lane by the low 3 bits of idx (the row sits in both halves). */
#define vf_lookup8(row, idx) _mm512_permutexvar_ps(idx, _mm512_broadcast_f32x8(_mm256_loadu_ps(row)))
#define vf_piece8(a) _mm512_srli_epi32(_mm512_castps_si512(vf_add(a, vf_set1(1.0f))), 22)
#define vi_from_magic(t) _mm512_sub_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(0x4b400000))
/* 2^n as floats (-126 <= n <= 127). */
#define vf_pow2_vi(n) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n, _mm512_set1_epi32(127)), 23))
#define vd_pow2_lo(n)                                                                           \
    _mm512_castsi512_pd(_mm512_slli_epi64(                                                      \
        _mm512_add_epi64(av_cvtepi32_epi64(_mm512_castsi512_si256(n)), _mm512_set1_epi64(1023)), 52))
#define vd_pow2_hi(n)                                                                           \
    _mm512_castsi512_pd(_mm512_slli_epi64(                                                      \
        _mm512_add_epi64(av_cvtepi32_epi64(_mm512_extracti64x4_epi64(n, 1)), _mm512_set1_epi64(1023)), 52))
#endif

/* Double lanes: one vf is split into two vd of VDLEN doubles each. */
#ifndef ACTLAB_VEC_AVX512_VD
#define ACTLAB_VEC_AVX512_VD
#define VDLEN 8
typedef __m512d vd;
#define vd_set1(s) _mm512_set1_pd(s)
#define vd_load(p) _mm512_loadu_pd(p)
#define vd_store(p, v) _mm512_storeu_pd(p, v)
#define vd_add(a, b) _mm512_add_pd(a, b)
#define vd_sub(a, b) _mm512_sub_pd(a, b)
#define vd_mul(a, b) _mm512_mul_pd(a, b)
#define vd_div(a, b) _mm512_div_pd(a, b)
#define vd_fma(a, b, c) _mm512_fmadd_pd(a, b, c)
#define vd_max(a, b) _mm512_max_pd(a, b) /* NaN in a gives b: callers re-select NaN lanes at the end */
#define vd_min(a, b) _mm512_min_pd(a, b)
#define vd_and(a, b) _mm512_and_pd(a, b)
#define vd_or(a, b) _mm512_or_pd(a, b)
#define vd_andnot(m, a) _mm512_andnot_pd(m, a)
#define vd_mask_(k) _mm512_castsi512_pd(_mm512_movm_epi64(k))
#define vd_lt(a, b) vd_mask_(_mm512_cmp_pd_mask(a, b, _CMP_LT_OQ))
#define vd_gt(a, b) vd_mask_(_mm512_cmp_pd_mask(a, b, _CMP_GT_OQ))
#define vd_le(a, b) vd_mask_(_mm512_cmp_pd_mask(a, b, _CMP_LE_OQ))
#define vd_ge(a, b) vd_mask_(_mm512_cmp_pd_mask(a, b, _CMP_GE_OQ))
#define vd_eq(a, b) vd_mask_(_mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ))
static inline vd vd_select(vd m, vd a, vd b)
{
    return _mm512_mask_blend_pd(_mm512_movepi64_mask(_mm512_castpd_si512(m)), b, a);
}
#define vd_bits_add_shl52(t, k)                                                                  \
    _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_add_epi64(_mm512_castpd_si512(t), _mm512_set1_epi64(k)), 52))
#define vd_from_lo(v) av_cvtps_pd(_mm512_castps512_ps256(v))
#define vd_from_hi(v) av_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)))
#define vf_from_vd(lo, hi) _mm512_insertf32x8(_mm512_castps256_ps512(av_cvtpd_ps(lo)), av_cvtpd_ps(hi), 1)
#endif
