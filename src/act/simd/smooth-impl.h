/*
 * Smooth kernels (elu selu celu sigmoid tanh silu softplus softsign hardswish hardsigmoid
 * gelu_tanh mish), written once over the vf_ / vd_ wrappers of one ISA and compiled once
 * per ISA. Each vector of floats is widened to two vectors of doubles, the reference's
 * formula (src/act/ref.h) is evaluated with the vector maths of simd/vmath-d.h, and the
 * result is rounded once to float: the same error analysis as the reference (double
 * carries 29 guard bits), so the same ULP budgets hold with room to spare.
 * Clamps keep +-inf on their limits: where f saturates, x is clamped to +-700, far past
 * the point where the float result stops changing. NaN lanes are selected back in last.
 * The tail (n % VLEN) goes through the same formula on a zero-padded copy, so nothing outside
 * [0, n) is touched and an element's bits do not depend on where it falls.
 */
#include <string.h>

#include "../kernels.h"
#include "../ref.h"
#include "vmath-d.h"

#define SKN(op, dir) SKN_(op, dir, VEC_ISA, UTAG)
#define SKN_(op, dir, isa, u) SKN__(op, dir, isa, u)
#define SKN__(op, dir, isa, u) act_f32_##op##_##dir##__##isa##_f64_##u

#define SELU_A 1.6732632423543772848170429916717
#define SELU_L 1.0507009873554804934193349852946

struct sm_ctx {
    vd zero, one, alpha, beta, th;
};

static inline void sm_ctx_init(struct sm_ctx *c, const struct act_params *p)
{
    c->zero = vd_set1(0.0);
    c->one = vd_set1(1.0);
    c->alpha = vd_set1(p->alpha);
    c->beta = vd_set1(p->beta);
    c->th = vd_set1(p->threshold);
}

static inline vd clamp_lo(vd x) { return vd_max(x, vd_set1(-VM_CLAMP)); }
/* sigmoid(z) given e = exp(-|z|): x < 0 ? e/(1+e) : 1/(1+e). */
static inline vd sig_e(vd z, vd e, const struct sm_ctx *c)
{
    return vd_div(vd_select(vd_lt(z, c->zero), e, c->one), vd_add(c->one, e));
}
/* sigmoid'(z) = e / (1+e)^2 given e = exp(-|z|). */
static inline vd dsig_e(vd e, const struct sm_ctx *c)
{
    vd d = vd_add(c->one, e);
    return vd_div(e, vd_mul(d, d));
}

/*
 * Gaussian CDF for gelu: E(x) = erfc(-x/sqrt2) = 2 Phi(x) in [0, 2], and ez = exp(-x^2/2), with z = |x|/sqrt2:
 *  - z < 1: E = 1 +- erf(z), erf(z) = (2/sqrt(pi)) z sum_{n<=17} (-1)^n z^2n / (n! (2n+1)) (Taylor; the
 *    first omitted term is below 4e-18 relative).
 *  - z >= 1: erfc(z) = exp(-z^2) h(1/z) / (z sqrt(pi)), with h(u) = sqrt(pi) z e^(z^2) erfc(z) fitted by
 *    Chebyshev least squares (degree 16, 8001 points; data from libm erfc * exp, and the asymptotic series
 *    for z >= 20) in two pieces: z in [1, 3] (measured max relative error 4.8e-15) and z in [3, 27.3]
 *    (2.9e-14). Beyond 27.3, exp(-z^2) underflows in double and erfc(z) is 0, as in the reference.
 *  z^2 = x*x/2 is exact in double for float x. The pieces are evaluated by Clenshaw's recurrence with
 *  per-lane coefficients, so one pass serves both.
 */
