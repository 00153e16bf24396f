/* Helpers shared by the engine's subcommands: data loading, model from metadata, number parsing. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "nn-cli.h"

double nn_cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int nn_cli_size(const char *cmd, const char *flag, const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = s ? strtoull(s, &end, 10) : 0;
    if (!s || errno || end == s || *end || s[0] == '-' || v == 0) {
        cli_error(cmd, "%s wants a positive integer, not '%s'", flag, s ? s : "");
        return 0;
    }
    *out = (size_t)v;
    return 1;
}

int nn_cli_double(const char *cmd, const char *flag, const char *s, double *out)
{
    char *end;
    double v = s ? strtod(s, &end) : 0.0;
    if (!s || end == s || *end || !(v >= 0.0) || v > 1e9) {
        cli_error(cmd, "%s wants a non-negative number, not '%s'", flag, s ? s : "");
        return 0;
    }
    *out = v;
    return 1;
}

static int data_error(const char *cmd, const char *what, enum nn_status st)
{
    int e = errno;
    cli_error(cmd, "cannot load %s: %s", what, st == NN_ERR_IO && e ? strerror(e) : nn_status_str(st));
    if (st == NN_ERR_IO && !strcmp(what, NN_FASHION_MNIST_DIR))
        fprintf(stderr, "  install the data with: sudo apt-get install dataset-fashion-mnist "
                        "(or pass --data DIR with train-images-idx3-ubyte.gz ... in it)\n");
    else if (st == NN_ERR_IO)
        fprintf(stderr, "  expected train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
                        "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz] there\n");
    return CLI_FAIL;
}

int nn_cli_load_data(const char *cmd, const struct nn_cli_data *o, struct nn_dataset *train, struct nn_dataset *test)
{
    enum nn_status st;
    if (o->npy) {
        char buf[4096], *f[4];
        size_t nf = 0;
        if (strlen(o->npy) >= sizeof buf) {
            cli_error(cmd, "--data-npy value too long");
            return CLI_USAGE;
        }
        strcpy(buf, o->npy);
        for (char *save = NULL, *p = strtok_r(buf, ",", &save); p && nf < 4; p = strtok_r(NULL, ",", &save))
            f[nf++] = p;
        if (nf != 2 && nf != 4) {
            cli_error(cmd, "--data-npy wants X.npy,Y.npy or Xtrain.npy,Ytrain.npy,Xtest.npy,Ytest.npy");
            return CLI_USAGE;
        }
        errno = 0;
        if ((st = nn_dataset_load_npy(f[0], f[1], train)) != NN_OK)
            return data_error(cmd, f[0], st);
        if (nf == 4) {
            if ((st = nn_dataset_load_npy(f[2], f[3], test)) != NN_OK) {
                nn_dataset_free(train);
                return data_error(cmd, f[2], st);
            }
        } else if (train->n < 2 || (st = nn_dataset_split(train, train->n / 7 ? train->n / 7 : 1, test)) != NN_OK) {
            nn_dataset_free(train);
            cli_error(cmd, "cannot hold out a test set from %s: too few samples", f[0]);
            return CLI_FAIL;
        }
        if (nn_shape_size(train->shape) != nn_shape_size(test->shape)) {
            nn_dataset_free(train);
            nn_dataset_free(test);
            cli_error(cmd, "training and test arrays have different sample shapes");
            return CLI_FAIL;
        }
    } else {
        const char *dir = o->dir ? o->dir : NN_FASHION_MNIST_DIR;
        errno = 0;
        if ((st = nn_dataset_load_mnist(dir, train, test)) != NN_OK)
            return data_error(cmd, dir, st);
    }
    if (o->train_limit)
        nn_dataset_truncate(train, o->train_limit);
    if (o->test_limit)
        nn_dataset_truncate(test, o->test_limit);
    if (test->classes > train->classes)
        train->classes = test->classes;
    return CLI_OK;
}

static int meta_size(const struct nn_meta *md, const char *key, size_t *out)
{
    const char *v = nn_meta_get(md, key);
    char *end;
    if (!v)
        return 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (end == v || *end)
        return 0;
    *out = (size_t)x;
    return 1;
}

int nn_cli_opts_from_meta(const char *cmd, const struct nn_meta *md, size_t max_batch, struct nn_model_opts *o)
{
    memset(o, 0, sizeof *o);
    const char *act = nn_meta_get(md, "act"), *input = nn_meta_get(md, "input");
    size_t shared = 0;
    if (!act || !input || !nn_meta_get(md, "model") || !meta_size(md, "classes", &o->classes) ||
        !meta_size(md, "prelu_shared", &shared) ||
        sscanf(input, "%zu,%zu,%zu", &o->input.c, &o->input.h, &o->input.w) != 3 ||
        act_parse(act, &o->act) != ACT_OK) {
        cli_error(cmd, "the file's metadata does not describe an actlab model (was it written by actlab train?)");
        return CLI_FAIL;
    }
    o->prelu_shared = shared != 0;
    o->max_batch = max_batch;
    return CLI_OK;
}

int nn_cli_load_model(const char *cmd, const char *path, size_t max_batch, struct nn_model *m, struct nn_meta *md)
{
    struct nn_model_opts o;
    char err[256];
    enum nn_status st = nn_safetensors_read_meta(path, md);
    if (st != NN_OK) {
        cli_error(cmd, "cannot read %s: %s", path, nn_status_str(st));
        return CLI_FAIL;
    }
    int rc = nn_cli_opts_from_meta(cmd, md, max_batch, &o);
    if (rc != CLI_OK)
        return rc;
    if ((st = nn_model_init(m, nn_meta_get(md, "model"), &o, err, sizeof err)) != NN_OK) {
        cli_error(cmd, "cannot build the model of %s: %s (%s)", path, nn_status_str(st), err);
        return CLI_FAIL;
    }
    if ((st = nn_safetensors_load(path, m, 0)) != NN_OK) {
        cli_error(cmd, "cannot load the weights of %s: %s", path, nn_status_str(st));
        nn_model_free(m);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* mkdir -p: 0 on success, else -1 with errno set. */
int nn_cli_mkdir_p(const char *dir)
{
    char buf[4096];
    if (strlen(dir) >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(buf, dir);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}
