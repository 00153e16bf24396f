/*
 * Piecewise-linear kernels (identity, relu, leaky_relu, prelu, rrelu, relu6, hardtanh,
 * threshold), written once over the vf_* wrappers of one ISA (simd/vec-<isa>.h, included
 * first) and compiled once per ISA. They are exact: every result is a selected input,
 * a constant, or one IEEE float product (slope * x), which is what the reference rounds
 * to. Comparisons are ordered, so NaN lanes take the "else" branch and then the NaN is
 * selected back in; -0 is kept wherever the reference keeps it. A NaN input comes out as
 * that NaN: a quiet NaN bit for bit, as the reference gives it; a signalling NaN unquieted,
 * where the reference (x + x) quiets it (NaN either way, which is what the tests hold).
 * Main loop: 4 vectors per iteration; then single vectors; then the reference for the tail,
 * so no load or store ever leaves [0, n).
 */
#include <float.h>
#include <stdint.h>

#include "../kernels.h"
#include "../ref.h"
#include "vec-sel.h"

#define KN(op, dir) KN_(op, dir, VEC_ISA, UTAG)
#define KN_(op, dir, isa, u) KN__(op, dir, isa, u)
#define KN__(op, dir, isa, u) act_f32_##op##_##dir##__##isa##_##u

/* Loop-invariant broadcasts of the parameters. */
struct lin_ctx {
    vf zero, slope, signmask, lo, hi, th, val;
    int slope_zero; /* slope == 0: y = copysign(0, x) for x <= 0, also at -inf (0 * -inf is NaN) */
};

static inline void lin_ctx_init(struct lin_ctx *c, const struct act_params *p)
{
    c->zero = vf_zero();
    c->slope = vf_set1(p->slope);
    c->signmask = vf_set1(-0.0f);
    c->lo = vf_set1(p->lo);
    c->hi = vf_set1(p->hi);
    c->th = vf_set1(p->threshold);
    c->val = vf_set1(p->value);
    c->slope_zero = p->slope == 0;
}

/* Forward bodies: a is x. */
#define F_IDENTITY(a) (a)
#define F_LEAKY(a) vf_select(vf_le(a, c.zero), c.slope_zero ? vf_and(a, c.signmask) : vf_mul(a, c.slope), a)
#ifdef VF_MINMAX_B_ON_NAN
/*
 * Where the ISA's max/min return their second operand on NaN and on ties (±0 included), x as
 * that operand gives the reference's select in fewer operations: a NaN x comes back as it went
 * in, and a tie returns x.
 *  - relu: max(0, x) (x = -0 gives -0, as x < 0 ? 0 : x);
 *  - leaky family: for 0 < slope <= 1, slope*x <= x exactly when x >= 0, so max(slope*x, x); for
 *    slope > 1, min (ties, x = ±0 or slope*x rounding to x, equal slope*x bit for bit);
 *  - clamp: min(hi, max(lo, x)), as x < lo ? lo : x > hi ? hi : x.
 */
#define F_RELU(a) vf_max_b(c.zero, a)
#define F_LEAKY_MAX(a) vf_max_b(vf_mul(a, c.slope), a)
#define F_LEAKY_MIN(a) vf_min_b(vf_mul(a, c.slope), a)
#define F_CLAMP(a) vf_min_b(c.hi, vf_max_b(c.lo, a))
#else
#define F_RELU(a) vf_andnot(vf_lt(a, c.zero), a)
#define F_CLAMP(a) vf_select(vf_lt(a, c.lo), c.lo, vf_select(vf_gt(a, c.hi), c.hi, a))
#endif
#define F_THRESHOLD(a) vf_sel_le(a, c.th, c.val, a)
#ifdef VF_HAS_KMASK
/*
 * AVX-512: a comparison's k-mask drives a masked operation directly (vec-avx512.h). The generic
 * forms below turn the mask into a vector and back for every select, two extra operations on the
 * two ports that run 512-bit arithmetic: relu backward ran at 64% of the add loop, leaky_relu
 * backward at 25% (Xeon, 2026-11-28). A NaN a is passed through by vf_nan_pass (one fixup).
 */
#define B_IDENTITY(a, g) vf_nan_pass(a, g)
#define B_RELU(a, g) vf_relu_bwd(a, g)
#define B_LEAKY(a, g) vf_leaky_bwd(a, g, c.slope)
#define B_CLAMP(a, g) vf_nan_pass(a, vf_in_or_zero(a, c.lo, c.hi, g))
#define B_RELU6(a, g) vf_relu_bwd(a, vf_lt_or_zero(a, c.hi, g)) /* lo = 0: relu's fixup does the rest */
#define B_THRESHOLD(a, g) vf_nan_pass(a, vf_gt_or_zero(a, c.th, g))
#else
/* Backward bodies: a is x (or y for bwdy), g is dy. A NaN a is passed through as the result. */
#define B_IDENTITY(a, g) vf_nan_pass(a, g)
#define B_RELU(a, g) vf_or(vf_and(vf_gt(a, c.zero), g), vf_and(vf_isnan(a), a))
#define B_LEAKY(a, g) vf_nan_pass(a, vf_select(vf_gt(a, c.zero), g, vf_mul(g, c.slope)))
#define B_CLAMP(a, g) vf_or(vf_and(vf_and(vf_gt(a, c.lo), vf_lt(a, c.hi)), g), vf_and(vf_isnan(a), a))
#define B_THRESHOLD(a, g) vf_or(vf_and(vf_gt(a, c.th), g), vf_and(vf_isnan(a), a))
#define B_RELU6(a, g) B_CLAMP(a, g)
#endif

