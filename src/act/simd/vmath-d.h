/*
 * Vector double-precision maths for the smooth kernels, written once over the vd_*
 * wrappers (simd/vec-<isa>.h). The smooth kernels widen float inputs to double, evaluate
 * the reference's formulas with these functions, and round once to float, so their
 * results are within a hair of correctly rounded. These need only about 2^-35 relative
 * accuracy (far below float's 2^-24 ULP), which is what the truncation bounds below give.
 *
 * Range reduction (exp, expm1): x = n ln2 + r, n = round(x / ln2), |r| <= ln2/2, with
 * ln2 split in a hi part of 32 significant bits (n * LN2_HI is exact for |n| < 2^21) and
 * a lo part. n is rounded by the 1.5*2^52 trick, which also leaves n in the low mantissa
 * bits, from where 2^n is built by integer arithmetic. Arguments are clamped to
 * [-700, 700], so 2^n stays a normal double; that clamp also maps +-inf to finite limits
 * (callers choose their own clamps so the float results saturate exactly as the reference).
 * NaN lanes give unspecified values here: callers select the NaN back in at the end.
 */
#ifndef ACTLAB_VMATH_D_H
#define ACTLAB_VMATH_D_H

#include <math.h>

#define VM_LOG2E 1.4426950408889634073599246810019
#define VM_LN2_HI 0x1.62e42fefa0000p-1 /* ln 2, 32 significant bits */
#define VM_LN2_LO 0x1.cf79abc9e3b3ap-40 /* ln 2 - VM_LN2_HI */
#define VM_ROUND_MAGIC 0x1.8p52
#define VM_CLAMP 700.0

static inline vd vd_abs(vd x) { return vd_andnot(vd_set1(-0.0), x); }

/* Splits x (|x| <= 700) into n and r; returns r and sets *scale = 2^n. */
static inline vd vm_reduce(vd x, vd *scale)
{
    const vd magic = vd_set1(VM_ROUND_MAGIC);
    vd t = vd_fma(x, vd_set1(VM_LOG2E), magic); /* n in the low mantissa bits */
    vd n = vd_sub(t, magic);
    vd r = vd_fma(n, vd_set1(-VM_LN2_HI), x);
    r = vd_fma(n, vd_set1(-VM_LN2_LO), r);
    *scale = vd_bits_add_shl52(t, 1023); /* (n + 1023) << 52: the bits of 2^n */
    return r;
}

/*
 * expm1(r) - r - r^2/2 ... as a whole: expm1(r) for |r| <= ln2/2 by its Taylor series
 * r + r^2/2! + ... + r^12/12!, coefficients 1/k! (exact rationals, rounded to double).
 * Truncation bound: |r|^13/13! * (1 + ...) < 2.2e-16 relative to |r| on the interval,
 * i.e. below double rounding.
 */
static inline vd vm_expm1_reduced(vd r)
{
    /* p(r) = sum_{k=0..10} r^k / (k+2)!, by Estrin's scheme: depth 5 instead of Horner's 11, which
     * matters because the kernels are latency-bound. */
#define F(k) vd_set1(1.0 / (k))
    vd r2 = vd_mul(r, r), r4 = vd_mul(r2, r2), r8 = vd_mul(r4, r4);
    vd p01 = vd_fma(F(6), r, F(2)), p23 = vd_fma(F(120), r, F(24));
    vd p45 = vd_fma(F(5040), r, F(720)), p67 = vd_fma(F(362880), r, F(40320));
    vd p89 = vd_fma(F(39916800), r, F(3628800)), p10 = F(479001600);
    vd p03 = vd_fma(p23, r2, p01), p47 = vd_fma(p67, r2, p45), p8x = vd_fma(p10, r2, p89);
    vd p07 = vd_fma(p47, r4, p03);
    vd p = vd_fma(p8x, r8, p07);
#undef F
    return vd_fma(vd_mul(p, r), r, r); /* r + r^2 p(r) */
}

static inline vd vm_clamp(vd x) { return vd_min(vd_max(x, vd_set1(-VM_CLAMP)), vd_set1(VM_CLAMP)); }

/*
 * exp(x), relative error about 2^-52 on [-700, 700]. Beyond, it saturates as libm's exp
 * does where that matters to callers: exactly 0 below -745.2 (where exp underflows past
 * the smallest subnormal) and +inf above 709.8, so that dy * f'(x) at x = -inf is
 * inf * 0 = NaN exactly as in the reference; in between, e^-700 stands for the
 * subnormal, which no float result can tell apart.
 */
static inline vd vm_exp(vd x)
{
    vd scale;
    vd r = vm_reduce(vm_clamp(x), &scale);
    vd e = vd_fma(scale, vm_expm1_reduced(r), scale);
    e = vd_select(vd_lt(x, vd_set1(-745.2)), vd_set1(0.0), e);
    return vd_select(vd_gt(x, vd_set1(709.8)), vd_set1(INFINITY), e);
}

/*
 * expm1(x) = 2^n expm1(r) + (2^n - 1), one fma; n = 0 gives expm1(r) itself, so small |x|
 * keeps full relative accuracy. expm1(+-0) is +-0 (the sum r + r^2 p would give +0 for -0).
 */
static inline vd vm_expm1(vd x)
{
    vd scale;
    vd r = vm_reduce(vm_clamp(x), &scale);
    vd e = vd_fma(scale, vm_expm1_reduced(r), vd_sub(scale, vd_set1(1.0)));
    return vd_select(vd_eq(x, vd_set1(0.0)), x, e);
}

/*
 * log1p(e) for e in [0, 1]: u = 1 + e rounded, then log1p(e) = log(u) + (e - (u - 1)) / u,
 * which restores what the rounding of u lost. log(u), u in [1, 2]: u = 2^k m with
 * m in [sqrt(1/2), sqrt(2)) (k = 0 or 1), log m = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.1716,
 * by the series 2 (s + s^3/3 + ... + s^17/17); truncation bound 2 s^19/19 / (2 s) < 3e-16 relative.
 */
static inline vd vm_log1p_unit(vd e)
{
    const vd one = vd_set1(1.0);
    vd u = vd_add(one, e);
    vd corr = vd_div(vd_sub(e, vd_sub(u, one)), u);
    vd big = vd_gt(u, vd_set1(1.4142135623730951));
    vd m = vd_select(big, vd_mul(u, vd_set1(0.5)), u);
    vd k = vd_and(big, vd_set1(0.69314718055994530942)); /* k ln2 with k = 0 or 1 */
    vd s = vd_div(vd_sub(m, one), vd_add(m, one));
    vd s2 = vd_mul(s, s);
    vd p = vd_set1(1.0 / 17);
    p = vd_fma(p, s2, vd_set1(1.0 / 15));
    p = vd_fma(p, s2, vd_set1(1.0 / 13));
    p = vd_fma(p, s2, vd_set1(1.0 / 11));
    p = vd_fma(p, s2, vd_set1(1.0 / 9));
    p = vd_fma(p, s2, vd_set1(1.0 / 7));
    p = vd_fma(p, s2, vd_set1(1.0 / 5));
    p = vd_fma(p, s2, vd_set1(1.0 / 3));
    vd logm = vd_mul(vd_set1(2.0), vd_fma(vd_mul(p, s2), s, s));
    return vd_add(vd_add(k, logm), corr);
}


#endif
