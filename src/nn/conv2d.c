/*
 * Conv2d as PyTorch's nn.Conv2d (cross-correlation, zero padding, square stride), by im2col
 * and one sgemm per sample. The batch is split into "slots", one per engine thread (at most
 * as many as the workspace holds); a slot works through its samples a group at a time: the
 * im2col of a group is sized to stay in the core's L2 cache, the GEMMs read it from there and
 * write straight into y (already the (out_c, P) layout per sample, bias filled first, so no
 * scatter and no zeroing pass), and backward's dcol, col2im and weight gradient stay there too.
 * Each slot sums its own weight gradient; the slots' sums are added in slot order at the end.
 * The split depends only on the shapes, n and the thread count.
 */
#include <string.h>

#include "internal.h"

/* Floats of im2col columns per group we aim for (512 KiB: half of a Zen 4 core's L2). */
#define CONV_GROUP_FLOATS ((size_t)1 << 17)
/* Most slots a workspace holds, and the floats it may take beyond one slot (64 MiB). */
#define CONV_MAX_SLOTS 16
#define CONV_WS_BUDGET ((size_t)1 << 24)

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

/* Samples per im2col group for a batch of n. */
static size_t conv_group(const struct nn_conv2d *d, size_t n)
{
    size_t per = conv_k(d) * nn_conv2d_out_h(d) * nn_conv2d_out_w(d);
    size_t g = per ? CONV_GROUP_FLOATS / per : 1;
    if (g < 1)
        g = 1;
    return g < n ? g : (n ? n : 1);
}

/* Floats of one slot: the im2col of a group, then a weight gradient (out_c, K). */
static size_t conv_slot(const struct nn_conv2d *d, size_t n)
{
    return conv_group(d, n) * conv_k(d) * nn_conv2d_out_h(d) * nn_conv2d_out_w(d) + d->out_c * conv_k(d);
}

/* Slots the workspace holds: up to CONV_MAX_SLOTS, as the budget allows, at least one. */
static size_t conv_max_slots(const struct nn_conv2d *d, size_t n)
{
    size_t per = conv_slot(d, n), s = per ? CONV_WS_BUDGET / per : 1;
    if (s > CONV_MAX_SLOTS)
        s = CONV_MAX_SLOTS;
    return s ? s : 1;
}

