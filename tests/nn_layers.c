/*
 * Engine layers: each primitive against a naive loop; central finite differences (in
 * double, on the float model) for the gradients of every layer kind and many activations,
 * PReLU slopes included; optimizers against their formulas; spec parsing; safetensors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlab/nn.h"
#include "harness.h"
#include "internal.h"

static struct nn_rng g_rng;

static float frand(double lo, double hi)
{
    return (float)(lo + (hi - lo) * nn_rng_uniform(&g_rng));
}

static float *rand_buf(size_t n, double lo, double hi)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = frand(lo, hi);
    return p;
}

/* max |a-b| / (1 + |b|) over n values */
static double max_err(const float *a, const double *b, size_t n)
{
    double e = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]) / (1.0 + fabs(b[i]));
        if (!(d <= e))
            e = d;
    }
    return e;
}

/* ---- dense vs naive ---- */

static void test_dense(void)
{
    size_t n = 7, in = 13, out = 5;
    float *x = rand_buf(n * in, -1, 1), *w = rand_buf(out * in, -1, 1), *b = rand_buf(out, -1, 1);
    float *y = calloc(n * out, 4), *dy = rand_buf(n * out, -1, 1), *dx = calloc(n * in, 4);
    float *dw = calloc(out * in, 4), *db = calloc(out, 4);
    double *ry = calloc(n * out, 8), *rdx = calloc(n * in, 8), *rdw = calloc(out * in, 8), *rdb = calloc(out, 8);
    CHECK(nn_dense_forward(n, in, out, x, w, b, y) == NN_OK, "dense forward status");
    CHECK(nn_dense_backward(n, in, out, x, w, dy, dx, dw, db) == NN_OK, "dense backward status");
    for (size_t r = 0; r < n; r++)
        for (size_t o = 0; o < out; o++) {
            double s = b[o];
            for (size_t i = 0; i < in; i++) {
                s += (double)x[r * in + i] * w[o * in + i];
                rdx[r * in + i] += (double)dy[r * out + o] * w[o * in + i];
                rdw[o * in + i] += (double)dy[r * out + o] * x[r * in + i];
            }
            ry[r * out + o] = s;
            rdb[o] += dy[r * out + o];
        }
    CHECK(max_err(y, ry, n * out) < 1e-5, "dense y vs naive: %g", max_err(y, ry, n * out));
    CHECK(max_err(dx, rdx, n * in) < 1e-5, "dense dx vs naive");
    CHECK(max_err(dw, rdw, out * in) < 1e-5, "dense dw vs naive");
    CHECK(max_err(db, rdb, out) < 1e-5, "dense db vs naive");
    CHECK(nn_dense_forward(n, 0, out, x, w, b, y) == NN_ERR_INVALID_ARG, "dense in=0 rejected");
    CHECK(nn_dense_forward(n, in, out, NULL, w, b, y) == NN_ERR_INVALID_ARG, "dense NULL rejected");
    free(x), free(w), free(b), free(y), free(dy), free(dx), free(dw), free(db);
    free(ry), free(rdx), free(rdw), free(rdb);
}

/* ---- conv2d vs naive ---- */

static void conv_case(size_t n, size_t ic, size_t h, size_t wd, size_t oc, size_t kh, size_t kw, size_t stride,
                      size_t pad)
{
    struct nn_conv2d d = {ic, h, wd, oc, kh, kw, stride, pad};
    size_t oh = nn_conv2d_out_h(&d), ow = nn_conv2d_out_w(&d), k = ic * kh * kw;
    size_t xs = n * ic * h * wd, ys = n * oc * oh * ow;
    float *x = rand_buf(xs, -1, 1), *w = rand_buf(oc * k, -1, 1), *b = rand_buf(oc, -1, 1);
    float *y = calloc(ys, 4), *dy = rand_buf(ys, -1, 1), *dx = calloc(xs, 4), *dw = calloc(oc * k, 4);
    float *db = calloc(oc, 4), *ws = malloc(nn_conv2d_workspace(&d, n) * 4);
    double *ry = calloc(ys, 8), *rdx = calloc(xs, 8), *rdw = calloc(oc * k, 8), *rdb = calloc(oc, 8);
    CHECK(nn_conv2d_forward(&d, n, x, w, b, y, ws) == NN_OK, "conv forward status");
    CHECK(nn_conv2d_backward(&d, n, x, w, dy, dx, dw, db, ws) == NN_OK, "conv backward status");
    for (size_t s = 0; s < n; s++)
        for (size_t o = 0; o < oc; o++)
            for (size_t oy = 0; oy < oh; oy++)
                for (size_t ox = 0; ox < ow; ox++) {
                    size_t yi = ((s * oc + o) * oh + oy) * ow + ox;
                    double acc = b[o];
                    for (size_t c = 0; c < ic; c++)
                        for (size_t i = 0; i < kh; i++)
                            for (size_t j = 0; j < kw; j++) {
                                long yy = (long)(oy * stride + i) - (long)pad, xx = (long)(ox * stride + j) - (long)pad;
                                if (yy < 0 || xx < 0 || yy >= (long)h || xx >= (long)wd)
                                    continue;
                                size_t xi = ((s * ic + c) * h + (size_t)yy) * wd + (size_t)xx;
                                size_t wi = ((o * ic + c) * kh + i) * kw + j;
                                acc += (double)x[xi] * w[wi];
                                rdx[xi] += (double)dy[yi] * w[wi];
                                rdw[wi] += (double)dy[yi] * x[xi];
                            }
                    ry[yi] = acc;
                    rdb[o] += dy[yi];
                }
    double ey = max_err(y, ry, ys), ex = max_err(dx, rdx, xs), ew = max_err(dw, rdw, oc * k), eb = max_err(db, rdb, oc);
    CHECK(ey < 1e-5 && ex < 1e-5 && ew < 1e-4 && eb < 1e-4,
          "conv n=%zu c=%zu %zux%zu oc=%zu k=%zux%zu s=%zu p=%zu vs naive: y %g dx %g dw %g db %g", n, ic, h, wd, oc,
          kh, kw, stride, pad, ey, ex, ew, eb);
    free(x), free(w), free(b), free(y), free(dy), free(dx), free(dw), free(db), free(ws);
    free(ry), free(rdx), free(rdw), free(rdb);
}