/*
 * Out of cache (n >= ACT_NT_MIN, kernels.h) the output goes out with non-temporal stores. The head
 * is peeled through the reference until y is aligned: for this family the reference's results are
 * bit-identical to the vector body's, so where the split falls changes nothing.
 */
#ifdef VF_ALIGN
#define NT_OK(out, n) ((n) >= ACT_NT_MIN && (uintptr_t)(out) % sizeof(float) == 0)
#else
#define NT_OK(out, n) 0
#define vf_stream vf_store
#define vf_sfence() ((void)0)
#define VF_ALIGN 1
#endif

#define FWD_BODY4(STORE, F)                                                                      \
    for (; i + 4 * VLEN <= n; i += 4 * VLEN) {                                                   \
        vf a0 = vf_load(x + i), a1 = vf_load(x + i + VLEN);                                      \
        vf a2 = vf_load(x + i + 2 * VLEN), a3 = vf_load(x + i + 3 * VLEN);                       \
        STORE(y + i, F(a0));                                                                     \
        STORE(y + i + VLEN, F(a1));                                                              \
        STORE(y + i + 2 * VLEN, F(a2));                                                          \
        STORE(y + i + 3 * VLEN, F(a3));                                                          \
    }

/* The forward loop of one body F, over a given context: fn(n, x, y, p, c). */
#define DEFINE_FWD_LOOP(fn, OP, F)                                                               \
    static inline void fn(size_t n, const float *x, float *y, const struct act_params *p,        \
                          struct lin_ctx c)                                                      \
    {                                                                                            \
        (void)c; /* unused by identity */                                                        \
        size_t i = 0;                                                                            \
        if (NT_OK(y, n)) {                                                                       \
            for (; (uintptr_t)(y + i) % VF_ALIGN; i++)                                           \
                y[i] = ref_fwd1(ACT_OP_##OP, p, x[i]);                                           \
            FWD_BODY4(vf_stream, F)                                                              \
            vf_sfence();                                                                         \
        }                                                                                        \
        FWD_BODY4(vf_store, F)                                                                   \
        for (; i + VLEN <= n; i += VLEN) {                                                       \
            vf a = vf_load(x + i);                                                               \
            vf_store(y + i, F(a));                                                               \
        }                                                                                        \
        for (; i < n; i++)                                                                       \
            y[i] = ref_fwd1(ACT_OP_##OP, p, x[i]);                                               \
    }

#define DEFINE_FWD(op, OP, F)                                                                    \
    DEFINE_FWD_LOOP(KN(op, fwd_loop), OP, F)                                                     \
    void KN(op, fwd)(size_t n, const float *x, float *y, const struct act_params *p)             \
    {                                                                                            \
        struct lin_ctx c;                                                                        \
        lin_ctx_init(&c, p);                                                                     \
        KN(op, fwd_loop)(n, x, y, p, c);                                                         \
    }

/* leaky_relu, prelu (one slope) and rrelu (evaluation: the mean slope): max or min by the slope
 * where the ISA allows, the select otherwise (slope <= 0, or NEON, whose max quiets a NaN).
 * AVX-512: x <= 0 ? slope x : x as one masked product for any nonzero slope (a NaN or positive
 * x is left as it is), faster there than the max of two operations; slope 0, the select. */
#ifdef VF_HAS_KMASK
#define F_LEAKY_KMUL(a) vf_le_mul(a, c.zero, a, c.slope)
#define F_LEAKY_KZERO(a) vf_sel_le(a, c.zero, vf_and(a, c.signmask), a)
#define DEFINE_FWD_LEAKY(op, OP)                                                                 \
    DEFINE_FWD_LOOP(KN(op, fwd_kmul), OP, F_LEAKY_KMUL)                                          \
    DEFINE_FWD_LOOP(KN(op, fwd_kzero), OP, F_LEAKY_KZERO)                                        \
    void KN(op, fwd)(size_t n, const float *x, float *y, const struct act_params *p)             \
    {                                                                                            \
        struct lin_ctx c;                                                                        \
        lin_ctx_init(&c, p);                                                                     \
        if (c.slope_zero)                                                                        \
            KN(op, fwd_kzero)(n, x, y, p, c);                                                    \
        else                                                                                     \
            KN(op, fwd_kmul)(n, x, y, p, c);                                                     \
    }
#elif defined(VF_MINMAX_B_ON_NAN)
#define DEFINE_FWD_LEAKY(op, OP)                                                                 \
    DEFINE_FWD_LOOP(KN(op, fwd_max), OP, F_LEAKY_MAX)                                            \
    DEFINE_FWD_LOOP(KN(op, fwd_min), OP, F_LEAKY_MIN)                                            \
    DEFINE_FWD_LOOP(KN(op, fwd_sel), OP, F_LEAKY)                                                \
    void KN(op, fwd)(size_t n, const float *x, float *y, const struct act_params *p)             \
    {                                                                                            \
        struct lin_ctx c;                                                                        \
        lin_ctx_init(&c, p);                                                                     \
        if (p->slope > 0.0f && p->slope <= 1.0f)                                                 \
            KN(op, fwd_max)(n, x, y, p, c);                                                      \
        else if (p->slope > 1.0f && p->slope <= FLT_MAX) /* inf * 0 is NaN: the select */       \
            KN(op, fwd_min)(n, x, y, p, c);                                                      \
        else                                                                                     \
            KN(op, fwd_sel)(n, x, y, p, c);                                                      \
    }
#else
#define DEFINE_FWD_LEAKY(op, OP) DEFINE_FWD(op, OP, F_LEAKY)
#endif

#define BWD_BODY4(STORE, B)                                                                      \
    for (; i + 4 * VLEN <= n; i += 4 * VLEN) {                                                   \
        vf a0 = vf_load(x + i), a1 = vf_load(x + i + VLEN);                                      \
        vf a2 = vf_load(x + i + 2 * VLEN), a3 = vf_load(x + i + 3 * VLEN);                       \
        vf g0 = vf_load(dy + i), g1 = vf_load(dy + i + VLEN);                                    \
        vf g2 = vf_load(dy + i + 2 * VLEN), g3 = vf_load(dy + i + 3 * VLEN);                     \
        STORE(dx + i, B(a0, g0));                                                                \
        STORE(dx + i + VLEN, B(a1, g1));                                                         \
        STORE(dx + i + 2 * VLEN, B(a2, g2));                                                     \
        STORE(dx + i + 3 * VLEN, B(a3, g3));                                                     \
    }

/* dir is bwd (a = x) or bwdy (a = y); REF is the matching reference element function. */
#define DEFINE_BWD(op, OP, dir, REF, B)                                                          \
    void KN(op, dir)(size_t n, const float *x, const float *dy, float *dx, const struct act_params *p) \
    {                                                                                            \
        struct lin_ctx c;                                                                        \
        lin_ctx_init(&c, p);                                                                     \
        size_t i = 0;                                                                            \
        if (NT_OK(dx, n)) {                                                                      \
            for (; (uintptr_t)(dx + i) % VF_ALIGN; i++)                                          \
                dx[i] = REF(ACT_OP_##OP, p, x[i], dy[i]);                                        \
            BWD_BODY4(vf_stream, B)                                                              \
            vf_sfence();                                                                         \
        }                                                                                        \
        BWD_BODY4(vf_store, B)                                                                   \
        for (; i + VLEN <= n; i += VLEN) {                                                       \
            vf a = vf_load(x + i), g = vf_load(dy + i);                                          \
            vf_store(dx + i, B(a, g));                                                           \
        }                                                                                        \
        for (; i < n; i++)                                                                       \
            dx[i] = REF(ACT_OP_##OP, p, x[i], dy[i]);                                            \
    }

/* The three directions of an op whose gradient is the same function of x or of y. */
#define DEFINE_ALL(op, OP, F, B)                                                                 \
    DEFINE_FWD(op, OP, F)                                                                        \
    DEFINE_BWD(op, OP, bwd, ref_bwd1, B)                                                         \
    DEFINE_BWD(op, OP, bwdy, ref_bwdy1, B)

DEFINE_ALL(identity, IDENTITY, F_IDENTITY, B_IDENTITY)
DEFINE_ALL(relu, RELU, F_RELU, B_RELU)
#define DEFINE_ALL_LEAKY(op, OP)                                                                 \
    DEFINE_FWD_LEAKY(op, OP)                                                                     \
    DEFINE_BWD(op, OP, bwd, ref_bwd1, B_LEAKY)                                                   \
    DEFINE_BWD(op, OP, bwdy, ref_bwdy1, B_LEAKY)

DEFINE_ALL_LEAKY(leaky_relu, LEAKY_RELU)
DEFINE_ALL_LEAKY(prelu, PRELU)
DEFINE_ALL_LEAKY(rrelu, RRELU)
DEFINE_ALL(relu6, RELU6, F_CLAMP, B_RELU6)
DEFINE_ALL(hardtanh, HARDTANH, F_CLAMP, B_CLAMP)
DEFINE_FWD(threshold, THRESHOLD, F_THRESHOLD)
DEFINE_BWD(threshold, THRESHOLD, bwd, ref_bwd1, B_THRESHOLD)
