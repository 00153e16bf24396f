/*
 * actlab training engine: layers, models, optimizers, datasets, checkpoints.
 *
 * Conventions:
 *  - Every call that can fail returns enum nn_status; NN_OK is 0. The library
 *    never prints and never exits.
 *  - Tensors are float32, row-major; images are NCHW. A "sample shape" is
 *    (C, H, W); a flat feature vector is (F, 1, 1).
 *  - A model owns three arenas, one each for parameters, gradients and
 *    optimizer state, so optimizers are flat loops and checkpoints one copy.
 *    The caller owns the struct nn_model and releases what nn_model_init
 *    allocated with nn_model_free.
 *  - Determinism: the same seed and the same thread count give bit-identical
 *    results (all reductions run in a fixed order).
 *  - Parameter names and shapes follow the state_dict of the equivalent
 *    torch.nn.Sequential: "<index>.weight", "<index>.bias".
 */
#ifndef ACTLAB_NN_H
#define ACTLAB_NN_H

#include <stddef.h>
#include <stdint.h>

#include "actlab/act.h"

#ifdef __cplusplus
extern "C" {
#endif

enum nn_status {
    NN_OK = 0,
    NN_ERR_INVALID_ARG,  /* NULL pointer, bad parameter, bad spec string */
    NN_ERR_SHAPE,        /* shapes do not fit (layer after layer, data vs model, file vs model) */
    NN_ERR_NO_MEMORY,
    NN_ERR_IO,           /* a file could not be opened, read or written */
    NN_ERR_FORMAT,       /* a file is not of the expected format (bad magic, header, dtype) */
    NN_ERR_TRUNCATED,    /* a file ends before its header says it should */
    NN_ERR_UNSUPPORTED,  /* valid but not offered (e.g. an NPY dtype we do not read) */
    NN_ERR_DIVERGED      /* training met a NaN or inf loss or gradient (nn_epoch_result says where) */
};

/* A short English description of s; never NULL, never freed by the caller. */
const char *nn_status_str(enum nn_status s);

/* ---- random numbers ------------------------------------------------------------------------ */

/* xoshiro256** seeded through splitmix64: fast, and the same stream on every platform. */
struct nn_rng {
    uint64_t s[4];
};

/* Seed *r from seed (any value, including 0). */
void nn_rng_seed(struct nn_rng *r, uint64_t seed);
/* The next 64 random bits. */
uint64_t nn_rng_u64(struct nn_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double nn_rng_uniform(struct nn_rng *r);
/* Standard normal (Box-Muller in double; one value per call). */
double nn_rng_normal(struct nn_rng *r);
/* Uniform integer in [0, n) without modulo bias; n > 0. */
uint64_t nn_rng_below(struct nn_rng *r, uint64_t n);

/* ---- threads ------------------------------------------------------------------------------- */

/* Set the number of threads the engine and BLAS use (n >= 1). Not thread-safe. */
enum nn_status nn_set_threads(int n);
/* The number of threads set (1 until nn_set_threads is called). */
int nn_threads(void);

/*
 * Sparse products (on by default): a dense layer whose input (forward) or output gradient
 * (backward) is at most half exact zeros, as after ReLU, multiplies only the nonzeros, on CPUs
 * with AVX2; otherwise, and when off, it runs OpenBLAS's dense sgemm. The two give the same
 * products up to the last bits (another summation order), so bit-identical reruns need the same
 * setting. Not thread-safe against running training.
 */
void nn_set_sparse(int on);
int nn_sparse(void);

/* ---- layers -------------------------------------------------------------------------------- */

enum nn_layer_kind {
    NN_LAYER_DENSE,
    NN_LAYER_CONV2D,
    NN_LAYER_MAXPOOL2D,
    NN_LAYER_AVGPOOL2D,
    NN_LAYER_FLATTEN,
    NN_LAYER_DROPOUT,
    NN_LAYER_ACT
};

/* Sample shape (C, H, W); a flat vector of F features is (F, 1, 1). */
struct nn_shape {
    size_t c, h, w;
};

/*
 * One layer: its hyper-parameters (set by the caller or the spec parser), its
 * shapes and its place in the model's arenas (filled by nn_model_init).
 */
struct nn_layer {
    enum nn_layer_kind kind;
    /* dense: out = units; conv2d: out = output channels, k = kernel (kh, kw), stride, pad;
     * pools: k = window (kh == kw), stride (0 means = k); dropout: p; act: act, prelu_shared. */
    size_t out;
    size_t kh, kw, stride, pad;
    float p;
    struct act_desc act;
    int prelu_shared;           /* prelu: 1 = one slope, 0 = one per channel (C) or unit (F) */

    struct nn_shape in_shape, out_shape;  /* per sample */
    /* Offsets (in floats) into the parameter / gradient arenas; n_w == 0 if no weights. */
    size_t w_off, n_w, b_off, n_b;
    int decay;                  /* 1 if weight decay applies to this layer's parameters */
    int act_index;              /* activation layers: 1-based k of "L<k>_..." columns; else 0 */
};

/* Elements of one sample of shape s. */
size_t nn_shape_size(struct nn_shape s);

/*
 * The layer primitives, usable on their own (the model calls them). Shapes:
 * n samples; x is (n, in_shape), y is (n, out_shape), dy like y, dx like x.
 * Backward functions overwrite dx, dw and db.
 * dx may be NULL when the input gradient is not needed (first layer).
 */

/* Dense: w is (out, in), b is (out); y = x w^T + b. */
enum nn_status nn_dense_forward(size_t n, size_t in, size_t out, const float *x, const float *w, const float *b,
                                float *y);
enum nn_status nn_dense_backward(size_t n, size_t in, size_t out, const float *x, const float *w, const float *dy,
                                 float *dx, float *dw, float *db);

/* Conv2d (cross-correlation, as PyTorch): w is (out_c, in_c, kh, kw), b is (out_c). */
struct nn_conv2d {
    size_t in_c, in_h, in_w, out_c, kh, kw, stride, pad;
};
/* Output height and width of *d (0 if the kernel does not fit). */
size_t nn_conv2d_out_h(const struct nn_conv2d *d);
size_t nn_conv2d_out_w(const struct nn_conv2d *d);
/* Floats of workspace conv2d forward/backward need for a batch of n samples. */
size_t nn_conv2d_workspace(const struct nn_conv2d *d, size_t n);
enum nn_status nn_conv2d_forward(const struct nn_conv2d *d, size_t n, const float *x, const float *w,
                                 const float *b, float *y, float *ws);
enum nn_status nn_conv2d_backward(const struct nn_conv2d *d, size_t n, const float *x, const float *w,
                                  const float *dy, float *dx, float *dw, float *db, float *ws);

/* Pooling over (k x k) windows with a stride, no padding; (c, h, w) is the input sample shape. */
struct nn_pool2d {
    size_t c, h, w, k, stride;
};
size_t nn_pool2d_out_h(const struct nn_pool2d *d);
size_t nn_pool2d_out_w(const struct nn_pool2d *d);
/* argmax is (n, out_shape): the input index (within the sample) of each maximum; NaN wins. */
enum nn_status nn_maxpool2d_forward(const struct nn_pool2d *d, size_t n, const float *x, float *y, uint32_t *argmax);
enum nn_status nn_maxpool2d_backward(const struct nn_pool2d *d, size_t n, const float *dy, const uint32_t *argmax,
                                     float *dx);
enum nn_status nn_avgpool2d_forward(const struct nn_pool2d *d, size_t n, const float *x, float *y);
enum nn_status nn_avgpool2d_backward(const struct nn_pool2d *d, size_t n, const float *dy, float *dx);

/*
 * Softmax cross-entropy, mean over the n samples. logits is (n, classes),
 * labels (n) in [0, classes). Writes *loss (mean), *correct (argmax == label;
 * may be NULL) and dlogits (n, classes; may be NULL) = (softmax - onehot) / n.
 */
enum nn_status nn_softmax_xent(size_t n, size_t classes, const float *logits, const uint8_t *labels, double *loss,
                               size_t *correct, float *dlogits);

/* ---- initializers -------------------------------------------------------------------------- */

enum nn_init {
    NN_INIT_AUTO,            /* uniform, bound gain * sqrt(3 / fan_in), gain of the next activation */
    NN_INIT_HE_NORMAL,       /* N(0, 2 / fan_in) */
    NN_INIT_HE_UNIFORM,      /* U(+-sqrt(6 / fan_in)) */
    NN_INIT_XAVIER_NORMAL,   /* N(0, 2 / (fan_in + fan_out)) */
    NN_INIT_XAVIER_UNIFORM,  /* U(+-sqrt(6 / (fan_in + fan_out))) */
    NN_INIT_LECUN_NORMAL,    /* N(0, 1 / fan_in) */
    NN_INIT_LECUN_UNIFORM,   /* U(+-sqrt(3 / fan_in)) */
    NN_INIT_ZEROS
};

/* Parse "auto", "he" (= he_normal), "he_uniform", "xavier" (= xavier_uniform), "xavier_normal",
 * "lecun" (= lecun_normal), "lecun_uniform", "zeros". */
enum nn_status nn_init_parse(const char *s, enum nn_init *out);

/* PyTorch's torch.nn.init.calculate_gain for the activation *d (see docs/engine.md for ops
 * PyTorch does not list); d == NULL means linear (1). */
double nn_act_gain(const struct act_desc *d);

/* ---- models -------------------------------------------------------------------------------- */

#define NN_MAX_LAYERS 128

/* What a model is built for. */
struct nn_model_opts {
    struct nn_shape input;     /* sample shape of the data, e.g. (1, 28, 28) */
    size_t classes;            /* number of classes; the presets' last dense layer */
    struct act_desc act;       /* the activation "act" layers use */
    int prelu_shared;          /* prelu: one shared slope instead of one per channel/unit */
    size_t max_batch;          /* largest batch forward/backward will see */
    size_t max_bytes;          /* refuse (NN_ERR_NO_MEMORY, with a reason) a model needing more; 0: the
                                * memory free on the machine when the model is built */
};

struct nn_model {
    size_t nlayers;
    struct nn_layer layers[NN_MAX_LAYERS];
    struct nn_model_opts opts;
    size_t n_params;           /* floats in each arena */
    float *params;             /* (n_params) */
    float *grads;              /* (n_params) */
    float *opt_state;          /* (2 * n_params): momentum / Adam's m then v */
    /* Activation buffers: act[0] is the input copy slot, act[i+1] the output of layer i;
     * each is (max_batch, size of that shape). */
    float *act[NN_MAX_LAYERS + 1];
    float *dbuf[2];            /* ping-pong gradient buffers, (max_batch, largest shape) */
    float *ws;                 /* conv workspace, (ws_size) */
    size_t ws_size;
    uint32_t *argmax[NN_MAX_LAYERS];  /* maxpool: (max_batch, out_shape) */
    float *noise[NN_MAX_LAYERS];      /* dropout mask / rrelu slopes: (max_batch, out_shape) */
};

/*
 * Build *m from spec (see docs/engine.md): a preset "mlp", "cnn", "lenet5",
 * "deep-mlp[:depth=D][,width=W]", or a layer list "layer;layer;...", e.g.
 * "conv:32,k=5,pad=2;act;maxpool:2;flatten;dense:256;act;dense:10".
 * Allocates the arenas and buffers (parameters zeroed; call nn_model_init_weights).
 * On failure *m holds nothing to free and the status says why; err (may be
 * NULL, errlen bytes) gets a human-readable reason.
 */
enum nn_status nn_model_init(struct nn_model *m, const char *spec, const struct nn_model_opts *o, char *err,
                             size_t errlen);
void nn_model_free(struct nn_model *m);

/* Initialise the weights of every dense/conv layer with init (biases to 0) and prelu
 * slopes to the act's slope, drawing from rng in layer order. */
enum nn_status nn_model_init_weights(struct nn_model *m, enum nn_init init, struct nn_rng *rng);

/* Per activation layer statistics, accumulated over evaluation passes. */
struct nn_act_stats {
    struct act_stats st;       /* zeros, sums (from act_forward_stats) */
    size_t units;              /* channels (C,H,W with H*W > 1) or features */
    uint8_t *alive;            /* (units): 1 once a unit fired (see docs/engine.md) */
};

/*
 * Forward n <= max_batch samples x (n, input) through the model. training
 * selects dropout and rrelu's random slopes (drawn from rng; may be NULL when
 * not training). stats is NULL or an array of nn_model_act_count(m) entries
 * to accumulate into (see nn_act_stats_init). Returns the logits through
 * *logits: (n, classes), owned by the model, valid until the next call.
 */
enum nn_status nn_model_forward(struct nn_model *m, size_t n, const float *x, int training, struct nn_rng *rng,
                                struct nn_act_stats *stats, const float **logits);

/* Backward of the last forward (which must have been training): dlogits is (n, classes).
 * Overwrites the gradient arena. */
enum nn_status nn_model_backward(struct nn_model *m, size_t n, const float *dlogits);

/* Number of activation layers (the k of L<k>_ columns runs 1..count). */
size_t nn_model_act_count(const struct nn_model *m);
/* Allocate/clear stats for m (array of nn_model_act_count entries); free with nn_act_stats_free. */
enum nn_status nn_act_stats_init(const struct nn_model *m, struct nn_act_stats *stats);
void nn_act_stats_free(const struct nn_model *m, struct nn_act_stats *stats);
/* L2 norm of the weight gradient of the dense/conv layer feeding activation layer k (1-based). */
double nn_model_act_grad_norm(const struct nn_model *m, size_t k);

/* Name of parameter tensor j of layer i as in PyTorch's state_dict, e.g. "3.weight". */
void nn_param_name(size_t layer, int is_bias, char *buf, size_t len);

/* ---- optimizers ---------------------------------------------------------------------------- */

enum nn_optim_kind { NN_OPTIM_SGD, NN_OPTIM_ADAM };

/* Hyper-parameters and step count; PyTorch's semantics (torch.optim.SGD / Adam, L2 decay). */
struct nn_optim {
    enum nn_optim_kind kind;
    double momentum;      /* sgd */
    int nesterov;         /* sgd, needs momentum > 0 */
    double beta1, beta2, eps;  /* adam (0.9, 0.999, 1e-8) */
    double weight_decay;  /* L2, added to the gradient; never on prelu slopes */
    uint64_t step;        /* steps taken (Adam's bias correction; momentum's first step) */
    int skip_nonfinite;   /* a step whose loss or gradient is NaN/inf: 0 stops the epoch with
                           * NN_ERR_DIVERGED (default), 1 skips that step (no update) and goes on.
                           * A weight made NaN/inf by an update always stops it. */
};

/* Defaults: sgd, momentum 0, adam betas (0.9, 0.999), eps 1e-8, no decay. */
void nn_optim_init(struct nn_optim *o, enum nn_optim_kind kind);
/* One update of m's parameters from its gradients with learning rate lr; uses m->opt_state.
 * NN_ERR_DIVERGED: the update was made, and left a parameter NaN or inf. */
enum nn_status nn_optim_step(struct nn_optim *o, struct nn_model *m, double lr);

enum nn_sched_kind { NN_SCHED_CONSTANT, NN_SCHED_STEP, NN_SCHED_COSINE };
struct nn_sched {
    enum nn_sched_kind kind;
    size_t step_size;     /* step: every step_size epochs multiply by gamma */
    double gamma;
    size_t total;         /* cosine: epochs of one half period (PyTorch's T_max) */
};
/* Parse "constant", "step[:every=E][,gamma=G]", "cosine". total is the number of epochs. */
enum nn_status nn_sched_parse(const char *s, size_t total, struct nn_sched *out);
/* Learning rate of epoch e (0-based) for base rate lr (per epoch, as PyTorch's schedulers). */
double nn_sched_lr(const struct nn_sched *s, double lr, size_t e);

/* ---- data ---------------------------------------------------------------------------------- */

/* An IDX array (MNIST format). type: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64. */
struct nn_idx {
    int type;
    size_t ndim;
    size_t dims[4];
    size_t count;         /* product of dims */
    void *data;           /* (dims), host byte order; malloc'd, free with nn_idx_free */
};

/* Read an IDX file, gzip-compressed or not (zlib). Validates the magic, dims and length:
 * NN_ERR_IO, NN_ERR_FORMAT (magic/type/dims), NN_ERR_TRUNCATED (short data or trailing bytes
 * count as NN_ERR_FORMAT). */
enum nn_status nn_idx_read(const char *path, struct nn_idx *out);
void nn_idx_free(struct nn_idx *a);

/* An NPY array converted to float32 or labels. */
struct nn_npy {
    size_t ndim;
    size_t dims[8];
    size_t count;
    float *data;          /* (dims), converted from the file's dtype; free with nn_npy_free */
};
/* Read a .npy (v1/v2/v3; dtypes u1 i1 i2 i4 i8 u2 u4 u8 f4 f8, little endian, C order). */
enum nn_status nn_npy_read(const char *path, struct nn_npy *out);
void nn_npy_free(struct nn_npy *a);
/* Write x (dims) as a little-endian float32 .npy. */
enum nn_status nn_npy_write_f32(const char *path, size_t ndim, const size_t *dims, const float *x);

/* A labelled set of samples. */
struct nn_dataset {
    size_t n;
    struct nn_shape shape;  /* per sample */
    size_t classes;         /* max label + 1 */
    float *x;               /* (n, shape) */
    uint8_t *y;             /* (n) */
};

/* Training and test sets from an MNIST-format folder (train-images-idx3-ubyte[.gz], ...). */
enum nn_status nn_dataset_load_mnist(const char *dir, struct nn_dataset *train, struct nn_dataset *test);
/* Images x (N, ...) and labels y (N) from NPY files into *out. */
enum nn_status nn_dataset_load_npy(const char *xpath, const char *ypath, struct nn_dataset *out);
/* Keep the first n samples (n <= d->n). */
void nn_dataset_truncate(struct nn_dataset *d, size_t n);
/* Split the last n_test samples of *all into *test (copies); *all keeps the rest. */
enum nn_status nn_dataset_split(struct nn_dataset *all, size_t n_test, struct nn_dataset *test);
void nn_dataset_free(struct nn_dataset *d);
/* Mean and standard deviation (population) over all values of d, in double. */
void nn_dataset_stats(const struct nn_dataset *d, double *mean, double *std);
/* x = (x - mean) / std for every value. */
void nn_dataset_normalise(struct nn_dataset *d, double mean, double std);
/* Where Debian's dataset-fashion-mnist installs the data. */
#define NN_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* ---- training ------------------------------------------------------------------------------ */

/* Called after every batch (may be NULL): batch index, batches in the epoch, samples so far,
 * running mean loss. Return nonzero to stop the epoch early. */
typedef int (*nn_progress_fn)(void *ctx, size_t batch, size_t nbatches, size_t samples, double loss);

struct nn_epoch_result {
    double loss, acc;     /* mean loss and accuracy over the samples seen */
    size_t samples;
    double grad_norm[NN_MAX_LAYERS];  /* per activation layer k (index k-1): RMS of the weight-gradient
                                       * L2 norm over every max(1, nbatches/64)-th step */
    size_t skipped;       /* steps skipped for a NaN/inf loss or gradient (skip_nonfinite) */
    size_t bad_step;      /* the first such step (1-based within the epoch; 0: none) */
    int bad_layer;        /* its first layer with a non-finite gradient or weight (-1: the loss itself) */
};

/*
 * One training epoch over d: shuffle with rng (unless shuffle is 0), batches
 * of `batch` (the last may be smaller), forward, loss, backward, optimizer step
 * with rate lr. max_steps > 0 stops after that many steps; step_loss (may be
 * NULL, max_steps entries) receives each step's loss.
 */
enum nn_status nn_train_epoch(struct nn_model *m, struct nn_optim *o, const struct nn_dataset *d, size_t batch,
                              double lr, int shuffle, struct nn_rng *rng, nn_progress_fn progress, void *ctx,
                              size_t max_steps, double *step_loss, struct nn_epoch_result *res);

/* Evaluate m on d (no dropout, rrelu mean slope); stats NULL or from nn_act_stats_init. */
enum nn_status nn_evaluate(struct nn_model *m, const struct nn_dataset *d, size_t batch, double *loss, double *acc,
                           struct nn_act_stats *stats);

/* ---- checkpoints (safetensors) ------------------------------------------------------------- */

/* Metadata: string pairs stored in the safetensors header's "__metadata__". */
#define NN_META_MAX 32
struct nn_meta {
    size_t n;
    char key[NN_META_MAX][32];
    char val[NN_META_MAX][256];
};
/* Set key to val (replacing); NN_ERR_INVALID_ARG if full or too long. */
enum nn_status nn_meta_set(struct nn_meta *md, const char *key, const char *val);
/* The value of key, or NULL. */
const char *nn_meta_get(const struct nn_meta *md, const char *key);

/*
 * Write m's parameters as F32 safetensors tensors named like the PyTorch
 * state_dict ("1.weight" ...), with md as __metadata__. with_opt adds the
 * optimizer state as "optim.<name>.m" / "optim.<name>.v" (for --resume).
 * Crash-safe: written to path.tmp.<pid>, fsync'd, renamed over path. On NN_ERR_IO errno says
 * why (ENOSPC, EFBIG, EACCES...) and path is as it was before the call.
 */
enum nn_status nn_safetensors_save(const char *path, const struct nn_model *m, const struct nn_meta *md,
                                   int with_opt);
/* Read only the metadata of a safetensors file (to rebuild the model it describes). */
enum nn_status nn_safetensors_read_meta(const char *path, struct nn_meta *md);
/* Load parameters (and optimizer state if with_opt) of m from path; names and shapes must
 * match (NN_ERR_SHAPE otherwise). */
enum nn_status nn_safetensors_load(const char *path, struct nn_model *m, int with_opt);

#ifdef __cplusplus
}
#endif
#endif
