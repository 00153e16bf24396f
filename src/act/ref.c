/* The scalar reference, array and element entry points (the maths is in ref.h). */
#include "ref.h"

float act_ref_fwd1(enum act_op op, const struct act_params *p, float x) { return ref_fwd1(op, p, x); }
float act_ref_bwd1(enum act_op op, const struct act_params *p, float x, float dy) { return ref_bwd1(op, p, x, dy); }
float act_ref_bwdy1(enum act_op op, const struct act_params *p, float y, float dy) { return ref_bwdy1(op, p, y, dy); }
int act_ref_has_bwdy(enum act_op op, const struct act_params *p) { return ref_has_bwdy(op, p); }

void act_ref_forward(enum act_op op, const struct act_params *p, size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = ref_fwd1(op, p, x[i]);
}

void act_ref_backward(enum act_op op, const struct act_params *p, size_t n, const float *x, const float *dy, float *dx)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = ref_bwd1(op, p, x[i], dy[i]);
}

void act_ref_backward_from_output(enum act_op op, const struct act_params *p, size_t n, const float *y,
                                  const float *dy, float *dx)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = ref_bwdy1(op, p, y[i], dy[i]);
}
