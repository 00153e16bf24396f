/* Products with a sparse left operand (ReLU's activations and gradients): the driver is sparse.c,
 * the AVX2 kernels sparse-avx2.c. Internal to the engine. */
#ifndef ACTLAB_NN_SPARSE_H
#define ACTLAB_NN_SPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Columns of B (and C) per packed panel: 4 AVX vectors. */
#define NN_SP_W 32
/* Slack after each compacted row: the vector compaction stores 8 entries at a time. */
#define NN_SP_SLACK 8

/*
 * Compacted rows of op(A) (m, k): row i's nonzeros are val[i*stride + p] at columns
 * idx[i*stride + p], p < cnt[i], in increasing column order; stride = k + NN_SP_SLACK.
 * A NaN counts as nonzero.
 */

/* Rows [r0, r1) of A (m, k), row stride lda. */
void nn_sp_compact_rows_avx2(size_t r0, size_t r1, size_t k, const float *a, size_t lda, int32_t *idx, float *val,
                             int32_t *cnt);
/* Rows [r0, r1) of op(A) = A^T, A stored (k, m) with row stride lda: columns r0..r1 of A. */
void nn_sp_compact_cols_avx2(size_t r0, size_t r1, size_t k, const float *a, size_t lda, int32_t *idx, float *val,
                             int32_t *cnt);

/*
 * Pack columns [c0, c0 + w) of op(B) (k, n), w <= NN_SP_W, into pb (k, NN_SP_W), zero-padded
 * to NN_SP_W columns. tb: B stored (n, k) (op(B) = B^T), else (k, n); ldb its row stride.
 * Returns 1 if a packed value is NaN or inf, else 0.
 */
int nn_sp_pack_avx2(int tb, size_t k, size_t c0, size_t w, const float *b, size_t ldb, float *pb);

/*
 * C[:, c0 .. c0 + w) (m rows, row stride ldc, c points at column c0) = the compacted rows times
 * the panel pb (+ bias[0 .. w) down the rows if bias is not NULL; bias points at column c0).
 */
void nn_sp_panel_avx2(size_t m, size_t stride, const int32_t *cnt, const int32_t *idx, const float *val,
                      const float *pb, size_t w, const float *bias, float *c, size_t ldc);

#endif
