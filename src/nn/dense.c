/* Dense (fully connected) layer: y = x w^T + b, w as PyTorch's nn.Linear (out, in). */
#include <string.h>

#include "internal.h"

enum nn_status nn_dense_forward(size_t n, size_t in, size_t out, const float *x, const float *w, const float *b,
                                float *y)
{
    if (!x || !w || !b || !y || !in || !out)
        return NN_ERR_INVALID_ARG;
    /* x is (n, in), w is (out, in), y is (n, out) */
    for (size_t r = 0; r < n; r++)
        for (size_t o = 0; o < out; o++)
            y[r * out + o] = b[o];
    nn_gemm(0, 1, n, out, in, 1.0f, x, in, w, in, 1.0f, y, out);
    return NN_OK;
}

enum nn_status nn_dense_backward(size_t n, size_t in, size_t out, const float *x, const float *w, const float *dy,
                                 float *dx, float *dw, float *db)
{
    if (!x || !w || !dy || !dw || !db || !in || !out)
        return NN_ERR_INVALID_ARG;
    /* dw (out, in) = dy^T (out, n) x (n, in) */
    nn_gemm(1, 0, out, in, n, 1.0f, dy, out, x, in, 0.0f, dw, in);
    /* db (out) = column sums of dy (n, out), rows in order */
    memset(db, 0, out * sizeof *db);
    for (size_t r = 0; r < n; r++)
        for (size_t o = 0; o < out; o++)
            db[o] += dy[r * out + o];
    /* dx (n, in) = dy (n, out) w (out, in) */
    if (dx)
        nn_gemm(0, 0, n, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);
    return NN_OK;
}