static const double gelu_h_cheb[2][17] = {
    {
        0x1.b5d0d8c30c0d2p-1, -0x1.91b74f2d44671p-4, -0x1.3806a7a82bce7p-14,
        0x1.1c710afde4673p-10, -0x1.90c1f5cbb36f9p-13, 0x1.48b109370bf30p-16,
        -0x1.3df3ebf6cb85dp-21, -0x1.22298d87a3930p-22, 0x1.5028c45f2ac2fp-24,
        -0x1.c88919bea7bfcp-27, 0x1.a17782864894bp-30, -0x1.198d446f78b67p-34,
        -0x1.96a4b084466e3p-36, 0x1.2424a014ed27cp-37, -0x1.e89f1a7d91166p-40,
        0x1.2bc9132874d5bp-42, -0x1.f358c439a96f0p-46,
    },
    {
        0x1.f5919f1eee85ap-1, -0x1.89fb731c46647p-6, -0x1.0a66b8e92e2aap-8,
        0x1.31d598c567ad2p-12, 0x1.5a9ab2745f931p-17, -0x1.b286c842b48bcp-19,
        0x1.5501168975790p-23, 0x1.a091e35a8ed15p-26, -0x1.40597b1fb3454p-28,
        0x1.5adffab2bd8bcp-33, 0x1.fdbf39a2c98f3p-35, -0x1.6beb759330a98p-37,
        0x1.6135db622da3ep-42, 0x1.75177a99c41bfp-43, -0x1.21d514aaebbd8p-45,
        0x1.8a41d17ff27eap-50, 0x1.a9c7e4a63746fp-51,
    },
};

static inline vd vm_two_phi(vd x, vd *ez)
{
    const vd one = vd_set1(1.0);
    vd w = vd_mul(vd_mul(x, x), vd_set1(0.5)); /* z^2, exact */
    vd z = vd_mul(vd_abs(x), vd_set1(0.70710678118654752440));
    *ez = vm_exp(vd_mul(w, vd_set1(-1.0)));
    /* z < 1: erf(z) by its Taylor series in w = z^2; coefficients (-1)^n / (n! (2n+1)). */
    vd p = vd_set1(-1.0 / (355687428096000.0 * 35)); /* n = 17 */
    static const double taylor[17] = {
        1.0 / (20922789888000.0 * 33), -1.0 / (1307674368000.0 * 31), 1.0 / (87178291200.0 * 29),
        -1.0 / (6227020800.0 * 27), 1.0 / (479001600.0 * 25), -1.0 / (39916800.0 * 23), 1.0 / (3628800.0 * 21),
        -1.0 / (362880.0 * 19), 1.0 / (40320.0 * 17), -1.0 / (5040.0 * 15), 1.0 / (720.0 * 13), -1.0 / (120.0 * 11),
        1.0 / (24.0 * 9), -1.0 / (6.0 * 7), 1.0 / (2.0 * 5), -1.0 / 3, 1.0};
    for (int k = 0; k < 17; k++)
        p = vd_fma(p, w, vd_set1(taylor[k]));
    vd erf_z = vd_mul(vd_mul(vd_set1(1.1283791670955125739), z), p); /* 2/sqrt(pi) z P(w) */
    /* z >= 1: erfc(z) = ez h(1/z) / (z sqrt(pi)). */
    vd zc = vd_min(vd_max(z, one), vd_set1(27.3));
    vd u = vd_div(one, zc);
    vd lo = vd_lt(zc, vd_set1(3.0)); /* piece 0: u in [1/3, 1]; piece 1: u in [1/27.3, 1/3] */
    const double a0 = 1.0 / 3, b0 = 1.0, a1 = 1.0 / 27.3, b1 = 1.0 / 3;
    vd t = vd_fma(u, vd_select(lo, vd_set1(2 / (b0 - a0)), vd_set1(2 / (b1 - a1))),
                  vd_select(lo, vd_set1(-(a0 + b0) / (b0 - a0)), vd_set1(-(a1 + b1) / (b1 - a1))));
    vd t2 = vd_add(t, t), bk1 = vd_set1(0.0), bk2 = vd_set1(0.0);
    for (int k = 16; k >= 1; k--) {
        vd ck = vd_select(lo, vd_set1(gelu_h_cheb[0][k]), vd_set1(gelu_h_cheb[1][k]));
        vd bk = vd_sub(vd_fma(t2, bk1, ck), bk2);
        bk2 = bk1;
        bk1 = bk;
    }
    vd h = vd_sub(vd_fma(t, bk1, vd_select(lo, vd_set1(gelu_h_cheb[0][0]), vd_set1(gelu_h_cheb[1][0]))), bk2);
    vd erfc_z = vd_div(vd_mul(*ez, h), vd_mul(zc, vd_set1(1.7724538509055160273))); /* sqrt(pi) */
    vd neg = vd_lt(x, vd_set1(0.0));
    vd small = vd_add(one, vd_or(erf_z, vd_and(x, vd_set1(-0.0)))); /* 1 + sign(x) erf(z) */
    vd large = vd_select(neg, erfc_z, vd_sub(vd_set1(2.0), erfc_z));
    return vd_select(vd_lt(z, one), small, large);
}

