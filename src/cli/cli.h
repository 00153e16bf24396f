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

/* Run the command line argv[0..argc) (argv[0] the program). Returns the exit code. */
int cli_main(int argc, char **argv);

/* Set by the fuzz harness of the argument handling: each subcommand returns CLI_OK right after
 * checking its arguments, before reading files or doing work. 0 in the actlab command. */
extern int cli_parse_only;

#endif
