/*
 * Products whose left operand is mostly zeros: ReLU's activations (the dense layer's input in the
 * forward pass) and their gradients (its output gradient in the backward pass). After a few
 * hundred steps 70-80% of an MLP's ReLU outputs are exact zeros, and a dense sgemm multiplies
 * all of them.
 *
 * nn_gemm_sparse computes C = op(A) op(B) (+ bias) from the nonzeros of op(A) only:
 *  1. compaction: each row of op(A) becomes the list of its nonzeros and their columns;
 *  2. per panel of NN_SP_W columns of op(B): the panel is packed contiguously (k, NN_SP_W), so
 *     that it stays in L1/L2 without cache-set or TLB conflicts, then each row of C's panel is
 *     the sum, over the row's nonzeros a_ij, of a_ij times row j of the panel: one FMA per
 *     loaded vector, two rows at a time.
 * The rows are split over the engine's threads (sp_part).
 *
 * Every element of C is summed over the same terms in the same order (increasing j, starting
 * from zero; the bias added last, as the dense path's sgemm onto the bias) whatever the thread
 * count, so results do not depend on it. They differ from the dense sgemm's in the last bits
 * (another summation order), and where the dense product would meet 0 * inf: so op(B) is checked
 * while it is packed, and a NaN or inf anywhere in it sends the whole product back to the dense
 * path. A NaN in op(A) is a nonzero and propagates as usual.
 *
 * Used when the CPU runs AVX2 (act_isa(), so ACTLAB_MAX_ISA caps it too) and at most
 * NN_SPARSE_DENSITY of op(A) is nonzero; otherwise the caller runs the dense sgemm.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sparse.h"

/* Largest fraction of nonzeros in op(A) for which the sparse product is faster than OpenBLAS's
 * sgemm on the MLP's shapes (measured, docs/engine.md). */
#define NN_SPARSE_DENSITY 0.5
/* Smallest shapes worth it, and the workspace caps: bytes of compacted A (the caller's thread),
 * and bytes of one packed panel (each thread's; k at most 512K). */
#define SP_MIN_M 8
#define SP_MIN_K 16
#define SP_MAX_BYTES ((size_t)256 << 20)
#define SP_MAX_PANEL_BYTES ((size_t)64 << 20)

static _Atomic int g_sparse = 1;

void nn_set_sparse(int on)
{
    atomic_store(&g_sparse, on != 0);
}

int nn_sparse(void)
{
    return atomic_load(&g_sparse);
}

#if defined(__x86_64__) && defined(NN_SPARSE_AVX2)

/* A buffer owned by the calling thread (the caller's, and each pool worker's), grown on demand
 * and kept for the thread's next product. */
struct sp_buf {
    void *p;
    size_t size;
};

static void *buf_get(struct sp_buf *b, size_t size)
{
    if (b->size >= size)
        return b->p;
    size = (size + 4095) / 4096 * 4096;
    void *p = aligned_alloc(64, size);
    if (!p)
        return NULL;
    free(b->p);
    b->p = p;
    b->size = size;
    return p;
}

static _Thread_local struct sp_buf tl_lists, tl_panel;

static int cpu_ok(void)
{
    const char *isa = act_isa();
    return !strcmp(isa, "avx2") || !strcmp(isa, "avx512");
}

/* Nonzeros (NaN included) in rows [r0, r1) of op(A). */
static size_t count_nonzero(int ta, size_t r0, size_t r1, size_t k, const float *a, size_t lda)
{
    size_t nz = 0;
    if (ta) /* columns r0..r1 of A (k, m) */
        for (size_t r = 0; r < k; r++) {
            const float *ar = a + r * lda;
            uint32_t c = 0;
            for (size_t j = r0; j < r1; j++)
                c += ar[j] != 0.0f;
            nz += c;
        }
    else
        for (size_t i = r0; i < r1; i++) {
            const float *ar = a + i * lda;
            uint32_t c = 0;
            for (size_t j = 0; j < k; j++)
                c += ar[j] != 0.0f;
            nz += c;
        }
    return nz;
}

struct sp_job {
    int ta, tb;
    size_t m, n, k, stride, parts;
    const float *a, *b, *bias;
    size_t lda, ldb, ldc;
    float *c, *rowsum;
    int32_t *idx, *cnt;
    float *val;
    _Atomic size_t nz;      /* nonzeros of op(A), summed by the parts */
    _Atomic size_t counted; /* parts that have added theirs */
    _Atomic int dense;      /* op(A) too dense: every part returns, the caller runs the sgemm */
    _Atomic int fail;       /* a NaN or inf in op(B), or no memory for a panel */
};

