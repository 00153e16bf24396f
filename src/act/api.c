/*
 * The public entry points of libactlab: the op table, descriptor validation,
 * and the array calls, which validate once and hand the loop to the kernel
 * dispatch picked.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "kernels.h"
#include "ref.h"

#define P(field) offsetof(struct act_desc, field)

/* Budgets: 0.5 ULP (correctly rounded) for piecewise-linear ops; 1/2 for the
 * exp-family and rational ops; 2/3 for gelu, gelu_tanh, mish. */
static const struct act_op_def op_defs[ACT_OP_COUNT] = {
    [ACT_OP_IDENTITY] = {{ACT_OP_IDENTITY, "identity", "", "x", 0.5, 0.5, 1}, 0, {{0}}},
    [ACT_OP_RELU] = {{ACT_OP_RELU, "relu", "", "max(0, x)", 0.5, 0.5, 1}, 0, {{0}}},
    [ACT_OP_LEAKY_RELU] = {{ACT_OP_LEAKY_RELU, "leaky_relu", "slope=0.01", "x > 0 ? x : slope*x", 0.5, 0.5, 1},
                           1, {{"slope", P(slope)}}},
    [ACT_OP_PRELU] = {{ACT_OP_PRELU, "prelu", "slope=0.25", "x > 0 ? x : slope[c]*x (slope learnable)", 0.5, 0.5, 1},
                      1, {{"slope", P(slope)}}},
    [ACT_OP_ELU] = {{ACT_OP_ELU, "elu", "alpha=1", "x > 0 ? x : alpha*expm1(x)", 1, 2, 1},
                    1, {{"alpha", P(alpha)}}},
    [ACT_OP_SIGMOID] = {{ACT_OP_SIGMOID, "sigmoid", "", "1/(1+exp(-x))", 1, 2, 1}, 0, {{0}}},
    [ACT_OP_TANH] = {{ACT_OP_TANH, "tanh", "", "tanh(x)", 1, 2, 1}, 0, {{0}}},
    [ACT_OP_RELU6] = {{ACT_OP_RELU6, "relu6", "", "min(max(0, x), 6)", 0.5, 0.5, 1}, 0, {{0}}},
    [ACT_OP_RRELU] = {{ACT_OP_RRELU, "rrelu", "lower=0.125,upper=0.33333334 (1/3)",
                       "x > 0 ? x : ((lower+upper)/2)*x (evaluation)", 0.5, 0.5, 1},
                      2, {{"lower", P(lower)}, {"upper", P(upper)}}},
    [ACT_OP_SELU] = {{ACT_OP_SELU, "selu", "", "scale*(x > 0 ? x : alpha*expm1(x))", 1, 2, 1}, 0, {{0}}},
    [ACT_OP_CELU] = {{ACT_OP_CELU, "celu", "alpha=1", "x > 0 ? x : alpha*expm1(x/alpha)", 1, 2, 1},
                     1, {{"alpha", P(alpha)}}},
    [ACT_OP_GELU] = {{ACT_OP_GELU, "gelu", "", "0.5*x*erfc(-x/sqrt(2))", 2, 3, 0}, 0, {{0}}},
    [ACT_OP_GELU_TANH] = {{ACT_OP_GELU_TANH, "gelu_tanh", "", "x/(1+exp(-2u)), u = sqrt(2/pi)(x+0.044715x^3)", 2, 3, 0},
                          0, {{0}}},
    [ACT_OP_SILU] = {{ACT_OP_SILU, "silu", "", "x*sigmoid(x)", 1, 2, 0}, 0, {{0}}},
    [ACT_OP_MISH] = {{ACT_OP_MISH, "mish", "", "x*tanh(softplus(x))", 2, 3, 0}, 0, {{0}}},
    [ACT_OP_SOFTPLUS] = {{ACT_OP_SOFTPLUS, "softplus", "beta=1,threshold=20",
                          "beta*x > threshold ? x : log1p(exp(beta*x))/beta", 1, 2, 0},
                         2, {{"beta", P(beta)}, {"threshold", P(threshold)}}},
    [ACT_OP_HARDSWISH] = {{ACT_OP_HARDSWISH, "hardswish", "", "x*min(max(x+3, 0), 6)/6", 1, 2, 0}, 0, {{0}}},
    [ACT_OP_HARDSIGMOID] = {{ACT_OP_HARDSIGMOID, "hardsigmoid", "", "min(max(x+3, 0), 6)/6", 1, 2, 0}, 0, {{0}}},
    [ACT_OP_HARDTANH] = {{ACT_OP_HARDTANH, "hardtanh", "min=-1,max=1", "min(max(x, min), max)", 0.5, 0.5, 1},
                         2, {{"min", P(min_val)}, {"max", P(max_val)}}},
    [ACT_OP_SOFTSIGN] = {{ACT_OP_SOFTSIGN, "softsign", "", "x/(1+|x|)", 1, 2, 0}, 0, {{0}}},
    [ACT_OP_THRESHOLD] = {{ACT_OP_THRESHOLD, "threshold", "threshold=(required),value=(required)",
                           "x > threshold ? x : value", 0.5, 0.5, 0},
                          2, {{"threshold", P(threshold)}, {"value", P(value)}}},
};

