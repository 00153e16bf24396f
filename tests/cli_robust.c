/*
 * The actlab command under bad input and faults, run as a user runs it (fork + exec, no shell):
 *   - every kind of bad flag or spec is a usage error (exit 2) with a message saying what is wrong;
 *   - missing, truncated, corrupt and wrong-shaped data and model files are failures (exit 1) with
 *     the file and the reason; nothing half-written is left behind;
 *   - resuming with another model spec is refused;
 *   - a full disk (RLIMIT_FSIZE, SIGXFSZ ignored: writes fail with EFBIG) fails the save with the
 *     reason, keeps the last checkpoint, and --resume from it ends bit-identical to a clean run;
 *   - out of memory (RLIMIT_AS; not under the sanitizers, which reserve terabytes) is an error;
 *   - SIGKILL at random moments, then --resume, again and again: the run ends bit-identical
 *     (model.safetensors and metrics.csv but its seconds column) to an uninterrupted run.
 * usage: cli_robust ACTLAB [--no-rlimit-as]. Needs Fashion-MNIST for the training cases (skipped
 * without it); the bad files are made here.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "actlab/nn.h"
#include "harness.h"

#define DIR "cli_robust_out"
#define MAX_ARGS 48

static const char *g_actlab;
static int g_rlimit_as = 1, g_have_data;

struct limits {
    rlim_t fsize; /* bytes per file (0: no limit) */
    rlim_t as;    /* address space (0: no limit) */
};

/* Every run gets at most this much CPU time: a hang fails the test instead of stalling CI. */
#define CPU_SECONDS 120

/* The last run's exit code (128 + signal if killed) and its stderr. */
static int g_rc;
static char g_err[16384];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Start actlab with the NULL-terminated args (after the program name); stdout to /dev/null, stderr
 * to DIR/stderr.txt. Returns the pid. */
static pid_t spawn(const struct limits *lim, const char *const *args)
{
    const char *argv[MAX_ARGS + 2] = {g_actlab};
    size_t n = 1;
    for (; args[n - 1] && n < MAX_ARGS + 1; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        int out = open("/dev/null", O_WRONLY), err = open(DIR "/stderr.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || err < 0)
            _exit(120);
        dup2(out, 1);
        dup2(err, 2);
        struct rlimit cpu = {CPU_SECONDS, CPU_SECONDS};
        setrlimit(RLIMIT_CPU, &cpu);
        if (lim && lim->fsize) {
            struct rlimit r = {lim->fsize, lim->fsize};
            signal(SIGXFSZ, SIG_IGN); /* ignored signals stay ignored across exec: writes fail with EFBIG */
            setrlimit(RLIMIT_FSIZE, &r);
        }
        if (lim && lim->as) {
            struct rlimit r = {lim->as, lim->as};
            setrlimit(RLIMIT_AS, &r);
        }
        execv(g_actlab, (char *const *)argv);
        _exit(121);
    }
    return pid;
}

static void reap(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    g_rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    g_err[0] = 0;
    FILE *f = fopen(DIR "/stderr.txt", "r");
    if (f) {
        size_t n = fread(g_err, 1, sizeof g_err - 1, f);
        g_err[n] = 0;
        fclose(f);
    }
}

static int run_lim(const struct limits *lim, const char *const *args)
{
    pid_t pid = spawn(lim, args);
    if (pid < 0) {
        g_rc = -1;
        return -1;
    }
    reap(pid);
    return g_rc;
}

#define RUN(...) run_lim(NULL, (const char *const[]){__VA_ARGS__, NULL})
#define RUN_LIM(lim, ...) run_lim(lim, (const char *const[]){__VA_ARGS__, NULL})

/* The last run exited with want and its stderr has every one of the NULL-terminated strings. */
static void expect(int want, const char *what, ...)
{
    va_list ap;
    va_start(ap, what);
    int ok = g_rc == want;
    const char *missing = NULL;
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
        if (!strstr(g_err, s) && !missing)
            missing = s, ok = 0;
    va_end(ap);
    CHECK(ok, "%s: exit %d (want %d)%s%s%s; stderr:\n%s", what, g_rc, want, missing ? ", stderr lacks '" : "",
          missing ? missing : "", missing ? "'" : "", g_err);
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* metrics.csv without its 6th column (seconds: wall time differs between runs). */
static int same_metrics(const char *a, const char *b)
{
    char *t[2];
    const char *p[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        size_t len;
        char *s = harness_slurp(p[k], &len);
        t[k] = s;
        if (!s)
            continue;
        char *o = s;
        int col = 0;
        for (char *c = s; *c; c++) {
            if (*c == '\n')
                col = 0;
            else if (*c == ',')
                col++;
            if (col != 5)
                *o++ = *c;
        }
        *o = 0;
    }
    int same = t[0] && t[1] && strchr(t[0], '\n') && !strcmp(t[0], t[1]);
    free(t[0]);
    free(t[1]);
    return same;
}

static void write_bytes(const char *path, const void *buf, size_t len, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        if (f) {
            gzwrite(f, buf, (unsigned)len);
            gzclose(f);
        }
    } else {
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(buf, 1, len, f);
            fclose(f);
        }
    }
}

