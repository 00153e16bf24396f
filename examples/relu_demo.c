/* A user's program: parse a spec, run forward and backward, check the status codes.
 * Build against an installed libactlab:  cc relu_demo.c $(pkg-config --cflags --libs actlab) */
#include <actlab/act.h>
#include <stdio.h>

int main(void)
{
    float x[5] = {-2.0f, -0.5f, 0.0f, 0.5f, 2.0f}, y[5], dy[5] = {1, 1, 1, 1, 1}, dx[5];
    struct act_desc d;
    enum act_status st = act_parse("leaky_relu:slope=0.1", &d);
    if (st != ACT_OK) {
        fprintf(stderr, "act_parse: %s\n", act_status_str(st));
        return 1;
    }
    if ((st = act_forward(&d, 5, x, y)) != ACT_OK || (st = act_backward(&d, 5, x, dy, dx)) != ACT_OK) {
        fprintf(stderr, "actlab: %s\n", act_status_str(st));
        return 1;
    }
    for (int i = 0; i < 5; i++)
        printf("x=%g y=%g dx=%g\n", x[i], y[i], dx[i]);
    return 0;
}
