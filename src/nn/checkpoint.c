/*
 * safetensors checkpoints: an 8-byte little-endian header length, a JSON header
 * (through jansson) naming each tensor's dtype, shape and byte range, then the
 * raw little-endian data. Tensor names follow PyTorch's state_dict.
 *
 * Crash safety: a checkpoint is written to a temporary file beside the target, flushed to disk
 * (fsync), then renamed over the old one (atomic on POSIX file systems), and the folder is synced:
 * a crash at any moment leaves either the old file or the new one, whole. The CRC32 (zlib) of the
 * data section is stored in the metadata as "crc32" and checked on load before any weight is
 * touched, so a damaged file is refused rather than half-loaded.
 */
#define _POSIX_C_SOURCE 200809L /* fileno, fsync */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian; this code writes host floats"
#endif

enum nn_status nn_meta_set(struct nn_meta *md, const char *key, const char *val)
{
    if (!md || !key || !val || strlen(key) >= sizeof md->key[0] || strlen(val) >= sizeof md->val[0])
        return NN_ERR_INVALID_ARG;
    size_t i = 0;
    while (i < md->n && strcmp(md->key[i], key))
        i++;
    if (i == md->n) {
        if (md->n == NN_META_MAX)
            return NN_ERR_INVALID_ARG;
        md->n++;
    }
    strcpy(md->key[i], key);
    strcpy(md->val[i], val);
    return NN_OK;
}

const char *nn_meta_get(const struct nn_meta *md, const char *key)
{
    for (size_t i = 0; md && key && i < md->n; i++)
        if (!strcmp(md->key[i], key))
            return md->val[i];
    return NULL;
}

/* One tensor of the file: name, shape, where its floats live in the model. */
struct st_tensor {
    char name[64];
    size_t ndim, dims[4];
    float *data;
    size_t count;
};

/* The tensors of m in file order (parameters, then optimizer m and v if with_opt). Returns the count. */
static size_t list_tensors(const struct nn_model *m, int with_opt, float *params, float *state,
                           struct st_tensor *t, size_t cap)
{
    size_t n = 0;
    for (int pass = 0; pass < (with_opt ? 3 : 1); pass++)
        for (size_t i = 0; i < m->nlayers; i++) {
            const struct nn_layer *l = &m->layers[i];
            for (int bias = 0; bias < 2; bias++) {
                size_t cnt = bias ? l->n_b : l->n_w, off = bias ? l->b_off : l->w_off;
                if (!cnt || n == cap)
                    continue;
                struct st_tensor *e = &t[n++];
                char base[48];
                nn_param_name(i, bias, base, sizeof base);
                if (pass == 0)
                    snprintf(e->name, sizeof e->name, "%s", base);
                else
                    snprintf(e->name, sizeof e->name, "optim.%s.%s", base, pass == 1 ? "m" : "v");
                e->data = pass == 0 ? params + off : state + (pass == 2 ? m->n_params : 0) + off;
                e->count = cnt;
                if (bias || l->kind == NN_LAYER_ACT) {
                    e->ndim = 1;
                    e->dims[0] = cnt;
                } else if (l->kind == NN_LAYER_DENSE) {
                    e->ndim = 2;
                    e->dims[0] = l->out;
                    e->dims[1] = l->in_shape.c;
                } else {
                    e->ndim = 4;
                    e->dims[0] = l->out;
                    e->dims[1] = l->in_shape.c;
                    e->dims[2] = l->kh;
                    e->dims[3] = l->kw;
                }
            }
        }
    return n;
}

#define ST_MAX_TENSORS (3 * 2 * NN_MAX_LAYERS)

/* zlib's crc32 over a buffer of any size (its length argument is a uInt). */
static uLong crc32_bytes(uLong crc, const void *p, size_t len)
{
    const Bytef *b = p;
    while (len) {
        uInt chunk = len > (1u << 30) ? (1u << 30) : (uInt)len;
        crc = crc32(crc, b, chunk);
        b += chunk;
        len -= chunk;
    }
    return crc;
}

