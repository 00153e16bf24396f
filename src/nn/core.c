/* Status strings, random numbers, threads and the GEMM wrapper. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

const char *nn_status_str(enum nn_status s)
{
    switch (s) {
    case NN_OK: return "ok";
    case NN_ERR_INVALID_ARG: return "invalid argument";
    case NN_ERR_SHAPE: return "shapes do not match";
    case NN_ERR_NO_MEMORY: return "out of memory";
    case NN_ERR_IO: return "input/output error";
    case NN_ERR_FORMAT: return "bad file format";
    case NN_ERR_TRUNCATED: return "file is truncated";
    case NN_ERR_UNSUPPORTED: return "unsupported";
    case NN_ERR_DIVERGED: return "training diverged (NaN or inf)";
    }
    return "unknown status";
}

enum nn_status nn_from_act(enum act_status s)
{
    switch (s) {
    case ACT_OK: return NN_OK;
    case ACT_ERR_NO_MEMORY: return NN_ERR_NO_MEMORY;
    case ACT_ERR_UNSUPPORTED: return NN_ERR_UNSUPPORTED;
    default: return NN_ERR_INVALID_ARG;
    }
}

size_t nn_mul_sz(size_t a, size_t b, int *ok)
{
    if (a && b > (size_t)-1 / a) {
        *ok = 0;
        return 0;
    }
    return a * b;
}

size_t nn_shape_size(struct nn_shape s)
{
    return s.c * s.h * s.w;
}

/* ---- xoshiro256** (Blackman and Vigna), seeded with splitmix64 ---- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void nn_rng_seed(struct nn_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t nn_rng_u64(struct nn_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double nn_rng_uniform(struct nn_rng *r)
{
    return (double)(nn_rng_u64(r) >> 11) * 0x1.0p-53;
}

double nn_rng_normal(struct nn_rng *r)
{
    /* 1 - u is in (0, 1], so the log is finite. */
    double u1 = 1.0 - nn_rng_uniform(r), u2 = nn_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

uint64_t nn_rng_below(struct nn_rng *r, uint64_t n)
{
    uint64_t limit = (uint64_t)-1 - ((uint64_t)-1 % n), x;
    do
        x = nn_rng_u64(r);
    while (x >= limit);
    return x % n;
}

/* ---- threads and GEMM ---- */

static int g_threads = 1;

/*
 * With more than one engine thread, OpenBLAS runs single-threaded and nn_gemm splits C into
 * one block of rows or columns per engine thread (nn_parallel_for), each an independent sgemm,
 * so GEMMs, im2col, pooling and the optimizer share one pool of threads instead of two pools
 * competing for the cores. The split depends only on the shapes and the thread count, so
 * results are the same from run to run for a given thread count.
 */
enum nn_status nn_set_threads(int n)
{
    if (n < 1 || n > 1024)
        return NN_ERR_INVALID_ARG;
    g_threads = n;
    openblas_set_num_threads(1);
    return NN_OK;
}

int nn_threads(void)
{
    return g_threads;
}

void nn_gemm1(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda, const float *b,
              size_t ldb, float beta, float *c, size_t ldc)
{
    if (m == 0 || n == 0)
        return;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (blasint)m,
                (blasint)n, (blasint)k, alpha, a, (blasint)lda, b, (blasint)ldb, beta, c, (blasint)ldc);
}

/* Rows or columns of C are split in units of GEMM_UNIT, a multiple of OpenBLAS's register tiles. */
#define GEMM_UNIT 16
/* Below this many multiply-adds a GEMM is not worth splitting. */
#define GEMM_SPLIT_MIN 262144.0

struct gemm_job {
    int ta, tb, by_rows;
    size_t m, n, k;
    float alpha, beta;
    const float *a, *b;
    float *c;
    size_t lda, ldb, ldc;
    const float *bias; /* (n) or NULL: C's rows are set to it first, and beta is 1 */
};

/* Rows [i0, i1) and columns [j0, j1) of c (row stride ldc) set to bias[j0..j1). */
static void fill_bias(float *c, size_t ldc, size_t i0, size_t i1, size_t j0, size_t j1, const float *bias)
{
    for (size_t i = i0; i < i1; i++)
        memcpy(c + i * ldc + j0, bias + j0, (j1 - j0) * sizeof *c);
}

static void gemm_part(void *ctx, size_t u0, size_t u1)
{
    const struct gemm_job *g = ctx;
    size_t total = g->by_rows ? g->m : g->n;
    size_t i0 = u0 * GEMM_UNIT, i1 = u1 * GEMM_UNIT < total ? u1 * GEMM_UNIT : total;
    if (g->bias) {
        if (g->by_rows)
            fill_bias(g->c, g->ldc, i0, i1, 0, g->n, g->bias);
        else
            fill_bias(g->c, g->ldc, 0, g->m, i0, i1, g->bias);
    }
    if (g->by_rows) /* rows i0..i1 of op(A) and of C */
        nn_gemm1(g->ta, g->tb, i1 - i0, g->n, g->k, g->alpha, g->ta ? g->a + i0 : g->a + i0 * g->lda, g->lda, g->b,
               g->ldb, g->beta, g->c + i0 * g->ldc, g->ldc);
    else /* columns i0..i1 of op(B) and of C */
        nn_gemm1(g->ta, g->tb, g->m, i1 - i0, g->k, g->alpha, g->a, g->lda, g->tb ? g->b + i0 * g->ldb : g->b + i0,
               g->ldb, g->beta, g->c + i0, g->ldc);
}

static void gemm_split(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                       const float *b, size_t ldb, float beta, const float *bias, float *c, size_t ldc)
{
    if (m == 0 || n == 0)
        return;
    /* Split the longer side of C: each part packs all of the other operand, the smaller one. */
    int by_rows = m >= n;
    size_t units = ((by_rows ? m : n) + GEMM_UNIT - 1) / GEMM_UNIT;
    struct gemm_job g = {ta, tb, by_rows, m, n, k, alpha, bias ? 1.0f : beta, a, b, c, lda, ldb, ldc, bias};
    if (g_threads < 2 || units < 2 || (double)m * (double)n * (double)k < GEMM_SPLIT_MIN)
        gemm_part(&g, 0, units);
    else
        nn_parallel_for(units, 1, gemm_part, &g);
}

void nn_gemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda, const float *b,
             size_t ldb, float beta, float *c, size_t ldc)
{
    gemm_split(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, NULL, c, ldc);
}

void nn_gemm_bias(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                  const float *b, size_t ldb, const float *bias, float *c, size_t ldc)
{
    gemm_split(ta, tb, m, n, k, alpha, a, lda, b, ldb, 1.0f, bias, c, ldc);
}

int nn_any_nonfinite(const float *x, size_t n)
{
    /* An integer OR over the bits, which the compiler vectorises (a floating-point sum would be
     * one serial chain of adds). */
    uint32_t bad = 0;
    for (size_t j = 0; j < n; j++) {
        uint32_t bits;
        memcpy(&bits, &x[j], sizeof bits);
        bad |= (uint32_t)((bits & 0x7f800000u) == 0x7f800000u);
    }
    return bad != 0;
}
