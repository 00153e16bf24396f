/*
 * The nine claims: for each, the experiment (which runs, from run.c's memoised set), the
 * metrics handed to its rule (rules.c), the plots, and the report section. The protocol and
 * the rules are the ones docs/claims.md writes down.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

/* The activations the accuracy and convergence claims compare: the article's, then beyond it. */
static const char *const ACTS[] = {"relu", "leaky_relu", "prelu", "elu", "sigmoid", "tanh", "gelu", "silu", "selu"};
#define NACTS (sizeof ACTS / sizeof ACTS[0])
/* Claim 4's activations (the deep nets). */
static const char *const DEEP_ACTS[] = {"relu", "leaky_relu", "elu", "tanh", "sigmoid", "gelu", "selu"};
#define NDEEP (sizeof DEEP_ACTS / sizeof DEEP_ACTS[0])
/* Claims 6 and 7. */
static const char *const DYING_ACTS[4] = {"relu", "leaky_relu", "prelu", "elu"};
static const char *const MEAN_ACTS[4] = {"relu", "elu", "tanh", "leaky_relu"};

static const struct claim_info {
    const char *title, *reference;
} claims[LAB_NCLAIMS] = {
    {"Cheap to compute", "max(0,x): no exp, unlike sigmoid and tanh"},
    {"Faster convergence", "AlexNet: 6x fewer epochs than tanh to 25% training error (4-layer CNN, CIFAR-10)"},
    {"Sparse activations", "Glorot et al. 2011: ~50% zeros at init, 50-80% trained; sparsity curbs overfitting"},
    {"No vanishing gradient", "He et al. 2015: 30-layer ReLU net converges with He init, stalls with Xavier"},
    {"Non-linearity is needed", "a net of linear layers is one linear map"},
    {"Dying ReLU", "article: units stuck at 0 get no gradient and cannot come back; variants fix it"},
    {"Not zero-centred", "Clevert et al. 2015: ELU's mean closer to 0, faster learning"},
    {"The variants fix it", "leaky_relu, prelu, elu at least match relu; He et al.: larger PReLU slopes early"},
    {"CNNs for vision", "Fashion-MNIST README: 2 Conv+pooling 0.916"},
};

const char *lab_claim_title(int id)
{
    return id >= 1 && id <= LAB_NCLAIMS ? claims[id - 1].title : NULL;
}

const char *lab_claim_reference(int id)
{
    return id >= 1 && id <= LAB_NCLAIMS ? claims[id - 1].reference : NULL;
}

/* ---- metrics of a run --------------------------------------------------------------------- */

typedef double (*run_metric)(const struct lab_run *r);

static const struct lab_epoch *last_ep(const struct lab_run *r)
{
    return &r->ep[r->nepochs];
}

static double m_test_acc(const struct lab_run *r) { return last_ep(r)->test_acc; }
static double m_train_acc(const struct lab_run *r) { return r->train_acc; }
static double m_steps(const struct lab_run *r) { return r->steps_to_target; }
static double m_secs(const struct lab_run *r) { return r->secs_to_target; }
static double m_gap(const struct lab_run *r) { return r->train_acc - last_ep(r)->test_acc; }

/* Mean over the activation layers of field values of epoch ep (abs: of |value|). */
static double layer_mean(const struct lab_epoch *ep, const double *vals, int absolute)
{
    double s = 0.0;
    for (size_t k = 0; k < ep->nacts; k++)
        s += absolute ? fabs(vals[k]) : vals[k];
    return ep->nacts ? s / (double)ep->nacts : NAN;
}

static double m_init_sparsity(const struct lab_run *r) { return layer_mean(&r->ep[0], r->ep[0].sparsity, 0); }
static double m_sparsity(const struct lab_run *r) { return layer_mean(last_ep(r), last_ep(r)->sparsity, 0); }
static double m_dead(const struct lab_run *r) { return layer_mean(last_ep(r), last_ep(r)->dead, 0); }
static double m_absmean(const struct lab_run *r) { return layer_mean(last_ep(r), last_ep(r)->mean, 1); }

/* Loss of the last chunk of training (the end of the run). */
static double m_final_chunk_loss(const struct lab_run *r)
{
    return r->nchunks ? r->chunk_loss[r->nchunks - 1] : NAN;
}

/* Metrics a diverged run still has: the initialisation's, and the steps and seconds to the target
 * (reached before the run diverged, or never). Every other metric of a diverged run is NaN, so
 * the comparison it enters is inconclusive, and the report says "diverged (k of n)". */
static int valid_after_divergence(run_metric f)
{
    return f == m_init_sparsity || f == m_steps || f == m_secs;
}

/* metric over the seeds of the main runs of model/act. Returns 0, or -1 if a run failed. */
static int stat_main(struct lab *L, enum lab_model model, const char *act, run_metric f, struct lab_stat *out)
{
    double v[LAB_MAX_SEEDS];
    size_t n = L->p.seeds < LAB_MAX_SEEDS ? L->p.seeds : LAB_MAX_SEEDS, ndiv = 0;
    for (size_t s = 0; s < n; s++) {
        const struct lab_run *r = lab_main_run(L, model, act, s + 1);
        if (!r)
            return -1;
        ndiv += r->diverged != 0;
        v[s] = r->diverged && !valid_after_divergence(f) ? NAN : f(r);
    }
    *out = lab_stat_of(v, n);
    out->ndiv = ndiv;
    return 0;
}

/* ---- report text helpers ------------------------------------------------------------------ */

