/* Models: build from a spec, buffers and arenas, forward and backward through the layers. */
#define _POSIX_C_SOURCE 200809L /* sysconf */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spec.h"

static void seterr(char *err, size_t len, const char *msg, size_t i)
{
    if (err && len)
        snprintf(err, len, "layer %zu: %s", i, msg);
}

static struct nn_conv2d conv_desc(const struct nn_layer *l)
{
    struct nn_conv2d d = {l->in_shape.c, l->in_shape.h, l->in_shape.w, l->out, l->kh, l->kw, l->stride, l->pad};
    return d;
}

static struct nn_pool2d pool_desc(const struct nn_layer *l)
{
    struct nn_pool2d d = {l->in_shape.c, l->in_shape.h, l->in_shape.w, l->kh, l->stride};
    return d;
}

/* Fill shapes and parameter offsets of every layer; inserts a flatten before a dense on images. */
static enum nn_status plan(struct nn_model *m, char *err, size_t errlen)
{
    struct nn_shape s = m->opts.input;
    size_t off = 0;
    int k = 0;
    for (size_t i = 0; i < m->nlayers; i++) {
        struct nn_layer *l = &m->layers[i];
        if (l->kind == NN_LAYER_DENSE && (s.h != 1 || s.w != 1)) {
            if (m->nlayers == NN_MAX_LAYERS) {
                seterr(err, errlen, "too many layers", i);
                return NN_ERR_INVALID_ARG;
            }
            memmove(l + 1, l, (m->nlayers - i) * sizeof *l);
            memset(l, 0, sizeof *l);
            l->kind = NN_LAYER_FLATTEN;
            m->nlayers++;
        }
        l->in_shape = s;
        l->w_off = l->b_off = off;
        l->n_w = l->n_b = 0;
        switch (l->kind) {
        case NN_LAYER_DENSE:
            l->out_shape = (struct nn_shape){l->out, 1, 1};
            l->n_w = l->out * s.c;
            l->n_b = l->out;
            l->decay = 1;
            break;
        case NN_LAYER_CONV2D: {
            struct nn_conv2d d = conv_desc(l);
            l->out_shape = (struct nn_shape){l->out, nn_conv2d_out_h(&d), nn_conv2d_out_w(&d)};
            if (!l->out_shape.h || !l->out_shape.w) {
                seterr(err, errlen, "conv kernel larger than its (padded) input", i);
                return NN_ERR_SHAPE;
            }
            l->n_w = l->out * s.c * l->kh * l->kw;
            l->n_b = l->out;
            l->decay = 1;
            break;
        }
        case NN_LAYER_MAXPOOL2D:
        case NN_LAYER_AVGPOOL2D: {
            struct nn_pool2d d = pool_desc(l);
            l->out_shape = (struct nn_shape){s.c, nn_pool2d_out_h(&d), nn_pool2d_out_w(&d)};
            if (!l->out_shape.h || !l->out_shape.w) {
                seterr(err, errlen, "pool window larger than its input", i);
                return NN_ERR_SHAPE;
            }
            break;
        }
        case NN_LAYER_FLATTEN:
            l->out_shape = (struct nn_shape){nn_shape_size(s), 1, 1};
            break;
        case NN_LAYER_DROPOUT:
            l->out_shape = s;
            break;
        case NN_LAYER_ACT:
            l->out_shape = s;
            l->act_index = ++k;
            if (act_desc_check(&l->act) != ACT_OK) {
                seterr(err, errlen, "invalid activation", i);
                return NN_ERR_INVALID_ARG;
            }
            if (l->act.op == ACT_OP_PRELU) {
                l->prelu_shared = m->opts.prelu_shared;
                l->n_w = l->prelu_shared ? 1 : s.c;
                l->decay = 0;
            }
            break;
        }
        l->b_off = off + l->n_w;
        off += l->n_w + l->n_b;
        s = l->out_shape;
    }
    if (s.h != 1 || s.w != 1 || s.c != m->opts.classes) {
        if (err && errlen)
            snprintf(err, errlen, "the model ends in shape (%zu, %zu, %zu), not in %zu class scores", s.c, s.h, s.w,
                     m->opts.classes);
        return NN_ERR_SHAPE;
    }
    m->n_params = off;
    return NN_OK;
}

