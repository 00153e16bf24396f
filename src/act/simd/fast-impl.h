/*
 * Float-lane kernels for an ISA with a fused multiply-add (AVX2+FMA so far; the NEON wrappers
 * lack the few integer operations): the forward exp family (sigmoid, silu, elu, selu), where
 * float arithmetic can meet the 1-ULP budget if the one error that matters is kept out.
 * That error is the rounding of 1 + expm1(r): exp is therefore carried as an unevaluated sum
 * 2^n (hi + lo), and the final quotient is corrected once with an exact fma residual, so the
 * result is the quotient of (nearly) exact operands rounded once, plus a few 2^-28 of slack.
 * Backward kernels stay on double lanes: their budget holds for dy up to 1e30, where f'(x)
 * is subnormal and a float product would lose it.
 *
 * exp(z), z in [-120, 0]: n = round(z / ln 2) (1.5*2^23 trick), r = z - n ln2 with ln 2 split in
 * a 16-bit hi part (n * LN2_HI and the subtraction are exact for |n| <= 256) and a lo part
 * kept apart as r_lo = -n LN2_LO. expm1(r) = r_hi + (r_lo + r^2 q(r)) with r = r_hi + r_lo
 * rounded (its rounding costs ~2^-26 of r^2 q), q of degree 5 fitted by
 * Chebyshev least squares to (e^r - 1 - r)/r^2 on [-ln2/2, ln2/2], coefficients rounded to
 * float: measured max |r^2 (q - exact)| = 6.5e-10 (2^-30.5). 1 + expm1(r) is then
 * hi = 1 + r_hi, lo = ((1 - hi) + r_hi) + (r_lo + r^2 q) (Fast2Sum: |r_hi| <= 1), error ~2^-28,
 * then renormalised so that lo is below half an ulp of hi (the quotient's correction needs it).
 * 2^n is applied as 2^(n+64) (a normal float for n >= -190) and 2^-64 at the very end, so a
 * subnormal result is rounded exactly once.
 * Measured over all 2^32 inputs against the double-precision value (2026-11-27): sigmoid 0.764 ULP
 * at most, silu 0.806, elu (alpha = 1) 0.820, selu 0.939; budget 1.
 */
#include "../kernels.h"
#include "../ref.h"

#define FKN(op, dir) FKN_(op, dir, VEC_ISA, UTAG)
#define FKN_(op, dir, isa, u) FKN__(op, dir, isa, u)
#define FKN__(op, dir, isa, u) act_f32_##op##_##dir##__##isa##_p5_##u

#define FM_MAGIC 0x1.8p23f
#define FM_LOG2E 0x1.715476p+0f
#define FM_LN2_HI 0x1.62e4p-1f     /* 16 significant bits */
#define FM_LN2_LO 0x1.7f7d1cp-20f  /* ln 2 - FM_LN2_HI, rounded */

/* The pieces of exp(z) for z in [-120, 0] (callers clamp). */
struct fm_exp {
    vf eh, el;   /* exp(z) * 2^64 = eh + el, |el| below half an ulp of eh */
    vf n;        /* z = n ln2 + r */
    vf r_hi, t_lo; /* expm1(r) = r_hi + t_lo before rounding: for n = 0, expm1(z) itself */
};

static inline struct fm_exp fm_exp_scaled(vf z)
{
    struct fm_exp e;
    vf t = vf_fma(z, vf_set1(FM_LOG2E), vf_set1(FM_MAGIC));
    e.n = vf_sub(t, vf_set1(FM_MAGIC));
    e.r_hi = vf_fma(e.n, vf_set1(-FM_LN2_HI), z);   /* exact */
    vf r_lo = vf_mul(e.n, vf_set1(-FM_LN2_LO));
    vf r = vf_add(e.r_hi, r_lo); /* the polynomial's argument: its rounding costs ~2^-26 of r^2 q */
    vf r2 = vf_mul(r, r);
    vf q = vf_fma(vf_set1(0x1.a13978p-13f), r, vf_set1(0x1.6d27cap-10f));
    q = vf_fma(q, r, vf_set1(0x1.1110d2p-7f));
    q = vf_fma(q, r, vf_set1(0x1.5554fep-5f));
    q = vf_fma(q, r, vf_set1(0x1.555556p-3f));
    q = vf_fma(q, r, vf_set1(0.5f));
    e.t_lo = vf_fma(r2, q, r_lo);
    vf one = vf_set1(1.0f);
    vf hi = vf_add(one, e.r_hi);
    vf lo = vf_add(vf_add(vf_sub(one, hi), e.r_hi), e.t_lo);
    vf sum = vf_add(hi, lo); /* renormalise (Fast2Sum, |hi| >= |lo|): lo below half an ulp of hi */
    lo = vf_add(vf_sub(hi, sum), lo);
    vf s = vf_pow2_from_magic(t, 64);
    e.eh = vf_mul(sum, s);
    e.el = vf_mul(lo, s);
    return e;
}

