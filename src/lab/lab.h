/*
 * The claims lab (actlab claims): experiments that test the claims of the ReLU article on real
 * data, the metrics they measure, the verdict rules (pure functions of those metrics, written
 * down in docs/claims.md before any run), and the report (markdown, CSV, gnuplot PNGs).
 *
 * Nothing here prints: progress goes through a callback the command supplies, and everything
 * else is written to files under the output folder.
 */
#ifndef ACTLAB_LAB_H
#define ACTLAB_LAB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "actlab/nn.h"

#define LAB_NCLAIMS 9
#define LAB_MAX_EPOCHS 64
#define LAB_MAX_ACTS 64   /* activation layers tracked per run (deep-mlp depth <= 60) */
#define LAB_MAX_LR 8
#define LAB_MAX_SEEDS 16

/* ---- verdicts and the statistics they compare (rules.c) ------------------------------------ */

enum lab_verdict { LAB_HOLDS, LAB_NOT_HOLD, LAB_INCONCLUSIVE };

/* "holds", "does not hold", "inconclusive". */
const char *lab_verdict_str(enum lab_verdict v);

/* Mean and (sample) standard deviation over seeds; n == 1 gives std 0. A mean of +inf
 * stands for "never reached" (std is then 0). */
struct lab_stat {
    double mean, std;
    size_t n;
    size_t ndiv; /* runs among the n that diverged (their end-of-training values are NaN) */
};

/* "0.8812" (one seed), "0.8812 ± 0.0031" (several), "never" (+inf), "-" (NaN; "diverged (k of n)"
 * when runs diverged) into buf. */
const char *lab_stat_fmt(struct lab_stat s, int digits, char *buf, size_t len);

/* Summarise x[0..n): +inf if any x is +inf (a seed that never got there), NaN if n == 0. */
struct lab_stat lab_stat_of(const double *x, size_t n);

/*
 * Compare a and b: +1 if a > b beyond noise, -1 if a < b beyond noise, 0 if within noise.
 * Noise is max(a.std + b.std, floor): the mean +- std intervals must not overlap, and the gap
 * must exceed floor (which stands for the noise of a single seed). +inf is larger than any
 * finite value and equal to +inf; NaN compares as within noise.
 */
int lab_compare(struct lab_stat a, struct lab_stat b, double floor);

/* Holds if every part holds; does not hold if any part does not; otherwise inconclusive. */
enum lab_verdict lab_combine(const enum lab_verdict *parts, size_t n);

/* The rule of each claim: input metrics in, verdict out; why (len bytes, may be NULL) gets one
 * or two sentences naming the numbers that decided it. See docs/claims.md for each rule. */

/* 1. ns per element in L1, [0] forward, [1] backward, for actlab's relu, sigmoid and tanh. */
struct lab_c1_in {
    double relu[2], sigmoid[2], tanh[2];
};
#define LAB_C1_MARGIN 1.10 /* timing noise: ratios within 10% of 1 decide nothing */
enum lab_verdict lab_rule_c1(const struct lab_c1_in *in, char *why, size_t len);

/* 2. Steps to the target training error per model: relu, tanh, sigmoid (mean +inf: never). */
struct lab_c2_in {
    size_t nmodels;
    const char *model[2];
    struct lab_stat relu[2], tanh[2], sigmoid[2];
};
#define LAB_C2_FLOOR_REL 0.10 /* single-seed noise: 10% of relu's steps */
enum lab_verdict lab_rule_c2(const struct lab_c2_in *in, char *why, size_t len);

/* 3. ReLU layers' zero fraction at init and after training (mean over layers and models), and
 * the train-test accuracy gap of relu and of the other (non-sparse) activations. */
struct lab_c3_in {
    double init_sparsity, trained_sparsity;
    struct lab_stat relu_gap;
    size_t nothers;
    struct lab_stat other_gap[16];
};
#define LAB_C3_GAP_FLOOR 0.005
enum lab_verdict lab_rule_c3(const struct lab_c3_in *in, char *why, size_t len);

/* 4. First-to-last weight-gradient norm ratio of relu MLPs at init per depth, and the final
 * training loss of a 20-layer relu MLP after one epoch (chance: ln 10). */
struct lab_c4_in {
    size_t ndepths;
    size_t depth[8];
    double relu_ratio[8];
    double relu_deep_loss;
};
enum lab_verdict lab_rule_c4(const struct lab_c4_in *in, char *why, size_t len);
/* He et al.'s comparison: final loss of a 30-layer relu MLP after one epoch with He and with
 * Xavier init. Holds if He trains (loss < 0.8 ln 10) and Xavier stalls (> 0.95 ln 10). */
