/*
 * The oneDNN peer (Debian's libdnnl-dev, oneDNN 2.x C API): eltwise forward (inference) and
 * backward primitives over a dense 1-D f32 tensor wrapping the benchmark's buffers. Backward
 * from y uses the *_use_dst_for_bwd algorithms where oneDNN offers them.
 */
#include <stdio.h>
#include <stdlib.h>

#include <dnnl.h>
#if defined(_OPENMP)
#include <omp.h>
#endif

#include "peer.h"

static dnnl_engine_t engine;
static dnnl_stream_t stream;

/* oneDNN's algorithm and (alpha, beta) for an op and direction; 0 if it has none. */
static int onednn_alg(const struct act_desc *d, enum act_dir dir, dnnl_alg_kind_t *alg, float *alpha, float *beta)
{
    struct act_params p;
    act_params_from_desc(d, &p);
    int from_y = dir == ACT_DIR_BWD_Y;
    *alpha = 0;
    *beta = 0;
    switch (d->op) {
    case ACT_OP_IDENTITY:
        *alg = dnnl_eltwise_linear, *alpha = 1;
        return !from_y;
    case ACT_OP_RELU:
    case ACT_OP_LEAKY_RELU:
    case ACT_OP_PRELU:
    case ACT_OP_RRELU: /* relu's alpha is the negative slope; from y it must be >= 0 */
        *alg = from_y ? dnnl_eltwise_relu_use_dst_for_bwd : dnnl_eltwise_relu;
        *alpha = d->op == ACT_OP_RELU ? 0 : p.slope;
        return !from_y || *alpha >= 0;
    case ACT_OP_ELU:
        *alg = from_y ? dnnl_eltwise_elu_use_dst_for_bwd : dnnl_eltwise_elu, *alpha = p.alpha;
        return !from_y || p.alpha >= 0;
    case ACT_OP_SIGMOID:
        *alg = from_y ? dnnl_eltwise_logistic_use_dst_for_bwd : dnnl_eltwise_logistic;
        return 1;
    case ACT_OP_TANH:
        *alg = from_y ? dnnl_eltwise_tanh_use_dst_for_bwd : dnnl_eltwise_tanh;
        return 1;
    case ACT_OP_RELU6:
    case ACT_OP_HARDTANH: /* clip: alpha < x <= beta passes the gradient (the left branch at kinks) */
        *alg = from_y ? dnnl_eltwise_clip_v2_use_dst_for_bwd : dnnl_eltwise_clip, *alpha = p.lo, *beta = p.hi;
        return 1;
    case ACT_OP_GELU:
        *alg = dnnl_eltwise_gelu_erf;
        return !from_y;
    case ACT_OP_GELU_TANH:
        *alg = dnnl_eltwise_gelu_tanh;
        return !from_y;
    case ACT_OP_SILU: /* swish is x * sigmoid(alpha * x) */
        *alg = dnnl_eltwise_swish, *alpha = 1;
        return !from_y;
    case ACT_OP_MISH:
        *alg = dnnl_eltwise_mish;
        return !from_y;
    case ACT_OP_SOFTPLUS: /* soft_relu is log(1 + exp(x)): beta 1 only (the threshold changes nothing in float) */
        *alg = dnnl_eltwise_soft_relu;
        return !from_y && p.beta == 1;
    case ACT_OP_HARDSWISH:
        *alg = dnnl_eltwise_hardswish;
        return !from_y;
    default: /* selu, celu, hardsigmoid, softsign, threshold: not in oneDNN 2.6 */
        return 0;
    }
}

static enum bench_peer_status onednn_init(int threads, char *about, size_t len)
{
    const dnnl_version_t *v = dnnl_version();
#if defined(_OPENMP)
    omp_set_num_threads(threads);
    const char *threading = "OpenMP";
#else
    const char *threading = "its default threading (thread count not set)";
#endif
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success ||
        dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) {
        if (engine)
            dnnl_engine_destroy(engine);
        snprintf(about, len, "oneDNN %d.%d.%d: could not create a CPU engine and stream", v->major, v->minor, v->patch);
        return BENCH_PEER_ERROR;
    }
    snprintf(about, len, "oneDNN %d.%d.%d, eltwise primitives, %s, %d thread%s", v->major, v->minor, v->patch,
             threading, threads, threads > 1 ? "s" : "");
    return BENCH_PEER_OK;
}

static void onednn_fini(void)
{
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(engine);
}

#define MAX_ARGS 5

struct onednn {
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t prim;
    dnnl_memory_t mem[MAX_ARGS];
    dnnl_exec_arg_t args[MAX_ARGS];
    int nargs;
};

static void onednn_destroy(void *handle)
{
    struct onednn *h = handle;
    for (int i = 0; i < h->nargs; i++)
        dnnl_memory_destroy(h->mem[i]);
    if (h->prim)
        dnnl_primitive_destroy(h->prim);
    if (h->pd)
        dnnl_primitive_desc_destroy(h->pd);
    free(h);
}

/* Wrap buf as the argument `arg` of the primitive. */
static int add_arg(struct onednn *h, const dnnl_memory_desc_t *md, int arg, const float *buf)
{
    if (dnnl_memory_create(&h->mem[h->nargs], md, engine, (void *)buf) != dnnl_success)
        return 0;
    h->args[h->nargs].arg = arg;
    h->args[h->nargs].memory = h->mem[h->nargs];
    h->nargs++;
    return 1;
}

/* The last step of a prepare: release the hint (if any), create the primitive; on failure free h. */
static enum bench_peer_status onednn_finish(struct onednn *h, dnnl_primitive_desc_t hint, int ok, void **handle)
{
    if (hint)
        dnnl_primitive_desc_destroy(hint);
    ok = ok && dnnl_primitive_create(&h->prim, h->pd) == dnnl_success;
    if (!ok) {
        onednn_destroy(h);
        return BENCH_PEER_ERROR;
    }
    *handle = h;
    return BENCH_PEER_OK;
}

