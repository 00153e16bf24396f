/*
 * The public API's contract: argument checking (NULL pointers, n == 0, invalid
 * descriptors), backward from the output (which descs, and that it agrees with
 * act_backward away from saturation), op facts and budgets, status strings, ISA capping
 * and dispatch, and that the API computes what the dispatched kernel computes, in place
 * or not.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "oracle.h"
#include "testutil.h"

#define N 1000

/* CHECK that call returns want, naming the call on failure. */
#define EXPECT_STATUS(want, call)                                                                                 \
    do {                                                                                                          \
        enum act_status st_ = (call);                                                                             \
        CHECK(st_ == (want), "%s returned %d (%s), want %d", #call, (int)st_, act_status_str(st_), (int)(want));   \
    } while (0)

static void check_null_and_empty(void)
{
    struct act_desc d = tu_desc(ACT_OP_RELU, NAN, NAN);
    struct act_stats st;
    float a[4] = {1, -1, 2, -2}, b[4], c[4], slope[1] = {0.25f}, ds[1];
    memset(&st, 0, sizeof st);

    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_forward(NULL, 4, a, b));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_forward(&d, 4, NULL, b));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_forward(&d, 4, a, NULL));
    EXPECT_STATUS(ACT_OK, act_forward(&d, 0, NULL, NULL));

    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_backward(NULL, 4, a, b, c));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_backward(&d, 4, NULL, b, c));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_backward(&d, 4, a, NULL, c));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_backward(&d, 4, a, b, NULL));
    EXPECT_STATUS(ACT_OK, act_backward(&d, 0, NULL, NULL, NULL));

    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_backward_from_output(NULL, 4, a, b, c));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_backward_from_output(&d, 4, NULL, b, c));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_backward_from_output(&d, 4, a, NULL, c));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_backward_from_output(&d, 4, a, b, NULL));
    EXPECT_STATUS(ACT_OK, act_backward_from_output(&d, 0, NULL, NULL, NULL));

    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_forward_stats(NULL, 4, a, b, &st));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_forward_stats(&d, 4, NULL, b, &st));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_forward_stats(&d, 4, a, NULL, &st));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_forward_stats(&d, 4, a, b, NULL));
    EXPECT_STATUS(ACT_OK, act_forward_stats(&d, 0, NULL, NULL, &st));
    CHECK(st.count == 0, "act_forward_stats with n == 0 counted %llu elements", (unsigned long long)st.count);

    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_prelu_forward(1, 1, 4, NULL, slope, b));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_prelu_forward(1, 1, 4, a, NULL, b));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_prelu_forward(1, 1, 4, a, slope, NULL));
    EXPECT_STATUS(ACT_OK, act_prelu_forward(0, 1, 4, NULL, NULL, NULL));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_prelu_backward(1, 1, 4, NULL, slope, a, b, ds));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_prelu_backward(1, 1, 4, a, NULL, a, b, ds));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_prelu_backward(1, 1, 4, a, slope, NULL, b, ds));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_prelu_backward(1, 1, 4, a, slope, a, b, NULL));
    EXPECT_STATUS(ACT_OK, act_prelu_backward(1, 1, 4, a, slope, a, NULL, ds)); /* dx may be NULL */

    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_desc_init(NULL, ACT_OP_RELU));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_desc_init(&d, (enum act_op)ACT_OP_COUNT));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_desc_check(NULL));
    CHECK(act_format(NULL, (char *)b, sizeof b) == -1, "act_format(NULL desc) is not -1");
    CHECK(act_supports_backward_from_output(NULL) == 0, "act_supports_backward_from_output(NULL) is not 0");
}

