/*
 * Special inputs through the public API and through every kernel this CPU runs:
 * +-0, +-inf, NaN, subnormals, FLT_MAX, kinks and their neighbours, saturation points.
 * Checks the policy of SEMANTICS.md: NaN in gives NaN out (y and dx), limits at +-inf,
 * gradients at kinks, the dead-zone select (dx = 0 even for dy NaN/inf), signed zeros,
 * and the ULP budget at every point.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "oracle.h"
#include "testutil.h"

#define MAX_X 320
#define MAX_PATHS 16

/* dy values for the backward checks: ordinary, zero, huge, tiny, and non-finite. */
static const float dy_values[] = {1.0f, 0.75f, -3.0f, 0.0f, 1e30f, 1e-30f, NAN, INFINITY, -INFINITY};
#define N_DY (sizeof dy_values / sizeof dy_values[0])

/* Ops whose zero results keep the sign of x (relu and the clamp family, leaky-type, ELU-type):
 * the policy fixes these; for the others +0 and -0 compare equal. */
static int sign_strict(enum act_op op)
{
    switch (op) {
    case ACT_OP_IDENTITY:
    case ACT_OP_RELU:
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
    case ACT_OP_RRELU:
    case ACT_OP_ELU:
    case ACT_OP_SELU:
    case ACT_OP_CELU:
    case ACT_OP_RELU6:
    case ACT_OP_HARDTANH:
        return 1;
    default:
        return 0;
    }
}

/* Is the long double v a float value (so a limit equal to it must be returned exactly)? */
static int is_float_value(long double v) { return isnan(v) || (long double)(float)v == v; }

static void check_fwd(const struct tu_case *c, const char *path, float x, float y)
{
    long double e = oracle_fwd(&c->d, x);
    double u = ulp_error(y, e), budget = tu_budget(c->d.op, ACT_DIR_FWD);
    CHECK(u <= budget, "%s %s fwd x=%a: y=%a, exact %La (%.3g ulp > %.2g)", path, c->label, x, y, e, u, budget);
    if (x == 0 && e == 0 && sign_strict(c->d.op))
        CHECK(!signbit(y) == !signbit(e), "%s %s fwd x=%a: y=%a, want %s0", path, c->label, x, y,
              signbit(e) ? "-" : "+");
    /* The limits at +-inf (0, +-1, +-inf, a parameter) are floats: exactly them, not a ULP away. */
    if (isinf(x) && is_float_value(e))
        CHECK(y == (float)e || (isnan(y) && isnan(e)), "%s %s fwd x=%a: y=%a, the limit is %La", path, c->label,
              x, y, e);
}

static void check_bwd(const struct tu_case *c, const char *path, float x, float dy, float dx)
{
    int dead;
    long double g = oracle_derivl(&c->d, x, &dead);
    if (dead) {
        CHECK(dx == 0, "%s %s bwd x=%a dy=%a: dx=%a, dead zone wants 0", path, c->label, x, dy, dx);
        return;
    }
    /* 0 * inf outside a listed dead zone (sigmoid'(inf) * inf, or gelu'(-100) ~ e^-5000 * inf where f'
     * underflows to 0 as a float): the policy does not say whether that is NaN or a limit. */
    if (!isfinite(dy) && !isnan(x) && (float)g == 0)
        return;
    long double e = (long double)dy * g;
    double u = ulp_error(dx, e), budget = tu_budget(c->d.op, ACT_DIR_BWD);
    CHECK(u <= budget, "%s %s bwd x=%a dy=%a: dx=%a, exact %La (%.3g ulp > %.2g)", path, c->label, x, dy, dx, e,
          u, budget);
    if (isinf(x) && dy == 1 && is_float_value(e))
        CHECK(dx == (float)e, "%s %s bwd x=%a dy=1: dx=%a, the limit gradient is %La", path, c->label, x, dx, e);
}

static void check_bwdy(const struct tu_case *c, const char *path, float y, float dy, float dx)
{
    float r = act_ref_bwdy1(c->d.op, &c->p, y, dy);
    double u = ulp_error(dx, r), budget = tu_budget(c->d.op, ACT_DIR_BWD_Y);
    CHECK(u <= budget, "%s %s bwdy y=%a dy=%a: dx=%a, reference %a (%.3g ulp)", path, c->label, y, dy, dx, r, u);
    if (isnan(y))
        CHECK(isnan(dx), "%s %s bwdy y=NaN dy=%a: dx=%a, want NaN", path, c->label, dy, dx);
    else if (isfinite(dy))
        CHECK(!isnan(dx), "%s %s bwdy y=%a dy=%a: dx=NaN", path, c->label, y, dy);
}

