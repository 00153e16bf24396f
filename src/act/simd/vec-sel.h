/*
 * Selects by a comparison, vf_sel_lt(a, b, t, f) = a < b ? t : f and the like (ordered: false when
 * a or b is NaN), for the ISAs whose comparisons give vectors. AVX-512 defines its own first, as
 * one comparison into a k-mask and one masked blend (vec-avx512.h): without the vector mask and
 * back. Included by the kernel sources after simd/vec-<isa>.h.
 */
#ifndef ACTLAB_VEC_SEL_H
#define ACTLAB_VEC_SEL_H
#ifndef VF_HAS_KMASK
#define vf_sel_lt(a, b, t, f) vf_select(vf_lt(a, b), t, f)
#define vf_sel_le(a, b, t, f) vf_select(vf_le(a, b), t, f)
#define vf_sel_gt(a, b, t, f) vf_select(vf_gt(a, b), t, f)
#define vf_sel_ge(a, b, t, f) vf_select(vf_ge(a, b), t, f)
#define vf_sel_eq(a, b, t, f) vf_select(vf_eq(a, b), t, f)
#define vf_in_or_zero(a, lo, hi, g) vf_and(vf_and(vf_gt(a, lo), vf_lt(a, hi)), g) /* lo < a < hi ? g : +0 */
#define vf_le_mul(a, b, g, s) vf_sel_le(a, b, vf_mul(g, s), g) /* a <= b ? g s : g */
#endif
#endif
