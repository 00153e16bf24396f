/* Piecewise-linear kernels for NEON (the aarch64 baseline): 4 lanes, unrolled x4. */
#include "../simd/vec-neon.h"
#define UTAG u16
#include "../simd/linear-impl.h"
#include "../simd/prelu-impl.h"
#include "../simd/stats-impl.h"
