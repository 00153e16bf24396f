/* The report: DIR/claims.csv (one row per claim) and DIR/report.md (summary table, then one
 * section per claim: protocol, numbers, plots, verdict, what would change it). */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

void lab_csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* The CPU's model name from /proc/cpuinfo, or "unknown CPU". */
static void cpu_name(char *buf, size_t len)
{
    snprintf(buf, len, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
            snprintf(buf, len, "%s", strchr(line, ':') + 2);
            buf[strcspn(buf, "\n")] = 0;
            break;
        }
    if (f)
        fclose(f);
}

/* Markdown table cell: '|' would end the cell. */
static void md_cell(FILE *f, const char *s)
{
    for (; *s; s++)
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s, f);
}

static int write_csv(struct lab *L, const struct lab_result *r, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/claims.csv", L->out);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(L->err, sizeof L->err, "cannot write %s", path);
        return -1;
    }
    fprintf(f, "claim,title,measured,reference,verdict\n");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%d,", r[i].id);
        lab_csv_field(f, r[i].title);
        fputc(',', f);
        lab_csv_field(f, r[i].measured);
        fputc(',', f);
        lab_csv_field(f, r[i].reference);
        fprintf(f, ",%s\n", lab_verdict_str(r[i].verdict));
    }
    if (fclose(f) != 0) {
        snprintf(L->err, sizeof L->err, "cannot write %s", path);
        return -1;
    }
    return 0;
}

int lab_report_write(struct lab *L, const struct lab_result *r, size_t n, const char *command, double seconds)
{
    if (write_csv(L, r, n) != 0)
        return -1;
    char path[4096], cpu[256], date[64];
    snprintf(path, sizeof path, "%s/report.md", L->out);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(L->err, sizeof L->err, "cannot write %s", path);
        return -1;
    }
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", &tm);
    struct utsname u;
    cpu_name(cpu, sizeof cpu);
    if (uname(&u) != 0)
        snprintf(u.machine, sizeof u.machine, "?");
    const struct lab_protocol *p = &L->p;
    fprintf(f, "# actlab claims: the ReLU article on Fashion-MNIST\n\n"
               "`%s` — %s, %s (%s, %ld cores online), %.0f s wall time, %zu training run(s): %zu trained in this "
               "sitting, %zu reused from an earlier sitting (runs/*.run; `--fresh` trains all).\n\n",
            command, date, cpu, u.machine, sysconf(_SC_NPROCESSORS_ONLN), seconds, L->nruns, L->nruns - L->nreused,
            L->nreused);
    fprintf(f, "Mode: **%s**: %zu seed(s); MLP on %zu and CNN on %zu training images, %zu test images; %zu/%zu "
               "epochs (mlp/cnn); the rules are in docs/claims.md, written before any run (the changes made after a run, "
               "and why, are listed there under \"Changes after a run\"). Verdicts are computed from "
               "the numbers below by those rules, never chosen.\n\n",
            p->full && !p->reduced ? "full"
            : p->full ? "full, reduced by --train-limit, --test-limit or --epochs (the verdicts are about this protocol)"
                      : "quick (subsets, few epochs: the verdicts are about this protocol)",
            p->seeds,
            lab_train_n(L, LAB_MLP), lab_train_n(L, LAB_CNN), lab_test_n(L), p->epochs[LAB_MLP], p->epochs[LAB_CNN]);
    if (!L->gnuplot)
        fprintf(f, "**gnuplot is not installed** (`apt-get install gnuplot-nox`): no plots were drawn; every table "
                   "is here and each plot's numbers are in plots/*.dat.\n\n");
    fprintf(f, "| claim | measured | reference | verdict |\n|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "| %d. %s | ", r[i].id, r[i].title);
        md_cell(f, r[i].measured);
        fprintf(f, " | ");
        md_cell(f, r[i].reference);
        fprintf(f, " | **%s** |\n", lab_verdict_str(r[i].verdict));
    }
    for (size_t i = 0; i < n; i++)
        fprintf(f, "\n## %d. %s\n\n%s", r[i].id, r[i].title, r[i].section ? r[i].section : "");
    fprintf(f, "\n## Files\n\n- claims.csv: the table above\n- runs/<run>.csv: per evaluation (epoch 0 = init): "
               "losses, accuracies, per activation layer sparsity, dead fraction, mean, std, gradient norm, PReLU "
               "slope; runs/<run>-steps.csv: the training curve per chunk of %zu steps; runs/<run>.run: the run saved for "
               "later sittings (its key, every metric, exact)\n- plots/<plot>.png with its "
               "data (.dat) and gnuplot script (.gp)\n",
            p->chunk_steps);
    if (fclose(f) != 0) {
        snprintf(L->err, sizeof L->err, "cannot write %s", path);
        return -1;
    }
    return 0;
}