static void test_conv(void)
{
    conv_case(3, 2, 7, 6, 4, 3, 3, 1, 1);
    conv_case(2, 3, 9, 9, 2, 3, 2, 2, 0);
    conv_case(2, 1, 5, 5, 3, 5, 5, 1, 2);
    conv_case(1, 2, 4, 4, 2, 1, 1, 1, 0);
    conv_case(4, 2, 6, 6, 3, 3, 3, 1, 1);
    conv_case(2, 2, 7, 8, 3, 3, 4, 3, 2);
    conv_case(2, 1, 5, 5, 2, 5, 5, 2, 2);
    conv_case(1, 1, 3, 3, 1, 3, 3, 1, 3); /* rows and columns entirely in the padding */
    conv_case(5, 3, 8, 8, 4, 3, 3, 1, 2); /* stride 1, pad = k - 1 */
    conv_case(3, 2, 6, 6, 2, 3, 3, 1, 0); /* stride 1, no padding */
    conv_case(2, 3, 6, 9, 2, 2, 5, 2, 1);
    conv_case(30, 8, 28, 28, 3, 5, 5, 1, 2); /* several im2col chunks */
    struct nn_conv2d bad = {1, 3, 3, 1, 5, 5, 1, 0};
    CHECK(nn_conv2d_out_h(&bad) == 0, "conv kernel larger than input gives 0 rows");
}

/* ---- bias gradients over many terms ---- */

/* Largest |a - b| in units of b's float ulp (b rounded to float first). */
static double max_ulps(const float *a, const double *b, size_t n)
{
    double e = 0.0;
    for (size_t i = 0; i < n; i++) {
        float r = (float)b[i];
        double ulp = (double)nextafterf(fabsf(r), INFINITY) - fabsf(r);
        double d = fabs((double)a[i] - b[i]) / ulp;
        if (!(d <= e))
            e = d;
    }
    return e;
}

/* db sums 10^5 terms per conv channel (a batch of 128 28x28 maps) and 8192 per dense unit: a float
   running sum loses ~1e-5 of such a total, PyTorch's pairwise float sum ~1e-7; the double sum is
   the exact sum to within 1 float ulp. */
static void test_bias_sums(void)
{
    struct nn_conv2d d = {1, 28, 28, 2, 5, 5, 1, 2};
    size_t n = 128, p = 28 * 28, xs = n * 28 * 28, ys = n * 2 * p;
    float *x = rand_buf(xs, -1, 1), *w = rand_buf(2 * 25, -1, 1), *dy = rand_buf(ys, -1, 1.002);
    float *dw = calloc(2 * 25, 4), *db = calloc(2, 4), *ws = malloc(nn_conv2d_workspace(&d, n) * 4);
    double rdb[2] = {0};
    for (size_t s = 0; s < n; s++)
        for (size_t o = 0; o < 2; o++)
            for (size_t q = 0; q < p; q++)
                rdb[o] += dy[(s * 2 + o) * p + q];
    CHECK(nn_conv2d_backward(&d, n, x, w, dy, NULL, dw, db, ws) == NN_OK, "conv backward status");
    CHECK(max_ulps(db, rdb, 2) <= 1.0, "conv db of 100352 terms within 1 ulp of the exact sum: %g ulp",
          max_ulps(db, rdb, 2));
    free(x), free(w), free(dy), free(dw), free(db), free(ws);

    size_t rows = 8192, in = 3, out = 70; /* out > one block of columns */
    float *dx_in = rand_buf(rows * in, -1, 1), *dw2 = rand_buf(out * in, -1, 1), *dy2 = rand_buf(rows * out, -1, 1.002);
    float *gw = calloc(out * in, 4), *gb = calloc(out, 4);
    double *rb = calloc(out, 8);
    for (size_t r = 0; r < rows; r++)
        for (size_t o = 0; o < out; o++)
            rb[o] += dy2[r * out + o];
    CHECK(nn_dense_backward(rows, in, out, dx_in, dw2, dy2, NULL, gw, gb) == NN_OK, "dense backward status");
    CHECK(max_ulps(gb, rb, out) <= 1.0, "dense db of 8192 terms within 1 ulp of the exact sum: %g ulp",
          max_ulps(gb, rb, out));
    free(dx_in), free(dw2), free(dy2), free(gw), free(gb), free(rb);
}

