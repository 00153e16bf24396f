/* Smooth kernels for SSE2: 4 floats per step, evaluated as 2 x 2 doubles (no FMA: mul + add). */
#include "../simd/vec-sse2.h"
#define UTAG u4
#include "../simd/smooth-impl.h"
