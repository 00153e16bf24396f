/*
 * Training runs of the lab: the protocol's defaults, memoised runs (one config, one run), the
 * learning-rate search, and the per-epoch metrics every claim reads (losses, accuracies,
 * per-layer sparsity, dead units, mean, std, gradient norms, PReLU slopes, revived units).
 * Every finished run is saved to DIR/runs/<name>.run and, in a later sitting, loaded from there
 * instead of trained again (run-file.c), so a long --full can be completed in several goes.
 *
 * A run trains on its own copy of its training subset, shuffled in place each epoch, and feeds
 * it to nn_train_epoch in chunks of chunk_steps batches (no further shuffle), so the chunk's
 * running error is the training error curve at that resolution while the epoch stays one pass.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lab.h"
#include "nn-cli.h" /* nn_cli_mkdir_p */

/* The smaller CNN of --quick: the preset's layout (2 conv + pool, dense, output) at a quarter of
 * the multiply-adds, so the quick run fits in minutes. */
#define LAB_QUICK_CNN "conv:16,k=5,pad=2;act;maxpool:2;conv:32,k=5,pad=2;act;maxpool:2;flatten;dense:128;act;dense:10"

void lab_protocol_init(struct lab_protocol *p, int full, size_t seeds)
{
    memset(p, 0, sizeof *p);
    p->full = full;
    p->seeds = seeds ? seeds : full ? 3 : 1;
    p->spec[LAB_MLP] = "mlp";
    p->spec[LAB_CNN] = full ? "cnn" : LAB_QUICK_CNN;
    p->momentum = 0.9;
    p->batch = 128;
    p->chunk_steps = 5;
    p->target_err = 0.25;
    p->deep_width = 256;
    p->ndepths = 4;
    p->depth[0] = 5, p->depth[1] = 10, p->depth[2] = 20, p->depth[3] = 50;
    p->deep_layers = 20;
    p->he_layers = 30;
    p->deep_lr = 0.01;
    p->nbig = 4;
    p->big_lr[0] = 0.5, p->big_lr[1] = 0.3, p->big_lr[2] = 0.2, p->big_lr[3] = 0.1;
    p->neg_bias = -1.0;
    p->probe_n = full ? 10000 : 2000;
    p->bench_dram_n = (size_t)16 << 20;
    if (full) {
        p->test_n = 0;
        p->epochs[LAB_MLP] = 15, p->epochs[LAB_CNN] = 8;
        p->grid_epochs[LAB_MLP] = 2, p->grid_epochs[LAB_CNN] = 1;
        p->nlr = 3;
        p->lr[0] = 0.01, p->lr[1] = 0.03, p->lr[2] = 0.1;
        p->deep_train_n = 20000;
        p->bench_runs = 7;
    } else {
        p->train_n[LAB_MLP] = 10000, p->train_n[LAB_CNN] = 5000;
        p->test_n = 2000;
        p->epochs[LAB_MLP] = 3, p->epochs[LAB_CNN] = 2;
        p->grid_epochs[LAB_MLP] = 3, p->grid_epochs[LAB_CNN] = 2;
        p->nlr = 2;
        p->lr[0] = 0.02, p->lr[1] = 0.1;
        p->deep_train_n = 5000;
        p->bench_runs = 3;
    }
}

static size_t limit(size_t want, size_t have)
{
    return want && want < have ? want : have;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}


enum nn_status lab_init(struct lab *L, const struct lab_protocol *p, struct nn_dataset *train,
                        struct nn_dataset *test, const char *out)
{
    memset(L, 0, sizeof *L);
    L->p = *p;
    L->out = out;
    L->train = *train;
    L->test = *test;
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    double mean, std;
    nn_dataset_stats(&L->train, &mean, &std);
    nn_dataset_normalise(&L->train, mean, std);
    nn_dataset_normalise(&L->test, mean, std);
    L->data_id = lab_data_id(&L->train, &L->test);
    L->t0 = now();
    static const char *const subs[3] = {"", "/runs", "/plots"};
    for (int i = 0; i < 3; i++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s%s", out, subs[i]);
        if (nn_cli_mkdir_p(dir) != 0) {
            snprintf(L->err, sizeof L->err, "cannot create %s: %s", dir, strerror(errno));
            return NN_ERR_IO;
        }
    }
    L->gnuplot = lab_plot_available();
    return NN_OK;
}

