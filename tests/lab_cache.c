/*
 * Saved runs of actlab claims (src/lab/run-file.c), on synthetic runs (no data, no training):
 * a run saved to DIR/runs/<name>.run loads back bit for bit in every field the claims read
 * (NaNs of either sign and with payloads, infinities, -0, subnormals, random bit patterns);
 * every truncation, every single-byte change, trailing bytes and well-checksummed but
 * inconsistent records are rejected; a run of another config, protocol, data or format version
 * never matches; nothing is left behind but the .run file.
 * Usage: lab_cache OUTDIR
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "lab.h"

static struct lab L;
static char path[4096];

/* A --quick-like protocol over a data set of Fashion-MNIST's sizes (no images: only the key
 * reads the lab, and the data's fingerprint is set by hand). */
static void lab_setup(const char *out)
{
    memset(&L, 0, sizeof L);
    L.out = out;
    L.p.seeds = 1;
    L.p.spec[LAB_MLP] = "mlp";
    L.p.spec[LAB_CNN] = "conv:16,k=5,pad=2;act;maxpool:2;flatten;dense:10";
    L.p.train_n[LAB_MLP] = 10000, L.p.train_n[LAB_CNN] = 5000;
    L.p.test_n = 2000;
    L.p.batch = 128, L.p.chunk_steps = 5;
    L.p.momentum = 0.9, L.p.target_err = 0.25;
    L.p.deep_width = 256, L.p.deep_train_n = 5000;
    L.p.probe_n = 2000;
    L.train = (struct nn_dataset){60000, {1, 28, 28}, 10, NULL, NULL};
    L.test = (struct nn_dataset){10000, {1, 28, 28}, 10, NULL, NULL};
    L.data_id = 0x0123456789abcdefull;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return rng_state;
}

static double bits(uint64_t b)
{
    double x;
    memcpy(&x, &b, 8);
    return x;
}

/* Values that do not survive a careless text round trip, then random bit patterns. */
static double nasty(size_t i)
{
    const double v[] = {bits(0x7ff8000000000000ull), bits(0xfff8000000000000ull), bits(0x7ff8000000000123ull),
                        bits(0xfff4000000000001ull) /* signalling, negative */, INFINITY, -INFINITY, -0.0, 0.0,
                        DBL_MIN / 3, DBL_TRUE_MIN, -DBL_MAX, DBL_MAX, 0.1, 1.0 / 3, 2.302585092994046, 1e-300,
                        0.86666666666666667};
    size_t n = sizeof v / sizeof v[0];
    return i < n ? v[i] : bits(rnd());
}

/* A synthetic run of config c: every field filled, values cycling through nasty(). */
static struct lab_run *make_run(const struct lab_run_cfg *c, size_t nepochs, size_t nacts, size_t nchunks, int diverged)
{
    struct lab_run *r = calloc(1, sizeof *r);
    r->cfg = *c;
    lab_run_name(c, r->name, sizeof r->name);
    size_t i = 0;
    r->nepochs = nepochs;
    for (size_t e = 0; e <= nepochs; e++) {
        struct lab_epoch *ep = &r->ep[e];
        ep->nacts = e == 1 ? LAB_MAX_ACTS : nacts;
        ep->train_loss = nasty(i++), ep->train_err = nasty(i++), ep->test_loss = nasty(i++);
        ep->test_acc = nasty(i++), ep->seconds = nasty(i++);
        for (size_t k = 0; k < ep->nacts; k++) {
            ep->sparsity[k] = nasty(i++), ep->dead[k] = nasty(i++), ep->mean[k] = nasty(i++);
            ep->std[k] = nasty(i++), ep->grad_norm[k] = nasty(i++), ep->slope[k] = nasty(i++);
        }
    }
    r->nchunks = nchunks;
    r->chunk_step = malloc((nchunks + 1) * sizeof(double));
    r->chunk_loss = malloc((nchunks + 1) * sizeof(double));
    r->chunk_err = malloc((nchunks + 1) * sizeof(double));
    r->chunk_secs = malloc((nchunks + 1) * sizeof(double));
    for (size_t q = 0; q < nchunks; q++) {
        r->chunk_step[q] = (double)(5 * (q + 1));
        r->chunk_loss[q] = nasty(i++), r->chunk_err[q] = nasty(i++), r->chunk_secs[q] = nasty(i++);
    }
    r->steps_to_target = INFINITY, r->secs_to_target = bits(0xfff8000000000000ull);
    r->diverged = diverged;
    r->train_acc = nasty(i++);
    r->ever_dead = 287, r->revived = 25;
    r->params = 218058;
    return r;
}

