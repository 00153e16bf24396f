/* nn_model_init on arbitrary spec strings: never crash; impossible shapes are errors with a
 * reason, and an accepted model runs forward on a small batch. Specs with a number above 256 are
 * skipped: they explore how much memory a legal model may take (malloc's answer), not parsing
 * or shape logic, and would only trip the fuzzer's memory limit. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "actlab/nn.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char spec[512];
    if (size >= sizeof spec)
        size = sizeof spec - 1;
    memcpy(spec, data, size);
    spec[size] = '\0';
    for (const char *p = spec; *p; p++)
        if (isdigit((unsigned char)*p) && strtoul(p, NULL, 10) > 256)
            return 0;
    struct nn_model_opts o;
    memset(&o, 0, sizeof o);
    o.input.c = 1, o.input.h = 8, o.input.w = 8;
    o.classes = 4;
    o.max_batch = 2;
    o.max_bytes = (size_t)256 << 20; /* larger models are refused with a reason, not allocated */
    act_parse("relu", &o.act);
    struct nn_model m;
    char err[256] = "";
    if (nn_model_init(&m, spec, &o, err, sizeof err) != NN_OK) {
        FUZZ_CHECK(err[0] != '\0');
        return 0;
    }
    if (m.n_params < (1u << 22)) { /* keep each execution cheap */
        static float x[2 * 64];
        const float *logits;
        FUZZ_CHECK(nn_model_forward(&m, 2, x, 0, NULL, NULL, &logits) == NN_OK);
    }
    nn_model_free(&m);
    return 0;
}