/* An MNIST-format folder of n 28x28 images (train and test alike), made to be broken:
 * flaw 0 none, 1 images cut short, 2 wrong magic, 3 fewer labels than images. */
static void make_mnist(const char *dir, size_t n, int flaw)
{
    mkdir(dir, 0755);
    size_t len = 16 + n * 784;
    unsigned char *img = calloc(len, 1), lab[8 + 4096];
    if (!img || n > 4096)
        abort();
    unsigned char hdr[16] = {0, 0, 8, 3, (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                             (unsigned char)n, 0, 0, 0, 28, 0, 0, 0, 28};
    memcpy(img, hdr, 16);
    unsigned char lhdr[8] = {0, 0, 8, 1, (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                             (unsigned char)n};
    memcpy(lab, lhdr, 8);
    for (size_t i = 0; i < n; i++) {
        lab[8 + i] = (unsigned char)(i % 10);
        for (size_t p = 0; p < 784; p++)
            img[16 + i * 784 + p] = (unsigned char)((p * 7 + i * 13) % 256);
    }
    if (flaw == 2)
        img[2] = 9; /* no such IDX type */
    size_t ilen = flaw == 1 ? len - 100 : len, llen = flaw == 3 ? 8 + n - 1 : 8 + n;
    if (flaw == 3)
        lab[7] = (unsigned char)n; /* the header still says n */
    static const char *const names[4] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
    char path[512];
    for (int k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        write_bytes(path, k % 2 ? (const void *)lab : img, k % 2 ? llen : ilen, 1);
    }
    free(img);
}

/* A float32 NPY file of the given shape with values v(i). */
static void make_npy(const char *path, size_t d0, size_t d1, float (*v)(size_t))
{
    char hdr[128];
    int hl = d1 ? snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }", d0, d1)
                : snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu,), }", d0);
    size_t total = 10 + (size_t)hl + 1, pad = (64 - total % 64) % 64;
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    unsigned short hlen = (unsigned short)(hl + 1 + pad);
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc(hlen & 0xff, f);
    fputc(hlen >> 8, f);
    fwrite(hdr, 1, (size_t)hl, f);
    for (size_t i = 0; i < pad; i++)
        fputc(' ', f);
    fputc('\n', f);
    size_t count = d0 * (d1 ? d1 : 1);
    for (size_t i = 0; i < count; i++) {
        float x = v(i);
        fwrite(&x, 4, 1, f);
    }
    fclose(f);
}

static float v_pixel(size_t i) { return (float)((i * 37) % 256); }
static float v_label(size_t i) { return (float)(i % 10); }
static float v_label_half(size_t i) { return i == 5 ? 3.5f : (float)(i % 10); }
static float v_label_big(size_t i) { return i == 5 ? 12.0f : (float)(i % 10); }

/* ---- usage errors: exit 2, a message naming the problem ------------------------------------- */

