/* actlab eval SPEC X...: y = f(x) and dx = f'(x) (dy = 1) per value, in %g and %a. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlab/act.h"
#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: actlab eval SPEC X [X...]\n\n"
               "Prints x, y = f(x) and dx = f'(x) (for dy = 1) for each value X, in %%g and in\n"
               "exact hexadecimal (%%a). X may be any float, including inf, -inf, nan, -0 and\n"
               "hexadecimal floats such as 0x1p-149. SPEC as in 'actlab list', e.g.\n"
               "  actlab eval elu:alpha=0.5 -1 0 1e-8\n");
}

int cmd_eval(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return CLI_OK;
    }
    if (argc < 3) {
        usage(stderr);
        return CLI_USAGE;
    }
    struct act_desc d;
    if (act_parse(argv[1], &d) != ACT_OK) {
        cli_error(argv[0], "invalid activation spec '%s' (see 'actlab list' for names and parameters)", argv[1]);
        return CLI_USAGE;
    }
    int nx = argc - 2;
    float *x = malloc((size_t)nx * 4 * sizeof(float));
    if (!x) {
        cli_error(argv[0], "out of memory");
        return CLI_FAIL;
    }
    float *y = x + nx, *dy = y + nx, *dx = dy + nx;
    for (int i = 0; i < nx; i++) {
        char *end;
        errno = 0;
        x[i] = strtof(argv[i + 2], &end);
        if (end == argv[i + 2] || *end) {
            cli_error(argv[0], "'%s' is not a number", argv[i + 2]);
            free(x);
            return CLI_USAGE;
        }
        dy[i] = 1.0f;
    }
    act_forward(&d, (size_t)nx, x, y);
    act_backward(&d, (size_t)nx, x, dy, dx);
    char spec[128];
    act_format(&d, spec, sizeof spec);
    printf("# %s  (dx for dy = 1; kernels: %s)\n", spec, act_isa());
    printf("%-14s %-14s %-14s %-16s %-16s %s\n", "x", "y", "dx", "x (hex)", "y (hex)", "dx (hex)");
    for (int i = 0; i < nx; i++)
        printf("%-14.8g %-14.8g %-14.8g %-16a %-16a %a\n", x[i], y[i], dx[i], x[i], y[i], dx[i]);
    free(x);
    return CLI_OK;
}