/* Descriptors every entry point must reject. */
static struct act_desc invalid_desc(size_t i, const char **why)
{
    static const struct {
        enum act_op op;
        float a, b;
        const char *why;
    } t[] = {
        {ACT_OP_LEAKY_RELU, NAN, NAN, "leaky slope NaN"},
        {ACT_OP_LEAKY_RELU, INFINITY, NAN, "leaky slope inf"},
        {ACT_OP_PRELU, -INFINITY, NAN, "prelu slope -inf"},
        {ACT_OP_ELU, NAN, NAN, "elu alpha NaN"},
        {ACT_OP_ELU, INFINITY, NAN, "elu alpha inf"},
        {ACT_OP_CELU, 0.0f, NAN, "celu alpha 0"},
        {ACT_OP_CELU, -0.0f, NAN, "celu alpha -0"},
        {ACT_OP_CELU, NAN, NAN, "celu alpha NaN"},
        {ACT_OP_SOFTPLUS, 0.0f, NAN, "softplus beta 0"},
        {ACT_OP_SOFTPLUS, -1.0f, NAN, "softplus beta -1"},
        {ACT_OP_SOFTPLUS, INFINITY, NAN, "softplus beta inf"},
        {ACT_OP_SOFTPLUS, 1.0f, INFINITY, "softplus threshold inf"},
        {ACT_OP_SOFTPLUS, 1.0f, NAN, "softplus threshold NaN"},
        {ACT_OP_HARDTANH, 2.0f, 1.0f, "hardtanh min > max"},
        {ACT_OP_HARDTANH, NAN, 1.0f, "hardtanh min NaN"},
        {ACT_OP_HARDTANH, -1.0f, INFINITY, "hardtanh max inf"},
        {ACT_OP_THRESHOLD, NAN, NAN, "threshold without parameters"},
        {ACT_OP_THRESHOLD, 0.1f, NAN, "threshold value NaN"},
        {ACT_OP_THRESHOLD, NAN, 20.0f, "threshold threshold NaN"},
        {ACT_OP_THRESHOLD, 0.1f, INFINITY, "threshold value inf"},
        {ACT_OP_RRELU, 0.5f, 0.1f, "rrelu lower > upper"},
        {ACT_OP_RRELU, NAN, 0.3f, "rrelu lower NaN"},
    };
    size_t n = sizeof t / sizeof t[0];
    struct act_desc d;
    if (i < n) {
        d = tu_desc(t[i].op, NAN, NAN);
        tu_set_params(&d, t[i].a, t[i].b);
        *why = t[i].why;
    } else if (i == n) {
        d = tu_desc(ACT_OP_RELU, NAN, NAN);
        d.op = (enum act_op)ACT_OP_COUNT;
        *why = "op == ACT_OP_COUNT";
    } else if (i == n + 1) {
        d = tu_desc(ACT_OP_RELU, NAN, NAN);
        d.op = (enum act_op)-1;
        *why = "op == -1";
    } else {
        *why = NULL;
        memset(&d, 0, sizeof d);
    }
    return d;
}

static void check_invalid_descs(void)
{
    float x[3] = {1, -1, 0}, dy[3] = {1, 1, 1}, out[3];
    struct act_stats st;
    char buf[128];
    const char *why;
    memset(&st, 0, sizeof st);
    for (size_t i = 0;; i++) {
        struct act_desc d = invalid_desc(i, &why);
        if (!why)
            break;
        CHECK(act_desc_check(&d) == ACT_ERR_INVALID_ARG, "act_desc_check accepts %s", why);
        CHECK(act_forward(&d, 3, x, out) == ACT_ERR_INVALID_ARG, "act_forward accepts %s", why);
        CHECK(act_backward(&d, 3, x, dy, out) == ACT_ERR_INVALID_ARG, "act_backward accepts %s", why);
        CHECK(act_backward_from_output(&d, 3, x, dy, out) == ACT_ERR_INVALID_ARG,
              "act_backward_from_output does not say INVALID_ARG for %s", why);
        CHECK(act_forward_stats(&d, 3, x, out, &st) == ACT_ERR_INVALID_ARG, "act_forward_stats accepts %s", why);
        CHECK(act_supports_backward_from_output(&d) == 0, "act_supports_backward_from_output(%s) is not 0", why);
        CHECK(act_format(&d, buf, sizeof buf) == -1, "act_format(%s) is not -1", why);
    }
    CHECK(st.count == 0, "rejected act_forward_stats calls counted %llu elements", (unsigned long long)st.count);

    /* Edge values that are valid, and unused fields that must be ignored. */
    const struct act_desc valid[] = {
        tu_desc(ACT_OP_HARDTANH, 0.5f, 0.5f), tu_desc(ACT_OP_ELU, 0.0f, NAN),     tu_desc(ACT_OP_ELU, -1.0f, NAN),
        tu_desc(ACT_OP_CELU, -1.0f, NAN),     tu_desc(ACT_OP_LEAKY_RELU, -2.0f, NAN), tu_desc(ACT_OP_RRELU, 0.2f, 0.2f),
        tu_desc(ACT_OP_SOFTPLUS, 1e-30f, -5.0f), tu_desc(ACT_OP_THRESHOLD, -0.0f, 0.0f),
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        tu_describe(&valid[i], buf, sizeof buf);
        CHECK(act_desc_check(&valid[i]) == ACT_OK, "act_desc_check rejects %s", buf);
    }
    struct act_desc relu = tu_desc(ACT_OP_RELU, NAN, NAN);
    relu.slope = relu.alpha = relu.beta = relu.threshold = relu.value = NAN;
    relu.lower = relu.upper = relu.min_val = relu.max_val = NAN;
    CHECK(act_desc_check(&relu) == ACT_OK && act_forward(&relu, 3, x, out) == ACT_OK,
          "relu with NaN in the fields it does not use is rejected");
}

