/*
 * ulpsweep: the largest error of this build's act_forward or act_backward, in ULP of the exact value
 * (the long double oracle of tests/oracle.c), over every float x, or over the floats of [LO, HI].
 * For one parameter set, where `test_sweep --exhaustive --all-params` would sweep every case and
 * every path:
 *
 *   build/ulpsweep SPEC fwd|bwd [DY [LO HI]]
 *
 * DY is bwd's constant upstream gradient (default 1). The library picks its kernel as usual
 * (ACTLAB_MAX_ISA caps it). Two threads; a few minutes per 2^32 inputs. Prints the worst input and
 * its result; exits 0, or 2 on a usage error. Not a ctest: it measures, it does not judge.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlab/act.h"
#include "oracle.h"

#define BLOCK (1u << 16)

static struct act_desc desc;
static int bwd;
static float dy_const, lo, hi;

struct worst {
    double err;
    float x, y;
    uint64_t count;
};

static void *sweep(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    struct worst *w = calloc(1, sizeof *w);
    float *x = malloc(BLOCK * sizeof *x), *y = malloc(BLOCK * sizeof *y), *dy = malloc(BLOCK * sizeof *dy);
    if (!w || !x || !y || !dy) {
        fprintf(stderr, "ulpsweep: out of memory\n");
        exit(2);
    }
    for (size_t i = 0; i < BLOCK; i++)
        dy[i] = dy_const;
    for (uint64_t base = (uint64_t)id * BLOCK; base < (1ull << 32); base += 2 * (uint64_t)BLOCK) {
        size_t m = 0;
        for (uint64_t u = base; u < base + BLOCK; u++) {
            uint32_t bits = (uint32_t)u;
            float f;
            memcpy(&f, &bits, sizeof f);
            if (f >= lo && f <= hi) /* no NaN */
                x[m++] = f;
        }
        if (m == 0)
            continue;
        enum act_status st = bwd ? act_backward(&desc, m, x, dy, y) : act_forward(&desc, m, x, y);
        if (st != ACT_OK) {
            fprintf(stderr, "ulpsweep: %s\n", act_status_str(st));
            exit(2);
        }
        for (size_t i = 0; i < m; i++) {
            double e = ulp_error(y[i], bwd ? oracle_bwd(&desc, x[i], dy_const) : oracle_fwd(&desc, x[i]));
            if (e > w->err)
                *w = (struct worst){e, x[i], y[i], w->count};
        }
        w->count += m;
    }
    free(x);
    free(y);
    free(dy);
    return w;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc == 5 || argc > 6 || (strcmp(argv[2], "fwd") && strcmp(argv[2], "bwd")) ||
        act_parse(argv[1], &desc) != ACT_OK) {
        fprintf(stderr, "usage: %s SPEC fwd|bwd [DY [LO HI]]\n", argv[0]);
        return 2;
    }
    bwd = !strcmp(argv[2], "bwd");
    dy_const = argc > 3 ? strtof(argv[3], NULL) : 1.0f;
    lo = argc > 5 ? strtof(argv[4], NULL) : -INFINITY;
    hi = argc > 5 ? strtof(argv[5], NULL) : INFINITY;
    pthread_t t[2];
    for (unsigned k = 0; k < 2; k++)
        if (pthread_create(&t[k], NULL, sweep, (void *)(uintptr_t)k)) {
            fprintf(stderr, "ulpsweep: cannot start a thread\n");
            return 2;
        }
    struct worst all = {0, 0, 0, 0};
    for (unsigned k = 0; k < 2; k++) {
        struct worst *w;
        pthread_join(t[k], (void **)&w);
        if (w->err > all.err)
            all = (struct worst){w->err, w->x, w->y, all.count};
        all.count += w->count;
        free(w);
    }
    printf("%s %s", argv[1], argv[2]);
    if (bwd)
        printf(" dy=%g", (double)dy_const);
    printf(": max %.4f ULP at x=%a (got %a), over %llu inputs\n", all.err, (double)all.x, (double)all.y,
           (unsigned long long)all.count);
    return 0;
}
