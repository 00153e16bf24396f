/* The peers of actlab bench, in column order. cmake/bench.cmake defines ACTLAB_BENCH_<PEER>
 * for each library it found; the others are listed as absent. */
#include "peer.h"

#ifdef ACTLAB_BENCH_ONEDNN
#define ONEDNN_PEER &bench_peer_onednn
#else
#define ONEDNN_PEER NULL
#endif
#ifdef ACTLAB_BENCH_XNNPACK
#define XNNPACK_PEER &bench_peer_xnnpack
#else
#define XNNPACK_PEER NULL
#endif

const struct bench_peer_slot bench_peer_slots[] = {
    {"naive", "", &bench_peer_naive},
    {"onednn", "libdnnl-dev", ONEDNN_PEER},
    {"xnnpack", "libxnnpack-dev libpthreadpool-dev", XNNPACK_PEER},
};
const size_t bench_peer_slot_count = sizeof bench_peer_slots / sizeof bench_peer_slots[0];
