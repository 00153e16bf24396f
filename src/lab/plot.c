/*
 * Plots through gnuplot (Debian gnuplot-nox): each plot is DIR/plots/<name>.dat (the numbers),
 * <name>.gp (the script, rerunnable by hand) and <name>.png. gnuplot's messages go to
 * <name>.log, never to the terminal.
 */
#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"

/* Run gnuplot with args in dir, stdout and stderr to log (NULL: /dev/null). Returns its exit
 * status, or -1 if it could not be started. */
static int run_gnuplot(const char *dir, const char *script, const char *log)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        if (dir && chdir(dir) != 0)
            _exit(126);
        if (script)
            execlp("gnuplot", "gnuplot", script, (char *)NULL);
        else
            execlp("gnuplot", "gnuplot", "-e", "set terminal png", (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int lab_plot_available(void)
{
    return run_gnuplot(NULL, NULL, NULL) == 0;
}

/* Open DIR/plots/name.<ext> for writing. */
static FILE *open_plot_file(const struct lab *L, const char *name, const char *ext)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/plots/%s.%s", L->out, name, ext);
    return fopen(path, "w");
}

/* Common head of a script: PNG output, title, labels. */
static void script_head(FILE *g, const char *name, const char *title, const char *xlabel, const char *ylabel)
{
    fprintf(g, "set terminal png size 900,560 font ',11'\nset output '%s.png'\n", name);
    fprintf(g, "set title \"%s\" noenhanced\nset xlabel \"%s\" noenhanced\nset ylabel \"%s\" noenhanced\n", title,
            xlabel ? xlabel : "", ylabel);
    fprintf(g, "set grid\nset key outside right top noenhanced\n");
}

/* Run the script and check the PNG; 1 if written. */
static int render(const struct lab *L, const char *name)
{
    char dir[4096], script[256], log[4352], png[4352];
    snprintf(dir, sizeof dir, "%s/plots", L->out);
    snprintf(script, sizeof script, "%s.gp", name);
    snprintf(log, sizeof log, "%s/%s.log", dir, name);
    snprintf(png, sizeof png, "%s/%s.png", dir, name);
    remove(png);
    if (run_gnuplot(dir, script, log) != 0)
        return 0;
    struct stat st;
    int ok = stat(png, &st) == 0 && st.st_size > 8;
    if (ok)
        remove(log);
    return ok;
}

int lab_plot_lines(const struct lab *L, const char *name, const char *title, const char *xlabel, const char *ylabel,
                   int logy, const struct lab_series *s, size_t ns)
{
    if (L->dry)
        return 0;
    FILE *d = open_plot_file(L, name, "dat"), *g = open_plot_file(L, name, "gp");
    int ok = d && g;
    size_t blocks = 0;
    int whole = 1; /* x values are small whole numbers (epochs, layers): one tic each */
    double xlo = INFINITY, xhi = -INFINITY;
    for (size_t i = 0; ok && i < ns; i++) {
        fprintf(d, "# %s\n", s[i].title);
        for (size_t j = 0; j < s[i].n; j++)
            if (isfinite(s[i].x[j]) && isfinite(s[i].y[j]) && (!logy || s[i].y[j] > 0)) {
                fprintf(d, "%.9g %.9g\n", s[i].x[j], s[i].y[j]);
                whole = whole && s[i].x[j] == floor(s[i].x[j]);
                xlo = fmin(xlo, s[i].x[j]);
                xhi = fmax(xhi, s[i].x[j]);
            }
        fprintf(d, "\n\n");
        blocks++;
    }
    if (ok) {
        script_head(g, name, title, xlabel, ylabel);
        if (logy)
            fprintf(g, "set logscale y\nset format y '%%g'\n");
        if (whole && xhi - xlo <= 20)
            fprintf(g, "set xtics 1\n");
        fprintf(g, "plot ");
        for (size_t i = 0; i < blocks; i++)
            fprintf(g, "%s'%s.dat' index %zu with linespoints pointsize 0.6 title \"%s\"", i ? ", \\\n     " : "",
                    name, i, s[i].title);
        fprintf(g, "\n");
    }
    if (d)
        ok = fclose(d) == 0 && ok;
    if (g)
        ok = fclose(g) == 0 && ok;
    return ok && blocks && L->gnuplot && render(L, name);
}

int lab_plot_bars(const struct lab *L, const char *name, const char *title, const char *ylabel,
                  const char *const *labels, size_t ncat, const char *const *groups, size_t ngroups, const double *y,
                  const double *err)
{
    if (L->dry)
        return 0;
    FILE *d = open_plot_file(L, name, "dat"), *g = open_plot_file(L, name, "gp");
    int ok = d && g;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t c = 0; ok && c < ncat; c++) {
        fprintf(d, "\"%s\"", labels[c]);
        for (size_t j = 0; j < ngroups; j++) {
            double v = y[j * ncat + c], e = err ? err[j * ncat + c] : 0.0;
            if (isfinite(v)) {
                fprintf(d, " %.9g %.9g", v, isfinite(e) ? e : 0.0);
                lo = fmin(lo, v - (isfinite(e) ? e : 0.0));
                hi = fmax(hi, v + (isfinite(e) ? e : 0.0));
            } else {
                fprintf(d, " NaN NaN");
            }
        }
        fprintf(d, "\n");
    }
    if (ok) {
        script_head(g, name, title, NULL, ylabel);
        fprintf(g, "set style data histogram\nset style histogram errorbars gap 1 lw 1\n"
                   "set style fill solid 0.6 border -1\nset xtics rotate by -30\nset datafile missing 'NaN'\n");
        if (isfinite(lo) && isfinite(hi) && hi > lo) {
            double pad = 0.1 * (hi - lo) + 1e-3;
            fprintf(g, "set yrange [%.6g:%.6g]\n", lo - pad > 0 || lo < 0 ? lo - pad : 0.0, hi + pad);
        }
        fprintf(g, "plot ");
        for (size_t j = 0; j < ngroups; j++)
            fprintf(g, "%s'%s.dat' using %zu:%zu%s title \"%s\"", j ? ", " : "", name, 2 + 2 * j, 3 + 2 * j,
                    j ? "" : ":xtic(1)", groups[j]);
        fprintf(g, "\n");
    }
    if (d)
        ok = fclose(d) == 0 && ok;
    if (g)
        ok = fclose(g) == 0 && ok;
    return ok && ncat && L->gnuplot && render(L, name);
}
