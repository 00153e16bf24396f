/*
 * Float-lane kernels for an ISA with a fused multiply-add (AVX2+FMA and AVX-512; the NEON wrappers
 * lack the few integer operations): the forward exp family (sigmoid, silu, elu, selu, tanh,
 * gelu_tanh), where float arithmetic can meet the 1-ULP budget if the one error that matters is
 * kept out. That error is the rounding of 1 + expm1(r): exp is therefore carried as an
 * unevaluated sum 2^n (hi + lo), and the final quotient is corrected once with an exact fma
 * residual, so the result is the quotient of (nearly) exact operands rounded once, plus a few
 * 2^-28 of slack. Other backward kernels (and gelu, at the end of this file) take a middle
 * road: the costly polynomials run in float lanes, and the few operations after them run in
 * double lanes, so that dy up to FLT_MAX times an f'(x) far below FLT_MIN keeps its accuracy
 * and is rounded once. elu, selu, celu and softplus backward, and gelu and softplus forward, go
 * further: in float lanes wherever the inputs are ordinary, in double lanes only for the other
 * lanes. On AVX-512 only (the pf kernels, FKNW: on AVX2 they were no faster), sigmoid, tanh,
 * silu and gelu_tanh backward and mish forward do the same. The gelu part needs the permute and
 * integer wrappers (VF_HAS_INT_OPS, simd/vmath-f.h).
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
 * expm1 needs less (the lean kernels, fm_elu_lean below, 2026-11-28): 2^n (1 + u) - 1 is one fma
 * of u rounded once, or a pair h + w where a constant multiplies it; elu 0.820 and selu 0.794 ULP.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../kernels.h"
#include "../ref.h"
#include "vec-sel.h"

/* The kernel bodies are large; GCC would otherwise call them once per vector. The general path
 * of a kernel with an ordinary-vector path is called instead, out of the loop's way. */
#define FM_INLINE static inline __attribute__((always_inline))
#define FM_COLD static __attribute__((noinline, cold))

#define FKN(op, dir) FKN_(op, dir, VEC_ISA, UTAG)
#define FKN_(op, dir, isa, u) FKN__(op, dir, isa, u)
#define FKN__(op, dir, isa, u) act_f32_##op##_##dir##__##isa##_p5_##u
/* Kernels in float lanes that only AVX-512 runs: on AVX2 they were no faster than (or slower
 * than) the p5 kernels they replace, which AVX2 keeps (see each one's comment). */
#define FKNW(op, dir) FKNW_(op, dir, VEC_ISA, UTAG)
#define FKNW_(op, dir, isa, u) FKNW__(op, dir, isa, u)
#define FKNW__(op, dir, isa, u) act_f32_##op##_##dir##__##isa##_pf_##u

/*
 * The smooth kernels run a software pipeline. One vector's operations form a chain of
 * dependent steps about 100 cycles long (sigmoid forward: 52 instructions per 8 floats). Issued
 * in one piece, the waiting operations filled the out-of-order window, and the loop ran at
 * about 28 cycles per vector. Staged, each pass of the loop issues the first stage of a later
 * vector before it finishes the current one, so most operations find their inputs ready:
 * sigmoid forward 1.30-1.36x in L1 (docs/activations.md lists the others).
 *
 * The stages: A(x, p) gives a state T (the pieces of the exp), J(T) a later form of it (the sum
 * renormalised, or the exp widened to double lanes; FM_JOIN_NONE for none), and B(x, [dy,] T, p)
 * the result. Two stages run A of vector i + 1 and then J and B of vector i; three stages split
 * J off. The depth was chosen per kernel by measurement: a fourth stage spilled registers and
 * was slower, and so was a third for some kernels. B recomputes the few cheap values of x it
 * needs rather than carry them across (registers are few).
 *
 * The same operations on the same values as the one-piece loop, so the same bits: each kernel
 * was compared with its one-piece build over all 2^32 inputs. The kernels read the parameters
 * from a local copy of *p. The compiler cannot tell that the stores to y leave *p alone, so it
 * would reload it in every pass (for celu's 1/alpha and softplus's 1/beta, a division per vector).
 */
#define FM_JOIN_NONE(g) (g)
/* The loop bodies, shared by forward and backward: G(i) loads the upstream gradient (nothing
 * forward) and CALL passes it to B (or not). Two stages: A of vector i + 1, then J and B of
 * vector i. Three: A of vector i + 2, J of vector i + 1, B of vector i. */
#define FM_NO_DY(i) vf_zero()
#define FM_DY(i) vf_load(dy + (i))
#define FM_CALL_FWD(B, a, g, e) ((void)(g), vf_nan_pass(a, B(a, e, &pl)))
#define FM_CALL_BWD(B, a, g, e) vf_nan_pass(a, B(a, g, e, &pl))
/* For a B that returns NaN for NaN itself (the kernels with an ordinary-vector path, below). */
#define FM_CALL_FWD_RAW(B, a, g, e) ((void)(g), B(a, e, &pl))
#define FM_CALL_BWD_RAW(B, a, g, e) B(a, g, e, &pl)
/* The last n - i < VLEN elements: the same formula on a zero-padded copy, so that an element
 * gets the same bits wherever it falls (tests/test_position.c). G##_PAD copies dy's part. */
#define FM_NO_DY_PAD(t, i) ((void)0)
#define FM_DY_PAD(t, i) memcpy(t, dy + (i), (n - (i)) * sizeof(float))
#define FM_PIPE_TAIL(A, J, B, OUT, G, CALL)                                                  \
    if (i < n) {                                                                             \
        float ta_[VLEN] = {0}, tg_[VLEN] = {0}, tr_[VLEN];                                   \
        memcpy(ta_, x + i, (n - i) * sizeof(float));                                         \
        G##_PAD(tg_, i);                                                                     \
        vf a_ = vf_load(ta_), g_ = vf_load(tg_);                                             \
        (void)g_;                                                                            \
        vf_store(tr_, CALL(B, a_, g_, J(A(a_, &pl))));                                       \
        memcpy(OUT + i, tr_, (n - i) * sizeof(float));                                       \
        i = n;                                                                               \
    }
#define FM_PIPE2_BODY(T, A, J, B, OUT, G, CALL)                                              \
    if (n >= VLEN) {                                                                         \
        vf a0 = vf_load(x);                                                                  \
        T e0 = A(a0, &pl);                                                                   \
        for (; i + 2 * VLEN <= n; i += VLEN) {                                               \
            vf a1 = vf_load(x + i + VLEN);                                                   \
            T e1 = A(a1, &pl);                                                               \
            vf g0 = G(i);                                                                    \
            vf_store(OUT + i, CALL(B, a0, g0, J(e0)));                                       \
            a0 = a1;                                                                         \
            e0 = e1;                                                                         \
        }                                                                                    \
        vf g0 = G(i);                                                                        \
        vf_store(OUT + i, CALL(B, a0, g0, J(e0)));                                           \
        i += VLEN;                                                                           \
    }                                                                                        \
    FM_PIPE_TAIL(A, J, B, OUT, G, CALL)
#define FM_PIPE3_BODY(T, A, J, B, OUT, G, CALL)                                              \
    if (n >= 2 * VLEN) {                                                                     \
        vf a0 = vf_load(x), a1 = vf_load(x + VLEN);                                          \
        T e0 = J(A(a0, &pl)), e1 = A(a1, &pl);                                               \
        for (; i + 3 * VLEN <= n; i += VLEN) {                                               \
            vf a2 = vf_load(x + i + 2 * VLEN);                                               \
            T e2 = A(a2, &pl);                                                               \
            e1 = J(e1);                                                                      \
            vf g0 = G(i);                                                                    \
            vf_store(OUT + i, CALL(B, a0, g0, e0));                                          \
            a0 = a1;                                                                         \
            e0 = e1;                                                                         \
            a1 = a2;                                                                         \
            e1 = e2;                                                                         \
        }                                                                                    \
        e1 = J(e1);                                                                          \
        vf g0 = G(i), g1 = G(i + VLEN);                                                      \
        vf_store(OUT + i, CALL(B, a0, g0, e0));                                              \
        vf_store(OUT + i + VLEN, CALL(B, a1, g1, e1));                                       \
        i += 2 * VLEN;                                                                       \
    }                                                                                        \
    for (; i + VLEN <= n; i += VLEN) {                                                       \
        vf a = vf_load(x + i), g = G(i);                                                     \
        vf_store(OUT + i, CALL(B, a, g, J(A(a, &pl))));                                      \
    }                                                                                        \
    FM_PIPE_TAIL(A, J, B, OUT, G, CALL)
/* A kernel of one loop BODY; CALL is FM_CALL_FWD / FM_CALL_BWD (NaN lanes selected back in) or
 * their _RAW forms (B handles NaN itself). */
#define FM_DEFINE_FWD_CALL(name, BODY, T, A, J, B, CALL)                                     \
    void name(size_t n, const float *x, float *y, const struct act_params *p)                \
    {                                                                                        \
        const struct act_params pl = *p;                                                     \
        (void)pl;                                                                            \
        size_t i = 0;                                                                        \
        BODY(T, A, J, B, y, FM_NO_DY, CALL)                                                  \
    }
#define FM_DEFINE_BWD_CALL(name, BODY, T, A, J, B, CALL)                                     \
    void name(size_t n, const float *x, const float *dy, float *dx, const struct act_params *p) \
    {                                                                                        \
        const struct act_params pl = *p;                                                     \
        (void)pl;                                                                            \
        size_t i = 0;                                                                        \
        BODY(T, A, J, B, dx, FM_DY, CALL)                                                    \
    }
#define FM_DEFINE_FWD(name, OP, BODY, T, A, J, B) FM_DEFINE_FWD_CALL(name, BODY, T, A, J, B, FM_CALL_FWD)
#define FM_DEFINE_BWD(name, OP, BODY, T, A, J, B) FM_DEFINE_BWD_CALL(name, BODY, T, A, J, B, FM_CALL_BWD)
#define FM_DEFINE_FWD_RAW(name, BODY, T, A, J, B) FM_DEFINE_FWD_CALL(name, BODY, T, A, J, B, FM_CALL_FWD_RAW)
#define FM_DEFINE_BWD_RAW(name, BODY, T, A, J, B) FM_DEFINE_BWD_CALL(name, BODY, T, A, J, B, FM_CALL_BWD_RAW)
#define DEFINE_FWD_PIPE2(name, OP, T, A, J, B) FM_DEFINE_FWD(name, OP, FM_PIPE2_BODY, T, A, J, B)
#define DEFINE_BWD_PIPE2(name, OP, T, A, J, B) FM_DEFINE_BWD(name, OP, FM_PIPE2_BODY, T, A, J, B)
#define DEFINE_FWD_PIPE3(name, OP, T, A, J, B) FM_DEFINE_FWD(name, OP, FM_PIPE3_BODY, T, A, J, B)
#define DEFINE_BWD_PIPE3(name, OP, T, A, J, B) FM_DEFINE_BWD(name, OP, FM_PIPE3_BODY, T, A, J, B)

#define FM_MAGIC 0x1.8p23f
#define FM_LOG2E 0x1.715476p+0f
#define FM_LN2_HI 0x1.62e4p-1f     /* 16 significant bits */
#define FM_LN2_LO 0x1.7f7d1cp-20f  /* ln 2 - FM_LN2_HI, rounded */

/* The pieces of exp(z) for z in [-120, 0] (callers clamp). */
struct fm_exp {
    vf eh, el;   /* exp(z) * 2^64 = eh + el, |el| below half an ulp of eh */
    vf n;        /* z = n ln2 + r */
    vf r_hi, t_lo; /* expm1(r) = r_hi + t_lo before rounding: for n = 0, expm1(z) itself */
    vf t;        /* n + FM_MAGIC */
};

/* In two stages, for the kernels' software pipeline: the reduction and the polynomial
 * (n, r_hi, t_lo), then the sum 1 + expm1(r) renormalised and scaled (eh, el). With has_zl (a
 * constant), the argument is z + zl: zl, a low part, joins the reduction's (celu's x / alpha). */
static inline struct fm_exp fm_exp_poly3(vf z, vf zl, int has_zl, float magic)
{
    struct fm_exp e;
    e.t = vf_fma(z, vf_set1(FM_LOG2E), vf_set1(magic));
    e.n = vf_sub(e.t, vf_set1(magic));
    e.r_hi = vf_fma(e.n, vf_set1(-FM_LN2_HI), z);   /* exact */
    vf r_lo = has_zl ? vf_fma(e.n, vf_set1(-FM_LN2_LO), zl) : vf_mul(e.n, vf_set1(-FM_LN2_LO));
    vf r = vf_add(e.r_hi, r_lo); /* the polynomial's argument: its rounding costs ~2^-26 of r^2 q */
    vf r2 = vf_mul(r, r);
    vf q = vf_fma(vf_set1(0x1.a13978p-13f), r, vf_set1(0x1.6d27cap-10f));
    q = vf_fma(q, r, vf_set1(0x1.1110d2p-7f));
    q = vf_fma(q, r, vf_set1(0x1.5554fep-5f));
    q = vf_fma(q, r, vf_set1(0x1.555556p-3f));
    q = vf_fma(q, r, vf_set1(0.5f));
    e.t_lo = vf_fma(r2, q, r_lo);
    e.eh = e.el = vf_zero();
    return e;
}
static inline struct fm_exp fm_exp_poly2(vf z, vf zl, int has_zl) { return fm_exp_poly3(z, zl, has_zl, FM_MAGIC); }
static inline struct fm_exp fm_exp_poly(vf z) { return fm_exp_poly2(z, vf_zero(), 0); }
/* The same with t = n + FM_MAGIC127, whose bits shifted by 23 are 2^n (vf_pow2_from_magic127: one
 * shift, where vf_pow2_from_magic adds the bias first). For -126 <= n <= 127 (the lean kernels
 * below clamp z). */
#define FM_MAGIC127 0x1.8000fep23f /* 1.5 * 2^23 + 127 */
static inline struct fm_exp fm_exp_poly127(vf z) { return fm_exp_poly3(z, vf_zero(), 0, FM_MAGIC127); }

/* With bias 64 (fm_exp_join), exp(z) * 2^64; with 0 (fm_exp_join0), exp(z) itself, for z >= -64
 * (the ordinary vectors below: 2^n must be a normal float). */
static inline struct fm_exp fm_exp_join_b(struct fm_exp e, int bias)
{
    vf one = vf_set1(1.0f);
    vf hi = vf_add(one, e.r_hi);
    vf lo = vf_add(vf_add(vf_sub(one, hi), e.r_hi), e.t_lo);
    vf sum = vf_add(hi, lo); /* renormalise (Fast2Sum, |hi| >= |lo|): lo below half an ulp of hi */
    lo = vf_add(vf_sub(hi, sum), lo);
    vf s = bias ? vf_pow2_from_magic(e.t, 64) : vf_pow2_from_magic(e.t, 0);
    e.eh = vf_mul(sum, s);
    e.el = vf_mul(lo, s);
    return e;
}
static inline struct fm_exp fm_exp_join(struct fm_exp e) { return fm_exp_join_b(e, 1); }
static inline struct fm_exp fm_exp_join0(struct fm_exp e) { return fm_exp_join_b(e, 0); }

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
 * result is rounded once, at the end. FM_SIGMOID_P is the first stage of the kernel's
 * pipeline (DEFINE_FWD_PIPE3 above), fm_sigmoid_b the last.
 */
#define FM_SIGMOID_P(a, p) fm_exp_poly(vf_max(vf_or(a, vf_set1(-0.0f)), vf_set1(-105.0f))) /* -|x|, clamped where the results are 0 or 1 */

/* scaled: e is exp(z) * 2^64 (fm_exp_join) and *scale the factor that undoes it; otherwise e is
 * exp(z) itself (fm_exp_join0, ordinary vectors) and *scale is not set. */
static inline vf fm_sigmoid_finish(vf x, struct fm_exp e, vf *c, vf *scale, int scaled)
{
    vf m64 = vf_set1(0x1p-64f), one = vf_set1(1.0f);
    vf ex = scaled ? vf_mul(e.eh, m64) : e.eh; /* exp(z); may be subnormal, but then 1 + ex == 1 */
    vf dh = vf_add(one, ex);
    vf dl = vf_add(vf_add(vf_sub(one, dh), ex), scaled ? vf_mul(e.el, m64) : e.el);
    vf neg = vf_lt(x, vf_zero());
    if (scaled)
        *scale = vf_select(neg, m64, one);
    return fm_div2(vf_select(neg, e.eh, one), vf_and(neg, e.el), dh, dl, c);
}

