/* actlab train: train a model, write DIR/metrics.csv, DIR/model.safetensors and a checkpoint for --resume. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "nn-cli.h"

static const char *CMD_NAME = "train";

/* Everything that defines a run; saved in the checkpoint's metadata so --resume restores it. */
struct train_cfg {
    const char *model, *act, *optim, *schedule, *init;
    int prelu_shared, nesterov, shuffle, normalise;
    size_t epochs, batch, threads, log_steps;
    double lr, momentum, weight_decay, mean, std;
    uint64_t seed;
    struct nn_cli_data data;
    const char *out;
    int resume, quiet, save_init, epochs_set;
    int skip_nonfinite; /* --on-nan skip */
    int no_sparse;      /* --no-sparse: dense sgemm only (like --threads, not saved) */
    const char *set[32];  /* metadata keys of the settings given on the command line */
    size_t nset;
};

/* The flags that set a run's settings, and the metadata key each is saved under: --resume
 * refuses a flag whose value differs from the checkpoint's (it would silently not apply). */
static const char *const FLAG_KEYS[][2] = {
    {"--model", "model"}, {"--act", "act"}, {"--prelu-shared", "prelu_shared"}, {"--optim", "optim"},
    {"--lr", "lr"}, {"--momentum", "momentum"}, {"--nesterov", "nesterov"}, {"--weight-decay", "weight_decay"},
    {"--schedule", "schedule"}, {"--init", "init"}, {"--seed", "seed"}, {"--batch", "batch"},
    {"--no-shuffle", "shuffle"}, {"--no-normalise", "normalise"}, {"--no-normalize", "normalise"},
    {"--train-limit", "train_limit"}, {"--test-limit", "test_limit"}, {"--data", "data"}, {"--data-npy", "data_npy"},
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: actlab train [options]\n"
            "  --model SPEC        mlp (default), cnn, lenet5, deep-mlp:depth=D,width=W, or a layer list\n"
            "                      such as 'conv:32,k=5,pad=2;act;maxpool:2;flatten;dense:128;act;dense:10'\n"
            "  --act SPEC          activation of the 'act' layers (default relu; see actlab list)\n"
            "  --prelu-shared      prelu: one learnable slope per layer instead of one per channel\n"
            "  --epochs N          (10)      --batch B (128)\n"
            "  --optim sgd|adam    (sgd)     --lr LR (sgd 0.05, adam 0.001)\n"
            "  --momentum M        sgd momentum (0.9)   --nesterov\n"
            "  --weight-decay WD   L2 decay, never on prelu slopes (0)\n"
            "  --schedule S        constant (default), step:every=E,gamma=G, cosine\n"
            "  --init I            auto (default), he, he_uniform, xavier, xavier_normal, lecun,\n"
            "                      lecun_uniform, zeros\n"
            "  --seed S            (1)       --threads N (all cores) engine and BLAS threads\n"
            "  --no-sparse         dense sgemm even where a layer's input or gradient is mostly zeros\n"
            "  --data DIR          MNIST-format folder (default %s)\n"
            "  --data-npy X,Y      NPY arrays: X.npy,Y.npy (last 1/7 held out) or Xtr,Ytr,Xte,Yte\n"
            "  --train-limit N     use the first N training samples   --test-limit N likewise\n"
            "  --no-normalise      keep raw inputs (default: standardise with the training set's mean, std)\n"
            "  --no-shuffle        batches in file order\n"
            "  --out DIR           output folder (default out/train)\n"
            "  --resume            continue the run in --out from its checkpoint up to --epochs (default: the\n"
            "                      run's own); the checkpoint's other settings apply\n"
            "  --save-init         also write DIR/init.safetensors (the initial weights)\n"
            "  --log-steps N       train N steps only, write each step's loss to DIR/steps.csv (and the model)\n"
            "  --on-nan stop|skip  a NaN or inf loss or gradient: stop (default; exit 3, the last good\n"
            "                      checkpoint stays) or skip that step and go on\n"
            "  --quiet             no progress output\n"
            "exit codes: 0 done, 1 failure (I/O, data, memory), 2 usage, 3 training diverged\n",
            NN_FASHION_MNIST_DIR);
}

