/*
 * The long double oracle (see oracle.h). Every smooth function is written so that no
 * step cancels or overflows for any float input: sigmoid-type gates use
 * e = exp(-|z|) <= 1, tanh' uses 4e/(1+e)^2, mish is a rational function of exp(-|x|).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "oracle.h"

/* SELU's exact constants (SEMANTICS.md), not rounded to float or double. */
#define SELU_ALPHA 1.6732632423543772848170429916717L
#define SELU_SCALE 1.0507009873554804934193349852946L
#define SQRT1_2 0.70710678118654752440084436210484903928L       /* 1/sqrt(2) */
#define INV_SQRT_2PI 0.39894228040143267793994605993438186848L  /* 1/sqrt(2 pi) */
#define SQRT_2_OVER_PI 0.79788456080286535587989211986876373695L /* sqrt(2/pi) */
#define GELU_TANH_C 0.044715L

float oracle_rrelu_slope(const struct act_desc *d)
{
    return (float)(((double)d->lower + (double)d->upper) / 2.0);
}

/* The slope of the leaky-type ops (leaky_relu, prelu's shared slope, rrelu in evaluation). */
static long double leaky_slope(const struct act_desc *d)
{
    return d->op == ACT_OP_RRELU ? oracle_rrelu_slope(d) : d->slope;
}

/* e^t and e^t - 1 with one library call, both to full relative precision: expm1l near 0 (where
 * e^t - 1 would cancel), expl elsewhere (where e - 1 does not cancel, and 1 + em1 would). */
static void exp_pair(long double t, long double *e, long double *em1)
{
    if (fabsl(t) > 0.5L) {
        *e = expl(t);
        *em1 = *e - 1;
    } else {
        *em1 = expm1l(t);
        *e = 1 + *em1;
    }
}

/* sigma(z) and 1 - sigma(z), each without cancellation, from e = exp(-|z|) in (0, 1]. */
static void sigmoid2(long double z, long double e, long double *s, long double *sc)
{
    long double big = 1 / (1 + e), small = e / (1 + e);
    *s = z >= 0 ? big : small;
    *sc = z >= 0 ? small : big;
}

/*
 * t = tanh(softplus(x)) and 1 - t^2, from e = exp(-|x|):
 *   x >= 0: t = (1+2e) / (1+2e+2e^2),  1 - t^2 = 4 e^2 (1+e)^2 / (1+2e+2e^2)^2
 *   x <  0: with n = e(e+2): t = n / (n+2),  1 - t^2 = 4 (n+1) / (n+2)^2
 * (tanh(log(1+u)) = (u^2+2u)/(u^2+2u+2) with u = e^x.)
 */
static void mish_parts(long double x, long double e, long double *t, long double *sech2)
{
    if (x >= 0) {
        long double b = 1 + 2 * e + 2 * e * e;
        *t = (1 + 2 * e) / b;
        *sech2 = 4 * e * e * (1 + e) * (1 + e) / (b * b);
    } else {
        long double n = e * (e + 2);
        *t = n / (n + 2);
        *sech2 = 4 * (n + 1) / ((n + 2) * (n + 2));
    }
}

static long double gelu_tanh_u(long double x) { return SQRT_2_OVER_PI * (x + GELU_TANH_C * x * x * x); }

/* Ops of the form x * gate(x) with gate(-inf) = 0, gate(+inf) = 1: limits inf and -0, slopes 1 and 0. */
static int is_gated(enum act_op op)
{
    return op == ACT_OP_GELU || op == ACT_OP_GELU_TANH || op == ACT_OP_SILU || op == ACT_OP_MISH;
}

/* The piecewise-linear pieces: y = x inside (lo, hi), else clamped; the dead zone is outside. */
static void clamp_eval(long double x, long double lo, long double hi, long double *y, long double *g, int *dead)
{
    int inside = x > lo && (x < hi || isinf(hi)); /* hi = inf: no upper bound, f'(inf) = 1 */
    *y = x < lo ? lo : (x > hi ? hi : x);         /* keeps -0 */
    *g = inside;
    *dead = !inside;
}