static void check_op_info(void)
{
    for (int op = 0; op < ACT_OP_COUNT; op++) {
        const struct act_op_info *info = act_op_info((enum act_op)op);
        if (!CHECK(info != NULL, "act_op_info(%d) is NULL", op))
            continue;
        const char *name = act_op_name((enum act_op)op);
        CHECK(info->op == (enum act_op)op, "act_op_info(%s)->op = %d", tu_op_names[op], (int)info->op);
        CHECK(info->name && !strcmp(info->name, tu_op_names[op]), "act_op_info(%d)->name = %s, want %s", op,
              info->name ? info->name : "(null)", tu_op_names[op]);
        CHECK(name && !strcmp(name, tu_op_names[op]), "act_op_name(%d) = %s", op, name ? name : "(null)");
        CHECK(info->params && info->formula, "act_op_info(%s): NULL params or formula", tu_op_names[op]);
        for (int dir = ACT_DIR_FWD; dir <= ACT_DIR_BWD; dir++) {
            double claim = dir ? info->ulp_backward : info->ulp_forward;
            double cap = tu_doc_budget((enum act_op)op, (enum act_dir)dir);
            CHECK(claim > 0 && claim <= cap, "%s: %s budget %g, the documented cap is %g", tu_op_names[op],
                  dir ? "backward" : "forward", claim, cap);
        }
    }
    CHECK(act_op_info((enum act_op)ACT_OP_COUNT) == NULL && act_op_info((enum act_op)-1) == NULL,
          "act_op_info out of range is not NULL");
    CHECK(act_op_name((enum act_op)ACT_OP_COUNT) == NULL && act_op_name((enum act_op)-1) == NULL,
          "act_op_name out of range is not NULL");
}

static void check_status_str(void)
{
    const enum act_status known[] = {ACT_OK, ACT_ERR_INVALID_ARG, ACT_ERR_UNSUPPORTED, ACT_ERR_NO_MEMORY};
    const int bogus[] = {-1, 4, 99, 1 << 30};
    for (size_t i = 0; i < 4; i++) {
        const char *s = act_status_str(known[i]);
        CHECK(s && *s, "act_status_str(%d) is NULL or empty", (int)known[i]);
        for (size_t j = 0; j < i && s; j++) {
            const char *t = act_status_str(known[j]);
            CHECK(!t || strcmp(s, t), "act_status_str(%d) == act_status_str(%d)", (int)known[i], (int)known[j]);
        }
    }
    for (size_t i = 0; i < sizeof bogus / sizeof bogus[0]; i++)
        CHECK(act_status_str((enum act_status)bogus[i]) != NULL, "act_status_str(%d) is NULL", bogus[i]);
}

/* Which descs support backward from y: the library agrees with act.h, and says so consistently. */
static void check_from_output_support(void)
{
    size_t nc;
    const struct tu_case *cases = tu_cases(&nc);
    float y[2] = {0.5f, -0.5f}, dy[2] = {1, 1}, dx[2];
    int op_has[ACT_OP_COUNT] = {0};
    for (size_t i = 0; i < nc; i++) {
        const struct tu_case *c = &cases[i];
        int doc = tu_doc_from_output(&c->d);
        enum act_status st = act_backward_from_output(&c->d, 2, y, dy, dx);
        CHECK(act_supports_backward_from_output(&c->d) == doc, "act_supports_backward_from_output(%s) = %d, want %d",
              c->label, act_supports_backward_from_output(&c->d), doc);
        CHECK(st == (doc ? ACT_OK : ACT_ERR_UNSUPPORTED), "act_backward_from_output(%s) returned %s, want %s",
              c->label, act_status_str(st), doc ? "OK" : "UNSUPPORTED");
        CHECK(tu_case_has_bwdy(c) == doc, "act_ref_has_bwdy(%s) = %d, want %d", c->label, tu_case_has_bwdy(c), doc);
        op_has[c->d.op] |= doc;
    }
    for (int op = 0; op < ACT_OP_COUNT; op++) {
        const struct act_op_info *info = act_op_info((enum act_op)op);
        if (info)
            CHECK(info->from_output == op_has[op], "act_op_info(%s)->from_output = %d, want %d", tu_op_names[op],
                  info->from_output, op_has[op]);
    }
}