size_t nn_conv2d_workspace(const struct nn_conv2d *d, size_t n)
{
    return conv_max_slots(d, n) * conv_slot(d, n);
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

/* Grain of the per-sample and per-row loops, in units of their items. */
static size_t conv_grain(size_t items_work)
{
    return items_work >= NN_GRAIN ? 1 : (NN_GRAIN + items_work - 1) / (items_work ? items_work : 1);
}

/* What one pass (forward or backward) over the slots shares. */
struct conv_pass {
    const struct nn_conv2d *d;
    size_t n, slots;
    const float *x, *w, *b, *dy;  /* x (n, in_c, ih, iw), w (out_c, K), b (out_c), dy (n, out_c, P) */
    float *y, *dx, *ws;           /* y, dy's shapes; dx like x (may be NULL); ws the workspace */
};

/* Slot j's samples [*b, *e) and its workspace (the group's im2col, then its weight gradient). */
static float *slot_span(const struct conv_pass *cp, size_t j, size_t *b, size_t *e)
{
    *b = cp->n * j / cp->slots;
    *e = cp->n * (j + 1) / cp->slots;
    return cp->ws + j * conv_slot(cp->d, cp->n);
}

/* im2col of the group of samples from s0 (at most g, not beyond e) into col (K, s*P); returns s. */
static size_t group_im2col(const struct conv_pass *cp, float *col, size_t s0, size_t e, size_t g)
{
    const struct nn_conv2d *d = cp->d;
    size_t s = e - s0 < g ? e - s0 : g;
    struct conv_job jb = {d, s, cp->x + s0 * d->in_c * d->in_h * d->in_w, NULL, col, NULL, NULL, NULL};
    im2col_rows(&jb, 0, conv_k(d));
    return s;
}

/* Forward of the samples of slots [j0, j1). */
static void forward_slots(void *ctx, size_t j0, size_t j1)
{
    const struct conv_pass *cp = ctx;
    const struct nn_conv2d *d = cp->d;
    size_t k = conv_k(d), p = nn_conv2d_out_h(d) * nn_conv2d_out_w(d), g = conv_group(d, cp->n);
    size_t osz = d->out_c * p;
    for (size_t j = j0; j < j1; j++) {
        size_t b, e;
        float *col = slot_span(cp, j, &b, &e); /* (K, g*P) */
        for (size_t s0 = b; s0 < e; s0 += g) {
            size_t s = group_im2col(cp, col, s0, e, g);
            for (size_t i = 0; i < s; i++) {
                float *y = cp->y + (s0 + i) * osz; /* (out_c, P) */
                for (size_t o = 0; o < d->out_c; o++)
                    for (size_t q = 0; q < p; q++)
                        y[o * p + q] = cp->b[o];
                /* y (out_c, P) += w (out_c, K) col_i (K, P) */
                nn_gemm1(0, 0, d->out_c, p, k, 1.0f, cp->w, k, col + i * p, s * p, 1.0f, y, p);
            }
        }
    }
}

/* Slots for a batch of n: one per engine thread, as many as the workspace holds, <= n. */
static size_t conv_slots(const struct nn_conv2d *d, size_t n)
{
    size_t s = (size_t)nn_threads(), cap = conv_max_slots(d, n);
    if (s > cap)
        s = cap;
    return s < n ? s : (n ? n : 1);
}

enum nn_status nn_conv2d_forward(const struct nn_conv2d *d, size_t n, const float *x, const float *w,
                                 const float *b, float *y, float *ws)
{
    if (!conv_valid(d) || !x || !w || !b || !y || !ws)
        return NN_ERR_INVALID_ARG;
    struct conv_pass cp = {d, n, conv_slots(d, n), x, w, b, NULL, y, NULL, ws};
    nn_parallel_for(cp.slots, 1, forward_slots, &cp);
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

/* Backward of the samples of slots [j0, j1): the slot's weight gradient, and dx. */
static void backward_slots(void *ctx, size_t j0, size_t j1)
{
    const struct conv_pass *cp = ctx;
    const struct nn_conv2d *d = cp->d;
    size_t k = conv_k(d), p = nn_conv2d_out_h(d) * nn_conv2d_out_w(d), g = conv_group(d, cp->n);
    size_t isz = d->in_c * d->in_h * d->in_w, osz = d->out_c * p;
    for (size_t j = j0; j < j1; j++) {
        size_t b, e;
        float *col = slot_span(cp, j, &b, &e); /* (K, g*P) */
        float *dw = col + g * k * p;          /* (out_c, K) */
        for (size_t s0 = b; s0 < e; s0 += g) {
            size_t s = group_im2col(cp, col, s0, e, g);
            /* dw (out_c, K) (+)= dy_i (out_c, P) col_i^T (P, K); the slot's first sample overwrites */
            for (size_t i = 0; i < s; i++)
                nn_gemm1(0, 1, d->out_c, k, p, 1.0f, cp->dy + (s0 + i) * osz, p, col + i * p, s * p,
                         s0 + i == b ? 0.0f : 1.0f, dw, k);
            if (!cp->dx)
                continue;
            for (size_t i = 0; i < s; i++) {
                /* dcol (K, P) = w^T (K, out_c) dy_i (out_c, P), over the group's columns (used) */
                nn_gemm1(1, 0, k, p, d->out_c, 1.0f, cp->w, k, cp->dy + (s0 + i) * osz, p, 0.0f, col, p);
                struct conv_job cj = {d, 1, NULL, cp->dx + (s0 + i) * isz, col, NULL, NULL, NULL};
                col2im_channels(&cj, 0, d->in_c);
            }
        }
    }
}

/* dw[r] = the slots' weight gradients at r, added in slot order. */
static void sum_slots(void *ctx, size_t r0, size_t r1)
{
    const struct conv_pass *cp = ctx;
    size_t k = conv_k(cp->d), slot = conv_slot(cp->d, cp->n), off = slot - cp->d->out_c * k;
    for (size_t r = r0; r < r1; r++) {
        float acc = cp->ws[off + r];
        for (size_t j = 1; j < cp->slots; j++)
            acc += cp->ws[j * slot + off + r];
        cp->y[r] = acc;
    }
}

enum nn_status nn_conv2d_backward(const struct nn_conv2d *d, size_t n, const float *x, const float *w,
                                  const float *dy, float *dx, float *dw, float *db, float *ws)
{
    if (!conv_valid(d) || !x || !w || !dy || !dw || !db || !ws)
        return NN_ERR_INVALID_ARG;
    size_t p = nn_conv2d_out_h(d) * nn_conv2d_out_w(d);
    struct db_job dj = {dy, n, d->out_c, p, db};
    nn_parallel_for(d->out_c, conv_grain(n * p), db_rows, &dj);
    struct conv_pass cp = {d, n, conv_slots(d, n), x, w, NULL, dy, dw, dx, ws};
    nn_parallel_for(cp.slots, 1, backward_slots, &cp);
    nn_parallel_for(d->out_c * conv_k(d), NN_GRAIN, sum_slots, &cp); /* into cp.y = dw */
    return NN_OK;
}