/* ---- forward: f(x) in double ---- */
static inline vd f_elu(vd x, const struct sm_ctx *c)
{
    return vd_select(vd_gt(x, c->zero), x, vd_mul(c->alpha, vm_expm1(x)));
}
static inline vd f_selu(vd x, const struct sm_ctx *c)
{
    return vd_select(vd_gt(x, c->zero), vd_mul(vd_set1(SELU_L), x), vd_mul(vd_set1(SELU_L * SELU_A), vm_expm1(x)));
}
static inline vd f_celu(vd x, const struct sm_ctx *c)
{
    return vd_select(vd_gt(x, c->zero), x, vd_mul(c->alpha, vm_expm1(vd_div(x, c->alpha))));
}
static inline vd f_sigmoid(vd x, const struct sm_ctx *c) { return sig_e(x, vm_exp(vd_mul(vd_abs(x), vd_set1(-1.0))), c); }
static inline vd f_tanh(vd x, const struct sm_ctx *c)
{
    (void)c;
    vd t = vm_expm1(vd_mul(vd_abs(x), vd_set1(-2.0))); /* in (-1, 0] */
    vd r = vd_div(vd_sub(vd_set1(0.0), t), vd_add(t, vd_set1(2.0)));
    return vd_or(r, vd_and(x, vd_set1(-0.0))); /* tanh is odd; keeps -0 */
}
static inline vd f_silu(vd x, const struct sm_ctx *c)
{
    vd xc = clamp_lo(x);
    return vd_mul(xc, sig_e(xc, vm_exp(vd_mul(vd_abs(xc), vd_set1(-1.0))), c));
}
static inline vd f_softplus(vd x, const struct sm_ctx *c)
{
    vd z = vd_mul(c->beta, x); /* exact: a product of two floats */
    vd sp = vd_add(vd_max(z, c->zero), vm_log1p_unit(vm_exp(vd_mul(vd_abs(z), vd_set1(-1.0)))));
    return vd_select(vd_gt(z, c->th), x, vd_div(sp, c->beta));
}
static inline vd f_softsign(vd x, const struct sm_ctx *c)
{
    vd xc = vd_min(vd_max(x, vd_set1(-0x1p100)), vd_set1(0x1p100)); /* +-inf -> +-1 exactly after rounding */
    return vd_div(xc, vd_add(c->one, vd_abs(xc)));
}
static inline vd f_hardswish(vd x, const struct sm_ctx *c)
{
    (void)c;
    vd mid = vd_div(vd_mul(x, vd_add(x, vd_set1(3.0))), vd_set1(6.0));
    return vd_select(vd_le(x, vd_set1(-3.0)), vd_set1(-0.0), vd_select(vd_ge(x, vd_set1(3.0)), x, mid));
}
static inline vd f_hardsigmoid(vd x, const struct sm_ctx *c)
{
    vd mid = vd_div(vd_add(x, vd_set1(3.0)), vd_set1(6.0));
    return vd_select(vd_le(x, vd_set1(-3.0)), c->zero, vd_select(vd_ge(x, vd_set1(3.0)), c->one, mid));
}
#define GT_K 0.79788456080286535587989211986876 /* sqrt(2/pi) */
#define GT_C 0.044715
static inline vd gelu_u(vd x) { return vd_mul(vd_set1(GT_K), vd_fma(vd_mul(vd_mul(x, x), x), vd_set1(GT_C), x)); }
static inline vd f_gelu_tanh(vd x, const struct sm_ctx *c)
{
    vd xc = clamp_lo(x);
    vd u2 = vd_mul(gelu_u(xc), vd_set1(2.0));
    return vd_mul(xc, sig_e(u2, vm_exp(vd_mul(vd_abs(u2), vd_set1(-1.0))), c));
}
static inline vd f_gelu(vd x, const struct sm_ctx *c)
{
    vd ez;
    vd e2 = vm_two_phi(x, &ez);
    return vd_mul(vd_mul(vd_set1(0.5), clamp_lo(x)), vd_select(vd_eq(x, c->zero), c->one, e2));
}
/* mish: t = tanh(softplus(x)) and 1 - t^2 as rational functions of q = exp(-|x|) (see ref.h). */
static inline void mish_td(vd x, vd q, vd *t, vd *d, const struct sm_ctx *c)
{
    vd two = vd_set1(2.0), four = vd_set1(4.0);
    vd q1 = vd_add(c->one, q);
    vd den_p = vd_fma(vd_mul(two, q), vd_add(c->one, q), c->one); /* 1 + 2q + 2q^2 */
    vd den_n = vd_fma(q, vd_add(q, two), two);                     /* q^2 + 2q + 2 */
    vd pos = vd_ge(x, c->zero);
    *t = vd_select(pos, vd_div(vd_fma(two, q, c->one), den_p), vd_div(vd_mul(q, vd_add(q, two)), den_n));
    vd num = vd_mul(vd_mul(four, q1), q1);
    *d = vd_select(pos, vd_div(vd_mul(vd_mul(num, q), q), vd_mul(den_p, den_p)), vd_div(num, vd_mul(den_n, den_n)));
}
static inline vd f_mish(vd x, const struct sm_ctx *c)
{
    vd xc = clamp_lo(x), t, d;
    mish_td(xc, vm_exp(vd_mul(vd_abs(xc), vd_set1(-1.0))), &t, &d, c);
    return vd_mul(xc, t);
}