static void test_usage(void)
{
    RUN(NULL);
    expect(2, "no command", "usage: actlab", NULL);
    RUN("nosuch");
    expect(2, "unknown command", "unknown command 'nosuch'", NULL);
    RUN("list", "extra");
    expect(2, "list with an argument", "unexpected argument 'extra'", NULL);
    RUN("info", "--x");
    expect(2, "info with an argument", "unexpected argument '--x'", NULL);
    RUN("eval", "nosuch", "1");
    expect(2, "eval, unknown activation", "invalid activation spec 'nosuch'", NULL);
    RUN("eval", "relu", "1x");
    expect(2, "eval, not a number", "'1x' is not a number", NULL);
    RUN("eval", "leaky_relu:slope=abc", "1");
    expect(2, "eval, malformed parameter", "invalid activation spec", NULL);
    RUN("bench", "--sizes", "L9");
    expect(2, "bench, bad size", "L9", NULL);
    RUN("bench", "--ops", "nosuch");
    expect(2, "bench, bad op", "nosuch", NULL);
    RUN("bench", "--threads", "0");
    expect(2, "bench, zero threads", "--threads", NULL);
    RUN("bench", "--runs");
    expect(2, "bench, flag without value", "--runs", NULL);
    RUN("bench", "--bogus");
    expect(2, "bench, unknown flag", "--bogus", NULL);

    static const char *const bad_train[][4] = {
        {"--bogus", NULL, "unknown option '--bogus'", NULL},
        {"--epochs", NULL, "--epochs needs a value", NULL},
        {"--epochs", "abc", "--epochs wants a positive integer, not 'abc'", NULL},
        {"--epochs", "0", "--epochs wants a positive integer", NULL},
        {"--epochs", "-3", "--epochs wants a positive integer", NULL},
        {"--batch", "99999999999999999999999", "--batch wants a positive integer", NULL},
        {"--lr", "nan", "--lr wants a non-negative number, not 'nan'", NULL},
        {"--lr", "-1", "--lr wants a non-negative number", NULL},
        {"--lr", "1e999", "--lr wants a non-negative number", NULL},
        {"--act", "nosuch", "bad --act 'nosuch'", NULL},
        {"--act", "elu:alpha=x", "bad --act 'elu:alpha=x'", NULL},
        {"--optim", "rmsprop", "--optim is sgd or adam, not 'rmsprop'", NULL},
        {"--schedule", "sometimes", "bad --schedule 'sometimes'", NULL},
        {"--schedule", "step:every=1e300", "bad --schedule 'step:every=1e300'", NULL}, /* a fuzzer finding */
        {"--init", "magic", "bad --init 'magic'", NULL},
        {"--on-nan", "maybe", "--on-nan takes stop or skip", NULL},
    };
    for (size_t i = 0; i < sizeof bad_train / sizeof bad_train[0]; i++) {
        const char *const *c = bad_train[i];
        if (c[1])
            RUN("train", c[0], c[1], "--out", DIR "/never");
        else
            RUN("train", "--out", DIR "/never", c[0]);
        expect(2, c[0], c[2], NULL);
    }
    RUN("train", "--nesterov", "--momentum", "0", "--out", DIR "/never");
    expect(2, "--nesterov without momentum", "--nesterov needs --momentum > 0", NULL);
    CHECK(!exists(DIR "/never"), "usage errors create no output folder");

    RUN("claims", "--only", "12");
    expect(2, "claims, no such claim", "12", NULL);
    RUN("claims", "--seeds", "x");
    expect(2, "claims, bad seeds", "--seeds", NULL);
    RUN("claims", "--bogus");
    expect(2, "claims, unknown flag", "--bogus", NULL);
    RUN("evaluate");
    expect(2, "evaluate without a model", "which model?", NULL);
    RUN("evaluate", "a", "b");
    expect(2, "evaluate with two models", "one model at a time", NULL);
    RUN("evaluate", "m.safetensors", "--threads", "x");
    expect(2, "evaluate, bad threads", "--threads wants a positive integer", NULL);
    RUN("export-torch");
    expect(2, "export-torch without a model", "usage: actlab export-torch", NULL);
}

/* ---- bad files: exit 1, the file and the reason; no output left ------------------------------ */

