/*
 * act_parse and act_format: every name with its defaults, keys, the invalid specs
 * (which must leave *d byte-for-byte untouched), and the format/parse round trip for
 * every op with random finite parameters, the shortest-decimal promise and snprintf-like
 * buffer handling.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testutil.h"

#define N_RANDOM 200 /* random parameter sets per op */

/* The keys each op has, in act.h, and the desc fields they set. */
struct key {
    const char *name;
    size_t offset;
};

static size_t op_keys(enum act_op op, struct key *k)
{
#define KEY(n, field) (struct key){n, offsetof(struct act_desc, field)}
    switch (op) {
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
        k[0] = KEY("slope", slope);
        return 1;
    case ACT_OP_ELU:
    case ACT_OP_CELU:
        k[0] = KEY("alpha", alpha);
        return 1;
    case ACT_OP_SOFTPLUS:
        k[0] = KEY("beta", beta);
        k[1] = KEY("threshold", threshold);
        return 2;
    case ACT_OP_RRELU:
        k[0] = KEY("lower", lower);
        k[1] = KEY("upper", upper);
        return 2;
    case ACT_OP_HARDTANH:
        k[0] = KEY("min", min_val);
        k[1] = KEY("max", max_val);
        return 2;
    case ACT_OP_THRESHOLD:
        k[0] = KEY("threshold", threshold);
        k[1] = KEY("value", value);
        return 2;
    default:
        return 0;
    }
#undef KEY
}

static float field(const struct act_desc *d, size_t offset)
{
    float v;
    memcpy(&v, (const char *)d + offset, sizeof v);
    return v;
}

/* Same op and bitwise-equal parameters on the fields the op uses. */
static int same_used(const struct act_desc *a, const struct act_desc *b)
{
    struct key k[2];
    size_t nk = op_keys(a->op, k);
    if (a->op != b->op)
        return 0;
    for (size_t i = 0; i < nk; i++)
        if (tu_bits(field(a, k[i].offset)) != tu_bits(field(b, k[i].offset)))
            return 0;
    return 1;
}

static void check_defaults(void)
{
    for (int op = 0; op < ACT_OP_COUNT; op++) {
        struct act_desc d, init;
        enum act_status st = act_parse(tu_op_names[op], &d);
        if (op == ACT_OP_THRESHOLD) { /* no defaults: threshold and value are required */
            CHECK(st == ACT_ERR_INVALID_ARG, "act_parse(\"threshold\") = %d, want INVALID_ARG", (int)st);
            continue;
        }
        if (!CHECK(st == ACT_OK, "act_parse(\"%s\") = %d", tu_op_names[op], (int)st))
            continue;
        CHECK(d.op == (enum act_op)op, "act_parse(\"%s\").op = %d", tu_op_names[op], (int)d.op);
        CHECK(act_desc_init(&init, (enum act_op)op) == ACT_OK && same_used(&d, &init),
              "act_parse(\"%s\") and act_desc_init disagree", tu_op_names[op]);
    }
    /* The defaults themselves, as PyTorch's. */
    static const struct {
        const char *spec;
        size_t offset;
        float want;
    } t[] = {
        {"leaky_relu", offsetof(struct act_desc, slope), 0.01f},
        {"prelu", offsetof(struct act_desc, slope), 0.25f},
        {"elu", offsetof(struct act_desc, alpha), 1.0f},
        {"celu", offsetof(struct act_desc, alpha), 1.0f},
        {"rrelu", offsetof(struct act_desc, lower), 0.125f},
        {"rrelu", offsetof(struct act_desc, upper), (float)(1.0 / 3)},
        {"softplus", offsetof(struct act_desc, beta), 1.0f},
        {"softplus", offsetof(struct act_desc, threshold), 20.0f},
        {"hardtanh", offsetof(struct act_desc, min_val), -1.0f},
        {"hardtanh", offsetof(struct act_desc, max_val), 1.0f},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct act_desc d;
        if (CHECK(act_parse(t[i].spec, &d) == ACT_OK, "act_parse(\"%s\") fails", t[i].spec))
            CHECK(field(&d, t[i].offset) == t[i].want, "%s: default field at %zu is %a, want %a", t[i].spec,
                  t[i].offset, field(&d, t[i].offset), t[i].want);
    }
}

