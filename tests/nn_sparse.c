/*
 * The sparse products (src/nn/sparse.c): nn_gemm_sparse against a double-precision loop on every
 * transpose combination, sizes around the panel width and the 8-wide compaction, strides larger
 * than the rows, densities up to the threshold, special values (NaN and inf in A, -0), and the
 * bias; bit-identical results for 1, 2 and 3 threads; the cases that must go back to the dense
 * sgemm (too dense, NaN or inf in B, no AVX2, switched off); and the dense layer on ReLU-like
 * inputs against the dense path.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlab/nn.h"
#include "harness.h"
#include "internal.h"

static struct nn_rng g_rng;

/* A (rows, cols) buffer with row stride ld >= cols, a fraction dens of it nonzero in [-1, 1). */
static float *sparse_buf(size_t rows, size_t cols, size_t ld, double dens)
{
    if (ld < cols)
        abort();
    float *p = malloc((rows * ld > 0 ? rows * ld : 1) * sizeof *p);
    for (size_t i = 0; i < rows * ld; i++)
        p[i] = nn_rng_uniform(&g_rng) < dens ? (float)(2.0 * nn_rng_uniform(&g_rng) - 1.0) : 0.0f;
    return p;
}

struct gcase {
    int ta, tb;
    size_t m, n, k, lda, ldb, ldc;
    const float *a, *b, *bias;
};

static float opa(const struct gcase *g, size_t i, size_t p)
{
    return g->ta ? g->a[p * g->lda + i] : g->a[i * g->lda + p];
}

static float opb(const struct gcase *g, size_t p, size_t j)
{
    return g->tb ? g->b[j * g->ldb + p] : g->b[p * g->ldb + j];
}

/* Errors of c against the double product, in units of k * 2^-24 * sum |a b| (+ |bias|): a correct
 * float sum of k terms stays well under 1. NaN must match NaN; inf must match inf. */
static double gemm_err(const struct gcase *g, const float *c, size_t *mismatch)
{
    double worst = 0.0;
    for (size_t i = 0; i < g->m; i++)
        for (size_t j = 0; j < g->n; j++) {
            double s = g->bias ? g->bias[j] : 0.0, mag = g->bias ? fabs(g->bias[j]) : 0.0;
            for (size_t p = 0; p < g->k; p++) {
                s += (double)opa(g, i, p) * opb(g, p, j);
                mag += fabs((double)opa(g, i, p) * opb(g, p, j));
            }
            double v = c[i * g->ldc + j];
            if (isnan(s) || isinf(s)) {
                *mismatch += !(isnan(s) ? isnan(v) : v == s);
                continue;
            }
            double e = fabs(v - s) / ((double)(g->k + 1) * 0x1p-24 * mag + 1e-30);
            if (!(e <= worst))
                worst = e;
        }
    return worst;
}

/* Run the case with 1, 2 and 3 threads: 1 if the sparse path took it (and the three results are
 * the same bits, checked), 0 if it declined. */
static int run_case(const struct gcase *g, float *c, const char *what)
{
    size_t cs = g->m * g->ldc;
    float *c2 = malloc(cs * sizeof *c2), *c3 = malloc(cs * sizeof *c3);
    for (size_t i = 0; i < cs; i++)
        c[i] = c2[i] = c3[i] = -7.0f; /* the padding past n must stay untouched */
    nn_set_threads(1);
    int r1 = nn_gemm_sparse(g->ta, g->tb, g->m, g->n, g->k, g->a, g->lda, g->b, g->ldb, g->bias, c, g->ldc, NULL);
    nn_set_threads(2);
    int r2 = nn_gemm_sparse(g->ta, g->tb, g->m, g->n, g->k, g->a, g->lda, g->b, g->ldb, g->bias, c2, g->ldc, NULL);
    nn_set_threads(3);
    int r3 = nn_gemm_sparse(g->ta, g->tb, g->m, g->n, g->k, g->a, g->lda, g->b, g->ldb, g->bias, c3, g->ldc, NULL);
    nn_set_threads(1);
    CHECK(r1 == r2 && r2 == r3, "%s: the thread count changed whether the sparse path ran", what);
    if (r1)
        CHECK(!memcmp(c, c2, cs * sizeof *c) && !memcmp(c, c3, cs * sizeof *c),
              "%s: 1, 2 and 3 threads give different bits", what);
    size_t pad = 0;
    if (r1)
        for (size_t i = 0; i < g->m; i++)
            for (size_t j = g->n; j < g->ldc; j++)
                pad += c[i * g->ldc + j] != -7.0f;
    CHECK(pad == 0, "%s: %zu values written past column n", what, pad);
    free(c2);
    free(c3);
    return r1;
}