static inline vf fm_sigmoid_b(vf x, struct fm_exp e)
{
    vf c, scale, q0 = fm_sigmoid_finish(x, e, &c, &scale, 1);
    return vf_mul(vf_add(q0, c), scale);
}

/* silu(x) = x sigmoid(x): the product of x and the unrounded quotient, rounded once. Below
 * x = -120 the result is -0 (silu(-120) = -9e-51). */
#define FM_SILU_P(a, p) fm_exp_poly(vf_max(vf_or(a, vf_set1(-0.0f)), vf_set1(-120.0f)))
static inline vf fm_silu_b(vf x, struct fm_exp e)
{
    vf xc = vf_max(x, vf_set1(-120.0f));
    vf c, scale, q0 = fm_sigmoid_finish(xc, e, &c, &scale, 1);
    vf y = vf_mul(vf_fma(xc, q0, vf_mul(xc, c)), scale);
    return vf_sel_eq(x, vf_set1(INFINITY), x, y); /* inf * c could be inf * 0 */
}

/*
 * Ordinary vectors. Where every lane has |x| <= 64, every value above is a normal float (exp(-64)
 * = 2^-92.3, and the quotient's correction is about 2^-24 of that), so the scaling by 2^64 and
 * back, the clamps and the NaN select change nothing and are left out: fm_exp_join0 and the
 * unscaled finish. The bits are the same as the general path's (build/bitcmp over all 2^32
 * inputs against the kernel before this path). Other vectors (NaN, +-inf, |x| > 64 in any lane)
 * take the general path whole. One compare per vector; sigmoid 1.2x in L1.
 */
#define FM_ORDINARY_ABS(x) vf_all_ge(vf_or(x, vf_set1(-0.0f)), vf_set1(-64.0f)) /* |x| <= 64 */
/* The lanes where v is +-0 or lo <= |v| <= hi (false for NaN and, for a finite hi, inf). */
#define FM_ABS_WITHIN(v, lo, hi) /* the lanes where lo <= |v| <= hi */                         \
    vf_and(vf_ge(vf_andnot(vf_set1(-0.0f), v), vf_set1(lo)), vf_le(vf_andnot(vf_set1(-0.0f), v), vf_set1(hi)))
#define FM_ZERO_OR_WITHIN(v, lo, hi) vf_or(vf_eq(v, vf_zero()), FM_ABS_WITHIN(v, lo, hi))
/* Whether every lane is such (and has x >= xlo): AVX-512 checks it on k-masks (vec-avx512.h). */
#ifndef VF_HAS_KMASK
#define vf_all_zw(v, lo, hi) vf_all(FM_ZERO_OR_WITHIN(v, lo, hi))
#define vf_all_ge_zw(x, xlo, v, lo, hi) vf_all(vf_and(vf_ge(x, vf_set1(xlo)), FM_ZERO_OR_WITHIN(v, lo, hi)))
#define vf_all_abs_within(v, lo, hi) vf_all(FM_ABS_WITHIN(v, lo, hi))
#define vf_all_in(v, lo, hi) vf_all(vf_and(vf_ge(v, vf_set1(lo)), vf_le(v, vf_set1(hi))))
#endif
#define FM_SIGMOID_FAST_A(a, p) fm_exp_poly(vf_or(a, vf_set1(-0.0f)))
FM_COLD vf fm_sigmoid_general(vf x, int silu)
{
    vf y = silu ? fm_silu_b(x, fm_exp_join(FM_SILU_P(x, 0))) : fm_sigmoid_b(x, fm_exp_join(FM_SIGMOID_P(x, 0)));
    return vf_nan_pass(x, y);
}
/* sigmoid (silu = 0) or silu (1) */
FM_INLINE vf fm_sigmoid_fast_b(vf x, struct fm_exp e, int silu)
{
    if (!FM_ORDINARY_ABS(x))
        return fm_sigmoid_general(x, silu);
    vf c, q0 = fm_sigmoid_finish(x, e, &c, NULL, 0);
    return silu ? vf_fma(x, q0, vf_mul(x, c)) : vf_add(q0, c);
}

/*
 * (h + l) * a rounded once, for a float a and a constant split in float h + l: h a + l a as one
 * fma. Tiny a are scaled by 2^64 first (l a would underflow and lose the low part); +-0 and +-inf
 * are h a (h 0 + l 0 can lose the sign of zero, h inf + l inf can be inf - inf).
 */
static inline vf fm_mul2(vf a, vf h, vf l) /* for 2^-100 <= |a| < inf, the fma below alone */
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
#define FM_EXPM1_P(a) fm_exp_poly(vf_max(a, vf_set1(-120.0f)))
/* expm1 = big + small, unrounded; scaled: e from fm_exp_join (else fm_exp_join0) */
static inline vf fm_expm1_sum(struct fm_exp e, vf *small, int scaled)
{
    vf m64 = vf_set1(0x1p-64f), one = vf_set1(1.0f);
    vf Eh = scaled ? vf_mul(e.eh, m64) : e.eh, El = scaled ? vf_mul(e.el, m64) : e.el;
    vf s = vf_sub(Eh, one);
    vf s_lo = vf_add(vf_sub(vf_sub(vf_zero(), one), s), Eh); /* exact: (-1 - s) + Eh */
    vf n0 = vf_eq(e.n, vf_zero());
    *small = vf_select(n0, e.t_lo, vf_add(s_lo, El));
    return vf_select(n0, e.r_hi, s);
}
#define FM_EXPM1_TINY(x) vf_gt(x, vf_set1(-0x1p-60f)) /* also keeps -0 */
static inline vf fm_scaled_expm1(vf x, struct fm_exp e, vf sh, vf sl) /* e from fm_exp_join */
{
    vf small, big = fm_expm1_sum(e, &small, 1);
    /* scale * (big + small) = sh big + (sl big + sh small), rounded once at the end */
    vf y = vf_fma(sh, big, vf_fma(sl, big, vf_mul(sh, small)));
    return vf_select(FM_EXPM1_TINY(x), fm_mul2(x, sh, sl), y);
}
/* alpha (big + small) rounded once, for a float alpha: big + small renormalised first (Fast2Sum,
 * |big| >= |small|), so that the product rounded inside is below half an ulp of the result
 * (small itself can be a fifth of it: z^2/2 for n = 0). */
static inline vf fm_alpha_mul2(vf alpha, vf big, vf small)
{
    vf h = vf_add(big, small);
    vf l = vf_add(vf_sub(big, h), small);
    return vf_fma(alpha, h, vf_mul(alpha, l));
}
/* The same for a float scale (sl = 0): fewer operations, and alpha x for tiny x is one
 * correctly rounded product. */
static inline vf fm_alpha_expm1(vf x, struct fm_exp e, vf alpha, int pow2, int scaled)
{
    vf small, big = fm_expm1_sum(e, &small, scaled);
    vf y = pow2 ? vf_fma(alpha, big, vf_mul(alpha, small)) : fm_alpha_mul2(alpha, big, small);
    return vf_select(FM_EXPM1_TINY(x), vf_mul(x, alpha), y);
}

/* elu: x > 0 ? x : alpha expm1(x). Where alpha is a power of two (the default 1) or 0, alpha small
 * is exact and the renormalisation is left out (6% faster); the kernel picks its loop per call. */
FM_COLD vf fm_elu_general(vf x, const struct act_params *p, int pow2)
{
    struct fm_exp e = fm_exp_join(FM_EXPM1_P(x));
    vf y = vf_sel_gt(x, vf_zero(), x, fm_alpha_expm1(x, e, vf_set1(p->alpha), pow2, 1));
    return vf_nan_pass(x, y);
}
/* Ordinary vectors (x >= -64 in every lane, +inf included: see fm_sigmoid_fast_b) skip the
 * scaling by 2^64 and back; the others take fm_elu_general. */
FM_INLINE vf fm_elu_b(vf x, struct fm_exp e, const struct act_params *p, int pow2)
{
    if (!vf_all_ge(x, vf_set1(-64.0f)))
        return fm_elu_general(x, p, pow2);
    return vf_sel_gt(x, vf_zero(), x, fm_alpha_expm1(x, e, vf_set1(p->alpha), pow2, 0));
}
#define FM_ELU_B(a, e, p) fm_elu_b(a, e, p, 0)
#define FM_ELU_B_POW2(a, e, p) fm_elu_b(a, e, p, 1)
/*
 * celu: x > 0 ? x : alpha expm1(x / alpha). z = x / alpha is carried as zh + zl: zh = x RN(1/alpha),
 * zl = (x - zh alpha) RN(1/alpha) from the exact fma residual, and zl joins the reduction's low
 * part, so z's rounding does not reach expm1 (it would cost up to 0.5 ULP near 0). x is clamped
 * to -120 alpha (the result is -alpha to float precision below); for z above -2^-60 the result
 * is x itself (alpha expm1(z) = x (1 + z/2 + ...)). alpha outside [2^-100, 2^100] runs the
 * reference (1/alpha and 120 alpha stay finite and normal inside).
 */
static inline struct fm_exp fm_celu_a2(vf x, const struct act_params *p, int ordinary)
{
    vf inv = vf_set1(1.0f / p->alpha);
    vf xc = ordinary ? x : vf_max(x, vf_set1(-120.0f * p->alpha));
    vf zh = vf_mul(xc, inv);
    vf zl = vf_mul(vf_fnma(zh, vf_set1(p->alpha), xc), inv);
    struct fm_exp e = fm_exp_poly2(zh, zl, 1);
    return ordinary ? fm_exp_join0(e) : fm_exp_join(e);
}
static inline vf fm_celu_b2(vf x, struct fm_exp e, const struct act_params *p, int ordinary)
{
    vf alpha = vf_set1(p->alpha);
    vf small, big = fm_expm1_sum(e, &small, !ordinary);
    vf keep = vf_gt(x, vf_set1(-0x1p-60f * p->alpha)); /* x > 0, tiny x and -0 */
    return vf_select(keep, x, fm_alpha_mul2(alpha, big, small));
}
FM_COLD vf fm_celu_general(vf x, const struct act_params *p)
{
    return vf_nan_pass(x, fm_celu_b2(x, fm_celu_a2(x, p, 0), p, 0));
}
/* Ordinary vectors: x >= -64 alpha in every lane (z = x / alpha >= -64). */
#define FM_CELU_A(x, p) fm_celu_a2(x, p, 1)
FM_INLINE vf fm_celu_b(vf x, struct fm_exp e, const struct act_params *p)
{
    if (!vf_all_ge(x, vf_set1(-64.0f * p->alpha)))
        return fm_celu_general(x, p);
    return fm_celu_b2(x, e, p, 1);
}

/*
 * elu with alpha = 1, 0 or +-2^k in [2^-60, 2^60] (LEAN_1 / LEAN): expm1(x) = 2^n (1 + u) - 1,
 * u = expm1(r) = r_hi + t_lo, is s u - (1 - s) with s = 2^n: u rounded once (|u| < 0.42),
 * then one fma (s u exact, 1 - s exact for n >= -24). x is clamped to -17.5 first (n >= -25;
 * there 1 - s rounds to 1 and the result to -1, as expm1(x) does below -17.33). The rounding of u
 * costs at most s/2 ulp(u), a quarter of an ulp of the result at n = -1 and less below; for n = 0
 * the sum is the one rounding, as before. Over all x in [-64, -0] against expm1l: 0.8204 ULP at
 * most, the ordinary-vector kernel's max (at x = -0.2728, n = 0, where the two agree). alpha y is
 * exact (|y| >= 2^-61 where it is not x itself). NaN: the clamp makes it -17.5, and the select,
 * x <= 0 false, gives x back, as it does +inf. +-0 give alpha (+-0), as the reference does.
 */
#define FM_ELU_LEAN_A(a, p) fm_exp_poly127(vf_max(a, vf_set1(-17.5f)))
FM_INLINE vf fm_expm1_lean(struct fm_exp e)
{
    vf s = vf_pow2_from_magic127(e.t);
    return vf_fms(s, vf_add(e.r_hi, e.t_lo), vf_sub(vf_set1(1.0f), s));
}
FM_INLINE vf fm_elu_lean(vf x, struct fm_exp e, const struct act_params *p, int one)
{
    vf y = fm_expm1_lean(e);
    if (one)
        return vf_sel_lt(x, vf_zero(), y, x);
    y = vf_mul(vf_sel_eq(x, vf_zero(), x, y), vf_set1(p->alpha)); /* alpha (+-0) */
    return vf_sel_le(x, vf_zero(), y, x);
}
#define FM_ELU_LEAN_1(a, e, p) fm_elu_lean(a, e, p, 1)
#define FM_ELU_LEAN(a, e, p) fm_elu_lean(a, e, p, 0)
/*
 * The same expm1 kept as h + w, for a product by a constant that is not a power of two (elu's
 * other alpha, selu's lambda alpha, celu's alpha): u = uh + ul (Fast2Sum: r_hi is a multiple of
 * ulp(t_lo)), s uh - (1 - s) = h + l (Fast2Sum: |s - 1| >= |s uh| for n < 0; for n = 0, h = uh and
 * l = 0), and w = s ul + l. So the only roundings left are those of the pieces of u (as before)
 * and the final product's.
 */
FM_INLINE vf fm_expm1_lean2(struct fm_exp e, vf *w)
{
    vf s = vf_pow2_from_magic127(e.t), sm1 = vf_sub(s, vf_set1(1.0f));
    vf uh = vf_add(e.r_hi, e.t_lo);
    vf ul = vf_add(vf_sub(e.r_hi, uh), e.t_lo);
    vf su = vf_mul(s, uh);
    vf h = vf_add(sm1, su);
    *w = vf_fma(s, ul, vf_add(vf_sub(sm1, h), su));
    return h;
}
/* elu, other alpha in [2^-60, 2^60]: alpha (h + w) renormalised and rounded once (fm_alpha_mul2);
 * x > -2^-60 (and +-0) gives alpha x, x > 0 and NaN give x. */
FM_INLINE vf fm_elu_lean2(vf x, struct fm_exp e, const struct act_params *p)
{
    vf alpha = vf_set1(p->alpha), w, h = fm_expm1_lean2(e, &w);
    vf y = vf_select(FM_EXPM1_TINY(x), vf_mul(x, alpha), fm_alpha_mul2(alpha, h, w));
    return vf_sel_le(x, vf_zero(), y, x);
}
#define FM_ELU_LEAN2(a, e, p) fm_elu_lean2(a, e, p)

/* celu with alpha = 2^k in [2^-60, 2^60]: z = x / alpha is exact, and alpha expm1(z) is elu's lean
 * form (fm_elu_lean) scaled exactly; x > -2^-60 alpha (and NaN) give x. */
#define FM_CELU_LEAN_A(a, p) fm_exp_poly127(vf_max(vf_mul(a, vf_set1(1.0f / (p)->alpha)), vf_set1(-17.5f)))
FM_INLINE vf fm_celu_lean(vf x, struct fm_exp e, const struct act_params *p)
{
    return vf_sel_le(x, vf_set1(-0x1p-60f * p->alpha), vf_mul(fm_expm1_lean(e), vf_set1(p->alpha)), x);
}
#define FM_CELU_LEAN(a, e, p) fm_celu_lean(a, e, p)
/* celu, other alpha in [2^-60, 2^60]: z = zh + zl as in fm_celu_a2 (from x clamped to -17.5 alpha),
 * expm1(z) as h + w (fm_expm1_lean2; r_hi is still a multiple of ulp(t_lo)), alpha (h + w) rounded
 * once (fm_alpha_mul2); x > -2^-60 alpha and NaN give x. */
FM_INLINE struct fm_exp fm_celu_lean2_a(vf x, const struct act_params *p)
{
    vf inv = vf_set1(1.0f / p->alpha);
    vf xc = vf_max(x, vf_set1(-17.5f * p->alpha));
    vf zh = vf_mul(xc, inv);
    return fm_exp_poly3(zh, vf_mul(vf_fnma(zh, vf_set1(p->alpha), xc), inv), 1, FM_MAGIC127);
}
FM_INLINE vf fm_celu_lean2(vf x, struct fm_exp e, const struct act_params *p)
{
    vf w, h = fm_expm1_lean2(e, &w);
    return vf_sel_le(x, vf_set1(-0x1p-60f * p->alpha), fm_alpha_mul2(vf_set1(p->alpha), h, w), x);
}

/* selu: lambda x for x > 0 (one product of the float x by lambda = lh + ll, rounded once);
 * lambda alpha expm1(x) otherwise. */
