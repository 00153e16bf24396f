/* The command-line handling of every subcommand on arbitrary argument vectors: the input is split
 * at newlines into at most 64 arguments after "actlab". With cli_parse_only set, each subcommand
 * checks its arguments and returns before reading files or doing work (eval, list and info run:
 * they are cheap). Never crash, never leak, never exit (the harness would stop); the exit code is
 * 0, 1 or 2. The command's output goes to /dev/null. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fuzz.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *real_stderr;
    if (!real_stderr) {
        /* the command's output to /dev/null; fd 2 stays for libFuzzer's and the sanitizers' reports */
        FILE *null = fopen("/dev/null", "w");
        real_stderr = stderr;
        if (null)
            stdout = stderr = null;
        cli_parse_only = 1;
    }
    if (size > 4096)
        size = 4096;
    char buf[4097];
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_ARGS + 2] = {"actlab"};
    int argc = 1;
    for (char *p = buf; argc <= MAX_ARGS;) {
        argv[argc++] = p;
        char *nl = memchr(p, '\n', (size_t)(buf + size - p));
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    argv[argc] = NULL;
    if (size == 0)
        argc = 1;
    int rc = cli_main(argc, argv);
    if (!(rc == 0 || rc == 1 || rc == 2))
        stderr = real_stderr; /* let the report through */
    FUZZ_CHECK(rc == 0 || rc == 1 || rc == 2);
    return 0;
}