/*
 * (nh + nl) / (dh + dl) as q0 + c, before the last rounding: q0 = nh (1/dh) is within an ulp or
 * so of the quotient, so the residual nh - q0 dh is exact (one fma); with the low parts it gives
 * the correction c = res/dh. One division per vector.
 */
static inline vf fm_div2(vf nh, vf nl, vf dh, vf dl, vf *c)
{
    vf rcp = vf_div(vf_set1(1.0f), dh);
    vf q0 = vf_mul(nh, rcp);
    vf res = vf_fma(vf_sub(vf_zero(), q0), dh, nh);
    res = vf_fma(vf_sub(vf_zero(), q0), dl, vf_add(res, nl));
    *c = vf_mul(res, rcp);
    return q0;
}

/*
 * sigmoid(x) = (q0 + c) * scale before the last rounding: e = exp(-|x|); x >= 0: 1 / (1 + e)
 * (scale 1); x < 0: e / (1 + e), computed on e * 2^64 (scale 2^-64) so that a subnormal
 * result is rounded once, at the end.
 */
static inline vf fm_sigmoid_parts(vf x, vf lo_clamp, vf *c, vf *scale)
{
    vf z = vf_max(vf_or(x, vf_set1(-0.0f)), lo_clamp); /* -|x|, clamped where the results are 0 or 1 */
    struct fm_exp e = fm_exp_scaled(z);
    vf m64 = vf_set1(0x1p-64f);
    vf ex = vf_mul(e.eh, m64); /* exp(z); may be subnormal, but then 1 + ex == 1 anyway */
    vf one = vf_set1(1.0f);
    vf dh = vf_add(one, ex);
    vf dl = vf_add(vf_add(vf_sub(one, dh), ex), vf_mul(e.el, m64));
    vf neg = vf_lt(x, vf_zero());
    *scale = vf_select(neg, m64, one);
    return fm_div2(vf_select(neg, e.eh, one), vf_and(neg, e.el), dh, dl, c);
}

static inline vf fm_sigmoid(vf x)
{
    vf c, scale, q0 = fm_sigmoid_parts(x, vf_set1(-105.0f), &c, &scale);
    return vf_mul(vf_add(q0, c), scale);
}

/* silu(x) = x sigmoid(x): the product of x and the unrounded quotient, rounded once. Below
 * x = -120 the result is -0 (silu(-120) = -9e-51). */
static inline vf fm_silu(vf x)
{
    vf xc = vf_max(x, vf_set1(-120.0f));
    vf c, scale, q0 = fm_sigmoid_parts(xc, vf_set1(-120.0f), &c, &scale);
    vf y = vf_mul(vf_fma(xc, q0, vf_mul(xc, c)), scale);
    return vf_select(vf_eq(x, vf_set1(INFINITY)), x, y); /* inf * c could be inf * 0 */
}

/*
 * (h + l) * a rounded once, for a float a and a constant split in float h + l: h a + l a as one
 * fma. Tiny a are scaled by 2^64 first (l a would underflow and lose the low part); +-0 and +-inf
 * are h a (h 0 + l 0 can lose the sign of zero, h inf + l inf can be inf - inf).
 */
static inline vf fm_mul2(vf a, vf h, vf l)
{
    vf tiny = vf_lt(vf_andnot(vf_set1(-0.0f), a), vf_set1(0x1p-100f));
    vf as = vf_select(tiny, vf_mul(a, vf_set1(0x1p64f)), a);
    vf y = vf_fma(h, as, vf_mul(l, as));
    y = vf_select(tiny, vf_mul(y, vf_set1(0x1p-64f)), y);
    vf special = vf_or(vf_eq(a, vf_zero()), vf_eq(vf_andnot(vf_set1(-0.0f), a), vf_set1(INFINITY)));
    return vf_select(special, vf_mul(a, h), y); /* +-0 and +-inf: h a has the right sign and value */
}