static int same_bits(const void *a, const void *b, size_t n)
{
    return !memcmp(a, b, n);
}

/* Every field of two runs, bit for bit (ep[] whole: entries past nepochs and nacts are zero in
 * both); reports the first difference. */
static int same_run(const struct lab_run *a, const struct lab_run *b)
{
    const struct lab_run_cfg *x = &a->cfg, *y = &b->cfg;
    if (x->model != y->model || strcmp(x->act, y->act) || !same_bits(&x->lr, &y->lr, 8) || x->seed != y->seed ||
        x->epochs != y->epochs || x->init != y->init || !same_bits(&x->bias, &y->bias, 8) || x->deep != y->deep ||
        x->depth != y->depth)
        return CHECK(0, "config differs");
    if (strcmp(a->name, b->name))
        return CHECK(0, "name %s vs %s", a->name, b->name);
    if (a->nepochs != b->nepochs || a->nchunks != b->nchunks || a->diverged != b->diverged ||
        a->ever_dead != b->ever_dead || a->revived != b->revived || a->params != b->params)
        return CHECK(0, "counts differ");
    if (!same_bits(&a->steps_to_target, &b->steps_to_target, 8) ||
        !same_bits(&a->secs_to_target, &b->secs_to_target, 8) || !same_bits(&a->train_acc, &b->train_acc, 8))
        return CHECK(0, "steps/secs to target or train_acc differ");
    for (size_t e = 0; e <= LAB_MAX_EPOCHS; e++)
        if (!same_bits(&a->ep[e], &b->ep[e], sizeof a->ep[e]))
            return CHECK(0, "epoch %zu differs", e);
    size_t n = a->nchunks * sizeof(double);
    if (!same_bits(a->chunk_step, b->chunk_step, n) || !same_bits(a->chunk_loss, b->chunk_loss, n) ||
        !same_bits(a->chunk_err, b->chunk_err, n) || !same_bits(a->chunk_secs, b->chunk_secs, n))
        return CHECK(0, "chunk curves differ");
    return 1;
}

static void spit(const char *p, const char *buf, size_t n)
{
    remove(p); /* a new file, not a truncated one: ext4 flushes a truncated-and-rewritten file on close */
    FILE *f = fopen(p, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
}

/* The file's records with `from` replaced by `to` (first occurrence), re-checksummed as the
 * writer would: a file that is whole but says something inconsistent. */
static void spit_edited(const char *p, const char *orig, const char *from, const char *to)
{
    const char *at = strstr(orig, from), *end = strstr(orig, "end fnv1a64=");
    if (!at || !end || at > end) {
        CHECK(0, "test bug: '%s' not in the file", from);
        return;
    }
    size_t n = (size_t)(end - orig) - strlen(from) + strlen(to);
    char *buf = malloc(n + 64);
    size_t pre = (size_t)(at - orig);
    memcpy(buf, orig, pre);
    memcpy(buf + pre, to, strlen(to));
    memcpy(buf + pre + strlen(to), at + strlen(from), (size_t)(end - at) - strlen(from));
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)buf[i]) * 0x100000001b3ull;
    int w = snprintf(buf + n, 64, "end fnv1a64=%016" PRIx64 "\n", h);
    spit(p, buf, n + (size_t)w);
    free(buf);
}

