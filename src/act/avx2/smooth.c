/* Smooth kernels for AVX2+FMA: 8 floats per step, evaluated as 2 x 4 doubles. Built with -mavx2 -mfma (this file only). */
#include "../simd/vec-avx2.h"
#define UTAG u8
#include "../simd/smooth-impl.h"
