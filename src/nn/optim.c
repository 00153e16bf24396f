/* SGD (momentum, Nesterov) and Adam over the flat arenas, as torch.optim; learning-rate schedules. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void nn_optim_init(struct nn_optim *o, enum nn_optim_kind kind)
{
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->beta1 = 0.9;
    o->beta2 = 0.999;
    o->eps = 1e-8;
}

/* SGD on n values: p, g, buf are (n); the branches are hoisted so each loop vectorizes. */
static void sgd(size_t n, float *restrict p, const float *restrict g, float *restrict buf, float wd, float mom,
                int first, int nesterov, float lr)
{
    if (mom == 0.0f) {
        for (size_t j = 0; j < n; j++)
            p[j] -= lr * (g[j] + wd * p[j]);
    } else if (first) {
        for (size_t j = 0; j < n; j++) {
            float d = g[j] + wd * p[j];
            buf[j] = d;
            p[j] -= lr * (nesterov ? d + mom * d : d);
        }
    } else if (nesterov) {
        for (size_t j = 0; j < n; j++) {
            float d = g[j] + wd * p[j];
            float b = mom * buf[j] + d;
            buf[j] = b;
            p[j] -= lr * (d + mom * b);
        }
    } else {
        for (size_t j = 0; j < n; j++) {
            float b = mom * buf[j] + (g[j] + wd * p[j]);
            buf[j] = b;
            p[j] -= lr * b;
        }
    }
}

/* Adam on n values: p, g, m1, m2 are (n). */
static void adam(size_t n, float *restrict p, const float *restrict g, float *restrict m1, float *restrict m2,
                 float wd, float b1, float b2, float eps, float step_size, float bc2_sqrt)
{
    for (size_t j = 0; j < n; j++) {
        float d = g[j] + wd * p[j];
        float a = m1[j] * b1 + (1.0f - b1) * d;
        float v = m2[j] * b2 + (1.0f - b2) * d * d;
        m1[j] = a;
        m2[j] = v;
        p[j] -= step_size * (a / (sqrtf(v) / bc2_sqrt + eps));
    }
}

/*
 * One optimizer step over the whole parameter arena, split into one part per thread (each value
 * is independent, so the split does not change a bit). With check_grads, every part first scans
 * its range of the gradients for NaN or inf and waits for the others: if any part found one,
 * no part updates anything (the weights stay those before the step). One parallel region per
 * step, the gradients still in cache from the scan when they are used.
 */
struct update_job {
    const struct nn_optim *o;
    const struct nn_model *m;
    size_t parts;
    int check_grads;
    float lr, step_size, bc2_sqrt;
    _Atomic size_t arrived;
    _Atomic int grads_bad; /* a gradient is NaN or inf */
    _Atomic int bad;       /* an updated value is NaN or inf */
};

/* Parameters updated, then checked, at a time. */
#define UPDATE_CHUNK 2048

static void update_part(void *ctx, size_t t0, size_t t1)
{
    struct update_job *j = ctx;
    const struct nn_model *m = j->m;
    const struct nn_optim *o = j->o;
    size_t b = m->n_params * t0 / j->parts, e = m->n_params * t1 / j->parts;
    if (j->check_grads) {
        if (nn_any_nonfinite(m->grads + b, e - b))
            atomic_store(&j->grads_bad, 1);
        nn_parallel_barrier(&j->arrived, t1 - t0, j->parts);
        if (atomic_load(&j->grads_bad))
            return;
    }
    for (size_t i = 0; i < m->nlayers; i++) {
        const struct nn_layer *l = &m->layers[i];
        /* the layer's weights and bias are one block of the arena: [w_off, w_off + n_w + n_b) */
        size_t s0 = l->w_off > b ? l->w_off : b, s1 = l->w_off + l->n_w + l->n_b < e ? l->w_off + l->n_w + l->n_b : e;
        if (l->n_w + l->n_b == 0 || s0 >= s1)
            continue;
        float wd = l->decay ? (float)o->weight_decay : 0.0f;
        /* In chunks that stay in L1, each checked for NaN or inf just after it is written (the
         * whole range is larger than L2: a check after it would read it all again). */
        for (size_t c0 = s0; c0 < s1; c0 += UPDATE_CHUNK) {
            size_t c1 = s1 - c0 < UPDATE_CHUNK ? s1 : c0 + UPDATE_CHUNK;
            float *p = m->params + c0, *s = m->opt_state + c0;
            const float *g = m->grads + c0;
            if (o->kind == NN_OPTIM_SGD)
                sgd(c1 - c0, p, g, s, wd, (float)o->momentum, o->step == 0, o->nesterov, j->lr);
            else
                adam(c1 - c0, p, g, s, s + m->n_params, wd, (float)o->beta1, (float)o->beta2, (float)o->eps,
                     j->step_size, j->bc2_sqrt);
            if (nn_any_nonfinite(p, c1 - c0))
                atomic_store_explicit(&j->bad, 1, memory_order_relaxed);
        }
    }
}

