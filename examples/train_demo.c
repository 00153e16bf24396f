/* A user's program for the engine: a small MLP learns which of two coordinates is larger, from
 * synthetic points, then is evaluated on fresh points. Build against an installed libactlab:
 *   cc train_demo.c $(pkg-config --cflags --libs actlab-nn) */
#include <actlab/nn.h>
#include <stdio.h>
#include <stdlib.h>

#define N_TRAIN 2048
#define N_TEST 512

/* n points uniform in [-1, 1]^2; label 1 when x0 > x1. */
static void make_points(struct nn_rng *r, size_t n, float *x, uint8_t *y)
{
    for (size_t i = 0; i < n; i++) {
        x[2 * i] = (float)(2.0 * nn_rng_uniform(r) - 1.0);
        x[2 * i + 1] = (float)(2.0 * nn_rng_uniform(r) - 1.0);
        y[i] = x[2 * i] > x[2 * i + 1];
    }
}

int main(void)
{
    static float xtr[2 * N_TRAIN], xte[2 * N_TEST];
    static uint8_t ytr[N_TRAIN], yte[N_TEST];
    struct nn_rng rng;
    nn_rng_seed(&rng, 42);
    make_points(&rng, N_TRAIN, xtr, ytr);
    make_points(&rng, N_TEST, xte, yte);
    struct nn_dataset train = {N_TRAIN, {2, 1, 1}, 2, xtr, ytr}, test = {N_TEST, {2, 1, 1}, 2, xte, yte};

    struct nn_model_opts o = {{2, 1, 1}, 2, {0}, 0, 64, 0};
    struct nn_model m;
    char err[256] = "bad activation spec";
    enum nn_status st;
    if (act_parse("relu", &o.act) != ACT_OK || (st = nn_model_init(&m, "dense:16;act;dense:2", &o, err, sizeof err))) {
        fprintf(stderr, "model: %s\n", err);
        return 1;
    }
    struct nn_optim opt;
    nn_optim_init(&opt, NN_OPTIM_SGD);
    opt.momentum = 0.9;
    struct nn_epoch_result res;
    double loss, acc;
    if ((st = nn_model_init_weights(&m, NN_INIT_AUTO, &rng)) == NN_OK)
        for (int e = 0; e < 10 && st == NN_OK; e++)
            st = nn_train_epoch(&m, &opt, &train, 64, 0.1, 1, &rng, NULL, NULL, 0, NULL, &res);
    if (st == NN_OK)
        st = nn_evaluate(&m, &test, 64, &loss, &acc, NULL);
    nn_model_free(&m);
    if (st != NN_OK) {
        fprintf(stderr, "training: %s\n", nn_status_str(st));
        return 1;
    }
    printf("test accuracy %.3f %s\n", acc, acc >= 0.95 ? "ok" : "too low");
    return acc >= 0.95 ? 0 : 1;
}
