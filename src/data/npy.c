/* NPY reader (to float32) and float32 writer. The header is a Python dict literal; we read the
 * three keys numpy writes (descr, fortran_order, shape). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../nn/internal.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the NPY and safetensors code assume a little-endian host"
#endif

void nn_npy_free(struct nn_npy *a)
{
    if (a) {
        free(a->data);
        memset(a, 0, sizeof *a);
    }
}

/* Find 'key': in the header and return a pointer past the colon and spaces, or NULL. */
static const char *dict_value(const char *h, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(h, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    if (*p++ != ':')
        return NULL;
    while (*p == ' ')
        p++;
    return p;
}

static double elem_value(const unsigned char *p, char kind, size_t size)
{
    switch (kind) {
    case 'f': {
        if (size == 4) {
            float v;
            memcpy(&v, p, 4);
            return v;
        }
        double v;
        memcpy(&v, p, 8);
        return v;
    }
    case 'i': {
        int64_t v = 0;
        if (size == 1) v = (int8_t)p[0];
        else if (size == 2) { int16_t t; memcpy(&t, p, 2); v = t; }
        else if (size == 4) { int32_t t; memcpy(&t, p, 4); v = t; }
        else memcpy(&v, p, 8);
        return (double)v;
    }
    default: {
        uint64_t v = 0;
        memcpy(&v, p, size);
        return (double)v;
    }
    }
}

enum nn_status nn_npy_read(const char *path, struct nn_npy *out)
{
    if (!path || !out)
        return NN_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NN_ERR_IO;
    enum nn_status st = NN_ERR_FORMAT;
    char *hdr = NULL;
    unsigned char *raw = NULL;
    unsigned char pre[12];
    if (fread(pre, 1, 10, f) != 10) {
        st = NN_ERR_TRUNCATED;
        goto done;
    }
    if (memcmp(pre, "\x93NUMPY", 6) || pre[6] < 1 || pre[6] > 3)
        goto done;
    size_t hlen = (size_t)pre[8] | ((size_t)pre[9] << 8);
    if (pre[6] >= 2) {
        if (fread(pre + 10, 1, 2, f) != 2) {
            st = NN_ERR_TRUNCATED;
            goto done;
        }
        hlen |= ((size_t)pre[10] << 16) | ((size_t)pre[11] << 24);
    }
    if (hlen > (1u << 20))
        goto done;
    hdr = malloc(hlen + 1);
    if (!hdr) {
        st = NN_ERR_NO_MEMORY;
        goto done;
    }
    if (fread(hdr, 1, hlen, f) != hlen) {
        st = NN_ERR_TRUNCATED;
        goto done;
    }
    hdr[hlen] = 0;
    const char *descr = dict_value(hdr, "descr"), *fo = dict_value(hdr, "fortran_order"),
               *shape = dict_value(hdr, "shape");
    /* descr is a quoted string of at least three characters: '<f4' (checked before indexing it) */
    if (!descr || !fo || !shape || descr[0] != '\'' || !descr[1] || !descr[2] || !descr[3] || *shape != '(')
        goto done;
    if (strncmp(fo, "False", 5)) {
        st = NN_ERR_UNSUPPORTED;
        goto done;
    }
    char order = descr[1], kind = descr[2];
    size_t esize = (size_t)strtoul(descr + 3, NULL, 10);
    int ok_kind = (kind == 'f' && (esize == 4 || esize == 8)) ||
                  ((kind == 'i' || kind == 'u') && (esize == 1 || esize == 2 || esize == 4 || esize == 8));
    if (!ok_kind || (order != '<' && order != '|' && !(order == '>' && esize == 1))) {
        st = NN_ERR_UNSUPPORTED;
        goto done;
    }
    int ok = 1;
    out->count = 1;
    const char *p = shape + 1;
    while (*p && *p != ')') {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')')
            break;
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || out->ndim == 8)
            goto done;
        out->dims[out->ndim++] = (size_t)v;
        out->count = nn_mul_sz(out->count, (size_t)v, &ok);
        p = end;
    }
    size_t bytes = nn_mul_sz(out->count, esize, &ok);
    if (*p != ')' || !ok || bytes > ((size_t)1 << 33))
        goto done;
    /* The data must be exactly the rest of the file: checked before allocating, so a header
     * promising terabytes costs nothing. */
    long here = ftell(f);
    if (here < 0 || fseek(f, 0, SEEK_END) != 0) {
        st = NN_ERR_IO;
        goto done;
    }
    long end_pos = ftell(f);
    if (end_pos < here || fseek(f, here, SEEK_SET) != 0) {
        st = NN_ERR_IO;
        goto done;
    }
    if ((size_t)(end_pos - here) != bytes) {
        st = (size_t)(end_pos - here) < bytes ? NN_ERR_TRUNCATED : NN_ERR_FORMAT;
        goto done;
    }
    raw = malloc(bytes ? bytes : 1);
    out->data = malloc((out->count ? out->count : 1) * sizeof(float));
    if (!raw || !out->data) {
        st = NN_ERR_NO_MEMORY;
        goto done;
    }
    if (fread(raw, 1, bytes, f) != bytes) {
        st = NN_ERR_TRUNCATED;
        goto done;
    }
    if (fgetc(f) != EOF)
        goto done; /* trailing bytes */
    for (size_t i = 0; i < out->count; i++)
        out->data[i] = (float)elem_value(raw + i * esize, kind, esize);
    st = NN_OK;
done:
    fclose(f);
    free(hdr);
    free(raw);
    if (st != NN_OK)
        nn_npy_free(out);
    return st;
}

enum nn_status nn_npy_write_f32(const char *path, size_t ndim, const size_t *dims, const float *x)
{
    if (!path || !dims || !x || ndim == 0 || ndim > 8)
        return NN_ERR_INVALID_ARG;
    char h[256];
    size_t count = 1, pos = (size_t)snprintf(h, sizeof h, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (size_t i = 0; i < ndim; i++) {
        pos += (size_t)snprintf(h + pos, sizeof h - pos, "%zu%s", dims[i], ndim == 1 ? "," : i + 1 < ndim ? ", " : "");
        count *= dims[i];
    }
    pos += (size_t)snprintf(h + pos, sizeof h - pos, "), }");
    /* Pad with spaces so that the data starts at a multiple of 64, then a newline. */
    size_t total = (10 + pos + 1 + 63) / 64 * 64;
    if (total - 10 >= sizeof h)
        return NN_ERR_INVALID_ARG;
    while (pos < total - 10 - 1)
        h[pos++] = ' ';
    h[pos++] = '\n';
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(pos & 0xff), (unsigned char)(pos >> 8)};
    FILE *f = fopen(path, "wb");
    if (!f)
        return NN_ERR_IO;
    int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(h, 1, pos, f) == pos && fwrite(x, sizeof *x, count, f) == count;
    ok = (fclose(f) == 0) && ok;
    return ok ? NN_OK : NN_ERR_IO;
}
