/* The AVX2 + FMA kernels of the sparse products (built with -mavx2 -mfma; sparse.c calls them only
 * when the CPU has both). */
#include <immintrin.h>
#include <string.h>

#include "sparse.h"

/* For each 8-bit mask, the positions of its set bits, lowest first, one per nibble. */
static const uint32_t compress_lut[256] = {
    0x00000000, 0x00000000, 0x00000001, 0x00000010, 0x00000002, 0x00000020, 0x00000021, 0x00000210,
    0x00000003, 0x00000030, 0x00000031, 0x00000310, 0x00000032, 0x00000320, 0x00000321, 0x00003210,
    0x00000004, 0x00000040, 0x00000041, 0x00000410, 0x00000042, 0x00000420, 0x00000421, 0x00004210,
    0x00000043, 0x00000430, 0x00000431, 0x00004310, 0x00000432, 0x00004320, 0x00004321, 0x00043210,
    0x00000005, 0x00000050, 0x00000051, 0x00000510, 0x00000052, 0x00000520, 0x00000521, 0x00005210,
    0x00000053, 0x00000530, 0x00000531, 0x00005310, 0x00000532, 0x00005320, 0x00005321, 0x00053210,
    0x00000054, 0x00000540, 0x00000541, 0x00005410, 0x00000542, 0x00005420, 0x00005421, 0x00054210,
    0x00000543, 0x00005430, 0x00005431, 0x00054310, 0x00005432, 0x00054320, 0x00054321, 0x00543210,
    0x00000006, 0x00000060, 0x00000061, 0x00000610, 0x00000062, 0x00000620, 0x00000621, 0x00006210,
    0x00000063, 0x00000630, 0x00000631, 0x00006310, 0x00000632, 0x00006320, 0x00006321, 0x00063210,
    0x00000064, 0x00000640, 0x00000641, 0x00006410, 0x00000642, 0x00006420, 0x00006421, 0x00064210,
    0x00000643, 0x00006430, 0x00006431, 0x00064310, 0x00006432, 0x00064320, 0x00064321, 0x00643210,
    0x00000065, 0x00000650, 0x00000651, 0x00006510, 0x00000652, 0x00006520, 0x00006521, 0x00065210,
    0x00000653, 0x00006530, 0x00006531, 0x00065310, 0x00006532, 0x00065320, 0x00065321, 0x00653210,
    0x00000654, 0x00006540, 0x00006541, 0x00065410, 0x00006542, 0x00065420, 0x00065421, 0x00654210,
    0x00006543, 0x00065430, 0x00065431, 0x00654310, 0x00065432, 0x00654320, 0x00654321, 0x06543210,
    0x00000007, 0x00000070, 0x00000071, 0x00000710, 0x00000072, 0x00000720, 0x00000721, 0x00007210,
    0x00000073, 0x00000730, 0x00000731, 0x00007310, 0x00000732, 0x00007320, 0x00007321, 0x00073210,
    0x00000074, 0x00000740, 0x00000741, 0x00007410, 0x00000742, 0x00007420, 0x00007421, 0x00074210,
    0x00000743, 0x00007430, 0x00007431, 0x00074310, 0x00007432, 0x00074320, 0x00074321, 0x00743210,
    0x00000075, 0x00000750, 0x00000751, 0x00007510, 0x00000752, 0x00007520, 0x00007521, 0x00075210,
    0x00000753, 0x00007530, 0x00007531, 0x00075310, 0x00007532, 0x00075320, 0x00075321, 0x00753210,
    0x00000754, 0x00007540, 0x00007541, 0x00075410, 0x00007542, 0x00075420, 0x00075421, 0x00754210,
    0x00007543, 0x00075430, 0x00075431, 0x00754310, 0x00075432, 0x00754320, 0x00754321, 0x07543210,
    0x00000076, 0x00000760, 0x00000761, 0x00007610, 0x00000762, 0x00007620, 0x00007621, 0x00076210,
    0x00000763, 0x00007630, 0x00007631, 0x00076310, 0x00007632, 0x00076320, 0x00076321, 0x00763210,
    0x00000764, 0x00007640, 0x00007641, 0x00076410, 0x00007642, 0x00076420, 0x00076421, 0x00764210,
    0x00007643, 0x00076430, 0x00076431, 0x00764310, 0x00076432, 0x00764320, 0x00764321, 0x07643210,
    0x00000765, 0x00007650, 0x00007651, 0x00076510, 0x00007652, 0x00076520, 0x00076521, 0x00765210,
    0x00007653, 0x00076530, 0x00076531, 0x00765310, 0x00076532, 0x00765320, 0x00765321, 0x07653210,
    0x00007654, 0x00076540, 0x00076541, 0x00765410, 0x00076542, 0x00765420, 0x00765421, 0x07654210,
    0x00076543, 0x00765430, 0x00765431, 0x07654310, 0x00765432, 0x07654320, 0x07654321, 0x76543210,
};

/* 8x8 transpose of r[0..7] in place. */
static inline void transpose8(__m256 r[8])
{
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xee);
    __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xee);
    __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xee);
    __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xee);
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