/* Away from saturation (|x| <= 4), dx from y agrees with dx from x to a loose tolerance. */
static void check_from_output_values(void)
{
    static float x[N], y[N], dy[N], dxx[N], dxy[N];
    size_t nc;
    const struct tu_case *cases = tu_cases(&nc);
    for (size_t ci = 0; ci < nc; ci++) {
        const struct tu_case *c = &cases[ci];
        struct tu_rng r;
        if (!tu_doc_from_output(&c->d))
            continue;
        tu_rng_init(&r, 2000 + ci);
        for (size_t i = 0; i < N; i++) {
            x[i] = (float)tu_rng_range(&r, -4, 4);
            dy[i] = (float)tu_rng_range(&r, -2, 2);
        }
        enum act_status sf = act_forward(&c->d, N, x, y), sb = act_backward(&c->d, N, x, dy, dxx),
                        sy = act_backward_from_output(&c->d, N, y, dy, dxy);
        if (!CHECK(sf == ACT_OK && sb == ACT_OK && sy == ACT_OK, "%s: statuses %d %d %d", c->label, (int)sf, (int)sb,
                   (int)sy))
            continue;
        size_t bad = 0, first = 0;
        for (size_t i = 0; i < N; i++)
            if (!(fabs((double)dxy[i] - dxx[i]) <= 1e-3 * fabs((double)dxx[i]) + 1e-6 * fabs((double)dy[i])) &&
                bad++ == 0)
                first = i;
        CHECK(bad == 0, "%s: %zu of %d dx from y differ from dx from x, first x=%a y=%a dy=%a: %a vs %a", c->label,
              bad, N, x[first], y[first], dy[first], dxy[first], dxx[first]);
    }
}

/* The highest ISA the CPU has (the default cap), by name. */
static const char *best_isa(void)
{
    for (int isa = ACT_ISA_COUNT - 1; isa >= 0; isa--)
        if (act_cpu_has((enum act_isa_id)isa))
            return act_isa_name((enum act_isa_id)isa);
    return "scalar";
}

/* Every (op, dir) the registry has a kernel for dispatches to the best one this CPU runs under cap. */
static void check_dispatch(enum act_isa_id cap, const char *when)
{
    size_t nk;
    const struct act_kernel *ks = act_kernel_list(&nk);
    enum act_isa_id top = ACT_ISA_SCALAR;
    for (int op = 0; op < ACT_OP_COUNT; op++)
        for (int dir = 0; dir < ACT_DIR_COUNT; dir++) {
            const struct act_kernel *want = NULL;
            for (size_t i = 0; i < nk; i++)
                if ((int)ks[i].op == op && (int)ks[i].dir == dir && ks[i].isa <= cap && act_cpu_has(ks[i].isa) &&
                    (!want || ks[i].isa > want->isa))
                    want = &ks[i];
            if (!want)
                continue;
            const struct act_kernel *got = act_dispatch((enum act_op)op, (enum act_dir)dir);
            const char *name = act_kernel_name((enum act_op)op, dir);
            CHECK(got && got->isa == want->isa, "%s: %s dir %d dispatches to %s, want %s", when, tu_op_names[op], dir,
                  got ? got->name : "(null)", want->name);
            CHECK(got && name && !strcmp(name, got->name), "%s: act_kernel_name(%s, %d) = %s, dispatch uses %s",
                  when, tu_op_names[op], dir, name ? name : "(null)", got ? got->name : "(null)");
            if (got && got->isa > top)
                top = got->isa;
        }
    CHECK(!strcmp(act_isa(), act_isa_name(top)), "%s: act_isa() = %s, the dispatched kernels top out at %s", when,
          act_isa(), act_isa_name(top));
}

static int isa_id(const char *name)
{
    for (int isa = 0; isa < ACT_ISA_COUNT; isa++)
        if (!strcmp(name, act_isa_name((enum act_isa_id)isa)))
            return isa;
    return -1;
}

