/*
 * The XNNPACK peer (Debian's libxnnpack-dev, the 2022-02 snapshot): the f32 unary NC
 * operators, forward only (XNNPACK is an inference library). The tensor is one row of n
 * channels, so each call is a single contiguous pass. XNNPACK may read up to
 * XNN_EXTRA_BYTES past the input: the benchmark's buffers have room for it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <xnnpack.h>

#include "peer.h"

static pthreadpool_t pool; /* NULL: the calling thread does all the work */

static enum bench_peer_status xnnpack_init(int threads, char *about, size_t len)
{
    enum xnn_status st = xnn_initialize(NULL);
    if (st != xnn_status_success) {
        snprintf(about, len, "XNNPACK: xnn_initialize failed (status %d%s)", (int)st,
                 st == xnn_status_unsupported_hardware ? ", unsupported hardware" : "");
        return BENCH_PEER_ERROR;
    }
    if (threads > 1 && !(pool = pthreadpool_create((size_t)threads))) {
        xnn_deinitialize();
        snprintf(about, len, "XNNPACK: could not create a pool of %d threads", threads);
        return BENCH_PEER_ERROR;
    }
    snprintf(about, len, "XNNPACK (Debian 2022-02 snapshot), f32 NC operators, forward only, %d thread%s%s", threads,
             threads > 1 ? "s" : "", threads > 1 ? " (pthreadpool)" : "");
    return BENCH_PEER_OK;
}

static void xnnpack_fini(void)
{
    if (pool)
        pthreadpool_destroy(pool);
    pool = NULL;
    xnn_deinitialize();
}

/* Create the operator for op over rows of `ch` channels, or report that XNNPACK lacks it. */
static enum bench_peer_status xnnpack_create(const struct act_desc *d, size_t ch, xnn_operator_t *op)
{
    struct act_params p;
    act_params_from_desc(d, &p);
    enum xnn_status st;
    switch (d->op) {
    case ACT_OP_IDENTITY:
        st = xnn_create_copy_nc_x32(ch, ch, ch, 0, op);
        break;
    case ACT_OP_RELU:
        st = xnn_create_clamp_nc_f32(ch, ch, ch, 0.0f, INFINITY, 0, op);
        break;
    case ACT_OP_RELU6:
    case ACT_OP_HARDTANH:
        st = xnn_create_clamp_nc_f32(ch, ch, ch, p.lo, p.hi, 0, op);
        break;
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
    case ACT_OP_RRELU:
        st = xnn_create_leaky_relu_nc_f32(ch, ch, ch, p.slope, 0, op);
        break;
    case ACT_OP_ELU:
        st = xnn_create_elu_nc_f32(ch, ch, ch, p.alpha, 0, op);
        break;
    case ACT_OP_SIGMOID:
        st = xnn_create_sigmoid_nc_f32(ch, ch, ch, 0, op);
        break;
    case ACT_OP_HARDSWISH:
        st = xnn_create_hardswish_nc_f32(ch, ch, ch, 0, op);
        break;
    default: /* no f32 tanh, gelu, silu, softplus, ... in this snapshot */
        return BENCH_PEER_UNSUPPORTED;
    }
    /* XNNPACK refuses some parameters (e.g. a non-finite or out-of-range slope or alpha). */
    if (st == xnn_status_success)
        return BENCH_PEER_OK;
    return st == xnn_status_invalid_parameter || st == xnn_status_unsupported_parameter ? BENCH_PEER_UNSUPPORTED
                                                                                         : BENCH_PEER_ERROR;
}

/* The setup call that matches the create call above. */
static enum xnn_status xnnpack_setup(enum act_op op_kind, xnn_operator_t op, const float *x, float *y)
{
    switch (op_kind) {
    case ACT_OP_IDENTITY:
        return xnn_setup_copy_nc_x32(op, 1, x, y, pool);
    case ACT_OP_RELU:
    case ACT_OP_RELU6:
    case ACT_OP_HARDTANH:
        return xnn_setup_clamp_nc_f32(op, 1, x, y, pool);
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
    case ACT_OP_RRELU:
        return xnn_setup_leaky_relu_nc_f32(op, 1, x, y, pool);
    case ACT_OP_ELU:
        return xnn_setup_elu_nc_f32(op, 1, x, y, pool);
    case ACT_OP_SIGMOID:
        return xnn_setup_sigmoid_nc_f32(op, 1, x, y, pool);
    case ACT_OP_HARDSWISH:
        return xnn_setup_hardswish_nc_f32(op, 1, x, y, pool);
    default:
        return xnn_status_unsupported_parameter;
    }
}

static enum bench_peer_status xnnpack_prepare(const struct bench_case *c, void **handle)
{
    if (c->dir != ACT_DIR_FWD || c->n == 0)
        return BENCH_PEER_UNSUPPORTED;
    xnn_operator_t op = NULL;
    enum bench_peer_status st = xnnpack_create(c->desc, c->n, &op);
    if (st != BENCH_PEER_OK)
        return st;
    if (xnnpack_setup(c->desc->op, op, c->in, c->out) != xnn_status_success) {
        xnn_delete_operator(op);
        return BENCH_PEER_ERROR;
    }
    *handle = op;
    return BENCH_PEER_OK;
}

static void xnnpack_run(void *handle)
{
    xnn_run_operator(handle, pool);
}

static void xnnpack_destroy(void *handle)
{
    xnn_delete_operator(handle);
}

const struct bench_peer bench_peer_xnnpack = {
    "xnnpack", xnnpack_init, xnnpack_prepare, NULL, xnnpack_run, NULL, xnnpack_destroy, xnnpack_fini,
};