/* ---- pools vs naive ---- */

static void test_pools(void)
{
    struct nn_pool2d d = {3, 7, 6, 2, 2};
    size_t n = 4, oh = nn_pool2d_out_h(&d), ow = nn_pool2d_out_w(&d), xs = n * 3 * 7 * 6, ys = n * 3 * oh * ow;
    CHECK(oh == 3 && ow == 3, "pool output 3x3 (floor)");
    float *x = rand_buf(xs, -1, 1), *y = calloc(ys, 4), *dy = rand_buf(ys, -1, 1), *dx = calloc(xs, 4);
    uint32_t *am = calloc(ys, 4);
    double *ry = calloc(ys, 8), *rdx = calloc(xs, 8), *ay = calloc(ys, 8), *adx = calloc(xs, 8);
    CHECK(nn_maxpool2d_forward(&d, n, x, y, am) == NN_OK, "maxpool forward");
    for (size_t nc = 0; nc < n * 3; nc++)
        for (size_t oy = 0; oy < oh; oy++)
            for (size_t ox = 0; ox < ow; ox++) {
                size_t yi = (nc * oh + oy) * ow + ox, best = 0;
                double m = -INFINITY, s = 0;
                for (size_t i = 0; i < 2; i++)
                    for (size_t j = 0; j < 2; j++) {
                        size_t xi = (nc * 7 + oy * 2 + i) * 6 + ox * 2 + j;
                        s += x[xi];
                        if (x[xi] > m)
                            m = x[xi], best = xi;
                    }
                ry[yi] = m;
                rdx[best] += dy[yi];
                ay[yi] = s / 4;
                for (size_t i = 0; i < 2; i++)
                    for (size_t j = 0; j < 2; j++)
                        adx[(nc * 7 + oy * 2 + i) * 6 + ox * 2 + j] += dy[yi] / 4;
            }
    CHECK(max_err(y, ry, ys) == 0, "maxpool y vs naive");
    CHECK(nn_maxpool2d_backward(&d, n, dy, am, dx) == NN_OK && max_err(dx, rdx, xs) == 0, "maxpool dx vs naive");
    CHECK(nn_avgpool2d_forward(&d, n, x, y) == NN_OK && max_err(y, ay, ys) < 1e-6, "avgpool y vs naive");
    CHECK(nn_avgpool2d_backward(&d, n, dy, dx) == NN_OK && max_err(dx, adx, xs) < 1e-6, "avgpool dx vs naive");
    free(x), free(y), free(dy), free(dx), free(am), free(ry), free(rdx), free(ay), free(adx);
}

/* Max-pool ties and NaN against PyTorch's rule (scan the window row by row; a value wins if it is
   greater, or NaN when the best so far is not; so the first maximum and the first NaN win), for
   the 2x2/2 fast path and the general loop (3x3/2, 2x2/1). Values from {-1, 0, 1} and ~5% NaN:
   most windows have ties. */
static void test_pool_ties(void)
{
    static const struct nn_pool2d ds[3] = {{2, 8, 6, 2, 2}, {2, 9, 7, 3, 2}, {2, 5, 6, 2, 1}};
    uint32_t seed = 7;
    for (int t = 0; t < 3; t++) {
        const struct nn_pool2d *d = &ds[t];
        size_t n = 3, oh = nn_pool2d_out_h(d), ow = nn_pool2d_out_w(d), hw = d->h * d->w;
        size_t xs = n * d->c * hw, ys = n * d->c * oh * ow;
        float *x = malloc(xs * 4), *y = malloc(ys * 4);
        uint32_t *am = malloc(ys * 4);
        for (size_t i = 0; i < xs; i++) {
            seed = seed * 1664525u + 1013904223u;
            x[i] = (seed >> 24) < 13 ? NAN : (float)((int)((seed >> 8) % 3) - 1);
        }
        CHECK(nn_maxpool2d_forward(d, n, x, y, am) == NN_OK, "maxpool forward (ties)");
        size_t bad = 0;
        for (size_t nc = 0; nc < n * d->c; nc++)
            for (size_t oy = 0; oy < oh; oy++)
                for (size_t ox = 0; ox < ow; ox++) {
                    size_t first = oy * d->stride * d->w + ox * d->stride, best = first;
                    float m = x[nc * hw + first];
                    for (size_t i = 0; i < d->k; i++)
                        for (size_t j = 0; j < d->k; j++) {
                            size_t idx = (oy * d->stride + i) * d->w + ox * d->stride + j;
                            float v = x[nc * hw + idx];
                            if (v > m || (isnan(v) && !isnan(m)))
                                m = v, best = idx;
                        }
                    size_t q = (nc * oh + oy) * ow + ox;
                    float got = y[q];
                    int same = isnan(m) ? isnan(got) : got == m;
                    bad += !same || am[q] != (uint32_t)((nc % d->c) * hw + best);
                }
        CHECK(bad == 0, "maxpool %zux%zu/%zu: %zu windows pick another element than PyTorch's rule", d->k, d->k,
              d->stride, bad);
        free(x), free(y), free(am);
    }
}

/* ---- softmax cross-entropy vs naive ---- */

