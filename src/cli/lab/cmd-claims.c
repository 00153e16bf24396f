/*
 * actlab claims: test the claims of the ReLU article on Fashion-MNIST (src/lab/), print the
 * table claim | measured | reference | verdict, and write DIR/report.md, DIR/claims.csv, the
 * per-run metrics and the plots. Finished runs are saved in DIR/runs/<run>.run and reused by the next
 * `actlab claims` into the same folder (unless --fresh), so a stopped --full resumes.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lab.h"
#include "nn-cli.h"

static const char *CMD_NAME = "claims";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: actlab claims [--quick|--full] [--only LIST] [--seeds N] [--out DIR] [--fresh]\n\n"
            "Tests the claims of the ReLU article on Fashion-MNIST and reports, for each, what was measured, the\n"
            "published reference and a verdict (holds / does not hold / inconclusive) computed by the rule in\n"
            "docs/claims.md. Claims: 1 cheap to compute, 2 faster convergence, 3 sparse activations, 4 no\n"
            "vanishing gradient, 5 non-linearity is needed, 6 dying ReLU, 7 not zero-centred, 8 the variants\n"
            "fix it, 9 CNNs for vision.\n\n"
            "Resumable: each finished training run is saved to DIR/runs/<run>.run, and a later `actlab claims`\n"
            "into the same --out reuses every saved run whose config, protocol, data and engine match (whatever\n"
            "--only selected it), training only the rest. A --full stopped by Ctrl-C, a reboot or a kill loses\n"
            "at most the run in progress: run the same command again to go on (--plan shows what is left).\n"
            "Claim 1's timings are always measured anew. See docs/claims.md, \"over several sittings\".\n\n"
            "  --quick          subsets (MLP 10000, CNN 5000 training images, 2000 test images), a smaller CNN,\n"
            "                   1 seed, 3/2 epochs: about 5 minutes on 2 cores (the default)\n"
            "  --full           all 60000/10000 images, the cnn preset, 3 seeds, 15/8 epochs: 12-15 hours\n"
            "  --only LIST      claims to run, e.g. 3,6 or 2-5 (default: all)\n"
            "  --seeds N        seeds per configuration (1..%d; default 1 quick, 3 full)\n"
            "  --out DIR        output folder (default claims-out); saved runs are looked up in DIR/runs\n"
            "  --fresh          ignore saved runs: train every run again (and overwrite the saved ones)\n"
            "  --data DIR       MNIST-format folder (default %s)\n"
            "  --threads N      engine and BLAS threads (default: all cores)\n"
            "  --train-limit N  at most N training images for every run   --test-limit N  likewise for test\n"
            "  --epochs N       epochs of every training run (the protocol's otherwise)\n"
            "                   (these three shrink a run for smoke tests; the report says what was used)\n"
            "  --plan           only count the training runs and multiply-adds the claims would take\n",
            LAB_MAX_SEEDS, NN_FASHION_MNIST_DIR);
}

struct opts {
    int full, plan, fresh, only[LAB_NCLAIMS + 1];
    size_t seeds, threads, train_limit, test_limit, epochs;
    const char *out, *data;
};

/* Parse "3,6" or "2-5,8" into o->only. */
static int parse_only(const char *s, struct opts *o)
{
    const char *p = s;
    while (*p) {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (end == p)
            return 0;
        p = end;
        if (*p == '-') {
            b = strtol(p + 1, &end, 10);
            if (end == p + 1)
                return 0;
            p = end;
        }
        if (a < 1 || b > LAB_NCLAIMS || a > b)
            return 0;
        for (long i = a; i <= b; i++)
            o->only[i] = 1;
        if (*p == ',')
            p++;
        else if (*p)
            return 0;
    }
    return p != s;
}

