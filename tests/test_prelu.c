/*
 * act_prelu_forward / act_prelu_backward against naive loops, over NCHW-like, NHWC-like,
 * shared-slope and odd layouts, on every ISA this CPU runs (act_set_max_isa): y and dx bit for
 * bit; dslope within 1 ULP of the exactly summed (long double) channel sum; NaN poisons only its
 * channel, an infinite dy where x > 0 does not; dslope is overwritten, not accumulated; in place;
 * dx == NULL; size overflow; repeatability. And the ISAs agree bit for bit (dslope's order is
 * fixed: simd/prelu-impl.h).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "oracle.h"
#include "testutil.h"

struct layout {
    size_t rows, channels, inner;
    const char *name;
};

static const struct layout layouts[] = {
    {2, 3, 5, "NCHW-like 2x3x5"},   {2, 3, 1, "NHWC-like 2x3x1"}, {4, 1, 7, "shared 4x1x7"},
    {3, 7, 13, "odd 3x7x13"},       {1, 17, 33, "odd 1x17x33"},   {5, 16, 129, "5x16x129"},
    {1, 1, 1, "single"},            {37, 5, 1, "dense 37x5"},     {2, 300, 3, "wide 2x300x3"},
    {7, 70, 1, "dense 7x70"},       {300, 2, 1, "dense 300x2"},   {2, 3, 1000, "long 2x3x1000"},
    {3, 2, 64, "2x3x64"},           {2, 600, 1, "dense 2x600"},
};
#define N_LAYOUTS (sizeof layouts / sizeof layouts[0])

static size_t index_of(const struct layout *l, size_t r, size_t c, size_t i)
{
    return (r * l->channels + c) * l->inner + i;
}

static void naive_forward(const struct layout *l, const float *x, const float *slope, float *y)
{
    for (size_t r = 0; r < l->rows; r++)
        for (size_t c = 0; c < l->channels; c++)
            for (size_t i = 0; i < l->inner; i++) {
                size_t k = index_of(l, r, c, i);
                y[k] = x[k] > 0 ? x[k] : slope[c] * x[k];
            }
}

/* dx per the policy (NaN x gives NaN), dslope summed exactly in long double. */
static void naive_backward(const struct layout *l, const float *x, const float *slope, const float *dy, float *dx,
                           long double *dslope)
{
    for (size_t c = 0; c < l->channels; c++)
        dslope[c] = 0;
    for (size_t r = 0; r < l->rows; r++)
        for (size_t c = 0; c < l->channels; c++)
            for (size_t i = 0; i < l->inner; i++) {
                size_t k = index_of(l, r, c, i);
                dx[k] = isnan(x[k]) ? x[k] : (x[k] > 0 ? dy[k] : slope[c] * dy[k]);
                dslope[c] += x[k] > 0 ? 0 : (long double)x[k] * dy[k]; /* exact product */
            }
}

static size_t count_diff(const float *a, const float *b, size_t n)
{
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += !tu_same(a[i], b[i]);
    return d;
}

/* Inputs without -inf (0 * -inf is NaN for slope 0, a case test_special covers) and with zeros. */
static void fill(struct tu_rng *r, float *x, float *dy, size_t n, float *slope, size_t channels)
{
    for (size_t i = 0; i < n; i++) {
        unsigned pick = (unsigned)(tu_rng_next(r) % 20);
        x[i] = pick == 0 ? 0.0f : pick == 1 ? -0.0f : pick == 2 ? -0x1p-140f : (float)tu_rng_range(r, -3, 3);
        dy[i] = (float)tu_rng_range(r, -1, 1);
    }
    for (size_t c = 0; c < channels; c++)
        slope[c] = c % 5 == 4 ? 0.0f : (float)tu_rng_range(r, -0.5, 1);
}