void lab_forget_runs(struct lab *L)
{
    for (size_t i = 0; i < L->nruns; i++)
        lab_run_free(L->runs[i]);
    L->nruns = 0;
}

void lab_free(struct lab *L)
{
    lab_forget_runs(L);
    free(L->runs);
    nn_dataset_free(&L->train);
    nn_dataset_free(&L->test);
}

static int cfg_equal(const struct lab_run_cfg *a, const struct lab_run_cfg *b)
{
    return a->model == b->model && !strcmp(a->act, b->act) && a->lr == b->lr && a->seed == b->seed &&
           a->epochs == b->epochs && a->init == b->init && a->bias == b->bias && a->deep == b->deep &&
           a->depth == b->depth;
}

/* Multiply-adds of one sample's forward pass: the unit of the progress estimate. */
static double model_macs(const struct nn_model *m)
{
    double macs = 0.0;
    for (size_t i = 0; i < m->nlayers; i++) {
        const struct nn_layer *l = &m->layers[i];
        if (l->kind == NN_LAYER_DENSE)
            macs += (double)l->n_w;
        else if (l->kind == NN_LAYER_CONV2D)
            macs += (double)l->n_w * (double)(l->out_shape.h * l->out_shape.w);
        else
            macs += (double)nn_shape_size(l->out_shape);
    }
    return macs;
}

void lab_report_progress(struct lab *L, const char *what)
{
    if (!L->progress || L->dry)
        return;
    double t = now();
    struct lab_progress p = {L->claim, what, L->done, L->planned, t - L->t0, L->t_work > 0 ? t - L->t_work : 0.0};
    L->progress(L->progress_ctx, &p);
}

/* Build the model of c; returns NN_OK or the failure (L->err). */
static enum nn_status model_build(struct lab *L, const struct lab_run_cfg *c, struct nn_model *m)
{
    char buf[128], err[256];
    struct nn_model_opts o = {L->train.shape, 10, {0}, 0, L->p.batch > 256 ? L->p.batch : 256, 0};
    if (act_parse(c->act, &o.act) != ACT_OK) {
        snprintf(L->err, sizeof L->err, "bad activation '%s'", c->act);
        return NN_ERR_INVALID_ARG;
    }
    enum nn_status st = nn_model_init(m, lab_run_spec(L, c, buf, sizeof buf), &o, err, sizeof err);
    if (st != NN_OK)
        snprintf(L->err, sizeof L->err, "model %s: %s", lab_run_spec(L, c, buf, sizeof buf), err);
    return st;
}

/* Initialise weights, and set the biases of every dense/conv layer but the output one to bias. */
static enum nn_status model_init_weights(struct nn_model *m, const struct lab_run_cfg *c)
{
    struct nn_rng rng;
    nn_rng_seed(&rng, c->seed);
    enum nn_status st = nn_model_init_weights(m, c->init, &rng);
    if (st != NN_OK || c->bias == 0.0)
        return st;
    size_t last = 0;
    for (size_t i = 0; i < m->nlayers; i++)
        if (m->layers[i].kind == NN_LAYER_DENSE || m->layers[i].kind == NN_LAYER_CONV2D)
            last = i;
    for (size_t i = 0; i < last; i++) {
        const struct nn_layer *l = &m->layers[i];
        if (l->kind == NN_LAYER_DENSE || l->kind == NN_LAYER_CONV2D)
            for (size_t j = 0; j < l->n_b; j++)
                m->params[l->b_off + j] = (float)c->bias;
    }
    return NN_OK;
}

/* Per-unit death bookkeeping over the evaluations of a run. */
struct death {
    size_t nacts;
    uint8_t *was_dead[LAB_MAX_ACTS], *revived[LAB_MAX_ACTS];
};