#define SELU_LH 0x1.0cfabep+0f   /* lambda = 1.0507009873554805 split in float hi + lo */
#define SELU_LL -0x1.2adddap-25f
#define SELU_LAH 0x1.c212ccp+0f  /* lambda alpha = 1.7580993408473768 split in float hi + lo */
#define SELU_LAL 0x1.903c0cp-26f
FM_COLD vf fm_selu_general(vf x)
{
    struct fm_exp e = fm_exp_join(FM_EXPM1_P(x));
    vf y = vf_sel_gt(x, vf_zero(), fm_mul2(x, vf_set1(SELU_LH), vf_set1(SELU_LL)), fm_scaled_expm1(x, e, vf_set1(SELU_LAH), vf_set1(SELU_LAL)));
    return vf_nan_pass(x, y);
}
/* Ordinary lanes: 2^-100 <= |x| <= FLT_MAX, where fm_mul2 is one fma (x < -64 too: the lean
 * reduction clamps it to -17.5); the others take the general path's formula, lane by lane. expm1
 * from fm_expm1_lean2 (as elu's other alpha): lambda alpha (h + w) with both split in two floats,
 * rounded once.
 * |x| >= 2^-100 keeps every product a normal float, so the tiny-x select of the general path is
 * not needed (h + w is then x + x^2/2 to well past float precision). */
FM_INLINE vf fm_selu_lean(vf x, struct fm_exp e)
{
    vf w, h = fm_expm1_lean2(e, &w);
    vf lah = vf_set1(SELU_LAH);
    vf neg = vf_fma(lah, h, vf_fma(vf_set1(SELU_LAL), h, vf_mul(lah, w)));
    vf y = vf_sel_gt(x, vf_zero(), vf_fma(vf_set1(SELU_LH), x, vf_mul(vf_set1(SELU_LL), x)), neg);
    if (!vf_all_abs_within(x, 0x1p-100f, FLT_MAX)) /* per lane, so that an element's bits do not depend on its neighbours */
        y = vf_select(FM_ABS_WITHIN(x, 0x1p-100f, FLT_MAX), y, fm_selu_general(x));
    return y;
}
#define FM_SELU_LEAN(a, e, p) fm_selu_lean(a, e)

#define FM_SIGMOID_B(x, e, p) fm_sigmoid_fast_b(x, e, 0)
#define FM_SILU_B(x, e, p) fm_sigmoid_fast_b(x, e, 1)
#define FM_EXPM1_A(a, p) fm_exp_join0(fm_exp_poly(a)) /* ordinary vectors; no clamp */
/*
 * tanh forward in float lanes: tanh|x| = -m / (2 + m), m = expm1(-2|x|) in (-1, 0], z = -2|x|
 * clamped to -20 (tanh 10 rounds to 1; the clamp also takes +-inf and NaN, which FM_CALL_FWD
 * passes on). With P = 2^n (normal: n >= -29) and exp(z) = P (1 + r_hi + t_lo),
 * m = (P - 1) + P r_hi + P t_lo: A = P - 1 with its exact residual (Fast2Sum, |-1| >= P), then
 * A + P r_hi by Fast2Sum (|A| >= 1/2 >= |P r_hi| for n < 0; A = 0 for n = 0) and the low parts,
 * renormalised into s + l (for n = 0, t_lo is up to 0.17 of s). 2 + s + l likewise, and the
 * quotient s/(2 + s) with fm_div2's correction is rounded once: the float-lane sigmoid's scheme
 * (t_lo's 2^-28 is the error that remains; the factor 2/(2 + m) <= 2 on it). Subnormal x: m = z
 * exactly, dh = 2, q0 = z/2 = -|x| exact. The sign of x (and of a zero) is put back at the end.
 */
#define FM_TANH_A(a, p) fm_exp_poly127(vf_max(vf_mul(vf_or(a, vf_set1(-0.0f)), vf_set1(2.0f)), vf_set1(-20.0f)))
FM_INLINE vf fm_tanh_fast_b(vf x, struct fm_exp e, const struct act_params *p)
{
    (void)p;
    vf two = vf_set1(2.0f);
    vf P = vf_pow2_from_magic127(e.t);
    vf A = vf_sub(P, vf_set1(1.0f));
    vf Ae = vf_add(vf_sub(vf_set1(-1.0f), A), P);
    vf B = vf_mul(P, e.r_hi);
    vf hi = vf_add(A, B);
    vf lo = vf_fma(P, e.t_lo, vf_add(vf_add(vf_sub(A, hi), B), Ae));
    vf s = vf_add(hi, lo);
    vf l = vf_add(vf_sub(hi, s), lo);
    vf dh = vf_add(two, s);
    vf dl = vf_add(vf_add(vf_sub(two, dh), s), l);
    vf c, q0 = fm_div2(s, l, dh, dl, &c);
    return vf_or(vf_andnot(vf_set1(-0.0f), vf_add(q0, c)), vf_and(x, vf_set1(-0.0f)));
}
FM_DEFINE_FWD_RAW(FKN(sigmoid, fwd), FM_PIPE3_BODY, struct fm_exp, FM_SIGMOID_FAST_A, fm_exp_join0, FM_SIGMOID_B)
FM_DEFINE_FWD_RAW(FKN(silu, fwd), FM_PIPE3_BODY, struct fm_exp, FM_SIGMOID_FAST_A, fm_exp_join0, FM_SILU_B)
void FKN(elu, fwd)(size_t n, const float *x, float *y, const struct act_params *p)
{
    const struct act_params pl = *p;
    size_t i = 0;
    int e;
    float aa = fabsf(pl.alpha);
    if (pl.alpha == 1.0f) {
        FM_PIPE2_BODY(struct fm_exp, FM_ELU_LEAN_A, FM_JOIN_NONE, FM_ELU_LEAN_1, y, FM_NO_DY, FM_CALL_FWD_RAW)
    } else if (pl.alpha == 0 || (aa >= 0x1p-60f && aa <= 0x1p60f && frexpf(aa, &e) == 0.5f)) {
        FM_PIPE2_BODY(struct fm_exp, FM_ELU_LEAN_A, FM_JOIN_NONE, FM_ELU_LEAN, y, FM_NO_DY, FM_CALL_FWD_RAW)
    } else if (aa >= 0x1p-60f && aa <= 0x1p60f) {
        FM_PIPE2_BODY(struct fm_exp, FM_ELU_LEAN_A, FM_JOIN_NONE, FM_ELU_LEAN2, y, FM_NO_DY, FM_CALL_FWD_RAW)
    } else if (frexpf(aa, &e) == 0.5f) { /* +-2^k outside [2^-60, 2^60] */
        FM_PIPE2_BODY(struct fm_exp, FM_EXPM1_A, FM_JOIN_NONE, FM_ELU_B_POW2, y, FM_NO_DY, FM_CALL_FWD_RAW)
    } else {
        FM_PIPE2_BODY(struct fm_exp, FM_EXPM1_A, FM_JOIN_NONE, FM_ELU_B, y, FM_NO_DY, FM_CALL_FWD_RAW)
    }
}
FM_DEFINE_FWD_RAW(FKN(selu, fwd), FM_PIPE2_BODY, struct fm_exp, FM_ELU_LEAN_A, FM_JOIN_NONE, FM_SELU_LEAN)
void FKN(celu, fwd)(size_t n, const float *x, float *y, const struct act_params *p)
{
    const struct act_params pl = *p;
    size_t i = 0;
    int e;
    if (pl.alpha == 1.0f) { /* elu's */
        FM_PIPE2_BODY(struct fm_exp, FM_ELU_LEAN_A, FM_JOIN_NONE, FM_ELU_LEAN_1, y, FM_NO_DY, FM_CALL_FWD_RAW)
    } else if (pl.alpha >= 0x1p-60f && pl.alpha <= 0x1p60f && frexpf(pl.alpha, &e) == 0.5f) {
        FM_PIPE2_BODY(struct fm_exp, FM_CELU_LEAN_A, FM_JOIN_NONE, FM_CELU_LEAN, y, FM_NO_DY, FM_CALL_FWD_RAW)
    } else if (pl.alpha >= 0x1p-60f && pl.alpha <= 0x1p60f) {
        FM_PIPE2_BODY(struct fm_exp, fm_celu_lean2_a, FM_JOIN_NONE, fm_celu_lean2, y, FM_NO_DY, FM_CALL_FWD_RAW)
    } else if (pl.alpha >= 0x1p-100f && pl.alpha <= 0x1p100f) {
        FM_PIPE2_BODY(struct fm_exp, FM_CELU_A, FM_JOIN_NONE, fm_celu_b, y, FM_NO_DY, FM_CALL_FWD_RAW)
    }
    for (; i < n; i++) /* every element, when alpha is out of the kernel's range */
        y[i] = ref_fwd1(ACT_OP_CELU, p, x[i]);
}

/* ---- gelu: float-lane erfc by 8-piece tables, assembled in double (simd/vmath-f.h) ---- */
#include "vmath-f.h"

#define TKN(op, dir) TKN_(op, dir, VEC_ISA, UTAG)
#define TKN_(op, dir, isa, u) TKN__(op, dir, isa, u)
#define TKN__(op, dir, isa, u) act_f32_##op##_##dir##__##isa##_t8_##u

/*
 * gelu(x) = x Phi(x). With a = |x| and E = exp(-a^2/2), Phi(-a) = R(a) E, so
 *   x <= 0: gelu = x R(a) E            (relative accuracy down to underflow: no cancellation)
 *   x > 0:  gelu = x - x R(a) E        (x R E <= x/2, so its error counts at most once)
 * gelu'(x) = Phi(x) + x phi(x); with D(a) = R(a) - a/sqrt(2 pi) = (a - A0) H(a):
 *   x <= 0: gelu' = D(a) E             (the root at x = -A0 is in the factor a - A0, exact in double)
 *   x > 0:  gelu' = 1 - D(a) E         (in [0.5, 1.13])
 * The costly parts (R or H, and the pieces of E) are float polynomials; the few products and
 * sums that follow are done in double lanes, so the only float roundings left are those of
 * the polynomial's small part t and of E's t_lo, and the final one. Measured maximum errors
 * (all 2^32 inputs) are in the registry comment (kernels.inc).
 * a is clamped to 15 (forward: |gelu(-15)| < 2^-162) and 20 (backward: |gelu'(-20)| < 2^-285,
 * so |dy| <= FLT_MAX keeps dx below 2^-157, a float 0); the clamp also maps +-inf to their limits.
 */
struct fm_gelu_d {
    vd x, t, c0h, r_hi, t_lo, s; /* one half of a vector, as doubles */
};

#define FM_GELU_HALF(out, half, xa, tt, cc, g)                                               \
    do {                                                                                     \
        (out).x = vd_from_##half(xa);                                                        \
        (out).t = vd_from_##half(tt);                                                        \
        (out).c0h = vd_from_##half(cc);                                                      \
        (out).r_hi = vd_from_##half((g).r_hi);                                               \
        (out).t_lo = vd_from_##half((g).t_lo);                                               \
        (out).s = vd_pow2_##half((g).n);                                                     \
    } while (0)

/* E = exp(-a^2/2) in double from its parts. */
static inline vd fm_gauss_d(const struct fm_gelu_d *h)
{
    return vd_fma(h->s, vd_add(h->r_hi, h->t_lo), h->s);
}

static inline vd fm_gelu_fwd_d(const struct fm_gelu_d *h, vd xs)
{
    vd xre = vd_mul(vd_mul(h->x, vd_add(h->c0h, h->t)), fm_gauss_d(h)); /* x R E, x clamped */
    return vd_select(vd_gt(xs, vd_set1(0.0)), vd_sub(xs, xre), xre);
}

/* What forward and backward share: |x| clamped to clamp, E's parts and the table polynomial of
 * tab at a, widened to doubles in two halves (lo, hi) with the sign of x kept on the clamped x. */
#define FM_GELU_A(x, clamp) vf_min_b(vf_andnot(vf_set1(-0.0f), x), vf_set1(clamp))
FM_INLINE struct fm_exp_parts fm_gelu_parts(vf x, float clamp, const float (*tab)[8])
{
    vf a = FM_GELU_A(x, clamp);
    struct fm_exp_parts g = fm_exp_neg_half_sq(a);
    g.u0 = fm_table_poly(tab, a, &g.u1);
    return g;
}
FM_INLINE struct fm_exp_parts fm_gelu_a(vf x, const struct act_params *p)
{
    (void)p;
    return fm_gelu_parts(x, 15.0f, gelu_r_tab);
}
FM_INLINE struct fm_exp_parts fm_dgelu_a(vf x, const struct act_params *p)
{
    (void)p;
    return fm_gelu_parts(x, 20.0f, gelu_h_tab);
}
/* g carries the table polynomial's t (u0) and c0h (u1) */
FM_INLINE void fm_gelu_halves(vf x, struct fm_exp_parts g, float clamp, struct fm_gelu_d *lo, struct fm_gelu_d *hi)
{
    vf sign = vf_and(x, vf_set1(-0.0f));
    vf a = FM_GELU_A(x, clamp);
    vf t = g.u0, c0h = g.u1;
    vf xc = vf_or(a, sign);
    FM_GELU_HALF(*lo, lo, xc, t, c0h, g);
    FM_GELU_HALF(*hi, hi, xc, t, c0h, g);
}

FM_INLINE vf fm_gelu_double(vf x, struct fm_exp_parts g)
{
    struct fm_gelu_d lo, hi;
    fm_gelu_halves(x, g, 15.0f, &lo, &hi);
    return vf_from_vd(fm_gelu_fwd_d(&lo, vd_from_lo(x)), fm_gelu_fwd_d(&hi, vd_from_hi(x)));
}

/*
 * The same products in float lanes, on ordinary lanes: 2^-60 <= |x| <= 12, or x = +-0 (gelu(+-0)
 * = +-0). E = 2^n (eh + el) (1 + r_hi by Fast2Sum; 2^n a normal float for a <= 12), R = c0h + t
 * as Rh + Rl (Fast2Sum: |t| < c0h within a piece), x R as xh + xl and x R E as ph + pl (each
 * product's rounding error from an fma); x > 0: x - (ph + pl) with x - ph by Fast2Sum (ph <= x/2).
 * The one float rounding added to those of the double-lane form is that of el (the low part of
 * 1 + expm1(r), about 2^-28 of E; the double-lane form adds r_hi + t_lo exactly): over all 2^32
 * inputs the max error went from 1.369 to 1.403 ULP (budget 2).
 * Every value is a normal float there (|gelu(-12)| > 2^-106), the low parts' products aside.
 * Other lanes keep the double-lane form, per lane, so each element's bits depend on its input only.
 */
#define FM_GELU_LANES(x) FM_ZERO_OR_WITHIN(x, 0x1p-60f, 12.0f)
#define FM_GELU_ALL(x) vf_all_zw(x, 0x1p-60f, 12.0f) /* vf_all(FM_GELU_LANES(x)) */
FM_INLINE vf fm_gelu_float(vf x, struct fm_exp_parts g)
{
    vf one = vf_set1(1.0f);
    vf hi = vf_add(one, g.r_hi);
    vf lo = vf_add(vf_add(vf_sub(one, hi), g.r_hi), g.t_lo);
    vf s = vf_pow2_vi(g.n);
    vf eh = vf_mul(hi, s), el = vf_mul(lo, s);
    vf rh = vf_add(g.u1, g.u0), rl = vf_add(vf_sub(g.u1, rh), g.u0);
    vf xh = vf_mul(x, rh), xl = vf_fma(x, rl, vf_fms(x, rh, xh));
    vf ph = vf_mul(xh, eh), pl = vf_fma(xh, el, vf_fma(xl, eh, vf_fms(xh, eh, ph)));
    vf sh = vf_sub(x, ph), sl = vf_sub(vf_sub(x, sh), ph);
    vf y = vf_sel_gt(x, vf_zero(), vf_add(sh, vf_sub(sl, pl)), vf_add(ph, pl));
    return vf_sel_eq(x, vf_zero(), x, y);
}
FM_COLD vf fm_gelu_general(vf x, struct fm_exp_parts g)
{
    return vf_select(FM_GELU_LANES(x), fm_gelu_float(x, g), vf_nan_pass(x, fm_gelu_double(x, g)));
}
FM_INLINE vf fm_gelu_b(vf x, struct fm_exp_parts g, const struct act_params *p)
{
    (void)p;
    if (!FM_GELU_ALL(x))
        return fm_gelu_general(x, g);
    return fm_gelu_float(x, g);
}