/* Bytes nn_model_init will allocate for m (planned, not yet allocated), saturating at SIZE_MAX:
 * the arenas and every buffer of the loop below. */
static size_t model_bytes(const struct nn_model *m)
{
    int ok = 1;
    size_t b = m->opts.max_batch, dmax = m->opts.classes, ws = 0;
    size_t floats = nn_mul_sz(4, m->n_params, &ok);
    floats += nn_mul_sz(b, nn_shape_size(m->opts.input), &ok);
    for (size_t i = 0; i < m->nlayers; i++) {
        const struct nn_layer *l = &m->layers[i];
        size_t out = nn_mul_sz(b, nn_shape_size(l->out_shape), &ok), in = nn_shape_size(l->in_shape);
        dmax = in > dmax ? in : dmax;
        floats += (l->kind != NN_LAYER_FLATTEN) * out + (l->kind == NN_LAYER_MAXPOOL2D) * out +
                  (l->kind == NN_LAYER_DROPOUT || (l->kind == NN_LAYER_ACT && l->act.op == ACT_OP_RRELU)) * out;
        if (l->kind == NN_LAYER_CONV2D) {
            struct nn_conv2d d = conv_desc(l);
            size_t w = nn_conv2d_workspace(&d, b);
            ws = w > ws ? w : ws;
        }
    }
    floats += nn_mul_sz(2 * b, dmax, &ok) + ws;
    size_t bytes = nn_mul_sz(floats, sizeof(float), &ok);
    return ok ? bytes : SIZE_MAX;
}

/* The memory this machine has free now, in bytes (SIZE_MAX if unknown): more than that would
 * only end in the kernel's OOM killer. */
static size_t physical_bytes(void)
{
    long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (size_t)pages * (size_t)size : SIZE_MAX;
}

static void *xcalloc(size_t n, size_t size, int *ok)
{
    void *p = n ? calloc(n, size) : NULL;
    if (n && !p)
        *ok = 0;
    return p;
}

void nn_model_free(struct nn_model *m)
{
    if (!m)
        return;
    free(m->params);
    free(m->grads);
    free(m->opt_state);
    for (size_t i = 0; i <= m->nlayers && i <= NN_MAX_LAYERS; i++)
        if (i == 0 || m->layers[i - 1].kind != NN_LAYER_FLATTEN)
            free(m->act[i]);
    for (size_t i = 0; i < m->nlayers; i++) {
        free(m->argmax[i]);
        free(m->noise[i]);
    }
    free(m->dbuf[0]);
    free(m->dbuf[1]);
    free(m->ws);
    memset(m, 0, sizeof *m);
}

