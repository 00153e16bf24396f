/*
 * Conv2d as PyTorch's nn.Conv2d (cross-correlation, zero padding, square stride):
 * im2col of a chunk of samples, then one sgemm per chunk. The chunk size depends
 * only on the shapes and n, so results do not depend on anything else.
 */
#include <string.h>

#include "internal.h"

/* Floats of im2col columns per chunk we aim for (8 MiB): big GEMMs, cache-friendly. */
#define CONV_CHUNK_FLOATS ((size_t)1 << 21)

size_t nn_conv2d_out_h(const struct nn_conv2d *d)
{
    if (!d->stride || d->in_h + 2 * d->pad < d->kh)
        return 0;
    return (d->in_h + 2 * d->pad - d->kh) / d->stride + 1;
}

size_t nn_conv2d_out_w(const struct nn_conv2d *d)
{
    if (!d->stride || d->in_w + 2 * d->pad < d->kw)
        return 0;
    return (d->in_w + 2 * d->pad - d->kw) / d->stride + 1;
}

static size_t conv_k(const struct nn_conv2d *d)
{
    return d->in_c * d->kh * d->kw;
}

/* Samples per chunk for a batch of n. */
static size_t conv_chunk(const struct nn_conv2d *d, size_t n)
{
    size_t per = conv_k(d) * nn_conv2d_out_h(d) * nn_conv2d_out_w(d);
    size_t s = per ? CONV_CHUNK_FLOATS / per : 1;
    if (s < 1)
        s = 1;
    return s < n ? s : (n ? n : 1);
}

size_t nn_conv2d_workspace(const struct nn_conv2d *d, size_t n)
{
    size_t p = nn_conv2d_out_h(d) * nn_conv2d_out_w(d);
    return conv_chunk(d, n) * p * (conv_k(d) + d->out_c);
}

static int conv_valid(const struct nn_conv2d *d)
{
    return d && d->in_c && d->out_c && d->kh && d->kw && d->stride && nn_conv2d_out_h(d) && nn_conv2d_out_w(d);
}

/* What the parallel loops of one chunk share. */
struct conv_job {
    const struct nn_conv2d *d;
    size_t s;           /* samples in the chunk */
    const float *x;     /* (s, in_c, in_h, in_w) */
    float *dx;          /* (s, in_c, in_h, in_w) */
    float *col;         /* (K, s*P) */
    float *y;           /* (s, out_c, P) */
    const float *dy;    /* (s, out_c, P) */
    const float *b;     /* (out_c) */
};

/* The output columns ox in [*lo, *hi) whose input column ox*stride + j - pad lies inside [0, w). */
static void valid_cols(const struct nn_conv2d *d, size_t j, size_t ow, size_t *lo, size_t *hi)
{
    size_t a = 0, b = ow;
    if (j < d->pad)
        a = (d->pad - j + d->stride - 1) / d->stride; /* first ox with ox*stride + j >= pad */
    /* last valid: ox*stride + j - pad <= w - 1 */
    if (d->in_w + d->pad < j + 1)
        b = 0;
    else if ((d->in_w + d->pad - j - 1) / d->stride + 1 < b)
        b = (d->in_w + d->pad - j - 1) / d->stride + 1;
    *lo = a < b ? a : b;
    *hi = b;
}

/* Rows [r0, r1) of col (K, s*P) from x: row (c*kh + i)*kw + j holds x shifted by (i, j). */
static void im2col_rows(void *ctx, size_t r0, size_t r1)
{
    const struct conv_job *jb = ctx;
    const struct nn_conv2d *d = jb->d;
    size_t oh = nn_conv2d_out_h(d), ow = nn_conv2d_out_w(d), p = oh * ow, ld = jb->s * p;
    size_t ih = d->in_h, iw = d->in_w, isz = d->in_c * ih * iw, st = d->stride;
    for (size_t r = r0; r < r1; r++) {
        size_t c = r / (d->kh * d->kw), i = r / d->kw % d->kh, j = r % d->kw, lo, hi;
        valid_cols(d, j, ow, &lo, &hi);
        float *row = jb->col + r * ld;
        for (size_t smp = 0; smp < jb->s; smp++) {
            const float *xc = jb->x + smp * isz + c * ih * iw;
            float *rr = row + smp * p;
            for (size_t oy = 0; oy < oh; oy++) {
                ptrdiff_t y = (ptrdiff_t)(oy * st + i) - (ptrdiff_t)d->pad;
                float *ro = rr + oy * ow;
                if (y < 0 || y >= (ptrdiff_t)ih) {
                    memset(ro, 0, ow * sizeof *ro);
                    continue;
                }
                const float *xrow = xc + (size_t)y * iw; /* (iw) */
                for (size_t ox = 0; ox < lo; ox++)
                    ro[ox] = 0.0f;
                if (lo < hi) {
                    size_t x0 = lo * st + j - d->pad; /* input column under output column lo */
                    if (st == 1)
                        memcpy(ro + lo, xrow + x0, (hi - lo) * sizeof *ro);
                    else
                        for (size_t ox = lo, xx = x0; ox < hi; ox++, xx += st)
                            ro[ox] = xrow[xx];
                }
                for (size_t ox = hi; ox < ow; ox++)
                    ro[ox] = 0.0f;
            }
        }
    }
}