static inline vd fm_dgelu_d(const struct fm_gelu_d *h, vd dy)
{
    /* h->x holds the signed, clamped x; a = |x| */
    vd a = vd_andnot(vd_set1(-0.0), h->x);
    vd de = vd_mul(vd_mul(vd_sub(a, vd_set1(GELU_A0)), vd_add(h->c0h, h->t)), fm_gauss_d(h));
    vd g = vd_select(vd_gt(h->x, vd_set1(0.0)), vd_sub(vd_set1(1.0), de), de);
    return vd_mul(dy, g);
}

FM_INLINE vf fm_dgelu_b(vf x, vf dy, struct fm_exp_parts g, const struct act_params *p)
{
    (void)p;
    struct fm_gelu_d lo, hi;
    fm_gelu_halves(x, g, 20.0f, &lo, &hi);
    return vf_from_vd(fm_dgelu_d(&lo, vd_from_lo(dy)), fm_dgelu_d(&hi, vd_from_hi(dy)));
}

/* Forward and backward kernels of gelu. */
FM_DEFINE_FWD_RAW(TKN(gelu, fwd), FM_PIPE2_BODY, struct fm_exp_parts, fm_gelu_a, FM_JOIN_NONE, fm_gelu_b)
DEFINE_BWD_PIPE2(TKN(gelu, bwd), GELU, struct fm_exp_parts, fm_dgelu_a, FM_JOIN_NONE, fm_dgelu_b)

/* ---- exp-family kernels with the exp in float lanes and the rest in double lanes ----
 *
 * exp(z) comes from fm_exp_parts (vmath-f.h) as float pieces 2^n (1 + r_hi + t_lo); the
 * few operations after it (1 + e, a square, one division, the products with alpha and dy)
 * run in double lanes and round once to float. So these kernels keep the double-lane
 * kernels' properties: f' stays relative-accurate where it is far below FLT_MIN (exp is
 * taken down to z = -200, 2^-289), dy up to FLT_MAX neither overflows early nor loses the
 * product, and one rounding at the end. Measured max ULP (all 2^32 inputs) is given in the
 * registry comment (kernels.inc). Where a derivative has a root (silu, mish, gelu_tanh), the
 * 2^-28 of the float exp would be cancelled there: those kernels factor the root out of a
 * fitted polynomial near it.
 */

/* sigmoid'(x) dy = dy e / (1 + e)^2, e = exp(-|x|) */
FM_INLINE vd fm_dsig_d(vd e, vd dy)
{
    vd d = vd_add(vd_set1(1.0), e);
    return vd_mul(dy, vd_div(e, vd_mul(d, d)));
}
FM_INLINE struct fm_exp_parts fm_dsigmoid_a(vf x, const struct act_params *p)
{
    (void)p;
    return fm_exp_parts(vf_max(vf_or(x, vf_set1(-0.0f)), vf_set1(-200.0f)), vf_zero());
}
FM_INLINE vf fm_dsigmoid_b(vf x, vf dy, struct fm_exp_parts e, const struct act_params *p)
{
    (void)p, (void)x;
    return vf_from_vd(fm_dsig_d(e.dlo, vd_from_lo(dy)), fm_dsig_d(e.dhi, vd_from_hi(dy)));
}

/* tanh'(x) dy = dy 4 e / (1 + e)^2, e = exp(-2|x|) */
FM_INLINE struct fm_exp_parts fm_dtanh_a(vf x, const struct act_params *p)
{
    (void)p;
    return fm_exp_parts(vf_max(vf_mul(vf_or(x, vf_set1(-0.0f)), vf_set1(2.0f)), vf_set1(-200.0f)), vf_zero());
}
FM_INLINE vf fm_dtanh_b(vf x, vf dy, struct fm_exp_parts e, const struct act_params *p)
{
    (void)p, (void)x;
    vd f = vd_set1(4.0);
    return vf_from_vd(fm_dsig_d(e.dlo, vd_mul(f, vd_from_lo(dy))),
                      fm_dsig_d(e.dhi, vd_mul(f, vd_from_hi(dy))));
}

/* The ordinary lanes of the float-lane backward kernels of the exp family: z >= -40 (z the exp's
 * argument) and dy 0 or within [2^-60, 2^60]. */
#define FM_DSIG_LANES(z, dy) vf_and(vf_ge(z, vf_set1(-40.0f)), FM_ZERO_OR_WITHIN(dy, 0x1p-60f, 0x1p60f))
#define FM_DSIG_ALL(z, dy) vf_all_ge_zw(z, -40.0f, dy, 0x1p-60f, 0x1p60f) /* vf_all(FM_DSIG_LANES(z, dy)) */
#if VLEN == 16
/*
 * sigmoid and tanh backward in float lanes, on ordinary vectors: dx = k dy e / (1 + e)^2 with
 * e = exp(z), z = -|x| (sigmoid, k = 1) or -2|x| (tanh, k = 4). Ordinary: z >= -40 and dy 0 or
 * within [2^-60, 2^60] in every lane, so that every value below is a normal float (e >= 2^-57.7,
 * |dx| >= 2^-118). e = eh + el (fm_exp_join0), 1 + e = dh + dl (Fast2Sum), (1 + e)^2 = D + Dl
 * (D = dh^2 and its fma residual, plus 2 dh dl), and e / (1 + e)^2 = q0 + c by fm_div2; then
 * k dy (q0 + c) is rounded once (k dy is exact). The error left is t_lo's 2^-28, about twice
 * (through e and through (1 + e)^2). dx has dy's sign (zeros too). Other vectors: lane by lane,
 * the float formula where it holds, the double-lane one (fm_dsigmoid_b, fm_dtanh_b) elsewhere.
 */
#define FM_DSIG_Z(x, s) vf_mul(vf_or(x, vf_set1(-0.0f)), vf_set1(s)) /* -s|x| */
#define FM_DSIGMOID_FAST_A(x, p) fm_exp_poly(FM_DSIG_Z(x, 1.0f))
#define FM_DTANH_FAST_A(x, p) fm_exp_poly(FM_DSIG_Z(x, 2.0f))
FM_INLINE vf fm_dsig_float(vf dy, struct fm_exp e, float k)
{
    vf one = vf_set1(1.0f);
    vf dh = vf_add(one, e.eh);
    vf dl = vf_add(vf_add(vf_sub(one, dh), e.eh), e.el);
    vf D = vf_mul(dh, dh);
    vf Dl = vf_fma(vf_add(dh, dh), dl, vf_fms(dh, dh, D));
    vf c, q0 = fm_div2(e.eh, e.el, D, Dl, &c);
    vf g = k == 1.0f ? dy : vf_mul(dy, vf_set1(k));
    return vf_or(vf_fma(g, q0, vf_mul(g, c)), vf_and(dy, vf_set1(-0.0f)));
}
FM_COLD vf fm_dsig_general(vf x, vf dy, int tanh_)
{
    vf z = FM_DSIG_Z(x, tanh_ ? 2.0f : 1.0f);
    vf f = fm_dsig_float(dy, fm_exp_join0(fm_exp_poly(vf_max(z, vf_set1(-40.0f)))), tanh_ ? 4.0f : 1.0f);
    vf d = tanh_ ? fm_dtanh_b(x, dy, fm_join_exp(fm_dtanh_a(x, NULL)), NULL)
                 : fm_dsigmoid_b(x, dy, fm_join_exp(fm_dsigmoid_a(x, NULL)), NULL);
    return vf_select(FM_DSIG_LANES(z, dy), f, vf_nan_pass(x, d));
}
FM_INLINE vf fm_dsigmoid_fast_b(vf x, vf dy, struct fm_exp e, const struct act_params *p)
{
    (void)p;
    if (!FM_DSIG_ALL(FM_DSIG_Z(x, 1.0f), dy))
        return fm_dsig_general(x, dy, 0);
    return fm_dsig_float(dy, e, 1.0f);
}
FM_INLINE vf fm_dtanh_fast_b(vf x, vf dy, struct fm_exp e, const struct act_params *p)
{
    (void)p;
    if (!FM_DSIG_ALL(FM_DSIG_Z(x, 2.0f), dy))
        return fm_dsig_general(x, dy, 1);
    return fm_dsig_float(dy, e, 4.0f);
}

#endif

/* elu / selu backward: x > 0 ? dy c1 : dy (c2 exp(x)), products in double */
FM_INLINE vd fm_delu_d(vd e, vd dy, vd xd, vd c1, vd c2)
{
    return vd_select(vd_gt(xd, vd_set1(0.0)), vd_mul(dy, c1), vd_mul(dy, vd_mul(c2, e)));
}
FM_INLINE struct fm_exp_parts fm_delu_a(vf x, const struct act_params *p)
{
    /* min(x, 0) clamped to -300 (NaN -> -300): c2 dy <= 2^256 (elu's alpha up to FLT_MAX) times
     * exp(-300) = 2^-432.8 is 0 in float; a clamp at -200 gave 2^-128 for alpha 2^61, dy 2^99 */
    (void)p;
    return fm_exp_parts(vf_max(vf_andnot(vf_gt(x, vf_zero()), x), vf_set1(-300.0f)), vf_zero());
}
FM_INLINE vf fm_delu_c(vf x, vf dy, struct fm_exp_parts e, vd c1, vd c2)
{
    return vf_from_vd(fm_delu_d(e.dlo, vd_from_lo(dy), vd_from_lo(x), c1, c2),
                      fm_delu_d(e.dhi, vd_from_hi(dy), vd_from_hi(x), c1, c2));
}
FM_INLINE vf fm_delu_b(vf x, vf dy, struct fm_exp_parts e, const struct act_params *p)
{
    return fm_delu_c(x, dy, e, vd_set1(1.0), vd_set1((double)p->alpha));
}
FM_INLINE vf fm_dselu_b(vf x, vf dy, struct fm_exp_parts e, const struct act_params *p)
{
    (void)p;
    return fm_delu_c(x, dy, e, vd_set1(1.0507009873554804934193349852946),
                     vd_set1(1.0507009873554804934193349852946 * 1.6732632423543772848170429916717));
}

/*
 * elu and selu backward on ordinary vectors, in float lanes: x >= -40 and the product
 * p = c2 dy (c2 = alpha for elu, lambda alpha for selu) either 0 or within [2^-60, 2^60] in
 * every lane. p is carried exactly as ph + pl (an fma residual), exp(x) as 2^n (eh + el)
 * (fm_exp_join0), and dx = ph eh + (ph el + pl eh) is rounded once, as the double-lane kernel
 * rounds its double product once: the results are normal floats there (exp(-40) = 2^-57.7),
 * so the error is that rounding plus about 2^-28 of the result (el's rounding, as in the forward
 * kernels). The zero's sign is p's. x > 0 gives
 * dy (elu) or dy lambda rounded once (selu: lambda split in two floats; dy 0 or within
 * [2^-60, 2^60] too). In other vectors, the lanes outside these ranges take the double-lane
 * formula above.
 */
#define FM_DELU_FAST_A(x, p) fm_exp_poly(vf_min_b(x, vf_zero()))
/* The lanes where the float-lane formula holds: x >= -40 and |v| 0 or within [2^-60, 2^60]
 * (false for NaN and inf). */
#define FM_DELU_LANES(x, v) vf_and(vf_ge(x, vf_set1(-40.0f)), FM_ZERO_OR_WITHIN(v, 0x1p-60f, 0x1p60f))
#define FM_DELU_ALL(x, v) vf_all_ge_zw(x, -40.0f, v, 0x1p-60f, 0x1p60f) /* vf_all(FM_DELU_LANES(x, v)) */
FM_INLINE vf fm_delu_exp_prod(vf ph, vf pl, struct fm_exp e)
{
    vf r = vf_fma(ph, e.eh, vf_fma(ph, e.el, vf_mul(pl, e.eh)));
    return vf_or(r, vf_and(ph, vf_set1(-0.0f))); /* ph = -0: -0 */
}
FM_INLINE vf fm_delu_float(vf x, vf dy, vf ph, struct fm_exp e, const struct act_params *p)
{
    vf pl = vf_fms(vf_set1(p->alpha), dy, ph);
    return vf_sel_gt(x, vf_zero(), dy, fm_delu_exp_prod(ph, pl, e));
}
FM_INLINE vf fm_dselu_float(vf x, vf dy, struct fm_exp e)
{
    vf sign = vf_and(dy, vf_set1(-0.0f));
    vf pos = vf_or(vf_fma(vf_set1(SELU_LH), dy, vf_mul(vf_set1(SELU_LL), dy)), sign);
    vf ph = vf_mul(vf_set1(SELU_LAH), dy);
    vf pl = vf_fma(vf_set1(SELU_LAL), dy, vf_fms(vf_set1(SELU_LAH), dy, ph));
    return vf_sel_gt(x, vf_zero(), pos, fm_delu_exp_prod(ph, pl, e));
}
/* A vector with other lanes: the float formula where it holds, the double-lane one elsewhere,
 * so that each element's bits depend on its own inputs only (tests/test_position.c). */
FM_COLD vf fm_delu_general(vf x, vf dy, const struct act_params *p)
{
    vf ph = vf_mul(vf_set1(p->alpha), dy);
    vf f = fm_delu_float(x, dy, ph, fm_exp_join0(FM_DELU_FAST_A(x, p)), p);
    vf d = vf_nan_pass(x, fm_delu_b(x, dy, fm_join_exp(fm_delu_a(x, p)), p));
    return vf_select(FM_DELU_LANES(x, ph), f, d);
}
FM_INLINE vf fm_delu_fast_b(vf x, vf dy, struct fm_exp e, const struct act_params *p)
{
    vf ph = vf_mul(vf_set1(p->alpha), dy);
    if (!FM_DELU_ALL(x, ph))
        return fm_delu_general(x, dy, p);
    return fm_delu_float(x, dy, ph, e, p);
}
FM_COLD vf fm_dselu_general(vf x, vf dy, const struct act_params *p)
{
    vf f = fm_dselu_float(x, dy, fm_exp_join0(FM_DELU_FAST_A(x, p)));
    vf d = vf_nan_pass(x, fm_dselu_b(x, dy, fm_join_exp(fm_delu_a(x, p)), p));
    return vf_select(FM_DELU_LANES(x, dy), f, d);
}
FM_INLINE vf fm_dselu_fast_b(vf x, vf dy, struct fm_exp e, const struct act_params *p)
{
    if (!FM_DELU_ALL(x, dy))
        return fm_dselu_general(x, dy, p);
    return fm_dselu_float(x, dy, e);
}

/* celu backward: x > 0 ? dy : dy exp(x / alpha). z = x (1/alpha) in double (relative error
 * 2^-53, so exp(z) is off by at most 200 * 2^-53 for the |z| <= 200 that matter), clamped to
 * [-200, 0] and split into float hi + lo for the exp. */
FM_INLINE vd fm_dcelu_z(vd xd, vd inv)
{
    return vd_max(vd_mul(vd_min(xd, vd_set1(0.0)), inv), vd_set1(-200.0)); /* NaN: callers re-select */
}
FM_INLINE struct fm_exp_parts fm_dcelu_a(vf x, const struct act_params *p)
{
    vd inv = vd_set1(1.0 / (double)p->alpha);
    vd zl = fm_dcelu_z(vd_from_lo(x), inv), zh = fm_dcelu_z(vd_from_hi(x), inv);
    vf h = vf_from_vd(zl, zh);
    vf l = vf_from_vd(vd_sub(zl, vd_from_lo(h)), vd_sub(zh, vd_from_hi(h)));
    return fm_exp_parts(h, l);
}
FM_INLINE vf fm_dcelu_b(vf x, vf dy, struct fm_exp_parts e, const struct act_params *p)
{
    (void)p;
    vd xl = vd_from_lo(x), xh = vd_from_hi(x);
    vd one = vd_set1(1.0);
    return vf_from_vd(fm_delu_d(e.dlo, vd_from_lo(dy), xl, one, one),
                      fm_delu_d(e.dhi, vd_from_hi(dy), xh, one, one));
}

/*
 * celu backward on ordinary lanes, in float lanes (alpha within [2^-100, 2^100]): z = x / alpha
 * as zh + zl (fm_celu_a2, as forward), exp(z) as 2^n (eh + el), and dy (eh + el) rounded once.
 * Ordinary lanes: x >= -40 alpha and dy 0 or within [2^-60, 2^60] (dx >= 2^-118); the others
 * keep the double-lane formula above.
 */