/* fsync the folder holding path, so that the rename itself survives a power cut (best effort). */
static void sync_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) + (slash == path), path);
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Check the data section [start, start + len) of f against the metadata's "crc32", if any. */
static enum nn_status check_crc(FILE *f, long start, size_t len, json_t *root)
{
    json_t *meta = json_object_get(root, "__metadata__");
    const char *want = json_string_value(json_object_get(meta, "crc32"));
    if (!want)
        return NN_OK; /* a safetensors file from elsewhere: nothing to check */
    if (fseek(f, start, SEEK_SET) != 0)
        return NN_ERR_IO;
    unsigned char buf[1 << 16];
    uLong crc = crc32(0L, Z_NULL, 0);
    size_t left = len;
    while (left) {
        size_t n = fread(buf, 1, left < sizeof buf ? left : sizeof buf, f);
        if (n == 0)
            return NN_ERR_TRUNCATED;
        crc = crc32(crc, buf, (uInt)n);
        left -= n;
    }
    char got[16];
    snprintf(got, sizeof got, "%08lx", (unsigned long)crc);
    return strcmp(got, want) == 0 ? NN_OK : NN_ERR_FORMAT;
}

enum nn_status nn_safetensors_save(const char *path, const struct nn_model *m, const struct nn_meta *md,
                                   int with_opt)
{
    if (!path || !m)
        return NN_ERR_INVALID_ARG;
    struct st_tensor *t = malloc(ST_MAX_TENSORS * sizeof *t);
    json_t *root = json_object(), *meta = json_object();
    enum nn_status st = NN_ERR_NO_MEMORY;
    char *hdr = NULL, *tmp = NULL;
    FILE *f = NULL;
    if (!t || !root || !meta)
        goto done;
    size_t nt = list_tensors(m, with_opt, m->params, m->opt_state, t, ST_MAX_TENSORS);
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t i = 0; i < nt; i++)
        crc = crc32_bytes(crc, t[i].data, 4 * t[i].count);
    char crc_hex[16];
    snprintf(crc_hex, sizeof crc_hex, "%08lx", (unsigned long)crc);
    for (size_t i = 0; md && i < md->n; i++)
        if (strcmp(md->key[i], "crc32") && json_object_set_new(meta, md->key[i], json_string(md->val[i])))
            goto done;
    if (json_object_set_new(meta, "crc32", json_string(crc_hex)))
        goto done;
    if (json_object_set(root, "__metadata__", meta))
        goto done;
    size_t off = 0;
    for (size_t i = 0; i < nt; i++) {
        json_t *shape = json_array();
        for (size_t d = 0; d < t[i].ndim; d++)
            json_array_append_new(shape, json_integer((json_int_t)t[i].dims[d]));
        json_t *e = json_pack("{s:s, s:o, s:[I, I]}", "dtype", "F32", "shape", shape, "data_offsets", (json_int_t)off,
                              (json_int_t)(off + 4 * t[i].count));
        if (!e || json_object_set_new(root, t[i].name, e))
            goto done;
        off += 4 * t[i].count;
    }
    hdr = json_dumps(root, JSON_COMPACT);
    if (!hdr)
        goto done;
    size_t hlen = strlen(hdr), padded = (hlen + 7) / 8 * 8;
    unsigned char len8[8];
    for (int b = 0; b < 8; b++)
        len8[b] = (unsigned char)((uint64_t)padded >> (8 * b));
    st = NN_ERR_IO;
    size_t plen = strlen(path);
    tmp = malloc(plen + 32);
    if (!tmp) {
        st = NN_ERR_NO_MEMORY;
        goto done;
    }
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    if (!(f = fopen(tmp, "wb")))
        goto done;
    int ok = fwrite(len8, 1, 8, f) == 8 && fwrite(hdr, 1, hlen, f) == hlen;
    for (size_t p = hlen; ok && p < padded; p++)
        ok = fputc(' ', f) != EOF;
    for (size_t i = 0; ok && i < nt; i++)
        ok = fwrite(t[i].data, sizeof(float), t[i].count, f) == t[i].count;
    ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    f = NULL;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp); /* a full disk or a failed write leaves the old checkpoint as it was */
        errno = e;   /* the caller may say why (ENOSPC, EFBIG, EACCES...) */
        goto done;
    }
    sync_dir(path);
    st = NN_OK;
done:
    free(tmp);
    free(t);
    json_decref(meta);
    json_decref(root);
    free(hdr);
    return st;
}