/*
 * scale * expm1(x) for x <= 0 (elu's and selu's negative branch), scale = sh + sl:
 *  - n = 0 (x in [-ln2/2, 0]): expm1 = x + t_lo exactly as computed, no cancellation; for
 *    |x| < 2^-60, expm1(x) is x to float precision, and the product goes through fm_mul2;
 *  - n < 0: expm1 = (E - 1) with E = 2^n (eh + el): s = E_hi - 1 by Fast2Sum (|E_hi| < 1),
 *    then the low parts; below x = -120 the result is -scale (to float precision).
 * One rounding at the end (an fma of the high parts with the sum of the small ones).
 */
static inline vf fm_scaled_expm1(vf x, vf sh, vf sl)
{
    vf z = vf_max(x, vf_set1(-120.0f));
    struct fm_exp e = fm_exp_scaled(z);
    vf m64 = vf_set1(0x1p-64f), one = vf_set1(1.0f);
    vf Eh = vf_mul(e.eh, m64), El = vf_mul(e.el, m64);
    vf s = vf_sub(Eh, one);
    vf s_lo = vf_add(vf_sub(vf_sub(vf_zero(), one), s), Eh); /* exact: (-1 - s) + Eh */
    vf small = vf_add(s_lo, El);
    vf n0 = vf_eq(e.n, vf_zero());
    vf big = vf_select(n0, e.r_hi, s);
    small = vf_select(n0, e.t_lo, small);
    /* scale * (big + small) = sh big + (sl big + sh small), rounded once at the end */
    vf y = vf_fma(sh, big, vf_fma(sl, big, vf_mul(sh, small)));
    vf tiny = vf_gt(x, vf_set1(-0x1p-60f)); /* also keeps -0 */
    return vf_select(tiny, fm_mul2(x, sh, sl), y);
}

/* elu: x > 0 ? x : alpha expm1(x) (alpha a float: sl = 0). */
#define FM_ELU(a) vf_select(vf_gt(a, vf_zero()), a, fm_scaled_expm1(a, alpha, vf_zero()))
/* selu: lambda x for x > 0 (one product of the float x by lambda = lh + ll, rounded once);
 * lambda alpha expm1(x) otherwise. */
#define SELU_LH 0x1.0cfabep+0f   /* lambda = 1.0507009873554805 split in float hi + lo */
#define SELU_LL -0x1.2adddap-25f
#define SELU_LAH 0x1.c212ccp+0f  /* lambda alpha = 1.7580993408473768 split in float hi + lo */
#define SELU_LAL 0x1.903c0cp-26f
#define FM_SELU(a)                                                                               \
    vf_select(vf_gt(a, vf_zero()), fm_mul2(a, vf_set1(SELU_LH), vf_set1(SELU_LL)),                \
              fm_scaled_expm1(a, vf_set1(SELU_LAH), vf_set1(SELU_LAL)))

#define DEFINE_FAST_FWD(op, OP, F)                                                               \
    void FKN(op, fwd)(size_t n, const float *x, float *y, const struct act_params *p)            \
    {                                                                                            \
        vf alpha = vf_set1(p->alpha);                                                            \
        (void)alpha;                                                                             \
        size_t i = 0;                                                                            \
        for (; i + VLEN <= n; i += VLEN) {                                                       \
            vf a = vf_load(x + i);                                                               \
            vf_store(y + i, vf_select(vf_isnan(a), a, F(a)));                                    \
        }                                                                                        \
        for (; i < n; i++)                                                                       \
            y[i] = ref_fwd1(ACT_OP_##OP, p, x[i]);                                               \
    }

DEFINE_FAST_FWD(sigmoid, SIGMOID, fm_sigmoid)
DEFINE_FAST_FWD(silu, SILU, fm_silu)
DEFINE_FAST_FWD(elu, ELU, FM_ELU)
DEFINE_FAST_FWD(selu, SELU, FM_SELU)