/* ---- backward from x: dx = dy * f'(x) in double, dead zones selected ---- */
/* f'(x) whose exp(x) factor underflows to 0 in the reference (x < -745.2) is that exact 0 here too,
 * so that dy = inf gives NaN in both rather than inf * tiny. */
static inline vd underflow0(vd x, vd d) { return vd_select(vd_lt(x, vd_set1(-745.2)), vd_set1(0.0), d); }
static inline vd b_elu(vd x, vd g, const struct sm_ctx *c)
{
    return vd_select(vd_gt(x, c->zero), g, vd_mul(g, vd_mul(c->alpha, vm_exp(x))));
}
static inline vd b_selu(vd x, vd g, const struct sm_ctx *c)
{
    return vd_select(vd_gt(x, c->zero), vd_mul(g, vd_set1(SELU_L)), vd_mul(g, vd_mul(vd_set1(SELU_L * SELU_A), vm_exp(x))));
}
static inline vd b_celu(vd x, vd g, const struct sm_ctx *c)
{
    return vd_select(vd_gt(x, c->zero), g, vd_mul(g, vm_exp(vd_div(x, c->alpha))));
}
static inline vd b_sigmoid(vd x, vd g, const struct sm_ctx *c)
{
    return vd_mul(g, dsig_e(vm_exp(vd_mul(vd_abs(x), vd_set1(-1.0))), c));
}
static inline vd b_tanh(vd x, vd g, const struct sm_ctx *c)
{
    vd e = vm_exp(vd_mul(vd_abs(x), vd_set1(-2.0)));
    return vd_mul(g, vd_mul(vd_set1(4.0), dsig_e(e, c)));
}
static inline vd b_silu(vd x, vd g, const struct sm_ctx *c)
{
    vd xc = vm_clamp(x);
    vd e = vm_exp(vd_mul(vd_abs(xc), vd_set1(-1.0)));
    return vd_mul(g, underflow0(x, vd_fma(xc, dsig_e(e, c), sig_e(xc, e, c))));
}
static inline vd b_softplus(vd x, vd g, const struct sm_ctx *c)
{
    vd z = vd_mul(c->beta, x);
    vd s = sig_e(z, vm_exp(vd_mul(vd_abs(z), vd_set1(-1.0))), c);
    return vd_select(vd_gt(z, c->th), g, vd_mul(g, s));
}
static inline vd b_softsign(vd x, vd g, const struct sm_ctx *c)
{
    vd a = vd_add(c->one, vd_abs(x));
    return vd_div(g, vd_mul(a, a));
}
static inline vd b_hardswish(vd x, vd g, const struct sm_ctx *c)
{
    vd mid = vd_mul(g, vd_div(vd_fma(vd_set1(2.0), x, vd_set1(3.0)), vd_set1(6.0)));
    return vd_select(vd_lt(x, vd_set1(-3.0)), c->zero, vd_select(vd_gt(x, vd_set1(3.0)), g, mid));
}
static inline vd b_hardsigmoid(vd x, vd g, const struct sm_ctx *c)
{
    vd in = vd_and(vd_gt(x, vd_set1(-3.0)), vd_lt(x, vd_set1(3.0)));
    return vd_select(in, vd_div(g, vd_set1(6.0)), c->zero);
}
static inline vd b_gelu_tanh(vd x, vd g, const struct sm_ctx *c)
{
    vd xc = vm_clamp(x);
    vd u2 = vd_mul(gelu_u(xc), vd_set1(2.0));
    vd du = vd_mul(vd_set1(GT_K), vd_fma(vd_mul(xc, xc), vd_set1(3 * GT_C), c->one));
    vd e = vm_exp(vd_mul(vd_abs(u2), vd_set1(-1.0)));
    vd s = sig_e(u2, e, c), ss = dsig_e(e, c);
    return vd_mul(g, vd_fma(vd_mul(vd_mul(vd_set1(2.0), xc), ss), du, s));
}
static inline vd b_gelu(vd x, vd g, const struct sm_ctx *c)
{
    (void)c;
    vd ez;
    vd e2 = vm_two_phi(x, &ez);
    /* Phi(x) + x phi(x), phi = ez / sqrt(2 pi) */
    return vd_mul(g, vd_fma(vm_clamp(x), vd_mul(ez, vd_set1(0.39894228040143267794)), vd_mul(vd_set1(0.5), e2)));
}
static inline vd b_mish(vd x, vd g, const struct sm_ctx *c)
{
    vd xc = vm_clamp(x), t, d;
    vd q = vm_exp(vd_mul(vd_abs(xc), vd_set1(-1.0)));
    mish_td(xc, q, &t, &d, c);
    return vd_mul(g, underflow0(x, vd_fma(vd_mul(xc, d), sig_e(xc, q, c), t)));
}

