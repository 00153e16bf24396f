/* libactlab internals shared by the reference, the kernels, dispatch and the tests. */
#ifndef ACTLAB_INTERNAL_H
#define ACTLAB_INTERNAL_H

#include <stddef.h>

#include "actlab/act.h"

#define ACT_API __attribute__((visibility("default")))

/* Directions of a kernel. */
enum act_dir { ACT_DIR_FWD = 0, ACT_DIR_BWD = 1, ACT_DIR_BWD_Y = 2, ACT_DIR_COUNT = 3 };

/* Instruction sets, in dispatch preference order (higher is preferred). */
enum act_isa_id { ACT_ISA_SCALAR = 0, ACT_ISA_SSE2, ACT_ISA_AVX2, ACT_ISA_AVX512, ACT_ISA_NEON, ACT_ISA_COUNT };

/*
 * Parameters resolved once from a validated act_desc, in the form kernels use:
 * p0/p1/p2 meaning per op (slope; alpha; beta, threshold; lo, hi; ...). Filled by
 * act_params_from_desc.
 */
struct act_params {
    float slope;      /* leaky, prelu (shared), rrelu (mean slope) */
    float alpha;      /* elu, celu */
    float beta;       /* softplus */
    float threshold;  /* softplus, threshold */
    float value;      /* threshold */
    float lo, hi;     /* relu6 (0, 6), hardtanh (min, max) */
};

void act_params_from_desc(const struct act_desc *d, struct act_params *p);

/* A named float parameter of an op: its spec key and where it lives in struct act_desc. */
struct act_param_def {
    const char *key;
    size_t offset;
};
#define ACT_MAX_PARAMS 2
/* The static description of an op: public facts plus its parameters (src/act/api.c). */
struct act_op_def {
    struct act_op_info info;
    int nparams;
    struct act_param_def params[ACT_MAX_PARAMS];
};
/* NULL if op is out of range. */
const struct act_op_def *act_op_def(enum act_op op);
/* The float field of d a parameter definition names. */
float *act_param_ptr(struct act_desc *d, const struct act_param_def *pd);

/* Kernel signatures. */
typedef void (*act_fwd_fn)(size_t n, const float *x, float *y, const struct act_params *p);
typedef void (*act_bwd_fn)(size_t n, const float *x, const float *dy, float *dx, const struct act_params *p);

/* The scalar reference (src/act/ref.c): double-precision, written for clarity. */
float act_ref_fwd1(enum act_op op, const struct act_params *p, float x);
float act_ref_bwd1(enum act_op op, const struct act_params *p, float x, float dy);
float act_ref_bwdy1(enum act_op op, const struct act_params *p, float y, float dy);
/* Does backward-from-output apply to this op with these parameters? */
int act_ref_has_bwdy(enum act_op op, const struct act_params *p);

/* Whole-array reference entry points (the same contract as the public ones; desc already valid). */
void act_ref_forward(enum act_op op, const struct act_params *p, size_t n, const float *x, float *y);
void act_ref_backward(enum act_op op, const struct act_params *p, size_t n, const float *x, const float *dy, float *dx);
void act_ref_backward_from_output(enum act_op op, const struct act_params *p, size_t n, const float *y,
                                  const float *dy, float *dx);

/* Run a kernel over [0, n), split over the thread pool when it pays (src/act/threads.c). */
void act_par_fwd(act_fwd_fn fn, size_t n, const float *x, float *y, const struct act_params *p);
void act_par_bwd(act_bwd_fn fn, size_t n, const float *a, const float *b, float *out, const struct act_params *p);

/* Dispatch (src/act/dispatch.c). */
struct act_kernel {
    const char *name;     /* act_f32_<op>_<dir>__<isa>[_<algo>]_u<unroll> */
    enum act_op op;
    enum act_dir dir;
    enum act_isa_id isa;
    void *fn;             /* act_fwd_fn for ACT_DIR_FWD, act_bwd_fn otherwise */
};
/* The kernel dispatch picked for (op, dir); never NULL for valid arguments. */
const struct act_kernel *act_dispatch(enum act_op op, enum act_dir dir);
/* All kernels compiled in, and how many. */
const struct act_kernel *act_kernel_list(size_t *count);
/* Can this CPU run isa? */
int act_cpu_has(enum act_isa_id isa);
const char *act_isa_name(enum act_isa_id isa);

#endif