static void check_layout(const struct layout *l, size_t index)
{
    size_t n = l->rows * l->channels * l->inner, ch = l->channels;
    /* One allocation: x, dy, y, y_ref, dx, dx_ref, buf are (rows, channels, inner); slope, ds, ds2 are (channels). */
    float *arena = malloc((7 * n + 3 * ch) * sizeof *arena);
    float *x = arena, *dy = x + n, *y = dy + n, *y_ref = y + n, *dx = y_ref + n, *dx_ref = dx + n, *buf = dx_ref + n;
    float *slope = buf + n, *ds = slope + ch, *ds2 = ds + ch;
    long double *ds_ref = malloc(ch * sizeof *ds_ref);
    struct tu_rng r;
    tu_rng_init(&r, 6000 + index);
    fill(&r, x, dy, n, slope, ch);

    naive_forward(l, x, slope, y_ref);
    naive_backward(l, x, slope, dy, dx_ref, ds_ref);

    CHECK(act_prelu_forward(l->rows, ch, l->inner, x, slope, y) == ACT_OK, "%s: forward status", l->name);
    CHECK(count_diff(y, y_ref, n) == 0, "%s: forward differs from the naive loop in %zu of %zu", l->name,
          count_diff(y, y_ref, n), n);
    memcpy(buf, x, n * sizeof *buf);
    act_prelu_forward(l->rows, ch, l->inner, buf, slope, buf);
    CHECK(count_diff(buf, y_ref, n) == 0, "%s: forward in place differs", l->name);
    /* No slope 0 (inner == 1 then takes the path without copysign), and -inf in x. */
    float *slope2 = malloc(ch * sizeof *slope2), *x2 = malloc(n * sizeof *x2);
    for (size_t c = 0; c < ch; c++)
        slope2[c] = slope[c] == 0 ? -0.375f : slope[c];
    memcpy(x2, x, n * sizeof *x2);
    x2[n / 3] = -INFINITY;
    naive_forward(l, x2, slope2, buf);
    act_prelu_forward(l->rows, ch, l->inner, x2, slope2, y);
    CHECK(count_diff(y, buf, n) == 0, "%s: forward without a zero slope differs in %zu of %zu", l->name,
          count_diff(y, buf, n), n);
    free(slope2);
    free(x2);

    /* dslope pre-filled with garbage: it must be overwritten. */
    for (size_t c = 0; c < ch; c++)
        ds[c] = c % 2 ? NAN : 12345.0f;
    CHECK(act_prelu_backward(l->rows, ch, l->inner, x, slope, dy, dx, ds) == ACT_OK, "%s: backward status", l->name);
    CHECK(count_diff(dx, dx_ref, n) == 0, "%s: dx differs from the naive loop in %zu of %zu", l->name,
          count_diff(dx, dx_ref, n), n);
    for (size_t c = 0; c < ch; c++) {
        double u = ulp_error(ds[c], ds_ref[c]);
        CHECK(u <= 1, "%s: dslope[%zu] = %a, exact sum %La (%.3g ulp)", l->name, c, ds[c], ds_ref[c], u);
    }

    /* Repeat: identical. dx == NULL: same dslope. In place (dx == dy): same dx and dslope. */
    act_prelu_backward(l->rows, ch, l->inner, x, slope, dy, buf, ds2);
    CHECK(count_diff(buf, dx, n) == 0 && count_diff(ds2, ds, ch) == 0, "%s: a repeated call differs", l->name);
    for (size_t c = 0; c < ch; c++)
        ds2[c] = -1;
    CHECK(act_prelu_backward(l->rows, ch, l->inner, x, slope, dy, NULL, ds2) == ACT_OK &&
              count_diff(ds2, ds, ch) == 0,
          "%s: dx == NULL changes dslope", l->name);
    memcpy(buf, dy, n * sizeof *buf);
    act_prelu_backward(l->rows, ch, l->inner, x, slope, buf, buf, ds2);
    CHECK(count_diff(buf, dx, n) == 0 && count_diff(ds2, ds, ch) == 0, "%s: in place (dx == dy) differs", l->name);

    /* A NaN in one element of channel ch/2 poisons that channel's dslope, its y and dx, nothing else. */
    size_t c_nan = ch / 2, k_nan = index_of(l, l->rows - 1, c_nan, l->inner / 2);
    x[k_nan] = NAN;
    act_prelu_forward(l->rows, ch, l->inner, x, slope, buf);
    CHECK(isnan(buf[k_nan]), "%s: y at a NaN x is %a", l->name, buf[k_nan]);
    act_prelu_backward(l->rows, ch, l->inner, x, slope, dy, buf, ds2);
    CHECK(isnan(buf[k_nan]), "%s: dx at a NaN x is %a", l->name, buf[k_nan]);
    for (size_t c = 0; c < ch; c++)
        CHECK(c == c_nan ? isnan(ds2[c]) : tu_same(ds2[c], ds[c]), "%s: NaN in channel %zu: dslope[%zu] = %a",
              l->name, c_nan, c, ds2[c]);
    x[k_nan] = 1.0f; /* x > 0 there now, with an infinite dy: no product, so no NaN */
    dy[k_nan] = INFINITY;
    act_prelu_backward(l->rows, ch, l->inner, x, slope, dy, buf, ds2);
    CHECK(isfinite(ds2[c_nan]), "%s: dy = inf where x > 0 makes dslope[%zu] %a", l->name, c_nan, ds2[c_nan]);

    free(arena);
    free(ds_ref);
}

