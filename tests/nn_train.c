/*
 * Training on real data (a Fashion-MNIST subset, skipped when the data is not installed):
 * accuracy bounds, determinism (two runs, same bits, with 1, 2 and 3 threads), and through the actlab command,
 * --resume gives the same model as an uninterrupted run, evaluate agrees with metrics.csv.
 * Usage: nn_train [path/to/actlab]
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actlab/nn.h"
#include "harness.h"

static struct nn_dataset g_train, g_test;

/* Train spec for epochs on the subset; returns test accuracy, leaves the model in *m. */
static double run(struct nn_model *m, const char *spec, const char *act, enum nn_optim_kind kind, double lr,
                  size_t epochs, uint64_t seed, double *final_loss)
{
    struct nn_model_opts o = {g_train.shape, 10, {0}, 0, 64, 0};
    act_parse(act, &o.act);
    char err[256];
    if (!CHECK(nn_model_init(m, spec, &o, err, sizeof err) == NN_OK, "init %s: %s", spec, err))
        return 0;
    struct nn_rng rng;
    nn_rng_seed(&rng, seed);
    nn_model_init_weights(m, NN_INIT_AUTO, &rng);
    struct nn_optim opt;
    nn_optim_init(&opt, kind);
    opt.momentum = kind == NN_OPTIM_SGD ? 0.9 : 0.0;
    struct nn_epoch_result res;
    for (size_t e = 0; e < epochs; e++)
        CHECK(nn_train_epoch(m, &opt, &g_train, 64, lr, 1, &rng, NULL, NULL, 0, NULL, &res) == NN_OK, "epoch");
    double loss, acc;
    CHECK(nn_evaluate(m, &g_test, 256, &loss, &acc, NULL) == NN_OK, "evaluate");
    if (final_loss)
        *final_loss = res.loss;
    return acc;
}

