/* Piecewise-linear kernels for SSE2 (the x86-64 baseline): 4 lanes, unrolled x4. */
#include "../simd/vec-sse2.h"
#define UTAG u16
#include "../simd/linear-impl.h"
#include "../simd/prelu-impl.h"
#include "../simd/stats-impl.h"