static const char *fmt_ratio(double a, double b, char *buf, size_t len)
{
    if (isinf(a) && !isinf(b))
        snprintf(buf, len, "never");
    else if (isinf(a) || isinf(b) || isnan(a) || isnan(b) || b <= 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.2fx", a / b);
    return buf;
}

static void lr_list(const struct lab_protocol *p, char *buf, size_t len)
{
    size_t used = 0;
    for (size_t i = 0; i < p->nlr && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%g", i ? ", " : "", p->lr[i]);
}

/* The shared protocol paragraph: data, nets, optimiser, seeds. */
static void protocol_text(FILE *f, const struct lab *L, int models)
{
    const struct lab_protocol *p = &L->p;
    char lrs[128];
    lr_list(p, lrs, sizeof lrs);
    fprintf(f, "**Protocol.** Fashion-MNIST (%s), inputs standardised with the training set's mean and std; "
               "test on %zu test images.",
            L->train.n == 60000 ? "Debian's dataset-fashion-mnist" : "the --data folder", lab_test_n(L));
    for (int m = 0; m < LAB_NMODELS; m++)
        if (models & (1 << m))
            fprintf(f, " %s: `%s`, the first %zu training images, %zu epochs.", m == LAB_MLP ? "MLP" : "CNN",
                    p->spec[m], lab_train_n(L, (enum lab_model)m), p->epochs[m]);
    fprintf(f, " SGD, momentum %g, batch %zu, the engine's default init (uniform, gain of the activation: He for "
               "relu). Each (net, activation) uses the learning rate of {%s} that reaches %.0f%% training error in "
               "the fewest steps (search runs of %zu/%zu epochs, seed 1; never reached: lowest final training loss; "
               "diverged runs lose). Seeds: %zu.\n\n",
            p->momentum, p->batch, lrs, 100 * p->target_err, p->grid_epochs[LAB_MLP], p->grid_epochs[LAB_CNN],
            p->seeds);
}

static void plot_ref(FILE *f, const struct lab *L, int ok, const char *name, const char *caption)
{
    if (ok)
        fprintf(f, "![%s](plots/%s.png)\n\n", caption, name);
    else if (!L->gnuplot)
        fprintf(f, "*(%s: not drawn, gnuplot is not installed: `apt-get install gnuplot-nox`; the numbers are in "
                   "plots/%s.dat)*\n\n", caption, name);
    else
        fprintf(f, "*(%s: gnuplot failed, see plots/%s.log)*\n\n", caption, name);
}

static void verdict_text(FILE *f, const struct lab_result *r, const char *rule, const char *change)
{
    fprintf(f, "**Rule** (docs/claims.md, fixed before the run): %s\n\n**Verdict: %s.** %s.\n\n"
               "**What would change it:** %s\n",
            rule, lab_verdict_str(r->verdict), r->why, change);
}

/* ---- the claims --------------------------------------------------------------------------- */

static int claim1(struct lab *L, struct lab_result *r, FILE *f)
{
    struct lab_speed s;
    if (lab_speed_measure(L, &s) != 0)
        return -1;
    if (L->dry)
        return 0;
    static const char *const opn[LAB_SPEED_OPS] = {"relu", "sigmoid", "tanh"};
    struct lab_c1_in in;
    for (int d = 0; d < 2; d++)
        in.relu[d] = s.ns[0][0][d][0], in.sigmoid[d] = s.ns[0][1][d][0], in.tanh[d] = s.ns[0][2][d][0];
    r->verdict = lab_rule_c1(&in, r->why, sizeof r->why);
    snprintf(r->measured, sizeof r->measured, "L1 ns/el relu %.3f/%.3f, sigmoid %.3f/%.3f, tanh %.3f/%.3f (fwd/bwd)",
             in.relu[0], in.relu[1], in.sigmoid[0], in.sigmoid[1], in.tanh[0], in.tanh[1]);
    fprintf(f, "**Protocol.** relu, sigmoid and tanh, forward and backward (from x), float32, one thread, at n = %zu "
               "(L1) and n = %zu (DRAM, beyond the last-level cache), inputs uniform in [-6, 6]. Timed with actlab "
               "bench's harness: warm-up, then the median of %zu runs of >= 2 ms, implementations round-robin. Peers "
               "in the same process on the same buffers; PyTorch in its own process.\n\n",
            s.n[0], s.n[1], L->p.bench_runs);
    fprintf(f, "| implementation | op | fwd L1 | bwd L1 | fwd DRAM | bwd DRAM | fwd L1 / relu | bwd L1 / relu |\n"
               "|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < LAB_SPEED_IMPLS; i++) {
        if (!s.present[i])
            continue;
        for (int o = 0; o < LAB_SPEED_OPS; o++) {
            const double v[6] = {s.ns[i][o][0][0], s.ns[i][o][1][0], s.ns[i][o][0][1], s.ns[i][o][1][1],
                                 s.ns[i][o][0][0] / s.ns[i][0][0][0], s.ns[i][o][1][0] / s.ns[i][0][1][0]};
            fprintf(f, "| %s | %s |", s.impl[i], opn[o]);
            for (int k = 0; k < 6; k++)
                if (isnan(v[k]))
                    fprintf(f, " - |");
                else
                    fprintf(f, k < 4 ? " %.3f |" : " %.2f |", v[k]);
            fprintf(f, "\n");
        }
    }
    fprintf(f, "\nns per element; `-`: the implementation lacks it. Implementations:\n\n");
    for (int i = 0; i < LAB_SPEED_IMPLS; i++)
        if (s.impl[i])
            fprintf(f, "- %s: %s\n", s.impl[i], s.present[i] ? s.about[i] : s.about[i][0] ? s.about[i] : "absent");
    fprintf(f, "\n");
    const char *labels[6] = {"relu fwd", "sigmoid fwd", "tanh fwd", "relu bwd", "sigmoid bwd", "tanh bwd"};
    const char *groups[LAB_SPEED_IMPLS];
    double y[LAB_SPEED_IMPLS * 6];
    size_t ng = 0;
    for (int i = 0; i < LAB_SPEED_IMPLS; i++) {
        if (!s.present[i])
            continue;
        groups[ng] = s.impl[i];
        for (int c = 0; c < 6; c++)
            y[ng * 6 + (size_t)c] = s.ns[i][c % 3][c / 3][0];
        ng++;
    }
    int ok = lab_plot_bars(L, "c1_speed", "ns per element in L1 (lower is cheaper)", "ns / element", labels, 6, groups,
                           ng, y, NULL);
    plot_ref(f, L, ok, "c1_speed", "ns per element in L1");
    verdict_text(f, r,
                 "on actlab in L1 (compute-bound), relu holds if sigmoid and tanh take >= 1.10x relu's time in both "
                 "directions; does not hold if either takes < 1/1.10 of it; otherwise inconclusive. DRAM and the peers "
                 "are shown for context.",
                 "a sigmoid/tanh kernel within 10% of relu's speed in L1. Out of cache a fast enough kernel is bound "
                 "by memory and the ratios shrink towards 1; the DRAM columns show how far each implementation is "
                 "from that.");
    return 0;
}

/* Loss-curve plot of the main seed-1 runs of model for acts. */
static int plot_curves(struct lab *L, const char *name, const char *title, enum lab_model model,
                       const char *const *acts, size_t nacts, int err_curve)
{
    struct lab_series s[16];
    size_t n = 0;
    for (size_t a = 0; a < nacts && n < 16; a++) {
        const struct lab_run *run = lab_main_run(L, model, acts[a], 1);
        if (!run)
            return -1;
        s[n++] = (struct lab_series){acts[a], run->nchunks, run->chunk_step, err_curve ? run->chunk_err : run->chunk_loss};
    }
    return lab_plot_lines(L, name, title, "training step", err_curve ? "training error (running, per chunk)"
                                                                      : "training loss (running, per chunk)",
                          !err_curve, s, n);
}

static int claim2(struct lab *L, struct lab_result *r, FILE *f)
{
    struct lab_c2_in in = {.nmodels = LAB_NMODELS, .model = {"mlp", "cnn"}};
    struct lab_stat steps[LAB_NMODELS][NACTS], secs[LAB_NMODELS][NACTS];
    double lr[LAB_NMODELS][NACTS];
    for (int m = 0; m < LAB_NMODELS; m++)
        for (size_t a = 0; a < NACTS; a++) {
            if (stat_main(L, (enum lab_model)m, ACTS[a], m_steps, &steps[m][a]) ||
                stat_main(L, (enum lab_model)m, ACTS[a], m_secs, &secs[m][a]))
                return -1;
            lr[m][a] = lab_best_lr(L, (enum lab_model)m, ACTS[a]);
        }
    int okp[LAB_NMODELS];
    for (int m = 0; m < LAB_NMODELS; m++) {
        char name[32], title[96];
        snprintf(name, sizeof name, "c2_loss_%s", lab_model_name((enum lab_model)m));
        snprintf(title, sizeof title, "%s: training loss per step (seed 1, best lr)", lab_model_name((enum lab_model)m));
        if ((okp[m] = plot_curves(L, name, title, (enum lab_model)m, ACTS, NACTS, 0)) < 0)
            return -1;
    }
    if (L->dry)
        return 0;
    for (int m = 0; m < LAB_NMODELS; m++)
        in.relu[m] = steps[m][0], in.tanh[m] = steps[m][5], in.sigmoid[m] = steps[m][4];
    r->verdict = lab_rule_c2(&in, r->why, sizeof r->why);
    char a[32], b[32], c[32], d[32];
    snprintf(r->measured, sizeof r->measured, "steps to %.0f%% train err vs relu: mlp tanh %s sigmoid %s; cnn tanh %s sigmoid %s",
             100 * L->p.target_err, fmt_ratio(steps[0][5].mean, steps[0][0].mean, a, sizeof a),
             fmt_ratio(steps[0][4].mean, steps[0][0].mean, b, sizeof b),
             fmt_ratio(steps[1][5].mean, steps[1][0].mean, c, sizeof c),
             fmt_ratio(steps[1][4].mean, steps[1][0].mean, d, sizeof d));
    protocol_text(f, L, 3);
    fprintf(f, "Training error is the running error of the minibatches of each chunk of %zu steps (as AlexNet's "
               "curves); steps and seconds count until the first chunk at or below %.0f%%.\n\n",
            L->p.chunk_steps, 100 * L->p.target_err);
    for (int m = 0; m < LAB_NMODELS; m++) {
        fprintf(f, "%s:\n\n| activation | best lr | steps to %.0f%% | seconds | steps / relu's | seconds / relu's |\n"
                   "|---|---|---|---|---|---|\n",
                lab_model_name((enum lab_model)m), 100 * L->p.target_err);
        for (size_t k = 0; k < NACTS; k++)
            fprintf(f, "| %s | %g | %s | %s | %s | %s |\n", ACTS[k], lr[m][k], lab_stat_fmt(steps[m][k], 0, a, sizeof a),
                    lab_stat_fmt(secs[m][k], 2, b, sizeof b), fmt_ratio(steps[m][k].mean, steps[m][0].mean, c, sizeof c),
                    fmt_ratio(secs[m][k].mean, secs[m][0].mean, d, sizeof d));
        fprintf(f, "\n");
        char name[32], cap[64];
        snprintf(name, sizeof name, "c2_loss_%s", lab_model_name((enum lab_model)m));
        snprintf(cap, sizeof cap, "%s training loss", lab_model_name((enum lab_model)m));
        plot_ref(f, L, okp[m], name, cap);
    }
    fprintf(f, "Reference: AlexNet (Krizhevsky et al. 2012, fig. 1) reached 25%% training error on CIFAR-10 six times "
               "faster with ReLU than with tanh; ours: tanh / relu = %s (mlp), %s (cnn).\n\n",
            fmt_ratio(steps[0][5].mean, steps[0][0].mean, a, sizeof a),
            fmt_ratio(steps[1][5].mean, steps[1][0].mean, b, sizeof b));
    verdict_text(f, r,
                 "for each net and each of tanh and sigmoid, relu is faster if the other's steps to the target exceed "
                 "relu's beyond noise (mean ± std intervals apart, and by more than 10% of relu's steps); the claim "
                 "holds if relu is faster in every pair, does not hold if it is slower beyond noise in any pair, and "
                 "is inconclusive otherwise. Never reaching the target counts as infinitely many steps. Seconds are "
                 "shown, not judged: they add each activation's own cost per step (claim 1) and the machine's noise.",
                 "a different target (the easier, the closer the ratios to 1), more seeds shrinking the noise, or a "
                 "finer learning-rate grid.");
    return 0;
}

/* Curves over epochs (0 = init): each layer's zero fraction, or the dead fraction averaged over
 * the layers, of each run. */
enum curve { CURVE_SPARSITY, CURVE_DEAD_MEAN };
static int plot_over_epochs(struct lab *L, const char *name, const char *title, const char *ylabel,
                            const struct lab_run *const *runs, const char *const *labels, size_t nruns, enum curve what)
{
    static double xs[LAB_MAX_EPOCHS + 1];
    static double ys[16][LAB_MAX_EPOCHS + 1];
    struct lab_series s[16];
    char titles[16][64];
    size_t n = 0;
    for (size_t e = 0; e <= LAB_MAX_EPOCHS; e++)
        xs[e] = (double)e;
    for (size_t i = 0; i < nruns; i++) {
        const struct lab_run *run = runs[i];
        size_t nk = what == CURVE_DEAD_MEAN ? 1 : run->ep[0].nacts;
        for (size_t k = 0; k < nk && n < 16; k++) {
            for (size_t e = 0; e <= run->nepochs; e++)
                ys[n][e] = what == CURVE_DEAD_MEAN ? layer_mean(&run->ep[e], run->ep[e].dead, 0) : run->ep[e].sparsity[k];
            if (what == CURVE_DEAD_MEAN)
                snprintf(titles[n], sizeof titles[n], "%s", labels[i]);
            else
                snprintf(titles[n], sizeof titles[n], "%s L%zu", labels[i], k + 1);
            s[n] = (struct lab_series){titles[n], run->nepochs + 1, xs, ys[n]};
            n++;
        }
    }
    return lab_plot_lines(L, name, title, "epoch (0 = initialisation)", ylabel, 0, s, n);
}

static int claim3(struct lab *L, struct lab_result *r, FILE *f)
{
    struct lab_c3_in in = {0};
    struct lab_stat gap[NACTS], tr[NACTS], te[NACTS], init_sp[LAB_NMODELS], sp[LAB_NMODELS];
    const struct lab_run *runs[LAB_NMODELS];
    static const char *const labels[LAB_NMODELS] = {"mlp", "cnn"};
    for (int m = 0; m < LAB_NMODELS; m++) {
        if (stat_main(L, (enum lab_model)m, "relu", m_init_sparsity, &init_sp[m]) ||
            stat_main(L, (enum lab_model)m, "relu", m_sparsity, &sp[m]) ||
            !(runs[m] = lab_main_run(L, (enum lab_model)m, "relu", 1)))
            return -1;
    }
    for (size_t a = 0; a < NACTS; a++)
        if (stat_main(L, LAB_MLP, ACTS[a], m_gap, &gap[a]) || stat_main(L, LAB_MLP, ACTS[a], m_test_acc, &te[a]))
            return -1;
    int ok1 = plot_over_epochs(L, "c3_sparsity", "relu layers: fraction of exact zeros (test images)", "zero fraction",
                               runs, labels, LAB_NMODELS, CURVE_SPARSITY);
    if (L->dry)
        return 0;
    for (size_t a = 0; a < NACTS; a++)
        if (stat_main(L, LAB_MLP, ACTS[a], m_train_acc, &tr[a]))
            return -1;
    in.init_sparsity = (init_sp[0].mean + init_sp[1].mean) / 2;
    in.trained_sparsity = (sp[0].mean + sp[1].mean) / 2;
    in.relu_gap = gap[0];
    for (size_t a = 1; a < NACTS; a++)
        in.other_gap[in.nothers++] = gap[a];
    r->verdict = lab_rule_c3(&in, r->why, sizeof r->why);
    char a[48], b[48], c[48], d[48];
    snprintf(r->measured, sizeof r->measured, "zeros: init %.0f%%, trained %.0f%% (mlp %.0f%%, cnn %.0f%%); mlp gap relu %.3f",
             100 * in.init_sparsity, 100 * in.trained_sparsity, 100 * sp[0].mean, 100 * sp[1].mean, gap[0].mean);
    protocol_text(f, L, 3);
    fprintf(f, "Sparsity: fraction of exact zeros in each relu layer's output over the test images, at "
               "initialisation and after training. Gap: accuracy on the first %zu training images minus test "
               "accuracy, MLP.\n\n| net | layer | zeros at init | zeros trained | dead units trained |\n|---|---|---|---|---|\n",
            L->p.probe_n);
    for (int m = 0; m < LAB_NMODELS; m++)
        for (size_t k = 0; k < runs[m]->ep[0].nacts; k++)
            fprintf(f, "| %s | L%zu | %.3f | %.3f | %.3f |\n", labels[m], k + 1, runs[m]->ep[0].sparsity[k],
                    last_ep(runs[m])->sparsity[k], last_ep(runs[m])->dead[k]);
    fprintf(f, "\n(seed 1; means over seeds and layers: init %s / %s, trained %s / %s for mlp / cnn)\n\n",
            lab_stat_fmt(init_sp[0], 3, a, sizeof a), lab_stat_fmt(init_sp[1], 3, b, sizeof b), lab_stat_fmt(sp[0], 3, c, sizeof c),
            lab_stat_fmt(sp[1], 3, d, sizeof d));
    plot_ref(f, L, ok1, "c3_sparsity", "relu zero fraction per layer over epochs");
    fprintf(f, "| activation (mlp) | train acc | test acc | gap |\n|---|---|---|---|\n");
    for (size_t k = 0; k < NACTS; k++)
        fprintf(f, "| %s | %s | %s | %s |\n", ACTS[k], lab_stat_fmt(tr[k], 4, a, sizeof a), lab_stat_fmt(te[k], 4, b, sizeof b),
                lab_stat_fmt(gap[k], 4, c, sizeof c));
    fprintf(f, "\n");
    verdict_text(f, r,
                 "(a) sparse: holds if the mean zero fraction of relu layers is >= 40% at init and >= 50% trained "
                 "(Glorot's ~50% and 50-80%), does not hold if < 30% at init or < 40% trained; (b) sparsity curbs "
                 "overfitting: relu's train-test gap is compared with each other activation's (noise: mean ± std, "
                 "floor 0.005); holds if it is smaller than more than half of them, does not hold if larger than "
                 "more than half. The claim holds if (a) and (b) hold, does not if either does not.",
                 "longer training (gaps grow with epochs: short runs barely overfit, which makes (b) inconclusive), "
                 "biases initialised away from 0 (init sparsity is ~50% by symmetry with zero biases).");
    return 0;
}

/* Training images of the deep runs. */
static size_t deep_n(const struct lab *L)
{
    return L->p.deep_train_n && L->p.deep_train_n < L->train.n ? L->p.deep_train_n : L->train.n;
}

static int claim4(struct lab *L, struct lab_result *r, FILE *f)
{
    const struct lab_protocol *p = &L->p;
    double ratio[NDEEP][4];
    size_t seeds = p->seeds < LAB_MAX_SEEDS ? p->seeds : LAB_MAX_SEEDS;
    for (size_t a = 0; a < NDEEP; a++)
        for (size_t d = 0; d < p->ndepths; d++) {
            double v[LAB_MAX_SEEDS];
            for (size_t s = 0; s < seeds; s++)
                v[s] = lab_grad_ratio(L, DEEP_ACTS[a], p->depth[d], NN_INIT_AUTO, s + 1);
            ratio[a][d] = lab_stat_of(v, seeds).mean;
        }
    const struct lab_run *deep[NDEEP], *hx[2];
    for (size_t a = 0; a < NDEEP; a++) {
        struct lab_run_cfg c = {.model = LAB_MLP, .lr = p->deep_lr, .seed = 1, .epochs = 1, .deep = 1,
                                .depth = p->deep_layers};
        snprintf(c.act, sizeof c.act, "%s", DEEP_ACTS[a]);
        if (!(deep[a] = lab_run_get(L, &c)))
            return -1;
    }
    static const enum nn_init inits[2] = {NN_INIT_HE_NORMAL, NN_INIT_XAVIER_UNIFORM};
    for (int i = 0; i < 2; i++) {
        struct lab_run_cfg c = {.model = LAB_MLP, .act = "relu", .lr = p->deep_lr, .seed = 1, .epochs = 1,
                                .init = inits[i], .deep = 1, .depth = p->he_layers};
        if (!(hx[i] = lab_run_get(L, &c)))
            return -1;
    }
    if (L->dry)
        return 0;
    struct lab_series s[NDEEP + 2];
    double xs[4];
    for (size_t d = 0; d < p->ndepths; d++)
        xs[d] = (double)p->depth[d];
    for (size_t a = 0; a < NDEEP; a++)
        s[a] = (struct lab_series){DEEP_ACTS[a], p->ndepths, xs, ratio[a]};
    int ok1 = lab_plot_lines(L, "c4_grad_ratio", "weight-gradient norm, first layer / output layer, at init",
                             "depth (hidden layers, width 256)", "ratio", 1, s, NDEEP);
    char titles[NDEEP + 2][48];
    for (size_t a = 0; a < NDEEP; a++) {
        snprintf(titles[a], sizeof titles[a], "%zu-layer %s", p->deep_layers, DEEP_ACTS[a]);
        s[a] = (struct lab_series){titles[a], deep[a]->nchunks, deep[a]->chunk_step, deep[a]->chunk_loss};
    }
    for (int i = 0; i < 2; i++) {
        snprintf(titles[NDEEP + i], sizeof titles[0], "%zu-layer relu, %s init", p->he_layers, i ? "Xavier" : "He");
        s[NDEEP + i] = (struct lab_series){titles[NDEEP + i], hx[i]->nchunks, hx[i]->chunk_step, hx[i]->chunk_loss};
    }
    int ok2 = lab_plot_lines(L, "c4_deep_loss", "deep MLPs: training loss in the first epoch", "training step",
                             "training loss (running, per chunk)", 0, s, NDEEP + 2);
    struct lab_c4_in in = {p->ndepths, {0}, {0}, m_final_chunk_loss(deep[0])};
    for (size_t d = 0; d < p->ndepths; d++)
        in.depth[d] = p->depth[d], in.relu_ratio[d] = ratio[0][d];
    r->verdict = lab_rule_c4(&in, r->why, sizeof r->why);
    char hxwhy[256];
    enum lab_verdict hxv = lab_rule_he_xavier(m_final_chunk_loss(hx[0]), m_final_chunk_loss(hx[1]), hxwhy, sizeof hxwhy);
    double rlo = INFINITY, rhi = -INFINITY; /* relu's range over the depths; NaN if one is NaN */
    for (size_t d = 0; d < p->ndepths; d++) {
        if (isnan(ratio[0][d]))
            rlo = rhi = NAN;
        if (!isnan(rlo))
            rlo = ratio[0][d] < rlo ? ratio[0][d] : rlo, rhi = ratio[0][d] > rhi ? ratio[0][d] : rhi;
    }
    snprintf(r->measured, sizeof r->measured,
             "grad ratio relu %.2g..%.2g vs sigmoid %.2g at depth %zu; %zu-layer relu loss %.2f; He/Xavier 30-layer %.2f/%.2f",
             rlo, rhi, ratio[4][p->ndepths - 1],
             p->depth[p->ndepths - 1], p->deep_layers, in.relu_deep_loss, m_final_chunk_loss(hx[0]),
             m_final_chunk_loss(hx[1]));
    fprintf(f, "**Protocol.** Plain MLPs `deep-mlp:depth=D,width=%zu` (D hidden layers, then the output layer), the "
               "engine's default init (uniform, the activation's gain). Gradient ratio: L2 norm of the first layer's "
               "weight gradient over the output layer's, softmax cross-entropy on one batch of 256 training images at "
               "initialisation, mean over %zu seed(s). Trainability: a %zu-layer MLP per activation trained for one "
               "epoch on the first %zu training images (SGD lr %g, momentum %g, batch %zu); the loss of the last "
               "chunk of %zu steps against chance (ln 10 = 2.303). He et al.'s comparison: a %zu-layer relu MLP with "
               "He (normal) and with Xavier (uniform) init, same training.\n\n",
            p->deep_width, seeds, p->deep_layers, deep_n(L), p->deep_lr, p->momentum, p->batch, p->chunk_steps,
            p->he_layers);
    fprintf(f, "| activation |");
    for (size_t d = 0; d < p->ndepths; d++)
        fprintf(f, " ratio D=%zu |", p->depth[d]);
    fprintf(f, " %zu-layer loss after 1 epoch |\n|---|", p->deep_layers);
    for (size_t d = 0; d <= p->ndepths; d++)
        fprintf(f, "---|");
    fprintf(f, "\n");
    for (size_t a = 0; a < NDEEP; a++) {
        fprintf(f, "| %s |", DEEP_ACTS[a]);
        for (size_t d = 0; d < p->ndepths; d++)
            fprintf(f, " %.3g |", ratio[a][d]);
        fprintf(f, " %.3f%s |\n", m_final_chunk_loss(deep[a]), deep[a]->diverged ? " (diverged)" : "");
    }
    fprintf(f, "\n");
    plot_ref(f, L, ok1, "c4_grad_ratio", "gradient ratio vs depth");
    plot_ref(f, L, ok2, "c4_deep_loss", "deep MLP training loss");
    fprintf(f, "He et al. 2015 (fig. 3) reproduced: **%s**: %s. (Reported next to the verdict, not part of it: "
               "it is about the init, not the activation.)\n\n",
            hxv == LAB_HOLDS ? "yes" : hxv == LAB_NOT_HOLD ? "no" : "unclear", hxwhy);
    verdict_text(f, r,
                 "(a) relu's gradient ratio lies in [0.1, 10] at every depth: holds; outside [0.01, 100] at any "
                 "depth: does not hold; (b) the 20-layer relu MLP trains in one epoch: final chunk loss < 0.8 ln 10 "
                 "holds, > 0.95 ln 10 does not. The claim holds if (a) and (b) hold.",
                 "an init without the activation's gain (Xavier at 30 layers: see He's comparison above), a learning "
                 "rate that makes the deep net diverge, or far greater depth.");
    return 0;
}

/* Acc of relu and identity per net, bars. */
static int claim5(struct lab *L, struct lab_result *r, FILE *f)
{
    struct lab_c5_in in = {.nmodels = LAB_NMODELS, .model = {"mlp", "cnn"}};
    for (int m = 0; m < LAB_NMODELS; m++)
        if (stat_main(L, (enum lab_model)m, "relu", m_test_acc, &in.relu[m]) ||
            stat_main(L, (enum lab_model)m, "identity", m_test_acc, &in.identity[m]))
            return -1;
    if (L->dry)
        return 0;
    r->verdict = lab_rule_c5(&in, r->why, sizeof r->why);
    snprintf(r->measured, sizeof r->measured, "test acc relu/identity: mlp %.4f/%.4f, cnn %.4f/%.4f", in.relu[0].mean,
             in.identity[0].mean, in.relu[1].mean, in.identity[1].mean);
    protocol_text(f, L, 3);
    fprintf(f, "The same nets with the identity activation are linear models (the CNN's max-pooling is its only "
               "non-linearity left).\n\n| net | relu test acc | identity test acc |\n|---|---|---|\n");
    char a[48], b[48];
    double y[4], e[4];
    for (int m = 0; m < LAB_NMODELS; m++) {
        fprintf(f, "| %s | %s | %s |\n", in.model[m], lab_stat_fmt(in.relu[m], 4, a, sizeof a),
                lab_stat_fmt(in.identity[m], 4, b, sizeof b));
        y[m * 2] = in.relu[m].mean, e[m * 2] = in.relu[m].std;
        y[m * 2 + 1] = in.identity[m].mean, e[m * 2 + 1] = in.identity[m].std;
    }
    fprintf(f, "\n");
    static const char *const cats[2] = {"relu", "identity"};
    int ok = lab_plot_bars(L, "c5_accuracy", "test accuracy: relu vs identity (mean ± std over seeds)", "test accuracy",
                           cats, 2, in.model, 2, y, e);
    plot_ref(f, L, ok, "c5_accuracy", "relu vs identity accuracy");
    verdict_text(f, r,
                 "per net, relu's test accuracy against identity's (noise: mean ± std, floor 0.005): holds if relu "
                 "is higher beyond noise on every net, does not hold if lower beyond noise on any, else inconclusive.",
                 "a linearly separable task (then a linear model is enough), or a net too small for the extra "
                 "capacity to show.");
    return 0;
}

static int claim6(struct lab *L, struct lab_result *r, FILE *f)
{
    const struct lab_protocol *p = &L->p;
    struct lab_c6_in in = {.nconds = 2, .cond = {"large lr", "negative bias"}};
    double relu_lr = lab_best_lr(L, LAB_MLP, "relu"), big_lr = p->big_lr[p->nbig - 1];
    int big_found = 0; /* 0: relu diverged at every candidate, and the last one is used */
    if (isnan(relu_lr))
        return -1;
    /* The large rate: the first candidate at which relu (seed 1) does not diverge, since a net
     * of NaNs has no live or dead units to count. */
    for (size_t i = 0; i < p->nbig; i++) {
        struct lab_run_cfg cfg = {.model = LAB_MLP, .act = "relu", .lr = p->big_lr[i], .seed = 1,
                                  .epochs = p->epochs[LAB_MLP]};
        const struct lab_run *run = lab_run_get(L, &cfg);
        if (!run)
            return -1;
        if (!run->diverged) {
            big_lr = p->big_lr[i];
            big_found = 1;
            break;
        }
    }
    const double lrs[2] = {big_lr, relu_lr}, biases[2] = {0.0, p->neg_bias};
    const struct lab_run *first[2][4];
    size_t seeds = p->seeds < LAB_MAX_SEEDS ? p->seeds : LAB_MAX_SEEDS;
    double div[2][4] = {{0}};
    for (int c = 0; c < 2; c++)
        for (int a = 0; a < 4; a++) {
            double v[LAB_MAX_SEEDS];
            size_t nv = 0;
            for (size_t s = 0; s < seeds; s++) {
                struct lab_run_cfg cfg = {.model = LAB_MLP, .lr = lrs[c], .seed = s + 1, .epochs = p->epochs[LAB_MLP],
                                          .bias = biases[c]};
                snprintf(cfg.act, sizeof cfg.act, "%s", DYING_ACTS[a]);
                const struct lab_run *run = lab_run_get(L, &cfg);
                if (!run)
                    return -1;
                if (!s)
                    first[c][a] = run;
                div[c][a] += run->diverged;
                if (run->diverged) /* excluded: NaN activations are neither dead nor alive */
                    continue;
                v[nv++] = m_dead(run);
                if (a == 0)
                    in.relu_ever_dead += run->ever_dead, in.relu_revived += run->revived;
            }
            in.dead[c][a] = lab_stat_of(v, nv);
        }
    if (L->dry)
        return 0;
    const struct lab_run *runs[8];
    char titles[8][64];
    const char *labels[8];
    size_t nplot = 0;
    for (int c = 0; c < 2; c++)
        for (int a = 0; a < 4; a++)
            if (!first[c][a]->diverged) {
                runs[nplot] = first[c][a];
                snprintf(titles[nplot], sizeof titles[0], "%s, %s", DYING_ACTS[a], in.cond[c]);
                labels[nplot] = titles[nplot];
                nplot++;
            }
    int ok = plot_over_epochs(L, "c6_dead", "dead units (never positive on the test images), mean over layers",
                              "dead fraction", runs, labels, nplot, CURVE_DEAD_MEAN);
    r->verdict = lab_rule_c6(&in, r->why, sizeof r->why);
    snprintf(r->measured, sizeof r->measured, "dead relu %.1f%% (lr %g) / %.1f%% (bias %g); leaky %.1f/%.1f%%; %zu of %zu dead came back",
             100 * in.dead[0][0].mean, big_lr, 100 * in.dead[1][0].mean, p->neg_bias, 100 * in.dead[0][1].mean,
             100 * in.dead[1][1].mean, in.relu_revived, in.relu_ever_dead);
    fprintf(f, "**Protocol.** The MLP `%s` on the first %zu training images, %zu epochs, SGD momentum %g, batch %zu, "
               "%zu seed(s), under two stresses: (1) a large learning rate, %g (%s); (2) every hidden bias initialised to "
               "%g, at relu's best learning rate (%g). A unit is dead when it is never positive on the %zu test "
               "images (relu: output never non-zero; leaky_relu, prelu, elu: input never > 0), checked at init and "
               "after every epoch. Revived: units dead at one check and alive at a later one. Diverged runs (loss NaN or "
               "inf) are left out of the dead fractions and counts: their activations are NaN.\n\n",
            p->spec[LAB_MLP], lab_train_n(L, LAB_MLP), p->epochs[LAB_MLP], p->momentum, p->batch, seeds, big_lr,
            big_found ? "the first of 0.5, 0.3, 0.2, 0.1 at which relu (seed 1) does not diverge"
                      : "relu (seed 1) diverged at every one of 0.5, 0.3, 0.2, 0.1; this is the last",
            p->neg_bias, relu_lr, lab_test_n(L));
    fprintf(f, "| condition | activation | dead at end | test acc (seed 1) | diverged runs | ever dead | revived |\n"
               "|---|---|---|---|---|---|---|\n");
    char a[48];
    for (int c = 0; c < 2; c++)
        for (int k = 0; k < 4; k++)
            fprintf(f, "| %s | %s | %s | %.4f | %.0f | %zu | %zu |\n", in.cond[c], DYING_ACTS[k],
                    lab_stat_fmt(in.dead[c][k], 3, a, sizeof a), last_ep(first[c][k])->test_acc, div[c][k],
                    first[c][k]->ever_dead, first[c][k]->revived);
    fprintf(f, "\n(ever dead / revived: seed 1; the rule sums relu's over all runs)\n\n");
    plot_ref(f, L, ok, "c6_dead", "dead fraction over epochs");
    verdict_text(f, r,
                 "(a) relu dies: in the worse condition relu's dead fraction is >= 5% (holds) or < 1% (does not); "
                 "(b) the variants fix it: in that condition relu's dead fraction exceeds each variant's beyond noise "
                 "(mean ± std, floor 0.02) (holds), or some variant's exceeds relu's (does not); (c) dead units never "
                 "come back: of >= 10 relu units ever dead, <= 1% revive (holds), > 5% (does not). The claim holds if "
                 "(a), (b), (c) hold, does not if any does not.",
                 "other stresses (a larger learning rate kills more units; a learning rate that diverges makes every "
                 "unit NaN), weight decay, or counting death on the training images instead of the test images. "
                 "Revival is possible in principle: a dead unit's own weights get no gradient, but the layers "
                 "before it keep changing its input.");
    return 0;
}

static int claim7(struct lab *L, struct lab_result *r, FILE *f)
{
    size_t seeds = L->p.seeds < LAB_MAX_SEEDS ? L->p.seeds : LAB_MAX_SEEDS;
    double absm[4][LAB_MAX_SEEDS], steps[4][LAB_MAX_SEEDS];
    size_t ndiv[4] = {0};
    const struct lab_run *first[LAB_NMODELS][4];
    for (int a = 0; a < 4; a++)
        for (size_t s = 0; s < seeds; s++) {
            absm[a][s] = steps[a][s] = 0.0;
            for (int m = 0; m < LAB_NMODELS; m++) {
                const struct lab_run *run = lab_main_run(L, (enum lab_model)m, MEAN_ACTS[a], s + 1);
                if (!run)
                    return -1;
                if (!s)
                    first[m][a] = run;
                /* a diverged run has no end-of-training mean (NaN: that part is inconclusive); its steps
                 * to the target stand (reached before it diverged, or never) */
                absm[a][s] += run->diverged ? NAN : m_absmean(run) / LAB_NMODELS;
                ndiv[a] += run->diverged != 0;
                steps[a][s] += run->steps_to_target;
            }
        }
    if (L->dry)
        return 0;
    struct lab_c7_in in = {lab_stat_of(absm[0], seeds), lab_stat_of(absm[1], seeds), lab_stat_of(steps[0], seeds),
                           lab_stat_of(steps[1], seeds)};
    r->verdict = lab_rule_c7(&in, r->why, sizeof r->why);
    snprintf(r->measured, sizeof r->measured, "mean abs layer mean relu %.3f, elu %.3f, tanh %.3f, leaky %.3f; steps relu %.0f elu %.0f",
             in.relu_absmean.mean, in.elu_absmean.mean, lab_stat_of(absm[2], seeds).mean,
             lab_stat_of(absm[3], seeds).mean, in.relu_steps.mean, in.elu_steps.mean);
    protocol_text(f, L, 3);
    fprintf(f, "Mean activation: the mean output of each activation layer over the test images after training; "
               "the rule uses the mean over layers of |mean|, averaged over the two nets. Steps: to %.0f%% training "
               "error, summed over the two nets.\n\n| net | activation | mean per layer (L1, L2, ...) |\n|---|---|---|\n",
            100 * L->p.target_err);
    static double xs[LAB_MAX_ACTS];
    struct lab_series s[8];
    char titles[8][48];
    for (size_t k = 0; k < LAB_MAX_ACTS; k++)
        xs[k] = (double)(k + 1);
    for (int m = 0; m < LAB_NMODELS; m++)
        for (int a = 0; a < 4; a++) {
            const struct lab_epoch *ep = last_ep(first[m][a]);
            fprintf(f, "| %s | %s |", lab_model_name((enum lab_model)m), MEAN_ACTS[a]);
            for (size_t k = 0; k < ep->nacts; k++)
                fprintf(f, " %+.3f", ep->mean[k]);
            fprintf(f, " |\n");
            snprintf(titles[m * 4 + a], sizeof titles[0], "%s %s", lab_model_name((enum lab_model)m), MEAN_ACTS[a]);
            s[m * 4 + a] = (struct lab_series){titles[m * 4 + a], ep->nacts, xs, ep->mean};
        }
    fprintf(f, "\n(seed 1)\n\n");
    for (int a = 0; a < 4; a++)
        if (ndiv[a])
            fprintf(f, "%s: %zu of the %zu main runs (both nets, all seeds) diverged; they have no mean after "
                       "training.\n\n", MEAN_ACTS[a], ndiv[a], seeds * LAB_NMODELS);
    int ok = lab_plot_lines(L, "c7_mean", "mean activation per layer after training (test images)", "layer",
                            "mean activation", 0, s, 8);
    plot_ref(f, L, ok, "c7_mean", "mean activation per layer");
    verdict_text(f, r,
                 "(a) ELU is closer to zero-centred: relu's mean |layer mean| exceeds elu's beyond noise (mean ± std, "
                 "floor 0.05) (holds) or is below it (does not); (b) ELU converges faster: elu's steps to the target "
                 "are fewer than relu's beyond noise (floor 10% of relu's) (holds) or more (does not). The claim "
                 "holds if (a) and (b) hold.",
                 "batch normalisation (which centres every layer), a different target error, or more seeds.");
    return 0;
}

static int claim8(struct lab *L, struct lab_result *r, FILE *f)
{
    struct lab_stat acc[LAB_NMODELS][NACTS];
    for (int m = 0; m < LAB_NMODELS; m++)
        for (size_t a = 0; a < NACTS; a++)
            if (stat_main(L, (enum lab_model)m, ACTS[a], m_test_acc, &acc[m][a]))
                return -1;
    if (L->dry)
        return 0;
    struct lab_c8_in in = {.nmodels = LAB_NMODELS, .model = {"mlp", "cnn"}};
    for (int m = 0; m < LAB_NMODELS; m++) {
        in.relu[m] = acc[m][0];
        for (int v = 0; v < 3; v++)
            in.variant[m][v] = acc[m][1 + v];
    }
    r->verdict = lab_rule_c8(&in, r->why, sizeof r->why);
    snprintf(r->measured, sizeof r->measured, "mlp relu %.4f leaky %.4f prelu %.4f elu %.4f; cnn relu %.4f leaky %.4f prelu %.4f elu %.4f",
             acc[0][0].mean, acc[0][1].mean, acc[0][2].mean, acc[0][3].mean, acc[1][0].mean, acc[1][1].mean,
             acc[1][2].mean, acc[1][3].mean);
    protocol_text(f, L, 3);
    char a[48], b[48];
    fprintf(f, "| activation | mlp test acc | cnn test acc |\n|---|---|---|\n");
    double y[LAB_NMODELS * NACTS], e[LAB_NMODELS * NACTS];
    for (size_t k = 0; k < NACTS; k++) {
        fprintf(f, "| %s | %s | %s |\n", ACTS[k], lab_stat_fmt(acc[0][k], 4, a, sizeof a), lab_stat_fmt(acc[1][k], 4, b, sizeof b));
        for (int m = 0; m < LAB_NMODELS; m++)
            y[(size_t)m * NACTS + k] = acc[m][k].mean, e[(size_t)m * NACTS + k] = acc[m][k].std;
    }
    fprintf(f, "\n");
    static const char *const groups[LAB_NMODELS] = {"mlp", "cnn"};
    int ok = lab_plot_bars(L, "c8_accuracy", "test accuracy per activation (mean ± std over seeds)", "test accuracy",
                           ACTS, NACTS, groups, LAB_NMODELS, y, e);
    plot_ref(f, L, ok, "c8_accuracy", "test accuracy per activation");
    fprintf(f, "PReLU's learned slopes (mean per layer, seed 1; initial 0.25):\n\n| net | slopes L1, L2, ... |\n|---|---|\n");
    for (int m = 0; m < LAB_NMODELS; m++) {
        const struct lab_run *run = lab_main_run(L, (enum lab_model)m, "prelu", 1);
        fprintf(f, "| %s |", lab_model_name((enum lab_model)m));
        for (size_t k = 0; run && k < last_ep(run)->nacts; k++)
            fprintf(f, " %.3f", last_ep(run)->slope[k]);
        fprintf(f, " |\n");
    }
    fprintf(f, "\nHe et al. 2015 found larger slopes in the early layers (and small ones deep in the net).\n\n");
    verdict_text(f, r,
                 "per net, the best of leaky_relu, prelu, elu against relu (noise: mean ± std, floor 0.005): holds "
                 "if it is better beyond noise on every net; does not hold if all three are worse than relu beyond "
                 "noise on some net; otherwise inconclusive (the variants match relu, neither fixing nor breaking "
                 "anything measurable in accuracy).",
                 "more seeds (smaller std), longer training, or a setting where units die (claim 6), which is what "
                 "the variants are meant to fix.");
    return 0;
}

static int claim9(struct lab *L, struct lab_result *r, FILE *f)
{
    struct lab_stat acc[NACTS];
    for (size_t a = 0; a < NACTS; a++)
        if (stat_main(L, LAB_CNN, ACTS[a], m_test_acc, &acc[a]))
            return -1;
    if (L->dry)
        return 0;
    struct lab_c9_in in = {acc[0], 0.916,
                           L->p.full && !L->p.reduced && lab_train_n(L, LAB_CNN) == 60000 && lab_test_n(L) == 10000 &&
                               !strcmp(L->p.spec[LAB_CNN], "cnn")};
    r->verdict = lab_rule_c9(&in, r->why, sizeof r->why);
    size_t best = 0;
    for (size_t a = 1; a < NACTS; a++)
        if (acc[a].mean > acc[best].mean)
            best = a;
    snprintf(r->measured, sizeof r->measured, "cnn relu %.4f (best: %s %.4f)", acc[0].mean, ACTS[best], acc[best].mean);
    protocol_text(f, L, 2);
    char a[48];
    fprintf(f, "| activation | cnn test acc | vs 0.916 |\n|---|---|---|\n");
    double y[NACTS + 1], e[NACTS + 1];
    const char *labels[NACTS + 1];
    for (size_t k = 0; k < NACTS; k++) {
        fprintf(f, "| %s | %s | %+.4f |\n", ACTS[k], lab_stat_fmt(acc[k], 4, a, sizeof a), acc[k].mean - 0.916);
        y[k] = acc[k].mean, e[k] = acc[k].std, labels[k] = ACTS[k];
    }
    y[NACTS] = 0.916, e[NACTS] = 0.0, labels[NACTS] = "published 2conv";
    fprintf(f, "\n");
    static const char *const groups[1] = {"cnn"};
    int ok = lab_plot_bars(L, "c9_cnn", "CNN test accuracy per activation vs the published 0.916", "test accuracy",
                           labels, NACTS + 1, groups, 1, y, e);
    plot_ref(f, L, ok, "c9_cnn", "CNN accuracy");
    fprintf(f, "Reference: the Fashion-MNIST README's benchmark lists 0.916 for \"2 Conv+pooling\" (all 60000 "
               "training images).\n\n");
    verdict_text(f, r,
                 "holds if relu's mean test accuracy is at least 0.916 - noise (noise = max(std, 0.003)); below that "
                 "it does not hold on the full protocol (all 60000/10000 images, the `cnn` preset, --full epochs), and "
                 "is inconclusive on a reduced one (--quick's subset and smaller CNN, or --train-limit, --test-limit, --epochs).",
                 in.full ? "more epochs than the protocol's 8 (its learning rate is picked for speed to 25% training "
                           "error, not for final accuracy), data augmentation or a wider net."
                         : "the full protocol (more data and epochs raise accuracy), data augmentation or a wider net.");
    return 0;
}

int lab_claim_run(struct lab *L, int id, struct lab_result *r)
{
    static int (*const fns[LAB_NCLAIMS])(struct lab *, struct lab_result *, FILE *) = {
        claim1, claim2, claim3, claim4, claim5, claim6, claim7, claim8, claim9};
    if (id < 1 || id > LAB_NCLAIMS) {
        snprintf(L->err, sizeof L->err, "no claim %d", id);
        return -1;
    }
    memset(r, 0, sizeof *r);
    r->id = id;
    r->title = claims[id - 1].title;
    r->verdict = LAB_INCONCLUSIVE;
    snprintf(r->reference, sizeof r->reference, "%s", claims[id - 1].reference);
    L->claim = id;
    size_t len = 0;
    FILE *f = open_memstream(&r->section, &len);
    if (!f) {
        snprintf(L->err, sizeof L->err, "out of memory");
        return -1;
    }
    int rc = fns[id - 1](L, r, f);
    fclose(f);
    if (rc != 0 || L->dry) {
        free(r->section);
        r->section = NULL;
    }
    return rc;
}
