/* Training engine internals shared by src/nn/ and src/data/ (not installed). */
#ifndef ACTLAB_NN_INTERNAL_H
#define ACTLAB_NN_INTERNAL_H

#include <stddef.h>

#include "actlab/nn.h"

/*
 * The one GEMM wrapper (CBLAS, row-major): C = alpha * op(A) op(B) + beta * C,
 * op(A) is (m, k), op(B) is (k, n), C is (m, n); ta/tb nonzero transpose.
 * lda/ldb/ldc are the row strides of A, B, C as stored.
 */
void nn_gemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda, const float *b,
             size_t ldb, float beta, float *c, size_t ldc);

/* nn_gemm with C first set to bias broadcast down its rows (bias is (n)): C = alpha * op(A) op(B)
 * + bias. Each thread fills its own block of C just before its sgemm, while the block is cached. */
void nn_gemm_bias(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                  const float *b, size_t ldb, const float *bias, float *c, size_t ldc);

/* The same as one single-threaded sgemm, whatever the thread count: for callers that split the
 * work over the engine's threads themselves (and may call it from those threads). */
void nn_gemm1(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda, const float *b,
              size_t ldb, float beta, float *c, size_t ldc);

/*
 * C (m, n) = op(A) op(B), plus bias (n) down the rows when bias is not NULL, computed from the
 * nonzeros of op(A) alone (sparse.c); when rowsum is not NULL, also rowsum (m) = the sums of
 * op(A)'s rows, each in double over the row in order, rounded once (the dense layer's db).
 * Returns 1 when done; 0 when the caller must run the dense nn_gemm / nn_gemm_bias instead:
 * sparse products off (nn_set_sparse), no AVX2, op(A) more than half nonzero, a NaN or inf in
 * op(B), shapes too small, or no memory. C and rowsum may then be partly written.
 */
int nn_gemm_sparse(int ta, int tb, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                   size_t ldb, const float *bias, float *c, size_t ldc, float *rowsum);

/*
 * Run fn(ctx, begin, end) over [0, n) split into one contiguous range per engine thread
 * (nn_set_threads), ranges of at least grain items; serial when n < 2 * grain. fn must write
 * only outputs of its own range, so results do not depend on the thread count.
 */
void nn_parallel_for(size_t n, size_t grain, void (*fn)(void *ctx, size_t begin, size_t end), void *ctx);

/*
 * For the parts of one nn_parallel_for(parts, 1, fn, ctx) region, which run at once (one range
 * per thread): a part calls it with its count of items (end - begin) and returns once every
 * part has; *arrived starts at 0 and serves once.
 */
void nn_parallel_barrier(_Atomic size_t *arrived, size_t weight, size_t parts);

/*
 * nn_optim_step that first checks the gradients for NaN or inf, in the same parallel region:
 * if one is found, *grads_bad is set and nothing is updated (the weights, optimizer state and
 * step count stay as they were).
 */
enum nn_status nn_optim_step_checked(struct nn_optim *o, struct nn_model *m, double lr, int *grads_bad);

/* Items per parallel range below which threads cost more than they save. */
#define NN_GRAIN 16384

/* 1 if any of x[0, n) is NaN or inf (an all-ones exponent), else 0. */
int nn_any_nonfinite(const float *x, size_t n);

/* Map an act_status to an nn_status. */
enum nn_status nn_from_act(enum act_status s);

/* Overflow-checked size_t product; returns 0 on overflow (and sets *ok = 0). */
size_t nn_mul_sz(size_t a, size_t b, int *ok);

#endif