static void test_files(void)
{
    make_mnist(DIR "/ok", 200, 0);
    make_mnist(DIR "/cut", 200, 1);
    make_mnist(DIR "/magic", 200, 2);
    make_mnist(DIR "/labels", 200, 3);
    const char *tiny[] = {"--model", "flatten;dense:16;act;dense:10", "--epochs", "1", "--threads", "1", "--quiet"};
#define TINY tiny[0], tiny[1], tiny[2], tiny[3], tiny[4], tiny[5], tiny[6]

    RUN("train", TINY, "--data", DIR "/missing", "--out", DIR "/o1");
    expect(1, "missing data folder", "cannot load " DIR "/missing: No such file or directory",
           "train-images-idx3-ubyte", NULL);
    RUN("train", TINY, "--data", DIR "/cut", "--out", DIR "/o1");
    expect(1, "truncated images", "cannot load " DIR "/cut", "truncated", NULL);
    RUN("train", TINY, "--data", DIR "/magic", "--out", DIR "/o1");
    expect(1, "wrong magic", "cannot load " DIR "/magic", NULL);
    RUN("train", TINY, "--data", DIR "/labels", "--out", DIR "/o1");
    expect(1, "fewer labels than images", "cannot load " DIR "/labels", NULL);
    CHECK(!exists(DIR "/o1"), "failed runs leave no output folder");

    /* a model that cannot take the data: 10 features into a CNN */
    make_npy(DIR "/x10.npy", 70, 10, v_pixel);
    make_npy(DIR "/y.npy", 70, 0, v_label);
    make_npy(DIR "/yhalf.npy", 70, 0, v_label_half);
    make_npy(DIR "/ybig.npy", 70, 0, v_label_big);
    RUN("train", "--model", "cnn", "--data-npy", DIR "/x10.npy," DIR "/y.npy", "--out", DIR "/o2", "--quiet");
    expect(2, "image size that does not fit the model", "bad --model 'cnn'", NULL);
    RUN("train", TINY, "--data-npy", DIR "/x10.npy," DIR "/yhalf.npy", "--out", DIR "/o2");
    expect(1, "a label that is not an integer", "cannot load " DIR "/x10.npy", NULL);
    RUN("train", TINY, "--data-npy", DIR "/x10.npy", "--out", DIR "/o2");
    expect(2, "--data-npy with one file", "--data-npy wants X.npy,Y.npy", NULL);
    RUN("train", TINY, "--data-npy", DIR "/nope.npy," DIR "/y.npy", "--out", DIR "/o2");
    expect(1, "missing NPY", "cannot load " DIR "/nope.npy: No such file or directory", NULL);
    CHECK(!exists(DIR "/o2"), "failed runs leave no output folder (NPY)");

    /* an unwritable output folder (a path through a regular file: root cannot write there either) */
    write_bytes(DIR "/file", "x", 1, 0);
    RUN("train", TINY, "--data", DIR "/ok", "--out", DIR "/file/out");
    expect(1, "unwritable --out", "cannot create " DIR "/file/out: Not a directory", NULL);

    /* a good model, then broken copies of it */
    RUN("train", TINY, "--data", DIR "/ok", "--out", DIR "/m");
    expect(0, "tiny training on the synthetic folder", NULL);
    size_t len = 0;
    char *m = harness_slurp(DIR "/m/model.safetensors", &len);
    CHECK(m && len > 64, "model.safetensors written");
    if (m && len > 64) {
        m[len - 3] ^= 0x40; /* a flipped bit in the weights: the CRC catches it */
        write_bytes(DIR "/flip.safetensors", m, len, 0);
        m[len - 3] ^= 0x40;
        write_bytes(DIR "/cut.safetensors", m, len / 2, 0);
        write_bytes(DIR "/garbage.safetensors", "\xff\xff\xff\xff\xff\xff\xff\x7fhello", 13, 0);
    }
    free(m);
    RUN("evaluate", DIR "/flip.safetensors", "--data", DIR "/ok");
    expect(1, "evaluate, flipped bit", DIR "/flip.safetensors", NULL);
    RUN("evaluate", DIR "/cut.safetensors", "--data", DIR "/ok");
    expect(1, "evaluate, truncated model", DIR "/cut.safetensors", NULL);
    RUN("evaluate", DIR "/garbage.safetensors", "--data", DIR "/ok");
    expect(1, "evaluate, not a safetensors file", DIR "/garbage.safetensors", NULL);
    RUN("evaluate", DIR "/none.safetensors");
    expect(1, "evaluate, missing model", DIR "/none.safetensors", NULL);
    RUN("export-torch", DIR "/flip.safetensors");
    expect(1, "export-torch, flipped bit", DIR "/flip.safetensors", NULL);
    RUN("evaluate", DIR "/m/model.safetensors", "--data-npy", DIR "/x10.npy," DIR "/y.npy");
    expect(1, "evaluate on data of another size", "does not fit the model", NULL);
    make_npy(DIR "/x784.npy", 70, 784, v_pixel);
    RUN("evaluate", DIR "/m/model.safetensors", "--data-npy", DIR "/x784.npy," DIR "/ybig.npy");
    expect(1, "evaluate with a label beyond the model's classes", "does not fit the model", NULL);
    RUN("evaluate", DIR "/m/model.safetensors", "--data-npy", DIR "/x784.npy," DIR "/y.npy");
    expect(0, "evaluate on fitting NPY data", NULL);

    /* resume: without a checkpoint; with another model spec or activation */
    RUN("train", TINY, "--resume", "--data", DIR "/ok", "--out", DIR "/nockpt");
    expect(1, "--resume without a checkpoint", "cannot resume from " DIR "/nockpt/checkpoint.safetensors",
           "train without --resume first", NULL);
    RUN("train", "--resume", "--model", "cnn", "--out", DIR "/m", "--epochs", "2");
    expect(2, "--resume with another model", "--model cnn", "has model flatten;dense:16;act;dense:10", NULL);
    RUN("train", "--resume", "--act", "tanh", "--out", DIR "/m", "--epochs", "2");
    expect(2, "--resume with another activation", "--act tanh", "has act relu", NULL);
    RUN("train", "--resume", "--act", "relu", "--model", "flatten;dense:16;act;dense:10", "--out", DIR "/m",
        "--epochs", "2", "--quiet", "--threads", "1");
    expect(0, "--resume repeating the same settings", NULL);
    RUN("train", TINY, "--data", DIR "/ok", "--batch", "4611686018427387904", "--out", DIR "/o3");
    expect(1, "a batch whose byte count overflows", "cannot build --model", "GiB", NULL);
    CHECK(!exists(DIR "/o3"), "no folder after a size overflow");
#undef TINY
}