const struct act_op_def *act_op_def(enum act_op op)
{
    if ((int)op < 0 || (int)op >= ACT_OP_COUNT)
        return NULL;
    return &op_defs[op];
}

float *act_param_ptr(struct act_desc *d, const struct act_param_def *pd)
{
    return (float *)((char *)d + pd->offset);
}

ACT_API const struct act_op_info *act_op_info(enum act_op op)
{
    const struct act_op_def *def = act_op_def(op);
    return def ? &def->info : NULL;
}

ACT_API const char *act_op_name(enum act_op op)
{
    const struct act_op_def *def = act_op_def(op);
    return def ? def->info.name : NULL;
}

ACT_API const char *act_status_str(enum act_status s)
{
    switch (s) {
    case ACT_OK:
        return "ok";
    case ACT_ERR_INVALID_ARG:
        return "invalid argument";
    case ACT_ERR_UNSUPPORTED:
        return "unsupported operation";
    case ACT_ERR_NO_MEMORY:
        return "out of memory";
    }
    return "unknown status";
}

ACT_API enum act_status act_desc_init(struct act_desc *d, enum act_op op)
{
    if (!d || !act_op_def(op))
        return ACT_ERR_INVALID_ARG;
    memset(d, 0, sizeof *d);
    d->op = op;
    d->slope = op == ACT_OP_PRELU ? 0.25f : 0.01f;
    d->alpha = 1.0f;
    d->beta = 1.0f;
    d->threshold = op == ACT_OP_THRESHOLD ? NAN : 20.0f;
    d->value = NAN;
    d->lower = 1.0f / 8;
    d->upper = (float)(1.0 / 3);
    d->min_val = -1.0f;
    d->max_val = 1.0f;
    return ACT_OK;
}

ACT_API enum act_status act_desc_check(const struct act_desc *d)
{
    if (!d)
        return ACT_ERR_INVALID_ARG;
    const struct act_op_def *def = act_op_def(d->op);
    if (!def)
        return ACT_ERR_INVALID_ARG;
    for (int i = 0; i < def->nparams; i++)
        if (!isfinite(*act_param_ptr((struct act_desc *)d, &def->params[i])))
            return ACT_ERR_INVALID_ARG;
    switch (d->op) {
    case ACT_OP_CELU:
        return d->alpha != 0 ? ACT_OK : ACT_ERR_INVALID_ARG;
    case ACT_OP_SOFTPLUS:
        return d->beta > 0 ? ACT_OK : ACT_ERR_INVALID_ARG;
    case ACT_OP_RRELU:
        return d->lower <= d->upper ? ACT_OK : ACT_ERR_INVALID_ARG;
    case ACT_OP_HARDTANH:
        return d->min_val <= d->max_val ? ACT_OK : ACT_ERR_INVALID_ARG;
    default:
        return ACT_OK;
    }
}