static void check_case(const struct tu_case *c)
{
    static float x[MAX_X], xb[MAX_X * N_DY], yb[MAX_X * N_DY], dyb[MAX_X * N_DY], out[MAX_X * N_DY];
    struct tu_path paths[MAX_PATHS];
    size_t nx = tu_special_inputs(&c->d, x, MAX_X), nb = 0;

    /* Every (x, dy) pair; y for backward-from-output is the correctly rounded f(x). */
    for (size_t i = 0; i < nx; i++)
        for (size_t j = 0; j < N_DY; j++, nb++) {
            xb[nb] = x[i];
            yb[nb] = (float)oracle_fwd(&c->d, x[i]);
            dyb[nb] = dy_values[j];
        }

    for (int dir = 0; dir < ACT_DIR_COUNT; dir++) {
        size_t np = tu_paths(c, (enum act_dir)dir, TU_WITH_API, paths, MAX_PATHS);
        for (size_t k = 0; k < np; k++) {
            const char *name = paths[k].name;
            enum act_status st;
            if (dir == ACT_DIR_FWD) {
                st = tu_run(&paths[k], c, ACT_DIR_FWD, nx, x, NULL, out);
                if (CHECK(st == ACT_OK, "%s %s fwd: status %d", name, c->label, (int)st))
                    for (size_t i = 0; i < nx; i++)
                        check_fwd(c, name, x[i], out[i]);
            } else if (dir == ACT_DIR_BWD) {
                st = tu_run(&paths[k], c, ACT_DIR_BWD, nb, xb, dyb, out);
                if (CHECK(st == ACT_OK, "%s %s bwd: status %d", name, c->label, (int)st))
                    for (size_t i = 0; i < nb; i++)
                        check_bwd(c, name, xb[i], dyb[i], out[i]);
            } else {
                st = tu_run(&paths[k], c, ACT_DIR_BWD_Y, nb, yb, dyb, out);
                if (CHECK(st == ACT_OK, "%s %s bwdy: status %d", name, c->label, (int)st))
                    for (size_t i = 0; i < nb; i++)
                        check_bwdy(c, name, yb[i], dyb[i], out[i]);
            }
        }
    }
}

/*
 * The kink gradients the policy fixes, written out (not taken from the oracle, so they
 * also check it): f'(x) at the kink; the left branch applies.
 */
static const struct {
    enum act_op op;
    float a, b; /* parameters as for tu_desc; NaN keeps the default */
    float x, grad;
} kink_table[] = {
    {ACT_OP_RELU, NAN, NAN, 0.0f, 0.0f},
    {ACT_OP_RELU, NAN, NAN, -0.0f, 0.0f},
    {ACT_OP_LEAKY_RELU, NAN, NAN, 0.0f, 0.01f},
    {ACT_OP_LEAKY_RELU, 0.2f, NAN, 0.0f, 0.2f},
    {ACT_OP_LEAKY_RELU, 0.2f, NAN, -0.0f, 0.2f},
    {ACT_OP_PRELU, NAN, NAN, 0.0f, 0.25f},
    {ACT_OP_RRELU, NAN, NAN, 0.0f, 0x1.d55556p-3f}, /* (float)((1/8 + (float)(1/3)) / 2) */
    {ACT_OP_ELU, NAN, NAN, 0.0f, 1.0f},
    {ACT_OP_ELU, 0.5f, NAN, 0.0f, 0.5f},
    {ACT_OP_ELU, 2.0f, NAN, 0.0f, 2.0f},
    {ACT_OP_CELU, 3.0f, NAN, 0.0f, 1.0f},
    {ACT_OP_RELU6, NAN, NAN, 0.0f, 0.0f},
    {ACT_OP_RELU6, NAN, NAN, 6.0f, 0.0f},
    {ACT_OP_HARDTANH, NAN, NAN, -1.0f, 0.0f},
    {ACT_OP_HARDTANH, NAN, NAN, 1.0f, 0.0f},
    {ACT_OP_HARDTANH, -2.0f, 3.0f, -2.0f, 0.0f},
    {ACT_OP_HARDTANH, -2.0f, 3.0f, 3.0f, 0.0f},
    {ACT_OP_THRESHOLD, 0.1f, 20.0f, 0.1f, 0.0f},
    {ACT_OP_HARDSIGMOID, NAN, NAN, -3.0f, 0.0f},
    {ACT_OP_HARDSIGMOID, NAN, NAN, 3.0f, 0.0f},
    {ACT_OP_HARDSWISH, NAN, NAN, -3.0f, -0.5f},
    {ACT_OP_HARDSWISH, NAN, NAN, 3.0f, 1.5f},
};

static void check_kink_table(void)
{
    struct tu_path paths[MAX_PATHS];
    for (size_t i = 0; i < sizeof kink_table / sizeof kink_table[0]; i++) {
        struct tu_case c;
        memset(&c, 0, sizeof c);
        c.d = tu_desc(kink_table[i].op, kink_table[i].a, kink_table[i].b);
        tu_describe(&c.d, c.label, sizeof c.label);
        act_params_from_desc(&c.d, &c.p);
        float x[2] = {kink_table[i].x, kink_table[i].x}, dy[2] = {1.0f, 0.75f}, dx[2];
        float want[2] = {kink_table[i].grad, (float)(0.75 * kink_table[i].grad)};
        size_t np = tu_paths(&c, ACT_DIR_BWD, TU_WITH_API, paths, MAX_PATHS);
        for (size_t k = 0; k < np; k++) {
            tu_run(&paths[k], &c, ACT_DIR_BWD, 2, x, dy, dx);
            for (int j = 0; j < 2; j++)
                CHECK(dx[j] == want[j], "%s %s: f'(%a) * %g = %a, the policy says %a", paths[k].name, c.label, x[j],
                      dy[j], dx[j], want[j]);
        }
    }
}

int main(void)
{
    size_t nc;
    const struct tu_case *cases = tu_cases(&nc);
    for (size_t i = 0; i < nc; i++)
        check_case(&cases[i]);
    check_kink_table();
    return harness_finish();
}