/* Appends the nonzeros of src[0 .. len) (columns j0 ..) to a list holding q entries; returns the
 * new count. Stores 8 entries at a time: the list needs NN_SP_SLACK entries of room. */
static size_t compact_span(const float *src, size_t len, size_t j0, int32_t *ix, float *vx, size_t q)
{
    const __m256i shifts = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28), nibble = _mm256_set1_epi32(15);
    const __m256 zero = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 8 <= len; j += 8) {
        __m256 v = _mm256_loadu_ps(src + j);
        /* not equal to zero, NaN included */
        unsigned mask = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_NEQ_UQ));
        __m256i perm =
            _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32((int)compress_lut[mask]), shifts), nibble);
        _mm256_storeu_ps(vx + q, _mm256_permutevar8x32_ps(v, perm));
        _mm256_storeu_si256((__m256i *)(ix + q), _mm256_add_epi32(perm, _mm256_set1_epi32((int)(j0 + j))));
        q += (size_t)__builtin_popcount(mask);
    }
    for (; j < len; j++) {
        float v = src[j];
        ix[q] = (int32_t)(j0 + j);
        vx[q] = v;
        q += v != 0.0f;
    }
    return q;
}

void nn_sp_compact_rows_avx2(size_t r0, size_t r1, size_t k, const float *a, size_t lda, int32_t *idx, float *val,
                             int32_t *cnt)
{
    const size_t stride = k + NN_SP_SLACK;
    for (size_t i = r0; i < r1; i++)
        cnt[i] = (int32_t)compact_span(a + i * lda, k, 0, idx + i * stride, val + i * stride, 0);
}

/* Stored rows per chunk of the column compaction's transposed copy. */
#define SP_COL_CHUNK 256

void nn_sp_compact_cols_avx2(size_t r0, size_t r1, size_t k, const float *a, size_t lda, int32_t *idx, float *val,
                             int32_t *cnt)
{
    const size_t stride = k + NN_SP_SLACK;
    /* Eight columns of A at a time: transpose a chunk of them (8 x 8 blocks) into rows, then
     * compact the rows, appending chunk after chunk. */
    float t[8][SP_COL_CHUNK] __attribute__((aligned(32)));
    for (size_t i = r0; i < r1; i += 8) {
        size_t h = r1 - i < 8 ? r1 - i : 8;
        size_t q[8] = {0};
        for (size_t k0 = 0; k0 < k; k0 += SP_COL_CHUNK) {
            size_t kc = k - k0 < SP_COL_CHUNK ? k - k0 : SP_COL_CHUNK, r = 0;
            if (h == 8)
                for (; r + 8 <= kc; r += 8) {
                    __m256 v[8];
                    for (size_t u = 0; u < 8; u++)
                        v[u] = _mm256_loadu_ps(a + (k0 + r + u) * lda + i);
                    transpose8(v);
                    for (size_t u = 0; u < 8; u++)
                        _mm256_store_ps(&t[u][r], v[u]);
                }
            for (; r < kc; r++)
                for (size_t u = 0; u < h; u++)
                    t[u][r] = a[(k0 + r) * lda + i + u];
            for (size_t u = 0; u < h; u++)
                q[u] = compact_span(t[u], kc, k0, idx + (i + u) * stride, val + (i + u) * stride, q[u]);
        }
        for (size_t u = 0; u < h; u++)
            cnt[i + u] = (int32_t)q[u];
    }
}

/* Accumulates, per lane, whether a value is NaN or inf. */
static inline __m256i nonfinite_or(__m256i acc, __m256 v)
{
    const __m256i exp = _mm256_set1_epi32(0x7f800000);
    return _mm256_or_si256(acc, _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_castps_si256(v), exp), exp));
}

int nn_sp_pack_avx2(int tb, size_t k, size_t c0, size_t w, const float *b, size_t ldb, float *pb)
{
    __m256i bad = _mm256_setzero_si256();
    if (!tb) { /* rows of B: a straight copy of w columns per row */
        for (size_t r = 0; r < k; r++) {
            const float *br = b + r * ldb + c0;
            float *dst = pb + r * NN_SP_W;
            if (w == NN_SP_W) {
                for (size_t j = 0; j < NN_SP_W; j += 8) {
                    __m256 v = _mm256_loadu_ps(br + j);
                    bad = nonfinite_or(bad, v);
                    _mm256_store_ps(dst + j, v);
                }
            } else {
                float tmp[NN_SP_W] = {0};
                memcpy(tmp, br, w * sizeof *tmp);
                for (size_t j = 0; j < NN_SP_W; j += 8) {
                    __m256 v = _mm256_loadu_ps(tmp + j);
                    bad = nonfinite_or(bad, v);
                    _mm256_store_ps(dst + j, v);
                }
            }
        }
    } else { /* B is (n, k): transpose 8x8 blocks of its rows c0.. into the panel */
        size_t r = 0;
        for (; r + 8 <= k; r += 8) {
            for (size_t j = 0; j < NN_SP_W; j += 8) {
                __m256 v[8];
                for (size_t t = 0; t < 8; t++)
                    v[t] = j + t < w ? _mm256_loadu_ps(b + (c0 + j + t) * ldb + r) : _mm256_setzero_ps();
                transpose8(v);
                for (size_t t = 0; t < 8; t++) {
                    bad = nonfinite_or(bad, v[t]);
                    _mm256_store_ps(pb + (r + t) * NN_SP_W + j, v[t]);
                }
            }
        }
        for (; r < k; r++) {
            float *dst = pb + r * NN_SP_W;
            for (size_t j = 0; j < NN_SP_W; j++)
                dst[j] = j < w ? b[(c0 + j) * ldb + r] : 0.0f;
            for (size_t j = 0; j < NN_SP_W; j += 8)
                bad = nonfinite_or(bad, _mm256_load_ps(dst + j));
        }
    }
    return !_mm256_testz_si256(bad, bad);
}