#define FM_DCELU_FAST_A(x, p) fm_celu_a2(vf_min_b(x, vf_zero()), p, 1)
FM_INLINE vf fm_dcelu_float(vf x, vf dy, struct fm_exp e)
{
    vf r = vf_fma(dy, e.eh, vf_mul(dy, e.el));
    r = vf_or(r, vf_and(dy, vf_set1(-0.0f))); /* dy = -0: -0 */
    return vf_sel_gt(x, vf_zero(), dy, r);
}
FM_COLD vf fm_dcelu_general(vf x, vf dy, const struct act_params *p)
{
    vf f = fm_dcelu_float(x, dy, FM_DCELU_FAST_A(x, p));
    vf d = vf_nan_pass(x, fm_dcelu_b(x, dy, fm_join_exp(fm_dcelu_a(x, p)), p));
    return vf_select(FM_DELU_LANES(vf_mul(x, vf_set1(1.0f / p->alpha)), dy), f, d);
}
FM_INLINE vf fm_dcelu_fast_b(vf x, vf dy, struct fm_exp e, const struct act_params *p)
{
    if (!FM_DELU_ALL(vf_mul(x, vf_set1(1.0f / p->alpha)), dy))
        return fm_dcelu_general(x, dy, p);
    return fm_dcelu_float(x, dy, e);
}

/*
 * softplus backward: z = beta x > threshold ? dy : dy sigmoid(z). z = zh + zl exactly (fma), so
 * exp(-|z|) has no error from rounding z; the threshold compares the exact z in double.
 */
FM_INLINE vd fm_dsoftplus_d(vd e, vd dy, vd zd, vd th)
{
    vd one = vd_set1(1.0);
    vd s = vd_div(vd_select(vd_lt(zd, vd_set1(0.0)), e, one), vd_add(one, e));
    return vd_select(vd_gt(zd, th), dy, vd_mul(dy, s));
}
/* exp(-|beta x|) from beta x = zh + zl exactly (softplus forward and backward) */
FM_INLINE struct fm_exp_parts fm_softplus_a(vf x, const struct act_params *p)
{
    vf beta = vf_set1(p->beta);
    vf zh = vf_mul(beta, x);
    vf zl = vf_fma(beta, x, vf_sub(vf_zero(), zh));
    vf neg = vf_lt(zh, vf_zero());
    vf nzh = vf_or(zh, vf_set1(-0.0f));                          /* -|zh| */
    vf nzl = vf_select(neg, zl, vf_sub(vf_zero(), zl));          /* the matching low part */
    vf big = vf_lt(nzh, vf_set1(-200.0f));                       /* also +-inf, whose zl is NaN */
    return fm_exp_parts(vf_max(nzh, vf_set1(-200.0f)), vf_andnot(big, nzl));
}
FM_INLINE vf fm_dsoftplus_b(vf x, vf dy, struct fm_exp_parts e, const struct act_params *p)
{
    vd bd = vd_set1((double)p->beta), th = vd_set1((double)p->threshold);
    vd zlo = vd_mul(bd, vd_from_lo(x)), zhi = vd_mul(bd, vd_from_hi(x)); /* exact */
    return vf_from_vd(fm_dsoftplus_d(e.dlo, vd_from_lo(dy), zlo, th),
                      fm_dsoftplus_d(e.dhi, vd_from_hi(dy), zhi, th));
}

/*
 * K(x) of a derivative whose root is factored out (silu, mish and gelu_tanh below): a polynomial
 * of degree deg (6 or 7) in d = x + shift, k = {c0h, c0l, c1, ..., c_deg}; c0l + d (c1 + ...) by
 * Estrin's scheme in float (fm_root_t), c0h added in double (fm_root_widen: the two double halves
 * of K into *lo and *hi).
 */
FM_INLINE vf fm_root_t(const float *k, int deg, vf x, float shift)
{
    vf d = vf_add(x, vf_set1(shift)), d2 = vf_mul(d, d);
#define C(j) vf_set1(k[(j) + 1])
    vf p12 = vf_fma(C(2), d, C(1)), p34 = vf_fma(C(4), d, C(3)), p56 = vf_fma(C(6), d, C(5));
    vf top = deg == 7 ? vf_fma(C(7), d2, p56) : p56;
    vf q = vf_fma(vf_fma(top, d2, p34), d2, p12);
#undef C
    return vf_fma(q, d, vf_set1(k[1]));
}
/* The kernels compute t = fm_root_t(...) in their first stage (carried in u0) and widen it here. */
FM_INLINE void fm_root_widen(const float *k, vf t, vd *lo, vd *hi)
{
    vd c0 = vd_set1((double)k[0]);
    *lo = vd_add(c0, vd_from_lo(t));
    *hi = vd_add(c0, vd_from_hi(t));
}

/*
 * silu'(x) = s + x s (1 - s), s = sigmoid(x); with e = exp(-|x|):
 *   x >= 0: (1 + e + x e) / (1 + e)^2
 *   x < 0:  e N / (1 + e)^2, N = 1 + e + x
 * N has a root at X0 = -1.2784645427610737 (where silu' = 0), and there the 2^-28 of the float
 * exp would be cancelled: on [-2, -0.75], N = (x - X0) K(x) instead, K(x) = (1 + e^x + x)/(x - X0)
 * a polynomial in d = x + 1.375 of degree 6, constant term split in two floats (added in
 * double), fitted as gelu's tables (vmath-f.h): numpy weighted least squares on 4000
 * Chebyshev nodes, Lawson reweighting to minimax relative error, coefficients rounded to float
 * from c1 up with refits; max relative error of the float evaluation 8.8e-9. Outside the
 * interval |N| > 0.4, so N = 1 + e + x in double loses nothing. x is clamped to [-200, 200].
 */
#define SILU_X0 -0x1.474973c84120bp+0
static const float silu_k[8] = {0x1.43f444p+0f, 0x1.6d5ebep-27f, 0x1.0b71bp-3f,  0x1.61b482p-5f,
                                0x1.5ff518p-7f, 0x1.18a918p-9f, 0x1.79dbeap-12f, 0x1.ae1684p-15f};
FM_INLINE vd fm_dsilu_d(vd e, vd dy, vd xd, vd k)
{
    vd one = vd_set1(1.0);
    vd in = vd_and(vd_ge(xd, vd_set1(-2.0)), vd_le(xd, vd_set1(-0.75)));
    vd nn = vd_select(in, vd_mul(vd_sub(xd, vd_set1(SILU_X0)), k), vd_add(vd_add(one, e), xd));
    vd neg = vd_lt(xd, vd_set1(0.0));
    vd num = vd_select(neg, vd_mul(e, nn), vd_fma(xd, e, vd_add(one, e)));
    vd d = vd_add(one, e);
    return vd_mul(dy, vd_div(num, vd_mul(d, d)));
}
#define FM_CLAMP200(x) vf_min_b(vf_max(x, vf_set1(-200.0f)), vf_set1(200.0f))
/* The first stage of silu and mish backward: exp(-|x|) and the root-factored K's float part. */
FM_INLINE struct fm_exp_parts fm_root_exp_a(vf x, const float *k, int deg, float shift)
{
    vf xc = FM_CLAMP200(x);
    struct fm_exp_parts e = fm_exp_parts(vf_or(xc, vf_set1(-0.0f)), vf_zero());
    e.u0 = fm_root_t(k, deg, xc, shift);
    return e;
}
#define FM_DSILU_A(x, p) fm_root_exp_a(x, silu_k, 6, 1.375f)
FM_INLINE vf fm_dsilu_b(vf x, vf dy, struct fm_exp_parts e, const struct act_params *p)
{
    (void)p;
    vf xc = FM_CLAMP200(x);
    vd kl, kh;
    fm_root_widen(silu_k, e.u0, &kl, &kh);
    return vf_from_vd(fm_dsilu_d(e.dlo, vd_from_lo(dy), vd_from_lo(xc), kl),
                      fm_dsilu_d(e.dhi, vd_from_hi(dy), vd_from_hi(xc), kh));
}

/*
 * softplus(x) = (max(z, 0) + log1p(e)) / beta, e = exp(-|z|), z = beta x; z > threshold gives x.
 * log1p(e) = e G(|z|) with G from softplus_g_tab (vmath-f.h): no log is evaluated, and for
 * z << 0 the result keeps e's relative accuracy down to underflow. z = zh + zl exactly (fma),
 * so the exp has no error from rounding z; the sum, the product and the division (a multiply
 * by 1/beta in double, 2^-53 relative) are in double and rounded once.
 */
struct fm_softplus_c {
    vf beta;
    vd bd, inv_beta, th;
};
FM_INLINE vd fm_softplus_d(vd e, vd g, vd xd, const struct fm_softplus_c *c)
{
    vd zd = vd_mul(c->bd, xd); /* exact */
    vd y = vd_mul(vd_fma(e, g, vd_max(zd, vd_set1(0.0))), c->inv_beta);
    return vd_select(vd_gt(zd, c->th), xd, y);
}
/* One piece, in this order (staged, or with the table first, it ran 3-7% slower) */
FM_INLINE vf fm_softplus(vf x, const struct act_params *p)
{
    struct fm_softplus_c cc = {vf_set1(p->beta), vd_set1((double)p->beta), vd_set1(1.0 / (double)p->beta),
                               vd_set1((double)p->threshold)};
    const struct fm_softplus_c *c = &cc;
    struct fm_exp_parts e = fm_softplus_a(x, p);
    vf zh = vf_mul(c->beta, x);
    vf c0h, t = fm_table_poly(softplus_g_tab, vf_min_b(vf_andnot(vf_set1(-0.0f), zh), vf_set1(22.0f)), &c0h);
    return vf_from_vd(fm_softplus_d(FM_EXP_D(e, lo), vd_add(vd_from_lo(c0h), vd_from_lo(t)), vd_from_lo(x), c),
                      fm_softplus_d(FM_EXP_D(e, hi), vd_add(vd_from_hi(c0h), vd_from_hi(t)), vd_from_hi(x), c));
}

/*
 * The same in float lanes, for beta a power of two within [2^-60, 2^60] (the default 1) and
 * ordinary lanes (|beta x| <= 20): e = 2^n (eh + el), G = c0h + t as Gh + Gl (Fast2Sum, |t| <
 * c0h), e G as ph + pl (the product's error from an fma), max(z, 0) + ph by TwoSum, and the sum
 * rounded once; 1/beta is exact. z = beta x is exact there, except where it underflows (beta < 1,
 * tiny x), which the exp and the sum do not feel but the threshold's comparison would: with
 * threshold 0 and beta 2^-60, x = 1e-30 gave ln2/beta instead of x. So the kernels compare x
 * itself with threshold/beta rounded down to a float (fm_softplus_xth, kept in the local
 * parameters' unused value field): x > that float exactly when beta x > threshold. Other lanes
 * keep the double-lane form, per lane.
 */
static inline float fm_softplus_xth(const struct act_params *p)
{
    double t = (double)p->threshold / (double)p->beta; /* exact: beta is a power of two */
    float f = (float)t;
    return (double)f > t ? nextafterf(f, -INFINITY) : f;
}
#define FM_SOFTPLUS_NZ(x, p) vf_or(vf_mul(vf_set1((p)->beta), x), vf_set1(-0.0f)) /* -|beta x| */
#define FM_SOFTPLUS_LANES(x, p) vf_ge(FM_SOFTPLUS_NZ(x, p), vf_set1(-20.0f))
#define FM_SOFTPLUS_ALL(x, p) vf_all_ge(FM_SOFTPLUS_NZ(x, p), vf_set1(-20.0f))
FM_INLINE vf fm_softplus_float(vf x, const struct act_params *p)
{
    vf beta = vf_set1(p->beta), one = vf_set1(1.0f);
    struct fm_exp_parts e = fm_softplus_a(x, p);
    vf z = vf_mul(beta, x);
    vf c0h, t = fm_table_poly(softplus_g_tab, vf_min_b(vf_andnot(vf_set1(-0.0f), z), vf_set1(22.0f)), &c0h);
    vf hi = vf_add(one, e.r_hi);
    vf lo = vf_add(vf_add(vf_sub(one, hi), e.r_hi), e.t_lo);
    vf sc = vf_pow2_vi(e.n);
    vf eh = vf_mul(hi, sc), el = vf_mul(lo, sc);
    vf gh = vf_add(c0h, t), gl = vf_add(vf_sub(c0h, gh), t);
    vf ph = vf_mul(eh, gh), pl = vf_fma(eh, gl, vf_fma(el, gh, vf_fms(eh, gh, ph)));
    vf m = vf_max_b(z, vf_zero());
    vf s1 = vf_add(m, ph), bb = vf_sub(s1, m);
    vf err = vf_add(vf_sub(m, vf_sub(s1, bb)), vf_sub(ph, bb)); /* TwoSum */
    vf y = vf_mul(vf_add(s1, vf_add(err, pl)), vf_set1(1.0f / p->beta));
    return vf_sel_gt(x, vf_set1(p->value), x, y); /* beta x > threshold (fm_softplus_xth) */
}
FM_COLD vf fm_softplus_general(vf x, const struct act_params *p)
{
    vf d = vf_nan_pass(x, fm_softplus(x, p));
    return vf_select(FM_SOFTPLUS_LANES(x, p), fm_softplus_float(x, p), d);
}
FM_INLINE vf fm_softplus_fast(vf x, const struct act_params *p)
{
    if (!FM_SOFTPLUS_ALL(x, p))
        return fm_softplus_general(x, p);
    return fm_softplus_float(x, p);
}

static inline int fm_softplus_pow2(const struct act_params *p)
{
    int ex;
    return p->beta >= 0x1p-60f && p->beta <= 0x1p60f && frexpf(p->beta, &ex) == 0.5f;
}
void FKN(softplus, fwd)(size_t n, const float *x, float *y, const struct act_params *p)
{
    struct act_params pl = *p;
    size_t i = 0;
    pl.value = fm_softplus_xth(p);
#define FM_SOFTPLUS_A(a, pp) (a)
#define FM_SOFTPLUS_B(a, e, pp) fm_softplus(a, pp)
#define FM_SOFTPLUS_B2(a, e, pp) fm_softplus_fast(a, pp)
    if (fm_softplus_pow2(&pl)) {
        for (; i + VLEN <= n; i += VLEN)
            vf_store(y + i, fm_softplus_fast(vf_load(x + i), &pl));
        FM_PIPE_TAIL(FM_SOFTPLUS_A, FM_JOIN_NONE, FM_SOFTPLUS_B2, y, FM_NO_DY, FM_CALL_FWD_RAW)
    } else {
        for (; i + VLEN <= n; i += VLEN) {
            vf a = vf_load(x + i);
            vf_store(y + i, vf_nan_pass(a, fm_softplus(a, &pl)));
        }
        FM_PIPE_TAIL(FM_SOFTPLUS_A, FM_JOIN_NONE, FM_SOFTPLUS_B, y, FM_NO_DY, FM_CALL_FWD)
    }
}

/*
 * mish(x) = x tanh(softplus(x)) = x t, t a rational function of q = exp(-|x|) (as ref.h):
 *   x >= 0: t = (1 + 2q) / (1 + 2q + 2q^2),   x < 0: t = q (q + 2) / (q^2 + 2q + 2)
 * no cancellation in either, all in double after the float exp. x is clamped below at -200
 * (mish(-200) ~ -3e-85 rounds to -0; +inf stays, t(inf) = 1).
 */
FM_INLINE vd fm_mish_d(vd q, vd xd)
{
    vd one = vd_set1(1.0), two = vd_set1(2.0);
    vd pos = vd_ge(xd, vd_set1(0.0));
    vd q2 = vd_add(q, two);
    vd num = vd_select(pos, vd_fma(two, q, one), vd_mul(q, q2));
    vd den = vd_select(pos, vd_fma(vd_add(q, q), vd_add(one, q), one), vd_fma(q, q2, two));
    return vd_mul(xd, vd_div(num, den));
}
FM_INLINE struct fm_exp_parts fm_mish_a(vf x, const struct act_params *p)
{
    (void)p;
    return fm_exp_parts(vf_max(vf_or(x, vf_set1(-0.0f)), vf_set1(-200.0f)), vf_zero());
}
FM_INLINE vf fm_mish_b(vf x, struct fm_exp_parts e, const struct act_params *p)
{
    (void)p;
    vf xc = vf_max(x, vf_set1(-200.0f));
    return vf_from_vd(fm_mish_d(e.dlo, vd_from_lo(xc)), fm_mish_d(e.dhi, vd_from_hi(xc)));
}

/*
 * mish'(x) = t + x (1 - t^2) sigmoid(x), with q = exp(-|x|) (rational forms of ref.h):
 *   x >= 0: (N D + 4 x q^2 (1 + q)) / D^2,  N = 1 + 2q, D = 1 + 2q + 2q^2 (no cancellation)
 *   x < 0:  q B / D^2,  D = q^2 + 2q + 2,  B = (q + 2) D + 4 x (1 + q)
 * B has a root at X0 = -1.1924312145154954 (where mish' = 0), and there the 2^-28 of the float
 * exp would be cancelled: on [-1.75, -0.75], B = (x - X0) K(x) instead, K a polynomial in
 * d = x + 1.25 of degree 7, constant term split in two floats (added in double), fitted by
 * scripts/fit_root_poly.py (least squares, Lawson reweighting to minimax relative error,
 * coefficients rounded to float with refits); max relative error of the float evaluation
 * 2.9e-8. Outside the interval |B| >= 2 and its terms cancel by at most a factor 4.4.
 * x is clamped to [-200, 200].
 */
