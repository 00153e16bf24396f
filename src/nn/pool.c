/* Max and average pooling over k x k windows with a stride, no padding (NCHW). */
#include <string.h>

#include "internal.h"

size_t nn_pool2d_out_h(const struct nn_pool2d *d)
{
    return (d->stride && d->k && d->h >= d->k) ? (d->h - d->k) / d->stride + 1 : 0;
}

size_t nn_pool2d_out_w(const struct nn_pool2d *d)
{
    return (d->stride && d->k && d->w >= d->k) ? (d->w - d->k) / d->stride + 1 : 0;
}

static int pool_valid(const struct nn_pool2d *d)
{
    return d && d->c && nn_pool2d_out_h(d) && nn_pool2d_out_w(d);
}

/* What the parallel loops over (sample, channel) planes share. */
struct pool_job {
    const struct nn_pool2d *d;
    const float *x;      /* (n, c, h, w) */
    float *y;            /* (n, c, oh, ow) */
    uint32_t *argmax;    /* (n, c, oh, ow) */
    const float *dy;     /* (n, c, oh, ow) */
    float *dx;           /* (n, c, h, w) */
};

static size_t pool_grain(const struct nn_pool2d *d)
{
    size_t hw = d->h * d->w;
    return hw >= NN_GRAIN ? 1 : NN_GRAIN / hw;
}

static void maxpool_planes(void *ctx, size_t p0, size_t p1)
{
    const struct pool_job *jb = ctx;
    const struct nn_pool2d *d = jb->d;
    size_t oh = nn_pool2d_out_h(d), ow = nn_pool2d_out_w(d), hw = d->h * d->w;
    const float *x = jb->x;
    float *y = jb->y;
    uint32_t *argmax = jb->argmax;
    for (size_t nc = p0; nc < p1; nc++) {
        const float *xp = x + nc * hw;
        float *yp = y + nc * oh * ow;
        uint32_t *ap = argmax + nc * oh * ow;
        uint32_t base = (uint32_t)((nc % d->c) * hw);
        if (d->k == 2 && d->stride == 2) {
            /* The common 2x2 window, without branches (the comparisons are coin flips); the same
               rule and order as the general loop below. */
            for (size_t oy = 0; oy < oh; oy++) {
                const float *r0 = xp + 2 * oy * d->w, *r1 = r0 + d->w;
                uint32_t row = base + (uint32_t)(2 * oy * d->w);
                for (size_t ox = 0; ox < ow; ox++) {
                    float m = r0[2 * ox], v;
                    uint32_t b = row + (uint32_t)(2 * ox);
                    int t;
                    v = r0[2 * ox + 1], t = v > m || (v != v && m == m), m = t ? v : m, b = t ? b + 1 : b;
                    v = r1[2 * ox], t = v > m || (v != v && m == m), m = t ? v : m;
                    b = t ? row + (uint32_t)(d->w + 2 * ox) : b;
                    v = r1[2 * ox + 1], t = v > m || (v != v && m == m), m = t ? v : m;
                    b = t ? row + (uint32_t)(d->w + 2 * ox + 1) : b;
                    yp[oy * ow + ox] = m;
                    ap[oy * ow + ox] = b;
                }
            }
            continue;
        }
        for (size_t oy = 0; oy < oh; oy++)
            for (size_t ox = 0; ox < ow; ox++) {
                size_t best = oy * d->stride * d->w + ox * d->stride;
                float m = xp[best];
                /* The first maximum wins, and the first NaN over everything (as PyTorch). */
                for (size_t i = 0; i < d->k; i++)
                    for (size_t j = 0; j < d->k; j++) {
                        size_t idx = (oy * d->stride + i) * d->w + ox * d->stride + j;
                        float v = xp[idx];
                        if (v > m || (v != v && m == m)) {
                            m = v;
                            best = idx;
                        }
                    }
                yp[oy * ow + ox] = m;
                ap[oy * ow + ox] = base + (uint32_t)best;
            }
    }
}

