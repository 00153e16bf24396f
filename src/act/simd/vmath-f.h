/*
 * Float-lane vector maths for the kernels of simd/fast-impl.h: the pieces of exp(-x^2/2) and
 * the 8-interval coefficient tables of gelu, over the integer and permute wrappers that
 * vec-avx2.h and vec-avx512.h add to the generic vf_ layer (VF_HAS_INT_OPS).
 *
 * Table lookup: vpermps picks, per lane, one of 8 floats by the low 3 bits of an index, so
 * a piecewise polynomial with 8 pieces costs one permute per coefficient. The piece of
 * a >= 0 is read off the bits of a + 1: its exponent and first mantissa bit select
 * [1, 1.5) [1.5, 2) [2, 3) [3, 4) [4, 6) [6, 8) [8, 12) [12, 16), i.e. a in
 * [0, .5) [.5, 1) [1, 2) [2, 3) [3, 5) [5, 7) [7, 11) [11, 15); bits >> 22 is 254 + k for
 * piece k, whose low 3 bits are (6 + k) mod 8: the tables below are stored in that order.
 */
#ifndef ACTLAB_VMATH_F_H
#define ACTLAB_VMATH_F_H

#if !defined(VF_HAS_INT_OPS) || !defined(VF_HAS_FMA)
#error "vmath-f.h needs the integer and lookup wrappers of vec-avx2.h or vec-avx512.h"
#endif

#ifndef FM_INLINE /* also defined by fast-impl.h */
/* The kernel bodies are large; GCC would otherwise call them once per vector. */
#define FM_INLINE static inline __attribute__((always_inline))
#endif

/*
 * exp(z) for z = zh + zl in [-350, 0] (|zl| <= ulp(zh)) as 2^n (1 + r_hi + t_lo), before any
 * rounding of the sum: n = round(zh / ln 2); r_hi = zh - n LN2_HI is exact (n = 0 for
 * |zh| < 0.34; otherwise zh and n LN2_HI are multiples of min(ulp(zh), 2^-16) >= 2^-25 and
 * |r_hi| < 1/2, so the fma computes it without rounding); r_lo = zl - n LN2_LO;
 * expm1(r) = r_hi + (r_lo + r^2 q(r)), q the degree-5 polynomial of fm_exp_poly (fitted to
 * (e^r - 1 - r)/r^2 on [-ln2/2, ln2/2], max |r^2 (q - exact)| 6.5e-10). The caller adds the
 * parts in double lanes, where 2^n (n >= -505) is representable; |n| < 512 keeps n LN2_HI (9 + 15
 * bits) exact. t_lo carries about 2^-28 relative error, r_hi none. That is enough wherever the
 * result is not cancelled later.
 */
struct fm_exp_parts {
    vf r_hi, t_lo;
    vi n;
    vf u0, u1; /* free: values a pipelined kernel carries from its first stage to the next (fast-impl.h) */
    vd dlo, dhi; /* exp in double lanes (fm_join_exp), for a later stage */
};

FM_INLINE struct fm_exp_parts fm_exp_parts(vf zh, vf zl)
{
    struct fm_exp_parts g;
    vf t = vf_fma(zh, vf_set1(0x1.715476p+0f), vf_set1(0x1.8p23f));
    vf n = vf_sub(t, vf_set1(0x1.8p23f));
    g.r_hi = vf_fma(n, vf_set1(-0x1.62e4p-1f), zh); /* exact, see above */
    vf r_lo = vf_fma(n, vf_set1(-0x1.7f7d1cp-20f), zl);
    vf r = vf_add(g.r_hi, r_lo);
    vf r2 = vf_mul(r, r), r4 = vf_mul(r2, r2);
    /* q by Estrin's scheme (the kernels are latency-bound) */
    vf q01 = vf_fma(vf_set1(0x1.555556p-3f), r, vf_set1(0.5f));
    vf q23 = vf_fma(vf_set1(0x1.1110d2p-7f), r, vf_set1(0x1.5554fep-5f));
    vf q45 = vf_fma(vf_set1(0x1.a13978p-13f), r, vf_set1(0x1.6d27cap-10f));
    vf q = vf_fma(q45, r4, vf_fma(q23, r2, q01));
    g.t_lo = vf_fma(r2, q, r_lo);
    g.n = vi_from_magic(t);
    g.u0 = g.u1 = vf_zero();
    g.dlo = g.dhi = vd_set1(0.0);
    return g;
}

