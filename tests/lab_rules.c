/*
 * The verdict rules of actlab claims (src/lab/rules.c) on synthetic metrics whose answer is
 * known: each rule is driven to holds, does not hold and inconclusive, and the statistics
 * helpers (mean/std, the noise comparison, combining parts) are checked on their own.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "lab.h"

static struct lab_stat S(double mean, double std)
{
    return (struct lab_stat){mean, std, std > 0 ? 3 : 1, 0};
}

#define EXPECT(call, want)                                                                                     \
    do {                                                                                                       \
        char why_[640];                                                                                        \
        enum lab_verdict got_ = call(why_, sizeof why_);                                                       \
        CHECK(got_ == (want), "%s: got '%s', want '%s' (%s)", #call, lab_verdict_str(got_), lab_verdict_str(want), \
              why_);                                                                                           \
        CHECK(why_[0] != 0, "%s: no explanation", #call);                                                      \
    } while (0)

static void test_stats(void)
{
    double x[3] = {1.0, 2.0, 3.0};
    struct lab_stat s = lab_stat_of(x, 3);
    CHECK(s.mean == 2.0 && fabs(s.std - 1.0) < 1e-12 && s.n == 3, "mean/std of 1,2,3: %g %g", s.mean, s.std);
    s = lab_stat_of(x, 1);
    CHECK(s.mean == 1.0 && s.std == 0.0, "one value: std 0");
    double y[2] = {5.0, INFINITY};
    CHECK(isinf(lab_stat_of(y, 2).mean), "a never-reached seed makes the mean +inf");
    CHECK(isnan(lab_stat_of(x, 0).mean), "no values: NaN");

    CHECK(lab_compare(S(1.0, 0.1), S(0.5, 0.1), 0.0) == 1, "apart: +1");
    CHECK(lab_compare(S(0.5, 0.1), S(1.0, 0.1), 0.0) == -1, "apart: -1");
    CHECK(lab_compare(S(1.0, 0.3), S(0.5, 0.3), 0.0) == 0, "overlapping mean +- std: within noise");
    CHECK(lab_compare(S(1.0, 0.0), S(0.99, 0.0), 0.05) == 0, "single seed within the floor");
    CHECK(lab_compare(S(INFINITY, 0), S(10, 0), 0.0) == 1 && lab_compare(S(10, 0), S(INFINITY, 0), 0.0) == -1,
          "never is more steps than any");
    CHECK(lab_compare(S(INFINITY, 0), S(INFINITY, 0), 0.0) == 0, "never vs never: within noise");
    CHECK(lab_compare(S(NAN, 0), S(1, 0), 0.0) == 0, "NaN decides nothing");

    char buf[48];
    CHECK(!strcmp(lab_stat_fmt(S(0.88123, 0), 4, buf, sizeof buf), "0.8812"), "format one seed: %s", buf);
    CHECK(!strcmp(lab_stat_fmt(S(0.88123, 0.0031), 4, buf, sizeof buf), "0.8812 ± 0.0031"), "format seeds: %s", buf);
    CHECK(!strcmp(lab_stat_fmt(S(INFINITY, 0), 0, buf, sizeof buf), "never"), "format +inf: %s", buf);
    CHECK(!strcmp(lab_stat_fmt(S(NAN, 0), 0, buf, sizeof buf), "-"), "format NaN: %s", buf);
    struct lab_stat dv = S(NAN, 0.01);
    dv.ndiv = 1;
    CHECK(!strcmp(lab_stat_fmt(dv, 4, buf, sizeof buf), "diverged (1 of 3)"), "format diverged: %s", buf);

    enum lab_verdict h[2] = {LAB_HOLDS, LAB_HOLDS}, m[2] = {LAB_HOLDS, LAB_INCONCLUSIVE},
                     n[2] = {LAB_INCONCLUSIVE, LAB_NOT_HOLD};
    CHECK(lab_combine(h, 2) == LAB_HOLDS && lab_combine(m, 2) == LAB_INCONCLUSIVE && lab_combine(n, 2) == LAB_NOT_HOLD,
          "combine");
    CHECK(!strcmp(lab_verdict_str(LAB_HOLDS), "holds") && !strcmp(lab_verdict_str(LAB_NOT_HOLD), "does not hold") &&
              !strcmp(lab_verdict_str(LAB_INCONCLUSIVE), "inconclusive"),
          "verdict names (claims.csv's values)");
}

static struct lab_c1_in c1;
static enum lab_verdict r1(char *w, size_t l) { return lab_rule_c1(&c1, w, l); }
static void test_c1(void)
{
    c1 = (struct lab_c1_in){{0.1, 0.1}, {0.5, 0.4}, {0.6, 0.3}};
    EXPECT(r1, LAB_HOLDS);
    c1.tanh[1] = 0.05; /* tanh backward twice as fast as relu's */
    EXPECT(r1, LAB_NOT_HOLD);
    c1.tanh[1] = 0.105; /* within 10% */
    EXPECT(r1, LAB_INCONCLUSIVE);
    c1.tanh[1] = 0.3, c1.sigmoid[0] = 0.05; /* only sigmoid forward is faster than relu */
    EXPECT(r1, LAB_NOT_HOLD);
}

