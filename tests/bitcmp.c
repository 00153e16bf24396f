/*
 * bitcmp: compare two builds of libactlab bit for bit over all 2^32 float inputs, for one op and
 * direction. For changes that must not change any result (a loop restructured, a kernel moved):
 * build the old and the new library, then
 *
 *   build/bitcmp OLD/libactlab.so NEW/libactlab.so SPEC fwd|bwd|bwdy [DY|rand|wide]
 *
 * DY is the constant upstream gradient of bwd and bwdy (default 1); "rand" draws it at random
 * (seeded, so both libraries see the same values), uniform in about [-4, 4); "wide" draws a random
 * sign and a log-uniform magnitude in [2^-80, 2^80], and 0 one time in 64. Prints the number of
 * inputs whose output bits differ (NaN payloads included), the first few, and the largest distance
 * in ulps of OLD's result; exits 0 when none differ, 1 when some do, 2 on a usage or loading error.
 * Single-threaded, about 30 s per case. Not a ctest: it needs two builds.
 * With BITCMP_OLD_ISA=scalar, OLD runs its scalar reference (act_set_max_isa): for a change that
 * may change results, compare a copy of the new library against itself to see how far its
 * kernels are from the reference (two paths: the loader would share one).
 */
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlab/act.h"

typedef enum act_status (*parse_fn)(const char *, struct act_desc *);
typedef enum act_status (*fwd_fn)(const struct act_desc *, size_t, const float *, float *);
typedef enum act_status (*bwd_fn)(const struct act_desc *, size_t, const float *, const float *, float *);

struct lib {
    fwd_fn fwd;
    bwd_fn bwd, bwdy;
    parse_fn parse;
    enum act_status (*set_max_isa)(const char *);
};

static int load(const char *path, struct lib *l)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "bitcmp: %s\n", dlerror());
        return -1;
    }
    l->fwd = (fwd_fn)dlsym(h, "act_forward");
    l->bwd = (bwd_fn)dlsym(h, "act_backward");
    l->bwdy = (bwd_fn)dlsym(h, "act_backward_from_output");
    l->parse = (parse_fn)dlsym(h, "act_parse");
    l->set_max_isa = (enum act_status(*)(const char *))dlsym(h, "act_set_max_isa");
    if (!l->fwd || !l->bwd || !l->bwdy || !l->parse || !l->set_max_isa) {
        fprintf(stderr, "bitcmp: %s is not a libactlab\n", path);
        return -1;
    }
    return 0;
}

/* |a - b| in ulps of b (b's binade; 2^-149 for zeros and subnormals); a zero's sign counts 1/4 */
static double ulp_dist(float a, float b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b) ? 0 : INFINITY;
    if (a == b)
        return signbit(a) == signbit(b) ? 0 : 0.25;
    if (isinf(a) || isinf(b))
        return INFINITY;
    int e;
    frexpf(b, &e);
    double u = ldexp(1.0, e - 24 < -149 ? -149 : e - 24);
    return fabs((double)a - (double)b) / u;
}

static enum act_status run(const struct lib *l, int dir, const struct act_desc *d, size_t n, const float *x,
                           const float *dy, float *out)
{
    return dir == 0 ? l->fwd(d, n, x, out) : dir == 1 ? l->bwd(d, n, x, dy, out) : l->bwdy(d, n, x, dy, out);
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: bitcmp OLD.so NEW.so SPEC fwd|bwd|bwdy [DY|rand|wide]\n");
        return 2;
    }
    int dir = !strcmp(argv[4], "fwd") ? 0 : !strcmp(argv[4], "bwd") ? 1 : !strcmp(argv[4], "bwdy") ? 2 : -1;
    struct lib a, b;
    struct act_desc d;
    if (dir < 0 || load(argv[1], &a) || load(argv[2], &b)) {
        if (dir < 0)
            fprintf(stderr, "bitcmp: direction must be fwd, bwd or bwdy\n");
        return 2;
    }
    if (a.parse(argv[3], &d) != ACT_OK) {
        fprintf(stderr, "bitcmp: bad spec '%s'\n", argv[3]);
        return 2;
    }
    const char *isa = getenv("BITCMP_OLD_ISA");
    if (isa && *isa && a.set_max_isa(isa) != ACT_OK) {
        fprintf(stderr, "bitcmp: bad BITCMP_OLD_ISA '%s'\n", isa);
        return 2;
    }
    int rnd = argc == 6 && !strcmp(argv[5], "rand"), wide = argc == 6 && !strcmp(argv[5], "wide");
    char *end = NULL;
    float dyc = argc == 6 && !rnd && !wide ? strtof(argv[5], &end) : 1.0f;
    if (argc == 6 && !rnd && !wide && (end == argv[5] || *end)) {
        fprintf(stderr, "bitcmp: bad dy '%s'\n", argv[5]);
        return 2;
    }
    const size_t B = (size_t)1 << 20;
    uint32_t *x = malloc(B * 4), *ya = malloc(B * 4), *yb = malloc(B * 4);
    float *dy = malloc(B * 4);
    if (!x || !ya || !yb || !dy) {
        fprintf(stderr, "bitcmp: out of memory\n");
        return 2;
    }
    uint64_t seed = 88172645463325252ull, diff = 0, nan_diff = 0;
    double worst = 0;
    for (uint64_t base = 0; base < ((uint64_t)1 << 32); base += B) {
        for (size_t i = 0; i < B; i++) {
            x[i] = (uint32_t)(base + i);
            if (rnd) { /* xorshift64: dy uniform in about [-4, 4) */
                seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
                dy[i] = (float)((int64_t)(seed >> 11) - ((int64_t)1 << 52)) * 0x1p-50f;
            } else if (wide) {
                seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
                double m = ldexp(1.0 + (double)(seed >> 40) * 0x1p-24, (int)((seed >> 8) % 161) - 80);
                dy[i] = (seed & 63) == 0 ? 0.0f : (float)((seed & 64) ? -m : m);
            } else {
                dy[i] = dyc;
            }
        }
        if (run(&a, dir, &d, B, (const float *)x, dy, (float *)ya) != ACT_OK ||
            run(&b, dir, &d, B, (const float *)x, dy, (float *)yb) != ACT_OK) {
            fprintf(stderr, "bitcmp: %s %s is not supported\n", argv[3], argv[4]);
            return 2;
        }
        for (size_t i = 0; i < B; i++)
            if (ya[i] != yb[i]) {
                float fa, fb, xf;
                memcpy(&fa, &ya[i], sizeof fa), memcpy(&fb, &yb[i], sizeof fb), memcpy(&xf, &x[i], sizeof xf);
                double u = ulp_dist(fb, fa);
                worst = u > worst ? u : worst;
                nan_diff += isnan(fa) && isnan(fb);
                if (diff++ < 5)
                    printf("  x=%a dy=%a: %08x vs %08x\n", xf, dy[i], ya[i], yb[i]);
            }
    }
    printf("%s %s%s%s: %llu of 2^32 outputs differ (%llu of them NaN payloads), at most %.3f ulp\n", argv[3], argv[4],
           argc == 6 ? " dy=" : "", argc == 6 ? argv[5] : "", (unsigned long long)diff, (unsigned long long)nan_diff,
           worst);
    free(x), free(ya), free(yb), free(dy);
    return diff != 0;
}
