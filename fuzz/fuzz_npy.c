/* nn_npy_read on arbitrary bytes: never crash; an accepted array has dims whose product is its
 * count, and every value was converted (reading them all lets ASan see any over-read). */
#include "actlab/nn.h"
#include "fuzz.h"
#include "tmpfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmpfile(data, size, ".npy");
    if (!path)
        return 0;
    struct nn_npy a;
    if (nn_npy_read(path, &a) == NN_OK) {
        size_t prod = 1;
        for (size_t i = 0; i < a.ndim; i++)
            prod *= a.dims[i];
        FUZZ_CHECK(prod == a.count);
        volatile float sink = 0;
        for (size_t i = 0; i < a.count; i++)
            sink += a.data[i];
        (void)sink;
        nn_npy_free(&a);
    }
    unlink(path);
    return 0;
}