/* exp(-a^2/2) for 0 <= a <= 20: -a^2/2 split exactly into zh + zl (a/2 is exact). */
FM_INLINE struct fm_exp_parts fm_exp_neg_half_sq(vf a)
{
    vf nh = vf_mul(a, vf_set1(-0.5f));
    vf zh = vf_mul(nh, a);
    return fm_exp_parts(zh, vf_fma(nh, a, vf_sub(vf_zero(), zh)));
}

/* The double halves of exp(z) = 2^n (1 + r_hi + t_lo). */
#define FM_EXP_D(g, half) fm_exp_d(vd_from_##half((g).r_hi), vd_from_##half((g).t_lo), vd_pow2_##half((g).n))
FM_INLINE vd fm_exp_d(vd r_hi, vd t_lo, vd s) { return vd_fma(s, vd_add(r_hi, t_lo), s); }
/* The same, as a stage of a pipelined kernel: the double halves kept in g. */
FM_INLINE struct fm_exp_parts fm_join_exp(struct fm_exp_parts g)
{
    g.dlo = FM_EXP_D(g, lo);
    g.dhi = FM_EXP_D(g, hi);
    return g;
}

/*
 * Piecewise polynomials of a in [0, 15) (the last piece also serves up to 20), one per
 * piece of vf_piece8: f(a) = c0h + t, t = c0l + d (c1 + d (c2 + ... + d c7)), d = a - center.
 * The constant term is split in two floats and c0h is added by the caller in double, so
 * the float rounding errors are those of t, which is small next to f.
 * Fitted with numpy (a script of our own): weighted least squares on 3000 Chebyshev nodes
 * per piece (each piece widened by 1e-5 (1 + hi) for the rounding of a + 1), Lawson
 * reweighting towards minimax relative error, then coefficients rounded to float one at a
 * time from c1 up, refitting the higher ones after each; data from libm erfc and exp in
 * double (relative error < 1e-15 here).
 *
 * gelu_r_tab: R(a) = Phi(-a) e^(a^2/2) = erfcx(a/sqrt2)/2 on [0, 15]. Measured max relative
 * error of the float evaluation (c0h + t in double), piece k = 0..7: 2.4e-8 1.4e-8 2.4e-8
 * 1.5e-8 4.0e-8 1.6e-8 4.8e-8 1.6e-8 (float's 2^-24 is 6.0e-8).
 * gelu_h_tab: H(a) = (R(a) - a/sqrt(2 pi)) / (a - A0) on [0, 20], A0 = 0.75179152469356
 * the root of R(a) = a/sqrt(2 pi) (where gelu' = 0, at x = -A0). Max relative error of the
 * evaluation per piece k = 0..7: 6.8e-9 3.3e-9 3.9e-9 1.9e-9 5.0e-9 1.1e-9 3.2e-9 1.5e-8.
 */
#define GELU_A0 0x1.80ead197f00b4p-1 /* the root above, in double */
enum { GT_CENTER, GT_C0H, GT_C0L, GT_C1 };
#define GT_DEG 7

static const float gelu_r_tab[GT_DEG + 3][8] = {
    {0x1.8p+0f, 0x1.4p+1f, 0x1p+2f, 0x1.8p+2f, 0x1.2p+3f, 0x1.ap+3f, 0x1p-2f, 0x1.8p-1f}, /* center */
    {0x1.a57056p-3f, 0x1.217252p-3f, 0x1.82b4bcp-4f, 0x1.095608p-4f, 0x1.66ccb6p-5f, 0x1.f3ddc2p-6f, 0x1.a7f808p-2f,
     0x1.337024p-2f}, /* c0h */
    {-0x1.0c5332p-28f, 0x1.6fb89ep-30f, -0x1.ef6706p-29f, 0x1.7f33bep-29f, 0x1.ff266p-30f, 0x1.370d68p-32f,
     0x1.cc2da6p-29f, -0x1.091a2p-27f}, /* c0l */
    {-0x1.71c04cp-4f, -0x1.75ab64p-5f, -0x1.5cf97cp-6f, -0x1.5068c2p-7f, -0x1.378122p-8f, -0x1.3012a8p-9f,
     -0x1.2e865p-2f, -0x1.63e072p-3f}, /* c1 */
    {0x1.204072p-5f, 0x1.bf39bap-7f, 0x1.2ddb0ep-8f, 0x1.a0ef24p-10f, 0x1.0b6f7ep-11f, 0x1.6fdc84p-13f, 0x1.5c565ep-3f,
     0x1.5bf7f4p-4f}, /* c2 */
    {-0x1.99809ap-7f, -0x1.f62766p-9f, -0x1.f6a53cp-11f, -0x1.f9cd24p-13f, -0x1.c63c2ep-15f, -0x1.ba91e2p-17f,
     -0x1.595154p-4f, -0x1.2c837ep-5f}, /* c3 */
    {0x1.0d3c42p-8f, 0x1.0ab07p-10f, 0x1.93969ap-13f, 0x1.2c833ep-15f, 0x1.7ccd1ep-18f, 0x1.089c46p-20f, 0x1.312d9ep-5f,
     0x1.d686aap-7f}, /* c4 */
    {-0x1.4bd084p-10f, -0x1.0de2fp-12f, -0x1.3a9868p-15f, -0x1.5e76d8p-18f, -0x1.3cc19ap-21f, -0x1.3add9ep-24f,
     -0x1.e9f88ap-7f, -0x1.549faep-8f}, /* c5 */
    {0x1.90c074p-12f, 0x1.0c6fe6p-14f, 0x1.fd2b18p-18f, 0x1.a1a7ap-21f, 0x1.1c4508p-24f, 0x1.85a52ep-28f, 0x1.727148p-8f,
     0x1.ceaef6p-10f}, /* c6 */
    {-0x1.b9add4p-14f, -0x1.f1d0acp-17f, -0x1.73117p-20f, -0x1.d72e66p-24f, -0x1.cf5534p-28f, -0x1.cc9b1cp-32f,
     -0x1.28328cp-9f, -0x1.c8adc6p-12f}, /* c7 */
};