void act_params_from_desc(const struct act_desc *d, struct act_params *p)
{
    memset(p, 0, sizeof *p);
    p->slope = d->slope;
    if (d->op == ACT_OP_RRELU) /* the mean slope, computed in double and rounded once */
        p->slope = (float)(((double)d->lower + (double)d->upper) / 2);
    p->alpha = d->alpha;
    p->beta = d->beta;
    p->threshold = d->threshold;
    p->value = d->value;
    if (d->op == ACT_OP_RELU6) {
        p->lo = 0.0f;
        p->hi = 6.0f;
    } else {
        p->lo = d->min_val;
        p->hi = d->max_val;
    }
}

/* Common validation of the array calls: a valid desc, and buffers present when n > 0. */
static enum act_status check_call(const struct act_desc *d, size_t n, const void *a, const void *b, const void *c,
                                  struct act_params *p)
{
    if (act_desc_check(d) != ACT_OK)
        return ACT_ERR_INVALID_ARG;
    if (n > SIZE_MAX / sizeof(float))
        return ACT_ERR_INVALID_ARG;
    if (n > 0 && (!a || !b || !c))
        return ACT_ERR_INVALID_ARG;
    act_params_from_desc(d, p);
    return ACT_OK;
}

ACT_API enum act_status act_forward(const struct act_desc *d, size_t n, const float *x, float *y)
{
    struct act_params p;
    enum act_status st = check_call(d, n, x, y, y, &p);
    if (st != ACT_OK || n == 0)
        return st;
    act_par_fwd((act_fwd_fn)act_dispatch(d->op, ACT_DIR_FWD)->fn, n, x, y, &p);
    return ACT_OK;
}

ACT_API enum act_status act_backward(const struct act_desc *d, size_t n, const float *x, const float *dy, float *dx)
{
    struct act_params p;
    enum act_status st = check_call(d, n, x, dy, dx, &p);
    if (st != ACT_OK || n == 0)
        return st;
    act_par_bwd((act_bwd_fn)act_dispatch(d->op, ACT_DIR_BWD)->fn, n, x, dy, dx, &p);
    return ACT_OK;
}

ACT_API int act_supports_backward_from_output(const struct act_desc *d)
{
    struct act_params p;
    if (act_desc_check(d) != ACT_OK)
        return 0;
    act_params_from_desc(d, &p);
    return act_ref_has_bwdy(d->op, &p) && act_dispatch(d->op, ACT_DIR_BWD_Y) != NULL;
}

ACT_API enum act_status act_backward_from_output(const struct act_desc *d, size_t n, const float *y, const float *dy,
                                                 float *dx)
{
    struct act_params p;
    enum act_status st = check_call(d, n, y, dy, dx, &p);
    if (st != ACT_OK)
        return st;
    if (!act_supports_backward_from_output(d))
        return ACT_ERR_UNSUPPORTED;
    if (n > 0)
        act_par_bwd((act_bwd_fn)act_dispatch(d->op, ACT_DIR_BWD_Y)->fn, n, y, dy, dx, &p);
    return ACT_OK;
}

/* rows * channels * inner without overflow, as a count of floats. */
static enum act_status prelu_size(size_t rows, size_t channels, size_t inner, size_t *n)
{
    size_t rc;
    if (__builtin_mul_overflow(rows, channels, &rc) || __builtin_mul_overflow(rc, inner, n) ||
        *n > SIZE_MAX / sizeof(float))
        return ACT_ERR_INVALID_ARG;
    return ACT_OK;
}

/* n lanes (a power of two) added pairwise, in place: ((a0 + a1) + (a2 + a3)) + ... The last step of
 * the fixed orders of dslope and forward_stats's sums. */
static double lanes_sum(double *a, size_t n)
{
    for (size_t w = n / 2; w >= 1; w /= 2)
        for (size_t j = 0; j < w; j++)
            a[j] = a[2 * j] + a[2 * j + 1];
    return a[0];
}

/* The ISA of the vector code outside the registry (per-channel PReLU, forward_stats): the one
 * dispatch picked for prelu, whose kernels exist on every ISA, so the cap (ACTLAB_MAX_ISA,
 * act_set_max_isa) applies. */
