/*
 * Peers of `actlab bench`: other implementations of the same activations, timed in the same
 * process and on the same buffers as libactlab. Each lives in bench/peer-<name>.c behind this
 * interface; the oneDNN and XNNPACK ones are compiled only when the build finds the library
 * (cmake/bench.cmake), and the list below still names them so the command can say they are
 * absent.
 */
#ifndef ACTLAB_BENCH_PEER_H
#define ACTLAB_BENCH_PEER_H

#include <stddef.h>

#include "internal.h"

/* One problem: an activation in one direction over n elements of caller-owned buffers. Each
 * buffer has room for 64 floats past n, for peers that read ahead (XNNPACK). */
struct bench_case {
    const struct act_desc *desc;  /* valid (act_desc_check) */
    enum act_dir dir;             /* ACT_DIR_FWD, ACT_DIR_BWD (from x) or ACT_DIR_BWD_Y (from y) */
    size_t n;
    const float *in;              /* x, or y = f(x) for ACT_DIR_BWD_Y */
    const float *dy;              /* the incoming gradient; NULL for ACT_DIR_FWD */
    float *out;                   /* y for ACT_DIR_FWD, else dx */
};

/* PReLU with one slope per channel (act_prelu_forward / act_prelu_backward): x, dy and the result
 * are (rows, channels, inner), slope and dslope (channels). */
struct bench_prelu_case {
    size_t rows, channels, inner;
    int bwd;                      /* 0: out = y; 1: out = dx, and dslope */
    const float *x, *slope, *dy;  /* dy: NULL forward */
    float *out, *dslope;          /* dslope: NULL forward */
};

enum bench_peer_status { BENCH_PEER_OK, BENCH_PEER_UNSUPPORTED, BENCH_PEER_ERROR };

struct bench_peer {
    const char *name;  /* the column name, e.g. "onednn" */
    /*
     * Called once before anything else. threads: how many threads one call may use. Writes a
     * one-line description (version, threading) into about (len bytes). Returns BENCH_PEER_OK,
     * or BENCH_PEER_ERROR with the reason in about, after which the peer is not used.
     */
    enum bench_peer_status (*init)(int threads, char *about, size_t len);
    /*
     * Get ready to compute *c (which, with its buffers, outlives the handle). On BENCH_PEER_OK
     * *handle is set; BENCH_PEER_UNSUPPORTED when the peer lacks the op, its parameters or the
     * direction; BENCH_PEER_ERROR when the library failed.
     */
    enum bench_peer_status (*prepare)(const struct bench_case *c, void **handle);
    /* The same for a per-channel PReLU case; NULL when the peer has none (run and destroy serve
     * both kinds of handle). */
    enum bench_peer_status (*prepare_prelu)(const struct bench_prelu_case *c, void **handle);
    /* Compute the prepared case once, synchronously. */
    void (*run)(void *handle);
    /* The implementation the library chose (e.g. "jit:avx2"), or NULL if it does not say. */
    const char *(*impl)(void *handle);
    void (*destroy)(void *handle);
    /* Called once at the end (after a successful init). */
    void (*fini)(void);
};

/* Every peer the benchmark knows, in column order; peer is NULL when not in this build. */
struct bench_peer_slot {
    const char *name;
    const char *needs;  /* what to install to get it, e.g. "libdnnl-dev" */
    const struct bench_peer *peer;
};
extern const struct bench_peer_slot bench_peer_slots[];
extern const size_t bench_peer_slot_count;

extern const struct bench_peer bench_peer_naive, bench_peer_onednn, bench_peer_xnnpack;

#endif