/* act_prelu_forward with one channel is act_forward with a prelu desc of that slope. */
static void check_matches_act_forward(void)
{
    enum { N = 257 };
    float x[N], y1[N], y2[N], slope = 0.3f;
    struct act_desc d = tu_desc(ACT_OP_PRELU, slope, NAN);
    struct tu_rng r;
    tu_rng_init(&r, 6100);
    tu_fill_x(&r, &d, x, N);
    act_prelu_forward(1, 1, N, x, &slope, y1);
    act_forward(&d, N, x, y2);
    CHECK(count_diff(y1, y2, N) == 0, "act_prelu_forward(channels=1) and act_forward(prelu) differ in %zu of %d",
          count_diff(y1, y2, N), N);
}

static void check_sizes(void)
{
    float a[4] = {1, 2, 3, 4}, b[4] = {0}, s[2] = {0.25f, 0.5f}, ds[2];
    size_t big = (size_t)1 << (sizeof(size_t) * 4); /* big * big overflows size_t */
    CHECK(act_prelu_forward(SIZE_MAX / 2 + 1, 2, 1, a, s, b) == ACT_ERR_INVALID_ARG,
          "rows * channels overflow not rejected (forward)");
    CHECK(act_prelu_forward(2, big, big, a, s, b) == ACT_ERR_INVALID_ARG,
          "channels * inner overflow not rejected (forward)");
    CHECK(act_prelu_backward(big, 2, big, a, s, a, b, ds) == ACT_ERR_INVALID_ARG,
          "rows * channels * inner overflow not rejected (backward)");
    CHECK(act_prelu_backward(SIZE_MAX, SIZE_MAX, 1, a, s, a, NULL, ds) == ACT_ERR_INVALID_ARG,
          "rows * channels overflow not rejected (backward, dx NULL)");
    CHECK(act_prelu_forward(0, 2, 2, a, s, b) == ACT_OK && b[0] == 0, "rows == 0 is not a no-op");
}

