/*
 * The scalar reference, element by element (static inline so that kernels with a
 * constant op fold the switch away). The scalar reference: every activation, forward and backward, written for
 * clarity and exactness, not speed. Each value is computed in double from the
 * float inputs and rounded once to float; the formulas avoid the cancellations
 * and overflows listed in shared/SEMANTICS.md ("Traps"), so the result is
 * within a hair of correctly rounded (double carries 29 guard bits).
 * Every fast path is tested against these functions. Built with -ffp-contract=off.
 *
 * Policy: NaN in gives NaN out (y and dx); +-inf give the limit values; at a
 * kink the left branch applies; in a dead zone (f' = 0 exactly) dx is a
 * selected 0, even when dy is NaN or inf.
 */
#ifndef ACTLAB_REF_H
#define ACTLAB_REF_H

#include <math.h>

#include "internal.h"

/* SELU's constants, exact to double precision (not rounded to float first). */
#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_SCALE 1.0507009873554804934193349852946
#define SQRT1_2 0.70710678118654752440084436210485    /* 1/sqrt(2) */
#define INV_SQRT_2PI 0.39894228040143267793994605993438 /* 1/sqrt(2 pi) */
#define SQRT_2_OVER_PI 0.79788456080286535587989211986876 /* sqrt(2/pi) */
#define GELU_TANH_C 0.044715

/* Quiet NaN out for NaN in (keeps the payload). */
static inline float nan_out(float x) { return x + x; }

/* sigmoid(z) and sigmoid(z)*(1-sigmoid(z)) without overflow or underflow before the true value does. */
static inline double sigmoid_d(double z)
{
    if (z < 0) {
        double e = exp(z);
        return e / (1 + e);
    }
    return 1 / (1 + exp(-z));
}

static inline double sigmoid_deriv_d(double z)
{
    double e = exp(-fabs(z)); /* in (0, 1] */
    return e / ((1 + e) * (1 + e));
}

/* tanh'(z) = 1 - tanh^2 = 4 e / (1 + e)^2 with e = exp(-2|z|): no cancellation near saturation. */
static inline double tanh_deriv_d(double z)
{
    double e = exp(-2 * fabs(z));
    return 4 * e / ((1 + e) * (1 + e));
}

/* softplus without overflow: max(z,0) + log1p(exp(-|z|)). */
static inline double softplus_d(double z) { return fmax(z, 0) + log1p(exp(-fabs(z))); }

/*
 * mish: t = tanh(softplus(x)), written as a rational function of q = exp(-|x|) so that
 * neither exp overflows nor 1 - t^2 cancels:
 *   x >= 0: t = (1 + 2q) / (1 + 2q + 2q^2),   1 - t^2 = 4 q^2 (1 + q)^2 / (1 + 2q + 2q^2)^2
 *   x <  0: t = q (q + 2) / (q^2 + 2q + 2),   1 - t^2 = 4 (1 + q)^2 / (q^2 + 2q + 2)^2
 */
static inline void mish_parts(double x, double *t, double *one_minus_t2)
{
    double q = exp(-fabs(x));
    if (x >= 0) {
        double den = 1 + 2 * q + 2 * q * q;
        *t = (1 + 2 * q) / den;
        *one_minus_t2 = 4 * q * q * (1 + q) * (1 + q) / (den * den);
    } else {
        double den = q * q + 2 * q + 2;
        *t = q * (q + 2) / den;
        *one_minus_t2 = 4 * (1 + q) * (1 + q) / (den * den);
    }
}

/* gelu_tanh's inner argument u = sqrt(2/pi) (x + 0.044715 x^3), in double (no overflow for float x). */
static inline double gelu_tanh_u(double x) { return SQRT_2_OVER_PI * (x + GELU_TANH_C * x * x * x); }