static void test_products(void)
{
    static const size_t ms[] = {8, 9, 33, 64, 130};
    static const size_t ns[] = {1, 7, 31, 32, 33, 65, 100};
    static const size_t ks[] = {16, 17, 31, 40, 129, 300};
    static const double dens[] = {0.0, 0.05, 0.3, 0.45};
    size_t cases = 0, taken = 0;
    double worst = 0.0;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (size_t mi = 0; mi < sizeof ms / sizeof *ms; mi++)
                for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++)
                    for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++) {
                        size_t m = ms[mi], n = ns[ni], k = ks[ki];
                        double d = dens[(mi + ni + ki + (size_t)ta) % 4];
                        struct gcase g = {ta, tb, m, n, k, (ta ? m : k) + ki % 2 * 3, (tb ? k : n) + ni % 2 * 5,
                                          n + 2, NULL, NULL, NULL};
                        float *a = sparse_buf(ta ? k : m, ta ? m : k, g.lda, d);
                        float *b = sparse_buf(tb ? n : k, tb ? k : n, g.ldb, 1.0);
                        float *bias = sparse_buf(1, n, n, 1.0), *c = malloc(m * g.ldc * sizeof *c);
                        g.a = a;
                        g.b = b;
                        g.bias = (mi + ni) % 2 ? bias : NULL;
                        char what[96];
                        snprintf(what, sizeof what, "ta %d tb %d m %zu n %zu k %zu density %.2f%s", ta, tb, m, n, k,
                                 d, g.bias ? " bias" : "");
                        /* the path is taken at most half nonzero, whatever the target density drew */
                        size_t nz = 0;
                        for (size_t i = 0; i < m; i++)
                            for (size_t p = 0; p < k; p++)
                                nz += opa(&g, i, p) != 0.0f;
                        int want = 2 * nz <= m * k;
                        cases++;
                        int took = run_case(&g, c, what);
                        CHECK(took == want, "%s: %zu of %zu nonzero, sparse path %s", what, nz, m * k,
                              took ? "taken" : "declined");
                        if (took) {
                            taken++;
                            size_t mis = 0;
                            double e = gemm_err(&g, c, &mis);
                            CHECK(e <= 1.0 && mis == 0, "%s: error %.3g (of the bound), %zu NaN/inf mismatches",
                                  what, e, mis);
                            if (e > worst)
                                worst = e;
                        }
                        free(a);
                        free(b);
                        free(bias);
                        free(c);
                    }
    printf("products: %zu of %zu cases on the sparse path; worst error %.3g of the bound\n", taken, cases, worst);
}

/* NaN and inf in A propagate as in the dense product (inf times a zero of B is NaN); -0 in A is a
 * zero; a row of A with no nonzeros gives the bias (or +0). */