/*
 * Parts [t0, t1) of the product, run by one thread (nn_parallel_for runs the ranges at once):
 * rows r0..r1 of op(A) and of C. The part counts its rows' nonzeros and waits for the other
 * parts' counts, so every part sees the same total and either returns (too dense) or compacts
 * its rows, then packs each panel of op(B) in turn and computes its rows of that panel. A part
 * never reads another part's lists (that would move them between the cores' caches on every
 * product); the price is that each part packs all of op(B).
 */
static void sp_part(void *ctx, size_t t0, size_t t1)
{
    struct sp_job *j = ctx;
    size_t r0 = j->m * t0 / j->parts, r1 = j->m * t1 / j->parts;
    atomic_fetch_add(&j->nz, count_nonzero(j->ta, r0, r1, j->k, j->a, j->lda));
    nn_parallel_barrier(&j->counted, t1 - t0, j->parts);
    if ((double)atomic_load(&j->nz) > NN_SPARSE_DENSITY * (double)j->m * (double)j->k) {
        atomic_store(&j->dense, 1);
        return;
    }
    if (j->ta)
        nn_sp_compact_cols_avx2(r0, r1, j->k, j->a, j->lda, j->idx, j->val, j->cnt);
    else
        nn_sp_compact_rows_avx2(r0, r1, j->k, j->a, j->lda, j->idx, j->val, j->cnt);
    if (j->rowsum)
        for (size_t i = r0; i < r1; i++) {
            /* the nonzeros in column order, in double: the same sum as over the whole row */
            const float *v = j->val + i * j->stride;
            double sum = 0.0;
            for (int32_t p = 0; p < j->cnt[i]; p++)
                sum += v[p];
            j->rowsum[i] = (float)sum;
        }
    float *pb = buf_get(&tl_panel, j->k * NN_SP_W * sizeof(float));
    if (!pb) {
        atomic_store(&j->fail, 1);
        return;
    }
    size_t off = r0 * j->stride;
    for (size_t c0 = 0; c0 < j->n; c0 += NN_SP_W) {
        size_t w = j->n - c0 < NN_SP_W ? j->n - c0 : NN_SP_W;
        if (atomic_load_explicit(&j->fail, memory_order_relaxed) ||
            nn_sp_pack_avx2(j->tb, j->k, c0, w, j->b, j->ldb, pb)) {
            atomic_store(&j->fail, 1);
            return;
        }
        nn_sp_panel_avx2(r1 - r0, j->stride, j->cnt + r0, j->idx + off, j->val + off, pb, w,
                         j->bias ? j->bias + c0 : NULL, j->c + r0 * j->ldc + c0, j->ldc);
    }
}

/* Rows of op(A) per part at least (fewer rows: fewer parts). */
#define SP_PART_ROWS 32

int nn_gemm_sparse(int ta, int tb, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                   size_t ldb, const float *bias, float *c, size_t ldc, float *rowsum)
{
    if (!atomic_load(&g_sparse) || m < SP_MIN_M || k < SP_MIN_K || n == 0 || k > INT32_MAX - NN_SP_SLACK ||
        !cpu_ok())
        return 0;
    size_t stride = k + NN_SP_SLACK;
    if (m > SP_MAX_BYTES / (stride * 8 + 4) || k > SP_MAX_PANEL_BYTES / (NN_SP_W * sizeof(float)))
        return 0;
    size_t lists = m * stride * (sizeof(int32_t) + sizeof(float));
    char *mem = buf_get(&tl_lists, lists + m * sizeof(int32_t));
    if (!mem)
        return 0;
    /* One part per thread, each with at least SP_PART_ROWS rows. */
    size_t parts = (size_t)nn_threads();
    if (parts > m / SP_PART_ROWS)
        parts = m / SP_PART_ROWS;
    if (parts < 1)
        parts = 1;
    struct sp_job j = {.ta = ta, .tb = tb, .m = m, .n = n, .k = k, .stride = stride, .parts = parts,
                       .a = a, .b = b, .bias = bias, .lda = lda, .ldb = ldb, .ldc = ldc, .c = c, .rowsum = rowsum,
                       .idx = (int32_t *)mem, .cnt = (int32_t *)(mem + lists),
                       .val = (float *)(mem + m * stride * sizeof(int32_t))};
    nn_parallel_for(parts, 1, sp_part, &j);
    return !atomic_load(&j.dense) && !atomic_load(&j.fail);
}

#else

int nn_gemm_sparse(int ta, int tb, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                   size_t ldb, const float *bias, float *c, size_t ldc, float *rowsum)
{
    (void)ta, (void)tb, (void)m, (void)n, (void)k, (void)a, (void)lda, (void)b, (void)ldb, (void)bias, (void)c,
        (void)ldc, (void)rowsum;
    return 0;
}

#endif