/* Evaluate m on the test subset into *ep and update the death bookkeeping. */
static enum nn_status evaluate(struct lab *L, struct nn_model *m, struct lab_run *r, struct lab_epoch *ep,
                               struct death *dd)
{
    size_t nk = nn_model_act_count(m);
    struct nn_act_stats stats[LAB_MAX_ACTS];
    if (nk > LAB_MAX_ACTS)
        return NN_ERR_INVALID_ARG;
    enum nn_status st = nn_act_stats_init(m, stats);
    if (st != NN_OK)
        return st;
    struct nn_dataset test = L->test;
    test.n = lab_test_n(L);
    st = nn_evaluate(m, &test, 256, &ep->test_loss, &ep->test_acc, stats);
    ep->nacts = nk;
    size_t k = 0;
    for (size_t i = 0; st == NN_OK && i < m->nlayers; i++) {
        const struct nn_layer *l = &m->layers[i];
        if (l->kind != NN_LAYER_ACT)
            continue;
        const struct act_stats *s = &stats[k].st;
        size_t dead = 0;
        for (size_t u = 0; u < stats[k].units; u++) {
            int is_dead = !stats[k].alive[u];
            dead += is_dead;
            if (is_dead && !dd->was_dead[k][u]) {
                dd->was_dead[k][u] = 1;
                r->ever_dead++;
            } else if (!is_dead && dd->was_dead[k][u] && !dd->revived[k][u]) {
                dd->revived[k][u] = 1;
                r->revived++;
            }
        }
        double fin = (double)(s->count - s->nonfinite), mean = fin > 0 ? s->sum / fin : NAN;
        double var = fin > 0 ? s->sum_sq / fin - mean * mean : NAN;
        ep->sparsity[k] = s->count ? (double)s->zeros / (double)s->count : NAN;
        ep->dead[k] = (double)dead / (double)stats[k].units;
        ep->mean[k] = mean;
        ep->std[k] = var > 0 ? sqrt(var) : 0.0;
        ep->slope[k] = NAN;
        if (l->act.op == ACT_OP_PRELU && l->n_w) {
            double sum = 0.0;
            for (size_t j = 0; j < l->n_w; j++)
                sum += m->params[l->w_off + j];
            ep->slope[k] = sum / (double)l->n_w;
        }
        k++;
    }
    nn_act_stats_free(m, stats);
    return st;
}

/* Swap rows i and j of x (rows of isz floats) and y. */
static void swap_rows(float *x, uint8_t *y, size_t isz, size_t i, size_t j, float *tmp)
{
    memcpy(tmp, x + i * isz, isz * sizeof *x);
    memcpy(x + i * isz, x + j * isz, isz * sizeof *x);
    memcpy(x + j * isz, tmp, isz * sizeof *x);
    uint8_t t = y[i];
    y[i] = y[j];
    y[j] = t;
}

static int grow_chunks(struct lab_run *r, size_t need)
{
    double **arrs[4] = {&r->chunk_step, &r->chunk_loss, &r->chunk_err, &r->chunk_secs};
    for (int a = 0; a < 4; a++) {
        double *p = realloc(*arrs[a], need * sizeof **arrs[a]);
        if (!p)
            return 0;
        *arrs[a] = p;
    }
    return 1;
}

static int write_run_csv(const struct lab *L, const struct lab_run *r);