static void test_specials(void)
{
    size_t m = 16, n = 40, k = 24;
    float *a = sparse_buf(m, k, k, 0.2), *b = sparse_buf(k, n, n, 1.0), *c = malloc(m * n * sizeof *c);
    for (size_t j = 0; j < k; j++) {
        a[0 * k + j] = j % 3 ? -0.0f : 0.0f; /* row 0: only signed zeros */
        a[5 * k + j] = 0.0f;
    }
    a[5 * k + 9] = NAN;
    a[7 * k + 3] = INFINITY;
    a[8 * k + 20] = -INFINITY;
    for (size_t j = 0; j < n; j++)
        b[3 * n + j] = j == 11 ? 0.0f : b[3 * n + j]; /* inf * 0 in row 7, column 11 */
    struct gcase g = {0, 0, m, n, k, k, n, n, a, b, NULL};
    if (CHECK(run_case(&g, c, "special values"), "special values: the sparse path declined")) {
        size_t mis = 0, zeros = 0, nans = 0, infs = 0;
        double e = gemm_err(&g, c, &mis);
        CHECK(e <= 1.0 && mis == 0, "special values: error %.3g, %zu NaN/inf mismatches", e, mis);
        for (size_t j = 0; j < n; j++) {
            zeros += c[j] == 0.0f && !signbit(c[j]);
            nans += isnan(c[5 * n + j]);
            infs += isinf(c[7 * n + j]) && c[7 * n + j] == c[7 * n + j];
        }
        CHECK(zeros == n, "a row of signed zeros gives +0 (%zu of %zu)", zeros, n);
        CHECK(nans == n, "a NaN in A makes its whole row NaN (%zu of %zu)", nans, n);
        CHECK(isnan(c[7 * n + 11]) && infs >= n - 1, "inf in A: inf, and NaN where it meets a zero of B");
    }
    free(a);
    free(b);
    free(c);
}

/* The cases that go back to the dense sgemm. */
static void test_declines(void)
{
    size_t m = 32, n = 64, k = 48;
    float *a = sparse_buf(m, k, k, 0.2), *dense = sparse_buf(m, k, k, 0.9), *b = sparse_buf(k, n, n, 1.0);
    float *a2 = sparse_buf(m, n, n, 0.2); /* for op(B) = B^T: B as stored is (k, n), op(B) (n, k) */
    float *c = malloc(m * n * sizeof *c);
    CHECK(nn_gemm_sparse(0, 0, m, n, k, dense, k, b, n, NULL, c, n, NULL) == 0, "90%% nonzeros: declined");
    CHECK(nn_gemm_sparse(0, 0, 4, n, k, a, k, b, n, NULL, c, n, NULL) == 0, "4 rows: declined");
    CHECK(nn_gemm_sparse(0, 0, m, n, 8, a, k, b, n, NULL, c, n, NULL) == 0, "k = 8: declined");
    CHECK(nn_gemm_sparse(0, 0, m, 0, k, a, k, b, n, NULL, c, n, NULL) == 0, "n = 0: declined");
    {
        /* k above 512K: a packed panel would exceed 64 MB */
        size_t hk = ((size_t)1 << 19) + 1;
        float *ha = calloc(8 * hk, sizeof *ha), *hb = calloc(hk, sizeof *hb), hc[8];
        CHECK(ha && hb && nn_gemm_sparse(0, 0, 8, 1, hk, ha, hk, hb, 1, NULL, hc, 1, NULL) == 0,
              "k = 2^19 + 1: declined");
        free(ha);
        free(hb);
    }
    for (int t = 1; t <= 2; t++) {
        nn_set_threads(t);
        b[(k - 1) * n + n - 1] = INFINITY; /* the last panel's last row */
        CHECK(nn_gemm_sparse(0, 0, m, n, k, a, k, b, n, NULL, c, n, NULL) == 0, "inf in B: declined (%d threads)", t);
        b[(k - 1) * n + n - 1] = 1.0f;
        b[5] = NAN;
        CHECK(nn_gemm_sparse(0, 1, m, k, n, a2, n, b, n, NULL, c, k, NULL) == 0, "NaN in B^T: declined (%d threads)",
              t);
        b[5] = 1.0f;
    }
    nn_set_threads(1);
    nn_set_sparse(0);
    CHECK(!nn_sparse() && nn_gemm_sparse(0, 0, m, n, k, a, k, b, n, NULL, c, n, NULL) == 0, "switched off: declined");
    nn_set_sparse(1);
    CHECK(act_set_max_isa("sse2") == ACT_OK && nn_gemm_sparse(0, 0, m, n, k, a, k, b, n, NULL, c, n, NULL) == 0,
          "ACTLAB_MAX_ISA below AVX2: declined");
    act_set_max_isa("avx512");
    CHECK(nn_gemm_sparse(0, 0, m, n, k, a, k, b, n, NULL, c, n, NULL) == 1, "back on: taken");
    free(a);
    free(a2);
    free(dense);
    free(b);
    free(c);
}

