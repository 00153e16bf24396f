/* Datasets: MNIST-format folders, NPY pairs, normalisation. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../nn/internal.h"

void nn_dataset_free(struct nn_dataset *d)
{
    if (d) {
        free(d->x);
        free(d->y);
        memset(d, 0, sizeof *d);
    }
}

/* Labels from values: must be integers in [0, 255]. Sets classes. */
static enum nn_status set_labels(struct nn_dataset *d, size_t n, const float *v)
{
    d->y = malloc(n ? n : 1);
    if (!d->y)
        return NN_ERR_NO_MEMORY;
    d->classes = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(v[i] >= 0.0f && v[i] <= 255.0f) || v[i] != floorf(v[i]))
            return NN_ERR_FORMAT;
        d->y[i] = (uint8_t)v[i];
        if ((size_t)d->y[i] + 1 > d->classes)
            d->classes = (size_t)d->y[i] + 1;
    }
    return NN_OK;
}

/* Sample shape from the dims after the first: (H, W) -> (1, H, W); (C, H, W); (F) -> (F, 1, 1). */
static enum nn_status shape_from_dims(size_t ndim, const size_t *dims, struct nn_shape *s)
{
    if (ndim == 2)
        *s = (struct nn_shape){dims[1], 1, 1};
    else if (ndim == 3)
        *s = (struct nn_shape){1, dims[1], dims[2]};
    else if (ndim == 4)
        *s = (struct nn_shape){dims[1], dims[2], dims[3]};
    else
        return NN_ERR_SHAPE;
    return nn_shape_size(*s) ? NN_OK : NN_ERR_SHAPE;
}

/* path of the first existing of dir/name.gz and dir/name. */
static void find_file(const char *dir, const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s.gz", dir, name);
    if (access(path, R_OK) == 0)
        return;
    snprintf(path, len, "%s/%s", dir, name);
}

static enum nn_status load_idx_pair(const char *dir, const char *images, const char *labels, struct nn_dataset *d)
{
    char path[4096];
    struct nn_idx xi, yi;
    memset(d, 0, sizeof *d);
    find_file(dir, images, path, sizeof path);
    enum nn_status st = nn_idx_read(path, &xi);
    if (st != NN_OK)
        return st;
    find_file(dir, labels, path, sizeof path);
    if ((st = nn_idx_read(path, &yi)) != NN_OK) {
        nn_idx_free(&xi);
        return st;
    }
    if (xi.type != 0x08 || yi.type != 0x08 || yi.ndim != 1 || xi.dims[0] != yi.dims[0])
        st = NN_ERR_SHAPE;
    else
        st = shape_from_dims(xi.ndim, xi.dims, &d->shape);
    if (st == NN_OK) {
        d->n = xi.dims[0];
        d->x = malloc((xi.count ? xi.count : 1) * sizeof *d->x);
        d->y = malloc(d->n ? d->n : 1);
        if (!d->x || !d->y)
            st = NN_ERR_NO_MEMORY;
    }
    if (st == NN_OK) {
        const uint8_t *px = xi.data, *py = yi.data;
        for (size_t i = 0; i < xi.count; i++)
            d->x[i] = (float)px[i];
        d->classes = 0;
        for (size_t i = 0; i < d->n; i++) {
            d->y[i] = py[i];
            if ((size_t)py[i] + 1 > d->classes)
                d->classes = (size_t)py[i] + 1;
        }
    }
    nn_idx_free(&xi);
    nn_idx_free(&yi);
    if (st != NN_OK)
        nn_dataset_free(d);
    return st;
}

enum nn_status nn_dataset_load_mnist(const char *dir, struct nn_dataset *train, struct nn_dataset *test)
{
    if (!dir || !train || !test)
        return NN_ERR_INVALID_ARG;
    enum nn_status st = load_idx_pair(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", train);
    if (st != NN_OK)
        return st;
    if ((st = load_idx_pair(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", test)) != NN_OK) {
        nn_dataset_free(train);
        return st;
    }
    if (nn_shape_size(train->shape) != nn_shape_size(test->shape)) {
        nn_dataset_free(train);
        nn_dataset_free(test);
        return NN_ERR_SHAPE;
    }
    return NN_OK;
}

enum nn_status nn_dataset_load_npy(const char *xpath, const char *ypath, struct nn_dataset *out)
{
    if (!xpath || !ypath || !out)
        return NN_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    struct nn_npy xa, ya;
    enum nn_status st = nn_npy_read(xpath, &xa);
    if (st != NN_OK)
        return st;
    if ((st = nn_npy_read(ypath, &ya)) != NN_OK) {
        nn_npy_free(&xa);
        return st;
    }
    if (ya.ndim != 1 || xa.ndim < 2 || xa.dims[0] != ya.dims[0] || !ya.count)
        st = NN_ERR_SHAPE;
    else
        st = shape_from_dims(xa.ndim, xa.dims, &out->shape);
    if (st == NN_OK) {
        out->n = ya.dims[0];
        st = set_labels(out, out->n, ya.data);
    }
    if (st == NN_OK) {
        out->x = xa.data; /* (n, shape): already float32 */
        xa.data = NULL;
    }
    nn_npy_free(&xa);
    nn_npy_free(&ya);
    if (st != NN_OK)
        nn_dataset_free(out);
    return st;
}

void nn_dataset_truncate(struct nn_dataset *d, size_t n)
{
    if (d && n < d->n)
        d->n = n;
}

enum nn_status nn_dataset_split(struct nn_dataset *all, size_t n_test, struct nn_dataset *test)
{
    if (!all || !test || n_test == 0 || n_test >= all->n)
        return NN_ERR_INVALID_ARG;
    size_t isz = nn_shape_size(all->shape), keep = all->n - n_test;
    memset(test, 0, sizeof *test);
    test->x = malloc(n_test * isz * sizeof *test->x);
    test->y = malloc(n_test);
    if (!test->x || !test->y) {
        nn_dataset_free(test);
        return NN_ERR_NO_MEMORY;
    }
    memcpy(test->x, all->x + keep * isz, n_test * isz * sizeof *test->x);
    memcpy(test->y, all->y + keep, n_test);
    test->n = n_test;
    test->shape = all->shape;
    test->classes = all->classes;
    all->n = keep;
    return NN_OK;
}

void nn_dataset_stats(const struct nn_dataset *d, double *mean, double *std)
{
    size_t cnt = d->n * nn_shape_size(d->shape);
    double s = 0.0, s2 = 0.0;
    for (size_t i = 0; i < cnt; i++) {
        s += d->x[i];
        s2 += (double)d->x[i] * d->x[i];
    }
    double mu = cnt ? s / (double)cnt : 0.0, var = cnt ? s2 / (double)cnt - mu * mu : 0.0;
    *mean = mu;
    *std = var > 0.0 ? sqrt(var) : 1.0;
}

void nn_dataset_normalise(struct nn_dataset *d, double mean, double std)
{
    size_t cnt = d->n * nn_shape_size(d->shape);
    float fm = (float)mean, fs = (float)std;
    for (size_t i = 0; i < cnt; i++)
        d->x[i] = (d->x[i] - fm) / fs;
}