#define MISH_X0 -0x1.31432c0d12d85p+0
static const float mish_k[9] = {0x1.92098ap+2f,  0x1.306b42p-23f, 0x1.0f6ce2p+1f, 0x1.31a118p+0f, 0x1.063088p-1f,
                                0x1.82cccap-3f,  0x1.068962p-4f,  0x1.5fbfe8p-6f, 0x1.a8d972p-8f};
FM_INLINE vd fm_dmish_d(vd q, vd dy, vd xd, vd k)
{
    vd one = vd_set1(1.0), two = vd_set1(2.0), four = vd_set1(4.0);
    vd q1 = vd_add(one, q), q2 = vd_add(q, two);
    vd fxq1 = vd_mul(vd_mul(four, xd), q1);                     /* 4 x (1 + q) */
    /* x >= 0 */
    vd dp = vd_fma(vd_add(q, q), q1, one);                        /* 1 + 2q + 2q^2 */
    vd nump = vd_fma(vd_fma(two, q, one), dp, vd_mul(fxq1, vd_mul(q, q)));
    /* x < 0 */
    vd dn = vd_fma(q, q2, two);                                   /* q^2 + 2q + 2 */
    vd in = vd_and(vd_ge(xd, vd_set1(-1.75)), vd_le(xd, vd_set1(-0.75)));
    vd b = vd_select(in, vd_mul(vd_sub(xd, vd_set1(MISH_X0)), k), vd_fma(q2, dn, fxq1));
    vd pos = vd_ge(xd, vd_set1(0.0));
    vd num = vd_select(pos, nump, vd_mul(q, b)), den = vd_select(pos, dp, dn);
    return vd_mul(dy, vd_div(num, vd_mul(den, den)));
}
#define FM_DMISH_A(x, p) fm_root_exp_a(x, mish_k, 7, 1.25f)
FM_INLINE vf fm_dmish_b(vf x, vf dy, struct fm_exp_parts e, const struct act_params *p)
{
    (void)p;
    vf xc = FM_CLAMP200(x);
    vd kl, kh;
    fm_root_widen(mish_k, e.u0, &kl, &kh);
    return vf_from_vd(fm_dmish_d(e.dlo, vd_from_lo(dy), vd_from_lo(xc), kl),
                      fm_dmish_d(e.dhi, vd_from_hi(dy), vd_from_hi(xc), kh));
}

/*
 * gelu_tanh(x) = x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3). u is computed in double (as
 * the reference; x^3 does not overflow there) and -2|u|, clamped to [-200, 0], is split into
 * float hi + lo for the exp: rounding 2u to float would cost up to |2u| 2^-24 of relative error.
 * x is clamped below at -20 (there 2u < -200 and the result is far below the smallest float).
 */
FM_INLINE vd fm_gelu_tanh_v(vd xd)
{
    vd u = vd_mul(vd_set1(0.79788456080286535587989211986876),
                  vd_fma(vd_mul(vd_mul(xd, xd), xd), vd_set1(0.044715), xd));
    return vd_max(vd_mul(vd_andnot(vd_set1(-0.0), u), vd_set1(-2.0)), vd_set1(-200.0));
}
FM_INLINE vd fm_gelu_tanh_d(vd e, vd xd)
{
    vd one = vd_set1(1.0);
    return vd_mul(xd, vd_div(vd_select(vd_lt(xd, vd_set1(0.0)), e, one), vd_add(one, e)));
}
FM_INLINE struct fm_exp_parts fm_gelu_tanh_a(vf x, const struct act_params *p)
{
    (void)p;
    vf xc = vf_max(x, vf_set1(-20.0f));
    vd vl = fm_gelu_tanh_v(vd_from_lo(xc)), vh = fm_gelu_tanh_v(vd_from_hi(xc));
    vf zh = vf_from_vd(vl, vh);
    vf zl = vf_from_vd(vd_sub(vl, vd_from_lo(zh)), vd_sub(vh, vd_from_hi(zh)));
    return fm_exp_parts(zh, zl);
}
FM_INLINE vf fm_gelu_tanh_b(vf x, struct fm_exp_parts e, const struct act_params *p)
{
    (void)p;
    vf xc = vf_max(x, vf_set1(-20.0f));
    vd xl = vd_from_lo(xc), xh = vd_from_hi(xc);
    return vf_from_vd(fm_gelu_tanh_d(e.dlo, xl), fm_gelu_tanh_d(e.dhi, xh));
}

/*
 * gelu_tanh'(x) = s + 2 x s (1 - s) u', s = sigmoid(2u), u' = sqrt(2/pi) (1 + 3c x^2); with
 * e = exp(-2|u|) (float pieces, argument split as in the forward):
 *   x >= 0: ((1 + e) + 2 x u' e) / (1 + e)^2      (no cancellation)
 *   x < 0:  e B / (1 + e)^2,  B = 1 + e + 2 x u'
 * B has a root at X0 = -0.75246142207101629 (where the derivative is 0), and there the 2^-28
 * of the float exp would be cancelled: on [-1.5, -0.5], B = (x - X0) K(x), K a polynomial in
 * d = x + 1 of degree 7 (scripts/fit_root_poly.py; max relative error of the float evaluation
 * 9.6e-9). Outside, B's terms cancel by at most a factor 3.7. x is clamped to [-20, 20]; where
 * -2|u| < -200 (x < -5.6), e is 0: the result is far below the smallest float there, and the
 * clamped exp times a large B and dy could otherwise round up to a subnormal.
 */
#define GELU_TANH_X0 -0x1.81429f9e97e4dp-1
static const float gelu_tanh_k[9] = {0x1.4122f2p+1f, -0x1.bc8208p-25f, -0x1.24b7c6p-2f, 0x1.6a363ap-2f,
                                     0x1.a79ce8p-5f, 0x1.3d1896p-6f,  0x1.cc995ep-8f,  0x1.2bd23p-9f,
                                     0x1.5f6a94p-11f};
FM_INLINE vd fm_dgelu_tanh_d(vd e, vd v, vd dy, vd xd, vd k)
{
    vd one = vd_set1(1.0);
    e = vd_andnot(vd_lt(v, vd_set1(-200.0)), e);
    vd du = vd_mul(vd_set1(0.79788456080286535587989211986876),
                   vd_fma(vd_mul(xd, xd), vd_set1(3 * 0.044715), one));
    vd tx = vd_mul(vd_add(xd, xd), du); /* 2 x u' */
    vd d = vd_add(one, e);
    vd in = vd_and(vd_ge(xd, vd_set1(-1.5)), vd_le(xd, vd_set1(-0.5)));
    vd b = vd_select(in, vd_mul(vd_sub(xd, vd_set1(GELU_TANH_X0)), k), vd_add(d, tx));
    vd num = vd_select(vd_ge(xd, vd_set1(0.0)), vd_fma(tx, e, d), vd_mul(e, b));
    return vd_mul(dy, vd_div(num, vd_mul(d, d)));
}
FM_INLINE vd fm_gelu_tanh_vraw(vd xd) /* -2|u|, unclamped */
{
    vd u = vd_mul(vd_set1(0.79788456080286535587989211986876),
                  vd_fma(vd_mul(vd_mul(xd, xd), xd), vd_set1(0.044715), xd));
    return vd_mul(vd_andnot(vd_set1(-0.0), u), vd_set1(-2.0));
}
#define FM_CLAMP20(x) vf_min_b(vf_max(x, vf_set1(-20.0f)), vf_set1(20.0f))
FM_INLINE struct fm_exp_parts fm_dgelu_tanh_a(vf x, const struct act_params *p)
{
    (void)p;
    vf xc = FM_CLAMP20(x);
    vd vl = vd_max(fm_gelu_tanh_vraw(vd_from_lo(xc)), vd_set1(-200.0));
    vd vh = vd_max(fm_gelu_tanh_vraw(vd_from_hi(xc)), vd_set1(-200.0));
    vf zh = vf_from_vd(vl, vh);
    vf zl = vf_from_vd(vd_sub(vl, vd_from_lo(zh)), vd_sub(vh, vd_from_hi(zh)));
    return fm_exp_parts(zh, zl);
}
FM_INLINE vf fm_dgelu_tanh_b(vf x, vf dy, struct fm_exp_parts e, const struct act_params *p)
{
    (void)p;
    vf xc = FM_CLAMP20(x);
    vd xl = vd_from_lo(xc), xh = vd_from_hi(xc);
    vd rl = fm_gelu_tanh_vraw(xl), rh = fm_gelu_tanh_vraw(xh);
    vd kl, kh;
    fm_root_widen(gelu_tanh_k, fm_root_t(gelu_tanh_k, 7, xc, 1.0f), &kl, &kh); /* in this stage: measured no faster in the first */
    return vf_from_vd(fm_dgelu_tanh_d(e.dlo, rl, vd_from_lo(dy), xl, kl),
                      fm_dgelu_tanh_d(e.dhi, rh, vd_from_hi(dy), xh, kh));
}

DEFINE_FWD_PIPE2(FKN(tanh, fwd), TANH, struct fm_exp, FM_TANH_A, FM_JOIN_NONE, fm_tanh_fast_b)
#if VLEN == 16
/*
 * mish forward in float lanes, on ordinary vectors (x >= -40, and x 0 or 2^-100 <= |x| <= FLT_MAX,
 * in every lane: near the subnormal results x (q0 + c) would round twice, as x c is rounded): x t with
 * t = N / D from q = exp(-|x|) = qh + ql (fm_exp_join0; z clamped to -80, where t rounds to 1):
 *   x >= 0: N = 1 + 2q, D = N + 2q^2;   x < 0: N = q (2 + q), D = N + 2
 * each sum by Fast2Sum (the first operand's exponent is never the smaller: q <= 1, N >= 2q^2,
 * 2 >= q, and N <= 3 against 2) and each product with its fma residual, so N and D carry about
 * 2^-28 (q's); t = q0 + c (fm_div2) and x (q0 + c) is rounded once, with x's sign. From x = -40,
 * t >= 2^-58 and every value is a normal float. Other vectors: lane by lane, this where it
 * holds, the double-lane formula (fm_mish_b) elsewhere.
 */
#define FM_MISH_FAST_A(x, p) fm_exp_poly(vf_max(vf_or(x, vf_set1(-0.0f)), vf_set1(-80.0f)))
FM_INLINE vf fm_mish_float(vf x, struct fm_exp e)
{
    vf one = vf_set1(1.0f), two = vf_set1(2.0f);
    vf qh = e.eh, ql = e.el;
    /* x >= 0 */
    vf q2h = vf_add(qh, qh), q2l = vf_add(ql, ql);
    vf pnh = vf_add(one, q2h);
    vf pnl = vf_add(vf_add(vf_sub(one, pnh), q2h), q2l);
    vf sq = vf_mul(q2h, qh);                                     /* 2q^2 */
    vf sql = vf_fma(q2h, ql, vf_fma(q2l, qh, vf_fms(q2h, qh, sq)));
    vf pdh = vf_add(pnh, sq);
    vf pdl = vf_add(vf_add(vf_add(vf_sub(pnh, pdh), sq), pnl), sql);
    /* x < 0 */
    vf ah = vf_add(two, qh);
    vf al = vf_add(vf_add(vf_sub(two, ah), qh), ql);
    vf nnh = vf_mul(qh, ah);
    vf nnl = vf_fma(qh, al, vf_fma(ql, ah, vf_fms(qh, ah, nnh)));
    vf ndh = vf_add(two, nnh);
    vf ndl = vf_add(vf_add(vf_sub(two, ndh), nnh), nnl);
    vf c, q0 = fm_div2(vf_sel_lt(x, vf_zero(), nnh, pnh), vf_sel_lt(x, vf_zero(), nnl, pnl),
                       vf_sel_lt(x, vf_zero(), ndh, pdh), vf_sel_lt(x, vf_zero(), ndl, pdl), &c);
    return vf_or(vf_fma(x, q0, vf_mul(x, c)), vf_and(x, vf_set1(-0.0f)));
}
FM_COLD vf fm_mish_general(vf x)
{
    vf f = fm_mish_float(x, fm_exp_join0(FM_MISH_FAST_A(x, NULL)));
    vf d = vf_nan_pass(x, fm_mish_b(x, fm_join_exp(fm_mish_a(x, NULL)), NULL));
    return vf_select(vf_and(vf_ge(x, vf_set1(-40.0f)), FM_ZERO_OR_WITHIN(x, 0x1p-100f, FLT_MAX)), f, d);
}
FM_INLINE vf fm_mish_fast_b(vf x, struct fm_exp e, const struct act_params *p)
{
    (void)p;
    if (!vf_all_ge_zw(x, -40.0f, x, 0x1p-100f, FLT_MAX))
        return fm_mish_general(x);
    return fm_mish_float(x, e);
}
FM_DEFINE_FWD_RAW(FKNW(mish, fwd), FM_PIPE3_BODY, struct fm_exp, FM_MISH_FAST_A, fm_exp_join0, fm_mish_fast_b)
#else
DEFINE_FWD_PIPE3(FKN(mish, fwd), MISH, struct fm_exp_parts, fm_mish_a, fm_join_exp, fm_mish_b)
#endif
/*
 * gelu_tanh forward in float lanes, on ordinary vectors (-9 <= x <= 2^20 in every lane):
 * x sigmoid(2u) as silu is x sigmoid(x) (fm_sigmoid_finish), with z = -2|u| carried as zh + zl.
 * u = K x (1 + A x^2) as a float pair (fm_gt_pair; K = sqrt(2/pi) and A = 0.044715 each split
 * in two floats, within 2^-49 of the constants), so zh + zl is within about 2^-46 of -2|u| and
 * exp(z) keeps its 2^-28. z is clamped to -80 (x > 0 there; x (1 - 2^-115) rounds to x), its low
 * part zeroed with it. From x = -9, e >= 2^-96 and every value is a normal float. The result
 * has x's sign (a zero's too). Other vectors: lane by lane, this formula where it holds, the
 * double-lane one (fm_gelu_tanh_b) elsewhere.
 */
#define GT_KH 0x1.988454p-1f   /* sqrt(2/pi) = GT_KH + GT_KL + 6e-17 */
#define GT_KL -0x1.857936p-26f
#define GT_AH 0x1.6e4e26p-5f   /* 0.044715 = GT_AH + GT_AL + 5e-17 */
#define GT_AL 0x1.a9003ep-30f
#define FM_GELU_TANH_LO -9.0f
#define FM_GELU_TANH_HI 0x1p20f
/* k x (1 + a x^2) as h + *lo: gelu_tanh's u (a = A, k = K) and 2 x u' (3A, 2K), a and k each
 * split in two floats. x^2 and each product with its fma residual, 1 + a x^2 by Fast2Sum (the
 * larger of 1 and a x^2 first). */
