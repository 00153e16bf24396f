/*
 * An independent oracle for the activations, in long double (x87 80-bit on x86-64:
 * 64-bit significand, so 40 bits beyond float). Written from the definitions in
 * shared/SEMANTICS.md, never from the library's code: its only library input is the
 * public struct act_desc. Each formula avoids cancellation, so the result is within a
 * few long double ULP of the true value, i.e. ~1e-11 float ULP.
 *
 * Policy encoded here: NaN in gives NaN; +-inf give the limit values; at a kink the
 * left branch applies; in a dead zone the gradient is a selected 0.
 */
#ifndef ACTLAB_TESTS_ORACLE_H
#define ACTLAB_TESTS_ORACLE_H

#include "actlab/act.h"

/* f(x). x is long double so finite differences can step off the float grid. */
long double oracle_fwdl(const struct act_desc *d, long double x);

/*
 * f'(x) with the policy's kink conventions. *dead is set to 1 when x lies in a dead
 * zone listed by the policy (relu x<=0, relu6/hardtanh/hardsigmoid outside the open
 * interval, threshold x<=th, hardswish x<-3), where dx is 0 whatever dy is; else 0.
 */
long double oracle_derivl(const struct act_desc *d, long double x, int *dead);

/* f(x) and f'(x) together (sharing the exponentials), with *dead as for oracle_derivl. */
void oracle_eval(const struct act_desc *d, long double x, long double *y, long double *g, int *dead);

static inline long double oracle_fwd(const struct act_desc *d, float x) { return oracle_fwdl(d, x); }

/* The exact dx for (x, dy): 0 in a dead zone, else (long double)dy * f'(x). */
long double oracle_bwd(const struct act_desc *d, float x, float dy);

/* The slope rrelu evaluates with: (float)((lower + upper) / 2) computed in double. */
float oracle_rrelu_slope(const struct act_desc *d);

/*
 * |got - exact| in units of the float ULP at exact: 2^(floor(log2|exact|) - 23) for
 * |exact| >= FLT_MIN (the exponent capped at float's top binade), 2^-149 below.
 * NaN vs NaN is 0, NaN vs a number is infinity; +0 and -0 are equal; an exact value
 * beyond FLT_MAX costs 0 if got is the infinity it rounds to; got = inf when exact
 * does not round to inf (or exact = inf and got finite) is infinity.
 */
double ulp_error(float got, long double exact);

#endif