static struct lab_c2_in c2;
static enum lab_verdict r2(char *w, size_t l) { return lab_rule_c2(&c2, w, l); }
static void test_c2(void)
{
    c2 = (struct lab_c2_in){2, {"mlp", "cnn"}, {S(100, 0), S(50, 0)}, {S(300, 0), S(120, 0)}, {S(900, 0), S(INFINITY, 0)}};
    EXPECT(r2, LAB_HOLDS);
    c2.tanh[1] = S(20, 0); /* tanh faster on the cnn */
    EXPECT(r2, LAB_NOT_HOLD);
    c2.tanh[1] = S(53, 0); /* within 10% */
    EXPECT(r2, LAB_INCONCLUSIVE);
    c2.tanh[1] = S(80, 20), c2.relu[1] = S(50, 15); /* mean +- std overlap */
    EXPECT(r2, LAB_INCONCLUSIVE);
    c2.tanh[1] = S(120, 0), c2.relu[1] = S(50, 0), c2.sigmoid[0] = S(40, 0); /* only sigmoid faster, on the mlp */
    EXPECT(r2, LAB_NOT_HOLD);
    c2.sigmoid[0] = S(900, 0), c2.relu[0] = S(INFINITY, 0); /* relu never reaches the target */
    EXPECT(r2, LAB_NOT_HOLD);
}

static struct lab_c3_in c3;
static enum lab_verdict r3(char *w, size_t l) { return lab_rule_c3(&c3, w, l); }
static void test_c3(void)
{
    c3 = (struct lab_c3_in){0.5, 0.65, S(0.01, 0), 4, {S(0.05, 0), S(0.04, 0), S(0.03, 0), S(0.012, 0)}};
    EXPECT(r3, LAB_HOLDS);
    c3.trained_sparsity = 0.2; /* not sparse after training */
    EXPECT(r3, LAB_NOT_HOLD);
    c3.trained_sparsity = 0.65, c3.relu_gap = S(0.08, 0); /* relu overfits most */
    EXPECT(r3, LAB_NOT_HOLD);
    c3.relu_gap = S(0.03, 0); /* middle of the pack */
    EXPECT(r3, LAB_INCONCLUSIVE);
    c3.relu_gap = S(0.01, 0), c3.trained_sparsity = 0.45; /* between the bounds */
    EXPECT(r3, LAB_INCONCLUSIVE);
    c3.trained_sparsity = 0.65, c3.init_sparsity = 0.2; /* not sparse at init */
    EXPECT(r3, LAB_NOT_HOLD);
    c3.init_sparsity = 0.5, c3.relu_gap = S(NAN, 0); /* relu's runs diverged: no gap to compare */
    EXPECT(r3, LAB_INCONCLUSIVE);
}