/* Input channels [c0, c1) of dx (s, in_c, in_h, in_w) = col2im of dcol (K, s*P), in jb->col. */
static void col2im_channels(void *ctx, size_t c0, size_t c1)
{
    const struct conv_job *jb = ctx;
    const struct nn_conv2d *d = jb->d;
    size_t oh = nn_conv2d_out_h(d), ow = nn_conv2d_out_w(d), p = oh * ow, ld = jb->s * p;
    size_t ih = d->in_h, iw = d->in_w, isz = d->in_c * ih * iw, st = d->stride;
    for (size_t c = c0; c < c1; c++) {
        for (size_t smp = 0; smp < jb->s; smp++)
            memset(jb->dx + smp * isz + c * ih * iw, 0, ih * iw * sizeof(float));
        for (size_t i = 0; i < d->kh; i++)
            for (size_t j = 0; j < d->kw; j++) {
                size_t lo, hi;
                valid_cols(d, j, ow, &lo, &hi);
                const float *row = jb->col + ((c * d->kh + i) * d->kw + j) * ld;
                for (size_t smp = 0; smp < jb->s; smp++) {
                    float *xc = jb->dx + smp * isz + c * ih * iw;
                    const float *r = row + smp * p;
                    for (size_t oy = 0; oy < oh; oy++) {
                        ptrdiff_t y = (ptrdiff_t)(oy * st + i) - (ptrdiff_t)d->pad;
                        if (y < 0 || y >= (ptrdiff_t)ih || lo == hi)
                            continue;
                        float *xrow = xc + (size_t)y * iw; /* (iw) */
                        const float *ro = r + oy * ow;
                        for (size_t ox = lo, xx = lo * st + j - d->pad; ox < hi; ox++, xx += st)
                            xrow[xx] += ro[ox];
                    }
                }
            }
    }
}

/* Samples [s0, s1): y (s, out_c, P) = GEMM result (out_c, s*P) in jb->col + bias. */
static void scatter_samples(void *ctx, size_t s0, size_t s1)
{
    const struct conv_job *jb = ctx;
    size_t p = nn_conv2d_out_h(jb->d) * nn_conv2d_out_w(jb->d), ld = jb->s * p, oc = jb->d->out_c;
    for (size_t smp = s0; smp < s1; smp++)
        for (size_t o = 0; o < oc; o++) {
            float *yo = jb->y + (smp * oc + o) * p;
            const float *t = jb->col + o * ld + smp * p;
            for (size_t q = 0; q < p; q++)
                yo[q] = t[q] + jb->b[o];
        }
}

/* Samples [s0, s1): gather dy (s, out_c, P) into the channel-major (out_c, s*P) in jb->col. */
static void gather_samples(void *ctx, size_t s0, size_t s1)
{
    const struct conv_job *jb = ctx;
    size_t p = nn_conv2d_out_h(jb->d) * nn_conv2d_out_w(jb->d), ld = jb->s * p, oc = jb->d->out_c;
    for (size_t smp = s0; smp < s1; smp++)
        for (size_t o = 0; o < oc; o++)
            memcpy(jb->col + o * ld + smp * p, jb->dy + (smp * oc + o) * p, p * sizeof(float));
}

/* Grain of the per-sample and per-row loops, in units of their items. */
static size_t conv_grain(size_t items_work)
{
    return items_work >= NN_GRAIN ? 1 : (NN_GRAIN + items_work - 1) / (items_work ? items_work : 1);
}

