/*
 * Helpers shared by the libactlab tests: float bits, a seeded PRNG and input
 * mixtures, the list of test cases (op + parameters), special and kink inputs, the
 * execution paths (public API, element-wise reference, each registered kernel) and
 * ULP comparison loops. Everything the test binaries would otherwise repeat.
 */
#ifndef ACTLAB_TESTS_TESTUTIL_H
#define ACTLAB_TESTS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "actlab/act.h"
#include "internal.h"

/* ---- floats ------------------------------------------------------------------------- */

uint32_t tu_bits(float x);
float tu_from_bits(uint32_t u);
/* Bitwise identical, or both NaN (payloads may differ). */
int tu_same(float a, float b);
/* x stepped by k representable floats (k < 0: towards -inf), through zero and to +-inf. */
float tu_step(float x, int k);

/* ---- seeded PRNG (splitmix64) ------------------------------------------------------- */

struct tu_rng {
    uint64_t s;
};

/* The run's seed: ACTLAB_TEST_SEED if set, else a fixed default; printed on first use. */
uint64_t tu_seed(void);
/* A generator for one independent stream (e.g. one per case) of the run's seed. */
void tu_rng_init(struct tu_rng *r, uint64_t stream);
uint64_t tu_rng_next(struct tu_rng *r);
/* Uniform in [lo, hi). */
double tu_rng_range(struct tu_rng *r, double lo, double hi);
/* Random sign times a magnitude log-uniform in [lo, hi]. */
float tu_rng_logmag(struct tu_rng *r, double lo, double hi);

/*
 * Inputs x for op d: a mixture of uniform [-10, 10], log-uniform magnitudes
 * 1e-40..1e38 of both signs, and the special inputs of d (kinks, saturation points,
 * +-0, +-inf, NaN, subnormals) stepped by a few ULP.
 */
void tu_fill_x(struct tu_rng *r, const struct act_desc *d, float *x, size_t n);
/* Finite upstream gradients: mostly uniform [-2, 2], some wide magnitudes, a few specials. */
void tu_fill_dy(struct tu_rng *r, float *dy, size_t n);

/* ---- ops and test cases --------------------------------------------------------------- */

/* Spec names in enum order, written here so the tests do not trust act_op_name. */
extern const char *const tu_op_names[ACT_OP_COUNT];

/*
 * d = op with its defaults (act_desc_init), then a and b set the op's parameters when
 * not NaN: slope (leaky, prelu), alpha (elu, celu), beta/threshold (softplus),
 * lower/upper (rrelu), min/max (hardtanh), threshold/value (threshold).
 */
struct act_desc tu_desc(enum act_op op, float a, float b);
/* Set d's parameters (the same two slots as tu_desc) to a and b, NaN included. */
void tu_set_params(struct act_desc *d, float a, float b);

/* "leaky_relu:slope=0.2": a label for messages (written here, not with act_format). */
void tu_describe(const struct act_desc *d, char *buf, size_t len);

struct tu_case {
    struct act_desc d;
    struct act_params p; /* act_params_from_desc(d), what kernels take */
    int is_default;      /* the op's default parameters (threshold: 0.1, 20) */
    char label[96];
};

/* Every op with its defaults, plus non-default parameters for the parameterised ops. */
const struct tu_case *tu_cases(size_t *count);

/* The documented set of descs act_backward_from_output supports (act.h). */
int tu_doc_from_output(const struct act_desc *d);

/* Does the case have a backward-from-output path (library's answer, checked by test_api)? */
int tu_case_has_bwdy(const struct tu_case *c);

/*
 * The ULP budget for op and direction: the smaller of the library's claim
 * (act_op_info) and the documented cap, so neither can loosen the other.
 * ACT_DIR_BWD_Y uses the backward budget (against the reference's y-formula).
 */
double tu_budget(enum act_op op, enum act_dir dir);
double tu_doc_budget(enum act_op op, enum act_dir dir);

/* ---- special inputs ------------------------------------------------------------------- */

/* Points where d is not smooth (kinks, jumps): their x values; returns the count. */
size_t tu_kinks(const struct act_desc *d, float *out, size_t cap);

/* Saturation and overflow points of the smooth ops (SEMANTICS.md "Traps"), shared by all ops. */
size_t tu_saturation_points(float *out, size_t cap);

/*
 * Special inputs for d: +-0, +-inf, NaNs, FLT_MIN, subnormals, FLT_MAX, the common kinks
 * 0, +-3, 6 and d's own kinks (+-2 ULP), the saturation points (+-1 ULP).
 */
size_t tu_special_inputs(const struct act_desc *d, float *out, size_t cap);

/* ---- execution paths ------------------------------------------------------------------ */

enum tu_path_kind { TU_PATH_API, TU_PATH_REF, TU_PATH_KERNEL };

struct tu_path {
    enum tu_path_kind kind;
    const struct act_kernel *k; /* TU_PATH_KERNEL only */
    const char *name;
};

#define TU_WITH_API 1u
#define TU_WITH_REF 2u

/*
 * The paths that compute (c, dir) on this CPU: the public API and/or the whole-array
 * reference (flags), then every registered kernel for c's op and dir. Kernels whose ISA
 * the CPU lacks are counted as skipped. Empty for ACT_DIR_BWD_Y when c has no such path.
 */
size_t tu_paths(const struct tu_case *c, enum act_dir dir, unsigned flags, struct tu_path *out, size_t cap);

/* Run (c, dir) over n elements on path: a is x (or y for BWD_Y), dy is ignored forward. */
enum act_status tu_run(const struct tu_path *path, const struct tu_case *c, enum act_dir dir, size_t n,
                       const float *a, const float *dy, float *out);

/* The unroll of a kernel from its name's _u<N> suffix (1 if absent). */
size_t tu_kernel_unroll(const struct act_kernel *k);

/* ---- ULP comparison ------------------------------------------------------------------- */

/* An expected value with its rounding to float and that rounding's ulp_error, precomputed so that
 * comparing an output equal to the rounded value (the usual case) is one integer compare. */
struct tu_expect {
    long double exact;
    float rounded;
    double rounded_err;
};

void tu_expect_set(struct tu_expect *e, long double exact);

struct tu_ulp {
    double worst;      /* largest ulp_error seen (-1 before any) */
    size_t worst_i;    /* its index */
    size_t nbad;       /* elements over the budget */
    size_t first_bad;  /* index of the first one */
};

void tu_ulp_reset(struct tu_ulp *u);
/* Fold ulp_error(got[i], want[i].exact) for i < n into u; indices reported as base + i. */
void tu_ulp_compare(struct tu_ulp *u, const float *got, const struct tu_expect *want, size_t n, double budget,
                    size_t base);

#endif