static struct lab_c4_in c4;
static enum lab_verdict r4(char *w, size_t l) { return lab_rule_c4(&c4, w, l); }
static double he_l, xa_l;
static enum lab_verdict rhx(char *w, size_t l) { return lab_rule_he_xavier(he_l, xa_l, w, l); }
static void test_c4(void)
{
    c4 = (struct lab_c4_in){4, {5, 10, 20, 50}, {1.2, 0.9, 0.8, 0.5}, 1.0};
    EXPECT(r4, LAB_HOLDS);
    c4.relu_ratio[3] = 1e-4; /* vanished at depth 50 */
    EXPECT(r4, LAB_NOT_HOLD);
    c4.relu_ratio[3] = 0.05; /* between 0.01 and 0.1 */
    EXPECT(r4, LAB_INCONCLUSIVE);
    c4.relu_ratio[3] = 0.5, c4.relu_deep_loss = 2.30; /* stalls */
    EXPECT(r4, LAB_NOT_HOLD);
    c4.relu_deep_loss = NAN; /* diverged */
    EXPECT(r4, LAB_NOT_HOLD);
    c4.relu_deep_loss = 1.0, c4.relu_ratio[2] = NAN; /* a ratio not measured decides nothing */
    EXPECT(r4, LAB_INCONCLUSIVE);
    c4.relu_ratio[0] = 500; /* but another depth exploded */
    EXPECT(r4, LAB_NOT_HOLD);
    he_l = 0.8, xa_l = 2.30;
    EXPECT(rhx, LAB_HOLDS);
    xa_l = 0.9;
    EXPECT(rhx, LAB_NOT_HOLD);
    xa_l = 2.0;
    EXPECT(rhx, LAB_INCONCLUSIVE);
}

static struct lab_c5_in c5;
static enum lab_verdict r5(char *w, size_t l) { return lab_rule_c5(&c5, w, l); }
static void test_c5(void)
{
    c5 = (struct lab_c5_in){2, {"mlp", "cnn"}, {S(0.88, 0), S(0.90, 0)}, {S(0.84, 0), S(0.86, 0)}};
    EXPECT(r5, LAB_HOLDS);
    c5.identity[1] = S(0.92, 0);
    EXPECT(r5, LAB_NOT_HOLD);
    c5.identity[1] = S(0.898, 0);
    EXPECT(r5, LAB_INCONCLUSIVE);
}

static struct lab_c6_in c6;
static enum lab_verdict r6(char *w, size_t l) { return lab_rule_c6(&c6, w, l); }
static void test_c6(void)
{
    c6 = (struct lab_c6_in){2, {"large lr", "negative bias"},
                            {{S(0.3, 0), S(0.01, 0), S(0.02, 0), S(0.0, 0)}, {S(0.1, 0), S(0.05, 0), S(0, 0), S(0, 0)}},
                            200, 0};
    EXPECT(r6, LAB_HOLDS);
    c6.relu_revived = 50; /* a quarter came back */
    EXPECT(r6, LAB_NOT_HOLD);
    c6.relu_revived = 6; /* 3%: between */
    EXPECT(r6, LAB_INCONCLUSIVE);
    c6.relu_revived = 0, c6.dead[0][0] = S(0.005, 0), c6.dead[1][0] = S(0.002, 0); /* relu does not die */
    EXPECT(r6, LAB_NOT_HOLD);
    c6.dead[0][0] = S(0.3, 0), c6.dead[0][1] = S(0.4, 0); /* leaky dies more */
    EXPECT(r6, LAB_NOT_HOLD);
    c6.dead[0][1] = S(0.29, 0); /* within the floor */
    EXPECT(r6, LAB_INCONCLUSIVE);
    /* relu dies more in the second condition: that one is judged (its leaky dies more) */
    c6.dead[0][1] = S(0.01, 0), c6.dead[1][0] = S(0.5, 0), c6.dead[1][1] = S(0.6, 0);
    EXPECT(r6, LAB_NOT_HOLD);
    c6.dead[1][1] = S(0.01, 0);
    EXPECT(r6, LAB_HOLDS);
    /* every run of the first condition diverged: the second decides */
    c6.dead[0][0] = S(NAN, 0), c6.dead[1][0] = S(0.2, 0);
    EXPECT(r6, LAB_HOLDS);
    c6.relu_ever_dead = 5; /* too few dead units to tell whether they come back */
    EXPECT(r6, LAB_INCONCLUSIVE);
}

