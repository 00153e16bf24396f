/* actlab evaluate: the test accuracy of a trained model.safetensors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nn-cli.h"

static const char *CMD_NAME = "evaluate";

int cmd_evaluate(int argc, char **argv)
{
    const char *file = NULL;
    struct nn_cli_data data = {0};
    size_t threads = 1, batch = 256;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: actlab evaluate DIR/model.safetensors [--data DIR | --data-npy X,Y[,Xte,Yte]]\n"
                   "                        [--test-limit N] [--threads N]\n"
                   "Prints the test accuracy and loss of the model on the test set (default: %s).\n",
                   NN_FASHION_MNIST_DIR);
            return CLI_OK;
        }
        if (a[0] != '-') {
            if (file) {
                cli_error(CMD_NAME, "one model at a time: '%s' and '%s'", file, a);
                return CLI_USAGE;
            }
            file = a;
            continue;
        }
        if (!v) {
            cli_error(CMD_NAME, "%s needs a value", a);
            return CLI_USAGE;
        }
        if (!strcmp(a, "--data")) data.dir = v;
        else if (!strcmp(a, "--data-npy")) data.npy = v;
        else if (!strcmp(a, "--test-limit")) {
            if (!nn_cli_size(CMD_NAME, a, v, &data.test_limit))
                return CLI_USAGE;
        } else if (!strcmp(a, "--threads")) {
            if (!nn_cli_size(CMD_NAME, a, v, &threads))
                return CLI_USAGE;
        } else {
            cli_error(CMD_NAME, "unknown option '%s' (actlab evaluate --help)", a);
            return CLI_USAGE;
        }
        i++;
    }
    if (!file) {
        cli_error(CMD_NAME, "which model? usage: actlab evaluate DIR/model.safetensors");
        return CLI_USAGE;
    }
    if (cli_parse_only)
        return CLI_OK;
    nn_set_threads((int)threads);
    struct nn_model m;
    struct nn_meta md;
    int rc = nn_cli_load_model(CMD_NAME, file, batch, &m, &md);
    if (rc != CLI_OK)
        return rc;
    struct nn_dataset train, test;
    if (!data.dir && !data.npy) {
        data.dir = nn_meta_get(&md, "data");
        data.npy = nn_meta_get(&md, "data_npy");
    }
    if ((rc = nn_cli_load_data(CMD_NAME, &data, &train, &test)) != CLI_OK) {
        nn_model_free(&m);
        return rc;
    }
    const char *norm = nn_meta_get(&md, "normalise"), *mean = nn_meta_get(&md, "mean"), *std = nn_meta_get(&md, "std");
    if (norm && atoi(norm) && mean && std)
        nn_dataset_normalise(&test, strtod(mean, NULL), strtod(std, NULL));
    double loss, acc;
    enum nn_status st = nn_evaluate(&m, &test, batch, &loss, &acc, NULL);
    if (st != NN_OK) {
        cli_error(CMD_NAME, "evaluation failed: %s%s", nn_status_str(st),
                  st == NN_ERR_SHAPE ? " (the data does not fit the model's input or classes)" : "");
        rc = CLI_FAIL;
    } else
        printf("test_acc %.4f (%zu/%zu)  test_loss %.4f\n", acc, (size_t)(acc * (double)test.n + 0.5), test.n, loss);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_model_free(&m);
    return rc;
}
