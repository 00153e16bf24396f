/* actlab list: every activation with its parameters, defaults, accuracy budget and from-output support. */
#include <stdio.h>
#include <string.h>

#include "actlab/act.h"
#include "cli.h"

int cmd_list(int argc, char **argv)
{
    if (argc > 1) {
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
            printf("usage: actlab list\n\nLists every activation: spec name, parameters with defaults, the accuracy\n"
                   "budget (max ULP vs the exact value, forward/backward), whether backward from\n"
                   "the output y is offered, and the definition.\n");
            return CLI_OK;
        }
        cli_error(argv[0], "unexpected argument '%s' (usage: actlab list)", argv[1]);
        return CLI_USAGE;
    }
    printf("%-12s %-38s %-9s %-7s %s\n", "name", "parameters (defaults)", "ulp f/b", "from-y", "definition");
    for (int i = 0; i < ACT_OP_COUNT; i++) {
        const struct act_op_info *in = act_op_info((enum act_op)i);
        char ulp[40];
        snprintf(ulp, sizeof ulp, "%g/%g", in->ulp_forward, in->ulp_backward);
        printf("%-12s %-38s %-9s %-7s %s\n", in->name, in->params[0] ? in->params : "-", ulp,
               in->from_output ? "yes" : "no", in->formula);
    }
    printf("\nfrom-y: leaky_relu/rrelu/prelu need slope >= 0, elu alpha >= 0, celu alpha > 0.\n"
           "Spec syntax: name or name:key=value[,key=value], e.g. leaky_relu:slope=0.2\n");
    return CLI_OK;
}