enum nn_status nn_conv2d_forward(const struct nn_conv2d *d, size_t n, const float *x, const float *w,
                                 const float *b, float *y, float *ws)
{
    if (!conv_valid(d) || !x || !w || !b || !y || !ws)
        return NN_ERR_INVALID_ARG;
    size_t k = conv_k(d), p = nn_conv2d_out_h(d) * nn_conv2d_out_w(d), chunk = conv_chunk(d, n);
    size_t isz = d->in_c * d->in_h * d->in_w, osz = d->out_c * p;
    for (size_t s0 = 0; s0 < n; s0 += chunk) {
        size_t s = n - s0 < chunk ? n - s0 : chunk, ld = s * p;
        float *col = ws;           /* (K, s*P) */
        float *tmp = ws + k * ld;  /* (out_c, s*P) */
        struct conv_job jb = {d, s, x + s0 * isz, NULL, col, y + s0 * osz, NULL, b};
        nn_parallel_for(k, conv_grain(ld), im2col_rows, &jb);
        /* tmp (out_c, s*P) = w (out_c, K) col (K, s*P) */
        nn_gemm(0, 0, d->out_c, ld, k, 1.0f, w, k, col, ld, 0.0f, tmp, ld);
        jb.col = tmp;
        nn_parallel_for(s, conv_grain(osz), scatter_samples, &jb);
    }
    return NN_OK;
}

/* Output channels [o0, o1) of db: sums of dy (n, out_c, P) over samples and positions, in that
   order, in double (over 10^5 terms a float running sum keeps only about 4 digits of a small total). */
struct db_job {
    const float *dy;    /* (n, out_c, P) */
    size_t n, oc, p;
    float *db;          /* (out_c) */
};
static void db_rows(void *ctx, size_t o0, size_t o1)
{
    const struct db_job *jb = ctx;
    for (size_t o = o0; o < o1; o++) {
        /* four interleaved partial sums (positions q mod 4): a fixed order, 4x the throughput of
           one dependent chain of double adds */
        double acc[4] = {0.0, 0.0, 0.0, 0.0};
        for (size_t smp = 0; smp < jb->n; smp++) {
            const float *r = jb->dy + (smp * jb->oc + o) * jb->p; /* (P) */
            size_t q = 0;
            for (; q + 4 <= jb->p; q += 4)
                for (int j = 0; j < 4; j++)
                    acc[j] += r[q + (size_t)j];
            for (; q < jb->p; q++)
                acc[q % 4] += r[q];
        }
        jb->db[o] = (float)((acc[0] + acc[1]) + (acc[2] + acc[3]));
    }
}

enum nn_status nn_conv2d_backward(const struct nn_conv2d *d, size_t n, const float *x, const float *w,
                                  const float *dy, float *dx, float *dw, float *db, float *ws)
{
    if (!conv_valid(d) || !x || !w || !dy || !dw || !db || !ws)
        return NN_ERR_INVALID_ARG;
    size_t k = conv_k(d), p = nn_conv2d_out_h(d) * nn_conv2d_out_w(d), chunk = conv_chunk(d, n);
    size_t isz = d->in_c * d->in_h * d->in_w, osz = d->out_c * p;
    struct db_job dj = {dy, n, d->out_c, p, db};
    nn_parallel_for(d->out_c, conv_grain(n * p), db_rows, &dj);
    for (size_t s0 = 0; s0 < n; s0 += chunk) {
        size_t s = n - s0 < chunk ? n - s0 : chunk, ld = s * p;
        float *col = ws;           /* (K, s*P) */
        float *dyt = ws + k * ld;  /* (out_c, s*P): dy of the chunk, channel-major */
        struct conv_job jb = {d, s, x + s0 * isz, dx ? dx + s0 * isz : NULL, dyt, NULL, dy + s0 * osz, NULL};
        nn_parallel_for(s, conv_grain(osz), gather_samples, &jb);
        jb.col = col;
        nn_parallel_for(k, conv_grain(ld), im2col_rows, &jb);
        /* dw (out_c, K) (+)= dyt (out_c, s*P) col^T (s*P, K); the first chunk overwrites */
        nn_gemm(0, 1, d->out_c, k, ld, 1.0f, dyt, ld, col, ld, s0 == 0 ? 0.0f : 1.0f, dw, k);
        if (dx) {
            /* dcol (K, s*P) = w^T (K, out_c) dyt (out_c, s*P), into col */
            nn_gemm(1, 0, k, ld, d->out_c, 1.0f, w, k, dyt, ld, 0.0f, col, ld);
            nn_parallel_for(d->in_c, conv_grain(d->kh * d->kw * ld), col2im_channels, &jb);
        }
    }
    return NN_OK;
}
