/*
 * The statistics of act_forward_stats over one block of a call (src/act/api.c): written once over
 * the vf_* / vd_* wrappers of one ISA (included after simd/vec-<isa>.h). api.c has the scalar
 * version and picks one the way it picks the per-channel PReLU set.
 *
 * Counts: y == 0 (either sign), x < 0, y not finite. Sums over the finite y of y and of y^2, in
 * double (y^2 of a float is exact there). The order is fixed and the same on every ISA
 * (ACT_STATS_LANES in kernels.h): lane j of 32 adds, in turn, the values at positions i = j
 * (mod 32) of the block; api.c adds the lanes pairwise and the block's sum to the caller's. A
 * non-finite y adds +0 to its lane, which leaves the lane as it is (a lane starts at +0 and is
 * never -0). The scalar loop this replaced ran at 0.6 el/ns, behind two chains of dependent adds.
 */
#include <math.h>

#define SN(name) SN_(name, VEC_ISA)
#define SN_(name, isa) SN__(name, isa)
#define SN__(name, isa) act_##name##__##isa

#define STATS_ACCS (ACT_STATS_LANES / VDLEN)

/* The sum of a vector of small counts (each below 2^24: exact in float). */
static inline uint64_t stats_hsum(vf v)
{
    float t[VLEN];
    vf_store(t, v);
    uint64_t s = 0;
    for (size_t k = 0; k < VLEN; k++)
        s += (uint64_t)t[k];
    return s;
}

void SN(stats_block)(size_t m, const float *x, const float *y, double *lanes, uint64_t *counts)
{
    vf zero = vf_zero(), one = vf_set1(1.0f), inf = vf_set1(INFINITY), sign = vf_set1(-0.0f);
    vf cz = zero, cn = zero, cf = zero;
    vd s[STATS_ACCS], q[STATS_ACCS];
    for (size_t k = 0; k < STATS_ACCS; k++) {
        s[k] = vd_load(lanes + k * VDLEN);
        q[k] = vd_load(lanes + ACT_STATS_LANES + k * VDLEN);
    }
    size_t i = 0;
    for (; i + ACT_STATS_LANES <= m; i += ACT_STATS_LANES) {
#pragma GCC unroll 16
        for (size_t k = 0; k < ACT_STATS_LANES; k += VLEN) {
            vf v = vf_load(y + i + k), a = vf_load(x + i + k);
            vf fin = vf_lt(vf_andnot(sign, v), inf); /* false for NaN and +-inf */
            vf vz = vf_and(fin, v);
            cz = vf_add(cz, vf_and(vf_and(vf_le(v, zero), vf_le(zero, v)), one));
            cn = vf_add(cn, vf_and(vf_lt(a, zero), one));
            cf = vf_add(cf, vf_and(fin, one));
            vd lo = vd_from_lo(vz), hi = vd_from_hi(vz);
            s[k / VDLEN] = vd_add(s[k / VDLEN], lo);
            s[k / VDLEN + 1] = vd_add(s[k / VDLEN + 1], hi);
            q[k / VDLEN] = vd_add(q[k / VDLEN], vd_mul(lo, lo));
            q[k / VDLEN + 1] = vd_add(q[k / VDLEN + 1], vd_mul(hi, hi));
        }
    }
    for (size_t k = 0; k < STATS_ACCS; k++) {
        vd_store(lanes + k * VDLEN, s[k]);
        vd_store(lanes + ACT_STATS_LANES + k * VDLEN, q[k]);
    }
    counts[0] += stats_hsum(cz);
    counts[1] += stats_hsum(cn);
    counts[2] += i - stats_hsum(cf);
    act_stats_from(i, m, x, y, lanes, counts);
}
