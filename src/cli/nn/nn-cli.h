/* Helpers shared by the engine's subcommands (train, evaluate, export-torch). */
#ifndef ACTLAB_NN_CLI_H
#define ACTLAB_NN_CLI_H

#include <stddef.h>

#include "actlab/nn.h"

/* Where the data comes from: an MNIST-format folder or NPY files, optionally cut to a subset. */
struct nn_cli_data {
    const char *dir;      /* NULL: Debian's Fashion-MNIST */
    const char *npy;      /* "X.npy,Y.npy" or "Xtr.npy,Ytr.npy,Xte.npy,Yte.npy" */
    size_t train_limit;   /* 0: all */
    size_t test_limit;
};

/* Load train and test sets as cmd; prints what went wrong and how to fix it. Returns a CLI exit code. */
int nn_cli_load_data(const char *cmd, const struct nn_cli_data *o, struct nn_dataset *train, struct nn_dataset *test);

/* Build and load the model a model.safetensors / checkpoint describes (its __metadata__). *md gets
 * the metadata. Prints errors as cmd. Returns a CLI exit code. */
int nn_cli_load_model(const char *cmd, const char *path, size_t max_batch, struct nn_model *m, struct nn_meta *md);

/* Model options from metadata; 0 on success, else prints and returns a CLI exit code. */
int nn_cli_opts_from_meta(const char *cmd, const struct nn_meta *md, size_t max_batch, struct nn_model_opts *o);

/* Parse a positive size / a double from a flag value; print and return 0 on error. */
int nn_cli_size(const char *cmd, const char *flag, const char *s, size_t *out);
int nn_cli_double(const char *cmd, const char *flag, const char *s, double *out);

/* mkdir -p: 0 on success, else -1 with errno set. */
int nn_cli_mkdir_p(const char *dir);

/* Seconds on the monotonic clock. */
double nn_cli_now(void);

#endif
