/* act_parse / act_format on arbitrary bytes: never crash; anything accepted formats to a spec
 * that parses back to the same descriptor, and runs forward and backward. */
#include <math.h>
#include <string.h>

#include "actlab/act.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char spec[2048];
    if (size >= sizeof spec)
        size = sizeof spec - 1;
    memcpy(spec, data, size);
    spec[size] = '\0';

    struct act_desc d, keep;
    memset(&d, 0xA5, sizeof d);
    keep = d;
    if (act_parse(spec, &d) != ACT_OK) {
        FUZZ_CHECK(memcmp(&d, &keep, sizeof d) == 0); /* untouched on error */
        return 0;
    }
    char buf[512];
    int len = act_format(&d, buf, sizeof buf);
    FUZZ_CHECK(len > 0 && (size_t)len < sizeof buf);
    struct act_desc back;
    FUZZ_CHECK(act_parse(buf, &back) == ACT_OK);
    char buf2[512];
    FUZZ_CHECK(act_format(&back, buf2, sizeof buf2) == len && strcmp(buf, buf2) == 0);

    float x[19] = {-INFINITY, -1e30f, -100, -3, -1, -0.5f, -1e-40f, -0.0f, 0, 1e-40f, 0.5f, 1, 3, 6, 20, 100, 1e30f,
                   INFINITY, NAN};
    float y[19], dx[19], dy[19];
    for (int i = 0; i < 19; i++)
        dy[i] = 1;
    FUZZ_CHECK(act_forward(&d, 19, x, y) == ACT_OK);
    FUZZ_CHECK(act_backward(&d, 19, x, dy, dx) == ACT_OK);
    FUZZ_CHECK(isnan(y[18]) && isnan(dx[18])); /* NaN in, NaN out */
    enum act_status st = act_backward_from_output(&d, 19, y, dy, dx);
    FUZZ_CHECK(st == ACT_OK || st == ACT_ERR_UNSUPPORTED);
    return 0;
}