/* ---- metadata ---- */

static int cfg_to_meta(const struct train_cfg *c, size_t classes, struct nn_shape in, size_t done,
                       const struct nn_rng *rng, uint64_t opt_step, struct nn_meta *md)
{
    char b[256];
    struct act_desc d;
    memset(md, 0, sizeof *md);
    int ok = act_parse(c->act, &d) == ACT_OK && act_format(&d, b, sizeof b) < (int)sizeof b;
    ok = ok && nn_meta_set(md, "format", "actlab-nn-1") == NN_OK;
    ok = ok && nn_meta_set(md, "model", c->model) == NN_OK && nn_meta_set(md, "act", b) == NN_OK;
#define SETF(key, ...) (snprintf(b, sizeof b, __VA_ARGS__), ok = ok && nn_meta_set(md, key, b) == NN_OK)
    SETF("prelu_shared", "%d", c->prelu_shared);
    SETF("classes", "%zu", classes);
    SETF("input", "%zu,%zu,%zu", in.c, in.h, in.w);
    SETF("normalise", "%d", c->normalise);
    SETF("mean", "%.17g", c->mean);
    SETF("std", "%.17g", c->std);
    SETF("optim", "%s", c->optim);
    SETF("lr", "%.17g", c->lr);
    SETF("momentum", "%.17g", c->momentum);
    SETF("nesterov", "%d", c->nesterov);
    SETF("weight_decay", "%.17g", c->weight_decay);
    SETF("schedule", "%s", c->schedule);
    SETF("init", "%s", c->init);
    SETF("seed", "%" PRIu64, c->seed);
    SETF("batch", "%zu", c->batch);
    SETF("shuffle", "%d", c->shuffle);
    SETF("train_limit", "%zu", c->data.train_limit);
    SETF("test_limit", "%zu", c->data.test_limit);
    SETF("epochs", "%zu", c->epochs);
    SETF("epochs_done", "%zu", done);
    SETF("opt_step", "%" PRIu64, opt_step);
    SETF("rng", "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, rng->s[0], rng->s[1], rng->s[2], rng->s[3]);
    if (c->data.dir)
        SETF("data", "%s", c->data.dir);
    if (c->data.npy)
        SETF("data_npy", "%s", c->data.npy);
#undef SETF
    return ok;
}

/* Restore the run's settings from a checkpoint's metadata (strings point into md). */
static int cfg_from_meta(struct train_cfg *c, const struct nn_meta *md, size_t *done, struct nn_rng *rng,
                         uint64_t *opt_step)
{
    const char *v;
    int ok = 1;
#define GET(key) ((v = nn_meta_get(md, key)) != NULL || (ok = 0))
    if (GET("model")) c->model = v;
    if (GET("act")) c->act = v;
    if (GET("optim")) c->optim = v;
    if (GET("schedule")) c->schedule = v;
    if (GET("init")) c->init = v;
    if (GET("prelu_shared")) c->prelu_shared = atoi(v);
    if (GET("nesterov")) c->nesterov = atoi(v);
    if (GET("shuffle")) c->shuffle = atoi(v);
    if (GET("normalise")) c->normalise = atoi(v);
    if (GET("batch")) c->batch = (size_t)strtoull(v, NULL, 10);
    if (GET("train_limit")) c->data.train_limit = (size_t)strtoull(v, NULL, 10);
    if (GET("test_limit")) c->data.test_limit = (size_t)strtoull(v, NULL, 10);
    if (GET("epochs")) c->epochs = (size_t)strtoull(v, NULL, 10);
    if (GET("epochs_done")) *done = (size_t)strtoull(v, NULL, 10);
    if (GET("opt_step")) *opt_step = strtoull(v, NULL, 10);
    if (GET("seed")) c->seed = strtoull(v, NULL, 10);
    if (GET("lr")) c->lr = strtod(v, NULL);
    if (GET("momentum")) c->momentum = strtod(v, NULL);
    if (GET("weight_decay")) c->weight_decay = strtod(v, NULL);
    if (GET("mean")) c->mean = strtod(v, NULL);
    if (GET("std")) c->std = strtod(v, NULL);
    if (GET("rng") && (strlen(v) != 64 || sscanf(v, "%16" SCNx64 "%16" SCNx64 "%16" SCNx64 "%16" SCNx64, &rng->s[0],
                                                &rng->s[1], &rng->s[2], &rng->s[3]) != 4))
        ok = 0;
#undef GET
    c->data.dir = nn_meta_get(md, "data");
    c->data.npy = nn_meta_get(md, "data_npy");
    return ok && c->batch > 0;
}


/* ---- progress ---- */

struct progress {
    int tty, quiet;
    size_t epoch, epochs;
    double start, last;
};

static int on_batch(void *ctx, size_t batch, size_t nbatches, size_t samples, double loss)
{
    struct progress *p = ctx;
    double now = nn_cli_now();
    if (p->quiet || !p->tty || (now - p->last < 0.1 && batch + 1 < nbatches))
        return 0;
    p->last = now;
    double el = now - p->start, rate = el > 0 ? (double)samples / el : 0.0;
    double eta = (double)(nbatches - batch - 1) * el / (double)(batch + 1);
    char bar[31];
    size_t fill = (batch + 1) * 30 / nbatches;
    for (size_t i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = 0;
    fprintf(stderr, "\repoch %zu/%zu [%s] batch %zu/%zu  %.0f samples/s  loss %.4f  ETA %.0fs \033[K", p->epoch,
            p->epochs, bar, batch + 1, nbatches, rate, loss, eta);
    fflush(stderr);
    return 0;
}

/* ---- metrics.csv ---- */

static void csv_header(FILE *f, size_t nk)
{
    fprintf(f, "epoch,train_loss,train_acc,test_loss,test_acc,seconds,lr");
    for (size_t k = 1; k <= nk; k++)
        fprintf(f, ",L%zu_sparsity,L%zu_dead,L%zu_mean,L%zu_std,L%zu_grad_norm", k, k, k, k, k);
    fputc('\n', f);
}

/* Open DIR/metrics.csv through the temporary file tmp: new with a header, or (resume) keeping the
 * rows of epochs <= done and renamed over path at once. A new file is renamed over path after its
 * first row (csv_row), so a run that fails before then leaves an older metrics.csv as it was. */
static FILE *csv_open(const char *path, const char *tmp, int resume, size_t done, size_t nk)
{
    char *keep = NULL;
    size_t keep_len = 0;
    if (resume) {
        FILE *in = fopen(path, "r");
        char line[8192];
        FILE *mem = in ? open_memstream(&keep, &keep_len) : NULL;
        for (int first = 1; mem && fgets(line, sizeof line, in); first = 0)
            if (first || strtoull(line, NULL, 10) <= done)
                fputs(line, mem);
        if (mem)
            fclose(mem);
        if (in)
            fclose(in);
    }
    FILE *f = fopen(tmp, "w");
    if (f && keep && keep_len)
        fwrite(keep, 1, keep_len, f);
    else if (f)
        csv_header(f, nk);
    free(keep);
    if (f && (fflush(f) != 0 || ferror(f) || (resume && rename(tmp, path) != 0))) {
        int e = errno;
        fclose(f);
        unlink(tmp);
        errno = e;
        return NULL;
    }
    return f;
}

/* After a row: flush (a full disk shows here) and, for a new file, put it in place. */
static int csv_row_done(FILE *f, const char *path, const char *tmp, int *pending)
{
    if (fflush(f) != 0 || ferror(f))
        return 0;
    if (*pending) {
        if (rename(tmp, path) != 0)
            return 0;
        *pending = 0;
    }
    return 1;
}

/* The note after a failed save in epoch e + 1 (e >= 1): where the last good state is. */
static const char *last_good(const char *out, size_t e)
{
    static char b[4200];
    snprintf(b, sizeof b, "; the checkpoint of epoch %zu in %s is intact (free space, then --resume)", e, out);
    return b;
}

/* Why a save or write failed, for the message. */
static const char *why(enum nn_status st)
{
    return st == NN_ERR_IO && errno ? strerror(errno) : nn_status_str(st);
}

/* --resume: refuse command-line settings the checkpoint contradicts (they would not apply). */
static int resume_conflict(const struct train_cfg *cli, const struct train_cfg *ck, const char *path)
{
    struct nn_meta a, b;
    struct nn_rng rng = {{0, 0, 0, 0}};
    struct nn_shape in = {0, 0, 0};
    if (!cfg_to_meta(cli, 0, in, 0, &rng, 0, &a) || !cfg_to_meta(ck, 0, in, 0, &rng, 0, &b))
        return 0;
    for (size_t i = 0; i < cli->nset; i++) {
        const char *x = nn_meta_get(&a, cli->set[i]), *y = nn_meta_get(&b, cli->set[i]);
        if (x && y ? strcmp(x, y) != 0 : x != y) {
            const char *flag = "";
            for (size_t k = 0; k < sizeof FLAG_KEYS / sizeof FLAG_KEYS[0]; k++)
                if (!strcmp(FLAG_KEYS[k][1], cli->set[i]))
                    flag = FLAG_KEYS[k][0];
            cli_error(CMD_NAME, "%s %s: the checkpoint %s has %s %s; --resume continues that run with its own "
                      "settings (only --epochs may change); use another --out for a new run", flag, x ? x : "(unset)",
                      path, cli->set[i], y ? y : "(unset)");
            return 1;
        }
    }
    return 0;
}

/* The settings that are specs: 1 if all parse (else print why). */
static int validate(const struct train_cfg *c, struct act_desc *act, enum nn_init *init, struct nn_sched *sched)
{
    if (act_parse(c->act, act) != ACT_OK) {
        cli_error(CMD_NAME, "bad --act '%s' (actlab list shows the activations and their parameters)", c->act);
        return 0;
    }
    if (nn_init_parse(c->init, init) != NN_OK) {
        cli_error(CMD_NAME, "bad --init '%s' (auto he he_uniform xavier xavier_normal lecun lecun_uniform zeros)",
                  c->init);
        return 0;
    }
    if (nn_sched_parse(c->schedule, c->epochs, sched) != NN_OK) {
        cli_error(CMD_NAME, "bad --schedule '%s' (constant, step:every=E,gamma=G, cosine)", c->schedule);
        return 0;
    }
    if (c->nesterov && c->momentum <= 0.0) {
        cli_error(CMD_NAME, "--nesterov needs --momentum > 0");
        return 0;
    }
    if (strlen(c->model) >= sizeof ((struct nn_meta *)0)->val[0]) {
        cli_error(CMD_NAME, "--model spec longer than %zu characters", sizeof ((struct nn_meta *)0)->val[0] - 1);
        return 0;
    }
    return 1;
}

static int parse_args(int argc, char **argv, struct train_cfg *c)
{
    int lr_set = 0, mom_set = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = 1, takes = 1;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        } else if (!strcmp(a, "--model")) c->model = v;
        else if (!strcmp(a, "--act")) c->act = v;
        else if (!strcmp(a, "--optim")) c->optim = v;
        else if (!strcmp(a, "--schedule")) c->schedule = v;
        else if (!strcmp(a, "--init")) c->init = v;
        else if (!strcmp(a, "--data")) c->data.dir = v;
        else if (!strcmp(a, "--data-npy")) c->data.npy = v;
        else if (!strcmp(a, "--out")) c->out = v;
        else if (!strcmp(a, "--epochs")) ok = (c->epochs_set = nn_cli_size(CMD_NAME, a, v, &c->epochs));
        else if (!strcmp(a, "--batch")) ok = nn_cli_size(CMD_NAME, a, v, &c->batch);
        else if (!strcmp(a, "--threads")) ok = nn_cli_size(CMD_NAME, a, v, &c->threads);
        else if (!strcmp(a, "--train-limit")) ok = nn_cli_size(CMD_NAME, a, v, &c->data.train_limit);
        else if (!strcmp(a, "--test-limit")) ok = nn_cli_size(CMD_NAME, a, v, &c->data.test_limit);
        else if (!strcmp(a, "--log-steps")) ok = nn_cli_size(CMD_NAME, a, v, &c->log_steps);
        else if (!strcmp(a, "--lr")) ok = (lr_set = nn_cli_double(CMD_NAME, a, v, &c->lr));
        else if (!strcmp(a, "--momentum")) ok = (mom_set = nn_cli_double(CMD_NAME, a, v, &c->momentum));
        else if (!strcmp(a, "--weight-decay")) ok = nn_cli_double(CMD_NAME, a, v, &c->weight_decay);
        else if (!strcmp(a, "--on-nan")) {
            ok = v && (!strcmp(v, "stop") || !strcmp(v, "skip"));
            if (ok)
                c->skip_nonfinite = !strcmp(v, "skip");
            else
                cli_error(CMD_NAME, "--on-nan takes stop or skip");
        } else if (!strcmp(a, "--seed")) {
            size_t s = 0;
            ok = v && (!strcmp(v, "0") || nn_cli_size(CMD_NAME, a, v, &s));
            c->seed = s;
        } else {
            takes = 0;
            if (!strcmp(a, "--prelu-shared")) c->prelu_shared = 1;
            else if (!strcmp(a, "--nesterov")) c->nesterov = 1;
            else if (!strcmp(a, "--no-shuffle")) c->shuffle = 0;
            else if (!strcmp(a, "--no-normalise") || !strcmp(a, "--no-normalize")) c->normalise = 0;
            else if (!strcmp(a, "--resume")) c->resume = 1;
            else if (!strcmp(a, "--quiet")) c->quiet = 1;
            else if (!strcmp(a, "--save-init")) c->save_init = 1;
            else if (!strcmp(a, "--no-sparse")) c->no_sparse = 1;
            else {
                cli_error(CMD_NAME, "unknown option '%s' (actlab train --help lists them)", a);
                return 0;
            }
        }
        if (takes && !v) {
            cli_error(CMD_NAME, "%s needs a value", a);
            return 0;
        }
        if (!ok)
            return 0;
        for (size_t k = 0; k < sizeof FLAG_KEYS / sizeof FLAG_KEYS[0]; k++)
            if (!strcmp(a, FLAG_KEYS[k][0]) && c->nset < sizeof c->set / sizeof c->set[0])
                c->set[c->nset++] = FLAG_KEYS[k][1];
        i += takes;
    }
    if (strcmp(c->optim, "sgd") && strcmp(c->optim, "adam")) {
        cli_error(CMD_NAME, "--optim is sgd or adam, not '%s'", c->optim);
        return 0;
    }
    if (!lr_set)
        c->lr = !strcmp(c->optim, "adam") ? 0.001 : 0.05;
    if (!mom_set && !strcmp(c->optim, "adam"))
        c->momentum = 0.0;
    return 1;
}