/* A dense layer on ReLU-like data (70% zeros in x and dy): the sparse path (1 and 2 threads, the
 * same bits) agrees with the dense one, and its db (summed by the product) is the dense path's. */
static void test_dense_layer(void)
{
    size_t n = 128, in = 200, out = 96;
    float *x = sparse_buf(n, in, in, 0.3), *dy = sparse_buf(n, out, out, 0.3);
    float *w = sparse_buf(out, in, in, 1.0), *b = sparse_buf(1, out, out, 1.0);
    float *y[3], *dx[3], *dw[3], *db[3];
    for (int s = 0; s < 3; s++) { /* sparse, dense, sparse on 2 threads */
        y[s] = malloc(n * out * sizeof(float));
        dx[s] = malloc(n * in * sizeof(float));
        dw[s] = malloc(out * in * sizeof(float));
        db[s] = malloc(out * sizeof(float));
        nn_set_sparse(s != 1);
        nn_set_threads(s == 2 ? 2 : 1);
        CHECK(nn_dense_forward(n, in, out, x, w, b, y[s]) == NN_OK, "dense forward");
        CHECK(nn_dense_backward(n, in, out, x, w, dy, dx[s], dw[s], db[s]) == NN_OK, "dense backward");
    }
    nn_set_sparse(1);
    nn_set_threads(1);
    CHECK(!memcmp(y[0], y[2], n * out * sizeof(float)) && !memcmp(dx[0], dx[2], n * in * sizeof(float)) &&
              !memcmp(dw[0], dw[2], out * in * sizeof(float)) && !memcmp(db[0], db[2], out * sizeof(float)),
          "dense layer, sparse path: 1 and 2 threads give the same bits");
    double ey = 0, ex = 0, ew = 0;
    for (size_t i = 0; i < n * out; i++)
        ey = fmax(ey, fabs(y[0][i] - y[1][i]));
    for (size_t i = 0; i < n * in; i++)
        ex = fmax(ex, fabs(dx[0][i] - dx[1][i]));
    for (size_t i = 0; i < out * in; i++)
        ew = fmax(ew, fabs(dw[0][i] - dw[1][i]));
    CHECK(ey < 1e-5 && ex < 1e-5 && ew < 1e-5 && !memcmp(db[0], db[1], out * sizeof(float)),
          "dense layer, sparse vs dense path: y %.3g, dx %.3g, dw %.3g", ey, ex, ew);
    for (int s = 0; s < 3; s++) {
        free(y[s]);
        free(dx[s]);
        free(dw[s]);
        free(db[s]);
    }
    free(x);
    free(dy);
    free(w);
    free(b);
}

int main(void)
{
    nn_rng_seed(&g_rng, 7);
    const char *isa = act_isa();
    if (strcmp(isa, "avx2") && strcmp(isa, "avx512")) {
        harness_skip(1, "the sparse products need AVX2 (dispatch picked %s)", isa);
        return harness_finish();
    }
    test_products();
    test_specials();
    test_declines();
    test_dense_layer();
    return harness_finish();
}