enum lab_verdict lab_rule_he_xavier(double he_loss, double xavier_loss, char *why, size_t len);
#define LAB_CHANCE_LOSS 2.302585092994046 /* ln 10: the loss of a uniform guess over 10 classes */

/* 5. Test accuracy of relu and identity (a linear model) on the same nets. */
struct lab_c5_in {
    size_t nmodels;
    const char *model[2];
    struct lab_stat relu[2], identity[2];
};
#define LAB_ACC_FLOOR 0.005 /* single-seed noise of a test accuracy: half a point */
enum lab_verdict lab_rule_c5(const struct lab_c5_in *in, char *why, size_t len);

/* 6. Dead-unit fraction at the end per stress condition for relu, leaky_relu, prelu, elu, and
 * the fraction of relu units dead after some epoch that were alive again later. */
struct lab_c6_in {
    size_t nconds;
    const char *cond[2];
    struct lab_stat dead[2][4]; /* [cond][relu, leaky_relu, prelu, elu] */
    size_t relu_ever_dead, relu_revived;
};
#define LAB_C6_DEAD_FLOOR 0.02
enum lab_verdict lab_rule_c6(const struct lab_c6_in *in, char *why, size_t len);

/* 7. Mean |layer mean activation| after training, and steps to target, of relu and elu. */
struct lab_c7_in {
    struct lab_stat relu_absmean, elu_absmean;
    struct lab_stat relu_steps, elu_steps;
};
#define LAB_C7_MEAN_FLOOR 0.05
enum lab_verdict lab_rule_c7(const struct lab_c7_in *in, char *why, size_t len);

/* 8. Test accuracy per model of relu and of its variants leaky_relu, prelu, elu. */
struct lab_c8_in {
    size_t nmodels;
    const char *model[2];
    struct lab_stat relu[2], variant[2][3];
};
enum lab_verdict lab_rule_c8(const struct lab_c8_in *in, char *why, size_t len);

/* 9. Test accuracy of the relu CNN against the published level; full: the run used all the
 * data and the full protocol (a shortfall on a reduced protocol is inconclusive). */
struct lab_c9_in {
    struct lab_stat relu;
    double reference;
    int full;
};
enum lab_verdict lab_rule_c9(const struct lab_c9_in *in, char *why, size_t len);

/* ---- the protocol ------------------------------------------------------------------------- */

enum lab_model { LAB_MLP, LAB_CNN, LAB_NMODELS };

struct lab_protocol {
    int full;                       /* 1: --full (all data) */
    int reduced;                    /* 1: --train-limit, --test-limit or --epochs shrank the mode's runs */
    size_t seeds;
    size_t train_n[LAB_NMODELS];    /* training images per model (0: all) */
    size_t test_n;                  /* test images (0: all) */
    size_t epochs[LAB_NMODELS];
    size_t grid_epochs[LAB_NMODELS];/* epochs of the learning-rate search runs */
    const char *spec[LAB_NMODELS];  /* engine model specs */
    size_t nlr;
    double lr[LAB_MAX_LR];
    double momentum;
    size_t batch, chunk_steps;      /* training error is measured over chunks of chunk_steps steps */
    double target_err;              /* claim 2's target training error */
    size_t deep_train_n, deep_width, ndepths, depth[4], deep_layers, he_layers;
    double deep_lr;
    size_t nbig;
    double big_lr[4];               /* claim 6: the first of these at which relu does not diverge */
    double neg_bias;                /* claim 6: initial hidden biases */
    size_t probe_n;                 /* training images evaluated for the train-test gap */
    size_t bench_runs;
    size_t bench_dram_n;
};

/* Fill *p for --quick (full == 0) or --full with seeds seeds (0: the mode's default). */
void lab_protocol_init(struct lab_protocol *p, int full, size_t seeds);

/* ---- runs (run.c, run-file.c) ------------------------------------------------------------- */

/* What one training run is. Two runs with equal configs are the same run (memoised, and saved
 * to DIR/runs/<name>.run for later sittings). */
struct lab_run_cfg {
    enum lab_model model;
    char act[48];                   /* activation spec */
    double lr;
    uint64_t seed;
    size_t epochs;
    enum nn_init init;
    double bias;                    /* initial bias of hidden dense/conv layers (0: the engine's) */
    int deep;                       /* 1: deep-mlp of depth `depth`, trained on the deep subset */
    size_t depth;
};

/* Metrics of one evaluation (epoch 0: at initialisation). */
struct lab_epoch {
    double train_loss, train_err;   /* running means over the epoch's steps (epoch 0: NaN) */
    double test_loss, test_acc, seconds;
    size_t nacts;
    double sparsity[LAB_MAX_ACTS], dead[LAB_MAX_ACTS], mean[LAB_MAX_ACTS], std[LAB_MAX_ACTS];
    double grad_norm[LAB_MAX_ACTS];
    double slope[LAB_MAX_ACTS];     /* prelu: mean learned slope per layer (else NaN) */
};

