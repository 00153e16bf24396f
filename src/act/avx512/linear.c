/* Piecewise-linear kernels for AVX-512: 16 lanes, unrolled x4. Built with the AVX-512 flags (this file only). */
#include "../simd/vec-avx512.h"
#define UTAG u64
#include "../simd/linear-impl.h"
#include "../simd/prelu-impl.h"
#include "../simd/stats-impl.h"
