/*
 * bitcmp: compare two builds of libactlab bit for bit over all 2^32 float inputs, for one op and
 * direction. For changes that must not change any result (a loop restructured, a kernel moved):
 * build the old and the new library, then
 *
 *   build/bitcmp OLD/libactlab.so NEW/libactlab.so SPEC fwd|bwd|bwdy [DY|rand]
 *
 * DY is the constant upstream gradient of bwd and bwdy (default 1); "rand" draws it at random
 * (seeded, so both libraries see the same values). Prints the number of inputs whose output bits
 * differ (NaN payloads included) and the first few; exits 0 when none differ, 1 when some do, 2 on
 * a usage or loading error. Single-threaded, about 30 s per case. Not a ctest: it needs two builds.
 */
#include <dlfcn.h>
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
    if (!l->fwd || !l->bwd || !l->bwdy || !l->parse) {
        fprintf(stderr, "bitcmp: %s is not a libactlab\n", path);
        return -1;
    }
    return 0;
}

static enum act_status run(const struct lib *l, int dir, const struct act_desc *d, size_t n, const float *x,
                           const float *dy, float *out)
{
    return dir == 0 ? l->fwd(d, n, x, out) : dir == 1 ? l->bwd(d, n, x, dy, out) : l->bwdy(d, n, x, dy, out);
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: bitcmp OLD.so NEW.so SPEC fwd|bwd|bwdy [DY|rand]\n");
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
    int rnd = argc == 6 && !strcmp(argv[5], "rand");
    char *end = NULL;
    float dyc = argc == 6 && !rnd ? strtof(argv[5], &end) : 1.0f;
    if (argc == 6 && !rnd && (end == argv[5] || *end)) {
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
    uint64_t seed = 88172645463325252ull, diff = 0;
    for (uint64_t base = 0; base < ((uint64_t)1 << 32); base += B) {
        for (size_t i = 0; i < B; i++) {
            x[i] = (uint32_t)(base + i);
            if (rnd) { /* xorshift64: dy uniform in about [-4, 4) */
                seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
                dy[i] = (float)((int64_t)(seed >> 11) - ((int64_t)1 << 52)) * 0x1p-50f;
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
            if (ya[i] != yb[i] && diff++ < 5) {
                float xf;
                memcpy(&xf, &x[i], sizeof xf);
                printf("  x=%a dy=%a: %08x vs %08x\n", xf, dy[i], ya[i], yb[i]);
            }
    }
    printf("%s %s%s%s: %llu of 2^32 outputs differ\n", argv[3], argv[4], argc == 6 ? " dy=" : "", argc == 6 ? argv[5] : "",
           (unsigned long long)diff);
    free(x), free(ya), free(yb), free(dy);
    return diff != 0;
}