enum nn_status nn_model_init(struct nn_model *m, const char *spec, const struct nn_model_opts *o, char *err,
                             size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (!m || !spec || !o || !o->classes || !o->max_batch || !nn_shape_size(o->input) || o->classes > 256)
        return NN_ERR_INVALID_ARG;
    memset(m, 0, sizeof *m);
    m->opts = *o;
    enum nn_status st = nn_spec_parse(spec, o, m->layers, &m->nlayers, err, errlen);
    if (st == NN_OK)
        st = plan(m, err, errlen);
    if (st != NN_OK) {
        memset(m, 0, sizeof *m);
        return st;
    }
    size_t need = model_bytes(m), limit = o->max_bytes ? o->max_bytes : physical_bytes();
    if (need > limit) {
        if (err && errlen)
            snprintf(err, errlen, "the model needs %.3g GiB for batch %zu, more than the %.3g GiB allowed%s",
                     (double)need / (1 << 30), o->max_batch, (double)limit / (1 << 30),
                     o->max_bytes ? " (max_bytes)" : " (the memory free on this machine)");
        memset(m, 0, sizeof *m);
        return NN_ERR_NO_MEMORY;
    }
    int ok = 1;
    size_t b = o->max_batch, dmax = o->classes;
    m->params = xcalloc(m->n_params, sizeof(float), &ok);
    m->grads = xcalloc(m->n_params, sizeof(float), &ok);
    m->opt_state = xcalloc(2 * m->n_params, sizeof(float), &ok);
    m->act[0] = xcalloc(nn_mul_sz(b, nn_shape_size(o->input), &ok), sizeof(float), &ok);
    for (size_t i = 0; i < m->nlayers; i++) {
        struct nn_layer *l = &m->layers[i];
        size_t out = nn_mul_sz(b, nn_shape_size(l->out_shape), &ok), in = nn_shape_size(l->in_shape);
        dmax = in > dmax ? in : dmax;
        if (l->kind == NN_LAYER_FLATTEN)
            m->act[i + 1] = m->act[i];
        else
            m->act[i + 1] = xcalloc(out, sizeof(float), &ok);
        if (l->kind == NN_LAYER_MAXPOOL2D)
            m->argmax[i] = xcalloc(out, sizeof(uint32_t), &ok);
        if (l->kind == NN_LAYER_DROPOUT || (l->kind == NN_LAYER_ACT && l->act.op == ACT_OP_RRELU))
            m->noise[i] = xcalloc(out, sizeof(float), &ok);
        if (l->kind == NN_LAYER_CONV2D) {
            struct nn_conv2d d = conv_desc(l);
            size_t ws = nn_conv2d_workspace(&d, b);
            m->ws_size = ws > m->ws_size ? ws : m->ws_size;
        }
    }
    m->dbuf[0] = xcalloc(nn_mul_sz(b, dmax, &ok), sizeof(float), &ok);
    m->dbuf[1] = xcalloc(nn_mul_sz(b, dmax, &ok), sizeof(float), &ok);
    m->ws = xcalloc(m->ws_size, sizeof(float), &ok);
    if (!ok) {
        nn_model_free(m);
        if (err && errlen)
            snprintf(err, errlen, "out of memory: the model needs %.3g GiB for batch %zu and the allocation failed",
                     (double)need / (1 << 30), o->max_batch);
        return NN_ERR_NO_MEMORY;
    }
    return NN_OK;
}

size_t nn_model_act_count(const struct nn_model *m)
{
    size_t k = 0;
    for (size_t i = 0; i < m->nlayers; i++)
        k += m->layers[i].kind == NN_LAYER_ACT;
    return k;
}

enum nn_status nn_act_stats_init(const struct nn_model *m, struct nn_act_stats *stats)
{
    if (!m || !stats)
        return NN_ERR_INVALID_ARG;
    size_t k = 0;
    for (size_t i = 0; i < m->nlayers; i++) {
        const struct nn_layer *l = &m->layers[i];
        if (l->kind != NN_LAYER_ACT)
            continue;
        memset(&stats[k], 0, sizeof stats[k]);
        stats[k].units = l->out_shape.c;
        stats[k].alive = calloc(stats[k].units, 1);
        if (!stats[k].alive) {
            nn_act_stats_free(m, stats);
            return NN_ERR_NO_MEMORY;
        }
        k++;
    }
    return NN_OK;
}

void nn_act_stats_free(const struct nn_model *m, struct nn_act_stats *stats)
{
    if (!m || !stats)
        return;
    for (size_t k = 0; k < nn_model_act_count(m); k++) {
        free(stats[k].alive);
        stats[k].alive = NULL;
    }
}