/* Train run r (config set). Returns NN_OK or why not. */
static enum nn_status train(struct lab *L, struct lab_run *r)
{
    const struct lab_run_cfg *c = &r->cfg;
    const struct lab_protocol *p = &L->p;
    struct nn_model m;
    enum nn_status st = model_build(L, c, &m);
    if (st != NN_OK)
        return st;
    size_t n = lab_run_train_n(L, c), isz = nn_shape_size(L->train.shape), nk = nn_model_act_count(&m);
    size_t nb = (n + p->batch - 1) / p->batch, nchunks = (nb + p->chunk_steps - 1) / p->chunk_steps;
    double macs = model_macs(&m);
    r->params = m.n_params;
    r->steps_to_target = r->secs_to_target = INFINITY;
    if (L->dry) {
        L->planned += macs * ((double)c->epochs * 3.0 * (double)n +
                              (double)(c->epochs + 1) * (double)lab_test_n(L) + (double)limit(p->probe_n, n));
        nn_model_free(&m);
        return NN_OK;
    }
    if (L->t_work <= 0)
        L->t_work = now();
    struct nn_dataset d = {n, L->train.shape, L->train.classes, malloc(n * isz * sizeof(float)), malloc(n)};
    float *tmp = malloc(isz * sizeof *tmp);
    struct death dd = {nk, {0}, {0}};
    int ok = d.x && d.y && tmp && nk <= LAB_MAX_ACTS && c->epochs <= LAB_MAX_EPOCHS &&
             grow_chunks(r, nchunks * c->epochs + 1);
    for (size_t k = 0; ok && k < nk; k++) {
        size_t units = 0, j = 0;
        for (size_t i = 0; i < m.nlayers; i++)
            if (m.layers[i].kind == NN_LAYER_ACT && j++ == k)
                units = m.layers[i].out_shape.c;
        ok = (dd.was_dead[k] = calloc(units, 1)) && (dd.revived[k] = calloc(units, 1));
    }
    if (!ok) {
        st = NN_ERR_NO_MEMORY;
        snprintf(L->err, sizeof L->err, "out of memory for run %s", r->name);
        goto out;
    }
    memcpy(d.x, L->train.x, n * isz * sizeof(float));
    memcpy(d.y, L->train.y, n);
    if ((st = model_init_weights(&m, c)) != NN_OK || (st = evaluate(L, &m, r, &r->ep[0], &dd)) != NN_OK)
        goto out;
    r->ep[0].train_loss = r->ep[0].train_err = NAN;
    struct nn_optim opt;
    nn_optim_init(&opt, NN_OPTIM_SGD);
    opt.momentum = p->momentum;
    struct nn_rng rng;
    nn_rng_seed(&rng, c->seed ^ 0x5bd1e995u);
    double steps = 0.0, secs = 0.0;
    char what[256];
    for (size_t e = 1; e <= c->epochs && !r->diverged; e++) {
        struct lab_epoch *ep = &r->ep[e];
        for (size_t i = n - 1; i > 0; i--)
            swap_rows(d.x, d.y, isz, i, (size_t)nn_rng_below(&rng, i + 1), tmp);
        double loss_sum = 0.0, err_sum = 0.0, gsq[LAB_MAX_ACTS] = {0};
        size_t seen = 0, nch = 0;
        for (size_t s0 = 0; s0 < n; s0 += p->chunk_steps * p->batch) {
            struct nn_dataset view = d;
            view.n = limit(p->chunk_steps * p->batch, n - s0);
            view.x = d.x + s0 * isz;
            view.y = d.y + s0;
            struct nn_epoch_result res;
            double t0 = now();
            st = nn_train_epoch(&m, &opt, &view, p->batch, c->lr, 0, &rng, NULL, NULL, 0, NULL, &res);
            if (st == NN_ERR_DIVERGED) { /* a NaN or inf loss or gradient: this run diverged */
                res.loss = NAN;
                st = NN_OK;
            }
            if (st != NN_OK) {
                snprintf(L->err, sizeof L->err, "run %s: %s", r->name, nn_status_str(st));
                goto out;
            }
            double dt = now() - t0;
            steps += (double)((view.n + p->batch - 1) / p->batch);
            secs += dt;
            ep->seconds += dt;
            size_t q = r->nchunks++;
            r->chunk_step[q] = steps, r->chunk_loss[q] = res.loss, r->chunk_err[q] = 1.0 - res.acc;
            r->chunk_secs[q] = secs;
            loss_sum += res.loss * (double)view.n;
            err_sum += (1.0 - res.acc) * (double)view.n;
            seen += view.n;
            for (size_t k = 0; k < nk; k++)
                gsq[k] += res.grad_norm[k] * res.grad_norm[k];
            nch++;
            if (isinf(r->steps_to_target) && 1.0 - res.acc <= p->target_err)
                r->steps_to_target = steps, r->secs_to_target = secs;
            L->done += macs * 3.0 * (double)view.n;
            snprintf(what, sizeof what, "%s, epoch %zu/%zu", r->name, e, c->epochs);
            lab_report_progress(L, what);
            if (!isfinite(res.loss)) {
                r->diverged = 1;
                break;
            }
        }
        ep->train_loss = loss_sum / (double)seen;
        ep->train_err = err_sum / (double)seen;
        if ((st = evaluate(L, &m, r, ep, &dd)) != NN_OK)
            goto out;
        for (size_t k = 0; k < nk; k++)
            ep->grad_norm[k] = sqrt(gsq[k] / (double)nch);
        L->done += macs * (double)lab_test_n(L);
        r->nepochs = e;
    }
    struct nn_dataset probe = L->train;
    probe.n = limit(p->probe_n, n);
    double probe_loss;
    if ((st = nn_evaluate(&m, &probe, 256, &probe_loss, &r->train_acc, NULL)) != NN_OK)
        goto out;
    L->done += macs * (double)probe.n;
    if (!write_run_csv(L, r)) {
        st = NN_ERR_IO;
        snprintf(L->err, sizeof L->err, "cannot write %s/runs/%s.csv", L->out, r->name);
    }
out:
    for (size_t k = 0; k < nk && k < LAB_MAX_ACTS; k++) {
        free(dd.was_dead[k]);
        free(dd.revived[k]);
    }
    free(tmp);
    free(d.x);
    free(d.y);
    nn_model_free(&m);
    return st;
}