static const float gelu_h_tab[GT_DEG + 3][8] = {
    {0x1.8p+0f, 0x1.4p+1f, 0x1p+2f, 0x1.8p+2f, 0x1.2p+3f, 0x1.fp+3f, 0x1p-2f, 0x1.8p-1f}, /* center */
    {-0x1.0cadd8p-1f, -0x1.f568ecp-2f, -0x1.d94de8p-2f, -0x1.c6657ep-2f, -0x1.b85066p-2f, -0x1.ab8fb6p-2f,
     -0x1.40b0ccp-1f, -0x1.252658p-1f}, /* c0h */
    {-0x1.3e322cp-26f, -0x1.e89014p-30f, 0x1.115cb4p-27f, -0x1.9dc832p-28f, 0x1.4dd0cap-28f, 0x1.e92118p-31f,
     0x1.b7cb8p-26f, 0x1.edf606p-26f}, /* c0l */
    {0x1.853bdp-5f, 0x1.a6b05cp-6f, 0x1.a762fep-7f, 0x1.af48f8p-8f, 0x1.a1e984p-9f, 0x1.2d6b82p-10f, 0x1.15a58ap-3f,
     0x1.5bb314p-4f}, /* c1 */
    {-0x1.0deec6p-6f, -0x1.c77f92p-8f, -0x1.4f864ap-9f, -0x1.f28918p-11f, -0x1.547f0cp-12f, -0x1.294ffcp-14f,
     -0x1.19c142p-4f, -0x1.2c4eb4p-5f}, /* c2 */
    {0x1.5c7722p-8f, 0x1.d3bae6p-10f, 0x1.02700cp-11f, 0x1.1b96c8p-13f, 0x1.132fa4p-15f, 0x1.2468f6p-18f, 0x1.faa3cap-6f,
     0x1.d64052p-7f}, /* c3 */
    {-0x1.a6a75cp-10f, -0x1.cbbc88p-12f, -0x1.831942p-14f, -0x1.3d9194p-16f, -0x1.b8594cp-19f, -0x1.1c413cp-22f,
     -0x1.9d35dep-7f, -0x1.5372d2p-8f}, /* c4 */
    {0x1.e5e4aep-12f, 0x1.b21fd4p-14f, 0x1.1adb0ap-16f, 0x1.5ea66ep-19f, 0x1.5dd972p-22f, 0x1.144a3ep-26f, 0x1.36f08ap-8f,
     0x1.c7ce58p-10f}, /* c5 */
    {-0x1.12ce6ap-13f, -0x1.95571p-16f, -0x1.adb78ap-19f, -0x1.8b480ap-22f, -0x1.2b3dbep-25f, -0x1.3e3fe2p-30f,
     -0x1.cadcb2p-10f, -0x1.24bee6p-11f}, /* c6 */
    {0x1.1b9dacp-15f, 0x1.6ea9dcp-18f, 0x1.2f2178p-21f, 0x1.a31018p-25f, 0x1.dc326ap-29f, 0x1.405ee6p-34f, 0x1.e98b28p-12f,
     0x1.c288b6p-13f}, /* c7 */
};

