/* Dense (fully connected) layer: y = x w^T + b, w as PyTorch's nn.Linear (out, in). */
#include "internal.h"

/* Columns of db summed together, so the double accumulators stay in registers / L1. */
#define DB_BLOCK 64

enum nn_status nn_dense_forward(size_t n, size_t in, size_t out, const float *x, const float *w, const float *b,
                                float *y)
{
    if (!x || !w || !b || !y || !in || !out)
        return NN_ERR_INVALID_ARG;
    /* x is (n, in), w is (out, in), y is (n, out) */
    if (!nn_gemm_sparse(0, 1, n, out, in, x, in, w, in, b, y, out, NULL)) /* ReLU's x: mostly zeros */
        nn_gemm_bias(0, 1, n, out, in, 1.0f, x, in, w, in, b, y, out);
    return NN_OK;
}

enum nn_status nn_dense_backward(size_t n, size_t in, size_t out, const float *x, const float *w, const float *dy,
                                 float *dx, float *dw, float *db)
{
    if (!x || !w || !dy || !dw || !db || !in || !out)
        return NN_ERR_INVALID_ARG;
    /* dw (out, in) = dy^T (out, n) x (n, in); db (out) = column sums of dy (n, out), rows in
       order, in double (a float running sum loses the last bits of a small mean of large terms;
       PyTorch's is pairwise, in float). The sparse product sums db's columns as it goes. */
    if (!nn_gemm_sparse(1, 0, out, in, n, dy, out, x, in, NULL, dw, in, db)) { /* dy after ReLU */
        nn_gemm(1, 0, out, in, n, 1.0f, dy, out, x, in, 0.0f, dw, in);
        for (size_t o0 = 0; o0 < out; o0 += DB_BLOCK) {
            size_t ob = out - o0 < DB_BLOCK ? out - o0 : DB_BLOCK;
            double acc[DB_BLOCK] = {0}; /* (ob) */
            for (size_t r = 0; r < n; r++)
                for (size_t o = 0; o < ob; o++)
                    acc[o] += dy[r * out + o0 + o];
            for (size_t o = 0; o < ob; o++)
                db[o0 + o] = (float)acc[o];
        }
    }
    /* dx (n, in) = dy (n, out) w (out, in) */
    if (dx && !nn_gemm_sparse(0, 0, n, in, out, dy, out, w, in, NULL, dx, in, NULL))
        nn_gemm(0, 0, n, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);
    return NN_OK;
}