/* ---- faults during training (real data) --------------------------------------------------- */

static const char *const SMALL[] = {"train", "--model", "flatten;dense:64;act;dense:10", "--train-limit", "3000",
                                    "--test-limit", "500", "--threads", "1", "--quiet", "--seed", "3", "--batch", "50"};
#define SMALL_ARGS SMALL[0], SMALL[1], SMALL[2], SMALL[3], SMALL[4], SMALL[5], SMALL[6], SMALL[7], SMALL[8], \
    SMALL[9], SMALL[10], SMALL[11], SMALL[12], SMALL[13]

static void test_full_disk(void)
{
    RUN(SMALL_ARGS, "--epochs", "3", "--out", DIR "/ref3");
    expect(0, "reference run, 3 epochs", NULL);
    RUN(SMALL_ARGS, "--epochs", "1", "--out", DIR "/disk");
    expect(0, "first epoch", NULL);
    size_t len = 0, len2 = 0;
    char *before = harness_slurp(DIR "/disk/checkpoint.safetensors", &len);
    /* files may grow to 60% of the checkpoint: metrics.csv and model.safetensors (about half of it:
     * no optimizer state) fit, the checkpoint does not */
    struct limits lim = {(rlim_t)(len * 6 / 10), 0};
    RUN_LIM(&lim, "train", "--resume", "--epochs", "3", "--out", DIR "/disk", "--quiet", "--threads", "1");
    expect(1, "a full disk while saving", "cannot write " DIR "/disk/checkpoint.safetensors: File too large",
           "the checkpoint of epoch 1 in " DIR "/disk is intact", NULL);
    char *after = harness_slurp(DIR "/disk/checkpoint.safetensors", &len2);
    CHECK(before && after && len == len2 && !memcmp(before, after, len),
          "the failed save left the checkpoint as it was (%zu -> %zu bytes)", len, len2);
    free(before);
    free(after);
    RUN("train", "--resume", "--epochs", "3", "--out", DIR "/disk", "--quiet", "--threads", "1");
    expect(0, "resume once there is space", NULL);
    CHECK(harness_same_file(DIR "/ref3/model.safetensors", DIR "/disk/model.safetensors"),
          "after the full disk, resume ends with the same model as an uninterrupted run");
    CHECK(same_metrics(DIR "/ref3/metrics.csv", DIR "/disk/metrics.csv"),
          "after the full disk, resume ends with the same metrics");
}

static void test_oom(void)
{
    if (!g_rlimit_as) {
        harness_skip(1, "RLIMIT_AS test skipped (sanitizer build)");
        return;
    }
    /* 1 GiB of address space: enough for the program, OpenBLAS's buffers and the data, not for a
     * 78M-parameter model (weights, gradients and momentum: 0.9 GiB). (A tighter limit makes
     * OpenBLAS 0.3.21's worker thread retry its start-up allocation forever: its bug, not tested.) */
    struct limits lim = {0, (rlim_t)1 << 30};
    RUN_LIM(&lim, "train", "--model", "flatten;dense:100000;act;dense:10", "--train-limit", "1000", "--test-limit",
            "100", "--epochs", "1", "--threads", "1", "--quiet", "--out", DIR "/oom");
    expect(1, "out of memory", "out of memory", NULL);
    CHECK(!exists(DIR "/oom"), "no folder after running out of memory");
}

