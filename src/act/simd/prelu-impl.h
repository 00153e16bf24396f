/*
 * PReLU with one slope per channel (act_prelu_forward / act_prelu_backward, src/act/api.c): the
 * parts the registry's kernels do not cover, written once over the vf_* / vd_* wrappers of one
 * ISA (included after simd/linear-impl.h, whose bodies it reuses). api.c has the scalar set and picks one by the ISA that
 * dispatch picked for prelu.
 *
 *  - bwd_seg, dslope: the sum of x dy over the elements where !(x > 0) (a NaN x included: it poisons its
 *    channel's sum), in double, where the product of two floats is exact. The order is fixed and
 *    the same on every ISA (ACT_PRELU_LANES in kernels.h): lane j of 32 adds, in turn, the
 *    products at positions i = j (mod 32) of each row's segment of the channel, rows in order;
 *    api.c adds the 32 lanes pairwise at the end. A vector of VLEN floats feeds VLEN consecutive
 *    lanes, as two vectors of doubles. The scalar loop it replaced added one product at a time,
 *    behind a branch on the sign of x, at 0.2 el/ns.
 *  - rows: inner == 1 (dense and NHWC layouts), where the channels of one row are consecutive and
 *    the slopes are a vector too. Forward; backward with one dslope sum per channel, over the rows
 *    in order (lane 0 of the rule above: the same sums).
 *
 * The tails use the reference's element functions, so every element gets the same bits wherever
 * it falls. x and dy are read before dx is written (in place is allowed).
 */
#include "vec-sel.h"

#define PN(name) PN_(name, VEC_ISA)
#define PN_(name, isa) PN__(name, isa)
#define PN__(name, isa) act_prelu_##name##__##isa

/* The dslope products of one vector, as two vectors of doubles: +0 where x > 0 (both factors
 * zeroed first: an infinite dy there must not make a NaN). */
static inline void prelu_prod(vf a, vf g, vd *lo, vd *hi)
{
    vf pos = vf_gt(a, vf_zero());
    a = vf_andnot(pos, a);
    g = vf_andnot(pos, g);
    *lo = vd_mul(vd_from_lo(a), vd_from_lo(g));
    *hi = vd_mul(vd_from_hi(a), vd_from_hi(g));
}

#define PRELU_ACCS (ACT_PRELU_LANES / VDLEN)

/* One row's segment of one channel: its dslope products into acc, and dx (if not NULL) as the
 * registry's prelu kernel computes it (the same body, B_LEAKY of simd/linear-impl.h), in one pass. */
void PN(bwd_seg)(size_t n, const float *x, const float *dy, float *dx, float slope, double *acc)
{
    struct act_params p = {0};
    p.slope = slope;
    struct lin_ctx c;
    lin_ctx_init(&c, &p);
    vd s[PRELU_ACCS];
    for (size_t k = 0; k < PRELU_ACCS; k++)
        s[k] = vd_load(acc + k * VDLEN);
    size_t i = 0;
    for (; i + ACT_PRELU_LANES <= n; i += ACT_PRELU_LANES) {
#pragma GCC unroll 16
        for (size_t k = 0; k < ACT_PRELU_LANES; k += VLEN) {
            vf a = vf_load(x + i + k), g = vf_load(dy + i + k);
            vd lo, hi;
            prelu_prod(a, g, &lo, &hi);
            s[k / VDLEN] = vd_add(s[k / VDLEN], lo);
            s[k / VDLEN + 1] = vd_add(s[k / VDLEN + 1], hi);
            if (dx)
                vf_store(dx + i + k, B_LEAKY(a, g));
        }
    }
    for (size_t k = 0; k < PRELU_ACCS; k++)
        vd_store(acc + k * VDLEN, s[k]);
    act_prelu_seg_from(i, n, x, dy, dx, slope, acc);
}

/* slope_zero: some slope is 0, where x <= 0 gives copysign(0, x) (0 * -inf would be NaN); without
 * one, s x for every x <= 0 in one select (AVX-512: one masked product). */
void PN(rows_fwd)(size_t channels, const float *x, const float *slope, float *y, int slope_zero)
{
    vf zero = vf_zero(), sign = vf_set1(-0.0f);
    size_t c = 0;
    if (slope_zero)
        for (; c + VLEN <= channels; c += VLEN) {
            vf a = vf_load(x + c), s = vf_load(slope + c);
            vf s0 = vf_and(vf_le(s, zero), vf_le(zero, s)); /* s == 0 */
            vf neg = vf_select(s0, vf_and(a, sign), vf_mul(a, s));
            vf_store(y + c, vf_sel_le(a, zero, neg, a)); /* x > 0 and NaN: x */
        }
    else
        for (; c + VLEN <= channels; c += VLEN) {
            vf a = vf_load(x + c), s = vf_load(slope + c);
            vf_store(y + c, vf_le_mul(a, zero, a, s));
        }
    act_prelu_rows_fwd_from(c, channels, x, slope, y);
}

void PN(rows_bwd)(size_t channels, const float *x, const float *slope, const float *dy, float *dx, double *acc)
{
    struct act_params p = {0};
    struct lin_ctx c; /* B_LEAKY's context; its slope becomes the vector of the channels' slopes */
    lin_ctx_init(&c, &p);
    size_t k = 0;
    for (; k + VLEN <= channels; k += VLEN) {
        vf a = vf_load(x + k), g = vf_load(dy + k);
        vd lo, hi;
        prelu_prod(a, g, &lo, &hi);
        vd_store(acc + k, vd_add(vd_load(acc + k), lo));
        vd_store(acc + k + VDLEN, vd_add(vd_load(acc + k + VDLEN), hi));
        if (dx) { /* x > 0 ? dy : NaN x ? x : slope dy, as the prelu kernel computes it */
            c.slope = vf_load(slope + k);
            vf_store(dx + k, B_LEAKY(a, g));
        }
    }
    act_prelu_rows_bwd_from(k, channels, x, slope, dy, dx, acc);
}