double nn_model_act_grad_norm(const struct nn_model *m, size_t k)
{
    const struct nn_layer *w = NULL;
    for (size_t i = 0; i < m->nlayers; i++) {
        const struct nn_layer *l = &m->layers[i];
        if (l->kind == NN_LAYER_DENSE || l->kind == NN_LAYER_CONV2D)
            w = l;
        if (l->kind == NN_LAYER_ACT && (size_t)l->act_index == k) {
            if (!w)
                return 0.0;
            /* Eight running sums, so the adds are not one serial chain. */
            const float *g = m->grads + w->w_off;
            double s[8] = {0};
            size_t j = 0;
            for (; j + 8 <= w->n_w; j += 8)
                for (size_t q = 0; q < 8; q++)
                    s[q] += (double)g[j + q] * g[j + q];
            for (; j < w->n_w; j++)
                s[0] += (double)g[j] * g[j];
            return sqrt(((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])));
        }
    }
    return 0.0;
}

void nn_param_name(size_t layer, int is_bias, char *buf, size_t len)
{
    snprintf(buf, len, "%zu.%s", layer, is_bias ? "bias" : "weight");
}

/* Units whose pre-activation side x <= 0 counts as dead for ops with a negative branch. */
static int dead_by_input(enum act_op op)
{
    return op == ACT_OP_LEAKY_RELU || op == ACT_OP_PRELU || op == ACT_OP_RRELU || op == ACT_OP_ELU ||
           op == ACT_OP_CELU || op == ACT_OP_SELU;
}

/* Statistics of one evaluation batch of activation layer l: x, y are (n, C, H*W). */
static void act_track(const struct nn_layer *l, size_t n, const float *x, const float *y, struct nn_act_stats *s)
{
    size_t c = l->out_shape.c, hw = l->out_shape.h * l->out_shape.w;
    int by_x = dead_by_input(l->act.op);
    for (size_t r = 0; r < n; r++)
        for (size_t u = 0; u < c; u++) {
            if (s->alive[u])
                continue;
            const float *xp = x + (r * c + u) * hw, *yp = y + (r * c + u) * hw;
            for (size_t q = 0; q < hw; q++)
                if (by_x ? xp[q] > 0.0f : yp[q] != 0.0f) {
                    s->alive[u] = 1;
                    break;
                }
        }
}

/* Add the statistics act_forward_stats would for ops it cannot run (per-channel prelu). */
static void stats_add(size_t n, const float *x, const float *y, struct act_stats *st)
{
    st->count += n;
    for (size_t i = 0; i < n; i++) {
        st->zeros += y[i] == 0.0f;
        st->negatives += x[i] < 0.0f;
        if (!isfinite(y[i]))
            st->nonfinite++;
        else {
            st->sum += y[i];
            st->sum_sq += (double)y[i] * y[i];
        }
    }
}

/* Element-wise activation over ranges of a flat buffer, run by nn_parallel_for. */
struct act_job {
    const struct act_desc *d;
    const float *x, *dy;
    float *y;
    int backward;
    enum act_status st[2]; /* first failure seen (all ranges get the same arguments) */
};

static void act_range(void *ctx, size_t b, size_t e)
{
    struct act_job *j = ctx;
    enum act_status s = j->backward ? act_backward(j->d, e - b, j->x + b, j->dy + b, j->y + b)
                                    : act_forward(j->d, e - b, j->x + b, j->y + b);
    if (s != ACT_OK)
        j->st[b != 0] = s;
}

static enum nn_status act_parallel(const struct act_desc *d, size_t cnt, const float *x, const float *dy, float *y)
{
    struct act_job j = {d, x, dy, y, dy != NULL, {ACT_OK, ACT_OK}};
    nn_parallel_for(cnt, NN_GRAIN, act_range, &j);
    return nn_from_act(j.st[0] != ACT_OK ? j.st[0] : j.st[1]);
}