int cmd_train(int argc, char **argv)
{
    struct train_cfg c = {
        .model = "mlp", .act = "relu", .optim = "sgd", .schedule = "constant", .init = "auto", .shuffle = 1,
        .normalise = 1, .epochs = 10, .batch = 128, .lr = 0.05, .momentum = 0.9, .seed = 1, .out = "out/train",
        .mean = 0.0, .std = 1.0,
    };
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    c.threads = ncpu > 0 ? (size_t)ncpu : 1;
    int parsed = parse_args(argc, argv, &c);
    if (parsed <= 0)
        return parsed < 0 ? CLI_OK : CLI_USAGE;

    struct act_desc act;
    enum nn_init init;
    struct nn_sched sched;
    if (!validate(&c, &act, &init, &sched))
        return CLI_USAGE;
    if (cli_parse_only)
        return CLI_OK;

    char path[4096];
    struct nn_meta ck;
    size_t done = 0;
    uint64_t opt_step = 0;
    struct nn_rng rng;
    nn_rng_seed(&rng, c.seed);
    if (c.resume) {
        struct train_cfg cli = c;
        snprintf(path, sizeof path, "%s/checkpoint.safetensors", c.out);
        enum nn_status st = nn_safetensors_read_meta(path, &ck);
        if (st != NN_OK) {
            cli_error(CMD_NAME, "cannot resume from %s: %s (train without --resume first)", path, why(st));
            return CLI_FAIL;
        }
        if (!cfg_from_meta(&c, &ck, &done, &rng, &opt_step)) {
            cli_error(CMD_NAME, "%s is not an actlab checkpoint", path);
            return CLI_FAIL;
        }
        if (resume_conflict(&cli, &c, path))
            return CLI_USAGE;
        if (c.epochs_set)
            c.epochs = cli.epochs;
        if (!validate(&c, &act, &init, &sched))
            return CLI_FAIL; /* a checkpoint with settings this version does not accept */
    }
    nn_set_threads((int)c.threads);
    nn_set_sparse(!c.no_sparse);

    struct nn_dataset train, test;
    int rc = nn_cli_load_data(CMD_NAME, &c.data, &train, &test);
    if (rc != CLI_OK)
        return rc;
    if (c.normalise && !c.resume)
        nn_dataset_stats(&train, &c.mean, &c.std);
    if (c.normalise) {
        nn_dataset_normalise(&train, c.mean, c.std);
        nn_dataset_normalise(&test, c.mean, c.std);
    }

    struct nn_model m;
    struct nn_model_opts mo = {train.shape, train.classes, act, c.prelu_shared, c.batch, 0};
    char err[256];
    enum nn_status st = nn_model_init(&m, c.model, &mo, err, sizeof err);
    struct nn_act_stats stats[NN_MAX_LAYERS];
    size_t nk = 0;
    FILE *csv = NULL;
    struct nn_optim opt;
    nn_optim_init(&opt, !strcmp(c.optim, "adam") ? NN_OPTIM_ADAM : NN_OPTIM_SGD);
    opt.momentum = c.momentum;
    opt.nesterov = c.nesterov;
    opt.skip_nonfinite = c.skip_nonfinite;
    opt.weight_decay = c.weight_decay;
    opt.step = opt_step;
    rc = CLI_FAIL;
    int made_dir = 0, csv_pending = 0; /* a new --out folder / metrics.csv not yet in place */
    char csv_path[4096], csv_tmp[4200];
    if (st != NN_OK) {
        /* too big for this machine (or an allocation failed): a failure; anything else: a bad spec */
        cli_error(CMD_NAME, "%s --model '%s': %s", st == NN_ERR_NO_MEMORY ? "cannot build" : "bad", c.model,
                  err[0] ? err : nn_status_str(st));
        rc = st == NN_ERR_NO_MEMORY ? CLI_FAIL : CLI_USAGE;
        goto data_out;
    }
    nk = nn_model_act_count(&m);
    if (c.resume)
        st = nn_safetensors_load(path, &m, 1);
    else
        st = nn_model_init_weights(&m, init, &rng);
    if (st != NN_OK) {
        cli_error(CMD_NAME, "cannot %s: %s", c.resume ? "load the checkpoint" : "initialise", why(st));
        goto model_out;
    }
    struct stat sb;
    made_dir = stat(c.out, &sb) != 0;
    if (nn_cli_mkdir_p(c.out) != 0) {
        cli_error(CMD_NAME, "cannot create %s: %s (choose a writable --out)", c.out, strerror(errno));
        goto model_out;
    }
    struct nn_meta md;
    if (c.save_init) {
        snprintf(path, sizeof path, "%s/init.safetensors", c.out);
        if (!cfg_to_meta(&c, train.classes, train.shape, 0, &rng, 0, &md) ||
            (st = nn_safetensors_save(path, &m, &md, 0)) != NN_OK) {
            cli_error(CMD_NAME, "cannot write %s: %s", path, why(st));
            goto model_out;
        }
    }
    int tty = isatty(fileno(stderr));
    if (!c.quiet)
        printf("actlab train: %s, act %s, %zu parameters, %zu train / %zu test samples, %s, batch %zu, "
               "%zu thread%s\n",
               c.model, c.act, m.n_params, train.n, test.n, c.optim, c.batch, c.threads, c.threads > 1 ? "s" : "");

    if (c.log_steps) {
        double *losses = calloc(c.log_steps, sizeof *losses);
        struct nn_epoch_result res;
        snprintf(path, sizeof path, "%s/steps.csv", c.out);
        FILE *f = losses ? fopen(path, "w") : NULL;
        if (!f || (st = nn_train_epoch(&m, &opt, &train, c.batch, c.lr, c.shuffle, &rng, NULL, NULL, c.log_steps,
                                       losses, &res)) != NN_OK) {
            cli_error(CMD_NAME, "step log failed: %s", f ? nn_status_str(st) : "cannot write steps.csv");
            if (f) {
                fclose(f);
                unlink(path);
            }
            free(losses);
            goto model_out;
        }
        fprintf(f, "step,loss\n");
        size_t steps = (train.n + c.batch - 1) / c.batch;
        for (size_t s = 0; s < c.log_steps && s < steps; s++)
            fprintf(f, "%zu,%.9g\n", s + 1, losses[s]);
        free(losses);
        if (fclose(f) != 0) {
            cli_error(CMD_NAME, "cannot write %s: %s", path, strerror(errno));
            unlink(path);
            goto model_out;
        }
        if (!c.quiet)
            printf("wrote %s\n", path);
        snprintf(path, sizeof path, "%s/model.safetensors", c.out);
        if (!cfg_to_meta(&c, train.classes, train.shape, 0, &rng, opt.step, &md) ||
            (st = nn_safetensors_save(path, &m, &md, 0)) != NN_OK) {
            cli_error(CMD_NAME, "cannot write %s: %s", path, why(st));
            goto model_out;
        }
        rc = CLI_OK;
        goto model_out;
    }

    snprintf(csv_path, sizeof csv_path, "%s/metrics.csv", c.out);
    snprintf(csv_tmp, sizeof csv_tmp, "%s.tmp.%ld", csv_path, (long)getpid());
    if (!(csv = csv_open(csv_path, csv_tmp, c.resume, done, nk))) {
        cli_error(CMD_NAME, "cannot write %s: %s", csv_path, strerror(errno));
        goto model_out;
    }
    csv_pending = !c.resume;
    if (nn_act_stats_init(&m, stats) != NN_OK) {
        cli_error(CMD_NAME, "out of memory");
        goto model_out;
    }
    for (size_t e = done; e < c.epochs; e++) {
        struct progress p = {tty, c.quiet, e + 1, c.epochs, nn_cli_now(), 0.0};
        struct nn_epoch_result res;
        double lr = nn_sched_lr(&sched, c.lr, e), t0 = nn_cli_now();
        st = nn_train_epoch(&m, &opt, &train, c.batch, lr, c.shuffle, &rng, on_batch, &p, 0, NULL, &res);
        double secs = nn_cli_now() - t0, test_loss, test_acc;
        if (st == NN_OK) {
            nn_act_stats_free(&m, stats);
            st = nn_act_stats_init(&m, stats);
        }
        if (st == NN_OK)
            st = nn_evaluate(&m, &test, c.batch, &test_loss, &test_acc, stats);
        if (st == NN_OK && !isfinite(test_loss)) {
            st = NN_ERR_DIVERGED; /* finite weights, but large enough to overflow the logits */
            res.bad_step = 0;
        }
        if (st == NN_ERR_DIVERGED) {
            char what[96], step[48], last[512];
            if (res.bad_layer >= 0) {
                char name[48];
                nn_param_name((size_t)res.bad_layer, 0, name, sizeof name);
                snprintf(what, sizeof what, "the weights or gradient of layer %s", name);
            } else {
                snprintf(what, sizeof what, "the %s loss", res.bad_step ? "training" : "test");
            }
            if (res.bad_step)
                snprintf(step, sizeof step, "at step %zu", res.bad_step);
            else
                snprintf(step, sizeof step, "after its last step");
            if (e > 0)
                snprintf(last, sizeof last, "the weights after epoch %zu are in %s/checkpoint.safetensors (--resume "
                         "continues from there)", e, c.out);
            else
                snprintf(last, sizeof last, "no epoch finished, so no checkpoint was written");
            if (tty && !c.quiet)
                fprintf(stderr, "\r\033[K");
            cli_error(CMD_NAME, "training diverged in epoch %zu %s: NaN or inf in %s; %s. Try a smaller --lr%s",
                      e + 1, step, what, last, c.skip_nonfinite || !res.bad_step ? "" : ", or --on-nan skip");
            rc = 3;
            goto stats_out;
        }
        if (st != NN_OK) {
            cli_error(CMD_NAME, "epoch %zu failed: %s", e + 1, nn_status_str(st));
            goto stats_out;
        }
        if (res.skipped)
            fprintf(stderr, "actlab train: epoch %zu: skipped %zu step(s) with a NaN or inf loss or gradient (first: step %zu)\n",
                    e + 1, res.skipped, res.bad_step);
        if (tty && !c.quiet)
            fprintf(stderr, "\r\033[K");
        fprintf(csv, "%zu,%.6f,%.6f,%.6f,%.6f,%.3f,%.6g", e + 1, res.loss, res.acc, test_loss, test_acc, secs, lr);
        for (size_t k = 0; k < nk; k++) {
            const struct act_stats *s = &stats[k].st;
            size_t dead = 0;
            for (size_t u = 0; u < stats[k].units; u++)
                dead += !stats[k].alive[u];
            double fin = (double)(s->count - s->nonfinite), mean = fin > 0 ? s->sum / fin : 0.0;
            double var = fin > 0 ? s->sum_sq / fin - mean * mean : 0.0;
            fprintf(csv, ",%.6f,%.6f,%.6g,%.6g,%.6g", s->count ? (double)s->zeros / (double)s->count : 0.0,
                    (double)dead / (double)stats[k].units, mean, var > 0 ? sqrt(var) : 0.0, res.grad_norm[k]);
        }
        fputc('\n', csv);
        if (!csv_row_done(csv, csv_path, csv_tmp, &csv_pending)) {
            cli_error(CMD_NAME, "cannot write %s: %s", csv_path, strerror(errno));
            goto stats_out;
        }
        if (!c.quiet)
            printf("epoch %zu/%zu  train_loss %.4f  train_acc %.4f  test_loss %.4f  test_acc %.4f  %.2fs  "
                   "(%.0f samples/s)\n",
                   e + 1, c.epochs, res.loss, res.acc, test_loss, test_acc, secs, (double)res.samples / secs);
        fflush(stdout);
        int ok = cfg_to_meta(&c, train.classes, train.shape, e + 1, &rng, opt.step, &md);
        snprintf(path, sizeof path, "%s/model.safetensors", c.out);
        if (!ok || (st = nn_safetensors_save(path, &m, &md, 0)) != NN_OK) {
            cli_error(CMD_NAME, "cannot write %s: %s%s", path, why(st), e ? last_good(c.out, e) : "");
            goto stats_out;
        }
        snprintf(path, sizeof path, "%s/checkpoint.safetensors", c.out);
        if ((st = nn_safetensors_save(path, &m, &md, 1)) != NN_OK) {
            cli_error(CMD_NAME, "cannot write %s: %s%s", path, why(st), e ? last_good(c.out, e) : "");
            goto stats_out;
        }
    }
    if (!c.quiet)
        printf("wrote %s/metrics.csv, %s/model.safetensors\n", c.out, c.out);
    rc = CLI_OK;
stats_out:
    nn_act_stats_free(&m, stats);
model_out:
    if (csv)
        fclose(csv);
    if (csv_pending)
        unlink(csv_tmp); /* no epoch finished: no metrics.csv (an older one stays as it was) */
    if (rc != CLI_OK && made_dir)
        rmdir(c.out); /* a folder this run made, if nothing is left in it */
    nn_model_free(&m);
data_out:
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    return rc;
}