/* y, dx and dslope of one layout at the current ISA cap, into out (3n + channels floats). */
static void run_layout(const struct layout *l, size_t index, float *out)
{
    size_t n = l->rows * l->channels * l->inner, ch = l->channels;
    float *x = malloc((2 * n + ch) * sizeof *x), *dy = x + n, *slope = dy + n;
    struct tu_rng r;
    tu_rng_init(&r, 6000 + index);
    fill(&r, x, dy, n, slope, ch);
    /* Magnitudes over 2^+-40, so that the double sums round and their order shows. */
    for (size_t i = 0; i < n; i++) {
        x[i] = ldexpf(x[i], (int)(tu_rng_next(&r) % 81) - 40);
        dy[i] = ldexpf(dy[i], (int)(tu_rng_next(&r) % 81) - 40);
    }
    act_prelu_forward(l->rows, ch, l->inner, x, slope, out);
    act_prelu_backward(l->rows, ch, l->inner, x, slope, dy, out + n, out + 2 * n);
    free(x);
}

/* dslope's documented order (simd/prelu-impl.h) on data where the order decides the sum: -2^60,
 * then 1, then 2^60. Within a segment, at positions 0, 1 and 32: lanes 0 and 1, so the 1 survives
 * (a sum in sequence would absorb it into -2^60). Over rows (inner == 1): in sequence, so it does
 * not. */
static void check_order(const char *isa)
{
    float x[64], dy[64], dx[64], slope = 0.25f, ds = -1;
    for (size_t i = 0; i < 64; i++)
        x[i] = dy[i] = 1.0f;
    x[0] = -0x1p30f, dy[0] = 0x1p30f;
    x[1] = -1.0f, dy[1] = -1.0f;
    x[32] = -0x1p30f, dy[32] = -0x1p30f;
    act_prelu_backward(1, 1, 64, x, &slope, dy, dx, &ds);
    CHECK(ds == 1.0f, "%s: dslope of -2^60, 1, 2^60 in lanes 0, 1, 0 is %a, not 1", isa, ds);
    float xr[3] = {-0x1p30f, -1.0f, -0x1p30f}, dyr[3] = {0x1p30f, -1.0f, -0x1p30f};
    act_prelu_backward(3, 1, 1, xr, &slope, dyr, dx, &ds);
    CHECK(ds == 0.0f, "%s: dslope of -2^60, 1, 2^60 over rows is %a, not 0", isa, ds);
}

static const char *const isas[] = {"scalar", "sse2", "avx2", "avx512", "neon"};

/* Every ISA gives the scalar set's bits: y, dx and dslope. */
static void check_isas_agree(void)
{
    for (size_t li = 0; li < N_LAYOUTS; li++) {
        const struct layout *l = &layouts[li];
        size_t n = l->rows * l->channels * l->inner, m = 2 * n + l->channels;
        float *ref = malloc(m * sizeof *ref), *got = malloc(m * sizeof *got);
        act_set_max_isa("scalar");
        run_layout(l, li, ref);
        for (size_t k = 1; k < sizeof isas / sizeof isas[0]; k++) {
            act_set_max_isa(isas[k]);
            if (strcmp(act_isa(), isas[k]))
                continue;
            run_layout(l, li, got);
            CHECK(count_diff(got, ref, n) == 0 && count_diff(got + n, ref + n, n) == 0 &&
                      count_diff(got + 2 * n, ref + 2 * n, l->channels) == 0,
                  "%s: %s differs from scalar (y %zu, dx %zu, dslope %zu)", l->name, isas[k], count_diff(got, ref, n),
                  count_diff(got + n, ref + n, n), count_diff(got + 2 * n, ref + 2 * n, l->channels));
        }
        free(ref);
        free(got);
    }
}

int main(void)
{
    size_t ran = 0;
    for (size_t k = 0; k < sizeof isas / sizeof isas[0]; k++) {
        if (act_set_max_isa(isas[k]) != ACT_OK || strcmp(act_isa(), isas[k]))
            continue; /* this CPU lacks it */
        ran++;
        for (size_t i = 0; i < N_LAYOUTS; i++)
            check_layout(&layouts[i], i);
        check_matches_act_forward();
        check_order(isas[k]);
    }
    printf("layouts checked on %zu ISAs\n", ran);
    check_isas_agree();
    act_set_max_isa("neon"); /* the last name: no cap */
    check_sizes();
    return harness_finish();
}
