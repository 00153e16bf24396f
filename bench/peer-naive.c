/*
 * The "naive" peer: the plain C loop a user would write for each activation, in float with
 * libm, compiled -O3 with no ISA flags (cmake/bench.cmake): GCC vectorizes what it can.
 * It has every op forward and backward from x, and no backward from y.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "peer.h"

#define SELU_ALPHA 1.67326324235437728f
#define SELU_SCALE 1.05070098735548049f
#define SQRT1_2 0.70710678118654752f
#define INV_SQRT_2PI 0.39894228040143268f
#define SQRT_2_OVER_PI 0.79788456080286536f
#define GELU_C 0.044715f

static inline float sigm(float x)
{
    return 1 / (1 + expf(-x));
}

static inline float gelu_grad(float x)
{
    return 0.5f * (1 + erff(x * SQRT1_2)) + x * INV_SQRT_2PI * expf(-0.5f * x * x);
}

static inline float gelu_tanh_fwd(float x)
{
    return 0.5f * x * (1 + tanhf(SQRT_2_OVER_PI * (x + GELU_C * x * x * x)));
}

static inline float gelu_tanh_grad(float x)
{
    float t = tanhf(SQRT_2_OVER_PI * (x + GELU_C * x * x * x));
    return 0.5f * (1 + t) + 0.5f * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_C * x * x);
}

static inline float mish_grad(float x)
{
    float t = tanhf(log1pf(expf(x)));
    return t + x * (1 - t * t) * sigm(x);
}

/* NAIVE_OPS(X): X(OP, y from x, dx from x and dy), with the resolved parameters in p.
 * At a kink the left branch applies, as in libactlab. */
#define NAIVE_OPS(X)                                                                                 \
    X(IDENTITY, x, dy)                                                                               \
    X(RELU, x > 0 ? x : 0.0f, x > 0 ? dy : 0.0f)                                                     \
    X(LEAKY_RELU, x > 0 ? x : p->slope * x, x > 0 ? dy : p->slope * dy)                              \
    X(PRELU, x > 0 ? x : p->slope * x, x > 0 ? dy : p->slope * dy)                                   \
    X(RRELU, x > 0 ? x : p->slope * x, x > 0 ? dy : p->slope * dy)                                   \
    X(ELU, x > 0 ? x : p->alpha * expm1f(x), x > 0 ? dy : dy * p->alpha * expf(x))                   \
    X(CELU, x > 0 ? x : p->alpha * expm1f(x / p->alpha), x > 0 ? dy : dy * expf(x / p->alpha))       \
    X(SELU, SELU_SCALE * (x > 0 ? x : SELU_ALPHA * expm1f(x)),                                       \
      dy * SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * expf(x)))                                          \
    X(SIGMOID, sigm(x), dy * sigm(x) * (1 - sigm(x)))                                                \
    X(TANH, tanhf(x), dy * (1 - tanhf(x) * tanhf(x)))                                                \
    X(RELU6, fminf(fmaxf(x, p->lo), p->hi), x > p->lo && x <= p->hi ? dy : 0.0f)                     \
    X(HARDTANH, fminf(fmaxf(x, p->lo), p->hi), x > p->lo && x <= p->hi ? dy : 0.0f)                  \
    X(GELU, 0.5f * x * (1 + erff(x * SQRT1_2)), dy * gelu_grad(x))                                   \
    X(GELU_TANH, gelu_tanh_fwd(x), dy * gelu_tanh_grad(x))                                           \
    X(SILU, x * sigm(x), dy * sigm(x) * (1 + x * (1 - sigm(x))))                                     \
    X(MISH, x * tanhf(log1pf(expf(x))), dy * mish_grad(x))                                           \
    X(SOFTPLUS, x * p->beta > p->threshold ? x : log1pf(expf(p->beta * x)) / p->beta,                \
      x * p->beta > p->threshold ? dy : dy * sigm(p->beta * x))                                      \
    X(HARDSWISH, x * fminf(fmaxf(x + 3, 0), 6) / 6, x <= -3 ? 0.0f : x <= 3 ? dy * (2 * x + 3) / 6 : dy) \
    X(HARDSIGMOID, fminf(fmaxf(x / 6 + 0.5f, 0), 1), x > -3 && x <= 3 ? dy / 6 : 0.0f)               \
    X(SOFTSIGN, x / (1 + fabsf(x)), dy / ((1 + fabsf(x)) * (1 + fabsf(x))))                          \
    X(THRESHOLD, x > p->threshold ? x : p->value, x > p->threshold ? dy : 0.0f)