static void test_xent(void)
{
    size_t n = 5, c = 4, right;
    float *z = rand_buf(n * c, -3, 3), *dz = calloc(n * c, 4);
    uint8_t lab[5] = {0, 3, 2, 1, 3};
    double loss, ref = 0;
    double *rdz = calloc(n * c, 8);
    CHECK(nn_softmax_xent(n, c, z, lab, &loss, &right, dz) == NN_OK, "xent status");
    for (size_t r = 0; r < n; r++) {
        double s = 0;
        for (size_t k = 0; k < c; k++)
            s += exp(z[r * c + k]);
        ref += log(s) - z[r * c + lab[r]];
        for (size_t k = 0; k < c; k++)
            rdz[r * c + k] = (exp(z[r * c + k]) / s - (k == lab[r])) / (double)n;
    }
    CHECK(fabs(loss - ref / (double)n) < 1e-9, "xent loss vs naive");
    CHECK(max_err(dz, rdz, n * c) < 1e-7, "xent dlogits vs naive");
    uint8_t badlab[5] = {0, 9, 0, 0, 0};
    CHECK(nn_softmax_xent(n, c, z, badlab, &loss, NULL, NULL) == NN_ERR_INVALID_ARG, "label out of range rejected");
    free(z), free(dz), free(rdz);
}

/* ---- model-level finite differences ---- */

/* Distance of the last forward pass to the nearest kink: pre-activations near an op's kink
 * points and max-pool windows whose two largest values nearly tie. A finite difference that
 * steps over a kink measures a mix of two slopes, so cases are drawn until it is clear. */
static double kink_margin(const struct nn_model *m, size_t n)
{
    double margin = INFINITY;
    for (size_t i = 0; i < m->nlayers; i++) {
        const struct nn_layer *l = &m->layers[i];
        const float *x = m->act[i]; /* (n, in_shape) */
        size_t cnt = n * nn_shape_size(l->in_shape);
        if (l->kind == NN_LAYER_ACT) {
            float k[2];
            int nk = 0;
            switch (l->act.op) {
            case ACT_OP_RELU: case ACT_OP_LEAKY_RELU: case ACT_OP_PRELU: case ACT_OP_RRELU: case ACT_OP_ELU:
            case ACT_OP_CELU: case ACT_OP_SELU:
                k[nk++] = 0.0f;
                break;
            case ACT_OP_RELU6: k[nk++] = 0.0f; k[nk++] = 6.0f; break;
            case ACT_OP_HARDSWISH: case ACT_OP_HARDSIGMOID: k[nk++] = -3.0f; k[nk++] = 3.0f; break;
            case ACT_OP_HARDTANH: k[nk++] = l->act.min_val; k[nk++] = l->act.max_val; break;
            case ACT_OP_THRESHOLD: k[nk++] = l->act.threshold; break;
            default: break;
            }
            for (size_t j = 0; j < cnt; j++)
                for (int t = 0; t < nk; t++)
                    if (fabs(x[j] - k[t]) < margin)
                        margin = fabs(x[j] - k[t]);
        }
        if (l->kind == NN_LAYER_MAXPOOL2D) {
            struct nn_shape s = l->in_shape, o = l->out_shape;
            for (size_t nc = 0; nc < n * s.c; nc++)
                for (size_t oy = 0; oy < o.h; oy++)
                    for (size_t ox = 0; ox < o.w; ox++) {
                        double a = -INFINITY, b = -INFINITY;
                        for (size_t u = 0; u < l->kh; u++)
                            for (size_t v = 0; v < l->kh; v++) {
                                double z = x[(nc * s.h + oy * l->stride + u) * s.w + ox * l->stride + v];
                                if (z > a)
                                    b = a, a = z;
                                else if (z > b)
                                    b = z;
                            }
                        /* Tied zeros (rectified outputs) move only across the rectifier's own
                         * kink, which the activation's margin covers. */
                        if (a - b < margin && !(a == 0.0 && b == 0.0))
                            margin = a - b;
                    }
        }
    }
    return margin;
}

/* Loss of m on (x, y) in the mode the gradient was taken in (training, rng re-seeded). */
static double model_loss(struct nn_model *m, size_t n, const float *x, const uint8_t *y, int training)
{
    struct nn_rng r;
    nn_rng_seed(&r, 99);
    const float *logits;
    double loss = NAN;
    if (nn_model_forward(m, n, x, training, &r, NULL, &logits) == NN_OK)
        nn_softmax_xent(n, m->opts.classes, logits, y, &loss, NULL, NULL);
    return loss;
}