static int parse(int argc, char **argv, struct opts *o)
{
    int mode = 0, only = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = 1, takes = 1;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        } else if (!strcmp(a, "--quick") || !strcmp(a, "--full")) {
            if (mode && o->full != !strcmp(a, "--full")) {
                cli_error(CMD_NAME, "--quick and --full exclude each other");
                return CLI_USAGE;
            }
            o->full = !strcmp(a, "--full");
            mode = 1;
            takes = 0;
        } else if (!strcmp(a, "--plan")) {
            o->plan = 1;
            takes = 0;
        } else if (!strcmp(a, "--fresh")) {
            o->fresh = 1;
            takes = 0;
        } else if (!strcmp(a, "--only")) {
            if (v && !(only = parse_only(v, o))) {
                cli_error(CMD_NAME, "--only wants claim numbers 1..%d such as 3,6 or 2-5, not '%s'", LAB_NCLAIMS, v);
                return CLI_USAGE;
            }
        } else if (!strcmp(a, "--seeds")) {
            ok = nn_cli_size(CMD_NAME, a, v, &o->seeds);
            if (ok && o->seeds > LAB_MAX_SEEDS) {
                cli_error(CMD_NAME, "--seeds is at most %d", LAB_MAX_SEEDS);
                return CLI_USAGE;
            }
        } else if (!strcmp(a, "--out")) o->out = v;
        else if (!strcmp(a, "--data")) o->data = v;
        else if (!strcmp(a, "--threads")) ok = nn_cli_size(CMD_NAME, a, v, &o->threads);
        else if (!strcmp(a, "--train-limit")) ok = nn_cli_size(CMD_NAME, a, v, &o->train_limit);
        else if (!strcmp(a, "--test-limit")) ok = nn_cli_size(CMD_NAME, a, v, &o->test_limit);
        else if (!strcmp(a, "--epochs")) {
            ok = nn_cli_size(CMD_NAME, a, v, &o->epochs);
            if (ok && o->epochs > LAB_MAX_EPOCHS) {
                cli_error(CMD_NAME, "--epochs is at most %d", LAB_MAX_EPOCHS);
                return CLI_USAGE;
            }
        } else {
            cli_error(CMD_NAME, "unknown option '%s' (actlab claims --help lists them)", a);
            return CLI_USAGE;
        }
        if (takes && !v) {
            cli_error(CMD_NAME, "%s needs a value (actlab claims --help)", a);
            return CLI_USAGE;
        }
        if (!ok)
            return CLI_USAGE;
        i += takes;
    }
    if (!only)
        for (int i = 1; i <= LAB_NCLAIMS; i++)
            o->only[i] = 1;
    return CLI_OK;
}

/* ---- progress ---- */

struct display {
    int tty;
    double last;
    char shown[256];
};

static void fmt_secs(double s, char *buf, size_t len)
{
    if (!(s >= 0) || s > 1e7)
        snprintf(buf, len, "?");
    else if (s >= 3600)
        snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else if (s >= 60)
        snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(buf, len, "%.0fs", s);
}

static void on_progress(void *ctx, const struct lab_progress *p)
{
    struct display *d = ctx;
    double frac = p->total > 0 ? fmin(p->done / p->total, 1.0) : 0.0;
    char eta[32], el[32];
    fmt_secs(p->done > 0 ? p->work_elapsed * (p->total - p->done) / p->done : -1, eta, sizeof eta);
    fmt_secs(p->elapsed, el, sizeof el);
    if (d->tty) {
        if (p->elapsed - d->last < 0.2)
            return;
        d->last = p->elapsed;
        fprintf(stderr, "\r\033[K[claim %d] %.60s  %3.0f%%  %s elapsed, ETA %s", p->claim, p->what, 100 * frac, el, eta);
        fflush(stderr);
        return;
    }
    /* Plain lines: one per run and epoch (what changes), not per chunk. */
    if (!strcmp(d->shown, p->what))
        return;
    snprintf(d->shown, sizeof d->shown, "%s", p->what);
    fprintf(stderr, "claims: [claim %d] %s (%.0f%%, %s elapsed, ETA %s)\n", p->claim, p->what, 100 * frac, el, eta);
}

