/* nn_idx_read on arbitrary bytes (raw or gzip): never crash, never over-read; an accepted array
 * has dims whose product is its count. */
#include "actlab/nn.h"
#include "fuzz.h"
#include "tmpfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmpfile(data, size, ".idx");
    if (!path)
        return 0;
    struct nn_idx a;
    if (nn_idx_read(path, &a) == NN_OK) {
        size_t prod = 1;
        for (size_t i = 0; i < a.ndim; i++)
            prod *= a.dims[i];
        FUZZ_CHECK(a.ndim >= 1 && a.ndim <= 4 && prod == a.count);
        nn_idx_free(&a);
    }
    unlink(path);
    return 0;
}