static void check_isa(void)
{
    const char *env = getenv("ACTLAB_MAX_ISA");
    int env_cap = env ? isa_id(env) : -1;
    check_dispatch(env_cap >= 0 ? (enum act_isa_id)env_cap : (enum act_isa_id)(ACT_ISA_COUNT - 1),
                   "at start (ACTLAB_MAX_ISA honoured)");

    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_set_max_isa("bogus"));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_set_max_isa(""));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_set_max_isa("SCALAR"));
    EXPECT_STATUS(ACT_ERR_INVALID_ARG, act_set_max_isa(NULL));

    EXPECT_STATUS(ACT_OK, act_set_max_isa("scalar"));
    CHECK(!strcmp(act_isa(), "scalar"), "after act_set_max_isa(\"scalar\"), act_isa() = %s", act_isa());
    check_dispatch(ACT_ISA_SCALAR, "capped at scalar");
    for (int op = 0; op < ACT_OP_COUNT; op++) {
        const char *name = act_kernel_name((enum act_op)op, ACT_DIR_FWD);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "act_f32_%s_", tu_op_names[op]);
        CHECK(name && !strncmp(name, prefix, strlen(prefix)) && strstr(name, "__scalar"),
              "capped at scalar: act_kernel_name(%s, fwd) = %s", tu_op_names[op], name ? name : "(null)");
    }

    EXPECT_STATUS(ACT_OK, act_set_max_isa("sse2"));
    check_dispatch(ACT_ISA_SSE2, "capped at sse2");

    const char *best = best_isa();
    EXPECT_STATUS(ACT_OK, act_set_max_isa(best));
    check_dispatch((enum act_isa_id)isa_id(best), "capped at the CPU's best");

    CHECK(act_kernel_name((enum act_op)ACT_OP_COUNT, 0) == NULL && act_kernel_name((enum act_op)-1, 0) == NULL &&
              act_kernel_name(ACT_OP_RELU, ACT_DIR_COUNT) == NULL && act_kernel_name(ACT_OP_RELU, -1) == NULL,
          "act_kernel_name out of range is not NULL");
}

/* The API computes exactly what its dispatched kernel computes, in place and out of place. */
static void check_api_matches_kernel(void)
{
    static float a[N], dy[N], out_api[N], out_k[N], inplace[N];
    size_t nc;
    const struct tu_case *cases = tu_cases(&nc);
    for (size_t ci = 0; ci < nc; ci++) {
        const struct tu_case *c = &cases[ci];
        struct tu_rng r;
        tu_rng_init(&r, 3000 + ci);
        tu_fill_x(&r, &c->d, a, N);
        tu_fill_dy(&r, dy, N);
        for (int dir = 0; dir < ACT_DIR_COUNT; dir++) {
            if (dir == ACT_DIR_BWD_Y && !tu_doc_from_output(&c->d))
                continue;
            const struct act_kernel *k = act_dispatch(c->d.op, (enum act_dir)dir);
            if (!CHECK(k != NULL, "%s dir %d: no kernel dispatched", c->label, dir))
                continue;
            struct tu_path api = {TU_PATH_API, NULL, "api"}, kern = {TU_PATH_KERNEL, k, k->name};
            tu_run(&kern, c, (enum act_dir)dir, N, a, dy, out_k);
            tu_run(&api, c, (enum act_dir)dir, N, a, dy, out_api);
            if (dir == ACT_DIR_FWD) {
                memcpy(inplace, a, sizeof inplace);
                tu_run(&api, c, ACT_DIR_FWD, N, inplace, NULL, inplace);
            } else {
                memcpy(inplace, dy, sizeof inplace);
                tu_run(&api, c, (enum act_dir)dir, N, a, inplace, inplace);
            }
            size_t diff = 0, diff_ip = 0;
            for (size_t i = 0; i < N; i++) {
                diff += !tu_same(out_api[i], out_k[i]);
                diff_ip += !tu_same(inplace[i], out_api[i]);
            }
            CHECK(diff == 0, "%s dir %d: act API and %s differ in %zu of %d outputs", c->label, dir, k->name, diff, N);
            CHECK(diff_ip == 0, "%s dir %d: the API in place differs in %zu of %d outputs", c->label, dir, diff_ip, N);
        }
    }
}

int main(void)
{
    check_null_and_empty();
    check_invalid_descs();
    check_op_info();
    check_status_str();
    check_from_output_support();
    check_from_output_values();
    check_isa();
    check_api_matches_kernel();
    return harness_finish();
}