static struct lab_c7_in c7;
static enum lab_verdict r7(char *w, size_t l) { return lab_rule_c7(&c7, w, l); }
static void test_c7(void)
{
    c7 = (struct lab_c7_in){S(0.6, 0), S(0.1, 0), S(200, 0), S(150, 0)};
    EXPECT(r7, LAB_HOLDS);
    c7.elu_steps = S(300, 0);
    EXPECT(r7, LAB_NOT_HOLD);
    c7.elu_steps = S(195, 0);
    EXPECT(r7, LAB_INCONCLUSIVE);
    c7.elu_steps = S(150, 0), c7.elu_absmean = S(0.9, 0);
    EXPECT(r7, LAB_NOT_HOLD);
}

static struct lab_c8_in c8;
static enum lab_verdict r8(char *w, size_t l) { return lab_rule_c8(&c8, w, l); }
static void test_c8(void)
{
    c8 = (struct lab_c8_in){2, {"mlp", "cnn"}, {S(0.88, 0), S(0.90, 0)},
                            {{S(0.89, 0), S(0.895, 0), S(0.87, 0)}, {S(0.91, 0), S(0.90, 0), S(0.90, 0)}}};
    EXPECT(r8, LAB_HOLDS);
    c8.variant[1][0] = S(0.85, 0), c8.variant[1][1] = S(0.86, 0), c8.variant[1][2] = S(0.87, 0);
    EXPECT(r8, LAB_NOT_HOLD);
    c8.variant[1][2] = S(0.902, 0);
    EXPECT(r8, LAB_INCONCLUSIVE);
    /* the best variant is not the first: leaky_relu worse, elu better, on both nets */
    c8.variant[0][0] = S(0.86, 0), c8.variant[0][2] = S(0.90, 0);
    c8.variant[1][0] = S(0.88, 0), c8.variant[1][1] = S(0.89, 0), c8.variant[1][2] = S(0.92, 0);
    EXPECT(r8, LAB_HOLDS);
    c8.variant[1][0] = S(NAN, 0); /* leaky_relu's CNN runs diverged: elu still decides */
    EXPECT(r8, LAB_HOLDS);
}

static struct lab_c9_in c9;
static enum lab_verdict r9(char *w, size_t l) { return lab_rule_c9(&c9, w, l); }
static void test_c9(void)
{
    c9 = (struct lab_c9_in){S(0.92, 0), 0.916, 1};
    EXPECT(r9, LAB_HOLDS);
    c9.relu = S(0.914, 0); /* within the 0.003 floor */
    EXPECT(r9, LAB_HOLDS);
    c9.relu = S(0.90, 0);
    EXPECT(r9, LAB_NOT_HOLD);
    c9.full = 0;
    EXPECT(r9, LAB_INCONCLUSIVE);
    c9.full = 1, c9.relu = S(NAN, 0); /* relu's runs diverged: inconclusive, and said why */
    char w9[256];
    CHECK(lab_rule_c9(&c9, w9, sizeof w9) == LAB_INCONCLUSIVE && strstr(w9, "no accuracy to compare"),
          "c9 with a NaN accuracy: %s", w9);
    c9.relu = S(0.905, 0.005); /* short, but std 0.005 > 0.003: 0.905 >= 0.916 - 0.005 fails */
    EXPECT(r9, LAB_NOT_HOLD);
    c9.relu = S(0.912, 0.005); /* within its own std */
    EXPECT(r9, LAB_HOLDS);
}

int main(void)
{
    test_stats();
    test_c1();
    test_c2();
    test_c3();
    test_c4();
    test_c5();
    test_c6();
    test_c7();
    test_c8();
    test_c9();
    return harness_finish();
}
