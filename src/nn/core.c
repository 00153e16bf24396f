/* Status strings, random numbers, threads and the GEMM wrapper. */
#include <cblas.h>
#include <math.h>

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

enum nn_status nn_set_threads(int n)
{
    if (n < 1 || n > 1024)
        return NN_ERR_INVALID_ARG;
    g_threads = n;
    openblas_set_num_threads(n);
    return NN_OK;
}

int nn_threads(void)
{
    return g_threads;
}

void nn_gemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda, const float *b,
             size_t ldb, float beta, float *c, size_t ldc)
{
    if (m == 0 || n == 0)
        return;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (blasint)m,
                (blasint)n, (blasint)k, alpha, a, (blasint)lda, b, (blasint)ldb, beta, c, (blasint)ldc);
}
