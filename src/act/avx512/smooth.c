/* Smooth kernels for AVX-512: 16 floats per step, evaluated as 2 x 8 doubles. Built with the AVX-512 flags (this file only). */
#include "../simd/vec-avx512.h"
#define UTAG u16
#include "../simd/smooth-impl.h"