/* ELU-type negative branch scale * alpha * (e^(x/div) - 1), derivative scale * alpha / div * e^(x/div). */
static void elu_eval(long double x, long double scale, long double alpha, long double div, long double *y,
                     long double *g)
{
    if (x > 0) {
        *y = scale * x;
        *g = scale;
        return;
    }
    long double e, em1;
    exp_pair(x / div, &e, &em1);
    *y = scale * alpha * em1;
    *g = scale * alpha / div * e;
}

void oracle_eval(const struct act_desc *d, long double x, long double *y, long double *g, int *dead)
{
    long double e, em1, s, sc, t, sech2;
    *dead = 0;
    if (isnan(x)) {
        *y = *g = x;
        return;
    }
    /* x * gate(x) at -inf is inf * 0 in any formula: take the limits. */
    if (isinf(x) && is_gated(d->op)) {
        *y = x > 0 ? x : -0.0L;
        *g = x > 0 ? 1 : 0;
        return;
    }
    switch (d->op) {
    case ACT_OP_IDENTITY:
        *y = x;
        *g = 1;
        return;
    case ACT_OP_RELU:
        clamp_eval(x, 0, INFINITY, y, g, dead);
        return;
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
    case ACT_OP_RRELU: {
        long double slope = leaky_slope(d);
        *g = x > 0 ? 1 : slope;
        /* 0 * -inf: the limit of 0 * x is -0 */
        *y = x > 0 ? x : (isinf(x) && slope == 0 ? -0.0L : slope * x);
        return;
    }
    case ACT_OP_ELU:
        elu_eval(x, 1, d->alpha, 1, y, g);
        return;
    case ACT_OP_SELU:
        elu_eval(x, SELU_SCALE, SELU_ALPHA, 1, y, g);
        return;
    case ACT_OP_CELU: /* alpha (e^(x/alpha) - 1): derivative e^(x/alpha) */
        elu_eval(x, 1, d->alpha, d->alpha, y, g);
        return;
    case ACT_OP_SIGMOID:
        sigmoid2(x, expl(-fabsl(x)), &s, &sc);
        *y = s;
        *g = s * sc;
        return;
    case ACT_OP_TANH: /* tanh|x| = -em1 / (2 + em1), tanh' = 4e / (1+e)^2 with e = exp(-2|x|) */
        exp_pair(-2 * fabsl(x), &e, &em1);
        *y = copysignl(-em1 / (2 + em1), x);
        *g = 4 * e / ((1 + e) * (1 + e));
        return;
    case ACT_OP_RELU6:
        clamp_eval(x, 0, 6, y, g, dead);
        return;
    case ACT_OP_HARDTANH:
        clamp_eval(x, d->min_val, d->max_val, y, g, dead);
        return;
    case ACT_OP_GELU: /* x Phi(x); Phi(x) + x phi(x): the terms differ by ~x^2 for x < -1, no cancellation */
        t = 0.5L * erfcl(-x * SQRT1_2);
        *y = x * t;
        *g = t + x * INV_SQRT_2PI * expl(-0.5L * x * x);
        return;
    case ACT_OP_GELU_TANH: { /* x s with s = sigma(2u); y' = s + 2 x s (1-s) u', u' = sqrt(2/pi) (1 + 3c x^2) */
        long double u2 = 2 * gelu_tanh_u(x);
        sigmoid2(u2, expl(-fabsl(u2)), &s, &sc);
        *y = x * s;
        *g = s + 2 * x * s * sc * SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_C * x * x);
        return;
    }
    case ACT_OP_SILU:
        sigmoid2(x, expl(-fabsl(x)), &s, &sc);
        *y = x * s;
        *g = s * (1 + x * sc);
        return;
    case ACT_OP_MISH: /* x t; t + x (1 - t^2) sigma(x) (softplus' = sigma) */
        e = expl(-fabsl(x));
        mish_parts(x, e, &t, &sech2);
        sigmoid2(x, e, &s, &sc);
        *y = x * t;
        *g = t + x * sech2 * s;
        return;
    case ACT_OP_SOFTPLUS: {
        long double z = (long double)d->beta * x; /* exact: 24 x 24 bits fit in 64 */
        if (z > d->threshold) {
            *y = x;
            *g = 1;
            return;
        }
        e = expl(-fabsl(z));
        sigmoid2(z, e, &s, &sc);
        *y = (fmaxl(z, 0) + log1pl(e)) / d->beta;
        *g = s;
        return;
    }
    case ACT_OP_HARDSWISH:
        if (x < -3) { /* x * 0 for negative x, and the limit at -inf */
            *y = -0.0L;
            *g = 0;
            *dead = 1;
        } else if (x > 3) {
            *y = x;
            *g = 1;
        } else { /* closed [-3, 3]: f'(-3) = -0.5, f'(3) = 1.5 */
            *y = x * (x + 3) / 6;
            *g = (2 * x + 3) / 6;
        }
        return;
    case ACT_OP_HARDSIGMOID:
        clamp_eval(x, -3, 3, y, g, dead);
        *y = (*y + 3) / 6;
        *g /= 6;
        return;
    case ACT_OP_SOFTSIGN: {
        long double a = 1 + fabsl(x);
        *y = isinf(x) ? copysignl(1, x) : x / a;
        *g = 1 / (a * a);
        return;
    }
    case ACT_OP_THRESHOLD:
        clamp_eval(x, d->threshold, INFINITY, y, g, dead);
        *y = x > d->threshold ? x : (long double)d->value;
        return;
    }
    *y = *g = NAN;
}

