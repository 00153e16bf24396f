/* IDX (MNIST format) reader, gzip or plain through zlib, with validation. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../nn/internal.h"

/* Element size of an IDX type code, 0 if unknown. */
static size_t idx_elem(int type)
{
    switch (type) {
    case 0x08: case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C: case 0x0D: return 4;
    case 0x0E: return 8;
    }
    return 0;
}

/* Read exactly len bytes; 1 on success, 0 on a short read (also a gzip stream cut short),
 * -1 on corrupt compressed data. */
static int read_full(gzFile f, void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len) {
        unsigned chunk = len > (1u << 30) ? (1u << 30) : (unsigned)len;
        int r = gzread(f, p, chunk);
        if (r < 0) {
            int err;
            gzerror(f, &err);
            return err == Z_BUF_ERROR ? 0 : -1;
        }
        if (r == 0)
            return 0;
        p += r;
        len -= (size_t)r;
    }
    return 1;
}

void nn_idx_free(struct nn_idx *a)
{
    if (a) {
        free(a->data);
        memset(a, 0, sizeof *a);
    }
}

enum nn_status nn_idx_read(const char *path, struct nn_idx *out)
{
    if (!path || !out)
        return NN_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    gzFile f = gzopen(path, "rb");
    if (!f)
        return NN_ERR_IO;
    enum nn_status st = NN_OK;
    unsigned char hdr[4], dimb[16];
    int r = read_full(f, hdr, 4);
    if (r <= 0) {
        st = r < 0 ? NN_ERR_FORMAT : NN_ERR_TRUNCATED;
        goto fail;
    }
    size_t elem = idx_elem(hdr[2]);
    if (hdr[0] != 0 || hdr[1] != 0 || !elem || hdr[3] < 1 || hdr[3] > 4) {
        st = NN_ERR_FORMAT;
        goto fail;
    }
    out->type = hdr[2];
    out->ndim = hdr[3];
    if ((r = read_full(f, dimb, 4 * out->ndim)) <= 0) {
        st = r < 0 ? NN_ERR_FORMAT : NN_ERR_TRUNCATED;
        goto fail;
    }
    int ok = 1;
    out->count = 1;
    for (size_t i = 0; i < out->ndim; i++) {
        const unsigned char *b = dimb + 4 * i;
        out->dims[i] = ((size_t)b[0] << 24) | ((size_t)b[1] << 16) | ((size_t)b[2] << 8) | b[3];
        out->count = nn_mul_sz(out->count, out->dims[i], &ok);
    }
    /* 2^31 bytes is far beyond any IDX data set and keeps corrupt headers from huge allocations. */
    size_t bytes = nn_mul_sz(out->count, elem, &ok);
    if (!ok || bytes > ((size_t)1 << 31)) {
        st = NN_ERR_FORMAT;
        goto fail;
    }
    /* The header's size is only a claim: grow the buffer as data arrives (at most doubling), so a
     * corrupt header over a short file never costs a huge allocation. */
    size_t have = 0, cap = bytes < ((size_t)1 << 20) ? bytes : ((size_t)1 << 20);
    out->data = malloc(cap ? cap : 1);
    while (out->data && have < bytes) {
        if (have == cap) {
            cap = cap * 2 < bytes ? cap * 2 : bytes;
            void *p = realloc(out->data, cap);
            if (!p)
                break;
            out->data = p;
        }
        if ((r = read_full(f, (unsigned char *)out->data + have, cap - have)) <= 0) {
            st = r < 0 ? NN_ERR_FORMAT : NN_ERR_TRUNCATED;
            goto fail;
        }
        have = cap;
    }
    if (!out->data || have < bytes) {
        st = NN_ERR_NO_MEMORY;
        goto fail;
    }
    unsigned char extra;
    if ((r = read_full(f, &extra, 1)) != 0) {
        st = NN_ERR_FORMAT; /* trailing bytes, or a zlib error at the end */
        goto fail;
    }
    /* IDX is big-endian: swap multi-byte elements to host order. */
    unsigned char *p = out->data;
    for (size_t i = 0; elem > 1 && i < out->count; i++, p += elem)
        for (size_t a = 0, b = elem - 1; a < b; a++, b--) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
    gzclose(f);
    return NN_OK;
fail:
    gzclose(f);
    nn_idx_free(out);
    return st;
}
