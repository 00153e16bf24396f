/*
 * libactlab: exact float32 activation functions, forward and backward.
 *
 * Conventions (see docs/activations.md for the full table):
 *  - n counts elements; n == 0 is a no-op that returns ACT_OK.
 *  - In place works (y == x, dx == dy); any other overlap is undefined.
 *  - NaN in gives NaN out, in y and in dx. +-inf give the limit values.
 *  - On one CPU (one kernel per op), an element's result depends on its inputs alone: not on n,
 *    on where it falls in the array, on alignment or on the thread count. Kernels for other
 *    ISAs may round differently, within the ULP budgets.
 *  - Gradients at kinks follow PyTorch: relu'(0) = 0, leaky'(0) = slope, elu'(0) = alpha,
 *    relu6'(0) = relu6'(6) = 0, hardtanh'(min) = hardtanh'(max) = 0, threshold'(th) = 0,
 *    hardsigmoid'(+-3) = 0, hardswish'(-3) = -0.5, hardswish'(3) = 1.5.
 *  - The library never allocates in the hot path, never prints, never exits.
 *  - Every function that can fail returns enum act_status; ACT_OK is 0.
 */
#ifndef ACTLAB_ACT_H
#define ACTLAB_ACT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ACTLAB_VERSION_MAJOR 0
#define ACTLAB_VERSION_MINOR 1
#define ACTLAB_VERSION_PATCH 0

enum act_status {
    ACT_OK = 0,
    ACT_ERR_INVALID_ARG,   /* NULL pointer, bad parameter, bad spec, size overflow */
    ACT_ERR_UNSUPPORTED,   /* the request is valid but not offered (e.g. backward from y for gelu) */
    ACT_ERR_NO_MEMORY
};

/* A short English description of s; never NULL, never freed by the caller. */
const char *act_status_str(enum act_status s);

enum act_op {
    ACT_OP_IDENTITY, ACT_OP_RELU, ACT_OP_LEAKY_RELU, ACT_OP_PRELU, ACT_OP_ELU, ACT_OP_SIGMOID,
    ACT_OP_TANH, ACT_OP_RELU6, ACT_OP_RRELU, ACT_OP_SELU, ACT_OP_CELU, ACT_OP_GELU, ACT_OP_GELU_TANH,
    ACT_OP_SILU, ACT_OP_MISH, ACT_OP_SOFTPLUS, ACT_OP_HARDSWISH, ACT_OP_HARDSIGMOID, ACT_OP_HARDTANH,
    ACT_OP_SOFTSIGN, ACT_OP_THRESHOLD
};
#define ACT_OP_COUNT ((int)ACT_OP_THRESHOLD + 1)

/*
 * An activation and its parameters. Fields an op does not use are ignored.
 * Fill it with act_parse() or act_desc_init() (defaults as PyTorch's), then
 * change fields if you like; every entry point validates it (act_desc_check).
 */
struct act_desc {
    enum act_op op;
    float slope;            /* leaky_relu (0.01); prelu: the shared slope act_forward uses (0.25) */
    float alpha;            /* elu (1), celu (1, must be != 0) */
    float beta;             /* softplus (1, must be > 0) */
    float threshold;        /* softplus (20); threshold (required, no default) */
    float value;            /* threshold (required, no default) */
    float lower, upper;     /* rrelu (0.125, 1/3; lower <= upper); evaluation uses (lower+upper)/2 */
    float min_val, max_val; /* hardtanh (-1, 1; min_val <= max_val) */
};

/* Static facts about an op, for listings and tests. */
struct act_op_info {
    enum act_op op;
    const char *name;        /* spec name, e.g. "leaky_relu" */
    const char *params;      /* parameters with defaults, e.g. "slope=0.01"; "" if none */
    const char *formula;     /* forward definition, one line */
    double ulp_forward;      /* accuracy budget (max ULP vs the exact value) */
    double ulp_backward;
    int from_output;         /* 1 if act_backward_from_output may support it (see its doc) */
};

/* Facts about op, or NULL if op is out of range. */
const struct act_op_info *act_op_info(enum act_op op);

/* The spec name of op ("relu"), or NULL if out of range. */
const char *act_op_name(enum act_op op);

/*
 * Set *d to op with PyTorch's default parameters. For ACT_OP_THRESHOLD the
 * threshold and value have no default: they are NaN and must be set.
 * Returns ACT_ERR_INVALID_ARG for a NULL d or an unknown op.
 */
enum act_status act_desc_init(struct act_desc *d, enum act_op op);

/* ACT_OK if *d is a valid activation (known op, finite parameters in range). */
enum act_status act_desc_check(const struct act_desc *d);

/*
 * Parse "name" or "name:key=value[,key=value...]" into *d, filling defaults.
 * Names and keys: identity relu leaky_relu(slope) prelu(slope) elu(alpha)
 * sigmoid tanh relu6 rrelu(lower,upper) selu celu(alpha) gelu gelu_tanh silu
 * mish softplus(beta,threshold) hardswish hardsigmoid hardtanh(min,max)
 * softsign threshold(threshold,value; both required).
 * On any error (unknown name or key, repeated key, bad or non-finite number,
 * out-of-range parameter) returns ACT_ERR_INVALID_ARG and leaves *d untouched.
 */