static void check_keys(void)
{
    static const struct {
        const char *spec;
        enum act_op op;
        float a, b; /* as tu_desc: the op's parameters, NaN = default */
    } t[] = {
        {"leaky_relu:slope=0.2", ACT_OP_LEAKY_RELU, 0.2f, NAN},
        {"leaky_relu:slope=-0.5", ACT_OP_LEAKY_RELU, -0.5f, NAN},
        {"leaky_relu:slope=0.30000001192092896", ACT_OP_LEAKY_RELU, 0.3f, NAN},
        {"prelu:slope=0.1", ACT_OP_PRELU, 0.1f, NAN},
        {"elu:alpha=0.5", ACT_OP_ELU, 0.5f, NAN},
        {"elu:alpha=-1", ACT_OP_ELU, -1.0f, NAN},
        {"celu:alpha=3", ACT_OP_CELU, 3.0f, NAN},
        {"softplus:beta=2,threshold=10", ACT_OP_SOFTPLUS, 2.0f, 10.0f},
        {"softplus:threshold=10,beta=2", ACT_OP_SOFTPLUS, 2.0f, 10.0f},
        {"softplus:threshold=5", ACT_OP_SOFTPLUS, NAN, 5.0f},
        {"hardtanh:min=-2,max=3", ACT_OP_HARDTANH, -2.0f, 3.0f},
        {"hardtanh:max=3", ACT_OP_HARDTANH, NAN, 3.0f},
        {"hardtanh:min=1,max=1", ACT_OP_HARDTANH, 1.0f, 1.0f},
        {"threshold:threshold=0.1,value=20", ACT_OP_THRESHOLD, 0.1f, 20.0f},
        {"threshold:value=20,threshold=0.1", ACT_OP_THRESHOLD, 0.1f, 20.0f},
        {"rrelu:lower=0.1,upper=0.3", ACT_OP_RRELU, 0.1f, 0.3f},
        {"rrelu:upper=0.5", ACT_OP_RRELU, NAN, 0.5f},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct act_desc d, want = tu_desc(t[i].op, t[i].a, t[i].b);
        enum act_status st = act_parse(t[i].spec, &d);
        if (CHECK(st == ACT_OK, "act_parse(\"%s\") = %d", t[i].spec, (int)st))
            CHECK(same_used(&d, &want), "act_parse(\"%s\") gives other parameters than expected", t[i].spec);
    }
}

/* A spec act_parse must reject, leaving *d untouched. */
static void expect_invalid(const char *spec, const char *what)
{
    struct act_desc d, before;
    memset(&d, 0xa5, sizeof d);
    memcpy(&before, &d, sizeof d);
    enum act_status st = act_parse(spec, &d);
    CHECK(st == ACT_ERR_INVALID_ARG, "act_parse(%s) = %d, want INVALID_ARG", what, (int)st);
    CHECK(!memcmp(&d, &before, sizeof d), "act_parse(%s) failed but changed *d", what);
}

static void check_invalid(void)
{
    static const char *const specs[] = {
        "", "foo", "relu:", "relu:slope=1", "leaky_relu:slope=", "leaky_relu:slope=abc", "leaky_relu:slope=1x",
        "leaky_relu:slope=nan", "leaky_relu:slope=inf", "leaky_relu:slope=-inf", "leaky_relu:slope=1e50",
        "leaky_relu:slope=0.1,slope=0.2", "hardtanh:min=2,max=1", "hardtanh:min=2", "threshold",
        "threshold:threshold=1", "threshold:value=1", "celu:alpha=0", "celu:alpha=-0", "softplus:beta=0",
        "softplus:beta=-1", "softplus:threshold=1e39", "rrelu:lower=0.5,upper=0.1", "leaky_relu:slope=0.1,",
        "LEAKY_RELU", "Relu", "leaky_relu:SLOPE=0.2", ":slope=0.2", "leaky_relu:=0.2", "leaky_relu:slope",
        "leaky_relu:slope=0.2=3", "leaky_relu::slope=0.2", "leaky_relu,slope=0.2", "leaky_relu:slope=0.2,,",
        "relu ", " relu", "relux", "rel", "prelu:alpha=1", "elu:slope=1", "leaky_relu:slope=0.2;",
        "hardtanh:min=nan", "hardtanh:min=-2,max=3,min=-1", "elu:alpha=0x",
    };
    char what[160];
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        snprintf(what, sizeof what, "\"%s\"", specs[i]);
        expect_invalid(specs[i], what);
    }
    expect_invalid(NULL, "NULL");
    CHECK(act_parse("relu", NULL) == ACT_ERR_INVALID_ARG, "act_parse(\"relu\", NULL) is not INVALID_ARG");

    /* Very long specs: a long name, an overflowing number, a key repeated a thousand times. */
    size_t len = 100000;
    char *s = malloc(len + 1);
    memset(s, 'a', len);
    s[len] = 0;
    expect_invalid(s, "100000 x 'a'");
    strcpy(s, "leaky_relu:slope=");
    memset(s + strlen(s), '9', 5000);
    s[17 + 5000] = 0;
    expect_invalid(s, "leaky_relu:slope=<5000 nines>");
    strcpy(s, "leaky_relu:slope=0.1");
    for (int i = 0; i < 1000; i++)
        strcat(s, ",slope=0.1");
    expect_invalid(s, "leaky_relu:slope=0.1 repeated 1001 times");
    free(s);
}