struct lab_run {
    struct lab_run_cfg cfg;
    char name[160];                 /* file-name stem, e.g. "mlp-relu-lr0.02-s1" */
    size_t nepochs;                 /* epochs completed; ep[0] is the initial state */
    struct lab_epoch ep[LAB_MAX_EPOCHS + 1];
    size_t nchunks;
    double *chunk_step, *chunk_loss, *chunk_err, *chunk_secs;  /* (nchunks) cumulative steps, secs */
    double steps_to_target, secs_to_target; /* +inf if never reached */
    int diverged;                   /* the loss became NaN or inf: training stopped */
    double train_acc;               /* final accuracy on the training probe */
    size_t ever_dead, revived;      /* units dead after some epoch, and of those alive again later */
    size_t params;
    int reused;                     /* loaded from DIR/runs/<name>.run, not trained in this sitting
                                     * (not saved: every other field is) */
};

/* Progress of the lab, for the command's display. */
struct lab_progress {
    int claim;                      /* 1..9 */
    const char *what;               /* e.g. "mlp tanh lr 0.02 seed 1, epoch 2/3" */
    double done, total;             /* work units (multiply-adds) done and planned */
    double elapsed;                 /* seconds since the lab started */
    double work_elapsed;            /* seconds since the first training run started (ETA's rate) */
};
typedef void (*lab_progress_fn)(void *ctx, const struct lab_progress *p);

/* The lab: data, protocol, memoised runs, output folder. */
struct lab {
    struct lab_protocol p;
    const char *out;                /* output folder (exists) */
    struct nn_dataset train, test;  /* normalised with the training set's mean and std */
    size_t nruns, cap;
    struct lab_run **runs;
    int dry;                        /* planning pass: runs are not trained, only their cost counted */
    double planned, done, t0, t_work; /* t_work: start of the first training run (0: none yet) */
    int claim;
    lab_progress_fn progress;
    void *progress_ctx;
    int gnuplot;                    /* 1 if gnuplot runs */
    int fresh;                      /* 1: ignore saved runs (DIR/runs/<name>.run), train every run */
    uint64_t data_id;               /* fingerprint of the data (lab_data_id), part of each run's key */
    size_t nreused;                 /* runs loaded from an earlier sitting (not in a planning pass) */
    size_t plan_reused;             /* the same, counted by the planning pass */
    char err[8192];                 /* the reason of the last failure */
};

/* Take over train and test (all of the data: runs take subsets; *train and *test are emptied),
 * normalise both with the training set's mean and std, create out, out/runs and out/plots.
 * Returns NN_OK or why not (L->err). Free with lab_free even on failure. */
enum nn_status lab_init(struct lab *L, const struct lab_protocol *p, struct nn_dataset *train,
                        struct nn_dataset *test, const char *out);
void lab_free(struct lab *L);
/* Drop every memoised run (after the planning pass). */
void lab_forget_runs(struct lab *L);

/* The run with config c: from memory if done before in this process; else, unless L->fresh,
 * from DIR/runs/<name>.run if that file holds this very run (lab_run_load); else trained now
 * (or only counted, in a dry pass) and saved there (lab_run_save). NULL on failure (L->err says
 * why). Writes DIR/runs/<name>.csv and <name>-steps.csv. */
const struct lab_run *lab_run_get(struct lab *L, const struct lab_run_cfg *c);

/* ---- a run's identity and its saved file (run-file.c) ------------------------------------- */

/* The file-name stem of c, e.g. "mlp-relu-lr0.02-s1-e3" (not unique: %g rounds; the key is). */
void lab_run_name(const struct lab_run_cfg *c, char *buf, size_t len);
/* The engine model spec c trains (the protocol's, or deep-mlp:depth=..,width=.. in buf). */
const char *lab_run_spec(const struct lab *L, const struct lab_run_cfg *c, char *buf, size_t len);
/* Training images of run c (its protocol's limit applied to the data). */
size_t lab_run_train_n(const struct lab *L, const struct lab_run_cfg *c);
/* Fingerprint (FNV-1a 64) of the sizes, images and labels of train and test (as the runs see them:
 * normalised), for the key. */
uint64_t lab_data_id(const struct nn_dataset *train, const struct nn_dataset *test);
/* The key of run c into buf: "word value" lines naming the file format and version, the run's
 * name and config, the protocol settings it trains under (spec, images, batch, chunk, momentum,
 * target), the data (sizes, L->data_id) and the engine (version, ISA). Two runs with equal keys
 * give the same numbers. Returns its length, or -1 if len is too small. */