static enum act_isa_id vec_isa(void)
{
    return act_dispatch(ACT_OP_PRELU, ACT_DIR_FWD)->isa;
}

/* The per-channel PReLU parts of one ISA (simd/prelu-impl.h). The scalar set below has their order. */
struct prelu_set {
    void (*bwd_seg)(size_t n, const float *x, const float *dy, float *dx, float slope, double *acc);
    void (*rows_fwd)(size_t channels, const float *x, const float *slope, float *y, int slope_zero);
    void (*rows_bwd)(size_t channels, const float *x, const float *slope, const float *dy, float *dx, double *acc);
};

static void prelu_bwd_seg_scalar(size_t n, const float *x, const float *dy, float *dx, float slope, double *acc)
{
    act_prelu_seg_from(0, n, x, dy, dx, slope, acc);
}

static void prelu_rows_fwd_scalar(size_t channels, const float *x, const float *slope, float *y, int slope_zero)
{
    (void)slope_zero;
    act_prelu_rows_fwd_from(0, channels, x, slope, y);
}

static void prelu_rows_bwd_scalar(size_t channels, const float *x, const float *slope, const float *dy, float *dx,
                                  double *acc)
{
    act_prelu_rows_bwd_from(0, channels, x, slope, dy, dx, acc);
}

#define PRELU_SET(isa) ((struct prelu_set){act_prelu_bwd_seg__##isa, act_prelu_rows_fwd__##isa, act_prelu_rows_bwd__##isa})

static struct prelu_set prelu_set(void)
{
    switch (vec_isa()) {
#if defined(__x86_64__)
    case ACT_ISA_AVX512:
        return PRELU_SET(avx512);
    case ACT_ISA_AVX2:
        return PRELU_SET(avx2);
    case ACT_ISA_SSE2:
        return PRELU_SET(sse2);
#elif defined(__aarch64__)
    case ACT_ISA_NEON:
        return PRELU_SET(neon);
#endif
    default:
        return (struct prelu_set){prelu_bwd_seg_scalar, prelu_rows_fwd_scalar, prelu_rows_bwd_scalar};
    }
}

ACT_API enum act_status act_prelu_forward(size_t rows, size_t channels, size_t inner, const float *x,
                                          const float *slope, float *y)
{
    size_t n;
    if (prelu_size(rows, channels, inner, &n) != ACT_OK)
        return ACT_ERR_INVALID_ARG;
    if (n == 0)
        return ACT_OK;
    if (!x || !slope || !y)
        return ACT_ERR_INVALID_ARG;
    if (inner == 1) { /* NHWC / dense: the slope changes every element, a vector of them */
        struct prelu_set ps = prelu_set();
        int slope_zero = 0;
        for (size_t c = 0; c < channels; c++)
            slope_zero |= slope[c] == 0;
        for (size_t r = 0; r < rows; r++)
            ps.rows_fwd(channels, x + r * channels, slope, y + r * channels, slope_zero);
        return ACT_OK;
    }
    act_fwd_fn fn = (act_fwd_fn)act_dispatch(ACT_OP_PRELU, ACT_DIR_FWD)->fn;
    struct act_params p = {0};
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < channels; c++) {
            size_t off = (r * channels + c) * inner;
            p.slope = slope[c];
            fn(inner, x + off, y + off, &p);
        }
    return ACT_OK;
}

/* Channels whose dslope sums are carried at once (a stack block: no allocation): one double each
 * where inner == 1, ACT_PRELU_LANES of them otherwise (8 KiB). */
#define PRELU_BLOCK 256
#define PRELU_LANE_BLOCK 32

