/* actlab: the command (the subcommands and their dispatch are in dispatch.c and cmd-*.c). */
#include "cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