static void test_accuracy_and_determinism(void)
{
    static const struct {
        const char *spec, *act;
        enum nn_optim_kind kind;
        double lr, bound;
        size_t epochs;
    } cases[] = {
        {"mlp", "relu", NN_OPTIM_SGD, 0.02, 0.79, 3},
        {"mlp", "prelu", NN_OPTIM_ADAM, 0.001, 0.78, 3},
        {"dense:64;act;dropout:0.2;dense:10", "tanh", NN_OPTIM_SGD, 0.02, 0.75, 3},
        {"conv:8,k=5,pad=2;act;maxpool:2;conv:16,k=5;act;avgpool:2;flatten;dense:10", "elu", NN_OPTIM_SGD, 0.02,
         0.74, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct nn_model a, b;
        double la, lb;
        double acc = run(&a, cases[i].spec, cases[i].act, cases[i].kind, cases[i].lr, cases[i].epochs, 42, &la);
        printf("%s / %s: test accuracy %.4f after %zu epochs on %zu images\n", cases[i].spec, cases[i].act, acc,
               cases[i].epochs, g_train.n);
        CHECK(acc >= cases[i].bound, "%s %s: accuracy %.4f < %.2f", cases[i].spec, cases[i].act, acc, cases[i].bound);
        double acc2 = run(&b, cases[i].spec, cases[i].act, cases[i].kind, cases[i].lr, cases[i].epochs, 42, &lb);
        CHECK(acc == acc2 && la == lb && a.n_params == b.n_params && !memcmp(a.params, b.params, a.n_params * 4),
              "%s %s: two seeded runs differ", cases[i].spec, cases[i].act);
        nn_model_free(&a);
        nn_model_free(&b);
    }
}

/*
 * With 2 and 3 engine threads (3 > the cores CI has: workers then sleep and wake, and a GEMM
 * splits into 3), two seeded runs give the same bits, and the result matches the 1-thread run
 * to training noise (the split GEMMs may round differently at the edges of their blocks).
 */
static void test_threads(void)
{
    static const struct {
        const char *spec, *act;
    } cases[] = {
        {"mlp", "relu"},
        {"conv:8,k=5,pad=2;act;maxpool:2;conv:16,k=5;act;avgpool:2;flatten;dense:10", "elu"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct nn_model one;
        double l1;
        double acc1 = run(&one, cases[i].spec, cases[i].act, NN_OPTIM_SGD, 0.02, 1, 5, &l1);
        for (int t = 2; t <= 3; t++) {
            nn_set_threads(t);
            struct nn_model a, b;
            double la, lb;
            double acca = run(&a, cases[i].spec, cases[i].act, NN_OPTIM_SGD, 0.02, 1, 5, &la);
            double accb = run(&b, cases[i].spec, cases[i].act, NN_OPTIM_SGD, 0.02, 1, 5, &lb);
            nn_set_threads(1);
            CHECK(acca == accb && la == lb && !memcmp(a.params, b.params, a.n_params * 4),
                  "%s %s, %d threads: two seeded runs differ", cases[i].spec, cases[i].act, t);
            CHECK(fabs(acca - acc1) < 0.03 && fabs(la - l1) < 0.02 * l1,
                  "%s %s: %d threads give accuracy %.4f loss %.5f, 1 thread %.4f %.5f", cases[i].spec, cases[i].act,
                  t, acca, la, acc1, l1);
            nn_model_free(&a);
            nn_model_free(&b);
        }
        nn_model_free(&one);
    }
}

/* metrics.csv without the seconds column (wall time differs between runs). */
static void metrics_without_time(const char *path, char *out, size_t cap)
{
    size_t len;
    char *p = harness_slurp(path, &len), *save = NULL;
    out[0] = 0;
    if (!p)
        return;
    for (char *line = strtok_r(p, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int col = 0;
        size_t o = strlen(out);
        for (char *c = line; *c && o + 2 < cap; c++) {
            if (*c == ',')
                col++;
            if (col != 5)
                out[o++] = *c;
        }
        out[o++] = '\n';
        out[o] = 0;
    }
    free(p);
}

static void test_cli(const char *actlab)
{
    char cmd[2048], a[8192], b[8192];
    const char *common = "--model 'conv:4,k=3;act;maxpool:2;flatten;dense:32;act;dense:10' --act prelu --optim adam "
                         "--train-limit 1000 --test-limit 500 --threads 1 --quiet --seed 7 --batch 50 "
                         "--schedule cosine";
    if (system("rm -rf nn_train_out") != 0)
        return;
    snprintf(cmd, sizeof cmd, "%s train %s --epochs 3 --out nn_train_out/full", actlab, common);
    CHECK(system(cmd) == 0, "actlab train runs: %s", cmd);
    snprintf(cmd, sizeof cmd, "%s train %s --epochs 3 --out nn_train_out/again", actlab, common);
    CHECK(system(cmd) == 0, "actlab train runs again");
    CHECK(harness_same_file("nn_train_out/full/model.safetensors", "nn_train_out/again/model.safetensors"),
          "two runs with the same seed write identical model.safetensors");
    snprintf(cmd, sizeof cmd, "%s train %s --epochs 1 --out nn_train_out/resumed", actlab, common);
    CHECK(system(cmd) == 0, "actlab train, first epoch");
    snprintf(cmd, sizeof cmd, "%s train --epochs 3 --resume --threads 1 --quiet --out nn_train_out/resumed", actlab);
    CHECK(system(cmd) == 0, "actlab train --resume");
    CHECK(harness_same_file("nn_train_out/full/model.safetensors", "nn_train_out/resumed/model.safetensors"),
          "resume gives the same model.safetensors as an uninterrupted run");
    metrics_without_time("nn_train_out/full/metrics.csv", a, sizeof a);
    metrics_without_time("nn_train_out/resumed/metrics.csv", b, sizeof b);
    CHECK(a[0] && !strcmp(a, b), "resume gives the same metrics:\n%s---\n%s", a, b);
    CHECK(strstr(a, "epoch,train_loss,train_acc,test_loss,test_acc,lr,L1_sparsity,L1_dead,L1_mean,L1_std,"
                    "L1_grad_norm,L2_sparsity") == a,
          "metrics.csv columns");
    /* evaluate prints the accuracy of the last metrics row */
    snprintf(cmd, sizeof cmd, "%s evaluate nn_train_out/full/model.safetensors --test-limit 500 > nn_train_out/eval.txt",
             actlab);
    CHECK(system(cmd) == 0, "actlab evaluate runs");
    size_t len;
    char *ev = harness_slurp("nn_train_out/eval.txt", &len), *last = strrchr(a, '\n');
    while (last && last > a && last[-1] != '\n')
        last--;
    double acc_eval = -1, acc_csv = -2;
    if (ev)
        sscanf(ev, "test_acc %lf", &acc_eval);
    char *row = a + strlen(a) - 1;
    *row = 0;
    row = strrchr(a, '\n');
    if (row)
        sscanf(row + 1, "%*[^,],%*[^,],%*[^,],%*[^,],%lf", &acc_csv);
    CHECK(acc_eval == acc_csv, "evaluate %.4f vs metrics.csv %.4f", acc_eval, acc_csv);
    free(ev);
    snprintf(cmd, sizeof cmd, "%s export-torch nn_train_out/full/model.safetensors > nn_train_out/model.py", actlab);
    CHECK(system(cmd) == 0, "export-torch runs");
    ev = harness_slurp("nn_train_out/model.py", &len);
    CHECK(ev && strstr(ev, "nn.Conv2d(1, 4, kernel_size=(3, 3), stride=1, padding=0),  # 0") &&
              strstr(ev, "nn.PReLU(num_parameters=4),  # 1") && strstr(ev, "def preprocess(x):"),
          "export-torch prints the Sequential and preprocess");
    free(ev);
    snprintf(cmd, sizeof cmd, "%s train --model nosuch --quiet --out nn_train_out/bad 2>/dev/null", actlab);
    int rc = system(cmd);
    CHECK(rc != -1 && WEXITSTATUS(rc) == 2, "a bad --model is a usage error (exit 2)");
    /* Divergence: a run that blows up stops with exit 3, writes no model, and leaves the checkpoint
     * an earlier run left in the same folder exactly as it was. */
    const char *mlp = "--model mlp --epochs 1 --train-limit 1000 --test-limit 500 --threads 1 --quiet "
                      "--out nn_train_out/diverge";
    snprintf(cmd, sizeof cmd, "%s train %s --lr 0.05 && cp nn_train_out/diverge/checkpoint.safetensors "
             "nn_train_out/good.safetensors", actlab, mlp);
    CHECK(system(cmd) == 0, "a first, sane run");
    snprintf(cmd, sizeof cmd, "%s train %s --lr 50 2>/dev/null", actlab, mlp);
    rc = system(cmd);
    CHECK(rc != -1 && WEXITSTATUS(rc) == 3, "a diverging run stops with exit 3 (got %d)", WEXITSTATUS(rc));
    CHECK(harness_same_file("nn_train_out/good.safetensors", "nn_train_out/diverge/checkpoint.safetensors"),
          "the last good checkpoint is kept after a diverged run");
    if (system("rm -rf nn_train_out") != 0)
        harness_skip(1, "cleanup");
}

int main(int argc, char **argv)
{
    nn_set_threads(1);
    enum nn_status st = nn_dataset_load_mnist(NN_FASHION_MNIST_DIR, &g_train, &g_test);
    if (st != NN_OK) {
        harness_skip(1, "Fashion-MNIST not installed (%s): apt-get install dataset-fashion-mnist", nn_status_str(st));
        return harness_finish();
    }
    nn_dataset_truncate(&g_train, 2000);
    nn_dataset_truncate(&g_test, 1000);
    double mean, std;
    nn_dataset_stats(&g_train, &mean, &std);
    nn_dataset_normalise(&g_train, mean, std);
    nn_dataset_normalise(&g_test, mean, std);
    test_accuracy_and_determinism();
    test_threads();
    if (argc > 1)
        test_cli(argv[1]);
    else
        harness_skip(1, "no actlab command given");
    nn_dataset_free(&g_train);
    nn_dataset_free(&g_test);
    return harness_finish();
}