/* DIR/runs/<name>.csv: one row per evaluation (epoch 0 = init); <name>-steps.csv: the chunks. */
static int write_run_csv(const struct lab *L, const struct lab_run *r)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/runs/%s.csv", L->out, r->name);
    FILE *f = fopen(path, "w");
    if (!f)
        return 0;
    size_t nk = r->ep[0].nacts;
    fprintf(f, "epoch,train_loss,train_err,test_loss,test_acc,seconds");
    for (size_t k = 1; k <= nk; k++)
        fprintf(f, ",L%zu_sparsity,L%zu_dead,L%zu_mean,L%zu_std,L%zu_grad_norm,L%zu_prelu_slope", k, k, k, k, k, k);
    fputc('\n', f);
    for (size_t e = 0; e <= r->nepochs; e++) {
        const struct lab_epoch *ep = &r->ep[e];
        fprintf(f, "%zu,%.6g,%.6g,%.6g,%.6g,%.3f", e, ep->train_loss, ep->train_err, ep->test_loss, ep->test_acc,
                ep->seconds);
        for (size_t k = 0; k < nk; k++)
            fprintf(f, ",%.6g,%.6g,%.6g,%.6g,%.6g,%.6g", ep->sparsity[k], ep->dead[k], ep->mean[k], ep->std[k],
                    e ? ep->grad_norm[k] : NAN, ep->slope[k]);
        fputc('\n', f);
    }
    int ok = fclose(f) == 0;
    snprintf(path, sizeof path, "%s/runs/%s-steps.csv", L->out, r->name);
    if (!(f = fopen(path, "w")))
        return 0;
    fprintf(f, "step,train_loss,train_err,seconds\n");
    for (size_t q = 0; q < r->nchunks; q++)
        fprintf(f, "%.0f,%.6g,%.6g,%.3f\n", r->chunk_step[q], r->chunk_loss[q], r->chunk_err[q], r->chunk_secs[q]);
    return fclose(f) == 0 && ok;
}

const struct lab_run *lab_run_get(struct lab *L, const struct lab_run_cfg *c)
{
    for (size_t i = 0; i < L->nruns; i++)
        if (cfg_equal(&L->runs[i]->cfg, c))
            return L->runs[i];
    if (L->nruns == L->cap) {
        size_t cap = L->cap ? 2 * L->cap : 64;
        struct lab_run **p = realloc(L->runs, cap * sizeof *p);
        if (!p) {
            snprintf(L->err, sizeof L->err, "out of memory");
            return NULL;
        }
        L->runs = p, L->cap = cap;
    }
    char why[256] = "", what[512];
    struct lab_run *r = L->fresh ? NULL : lab_run_load(L, c, why, sizeof why);
    if (r) {
        /* Trained in an earlier sitting with this very key: the saved numbers are the run's. */
        r->reused = 1;
        if (L->dry) {
            L->plan_reused++;
        } else {
            L->nreused++;
            snprintf(what, sizeof what, "%s: reused (saved in an earlier sitting)", r->name);
            lab_report_progress(L, what);
            if (!write_run_csv(L, r)) { /* the CSVs of the folder match the runs of the report */
                snprintf(L->err, sizeof L->err, "cannot write %s/runs/%s.csv", L->out, r->name);
                lab_run_free(r);
                return NULL;
            }
        }
        L->runs[L->nruns++] = r;
        return r;
    }
    if (!(r = calloc(1, sizeof *r))) {
        snprintf(L->err, sizeof L->err, "out of memory");
        return NULL;
    }
    r->cfg = *c;
    lab_run_name(c, r->name, sizeof r->name);
    if (why[0] && !L->dry) {
        snprintf(what, sizeof what, "%s: saved run not used (%s), training it again", r->name, why);
        lab_report_progress(L, what);
    }
    if (train(L, r) != NN_OK || (!L->dry && lab_run_save(L, r) != 0)) {
        lab_run_free(r);
        return NULL;
    }
    L->runs[L->nruns++] = r;
    return r;
}