/* Check every (or up to 40 sampled) parameter gradient of the model from spec with activation act. */
static void fd_case(const char *spec, const char *act, int prelu_shared, struct nn_shape in, int training)
{
    struct nn_model m;
    struct nn_model_opts o = {in, 3, {0}, prelu_shared, 2, 0};
    char err[256];
    if (!CHECK(act_parse(act, &o.act) == ACT_OK, "parse %s", act))
        return;
    if (!CHECK(nn_model_init(&m, spec, &o, err, sizeof err) == NN_OK, "init %s: %s", spec, err))
        return;
    struct nn_rng r;
    nn_rng_seed(&r, 7);
    nn_model_init_weights(&m, NN_INIT_XAVIER_UNIFORM, &r);
    for (size_t i = 0; i < m.nlayers; i++) /* slopes away from 0.25 so their gradient matters */
        if (m.layers[i].kind == NN_LAYER_ACT && m.layers[i].act.op == ACT_OP_PRELU)
            for (size_t j = 0; j < m.layers[i].n_w; j++)
                m.params[m.layers[i].w_off + j] = frand(0.05, 0.5);
    for (size_t j = 0; j < m.n_params; j++) /* biases too */
        m.params[j] += frand(-0.1, 0.1);
    size_t n = 2, isz = nn_shape_size(in);
    float *x = NULL;
    uint8_t y[4] = {0, 2, 1, 2};
    float *dl = calloc(n * 3, 4);
    const float *logits;
    struct nn_rng fr;
    double loss, margin = 0;
    int fwd_ok = 1;
    for (int tries = 0; tries < 500 && margin < 3e-2; tries++) {
        free(x);
        x = rand_buf(n * isz, -2, 2);
        nn_rng_seed(&fr, 99);
        fwd_ok &= nn_model_forward(&m, n, x, training, &fr, NULL, &logits) == NN_OK;
        margin = kink_margin(&m, n);
    }
    CHECK(fwd_ok, "forward %s", spec);
    if (margin < 3e-2)
        harness_skip(1, "fd %s act %s: no input clear of kinks found", spec, act);
    nn_softmax_xent(n, 3, logits, y, &loss, NULL, dl);
    /* A training forward is needed before backward; redo it in training mode with the same rng. */
    nn_rng_seed(&fr, 99);
    nn_model_forward(&m, n, x, 1, &fr, NULL, &logits);
    CHECK(nn_model_backward(&m, n, dl) == NN_OK, "backward %s", spec);
    float *g = malloc(m.n_params * 4);
    memcpy(g, m.grads, m.n_params * 4);
    size_t step = m.n_params > 60 ? m.n_params / 60 : 1, bad = 0, checked = 0, kinks = 0;
    double worst = 0;
    for (size_t j = 0; j < m.n_params; j += step) {
        float p0 = m.params[j];
        double num[2];
        for (int t = 0; t < 2; t++) {
            double h = (t ? 5e-3 : 1e-2) * (fabs(p0) > 0.1 ? fabs(p0) : 0.1);
            m.params[j] = (float)(p0 + h);
            double hp = (double)m.params[j] - p0, lp = model_loss(&m, n, x, y, training);
            m.params[j] = (float)(p0 - h);
            double hm = p0 - (double)m.params[j], lm = model_loss(&m, n, x, y, training);
            m.params[j] = p0;
            num[t] = (lp - lm) / (hp + hm);
        }
        /* Two step sizes that disagree mean a kink (relu at 0, a max-pool tie) inside the step:
         * the finite difference says nothing there, so the parameter is skipped. */
        if (fabs(num[0] - num[1]) > 0.05 * fabs(num[0]) + 2e-4) {
            kinks++;
            continue;
        }
        double e = fabs(num[1] - g[j]) / (1e-2 + fabs(num[1]));
        if (e > worst)
            worst = e;
        bad += e > 5e-2;
        if (getenv("NN_FD_VERBOSE") && e > 5e-2)
            printf("  param %zu: numeric %.6g analytic %.6g\n", j, num[1], (double)g[j]);
        checked++;
    }
    CHECK(bad == 0 && kinks <= checked / 10, "fd %s act %s%s: %zu/%zu gradients off (%zu at kinks), worst rel err %.3g",
          spec, act, prelu_shared ? " (shared)" : "", bad, checked, kinks, worst);
    if (getenv("NN_FD_VERBOSE"))
        printf("fd %s act %s: %zu checked, %zu at kinks, worst %.3g\n", spec, act, checked, kinks, worst);
    free(x), free(dl), free(g);
    nn_model_free(&m);
}

static void test_fd(void)
{
    struct nn_shape img = {2, 5, 5}, flat = {5, 1, 1};
    const char *acts[] = {"relu", "leaky_relu:slope=0.1", "prelu", "elu", "sigmoid", "tanh", "selu", "celu",
                          "gelu", "gelu_tanh", "silu", "mish", "softplus", "softsign", "hardswish", "relu6",
                          "identity"};
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++) {
        fd_case("dense:6;act;dense:3", acts[a], 0, flat, 0);
        fd_case("conv:3,k=3,pad=1;act;maxpool:2;flatten;dense:4;act;dense:3", acts[a], 0, img, 0);
    }
    fd_case("dense:6;act;dense:3", "prelu", 1, flat, 0);
    fd_case("conv:3,k=3,pad=1;act;avgpool:2;flatten;dense:3", "prelu", 1, img, 0);
    fd_case("conv:3,k=3,pad=1;act;avgpool:2;flatten;dense:3", "prelu", 0, img, 0);
    fd_case("conv:4,kh=3,kw=2,stride=2;act;conv:3,k=2;act;flatten;dense:3", "tanh", 0, img, 0);
    fd_case("dense:8;act;dropout:0.3;dense:3", "tanh", 0, flat, 1);
    fd_case("dense:8;act;dense:3", "rrelu", 0, flat, 1);
    fd_case("avgpool:2,stride=1;conv:2,k=2;act;maxpool:2,stride=1;dense:3", "elu", 0, img, 0);
}

/* ---- optimizers against their formulas ---- */