static enum nn_status act_forward_layer(struct nn_model *m, size_t i, size_t n, const float *x, float *y,
                                        int training, struct nn_rng *rng, struct nn_act_stats *s)
{
    const struct nn_layer *l = &m->layers[i];
    size_t cnt = n * nn_shape_size(l->out_shape);
    if (l->act.op == ACT_OP_PRELU) {
        size_t ch = l->prelu_shared ? 1 : l->out_shape.c;
        enum act_status st = act_prelu_forward(n, ch, cnt / (n * ch), x, m->params + l->w_off, y);
        if (st == ACT_OK && s)
            stats_add(cnt, x, y, &s->st);
        return nn_from_act(st);
    }
    if (l->act.op == ACT_OP_RRELU && training) {
        float *a = m->noise[i]; /* (n, out_shape): the slope drawn for each element */
        float lo = l->act.lower, hi = l->act.upper;
        for (size_t j = 0; j < cnt; j++) {
            a[j] = lo + (hi - lo) * (float)nn_rng_uniform(rng);
            y[j] = x[j] > 0.0f ? x[j] : a[j] * x[j];
        }
        return NN_OK;
    }
    if (s)
        return nn_from_act(act_forward_stats(&l->act, cnt, x, y, &s->st));
    return act_parallel(&l->act, cnt, x, NULL, y);
}

enum nn_status nn_model_forward(struct nn_model *m, size_t n, const float *x, int training, struct nn_rng *rng,
                                struct nn_act_stats *stats, const float **logits)
{
    if (!m || !x || !logits || !n || n > m->opts.max_batch || (training && !rng))
        return NN_ERR_INVALID_ARG;
    if (x != m->act[0])
        memcpy(m->act[0], x, n * nn_shape_size(m->opts.input) * sizeof *x);
    for (size_t i = 0; i < m->nlayers; i++) {
        const struct nn_layer *l = &m->layers[i];
        const float *in = m->act[i]; /* (n, in_shape) */
        float *out = m->act[i + 1];  /* (n, out_shape) */
        /* A model may have no parameters at all (e.g. "maxpool:2;flatten"): no arena then. */
        const float *w = m->params ? m->params + l->w_off : NULL, *b = m->params ? m->params + l->b_off : NULL;
        size_t cnt = n * nn_shape_size(l->out_shape);
        enum nn_status st = NN_OK;
        switch (l->kind) {
        case NN_LAYER_DENSE:
            st = nn_dense_forward(n, l->in_shape.c, l->out, in, w, b, out);
            break;
        case NN_LAYER_CONV2D: {
            struct nn_conv2d d = conv_desc(l);
            st = nn_conv2d_forward(&d, n, in, w, b, out, m->ws);
            break;
        }
        case NN_LAYER_MAXPOOL2D: {
            struct nn_pool2d d = pool_desc(l);
            st = nn_maxpool2d_forward(&d, n, in, out, m->argmax[i]);
            break;
        }
        case NN_LAYER_AVGPOOL2D: {
            struct nn_pool2d d = pool_desc(l);
            st = nn_avgpool2d_forward(&d, n, in, out);
            break;
        }
        case NN_LAYER_FLATTEN:
            break;
        case NN_LAYER_DROPOUT:
            if (training && l->p > 0.0f) {
                float *mask = m->noise[i]; /* (n, out_shape): 0 or 1 / (1 - p) */
                float keep = 1.0f / (1.0f - l->p);
                for (size_t j = 0; j < cnt; j++) {
                    mask[j] = nn_rng_uniform(rng) < (double)l->p ? 0.0f : keep;
                    out[j] = in[j] * mask[j];
                }
            } else
                memcpy(out, in, cnt * sizeof *out);
            break;
        case NN_LAYER_ACT: {
            struct nn_act_stats *s = stats ? &stats[l->act_index - 1] : NULL;
            st = act_forward_layer(m, i, n, in, out, training, rng, s);
            if (st == NN_OK && s)
                act_track(l, n, in, out, s);
            break;
        }
        }
        if (st != NN_OK)
            return st;
    }
    *logits = m->act[m->nlayers];
    return NN_OK;
}

