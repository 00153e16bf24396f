/* Shared by the fuzz harnesses: the libFuzzer entry point, and a check that aborts (a finding). */
#ifndef ACTLAB_FUZZ_H
#define ACTLAB_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the input broke: report and abort, so libFuzzer saves the input. */
#define FUZZ_CHECK(cond)                                                                         \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond);         \
            abort();                                                                             \
        }                                                                                        \
    } while (0)
#endif
