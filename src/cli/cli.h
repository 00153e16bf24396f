/* Shared declarations of the actlab command (not part of the library). */
#ifndef ACTLAB_CLI_H
#define ACTLAB_CLI_H

#define CMD(name, fn, summary) int fn(int argc, char **argv);
#include "commands.inc"
#undef CMD

/* Exit codes of the command. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Print "actlab <cmd>: <message>\n" on stderr (printf-style). */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