int lab_run_key(const struct lab *L, const struct lab_run_cfg *c, char *buf, size_t len);
/* Write DIR/runs/<name>.run: the key, then every field of *r the claims read (doubles exactly),
 * then a checksum line; through a temporary file, synced and renamed. 0, or -1 (L->err). */
int lab_run_save(struct lab *L, const struct lab_run *r);
/* The run of config c from DIR/runs/<name>.run if that file's key equals c's and it is whole
 * (checksum) and well-formed; free with lab_run_free. Else NULL, and why (why_len bytes, not NULL)
 * says why it was not used, empty if there is no file. Never trusts the file: sizes are bounded,
 * indices checked, nothing read outside the buffer. */
struct lab_run *lab_run_load(const struct lab *L, const struct lab_run_cfg *c, char *why, size_t why_len);
void lab_run_free(struct lab_run *r);

/* The learning rate of the grid with the fewest steps to the target (ties and never: the lowest
 * final training loss; diverged runs lose) for model and act, from seed-1 search runs. */
double lab_best_lr(struct lab *L, enum lab_model model, const char *act);

/* The main run of model/act/seed: the best learning rate, the model's epochs. */
const struct lab_run *lab_main_run(struct lab *L, enum lab_model model, const char *act, uint64_t seed);

/* Gradient-norm ratio (first dense layer / output layer) of a fresh deep-mlp (depth, width)
 * with act and init on one batch of training images; NaN on failure. */
double lab_grad_ratio(struct lab *L, const char *act, size_t depth, enum nn_init init, uint64_t seed);

/* Call the progress callback (if any, and not in a planning pass) with what is being done. */
void lab_report_progress(struct lab *L, const char *what);

/* Images the runs of model train on, after the protocol's limit. */
size_t lab_train_n(const struct lab *L, enum lab_model m);
size_t lab_test_n(const struct lab *L);
const char *lab_model_name(enum lab_model m);

/* ---- claim 1: kernel speed (speed.c) ------------------------------------------------------ */

#define LAB_SPEED_OPS 3   /* relu, sigmoid, tanh */
#define LAB_SPEED_IMPLS 5 /* actlab, naive, onednn, xnnpack, pytorch */
struct lab_speed {
    const char *impl[LAB_SPEED_IMPLS];
    int present[LAB_SPEED_IMPLS];
    char about[LAB_SPEED_IMPLS][128];
    double ns[LAB_SPEED_IMPLS][LAB_SPEED_OPS][2][2]; /* [impl][op][fwd,bwd][L1,DRAM] ns/element, NaN: none */
    size_t n[2];
};
/* Time relu, sigmoid, tanh forward and backward at an L1 and a DRAM size in actlab and every
 * peer available (PyTorch through bench/torch_act_bench.py when /usr/bin/python3 has torch). */
int lab_speed_measure(struct lab *L, struct lab_speed *s);

/* ---- claims and report (claims.c, report.c, plot.c) --------------------------------------- */

struct lab_result {
    int id;
    const char *title;
    enum lab_verdict verdict;
    char measured[320];
    char reference[320];
    char why[640];
    char *section;                  /* markdown body of the report's section (malloc'd) */
};

/* Title and reference of claim id (1..9). */
const char *lab_claim_title(int id);
const char *lab_claim_reference(int id);

/* Run claim id; *r gets the verdict and the report section. 0 on success, else -1 (L->err). */
int lab_claim_run(struct lab *L, int id, struct lab_result *r);

/* Write DIR/claims.csv and DIR/report.md for the results of the claims run. 0 or -1 (L->err). */
int lab_report_write(struct lab *L, const struct lab_result *r, size_t n, const char *command, double seconds);

/* CSV field: quoted when it holds a comma, quote or newline. */
void lab_csv_field(FILE *f, const char *s);

/* A series of a line plot (x, y of n points); err is NULL or the error bars. */
struct lab_series {
    const char *title;
    size_t n;
    const double *x, *y;
};
/* 1 if gnuplot can be run. */
int lab_plot_available(void);
/* Draw DIR/plots/name.png (data and script next to it). logy: log scale on y. Returns 1 if the
 * PNG was written, 0 if not (no gnuplot, or it failed: DIR/plots/name.log). */
int lab_plot_lines(const struct lab *L, const char *name, const char *title, const char *xlabel,
                   const char *ylabel, int logy, const struct lab_series *s, size_t ns);
/* Bars with error bars: ncat categories (labels), ngroups groups (e.g. models) with y and err
 * (ngroups x ncat, row-major; NaN: no bar). */
int lab_plot_bars(const struct lab *L, const char *name, const char *title, const char *ylabel,
                  const char *const *labels, size_t ncat, const char *const *groups, size_t ngroups,
                  const double *y, const double *err);

#endif