static void test_optim(void)
{
    struct nn_model m;
    struct nn_model_opts o = {{3, 1, 1}, 2, {0}, 0, 1, 0};
    act_parse("prelu", &o.act);
    CHECK(nn_model_init(&m, "dense:2;act", &o, NULL, 0) == NN_OK, "optim model");
    /* params: 6 weights, 2 biases, 2 slopes (no decay) */
    CHECK(m.n_params == 10, "param count %zu", m.n_params);
    for (int kind = 0; kind < 4; kind++) {
        struct nn_optim opt;
        nn_optim_init(&opt, kind == 3 ? NN_OPTIM_ADAM : NN_OPTIM_SGD);
        opt.momentum = kind == 0 ? 0 : 0.9;
        opt.nesterov = kind == 2;
        opt.weight_decay = 0.01;
        double p[10], b1[10] = {0}, b2[10] = {0};
        for (size_t j = 0; j < 10; j++)
            p[j] = m.params[j] = frand(-1, 1);
        memset(m.opt_state, 0, 20 * 4);
        double maxe = 0;
        for (int t = 1; t <= 3; t++) {
            for (size_t j = 0; j < 10; j++)
                m.grads[j] = frand(-1, 1);
            nn_optim_step(&opt, &m, 0.1);
            for (size_t j = 0; j < 10; j++) {
                double g = m.grads[j] + (j < 8 ? 0.01 * p[j] : 0.0);
                if (kind == 3) {
                    b1[j] = 0.9 * b1[j] + 0.1 * g;
                    b2[j] = 0.999 * b2[j] + 0.001 * g * g;
                    double mh = b1[j] / (1 - pow(0.9, t)), vh = b2[j] / (1 - pow(0.999, t));
                    p[j] -= 0.1 * mh / (sqrt(vh) + 1e-8);
                } else {
                    if (kind > 0) {
                        b1[j] = t == 1 ? g : 0.9 * b1[j] + g;
                        g = kind == 2 ? g + 0.9 * b1[j] : b1[j];
                    }
                    p[j] -= 0.1 * g;
                }
                double e = fabs(p[j] - m.params[j]);
                maxe = e > maxe ? e : maxe;
            }
        }
        CHECK(maxe < 1e-5, "optimizer %d vs formula: %g", kind, maxe);
    }
    nn_model_free(&m);
    /* A finite gradient that overflows a weight: the step is made and says so, whichever thread's
     * range holds the weight (the model is large enough to be split over threads). */
    o.input = (struct nn_shape){784, 1, 1};
    CHECK(nn_model_init(&m, "dense:300;act;dense:2", &o, NULL, 0) == NN_OK, "large optim model");
    for (int threads = 1; threads <= 3; threads++) {
        nn_set_threads(threads);
        for (size_t at = 0; at < m.n_params; at += m.n_params / 3) {
            struct nn_optim opt;
            nn_optim_init(&opt, NN_OPTIM_SGD);
            memset(m.grads, 0, m.n_params * sizeof *m.grads);
            memset(m.opt_state, 0, m.n_params * sizeof *m.opt_state);
            m.params[at] = 0.5f;
            CHECK(nn_optim_step(&opt, &m, 10.0) == NN_OK, "a finite step is ok");
            m.grads[at] = 3e38f;
            enum nn_status st = nn_optim_step(&opt, &m, 10.0);
            CHECK(st == NN_ERR_DIVERGED && isinf(m.params[at]),
                  "a weight overflowed at %zu of %zu, %d threads: status %d, weight %g", at, m.n_params, threads, st,
                  (double)m.params[at]);
            m.params[at] = 0.5f;
        }
        /* A NaN or inf gradient anywhere (the first, a middle, the last value): the checked step
         * updates nothing, whichever thread's range holds it. */
        for (size_t at = 0; at < m.n_params; at += (m.n_params - 1) / 2) {
            struct nn_optim opt;
            nn_optim_init(&opt, NN_OPTIM_SGD);
            for (size_t i = 0; i < m.n_params; i++)
                m.grads[i] = 0.25f;
            CHECK(nn_optim_step(&opt, &m, 0.1) == NN_OK, "a first step");
            float *before = malloc(3 * m.n_params * sizeof *before);
            memcpy(before, m.params, m.n_params * sizeof *before);
            memcpy(before + m.n_params, m.opt_state, 2 * m.n_params * sizeof *before);
            m.grads[at] = at % 2 ? NAN : -INFINITY;
            int bad = 0;
            uint64_t step = opt.step;
            CHECK(nn_optim_step_checked(&opt, &m, 0.1, &bad) == NN_OK && bad && opt.step == step &&
                      !memcmp(before, m.params, m.n_params * sizeof *before) &&
                      !memcmp(before + m.n_params, m.opt_state, 2 * m.n_params * sizeof *before),
                  "a bad gradient at %zu, %d threads: flagged and nothing updated", at, threads);
            m.grads[at] = 0.25f;
            CHECK(nn_optim_step_checked(&opt, &m, 0.1, &bad) == NN_OK && !bad && opt.step == step + 1 &&
                      memcmp(before, m.params, m.n_params * sizeof *before),
                  "finite gradients, %d threads: the checked step updates", threads);
            free(before);
            if (at == m.n_params - 1)
                break;
        }
    }
    nn_set_threads(1);
    nn_model_free(&m);
    struct nn_sched s;
    CHECK(nn_sched_parse("step:every=2,gamma=0.5", 10, &s) == NN_OK && fabs(nn_sched_lr(&s, 1, 5) - 0.25) < 1e-12,
          "step schedule");
    CHECK(nn_sched_parse("cosine", 10, &s) == NN_OK && fabs(nn_sched_lr(&s, 1, 5) - 0.5) < 1e-12, "cosine");
    CHECK(nn_sched_parse("cosine:x", 10, &s) == NN_ERR_INVALID_ARG, "bad schedule rejected");
    CHECK(nn_sched_parse("step:every=0", 10, &s) == NN_ERR_INVALID_ARG, "bad step rejected");
}

