/* Piecewise-linear kernels for AVX2: 8 lanes, unrolled x4. Built with -mavx2 -mfma (this file only). */
#include "../simd/vec-avx2.h"
#define UTAG u32
#include "../simd/linear-impl.h"
#include "../simd/prelu-impl.h"
#include "../simd/stats-impl.h"
