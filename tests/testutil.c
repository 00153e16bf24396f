/* Shared test helpers (see testutil.h). */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "oracle.h"
#include "testutil.h"

/* ---- floats ------------------------------------------------------------------------- */

uint32_t tu_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

float tu_from_bits(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

int tu_same(float a, float b) { return (isnan(a) && isnan(b)) || tu_bits(a) == tu_bits(b); }

float tu_step(float x, int k)
{
    for (; k > 0; k--)
        x = nextafterf(x, INFINITY);
    for (; k < 0; k++)
        x = nextafterf(x, -INFINITY);
    return x;
}

/* ---- PRNG --------------------------------------------------------------------------- */

uint64_t tu_seed(void)
{
    static uint64_t seed;
    static int done;
    if (!done) {
        const char *s = getenv("ACTLAB_TEST_SEED");
        seed = s && *s ? strtoull(s, NULL, 0) : 0x5eed2024u;
        done = 1;
        printf("seed 0x%" PRIx64 " (set ACTLAB_TEST_SEED to change)\n", seed);
    }
    return seed;
}

void tu_rng_init(struct tu_rng *r, uint64_t stream) { r->s = tu_seed() ^ (stream * 0x9e3779b97f4a7c15u); }

uint64_t tu_rng_next(struct tu_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

double tu_rng_range(struct tu_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * ((double)(tu_rng_next(r) >> 11) * 0x1p-53);
}

float tu_rng_logmag(struct tu_rng *r, double lo, double hi)
{
    double m = exp(tu_rng_range(r, log(lo), log(hi)));
    return (float)((tu_rng_next(r) & 1) ? -m : m);
}

#define TU_MAX_SPECIAL 320

void tu_fill_x(struct tu_rng *r, const struct act_desc *d, float *x, size_t n)
{
    float sp[TU_MAX_SPECIAL];
    size_t ns = tu_special_inputs(d, sp, TU_MAX_SPECIAL);
    for (size_t i = 0; i < n; i++) {
        unsigned pick = (unsigned)(tu_rng_next(r) % 100);
        if (pick < 45)
            x[i] = (float)tu_rng_range(r, -10, 10);
        else if (pick < 80)
            x[i] = tu_rng_logmag(r, 1e-40, 1e38);
        else
            x[i] = tu_step(sp[tu_rng_next(r) % ns], (int)(tu_rng_next(r) % 7) - 3);
    }
}

void tu_fill_dy(struct tu_rng *r, float *dy, size_t n)
{
    static const float specials[] = {0.0f, -0.0f, 1.0f, -1.0f, FLT_MAX, -FLT_MAX, 0x1p-149f, FLT_MIN};
    for (size_t i = 0; i < n; i++) {
        unsigned pick = (unsigned)(tu_rng_next(r) % 100);
        if (pick < 70)
            dy[i] = (float)tu_rng_range(r, -2, 2);
        else if (pick < 95)
            dy[i] = tu_rng_logmag(r, 1e-38, 1e30);
        else
            dy[i] = specials[tu_rng_next(r) % (sizeof specials / sizeof specials[0])];
    }
}

/* ---- ops and cases ------------------------------------------------------------------ */

const char *const tu_op_names[ACT_OP_COUNT] = {
    [ACT_OP_IDENTITY] = "identity",   [ACT_OP_RELU] = "relu",
    [ACT_OP_LEAKY_RELU] = "leaky_relu", [ACT_OP_PRELU] = "prelu",
    [ACT_OP_ELU] = "elu",             [ACT_OP_SIGMOID] = "sigmoid",
    [ACT_OP_TANH] = "tanh",           [ACT_OP_RELU6] = "relu6",
    [ACT_OP_RRELU] = "rrelu",         [ACT_OP_SELU] = "selu",
    [ACT_OP_CELU] = "celu",           [ACT_OP_GELU] = "gelu",
    [ACT_OP_GELU_TANH] = "gelu_tanh", [ACT_OP_SILU] = "silu",
    [ACT_OP_MISH] = "mish",           [ACT_OP_SOFTPLUS] = "softplus",
    [ACT_OP_HARDSWISH] = "hardswish", [ACT_OP_HARDSIGMOID] = "hardsigmoid",
    [ACT_OP_HARDTANH] = "hardtanh",   [ACT_OP_SOFTSIGN] = "softsign",
    [ACT_OP_THRESHOLD] = "threshold",
};

/* Set *field to v; unless always, a NaN v keeps the default. */
static void set_param(float *field, float v, int always)
{
    if (always || !isnan(v))
        *field = v;
}

static void set_params(struct act_desc *d, float a, float b, int always)
{
    switch (d->op) {
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
        set_param(&d->slope, a, always);
        break;
    case ACT_OP_ELU:
    case ACT_OP_CELU:
        set_param(&d->alpha, a, always);
        break;
    case ACT_OP_SOFTPLUS:
        set_param(&d->beta, a, always);
        set_param(&d->threshold, b, always);
        break;
    case ACT_OP_RRELU:
        set_param(&d->lower, a, always);
        set_param(&d->upper, b, always);
        break;
    case ACT_OP_HARDTANH:
        set_param(&d->min_val, a, always);
        set_param(&d->max_val, b, always);
        break;
    case ACT_OP_THRESHOLD:
        set_param(&d->threshold, a, always);
        set_param(&d->value, b, always);
        break;
    default:
        break;
    }
}

void tu_set_params(struct act_desc *d, float a, float b) { set_params(d, a, b, 1); }

struct act_desc tu_desc(enum act_op op, float a, float b)
{
    struct act_desc d;
    memset(&d, 0, sizeof d);
    if (act_desc_init(&d, op) != ACT_OK)
        d.op = op;
    set_params(&d, a, b, 0);
    return d;
}

/* The shortest %g text that reads back as v (labels say 0.01 and 20, not 0.00999999978 or 2e+01). */
static const char *shortest(float v, char *buf, size_t len)
{
    char try[32];
    snprintf(buf, len, "%.9g", (double)v);
    for (int prec = 1; prec < 9; prec++) {
        snprintf(try, sizeof try, "%.*g", prec, (double)v);
        if (tu_same(strtof(try, NULL), v) && strlen(try) < strlen(buf))
            snprintf(buf, len, "%s", try);
    }
    return buf;
}

void tu_describe(const struct act_desc *d, char *buf, size_t len)
{
    const char *name = (unsigned)d->op < ACT_OP_COUNT ? tu_op_names[d->op] : "?";
    const char *k1 = NULL, *k2 = NULL;
    float v1 = 0, v2 = 0;
    char s1[32], s2[32];
    switch (d->op) {
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
        k1 = "slope", v1 = d->slope;
        break;
    case ACT_OP_ELU:
    case ACT_OP_CELU:
        k1 = "alpha", v1 = d->alpha;
        break;
    case ACT_OP_SOFTPLUS:
        k1 = "beta", v1 = d->beta, k2 = "threshold", v2 = d->threshold;
        break;
    case ACT_OP_RRELU:
        k1 = "lower", v1 = d->lower, k2 = "upper", v2 = d->upper;
        break;
    case ACT_OP_HARDTANH:
        k1 = "min", v1 = d->min_val, k2 = "max", v2 = d->max_val;
        break;
    case ACT_OP_THRESHOLD:
        k1 = "threshold", v1 = d->threshold, k2 = "value", v2 = d->value;
        break;
    default:
        break;
    }
    if (k2)
        snprintf(buf, len, "%s:%s=%s,%s=%s", name, k1, shortest(v1, s1, sizeof s1), k2, shortest(v2, s2, sizeof s2));
    else if (k1)
        snprintf(buf, len, "%s:%s=%s", name, k1, shortest(v1, s1, sizeof s1));
    else
        snprintf(buf, len, "%s", name);
}

/* Non-default parameters (a, b as for tu_desc): the brief's list plus sign and zero edge cases. */
static const struct {
    enum act_op op;
    float a, b;
} extra_cases[] = {
    {ACT_OP_LEAKY_RELU, 0.2f, NAN}, {ACT_OP_LEAKY_RELU, 0.0f, NAN}, {ACT_OP_LEAKY_RELU, -0.5f, NAN},
    {ACT_OP_PRELU, 0.1f, NAN},      {ACT_OP_ELU, 0.5f, NAN},        {ACT_OP_ELU, 2.0f, NAN},
    {ACT_OP_ELU, 0.0f, NAN},         {ACT_OP_ELU, -1.0f, NAN},         {ACT_OP_ELU, 1.7f, NAN},
    {ACT_OP_CELU, 3.0f, NAN},        {ACT_OP_CELU, 0.5f, NAN},         {ACT_OP_SOFTPLUS, 2.0f, 10.0f},
    {ACT_OP_SOFTPLUS, 1.0f, 100.0f}, {ACT_OP_SOFTPLUS, 0.5f, 20.0f},   {ACT_OP_HARDTANH, -2.0f, 3.0f},
    {ACT_OP_HARDTANH, 0.25f, 0.75f}, {ACT_OP_THRESHOLD, -1.0f, -3.0f}, {ACT_OP_RRELU, 0.1f, 0.3f},
    /* slopes at and above 1 (the max / min forms of the leaky forward), and one whose products overflow */
    {ACT_OP_LEAKY_RELU, 1.0f, NAN}, {ACT_OP_LEAKY_RELU, 3.0f, NAN}, {ACT_OP_PRELU, 1.5f, NAN},
    {ACT_OP_LEAKY_RELU, 1e30f, NAN},
    /* alpha outside the lean expm1's [2^-60, 2^60] (elu and celu forward take their other loops) */
    {ACT_OP_ELU, 0x1p61f, NAN}, {ACT_OP_ELU, -1e-30f, NAN}, {ACT_OP_CELU, 0x1p-70f, NAN},
    /* beta x underflows for the least subnormal x: the float-lane kernels must still see beta x > 0 */
    {ACT_OP_SOFTPLUS, 0.5f, 0.0f},
    /* clamp bounds that are zeros of either sign (ties between x and a bound must return x) */
    {ACT_OP_HARDTANH, 0.0f, -0.0f}, {ACT_OP_HARDTANH, -0.0f, 0.0f},
};

/* The threshold op has no default: the documentation's example stands in for it. */
#define THRESHOLD_DEFAULT_TH 0.1f
#define THRESHOLD_DEFAULT_V 20.0f

static void case_init(struct tu_case *c, struct act_desc d, int is_default)
{
    c->d = d;
    c->is_default = is_default;
    tu_describe(&d, c->label, sizeof c->label);
    if (!CHECK(act_desc_check(&d) == ACT_OK, "test case %s: act_desc_check rejects a valid desc", c->label))
        return;
    act_params_from_desc(&d, &c->p);
}

const struct tu_case *tu_cases(size_t *count)
{
    static struct tu_case cases[ACT_OP_COUNT + sizeof extra_cases / sizeof extra_cases[0]];
    static size_t n;
    if (!n) {
        for (int op = 0; op < ACT_OP_COUNT; op++) {
            struct act_desc d = op == ACT_OP_THRESHOLD
                                    ? tu_desc(ACT_OP_THRESHOLD, THRESHOLD_DEFAULT_TH, THRESHOLD_DEFAULT_V)
                                    : tu_desc((enum act_op)op, NAN, NAN);
            case_init(&cases[n++], d, 1);
        }
        for (size_t i = 0; i < sizeof extra_cases / sizeof extra_cases[0]; i++)
            case_init(&cases[n++], tu_desc(extra_cases[i].op, extra_cases[i].a, extra_cases[i].b), 0);
    }
    *count = n;
    return cases;
}

int tu_doc_from_output(const struct act_desc *d)
{
    switch (d->op) {
    case ACT_OP_IDENTITY:
    case ACT_OP_RELU:
    case ACT_OP_SELU:
    case ACT_OP_SIGMOID:
    case ACT_OP_TANH:
    case ACT_OP_RELU6:
    case ACT_OP_HARDTANH:
        return 1;
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
        return d->slope >= 0;
    case ACT_OP_RRELU:
        return oracle_rrelu_slope(d) >= 0;
    case ACT_OP_ELU:
        return d->alpha >= 0;
    case ACT_OP_CELU:
        return d->alpha > 0;
    default:
        return 0;
    }
}

int tu_case_has_bwdy(const struct tu_case *c) { return act_ref_has_bwdy(c->d.op, &c->p); }

double tu_doc_budget(enum act_op op, enum act_dir dir)
{
    int bwd = dir != ACT_DIR_FWD;
    switch (op) {
    case ACT_OP_IDENTITY:
    case ACT_OP_RELU:
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
    case ACT_OP_RRELU:
    case ACT_OP_RELU6:
    case ACT_OP_HARDTANH:
    case ACT_OP_THRESHOLD:
        return 0.5; /* correctly rounded */
    case ACT_OP_GELU:
    case ACT_OP_GELU_TANH:
    case ACT_OP_MISH:
        return bwd ? 3 : 2;
    default:
        return bwd ? 2 : 1;
    }
}

double tu_budget(enum act_op op, enum act_dir dir)
{
    const struct act_op_info *info = act_op_info(op);
    double doc = tu_doc_budget(op, dir);
    if (!info)
        return doc;
    double claim = dir == ACT_DIR_FWD ? info->ulp_forward : info->ulp_backward;
    return claim < doc ? claim : doc;
}

/* ---- special inputs ----------------------------------------------------------------- */

size_t tu_kinks(const struct act_desc *d, float *out, size_t cap)
{
    float k[2];
    size_t n = 0;
    switch (d->op) {
    case ACT_OP_RELU:
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
    case ACT_OP_RRELU:
    case ACT_OP_ELU:
    case ACT_OP_SELU:
    case ACT_OP_CELU:
        k[n++] = 0;
        break;
    case ACT_OP_RELU6:
        k[n++] = 0;
        k[n++] = 6;
        break;
    case ACT_OP_HARDTANH:
        k[n++] = d->min_val;
        k[n++] = d->max_val;
        break;
    case ACT_OP_HARDSWISH:
    case ACT_OP_HARDSIGMOID:
        k[n++] = -3;
        k[n++] = 3;
        break;
    case ACT_OP_THRESHOLD:
        k[n++] = d->threshold;
        break;
    case ACT_OP_SOFTPLUS: /* the switch to y = x: a jump in y (tiny) and in y' */
        k[n++] = (float)((double)d->threshold / d->beta);
        break;
    default:
        break;
    }
    if (n > cap)
        n = cap;
    memcpy(out, k, n * sizeof *out);
    return n;
}

size_t tu_saturation_points(float *out, size_t cap)
{
    static const float points[] = {
        -103.97f, -103.9f, -103.28f, /* sigmoid/silu e^x: last subnormal, 2^-149 */
        -88.72f, -88.7f, -87.34f,    /* exp(x) leaves the normal range */
        88.72f, 16.6f, 17.33f,       /* exp overflow; sigmoid rounds to 1 */
        -91.7f, 9.01f, -9.01f,       /* silu(-91.7) normal; tanh rounds to +-1 */
        1e-8f, -1e-8f, 1e-4f,        /* expm1 and small-x paths */
        -5.5f, -14.0f, -14.5f,       /* gelu erf cancellation; gelu underflow */
        -17.0f, 20.0f, -0.7518f,     /* elu from y; softplus threshold; gelu' root */
        -1.2785f, 5.67e37f, 6.98e12f, /* silu' root; hardswish x*6 overflow; x^3 overflow */
        -6.98e12f, 1.84e19f, -1.84e19f, /* gelu_tanh x^2 overflow */
    };
    size_t n = sizeof points / sizeof points[0];
    if (n > cap)
        n = cap;
    memcpy(out, points, n * sizeof *out);
    return n;
}

/* Append x to out if there is room. */
static void push(float *out, size_t cap, size_t *n, float x)
{
    if (*n < cap)
        out[(*n)++] = x;
}

/* Append x and its neighbours up to `ulps` steps either side. */
static void push_around(float *out, size_t cap, size_t *n, float x, int ulps)
{
    for (int k = -ulps; k <= ulps; k++)
        push(out, cap, n, tu_step(x, k));
}

size_t tu_special_inputs(const struct act_desc *d, float *out, size_t cap)
{
    const float general[] = {
        0.0f, -0.0f, INFINITY, -INFINITY,
        tu_from_bits(0x7fc00000u), tu_from_bits(0xffc00000u), /* quiet NaNs, both signs */
        tu_from_bits(0x7f800001u), tu_from_bits(0x7fbfffffu), /* signalling NaN, payloads */
        FLT_MIN, -FLT_MIN, 0x1p-149f, -0x1p-149f, 0x1p-140f, -0x1p-140f, FLT_MAX, -FLT_MAX,
        1.0f, -1.0f, 0.5f, -0.5f, 2.0f, -2.0f, 100.0f, -100.0f, 1e10f, -1e10f,
    };
    const float common_kinks[] = {0.0f, 3.0f, -3.0f, 6.0f};
    float pts[64];
    size_t n = 0;
    for (size_t i = 0; i < sizeof general / sizeof general[0]; i++)
        push(out, cap, &n, general[i]);
    for (size_t i = 0; i < sizeof common_kinks / sizeof common_kinks[0]; i++)
        push_around(out, cap, &n, common_kinks[i], 2);
    size_t nk = tu_kinks(d, pts, 64);
    for (size_t i = 0; i < nk; i++)
        push_around(out, cap, &n, pts[i], 2);
    size_t np = tu_saturation_points(pts, 64);
    for (size_t i = 0; i < np; i++)
        push_around(out, cap, &n, pts[i], 1);
    return n;
}

/* ---- paths -------------------------------------------------------------------------- */

size_t tu_paths(const struct tu_case *c, enum act_dir dir, unsigned flags, struct tu_path *out, size_t cap)
{
    size_t n = 0, nk;
    if (dir == ACT_DIR_BWD_Y && !tu_case_has_bwdy(c))
        return 0;
    if ((flags & TU_WITH_API) && n < cap)
        out[n++] = (struct tu_path){TU_PATH_API, NULL, "api"};
    if ((flags & TU_WITH_REF) && n < cap)
        out[n++] = (struct tu_path){TU_PATH_REF, NULL, "ref"};
    const struct act_kernel *ks = act_kernel_list(&nk);
    for (size_t i = 0; i < nk; i++) {
        if (ks[i].op != c->d.op || ks[i].dir != dir)
            continue;
        if (!act_cpu_has(ks[i].isa)) {
            harness_skip(1, "%s: this CPU lacks %s", ks[i].name, act_isa_name(ks[i].isa));
            continue;
        }
        if (n < cap)
            out[n++] = (struct tu_path){TU_PATH_KERNEL, &ks[i], ks[i].name};
    }
    return n;
}

enum act_status tu_run(const struct tu_path *path, const struct tu_case *c, enum act_dir dir, size_t n,
                       const float *a, const float *dy, float *out)
{
    enum act_op op = c->d.op;
    switch (path->kind) {
    case TU_PATH_API:
        if (dir == ACT_DIR_FWD)
            return act_forward(&c->d, n, a, out);
        if (dir == ACT_DIR_BWD)
            return act_backward(&c->d, n, a, dy, out);
        return act_backward_from_output(&c->d, n, a, dy, out);
    case TU_PATH_REF:
        if (dir == ACT_DIR_FWD)
            act_ref_forward(op, &c->p, n, a, out);
        else if (dir == ACT_DIR_BWD)
            act_ref_backward(op, &c->p, n, a, dy, out);
        else
            act_ref_backward_from_output(op, &c->p, n, a, dy, out);
        return ACT_OK;
    case TU_PATH_KERNEL:
        if (dir == ACT_DIR_FWD)
            ((act_fwd_fn)path->k->fn)(n, a, out, &c->p);
        else
            ((act_bwd_fn)path->k->fn)(n, a, dy, out, &c->p);
        return ACT_OK;
    }
    return ACT_ERR_INVALID_ARG;
}

size_t tu_kernel_unroll(const struct act_kernel *k)
{
    const char *u = strrchr(k->name, 'u');
    if (u && u > k->name && u[-1] == '_' && u[1] >= '1' && u[1] <= '9')
        return (size_t)strtoul(u + 1, NULL, 10);
    return 1;
}

/* ---- ULP comparison ----------------------------------------------------------------- */

void tu_ulp_reset(struct tu_ulp *u)
{
    u->worst = -1;
    u->worst_i = 0;
    u->nbad = 0;
    u->first_bad = 0;
}

void tu_expect_set(struct tu_expect *e, long double exact)
{
    e->exact = exact;
    e->rounded = (float)exact;
    e->rounded_err = ulp_error(e->rounded, exact);
}

void tu_ulp_compare(struct tu_ulp *u, const float *got, const struct tu_expect *want, size_t n, double budget,
                    size_t base)
{
    for (size_t i = 0; i < n; i++) {
        double e = tu_bits(got[i]) == tu_bits(want[i].rounded) ? want[i].rounded_err
                                                                : ulp_error(got[i], want[i].exact);
        if (e > u->worst) {
            u->worst = e;
            u->worst_i = base + i;
        }
        if (e > budget && u->nbad++ == 0)
            u->first_bad = base + i;
    }
}