/* Stores acc[0..3] (+ bias) to c[0 .. w). */
static inline void store_row(__m256 a0, __m256 a1, __m256 a2, __m256 a3, const float *bias, size_t w, float *c)
{
    if (bias) {
        float bt[NN_SP_W] = {0};
        const float *bp = bias;
        if (w < NN_SP_W) {
            memcpy(bt, bias, w * sizeof *bt);
            bp = bt;
        }
        a0 = _mm256_add_ps(_mm256_loadu_ps(bp), a0);
        a1 = _mm256_add_ps(_mm256_loadu_ps(bp + 8), a1);
        a2 = _mm256_add_ps(_mm256_loadu_ps(bp + 16), a2);
        a3 = _mm256_add_ps(_mm256_loadu_ps(bp + 24), a3);
    }
    if (w == NN_SP_W) {
        _mm256_storeu_ps(c, a0);
        _mm256_storeu_ps(c + 8, a1);
        _mm256_storeu_ps(c + 16, a2);
        _mm256_storeu_ps(c + 24, a3);
    } else {
        float t[NN_SP_W];
        _mm256_storeu_ps(t, a0);
        _mm256_storeu_ps(t + 8, a1);
        _mm256_storeu_ps(t + 16, a2);
        _mm256_storeu_ps(t + 24, a3);
        memcpy(c, t, w * sizeof *t);
    }
}

/* One nonzero's contribution to a row's four accumulators. */
#define SP_FMA4(s, row, a0, a1, a2, a3)                                                                            \
    do {                                                                                                           \
        a0 = _mm256_fmadd_ps(s, _mm256_load_ps(row), a0);                                                          \
        a1 = _mm256_fmadd_ps(s, _mm256_load_ps((row) + 8), a1);                                                    \
        a2 = _mm256_fmadd_ps(s, _mm256_load_ps((row) + 16), a2);                                                   \
        a3 = _mm256_fmadd_ps(s, _mm256_load_ps((row) + 24), a3);                                                   \
    } while (0)

void nn_sp_panel_avx2(size_t m, size_t stride, const int32_t *cnt, const int32_t *idx, const float *val,
                      const float *pb, size_t w, const float *bias, float *c, size_t ldc)
{
    size_t i = 0;
    /* Two rows at a time: eight independent accumulator chains keep both FMA pipes busy. */
    for (; i + 2 <= m; i += 2) {
        const int32_t *ix = idx + i * stride, *jx = ix + stride;
        const float *vx = val + i * stride, *wx = vx + stride;
        size_t p1 = (size_t)cnt[i], p2 = (size_t)cnt[i + 1], pm = p1 < p2 ? p1 : p2, p = 0;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (; p < pm; p++) {
            __m256 s = _mm256_broadcast_ss(vx + p), t = _mm256_broadcast_ss(wx + p);
            const float *br = pb + (size_t)ix[p] * NN_SP_W, *bs = pb + (size_t)jx[p] * NN_SP_W;
            SP_FMA4(s, br, a0, a1, a2, a3);
            SP_FMA4(t, bs, b0, b1, b2, b3);
        }
        for (size_t q = p; q < p1; q++)
            SP_FMA4(_mm256_broadcast_ss(vx + q), pb + (size_t)ix[q] * NN_SP_W, a0, a1, a2, a3);
        for (size_t q = p; q < p2; q++)
            SP_FMA4(_mm256_broadcast_ss(wx + q), pb + (size_t)jx[q] * NN_SP_W, b0, b1, b2, b3);
        store_row(a0, a1, a2, a3, bias, w, c + i * ldc);
        store_row(b0, b1, b2, b3, bias, w, c + (i + 1) * ldc);
    }
    if (i < m) {
        const int32_t *ix = idx + i * stride;
        const float *vx = val + i * stride;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t q = 0; q < (size_t)cnt[i]; q++)
            SP_FMA4(_mm256_broadcast_ss(vx + q), pb + (size_t)ix[q] * NN_SP_W, a0, a1, a2, a3);
        store_row(a0, a1, a2, a3, bias, w, c + i * ldc);
    }
}