/* ---- backward from the output y ---- */
static inline vd by_elu(vd y, vd g, const struct sm_ctx *c)
{
    return vd_select(vd_gt(y, c->zero), g, vd_mul(g, vd_add(y, c->alpha)));
}
static inline vd by_selu(vd y, vd g, const struct sm_ctx *c)
{
    return vd_select(vd_gt(y, c->zero), vd_mul(g, vd_set1(SELU_L)), vd_mul(g, vd_add(y, vd_set1(SELU_L * SELU_A))));
}
static inline vd by_celu(vd y, vd g, const struct sm_ctx *c)
{
    return vd_select(vd_gt(y, c->zero), g, vd_mul(g, vd_div(vd_add(y, c->alpha), c->alpha)));
}
static inline vd by_sigmoid(vd y, vd g, const struct sm_ctx *c) { return vd_mul(g, vd_mul(y, vd_sub(c->one, y))); }
static inline vd by_tanh(vd y, vd g, const struct sm_ctx *c)
{
    return vd_mul(g, vd_mul(vd_sub(c->one, y), vd_add(c->one, y)));
}

#define DEFINE_SMOOTH_FWD(op)                                                                    \
    void SKN(op, fwd)(size_t n, const float *x, float *y, const struct act_params *p)            \
    {                                                                                            \
        struct sm_ctx c;                                                                         \
        sm_ctx_init(&c, p);                                                                      \
        size_t i = 0;                                                                            \
        for (; i + VLEN <= n; i += VLEN) {                                                       \
            vf a = vf_load(x + i);                                                               \
            vf r = vf_from_vd(f_##op(vd_from_lo(a), &c), f_##op(vd_from_hi(a), &c));             \
            vf_store(y + i, vf_nan_pass(a, r));                                       \
        }                                                                                        \
        if (i < n) { /* the same formula on a zero-padded copy (tests/test_position.c) */        \
            float t[VLEN] = {0};                                                                 \
            memcpy(t, x + i, (n - i) * sizeof(float));                                           \
            vf a = vf_load(t);                                                                   \
            vf r = vf_from_vd(f_##op(vd_from_lo(a), &c), f_##op(vd_from_hi(a), &c));             \
            vf_store(t, vf_nan_pass(a, r));                                           \
            memcpy(y + i, t, (n - i) * sizeof(float));                                           \
        }                                                                                        \
    }

/* pre is b (from x) or by (from y). */
#define DEFINE_SMOOTH_BWD(op, dir, pre)                                                          \
    void SKN(op, dir)(size_t n, const float *x, const float *dy, float *dx, const struct act_params *p) \
    {                                                                                            \
        struct sm_ctx c;                                                                         \
        sm_ctx_init(&c, p);                                                                      \
        size_t i = 0;                                                                            \
        for (; i + VLEN <= n; i += VLEN) {                                                       \
            vf a = vf_load(x + i), g = vf_load(dy + i);                                          \
            vf r = vf_from_vd(pre##_##op(vd_from_lo(a), vd_from_lo(g), &c),                      \
                              pre##_##op(vd_from_hi(a), vd_from_hi(g), &c));                     \
            vf_store(dx + i, vf_nan_pass(a, r));                                      \
        }                                                                                        \
        if (i < n) {                                                                             \
            float t[VLEN] = {0}, u[VLEN] = {0};                                                  \
            memcpy(t, x + i, (n - i) * sizeof(float));                                           \
            memcpy(u, dy + i, (n - i) * sizeof(float));                                          \
            vf a = vf_load(t), g = vf_load(u);                                                   \
            vf r = vf_from_vd(pre##_##op(vd_from_lo(a), vd_from_lo(g), &c),                      \
                              pre##_##op(vd_from_hi(a), vd_from_hi(g), &c));                     \
            vf_store(t, vf_nan_pass(a, r));                                           \
            memcpy(dx + i, t, (n - i) * sizeof(float));                                          \
        }                                                                                        \
    }

#define DEFINE_SMOOTH(op)                                                                        \
    DEFINE_SMOOTH_FWD(op)                                                                        \
    DEFINE_SMOOTH_BWD(op, bwd, b)
#define DEFINE_SMOOTH_Y(op)                                                                      \
    DEFINE_SMOOTH(op)                                                                            \
    DEFINE_SMOOTH_BWD(op, bwdy, by)

DEFINE_SMOOTH_Y(elu)
DEFINE_SMOOTH_Y(selu)
DEFINE_SMOOTH_Y(celu)
DEFINE_SMOOTH_Y(sigmoid)
DEFINE_SMOOTH_Y(tanh)
DEFINE_SMOOTH(silu)
DEFINE_SMOOTH(softplus)
DEFINE_SMOOTH(softsign)
DEFINE_SMOOTH(hardswish)
DEFINE_SMOOTH(hardsigmoid)
DEFINE_SMOOTH(gelu)
DEFINE_SMOOTH(gelu_tanh)
DEFINE_SMOOTH(mish)
