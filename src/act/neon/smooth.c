/* Smooth kernels for NEON: 4 floats per step, evaluated as 2 x 2 doubles with fused multiply-add. */
#include "../simd/vec-neon.h"
#define UTAG u4
#include "../simd/smooth-impl.h"