enum act_status act_parse(const char *spec, struct act_desc *d);

/*
 * Write the canonical spec of *d into buf (at most len bytes, NUL-terminated
 * when len > 0), listing every parameter with the shortest decimal that reads
 * back as the same float, so act_parse(buf) gives back *d. Returns the length
 * the full spec needs (excluding the NUL), like snprintf, or -1 if *d is invalid.
 */
int act_format(const struct act_desc *d, char *buf, size_t len);

/* y[i] = f(x[i]) for i < n. y may equal x. */
enum act_status act_forward(const struct act_desc *d, size_t n, const float *x, float *y);

/* dx[i] = dy[i] * f'(x[i]) for i < n (a select in dead zones). dx may equal dy. */
enum act_status act_backward(const struct act_desc *d, size_t n, const float *x, const float *dy, float *dx);

/*
 * dx from the forward output y instead of x, for ops where y determines the
 * gradient: identity, relu, leaky_relu / rrelu / prelu (slope >= 0), elu and
 * celu (alpha > 0; elu also alpha == 0), selu, sigmoid, tanh, relu6, hardtanh.
 * Others return ACT_ERR_UNSUPPORTED. Accuracy near saturation is limited by
 * the rounding of y (sigmoid's y*(1-y) is 0 once y rounds to 1): prefer
 * act_backward when x is available. dx may equal dy.
 */
enum act_status act_backward_from_output(const struct act_desc *d, size_t n, const float *y, const float *dy, float *dx);

/* 1 if act_backward_from_output supports *d, else 0. */
int act_supports_backward_from_output(const struct act_desc *d);

/*
 * PReLU with per-channel slopes. x, y, dy, dx are (rows, channels, inner);
 * slope and dslope have `channels` entries (channels == 1: one shared slope).
 * NCHW is rows=N, channels=C, inner=H*W; NHWC / dense is rows=N*H*W, channels=C, inner=1.
 * y = x > 0 ? x : slope[c] * x.
 */
enum act_status act_prelu_forward(size_t rows, size_t channels, size_t inner, const float *x, const float *slope, float *y);

/*
 * dx = x > 0 ? dy : slope[c] * dy; dslope[c] = sum over the channel of
 * (x > 0 ? 0 : x * dy), accumulated in double in a fixed order (row-major) and
 * rounded once, so the result does not depend on the ISA or thread count.
 * dslope is overwritten (not accumulated); dx may equal dy; dx may be NULL
 * when only dslope is wanted.
 */
enum act_status act_prelu_backward(size_t rows, size_t channels, size_t inner, const float *x, const float *slope,
                                   const float *dy, float *dx, float *dslope);

/*
 * Running statistics of an activation. count: elements seen; zeros: y == 0
 * (+0 or -0); negatives: x < 0; nonfinite: y NaN or inf; sum, sum_sq: over
 * finite y. Zero-initialise before the first call.
 */
struct act_stats {
    uint64_t count, zeros, negatives, nonfinite;
    double sum, sum_sq;
};

/* act_forward, and add the statistics of this call into *st. The sums are in double, in a fixed order
 * that is the same on every ISA (docs/activations.md): the same x gives the same bits. */
enum act_status act_forward_stats(const struct act_desc *d, size_t n, const float *x, float *y, struct act_stats *st);

/* Name of the instruction set dispatch picked: "scalar", "sse2", "avx2", "avx512" or "neon". */
const char *act_isa(void);

/*
 * Cap dispatch at isa ("scalar", "sse2", "avx2", "avx512", "neon"); kernels
 * above it are never used. The environment variable ACTLAB_MAX_ISA does the
 * same at first use. Not to be called while other threads run kernels.
 * Returns ACT_ERR_INVALID_ARG for an unknown name.
 */
enum act_status act_set_max_isa(const char *isa);

/*
 * Threads used by act_forward, act_backward and act_backward_from_output for large n
 * (n >= 65536; smaller calls run on the calling thread). Default 1; at most 64. Results are
 * bit-identical for any thread count (each element's result depends on its inputs alone; the
 * work is split in chunks that are multiples of 64 elements). PReLU and act_forward_stats run
 * on the calling thread. Returns ACT_ERR_INVALID_ARG outside [1, 64], ACT_ERR_NO_MEMORY if a
 * thread cannot be started (the threads that did start are kept).
 */
enum act_status act_set_num_threads(int n);
int act_get_num_threads(void);

/*
 * The name of the kernel dispatch picked for op and direction (0 forward,
 * 1 backward, 2 backward from output), e.g. "act_f32_relu_fwd__scalar".
 * NULL if out of range.
 */
const char *act_kernel_name(enum act_op op, int dir);

#ifdef __cplusplus
}
#endif
#endif