/*
 * softplus_g_tab: G(a) = log1p(e^-a) e^a on [0, 22] (the last piece on [11, 22]; beyond,
 * G = 1 - e^-a/2 is 1 to 2^-32), fitted as above. Max relative error of the evaluation per
 * piece k = 0..7: 6.3e-9 4.4e-9 4.5e-9 2.0e-9 3.3e-9 3.5e-10 3.4e-9 1.4e-8.
 */
static const float softplus_g_tab[GT_DEG + 3][8] = {
    {0x1.8p+0f, 0x1.4p+1f, 0x1p+2f, 0x1.8p+2f, 0x1.2p+3f, 0x1.08p+4f, 0x1p-2f, 0x1.8p-1f}, /* center */
    {0x1.ce2afcp-1f, 0x1.ec11dap-1f, 0x1.fb5e2p-1f, 0x1.ff5dd2p-1f, 0x1.fff7eap-1f, 0x1p+0f, 0x1.7aa27ap-1f,
     0x1.a354bep-1f}, /* c0h */
    {-0x1.108e26p-27f, 0x1.00b0a6p-26f, -0x1.bb7a6p-28f, 0x1.3a2d3p-30f, -0x1.8a1f74p-28f, -0x1.8541fp-26f,
     0x1.5967dp-28f, 0x1.53fe46p-26f}, /* c0l */
    {0x1.5c8ee4p-4f, 0x1.2e8bcap-5f, 0x1.24e744p-7f, 0x1.43d2fep-10f, 0x1.02c13p-14f, 0x1.9bea6p-26f,
     0x1.6b3382p-3f, 0x1.1e5dbcp-3f}, /* c1 */
    {-0x1.065892p-5f, -0x1.0fbe58p-6f, -0x1.1ddd18p-8f, -0x1.42c23ep-11f, -0x1.02f174p-15f, -0x1.ee0c32p-26f,
     -0x1.19c36p-5f, -0x1.3fc3fep-5f}, /* c2 */
    {0x1.4f1f08p-8f, 0x1.1f393ep-8f, 0x1.6ac404p-10f, 0x1.ab80fcp-13f, 0x1.591caep-17f, 0x1.3d19ecp-27f,
     -0x1.a101d6p-8f, 0x1.b6a5c2p-19f}, /* c3 */
    {0x1.4818cep-11f, -0x1.38dfb4p-11f, -0x1.4781f4p-12f, -0x1.a5a868p-15f, -0x1.5447d8p-19f, 0x1.ab728cp-32f,
     0x1.b10f0cp-9f, 0x1.6de0cp-9f}, /* c4 */
    {-0x1.0588f2p-11f, -0x1.562be6p-15f, 0x1.9fc81ap-15f, 0x1.486c52p-17f, 0x1.1025ccp-21f, -0x1.d966d8p-35f,
     0x1.54601cp-13f, -0x1.0963cap-11f}, /* c5 */
    {0x1.4c77d2p-14f, 0x1.6e3db8p-15f, -0x1.ea90d4p-19f, -0x1.a7f0ccp-20f, -0x1.a4b72p-24f, -0x1.1ffe4ep-33f,
     -0x1.65423ap-12f, -0x1.15399ep-13f}, /* c6 */
    {0x1.e199e4p-17f, -0x1.5d8d92p-17f, -0x1.3bd7bp-21f, 0x1.a7e7d4p-23f, 0x1.db3daap-27f, 0x1.411ac2p-36f,
     -0x1.0adc34p-13f, 0x1.64b80cp-13f}, /* c7 */
};

/* t of the table polynomial (see above) at a, and the piece's c0h in *c0h. Estrin's scheme in
 * d: the kernels are latency-bound, and its depth is 3 fmas instead of Horner's 7. */
FM_INLINE vf fm_table_poly(const float (*tab)[8], vf a, vf *c0h)
{
    vi idx = vf_piece8(vf_min_b(a, vf_set1(14.99f)));
    vf d = vf_sub(a, vf_lookup8(tab[GT_CENTER], idx));
    vf d2 = vf_mul(d, d);
#define C(k) vf_lookup8(tab[GT_C1 + (k) - 1], idx)
    vf p01 = vf_fma(C(1), d, vf_lookup8(tab[GT_C0L], idx));
    vf p23 = vf_fma(C(3), d, C(2));
    vf p45 = vf_fma(C(5), d, C(4));
    vf p67 = vf_fma(C(7), d, C(6));
#undef C
    vf p03 = vf_fma(p23, d2, p01);
    vf p47 = vf_fma(p67, d2, p45);
    *c0h = vf_lookup8(tab[GT_C0H], idx);
    return vf_fma(p47, vf_mul(d2, d2), p03);
}

#endif