#define NAIVE_LOOPS(OP, FWD, BWD)                                                                    \
    static void fwd_##OP(size_t n, const float *restrict xs, float *restrict ys, const struct act_params *p) \
    {                                                                                                \
        (void)p;                                                                                     \
        for (size_t i = 0; i < n; i++) {                                                             \
            float x = xs[i];                                                                         \
            ys[i] = FWD;                                                                             \
        }                                                                                            \
    }                                                                                                \
    static void bwd_##OP(size_t n, const float *restrict xs, const float *restrict dys, float *restrict dxs, \
                         const struct act_params *p)                                                 \
    {                                                                                                \
        (void)p;                                                                                     \
        for (size_t i = 0; i < n; i++) {                                                             \
            float x = xs[i], dy = dys[i];                                                            \
            (void)x;                                                                                 \
            dxs[i] = BWD;                                                                            \
        }                                                                                            \
    }
NAIVE_OPS(NAIVE_LOOPS)

static const struct {
    act_fwd_fn fwd;
    act_bwd_fn bwd;
} loops[ACT_OP_COUNT] = {
#define NAIVE_ENTRY(OP, FWD, BWD) [ACT_OP_##OP] = {fwd_##OP, bwd_##OP},
    NAIVE_OPS(NAIVE_ENTRY)
#undef NAIVE_ENTRY
};

struct naive {
    struct bench_case c;
    struct act_params p;
    act_fwd_fn fwd;
    act_bwd_fn bwd;
    int is_prelu;
    struct bench_prelu_case prelu;
};

static enum bench_peer_status naive_init(int threads, char *about, size_t len)
{
    snprintf(about, len, "plain C loops in float with libm, gcc -O3 (SSE2), %d thread%s", threads, threads > 1 ? "s" : "");
    return BENCH_PEER_OK;
}

static enum bench_peer_status naive_prepare(const struct bench_case *c, void **handle)
{
    if (c->dir == ACT_DIR_BWD_Y)
        return BENCH_PEER_UNSUPPORTED;
    struct naive *h = calloc(1, sizeof *h);
    if (!h)
        return BENCH_PEER_ERROR;
    h->c = *c;
    act_params_from_desc(c->desc, &h->p);
    h->fwd = loops[c->desc->op].fwd;
    h->bwd = loops[c->desc->op].bwd;
    *handle = h;
    return BENCH_PEER_OK;
}

/* Per-channel PReLU as a plain loop, single-threaded: a branch on the sign of x, dslope summed in
 * double one product at a time. This was libactlab's code before 2026-11-28 for the backward and
 * for inner == 1 (its forward with inner > 1 called the vector kernel per segment). */
static void naive_prelu_run(const struct bench_prelu_case *c)
{
    size_t ch = c->channels, in = c->inner;
    for (size_t k = 0; c->bwd && k < ch; k++)
        c->dslope[k] = 0;
    for (size_t k = 0; c->bwd && k < ch; k++) {
        double acc = 0;
        for (size_t r = 0; r < c->rows; r++) {
            const float *x = c->x + (r * ch + k) * in, *dy = c->dy + (r * ch + k) * in;
            float *dx = c->out + (r * ch + k) * in, s = c->slope[k];
            for (size_t i = 0; i < in; i++) {
                if (!(x[i] > 0))
                    acc += (double)x[i] * dy[i];
                dx[i] = x[i] > 0 ? dy[i] : (isnan(x[i]) ? x[i] : s * dy[i]);
            }
        }
        c->dslope[k] = (float)acc;
    }
    for (size_t r = 0; !c->bwd && r < c->rows; r++)
        for (size_t k = 0; k < ch; k++) {
            const float *x = c->x + (r * ch + k) * in;
            float *y = c->out + (r * ch + k) * in, s = c->slope[k];
            for (size_t i = 0; i < in; i++)
                y[i] = x[i] > 0 || isnan(x[i]) ? x[i] : s * x[i];
        }
}

static enum bench_peer_status naive_prepare_prelu(const struct bench_prelu_case *c, void **handle)
{
    struct naive *h = calloc(1, sizeof *h);
    if (!h)
        return BENCH_PEER_ERROR;
    h->prelu = *c;
    h->is_prelu = 1;
    *handle = h;
    return BENCH_PEER_OK;
}

static void naive_span(void *ctx, size_t i0, size_t i1)
{
    const struct naive *h = ctx;
    if (h->c.dir == ACT_DIR_FWD)
        h->fwd(i1 - i0, h->c.in + i0, h->c.out + i0, &h->p);
    else
        h->bwd(i1 - i0, h->c.in + i0, h->c.dy + i0, h->c.out + i0, &h->p);
}

static void naive_run(void *handle)
{
    struct naive *h = handle;
    if (h->is_prelu)
        naive_prelu_run(&h->prelu);
    else
        bench_team_for(h->c.n, naive_span, handle);
}

static void naive_fini(void)
{
}

const struct bench_peer bench_peer_naive = {
    "naive", naive_init, naive_prepare, naive_prepare_prelu, naive_run, NULL, free, naive_fini,
};
