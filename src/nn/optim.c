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

/* One update over a parameter segment, split across threads (each value is independent). */
struct update_job {
    const struct nn_optim *o;
    float *p, *g, *s1, *s2;  /* (cnt) each: params, grads, momentum / m, v */
    float wd, lr, step_size, bc2_sqrt;
    _Atomic int bad;         /* set when an updated value is NaN or inf */
};

static void update_range(void *ctx, size_t b, size_t e)
{
    struct update_job *j = ctx;
    const struct nn_optim *o = j->o;
    if (o->kind == NN_OPTIM_SGD)
        sgd(e - b, j->p + b, j->g + b, j->s1 + b, j->wd, (float)o->momentum, o->step == 0, o->nesterov, j->lr);
    else
        adam(e - b, j->p + b, j->g + b, j->s1 + b, j->s2 + b, j->wd, (float)o->beta1, (float)o->beta2, (float)o->eps,
             j->step_size, j->bc2_sqrt);
    /* The range was just written, so it is still in cache: checking it here is all but free. */
    if (nn_any_nonfinite(j->p + b, e - b))
        atomic_store_explicit(&j->bad, 1, memory_order_relaxed);
}

/* Update params [off, off+cnt) of m; decay says whether weight decay applies. Returns 1 if an
 * updated value is NaN or inf. */
static int update(struct nn_optim *o, struct nn_model *m, size_t off, size_t cnt, int decay, double lr)
{
    double t = (double)(o->step + 1);
    struct update_job j = {o, m->params + off, m->grads + off, m->opt_state + off, m->opt_state + m->n_params + off,
                           decay ? (float)o->weight_decay : 0.0f, (float)lr,
                           (float)(lr / (1.0 - pow(o->beta1, t))), (float)sqrt(1.0 - pow(o->beta2, t)), 0};
    nn_parallel_for(cnt, 4 * NN_GRAIN, update_range, &j);
    return atomic_load_explicit(&j.bad, memory_order_relaxed);
}

enum nn_status nn_optim_step(struct nn_optim *o, struct nn_model *m, double lr)
{
    if (!o || !m || !(lr >= 0.0) || !(o->momentum >= 0.0) || !(o->weight_decay >= 0.0) ||
        (o->nesterov && o->momentum <= 0.0) || !(o->beta1 >= 0.0 && o->beta1 < 1.0) ||
        !(o->beta2 >= 0.0 && o->beta2 < 1.0) || !(o->eps > 0.0))
        return NN_ERR_INVALID_ARG;
    int bad = 0;
    for (size_t i = 0; i < m->nlayers; i++) {
        const struct nn_layer *l = &m->layers[i];
        if (l->n_w + l->n_b)
            bad |= update(o, m, l->w_off, l->n_w + l->n_b, l->decay, lr);
    }
    o->step++;
    return bad ? NN_ERR_DIVERGED : NN_OK;
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
