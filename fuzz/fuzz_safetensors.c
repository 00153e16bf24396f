/* The safetensors reader on arbitrary bytes: metadata, then loading into a small MLP whose tensor
 * names and shapes a valid file must match. Never crash; a load that fails leaves a usable model. */
#include <string.h>

#include "actlab/nn.h"
#include "fuzz.h"
#include "tmpfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct nn_model m;
    static int ready;
    if (!ready) {
        struct nn_model_opts o;
        memset(&o, 0, sizeof o);
        o.input.c = 1, o.input.h = 1, o.input.w = 4;
        o.classes = 3;
        o.max_batch = 2;
        act_parse("prelu", &o.act);
        FUZZ_CHECK(nn_model_init(&m, "dense:5;act;dense:3", &o, NULL, 0) == NN_OK);
        ready = 1;
    }
    const char *path = fuzz_tmpfile(data, size, ".safetensors");
    if (!path)
        return 0;
    struct nn_meta md;
    (void)nn_safetensors_read_meta(path, &md);
    (void)nn_safetensors_load(path, &m, 0);
    (void)nn_safetensors_load(path, &m, 1);
    float x[8] = {0};
    const float *logits;
    FUZZ_CHECK(nn_model_forward(&m, 2, x, 0, NULL, NULL, &logits) == NN_OK);
    unlink(path);
    return 0;
}
