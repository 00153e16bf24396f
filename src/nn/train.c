/* The training epoch and the evaluation pass. */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* nn_any_nonfinite over ranges of an arena, run by nn_parallel_for. */
struct finite_job {
    const float *x;
    _Atomic int bad;
};
static void finite_range(void *ctx, size_t b, size_t e)
{
    struct finite_job *j = ctx;
    if (nn_any_nonfinite(j->x + b, e - b))
        atomic_store_explicit(&j->bad, 1, memory_order_relaxed);
}

/* The first layer whose part of arena (gradients or weights) holds a NaN or inf, -1 if none:
 * a parallel scan of the whole arena first (the parameters of all layers are one block), the
 * layer-by-layer search only when something is found. */
static int first_nonfinite(const struct nn_model *m, const float *arena)
{
    struct finite_job j = {arena, 0};
    nn_parallel_for(m->n_params, NN_GRAIN, finite_range, &j);
    if (!atomic_load_explicit(&j.bad, memory_order_relaxed))
        return -1;
    for (size_t i = 0; i < m->nlayers; i++) {
        const struct nn_layer *l = &m->layers[i];
        if (nn_any_nonfinite(arena + l->w_off, l->n_w) || nn_any_nonfinite(arena + l->b_off, l->n_b))
            return (int)i;
    }
    return -1;
}

/* Rows [r0, r1) of a batch: x[r] = the sample order[r] of the data. */
struct gather_job {
    float *x;
    const float *data;
    const size_t *order;
    size_t isz;
};
static void gather_rows(void *ctx, size_t r0, size_t r1)
{
    const struct gather_job *g = ctx;
    for (size_t r = r0; r < r1; r++)
        memcpy(g->x + r * g->isz, g->data + g->order[r] * g->isz, g->isz * sizeof *g->x);
}

enum nn_status nn_train_epoch(struct nn_model *m, struct nn_optim *o, const struct nn_dataset *d, size_t batch,
                              double lr, int shuffle, struct nn_rng *rng, nn_progress_fn progress, void *ctx,
                              size_t max_steps, double *step_loss, struct nn_epoch_result *res)
{
    if (!m || !o || !d || !rng || !res || !batch || batch > m->opts.max_batch || !d->n)
        return NN_ERR_INVALID_ARG;
    size_t isz = nn_shape_size(d->shape), classes = m->opts.classes, nk = nn_model_act_count(m);
    if (isz != nn_shape_size(m->opts.input) || d->classes > classes)
        return NN_ERR_SHAPE;
    memset(res, 0, sizeof *res);
    size_t *order = malloc(d->n * sizeof *order);           /* (n) sample order */
    uint8_t *labels = malloc(batch);                        /* (batch) */
    float *dlogits = malloc(batch * classes * sizeof(float)); /* (batch, classes) */
    enum nn_status st = NN_OK;
    if (!order || !labels || !dlogits) {
        st = NN_ERR_NO_MEMORY;
        goto out;
    }
    for (size_t i = 0; i < d->n; i++)
        order[i] = i;
    if (shuffle)
        for (size_t i = d->n - 1; i > 0; i--) {
            size_t j = (size_t)nn_rng_below(rng, i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    size_t nb = (d->n + batch - 1) / batch, correct = 0, steps = 0, norm_steps = 0;
    size_t norm_stride = nb / 64 ? nb / 64 : 1;
    double loss_sum = 0.0;
    for (size_t b = 0; b < nb && (!max_steps || steps < max_steps); b++) {
        size_t n = b + 1 < nb ? batch : d->n - b * batch;
        float *x = m->act[0]; /* (n, input): gathered in place of the model's input slot */
        struct gather_job gj = {x, d->x, order + b * batch, isz};
        nn_parallel_for(n, NN_GRAIN / isz + 1, gather_rows, &gj);
        for (size_t r = 0; r < n; r++)
            labels[r] = d->y[order[b * batch + r]];
        const float *logits;
        double loss;
        size_t right;
        if ((st = nn_model_forward(m, n, x, 1, rng, NULL, &logits)) != NN_OK ||
            (st = nn_softmax_xent(n, classes, logits, labels, &loss, &right, dlogits)) != NN_OK ||
            (st = nn_model_backward(m, n, dlogits)) != NN_OK)
            goto out;
        /* Gradient norms on every stride-th step only: the metric needs a sample, not every step. */
        if (b % norm_stride == 0) {
            for (size_t k = 0; k < nk; k++) {
                double g = nn_model_act_grad_norm(m, k + 1);
                res->grad_norm[k] += g * g;
            }
            norm_steps++;
        }
        /* The optimizer checks the gradients first (in its own parallel region) and updates
         * nothing if one is NaN or inf. */
        int grads_bad = 0;
        st = isfinite(loss) ? nn_optim_step_checked(o, m, lr, &grads_bad) : NN_OK;
        if (st != NN_OK && st != NN_ERR_DIVERGED)
            goto out;
        if (!isfinite(loss) || grads_bad) {
            if (!res->bad_step) {
                res->bad_step = b + 1;
                res->bad_layer = isfinite(loss) && m->grads ? first_nonfinite(m, m->grads) : -1;
            }
            if (!o->skip_nonfinite) {
                st = NN_ERR_DIVERGED; /* the weights are still those before this step */
                goto out;
            }
            res->skipped++;
            continue;
        }
        /* Finite gradients can still overflow a weight (the optimizer checks what it wrote): that
         * cannot be skipped, only stopped. */
        if (st == NN_ERR_DIVERGED) {
            res->bad_step = b + 1;
            res->bad_layer = first_nonfinite(m, m->params);
            goto out;
        }
        if (st != NN_OK)
            goto out;
        if (step_loss)
            step_loss[steps] = loss;
        steps++;
        loss_sum += loss * (double)n;
        correct += right;
        res->samples += n;
        if (progress && progress(ctx, b, nb, res->samples, loss_sum / (double)res->samples))
            break;
    }
    res->loss = res->samples ? loss_sum / (double)res->samples : 0.0;
    res->acc = res->samples ? (double)correct / (double)res->samples : 0.0;
    for (size_t k = 0; k < nk; k++)
        res->grad_norm[k] = norm_steps ? sqrt(res->grad_norm[k] / (double)norm_steps) : 0.0;
out:
    free(order);
    free(labels);
    free(dlogits);
    return st;
}

enum nn_status nn_evaluate(struct nn_model *m, const struct nn_dataset *d, size_t batch, double *loss, double *acc,
                           struct nn_act_stats *stats)
{
    if (!m || !d || !loss || !acc || !batch || !d->n)
        return NN_ERR_INVALID_ARG;
    if (batch > m->opts.max_batch)
        batch = m->opts.max_batch;
    size_t isz = nn_shape_size(d->shape), classes = m->opts.classes;
    if (isz != nn_shape_size(m->opts.input) || d->classes > classes)
        return NN_ERR_SHAPE;
    double loss_sum = 0.0;
    size_t correct = 0;
    for (size_t s0 = 0; s0 < d->n; s0 += batch) {
        size_t n = d->n - s0 < batch ? d->n - s0 : batch, right;
        const float *logits;
        double l;
        enum nn_status st = nn_model_forward(m, n, d->x + s0 * isz, 0, NULL, stats, &logits);
        if (st == NN_OK)
            st = nn_softmax_xent(n, classes, logits, d->y + s0, &l, &right, NULL);
        if (st != NN_OK)
            return st;
        loss_sum += l * (double)n;
        correct += right;
    }
    *loss = loss_sum / (double)d->n;
    *acc = (double)correct / (double)d->n;
    return NN_OK;
}