/* Clamp with NaN propagation and -0 kept: x < lo ? lo : (x > hi ? hi : x). */
static inline float clampf_ref(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

static inline float ref_fwd1(enum act_op op, const struct act_params *p, float xf)
{
    if (isnan(xf))
        return nan_out(xf);
    double x = xf;
    switch (op) {
    case ACT_OP_IDENTITY:
        return xf;
    case ACT_OP_RELU:
        return xf < 0 ? 0.0f : xf;
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
    case ACT_OP_RRELU:
        if (xf > 0)
            return xf;
        if (p->slope == 0) /* limit of 0*x, also at -inf */
            return xf < 0 ? -0.0f : xf * 0.0f;
        return (float)(p->slope * x); /* exact product in double, one rounding */
    case ACT_OP_ELU:
        return xf > 0 ? xf : (float)(p->alpha * expm1(x));
    case ACT_OP_SELU:
        return (float)(xf > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * expm1(x));
    case ACT_OP_CELU:
        return xf > 0 ? xf : (float)(p->alpha * expm1(x / p->alpha));
    case ACT_OP_SIGMOID:
        return (float)sigmoid_d(x);
    case ACT_OP_TANH:
        return (float)tanh(x);
    case ACT_OP_RELU6:
    case ACT_OP_HARDTANH:
        return clampf_ref(xf, p->lo, p->hi);
    case ACT_OP_GELU:
        if (isinf(xf))
            return xf > 0 ? xf : -0.0f;
        return (float)(0.5 * x * erfc(-x * SQRT1_2));
    case ACT_OP_GELU_TANH:
        if (isinf(xf))
            return xf > 0 ? xf : -0.0f;
        /* x / (1 + exp(-2u)) = x * sigmoid(2u); exp(-2u) may overflow to inf, giving -0 */
        return (float)(x * sigmoid_d(2 * gelu_tanh_u(x)));
    case ACT_OP_SILU:
        if (isinf(xf))
            return xf > 0 ? xf : -0.0f;
        return (float)(x * sigmoid_d(x));
    case ACT_OP_MISH: {
        if (isinf(xf))
            return xf > 0 ? xf : -0.0f;
        double t, d;
        mish_parts(x, &t, &d);
        return (float)(x * t);
    }
    case ACT_OP_SOFTPLUS: {
        double z = p->beta * x; /* exact in double */
        if (z > p->threshold)
            return xf;
        return (float)(softplus_d(z) / p->beta);
    }
    case ACT_OP_HARDSWISH:
        if (xf <= -3)
            return -0.0f; /* x * 0 with x < 0; also the limit at -inf */
        if (xf >= 3)
            return xf; /* never x*6/6: no overflow */
        return (float)(x * (x + 3) / 6);
    case ACT_OP_HARDSIGMOID:
        if (xf <= -3)
            return 0.0f;
        if (xf >= 3)
            return 1.0f;
        return (float)((x + 3) / 6);
    case ACT_OP_SOFTSIGN:
        if (isinf(xf))
            return xf > 0 ? 1.0f : -1.0f;
        return (float)(x / (1 + fabs(x)));
    case ACT_OP_THRESHOLD:
        return xf <= p->threshold ? p->value : xf;
    }
    return nan_out(xf);
}

static inline float ref_bwd1(enum act_op op, const struct act_params *p, float xf, float dyf)
{
    if (isnan(xf))
        return nan_out(xf);
    double x = xf, dy = dyf;
    switch (op) {
    case ACT_OP_IDENTITY:
        return dyf;
    case ACT_OP_RELU:
        return xf > 0 ? dyf : 0.0f; /* dead zone: selected 0 */
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
    case ACT_OP_RRELU:
        return xf > 0 ? dyf : (float)(p->slope * dy);
    case ACT_OP_ELU:
        return xf > 0 ? dyf : (float)(dy * (p->alpha * exp(x)));
    case ACT_OP_SELU:
        return (float)(xf > 0 ? dy * SELU_SCALE : dy * (SELU_SCALE * SELU_ALPHA * exp(x)));
    case ACT_OP_CELU:
        return xf > 0 ? dyf : (float)(dy * exp(x / p->alpha));
    case ACT_OP_SIGMOID:
        return (float)(dy * sigmoid_deriv_d(x));
    case ACT_OP_TANH:
        return (float)(dy * tanh_deriv_d(x));
    case ACT_OP_RELU6:
    case ACT_OP_HARDTANH:
        return (xf > p->lo && xf < p->hi) ? dyf : 0.0f;
    case ACT_OP_GELU:
        /* Phi(x) + x phi(x) */
        if (isinf(xf))
            return xf > 0 ? dyf : (float)(dy * 0.0);
        return (float)(dy * (0.5 * erfc(-x * SQRT1_2) + x * INV_SQRT_2PI * exp(-0.5 * x * x)));
    case ACT_OP_GELU_TANH: {
        /* f = x s(2u); f' = s + 2 x s(1-s) u', u' = sqrt(2/pi) (1 + 3c x^2) */
        if (isinf(xf))
            return xf > 0 ? dyf : (float)(dy * 0.0);
        double u = gelu_tanh_u(x);
        double du = SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_C * x * x);
        double s = sigmoid_d(2 * u), ss = sigmoid_deriv_d(2 * u);
        return (float)(dy * (s + 2 * x * ss * du));
    }
    case ACT_OP_SILU: {
        /* f' = s + x s (1-s) */
        if (isinf(xf))
            return xf > 0 ? dyf : (float)(dy * 0.0);
        return (float)(dy * (sigmoid_d(x) + x * sigmoid_deriv_d(x)));
    }
    case ACT_OP_MISH: {
        /* f' = t + x (1 - t^2) sigmoid(x) */
        if (isinf(xf))
            return xf > 0 ? dyf : (float)(dy * 0.0);
        double t, d;
        mish_parts(x, &t, &d);
        return (float)(dy * (t + x * d * sigmoid_d(x)));
    }
    case ACT_OP_SOFTPLUS: {
        double z = p->beta * x;
        if (z > p->threshold)
            return dyf;
        return (float)(dy * sigmoid_d(z));
    }
    case ACT_OP_HARDSWISH:
        if (xf < -3)
            return 0.0f; /* dead zone */
        if (xf > 3)
            return dyf;
        return (float)(dy * ((2 * x + 3) / 6));
    case ACT_OP_HARDSIGMOID:
        return (xf > -3 && xf < 3) ? (float)(dy / 6) : 0.0f;
    case ACT_OP_SOFTSIGN: {
        double a = 1 + fabs(x); /* inf for x = +-inf: dy / inf = 0 */
        return (float)(dy / (a * a));
    }
    case ACT_OP_THRESHOLD:
        return xf > p->threshold ? dyf : 0.0f;
    }
    return nan_out(xf);
}