/* ---- specs, presets, init ---- */

static void test_specs(void)
{
    struct nn_model m;
    struct nn_model_opts o = {{1, 28, 28}, 10, {0}, 0, 2, 0};
    act_parse("relu", &o.act);
    char err[256];
    static const struct {
        const char *spec;
        size_t params;
    } ok[] = {
        {"mlp", 784 * 256 + 256 + 256 * 256 + 256 + 2570},
        {"cnn", 832 + 51264 + 3136 * 256 + 256 + 2570},
        {"lenet5", 156 + 2416 + 400 * 120 + 120 + 120 * 84 + 84 + 850},
        {"deep-mlp:depth=3,width=32", 784 * 32 + 32 + 2 * (32 * 32 + 32) + 330},
        {"deep-mlp", 784 * 128 + 128 + 7 * (128 * 128 + 128) + 1290},
        {"dense:10", 7850},
        {"conv:4,k=3;tanh;maxpool:2;dense:10", 40 + 4 * 13 * 13 * 10 + 10},
        {"flatten;dense:16;act:leaky_relu:slope=0.2;dropout:0.5;dense:10", 784 * 16 + 16 + 170},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        enum nn_status st = nn_model_init(&m, ok[i].spec, &o, err, sizeof err);
        CHECK(st == NN_OK && m.n_params == ok[i].params, "spec %s: %s %zu params (want %zu) %s", ok[i].spec,
              nn_status_str(st), st == NN_OK ? m.n_params : 0, ok[i].params, err);
        if (st == NN_OK)
            nn_model_free(&m);
    }
    const char *bad[] = {"", "mlpx", "dense", "dense:0", "dense:-3", "conv:4,k=40;flatten;dense:10", "dense:9",
                         "maxpool", "dropout:1.5", "flatten:3", "deep-mlp:depth=0", "foo:1", "conv:3,q=1",
                         "dense:10;act:nosuch"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum nn_status st = nn_model_init(&m, bad[i], &o, err, sizeof err);
        CHECK(st != NN_OK, "bad spec '%s' accepted", bad[i]);
        CHECK(st == NN_OK || err[0], "bad spec '%s' has a message", bad[i]);
        if (st == NN_OK)
            nn_model_free(&m);
    }
    /* Initializer statistics: he_normal std sqrt(2/fan_in), auto bound gain*sqrt(3/fan_in). */
    CHECK(nn_model_init(&m, "flatten;dense:256;act;dense:10", &o, err, sizeof err) == NN_OK, "init model");
    struct nn_rng r;
    nn_rng_seed(&r, 3);
    enum nn_init inits[] = {NN_INIT_HE_NORMAL, NN_INIT_AUTO, NN_INIT_XAVIER_UNIFORM, NN_INIT_LECUN_NORMAL};
    double want[] = {sqrt(2.0 / 784), sqrt(2.0) * sqrt(3.0 / 784) / sqrt(3.0), sqrt(6.0 / (784 + 256)) / sqrt(3.0),
                     sqrt(1.0 / 784)};
    for (int k = 0; k < 4; k++) {
        nn_model_init_weights(&m, inits[k], &r);
        const struct nn_layer *l = &m.layers[1];
        double s2 = 0;
        for (size_t j = 0; j < l->n_w; j++)
            s2 += (double)m.params[l->w_off + j] * m.params[l->w_off + j];
        double sd = sqrt(s2 / (double)l->n_w);
        CHECK(fabs(sd / want[k] - 1) < 0.02, "init %d std %g want %g", k, sd, want[k]);
    }
    nn_model_free(&m);
    enum nn_init in;
    CHECK(nn_init_parse("he_uniform", &in) == NN_OK && in == NN_INIT_HE_UNIFORM, "init parse");
    CHECK(nn_init_parse("nope", &in) == NN_ERR_INVALID_ARG, "bad init rejected");
    struct act_desc d;
    act_parse("tanh", &d);
    CHECK(fabs(nn_act_gain(&d) - 5.0 / 3) < 1e-12, "tanh gain");
    act_parse("leaky_relu:slope=0.2", &d);
    CHECK(fabs(nn_act_gain(&d) - sqrt(2 / 1.04)) < 1e-6, "leaky gain");
    act_parse("selu", &d);
    CHECK(nn_act_gain(&d) == 0.75, "selu gain");
}

/* ---- safetensors round trip ---- */