/* Final training loss of a run (+inf when it diverged), for tie-breaks. */
static double final_loss(const struct lab_run *r)
{
    return r->diverged || !r->nepochs || !isfinite(r->ep[r->nepochs].train_loss) ? INFINITY
                                                                                  : r->ep[r->nepochs].train_loss;
}

double lab_best_lr(struct lab *L, enum lab_model model, const char *act)
{
    double best = L->p.lr[0], best_steps = INFINITY, best_loss = INFINITY;
    for (size_t i = 0; i < L->p.nlr; i++) {
        struct lab_run_cfg c = {.model = model, .lr = L->p.lr[i], .seed = 1, .epochs = L->p.grid_epochs[model]};
        snprintf(c.act, sizeof c.act, "%s", act);
        const struct lab_run *r = lab_run_get(L, &c);
        if (!r)
            return NAN;
        double steps = r->diverged ? INFINITY : r->steps_to_target, loss = final_loss(r);
        if (steps < best_steps || (steps == best_steps && loss < best_loss))
            best = c.lr, best_steps = steps, best_loss = loss;
    }
    return best;
}

const struct lab_run *lab_main_run(struct lab *L, enum lab_model model, const char *act, uint64_t seed)
{
    double lr = lab_best_lr(L, model, act);
    if (isnan(lr))
        return NULL;
    struct lab_run_cfg c = {.model = model, .lr = lr, .seed = seed, .epochs = L->p.epochs[model]};
    snprintf(c.act, sizeof c.act, "%s", act);
    return lab_run_get(L, &c);
}

double lab_grad_ratio(struct lab *L, const char *act, size_t depth, enum nn_init init, uint64_t seed)
{
    if (L->dry)
        return NAN;
    struct lab_run_cfg c = {.lr = 0.0, .seed = seed, .init = init, .deep = 1, .depth = depth};
    snprintf(c.act, sizeof c.act, "%s", act);
    struct nn_model m;
    if (model_build(L, &c, &m) != NN_OK)
        return NAN;
    size_t n = limit(256, L->train.n), classes = 10;
    float *dlogits = malloc(n * classes * sizeof *dlogits); /* (n, classes) */
    const float *logits;
    double loss, ratio = NAN;
    struct nn_rng rng;
    nn_rng_seed(&rng, seed);
    if (dlogits && model_init_weights(&m, &c) == NN_OK &&
        nn_model_forward(&m, n, L->train.x, 1, &rng, NULL, &logits) == NN_OK &&
        nn_softmax_xent(n, classes, logits, L->train.y, &loss, NULL, dlogits) == NN_OK &&
        nn_model_backward(&m, n, dlogits) == NN_OK) {
        const struct nn_layer *first = NULL, *last = NULL;
        for (size_t i = 0; i < m.nlayers; i++)
            if (m.layers[i].kind == NN_LAYER_DENSE) {
                if (!first)
                    first = &m.layers[i];
                last = &m.layers[i];
            }
        double g[2] = {0.0, 0.0};
        const struct nn_layer *ls[2] = {first, last};
        for (int j = 0; j < 2 && first; j++)
            for (size_t q = 0; q < ls[j]->n_w; q++)
                g[j] += (double)m.grads[ls[j]->w_off + q] * m.grads[ls[j]->w_off + q];
        if (first && g[1] > 0)
            ratio = sqrt(g[0] / g[1]);
    }
    free(dlogits);
    nn_model_free(&m);
    return ratio;
}