static enum bench_peer_status onednn_prepare(const struct bench_case *c, void **handle)
{
    dnnl_alg_kind_t alg;
    float alpha, beta;
    if (!onednn_alg(c->desc, c->dir, &alg, &alpha, &beta))
        return BENCH_PEER_UNSUPPORTED;
    struct onednn *h = calloc(1, sizeof *h);
    if (!h)
        return BENCH_PEER_ERROR;
    dnnl_dims_t dims = {(dnnl_dim_t)c->n};
    dnnl_memory_desc_t md;
    dnnl_eltwise_desc_t fwd, bwd;
    dnnl_primitive_desc_t hint = NULL;
    int ok = dnnl_memory_desc_init_by_tag(&md, 1, dims, dnnl_f32, dnnl_a) == dnnl_success;
    if (c->dir == ACT_DIR_FWD) {
        ok = ok && dnnl_eltwise_forward_desc_init(&fwd, dnnl_forward_inference, alg, &md, alpha, beta) == dnnl_success &&
             dnnl_primitive_desc_create(&h->pd, &fwd, NULL, engine, NULL) == dnnl_success &&
             add_arg(h, &md, DNNL_ARG_SRC, c->in) && add_arg(h, &md, DNNL_ARG_DST, c->out);
    } else {
        /* A backward primitive needs the forward (training) one as a hint. */
        ok = ok && dnnl_eltwise_forward_desc_init(&fwd, dnnl_forward_training, alg, &md, alpha, beta) == dnnl_success &&
             dnnl_primitive_desc_create(&hint, &fwd, NULL, engine, NULL) == dnnl_success &&
             dnnl_eltwise_backward_desc_init(&bwd, alg, &md, &md, alpha, beta) == dnnl_success &&
             dnnl_primitive_desc_create(&h->pd, &bwd, NULL, engine, hint) == dnnl_success &&
             add_arg(h, &md, c->dir == ACT_DIR_BWD_Y ? DNNL_ARG_DST : DNNL_ARG_SRC, c->in) &&
             add_arg(h, &md, DNNL_ARG_DIFF_DST, c->dy) && add_arg(h, &md, DNNL_ARG_DIFF_SRC, c->out);
    }
    return onednn_finish(h, hint, ok, handle);
}

/* Per-channel PReLU: the prelu primitive on (rows, channels, inner), weights (1, channels, 1)
 * broadcast over the rest; backward gives diff_src and diff_weights (dslope). */
static enum bench_peer_status onednn_prepare_prelu(const struct bench_prelu_case *c, void **handle)
{
    struct onednn *h = calloc(1, sizeof *h);
    if (!h)
        return BENCH_PEER_ERROR;
    dnnl_dims_t dims = {(dnnl_dim_t)c->rows, (dnnl_dim_t)c->channels, (dnnl_dim_t)c->inner};
    dnnl_dims_t wdims = {1, (dnnl_dim_t)c->channels, 1};
    dnnl_memory_desc_t md, wmd;
    dnnl_prelu_desc_t fwd, bwd;
    dnnl_primitive_desc_t hint = NULL;
    int ok = dnnl_memory_desc_init_by_tag(&md, 3, dims, dnnl_f32, dnnl_abc) == dnnl_success &&
             dnnl_memory_desc_init_by_tag(&wmd, 3, wdims, dnnl_f32, dnnl_abc) == dnnl_success;
    if (!c->bwd) {
        ok = ok && dnnl_prelu_forward_desc_init(&fwd, dnnl_forward_inference, &md, &wmd) == dnnl_success &&
             dnnl_primitive_desc_create(&h->pd, &fwd, NULL, engine, NULL) == dnnl_success &&
             add_arg(h, &md, DNNL_ARG_SRC, c->x) && add_arg(h, &wmd, DNNL_ARG_WEIGHTS, c->slope) &&
             add_arg(h, &md, DNNL_ARG_DST, c->out);
    } else {
        ok = ok && dnnl_prelu_forward_desc_init(&fwd, dnnl_forward_training, &md, &wmd) == dnnl_success &&
             dnnl_primitive_desc_create(&hint, &fwd, NULL, engine, NULL) == dnnl_success &&
             dnnl_prelu_backward_desc_init(&bwd, &md, &wmd, &md, &wmd) == dnnl_success &&
             dnnl_primitive_desc_create(&h->pd, &bwd, NULL, engine, hint) == dnnl_success &&
             add_arg(h, &md, DNNL_ARG_SRC, c->x) && add_arg(h, &wmd, DNNL_ARG_WEIGHTS, c->slope) &&
             add_arg(h, &md, DNNL_ARG_DIFF_DST, c->dy) && add_arg(h, &md, DNNL_ARG_DIFF_SRC, c->out) &&
             add_arg(h, &wmd, DNNL_ARG_DIFF_WEIGHTS, c->dslope);
    }
    return onednn_finish(h, hint, ok, handle);
}

static void onednn_run(void *handle)
{
    struct onednn *h = handle;
    dnnl_primitive_execute(h->prim, stream, h->nargs, h->args);
    dnnl_stream_wait(stream);
}

static const char *onednn_impl(void *handle)
{
    const char *name = NULL;
    if (dnnl_primitive_desc_query(((struct onednn *)handle)->pd, dnnl_query_impl_info_str, 0, &name) != dnnl_success)
        return NULL;
    return name;
}

const struct bench_peer bench_peer_onednn = {
    "onednn", onednn_init, onednn_prepare, onednn_prepare_prelu, onednn_run, onednn_impl, onednn_destroy, onednn_fini,
};