ACT_API enum act_status act_prelu_backward(size_t rows, size_t channels, size_t inner, const float *x,
                                           const float *slope, const float *dy, float *dx, float *dslope)
{
    size_t n;
    if (prelu_size(rows, channels, inner, &n) != ACT_OK)
        return ACT_ERR_INVALID_ARG;
    if (channels > 0 && !dslope)
        return ACT_ERR_INVALID_ARG;
    if (n > 0 && (!x || !slope || !dy))
        return ACT_ERR_INVALID_ARG;
    struct prelu_set ps = prelu_set();
    if (inner == 1) {
        for (size_t c0 = 0; c0 < channels; c0 += PRELU_BLOCK) {
            size_t cn = channels - c0 < PRELU_BLOCK ? channels - c0 : PRELU_BLOCK;
            double acc[PRELU_BLOCK] = {0};
            for (size_t r = 0; r < rows; r++) {
                size_t off = r * channels + c0;
                ps.rows_bwd(cn, x + off, slope + c0, dy + off, dx ? dx + off : NULL, acc);
            }
            for (size_t c = 0; c < cn; c++)
                dslope[c0 + c] = (float)acc[c];
        }
        return ACT_OK;
    }
    for (size_t c0 = 0; c0 < channels; c0 += PRELU_LANE_BLOCK) {
        size_t cn = channels - c0 < PRELU_LANE_BLOCK ? channels - c0 : PRELU_LANE_BLOCK;
        double acc[PRELU_LANE_BLOCK][ACT_PRELU_LANES];
        memset(acc, 0, sizeof acc);
        for (size_t r = 0; r < rows; r++)
            for (size_t c = c0; c < c0 + cn; c++) {
                size_t off = (r * channels + c) * inner;
                ps.bwd_seg(inner, x + off, dy + off, dx ? dx + off : NULL, slope[c], acc[c - c0]);
            }
        for (size_t c = 0; c < cn; c++)
            dslope[c0 + c] = (float)lanes_sum(acc[c], ACT_PRELU_LANES);
    }
    return ACT_OK;
}

/* Elements per block of act_forward_stats: x is copied first so y == x works. */
#define STATS_BLOCK 2048

typedef void stats_block_fn(size_t m, const float *x, const float *y, double *lanes, uint64_t *counts);

/* The scalar version of simd/stats-impl.h: the same lanes, one element at a time. */
static void stats_block_scalar(size_t m, const float *x, const float *y, double *lanes, uint64_t *counts)
{
    act_stats_from(0, m, x, y, lanes, counts);
}

static stats_block_fn *stats_block(void)
{
    switch (vec_isa()) {
#if defined(__x86_64__)
    case ACT_ISA_AVX512:
        return act_stats_block__avx512;
    case ACT_ISA_AVX2:
        return act_stats_block__avx2;
    case ACT_ISA_SSE2:
        return act_stats_block__sse2;
#elif defined(__aarch64__)
    case ACT_ISA_NEON:
        return act_stats_block__neon;
#endif
    default:
        return stats_block_scalar;
    }
}

ACT_API enum act_status act_forward_stats(const struct act_desc *d, size_t n, const float *x, float *y,
                                          struct act_stats *st)
{
    struct act_params p;
    enum act_status s = check_call(d, n, x, y, y, &p);
    if (s != ACT_OK)
        return s;
    if (!st)
        return ACT_ERR_INVALID_ARG;
    act_fwd_fn fn = (act_fwd_fn)act_dispatch(d->op, ACT_DIR_FWD)->fn;
    stats_block_fn *block = stats_block();
    float xb[STATS_BLOCK];
    for (size_t i0 = 0; i0 < n; i0 += STATS_BLOCK) {
        size_t m = n - i0 < STATS_BLOCK ? n - i0 : STATS_BLOCK;
        memcpy(xb, x + i0, m * sizeof(float));
        fn(m, xb, y + i0, &p);
        double lanes[2 * ACT_STATS_LANES] = {0};
        uint64_t counts[3] = {0};
        block(m, xb, y + i0, lanes, counts);
        st->count += m;
        st->zeros += counts[0];
        st->negatives += counts[1];
        st->nonfinite += counts[2];
        st->sum += lanes_sum(lanes, ACT_STATS_LANES);
        st->sum_sq += lanes_sum(lanes + ACT_STATS_LANES, ACT_STATS_LANES);
    }
    return ACT_OK;
}