/* A random finite float: short decimals, wide magnitudes, arbitrary bit patterns (subnormals too). */
static float random_param(struct tu_rng *r)
{
    switch (tu_rng_next(r) % 5) {
    case 0:
        return (float)((double)(int64_t)(tu_rng_next(r) % 2001 - 1000) / 100);
    case 1:
        return tu_rng_logmag(r, 1e-30, 1e30);
    case 2: {
        static const float edge[] = {0.0f, -0.0f, FLT_MAX, -FLT_MAX, FLT_MIN, 0x1p-149f, -0x1p-149f, 1.0f / 3, 0.1f};
        return edge[tu_rng_next(r) % (sizeof edge / sizeof edge[0])];
    }
    default: {
        float v;
        do
            v = tu_from_bits((uint32_t)tu_rng_next(r));
        while (!isfinite(v));
        return v;
    }
    }
}

/* A random valid desc for op: the parameter constraints of act.h applied to random floats. */
static struct act_desc random_desc(struct tu_rng *r, enum act_op op)
{
    struct act_desc d = tu_desc(op, NAN, NAN);
    float a = random_param(r), b = random_param(r);
    switch (op) {
    case ACT_OP_CELU:
        if (a == 0)
            a = 1.5f;
        break;
    case ACT_OP_SOFTPLUS:
        a = fabsf(a);
        if (a == 0)
            a = 0.5f;
        break;
    case ACT_OP_RRELU:
    case ACT_OP_HARDTANH:
        if (a > b) {
            float t = a;
            a = b;
            b = t;
        }
        break;
    default:
        break;
    }
    tu_set_params(&d, a, b);
    return d;
}

/* The smallest number of significant digits that reads back as v. */
static int shortest_digits(float v)
{
    char buf[64];
    for (int p = 1; p < 9; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, v);
        if (tu_bits(strtof(buf, NULL)) == tu_bits(v))
            return p;
    }
    return 9;
}

/* Significant digits written in a decimal: leading and trailing zeros of the mantissa do not count. */
static int written_digits(const char *s, size_t len)
{
    char digits[64];
    size_t n = 0;
    for (size_t i = 0; i < len && s[i] != 'e' && s[i] != 'E'; i++)
        if (s[i] >= '0' && s[i] <= '9' && n < sizeof digits)
            digits[n++] = s[i];
    size_t lo = 0, hi = n;
    while (lo < hi && digits[lo] == '0')
        lo++;
    while (hi > lo && digits[hi - 1] == '0')
        hi--;
    return hi > lo ? (int)(hi - lo) : 1;
}

/*
 * Read a formatted spec independently of act_parse: the name must be d's, every key of
 * the op must appear once with a decimal that strtof reads back as the field, bitwise,
 * written with no more digits than the shortest round-tripping decimal.
 */