FM_INLINE vf fm_gt_pair(vf x, float ah_, float al, float kh_, float kl, vf *lo)
{
    vf one = vf_set1(1.0f), ah = vf_set1(ah_), kh = vf_set1(kh_);
    vf x2 = vf_mul(x, x), x2l = vf_fms(x, x, x2);
    vf th = vf_mul(ah, x2);
    vf tl = vf_fma(ah, x2l, vf_fma(vf_set1(al), x2, vf_fms(ah, x2, th)));
    vf gh = vf_add(one, th);
    vf gl = vf_add(vf_add(vf_sub(vf_max_b(th, one), gh), vf_min_b(th, one)), tl);
    vf vh = vf_mul(x, gh), vl = vf_fma(x, gl, vf_fms(x, gh, vh));
    vf uh = vf_mul(kh, vh);
    *lo = vf_fma(kh, vl, vf_fma(vf_set1(kl), vh, vf_fms(kh, vh, uh)));
    return uh;
}
FM_INLINE struct fm_exp fm_gelu_tanh_fast_a(vf x, const struct act_params *p)
{
    (void)p;
    vf ul, uh = fm_gt_pair(x, GT_AH, GT_AL, GT_KH, GT_KL, &ul);
    vf zh = vf_or(vf_add(uh, uh), vf_set1(-0.0f)); /* u has x's sign */
    vf zl = vf_sel_lt(x, vf_zero(), vf_add(ul, ul), vf_mul(ul, vf_set1(-2.0f)));
    zl = vf_sel_lt(zh, vf_set1(-80.0f), vf_zero(), zl);
    return fm_exp_poly2(vf_max(zh, vf_set1(-80.0f)), zl, 1);
}
FM_INLINE vf fm_gelu_tanh_float(vf x, struct fm_exp e)
{
    vf c, q0 = fm_sigmoid_finish(x, e, &c, NULL, 0);
    return vf_or(vf_fma(x, q0, vf_mul(x, c)), vf_and(x, vf_set1(-0.0f)));
}
FM_COLD vf fm_gelu_tanh_general(vf x)
{
    vf f = fm_gelu_tanh_float(x, fm_exp_join0(fm_gelu_tanh_fast_a(x, NULL)));
    vf d = vf_nan_pass(x, fm_gelu_tanh_b(x, fm_join_exp(fm_gelu_tanh_a(x, NULL)), NULL));
    return vf_select(vf_and(vf_ge(x, vf_set1(FM_GELU_TANH_LO)), vf_le(x, vf_set1(FM_GELU_TANH_HI))), f, d);
}
FM_INLINE vf fm_gelu_tanh_fast_b(vf x, struct fm_exp e, const struct act_params *p)
{
    (void)p;
    if (!vf_all_in(x, FM_GELU_TANH_LO, FM_GELU_TANH_HI))
        return fm_gelu_tanh_general(x);
    return fm_gelu_tanh_float(x, e);
}
FM_DEFINE_FWD_RAW(FKN(gelu_tanh, fwd), FM_PIPE2_BODY, struct fm_exp, fm_gelu_tanh_fast_a, fm_exp_join0, fm_gelu_tanh_fast_b)
#if VLEN == 16
FM_DEFINE_BWD_RAW(FKNW(sigmoid, bwd), FM_PIPE3_BODY, struct fm_exp, FM_DSIGMOID_FAST_A, fm_exp_join0, fm_dsigmoid_fast_b)
#else
DEFINE_BWD_PIPE3(FKN(sigmoid, bwd), SIGMOID, struct fm_exp_parts, fm_dsigmoid_a, fm_join_exp, fm_dsigmoid_b)
#endif
#if VLEN == 16
/*
 * silu backward in float lanes, on ordinary vectors (the lanes of FM_DSIG_LANES with z = -|x|:
 * |x| <= 40, dy 0 or within [2^-60, 2^60]). With e = eh + el (fm_exp_join0), 1 + e = dh + dl
 * (Fast2Sum) and (1 + e)^2 = D + Dl as for sigmoid:
 *   x >= 0: num = (1 + e) + x e, by Fast2Sum (1 + e >= 1 > x e);
 *   x < 0:  num = e N, N = (1 + e) + x by TwoSum, or on [-2, -0.75] N = (x - X0) K(x): x - X0h is
 *           exact (Sterbenz), then x - X0 = rh + rl by Fast2Sum with X0's low parts (X0 = X0h + X0l +
 *           X0ll + 7e-25), so that N's pair is normalised even at x = X0h; K = c0h + t by Fast2Sum.
 * Each product with its fma residual; dx = dy (q0 + c) (fm_div2) rounded once. Near the root,
 * |x - X0| >= 1.3e-8, and K's fit is within 8.8e-9 relative. A zero dy
 * gives dy q0 (the sign of dy times f'). Other vectors: lane by lane, this where it holds, the
 * double-lane formula (fm_dsilu_b) elsewhere.
 */
#define SILU_X0H -0x1.474974p+0f /* X0 = SILU_X0H + SILU_X0L + SILU_X0LL + 7e-25 */
#define SILU_X0L 0x1.bdf6fap-27f
#define SILU_X0LL 0x1.03945ap-53f
#define FM_DSILU_FAST_A(x, p) fm_exp_poly(vf_or(x, vf_set1(-0.0f)))
/* The root-factored derivatives of silu (t = x) and gelu_tanh (t = 2 x u' = th + tl, has_tl):
 * dy num / (1 + e)^2 with num = (1 + e) + t e for x >= 0, e N for x < 0, N = (1 + e) + t or, on
 * [lo, hi], (x - X0) K(x). */
struct fm_root {
    const float *k;
    int deg;
    float shift, lo, hi, x0h, x0l, x0ll;
};
FM_INLINE vf fm_droot_float(vf x, vf dy, struct fm_exp e, vf th, vf tl, int has_tl, const struct fm_root *r)
{
    vf one = vf_set1(1.0f), zero = vf_zero();
    vf dh = vf_add(one, e.eh);
    vf dl = vf_add(vf_add(vf_sub(one, dh), e.eh), e.el);
    vf D = vf_mul(dh, dh);
    vf Dl = vf_fma(vf_add(dh, dh), dl, vf_fms(dh, dh, D));
    /* x >= 0 */
    vf te = vf_mul(th, e.eh), tel = vf_fms(th, e.eh, te);
    tel = vf_fma(th, e.el, has_tl ? vf_fma(tl, e.eh, tel) : tel);
    vf ph = vf_add(dh, te);
    vf pl = vf_add(vf_add(vf_add(vf_sub(dh, ph), te), dl), tel);
    /* x < 0: N = (1 + e) + t (TwoSum), or (x - X0) K on [lo, hi] */
    vf sh = vf_add(dh, th), bb = vf_sub(sh, dh);
    vf sl = vf_add(vf_add(vf_sub(dh, vf_sub(sh, bb)), vf_sub(th, bb)), dl);
    sl = has_tl ? vf_add(sl, tl) : sl;
    vf c0h = vf_set1(r->k[0]), t = fm_root_t(r->k, r->deg, x, r->shift);
    vf kh = vf_add(c0h, t), kl = vf_add(vf_sub(c0h, kh), t);
    vf ra = vf_sub(x, vf_set1(r->x0h)); /* exact; 0 or >= 6e-8 in magnitude, so Fast2Sum: */
    vf rh = vf_sub(ra, vf_set1(r->x0l));
    vf rl = vf_sub(vf_sub(vf_sub(ra, rh), vf_set1(r->x0l)), vf_set1(r->x0ll));
    vf kn = vf_mul(rh, kh);
    vf knl = vf_fma(rh, kl, vf_fma(rl, kh, vf_fms(rh, kh, kn)));
    vf in = vf_and(vf_ge(x, vf_set1(r->lo)), vf_le(x, vf_set1(r->hi)));
    vf nh = vf_select(in, kn, sh), nl = vf_select(in, knl, sl);
    vf mh = vf_mul(e.eh, nh), ml = vf_fma(e.eh, nl, vf_fma(e.el, nh, vf_fms(e.eh, nh, mh)));
    vf c, q0 = fm_div2(vf_sel_lt(x, zero, mh, ph), vf_sel_lt(x, zero, ml, pl), D, Dl, &c);
    return vf_sel_eq(dy, zero, vf_mul(dy, q0), vf_fma(dy, q0, vf_mul(dy, c)));
}
static const struct fm_root silu_root = {silu_k, 6, 1.375f, -2.0f, -0.75f, SILU_X0H, SILU_X0L, SILU_X0LL};
FM_INLINE vf fm_dsilu_float(vf x, vf dy, struct fm_exp e)
{
    return fm_droot_float(x, dy, e, x, vf_zero(), 0, &silu_root);
}
FM_COLD vf fm_dsilu_general(vf x, vf dy)
{
    vf z = vf_or(x, vf_set1(-0.0f));
    vf f = fm_dsilu_float(x, dy, fm_exp_join0(fm_exp_poly(vf_max(z, vf_set1(-40.0f)))));
    vf d = vf_nan_pass(x, fm_dsilu_b(x, dy, fm_join_exp(FM_DSILU_A(x, NULL)), NULL));
    return vf_select(FM_DSIG_LANES(z, dy), f, d);
}
FM_INLINE vf fm_dsilu_fast_b(vf x, vf dy, struct fm_exp e, const struct act_params *p)
{
    (void)p;
    if (!FM_DSIG_ALL(vf_or(x, vf_set1(-0.0f)), dy))
        return fm_dsilu_general(x, dy);
    return fm_dsilu_float(x, dy, e);
}
FM_DEFINE_BWD_RAW(FKNW(silu, bwd), FM_PIPE2_BODY, struct fm_exp, FM_DSILU_FAST_A, fm_exp_join0, fm_dsilu_fast_b)
#else
DEFINE_BWD_PIPE2(FKN(silu, bwd), SILU, struct fm_exp_parts, FM_DSILU_A, fm_join_exp, fm_dsilu_b)
#endif
#if VLEN == 16
FM_DEFINE_BWD_RAW(FKNW(tanh, bwd), FM_PIPE3_BODY, struct fm_exp, FM_DTANH_FAST_A, fm_exp_join0, fm_dtanh_fast_b)
#else
DEFINE_BWD_PIPE3(FKN(tanh, bwd), TANH, struct fm_exp_parts, fm_dtanh_a, fm_join_exp, fm_dtanh_b)
#endif
/*
 * elu and celu backward with alpha = 1: dx = dy exp(x) for x <= 0, on the lanes of
 * FM_DELU_LANES (p = dy). exp(x) = 2^n (hi + lo), hi = 1 + r_hi and lo its residual plus t_lo,
 * left unnormalised (|lo| < 0.07: dy lo is rounded on its own, a few hundredths of an ulp of the
 * result); dy hi + dy lo is rounded once by an fma, and the scaling by 2^n is exact (dx >=
 * 2^-118). The sign of a zero is dy's. The other lanes take fm_delu_general's formula, lane by lane.
 */
#define FM_DELU1_A(x, p) fm_exp_poly127(vf_min_b(x, vf_zero())) /* lanes below -40: fm_delu_general */
FM_INLINE vf fm_delu1_b(vf x, vf dy, struct fm_exp e, const struct act_params *p)
{
    vf one = vf_set1(1.0f);
    vf hi = vf_add(one, e.r_hi);
    vf lo = vf_add(vf_add(vf_sub(one, hi), e.r_hi), e.t_lo);
    vf r = vf_mul(vf_fma(dy, hi, vf_mul(dy, lo)), vf_pow2_from_magic127(e.t));
    r = vf_sel_gt(x, vf_zero(), dy, vf_or(r, vf_and(dy, vf_set1(-0.0f))));
    if (!FM_DELU_ALL(x, dy))
        r = vf_select(FM_DELU_LANES(x, dy), r, fm_delu_general(x, dy, p));
    return r;
}
#define FM_DELU1_BODY                                                                        \
    FM_PIPE2_BODY(struct fm_exp, FM_DELU1_A, FM_JOIN_NONE, fm_delu1_b, dx, FM_DY, FM_CALL_BWD_RAW)
void FKN(elu, bwd)(size_t n, const float *x, const float *dy, float *dx, const struct act_params *p)
{
    const struct act_params pl = *p;
    size_t i = 0;
    if (pl.alpha == 1.0f) {
        FM_DELU1_BODY
    } else {
        FM_PIPE2_BODY(struct fm_exp, FM_DELU_FAST_A, fm_exp_join0, fm_delu_fast_b, dx, FM_DY, FM_CALL_BWD_RAW)
    }
}
FM_DEFINE_BWD_RAW(FKN(selu, bwd), FM_PIPE2_BODY, struct fm_exp, FM_DELU_FAST_A, fm_exp_join0, fm_dselu_fast_b)
void FKN(celu, bwd)(size_t n, const float *x, const float *dy, float *dx, const struct act_params *p)
{
    const struct act_params pl = *p;
    size_t i = 0;
    if (pl.alpha == 1.0f) { /* elu's */
        FM_DELU1_BODY
    } else if (pl.alpha >= 0x1p-100f && pl.alpha <= 0x1p100f) {
        FM_PIPE2_BODY(struct fm_exp, FM_DCELU_FAST_A, FM_JOIN_NONE, fm_dcelu_fast_b, dx, FM_DY, FM_CALL_BWD_RAW)
    } else {
        FM_PIPE2_BODY(struct fm_exp_parts, fm_dcelu_a, fm_join_exp, fm_dcelu_b, dx, FM_DY, FM_CALL_BWD)
    }
}
/*
 * softplus backward in float lanes, for beta a power of two within [2^-60, 2^60] (as forward) and
 * ordinary vectors: dx = dy sigmoid(z), z = beta x, with -|z| >= -40 and dy 0 or within
 * [2^-60, 2^60] in every lane (the lanes of FM_DSIG_LANES: dx >= 2^-118). sigmoid(z) is the
 * forward sigmoid's q0 + c (fm_sigmoid_finish), and dy (q0 + c) is rounded once, with dy's sign;
 * x > threshold/beta (fm_softplus_xth, in pl.value) gives dy. Other vectors: lane by lane, this
 * where it holds, the double-lane formula elsewhere.
 */
#define FM_DSOFTPLUS_FAST_A(x, p) fm_exp_poly(FM_SOFTPLUS_NZ(x, p))
FM_INLINE vf fm_dsoftplus_float(vf x, vf dy, struct fm_exp e, const struct act_params *p)
{
    vf c, q0 = fm_sigmoid_finish(vf_mul(vf_set1(p->beta), x), e, &c, NULL, 0);
    vf r = vf_or(vf_fma(dy, q0, vf_mul(dy, c)), vf_and(dy, vf_set1(-0.0f)));
    return vf_sel_gt(x, vf_set1(p->value), dy, r);
}
FM_COLD vf fm_dsoftplus_general(vf x, vf dy, const struct act_params *p)
{
    vf nz = FM_SOFTPLUS_NZ(x, p);
    vf f = fm_dsoftplus_float(x, dy, fm_exp_join0(fm_exp_poly(vf_max(nz, vf_set1(-40.0f)))), p);
    vf d = vf_nan_pass(x, fm_dsoftplus_b(x, dy, fm_join_exp(fm_softplus_a(x, p)), p));
    return vf_select(FM_DSIG_LANES(nz, dy), f, d);
}
FM_INLINE vf fm_dsoftplus_fast_b(vf x, vf dy, struct fm_exp e, const struct act_params *p)
{
    if (!FM_DSIG_ALL(FM_SOFTPLUS_NZ(x, p), dy))
        return fm_dsoftplus_general(x, dy, p);
    return fm_dsoftplus_float(x, dy, e, p);
}
void FKN(softplus, bwd)(size_t n, const float *x, const float *dy, float *dx, const struct act_params *p)
{
    struct act_params pl = *p;
    size_t i = 0;
    pl.value = fm_softplus_xth(p);
    if (fm_softplus_pow2(&pl)) {
        FM_PIPE3_BODY(struct fm_exp, FM_DSOFTPLUS_FAST_A, fm_exp_join0, fm_dsoftplus_fast_b, dx, FM_DY, FM_CALL_BWD_RAW)
    } else {
        FM_PIPE2_BODY(struct fm_exp_parts, fm_softplus_a, fm_join_exp, fm_dsoftplus_b, dx, FM_DY, FM_CALL_BWD)
    }
}
DEFINE_BWD_PIPE2(FKN(mish, bwd), MISH, struct fm_exp_parts, FM_DMISH_A, fm_join_exp, fm_dmish_b)
#if VLEN == 16
/*
 * gelu_tanh backward in float lanes, on ordinary vectors (-7.5 <= x <= 2^20 and dy 0 or within
 * [2^-60, 2^60] in every lane: there e >= 2^-66 and |dx| >= 2^-126 or 0). e = exp(-2|u|) =
 * eh + el from the forward's first stage (fm_gelu_tanh_fast_a), 1 + e = dh + dl and
 * (1 + e)^2 = D + Dl as for sigmoid, and tx = 2 x u' = 2K x (1 + 3A x^2) as th + tl (the
 * forward's u with 3A and 2K split in two floats). Then as silu backward:
 *   x >= 0: num = (1 + e) + tx e, by Fast2Sum (tx e <= 0.45 < 1 + e);
 *   x < 0:  num = e B, B = (1 + e) + tx by TwoSum, or on [-1.5, -0.5] B = (x - X0) K(x) (K of
 *           the double-lane kernel; x - X0 as rh + rl as silu's, X0 = X0h + X0l + X0ll + 2e-24).
 * dx = dy (q0 + c) (fm_div2) rounded once; a zero dy gives dy q0. Outside [-1.5, -0.5] B's terms
 * cancel by at most a factor 3.7, and tx's pair keeps that harmless. Other vectors: lane by lane,
 * this where it holds, the double-lane formula (fm_dgelu_tanh_b) elsewhere.
 */
