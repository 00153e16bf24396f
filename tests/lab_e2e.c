/*
 * actlab claims end to end, in seconds: usage errors exit 2; a tiny `claims --only 5` run on
 * a few hundred Fashion-MNIST images writes claims.csv (the documented columns and verdict
 * values), report.md with the claim's section, per-run metrics, and, when gnuplot is installed,
 * a valid PNG; with gnuplot off the PATH, the report says so and keeps its tables. Skipped
 * (counted) without the data or gnuplot. Three more sittings into the same folder check that saved
 * runs are reused with the same claims.csv, that a truncated saved run is trained again, and
 * that --fresh trains all.
 * Usage: lab_e2e path/to/actlab OUTDIR
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actlab/nn.h"
#include "harness.h"

/* Run a shell command; its exit code (or -1). */
static int run(const char *cmd)
{
    int st = system(cmd);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: lab_e2e path/to/actlab OUTDIR\n");
        return 2;
    }
    const char *bin = argv[1], *out = argv[2];
    char cmd[8192], path[4096];

    static const char *const bad[] = {"--only 0", "--only 3,x", "--bogus", "--seeds", "--seeds 0", "--quick --full",
                                      "--epochs 1000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(cmd, sizeof cmd, "'%s' claims %s --out '%s/bad' >/dev/null 2>&1", bin, bad[i], out);
        CHECK(run(cmd) == 2, "claims %s: want exit 2 (usage)", bad[i]);
    }
    snprintf(cmd, sizeof cmd, "'%s' claims --help >/dev/null", bin);
    CHECK(run(cmd) == 0, "claims --help exits 0");

    if (access(NN_FASHION_MNIST_DIR "/train-images-idx3-ubyte.gz", R_OK) != 0) {
        harness_skip(31, "no Fashion-MNIST in %s (apt-get install dataset-fashion-mnist)", NN_FASHION_MNIST_DIR);
        return harness_finish();
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' claims --only 5 --train-limit 640 --test-limit 300 --epochs 1 "
             "--threads 1 --out '%s' > '%s.stdout' 2> '%s.stderr'", out, bin, out, out, out);
    int rc = run(cmd);
    CHECK(rc == 0, "claims --only 5 on 640 images exits 0, not %d (see %s.stderr)", rc, out);

    snprintf(path, sizeof path, "%s/claims.csv", out);
    char *csv = harness_slurp(path, NULL);
    CHECK(csv != NULL, "%s written", path);
    if (csv) {
        CHECK(!strncmp(csv, "claim,title,measured,reference,verdict\n", 39), "claims.csv header");
        char *row = strstr(csv, "\n5,");
        CHECK(row != NULL, "claims.csv has claim 5");
        CHECK(row && (strstr(row, ",holds\n") || strstr(row, ",does not hold\n") || strstr(row, ",inconclusive\n")),
              "claim 5's verdict is one of holds / does not hold / inconclusive");
        CHECK(!strstr(csv, "\n1,") && !strstr(csv, "\n6,"), "--only 5 runs claim 5 only");
        free(csv);
    }
    snprintf(path, sizeof path, "%s/report.md", out);
    char *md = harness_slurp(path, NULL);
    CHECK(md && strstr(md, "## 5. Non-linearity is needed") && strstr(md, "**Verdict: ") && strstr(md, "**Protocol.**"),
          "report.md has claim 5's section with protocol and verdict");
    snprintf(path, sizeof path, "%s.stdout", out);
    char *so = harness_slurp(path, NULL);
    CHECK(so && strstr(so, "| claim | measured | reference | verdict |") && strstr(so, "| 5. "),
          "the table is printed on stdout");
    free(so);
    snprintf(path, sizeof path, "%s/runs/mlp-relu-lr0.02-s1-e1.csv", out);
    CHECK(access(path, R_OK) == 0, "per-run metrics %s", path);

    if (run("gnuplot -e 'exit' >/dev/null 2>&1") != 0) {
        CHECK(md && strstr(md, "gnuplot is not installed"), "without gnuplot the report says so");
        harness_skip(2, "gnuplot not installed (apt-get install gnuplot-nox): PNG checks skipped");
    } else {
        static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        unsigned char head[8] = {0};
        snprintf(path, sizeof path, "%s/plots/c5_accuracy.png", out);
        FILE *f = fopen(path, "rb");
        CHECK(f != NULL, "%s exists", path);
        CHECK(f && fread(head, 1, 8, f) == 8 && !memcmp(head, sig, 8), "%s starts with the PNG signature", path);
        if (f)
            fclose(f);
    }
    free(md);

    /* Later sittings into the same folder: saved runs are reused and give the same claims.csv; a
     * damaged saved run is trained again; --fresh trains every run. */
    snprintf(path, sizeof path, "%s/claims.csv", out);
    char *csv1 = harness_slurp(path, NULL);
    static const char *const sittings[3] = {"", "", "--fresh"};
    static const char *const want_out[3] = {"; training runs: 0 trained in this sitting, ", "; training runs: 1 trained",
                                            " 0 reused from an earlier sitting"};
    static const char *const want_err[3] = {": reused (saved in an earlier sitting)",
                                            "mlp-relu-lr0.02-s1-e1: saved run not used (truncated or corrupt",
                                            "mlp-relu-lr0.02-s1-e1, epoch 1/1"};
    for (int k = 0; k < 3; k++) {
        if (k == 1) { /* cut a saved run in half, as a kill mid-write without the rename would */
            snprintf(path, sizeof path, "%s/runs/mlp-relu-lr0.02-s1-e1.run", out);
            char *run1 = harness_slurp(path, NULL);
            FILE *f = run1 ? fopen(path, "wb") : NULL;
            CHECK(f && fwrite(run1, 1, strlen(run1) / 2, f) == strlen(run1) / 2, "truncate %s", path);
            if (f)
                fclose(f);
            free(run1);
        }
        snprintf(cmd, sizeof cmd, "'%s' claims --only 5 --train-limit 640 --test-limit 300 --epochs 1 --threads 1 "
                 "--out '%s' %s > '%s.stdout' 2> '%s.stderr'", bin, out, sittings[k], out, out);
        rc = run(cmd);
        CHECK(rc == 0, "sitting %d exits 0, not %d (see %s.stderr)", k + 2, rc, out);
        snprintf(path, sizeof path, "%s.stdout", out);
        so = harness_slurp(path, NULL);
        CHECK(so && strstr(so, want_out[k]), "sitting %d: stdout says '%s'", k + 2, want_out[k]);
        free(so);
        snprintf(path, sizeof path, "%s.stderr", out);
        char *se = harness_slurp(path, NULL);
        CHECK(se && strstr(se, want_err[k]), "sitting %d: progress says '%s'", k + 2, want_err[k]);
        CHECK(se && (k == 2) == !strstr(se, ": reused (saved"), "sitting %d: %s", k + 2,
              k == 2 ? "nothing reused" : "runs reused");
        free(se);
        snprintf(path, sizeof path, "%s/claims.csv", out);
        char *csv2 = harness_slurp(path, NULL);
        CHECK(csv1 && csv2 && !strcmp(csv1, csv2), "sitting %d writes the same claims.csv as the first", k + 2);
        free(csv2);
    }
    snprintf(path, sizeof path, "%s/report.md", out);
    md = harness_slurp(path, NULL);
    CHECK(md && strstr(md, " reused from an earlier sitting"), "report.md counts the reused runs");
    free(md);
    free(csv1);

    /* Without gnuplot (not on PATH) the run still succeeds and the report says why there are no plots. */
    snprintf(cmd, sizeof cmd, "rm -rf '%s-nogp' && PATH=/nonexistent '%s' claims --only 5 --train-limit 640 "
             "--test-limit 300 --epochs 1 --threads 1 --out '%s-nogp' >/dev/null 2>&1", out, bin, out);
    CHECK(run(cmd) == 0, "claims without gnuplot exits 0");
    snprintf(path, sizeof path, "%s-nogp/report.md", out);
    md = harness_slurp(path, NULL);
    CHECK(md && strstr(md, "gnuplot is not installed") && strstr(md, "| relu test acc |"),
          "without gnuplot the report says so and keeps the tables");
    free(md);
    snprintf(path, sizeof path, "%s-nogp/plots/c5_accuracy.png", out);
    CHECK(access(path, F_OK) != 0, "no PNG without gnuplot");
    return harness_finish();
}