enum nn_status nn_maxpool2d_forward(const struct nn_pool2d *d, size_t n, const float *x, float *y, uint32_t *argmax)
{
    if (!pool_valid(d) || !x || !y || !argmax)
        return NN_ERR_INVALID_ARG;
    struct pool_job j = {d, x, y, argmax, NULL, NULL};
    nn_parallel_for(n * d->c, pool_grain(d), maxpool_planes, &j);
    return NN_OK;
}

/* Samples [s0, s1): argmax indices are within a sample, so samples are independent. */
static void maxpool_back_samples(void *ctx, size_t s0, size_t s1)
{
    const struct pool_job *j = ctx;
    const struct nn_pool2d *d = j->d;
    size_t osz = d->c * nn_pool2d_out_h(d) * nn_pool2d_out_w(d), isz = d->c * d->h * d->w;
    memset(j->dx + s0 * isz, 0, (s1 - s0) * isz * sizeof(float));
    for (size_t s = s0; s < s1; s++)
        for (size_t q = 0; q < osz; q++)
            j->dx[s * isz + j->argmax[s * osz + q]] += j->dy[s * osz + q];
}

enum nn_status nn_maxpool2d_backward(const struct nn_pool2d *d, size_t n, const float *dy, const uint32_t *argmax,
                                     float *dx)
{
    if (!pool_valid(d) || !dy || !argmax || !dx)
        return NN_ERR_INVALID_ARG;
    struct pool_job j = {d, NULL, NULL, (uint32_t *)argmax, dy, dx};
    size_t isz = d->c * d->h * d->w;
    nn_parallel_for(n, isz >= NN_GRAIN ? 1 : NN_GRAIN / isz, maxpool_back_samples, &j);
    return NN_OK;
}

enum nn_status nn_avgpool2d_forward(const struct nn_pool2d *d, size_t n, const float *x, float *y)
{
    if (!pool_valid(d) || !x || !y)
        return NN_ERR_INVALID_ARG;
    size_t oh = nn_pool2d_out_h(d), ow = nn_pool2d_out_w(d), hw = d->h * d->w;
    float inv = 1.0f / (float)(d->k * d->k);
    for (size_t nc = 0; nc < n * d->c; nc++) {
        const float *xp = x + nc * hw;
        float *yp = y + nc * oh * ow;
        for (size_t oy = 0; oy < oh; oy++)
            for (size_t ox = 0; ox < ow; ox++) {
                float acc = 0.0f;
                for (size_t i = 0; i < d->k; i++)
                    for (size_t j = 0; j < d->k; j++)
                        acc += xp[(oy * d->stride + i) * d->w + ox * d->stride + j];
                yp[oy * ow + ox] = acc * inv;
            }
    }
    return NN_OK;
}

enum nn_status nn_avgpool2d_backward(const struct nn_pool2d *d, size_t n, const float *dy, float *dx)
{
    if (!pool_valid(d) || !dy || !dx)
        return NN_ERR_INVALID_ARG;
    size_t oh = nn_pool2d_out_h(d), ow = nn_pool2d_out_w(d), hw = d->h * d->w;
    float inv = 1.0f / (float)(d->k * d->k);
    memset(dx, 0, n * d->c * hw * sizeof *dx);
    for (size_t nc = 0; nc < n * d->c; nc++) {
        float *xp = dx + nc * hw;
        const float *yp = dy + nc * oh * ow;
        for (size_t oy = 0; oy < oh; oy++)
            for (size_t ox = 0; ox < ow; ox++) {
                float g = yp[oy * ow + ox] * inv;
                for (size_t i = 0; i < d->k; i++)
                    for (size_t j = 0; j < d->k; j++)
                        xp[(oy * d->stride + i) * d->w + ox * d->stride + j] += g;
            }
    }
    return NN_OK;
}