static enum nn_status act_backward_layer(struct nn_model *m, size_t i, size_t n, const float *dy, float *dx)
{
    const struct nn_layer *l = &m->layers[i];
    const float *x = m->act[i]; /* (n, in_shape) */
    size_t cnt = n * nn_shape_size(l->out_shape);
    if (l->act.op == ACT_OP_PRELU) {
        size_t ch = l->prelu_shared ? 1 : l->out_shape.c;
        return nn_from_act(act_prelu_backward(n, ch, cnt / (n * ch), x, m->params + l->w_off, dy, dx,
                                              m->grads + l->w_off));
    }
    if (!dx)
        return NN_OK;
    if (l->act.op == ACT_OP_RRELU) {
        const float *a = m->noise[i];
        for (size_t j = 0; j < cnt; j++)
            dx[j] = x[j] > 0.0f ? dy[j] : a[j] * dy[j];
        return NN_OK;
    }
    return act_parallel(&l->act, cnt, x, dy, dx);
}

/* Every layer with parameters overwrites its gradients (dense, conv, prelu), and all of them
 * run, so the gradient arena needs no clearing. */
enum nn_status nn_model_backward(struct nn_model *m, size_t n, const float *dlogits)
{
    if (!m || !dlogits || !n || n > m->opts.max_batch)
        return NN_ERR_INVALID_ARG;
    const float *g = dlogits; /* (n, out_shape of layer i) */
    int pp = 0;
    /* Input gradients are needed only above the first layer with parameters. */
    size_t first = 0;
    while (first < m->nlayers && !(m->layers[first].n_w + m->layers[first].n_b))
        first++;
    for (size_t i = m->nlayers; i-- > 0;) {
        const struct nn_layer *l = &m->layers[i];
        if (l->kind == NN_LAYER_FLATTEN)
            continue;
        if (i < first)
            break;
        float *dx = i == first ? NULL : m->dbuf[pp];
        const float *x = m->act[i];
        const float *w = m->params ? m->params + l->w_off : NULL;
        float *dw = m->grads ? m->grads + l->w_off : NULL, *db = m->grads ? m->grads + l->b_off : NULL;
        size_t cnt = n * nn_shape_size(l->in_shape);
        enum nn_status st = NN_OK;
        switch (l->kind) {
        case NN_LAYER_DENSE:
            st = nn_dense_backward(n, l->in_shape.c, l->out, x, w, g, dx, dw, db);
            break;
        case NN_LAYER_CONV2D: {
            struct nn_conv2d d = conv_desc(l);
            st = nn_conv2d_backward(&d, n, x, w, g, dx, dw, db, m->ws);
            break;
        }
        case NN_LAYER_MAXPOOL2D: {
            struct nn_pool2d d = pool_desc(l);
            if (dx)
                st = nn_maxpool2d_backward(&d, n, g, m->argmax[i], dx);
            break;
        }
        case NN_LAYER_AVGPOOL2D: {
            struct nn_pool2d d = pool_desc(l);
            if (dx)
                st = nn_avgpool2d_backward(&d, n, g, dx);
            break;
        }
        case NN_LAYER_FLATTEN:
            break;
        case NN_LAYER_DROPOUT:
            if (dx) {
                if (l->p > 0.0f)
                    for (size_t j = 0; j < cnt; j++)
                        dx[j] = g[j] * m->noise[i][j];
                else
                    memcpy(dx, g, cnt * sizeof *dx);
            }
            break;
        case NN_LAYER_ACT:
            st = act_backward_layer(m, i, n, g, dx);
            break;
        }
        if (st != NN_OK)
            return st;
        g = dx;
        pp ^= 1;
    }
    return NN_OK;
}