#define GT_3AH 0x1.12ba9ep-3f /* 3 * 0.044715 = GT_3AH + GT_3AL + 2e-16 */
#define GT_3AL -0x1.c13fdp-28f
#define GT_X0H -0x1.8142ap-1f /* GELU_TANH_X0 = GT_X0H + GT_X0L + GT_X0LL + 2e-24 */
#define GT_X0L 0x1.85a06cp-27f
#define GT_X0LL 0x1.a9ea48p-52f
#define FM_DGELU_TANH_LO -7.5f
static const struct fm_root gelu_tanh_root = {gelu_tanh_k, 7, 1.0f, -1.5f, -0.5f, GT_X0H, GT_X0L, GT_X0LL};
FM_INLINE vf fm_dgelu_tanh_float(vf x, vf dy, struct fm_exp e)
{
    vf tl, th = fm_gt_pair(x, GT_3AH, GT_3AL, 2.0f * GT_KH, 2.0f * GT_KL, &tl); /* 2 x u' */
    return fm_droot_float(x, dy, e, th, tl, 1, &gelu_tanh_root);
}
#define FM_DGELU_TANH_LANES(x, dy)                                                              \
    vf_and(vf_and(vf_ge(x, vf_set1(FM_DGELU_TANH_LO)), vf_le(x, vf_set1(FM_GELU_TANH_HI))),     \
           FM_ZERO_OR_WITHIN(dy, 0x1p-60f, 0x1p60f))
FM_COLD vf fm_dgelu_tanh_general(vf x, vf dy)
{
    vf f = fm_dgelu_tanh_float(x, dy, fm_exp_join0(fm_gelu_tanh_fast_a(x, NULL)));
    vf d = vf_nan_pass(x, fm_dgelu_tanh_b(x, dy, fm_join_exp(fm_dgelu_tanh_a(x, NULL)), NULL));
    return vf_select(FM_DGELU_TANH_LANES(x, dy), f, d);
}
FM_INLINE vf fm_dgelu_tanh_fast_b(vf x, vf dy, struct fm_exp e, const struct act_params *p)
{
    (void)p;
    if (!(vf_all_in(x, FM_DGELU_TANH_LO, FM_GELU_TANH_HI) && vf_all_zw(dy, 0x1p-60f, 0x1p60f)))
        return fm_dgelu_tanh_general(x, dy);
    return fm_dgelu_tanh_float(x, dy, e);
}
FM_DEFINE_BWD_RAW(FKNW(gelu_tanh, bwd), FM_PIPE2_BODY, struct fm_exp, fm_gelu_tanh_fast_a, fm_exp_join0, fm_dgelu_tanh_fast_b)
#else
DEFINE_BWD_PIPE2(FKN(gelu_tanh, bwd), GELU_TANH, struct fm_exp_parts, fm_dgelu_tanh_a, fm_join_exp, fm_dgelu_tanh_b)
#endif

/*
 * Backward from the output y in float lanes (sigmoid, tanh, elu), the way PyTorch computes these
 * gradients; the double-lane kernels (smooth-impl.h) compute them as the reference does, in double
 * and rounded once, at a quarter of this speed in L1. Here the derivative is rounded once and its
 * product with dy once more:
 *   sigmoid: dy (y - y^2), y - y^2 by one fma (the square exact inside it);
 *   tanh:    dy (1 - y^2), 1 - y^2 by one fma, so y near +-1 loses nothing to cancellation;
 *   elu:     y > 0 ? dy : dy (y + alpha), y + alpha exact where y <= -alpha/2 (Sterbenz).
 * So dx is within about 1.5 ULP of the reference for every y the function can output (the bound;
 * the max measured over all such float y is 1.000 ULP, registry comment in kernels.inc). For y outside that range
 * (say y = 1e30 for sigmoid, an output no sigmoid gives) the float square can overflow where the
 * reference's double does not. NaN in y gives NaN.
 */
FM_INLINE vf fm_by_sigmoid(vf y, vf g, const struct act_params *p)
{
    (void)p;
    return vf_mul(g, vf_fma(vf_sub(vf_zero(), y), y, y));
}
FM_INLINE vf fm_by_tanh(vf y, vf g, const struct act_params *p)
{
    (void)p;
    return vf_mul(g, vf_fma(vf_sub(vf_zero(), y), y, vf_set1(1.0f)));
}
FM_INLINE vf fm_by_elu(vf y, vf g, const struct act_params *p)
{
    /* one masked product on AVX-512 (a NaN y gives g here; the caller passes the NaN over it) */
    return vf_le_mul(y, vf_zero(), g, vf_add(y, vf_set1(p->alpha)));
}

/*
 * Out of cache the output goes out with non-temporal stores (ACT_NT_MIN, kernels.h) from the
 * first aligned element on. The elements before it and the tail go through the same vector
 * formula on a zero-padded copy (FM_NT_PART), so every element gets the same bits wherever it
 * falls: the result does not depend on n, on the output's alignment or on the thread count.
 * FM_NT_LOOP is the body of such a kernel: F(a, g, pl) of the input in (x or y) and g (dy; in
 * itself forward), written to out.
 */
#define FM_NT_PART(F, m, in, g, out, pl)                                                     \
    do {                                                                                     \
        float ta_[VLEN] = {0}, tg_[VLEN] = {0}, tr_[VLEN];                                   \
        memcpy(ta_, in, (m) * sizeof(float));                                                \
        memcpy(tg_, g, (m) * sizeof(float));                                                 \
        vf a_ = vf_load(ta_), g_ = vf_load(tg_);                                             \
        vf_store(tr_, vf_nan_pass(a_, F(a_, g_, pl)));                                       \
        memcpy(out, tr_, (m) * sizeof(float));                                               \
    } while (0)
#define FM_NT_BODY2(STORE, F)                                                                \
    for (; i + 2 * VLEN <= n; i += 2 * VLEN) {                                               \
        vf a0 = vf_load(in + i), a1 = vf_load(in + i + VLEN);                                \
        vf g0 = vf_load(g + i), g1 = vf_load(g + i + VLEN);                                  \
        STORE(out + i, vf_nan_pass(a0, F(a0, g0, &pl)));                                     \
        STORE(out + i + VLEN, vf_nan_pass(a1, F(a1, g1, &pl)));                              \
    }
#define FM_NT_LOOP(F)                                                                        \
    size_t i = 0;                                                                            \
    if (n >= ACT_NT_MIN && (uintptr_t)out % sizeof(float) == 0) {                            \
        i = (VF_ALIGN - (uintptr_t)out % VF_ALIGN) % VF_ALIGN / sizeof(float);               \
        FM_NT_PART(F, i, in, g, out, &pl);                                                   \
        FM_NT_BODY2(vf_stream, F)                                                            \
        vf_sfence();                                                                         \
    }                                                                                        \
    FM_NT_BODY2(vf_store, F)                                                                 \
    if (i + VLEN <= n) {                                                                     \
        vf a = vf_load(in + i), gg = vf_load(g + i);                                         \
        vf_store(out + i, vf_nan_pass(a, F(a, gg, &pl)));                                    \
        i += VLEN;                                                                           \
    }                                                                                        \
    if (i < n)                                                                               \
        FM_NT_PART(F, n - i, in + i, g + i, out + i, &pl);
#define FM_DEFINE_NT_BWD(name, F)                                                            \
    void name(size_t n, const float *in, const float *g, float *out, const struct act_params *p) \
    {                                                                                        \
        const struct act_params pl = *p;                                                     \
        FM_NT_LOOP(F)                                                                        \
    }
#define DEFINE_FAST_BWDY(op, F) FM_DEFINE_NT_BWD(FKN(op, bwdy), F)

DEFINE_FAST_BWDY(sigmoid, fm_by_sigmoid)
DEFINE_FAST_BWDY(tanh, fm_by_tanh)
DEFINE_FAST_BWDY(elu, fm_by_elu)

/*
 * hardswish, hardsigmoid and softsign in float lanes, rounded once (the double-lane kernels of
 * smooth-impl.h divide in double, four lanes per division). Each result is the exact value of
 * float operands carried as unevaluated sums, rounded once at the end:
 *  - x + 3 = th + tl exactly (Fast2Sum, |x| <= 3 in the middle piece), 2x + 3 likewise
 *    (TwoSum: |2x| may exceed 3), 1 + |x| likewise (Fast2Sum on max and min);
 *  - x (th + tl) = ph + pl with ph = x th and its exact residual by one fma;
 *  - q / 6 = q0 - r/6 with q0 = q RN(1/6) and r = 6 q0 - q exact (one fma), and x / d
 *    likewise with q0 = x RN(1/dh) and the residual against dh + dl.
 * What is left before the last rounding is a few 2^-46 relative: every result is within 0.5 ULP
 * plus that, except where it is subnormal (one more rounding of a residual, still far below
 * the 1-ULP budget). The residuals are taken as (product - operand) and subtracted at the end,
 * so +-0 in gives +-0 out (c + (-0) keeps a -0 that (-0) + c would lose). Measured errors are in
 * the registry comment (kernels.inc).
 */
#define FFKN(op, dir) FFKN_(op, dir, VEC_ISA, UTAG)
#define FFKN_(op, dir, isa, u) FFKN__(op, dir, isa, u)
#define FFKN__(op, dir, isa, u) act_f32_##op##_##dir##__##isa##_ff_##u
#define FM_SIXTH 0x1.555556p-3f /* RN(1/6) */
/* (qh + ql) / 6 as q0 - r/6. With ties_even (a constant) r/6 is rounded on its own: where the
 * quotient is exactly a midpoint, r/6 is exactly half an ulp of q0 and the last subtraction
 * rounds the tie to even. Without, q0 - r RN(1/6) is one fma: one operation fewer, and an exact
 * midpoint goes the way RN(1/6)'s excess pushes it (still 0.5 ULP). */
static inline vf fm_div6(vf qh, vf ql, int ties_even)
{
    vf q0 = vf_mul(qh, vf_set1(FM_SIXTH));
    vf r = vf_sub(vf_fms(q0, vf_set1(6.0f), qh), ql); /* 6 q0 - qh exact, then - ql */
    return ties_even ? vf_sub(q0, vf_mul(r, vf_set1(FM_SIXTH))) : vf_fnma(r, vf_set1(FM_SIXTH), q0);
}
/* x + 3 = th + tl exactly, for |x| <= 3 */
static inline vf fm_plus3(vf x, vf *tl)
{
    vf th = vf_add(x, vf_set1(3.0f));
    *tl = vf_sub(x, vf_sub(th, vf_set1(3.0f)));
    return th;
}
/* hardswish(x) = x (x + 3) / 6 on (-3, 3); -0 at or below -3 (x clamped to -3 gives -0
 * exactly); x at or above 3. The division by 6 is the one-fma form: with r/6 rounded on its own,
 * x = -2^-149 gave -2^-149 + 2^-149 = +0 where the exact -2^-150 + x^2/6 rounds to -0 (found by
 * test_round --exhaustive), and keeping x's sign cost two more operations (10%). */
FM_INLINE vf fm_hardswish_b(vf x, vf g, const struct act_params *p) /* g: x again */
{
    (void)g, (void)p;
    vf xc = vf_max(x, vf_set1(-3.0f)), tl;
    vf th = fm_plus3(xc, &tl);
    vf ph = vf_mul(xc, th);
    vf pl = vf_fma(xc, tl, vf_fms(xc, th, ph)); /* x th - ph exact, plus x tl */
    return vf_sel_lt(x, vf_set1(3.0f), fm_div6(ph, pl, 0), x);
}
/* hardsigmoid(x) = (x + 3) / 6, with x clamped to [-3, 3] (0 and 1 exactly at the ends). */
FM_INLINE vf fm_hardsigmoid_b(vf x, vf g, const struct act_params *p) /* g: x again */
{
    (void)g, (void)p;
    vf xc = vf_min_b(vf_max(x, vf_set1(-3.0f)), vf_set1(3.0f)), tl;
    vf th = fm_plus3(xc, &tl);
    return fm_div6(th, tl, 1);
}
/*
 * hardswish'(x) dy = dy (2x + 3) / 6 on [-3, 3], 0 below, dy above. g = (2x + 3) / 6 is
 * carried as q0 + c and dx = dy q0 + dy c rounded once (one fma). dy is clamped to +-FLT_MAX
 * in dy c, so that dy = +-inf with c = 0 gives inf, not inf * 0. Where dx is below 2^-124,
 * dy c is itself rounded to the subnormal grid first: up to 0.83 ULP there (budget 2).
 */
FM_INLINE vf fm_dhardswish_b(vf x, vf dy, const struct act_params *p)
{
    (void)p;
    vf a = vf_add(x, x), three = vf_set1(3.0f);
    vf s = vf_add(a, three), bb = vf_sub(s, a); /* TwoSum(2x, 3) = s + ul */
    vf ul = vf_add(vf_sub(a, vf_sub(s, bb)), vf_sub(three, bb));
    vf q0 = vf_mul(s, vf_set1(FM_SIXTH));
    vf c = vf_mul(vf_add(vf_fnma(q0, vf_set1(6.0f), s), ul), vf_set1(FM_SIXTH)); /* (s - 6 q0 + ul) / 6 */
    vf dyc = vf_min_b(vf_max(dy, vf_set1(-FLT_MAX)), vf_set1(FLT_MAX));
    vf mid = vf_fma(dy, q0, vf_mul(dyc, c));
    return vf_sel_gt(x, three, dy, vf_and(vf_le(vf_set1(-3.0f), x), mid));
}
/*
 * hardsigmoid'(x) dy = dy / 6 on (-3, 3), 0 elsewhere, correctly rounded. Where every lane's dy is
 * +-0 or 2^-100 <= |dy| <= FLT_MAX, q = dy (1/6) corrected once by its exact residual, q + (dy - 6 q)
 * (1/6), is dy / 6 bit for bit (checked for every such float dy against the division); dy's sign
 * bit is or-ed in for dy = -0, where the sum gives +0. Other vectors (tiny or subnormal dy, inf,
 * NaN) divide, out of the loop's way.
 */
FM_COLD vf fm_dhardsigmoid_div(vf x, vf dy)
{
    return vf_in_or_zero(x, vf_set1(-3.0f), vf_set1(3.0f), vf_div(dy, vf_set1(6.0f)));
}
FM_INLINE vf fm_dhardsigmoid_b(vf x, vf dy, const struct act_params *p)
{
    (void)p;
    if (!vf_all_zw(dy, 0x1p-100f, FLT_MAX))
        return fm_dhardsigmoid_div(x, dy);
    vf c = vf_set1(FM_SIXTH), q = vf_mul(dy, c);
    q = vf_fma(vf_fnma(q, vf_set1(6.0f), dy), c, q);
    return vf_in_or_zero(x, vf_set1(-3.0f), vf_set1(3.0f), vf_or(q, vf_and(dy, vf_set1(-0.0f))));
}
/* softsign(x) = x / (1 + |x|), x clamped to +-2^100 (so +-inf gives +-1). */
FM_INLINE vf fm_softsign_b(vf x, vf g, const struct act_params *p) /* g: x again */
{
    (void)g, (void)p;
    vf one = vf_set1(1.0f);
    vf xc = vf_min_b(vf_max(x, vf_set1(-0x1p100f)), vf_set1(0x1p100f));
    vf a = vf_andnot(vf_set1(-0.0f), xc);
    vf dh = vf_add(one, a);
    vf dl = vf_add(vf_sub(vf_max(a, one), dh), vf_min_b(a, one)); /* Fast2Sum */
    vf rcp = vf_div(one, dh);
    vf q0 = vf_mul(xc, rcp);
    vf r = vf_fma(q0, dl, vf_fms(q0, dh, xc)); /* q0 (dh + dl) - x: the first part exact */
    return vf_fnma(r, rcp, q0);
}
/* Out of cache with non-temporal stores, and every element through the vector formula, the
 * tail included (FM_NT_LOOP above). */
#define DEFINE_FF_FWD(op, F)                                                                 \
    void FFKN(op, fwd)(size_t n, const float *in, float *out, const struct act_params *p)    \
    {                                                                                        \
        const struct act_params pl = *p;                                                     \
        const float *g = in;                                                                 \
        FM_NT_LOOP(F)                                                                        \
    }
#define DEFINE_FF_BWD(op, F) FM_DEFINE_NT_BWD(FFKN(op, bwd), F)
DEFINE_FF_FWD(hardswish, fm_hardswish_b)
DEFINE_FF_BWD(hardswish, fm_dhardswish_b)
DEFINE_FF_FWD(hardsigmoid, fm_hardsigmoid_b)
DEFINE_FF_BWD(hardsigmoid, fm_dhardsigmoid_b)
DEFINE_FF_FWD(softsign, fm_softsign_b)