static void print_table(const struct lab_result *r, size_t n)
{
    printf("| claim | measured | reference | verdict |\n|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++)
        printf("| %d. %s | %s | %s | %s |\n", r[i].id, r[i].title, r[i].measured, r[i].reference,
               lab_verdict_str(r[i].verdict));
}

int cmd_claims(int argc, char **argv)
{
    struct opts o = {.out = "claims-out"};
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o.threads = ncpu > 0 ? (size_t)ncpu : 1;
    int rc = parse(argc, argv, &o);
    if (rc != CLI_OK || cli_parse_only)
        return rc < 0 ? CLI_OK : rc;

    struct lab_protocol p;
    lab_protocol_init(&p, o.full, o.seeds);
    if (o.train_limit) {
        for (int m = 0; m < LAB_NMODELS; m++)
            p.train_n[m] = p.train_n[m] && p.train_n[m] < o.train_limit ? p.train_n[m] : o.train_limit;
        p.deep_train_n = p.deep_train_n && p.deep_train_n < o.train_limit ? p.deep_train_n : o.train_limit;
    }
    if (o.test_limit)
        p.test_n = p.test_n && p.test_n < o.test_limit ? p.test_n : o.test_limit;
    if (o.epochs)
        for (int m = 0; m < LAB_NMODELS; m++)
            p.epochs[m] = p.grid_epochs[m] = o.epochs;
    nn_set_threads((int)o.threads);

    struct nn_cli_data data = {o.data, NULL, 0, 0};
    struct nn_dataset train, test;
    if ((rc = nn_cli_load_data(CMD_NAME, &data, &train, &test)) != CLI_OK)
        return rc;
    /* Reduced: a limit or --epochs made the runs smaller than the mode's own (claim 9 and the
     * report's header say so); a limit at or above the data's size, or more epochs, is not. */
    struct lab_protocol base;
    lab_protocol_init(&base, o.full, o.seeds);
    p.reduced = (o.train_limit && o.train_limit < train.n) || (o.test_limit && o.test_limit < test.n);
    for (int m = 0; m < LAB_NMODELS; m++)
        p.reduced |= o.epochs && (o.epochs < base.epochs[m] || o.epochs < base.grid_epochs[m]);
    static struct lab L; /* large (the memo of runs hangs off it): keep it off the stack */
    if (lab_init(&L, &p, &train, &test, o.out) != NN_OK) {
        cli_error(CMD_NAME, "%s", L.err);
        lab_free(&L);
        return CLI_FAIL;
    }
    struct display disp = {isatty(fileno(stderr)), -1.0, ""};
    L.progress = on_progress;
    L.progress_ctx = &disp;
    L.fresh = o.fresh;

    /* Planning pass: the same claims with runs only counted, for the ETA. Saved runs are loaded
     * (their learning-rate searches then pick the real main runs) and not counted as work. */
    static struct lab_result res[LAB_NCLAIMS];
    L.dry = 1;
    for (int id = 1; id <= LAB_NCLAIMS; id++)
        if (o.only[id] && lab_claim_run(&L, id, &res[0]) != 0) {
            cli_error(CMD_NAME, "claim %d: %s", id, L.err);
            lab_free(&L);
            return CLI_FAIL;
        }
    if (o.plan) {
        if (o.fresh)
            printf("%zu training runs (--fresh: saved runs not used)", L.nruns);
        else
            printf("%zu training runs, %zu of them saved in %s/runs by an earlier sitting", L.nruns, L.plan_reused, o.out);
        printf("; %.3g multiply-adds to train (a training image counts 3 forward passes)\n", L.planned);
        lab_free(&L);
        return CLI_OK;
    }
    size_t planned_runs = L.nruns, saved_runs = L.plan_reused;
    lab_forget_runs(&L);
    L.dry = 0;
    fprintf(stderr, "actlab claims: %s mode, %zu seed(s), output in %s/%s\n", p.full ? "full" : "quick", p.seeds, o.out,
            L.gnuplot ? "" : " (gnuplot not found: no plots; apt-get install gnuplot-nox)");
    if (saved_runs)
        fprintf(stderr, "actlab claims: resuming: %zu of %zu training runs were saved by an earlier sitting in %s/runs "
                        "and are reused (--fresh trains them again)\n", saved_runs, planned_runs, o.out);

    double t0 = nn_cli_now();
    size_t n = 0;
    rc = CLI_OK;
    for (int id = 1; id <= LAB_NCLAIMS; id++) {
        if (!o.only[id])
            continue;
        if (lab_claim_run(&L, id, &res[n]) != 0) {
            if (disp.tty)
                fprintf(stderr, "\r\033[K");
            cli_error(CMD_NAME, "claim %d (%s) failed: %s", id, lab_claim_title(id), L.err);
            rc = CLI_FAIL;
            break;
        }
        if (disp.tty)
            fprintf(stderr, "\r\033[K");
        fprintf(stderr, "actlab claims: claim %d, %s: %s (%.0f s so far; runs: %zu trained, %zu reused)\n", id,
                res[n].title, lab_verdict_str(res[n].verdict), nn_cli_now() - t0, L.nruns - L.nreused, L.nreused);
        n++;
    }
    double secs = nn_cli_now() - t0;
    if (rc == CLI_OK) {
        char cmdline[1024];
        size_t used = 0;
        cmdline[0] = 0;
        for (int i = -1; i < argc && used < sizeof cmdline; i++)
            used += (size_t)snprintf(cmdline + used, sizeof cmdline - used, "%s%s", i < 0 ? "actlab" : " ",
                                     i < 0 ? "" : argv[i]);
        if (lab_report_write(&L, res, n, cmdline, secs) != 0) {
            cli_error(CMD_NAME, "%s", L.err);
            rc = CLI_FAIL;
        } else {
            print_table(res, n);
            printf("\nwall time %.0f s; training runs: %zu trained in this sitting, %zu reused from an earlier "
                   "sitting; report: %s/report.md, table: %s/claims.csv\n",
                   secs, L.nruns - L.nreused, L.nreused, o.out, o.out);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(res[i].section);
    lab_free(&L);
    return rc;
}