long double oracle_fwdl(const struct act_desc *d, long double x)
{
    long double y, g;
    int dead;
    oracle_eval(d, x, &y, &g, &dead);
    return y;
}

long double oracle_derivl(const struct act_desc *d, long double x, int *dead)
{
    long double y, g;
    oracle_eval(d, x, &y, &g, dead);
    return g;
}

long double oracle_bwd(const struct act_desc *d, float x, float dy)
{
    int dead;
    long double g = oracle_derivl(d, x, &dead);
    return dead ? 0.0L : (long double)dy * g;
}

/* floor(log2(a)) for a normal a > 0: from the exponent bits when long double is x87's 80-bit
 * format (ilogbl is a slow library call, and the sweeps call this billions of times). */
static int exponent_of(long double a)
{
#if LDBL_MANT_DIG == 64 && LDBL_MAX_EXP == 16384
    unsigned char b[sizeof a];
    uint16_t sign_exp;
    memcpy(b, &a, sizeof a);
    memcpy(&sign_exp, b + 8, sizeof sign_exp);
    return (sign_exp & 0x7fff) - 16383;
#else
    return ilogbl(a);
#endif
}

/* 2^k as a double, for -1022 <= k <= 1023. */
static double pow2(int k)
{
    uint64_t bits = (uint64_t)(k + 1023) << 52;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

double ulp_error(float got, long double exact)
{
    if ((long double)got == exact) /* the common case; also +0 == -0 */
        return 0;
    if (isnan(got) || isnan(exact))
        return isnan(got) && isnan(exact) ? 0 : INFINITY;
    if (isinf(got) || isinf(exact)) {
        if (got == (float)exact) /* the conversion rounds to nearest, overflowing to inf */
            return 0;
        if (isinf(got) || isinf(exact))
            return INFINITY;
    }
    long double a = fabsl(exact);
    int e = a >= FLT_MIN ? exponent_of(a) : FLT_MIN_EXP - 1;
    if (e > FLT_MAX_EXP - 1)
        e = FLT_MAX_EXP - 1; /* beyond FLT_MAX: FLT_MAX's ULP, so FLT_MAX vs 2^129 is not small */
    /* The difference is exact in long double; its ratio to the ULP needs no more than double. */
    return (double)fabsl((long double)got - exact) * pow2(FLT_MANT_DIG - 1 - e);
}