static void check_format_text(const struct act_desc *d, const char *text, const char *label)
{
    struct key k[2];
    size_t nk = op_keys(d->op, k), name_len = strlen(tu_op_names[d->op]);
    int seen[2] = {0, 0};
    if (!CHECK(!strncmp(text, tu_op_names[d->op], name_len) && (text[name_len] == 0 || text[name_len] == ':'),
               "act_format(%s) = \"%s\": wrong name", label, text))
        return;
    const char *p = text + name_len;
    CHECK(nk > 0 || *p == 0, "act_format(%s) = \"%s\": parameters on an op without any", label, text);
    while (*p == ':' || *p == ',') {
        const char *key = p + 1, *eq = strchr(key, '='), *end;
        if (!CHECK(eq != NULL, "act_format(%s) = \"%s\": key without value", label, text))
            return;
        char *num_end;
        float v = strtof(eq + 1, &num_end);
        end = num_end;
        size_t i = 0;
        while (i < nk && (strlen(k[i].name) != (size_t)(eq - key) || strncmp(k[i].name, key, (size_t)(eq - key))))
            i++;
        if (!CHECK(i < nk && !seen[i], "act_format(%s) = \"%s\": unknown or repeated key", label, text))
            return;
        seen[i] = 1;
        float want = field(d, k[i].offset);
        CHECK(tu_bits(v) == tu_bits(want), "act_format(%s) = \"%s\": %s reads back as %a, want %a", label, text,
              k[i].name, v, want);
        int written = written_digits(eq + 1, (size_t)(end - (eq + 1))), shortest = shortest_digits(want);
        CHECK(written <= shortest, "act_format(%s) = \"%s\": %s uses %d digits, %d suffice", label, text, k[i].name,
              written, shortest);
        p = end;
    }
    CHECK(*p == 0, "act_format(%s) = \"%s\": trailing text", label, text);
    for (size_t i = 0; i < nk; i++)
        CHECK(seen[i], "act_format(%s) = \"%s\": key %s missing", label, text, k[i].name);
}

static void check_round_trip(const struct act_desc *d)
{
    char label[128], text[256], again[256];
    struct act_desc back;
    tu_describe(d, label, sizeof label);
    if (!CHECK(act_desc_check(d) == ACT_OK, "act_desc_check rejects the valid %s", label))
        return;
    int len = act_format(d, text, sizeof text);
    if (!CHECK(len > 0 && (size_t)len < sizeof text && strlen(text) == (size_t)len,
               "act_format(%s) returned %d for \"%s\"", label, len, text))
        return;
    check_format_text(d, text, label);
    memset(&back, 0x5a, sizeof back);
    enum act_status st = act_parse(text, &back);
    if (!CHECK(st == ACT_OK, "act_parse(act_format(%s) = \"%s\") = %d", label, text, (int)st))
        return;
    CHECK(same_used(d, &back), "act_parse(\"%s\") does not give back %s", text, label);
    act_format(&back, again, sizeof again);
    CHECK(!strcmp(text, again), "act_format(act_parse(\"%s\")) = \"%s\"", text, again);
}

static void check_format(void)
{
    struct tu_rng r;
    size_t nc;
    const struct tu_case *cases = tu_cases(&nc);
    for (size_t i = 0; i < nc; i++)
        check_round_trip(&cases[i].d);
    tu_rng_init(&r, 4000);
    for (int op = 0; op < ACT_OP_COUNT; op++) {
        struct key k[2];
        int nrand = op_keys((enum act_op)op, k) ? N_RANDOM : 0;
        for (int i = 0; i < nrand; i++) {
            struct act_desc d = random_desc(&r, (enum act_op)op);
            check_round_trip(&d);
        }
    }
}

/* act_format into short buffers: returns the full length like snprintf, writes at most len bytes,
 * NUL-terminated, a prefix of the full text. */
static void check_format_buffers(void)
{
    struct act_desc d = tu_desc(ACT_OP_SOFTPLUS, 2.0f, 10.0f);
    char full[128], buf[160];
    int want = act_format(&d, full, sizeof full);
    if (!CHECK(want > 0 && (size_t)want < sizeof full, "act_format(softplus) = %d", want))
        return;
    CHECK(act_format(&d, NULL, 0) == want, "act_format(d, NULL, 0) = %d, want %d", act_format(&d, NULL, 0), want);
    for (size_t len = 0; len <= (size_t)want + 2; len++) {
        memset(buf, 'X', sizeof buf);
        int got = act_format(&d, buf, len);
        size_t kept = len ? (len - 1 < (size_t)want ? len - 1 : (size_t)want) : 0, spill = 0;
        CHECK(got == want, "act_format(len=%zu) = %d, want %d", len, got, want);
        if (len)
            CHECK(buf[kept] == 0 && !memcmp(buf, full, kept), "act_format(len=%zu) wrote \"%.*s\"", len, (int)kept,
                  buf);
        for (size_t i = len; i < sizeof buf; i++)
            spill += buf[i] != 'X';
        CHECK(spill == 0, "act_format(len=%zu) wrote %zu bytes past len", len, spill);
    }
}

int main(void)
{
    check_defaults();
    check_keys();
    check_invalid();
    check_format();
    check_format_buffers();
    return harness_finish();
}