/* The inode of the killed run's checkpoint (each save renames a new file over it), 0 if none. */
static ino_t ckpt_ino(void)
{
    struct stat sb;
    return stat(DIR "/kill/checkpoint.safetensors", &sb) == 0 ? sb.st_ino : 0;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* SIGKILL at random moments, --resume after each, until the run completes. Odd attempts are killed
 * blind (a random time after the start: in start-up, training, evaluation or a save); even ones a
 * random fraction of an epoch after their first new checkpoint, so the run always gets on, whatever
 * the machine's speed. */
static void test_kill_resume(void)
{
    double t0 = now();
    RUN(SMALL_ARGS, "--epochs", "10", "--out", DIR "/ref");
    expect(0, "uninterrupted run, 10 epochs", NULL);
    double total = now() - t0;
    unsigned seed = 12345;
    int kills = 0, attempts = 0, done = 0, resumed_kills = 0;
    for (; attempts < 40 && !done; attempts++) {
        ino_t start = ckpt_ino();
        int resume = start != 0;
        pid_t pid = resume ? spawn(NULL, (const char *const[]){"train", "--resume", "--out", DIR "/kill", "--quiet",
                                                               "--threads", "1", NULL})
                           : spawn(NULL, (const char *const[]){SMALL_ARGS, "--epochs", "10", "--out", DIR "/kill", NULL});
        seed = seed * 1103515245u + 12345u;
        double u = (double)((seed >> 8) % 1000) / 1000.0;
        if (attempts < 30) {
            int status;
            if (attempts % 2) {
                sleep_s(u * total / 3);
            } else {
                while (ckpt_ino() == start && waitpid(pid, &status, WNOHANG) == 0)
                    sleep_s(0.001);
                sleep_s(u * total / 10);
            }
            kill(pid, SIGKILL); /* harmless if it has exited: it is not reaped yet */
        }
        reap(pid);
        if (g_rc == 128 + SIGKILL)
            kills++, resumed_kills += resume;
        else if (g_rc == 0)
            done = 1;
        else
            CHECK(0, "attempt %d: exit %d, stderr:\n%s", attempts, g_rc, g_err);
    }
    CHECK(done, "the killed run completes after %d attempts", attempts);
    CHECK(kills >= 3 && resumed_kills >= 2, "the run was killed %d times, %d of them resumed runs (want >= 3, 2)",
          kills, resumed_kills);
    CHECK(harness_same_file(DIR "/ref/model.safetensors", DIR "/kill/model.safetensors"),
          "after %d kills and resumes, model.safetensors is bit-identical to the uninterrupted run's", kills);
    CHECK(same_metrics(DIR "/ref/metrics.csv", DIR "/kill/metrics.csv"),
          "after %d kills and resumes, metrics.csv (but seconds) is identical", kills);
    printf("kill/resume: %d kills (%d of resumed runs) in %d attempts (one run: %.2f s)\n", kills, resumed_kills,
           attempts, total);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s ACTLAB [--no-rlimit-as]\n", argv[0]);
        return 2;
    }
    g_actlab = argv[1];
    g_rlimit_as = !(argc > 2 && !strcmp(argv[2], "--no-rlimit-as"));
    if (system("rm -rf " DIR) != 0 || mkdir(DIR, 0755) != 0) {
        fprintf(stderr, "cannot make %s\n", DIR);
        return 1;
    }
    struct nn_dataset tr, te;
    g_have_data = nn_dataset_load_mnist(NN_FASHION_MNIST_DIR, &tr, &te) == NN_OK;
    if (g_have_data) {
        nn_dataset_free(&tr);
        nn_dataset_free(&te);
    }
    test_usage();
    test_files();
    if (g_have_data) {
        test_full_disk();
        test_oom();
        test_kill_resume();
    } else {
        harness_skip(3, "Fashion-MNIST not installed: apt-get install dataset-fashion-mnist");
    }
    if (!harness_failed && system("rm -rf " DIR) != 0)
        harness_skip(1, "cleanup");
    return harness_finish();
}
