/*
 * act_prelu_forward / act_prelu_backward against naive loops, over NCHW-like, NHWC-like,
 * shared-slope and odd layouts: y and dx bit for bit; dslope within 1 ULP of the exactly
 * summed (long double) channel sum; NaN poisons only its channel; dslope is overwritten,
 * not accumulated; in place; dx == NULL; size overflow; repeatability.
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
};

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

int main(void)
{
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
        check_layout(&layouts[i], i);
    check_matches_act_forward();
    check_sizes();
    return harness_finish();
}