static void test_safetensors(void)
{
    struct nn_model a, b;
    struct nn_model_opts o = {{1, 8, 8}, 4, {0}, 0, 2, 0};
    act_parse("prelu", &o.act);
    const char *spec = "conv:3,k=3;act;flatten;dense:4";
    CHECK(nn_model_init(&a, spec, &o, NULL, 0) == NN_OK && nn_model_init(&b, spec, &o, NULL, 0) == NN_OK, "models");
    struct nn_rng r;
    nn_rng_seed(&r, 5);
    nn_model_init_weights(&a, NN_INIT_HE_UNIFORM, &r);
    for (size_t j = 0; j < 2 * a.n_params; j++)
        a.opt_state[j] = frand(-1, 1);
    struct nn_meta md = {0}, back;
    nn_meta_set(&md, "model", spec);
    nn_meta_set(&md, "note", "quote \" and backslash \\");
    const char *path = "nn_layers_test.safetensors";
    CHECK(nn_safetensors_save(path, &a, &md, 1) == NN_OK, "save");
    CHECK(nn_safetensors_read_meta(path, &back) == NN_OK && back.n == 3 &&
              !strcmp(nn_meta_get(&back, "note"), "quote \" and backslash \\") &&
              nn_meta_get(&back, "crc32") && strlen(nn_meta_get(&back, "crc32")) == 8,
          "metadata round trip (plus the data's crc32)");
    CHECK(nn_safetensors_load(path, &b, 1) == NN_OK, "load");
    CHECK(!memcmp(a.params, b.params, a.n_params * 4) && !memcmp(a.opt_state, b.opt_state, 2 * a.n_params * 4),
          "tensors round trip bit-exact");
    /* File layout: 8-byte length, JSON header (padded to 8), F32 data. */
    FILE *f = fopen(path, "rb");
    unsigned char h8[8];
    char hdr[4096] = {0};
    uint64_t hl = 0;
    CHECK(f && fread(h8, 1, 8, f) == 8, "read header length");
    for (int i = 0; i < 8; i++)
        hl |= (uint64_t)h8[i] << (8 * i);
    CHECK(hl % 8 == 0 && hl < sizeof hdr && fread(hdr, 1, hl, f) == hl, "header padded to 8");
    CHECK(strstr(hdr, "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[3,1,3,3]") != NULL, "conv weight named 0.weight (3,1,3,3)");
    CHECK(strstr(hdr, "\"1.weight\":{\"dtype\":\"F32\",\"shape\":[3]") != NULL, "prelu weight named 1.weight (3)");
    CHECK(strstr(hdr, "\"3.weight\":{\"dtype\":\"F32\",\"shape\":[4,108]") != NULL, "dense weight named 3.weight (4,108)");
    fclose(f);
    struct nn_model c;
    CHECK(nn_model_init(&c, "conv:4,k=3;act;flatten;dense:4", &o, NULL, 0) == NN_OK, "other model");
    CHECK(nn_safetensors_load(path, &c, 0) == NN_ERR_SHAPE, "shape mismatch detected");
    nn_model_free(&c);
    CHECK(nn_safetensors_load("does-not-exist.safetensors", &b, 0) == NN_ERR_IO, "missing file: io error");
    f = fopen(path, "wb");
    fputs("garbage!", f);
    fclose(f);
    CHECK(nn_safetensors_read_meta(path, &back) != NN_OK, "garbage rejected");
    remove(path);
    nn_model_free(&a);
    nn_model_free(&b);
}

/* ---- statistics: sparsity and dead units ---- */

static void test_stats(void)
{
    struct nn_model m;
    struct nn_model_opts o = {{2, 1, 1}, 2, {0}, 0, 8, 0};
    act_parse("relu", &o.act);
    CHECK(nn_model_init(&m, "dense:3;act;dense:2", &o, NULL, 0) == NN_OK, "stats model");
    /* unit 0 = x0, unit 1 = -|big| (dead), unit 2 = x1 */
    float w[] = {1, 0, 0, 0, 0, 1}, b[] = {0, -100, 0};
    memcpy(m.params + m.layers[0].w_off, w, sizeof w);
    memcpy(m.params + m.layers[0].b_off, b, sizeof b);
    struct nn_act_stats st[1];
    CHECK(nn_act_stats_init(&m, st) == NN_OK && st[0].units == 3, "stats init");
    float x[] = {1, -1, -2, 3, 4, 5, -1, -1}; /* 4 samples */
    const float *lg;
    CHECK(nn_model_forward(&m, 4, x, 0, NULL, st, &lg) == NN_OK, "forward with stats");
    CHECK(st[0].st.count == 12 && st[0].st.zeros == 4 + 2 + 2, "zeros counted: %llu",
          (unsigned long long)st[0].st.zeros);
    CHECK(!st[0].alive[1] && st[0].alive[0] && st[0].alive[2], "dead unit found");
    CHECK(fabs(st[0].st.sum - (1 + 4 + 3 + 5)) < 1e-9, "sum of activations");
    nn_act_stats_free(&m, st);
    nn_model_free(&m);
}

int main(void)
{
    nn_rng_seed(&g_rng, 12345);
    nn_set_threads(1);
    test_dense();
    for (int t = 1; t <= 3; t++) { /* 2 and 3 threads: several slots, weight gradients summed */
        nn_set_threads(t);
        test_conv();
    }
    nn_set_threads(1);
    test_bias_sums();
    test_pools();
    test_pool_ties();
    test_xent();
    test_fd();
    test_optim();
    test_specs();
    test_safetensors();
    test_stats();
    return harness_finish();
}