static inline int ref_has_bwdy(enum act_op op, const struct act_params *p)
{
    switch (op) {
    case ACT_OP_IDENTITY:
    case ACT_OP_RELU:
    case ACT_OP_SIGMOID:
    case ACT_OP_TANH:
    case ACT_OP_RELU6:
    case ACT_OP_HARDTANH:
    case ACT_OP_SELU:
        return 1;
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
    case ACT_OP_RRELU:
        return p->slope >= 0; /* y > 0 iff x > 0 only then */
    case ACT_OP_ELU:
        return p->alpha >= 0;
    case ACT_OP_CELU:
        return p->alpha > 0;
    default:
        return 0;
    }
}

static inline float ref_bwdy1(enum act_op op, const struct act_params *p, float yf, float dyf)
{
    if (isnan(yf))
        return nan_out(yf);
    double y = yf, dy = dyf;
    switch (op) {
    case ACT_OP_IDENTITY:
        return dyf;
    case ACT_OP_RELU:
        return yf > 0 ? dyf : 0.0f;
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
    case ACT_OP_RRELU:
        return yf > 0 ? dyf : (float)(p->slope * dy);
    case ACT_OP_ELU:
        /* alpha exp(x) = y + alpha on the x <= 0 branch */
        return yf > 0 ? dyf : (float)(dy * (y + p->alpha));
    case ACT_OP_SELU:
        return (float)(yf > 0 ? dy * SELU_SCALE : dy * (y + SELU_SCALE * SELU_ALPHA));
    case ACT_OP_CELU:
        return yf > 0 ? dyf : (float)(dy * ((y + p->alpha) / p->alpha));
    case ACT_OP_SIGMOID:
        return (float)(dy * (y * (1 - y)));
    case ACT_OP_TANH:
        return (float)(dy * ((1 - y) * (1 + y)));
    case ACT_OP_RELU6:
    case ACT_OP_HARDTANH:
        return (yf > p->lo && yf < p->hi) ? dyf : 0.0f;
    default:
        return NAN; /* unreachable: callers check act_ref_has_bwdy */
    }
}

#endif