/* Load c; expect a rejection (NULL) whose why contains want (NULL: any non-empty why). */
static void expect_reject(const struct lab_run_cfg *c, const char *want, const char *what)
{
    char why[256];
    struct lab_run *r = lab_run_load(&L, c, why, sizeof why);
    CHECK(r == NULL, "%s: rejected", what);
    CHECK(want ? strstr(why, want) != NULL : why[0] != 0, "%s: why '%s' (want '%s')", what, why, want ? want : "any");
    lab_run_free(r);
}

static void test_roundtrip(const struct lab_run_cfg *c, size_t nepochs, size_t nacts, size_t nchunks, int diverged)
{
    struct lab_run *r = make_run(c, nepochs, nacts, nchunks, diverged);
    CHECK(lab_run_save(&L, r) == 0, "save %s: %s", r->name, L.err);
    char why[256];
    struct lab_run *back = lab_run_load(&L, c, why, sizeof why);
    CHECK(back != NULL, "load %s: %s", r->name, why);
    if (back) {
        CHECK(same_run(r, back), "%s: every field back bit for bit", r->name);
        CHECK(!back->reused, "load leaves reused to the caller");
    }
    /* Saved again from the loaded copy: the same bytes (the format is a function of the run). */
    size_t n1 = 0, n2 = 0;
    snprintf(path, sizeof path, "%s/runs/%s.run", L.out, r->name);
    char *t1 = harness_slurp(path, &n1);
    if (back)
        lab_run_save(&L, back);
    char *t2 = harness_slurp(path, &n2);
    CHECK(t1 && t2 && n1 == n2 && !memcmp(t1, t2, n1), "%s: save(load(save(r))) == save(r)", r->name);
    free(t1);
    free(t2);
    lab_run_free(back);
    lab_run_free(r);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: lab_cache OUTDIR\n");
        return 2;
    }
    char runs[4096], cmd[8192];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", argv[1]);
    if (system(cmd) != 0)
        return 2;
    snprintf(runs, sizeof runs, "%s/runs", argv[1]);
    mkdir(argv[1], 0755);
    mkdir(runs, 0755);
    lab_setup(argv[1]);

    /* Round trips: a finished CNN run, a diverged MLP run, a deep run, a run with no chunks. */
    struct lab_run_cfg cnn = {.model = LAB_CNN, .act = "leaky_relu", .lr = 0.1, .seed = 7, .epochs = 5,
                              .init = NN_INIT_HE_NORMAL, .bias = -1.0};
    struct lab_run_cfg mlp = {.model = LAB_MLP, .act = "prelu", .lr = 0.3, .seed = 2, .epochs = 3};
    struct lab_run_cfg deep = {.model = LAB_MLP, .act = "relu", .lr = 0.01, .seed = 1, .epochs = 1,
                               .init = NN_INIT_XAVIER_UNIFORM, .deep = 1, .depth = 30};
    struct lab_run_cfg none = {.model = LAB_MLP, .act = "elu", .lr = 0.02, .seed = 1, .epochs = 0};
    test_roundtrip(&cnn, 5, 3, 157, 0);
    test_roundtrip(&mlp, 2, 2, 40, 1);
    test_roundtrip(&deep, 1, 30, 8, 0);
    test_roundtrip(&none, 0, 2, 0, 0);

    char why[256];
    struct lab_run_cfg missing = cnn;
    missing.seed = 99;
    CHECK(lab_run_load(&L, &missing, why, sizeof why) == NULL && why[0] == 0, "no file: NULL, empty why ('%s')", why);

    /* The key names every part of the config: a change anywhere gives another key. */
    char k0[4096], k1[4096];
    lab_run_key(&L, &cnn, k0, sizeof k0);
    for (int f = 0; f < 9; f++) {
        struct lab_run_cfg c = cnn;
        switch (f) {
        case 0: c.model = LAB_MLP; break;
        case 1: snprintf(c.act, sizeof c.act, "elu"); break;
        case 2: c.lr = nextafter(c.lr, 1.0); break;
        case 3: c.seed++; break;
        case 4: c.epochs++; break;
        case 5: c.init = NN_INIT_AUTO; break;
        case 6: c.bias = nextafter(c.bias, 0.0); break;
        case 7: c.deep = 1; break;
        default: c.depth = 3; break;
        }
        lab_run_key(&L, &c, k1, sizeof k1);
        CHECK(strcmp(k0, k1) != 0, "config field %d changes the key", f);
    }

    /* A file of the same name but another config or protocol is not used. Names print lr and
     * bias with %g, so lr 0.1 + 1 ulp shares the file name of lr 0.1. */
    struct lab_run_cfg c = cnn;
    c.lr = nextafter(0.1, 1.0);
    expect_reject(&c, "another lr", "lr one ulp away, same file name");
    c = cnn;
    c.bias = nextafter(-1.0, 0.0);
    expect_reject(&c, "another bias", "bias one ulp away, same file name");
    for (int f = 0; f < 10; f++) {
        static const char *const words[10] = {"spec", "train_n", "test_n", "probe_n", "batch", "chunk_steps",
                                              "momentum", "target_err", "data", "data"};
        lab_setup(argv[1]);
        switch (f) {
        case 0: L.p.spec[LAB_CNN] = "cnn"; break;
        case 1: L.p.train_n[LAB_CNN] = 4999; break;
        case 2: L.p.test_n = 0; break;
        case 3: L.p.probe_n = 1000; break;
        case 4: L.p.batch = 64; break;
        case 5: L.p.chunk_steps = 1; break;
        case 6: L.p.momentum = 0.0; break;
        case 7: L.p.target_err = 0.1; break;
        case 8: L.data_id ^= 1; break;
        default: L.train.n = 50000; break;
        }
        char what[64];
        snprintf(what, sizeof what, "protocol change %d (%s)", f, words[f]);
        expect_reject(&cnn, words[f], what);
    }
    lab_setup(argv[1]);
    L.p.deep_width = 128;
    expect_reject(&deep, "spec", "deep width changes the deep run's spec");
    lab_setup(argv[1]);
    struct lab_run *ok = lab_run_load(&L, &cnn, why, sizeof why);
    CHECK(ok != NULL, "rejections leave the file usable: %s", why);
    lab_run_free(ok);

    /* Damage: every truncation, every single-byte change, trailing bytes. */
    snprintf(path, sizeof path, "%s/runs/%s.run", argv[1], "mlp-prelu-lr0.3-s2-e3");
    size_t n = 0;
    char *orig = harness_slurp(path, &n), *buf = malloc(n + 16);
    CHECK(orig && n > 1000, "the diverged run's file (%zu bytes)", n);
    size_t bad = 0, tested = 0;
    for (size_t len = 0; orig && len < n; len++) {
        spit(path, orig, len);
        struct lab_run *r = lab_run_load(&L, &mlp, why, sizeof why);
        bad += r != NULL || !why[0];
        tested++;
        lab_run_free(r);
    }
    CHECK(bad == 0, "all %zu truncations rejected (%zu accepted)", tested, bad);
    bad = tested = 0;
    for (size_t i = 0; orig && i < n; i++) {
        /* Two changes per byte: a low bit, and in turn a case bit, a newline's, the high bit. */
        static const unsigned char subs[4] = {0x01, 0x20, '\n', 0x80};
        for (int s = 0; s < 2; s++) {
            memcpy(buf, orig, n);
            buf[i] = (char)(buf[i] ^ subs[s ? 1 + i % 3 : 0]);
            if (buf[i] == orig[i])
                continue;
            spit(path, buf, n);
            struct lab_run *r = lab_run_load(&L, &mlp, why, sizeof why);
            bad += r != NULL;
            tested++;
            lab_run_free(r);
        }
    }
    CHECK(bad == 0, "all %zu single-byte changes rejected (%zu accepted)", tested, bad);
    if (orig) {
        memcpy(buf, orig, n);
        memcpy(buf + n, "x\n", 2);
        spit(path, buf, n + 2);
        expect_reject(&mlp, "no end line", "trailing bytes");
        spit(path, "", 0);
        expect_reject(&mlp, "no end line", "empty file");
        memcpy(buf, orig, n);
        buf[n / 2] = 0;
        spit(path, buf, n);
        expect_reject(&mlp, NULL, "a NUL byte");
    }

    /* Whole (checksummed) files whose records are inconsistent. */
    static const char *const edits[][2] = {
        {"nepochs=2", "nepochs=4"},           /* more epochs than the config */
        {"nepochs=2", "nepochs=1"},           /* fewer epochs than written */
        {"diverged=1 nepochs=2", "diverged=0 nepochs=2"}, /* finished, but stopped early */
        {"diverged=1", "diverged=2"},
        {"nchunks=40", "nchunks=41"},         /* a chunk missing */
        {"nchunks=40", "nchunks=39"},         /* a record left over */
        {"nchunks=40", "nchunks=18446744073709551615"},
        {"nchunks=40", "nchunks=-1"},
        {"nacts=2", "nacts=65"},
        {"nacts=2", "nacts=3"},
        {"layer=1", "layer=2"},
        {"epoch=1", "epoch=0"},
        {"chunk=3 ", "chunk=4 "},
        {"revived=25", "revived=288"},        /* more revived than ever dead */
        {"ever_dead=287", "ever_dead=287x"},
        {"params=218058", "params="},
        {"train_acc=", "train_acc=1.5x "},
        {"steps_to_target=inf", "steps_to_target=nan:0000000000000001"}, /* a "NaN" that is not one */
        {"steps_to_target=inf", "steps_to_target=nan:7ff8zz0000000001"},
        {"steps_to_target=inf", "steps_to_target=nan(123)"},
        {"steps_to_target=inf", "steps_to_target= inf"},
        {"steps_to_target=inf", "steps_to_target=0x1p3"},   /* strtod would read it; the writer never writes it */
        {"steps_to_target=inf", "steps_to_target=infinity"},
        {"result ", "result  "},
        {" dead=", " Dead="},
        {"secs_to_target=-nan", "secs_to_target=-nan "},
    };
    for (size_t i = 0; orig && i < sizeof edits / sizeof edits[0]; i++) {
        spit_edited(path, orig, edits[i][0], edits[i][1]);
        char what[128];
        snprintf(what, sizeof what, "edit '%s' -> '%s'", edits[i][0], edits[i][1]);
        expect_reject(&mlp, "corrupt", what);
    }
    if (orig) { /* a format version this build does not know */
        spit_edited(path, orig, "actlab-lab-run 1", "actlab-lab-run 2");
        expect_reject(&mlp, "format version", "format version 2");
        spit(path, orig, n);
        struct lab_run *r = lab_run_load(&L, &mlp, why, sizeof why);
        CHECK(r != NULL, "the original file still loads: %s", why);
        lab_run_free(r);
    }
    free(orig);
    free(buf);

    /* A directory where the file should be: rejected, not read. */
    snprintf(path, sizeof path, "%s/runs/mlp-elu-lr0.02-s1.run", argv[1]);
    remove(path);
    mkdir(path, 0755);
    expect_reject(&none, "regular file", "a directory named like the run");

    /* Nothing but *.run (and that directory) is left: no temporary files. */
    DIR *d = opendir(runs);
    size_t stray = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        stray += strstr(e->d_name, ".tmp") != NULL;
    if (d)
        closedir(d);
    CHECK(d && stray == 0, "no temporary files left in %s (%zu)", runs, stray);
    return harness_finish();
}