/* Open path and parse its header: *root (caller decrefs), *data_start, *data_len. */
static enum nn_status read_header(const char *path, FILE **fp, json_t **root, long *data_start, size_t *data_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NN_ERR_IO;
    unsigned char len8[8];
    uint64_t hlen = 0;
    if (fread(len8, 1, 8, f) != 8) {
        fclose(f);
        return NN_ERR_TRUNCATED;
    }
    for (int b = 0; b < 8; b++)
        hlen |= (uint64_t)len8[b] << (8 * b);
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return NN_ERR_IO;
    }
    long size = ftell(f);
    if (size < 8 || hlen > 100000000 || hlen > (uint64_t)size - 8) {
        fclose(f);
        return NN_ERR_FORMAT;
    }
    char *hdr = malloc(hlen + 1);
    if (!hdr) {
        fclose(f);
        return NN_ERR_NO_MEMORY;
    }
    if (fseek(f, 8, SEEK_SET) != 0 || fread(hdr, 1, hlen, f) != hlen) {
        free(hdr);
        fclose(f);
        return NN_ERR_IO;
    }
    json_error_t jerr;
    *root = json_loadb(hdr, hlen, 0, &jerr);
    free(hdr);
    if (!*root || !json_is_object(*root)) {
        json_decref(*root);
        fclose(f);
        return NN_ERR_FORMAT;
    }
    *fp = f;
    *data_start = 8 + (long)hlen;
    *data_len = (size_t)size - 8 - hlen;
    return NN_OK;
}

enum nn_status nn_safetensors_read_meta(const char *path, struct nn_meta *md)
{
    if (!path || !md)
        return NN_ERR_INVALID_ARG;
    FILE *f;
    json_t *root;
    long start;
    size_t len;
    enum nn_status st = read_header(path, &f, &root, &start, &len);
    if (st != NN_OK)
        return st;
    fclose(f);
    memset(md, 0, sizeof *md);
    json_t *meta = json_object_get(root, "__metadata__");
    const char *key;
    json_t *val;
    if (meta && !json_is_object(meta))
        st = NN_ERR_FORMAT;
    else if (meta)
        json_object_foreach(meta, key, val)
        {
            if (!json_is_string(val) || nn_meta_set(md, key, json_string_value(val)) != NN_OK) {
                st = NN_ERR_FORMAT;
                break;
            }
        }
    json_decref(root);
    return st;
}

enum nn_status nn_safetensors_load(const char *path, struct nn_model *m, int with_opt)
{
    if (!path || !m)
        return NN_ERR_INVALID_ARG;
    FILE *f;
    json_t *root;
    long start;
    size_t len;
    enum nn_status st = read_header(path, &f, &root, &start, &len);
    if (st != NN_OK)
        return st;
    st = check_crc(f, start, len, root); /* before any weight is overwritten */
    struct st_tensor *t = malloc(ST_MAX_TENSORS * sizeof *t);
    size_t nt = t ? list_tensors(m, with_opt, m->params, m->opt_state, t, ST_MAX_TENSORS) : 0;
    if (!t && st == NN_OK)
        st = NN_ERR_NO_MEMORY;
    for (size_t i = 0; i < nt && st == NN_OK; i++) {
        json_t *e = json_object_get(root, t[i].name), *shape, *offs;
        const char *dtype;
        if (!e || json_unpack(e, "{s:s, s:o, s:o}", "dtype", &dtype, "shape", &shape, "data_offsets", &offs)) {
            st = NN_ERR_SHAPE;
            break;
        }
        if (strcmp(dtype, "F32") || !json_is_array(shape) || !json_is_array(offs) || json_array_size(offs) != 2) {
            st = NN_ERR_FORMAT;
            break;
        }
        if (json_array_size(shape) != t[i].ndim) {
            st = NN_ERR_SHAPE;
            break;
        }
        for (size_t d = 0; d < t[i].ndim; d++)
            if (json_integer_value(json_array_get(shape, d)) != (json_int_t)t[i].dims[d])
                st = NN_ERR_SHAPE;
        json_int_t b = json_integer_value(json_array_get(offs, 0)), e2 = json_integer_value(json_array_get(offs, 1));
        if (st == NN_OK && (b < 0 || e2 < b || (size_t)e2 > len || (size_t)(e2 - b) != 4 * t[i].count))
            st = NN_ERR_FORMAT;
        if (st == NN_OK && (fseek(f, start + (long)b, SEEK_SET) != 0 ||
                            fread(t[i].data, sizeof(float), t[i].count, f) != t[i].count))
            st = NN_ERR_TRUNCATED;
    }
    free(t);
    fclose(f);
    json_decref(root);
    return st;
}