/* Parameters per part at least. */
#define UPDATE_PART_MIN (4 * NN_GRAIN)

enum nn_status nn_optim_step_checked(struct nn_optim *o, struct nn_model *m, double lr, int *grads_bad)
{
    if (!o || !m || !(lr >= 0.0) || !(o->momentum >= 0.0) || !(o->weight_decay >= 0.0) ||
        (o->nesterov && o->momentum <= 0.0) || !(o->beta1 >= 0.0 && o->beta1 < 1.0) ||
        !(o->beta2 >= 0.0 && o->beta2 < 1.0) || !(o->eps > 0.0))
        return NN_ERR_INVALID_ARG;
    if (grads_bad)
        *grads_bad = 0;
    double t = (double)(o->step + 1);
    size_t parts = (size_t)nn_threads();
    if (parts > m->n_params / UPDATE_PART_MIN)
        parts = m->n_params / UPDATE_PART_MIN;
    if (parts < 1)
        parts = 1;
    struct update_job j = {.o = o, .m = m, .parts = parts, .check_grads = grads_bad != NULL, .lr = (float)lr,
                           .step_size = (float)(lr / (1.0 - pow(o->beta1, t))),
                           .bc2_sqrt = (float)sqrt(1.0 - pow(o->beta2, t))};
    if (m->n_params)
        nn_parallel_for(parts, 1, update_part, &j);
    if (atomic_load(&j.grads_bad)) {
        *grads_bad = 1; /* nothing was updated */
        return NN_OK;
    }
    o->step++;
    return atomic_load_explicit(&j.bad, memory_order_relaxed) ? NN_ERR_DIVERGED : NN_OK;
}

enum nn_status nn_optim_step(struct nn_optim *o, struct nn_model *m, double lr)
{
    return nn_optim_step_checked(o, m, lr, NULL);
}

enum nn_status nn_sched_parse(const char *s, size_t total, struct nn_sched *out)
{
    if (!s || !out)
        return NN_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    out->total = total ? total : 1;
    out->gamma = 0.1;
    out->step_size = 30;
    if (!strcmp(s, "constant"))
        out->kind = NN_SCHED_CONSTANT;
    else if (!strcmp(s, "cosine"))
        out->kind = NN_SCHED_COSINE;
    else if (!strncmp(s, "step", 4) && (s[4] == 0 || s[4] == ':')) {
        out->kind = NN_SCHED_STEP;
        const char *p = s[4] ? s + 5 : s + 4;
        while (*p) {
            char key[16];
            int used = 0;
            double v;
            if (sscanf(p, "%15[a-z]=%lf%n", key, &v, &used) != 2)
                return NN_ERR_INVALID_ARG;
            if (!strcmp(key, "every") && v >= 1 && v <= 1e9 && v == floor(v)) /* fits a size_t */
                out->step_size = (size_t)v;
            else if (!strcmp(key, "gamma") && v > 0 && v <= 1)
                out->gamma = v;
            else
                return NN_ERR_INVALID_ARG;
            p += used;
            if (*p == ',')
                p++;
            else if (*p)
                return NN_ERR_INVALID_ARG;
        }
    } else
        return NN_ERR_INVALID_ARG;
    return NN_OK;
}

double nn_sched_lr(const struct nn_sched *s, double lr, size_t e)
{
    switch (s->kind) {
    case NN_SCHED_CONSTANT: return lr;
    case NN_SCHED_STEP: return lr * pow(s->gamma, (double)(e / s->step_size));
    case NN_SCHED_COSINE: return lr * 0.5 * (1.0 + cos(3.14159265358979323846 * (double)e / (double)s->total));
    }
    return lr;
}
